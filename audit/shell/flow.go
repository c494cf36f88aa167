package shell

import (
	"regexp"
	"slices"
	"strings"
)

// langRule names, for one language, the calls a reverse or bind shell is made of. The
// detector follows the socket: which variables hold it (or its descriptor), and whether
// those reach the calls that make it a program's standard streams, or whether what is read
// from it reaches a call that runs a program while its output is sent back, or whether the
// code copies bytes between the socket and a shell process's pipes.
type langRule struct {
	creators []string // calls whose result is a connected (or accepted) socket
	firstArg []string // calls whose first argument becomes a socket handle (Perl's socket, accept)
	dup      []string // calls that make a socket a program's standard streams, when their arguments name it
	spawn    []string // calls that run a program
	recv     []string // calls that read from a socket
	send     []string // calls that write to one
	// outArgs is set for languages whose reads fill a variable given as an argument
	// (Perl's sysread($s, $buf, n), Tcl's gets $s line, C's read(fd, buf, n)).
	outArgs bool
}

var langRules = map[string]langRule{
	"python": {creators: []string{"socket", "create_connection", "fromfd", "accept", "wrap_socket", "socketpair"},
		dup: []string{"dup2", "syscall"},
		spawn: []string{"system", "popen", "popen2", "popen3", "popen4", "Popen", "Popen3", "Popen4", "call", "run", "check_output", "check_call", "getoutput", "getstatusoutput",
			"spawn", "execv", "execve", "execl", "execlp", "execvp", "execvpe", "posix_spawn", "spawnl", "spawnv"},
		recv: []string{"recv", "recvfrom", "recv_into", "makefile", "readline", "read"}, send: []string{"send", "sendall", "write", "sendto"}},
	"perl": {creators: []string{"IO::Socket::INET", "IO::Socket::IP", "IO::Socket::SSL", "IO::Socket::INET6", "accept"},
		firstArg: []string{"socket", "accept"},
		dup:      []string{"open", "fdopen", "dup2", "syscall"},
		spawn:    []string{"exec", "system", "qx", "open"},
		recv:     []string{"sysread", "recv", "readline", "getline", "read"}, send: []string{"print", "syswrite", "send", "printf", "write"},
		outArgs: true},
	"ruby": {creators: []string{"TCPSocket", "TCPServer", "accept", "tcp", "SSLSocket", "UNIXSocket", "Socket"},
		dup:   []string{"reopen", "spawn", "exec", "system", "popen", "popen3", "syscall"},
		spawn: []string{"exec", "spawn", "system", "popen", "popen2", "popen2e", "popen3", "capture2", "capture3", "capture2e", "pipeline_r", "pipeline_rw", "pty"},
		recv:  []string{"gets", "read", "recv", "readline", "readpartial", "each_line"}, send: []string{"print", "puts", "write", "send"}},
	"php": {creators: []string{"fsockopen", "pfsockopen", "stream_socket_client", "socket_create", "stream_socket_accept", "socket_accept"},
		dup:   []string{"proc_open"},
		spawn: []string{"exec", "shell_exec", "system", "passthru", "popen", "proc_open", "pcntl_exec"},
		recv:  []string{"fread", "fgets", "socket_read", "stream_get_line", "fgetc", "stream_get_contents", "socket_recv"},
		send:  []string{"fwrite", "fputs", "socket_write", "stream_socket_sendto", "socket_send"}},
	"node": {creators: []string{"Socket", "connect", "createConnection", "createServer"},
		dup:   []string{"pipe"},
		spawn: []string{"spawn", "exec", "execSync", "execFile", "fork", "spawnSync", "execFileSync"},
		recv:  []string{"on", "once", "read"}, send: []string{"write", "end"}},
	"lua": {creators: []string{"tcp", "connect", "accept", "bind"},
		spawn: []string{"execute", "popen"}, recv: []string{"receive"}, send: []string{"send"}},
	"tcl": {creators: []string{"socket"}, spawn: []string{"exec", "eval"}, recv: []string{"gets", "read"}, send: []string{"puts"},
		outArgs: true},
	"go": {creators: []string{"Dial", "DialTimeout", "DialTCP", "Accept"}, spawn: []string{"Command", "CommandContext", "StartProcess", "ForkExec"},
		recv: []string{"Read", "ReadString"}, send: []string{"Write", "WriteString", "Copy"}},
	// Java, Groovy and the JVM's JavaScript shells (jjs, jrunscript).
	"java": {creators: []string{"Socket", "SSLSocket", "createSocket", "accept"},
		spawn: []string{"exec", "ProcessBuilder", "start"},
		recv:  []string{"read", "readLine"}, send: []string{"write", "print", "println", "transferTo"}},
	"c": {creators: []string{"socket", "accept", "accept4"},
		dup:   []string{"dup2", "dup3", "dup"},
		spawn: []string{"execve", "execl", "execlp", "execle", "execv", "execvp", "execvpe", "system", "popen", "posix_spawn", "posix_spawnp"},
		recv:  []string{"read", "recv", "recvfrom"}, send: []string{"write", "send", "sendto"}, outArgs: true},
	"rust": {creators: []string{"connect", "accept", "connect_timeout"},
		dup:   []string{"from_raw_fd"},
		spawn: []string{"Command", "spawn", "output", "status"},
		recv:  []string{"read", "read_line", "read_to_string", "read_exact"}, send: []string{"write", "write_all"}, outArgs: true},
	"r": {creators: []string{"socketConnection", "socketAccept", "make.socket"},
		spawn: []string{"pipe", "system", "system2", "shell"},
		recv:  []string{"readLines", "readline", "read.socket", "readBin"}, send: []string{"writeLines", "write.socket", "cat", "writeBin"}},
	"dart": {creators: []string{"connect", "bind"}, spawn: []string{"start", "run", "runSync"},
		recv: []string{"listen"}, send: []string{"write", "writeln", "add"}},
}

var (
	shellString   = regexp.MustCompile(`^\s*(/usr)?(/bin/)?(ba|da|z|k|a|mk)?sh(\s+-[a-z]*i[a-z]*)?\s*$|^\s*(cmd(\.exe)?|powershell(\.exe)?|pwsh)\s*$|^\s*(/usr)?(/bin/)?(ba|da|z|k|a)?sh\s+-[a-z]*i\b|(^|\s|;)(/usr)?/bin/(ba|da|z|k|a)?sh\b|(^|[;&|]\s*)(ba|da|z|k|a)?sh\s+-[a-z]*i\b`)
	fdRedirString = regexp.MustCompile(`[<>]&\s*(%d|%s|[0-9]+|\$\w+|#\{)`)
)

