package signatures

import (
	"encoding/base64"
	"encoding/binary"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// Prefilters. libyara reads every byte of every file it is given, about a nanosecond a byte
// even for a set without strings, plus what each string's atoms cost, and most rules match
// nearly no file. A rule that can match only a file holding one of a few words (the words every
// match of one of its strings must contain) needs libyara only for files that hold one. The
// words are read from the rules themselves when a set is compiled (prefilterOf, ruleNeeds):
// from text strings (wide ones interleaved with zeros; xor and base64 give none), from the
// texts a regular expression's literal runs, classes and alternations spell, from the longest
// run of fixed bytes of a hex string, and from the condition, which must need a string (or a
// rule that does) in every alternative; where N of some strings must match, the N-1 whose
// words rule out least are left out. A condition may also need a file name or path
// (filename == "x"), a size (filesize == N) or a digest (hash.sha1(0, filesize) == "x"),
// and a hex string too weak for words a run of its bytes (three whole ones or more), or as
// many places holding its first run as #a > N says; the Scanner checks those in Go. User
// rules are read per class of file: a magic check the class fails makes its alternative
// need nothing.
//
// A built-in set whose every reporting rule has such a need is given to libyara only for the
// files that show it; one with a rule that says otherwise has no prefilter and sees every
// file. User rules are compiled apart by it (see scopeUser): per class of file, the rules with
// a need go into a set of their own, seen only by the files that show one of their needs, and
// the others into a set every file of the class sees. Within a set, each rule's need is also
// kept as the condition says it (all of an "and", N of "N of them"): see formula.go.
//
// The words are looked for without regard to ASCII case, which covers nocase strings and
// over-covers the others: a prefilter only ever lets through more than the rules match.
// TestBuiltinPrefilters and TestUserPrefilterSound hold this to libyara.

// minWord is the shortest word a prefilter looks for: shorter ones are in nearly every file.
const minWord = 4

// words are alternatives, one of which a file holds (in some case) wherever a rule matches;
// nil means none is known.
type words []string

// quality is the length of the shortest alternative: how well the words rule files out.
func (w words) quality() int {
	if len(w) == 0 {
		return 0
	}
	q := len(w[0])
	for _, x := range w[1:] {
		q = min(q, len(x))
	}
	return q
}

// better returns the words that rule out more files.
func better(a, b words) words {
	if b.quality() > a.quality() || b.quality() == a.quality() && len(b) < len(a) {
		return b
	}
	return a
}

// union is what a file holds when it matches a or b; nil when either is unknown.
func union(a, b words) words {
	if a == nil || b == nil {
		return nil
	}
	return append(slices.Clone(a), b...)
}

// need is what a file shows wherever a condition is true: one of the words (in some case), or
// one of the names (filename), extensions (extension, lower-cased as Strata sets it), file
// types (filetype), paths (filepath), sizes (filesize) or whole-file digests ("md5:..."). A nil
// *need means nothing is known.
type need struct {
	words  words
	names  []string
	exts   []string
	types  []string // filetype values
	paths  []string
	sizes  []int64
	hashes []string
	counts []countNeed
	never  bool // the condition is never true: nothing lets a file through
}

// countNeed is a hex string's bytes a file holds at least min times.
type countNeed struct {
	pat pattern
	min int64
}

// pattern is a run of a hex string's bytes: bytes compared under mask (0xff a whole byte, 0x0f
// or 0xf0 a nibble, 0 a wildcard).
type pattern struct {
	bytes, mask []byte
	// diff says the bytes are looked for in the file's byte differences (each byte XOR the
	// next), not in its bytes: a string XORed with any one-byte key has the same differences
	// as the string (see xorPattern).
	diff bool
}

// base64Words is what every match of a text string with the base64 modifier (the standard
// alphabet, not wide) holds: the text encoded at each of the three offsets it can start at
// in the encoded bytes, less the characters that depend on the bytes around it. nil for
// other strings, or when a form is too short to rule files out.
func base64Words(st ruleString) words {
	if st.value.kind != tokStr || len(st.mods) == 0 {
		return nil
	}
	b64 := false
	for _, m := range st.mods {
		switch m.text {
		case "base64":
			b64 = true
		case "private", "ascii":
		default:
			return nil // base64wide, an alphabet of its own, other modifiers
		}
	}
	v := st.value.text
	text, ok := unquoteYARA(v[1:len(v)-1], false)
	if !b64 || !ok {
		return nil
	}
	var ws words
	for shift := 0; shift < 3; shift++ {
		in := append(make([]byte, shift), text...)
		enc := base64.StdEncoding.EncodeToString(in)
		full := len(in) * 8 / 6 // characters made of the input's bits alone
		lead := []int{0, 2, 3}[shift]
		if full <= lead {
			return nil
		}
		w := enc[lead:full]
		if len(w) < minWord {
			return nil
		}
		ws = append(ws, strings.ToLower(w))
	}
	return ws
}

// xorPattern is what every match of a text string with the xor modifier holds, whatever the
// key: in the file's byte differences, the differences of the text. nil for a string that is
// also wide, base64 or too short to rule files out.
func xorPattern(st ruleString) *pattern {
	if st.value.kind != tokStr {
		return nil
	}
	xor := false
	for _, m := range st.mods {
		switch {
		case m.text == "xor":
			xor = true
		case m.text == "ascii" || m.text == "private" || m.text == "fullword" || m.text == "(" || m.text == ")" ||
			m.text == "-" || m.kind == tokNum:
		default:
			return nil // wide, nocase, base64: other bytes
		}
	}
	v := st.value.text
	text, ok := unquoteYARA(v[1:len(v)-1], false)
	if !xor || !ok || len(text) <= minWord {
		return nil
	}
	p := &pattern{diff: true, bytes: make([]byte, len(text)-1), mask: make([]byte, len(text)-1)}
	for i := range p.bytes {
		p.bytes[i], p.mask[i] = text[i]^text[i+1], 0xff
	}
	return p
}

// differences returns into buf (grown as needed) each byte of data XOR the next.
func differences(buf, data []byte) []byte {
	if len(data) < 2 {
		return buf[:0]
	}
	n := len(data) - 1
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	i := 0
	for ; i+9 <= len(data); i += 8 {
		binary.LittleEndian.PutUint64(buf[i:], binary.LittleEndian.Uint64(data[i:])^binary.LittleEndian.Uint64(data[i+1:]))
	}
	for ; i < n; i++ {
		buf[i] = data[i] ^ data[i+1]
	}
	return buf
}

func (p *pattern) whole() int {
	n := 0
	for _, m := range p.mask {
		if m == 0xff {
			n++
		}
	}
	return n
}

// hexSpacer sets a hex string's groups, alternatives and jumps apart as fields. Built once: a
// Replacer of several strings builds its lookup trie on first use.
var hexSpacer = strings.NewReplacer("(", " ( ", ")", " ) ", "|", " | ", "[", " [ ", "]", " ] ")

// hexFields returns a hex string body's tokens, one byte (or ?? nibble pattern) each: bytes
// written with no blank between them ({ 48FFC148 }, as many public rules write them) are
// bytes as libyara reads them.
func hexFields(body string) []string {
	fields := strings.Fields(hexSpacer.Replace(body))
	var out []string
	for _, f := range fields {
		if len(f) <= 2 || len(f)%2 != 0 || strings.Trim(f, "0123456789abcdefABCDEF?") != "" {
			out = append(out, f)
			continue
		}
		for i := 0; i < len(f); i += 2 {
			out = append(out, f[i:i+2])
		}
	}
	return out
}

// hexPattern reads a hex string's runs of bytes between jumps and alternatives of unequal
// lengths: first is the run every match starts with (nil unless it holds a whole byte), best
// the run with the most whole bytes (nil unless three or more). An alternative of equal
// lengths is read as wildcards and "~XX" (any byte but XX) as one, which only lets more
// places through. Hex strings with comments, or any modifier but private, give none.
func hexPattern(st ruleString) (first, best *pattern) {
	runs := hexRuns(st)
	if len(runs) == 0 {
		return nil, nil
	}
	if runs[0].whole() > 0 {
		first = runs[0]
	}
	for _, r := range runs {
		if r.whole() >= 3 && (best == nil || r.whole() > best.whole()) {
			best = r
		}
	}
	return first, best
}

// hexRuns returns a hex string's runs of bytes between jumps and alternatives of unequal
// lengths, in order (see hexPattern); nil when it is not read.
func hexRuns(st ruleString) []*pattern {
	v := st.value.text
	if st.value.kind != tokHex || strings.Contains(v, "/") || len(st.mods) > 0 && (len(st.mods) != 1 || st.mods[0].text != "private") {
		return nil
	}
	fields := hexFields(strings.Trim(v, "{} \t\n\r"))
	var runs []*pattern
	cur := &pattern{}
	cut := func() {
		runs = append(runs, cur)
		cur = &pattern{}
	}
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch f {
		case "[":
			for i < len(fields) && fields[i] != "]" {
				i++
			}
			cut()
			continue
		case "(":
			// An alternative: wildcards when every choice has as many bytes.
			depth, n, size, same := 0, 0, -1, true
			j := i
			for ; j < len(fields); j++ {
				switch fields[j] {
				case "(":
					depth++
					if depth > 1 {
						same = false
					}
				case ")":
					depth--
				case "|":
					if depth == 1 {
						same = same && (size < 0 || size == n)
						size, n = n, 0
					}
				case "[":
					same = false
				default:
					n++
				}
				if depth == 0 {
					break
				}
			}
			same = same && (size < 0 || size == n)
			if same {
				for k := 0; k < n; k++ {
					cur.bytes, cur.mask = append(cur.bytes, 0), append(cur.mask, 0)
				}
			} else {
				cut()
			}
			i = j
			continue
		}
		not := strings.HasPrefix(f, "~")
		f = strings.TrimPrefix(f, "~")
		if len(f) != 2 {
			return nil
		}
		var b, m byte
		for k := 0; k < 2; k++ {
			b <<= 4
			m <<= 4
			if f[k] == '?' {
				continue
			}
			d, err := strconv.ParseUint(f[k:k+1], 16, 8)
			if err != nil {
				return nil
			}
			b |= byte(d)
			m |= 0xf
		}
		if not {
			b, m = 0, 0
		}
		cur.bytes, cur.mask = append(cur.bytes, b), append(cur.mask, m)
	}
	cut()
	return runs
}

