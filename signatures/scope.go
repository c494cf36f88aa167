package signatures

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Scoping of user rules. libyara looks for every string of a compiled rule set in every file
// and loads every module the set imports for every file (building the pe module's object tree
// costs more than half a millisecond a file), whatever the conditions say. Public rule sets
// mostly guard their rules with a magic check (uint16(0) == 0x5A4D, the ELF magic) and a
// filesize bound, so a user rule set is compiled once per class of file (MZ, ELF, other)
// holding only the rules whose conditions can be true for files of that class, and each file
// is scanned with its class's rules alone, or not handed to libyara at all when no rule of its
// class allows its size. (Compiling per size bucket too was measured: no faster per byte on
// Debian's files, and every bucket is another copy of most rules in memory.)
//
// What a condition allows is read soundly: only the conjuncts of the condition's top-level
// "and" chain (and the alternatives of an "or") that are exactly a magic comparison at offset
// 0, a filesize comparison with a number, filetype == "PE" or "ELF" (or another type, which no
// file with the ELF magic has), pe.is_pe, an expression over a pe, dotnet or elf field (see
// moduleAllows), or the name of
// an earlier rule of the file (whose own condition is read the same way) narrow it; anything
// else allows every file. A rule keeps the rules it names and its file's global rules with it,
// and is matched by libyara itself: scoping decides only which files a rule is not run on, and
// only where its condition cannot be true there.

// Magic classes of files, as a bit mask.
const (
	magicMZ    = 1 << iota // starts with "MZ"
	magicELF               // starts with "\x7fELF"
	magicOther             // anything else, the empty file included
	magicAll   = magicMZ | magicELF | magicOther
)

// numClasses is how many classes of file the user rules are compiled for.
const numClasses = 3

// classOf returns the class of the bytes a scan is given: 0 MZ, 1 ELF, 2 other.
func classOf(data []byte) int {
	switch {
	case len(data) >= 2 && data[0] == 'M' && data[1] == 'Z':
		return 0
	case len(data) >= 4 && string(data[:4]) == "\x7fELF":
		return 1
	}
	return 2
}

// atom is one alternative of what a condition allows: files of the magic classes in mask whose
// size is within [lo, hi].
type atom struct {
	mask   int
	lo, hi int64
}

// allows is a union of atoms.
type allows []atom

var anyFile = allows{{magicAll, 0, math.MaxInt64}}

// maxAtoms bounds the alternatives kept; past it they are merged into one that covers them all.
const maxAtoms = 16

func (a allows) and(b allows) allows {
	var out allows
	for _, x := range a {
		for _, y := range b {
			z := atom{x.mask & y.mask, max(x.lo, y.lo), min(x.hi, y.hi)}
			if z.mask != 0 && z.lo <= z.hi {
				out = append(out, z)
			}
		}
	}
	return out.capped()
}

func (a allows) or(b allows) allows { return append(slices.Clone(a), b...).capped() }

func (a allows) capped() allows {
	if len(a) <= maxAtoms {
		return a
	}
	h := atom{0, math.MaxInt64, 0}
	for _, x := range a {
		h.mask |= x.mask
		h.lo, h.hi = min(h.lo, x.lo), max(h.hi, x.hi)
	}
	return allows{h}
}

// inClass returns the sizes files of class c may have, the hull [lo, hi] of the atoms that
// allow the class; ok is false when none does.
func (a allows) inClass(c int) (lo, hi int64, ok bool) {
	lo, hi = math.MaxInt64, -1
	for _, x := range a {
		if x.mask&(1<<c) != 0 {
			lo, hi, ok = min(lo, x.lo), max(hi, x.hi), true
		}
	}
	return lo, hi, ok
}

// Tokens of rule source.
type tokKind int

const (
	tokIdent tokKind = iota
	tokNum
	tokStr
	tokRegex
	tokHex
	tokPunct
)

type token struct {
	kind tokKind
	text string
}

// ruleText is one rule of a file as scoping sees it.
type ruleText struct {
	name    string
	private bool
	global  bool
	start   int // offset of the rule's first byte (its modifiers) in the file
	end     int // offset just past its closing brace
	cond    []token
	strs    []ruleString    // the strings section
	idents  map[string]bool // identifiers the condition names
	allows  allows
	deps    []int // rules of the file it needs compiled with it (names, globals), transitively
	modules []string
}

