package signatures

import (
	"math"
	"slices"
	"strings"
)

// Rule formulas. A set's prefilter (a need) lets a file through when it shows one thing some
// rule of the set needs: a rule wanting "3 of them" of libc.so.6, GLIBC_2.2.5 and a rare word
// has all of every ELF file. A formula keeps what a rule's condition needs as the condition
// says it: all of the conjuncts of an "and", one of the alternatives of an "or", N of the
// strings of "N of them" (each string what every match of it holds: its words, or a run of its
// hex bytes), a size range of a filesize comparison. A file is given to libyara with a set only
// when some rule's formula holds for it. A formula is read soundly: a part it cannot read
// holds for every file, so it only ever lets through more files than the rules match.
// TestUserPrefilterSound holds this to libyara.

// formula is what a file shows wherever a rule's condition is true: at least k of subs hold,
// or the leaf's need shows (one of its alternatives), or the file's size is in [lo, hi]
// (sized), or the file holds the bytes of at from offset off. A nil *formula holds for every
// file; never holds for none.
type formula struct {
	k      int
	subs   []*formula
	leaf   *need
	sized  bool
	lo, hi int64
	never  bool
	ids    []int // the leaf's words: their indexes in the filter's word list
	// at: the file holds these bytes at offset off (a uintN(off) == V comparison).
	at  []byte
	off int64
}

var neverFormula = &formula{never: true}

// atLeast is the formula "k of subs hold", simplified: subs that hold for every file count as
// held, subs that never hold are left out.
func atLeast(k int, subs []*formula) *formula {
	var kept []*formula
	for _, s := range subs {
		switch {
		case s == nil:
			k--
		case s.never:
		default:
			kept = append(kept, s)
		}
	}
	switch {
	case k <= 0:
		return nil
	case len(kept) < k:
		return neverFormula
	case len(kept) == 1:
		return kept[0]
	}
	return &formula{k: k, subs: kept}
}

func leafFormula(n *need) *formula {
	switch {
	case n == nil:
		return nil
	case n.never:
		return neverFormula
	case n.quality() < minWord:
		// Words too short for the filter to look for: they rule nothing out.
		return nil
	}
	return &formula{leaf: n}
}

// ruleFormulas returns what each rule of the file needs of a file of the class (see classOf),
// as formulas, in order; known holds the formulas of the rules read before and gains the file's.
func (f *fileRules) ruleFormulas(known map[string]*formula, class int) []*formula {
	out := make([]*formula, len(f.rules))
	for i, r := range f.rules {
		strs := make([]strWords, len(r.strs))
		for j, st := range r.strs {
			first, best := hexPattern(st)
			if best == nil {
				best = xorPattern(st)
			}
			strs[j] = strWords{id: st.id, w: stringWords(st), pat: first, seg: best}
			strs[j].segs = hexRuns(st)
		}
		x := &needContext{strs: strs, hash: slices.Contains(f.imports, "hash"), imports: f.imports, class: class, forms: known}
		out[i] = condFormula(r.cond, x)
		// A global rule of the file must hold for every rule after it to match.
		for _, g := range f.rules[:i] {
			if g.global {
				out[i] = atLeast(2, []*formula{out[i], known[g.name]})
			}
		}
		known[r.name] = out[i]
	}
	return out
}

// condFormula is what a file shows wherever the condition toks is true.
func condFormula(toks []token, x *needContext) *formula {
	if len(toks) == 0 {
		return nil
	}
	if alts := split(toks, "or"); len(alts) > 1 {
		subs := make([]*formula, len(alts))
		for i, a := range alts {
			if subs[i] = condFormula(a, x); subs[i] == nil {
				return nil
			}
		}
		return atLeast(1, subs)
	}
	conj := split(toks, "and")
	subs := make([]*formula, len(conj))
	for i, c := range conj {
		subs[i] = conjunctFormula(c, x)
	}
	return atLeast(len(subs), subs)
}

