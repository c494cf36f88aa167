package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// recordDemoPair scans the demo suspect and records its diff against the original into the
// database of data.
func recordDemoPair(t *testing.T, data string) {
	t.Helper()
	scanAndRecord(t, data, suspect)
	ctx := context.Background()
	g := &globalOptions{dataDir: data}
	orig, err := g.openImage(ctx, original)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	susp, err := g.openImage(ctx, suspect)
	if err != nil {
		t.Fatal(err)
	}
	defer susp.Close()
	d, err := forensics.DiffImages(ctx, orig, susp, forensics.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []*forensics.Image{orig, susp} {
		if _, _, err := img.InputHash(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s, err := g.store(ctx, &storeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.RecordDiff(ctx, d); err != nil {
		t.Fatal(err)
	}
}

// externalRef finds src or href attributes that point at another host.
var externalRef = regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:)?//`)

func TestReportOfTheDemoPair(t *testing.T) {
	data := t.TempDir()
	recordDemoPair(t, data)
	dir := t.TempDir()
	for _, format := range []string{"md", "html", "json"} {
		t.Run(format, func(t *testing.T) {
			p := filepath.Join(dir, "report."+format)
			_, errOut, code := strataIn(t, data, "report", "--format", format, "-o", p, "--diff", original, suspect)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(errOut, p) {
				t.Errorf("report does not say where it wrote: %q", errOut)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			switch format {
			case "md":
				for _, want := range []string{"## Chain of custody", "## The implant", "### `" + imagebuild.DemoPreloadPath + "`",
					"## Findings by severity", "## Indicators", "## Timeline", "ip\t" + imagebuild.DemoRemoteAddr, "history line unverified"} {
					if !strings.Contains(text, want) {
						t.Errorf("Markdown lacks %q", want)
					}
				}
				// It reads as plain text: no HTML.
				if strings.Contains(text, "<div") || strings.Contains(text, "<table") {
					t.Error("the Markdown report holds HTML")
				}
			case "html":
				if m := externalRef.FindAllString(text, -1); len(m) > 0 {
					t.Errorf("the HTML report refers to other hosts: %v", m)
				}
				for _, bad := range []string{"<script", "<link", "@import", "url("} {
					if strings.Contains(strings.ToLower(text), bad) {
						t.Errorf("the HTML report holds %q", bad)
					}
				}
				for _, want := range []string{"<h2 id=\"implant\">The implant</h2>", imagebuild.DemoPreloadPath, "<style>"} {
					if !strings.Contains(text, want) {
						t.Errorf("HTML lacks %q", want)
					}
				}
			case "json":
				var doc map[string]json.RawMessage
				if err := json.Unmarshal(b, &doc); err != nil {
					t.Fatal(err)
				}
				for _, k := range []string{"chain_of_custody", "image", "family", "tag_history", "layers", "findings", "implant", "diff", "indicators", "sightings", "timeline"} {
					if _, ok := doc[k]; !ok {
						t.Errorf("JSON lacks %q", k)
					}
				}
			}
		})
	}
	t.Run("scan and image", func(t *testing.T) {
		for _, args := range [][]string{{"report", "--scan", "1"}, {"report", suspect}, {"report", "strata-demo/webapp:1.2"}} {
			out, errOut, code := strataIn(t, data, args...)
			if code != 0 || !strings.Contains(out, "## The implant") {
				t.Errorf("%v: exit %d %s", args, code, errOut)
			}
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, args := range [][]string{{"report"}, {"report", "--scan", "x"}, {"report", "--scan", "99"}, {"report", "--diff", original},
			{"report", "--format", "pdf", suspect}, {"report", "--diff", suspect, original}} {
			if _, errOut, code := strataIn(t, data, args...); code != 2 {
				t.Errorf("%v: exit %d %s, want 2", args, code, errOut)
			}
		}
	})
}

// TestReportInChromium renders the demo pair's HTML report in headless Chromium, with the
// network disabled, and keeps the screenshot: the top of the page is the verdict and the
// implant. Set STRATA_REPORT_PNG to keep it somewhere.
func TestReportInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	data := t.TempDir()
	recordDemoPair(t, data)
	html := filepath.Join(t.TempDir(), "report.html")
	if _, errOut, code := strataIn(t, data, "report", "--format", "html", "-o", html, "--diff", original, suspect); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	png := os.Getenv("STRATA_REPORT_PNG")
	if png == "" {
		png = filepath.Join(t.TempDir(), "report.png")
	}
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--no-first-run", "--user-data-dir=" + t.TempDir(), "--window-size=1200,1600"}
	cmd := exec.Command(chromium, append(args, "--screenshot="+png, "file://"+html)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	st, err := os.Stat(png)
	if err != nil || st.Size() < 10000 {
		t.Fatalf("screenshot: %v %v", st, err)
	}
	// What Chromium laid out: the implant section with the implant's path.
	dom, err := exec.Command(chromium, append(args, "--dump-dom", "file://"+html)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dom, []byte("The implant")) || !bytes.Contains(dom, []byte(imagebuild.DemoPreloadPath)) {
		t.Error("Chromium's DOM lacks the implant section")
	}
}