// perfect is the quality of a need without words: names, sizes and digests rule out every file
// but theirs.
const perfect = 1 << 30

func wordsNeed(w words) *need {
	if w == nil {
		return nil
	}
	return &need{words: w}
}

// quality is how well n rules files out: the length of its shortest word; 0 when nothing is
// known.
func (n *need) quality() int {
	if n != nil && n.never {
		return perfect
	}
	if n == nil || n.alternatives() == 0 {
		return 0
	}
	q := perfect
	if len(n.words) > 0 {
		q = n.words.quality()
	}
	if len(n.counts) > 0 {
		// Counting a few bytes rules out about as well as the shortest words.
		q = min(q, minWord)
	}
	return q
}

func (n *need) alternatives() int {
	if n == nil {
		return 0
	}
	return len(n.words) + len(n.names) + len(n.exts) + len(n.types) + len(n.paths) + len(n.sizes) + len(n.hashes) + len(n.counts)
}

// betterNeed returns the need that rules out more files.
func betterNeed(a, b *need) *need {
	if b.quality() > a.quality() || b.quality() == a.quality() && b != nil && (a == nil || b.alternatives() < a.alternatives()) {
		return b
	}
	return a
}

// unionNeed is what a file shows when a or b is true; nil when either is unknown.
func unionNeed(a, b *need) *need {
	switch {
	case a == nil || b == nil:
		return nil
	case a.never:
		return b
	case b.never:
		return a
	}
	return &need{words: append(slices.Clone(a.words), b.words...), names: append(slices.Clone(a.names), b.names...),
		exts: append(slices.Clone(a.exts), b.exts...), types: append(slices.Clone(a.types), b.types...), paths: append(slices.Clone(a.paths), b.paths...), sizes: append(slices.Clone(a.sizes), b.sizes...),
		hashes: append(slices.Clone(a.hashes), b.hashes...), counts: append(slices.Clone(a.counts), b.counts...)}
}

