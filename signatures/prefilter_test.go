package signatures

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"

	"github.com/hillu/go-yara/v4"
)

// The words every match of a string holds, read from its text, regular expression or hex.
func TestStringWords(t *testing.T) {
	tests := []struct {
		value string
		kind  tokKind
		mods  []string
		want  words
	}{
		{`"LD_PRELOAD"`, tokStr, nil, words{"ld_preload"}},
		{`"a\"b\x41c"`, tokStr, []string{"nocase", "fullword"}, words{`a"bac`}},
		{`"wide one"`, tokStr, []string{"wide"}, words{"w\x00i\x00d\x00e\x00 \x00o\x00n\x00e"}},
		{`"wide one"`, tokStr, []string{"ascii", "wide", "nocase"}, words{"wide one", "w\x00i\x00d\x00e\x00 \x00o\x00n\x00e"}},
		{`"b64"`, tokStr, []string{"base64"}, nil},
		{`{ 41 42 43 44 }`, tokHex, []string{"private"}, words{"abcd"}},
		{`"xored"`, tokStr, []string{"xor"}, nil},
		{`/[Xx]mrig/`, tokRegex, []string{"nocase"}, words{"xmrig"}},
		{`/[Ss][Tt][Rr][Aa][Tt][Uu][Mm](1|2)?(\+tcp|\+ssl):\/\/[a-z]{3,9}:[0-9]{2,5}/`, tokRegex, nil,
			words{"stratum+ssl://", "stratum+tcp://", "stratum1+ssl://", "stratum1+tcp://", "stratum2+ssl://", "stratum2+tcp://"}},
		{`/\x00(REMOTE|LISTEN)_?(ADDR|HOST)\x00/`, tokRegex, nil, words{"\x00listen_addr\x00", "\x00listen_host\x00",
			"\x00listenaddr\x00", "\x00listenhost\x00", "\x00remote_addr\x00", "\x00remote_host\x00", "\x00remoteaddr\x00", "\x00remotehost\x00"}},
		{`/(abc|de)fgh/`, tokRegex, nil, words{"abcfgh", "defgh"}},
		{`/\$_(POST|GET)\[/`, tokRegex, nil, words{"$_get[", "$_post["}},
		{`/ab{,3}cd/`, tokRegex, nil, words{"cd"}}, // YARA reads {,3} as {0,3}: the b's may be missing
		{`/xyzw.{,100}unsafe/`, tokRegex, nil, words{"unsafe"}},
		{`/[{,]abcdefg/`, tokRegex, nil, words{",abcdefg", "{abcdefg"}}, // a brace in a class is a character
		{`/abcd\{,3}/`, tokRegex, nil, words{"abcd{,3}"}},
		{`/[[:alpha:]]xyzw/`, tokRegex, nil, nil},
		{`/abc[0-9]{2}/`, tokRegex, nil, words{"abc0", "abc1", "abc2", "abc3", "abc4", "abc5", "abc6", "abc7", "abc8", "abc9"}},
		{`/abc[^x]{2}/`, tokRegex, nil, words{"abc"}},
		{`/\.onion[0-9]*/`, tokRegex, []string{"wide"}, words{".\x00o\x00n\x00i\x00o\x00n"}},
		{`/[a-z0-9]{1,4}\([a-z_]{2,30}\(\$_/`, tokRegex, nil, words{"_($_", "a($_", "b($_", "c($_", "d($_", "e($_", "f($_", "g($_", "h($_",
			"i($_", "j($_", "k($_", "l($_", "m($_", "n($_", "o($_", "p($_", "q($_", "r($_", "s($_", "t($_", "u($_", "v($_", "w($_",
			"x($_", "y($_", "z($_"}},
		{`{ 61 62 [ 10 ] 63 64 65 66 }`, tokHex, nil, words{"cdef"}},
		{`{ 61 62 63 // 64 65 66 67 68
		      69 }`, tokHex, nil, nil},
		{`{ 61 62 63 64 }`, tokHex, []string{"wide"}, nil},
		{`/(abcd|efgh)x*/`, tokRegex, nil, words{"abcd", "efgh"}},
		{`/(abcd|e*)/`, tokRegex, nil, nil},
		{`/a.b/`, tokRegex, nil, words{"a"}},
		{`/(ab){2}cd/`, tokRegex, nil, words{"ababcd"}},
		{`/x+yz/`, tokRegex, nil, words{"xyz"}},
		{`/(ab)+cd/`, tokRegex, nil, words{"abcd"}},
		{`/ab(cd)*ef/`, tokRegex, nil, words{"ab"}},
		{`{ 68 2f 2f 73 68 68 2f 62 69 6e }`, tokHex, nil, words{"h//shh/bin"}},
		{`{ 48 b? 2f 62 69 6e 2f ( 73 68 00 | 2f 73 68 ) }`, tokHex, nil, words{"/bin/"}},
		{`{ 4D 5A [2-4] 50 45 ?? 00 }`, tokHex, nil, words{"mz"}},
	}
	for _, tt := range tests {
		st := ruleString{id: "$a", value: token{tt.kind, tt.value}}
		for _, m := range tt.mods {
			st.mods = append(st.mods, token{tokIdent, m})
		}
		if got := stringWords(st); !slices.Equal(got, tt.want) {
			t.Errorf("%s %v: got %q, want %q", tt.value, tt.mods, got, tt.want)
		}
	}
}

