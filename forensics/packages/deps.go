package packages

import (
	"strings"
)

// Refs returns, by ecosystem and reference, every package of the inventory: what the names in
// Dependencies point to. A package's reference is its name, with ":arch" when more than one
// installed package of its ecosystem has that name (dpkg's multi-arch).
func (inv *Inventory) Refs() map[Ecosystem]map[string]*Package {
	count := map[Ecosystem]map[string]int{}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if count[p.Ecosystem] == nil {
			count[p.Ecosystem] = map[string]int{}
		}
		count[p.Ecosystem][p.Name]++
	}
	out := map[Ecosystem]map[string]*Package{}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if out[p.Ecosystem] == nil {
			out[p.Ecosystem] = map[string]*Package{}
		}
		ref := p.Name
		if count[p.Ecosystem][p.Name] > 1 && p.Arch != "" {
			ref += ":" + p.Arch
		}
		if _, dup := out[p.Ecosystem][ref]; !dup {
			out[p.Ecosystem][ref] = p
		}
	}
	return out
}

// resolveDependencies turns each distribution package's requirements into the installed
// packages that satisfy them. A requirement is met by the first of its alternatives that is
// installed, else by a package that provides it (a virtual package, a shared library, a
// command) or, for a path, owns it. A requirement nothing installed meets is left out: an
// image need not hold what a package recommends or what a removed package left behind.
func (inv *Inventory) resolveDependencies() {
	for _, eco := range []Ecosystem{Deb, APK, RPM} {
		byName := map[string][]*Package{}
		providers := map[string][]*Package{}
		var owners map[string]*Package
		for i := range inv.Packages {
			p := &inv.Packages[i]
			if p.Ecosystem != eco {
				continue
			}
			byName[p.Name] = append(byName[p.Name], p)
			for _, v := range p.provides {
				providers[v] = append(providers[v], p)
			}
		}
		ref := func(q *Package) string {
			if len(byName[q.Name]) > 1 && q.Arch != "" {
				return q.Name + ":" + q.Arch
			}
			return q.Name
		}
		for i := range inv.Packages {
			p := &inv.Packages[i]
			if p.Ecosystem != eco || len(p.requires) == 0 {
				continue
			}
			seen := map[string]bool{}
			for _, alts := range p.requires {
				var q *Package
				for _, name := range alts {
					if q = pick(p, byName[name]); q != nil {
						break
					}
				}
				for _, name := range alts {
					if q != nil {
						break
					}
					q = pick(p, providers[name])
				}
				if q == nil && len(alts) == 1 && strings.HasPrefix(alts[0], "/") {
					if owners == nil {
						owners = fileOwners(inv.Packages, eco)
					}
					q = owners[alts[0]]
				}
				if q == nil || q == p {
					continue
				}
				r := ref(q)
				if !seen[r] {
					seen[r] = true
					p.Dependencies = append(p.Dependencies, r)
				}
			}
		}
	}
}

// pick chooses among the packages that satisfy a requirement of p: one of p's architecture,
// else an architecture-independent one, else the first.
func pick(p *Package, cands []*Package) *Package {
	if len(cands) == 0 {
		return nil
	}
	for _, q := range cands {
		if q.Arch == p.Arch {
			return q
		}
	}
	for _, q := range cands {
		switch q.Arch {
		case "all", "noarch", "":
			return q
		}
	}
	return cands[0]
}

// fileOwners maps the files the packages of eco list to the package listing them.
func fileOwners(pkgs []Package, eco Ecosystem) map[string]*Package {
	out := map[string]*Package{}
	for i := range pkgs {
		p := &pkgs[i]
		if p.Ecosystem != eco {
			continue
		}
		for _, f := range p.Files {
			if _, ok := out[f.Path]; !ok {
				out[f.Path] = p
			}
		}
	}
	return out
}
