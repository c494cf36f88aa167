package webshell

import (
	"bytes"
	"strings"

	"github.com/strata-forensics/strata/signatures/decode"
)

// Web applications written as handlers of a framework rather than CGI scripts: a Flask,
// FastAPI, Django, aiohttp, Tornado, Bottle or Sanic view, a Rails controller or Sinatra
// route, a Mojolicious or Dancer route, an OpenResty Lua handler. What the framework hands
// the handler from the request (route variables, query and form parameters, the body) is
// request input like a CGI form's.

// webMarkers say a Python, Ruby or Perl file is an application a web framework serves.
var webMarkers = map[string][][]byte{
	"python": {[]byte("from flask"), []byte("import flask"), []byte("from quart"), []byte("import quart"), []byte("from fastapi"),
		[]byte("import fastapi"), []byte("from starlette"), []byte("from django"), []byte("import django"), []byte("from aiohttp"),
		[]byte("import aiohttp"), []byte("import tornado"), []byte("from tornado"), []byte("from bottle"), []byte("import bottle"),
		[]byte("from sanic"), []byte("import sanic"), []byte("import falcon"), []byte("import cherrypy"), []byte("from pyramid"),
		[]byte("from rest_framework"), []byte("from flask_restful")},
	"ruby": {[]byte("ApplicationController"), []byte("ActionController"), []byte("sinatra"), []byte("Sinatra::"), []byte("Roda"),
		[]byte("Grape::API"), []byte("Rack::Request"), []byte("Hanami::")},
	"perl": {[]byte("Mojolicious"), []byte("Mojo::Base"), []byte("Dancer"), []byte("Plack::Request"), []byte("CGI::Fast"),
		[]byte("Catalyst::Controller")},
}

// webApp reports whether data is an application a web framework of language l serves.
func webApp(l *lang, data []byte) bool {
	return l != nil && containsAny(data, webMarkers[l.name])
}

// luaLang recognises a Lua file a web server runs: an OpenResty handler (a Lua file that
// calls the ngx API, which exists only inside nginx), or an nginx configuration that embeds
// Lua handlers (content_by_lua_block, access_by_lua '...'). nginx reports whether it is the
// configuration, whose Lua nginxLua extracts.
func luaLang(p, ext string, data []byte) (l *lang, nginx bool) {
	switch {
	case ext == ".lua" || bytes.HasPrefix(data, []byte("#!")) && bytes.Contains(data[:min(len(data), 64)], []byte("lua")):
		if bytes.Contains(data, []byte("ngx.")) {
			return langLua, false
		}
	case (ext == ".conf" || strings.Contains(p, "nginx") || strings.Contains(p, "openresty")) && bytes.Contains(data, []byte("_by_lua")) &&
		bytes.Contains(data, []byte("ngx.")):
		return langLua, true
	}
	return nil, false
}

// nginxLua returns the Lua code an nginx configuration embeds, each handler on lines of its
// own: the bodies of *_by_lua_block { ... } and the strings of *_by_lua '...'.
func nginxLua(data []byte) []byte {
	var out []byte
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], []byte("_by_lua"))
		if i < 0 {
			break
		}
		j := off + i + len("_by_lua")
		off = j
		rest := data[j:]
		switch {
		case bytes.HasPrefix(rest, []byte("_block")):
			k := bytes.IndexByte(rest, '{')
			if k < 0 || k > 16 {
				continue
			}
			start := j + k
			depth, end := 0, len(data)
			for m := start; m < len(data); m++ {
				if data[m] == '{' {
					depth++
				} else if data[m] == '}' {
					depth--
					if depth == 0 {
						end = m
						break
					}
				}
			}
			out = append(append(append(out, '\n'), data[start+1:min(end, len(data))]...), '\n')
			off = min(end+1, len(data))
		case bytes.HasPrefix(rest, []byte("_file")):
			continue // the file is analysed where it lies
		default:
			k := 0
			for k < len(rest) && (rest[k] == ' ' || rest[k] == '\t' || rest[k] == '\n' || rest[k] == '\r') {
				k++
			}
			if k >= len(rest) || rest[k] != '\'' && rest[k] != '"' {
				continue
			}
			q := rest[k]
			end := k + 1
			for end < len(rest) && rest[end] != q {
				if rest[end] == '\\' {
					end++
				}
				end++
			}
			out = append(append(append(out, '\n'), rest[k+1:min(end, len(rest))]...), '\n')
			off = j + min(end+1, len(rest))
		}
	}
	return out
}

