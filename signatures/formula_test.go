package signatures

import (
	"math"
	"testing"
)

// TestFormulaSizes checks the sizes of file a rule's formula may hold for, which decide the
// files whose digests a filter computes.
func TestFormulaSizes(t *testing.T) {
	const big = math.MaxInt64
	tests := []struct {
		cond   string
		lo, hi int64
	}{
		{`$a`, 0, big},
		{`filesize < 10 and $a`, 0, 9},
		{`filesize == 4 and hash.md5(0, filesize) == "00"`, 4, 4},
		{`filesize > 5 and filesize <= 8 and $a`, 6, 8},
		{`hash.md5(0, filesize) == "00" or filesize < 5 and $a`, 0, big},
		{`filesize < 5 and $a or filesize > 100 and $a`, 0, big},
		{`filesize < 5 and $a or filesize == 7 and $a`, 0, 7},
		{`2 of ($a, $b, $c) and filesize < 3`, 0, 2},
		{`filesize < 0 and $a`, math.MaxInt64, -1},
		{`( filesize < 10 or filesize > 20 ) and filesize < 15 and $a`, 0, 14},
	}
	for _, tt := range tests {
		src := "import \"hash\"\nrule r { strings: $a = \"alpha\" $b = \"bravo\" $c = \"charlie\" condition: " + tt.cond + " }"
		f, err := splitRules([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", tt.cond, err)
		}
		lo, hi := f.ruleFormulas(map[string]*formula{}, 2)[0].sizes()
		if lo != tt.lo || hi != tt.hi {
			t.Errorf("%s: sizes [%d, %d], want [%d, %d]", tt.cond, lo, hi, tt.lo, tt.hi)
		}
	}
}

// TestFilterWordsAcrossStretches: a rule the first stretch's words do not make true is tried
// again when a later stretch shows another of its words, even one in a part of its condition
// that no word alone can make true (filesize < 10 or $b).
func TestFilterWordsAcrossStretches(t *testing.T) {
	conds := []string{
		`$a and ( filesize < 10 or $b )`,
		`2 of ($a, $b, $c)`,
		`$a and $c and ( filesize < 10 or $b )`,
		`( $a or filesize < 10 ) and ( $b or filesize < 10 )`,
	}
	pad := make([]byte, 5*filterStretch*4)
	for i := range pad {
		pad[i] = byte(i % 7)
	}
	for _, cond := range conds {
		src := "rule r { strings: $a = \"alpha\" $b = \"bravo\" $c = \"charlie\" condition: " + cond + " }"
		f, err := splitRules([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		filter := newRuleFilter(f.ruleFormulas(map[string]*formula{}, 2))
		var sc filterScratch
		for _, data := range [][]byte{
			append(append([]byte("alpha charlie"), pad...), "bravo"...),
			append(append([]byte("bravo"), pad...), "charlie alpha"...),
			append(append(append([]byte("alpha"), pad...), "bravo"...), "charlie"...),
		} {
			if !filter.may("x", "/x", data, &sc) {
				t.Errorf("%s: a file holding alpha ... bravo ... charlie across stretches is filtered out", cond)
			}
		}
		if filter.may("x", "/x", append([]byte("alpha"), pad...), &sc) && cond == conds[0] {
			t.Errorf("%s: a file of alpha alone is let through", cond)
		}
	}
}