// ruleString is one string of a rule: its identifier, its value (a text, regex or hex token)
// and the modifiers after it, as tokens.
type ruleString struct {
	id    string
	value token
	mods  []token
}

// fileRules is a rule file split into imports and rules.
type fileRules struct {
	imports []string
	rules   []ruleText
}

var errUnsplittable = errors.New("rule file cannot be split")

// lexer reads YARA source.
type lexer struct {
	src []byte
	pos int
}

func (l *lexer) skipSpace() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case c == '/' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '/':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		case c == '/' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '*':
			end := strings.Index(string(l.src[l.pos+2:]), "*/")
			if end < 0 {
				return errUnsplittable
			}
			l.pos += end + 4
		default:
			return nil
		}
	}
	return nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// delimited reads past a string or regular expression that starts at l.pos and ends at the
// next delim no backslash escapes, on the same line.
func (l *lexer) delimited(delim byte) error {
	l.pos++
	for l.pos < len(l.src) && l.src[l.pos] != delim {
		if l.src[l.pos] == '\\' {
			l.pos++
		}
		if l.pos < len(l.src) && l.src[l.pos] == '\n' {
			return errUnsplittable
		}
		l.pos++
	}
	if l.pos >= len(l.src) {
		return errUnsplittable
	}
	l.pos++
	return nil
}

// next reads one token; regex says a '/' starts a regular expression.
func (l *lexer) next(regex bool) (token, error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	if l.pos >= len(l.src) {
		return token{}, errUnsplittable
	}
	start := l.pos
	c := l.src[l.pos]
	switch {
	case c == '"':
		if err := l.delimited('"'); err != nil {
			return token{}, err
		}
		return token{tokStr, string(l.src[start:l.pos])}, nil
	case c == '/' && regex:
		if err := l.delimited('/'); err != nil {
			return token{}, err
		}
		for l.pos < len(l.src) && (l.src[l.pos] == 'i' || l.src[l.pos] == 's') {
			l.pos++
		}
		return token{tokRegex, string(l.src[start:l.pos])}, nil
	case c >= '0' && c <= '9':
		if c == '0' && l.pos+1 < len(l.src) && (l.src[l.pos+1] == 'x' || l.src[l.pos+1] == 'o') {
			l.pos += 2
			for l.pos < len(l.src) && isIdentByte(l.src[l.pos]) {
				l.pos++
			}
			return token{tokNum, string(l.src[start:l.pos])}, nil
		}
		for l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
			l.pos++
		}
		if l.pos+1 < len(l.src) && l.src[l.pos] == '.' && l.src[l.pos+1] >= '0' && l.src[l.pos+1] <= '9' {
			l.pos++
			for l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
				l.pos++
			}
		}
		for l.pos < len(l.src) && isIdentByte(l.src[l.pos]) {
			l.pos++ // KB, MB
		}
		return token{tokNum, string(l.src[start:l.pos])}, nil
	case isIdentByte(c) || c == '$' || c == '#' || c == '@' || c == '!' && l.pos+1 < len(l.src) && (isIdentByte(l.src[l.pos+1]) || l.src[l.pos+1] == '*'):
		l.pos++
		for l.pos < len(l.src) && (isIdentByte(l.src[l.pos]) || l.src[l.pos] == '*' && c != '_' && !isIdentByte(c)) {
			l.pos++
		}
		return token{tokIdent, string(l.src[start:l.pos])}, nil
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "<<", ">>", ".."} {
		if strings.HasPrefix(string(l.src[l.pos:min(len(l.src), l.pos+2)]), op) {
			l.pos += 2
			return token{tokPunct, op}, nil
		}
	}
	l.pos++
	return token{tokPunct, string(c)}, nil
}

// hexString reads a hex string after its opening brace.
func (l *lexer) hexString(start int) (token, error) {
	for l.pos < len(l.src) && l.src[l.pos] != '}' {
		if l.src[l.pos] == '"' {
			return token{}, errUnsplittable
		}
		l.pos++
	}
	if l.pos >= len(l.src) {
		return token{}, errUnsplittable
	}
	l.pos++
	return token{tokHex, string(l.src[start:l.pos])}, nil
}

