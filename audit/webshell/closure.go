package webshell

import (
	"github.com/strata-forensics/strata/signatures/decode"
)

// PHP closures and arrow functions kept in a variable or an array element and called
// through it: $f = function ($c) { system($c); }; $f($_GET['x']), or
// $h = array('r' => fn($c) => passthru($c)); $h['r']($_POST['x']). A closure shares its
// parent's variables (functions gives it no scope of its own), so its parameters are keys of
// the parent's scope: a call marks them with what it passes.

// closureParams maps the key of each variable or array element a closure is assigned to, to
// the keys of the closure's parameters.
func (a *analysis) closureParams() map[string][]string {
	if a.closures != nil {
		return a.closures
	}
	a.closures = map[string][]string{}
	for i, t := range a.toks {
		if !t.Is("function") && !t.Is("fn") {
			continue
		}
		j := i + 1
		if a.at(j).Is("&") {
			j++
		}
		if !a.at(j).Is("(") {
			continue // a named function, or no call at all
		}
		var params []string
		closeP := a.closeOf(j)
		for m := j + 1; m < closeP; m++ {
			if a.toks[m].Kind == decode.Var && (a.at(m+1).Is(",") || a.at(m+1).Is(")") || a.at(m+1).Is("=")) {
				params = append(params, a.key(m))
			}
		}
		if len(params) == 0 {
			continue
		}
		if k := a.closureTarget(i); k != "" {
			a.closures[k] = params
		}
	}
	return a.closures
}

// closureTarget returns the key the closure starting at token i is assigned to: $f =
// function, or 'k' => function inside array(...) or [...] assigned to $f.
func (a *analysis) closureTarget(i int) string {
	if a.at(i - 1).Is("static") {
		i--
	}
	if a.at(i-1).Is("=") && a.at(i-2).Kind == decode.Var {
		return a.key(i - 2)
	}
	if !a.at(i-1).Is("=>") || a.at(i-2).Kind != decode.Str {
		return ""
	}
	idx := a.at(i - 2).Text
	// the array literal the element is in
	for j := i - 3; j >= 0 && j > i-4096; j-- {
		t := a.at(j)
		if (t.Is("(") || t.Is("[")) && a.match[j] > i {
			open := j
			if t.Is("(") {
				if !a.at(j - 1).Is("array") {
					return ""
				}
				open--
			}
			if a.at(open-1).Is("=") && a.at(open-2).Kind == decode.Var {
				return elemKey(a.key(open-2), idx)
			}
			return ""
		}
		if (t.Is(")") || t.Is("]") || t.Is("}")) && a.match[j] >= 0 {
			j = a.match[j]
		}
	}
	return ""
}

// closureCall marks the parameters of the closure the call at token i ($f(...) or
// $f['k'](...)) runs with the request input it passes.
func (a *analysis) closureCall(i int) {
	open, k := -1, ""
	switch {
	case a.at(i + 1).Is("("):
		open, k = i+1, a.key(i)
	case a.at(i+1).Is("[") && a.at(i+2).Kind == decode.Str && a.at(i+3).Is("]") && a.at(i+4).Is("("):
		open, k = i+4, elemKey(a.key(i), a.at(i+2).Text)
	default:
		return
	}
	if k == "" || a.at(i-1).Is("->") || a.at(i-1).Is("::") {
		return
	}
	params := a.closureParams()[k]
	if len(params) == 0 {
		return
	}
	for n, r := range a.args(open) {
		if n >= len(params) {
			break
		}
		if o, ok := a.tainted(r[0], r[1]); ok {
			a.mark(params[n], o)
		}
	}
}

// inlineClosureParams returns the parameter keys of the closure or arrow function that starts
// at token lo (function ($m) { ... }, static fn($v) => ...), nil when none starts there: a
// callback written inline where a builtin calls it (preg_replace_callback, array_walk,
// array_reduce) is handed the data the builtin is given.
func (a *analysis) inlineClosureParams(lo int) []string {
	j := lo
	if a.at(j).Is("static") {
		j++
	}
	if !a.at(j).Is("function") && !a.at(j).Is("fn") {
		return nil
	}
	j++
	if a.at(j).Is("&") {
		j++
	}
	if !a.at(j).Is("(") {
		return nil
	}
	var params []string
	closeP := a.closeOf(j)
	for m := j + 1; m < closeP; m++ {
		if a.toks[m].Kind == decode.Var && (a.at(m+1).Is(",") || a.at(m+1).Is(")") || a.at(m+1).Is("=")) {
			if k := a.key(m); k != "" {
				params = append(params, k)
			}
		}
	}
	return params
}
