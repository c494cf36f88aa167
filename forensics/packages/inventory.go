package packages

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/strata-forensics/strata/forensics"
)

// Inventory is what an image's package databases and metadata say is installed in its final
// filesystem.
type Inventory struct {
	OS       OS        `json:"os"`
	Packages []Package `json:"packages"`
	// Diversions are dpkg's: files of one package moved aside for another.
	Diversions []Diversion `json:"diversions,omitempty"`
	// Problems are databases that could not be read, in words.
	Problems []string `json:"problems,omitempty"`
}

// Count returns how many packages each ecosystem has.
func (inv *Inventory) Count() map[Ecosystem]int {
	m := make(map[Ecosystem]int)
	for _, p := range inv.Packages {
		m[p.Ecosystem]++
	}
	return m
}

// keptCopy is one layer's copy of a kept file: its bytes and their sha256 as the read pass
// computed it.
type keptCopy struct {
	layer  int
	data   []byte
	sha256 string
}

// copies returns the kept copies of p in layer order, up to and including the one the final
// filesystem holds; nil when the final filesystem holds no kept copy of p.
func (c *Collector) copies(tree *forensics.Tree, p string) []keptCopy {
	n := tree.Node(p)
	if n == nil || n.Hidden || n.Entry == nil || n.Entry.Type != forensics.TypeFile {
		return nil
	}
	final := n.Layer()
	if _, ok := c.kept[layerPath{final, p}]; !ok {
		return nil
	}
	var out []keptCopy
	for _, ev := range n.Events() {
		if ev.Layer > final {
			break
		}
		if ev.Change == forensics.ChangeRemoved {
			out = out[:0]
			continue
		}
		if b, ok := c.kept[layerPath{ev.Layer, p}]; ok {
			out = append(out, keptCopy{ev.Layer, b, ev.Entry.SHA256()})
		}
	}
	return out
}

// parsedAt returns the parse of the kept file k, whose bytes hash to sum (hex sha256): the one
// Visit made, else the run's cache's, else one made now (and given to the cache). c.mu is held.
func (c *Collector) parsedAt(k layerPath, sum string) *parsedFile {
	if pf := c.parsed[k]; pf != nil {
		return pf
	}
	data := c.kept[k]
	pf := c.cache.get(k.path, sum, len(data))
	if pf == nil {
		if pf = parseKept(k.path, data); pf == nil {
			pf = &parsedFile{size: len(data)}
		}
		c.cache.put(k.path, sum, pf)
	}
	c.parsed[k] = pf
	return pf
}

// since returns, for each package key the last copy lists, the lowest layer from which on
// every copy lists it at the same version; vers gives a copy's versions.
func since(layers []int, vers func(i int) map[string]string) map[string]int {
	start := map[string]int{}
	prev := map[string]string{}
	for i, layer := range layers {
		cur := vers(i)
		next := make(map[string]int, len(cur))
		for k, v := range cur {
			if pv, ok := prev[k]; ok && pv == v {
				next[k] = start[k]
			} else {
				next[k] = layer
			}
		}
		start, prev = next, cur
	}
	return start
}

func versions(pkgs []Package) map[string]string {
	m := make(map[string]string, len(pkgs))
	for _, p := range pkgs {
		m[p.Name+"\x00"+p.Arch] = p.FullVersion()
	}
	return m
}

// datedPackages returns the packages of the last of cs, a database's copies, each dated by
// the layer from which on every copy lists it at its version, and the first parser error
// (the last copy's first): with it, the packages of a last copy that parsed, undated.
func (c *Collector) datedPackages(p string, cs []keptCopy) ([]Package, error) {
	parsed := make([]*parsedFile, len(cs))
	layers := make([]int, len(cs))
	for i, cp := range cs {
		parsed[i] = c.parsedAt(layerPath{cp.layer, p}, cp.sha256)
		layers[i] = cp.layer
	}
	last := parsed[len(parsed)-1]
	if last.dbErr != nil {
		return nil, last.dbErr
	}
	// The packages are the caller's to change: their file lists too.
	pkgs := slices.Clone(last.pkgs)
	for i := range pkgs {
		pkgs[i].Files = slices.Clone(pkgs[i].Files)
	}
	for _, pf := range parsed {
		if pf.dbErr != nil {
			return pkgs, pf.dbErr
		}
	}
	start := since(layers, func(i int) map[string]string { return parsed[i].vers })
	for i := range pkgs {
		pkgs[i].Layer = start[pkgs[i].Name+"\x00"+pkgs[i].Arch]
	}
	return pkgs, nil
}