// luaSource reports whether token i starts request input in an OpenResty handler: the
// request's arguments, body and headers read through ngx.req, or the ngx.var variables nginx
// fills from the request ($arg_x, $http_x, $cookie_x, $request_body ...).
func luaSource(a *analysis, i int) (string, int, bool) {
	t := a.at(i)
	if !t.Is("ngx") || !a.at(i+1).Is(".") {
		return "", 0, false
	}
	switch obj, m := a.at(i+2), a.at(i+4); {
	case obj.Is("req") && a.at(i+3).Is(".") && a.at(i+5).Is("("):
		switch m.Text {
		case "get_uri_args", "get_post_args", "get_body_data", "get_headers", "raw_header", "get_body_file", "get_method":
			if m.Text == "get_method" {
				return "", 0, false
			}
			end := a.closeOf(i+5) + 1
			return a.label(i, end), end, true
		}
	case obj.Is("var") && a.at(i+3).Is("."):
		n := m.Text
		if strings.HasPrefix(n, "arg_") || strings.HasPrefix(n, "http_") || strings.HasPrefix(n, "cookie_") {
			return a.label(i, i+5), i + 5, true
		}
		switch n {
		case "args", "query_string", "request_body", "request_uri", "uri", "request":
			return a.label(i, i+5), i + 5, true
		}
	case obj.Is("var") && a.at(i+3).Is("[") && a.at(i+4).Kind == decode.Str:
		n := a.at(i + 4).Text
		if strings.HasPrefix(n, "arg_") || strings.HasPrefix(n, "http_") || strings.HasPrefix(n, "cookie_") || n == "request_body" || n == "args" {
			end := a.closeOf(i+3) + 1
			return a.label(i, end), end, true
		}
	}
	return "", 0, false
}

// luaSink records a flow if token i is a Lua call that runs a command or code: io.popen,
// os.execute, loadstring/load (then called), dofile and loadfile of a request-named file,
// and the shells of the OpenResty libraries (ngx.pipe.spawn, resty.shell's run).
func luaSink(a *analysis, i int) {
	t := a.at(i)
	open, recv := i+1, ""
	switch {
	case t.Kind == decode.Ident && (a.at(i-1).Is(".") || a.at(i-1).Is(":")):
		recv = a.at(i - 2).Text
	case t.Kind == decode.Str && a.at(i-1).Is("[") && a.at(i+1).Is("]"):
		// io["po" .. "pen"](c), os['execute'](c)
		open, recv = i+2, a.at(i-2).Text
	case t.Kind != decode.Ident:
		return
	}
	if !a.at(open).Is("(") {
		return
	}
	rs := a.args(open)
	if (t.Is("pcall") || t.Is("xpcall")) && recv == "" && len(rs) > 1 {
		// pcall(os.execute, c): the function called with the arguments after it
		f := rs[0]
		if f[1] == f[0]+3 && a.at(f[0]+1).Is(".") {
			switch m, n := a.at(f[0]).Text, a.at(f[0]+2).Text; {
			case m == "io" && n == "popen", m == "os" && n == "execute":
				a.report(sinkCommand, m+"."+n+"() via "+t.Text+"()", i, rs[1:2])
			}
		}
		if f[1] == f[0]+1 && (a.at(f[0]).Is("loadstring") || a.at(f[0]).Is("load")) {
			a.report(sinkCode, a.at(f[0]).Text+"() via "+t.Text+"()", i, rs[1:2])
		}
		return
	}
	switch n := t.Text; {
	case n == "popen" && recv == "io", n == "execute" && recv == "os":
		a.report(sinkCommand, recv+"."+n+"()", i, first(rs))
	case n == "spawn" && recv == "pipe", n == "run" && recv == "shell":
		a.report(sinkCommand, recv+"."+n+"()", i, first(rs))
	case (n == "loadstring" || n == "load") && (recv == "" || recv == "_G"):
		a.report(sinkCode, n+"()", i, first(rs))
	case (n == "dofile" || n == "loadfile") && recv == "":
		a.report(sinkInclude, n+"()", i, first(rs))
	}
}

