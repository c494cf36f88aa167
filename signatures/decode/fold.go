package decode

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// folder rewrites a token list the way the code itself would compute its constants.
type folder struct {
	s      Syntax
	toks   []Token
	budget *budget
	folded bool
	// noAlphabet: the code generates no alphabet it reads (alphabet.go); alphaIdle counts
	// the rounds in a row that put nothing from one in place
	noAlphabet bool
	alphaGen   bool // the code calls range() or str_split()
	alphaIdle  int8
}

// Fold folds constant expressions in toks (which it may change): concatenated literals,
// chr() sequences, decoder calls on literals and on variables assigned one literal, a
// literal or a variable holding one used as a function name. It reports whether it changed
// anything. The budget bounds the bytes decoders may produce.
func Fold(toks []Token, s Syntax) ([]Token, bool) {
	b := newBudget(Limits{})
	f := &folder{s: s, toks: toks, budget: b}
	f.run()
	return f.toks, f.folded
}

func (f *folder) run() {
	f.chrs()
	if joinFirst {
		f.joins()
	}
	for round := 0; round < 12; round++ {
		changed := f.constVars()
		changed = f.pass() || changed
		if !changed || f.budget.out() {
			return
		}
		f.folded = true
	}
}

// chrs folds every chr(N) into its character in one linear pass: obfuscators write
// thousands of them, and folding them one by one would move the token list each time.
func (f *folder) chrs() {
	any := false
	// the same pass tells whether PHP code generates an alphabet (alphabet.go)
	lookAlpha := f.s.Name == "php"
	for i, t := range f.toks {
		if t.Kind != Ident {
			continue
		}
		if !any && len(t.Text) >= 3 && len(t.Text) <= 6 && (t.Text[0]|0x20 == 'c' || t.Text[0]|0x20 == 'm') && i+2 < len(f.toks) && f.toks[i+2].Kind == Num {
			any = true
		}
		if lookAlpha && alphabetCall(t) && i+1 < len(f.toks) && f.toks[i+1].Is("(") {
			f.alphaGen, lookAlpha = true, false
		}
		if any && !lookAlpha {
			break
		}
	}
	f.noAlphabet = !f.alphaGen
	if !any {
		return
	}
	// Compacted in place: what is written never passes what is read, and a copy of a token
	// list of a million was 60 MB more at its peak.
	out := f.toks[:0]
	changed := false
	for i := 0; i < len(f.toks); i++ {
		t := f.toks[i]
		if t.Kind == Ident && i+3 < len(f.toks) && f.toks[i+1].Is("(") && f.toks[i+2].Kind == Num && f.toks[i+3].Is(")") {
			switch strings.ToLower(t.Text) {
			case "chr", "chrw", "chrb", "mb_chr":
				// the token before, as written so far (a fold ends in a Str where ")" was)
				prev := Token{Kind: Newline}
				if len(out) > 0 {
					prev = out[len(out)-1]
				}
				if !(prev.Is("->") || prev.Is("::") || prev.Is(".") && !f.isConcat(prev)) {
					if r, ok := number(f.toks[i+2].Text); ok && r > 0 && r < 0x110000 {
						out = append(out, Token{Kind: Str, Text: charOf(r), Quote: '"', Chain: []string{StepChr}, Pos: t.Pos})
						i += 3
						changed = true
						continue
					}
				}
			}
		}
		out = append(out, t)
	}
	f.toks = out
	if changed {
		f.folded = true
	}
}

// joinFirst turns the linear join on; the tests turn it off to hold it to strRules.
var joinFirst = true

// joins joins every run of literals "a" . "b" . "c" in one linear pass, as strRules joins one
// run: a page of library code holds thousands of such runs, and joining them one by one moved
// the rest of the token list each time (tcpdf.php spent half its analysis in those moves).
// Compacted in place like chrs; what strRules finds after other folds it still joins.
func (f *folder) joins() {
	if len(f.s.concat) == 0 {
		return
	}
	out := f.toks[:0]
	changed := false
	for i := 0; i < len(f.toks); i++ {
		t := f.toks[i]
		if t.Kind == Str && t.Quote != '/' && t.Quote != '`' && len(t.Interp) == 0 && f.isConcat(f.at(i+1)) {
			// the token before, as written so far
			before := Token{Kind: Newline}
			if len(out) > 0 {
				before = out[len(out)-1]
			}
			if !tighterBefore(before) {
				if u, j := f.joinRun(i, t); j > i {
					out = append(out, u)
					i = j
					changed = true
					continue
				}
			}
		}
		out = append(out, t)
	}
	f.toks = out
	if changed {
		f.folded = true
	}
}

