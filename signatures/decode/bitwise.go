package decode

import "strings"

// PHP computes a string from strings with the bitwise operators: ^ and & give the shorter
// operand's length, | the longer's, ~ complements every byte. Obfuscators build every name a
// page calls this way ('w|zkmp' & 'Z9P*LN'), split their literals with concatenations and
// comments, and write bare words PHP before 8 reads as their own names (ILUN . ']c'). The
// fold evaluates a whole expression of literals, bare words, concatenations, bitwise
// operators and parentheses, with PHP's precedence (~, then ., then &, ^, |), where the
// tokens around it bind looser than all of them.

// maxBitwiseSpan bounds the tokens one expression may hold.
const maxBitwiseSpan = 512

// bitOp reports PHP's binary string operators.
func bitOp(t Token) bool {
	return t.Kind == Punct && (t.Text == "^" || t.Text == "&" || t.Text == "|")
}

// bitOperand reports a token that may be an operand inside a bitwise string expression: a
// plain literal, or a bare word PHP reads as a string.
func (f *folder) bitOperand(i int) bool {
	t := f.at(i)
	switch t.Kind {
	case Str:
		return len(t.Interp) == 0 && t.Quote != '`' && t.Quote != '/'
	case Ident:
		if !bareWord(t.Text) {
			return false
		}
		p, n := f.at(i-1), f.at(i+1)
		if p.Kind == Ident && !(p.Is("return") || p.Is("echo") || p.Is("print")) {
			return false
		}
		return !(p.Is("->") || p.Is("::") || p.Is("?->") || p.Is("\\") || p.Is("$") ||
			n.Is("(") || n.Is("::") || n.Is("\\") || n.Kind == Ident)
	}
	return false
}

// bareWord reports a word PHP before 8 reads as a string when no constant has its name.
func bareWord(s string) bool {
	if s == "" || len(s) > 64 || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentPart(s[i]) {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "null", "and", "or", "xor", "new", "clone", "instanceof", "print", "echo", "return", "include",
		"require", "include_once", "require_once", "fn", "function", "static", "self", "parent", "case", "else", "yield",
		"throw", "as", "use", "namespace", "const", "if", "while", "for", "foreach", "array", "list", "isset", "empty":
		return false
	}
	return true
}

// bitLooser reports a token before or after an expression that binds looser than |.
func bitLooser(t Token, before bool) bool {
	switch t.Kind {
	case Newline, Tag:
		return true
	case Ident:
		return before && (t.Is("return") || t.Is("echo") || t.Is("print")) || t.Is("and") || t.Is("or") || t.Is("xor")
	case Punct:
		switch t.Text {
		case ";", ",", "?", ":", "&&", "||", "??", "=>":
			return true
		case "(", "[", "{":
			return before
		case ")", "]", "}":
			return !before
		}
		return before && isAssign(t)
	}
	return false
}

// bitwiseRules folds the PHP string expression around the bitwise operator at i.
func (f *folder) bitwiseRules(i int) bool {
	if f.s.Name != "php" {
		return false
	}
	op := f.toks[i]
	if !bitOp(op) && !op.Is("~") {
		return false
	}
	// the span: operands, operators and parentheses around i, with the parentheses balanced
	lo := i
	depth := 0
	for k := i - 1; k >= 0 && i-k < maxBitwiseSpan; k-- {
		t := f.toks[k]
		switch {
		case t.Kind == Newline && f.s.Name == "php":
			continue // a line break inside an expression
		case f.bitOperand(k), bitOp(t), t.Is("~"), f.isConcat(t):
		case t.Is(")"):
			depth++
		case t.Is("("):
			if depth == 0 {
				k = -1
				continue
			}
			if p := f.at(k - 1); p.Kind == Ident || p.Kind == Var || p.Kind == Str || p.Is(")") || p.Is("]") {
				return false // a call's parentheses
			}
			depth--
		default:
			k = -1
			continue
		}
		lo = k
	}
	if depth != 0 {
		return false
	}
	hi := i + 1
	for k := i + 1; k < len(f.toks) && k-i < maxBitwiseSpan; k++ {
		t := f.toks[k]
		switch {
		case t.Kind == Newline:
			continue
		case f.bitOperand(k), bitOp(t), t.Is("~"), f.isConcat(t):
		case t.Is("("):
			if p := f.at(k - 1); p.Kind == Ident || p.Kind == Var || p.Kind == Str || p.Is(")") || p.Is("]") {
				return false
			}
			depth++
		case t.Is(")"):
			if depth == 0 {
				k = len(f.toks)
				continue
			}
			depth--
		default:
			k = len(f.toks)
			continue
		}
		hi = k + 1
	}
	before, after := lo-1, hi
	for f.at(before).Kind == Newline && before >= 0 {
		before--
	}
	for f.at(after).Kind == Newline && after < len(f.toks) {
		after++
	}
	if depth != 0 || !bitLooser(f.at(before), true) || !bitLooser(f.at(after), false) {
		return false
	}
	// a & before a variable or in a parameter list is a reference, not an operator
	if op.Is("&") && i == lo {
		return false
	}
	// E_ALL & ~E_NOTICE: constants of numbers, not strings; a literal or a word with a
	// lower-case letter (no constant's name) says the expression computes a string
	stringy := false
	for k := lo; k < hi && !stringy; k++ {
		t := f.toks[k]
		stringy = t.Kind == Str || t.Kind == Ident && strings.ContainsFunc(t.Text, func(r rune) bool { return r >= 'a' && r <= 'z' })
	}
	if !stringy {
		return false
	}
	p := &bitParser{f: f, pos: lo, end: hi}
	v, ok := p.or()
	if !ok || p.pos != hi || !p.bitwise {
		return false
	}
	if !f.budget.take(len(v.Text)) {
		return false
	}
	v.Kind, v.Quote, v.Pos = Str, '"', f.toks[lo].Pos
	f.replace(lo, hi, v)
	return true
}

