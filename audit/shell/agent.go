package shell

import (
	"maps"
	"slices"
	"strings"
)

// An HTTP polling agent in interpreter code: a loop asks a web server for a command, runs it
// and posts the output back. What the server answered is followed as data: from the call that
// fetched it (requests.get, urlopen, fetch, axios.get, http.get's callback, LWP's and
// HTTP::Tiny's get, Net::HTTP.get, URI.open) through assignments, attribute reads and
// callback parameters, to a call that runs a command (subprocess, os.popen, exec, child
// process calls, backticks, qx, IO.popen, Open3). The loop and a post back make it an agent;
// a poller that prints what it fetched, or runs a fixed command and posts its output, is not.

// agentWords are, per language, the HTTP client names a fetch is called on, the calls that
// fetch, post and run a command.
type agentWords struct {
	clients []string // modules or classes whose methods fetch (requests, axios, Net::HTTP)
	runMods []string // modules or classes whose methods run a command (subprocess, child_process, Open3)
	fetch   []string // methods that fetch a URL when called on a client
	bare    []string // functions that fetch a URL by themselves (urlopen, fetch)
	post    []string // methods that send a request body
	run     []string // calls that run a command
}

var agentLangs = map[string]agentWords{
	"python": {clients: []string{"requests", "httpx", "urllib2", "urllib3", "aiohttp"},
		runMods: []string{"subprocess", "os", "commands", "popen2", "pty", "asyncio"},
		fetch:   []string{"get", "request", "urlopen", "post"}, bare: []string{"urlopen"},
		post: []string{"post", "put", "patch"},
		run: []string{"system", "popen", "Popen", "run", "check_output", "call", "check_call", "getoutput", "getstatusoutput", "exec",
			"eval", "spawn", "popen2", "popen3", "popen4", "create_subprocess_shell", "create_subprocess_exec"}},
	"node": {clients: []string{"axios", "http", "https", "got", "needle", "superagent"},
		runMods: []string{"child_process"},
		fetch:   []string{"get", "request", "fetch"}, bare: []string{"fetch", "got", "needle"},
		post: []string{"post", "put", "patch"},
		run:  []string{"exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync"}},
	"perl": {clients: []string{"LWP", "Simple", "UserAgent", "Tiny", "Mojo"},
		fetch: []string{"get", "request", "decoded_content", "content"}, bare: []string{"get"},
		post: []string{"post", "post_form", "put", "request"},
		run:  []string{"system", "exec", "eval"}},
	"ruby": {clients: []string{"HTTP", "URI", "HTTParty", "Faraday", "RestClient", "Net"},
		runMods: []string{"IO", "Open3", "Kernel", "Process", "PTY"},
		fetch:   []string{"get", "open", "get_response", "request"},
		post:    []string{"post", "post_form", "Post", "put"},
		run:     []string{"system", "exec", "spawn", "popen", "popen2", "popen2e", "popen3", "capture2", "capture2e", "capture3", "eval"}},
}

// agentTrigger is the cheap test in front of the reading, per language: an HTTP client, a way
// of running a command and a post.
func agentTrigger(g *grams, lang string, data []byte) bool {
	has := func(ws ...string) bool { return g.hasAny(data, ws...) }
	if !has("post", "POST", "Post", "data=", "urlopen(") {
		return false
	}
	switch lang {
	case "python":
		return has("requests", "urlopen", "httpx", "urllib3", "aiohttp") && has("subprocess", "os.system", "popen", "getoutput", "exec(", "eval(")
	case "node":
		return has("child_process") && has("fetch(", "axios", "http", "got(", "needle", "superagent")
	case "perl":
		return has("LWP", "HTTP::Tiny", "Mojo::UserAgent") && has("`", "qx", "system", "exec", "eval")
	case "ruby":
		return has("Net::HTTP", "URI", "HTTParty", "Faraday", "RestClient", "open-uri") &&
			has("`", "%x", "system", "exec", "spawn", "popen", "Open3", "eval")
	}
	return false
}

