package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/human"
)

// identityDoc identifies an image as `strata inspect` does.
type identityDoc struct {
	Input        forensics.Input `json:"input"`
	Digest       string          `json:"digest"`
	ConfigDigest string          `json:"config_digest"`
	ArchiveID    string          `json:"archive_id,omitempty"`
	Tags         []string        `json:"tags"`
	Created      *time.Time      `json:"created"`
}

func newIdentityDoc(img *forensics.Image) identityDoc {
	d := identityDoc{Input: img.Input, Digest: img.Digest, ConfigDigest: img.ConfigDigest, ArchiveID: img.ArchiveID, Tags: nonNil(img.Tags)}
	if !img.Created.IsZero() {
		c := img.Created
		d.Created = &c
	}
	return d
}

// diffDoc is the JSON shape of `strata diff`, documented in docs/json.md.
type diffDoc struct {
	Original  identityDoc               `json:"original"`
	Suspect   identityDoc               `json:"suspect"`
	Summary   forensics.DiffSummary     `json:"summary"`
	Layers    forensics.LayerAlignment  `json:"layers"`
	Files     []fileChangeDoc           `json:"files"`
	Config    []forensics.ConfigChange  `json:"config"`
	History   []forensics.HistoryChange `json:"history"`
	Anomalies []forensics.DiffAnomaly   `json:"anomalies"`
	// Findings are what a scan of the suspect found in the changed files, new layers and
	// changed config values; left out with --no-scan.
	Findings []FindingDoc `json:"findings,omitempty"`
}

// diffFileDoc is the JSON shape of `strata diff --path`.
type diffFileDoc struct {
	Original identityDoc   `json:"original"`
	Suspect  identityDoc   `json:"suspect"`
	File     fileChangeDoc `json:"file"`
}

type historyRefDoc struct {
	Index     int    `json:"index"`
	CreatedBy string `json:"created_by"`
}

type fileChangeDoc struct {
	Path       string          `json:"path"`
	Change     string          `json:"change"`
	Layer      int             `json:"layer"`
	History    *historyRefDoc  `json:"history"`
	Attributes []string        `json:"attributes"`
	Original   *fileVersionDoc `json:"original"`
	Suspect    *fileVersionDoc `json:"suspect"`
	Diff       string          `json:"diff,omitempty"`
	DiffNote   string          `json:"diff_note,omitempty"`
	Score      int             `json:"score"`
	Why        string          `json:"why"`
	Noise      bool            `json:"noise"`
}

type fileVersionDoc struct {
	Type     string         `json:"type"`
	Mode     string         `json:"mode"`
	UID      int            `json:"uid"`
	GID      int            `json:"gid"`
	Size     int64          `json:"size"`
	MTime    time.Time      `json:"mtime"`
	SHA256   string         `json:"sha256"`
	Link     string         `json:"link"`
	FileType string         `json:"filetype,omitempty"`
	Layer    int            `json:"layer"`
	History  *historyRefDoc `json:"history"`
	Created  int            `json:"created"`
	Modified []int          `json:"modified"`
	Removed  *int           `json:"removed"`
	Hidden   bool           `json:"hidden"`
}

func historyRef(i int, createdBy string) *historyRefDoc {
	if i < 0 {
		return nil
	}
	return &historyRefDoc{Index: i, CreatedBy: createdBy}
}

func newFileVersionDoc(v *forensics.FileVersion) *fileVersionDoc {
	if v == nil {
		return nil
	}
	e := v.Entry
	d := &fileVersionDoc{Type: e.Type.String(), Mode: e.ModeString(), UID: e.UID(), GID: e.GID(), Size: e.Size,
		MTime: e.ModTime(), SHA256: e.SHA256(), Link: e.Link(), FileType: v.Type.String(), Layer: v.Layer,
		History: historyRef(v.History, v.CreatedBy), Created: v.Created, Modified: v.Modified, Hidden: v.Hidden}
	if d.Modified == nil {
		d.Modified = []int{}
	}
	if v.Removed >= 0 {
		r := v.Removed
		d.Removed = &r
	}
	return d
}

