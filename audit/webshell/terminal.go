package webshell

import (
	"bytes"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// A web terminal planted as a backdoor: a Node.js route that spawns an interactive shell
// (node-pty's spawn of bash, child_process.spawn of sh) and relays what a websocket or the
// request sends to it, keystroke by keystroke: no request value reaches the spawn's
// arguments, so the flow rules see nothing, yet whoever reaches the route has a shell.

// mayRelayShell reports whether a script spells what a web terminal needs: a spawn and a
// write or pipe into it.
func mayRelayShell(src []byte) bool {
	return (bytes.Contains(src, []byte("spawn")) || bytes.Contains(src, []byte("fork("))) &&
		(bytes.Contains(src, []byte(".write(")) || bytes.Contains(src, []byte(".pipe(")))
}

// ptyModules are the packages that spawn a program on a pseudo-terminal.
var ptyModules = set("node-pty", "node-pty-prebuilt-multiarch", "@homebridge/node-pty-prebuilt-multiarch", "@lydell/node-pty",
	"@cdktf/node-pty-prebuilt-multiarch", "pty.js", "@replit/node-pty")

// shellPrograms are the interactive shells a terminal spawns.
var shellPrograms = set("bash", "sh", "zsh", "ash", "dash", "ksh", "fish", "/bin/bash", "/bin/sh", "/bin/zsh", "/bin/ash",
	"/usr/bin/bash", "/usr/bin/zsh", "cmd.exe", "cmd", "powershell.exe", "powershell", "pwsh", "pwsh.exe")

// exampleDirs hold a package's demonstrations and tests, which no application mounts.
var exampleDirs = []string{"/demo/", "/demos/", "/example/", "/examples/", "/test/", "/tests/", "/__tests__/", "/fixtures/", "/docs/"}

// nodeTerminal finds a route handler that spawns a shell and a listener relaying socket or
// request data into a process: the spawn's token and a description, ok false when none.
func (a *analysis) nodeTerminal(p string) (at int, what string, ok bool) {
	for _, d := range exampleDirs {
		if strings.Contains(p, d) {
			return 0, "", false
		}
	}
	ptys := map[string]bool{}
	for i, t := range a.toks {
		if t.Kind == decode.Str && ptyModules[t.Text] && a.nodeRequire(i) {
			// var pty = require('node-pty'), const { spawn } = require('node-pty')
			for j := i - 1; j >= 0 && j > i-12; j-- {
				if jsIs(a.at(j), "=") {
					if v := a.at(j - 1); v.Kind == decode.Ident {
						ptys[v.Text] = true
					}
					if jsIs(a.at(j-1), "}") {
						for k := j - 2; k >= 0 && !jsIs(a.at(k), "{"); k-- {
							if a.at(k).Kind == decode.Ident {
								ptys["."+a.at(k).Text] = true
							}
						}
					}
					break
				}
			}
		}
	}
	nodeBind(a)
	spawn, prog := -1, ""
	for i, t := range a.toks {
		if t.Kind != decode.Ident || !jsIs(a.at(i+1), "(") || !(t.Text == "spawn" || t.Text == "fork" || t.Text == "exec" || t.Text == "execFile") {
			continue
		}
		pty := jsIs(a.at(i-1), ".") && ptys[a.at(i-2).Text] || !jsIs(a.at(i-1), ".") && ptys["."+t.Text]
		cp := strings.HasPrefix(a.nodeCallee(i), "child_process:")
		if !pty && !cp {
			continue
		}
		rs := a.args(i + 1)
		if len(rs) == 0 {
			continue
		}
		var shells []string
		for j := rs[0][0]; j < rs[0][1]; j++ {
			if s := a.at(j); s.Kind == decode.Str && shellPrograms[strings.ToLower(s.Text)] {
				shells = append(shells, s.Text)
			}
			if jsIs(a.at(j), "SHELL") || jsIs(a.at(j), "ComSpec") {
				shells = append(shells, "$"+a.at(j).Text)
			}
		}
		sh := strings.Join(shells, " or ")
		// a shell given a command to run (sh -c 'make') is no terminal
		if sh == "" || len(rs) > 1 && a.argsHold(rs[1], "-c", "/c", "-Command") {
			continue
		}
		if !a.inRoute(i) {
			continue
		}
		spawn = i
		prog = sh
		if pty {
			prog += " on a pseudo-terminal"
		}
		break
	}
	if spawn < 0 {
		return 0, "", false
	}
	relay := a.socketRelay()
	if relay == "" {
		return 0, "", false
	}
	return spawn, "a route spawns an interactive shell (" + prog + ") and " + relay, true
}

// argsHold reports whether the range holds one of the literals.
func (a *analysis) argsHold(r [2]int, lits ...string) bool {
	for j := r[0]; j < r[1]; j++ {
		if s := a.at(j); s.Kind == decode.Str {
			for _, l := range lits {
				if s.Text == l {
					return true
				}
			}
		}
	}
	return false
}

// inRoute reports whether token i is inside a function handed to a route registration
// (app.post('/t', ...), router.get, app.ws, createServer) or to a socket server's
// connection listener.
func (a *analysis) inRoute(i int) bool {
	for j := i - 1; j >= 0; j-- {
		if !jsIs(a.toks[j], "(") || a.match[j] < i {
			continue
		}
		c := a.at(j - 1)
		if c.Kind != decode.Ident {
			continue
		}
		switch {
		case nodeRoutes[strings.ToLower(c.Text)] && a.nodeRoute(j-1), c.Text == "ws" && jsIs(a.at(j-2), "."), c.Text == "route":
			return true
		case nodeRouteMethods[c.Text] && jsIs(a.at(j-1-1), ".") && !nodeClients[strings.ToLower(a.at(j-3).Text)]:
			// app.post(path, function (req, res) {...}) with the path in a variable
			if rs := a.args(j); len(rs) > 1 {
				last := rs[len(rs)-1]
				for k := last[0]; k < min(last[1], last[0]+4); k++ {
					if jsIs(a.at(k), "(") {
						if p, q := a.twoParams(k); p != "" && (nodeResponses[strings.ToLower(q)] || q == "req" || p == "ctx") {
							return true
						}
						break
					}
				}
			}
		case (c.Text == "on" || c.Text == "once") && a.at(j+1).Kind == decode.Str && (a.at(j+1).Text == "connection" || a.at(j+1).Text == "request"):
			return true
		}
	}
	return false
}

// socketRelay describes a listener that writes what a socket or request sends into a
// process (term.write(msg), proc.stdin.write(data)) or a pipe into its stdin, "" when none.
func (a *analysis) socketRelay() string {
	for i, t := range a.toks {
		switch {
		case (jsIs(t, "on") || jsIs(t, "once")) && jsIs(a.at(i-1), ".") && jsIs(a.at(i+1), "(") && a.at(i+2).Kind == decode.Str &&
			(a.at(i+2).Text == "message" || a.at(i+2).Text == "data" || a.at(i+2).Text == "input"):
			rs := a.args(i + 1)
			if len(rs) < 2 {
				continue
			}
			param := a.firstParam(rs[1][0])
			if param == "" {
				continue
			}
			for j := rs[1][0]; j < rs[1][1]; j++ {
				if jsIs(a.at(j), "write") && jsIs(a.at(j-1), ".") && jsIs(a.at(j+1), "(") {
					if w := a.args(j + 1); len(w) > 0 && a.mentions(w[0], param) {
						return "relays each '" + a.at(i+2).Text + "' from a socket into it (" + a.label(j-2, a.closeOf(j+1)+1) + ")"
					}
				}
			}
		case jsIs(t, "pipe") && jsIs(a.at(i-1), ".") && jsIs(a.at(i+1), "("):
			if rs := a.args(i + 1); len(rs) > 0 && a.mentionsWord(rs[0], "stdin") {
				return "pipes a stream into its stdin (" + a.label(max(0, i-2), a.closeOf(i+1)+1) + ")"
			}
		}
	}
	return ""
}

// mentions reports whether the range reads the variable v.
func (a *analysis) mentions(r [2]int, v string) bool {
	for j := r[0]; j < r[1]; j++ {
		if a.at(j).Kind == decode.Ident && a.at(j).Text == v && !jsIs(a.at(j-1), ".") {
			return true
		}
	}
	return false
}

func (a *analysis) mentionsWord(r [2]int, w string) bool {
	for j := r[0]; j < r[1]; j++ {
		if a.at(j).Kind == decode.Ident && a.at(j).Text == w {
			return true
		}
	}
	return false
}

// terminalFinding reports a web terminal.
func terminalFinding(pg page, p string, an *analysis, at int, what string) audit.Finding {
	f := audit.Finding{Rule: RuleCommand, Category: audit.CategoryWebshell, Severity: audit.High, Path: p,
		Title:       pg.label() + " web shell: " + what + ": whoever reaches the route has a shell",
		Evidence:    "code: " + an.snippet(at),
		Remediation: remediation}
	f.AddLabels(audit.CategoryReverseShell)
	return f
}
