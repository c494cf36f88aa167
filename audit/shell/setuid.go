package shell

import (
	"bytes"
	"path"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// RuleSetuidShell: a script that gives a shell, an interpreter or a program that runs others
// the setuid bit: whoever runs the copy gets a root shell (T1548.001).
const RuleSetuidShell = "STRATA-PE-004"

// setuidRunners are programs a setuid bit turns into a root shell for anyone: the shells, the
// interpreters, and the programs that run a command or a shell escape (find -exec, env, vim
// :!sh, less !sh, awk system()).
var setuidRunners = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true, "ash": true,
	"csh": true, "tcsh": true, "fish": true, "busybox": true, "python": true, "python2": true, "python3": true, "perl": true,
	"ruby": true, "php": true, "node": true, "nodejs": true, "lua": true, "tclsh": true, "find": true, "env": true, "vim": true,
	"vi": true, "nano": true, "less": true, "more": true, "awk": true, "gawk": true, "mawk": true, "nmap": true, "cp": true,
	"socat": true, "nc": true, "ncat": true, "xargs": true, "expect": true, "gdb": true, "strace": true, "tar": true, "zip": true}

// runnerName is the program name of a path or a versioned interpreter (python3.11, perl5.36).
func runnerName(p string) string {
	b := path.Base(p)
	if i := strings.IndexFunc(b, func(r rune) bool { return r >= '0' && r <= '9' || r == '.' }); i > 0 && setuidRunners[b[:i]] {
		return b[:i]
	}
	return b
}

// setuidMode reports a chmod or install mode that sets the setuid bit: +s, u+s, ug+xs, 4755,
// 04711, 6755.
func setuidMode(m string) bool {
	if m == "" {
		return false
	}
	if m[0] >= '0' && m[0] <= '7' {
		if len(m) < 4 || len(m) > 5 {
			return false
		}
		n, err := strconv.ParseUint(m, 8, 32)
		return err == nil && n&0o4000 != 0
	}
	for _, clause := range strings.Split(m, ",") {
		who, rest, op := clause, "", ""
		if i := strings.IndexAny(clause, "+="); i >= 0 {
			who, op, rest = clause[:i], clause[i:i+1], clause[i+1:]
		}
		if op != "" && strings.ContainsRune(rest, 's') && (who == "" || strings.ContainsAny(who, "ua")) {
			return true
		}
	}
	return false
}

// hasSetuidTrigger is the gate: chmod or install, and a setuid mode's spelling.
func hasSetuidTrigger(g *grams, data []byte) bool {
	if !g.hasAny(data, "chmod", "install") {
		return false
	}
	for _, w := range []string{"+s", "+xs", "+sx", "=s", "4755", "4777", "4711", "4750", "6755", "6777", "4775", "4555"} {
		if bytes.Contains(data, []byte(w)) {
			return true
		}
	}
	return false
}

// setuidChmod reads chmod: a setuid mode given to a shell or interpreter, or to a copy of one
// the script made.
func (a *analysis) setuidChmod(s syntax.Node, args []val) {
	mode := ""
	var files []string
	for _, x := range args {
		switch {
		case strings.HasPrefix(x.s, "--"):
		case mode == "" && (strings.HasPrefix(x.s, "-") && len(x.s) > 1 && setuidMode(x.s[1:]) || !strings.HasPrefix(x.s, "-")):
			mode = strings.TrimPrefix(x.s, "-")
		case strings.HasPrefix(x.s, "-"):
		default:
			files = append(files, x.s)
		}
	}
	if !setuidMode(mode) {
		return
	}
	for _, f := range files {
		a.setuidOn(s, f, "chmod "+mode)
	}
}

// setuidOn reports file f given the setuid bit by how, when it is a runner or a copy of one.
func (a *analysis) setuidOn(s syntax.Node, f, how string) {
	src := f
	if from := a.copiedFrom[f]; from != "" {
		src = from
	}
	name := runnerName(src)
	if !setuidRunners[name] || strings.Contains(src, unknown) && src == f {
		return
	}
	what := how + " on " + strings.ReplaceAll(f, unknown, "?")
	if src != f {
		what += ", a copy of " + strings.ReplaceAll(src, unknown, "?")
	}
	a.mark(hitSetuidShell, s, what+": "+name+" runs as root for whoever starts it", "")
}

// copied notes where the script copied a file from, for setuidOn.
func (a *analysis) copied(dst, src string) {
	if a.copiedFrom == nil {
		a.copiedFrom = map[string]string{}
	}
	if len(a.copiedFrom) < 256 {
		a.copiedFrom[dst] = src
	}
}