// libAgentTrigger is agentTrigger for a file in an interpreter's library directories, where an
// agent hides as a module (dist-packages/sysupdate/implant.py) among thousands of HTTP
// clients and servers that name requests, subprocess and POST: there the code must also pause
// (a poll) and run a command line through a shell (shell=True, os.popen, execSync, a backtick
// or qx in Perl and Ruby).
func libAgentTrigger(g *grams, lang string, data []byte) bool {
	has := func(ws ...string) bool { return g.hasAny(data, ws...) }
	if !agentTrigger(g, lang, data) || !has("sleep", "setInterval", "setTimeout") {
		return false
	}
	switch lang {
	case "python":
		return has("shell=True", "shell = True", "os.popen(", "os.system(", "getoutput(", "getstatusoutput(")
	case "node":
		return has("execSync(", "exec(")
	case "perl", "ruby":
		// their libraries call system throughout (CPAN, Apache::Test): a command line in
		// backticks, qx or a popen is what a hidden agent's poll would run
		return has("`", "qx", "%x", "popen")
	}
	return false
}

// maxAgentTokens bounds the code followed for an agent: an agent is a small program, and
// each assignment's value is found by a walk to its statement's end.
const maxAgentTokens = 200000

// agentFlow returns why the code is an agent running what a web server returns, "" when it
// is not, and the first URL it names.
func agentFlow(ts []token, lang string) (why, url, evidence string) {
	w, ok := agentLangs[lang]
	if !ok || len(ts) > maxAgentTokens {
		return "", "", ""
	}
	// Names the whole file gives the clients and runners: imports and requires at its top.
	c := agentCtx{lang: lang, w: w, clients: map[string]bool{}, runners: map[string]bool{}, bareRun: lang == "perl" || lang == "ruby"}
	for _, x := range w.clients {
		c.clients[x] = true
	}
	for _, m := range w.runMods {
		c.runners[m] = true
	}
	for i, t := range ts {
		switch {
		case t.kind == tokIdent && lang == "python" && t.text == "as" && i > 0 && i+1 < len(ts) && c.clients[ts[i-1].text]:
			c.clients[ts[i+1].text] = true // import requests as rq
		case t.kind == tokIdent && lang == "python" && t.text == "as" && i > 0 && i+1 < len(ts) && slices.Contains(w.runMods, ts[i-1].text):
			c.runners[ts[i+1].text] = true // import subprocess as sp
		case t.kind == tokIdent && lang == "python" && t.text == "from" && i+2 < len(ts) && slices.Contains(w.runMods, ts[i+1].text) && ts[i+2].text == "import":
			c.bareRun = true // from subprocess import check_output
		case t.kind == tokString && lang == "node" && t.text == "child_process":
			c.bareRun = true // const { exec } = require('child_process')
			if i >= 4 && ts[i-1].text == "(" && ts[i-2].text == "require" && ts[i-3].text == "=" && ts[i-4].kind == tokIdent {
				c.runners[ts[i-4].text] = true // const cp = require('child_process')
			}
		case t.kind == tokIdent && lang == "perl" && strings.Contains(t.text, "LWP::Simple"):
			c.simple = true
		}
	}
	// An agent is a small program: a library that fetches in one place and runs a command
	// in another is not one. The code is judged in overlapping windows.
	const window, step = 600, 300
	for start := 0; start < len(ts); start += step {
		end := min(start+window, len(ts))
		if why, url, at := c.judge(ts[start:end]); why != "" {
			// the statement that runs it, from a few tokens before
			from := start + at
			for k := 0; k < 16 && from > start && ts[from-1].text != "\n" && ts[from-1].text != ";"; k++ {
				from--
			}
			return why, url, snippet(ts[from:end])
		}
		if end == len(ts) {
			break
		}
	}
	return "", "", ""
}

// agentCtx is what the whole file says about its HTTP clients and command runners.
type agentCtx struct {
	lang             string
	w                agentWords
	clients, runners map[string]bool
	bareRun, simple  bool
}

