package shell

import (
	"bytes"
	"compress/gzip"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/strata-forensics/strata/audit"
)

// shells are the programs that read shell commands.
var shells = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true, "ksh": true, "mksh": true,
	"rbash": true, "ksh93": true, "pdksh": true, "yash": true, "posh": true, "hush": true, "csh": true, "tcsh": true,
	"fish": true}

// netClients are programs whose output is what a network peer sends and whose input goes to it.
var netClients = map[string]bool{"nc": true, "ncat": true, "netcat": true, "nc.traditional": true, "nc.openbsd": true,
	"pwncat": true, "cryptcat": true, "sbd": true, "telnet": true, "socat": true, "openssl": true, "rcat": true,
	"gs-netcat": true, "gnutls-cli": true}

// downloaders fetch a URL.
var downloaders = map[string]bool{"curl": true, "wget": true, "fetch": true, "aria2c": true, "lwp-download": true,
	"lwp-request": true, "GET": true, "tftp": true, "ftp": true, "axel": true, "http": true, "wget2": true}

// wrappers run the command that follows their own options.
var wrappers = map[string]bool{"nohup": true, "setsid": true, "sudo": true, "doas": true, "env": true, "timeout": true,
	"nice": true, "ionice": true, "stdbuf": true, "command": true, "builtin": true, "time": true, "chronic": true,
	"flock": true, "chrt": true, "taskset": true, "unbuffer": true, "torsocks": true, "proxychains": true,
	"proxychains4": true, "exec": true, "watch": true, "daemonize": true, "start-stop-daemon": true, "chroot": true}

// langOf names the language of an interpreter program ("python3.11" is python).
func langOf(name string) string {
	trim := strings.TrimRight(name, "0123456789.")
	switch trim {
	case "python", "pypy", "pypy3":
		return "python"
	case "perl":
		return "perl"
	case "ruby", "irb":
		return "ruby"
	case "php", "php-cli", "php-cgi":
		return "php"
	case "node", "nodejs", "bun", "deno":
		return "node"
	case "lua", "luajit":
		return "lua"
	case "awk", "gawk", "mawk", "nawk":
		return "awk"
	case "tclsh", "wish", "expect":
		return "tcl"
	case "jjs", "jrunscript", "groovy", "groovysh", "jshell":
		return "java"
	case "R", "Rscript":
		return "r"
	case "dart":
		return "dart"
	}
	return ""
}

// goRun runs `go run FILE.go`: the file the script wrote, as Go code.
func (a *analysis) goRun(s *syntax.Stmt, args []val, fds fdset) {
	for _, x := range args {
		if strings.HasSuffix(x.s, ".go") {
			if v, ok := a.file(x.s); ok && v.s != "" && v.s != unknown {
				a.langCode(s, "go", []byte(v.s))
			}
		}
	}
}

// interesting reports whether a command name is one the detectors look at: used to find the
// command in a line of prose.
func interesting(name string) bool {
	return shells[name] || netClients[name] || downloaders[name] || langOf(name) != "" || decoderNames[name] ||
		name == "mkfifo" || name == "mknod" || name == "echo" || name == "printf" || name == "crontab" || name == "eval" ||
		name == "exec" || name == "xterm" || name == "telnetd" || name == "busybox" || wrappers[name]
}

var decoderNames = map[string]bool{"base64": true, "base32": true, "basenc": true, "xxd": true, "rev": true,
	"gunzip": true, "zcat": true, "gzip": true, "gzcat": true, "uudecode": true, "bunzip2": true, "bzcat": true,
	"xzcat": true, "unxz": true}

// callExpr runs a simple command.
func (a *analysis) callExpr(s *syntax.Stmt, c *syntax.CallExpr, fds fdset) {
	for _, as := range c.Assigns {
		a.assign(as)
	}
	if len(c.Args) == 0 {
		return
	}
	argv := make([]val, 0, len(c.Args)) // a word is one field nearly always
	for _, w := range c.Args {
		argv = a.appendFields(argv, w)
	}
	// exec with only redirections changes the shell's own descriptors.
	if len(argv) == 1 && argv[0].s == "exec" {
		for n, d := range fds {
			if n > 2 || d.rd.net || d.wr != nil && d.wr.net {
				a.shellFDs[n] = d
			}
		}
		return
	}
	a.exec(s, argv, fds)
}

// gsShell reports gs-netcat options that serve a shell: -i (an interactive shell) or -e CMD,
// also among grouped letters (-liqD) before an option that takes a value (-s, -k, -d, -p).
func gsShell(words []string) bool {
	for _, w := range words {
		if !strings.HasPrefix(w, "-") || strings.HasPrefix(w, "--") {
			continue
		}
		for _, c := range w[1:] {
			if c == 'i' || c == 'e' {
				return true
			}
			if strings.ContainsRune("skdpwL", c) {
				break // the rest of the word is that option's value
			}
		}
	}
	return false
}

// base returns the command name of a word: its base name.
func base(v val) string {
	return path.Base(strings.ReplaceAll(v.s, unknown, "?"))
}

