package shell

import (
	"math/bits"
	"path"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Credential theft in Python, Node.js, Perl and Ruby code: the same pair as in shell
// (credtheft.go), read from the tokens. Collection is a string naming credential material
// (a key's path, a cloud credential file or directory, a metadata credential URL) or the
// whole environment serialised (json.dumps(os.environ), JSON.stringify(process.env), \%ENV
// handed to a dumper); sending is an HTTP post or upload, mail, an FTP store or a socket
// write, to the URL among the call's arguments (or, when the call names none, the file's
// remote URLs). Shell commands the code runs are read as shell by langCode already, into
// the same state, so os.system("curl -F k=@$HOME/.ssh/id_rsa ...") pairs as a script does.

// credLangTrigger is the cheap test in front of tokenizing a file of another language for
// credential theft: something that names credentials and something that sends.
func credLangTrigger(g *grams, data []byte) bool {
	has := func(ws ...string) bool { return g.hasAny(data, ws...) }
	n := 0
	for _, w := range credWords {
		if g.hasString(data, w) {
			n++
		}
	}
	// the whole environment, serialised where it is named or through a name it is given
	if has("os.environ") && (has("dumps(os.environ", "dumps(dict(os.environ", "str(os.environ", "repr(os.environ", "urlencode(os.environ",
		"urlencode(dict(os.environ") || has("= os.environ\n", "= dict(os.environ)", "= os.environ.copy()", "=os.environ") && has("dumps(", "urlencode(")) ||
		has("process.env") && has("stringify(") && has("process.env)", "process.env,", "process.env}", "process.env;", "process.env\n") ||
		has("%ENV") && has("Dumper", "encode_json", "to_json") || has("ENV.to_", "ENV.inspect") {
		n++
	}
	// the host's identity: three of its user, host name, home and network read together
	k := 0
	for _, ws := range hostIdentityWords {
		if has(ws...) {
			k++
		}
	}
	if k >= 3 {
		n++
	}
	if n == 0 {
		return false
	}
	// three kinds at once is a sweep (CT-005), whatever sends it
	return n >= 3 || has("post", "POST", "urlopen", "sendmail", "send_message", "sendall", "storbinary", "storlines", "fetch(", "request(",
		"SMTP", "LWP", "curl", "wget", "mail", "Socket", "socket", "scp ", "put(", "upload", "gethostbyname", "getaddrinfo", "dns.", "resolver")
}

// hostIdentityWords are the calls that read who and where the host is, by kind (host name,
// user, home or working directory, network), for credLangTrigger.
var hostIdentityWords = [][]string{{"hostname()", "gethostname()", "platform.node()", "uname()"},
	{"userInfo()", "getuser()", "getlogin()", "getpwuid("}, {"homedir()", "expanduser('~')", `expanduser("~")`, "getcwd()", "__dirname"},
	{"networkInterfaces()", "getServers()", "ifaddresses(", "get_ip", "gethostbyname("}}

// hostIdentityCalls are the same calls as identifiers, by kind (see hostIdentity).
var hostIdentityCalls = map[string]int{"hostname": 1, "gethostname": 1, "uname": 1, "userInfo": 2, "getuser": 2, "getlogin": 2,
	"getpwuid": 2, "homedir": 3, "getcwd": 3, "__dirname": 3, "networkInterfaces": 4, "getServers": 4, "ifaddresses": 4, "gethostbyname": 4}

// hostIdentity reports code that gathers three or more kinds of the host's identity (its
// name, the user, the home or working directory, its network interfaces or resolvers) into
// one object, call or list: what a dependency-confusion or recon beacon serialises and sends
// home to say where it landed. A program that asks for its host name here and the user there
// (a bug reporter, a test suite) gathers nothing.
func hostIdentity(ts []token) bool {
	var stack []uint8 // the kinds read inside each bracket open at this point
	for i, t := range ts {
		switch t.text {
		case "(", "{", "[":
			stack = append(stack, 0)
			continue
		case ")", "}", "]":
			if n := len(stack); n > 0 {
				if bits.OnesCount8(stack[n-1]) >= 3 {
					return true
				}
				stack = stack[:n-1]
			}
			continue
		}
		k := hostIdentityCalls[t.text]
		if t.kind != tokIdent || k == 0 || t.text != "__dirname" && (i+1 >= len(ts) || ts[i+1].text != "(") {
			continue
		}
		for j := range stack {
			stack[j] |= 1 << k
		}
	}
	return false
}

// credWords are what code naming credential material holds, one per kind (mostly).
var credWords = []string{".ssh", ".aws", ".azure", "credentials.db", "access_tokens.db", "application_default_credentials", ".kube",
	".docker/config", "git-credentials", ".netrc", "/etc/shadow", "sh_history", "sql_history", "169.254.1", "metadata.google",
	"identity/oauth2", "Login Data", "logins.json", "key4.db", "encrypted_key", "cookies.sqlite", "/Cookies", "'Cookies'", `"Cookies"`, "/.env"}

// dumpers are calls whose argument, the whole environment, is serialised or sent.
var dumpers = map[string]bool{"dumps": true, "dump": true, "str": true, "repr": true, "urlencode": true, "b64encode": true,
	"stringify": true, "btoa": true, "encodeURIComponent": true, "Dumper": true, "encode_json": true, "to_json": true,
	"write": true, "send": true, "sendall": true, "post": true, "put": true, "format": true, "encode": true, "from": true,
	"URLSearchParams": true, "generate": true, "pformat": true}

// passThrough are calls whose result is their argument still whole (dict(os.environ)).
var passThrough = map[string]bool{"dict": true, "list": true, "sorted": true, "copy": true, "items": true, "Object": true,
	"assign": true, "tuple": true}

// enclosingCall returns the name of the call whose argument list holds token i, "" when none.
func enclosingCall(ts []token, i int) (string, int) {
	depth := 0
	for j := i - 1; j >= 0 && j > i-200; j-- {
		switch ts[j].text {
		case ")", "]", "}":
			depth++
		case "(", "[", "{":
			if depth == 0 {
				if ts[j].text == "(" && j > 0 && ts[j-1].kind == tokIdent {
					return ts[j-1].text, j - 1
				}
				if ts[j].text == "(" {
					return "", -1
				}
				continue // an object or list literal holding it: what holds the literal
			}
			depth--
		case "\n", ";":
			if depth == 0 && ts[j].text == ";" {
				return "", -1
			}
		}
	}
	return "", -1
}

// envDumped reports the whole environment at token i handed to a serialiser or a sender.
func envDumped(ts []token, i int) bool {
	for hops := 0; hops < 3; hops++ {
		name, at := enclosingCall(ts, i)
		switch {
		case dumpers[name]:
			return true
		case passThrough[name]:
			i = at
		default:
			return false
		}
	}
	return false
}

// envWhole reports whether token i is the whole environment, used whole: os.environ,
// process.env, %ENV, ENV (Ruby) not indexed.
func envWhole(ts []token, i int, lang string) bool {
	t := ts[i]
	if t.kind != tokIdent {
		return false
	}
	next := ""
	if i+1 < len(ts) {
		next = ts[i+1].text
	}
	switch lang {
	case "python":
		if t.text != "environ" || i < 2 || ts[i-1].text != "." || ts[i-2].text != "os" {
			return false
		}
		if next == "." && i+2 < len(ts) && (ts[i+2].text == "items" || ts[i+2].text == "copy") {
			return true
		}
		return next != "[" && next != "." && next != "="
	case "node":
		return t.text == "env" && i >= 2 && ts[i-1].text == "." && ts[i-2].text == "process" && next != "." && next != "[" && next != "="
	case "perl":
		return t.text == "ENV" && i >= 1 && ts[i-1].text == "%" && next != "{"
	case "ruby":
		return t.text == "ENV" && next == "." && i+2 < len(ts) && strings.HasPrefix(ts[i+2].text, "to_") || t.text == "ENV" && next == "." &&
			i+2 < len(ts) && (ts[i+2].text == "inspect" || ts[i+2].text == "each" || ts[i+2].text == "map")
	}
	return false
}

// envExpr reports an expression at j that is the whole environment, maybe copied first:
// os.environ, process.env, dict(os.environ), os.environ.copy(), Object.assign({}, process.env).
func envExpr(ts []token, j int, lang string) bool {
	for k := j; k < len(ts) && k < j+8; k++ {
		t := ts[k].text
		switch {
		case envWhole(ts, k, lang):
			return true
		case passThrough[t] || t == "(" || t == "." || t == "os" || t == "process" || t == "{" || t == "}" || t == ",":
		default:
			return false
		}
	}
	return false
}

// credComponent returns the kind of credential a path component string names
// (os.path.join(home, ".ssh", "id_rsa")).
func credComponent(s string) string {
	switch s {
	case ".ssh", "id_rsa", "id_ed25519", "id_ecdsa", "id_dsa":
		return credSSHKey
	case ".aws":
		return credAWS
	case ".azure":
		return credAzure
	case "credentials.db", "access_tokens.db", "application_default_credentials.json":
		return credGCloud
	case ".kube":
		return credKube
	case ".git-credentials":
		return credGit
	case ".netrc":
		return credNetrc
	case ".bash_history", ".zsh_history":
		return credHistory
	}
	return ""
}

// senderAt returns how the call at token i sends data off the machine, "" when it does not.
func senderAt(ts []token, i int, lang string, file map[string]bool) string {
	t := ts[i]
	if t.kind != tokIdent || i+1 >= len(ts) || ts[i+1].text != "(" {
		return ""
	}
	prev := ""
	if i > 0 {
		prev = ts[i-1].text
	}
	if !senderNames[t.text] {
		return ""
	}
	member := prev == "." || prev == "->" || prev == "::"
	args := callArgs(ts, i+1)
	argHas := func(ws ...string) bool {
		for _, x := range args {
			for _, w := range ws {
				if x.text == w {
					return true
				}
			}
		}
		return false
	}
	switch t.text {
	case "post", "put", "patch", "post_form":
		// an HTTP client's method: Python's requests and its kin, or a Perl or Ruby HTTP
		// library the file uses; put and patch only on a receiver named as an HTTP client
		// (a queue's put and mock.patch are not one)
		recv := ""
		if i >= 2 {
			recv = strings.ToLower(ts[i-2].text)
		}
		httpRecv := strings.Contains(recv, "request") || strings.Contains(recv, "http") || strings.Contains(recv, "session") ||
			strings.Contains(recv, "client") || recv == "api" || recv == "axios" || recv == "got" || recv == "ua"
		if member && (t.text == "post" || t.text == "post_form" || httpRecv) && (lang == "python" || lang == "node" || file["httpLib"]) {
			return "HTTP " + strings.ToUpper(strings.TrimSuffix(t.text, "_form"))
		}
	case "POST":
		if lang == "perl" && file["httpLib"] {
			return "HTTP POST"
		}
	case "urlopen", "Request":
		if lang == "python" && (argHas("data") || len(splitArgs(args)) >= 2) {
			return "HTTP POST (urllib)"
		}
	case "fetch", "request", "axios", "got", "needle", "ajax":
		posts := false
		for _, x := range args {
			posts = posts || x.kind == tokIdent && file["post:"+x.text]
		}
		if lang == "node" && (posts || argHas("POST", "PUT", "post", "put")) {
			return "HTTP POST (" + t.text + ")"
		}
	case "gethostbyname", "gethostbyname_ex", "getaddrinfo", "resolve", "query", "resolve4", "resolve6", "resolveTxt", "resolveAny", "lookup":
		// a name built at run time (a chunk joined to a domain) looked up: the data in its labels
		built, domain := false, false
		for _, x := range args {
			built = built || x.text == "+" || x.text == "%" || x.text == "format" || x.text == "." && lang == "perl" ||
				x.kind == tokString && strings.Contains(x.text, "{") && lang == "python" || x.kind == tokString && strings.Contains(x.text, "$")
			domain = domain || x.kind == tokString && nameTail(x.text) != ""
		}
		recvDNS := prev != "." || i >= 2 && (ts[i-2].text == "socket" || ts[i-2].text == "dns" || ts[i-2].text == "resolver" || ts[i-2].text == "promises" ||
			strings.Contains(strings.ToLower(ts[i-2].text), "resolver") || strings.Contains(strings.ToLower(ts[i-2].text), "dns"))
		if built && domain && recvDNS {
			return "DNS lookups (the data in the names)"
		}
	case "sendmail", "send_message", "send_mail", "mail_send":
		return "mail"
	case "storbinary", "storlines":
		return "FTP upload"
	case "sendall", "sendto":
		return "a socket"
	case "send", "write":
		// a socket the file connects: Python's send, Node's write
		if member && (lang == "python" && t.text == "send" && file["socket"] || lang == "node" && t.text == "write" && file["net"]) && file["connect"] {
			return "a socket"
		}
	case "system", "popen", "Popen", "call", "run", "check_output", "check_call", "getoutput", "exec", "execSync", "spawn", "spawnSync", "qx":
		for _, x := range args {
			if x.kind == tokString && shellSend(x.text) && sendsData(x.text) {
				return "a shell command (" + strings.Fields(x.text)[0] + ")"
			}
		}
	}
	return ""
}

// sendsData reports a shell command string that posts, uploads, mails or pipes data out.
func sendsData(t string) bool {
	f := strings.Fields(t)
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "curl":
		for _, w := range f[1:] {
			if w == "-d" || w == "-F" || w == "-T" || strings.HasPrefix(w, "--data") || strings.HasPrefix(w, "--form") ||
				strings.HasPrefix(w, "--upload") || strings.HasPrefix(w, "-d@") || strings.HasPrefix(w, "-F") && len(w) > 2 {
				return true
			}
		}
	case "wget":
		return strings.Contains(t, "--post-") || strings.Contains(t, "--body-")
	case "mail", "mailx", "sendmail", "mutt", "scp", "rsync", "ftp", "nc", "ncat", "netcat", "socat":
		return true
	}
	return false
}