func conjunctFormula(c []token, x *needContext) *formula {
	if len(c) >= 2 && c[0].text == "(" && c[len(c)-1].text == ")" && closes(c) {
		return condFormula(c[1:len(c)-1], x)
	}
	if x.neverIn(c) {
		return neverFormula
	}
	if f := fixedFormula(c); f != nil && !(x.class >= 0 && f.off == 0 && classHasMagic(x.class, f.at)) {
		return f
	}
	if _, ok := magicAllows(c); ok && x.class >= 0 {
		return nil
	}
	if f := matchedFormula(c, x.strs); f != nil {
		return f
	}
	if a, ok := sizeAllows(c); ok {
		switch {
		case len(a) == 0:
			return neverFormula
		case a[0].lo == 0 && a[0].hi == math.MaxInt64:
			return nil
		}
		return &formula{sized: true, lo: a[0].lo, hi: a[0].hi}
	}
	if len(c) == 0 || c[0].kind != tokIdent && c[0].kind != tokNum && c[0].kind != tokStr {
		return nil
	}
	if len(c) == 1 && !strings.HasPrefix(c[0].text, "$") {
		return x.forms[c[0].text]
	}
	if n := equalityNeed(c, x.hash, true); n != nil {
		return leafFormula(n)
	}
	if n := countedNeed(c, x.strs); n != nil {
		return leafFormula(n)
	}
	return stringsFormula(c, x.strs)
}

// fixedFormula reads "uintN(K) == V" (either way round, uint8 to uint32, either byte order,
// K and V numbers): the file holds V's bytes at offset K. On a file too short for the read
// the value is undefined and the comparison false, as a file without the bytes is read.
func fixedFormula(c []token) *formula {
	if len(c) != 6 {
		return nil
	}
	var fn, off, val token
	switch {
	case c[1].text == "(" && c[3].text == ")" && c[4].text == "==":
		fn, off, val = c[0], c[2], c[5]
	case c[3].text == "(" && c[5].text == ")" && c[1].text == "==":
		fn, off, val = c[2], c[4], c[0]
	default:
		return nil
	}
	f, ok := magicFuncs[fn.text]
	if !ok || fn.kind != tokIdent || off.kind != tokNum || val.kind != tokNum {
		return nil
	}
	k, ok := parseNumber(off.text)
	if !ok || k > math.MaxInt64/2 {
		return nil
	}
	v, ok := parseNumber(val.text)
	if !ok || v >= 1<<(8*f.width) {
		return nil // wider than the read: never equal, but left to libyara
	}
	return &formula{at: readBytes(v, f.width, f.big), off: k}
}

// classHasMagic reports whether the class's files start with a magic that b agrees with as far
// as both go: bytes at offset 0 every file of the class shows rule none of them out.
func classHasMagic(class int, b []byte) bool {
	for _, cm := range classMagic {
		if cm.bit == 1<<class {
			n := min(len(cm.magic), len(b))
			return cm.magic[:n] == string(b[:n])
		}
	}
	return false
}

// matchedFormula reads a conjunct that is one expression over the offset or length of a
// string's match (@a[1] < @b[1], !a[2] > 5, uint8(@a[1] + 4) == 0x90): without a match the
// value is undefined, which comparisons, arithmetic, functions and "not" keep, and a condition
// undefined is false. So every string whose @ or ! the conjunct reads must match. Words that
// can turn undefined into a value (see undefinedAbsorbers) leave the conjunct unread.
// TestUserPrefilterSound holds this to libyara.
func matchedFormula(c []token, strs []strWords) *formula {
	var subs []*formula
	for _, t := range c {
		if t.kind != tokIdent {
			continue
		}
		if undefinedAbsorbers[t.text] {
			return nil
		}
		if len(t.text) < 2 || t.text[0] != '@' && t.text[0] != '!' {
			continue
		}
		id := "$" + t.text[1:]
		for _, s := range strs {
			if s.id == id && id != "$" {
				subs = append(subs, stringFormula(s))
			}
		}
	}
	if len(subs) == 0 {
		return nil
	}
	return atLeast(len(subs), subs)
}

// stringFormula is what a file holds wherever the string s matches: what stringNeed says, and
// each run of three whole bytes or more of a hex string, wherever they are. (The need comes
// first: its words are found in the filter's one pass, the runs are counted only then. The
// runs' own words are not looked for: in machine code they are common, and every one more
// makes the pass slower than counting the runs where the need holds.)
func stringFormula(s strWords) *formula {
	subs := []*formula{leafFormula(stringNeed(s))}
	for _, r := range s.segs {
		if r.whole() >= 3 && !(s.w.quality() < minWord && r == s.seg) {
			subs = append(subs, leafFormula(&need{counts: []countNeed{{*r, 1}}}))
		}
	}
	return atLeast(len(subs), subs)
}

