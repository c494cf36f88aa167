package packages_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics/packages"
)

// TestHasGoBuildInfo holds HasGoBuildInfo to bytes.Contains of the whole magic: on texts
// built of its pieces, cut at every place and run together, and on random bytes.
func TestHasGoBuildInfo(t *testing.T) {
	pieces := []string{packages.GoBuildInfoMagic, "\xff", " Go ", "\xff Go", "buildinf:", "buildinf", " Go buildinf:", "\xff Go buildinf",
		"\xffGo buildinf:", "\xff  Go buildinf:", "x", "\x00", "\xff\xff", "b", ":"}
	r := rand.New(rand.NewPCG(1, 2))
	found := 0
	for n := 0; n < 50000; n++ {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		data := []byte(b.String())
		if n%5 == 4 {
			data = make([]byte, r.IntN(40))
			for i := range data {
				data[i] = "\xff Gobuildinf:"[r.IntN(13)]
			}
		}
		want := bytes.Contains(data, []byte(packages.GoBuildInfoMagic))
		if got := packages.HasGoBuildInfo(data); got != want {
			t.Fatalf("HasGoBuildInfo(%q) = %v, bytes.Contains says %v", data, got, want)
		}
		if want {
			found++
		}
	}
	if found < 5000 {
		t.Fatalf("only %d texts hold the magic: the test does not come near it", found)
	}
}
