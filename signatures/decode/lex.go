package decode

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is what a Token is.
type Kind uint8

// Token kinds.
const (
	Markup  Kind = iota // page text outside the code islands
	Tag                 // an island's opening or closing tag: "<?php", "?>", "<%", "<%=", "%>"
	Ident               // a name or keyword
	Var                 // a $variable (PHP, Perl, shell), with its $
	Str                 // a string literal; Text is its value
	Num                 // a number as written
	Punct               // an operator or bracket
	Newline             // one or more line ends (statement ends in VBScript, Python, Ruby, shell)
)

// Token is one lexeme of code. Comments are never tokens.
type Token struct {
	Kind Kind
	// Quote is the quote that opened a Str: '\'', '"', '`' (a command in PHP, Perl, Ruby and
	// shell), '/' (a regular expression), 'h' (a heredoc). (Beside Kind: a page's tokens
	// number up to a million, and the padding a field between them would cost is 8 MB.)
	Quote byte
	// Text is the token as written, except for Str, whose Text is the literal's value with its
	// escapes decoded (and, after folding, the value the folded expression produces).
	Text string
	// Interp lists the variables and expressions a Str interpolates ("$cmd", "$_GET"), as
	// written, for double-quoted, heredoc, backtick and template literals.
	Interp []string
	// Chain lists the decodings, outermost first, that produced a Str's value.
	Chain []string
	// Pos is the token's byte offset in the lexed text.
	Pos int
}

// Is reports whether t is an identifier or punctuation spelled s (identifiers compared
// without case).
func (t Token) Is(s string) bool {
	switch t.Kind {
	case Ident:
		return strings.EqualFold(t.Text, s)
	case Punct, Tag:
		return t.Text == s
	}
	return false
}

// maxTokens bounds one lexing; the rest of a bigger text is left unlexed (Lex reports it, and
// the page is reported as only partly decoded). A token costs about 90 bytes and its analysis
// as much again: a million keeps a page crafted of tokens alone (megabytes of one short
// statement) to a few hundred MB, where four million cost a gigabyte, while a payload behind
// a million tokens of padding is still reached (a real 1 MB PHP library holds about 300,000).
const maxTokens = 1 << 20

// Lex splits text into tokens by syntax s. It never fails: what it cannot read as code it
// reads as punctuation. The second result is false when the text had more tokens than Lex
// keeps.
func Lex(text []byte, s Syntax) ([]Token, bool) {
	l := &lexer{src: text, s: s}
	if s.javaUnicode && bytes.Contains(text, []byte(`\u`)) {
		l.src = javaUnicode(text)
	}
	if s.IsPlain() {
		return []Token{{Kind: Markup, Text: string(l.src)}}, true
	}
	// Room for the tokens of code, made only for code: plain text is one token, and the room
	// its bytes would have called for (a token is about 90 bytes) was 440 MB of garbage a
	// scan of a real Debian image.
	l.toks = make([]Token, 0, min(len(text)/6+16, maxTokens))
	if s.islands == islandsNone {
		l.code(-1)
	} else {
		l.page()
	}
	return l.toks, !l.full
}

type lexer struct {
	src  []byte
	i    int
	s    Syntax
	toks []Token
	full bool
}

func (l *lexer) emit(t Token) {
	if len(l.toks) >= maxTokens {
		l.full = true
		return
	}
	if t.Kind == Newline && len(l.toks) > 0 && l.toks[len(l.toks)-1].Kind == Newline {
		return
	}
	if l.s.Name == "php" && len(l.toks) > 0 {
		// PHP ends no statement at a line end: a concatenation split over lines
		// ('sy' .\n 'stem', or a line that starts with the dot) is one expression
		last := l.toks[len(l.toks)-1]
		if t.Kind == Newline && last.Kind == Punct && last.Text == "." {
			return
		}
		if t.Kind == Punct && t.Text == "." && last.Kind == Newline {
			l.toks = l.toks[:len(l.toks)-1]
		}
	}
	l.toks = append(l.toks, t)
}

func (l *lexer) has(p string) bool { return bytes.HasPrefix(l.src[l.i:], []byte(p)) }

func (l *lexer) hasFold(p string) bool {
	r := l.src[l.i:]
	return len(r) >= len(p) && bytes.EqualFold(r[:len(p)], []byte(p))
}

