package webshell

import (
	"bytes"
	"strings"

	"github.com/strata-forensics/strata/signatures/decode"
)

// Node.js: a server script (express, koa, http.createServer, a serverless handler) whose
// request input reaches child_process, eval, the Function constructor, vm or require.

var (
	nodeExt = map[string]bool{".js": true, ".mjs": true, ".cjs": true, ".ts": true}
	// The words that gate the analysis (nodeLang): a flow needs a request handler and a
	// sink; or code decoded and evaluated, where both may hide.
	nodeHandlerWords = [][]byte{[]byte("createServer"), []byte("queryStringParameters"), []byte("pathParameters"), []byte("ctx.request"),
		[]byte("ctx.params"), []byte("ctx.query"), []byte("on('connection'"), []byte(`on("connection"`)}
	nodeDecoders = [][]byte{[]byte("atob"), []byte("Buffer.from"), []byte("fromCharCode"), []byte("unescape"), []byte("decodeURI"),
		[]byte("base64"), []byte("hex"), []byte(`\x`), []byte(`\u`)}
	// nodeIterators call their callback with each element of the array they are called on.
	nodeIterators = set("foreach", "map", "filter", "some", "every", "find", "flatmap", "reduce")
	// nodeRequestProps are what a request object carries from the client (express, koa,
	// http.IncomingMessage, fastify, hapi).
	nodeRequestProps = set("query", "body", "params", "headers", "cookies", "signedcookies", "url", "originalurl",
		"path", "files", "file", "rawbody", "payload", "search", "querystring")
	// nodeRequestGetters are request methods that return client input.
	nodeRequestGetters = set("get", "header", "param", "cookie")
	// nodeEventProps are a serverless handler's request parts (AWS Lambda, API Gateway).
	nodeEventProps = set("querystringparameters", "multivaluequerystringparameters", "pathparameters")
	// nodeRoutes register a request handler: its first parameter is the request.
	nodeRoutes = set("get", "post", "put", "patch", "delete", "del", "all", "use", "createServer", "any", "options", "head")
	// nodeRouteMethods register a route on a router or an application.
	nodeRouteMethods = map[string]bool{"get": true, "post": true, "put": true, "patch": true, "delete": true, "all": true,
		"use": true, "options": true, "head": true, "any": true, "ws": true}
	// nodeErrors name the first parameter of a node-style callback.
	nodeErrors = map[string]bool{"err": true, "error": true, "e": true, "er": true, "ex": true, "_err": true, "_": true}
	// nodeResponses name the second parameter of a request handler.
	nodeResponses = set("res", "response", "reply", "resp", "rep", "h")
	// nodeClients are modules and libraries whose get/request callbacks receive a response
	// from a server the script called, not a request.
	nodeClients = set("http", "https", "http2", "axios", "got", "needle", "superagent", "request", "client", "fetch", "agent")
	// child_process functions: the first group reads a command line, the second runs a program.
	nodeShellExec = set("exec", "execsync")
	nodeProgExec  = set("spawn", "spawnsync", "execfile", "execfilesync", "fork")
	nodeVMCode    = set("runinthiscontext", "runinnewcontext", "runincontext", "compilefunction", "script")
	nodeKillers   = set("parseInt", "parseFloat", "Number", "Boolean", "isNaN", "isFinite", "length", "includes",
		"startsWith", "endsWith", "indexOf", "test", "encodeURIComponent", "encodeURI", "escape", "escapeHtml", "quote",
		"typeof", "has", "hasOwnProperty", "isArray", "isInteger")
)

// nodeLang reports whether a JavaScript or TypeScript file may be a server script that
// hands request input to code or commands. exhaustive is Analyzer.Exhaustive: it searches
// for each word on its own (the reference nodeGate is held to).
func nodeLang(p, ext string, data []byte, exhaustive bool) *lang {
	if !nodeExt[ext] || strings.HasSuffix(p, ".d.ts") {
		return nil
	}
	if !exhaustive {
		return nodeGate(data)
	}
	// The sinks first: most scripts have none. Each check is a pass over the file, so the
	// words are found by a few anchors (eval, vm, global ...) and their neighbours read.
	evals, callback := evalCalls(data)
	if len(evals) == 0 && !callback && !otherSinks(data) {
		return nil
	}
	if decodeAndRun(data, evals) || handlerShape(data) {
		return langNode
	}
	return nil
}