// prefilterOf reads what the built-in rule files srcs (compiled together as one set) need;
// nil when some reporting rule needs nothing known, or words too short.
func prefilterOf(srcs []source) *prefilter {
	known := map[string]*need{} // rule name -> its need; rules of every file share a namespace
	all := &need{}
	reporting := 0
	for _, s := range srcs {
		f, err := splitRules(s.text)
		if err != nil {
			return nil
		}
		for i, n := range f.ruleNeeds(known, -1) {
			if f.rules[i].private {
				continue
			}
			reporting++
			if n.quality() < minWord {
				return nil
			}
			all = unionNeed(all, n)
		}
	}
	if reporting == 0 {
		return nil
	}
	return newPrefilter(all)
}

// ruleNeeds returns what each rule of the file needs of a file of the class (see classOf; -1
// for any), in order; known holds the needs of the rules of the namespace read before (a rule
// names only rules declared before it) and gains the file's.
func (f *fileRules) ruleNeeds(known map[string]*need, class int) []*need {
	out := make([]*need, len(f.rules))
	for i, r := range f.rules {
		strs := make([]strWords, len(r.strs))
		for j, st := range r.strs {
			first, best := hexPattern(st)
			if best == nil {
				best = xorPattern(st)
			}
			strs[j] = strWords{id: st.id, w: stringWords(st), pat: first, seg: best}
		}
		out[i] = condNeed(r.cond, &needContext{strs: strs, rules: known, hash: slices.Contains(f.imports, "hash"), imports: f.imports, class: class})
		known[r.name] = out[i]
	}
	return out
}