// splitRules splits a rule file into its imports and rules. A file it cannot split (includes,
// syntax it does not follow) gives errUnsplittable and is compiled whole for every class.
func splitRules(src []byte) (*fileRules, error) {
	l := &lexer{src: src}
	f := &fileRules{}
	names := map[string]int{}
	for {
		if err := l.skipSpace(); err != nil {
			return nil, err
		}
		if l.pos >= len(src) {
			break
		}
		start := l.pos
		t, err := l.next(false)
		if err != nil {
			return nil, err
		}
		if t.kind != tokIdent {
			return nil, errUnsplittable
		}
		if t.text == "import" {
			m, err := l.next(false)
			if err != nil || m.kind != tokStr {
				return nil, errUnsplittable
			}
			f.imports = append(f.imports, m.text[1:len(m.text)-1])
			continue
		}
		r := ruleText{start: start, idents: map[string]bool{}}
		for t.text == "private" || t.text == "global" {
			r.private = r.private || t.text == "private"
			r.global = r.global || t.text == "global"
			if t, err = l.next(false); err != nil {
				return nil, err
			}
		}
		if t.text != "rule" {
			return nil, errUnsplittable // include, or something else
		}
		name, err := l.next(false)
		if err != nil || name.kind != tokIdent {
			return nil, errUnsplittable
		}
		r.name = name.text
		if _, dup := names[r.name]; dup {
			return nil, errUnsplittable
		}
		// Tags, then the body.
		for {
			t, err = l.next(false)
			if err != nil {
				return nil, err
			}
			if t.text == "{" {
				break
			}
			if t.kind != tokIdent && t.text != ":" {
				return nil, errUnsplittable
			}
		}
		if err := l.body(&r); err != nil {
			return nil, err
		}
		r.end = l.pos
		names[r.name] = len(f.rules)
		f.rules = append(f.rules, r)
	}
	f.analyze(names)
	return f, nil
}

// body reads a rule's sections up to its closing brace, keeping the condition's tokens.
func (l *lexer) body(r *ruleText) error {
	section := ""
	var prev token
	for {
		regex := section == "strings" && prev.text == "=" || section == "condition" && prev.text == "matches"
		t, err := l.next(regex)
		if err != nil {
			return err
		}
		switch {
		case t.text == "}" && t.kind == tokPunct:
			if section != "condition" {
				return errUnsplittable
			}
			return nil
		case t.text == "{" && t.kind == tokPunct:
			if section != "strings" || prev.text != "=" {
				return errUnsplittable
			}
			if t, err = l.hexString(l.pos - 1); err != nil {
				return err
			}
		case t.kind == tokIdent && (t.text == "meta" || t.text == "strings" || t.text == "condition") && l.peek() == ':':
			if section == "condition" {
				return errUnsplittable
			}
			section = t.text
			l.pos++ // the colon
			prev = token{tokPunct, ":"}
			continue
		}
		switch section {
		case "condition":
			r.cond = append(r.cond, t)
			if t.kind == tokIdent {
				r.idents[t.text] = true
			}
		case "strings":
			switch {
			case prev.text == "=" && len(r.strs) > 0 && r.strs[len(r.strs)-1].value.text == "":
				r.strs[len(r.strs)-1].value = t
			case t.kind == tokIdent && strings.HasPrefix(t.text, "$"):
				r.strs = append(r.strs, ruleString{id: t.text})
			case t.text != "=" && len(r.strs) > 0:
				r.strs[len(r.strs)-1].mods = append(r.strs[len(r.strs)-1].mods, t)
			}
		}
		prev = t
	}
}

func (l *lexer) peek() byte {
	if l.skipSpace() != nil || l.pos >= len(l.src) {
		return 0
	}
	return l.src[l.pos]
}

// analyze works out what each rule's condition allows, the rules it needs and the modules it
// uses.
func (f *fileRules) analyze(names map[string]int) {
	var globals []int
	for i, r := range f.rules {
		if r.global {
			globals = append(globals, i)
		}
	}
	direct := make([][]int, len(f.rules))
	for i := range f.rules {
		r := &f.rules[i]
		r.allows = f.condAllows(r.cond, names, i)
		for id := range r.idents {
			if j, ok := names[id]; ok && j < i {
				direct[i] = append(direct[i], j)
			}
		}
		for _, g := range globals {
			if g != i {
				direct[i] = append(direct[i], g)
				if g < i {
					r.allows = r.allows.and(f.rules[g].allows)
				}
			}
		}
		for _, m := range f.imports {
			if usesModule(r.cond, m) {
				r.modules = append(r.modules, m)
			}
		}
	}
	// Every rule needs what the rules it needs need.
	for i := range f.rules {
		seen := map[int]bool{i: true}
		stack := slices.Clone(direct[i])
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[j] {
				continue
			}
			seen[j] = true
			f.rules[i].deps = append(f.rules[i].deps, j)
			stack = append(stack, direct[j]...)
		}
		slices.Sort(f.rules[i].deps)
	}
}

