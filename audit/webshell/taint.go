package webshell

import (
	"slices"
	"strings"

	"github.com/strata-forensics/strata/signatures/decode"
)

// sinkKind is what a sink does with what it is given.
type sinkKind int

const (
	sinkCommand   sinkKind = iota // runs a command: system(), Runtime.exec, Process.Start, WScript.Shell
	sinkCode                      // evaluates code: eval, assert, create_function, ScriptEngine, Execute
	sinkCallable                  // the request names the function that runs
	sinkClassLoad                 // defines a class or loads an assembly from bytes
	sinkInclude                   // includes a file the request names or uploaded
	sinkWrite                     // writes request content to a file the request names
	sinkDynamic                   // hands request input to a function the code names at run time
)

// flow is request input reaching a sink.
type flow struct {
	kind   sinkKind
	sink   string   // "system()"
	source string   // "$_REQUEST['cmd']"
	via    []string // variables on the way, in order
	at     int      // token index of the sink
	chain  []string // decodings that folded the sink's name
	strong bool     // an include of an uploaded file or the request body
	// confined: a write into a directory the page keeps below its own (realpath and a prefix
	// check), the page changing no file's mode: a file manager's upload
	confined bool
	weak     bool // no request input: code the page decoded from a constant is evaluated
}

// origin is why a variable holds request input.
type origin struct {
	source string
	via    []string
	// prefixed: the value starts with a constant (a directory, a command name) and the
	// request input only follows it
	prefixed bool
	// object: the variable holds an object built from request input (new X($input)), not a
	// value the request chose
	object bool
	// partial: only some element of the value is request input
	partial bool
	// head: the value starts with request input (a path the request names from its start)
	head bool
	// param: a function's return value computed from its parameters
	param bool
	// member: the value reached a property through an assignment to another object's member
	// ($o->id = $input, read as $this->id): data an object is handed, too loose a path to say
	// the request names a function
	member bool
}

// function is a function or method the code defines.
type function struct {
	name   string
	class  string   // the class (lower case) a PHP method belongs to, "" for a function
	params []string // parameter keys, in order
	body   [2]int   // token range of the body
	// quotes: 0 not known yet, 1 the function quotes for the shell, -1 it does not
	quotes int8
}

// analysis is the taint analysis of one layer's tokens.
type analysis struct {
	l     *lang
	toks  []decode.Token
	match []int   // the matching bracket of each bracket token, -1 otherwise
	scope []int32 // the function scope each token is in (PHP), 0 for the file
	funcs map[string][]*function
	taint map[string]origin
	// all marks scopes whose every variable is request input: extract($_GET), parse_str()
	all     map[int32]string
	partial map[string]origin // arrays some element of which holds request input
	ret     map[string]origin // functions that return request input
	objects map[string]string // variables holding shell objects (WScript.Shell, COM)
	// consts holds parameters a call passes the name of a function that runs code or
	// commands: f('assert') into function f($g) { $g($x); }
	consts map[string]string
	// codeRuns caches runsCode: 0 not known, 1 yes, -1 no
	codeRuns int8
	// valueSteps counts the steps valuesOf and exprText took (bounded by maxValueSteps):
	// variables and parameters followed through a crafted page must not multiply
	valueSteps int
	// definesClass: a Java page's defineClass call was reported as a class defined from its
	// own bytes
	definesClass bool
	// assigns holds the right-hand sides of a VBScript page's assignments, by variable
	// (built when code the page assembles is run)
	assigns map[string][][2]int
	flows   []flow
	changed bool
	keys    []string // each token's variable key, computed once
	low     []string // each identifier lower-cased
	// controls are the IDs of the page's server-side form controls (<asp:TextBox
	// runat="server" ID="x">): what x.Text holds the client sent
	controls map[string]bool
	// hiddenSrc caches, per literal token, the request source the code it decodes to reads
	hiddenSrc map[int]string
	// superNames: 1 when a literal names a superglobal without its $, -1 when none does
	superNames int8
	// perlMy holds the variables each Perl sub declares with my
	perlMy map[int32]map[string]bool
	// pvals holds the literals each PHP function parameter is passed (constcall.go)
	pvals map[string][]string
	// nodeBound is set once a Node.js script's request parameters and module bindings are
	// in objects (nodeBind)
	nodeBound bool
	// closures maps what PHP closures are assigned to, to their parameters (closure.go)
	closures map[string][]string
	// ctxVars are the identifiers the C# code declares as an HttpContext
	ctxVars map[string]bool
	// handler: the code is a web framework's handler or application, not a CGI script
	handler bool
	// views: the Python code defines class-based views (pyViewBases), whose self.kwargs
	// are the route's variables
	views bool
	// macChecked: 1 when the code checks a message authentication code, -1 when it does not,
	// 0 not looked at yet (signed)
	macChecked int8
	// gadget caches popGadget: nil not looked for yet
	gadget *string
	// confined marks variables reassigned to a path inside a fixed directory built from
	// themselves ($p = "/dir/$p"): as a program they pick among that directory's files
	confined map[string]bool
	// instances maps PHP variables assigned new C(...) of a class the page defines to C (lower
	// case): $o->p reads the property C's methods set as $this->p
	instances map[string]string
	// callIdx caches calls (stager.go)
	callIdx map[string][]int
}