// evalCalls returns where each eval( and Function( call's arguments start, and whether eval
// is handed on as a value ([x].forEach(eval)).
func evalCalls(data []byte) (at []int, callback bool) {
	for _, w := range []string{"eval", "Function("} {
		for off := 0; ; {
			i := bytes.Index(data[off:], []byte(w))
			if i < 0 {
				break
			}
			off += i + len(w)
			switch {
			case w != "eval":
				at = append(at, off)
			case off < len(data) && data[off] == '(':
				at = append(at, off+1)
			case off < len(data) && data[off] == ')' && off > len(w) && (data[off-len(w)-1] == '(' || data[off-len(w)-1] == ' ' || data[off-len(w)-1] == ','):
				callback = true
			}
		}
	}
	return at, callback
}

// otherSinks reports whether data names child_process, node-pty or vm, reaches the global object by
// a computed name (globalThis['ev' + 'al']), or calls require with something other than one
// literal (a variable, or a name built by concatenation).
func otherSinks(data []byte) bool {
	if sinkWords(data) {
		return true
	}
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte("require("))
		if i < 0 {
			return false
		}
		off += i + len("require(")
		if computedRequire(data, off) {
			return true
		}
	}
}

// sinkWords reports the sinks of otherSinks that are no call: child_process named, vm
// quoted, the global object indexed.
func sinkWords(data []byte) bool {
	if bytes.Contains(data, []byte("child_process")) || bytes.Contains(data, []byte("node-pty")) || bytes.Contains(data, []byte("pty.js")) {
		return true
	}
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte("vm"))
		if i < 0 {
			break
		}
		i += off
		off = i + 2
		if i > 0 && off < len(data) && (data[i-1] == '\'' || data[i-1] == '"' || data[i-1] == ':') && (data[off] == '\'' || data[off] == '"') {
			return true
		}
	}
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte("global"))
		if i < 0 {
			break
		}
		off += i + len("global")
		if r := data[off:]; bytes.HasPrefix(r, []byte("[")) || bytes.HasPrefix(r, []byte("This[")) {
			return true
		}
	}
	return false
}

// computedRequire reports whether the require call whose arguments start at off loads
// something other than one literal.
func computedRequire(data []byte, off int) bool {
	arg := data[off:min(len(data), off+256)]
	if j := bytes.IndexByte(arg, ')'); j >= 0 {
		arg = arg[:j]
	}
	arg = bytes.TrimSpace(arg)
	return len(arg) > 0 && arg[0] != '\'' && arg[0] != '"' || bytes.ContainsAny(arg, "+`")
}

// handlerShape reports whether data may define a request handler: a server it creates, a
// serverless event's parameters, a function whose second parameter is the response
// ((req, res), (request, reply)), or a route registered with a path (app.get('/x', ...)).
func handlerShape(data []byte) bool {
	if containsAny(data, nodeHandlerWords) {
		return true
	}
	// the response parameter: res, resp, response, rep, reply (found by two prefixes)
	for _, r := range []string{"res", "rep"} {
		for off := 0; ; {
			i := bytes.Index(data[off:], []byte(r))
			if i < 0 {
				break
			}
			i += off
			off = i + 1
			end := i
			for end < len(data) && jsIdent(data[end]) {
				end++
			}
			if i == 0 || jsIdent(data[i-1]) || end >= len(data) || !nodeResponses[string(data[i:end])] {
				continue
			}
			before := bytes.TrimRight(data[max(0, i-24):i], " \t")
			after := bytes.TrimLeft(data[end:min(len(data), end+8)], " \t")
			if len(before) == 0 || before[len(before)-1] != ',' || len(after) == 0 || after[0] != ')' && after[0] != ',' {
				continue
			}
			// the parameter before it opens the list, and a body follows the list (a call's
			// arguments are no parameters); a node-style callback's (err, res) is no handler
			before = bytes.TrimRight(before[:len(before)-1], " \t")
			k := len(before)
			for k > 0 && jsIdent(before[k-1]) {
				k--
			}
			first := string(before[k:])
			if first == "" || nodeErrors[first] || !bytes.HasSuffix(bytes.TrimRight(before[:k], " \t"), []byte("(")) {
				continue
			}
			rest := data[end:min(len(data), end+64)]
			if j := bytes.IndexByte(rest, ')'); j >= 0 {
				body := bytes.TrimLeft(rest[j+1:], " \t\r\n")
				if bytes.HasPrefix(body, []byte("=>")) || bytes.HasPrefix(body, []byte("{")) {
					return true
				}
			}
		}
	}
	// a route registered with a path: app.get('/x', ...), router.all("*", ...)
	for _, q := range []string{"('", "(\"", "(`"} {
		for off := 0; ; {
			i := bytes.Index(data[off:], []byte(q))
			if i < 0 {
				break
			}
			i += off
			off = i + len(q)
			if off >= len(data) || data[off] != '/' && data[off] != '*' {
				continue
			}
			if routeMethod(data, i) {
				return true
			}
		}
	}
	return false
}