func usesModule(cond []token, m string) bool {
	for i, t := range cond {
		if t.kind == tokIdent && t.text == m && i+1 < len(cond) && cond[i+1].text == "." && (i == 0 || cond[i-1].text != ".") {
			return true
		}
	}
	return false
}

// split cuts toks at the top-level occurrences of the keyword word.
func split(toks []token, word string) [][]token {
	var out [][]token
	depth, last := 0, 0
	for i, t := range toks {
		switch {
		case t.kind == tokPunct && (t.text == "(" || t.text == "["):
			depth++
		case t.kind == tokPunct && (t.text == ")" || t.text == "]"):
			depth--
		case depth == 0 && t.kind == tokIdent && t.text == word:
			out = append(out, toks[last:i])
			last = i + 1
		}
	}
	return append(out, toks[last:])
}

// condAllows reads what files a condition (of rule self) can be true for.
func (f *fileRules) condAllows(toks []token, names map[string]int, self int) allows {
	if len(toks) == 0 {
		return anyFile
	}
	alts := split(toks, "or")
	if len(alts) > 1 {
		var out allows
		for _, a := range alts {
			out = out.or(f.condAllows(a, names, self))
		}
		return out
	}
	out := anyFile
	for _, c := range split(toks, "and") {
		out = out.and(f.conjunctAllows(c, names, self))
	}
	return out
}

func (f *fileRules) conjunctAllows(c []token, names map[string]int, self int) allows {
	if len(c) >= 2 && c[0].text == "(" && c[len(c)-1].text == ")" && closes(c) {
		return f.condAllows(c[1:len(c)-1], names, self)
	}
	if len(c) == 1 && c[0].kind == tokIdent {
		if j, ok := names[c[0].text]; ok && j < self {
			return f.rules[j].allows
		}
		return anyFile
	}
	if a, ok := sizeAllows(c); ok {
		return a
	}
	if a, ok := magicAllows(c); ok {
		return a
	}
	// "not ( A or B ... )" with every alternative a magic comparison: true only where each
	// alternative is not, so within what "not A", "not B" ... each allow (every one of which
	// allows the files too short for its reader).
	if len(c) >= 4 && c[0].text == "not" && c[1].text == "(" && c[len(c)-1].text == ")" && closes(c[1:]) {
		out := anyFile
		for _, alt := range split(c[2:len(c)-1], "or") {
			a, ok := magicAllows(append([]token{{tokIdent, "not"}}, alt...))
			if !ok {
				return anyFile
			}
			out = out.and(a)
		}
		return out
	}
	if len(c) == 3 && c[0].text == "pe" && c[1].text == "." && c[2].text == "is_pe" && slices.Contains(f.imports, "pe") {
		return allows{{magicMZ, 2, math.MaxInt64}}
	}
	if a, ok := moduleAllows(c, f.imports); ok {
		return a
	}
	if len(c) == 3 && c[1].text == "==" {
		x, y := c[0], c[2]
		if y.text == "filetype" {
			x, y = y, x
		}
		if x.kind == tokIdent && x.text == "filetype" && y.kind == tokStr {
			switch y.text {
			case `"` + TypePE + `"`:
				return allows{{magicMZ, 2, math.MaxInt64}}
			case `"` + TypeELF + `"`:
				return allows{{magicELF, 4, math.MaxInt64}}
			case `"` + TypeBinary + `"`:
			default:
				// detect types every file with the ELF magic ELF or binary (TestELFMagicTypes):
				// a rule for PHP pages or scripts never runs on the ELF class, where the atoms
				// of its strings hit compiled code all over.
				return allows{{magicMZ | magicOther, 0, math.MaxInt64}}
			}
		}
	}
	return anyFile
}

