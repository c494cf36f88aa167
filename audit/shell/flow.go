package shell

import (
	"regexp"
	"slices"
	"strings"
)

// langRule names, for one language, the calls a reverse or bind shell is made of. The
// detector follows the socket: which variables hold it (or its descriptor), and whether
// those reach the calls that make it a program's standard streams, or whether what is read
// from it reaches a call that runs a program while its output is sent back.
type langRule struct {
	creators []string // calls whose result is a connected (or accepted) socket
	firstArg []string // calls whose first argument becomes a socket handle (Perl's socket, accept)
	dup      []string // calls that make a socket a program's standard streams, when their arguments name it
	spawn    []string // calls that run a program
	recv     []string // calls that read from a socket
	send     []string // calls that write to one
}

var langRules = map[string]langRule{
	"python": {creators: []string{"socket", "create_connection", "fromfd", "accept", "wrap_socket", "socketpair"},
		dup: []string{"dup2"},
		spawn: []string{"system", "popen", "Popen", "call", "run", "check_output", "check_call", "getoutput", "getstatusoutput",
			"spawn", "execv", "execve", "execl", "execlp", "execvp", "execvpe", "posix_spawn", "spawnl", "spawnv"},
		recv: []string{"recv", "recvfrom", "recv_into", "makefile", "readline", "read"}, send: []string{"send", "sendall", "write", "sendto"}},
	"perl": {creators: []string{"IO::Socket::INET", "IO::Socket::IP", "IO::Socket::SSL", "IO::Socket::INET6", "accept"},
		firstArg: []string{"socket", "accept"},
		dup:      []string{"open", "fdopen", "dup2"},
		spawn:    []string{"exec", "system", "qx", "open"},
		recv:     []string{"sysread", "recv", "readline", "getline", "read"}, send: []string{"print", "syswrite", "send", "printf", "write"}},
	"ruby": {creators: []string{"TCPSocket", "TCPServer", "accept", "tcp", "SSLSocket", "UNIXSocket", "Socket"},
		dup:   []string{"reopen", "spawn", "exec", "system", "popen", "popen3"},
		spawn: []string{"exec", "spawn", "system", "popen", "popen3", "capture2", "capture3", "capture2e", "pty"},
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
	"tcl": {creators: []string{"socket"}, spawn: []string{"exec", "open", "eval"}, recv: []string{"gets", "read"}, send: []string{"puts"}},
	"go": {creators: []string{"Dial", "DialTimeout", "DialTCP", "Accept"}, spawn: []string{"Command", "CommandContext", "StartProcess", "ForkExec"},
		recv: []string{"Read", "ReadString"}, send: []string{"Write", "WriteString"}},
}

var (
	shellString   = regexp.MustCompile(`^\s*(/usr)?(/bin/)?(ba|da|z|k|a|mk)?sh(\s+-[a-z]*i[a-z]*)?\s*$|^\s*(cmd(\.exe)?|powershell(\.exe)?|pwsh)\s*$|^\s*(/usr)?(/bin/)?(ba|da|z|k|a)?sh\s+-[a-z]*i\b|(^|\s|;)(/usr)?/bin/(ba|da|z|k|a)?sh\b`)
	fdRedirString = regexp.MustCompile(`[<>]&\s*(%d|%s|[0-9]+|\$\w+|#\{)`)
)

// flow is the socket-following view of a window of tokens.
type flow struct {
	ts    []token
	lang  string
	r     langRule
	socks map[string]bool // variables holding the socket or its descriptor
	reads map[string]bool // variables holding what was read from it
}

// reverseShell reports why the tokens join a socket to a shell, or "".
func reverseShell(ts []token, lang string, r langRule) string {
	f := &flow{ts: ts, lang: lang, r: r, socks: map[string]bool{}, reads: map[string]bool{}}
	f.findSockets()
	if len(f.socks) == 0 {
		return ""
	}
	f.findReads()
	shell := false
	for _, t := range ts {
		if t.kind == tokString && shellString.MatchString(t.text) {
			shell = true
			break
		}
	}
	// The socket made a program's standard streams, and a shell (or any program) run.
	for i, t := range ts {
		if t.kind != tokIdent || !slices.Contains(r.dup, t.text) || !f.isCall(i) {
			continue
		}
		args := f.args(i)
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
		spawnsHere := slices.Contains(r.spawn, t.text)
		if shell || spawnsHere || f.anySpawn() {
			return "makes the socket a program's standard streams (" + t.text + ") and runs a shell"
		}
	}
	// Go: a command given the connection as its standard streams (cmd.Stdin = conn).
	if lang == "go" {
		for i := 0; i+3 < len(ts); i++ {
			if ts[i].text == "." && (ts[i+1].text == "Stdin" || ts[i+1].text == "Stdout") && ts[i+2].text == "=" &&
				f.namesSocket(ts[i+3:min(len(ts), i+8)]) && (shell || f.anySpawn()) {
				return "gives a command the connection as its " + ts[i+1].text
			}
		}
	}
	// A program run with the socket as its standard streams (stdin=s, [:in, :out]=>s,
	// array(0=>$sock), {stdio: [c, c, c]}) or a shell command whose streams are redirected
	// onto the socket's descriptor.
	for i, t := range ts {
		if t.kind != tokIdent || !slices.Contains(r.spawn, t.text) || !f.isCall(i) {
			continue
		}
		args := f.args(i)
		if f.namesSocket(args) && (shell || slices.ContainsFunc(args, func(x token) bool { return x.kind == tokString && x.text == "-i" })) {
			return "runs a shell with the socket as its standard streams (" + t.text + ")"
		}
		for _, x := range args {
			if x.kind == tokString && fdRedirString.MatchString(x.text) && (shellString.MatchString(x.text) || strings.Contains(x.text, "sh ")) {
				return "runs a shell whose streams are redirected onto the socket (" + oneLine(x.text, 60) + ")"
			}
		}
	}
	// A backtick or qx command whose streams are redirected onto the socket's descriptor.
	for _, t := range ts {
		if t.kind == tokCommand && fdRedirString.MatchString(t.text) && (shellString.MatchString(t.text) || strings.Contains(t.text, "sh ")) {
			return "runs a shell whose streams are redirected onto the socket (" + oneLine(t.text, 60) + ")"
		}
	}
	// What is read from the socket run as a command, and the output sent back.
	if len(f.reads) > 0 && f.readsReachSpawn() && f.sendsToSocket() {
		return "runs the commands it reads from the socket and sends back the output"
	}
	return ""
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
		}
	}
	return len(f.ts)
}