// namesAShell reports whether s matches shellString. Every alternative of the expression
// holds "sh" or "cmd" (powershell and pwsh hold "sh"), so a string with neither, which is
// nearly every string of a program, is decided without running it; exhaustive runs it anyway.
func namesAShell(s string, exhaustive bool) bool {
	if !exhaustive && !mayNameAShell(s) {
		return false
	}
	return shellString.MatchString(s)
}

// mayNameAShell is what every alternative of shellString needs: a shell's path ("/bin/"
// and a shell's name), a string that is nothing but cmd or powershell and blanks, "sh" and
// blanks before an option, or a string that is nothing but a shell's name ("/usr/bin/mksh" is
// the longest) and blanks. Words that end in "sh" (hash, push, publish, refresh) inside longer
// strings fail it, and so does a long string (a bundle's keymap) that says "cmd" somewhere.
func mayNameAShell(s string) bool {
	if t := strings.Trim(s, " \t\n\r\f\v"); len(t) <= len("powershell.exe") && (strings.Contains(t, "cmd") || strings.Contains(t, "powershell")) {
		return true
	}
	for i := 0; ; {
		j := strings.Index(s[i:], "/bin/")
		if j < 0 {
			break
		}
		i += j + len("/bin/")
		for _, sh := range []string{"sh", "bash", "dash", "zsh", "ksh", "ash"} {
			if strings.HasPrefix(s[i:], sh) {
				return true
			}
		}
	}
	for i := 0; ; {
		j := strings.Index(s[i:], "sh")
		if j < 0 {
			return false
		}
		i += j + 2
		k := i
		for k < len(s) && isBlank(s[k]) {
			k++
		}
		switch {
		case k == len(s):
			if len(strings.TrimLeft(s[:i], " \t\n\r\f\v")) <= len("/usr/bin/mksh") {
				return true
			}
		case k > i && s[k] == '-':
			return true
		}
	}
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// redirectsFD reports whether s matches fdRedirString, which needs a '&'.
func redirectsFD(s string, exhaustive bool) bool {
	if !exhaustive && strings.IndexByte(s, '&') < 0 {
		return false
	}
	return fdRedirString.MatchString(s)
}

// flow is the socket-following view of a window of tokens.
type flow struct {
	ts    []token
	lang  string
	r     langRule
	socks map[string]bool // variables holding the socket or its descriptor
	reads map[string]bool // variables holding what was read from it
	procs map[string]bool // variables holding a started program, its pipes or streams
	// alias maps a variable to the function or class it names (o = os.dup2, f = "exec",
	// ss = Java.type("java.net.Socket")); strs holds the constant text of variables built from
	// literals ($a = "ex" . "ec").
	alias map[string]string
	strs  map[string]string
	// exhaustive is Analyzer.Exhaustive: no shortcut in front of the work it saves.
	exhaustive bool
	// handler: Python code of a socketserver request handler, whose self.rfile reads the
	// connection and self.wfile answers it
	handler bool
}

// codeLoop starts the reason reverseShell gives for code that runs what a socket sends it: the
// finding is labelled malware (a stager or a remote code loop).
const codeLoop = "runs the code it reads from the socket"

// reverseShell reports why the tokens join a socket to a shell, or "". fileShell says the
// whole file names a shell (a class sets it in one method and runs it in another).
func reverseShell(ts []token, lang string, r langRule, fileShell, exhaustive bool) string {
	f := &flow{ts: ts, lang: lang, r: r, socks: map[string]bool{}, reads: map[string]bool{}, procs: map[string]bool{},
		exhaustive: exhaustive}
	f.findConstants()
	if !exhaustive && !f.maySocket() {
		// Nothing here names a socket: findSockets would find none, and no creator is called.
		return ""
	}
	f.findSockets()
	if len(f.socks) == 0 && !f.handler && !f.createsSocket(ts) {
		return ""
	}
	f.findProcs()
	f.findReads()
	shell := false
	for _, t := range ts {
		if t.kind == tokString && namesAShell(t.text, exhaustive) {
			shell = true
			break
		}
	}
	for _, v := range f.strs {
		if namesAShell(v, exhaustive) {
			shell = true
		}
	}
	// The socket made a program's standard streams, and a shell (or any program) run.
	for i, t := range ts {
		if t.kind != tokIdent || !slices.Contains(r.dup, f.name(i)) || !f.isCall(i) {
			continue
		}
		args := f.args(i)
		if f.name(i) == "syscall" {
			// syscall(33, s.fileno, 0): dup2 or dup3 by its number, the descriptors after it
			if args = dupSyscall(args); args == nil {
				continue
			}
		}
		if !f.namesSocket(args) && !f.receiverIsSocket(i) {
			continue
		}
		if f.lang == "perl" && t.text == "open" && !mentionsStdio(args) {
			continue
		}
		// os.dup2(s.fileno(), 0): only onto standard input, output or error is the socket a
		// program's streams; os.dup(fd) copies a descriptor and makes nothing a stream.
		if f.lang == "python" && !ontoStdio(args) && !f.loopsOverStdio(i, args) {
			continue
		}
		spawnsHere := slices.Contains(r.spawn, f.name(i))
		if shell || spawnsHere || f.anySpawn() {
			return "makes the socket a program's standard streams (" + f.name(i) + ") and runs a shell"
		}
	}
	// Go: a command given the connection as its standard streams (cmd.Stdin = conn).
	if lang == "go" {
		for i := 0; i+3 < len(ts); i++ {
			if ts[i].text != "." || ts[i+1].text != "Stdin" && ts[i+1].text != "Stdout" {
				continue
			}
			// cmd.Stdin = c, or a tuple: cmd.Stdin, cmd.Stdout, cmd.Stderr = c, c, c
			eq := i + 2
			for eq < min(len(ts), i+16) && ts[eq].text != "=" && (ts[eq].text == "," || ts[eq].text == "." || ts[eq].kind == tokIdent) {
				eq++
			}
			if eq < len(ts) && ts[eq].text == "=" && f.namesSocket(ts[eq+1:min(len(ts), eq+12)]) && (shell || f.anySpawn()) {
				return "gives a command the connection as its " + ts[i+1].text
			}
		}
	}
	// A program run with the socket as its standard streams (stdin=s, [:in, :out]=>s,
	// array(0=>$sock), {stdio: [c, c, c]}) or a shell command whose streams are redirected
	// onto the socket's descriptor.
	for i, t := range ts {
		if t.kind != tokIdent || !slices.Contains(r.spawn, f.name(i)) || !f.isCall(i) {
			continue
		}
		args := f.args(i)
		if f.namesSocket(args) && (shell || slices.ContainsFunc(args, func(x token) bool { return x.kind == tokString && x.text == "-i" })) {
			return "runs a shell with the socket as its standard streams (" + f.name(i) + ")"
		}
		for _, x := range args {
			text := x.text
			if x.kind == tokIdent {
				text = f.strs[x.text]
			} else if x.kind != tokString {
				continue
			}
			if redirectsFD(text, exhaustive) && (namesAShell(text, exhaustive) || strings.Contains(text, "sh ")) {
				return "runs a shell whose streams are redirected onto the socket (" + oneLine(text, 60) + ")"
			}
		}
	}
	// A backtick or qx command whose streams are redirected onto the socket's descriptor.
	for _, t := range ts {
		if t.kind == tokCommand && redirectsFD(t.text, exhaustive) && (namesAShell(t.text, exhaustive) || strings.Contains(t.text, "sh ")) {
			return "runs a shell whose streams are redirected onto the socket (" + oneLine(t.text, 60) + ")"
		}
	}
	// What is read from the socket run as a command, and the output sent back.
	if f.readsReachSpawn() && f.sendsToSocket() {
		return "runs the commands it reads from the socket and sends back the output"
	}
	// What is read from the socket handed to the language's own eval: code sent to it run
	// (a stager or a remote code loop), whatever it sends back.
	if call := f.readsReachEval(); call != "" {
		return codeLoop + " (" + call + ")"
	}
	// Bytes copied between the socket and a shell's pipes or streams (PHP's proc_open pipes,
	// Java's Process streams).
	if (shell || fileShell) && len(f.procs) > 0 {
		if why := f.relay(); why != "" {
			return why
		}
	}
	return ""
}

// maySocket reports whether the tokens hold what every case of findSockets and createsSocket
// starts from: a creator or a firstArg call named or aliased, createServer, or a
// "connection" event. Without one, the socket cannot be followed: most windows of a big
// library, which connects nowhere.
func (f *flow) maySocket() bool {
	for _, a := range f.alias {
		if slices.Contains(f.r.creators, a) || slices.Contains(f.r.firstArg, a) {
			return true
		}
	}
	for _, t := range f.ts {
		if t.kind == tokIdent && (slices.Contains(f.r.creators, t.text) || slices.Contains(f.r.firstArg, t.text)) ||
			t.text == "createServer" || t.text == "connection" {
			return true
		}
		if f.lang == "python" && t.kind == tokIdent && (t.text == "recv" || t.text == "recvfrom" || t.text == "recv_into" || strings.HasSuffix(t.text, "RequestHandler")) {
			return true
		}
	}
	return false
}

// isAssign reports an assignment's "=" at i: not one of the two of "==", nor the "=" of "!=",
// "<=", ">=" (the tokenizer keeps them apart).
func (f *flow) isAssign(i int) bool {
	if i <= 0 || i >= len(f.ts) || f.ts[i].text != "=" {
		return false
	}
	if i+1 < len(f.ts) && f.ts[i+1].text == "=" {
		return false
	}
	switch f.ts[i-1].text {
	case "=", "!", "<", ">":
		return false
	}
	return true
}

// namesShell reports a string among tokens that names a shell.
func namesShell(ts []token, exhaustive bool) bool {
	return slices.ContainsFunc(ts, func(t token) bool { return t.kind == tokString && namesAShell(t.text, exhaustive) })
}

// name is the name the identifier at i calls: the function or class its variable names
// when it is an alias.
func (f *flow) name(i int) string {
	t := f.ts[i].text
	if a, ok := f.alias[t]; ok && f.ts[i].kind == tokIdent {
		return a
	}
	return t
}

// findConstants records variables that alias a function or class and variables that hold
// constant text: a = __import__; o = a("os").dup2; $f = "ex" . "ec"; ss = Java.type("java.net.Socket").
func (f *flow) findConstants() {
	f.alias, f.strs = map[string]string{}, map[string]string{}
	concat := syntaxOf[f.lang].concat
	for pass := 0; pass < 2; pass++ {
		for i := range f.ts {
			if !f.isAssign(i) || f.ts[i-1].kind != tokIdent {
				continue
			}
			v := f.ts[i-1].text
			end := f.statementEnd(i + 1)
			rhs := f.ts[i+1 : end]
			if len(rhs) == 0 {
				continue
			}
			// Constant text: literals and variables with constant text joined by the
			// language's concatenation.
			var b strings.Builder
			ok := true
			for k, x := range rhs {
				switch {
				case k%2 == 1:
					ok = ok && slices.Contains(concat, x.text)
				case x.kind == tokString:
					b.WriteString(x.text)
				case x.kind == tokIdent && f.strs[x.text] != "":
					b.WriteString(f.strs[x.text])
				default:
					ok = false
				}
			}
			if ok && len(rhs)%2 == 1 && b.Len() > 0 {
				f.strs[v] = b.String()
				if isFuncName(b.String()) {
					f.alias[v] = b.String()
				} else if j := strings.LastIndexByte(b.String(), '.'); j > 0 && isFuncName(b.String()[j+1:]) && strings.Count(b.String(), ".") >= 2 {
					// "java.net.Socket": a class named by its full name.
					f.alias[v] = b.String()[j+1:]
				}
				continue
			}
			// A name chain: x.y.z, __import__, a("mod").attr, Java.type("pkg.Class").
			if last := chainName(rhs, f.alias); last != "" && !slices.ContainsFunc(rhs, func(x token) bool { return x.kind == tokIdent && f.socks[x.text] }) {
				f.alias[v] = last
			}
		}
	}
}

// chainName returns the name a right-hand side made only of a name chain ends in
// (os.dup2 -> dup2; __import__("socket").socket -> socket; a -> what a names), "" when it
// is anything else (a call's result, arithmetic).
func chainName(rhs []token, alias map[string]string) string {
	last := ""
	for k := 0; k < len(rhs); k++ {
		x := rhs[k]
		switch {
		case x.kind == tokIdent:
			last = x.text
			if a, ok := alias[x.text]; ok && k == len(rhs)-1 {
				last = a
			}
		case x.text == "." || x.text == "::" || x.text == "->":
		case x.text == "(" && k+2 < len(rhs) && rhs[k+1].kind == tokString && rhs[k+2].text == ")" &&
			(last == "__import__" || last == "type" || last == "forName" || last == "require" || alias[last] == "__import__"):
			// __import__("os"), Java.type("java.net.Socket"), require("net"): the name is the
			// module or class.
			name := rhs[k+1].text
			if j := strings.LastIndexByte(name, '.'); j >= 0 && (last == "type" || last == "forName") {
				name = name[j+1:]
			}
			last = name
			k += 2
		default:
			return ""
		}
	}
	if last == "" || strings.HasPrefix(last, "$") {
		return ""
	}
	return last
}

func isFuncName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// statementEnd returns the index of the end of the statement containing i.
func (f *flow) statementEnd(i int) int {
	depth := 0
	for j := i; j < len(f.ts); j++ {
		switch f.ts[j].text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			if depth == 0 {
				return j
			}
			depth--
		case ";", "\n":
			if depth == 0 {
				return j
			}
		case ",":
			// In languages that declare several variables in one statement (int a = x, b = y)
			// a top-level comma ends an assignment's value.
			if depth == 0 && f.declLists() {
				return j
			}
		}
	}
	return len(f.ts)
}