// joinRun joins the literal t at i with the literals concatenated after it, as far as nothing
// binds one of them tighter: the joined literal and the index of the last one it took (i
// when none).
func (f *folder) joinRun(i int, t Token) (Token, int) {
	// The run's end and length first: every join makes a new literal, charged to the budget
	// before it is built (variables joined to themselves level after level, $b = $a . $a ...;
	// $c = $b . $b ..., would otherwise grow without end).
	j, n := i, len(t.Text)
	for f.isConcat(f.at(j + 1)) {
		u := f.at(j + 2)
		if u.Kind != Str || u.Quote == '/' || u.Quote == '`' || len(u.Interp) > 0 {
			break
		}
		if f.tighter(j + 3) {
			// 'sy'.'stem'($c) calls stem(), PHP's precedence says; its author meant system():
			// a run of literals that spells a command or code runner right before a call is
			// read as that call
			if f.s.Name == "php" && f.at(j+3).Is("(") && n+len(u.Text) <= maxRunnerName && phpRunner[strings.ToLower(f.runText(i, j)+u.Text)] {
				n += len(u.Text)
				j += 2
			}
			break
		}
		n += len(u.Text)
		j += 2
	}
	if j == i || !f.budget.take(n) {
		return t, i
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(t.Text)
	for k := i + 2; k <= j; k += 2 {
		u := f.at(k)
		b.WriteString(u.Text)
		t.Chain = joinChains(t.Chain, u.Chain)
	}
	t.Text = b.String()
	return t, j
}

// maxRunnerName bounds the literals joinRun reads as a runner's name: none is longer.
const maxRunnerName = 32

// runText returns the literals of a run from i to j (every other token), joined.
func (f *folder) runText(i, j int) string {
	var b strings.Builder
	for k := i; k <= j; k += 2 {
		b.WriteString(f.at(k).Text)
	}
	return b.String()
}

// at returns the i-th token or a zero token.
func (f *folder) at(i int) Token {
	if i < 0 || i >= len(f.toks) {
		return Token{Kind: Newline}
	}
	return f.toks[i]
}

// replace puts t in place of toks[i:j].
func (f *folder) replace(i, j int, t ...Token) {
	f.toks = slices.Replace(f.toks, i, j, t...)
}

func isName(t Token) bool { return t.Kind == Ident || t.Kind == Var }

func (f *folder) isConcat(t Token) bool {
	return t.Kind == Punct && slices.Contains(f.s.concat, t.Text)
}

func joinChains(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// pass makes one sweep of the local rewrites and reports whether any applied.
func (f *folder) pass() bool {
	changed := false
	for i := 0; i < len(f.toks); i++ {
		if f.budget.out() {
			return changed
		}
		t := f.toks[i]
		switch t.Kind {
		case Str:
			if f.strRules(i) {
				changed = true
				i = max(-1, i-3)
			}
		case Ident:
			if f.bareWordString(i) {
				changed = true
				i = max(-1, i-3)
				continue
			}
			if f.callRules(i) {
				changed = true
				i = max(-1, i-3)
			}
		case Punct:
			if f.bitwiseRules(i) {
				changed = true
				i = max(-1, i-3)
				continue
			}
			if f.parenRules(i) {
				changed = true
				i = max(-1, i-3)
			}
		}
	}
	return changed
}

// bareWordString turns a lower-case bare word that PHP concatenates with a string into that
// string: PHP before 8 reads an undefined constant as its own name, so sy.'stem' is "system",
// a spelling that hides a function's name from a search for it. Upper-case words are the
// constants pages define (PHP_EOL, ABSPATH) and are left alone.
func (f *folder) bareWordString(i int) bool {
	if f.s.Name != "php" {
		return false
	}
	t := f.toks[i]
	if !lowerWord(t.Text) && !mixedWord(t.Text) || phpWordOp[strings.ToLower(t.Text)] {
		return false
	}
	prev, next := f.at(i-1), f.at(i+1)
	if prev.Is("->") || prev.Is("::") || prev.Is("?->") || prev.Is("\\") || prev.Kind == Ident || next.Is("(") || next.Is("::") || next.Is("\\") {
		return false
	}
	after, before := f.at(i+2), f.at(i-2)
	if !(f.isConcat(next) && after.Kind == Str && after.Quote != '`') && !(f.isConcat(prev) && before.Kind == Str && before.Quote != '`') {
		return false
	}
	f.toks[i] = Token{Kind: Str, Text: t.Text, Quote: '\'', Chain: t.Chain, Pos: t.Pos}
	return true
}

// phpRunner are PHP's functions that run a command or code, or call what they are given.
var phpRunner = map[string]bool{"system": true, "exec": true, "shell_exec": true, "passthru": true, "popen": true,
	"proc_open": true, "pcntl_exec": true, "assert": true, "create_function": true, "call_user_func": true,
	"call_user_func_array": true, "array_map": true, "usort": true, "preg_replace": true}

// phpWordOp are PHP's lower-case words that are operators or literals, not bare strings.
var phpWordOp = map[string]bool{"and": true, "or": true, "xor": true, "new": true, "clone": true, "instanceof": true,
	"true": true, "false": true, "null": true, "print": true, "echo": true, "return": true, "include": true, "require": true,
	"include_once": true, "require_once": true, "fn": true, "function": true, "static": true, "self": true, "parent": true,
	"case": true, "else": true, "yield": true, "throw": true, "as": true, "use": true, "namespace": true, "const": true}

// mixedWord reports a word of letters and digits with both cases, as obfuscators write
// bare (RxRU): no constant's name, which is in capitals, nor a class's before ::.
func mixedWord(s string) bool {
	if s == "" || len(s) > 32 || !isIdentStart(s[0]) {
		return false
	}
	upper, lower := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case !isIdentPart(c):
			return false
		}
	}
	return upper && lower
}

func lowerWord(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// strRules: "a" . "b" joins; "a" "b" joins in Python; 'system'(...) calls a name;
// "abc"[::-1] and "abc".reverse reverse.
func (f *folder) strRules(i int) bool {
	t := f.toks[i]
	if t.Quote == '/' || t.Quote == '`' || len(t.Interp) > 0 {
		return false
	}
	next := f.at(i + 1)
	if f.isConcat(next) && !f.tighterBefore(i) {
		// join the whole run "a" . "b" . "c" at once: long chr() chains are thousands long
		if u, j := f.joinRun(i, t); j > i {
			f.replace(i, j+1, u)
			return true
		}
	}
	// PHP's 'abc'[1] and "abc"{1}: a character picked out of a literal
	if f.s.Name == "php" && (next.Is("[") && f.at(i+3).Is("]") || next.Is("{") && f.at(i+3).Is("}")) && f.at(i+2).Kind == Num && !isAssign(f.at(i+4)) {
		if c, ok := charAt(t.Text, f.at(i+2).Text); ok {
			f.replace(i, i+4, Token{Kind: Str, Text: c, Quote: '"', Chain: joinChains(t.Chain, []string{StepIndex}), Pos: t.Pos})
			return true
		}
	}
	// PHP's ${'_POST'}: a variable named by a literal
	if f.s.Name == "php" && f.at(i-1).Is("{") && f.at(i-2).Is("$") && next.Is("}") && identLike(t.Text) {
		f.replace(i-2, i+2, Token{Kind: Var, Text: "$" + t.Text, Chain: t.Chain, Pos: t.Pos})
		return true
	}
	if f.s.Name == "python" && next.Kind == Str && next.Quote != '/' {
		t.Text += next.Text
		t.Chain = joinChains(t.Chain, next.Chain)
		f.replace(i, i+2, t)
		return true
	}
	if next.Is("(") && (f.s.Name == "php") && identLike(t.Text) {
		f.replace(i, i+1, Token{Kind: Ident, Text: t.Text, Chain: t.Chain, Pos: t.Pos})
		return true
	}
	// "abc"[::-1]
	if next.Is("[") && f.at(i+2).Is(":") && f.at(i+3).Is(":") && f.at(i+4).Is("-") && f.at(i+5).Text == "1" && f.at(i+6).Is("]") {
		t.Text = Reverse(t.Text)
		t.Chain = append(slices.Clone(t.Chain), StepStrrev)
		f.replace(i, i+7, t)
		return true
	}
	// "abc".split("").reverse().join("")  and Ruby's "abc".reverse
	if next.Is(".") {
		if f.at(i+2).Is("split") && f.at(i+3).Is("(") && f.at(i+4).Kind == Str && f.at(i+4).Text == "" && f.at(i+5).Is(")") &&
			f.at(i+6).Is(".") && f.at(i+7).Is("reverse") && f.at(i+8).Is("(") && f.at(i+9).Is(")") &&
			f.at(i+10).Is(".") && f.at(i+11).Is("join") && f.at(i+12).Is("(") && f.at(i+13).Kind == Str && f.at(i+13).Text == "" && f.at(i+14).Is(")") {
			t.Text = Reverse(t.Text)
			t.Chain = append(slices.Clone(t.Chain), StepStrrev)
			f.replace(i, i+15, t)
			return true
		}
		if f.s.Name == "ruby" && f.at(i+2).Is("reverse") && !f.at(i+3).Is("(") {
			t.Text = Reverse(t.Text)
			t.Chain = append(slices.Clone(t.Chain), StepStrrev)
			f.replace(i, i+3, t)
			return true
		}
	}
	// JavaScript obj['name'] is obj.name
	if f.s.Name == "javascript" && f.at(i-1).Is("[") && next.Is("]") && identLike(t.Text) && (isName(f.at(i-2)) || f.at(i-2).Is(")") || f.at(i-2).Is("]")) {
		f.replace(i-1, i+2, Token{Kind: Punct, Text: ".", Pos: t.Pos}, Token{Kind: Ident, Text: t.Text, Chain: t.Chain, Pos: t.Pos})
		return true
	}
	return false
}

// tighter reports whether the operator at i binds tighter than concatenation would to the
// literal before it (so "a" + "b" * 2 is not joined).
func (f *folder) tighter(i int) bool {
	t := f.at(i)
	if t.Kind != Punct {
		return t.Is("(") || t.Is("[")
	}
	switch t.Text {
	case "*", "/", "%", "[", "(", "->", "::", "**":
		return true
	case "{":
		// PHP's 'abc'{1}: an offset, not a block
		return f.s.Name == "php" && f.at(i+1).Kind == Num && f.at(i+2).Is("}")
	}
	return false
}

func (f *folder) tighterBefore(i int) bool { return tighterBefore(f.at(i - 1)) }

// tighterBefore reports whether t, before a literal, binds it tighter than a concatenation.
func tighterBefore(t Token) bool {
	if t.Kind != Punct {
		return false
	}
	switch t.Text {
	case "*", "/", "%", "-", "->", "::", "**", "!":
		return true
	}
	return false
}

func identLike(s string) bool {
	if s == "" || len(s) > 64 || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentPart(s[i]) && s[i] != '\\' {
			return false
		}
	}
	return true
}