// judge follows what a fetch returned in one window of code to a command runner.
func (c agentCtx) judge(ts []token) (why, url string, at int) {
	lang, w := c.lang, c.w
	loop, post := false, false
	for _, t := range ts {
		switch {
		case t.kind == tokIdent && (t.text == "while" || t.text == "loop" || t.text == "until" || t.text == "setInterval" ||
			t.text == "setTimeout" || t.text == "for"):
			loop = true
		case t.kind == tokString && (strings.EqualFold(t.text, "POST") || strings.EqualFold(t.text, "PUT")):
			post = true
		case t.kind == tokString && url == "" && strings.Contains(t.text, "://"):
			url = t.text
		}
	}
	clients := maps.Clone(c.clients)
	simple := c.simple
	// Client objects: a variable made by a constructor of a client (s = requests.Session(),
	// $ua = LWP::UserAgent->new), and responses: what a fetch returned.
	tainted := map[string]bool{}
	isFetch := func(i int) bool {
		t := ts[i]
		if t.kind != tokIdent || !isCallAt(ts, i, lang) {
			return false
		}
		if slices.Contains(w.bare, t.text) && lang != "perl" {
			return true // urlopen, urllib.request.urlopen, fetch, globalThis.fetch
		}
		if i >= 2 && (ts[i-1].text == "." || ts[i-1].text == "->" || ts[i-1].text == "::") {
			r := ts[i-2].text
			return slices.Contains(w.fetch, t.text) && (clients[r] || tainted[r] || partOf(r, w.clients))
		}
		return slices.Contains(w.bare, t.text) && (lang != "perl" || simple)
	}
	for round := 0; round < 4; round++ {
		changed := false
		mark := func(name string) {
			if name != "" && !tainted[name] && !agentKeyword[name] {
				tainted[name], changed = true, true
			}
		}
		for i := range ts {
			switch ts[i].text {
			case "=", "+=", ".=", "||=":
				lhs := lhsNames(ts, i)
				end := statementEndAt(ts, i+1)
				rhs := ts[i+1 : end]
				fetches, reads, makes := false, false, false
				for j := i + 1; j < end; j++ {
					if isFetch(j) {
						fetches = true
					}
					if mentionsTainted(ts[j], tainted, lang) {
						reads = true
					}
					if ts[j].kind == tokIdent && (partOf(ts[j].text, w.clients) || clients[ts[j].text]) {
						makes = true
					}
				}
				for _, n := range lhs {
					switch {
					case fetches || reads:
						mark(n)
					case makes && !clients[n] && len(rhs) > 0:
						clients[n], changed = true, true
					}
				}
			case "|":
				if i > 0 && (ts[i-1].text == "do" || ts[i-1].text == "{") && callGivesTainted(ts, i, isFetch, tainted, lang) {
					for _, n := range paramsAt(ts, i) {
						mark(n)
					}
				}
			case "=>", "function", "as":
				// a callback's or a block's parameters given a response (res => ..., |res|,
				// function (res), with urlopen(u) as r)
				if callGivesTainted(ts, i, isFetch, tainted, lang) {
					for _, n := range paramsAt(ts, i) {
						mark(n)
					}
				}
			}
		}
		if !changed {
			break
		}
	}
	if len(tainted) == 0 {
		return "", "", 0
	}
	run := ""
	helpers := c.runnerHelpers(ts)
	for i, t := range ts {
		if t.kind == tokIdent && helpers[t.text] && run == "" && isCallAt(ts, i, lang) && (i == 0 || ts[i-1].text != "def" && ts[i-1].text != "function" && ts[i-1].text != "sub") &&
			slices.ContainsFunc(argsAt(ts, i), func(a token) bool { return mentionsTainted(a, tainted, lang) }) {
			run, at = t.text, i // a function of the file's own that runs its argument
		}
		if t.kind == tokIdent && slices.Contains(w.post, t.text) && isCallAt(ts, i, lang) && i >= 2 &&
			(ts[i-1].text == "." || ts[i-1].text == "->" || ts[i-1].text == "::") {
			post = true
		}
		if t.kind == tokIdent && (t.text == "urlopen" || t.text == "Request") && isCallAt(ts, i, lang) && len(splitArgs(argsAt(ts, i))) >= 2 {
			post = true // urlopen(url, data), Request(url, data=...)
		}
		if t.kind == tokCommand && mentionsTainted(t, tainted, lang) && run == "" {
			run, at = "`"+oneLine(t.text, 60)+"`", i
		}
		if run != "" || !c.runsAt(ts, i) {
			continue
		}
		if t.text == "eval" && i+1 < len(ts) && ts[i+1].text == "{" {
			continue // Perl's eval { ... } catches errors
		}
		args := splitArgs(argsAt(ts, i))
		if len(args) == 0 {
			continue
		}
		cmd := args[0]
		if len(cmd) > 1 && cmd[0].text == "[" {
			// an argument vector: what runs is its program, not its arguments
			cmd = splitArgs(cmd[1:])[0]
		}
		if lang == "perl" {
			cmd = argsAt(ts, i)
		}
		for _, a := range cmd {
			if mentionsTainted(a, tainted, lang) {
				run, at = t.text, i
				break
			}
		}
	}
	switch {
	case run == "":
		return "", url, 0
	case !loop:
		// fetched and run once: what curl | sh is in a shell, whether or not it posts back
		return onceRun + " (" + run + ")", url, at
	case !post:
		return "", url, 0
	}
	return "runs what an HTTP request returned (" + run + ") and posts back, in a loop", url, at
}