func (f *flow) declLists() bool {
	switch f.lang {
	case "java", "c", "node", "go", "rust", "dart":
		return true
	}
	return false
}

// findSockets collects the variables that hold a socket: assigned from a creator call (or
// from an expression over another such variable: its descriptor), named as the first
// argument of Perl's socket(), bound by a pattern on a creator's result (Rust's
// Ok(mut conn)), or the parameter of a server's connection callback (or `this` in a
// connect callback).
func (f *flow) findSockets() {
	ts := f.ts
	for pass := 0; pass < 2; pass++ {
		for i, t := range ts {
			switch {
			case f.isAssign(i):
				end := f.statementEnd(i + 1)
				rhs := ts[i+1 : end]
				if !f.createsSocket(rhs) && (!f.namesSocket(rhs) || f.readsFrom(rhs)) {
					continue
				}
				for _, v := range f.lhs(i) {
					f.socks[v] = true
				}
			case f.lang == "python" && t.kind == tokIdent && (t.text == "recv" || t.text == "recvfrom" || t.text == "recv_into") && i >= 2 &&
				ts[i-1].text == "." && ts[i-2].kind == tokIdent && f.isCall(i):
				// what recv is called on is a socket, wherever it came from (a thread's argument)
				f.socks[ts[i-2].text] = true
			case f.lang == "python" && t.text == "as" && i+1 < len(ts) && ts[i+1].kind == tokIdent:
				// with socket.socket() as s: / with socket.create_connection(a) as s, open(p) as f:
				if x := withItem(ts, i); f.createsSocket(x) || f.namesSocket(x) && !f.readsFrom(x) {
					f.socks[ts[i+1].text] = true
				}
			case f.lang == "python" && t.kind == tokIdent && strings.HasSuffix(t.text, "RequestHandler") && !strings.Contains(t.text, "HTTP"):
				// a socketserver handler: self.rfile and self.wfile are the connection's streams,
				// what it reads and where it answers (not a socket to make a program's streams of).
				// An HTTP handler's are not the commands of a shell: http.server's CGI handler runs
				// the scripts the request path names.
				f.handler = true
			case t.kind == tokIdent && slices.Contains(f.r.firstArg, t.text) && f.isCall(i):
				if args := f.args(i); len(args) > 0 && args[0].kind == tokIdent {
					f.socks[args[0].text] = true
				}
			case t.kind == tokIdent && (t.text == "createServer" || t.text == "on") && f.isCall(i):
				// net.createServer(function (c) {...}) / server.on("connection", (c) => ...)
				args := f.args(i)
				if t.text == "on" && (len(args) == 0 || args[0].text != "connection") {
					continue
				}
				if p := callbackParam(args); p != "" {
					f.socks[p] = true
				}
			case t.kind == tokIdent && slices.Contains(f.r.creators, f.name(i)) && f.isCall(i):
				// net.connect(port, host, function () { this.pipe(...) }): the callback runs with
				// the socket as this. Socket.connect(h, p).then((socket) {...}): the future's value.
				args := f.args(i)
				if slices.ContainsFunc(args, func(x token) bool { return x.text == "function" }) {
					f.socks["this"] = true
				}
				if f.lang == "dart" {
					if p := thenParam(ts, i); p != "" {
						f.socks[p] = true
					}
				}
			case f.lang == "java" && (t.text == "withStreams" || t.text == "withObjectStreams") && i >= 2 && ts[i-1].text == "." && f.socks[ts[i-2].text]:
				// Groovy: sock.withStreams { input, output -> ... } binds the socket's streams
				for _, p := range closureParams(ts, i+1) {
					f.socks[p] = true
				}
			case f.lang == "rust" && t.text == "=>" && i >= 3 && ts[i-1].text == ")":
				// match TcpStream::connect(a) { Ok(mut conn) => ...
				j := i - 2
				if ts[j].kind != tokIdent {
					continue
				}
				if m := lastIndex(ts[:i], "match"); m >= 0 && i-m < 40 && f.createsSocket(ts[m:i]) {
					f.socks[ts[j].text] = true
				}
			case f.lang == "rust" && t.text == "=" && i >= 3 && ts[i-1].text == ")" && ts[i-2].kind == tokIdent:
				// if let Ok(mut conn) = TcpStream::connect(a)
				if rhs := ts[i+1 : f.statementEnd(i+1)]; f.createsSocket(rhs) || f.createsSocket(ts[i+1:min(len(ts), i+12)]) {
					f.socks[ts[i-2].text] = true
				}
			}
		}
	}
}

