package filesystem

import (
	"fmt"
	"sort"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// Timestamps within this much after the image's creation are clock skew, not evidence.
const skew = 5 * time.Minute

// perLayerLimit is how many dated-later files of one layer are listed one by one; beyond it
// the rest are counted in one finding (a build tool that sets the image date wrong dates
// everything).
const perLayerLimit = 20

type timestomp struct {
	created time.Time
	byLayer map[int][]*forensics.Node
}

func newTimestomp(s *audit.Subject) *timestomp {
	t := &timestomp{byLayer: map[int][]*forensics.Node{}}
	// Reproducible builds set the image date to the epoch or SOURCE_DATE_EPOCH; a root
	// filesystem has none. Neither says when the files were really written.
	if c := s.Image.Created; c.Year() >= 2000 && s.Image.Input.Format != "dir" {
		t.created = c
	}
	return t
}

func (t *timestomp) check(n *forensics.Node) {
	if t.created.IsZero() || !n.Entry.ModTime().After(t.created.Add(skew)) {
		return
	}
	t.byLayer[n.Layer()] = append(t.byLayer[n.Layer()], n)
}

func (t *timestomp) findings() []audit.Finding {
	var out []audit.Finding
	layers := make([]int, 0, len(t.byLayer))
	for l := range t.byLayer {
		layers = append(layers, l)
	}
	sort.Ints(layers)
	for _, l := range layers {
		nodes := t.byLayer[l]
		for i, n := range nodes {
			if i == perLayerLimit {
				out = append(out, audit.Finding{Rule: RuleTimestomp, Category: audit.CategoryTimestomp, Severity: audit.Low, Layer: l,
					Path:        "",
					Title:       fmt.Sprintf("%d more files of layer %d are dated after the image was created", len(nodes)-perLayerLimit, l),
					Evidence:    fmt.Sprintf("image created %s", t.created.Format(time.RFC3339)),
					Remediation: "Compare with the image's build record; files written after the build mean the layer was changed later."})
				break
			}
			e := n.Entry
			sev := audit.Low
			if e.Mode&0o111 != 0 {
				sev = audit.Medium
			}
			out = append(out, audit.Finding{Rule: RuleTimestomp, Category: audit.CategoryTimestomp, Severity: sev, Layer: l, Path: n.Path(),
				Title:       "dated " + later(e.ModTime().Sub(t.created)) + " after the image was created",
				Evidence:    fmt.Sprintf("mtime %s, image created %s", e.ModTime().Format(time.RFC3339), t.created.Format(time.RFC3339)),
				Remediation: "Files written after the build mean the layer was changed later: compare it with a trusted copy."})
		}
	}
	return out
}

// later renders how much later a file is dated: "47 days", "3 hours", "12 minutes".
func later(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return fmt.Sprintf("%d minutes", int(d/time.Minute))
}