// exec runs one command with its arguments.
func (a *analysis) exec(s *syntax.Stmt, argv []val, fds fdset) {
	if len(argv) == 0 || a.budget <= 0 {
		return
	}
	a.budget--
	in := fds[0].rd
	name := base(argv[0])
	if loginPrompts[name] {
		a.cred.realCmd = true
	}
	if installers[name] || strings.HasPrefix(name, "mkfs") {
		a.esc.installer = true
	}
	if name == "chroot" {
		a.escChroot(s, argv[1:])
	}
	if (name == "env" || name == "printenv") && envDump(name, argv[1:]) {
		kinds := a.credSources(s, name, argv[1:], fds)
		a.credOutputs(s, name, argv[1:], fds, kinds)
		return
	}
	if a.runs != nil && strings.Contains(argv[0].s, "/") && !argv[0].tainted() {
		a.recordRun(s, argv[0], "")
	}
	// A command word that came from the network, a download or a decoding is that code run.
	if argv[0].tainted() && !shells[name] {
		a.runCode(s, "shell", concatArgs(argv), fds)
		return
	}
	// A program computed at run time ($(which $0), $X) or the script itself, fed by a
	// network client through a pipe and writing back into the named pipe that feeds the
	// client: the loop of a named-pipe reverse shell, whatever runs in it.
	if self, ok := a.vars["0"]; (argv[0].partial || ok && self.known() && argv[0].s == self.s) && fds[0].rd.net &&
		fds[1].wr != nil && a.isFifo(fds[1].wr.path) {
		a.hitAt(hitFifo, s, fds[0].rd, "a program named at run time runs in the loop")
		return
	}
	if name == "busybox" && len(argv) > 1 {
		a.exec(s, argv[1:], fds)
		return
	}
	if wrappers[name] {
		if rest := afterWrapper(name, argv[1:]); rest != nil {
			a.exec(s, rest, fds)
		}
		return
	}
	if body, ok := a.funcs[name]; ok && a.calls < maxCallDepth {
		if !a.callWorthRunning(name, body, argv[1:]) {
			return
		}
		a.calls++
		saved := a.pos
		a.pos = argv[1:]
		a.stmt(body, fds)
		a.pos = saved
		a.calls--
		return
	}
	args := argv[1:]
	a.tradecraft(s, name, args, fds)
	kinds := a.credSources(s, name, args, fds)
	a.credSinks(s, name, args, fds)
	a.credCapture(s, name, args, fds)
	a.keylogCmd(s, name, args, fds)
	a.escapeCmd(s, name, args, fds)
	switch name {
	case "echo", "printf":
		text := concatArgs(args).s // once: echo is most of what a long script runs
		if strings.Contains(strings.ToLower(text), "passw") {
			a.cred.prompt = true
		}
		for _, m := range authFailures {
			if strings.Contains(text, m) {
				a.cred.fails = true
			}
		}
	case "stty":
		if slices.ContainsFunc(args, func(v val) bool { return v.s == "-echo" }) {
			a.cred.noEcho = true
		}
	}
	if !downloaders[name] && !netClients[name] && !senders[name] {
		defer a.credOutputs(s, name, args, fds, kinds)
	}
	a.minerPrep(s, name, args)
	if why, pool := minerCommand(name, args); why != "" {
		a.hitAt(hitMiner, s, val{from: pool}, why)
	} else if m := minerProgramIn(argv[0].s); m != "" {
		// ./xmrig --config=config.json, /tmp/xmrig-6.22.2/$random: a miner run by its name or
		// from its release's directory, the pool in a configuration file
		a.hitAt(hitMiner, s, val{}, "runs the miner "+m)
	} else if opt := minerOnlyOption(args); opt != "" && strings.Contains(argv[0].s, "/") {
		// ./process --cpu-max-threads-hint 90: a miner renamed, run by its path and told how
		// to mine by an option no other program takes, the pool in its configuration file
		// (grep --donate-level, a tool run by its name, only searches for the option)
		a.hitAt(hitMiner, s, val{}, "runs a program with an option only a miner takes ("+opt+")")
	}
	switch {
	case shells[name]:
		a.runShell(s, args, fds)
	case sshClients[name]:
		a.sshTunnel(s, name, args, "")
	case name == "sshpass":
		a.sshpass(s, args, fds)
	case langOf(name) != "":
		a.runInterpreter(s, langOf(name), args, fds)
	case name == "eval":
		a.runCode(s, "shell", concatArgs(args), fds)
	case name == "source" || name == ".":
		if len(args) > 0 {
			a.runFile(s, args[0], "shell", fds)
		}
	case name == "su" || name == "runuser" || name == "script":
		// su -c CMD, runuser -c CMD, script -c CMD: a shell runs CMD.
		for i, x := range args {
			if (x.s == "-c" || x.s == "--command" || x.s == "-qc") && i+1 < len(args) {
				a.runCode(s, "shell", args[i+1], fds)
				return
			}
			if strings.HasPrefix(x.s, "--command=") {
				v := x
				v.s = strings.TrimPrefix(x.s, "--command=")
				a.runCode(s, "shell", v, fds)
				return
			}
		}
	case name == "xargs":
		// xargs ... sh -c ...: each line of input becomes a command for the shell.
		for i, x := range args {
			if shells[base(x)] || langOf(base(x)) != "" {
				rest := args[i:]
				if slices.ContainsFunc(rest, func(v val) bool { return v.s == "-c" }) && in.tainted() {
					a.runCode(s, "shell", in, fds)
				}
				return
			}
		}
	case name == "read":
		if v := a.runAs; v != nil && a.runs != nil && promptShadowed[v.name] && silentRead(args) && len(*a.runs) < 256 {
			// alias sudo='f(){ read -s -p "[sudo] password for $USER: " p; ...; }; f': a silent
			// prompt put in front of a command that asks for a password catches it
			*a.runs = append(*a.runs, run{target: v.name, how: v.how, shadow: v.name, line: v.line, evidence: v.evidence,
				verb: "reads a password silently (read -s) in front of", why: "a prompt that catches the password typed"})
		}
		a.read(args, fds)
		for _, n := range a.typedInto(args) {
			v := a.vars[n]
			v.cred = joinCred(v.cred, credTyped)
			a.vars[n] = v
		}
	case name == "mkfifo":
		for _, x := range args {
			if !strings.HasPrefix(x.s, "-") {
				a.addFifo(x.s)
			}
		}
	case name == "mknod":
		if len(args) >= 2 && args[len(args)-1].s == "p" {
			a.addFifo(args[len(args)-2].s)
		}
	case name == "realpath" || name == "readlink" && slices.ContainsFunc(args, func(x val) bool { return x.s == "-f" || x.s == "-e" || x.s == "-m" }):
		// the path itself, for a script naming its own file (SCRIPT=$(realpath "$0"))
		for _, x := range args {
			if !strings.HasPrefix(x.s, "-") && x.known() && strings.HasPrefix(x.s, "/") {
				a.write(fds[1], lit(path.Clean(x.s)), s)
				break
			}
		}
	case name == "echo":
		a.write(fds[1], echo(args), s)
	case name == "printf":
		a.printf(s, args, fds)
	case name == "cat" || name == "tee" || name == "dd":
		a.cat(s, name, args, fds)
	case name == "tr":
		a.write(fds[1], tr(args, in), s)
	case decoderNames[name] || name == "openssl" && isOpensslDecode(args):
		a.decode(s, name, args, fds)
	case netClients[name]:
		a.netClient(s, name, args, fds)
	case (name == "at" || name == "batch") && len(args) > 0:
		// at -f FILE now: the job runs the file
		for i := 0; i+1 < len(args); i++ {
			if args[i].s == "-f" || strings.HasPrefix(args[i].s, "-") && !strings.HasPrefix(args[i].s, "--") && strings.HasSuffix(args[i].s, "f") {
				a.runFile(s, args[i+1], "shell", fds)
				break
			}
		}
	case name == "whois" || name == "finger":
		// a query's answer is what the server sends: eval $(whois -h HOST -p PORT "$out") in
		// a loop is a command channel
		if from := queryServer(name, args); from != "" {
			a.write(fds[1], val{s: unknown, partial: true, net: true, via: "client", from: from}, s)
		}
	case dnsTools[name]:
		// a TXT record's text is what the name's server answers: read and run, in a loop,
		// it is a command channel over DNS (T1071.004)
		if q := txtQuery(name, args); q != "" {
			a.write(fds[1], val{s: unknown, partial: true, net: true, via: "client", from: q}, s)
		}
	case downloaders[name]:
		a.download(s, name, args, fds)
	case name == "crontab":
		a.crontab(s, args, fds)
	case name == "go" && len(args) > 1 && args[0].s == "run":
		a.goRun(s, args[1:], fds)
	case name == "ztcp":
		// zsh's ztcp connects and leaves the descriptor's number in $REPLY, or puts the
		// connection on the descriptor -d names.
		fd, rest := 90, args
		for len(rest) > 0 && strings.HasPrefix(rest[0].s, "-") {
			if rest[0].s == "-d" && len(rest) > 1 {
				if n, err := strconvAtoi(rest[1].s); err == nil {
					fd = n
				}
				rest = rest[1:]
			} else if strings.ContainsAny(rest[0].s, "lac") {
				rest = nil // listening, accepting, closing: not a client connection
				break
			}
			rest = rest[1:]
		}
		if len(rest) < 2 {
			break
		}
		a.shellFDs[fd] = desc{rd: val{s: unknown, partial: true, net: true, via: "/dev/tcp", from: rest[0].text() + ":" + rest[1].text()}, wr: &sink{net: true}}
		a.vars["REPLY"] = lit(strconv.Itoa(fd))
	case name == "which" || name == "command" && len(args) > 1 && (args[0].s == "-v" || args[0].s == "-V") || name == "type" && len(args) > 1 && args[0].s == "-P":
		// which X, command -v X, type -P X print where X is: $(which python) runs python.
		for _, x := range args {
			if !strings.HasPrefix(x.s, "-") && x.known() {
				p := x.s
				if !strings.Contains(p, "/") {
					p = "/usr/bin/" + p
				}
				a.write(fds[1], lit(p+"\n"), s)
				break
			}
		}
	case name == "alias" && a.runs != nil:
		a.alias(s, args)
	case name == "alias" && a.place != "":
		a.shadowAlias(s, args)
	case (name == "find" || name == "locate") && len(args) > 0:
		if name == "find" {
			a.findStage(s, args)
		}
		// find / -name pam_unix.so prints paths ending in the name: $(find ...) is one.
		for i, x := range args {
			if (x.s == "-name" || x.s == "-iname") && i+1 < len(args) && args[i+1].known() && !strings.ContainsAny(args[i+1].s, "*?[") {
				a.write(fds[1], val{s: unknown + "/" + args[i+1].s, partial: true}, s)
				break
			}
			if name == "locate" && !strings.HasPrefix(x.s, "-") && x.known() && !strings.ContainsAny(x.s, "*?[") {
				a.write(fds[1], val{s: unknown + "/" + strings.Trim(path.Base(x.s), "$^"), partial: true}, s)
				break
			}
		}
	case name == "cd" || name == "pushd":
		a.cwd = ""
		if len(args) > 0 && args[len(args)-1].known() {
			d := args[len(args)-1].s
			switch {
			case strings.HasPrefix(d, "/"):
				a.cwd = path.Clean(d)
			case a.cwd != "" && !strings.HasPrefix(d, "~") && d != "-":
				a.cwd = path.Join(a.cwd, d)
			}
		}
	case name == "xterm":
		for i, x := range args {
			if (x.s == "-display" || x.s == "-d") && i+1 < len(args) && remoteDisplay(args[i+1].s) {
				a.hitAt(hitXterm, s, val{from: args[i+1].text()}, "")
			}
		}
	case name == "telnetd" || name == "utelnetd":
		for i, x := range args {
			if x.s == "-l" && i+1 < len(args) && isShellCommand(args[i+1].s) {
				a.hitAt(hitNetExec, s, val{}, "bind shell: telnetd serving "+args[i+1].text())
			}
		}
	case strings.Contains(argv[0].s, "/"):
		a.runFile(s, argv[0], "", fds)
	default:
		// An unknown command passes on what it reads: a filter in a pipeline keeps the
		// provenance of its input (nc ... | grep . | sh). head, tail, sort and uniq pass on
		// lines of it: the paths find printed stay paths.
		if !in.tainted() && in.s != "" && (name == "head" || name == "tail" || name == "sort" || name == "uniq" || name == "grep") {
			out := in
			out.partial = true
			a.write(fds[1], out, s)
		}
		if in.tainted() {
			out := in
			out.s, out.partial = unknown, true
			a.write(fds[1], out, s)
		}
		// Programs that run a shell command they are given (sqlite3 '.shell ...', vim -c
		// '!...', gdb -ex '!...', find -exec sh -c ...): an argument that is a reverse shell
		// is run as one.
		for _, x := range args {
			t := strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(x.s, ".shell "), ".system "), ":! ")
			if len(t) > 12 && !x.partial && strings.ContainsAny(t, " \t") && shellish(t) && stringShellTrigger(nil, []byte(t)) {
				a.runCode(s, "shell", lit(t), fds)
			}
			// Code of a language handed to a program that runs it (gimp's python-fu-eval, vim's
			// :py, an embedded interpreter): read as that language's code.
			if len(t) > 40 && !x.partial {
				for _, l := range sniffLangs(nil, []byte(t)) {
					if langTrigger(nil, l, []byte(t), false) {
						a.runCode(s, l, lit(t), fds)
					}
				}
			}
		}
	}
}