// newAnalysis analyses layer, whose tokens it takes over: the caller does not read them again.
func newAnalysis(l *lang, layer []decode.Token) *analysis {
	a := &analysis{l: l, taint: map[string]origin{}, all: map[int32]string{}, ret: map[string]origin{}, partial: map[string]origin{},
		objects: map[string]string{}, funcs: map[string][]*function{}, consts: map[string]string{}}
	// Code only: markup goes, island tags end statements. Filtered in place, over the layer's
	// own tokens, which the analysis owns from here: a page of a million tokens (a font table,
	// a binary polyglot) holds 90 MB of them, and a copy would hold twice that at its peak.
	a.toks = layer[:0]
	for _, t := range layer {
		switch t.Kind {
		case decode.Markup:
			continue
		case decode.Tag:
			t = decode.Token{Kind: decode.Punct, Text: ";", Pos: t.Pos}
		case decode.Newline:
			if !l.newlineEnds {
				continue
			}
		}
		a.toks = append(a.toks, t)
	}
	a.match = make([]int, len(a.toks))
	var stack []int
	for i, t := range a.toks {
		a.match[i] = -1
		if t.Kind != decode.Punct {
			continue
		}
		switch t.Text {
		case "(", "[", "{":
			stack = append(stack, i)
		case ")", "]", "}":
			if n := len(stack); n > 0 && pair(a.toks[stack[n-1]].Text) == t.Text {
				a.match[i], a.match[stack[n-1]] = stack[n-1], i
				stack = stack[:n-1]
			}
		}
	}
	a.scope = make([]int32, len(a.toks))
	a.low = make([]string, len(a.toks))
	for i, t := range a.toks {
		if t.Kind == decode.Ident {
			a.low[i] = lowerASCII(t.Text)
		}
	}
	return a
}

// lowerASCII lower-cases s, without allocating when it already is.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// prepare finds the functions and scopes and names every variable: the analysis needs them
// only when the layer reads the request at all.
func (a *analysis) prepare() {
	a.l.functions(a)
	if a.l.name == "perl" {
		perlDecls(a)
	}
	a.keys = make([]string, len(a.toks))
	for i, t := range a.toks {
		if t.Kind == decode.Ident || t.Kind == decode.Var {
			a.keys[i] = a.l.key(a, i, t)
		}
	}
}

// runsCode reports whether a PHP page evaluates code at all (eval, assert, create_function):
// only then is a remote URL it names a source worth following.
func (a *analysis) runsCode() bool {
	if a.codeRuns == 0 {
		a.codeRuns = -1
		for _, t := range a.toks {
			if t.Kind == decode.Ident && (t.Is("eval") || t.Is("assert") || t.Is("create_function")) {
				a.codeRuns = 1
				break
			}
		}
	}
	return a.codeRuns > 0
}

// hasSource reports whether any token starts request input.
func (a *analysis) hasSource() bool {
	if len(a.controls) > 0 {
		return true
	}
	if a.l.name == "python" {
		// a view's route variables and parameters: request input no expression reads
		pyRouteParams(a, slices.ContainsFunc(a.toks, func(t decode.Token) bool { return t.Kind == decode.Ident && t.Text == "django" }))
		if len(a.taint) > 0 {
			return true
		}
	}
	if a.l.name == "ruby" && a.rubyRouteBlocks() {
		return true
	}
	for i := range a.toks {
		if _, _, ok := a.l.source(a, i); ok {
			return true
		}
		if t := a.toks[i]; t.Kind == decode.Ident && (t.Is("WebMethod") || t.Is("OperationContract") || t.Is("WebInvoke") || t.Is("WebGet")) {
			return true
		}
		if t := a.toks[i]; a.l.name == "java" && t.Kind == decode.Str && strings.HasPrefix(t.Text, "$$BCEL$$") {
			return true
		}
		if t := a.toks[i]; a.l.name == "java" && t.Is("put") && a.at(i+1).Is("(") && (a.at(i+4).Is("request") || a.at(i+4).Is("pageContext")) {
			return true
		}
		if t := a.toks[i]; t.Kind == decode.Str {
			if a.hiddenSource(i) != "" {
				return true
			}
			for _, v := range t.Interp {
				if strings.Contains(v, "$_") || strings.Contains(strings.ToLower(v), "request") || strings.Contains(v, "param") {
					return true
				}
			}
		}
	}
	return false
}