// A condition yields words only where every alternative needs a string (or a rule that does).
func TestCondWords(t *testing.T) {
	strs := []strWords{{id: "$a", w: words{"alpha"}}, {id: "$b1", w: words{"beta"}}, {id: "$b2", w: words{"bravo"}}, {id: "$c"}}
	rules := map[string]*need{"helper": {words: words{"helps"}}, "plain": nil}
	tests := []struct {
		cond string
		want words
	}{
		{"$a", words{"alpha"}},
		{"filesize < 1MB and $a", words{"alpha"}},
		{"$a and any of ($b*)", words{"alpha"}},
		{"any of ($b*)", words{"beta", "bravo"}},
		{"2 of ($a, $b1)", words{"alpha"}},
		{"2 of ($a, $c)", words{"alpha"}},
		{"all of them", words{"alpha"}},
		{"3 of ($b*, $c)", words{"bravo"}},
		{"$a or $b1", words{"alpha", "beta"}},
		{"$a or filesize < 10", nil},
		{"not $a", nil},
		{"any of them", nil}, // $c has no words
		{"$c and helper", words{"helps"}},
		{"plain and filepath == \"/x\"", nil},
		{"0 of ($a)", nil},
		{"($a and $c) or ($b1 and plain)", words{"alpha", "beta"}},
		{"#a > 0", words{"alpha"}},
		{"#a >= 2", words{"alpha"}},
		{"#a >= 0", nil},
		{"#a == 0", nil},
		{"#a < 3", nil},
		{"$a at 0", words{"alpha"}},
	}
	for _, tt := range tests {
		f, err := splitRules([]byte("rule r { condition: " + tt.cond + " }"))
		if err != nil {
			t.Fatalf("%s: %v", tt.cond, err)
		}
		var got words
		if n := condNeed(f.rules[0].cond, &needContext{strs: strs, rules: rules, class: -1}); n != nil {
			got = n.words
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.cond, got, tt.want)
		}
	}
}

func TestPrefilterMay(t *testing.T) {
	p := newPrefilter(&need{words: words{"stratum", "xmrig", "c3pool.com", "x.y.z"}})
	for _, tt := range []struct {
		data string
		want bool
	}{
		{"nothing here", false},
		{"url=STRATUM+tcp://", true},
		{"sTrAtUm", true},
		{"stratu", false},
		{"run XMRig now", true},
		{"C3POOL.COM", true},
		{"c3pool.co", false},
		{"x.y.z", true},
		{"", false},
	} {
		if got := p.may("", "", []byte(tt.data)); got != tt.want {
			t.Errorf("may(%q) = %v, want %v", tt.data, got, tt.want)
		}
	}
	if newPrefilter(&need{words: words{"abc", "long enough"}}) != nil {
		t.Error("a prefilter with a three-byte word")
	}
}

