package packages

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"debug/buildinfo"
	"encoding/gob"
	"fmt"
	"hash"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/internal/md5x"
)

// MaxKeptSize bounds each database or metadata file a Collector keeps; rpm databases of big
// images run to tens of megabytes.
const MaxKeptSize = 256 << 20

type layerPath struct {
	layer int
	path  string
}

// layerSums are the file sums of each layer, by path.
type layerSums map[int]map[string]fileSums

func (ls layerSums) get(k layerPath) (fileSums, bool) {
	s, ok := ls[k.layer][k.path]
	return s, ok
}

func (ls layerSums) set(k layerPath, s fileSums) {
	m := ls[k.layer]
	if m == nil {
		m = make(map[string]fileSums)
		ls[k.layer] = m
	}
	m[k.path] = s
}

// fileSums are the extra digests the pass computed for one file of one layer.
type fileSums struct {
	md5  [md5.Size]byte
	sha1 [sha1.Size]byte
	has  uint8 // hasMD5 | hasSHA1
	elf  bool
	// visit numbers the Visit that made the entry, whose md5 may still be on its way from
	// the Collector's hasher; 0 for entries made otherwise.
	visit uint64
}

// md5Job names the file and the Visit an md5 on its way belongs to: a layer may hold the
// same path twice, and only the last copy's digest counts, whichever is hashed first.
type md5Job struct {
	key   layerPath
	visit uint64
}

const (
	hasMD5 = 1 << iota
	hasSHA1
)

// Collector captures, during an image's read pass, the package databases and metadata files,
// the language packages found in binaries and archives, and the md5 or sha1 of the files in
// package-managed places that dpkg and apk checksums need. Its methods are safe for
// concurrent use; one Collector serves one image.
type Collector struct {
	mu   sync.Mutex
	kept map[layerPath][]byte
	// parsed are the kept files' parses, made as Visit keeps them (or as Inventory first
	// needs them, for restored layers); cache shares them with the other Collectors of a run.
	parsed map[layerPath]*parsedFile
	cache  *ParseCache
	sums   layerSums
	// restored are the file sums of the layers RestoreLayer gave, by layer: looked up where
	// sums has no entry (sumsOf), not copied into it, as a run's Collectors share them.
	restored map[int]map[string]stateSums
	found    map[layerPath][]Package // Go binaries and Java archives
	// licenses are what each /usr/share/doc/<pkg>/copyright file declares, parsed as the pass
	// hands the file over: the texts are not kept.
	licenses map[layerPath][]string
	// copyrights are the licenses parsed from each content of a copyright file, by its
	// sha256 (hex): shared, never changed.
	copyrights map[string][]string
	// problems are files whose parser failed during the pass, in words.
	problems []string
	// vouched are the layers VisitVouched was given files of: their files' sums were not
	// computed, and Check leaves them unchecked.
	vouched map[int]bool
	sawDpkg atomic.Bool
	sawAPK  atomic.Bool

	// md5s hashes the files whose md5 is wanted several at a time; settle hands over the
	// digests still in it. hashing guards it (taken before mu, never inside it).
	hashing sync.Mutex
	md5s    *md5x.Hasher[md5Job]
	visits  atomic.Uint64
}

// NewCollector returns an empty Collector.
func NewCollector() *Collector { return NewCachedCollector(nil) }

// NewCachedCollector returns an empty Collector that takes the parses of the package databases
// and metadata files it keeps from cache, and gives it those it makes. A nil cache is none.
func NewCachedCollector(cache *ParseCache) *Collector {
	c := &Collector{
		kept:       make(map[layerPath][]byte),
		parsed:     make(map[layerPath]*parsedFile),
		cache:      cache,
		sums:       make(layerSums),
		restored:   make(map[int]map[string]stateSums),
		found:      make(map[layerPath][]Package),
		licenses:   make(map[layerPath][]string),
		copyrights: make(map[string][]string),
		vouched:    make(map[int]bool),
	}
	c.md5s = md5x.New(c.gotMD5)
	return c
}

// gotMD5 records a digest from the hasher in the entry of the Visit that asked for it.
func (c *Collector) gotMD5(j md5Job, sum [md5.Size]byte) {
	c.mu.Lock()
	if s, ok := c.sums.get(j.key); ok && s.visit == j.visit {
		s.md5 = sum
		s.has |= hasMD5
		c.sums.set(j.key, s)
	}
	c.mu.Unlock()
}