// luaFunctions finds the functions a Lua handler defines (function f(a), local function
// f(a), function M.f(a), local f = function (a)), so that request input passed to one
// reaches its parameters.
func luaFunctions(a *analysis) {
	for i, t := range a.toks {
		if !t.Is("function") {
			continue
		}
		j := i + 1
		name := ""
		for a.at(j).Kind == decode.Ident && (a.at(j+1).Is(".") || a.at(j+1).Is(":")) {
			j += 2
		}
		if a.at(j).Kind == decode.Ident {
			name = a.at(j).Text
			j++
		} else if a.at(i-1).Is("=") && a.at(i-2).Kind == decode.Ident {
			name = a.at(i - 2).Text
		}
		if name == "" || !a.at(j).Is("(") {
			continue
		}
		var params []string
		for _, r := range a.args(j) {
			if r[1] > r[0] && a.at(r[0]).Kind == decode.Ident {
				params = append(params, a.at(r[0]).Text)
			}
		}
		a.funcs[name] = append(a.funcs[name], &function{name: name, params: params, body: [2]int{j, len(a.toks)}})
	}
}

// pyRouteVerbs are the decorators that register a view for a route: Flask, Quart and
// Bottle's route, FastAPI, Starlette, Sanic and aiohttp's verbs.
var pyRouteVerbs = map[string]bool{"route": true, "get": true, "post": true, "put": true, "patch": true, "delete": true,
	"api_route": true, "websocket": true, "head": true, "options": true}

// pyNotInput are parameters a framework hands a view that the client does not choose: the
// request object itself, and dependencies.
var pyNotInput = map[string]bool{"self": true, "cls": true, "request": true, "req": true, "response": true, "resp": true, "res": true,
	"background_tasks": true, "db": true, "session": true}

// pySafeTypes are annotations a framework converts the client's value to before the view
// runs: no command or code can come out of them.
var pySafeTypes = map[string]bool{"int": true, "float": true, "bool": true, "UUID": true, "uuid": true, "date": true,
	"datetime": true, "Decimal": true, "Request": true, "HttpRequest": true, "WebSocket": true, "BackgroundTasks": true,
	"Response": true, "Session": true}

// pyViewBases are the base classes whose verb methods (get, post ...) a framework calls with
// the route's variables: Tornado's RequestHandler, Flask's View and MethodView, Django's and
// Django REST framework's views and viewsets, Starlette's HTTPEndpoint, flask-restful's
// Resource, Falcon's responders are plain classes (on_get) and read below.
var pyViewBases = []string{"RequestHandler", "View", "APIView", "ViewSet", "HTTPEndpoint", "Resource"}