// runsAt reports a call of a command runner at i: a runner's name called as a method of a
// runner module (subprocess.run, cp.exec) or, where the file imports runners bare, by itself;
// a method of something else (a regular expression's exec) is not one.
func (c agentCtx) runsAt(ts []token, i int) bool {
	t := ts[i]
	if t.kind != tokIdent || !slices.Contains(c.w.run, t.text) || !isCallAt(ts, i, c.lang) {
		return false
	}
	if i >= 2 && (ts[i-1].text == "." || ts[i-1].text == "::" || ts[i-1].text == "->") {
		return c.runners[ts[i-2].text] || partOf(ts[i-2].text, c.w.runMods)
	}
	return c.bareRun || c.lang == "python" && (t.text == "exec" || t.text == "eval")
}

// runnerHelpers returns the functions the code defines (def, function, sub) that hand a
// parameter to a command runner: handle_command(cmd) running subprocess.run(cmd). A body is
// taken as the tokens up to the next definition.
func (c agentCtx) runnerHelpers(ts []token) map[string]bool {
	var out map[string]bool
	for i := 0; i+2 < len(ts); i++ {
		if ts[i].kind != tokIdent || ts[i].text != "def" && ts[i].text != "function" && ts[i].text != "sub" || ts[i+1].kind != tokIdent {
			continue
		}
		name := ts[i+1].text
		var params []string
		body := i + 2
		if ts[i+2].text == "(" {
			for _, a := range splitArgs(argsAt(ts, i+1)) {
				if len(a) > 0 && a[0].kind == tokIdent && a[0].text != "self" {
					params = append(params, strings.TrimLeft(a[0].text, "$"))
				}
			}
			for body < len(ts) && ts[body].text != ")" {
				body++
			}
		}
		if c.lang == "perl" {
			params = append(params, "_") // sub run { system($_[0]) }, my ($cmd) = @_
		}
		end := body + 1
		for end < len(ts) && !(ts[end].kind == tokIdent && (ts[end].text == "def" || ts[end].text == "function" || ts[end].text == "sub")) {
			end++
		}
		if len(params) == 0 || end-body > 400 {
			continue
		}
		b := ts[body:end]
		taint := map[string]bool{}
		for _, p := range params {
			taint[p] = true
		}
		for j, t := range b {
			// my ($cmd) = @_; cmd = cmd.strip(): a name given a parameter carries it
			if t.text == "=" && j+1 < len(b) && slices.ContainsFunc(b[j+1:statementEndAt(b, j+1)], func(x token) bool { return mentionsTainted(x, taint, c.lang) }) {
				for _, n := range lhsNames(b, j) {
					taint[strings.TrimLeft(n, "$")] = true
				}
			}
			if t.kind == tokCommand && mentionsTainted(t, taint, c.lang) {
				if out == nil {
					out = map[string]bool{}
				}
				out[name] = true // `$c`, qx($c)
				break
			}
			if !c.runsAt(b, j) {
				continue
			}
			if slices.ContainsFunc(argsAt(b, j), func(x token) bool { return mentionsTainted(x, taint, c.lang) }) {
				if out == nil {
					out = map[string]bool{}
				}
				out[name] = true
				break
			}
		}
	}
	return out
}

// onceRun starts the reason agentFlow gives for code that runs what one request returned,
// with no loop around it.
const onceRun = "runs what an HTTP request returned, once"

// partOf reports a name that is one of names or has one as a part (LWP::UserAgent).
func partOf(name string, names []string) bool {
	for _, p := range strings.Split(name, "::") {
		if slices.Contains(names, p) {
			return true
		}
	}
	return false
}

var agentKeyword = map[string]bool{"const": true, "let": true, "var": true, "my": true, "our": true, "local": true, "await": true,
	"self": true, "this": true, "return": true}