// withItem returns the expression a Python with-statement binds with the "as" at i: back to
// the "with" or the "," before it, on the same line.
func withItem(ts []token, i int) []token {
	depth := 0
	for j := i - 1; j >= 0 && i-j < 64; j-- {
		switch ts[j].text {
		case ")", "]", "}":
			depth++
		case "(", "[", "{":
			depth--
		case "\n":
			return nil
		case "with", ",":
			if depth == 0 {
				return ts[j+1 : i]
			}
		}
		if depth < 0 {
			return nil
		}
	}
	return nil
}

func lastIndex(ts []token, text string) int {
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].text == text {
			return i
		}
	}
	return -1
}

// thenParam returns the parameter of a .then((x) {...}) callback chained on the call at i.
func thenParam(ts []token, i int) string {
	depth := 0
	for j := i + 1; j < len(ts) && j < i+60; j++ {
		switch ts[j].text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 && j+3 < len(ts) && ts[j+1].text == "." && ts[j+2].text == "then" && ts[j+3].text == "(" {
				// then((Process p) => / then((socket) {
				for k := j + 4; k < len(ts) && k < j+9 && ts[k].text != "{" && ts[k].text != "=>"; k++ {
					if ts[k].kind == tokIdent && (ts[k+1].text == ")" || ts[k+1].text == ",") {
						return ts[k].text
					}
				}
				return ""
			}
			if depth == 0 {
				return ""
			}
		}
	}
	return ""
}

// readsFrom reports an expression that reads from the socket (t:receive(), c.recv(1024),
// [gets $s line]): what it gives is data, not the socket's descriptor.
func (f *flow) readsFrom(rhs []token) bool {
	for j, x := range rhs {
		// Ruby, Perl and Tcl call without brackets: cmd = c.gets
		if x.kind == tokIdent && slices.Contains(f.r.recv, x.text) &&
			(j+1 < len(rhs) && rhs[j+1].text == "(" || f.lang == "tcl" || f.lang == "perl" || f.lang == "ruby") {
			return true
		}
	}
	return false
}