// Inventory assembles the packages of the final filesystem from what the pass captured.
// Every database and metadata file is parsed behind a recover boundary: one that makes a
// parser fail is a Problem naming it, and the rest of the inventory stands. tempDir is not
// used any more (rpm databases are read in memory); it is kept for callers.
func (c *Collector) Inventory(tree *forensics.Tree, tempDir string) *Inventory {
	c.mu.Lock()
	defer c.mu.Unlock()
	inv := &Inventory{}
	problem := func(err error) {
		if err != nil {
			inv.Problems = append(inv.Problems, err.Error())
		}
	}
	// parse runs the parser of the file at location; false when it failed.
	parse := func(location string, f func()) bool {
		_, err := guard(location, func() struct{} { f(); return struct{}{} })
		problem(err)
		return err == nil
	}
	parse("/etc/os-release", func() { inv.OS = c.readOS(tree) })

	// Final copies of kept files, grouped by directory kind.
	var paths []string
	finalNode := make(map[string]*forensics.Node)
	for k := range c.kept {
		if n := tree.Node(k.path); n != nil && !n.Hidden && n.Layer() == k.layer {
			paths = append(paths, k.path)
			finalNode[k.path] = n
		}
	}
	sort.Strings(paths)
	final := func(p string) *parsedFile {
		n := finalNode[p]
		return c.parsedAt(layerPath{n.Layer(), p}, n.Entry.SHA256())
	}
	layerOf := func(p string) int { return finalNode[p].Layer() }
	// status reads a dpkg status file (or a status.d stanza) and dates each package by the
	// layers' copies of it.
	status := func(p string, cs []keptCopy) []Package {
		pkgs, err := c.datedPackages(p, cs)
		problem(err)
		return pkgs
	}

	// dpkg
	var debs []Package
	if cs := c.copies(tree, dpkgStatus); cs != nil {
		debs = append(debs, status(dpkgStatus, cs)...)
	}
	lists := map[string][]string{}
	sums := map[string]map[string]string{}
	for _, p := range paths {
		switch {
		case strings.HasPrefix(p, dpkgStatusD) && !strings.HasSuffix(p, ".md5sums"):
			if cs := c.copies(tree, p); cs != nil {
				debs = append(debs, status(p, cs)...)
			}
		case strings.HasPrefix(p, dpkgStatusD):
			name := strings.TrimSuffix(path.Base(p), ".md5sums")
			if pf := final(p); pf.dbErr != nil {
				problem(pf.dbErr)
			} else {
				sums[name] = pf.sums
			}
		case strings.HasPrefix(p, dpkgInfo):
			name, arch, kind := dpkgInfoName(p)
			key := name + "\x00" + arch
			switch kind {
			case "list", "md5sums":
				pf := final(p)
				switch {
				case pf.dbErr != nil:
					problem(pf.dbErr)
				case kind == "list":
					lists[key] = pf.list
				default:
					sums[key] = pf.sums
				}
			}
		case p == dpkgDiversions:
			if pf := final(p); pf.dbErr != nil {
				problem(pf.dbErr)
			} else {
				inv.Diversions = slices.Clone(pf.diversions)
			}
		}
	}
	for i := range debs {
		p := &debs[i]
		key := p.Name + "\x00" + p.Arch
		list, ok := lists[key]
		if !ok {
			list = lists[p.Name+"\x00"]
		}
		md5s, ok := sums[key]
		if !ok {
			md5s = sums[p.Name+"\x00"]
		}
		if md5s == nil {
			md5s = sums[p.Name] // status.d/<name>.md5sums
		}
		files := make([]File, len(p.Files), len(p.Files)+max(len(list), len(md5s)))
		copy(files, p.Files)
		p.Files = files
		idx := make(map[string]int, cap(files))
		for j, f := range p.Files {
			idx[f.Path] = j
		}
		for _, f := range list {
			if _, dup := idx[f]; !dup {
				idx[f] = len(p.Files)
				p.Files = append(p.Files, File{Path: f})
			}
		}
		for f, sum := range md5s {
			j, ok := idx[f]
			if !ok {
				j = len(p.Files)
				idx[f] = j
				p.Files = append(p.Files, File{Path: f})
			}
			if !p.Files[j].Conffile {
				p.Files[j].Algorithm, p.Files[j].Digest = MD5, sum
			}
		}
	}
	c.debianLicenses(tree, debs)
	inv.Packages = append(inv.Packages, debs...)

	// apk: a parser failing on any copy leaves out the database's packages.
	if cs := c.copies(tree, apkInstalled); cs != nil {
		pkgs, err := c.datedPackages(apkInstalled, cs)
		problem(err)
		if err == nil {
			inv.Packages = append(inv.Packages, pkgs...)
		}
	}

	// rpm: one database per image, the first found in order of preference. One with some
	// malformed headers gives its readable packages and a problem.
	for _, db := range rpmDatabases {
		cs := c.copies(tree, db)
		if cs == nil {
			continue
		}
		pkgs, err := parseRPMDB(cs[len(cs)-1].data, db)
		problem(err)
		if len(pkgs) == 0 && err != nil {
			continue
		}
		layers := make([]int, len(cs))
		for i := range cs {
			layers[i] = cs[i].layer
		}
		start := since(layers, func(i int) map[string]string {
			if len(cs) == 1 {
				return versions(pkgs)
			}
			older, err := parseRPMDB(cs[i].data, db)
			if err != nil && len(older) == 0 {
				return nil
			}
			return versions(older)
		})
		for i := range pkgs {
			pkgs[i].Layer = start[pkgs[i].Name+"\x00"+pkgs[i].Arch]
		}
		inv.Packages = append(inv.Packages, pkgs...)
		break
	}

	// Language packages, each from its own metadata file.
	for _, p := range paths {
		_, lang := kindsOf(p)
		switch lang {
		case langDistInfo, langEggInfo, langNPM:
			pf := final(p)
			if pf.langErr != nil {
				problem(pf.langErr)
				continue
			}
			if !pf.metaOK {
				continue
			}
			pkg := pf.meta
			pkg.Layer = layerOf(p)
			dir, _ := path.Split(p)
			dir = strings.TrimSuffix(dir, "/")
			switch lang {
			case langDistInfo:
				if rec := dir + "/RECORD"; c.isFinal(tree, rec) {
					if rpf := final(rec); rpf.langErr != nil {
						problem(rpf.langErr)
					} else {
						pkg.Files = slices.Clone(rpf.record)
					}
				}
			case langNPM:
				pkg.Files = []File{{Path: dir}}
			}
			inv.Packages = append(inv.Packages, pkg)
		}
	}
	var found []layerPath
	for k := range c.found {
		if n := tree.Node(k.path); n != nil && !n.Hidden && n.Layer() == k.layer {
			found = append(found, k)
		}
	}
	for _, k := range found {
		inv.Packages = append(inv.Packages, c.found[k]...)
	}
	inv.Problems = append(inv.Problems, c.problems...)
	inv.markOSPackages(tree)

	sort.SliceStable(inv.Packages, func(i, j int) bool {
		a, b := &inv.Packages[i], &inv.Packages[j]
		if a.Ecosystem != b.Ecosystem {
			return ecoRank(a.Ecosystem) < ecoRank(b.Ecosystem)
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Location < b.Location
	})
	for i := range inv.Packages {
		sort.Slice(inv.Packages[i].Files, func(a, b int) bool { return inv.Packages[i].Files[a].Path < inv.Packages[i].Files[b].Path })
	}
	inv.resolveDependencies()
	return inv
}

// debianLicenses gives each Debian package the licenses of its copyright file in the final
// filesystem, /usr/share/doc/<name>/copyright, through the links that share one package's doc
// directory with others of its source.
func (c *Collector) debianLicenses(tree *forensics.Tree, debs []Package) {
	if len(c.licenses) == 0 {
		return
	}
	r := newResolver(tree)
	for i := range debs {
		p := r.resolve("/usr/share/doc/" + debs[i].Name + "/copyright")
		for hops := 0; hops < 8; hops++ {
			n := tree.Node(p)
			if n == nil || n.Hidden || n.Entry == nil {
				break
			}
			if n.Entry.Type == forensics.TypeSymlink {
				target := n.Entry.Link()
				if !strings.HasPrefix(target, "/") {
					target = path.Join(path.Dir(p), target)
				}
				p = r.resolve(target)
				continue
			}
			if lic, ok := c.licenses[layerPath{n.Layer(), p}]; ok && len(lic) > 0 {
				debs[i].Licenses = append([]string(nil), lic...)
			}
			break
		}
	}
}

func ecoRank(e Ecosystem) int {
	for i, x := range []Ecosystem{Deb, APK, RPM, PyPI, NPM, Golang, Maven} {
		if x == e {
			return i
		}
	}
	return 99
}

func (c *Collector) isFinal(tree *forensics.Tree, p string) bool {
	n := tree.Node(p)
	if n == nil || n.Hidden {
		return false
	}
	_, ok := c.kept[layerPath{n.Layer(), p}]
	return ok
}

// readOS reads os-release from the final filesystem (/etc/os-release is usually a link to
// /usr/lib/os-release).
func (c *Collector) readOS(tree *forensics.Tree) OS {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if !c.isFinal(tree, p) {
			continue
		}
		var os OS
		for _, line := range strings.Split(string(c.kept[layerPath{tree.Node(p).Layer(), p}]), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
			if !ok {
				continue
			}
			v = strings.Trim(v, `"'`)
			switch k {
			case "ID":
				os.ID = v
			case "VERSION_ID":
				os.VersionID = v
			case "VERSION_CODENAME":
				os.Codename = v
			case "PRETTY_NAME":
				os.PrettyName = v
			}
		}
		return os
	}
	return OS{}
}