// settle waits for the md5s still being computed: what reads sums calls it first.
func (c *Collector) settle() {
	c.hashing.Lock()
	c.md5s.Flush()
	c.hashing.Unlock()
}

// Visitor returns c.Visit as a forensics.FileVisitor.
func (c *Collector) Visitor() forensics.FileVisitor { return c.Visit }

// Visit looks at one regular file of one layer as the read pass hands it over. data is nil
// for files over the pass's content cap: Stream takes those, and Check re-reads the ones it
// still needs.
func (c *Collector) Visit(layer int, e *forensics.Entry, data []byte) {
	if data == nil || int64(len(data)) != e.Size {
		// Nothing, or a sparse file's data regions rather than its content: no digest of
		// them would match a database's.
		return
	}
	c.visitMeta(layer, e, data)
	c.visitSums(layer, e, data)
}

// VisitVouched is Visit for a file of a layer whose bytes another image holds (a
// comparison's original): it keeps the package databases and metadata files, which the
// inventory of the stacked tree needs, and computes no sums. Check leaves the package files
// of such a layer unchecked: their check would be the other image's.
func (c *Collector) VisitVouched(layer int, e *forensics.Entry, data []byte) {
	c.mu.Lock()
	c.vouched[layer] = true
	c.mu.Unlock()
	if data == nil || int64(len(data)) != e.Size {
		return
	}
	c.visitMeta(layer, e, data)
}

// WantsVouched reports whether VisitVouched needs the bytes of the file at p: a package
// database, metadata or copyright file.
func WantsVouched(p string) bool { return Keep(p) || debianCopyright(p) }

// visitMeta keeps and parses a package database, metadata or copyright file.
func (c *Collector) visitMeta(layer int, e *forensics.Entry, data []byte) {
	p := e.Path
	if debianCopyright(p) {
		// Most packages of a source, and many sources, ship the same copyright file: it is
		// parsed once per content (by the digest the pass computed of these bytes).
		sum := e.SHA256()
		c.mu.Lock()
		lic, ok := c.copyrights[sum]
		c.mu.Unlock()
		var err error
		if !ok || sum == "" {
			lic, err = guard(p, func() []string { return DebianCopyrightLicenses(string(data)) })
		}
		c.mu.Lock()
		if err != nil {
			c.problems = append(c.problems, err.Error())
		} else {
			c.licenses[layerPath{layer, p}] = lic
			if sum != "" {
				c.copyrights[sum] = lic
			}
		}
		c.mu.Unlock()
	}
	if Keep(p) && len(data) <= MaxKeptSize {
		switch p {
		case dpkgStatus:
			c.sawDpkg.Store(true)
		case apkInstalled:
			c.sawAPK.Store(true)
		}
		cp := append([]byte(nil), data...)
		sum := e.SHA256()
		pf := c.cache.get(p, sum, len(cp))
		if pf == nil {
			pf = parseKept(p, cp)
			c.cache.put(p, sum, pf)
		}
		c.mu.Lock()
		c.kept[layerPath{layer, p}] = cp
		if pf != nil {
			c.parsed[layerPath{layer, p}] = pf
		} else {
			delete(c.parsed, layerPath{layer, p})
		}
		c.mu.Unlock()
	}
}