// createsSocket reports whether an expression calls a socket creator.
func (f *flow) createsSocket(rhs []token) bool {
	for j, x := range rhs {
		if x.kind == tokIdent && (slices.Contains(f.r.creators, x.text) || slices.Contains(f.r.creators, f.alias[x.text])) {
			// A creator is a call, a constructor (new X), Perl's X->new, or Tcl's [socket ...].
			if j+1 < len(rhs) && (rhs[j+1].text == "(" || rhs[j+1].text == "->" || rhs[j+1].text == "." || rhs[j+1].text == "::") ||
				j > 0 && (rhs[j-1].text == "new" || f.lang == "tcl" && rhs[j-1].text == "[") {
				return true
			}
		}
	}
	return false
}

// lhs returns the variable an assignment at i assigns what it computes to: the name before
// it, not a declaration's type, and of a list assignment (c, err := net.Dial(...); conn, addr
// = s.accept(); r, status = t:receive()) the first name, which takes the value itself.
func (f *flow) lhs(i int) []string {
	all := f.lhsAll(i)
	if len(all) > 1 {
		return all[len(all)-1:]
	}
	return all
}

// lhsAll returns every name of an assignment's left-hand side, last first.
func (f *flow) lhsAll(i int) []string {
	var out []string
	expectName := true
	for j := i - 1; j >= 0; j-- {
		t := f.ts[j]
		if t.kind == tokIdent {
			switch t.text {
			case "local", "my", "var", "let", "const", "our", "mut", "final", "auto":
				continue
			}
			if !expectName {
				break
			}
			out = append(out, t.text)
			expectName = false
			continue
		}
		if t.text == "," {
			expectName = true
			continue
		}
		if t.text == ":" || t.text == "(" && j > 0 && f.ts[j-1].text == "my" {
			continue
		}
		break
	}
	return out
}

// namesSocket reports whether tokens name a socket variable, as an identifier or inside a
// string (Perl's ">&S", "<&$c"), or create one in place (spawn("sh", [:in]=>TCPSocket.new(h, p))).
func (f *flow) namesSocket(ts []token) bool {
	for _, x := range ts {
		switch x.kind {
		case tokIdent:
			if f.socks[x.text] {
				return true
			}
		case tokString:
			if i := strings.IndexByte(x.text, '&'); i >= 0 {
				rest := strings.TrimLeft(x.text[i+1:], "= ")
				for s := range f.socks {
					if rest == s || strings.HasPrefix(rest, s) && len(rest) > len(s) && !isIdentPart(rest[len(s)]) {
						return true
					}
				}
			}
		}
	}
	return len(ts) < 200 && f.createsSocket(ts)
}

// receiverIsSocket reports sock.call(...), sock->call(...), sock:call(...), and a chain on
// the socket (client.socket.pipe(...)).
func (f *flow) receiverIsSocket(i int) bool {
	return slices.ContainsFunc(f.receiver(i), func(v string) bool { return f.socks[v] })
}

// receiver returns the identifiers of the dotted chain a method call at i is made on
// (process.stdin.writeln -> process, stdin).
func (f *flow) receiver(i int) []string {
	var out []string
	for j := i - 1; j >= 1; j -= 2 {
		sep := f.ts[j].text
		if sep != "." && sep != "->" && sep != ":" || f.ts[j-1].kind != tokIdent {
			break
		}
		out = append(out, f.ts[j-1].text)
	}
	return out
}

// isCall reports whether the identifier at i is called: followed by "(", or (Perl, Ruby,
// Tcl) by an argument.
func (f *flow) isCall(i int) bool {
	if i+1 >= len(f.ts) {
		return false
	}
	next := f.ts[i+1]
	if next.text == "(" {
		return true
	}
	if i > 0 && (f.ts[i-1].text == "sub" || f.ts[i-1].text == "def" || f.ts[i-1].text == "function") {
		return false
	}
	switch f.lang {
	case "perl", "ruby", "tcl":
		return next.kind == tokIdent || next.kind == tokString || next.text == "{" || next.kind == tokCommand || next.text == "[" ||
			next.kind == tokNumber && f.lang != "tcl" // syscall 33, s.fileno, 0
	}
	return false
}

// args returns the argument tokens of the call at i.
func (f *flow) args(i int) []token {
	if i+1 >= len(f.ts) {
		return nil
	}
	if f.ts[i+1].text == "(" {
		depth := 0
		for j := i + 1; j < len(f.ts); j++ {
			switch f.ts[j].text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
				if depth == 0 {
					return f.ts[i+2 : j]
				}
			}
		}
		return f.ts[i+2:]
	}
	end := i + 1
	for depth := 0; end < len(f.ts); end++ {
		switch f.ts[end].text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ";", "\n":
			if depth <= 0 {
				return f.ts[i+1 : end]
			}
		}
		if depth < 0 {
			break
		}
	}
	return f.ts[i+1 : end]
}

// dupSyscall returns the arguments after the number of a raw syscall call when the number is
// that of dup2 or dup3 (x86-64 33 and 292, i386 and 32-bit ARM 63, 330 and 358, arm64's dup3
// 24), else nil.
func dupSyscall(args []token) []token {
	if len(args) < 2 || args[0].kind != tokNumber || args[1].text != "," {
		return nil
	}
	switch args[0].text {
	case "33", "292", "63", "330", "358", "24":
		return args[2:]
	}
	return nil
}

// ontoStdio reports whether the second argument of a dup2 call is descriptor 0, 1 or 2 or
// names standard input, output or error.
func ontoStdio(args []token) bool {
	depth := 0
	for j, t := range args {
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth != 0 {
				continue
			}
			rest := args[j+1:]
			if len(rest) > 1 && rest[0].kind == tokIdent && rest[1].text == "=" {
				rest = rest[2:] // a keyword argument: os.dup2(fd=s.fileno(), fd2=0)
			}
			if len(rest) > 0 && rest[0].kind == tokNumber {
				return rest[0].text == "0" || rest[0].text == "1" || rest[0].text == "2"
			}
			for _, a := range rest {
				switch a.text {
				case "stdin", "stdout", "stderr", "STDIN", "STDOUT", "STDERR", "STDIN_FILENO", "STDOUT_FILENO", "STDERR_FILENO":
					return true
				}
			}
			return false
		}
	}
	return false
}

// loopsOverStdio reports whether a dup2 call at i targets a loop variable that runs over the
// standard descriptors: for fd in (0, 1, 2), [os.dup2(s.fileno(), f) for f in range(3)].
func (f *flow) loopsOverStdio(i int, args []token) bool {
	var target string
	for j := len(args) - 1; j >= 0; j-- {
		if args[j].kind == tokIdent {
			target = args[j].text
			break
		}
	}
	if target == "" {
		return false
	}
	lo, hi := max(0, i-40), min(len(f.ts), i+40)
	for j := lo; j+2 < hi; j++ {
		if f.ts[j].text != "for" || f.ts[j+1].text != target || f.ts[j+2].text != "in" {
			continue
		}
		var nums []string
		for k := j + 3; k < min(hi, j+12); k++ {
			if f.ts[k].kind == tokNumber {
				nums = append(nums, f.ts[k].text)
			}
		}
		if slices.Equal(nums, []string{"3"}) || slices.Contains(nums, "0") && slices.Contains(nums, "1") {
			return true
		}
	}
	return false
}

