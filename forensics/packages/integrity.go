package packages

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/strata-forensics/strata/forensics"
)

// Mismatch is a package-owned file whose content is not what its database records.
type Mismatch struct {
	Ecosystem Ecosystem `json:"ecosystem"`
	Package   string    `json:"package"`
	Version   string    `json:"version"`
	// Path is where the file is in the final filesystem; Listed is the path the database
	// names when it differs (usrmerge, diversions).
	Path      string `json:"path"`
	Listed    string `json:"listed,omitempty"`
	Layer     int    `json:"layer"`
	Algorithm string `json:"algorithm"`
	Want      string `json:"want"`
	Got       string `json:"got"`
	Conffile  bool   `json:"conffile,omitempty"`
	// Executable is set for programs and libraries: an ELF file, an executable mode bit, or
	// a shared-object name.
	Executable bool `json:"executable,omitempty"`
	// PackageLayer is the layer that installed the package.
	PackageLayer int `json:"package_layer"`
}

// Unpackaged is a regular file in a system path that no package owns.
type Unpackaged struct {
	Path   string `json:"path"`
	Layer  int    `json:"layer"`
	Size   int64  `json:"size"`
	Mode   string `json:"mode"`
	SHA256 string `json:"sha256"`
	// Executable is set for programs and libraries, and for files whose place makes them run
	// (cron, systemd units, init scripts, /etc/ld.so.preload).
	Executable bool `json:"executable"`
}

// Integrity is the result of checking the final filesystem against the package databases.
type Integrity struct {
	Mismatches []Mismatch   `json:"mismatches"`
	Unpackaged []Unpackaged `json:"unpackaged"`
	// Checked counts owned regular files compared with a recorded checksum; Missing owned
	// files not in the final filesystem (slimmed images delete docs); Unverified owned files
	// with no checksum recorded.
	Checked    int `json:"checked"`
	Missing    int `json:"missing"`
	Unverified int `json:"unverified"`
	// Vouched counts owned regular files left unchecked because their layer's bytes are
	// another image's (Collector.VisitVouched): that image's check stands for them.
	Vouched int `json:"vouched,omitempty"`
	// Matched maps each owned file whose checksum matched to its package ("name version").
	Matched map[string]string `json:"-"`
}

