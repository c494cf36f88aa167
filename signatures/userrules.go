package signatures

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hillu/go-yara/v4"
)

// userRules are the user rules compiled per class of file (see scope.go), and within a class
// apart by whether a rule's condition says what a file must show (words, runs of hex bytes,
// bytes at an offset, a size: see prefilter.go and formula.go): the rules that do are given to
// libyara only for the files that show what one of them needs.
type userRules struct {
	sets []*yara.Rules
	// vars says which externals each set's rules name: the others need not be set per file.
	vars [][5]bool
	// needs are what each set's rules need of a file, nil for a set that sees every file of its
	// parts; pre are the prefilters made of them.
	needs []*need
	pre   []*prefilter
	// class maps a class of file to the sets its files are scanned with.
	class [][]userPart
}

// userPart is a set a class of file is scanned with, and the range of sizes some rule of the
// class in the set allows: files of other sizes are not scanned with it.
type userPart struct {
	Set  int      `json:"set"`
	Size [2]int64 `json:"size"`
	// Formulas are what the set's rules that the class's files are scanned with for need, in
	// the cache (see formula.go); filter is made of them. None for a set that sees every file of
	// the class.
	Formulas []*formulaJSON `json:"formulas,omitempty"`
	filter   *ruleFilter
}

func (u *userRules) empty() bool { return u.class == nil }

func (u *userRules) destroy() {
	for _, s := range u.sets {
		s.Destroy()
	}
	u.sets, u.vars, u.needs, u.pre, u.class = nil, nil, nil, nil, nil
}

// prefilters makes the sets' prefilters from their needs.
func (u *userRules) prefilters() {
	u.pre = make([]*prefilter, len(u.sets))
	for k, n := range u.needs {
		if n != nil {
			u.pre[k] = newPrefilter(n)
		}
	}
}

// needJSON is a need as the cache keeps it: bytes, not strings, since JSON keeps only valid
// UTF-8 text.
// countJSON is a countNeed in the cache.
type countJSON struct {
	Bytes []byte `json:"bytes"`
	Mask  []byte `json:"mask"`
	Min   int64  `json:"min"`
	Diff  bool   `json:"diff,omitempty"`
}

type needJSON struct {
	Words  [][]byte    `json:"words,omitempty"`
	Names  [][]byte    `json:"names,omitempty"`
	Exts   [][]byte    `json:"exts,omitempty"`
	Types  [][]byte    `json:"types,omitempty"`
	Paths  [][]byte    `json:"paths,omitempty"`
	Sizes  []int64     `json:"sizes,omitempty"`
	Hashes []string    `json:"hashes,omitempty"`
	Counts []countJSON `json:"counts,omitempty"`
}

func toBytes(ss []string) [][]byte {
	var out [][]byte
	for _, s := range ss {
		out = append(out, []byte(s))
	}
	return out
}

func fromBytes(bs [][]byte) []string {
	var out []string
	for _, b := range bs {
		out = append(out, string(b))
	}
	return out
}

func (n *need) toJSON() *needJSON {
	if n == nil {
		return nil
	}
	j := &needJSON{Words: toBytes(n.words), Names: toBytes(n.names), Exts: toBytes(n.exts), Types: toBytes(n.types), Paths: toBytes(n.paths), Sizes: n.sizes, Hashes: n.hashes}
	for _, c := range n.counts {
		j.Counts = append(j.Counts, countJSON{c.pat.bytes, c.pat.mask, c.min, c.pat.diff})
	}
	return j
}

// valid reports whether every counted pattern has as many mask bytes as bytes, and a whole byte.
func (j *needJSON) valid() bool {
	for _, c := range j.Counts {
		if len(c.Bytes) != len(c.Mask) || !slices.Contains(c.Mask, 0xff) {
			return false
		}
	}
	return true
}

func (j *needJSON) need() *need {
	if j == nil {
		return nil
	}
	n := &need{words: fromBytes(j.Words), names: fromBytes(j.Names), exts: fromBytes(j.Exts), types: fromBytes(j.Types), paths: fromBytes(j.Paths), sizes: j.Sizes, hashes: j.Hashes}
	for _, c := range j.Counts {
		n.counts = append(n.counts, countNeed{pattern{c.Bytes, c.Mask, c.Diff}, c.Min})
	}
	return n
}