// findSockets collects the variables that hold a socket: assigned from a creator call (or
// from an expression over another such variable: its descriptor), named as the first
// argument of Perl's socket(), or the parameter of a server's connection callback.
func (f *flow) findSockets() {
	ts := f.ts
	for pass := 0; pass < 2; pass++ {
		for i, t := range ts {
			switch {
			case t.text == "=" && i > 0:
				end := f.statementEnd(i + 1)
				rhs := ts[i+1 : end]
				if !f.createsSocket(rhs) && !f.namesSocket(rhs) {
					continue
				}
				for _, v := range f.lhs(i) {
					f.socks[v] = true
				}
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
			}
		}
	}
}

// createsSocket reports whether an expression calls a socket creator.
func (f *flow) createsSocket(rhs []token) bool {
	for j, x := range rhs {
		if x.kind == tokIdent && slices.Contains(f.r.creators, x.text) {
			// A creator is a call, a constructor (new X), or Perl's X->new.
			if j+1 < len(rhs) && (rhs[j+1].text == "(" || rhs[j+1].text == "->" || rhs[j+1].text == "." || rhs[j+1].text == "::") ||
				j > 0 && rhs[j-1].text == "new" {
				return true
			}
		}
	}
	return false
}

// lhs returns the variables an assignment at i assigns.
func (f *flow) lhs(i int) []string {
	var out []string
	for j := i - 1; j >= 0; j-- {
		t := f.ts[j]
		if t.kind == tokIdent {
			switch t.text {
			case "local", "my", "var", "let", "const", "our":
				continue
			}
			out = append(out, t.text)
			continue
		}
		if t.text == "," || t.text == ":" || t.text == "(" && j > 0 && f.ts[j-1].text == "my" {
			continue
		}
		break
	}
	return out
}