// routeMethod reports whether the call whose '(' is at i is a router method's
// (app.get, router.all ...).
func routeMethod(data []byte, i int) bool {
	k := i
	for k > 0 && jsIdent(data[k-1]) {
		k--
	}
	return k > 0 && data[k-1] == '.' && nodeRouteMethods[string(data[k:i])]
}

// nodeGate decides as the searches of nodeLang's exhaustive path do (evalCalls,
// otherSinks, handlerShape, decodeAndRun), with one pass over the parentheses in place of
// most of them (parenScan). The words no parenthesis marks (child_process, vm, global, the
// handler words) are still searched for, only when the answer depends on them.
func nodeGate(data []byte) *lang {
	s := parenScan(data)
	if len(s.evals) == 0 && !s.callback && !s.require && !sinkWords(data) {
		return nil
	}
	if decodeAndRun(data, s.evals) || s.route || s.response || containsAny(data, nodeHandlerWords) {
		return langNode
	}
	return nil
}

// parens is what parenScan reads from a script's parentheses.
type parens struct {
	evals    []int // where the arguments of each eval( and Function( call start (evalCalls)
	callback bool  // eval handed on as a value (evalCalls)
	require  bool  // a require call with something other than one literal (otherSinks)
	route    bool  // a route registered with a path (handlerShape)
	response bool  // a parameter list whose second parameter is a response (handlerShape)
}

// parenScan finds, in one pass over the parentheses, what evalCalls, the require search of
// otherSinks and the route and response searches of handlerShape find each in passes of
// their own: every call they look for is read from its '(' (eval handed on, from its ')').
func parenScan(data []byte) parens {
	var s parens
	open, closing := bytes.IndexByte(data, '('), bytes.IndexByte(data, ')')
	for open >= 0 || closing >= 0 {
		if closing >= 0 && (open < 0 || closing < open) {
			// [x].forEach(eval), f(a, eval): eval handed on as a value
			if q := closing; q > 4 && string(data[q-4:q]) == "eval" && (data[q-5] == '(' || data[q-5] == ' ' || data[q-5] == ',') {
				s.callback = true
			}
			closing = nextByte(data, closing, ')')
			continue
		}
		i := open
		switch {
		case i >= 4 && string(data[i-4:i]) == "eval", i >= 8 && string(data[i-8:i]) == "Function":
			s.evals = append(s.evals, i+1)
		case i >= 7 && string(data[i-7:i]) == "require":
			s.require = s.require || computedRequire(data, i+1)
		}
		if !s.route && i+2 < len(data) && (data[i+1] == '\'' || data[i+1] == '"' || data[i+1] == '`') && (data[i+2] == '/' || data[i+2] == '*') {
			s.route = routeMethod(data, i)
		}
		if !s.response {
			s.response = responseParam(data, i)
		}
		open = nextByte(data, open, '(')
	}
	return s
}

