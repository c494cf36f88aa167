package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
)

// Tracing report formats.
const (
	TracingMarkdown = "md"
	TracingHTML     = "html"
	TracingJSON     = "json"
)

// writeTracing writes a tracing report (history.Report) as Markdown, self-contained HTML or
// JSON. Markdown and HTML render a copy of the report whose every string went through
// EvidenceText (secrets redacted, control and bidi characters escaped; newlines kept, which
// the renderers squeeze where a line is wanted); JSON is written as it is and redacted by
// Render.
func writeTracing(w io.Writer, r *history.Report, format string) error {
	switch format {
	case TracingMarkdown:
		return writeTracingMarkdown(w, inertCopy(r, EvidenceText))
	case TracingHTML:
		return writeTracingHTML(w, inertCopy(r, EvidenceText))
	case TracingJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	}
	return fmt.Errorf("unknown tracing report format %q (want md, html or json)", format)
}

// trSeverityGroups returns the findings grouped by severity, most severe first, empty groups left
// out.
func trSeverityGroups(fs []history.ReportFinding) []trFindingGroup {
	var out []trFindingGroup
	for s := audit.Critical; s >= audit.Info; s-- {
		var g []history.ReportFinding
		for _, f := range fs {
			if f.Severity == s {
				g = append(g, f)
			}
		}
		if len(g) > 0 {
			out = append(out, trFindingGroup{Severity: s, Findings: g})
		}
	}
	return out
}

type trFindingGroup struct {
	Severity audit.Severity
	Findings []history.ReportFinding
}

// trVerdictLine says what the report is about in one line.
func trVerdictLine(r *history.Report) string {
	var parts []string
	if r.Scan != nil {
		s := r.Scan.Summary
		var counts []string
		for i := audit.Critical; i >= audit.Low; i-- {
			if s[i] > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", s[i], i))
			}
		}
		v := strings.ToUpper(r.Scan.Verdict)
		if len(counts) > 0 {
			v += ": " + strings.Join(counts, ", ")
		}
		parts = append(parts, v)
	}
	if len(r.Implant) > 0 {
		parts = append(parts, fmt.Sprintf("%d suspicious %s", len(r.Implant), trPlural(len(r.Implant), "file", "files")))
	}
	if r.Diff != nil {
		d := r.Diff.Summary
		parts = append(parts, fmt.Sprintf("diff: %d added, %d removed, %d modified, %d hidden, %d config", d.Added, d.Removed, d.Modified, d.Hidden, d.Config))
	}
	if n := len(trSightingImages(r)); n > 0 {
		parts = append(parts, fmt.Sprintf("indicators also seen in %d other %s", n, trPlural(n, "image", "images")))
	}
	if len(parts) == 0 {
		return "No scan or diff is recorded for this image."
	}
	return strings.Join(parts, " · ")
}

func trSightingImages(r *history.Report) []string {
	set := map[string]bool{}
	for _, h := range r.Sightings {
		set[h.Image.ConfigDigest] = true
	}
	var out []string
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

func trPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func trShort(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	if d == "" {
		return "-"
	}
	return d
}

func trImageName(img *history.Image) string {
	if img == nil {
		return "-"
	}
	s := trShort(img.ConfigDigest)
	if len(img.Tags) > 0 {
		s = strings.Join(img.Tags, ", ") + " (" + s + ")"
	}
	if img.Trusted {
		s += " [trusted]"
	}
	return s
}

func trWhen(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func trLayerText(l int) string {
	if l < 0 {
		return "config"
	}
	return fmt.Sprint(l)
}

func trSize(n int64) string {
	switch {
	case n < 0:
		return "-"
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

func trStep(createdBy string) string {
	s := audit.ShortStep(createdBy)
	if s == "" {
		return "-"
	}
	return s
}

// trIndicatorList renders the indicators as plain lines, one per indicator, for other tools.
func trIndicatorList(r *history.Report) string {
	var b strings.Builder
	for _, ind := range r.Indicators {
		fmt.Fprintf(&b, "%s\t%s\n", ind.Kind, ind.Value)
	}
	return b.String()
}
