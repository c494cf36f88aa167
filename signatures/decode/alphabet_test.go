package decode

import (
	"slices"
	"strings"
	"testing"
)

// TestAlphabets holds the alphabet fold to what PHP computes: characters picked out of a
// generated alphabet by their indexes, directly or by a loop over a key, and to leaving an
// alphabet alone once something else may have changed it.
func TestAlphabets(t *testing.T) {
	for _, c := range []struct {
		code string
		want string // a literal the folded code must hold; "" when nothing may fold
	}{
		{"$r = range('a', 'z'); $f = $r[18] . $r[24] . $r[18];", "sys"},
		{"$r = range('a', 'z');\n$f = $r[18] .\n  $r[24]\n  . $r[18];", "sys"},
		{"$r = str_split('zyx'); $r[] = '('; $f = $r[3] . $r[0];", "(z"},
		{"$r = array_merge(range(0, 2), range('C', 'A')); $f = $r[1] . $r[3] . $r[5];", "1CA"},
		{"$r = range('a', 'c'); foreach (range('X', 'Z') as $k => $c) { $r[] = $c; } array_push($r, ';', ' '); $f = $r[4] . $r[6] . $r[7];", "Y; "},
		{"$r = range('a', 'e'); $r = array_merge($r, str_split('+-')); $f = $r[5] . $r[6];", "+-"},
		{"$r = range('a', 'z'); $k = '4.2.7.14'; $ks = explode('.', $k); foreach ($ks as $i => $v) { $o .= \"$r[$v]\"; } eval($o);", "echo"},
		{"$r = range('a', 'z'); $o = ''; foreach (explode(',', '4,2') as $v)\n  $o .= $r[(int)$v];\neval($o);", "ec"},
		{"$r = range('a', 'z'); foreach ([7, 8] as $v) { $o .= $r[intval($v)]; } eval($o);", "hi"},
		{"$r = range('a', 'z'); $k = str_split('182418', 2); foreach ($k as $v) { $o .= $r[$v]; } eval($o);", "sys"},
		{"$r = range('a', 'z'); $k = str_split('180704', 2); foreach ($k as $v) { $o .= $r[(int)$v]; } eval($o);", "she"},
		{"$r = range('a', 'z'); foreach ([0x12, 010] as $v) { $o .= $r[$v]; } eval($o);", "si"},
		// '04' names the element keyed '04', not the fifth: PHP reads only canonical integers so
		{"$r = range('a', 'z'); $k = str_split('180704', 2); foreach ($k as $v) { $o .= $r[$v]; } eval($o);", ""},
		{"$r = range('a', 'z'); $c = implode('', array_map(fn($i) => $r[$i], explode('-', '0-1-2')));", "abc"},
		{"$r = range('a', 'z'); $c = implode('', array_map(function ($i) use ($r) { return $r[$i]; }, [25, 24]));", "zy"},
		{"$c = 'id;'; eval(base64_decode(base64_encode($c)));", "id;"},
		// the alphabet changed in ways the fold does not follow: left alone
		{"$r = range('a', 'z'); shuffle($r); $f = $r[18] . $r[24] . $r[18];", ""},
		{"$r = range('a', 'z'); $r[0] = 'q'; $f = $r[18] . $r[24] . $r[18];", ""},
		{"$r = range('a', 'z'); $r = $other; $f = $r[18] . $r[24] . $r[18];", ""},
		{"$r = range('a', 'z'); foreach ($r as &$c) { $c = 'x'; } $f = $r[18] . $r[24] . $r[18];", ""},
		// an index past the end is left as written
		{"$r = range('a', 'z'); $f = $r[18] . $r[24] . $r[99];", "sy"},
		// the accumulator is written elsewhere: the loop is not folded
		{"$r = range('a', 'z'); $o = 'x'; foreach (explode('.', '1.2') as $v) { $o .= $r[$v]; } eval($o);", ""},
	} {
		toks, _ := Lex([]byte("<?php "+c.code), PHP)
		toks, _ = Fold(toks, PHP)
		var lits []string
		alpha := false
		for _, tk := range toks {
			if tk.Kind == Str {
				lits = append(lits, tk.Text)
				alpha = alpha || slices.Contains(tk.Chain, StepAlphabet)
			}
		}
		switch {
		case c.want == "" && alpha:
			t.Errorf("%q: folded from an alphabet it should leave alone: %q", c.code, lits)
		case c.want != "" && !slices.Contains(lits, c.want):
			t.Errorf("%q: no literal %q among %q", c.code, c.want, lits)
		case c.want != "" && !strings.HasPrefix(c.code, "$c = 'id;'") && !alpha:
			t.Errorf("%q: the literal's chain does not name the alphabet", c.code)
		}
	}
}
