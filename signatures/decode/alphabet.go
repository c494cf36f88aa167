package decode

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// StepAlphabet names characters picked out of an alphabet the code generates (range('a',
// 'z'), str_split of a literal, array_merge of such) by their indexes: code rebuilt that way
// spells none of what it runs.
const StepAlphabet = "alphabet index"

// maxAlphabet bounds the alphabets alphabets follows, and the text one loop rebuilds.
const (
	maxAlphabet      = 1024
	maxAlphabets     = 8
	maxAlphabetBuilt = 64 << 10
)

// alphabet is a PHP array variable built as a list of strings: its elements, where it was
// last extended, and whether some other write makes it unknown.
type alphabet struct {
	elems   []Token
	lastSet int
	bad     bool
}

// alphabets folds PHP that picks characters out of an alphabet it generates: $r =
// range('a', 'z'); $r[] = '('; ... then $r[4] . $r[2], or a loop that joins $r[$i] for each
// $i of explode('.', '4.2.7'), foreach, array_map, or implode of array_map. The alphabet is
// followed while it is only extended ($r[] = 'x', array_push, $r = array_merge($r, ...), a
// foreach over a range appending each element) before it is read; any other write leaves
// it alone.
func (f *folder) alphabets() bool {
	// chrs() saw whether the code calls range() or str_split() at all
	if f.s.Name != "php" || f.noAlphabet {
		return false
	}
	alphas := map[string]*alphabet{}
	for i, t := range f.toks {
		if t.Kind != Var {
			continue
		}
		a := alphas[t.Text]
		switch {
		case f.at(i+1).Is("=") && statementStart(f.at(i-1)):
			// $r = <alphabet>, or $r = array_merge($r, <alphabet>)
			elems, end, ok := f.alphaExpr(i+2, alphas, t.Text, 0)
			if !ok || !f.at(end).Is(";") || a != nil && (a.bad || !f.selfMerge(i+2, t.Text)) {
				if a != nil {
					a.bad = true
				}
				continue
			}
			if a == nil {
				a = &alphabet{}
				alphas[t.Text] = a
			}
			a.elems, a.lastSet = elems, i
		case a == nil:
		case f.at(i+1).Is("[") && f.at(i+2).Is("]") && f.at(i+3).Is("="):
			// $r[] = 'x'; or, in a foreach over an alphabet, $r[] = $c;
			v := f.at(i + 4)
			switch {
			case (v.Kind == Str && len(v.Interp) == 0 && v.Quote != '`' || v.Kind == Num) && f.at(i+5).Is(";"):
				a.elems = append(a.elems, v)
			case v.Kind == Var && f.at(i+5).Is(";"):
				elems, ok := f.foreachElems(i, v.Text, alphas)
				if !ok {
					a.bad = true
					continue
				}
				a.elems = append(a.elems, elems...)
			default:
				a.bad = true
				continue
			}
			a.lastSet = i
		case f.at(i-1).Is("(") && f.at(i-2).Is("array_push") && f.at(i+1).Is(","):
			j := i + 2
			for {
				v := f.at(j)
				if !(v.Kind == Str && len(v.Interp) == 0 && v.Quote != '`' || v.Kind == Num) {
					a.bad = true
					break
				}
				a.elems = append(a.elems, v)
				if f.at(j + 1).Is(")") {
					break
				}
				if !f.at(j + 1).Is(",") {
					a.bad = true
					break
				}
				j += 2
			}
			a.lastSet = i
		case f.at(i+1).Is("[") && f.at(i+3).Is("]") && (isAssign(f.at(i+4)) || f.at(i+4).Is("++") || f.at(i+4).Is("--")),
			f.at(i - 1).Is("&"), f.at(i - 1).Is("as"), f.at(i-1).Is("=>") && f.at(i+1).Is(")"), isAssign(f.at(i + 1)):
			a.bad = true
		case (f.at(i-1).Is("(") || f.at(i-1).Is(",")) && isName(f.at(i-2)) && !readsArray[strings.ToLower(f.at(i-2).Text)] && !f.at(i+1).Is("["):
			// handed whole to a function that may change it (shuffle, sort)
			if !(f.at(i-1).Is("(") && f.at(i-2).Is("array_merge")) {
				a.bad = true
			}
		}
		if a != nil && len(a.elems) > maxAlphabet {
			a.bad = true
		}
	}
	if !slices.ContainsFunc(slices.Collect(maps.Values(alphas)), func(a *alphabet) bool { return !a.bad && len(a.elems) > 0 }) {
		// the lists the page builds are written in ways not followed (or none is built):
		// no later round makes one followable (range() and str_split() take literals as
		// written), so they are not looked for again
		f.noAlphabet = true
		return false
	}
	changed := false
	read := 0
	for _, name := range slices.Sorted(maps.Keys(alphas)) {
		a := alphas[name]
		if a.bad || len(a.elems) == 0 {
			continue
		}
		if read++; read > maxAlphabets {
			// each is a pass over the page: library code that builds many lists is not
			// an obfuscator's rebuilt code
			break
		}
		if f.alphaReads(name, a) {
			changed = true
		}
	}
	if changed {
		f.alphaIdle = 0
	} else if f.alphaIdle++; f.alphaIdle >= 2 {
		// two rounds found nothing to put in place (the first may wait on a key another
		// fold puts in): the alphabets are not read so
		f.noAlphabet = true
	}
	return changed
}