func pair(open string) string {
	switch open {
	case "(":
		return ")"
	case "[":
		return "]"
	}
	return "}"
}

func (a *analysis) at(i int) decode.Token {
	if i < 0 || i >= len(a.toks) {
		return decode.Token{Kind: decode.Newline}
	}
	return a.toks[i]
}

// closeOf returns the index of the bracket matching the one at i, or the end.
func (a *analysis) closeOf(i int) int {
	if i >= 0 && i < len(a.match) && a.match[i] >= 0 {
		return a.match[i]
	}
	return len(a.toks)
}

// args splits the bracketed list opening at i into argument token ranges.
func (a *analysis) args(open int) [][2]int {
	end := a.closeOf(open)
	var out [][2]int
	start := open + 1
	for j := open + 1; j < end; j++ {
		t := a.toks[j]
		if t.Kind == decode.Punct {
			switch t.Text {
			case "(", "[", "{":
				if m := a.match[j]; m > j {
					j = m
				}
				continue
			case ",":
				out = append(out, [2]int{start, j})
				start = j + 1
			}
		}
	}
	if start < end || len(out) > 0 {
		out = append(out, [2]int{start, end})
	}
	return out
}

// stmtEnd returns where the expression starting at i ends: at a statement end, a comma or a
// bracket that closes an outer one.
func (a *analysis) stmtEnd(i int, comma bool) int {
	for j := i; j < len(a.toks); j++ {
		t := a.toks[j]
		switch t.Kind {
		case decode.Newline:
			return j
		case decode.Punct:
			switch t.Text {
			case "(", "[", "{":
				if m := a.match[j]; m > j {
					j = m
					continue
				}
				if t.Text == "{" {
					return j
				}
			case ")", "]", "}", ";":
				return j
			case ",":
				if comma {
					return j
				}
			case ":":
				if a.l.name == "vbscript" {
					return j
				}
			}
		case decode.Ident:
			if a.l.name == "vbscript" && (t.Is("Then") || t.Is("Else")) {
				return j
			}
		}
	}
	return len(a.toks)
}

// key names the variable at token i, or "" when it is none.
func (a *analysis) key(i int) string {
	if i >= 0 && i < len(a.keys) {
		return a.keys[i]
	}
	return ""
}

func (a *analysis) mark(k string, o origin) {
	if k == "" {
		return
	}
	if o.partial {
		// an array holding a request value somewhere is not itself request input
		if i := strings.Index(k, "['"); i > 0 {
			k = k[:i]
		}
		if _, ok := a.partial[k]; !ok {
			o.via = append(append([]string(nil), o.via...), a.l.display(k))
			a.partial[k] = o
			a.changed = true
		}
		return
	}
	if _, ok := a.taint[k]; ok {
		return
	}
	if len(o.via) < 8 {
		o.via = append(append([]string(nil), o.via...), a.l.display(k))
	}
	a.taint[k] = o
	if i := strings.Index(k, "['"); i > 0 {
		if _, ok := a.partial[k[:i]]; !ok {
			a.partial[k[:i]] = o
		}
	}
	a.changed = true
}

// elemKey is the key of a constant element of the array whose key is k: $a['cmd'].
func elemKey(k, idx string) string { return k + "['" + idx + "']" }

