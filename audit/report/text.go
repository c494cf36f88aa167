package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/strata-forensics/strata/audit"
)

// writeText writes each result as a header (input, digests, tags, base), the findings grouped
// by severity, highest first, and a one-line verdict; evidence text goes through ev.
func writeText(w io.Writer, results []*audit.Result, ev Filter) error {
	bw := bufio.NewWriter(w)
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		writeOne(bw, r, ev)
	}
	return bw.Flush()
}

func writeOne(w io.Writer, r *audit.Result, ev Filter) {
	img := r.Image
	fmt.Fprintf(w, "Image    %s\n", ev.Line(img.Input.Path))
	if img.Digest != "" {
		fmt.Fprintf(w, "Digest   %s\n", img.Digest)
	}
	if img.ConfigDigest != "" {
		fmt.Fprintf(w, "Config   %s\n", img.ConfigDigest)
	}
	if len(img.Tags) > 0 {
		fmt.Fprintf(w, "Tags     %s\n", ev.Line(strings.Join(img.Tags, ", ")))
	}
	if b := r.Base; b != nil {
		name := b.Digest
		if len(b.Tags) > 0 {
			name = strings.Join(b.Tags, ", ") + " (" + b.Digest + ")"
		}
		fmt.Fprintf(w, "Base     %s, trusted: layers 0-%d\n", ev.Line(name), b.Layers-1)
	}
	fmt.Fprintf(w, "Files    %d regular files in %d layers, %d content-scanned\n", r.Files, len(img.Layers), r.Scanned)
	for s := audit.Critical; s >= audit.Info; s-- {
		var group []audit.Finding
		for _, f := range r.Findings {
			if f.Severity == s {
				group = append(group, f)
			}
		}
		if len(group) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d)\n", strings.ToUpper(s.String()), len(group))
		for _, f := range group {
			if s == audit.Info {
				// Info findings are context, one line each.
				fmt.Fprintf(w, "  %-14s %s%s\n", ev.Line(f.Rule), ev.Line(f.Title), ev.Line(where(f)))
				continue
			}
			fmt.Fprintf(w, "  %-14s %s\n", ev.Line(f.Rule), ev.Line(f.Title))
			if f.Path != "" {
				fmt.Fprintf(w, "  %-14s path: %s\n", "", ev.Line(f.Path))
			}
			fmt.Fprintf(w, "  %-14s %s\n", "", ev.Line(step(f)))
			if v := f.Vulnerability; v != nil {
				writeVulnerability(w, v, ev)
				continue
			}
			if f.Evidence != "" {
				fmt.Fprintf(w, "  %-14s evidence: %s\n", "", ev.OneLine(f.Evidence, 160))
			}
			if l := labelLine(f); l != "" {
				fmt.Fprintf(w, "  %-14s %s\n", "", ev.Line(l))
			}
			if len(f.Indicators) > 0 {
				fmt.Fprintf(w, "  %-14s indicators: %s\n", "", ev.OneLine(indicatorList(f.Indicators), 160))
			}
		}
	}
	if len(r.Accepted) > 0 {
		by := map[string]int{}
		var order []string
		for _, a := range r.Accepted {
			if by[a.By] == 0 {
				order = append(order, a.By)
			}
			by[a.By]++
		}
		var parts []string
		for _, b := range order {
			parts = append(parts, fmt.Sprintf("%d by %s", by[b], b))
		}
		fmt.Fprintf(w, "\nACCEPTED (%d, not in the verdict: %s)\n", len(r.Accepted), strings.Join(parts, ", "))
		for _, a := range r.Accepted {
			what := a.Finding.Title
			if a.Finding.Vulnerability == nil && a.Finding.Path != "" {
				what += " — " + a.Finding.Path
			}
			fmt.Fprintf(w, "  %-14s %-8s %s\n", ev.Line(a.Finding.Rule), a.Finding.Severity, ev.OneLine(what, 120))
			reason := a.By + ": " + a.Reason
			if !a.Expires.IsZero() {
				reason += " (until " + a.Expires.Format("2006-01-02") + ")"
			}
			fmt.Fprintf(w, "  %-14s %s\n", "", ev.OneLine(reason, 150))
		}
	}
	fmt.Fprintf(w, "\n%s\n", ev.Line(r.Headline()))
}

// writeVulnerability writes a vulnerability finding's fields, one line each (package names and
// versions come from the image's own databases: evidence text).
func writeVulnerability(w io.Writer, v *audit.Vulnerability, ev Filter) {
	var bins []string
	for _, b := range v.Binaries {
		bins = append(bins, b.Name+" "+b.Version)
	}
	fmt.Fprintf(w, "  %-14s package: %s\n", "", ev.Line(fmt.Sprintf("%s %s (%s) in %s", v.Package, v.Installed, v.Ecosystem, strings.Join(bins, ", "))))
	fix := v.Fixed
	if fix == "" {
		fix = "none known"
	}
	fmt.Fprintf(w, "  %-14s fixed: %s\n", "", ev.Line(fmt.Sprintf("%s (%s)", fix, v.Status)))
	sev := "severity from " + v.Severity.Source
	switch {
	case v.Severity.CVSSVector != "":
		sev += fmt.Sprintf(": CVSS %.1f %s", v.Severity.CVSSScore, v.Severity.CVSSVector)
		if v.Severity.Urgency != "" {
			sev += "; urgency " + v.Severity.Urgency
		}
	case v.Severity.Urgency != "":
		sev += ": urgency " + v.Severity.Urgency
	}
	fmt.Fprintf(w, "  %-14s %s\n", "", ev.Line(sev))
	ids := strings.Join(v.Advisories, ", ")
	if len(v.Aliases) > 0 {
		ids += "; aliases " + strings.Join(v.Aliases, ", ")
	}
	fmt.Fprintf(w, "  %-14s advisories: %s\n", "", ev.OneLine(ids, 150))
}

func where(f audit.Finding) string {
	switch {
	case f.Path != "" && f.Layer >= 0:
		return fmt.Sprintf(" — %s, layer %d", f.Path, f.Layer)
	case f.Path != "":
		return " — " + f.Path
	case f.Layer >= 0:
		return fmt.Sprintf(" — layer %d", f.Layer)
	}
	return ""
}

// step renders the layer and history step: "layer 5: COPY docker-entrypoint.sh /".
func step(f audit.Finding) string {
	s := audit.ShortStep(f.CreatedBy)
	switch {
	case f.Layer >= 0 && s != "":
		return fmt.Sprintf("layer %d: %s", f.Layer, s)
	case f.Layer >= 0:
		return fmt.Sprintf("layer %d (no history step)", f.Layer)
	case s != "":
		return "config: " + s
	}
	return "config"
}

// labelLine renders the categories and techniques: "reverse-shell, persistence · ATT&CK
// T1053.003, T1059.004", empty when there is nothing beyond the category.
func labelLine(f audit.Finding) string {
	var parts []string
	if len(f.Labels) > 0 {
		cats := make([]string, 0, 1+len(f.Labels))
		for _, c := range f.Categories() {
			cats = append(cats, string(c))
		}
		parts = append(parts, "categories: "+strings.Join(cats, ", "))
	}
	if len(f.Techniques) > 0 {
		parts = append(parts, "ATT&CK: "+strings.Join(f.Techniques, ", "))
	}
	return strings.Join(parts, " · ")
}

func indicatorList(is []audit.Indicator) string {
	ss := make([]string, len(is))
	for i, x := range is {
		ss[i] = x.String()
	}
	return strings.Join(ss, " ")
}