// alphabetCall reports the name of a call that generates an alphabet: range, str_split,
// mb_str_split.
func alphabetCall(t Token) bool {
	switch len(t.Text) {
	case 5, 9, 12:
		return t.Is("range") || t.Is("str_split") || t.Is("mb_str_split")
	}
	return false
}

// readsArray are the PHP functions that read an array they are handed and do not change it.
var readsArray = set("use", "count", "sizeof", "implode", "join", "in_array", "array_search", "array_map", "array_merge", "array_key_exists",
	"isset", "empty", "is_array", "array_values", "array_slice", "print_r", "var_dump")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// selfMerge reports $r = array_merge($r, ...) at j (after the =).
func (f *folder) selfMerge(j int, name string) bool {
	return f.at(j).Is("array_merge") && f.at(j+1).Is("(") && f.at(j+2).Kind == Var && f.at(j+2).Text == name
}

// alphaExpr reads an expression that generates a list of strings at j: range() of two
// characters or two numbers, str_split() of a literal, an array literal of literals, an
// alphabet variable, or array_merge() of those. It returns the elements and the index after
// the expression.
func (f *folder) alphaExpr(j int, alphas map[string]*alphabet, self string, depth int) ([]Token, int, bool) {
	t := f.at(j)
	if depth > 4 {
		return nil, j, false
	}
	lit := func(x Token) bool { return x.Kind == Str && len(x.Interp) == 0 && x.Quote != '`' && x.Quote != '/' }
	switch {
	case t.Kind == Var:
		a := alphas[t.Text]
		if a == nil || a.bad {
			return nil, j, false
		}
		return append([]Token(nil), a.elems...), j + 1, true
	case t.Is("range") && f.at(j+1).Is("("):
		lo, hi := f.at(j+2), f.at(j+4)
		if !f.at(j + 3).Is(",") {
			return nil, j, false
		}
		end := j + 5
		step := int64(1)
		if f.at(end).Is(",") && f.at(end+1).Kind == Num {
			s, ok := number(f.at(end + 1).Text)
			if !ok || s == 0 {
				return nil, j, false
			}
			step = max(s, -s)
			end += 2
		}
		if !f.at(end).Is(")") {
			return nil, j, false
		}
		var from, to int64
		chars := false
		switch {
		case lit(lo) && lit(hi) && len(lo.Text) == 1 && len(hi.Text) == 1:
			from, to, chars = int64(lo.Text[0]), int64(hi.Text[0]), true
		case lo.Kind == Num && hi.Kind == Num:
			a, ok1 := number(lo.Text)
			b, ok2 := number(hi.Text)
			if !ok1 || !ok2 {
				return nil, j, false
			}
			from, to = a, b
		default:
			return nil, j, false
		}
		if (to-from)/step > maxAlphabet || (from-to)/step > maxAlphabet {
			return nil, j, false
		}
		var out []Token
		add := func(v int64) {
			if chars {
				out = append(out, Token{Kind: Str, Text: string([]byte{byte(v)}), Quote: '"', Pos: t.Pos})
			} else {
				out = append(out, Token{Kind: Num, Text: strconv.FormatInt(v, 10), Pos: t.Pos})
			}
		}
		if from <= to {
			for v := from; v <= to; v += step {
				add(v)
			}
		} else {
			for v := from; v >= to; v -= step {
				add(v)
			}
		}
		return out, end + 1, true
	case (t.Is("str_split") || t.Is("mb_str_split")) && f.at(j+1).Is("("):
		s := f.at(j + 2)
		if !lit(s) {
			return nil, j, false
		}
		n, end := int64(1), j+3
		if f.at(end).Is(",") && f.at(end+1).Kind == Num {
			v, ok := number(f.at(end + 1).Text)
			if !ok || v < 1 {
				return nil, j, false
			}
			n, end = v, end+2
		}
		if !f.at(end).Is(")") || int64(len(s.Text))/n > maxAlphabet {
			return nil, j, false
		}
		if t.Is("mb_str_split") && strings.ContainsFunc(s.Text, func(c rune) bool { return c >= 0x80 }) {
			return nil, j, false // split by characters, not bytes: only ASCII is read
		}
		var out []Token
		for k := 0; k < len(s.Text); k += int(n) {
			out = append(out, Token{Kind: Str, Text: s.Text[k:min(len(s.Text), k+int(n))], Quote: '"', Chain: s.Chain, Pos: s.Pos})
		}
		return out, end + 1, true
	case t.Is("array_merge") && f.at(j+1).Is("("):
		var out []Token
		k := j + 2
		for {
			if f.at(k).Kind == Var && f.at(k).Text == self && k == j+2 {
				a := alphas[self]
				if a == nil || a.bad {
					return nil, j, false
				}
				out, k = append(out, a.elems...), k+1
			} else {
				elems, end, ok := f.alphaExpr(k, alphas, self, depth+1)
				if !ok {
					return nil, j, false
				}
				out, k = append(out, elems...), end
			}
			if len(out) > maxAlphabet {
				return nil, j, false
			}
			if f.at(k).Is(")") {
				return out, k + 1, true
			}
			if !f.at(k).Is(",") {
				return nil, j, false
			}
			k++
		}
	}
	if start, closer, ok := f.arrayStart(j); ok {
		var out []Token
		k := start
		for !f.at(k).Is(closer) {
			v := f.at(k)
			if !(lit(v) || v.Kind == Num) || len(out) > maxAlphabet {
				return nil, j, false
			}
			out = append(out, v)
			k++
			if f.at(k).Is(",") {
				k++
			} else if !f.at(k).Is(closer) {
				return nil, j, false
			}
		}
		return out, k + 1, true
	}
	return nil, j, false
}

