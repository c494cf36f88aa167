package shell

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/strata-forensics/strata/audit"
)

// tokKind is the kind of a token.
type tokKind uint8

const (
	tokIdent tokKind = iota
	tokString
	tokNumber
	tokPunct
	tokCommand // a backtick or qx command string
)

type token struct {
	kind tokKind
	text string
}

// tokenizer settings per language.
type langSyntax struct {
	hashComment  bool // # to end of line
	slashComment bool // // and /* */
	dashComment  bool // -- and --[[ ]] (Lua)
	triple       bool // Python's ''' and """
	backtick     string
	caseFold     bool // identifiers are case-insensitive (PHP functions)
	concat       []string
}

var syntaxOf = map[string]langSyntax{
	"python": {hashComment: true, triple: true, concat: []string{"+"}},
	"perl":   {hashComment: true, backtick: "command", concat: []string{"."}},
	"ruby":   {hashComment: true, backtick: "command", concat: []string{"+", "<<"}},
	"php":    {hashComment: true, slashComment: true, backtick: "command", caseFold: true, concat: []string{"."}},
	"node":   {slashComment: true, backtick: "string", concat: []string{"+"}},
	"lua":    {dashComment: true, concat: []string{".."}},
	"awk":    {hashComment: true},
	"tcl":    {hashComment: true},
}

