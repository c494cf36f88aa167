// Package diffscan ties a scan of the suspect image to its comparison with the original: which
// findings are about what changed, and what the suspect's own package databases say about each
// changed file. The command line's diff and the workbench's diff view share it.
package diffscan

import (
	"slices"
	"strings"

	"github.com/strata-forensics/strata/audit"
	auditpkgs "github.com/strata-forensics/strata/audit/packages"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/packages"
)

// Changed keeps the findings about d's changes: on files added, modified or hidden, on layers
// the original does not have, and on config values that changed (a variable added to Env, a
// port newly exposed, the user it runs as). Findings the original shares (a setuid su in both
// base layers) are not news about the change.
func Changed(all []audit.Finding, d *forensics.ImageDiff) []audit.Finding {
	paths := map[string]bool{}
	for _, f := range d.Files {
		if f.Change != forensics.FileRemoved {
			paths[f.Path] = true
		}
	}
	newLayers := map[int]bool{}
	for _, m := range d.Layers.Replaced {
		newLayers[m.Suspect.Index] = true
	}
	for _, l := range d.Layers.Added {
		newLayers[l.Index] = true
	}
	var values, envKeys, ports []string
	userChanged := false
	for _, c := range d.Config {
		if c.Change == "removed" {
			continue
		}
		switch {
		case strings.HasPrefix(c.Field, "env."):
			envKeys = append(envKeys, strings.TrimPrefix(c.Field, "env."))
		case c.Field == "exposed_ports":
			was := strings.Fields(c.Original)
			for _, p := range strings.Fields(c.Suspect) {
				if !slices.Contains(was, p) {
					ports = append(ports, p)
				}
			}
		case c.Field == "user":
			userChanged = true
		}
		if v := strings.TrimSpace(c.Suspect); v != "" && v != "[]" {
			values = append(values, v)
		}
	}
	var out []audit.Finding
	for _, f := range all {
		text := f.Evidence + " " + f.Title
		switch {
		case f.Path != "" && paths[f.Path]:
		case f.Path == "" && f.Layer >= 0 && newLayers[f.Layer]:
		case f.Path == "" && f.Layer < 0 && (mentionsAny(text, values) || mentionsVariable(text, envKeys) ||
			mentionsAny(text, ports) || userChanged && f.Category == audit.CategoryRootUser):
		default:
			continue
		}
		out = append(out, f)
	}
	return out
}

// Marks are the findings about changed files as the diff's ranking takes them.
func Marks(fs []audit.Finding) []forensics.FindingMark {
	var out []forensics.FindingMark
	for _, f := range fs {
		if f.Path != "" {
			out = append(out, forensics.FindingMark{Path: f.Path, Severity: int(f.Severity), What: f.Rule + " (" + string(f.Category) + ")"})
		}
	}
	return out
}

func mentionsAny(s string, values []string) bool {
	for _, v := range values {
		if strings.Contains(s, v) {
			return true
		}
	}
	return false
}

// mentionsVariable reports whether s names one of the variables as a word of its own
// (LD_PRELOAD, not MY_LD_PRELOAD_X).
func mentionsVariable(s string, names []string) bool {
	word := func(b byte) bool {
		return b == '_' || b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z'
	}
	for _, n := range names {
		for i := 0; n != ""; {
			j := strings.Index(s[i:], n)
			if j < 0 {
				break
			}
			at, end := i+j, i+j+len(n)
			if (at == 0 || !word(s[at-1])) && (end == len(s) || !word(s[end])) {
				return true
			}
			i = end
		}
	}
	return false
}

// Knowledge returns what the packages analyzer among analyzers learned of the image it last
// scanned, for ranking a diff whose suspect tree is tree: nil when there is no such analyzer
// or the image has no package database.
func Knowledge(analyzers []audit.Analyzer, tree *forensics.Tree) forensics.PackageKnowledge {
	for _, a := range analyzers {
		pk, ok := a.(*auditpkgs.Analyzer)
		if !ok {
			continue
		}
		inv, integ := pk.Inventory(), pk.Integrity()
		if inv == nil || integ == nil || len(inv.Packages) == 0 {
			return nil
		}
		return newKnowledge(inv, integ, tree)
	}
	return nil
}

// knowledge answers forensics.PackageKnowledge from an inventory and its integrity check.
type knowledge struct {
	owners     map[string]*packages.Package
	mismatched map[string]bool
	unowned    map[string]bool
}

func newKnowledge(inv *packages.Inventory, integ *packages.Integrity, tree *forensics.Tree) *knowledge {
	k := &knowledge{owners: inv.Owners(tree), mismatched: map[string]bool{}, unowned: map[string]bool{}}
	for _, m := range integ.Mismatches {
		k.mismatched[m.Path] = true
	}
	for _, u := range integ.Unpackaged {
		if u.Executable {
			k.unowned[u.Path] = true
		}
	}
	return k
}

func (k *knowledge) Installed(p string, layer int) (string, bool) {
	pkg := k.owners[p]
	if pkg == nil || k.mismatched[p] || pkg.Layer != layer {
		return "", false
	}
	return pkg.Name, true
}

func (k *knowledge) Unowned(p string) bool { return k.unowned[p] }