// foreachElems reads the loop around $r[] = $v at i: foreach (<alphabet> as [$k =>] $v)
// { $r[] = $v; } (braces or none), whose elements it appends.
func (f *folder) foreachElems(i int, v string, alphas map[string]*alphabet) ([]Token, bool) {
	j := i - 1
	for j > 0 && f.at(j).Kind == Newline {
		j--
	}
	if f.at(j).Is("{") {
		j--
		for j > 0 && f.at(j).Kind == Newline {
			j--
		}
		if !f.at(f.skipLines(i + 6)).Is("}") {
			return nil, false
		}
	}
	if !f.at(j).Is(")") || f.at(j-1).Kind != Var || f.at(j-1).Text != v {
		return nil, false
	}
	as := j - 2
	if f.at(as).Is("=>") {
		as -= 2
	}
	if !f.at(as).Is("as") {
		return nil, false
	}
	// back to foreach (
	for k := as - 1; k > i-64 && k > 0; k-- {
		if f.at(k).Is("(") && f.at(k-1).Is("foreach") {
			elems, end, ok := f.alphaExpr(k+1, alphas, "", 0)
			if !ok || end != as {
				return nil, false
			}
			return elems, true
		}
	}
	return nil, false
}

// alphaReads puts the characters in place where the alphabet name is read: $r[4], and the
// loops that join $r[$i] over a list of indexes.
func (f *folder) alphaReads(name string, a *alphabet) bool {
	changed := false
	elem := func(n int64) (Token, bool) {
		if n < 0 || n >= int64(len(a.elems)) {
			return Token{}, false
		}
		e := a.elems[n]
		chain := joinChains(e.Chain, []string{StepAlphabet})
		return Token{Kind: Str, Text: e.Text, Quote: '"', Chain: chain, Pos: e.Pos}, true
	}
	for i := 0; i < len(f.toks); i++ {
		t := f.toks[i]
		if i <= a.lastSet {
			continue
		}
		if t.Kind == Var && t.Text == name && f.at(i+1).Is("[") && f.at(i+2).Kind == Num && f.at(i+3).Is("]") && !isAssign(f.at(i+4)) && !f.at(i+4).Is("[") {
			if n, ok := number(f.at(i + 2).Text); ok {
				e, ok := elem(n)
				if !ok {
					continue
				}
				e.Pos = t.Pos
				f.replace(i, i+4, e)
				changed = true
			}
			continue
		}
		if t.Is("foreach") && f.at(i+1).Is("(") {
			if f.alphaLoop(i, name, elem) {
				changed = true
			}
			continue
		}
		if (t.Is("implode") || t.Is("join")) && f.at(i+1).Is("(") {
			if f.alphaMap(i, name, elem) {
				changed = true
			}
		}
	}
	return changed
}

