package webshell

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// Non-alphanumeric PHP, generated: the function and superglobal names are built at run
// time without a letter in the source, by incrementing letters out of "Array" or by XOR of
// punctuation pairs, and called.

// incrementPage builds fn and src from "A" (the first letter of (string)[]) by ++.
func incrementPage(r *rand.Rand, fn, src string, sep string) string {
	v := func(n int) string { return "$" + strings.Repeat("_", n) }
	var b strings.Builder
	b.WriteString("<?php" + sep)
	b.WriteString(v(1) + " = [];" + sep + v(1) + " = @\"" + v(1) + "\";" + sep + v(1) + " = " + v(1) + "['!' == '@'];" + sep)
	build := func(target string, acc, tmp int) {
		b.WriteString(v(acc) + " = '';" + sep)
		for _, c := range target {
			if c == '_' {
				b.WriteString(v(acc) + " .= '_';" + sep)
				continue
			}
			b.WriteString(v(tmp) + " = " + v(1) + ";" + sep)
			for k := 0; k < int(c-'A'); k++ {
				if r.Intn(2) == 0 {
					b.WriteString(v(tmp) + "++;")
				} else {
					b.WriteString("++" + v(tmp) + ";")
				}
			}
			b.WriteString(sep + v(acc) + " .= " + v(tmp) + ";" + sep)
		}
	}
	build(fn, 2, 3)
	build(src, 4, 3)
	b.WriteString(v(5) + " = $" + v(4) + ";" + sep + v(2) + "(" + v(5) + "[_]);" + sep)
	return b.String()
}

// xorPage builds fn and src as XORs of punctuation pairs.
func xorPage(r *rand.Rand, fn, src string) string {
	punct := []byte("!#%&()*+,-./:;<=>?@[]^`{|}~")
	expr := func(target string) string {
		var parts []string
		for _, c := range []byte(target) {
			var pairs [][2]byte
			for _, a := range punct {
				for _, b := range punct {
					if a^b == c {
						pairs = append(pairs, [2]byte{a, b})
					}
				}
			}
			if len(pairs) == 0 {
				parts = append(parts, "'"+string(c)+"'")
				continue
			}
			p := pairs[r.Intn(len(pairs))]
			q := func(x byte) string {
				if x == '\'' || x == '\\' {
					return "'\\" + string(x) + "'"
				}
				return "'" + string(x) + "'"
			}
			parts = append(parts, "("+q(p[0])+"^"+q(p[1])+")")
		}
		return strings.Join(parts, ".")
	}
	return "<?php\n$_ = " + expr(src) + ";\n$__ = " + expr(fn) + ";\n$___ = ${$_};\n$__($___['_']);\n"
}

func TestHarnessNonAlphanumeric(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	a := New()
	n, found := 0, 0
	for _, fn := range []string{"SYSTEM", "ASSERT", "PASSTHRU", "SHELL_EXEC"} {
		for _, src := range []string{"_POST", "_GET", "_REQUEST", "_COOKIE"} {
			for _, page := range []string{incrementPage(r, fn, src, "\n"), incrementPage(r, fn, src, " "), xorPage(r, fn, src)} {
				n++
				fs := a.Analyze("/var/www/html/x.php", []byte(page))
				if b := best(fs); b == nil || b.Category != audit.CategoryWebshell || b.Severity < audit.High {
					t.Errorf("%s from %s not found:%s\n%s", fn, src, dump(fs), page)
					continue
				}
				found++
			}
		}
	}
	fmt.Printf("harness: webshell/non-alphanumeric %d/%d recall=%.3f\n", found, n, float64(found)/float64(n))
}

// Code with named variables, or without a call of a computed function, is not punctuation.
func TestPunctuationNegatives(t *testing.T) {
	for _, page := range []string{
		"<?php $_ = []; $__ = 1; foreach ($items as $_) { $__++; $___ = $__ + 1; $____ = $___ * 2; $_____ = $____ - 1; $______ = [$_, $__]; } echo $__;",
		"<?php\n$a = $_GET['x']; $_ = 1; $__ = 2; $___ = 3; $____ = 4; $_____ = 5; $______ = 6; $f = 'strlen'; $f($a);\n",
		"<?php\n// counters\n$_ = 0; $__ = 0; $___ = 0; $____ = 0; $_____ = 0; $______ = 0;\nprintf('%d %d %d', $_, $__, $___);\n",
	} {
		if fs := New().Analyze("/var/www/html/y.php", []byte(page)); len(fs) > 0 {
			t.Errorf("%q:%s", page, dump(fs))
		}
	}
}
