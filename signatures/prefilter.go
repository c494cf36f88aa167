package signatures

import (
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
// which the Scanner checks in Go.
//
// A built-in set whose every reporting rule has such a need is given to libyara only for the
// files that show it; one with a rule that says otherwise has no prefilter and sees every
// file. User rules are compiled apart by it (see scopeUser): per class of file, the rules with
// a need go into a set of their own, seen only by the files that show one of their needs, and
// the others into a set every file of the class sees.
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
// one of the names (filename), paths (filepath), sizes (filesize) or whole-file digests
// ("md5:..."). A nil *need means nothing is known.
type need struct {
	words  words
	names  []string
	paths  []string
	sizes  []int64
	hashes []string
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
	switch {
	case n == nil:
		return 0
	case len(n.words) > 0:
		return n.words.quality()
	case len(n.names)+len(n.paths)+len(n.sizes)+len(n.hashes) > 0:
		return perfect
	}
	return 0
}

func (n *need) alternatives() int {
	return len(n.words) + len(n.names) + len(n.paths) + len(n.sizes) + len(n.hashes)
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
	if a == nil || b == nil {
		return nil
	}
	return &need{words: append(slices.Clone(a.words), b.words...), names: append(slices.Clone(a.names), b.names...),
		paths: append(slices.Clone(a.paths), b.paths...), sizes: append(slices.Clone(a.sizes), b.sizes...),
		hashes: append(slices.Clone(a.hashes), b.hashes...)}
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
		for i, n := range f.ruleNeeds(known) {
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

// ruleNeeds returns what each rule of the file needs, in order; known holds the needs of the
// rules of the namespace read before (a rule names only rules declared before it) and gains
// the file's.
func (f *fileRules) ruleNeeds(known map[string]*need) []*need {
	out := make([]*need, len(f.rules))
	for i, r := range f.rules {
		strs := make([]strWords, len(r.strs))
		for j, st := range r.strs {
			strs[j] = strWords{st.id, stringWords(st)}
		}
		out[i] = condNeed(r.cond, strs, known, slices.Contains(f.imports, "hash"))
		known[r.name] = out[i]
	}
	return out
}

// strWords are a string's identifier and words. Anonymous strings all have the identifier "$".
type strWords struct {
	id string
	w  words
}

// lookup returns the words of the named string $x; ok is false when there is no such string.
func lookup(strs []strWords, id string) (words, bool) {
	if id == "$" {
		return nil, false
	}
	for _, s := range strs {
		if s.id == id {
			return s.w, true
		}
	}
	return nil, false
}

// condNeed is what a file shows wherever the condition toks is true; hash says the file
// imports the hash module.
func condNeed(toks []token, strs []strWords, rules map[string]*need, hash bool) *need {
	if len(toks) == 0 {
		return nil
	}
	if alts := split(toks, "or"); len(alts) > 1 {
		out := &need{}
		for _, a := range alts {
			if out = unionNeed(out, condNeed(a, strs, rules, hash)); out == nil {
				return nil
			}
		}
		return out
	}
	var out *need
	for _, c := range split(toks, "and") {
		out = betterNeed(out, conjunctNeed(c, strs, rules, hash))
	}
	return out
}

func conjunctNeed(c []token, strs []strWords, rules map[string]*need, hash bool) *need {
	if len(c) >= 2 && c[0].text == "(" && c[len(c)-1].text == ")" && closes(c) {
		return condNeed(c[1:len(c)-1], strs, rules, hash)
	}
	if len(c) == 0 || c[0].kind != tokIdent && c[0].kind != tokNum && c[0].kind != tokStr {
		return nil
	}
	if len(c) == 1 && !strings.HasPrefix(c[0].text, "$") {
		return rules[c[0].text]
	}
	if n := equalityNeed(c, hash); n != nil {
		return n
	}
	return wordsNeed(conjunctWords(c, strs))
}

// equalityNeed reads filename == "x", filepath == "x", filesize == N and
// hash.md5(0, filesize) == "x" (sha1, sha256), either way round.
func equalityNeed(c []token, hash bool) *need {
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
	case len(x) == 1 && (x[0].text == "filename" || x[0].text == "filepath") && v.kind == tokStr:
		s, ok := unquoteYARA(v.text[1:len(v.text)-1], false)
		if !ok {
			return nil
		}
		if x[0].text == "filename" {
			return &need{names: []string{s}}
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

// conjunctWords are the words a file holds wherever the string conjunct c is true.
func conjunctWords(c []token, strs []strWords) words {
	if len(c) == 0 || c[0].kind != tokIdent && c[0].kind != tokNum {
		return nil
	}
	// $a, $a at N, $a in (A..B)
	if strings.HasPrefix(c[0].text, "$") && (len(c) == 1 || len(c) >= 3 && (c[1].text == "at" || c[1].text == "in")) {
		w, _ := lookup(strs, c[0].text)
		return w
	}
	// #a > N, #a >= N, #a == N with at least one match wanted
	if strings.HasPrefix(c[0].text, "#") && len(c) == 3 && c[2].kind == tokNum {
		n, ok := parseNumber(c[2].text)
		if ok && (c[1].text == ">" || (c[1].text == ">=" || c[1].text == "==") && n >= 1) {
			w, _ := lookup(strs, "$"+c[0].text[1:])
			return w
		}
		return nil
	}
	// any / all / N of them, of ($a, $b*)
	if len(c) < 3 || c[1].text != "of" {
		return nil
	}
	var ws []words
	switch {
	case len(c) == 3 && c[2].text == "them":
		for _, s := range strs {
			ws = append(ws, s.w)
		}
	case c[2].text == "(" && c[len(c)-1].text == ")":
		for _, t := range c[3 : len(c)-1] {
			switch {
			case t.text == ",":
			case strings.HasPrefix(t.text, "$") && strings.HasSuffix(t.text, "*"):
				for _, s := range strs {
					if strings.HasPrefix(s.id, strings.TrimSuffix(t.text, "*")) {
						ws = append(ws, s.w)
					}
				}
			case strings.HasPrefix(t.text, "$"):
				w, ok := lookup(strs, t.text)
				if !ok {
					return nil
				}
				ws = append(ws, w)
			default:
				return nil
			}
		}
	default:
		return nil
	}
	if len(ws) == 0 {
		return nil
	}
	// Where N of the strings match, one of any len-N+1 of them does: the N-1 whose words rule
	// out least are left out.
	need := 0
	switch c[0].text {
	case "any":
		need = 1
	case "all":
		need = len(ws)
	default:
		n, err := strconv.Atoi(c[0].text)
		if err != nil || n < 1 {
			return nil
		}
		need = min(n, len(ws))
	}
	slices.SortStableFunc(ws, func(a, b words) int {
		if a.quality() != b.quality() {
			return b.quality() - a.quality()
		}
		return len(a) - len(b)
	})
	out := words{}
	for _, w := range ws[:len(ws)-need+1] {
		if out = union(out, w); out == nil {
			return nil
		}
	}
	return out
}

// stringWords are the words every match of a string holds.
func stringWords(st ruleString) words {
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
	if strings.Contains(expr, "{,") || strings.Contains(expr, "[:") {
		return nil
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
	fields := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ", "|", " | ", "[", " [ ", "]", " ] ").Replace(body))
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