// isCallAt reports a call at i: a name followed by its arguments.
func isCallAt(ts []token, i int, lang string) bool {
	f := flow{ts: ts, lang: lang}
	return f.isCall(i)
}

func argsAt(ts []token, i int) []token {
	f := flow{ts: ts}
	return f.args(i)
}

func statementEndAt(ts []token, i int) int {
	f := flow{ts: ts}
	return f.statementEnd(i)
}

// lhsNames returns the names assigned at the assignment operator at i: x =, const { data } =,
// a, b =, my ($x, $y) =.
func lhsNames(ts []token, i int) []string {
	var out []string
	for j := i - 1; j >= 0 && i-j < 12; j-- {
		t := ts[j]
		switch {
		case t.kind == tokIdent:
			if j > 0 && (ts[j-1].text == "." || ts[j-1].text == "->") {
				continue // an attribute's owner is named first
			}
			out = append(out, t.text)
		case t.text == "{" || t.text == "}" || t.text == "[" || t.text == "]" || t.text == "," || t.text == "(" && j > 0 && ts[j-1].text == "my" ||
			t.text == ")" || t.text == "." || t.text == "->":
		default:
			return out
		}
	}
	return out
}

// mentionsTainted reports a token that names a tainted variable: the name itself, or a string
// or command that interpolates it ("$c", "#{c}", "${c}").
func mentionsTainted(t token, tainted map[string]bool, lang string) bool {
	if t.kind == tokIdent {
		return tainted[t.text]
	}
	if t.kind != tokString && t.kind != tokCommand || lang == "python" {
		return false
	}
	for n := range tainted {
		for off := 0; ; {
			k := strings.Index(t.text[off:], n)
			if k < 0 {
				break
			}
			k += off
			end := k + len(n)
			if (k == 0 || !isIdentPart(t.text[k-1]) || strings.HasPrefix(n, "$")) && (end == len(t.text) || !isIdentPart(t.text[end])) {
				if strings.HasPrefix(n, "$") || k > 0 && (t.text[k-1] == '{' || t.text[k-1] == '$') {
					return true
				}
			}
			off = k + 1
		}
	}
	return false
}

// callGivesTainted reports whether the callback or block whose parameters end (or start) at
// i belongs to a call that fetches or to a method of a response: http.get(u, res => ...),
// res.on('data', c => ...), URI.open(u) do |f| ..., with urlopen(u) as r.
func callGivesTainted(ts []token, i int, isFetch func(int) bool, tainted map[string]bool, lang string) bool {
	depth := 0
	for j := i - 1; j >= 0 && i-j < 40; j-- {
		switch ts[j].text {
		case ")", "]", "}":
			depth++
			continue
		case "(", "[", "{":
			if depth > 0 {
				depth--
				continue
			}
		case "\n", ";":
			if depth == 0 {
				return false
			}
		}
		if ts[j].kind != tokIdent {
			continue
		}
		if isFetch(j) {
			return true
		}
		if j >= 2 && ts[j-1].text == "." && tainted[ts[j-2].text] && isCallAt(ts, j, lang) {
			return true
		}
	}
	return false
}

// paramsAt returns the parameters of the callback or block at i: the names before =>, between
// | |, after function, or after as.
func paramsAt(ts []token, i int) []string {
	var out []string
	switch ts[i].text {
	case "=>":
		j := i - 1
		if j >= 0 && ts[j].kind == tokIdent {
			return []string{ts[j].text}
		}
		if j >= 0 && ts[j].text == ")" {
			for j--; j >= 0 && ts[j].text != "("; j-- {
				if ts[j].kind == tokIdent {
					out = append(out, ts[j].text)
				}
			}
		}
	case "|":
		for j := i + 1; j < len(ts) && ts[j].text != "|" && j < i+8; j++ {
			if ts[j].kind == tokIdent {
				out = append(out, ts[j].text)
			}
		}
	case "function":
		for j := i + 1; j < len(ts) && ts[j].text != ")" && j < i+8; j++ {
			if ts[j].kind == tokIdent {
				out = append(out, ts[j].text)
			}
		}
	case "as":
		if i+1 < len(ts) && ts[i+1].kind == tokIdent {
			out = append(out, ts[i+1].text)
		}
	}
	return out
}