// page lexes markup and the code islands in it.
func (l *lexer) page() {
	for l.i < len(l.src) && !l.full {
		start := l.i
		open, tag, close := l.nextIsland()
		if open < 0 {
			l.emit(Token{Kind: Markup, Text: string(l.src[start:]), Pos: start})
			l.i = len(l.src)
			return
		}
		if open > start {
			l.emit(Token{Kind: Markup, Text: string(l.src[start:open]), Pos: start})
		}
		l.i = open
		switch {
		case tag == "<%--":
			end := bytes.Index(l.src[l.i:], []byte("--%>"))
			if end < 0 {
				l.i = len(l.src)
				return
			}
			l.i += end + 4
			continue
		case strings.HasPrefix(tag, "<jsp:"):
			// The content is XML: &lt; is <. Lex the unescaped content as code.
			end := bytes.Index(l.src[l.i+len(tag):], []byte(close))
			stop := len(l.src)
			if end >= 0 {
				stop = l.i + len(tag) + end
			}
			l.emit(Token{Kind: Tag, Text: "<%", Pos: l.i})
			sub := &lexer{src: unescapeXML(l.src[l.i+len(tag) : stop]), s: l.s.Code()}
			sub.code(-1)
			for _, t := range sub.toks {
				t.Pos += l.i + len(tag)
				l.emit(t)
			}
			l.emit(Token{Kind: Tag, Text: "%>", Pos: stop})
			l.i = min(len(l.src), stop+len(close))
			continue
		}
		l.emit(Token{Kind: Tag, Text: tag, Pos: l.i})
		l.i += len(tag)
		if tag == "<?php" || strings.HasPrefix(tag, "<script") {
			// the tag as emitted is canonical; skip what the source had
			if strings.HasPrefix(tag, "<script") {
				if e := bytes.IndexByte(l.src[open:], '>'); e >= 0 {
					l.i = open + e + 1
				}
			}
		}
		l.code(closeKind(close))
	}
}

// nextIsland finds the next island opening at or after l.i: its offset, its tag as emitted,
// and the tag that closes it. -1 when there is none.
func (l *lexer) nextIsland() (int, string, string) {
	src := l.src
	from := l.i
	switch l.s.islands {
	case islandsPHP:
		for {
			j := bytes.Index(src[from:], []byte("<?"))
			if j < 0 {
				return -1, "", ""
			}
			j += from
			r := src[j+2:]
			switch {
			case len(r) >= 3 && bytes.EqualFold(r[:3], []byte("php")):
				// "<?php" then the rest of the tag's spelling is skipped by the caller
				return j, "<?php", "?>"
			case len(r) > 0 && r[0] == '=':
				return j, "<?=", "?>"
			case len(r) >= 3 && bytes.EqualFold(r[:3], []byte("xml")):
				from = j + 2
				continue
			default:
				return j, "<?", "?>"
			}
		}
	case islandsASP:
		best, tag, close := -1, "", ""
		if j := bytes.Index(src[from:], []byte("<%")); j >= 0 {
			best = from + j
			r := src[best+2:]
			switch {
			case bytes.HasPrefix(r, []byte("--")):
				tag = "<%--"
			case len(r) > 0 && strings.IndexByte("=!@#:$", r[0]) >= 0:
				tag = "<%" + string(r[0])
			default:
				tag = "<%"
			}
			close = "%>"
		}
		if j := indexFold(src[from:], "<script"); j >= 0 && (best < 0 || from+j < best) {
			k := from + j
			if e := bytes.IndexByte(src[k:], '>'); e >= 0 {
				attrs := bytes.ToLower(src[k : k+e])
				if bytes.Contains(attrs, []byte("runat")) && bytes.Contains(attrs, []byte("server")) {
					best, tag, close = k, "<script>", "</script>"
				}
			}
		}
		for _, n := range []string{"scriptlet", "declaration", "expression"} {
			if j := bytes.Index(src[from:], []byte("<jsp:"+n+">")); j >= 0 && (best < 0 || from+j < best) {
				best, tag, close = from+j, "<jsp:"+n+">", "</jsp:"+n+">"
			}
		}
		return best, tag, close
	}
	return -1, "", ""
}

