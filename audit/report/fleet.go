package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/fleet"
	"github.com/strata-forensics/strata/forensics/human"
)

// FleetDocument is the view of a fleet audit (strata audit).
type FleetDocument struct {
	Fleet *fleet.Fleet
}

// writeFleetText writes the fleet view for people: the totals, one line per image, the family
// forest, the implants and indicators several images share, the clean images and what was
// skipped. Every string of the view goes through ev first: names, paths and reasons come from
// the export as much as titles and tags do.
func writeFleetText(w io.Writer, f *fleet.Fleet, ev Filter) error {
	f = inertCopy(f, ev.Line)
	b := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	for _, line := range fleetHeadline(f) {
		p("%s\n", line)
	}
	p("\nIMAGES\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERDICT\tTOP FINDING\tBASE\tIMAGE")
	for _, r := range f.Images {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rowVerdict(r), human.OneLine(topText(r), 70), baseText(r.Base), rowName(r))
	}
	tw.Flush()
	for _, r := range f.Images {
		if r.Error != "" {
			p("  %s: %s\n", rowName(r), human.OneLine(r.Error, 200))
		}
	}
	p("\nFAMILIES (shared layer chains)\n")
	if len(f.Families) == 0 {
		p("  none\n")
	}
	names := rowNames(f)
	var tree func(fs []*fleet.Family, prefix string)
	tree = func(fs []*fleet.Family, prefix string) {
		for i, fam := range fs {
			branch, next := "├─ ", "│  "
			if i == len(fs)-1 {
				branch, next = "└─ ", "   "
			}
			if prefix == "" {
				branch, next = "", "  "
			}
			p("%s%s%s\n", prefix, branch, familyText(fam, names))
			tree(fam.Children, prefix+next)
		}
	}
	tree(f.Families, "")
	p("\nSHARED IMPLANTS AND INDICATORS (in more than one image)\n")
	if len(f.Shared) == 0 {
		p("  none\n")
	}
	for _, s := range f.Shared {
		p("  %-8s %s %s in %d images: %s\n", s.Severity, s.Category, indicatorText(s), len(s.Images), human.OneLine(s.Title, 120))
		if len(s.Paths) > 0 {
			p("           paths: %s\n", strings.Join(s.Paths, ", "))
		}
		p("           introduced by %s %s", s.IntroducedBy, layerPlace(s.Layer, s.DiffID))
		if s.Inherited > 0 {
			p(", inherited by %d", s.Inherited)
		}
		p("\n           images: %s\n", strings.Join(s.Images, ", "))
	}
	p("\nCLEAN (%d)\n", len(f.Clean))
	for _, c := range f.Clean {
		p("  %s\n", names[c])
	}
	if len(f.Skipped) > 0 {
		p("\nSKIPPED (%d, no image)\n", len(f.Skipped))
		for _, s := range f.Skipped {
			p("  %s: %s\n", s.Path, s.Reason)
		}
	}
	return b.Flush()
}

// fleetHeadline is the totals in a few lines.
func fleetHeadline(f *fleet.Fleet) []string {
	st := f.Stats
	counts := map[string]int{}
	for _, r := range f.Images {
		counts[rowVerdict(r)]++
	}
	var verdicts []string
	for _, v := range []string{audit.VerdictSuspicious, audit.VerdictReview, audit.VerdictClean, fleet.StatusFailed,
		fleet.StatusInterrupted, fleet.StatusNotScanned} {
		if counts[v] > 0 {
			verdicts = append(verdicts, fmt.Sprintf("%d %s", counts[v], v))
		}
	}
	images := fmt.Sprintf("Fleet    %s: %d scanned, %d resumed (recorded before with the same input and rules)",
		plural(st.Images, "image", "images"), st.Scanned, st.Resumed)
	if st.Skipped > 0 {
		images += fmt.Sprintf("; %s skipped", plural(st.Skipped, "path holding no image", "paths holding no image"))
	}
	took := (time.Duration(st.Seconds*1e3) * time.Millisecond).String()
	layers := "Layers   none to read (" + took + ")"
	if st.DistinctLayers > 0 {
		once := "each read once"
		if st.LayerReads != st.DistinctLayers {
			once = fmt.Sprintf("%d reads (a layer that does not verify is not cached, and is read by each image)", st.LayerReads)
		}
		layers = fmt.Sprintf("Layers   %d distinct to scan, %s; %d served by the layer cache; %s read in %s",
			st.DistinctLayers, once, st.LayersCached, human.Size(st.BytesRead), took)
	}
	return []string{images, layers, "Verdict  " + strings.Join(verdicts, ", ")}
}

// rowVerdict is the row's verdict, or its status when it has none.
func rowVerdict(r fleet.Row) string {
	if r.Status == fleet.StatusScanned || r.Status == fleet.StatusResumed {
		return r.Verdict
	}
	return r.Status
}