// strWords are a string's identifier and words. Anonymous strings all have the identifier "$".
type strWords struct {
	id  string
	w   words
	pat *pattern // a hex string's first run of bytes: every match starts with it
	seg *pattern // its run of bytes with the most whole ones (three or more)
	// segs are all its runs of bytes (see hexRuns): every match holds each of them.
	segs []*pattern
}

// needContext is what a condition is read with: the rule's strings, the needs of the rules it
// may name, whether the hash module is imported, and the class of file it is read for (-1 any).
type needContext struct {
	strs    []strWords
	rules   map[string]*need
	hash    bool
	imports []string
	class   int
	forms   map[string]*formula // the formulas of the rules it may name (condFormula)
}

// neverIn reports whether the conjunct c is false for every file of the class read for: a
// magic check none of them passes, or an expression over a module field that is undefined
// for them (moduleAllows).
func (x *needContext) neverIn(c []token) bool {
	if x.class < 0 {
		return false
	}
	a, ok := magicAllows(c)
	if !ok {
		a, ok = moduleAllows(c, x.imports)
	}
	if !ok {
		return false
	}
	_, _, in := a.inClass(x.class)
	return !in
}

// condNeed is what a file shows wherever the condition toks is true.
func condNeed(toks []token, x *needContext) *need {
	if len(toks) == 0 {
		return nil
	}
	if alts := split(toks, "or"); len(alts) > 1 {
		out := &need{}
		for _, a := range alts {
			if out = unionNeed(out, condNeed(a, x)); out == nil {
				return nil
			}
		}
		return out
	}
	var out *need
	for _, c := range split(toks, "and") {
		out = betterNeed(out, conjunctNeed(c, x))
	}
	return out
}