// tainted reports whether tokens lo..hi compute anything from request input, and from where.
func (a *analysis) tainted(lo, hi int) (origin, bool) {
	hi = min(hi, len(a.toks))
	for j := lo; j < hi; j++ {
		t := a.toks[j]
		if src, end, ok := a.l.source(a, j); ok {
			_ = end
			return origin{source: src}, true
		}
		switch t.Kind {
		case decode.Ident:
			low := a.low[j]
			if (low == "function" || low == "fn") && a.l.name == "php" {
				// a closure is code, not data: skip its parameters, use list and body
				k := j + 1
				if a.at(k).Is("(") {
					k = a.closeOf(k) + 1
				}
				if a.at(k).Is("use") && a.at(k+1).Is("(") {
					k = a.closeOf(k+1) + 1
				}
				for k < hi && !a.at(k).Is("{") && !a.at(k).Is("=>") && !a.at(k).Is(";") {
					k++
				}
				if a.at(k).Is("{") {
					k = a.closeOf(k)
				}
				j = k
				continue
			}
			if a.at(j + 1).Is("(") {
				if a.l.killers[low] && !a.at(j-1).Is("->") {
					j = a.closeOf(j + 1)
					continue
				}
				if o, ok := a.ret[a.l.fold(t.Text)]; ok {
					if !o.param {
						return o, true
					}
					if x, ok := a.tainted(j+2, a.closeOf(j+1)); ok {
						o.source, o.via = x.source, append(append([]string(nil), x.via...), o.via...)
						return o, true
					}
					j = a.closeOf(j + 1)
					continue
				}
				if a.l.name == "vbscript" {
					// a(0) reads an array element
					if o, ok := a.taint[a.key(j)]; ok {
						return o, true
					}
				}
				if fns := a.funcs[a.l.fold(t.Text)]; len(fns) > 0 && (a.l.name == "php" || a.l.name == "perl" && a.quoter(fns[0])) {
					// a function defined here returns request input only if a return says so
					// (and a shell quoter's never is)
					j = a.closeOf(j + 1)
				}
				continue
			}
			if a.l.castKills(a, j) {
				continue
			}
			if k := a.key(j); k != "" {
				if o, ok := a.lookup(k, j); ok {
					return o, true
				}
				for a.at(j+1).Is("[") && a.match[j+1] > j {
					j = a.match[j+1]
				}
			}
		case decode.Var:
			k := a.key(j)
			if k != "" && a.instances[k] != "" && a.at(j+1).Is("->") && a.at(j+2).Kind == decode.Ident && !a.at(j+3).Is("(") {
				// $o->p of an object of a class the page defines: what its methods set as $this->p
				if o, ok := a.taint["->"+strings.ToLower(a.at(j+2).Text)]; ok && !o.member {
					o.via = append(append([]string(nil), o.via...), a.at(j).Text+"->"+a.at(j+2).Text)
					return o, true
				}
			}
			// $this->prop->sub: the member is the variable
			for a.at(j+1).Is("->") && a.at(j+2).Kind == decode.Ident && !a.at(j+3).Is("(") {
				if _, _, ok := a.l.source(a, j+2); ok {
					break // $c->req->body: a member that reads the request
				}
				j += 2
			}
			if k != "" {
				if a.at(j+1).Is("[") && a.at(j+2).Kind == decode.Str && a.at(j+3).Is("]") {
					if o, ok := a.taint[elemKey(k, a.at(j+2).Text)]; ok {
						return o, true
					}
				} else if !a.at(j + 1).Is("[") {
					if o, ok := a.partial[k]; ok {
						if _, whole := a.taint[k]; !whole {
							o.partial = true
							return o, true
						}
					}
				}
				if o, ok := a.lookup(k, j); ok {
					return o, true
				}
			}
			// $map[$key] (and Perl's $map{$key}): an element chosen by request input is not
			// request input
			for (a.at(j+1).Is("[") || a.l.name == "perl" && a.at(j+1).Is("{")) && a.match[j+1] > j {
				j = a.match[j+1]
			}
		case decode.Str:
			for _, v := range t.Interp {
				if o, ok := a.interp(v, j); ok {
					return o, true
				}
			}
			if src := a.hiddenSource(j); src != "" {
				return origin{source: src}, true
			}
		case decode.Punct:
			// (int)$x, (bool)$x: a cast to a number or truth value
			if t.Text == "(" && a.at(j+2).Is(")") && a.l.numericCast(a.at(j+1)) {
				j += 2
				if a.at(j+1).Kind == decode.Var || a.at(j+1).Kind == decode.Ident {
					j++
					for a.at(j + 1).Is("[") {
						j = a.closeOf(j + 1)
					}
				}
			}
		}
	}
	return origin{}, false
}

// lookup reports whether variable k, read at token i, holds request input.
func (a *analysis) lookup(k string, i int) (origin, bool) {
	if o, ok := a.taint[k]; ok {
		return o, true
	}
	if len(a.all) > 0 {
		if src, ok := a.all[a.scope[min(i, len(a.scope)-1)]]; ok && a.l.plainVar(k) {
			return origin{source: src, via: []string{a.l.display(k)}}, true
		}
	}
	return origin{}, false
}

// interp checks a variable or expression a string literal interpolates.
func (a *analysis) interp(v string, at int) (origin, bool) {
	if len(v) > 300 {
		v = v[:300]
	}
	toks, _ := decode.Lex([]byte(v), a.l.syntax.Code())
	sub := &analysis{l: a.l, toks: toks, taint: a.taint, all: a.all, ret: a.ret, funcs: a.funcs, objects: a.objects, perlMy: a.perlMy,
		consts: a.consts, partial: a.partial, nodeBound: a.nodeBound}
	sub.match = make([]int, len(toks))
	for i := range sub.match {
		sub.match[i] = -1
	}
	sub.scope = make([]int32, len(toks))
	sub.low = make([]string, len(toks))
	sub.keys = make([]string, len(toks))
	sc := a.scope[min(at, len(a.scope)-1)]
	for i, t := range toks {
		sub.scope[i] = sc
		if t.Kind == decode.Ident {
			sub.low[i] = strings.ToLower(t.Text)
		}
	}
	for i, t := range toks {
		if t.Kind == decode.Ident || t.Kind == decode.Var {
			sub.keys[i] = a.l.key(sub, i, t)
		}
	}
	return sub.tainted(0, len(toks))
}

