package signatures

import (
	"bytes"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// Prefilters of the built-in rule sets. libyara reads every byte of every file it is given,
// about a nanosecond a byte even for a set without strings, and the built-in sets that text and
// binaries get hold a handful of rules (miner names, pool hosts and URLs) that nearly no file
// matches. Each of those rules can match only a file that holds one of a few words (the words
// every match of one of its strings must contain), so a set whose every reporting rule has such
// words is given to libyara only for files that hold one of them. The words are read from the
// rules themselves when the set is compiled (prefilterOf): from text strings, from the literal
// runs of regular expressions and hex strings, and from the condition, which must need a
// string (or a rule that does) in every alternative. A set with a rule that says otherwise, or
// whose words are too short to rule files out, has no prefilter and sees every file.
//
// The words are looked for without regard to ASCII case, which covers nocase strings and
// over-covers the others: a prefilter only ever lets through more than the rules match.

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

// prefilter is a set's words, grouped by the byte each is found by.
type prefilter struct {
	anchors []anchorGroup
}

// anchorGroup are words that hold the (lower-case) byte c at offset at[i].
type anchorGroup struct {
	c     byte
	words []string
	at    []int
}

// byteFrequency is roughly how many of a thousand bytes of text or binaries are c, in either
// case for letters (both cases are searched); an anchor is the rarest byte of its word.
func byteFrequency(c byte) int {
	c = lowerASCII(c)
	if c >= 'a' && c <= 'z' {
		return [26]int{60, 10, 30, 30, 90, 18, 15, 30, 55, 1, 5, 35, 22, 55, 55, 18, 1, 50, 50, 65, 25, 8, 12, 3, 12, 1}[c-'a']
	}
	switch c {
	case ' ', 0:
		return 120
	case '\n', '\t', 0xff:
		return 20
	case '.', ',', '_', '"', '0':
		return 12
	case '/', '-', '(', ')', '=', '1', '*':
		return 8
	case ';', ':', '\'', '2', '#', '$', '<', '>':
		return 5
	}
	return 2
}

// newPrefilter groups ws by anchor; nil when ws cannot rule files out.
func newPrefilter(ws words) *prefilter {
	if ws.quality() < minWord {
		return nil
	}
	ws = slices.Clone(ws)
	slices.Sort(ws)
	ws = slices.Compact(ws)
	// A word that holds another is found through it.
	var kept []string
	for _, w := range ws {
		if !slices.ContainsFunc(ws, func(v string) bool { return v != w && strings.Contains(w, v) }) {
			kept = append(kept, w)
		}
	}
	p := &prefilter{}
	for _, w := range kept {
		best := 0
		for i := range w {
			if byteFrequency(w[i]) < byteFrequency(w[best]) {
				best = i
			}
		}
		c := lowerASCII(w[best])
		k := slices.IndexFunc(p.anchors, func(g anchorGroup) bool { return g.c == c })
		if k < 0 {
			p.anchors = append(p.anchors, anchorGroup{c: c})
			k = len(p.anchors) - 1
		}
		p.anchors[k].words = append(p.anchors[k].words, w)
		p.anchors[k].at = append(p.anchors[k].at, best)
	}
	return p
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// may reports whether data holds one of the words, in any ASCII case.
func (p *prefilter) may(data []byte) bool {
	for _, g := range p.anchors {
		if g.find(data, g.c) {
			return true
		}
		if up := g.c - ('a' - 'A'); g.c >= 'a' && g.c <= 'z' && g.find(data, up) {
			return true
		}
	}
	return false
}

// find looks for the group's words at each occurrence of c.
func (g *anchorGroup) find(data []byte, c byte) bool {
	for from := 0; ; {
		i := bytes.IndexByte(data[from:], c)
		if i < 0 {
			return false
		}
		i += from
		for k, w := range g.words {
			start := i - g.at[k]
			if start >= 0 && start+len(w) <= len(data) && equalFoldASCII(data[start:start+len(w)], w) {
				return true
			}
		}
		from = i + 1
	}
}

// equalFoldASCII reports whether b equals the lower-case word w in ASCII case folding.
func equalFoldASCII(b []byte, w string) bool {
	for i := range b {
		if lowerASCII(b[i]) != w[i] {
			return false
		}
	}
	return true
}

// prefilterOf reads the words of the built-in rule files srcs (compiled together as one set);
// nil when some reporting rule has none, or they are too short.
func prefilterOf(srcs []source) *prefilter {
	known := map[string]words{} // rule name -> its words; rules of every file share a namespace
	var all words
	reporting := 0
	for _, s := range srcs {
		f, err := splitRules(s.text)
		if err != nil {
			return nil
		}
		for _, r := range f.rules {
			strs := map[string]words{}
			for _, st := range r.strs {
				strs[st.id] = stringWords(st)
			}
			w := condWords(r.cond, strs, known)
			known[r.name] = w
			if r.private {
				continue
			}
			reporting++
			if w.quality() < minWord {
				return nil
			}
			all = append(all, w...)
		}
	}
	if reporting == 0 {
		return nil
	}
	return newPrefilter(all)
}

// condWords are the words a file holds wherever the condition toks is true.
func condWords(toks []token, strs, rules map[string]words) words {
	if len(toks) == 0 {
		return nil
	}
	if alts := split(toks, "or"); len(alts) > 1 {
		out := words{}
		for _, a := range alts {
			if out = union(out, condWords(a, strs, rules)); out == nil {
				return nil
			}
		}
		return out
	}
	var out words
	for _, c := range split(toks, "and") {
		out = better(out, conjunctWords(c, strs, rules))
	}
	return out
}

func conjunctWords(c []token, strs, rules map[string]words) words {
	if len(c) >= 2 && c[0].text == "(" && c[len(c)-1].text == ")" && closes(c) {
		return condWords(c[1:len(c)-1], strs, rules)
	}
	if len(c) == 0 || c[0].kind != tokIdent && c[0].kind != tokNum {
		return nil
	}
	if strings.HasPrefix(c[0].text, "$") && (len(c) == 1 || len(c) >= 3 && (c[1].text == "at" || c[1].text == "in")) {
		return strs[c[0].text]
	}
	if len(c) == 1 {
		return rules[c[0].text]
	}
	// any / all / N of them, of ($a, $b*)
	if len(c) < 3 || c[1].text != "of" {
		return nil
	}
	switch c[0].text {
	case "any", "all":
	default:
		if n, err := strconv.Atoi(c[0].text); err != nil || n < 1 {
			return nil
		}
	}
	var ids []string
	switch {
	case len(c) == 3 && c[2].text == "them":
		for id := range strs {
			ids = append(ids, id)
		}
	case c[2].text == "(" && c[len(c)-1].text == ")":
		for _, t := range c[3 : len(c)-1] {
			switch {
			case t.text == ",":
			case strings.HasPrefix(t.text, "$") && strings.HasSuffix(t.text, "*"):
				for id := range strs {
					if strings.HasPrefix(id, strings.TrimSuffix(t.text, "*")) {
						ids = append(ids, id)
					}
				}
			case strings.HasPrefix(t.text, "$"):
				if _, ok := strs[t.text]; !ok {
					return nil
				}
				ids = append(ids, t.text)
			default:
				return nil
			}
		}
	default:
		return nil
	}
	if len(ids) == 0 {
		return nil
	}
	out := words{}
	for _, id := range ids {
		if out = union(out, strs[id]); out == nil {
			return nil
		}
	}
	return out
}

// stringWords are the words every match of a string holds.
func stringWords(st ruleString) words {
	for _, m := range st.mods {
		switch m.text {
		case "nocase", "ascii", "fullword", "private":
		default:
			return nil // wide, xor, base64: the bytes are not the text
		}
	}
	v := st.value.text
	switch st.value.kind {
	case tokStr:
		s, ok := unquoteYARA(v[1 : len(v)-1])
		if !ok || s == "" {
			return nil
		}
		return words{s}
	case tokRegex:
		end := strings.LastIndexByte(v, '/')
		re, err := syntax.Parse(v[1:end], syntax.Perl)
		if err != nil {
			return nil
		}
		return regexWords(re)
	case tokHex:
		return hexWords(v)
	}
	return nil
}

// unquoteYARA undoes a text string's escapes (\" \\ \t \n \r \xHH), lower-casing ASCII
// letters.
func unquoteYARA(s string) (string, bool) {
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
		b.WriteByte(lowerASCII(c))
	}
	return b.String(), true
}

// regexWords are the words every match of re holds.
func regexWords(re *syntax.Regexp) words {
	if s, ok := exactText(re); ok {
		if s == "" {
			return nil
		}
		return words{s}
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
		// Runs of parts that match one text each join into one word; the best word, or the
		// best words of a part, is what every match holds.
		var out words
		run, inRun := "", false
		flush := func() {
			if inRun && run != "" {
				out = better(out, words{run})
			}
			run, inRun = "", false
		}
		for _, s := range re.Sub {
			if t, ok := exactText(s); ok {
				run, inRun = run+t, true
				continue
			}
			flush()
			out = better(out, regexWords(s))
		}
		flush()
		return out
	}
	return nil
}

// exactText returns the one text (lower-cased) re matches up to ASCII case.
func exactText(re *syntax.Regexp) (string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		var b strings.Builder
		for _, r := range re.Rune {
			if r >= 0x80 {
				return "", false
			}
			b.WriteByte(lowerASCII(byte(r)))
		}
		return b.String(), true
	case syntax.OpCharClass:
		// [Ss], [s]: one byte in either case.
		var c byte
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if lo >= 0x80 || hi >= 0x80 {
				return "", false
			}
			for r := lo; r <= hi; r++ {
				l := lowerASCII(byte(r))
				if c != 0 && l != c {
					return "", false
				}
				c = l
			}
		}
		if c == 0 {
			return "", false
		}
		return string(c), true
	case syntax.OpCapture:
		return exactText(re.Sub[0])
	case syntax.OpConcat:
		var b strings.Builder
		for _, s := range re.Sub {
			t, ok := exactText(s)
			if !ok {
				return "", false
			}
			b.WriteString(t)
		}
		return b.String(), true
	case syntax.OpRepeat:
		if re.Min == re.Max && re.Min <= 64 {
			if t, ok := exactText(re.Sub[0]); ok {
				return strings.Repeat(t, re.Min), true
			}
		}
	}
	return "", false
}

// hexWords reads a hex string ("{ 68 2f ?? [2-4] 62 ( 73 | 74 ) }"): the longest run of fixed
// bytes outside alternatives, as a word.
func hexWords(v string) words {
	body := strings.Trim(v, "{} \t\n")
	var best, run []byte
	depth := 0
	fields := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ", "|", " | ", "[", " [", "]", "] ").Replace(body))
	for _, f := range fields {
		fixed := false
		if depth == 0 && len(f) == 2 && !strings.ContainsAny(f, "?~") {
			if n, err := strconv.ParseUint(f, 16, 8); err == nil {
				run = append(run, lowerASCII(byte(n)))
				fixed = true
			}
		}
		switch f {
		case "(":
			depth++
		case ")":
			depth--
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