// visitSums computes the sums of a package-managed file and finds the packages of a Go
// binary or Java archive.
func (c *Collector) visitSums(layer int, e *forensics.Entry, data []byte) {
	p := e.Path
	var s fileSums
	elf := bytes.HasPrefix(data, elfMagic)
	wantMD5 := false
	if managed(p) {
		want := c.algorithmsFor(p)
		if want&hasSHA1 != 0 {
			s.sha1 = sha1.Sum(data)
		}
		s.has = want
		s.elf = elf
		if want&hasMD5 != 0 {
			if md5x.Accelerated() && len(data) <= md5x.MaxHeld {
				// The md5 comes later, from the hasher: has gets hasMD5 when it does.
				wantMD5 = true
				s.has &^= hasMD5
				s.visit = c.visits.Add(1)
			} else {
				s.md5 = md5.Sum(data)
			}
		}
	}
	var found []Package
	var err error
	switch {
	case elf && HasGoBuildInfo(data):
		found, err = guard(p, func() []Package { return goPackages(p, data) })
	case isJavaArchive(p) && bytes.HasPrefix(data, []byte("PK")):
		found, err = guard(p, func() []Package { return javaPackages(p, data, 0) })
	}
	if err != nil {
		c.mu.Lock()
		c.problems = append(c.problems, err.Error())
		c.mu.Unlock()
	}
	if s.has == 0 && !s.elf && !wantMD5 && found == nil {
		return
	}
	c.mu.Lock()
	if s.has != 0 || s.elf || wantMD5 {
		c.sums.set(layerPath{layer, p}, s)
	}
	if found != nil {
		for i := range found {
			found[i].Layer = layer
		}
		c.found[layerPath{layer, p}] = found
	}
	c.mu.Unlock()
	if wantMD5 {
		c.hashing.Lock()
		c.md5s.Add(md5Job{layerPath{layer, p}, s.visit}, data)
		c.hashing.Unlock()
	}
}

var elfMagic = []byte("\x7fELF")

// algorithms says which digests to compute of a package-managed file: dpkg records md5 and
// apk sha1; compute what the image's package manager will ask for, md5 until an apk database
// has been seen. Check fills in what was guessed wrong.
func (c *Collector) algorithms() uint8 {
	if !c.sawAPK.Load() {
		return hasMD5
	}
	if c.sawDpkg.Load() {
		return hasMD5 | hasSHA1
	}
	return hasSHA1
}

// algorithmsFor says which digests the pass computes of the managed file at p.
func (c *Collector) algorithmsFor(p string) uint8 {
	if managerState(p) {
		return 0
	}
	return c.algorithms()
}

// Stream computes, for a file too big for Visit, the digests Visit would have, as the read
// pass streams the file's bytes: for files in package-managed places, nil for others. It
// lets Check do without reading the layer again.
func (c *Collector) Stream(layer int, e *forensics.Entry) io.WriteCloser {
	if !managed(e.Path) {
		return nil
	}
	w := &sumWriter{c: c, key: layerPath{layer, e.Path}, has: c.algorithmsFor(e.Path)}
	if w.has&hasMD5 != 0 {
		w.md5 = md5.New()
	}
	if w.has&hasSHA1 != 0 {
		w.sha1 = sha1.New()
	}
	return w
}

// sumWriter is a Stream: it records its file's sums when closed.
type sumWriter struct {
	c         *Collector
	key       layerPath
	has       uint8
	md5, sha1 hash.Hash
	head      []byte // the first bytes, for the ELF magic
}

func (w *sumWriter) Write(p []byte) (int, error) {
	if len(w.head) < len(elfMagic) {
		w.head = append(w.head, p[:min(len(p), len(elfMagic)-len(w.head))]...)
	}
	if w.md5 != nil {
		w.md5.Write(p)
	}
	if w.sha1 != nil {
		w.sha1.Write(p)
	}
	return len(p), nil
}

func (w *sumWriter) Close() error {
	s := fileSums{has: w.has, elf: bytes.Equal(w.head, elfMagic)}
	if w.md5 != nil {
		w.md5.Sum(s.md5[:0])
	}
	if w.sha1 != nil {
		w.sha1.Sum(s.sha1[:0])
	}
	w.c.mu.Lock()
	w.c.sums.set(w.key, s)
	w.c.mu.Unlock()
	return nil
}

// Database and metadata paths.
const (
	dpkgStatus     = "/var/lib/dpkg/status"
	dpkgStatusD    = "/var/lib/dpkg/status.d/"
	dpkgInfo       = "/var/lib/dpkg/info/"
	dpkgDiversions = "/var/lib/dpkg/diversions"
	apkInstalled   = "/lib/apk/db/installed"
)

var rpmDatabases = []string{
	"/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages.db", "/var/lib/rpm/Packages",
	"/usr/lib/sysimage/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/Packages.db", "/usr/lib/sysimage/rpm/Packages",
}

