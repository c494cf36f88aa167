package signatures

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ruleFuzzer writes random rules of the shapes the user-rule prefilters read (text, hex and
// regular-expression strings with every modifier; conditions of N of them, counts, offsets,
// names, sizes, digests, rule references, "or" and "not"), and files that hold parts of what
// they look for: every string's text in random case, wide, cut short, at the start or the end
// of the file, among random bytes, after an MZ or ELF magic or none, and across the end of a
// filter's stretch.
type ruleFuzzer struct {
	r       *rand.Rand
	samples [][]byte // bytes some string of the rules matches
	names   []string // file names and paths the rules name
	sizes   []int
}

var fuzzWords = []string{"alpha", "Bravo", "charlie", "dEltA", "echo", "fox-trot", "golf.club", "hotel/", "in dia", "juliet", "kilo",
	"lima", "mike", "nov", "osc", "papa"}

func (g *ruleFuzzer) word() string { return fuzzWords[g.r.IntN(len(fuzzWords))] }

// caseOf returns s with the case of random letters flipped.
func (g *ruleFuzzer) caseOf(s string) string {
	b := []byte(s)
	for i, c := range b {
		if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') && g.r.IntN(2) == 0 {
			b[i] ^= 0x20
		}
	}
	return string(b)
}

func widen(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		b.WriteByte(0)
	}
	return b.String()
}

// str returns a string declaration and a text it matches (sample).
func (g *ruleFuzzer) str() (decl, sample string) {
	switch g.r.IntN(3) {
	case 0: // text
		w := g.word()
		if g.r.IntN(4) == 0 {
			w = w[:1+g.r.IntN(len(w))] // short ones too: too short to rule files out
		}
		mods := []string{"", "nocase", "wide", "ascii wide", "wide nocase", "fullword", "private", "xor", "base64", "ascii nocase wide"}[g.r.IntN(10)]
		sample = w
		if strings.Contains(mods, "nocase") {
			sample = g.caseOf(w)
		}
		switch {
		case mods == "xor":
			k := byte(1 + g.r.IntN(255))
			b := []byte(sample)
			for i := range b {
				b[i] ^= k
			}
			sample = string(b)
		case mods == "base64":
			sample = "" // the encoded forms are not worth building here
		case strings.Contains(mods, "wide") && (!strings.Contains(mods, "ascii") || g.r.IntN(2) == 0):
			sample = widen(sample)
		}
		return fmt.Sprintf("%q %s", w, mods), sample
	case 1: // hex
		var parts []string
		var b []byte
		n := 2 + g.r.IntN(11)
		for i := 0; i < n; i++ {
			c := byte('a' + g.r.IntN(6))
			switch x := g.r.IntN(8); {
			case x == 0 && i > 0 && i < n-1:
				j := g.r.IntN(3)
				parts = append(parts, fmt.Sprintf("[%d-%d]", j, j+1))
				for k := 0; k < j; k++ {
					b = append(b, byte(g.r.IntN(256)))
				}
			case x == 1 && i > 0:
				parts = append(parts, "??")
				b = append(b, byte(g.r.IntN(256)))
			case x == 2:
				d := byte('a' + g.r.IntN(6))
				parts = append(parts, fmt.Sprintf("( %02X | %02X )", c, d))
				b = append(b, d)
			default:
				parts = append(parts, fmt.Sprintf("%02X", c))
				b = append(b, c)
			}
		}
		// Public rules often write bytes with no blank between them ({ 48FFC148 }).
		var hex strings.Builder
		for i, p := range parts {
			if i > 0 && (len(p) != 2 || len(parts[i-1]) != 2 || g.r.IntN(2) == 0) {
				hex.WriteString(" ")
			}
			hex.WriteString(p)
		}
		return "{ " + hex.String() + " }", string(b)
	default: // regular expression
		var re, s strings.Builder
		for k := 0; k < 1+g.r.IntN(3); k++ {
			w := g.word()
			switch g.r.IntN(6) {
			case 0:
				v := g.word()
				re.WriteString("(" + regexQuote(w) + "|" + regexQuote(v) + ")")
				if g.r.IntN(2) == 0 {
					w = v
				}
			case 1:
				re.WriteString("[a-c]{1,3}")
				w = strings.Repeat("b", 1+g.r.IntN(3))
			case 2:
				re.WriteString("(" + regexQuote(w) + ")?")
				if g.r.IntN(2) == 0 {
					w = ""
				}
			case 3:
				re.WriteString("[0-9]+")
				w = fmt.Sprint(g.r.IntN(1000))
			case 4:
				// YARA also writes the lower bound 0 as nothing: .{,3}
				re.WriteString([]string{".{0,3}", ".{,3}"}[g.r.IntN(2)])
				w = "xy"[:g.r.IntN(3)]
			default:
				re.WriteString(regexQuote(w))
			}
			s.WriteString(w)
		}
		mods := []string{"", "nocase", "wide", "ascii wide", "fullword"}[g.r.IntN(5)]
		sample := s.String()
		if mods == "nocase" {
			sample = g.caseOf(sample)
		}
		if strings.Contains(mods, "wide") && (mods == "wide" || g.r.IntN(2) == 0) {
			sample = widen(sample)
		}
		return "/" + re.String() + "/ " + mods, sample
	}
}