// TestBuiltinPrefilters holds the built-in sets' prefilters to libyara: on every sample the
// rule tests use, in random cases, cut and embedded in other bytes, a set that matches has a
// prefilter that lets the file through; and the sets that text and binaries get have one.
func TestBuiltinPrefilters(t *testing.T) {
	rs, err := Compile(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var samples [][]byte
	for _, dir := range []string{"testdata/pos", "testdata/neg"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			samples = append(samples, b)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var variants [][]byte
	for _, s := range samples {
		variants = append(variants, s)
		for i := 0; i < 8; i++ {
			v := []byte(string(s))
			for j := range v {
				if rng.IntN(2) == 0 && (v[j] >= 'a' && v[j] <= 'z' || v[j] >= 'A' && v[j] <= 'Z') {
					v[j] ^= 0x20
				}
			}
			pad := make([]byte, rng.IntN(64))
			for j := range pad {
				pad[j] = byte(rng.IntN(256))
			}
			variants = append(variants, append(pad, v...))
		}
	}
	sets := []struct {
		name string
		r    *yara.Rules
		vals [5]string
		must bool
	}{
		{"text", rs.textRules, [5]string{"x", "/x", "", TypeText, "root"}, true},
		{"pages", rs.pagesRules, [5]string{"x.php", "/x.php", ".php", TypePHP, "root"}, true},
		{"binary", rs.binaryRules, [5]string{"x", "/x", "", TypeClass, "root"}, true},
	}
	for _, set := range sets {
		p := rs.pre[set.r]
		if p == nil {
			if set.must {
				t.Errorf("%s: no prefilter", set.name)
			}
			continue
		}
		ys, err := yara.NewScanner(set.r)
		if err != nil {
			t.Fatal(err)
		}
		y := yaraScanner{ys: ys, uses: [5]bool{true, true, true, true, true}}
		matched := 0
		for _, v := range variants {
			var m yara.MatchRules
			ys.SetCallback(&m)
			if err := y.scan(set.vals, v); err != nil {
				t.Fatal(err)
			}
			if len(m) > 0 {
				matched++
				if !p.may(set.vals[0], set.vals[1], v) {
					t.Errorf("%s: %v match %q, which the prefilter rules out", set.name, m[0].Rule, v[:min(len(v), 80)])
				}
			}
		}
		ys.Destroy()
		if matched == 0 {
			t.Errorf("%s: no sample matched: the test proves nothing", set.name)
		}
	}
}

// regexWords reads Go's syntax tree of a YARA expression; a sanity check that the two agree
// on the expressions the built-in rules use (every one parses).
func TestBuiltinRegexesParse(t *testing.T) {
	srcs, err := builtinSources()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range srcs {
		f, err := splitRules(s.text)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for _, r := range f.rules {
			for _, st := range r.strs {
				if st.value.kind != tokRegex {
					continue
				}
				n++
				v := st.value.text
				if _, err := syntax.Parse(v[1:strings.LastIndexByte(v, '/')], syntax.Perl); err != nil {
					t.Errorf("%s: %s %s: %v", s.name, r.name, st.id, err)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no regular expressions read from the built-in rules")
	}
}

// The anchor and gram ways of finding words agree with a plain search, for words of every
// length (gram strides 1 to 8) planted at every place, the ends included, in random case.
func TestWordFilterFinds(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	alphabet := "abcdeXYZ.-_\x00\xff"
	randWord := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = lowerASCII(alphabet[rng.IntN(len(alphabet))])
		}
		return string(b)
	}
	found := 0
	for round := 0; round < 400; round++ {
		shortest := 4 + rng.IntN(8)
		var ws words
		for i := 0; i < 1+rng.IntN(40); i++ {
			ws = append(ws, randWord(shortest+rng.IntN(6)))
		}
		if round%7 == 0 {
			ws = ws[:1]
			ws[0] = "x" + ws[0][1:] // one letter anchor: the IndexByte way
		}
		p := newPrefilter(&need{words: ws})
		for k := 0; k < 20; k++ {
			data := []byte(randWord(rng.IntN(300)))
			if rng.IntN(2) == 0 {
				w := []byte(ws[rng.IntN(len(ws))])
				for i, c := range w {
					if c >= 'a' && c <= 'z' && rng.IntN(2) == 0 {
						w[i] = c - 'a' + 'A'
					}
				}
				at := rng.IntN(len(data) + 1)
				if rng.IntN(4) == 0 {
					at = len(data) // at the very end
				}
				data = append(data[:at:at], append(w, data[at:]...)...)
			}
			want := false
			low := []byte(string(data))
			for i, c := range low {
				low[i] = lowerASCII(c)
			}
			for _, w := range ws {
				want = want || strings.Contains(string(low), w)
			}
			if got := p.hasWord(data); got != want {
				t.Fatalf("words %q (anchors %d, grams %v), data %q: got %v, want %v", ws, len(p.anchors), p.grams != nil, data, got, want)
			}
			if want {
				found++
			}
		}
	}
	if found == 0 {
		t.Fatal("no word planted")
	}
}

// A hex string of fixed length is counted where its whole bytes and nibbles are, overlapping
// places too.
func TestPatternCount(t *testing.T) {
	tests := []struct {
		hex  string
		data string
		want int64
	}{
		{"{ 61 ?? 61 }", "aXaYa", 2},
		{"{ 61 ?? 61 }", "aaaa", 2},
		{"{ 6? 62 }", "abqbAb", 1},
		{"{ ?2 62 ~63 }", "bbcbbd\x22bx", 3}, // ~63 is read as any byte: YARA counts 2
		{"{ 61 62 }", "ab", 1},
		{"{ 61 62 }", "a", 0},
	}
	for _, tt := range tests {
		p, _ := hexPattern(ruleString{value: token{tokHex, tt.hex}})
		if p == nil {
			t.Fatalf("%s: no pattern", tt.hex)
		}
		if got := p.count([]byte(tt.data), 100); got != tt.want {
			t.Errorf("%s in %q: %d, want %d", tt.hex, tt.data, got, tt.want)
		}
	}
	// Runs between jumps and uneven alternatives: the first, and the one with most whole bytes.
	for _, tt := range []struct {
		hex         string
		first, best string
	}{
		{"{ 61 [1-2] 62 63 64 }", "61", "62 63 64"},
		{"{ 61 ( 62 | 63 ) 64 65 }", "61 00 64 65", "61 00 64 65"},
		{"{ 61 ( 62 | 63 64 ) 65 66 67 68 }", "61", "65 66 67 68"},
		{"{ ( 62 | 63 64 ) 65 66 67 68 }", "", "65 66 67 68"},
		{"{ 61 62 ?? }", "61 62 00", ""},
		{"{ ?? ?? }", "", ""},
		{"{ 61 // x\n 62 }", "", ""},
	} {
		first, best := hexPattern(ruleString{value: token{tokHex, tt.hex}})
		show := func(p *pattern) string {
			if p == nil {
				return ""
			}
			var f []string
			for _, b := range p.bytes {
				f = append(f, fmt.Sprintf("%02x", b))
			}
			return strings.Join(f, " ")
		}
		if show(first) != tt.first || show(best) != tt.best {
			t.Errorf("%s: first %q best %q, want %q %q", tt.hex, show(first), show(best), tt.first, tt.best)
		}
	}
}

// Bytes written with no blank between them are bytes: the run a hex string's matches all hold
// is read from them as from spaced ones.
func TestHexWordsOfUnspacedBytes(t *testing.T) {
	for _, tt := range []struct{ hex, want string }{
		{"{ 48FFC14883F94975E9 }", "\x48\xff\xc1\x48\x83\xf9\x49\x75\xe9"},
		{"{8A043132C288 [2-4] 25FF}", "\x8a\x04\x31\x32\xc2\x88"},
		{"{ 8D 41 05 32 06 48 }", "\x8d\x41\x05\x32\x06\x48"},
		{"{ 4D5A ?? 90 }", "\x4d\x5a"},
	} {
		got := hexWords(tt.hex)
		if len(got) != 1 || got[0] != string(lowerBytes([]byte(tt.want))) {
			t.Errorf("%s: %q, want %q", tt.hex, got, tt.want)
		}
	}
}

func lowerBytes(b []byte) []byte {
	for i, c := range b {
		b[i] = lowerASCII(c)
	}
	return b
}

// Wherever libyara matches a text string with the xor modifier, whatever the key (ranges
// written or not), the file's byte differences hold the text's: the diff pattern lets every
// such file through, and a file without the differences is not one libyara matches.
func TestXorPatternSound(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 60; i++ {
		text := make([]byte, 5+rng.IntN(12))
		for j := range text {
			text[j] = byte('a' + rng.IntN(26))
		}
		mods := []string{"xor", "xor(0x01-0xff)", "ascii xor(1-200)", "xor fullword"}[i%4]
		src := fmt.Sprintf("rule r { strings: $a = %q %s condition: $a }", text, mods)
		f, err := splitRules([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		p := xorPattern(f.rules[0].strs[0])
		if p == nil || !p.diff {
			t.Fatalf("%s: no diff pattern", src)
		}
		rules := compileSource(t, src)
		for k := 0; k < 4; k++ {
			key := byte(1 + rng.IntN(200))
			data := make([]byte, rng.IntN(300))
			for j := range data {
				data[j] = byte(rng.IntN(256))
			}
			if k == 3 {
				for _, b := range text {
					data = append(data, b^key)
				}
				data = append(data, ' ')
			}
			var m yara.MatchRules
			if err := rules.ScanMem(data, 0, 0, &m); err != nil {
				t.Fatal(err)
			}
			found := p.count(differences(nil, data), 1) > 0
			if len(m) > 0 && !found {
				t.Errorf("%s, key %#x: libyara matches, the differences do not hold the pattern", src, key)
			}
			if k == 3 && len(m) == 0 && !strings.Contains(mods, "fullword") {
				t.Errorf("%s, key %#x: the XORed text was not matched: the test proves nothing", src, key)
			}
		}
		rules.Destroy()
	}
}

// Wherever libyara matches a text string with the base64 modifier, the file holds one of the
// string's words, in some case; and text encoded at every offset is matched, so the test
// proves something.
func TestBase64WordsSound(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for i := 0; i < 40; i++ {
		text := make([]byte, 6+rng.IntN(14))
		for j := range text {
			text[j] = byte(' ' + rng.IntN(95))
		}
		src := fmt.Sprintf("rule r { strings: $a = %q %s condition: $a }", text, []string{"base64", "ascii base64"}[i%2])
		f, err := splitRules([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		ws := stringWords(f.rules[0].strs[0])
		if len(ws) != 3 {
			t.Fatalf("%s: words %q", src, ws)
		}
		rules := compileSource(t, src)
		for shift := 0; shift < 3; shift++ {
			raw := make([]byte, shift+rng.IntN(6)*3)
			for j := range raw {
				raw[j] = byte(rng.IntN(256))
			}
			raw = append(raw, text...)
			for j := rng.IntN(5); j > 0; j-- {
				raw = append(raw, byte(rng.IntN(256)))
			}
			data := []byte("x=" + base64.StdEncoding.EncodeToString(raw) + ";")
			var m yara.MatchRules
			if err := rules.ScanMem(data, 0, 0, &m); err != nil {
				t.Fatal(err)
			}
			if len(m) == 0 {
				t.Errorf("%s at offset %d: libyara does not match the encoded text: the test proves nothing", src, shift)
				continue
			}
			low := strings.ToLower(string(data))
			if !slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(low, w) }) {
				t.Errorf("%s at offset %d: libyara matches %q, which holds none of %q", src, shift, data, ws)
			}
		}
		rules.Destroy()
	}
}

// compileSource compiles one rule source with libyara, as the tests that hold a reading to
// libyara do.
func compileSource(t *testing.T, src string) *yara.Rules {
	t.Helper()
	c, err := yara.NewCompiler()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Destroy()
	if err := c.AddString(src, ""); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	rules, err := c.GetRules()
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return rules
}