// parenRules: ("abc") is "abc" where the parentheses are not a call's; (char)115 is "s".
func (f *folder) parenRules(i int) bool {
	if f.toks[i].Is("~") && f.s.Name == "php" {
		// PHP's string complement: ~"\xa0\xb8\xba\xab" is "_GET"; folded only where
		// nothing around it binds
		u, p, after := f.at(i+1), f.at(i-1), f.at(i+2)
		if u.Kind == Str && len(u.Interp) == 0 && u.Quote != '`' && (p.Is("(") || p.Is("=") || p.Is(",") || f.isConcat(p)) &&
			(after.Is(")") || after.Is(";") || after.Is(",") || f.isConcat(after)) {
			b := []byte(u.Text)
			for k := range b {
				b[k] = ^b[k]
			}
			f.replace(i, i+2, Token{Kind: Str, Text: string(b), Quote: '"', Chain: u.Chain, Pos: f.toks[i].Pos})
			return true
		}
		return false
	}
	if !f.toks[i].Is("(") {
		return false
	}
	if f.at(i+1).Kind == Str && f.at(i+2).Is(")") {
		prev := f.at(i - 1)
		call := prev.Kind == Var || prev.Is(")") || prev.Is("]") || prev.Kind == Str
		if prev.Kind == Ident {
			switch strings.ToLower(prev.Text) {
			case "echo", "print", "return", "and", "or", "not", "include", "include_once", "require", "require_once", "then", "else", "in":
			default:
				call = true
			}
		}
		if !call {
			t := f.at(i + 1)
			f.replace(i, i+3, t)
			return true
		}
	}
	// (char)115, (char)0x73
	if f.at(i+1).Is("char") && f.at(i+2).Is(")") && f.at(i+3).Kind == Num {
		if r, ok := number(f.at(i + 3).Text); ok && r > 0 && r < 0x110000 {
			f.replace(i, i+4, Token{Kind: Str, Text: string(rune(r)), Quote: '"', Chain: []string{StepChr}, Pos: f.toks[i].Pos})
			return true
		}
	}
	return false
}

// charOf is chr(r): a byte below 256 (PHP, VBScript), else the rune.
func charOf(r int64) string {
	if r < 256 {
		return string([]byte{byte(r)})
	}
	return string(rune(r))
}

// number reads a literal number: decimal, 0x hex, 0 octal, VBScript &H hex.
func number(s string) (int64, bool) {
	s = strings.ReplaceAll(s, "_", "")
	if len(s) > 2 && (s[0] == '&') && (s[1] == 'H' || s[1] == 'h') {
		v, err := strconv.ParseInt(s[2:], 16, 64)
		return v, err == nil
	}
	v, err := strconv.ParseInt(s, 0, 64)
	return v, err == nil
}

// decoders maps a decoding function's name (lower case) to its step.
var decoders = map[string]string{
	"base64_decode": StepBase64, "atob": StepBase64, "b64decode": StepBase64, "decodebytes": StepBase64,
	"decodestring": StepBase64, "decode64": StepBase64, "decode_base64": StepBase64, "frombase64string": StepBase64,
	"decodebuffer": StepBase64, "decodebase64": StepBase64, "standard_b64decode": StepBase64, "urlsafe_b64decode": StepBase64,
	"hex2bin": StepHex, "unhexlify": StepHex, "fromhex": StepHex, "a2b_hex": StepHex,
	"urldecode": StepURL, "rawurldecode": StepURL, "unquote": StepURL, "unquote_plus": StepURL,
	"decodeuricomponent": StepURL, "decodeuri": StepURL, "unescape": StepURL, "urldecode_": StepURL,
	"str_rot13": StepRot13,
	"strrev":    StepStrrev, "strreverse": StepStrrev,
	"gzinflate": StepGzinflate, "gzuncompress": StepGzuncompress, "gzdecode": StepGzdecode, "zlib_decode": StepGzinflate,
}

