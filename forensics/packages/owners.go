package packages

import (
	"path"
	"strings"

	"github.com/strata-forensics/strata/forensics"
)

// Owners maps each file the inventory's packages list to its owner, by where the file is in
// the final filesystem (a database listing /bin/ls owns /usr/bin/ls on a usrmerged system).
// Where two packages list one path, the later in the inventory wins. A Go binary's build
// info and a Java archive's manifest describe the file itself, not a package manager that put
// it there: they never make their file owned.
func (inv *Inventory) Owners(tree *forensics.Tree) map[string]*Package {
	r := newResolver(tree)
	out := make(map[string]*Package)
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if p.Ecosystem == Golang || p.Ecosystem == Maven {
			continue
		}
		for _, f := range p.Files {
			out[r.resolve(f.Path)] = p
		}
	}
	return out
}

// Distribution reports whether e is a distribution's package manager (dpkg, apk, rpm).
func (e Ecosystem) Distribution() bool { return e == Deb || e == APK || e == RPM }

// markOSPackages sets OSPackage on every language package whose metadata file (or binary, or
// archive) an OS package lists: Debian's python3-* and node-* packages install PyPI and npm
// packages that the distribution's own advisories cover.
func (inv *Inventory) markOSPackages(tree *forensics.Tree) {
	lang := false
	for i := range inv.Packages {
		if !inv.Packages[i].Ecosystem.Distribution() {
			lang = true
			break
		}
	}
	if !lang {
		return
	}
	// Where each language package's file is, and the distribution package whose list holds
	// it (an index into inv.Packages, -1 while none): only those paths are looked up in the
	// distribution's lists, and the later list wins, as in Owners. Resolving keeps a path's
	// base name: a listed file of another name is none of them.
	r := newResolver(tree)
	owner := make(map[string]int)
	names := make(map[string]bool)
	for i := range inv.Packages {
		if p := &inv.Packages[i]; !p.Ecosystem.Distribution() {
			at := r.resolve(outerLocation(p.Location))
			owner[at] = -1
			names[path.Base(at)] = true
		}
	}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if !p.Ecosystem.Distribution() {
			continue
		}
		for _, f := range p.Files {
			if !names[path.Base(forensics.Abs(f.Path))] {
				continue
			}
			at := r.resolve(f.Path)
			if _, ok := owner[at]; ok {
				owner[at] = i
			}
		}
	}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if p.Ecosystem.Distribution() {
			continue
		}
		if o := owner[r.resolve(outerLocation(p.Location))]; o >= 0 {
			p.OSPackage = string(inv.Packages[o].Ecosystem) + ":" + inv.Packages[o].Name
		}
	}
}

// outerLocation is the file a package was read from: of a jar nested in another, the outer one.
func outerLocation(loc string) string {
	loc, _, _ = strings.Cut(loc, "!/")
	return loc
}
