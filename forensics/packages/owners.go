package packages

import "github.com/strata-forensics/strata/forensics"

// Owners maps each file the inventory's packages list to its owner, by where the file is in
// the final filesystem (a database listing /bin/ls owns /usr/bin/ls on a usrmerged system).
// Where two packages list one path, the later in the inventory wins.
func (inv *Inventory) Owners(tree *forensics.Tree) map[string]*Package {
	r := newResolver(tree)
	out := make(map[string]*Package)
	for i := range inv.Packages {
		p := &inv.Packages[i]
		for _, f := range p.Files {
			out[r.resolve(f.Path)] = p
		}
	}
	return out
}