// callRules folds calls on literals: decoders, chr(), String.fromCharCode(), str_replace(),
// pack('H*', ...), __import__('os'), getattr(x, 'name').
func (f *folder) callRules(i int) bool {
	t := f.toks[i]
	name := strings.ToLower(t.Text)
	if !f.at(i + 1).Is("(") {
		// Perl's chr 115 and scalar reverse 'abc' take no parentheses
		return false
	}
	prev := f.at(i - 1)
	method := prev.Is(".") && !f.isConcat(prev) || prev.Is("->") || prev.Is("::")
	switch name {
	case "chr", "chrw", "chrb", "mb_chr":
		if a := f.at(i + 2); a.Kind == Num && f.at(i+3).Is(")") && !method {
			if r, ok := number(a.Text); ok && r > 0 && r < 0x110000 {
				f.replace(i, i+4, Token{Kind: Str, Text: string(rune(r)), Quote: '"', Chain: []string{StepChr}, Pos: t.Pos})
				return true
			}
		}
		return false
	case "fromcharcode":
		var b strings.Builder
		j := i + 2
		for {
			a := f.at(j)
			if a.Kind != Num {
				return false
			}
			r, ok := number(a.Text)
			if !ok || r <= 0 || r >= 0x110000 {
				return false
			}
			b.WriteRune(rune(r))
			j++
			if f.at(j).Is(")") {
				break
			}
			if !f.at(j).Is(",") {
				return false
			}
			j++
		}
		start := i
		if prev.Is(".") && f.at(i-2).Is("String") {
			start = i - 2
		}
		f.replace(start, j+1, Token{Kind: Str, Text: b.String(), Quote: '"', Chain: []string{StepChr}, Pos: t.Pos})
		return true
	case "str_replace", "str_ireplace":
		a, b, c := f.at(i+2), f.at(i+4), f.at(i+6)
		if a.Kind == Str && f.at(i+3).Is(",") && b.Kind == Str && f.at(i+5).Is(",") && c.Kind == Str && f.at(i+7).Is(")") && a.Text != "" {
			v := strings.ReplaceAll(c.Text, a.Text, b.Text)
			if name == "str_ireplace" {
				v = replaceFold(c.Text, a.Text, b.Text)
			}
			f.replace(i, i+8, Token{Kind: Str, Text: v, Quote: '"', Chain: joinChains(c.Chain, []string{StepReplace}), Pos: t.Pos})
			return true
		}
		return false
	case "pack":
		a, b := f.at(i+2), f.at(i+4)
		if a.Kind == Str && (a.Text == "H*" || a.Text == "H") && f.at(i+3).Is(",") && b.Kind == Str && f.at(i+5).Is(")") {
			if v, ok := Hex(b.Text); ok {
				f.replace(i, i+6, Token{Kind: Str, Text: string(v), Quote: '"', Chain: append(slices.Clone(b.Chain), StepHex), Pos: t.Pos})
				return true
			}
		}
		return false
	case "substr", "strtr", "substr_replace", "trim", "ltrim", "rtrim", "chop", "strtolower", "strtoupper", "ucfirst", "lcfirst",
		"ucwords", "str_repeat", "implode", "join", "sprintf", "strval", "str_pad", "mb_substr", "mb_strtolower", "mb_strtoupper", "base64_encode":
		if f.s.Name != "php" || method {
			return false
		}
		return f.phpString(i, name)
	case "string":
		// Java's new String(new byte[] {101, 120, 101, 99}) and new String(new char[] {...})
		if !prev.Is("new") || f.s.Name != "java" || !f.at(i+2).Is("new") || !(f.at(i+3).Is("byte") || f.at(i+3).Is("char")) ||
			!f.at(i+4).Is("[") || !f.at(i+5).Is("]") || !f.at(i+6).Is("{") {
			return false
		}
		var b strings.Builder
		j := i + 7
		for !f.at(j).Is("}") {
			a := f.at(j)
			neg := false
			if a.Is("-") {
				neg, j = true, j+1
				a = f.at(j)
			}
			var r int64
			switch {
			case a.Kind == Num:
				v, ok := number(a.Text)
				if !ok {
					return false
				}
				r = v
			case a.Kind == Str && len(a.Text) == 1:
				r = int64(a.Text[0])
			default:
				return false
			}
			if neg {
				r = -r
			}
			b.WriteByte(byte(r))
			j++
			if f.at(j).Is(",") {
				j++
			}
			if b.Len() > 4096 {
				return false
			}
		}
		if !f.at(j + 1).Is(")") {
			return false
		}
		f.replace(i-1, j+2, Token{Kind: Str, Text: b.String(), Quote: '"', Chain: []string{StepChr}, Pos: f.at(i - 1).Pos})
		return true
	case "base_convert":
		// base_convert(1751504350, 10, 36) spells a name in another base
		n, from, to := f.at(i+2), f.at(i+4), f.at(i+6)
		if f.s.Name != "php" || method || !(n.Kind == Num || n.Kind == Str) || from.Kind != Num || to.Kind != Num ||
			!f.at(i+3).Is(",") || !f.at(i+5).Is(",") || !f.at(i+7).Is(")") {
			return false
		}
		fb, ok1 := number(from.Text)
		tb, ok2 := number(to.Text)
		if !ok1 || !ok2 || fb < 2 || fb > 36 || tb < 2 || tb > 36 {
			return false
		}
		v, err := strconv.ParseInt(strings.ToLower(n.Text), int(fb), 64)
		if err != nil || v < 0 {
			return false
		}
		f.replace(i, i+8, Token{Kind: Str, Text: strconv.FormatInt(v, int(tb)), Quote: '"', Chain: joinChains(n.Chain, []string{StepBaseConvert}), Pos: t.Pos})
		return true
	case "array_map":
		// array_map('chr', array(115, 121, ...)): the characters of a name, as an array of
		// literals implode joins
		c := f.at(i + 2)
		if f.s.Name != "php" || method || c.Kind != Str || !strings.EqualFold(c.Text, "chr") || !f.at(i+3).Is(",") {
			return false
		}
		j := i + 4
		closer := "]"
		switch {
		case f.at(j).Is("array") && f.at(j+1).Is("("):
			j, closer = j+2, ")"
		case f.at(j).Is("["):
			j++
		default:
			return false
		}
		start := j
		var elems []Token
		for ; !f.at(j).Is(closer); j++ {
			a := f.at(j)
			if (j-start)%2 == 1 {
				if !a.Is(",") {
					return false
				}
				continue
			}
			r, ok := number(a.Text)
			if a.Kind != Num || !ok || r <= 0 || r >= 0x110000 || len(elems) > 4096 {
				return false
			}
			if len(elems) > 0 {
				elems = append(elems, Token{Kind: Punct, Text: ",", Pos: a.Pos})
			}
			elems = append(elems, Token{Kind: Str, Text: string(rune(r)), Quote: '"', Chain: []string{StepChr}, Pos: a.Pos})
		}
		if !f.at(j+1).Is(")") || len(elems) == 0 {
			return false
		}
		out := append([]Token{{Kind: Ident, Text: "array", Pos: t.Pos}, {Kind: Punct, Text: "(", Pos: t.Pos}}, elems...)
		out = append(out, Token{Kind: Punct, Text: ")", Pos: t.Pos})
		f.replace(i, j+2, out...)
		return true
	case "fromcallable":
		// Closure::fromCallable('system') is the function the string names
		if a := f.at(i + 2); f.s.Name == "php" && prev.Is("::") && f.at(i-2).Is("Closure") && a.Kind == Str && identLike(a.Text) && f.at(i+3).Is(")") {
			f.replace(i-2, i+4, a)
			return true
		}
		return false
	case "__import__":
		if a := f.at(i + 2); a.Kind == Str && identLike(a.Text) && f.at(i+3).Is(")") {
			f.replace(i, i+4, Token{Kind: Ident, Text: a.Text, Chain: a.Chain, Pos: t.Pos})
			return true
		}
		return false
	case "getattr":
		if x, a := f.at(i+2), f.at(i+4); x.Kind == Ident && f.at(i+3).Is(",") && a.Kind == Str && identLike(a.Text) && f.at(i+5).Is(")") {
			f.replace(i, i+6, x, Token{Kind: Punct, Text: ".", Pos: t.Pos}, Token{Kind: Ident, Text: a.Text, Chain: a.Chain, Pos: a.Pos})
			return true
		}
		return false
	case "reverse":
		if prev.Is("scalar") {
			if a := f.at(i + 2); a.Kind == Str && f.at(i+3).Is(")") {
				f.replace(i-1, i+4, Token{Kind: Str, Text: Reverse(a.Text), Quote: '"', Chain: append(slices.Clone(a.Chain), StepStrrev), Pos: t.Pos})
				return true
			}
		}
		return false
	}
	step, ok := decoders[name]
	if name == "decode" {
		// Base64.getDecoder().decode("..."), URLDecoder.decode("...")
		switch {
		case prev.Is(".") && f.at(i-2).Is(")") && f.at(i-3).Is("(") && (f.at(i-4).Is("getDecoder") || f.at(i-4).Is("getMimeDecoder") || f.at(i-4).Is("getUrlDecoder")):
			step, ok = StepBase64, true
		case prev.Is(".") && f.at(i-2).Is("URLDecoder"):
			step, ok = StepURL, true
		}
	}
	if name == "decompress" && prev.Is(".") && f.at(i-2).Is("zlib") {
		step, ok = StepGzinflate, true
	}
	if !ok {
		return false
	}
	a := f.at(i + 2)
	if a.Kind != Str || a.Quote == '/' || a.Quote == '`' || len(a.Interp) > 0 {
		return false
	}
	// the literal may be followed by simple extra arguments: base64_decode('...', true)
	j := i + 3
	for f.at(j).Is(",") && (f.at(j+1).Kind == Num || f.at(j+1).Kind == Str || f.at(j+1).Kind == Ident || f.at(j+1).Is("-") && f.at(j+2).Kind == Num) {
		j += 2
		if f.at(j - 1).Is("-") {
			j++
		}
	}
	if !f.at(j).Is(")") {
		return false
	}
	v, s, ok := f.apply(step, a.Text, name)
	if !ok {
		return false
	}
	start := i
	// drop the receiver of a method decoder: base64.b64decode, Convert.FromBase64String
	if method && (f.at(i-2).Kind == Ident) && !f.at(i-3).Is(".") && !f.at(i-3).Is("->") {
		start = i - 2
	}
	if name == "decode" && step == StepBase64 {
		start = i - 4
		for start > 0 && (f.at(start-1).Is(".") || f.at(start-1).Kind == Ident) {
			start--
		}
	}
	f.replace(start, j+1, Token{Kind: Str, Text: v, Quote: '"', Chain: append(slices.Clone(a.Chain), s), Pos: f.toks[start].Pos})
	return true
}