// senderNames are the calls senderAt reads.
var senderNames = map[string]bool{"gethostbyname": true, "gethostbyname_ex": true, "getaddrinfo": true, "resolve": true,
	"query": true, "resolve4": true, "resolve6": true, "resolveTxt": true, "resolveAny": true, "lookup": true, "post": true, "put": true, "patch": true, "post_form": true, "POST": true, "urlopen": true,
	"Request": true, "fetch": true, "request": true, "axios": true, "got": true, "needle": true, "ajax": true, "sendmail": true,
	"send_message": true, "send_mail": true, "mail_send": true, "storbinary": true, "storlines": true, "sendall": true, "sendto": true,
	"send": true, "write": true, "system": true, "popen": true, "Popen": true, "call": true, "run": true, "check_output": true,
	"check_call": true, "getoutput": true, "exec": true, "execSync": true, "spawn": true, "spawnSync": true, "qx": true}

// callArgs returns the tokens inside the bracket opening at ts[open] (an argument list, an
// object or list literal), or up to the end of the statement when ts[open] opens none.
func callArgs(ts []token, open int) []token {
	if open >= len(ts) {
		return nil
	}
	if o := ts[open].text; o != "(" && o != "{" && o != "[" {
		end := open
		for end < len(ts) && ts[end].text != ";" && ts[end].text != "\n" && end-open < 64 {
			end++
		}
		return ts[open:end]
	}
	depth := 0
	for j := open; j < len(ts) && j-open < 400; j++ {
		switch ts[j].text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				return ts[open+1 : j]
			}
		}
	}
	return ts[open+1 : min(len(ts), open+400)]
}