func callbackParam(args []token) string {
	for j := 0; j+1 < len(args); j++ {
		if args[j].text == "function" {
			for k := j + 1; k < len(args) && k < j+4; k++ {
				if args[k].kind == tokIdent {
					return args[k].text
				}
			}
		}
		if args[j].text == "(" && j+3 < len(args) && args[j+1].kind == tokIdent && args[j+2].text == ")" && args[j+3].text == "=>" {
			return args[j+1].text
		}
		if args[j].kind == tokIdent && args[j+1].text == "=>" {
			return args[j].text
		}
		if args[j].text == "(" && j+3 < len(args) && args[j+1].kind == tokIdent && args[j+2].text == ")" && args[j+3].text == "{" {
			return args[j+1].text // Dart: (data) { ... }
		}
	}
	return ""
}

func mentionsStdio(args []token) bool {
	for _, a := range args {
		if a.kind == tokIdent && (a.text == "STDIN" || a.text == "STDOUT" || a.text == "STDERR") {
			return true
		}
	}
	return false
}

func (f *flow) anySpawn() bool {
	for i, t := range f.ts {
		if t.kind == tokCommand || t.kind == tokIdent && slices.Contains(f.r.spawn, f.name(i)) && f.isCall(i) {
			return true
		}
	}
	return false
}

// findProcs collects the variables that hold a started program or its pipes and streams:
// assigned from a call that runs a program (p = new ProcessBuilder(cmd).start(), $process =
// proc_open(...)), proc_open's pipes argument, or an expression over such a variable
// (pi = p.getInputStream()), and the parameter of a callback a program is handed to.
func (f *flow) findProcs() {
	ts := f.ts
	for pass := 0; pass < 2; pass++ {
		for i, t := range ts {
			switch {
			case f.lang == "python" && f.isAssign(i) && opensPTY(ts[i+1:f.statementEnd(i+1)]):
				// master, slave = pty.openpty(): the pair a shell is started on, one end given
				// to it, the other read and written by the code that relays it (pid, fd =
				// pty.fork(): the child's terminal)
				for _, v := range f.lhsAll(i) {
					if !f.socks[v] {
						f.procs[v] = true
					}
				}
			case f.isAssign(i):
				rhs := ts[i+1 : f.statementEnd(i+1)]
				if f.namesSocket(rhs) && !f.spawnIn(rhs) {
					continue
				}
				if f.spawnIn(rhs) || slices.ContainsFunc(rhs, func(x token) bool { return x.kind == tokIdent && f.procs[x.text] }) {
					for _, v := range f.lhs(i) {
						if !f.socks[v] {
							f.procs[v] = true
						}
					}
				}
			case t.kind == tokIdent && f.name(i) == "proc_open" && f.isCall(i):
				if args := splitArgs(f.args(i)); len(args) >= 3 && len(args[2]) > 0 && args[2][0].kind == tokIdent {
					f.procs[args[2][0].text] = true
				}
			case f.lang == "dart" && t.kind == tokIdent && slices.Contains(f.r.spawn, t.text) && f.isCall(i):
				if p := thenParam(ts, i); p != "" {
					f.procs[p] = true
				}
			}
		}
	}
}

// opensPTY reports tokens that open a pseudo-terminal pair or fork onto one (pty.openpty(),
// os.openpty(), pty.fork(), os.forkpty()).
func opensPTY(ts []token) bool {
	for j := 2; j+1 < len(ts); j++ {
		if ts[j].kind == tokIdent && ts[j+1].text == "(" && ts[j-1].text == "." && (ts[j-2].text == "pty" || ts[j-2].text == "os") &&
			(ts[j].text == "openpty" || ts[j].text == "forkpty" || ts[j].text == "fork" && ts[j-2].text == "pty") {
			return true
		}
	}
	return false
}

// spawnIn reports a call that runs a program among tokens.
func (f *flow) spawnIn(ts []token) bool {
	for j, x := range ts {
		if x.kind == tokIdent && slices.Contains(f.r.spawn, x.text) && (j+1 < len(ts) && ts[j+1].text == "(" || j > 0 && ts[j-1].text == "new") {
			return true
		}
		if f.lang == "java" && groovyExecute(ts, j) {
			return true
		}
	}
	return false
}

// splitArgs splits argument tokens at top-level commas.
func splitArgs(ts []token) [][]token {
	var out [][]token
	depth, start := 0, 0
	for j, x := range ts {
		switch x.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 {
				out = append(out, ts[start:j])
				start = j + 1
			}
		}
	}
	return append(out, ts[start:])
}