// apply runs one decoding step on a literal's value.
func (f *folder) apply(step, v, name string) (string, string, bool) {
	switch step {
	case StepBase64:
		b, ok := Base64(v)
		if !ok || !f.budget.take(len(b)) {
			return "", "", false
		}
		return string(b), step, true
	case StepHex:
		b, ok := Hex(v)
		if !ok || !f.budget.take(len(b)) {
			return "", "", false
		}
		return string(b), step, true
	case StepURL:
		b, _ := URL(v, name == "urldecode" || name == "unquote_plus")
		return string(b), step, f.budget.take(len(b))
	case StepRot13:
		return Rot13(v), step, f.budget.take(len(v))
	case StepStrrev:
		return Reverse(v), step, f.budget.take(len(v))
	case StepGzinflate, StepGzuncompress, StepGzdecode:
		b, s, ok := Inflate([]byte(v), f.budget.left())
		if !ok || !f.budget.take(len(b)) {
			return "", "", false
		}
		return string(b), s, true
	}
	return "", "", false
}

func replaceFold(s, old, repl string) string {
	if old == "" {
		return s
	}
	var b strings.Builder
	ls, lo := strings.ToLower(s), strings.ToLower(old)
	for {
		i := strings.Index(ls, lo)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, ls = s[i+len(old):], ls[i+len(old):]
	}
}

// statementStart reports whether a token may precede an assignment's target at the start of
// a statement (or a declaration's type or keyword).
func statementStart(t Token) bool {
	switch t.Kind {
	case Newline, Tag:
		return true
	case Punct:
		return t.Text == ";" || t.Text == "{" || t.Text == "}" || t.Text == ":"
	case Ident:
		switch strings.ToLower(t.Text) {
		case "if", "elseif", "while", "until", "return", "case", "when", "and", "or", "not", "unless", "elsif", "new", "echo", "print":
			return false
		}
		return true
	}
	return false
}

func isAssign(t Token) bool {
	if t.Kind != Punct {
		return false
	}
	switch t.Text {
	case "=", ".=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "??=", "<<=", ">>=", "**=":
		return true
	}
	return false
}