func concatArgs(args []val) val {
	parts := make([]val, 0, 2*len(args))
	for i, x := range args {
		if i > 0 {
			parts = append(parts, lit(" "))
		}
		parts = append(parts, x)
	}
	return concat(parts...)
}

// afterWrapper returns the command a wrapper runs: what follows its options (and, for env,
// its assignments; for timeout, its duration).
func afterWrapper(name string, args []val) []val {
	valueOpts := map[string]string{
		"sudo": "ugCDhprTU", "doas": "uC", "env": "uCS", "timeout": "sk", "nice": "n", "ionice": "cnp", "stdbuf": "ioe",
		"flock": "wEc", "chrt": "", "taskset": "", "watch": "nd", "start-stop-daemon": "uxnpgcNrskdm", "setsid": "", "exec": "a",
	}
	vo := valueOpts[name]
	i := 0
	for i < len(args) {
		x := args[i].s
		switch {
		case x == "--":
			i++
			goto rest
		case name == "env" && strings.Contains(x, "=") && !strings.HasPrefix(x, "-"):
			i++
		case strings.HasPrefix(x, "--"):
			i++
			if name == "start-stop-daemon" && (x == "--exec" || x == "--startas") && i < len(args) {
				return args[i:]
			}
		case strings.HasPrefix(x, "-") && len(x) > 1:
			i++
			if len(x) == 2 && strings.IndexByte(vo, x[1]) >= 0 && i < len(args) {
				i++
			}
		default:
			goto rest
		}
	}
rest:
	switch name {
	case "timeout":
		if i < len(args) {
			i++ // the duration
		}
	case "flock", "chroot":
		if i < len(args) {
			i++ // the lock file or new root
		}
	case "taskset":
		if i < len(args) {
			i++ // the mask
		}
	case "chrt":
		if i < len(args) {
			i++ // the priority
		}
	}
	if i >= len(args) {
		return nil
	}
	return args[i:]
}

// runShell runs sh/bash/...: a command string with -c, a script file, or commands on stdin.
func (a *analysis) runShell(s *syntax.Stmt, args []val, fds fdset) {
	cmd := false
	for i := 0; i < len(args); i++ {
		x := args[i].s
		switch {
		case x == "--" || x == "-":
			i++
			if i < len(args) && !cmd {
				a.runFile(s, args[i], "shell", fds)
				return
			}
		case strings.HasPrefix(x, "--"):
			if x == "--rcfile" || x == "--init-file" {
				i++
			}
		case strings.HasPrefix(x, "-") || strings.HasPrefix(x, "+"):
			if strings.ContainsAny(x[1:], "oO") && !strings.Contains(x[1:], "c") {
				i++ // -o option, -O shopt
			}
			if strings.Contains(x[1:], "c") {
				cmd = true
			}
		default:
			if cmd {
				// sh -c CODE NAME ARGS...: NAME is $0 (the shell's name without one), ARGS the
				// positional parameters.
				saved, savedZero, hadZero := a.pos, a.vars["0"], false
				_, hadZero = a.vars["0"]
				a.pos = nil
				a.vars["0"] = lit("/bin/sh")
				if i+1 < len(args) {
					a.vars["0"] = args[i+1]
				}
				if i+2 < len(args) {
					a.pos = args[i+2:]
				}
				a.runCode(s, "shell", args[i], fds)
				a.pos = saved
				if hadZero {
					a.vars["0"] = savedZero
				} else {
					delete(a.vars, "0")
				}
				return
			}
			a.runFile(s, args[i], "shell", fds)
			return
		}
	}
	// Commands on standard input.
	if out := fds[1].wr; out != nil && !fds[0].rd.net && interactiveShell(args) {
		if out.net {
			a.hitAt(hitNetPipe, s, val{from: out.to}, "an interactive shell's output is sent over the connection")
			return
		}
		if out.buf != nil && out.buf.via == "" {
			// sh -i 2>&1 | nc HOST PORT: marked for the network client that reads the pipe
			out.buf.via = interactiveOut
		}
	}
	a.runStdin(s, "shell", fds)
}

// interactiveOut marks the bytes an interactive shell writes into a pipe: a network client
// reading them sends a shell's prompt and output to its peer, whatever the shell reads (a
// named pipe the connection should fill, mistyped or not).
const interactiveOut = "sh -i"

// outputOnly starts the detail of a shell whose output, not input, a network client carries.
const outputOnly = "an interactive shell's output is piped into "

// dropOutputOnly removes the output-only pipes of lines where the shell is also found joined
// to the connection both ways (a named pipe's loop, /dev/tcp): that is the finding to keep.
func dropOutputOnly(hits []hit) []hit {
	both := map[int]bool{}
	for _, h := range hits {
		if h.kind != hitNetPipe || !strings.HasPrefix(h.detail, outputOnly) {
			switch h.kind {
			case hitFifo, hitDevTCP, hitNetPipe, hitNetExec, hitCmdLoop, hitSocat:
				both[h.line] = true
			}
		}
	}
	out := hits[:0]
	for _, h := range hits {
		if h.kind == hitNetPipe && strings.HasPrefix(h.detail, outputOnly) && both[h.line] {
			continue
		}
		out = append(out, h)
	}
	return out
}

// interactiveShell reports a shell started with -i (alone or among other letters).
func interactiveShell(args []val) bool {
	for _, x := range args {
		if strings.HasPrefix(x.s, "-") && !strings.HasPrefix(x.s, "--") && strings.Contains(x.s[1:], "i") {
			return true
		}
		if x.s == "--interactive" {
			return true
		}
	}
	return false
}

// runStdin runs what a shell or interpreter reads on its standard input.
func (a *analysis) runStdin(s *syntax.Stmt, lang string, fds fdset) {
	in := fds[0].rd
	if a.runs != nil && in.file != "" {
		a.recordRun(s, lit(in.file), lang)
	}
	if in.net && in.via == "cgi" {
		a.hitAt(hitCGI, s, in, "")
		return
	}
	if in.net {
		kind := hitNetPipe
		switch {
		case in.via == "fifo" || fds[1].wr != nil && a.isFifo(fds[1].wr.path):
			kind = hitFifo
		case in.via == "/dev/tcp":
			kind = hitDevTCP
		}
		if lang != "shell" {
			kind = hitCmdLoop
		}
		detail := ""
		if out := fds[1]; out.wr != nil && out.wr.net || out.rd.net {
			detail = "its output goes back over the connection"
		}
		a.hitAt(kind, s, in, detail)
		return
	}
	if in.tainted() || in.s != "" && in.s != unknown {
		a.runCode(s, lang, in, fds)
	}
}

// runCode runs code in a language: the code of sh -c, eval, an interpreter's -c/-e, or what
// a shell reads. Code that came from a download or a decoding is reported as such, and code
// whose text is known is analysed in turn.
func (a *analysis) runCode(s *syntax.Stmt, lang string, code val, fds fdset) {
	switch {
	case code.net && code.via == "cgi":
		a.hitAt(hitCGI, s, code, "")
		return
	case code.net:
		a.hitAt(hitCmdLoop, s, code, "")
		return
	case code.fetched:
		a.hitAt(hitFetchRun, s, code, "")
	}
	if len(code.chain) > 0 {
		a.hitAt(hitDecodeRun, s, code, lang)
	}
	text := strings.ReplaceAll(code.s, unknown, " ")
	if strings.TrimSpace(text) == "" {
		return
	}
	saved := a.chain
	a.chain = append(slices.Clone(a.chain), code.chain...)
	defer func() { a.chain = saved }()
	if lang == "shell" {
		sub := fds.clone()
		a.shellText([]byte(text), sub)
		return
	}
	a.langCode(s, lang, []byte(text))
}