// pyRouteParams marks the parameters of the Python views a framework hands request input:
// a function under a route decorator (@app.route('/x/<cmd>'), @app.get("/{cmd}"),
// @routes.post('/x')), a view add_url_rule registers, the verb methods of a class-based
// view (a Tornado RequestHandler's path groups, a MethodView's or a Django View's URL
// arguments), a Falcon responder's (on_get), and a Django view's URL arguments.
func pyRouteParams(a *analysis, django bool) {
	tornado := -1 // where the last class-based view starts
	views := map[string]string{}
	for i, t := range a.toks {
		if t.Is("class") && a.at(i+1).Kind == decode.Ident {
			tornado = -1
			if a.at(i + 2).Is("(") {
				for j := i + 3; j < a.closeOf(i+2); j++ {
					for _, b := range pyViewBases {
						if strings.HasSuffix(a.at(j).Text, b) {
							tornado, a.views = i, true
						}
					}
				}
			}
		}
		if t.Is("add_url_rule") && a.at(i+1).Is("(") {
			// add_url_rule('/x/<cmd>', 'name', view) or view_func=view
			rs := a.args(i + 1)
			for n, r := range rs {
				switch {
				case r[1] == r[0]+3 && a.at(r[0]).Is("view_func") && a.at(r[0]+1).Is("="):
					views[a.at(r[0]+2).Text] = "add_url_rule"
				case n == 2 && r[1] == r[0]+1 && a.at(r[0]).Kind == decode.Ident:
					views[a.at(r[0]).Text] = "add_url_rule"
				}
			}
		}
		if !t.Is("def") || a.at(i+1).Kind != decode.Ident || !a.at(i+2).Is("(") {
			continue
		}
		name := a.at(i + 1).Text
		via := pyRouteDecorator(a, i)
		switch {
		case via != "":
		case tornado >= 0 && (pyRouteVerbs[strings.ToLower(name)] || name == "list" || name == "retrieve" || name == "create" || name == "update"):
			via = "class-based view " + a.at(tornado+1).Text + "." + name
		case strings.HasPrefix(name, "on_") && pyRouteVerbs[strings.TrimPrefix(name, "on_")] && a.at(i+3).Is("self"):
			via = "Falcon responder " + name
		case django && a.at(i+3).Is("request"):
			via = "Django view"
		default:
			continue
		}
		pyMarkParams(a, i+2, name, via)
	}
	if len(views) == 0 {
		return
	}
	for i, t := range a.toks {
		if t.Is("def") && a.at(i+2).Is("(") && views[a.at(i+1).Text] != "" {
			pyMarkParams(a, i+2, a.at(i+1).Text, views[a.at(i+1).Text])
		}
	}
}

// pyMarkParams marks the parameters of the view whose parameter list opens at token open.
func pyMarkParams(a *analysis, open int, name, via string) {
	for _, r := range a.args(open) {
		p := a.at(r[0])
		if p.Is("*") || p.Is("**") {
			p = a.at(r[0] + 1)
		}
		if p.Kind != decode.Ident || pyNotInput[p.Text] {
			continue
		}
		safe := false
		for j := r[0] + 1; j < r[1]; j++ {
			if x := a.at(j); x.Is("Depends") || x.Is("Security") || a.at(j-1).Is(":") && pySafeTypes[x.Text] && !a.at(j+1).Is(".") {
				safe = true
			}
		}
		if !safe {
			a.mark(a.l.fold(p.Text), origin{source: "route parameter " + p.Text + " of " + name + "() (" + via + ")"})
		}
	}
}

// pyRouteDecorator returns the route a decorator over the def at token i registers (its
// path, as the evidence shows it), "" when none does.
func pyRouteDecorator(a *analysis, i int) string {
	j := i - 1
	if a.at(j).Is("async") {
		j--
	}
	for n := 0; n < 8; n++ {
		for a.at(j).Kind == decode.Newline && j > 0 {
			j--
		}
		if !a.at(j).Is(")") || a.match[j] < 0 {
			return ""
		}
		open := a.match[j]
		verb := a.at(open - 1)
		k := open - 1
		for a.at(k-1).Is(".") && a.at(k-2).Kind == decode.Ident {
			k -= 2
		}
		if !a.at(k - 1).Is("@") {
			return ""
		}
		if pyRouteVerbs[strings.ToLower(verb.Text)] {
			if s := a.at(open + 1); s.Kind == decode.Str && (strings.HasPrefix(s.Text, "/") || s.Text == "") {
				return "@" + verb.Text + "('" + s.Text + "')"
			}
		}
		j = k - 2 // the decorator above this one
	}
	return ""
}

// rubyBlockRoutes are the Sinatra (and Roda, Grape) route verbs whose block parameters are
// the route's captures: get '/x/:cmd' do |cmd| ... end.
var rubyBlockRoutes = map[string]bool{"get": true, "post": true, "put": true, "patch": true, "delete": true, "options": true, "route": true}