func closeKind(close string) int {
	switch close {
	case "?>":
		return 1
	case "%>":
		return 2
	case "</script>":
		return 3
	}
	return -1
}

func indexFold(b []byte, s string) int {
	n := len(s)
	for i := 0; i+n <= len(b); i++ {
		if (b[i] == s[0] || b[i] == s[0]^0x20) && bytes.EqualFold(b[i:i+n], []byte(s)) {
			return i
		}
	}
	return -1
}

// closeAt reports whether the island closes at l.i, and emits the closing tag.
func (l *lexer) closeAt(kind int) bool {
	var tag string
	switch kind {
	case 1:
		tag = "?>"
	case 2:
		tag = "%>"
	case 3:
		if !l.hasFold("</script>") {
			return false
		}
		l.emit(Token{Kind: Tag, Text: "</script>", Pos: l.i})
		l.i += len("</script>")
		return true
	default:
		return false
	}
	if !l.has(tag) {
		return false
	}
	l.emit(Token{Kind: Tag, Text: tag, Pos: l.i})
	l.i += len(tag)
	return true
}

// code lexes code until the island's closing tag (kind, -1 for none) or the end.
func (l *lexer) code(closeKind int) {
	s := &l.s
	for l.i < len(l.src) && !l.full {
		c := l.src[l.i]
		if closeKind > 0 && l.closeAt(closeKind) {
			return
		}
		switch {
		case c == '\n':
			l.emit(Token{Kind: Newline, Text: "\n", Pos: l.i})
			l.i++
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.i++
			continue
		case c == '_' && s.noBackslash && l.continuation():
			continue
		case c == '\\' && s.pyPrefixes && l.i+1 < len(l.src) && l.src[l.i+1] == '\n':
			l.i += 2
			continue
		case controlByte(c):
			// Binary bytes outside a literal are one token however many: no rule reads them,
			// and a binary file with a page inside (file's magic.mgc holds "<?php") was 740,000
			// tokens of them.
			j := l.i + 1
			for j < len(l.src) && controlByte(l.src[j]) {
				j++
			}
			text := ascii[c : c+1]
			if j > l.i+1 {
				text = string(l.src[l.i:j])
			}
			l.emit(Token{Kind: Punct, Text: text, Pos: l.i})
			l.i = j
			continue
		}
		if l.comment(closeKind) {
			continue
		}
		if s.heredoc && l.has("<<<") && l.heredoc() {
			continue
		}
		if s.csVerbatim && (l.has(`@"`) || l.has(`$"`) || l.has(`$@"`) || l.has(`@$"`)) {
			l.csString()
			continue
		}
		if s.pyPrefixes && l.pyString() {
			continue
		}
		if c == '$' && s.Name == "ruby" && l.i+1 < len(l.src) && strings.IndexByte("`'\"", l.src[l.i+1]) >= 0 {
			// Ruby's $` $' $" are globals (the text before and after a match, the loaded
			// features), no quote
			l.emit(Token{Kind: Var, Text: string(l.src[l.i : l.i+2]), Pos: l.i})
			l.i += 2
			continue
		}
		if strings.IndexByte(s.quotes, c) >= 0 || (c == '`' && (s.cmdBacktick || s.template)) {
			l.quoted(c, c)
			continue
		}
		if s.regexLiterals && c == '/' && l.operandExpected() {
			l.quoted('/', '/')
			continue
		}
		if isIdentStart(c) {
			if s.perlQuotes && l.perlQuote() {
				continue
			}
			j := l.i
			for j < len(l.src) && isIdentPart(l.src[j]) {
				j++
			}
			word := string(l.src[l.i:j])
			if s.remComment && strings.EqualFold(word, "rem") && (j == len(l.src) || l.src[j] == ' ' || l.src[j] == '\t') {
				for l.i < len(l.src) && l.src[l.i] != '\n' {
					l.i++
				}
				continue
			}
			l.emit(Token{Kind: Ident, Text: word, Pos: l.i})
			l.i = j
			continue
		}
		if c == '$' && s.dollarVars && l.i+1 < len(l.src) && (isIdentStart(l.src[l.i+1]) || (s.Name != "php" && l.src[l.i+1] == '{')) {
			j := l.i + 1
			if l.src[j] == '{' {
				if e := bytes.IndexByte(l.src[j:], '}'); e > 0 && e < 64 {
					l.emit(Token{Kind: Var, Text: "$" + string(l.src[j+1:j+e]), Pos: l.i})
					l.i = j + e + 1
					continue
				}
			}
			for j < len(l.src) && isIdentPart(l.src[j]) {
				j++
			}
			l.emit(Token{Kind: Var, Text: string(l.src[l.i:j]), Pos: l.i})
			l.i = j
			continue
		}
		if s.rubyPercent && c == '%' && l.rubyPercentString() {
			continue
		}
		if c >= '0' && c <= '9' || (c == '.' && l.i+1 < len(l.src) && l.src[l.i+1] >= '0' && l.src[l.i+1] <= '9') || (c == '&' && s.noBackslash && l.i+1 < len(l.src) && (l.src[l.i+1] == 'H' || l.src[l.i+1] == 'h')) {
			j := l.i + 1
			if c == '&' {
				j++
			}
			for j < len(l.src) && (isIdentPart(l.src[j]) || l.src[j] == '.') {
				j++
			}
			l.emit(Token{Kind: Num, Text: string(l.src[l.i:j]), Pos: l.i})
			l.i = j
			continue
		}
		l.punct()
	}
}