func newFileChangeDoc(f *forensics.FileChange) fileChangeDoc {
	attrs := f.Attributes
	if attrs == nil {
		attrs = []string{}
	}
	return fileChangeDoc{Path: f.Path, Change: f.Change.String(), Layer: f.Layer, History: historyRef(f.History, f.CreatedBy),
		Attributes: attrs, Original: newFileVersionDoc(f.Original), Suspect: newFileVersionDoc(f.Suspect),
		Diff: f.Diff, DiffNote: f.DiffNote, Score: f.Score, Why: f.Why, Noise: f.Noise}
}

func newDiffDoc(d *forensics.ImageDiff) diffDoc {
	doc := diffDoc{Original: newIdentityDoc(d.Original), Suspect: newIdentityDoc(d.Suspect), Summary: d.Summary,
		Layers: d.Layers, Files: []fileChangeDoc{}, Config: secrets.RedactConfigChanges(d.Config), History: d.History, Anomalies: d.Anomalies}
	for i := range d.Files {
		doc.Files = append(doc.Files, newFileChangeDoc(&d.Files[i]))
	}
	if doc.Config == nil {
		doc.Config = []forensics.ConfigChange{}
	}
	if doc.History == nil {
		doc.History = []forensics.HistoryChange{}
	}
	return doc
}

// ANSI colours for terminals; none when NO_COLOR is set or output is not a terminal.
type palette struct{ add, del, hunk, hot, off string }

func newPalette(color bool) palette {
	if !color {
		return palette{}
	}
	return palette{add: "\x1b[32m", del: "\x1b[31m", hunk: "\x1b[36m", hot: "\x1b[1;31m", off: "\x1b[0m"}
}

func (p palette) paint(c, s string) string {
	if c == "" {
		return s
	}
	return c + s + p.off
}

