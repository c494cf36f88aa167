package forensics

import "sort"

// PackageKnowledge is what the suspect image's own package databases say about a path, for
// ranking a diff: it comes from forensics/packages, which the diff itself does not import.
type PackageKnowledge interface {
	// Installed reports that the package owning path was installed or upgraded by layer, and
	// the file matches the checksum that package's database records: the change is the
	// package manager's doing. pkg names the package.
	Installed(path string, layer int) (pkg string, ok bool)
	// Unowned reports that path is a program, library or auto-run file in a system path
	// that no package owns.
	Unowned(path string) bool
}

// unownedScore is the least score of an executable that no package owns in a system path:
// nothing put it there but a hand-written build step or an attacker.
const unownedScore = 85

// ApplyPackages re-ranks the file changes with what the suspect's package databases say:
// changes a package install or upgrade in the same layer accounts for (and whose checksums
// match) are folded as package-manager noise, and executables no package owns rank higher.
// A file whose package was installed in an earlier layer is never folded, so a modified
// binary with a doctored checksum list but no new package version stays in view.
func (d *ImageDiff) ApplyPackages(k PackageKnowledge) {
	for i := range d.Files {
		f := &d.Files[i]
		if f.Change != FileAdded && f.Change != FileModified || f.Suspect == nil || !isContent(f.Suspect.Entry) {
			continue
		}
		if pkg, ok := k.Installed(f.Path, f.Layer); ok {
			f.Noise = true
			f.Score = min(f.Score, noiseCap)
			f.Why = appendWhy(f.Why, "installed by package "+pkg+" in this layer; matches its checksum")
			continue
		}
		if k.Unowned(f.Path) {
			f.Score = max(f.Score, unownedScore)
			f.Noise = false
			f.Why = appendWhy(f.Why, "no package owns it")
		}
	}
	sort.SliceStable(d.Files, func(i, j int) bool {
		a, b := &d.Files[i], &d.Files[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Path < b.Path
	})
	d.summarize()
}

func appendWhy(why, more string) string {
	if why == "" {
		return more
	}
	return why + "; " + more
}