func regexQuote(s string) string {
	return strings.NewReplacer(".", `\.`, "/", `\/`, "-", `\-`).Replace(s)
}

// cond returns a random condition over n strings and the rules named before.
func (g *ruleFuzzer) cond(n int, before []string, depth int) string {
	if depth > 1 {
		return fmt.Sprintf("$s%d", 1+g.r.IntN(n))
	}
	switch g.r.IntN(28) {
	case 0:
		return fmt.Sprintf("%d of them", 1+g.r.IntN(n))
	case 1:
		return "any of them"
	case 2:
		return "all of them"
	case 3:
		return fmt.Sprintf("$s%d at %d", 1+g.r.IntN(n), g.r.IntN(3))
	case 4:
		return fmt.Sprintf("#s%d %s %d", 1+g.r.IntN(n), []string{">", ">=", "==", "<"}[g.r.IntN(4)], g.r.IntN(5))
	case 5:
		name := g.word() + ".sh"
		g.names = append(g.names, name)
		return fmt.Sprintf("filename == %q", name)
	case 6:
		size := g.r.IntN(200)
		g.sizes = append(g.sizes, size)
		return fmt.Sprintf("filesize == %d", size)
	case 7:
		return fmt.Sprintf("filesize < %d", g.r.IntN(300))
	case 8:
		return "not " + g.cond(n, before, depth+1)
	case 9:
		if len(before) > 0 {
			return before[g.r.IntN(len(before))]
		}
		return "true"
	case 10:
		return g.cond(n, before, depth+1) + " or " + g.cond(n, before, depth+1)
	case 11:
		return "( " + g.cond(n, before, depth+1) + " ) and " + g.cond(n, before, depth+1)
	case 12:
		return fmt.Sprintf("%d of ($s*)", 1+g.r.IntN(n))
	case 13:
		return g.digest()
	case 14:
		return "uint8(0) == 0x" + fmt.Sprintf("%02x", 'a'+g.r.IntN(4))
	case 15:
		// The class magics, either way: the formulas are read per class of file.
		return []string{"uint16(0) == 0x5a4d", "uint32(0) == 0x464c457f", "uint32be(0) == 0x7f454c46", "not uint16(0) == 0x5a4d",
			"uint16(0) != 0x5a4d", "filetype == \"ELF\""}[g.r.IntN(6)]
	case 16:
		// N of some strings next to more: each conjunct is needed.
		return fmt.Sprintf("%d of them and %s", 1+g.r.IntN(n), g.cond(n, before, depth+1))
	case 17:
		return fmt.Sprintf("all of them and filesize < %d", 20+g.r.IntN(300))
	case 18:
		k := 1 + g.r.IntN(n)
		var ids []string
		for j := 1; j <= n; j++ {
			if j == k || g.r.IntN(2) == 0 {
				ids = append(ids, fmt.Sprintf("$s%d", j))
			}
		}
		return fmt.Sprintf("%d of (%s)", 1+g.r.IntN(len(ids)), strings.Join(ids, ", "))
	case 19:
		return fmt.Sprintf("#s%d > %d and %s", 1+g.r.IntN(n), g.r.IntN(3), g.cond(n, before, depth+1))
	case 20:
		return fmt.Sprintf("( %s or %s ) and ( %s )", g.cond(n, before, depth+1), g.cond(n, before, depth+1), g.cond(n, before, depth+1))
	case 21:
		return fmt.Sprintf("filesize > %d and %d of them", g.r.IntN(100), 1+g.r.IntN(n))
	case 22:
		// A digest beside sizes: the filters hash only files of the sizes some rule wants.
		if g.r.IntN(2) == 0 {
			return fmt.Sprintf("( %s or filesize < %d and any of them )", g.digest(), g.r.IntN(8))
		}
		d := g.digest()
		return fmt.Sprintf("filesize == %d and %s", len(g.samples[len(g.samples)-1]), d)
	case 23:
		// Bytes at an offset: of a magic, or of what samples start with.
		off := g.r.IntN(4)
		return []string{fmt.Sprintf("uint8(%d) == 0x%02x", off, 'a'+g.r.IntN(6)), fmt.Sprintf("uint16be(%d) == 0x%02x%02x", off, 'a'+g.r.IntN(6), 'a'+g.r.IntN(6)),
			"uint16(1) == 0x4c45", "uint8(4) == 0x61", fmt.Sprintf("0x%02x == uint8(%d)", 'a'+g.r.IntN(6), off), "uint32(2) == 0x61616161"}[g.r.IntN(6)]
	case 24:
		// The offset or length of a match: undefined without one.
		a, b := 1+g.r.IntN(n), 1+g.r.IntN(n)
		return []string{fmt.Sprintf("@s%d[1] < @s%d[1]", a, b), fmt.Sprintf("!s%d[1] >= %d", a, g.r.IntN(4)), fmt.Sprintf("not @s%d[1] > %d", a, g.r.IntN(20)),
			fmt.Sprintf("uint8(@s%d[1]) == 0x%02x", a, 'a'+g.r.IntN(6)), fmt.Sprintf("@s%d[2] - @s%d[1] < %d", a, a, g.r.IntN(40)), fmt.Sprintf("@s%d[1] + 0 >= 0", a)}[g.r.IntN(6)]
	case 25:
		return fmt.Sprintf("$s%d and uint8(%d) == 0x%02x", 1+g.r.IntN(n), g.r.IntN(3), 'a'+g.r.IntN(6))
	case 26:
		// The extension external: the names the files get end in ".sh".
		g.names = append(g.names, g.word()+".sh")
		if g.r.IntN(2) == 0 {
			return fmt.Sprintf("filetype == %q and %s", []string{"text", "binary", "script", "PHP", "empty"}[g.r.IntN(5)], g.cond(n, before, depth+1))
		}
		return fmt.Sprintf("extension == %q and %s", []string{".sh", ".SH", ".php"}[g.r.IntN(3)], g.cond(n, before, depth+1))
	}
	return fmt.Sprintf("$s%d", 1+g.r.IntN(n))
}