// rubyRouteBlock marks the parameters of a route block at token i (the do or { after a
// verb and its path).
func rubyRouteBlock(a *analysis, i int) {
	t := a.toks[i]
	if !(t.Is("do") || t.Is("{")) || !a.at(i+1).Is("|") {
		return
	}
	j := i - 1
	for j > 0 && i-j < 8 && !a.at(j).Is("\n") && a.at(j).Kind != decode.Newline && !rubyBlockRoutes[a.at(j).Text] {
		j--
	}
	if !rubyBlockRoutes[a.at(j).Text] || a.at(j+1).Kind != decode.Str && !a.at(j+1).Is("(") {
		return
	}
	for k := i + 2; k < len(a.toks) && k < i+16 && !a.at(k).Is("|"); k++ {
		if x := a.at(k); x.Kind == decode.Ident && !isKeyword(a.l, x.Text) {
			key := a.l.fold(x.Text)
			if _, seen := a.taint[key]; !seen {
				a.mark(key, origin{source: "route capture " + a.at(k).Text + " of " + a.at(j).Text + " '" + a.at(j+1).Text + "'"})
			}
		}
	}
}

// rubyRouteBlocks marks the parameters of every route block (rubyRouteBlock) and reports
// whether there were any: request input that no expression reads.
func (a *analysis) rubyRouteBlocks() bool {
	for i := range a.toks {
		rubyRouteBlock(a, i)
	}
	return len(a.taint) > 0
}

// rubyRequest reports request input a Rails, Sinatra or Rack handler reads at token i:
// params.require(:x), params.fetch(:x), params.permit(...), params.dig(...), cookies[:x],
// request.raw_post and the like ([] reads are source's).
func rubyRequest(a *analysis, i int) (string, int, bool) {
	t := a.at(i)
	switch {
	case t.Is("params") && a.at(i+1).Is(".") && !a.at(i-1).Is("."):
		switch a.at(i + 2).Text {
		case "require", "fetch", "permit", "dig", "values_at", "to_unsafe_h", "to_h", "slice", "expect", "[]":
			end := i + 3
			if a.at(end).Is("(") {
				end = a.closeOf(end) + 1
			}
			return a.label(i, end), end, true
		}
	case t.Is("cookies") && a.at(i+1).Is("[") && !a.at(i-1).Is("."):
		end := a.closeOf(i+1) + 1
		return a.label(i, end), end, true
	case t.Is("request") && a.at(i+1).Is(".") && !a.at(i-1).Is("."):
		switch a.at(i + 2).Text {
		case "raw_post", "POST", "GET", "query_parameters", "request_parameters", "path_parameters", "headers", "cookies":
			return a.label(i, i+3), i + 3, true
		}
	}
	return "", 0, false
}

// perlRequest reports request input a Mojolicious, Dancer or Plack handler reads at token i:
// $c->stash('cmd') (a route placeholder), $c->req->body, route_parameters->get('x').
func perlRequest(a *analysis, i int) (string, int, bool) {
	t := a.at(i)
	if t.Kind != decode.Ident {
		return "", 0, false
	}
	switch {
	case t.Is("stash") && a.at(i-1).Is("->") && a.at(i+1).Is("(") && a.at(i+2).Kind == decode.Str && a.at(i+3).Is(")"):
		end := i + 4
		return a.label(max(0, i-2), end), end, true
	case t.Is("req") && a.at(i-1).Is("->") && a.at(i+1).Is("->"):
		switch a.at(i + 2).Text {
		case "body", "json", "params", "query_params", "body_params", "text", "content", "parameters", "query_parameters", "body_parameters", "raw_body":
			end := i + 3
			if a.at(end).Is("(") {
				end = a.closeOf(end) + 1
			}
			return a.label(max(0, i-2), end), end, true
		}
	case (t.Is("route_parameters") || t.Is("query_parameters") || t.Is("body_parameters")) && a.at(i+1).Is("->"):
		end := i + 3
		if a.at(end).Is("(") {
			end = a.closeOf(end) + 1
		}
		return a.label(i, end), end, true
	}
	return "", 0, false
}

