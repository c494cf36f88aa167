package packages

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"path"
	"strings"
	"sync"
	"unsafe"
)

// parsedFile is what the parsers made of one kept database or metadata file, parsed as the
// read pass hands the file over (Visit runs on the goroutines that read the layers) rather
// than in Inventory, which runs alone once the tree is stacked. It is shared, between the
// Collectors of a run through a ParseCache, and never changed once made: Inventory copies
// what it changes.
type parsedFile struct {
	size int // of the bytes parsed
	db   dbKind
	// db's: the packages of a dpkg status file (or status.d stanza) or of apk's database,
	// with their versions by name and architecture (what since compares); a dpkg .list; an
	// md5sums file; dpkg's diversions.
	pkgs       []Package
	vers       map[string]string
	list       []string
	sums       map[string]string
	diversions []Diversion
	dbErr      error
	// lang's: the package of a Python METADATA or PKG-INFO or of a package.json (metaOK when
	// the file names one), or a dist-info RECORD's files.
	lang    langKind
	meta    Package
	metaOK  bool
	record  []File
	langErr error
}

// dbKind is what a kept file is to a distribution's package manager.
type dbKind uint8

const (
	dbNone dbKind = iota
	dbDpkgStatus
	dbDpkgList
	dbMD5sums
	dbDiversions
	dbAPK
)

// langKind is what a kept file is to a language's package manager.
type langKind uint8

const (
	langNone     langKind = iota
	langDistInfo          // a dist-info's METADATA
	langEggInfo           // an egg-info's PKG-INFO, or a single-file egg-info
	langRecord            // a dist-info's RECORD
	langNPM               // a package.json
)

// kindsOf says what a kept file at p is parsed as; Inventory reads each kind from the same
// places.
func kindsOf(p string) (dbKind, langKind) {
	db := dbNone
	switch {
	case p == dpkgStatus:
		db = dbDpkgStatus
	case strings.HasPrefix(p, dpkgStatusD) && !strings.HasSuffix(p, ".md5sums"):
		db = dbDpkgStatus
	case strings.HasPrefix(p, dpkgStatusD):
		db = dbMD5sums
	case strings.HasPrefix(p, dpkgInfo):
		switch _, _, kind := dpkgInfoName(p); kind {
		case "list":
			db = dbDpkgList
		case "md5sums":
			db = dbMD5sums
		}
	case p == dpkgDiversions:
		db = dbDiversions
	case p == apkInstalled:
		db = dbAPK
	}
	lang := langNone
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	switch {
	case strings.HasSuffix(dir, ".dist-info") && base == "METADATA":
		lang = langDistInfo
	case strings.HasSuffix(dir, ".egg-info") && base == "PKG-INFO", strings.HasSuffix(p, ".egg-info"):
		lang = langEggInfo
	case strings.HasSuffix(dir, ".dist-info") && base == "RECORD":
		lang = langRecord
	case base == "package.json":
		lang = langNPM
	}
	return db, lang
}

// parseKept parses the kept file at p, each parser behind a recover boundary: a parser that
// fails leaves its error for Inventory to report if it uses the file. nil when p is nothing
// Inventory parses.
func parseKept(p string, data []byte) *parsedFile {
	db, lang := kindsOf(p)
	if db == dbNone && lang == langNone {
		return nil
	}
	pf := &parsedFile{size: len(data), db: db, lang: lang}
	// The kept bytes are never written to once kept: the text the parsers read, and the
	// strings they cut from it, share them rather than copy every database.
	text := unsafe.String(unsafe.SliceData(data), len(data))
	switch db {
	case dbDpkgStatus:
		pf.pkgs, pf.dbErr = guard(p, func() []Package { return parseDpkgStatus(text, p) })
		if pf.dbErr == nil {
			pf.vers = versions(pf.pkgs)
		}
	case dbAPK:
		pf.pkgs, pf.dbErr = guard(p, func() []Package { return parseAPKInstalled(text) })
		if pf.dbErr == nil {
			pf.vers = versions(pf.pkgs)
		}
	case dbDpkgList:
		pf.list, pf.dbErr = guard(p, func() []string { return parseList(text) })
	case dbMD5sums:
		pf.sums, pf.dbErr = guard(p, func() map[string]string { return parseMD5sums(text) })
	case dbDiversions:
		pf.diversions, pf.dbErr = guard(p, func() []Diversion { return parseDiversions(text) })
	}
	switch lang {
	case langDistInfo, langEggInfo:
		_, pf.langErr = guard(p, func() struct{} { pf.meta, pf.metaOK = parsePythonMetadata(text, p); return struct{}{} })
	case langNPM:
		_, pf.langErr = guard(p, func() struct{} { pf.meta, pf.metaOK = parsePackageJSON(data, p); return struct{}{} })
	case langRecord:
		pf.record, pf.langErr = guard(p, func() []File { return parseRecord(text, path.Dir(path.Dir(p))) })
	}
	return pf
}

