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
			if !filter.may("x", "/x", "", data, &sc) {
				t.Errorf("%s: a file holding alpha ... bravo ... charlie across stretches is filtered out", cond)
			}
		}
		if filter.may("x", "/x", "", append([]byte("alpha"), pad...), &sc) && cond == conds[0] {
			t.Errorf("%s: a file of alpha alone is let through", cond)
		}
	}
}

// TestFilterRulesOut: the readings that let a rule with no word (or only a common one) gate
// its set (a string's match offset or length, every run of a hex string, a base64 string
// written with ascii) or narrow what it lets through (bytes at an offset, the extension and
// file type). Each rule is held to files it must let through and files it must rule out
// (TestUserPrefilterSound holds every reading to libyara).
func TestFilterRulesOut(t *testing.T) {
	elf := func(bits byte, body string) []byte {
		return append([]byte("\x7fELF"+string([]byte{bits})+"\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), body...)
	}
	const runs = "{ 11 22 33 ?? 44 [0-4] 55 66 77 88 }"
	tests := []struct {
		name  string
		class int
		strs  string
		cond  string
		pass  [][]byte
		out   [][]byte
		// weak: the reading alone does not put the rule in the filtered set (some such hold
		// for most files); beside more it narrows what the set lets by.
		weak bool
		// names and kinds: a file of that name, or of that filetype, holding probe is let
		// through or not.
		probe string
		names map[string]bool
		kinds map[string]bool
	}{
		{"a 32-bit ELF and the order of two strings", 1, `$a = { 83 C4 10 5B } $b = { 5D C3 90 90 }`,
			`uint32(0) == 0x464c457f and uint8(4) == 1 and @a[1] < @b[1]`,
			[][]byte{elf(1, "\x83\xc4\x10\x5b..\x5d\xc3\x90\x90")},
			[][]byte{elf(2, "\x83\xc4\x10\x5b..\x5d\xc3\x90\x90"), elf(1, "\x83\xc4\x10\x5b only"), elf(1, "")}, false, "", nil, nil},
		{"bytes at an offset, either byte order", 2, `$a = "x"`, `uint16be(2) == 0x4142 and filesize < 100`,
			[][]byte{[]byte("..AB.."), []byte("xxAB")}, [][]byte{[]byte("..BA.."), []byte("..A")}, true, "", nil, nil},
		{"a match's length", 2, `$a = "alpha"`, `!a[1] > 3`, [][]byte{[]byte("an alpha")}, [][]byte{[]byte("an alp")}, false, "", nil, nil},
		{"every run of a hex string", 2, `$a = ` + runs, `$a`,
			[][]byte{[]byte("\x11\x22\x33\x00\x44..\x55\x66\x77\x88")},
			[][]byte{[]byte("\x11\x22\x33\x00\x44 only the first run"), []byte("only the last \x55\x66\x77\x88")}, false, "", nil, nil},
		{"the file type", 2, `$a = "($_"`, `filetype == "PHP" and $a`, nil, nil, true, "($_", nil, map[string]bool{"text": false, "PHP": true}},
		{"the extension", 2, `$a = "($_"`, `( extension == ".aspx" or extension == ".ASHX" ) and $a`, nil, nil, true, "f(g($_",
			map[string]bool{"shell.aspx": true, "up.ashx": true, "Page.ASPX": true, "x.php": false, "aspx": false}, nil},
		{"ascii base64", 2, `$a = "os.execute('rverify')" ascii base64`, `filesize < 500KB and $a`,
			[][]byte{[]byte("x=" + "b3MuZXhlY3V0ZSgncnZlcmlmeScp")}, [][]byte{[]byte("os.execute, but plain")}, false, "", nil, nil},
	}
	for _, tt := range tests {
		src := "rule r { strings: " + tt.strs + " condition: " + tt.cond + " }"
		f, err := splitRules([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		form := f.ruleFormulas(map[string]*formula{}, tt.class)[0]
		if form.selective() == tt.weak {
			t.Errorf("%s: the rule's formula %+v gates its set: %v, want %v", tt.name, form, form.selective(), !tt.weak)
			continue
		}
		// Through the cache's form as well: it is what a second scan filters with.
		back, ok := form.toJSON().formula()
		if !ok {
			t.Fatalf("%s: the cached formula does not read back", tt.name)
		}
		for _, fm := range []*formula{form, back} {
			filter := newRuleFilter([]*formula{fm})
			var sc filterScratch
			for _, d := range tt.pass {
				if !filter.may("x", "/x", "", d, &sc) {
					t.Errorf("%s: %q is ruled out", tt.name, d)
				}
			}
			for _, d := range tt.out {
				if filter.may("x", "/x", "", d, &sc) {
					t.Errorf("%s: %q is let through", tt.name, d)
				}
			}
			for kind, want := range tt.kinds {
				if got := filter.may("x", "/x", kind, []byte(tt.probe), &sc); got != want {
					t.Errorf("%s: a file of type %s let through %v, want %v", tt.name, kind, got, want)
				}
			}
			for name, want := range tt.names {
				if got := filter.may(name, "/w/"+name, "", []byte(tt.probe), &sc); got != want {
					t.Errorf("%s: %s let through %v, want %v", tt.name, name, got, want)
				}
			}
		}
	}
}