// stringsFormula is what a file holds wherever the string conjunct c is true: for N of some
// strings, N of what each holds.
func stringsFormula(c []token, strs []strWords) *formula {
	// $a, $a at N, $a in (A..B)
	if len(c) > 0 && strings.HasPrefix(c[0].text, "$") && c[0].text != "$" && (len(c) == 1 || len(c) >= 3 && (c[1].text == "at" || c[1].text == "in")) {
		for _, s := range strs {
			if s.id == c[0].text {
				return stringFormula(s)
			}
		}
		return nil
	}
	if len(c) < 3 || c[1].text != "of" {
		return leafFormula(stringsNeed(c, strs))
	}
	named, ok := ofStrings(c, strs)
	if !ok || len(named) == 0 {
		return nil
	}
	subs := make([]*formula, len(named))
	for i, s := range named {
		subs[i] = stringFormula(s)
	}
	want, ok := ofCount(c[0].text, len(subs))
	if !ok {
		return nil
	}
	return atLeast(want, subs)
}

// words appends the words of the formula's leaves to ws.
func (f *formula) words(ws []string) []string {
	if f == nil {
		return ws
	}
	if f.leaf != nil {
		ws = append(ws, f.leaf.words...)
	}
	for _, s := range f.subs {
		ws = s.words(ws)
	}
	return ws
}

// wordIDs appends the indexes of the formula's words to ids.
func (f *formula) wordIDs(ids []int) []int {
	if f == nil {
		return ids
	}
	ids = append(ids, f.ids...)
	for _, s := range f.subs {
		ids = s.wordIDs(ids)
	}
	return ids
}

// index sets the leaves' word indexes from the filter's word list.
func (f *formula) index(ids map[string]int) {
	if f == nil {
		return
	}
	if f.leaf != nil {
		f.ids = f.ids[:0]
		for _, w := range f.leaf.words {
			f.ids = append(f.ids, ids[w])
		}
	}
	for _, s := range f.subs {
		s.index(ids)
	}
}

// ruleFilter lets a file through to a set when some rule's formula holds for it. Its words are
// found in one pass over the file, a stretch at a time: after each, the rules a word found in
// it may make true are tried, and the first that holds ends the pass (a formula that holds with
// some of the file's words holds with all of them). Then the rules the file's name, path, size
// or digest may make true are tried, and last those that nothing named may (a size range that
// is all of an alternative, a count of hex bytes).
type ruleFilter struct {
	rules  []*formula
	words  []string
	grams  *gramFilter // nil when the formulas hold no words
	byWord [][]int32   // word index -> the rules it may make true
	// The rules a file of the name, extension, type, path, size or digest ("alg:hex") may make
	// true.
	byName, byExt, byType, byPath, byHash map[string][]int32
	bySize                                map[int64][]int32
	algs                                  []digestSizes // the digests byHash holds, and the sizes of file they are wanted for
	always                                []int32       // rules that hold, if at all, without any of those
}

// filterStretch is how many bytes (times the gram stride) the filter reads between tries.
const filterStretch = 16 << 10