// indexList reads a list of indexes at j: explode(<sep>, <literal>), str_split(<literal>,
// <width>), an array literal of numbers, or a variable assigned one of those once; and the index after it.
func (f *folder) indexList(j int) ([]string, int, bool) {
	t := f.at(j)
	if t.Kind == Var {
		var keys []string
		found := false
		for k, u := range f.toks {
			if u.Kind != Var || u.Text != t.Text || k == j {
				continue
			}
			if isAssign(f.at(k+1)) || f.at(k-1).Is("as") || f.at(k-1).Is("&") || f.at(k+1).Is("[") && f.at(k+2).Is("]") {
				if found || f.at(k+1).Text != "=" || k > j {
					return nil, j, false
				}
				if f.at(k+2).Kind == Var {
					return nil, j, false
				}
				ks, end, ok := f.indexList(k + 2)
				if !ok || !f.at(end).Is(";") {
					return nil, j, false
				}
				keys, found = ks, true
			}
		}
		return keys, j + 1, found
	}
	if t.Is("explode") && f.at(j+1).Is("(") {
		sep, s := f.at(j+2), f.at(j+4)
		if sep.Kind != Str || sep.Text == "" || !f.at(j+3).Is(",") || s.Kind != Str || len(s.Interp) > 0 || !f.at(j+5).Is(")") {
			return nil, j, false
		}
		return strings.Split(s.Text, sep.Text), j + 6, true
	}
	if t.Is("str_split") && f.at(j+1).Is("(") && f.at(j+2).Kind == Str && len(f.at(j+2).Interp) == 0 && f.at(j+3).Is(",") && f.at(j+4).Kind == Num && f.at(j+5).Is(")") {
		// fixed-width indexes: str_split('040207', 2)
		s, w := f.at(j+2).Text, f.at(j+4).Text
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 || n > 4 || len(s) > maxAlphabetBuilt {
			return nil, j, false
		}
		var keys []string
		for k := 0; k < len(s); k += n {
			keys = append(keys, s[k:min(len(s), k+n)])
		}
		return keys, j + 6, true
	}
	if start, closer, ok := f.arrayStart(j); ok {
		var keys []string
		k := start
		for !f.at(k).Is(closer) {
			v := f.at(k)
			if v.Kind != Num && v.Kind != Str || len(keys) > maxAlphabetBuilt {
				return nil, j, false
			}
			key := v.Text
			if v.Kind == Num {
				// an integer literal as PHP reads it (0x1f, 017), in decimal
				n, ok := number(v.Text)
				if !ok {
					return nil, j, false
				}
				key = strconv.FormatInt(n, 10)
			}
			keys = append(keys, key)
			k++
			if f.at(k).Is(",") {
				k++
			}
		}
		return keys, k + 1, true
	}
	return nil, j, false
}

