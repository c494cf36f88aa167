package webshell

import (
	"strings"

	"github.com/strata-forensics/strata/signatures/decode"
)

// StepLiteral names, in a finding's chain of decodings, PHP code a page hands to eval,
// assert, create_function or a /e replacement as a literal: eval('system($_GET["c"]);'),
// a heredoc assigned to $code and eval($code), preg_replace('/x/e', 'eval($c)', 'x').
const StepLiteral = decode.StepLiteral

// maxInlined bounds the rounds of inlining (a literal whose code evaluates another literal)
// and the tokens one page may grow to.
const (
	maxInlineRounds = 3
	maxInlineTokens = 1 << 18
)

// inlineLiterals returns the page's PHP tokens with every code sink that is handed a literal
// (or a variable assigned one literal and nothing else) replaced by the code the literal
// holds, lexed and folded: that code runs in the page's own scope, so the variables it reads
// are the page's own ($c = $_POST['c']; preg_replace('/.*/e', 'system($c)', "x")). ok is false
// when the page hands no sink a literal.
func inlineLiterals(toks []decode.Token, s decode.Syntax) ([]decode.Token, bool) {
	// Most pages hand no sink a literal: one look, without copying, says so.
	hint := false
	for i, t := range toks {
		if t.Kind != decode.Ident || i+3 >= len(toks) || !toks[i+1].Is("(") || len(t.Text) < 4 || !codeTaker(strings.ToLower(t.Text)) {
			continue
		}
		switch a := toks[i+2]; {
		case a.Kind == decode.Var:
			hint = true
		case !plainLiteral(a):
		case strings.HasPrefix(strings.ToLower(t.Text), "preg_"):
			hint = evalModifier(a.Text)
		default:
			hint = true
		}
		if hint {
			break
		}
	}
	if !hint {
		return nil, false
	}
	code := make([]decode.Token, 0, len(toks))
	for _, t := range toks {
		if t.Kind == decode.Markup || t.Kind == decode.Newline {
			continue
		}
		code = append(code, t)
	}
	lits := literalVars(code)
	cs := s.Code()
	inlined := false
	for round := 0; round < maxInlineRounds; round++ {
		changed := false
		for i := 0; i < len(code) && len(code) < maxInlineTokens; i++ {
			t := code[i]
			if t.Kind != decode.Ident || !tokIs(code, i+1, "(") || tokIs(code, i-1, "->") || tokIs(code, i-1, "::") ||
				tokIs(code, i-1, "function") || tokIs(code, i-1, "new") {
				continue
			}
			n := strings.ToLower(t.Text)
			if !codeTaker(n) {
				continue
			}
			close := closeParen(code, i+1)
			if close < 0 {
				continue
			}
			args := splitArgs(code, i+1, close)
			var body []decode.Token
			switch n {
			case "eval", "assert":
				if len(args) < 1 {
					continue
				}
				v, ok := literalArg(code, args[0], lits)
				if !ok {
					continue
				}
				body = append(lexCode(v, cs, t.Pos), punct(";", t.Pos))
			case "create_function":
				if len(args) < 2 {
					continue
				}
				v, ok := literalArg(code, args[1], lits)
				if !ok {
					continue
				}
				body = append([]decode.Token{{Kind: decode.Ident, Text: "function", Pos: t.Pos}, punct("(", t.Pos), punct(")", t.Pos), punct("{", t.Pos)},
					lexCode(v, cs, t.Pos)...)
				body = append(body, punct(";", t.Pos), punct("}", t.Pos))
			default: // preg_replace, preg_filter with /e
				if len(args) < 2 {
					continue
				}
				pat, ok := literalArg(code, args[0], lits)
				if !ok || !evalModifier(pat) {
					continue
				}
				v, ok := literalArg(code, args[1], lits)
				if !ok {
					continue
				}
				body = append(append([]decode.Token{punct("(", t.Pos)}, lexCode(v, cs, t.Pos)...), punct(")", t.Pos))
			}
			if len(body) <= 2 {
				continue
			}
			rest := code[close+1:]
			code = append(append(append(make([]decode.Token, 0, i+len(body)+len(rest)), code[:i]...), body...), rest...)
			i += len(body) - 1
			changed, inlined = true, true
		}
		if !changed {
			break
		}
	}
	return code, inlined
}