// run iterates the propagation rules until nothing changes, then collects the flows into
// sinks.
func (a *analysis) run() {
	if !a.hasSource() {
		a.sinks() // only eval of decoded constants can be found
		return
	}
	a.prepare()
	for round := 0; round < 12; round++ {
		a.changed = false
		a.propagate()
		if !a.changed {
			break
		}
	}
	a.sinks()
}

// propagate applies assignments, loops, calls into defined functions and returns once.
func (a *analysis) propagate() {
	for i := 0; i < len(a.toks); i++ {
		t := a.toks[i]
		switch {
		case t.Kind == decode.Punct && isAssign(t.Text):
			a.assignment(i)
		case t.Kind == decode.Ident && a.at(i+1).Is("("):
			a.call(i)
		case t.Kind == decode.Ident && a.l.name == "vbscript" && len(a.funcs[a.l.fold(t.Text)]) > 0:
			a.call(i) // a VBScript statement call: run D
		case t.Kind == decode.Var && a.l.name == "php" && (a.at(i+1).Is("(") || a.at(i+1).Is("[")):
			a.closureCall(i)
		case t.Kind == decode.Ident && t.Is("return"):
			if fn := a.enclosing(i); fn != nil {
				end := a.stmtEnd(i+1, false)
				if a.l.name == "perl" {
					// return $prog, @args: a list's first element is what a caller running it
					// as a command takes for the program
					end = a.stmtEnd(i+1, true)
				}
				if o, ok := a.tainted(i+1, end); ok && !a.quoter(fn) {
					if _, seen := a.ret[a.l.fold(fn.name)]; !seen {
						// a value computed from the parameters is request input only where a
						// call passes request input
						for _, p := range fn.params {
							if slices.Contains(o.via, a.l.display(p)) {
								o.param = true
							}
						}
						a.ret[a.l.fold(fn.name)] = o
						a.changed = true
					}
				}
			}
		}
		a.l.extra(a, i)
	}
}

func isAssign(s string) bool {
	switch s {
	case "=", ".=", "+=", "??=", "|=", "^=", "&=", "<<=":
		return true
	}
	return false
}

// assignment taints the target of the assignment at i when its value is request input.
func (a *analysis) assignment(i int) {
	targets := a.l.targets(a, i)
	if len(targets) == 0 {
		return
	}
	end := a.stmtEnd(i+1, a.l.commaEnds)
	if a.l.name == "php" && a.at(i).Text == "=" {
		// $f = function ($c) { ... } holds code, not the values its body reads
		j := i + 1
		if a.at(j).Is("static") {
			j++
		}
		if a.at(j).Is("function") || a.at(j).Is("fn") {
			return
		}
	}
	if a.l.name == "php" && a.at(i).Text == "=" && a.at(i+1).Is("new") && a.at(i+2).Kind == decode.Ident && a.pageClass(a.low[i+2]) {
		if a.instances == nil {
			a.instances = map[string]string{}
		}
		for _, k := range targets {
			a.instances[k] = a.low[i+2]
		}
	}
	o, ok := a.tainted(i+1, end)
	if obj := a.l.shellObject(a, i+1, end); obj != "" {
		for _, k := range targets {
			a.objects[k] = obj
		}
	}
	if !ok {
		return
	}
	if a.constantStart(i+1, end) {
		o.prefixed = true
	}
	o.head = a.headTainted(i+1, end)
	if a.l.name == "perl" && a.at(i+1).Is("(") && a.closeOf(i+1) == end-1 && len(targets) == 1 && strings.HasPrefix(a.l.display(targets[0]), "@") {
		// @cmd = ($program, @args, $x): the list is a command only if its head is request input
		if rs := a.args(i + 1); len(rs) > 0 {
			if _, ok := a.tainted(rs[0][0], rs[0][1]); !ok {
				o.partial = true
			}
		}
	}
	for _, k := range targets {
		if a.dirConfined(k, i+1, end) {
			if a.confined == nil {
				a.confined = map[string]bool{}
			}
			a.confined[k] = true
		}
	}
	if a.at(i + 1).Is("new") {
		o.object = true
	}
	for _, k := range targets {
		if strings.HasPrefix(k, "->") && a.l.name == "php" && a.at(i-2).Is("->") && a.at(i-3).Text != "$this" {
			m := o
			m.member = true
			a.mark(k, m)
			continue
		}
		a.mark(k, o)
	}
}