func imageLabel(img *forensics.Image, ev Filter) string {
	s := img.Input.Path + " (" + img.Input.Format
	if img.Input.Selector != "" {
		s += ", " + img.Input.Selector
	}
	s += ")"
	if len(img.Tags) > 0 {
		s += "  " + strings.Join(img.Tags, ", ")
	}
	return ev.Line(s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func stepText(layer, history int, createdBy string, ev Filter) string {
	if layer < 0 {
		return "no suspect layer (its layer is gone from the chain)"
	}
	if history < 0 {
		return fmt.Sprintf("layer %d (no history line)", layer)
	}
	return fmt.Sprintf("layer %d, step %d: %s", layer, history, ev.OneLine(createdBy, 90))
}

func writeDiffText(w io.Writer, o DiffDocument, ev Filter) error {
	d := o.Diff
	pal := newPalette(o.Color)
	s := d.Summary
	fmt.Fprintf(w, "Original  %s\n          config %s\n", imageLabel(d.Original, ev), d.Original.ConfigDigest)
	fmt.Fprintf(w, "Suspect   %s\n          config %s\n", imageLabel(d.Suspect, ev), d.Suspect.ConfigDigest)

	fmt.Fprintln(w, "\nSummary")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	layers := fmt.Sprintf("%d common, %d replaced, %d added, %d removed", s.LayersCommon, s.LayersReplaced, s.LayersAdded, s.LayersRemoved)
	if d.Layers.Diverge >= 0 {
		layers += fmt.Sprintf("; the chains diverge at layer %d", d.Layers.Diverge)
	} else {
		layers += "; the chains are the same"
	}
	fmt.Fprintf(tw, "  layers\t%s\n", layers)
	fmt.Fprintf(tw, "  files\t%d added, %d removed, %d modified, %d hidden; %d suspicious (score >= %d), %s\n",
		s.Added, s.Removed, s.Modified, s.Hidden, s.Suspicious, forensics.SuspiciousScore, plural(s.Noise, "package-manager change", "package-manager changes"))
	fmt.Fprintf(tw, "  config\t%s\n", plural(s.Config, "change", "changes"))
	for _, c := range d.Config {
		if c.Score >= forensics.SuspiciousScore {
			fmt.Fprintf(tw, "  \t  %s %s: %s\n", pal.paint(pal.hot, ev.Line(c.Field)), c.Change, configValueText(c, ev))
		}
	}
	fmt.Fprintf(tw, "  history\t%s\n", plural(s.History, "step changed", "steps changed"))
	fmt.Fprintf(tw, "  anomalies\t%d\n", s.Anomalies)
	for _, a := range d.Anomalies {
		if a.Kind == forensics.AnomalyContentNotHistory || a.Kind == forensics.AnomalyConfigMismatch || a.Kind == forensics.AnomalyDiffIDMismatch {
			fmt.Fprintf(tw, "  \t  %s [layer %d]\n", pal.paint(pal.hot, a.Kind), a.Layer)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if o.Scanned {
		writeDiffFindingsText(w, o.Findings, pal, ev)
	}

	shown, folded := 0, 0
	for i := range d.Files {
		if d.Files[i].Noise && !o.All {
			folded++
		}
	}
	fmt.Fprintf(w, "\nFile changes (%d, most important first)\n", len(d.Files)-folded)
	for i := range d.Files {
		f := &d.Files[i]
		if f.Noise && !o.All {
			continue
		}
		shown++
		score := fmt.Sprintf("%3d", f.Score)
		if f.Score >= forensics.SuspiciousScore {
			score = pal.paint(pal.hot, score)
		}
		fmt.Fprintf(w, "\n%s  %-8s  %s\n", score, f.Change, ev.Line(f.Path))
		fmt.Fprintf(w, "     %s\n", stepText(f.Layer, f.History, f.CreatedBy, ev))
		switch f.Change {
		case forensics.FileModified:
			fmt.Fprintf(w, "     changed: %s\n", strings.Join(f.Attributes, ", "))
			fmt.Fprintf(w, "     was  %s\n", versionLine(f.Original, ev))
			fmt.Fprintf(w, "     now  %s\n", versionLine(f.Suspect, ev))
		case forensics.FileRemoved:
			fmt.Fprintf(w, "     was  %s\n", versionLine(f.Original, ev))
		default:
			fmt.Fprintf(w, "     %s\n", versionLine(f.Suspect, ev))
		}
		fmt.Fprintf(w, "     why: %s\n", ev.Line(f.Why))
		if f.Diff != "" {
			writeUnified(w, f.Diff, "     ", o.DiffLines, pal, ev)
		} else if f.DiffNote != "" && f.DiffNote != "binary" {
			fmt.Fprintf(w, "     (no diff: %s)\n", ev.Line(f.DiffNote))
		}
	}
	if shown == 0 {
		fmt.Fprintln(w, "  none")
	}
	if folded > 0 {
		fmt.Fprintf(w, "\n%d package-manager changes folded; --all shows them\n", folded)
	}

	if len(d.Config) == 0 {
		fmt.Fprintln(w, "\nConfig: no changes")
	} else {
		fmt.Fprintf(w, "\nConfig (%d changes)\n", len(d.Config))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, c := range d.Config {
			why := ""
			if c.Why != "" {
				why = "  [" + c.Why + "]"
			}
			fmt.Fprintf(tw, "  %3d\t%s\t%s\t%s%s\n", c.Score, ev.Line(c.Field), c.Change, configValueText(c, ev), ev.Line(why))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	if len(d.History) == 0 {
		fmt.Fprintln(w, "\nHistory: no changes")
	} else {
		fmt.Fprintf(w, "\nHistory (%d changes)\n", len(d.History))
		for _, h := range d.History {
			switch h.Change {
			case "added":
				fmt.Fprintf(w, "  added    step %d: %s\n", h.SuspectIndex, ev.OneLine(h.Suspect.CreatedBy, 100))
			case "removed":
				fmt.Fprintf(w, "  removed  step %d: %s\n", h.OriginalIndex, ev.OneLine(h.Original.CreatedBy, 100))
			default:
				fmt.Fprintf(w, "  changed  step %d -> %d (%s): %s\n", h.OriginalIndex, h.SuspectIndex, strings.Join(h.Attributes, ", "), ev.OneLine(h.Suspect.CreatedBy, 80))
				for _, a := range h.Attributes {
					switch a {
					case "created_by":
						fmt.Fprintf(w, "           was: %s\n", ev.OneLine(h.Original.CreatedBy, 100))
					case "created":
						fmt.Fprintf(w, "           created %s -> %s\n", timeText(h.Original.Created), timeText(h.Suspect.Created))
					}
				}
			}
		}
	}

	if len(d.Anomalies) == 0 {
		_, err := fmt.Fprintln(w, "\nAnomalies: none")
		return err
	}
	fmt.Fprintf(w, "\nAnomalies (%d)\n", len(d.Anomalies))
	for _, a := range d.Anomalies {
		where := ""
		if a.Layer >= 0 {
			where = fmt.Sprintf(" [layer %d]", a.Layer)
		}
		fmt.Fprintf(w, "  %s%s: %s\n", a.Kind, where, ev.Line(a.Detail))
	}
	return nil
}

// configValueText is a config change's values, each redacted as the value of its field (a
// value alone may not say it is a secret; env.AWS_SECRET_ACCESS_KEY does).
func configValueText(c forensics.ConfigChange, ev Filter) string {
	if !ev.ShowSecrets {
		c = secrets.RedactConfigChanges([]forensics.ConfigChange{c})[0]
	}
	switch c.Change {
	case "added":
		return ev.Line(c.Suspect)
	case "removed":
		return "(was " + ev.Line(c.Original) + ")"
	}
	return ev.Line(c.Original) + " -> " + ev.Line(c.Suspect)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// versionLine is one line of a file version's metadata.
func versionLine(v *forensics.FileVersion, ev Filter) string {
	if v == nil {
		return "-"
	}
	e := v.Entry
	parts := []string{}
	if ft := v.Type.String(); ft != "" {
		parts = append(parts, ft)
	} else {
		parts = append(parts, e.Type.String())
	}
	parts = append(parts, e.ModeString(), fmt.Sprintf("%d:%d", e.UID(), e.GID()))
	if e.Type == forensics.TypeFile || e.Type == forensics.TypeHardlink {
		parts = append(parts, human.Size(e.Size))
	}
	parts = append(parts, timeText(e.ModTime()))
	if e.SHA256() != "" {
		parts = append(parts, "sha256:"+e.SHA256()[:min(12, len(e.SHA256()))])
	}
	if e.Link() != "" {
		parts = append(parts, "-> "+ev.Line(e.Link()))
	}
	if e.Setuid() {
		parts = append(parts, "[setuid]")
	}
	if e.Setgid() {
		parts = append(parts, "[setgid]")
	}
	return strings.Join(parts, "  ")
}

// writeUnified writes a content diff, redacted whole (a key spans lines) before it is cut
// into lines.
func writeUnified(w io.Writer, diff, indent string, limit int, pal palette, ev Filter) {
	lines := strings.Split(strings.TrimSuffix(ev.Text(diff), "\n"), "\n")
	for i, l := range lines {
		if limit > 0 && i >= limit {
			fmt.Fprintf(w, "%s… %d more lines (--path shows the whole diff)\n", indent, len(lines)-limit)
			return
		}
		c := ""
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
		case strings.HasPrefix(l, "+"):
			c = pal.add
		case strings.HasPrefix(l, "-"):
			c = pal.del
		case strings.HasPrefix(l, "@@"):
			c = pal.hunk
		}
		fmt.Fprintf(w, "%s%s\n", indent, pal.paint(c, l))
	}
}

func writeDiffFileText(w io.Writer, o DiffFileDocument, ev Filter) error {
	f := o.File
	pal := newPalette(o.Color)
	fmt.Fprintf(w, "%s: %s", ev.Line(f.Path), f.Change)
	if f.Change != forensics.FileUnchanged {
		fmt.Fprintf(w, " (score %d)", f.Score)
	}
	fmt.Fprintln(w)
	if len(f.Attributes) > 0 {
		fmt.Fprintf(w, "changed: %s\n", strings.Join(f.Attributes, ", "))
	}
	if f.Why != "" {
		fmt.Fprintf(w, "why: %s\n", ev.Line(f.Why))
	}
	if f.Change != forensics.FileUnchanged {
		fmt.Fprintf(w, "brought by: %s\n", stepText(f.Layer, f.History, f.CreatedBy, ev))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\tORIGINAL\tSUSPECT\n")
	row := func(name string, get func(v *forensics.FileVersion) string) {
		val := func(v *forensics.FileVersion) string {
			if v == nil {
				return "-"
			}
			if s := get(v); s != "" {
				return s
			}
			return "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, ev.Line(val(f.Original)), ev.Line(val(f.Suspect)))
	}
	row("type", func(v *forensics.FileVersion) string { return v.Entry.Type.String() })
	row("filetype", func(v *forensics.FileVersion) string { return v.Type.String() })
	row("mode", func(v *forensics.FileVersion) string { return v.Entry.ModeString() })
	row("owner", func(v *forensics.FileVersion) string { return fmt.Sprintf("%d:%d", v.Entry.UID(), v.Entry.GID()) })
	row("size", func(v *forensics.FileVersion) string { return fmt.Sprintf("%d", v.Entry.Size) })
	row("mtime", func(v *forensics.FileVersion) string { return timeText(v.Entry.ModTime()) })
	row("sha256", func(v *forensics.FileVersion) string { return v.Entry.SHA256() })
	row("link", func(v *forensics.FileVersion) string { return v.Entry.Link() })
	row("layer", func(v *forensics.FileVersion) string { return stepText(v.Layer, v.History, v.CreatedBy, ev) })
	row("created in", func(v *forensics.FileVersion) string { return layerNumber(v.Created) })
	row("modified in", func(v *forensics.FileVersion) string { return layerList(v.Modified) })
	row("removed in", func(v *forensics.FileVersion) string { return layerNumber(v.Removed) })
	if err := tw.Flush(); err != nil {
		return err
	}
	switch {
	case f.Diff != "":
		fmt.Fprintln(w)
		writeUnified(w, f.Diff, "", 0, pal, ev)
	case f.DiffNote != "":
		fmt.Fprintf(w, "\nno content diff: %s\n", ev.Line(f.DiffNote))
	}
	return nil
}

func layerNumber(i int) string {
	if i < 0 {
		return ""
	}
	return fmt.Sprintf("layer %d", i)
}

func layerList(l []int) string {
	if len(l) == 0 {
		return ""
	}
	s := make([]string, len(l))
	for i, x := range l {
		s[i] = fmt.Sprint(x)
	}
	return "layers " + strings.Join(s, ", ")
}

func findingDocs(fs []audit.Finding) []FindingDoc {
	out := []FindingDoc{}
	for _, f := range fs {
		out = append(out, NewFindingDoc(f))
	}
	return out
}

func writeDiffFindingsText(w io.Writer, fs []audit.Finding, pal palette, ev Filter) {
	fmt.Fprintf(w, "\nFindings in what changed (%d)\n", len(fs))
	for _, f := range fs {
		sev := strings.ToUpper(f.Severity.String())
		if f.Severity >= audit.High {
			sev = pal.paint(pal.hot, sev)
		}
		fmt.Fprintf(w, "  %-8s %-14s %s\n", sev, ev.Line(f.Rule), ev.OneLine(f.Title, 100))
		where := ev.Line(f.Place())
		if f.Path != "" {
			where = ev.Line(f.Path) + " " + where
		}
		fmt.Fprintf(w, "           %s\n", where)
	}
}
