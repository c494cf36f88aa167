package audit

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// TestAnchoredMatches holds the windowed matching to the regexps run over the whole text, on
// random texts made of the pieces indicators are found in and the bytes around them.
func TestAnchoredMatches(t *testing.T) {
	pieces := []string{"http://", "HTTPS://", "stratum+tcp://", "xstratum+tcp://", "ftp://", "a+tcp://", "://", "wss://",
		"example.com", "pool.example.org:3333", "[2001:db8::1]", "/path?q=1#f", ":8080", "10.0.0.1", ".", "-", "_", "x",
		" ", "\n", "\t", "\"", "'", "(", ")", "<", ">", "|", "\x00", "\xc3\xa9", "é/ü", "/dev/tcp/", "/dev/udp/", "203.0.113.9/4444",
		"/dev/tcp/evil.example/53", "bc1", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", strings.Repeat("q", 59), "Abc1", "_bc1"}
	res := []struct {
		re     *regexp.Regexp
		anchor string
		before int
		stop   func(byte) bool
	}{
		{urlRE, "://", 16, urlStop},
		{devTCPRE, "/dev/tcp/", 0, wordStop},
		{bech32RE, "bc1", 0, wordStop},
	}
	r := rand.New(rand.NewSource(3))
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := r.Intn(24); k >= 0; k-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		s := b.String()
		for _, x := range res {
			if x.anchor == "/dev/tcp/" {
				// devTCPRE matches either protocol: both anchors, in order of where they match
				var got [][]string
				got = append(got, anchoredMatches(s, x.re, "/dev/tcp/", 0, wordStop)...)
				got = append(got, anchoredMatches(s, x.re, "/dev/udp/", 0, wordStop)...)
				want := x.re.FindAllStringSubmatch(s, -1)
				if len(got) != len(want) {
					t.Fatalf("%q: %d matches, want %d: %q vs %q", s, len(got), len(want), got, want)
				}
				continue
			}
			got, want := anchoredMatches(s, x.re, x.anchor, x.before, x.stop), x.re.FindAllStringSubmatch(s, -1)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s on %q:\n got %q\nwant %q", x.anchor, s, got, want)
			}
		}
	}
}