// digest returns a condition on a digest: of a sample file (so that some file has it) or made up.
func (g *ruleFuzzer) digest() string {
	data := []byte(g.word())
	g.samples = append(g.samples, data)
	alg := []string{"md5", "sha1", "sha256"}[g.r.IntN(3)]
	var sum []byte
	switch alg {
	case "md5":
		h := md5.Sum(data)
		sum = h[:]
	case "sha1":
		h := sha1.Sum(data)
		sum = h[:]
	default:
		h := sha256.Sum256(data)
		sum = h[:]
	}
	return fmt.Sprintf("hash.%s(0, filesize) == %q", alg, hex.EncodeToString(sum))
}

// file writes a rule file of a few rules, some private, global or anonymous-stringed.
func (g *ruleFuzzer) file() string {
	var b strings.Builder
	b.WriteString("import \"hash\"\n\n")
	var before []string
	for i := 0; i < 1+g.r.IntN(5); i++ {
		name := fmt.Sprintf("r%d", i)
		switch g.r.IntN(8) {
		case 0:
			b.WriteString("private ")
		case 1:
			if i == 0 {
				b.WriteString("global ")
			}
		}
		if g.r.IntN(5) == 0 {
			// A pattern too short for words, counted.
			x, y := byte('a'+g.r.IntN(6)), byte('a'+g.r.IntN(6))
			g.samples = append(g.samples, []byte{x, byte(g.r.IntN(256)), y})
			fmt.Fprintf(&b, "rule %s {\n  strings:\n    $s1 = { %02X ?? %02X }\n  condition:\n    #s1 %s %d and filesize < %d\n}\n\n",
				name, x, y, []string{">", ">=", "=="}[g.r.IntN(3)], 1+g.r.IntN(4), 100+g.r.IntN(200))
			before = append(before, name)
			continue
		}
		b.WriteString("rule " + name + " {\n  strings:\n")
		n := 1 + g.r.IntN(4)
		anon := g.r.IntN(6) == 0
		for j := 1; j <= n; j++ {
			decl, sample := g.str()
			if sample != "" {
				g.samples = append(g.samples, []byte(sample))
			}
			id := fmt.Sprintf("$s%d", j)
			if anon {
				id = "$"
			}
			fmt.Fprintf(&b, "    %s = %s\n", id, decl)
		}
		cond := g.cond(n, before, 0)
		switch {
		case anon:
			cond = []string{"any of them", "all of them", "2 of them", "any of ($*)"}[g.r.IntN(4)]
		case g.r.IntN(2) == 0:
			// libyara wants every string used.
			cond = cond + " or ( any of them and filesize < 0 )"
		default:
			cond = "( " + cond + " ) and ( any of them or true )"
		}
		if g.r.IntN(3) == 0 {
			// Written for one class of file.
			cond = []string{"uint16(0) == 0x5a4d", "uint32(0) == 0x464c457f"}[g.r.IntN(2)] + " and ( " + cond + " )"
		}
		fmt.Fprintf(&b, "  condition:\n    %s\n}\n\n", cond)
		before = append(before, name)
	}
	return b.String()
}