// alphaRead reports whether toks[lo:hi] read the alphabet name at the loop variable v: $r[$v],
// $r[(int)$v], $r[intval($v)], "$r[$v]", "{$r[$v]}"; cast: the index is made an integer.
func (f *folder) alphaRead(lo, hi int, name, v string) (ok, cast bool) {
	switch hi - lo {
	case 1:
		s := f.at(lo)
		return s.Kind == Str && len(s.Interp) > 0 && s.Quote != '`' && (s.Text == name+"["+v+"]" || s.Text == "{"+name+"["+v+"]}"), false
	case 4:
		return f.at(lo).Text == name && f.at(lo+1).Is("[") && f.at(lo+2).Text == v && f.at(lo+3).Is("]"), false
	case 7:
		// $r[(int)$v], $r[intval($v)]
		return f.at(lo).Text == name && f.at(lo+1).Is("[") && f.at(lo+6).Is("]") &&
			(f.at(lo+2).Is("(") && f.at(lo+3).Is("int") && f.at(lo+4).Is(")") && f.at(lo+5).Text == v ||
				f.at(lo+2).Is("intval") && f.at(lo+3).Is("(") && f.at(lo+4).Text == v && f.at(lo+5).Is(")")), true
	}
	return false, false
}

// alphaLoop folds foreach (<indexes> as [$k =>] $v) { $acc .= <read $r[$v]>; } at i into
// $acc = '<text>'; (an earlier $acc = ”; goes).
func (f *folder) alphaLoop(i int, name string, elem func(int64) (Token, bool)) bool {
	keys, as, ok := f.indexList(i + 2)
	if !ok || !f.at(as).Is("as") {
		return false
	}
	j := as + 1
	if f.at(j + 1).Is("=>") {
		j += 2
	}
	v := f.at(j)
	if v.Kind != Var || !f.at(j+1).Is(")") {
		return false
	}
	j = f.skipLines(j + 2)
	brace := f.at(j).Is("{")
	if brace {
		j = f.skipLines(j + 1)
	}
	acc := f.at(j)
	if acc.Kind != Var || !f.at(j+1).Is(".=") {
		return false
	}
	end := j + 2
	for end < len(f.toks) && !f.at(end).Is(";") && end < j+12 {
		end++
	}
	if !f.at(end).Is(";") {
		return false
	}
	read, cast := f.alphaRead(j+2, end, name, v.Text)
	if !read {
		return false
	}
	last := end
	if brace {
		last = f.skipLines(end + 1)
		if !f.at(last).Is("}") {
			return false
		}
	}
	text, chain, ok := alphaJoin(keys, elem, cast)
	if !ok {
		return false
	}
	return f.foldAccumulator(i, last+1, acc.Text, Token{Kind: Str, Text: text, Quote: '"', Chain: chain, Pos: f.toks[i].Pos})
}

// skipLines returns the index of the first token from j that is no line end.
func (f *folder) skipLines(j int) int {
	for j < len(f.toks) && f.toks[j].Kind == Newline {
		j++
	}
	return j
}

