package webshell

import (
	"slices"
	"strconv"
	"strings"

	"github.com/strata-forensics/strata/signatures/decode"
)

// label renders the few tokens from i to end for evidence: `$_GET['c']`, `request.getParameter("c")`.
func (a *analysis) label(i, end int) string {
	var b strings.Builder
	for j := i; j < min(end, i+8, len(a.toks)); j++ {
		t := a.toks[j]
		if t.Kind == decode.Str {
			v := t.Text
			if len(v) > 24 {
				v = v[:24] + "…"
			}
			b.WriteString("'" + v + "'")
			continue
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// sessionSource marks the label of a PHP session value taken as input.
const sessionSource = " (session data)"

// fetchedSource marks the label of a remote URL whose content a PHP page may fetch: what a
// server the page names sends back is the attacker's as much as request input is, when it
// becomes code (eval('?>' . file_get_contents('https://...'))). A URL also flows into paths
// and settings (a library's home page into its font file's name), and a page that fetches
// data and runs a command with it is an installer: Analyze keeps such flows into eval and its
// kin only.
const fetchedSource = " (fetched from the network)"

// remoteURL reports a literal that is a URL of a remote server.
func remoteURL(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "ftp://")) && len(s) > len("https://x.y")
}

// source reports whether token i starts request input: a label for it and where it ends.
func (l *lang) source(a *analysis, i int) (string, int, bool) {
	t := a.at(i)
	switch l.name {
	case "php":
		switch t.Kind {
		case decode.Var:
			name := strings.ToLower(t.Text)
			if phpSuperglobals[name] {
				end := i + 1
				if a.at(i + 1).Is("[") {
					end = a.closeOf(i+1) + 1
				}
				return a.label(i, end), end, true
			}
			if name == "$_session" && a.at(i+1).Is("[") {
				// what one request stored for the next: a payload kept in the session is
				// evaluated without a request parameter in sight (Analyze keeps such flows
				// into code sinks only)
				end := a.closeOf(i+1) + 1
				return a.label(i, end) + sessionSource, end, true
			}
			if name == "$globals" && a.at(i+1).Is("[") && a.at(i+2).Kind == decode.Var && a.superNamed() {
				// $GLOBALS[$k] where the page spells a superglobal's name as a literal
				// ($k = '_POST'): the superglobal read through the array of globals
				end := a.closeOf(i+1) + 1
				return a.label(i, end) + " (a superglobal named by a literal)", end, true
			}
			if (name == "$_server" || name == "$_env" || name == "$http_server_vars") && a.at(i+1).Is("[") && a.at(i+2).Kind == decode.Str && userServerKey(a.at(i+2).Text) {
				return a.label(i, i+4), i + 4, true
			}
		case decode.Punct:
			// $$name where the page spells a superglobal's name as a literal:
			// foreach (array('_POST') as $r) { foreach ($$r as $k => $v) ... }
			if t.Text == "$" && a.at(i+1).Kind == decode.Var && a.superNamed() {
				return "$" + a.at(i+1).Text + " (a superglobal named by a literal)", i + 2, true
			}
		case decode.Str:
			if v := strings.TrimSpace(t.Text); len(v) >= len("php://input") && strings.EqualFold(v[:len("php://input")], "php://input") {
				return "php://input", i + 1, true
			}
			if remoteURL(t.Text) && a.runsCode() {
				return a.label(i, i+1) + fetchedSource, i + 1, true
			}
		case decode.Ident:
			if !a.at(i+1).Is("(") || a.at(i-1).Is("->") || a.at(i-1).Is("function") {
				return "", 0, false
			}
			switch strings.ToLower(t.Text) {
			case "getallheaders", "apache_request_headers", "filter_input", "filter_input_array", "http_get_request_body":
				return t.Text + "()", a.closeOf(i+1) + 1, true
			case "getenv", "apache_getenv":
				// getenv('HTTP_ACCEPT_LANGUAGE'): a header the client sends
				// (HTTP_PROXY names a proxy in every other program's environment)
				if s := a.at(i + 2); s.Kind == decode.Str && userServerKey(s.Text) && !strings.Contains(strings.ToUpper(s.Text), "PROXY") {
					end := a.closeOf(i+1) + 1
					return a.label(i, end), end, true
				}
			}
		}
	case "java":
		if t.Kind == decode.Ident && a.at(i-1).Is(".") && a.at(i+1).Is("(") && javaSources[strings.ToLower(t.Text)] && a.requestReceiver(i-2) {
			end := a.closeOf(i+1) + 1
			return a.label(max(0, i-2), end), end, true
		}
		if t.Kind == decode.Ident && t.Text == "invoke" && a.at(i-1).Is(".") && a.at(i+1).Is("(") {
			if name := a.reflectedRequestMethod(i - 2); javaSources[strings.ToLower(name)] {
				// m = request.getClass().getMethod("getHeader", String.class); m.invoke(req, "cmd"):
				// a request method called by reflection, the request found any way (a thread's
				// locals walked to the container's connection)
				end := a.closeOf(i+1) + 1
				return a.label(max(0, i-2), end) + " (" + name + " called by reflection)", end, true
			}
		}
	case "csharp", "jscript", "vbscript":
		if t.Kind == decode.Ident && a.controls[strings.ToLower(t.Text)] && a.at(i+1).Is(".") && controlValues[strings.ToLower(a.at(i+2).Text)] && !a.at(i-1).Is(".") {
			return a.label(i, i+3) + " (a form field)", i + 3, true
		}
		if t.Kind == decode.Ident && strings.EqualFold(t.Text, "Request") && a.at(i-1).Is(".") && a.at(i-2).Is(")") && a.at(i+1).Is(".") && aspSources[strings.ToLower(a.at(i+2).Text)] {
			// ((HttpContext)d[0]).Request.BinaryRead(...): the request of a context the page
			// casts or a call returns, read by one of the request's own members
			end := i + 3
			if a.at(end).Is("[") || a.at(end).Is("(") {
				end = a.closeOf(end) + 1
			}
			return a.label(i, end), end, true
		}
		if t.Kind == decode.Ident && strings.EqualFold(t.Text, "Request") && !a.at(i-1).Is(".") || t.Kind == decode.Ident && strings.EqualFold(t.Text, "Request") && a.at(i-1).Is(".") && (a.at(i-2).Is("Current") || a.at(i-2).Is("Context") || a.at(i-2).Is("Page") || a.at(i-2).Is("this") || a.at(i-2).Is("Me") || a.httpContext(i-2)) {
			next := a.at(i + 1)
			switch {
			case next.Is("[") || next.Is("("):
				end := a.closeOf(i+1) + 1
				return a.label(i, end), end, true
			case next.Is(".") && aspSources[strings.ToLower(a.at(i+2).Text)]:
				end := i + 3
				if a.at(end).Is("[") || a.at(end).Is("(") {
					end = a.closeOf(end) + 1
				}
				return a.label(i, end), end, true
			case next.Is(".") && a.at(i+2).Is("ServerVariables") && (a.at(i+3).Is("[") || a.at(i+3).Is("(")) && a.at(i+4).Kind == decode.Str && userServerKey(a.at(i+4).Text):
				end := a.closeOf(i+3) + 1
				return a.label(i, end), end, true
			case a.at(i-1).Is(".") && (next.Is(";") || next.Kind == decode.Newline):
				// var r = HttpContext.Current.Request;: r reads the request as Request does
				return a.label(max(0, i-2), i+1), i + 1, true
			case a.at(i-1).Is("=") && !a.at(i-2).Is("=") && (next.Is(";") || next.Kind == decode.Newline):
				// var r = Request;: r is the page's request
				return a.label(i, i+1), i + 1, true
			}
		}
	case "perl":
		switch {
		case t.Kind == decode.Ident && (t.Is("param") || t.Is("url_param") || t.Is("multi_param") || t.Is("Vars") || t.Is("cookie") || t.Is("upload")) &&
			(a.at(i+1).Is("(") || a.at(i-1).Is("->") || a.at(i+1).Kind == decode.Str):
			end := i + 1
			if a.at(i + 1).Is("(") {
				end = a.closeOf(i+1) + 1
			}
			return a.label(max(0, i-2), end), end, true
		case t.Kind == decode.Var && t.Text == "$ENV" && a.at(i+1).Is("{") && (a.at(i+2).Kind == decode.Str || a.at(i+2).Kind == decode.Ident) && userServerKey(a.at(i+2).Text):
			return a.label(i, i+4), i + 4, true
		case t.Is("<") && a.at(i+1).Is("STDIN") && a.at(i+2).Is(">"):
			return "<STDIN>", i + 3, true
		}
		return perlRequest(a, i)
	case "node":
		return nodeSource(a, i)
	case "python":
		if t.Kind != decode.Ident {
			break
		}
		switch {
		case t.Is("FieldStorage") && a.at(i+1).Is("("):
			end := a.closeOf(i+1) + 1
			return "cgi.FieldStorage()", end, true
		case t.Is("environ") && (a.at(i+1).Is("[") && a.at(i+2).Kind == decode.Str && userServerKey(a.at(i+2).Text) ||
			a.at(i+1).Is(".") && a.at(i+2).Is("get") && a.at(i+4).Kind == decode.Str && userServerKey(a.at(i+4).Text)):
			return a.label(i, i+4), i + 4, true
		case t.Is("stdin") && a.at(i-1).Is(".") && a.at(i-2).Is("sys") && !a.handler:
			// a CGI script's body; a framework's code reads its own terminal there
			return "sys.stdin", i + 1, true
		case t.Is("request") && a.at(i+1).Is(".") && pyRequest[a.at(i+2).Text]:
			return a.label(i, i+3), i + 3, true
		case pyHandlerReads[t.Text] && a.at(i-1).Is(".") && a.at(i-2).Is("self") && a.at(i+1).Is("("):
			// a Tornado handler's self.get_argument('x')
			end := a.closeOf(i+1) + 1
			return a.label(i-2, end), end, true
		case a.views && t.Is("kwargs") && a.at(i-1).Is(".") && a.at(i-2).Is("self"):
			// a Django class-based view's URL arguments
			return "self.kwargs", i + 1, true
		case a.handler && t.Is("req") && a.at(i+1).Is(".") && (pyRequest[a.at(i+2).Text] || a.at(i+2).Is("get_param") || a.at(i+2).Is("media") ||
			a.at(i+2).Is("bounded_stream") || a.at(i+2).Is("get_header")):
			// Falcon's req.get_param('x'), req.media, req.stream
			end := i + 3
			if a.at(end).Is("(") {
				end = a.closeOf(end) + 1
			}
			return a.label(i, end), end, true
		}
	case "ruby":
		if t.Kind != decode.Ident {
			break
		}
		switch {
		case (t.Is("params") || t.Is("cgi")) && a.at(i+1).Is("["):
			end := a.closeOf(i+1) + 1
			return a.label(i, end), end, true
		case t.Is("CGI") && a.at(i+1).Is(".") && a.at(i+2).Is("new"):
			return "CGI.new", i + 3, true
		case t.Is("ENV") && a.at(i+1).Is("[") && a.at(i+2).Kind == decode.Str && userServerKey(a.at(i+2).Text):
			return a.label(i, i+4), i + 4, true
		case t.Is("request") && a.at(i+1).Is(".") && (a.at(i+2).Is("body") || a.at(i+2).Is("params") || a.at(i+2).Is("query_string")):
			return a.label(i, i+3), i + 3, true
		case (t.Is("STDIN") || t.Is("stdin")) && a.at(i+1).Is(".") && a.at(i+2).Is("read"):
			return "STDIN.read", i + 3, true
		}
		return rubyRequest(a, i)
	case "lua":
		return luaSource(a, i)
	}
	return "", 0, false
}

// httpContext reports whether the identifier at i names a variable or parameter the code
// declares as an HttpContext (ProcessRequest(HttpContext ctx) in a handler): ctx.Request is
// the request, whatever the name.
func (a *analysis) httpContext(i int) bool {
	t := a.at(i)
	if t.Kind != decode.Ident {
		return false
	}
	if a.ctxVars == nil {
		a.ctxVars = map[string]bool{}
		for j, u := range a.toks {
			if u.Kind == decode.Ident && (u.Is("HttpContext") || u.Is("HttpContextBase")) && a.at(j+1).Kind == decode.Ident && !a.at(j+2).Is(".") {
				a.ctxVars[strings.ToLower(a.at(j+1).Text)] = true
			}
		}
	}
	return a.ctxVars[strings.ToLower(t.Text)]
}

// processInternals are the JDK classes that start processes under Runtime.exec and
// ProcessBuilder (and MimeLauncher, which runs a MIME type's viewer command); no page has a
// reason to load them by name.
var processInternals = set("java.lang.ProcessImpl", "java.lang.UNIXProcess", "java.lang.ProcessManager", "sun.net.www.MimeLauncher")

// firstSource returns the first request input the code reads.
func (a *analysis) firstSource() (string, bool) {
	for j := range a.toks {
		if src, _, ok := a.l.source(a, j); ok {
			return src, true
		}
	}
	return "", false
}

// controlValues are the properties of a server-side form control that hold what the client
// sent.
var controlValues = set("Text", "Value", "FileName", "PostedFile", "FileBytes", "FileContent", "SelectedValue", "InnerText", "Items")

var (
	javaSources = set("getParameter", "getParameterValues", "getParameterMap", "getParameterNames", "getHeader", "getHeaders",
		"getInputStream", "getReader", "getQueryString", "getCookies", "getPart", "getParts", "getRequestURI", "getPathInfo")
	aspSources = set("Form", "QueryString", "Params", "Item", "Headers", "Cookies", "InputStream", "BinaryRead", "Files",
		"RawUrl", "Unvalidated", "Body", "GetBufferedInputStream", "GetBufferlessInputStream")
	pyRequest = map[string]bool{"args": true, "form": true, "values": true, "data": true, "json": true, "get_json": true,
		"cookies": true, "headers": true, "files": true, "GET": true, "POST": true, "body": true, "query_params": true,
		"get_data": true, "stream": true, "query": true, "match_info": true, "post": true, "text": true, "read": true,
		"content": true, "path_params": true, "matchdict": true, "params": true, "forms": true, "query_string": true,
		"arguments": true, "query_arguments": true, "body_arguments": true, "uri": true, "get_body": true}
	// pyHandlerReads are a Tornado RequestHandler's methods that return request input.
	pyHandlerReads = map[string]bool{"get_argument": true, "get_arguments": true, "get_query_argument": true,
		"get_query_arguments": true, "get_body_argument": true, "get_body_arguments": true, "get_cookie": true}
)

// requestReceiver reports whether the expression ending at token i is the servlet request:
// request, req, pageContext.getRequest(), a variable named so.
// reflectedRequestMethod returns the name of the method a java.lang.reflect.Method at token i
// stands for: getMethod("name", ...) or getDeclaredMethod("name", ...) called there, or
// assigned to the variable there by its last assignment before i; "" when neither.
func (a *analysis) reflectedRequestMethod(i int) string {
	named := func(open int) string {
		if n := a.at(open - 1); (n.Is("getMethod") || n.Is("getDeclaredMethod")) && a.at(open+1).Kind == decode.Str {
			return a.at(open + 1).Text
		}
		return ""
	}
	t := a.at(i)
	if t.Is(")") {
		if open := a.match[i]; open > 0 {
			return named(open)
		}
		return ""
	}
	if t.Kind != decode.Ident {
		return ""
	}
	for k := i - 1; k >= 0 && k > i-4000; k-- {
		if !a.at(k).Is(t.Text) || !a.at(k+1).Is("=") || a.at(k+2).Is("=") || a.at(k-1).Is(".") {
			continue
		}
		for j := k + 2; j < i && !a.at(j).Is(";"); j++ {
			if a.at(j).Is("(") {
				if n := named(j); n != "" {
					return n
				}
			}
		}
		return ""
	}
	return ""
}

func (a *analysis) requestReceiver(i int) bool {
	t := a.at(i)
	if t.Is(")") {
		if open := a.match[i]; open > 0 {
			n := strings.ToLower(a.at(open - 1).Text)
			return n == "getrequest" || strings.Contains(n, "request")
		}
		return false
	}
	if t.Kind != decode.Ident {
		return false
	}
	n := strings.ToLower(t.Text)
	return n == "request" || n == "req" || strings.HasSuffix(n, "request") || strings.HasSuffix(n, "req")
}

// PHP's sinks.
var (
	phpCommand   = set("system", "exec", "passthru", "shell_exec", "popen", "proc_open", "pcntl_exec", "expect_popen")
	phpCode      = set("eval", "assert", "create_function")
	phpCallbacks = map[string]int{"call_user_func": 0, "call_user_func_array": 0, "forward_static_call": 0,
		"forward_static_call_array": 0, "array_map": 0, "array_filter": 1, "array_walk": 1, "array_walk_recursive": 1,
		"array_reduce": 1, "usort": 1, "uasort": 1, "uksort": 1, "register_shutdown_function": 0,
		"register_tick_function": 0, "iterator_apply": 1, "ob_start": 0, "preg_replace_callback": 1,
		"mb_ereg_replace_callback": 1, "header_register_callback": 0, "set_error_handler": 0, "set_exception_handler": 0,
		"spl_autoload_register": 0, "array_intersect_ukey": 2, "array_diff_ukey": 2, "array_udiff": 2}
	phpRegexReplace = set("preg_replace", "preg_filter", "mb_ereg_replace", "mb_eregi_replace", "ereg_replace", "eregi_replace")
	phpInclude      = set("include", "include_once", "require", "require_once")
)

// dangerous returns the sink kind of a function a callback string names.
func dangerous(name string) (sinkKind, bool) {
	n := strings.ToLower(strings.TrimPrefix(name, "\\"))
	switch {
	case phpCommand[n]:
		return sinkCommand, true
	case phpCode[n]:
		return sinkCode, true
	}
	return 0, false
}

// sink records a flow if token i is a sink that request input reaches.
func (l *lang) sink(a *analysis, i int) {
	t := a.at(i)
	switch l.name {
	case "php":
		l.phpSink(a, i, t)
	case "java":
		if t.Kind != decode.Ident || !a.at(i+1).Is("(") {
			return
		}
		n := strings.ToLower(t.Text)
		dot := a.at(i - 1).Is(".")
		switch {
		case n == "exec" && dot:
			a.report(sinkCommand, "Runtime.exec()", i, a.args(i+1))
		case n == "processbuilder" && a.at(i-1).Is("new"):
			a.report(sinkCommand, "new ProcessBuilder()", i, a.args(i+1))
		case n == "command" && dot:
			a.report(sinkCommand, "ProcessBuilder.command()", i, a.args(i+1))
		case (n == "eval" || n == "evaluate") && dot:
			if a.objects[a.key(i-2)] == "request" {
				// engine.put("request", request): the script reads the request itself
				a.flows = append(a.flows, flow{kind: sinkCode, sink: "ScriptEngine.eval()", source: "the servlet request handed to the script engine", at: i})
				return
			}
			a.report(sinkCode, "ScriptEngine.eval()", i, a.args(i+1))
		case n == "defineclass" || n == "defineanonymousclass" || n == "definehiddenclass":
			// (an application's source, a.handler, may load its plugins' classes: there only a
			// request flow counts)
			if !a.report(sinkClassLoad, "defineClass()", i, a.args(i+1)) && !a.definesClass && !a.handler {
				// a server page that defines classes from bytes it carries or decodes is a
				// loader of code compiled elsewhere (a memory shell's injector, a Chopper-style
				// class fed the request afterwards); pages have no business defining classes
				a.definesClass = true
				a.flows = append(a.flows, flow{kind: sinkClassLoad, sink: t.Text + "()", source: "bytecode the page carries or decodes", at: i})
			}
		case (n == "createvalueexpression" || n == "createmethodexpression") && dot:
			a.report(sinkCode, "EL "+t.Text+"()", i, a.args(i+1))
		case n == "invoke" && dot:
			// Runtime.class.getMethod("exec", String.class).invoke(...)
			if m := a.reflectedMethod(); strings.EqualFold(m, "defineClass") {
				a.report(sinkClassLoad, "reflected "+m+"()", i, a.args(i+1))
			} else if m != "" {
				a.report(sinkCommand, "reflected "+m+"()", i, a.args(i+1))
			} else if dec := a.decodedReflection(); dec != "" {
				// Class.forName(dec("...")): the page hides the class it reflects on behind a
				// decoder of its own, and hands the method it finds request input
				a.report(sinkCode, "a method reflected on a class named by the page's own "+dec+"()", i, a.args(i+1))
			}
		case n == "forname" && dot && a.at(i+2).Kind == decode.Str && processInternals[strings.ToLower(a.at(i+2).Text)]:
			// Class.forName("java.lang.ProcessImpl"): the JDK's own process launcher reached
			// by reflection, past Runtime.exec and ProcessBuilder; what it is handed is out of
			// a data flow's sight (fields, accessors), so a page that also reads the request
			// is taken to hand it over
			if src, ok := a.firstSource(); ok {
				a.flows = append(a.flows, flow{kind: sinkCommand, sink: "reflected " + a.at(i+2).Text + "()", source: src, at: i})
			}
		case (n == "newtransformer" || n == "newtemplates") && dot:
			// TransformerFactory.newTransformer(new StreamSource(in)): a stylesheet runs the Java
			// its extension functions name (Xalan's xmlns:rt="http://xml.apache.org/xalan/java")
			a.report(sinkCode, "XSLT "+t.Text+"() of a stylesheet", i, a.args(i+1))
		case (n == "lookup" && a.jndiReceiver(i-2) || n == "setdatasourcename") && dot:
			// new InitialContext().lookup(name), JdbcRowSetImpl.setDataSourceName(name): a JNDI
			// name (ldap://, rmi://) loads and runs the class its server names
			if rs := a.args(i + 1); len(rs) == 1 {
				a.report(sinkClassLoad, "JNDI "+t.Text+"()", i, rs)
			}
		case n == "xmldecoder" && (a.at(i-1).Is("new") || a.at(i-2).Is("beans")):
			// new XMLDecoder(in).readObject() builds objects and calls methods the XML names
			a.report(sinkCode, "java.beans.XMLDecoder()", i, a.args(i+1))
		case n == "urlclassloader" && (a.at(i-1).Is("new") || a.at(i-2).Is("net")):
			// new URLClassLoader(new URL[]{new URL("http://...")}): classes fetched from the
			// network become the page's code
			if u := a.remoteURL(i+1, a.closeOf(i+1)); u != "" {
				if src, ok := a.firstSource(); ok {
					a.flows = append(a.flows, flow{kind: sinkClassLoad, sink: "URLClassLoader(" + u + ")", source: src, at: i})
				}
			}
		case (n == "expression" || n == "statement") && (a.at(i-1).Is("new") || a.at(i-2).Is("beans")):
			// new java.beans.Expression(target, "exec", new Object[] { cmd }).getValue()
			// calls any method of any object by name
			a.report(sinkCode, "java.beans."+t.Text+"()", i, a.args(i+1))
		case n == "loadclass" && dot:
			// com.sun.org.apache.bcel.internal.util.ClassLoader defines a class from the
			// $$BCEL$$ bytes it is handed: code the page carries with it
			if rs := a.args(i + 1); len(rs) > 0 && a.bcel() {
				a.flows = append(a.flows, flow{kind: sinkClassLoad, sink: "BCEL ClassLoader.loadClass()", source: "bytecode the page embeds ($$BCEL$$)", at: i})
			}
		case n == "write" && dot && a.javac():
			// source code written for javax.tools to compile
			a.report(sinkCode, "javac (javax.tools) of a source built from it", i, a.args(i+1))
		}
	case "csharp", "jscript":
		if t.Kind != decode.Ident || !a.at(i+1).Is("(") {
			return
		}
		n := strings.ToLower(t.Text)
		dot := a.at(i - 1).Is(".")
		switch {
		case n == "start" && dot && a.at(i-2).Text == "Process":
			a.report(sinkCommand, "Process.Start()", i, a.args(i+1))
		case n == "start" && dot:
			if a.objectReceiver(i - 2) {
				a.report(sinkCommand, "Process.Start()", i, [][2]int{{i - 2, i - 1}})
			}
		case n == "invoke" && dot:
			// typeof(Assembly).GetMethod("Load").Invoke(null, new object[] { bytes })
			if m := a.reflectedMethod(); m != "" {
				kind := sinkCommand
				if strings.EqualFold(m, "load") || strings.EqualFold(m, "loadfrom") {
					kind = sinkClassLoad
				}
				a.report(kind, "reflected "+m+"()", i, a.args(i+1))
			}
		case n == "processstartinfo" && a.at(i-1).Is("new") || n == "processstartinfo" && a.at(i-2).Is("new"):
			a.report(sinkCommand, "new ProcessStartInfo()", i, a.args(i+1))
		case (n == "writeline" || n == "write") && dot && a.at(i-2).Is("StandardInput"):
			// p.StandardInput.WriteLine(cmd): what a child process (cmd.exe, /bin/sh) reads
			// as its commands
			a.report(sinkCommand, "Process.StandardInput."+t.Text+"()", i, a.args(i+1))
		case (n == "load" || n == "loadfrom") && dot && (a.at(i-2).Is("Assembly") || a.at(i-2).Is("CurrentDomain")):
			a.report(sinkClassLoad, "Assembly.Load()", i, a.args(i+1))
		case n == "eval" && !dot, n == "jscriptevaluate", n == "compileassemblyfromsource":
			a.report(sinkCode, t.Text+"()", i, a.args(i+1))
		case (n == "exec" || n == "run" || n == "shellexecute") && dot && a.shellReceiver(i-2):
			a.report(sinkCommand, "WScript.Shell."+t.Text+"()", i, a.args(i+1))
		}
	case "vbscript":
		if t.Kind != decode.Ident {
			return
		}
		n := strings.ToLower(t.Text)
		dot := a.at(i - 1).Is(".")
		switch {
		case (n == "execute" || n == "executeglobal" || n == "eval") && !dot:
			rs, before := a.argRange(i), len(a.flows)
			if !a.report(sinkCode, t.Text+"()", i, rs) && len(a.flows) == before {
				if src := a.assembledSource(rs); src != "" {
					a.flows = append(a.flows, flow{kind: sinkCode, sink: t.Text + "()", source: src, at: i, chain: t.Chain})
				}
			}
		case (n == "exec" || n == "run" || n == "shellexecute") && dot && a.shellReceiver(i-2):
			a.report(sinkCommand, "WScript.Shell."+t.Text+"()", i, a.argRange(i))
		case n == "shell" && !dot && a.at(i+1).Is("("):
			a.report(sinkCommand, "Shell()", i, a.args(i+1))
		case n == "start" && dot && a.at(i-2).Is("Process"):
			a.report(sinkCommand, "Process.Start()", i, a.argRange(i))
		case n == "processstartinfo" && (a.at(i-1).Is("new") || a.at(i-2).Is("new") || a.at(i-3).Is("new")) && a.at(i+1).Is("("):
			a.report(sinkCommand, "new ProcessStartInfo()", i, a.args(i+1))
		case (n == "load" || n == "loadfrom") && dot && a.at(i-2).Is("Assembly"):
			a.report(sinkClassLoad, "Assembly.Load()", i, a.argRange(i))
		}
	case "perl":
		switch {
		case t.Kind == decode.Str && t.Quote == '`':
			a.report(sinkCommand, "backticks", i, [][2]int{{i, i + 1}})
		case t.Kind != decode.Ident || a.at(i-1).Is("->") || a.at(i-1).Is("sub"):
		case t.Is("readpipe"):
			a.report(sinkCommand, t.Text+"()", i, a.argRange(i))
		case t.Is("system") || t.Is("exec"):
			if a.at(i + 1).Is("{") {
				// system { $program } @args: the block names the program, no shell runs
				a.report(sinkCommand, t.Text+"()", i, [][2]int{{i + 2, a.closeOf(i + 1)}})
				return
			}
			a.reportExec(t.Text+"()", i, a.listArgs(i))
		case t.Is("eval") && !a.at(i+1).Is("{"):
			a.report(sinkCode, "eval", i, a.argRange(i))
		case t.Is("open"):
			rs := a.listArgs(i)
			if len(rs) < 2 {
				return
			}
			mode := a.at(rs[1][0])
			if len(rs) >= 3 {
				// open(FH, '-|', LIST): the mode says a command; one element is a shell
				// string, more are a program and its arguments
				if mode.Kind == decode.Str && rs[1][1] == rs[1][0]+1 {
					if m := strings.TrimSpace(mode.Text); m == "-|" || m == "|-" {
						a.reportExec("open(|)", i, rs[2:])
					}
				}
				return
			}
			// open(FH, "cmd $x |"): a two-argument open runs what a leading or trailing
			// pipe marks through the shell
			pipe := false
			for j := rs[1][0]; j < rs[1][1]; j++ {
				if s := a.at(j); s.Kind == decode.Str && (strings.HasPrefix(strings.TrimSpace(s.Text), "|") || strings.HasSuffix(strings.TrimSpace(s.Text), "|")) {
					pipe = true
				}
			}
			if pipe {
				a.report(sinkCommand, "open(|)", i, rs[1:])
			}
		}
	case "node":
		nodeSink(a, i)
	case "lua":
		luaSink(a, i)
	case "python":
		if t.Kind != decode.Ident || !a.at(i+1).Is("(") || a.at(i-1).Is("def") {
			return
		}
		pySerializedCode(a, i)
		dot := a.at(i - 1).Is(".")
		recv := a.at(i - 2)
		switch n := t.Text; {
		case n == "system" || n == "popen" || n == "getoutput" || n == "getstatusoutput":
			a.report(sinkCommand, n+"()", i, a.args(i+1))
		case strings.HasPrefix(n, "spawn") && dot && recv.Is("os"):
			// os.spawnv(mode, path, args): the path is the program
			if rs := a.args(i + 1); len(rs) >= 2 {
				a.report(sinkCommand, n+"()", i, rs[1:2])
			}
		case strings.HasPrefix(n, "exec") && dot && recv.Is("os"):
			// os.execv(path, args): the path is the program
			if rs := a.args(i + 1); len(rs) >= 1 {
				a.report(sinkCommand, n+"()", i, rs[:1])
			}
		case n == "Popen" || (n == "call" || n == "run" || n == "check_output" || n == "check_call") && (dot && recv.Is("subprocess") || !dot && a.pyImported("subprocess", n)):
			a.pySubprocess(n, i)
		case (n == "eval" || n == "exec" || n == "execfile" || n == "compile") && !dot:
			a.report(sinkCode, n+"()", i, a.args(i+1))
		case n == "create_subprocess_shell":
			a.report(sinkCommand, "asyncio.create_subprocess_shell()", i, first(a.args(i+1)))
		case n == "create_subprocess_exec":
			a.reportExec("asyncio.create_subprocess_exec()", i, a.args(i+1))
		case n == "spawn" && recv.Is("pty"):
			a.report(sinkCommand, "pty.spawn()", i, a.args(i+1))
		case n == "map" && !dot:
			// map(os.system, [cmd])
			args := a.args(i + 1)
			if len(args) >= 2 {
				f := a.at(args[0][1] - 1)
				if f.Is("system") || f.Is("popen") || f.Is("getoutput") || f.Is("getstatusoutput") || f.Is("call") || f.Is("check_output") ||
					f.Is("eval") || f.Is("exec") || f.Is("create_subprocess_shell") {
					a.report(sinkCommand, f.Text+"() via map()", i, args[1:])
				}
			}
		}
	case "ruby":
		rubyExtraSink(a, i)
		switch {
		case t.Kind == decode.Str && t.Quote == '`':
			a.report(sinkCommand, "backticks", i, [][2]int{{i, i + 1}})
		case t.Kind != decode.Ident || a.at(i-1).Is("def"):
		case (t.Is("system") || t.Is("exec") || t.Is("spawn")) && !a.at(i-1).Is("."):
			a.reportExec(t.Text+"()", i, a.listArgs(i))
		case t.Is("popen") || strings.HasPrefix(t.Text, "popen") || strings.HasPrefix(t.Text, "capture") && a.at(i-2).Is("Open3"):
			a.report(sinkCommand, t.Text+"()", i, a.argRange(i))
		case t.Is("eval") || t.Is("instance_eval") || t.Is("class_eval") || t.Is("module_eval"):
			rs := a.argRange(i)
			if len(rs) > 0 && a.at(rs[0][0]).Is("&") || a.at(i+1).Is("{") || a.at(i+1).Is("do") {
				// class_eval(&block), instance_eval { ... }: a block is code the program holds
				return
			}
			a.report(sinkCode, t.Text+"()", i, rs)
		case t.Is("send") || t.Is("public_send") || t.Is("__send__"):
			rs := a.listArgs(i)
			if len(rs) > 0 {
				if a.headTainted(rs[0][0], rs[0][1]) {
					// send("plugin_#{x}=", v) calls only the methods a constant starts: the
					// request chooses the name only when it starts it
					a.report(sinkCallable, t.Text+"()", i, rs[:1])
				}
				if c := a.at(rs[0][0]); len(rs) > 1 && (c.Kind == decode.Str || c.Is(":")) {
					name := c.Text
					if c.Is(":") {
						name = a.at(rs[0][0] + 1).Text
					}
					switch name {
					case "system", "exec", "spawn", "eval", "instance_eval", "`":
						a.report(sinkCommand, name+"() via "+t.Text+"()", i, rs[1:])
					}
				}
			}
		}
	}
}

// objectReceiver reports whether the variable at i holds request input (a ProcessStartInfo
// built from it).
func (a *analysis) objectReceiver(i int) bool {
	if k := a.key(i); k != "" {
		_, ok := a.taint[k]
		return ok
	}
	return false
}

// shellReceiver reports whether the receiver ending at i is a shell object: a variable made
// by CreateObject("WScript.Shell"), or that call itself.
func (a *analysis) shellReceiver(i int) bool {
	t := a.at(i)
	if t.Is(")") {
		if open := a.match[i]; open >= 0 {
			return a.l.shellObject(a, open, i) != ""
		}
	}
	if k := a.key(i); k != "" {
		return a.objects[k] != ""
	}
	return false
}

func (l *lang) phpSink(a *analysis, i int, t decode.Token) {
	switch t.Kind {
	case decode.Str:
		if t.Quote == '`' {
			a.report(sinkCommand, "backticks", i, [][2]int{{i, i + 1}})
		}
		return
	case decode.Var:
		if a.at(i-1).Is("->") || a.at(i-1).Is("::") || a.at(i-1).Is("new") {
			return
		}
		// $_GET['f']($_GET['a']): the request names the function
		if a.at(i + 1).Is("[") {
			end := i + 1
			for a.at(end).Is("[") && a.match[end] > end {
				end = a.match[end] + 1
			}
			if a.at(end).Is("(") {
				if o, ok := a.tainted(i, end); ok && !o.member {
					a.flows = append(a.flows, flow{kind: sinkCallable, sink: a.label(i, end) + "()", source: o.source, via: o.via, at: i})
				}
			}
			return
		}
		// $f(...): a function the request names
		if !a.at(i + 1).Is("(") {
			return
		}
		if k := a.key(i); k != "" {
			if o, ok := a.lookup(k, i); ok && !o.object && !o.member {
				a.flows = append(a.flows, flow{kind: sinkCallable, sink: t.Text + "()", source: o.source, via: o.via, at: i})
				return
			}
			if name := a.consts[k]; name != "" {
				// function f($g) { $g($_POST['x']); } f('assert');
				kind, _ := dangerous(name)
				a.report(kind, name+"() via "+t.Text, i, a.args(i+1))
				return
			}
			if name := a.builtName(k, i); name != "" {
				// function f($v, $k) { $x = $k . $v; $x($_POST['x']); } with 'ass' and 'ert' passed
				kind, _ := dangerous(name)
				a.report(kind, name+"() via "+t.Text+" (built from the literals the function is passed)", i, a.args(i+1))
				return
			}
			if a.assignedCallable(k) {
				return
			}
			if fn := a.enclosing(i); fn != nil && slices.Contains(fn.params, k) {
				// a callback the caller passes in: the application's own
				return
			}
			// $f($_POST['x']) with $f computed: request input handed to a function whose
			// name the code builds at run time
			a.report(sinkDynamic, t.Text+"()", i, a.args(i+1))
		}
		return
	case decode.Ident:
	default:
		return
	}
	prev := a.at(i - 1)
	method := prev.Is("->") || prev.Is("::") || prev.Is("?->")
	if prev.Is("function") || prev.Is("new") && !t.Is("ReflectionFunction") {
		return
	}
	n := strings.ToLower(strings.TrimPrefix(t.Text, "\\"))
	if phpInclude[n] {
		end := a.stmtEnd(i+1, false)
		if a.at(i + 1).Is("(") {
			end = a.closeOf(i+1) + 1
		}
		o, ok := a.tainted(i+1, end)
		if !ok {
			// move_uploaded_file($_FILES['u']['tmp_name'], '/tmp/x.php'); include '/tmp/x.php';
			if src := a.writtenThere(i+1, end); src != "" {
				a.flows = append(a.flows, flow{kind: sinkInclude, sink: n, source: src, at: i, strong: true})
			}
			return
		}
		src := strings.ToLower(o.source)
		strong := strings.Contains(src, "$_files") || strings.Contains(src, "php://input")
		for j := i + 1; j < end; j++ {
			if s := a.at(j); s.Kind == decode.Str && (strings.HasPrefix(s.Text, "data:") || strings.HasPrefix(s.Text, "php://")) {
				strong = true
			}
		}
		// include DIR . '/' . $page picks among the application's own files; what makes a
		// shell is a path the request controls from its start, or an upload.
		if !strong && (o.prefixed || a.constantStart(i+1, end)) {
			return
		}
		a.flows = append(a.flows, flow{kind: sinkInclude, sink: n, source: o.source, via: o.via, at: i, strong: strong})
		return
	}
	if !a.at(i + 1).Is("(") {
		return
	}
	if phpWriters[n] && !method {
		a.phpWrite(n, n+"()", i, a.args(i+1))
		return
	}
	switch {
	case method:
		switch n {
		case "exec", "run", "shellexecute":
			if a.shellReceiver(i - 2) {
				a.report(sinkCommand, "COM "+t.Text+"()", i, a.args(i+1))
			}
		case "invoke", "invokeargs":
			if a.reflected() {
				a.report(sinkCode, "ReflectionFunction::"+t.Text+"()", i, a.args(i+1))
			}
		case "transformtoxml", "transformtodoc", "transformtouri", "importstylesheet", "evaluate", "query":
			if a.xsltCallbacks() {
				a.report(sinkCode, "XSLT/XPath "+t.Text+"() with PHP functions", i, a.args(i+1))
			}
		}
		return
	case phpCommand[n]:
		a.report(sinkCommand, n+"()", i, a.args(i+1))
	case phpCode[n]:
		a.report(sinkCode, n+"()", i, a.args(i+1))
	case phpRegexReplace[n]:
		args := a.args(i + 1)
		if len(args) < 2 {
			return
		}
		if regexEval(a, n, args) {
			a.report(sinkCode, n+"() with /e", i, args[1:])
		}
	case n == "unserialize":
		// an object the request builds, whose magic method runs one of its properties
		if args := a.args(i + 1); len(args) > 0 && !(len(args) > 1 && a.noClasses(args[1])) {
			if g := a.popGadget(); g != "" {
				a.report(sinkCode, "unserialize() (a POP gadget: "+g+")", i, args[:1])
			}
		}
	case n == "reflectionfunction" && prev.Is("new"):
		args := a.args(i + 1)
		if len(args) > 0 {
			if o, ok := a.tainted(args[0][0], args[0][1]); ok {
				a.flows = append(a.flows, flow{kind: sinkCallable, sink: "new ReflectionFunction()", source: o.source, via: o.via, at: i})
			}
		}
	default:
		idx, ok := phpCallbacks[n]
		if !ok {
			return
		}
		args := a.args(i + 1)
		if idx >= len(args) {
			return
		}
		cb := args[idx]
		if o, ok := a.tainted(cb[0], cb[1]); ok && !o.member && !a.propertyFetch(cb[0], cb[1]) {
			a.flows = append(a.flows, flow{kind: sinkCallable, sink: n + "()", source: o.source, via: o.via, at: i})
			return
		}
		// a constant callback that runs code or commands: call_user_func('system', $_GET['c'])
		if cb[1] == cb[0]+1 {
			c := a.at(cb[0])
			if c.Kind == decode.Str || c.Kind == decode.Ident {
				if kind, ok := dangerous(c.Text); ok {
					rest := append(append([][2]int(nil), args[:idx]...), args[idx+1:]...)
					if a.report(kind, strings.ToLower(c.Text)+"() via "+n+"()", i, rest) {
						a.flows[len(a.flows)-1].chain = c.Chain
					} else if n == "ob_start" {
						// ob_start('system'): what the page prints afterwards is the command
						a.reportOutput(kind, strings.ToLower(c.Text)+"() via ob_start()", i, c.Chain)
					}
				}
				// call_user_func_array('move_uploaded_file', array($tmp, $to))
				if w := strings.ToLower(c.Text); phpWriters[w] && idx == 0 && len(args) > 1 {
					rest := args[1:]
					if len(rest) == 1 && (a.at(rest[0][0]).Is("array") && a.at(rest[0][0]+1).Is("(") || a.at(rest[0][0]).Is("[")) {
						open := rest[0][0]
						if a.at(open).Is("array") {
							open++
						}
						rest = a.args(open)
					}
					a.phpWrite(w, w+"() via "+n+"()", i, rest)
				}
			}
		}
	}
}

// regexEval reports whether a regex replacement evaluates its replacement as PHP: a /e
// modifier on a literal pattern, or an "e" option to mb_ereg_replace.
func regexEval(a *analysis, n string, args [][2]int) bool {
	if strings.HasPrefix(n, "mb_") {
		if len(args) >= 4 {
			if s := a.at(args[3][0]); s.Kind == decode.Str && strings.Contains(s.Text, "e") {
				return true
			}
		}
		return false
	}
	p := a.at(args[0][0])
	if p.Kind != decode.Str || args[0][1] != args[0][0]+1 || len(p.Text) < 2 {
		return false
	}
	v := strings.TrimSpace(p.Text)
	if v == "" {
		return false
	}
	d := v[0]
	switch d {
	case '(':
		d = ')'
	case '{':
		d = '}'
	case '[':
		d = ']'
	case '<':
		d = '>'
	}
	end := strings.LastIndexByte(v, d)
	if end <= 0 {
		return false
	}
	return strings.ContainsRune(v[end+1:], 'e')
}

// reflectedMethod returns the name of a method that runs commands or code which the code
// looks up by reflection (getMethod("exec", ...)), "" when none.
func (a *analysis) reflectedMethod() string {
	for i, t := range a.toks {
		if !(t.Is("getMethod") || t.Is("getDeclaredMethod") || t.Is("GetMethod")) || !a.at(i+1).Is("(") {
			continue
		}
		// the name may be built: getMethod(new String(decoder.decodeBuffer("ZXhlYw==")))
		rs := a.args(i + 1)
		if len(rs) == 0 {
			continue
		}
		for j := rs[0][0]; j < rs[0][1]; j++ {
			if s := a.at(j); s.Kind == decode.Str {
				switch strings.ToLower(s.Text) {
				case "exec", "start", "eval", "defineclass", "command", "load", "loadfrom":
					return s.Text
				}
			}
		}
		if a.l.name == "csharp" || a.l.name == "jscript" || a.l.name == "java" {
			if name := a.codedName(rs[0][0], rs[0][1]); name != "" {
				switch strings.ToLower(name) {
				case "exec", "start", "eval", "defineclass", "command", "load", "loadfrom":
					return name
				}
			}
		}
	}
	return ""
}

// codedName returns the name tokens lo..hi spell as character codes, directly or through one
// variable assigned them: a literal array of codes handed to a function of the page that turns
// numbers into characters (N(new int[] {76, 111, 97, 100}) where N casts each to char),
// new string(new char[] {...}), Encoding.GetString(new byte[] {...}), or (char)76 + ... joined.
// "" when they spell none.
func (a *analysis) codedName(lo, hi int) string {
	if hi == lo+1 && a.at(lo).Kind == decode.Ident {
		// GetMethod(n) after n = N(new int[] {...})
		for j, t := range a.toks {
			if j != lo && t.Kind == decode.Ident && t.Text == a.at(lo).Text && a.at(j+1).Is("=") && !a.at(j+2).Is("=") && !a.at(j-1).Is(".") {
				if name := a.codedName(j+2, a.stmtEnd(j+2, false)); name != "" {
					return name
				}
			}
		}
		return ""
	}
	var cast strings.Builder
	for j := lo; j < min(hi, len(a.toks)); j++ {
		t := a.toks[j]
		switch {
		case t.Is("(") && a.at(j+1).Is("char") && a.at(j+2).Is(")") && a.at(j+3).Kind == decode.Num:
			if c, ok := charCode(a.at(j + 3)); ok {
				cast.WriteByte(c)
			}
			j += 3
		case t.Kind == decode.Str && cast.Len() > 0:
			cast.WriteString(t.Text)
		case t.Kind == decode.Ident && a.at(j+1).Is("(") && a.at(j+2).Is("new") && a.charMaker(j):
			if name := a.codeArray(j + 3); name != "" {
				return name
			}
		}
	}
	return cast.String()
}

// charMaker reports whether the call at token i turns the numbers it is given into text: new
// string(...), Encoding's GetString(...), or a function of the page whose body casts to char
// (or calls Convert.ToChar, ChrW, String.fromCharCode).
func (a *analysis) charMaker(i int) bool {
	t := a.at(i)
	if t.Is("string") && a.at(i-1).Is("new") || t.Is("String") && a.at(i-1).Is("new") || t.Is("GetString") && a.at(i-1).Is(".") {
		return true
	}
	if a.at(i - 1).Is(".") {
		return false
	}
	for _, fn := range a.funcs[a.l.fold(t.Text)] {
		for j := fn.body[0]; j < min(fn.body[1], len(a.toks)); j++ {
			if x := a.toks[j]; x.Is("(") && a.at(j+1).Is("char") && a.at(j+2).Is(")") || x.Is("ToChar") || x.Is("ChrW") || x.Is("fromCharCode") {
				return true
			}
		}
	}
	return false
}

// codeArray returns the text a literal array of printable character codes spells, the array's
// type starting at token i (int[] { 76, 111 }, new[] { ... }), "" when it is none.
func (a *analysis) codeArray(i int) string {
	j := i
	for j < i+4 && !a.at(j).Is("{") {
		j++
	}
	if !a.at(j).Is("{") {
		return ""
	}
	var b strings.Builder
	end := a.closeOf(j)
	for k := j + 1; k < end && b.Len() <= 256; k++ {
		x := a.at(k)
		if x.Is(",") {
			continue
		}
		c, ok := charCode(x)
		if !ok {
			return ""
		}
		b.WriteByte(c)
	}
	return b.String()
}

// charCode is the printable ASCII character a number literal or a one-character literal is.
func charCode(t decode.Token) (byte, bool) {
	if t.Kind == decode.Str && len(t.Text) == 1 && t.Text[0] >= 32 && t.Text[0] < 127 {
		return t.Text[0], true
	}
	if t.Kind != decode.Num {
		return 0, false
	}
	n, err := strconv.ParseInt(t.Text, 0, 32)
	if err != nil || n < 32 || n > 126 {
		return 0, false
	}
	return byte(n), true
}

// reflected reports whether the code makes a ReflectionFunction of a function that runs code
// or commands.
func (a *analysis) reflected() bool {
	for i, t := range a.toks {
		if t.Is("ReflectionFunction") && a.at(i-1).Is("new") && a.at(i+1).Is("(") {
			if s := a.at(i + 2); s.Kind == decode.Str || s.Kind == decode.Ident {
				if _, ok := dangerous(s.Text); ok {
					return true
				}
			}
		}
	}
	return false
}

// xsltCallbacks reports whether the code lets XSLT or XPath call PHP functions.
func (a *analysis) xsltCallbacks() bool {
	for _, t := range a.toks {
		if t.Is("registerPHPFunctions") {
			return true
		}
	}
	return false
}

// fillers are methods that put their argument into the collection they are called on.
var fillers = set("add", "put", "push", "append", "addAll", "set", "offer", "insert", "extend", "Add", "AppendLine", "Append", "setProperty")

// extra applies the language's propagation rules beyond plain assignments at token i.
func (l *lang) extra(a *analysis, i int) {
	t := a.toks[i]
	if l.name != "php" && t.Kind == decode.Ident && a.at(i-1).Is(".") && a.at(i+1).Is("(") && fillers[strings.ToLower(t.Text)] {
		// list.add(request.getParameter("c")): the list now holds request input; so does a
		// builder a chain of calls fills (sb.append("'").append(tmp))
		root := i - 2
		for n := 0; n < 64 && a.at(root).Is(")") && a.match[root] > 0 && a.at(a.match[root]-1).Kind == decode.Ident && a.at(a.match[root]-2).Is("."); n++ {
			root = a.match[root] - 3
		}
		if k := a.key(root); k != "" {
			if o, ok := a.tainted(i+2, a.closeOf(i+1)); ok {
				a.mark(k, o)
			}
		}
	}
	switch l.name {
	case "php":
		// array_walk($a, 'f') over a literal array passes its values and keys to f
		if t.Kind == decode.Ident && a.at(i+1).Is("(") && !a.at(i-1).Is("->") && !a.at(i-1).Is("::") {
			switch a.low[i] {
			case "array_walk", "array_walk_recursive", "array_map":
				a.walkLiterals(i)
			}
		}
		// new C($x) and (new ReflectionClass('C'))->newInstance($x) run C's constructor
		if t.Kind == decode.Ident && a.at(i+1).Is("(") && (a.at(i-1).Is("new") || a.at(i-1).Is("->") && (t.Is("newInstance") || t.Is("newInstanceArgs"))) {
			if fns := a.constructors(i); len(fns) > 0 {
				args := a.args(i + 1)
				if t.Is("newInstanceArgs") && len(args) == 1 && (a.at(args[0][0]).Is("array") || a.at(args[0][0]).Is("[")) {
					open := args[0][0]
					if a.at(open).Is("array") {
						open++
					}
					args = a.args(open)
				}
				for n, r := range args {
					if o, ok := a.tainted(r[0], r[1]); ok {
						for _, fn := range fns {
							if n < len(fn.params) {
								a.mark(fn.params[n], o)
							}
						}
					}
				}
			}
		}
		if t.Kind != decode.Ident || !a.at(i+1).Is("(") || a.at(i-1).Is("->") || a.at(i-1).Is("function") || t.Is("foreach") {
			if t.Is("foreach") && a.at(i+1).Is("(") {
				end := a.closeOf(i + 1)
				for j := i + 2; j < end; j++ {
					if a.at(j).Is("as") {
						if o, ok := a.tainted(i+2, j); ok {
							for k := j + 1; k < end; k++ {
								if key := a.key(k); key != "" {
									a.mark(key, o)
								}
							}
						}
						break
					}
				}
			}
			return
		}
		n := strings.ToLower(t.Text)
		args := a.args(i + 1)
		switch n {
		case "extract", "import_request_variables":
			if len(args) > 0 {
				if o, ok := a.tainted(args[0][0], args[0][1]); ok || n == "import_request_variables" {
					if n == "import_request_variables" {
						o.source = "import_request_variables()"
					}
					if _, seen := a.all[a.scope[i]]; !seen {
						a.all[a.scope[i]] = o.source + " via " + n + "()"
						a.changed = true
					}
				}
			}
		case "parse_str", "mb_parse_str":
			if len(args) == 0 {
				return
			}
			o, ok := a.tainted(args[0][0], args[0][1])
			if !ok {
				return
			}
			if len(args) == 1 {
				if _, seen := a.all[a.scope[i]]; !seen {
					a.all[a.scope[i]] = o.source + " via " + n + "()"
					a.changed = true
				}
				return
			}
			if k := a.key(args[1][0]); k != "" {
				a.mark(k, o)
			}
		case "preg_match", "preg_match_all", "openssl_private_decrypt", "openssl_public_decrypt", "openssl_open",
			"array_push", "array_unshift", "sscanf", "mb_ereg", "ereg", "eregi", "settype", "str_replace":
			// functions that write what they read into a by-reference argument
			var o origin
			found := false
			for _, r := range args {
				if x, ok := a.tainted(r[0], r[1]); ok {
					o, found = x, true
					break
				}
			}
			if !found {
				return
			}
			for _, r := range args[1:] {
				if r[1] == r[0]+1 {
					if k := a.key(r[0]); k != "" {
						a.mark(k, o)
					}
				}
			}
		default:
			// callbacks and callable objects: call_user_func(new C(), $input) runs C::__invoke
			idx, ok := phpCallbacks[n]
			if !ok || idx >= len(args) {
				return
			}
			for k, r := range args {
				if k == idx {
					continue
				}
				if o, ok := a.tainted(r[0], r[1]); ok {
					cb := a.at(args[idx][0])
					var name string
					switch {
					case cb.Is("new"):
						name = "__invoke"
					case cb.Kind == decode.Str:
						name = strings.ToLower(cb.Text)
					}
					for _, fn := range a.funcs[name] {
						for _, p := range fn.params {
							a.mark(p, o)
						}
					}
					// preg_replace_callback('/.+/', function ($m) { ... }, $input): the
					// closure written in place is handed what the builtin is given
					for _, p := range a.inlineClosureParams(args[idx][0]) {
						a.mark(p, o)
					}
				}
			}
		}
	case "java":
		// engine.put("request", request): the script engine is handed the servlet request
		if t.Is("put") && a.at(i-1).Is(".") && a.at(i+1).Is("(") {
			if rs := a.args(i + 1); len(rs) == 2 && rs[1][1] == rs[1][0]+1 {
				if v := a.at(rs[1][0]); v.Is("request") || v.Is("pageContext") {
					if k := a.key(i - 2); k != "" && a.objects[k] == "" {
						a.objects[k] = "request"
						a.changed = true
					}
				}
			}
		}
		// for (String s : tainted)
		if t.Is("for") && a.at(i+1).Is("(") {
			end := a.closeOf(i + 1)
			for j := i + 2; j < end; j++ {
				if a.at(j).Is(":") {
					if o, ok := a.tainted(j+1, end); ok {
						if k := a.key(j - 1); k != "" {
							a.mark(k, o)
						}
					}
					break
				}
			}
		}
	case "vbscript":
		// Dim p As New ProcessStartInfo(...): a declaration that assigns
		if t.Is("Dim") && a.at(i+1).Kind == decode.Ident && a.at(i+2).Is("As") && a.at(i+3).Is("New") {
			if o, ok := a.tainted(i+3, a.stmtEnd(i+3, false)); ok {
				o.object = true
				a.mark(a.key(i+1), o)
			}
		}
		// d.Add key, value (a Scripting.Dictionary filled by a statement without brackets):
		// the dictionary holds request input when the value is, and d(key), d.Item(key) read it
		if t.Kind == decode.Ident && a.at(i-1).Is(".") && (fillers[t.Text] || fillers[a.low[i]]) && !a.at(i+1).Is("(") && a.at(i-2).Kind == decode.Ident && a.statementStart(i-3) {
			lo, end := i+1, a.stmtEnd(i+1, false)
			if first := a.stmtEnd(i+1, true); first < end && a.at(first).Is(",") && strings.EqualFold(t.Text, "add") {
				lo = first + 1 // the key only chooses where the value goes
			}
			if k := a.key(i - 2); k != "" && lo < end {
				if o, ok := a.tainted(lo, end); ok {
					a.mark(k, o)
				}
			}
		}
	case "ruby":
		rubyRouteBlock(a, i)
		// tainted.each { |x| ... } and do |x| ... end
		if (t.Is("{") || t.Is("do")) && a.at(i+1).Is("|") && a.at(i-1).Kind == decode.Ident && a.at(i-2).Is(".") {
			lo := i - 2
			for lo > 0 && !a.statementStart(lo-1) {
				lo--
			}
			if o, ok := a.tainted(lo, i-2); ok {
				for j := i + 2; j < len(a.toks) && !a.at(j).Is("|"); j++ {
					if k := a.key(j); k != "" {
						a.mark(k, o)
					}
				}
			}
		}
	case "node":
		nodeExtra(a, i)
	case "python":
		// for x in tainted:
		if t.Is("for") && a.at(i+1).Kind == decode.Ident && a.at(i+2).Is("in") {
			if o, ok := a.tainted(i+3, a.stmtEnd(i+3, false)); ok {
				a.mark(a.key(i+1), o)
			}
		}
	case "perl":
		// push @list, $x: the list now holds what $x does
		if (t.Is("push") || t.Is("unshift")) && !a.at(i-1).Is("->") {
			if rs := a.listArgs(i); len(rs) >= 2 {
				if k := a.key(rs[0][0] + 1); k != "" && a.at(rs[0][0]).Is("@") {
					if o, ok := a.tainted(rs[1][0], rs[len(rs)-1][1]); ok {
						// what push appends is not the list's head: not a program to run
						o.partial = t.Is("push")
						if o.partial {
							if _, ok := a.partial[k]; !ok {
								a.partial[k] = o
								a.changed = true
							}
						} else {
							a.mark(k, o)
						}
					}
				}
			}
		}
		// read(STDIN, $buf, $ENV{CONTENT_LENGTH})
		if t.Is("read") || t.Is("sysread") {
			args := a.argRange(i)
			if a.at(i + 1).Is("(") {
				args = a.args(i + 1)
			}
			if len(args) >= 2 && a.at(args[0][0]).Is("STDIN") {
				if k := a.key(args[1][0]); k != "" {
					a.mark(k, origin{source: "STDIN"})
				}
			}
		}
		if (t.Is("foreach") || t.Is("for")) && (a.at(i+1).Is("my") && a.at(i+2).Kind == decode.Var && a.at(i+3).Is("(")) {
			if o, ok := a.tainted(i+4, a.closeOf(i+3)); ok {
				a.mark(a.key(i+2), o)
			}
		}
	}
}

// pySubprocess records a flow into subprocess's call at i: with shell=True its first argument
// is a command line; a list literal without it is a program and its arguments.
func (a *analysis) pySubprocess(n string, i int) {
	rs := a.args(i + 1)
	if len(rs) == 0 {
		return
	}
	name := "subprocess." + n + "()"
	for _, r := range rs[1:] {
		if r[1] == r[0]+3 && a.at(r[0]).Is("shell") && a.at(r[0]+1).Is("=") && a.at(r[0]+2).Is("True") {
			a.report(sinkCommand, name, i, rs[:1])
			return
		}
	}
	if first := rs[0]; a.at(first[0]).Is("[") && a.closeOf(first[0]) == first[1]-1 {
		if els := a.args(first[0]); len(els) > 0 {
			a.reportExec(name, i, els)
		}
		return
	}
	a.report(sinkCommand, name, i, rs[:1])
}

// phpWriters are the functions that put bytes into a file: the destination is argument 1
// (move_uploaded_file, copy) or 0 (file_put_contents, fopen); chmod's "content" is the mode.
var phpWriters = set("move_uploaded_file", "copy", "file_put_contents", "fopen", "rename", "chmod")

// phpWrite records a dropper: a file whose path the request names from its start gets
// content the request sends (an upload, a request value). An application puts uploads below
// a directory of its own; a path that starts with request input writes anywhere, a new page
// included.
func (a *analysis) phpWrite(n, sink string, i int, rs [][2]int) {
	dst, src := 0, -1
	switch n {
	case "move_uploaded_file", "copy", "rename":
		dst, src = 1, 0
	case "file_put_contents", "chmod":
		// chmod($_GET['d'] . '/' . $_GET['f'], octdec($_GET['c'])): a file manager's
		// permissions page, any file the server can reach made writable or executable
		src = 1
	}
	if dst >= len(rs) || src >= len(rs) {
		return
	}
	d := rs[dst]
	if !a.headTainted(d[0], d[1]) {
		if n == "move_uploaded_file" && a.uploadNamed(d[0], d[1]) && !a.checksUploads() {
			// saved in a directory of the page's choosing, under the name and extension the
			// client gave it, nothing checked: the page takes a .php as readily as a picture
			if o, ok := a.tainted(rs[src][0], rs[src][1]); ok {
				a.flows = append(a.flows, flow{kind: sinkWrite, sink: sink + " under the name the client gave, its type unchecked", source: o.source, via: o.via, at: i,
					confined: a.confinedDir(d[0], d[1])})
			}
		}
		return
	}
	if n == "fopen" {
		// fopen($_POST['f'], 'w') then fwrite(...) of request input
		if len(rs) < 2 {
			return
		}
		m := a.at(rs[1][0])
		if m.Kind != decode.Str || !strings.ContainsAny(m.Text, "wacx") {
			return
		}
		// the handle fopen's result goes to: $h = fopen(...), if ($h = fopen(...))
		h := ""
		if a.at(i - 1).Is("=") {
			h = a.key(i - 2)
		} else if a.at(i-1).Is("@") && a.at(i-2).Is("=") {
			h = a.key(i - 3)
		}
		for j, t := range a.toks {
			if (t.Is("fwrite") || t.Is("fputs")) && a.at(j+1).Is("(") {
				if args := a.args(j + 1); len(args) >= 2 && (h == "" || args[0][1] == args[0][0]+1 && a.key(args[0][0]) == h) {
					if o, ok := a.tainted(args[1][0], args[1][1]); ok {
						a.flows = append(a.flows, flow{kind: sinkWrite, sink: sink + " and " + t.Text + "()", source: o.source, via: o.via, at: i})
						return
					}
				}
			}
		}
		return
	}
	s := rs[src]
	if n == "rename" {
		// rename() moves a file the request names: only an uploaded one is content it sent
		if !strings.Contains(strings.ToLower(a.label(s[0], s[1])), "$_files") {
			return
		}
	}
	o, ok := a.tainted(s[0], s[1])
	if !ok {
		return
	}
	a.flows = append(a.flows, flow{kind: sinkWrite, sink: sink, source: o.source, via: o.via, at: i})
}

// uploadNamed reports whether the path lo..hi takes an uploaded file's client-side name
// (an index 'name' of $_FILES or of a variable holding one of its entries, directly or through
// the variables the path is built from, basename() or not: basename keeps the extension).
func (a *analysis) uploadNamed(lo, hi int) bool {
	if !slices.ContainsFunc(a.toks, func(t decode.Token) bool { return t.Kind == decode.Var && strings.EqualFold(t.Text, "$_FILES") }) {
		return false
	}
	seen := map[string]bool{}
	app := false // the directory comes from the application (wp_upload_dir(), UPLOADS)
	var named func(lo, hi, depth int) bool
	named = func(lo, hi, depth int) bool {
		found := false
		for j := lo; j < hi && j < len(a.toks); j++ {
			t := a.toks[j]
			if t.Kind == decode.Str && strings.EqualFold(t.Text, "name") && a.at(j-1).Is("[") {
				found = true
			}
			if t.Kind == decode.Ident && !pathHelpers[strings.ToLower(t.Text)] && (a.at(j+1).Is("(") || strings.ToUpper(t.Text) == t.Text) {
				app = true
			}
			if t.Kind != decode.Var || depth == 0 || seen[t.Text] {
				continue
			}
			seen[t.Text] = true
			// the values assigned to the variable anywhere in the page
			for k := range a.toks {
				if a.toks[k].Kind == decode.Var && a.toks[k].Text == t.Text && a.at(k+1).Is("=") && !a.at(k+2).Is("=") {
					if named(k+2, a.stmtEnd(k+2, false), depth-1) {
						found = true
					}
				}
			}
		}
		return found
	}
	return named(lo, hi, 3) && !app
}

// pathHelpers build a path from the page's own place without choosing a directory of the
// application's: the upload stays where the page is.
var pathHelpers = set("basename", "dirname", "trim", "strtolower", "strtoupper", "realpath", "getcwd", "__dir__", "__file__",
	"directory_separator", "isset", "empty")

// checksUploads reports whether the page looks at what it was sent before keeping it: its
// extension, its type, its image header, a list of what is allowed, a name of its own making.
func (a *analysis) checksUploads() bool {
	for _, t := range a.toks {
		if t.Kind != decode.Ident {
			continue
		}
		switch strings.ToLower(t.Text) {
		case "pathinfo", "pathinfo_extension", "getimagesize", "finfo_file", "finfo_open", "mime_content_type", "exif_imagetype",
			"in_array", "preg_match", "strrchr", "wp_check_filetype", "wp_handle_upload", "sanitize_file_name", "uniqid", "md5",
			"sha1", "hash", "random_bytes", "bin2hex", "time", "array_key_exists", "explode", "end", "substr", "str_ends_with":
			return true
		}
	}
	return false
}

// assignedCallable reports whether the variable k is ever assigned a closure, a method
// callable or an object: a call through it runs code the file itself defines.
func (a *analysis) assignedCallable(k string) bool {
	for j := range a.toks {
		if a.key(j) != k || !a.at(j+1).Is("=") {
			continue
		}
		v := a.at(j + 2)
		if v.Is("function") || v.Is("fn") || v.Is("static") || v.Is("new") || v.Is("[") || v.Is("array") || v.Is("&") {
			return true
		}
		if v.Kind == decode.Var && (a.at(j+3).Is("->") || a.at(j+3).Is("::")) {
			return true
		}
	}
	return false
}

// superNamed reports whether a literal in the page names a superglobal without its $
// ('_POST', "_GET"): the page reaches it by a variable variable.
func (a *analysis) superNamed() bool {
	if a.superNames == 0 {
		a.superNames = -1
		for _, t := range a.toks {
			if t.Kind == decode.Str && phpSuperglobals["$"+strings.ToLower(t.Text)] {
				a.superNames = 1
				break
			}
		}
	}
	return a.superNames > 0
}

// constructors returns the constructors the PHP call at i runs: new C(...) runs C's,
// ReflectionClass('C')->newInstance(...) those of the classes the page reflects.
func (a *analysis) constructors(i int) []*function {
	names := map[string]bool{}
	if a.at(i - 1).Is("new") {
		n := strings.ToLower(a.toks[i].Text)
		if k := strings.LastIndexByte(n, '\\'); k >= 0 {
			n = n[k+1:]
		}
		names[n] = true
	} else {
		for j, t := range a.toks {
			if t.Is("ReflectionClass") && a.at(j+1).Is("(") && a.at(j+2).Kind == decode.Str {
				names[strings.ToLower(a.at(j+2).Text)] = true
			}
		}
	}
	var out []*function
	for _, fn := range a.funcs["__construct"] {
		if names[fn.class] {
			out = append(out, fn)
		}
	}
	return out
}

// propertyFetch reports whether lo..hi reads an object's property ($tax->sanitize_cb): a
// callable the application registered on its own object, not one the request spells.
func (a *analysis) propertyFetch(lo, hi int) bool {
	if hi-lo < 3 || a.at(lo).Kind != decode.Var {
		return false
	}
	j := lo + 1
	for j+1 < hi && (a.at(j).Is("->") || a.at(j).Is("?->")) && a.at(j+1).Kind == decode.Ident && !a.at(j+2).Is("(") {
		j += 2
	}
	return j == hi && j > lo+1
}

// bcel reports whether the page carries a class as a $$BCEL$$ literal.
func (a *analysis) bcel() bool {
	for _, t := range a.toks {
		if t.Kind == decode.Str && strings.HasPrefix(t.Text, "$$BCEL$$") {
			return true
		}
	}
	return false
}

// javac reports whether the page compiles Java itself (javax.tools).
func (a *analysis) javac() bool {
	for i, t := range a.toks {
		if t.Is("getSystemJavaCompiler") && a.at(i+1).Is("(") {
			return true
		}
	}
	return false
}

// reportOutput records a flow into an output buffer callback registered at i (ob_start('system')):
// request input the page prints after it is what the callback is handed.
func (a *analysis) reportOutput(kind sinkKind, name string, i int, chain []string) {
	for j := i + 1; j < len(a.toks); j++ {
		if t := a.toks[j]; t.Kind != decode.Ident || a.at(j-1).Is("->") || a.at(j-1).Is("::") {
			continue
		}
		switch a.low[j] {
		case "echo", "print", "printf", "vprintf":
			if a.report(kind, name, j, [][2]int{{j + 1, a.stmtEnd(j+1, false)}}) {
				a.flows[len(a.flows)-1].chain = chain
				return
			}
		case "ob_end_flush", "ob_get_clean", "ob_end_clean", "ob_get_flush":
			return
		}
	}
}

// writtenThere returns the request input the page writes to the file a constant include
// path lo..hi names (move_uploaded_file($_FILES['f']['tmp_name'], '/tmp/x.php'),
// file_put_contents('/tmp/x.php', $_POST['c'])), "" when the page writes nothing there.
func (a *analysis) writtenThere(lo, hi int) string {
	target := ""
	for j := lo; j < hi; j++ {
		switch t := a.at(j); {
		case t.Kind == decode.Str && len(t.Interp) == 0 && target == "":
			target = t.Text
		case t.Is("(") || t.Is(")"):
		default:
			return ""
		}
	}
	if target == "" {
		return ""
	}
	for j := 0; j+1 < len(a.toks); j++ {
		if a.toks[j].Kind != decode.Ident || !a.at(j+1).Is("(") || a.at(j-1).Is("->") || a.at(j-1).Is("::") {
			continue
		}
		var from, to int // argument indexes of the content and the destination
		switch a.low[j] {
		case "move_uploaded_file", "copy", "rename":
			from, to = 0, 1
		case "file_put_contents":
			from, to = 1, 0
		default:
			continue
		}
		args := a.args(j + 1)
		if len(args) <= max(from, to) {
			continue
		}
		dst := args[to]
		if d := a.at(dst[0]); dst[1] != dst[0]+1 || d.Kind != decode.Str || d.Text != target {
			continue
		}
		if o, ok := a.tainted(args[from][0], args[from][1]); ok {
			return o.source + " written to " + target + " by " + a.toks[j].Text + "()"
		}
	}
	return ""
}

// remoteURL returns the first literal in lo..hi that is a network URL (http, https, ftp), ""
// when there is none.
func (a *analysis) remoteURL(lo, hi int) string {
	for j := lo; j < min(hi, len(a.toks)); j++ {
		if t := a.toks[j]; t.Kind == decode.Str {
			low := strings.ToLower(t.Text)
			if strings.HasPrefix(low, "http://") || strings.HasPrefix(low, "https://") || strings.HasPrefix(low, "ftp://") {
				return t.Text
			}
		}
	}
	return ""
}

// decodedReflection returns the name of a function the page defines when the page hands a
// call of it to Class.forName (Class.forName(dEc("`WlW$bWd]$Hkdj_c["))): a class name only
// a decoder of the page's own reveals. "" when no such call is there.
func (a *analysis) decodedReflection() string {
	for j := 0; j+3 < len(a.toks); j++ {
		if !a.toks[j].Is("forName") || !a.at(j-1).Is(".") || !a.at(j+1).Is("(") {
			continue
		}
		if f := a.at(j + 2); f.Kind == decode.Ident && a.at(j+3).Is("(") && len(a.funcs[a.l.fold(f.Text)]) > 0 {
			return f.Text
		}
	}
	return ""
}

// jndiContexts are the JNDI context types whose lookup resolves a name through a naming server.
var jndiContexts = set("initialcontext", "initialdircontext", "context", "dircontext", "initialldapcontext", "ldapcontext")

// jndiReceiver reports whether the receiver ending at token j of a lookup call is a JNDI
// context: new InitialContext() in place, or a variable the page declares as or assigns
// a context (Context ctx = new InitialContext()).
func (a *analysis) jndiReceiver(j int) bool {
	t := a.at(j)
	if t.Is(")") && a.match[j] > 0 {
		return jndiContexts[strings.ToLower(a.at(a.match[j]-1).Text)]
	}
	if t.Kind != decode.Ident {
		return false
	}
	for k := 1; k+1 < len(a.toks); k++ {
		if !a.toks[k].Is(t.Text) || a.toks[k].Kind != decode.Ident {
			continue
		}
		// Context ctx ... or ctx = new InitialContext(...)
		if jndiContexts[strings.ToLower(a.at(k-1).Text)] || a.at(k+1).Is("=") && a.at(k+2).Is("new") && jndiContexts[strings.ToLower(a.at(k+3).Text)] {
			return true
		}
	}
	return false
}

// assembledSource reports request input named in VBScript code the page puts together and
// runs: the literals and Chr(n) characters that flow into the ranges, through the variables
// assigned on the way, joined as Execute would see them, name Request or a variable that
// holds request input ("e!v!a!l$request$..." split and joined, "eval(" & "(v_b3)"). "" when
// they do not.
func (a *analysis) assembledSource(rs [][2]int) string {
	if a.assigns == nil {
		a.assigns = map[string][][2]int{}
		for j, t := range a.toks {
			if t.Kind != decode.Ident || !a.at(j+1).Is("=") {
				continue
			}
			if p := a.at(j - 1); j > 0 && p.Kind != decode.Newline && !p.Is(":") && !p.Is("Set") && !p.Is("set") && !p.Is("Then") && !p.Is("Else") {
				continue
			}
			k := strings.ToLower(t.Text)
			a.assigns[k] = append(a.assigns[k], [2]int{j + 2, a.stmtEnd(j+2, false)})
		}
	}
	var b strings.Builder
	seen := map[string]bool{}
	var walk func(lo, hi, depth int)
	walk = func(lo, hi, depth int) {
		for j := lo; j < min(hi, len(a.toks)) && b.Len() < 4096; j++ {
			t := a.toks[j]
			switch {
			case t.Kind == decode.Str:
				b.WriteString(t.Text)
			case t.Kind != decode.Ident:
			case (strings.EqualFold(t.Text, "chr") || strings.EqualFold(t.Text, "chrw")) && a.at(j+1).Is("(") && a.at(j+2).Kind == decode.Num && a.at(j+3).Is(")"):
				if c, err := strconv.Atoi(a.at(j + 2).Text); err == nil && c > 0 && c < 128 {
					b.WriteByte(byte(c))
				}
				j += 3
			case depth < 4 && !seen[strings.ToLower(t.Text)]:
				k := strings.ToLower(t.Text)
				seen[k] = true
				for _, r := range a.assigns[k] {
					walk(r[0], r[1], depth+1)
				}
			}
		}
	}
	for _, r := range rs {
		walk(r[0], r[1], 0)
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(b.String()), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	}) {
		if w == "request" {
			return "Request, named in code the page assembles"
		}
		if o, ok := a.taint[w]; ok {
			return o.source + " (held in " + w + ", named in code the page assembles)"
		}
	}
	return ""
}