// constVars finds variables assigned exactly once, to one literal, and puts the literal where
// the variable is read as a decoder's argument, a concatenation operand or a called name.
func (f *folder) constVars() bool {
	type def struct {
		tok     Token
		assigns int
		ok      bool
	}
	defs := map[string]*def{}
	key := func(t Token) string {
		if f.s.caseFold && t.Kind == Ident {
			return strings.ToLower(t.Text)
		}
		return t.Text
	}
	varKind := Ident
	if f.s.dollarVars {
		varKind = Var
	}
	for i, t := range f.toks {
		if t.Kind != varKind || !isAssign(f.at(i+1)) {
			continue
		}
		if p := f.at(i - 1); p.Is("->") || p.Is(".") || p.Is("::") || p.Is("$") {
			continue
		}
		k := key(t)
		d := defs[k]
		if d == nil {
			d = &def{}
			defs[k] = d
		}
		d.assigns++
		v := f.at(i + 2)
		end := f.at(i + 3)
		good := f.at(i+1).Text == "=" && v.Kind == Str && v.Quote != '/' && v.Quote != '`' && len(v.Interp) == 0 &&
			((end.Is(";") || end.Kind == Newline || end.Kind == Tag) && statementStart(f.at(i-1)) ||
				// ($a = 'assert') && ...: an assignment in parentheses assigns all the same
				f.at(i-1).Is("(") && end.Is(")"))
		switch {
		case d.assigns == 1:
			d.ok = good || f.at(i-1).Is("Const") && v.Kind == Str
			if d.ok {
				d.tok = v
			}
		case f.s.Name == "php" && d.ok && good && v.Text == d.tok.Text:
			// the same literal again (a function defined twice, each assigning it): still one value
		default:
			d.ok = false
		}
	}
	// foreach ($a as $k => $v), list(...) = , by-reference uses and ++ also change variables
	for i, t := range f.toks {
		if t.Kind != varKind {
			continue
		}
		ref := f.at(i-1).Is("&") && !(f.s.Name == "php" && operandEnd(f.at(i-2)))
		if !(f.at(i-1).Is("as") || f.at(i-1).Is("=>") || ref || f.at(i+1).Is("++") || f.at(i+1).Is("--") || (f.at(i+1).Is("[") || f.at(i+1).Is("{")) && isAssign(f.at(i+3))) {
			continue
		}
		if d := defs[key(t)]; d != nil {
			d.ok = false
		}
	}
	changed := false
	if f.s.Name == "php" && f.constArrays() {
		changed = true
	}
	if f.s.Name == "php" && f.alphabets() {
		changed = true
	}
	anyConst := false
	for _, d := range defs {
		anyConst = anyConst || d.ok
	}
	if !anyConst {
		return changed // no variable holds one literal: nothing to put in its place
	}
	for i := 0; i < len(f.toks); i++ {
		t := f.toks[i]
		if t.Kind != varKind {
			continue
		}
		d := defs[key(t)]
		if d == nil || !d.ok || isAssign(f.at(i+1)) {
			continue
		}
		prev, next := f.at(i-1), f.at(i+1)
		if prev.Is("$") && varKind == Var && identLike(d.tok.Text) && !f.at(i-2).Is("$") {
			// $$name where $name holds '_POST': the variable it names
			f.replace(i-1, i+1, Token{Kind: Var, Text: "$" + d.tok.Text, Chain: d.tok.Chain, Pos: t.Pos})
			changed = true
			continue
		}
		if prev.Is("{") && f.at(i-2).Is("$") && next.Is("}") && varKind == Var && identLike(d.tok.Text) {
			// ${$name}: the same
			f.replace(i-2, i+2, Token{Kind: Var, Text: "$" + d.tok.Text, Chain: d.tok.Chain, Pos: t.Pos})
			changed = true
			i -= 2
			continue
		}
		// a & after an operand is PHP's bitwise and, not a reference
		andOp := f.s.Name == "php" && prev.Is("&") && operandEnd(f.at(i-2))
		if prev.Is("->") || prev.Is(".") && !f.isConcat(prev) || prev.Is("::") || prev.Is("$") || prev.Is("&") && !andOp || prev.Is("global") || prev.Is("static") {
			continue
		}
		// $s{28} . $s[29]: characters picked out of a literal by their offsets
		if f.s.Name == "php" && (next.Is("[") && f.at(i+3).Is("]") || next.Is("{") && f.at(i+3).Is("}")) && f.at(i+2).Kind == Num &&
			!isAssign(f.at(i+4)) && !f.at(i+4).Is("[") {
			if c, ok := charAt(d.tok.Text, f.at(i+2).Text); ok {
				f.replace(i, i+4, Token{Kind: Str, Text: c, Quote: '"', Chain: joinChains(d.tok.Chain, []string{StepIndex}), Pos: t.Pos})
				changed = true
				continue
			}
		}
		// a concatenation operand next to a literal or to another variable holding one:
		// $a = 'sys'; $b = 'tem'; $f = $a . $b;
		constAt := func(j int) bool {
			u := f.at(j)
			if u.Kind == Str {
				return true
			}
			if u.Kind != varKind || isAssign(f.at(j+1)) {
				return false
			}
			e := defs[key(u)]
			return e != nil && e.ok
		}
		use := f.isConcat(prev) && constAt(i-2) || f.isConcat(next) && constAt(i+2) ||
			prev.Is("(") && next.Is(")") && f.at(i-2).Kind == Ident && decoders[strings.ToLower(f.at(i-2).Text)] != "" ||
			// eval($code) where $code holds one literal: the literal is the code
			f.s.Name == "php" && prev.Is("(") && next.Is(")") && (f.at(i-2).Is("eval") || f.at(i-2).Is("assert")) && !f.at(i-3).Is("->") ||
			next.Is("(") && identLike(d.tok.Text) && varKind == Var ||
			// an operand of PHP's string operators: $a = 'w|zk'; $b = $a & 'Z9P*'
			f.s.Name == "php" && (bitOp(next) || andOp || prev.Is("^") || prev.Is("|") || prev.Is("~")) ||
			// a function's name passed whole as an argument: array_map($f, ...), usort($a, $f)
			f.s.Name == "php" && (prev.Is("(") || prev.Is(",")) && (next.Is(")") || next.Is(",")) && identLike(d.tok.Text) && f.at(i-2).Kind == Ident ||
			// an argument of a string function that folds: str_replace($junk, '', '...'),
			// strtr($s, array($junk => ''))
			f.s.Name == "php" && (prev.Is("(") || prev.Is(",") || prev.Is("[")) && (next.Is(")") || next.Is(",") || next.Is("=>") || next.Is("]")) && f.stringArg(i)
		if !use {
			continue
		}
		v := d.tok
		v.Pos = t.Pos
		if next.Is("(") && varKind == Var {
			v = Token{Kind: Ident, Text: d.tok.Text, Chain: d.tok.Chain, Pos: t.Pos}
		}
		f.toks[i] = v
		changed = true
	}
	return changed
}

// arrayStart reads an array literal's opening at j (array( or [): the index after it and the
// token that closes it.
func (f *folder) arrayStart(j int) (int, string, bool) {
	switch {
	case f.at(j).Is("array") && f.at(j+1).Is("("):
		return j + 2, ")", true
	case f.at(j).Is("["):
		return j + 1, "]", true
	}
	return j, "", false
}

// strtrMap folds strtr('...', array('from' => 'to', ...)) (or [...]) on literals at token i:
// the longest key is replaced first, and replaced text is not searched again, as PHP does.
func (f *folder) strtrMap(i int) bool {
	t := f.toks[i]
	lit := func(x Token) bool { return x.Kind == Str && len(x.Interp) == 0 && x.Quote != '`' && x.Quote != '/' }
	s0 := f.at(i + 2)
	if !lit(s0) || !f.at(i+3).Is(",") {
		return false
	}
	j, close, ok := f.arrayStart(i + 4)
	if !ok {
		return false
	}
	var from, to []string
	chain := s0.Chain
	for !f.at(j).Is(close) {
		k, arrow, v := f.at(j), f.at(j+1), f.at(j+2)
		if !lit(k) || !arrow.Is("=>") || !lit(v) || len(from) >= 64 {
			return false
		}
		if k.Text != "" {
			from, to = append(from, k.Text), append(to, v.Text)
		}
		chain = joinChains(chain, joinChains(k.Chain, v.Chain))
		j += 3
		if f.at(j).Is(",") {
			j++
		}
	}
	if !f.at(j+1).Is(")") || len(from) == 0 {
		return false
	}
	var b strings.Builder
	src := s0.Text
	for p := 0; p < len(src); {
		best := -1
		for n, k := range from {
			if strings.HasPrefix(src[p:], k) && (best < 0 || len(k) > len(from[best])) {
				best = n
			}
		}
		if best < 0 {
			b.WriteByte(src[p])
			p++
			continue
		}
		b.WriteString(to[best])
		p += len(from[best])
	}
	f.replace(i, j+2, Token{Kind: Str, Text: b.String(), Quote: '"', Chain: joinChains(chain, []string{StepReplace}), Pos: t.Pos})
	return true
}

