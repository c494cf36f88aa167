package webshell

import (
	"github.com/strata-forensics/strata/signatures/decode"
)

// A function name built inside a function from its parameters, where the calls pass
// literals: function f($v, $k) { $x = $k . $v; $x($_POST['x']); } array_walk(array('ass' =>
// 'ert'), 'f'). The analysis records the literals each parameter is passed (direct calls,
// and the keys and values of a literal array walked or mapped with the function as its
// callback) and, at a call through a variable, tries the concatenations the variable's
// assignment can make of them.

// maxParamValues bounds the literals kept per parameter and the names tried per call.
const maxParamValues = 16

// passLiteral records that parameter p may hold the literal v.
func (a *analysis) passLiteral(p, v string) {
	if a.pvals == nil {
		a.pvals = map[string][]string{}
	}
	vs := a.pvals[p]
	if len(vs) >= maxParamValues {
		return
	}
	for _, x := range vs {
		if x == v {
			return
		}
	}
	a.pvals[p] = append(vs, v)
}

// literalArray returns the keys and values of the literal array the PHP variable k is
// assigned (array('a' => 'b', ...) or ['a' => 'b', ...]); ok is false when it is assigned
// anything else or nothing.
func (a *analysis) literalArray(k string) (keys, vals []string, ok bool) {
	for j, t := range a.toks {
		if t.Kind != decode.Var || a.key(j) != k || !a.at(j+1).Is("=") {
			continue
		}
		open := j + 2
		if a.at(open).Is("array") {
			open++
		}
		if !a.at(open).Is("(") && !a.at(open).Is("[") {
			return nil, nil, false
		}
		for _, r := range a.args(open) {
			switch n := r[1] - r[0]; {
			case n == 1 && a.at(r[0]).Kind == decode.Str:
				keys, vals = append(keys, ""), append(vals, a.at(r[0]).Text)
			case n == 3 && a.at(r[0]).Kind == decode.Str && a.at(r[0]+1).Is("=>") && a.at(r[0]+2).Kind == decode.Str:
				keys, vals = append(keys, a.at(r[0]).Text), append(vals, a.at(r[0]+2).Text)
			default:
				return nil, nil, false
			}
		}
		return keys, vals, len(vals) > 0
	}
	return nil, nil, false
}

// walkLiterals passes a literal array's keys and values to the callback array_walk,
// array_walk_recursive or array_map (the call at token i) runs.
func (a *analysis) walkLiterals(i int) {
	name := a.low[i]
	rs := a.args(i + 1)
	if len(rs) < 2 {
		return
	}
	arr, cb := rs[0], rs[1]
	if name == "array_map" {
		arr, cb = rs[1], rs[0]
	}
	if cb[1] != cb[0]+1 || a.at(cb[0]).Kind != decode.Str || arr[1] != arr[0]+1 || a.at(arr[0]).Kind != decode.Var {
		return
	}
	keys, vals, ok := a.literalArray(a.key(arr[0]))
	if !ok {
		return
	}
	for _, fn := range a.funcs[a.l.fold(a.at(cb[0]).Text)] {
		for n, v := range vals {
			if len(fn.params) > 0 {
				a.passLiteral(fn.params[0], v)
			}
			if len(fn.params) > 1 && name != "array_map" && keys[n] != "" {
				a.passLiteral(fn.params[1], keys[n])
			}
		}
	}
}

// builtName returns a function that runs commands or code which the variable k, called at
// token at, can name: its assignment concatenates literals and parameters that are passed
// literals. "" when none.
func (a *analysis) builtName(k string, at int) string {
	if len(a.pvals) == 0 {
		return ""
	}
	for j := at - 1; j >= 0; j-- {
		if a.toks[j].Kind != decode.Var || a.key(j) != k || !a.at(j+1).Is("=") {
			continue
		}
		names := []string{""}
		end := a.stmtEnd(j+2, false)
		for p := j + 2; p < end; p++ {
			t := a.at(p)
			if (p-j)%2 == 1 {
				if !t.Is(".") {
					return ""
				}
				continue
			}
			var parts []string
			switch {
			case t.Kind == decode.Str && len(t.Interp) == 0:
				parts = []string{t.Text}
			case t.Kind == decode.Var:
				parts = a.pvals[a.key(p)]
			}
			if len(parts) == 0 {
				return ""
			}
			var next []string
			for _, x := range names {
				for _, y := range parts {
					if len(next) < maxParamValues*maxParamValues {
						next = append(next, x+y)
					}
				}
			}
			names = next
		}
		for _, n := range names {
			if _, bad := dangerous(n); bad {
				return n
			}
		}
		return ""
	}
	return ""
}
