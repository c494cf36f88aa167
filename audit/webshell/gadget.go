package webshell

import (
	"strings"

	"github.com/strata-forensics/strata/signatures/decode"
)

// phpMagic are the methods PHP calls on an object by itself: when it is destroyed, woken
// from unserialize(), printed, or called with a method or property it lacks.
var phpMagic = set("__destruct", "__wakeup", "__unserialize", "__tostring", "__call", "__callstatic", "__get", "__set",
	"__invoke", "__isset", "__unset")

// popGadget finds a class of the page whose magic method hands one of the object's own
// properties to something that runs code or commands (eval($this->var), call_user_func(
// $this->f, $this->a), $this->cb($this->x)): unserialize() of request input then builds that
// object with the properties the request chose, and PHP runs the method by itself. It
// returns "Class::__destruct() passes $this->var to eval()", "" when the page has none.
func (a *analysis) popGadget() string {
	if a.gadget != nil {
		return *a.gadget
	}
	found := ""
	a.gadget = &found
	for i, t := range a.toks {
		if !t.Is("function") || a.at(i+1).Kind != decode.Ident || !phpMagic[strings.ToLower(a.at(i+1).Text)] || !a.at(i+2).Is("(") {
			continue
		}
		open := a.closeOf(i+2) + 1
		for open < len(a.toks) && !a.at(open).Is("{") && !a.at(open).Is(";") {
			open++ // a return type
		}
		if !a.at(open).Is("{") {
			continue
		}
		body := [2]int{open + 1, a.closeOf(open)}
		if run := a.gadgetRun(body); run != "" {
			class := ""
			for j := i - 1; j >= 0; j-- {
				if a.toks[j].Is("class") && a.at(j+1).Kind == decode.Ident && a.closeOf(a.nextBrace(j)) > i {
					class = a.at(j+1).Text + "::"
					break
				}
			}
			found = class + a.at(i+1).Text + "() hands " + run
			return found
		}
	}
	return found
}

// nextBrace returns the first { at or after j.
func (a *analysis) nextBrace(j int) int {
	for ; j < len(a.toks); j++ {
		if a.toks[j].Is("{") {
			return j
		}
	}
	return -1
}

// gadgetRun returns what a magic method's body runs with a property of the object, "" when
// it runs nothing so.
func (a *analysis) gadgetRun(body [2]int) string {
	prop := func(r [2]int) string {
		for j := r[0]; j < r[1]; j++ {
			if a.isThis(j) && a.at(j+1).Is("->") && a.at(j+2).Kind == decode.Ident {
				return "$this->" + a.at(j+2).Text
			}
		}
		return ""
	}
	for j := body[0]; j < body[1]; j++ {
		t := a.toks[j]
		if !a.at(j + 1).Is("(") {
			continue
		}
		args := a.args(j + 1)
		switch {
		case t.Kind == decode.Ident && !a.at(j-1).Is("->") && !a.at(j-1).Is("::"):
			n := strings.ToLower(t.Text)
			if _, run := dangerous(n); run || n == "include" || n == "require" {
				for _, r := range args {
					if p := prop(r); p != "" {
						return p + " to " + n + "()"
					}
				}
			}
			if idx, ok := phpCallbacks[n]; ok && idx < len(args) {
				if p := prop(args[idx]); p != "" {
					return p + " to " + n + "() as the function to call"
				}
			}
		case t.Is(")") && a.match[j] > 0 && a.isThis(a.match[j]+1):
			// ($this->cb)($this->arg): a property called as a function
			if p := prop([2]int{a.match[j], j}); p != "" && len(args) > 0 && prop(args[0]) != "" {
				return p + " as the function to call"
			}
		case t.Kind == decode.Var && !a.at(j-1).Is("->"):
			// $f = $this->cb; $f($this->arg)
			if len(args) > 0 && prop(args[0]) != "" && a.assignedProperty(t.Text, body) {
				return t.Text + " (a property) as the function to call"
			}
		}
	}
	return ""
}

// assignedProperty reports whether the variable v is assigned a property of the object in
// the range.
func (a *analysis) assignedProperty(v string, body [2]int) bool {
	for j := body[0]; j < body[1]; j++ {
		if a.toks[j].Kind == decode.Var && a.toks[j].Text == v && a.at(j+1).Is("=") && a.isThis(j+2) && a.at(j+3).Is("->") {
			return true
		}
	}
	return false
}

func (a *analysis) isThis(j int) bool {
	t := a.at(j)
	return t.Kind == decode.Var && t.Text == "$this"
}

// noClasses reports unserialize()'s options turning objects off: ['allowed_classes' => false].
func (a *analysis) noClasses(r [2]int) bool {
	for j := r[0]; j+2 < r[1]; j++ {
		if t := a.at(j); t.Kind == decode.Str && t.Text == "allowed_classes" && a.at(j+1).Is("=>") && (a.at(j+2).Is("false") || a.at(j+2).Is("[")) {
			return true
		}
	}
	return false
}