// data returns a file holding some samples, whole or cut, in random places.
func (g *ruleFuzzer) data() []byte {
	var b []byte
	junk := func(n int) {
		for i := 0; i < n; i++ {
			b = append(b, byte(g.r.IntN(256)))
		}
	}
	if g.r.IntN(30) == 0 {
		// Samples in the first stretch of bytes the rule filters read before they try the
		// rules (filterStretch, for words of five bytes or less), across its end, and after it.
		for k := 0; k < g.r.IntN(3); k++ {
			b = append(b, g.samples[g.r.IntN(len(g.samples))]...)
		}
		junk(4*filterStretch - len(b) - g.r.IntN(12))
		b = append(b, g.samples[g.r.IntN(len(g.samples))]...)
		junk(g.r.IntN(20))
		b = append(b, g.samples[g.r.IntN(len(g.samples))]...)
		junk(g.r.IntN(8))
		return b
	}
	switch g.r.IntN(8) {
	case 0:
		return nil
	case 1:
		return append([]byte(nil), g.samples[g.r.IntN(len(g.samples))]...) // a sample alone: digests, sizes
	case 2:
		junk(g.sizes[g.r.IntN(len(g.sizes))%len(g.sizes)])
		return b
	}
	switch g.r.IntN(4) {
	case 0:
		b = append(b, "MZ"...)
	case 1:
		b = append(b, "\x7fELF"...)
	}
	for k := 0; k < g.r.IntN(6); k++ {
		if g.r.IntN(2) == 0 {
			junk(g.r.IntN(40))
		}
		s := g.samples[g.r.IntN(len(g.samples))]
		switch g.r.IntN(5) {
		case 0:
			s = s[:g.r.IntN(len(s)+1)] // cut at the end
		case 1:
			s = s[g.r.IntN(len(s)+1):] // cut at the start
		case 2:
			s = []byte(strings.Repeat(string(s), 1+g.r.IntN(5))) // counted
		}
		b = append(b, s...)
	}
	if g.r.IntN(2) == 0 {
		junk(g.r.IntN(40))
	}
	return b
}

