package webshell

import "github.com/strata-forensics/strata/signatures/decode"

// confinedDir reports whether the destination lo..hi starts with a variable the page keeps
// below a directory of its own: assigned realpath() of what it is given, then checked to
// start with a root (strpos($d, $root) !== 0, str_starts_with, strncmp) and set back or
// refused when it does not; and the page sets no file's mode (chmod).
func (a *analysis) confinedDir(lo, hi int) bool {
	for j, t := range a.toks {
		if t.Kind == decode.Ident && a.low[j] == "chmod" && a.at(j+1).Is("(") {
			return false
		}
	}
	for lo < hi && a.at(lo).Is("(") {
		lo++
	}
	v := a.at(lo)
	if v.Kind != decode.Var {
		return false
	}
	real := false
	for j, t := range a.toks {
		if t.Kind == decode.Var && t.Text == v.Text && a.at(j+1).Is("=") {
			end := a.stmtEnd(j+2, false)
			for k := j + 2; k < end; k++ {
				if a.at(k).Kind == decode.Ident && a.low[k] == "realpath" {
					real = true
				}
			}
			if !real {
				// any other assignment of the request's value: not kept
				if _, ok := a.tainted(j+2, end); ok {
					return false
				}
			}
		}
	}
	if !real {
		return false
	}
	for j, t := range a.toks {
		if t.Kind != decode.Ident || !a.at(j+1).Is("(") {
			continue
		}
		switch a.low[j] {
		case "strpos", "stripos", "str_starts_with", "strncmp":
		default:
			continue
		}
		rs := a.args(j + 1)
		if len(rs) >= 2 && rs[0][1] == rs[0][0]+1 && a.at(rs[0][0]).Text == v.Text {
			return true
		}
	}
	return false
}

// sessionGate reports whether the page starts a session and tests what it holds in a
// condition: a login the file manager keeps its pages behind.
func (a *analysis) sessionGate() bool {
	started := false
	for j, t := range a.toks {
		if t.Kind == decode.Ident && a.low[j] == "session_start" {
			started = true
		}
	}
	if !started {
		return false
	}
	for j, t := range a.toks {
		if !(t.Is("if") && a.at(j+1).Is("(")) {
			continue
		}
		for k := j + 2; k < a.closeOf(j+1); k++ {
			if a.toks[k].Kind == decode.Var && a.toks[k].Text == "$_SESSION" {
				return true
			}
		}
	}
	return false
}
