package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/strata-forensics/strata/audit/history"
)

// mdCell makes text safe for one Markdown table cell or one line of prose: one line, and
// nothing a Markdown renderer would turn into a link, an image or HTML. The report's strings
// are inert already (writeTracing); this keeps their text text.
func mdCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = mdEscaper.Replace(s)
	if s == "" {
		return "-"
	}
	return s
}

// mdEscaper escapes table pipes, raw HTML and autolinks (< >), and link and image syntax.
var mdEscaper = strings.NewReplacer("|", `\|`, "<", `\<`, ">", `\>`, "](", `\](`, "![", `\![`)

// mdFence returns a fenced code block of text: the fence is longer than any run of backticks
// in the text, so nothing in it can close the block early.
func mdFence(info, text string) string {
	run, longest := 0, 0
	for i := 0; i < len(text); i++ {
		if text[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + info + "\n" + strings.TrimRight(text, "\n") + "\n" + fence + "\n"
}

// mdCode renders s as inline code: one line, backticks turned to quotes so the span cannot
// end early (nothing inside a code span is interpreted, so nothing else is escaped).
func mdCode(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || s == "-" {
		return "-"
	}
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, "`", "'"), "|", `\|`) + "`"
}

// writeTracingMarkdown writes the report as Markdown that also reads well as plain text.
func writeTracingMarkdown(w io.Writer, r *history.Report) error {
	b := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	row := func(cells ...string) { p("| %s |\n", strings.Join(cells, " | ")) }
	head := func(cells ...string) {
		row(cells...)
		seps := make([]string, len(cells))
		for i := range seps {
			seps[i] = "---"
		}
		row(seps...)
	}

	p("# Strata tracing report: %s\n\n", mdCell(r.Title))
	p("**%s**\n\n", mdCell(trVerdictLine(r)))
	p("Generated %s by %s on %s with strata %s, from %s.\n\n", trWhen(r.Generated), mdCell(r.Custody.ReportBy), mdCell(r.Custody.ReportHost),
		mdCell(r.Custody.ReportVersion), mdCode(r.Custody.Database))

	p("## Chain of custody\n\n")
	head("Read at", "Input", "Format", "SHA-256", "Size", "By", "Host", "Command", "Strata", "Image")
	for _, in := range r.Custody.Inputs {
		row(trWhen(in.ReadAt), mdCode(in.Path), in.Format, mdCode(in.SHA256), trSize(in.Size), mdCell(in.Who), mdCell(in.Host),
			in.Command, mdCell(in.ToolVersion), mdCode(trShort(in.ConfigDigest)))
	}
	p("\n")
	if r.Custody.RuleHash != "" {
		p("Rule set hash: `%s`  \n", r.Custody.RuleHash)
	}
	if r.Scan != nil {
		p("Scan %d: %s, started %s, ended %s, strata %s, %d files (%d content-scanned), %d of %d layers from the layer cache.\n",
			r.Scan.ID, r.Scan.Status, trWhen(r.Scan.Started), trWhen(r.Scan.Ended), r.Scan.ToolVersion, r.Scan.Files,
			r.Scan.Scanned, r.Scan.CachedLayers, len(r.Layers))
	}
	p("\n")

	p("## Image identity\n\n")
	img := r.Image
	p("- Config digest (image ID): `%s`\n", img.ConfigDigest)
	p("- Manifest digest: `%s`\n", img.ManifestDigest)
	p("- Tags seen: %s\n", mdCell(strings.Join(img.Tags, ", ")))
	p("- Created: %s\n", trWhen(img.Created))
	p("- Platform: %s\n", mdCell(img.Platform()))
	p("- First and last read: %s .. %s\n", trWhen(img.FirstSeen), trWhen(img.LastSeen))
	p("- User: %s\n", mdCode(r.Config.User))
	p("- Entrypoint: %s; Cmd: %s\n", mdCode(strings.Join(r.Config.Entrypoint, " ")), mdCode(strings.Join(r.Config.Cmd, " ")))
	if len(r.Config.Env) > 0 {
		p("- Env:\n\n%s", mdFence("text", strings.Join(r.Config.Env, "\n")))
	}
	if r.Original != nil {
		p("- Compared with the original: %s\n", mdCell(trImageName(r.Original)))
	}
	p("\n")

	p("## Family\n\n")
	p("Images whose layer chain is a prefix of this one's are its ancestors; those built on it, its descendants.\n\n")
	list := func(title string, imgs []*history.Image) {
		p("%s:\n\n", title)
		if len(imgs) == 0 {
			p("- (none known)\n")
		}
		for _, i := range imgs {
			p("- %s, %d layers\n", mdCell(trImageName(i)), len(i.Chain))
		}
		p("\n")
	}
	list("Ancestors, nearest first", r.Family.Ancestors)
	list("Descendants", r.Family.Descendants)

	p("## Tag history\n\n")
	if len(r.Tags) == 0 {
		p("No tags seen.\n\n")
	} else {
		head("Seen", "Tag", "Image", "Input", "Note")
		for _, t := range r.Tags {
			note := ""
			if t.Moved {
				note = "tag moved"
			}
			row(trWhen(t.SeenAt), mdCode(t.Tag), mdCode(trShort(t.ConfigDigest)), mdCode(t.Input), note)
		}
		p("\n")
	}

	p("## Layers\n\n")
	head("#", "diff_id", "Size", "Entries", "History step", "Created", "Introduced by", "Notes")
	for _, l := range r.Layers {
		entries := "-"
		if l.Entries >= 0 {
			entries = fmt.Sprint(l.Entries)
		}
		intro := "this image"
		if l.IntroducedBy != nil && l.IntroducedBy.ID != r.Image.ID {
			intro = trImageName(l.IntroducedBy)
		}
		notes := "verified"
		if len(l.Notes) > 0 {
			notes = strings.Join(l.Notes, "; ")
		}
		row(fmt.Sprint(l.Position), mdCode(trShort(l.DiffID)), trSize(l.Size), entries, mdCode(trStep(l.CreatedBy)), trWhen(l.Created),
			mdCell(intro), mdCell(notes))
	}
	p("\n")

	p("## The implant\n\n")
	if len(r.Implant) == 0 {
		p("No suspicious file changes or high-severity file findings are recorded.\n\n")
	}
	for _, it := range r.Implant {
		p("### %s\n\n", mdCode(it.Path))
		p("- What: %s (score %d): %s\n", it.Change, it.Score, mdCell(it.Why))
		p("- Layer %s, history step: %s\n", trLayerText(it.Layer), mdCode(trStep(it.CreatedBy)))
		p("- sha256: %s, size %s, mode %s, mtime %s\n", mdCode(it.SHA256), trSize(it.Size), mdCell(it.Mode), trWhen(it.MTime))
		if len(it.Rules) > 0 {
			p("- Rules: %s\n", mdCell(strings.Join(it.Rules, ", ")))
		}
		if it.ContentDiff != "" {
			p("\n%s", mdFence("diff", it.ContentDiff))
		}
		p("\n")
	}

	p("## Findings by severity\n\n")
	if r.Scan == nil {
		p("No scan of this image is recorded.\n\n")
	} else if len(r.Findings) == 0 {
		p("The scan found nothing.\n\n")
	}
	for _, g := range trSeverityGroups(r.Findings) {
		p("### %s (%d)\n\n", strings.ToUpper(g.Severity.String()), len(g.Findings))
		head("Rule", "Finding", "Layer", "Path", "Evidence")
		for _, f := range g.Findings {
			row(mdCode(f.Rule), mdCell(f.Title), trLayerText(f.Layer), mdCode(f.Path), mdCell(trTrim(f.Evidence, 120)))
		}
		p("\n")
	}

	if d := r.Diff; d != nil {
		p("## Changes from the original\n\n")
		s := d.Summary
		p("%d added, %d removed, %d modified, %d hidden files (%d package-manager changes folded); %d config and %d history changes; layers: %d common, %d replaced, %d added, %d removed.\n\n",
			s.Added, s.Removed, s.Modified, s.Hidden, d.NoiseCount, s.Config, s.History, s.LayersCommon, s.LayersReplaced, s.LayersAdded, s.LayersRemoved)
		if len(d.Config) > 0 {
			head("Config field", "Change", "Original", "Suspect", "Score")
			for _, c := range d.Config {
				row(mdCode(c.Field), c.Change, mdCode(c.Original), mdCode(c.Suspect), fmt.Sprint(c.Score))
			}
			p("\n")
		}
		if len(d.Changes) > 0 {
			head("Rank", "Score", "Change", "Path", "Layer", "Why")
			for _, c := range d.Changes {
				row(fmt.Sprint(c.Rank+1), fmt.Sprint(c.Score), c.Change, mdCode(c.Path), trLayerText(c.Layer), mdCell(c.Why))
			}
			p("\n")
		}
		for _, a := range d.Anomalies {
			p("- **%s** (layer %s): %s\n", a.Kind, trLayerText(a.Layer), mdCell(a.Detail))
		}
		p("\n")
	}

	p("## Indicators\n\n")
	if len(r.Indicators) == 0 {
		p("None.\n\n")
	} else {
		head("Kind", "Value", "Where")
		for _, ind := range r.Indicators {
			row(ind.Kind, mdCode(ind.Value), mdCell(ind.Context))
		}
		p("\nFor other tools, one per line:\n\n%s\n", mdFence("text", trIndicatorList(r)))
	}

	p("## Sightings in other images\n\n")
	if len(r.Sightings) == 0 {
		p("No other stored image holds these indicators.\n\n")
	} else {
		head("Indicator", "Image", "Where", "Layer", "Path", "First seen", "Last seen", "Introduced by")
		for _, h := range r.Sightings {
			row(mdCode(h.Indicator), mdCell(trImageName(h.Image)), h.Where, trLayerText(h.Layer), mdCode(h.Path), trWhen(h.FirstSeen),
				trWhen(h.LastSeen), mdCell(trImageName(h.IntroducedBy)))
		}
		p("\n")
	}

	p("## Timeline\n\n")
	head("When (UTC)", "What", "Event")
	for _, e := range r.Timeline {
		row(trWhen(e.At), e.Kind, mdCell(e.What))
	}
	p("\n")

	if len(r.Anomalies) > 0 {
		p("## Anomalies found reading the evidence\n\n")
		for _, a := range r.Anomalies {
			p("- **%s** (layer %s): %s\n", a.Kind, trLayerText(a.Layer), mdCell(a.Detail))
		}
		p("\n")
	}
	return b.Flush()
}

func trTrim(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