// moduleClasses are the files each module that describes one format has values for: on any
// other file its fields and functions are undefined (the pe and dotnet modules parse only
// what starts with "MZ", the elf module only what starts with the ELF magic).
var moduleClasses = map[string]atom{
	"pe":     {magicMZ, 2, math.MaxInt64},
	"dotnet": {magicMZ, 2, math.MaxInt64},
	"elf":    {magicELF, 4, math.MaxInt64},
}

// undefinedAbsorbers are the words that can turn an undefined value into a defined one
// (false and, or; for, of and string sets; a string's offset or count) or that make a
// conjunct more than one expression: a conjunct holding any is not read for its modules.
var undefinedAbsorbers = map[string]bool{"and": true, "or": true, "for": true, "of": true, "them": true, "any": true,
	"all": true, "none": true, "defined": true, "at": true, "in": true, "matches": true, "entrypoint": true}

// moduleAllows reads a conjunct that is one expression over a field or function of a module
// that describes one format (pe.number_of_sections > 3, pe.exports("X"), not pe.is_dll(),
// elf.type == elf.ET_EXEC): on a file of another format the value is undefined, which every
// comparison, arithmetic and "not" keep undefined, and a condition undefined is false. So the
// conjunct, and with it the rule, can be true only for files of the module's format. A
// conjunct with a word that can turn undefined into a value (see undefinedAbsorbers), a string
// reference, or only the modules' constants (pe.DLL) and pe.is_pe (0 for other files) is not
// read so. TestModuleConjunctsSound holds this to libyara.
func moduleAllows(c []token, imports []string) (allows, bool) {
	// "for any i in ( 0 .. pe.number_of_signatures - 1 ) : ( ... )", or a count of one or
	// more for any: over a range with an undefined bound no iteration runs, so the loop is
	// false whatever its body says.
	if len(c) > 7 && c[0].text == "for" && c[2].kind == tokIdent && c[3].text == "in" && c[4].text == "(" {
		n, err := strconv.Atoi(c[1].text)
		if c[1].text == "any" || err == nil && n >= 1 {
			for end := 5; end < len(c); end++ {
				if c[end].text != ")" || !closes(c[4:end+1]) {
					continue
				}
				if rng := c[5:end]; slices.ContainsFunc(rng, func(t token) bool { return t.text == ".." }) {
					return moduleAllows(rng, imports)
				}
				break
			}
		}
	}
	var found *atom
	for i, t := range c {
		if t.kind == tokIdent && undefinedAbsorbers[t.text] {
			return nil, false
		}
		if t.kind == tokIdent && strings.ContainsAny(t.text[:1], "$#@!") {
			return nil, false // a string's match, count, offset or length
		}
		a, ok := moduleClasses[t.text]
		if !ok || t.kind != tokIdent || i+2 >= len(c) || c[i+1].text != "." || c[i+2].kind != tokIdent ||
			(i > 0 && c[i-1].text == ".") || !slices.Contains(imports, t.text) {
			continue
		}
		member := c[i+2].text
		if member == "is_pe" || strings.ToUpper(member) == member {
			continue // defined for every file: 0, or a constant
		}
		if found != nil && *found != a {
			return allows{}, true // fields of two formats: undefined on every file
		}
		found = &a
	}
	if found == nil {
		return nil, false
	}
	return allows{*found}, true
}

// closes reports whether the opening parenthesis of c closes at its end.
func closes(c []token) bool {
	depth := 0
	for i, t := range c {
		switch t.text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 && i != len(c)-1 {
				return false
			}
		}
	}
	return depth == 0
}

// flip turns the comparison "x op y" into "y op' x".
var flip = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}

// sizeAllows reads "filesize OP number" (either way round).
func sizeAllows(c []token) (allows, bool) {
	if len(c) != 3 || c[1].kind != tokPunct {
		return nil, false
	}
	op, x, y := c[1].text, c[0], c[2]
	if y.text == "filesize" {
		x, y, op = y, x, flip[op]
	}
	if x.kind != tokIdent || x.text != "filesize" || y.kind != tokNum {
		return nil, false
	}
	n, ok := parseNumber(y.text)
	if !ok {
		return nil, false
	}
	a := atom{magicAll, 0, math.MaxInt64}
	switch op {
	case "<":
		a.hi = n - 1
	case "<=":
		a.hi = n
	case ">":
		a.lo = n + 1
	case ">=":
		a.lo = n
	case "==":
		a.lo, a.hi = n, n
	default:
		return nil, false
	}
	if a.lo > a.hi {
		return allows{}, true
	}
	return allows{a}, true
}