// pageClass reports whether the PHP page defines a method of class c (lower case).
func (a *analysis) pageClass(c string) bool {
	for _, fns := range a.funcs {
		for _, fn := range fns {
			if fn.class == c {
				return true
			}
		}
	}
	return false
}

// constantStart reports whether the value lo..hi begins with a constant that request input
// only follows: '/dir/' . $x, __DIR__ . $x, WP_PLUGIN_DIR . $x, dirname(__FILE__) . $x.
func (a *analysis) constantStart(lo, hi int) bool {
	for lo < hi && a.at(lo).Is("(") {
		lo++
	}
	if lo >= hi {
		return false
	}
	t := a.at(lo)
	switch t.Kind {
	case decode.Str:
		return len(t.Interp) == 0 || !strings.HasPrefix(t.Text, "$") && !strings.HasPrefix(t.Text, "{")
	case decode.Ident:
		if a.at(lo + 1).Is("(") {
			switch a.low[lo] {
			case "dirname", "realpath", "plugin_dir_path", "get_template_directory", "get_stylesheet_directory":
				return true
			}
			return false
		}
		return t.Text == strings.ToUpper(t.Text) || a.low[lo] == "self" || a.low[lo] == "static"
	}
	return false
}

// call passes tainted arguments into the parameters of the functions the code defines.
func (a *analysis) call(i int) {
	name := a.l.fold(a.toks[i].Text)
	fns := a.funcs[name]
	if len(fns) == 0 {
		return
	}
	if p := a.at(i - 1); p.Is("function") || (p.Is("def") || p.Is("sub")) && isKeyword(a.l, p.Text) {
		return
	}
	method := a.at(i-1).Is(".") || a.at(i-1).Is("->") || a.at(i-1).Is("::")
	if next := a.at(i + 1); !next.Is("(") && (next.Kind != decode.Ident && next.Kind != decode.Var && next.Kind != decode.Str || next.Is("=")) {
		return // a VBScript statement call takes its arguments without parentheses: run D
	}
	for n, r := range a.listArgs(i) {
		o, ok := a.tainted(r[0], r[1])
		if !ok {
			// f('assert'): the function's parameter names one that runs code
			if c := a.at(r[0]); r[1] == r[0]+1 && (c.Kind == decode.Str || c.Kind == decode.Ident) && a.l.name == "php" {
				if c.Kind == decode.Str {
					for _, fn := range fns {
						if n < len(fn.params) {
							a.passLiteral(fn.params[n], c.Text)
						}
					}
				}
				if _, bad := dangerous(c.Text); bad {
					for _, fn := range fns {
						if n < len(fn.params) {
							if _, seen := a.consts[fn.params[n]]; !seen {
								a.consts[fn.params[n]] = strings.ToLower(c.Text)
								a.changed = true
							}
						}
					}
				}
			}
			continue
		}
		for _, fn := range fns {
			idx := n
			if method && len(fn.params) > 0 && (fn.params[0] == "self" || fn.params[0] == "cls") {
				idx++
			}
			if idx < len(fn.params) {
				a.mark(fn.params[idx], o)
			} else if len(fn.params) > 0 && a.l.name == "perl" {
				a.mark(fn.params[0], o)
			}
		}
	}
}

// enclosing returns the function whose body holds token i.
func (a *analysis) enclosing(i int) *function {
	var best *function
	for _, fns := range a.funcs {
		for _, fn := range fns {
			if fn.body[0] < i && i < fn.body[1] && (best == nil || fn.body[0] > best.body[0]) {
				best = fn
			}
		}
	}
	return best
}

// sinks records every sink that request input reaches.
func (a *analysis) sinks() {
	for i := range a.toks {
		a.l.sink(a, i)
	}
}

// report records a flow into a sink at i from the argument ranges.
func (a *analysis) report(kind sinkKind, name string, i int, ranges [][2]int) bool {
	for _, r := range ranges {
		if kind == sinkCommand && r[1] == r[0]+1 && a.confined[a.key(r[0])] {
			continue
		}
		if o, ok := a.tainted(r[0], r[1]); ok {
			a.flows = append(a.flows, flow{kind: kind, sink: name, source: o.source, via: o.via, at: i, chain: a.toks[i].Chain})
			return true
		}
	}
	if kind == sinkCode {
		// eval(gzinflate(base64_decode('...'))): what runs was hidden on purpose
		for _, r := range ranges {
			for j := r[0]; j < min(r[1], len(a.toks)); j++ {
				if t := a.toks[j]; t.Kind == decode.Str && hidden(t.Chain) {
					a.flows = append(a.flows, flow{kind: kind, sink: name, source: "a constant decoded by " + strings.Join(t.Chain, " > "), at: i, chain: t.Chain, weak: true})
					return false
				}
			}
		}
	}
	return false
}