func conjunctNeed(c []token, x *needContext) *need {
	if len(c) >= 2 && c[0].text == "(" && c[len(c)-1].text == ")" && closes(c) {
		return condNeed(c[1:len(c)-1], x)
	}
	// A magic check, or a module field, no file of the class passes: never true for it.
	if x.neverIn(c) {
		return &need{never: true}
	}
	if len(c) == 0 || c[0].kind != tokIdent && c[0].kind != tokNum && c[0].kind != tokStr {
		return nil
	}
	if len(c) == 1 && !strings.HasPrefix(c[0].text, "$") {
		return x.rules[c[0].text]
	}
	if n := equalityNeed(c, x.hash, false); n != nil {
		return n
	}
	if n := countedNeed(c, x.strs); n != nil {
		return n
	}
	return stringsNeed(c, x.strs)
}

// equalityNeed reads filename == "x", filepath == "x", extension == "x", filesize == N and
// hash.md5(0, filesize) == "x" (sha1, sha256), either way round, and with types filetype == "x"
// (which only rule filters know of a file: a prefilter is asked without it).
func equalityNeed(c []token, hash, types bool) *need {
	eq := slices.IndexFunc(c, func(t token) bool { return t.kind == tokPunct && t.text == "==" })
	if eq < 0 {
		return nil
	}
	x, y := c[:eq], c[eq+1:]
	if len(x) == 1 && (len(y) != 1 || x[0].kind != tokIdent) {
		x, y = y, x
	}
	if len(y) != 1 {
		return nil
	}
	v := y[0]
	switch {
	case len(x) == 1 && x[0].text == "filesize" && v.kind == tokNum:
		if n, ok := parseNumber(v.text); ok {
			return &need{sizes: []int64{n}}
		}
	case len(x) == 1 && (x[0].text == "filename" || x[0].text == "filepath" || x[0].text == "extension" || x[0].text == "filetype" && types) && v.kind == tokStr:
		s, ok := unquoteYARA(v.text[1:len(v.text)-1], false)
		if !ok {
			return nil
		}
		switch x[0].text {
		case "filename":
			return &need{names: []string{s}}
		case "filetype":
			return &need{types: []string{s}}
		case "extension":
			// Strata sets it lower-cased: another case never matches, and is looked for
			// lower-cased, which only lets more files through.
			return &need{exts: []string{strings.ToLower(s)}}
		}
		return &need{paths: []string{s}}
	case hash && len(x) == 8 && x[0].text == "hash" && x[1].text == "." && x[3].text == "(" && x[4].text == "0" &&
		x[5].text == "," && x[6].text == "filesize" && x[7].text == ")" && v.kind == tokStr:
		switch x[2].text {
		case "md5", "sha1", "sha256":
			// The module gives lower-case hex: a digest written otherwise never matches,
			// and is looked for lower-cased, which only lets more files through.
			return &need{hashes: []string{x[2].text + ":" + strings.ToLower(v.text[1:len(v.text)-1])}}
		}
	}
	return nil
}

// countedNeed reads #a > N, #a >= N and #a == N for a hex string $a of fixed length: the file
// holds its bytes at least that many times. (Where $a has good words, those serve better.)
func countedNeed(c []token, strs []strWords) *need {
	if len(c) != 3 || !strings.HasPrefix(c[0].text, "#") || c[2].kind != tokNum {
		return nil
	}
	n, ok := parseNumber(c[2].text)
	if !ok {
		return nil
	}
	switch c[1].text {
	case ">":
		n++
	case ">=", "==":
	default:
		return nil
	}
	for _, s := range strs {
		if s.id == "$"+c[0].text[1:] && s.pat != nil && n >= 2 && s.w.quality() < minWord {
			return &need{counts: []countNeed{{*s.pat, n}}}
		}
	}
	return nil
}

// stringNeed is what a file holds wherever the string s matches: its words, or where those
// are too short, a run of its hex bytes (one that holds three whole bytes or more).
func stringNeed(s strWords) *need {
	if s.w.quality() < minWord && s.seg != nil {
		return &need{counts: []countNeed{{*s.seg, 1}}}
	}
	return wordsNeed(s.w)
}