func newRuleFilter(rules []*formula) *ruleFilter {
	f := &ruleFilter{}
	var ws []string
	for _, r := range rules {
		if r == nil {
			return nil // a rule that may match any file
		}
		if !r.never {
			f.rules = append(f.rules, r)
			ws = r.words(ws)
		}
	}
	slices.Sort(ws)
	f.words = slices.Compact(ws)
	ids := make(map[string]int, len(f.words))
	for i, w := range f.words {
		ids[w] = i
	}
	f.byWord = make([][]int32, len(f.words))
	f.byName, f.byExt, f.byType, f.byPath, f.byHash = map[string][]int32{}, map[string][]int32{}, map[string][]int32{}, map[string][]int32{}, map[string][]int32{}
	f.bySize = map[int64][]int32{}
	add := func(m map[string][]int32, k string, i int32) {
		if l := m[k]; len(l) == 0 || l[len(l)-1] != i {
			m[k] = append(l, i)
		}
	}
	for i, r := range f.rules {
		r.index(ids)
		var t triggers
		if !r.triggers(&t) {
			f.always = append(f.always, int32(i))
			continue
		}
		// Every word of the formula, not only those that make it true alone: a rule tried and
		// found false must be tried again whenever a stretch shows another word it holds.
		ws := r.wordIDs(nil)
		slices.Sort(ws)
		for _, w := range slices.Compact(ws) {
			f.byWord[w] = append(f.byWord[w], int32(i))
		}
		for _, n := range t.leaves {
			for _, v := range n.names {
				add(f.byName, v, int32(i))
			}
			for _, v := range n.exts {
				add(f.byExt, v, int32(i))
			}
			for _, v := range n.types {
				add(f.byType, v, int32(i))
			}
			for _, v := range n.paths {
				add(f.byPath, v, int32(i))
			}
			for _, v := range n.hashes {
				add(f.byHash, v, int32(i))
				alg, _, _ := strings.Cut(v, ":")
				k := slices.IndexFunc(f.algs, func(d digestSizes) bool { return d.alg == alg })
				if k < 0 {
					k = len(f.algs)
					f.algs = append(f.algs, digestSizes{alg: alg, exact: map[int64]bool{}, lo: math.MaxInt64, hi: -1})
				}
				lo, hi := r.sizes()
				if d := &f.algs[k]; lo == hi {
					d.exact[lo] = true
				} else {
					d.lo, d.hi = min(d.lo, lo), max(d.hi, hi)
				}
			}
			for _, v := range n.sizes {
				if l := f.bySize[v]; len(l) == 0 || l[len(l)-1] != int32(i) {
					f.bySize[v] = append(l, int32(i))
				}
			}
		}
	}
	slices.SortFunc(f.algs, func(a, b digestSizes) int { return strings.Compare(a.alg, b.alg) })
	if len(f.words) > 0 {
		f.grams = newGramFilter(f.words)
		for k := range f.grams.flat {
			f.grams.flat[k].id = ids[f.grams.flat[k].w]
		}
	}
	return f
}

// digestSizes are the sizes of file a digest is wanted for: those in exact, and [lo, hi].
type digestSizes struct {
	alg    string
	exact  map[int64]bool
	lo, hi int64
}

func (d *digestSizes) wants(n int64) bool { return d.exact[n] || d.lo <= n && n <= d.hi }

// sizes returns the hull of the sizes of the files the formula may hold for (lo > hi: none).
func (f *formula) sizes() (lo, hi int64) {
	switch {
	case f == nil || f.leaf != nil:
		return 0, math.MaxInt64
	case f.never:
		return math.MaxInt64, -1
	case f.sized:
		return f.lo, f.hi
	case f.at != nil:
		return f.off + int64(len(f.at)), math.MaxInt64
	}
	if f.k == len(f.subs) {
		// All of them: where every sub may hold.
		lo, hi = 0, math.MaxInt64
		for _, s := range f.subs {
			l, h := s.sizes()
			lo, hi = max(lo, l), min(hi, h)
		}
		return lo, hi
	}
	// Some of them: where one may.
	lo, hi = math.MaxInt64, -1
	for _, s := range f.subs {
		l, h := s.sizes()
		lo, hi = min(lo, l), max(hi, h)
	}
	return lo, hi
}

// triggers are the leaves one of which a file shows wherever a formula holds: by their words,
// names, paths, sizes or digests.
type triggers struct {
	leaves []*need
}

// triggers adds to t what a file shows wherever the formula holds; false when there is nothing
// such (a size range or a count of hex bytes may be all a file needs to show). t is then as it was.
func (f *formula) triggers(t *triggers) bool {
	switch {
	case f == nil || f.sized || f.at != nil:
		return false
	case f.never:
		return true
	case f.leaf != nil:
		if len(f.leaf.counts) > 0 {
			return false
		}
		t.leaves = append(t.leaves, f.leaf)
		return true
	}
	// At least k subs hold: one with triggers does unless k of them have none.
	lacking := 0
	for _, s := range f.subs {
		n := len(t.leaves)
		if !s.triggers(t) {
			t.leaves = t.leaves[:n]
			lacking++
		}
	}
	return lacking < f.k
}

