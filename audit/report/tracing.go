package report

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics"
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

// fullDigest is a sha256 digest written out whole.
var fullDigest = regexp.MustCompile(`sha256:([0-9a-f]{12})[0-9a-f]{52}`)

// trShortDigests shortens the whole digests in a note to the 12 digits the tables show (the
// anomaly itself, in the changes, keeps them whole).
func trShortDigests(s string) string { return fullDigest.ReplaceAllString(s, "sha256:$1") }

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

// trIndicatorList renders the indicators as plain lines, one per indicator, for other tools
// (rule hits are Strata's own and left out).
func trIndicatorList(r *history.Report) string {
	var b strings.Builder
	for _, ind := range r.Indicators {
		if ind.Kind != "rule" {
			fmt.Fprintf(&b, "%s\t%s\n", ind.Kind, ind.Value)
		}
	}
	return b.String()
}

// trStepLayer is a Dockerfile line's layer: its number, "config" for a value only the config
// holds, "-" for a line that made none.
func trStepLayer(in forensics.Instruction) string {
	switch {
	case in.Layer >= 0:
		return fmt.Sprint(in.Layer)
	case in.History < 0 && in.Unverified != "" && in.Keyword != forensics.KeywordComment:
		return "config"
	}
	return "-"
}

// trWhereRow is the implants of one layer, for the summary's Where.
type trWhereRow struct {
	Layer                           int
	DiffID, Step, CreatedBy, Reason string
	Paths                           []string
}

func trWhere(sm *history.Summary) []trWhereRow {
	var out []trWhereRow
	at := map[int]int{}
	for _, im := range sm.Implants {
		i, ok := at[im.Layer]
		if !ok {
			i = len(out)
			at[im.Layer] = i
			out = append(out, trWhereRow{Layer: im.Layer, DiffID: im.DiffID, Step: im.Step, CreatedBy: im.CreatedBy, Reason: im.Unverified})
		}
		out[i].Paths = append(out[i].Paths, im.Path)
	}
	return out
}

// trTechniques names techniques with their ATT&CK names: "T1574.006 Hijack Execution Flow:
// Dynamic Linker Hijacking".
func trTechniques(ts []history.Technique) string {
	var parts []string
	for _, t := range ts {
		s := t.ID
		if t.Name != "" {
			s += " " + t.Name
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "no ATT&CK technique"
	}
	return strings.Join(parts, "; ")
}

// trTagRow is the tag history folded: one row per tag and image.
type trTagRow struct {
	Tag, ConfigDigest string
	First, Last       time.Time
	Sightings         int
	MovedHere         bool
}

func trTagRows(r *history.Report) []trTagRow {
	var out []trTagRow
	at := map[string]int{}
	for _, t := range r.Tags {
		key := t.Tag + "\x00" + t.ConfigDigest
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, trTagRow{Tag: t.Tag, ConfigDigest: t.ConfigDigest, First: t.SeenAt})
		}
		row := &out[i]
		row.Sightings++
		row.Last = t.SeenAt
		row.MovedHere = row.MovedHere || t.Moved
	}
	return out
}

// trImageRole says which of the report's images a digest is.
func trImageRole(r *history.Report, digest string) string {
	switch {
	case r.Image != nil && digest == r.Image.ConfigDigest && r.Original != nil:
		return "suspect"
	case r.Image != nil && digest == r.Image.ConfigDigest:
		return "subject"
	case r.Original != nil && digest == r.Original.ConfigDigest:
		return "original"
	}
	return "other"
}

// trCommands renders an evidence file's readings by command: "scan ×1, diff ×2".
func trCommands(cs []history.CommandReads) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s ×%d", c.Command, c.Reads))
	}
	return strings.Join(parts, ", ")
}

// trLine renders a Dockerfile instruction as its line.
func trLine(in forensics.Instruction) string {
	return strings.TrimSpace(in.Keyword + " " + in.Args)
}

// trOtherContradictions are the Dockerfile contradictions the summary's Where does not show
// already with the implants' layers.
func trOtherContradictions(sm *history.Summary) []history.Contradiction {
	var out []history.Contradiction
	for _, c := range sm.Contradictions {
		if !c.Implant {
			out = append(out, c)
		}
	}
	return out
}