// foldingString are the PHP string functions phpString and callRules fold whose arguments
// a variable holding a literal may stand for.
var foldingString = map[string]bool{"explode": true, "base64_encode": true, "str_replace": true, "str_ireplace": true, "strtr": true, "substr_replace": true,
	"substr": true, "implode": true, "join": true, "str_repeat": true, "sprintf": true, "trim": true, "ltrim": true, "rtrim": true}

// stringArg reports whether token i is an argument of a PHP string function that folds
// (foldingString), directly or as an element of an array literal handed to it.
func (f *folder) stringArg(i int) bool {
	depth := 0
	arrays := 0
	for j := i - 1; j >= 0 && j > i-64; j-- {
		t := f.toks[j]
		switch {
		case t.Is(")") || t.Is("]"):
			depth++
		case t.Is("(") || t.Is("["):
			if depth > 0 {
				depth--
				continue
			}
			if t.Is("[") {
				if arrays++; arrays > 1 {
					return false
				}
				continue
			}
			n := f.at(j - 1)
			if n.Kind != Ident || f.at(j-2).Is("->") || f.at(j-2).Is("::") {
				return false
			}
			low := strings.ToLower(n.Text)
			if low == "array" {
				if arrays++; arrays > 1 {
					return false
				}
				j--
				continue
			}
			return foldingString[low]
		case t.Is(";") || t.Is("{") || t.Is("}"):
			return false
		}
	}
	return false
}

// phpString folds a PHP string function called on literals (substr('1a', 1), strtr('azxcvt',
// 'zxcv', 'sser'), trim(' assert '), implode(array('as', 'sert'))): code that builds a
// function's name from pieces computes it this way. Only literal and number arguments fold.
func (f *folder) phpString(i int, name string) bool {
	t := f.toks[i]
	var args []Token
	j := i + 2
	if name == "implode" || name == "join" {
		// implode(array('a', 'b')), implode('', ['a', 'b'])
		sep := ""
		if f.at(j).Kind == Str && f.at(j+1).Is(",") {
			sep = f.at(j).Text
			j += 2
		}
		j, close, ok := f.arrayStart(j)
		if !ok {
			return false
		}
		var parts []string
		var chain []string
		for !f.at(j).Is(close) {
			a := f.at(j)
			if a.Kind != Str || len(a.Interp) > 0 || a.Quote == '`' {
				return false
			}
			parts = append(parts, a.Text)
			chain = joinChains(chain, a.Chain)
			j++
			if f.at(j).Is(",") {
				j++
			}
		}
		if !f.at(j + 1).Is(")") {
			return false
		}
		f.replace(i, j+2, Token{Kind: Str, Text: strings.Join(parts, sep), Quote: '"', Chain: chain, Pos: t.Pos})
		return true
	}
	if name == "strtr" {
		if ok := f.strtrMap(i); ok {
			return true
		}
	}
	for {
		a := f.at(j)
		switch {
		case a.Kind == Str && len(a.Interp) == 0 && a.Quote != '`' && a.Quote != '/':
		case a.Kind == Num:
		case a.Is("-") && f.at(j+1).Kind == Num:
			a = Token{Kind: Num, Text: "-" + f.at(j+1).Text}
			j++
		default:
			return false
		}
		args = append(args, a)
		j++
		if f.at(j).Is(")") {
			break
		}
		if !f.at(j).Is(",") || len(args) > 4 {
			return false
		}
		j++
	}
	str := func(k int) (string, bool) {
		if k < len(args) && args[k].Kind == Str {
			return args[k].Text, true
		}
		return "", false
	}
	num := func(k int) (int, bool) {
		if k < len(args) && args[k].Kind == Num {
			v, err := strconv.Atoi(args[k].Text)
			return v, err == nil && v > -1<<20 && v < 1<<20
		}
		return 0, false
	}
	// PHP's offsets: negative counts from the end; out of range clamps
	clamp := func(s string, start, n int, hasN bool) string {
		if start < 0 {
			start = max(len(s)+start, 0)
		}
		start = min(start, len(s))
		end := len(s)
		if hasN {
			if n < 0 {
				end = max(len(s)+n, start)
			} else {
				end = min(start+n, len(s))
			}
		}
		return s[start:end]
	}
	s0, ok := str(0)
	if !ok && name != "sprintf" {
		return false
	}
	var v string
	switch name {
	case "substr", "mb_substr":
		start, ok := num(1)
		if !ok {
			return false
		}
		n, hasN := num(2)
		v = clamp(s0, start, n, hasN)
	case "substr_replace":
		repl, ok1 := str(1)
		start, ok2 := num(2)
		if !ok1 || !ok2 {
			return false
		}
		n, hasN := num(3)
		if start < 0 {
			start = max(len(s0)+start, 0)
		}
		start = min(start, len(s0))
		end := len(s0)
		if hasN {
			if n < 0 {
				end = max(len(s0)+n, start)
			} else {
				end = min(start+n, len(s0))
			}
		}
		v = s0[:start] + repl + s0[end:]
	case "strtr":
		from, ok1 := str(1)
		to, ok2 := str(2)
		if !ok1 || !ok2 || len(args) != 3 {
			return false
		}
		n := min(len(from), len(to))
		b := []byte(s0)
		for k := range b {
			if x := strings.IndexByte(from[:n], b[k]); x >= 0 {
				b[k] = to[x]
			}
		}
		v = string(b)
	case "trim", "ltrim", "rtrim", "chop":
		cut := " \t\n\r\x00\x0B"
		if c, ok := str(1); ok {
			cut = c
		} else if len(args) > 1 {
			return false
		}
		switch name {
		case "trim":
			v = strings.Trim(s0, cut)
		case "ltrim":
			v = strings.TrimLeft(s0, cut)
		default:
			v = strings.TrimRight(s0, cut)
		}
	case "strtolower", "mb_strtolower":
		v = strings.ToLower(s0)
	case "strtoupper", "mb_strtoupper":
		v = strings.ToUpper(s0)
	case "ucfirst", "lcfirst":
		if s0 == "" {
			return false
		}
		if name == "ucfirst" {
			v = strings.ToUpper(s0[:1]) + s0[1:]
		} else {
			v = strings.ToLower(s0[:1]) + s0[1:]
		}
	case "ucwords":
		// PHP's ucwords: the first letter after whitespace upper-cased, ASCII only
		b := []byte(s0)
		for k := range b {
			if (k == 0 || strings.IndexByte(" \t\r\n\f\v", b[k-1]) >= 0) && b[k] >= 'a' && b[k] <= 'z' {
				b[k] -= 'a' - 'A'
			}
		}
		v = string(b)
	case "strval":
		v = s0
	case "base64_encode":
		// base64_decode(base64_encode($code)): a round trip that only hides the value
		if len(args) != 1 || !f.budget.take(len(s0)*4/3+4) {
			return false
		}
		v = base64.StdEncoding.EncodeToString([]byte(s0))
	case "str_repeat":
		n, ok := num(1)
		if !ok || n < 0 || n*len(s0) > 4096 {
			return false
		}
		v = strings.Repeat(s0, n)
	case "str_pad":
		n, ok := num(1)
		if !ok || n > 4096 {
			return false
		}
		pad := " "
		if p, ok := str(2); ok && p != "" {
			pad = p
		}
		v = s0
		for len(v) < n {
			v += pad
		}
		v = v[:max(n, len(s0))]
	case "sprintf":
		format, ok := str(0)
		if !ok {
			return false
		}
		var vals []any
		for _, a := range args[1:] {
			vals = append(vals, a.Text)
		}
		if strings.Count(format, "%s") != len(vals) || strings.Count(format, "%") != len(vals) {
			return false
		}
		v = fmt.Sprintf(format, vals...)
	default:
		return false
	}
	var chain []string
	for _, a := range args {
		chain = joinChains(chain, a.Chain)
	}
	f.replace(i, j+1, Token{Kind: Str, Text: v, Quote: '"', Chain: chain, Pos: t.Pos})
	return true
}