// codeTaker reports whether a PHP function runs a string as code.
func codeTaker(n string) bool {
	switch n {
	case "eval", "assert", "create_function", "preg_replace", "preg_filter":
		return true
	}
	return false
}

// literalVars returns the variables assigned exactly once, to one plain literal, as a whole
// statement ($code = <<<EOD ... EOD;), with the literal's value.
func literalVars(code []decode.Token) map[string]string {
	count := map[string]int{}
	val := map[string]string{}
	for i, t := range code {
		if t.Kind != decode.Var || !isAssign(at(code, i+1).Text) || at(code, i+1).Kind != decode.Punct {
			continue
		}
		count[t.Text]++
		v := at(code, i+2)
		if at(code, i+1).Text == "=" && plainLiteral(v) && (tokIs(code, i+3, ";") || at(code, i+3).Kind == decode.Tag) {
			val[t.Text] = v.Text
		}
	}
	for k := range val {
		if count[k] != 1 {
			delete(val, k)
		}
	}
	return val
}

func plainLiteral(t decode.Token) bool {
	return t.Kind == decode.Str && len(t.Interp) == 0 && t.Quote != '`' && t.Quote != '/'
}

// literalArg returns the literal an argument is: one literal token, or a variable
// literalVars knows.
func literalArg(code []decode.Token, r [2]int, lits map[string]string) (string, bool) {
	if r[1]-r[0] != 1 {
		return "", false
	}
	t := code[r[0]]
	if plainLiteral(t) {
		return t.Text, true
	}
	if t.Kind == decode.Var {
		v, ok := lits[t.Text]
		return v, ok
	}
	return "", false
}

// evalModifier reports whether a PCRE pattern literal carries the e modifier (PHP before 7
// evaluated the replacement as code).
func evalModifier(p string) bool {
	p = strings.TrimSpace(p)
	if len(p) < 3 {
		return false
	}
	d := p[0]
	if d >= 'a' && d <= 'z' || d >= 'A' && d <= 'Z' || d >= '0' && d <= '9' || d == '\\' {
		return false
	}
	end := d
	switch d {
	case '(':
		end = ')'
	case '{':
		end = '}'
	case '[':
		end = ']'
	case '<':
		end = '>'
	}
	j := strings.LastIndexByte(p[1:], end)
	if j < 0 {
		return false
	}
	mods := p[j+2:]
	return strings.ContainsRune(mods, 'e') && strings.Trim(mods, "imsxeuADSUXJn") == ""
}

// lexCode lexes and folds a literal's code, every token placed at pos.
func lexCode(v string, s decode.Syntax, pos int) []decode.Token {
	toks, _ := decode.Lex([]byte(v), s)
	toks, _ = decode.Fold(toks, s)
	out := toks[:0]
	for _, t := range toks {
		if t.Kind == decode.Markup || t.Kind == decode.Newline {
			continue
		}
		t.Pos = pos
		out = append(out, t)
	}
	return out
}

func punct(s string, pos int) decode.Token {
	return decode.Token{Kind: decode.Punct, Text: s, Pos: pos}
}

func at(code []decode.Token, i int) decode.Token {
	if i < 0 || i >= len(code) {
		return decode.Token{Kind: decode.Newline}
	}
	return code[i]
}

func tokIs(code []decode.Token, i int, s string) bool { return at(code, i).Is(s) }

// closeParen returns the index of the parenthesis closing the one at open, -1 when none.
func closeParen(code []decode.Token, open int) int {
	depth := 0
	for j := open; j < len(code); j++ {
		if code[j].Kind != decode.Punct {
			continue
		}
		switch code[j].Text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				if code[j].Text == ")" {
					return j
				}
				return -1
			}
		}
	}
	return -1
}

// splitArgs returns the token ranges of the arguments between open and close.
func splitArgs(code []decode.Token, open, close int) [][2]int {
	var out [][2]int
	depth, from := 0, open+1
	for j := open + 1; j < close; j++ {
		if code[j].Kind != decode.Punct {
			continue
		}
		switch code[j].Text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 {
				out = append(out, [2]int{from, j})
				from = j + 1
			}
		}
	}
	if from < close {
		out = append(out, [2]int{from, close})
	}
	return out
}
