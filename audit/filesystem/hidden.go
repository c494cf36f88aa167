package filesystem

import (
	"fmt"

	"github.com/strata-forensics/strata/audit"
)

// Review implements audit.Reviewer: a flagged file that a later layer whited out, or replaced,
// is not in the running container's filesystem but is still in the image, which is where an
// intruder hides what should not be found. Each such finding is raised one severity and gets
// a hidden-file finding of its own. Vulnerability findings are about a package, not about
// their database file's content: a package database that a later apt step rewrote hides
// nothing, so they never take part.
func (a *Analyzer) Review(s *audit.Subject, findings []audit.Finding) []audit.Finding {
	type hid struct {
		worst audit.Severity
		rules []string
		by    int
		how   string
	}
	hidden := map[[2]any]*hid{}
	var order [][2]any
	for i := range findings {
		f := &findings[i]
		if f.Path == "" || f.Layer < 0 || f.Category == audit.CategoryHiddenFile || f.Rule == audit.RuleNotScanned || f.Severity < audit.Low ||
			f.Category == audit.CategoryVulnerability || f.Vulnerability != nil {
			continue
		}
		n := s.Tree.Node(f.Path)
		if n == nil {
			continue
		}
		by, how := -1, ""
		if n.Hidden {
			by, how = n.Removed(), "removed"
		} else if l := n.Layer(); l > f.Layer {
			by, how = l, "replaced"
		}
		if by < 0 {
			continue
		}
		f.Severity = f.Severity.Raise(1)
		f.Title += fmt.Sprintf(" (hidden: %s by layer %d)", how, by)
		k := [2]any{f.Layer, f.Path}
		h := hidden[k]
		if h == nil {
			h = &hid{by: by, how: how}
			hidden[k] = h
			order = append(order, k)
		}
		h.worst = max(h.worst, f.Severity)
		h.rules = append(h.rules, f.Rule)
	}
	for _, k := range order {
		h := hidden[k]
		layer, p := k[0].(int), k[1].(string)
		findings = append(findings, audit.Finding{Rule: RuleHidden, Category: audit.CategoryHiddenFile, Severity: h.worst,
			Layer: layer, Path: p,
			Title:       fmt.Sprintf("flagged file %s by layer %d: absent from the running filesystem, still in the image", h.how, h.by),
			Evidence:    fmt.Sprintf("matched %v", h.rules),
			Remediation: "Deleting a file in a later layer does not remove it from the image: rebuild without it, and find out why it was there."})
	}
	return findings
}
