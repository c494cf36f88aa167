package webshell

import (
	"fmt"
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
		// clean code: longer words, other variables, namespaces
		{`<?php $this->evaluate($expr); $retrieval = 1;`, false},
		{`<?php $this->assertEquals(1, $x); assertTrue($y);`, false},
		{`<?php $v = unpack('N', $bytes);`, false},
		{`<?php use Foo\Xml\Parser; $p = new \XMLReader();`, false},
		{`<?php $_name = 'x'; $_ = 1; $_getter = 2;`, false},
		{`<?php echo "hello";`, false},
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