// Keep reports whether p is a database or metadata file the Collector keeps the bytes of.
func Keep(p string) bool {
	switch p {
	case dpkgStatus, dpkgDiversions, apkInstalled, "/etc/os-release", "/usr/lib/os-release":
		return true
	}
	if strings.HasPrefix(p, dpkgInfo) {
		return strings.HasSuffix(p, ".list") || strings.HasSuffix(p, ".md5sums") || strings.HasSuffix(p, ".conffiles")
	}
	if strings.HasPrefix(p, dpkgStatusD) {
		return true
	}
	for _, db := range rpmDatabases {
		if p == db {
			return true
		}
	}
	dir, base := path.Split(p)
	switch {
	case strings.HasSuffix(dir, ".dist-info/"):
		return base == "METADATA" || base == "RECORD"
	case strings.HasSuffix(dir, ".egg-info/"):
		return base == "PKG-INFO"
	case strings.HasSuffix(p, ".egg-info"):
		return true // a single-file egg-info is the PKG-INFO itself
	case base == "package.json":
		return npmPackageDir(path.Dir(p)) != "" || debianNodeDir(path.Dir(p))
	}
	return false
}

// debianCopyright reports whether p is a Debian package's copyright file,
// /usr/share/doc/<pkg>/copyright.
func debianCopyright(p string) bool {
	rest, ok := strings.CutPrefix(p, "/usr/share/doc/")
	if !ok {
		return false
	}
	name, file, ok := strings.Cut(rest, "/")
	return ok && name != "" && file == "copyright"
}

// debianNodeDir reports whether dir is a module directory where Debian's node-* packages
// install them: /usr/share/nodejs/x, /usr/lib/nodejs/x, /usr/lib/<triplet>/nodejs/x, or
// @scope/x below one of those. Their package.json is the module's own, as in node_modules.
func debianNodeDir(dir string) bool {
	parent, name := path.Split(dir)
	parent = path.Clean(parent)
	if name == "" || strings.HasPrefix(name, ".") {
		return false
	}
	if strings.HasPrefix(path.Base(parent), "@") {
		parent = path.Dir(parent)
	}
	switch {
	case parent == "/usr/share/nodejs", parent == "/usr/lib/nodejs":
		return true
	case path.Base(parent) == "nodejs" && path.Dir(path.Dir(parent)) == "/usr/lib":
		return true // /usr/lib/x86_64-linux-gnu/nodejs
	}
	return false
}

// npmPackageDir returns dir when it is a package directly under node_modules
// (node_modules/x or node_modules/@scope/x), else "".
func npmPackageDir(dir string) string {
	parent, name := path.Split(dir)
	parent = strings.TrimSuffix(parent, "/")
	if strings.HasPrefix(name, ".") || name == "" {
		return ""
	}
	if path.Base(parent) == "node_modules" {
		return dir
	}
	if strings.HasPrefix(path.Base(parent), "@") && path.Base(path.Dir(parent)) == "node_modules" {
		return dir
	}
	return ""
}

// managedRoots are the trees package managers install into; files elsewhere (home
// directories, /tmp, /app) get no extra digests.
var managedRoots = []string{"/usr/", "/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/", "/etc/", "/opt/", "/boot/", "/var/lib/", "/var/www/"}

func managed(p string) bool {
	for _, r := range managedRoots {
		if strings.HasPrefix(p, r) {
			return !strings.HasPrefix(p, "/usr/local/")
		}
	}
	return false
}

// managerStateDirs hold a package manager's own state (its database, apt's package lists:
// tens of megabytes of text in an image that ran apt-get update), which no package ships.
// Their files get no md5 or sha1 in the pass (the ELF mark still); were one listed by a
// crafted database after all, Check would re-read it from its layer.
var managerStateDirs = []string{"/var/lib/dpkg/", "/var/lib/apt/lists/", "/var/lib/rpm/", "/lib/apk/db/"}