// ParseCache shares the parsed package databases and metadata files between the Collectors
// of a run, such as the images of an audit built on the same bases: a file is parsed once per
// path and content, known by the sha256 the read pass computed of its bytes. Its methods are
// safe for concurrent use; a nil ParseCache caches nothing.
type ParseCache struct {
	mu    sync.Mutex
	m     map[parseKey]*parsedFile
	size  int64
	limit int64
	hits  int64
	// states are decoded layer states (SaveLayer's) by the sha256 of their encoding.
	states map[[sha256.Size]byte]*layerState
}

type parseKey struct{ path, sum string }

// NewParseCache returns a ParseCache that holds about limit bytes at most: past that it keeps
// what it has and takes nothing more.
func NewParseCache(limit int64) *ParseCache {
	return &ParseCache{m: make(map[parseKey]*parsedFile), states: make(map[[sha256.Size]byte]*layerState), limit: limit}
}

// parsedCost estimates what a parsed file holds in memory: its bytes, which the strings cut
// from them keep alive, and about as much again in maps, slices and headers.
func parsedCost(pf *parsedFile) int64 { return 2*int64(pf.size) + 512 }

// get returns the parse of the file at p whose bytes (size of them) hash to sum, nil when
// none is cached.
func (pc *ParseCache) get(p, sum string, size int) *parsedFile {
	if pc == nil || sum == "" {
		return nil
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pf := pc.m[parseKey{p, sum}]
	if pf == nil || pf.size != size {
		return nil
	}
	pc.hits++
	return pf
}

// put keeps the parse of the file at p whose bytes hash to sum.
func (pc *ParseCache) put(p, sum string, pf *parsedFile) {
	if pc == nil || sum == "" || pf == nil {
		return
	}
	cost := parsedCost(pf)
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if _, ok := pc.m[parseKey{p, sum}]; ok || pc.size+cost > pc.limit {
		return
	}
	pc.m[parseKey{p, sum}] = pf
	pc.size += cost
}

// Stats returns how many parsed files the cache holds and how many times it served one (or a
// decoded layer state).
func (pc *ParseCache) Stats() (files int, hits int64) {
	if pc == nil {
		return 0, 0
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return len(pc.m), pc.hits
}

// decodeState decodes a SaveLayer state, once per content with a cache: what it returns is
// shared and must not be changed.
func (pc *ParseCache) decodeState(state []byte) (*layerState, error) {
	var key [sha256.Size]byte
	if pc != nil {
		key = sha256.Sum256(state)
		pc.mu.Lock()
		st := pc.states[key]
		if st != nil {
			pc.hits++
		}
		pc.mu.Unlock()
		if st != nil {
			return st, nil
		}
	}
	st := &layerState{}
	if err := gob.NewDecoder(bytes.NewReader(state)).Decode(st); err != nil {
		return nil, err
	}
	if pc != nil {
		// The decoded state holds about what its encoding does, twice over in maps.
		cost := 2*int64(len(state)) + 512
		pc.mu.Lock()
		if _, ok := pc.states[key]; !ok && pc.size+cost <= pc.limit {
			pc.states[key] = st
			pc.size += cost
		}
		pc.mu.Unlock()
	}
	return st, nil
}