// stringsNeed is what a file holds wherever the string conjunct c is true.
func stringsNeed(c []token, strs []strWords) *need {
	if len(c) == 0 || c[0].kind != tokIdent && c[0].kind != tokNum {
		return nil
	}
	find := func(id string) (strWords, bool) {
		if id == "$" {
			return strWords{}, false
		}
		for _, s := range strs {
			if s.id == id {
				return s, true
			}
		}
		return strWords{}, false
	}
	// $a, $a at N, $a in (A..B)
	if strings.HasPrefix(c[0].text, "$") && (len(c) == 1 || len(c) >= 3 && (c[1].text == "at" || c[1].text == "in")) {
		s, ok := find(c[0].text)
		if !ok {
			return nil
		}
		return stringNeed(s)
	}
	// #a > N, #a >= N, #a == N with at least one match wanted
	if strings.HasPrefix(c[0].text, "#") && len(c) == 3 && c[2].kind == tokNum {
		n, ok := parseNumber(c[2].text)
		if ok && (c[1].text == ">" || (c[1].text == ">=" || c[1].text == "==") && n >= 1) {
			if s, ok := find("$" + c[0].text[1:]); ok {
				return stringNeed(s)
			}
		}
		return nil
	}
	// any / all / N of them, of ($a, $b*)
	if len(c) < 3 || c[1].text != "of" {
		return nil
	}
	named, ok := ofStrings(c, strs)
	if !ok || len(named) == 0 {
		return nil
	}
	ns := make([]*need, len(named))
	for i, s := range named {
		ns[i] = stringNeed(s)
	}
	// Where N of the strings match, one of any len-N+1 of them does: the N-1 whose needs rule
	// out least are left out.
	want, ok := ofCount(c[0].text, len(ns))
	if !ok {
		return nil
	}
	slices.SortStableFunc(ns, func(a, b *need) int {
		if a.quality() != b.quality() {
			return b.quality() - a.quality()
		}
		return a.alternatives() - b.alternatives()
	})
	out := &need{}
	for _, n := range ns[:len(ns)-want+1] {
		if out = unionNeed(out, n); out == nil {
			return nil
		}
	}
	return out
}

// stringWords are the words every match of a string holds.
func stringWords(st ruleString) words {
	if ws := base64Words(st); ws != nil {
		return ws
	}
	ascii, wide := false, false
	for _, m := range st.mods {
		switch m.text {
		case "nocase", "fullword", "private":
		case "ascii":
			ascii = true
		case "wide":
			wide = true
		default:
			return nil // xor, base64: the bytes are not the text
		}
	}
	var ws words
	v := st.value.text
	switch st.value.kind {
	case tokStr:
		s, ok := unquoteYARA(v[1:len(v)-1], true)
		if !ok || s == "" {
			return nil
		}
		ws = words{s}
	case tokRegex:
		end := strings.LastIndexByte(v, '/')
		ws = yaraRegexWords(v[1:end])
	case tokHex:
		if wide {
			return nil
		}
		return hexWords(v)
	}
	if !wide || ws == nil {
		return ws
	}
	// wide: each byte followed by a zero; "ascii wide" matches either form.
	var out words
	if ascii {
		out = append(out, ws...)
	}
	for _, w := range ws {
		b := make([]byte, 0, 2*len(w))
		for i := 0; i < len(w); i++ {
			b = append(b, w[i], 0)
		}
		// The zero after the last byte is not part of every match's text in every
		// reading of a wide regular expression: leave it out.
		out = append(out, string(b[:len(b)-1]))
	}
	return out
}