// hidden reports whether a chain of decodings is more than escapes in a literal.
func hidden(chain []string) bool {
	for _, c := range chain {
		if c != decode.StepEscape {
			return true
		}
	}
	return false
}

// argRange returns the argument ranges of the call whose name is at i: the parenthesised
// list, or, for a statement call without parentheses (VBScript, Perl, PHP's include), the
// rest of the statement.
func (a *analysis) argRange(i int) [][2]int {
	if a.at(i + 1).Is("(") {
		return a.args(i + 1)
	}
	return [][2]int{{i + 1, a.stmtEnd(i+1, false)}}
}

// listArgs returns the comma-separated arguments of the call whose name is at i, with or
// without parentheses.
func (a *analysis) listArgs(i int) [][2]int {
	if a.at(i + 1).Is("(") {
		return a.args(i + 1)
	}
	end := a.stmtEnd(i+1, false)
	var out [][2]int
	start := i + 1
	for j := i + 1; j < end; j++ {
		t := a.toks[j]
		if t.Kind != decode.Punct {
			continue
		}
		switch t.Text {
		case "(", "[", "{":
			if m := a.match[j]; m > j {
				j = m
			}
		case ",", "=>":
			out = append(out, [2]int{start, j})
			start = j + 1
		}
	}
	if start < end {
		out = append(out, [2]int{start, end})
	}
	return out
}

// shells are programs that run their argument as a command line or script.
var shells = set("sh", "bash", "dash", "zsh", "ksh", "csh", "tcsh", "ash", "busybox", "cmd", "cmd.exe", "powershell",
	"powershell.exe", "pwsh", "python", "python2", "python3", "perl", "ruby", "php", "node")

// reportExec records a flow into a command sink whose arguments rs are a program and its
// arguments: one argument is a command line the shell reads, so any request input in it
// counts; a list runs its first element with the rest as plain arguments, so only a
// request-chosen program counts, or request input handed to a shell's -c.
func (a *analysis) reportExec(name string, i int, rs [][2]int) bool {
	if len(rs) <= 1 {
		return a.report(sinkCommand, name, i, rs)
	}
	if o, ok := a.tainted(rs[0][0], rs[0][1]); ok && !o.partial {
		return a.report(sinkCommand, name, i, rs[:1])
	}
	if p := a.at(rs[0][0]); p.Kind == decode.Str && rs[0][1] == rs[0][0]+1 && shells[strings.ToLower(pathBase(p.Text))] {
		return a.report(sinkCommand, name, i, a.codeArgs(rs[1:]))
	}
	return false
}

// codeArgs returns, of a shell's or an interpreter's arguments, the one it runs as code: the
// first operand after its options, which is the code after -c, -e or /c, or the script it
// runs. The script's own arguments are data: ['python3', 'tool.py', x] runs no code of x's,
// ['sh', '-c', x] and ['perl', '-e', x] do. A list literal among the arguments
// (spawn('/bin/sh', ['-c', x])) is read element by element.
func (a *analysis) codeArgs(rs [][2]int) [][2]int {
	for _, r := range rs {
		if a.at(r[0]).Is("[") && a.closeOf(r[0]) == r[1]-1 {
			if out := a.codeArgs(a.args(r[0])); out != nil {
				return out
			}
			continue
		}
		if t := a.at(r[0]); t.Kind == decode.Str && r[1] == r[0]+1 && (strings.HasPrefix(t.Text, "-") || strings.HasPrefix(t.Text, "/") && len(t.Text) <= 3) {
			continue // an option: -c, -e, -i, /c
		}
		return [][2]int{r}
	}
	return nil
}