// tokenize splits code into identifiers, strings (unescaped), numbers and punctuation,
// dropping comments. It never fails: what it cannot read is punctuation.
func tokenize(code []byte, lang string) []token {
	ls := syntaxOf[lang]
	var out []token
	n := len(code)
	for i := 0; i < n; {
		c := code[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			i++
		case ls.hashComment && c == '#' && !(lang == "perl" && i > 0 && code[i-1] == '$'):
			for i < n && code[i] != '\n' {
				i++
			}
		case ls.slashComment && c == '/' && i+1 < n && code[i+1] == '/':
			for i < n && code[i] != '\n' {
				i++
			}
		case ls.slashComment && c == '/' && i+1 < n && code[i+1] == '*':
			end := bytes.Index(code[i+2:], []byte("*/"))
			if end < 0 {
				i = n
			} else {
				i += end + 4
			}
		case ls.dashComment && c == '-' && i+1 < n && code[i+1] == '-':
			if bytes.HasPrefix(code[i+2:], []byte("[[")) {
				end := bytes.Index(code[i+4:], []byte("]]"))
				if end < 0 {
					i = n
				} else {
					i += end + 6
				}
				continue
			}
			for i < n && code[i] != '\n' {
				i++
			}
		case lang == "lua" && c == '[' && i+1 < n && code[i+1] == '[':
			end := bytes.Index(code[i+2:], []byte("]]"))
			if end < 0 {
				end = n - i - 2
			}
			out = append(out, token{tokString, string(code[i+2 : i+2+end])})
			i += end + 4
		case ls.triple && (c == '\'' || c == '"') && i+2 < n && code[i+1] == c && code[i+2] == c:
			q := string(code[i : i+3])
			end := bytes.Index(code[i+3:], []byte(q))
			if end < 0 {
				end = n - i - 3
			}
			out = append(out, token{tokString, unescapeString(string(code[i+3:i+3+end]), lang)})
			i += end + 6
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < n && code[j] != c {
				if code[j] == '\\' {
					j++
				}
				j++
			}
			body := string(code[i+1 : min(j, n)])
			kind := tokString
			if c == '`' && ls.backtick == "command" {
				kind = tokCommand
			}
			if c == '\'' && (lang == "perl" || lang == "php" || lang == "ruby") {
				body = strings.ReplaceAll(strings.ReplaceAll(body, `\'`, `'`), `\\`, `\`)
			} else {
				body = unescapeString(body, lang)
			}
			out = append(out, token{kind, body})
			i = j + 1
		case isIdentStart(c) || c >= 0x80:
			j := i + 1
			for j < n && (isIdentPart(code[j]) || code[j] >= 0x80 || lang == "node" && code[j] == '$' || lang == "perl" && code[j] == ':' && j+1 < n && code[j+1] == ':' ||
				lang == "perl" && j > 0 && code[j-1] == ':' && code[j] == ':') {
				j++
			}
			id := string(code[i:j])
			if lang == "perl" && (id == "q" || id == "qq" || id == "qx") && j < n && strings.IndexByte("{(/[|!<", code[j]) >= 0 {
				open := code[j]
				close := map[byte]byte{'{': '}', '(': ')', '[': ']', '<': '>', '/': '/', '|': '|', '!': '!'}[open]
				k := bytes.IndexByte(code[j+1:], close)
				if k < 0 {
					k = n - j - 1
				}
				kind := tokString
				if id == "qx" {
					kind = tokCommand
				}
				out = append(out, token{kind, string(code[j+1 : j+1+k])})
				i = j + k + 2
				continue
			}
			if ls.caseFold {
				id = strings.ToLower(id)
			}
			out = append(out, token{tokIdent, id})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < n && (isIdentPart(code[j]) || code[j] == '.') {
				j++
			}
			out = append(out, token{tokNumber, string(code[i:j])})
			i = j
		default:
			for _, op := range []string{"|&", "..", "::", "->", "=>", "<<", "+="} {
				if bytes.HasPrefix(code[i:], []byte(op)) {
					out = append(out, token{tokPunct, op})
					i += len(op)
					goto next
				}
			}
			out = append(out, token{tokPunct, string(c)})
			i++
		next:
		}
	}
	return fold(out, lang)
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// unescapeString expands the escapes of a double-quoted string.
func unescapeString(s, lang string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return unquoteC(s)
}

// fold joins what the code builds strings from: concatenated literals ("/bin/"+"sh"),
// chr(47)-style character codes and String.fromCharCode(...).
func fold(ts []token, lang string) []token {
	ops := syntaxOf[lang].concat
	out := ts[:0:0]
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		// chr(N) / chr(N) . chr(M): one character.
		if t.kind == tokIdent && (t.text == "chr" || t.text == "char") && i+3 < len(ts) && ts[i+1].text == "(" &&
			ts[i+2].kind == tokNumber && ts[i+3].text == ")" {
			if n, err := strconv.ParseInt(ts[i+2].text, 0, 32); err == nil && n >= 0 && n < 0x110000 {
				t = token{tokString, string(rune(n))}
				i += 3
			}
		}
		// String.fromCharCode(a, b, c)
		if t.kind == tokIdent && t.text == "fromCharCode" && i+1 < len(ts) && ts[i+1].text == "(" {
			var b strings.Builder
			j := i + 2
			for ; j < len(ts) && ts[j].text != ")"; j++ {
				if ts[j].kind == tokNumber {
					if n, err := strconv.ParseInt(ts[j].text, 0, 32); err == nil && n >= 0 && n < 0x110000 {
						b.WriteRune(rune(n))
					}
				}
			}
			if j < len(ts) {
				if len(out) >= 2 && out[len(out)-1].text == "." && out[len(out)-2].text == "String" {
					out = out[:len(out)-2]
				}
				t = token{tokString, b.String()}
				i = j
			}
		}
		if t.kind == tokString && len(out) >= 2 && out[len(out)-2].kind == tokString && slices.Contains(ops, out[len(out)-1].text) {
			out[len(out)-2].text += t.text
			out = out[:len(out)-1]
			continue
		}
		// Adjacent literals join too (Python, awk).
		if t.kind == tokString && len(out) >= 1 && out[len(out)-1].kind == tokString && (lang == "python" || lang == "awk") {
			out[len(out)-1].text += t.text
			continue
		}
		out = append(out, t)
	}
	return out
}

// langRule is what one language's reverse shell is made of, as identifiers and strings.
type langRule struct {
	connect  []string // identifiers that open a connection (or listen on one)
	needs    []string // one of these must also be there for connect to count (the socket module)
	fd       []string // identifiers that make the socket a process's standard streams
	spawn    []string // identifiers that run a program
	recv     []string // identifiers that read from the connection
	send     []string // identifiers that write to it
	evalCode []string // identifiers that run code given as a string (decoded stages)
}

var langRules = map[string]langRule{
	"python": {connect: []string{"connect", "connect_ex", "create_connection", "bind"}, needs: []string{"socket"},
		fd:    []string{"dup2", "fdopen", "fileno"},
		spawn: []string{"system", "popen", "Popen", "call", "run", "check_output", "check_call", "getoutput", "getstatusoutput", "spawn", "execv", "execve", "execl", "execlp", "execvp", "execvpe", "posix_spawn", "spawnl"},
		recv:  []string{"recv", "recvfrom", "recv_into", "makefile", "readline"}, send: []string{"send", "sendall", "write"},
		evalCode: []string{"exec", "eval", "compile"}},
	"perl": {connect: []string{"connect", "IO::Socket::INET", "IO::Socket::IP", "IO::Socket::SSL", "bind"},
		fd:    []string{"fdopen", "dup2", "STDIN", "STDOUT"},
		spawn: []string{"exec", "system", "open", "qx"}, recv: []string{"sysread", "recv", "readline", "getline"},
		send: []string{"print", "syswrite", "send", "printf"}, evalCode: []string{"eval"}},
	"ruby": {connect: []string{"TCPSocket", "TCPServer", "tcp", "connect", "UNIXSocket", "SSLSocket"},
		fd:    []string{"reopen", "in", "out", "err", "fileno", "to_i"},
		spawn: []string{"exec", "spawn", "system", "popen", "popen3", "capture2", "capture3", "pty"},
		recv:  []string{"gets", "read", "recv", "readline", "each_line", "readpartial"}, send: []string{"print", "puts", "write", "send"},
		evalCode: []string{"eval", "instance_eval", "class_eval"}},
	"php": {connect: []string{"fsockopen", "pfsockopen", "stream_socket_client", "socket_connect", "stream_socket_server", "socket_bind"},
		fd:    []string{"proc_open"},
		spawn: []string{"exec", "shell_exec", "system", "passthru", "popen", "proc_open", "pcntl_exec"},
		recv:  []string{"fread", "fgets", "socket_read", "stream_get_line", "fgetc", "stream_get_contents"},
		send:  []string{"fwrite", "fputs", "socket_write", "stream_socket_sendto"}, evalCode: []string{"eval", "assert", "create_function"}},
	"node": {connect: []string{"connect", "createConnection", "Socket", "createServer"}, needs: []string{"net", "tls", "Socket"},
		fd:    []string{"pipe"},
		spawn: []string{"spawn", "exec", "execSync", "execFile", "fork", "spawnSync", "execFileSync"},
		recv:  []string{"on", "once", "data"}, send: []string{"write", "end"}, evalCode: []string{"eval", "Function", "runInNewContext", "runInThisContext"}},
	"lua": {connect: []string{"tcp", "connect", "bind"}, needs: []string{"socket"},
		spawn: []string{"execute", "popen"}, recv: []string{"receive"}, send: []string{"send"}, evalCode: []string{"load", "loadstring", "dostring"}},
	"tcl": {connect: []string{"socket"}, spawn: []string{"exec", "open", "eval"}, recv: []string{"gets", "read"}, send: []string{"puts"},
		evalCode: []string{"eval", "uplevel"}},
}

// langCode analyses code in an interpreted language.
func (a *analysis) langCode(s *syntax.Stmt, lang string, code []byte) {
	if a.nesting > maxNesting || a.budget <= 0 || len(code) == 0 {
		return
	}
	a.nesting++
	defer func() { a.nesting-- }()
	if lang == "shell" {
		a.shellText(code, fdset{})
		return
	}
	if lang == "awk" {
		a.awk(s, code)
		return
	}
	ts := tokenize(code, lang)
	a.budget -= len(ts) / 64
	rule, ok := langRules[lang]
	if !ok {
		return
	}
	evidence := ""
	if s != nil {
		evidence = a.evidence(s)
	}
	// Small code is one unit; a big file is looked at in overlapping windows, so that a
	// library that connects somewhere and spawns something elsewhere is not one shell.
	const window, step = 1500, 750
	found := false
	for start := 0; start < len(ts) && !found; start += step {
		end := min(start+window, len(ts))
		if why := langReverseShell(ts[start:end], lang, rule); why != "" {
			ev := evidence
			if ev == "" {
				ev = snippet(ts[start:end])
			}
			h := hit{kind: hitLang, lang: lang, evidence: ev, chain: slices.Clone(a.chain), place: a.place, detail: why,
				from: endpointInTokens(ts[start:end])}
			if s != nil {
				h.line = a.line(s)
			}
			a.hits.add(h)
			found = true
		}
		if end == len(ts) {
			break
		}
	}
	// Strings that are code: shell commands the program runs, and encoded stages.
	for _, t := range ts {
		if t.kind != tokString && t.kind != tokCommand || len(t.text) < 8 {
			continue
		}
		if t.kind == tokCommand || hasShellTrigger([]byte(t.text)) && shellish(t.text) {
			a.stringCode(s, "shell", []byte(t.text), nil)
			continue
		}
		if len(t.text) >= 16 {
			if d, kind := decodeLiteral(t.text); d != nil {
				a.stringCode(s, lang, d, kind)
			}
		}
	}
}

// stringCode analyses a string literal that is code, adding the decodings that revealed it.
func (a *analysis) stringCode(s *syntax.Stmt, lang string, code []byte, chain []string) {
	saved := a.chain
	a.chain = append(slices.Clone(a.chain), chain...)
	defer func() { a.chain = saved }()
	if len(chain) > 0 && s != nil {
		a.hitAt(hitDecodeRun, s, val{}, lang)
	}
	if lang == "shell" {
		a.shellText(code, fdset{})
		return
	}
	a.langCode(s, lang, code)
}

// shellish reports whether a string reads as a shell command line rather than prose.
func shellish(s string) bool {
	f := strings.Fields(s)
	return len(f) >= 2 && len(f) < 200 && !strings.Contains(s, ". ") || strings.Contains(s, "/dev/tcp/")
}

// decodeLiteral decodes a string literal that is base64 or hex of text (or of zlib/gzip
// compressed text), as encoded stages are.
func decodeLiteral(s string) ([]byte, []string) {
	clean := strings.TrimSpace(s)
	if len(clean)%2 == 0 && isAllHex(clean) && len(clean) >= 32 {
		if d, err := hex.DecodeString(clean); err == nil && audit.Printable(d) {
			return d, []string{"hex"}
		}
	}
	if !isAllBase64(clean) {
		return nil, nil
	}
	d, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		d, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
	}
	if err != nil || len(d) == 0 {
		return nil, nil
	}
	if audit.Printable(d) {
		return d, []string{"base64"}
	}
	if zr, err := zlib.NewReader(bytes.NewReader(d)); err == nil {
		if out, err := io.ReadAll(io.LimitReader(zr, maxValueBytes)); (err == nil || len(out) > 0) && audit.Printable(out) {
			return out, []string{"base64", "zlib"}
		}
	}
	if t, ok := decodeAs("gzip", val{s: string(d)}); ok && audit.Printable([]byte(t)) {
		return []byte(t), []string{"base64", "gzip"}
	}
	return nil, nil
}

func isAllHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return s != ""
}

func isAllBase64(s string) bool {
	if len(s) < 16 {
		return false
	}
	upper, lower := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' && i >= len(s)-2:
		default:
			return false
		}
	}
	return upper && lower
}

var shellString = regexp.MustCompile(`^\s*(/usr)?(/bin/)?(ba|da|z|k|a|mk)?sh(\s+-[a-z]*i[a-z]*)?\s*$|^\s*(cmd(\.exe)?|powershell(\.exe)?|pwsh)\s*$|^\s*(/usr)?(/bin/)?(ba|da|z|k|a)?sh\s+-i\b|(^|\s)(/usr)?/bin/(ba|da|z|k|a)?sh\b`)

var fdRedirString = regexp.MustCompile(`[<>]&\s*(%d|[0-9]+|\$\w+|#\{)|<&%s|>&%s`)

// langReverseShell reports why the tokens are a reverse or bind shell, or "".
func langReverseShell(ts []token, lang string, r langRule) string {
	idents := map[string]bool{}
	var strs []string
	for i, t := range ts {
		switch t.kind {
		case tokIdent:
			idents[t.text] = true
			// Perl's and Ruby's package paths arrive as one identifier; PHP's and JS's member
			// calls as several.
			if strings.Contains(t.text, "::") {
				for _, p := range strings.Split(t.text, "::") {
					idents[p] = true
				}
			}
			_ = i
		case tokString:
			strs = append(strs, t.text)
		case tokCommand:
			idents["`"] = true
		}
	}
	has := func(names []string) string {
		for _, n := range names {
			if idents[n] {
				return n
			}
		}
		return ""
	}
	hasString := func(f func(string) bool) bool { return slices.ContainsFunc(strs, f) }
	connect := has(r.connect)
	if connect == "" {
		// __import__("socket"), require("net"): module names arrive as strings.
		return ""
	}
	if len(r.needs) > 0 && has(r.needs) == "" && !hasString(func(s string) bool { return slices.Contains(r.needs, s) }) {
		return ""
	}
	shell := hasString(func(s string) bool { return shellString.MatchString(s) })
	fdString := hasString(func(s string) bool { return fdRedirString.MatchString(s) })
	spawn := has(r.spawn) != "" || idents["`"]
	recv, send := has(r.recv) != "", has(r.send) != ""
	switch lang {
	case "python":
		pty := idents["pty"] && idents["spawn"]
		fdOnto := idents["dup2"] || idents["fdopen"] || idents["stdin"] && idents["stdout"] && idents["fileno"]
		switch {
		case pty && shell:
			return "connects a socket (" + connect + ") and spawns a shell on a pty"
		case fdOnto && (shell || spawn) && (shell || pty):
			return "connects a socket (" + connect + "), makes it the standard streams and runs a shell"
		case fdString && spawn:
			return "connects a socket and runs a shell redirected onto it"
		case recv && send && recvFlowsToSpawn(ts, r):
			return "connects a socket, runs the commands it reads and sends back the output"
		}
	case "perl":
		stdio := (idents["STDIN"] || idents["STDOUT"]) && hasString(func(s string) bool {
			s = strings.TrimSpace(s)
			return strings.HasPrefix(s, ">&") || strings.HasPrefix(s, "<&") || strings.HasPrefix(s, "+<&")
		})
		fdopen := idents["fdopen"] || idents["dup2"]
		loop := idents["while"] && (idents["system"] || idents["`"] || idents["qx"] || idents["exec"])
		switch {
		case (stdio || fdopen) && (shell || loop || idents["system"] || idents["exec"]):
			return "connects a socket (" + connect + "), reopens the standard streams on it and runs a shell"
		case fdString && spawn:
			return "connects a socket and runs a shell redirected onto it"
		case send && recvFlowsToSpawn(ts, r):
			return "connects a socket, runs the commands it reads and sends back the output"
		}
	case "ruby":
		switch {
		case fdString && spawn:
			return "connects a socket (" + connect + ") and runs a shell redirected onto it"
		case (idents["reopen"] || (idents["in"] || idents["out"]) && idents["spawn"]) && (shell || spawn):
			return "connects a socket (" + connect + ") and gives a shell its streams"
		case recv && send && recvFlowsToSpawn(ts, r):
			return "connects a socket, runs the commands it reads and sends back the output"
		}
	case "php":
		switch {
		case fdString && spawn:
			return "opens a socket (" + connect + ") and runs a shell redirected onto it"
		case idents["proc_open"] && shell:
			return "opens a socket (" + connect + ") and gives a shell process its streams"
		case recv && send && recvFlowsToSpawn(ts, r):
			return "opens a socket, runs the commands it reads and sends back the output"
		}
	case "node":
		pipes := 0
		for i := 0; i+1 < len(ts); i++ {
			if ts[i].text == "pipe" && ts[i+1].text == "(" {
				pipes++
			}
		}
		streams := idents["stdin"] && idents["stdout"]
		data := hasString(func(s string) bool { return s == "data" })
		switch {
		case spawn && (shell || has([]string{"spawn"}) != "" && streams) && pipes >= 2 && streams:
			return "connects a socket (" + connect + ") and pipes a shell's streams through it both ways"
		case spawn && shell && streams && pipes >= 1:
			return "connects a socket (" + connect + ") and pipes a shell's streams through it"
		case spawn && data && send && recvFlowsToSpawn(ts, r):
			return "connects a socket, runs the commands it reads and sends back the output"
		}
	case "lua":
		switch {
		case fdString && spawn:
			return "connects a socket (" + connect + ") and runs a shell redirected onto it"
		case recv && send && recvFlowsToSpawn(ts, r):
			return "connects a socket, runs the commands it reads and sends back the output"
		}
	case "tcl":
		if recv && send && (idents["exec"] || idents["eval"]) {
			return "opens a socket, runs the commands it reads and sends back the output"
		}
	}
	return ""
}

// recvFlowsToSpawn reports whether what the code reads from its connection reaches a call
// that runs a program: a variable assigned from a read (x = s.recv(...), $x = <$c>, while
// cmd = c.gets, local r = t:receive(), function(d) of an on("data") handler, Perl's $_ of
// while(<$c>)) that appears among the arguments of a spawn call.
func recvFlowsToSpawn(ts []token, r langRule) bool {
	isRecv := func(t token) bool { return t.kind == tokIdent && slices.Contains(r.recv, t.text) }
	isSpawn := func(t token) bool { return t.kind == tokIdent && slices.Contains(r.spawn, t.text) }
	vars := map[string]bool{}
	for i, t := range ts {
		switch {
		case t.text == "=" && i > 0 && (ts[i-1].kind == tokIdent):
			// x = ... recv(  (within the statement)
			for j := i + 1; j < len(ts) && j < i+12; j++ {
				if ts[j].text == ";" || ts[j].text == "\n" {
					break
				}
				if isRecv(ts[j]) {
					for k := i - 1; k >= 0 && k >= i-4; k-- {
						if ts[k].kind == tokIdent {
							vars[ts[k].text] = true
						}
						if ts[k].text != "," && ts[k].kind != tokIdent {
							break
						}
					}
					break
				}
			}
		case t.text == "<" && i+2 < len(ts) && ts[i+1].kind == tokIdent && ts[i+2].text == ">":
			vars["$_"] = true // Perl's while (<$c>)
			if i >= 2 && ts[i-1].text == "=" && ts[i-2].kind == tokIdent {
				vars[ts[i-2].text] = true
			}
		case t.kind == tokString && t.text == "data":
			// on("data", function (d) {...}) / (d) => / d =>
			for j := i + 1; j < len(ts) && j < i+6; j++ {
				if ts[j].kind == tokIdent && ts[j].text != "function" && ts[j].text != "async" {
					vars[ts[j].text] = true
					break
				}
			}
		}
	}
	if len(vars) == 0 {
		return false
	}
	for i, t := range ts {
		if !isSpawn(t) && t.kind != tokCommand {
			continue
		}
		if t.kind == tokCommand {
			for v := range vars {
				if strings.Contains(t.text, v) {
					return true
				}
			}
			continue
		}
		// The call's arguments: up to the closing parenthesis, or to the end of the statement
		// for Perl's and Ruby's calls without one.
		depth := 0
		for j := i + 1; j < len(ts) && j < i+40; j++ {
			x := ts[j]
			if x.text == "(" || x.text == "[" || x.text == "{" {
				depth++
			}
			if x.text == ")" || x.text == "]" || x.text == "}" {
				depth--
				if depth <= 0 {
					break
				}
			}
			if x.text == ";" && depth == 0 {
				break
			}
			if x.kind == tokIdent && vars[x.text] {
				return true
			}
			if x.kind == tokString {
				for v := range vars {
					if strings.HasPrefix(v, "$") && strings.Contains(x.text, v) {
						return true
					}
				}
			}
		}
	}
	return false
}

// awk finds gawk's /inet coprocess used as a shell: a command read from the connection and
// run (system(), a command coprocess, or a pipe into sh).
func (a *analysis) awk(s *syntax.Stmt, code []byte) {
	ts := tokenize(code, "awk")
	inet, getline, system, coproc, pipeShell := "", false, false, 0, false
	for i, t := range ts {
		switch {
		case t.kind == tokString && inetPath.MatchString(t.text):
			inet = t.text
		case t.kind == tokIdent && t.text == "getline":
			getline = true
		case t.kind == tokIdent && t.text == "system":
			system = true
		case t.text == "|&":
			coproc++
		case t.text == "|" && i+1 < len(ts) && ts[i+1].kind == tokString && isShellCommand(ts[i+1].text):
			pipeShell = true
		}
	}
	if inet == "" || !getline || !(system || coproc >= 2 || pipeShell) {
		return
	}
	ev := ""
	line := 0
	if s != nil {
		ev, line = a.evidence(s), a.line(s)
	}
	if ev == "" {
		ev = oneLine(string(code), 240)
	}
	a.hits.add(hit{kind: hitLang, lang: "awk", evidence: ev, line: line, chain: slices.Clone(a.chain), place: a.place,
		from:   endpointOf(strings.Replace(inetPath.FindString(inet), "/inet/tcp/0/", "/dev/tcp/", 1)),
		detail: "reads commands from " + inet + " and runs them"})
}

var inetPath = regexp.MustCompile(`/inet[46]?/(tcp|udp)/[0-9]+/[^/\s]+/[0-9A-Za-z]+`)

// snippet renders the first tokens of a window as evidence.
func snippet(ts []token) string {
	var b strings.Builder
	for _, t := range ts {
		if b.Len() > 200 {
			break
		}
		if t.kind == tokString {
			b.WriteString(strconv.Quote(t.text))
		} else {
			b.WriteString(t.text)
		}
		b.WriteByte(' ')
	}
	return oneLine(b.String(), 240)
}

var hostPortString = regexp.MustCompile(`^[A-Za-z0-9.-]+:[0-9]{1,5}$`)

// endpointInTokens returns the first address-looking literal: ("1.2.3.4", 4444), "h:4444".
func endpointInTokens(ts []token) string {
	for i, t := range ts {
		if t.kind != tokString {
			continue
		}
		if hostPortString.MatchString(t.text) {
			return t.text
		}
		if strings.Count(t.text, ".") >= 1 && !strings.ContainsAny(t.text, " /") && i+2 < len(ts) && ts[i+1].text == "," && ts[i+2].kind == tokNumber {
			return t.text + ":" + ts[i+2].text
		}
	}
	return ""
}