// maxArrayElems bounds the literal arrays constArrays follows.
const maxArrayElems = 256

// constArrays finds PHP variables assigned exactly once, to an array of literals
// ($s = ['sy', 'st', 'em'] or array('k' => 'v')), and never written otherwise, and puts the
// literal where an element is read with a literal index ($s[0] . $s[2]) and the array where
// it is handed to implode or join: code that builds a function's name from pieces keeps them
// so.
func (f *folder) constArrays() bool {
	type arr struct {
		keys    []string
		vals    []Token
		assigns int
		bad     bool
	}
	var arrs map[string]*arr
	for i, t := range f.toks {
		if t.Kind != Var || !isAssign(f.at(i+1)) || !statementStart(f.at(i-1)) {
			continue
		}
		open := i + 2
		if f.at(open).Is("array") {
			open++
		}
		if !(f.at(open).Is("[") || f.at(open).Is("(") && f.at(open-1).Is("array")) {
			continue
		}
		if arrs == nil {
			arrs = map[string]*arr{}
		}
		a := arrs[t.Text]
		if a == nil {
			a = &arr{}
			arrs[t.Text] = a
		}
		a.assigns++
		if f.at(i+1).Text != "=" || a.assigns > 1 {
			a.bad = true
			continue
		}
		closer := "]"
		if f.at(open).Is("(") {
			closer = ")"
		}
		j := open + 1
		n := 0
		skipLines := func() {
			for f.at(j).Kind == Newline && j < len(f.toks) {
				j++
			}
		}
		skipLines()
		for !f.at(j).Is(closer) {
			v := f.at(j)
			k := strconv.Itoa(n)
			if v.Kind == Str && f.at(j+1).Is("=>") {
				k = v.Text
				j += 2
				v = f.at(j)
			}
			if v.Kind != Str || len(v.Interp) > 0 || v.Quote == '`' || v.Quote == '/' || len(a.vals) >= maxArrayElems {
				a.bad = true
				break
			}
			a.keys, a.vals = append(a.keys, k), append(a.vals, v)
			n++
			j++
			skipLines()
			if f.at(j).Is(",") {
				j++
				skipLines()
			} else if !f.at(j).Is(closer) {
				a.bad = true
				break
			}
		}
		if end := f.at(j + 1); !a.bad && !(end.Is(";") || end.Kind == Newline || end.Kind == Tag) {
			a.bad = true
		}
	}
	if len(arrs) == 0 {
		return false
	}
	// Any other use that may write the array (an element assigned, a reference, a foreach
	// target, a call that is handed it) leaves it alone, except implode and join.
	elemRead := func(i int) (string, bool) {
		if !f.at(i+1).Is("[") || !f.at(i+3).Is("]") || isAssign(f.at(i+4)) || f.at(i+4).Is("[") {
			return "", false
		}
		switch x := f.at(i + 2); x.Kind {
		case Num:
			if n, ok := number(x.Text); ok {
				return strconv.FormatInt(n, 10), true
			}
		case Str:
			if len(x.Interp) == 0 {
				return x.Text, true
			}
		}
		return "", false
	}
	joined := func(i int) bool {
		prev, next := f.at(i-1), f.at(i+1)
		if !next.Is(")") {
			return false
		}
		call := -1
		switch {
		case prev.Is("(") && isName(f.at(i-2)):
			call = i - 2
		case prev.Is(",") && f.at(i-2).Kind == Str && f.at(i-3).Is("(") && isName(f.at(i-4)):
			call = i - 4
		}
		if call < 0 {
			return false
		}
		n := strings.ToLower(f.at(call).Text)
		return n == "implode" || n == "join"
	}
	if len(arrs) == 0 {
		return false
	}
	for i, t := range f.toks {
		if t.Kind != Var {
			continue
		}
		a := arrs[t.Text]
		if a == nil || a.bad || f.at(i+1).Text == "=" && (f.at(i+2).Is("[") || f.at(i+2).Is("array")) && a.assigns == 1 {
			continue
		}
		if _, ok := elemRead(i); ok || joined(i) {
			continue
		}
		a.bad = true
	}
	changed := false
	for i := 0; i < len(f.toks); i++ {
		if f.toks[i].Kind != Var {
			continue
		}
		t := f.toks[i]
		a := arrs[t.Text]
		if a == nil || a.bad || isAssign(f.at(i+1)) {
			continue
		}
		if k, ok := elemRead(i); ok {
			n := slices.Index(a.keys, k)
			if n < 0 {
				continue
			}
			v := a.vals[n]
			v.Pos = t.Pos
			f.replace(i, i+4, v)
			changed = true
			continue
		}
		if joined(i) {
			lit := []Token{{Kind: Punct, Text: "[", Pos: t.Pos}}
			for n, v := range a.vals {
				if n > 0 {
					lit = append(lit, Token{Kind: Punct, Text: ",", Pos: t.Pos})
				}
				v.Pos = t.Pos
				lit = append(lit, v)
			}
			lit = append(lit, Token{Kind: Punct, Text: "]", Pos: t.Pos})
			f.replace(i, i+1, lit...)
			changed = true
			i += len(lit) - 1
		}
	}
	return changed
}