// pySerializedCode records request bytes handed to a deserializer that runs code:
// pickle.loads (and cPickle, dill, marshal), yaml.load without a safe loader, yaml.unsafe_load.
func pySerializedCode(a *analysis, i int) {
	t := a.at(i)
	if !a.at(i-1).Is(".") || !a.at(i+1).Is("(") {
		return
	}
	recv := a.at(i - 2).Text
	rs := a.args(i + 1)
	if a.signed() {
		// a signed cookie or session (itsdangerous, pyramid's): the bytes are checked against
		// a server key before they are loaded
		return
	}
	switch {
	case (t.Is("loads") || t.Is("load")) && (recv == "pickle" || recv == "cPickle" || recv == "dill" || recv == "_pickle"):
		a.report(sinkCode, recv+"."+t.Text+"()", i, first(rs))
	case t.Is("unsafe_load") && recv == "yaml", t.Is("load") && recv == "yaml" && !pySafeLoader(a, rs):
		a.report(sinkCode, "yaml."+t.Text+"()", i, first(rs))
	}
}

// pySafeLoader reports a yaml.load call given a loader that builds no objects.
func pySafeLoader(a *analysis, rs [][2]int) bool {
	for _, r := range rs[min(1, len(rs)):] {
		for j := r[0]; j < r[1]; j++ {
			switch a.at(j).Text {
			case "SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader":
				return true
			}
		}
	}
	return false
}

// rubyExtraSink records the Ruby command sinks a receiver names (Kernel.system,
// Process.spawn, PTY.spawn), and Kernel#open of a pipe ("|cmd") or of a path the request
// starts.
func rubyExtraSink(a *analysis, i int) {
	t := a.at(i)
	if t.Kind != decode.Ident {
		return
	}
	recv := ""
	if a.at(i - 1).Is(".") {
		recv = a.at(i - 2).Text
	}
	switch {
	case (t.Is("system") || t.Is("exec") || t.Is("spawn")) && (recv == "Kernel" || recv == "Process" || recv == "PTY"):
		a.reportExec(recv+"."+t.Text+"()", i, a.listArgs(i))
	case t.Is("open") && (recv == "" || recv == "Kernel"):
		rs := a.listArgs(i)
		if len(rs) == 0 {
			return
		}
		if s := a.at(rs[0][0]); s.Kind == decode.Str && strings.HasPrefix(strings.TrimSpace(s.Text), "|") {
			a.report(sinkCommand, "open(\"|...\")", i, rs[:1])
			return
		}
		if a.headTainted(rs[0][0], rs[0][1]) {
			// Kernel#open runs what follows a leading "|" of the path it is given
			a.report(sinkCommand, "Kernel#open() of a path the request starts (\"|cmd\" runs cmd)", i, rs[:1])
		}
	}
}

// pageLabel is what a finding calls the page: a framework's handler, or the language's page
// or CGI script.
func (pg page) label() string {
	if pg.handler && pg.lang.handlerLabel != "" {
		return pg.lang.handlerLabel
	}
	return pg.lang.label
}

// pyImported reports whether the code imports name from module (from subprocess import
// run, call; from subprocess import *): a bare run() is subprocess's only then, and not a
// framework's own run().
func (a *analysis) pyImported(module, name string) bool {
	for i, t := range a.toks {
		if !t.Is("from") || !a.at(i+1).Is(module) || !a.at(i+2).Is("import") {
			continue
		}
		end := len(a.toks)
		if a.at(i + 3).Is("(") {
			end = a.closeOf(i + 3)
		}
		for j := i + 3; j < end && (a.at(j).Kind != decode.Newline || end < len(a.toks)); j++ {
			if x := a.at(j); x.Is(name) || x.Is("*") {
				return true
			}
		}
	}
	return false
}

// signed reports code that checks a message authentication code (hmac, compare_digest, a
// SignedSerializer or Signer): what it deserializes is data it signed itself.
func (a *analysis) signed() bool {
	if a.macChecked == 0 {
		a.macChecked = -1
		for _, t := range a.toks {
			if t.Kind == decode.Ident && (t.Is("hmac") || t.Is("compare_digest") || t.Is("HMAC") || strings.Contains(t.Text, "Signed") || strings.Contains(t.Text, "Signer")) {
				a.macChecked = 1
				break
			}
		}
	}
	return a.macChecked > 0
}