// Check compares every package-owned regular file of the final filesystem with the checksum
// its database records, and lists the regular files in system paths that no package owns.
// Files whose md5 or sha1 the pass did not compute (too big for it, or guessed wrong) are
// re-read from their layers when img is not nil.
func (c *Collector) Check(ctx context.Context, img *forensics.Image, tree *forensics.Tree, inv *Inventory) (*Integrity, error) {
	c.settle()
	res := &Integrity{}
	r := newResolver(tree)
	files := 0
	for pi := range inv.Packages {
		files += len(inv.Packages[pi].Files)
	}
	// owned holds the nodes of the owned paths the final filesystem has: the walk for
	// unowned files below only meets those.
	owned := make(map[*forensics.Node]struct{}, files)
	var npmDirs []string

	// A file to compare: its package and file, where it is, and the sums the pass computed
	// of its content.
	type pending struct {
		pkg, file int
		n         *forensics.Node
		at        string
		layer     int
		content   string // the path whose bytes hold the content (a hardlink's target)
		sums      fileSums
	}
	todo := make([]pending, 0, files)
	divert := make(map[string]Diversion, len(inv.Diversions))
	for _, d := range inv.Diversions {
		divert[d.From] = d
	}
	c.mu.Lock()
	for pi := range inv.Packages {
		p := &inv.Packages[pi]
		switch p.Ecosystem {
		case Golang, Maven:
			continue // self-described binaries and archives; no manager installed them
		case NPM:
			for _, f := range p.Files {
				npmDirs = append(npmDirs, r.resolve(f.Path)+"/")
			}
			continue
		}
		for fi := range p.Files {
			f := &p.Files[fi]
			listed := f.Path
			if len(divert) > 0 && p.Ecosystem == Deb {
				if d, ok := divert[listed]; ok && d.Package != p.Name {
					listed = d.To
				}
			}
			at := r.resolve(listed)
			n := tree.Node(at)
			if n == nil || n.Hidden {
				if f.Digest != "" {
					res.Missing++
				}
				continue
			}
			owned[n] = struct{}{}
			if !isRegular(n.Entry) {
				continue
			}
			if f.Digest == "" {
				res.Unverified++
				continue
			}
			if c.vouched[n.Layer()] && f.Algorithm != SHA256 {
				res.Vouched++
				continue
			}
			t := pending{pkg: pi, file: fi, n: n, at: at, layer: n.Layer(), content: at}
			if n.Entry.Type == forensics.TypeHardlink {
				t.content = n.Entry.Link()
			}
			t.sums, _ = c.sumsOf(layerPath{t.layer, t.content})
			todo = append(todo, t)
		}
	}
	c.mu.Unlock()

	// Fill in the digests the pass did not compute by re-reading only the layers concerned.
	need := map[layerPath]string{}
	var maxSize int64
	for i := range todo {
		t := &todo[i]
		algo := inv.Packages[t.pkg].Files[t.file].Algorithm
		if algo != SHA256 && !t.sums.hasDigest(algo) {
			need[layerPath{t.layer, t.content}] = algo
			maxSize = max(maxSize, t.n.Entry.Size)
		}
	}
	if len(need) > 0 && img != nil {
		if err := c.rehash(ctx, img, need, maxSize); err != nil {
			return nil, err
		}
		c.mu.Lock()
		for i := range todo {
			t := &todo[i]
			if _, ok := need[layerPath{t.layer, t.content}]; ok {
				t.sums, _ = c.sumsOf(layerPath{t.layer, t.content})
			}
		}
		c.mu.Unlock()
	}
	// who names each package as Matched does, built once per package.
	who := make([]string, len(inv.Packages))
	res.Matched = make(map[string]string, len(todo))
	for i := range todo {
		t := &todo[i]
		p := &inv.Packages[t.pkg]
		f := &p.Files[t.file]
		var buf [64]byte // the longest digest in hex, sha256's
		var got []byte
		switch {
		case f.Algorithm == SHA256:
			got = append(buf[:0], t.n.Entry.SHA256()...)
		case f.Algorithm == MD5 && t.sums.has&hasMD5 != 0:
			got = buf[:hex.Encode(buf[:], t.sums.md5[:])]
		case f.Algorithm == SHA1 && t.sums.has&hasSHA1 != 0:
			got = buf[:hex.Encode(buf[:], t.sums.sha1[:])]
		default:
			res.Unverified++
			continue
		}
		res.Checked++
		if string(got) != f.Digest {
			m := Mismatch{Ecosystem: p.Ecosystem, Package: p.Name, Version: p.FullVersion(), Path: t.at, Layer: t.layer,
				Algorithm: f.Algorithm, Want: f.Digest, Got: string(got), Conffile: f.Conffile, PackageLayer: p.Layer}
			if t.at != f.Path {
				m.Listed = f.Path
			}
			m.Executable = executable(t.n, t.sums.elf)
			res.Mismatches = append(res.Mismatches, m)
			continue
		}
		if who[t.pkg] == "" {
			who[t.pkg] = p.Name + " " + p.FullVersion()
		}
		res.Matched[t.at] = who[t.pkg]
	}
	if len(res.Matched) == 0 {
		res.Matched = nil
	}
	sort.Slice(res.Mismatches, func(i, j int) bool { return res.Mismatches[i].Path < res.Mismatches[j].Path })

	sort.Strings(npmDirs)
	c.mu.Lock()
	defer c.mu.Unlock()
	tree.Walk("/", func(n *forensics.Node) bool {
		if n.Hidden {
			return false
		}
		if n.Path() != "/" && !mayHoldSystemFiles(n.Path()) {
			return false
		}
		if !isRegular(n.Entry) || !systemPath(n.Path()) || generated(n.Path()) || underAny(n.Path(), npmDirs) {
			return true
		}
		if _, ok := owned[n]; ok {
			return true
		}
		content := n.Path()
		if n.Entry.Type == forensics.TypeHardlink {
			content = n.Entry.Link()
		}
		s, _ := c.sumsOf(layerPath{n.Layer(), content})
		res.Unpackaged = append(res.Unpackaged, Unpackaged{Path: n.Path(), Layer: n.Layer(), Size: n.Entry.Size,
			Mode: n.Entry.ModeString(), SHA256: n.Entry.SHA256(), Executable: executable(n, s.elf) || runsByPlace(n.Path())})
		return true
	})
	return res, nil
}

func isRegular(e *forensics.Entry) bool {
	return e != nil && (e.Type == forensics.TypeFile || e.Type == forensics.TypeHardlink)
}

func underAny(p string, sortedDirs []string) bool {
	i := sort.SearchStrings(sortedDirs, p)
	return i > 0 && strings.HasPrefix(p, sortedDirs[i-1])
}

// executable reports whether a file is a program or library: an executable mode bit, ELF
// content (elf, as the pass saw it), or a shared-object name.
func executable(n *forensics.Node, elf bool) bool {
	if n.Entry.Mode&0o111 != 0 || elf {
		return true
	}
	base := path.Base(n.Path())
	return strings.HasSuffix(base, ".so") || strings.Contains(base, ".so.")
}

// hasDigest reports whether s holds the digest algo names.
func (s fileSums) hasDigest(algo string) bool {
	switch algo {
	case MD5:
		return s.has&hasMD5 != 0
	case SHA1:
		return s.has&hasSHA1 != 0
	}
	return false
}

