package forensics

import "sort"

// FindingMark is what a scan of the suspect found about one path, for ranking a diff: the
// diff itself knows nothing of findings (they come from audit, which it does not import).
type FindingMark struct {
	Path string
	// Severity runs from 0 (info) to 4 (critical), as audit.Severity does.
	Severity int
	// What names the finding in a few words ("STRATA-SE-003 (secret)").
	What string
}

// findingScores are the least scores a change with a finding of each severity gets: a file a
// scan flags high or critical ranks with the implants, whatever its path and type say.
var findingScores = [...]int{0, 45, 75, 92, 100}

var severityWords = [...]string{"info", "low", "medium", "high", "critical"}

// ApplyFindings raises each changed file that a finding is about to at least the score its
// worst finding's severity earns, unfolds it if it was folded as package-manager noise, and
// says why; then re-sorts the changes by score.
func (d *ImageDiff) ApplyFindings(marks []FindingMark) {
	worst := map[string]FindingMark{}
	for _, m := range marks {
		if m.Severity < 1 || m.Severity >= len(findingScores) {
			continue
		}
		if w, ok := worst[m.Path]; !ok || m.Severity > w.Severity {
			worst[m.Path] = m
		}
	}
	if len(worst) == 0 {
		return
	}
	for i := range d.Files {
		f := &d.Files[i]
		m, ok := worst[f.Path]
		if !ok || f.Change == FileRemoved {
			continue
		}
		if s := findingScores[m.Severity]; s > f.Score {
			f.Score = s
		}
		if m.Severity >= 2 {
			f.Noise = false
		}
		f.Why = appendWhy(f.Why, severityWords[m.Severity]+" finding: "+m.What)
	}
	// Equal scores keep the order the diff's own ranking gave them.
	sort.SliceStable(d.Files, func(i, j int) bool { return d.Files[i].Score > d.Files[j].Score })
	d.summarize()
}