// runFile runs a script file: a file the script downloaded, decoded or wrote.
func (a *analysis) runFile(s *syntax.Stmt, p val, lang string, fds fdset) {
	name := p.s
	if name == "/dev/stdin" || name == "-" {
		a.runStdin(s, nonEmpty(lang, "shell"), fds)
		return
	}
	if strings.HasPrefix(name, "/dev/tcp/") || strings.HasPrefix(name, "/dev/udp/") {
		// A shell given the connection as its script reads its commands from it.
		if lang != "" {
			a.hitAt(hitDevTCP, s, val{net: true, from: endpointOf(name)}, "")
		}
		return
	}
	if a.runs != nil && lang != "" {
		a.recordRun(s, p, lang)
	}
	v, ok := a.file(name)
	if !ok {
		// ./x runs what wget or curl -O saved as x.
		v, ok = a.file("./" + path.Base(name))
	}
	if !ok && strings.HasPrefix(name, "./") && a.cwd == "" {
		// cat > /root/run.sh <<EOF ... EOF; ./run.sh: the working directory is not known,
		// the one file the script wrote by that name is the likeliest
		found := 0
		a.anyFileLookup()
		for p, w := range a.files {
			if path.Base(p) == path.Base(name) {
				v, found = w, found+1
			}
		}
		ok = found == 1
	}
	if !ok {
		return
	}
	if v.fetched || v.net {
		kind := hitFetchRun
		if hiddenOrTemp(name) {
			kind = hitDropRun
		}
		a.hitAt(kind, s, v, name)
	}
	if len(v.chain) > 0 {
		a.hitAt(hitDecodeRun, s, v, name)
	}
	if v.s != "" && v.s != unknown && a.nesting < maxNesting {
		saved := a.chain
		a.chain = append(slices.Clone(a.chain), v.chain...)
		if lang == "" {
			lang = "shell"
			if l := shebangLang([]byte(v.s)); l != "" {
				lang = l
			}
		}
		if lang == "shell" {
			a.shellText([]byte(strings.ReplaceAll(v.s, unknown, " ")), fds.clone())
		} else {
			a.langCode(s, lang, []byte(v.s))
		}
		a.chain = saved
	}
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// hiddenOrTemp reports paths droppers use: /dev/shm, /var/tmp, /run, and hidden names.
func hiddenOrTemp(p string) bool {
	if strings.HasPrefix(p, "/dev/shm/") || strings.HasPrefix(p, "/var/tmp/") || strings.HasPrefix(p, "/run/shm/") ||
		strings.HasPrefix(p, "/run/user/") {
		return true
	}
	for _, c := range strings.Split(p, "/") {
		if len(c) > 1 && c[0] == '.' && c != ".." {
			return true
		}
	}
	return false
}

// runInterpreter runs python/perl/ruby/php/node/lua/awk: inline code (-c, -e, -r, the awk
// program), a script file, or code on standard input.
func (a *analysis) runInterpreter(s *syntax.Stmt, lang string, args []val, fds fdset) {
	codeOpt := map[string]string{"python": "c", "perl": "eE", "ruby": "e", "php": "r", "node": "ep", "lua": "e", "tcl": "c",
		"java": "e", "r": "e"}[lang]
	valueOpt := map[string]string{"python": "mWX", "perl": "IMmxl", "ruby": "IrCEFT", "php": "cdfz", "node": "r",
		"lua": "l", "awk": "FvfW", "tcl": "", "java": "lfq", "r": "f"}[lang]
	var code []val
	for i := 0; i < len(args); i++ {
		x := args[i].s
		switch {
		case x == "--" || x == "-":
			if lang != "awk" {
				a.runStdin(s, lang, fds)
				return
			}
		case lang == "node" && (x == "--eval" || x == "--print") && i+1 < len(args):
			i++
			code = append(code, args[i])
		case lang == "awk" && x == "--source" && i+1 < len(args):
			i++
			code = append(code, args[i])
		case strings.HasPrefix(x, "--"):
		case strings.HasPrefix(x, "-") && len(x) > 1:
			letters := x[1:]
			for j := 0; j < len(letters); j++ {
				c := letters[j]
				switch {
				case strings.IndexByte(codeOpt, c) >= 0:
					if j+1 < len(letters) {
						v := args[i]
						v.s = letters[j+1:]
						code = append(code, v)
					} else if i+1 < len(args) {
						i++
						code = append(code, args[i])
					}
					j = len(letters)
				case strings.IndexByte(valueOpt, c) >= 0:
					if j+1 == len(letters) {
						i++
					}
					j = len(letters)
				}
			}
		default:
			if len(code) > 0 {
				goto run
			}
			if lang == "awk" {
				code = append(code, args[i])
				goto run
			}
			a.runFile(s, args[i], lang, fds)
			return
		}
	}
	if len(code) == 0 {
		a.runStdin(s, lang, fds)
		return
	}
run:
	parts := make([]val, 0, 2*len(code))
	for i, c := range code {
		if i > 0 {
			parts = append(parts, lit("\n"))
		}
		parts = append(parts, c)
	}
	a.runCode(s, lang, concat(parts...), fds)
}

// read assigns a line of its input to variables: from the network, the variables carry it.
func (a *analysis) read(args []val, fds fdset) {
	in := fds[0].rd
	for i := 0; i < len(args); i++ {
		x := args[i].s
		if strings.HasPrefix(x, "-") {
			if strings.ContainsAny(x, "pdntu") && i+1 < len(args) {
				if strings.HasSuffix(x, "u") {
					if n, err := strconvAtoi(args[i+1].s); err == nil {
						in = fds[n].rd
						if d, ok := a.shellFDs[n]; ok && !in.tainted() {
							in = d.rd
						}
					}
				}
				i++
			}
			continue
		}
		v := in
		v.s, v.partial = unknown, true
		a.vars[x] = v
	}
	if len(args) == 0 {
		v := in
		v.s, v.partial = unknown, true
		a.vars["REPLY"] = v
	}
}

func echo(args []val) val {
	nl, esc := true, false
	for len(args) > 0 && len(args[0].s) > 1 && args[0].s[0] == '-' && strings.Trim(args[0].s[1:], "neE") == "" {
		if strings.Contains(args[0].s, "n") {
			nl = false
		}
		if strings.Contains(args[0].s, "e") {
			esc = true
		}
		args = args[1:]
	}
	v := concatArgs(args)
	if esc {
		v.s = unquoteC(v.s)
		if v.s != concatArgs(args).s {
			v.chain = append(v.chain, "escapes")
		}
	}
	if nl {
		v = concat(v, lit("\n"))
	}
	return v
}

func (a *analysis) printf(s *syntax.Stmt, args []val, fds fdset) {
	if len(args) > 0 && args[0].s == "-v" && len(args) > 2 {
		a.vars[args[1].s] = printfFormat(args[2].s, args[3:])
		return
	}
	if len(args) > 0 && args[0].s == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return
	}
	v := printfFormat(args[0].s, args[1:])
	if strings.Contains(args[0].s, `\x`) || strings.Contains(args[0].s, `\0`) || strings.Contains(args[0].s, "%b") {
		v.chain = append(v.chain, "escapes")
	}
	a.write(fds[1], v, s)
}

// cat, tee and dd pass bytes on: cat from its files (or input), tee to its files too.
func (a *analysis) cat(s *syntax.Stmt, name string, args []val, fds fdset) {
	in := fds[0].rd
	var files []string
	var out string
	for _, x := range args {
		switch {
		case name == "dd" && strings.HasPrefix(x.s, "if="):
			files = append(files, strings.TrimPrefix(x.s, "if="))
		case name == "dd" && strings.HasPrefix(x.s, "of="):
			out = strings.TrimPrefix(x.s, "of=")
		case x.s == "-":
			files = append(files, "-")
		case strings.HasPrefix(x.s, "-"):
		default:
			files = append(files, x.s)
		}
	}
	switch name {
	case "cat":
		if len(files) == 0 {
			a.write(fds[1], in, s)
			return
		}
		var parts []val
		for _, f := range files {
			switch {
			case f == "-":
				parts = append(parts, in)
			case strings.HasPrefix(f, "/dev/tcp/") || strings.HasPrefix(f, "/dev/udp/"):
				parts = append(parts, a.openFile(lit(f), false, false, fds).rd)
			default:
				parts = append(parts, a.readFile(f))
			}
		}
		v := concat(parts...)
		if len(files) == 1 && files[0] != "-" {
			v.file = files[0]
		}
		a.write(fds[1], v, s)
	case "tee":
		app := slices.ContainsFunc(args, func(v val) bool { return v.s == "-a" || v.s == "--append" })
		for _, f := range files {
			a.writeFile(f, in, app, s)
		}
		a.write(fds[1], in, s)
	case "dd":
		v := in
		if len(files) > 0 {
			v = a.readFile(files[0])
		}
		if out != "" {
			a.writeFile(out, v, false, s)
		} else {
			a.write(fds[1], v, s)
		}
	}
}

// tr: deletions (tr -d ' \n') and the rot13 alphabet keep the text known.
func tr(args []val, in val) val {
	var sets []string
	del := false
	for _, x := range args {
		if strings.HasPrefix(x.s, "-") && len(x.s) > 1 {
			del = del || strings.Contains(x.s, "d")
			continue
		}
		sets = append(sets, x.s)
	}
	out := in
	if !in.known() {
		out.s, out.partial = unknown, true
		return out
	}
	switch {
	case del && len(sets) == 1:
		set := expandSet(sets[0])
		out.s = strings.Map(func(r rune) rune {
			if strings.ContainsRune(set, r) {
				return -1
			}
			return r
		}, in.s)
	case len(sets) == 2:
		from, to := expandSet(sets[0]), expandSet(sets[1])
		if len(to) == 0 {
			out.s, out.partial = unknown, true
			return out
		}
		m := map[rune]rune{}
		tr := []rune(to)
		for i, r := range []rune(from) {
			m[r] = tr[min(i, len(tr)-1)]
		}
		out.s = strings.Map(func(r rune) rune {
			if x, ok := m[r]; ok {
				return x
			}
			return r
		}, in.s)
		if isRot13(from, to) {
			out.chain = append(slices.Clone(out.chain), "rot13")
		}
	default:
		out.s, out.partial = unknown, true
	}
	return out
}

