package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
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

// writeTracingMarkdown writes the report as Markdown that also reads well as plain text: the
// summary first, then the evidence sections.
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

	if sm := r.Summary; sm != nil {
		p("## Summary\n\n%s\n\n", mdCell(sm.Headline))
		p("### What was implanted\n\n")
		if len(sm.Implants) == 0 {
			p("Nothing the scan or the comparison calls an implant.\n")
		}
		for _, im := range sm.Implants {
			p("- **%s** %s: %s. ATT&CK: %s.\n", strings.ToUpper(im.Severity.String()), mdCode(im.Path), mdCell(im.What), mdCell(trTechniques(im.Techniques)))
		}
		p("\n### Where\n\n")
		for _, w := range trWhere(sm) {
			paths := make([]string, len(w.Paths))
			for i, x := range w.Paths {
				paths[i] = mdCode(x)
			}
			p("- Layer %s (%s) brought %s. Build step: %s; the history line that hides it: %s.", trLayerText(w.Layer), mdCode(trShort(w.DiffID)),
				strings.Join(paths, ", "), mdCode(w.Step), mdCode(w.CreatedBy))
			if w.Reason != "" {
				p(" **Unverified:** %s.", mdCell(w.Reason))
			}
			p("\n")
		}
		if cs := trOtherContradictions(sm); len(cs) > 0 {
			p("\nWhat else the Dockerfile reconstructed from the history says, and the layers or the config contradict:\n\n")
			for _, c := range cs {
				where := "layer " + trLayerText(c.Layer)
				if c.Config {
					where = "config"
				}
				p("- %s (%s): %s\n", mdCode(c.Line), where, mdCell(c.Reason))
			}
		} else if len(sm.Contradictions) == 0 && len(sm.Implants) > 0 {
			p("\nNo line of the Dockerfile reconstructed from the history is contradicted by its layer or the config.\n")
		}
		p("\n### When\n\n")
		for _, s := range sm.When {
			p("- %s\n", mdCell(s))
		}
		p("\n### How Strata knows\n\n")
		for _, s := range sm.HowKnown {
			p("- %s\n", mdCell(s))
		}
		p("\n### Seen elsewhere\n\n")
		if len(sm.Elsewhere) == 0 {
			p("No other stored image holds these indicators.\n")
		}
		for _, e := range sm.Elsewhere {
			p("- %s %s: in %d other %s (%s)", e.Kind, mdCode(e.Value), e.Images, trPlural(e.Images, "image", "images"), mdCell(strings.Join(e.Examples, "; ")))
			if e.IntroducedBy != "" {
				p(", introduced by %s", mdCell(e.IntroducedBy))
			}
			p("\n")
		}
		p("\n")
	}

	p("## Chain of custody\n\n")
	p("One row per evidence file; every reading is in the JSON report (`chain_of_custody.inputs`).\n\n")
	head("Evidence file", "Image", "Reads", "First read", "Last read", "SHA-256", "Size", "Commands", "Read by", "Strata")
	for _, e := range r.Custody.Evidence {
		sums := make([]string, len(e.SHA256))
		for i, h := range e.SHA256 {
			sums[i] = mdCode(h)
		}
		sum := strings.Join(sums, " ")
		if len(e.SHA256) > 1 {
			sum += " **(changed between readings)**"
		}
		role := trImageRole(r, e.ConfigDigest)
		row(mdCode(e.Path), mdCell(role+" "+trShort(e.ConfigDigest)), fmt.Sprint(e.Reads), trWhen(e.FirstRead), trWhen(e.LastRead), sum, trSize(e.Size),
			mdCell(trCommands(e.Commands)), mdCell(strings.Join(e.ReadBy, ", ")), mdCell(strings.Join(e.ToolVersions, ", ")))
	}
	p("\n")
	if r.Custody.RuleHash != "" {
		p("Rule set hash: `%s`  \n", r.Custody.RuleHash)
	}
	if r.Scan != nil {
		p("Scan %d: %s, started %s, ended %s, strata %s, %d files (%d content-scanned), %d of %d layers from the layer cache.\n",
			r.Scan.ID, r.Scan.Status, trWhen(r.Scan.Started), trWhen(r.Scan.Ended), r.Scan.ToolVersion, r.Scan.Files,
			r.Scan.Scanned, r.Scan.CachedLayers, len(r.Layers))
		if !r.Scan.Complete() {
			p("Not analyzed: %s, the same bytes as %s's (the scan was a comparison's); scan the image to analyze them.\n",
				trLayerList(r.Scan.NotAnalyzed), mdCell(r.Scan.ComparedWith))
		}
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

	p("## The implant\n\n")
	if len(r.Implant) == 0 {
		p("No suspicious file changes or high-severity file findings are recorded.\n\n")
	}
	for _, it := range r.Implant {
		p("### %s\n\n", mdCode(it.Path))
		p("- What it does: %s\n", mdCell(it.What))
		p("- Change: %s (score %d): %s\n", it.Change, it.Score, mdCell(it.Why))
		p("- Layer %s, history step: %s\n", trLayerText(it.Layer), mdCode(trStep(it.CreatedBy)))
		p("- sha256: %s, size %s, mode %s, mtime %s\n", mdCode(it.SHA256), trSize(it.Size), mdCell(it.Mode), trWhen(it.MTime))
		if len(it.Rules) > 0 {
			p("- Rules: %s\n", mdCell(strings.Join(it.Rules, ", ")))
		}
		if len(it.Techniques) > 0 {
			p("- ATT&CK: %s\n", mdCell(strings.Join(it.Techniques, ", ")))
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

	if df := r.Dockerfile; df != nil {
		p("## Build steps\n\n")
		p("The Dockerfile reconstructed from the image's history, each line checked against its layer's files and the config. ")
		p("A history line is written by whoever built the image: an unverified line is one the evidence contradicts.\n\n")
		head("Layer", "Line", "Checked")
		for _, in := range df.Instructions {
			check := "agrees"
			switch {
			case in.Unverified != "":
				check = "**UNVERIFIED:** " + mdCell(in.Unverified)
			case in.Layer < 0:
				check = "no layer"
			}
			row(trStepLayer(in), mdCode(trTrim(trLine(in), 160)), check)
		}
		p("\n")
		for _, n := range df.Notes {
			p("- %s\n", mdCell(n))
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
			notes = trShortDigests(strings.Join(l.Notes, "; "))
		}
		row(fmt.Sprint(l.Position), mdCode(trShort(l.DiffID)), trSize(l.Size), entries, mdCode(trStep(l.CreatedBy)), trWhen(l.Created),
			mdCell(intro), mdCell(notes))
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
	if rows := trTagRows(r); len(rows) == 0 {
		p("No tags seen on the report's images.\n\n")
	} else {
		head("Tag", "Image", "Sightings", "First seen", "Last seen", "Note")
		for _, t := range rows {
			note := ""
			if t.MovedHere {
				note = "the tag moved to this image"
			}
			row(mdCode(t.Tag), mdCell(trImageRole(r, t.ConfigDigest)+" "+trShort(t.ConfigDigest)), fmt.Sprint(t.Sightings), trWhen(t.First), trWhen(t.Last), note)
		}
		p("\n")
	}
	if r.TagsOmitted > 0 {
		p("%d sightings of the same tags on other images are left out (see Full log).\n\n", r.TagsOmitted)
	}

	p("## Indicators\n\n")
	if len(r.Indicators) == 0 {
		p("None.\n\n")
	} else {
		p("Most specific first. *Images* counts the stored images that hold the indicator, this one included.\n\n")
		head("Kind", "Value", "Images", "Where")
		for _, ind := range r.Indicators {
			n := "-"
			if ind.Images > 0 {
				n = fmt.Sprint(ind.Images)
			}
			row(ind.Kind, mdCode(ind.Value), n, mdCell(ind.Context))
		}
		p("\nFor other tools, one per line:\n\n%s\n", mdFence("text", trIndicatorList(r)))
	}
	if len(r.Generic) > 0 {
		p("Not indicators, because images like this one all hold them:\n\n")
		for _, ind := range r.Generic {
			p("- %s %s: %s\n", ind.Kind, mdCode(ind.Value), mdCell(ind.Why))
		}
		p("\n")
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
	if r.TimelineFolded > 0 {
		p("%d repeated readings and tag sightings are folded (see Full log).\n\n", r.TimelineFolded)
	}

	if len(r.Anomalies) > 0 {
		p("## Anomalies found reading the evidence\n\n")
		for _, a := range r.Anomalies {
			p("- **%s** (layer %s): %s\n", a.Kind, trLayerText(a.Layer), mdCell(a.Detail))
		}
		p("\n")
	}

	p("## Full log\n\n")
	p("The report keeps to the images it is about. These show the rest:\n\n")
	for _, c := range r.FullLog {
		p("- %s: %s\n", mdCode(c.Command), mdCell(c.Shows))
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

// trLayerList names layers by number: "layers 0, 1 and 2".
func trLayerList(ls []int) string {
	ws := make([]string, len(ls))
	for i, l := range ls {
		ws[i] = strconv.Itoa(l)
	}
	switch len(ws) {
	case 0:
		return "no layer"
	case 1:
		return "layer " + ws[0]
	}
	return "layers " + strings.Join(ws[:len(ws)-1], ", ") + " and " + ws[len(ws)-1]
}