// rehash re-reads the layers that hold the files in need and records their digests.
func (c *Collector) rehash(ctx context.Context, img *forensics.Image, need map[layerPath]string, maxSize int64) error {
	layers := map[int]bool{}
	for k := range need {
		layers[k.layer] = true
	}
	var ls []int
	for l := range layers {
		ls = append(ls, l)
	}
	sort.Ints(ls)
	var mu sync.Mutex
	visit := func(layer int, e *forensics.Entry, data []byte) {
		algo, ok := need[layerPath{layer, e.Path}]
		if !ok || data == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		c.mu.Lock()
		defer c.mu.Unlock()
		s, _ := c.sumsOf(layerPath{layer, e.Path})
		switch algo {
		case MD5:
			s.md5, s.has = md5.Sum(data), s.has|hasMD5
		case SHA1:
			s.sha1, s.has = sha1.Sum(data), s.has|hasSHA1
		}
		c.sums.set(layerPath{layer, e.Path}, s)
	}
	_, err := img.ReadLayers(ctx, forensics.ReadOptions{Layers: ls, Visit: visit, ContentCap: maxSize})
	return err
}

// resolver maps a path as a database lists it to where it is in the final filesystem,
// following symlinked directories (usrmerge: /bin -> usr/bin).
type resolver struct {
	tree *forensics.Tree
	dirs map[string]string
}

func newResolver(tree *forensics.Tree) *resolver {
	return &resolver{tree: tree, dirs: map[string]string{"/": "/"}}
}

func (r *resolver) resolve(p string) string {
	p = forensics.Abs(p)
	if p == "/" {
		return p
	}
	i := strings.LastIndexByte(p, '/')
	dir, base := p[:i], p[i+1:]
	if dir == "" {
		dir = "/"
	}
	switch d := r.dir(dir, 0); d {
	case dir:
		return p // no link on the way: most paths, with no string to build
	case "/":
		return "/" + base
	default:
		return d + "/" + base
	}
}

func (r *resolver) dir(d string, hops int) string {
	if v, ok := r.dirs[d]; ok {
		return v
	}
	parent := r.dir(path.Dir(d), hops)
	cand := path.Join(parent, path.Base(d))
	out := cand
	if n := r.tree.Node(cand); n != nil && !n.Hidden && n.Entry != nil && n.Entry.Type == forensics.TypeSymlink && hops < 40 {
		target := n.Entry.Link()
		if !strings.HasPrefix(target, "/") {
			target = path.Join(parent, target)
		}
		out = r.dir(path.Clean(target), hops+1)
	}
	if hops == 0 {
		r.dirs[d] = out
	}
	return out
}

// systemRoots are the places where every file should belong to a package.
var systemRoots = []string{
	"/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/lib/", "/usr/lib32/", "/usr/lib64/", "/usr/libx32/",
	"/usr/libexec/", "/lib/", "/lib32/", "/lib64/", "/libx32/", "/usr/share/lib/", "/usr/games/",
	"/etc/cron.d/", "/etc/cron.daily/", "/etc/cron.hourly/", "/etc/cron.weekly/", "/etc/cron.monthly/",
	"/var/spool/cron/", "/etc/systemd/", "/etc/init.d/", "/etc/update-motd.d/", "/etc/profile.d/",
}

// runRoots are system paths whose files run because of where they are, whatever their mode.
var runRoots = []string{"/etc/cron", "/var/spool/cron/", "/etc/systemd/", "/usr/lib/systemd/system/", "/lib/systemd/system/",
	"/etc/init.d/", "/etc/update-motd.d/", "/etc/profile.d/", "/etc/ld.so.preload"}

func systemPath(p string) bool {
	if strings.HasPrefix(p, "/etc/ld.so.") || p == "/etc/crontab" {
		return true
	}
	for _, r := range systemRoots {
		if strings.HasPrefix(p, r) {
			return true
		}
	}
	return false
}

// mayHoldSystemFiles prunes the walk: directories that are neither a system root, inside
// one, nor above one.
func mayHoldSystemFiles(p string) bool {
	if p == "/etc" || p == "/var" || p == "/var/spool" || p == "/usr" || p == "/usr/share" || systemPath(p+"/") || systemPath(p) {
		return true
	}
	return false
}

func runsByPlace(p string) bool {
	for _, r := range runRoots {
		if strings.HasPrefix(p, r) {
			return true
		}
	}
	return false
}

// generated reports files package scripts and triggers write at install time, which no
// database lists.
func generated(p string) bool {
	base := path.Base(p)
	switch {
	case p == "/etc/ld.so.cache", p == "/etc/ld.so.conf":
		return true
	case strings.HasSuffix(base, ".pyc") && strings.Contains(p, "/__pycache__/"):
		return true
	case strings.HasPrefix(p, "/usr/lib/locale/"), strings.HasPrefix(p, "/usr/lib/sysimage/"),
		strings.HasPrefix(p, "/lib/apk/db/"), strings.HasPrefix(p, "/usr/lib/apk/db/"):
		return true
	case base == "gconv-modules.cache", base == "giomodule.cache", base == "loaders.cache", base == "immodules.cache",
		base == "gschemas.compiled", base == "hwdb.bin", base == "icon-theme.cache", base == "mimeinfo.cache":
		return true
	case strings.HasPrefix(p, "/etc/systemd/system/") && strings.Contains(p, ".wants/"):
		return true
	case p == "/etc/systemd/system/dbus-org.freedesktop.timesync1.service":
		return true
	}
	return false
}