// expandSet expands tr's ranges and escapes: "a-z", "\n".
func expandSet(s string) string {
	s = unquoteC(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i+2 < len(s) && s[i+1] == '-' && s[i] <= s[i+2] {
			for c := s[i]; c <= s[i+2]; c++ {
				b.WriteByte(c)
				if c == 255 {
					break
				}
			}
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isRot13(from, to string) bool {
	if len(from) != len(to) || len(from) < 26 {
		return false
	}
	for i := 0; i < len(from); i++ {
		f, t := from[i], to[i]
		switch {
		case f >= 'a' && f <= 'z':
			if t != 'a'+(f-'a'+13)%26 {
				return false
			}
		case f >= 'A' && f <= 'Z':
			if t != 'A'+(f-'A'+13)%26 {
				return false
			}
		}
	}
	return true
}

func isOpensslDecode(args []val) bool {
	if len(args) == 0 {
		return false
	}
	sub := args[0].s
	if sub != "enc" && sub != "base64" && !strings.HasPrefix(sub, "-") {
		return false
	}
	return slices.ContainsFunc(args, func(v val) bool { return v.s == "-d" || v.s == "-D" })
}

// decode runs a decoder on its file argument or input.
func (a *analysis) decode(s *syntax.Stmt, name string, args []val, fds fdset) {
	kind := ""
	dec := false
	var file string
	for i, x := range args {
		v := x.s
		switch {
		case v == "-d" || v == "--decode" || v == "-D" || v == "-di" || v == "-id" || v == "-dw0" ||
			name == "xxd" && (v == "-r" || v == "-rp" || v == "-r -p" || v == "-ps" || v == "-revert") ||
			(name == "gzip" || name == "bzip2" || name == "xz") && strings.HasPrefix(v, "-") && strings.Contains(v, "d"):
			dec = true
		case name == "basenc" && strings.HasPrefix(v, "--base"):
			kind = strings.TrimPrefix(v, "--")
		case name == "openssl" && i == 0:
		case name == "openssl" && (v == "-base64" || v == "-a" || v == "-A"):
			kind = "base64"
		case name == "openssl" && strings.HasPrefix(v, "-"):
			if strings.HasPrefix(v, "-aes") || strings.HasPrefix(v, "-des") || strings.HasPrefix(v, "-chacha") || v == "-rc4" {
				kind = "openssl-enc"
			}
		case strings.HasPrefix(v, "-"):
		default:
			if file == "" && !(name == "openssl" && (args[max(i-1, 0)].s == "-k" || args[max(i-1, 0)].s == "-pass" ||
				args[max(i-1, 0)].s == "-K" || args[max(i-1, 0)].s == "-iv" || args[max(i-1, 0)].s == "-md")) {
				file = v
			}
		}
	}
	switch name {
	case "base64", "base32":
		kind = name
	case "xxd":
		kind = "hex"
	case "rev":
		kind, dec = "rev", true
	case "gunzip", "zcat", "gzcat":
		kind, dec = "gzip", true
	case "gzip":
		kind = "gzip"
	case "bunzip2", "bzcat":
		kind, dec = "bzip2", true
	case "xzcat", "unxz":
		kind, dec = "xz", true
	case "uudecode":
		kind, dec = "uuencode", true
	case "openssl":
		dec = true
		if kind == "" {
			kind = "base64"
		}
	}
	if !dec || kind == "" {
		return
	}
	in := fds[0].rd
	if file != "" && file != "-" {
		in = a.readFile(file)
	}
	text, ok := decodeAs(kind, in)
	a.write(fds[1], in.decoded(kind, text, ok), s)
}

// decodeAs decodes a known value.
func decodeAs(kind string, in val) (string, bool) {
	if !in.known() {
		return "", false
	}
	s := in.s
	switch kind {
	case "base64", "base64url":
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, s)
		clean = strings.TrimRight(clean, "=")
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(clean); err == nil {
				return string(d), true
			}
		}
	case "base32":
		clean := strings.ToUpper(strings.Join(strings.Fields(s), ""))
		if d, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(clean, "=")); err == nil {
			return string(d), true
		}
	case "base16", "hex":
		clean := strings.Join(strings.Fields(s), "")
		if d, err := hex.DecodeString(clean); err == nil {
			return string(d), true
		}
	case "rev":
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		for i, l := range lines {
			r := []rune(l)
			slices.Reverse(r)
			lines[i] = string(r)
		}
		return strings.Join(lines, "\n") + "\n", true
	case "gzip":
		zr, err := gzip.NewReader(strings.NewReader(s))
		if err != nil {
			return "", false
		}
		d, err := io.ReadAll(io.LimitReader(zr, maxValueBytes))
		if err != nil && len(d) == 0 {
			return "", false
		}
		return string(d), true
	}
	return "", false
}

// netClient runs nc, ncat, socat, telnet, openssl s_client and s_server, gnutls-cli, rcat: a
// network tool told to run a shell is a reverse or bind shell; otherwise its output is what
// the peer sends.
func (a *analysis) netClient(s *syntax.Stmt, name string, args []val, fds fdset) {
	var endpoint []string
	listen := false
	if in := fds[0].rd; in.via == interactiveOut && !in.net {
		// kept unless the same line is found joined both ways (outputOnly)
		a.hitAt(hitNetPipe, s, val{from: lastWords(args)}, outputOnly+name)
	}
	switch name {
	case "socat":
		a.socat(s, args, fds)
		return
	case "openssl":
		// s_client connects; s_server listens (-accept PORT), a TLS bind shell's end
		if len(args) == 0 || args[0].s != "s_client" && args[0].s != "s_server" {
			return
		}
		for i, x := range args {
			if (x.s == "-connect" || x.s == "-accept" || x.s == "-port" || x.s == "-host") && i+1 < len(args) {
				endpoint = append(endpoint, args[i+1].text())
			}
		}
	case "rcat":
		for i, x := range args {
			switch {
			case x.s == "listen" || x.s == "l":
				listen = true
			case (x.s == "-s" || x.s == "--shell") && i+1 < len(args) && isShellCommand(args[i+1].s):
				a.hitAt(hitNetExec, s, val{from: lastWords(args)}, bindOr(listen, "rcat running "+args[i+1].text()))
				return
			}
		}
	case "gs-netcat":
		words := make([]string, 0, len(args))
		for _, x := range args {
			words = append(words, x.s)
		}
		if v, ok := a.vars["GSOCKET_ARGS"]; ok {
			// gs-netcat takes its options from the environment as well (the way its
			// installer's one-liners hide them from ps)
			words = append(words, strings.Fields(v.s)...)
		}
		if gsShell(words) {
			a.hitAt(hitNetExec, s, val{}, "gs-netcat serving a shell")
			return
		}
	default: // nc and friends, telnet
		valueOpts := "ecpswiqxXgGOITVmb"
		if name == "telnet" {
			valueOpts = "belnS"
		}
		for i := 0; i < len(args); i++ {
			x := args[i].s
			if strings.HasPrefix(x, "--") {
				x = ncatLongOption(x)
			}
			switch {
			case x == "--exec" || x == "--sh-exec" || x == "--lua-exec":
				if i+1 < len(args) && (x == "--sh-exec" || isShellCommand(args[i+1].s)) && x != "--lua-exec" {
					a.hitAt(hitNetExec, s, val{from: lastWords(args)}, bindOr(listen || hasListen(args), name+" "+x+" "+args[i+1].text()))
					return
				}
				i++
			case strings.HasPrefix(x, "--exec=") || strings.HasPrefix(x, "--sh-exec="):
				a.hitAt(hitNetExec, s, val{from: lastWords(args)}, bindOr(hasListen(args), name+" "+x))
				return
			case x == "--listen":
				listen = true
			case strings.HasPrefix(x, "--"):
			case strings.HasPrefix(x, "-") && len(x) > 1:
				letters := x[1:]
				for j := 0; j < len(letters); j++ {
					c := letters[j]
					if c == 'l' {
						listen = true
					}
					if c == 'z' && name != "telnet" {
						return // nc -z scans ports; telnet -z is TLS
					}
					if strings.IndexByte(valueOpts, c) < 0 {
						continue
					}
					var v string
					if j+1 < len(letters) {
						v = letters[j+1:]
					} else if i+1 < len(args) {
						i++
						v = args[i].s
					}
					if name != "telnet" && (c == 'e' || c == 'c') && !isShellCommand(v) && path.Base(v) == "busybox" && i+1 < len(args) && shells[path.Base(args[i+1].s)] {
						// -e busybox ash: busybox runs the shell applet that follows
						v += " " + args[i+1].s
					}
					if name != "telnet" && (c == 'e' || c == 'c') && isShellCommand(v) {
						a.hitAt(hitNetExec, s, val{from: lastWords(args)}, bindOr(listen || hasListen(args), name+" -"+string(c)+" "+strings.ReplaceAll(v, unknown, "?")))
						return
					}
					break
				}
			default:
				endpoint = append(endpoint, args[i].text())
			}
		}
	}
	in := fds[0].rd
	out := val{s: unknown, partial: true, net: true, via: "client", from: strings.Join(endpoint, ":")}
	if in.net && in.via == "fifo" {
		out.via = "fifo"
	}
	a.write(fds[1], out, s)
}