// alphaJoin joins the alphabet's elements at keys: made integers when cast ((int)' 7' is 7),
// else only keys PHP reads as integers ('7', not '07', which names another element).
func alphaJoin(keys []string, elem func(int64) (Token, bool), cast bool) (string, []string, bool) {
	var b strings.Builder
	var chain []string
	for _, k := range keys {
		if cast {
			k = strings.TrimLeft(k, " \t\n\r")
			end := 0
			for end < len(k) && (k[end] >= '0' && k[end] <= '9' || end == 0 && k[end] == '-') {
				end++
			}
			k = k[:end]
		}
		n, err := strconv.ParseInt(k, 10, 64)
		if err != nil || !cast && strconv.FormatInt(n, 10) != k {
			return "", nil, false
		}
		e, ok := elem(n)
		if !ok || b.Len() > maxAlphabetBuilt {
			return "", nil, false
		}
		b.WriteString(e.Text)
		chain = joinChains(chain, e.Chain)
	}
	return b.String(), chain, b.Len() > 0
}

// foldAccumulator puts $acc = <s>; in place of toks[lo:hi] (a loop that appends to acc)
// when acc is otherwise never written but for an empty $acc = ”; before the loop, which
// goes.
func (f *folder) foldAccumulator(lo, hi int, acc string, s Token) bool {
	init := -1
	for k, u := range f.toks {
		if u.Kind != Var || u.Text != acc || k >= lo && k < hi {
			continue
		}
		if f.at(k-1).Is("&") || f.at(k-1).Is("as") || f.at(k+1).Is("[") && isAssign(f.at(k+3)) {
			return false
		}
		if !isAssign(f.at(k + 1)) {
			continue
		}
		e := f.at(k + 2)
		if init >= 0 || k > lo || f.at(k+1).Text != "=" || e.Kind != Str || e.Text != "" || !f.at(k+3).Is(";") || !statementStart(f.at(k-1)) {
			return false
		}
		init = k
	}
	f.replace(lo, hi, Token{Kind: Var, Text: acc, Pos: s.Pos}, Token{Kind: Punct, Text: "=", Pos: s.Pos}, s, Token{Kind: Punct, Text: ";", Pos: s.Pos})
	if init >= 0 {
		f.replace(init, init+4)
	}
	return true
}

// alphaMap folds implode(”, array_map(function ($v) use ($r) { return $r[$v]; }, <indexes>))
// and the same with fn ($v) => $r[$v] at i into the text.
func (f *folder) alphaMap(i int, name string, elem func(int64) (Token, bool)) bool {
	j := i + 2
	if f.at(j).Kind == Str && f.at(j).Text == "" && f.at(j+1).Is(",") {
		j += 2
	}
	if !f.at(j).Is("array_map") || !f.at(j+1).Is("(") {
		return false
	}
	j += 2
	arrow := f.at(j).Is("fn")
	if !arrow && !f.at(j).Is("function") || !f.at(j+1).Is("(") || f.at(j+2).Kind != Var || !f.at(j+3).Is(")") {
		return false
	}
	v := f.at(j + 2).Text
	j += 4
	var readLo, readHi int
	if arrow {
		if !f.at(j).Is("=>") {
			return false
		}
		readLo = j + 1
		readHi = readLo
		for readHi < j+10 && !f.at(readHi).Is(",") {
			readHi++
		}
		j = readHi
	} else {
		if f.at(j).Is("use") && f.at(j+1).Is("(") {
			for j < len(f.toks) && !f.at(j).Is(")") {
				j++
			}
			j++
		}
		if !f.at(j).Is("{") || !f.at(j+1).Is("return") {
			return false
		}
		readLo = j + 2
		readHi = readLo
		for readHi < j+12 && !f.at(readHi).Is(";") {
			readHi++
		}
		if !f.at(readHi).Is(";") || !f.at(readHi+1).Is("}") {
			return false
		}
		j = readHi + 2
	}
	read, cast := f.alphaRead(readLo, readHi, name, v)
	if !read || !f.at(j).Is(",") {
		return false
	}
	keys, end, ok := f.indexList(j + 1)
	if !ok || !f.at(end).Is(")") || !f.at(end+1).Is(")") {
		return false
	}
	text, chain, ok := alphaJoin(keys, elem, cast)
	if !ok {
		return false
	}
	f.replace(i, end+2, Token{Kind: Str, Text: text, Quote: '"', Chain: chain, Pos: f.toks[i].Pos})
	return true
}
