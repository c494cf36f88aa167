package shell

import (
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
	makers  []string // words in a constructor of a client object (Session, UserAgent, Tiny)
	fetch   []string // methods that fetch a URL when called on a client
	bare    []string // functions that fetch a URL by themselves (urlopen, fetch)
	post    []string // methods that send a request body
	run     []string // calls that run a command
}

var agentLangs = map[string]agentWords{
	"python": {clients: []string{"requests", "httpx", "urllib", "urllib2", "urllib3", "request", "aiohttp"},
		makers: []string{"Session", "Client", "AsyncClient", "PoolManager", "ClientSession"},
		fetch:  []string{"get", "request", "urlopen", "post"}, bare: []string{"urlopen"},
		post: []string{"post", "put", "patch"},
		run: []string{"system", "popen", "Popen", "run", "check_output", "call", "check_call", "getoutput", "getstatusoutput", "exec",
			"eval", "spawn", "popen2", "popen3", "popen4"}},
	"node": {clients: []string{"axios", "http", "https", "got", "needle", "superagent"},
		makers: []string{"create"},
		fetch:  []string{"get", "request", "fetch"}, bare: []string{"fetch"},
		post: []string{"post", "put", "patch"},
		run:  []string{"exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync", "eval", "Function"}},
	"perl": {clients: []string{"LWP", "Simple"},
		makers: []string{"UserAgent", "Tiny", "Mojo"},
		fetch:  []string{"get", "request", "decoded_content", "content"}, bare: []string{"get"},
		post: []string{"post", "post_form", "put", "request"},
		run:  []string{"system", "exec", "eval"}},
	"ruby": {clients: []string{"HTTP", "URI", "HTTParty", "Faraday", "RestClient", "Net"},
		makers: []string{"new", "start"},
		fetch:  []string{"get", "open", "get_response", "request"},
		post:   []string{"post", "post_form", "Post", "put"},
		run:    []string{"system", "exec", "spawn", "popen", "popen2", "popen2e", "popen3", "capture2", "capture2e", "capture3", "eval"}},
}

// agentTrigger is the cheap test in front of the reading: an HTTP client, something that runs
// a command and something that posts.
func agentTrigger(g *grams, data []byte) bool {
	has := func(ws ...string) bool {
		for _, w := range ws {
			if g.hasString(data, w) {
				return true
			}
		}
		return false
	}
	return has("requests", "urlopen", "httpx", "urllib3", "axios", "fetch(", "http", "LWP", "HTTP::Tiny", "URI.open", "HTTParty",
		"Faraday", "RestClient") &&
		has("post", "POST", "Post", "data=", "urlopen(") &&
		has("subprocess", "system", "popen", "exec", "eval", "`", "qx", "getoutput", "spawn", "capture2", "Open3")
}

// agentFlow returns why the code is an agent running what a web server returns, "" when it
// is not, and the first URL it names.
func agentFlow(ts []token, lang string) (string, string) {
	w, ok := agentLangs[lang]
	if !ok {
		return "", ""
	}
	loop, post := false, false
	clients := map[string]bool{}
	for _, c := range w.clients {
		clients[c] = true
	}
	url := ""
	for i, t := range ts {
		switch {
		case t.kind == tokIdent && (t.text == "while" || t.text == "loop" || t.text == "until" || t.text == "setInterval" ||
			t.text == "setTimeout" || t.text == "for"):
			loop = true
		case t.kind == tokString && (strings.EqualFold(t.text, "POST") || strings.EqualFold(t.text, "PUT")):
			post = true
		case t.kind == tokString && url == "" && strings.Contains(t.text, "://"):
			url = t.text
		case t.kind == tokIdent && lang == "python" && t.text == "as" && i > 0 && i+1 < len(ts) && clients[ts[i-1].text]:
			clients[ts[i+1].text] = true // import requests as rq
		}
	}
	if !loop {
		return "", ""
	}
	// Client objects: a variable made by a constructor of a client (s = requests.Session(),
	// $ua = LWP::UserAgent->new), and responses: what a fetch returned.
	tainted := map[string]bool{}
	isFetch := func(i int) bool {
		t := ts[i]
		if t.kind != tokIdent || !isCallAt(ts, i, lang) {
			return false
		}
		if i >= 2 && (ts[i-1].text == "." || ts[i-1].text == "->" || ts[i-1].text == "::") {
			r := ts[i-2].text
			return slices.Contains(w.fetch, t.text) && (clients[r] || tainted[r] || partOf(r, w.clients) || partOf(r, w.makers) && lang == "perl")
		}
		return slices.Contains(w.bare, t.text) && (lang != "perl" || clients["Simple"] && hasText(ts, "Simple"))
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
					if ts[j].kind == tokIdent && (partOf(ts[j].text, w.makers) || partOf(ts[j].text, w.clients) || clients[ts[j].text]) {
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
		return "", ""
	}
	run := ""
	for i, t := range ts {
		if t.kind == tokIdent && slices.Contains(w.post, t.text) && isCallAt(ts, i, lang) && i >= 2 &&
			(ts[i-1].text == "." || ts[i-1].text == "->" || ts[i-1].text == "::") {
			post = true
		}
		if t.kind == tokIdent && (t.text == "urlopen" || t.text == "Request") && isCallAt(ts, i, lang) && len(splitArgs(argsAt(ts, i))) >= 2 {
			post = true // urlopen(url, data), Request(url, data=...)
		}
		if t.kind == tokCommand && mentionsTainted(t, tainted, lang) && run == "" {
			run = "`" + oneLine(t.text, 60) + "`"
		}
		if t.kind != tokIdent || !slices.Contains(w.run, t.text) || !isCallAt(ts, i, lang) || run != "" {
			continue
		}
		if i >= 2 && ts[i-1].text == "." && slices.Contains(w.fetch, ts[i-2].text) {
			continue
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
				run = t.text
				break
			}
		}
	}
	if run == "" || !post {
		return "", url
	}
	return "runs what an HTTP request returned (" + run + ") and posts back, in a loop", url
}

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

func hasText(ts []token, s string) bool {
	return slices.ContainsFunc(ts, func(t token) bool { return t.text == s })
}

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