func hasListen(args []val) bool {
	return slices.ContainsFunc(args, func(v val) bool {
		return v.s == "--listen" || strings.HasPrefix(v.s, "-") && !strings.HasPrefix(v.s, "--") && strings.Contains(v.s, "l")
	})
}

func bindOr(listen bool, what string) string {
	if listen {
		return "bind shell: " + what
	}
	return what
}

func lastWords(args []val) string {
	var out []string
	for _, x := range args {
		if !strings.HasPrefix(x.s, "-") {
			out = append(out, x.text())
		}
	}
	if len(out) > 2 {
		out = out[len(out)-2:]
	}
	return strings.Join(out, ":")
}

// isShellCommand reports whether a command line runs a shell: "/bin/sh", "bash -li", "sh -i".
func isShellCommand(cmd string) bool {
	f := strings.Fields(strings.ReplaceAll(cmd, unknown, " "))
	for i := range f {
		f[i] = strings.Trim(f[i], `"'`)
	}
	if len(f) == 0 {
		return false
	}
	b := path.Base(f[0])
	if b == "busybox" && len(f) > 1 {
		b = path.Base(f[1])
	}
	if b == "env" && len(f) > 1 {
		b = path.Base(f[len(f)-1])
	}
	return shells[b] || b == "cmd.exe" || b == "cmd" || b == "powershell" || b == "powershell.exe" || b == "pwsh"
}

var socatAddr = regexp.MustCompile(`(?i)^(tcp[46]?(-connect|-listen|-l)?|udp[46]?(-connect|-listen|-l|-sendto|-recv)?|ssl|openssl(-connect|-listen)?|sctp[46]?(-connect|-listen)?|socks4a?|proxy|vsock-connect|dccp-connect)(:|,|$)`)

// socat joins two addresses: a network one and EXEC:/SYSTEM: running a shell is a reverse
// (or, listening, a bind) shell; a network one and standard I/O is a network client.
func (a *analysis) socat(s *syntax.Stmt, args []val, fds fdset) {
	var netAddr, execAddr string
	stdio := false
	for _, x := range args {
		v := x.s
		if strings.HasPrefix(v, "-") && v != "-" {
			continue
		}
		lower := strings.ToLower(v)
		switch {
		case socatAddr.MatchString(v):
			netAddr = x.text()
		case strings.HasPrefix(lower, "exec:") || strings.HasPrefix(lower, "system:"):
			cmd := v[strings.IndexByte(v, ':')+1:]
			if i := strings.IndexByte(cmd, ','); i >= 0 {
				cmd = cmd[:i]
			}
			if isShellCommand(cmd) {
				execAddr = x.text()
			}
		case v == "-" || strings.HasPrefix(lower, "stdio") || strings.HasPrefix(lower, "stdin") || strings.HasPrefix(lower, "stdout") ||
			strings.HasPrefix(lower, "fd:") || strings.HasPrefix(lower, "file:/dev/stdin"):
			stdio = true
		}
	}
	switch {
	case netAddr != "" && execAddr != "":
		what := "socat " + netAddr + " " + execAddr
		a.hitAt(hitSocat, s, val{from: netAddr}, bindOr(strings.Contains(strings.ToLower(netAddr), "listen") ||
			strings.Contains(strings.ToLower(netAddr), "-l:") || strings.Contains(strings.ToLower(netAddr), "-l,"), what))
	case netAddr != "" && stdio:
		a.write(fds[1], val{s: unknown, partial: true, net: true, via: "client", from: netAddr}, s)
	}
}

// download runs curl, wget and the like: what they fetch goes to standard output or to a
// file, either way marked as downloaded.
func (a *analysis) download(s *syntax.Stmt, name string, args []val, fds fdset) {
	var url, out string
	stdout := name == "curl" || name == "lwp-request" || name == "GET" || name == "http"
	remoteName := false
	dir := ""
	for i := 0; i < len(args); i++ {
		x := args[i].s
		next := func() string {
			if i+1 < len(args) {
				i++
				return args[i].s
			}
			return ""
		}
		switch {
		case x == "-o" || x == "--output" || x == "--output-document" || (name != "curl" && x == "-O"):
			out = next()
		case strings.HasPrefix(x, "--output=") || strings.HasPrefix(x, "--output-document="):
			out = x[strings.IndexByte(x, '=')+1:]
		case name == "curl" && (x == "-O" || x == "--remote-name"):
			remoteName = true
		case x == "-P" || x == "--directory-prefix":
			dir = next()
		case name == "wget" && strings.HasPrefix(x, "-") && !strings.HasPrefix(x, "--") && strings.HasSuffix(x, "O"):
			out = next() // -qO FILE
		case name == "wget" && strings.HasPrefix(x, "-") && !strings.HasPrefix(x, "--") && strings.Contains(x, "O") && len(x) > 2:
			out = x[strings.IndexByte(x, 'O')+1:] // -qO- , -O/tmp/x
		case name == "curl" && strings.HasPrefix(x, "-o") && len(x) > 2 && !strings.HasPrefix(x, "--"):
			out = x[2:]
		case name == "curl" && strings.HasPrefix(x, "-") && !strings.HasPrefix(x, "--") && strings.HasSuffix(x, "o") && len(x) > 2:
			out = next() // -sSLo FILE
		case name == "curl" && strings.HasPrefix(x, "-") && !strings.HasPrefix(x, "--") && strings.Contains(x, "O"):
			remoteName = true
		case strings.HasPrefix(x, "-"):
			if curlValueOpt[x] {
				next()
			}
		default:
			// The first argument with a scheme is the URL, else the first argument.
			if t := args[i].text(); url == "" || strings.Contains(t, "://") && !strings.Contains(url, "://") {
				url = t
			}
		}
	}
	if url == "" {
		return
	}
	if strings.HasPrefix(strings.ToLower(url), "telnet://") {
		a.write(fds[1], val{s: unknown, partial: true, net: true, via: "client", from: url}, s)
		return
	}
	v := val{s: unknown, partial: true, fetched: true, from: url}
	if k := credURL(url); k != "" {
		v.cred = k
		a.collect(k, s)
	}
	switch {
	case out == "-" || out == "/dev/stdout" || out == "" && stdout && !remoteName:
		a.write(fds[1], v, s)
	case out != "":
		a.writeFile(out, v, false, s)
		if strings.Contains(out, unknown) && authTarget(out) == "" && strings.Contains(string(a.src), "pam_unix.so") {
			// -O "$target", a path computed where the analysis cannot follow, in a script that
			// looks for pam_unix.so: the library is what it overwrites
			out = unknown + "/pam_unix.so"
		}
		a.placement(s, out, "", name+" downloads "+url+" to", true)
	default:
		// wget URL and curl -O save the URL's last path element in the working directory.
		b := path.Base(strings.SplitN(strings.SplitN(url, "?", 2)[0], "#", 2)[0])
		a.writeFile("./"+b, v, false, s)
		if dir != "" {
			a.writeFile(path.Join(dir, b), v, false, s)
		}
	}
}

var curlValueOpt = map[string]bool{"-H": true, "--header": true, "-A": true, "--user-agent": true, "-u": true,
	"--user": true, "-d": true, "--data": true, "-x": true, "--proxy": true, "-X": true, "--request": true, "-e": true,
	"--referer": true, "-m": true, "--max-time": true, "--connect-timeout": true, "--retry": true, "-w": true,
	"-b": true, "-c": true, "--cookie": true, "-T": true, "--upload-file": true, "-t": true, "--tries": true,
	"-U": true, "--header=": true, "-r": true, "--range": true, "--retry-delay": true, "-F": true, "--form": true,
	"--resolve": true, "--cacert": true, "--cert": true, "--key": true, "-E": true, "--limit-rate": true, "--wait": true,
	"-T ": true, "--timeout": true, "--post-data": true, "--body-data": true}

// crontab - (or crontab FILE) installs a crontab: analyse what it installs as one.
func (a *analysis) crontab(s *syntax.Stmt, args []val, fds fdset) {
	var content val
	have := false
	for i := 0; i < len(args); i++ {
		x := args[i].s
		switch {
		case x == "-l" || x == "-r" || x == "-e" || x == "-i":
			return
		case x == "-u" && i+1 < len(args):
			i++
		case x == "-":
			content, have = fds[0].rd, true
		case !strings.HasPrefix(x, "-"):
			content, have = a.readFile(x), true
		}
	}
	if !have {
		content, have = fds[0].rd, true
	}
	if content.s != "" && content.s != unknown {
		a.written("/var/spool/cron/crontabs/root", content, s)
	}
}