// pathCalls are the calls a string naming credential material is read through: opened,
// listed, globbed, expanded, tested, queried, run.
var pathCalls = map[string]bool{"open": true, "expanduser": true, "listdir": true, "glob": true, "iglob": true, "connect": true,
	"exists": true, "isfile": true, "isdir": true, "join": true, "Path": true, "read_text": true, "read_bytes": true,
	"readFileSync": true, "readFile": true, "readdirSync": true, "readdir": true, "existsSync": true, "walk": true, "scandir": true,
	"system": true, "popen": true, "check_output": true, "run": true, "call": true, "Popen": true, "getoutput": true, "urlopen": true,
	"get": true, "read": true, "expand_path": true, "foreach": true, "copy": true, "copyfile": true, "make_archive": true,
	"add": true, "write": true, "File": true, "IO": true, "execSync": true, "exec": true, "createReadStream": true, "resolve": true,
	"homedir": true, "opendir": true, "stat": true, "fetch": true, "request": true, "Request": true}

// usedAsPath reports a string that names a path the code uses: handed to a call that opens,
// lists or runs it, or kept in a variable ("fpath = '~/.ssh/%s' % f").
func usedAsPath(ts []token, i int) bool {
	if i > 0 && (ts[i-1].text == "=" || ts[i-1].text == "=>") {
		return true
	}
	name, _ := enclosingCall(ts, i)
	return pathCalls[name]
}

