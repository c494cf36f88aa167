package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzStore reads an arbitrary trust store file: it lists or fails naming the file; a listed
// store takes a new image and keeps the ones it had; the base it gives an image is the longest
// trusted chain that is a prefix of the image's.
func FuzzStore(f *testing.F) {
	f.Add([]byte(`{"images":[{"digest":"sha256:a","config_digest":"sha256:c1","tags":["debian:12"],"diff_ids":["sha256:1"],"added":"2024-01-01T00:00:00Z"},{"config_digest":"sha256:c2","diff_ids":["sha256:1","sha256:2"]}]}`), "sha256:1,sha256:2,sha256:3")
	f.Add([]byte(`{"images":[{"diff_ids":[]},{"diff_ids":null}]}`), "")
	f.Add([]byte(`not json`), "x")
	f.Fuzz(func(t *testing.T, data []byte, chainText string) {
		dir := t.TempDir()
		s := NewFileStore(dir)
		if err := os.WriteFile(s.Path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		list, err := s.List()
		if err != nil {
			if !strings.Contains(err.Error(), s.Path) {
				t.Fatalf("error %q does not name the store", err)
			}
			return
		}
		chain := strings.Split(chainText, ",")
		base := BaseOf(list, chain)
		for i := range list {
			d := list[i].DiffIDs
			prefix := len(d) > 0 && len(d) <= len(chain) && slices.Equal(d, chain[:len(d)])
			if prefix && (base == nil || len(base.DiffIDs) < len(d)) {
				t.Fatalf("base %+v, but %v is a longer trusted prefix of %v", base, d, chain)
			}
		}
		if base != nil && (len(base.DiffIDs) == 0 || len(base.DiffIDs) > len(chain) || !slices.Equal(base.DiffIDs, chain[:len(base.DiffIDs)])) {
			t.Fatalf("base %v is not a prefix of %v", base.DiffIDs, chain)
		}
		sum := sha256.Sum256([]byte(chainText))
		img := Image{ConfigDigest: "sha256:" + hex.EncodeToString(sum[:]), DiffIDs: chain, Added: time.Unix(1, 0)}
		if err := s.Add(img); err != nil {
			t.Fatal(err)
		}
		after, err := s.List()
		if err != nil {
			t.Fatalf("the store does not read back: %v", err)
		}
		found := false
		for _, a := range after {
			found = found || a.ConfigDigest == img.ConfigDigest
		}
		kept := len(list)
		for _, a := range list {
			if a.ConfigDigest == img.ConfigDigest {
				kept--
			}
		}
		if !found || len(after) < kept+1 {
			t.Fatalf("after adding: %d images (had %d), added found: %v", len(after), len(list), found)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".trust-*")); len(left) != 0 {
			t.Fatalf("temporary files left: %v", left)
		}
	})
}