// selective reports whether the formula holds only for files that show something most files
// do not: words, runs of hex bytes, a name, path, exact size or digest. A size range, bytes at
// an offset, an extension or a file type alone are not: some hold for most files of a class
// or an image (a header field of every x86-64 ELF, every .php page of a web root), and a rule
// filtered by one would have its whole set scanned with all of those. Beside what is, they
// narrow what the filter lets through.
func (f *formula) selective() bool {
	switch {
	case f == nil || f.sized || f.at != nil:
		return false
	case f.never:
		return true
	case f.leaf != nil:
		n := f.leaf
		return n.alternatives() > len(n.exts)+len(n.types)
	}
	lacking := 0
	for _, s := range f.subs {
		if !s.selective() {
			lacking++
		}
	}
	return lacking < f.k
}

// filterScratch is what a filter reuses from file to file: one per Scanner.
type filterScratch struct {
	found []uint64 // a bit per word: the file holds it
	fresh []int    // words found in the last stretch
	tried []uint32 // per rule: the try it was last tried in
	try   uint32
	diffs []byte // the file's byte differences, for diff patterns
	// counts are the patterns counted in the file so far: a rule tried again as more of its
	// words turn up counts the same runs again.
	counts map[*pattern]patternCount
}

// patternCount is how many times a file holds a pattern, counted up to most.
type patternCount struct{ n, most int64 }

// evidence is what a file shows, as a filter reads it: the words it holds (a bit each), and
// its digests once asked for.
type evidence struct {
	name, path string
	kind       string // the filetype external
	data       []byte
	found      []uint64
	sums       map[string]string
	// diffs are data's byte differences once a pattern asked for them (scratch's buffer).
	diffs   []byte
	diffed  bool
	scratch *filterScratch
}

// count counts p's matches in the file, at most most: in its bytes, or in its byte
// differences for a diff pattern, computed once per file.
func (e *evidence) count(p *pattern, most int64) int64 {
	if c, ok := e.scratch.counts[p]; ok && (c.n < c.most || most <= c.most) {
		return min(c.n, most)
	}
	d := e.data
	if p.diff {
		if !e.diffed {
			e.scratch.diffs = differences(e.scratch.diffs, e.data)
			e.diffs, e.diffed = e.scratch.diffs, true
		}
		d = e.diffs
	}
	n := p.count(d, most)
	if e.scratch.counts == nil {
		e.scratch.counts = map[*pattern]patternCount{}
	}
	e.scratch.counts[p] = patternCount{n, most}
	return n
}

// may reports whether some rule's formula holds for the file of the name, path and filetype
// (kind) whose content is data.
func (f *ruleFilter) may(name, path, kind string, data []byte, sc *filterScratch) bool {
	n := (len(f.words) + 63) / 64
	if cap(sc.found) < n {
		sc.found = make([]uint64, n)
	}
	if len(sc.tried) < len(f.rules) {
		sc.tried = make([]uint32, len(f.rules))
		sc.try = 0
	}
	e := &evidence{name: name, path: path, kind: kind, data: data, found: sc.found[:n], scratch: sc}
	clear(e.found)
	clear(sc.counts)
	if f.grams != nil {
		stretch := filterStretch * f.grams.stride * 4
		for from := 0; from < len(data); from += stretch {
			sc.fresh = f.grams.collect(data, from, from+stretch, e.found, sc.fresh[:0])
			if len(sc.fresh) == 0 {
				continue
			}
			if sc.try++; sc.try == 0 {
				clear(sc.tried)
				sc.try = 1
			}
			for _, w := range sc.fresh {
				for _, r := range f.byWord[w] {
					if sc.tried[r] == sc.try {
						continue
					}
					sc.tried[r] = sc.try
					if f.rules[r].holds(e) {
						return true
					}
				}
			}
		}
	}
	if sc.try++; sc.try == 0 {
		clear(sc.tried)
		sc.try = 1
	}
	try := func(rs []int32) bool {
		for _, r := range rs {
			if sc.tried[r] != sc.try {
				sc.tried[r] = sc.try
				if f.rules[r].holds(e) {
					return true
				}
			}
		}
		return false
	}
	if try(f.byName[name]) || try(f.byExt[extensionOf(name)]) || try(f.byType[kind]) || try(f.byPath[path]) || try(f.bySize[int64(len(data))]) {
		return true
	}
	for i := range f.algs {
		if d := &f.algs[i]; d.wants(int64(len(data))) && try(f.byHash[e.sum(d.alg)]) {
			return true
		}
	}
	return try(f.always)
}