// urlIn returns the first URL (or mail address) among tokens.
func urlIn(ts []token) string {
	for _, t := range ts {
		if t.kind == tokString && (strings.Contains(t.text, "://") || strings.Count(t.text, "@") == 1 && strings.Contains(t.text, ".") &&
			!strings.ContainsAny(t.text, " /")) {
			return t.text
		}
	}
	return ""
}

// credLang reads code of another language for credential theft, into the analysis's
// credential state (credFinish pairs it).
func (a *analysis) credLang(s *syntax.Stmt, lang string, ts []token) {
	if lang != "python" && lang != "node" && lang != "perl" && lang != "ruby" {
		return
	}
	a.captureLang(s, ts)
	a.keylogLang(s, lang, ts)
	// A browser's profile named anywhere in the code makes its store names (Login Data,
	// logins.json, the encrypted_key of Local State) the browser's credentials.
	browser := slices.ContainsFunc(ts, func(t token) bool {
		return t.kind == tokString && len(t.text) < 300 && (browserProfile(t.text) || t.text == "chromium" || t.text == "BraveSoftware")
	})
	browserKind := func(t string) string {
		if browser && (browserStore(path.Base(t)) || t == "encrypted_key") {
			return credBrowser
		}
		return ""
	}
	// Only code that names credentials is read further: most code handed here is read for a
	// reverse shell and names none.
	names := false
	for i, t := range ts {
		switch t.kind {
		case tokString, tokCommand:
			names = names || len(t.text) <= 300 && (strings.ContainsAny(t.text, "._/:") && (credURL(t.text) != "" || credComponent(t.text) != "" ||
				strings.Contains(t.text, "/") && credInText(t.text) != "")) || browserKind(t.text) != ""
		case tokIdent:
			names = names || (t.text == "environ" || t.text == "env" || t.text == "ENV") && envWhole(ts, i, lang)
		}
		if names {
			break
		}
	}
	recon := hostIdentity(ts)
	if !names && !recon {
		return
	}
	idents := map[string]bool{}
	for _, t := range ts {
		if t.kind != tokIdent {
			continue
		}
		switch t.text {
		case "socket", "connect", "net":
			idents[t.text] = true
		case "HTTP", "RestClient", "HTTParty", "Faraday":
			idents["httpLib"] = true
		default:
			if strings.HasPrefix(t.text, "LWP::") || strings.HasPrefix(t.text, "HTTP::") || strings.HasPrefix(t.text, "Mojo::UserAgent") ||
				strings.HasPrefix(t.text, "WWW::Mechanize") {
				idents["httpLib"] = true
			}
		}
	}
	line := 0
	if s != nil {
		line = a.line(s)
	}
	// Names the whole environment is given (env = process.env, e = dict(os.environ)) and
	// option objects that make a request a POST (options = {method: 'POST', ...}).
	for i := 1; i+2 < len(ts); i++ {
		if ts[i].text != "=" || ts[i-1].kind != tokIdent {
			continue
		}
		name := ts[i-1].text
		switch {
		case envExpr(ts, i+1, lang):
			idents["env:"+name] = true
		case ts[i+1].text == "{":
			lit := callArgs(ts, i+1)
			for j := 0; j+2 < len(lit); j++ {
				if lit[j].text == "method" && (lit[j+2].text == "POST" || lit[j+2].text == "PUT" || lit[j+2].text == "post") {
					idents["post:"+name] = true
				}
			}
		}
	}
	if recon {
		a.collect(credHostID, s)
	}
	var sendAt []int
	for i, t := range ts {
		switch t.kind {
		case tokString, tokCommand:
			if len(t.text) > 300 {
				continue
			}
			k := joinCred(credURL(t.text), credComponent(t.text))
			if k == "" && strings.Contains(t.text, "/") {
				k = credInText(t.text)
			}
			if k != "" && (t.kind == tokCommand || usedAsPath(ts, i)) {
				a.collect(k, s)
			}
			if b := browserKind(t.text); b != "" {
				a.collect(b, s)
			}
			if shellSend(t.text) {
				a.stringCode(s, "shell", []byte(t.text), nil)
			}
		case tokIdent:
			if (envWhole(ts, i, lang) || idents["env:"+t.text] && (i == 0 || ts[i-1].text != ".") && (i+1 == len(ts) || ts[i+1].text != "." && ts[i+1].text != "[")) &&
				envDumped(ts, i) {
				a.collect(credEnv, s)
			}
			if senderAt(ts, i, lang, idents) != "" {
				sendAt = append(sendAt, i)
			}
		}
	}
	if a.cred.collected == "" || len(sendAt) == 0 {
		return
	}
	fileURL := ""
	for _, t := range ts {
		if t.kind == tokString && strings.Contains(t.text, "://") && !localHost(t.text) && credURL(t.text) == "" {
			fileURL = t.text
			break
		}
	}
	for _, i := range sendAt {
		how := senderAt(ts, i, lang, idents)
		to := urlIn(callArgs(ts, i+1))
		if strings.HasPrefix(how, "DNS") {
			to = dnsDomain(callArgs(ts, i+1))
		}
		if to == "" {
			to = fileURL
		}
		if to == "" {
			to = "?"
		}
		if localHost(to) || credURL(to) != "" {
			continue
		}
		lo, hi := max(0, i-4), min(len(ts), i+12)
		a.cred.sends = append(a.cred.sends, credSend{how: how, to: to, evidence: snippet(ts[lo:hi]), line: line})
	}
}