// rowName names an image with its tags.
func rowName(r fleet.Row) string {
	if len(r.Tags) == 0 {
		return r.Name
	}
	return r.Name + " (" + strings.Join(r.Tags, ", ") + ")"
}

func rowNames(f *fleet.Fleet) map[string]string {
	m := map[string]string{}
	for _, r := range f.Images {
		m[r.Name] = rowName(r)
	}
	return m
}

func topText(r fleet.Row) string {
	t := r.Top
	if t == nil {
		return "-"
	}
	s := t.Severity.String() + " " + string(t.Category)
	if t.Path != "" {
		s += " " + t.Path
	} else {
		s += ": " + t.Title
	}
	return s
}

func baseText(b *fleet.Base) string {
	if b == nil {
		return "none known, untrusted"
	}
	trusted := "untrusted"
	if b.Trusted {
		trusted = "trusted"
	}
	switch b.Kind {
	case fleet.BaseShared:
		return fmt.Sprintf("%s shared with %d, %s", plural(b.Layers, "layer", "layers"), b.SharedWith, trusted)
	}
	return fmt.Sprintf("%s (%s), %s", b.Name, plural(b.Layers, "layer", "layers"), trusted)
}

func familyText(f *fleet.Family, names map[string]string) string {
	what := fmt.Sprintf("%s up to %s", plural(f.Layers, "layer", "layers"), shortDigest(f.DiffID))
	if len(f.Images) > 0 {
		var ns []string
		for _, n := range f.Images {
			ns = append(ns, names[n])
		}
		what = strings.Join(ns, "; ") + " · " + plural(f.Layers, "layer", "layers")
	}
	if f.Count > len(f.Images) {
		what += fmt.Sprintf(" · %d images", f.Count)
	}
	if f.Trusted {
		what += " · trusted"
	}
	return what
}

func indicatorText(s fleet.Indicator) string {
	switch s.Kind {
	case fleet.IndicatorFile:
		return "file " + shortDigest(s.Value)
	case fleet.IndicatorFinding:
		return "finding " + s.Value
	}
	return s.Kind + " " + s.Value // a network indicator: ip, domain, url, pool, wallet, onion
}

func layerPlace(layer int, diffID string) string {
	if layer < 0 {
		return "in its config"
	}
	return fmt.Sprintf("in layer %d (%s)", layer, shortDigest(diffID))
}

// shortDigest is "sha256:" and 12 hex digits.
func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

// writeFleetMarkdown writes the fleet view as Markdown that also reads as plain text, every
// string through ev first.
func writeFleetMarkdown(w io.Writer, f *fleet.Fleet, ev Filter) error {
	f = inertCopy(f, ev.Line)
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
	p("# Strata fleet audit\n\n")
	for _, line := range fleetHeadline(f) {
		p("- %s\n", mdCell(strings.Join(strings.Fields(line), " ")))
	}
	p("\n## Images\n\n")
	head("Verdict", "Top finding", "Base", "Image", "Layers (read / cached)")
	for _, r := range f.Images {
		v := rowVerdict(r)
		if r.Error != "" {
			v += ": " + r.Error
		}
		row(mdCell(v), mdCell(topText(r)), mdCell(baseText(r.Base)), mdCode(r.Name)+" "+mdCell(strings.Join(r.Tags, ", ")),
			fmt.Sprintf("%d (%d / %d)", r.Layers, r.LayersRead, r.LayersCached))
	}
	p("\n## Families (shared layer chains)\n\n")
	if len(f.Families) == 0 {
		p("None.\n")
	}
	names := rowNames(f)
	var tree func(fs []*fleet.Family, indent string)
	tree = func(fs []*fleet.Family, indent string) {
		for _, fam := range fs {
			p("%s- %s\n", indent, mdCell(familyText(fam, names)))
			tree(fam.Children, indent+"  ")
		}
	}
	tree(f.Families, "")
	p("\n## Implants and indicators in more than one image\n\n")
	if len(f.Shared) == 0 {
		p("None.\n")
	} else {
		head("Severity", "Category", "Indicator", "Finding", "Paths", "Introduced by", "Images")
		for _, s := range f.Shared {
			intro := s.IntroducedBy + " " + layerPlace(s.Layer, s.DiffID)
			if s.Inherited > 0 {
				intro += fmt.Sprintf(", inherited by %d", s.Inherited)
			}
			row(s.Severity.String(), string(s.Category), mdCode(indicatorText(s)), mdCell(s.Title),
				mdCode(strings.Join(s.Paths, ", ")), mdCell(intro), mdCell(strings.Join(s.Images, ", ")))
		}
	}
	p("\n## Clean images (%d)\n\n", len(f.Clean))
	for _, c := range f.Clean {
		p("- %s\n", mdCell(names[c]))
	}
	if len(f.Skipped) > 0 {
		p("\n## Skipped (%d, no image)\n\n", len(f.Skipped))
		head("Path", "Why")
		for _, s := range f.Skipped {
			row(mdCode(s.Path), mdCell(s.Reason))
		}
	}
	return b.Flush()
}