// findReads collects the variables that hold what was read from the socket: x =
// sock.recv(...), $x = <$c> (and Perl's $_ of while (<$c>)), while cmd = c.gets, r =
// t:receive(), the parameter of sock.on("data", ...), a buffer a read fills (sysread($c,
// $buf, n), gets $s line, conn.read(&mut data)), and what is computed from any of those.
func (f *flow) findReads() {
	ts := f.ts
	defs := f.pyDefs()
	passes := 2
	if len(defs) > 0 {
		passes = 4 // recv in a method, its return, a call's result, another method's parameter
	}
	for pass := 0; pass < passes; pass++ {
		for i, t := range ts {
			switch {
			case len(defs) > 0 && t.text == "return" && t.kind == tokIdent:
				// a function that returns what was read is a read wherever it is called
				// (def reliable_receive(self): ... return json.loads(data))
				if fn := enclosingDef(defs, i); fn != "" && f.readIn(ts[i+1:f.statementEnd(i+1)]) {
					f.reads[fn] = true
				}
				continue
			case len(defs) > 0 && t.kind == tokIdent && f.isCall(i) && (i == 0 || ts[i-1].text != "def"):
				// what was read, handed to a function of the file, is read in its body too
				if d, ok := defs[t.text]; ok {
					args := splitArgs(f.args(i))
					params := d.params
					if len(params) > 0 && (params[0] == "self" || params[0] == "cls") && i >= 2 && ts[i-1].text == "." {
						params = params[1:]
					}
					for k, a := range args {
						if k < len(params) && f.readIn(a) {
							f.reads[params[k]] = true
						}
					}
				}
			}
			switch {
			case f.isAssign(i):
				end := f.statementEnd(i + 1)
				rhs := ts[i+1 : end]
				read := false
				for j, x := range rhs {
					if x.kind == tokIdent && slices.Contains(f.r.recv, x.text) && (f.namesSocket(rhs[:j]) || f.namesSocket(rhs[j:])) {
						read = true
					}
					if f.handler && x.text == "rfile" && j+2 < len(rhs) && rhs[j+1].text == "." && slices.Contains(f.r.recv, rhs[j+2].text) {
						read = true
					}
					if x.text == "<" && j+2 < len(rhs) && rhs[j+2].text == ">" && f.socks[rhs[j+1].text] {
						read = true
					}
					// Computed from what was read: in Tcl only by interpolation ("exec $line"),
					// whose variables hold lists, arrays and callbacks that flow-insensitive
					// names would mix up.
					if x.kind == tokIdent && f.reads[x.text] && f.lang != "tcl" || x.kind == tokString && f.mentionsRead(x.text) {
						read = true
					}
				}
				if read {
					for _, v := range f.lhs(i) {
						f.reads[v] = true
					}
				}
			case t.text == "<" && i+2 < len(ts) && ts[i+2].text == ">" && (f.socks[ts[i+1].text] || ts[i+1].text == "STDIN"):
				f.reads["$_"] = true
			case (f.lang == "python" || f.lang == "ruby") && t.text == "for" && i+2 < len(ts) && ts[i+1].kind == tokIdent && ts[i+2].text == "in":
				// for line in conn.makefile(): each line read from the socket
				if end := f.statementEnd(i + 3); f.namesSocket(ts[i+3:end]) || slices.ContainsFunc(ts[i+3:end], func(x token) bool { return x.kind == tokIdent && f.reads[x.text] }) {
					f.reads[ts[i+1].text] = true
				}
			case (f.lang == "ruby" || f.lang == "perl") && t.kind == tokIdent && slices.Contains(f.r.recv, t.text) && f.receiverIsSocket(i):
				// c.gets and $c->getline set $_ as well as returning the line.
				f.reads["$_"] = true
			case t.kind == tokIdent && (t.text == "on" || t.text == "once" || t.text == "listen") && f.receiverIsSocket(i) && f.isCall(i):
				args := f.args(i)
				if len(args) > 0 && (args[0].text == "data" || t.text == "listen") {
					if p := callbackParam(args); p != "" {
						f.reads[p] = true
					}
				}
			}
			// A read that fills a buffer given as an argument.
			if f.r.outArgs && t.kind == tokIdent && slices.Contains(f.r.recv, t.text) && f.isCall(i) {
				args := f.args(i)
				if !f.namesSocket(args) && !f.receiverIsSocket(i) {
					continue
				}
				for _, x := range args {
					if x.kind == tokIdent && !f.socks[x.text] && x.text != "mut" && !isNumberLike(x.text) && !slices.Contains(f.r.recv, x.text) {
						f.reads[x.text] = true
					}
				}
			}
		}
	}
}

// readIn reports tokens that hold what was read, or read from the socket themselves.
func (f *flow) readIn(ts []token) bool {
	for j, x := range ts {
		if x.kind == tokIdent && f.reads[x.text] {
			return true
		}
		if x.kind == tokIdent && slices.Contains(f.r.recv, x.text) && (f.namesSocket(ts[:j]) || f.namesSocket(ts[j:])) {
			return true
		}
	}
	return false
}

// pyDef is a Python function or method of the tokens: where it is defined and its parameters.
type pyDef struct {
	at     int
	params []string
}

// pyDefs returns the Python functions and methods the tokens define, by name (the last
// definition of a name where there are several).
func (f *flow) pyDefs() map[string]pyDef {
	if f.lang != "python" {
		return nil
	}
	var defs map[string]pyDef
	for i := 0; i+2 < len(f.ts); i++ {
		if f.ts[i].text != "def" || f.ts[i].kind != tokIdent || f.ts[i+1].kind != tokIdent || f.ts[i+2].text != "(" {
			continue
		}
		var params []string
		depth, expect := 0, true
		for j := i + 2; j < len(f.ts); j++ {
			x := f.ts[j]
			switch x.text {
			case "(", "[", "{":
				depth++
				continue
			case ")", "]", "}":
				depth--
			case ",":
				if depth == 1 {
					expect = true
				}
				continue
			}
			if depth == 0 {
				break
			}
			if depth == 1 && expect && x.kind == tokIdent {
				params = append(params, x.text)
			}
			if x.text != "*" && x.text != "**" {
				expect = false
			}
		}
		if defs == nil {
			defs = map[string]pyDef{}
		}
		defs[f.ts[i+1].text] = pyDef{at: i, params: params}
	}
	return defs
}

// enclosingDef names the function a token at i is in: the last one defined before it.
func enclosingDef(defs map[string]pyDef, i int) string {
	name, at := "", -1
	for n, d := range defs {
		if d.at < i && d.at > at {
			name, at = n, d.at
		}
	}
	return name
}

func isNumberLike(s string) bool {
	return s == "sizeof" || s == "len" || s == "strlen" || strings.ToUpper(s) == s
}

// mentionsRead reports a string that interpolates a variable read from the socket ("exec $c").
func (f *flow) mentionsRead(s string) bool {
	if !strings.Contains(s, "$") && !strings.Contains(s, "#{") {
		return false
	}
	for v := range f.reads {
		name := strings.TrimPrefix(v, "$")
		if name == "_" {
			continue
		}
		if strings.Contains(s, "$"+name) || strings.Contains(s, "${"+name) || strings.Contains(s, "#{"+name) {
			return true
		}
	}
	return false
}

// readsReachEval returns the language's eval call (exec, eval) handed what is read from the
// socket, "" for none.
func (f *flow) readsReachEval() string {
	calls := evalCalls[f.lang]
	if len(calls) == 0 || len(f.reads) == 0 && !f.exhaustive && !slices.ContainsFunc(f.ts, func(t token) bool { return slices.Contains(f.r.recv, t.text) }) {
		return ""
	}
	for i, t := range f.ts {
		if t.kind != tokIdent || !slices.Contains(calls, t.text) || !f.isCall(i) ||
			i > 0 && (f.ts[i-1].text == "." || f.ts[i-1].text == "def" || f.ts[i-1].text == "function") {
			continue
		}
		args := f.args(i)
		for j, x := range args {
			if x.kind == tokIdent && f.reads[x.text] && !f.socks[x.text] {
				return t.text
			}
			// exec(s.recv(4096)), exec(conn.recv(n).decode()): a read on the socket in the arguments
			if x.kind == tokIdent && slices.Contains(f.r.recv, x.text) && j > 0 && args[j-1].text == "." && j+1 < len(args) && args[j+1].text == "(" &&
				j >= 2 && f.socks[args[j-2].text] {
				return t.text
			}
		}
	}
	return ""
}

