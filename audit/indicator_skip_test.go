package audit

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// The byte-by-byte readers the skipping ones in indicator.go must agree with.

func hasRunByByte(data []byte, n int) bool {
	run := 0
	for _, c := range data {
		if c >= '1' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			run++
			if run >= n {
				return true
			}
			continue
		}
		run = 0
	}
	return false
}

func holdsOIDsByByte(s string) bool {
	for i := 0; i+9 <= len(s); i++ {
		if (s[i] < '0' || s[i] > '2') || s[i+1] != '.' || i > 0 && (s[i-1] >= '0' && s[i-1] <= '9' || s[i-1] == '.') {
			continue
		}
		arcs, j := 1, i+1
		for j < len(s) && s[j] == '.' {
			k := j + 1
			for k < len(s) && k < j+8 && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			if k == j+1 {
				break
			}
			arcs, j = arcs+1, k
		}
		if arcs >= 5 {
			return true
		}
	}
	return false
}

func base64RunsByByte(data []byte, minLen int) [][]byte {
	b64 := func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
	}
	var out [][]byte
	i := 0
	for i < len(data) && len(out) < maxBase64Runs {
		if !b64(data[i]) {
			i++
			continue
		}
		j := i
		for j < len(data) && (b64(data[j]) || data[j] == '=' && j > i) {
			j++
		}
		run := data[i:j]
		i = j
		if len(run) < minLen || !mixed(run) {
			continue
		}
		if d := decodeB64(run); d != nil && Printable(d) {
			out = append(out, d)
		}
	}
	return out
}

// hostWordsByByte is hostWords trimming and testing every word, dotted or not.
func (x *indicatorSet) hostWordsByByte(s string, oids bool) {
	isHost := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
	}
	for i := 0; i < len(s) && len(x.out) < MaxIndicators; {
		if !isHost(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isHost(s[j]) {
			j++
		}
		x.hostWord(s, i, j, oids)
		i = j
	}
}

func poolHostByConcat(h string) bool {
	h = strings.ToLower(h)
	for _, p := range poolHosts {
		if h == p || strings.HasSuffix(h, "."+p) {
			return true
		}
	}
	return false
}

// pieces builds test data from fragments that sit at the edges of what each reader looks for.
func pieces(rng *rand.Rand, alphabet string, runs []int, seps []string) []byte {
	var b []byte
	for n := rng.Intn(12); n >= 0; n-- {
		if rng.Intn(3) == 0 {
			b = append(b, seps[rng.Intn(len(seps))]...)
			continue
		}
		for k := runs[rng.Intn(len(runs))]; k > 0; k-- {
			b = append(b, alphabet[rng.Intn(len(alphabet))])
		}
	}
	return b
}

// The skipping readers must find what reading every byte finds: runs one byte either side of
// the length wanted, at both ends of the data, glued to separators of every class.
func TestIndicatorReadersSkipSoundly(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	const base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	runSeps := []string{"0", "_", " ", "\n", "\x00", "=", ".", "0A", "l0l"}
	for k := 0; k < 20000; k++ {
		n := 1 + rng.Intn(12)
		data := pieces(rng, base58, []int{n - 1, n, n + 1, 1, 2 * n}, runSeps)
		if got, want := hasRun(data, n), hasRunByByte(data, n); got != want {
			t.Fatalf("hasRun(%q, %d) = %v, byte by byte %v", data, n, got, want)
		}
	}
	oidSeps := []string{".", "..", "1.", "2.", "3.", "0.", "x", " ", "12345678", "1.3.6.1.5", "9"}
	for k := 0; k < 20000; k++ {
		s := string(pieces(rng, "0123456789.", []int{1, 2, 3, 8, 9}, oidSeps))
		if got, want := holdsOIDs(s), holdsOIDsByByte(s); got != want {
			t.Fatalf("holdsOIDs(%q) = %v, byte by byte %v", s, got, want)
		}
	}
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
	b64Seps := []string{"=", "==", " ", "\n", ".", "\x00", "aGVsbG8gd29ybGQgaGVsbG8=", "ZWNobyBoZWxsbyB3b3JsZA", "=a"}
	for k := 0; k < 20000; k++ {
		minLen := 1 + rng.Intn(20)
		data := pieces(rng, b64, []int{minLen - 1, minLen, minLen + 1, 4, 24}, b64Seps)
		got, want := DecodeBase64Runs(data, minLen), base64RunsByByte(data, minLen)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeBase64Runs(%q, %d) = %q, byte by byte %q", data, minLen, got, want)
		}
	}
	// Monero addresses: 95 or 106 characters from 4 or 8; runs of every length around those,
	// glued to word characters a match may not touch and to separators it may.
	const word = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"
	for k := 0; k < 3000; k++ {
		var b strings.Builder
		for n := rng.Intn(5); n >= 0; n-- {
			b.WriteString([]string{" ", "_", "\n", "x", "-", "0", "é"}[rng.Intn(7)])
			b.WriteByte("48x"[rng.Intn(3)])
			b.WriteByte("0AB9"[rng.Intn(4)])
			length := []int{92, 93, 94, 103, 104, 105}[rng.Intn(6)]
			for i := 0; i < length; i++ {
				if rng.Intn(40) == 0 {
					b.WriteByte(word[rng.Intn(len(word))])
				} else {
					b.WriteByte(base58[rng.Intn(len(base58))])
				}
			}
		}
		s := b.String()
		got, want := wordRunMatches(s, moneroRE, 95), moneroRE.FindAllStringSubmatch(s, -1)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("wordRunMatches(%q) = %q, FindAllStringSubmatch %q", s, got, want)
		}
	}
	for k := 0; k < 20000; k++ {
		h := string(pieces(rng, "abcxmr.-", []int{1, 2, 4}, []string{".", "..", "supportxmr.com", "xmrig.com", "Minexmr.COM", "p2pool.io", "gulf.moneroocean.stream", "x"}))
		if got, want := poolHost(h), poolHostByConcat(h); got != want {
			t.Fatalf("poolHost(%q) = %v, by concatenation %v", h, got, want)
		}
	}
	hostSeps := []string{".", "-", ":8080", ":1", ":123456", "@", "_", " ", "\n", ".com", ".onion", "..", "1.2.3.4", "2.5.4.3", "1.3.6.1.5.5.7"}
	for k := 0; k < 20000; k++ {
		s := string(pieces(rng, "abcxyz019.-", []int{1, 3, 7}, hostSeps))
		for _, oids := range []bool{false, true} {
			var got, want indicatorSet
			got.hostWords(s, oids)
			want.hostWordsByByte(s, oids)
			if !reflect.DeepEqual(got.out, want.out) {
				t.Fatalf("hostWords(%q, %v) = %v, byte by byte %v", s, oids, got.out, want.out)
			}
		}
	}
}
