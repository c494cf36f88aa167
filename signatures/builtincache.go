package signatures

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hillu/go-yara/v4"
)

// The built-in rules are the same on every run of one Strata, yet compiling them is most of
// what a scan of a small image costs (about a tenth of a second of the 0.35 s a command line
// scan of the demo image took). Each class's compiled set is kept in the cache directory as a
// file named by its class and the hash of what went into it, and loaded instead the next time.

// builtinCacheFormat names what a cached built-in set is: a change of the compiler's set-up
// (newCompiler) beyond its externals changes it.
const builtinCacheFormat = "strata-builtin-yara-1"

// builtinClasses is how many classes of file the built-in rules are compiled for (text, pages,
// binary, ELF, named: see compileSources).
const builtinClasses = 5

// builtinCachePrefix starts the names of the cached built-in sets; they are files, which the
// user rules' pruning (directories) leaves alone.
const builtinCachePrefix = "builtin-"

// builtinCachePath is where the compiled set of class name, made of srcs, is cached under dir.
func builtinCachePath(dir, name string, srcs []source) string {
	h := sha256.New()
	// the compiler's externals, with the ELF ones' types, are part of the compiled set
	fmt.Fprintf(h, "%s\x00%q\x00%q\x00%#v\x00", builtinCacheFormat, externals, elfExternals, zeroELFFacts.values())
	for _, s := range srcs {
		var n [8]byte
		for _, b := range [][]byte{[]byte(s.namespace), []byte(s.name), s.text} {
			binary.BigEndian.PutUint64(n[:], uint64(len(b)))
			h.Write(n[:])
			h.Write(b)
		}
	}
	return filepath.Join(dir, builtinCachePrefix+name+"-"+hex.EncodeToString(h.Sum(nil))[:32]+".yarc")
}

// compileClass compiles the built-in rules of class name, or loads them from the cache under
// dir ("" for none). A set that cannot be read from the cache (another libyara's format, a
// torn file) is compiled; one that compiled cleanly is saved for the next run, replacing the
// class's older sets. A cache that cannot be written costs the next run a compile, nothing else.
func compileClass(dir, name string, srcs []source) (rules *yara.Rules, warnings []Diagnostic, cached bool, err error) {
	var path string
	if dir != "" {
		path = builtinCachePath(dir, name, srcs)
		// By name: libyara reads the file with stdio.
		if r, err := yara.LoadRules(path); err == nil {
			return r, nil, true, nil
		}
	}
	yr, warnings, err := compileGroup(srcs)
	if err != nil || path == "" || len(warnings) > 0 {
		return yr, warnings, false, err
	}
	_ = saveBuiltin(yr, path)
	return yr, nil, false, nil
}

// saveBuiltin writes yr to path through a temporary file and removes the class's other sets.
func saveBuiltin(yr *yara.Rules, path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-builtin-")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := yr.Save(tmp.Name()); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	base := filepath.Base(path)
	class := base[:strings.LastIndexByte(base, '-')+1] // builtin-<name>-
	old, _ := filepath.Glob(filepath.Join(dir, class+"*.yarc"))
	for _, o := range old {
		if filepath.Base(o) != base {
			os.Remove(o)
		}
	}
	return nil
}