func managerState(p string) bool {
	for _, d := range managerStateDirs {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

func isJavaArchive(p string) bool {
	switch path.Ext(p) {
	case ".jar", ".war", ".ear", ".jpi", ".hpi":
		return true
	}
	return false
}

// GoBuildInfoMagic starts the build information of a Go program.
const GoBuildInfoMagic = "\xff Go buildinf:"

// HasGoBuildInfo reports whether data holds GoBuildInfoMagic, as bytes.Contains would. It
// searches for the magic's tail and reads the head before each: 0xff is among the commonest
// bytes of machine code, 'b' is rare in it, and the search skips ahead so much faster (about
// six times on Debian's libraries and programs).
func HasGoBuildInfo(data []byte) bool {
	head, tail := GoBuildInfoMagic[:5], []byte(GoBuildInfoMagic[5:])
	for off := 0; ; {
		i := bytes.Index(data[off:], tail)
		if i < 0 {
			return false
		}
		i += off
		if i >= len(head) && string(data[i-len(head):i]) == head {
			return true
		}
		off = i + 1
	}
}

// goPackages reads the build info of a Go binary: its main module, the modules it was built
// from, and the standard library at the toolchain's version.
func goPackages(p string, data []byte) []Package {
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	files := []File{{Path: p}}
	out := []Package{{Ecosystem: Golang, Name: "stdlib", Version: strings.TrimPrefix(bi.GoVersion, "go"), Location: p, Files: files}}
	if bi.Main.Path != "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		out = append(out, Package{Ecosystem: Golang, Name: bi.Main.Path, Version: bi.Main.Version, Location: p, Files: files})
	}
	for _, d := range bi.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		out = append(out, Package{Ecosystem: Golang, Name: m.Path, Version: m.Version, Location: p, Files: files})
	}
	return out
}

// javaPackages reads pom.properties (preferred) or MANIFEST.MF from a Java archive, and the
// archives nested in it (Spring Boot's BOOT-INF/lib), one level deep. What it decompresses is
// bounded: a metadata file to maxJarMetadata bytes, nested archives to maxNestedJars bytes in
// all, whatever sizes the archive claims.
func javaPackages(p string, data []byte, depth int) []Package {
	budget := int64(maxNestedJars)
	return readJava(p, data, depth, &budget)
}

const (
	maxJarMetadata = 1 << 20
	maxNestedJars  = 256 << 20
)

func readJava(p string, data []byte, depth int, budget *int64) []Package {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	var out []Package
	var manifest map[string]string
	poms := 0
	for _, f := range zr.File {
		switch {
		case strings.HasPrefix(f.Name, "META-INF/maven/") && strings.HasSuffix(f.Name, "/pom.properties"):
			props := readProperties(f)
			if props["artifactId"] != "" && props["version"] != "" {
				out = append(out, Package{Ecosystem: Maven, Name: props["groupId"] + ":" + props["artifactId"], Version: props["version"], Location: p, Files: []File{{Path: p}}})
				poms++
			}
		case f.Name == "META-INF/MANIFEST.MF":
			manifest = readManifest(f)
		case depth == 0 && isJavaArchive(f.Name) && f.UncompressedSize64 < 64<<20 && int64(f.UncompressedSize64) <= *budget:
			*budget -= int64(f.UncompressedSize64)
			if b := readZipFile(f, int64(f.UncompressedSize64)); b != nil {
				out = append(out, readJava(p+"!/"+f.Name, b, depth+1, budget)...)
			}
		}
	}
	if poms == 0 && manifest != nil {
		name := firstOf(manifest, "Implementation-Title", "Bundle-SymbolicName", "Specification-Title")
		version := firstOf(manifest, "Implementation-Version", "Bundle-Version", "Specification-Version")
		if name != "" && version != "" {
			if g := firstOf(manifest, "Implementation-Vendor-Id"); g != "" && !strings.Contains(name, ":") {
				name = g + ":" + name
			}
			out = append(out, Package{Ecosystem: Maven, Name: name, Version: version, Location: p, Files: []File{{Path: p}}})
		}
	}
	if manifest != nil && manifest["Bundle-License"] != "" {
		// The manifest speaks for the archive's own package: only when the archive names one
		// (a shaded archive carries the pom.properties of what it absorbed), never for the
		// archives nested in it.
		own := -1
		for i := range out {
			if out[i].Location == p {
				if own >= 0 {
					own = -2
					break
				}
				own = i
			}
		}
		if own >= 0 {
			out[own].Licenses = manifestLicenses(manifest["Bundle-License"])
		}
	}
	return out
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(m[k]); v != "" {
			if i := strings.IndexByte(v, ';'); i >= 0 { // Bundle-SymbolicName: x;singleton:=true
				v = v[:i]
			}
			return v
		}
	}
	return ""
}