// userCompiled is what compiling the user rules gives: the sets, the rules they report and the
// compiler's warnings.
type userCompiled struct {
	rules    userRules
	list     []Rule
	warnings []Diagnostic
	cached   bool // loaded from the cache
}

// cacheFormat names the layout of a compiled-rules cache entry; a change of scoping or of what
// the manifest holds changes it, so that older entries are not read.
const cacheFormat = "strata-yara-cache-13"

var includeDirective = regexp.MustCompile(`(?m)^[ \t]*include[ \t]+"`)

// cacheKey identifies a user rule set's compiled form: the format, the externals and every
// file's namespace and bytes. Rules that include other files are not cached (their bytes are
// not all here).
func cacheKey(srcs []source) (string, bool) {
	h := sha256.New()
	h.Write([]byte(cacheFormat + "\x00" + strings.Join(externals, ",") + "\x00"))
	for _, s := range srcs {
		if includeDirective.Match(s.text) {
			return "", false
		}
		var n [8]byte
		for _, b := range [][]byte{[]byte(s.namespace), []byte(s.name), s.text} {
			binary.BigEndian.PutUint64(n[:], uint64(len(b)))
			h.Write(n[:])
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// compileUser compiles the user rules: from the cache under cacheDir when it holds them
// (cacheDir "" for none), else from source, scoped per class of file unless noScope, and
// saved to the cache. list locates the rules a compiled set holds.
func compileUser(srcs []source, cacheDir string, noScope bool, list func(*yara.Rules) []Rule) (*userCompiled, error) {
	key, cacheable := cacheKey(srcs)
	cacheable = cacheable && cacheDir != "" && !noScope
	if cacheable {
		if uc, err := loadCached(cacheDir, key); err == nil {
			return uc, nil
		}
	}
	full, warnings, err := compileGroup(srcs)
	if err != nil {
		return nil, err
	}
	uc := &userCompiled{list: list(full), warnings: warnings}
	all := [5]bool{true, true, true, true, true}
	uc.rules = userRules{sets: []*yara.Rules{full}, vars: [][5]bool{all}, needs: []*need{nil}, class: make([][]userPart, numClasses)}
	for c := range uc.rules.class {
		uc.rules.class[c] = []userPart{{Set: 0, Size: [2]int64{0, math.MaxInt64}}}
	}
	uc.rules.prefilters()
	if noScope {
		return uc, nil
	}
	if scoped, err := scopeUser(srcs); err == nil {
		full.Destroy()
		uc.rules = *scoped
	}
	if cacheable {
		// A cache that cannot be written costs the next scan a compile, nothing else.
		_ = saveCached(cacheDir, key, uc)
	}
	for _, parts := range uc.rules.class {
		for i := range parts {
			parts[i].Formulas = nil // kept as filters
		}
	}
	return uc, nil
}

// scopeUser compiles srcs once per class of file, each set with the rules that can match files
// of its class (and what they need), identical sets once. Within a class, the rules whose
// formulas (or needs) rule files out go into a set of their own, filtered by them; the others
// into a set that sees every file of the class.
func scopeUser(srcs []source) (*userRules, error) {
	split := make([]*fileRules, len(srcs))
	// ruleNeeds[c][i][j] is what rule j of file i needs of a file of class c; ruleForms[c][i][j]
	// the same as a formula.
	ruleNeeds := make([][][]*need, numClasses)
	ruleForms := make([][][]*formula, numClasses)
	for c := range ruleNeeds {
		ruleNeeds[c] = make([][]*need, len(srcs))
		ruleForms[c] = make([][]*formula, len(srcs))
	}
	for i, s := range srcs {
		if fr, err := splitRules(s.text); err == nil {
			split[i] = fr
			for c := range ruleNeeds {
				// Each file is its own namespace: its rules name only its own.
				ruleNeeds[c][i] = fr.ruleNeeds(map[string]*need{}, c)
				ruleForms[c][i] = fr.ruleFormulas(map[string]*formula{}, c)
			}
		}
	}
	type member struct {
		file  int
		rules []int // nil: the whole file
	}
	var members [][]member
	var keys []string
	u := &userRules{class: make([][]userPart, numClasses)}
	for c := 0; c < numClasses; c++ {
		for _, gated := range []bool{false, true} {
			var m []member
			var forms []*formula
			all := &need{}
			key := strings.Builder{}
			fmt.Fprintf(&key, "%v;", gated)
			lo, hi := int64(math.MaxInt64), int64(-1)
			for i, fr := range split {
				if fr == nil {
					if !gated {
						m = append(m, member{file: i})
						fmt.Fprintf(&key, "%d*;", i)
						lo, hi = 0, math.MaxInt64
					}
					continue
				}
				in := map[int]bool{}
				for j, r := range fr.rules {
					n, form := ruleNeeds[c][i][j], ruleForms[c][i][j]
					if form == nil {
						form = leafFormula(n) // nil but where the need has words worth looking for
					}
					if r.private || form.selective() != gated {
						continue
					}
					if l, h, ok := r.allows.inClass(c); ok {
						lo, hi = min(lo, l), max(hi, h)
						in[j] = true
						for _, d := range r.deps {
							in[d] = true
						}
						if gated {
							all = unionNeed(all, n)
							forms = append(forms, form)
						}
					}
				}
				if len(in) == 0 {
					continue
				}
				rules := make([]int, 0, len(in))
				for j := range in {
					rules = append(rules, j)
				}
				slices.Sort(rules)
				m = append(m, member{file: i, rules: rules})
				fmt.Fprintf(&key, "%d:%v;", i, rules)
			}
			if len(m) == 0 {
				continue
			}
			if !gated {
				all, forms = nil, nil
			}
			k := slices.Index(keys, key.String())
			if k < 0 {
				k = len(keys)
				keys = append(keys, key.String())
				members = append(members, m)
				u.needs = append(u.needs, all)
			} else {
				// The same rules for another class: a file of either shows what one of the
				// classes needs.
				u.needs[k] = unionNeed(u.needs[k], all)
			}
			part := userPart{Set: k, Size: [2]int64{lo, hi}}
			if gated {
				if part.filter = newRuleFilter(forms); part.filter != nil {
					for _, f := range forms {
						part.Formulas = append(part.Formulas, f.toJSON())
					}
				}
			}
			u.class[c] = append(u.class[c], part)
		}
	}
	// Compile the distinct sets, a few at a time.
	u.sets = make([]*yara.Rules, len(members))
	u.vars = make([][5]bool, len(members))
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for k, m := range members {
		var set []source
		for _, mb := range m {
			s := srcs[mb.file]
			if mb.rules == nil {
				set = append(set, s)
				u.vars[k] = [5]bool{true, true, true, true, true}
				continue
			}
			fr := split[mb.file]
			var text bytes.Buffer
			mods := map[string]bool{}
			for _, j := range mb.rules {
				for _, mod := range fr.rules[j].modules {
					mods[mod] = true
				}
				for v, name := range externals {
					if fr.rules[j].idents[name] {
						u.vars[k][v] = true
					}
				}
			}
			for _, mod := range fr.imports {
				if mods[mod] {
					text.WriteString("import " + strconv.Quote(mod) + "\n")
				}
				delete(mods, mod) // once
			}
			for _, j := range mb.rules {
				r := fr.rules[j]
				text.Write(s.text[r.start:r.end])
				text.WriteString("\n")
			}
			set = append(set, source{group: groupUser, name: s.name, namespace: s.namespace, text: text.Bytes()})
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			u.sets[k], _, errs[k] = compileGroup(set)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		u.destroy()
		return nil, fmt.Errorf("compiling user rules per class of file: %w", err)
	}
	u.prefilters()
	return u, nil
}

// manifest is a cache entry's description of what it holds.
type manifest struct {
	Format   string       `json:"format"`
	Key      string       `json:"key"`
	Sets     int          `json:"sets"`
	Vars     [][5]bool    `json:"vars"`
	Needs    []*needJSON  `json:"needs"`
	Class    [][]userPart `json:"class"`
	Rules    []Rule       `json:"rules"`
	Warnings []Diagnostic `json:"warnings"`
}

func loadCached(dir, key string) (*userCompiled, error) {
	entry := filepath.Join(dir, key)
	b, err := os.ReadFile(filepath.Join(entry, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading compiled rules %s: %w", entry, err)
	}
	if m.Format != cacheFormat || m.Key != key || len(m.Vars) != m.Sets || len(m.Needs) != m.Sets || len(m.Class) != numClasses {
		return nil, fmt.Errorf("reading compiled rules %s: not this rule set's", entry)
	}
	uc := &userCompiled{list: m.Rules, warnings: m.Warnings, rules: userRules{vars: m.Vars, needs: make([]*need, m.Sets), class: m.Class}, cached: true}
	for k, n := range m.Needs {
		uc.rules.needs[k] = n.need()
		if n != nil && !n.valid() {
			return nil, fmt.Errorf("reading compiled rules %s: set %d needs a malformed pattern", entry, k)
		}
	}
	for _, parts := range m.Class {
		for i, p := range parts {
			if p.Set < 0 || p.Set >= m.Sets {
				return nil, fmt.Errorf("reading compiled rules %s: class set %d out of range", entry, p.Set)
			}
			if len(p.Formulas) == 0 {
				continue
			}
			forms := make([]*formula, len(p.Formulas))
			for k, j := range p.Formulas {
				var ok bool
				if forms[k], ok = j.formula(); !ok {
					return nil, fmt.Errorf("reading compiled rules %s: a malformed rule formula", entry)
				}
			}
			parts[i].filter, parts[i].Formulas = newRuleFilter(forms), nil
		}
	}
	for k := 0; k < m.Sets; k++ {
		// By name: libyara reads the file with stdio; through a Go reader every one of its
		// many small reads would cross cgo.
		r, err := yara.LoadRules(filepath.Join(entry, "set-"+strconv.Itoa(k)+".yarc"))
		if err != nil {
			uc.rules.destroy()
			return nil, fmt.Errorf("reading compiled rules %s: %w", entry, err)
		}
		uc.rules.sets = append(uc.rules.sets, r)
	}
	uc.rules.prefilters()
	now := time.Now()
	_ = os.Chtimes(entry, now, now) // recently used: kept by pruning
	return uc, nil
}

// maxCacheEntries is how many compiled rule sets the cache keeps, the most recently used.
const maxCacheEntries = 4

func saveCached(dir, key string, uc *userCompiled) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for k, s := range uc.rules.sets {
		if err := s.Save(filepath.Join(tmp, "set-"+strconv.Itoa(k)+".yarc")); err != nil {
			return err
		}
	}
	needs := make([]*needJSON, len(uc.rules.needs))
	for k, n := range uc.rules.needs {
		needs[k] = n.toJSON()
	}
	b, err := json.Marshal(manifest{Format: cacheFormat, Key: key, Sets: len(uc.rules.sets), Vars: uc.rules.vars,
		Needs: needs, Class: uc.rules.class, Rules: uc.list, Warnings: uc.warnings})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "manifest.json"), b, 0o600); err != nil {
		return err
	}
	entry := filepath.Join(dir, key)
	os.RemoveAll(entry)
	if err := os.Rename(tmp, entry); err != nil {
		return err
	}
	return pruneCache(dir)
}

// pruneCache removes all but the maxCacheEntries most recently used entries.
func pruneCache(dir string) error {
	des, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	type entry struct {
		name string
		mod  int64
	}
	var es []entry
	for _, de := range des {
		if !de.IsDir() || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		if fi, err := de.Info(); err == nil {
			es = append(es, entry{de.Name(), fi.ModTime().UnixNano()})
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].mod > es[j].mod })
	for _, e := range es[min(len(es), maxCacheEntries):] {
		os.RemoveAll(filepath.Join(dir, e.name))
	}
	return nil
}