// namesSocket reports whether tokens name a socket variable, as an identifier or inside a
// string (Perl's ">&S", "<&$c").
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
	return false
}

// receiverIsSocket reports sock.call(...), sock->call(...), sock:call(...).
func (f *flow) receiverIsSocket(i int) bool {
	return i >= 2 && (f.ts[i-1].text == "." || f.ts[i-1].text == "->" || f.ts[i-1].text == ":") && f.ts[i-2].kind == tokIdent && f.socks[f.ts[i-2].text]
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
		return next.kind == tokIdent || next.kind == tokString || next.text == "{" || next.kind == tokCommand || next.text == "["
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
	return f.ts[i+1 : f.statementEnd(i+1)]
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
		if t.kind == tokCommand || t.kind == tokIdent && slices.Contains(f.r.spawn, t.text) && f.isCall(i) {
			return true
		}
	}
	return false
}

// findReads collects the variables that hold what was read from the socket: x =
// sock.recv(...), $x = <$c> (and Perl's $_ of while (<$c>)), while cmd = c.gets, r =
// t:receive(), the parameter of sock.on("data", ...).
func (f *flow) findReads() {
	ts := f.ts
	for i, t := range ts {
		switch {
		case t.text == "=" && i > 0:
			end := f.statementEnd(i + 1)
			rhs := ts[i+1 : end]
			read := false
			for j, x := range rhs {
				if x.kind == tokIdent && slices.Contains(f.r.recv, x.text) && (f.namesSocket(rhs[:j]) || f.namesSocket(rhs[j:])) {
					read = true
				}
				if x.text == "<" && j+2 < len(rhs) && rhs[j+2].text == ">" && f.socks[rhs[j+1].text] {
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
		case (f.lang == "ruby" || f.lang == "perl") && t.kind == tokIdent && slices.Contains(f.r.recv, t.text) && f.receiverIsSocket(i):
			// c.gets and $c->getline set $_ as well as returning the line.
			f.reads["$_"] = true
		case t.kind == tokIdent && (t.text == "on" || t.text == "once") && f.receiverIsSocket(i) && f.isCall(i):
			args := f.args(i)
			if len(args) > 0 && args[0].text == "data" {
				if p := callbackParam(args); p != "" {
					f.reads[p] = true
				}
			}
		}
	}
}

// readsReachSpawn reports whether a variable read from the socket is among the arguments
// of a call that runs a program (or inside a backtick command).
func (f *flow) readsReachSpawn() bool {
	for i, t := range f.ts {
		if t.kind == tokCommand {
			for v := range f.reads {
				if strings.HasPrefix(v, "$") && strings.Contains(t.text, v) {
					return true
				}
			}
			continue
		}
		if t.kind != tokIdent || !slices.Contains(f.r.spawn, t.text) || !f.isCall(i) {
			continue
		}
		for _, x := range f.args(i) {
			if x.kind == tokIdent && f.reads[x.text] {
				return true
			}
			if x.kind == tokString {
				for v := range f.reads {
					if strings.HasPrefix(v, "$") && strings.Contains(x.text, v) {
						return true
					}
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
// $c ..., or Perl's print to STDOUT once STDOUT is the socket (handled as dup).
func (f *flow) sendsToSocket() bool {
	for i, t := range f.ts {
		if t.kind != tokIdent || !slices.Contains(f.r.send, t.text) {
			continue
		}
		if f.receiverIsSocket(i) {
			return true
		}
		if f.isCall(i) {
			args := f.args(i)
			if len(args) > 0 && (f.socks[args[0].text] || args[0].text == "{" && len(args) > 1 && f.socks[args[1].text]) {
				return true
			}
		}
	}
	return false
}