// readZipFile reads a member of at most limit bytes; nil when it is bigger or unreadable.
func readZipFile(f *zip.File, limit int64) []byte {
	rc, err := f.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	var b bytes.Buffer
	if n, err := b.ReadFrom(io.LimitReader(rc, limit+1)); err != nil || n > limit {
		return nil
	}
	return b.Bytes()
}

func readProperties(f *zip.File) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(readZipFile(f, maxJarMetadata)), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// readManifest reads a JAR manifest's main section, joining continuation lines.
func readManifest(f *zip.File) map[string]string {
	m := map[string]string{}
	text := strings.ReplaceAll(string(readZipFile(f, maxJarMetadata)), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\n ", "")
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			break // the main section ends at the first blank line
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// layerState is what a Collector gathered from one layer, by path: the form SaveLayer and
// RestoreLayer exchange. It holds no layer index, as a layer may sit elsewhere in another
// image.
type layerState struct {
	Kept     map[string][]byte
	Sums     map[string]stateSums
	Found    map[string][]Package
	Licenses map[string][]string
}

type stateSums struct {
	MD5  [md5.Size]byte
	SHA1 [sha1.Size]byte
	Has  uint8
	ELF  bool
}

// SaveLayer encodes what the Collector gathered from layer: the database and metadata files
// it kept, the file sums and the language packages found. RestoreLayer takes it back, for the
// same layer at any position, without the layer being read again.
func (c *Collector) SaveLayer(layer int) ([]byte, error) {
	st := layerState{Kept: map[string][]byte{}, Sums: map[string]stateSums{}, Found: map[string][]Package{}, Licenses: map[string][]string{}}
	c.settle()
	c.mu.Lock()
	for k, v := range c.kept {
		if k.layer == layer {
			st.Kept[k.path] = v
		}
	}
	for p, s := range c.restored[layer] {
		st.Sums[p] = s
	}
	for p, s := range c.sums[layer] {
		st.Sums[p] = stateSums{MD5: s.md5, SHA1: s.sha1, Has: s.has, ELF: s.elf}
	}
	for k, ps := range c.found {
		if k.layer == layer {
			st.Found[k.path] = ps
		}
	}
	for k, lic := range c.licenses {
		if k.layer == layer {
			st.Licenses[k.path] = lic
		}
	}
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(&st)
	c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("saving the package state of layer %d: %w", layer, err)
	}
	return b.Bytes(), nil
}

// RestoreLayer adds a SaveLayer state to the Collector as layer's, as if the layer had been
// visited. On error the Collector is unchanged. With a ParseCache, a state is decoded once
// per content for the run: an audit restores its images' shared layers again and again.
func (c *Collector) RestoreLayer(layer int, state []byte) error {
	st, err := c.cache.decodeState(state)
	if err != nil {
		return fmt.Errorf("restoring the package state of layer %d: %w", layer, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, data := range st.Kept {
		switch p {
		case dpkgStatus:
			c.sawDpkg.Store(true)
		case apkInstalled:
			c.sawAPK.Store(true)
		}
		c.kept[layerPath{layer, p}] = data
		delete(c.parsed, layerPath{layer, p}) // parsed when Inventory needs it
	}
	delete(c.sums, layer) // the state's sums stand for the layer's
	c.restored[layer] = st.Sums
	for p, ps := range st.Found {
		// The state may be another Collector's too: the layer is this one's to set.
		ps = slices.Clone(ps)
		for i := range ps {
			ps[i].Layer = layer
		}
		c.found[layerPath{layer, p}] = ps
	}
	for p, lic := range st.Licenses {
		c.licenses[layerPath{layer, p}] = lic
	}
	return nil
}

// sumsOf returns the sums of the file k: Visit's, Stream's or rehash's, else those of a
// restored layer. c.mu is held.
func (c *Collector) sumsOf(k layerPath) (fileSums, bool) {
	if s, ok := c.sums.get(k); ok {
		return s, true
	}
	if s, ok := c.restored[k.layer][k.path]; ok {
		return fileSums{md5: s.MD5, sha1: s.SHA1, has: s.Has, elf: s.ELF}, true
	}
	return fileSums{}, false
}