// credInText returns the kinds of credentials the words of a string name as paths.
func credInText(s string) string {
	k := ""
	for _, w := range strings.Fields(s) {
		k = joinCred(k, credPath(strings.Trim(w, `"'()[],;`)))
	}
	return k
}

// shellSend reports a string that is a shell command sending data (os.system("curl -F ...")):
// langCode reads it as shell.
func shellSend(t string) bool {
	if len(t) < 8 || len(t) > 4096 {
		return false
	}
	f := strings.Fields(t)
	if len(f) < 2 {
		return false
	}
	for i, w := range f {
		if i > 0 && f[i-1] != "|" && f[i-1] != "&&" && f[i-1] != ";" && f[i-1] != "sudo" {
			continue
		}
		switch w {
		case "curl", "wget", "mail", "mailx", "sendmail", "mutt", "nc", "ncat", "netcat", "scp", "rsync", "ftp", "socat", "cat", "tar":
			return true
		}
	}
	return false
}

// captureLang reads code that runs a tracer or a core dumper on a process that handles
// passwords, the command built as a list or a string: ["strace", "-f", "-p", pid, ...] with
// pid from ["pgrep", "sshd"], os.system("gcore $(pidof sshd)"). Strings are read by
// co-occurrence, as CT-002 pairs: a tracer's name, an option attaching it or the program
// it runs, and a program that handles passwords named to it or to pgrep or pidof.
func (a *analysis) captureLang(s *syntax.Stmt, ts []token) {
	// most code handed here names no tracer and no process memory: one search per string
	// rules it out
	if !slices.ContainsFunc(ts, func(t token) bool {
		return t.kind == tokString && (strings.Contains(t.text, "trace") || strings.Contains(t.text, "gcore") || strings.Contains(t.text, "gdb") ||
			strings.Contains(t.text, "/mem"))
	}) {
		return
	}
	tracer, attach, finder, prog, at := "", false, false, "", 0
	mem, proc := false, false
	for i, t := range ts {
		if t.kind != tokString || len(t.text) > 200 {
			continue
		}
		// "/proc/%d/mem", f"/proc/{pid}/mem", "/proc/" + pid + "/mem": another process's memory
		if strings.HasSuffix(t.text, "/mem") {
			mem = true
			if at == 0 {
				at = i
			}
		}
		proc = proc || strings.Contains(t.text, "/proc")
		for _, w := range strings.Fields(t.text) {
			switch {
			case w == "strace" || w == "ltrace" || w == "gcore" || w == "gdb" || strings.HasSuffix(w, "/strace") || strings.HasSuffix(w, "/gcore"):
				tracer, at = path.Base(w), i
			case w == "-p" || w == "--attach" || w == "--pid" || strings.HasPrefix(w, "--pid=") || strings.HasPrefix(w, "--attach="):
				attach = true
			case strings.Contains(w, "pgrep") || strings.Contains(w, "pidof"):
				finder = true
			default:
				if b := authProgramIn(w); b != "" && prog == "" {
					prog = b
				}
			}
		}
	}
	var detail string
	switch {
	case prog == "":
		return
	case tracer != "" && (attach && finder || tracer == "gcore" && finder):
		detail = tracer + " attached to " + prog + " (its pid from pgrep or pidof): it records what " + prog + " reads and writes, the passwords typed or sent"
	case mem && proc:
		detail = "code reading the memory of " + prog + " (/proc/PID/mem), which holds the passwords it handled"
	default:
		return
	}
	if s != nil {
		a.hitAt(hitCredCapture, s, val{}, detail)
		return
	}
	a.hits.add(hit{kind: hitCredCapture, evidence: snippet(ts[max(0, at-4):min(len(ts), at+12)]), chain: slices.Clone(a.chain), place: a.place,
		detail: detail})
}

// dnsDomain returns the domain a name built at run time ends in: the last dotted string of
// the call's arguments without the parts the code fills in.
func dnsDomain(args []token) string {
	d := "?"
	for _, x := range args {
		if t := nameTail(x.text); x.kind == tokString && t != "" {
			d = t
		}
	}
	return d
}

// nameTail returns the domain a string ends a name with (".x.example.net",
// "{chunk}.x.example.net", "$c.x.example.net"), "" when it is no such string.
func nameTail(s string) string {
	if i := strings.LastIndexAny(s, "}$"); i >= 0 {
		s = s[i+1:]
		if j := strings.IndexByte(s, '.'); j >= 0 {
			s = s[j:] // $c.x.example.net: the variable's name ends at the dot
		}
	}
	s = strings.Trim(s, ".")
	if !strings.Contains(s, ".") || strings.ContainsAny(s, " /:@()[]=,") || len(s) > 253 {
		return ""
	}
	return s
}