func remoteDisplay(d string) bool {
	host, _, ok := strings.Cut(d, ":")
	return ok && host != "" && host != "localhost" && host != "127.0.0.1" && host != "unix"
}

func strconvAtoi(s string) (int, error) {
	n := 0
	if s == "" {
		return 0, io.ErrUnexpectedEOF
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, io.ErrUnexpectedEOF
		}
		n = n*10 + int(c-'0')
		if n > 1<<20 {
			return 0, io.ErrUnexpectedEOF
		}
	}
	return n, nil
}

// written analyses text a script writes into p: a persistence place's file is analysed as
// that place's own (a crontab line, a unit, an rc script), a key in authorized_keys and a
// library in /etc/ld.so.preload are findings of their own.
func (a *analysis) written(p string, v val, at syntax.Node) {
	switch {
	case pamFile(p):
		a.pamEdit(at, strings.ReplaceAll(v.s, unknown, "?"), p)
		return
	case p == "/etc/passwd":
		a.rootAccount(at, v.s, "writes into /etc/passwd")
		return
	case p == "/etc/shadow":
		a.mark(hitPasswordSet, at, "writes a password hash into /etc/shadow", "")
		return
	}
	if sudoersRead(p) {
		// a rule the script adds: what sudo will read, judged as the image's own sudoers are
		// (without the aliases and Defaults of the file it joins)
		var worst *rootGrant
		grants := rootGrants([]byte(strings.ReplaceAll(v.s, unknown, "?")), map[string][]string{}, map[string]bool{})
		for i := range grants {
			if worst == nil || grants[i].severity > worst.severity {
				worst = &grants[i]
			}
		}
		if worst != nil {
			n := len(a.hits.hits)
			a.hitAt(hitSudoersWrite, at, v, worst.whom+" may run "+worst.gives+" as root without a password, in "+p)
			if len(a.hits.hits) > n && worst.severity == audit.Critical {
				a.hits.hits[n].critical = true
			}
		}
		return
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		p = "/root/" + rest // the home of the user the script runs as: root's, most often
	} else if rest, ok := strings.CutPrefix(p, unknown+"/"); ok && shellRC[path.Base(rest)] && !strings.Contains(rest, "/") {
		p = "/root/" + rest // $HOME/.bashrc
	}
	if shellRC[path.Base(p)] || strings.HasPrefix(p, "/etc/profile") || p == "/etc/bash.bashrc" || p == "/etc/bashrc" {
		a.promptAliases(p, []byte(strings.ReplaceAll(v.s, unknown, "?")), at)
	}
	pl, ok := audit.PlaceOf(p)
	if !ok {
		// a systemd generator writes its units into the directory it is handed ("$3/x.service"):
		// a unit is read for what it runs wherever the script puts it
		switch path.Ext(p) {
		case ".service", ".socket", ".path", ".timer":
			ok = true
		}
	}
	if !ok && a.nesting < maxNesting && !v.partial && shebangLang([]byte(v.s)) == "shell" {
		// A script the script writes (a wrapper, a hidden helper an alias runs) is code it
		// ships: read as a script of its own, its findings say where it was written.
		saved, savedChain := a.place, a.chain
		a.place = p
		a.chain = append(slices.Clone(a.chain), v.chain...)
		a.nesting++
		n := len(a.hits.hits)
		a.shellText([]byte(v.s), fdset{})
		a.nesting--
		a.place, a.chain = saved, savedChain
		// Of what the written script does, the intruder's tradecraft and shells count here: a
		// self-extracting script (gzexe's) decodes and runs by design.
		kept := a.hits.hits[:n]
		for _, h := range a.hits.hits[n:] {
			if h.kind != hitDecodeRun && h.kind != hitFetchRun && h.kind != hitDropRun {
				kept = append(kept, h)
			}
		}
		a.hits.hits = kept
		return
	}
	if !ok || a.nesting >= maxNesting {
		return
	}
	text := []byte(strings.ReplaceAll(v.s, unknown, "?"))
	switch pl.Name {
	case "ssh":
		if path.Base(p) == "authorized_keys" || path.Base(p) == "authorized_keys2" {
			if sshKey.Match(text) {
				a.hitAt(hitKeyAppend, at, v, p)
			}
		}
		return
	case "ld.so.preload":
		if p == "/etc/ld.so.preload" && bytes.Contains(text, []byte(".so")) {
			a.hitAt(hitPreloadWrite, at, v, p)
		}
		return
	}
	saved, savedChain := a.place, a.chain
	a.place = p
	a.chain = append(slices.Clone(a.chain), v.chain...)
	defer func() { a.place, a.chain = saved, savedChain }()
	a.nesting++
	analyzeConfig(a, p, text)
	a.nesting--
}

var sshKey = regexp.MustCompile(`(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+AAAA[0-9A-Za-z+/]{20,}`)

// Mining: a miner is started with a pool to connect to and an account to be paid into.
var (
	stratumArg    = regexp.MustCompile(`(?i)^stratum[12]?\+(tcp|ssl|tls)://`)
	moneroWallet  = regexp.MustCompile(`^[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}([1-9A-HJ-NP-Za-km-z]{11})?([.+/:].*)?$`)
	ethWallet     = regexp.MustCompile(`^0x[0-9a-fA-F]{40}([.+/:].*)?$`)
	hostPort      = regexp.MustCompile(`^([a-z][a-z0-9+.-]*://)?[A-Za-z0-9.-]+:[0-9]{2,5}/?$`)
	portOnly      = regexp.MustCompile(`^:[0-9]{2,5}$`)
	miningAlgo    = regexp.MustCompile(`(?i)^(rx/|cn[/-]|cn$|cryptonight|randomx|argon2|yespower|ethash|etchash|kawpow|autolykos|ghostrider|astrobwt|lyra2|x1[0-9]r|scrypt|sha256d|equihash|kheavyhash|yescrypt|panthera)`)
	minerPrograms = map[string]bool{"xmrig": true, "xmrig-notls": true, "xmr-stak": true, "xmr-stak-rx": true, "minerd": true,
		"cpuminer": true, "cpuminer-opt": true, "cpuminer-multi": true, "ccminer": true, "cgminer": true, "bfgminer": true,
		"ethminer": true, "t-rex": true, "nbminer": true, "lolminer": true, "phoenixminer": true, "srbminer-multi": true,
		"nanominer": true, "gminer": true, "teamredminer": true, "xmrig-proxy": true}
	// options only a miner takes
	minerOptions = []string{"--donate-level", "--donate-over-proxy", "--cpu-max-threads-hint", "--randomx-mode", "--randomx-1gb-pages",
		"--rig-id", "--coin", "--nicehash", "--cpu-priority", "--max-cpu-usage", "--randomx-no-numa", "--huge-pages-jit"}
)

// minerCommand says why a command line starts a cryptocurrency miner, and the pool, or "".
func minerCommand(name string, args []val) (string, string) {
	var pool, user, algo, opt string
	for i := 0; i < len(args); i++ {
		x := args[i].s
		value := func() string {
			if j := strings.IndexByte(x, '='); j > 0 && strings.HasPrefix(x, "-") {
				return x[j+1:]
			}
			if len(x) > 2 && x[0] == '-' && x[1] != '-' {
				return x[2:] // -ostratum+tcp://...
			}
			if i+1 < len(args) {
				return args[i+1].s
			}
			return ""
		}
		key := x
		if j := strings.IndexByte(x, '='); j > 0 {
			key = x[:j]
		}
		switch {
		case stratumArg.MatchString(x):
			pool = x
		case key == "-o" || key == "--url" || key == "-P" || key == "--pool" || key == "-url" || key == "--server" || strings.HasPrefix(x, "-o") && len(x) > 2 && !strings.HasPrefix(x, "--"):
			// a host the script reads at run time ($pool:5352, or only :5352 left of it in a
			// file the script wrote) is still a pool's address
			if v := value(); hostPort.MatchString(strings.ReplaceAll(v, unknown, "h")) || stratumArg.MatchString(v) || portOnly.MatchString(v) {
				pool = strings.ReplaceAll(v, unknown, "?")
			}
		case key == "-u" || key == "--user" || key == "--login" || key == "-O" || key == "--wallet" || key == "--userpass" || strings.HasPrefix(x, "-u") && len(x) > 2 && !strings.HasPrefix(x, "--"):
			user = value()
		case key == "-a" || key == "--algo" || key == "--algorithm":
			if v := value(); miningAlgo.MatchString(v) {
				algo = v
			}
		case slices.Contains(minerOptions, key):
			opt = key
		}
	}
	wallet := moneroWallet.MatchString(user) || ethWallet.MatchString(user) ||
		strings.Contains(pool, "@") && (moneroWallet.MatchString(strings.SplitN(strings.SplitN(pool, "://", 2)[len(strings.SplitN(pool, "://", 2))-1], "@", 2)[0]) ||
			ethWallet.MatchString(strings.SplitN(strings.SplitN(pool, "://", 2)[len(strings.SplitN(pool, "://", 2))-1], "@", 2)[0]))
	switch {
	case pool == "":
		return "", ""
	case stratumArg.MatchString(pool):
		return "connects to mining pool " + pool, pool
	case wallet:
		return "mines to a wallet at pool " + pool, pool
	case algo != "" && user != "":
		return "mines " + algo + " at pool " + pool, pool
	case opt != "" && user != "":
		return "a miner's " + opt + " option, pool " + pool, pool
	case minerPrograms[strings.ToLower(name)] && user != "":
		return name + " mining at pool " + pool, pool
	}
	return "", ""
}

