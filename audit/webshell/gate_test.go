package webshell

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestPHPMayRun holds the gate in front of the PHP analysis to what a page must spell for the
// analysis to find anything, and to the longer words clean code spells that run nothing.
func TestPHPMayRun(t *testing.T) {
	for _, c := range []struct {
		page string
		want bool
	}{
		{`<?php system($_GET['c']);`, true},
		{`<?php system($_get['c']);`, true}, // the analysis reads superglobals in any case
		{`<?php $s = $_SESSION['x'];`, true},
		{`<?php $e = $_ENV['HOME'];`, true},
		{`<?php $x = $_SERVER;`, true},
		{`<?php foreach ($GLOBALS as $k => $v) {}`, true},
		{`<?php ${'_PO'.'ST'}['x'];`, true},
		{`<?php $r = 'x'; echo $$r;`, true},
		{`<?php $a = '_POST';`, true},
		{`<?php eval($x);`, true},
		{`<?php EVAL ($x);`, true},
		{`<?php @eval/**/($x);`, true},
		{`<?php assert($x);`, true},
		{`<?php $s = "\x73ystem";`, true},
		{`<?php $s = "\x7";`, true}, // PHP reads one hex digit too
		{`<?php $d = pack('H*', $h);`, true},
		{`<?php $f = base64_decode($p);`, true},
		{`<?php preg_replace_callback('/x/', $f, $s);`, true},
		{`<?php call_user_func_array($f, $a);`, true},
		{`<?php $in = file_get_contents('php://input');`, true},
		{`<?php $h = getenv('HTTP_X');`, true},
		{`<?php $d = file_get_contents('https://example.org/x'); file_put_contents('x.php', $d);`, true},
		{`<?php $h = fopen("HTTP://example.org/x", 'r'); $o = fopen('y', 'w'); fwrite($o, fread($h, 99));`, true},
		// clean code: longer words, other variables, namespaces
		{`<?php $this->evaluate($expr); $retrieval = 1;`, false},
		{`<?php $this->assertEquals(1, $x); assertTrue($y);`, false},
		{`<?php $v = unpack('N', $bytes);`, false},
		{`<?php use Foo\Xml\Parser; $p = new \XMLReader();`, false},
		{`<?php $_name = 'x'; $_ = 1; $_getter = 2;`, false},
		{`<?php echo "hello";`, false},
		{`<?php echo '<a href="https://example.org/">home</a>';`, false}, // a link, no file written
	} {
		if got := phpMayRun([]byte(c.page)); got != c.want {
			t.Errorf("phpMayRun(%q) = %v, want %v", c.page, got, c.want)
		}
	}
}

// TestBigPagesInParallel: pages over bigPage are analysed one at a time, and each is still
// analysed whole: a shell at the end of a page of library code is found in every one of them.
func TestBigPagesInParallel(t *testing.T) {
	filler := strings.Repeat("$cw[1] = array('a' => 500, 'b' => 600);\n", bigPage/40+1)
	page := []byte("<?php\n" + filler + "system($_GET['c']);\n")
	if len(page) <= bigPage {
		t.Fatalf("page of %d bytes is not big", len(page))
	}
	a := &Analyzer{}
	var wg sync.WaitGroup
	found := make([]bool, 4)
	for i := range found {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, f := range a.Analyze(fmt.Sprintf("/var/www/p%d.php", i), slices.Clone(page)) {
				found[i] = found[i] || f.Rule == RuleCommand
			}
		}()
	}
	wg.Wait()
	for i, ok := range found {
		if !ok {
			t.Errorf("page %d: no %s finding", i, RuleCommand)
		}
	}
}

// TestPHPMayRunMatchesSearches holds the one-pass gate to the same gate written as one search
// per spelling, on pages built from the spellings' own pieces in random case, cut short and
// run into identifiers, backslashes, hex digits and punctuation.
func TestPHPMayRunMatchesSearches(t *testing.T) {
	var pieces []string
	for _, s := range phpSigns {
		w := s.word
		pieces = append(pieces, w, w[:len(w)/2], w[len(w)/2:], strings.ToUpper(w))
	}
	pieces = append(pieces, "a", "Z", "_", "0", "f", "(", " ", "\\", "$", "{", "<?php ", "\n", `\x`, "é")
	r := rand.New(rand.NewPCG(1, 2))
	trues := 0
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := r.IntN(6) + 1; k > 0; k-- {
			p := pieces[r.IntN(len(pieces))]
			if r.IntN(3) == 0 {
				// random case
				q := []byte(p)
				for i := range q {
					if r.IntN(2) == 0 {
						q[i] = bytes.ToUpper(q[i : i+1])[0]
					} else {
						q[i] = bytes.ToLower(q[i : i+1])[0]
					}
				}
				p = string(q)
			}
			b.WriteString(p)
		}
		page := []byte(b.String())
		got, want := phpMayRun(page), phpMayRunSlow(page)
		if got != want {
			t.Fatalf("phpMayRun(%q) = %v, the searches say %v", page, got, want)
		}
		if got {
			trues++
		}
	}
	if trues < 2000 || trues > 18000 {
		t.Errorf("%d of 20000 pages passed: the generated pages do not test both ways", trues)
	}
}