// nextByte returns the index of the next c in data after i, or -1.
func nextByte(data []byte, i int, c byte) int {
	j := bytes.IndexByte(data[i+1:], c)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// responseParam reports whether the '(' at i opens a parameter list whose second parameter
// is a response (function (req, res) {...}, (q, reply) => ...), read forwards as
// handlerShape reads it backwards from the response's name: blanks and tabs only around
// the names and the comma, the list opened within 24 bytes of the response's name, a first
// name that is no node-style callback's error, and a body after the list.
func responseParam(data []byte, i int) bool {
	n := len(data)
	blanks := func(j int) int {
		for j < n && (data[j] == ' ' || data[j] == '\t') {
			j++
		}
		return j
	}
	j := blanks(i + 1)
	first := j
	for j < n && jsIdent(data[j]) {
		j++
	}
	if j == first || nodeErrors[string(data[first:j])] {
		return false
	}
	j = blanks(j)
	if j >= n || data[j] != ',' {
		return false
	}
	start := blanks(j + 1)
	if start-24 > i {
		return false
	}
	end := start
	for end < n && jsIdent(data[end]) {
		end++
	}
	name := data[start:end]
	if end >= n || !bytes.HasPrefix(name, []byte("res")) && !bytes.HasPrefix(name, []byte("rep")) || !nodeResponses[string(name)] {
		return false
	}
	after := bytes.TrimLeft(data[end:min(n, end+8)], " \t")
	if len(after) == 0 || after[0] != ')' && after[0] != ',' {
		return false
	}
	rest := data[end:min(n, end+64)]
	if k := bytes.IndexByte(rest, ')'); k >= 0 {
		body := bytes.TrimLeft(rest[k+1:], " \t\r\n")
		return bytes.HasPrefix(body, []byte("=>")) || bytes.HasPrefix(body, []byte("{"))
	}
	return false
}

// decodeAndRun reports whether data hands eval or the Function constructor (whose
// arguments start at evals) something a decoder produces: the request and the sink may both
// be inside.
func decodeAndRun(data []byte, evals []int) bool {
	for _, off := range evals {
		if containsAny(data[off:min(len(data), off+48)], nodeDecoders) {
			return true
		}
	}
	return false
}

func jsIdent(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || c >= 0x80
}

func containsAny(data []byte, words [][]byte) bool {
	for _, w := range words {
		if bytes.Contains(data, w) {
			return true
		}
	}
	return false
}

// nodeBind finds, once, the names bound to what the script's flows go through: the request
// parameter of each handler it registers, and the child_process and vm modules and the
// functions taken from them (require, import, destructuring, renaming).
func nodeBind(a *analysis) {
	if a.nodeBound {
		return
	}
	a.nodeBound = true
	for i, t := range a.toks {
		if jsIs(t, "(") {
			// function (req, res) {...}, (request, reply) => ...: a handler by its shape
			if p, q := a.twoParams(i); p != "" && nodeResponses[strings.ToLower(q)] {
				a.objects[p] = "request"
			}
		}
		switch {
		case t.Kind == decode.Str && (a.nodeRequire(i) || jsIs(a.at(i-1), "from") || jsIs(a.at(i-1), "import")):
			mod := nodeModule(t.Text)
			if mod == "" {
				continue
			}
			a.nodeModuleBinding(i, mod)
		case t.Kind == decode.Ident && nodeRoutes[strings.ToLower(t.Text)] && jsIs(a.at(i+1), "(") && a.nodeRoute(i):
			// app.get('/x', (q, s) => ...), http.createServer(function (q, s) {...})
			for _, r := range a.args(i + 1) {
				if p := a.firstParam(r[0]); p != "" {
					a.objects[p] = "request"
				}
			}
		case t.Kind == decode.Ident && jsIs(t, "handler") && jsIs(a.at(i+1), "="):
			if p := a.firstParam(i + 2); p != "" {
				a.objects[p] = "request"
			}
		case jsIs(t, "on") && jsIs(a.at(i-1), ".") && jsIs(a.at(i+1), "(") && a.at(i+2).Kind == decode.Str && a.at(i+2).Text == "request":
			// server.on('request', (q, s) => ...)
			if rs := a.args(i + 1); len(rs) > 1 {
				if p := a.firstParam(rs[1][0]); p != "" {
					a.objects[p] = "request"
				}
			}
		}
	}
}

// nodeRequire reports whether the string at token i is what a require call loads (the
// decoder drops the parentheses around a lone literal after require, as PHP reads it).
func (a *analysis) nodeRequire(i int) bool {
	return jsIs(a.at(i-1), "require") || jsIs(a.at(i-1), "(") && jsIs(a.at(i-2), "require")
}

// nodeRoute reports whether the call at token i registers a request handler: a server's
// createServer, or a router method given a route path (app.get('/x', ...)) or, for use,
// only functions; not a client's get(url, callback), whose callback receives a response.
func (a *analysis) nodeRoute(i int) bool {
	t := a.at(i)
	if t.Text == "createServer" {
		return true
	}
	if !jsIs(a.at(i-1), ".") {
		return false
	}
	if r := a.at(i - 2); r.Kind == decode.Ident && nodeClients[strings.ToLower(r.Text)] {
		return false
	}
	rs := a.args(i + 1)
	if len(rs) < 1 {
		return false
	}
	switch p := a.at(rs[0][0]); {
	case p.Kind == decode.Str:
		return strings.HasPrefix(p.Text, "/") || p.Text == "*"
	}
	return t.Text == "use"
}

// nodeModule names the module a require or import string loads, when it is one the
// analysis follows.
func nodeModule(s string) string {
	switch strings.TrimPrefix(s, "node:") {
	case "child_process":
		return "child_process"
	case "vm":
		return "vm"
	}
	return ""
}

// nodeModuleBinding records what the require or import of mod at token i binds: the module
// (const cp = require(...), import cp from, import * as cp from) or its functions
// (const { exec, spawn: sp } = require(...), import { exec as run } from).
func (a *analysis) nodeModuleBinding(i int, mod string) {
	bindFns := func(lo, hi int, as string) {
		for j := lo; j < hi; j++ {
			t := a.at(j)
			if t.Kind != decode.Ident || !(jsIs(a.at(j-1), "{") || jsIs(a.at(j-1), ",")) {
				continue
			}
			local := t.Text
			if n := a.at(j + 1); (jsIs(n, ":") || jsIs(n, as)) && a.at(j+2).Kind == decode.Ident {
				local = a.at(j + 2).Text
			}
			a.objects[a.l.fold(local)] = mod + ":" + t.Text
		}
	}
	if a.nodeRequire(i) {
		// X = require('m'), { ... } = require('m')
		eq := i - 2
		if jsIs(a.at(i-1), "(") {
			eq = i - 3
		}
		if !jsIs(a.at(eq), "=") {
			return
		}
		switch lhs := a.at(eq - 1); {
		case lhs.Kind == decode.Ident:
			// var exec = require('child_process').exec takes the function, not the module
			after := i + 1
			if jsIs(a.at(after), ")") {
				after++
			}
			if jsIs(a.at(after), ".") && a.at(after+1).Kind == decode.Ident {
				a.objects[a.l.fold(lhs.Text)] = mod + ":" + a.at(after+1).Text
				return
			}
			a.objects[a.l.fold(lhs.Text)] = mod
		case jsIs(lhs, "}") && a.match[eq-1] >= 0:
			bindFns(a.match[eq-1], eq-1, ":")
		}
		return
	}
	// import ... from 'm': walk back to the import
	j := i - 1
	for j > 0 && i-j < 64 && !jsIs(a.at(j), "import") {
		j--
	}
	if !jsIs(a.at(j), "import") {
		return
	}
	for k := j + 1; k < i; k++ {
		switch t := a.at(k); {
		case jsIs(t, "{") && a.match[k] > k:
			bindFns(k, a.match[k], "as")
			k = a.match[k]
		case jsIs(t, "as") && jsIs(a.at(k-1), "*") && a.at(k+1).Kind == decode.Ident:
			a.objects[a.l.fold(a.at(k+1).Text)] = mod
			k++
		case t.Kind == decode.Ident && (jsIs(a.at(k-1), "import") || jsIs(a.at(k-1), ",")) && !jsIs(t, "from"):
			a.objects[a.l.fold(t.Text)] = mod // the default export
		}
	}
}

// twoParams returns the first two parameters of the function whose parameter list opens
// at token i, or "" when it opens none.
func (a *analysis) twoParams(i int) (string, string) {
	p, comma, q := a.at(i+1), a.at(i+2), a.at(i+3)
	if p.Kind != decode.Ident || !jsIs(comma, ",") || q.Kind != decode.Ident {
		return "", ""
	}
	end := a.closeOf(i)
	after := a.at(end + 1)
	fn := jsIs(a.at(i-1), "function") || a.at(i-1).Kind == decode.Ident && jsIs(a.at(i-2), "function")
	if !jsIs(after, "=>") && !(fn && jsIs(after, "{")) {
		return "", ""
	}
	return a.l.fold(p.Text), q.Text
}

// firstParam returns the key of the first parameter of a function expression starting at
// token i (function (p, ...) {, async (p) =>, p =>), or "".
func (a *analysis) firstParam(i int) string {
	if jsIs(a.at(i), "async") {
		i++
	}
	if jsIs(a.at(i), "function") {
		i++
		if a.at(i).Kind == decode.Ident {
			i++ // a named function expression
		}
	}
	switch t := a.at(i); {
	case jsIs(t, "("):
		if p := a.at(i + 1); p.Kind == decode.Ident && (jsIs(a.at(i+2), ",") || jsIs(a.at(i+2), ")") || jsIs(a.at(i+2), ":")) {
			end := a.closeOf(i)
			if jsIs(a.at(end+1), "=>") || jsIs(a.at(end+1), "{") || jsIs(a.at(end+1), ":") {
				return a.l.fold(p.Text)
			}
		}
	case t.Kind == decode.Ident && jsIs(a.at(i+1), "=>"):
		return a.l.fold(t.Text)
	}
	return ""
}

// nodeRequest reports whether the expression ending at token i is a request object.
// A request is a handler's parameter: one a route or server registration hands the request
// (nodeBind), or the first of a function's (req, res) pair; koa's ctx.request is one too.
// A variable merely named request (an outgoing one, a test double) is not.
func (a *analysis) nodeRequest(i int) bool {
	t := a.at(i)
	if t.Kind != decode.Ident {
		return false
	}
	if jsIs(a.at(i-1), ".") {
		return (t.Text == "request" || t.Text == "req") && a.nodeRequest(i-2)
	}
	return a.objects[a.l.fold(t.Text)] == "request"
}

// nodeSource reports whether token i starts request input in a Node.js script.
func nodeSource(a *analysis, i int) (string, int, bool) {
	nodeBind(a)
	t := a.at(i)
	if t.Kind != decode.Ident || !jsIs(a.at(i-1), ".") {
		return "", 0, false
	}
	n := strings.ToLower(t.Text)
	switch {
	case nodeRequestProps[n] && !jsIs(a.at(i+1), "(") && (a.nodeRequest(i-2) || jsIs(a.at(i-2), "ctx") && (n == "query" || n == "params" || n == "headers")):
		return a.label(max(0, i-2), i+1), i + 1, true
	case nodeRequestGetters[n] && jsIs(a.at(i+1), "(") && a.nodeRequest(i-2):
		end := a.closeOf(i+1) + 1
		return a.label(max(0, i-2), end), end, true
	case nodeEventProps[n]:
		return a.label(max(0, i-2), i+1), i + 1, true
	case a.nodeDataListener(i):
		// req.on('data', ...): the listener's parameter is the body (nodeExtra)
		return a.label(max(0, i-2), i+3), i + 3, true
	}
	return "", 0, false
}

// nodeCallee returns what the call at token i (an identifier followed by "(") runs when it
// is a child_process or vm function: "child_process:exec", "vm:runinnewcontext", or "".
func (a *analysis) nodeCallee(i int) string {
	t := a.at(i)
	n := t.Text
	if t.Kind == decode.Str && jsIs(a.at(i-1), "[") && jsIs(a.at(i+1), "]") {
		// cp['exec'](...)
		return a.nodeMember(i-2, n)
	}
	if jsIs(a.at(i-1), ".") {
		return a.nodeMember(i-2, n)
	}
	return a.objects[a.l.fold(t.Text)]
}

// nodeMember returns the function n of the module the expression ending at token r is.
func (a *analysis) nodeMember(r int, n string) string {
	recv := a.at(r)
	mod := ""
	switch {
	case recv.Kind == decode.Ident && !jsIs(a.at(r-1), "."):
		mod = a.objects[a.l.fold(recv.Text)]
	case jsIs(recv, ")") && a.match[r] > 0 && jsIs(a.at(a.match[r]-1), "require"):
		// require('child_process').exec(...)
		if s := a.at(a.match[r] + 1); s.Kind == decode.Str {
			mod = nodeModule(s.Text)
		}
	case recv.Kind == decode.Str && jsIs(a.at(r-1), "require"):
		mod = nodeModule(recv.Text)
	}
	if mod == "child_process" || mod == "vm" {
		return mod + ":" + n
	}
	return ""
}

// nodeSink records a flow if token i is a Node.js sink that request input reaches.
func nodeSink(a *analysis, i int) {
	t := a.at(i)
	open := i + 1
	if t.Kind == decode.Str && jsIs(a.at(i+1), "]") {
		open = i + 2
	}
	if !(t.Kind == decode.Ident || t.Kind == decode.Str && jsIs(a.at(i-1), "[")) || !jsIs(a.at(open), "(") {
		return
	}
	nodeBind(a)
	callee := a.nodeCallee(i)
	rs := a.args(open)
	mod, fn, _ := strings.Cut(callee, ":")
	low := strings.ToLower(fn)
	switch {
	case mod == "child_process" && nodeShellExec[low]:
		a.report(sinkCommand, "child_process."+fn+"()", i, first(rs))
	case mod == "child_process" && nodeProgExec[low]:
		if a.nodeShellOption(rs) {
			a.report(sinkCommand, "child_process."+fn+"() with a shell", i, rs)
			return
		}
		a.reportExec("child_process."+fn+"()", i, rs)
	case mod == "vm" && nodeVMCode[low]:
		a.report(sinkCode, "vm."+fn+"()", i, first(rs))
	case callee == "" && jsIs(t, "eval") && (!jsIs(a.at(i-1), ".") || nodeGlobal(a.at(i-2))):
		a.report(sinkCode, "eval()", i, rs)
	case t.Kind == decode.Str && t.Text == "eval" && nodeGlobal(a.at(i-2)):
		// globalThis['eval'](x)
		a.report(sinkCode, "eval()", i, rs)
	case callee == "" && jsIs(t, "Function") && (!jsIs(a.at(i-1), ".") || jsIs(a.at(i-2), "globalThis") || jsIs(a.at(i-2), "global")):
		// new Function(body), Function('a', body): the last argument is the code
		a.report(sinkCode, "the Function constructor", i, rs)
	case callee == "" && jsIs(t, "require") && !jsIs(a.at(i-1), "."):
		a.report(sinkInclude, "require()", i, first(rs))
	}
	// [x].forEach(eval), [x].map(cp.exec): each element is handed to the function
	if nodeIterators[strings.ToLower(t.Text)] && jsIs(a.at(i-1), ".") && len(rs) > 0 {
		end := i - 2
		lo := end
		if jsIs(a.at(end), "]") && a.match[end] >= 0 {
			lo = a.match[end]
		}
		if arr := [][2]int{{lo, end + 1}}; rs[0][1] == rs[0][0]+1 && jsIs(a.at(rs[0][0]), "eval") {
			a.report(sinkCode, "eval() (called indirectly)", i, arr)
		} else if c := a.nodeCallee(rs[0][1] - 1); c != "" && (rs[0][1] == rs[0][0]+1 || jsIs(a.at(rs[0][1]-2), ".")) {
			a.nodeCallback(c, i, arr)
		}
	}
	// exec.call(null, x), exec.apply(null, [x]), Reflect.apply(exec, null, [x])
	if (jsIs(t, "call") || jsIs(t, "apply")) && jsIs(a.at(i-1), ".") {
		if c := a.nodeCallee(i - 2); c != "" && len(rs) > 1 {
			a.nodeCallback(c, i, rs[1:])
		}
	}
	if jsIs(t, "apply") && jsIs(a.at(i-1), ".") && jsIs(a.at(i-2), "Reflect") && len(rs) == 3 && rs[0][1] == rs[0][0]+1 {
		if c := a.nodeCallee(rs[0][0]); c != "" {
			a.nodeCallback(c, i, rs[2:])
		}
	}
}

// jsIs reports whether t is the identifier or punctuation s, spelled exactly: JavaScript
// names are case-sensitive (Token.Is folds case for the languages that do).
func jsIs(t decode.Token, s string) bool {
	return t.Text == s && (t.Kind == decode.Ident || t.Kind == decode.Punct)
}

// nodeGlobal reports whether t names the global object.
func nodeGlobal(t decode.Token) bool {
	return jsIs(t, "globalThis") || jsIs(t, "global") || jsIs(t, "window") || jsIs(t, "self")
}

// nodeCallback reports a child_process or vm function handed request input indirectly.
func (a *analysis) nodeCallback(callee string, i int, rs [][2]int) {
	mod, fn, _ := strings.Cut(callee, ":")
	low := strings.ToLower(fn)
	switch {
	case mod == "child_process" && (nodeShellExec[low] || nodeProgExec[low]):
		a.report(sinkCommand, "child_process."+fn+"() (called indirectly)", i, rs)
	case mod == "vm" && nodeVMCode[low]:
		a.report(sinkCode, "vm."+fn+"() (called indirectly)", i, rs)
	}
}

// nodeShellOption reports whether a spawn-like call's options say { shell: true } (or a
// shell's path): then its command and arguments are one command line.
func (a *analysis) nodeShellOption(rs [][2]int) bool {
	if len(rs) == 0 {
		return false
	}
	last := rs[len(rs)-1]
	for j := last[0]; j < last[1]; j++ {
		if jsIs(a.at(j), "shell") && jsIs(a.at(j+1), ":") {
			v := a.at(j + 2)
			return !jsIs(v, "false") && !jsIs(v, "undefined") && !jsIs(v, "null")
		}
	}
	return false
}

func first(rs [][2]int) [][2]int {
	if len(rs) > 1 {
		return rs[:1]
	}
	return rs
}

// nodeFunctions finds the functions a Node.js script names: function f(p) {...},
// const f = (p) => ..., const f = function (p) {...}, and methods f(p) {...}.
func nodeFunctions(a *analysis) {
	for i, t := range a.toks {
		if t.Kind != decode.Ident || isKeyword(a.l, t.Text) {
			continue
		}
		var start int
		switch {
		case jsIs(a.at(i-1), "function") && jsIs(a.at(i+1), "("):
			start = i + 1
		case jsIs(a.at(i+1), "=") && !jsIs(a.at(i-1), "."):
			j := i + 2
			if jsIs(a.at(j), "async") {
				j++
			}
			if jsIs(a.at(j), "function") {
				j++
				if a.at(j).Kind == decode.Ident {
					j++
				}
			}
			switch {
			case jsIs(a.at(j), "(") && (jsIs(a.at(a.closeOf(j)+1), "=>") || jsIs(a.at(j-1), "function") || jsIs(a.at(j-2), "function")):
				start = j
			case a.at(j).Kind == decode.Ident && jsIs(a.at(j+1), "=>"):
				a.funcs[a.l.fold(t.Text)] = append(a.funcs[a.l.fold(t.Text)], &function{name: t.Text,
					params: []string{a.l.fold(a.at(j).Text)}, body: [2]int{j + 2, a.stmtEnd(j+2, false)}})
				continue
			default:
				continue
			}
		default:
			continue
		}
		closeP := a.closeOf(start)
		var params []string
		for _, r := range a.args(start) {
			if r[1] > r[0] && a.at(r[0]).Kind == decode.Ident {
				params = append(params, a.l.fold(a.at(r[0]).Text))
			}
		}
		body := [2]int{closeP + 1, a.stmtEnd(closeP+1, false)}
		k := closeP + 1
		if jsIs(a.at(k), "=>") {
			k++
		}
		if jsIs(a.at(k), "{") {
			body = [2]int{k, a.closeOf(k)}
		}
		a.funcs[a.l.fold(t.Text)] = append(a.funcs[a.l.fold(t.Text)], &function{name: t.Text, params: params, body: body})
	}
}

// nodeDataListener reports whether token i is the on of req.on('data', ...).
func (a *analysis) nodeDataListener(i int) bool {
	t := a.at(i)
	if !jsIs(t, "on") && !jsIs(t, "once") && !jsIs(t, "addListener") || !jsIs(a.at(i-1), ".") || !jsIs(a.at(i+1), "(") {
		return false
	}
	s := a.at(i + 2)
	return s.Kind == decode.Str && s.Text == "data" && a.nodeRequest(i-2)
}

// nodeExtra follows request input where assignments do not: the chunks a request's 'data'
// events hand their listener.
func nodeExtra(a *analysis, i int) {
	if !a.nodeDataListener(i) {
		return
	}
	if rs := a.args(i + 1); len(rs) > 1 {
		if p := a.firstParam(rs[1][0]); p != "" {
			if _, seen := a.taint[p]; !seen {
				a.mark(p, origin{source: a.label(i-2, i+3) + " (the request body)"})
			}
		}
	}
}