// bitParser evaluates a span of tokens as a PHP string expression.
type bitParser struct {
	f        *folder
	pos, end int
	bitwise  bool // an operator other than . was applied
}

func (p *bitParser) peek() Token {
	for p.pos < p.end && p.f.toks[p.pos].Kind == Newline {
		p.pos++
	}
	if p.pos >= p.end {
		return Token{Kind: Newline}
	}
	return p.f.toks[p.pos]
}

func (p *bitParser) or() (Token, bool) {
	return p.binary("|", p.xor)
}

func (p *bitParser) xor() (Token, bool) {
	return p.binary("^", p.and)
}

func (p *bitParser) and() (Token, bool) {
	return p.binary("&", p.cat)
}

func (p *bitParser) binary(op string, next func() (Token, bool)) (Token, bool) {
	l, ok := next()
	if !ok {
		return l, false
	}
	for p.peek().Kind == Punct && p.peek().Text == op {
		p.pos++
		r, ok := next()
		if !ok {
			return r, false
		}
		a, b := l.Text, r.Text
		n := min(len(a), len(b))
		if op == "|" {
			n = max(len(a), len(b))
		}
		out := make([]byte, n)
		for k := range out {
			var x, y byte
			if k < len(a) {
				x = a[k]
			}
			if k < len(b) {
				y = b[k]
			}
			switch {
			case op == "^":
				out[k] = x ^ y
			case op == "&":
				out[k] = x & y
			case k >= len(a):
				out[k] = y
			case k >= len(b):
				out[k] = x
			default:
				out[k] = x | y
			}
		}
		l = Token{Text: string(out), Chain: joinChains(l.Chain, r.Chain)}
		p.bitwise = true
	}
	return l, true
}

func (p *bitParser) cat() (Token, bool) {
	l, ok := p.unary()
	if !ok {
		return l, false
	}
	for p.f.isConcat(p.peek()) {
		p.pos++
		r, ok := p.unary()
		if !ok {
			return r, false
		}
		l = Token{Text: l.Text + r.Text, Chain: joinChains(l.Chain, r.Chain)}
	}
	return l, true
}

func (p *bitParser) unary() (Token, bool) {
	t := p.peek()
	switch {
	case t.Is("~"):
		p.pos++
		v, ok := p.unary()
		if !ok {
			return v, false
		}
		b := []byte(v.Text)
		for k := range b {
			b[k] = ^b[k]
		}
		p.bitwise = true
		return Token{Text: string(b), Chain: v.Chain}, true
	case t.Is("("):
		p.pos++
		v, ok := p.or()
		if !ok || !p.peek().Is(")") {
			return v, false
		}
		p.pos++
		return v, true
	case t.Kind == Str:
		p.pos++
		return Token{Text: t.Text, Chain: t.Chain}, true
	case t.Kind == Ident:
		p.pos++
		return Token{Text: t.Text, Chain: t.Chain}, true
	}
	return t, false
}

// operandEnd reports a token that may end an operand, so that a & after it is an operator.
func operandEnd(t Token) bool {
	switch t.Kind {
	case Str, Var, Num:
		return true
	case Punct:
		return t.Is(")") || t.Is("]")
	case Ident:
		return bareWord(t.Text) && !t.Is("use")
	}
	return false
}

// charAt is PHP's $s[n] of a literal: the byte at offset n, counted from the end when n is
// negative; ok is false out of range.
func charAt(s, n string) (string, bool) {
	k, ok := number(n)
	if !ok {
		return "", false
	}
	if k < 0 {
		k += int64(len(s))
	}
	if k < 0 || k >= int64(len(s)) {
		return "", false
	}
	return s[k : k+1], true
}
