package report

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestInert(t *testing.T) {
	tests := []struct {
		in, line, text string
	}{
		{"plain /etc/passwd", "plain /etc/passwd", "plain /etc/passwd"},
		{"title \x1b]0;pwned\x07", `title \x1b]0;pwned\x07`, `title \x1b]0;pwned\x07`},
		{"clip \x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07", `clip \x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07`, `clip \x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07`},
		{"red \x1b[31mX\x1b[0m", `red \x1b[31mX\x1b[0m`, `red \x1b[31mX\x1b[0m`},
		{"c1 \u009b31m", `c1 \u009b31m`, `c1 \u009b31m`},
		{"raw c1 \x9b31m", `raw c1 \x9b31m`, `raw c1 \x9b31m`},
		{"rlo evil\u202Etxt.sh", `rlo evil\u202etxt.sh`, `rlo evil\u202etxt.sh`},
		{"isolate \u2066x\u2069 zw\u200bj \ufeff", `isolate \u2066x\u2069 zw\u200bj \ufeff`, `isolate \u2066x\u2069 zw\u200bj \ufeff`},
		{"tag \U000E0041", `tag \U000e0041`, `tag \U000e0041`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`, `bad \xff\xfe utf8`},
		{"a\nb\tc\rd\x7f", `a\nb\tc\rd\x7f`, "a\nb\tc\\rd\\x7f"},
		{"ls\u2028sep", `ls\u2028sep`, `ls\u2028sep`},
		{"naïve café 日本", "naïve café 日本", "naïve café 日本"},
	}
	for _, tc := range tests {
		if got := Inert(tc.in, false); got != tc.line {
			t.Errorf("Inert(%q, line) = %q, want %q", tc.in, got, tc.line)
		}
		if got := Inert(tc.in, true); got != tc.text {
			t.Errorf("Inert(%q, lines) = %q, want %q", tc.in, got, tc.text)
		}
		if again := Inert(Inert(tc.in, false), false); again != Inert(tc.in, false) {
			t.Errorf("Inert is not idempotent on %q", tc.in)
		}
	}
}

// FuzzInert: whatever goes in, nothing that acts on a terminal comes out.
func FuzzInert(f *testing.F) {
	for _, s := range []string{"\x1b]0;x\x07", "\u202e", "\xc2\x9b", "\xff", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, lines := range []bool{false, true} {
			out := Inert(s, lines)
			if err := hostile(out, lines); err != "" {
				t.Fatalf("Inert(%q, %v) = %q: %s", s, lines, out, err)
			}
		}
	})
}

// hostile names the first thing in s that could act on a terminal or a reader: a control
// character (newline and tab allowed when lines), a bidi or other format character, or
// invalid UTF-8; "" when there is none.
func hostile(s string, lines bool) string {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return fmt.Sprintf("invalid UTF-8 at byte %d", i)
		case lines && (r == '\n' || r == '\t'):
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			return fmt.Sprintf("control character %U at byte %d", r, i)
		case unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp):
			return fmt.Sprintf("format character %U at byte %d", r, i)
		}
		i += size
	}
	return ""
}

func TestFilter(t *testing.T) {
	env := "AWS_SECRET_ACCESS_KEY=j09YWEq7pZ3Lx8vK2nR5tB1cD4fG6hJ0kM9sQ2wE\x1b]0;x\x07"
	if got := (Filter{}).Line(env); strings.Contains(got, "j09YWEq7pZ3L") || strings.Contains(got, "\x1b") || !strings.Contains(got, "[aws-secret-access-key j09Y… 40 chars sha256:") {
		t.Errorf("Filter{}.Line = %q", got)
	}
	if got := (Filter{ShowSecrets: true}).Line(env); got != Inert(env, false) {
		t.Errorf("ShowSecrets: %q", got)
	}
}