// unquoteYARA undoes a text string's escapes (\" \\ \t \n \r \xHH), lower-casing ASCII
// letters when fold.
func unquoteYARA(s string, fold bool) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case '"', '\\':
				c = s[i]
			case 't':
				c = '\t'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 'x':
				if i+2 >= len(s) {
					return "", false
				}
				n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
				if err != nil {
					return "", false
				}
				c, i = byte(n), i+2
			default:
				return "", false
			}
		}
		if fold {
			c = lowerASCII(c)
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// yaraRegexWords are the words every match of the YARA regular expression expr holds, read
// through Go's parser where the two syntaxes agree: an expression with a construct Go reads
// otherwise ("{,n}", which Go takes as text; POSIX classes, which YARA does not know) gives
// none.
func yaraRegexWords(expr string) words {
	if strings.Contains(expr, "[:") {
		return nil
	}
	// YARA reads x{,n} as x{0,n}; Go would read it as text. Outside a class only: a brace in
	// a class is a character either way.
	if strings.Contains(expr, "{,") {
		var ok bool
		if expr, ok = repeatFromZero(expr); !ok {
			return nil
		}
	}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return regexWords(re)
}

// maxTexts bounds the texts an expression's exact part may stand for (a class or an
// alternation of texts, and runs of them).
const maxTexts = 32

// repeatFromZero rewrites each unescaped "{," outside a character class to "{0,"; ok is
// false when the expression is not read to its end (an escape at the end).
func repeatFromZero(expr string) (string, bool) {
	var b strings.Builder
	class := false
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\\':
			if i+1 >= len(expr) {
				return "", false
			}
			b.WriteByte(c)
			i++
			b.WriteByte(expr[i])
			continue
		case c == '[':
			class = true
		case c == ']':
			class = false
		case c == '{' && !class && i+1 < len(expr) && expr[i+1] == ',':
			b.WriteString("{0")
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// regexWords are the words every match of re holds.
func regexWords(re *syntax.Regexp) words {
	if ts, ok := exactTexts(re); ok {
		return textWords(ts)
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return regexWords(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return regexWords(re.Sub[0])
		}
	case syntax.OpAlternate:
		out := words{}
		for _, s := range re.Sub {
			if out = union(out, regexWords(s)); out == nil {
				return nil
			}
		}
		return out
	case syntax.OpConcat:
		// Runs of parts that each match one of a few texts join into the texts of the run;
		// the best words of a run, or of another part, are what every match holds.
		var out words
		run := []string{""}
		flush := func() {
			out = better(out, textWords(run))
			run = []string{""}
		}
		extend := func(ts []string) {
			if next, ok := cross(run, ts); ok {
				run = next
				return
			}
			flush()
			run = ts
		}
		for _, s := range re.Sub {
			if ts, ok := exactTexts(s); ok {
				extend(ts)
				continue
			}
			// x+ and x{n,m} with n >= 1, x one of a few texts: a match of the part starts
			// with one of them, right after the run, and ends with one, right before the
			// next part.
			if sub, ok := repeated(s); ok {
				if ts, ok := exactTexts(sub); ok {
					extend(ts)
					flush()
					run = ts
					continue
				}
			}
			flush()
			out = better(out, regexWords(s))
		}
		flush()
		return out
	}
	return nil
}

// repeated returns x of x+ and x{n,m} with n >= 1.
func repeated(re *syntax.Regexp) (*syntax.Regexp, bool) {
	switch {
	case re.Op == syntax.OpPlus, re.Op == syntax.OpRepeat && re.Min >= 1:
		return re.Sub[0], true
	case re.Op == syntax.OpCapture:
		return repeated(re.Sub[0])
	}
	return nil, false
}

// textWords are texts as words; nil when one is empty (it rules nothing out).
func textWords(ts []string) words {
	if len(ts) == 0 || slices.Contains(ts, "") {
		return nil
	}
	return slices.Clone(ts)
}

// cross returns every a followed by every b; ok is false when they are too many.
func cross(a, b []string) ([]string, bool) {
	if len(a)*len(b) > maxTexts {
		return nil, false
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// exactTexts returns the few texts (lower-cased) re matches, up to ASCII case.
func exactTexts(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		var b strings.Builder
		for _, r := range re.Rune {
			if r >= 0x80 {
				return nil, false
			}
			b.WriteByte(lowerASCII(byte(r)))
		}
		return []string{b.String()}, true
	case syntax.OpCharClass:
		// [Ss], [s], [0-3]: a few bytes.
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if lo >= 0x80 || hi >= 0x80 || hi-lo >= maxTexts {
				return nil, false
			}
			for r := lo; r <= hi; r++ {
				out = append(out, string(lowerASCII(byte(r))))
			}
		}
		slices.Sort(out)
		out = slices.Compact(out)
		if len(out) == 0 || len(out) > maxTexts {
			return nil, false
		}
		return out, true
	case syntax.OpCapture:
		return exactTexts(re.Sub[0])
	case syntax.OpQuest:
		ts, ok := exactTexts(re.Sub[0])
		if !ok {
			return nil, false
		}
		return cross([]string{""}, append(ts, ""))
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			ts, ok := exactTexts(s)
			if !ok {
				return nil, false
			}
			out = append(out, ts...)
		}
		slices.Sort(out)
		out = slices.Compact(out)
		if len(out) > maxTexts {
			return nil, false
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			ts, ok := exactTexts(s)
			if !ok {
				return nil, false
			}
			if out, ok = cross(out, ts); !ok {
				return nil, false
			}
		}
		return out, true
	case syntax.OpRepeat:
		if re.Min == re.Max && re.Min <= 64 {
			ts, ok := exactTexts(re.Sub[0])
			if !ok {
				return nil, false
			}
			out := []string{""}
			for i := 0; i < re.Min; i++ {
				if out, ok = cross(out, ts); !ok {
					return nil, false
				}
			}
			return out, true
		}
	}
	return nil, false
}

// hexWords reads a hex string ("{ 68 2f ?? [2-4] 62 ( 73 | 74 ) }"): the longest run of fixed
// bytes outside alternatives and jumps, as a word. A hex string with a comment gives none.
func hexWords(v string) words {
	body := strings.Trim(v, "{} \t\n\r")
	if strings.Contains(body, "/") {
		return nil
	}
	var best, run []byte
	depth, jump := 0, false
	fields := hexFields(body)
	for _, f := range fields {
		fixed := false
		switch f {
		case "(":
			depth++
		case ")":
			depth--
		case "[":
			jump = true
		case "]":
			jump = false
		default:
			if depth == 0 && !jump && len(f) == 2 && !strings.ContainsAny(f, "?~") {
				if n, err := strconv.ParseUint(f, 16, 8); err == nil {
					run = append(run, lowerASCII(byte(n)))
					fixed = true
				}
			}
		}
		if !fixed {
			if len(run) > len(best) {
				best = run
			}
			run = nil
		}
	}
	if len(run) > len(best) {
		best = run
	}
	if len(best) == 0 {
		return nil
	}
	return words{string(best)}
}

// ofCount is how many of n strings the quantifier of an "any of", "all of" or "N of"
// condition asks for (N above n asks for all of them); false for any other word.
func ofCount(q string, n int) (int, bool) {
	switch q {
	case "any":
		return 1, true
	case "all":
		return n, true
	}
	k, err := strconv.Atoi(q)
	if err != nil || k < 1 {
		return 0, false
	}
	return min(k, n), true
}

// ofStrings returns the strings the set of an "any / all / N of" condition c names: them, or a
// list of $a and $a* in parentheses; false when the set cannot be read (a string it names that
// the rule lacks, an anonymous $, anything else in the list).
func ofStrings(c []token, strs []strWords) ([]strWords, bool) {
	var out []strWords
	switch {
	case len(c) == 3 && c[2].text == "them":
		return strs, true
	case c[2].text == "(" && c[len(c)-1].text == ")":
		for _, t := range c[3 : len(c)-1] {
			switch {
			case t.text == ",":
			case strings.HasPrefix(t.text, "$") && strings.HasSuffix(t.text, "*"):
				for _, s := range strs {
					if strings.HasPrefix(s.id, strings.TrimSuffix(t.text, "*")) {
						out = append(out, s)
					}
				}
			case strings.HasPrefix(t.text, "$") && t.text != "$":
				i := slices.IndexFunc(strs, func(s strWords) bool { return s.id == t.text })
				if i < 0 {
					return nil, false
				}
				out = append(out, strs[i])
			default:
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}