// phpSigns are what a PHP page must spell for the analysis to find anything: a way to read
// the request, or a way to run or decode code (whose payload may read the request).
// Variable names are matched as spelled (PHP's are case-sensitive), except the superglobals,
// which the analysis reads in any case; function names and stream wrappers in any case.
// A name is matched as a whole word where a longer word is common in clean code and runs
// nothing: evaluate(), assertEquals(), unpack(), a namespace's \Xml.
var (
	slowSources = [][]byte{[]byte("$GLOBALS"), []byte("${"), []byte("$HTTP_"), []byte("$$"), []byte("_POST"), []byte("_GET"),
		[]byte("_REQUEST"), []byte("_COOKIE"), []byte("_FILES"), []byte("_SERVER"),
		[]byte("' ^ '"), []byte(`" ^ "`), []byte("')^('"), []byte("') ^ ('")}
	// slowBetween are the XOR signs held to joining two literals (betweenLiterals)
	slowBetween = [][]byte{[]byte("'^'"), []byte(`"^"`), []byte(`'^"`), []byte(`"^'`)}
	// phpSuperglobals' names after "$_", lowercase
	slowSuperNames = [][]byte{[]byte("get"), []byte("post"), []byte("request"), []byte("cookie"), []byte("files"), []byte("server"),
		[]byte("env"), []byte("session")}
	slowRunners = [][]byte{[]byte("create_function"), []byte("preg_replace"), []byte("base64_decode"),
		[]byte("gzinflate"), []byte("gzuncompress"), []byte("gzdecode"), []byte("str_rot13"), []byte("strrev"), []byte("hex2bin"),
		[]byte("chr("), []byte("uudecode"), []byte("call_user_func"),
		[]byte("stratum+"), []byte("stratum1+"), []byte("stratum2+"), []byte("--donate-level"), []byte("randomx"),
		[]byte("--cpu-max-threads-hint"), []byte("--max-cpu-usage"), []byte("--cpu-priority"), []byte("--nicehash"),
		[]byte("rx/0"), []byte("cryptonight"), []byte("xmrig"),
		[]byte("php://"), []byte("getallheaders"), []byte("apache_request_headers"), []byte("filter_input"), []byte("getenv")}
	// slowRunnerWords are runners matched as whole words: "pack" only where "(" follows
	slowRunnerWords = [][]byte{[]byte("eval"), []byte("assert"), []byte("pack(")}
	// slowWordEnds are matched with no identifier byte after them
	slowWordEnds = [][]byte{[]byte("--coin")}
)

// slowURLs are remote URL literals, counted in a page that writes a file
var slowURLs = [][]byte{[]byte("'http://"), []byte("'https://"), []byte("'ftp://"), []byte(`"http://`), []byte(`"https://`), []byte(`"ftp://`)}

var slowVarCall = regexp.MustCompile(`\$(?:[A-Za-z0-9_]|[^\x00-\x7f])+[ \t]*\(`)

// phpMayRunSlow is the gate as some thirty searches: the reference the automaton is held to.
func phpMayRunSlow(data []byte) bool {
	for _, s := range slowSources {
		if bytes.Contains(data, s) {
			return true
		}
	}
	if i := bytes.LastIndex(data, []byte("#!/")); i > 0 {
		return true
	}
	for _, s := range slowBetween {
		for off := 0; ; {
			i := bytes.Index(data[off:], s)
			if i < 0 {
				break
			}
			i += off
			if betweenLiterals(data, i, i+len(s)) {
				return true
			}
			off = i + 1
		}
	}
	for _, u := range slowURLs {
		if bytes.Contains(bytes.ToLower(data), u) && writesFile(data) {
			return true
		}
	}
	for rest := data; ; {
		i := bytes.Index(rest, []byte("$_"))
		if i < 0 {
			break
		}
		rest = rest[i+2:]
		for _, n := range slowSuperNames {
			if len(rest) >= len(n) && bytes.EqualFold(rest[:len(n)], n) && !slowIdentByte(slowByteAt(rest, len(n))) {
				return true
			}
		}
	}
	low := slowLowerPool.Get().(*[]byte)
	defer slowLowerPool.Put(low)
	*low = slowAppendLowerASCII((*low)[:0], data)
	for _, s := range slowRunners {
		if bytes.Contains(*low, s) {
			return true
		}
	}
	for _, w := range slowRunnerWords {
		if slowContainsWord(*low, w) {
			return true
		}
	}
	for _, w := range slowWordEnds {
		for off := 0; ; {
			i := bytes.Index((*low)[off:], w)
			if i < 0 {
				break
			}
			if !slowIdentByte(slowByteAt(*low, off+i+len(w))) {
				return true
			}
			off += i + 1
		}
	}
	// \x41 (PHP reads one or two hex digits): a character escape, not a namespace's \Xml
	for rest := *low; ; {
		i := bytes.Index(rest, []byte(`\x`))
		if i < 0 {
			// a name spliced out of a literal, called through a variable
			spliced := bytes.Contains(*low, []byte("str_replace")) || bytes.Contains(*low, []byte("str_ireplace")) ||
				bytes.Contains(*low, []byte("substr_replace")) || slowContainsWord(*low, []byte("strtr"))
			return spliced && slowVarCall.Match(data)
		}
		rest = rest[i+2:]
		if len(rest) >= 1 && slowIsHex(rest[0]) {
			return true
		}
	}
}

// containsWord reports whether w occurs in s with no identifier byte on either side (w's own
// last byte ends the word when it is not one).
func slowContainsWord(s, w []byte) bool {
	for off := 0; ; {
		i := bytes.Index(s[off:], w)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(w)
		if (i == 0 || !slowIdentByte(s[i-1])) && (!slowIdentByte(w[len(w)-1]) || !slowIdentByte(slowByteAt(s, end))) {
			return true
		}
		off = i + 1
	}
}

// byteAt is s[i], or 0 past the end.
func slowByteAt(s []byte, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func slowIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func slowIsHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// slowLowerPool holds the buffers phpMayRun lowers pages into.
var slowLowerPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// appendLowerASCII appends s to dst with ASCII letters lowered (PHP's own case folding of
// names; other bytes are kept).
func slowAppendLowerASCII(dst, s []byte) []byte {
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