// readsReachSpawn reports whether a variable read from the socket (or a read on the socket
// itself) is among the arguments of a call that runs a program, or of the builder chain it
// starts (Command::new("sh").arg(cmd).output()), or inside a backtick command.
func (f *flow) readsReachSpawn() bool {
	for i, t := range f.ts {
		if t.kind == tokCommand {
			for v := range f.reads {
				if strings.HasPrefix(v, "$") && strings.Contains(t.text, v) {
					return true
				}
			}
			// Ruby's `#{line}`
			if f.mentionsRead(t.text) {
				return true
			}
			continue
		}
		if t.kind != tokIdent || !slices.Contains(f.r.spawn, f.name(i)) || !f.isCall(i) {
			continue
		}
		args := f.args(i)
		if f.declLists() || f.lang == "r" {
			args = f.ts[i+1 : f.statementEnd(i+1)]
		}
		for j, x := range args {
			if x.kind == tokIdent && f.reads[x.text] && !f.socks[x.text] && !(f.lang == "tcl" && j+1 < len(args) && args[j+1].text == "(") {
				return true
			}
			if x.kind == tokString && f.mentionsRead(x.text) {
				return true
			}
			if x.kind == tokString {
				for v := range f.reads {
					if strings.HasPrefix(v, "$") && strings.Contains(x.text, v) {
						return true
					}
				}
			}
			// pipe(readLines(s, 1)): a read on the socket in the arguments.
			if x.kind == tokIdent && slices.Contains(f.r.recv, x.text) && j+1 < len(args) && args[j+1].text == "(" {
				inner := args[j+1:]
				if k := slices.IndexFunc(inner, func(y token) bool { return y.text == ")" }); k > 0 && f.namesSocket(inner[:k]) {
					return true
				}
			}
		}
		// Perl: system $_ with no argument list is system($_).
		if f.lang == "perl" && f.reads["$_"] && i+1 < len(f.ts) && (f.ts[i+1].text == "$_" || f.ts[i+1].text == "while") {
			return true
		}
	}
	return false
}

// sendsToSocket reports a write to the socket: sock.send(...), fwrite($sock, ...), print
// $c ..., writeLines(x, s), or Perl's print to STDOUT once STDOUT is the socket (handled as dup).
func (f *flow) sendsToSocket() bool {
	for i, t := range f.ts {
		if t.kind != tokIdent || !slices.Contains(f.r.send, t.text) {
			continue
		}
		if f.receiverIsSocket(i) || f.handler && slices.Contains(f.receiver(i), "wfile") {
			return true
		}
		if f.isCall(i) {
			args := f.args(i)
			if len(args) > 0 && (f.socks[args[0].text] || args[0].text == "{" && len(args) > 1 && f.socks[args[1].text]) {
				return true
			}
			if f.lang == "r" || f.lang == "tcl" {
				for _, a := range splitArgs(args) {
					if len(a) == 1 && f.socks[a[0].text] {
						return true
					}
				}
			}
		}
	}
	return false
}

// relay reports code that copies bytes between the socket and a started program's pipes or
// streams, in either direction: a write to one of what was read from the other
// (so.write(pi.read()), fwrite($pipes[0], fread($sock, n))), or one call handed both (a
// helper or select that moves data between them: stream_select([$sock, $pipes[1]]),
// rw($socket, $pipes[0])).
func (f *flow) relay() string {
	procReads := map[string]bool{}
	for i := range f.ts {
		if !f.isAssign(i) {
			continue
		}
		rhs := f.ts[i+1 : f.statementEnd(i+1)]
		for j, x := range rhs {
			if x.kind == tokIdent && slices.Contains(f.r.recv, x.text) && (f.namesProc(rhs[:j]) || f.namesProc(rhs[j:])) && !f.namesSocket(rhs) {
				for _, v := range f.lhs(i) {
					procReads[v] = true
				}
			}
		}
	}
	for i, t := range f.ts {
		if t.kind != tokIdent || !f.isCall(i) {
			continue
		}
		args := f.args(i)
		send := slices.Contains(f.r.send, t.text) || t.text == "fwrite" || t.text == "write" || t.text == "writeln"
		if send {
			toSock := f.receiverIsSocket(i) || len(args) > 0 && f.socks[args[0].text]
			toProc := slices.ContainsFunc(f.receiver(i), func(v string) bool { return f.procs[v] }) || len(args) > 0 && f.procs[args[0].text]
			fromProc := f.namesProc(args) || slices.ContainsFunc(args, func(x token) bool { return x.kind == tokIdent && procReads[x.text] })
			fromSock := f.namesSocket(args) && !toSock || slices.ContainsFunc(args, func(x token) bool { return x.kind == tokIdent && f.reads[x.text] })
			if toSock && fromProc {
				return "copies a shell's output to the socket (" + t.text + ")"
			}
			if toProc && fromSock {
				return "copies what the socket sends into a shell (" + t.text + ")"
			}
			continue
		}
		if slices.Contains(f.r.spawn, f.name(i)) {
			continue
		}
		var sock, proc bool
		if slices.ContainsFunc(f.receiver(i), func(v string) bool { return f.procs[v] }) {
			proc = true // p.consumeProcessOutput(out, err), p.waitForProcessOutput(out, err)
		}
		for _, a := range splitArgs(args) {
			for _, x := range a {
				if x.kind == tokIdent && f.socks[x.text] {
					sock = true
				}
				if x.kind == tokIdent && f.procs[x.text] {
					proc = true
				}
			}
		}
		if sock && proc {
			return "moves data between the socket and a shell's pipes (" + t.text + ")"
		}
	}
	return ""
}

// namesProc reports tokens that name a program's pipes or streams.
func (f *flow) namesProc(ts []token) bool {
	return slices.ContainsFunc(ts, func(x token) bool { return x.kind == tokIdent && f.procs[x.text] })
}

// closureParams returns the parameters of a Groovy closure opening at i ({ a, b -> ...} or
// ({ a, b -> ...})), nil when there is none.
func closureParams(ts []token, i int) []string {
	if i < len(ts) && ts[i].text == "(" {
		i++
	}
	if i >= len(ts) || ts[i].text != "{" {
		return nil
	}
	var out []string
	for j := i + 1; j < len(ts) && j < i+12; j++ {
		switch {
		case ts[j].text == "->":
			return out
		case ts[j].kind == tokIdent:
			out = append(out, ts[j].text)
		case ts[j].text != ",":
			return nil
		}
	}
	return nil
}

// groovyExecute reports Groovy's String.execute() or List.execute() at j on a literal command
// ("sh -i".execute(), ["/bin/sh", "-i"].execute()): it starts the program the literal names.
// JDBC statements and executors have execute methods too, on variables, not literals.
func groovyExecute(ts []token, j int) bool {
	if ts[j].text != "execute" || j < 2 || j+1 >= len(ts) || ts[j+1].text != "(" || ts[j-1].text != "." {
		return false
	}
	return ts[j-2].kind == tokString || ts[j-2].text == "]"
}
