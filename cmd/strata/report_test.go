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
var wholeDigest = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

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
					"## Findings by severity", "## Indicators", "## Timeline", "ip\t" + imagebuild.DemoRemoteAddr, "history line unverified",
					// REMOTE_PORT (score 20) is not named: the list says it holds the suspicious ones.
					"3 config changes (suspicious: env.LD_PRELOAD added, env.REMOTE_ADDR added)"} {
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
				// The layers table's notes name digests by their first 12 digits, as its diff_id
				// column does: a whole one made its narrow column a tower of broken hex.
				_, layers, _ := strings.Cut(text, `<h2 id="layers">`)
				layers, _, _ = strings.Cut(layers, "<h2")
				if !strings.Contains(layers, "history line unverified") || wholeDigest.MatchString(layers) {
					t.Errorf("the layers table lacks the unverified note or names a whole digest:\n%s", layers)
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
			{"report", "--format", "pdf", suspect}, {"report", "--diff", "sha256:00000000", original}, {"report", "nosuch/image:tag"}} {
			if _, errOut, code := strataIn(t, data, args...); code != 2 {
				t.Errorf("%v: exit %d %s, want 2", args, code, errOut)
			}
		}
	})
}

// TestReportOfNeverSeenImages: a report of images the history has never seen does what it
// needs first, as strata scan and strata diff would, and records it.
func TestReportOfNeverSeenImages(t *testing.T) {
	data := t.TempDir()
	out, errOut, code := strataIn(t, data, "report", "--diff", original, suspect)
	if code != 0 || !strings.Contains(out, "## The implant") || !strings.Contains(out, imagebuild.DemoPreloadPath) {
		t.Fatalf("report --diff of never-seen images: exit %d %s\n%s", code, errOut, out)
	}
	fresh := t.TempDir()
	out, errOut, code = strataIn(t, fresh, "report", suspect)
	if code != 0 || !strings.Contains(out, "## Findings by severity") || !strings.Contains(out, "STRATA-LP-001") {
		t.Fatalf("report of a never-seen image: exit %d %s\n%s", code, errOut, out)
	}
	for dir, want := range map[string]map[string]int{data: {"scans": 1, "diffs": 1}, fresh: {"scans": 1, "diffs": 0}} {
		out, _, _ := strataIn(t, dir, "store", "--format", "json")
		var info storeInfoDoc
		if err := json.Unmarshal([]byte(out), &info); err != nil {
			t.Fatal(err)
		}
		for k, n := range want {
			if info.Counts[k] != n {
				t.Errorf("%s: %d %s recorded, want %d", dir, info.Counts[k], k, n)
			}
		}
	}
	// Asked again, the report comes from what was recorded: nothing more is scanned.
	if _, errOut, code := strataIn(t, data, "report", "--diff", original, suspect); code != 0 {
		t.Fatalf("second report: exit %d %s", code, errOut)
	}
	out, _, _ = strataIn(t, data, "history", "--format", "json")
	if n := strings.Count(out, `"rule_hash"`); n != 1 {
		t.Errorf("the second report scanned again: %d scans", n)
	}
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