func pathBase(p string) string {
	p = strings.TrimSpace(p)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// headTainted reports whether the expression lo..hi starts with request input: its first
// operand (not a constant, a directory variable or a sanitizing call) is request input.
func (a *analysis) headTainted(lo, hi int) bool {
	for lo < hi && (a.at(lo).Is("(") && a.closeOf(lo) >= hi-1 || a.at(lo).Is("@")) {
		lo++
		if a.at(lo - 1).Is("(") {
			hi = min(hi, a.closeOf(lo-1))
		}
	}
	if lo >= hi {
		return false
	}
	t := a.at(lo)
	end := lo + 1
	switch t.Kind {
	case decode.Str:
		if len(t.Interp) == 0 || !strings.HasPrefix(t.Text, "$") && !strings.HasPrefix(t.Text, "{") {
			return false
		}
		o, ok := a.interp(t.Interp[0], lo)
		return ok && (o.head || o.via == nil || len(o.via) == 0)
	case decode.Var, decode.Ident:
		if _, _, ok := a.l.source(a, lo); ok {
			return true
		}
		for a.at(end).Is("[") || a.at(end).Is("(") || a.at(end).Is("->") || a.at(end).Is(".") && a.l.name != "php" {
			switch {
			case a.at(end).Is("[") || a.at(end).Is("("):
				end = a.closeOf(end) + 1
			default:
				end += 2
			}
		}
		o, ok := a.tainted(lo, min(end, hi))
		if !ok {
			return false
		}
		if k := a.key(lo); k != "" {
			if v, whole := a.taint[k]; whole {
				return v.head || len(v.via) <= 1 && !v.prefixed
			}
		}
		return !o.prefixed
	}
	return false
}

// hiddenSource returns the request input that the literal at j reads when it is code: a
// literal decoded from base64 or the like that spells just Request.Item["z"] or
// $_POST['x'] is evaluated for what it reads (eval(decoded) returns the request value). ""
// when it is not.
func (a *analysis) hiddenSource(j int) string {
	t := a.toks[j]
	if !hidden(t.Chain) || len(t.Text) > 4096 || len(t.Text) < 6 {
		return ""
	}
	if src, ok := a.hiddenSrc[j]; ok {
		return src
	}
	if a.hiddenSrc == nil {
		a.hiddenSrc = map[int]string{}
	}
	a.hiddenSrc[j] = ""
	toks, _ := decode.Lex([]byte(t.Text), a.l.syntax.Code())
	sub := &analysis{l: a.l, toks: toks, taint: map[string]origin{}, all: map[int32]string{}, ret: map[string]origin{},
		funcs: map[string][]*function{}, objects: map[string]string{}, consts: map[string]string{}}
	sub.match = make([]int, len(toks))
	var stack []int
	for i, u := range toks {
		sub.match[i] = -1
		switch {
		case u.Is("(") || u.Is("[") || u.Is("{"):
			stack = append(stack, i)
		case (u.Is(")") || u.Is("]") || u.Is("}")) && len(stack) > 0:
			sub.match[i], sub.match[stack[len(stack)-1]] = stack[len(stack)-1], i
			stack = stack[:len(stack)-1]
		}
	}
	sub.scope = make([]int32, len(toks))
	sub.low = make([]string, len(toks))
	// only a literal that is nothing but the request expression: code with statements of its
	// own is a layer the analysis reads for itself
	n := len(toks)
	for n > 0 && (toks[n-1].Is(";") || toks[n-1].Kind == decode.Newline) {
		n--
	}
	if src, end, ok := a.l.source(sub, 0); ok && end >= n {
		a.hiddenSrc[j] = src + " (read by code decoded by " + strings.Join(t.Chain, " > ") + ")"
		return a.hiddenSrc[j]
	}
	return ""
}

// dirConfined reports whether the value lo..hi assigned to k is a string that puts k's own
// value below a fixed directory: "$ENV{HOME}/wrappers/$path", "/usr/lib/tools/$name".
func (a *analysis) dirConfined(k string, lo, hi int) bool {
	if hi != lo+1 {
		return false
	}
	t := a.at(lo)
	if t.Kind != decode.Str || len(t.Interp) == 0 {
		return false
	}
	self := a.l.display(k)
	for _, v := range t.Interp {
		if v != self && !strings.HasPrefix(v, self+"[") {
			continue
		}
		at := strings.Index(t.Text, v)
		if at <= 0 {
			return false
		}
		prefix := t.Text[:at]
		return strings.HasSuffix(prefix, "/") && !strings.ContainsAny(prefix, " \t;|&`")
	}
	return false
}

// quoter reports whether fn quotes its values for the shell: it wraps a value in single
// quotes ("'$a'") after escaping the quotes in it, as gitweb's quote_command does. What it
// returns is safe as a command's arguments.
func (a *analysis) quoter(fn *function) bool {
	if fn.quotes != 0 {
		return fn.quotes > 0
	}
	fn.quotes = -1
	wraps, escapes := false, false
	for j := fn.body[0]; j < min(fn.body[1], len(a.toks)); j++ {
		t := a.toks[j]
		if t.Kind != decode.Str {
			continue
		}
		if len(t.Interp) == 1 && t.Text == "'"+t.Interp[0]+"'" {
			wraps = true
		}
		if (t.Quote == '/' || a.at(j-1).Is("=~")) && strings.Contains(t.Text, "'") || strings.Contains(t.Text, `'\''`) {
			escapes = true
		}
	}
	if wraps && escapes {
		fn.quotes = 1
	}
	return fn.quotes > 0
}