// TestUserPrefilterSound holds the user-rule prefilters and rule filters (formula.go) to
// libyara: random rule sets are compiled scoped (per class, with prefilters and filters) and as
// one set over every file, and random files holding parts of what the rules look for must get
// the same matches from both. A filter that skipped a file some rule matches shows as a
// difference.
func TestUserPrefilterSound(t *testing.T) {
	rounds := 40
	if testing.Short() {
		rounds = 8
	}
	matched, gated, skipped, byFormula := 0, 0, 0, 0
	var scratch filterScratch
	for round := 0; round < rounds; round++ {
		g := &ruleFuzzer{r: rand.New(rand.NewPCG(uint64(round), 15)), sizes: []int{0}}
		dir := t.TempDir()
		var sources []string
		for i := 0; i < 4; i++ {
			src := g.file()
			sources = append(sources, src)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.yar", i)), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		scoped, err := Compile(Options{Paths: []string{dir}, NoBuiltin: true})
		if err != nil {
			// A random rule libyara refuses (a string it finds too weak, say): another round.
			t.Logf("round %d: %v", round, err)
			continue
		}
		plain, err := Compile(Options{Paths: []string{dir}, NoBuiltin: true, noScope: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range scoped.user.needs {
			if n != nil {
				gated++
			}
		}
		sa, sb := scanners(t, scoped, plain)
		for i := 0; i < 300; i++ {
			data := g.data()
			name := "x"
			if len(g.names) > 0 && g.r.IntN(3) == 0 {
				name = g.names[g.r.IntN(len(g.names))]
			}
			n, differ := scanBoth(t, sa, sb, "d/"+name, data)
			matched += n
			if differ {
				t.Logf("round %d rules:\n%s", round, strings.Join(sources, "\n"))
				t.FailNow()
			}
			vals, _ := externalValues(FileInfo{Path: "/d/" + name}, data)
			for _, p := range scoped.user.class[classOf(data)] {
				pre := scoped.user.pre[p.Set]
				byNeed := pre != nil && !pre.may(vals[0], vals[1], data)
				if byNeed || p.filter != nil && !p.filter.may(vals[0], vals[1], vals[3], data, &scratch) {
					skipped++
					if !byNeed {
						byFormula++
					}
				}
			}
		}
		sa.Close()
		sb.Close()
		scoped.Close()
		plain.Close()
	}
	t.Logf("%d matches; %d sets with a prefilter; %d scans they saved, %d of them by the rules' formulas alone", matched, gated, skipped, byFormula)
	if matched == 0 || gated == 0 || skipped == 0 || byFormula == 0 {
		t.Errorf("%d matches, %d prefiltered sets, %d scans saved (%d by formulas): the test proves nothing", matched, gated, skipped, byFormula)
	}
}