// parseNumber reads a YARA integer: decimal (with KB or MB), 0x hex or 0o octal.
func parseNumber(s string) (int64, bool) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "KB"):
		s, mult = s[:len(s)-2], 1024
	case strings.HasSuffix(s, "MB"):
		s, mult = s[:len(s)-2], 1024*1024
	}
	var n int64
	var err error
	switch {
	case strings.HasPrefix(s, "0x"):
		n, err = strconv.ParseInt(s[2:], 16, 64)
	case strings.HasPrefix(s, "0o"):
		n, err = strconv.ParseInt(s[2:], 8, 64)
	default:
		n, err = strconv.ParseInt(s, 10, 64)
	}
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, false
	}
	return n * mult, true
}

// magicFuncs are the integer readers a magic check uses, with their width and byte order.
var magicFuncs = map[string]struct {
	width int
	big   bool
}{"uint8": {1, false}, "uint16": {2, false}, "uint32": {4, false}, "uint8be": {1, true}, "uint16be": {2, true}, "uint32be": {4, true}}

var classMagic = []struct {
	bit   int
	magic string
}{{magicMZ, "MZ"}, {magicELF, "\x7fELF"}}

// readBytes returns the width bytes an integer reader of that byte order reads as v.
func readBytes(v int64, width int, big bool) []byte {
	b := make([]byte, width)
	for i := range b {
		if big {
			b[width-1-i] = byte(v >> (8 * i))
		} else {
			b[i] = byte(v >> (8 * i))
		}
	}
	return b
}

// magicAllows reads "uintN(0) == V" and "uintN(0) != V" (either way round), and "not" before
// the first.
func magicAllows(c []token) (allows, bool) {
	negate := false
	if len(c) > 0 && c[0].text == "not" {
		negate, c = true, c[1:]
	}
	if len(c) != 6 {
		return nil, false
	}
	var fn, val token
	var op string
	switch {
	case c[1].text == "(" && c[3].text == ")":
		fn, op, val = c[0], c[4].text, c[5]
		if c[2].kind != tokNum || c[2].text != "0" {
			return nil, false
		}
	case c[3].text == "(" && c[5].text == ")":
		fn, op, val = c[2], flip[c[1].text], c[0]
		if c[4].kind != tokNum || c[4].text != "0" {
			return nil, false
		}
	default:
		return nil, false
	}
	f, ok := magicFuncs[fn.text]
	if !ok || fn.kind != tokIdent || val.kind != tokNum || op != "==" && op != "!=" {
		return nil, false
	}
	v, ok := parseNumber(val.text)
	if !ok || f.width < 8 && v >= 1<<(8*f.width) {
		// Wider than the reader: the comparison is never true (or always, for !=).
		return nil, false
	}
	prefix := readBytes(v, f.width, f.big)
	if negate {
		op = map[string]string{"==": "!=", "!=": "=="}[op]
	}
	mask := 0
	if op == "==" {
		// The file starts with prefix: a class is possible when its magic and prefix agree.
		other := true
		for _, cm := range classMagic {
			n := min(len(cm.magic), len(prefix))
			if cm.magic[:n] == string(prefix[:n]) {
				mask |= cm.bit
			}
			if strings.HasPrefix(string(prefix), cm.magic) {
				other = false
			}
		}
		if other {
			mask |= magicOther
		}
		a := allows{{mask, int64(f.width), math.MaxInt64}}
		if negate {
			// "not (uintN(0) != V)": on a file too short for the reader the comparison is
			// undefined; whatever "not" makes of that, such a file is allowed.
			a = append(a, atom{magicAll, 0, int64(f.width) - 1})
		}
		return a, true
	}
	// The file does not start with prefix (or is too short to hold it: the reader is
	// undefined and so is the comparison, which is then false; "not" of it is too). A class is
	// ruled out when all its files start with prefix.
	mask = magicAll
	for _, cm := range classMagic {
		if strings.HasPrefix(cm.magic, string(prefix)) {
			mask &^= cm.bit
		}
	}
	return allows{{mask, 0, math.MaxInt64}}, true
}
