package signatures

import (
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/signatures/rulegen"
)

// sampleOf returns bytes that hold a rule string: a text unquoted (widened when wide), a hex
// string with its wildcards zero, its jumps at their least and the first choice of each
// alternative; nil for a regular expression or a text it cannot unquote.
func sampleOf(st ruleString, r *rand.Rand) []byte {
	v := st.value.text
	switch st.value.kind {
	case tokStr:
		s, ok := unquoteYARA(v[1:len(v)-1], false)
		if !ok {
			return nil
		}
		for _, m := range st.mods {
			if m.text == "wide" {
				var b []byte
				for i := 0; i < len(s); i++ {
					b = append(b, s[i], 0)
				}
				return b
			}
		}
		return []byte(s)
	case tokHex:
		var out []byte
		fields := hexFields(strings.Trim(v, "{} \t\n\r"))
		depth := 0
		skipAlt := false
		for i := 0; i < len(fields); i++ {
			f := fields[i]
			switch f {
			case "[":
				lo := 0
				if i+1 < len(fields) {
					x := strings.SplitN(fields[i+1], "-", 2)[0]
					for _, c := range x {
						if c >= '0' && c <= '9' {
							lo = lo*10 + int(c-'0')
						}
					}
				}
				for k := 0; k < lo; k++ {
					out = append(out, byte(r.IntN(256)))
				}
				for i < len(fields) && fields[i] != "]" {
					i++
				}
				continue
			case "(":
				depth++
				skipAlt = false
				continue
			case ")":
				depth--
				skipAlt = false
				continue
			case "|":
				skipAlt = true
				continue
			}
			if skipAlt {
				continue
			}
			f = strings.TrimPrefix(f, "~")
			f = strings.ReplaceAll(f, "?", "0")
			b, err := hex.DecodeString(f)
			if err != nil || len(b) != 1 {
				return nil
			}
			out = append(out, b[0])
		}
		return out
	}
	return nil
}

// TestScopedMatchesOnRuleStrings builds, for every rule of a generated public-style set, files
// that hold its strings (all of them, every other one, and the first again past the filters'
// first stretch), after each class's magic and none, and requires the scoped sets to report
// what one set over every file reports: real trees rarely hold a rule's own strings, so this
// is where the prefilters and rule filters are held to libyara on matches.
func TestScopedMatchesOnRuleStrings(t *testing.T) {
	if testing.Short() {
		t.Skip("scans some 6,000 files with 600 rules twice")
	}
	dir := t.TempDir()
	paths, err := rulegen.Write(dir, 150, 7)
	if err != nil {
		t.Fatal(err)
	}
	scoped, plain := compileBoth(t, []string{dir})
	sa, sb := scanners(t, scoped, plain)
	defer sa.Close()
	defer sb.Close()
	r := rand.New(rand.NewPCG(1, 2))
	matched, n := 0, 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := splitRules(b)
		if err != nil {
			continue
		}
		for _, rule := range fr.rules {
			var parts [][]byte
			for _, st := range rule.strs {
				if s := sampleOf(st, r); s != nil {
					parts = append(parts, s)
				}
			}
			if len(parts) == 0 {
				continue
			}
			for _, head := range []string{"", "MZ", "\x7fELF\x01\x01\x01", "\x7fELF\x02\x01\x01"} {
				for variant := 0; variant < 3; variant++ {
					data := []byte(head)
					for range 64 {
						data = append(data, byte(' '+r.IntN(90)))
					}
					for i, s := range parts {
						if variant == 1 && i%2 == 1 {
							continue
						}
						data = append(append(data, s...), '\n')
					}
					if variant == 2 {
						data = append(append(data, make([]byte, 4*filterStretch+100)...), parts[0]...)
					}
					m, differ := scanBoth(t, sa, sb, "x/"+filepath.Base(p)+".bin", data)
					matched += m
					n++
					if differ {
						t.Fatalf("rule %s of %s", rule.name, filepath.Base(p))
					}
				}
			}
		}
	}
	t.Logf("%d files, %d matches", n, matched)
	if n < 1000 || matched < n/4 {
		t.Fatalf("%d files and %d matches: the files do not hold what the rules look for", n, matched)
	}
}