func (f *formula) holds(e *evidence) bool {
	switch {
	case f == nil:
		return true
	case f.never:
		return false
	case f.sized:
		n := int64(len(e.data))
		return f.lo <= n && n <= f.hi
	case f.at != nil:
		return f.off <= int64(len(e.data)-len(f.at)) && string(e.data[f.off:f.off+int64(len(f.at))]) == string(f.at)
	case f.leaf != nil:
		return f.leafHolds(e)
	}
	held, left := 0, len(f.subs)
	for _, s := range f.subs {
		if s.holds(e) {
			if held++; held >= f.k {
				return true
			}
		}
		if left--; held+left < f.k {
			return false
		}
	}
	return false
}

func (f *formula) leafHolds(e *evidence) bool {
	for _, id := range f.ids {
		if e.found[id>>6]&(1<<(id&63)) != 0 {
			return true
		}
	}
	n := f.leaf
	if slices.Contains(n.names, e.name) || len(n.exts) > 0 && slices.Contains(n.exts, extensionOf(e.name)) || slices.Contains(n.types, e.kind) ||
		slices.Contains(n.paths, e.path) || slices.Contains(n.sizes, int64(len(e.data))) {
		return true
	}
	for i := range n.counts {
		if c := &n.counts[i]; e.count(&c.pat, c.min) >= c.min {
			return true
		}
	}
	for _, h := range n.hashes {
		alg, _, _ := strings.Cut(h, ":")
		if e.sum(alg) == h {
			return true
		}
	}
	return false
}

// sum returns the file's digest by alg as "alg:hex".
func (e *evidence) sum(alg string) string {
	if s, ok := e.sums[alg]; ok {
		return s
	}
	if e.sums == nil {
		e.sums = map[string]string{}
	}
	e.sums[alg] = digestKey(alg, e.data)
	return e.sums[alg]
}

// formulaJSON is a formula as the compiled-rules cache keeps it.
type formulaJSON struct {
	K     int            `json:"k,omitempty"`
	Subs  []*formulaJSON `json:"subs,omitempty"`
	Leaf  *needJSON      `json:"leaf,omitempty"`
	Sized bool           `json:"sized,omitempty"`
	Lo    int64          `json:"lo,omitempty"`
	Hi    int64          `json:"hi,omitempty"`
	Never bool           `json:"never,omitempty"`
	Any   bool           `json:"any,omitempty"` // holds for every file (a nil formula)
	At    []byte         `json:"at,omitempty"`
	Off   int64          `json:"off,omitempty"`
}

func (f *formula) toJSON() *formulaJSON {
	if f == nil {
		return &formulaJSON{Any: true}
	}
	j := &formulaJSON{K: f.k, Leaf: f.leaf.toJSON(), Sized: f.sized, Lo: f.lo, Hi: f.hi, Never: f.never, At: f.at, Off: f.off}
	for _, s := range f.subs {
		j.Subs = append(j.Subs, s.toJSON())
	}
	return j
}

// formula returns the formula j keeps; ok is false when it is malformed.
func (j *formulaJSON) formula() (f *formula, ok bool) {
	switch {
	case j == nil:
		return nil, false
	case j.Any:
		return nil, true
	case j.Never:
		return neverFormula, true
	case j.Sized:
		return &formula{sized: true, lo: j.Lo, hi: j.Hi}, true
	case len(j.At) > 0:
		if j.Off < 0 || j.Off > math.MaxInt64/2 {
			return nil, false
		}
		return &formula{at: j.At, off: j.Off}, true
	case j.Leaf != nil:
		if !j.Leaf.valid() {
			return nil, false
		}
		return &formula{leaf: j.Leaf.need()}, true
	}
	if j.K < 1 || j.K > len(j.Subs) {
		return nil, false
	}
	f = &formula{k: j.K}
	for _, s := range j.Subs {
		sub, ok := s.formula()
		if !ok {
			return nil, false
		}
		f.subs = append(f.subs, sub)
	}
	return f, true
}