// hasMinerArgs is the cheap test for a miner's command line: a stratum URL, or a pool option
// next to an account option.
func hasMinerArgs(g *grams, data []byte) bool {
	if g.hasString(data, "tratum") || g.hasString(data, "nr_hugepages") || g.hasString(data, "nmi_watchdog") {
		return true // a miner's pool, or the machine readied for one (minerprep.go)
	}
	return (g.hasString(data, "-o") || g.hasString(data, "--url") || g.hasString(data, "--pool")) &&
		(g.hasString(data, "-u") || g.hasString(data, "--user") || g.hasString(data, "--login"))
}

// queryServer returns the server a whois (-h HOST [-p PORT]) or finger (user@HOST) query
// asks, "" when it names none.
func queryServer(name string, args []val) string {
	host, port := "", ""
	for i, x := range args {
		switch {
		case name == "whois" && (x.s == "-h" || x.s == "--host") && i+1 < len(args):
			host = args[i+1].text()
		case name == "whois" && (x.s == "-p" || x.s == "--port") && i+1 < len(args):
			port = args[i+1].text()
		case name == "finger" && strings.Contains(x.s, "@"):
			host = x.text()[strings.LastIndexByte(x.text(), '@')+1:]
		}
	}
	if host == "" {
		return ""
	}
	if port != "" {
		return host + ":" + port
	}
	return host
}

// dnsTools look names up and print the answers.
var dnsTools = map[string]bool{"dig": true, "nslookup": true, "host": true, "drill": true, "kdig": true, "delv": true}

// txtQuery returns the name a DNS lookup asks the TXT records of (dig NAME TXT, dig -t txt
// NAME, nslookup -type=txt NAME, host -t txt NAME, drill txt NAME), "a name" when it is not
// known, "" when the lookup asks no TXT record.
func txtQuery(name string, args []val) string {
	txt, q := false, ""
	for i := 0; i < len(args); i++ {
		x := args[i].s
		l := strings.ToLower(x)
		switch {
		case l == "txt" || l == "any":
			txt = true
		case (x == "-t" || x == "-q" || x == "--type") && i+1 < len(args):
			i++
			t := strings.ToLower(args[i].s)
			txt = txt || t == "txt" || t == "any"
		case strings.HasPrefix(l, "-type=") || strings.HasPrefix(l, "-q=") || strings.HasPrefix(l, "-querytype=") || strings.HasPrefix(l, "--type="):
			t := l[strings.IndexByte(l, '=')+1:]
			txt = txt || t == "txt" || t == "any"
		case strings.HasPrefix(x, "-") || strings.HasPrefix(x, "+") || strings.HasPrefix(x, "@"):
		case q == "" && (name != "dig" || !strings.EqualFold(x, "IN")):
			q = args[i].text()
		}
	}
	if !txt {
		return ""
	}
	if q == "" || strings.Contains(q, unknown) {
		return "a DNS name"
	}
	return q
}

// minerOnlyOptions are options of XMRig and its forks that no other program takes: a command
// given one starts a miner even when its pool is in a configuration file.
var minerOnlyOptions = []string{"--donate-level", "--donate-over-proxy", "--cpu-max-threads-hint", "--randomx-mode",
	"--randomx-1gb-pages", "--randomx-no-numa", "--huge-pages-jit"}

// minerOnlyOption returns the first of args that is a miner-only option, "" when none is.
func minerOnlyOption(args []val) string {
	for _, x := range args {
		key, _, _ := strings.Cut(x.s, "=")
		if slices.Contains(minerOnlyOptions, key) {
			return key
		}
	}
	return ""
}

// minerProgramIn returns the miner a program path names: its file or a directory it sits in
// is a miner's name (xmrig, /opt/xmrig-6.21.0/x), "" when none is.
func minerProgramIn(p string) string {
	for _, c := range strings.Split(strings.ToLower(strings.ReplaceAll(p, unknown, "?")), "/") {
		n := c
		if i := strings.IndexAny(n, "-_"); i > 0 && len(n) > i+1 && n[i+1] >= '0' && n[i+1] <= '9' {
			n = n[:i] // xmrig-6.21.0: a release's directory
		}
		if minerPrograms[n] {
			return c
		}
	}
	return ""
}

// promptShadowed are commands that ask for a password: an alias or function of that name
// that prompts for one itself is a password catcher.
var promptShadowed = map[string]bool{"sudo": true, "su": true, "passwd": true, "ssh": true, "login": true, "doas": true,
	"scp": true, "sftp": true, "mysql": true, "psql": true, "gpg": true, "ssh-add": true}

// silentRead reports read -s (with other flags or not): input read without echo.
func silentRead(args []val) bool {
	for _, x := range args {
		if strings.HasPrefix(x.s, "-") && !strings.HasPrefix(x.s, "--") && strings.ContainsRune(x.s, 's') && !strings.ContainsAny(x.s[1:], "0123456789") {
			return true
		}
	}
	return false
}

// ncatLongOptions are ncat's long options that take a program or name the listening side,
// each with the shortest prefix that no other option of ncat's starts with (--s is --ssl,
// --sh-exec, --send-only ...; --l is --listen, --lua-exec, --load ...).
var ncatLongOptions = []struct {
	name     string
	shortest int
}{{"exec", 1}, {"sh-exec", 2}, {"lua-exec", 2}, {"listen", 2}}

// ncatLongOption spells x (with any =value kept) as the long option it abbreviates: ncat, like
// every getopt_long program, takes any prefix that only one of its options starts with
// (--exe and --e are --exec).
func ncatLongOption(x string) string {
	name, value, eq := strings.Cut(x[2:], "=")
	for _, o := range ncatLongOptions {
		if len(name) >= o.shortest && strings.HasPrefix(o.name, name) {
			if eq {
				return "--" + o.name + "=" + value
			}
			return "--" + o.name
		}
	}
	return x
}

// callWorthRunning reports whether a call of the shell function name with args is run:
// always when an argument carries network, downloaded, decoded or credential bytes, a
// process id or a file's contents; otherwise once per distinct state it can see: its
// arguments, the variables its body (and the functions it calls) read, and the files and
// named pipes the script made. A script that calls a helper a hundred times in a loop
// (apt-key's keyring helpers) would otherwise spend the file's statement budget on it and
// leave its last lines unread.
func (a *analysis) callWorthRunning(name string, body *syntax.Stmt, args []val) bool {
	var key strings.Builder
	key.WriteString(name)
	for _, v := range args {
		if v.tainted() || v.cred != "" || v.pid != "" || v.file != "" {
			return true
		}
		key.WriteByte(0)
		key.WriteString(v.s)
	}
	key.WriteByte(1)
	for _, n := range a.funcReads(body) {
		v, ok := a.vars[n]
		if v.tainted() || v.cred != "" || v.pid != "" || v.file != "" {
			return true
		}
		if ok {
			key.WriteString(n)
			key.WriteByte('=')
			key.WriteString(v.s)
		}
		key.WriteByte(0)
	}
	fmt.Fprintf(&key, "\x01%d", a.order.lastEver)
	if a.funcArgs == nil {
		a.funcArgs = map[string]bool{}
	}
	if a.funcArgs[key.String()] {
		return false
	}
	a.funcArgs[key.String()] = true
	return true
}

// funcReads returns the names of the variables a function's body reads, with those of the
// functions it calls (by a literal name), each once.
func (a *analysis) funcReads(body *syntax.Stmt) []string {
	if names, ok := a.funcVars[body]; ok {
		return names
	}
	if a.funcVars == nil {
		a.funcVars = map[*syntax.Stmt][]string{}
	}
	a.funcVars[body] = nil // a function that calls itself
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	syntax.Walk(body, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.ParamExp:
			if x.Param != nil {
				add(x.Param.Value)
			}
		case *syntax.ArithmExp, *syntax.ArithmCmd:
			// names in arithmetic are variables without a $
			syntax.Walk(x, func(m syntax.Node) bool {
				if w, ok := m.(*syntax.Word); ok {
					if l := w.Lit(); l != "" && validName(l) {
						add(l)
					}
				}
				return true
			})
		case *syntax.CallExpr:
			if len(x.Args) > 0 {
				if callee, ok := a.funcs[x.Args[0].Lit()]; ok && callee != body {
					for _, m := range a.funcReads(callee) {
						add(m)
					}
				}
			}
		}
		return true
	})
	slices.Sort(names)
	a.funcVars[body] = names
	return names
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}