// controlByte reports a control character that is no whitespace: binary data, never code.
func controlByte(c byte) bool {
	return c < 0x20 && c != '\n' && c != '\t' && c != '\r' && c != '\f' && c != '\v' || c == 0x7f
}

// continuation skips a VBScript " _" line continuation.
func (l *lexer) continuation() bool {
	j := l.i + 1
	for j < len(l.src) && (l.src[j] == ' ' || l.src[j] == '\t' || l.src[j] == '\r') {
		j++
	}
	if j < len(l.src) && l.src[j] == '\n' && l.i > 0 && (l.src[l.i-1] == ' ' || l.src[l.i-1] == '\t') {
		l.i = j + 1
		return true
	}
	return false
}

// comment skips a comment at l.i. A PHP line comment ends at ?> as well as at a newline.
func (l *lexer) comment(closeKind int) bool {
	s := &l.s
	for _, bc := range s.blockComments {
		if l.has(bc[0]) {
			end := bytes.Index(l.src[l.i+len(bc[0]):], []byte(bc[1]))
			if end < 0 {
				l.i = len(l.src)
			} else {
				l.i += len(bc[0]) + end + len(bc[1])
			}
			return true
		}
	}
	for _, lc := range s.lineComments {
		if !l.has(lc) {
			continue
		}
		if lc == "#" && s.Name == "php" && l.has("#[") {
			return false // a PHP 8 attribute
		}
		if lc == "#" && s.Name == "shell" && l.i > 0 && !isSpace(l.src[l.i-1]) && l.src[l.i-1] != ';' {
			return false // a # inside a word
		}
		for l.i < len(l.src) && l.src[l.i] != '\n' {
			if closeKind == 1 && l.has("?>") || closeKind == 2 && l.has("%>") {
				return true
			}
			l.i++
		}
		return true
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// operandExpected reports whether a / at l.i starts a regular expression rather than
// dividing: after an operator, an opening bracket, a comma, a keyword or nothing.
func (l *lexer) operandExpected() bool {
	if len(l.toks) == 0 {
		return true
	}
	t := l.toks[len(l.toks)-1]
	switch t.Kind {
	case Punct:
		return t.Text != ")" && t.Text != "]" && t.Text != "}"
	case Ident:
		switch strings.ToLower(t.Text) {
		case "return", "typeof", "split", "grep", "if", "unless", "and", "or", "not", "when", "case", "in", "of":
			return true
		}
		return false
	case Newline, Tag:
		return true
	}
	return false
}

// ascii holds every ASCII byte, so one-byte tokens need no allocation.
var ascii = func() string {
	b := make([]byte, utf8.RuneSelf)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}()

var puncts = []string{"<<=", ">>=", "===", "!==", "<=>", "**=", "...", "??=", "?->",
	"==", "!=", "<>", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", ".=", "%=", "&=", "|=", "^=",
	"->", "=>", "::", "??", "<<", ">>", "=~", "**", ".."}

// punctsBy lists puncts by their first byte, longest first as in puncts: a page's
// punctuation is tried against the two or three that can match instead of all of them.
var punctsBy = func() (by [256][]string) {
	for _, p := range puncts {
		by[p[0]] = append(by[p[0]], p)
	}
	return by
}()

func (l *lexer) punct() {
	for _, p := range punctsBy[l.src[l.i]] {
		if p == "=~" && l.s.Name != "perl" && l.s.Name != "ruby" && l.s.Name != "shell" {
			continue // elsewhere = ~x assigns a complement (PHP's $_=~"\xa0...")
		}
		if p == ".." && l.s.Name != "lua" {
			continue // Lua's concatenation; elsewhere two dots are two tokens (Ruby's a..b ranges)
		}
		if l.has(p) {
			l.emit(Token{Kind: Punct, Text: p, Pos: l.i})
			l.i += len(p)
			return
		}
	}
	if c := l.src[l.i]; c < utf8.RuneSelf {
		l.emit(Token{Kind: Punct, Text: ascii[c : c+1], Pos: l.i})
		l.i++
		return
	}
	_, n := utf8.DecodeRune(l.src[l.i:])
	if n < 1 {
		n = 1
	}
	l.emit(Token{Kind: Punct, Text: string(l.src[l.i : l.i+n]), Pos: l.i})
	l.i += n
}

// quoted lexes a literal opened by open at l.i and closed by close.
func (l *lexer) quoted(open, close byte) {
	start := l.i
	l.i++
	raw := open == l.s.rawQuote || open == '/'
	// Java's literals interpolate nothing: "#{" + expr + "}" is two literals around an expression
	val, interp, escapes := l.body(close, raw, l.s.noBackslash || (open == '\'' && l.s.noBackslash), open != l.s.rawQuote && open != '/' && l.s.Name != "java")
	t := Token{Kind: Str, Text: val, Quote: open, Interp: interp, Pos: start}
	if open == '`' && l.s.template {
		t.Quote = '"'
	}
	if escapes >= 2 {
		t.Chain = []string{"escape"}
	}
	l.emit(t)
}

// body reads a literal's content up to close, decoding escapes unless raw (then only \\ and
// \close), and collecting interpolations when interp. It leaves l.i after the closing quote.
func (l *lexer) body(close byte, raw, noBackslash, interp bool) (string, []string, int) {
	var b strings.Builder
	var vars []string
	escapes := 0
	for l.i < len(l.src) {
		c := l.src[l.i]
		if c == close {
			if l.s.doubled && l.i+1 < len(l.src) && l.src[l.i+1] == close {
				b.WriteByte(close)
				l.i += 2
				continue
			}
			l.i++
			return b.String(), vars, escapes
		}
		if c == '\\' && !noBackslash && l.i+1 < len(l.src) {
			if raw {
				n := l.src[l.i+1]
				if n == '\\' || n == close {
					b.WriteByte(n)
					l.i += 2
					continue
				}
				b.WriteByte(c)
				l.i++
				continue
			}
			n, numeric := l.escape(&b)
			l.i += n
			if numeric {
				escapes++
			}
			continue
		}
		if interp {
			if v, n := l.interpolation(); n > 0 {
				vars = append(vars, v)
				b.Write(l.src[l.i : l.i+n])
				l.i += n
				continue
			}
		}
		b.WriteByte(c)
		l.i++
	}
	return b.String(), vars, escapes
}

// interpolation recognises $name, ${name}, {$expr}, #{expr} (Ruby) and ${expr} (JavaScript,
// shell) at l.i: what it names and how many bytes it spans.
func (l *lexer) interpolation() (string, int) {
	r := l.src[l.i:]
	switch {
	case len(r) > 1 && r[0] == '$' && isIdentStart(r[1]) && (l.s.dollarVars || l.s.Name == "ruby"):
		j := 2
		for j < len(r) && isIdentPart(r[j]) {
			j++
		}
		return string(r[:j]), j
	case len(r) > 2 && (r[0] == '{' && r[1] == '$' || r[0] == '$' && r[1] == '{' || r[0] == '#' && r[1] == '{'):
		e := bytes.IndexByte(r, '}')
		if e < 0 || e > 256 {
			return "", 0
		}
		inner := string(r[2:e])
		if r[0] == '{' {
			inner = string(r[1:e])
		}
		return inner, e + 1
	}
	return "", 0
}

// escape decodes the escape sequence at l.i into b: how many bytes it spans, and whether it
// was a numeric escape (\x41, \101, \u0041), the kind obfuscators use.
func (l *lexer) escape(b *strings.Builder) (int, bool) {
	r := l.src[l.i+1:]
	switch c := r[0]; c {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case 'v':
		b.WriteByte('\v')
	case 'f':
		b.WriteByte('\f')
	case 'e':
		b.WriteByte(0x1b)
	case 'a':
		b.WriteByte(7)
	case 'b':
		b.WriteByte(8)
	case '0', '1', '2', '3', '4', '5', '6', '7':
		j := 0
		for j < 3 && j < len(r) && r[j] >= '0' && r[j] <= '7' {
			j++
		}
		v, _ := strconv.ParseUint(string(r[:j]), 8, 16)
		b.WriteByte(byte(v))
		return 1 + j, j > 1 || v != 0
	case 'x':
		j := 1
		for j < 3 && j < len(r) && isHex(r[j]) {
			j++
		}
		if j == 1 {
			b.WriteString(`\x`)
			return 2, false
		}
		v, _ := strconv.ParseUint(string(r[1:j]), 16, 8)
		b.WriteByte(byte(v))
		return 1 + j, true
	case 'u', 'U':
		if len(r) > 1 && r[1] == '{' {
			e := bytes.IndexByte(r, '}')
			if e > 2 && e < 10 {
				if v, err := strconv.ParseUint(string(r[2:e]), 16, 32); err == nil {
					b.WriteRune(rune(v))
					return 1 + e + 1, true
				}
			}
			b.WriteByte('\\')
			return 1, false
		}
		n := 4
		if c == 'U' {
			n = 8
		}
		if len(r) > n && allHex(r[1:1+n]) {
			v, _ := strconv.ParseUint(string(r[1:1+n]), 16, 32)
			b.WriteRune(rune(v))
			return 2 + n, true
		}
		b.WriteByte('\\')
		b.WriteByte(c)
	case '\n':
		// a continued line
	default:
		if strings.IndexByte(`\'"$`+"`/{}", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return 2, false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func allHex(b []byte) bool {
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return len(b) > 0
}

// heredoc lexes PHP's <<<ID ... ID and <<<'ID' ... ID.
func (l *lexer) heredoc() bool {
	j := l.i + 3
	for j < len(l.src) && (l.src[j] == ' ' || l.src[j] == '\t') {
		j++
	}
	quote := byte(0)
	if j < len(l.src) && (l.src[j] == '\'' || l.src[j] == '"') {
		quote = l.src[j]
		j++
	}
	k := j
	for k < len(l.src) && isIdentPart(l.src[k]) {
		k++
	}
	if k == j {
		return false
	}
	id := string(l.src[j:k])
	if quote != 0 {
		if k >= len(l.src) || l.src[k] != quote {
			return false
		}
		k++
	}
	nl := bytes.IndexByte(l.src[k:], '\n')
	if nl < 0 {
		return false
	}
	bodyStart := k + nl + 1
	// the closing identifier stands alone at a line's start (PHP 7.3+: indented)
	end, after := -1, len(l.src)
	for p := bodyStart; p <= len(l.src); {
		line := l.src[p:]
		if e := bytes.IndexByte(line, '\n'); e >= 0 {
			line = line[:e]
		}
		if t := bytes.TrimLeft(line, " \t"); bytes.HasPrefix(t, []byte(id)) && (len(t) == len(id) || !isIdentPart(t[len(id)])) {
			end = p
			after = p + (len(line) - len(t)) + len(id)
			break
		}
		if p+len(line) >= len(l.src) {
			break
		}
		p += len(line) + 1
	}
	if end < 0 {
		end = len(l.src)
	}
	body := l.src[bodyStart:max(bodyStart, end-1)]
	start := l.i
	if quote == '\'' {
		l.emit(Token{Kind: Str, Text: string(body), Quote: 'h', Pos: start})
	} else {
		sub := &lexer{src: body, s: l.s}
		val, vars, esc := sub.body(0, false, false, true)
		t := Token{Kind: Str, Text: val, Quote: 'h', Interp: vars, Pos: start}
		if esc >= 2 {
			t.Chain = []string{"escape"}
		}
		l.emit(t)
	}
	l.i = after
	return true
}

// csString lexes C#'s @"verbatim" and $"interpolated" literals.
func (l *lexer) csString() {
	start := l.i
	verbatim := false
	for l.src[l.i] != '"' {
		if l.src[l.i] == '@' {
			verbatim = true
		}
		l.i++
	}
	l.i++
	if verbatim {
		var b strings.Builder
		for l.i < len(l.src) {
			c := l.src[l.i]
			if c == '"' {
				if l.i+1 < len(l.src) && l.src[l.i+1] == '"' {
					b.WriteByte('"')
					l.i += 2
					continue
				}
				l.i++
				break
			}
			b.WriteByte(c)
			l.i++
		}
		l.emit(Token{Kind: Str, Text: b.String(), Quote: '"', Pos: start})
		return
	}
	val, _, esc := l.body('"', false, false, false)
	t := Token{Kind: Str, Text: val, Quote: '"', Pos: start}
	// {expr} holes of an interpolated string
	t.Interp = append(t.Interp, braceHoles(val)...)
	if esc >= 2 {
		t.Chain = []string{"escape"}
	}
	l.emit(t)
}

func braceHoles(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
}

// pyString lexes Python's prefixed and triple-quoted literals.
func (l *lexer) pyString() bool {
	j := l.i
	raw := false
	for j < len(l.src) && j-l.i < 2 && strings.IndexByte("rRbBuUfF", l.src[j]) >= 0 {
		if l.src[j] == 'r' || l.src[j] == 'R' {
			raw = true
		}
		j++
	}
	if j >= len(l.src) || (l.src[j] != '\'' && l.src[j] != '"') {
		return false
	}
	if j > l.i && l.i > 0 && isIdentPart(l.src[l.i-1]) {
		return false
	}
	q := l.src[j]
	start := l.i
	if bytes.HasPrefix(l.src[j:], []byte{q, q, q}) {
		end := bytes.Index(l.src[j+3:], []byte{q, q, q})
		stop := len(l.src)
		if end >= 0 {
			stop = j + 3 + end
		}
		sub := &lexer{src: l.src[j+3 : stop], s: l.s}
		val, _, esc := sub.body(0, raw, false, false)
		t := Token{Kind: Str, Text: val, Quote: q, Pos: start}
		if esc >= 2 {
			t.Chain = []string{"escape"}
		}
		l.emit(t)
		l.i = min(len(l.src), stop+3)
		return true
	}
	if j == l.i {
		return false // a plain quote: quoted() handles it
	}
	l.i = j + 1
	val, interp, esc := l.body(q, raw, false, false)
	if bytes.ContainsAny(l.src[start:j], "fF") {
		// an f-string: its {expr} holes are code
		interp = append(interp, braceHoles(val)...)
	}
	t := Token{Kind: Str, Text: val, Quote: q, Interp: interp, Pos: start}
	if esc >= 2 {
		t.Chain = []string{"escape"}
	}
	l.emit(t)
	return true
}

var perlOps = map[string]bool{"q": true, "qq": true, "qw": true, "qx": true, "m": true, "qr": true, "s": true, "tr": true, "y": true}

// perlQuote lexes q(), qq{}, qw//, qx“, m//, qr//, s///, tr/// and y///.
func (l *lexer) perlQuote() bool {
	j := l.i
	for j < len(l.src) && isIdentPart(l.src[j]) {
		j++
	}
	op := string(l.src[l.i:j])
	if !perlOps[op] || j >= len(l.src) {
		return false
	}
	d := l.src[j]
	if isIdentPart(d) || isSpace(d) || d == ',' || d == ';' || d == '=' || d == ')' {
		return false
	}
	if d == '=' && j+1 < len(l.src) && l.src[j+1] == '>' {
		return false
	}
	start := l.i
	l.i = j + 1
	closer := closing(d)
	val := l.delimited(d, closer)
	if op == "s" || op == "tr" || op == "y" {
		if closer != d {
			for l.i < len(l.src) && isSpace(l.src[l.i]) {
				l.i++
			}
			if l.i < len(l.src) {
				o := l.src[l.i]
				l.i++
				l.delimited(o, closing(o))
			}
		} else {
			l.delimited(d, d)
		}
		for l.i < len(l.src) && isIdentPart(l.src[l.i]) {
			l.i++
		}
		l.emit(Token{Kind: Str, Text: val, Quote: '/', Pos: start})
		return true
	}
	quote := byte('"')
	switch op {
	case "q", "qw":
		quote = '\''
	case "qx":
		quote = '`'
	case "m", "qr":
		quote = '/'
		for l.i < len(l.src) && isIdentPart(l.src[l.i]) {
			l.i++
		}
	}
	var interp []string
	if (op == "qq" || op == "qx") && d != '\'' {
		interp = l.interpolations(val)
	}
	l.emit(Token{Kind: Str, Text: val, Quote: quote, Interp: interp, Pos: start})
	return true
}

// interpolations returns the variables and expressions a quote-like literal's text
// interpolates (Perl's qq{} and qx{}, Ruby's %Q() and %x()), read as a double-quoted
// literal's are.
func (l *lexer) interpolations(val string) []string {
	sub := &lexer{src: []byte(val), s: l.s}
	_, interp, _ := sub.body(0, false, false, true)
	return interp
}

// rubyPercentString lexes %q() %Q() %w() %x() %r() and %() literals.
func (l *lexer) rubyPercentString() bool {
	j := l.i + 1
	kind := byte('Q')
	if j < len(l.src) && strings.IndexByte("qQwWxriIs", l.src[j]) >= 0 {
		kind = l.src[j]
		j++
	}
	if j >= len(l.src) || strings.IndexByte("([{<|!/", l.src[j]) < 0 {
		return false
	}
	if kind == 'Q' && j == l.i+1 && !l.operandExpected() {
		return false // a modulo
	}
	start := l.i
	d := l.src[j]
	l.i = j + 1
	val := l.delimited(d, closing(d))
	quote := byte('"')
	switch kind {
	case 'x':
		quote = '`'
	case 'r':
		quote = '/'
	case 'q', 'w', 'i', 's':
		quote = '\''
	}
	var interp []string
	if quote != '\'' {
		interp = l.interpolations(val)
	}
	l.emit(Token{Kind: Str, Text: val, Quote: quote, Interp: interp, Pos: start})
	return true
}

func closing(d byte) byte {
	switch d {
	case '(':
		return ')'
	case '[':
		return ']'
	case '{':
		return '}'
	case '<':
		return '>'
	}
	return d
}

// delimited reads up to the closing delimiter, nesting brackets, keeping escapes as written.
func (l *lexer) delimited(open, close byte) string {
	depth := 0
	start := l.i
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == '\\' && l.i+1 < len(l.src):
			l.i += 2
			continue
		case c == close && depth == 0:
			s := string(l.src[start:l.i])
			l.i++
			return s
		case c == close:
			depth--
		case c == open && open != close:
			depth++
		}
		l.i++
	}
	return string(l.src[start:])
}

// javaUnicode applies Java's \uXXXX escapes, which the compiler reads anywhere in the
// source, identifiers included.
func javaUnicode(src []byte) []byte {
	out := make([]byte, 0, len(src))
	for i := 0; i < len(src); i++ {
		if src[i] == '\\' && i+1 < len(src) && src[i+1] == 'u' {
			j := i + 1
			for j < len(src) && src[j] == 'u' {
				j++
			}
			if j+4 <= len(src) && allHex(src[j:j+4]) {
				v, _ := strconv.ParseUint(string(src[j:j+4]), 16, 32)
				if v == '\\' || v == '"' || v == '\'' || v < 0x20 {
					out = append(out, src[i:j+4]...) // keep what would change the lexing of a literal
				} else {
					out = utf8.AppendRune(out, rune(v))
				}
				i = j + 3
				continue
			}
		}
		out = append(out, src[i])
	}
	return out
}

var xmlEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&")

func unescapeXML(b []byte) []byte {
	if !bytes.Contains(b, []byte("&")) {
		return b
	}
	return []byte(xmlEntities.Replace(string(b)))
}
