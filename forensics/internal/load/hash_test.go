package load

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// listingHash computes the documented listing of InputHash for a directory by reading every
// regular file afresh.
func listingHash(t *testing.T, root string) (string, int64) {
	t.Helper()
	listing := sha256.New()
	var total int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		sum := sha256.Sum256(data)
		total += int64(len(data))
		fmt.Fprintf(listing, "%x  %d  %s\n", sum, len(data), filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(listing.Sum(nil)), total
}

// The input hash of an OCI layout reuses the sums the layer streams verified; the value must be
// the listing of the files' actual bytes whether the layers were read, not read, or failed.
func TestOCILayoutInputHash(t *testing.T) {
	tests := []struct {
		name   string
		comp   imagebuild.Compression
		tamper bool
		read   []int
	}{
		{name: "all layers read", comp: imagebuild.Gzip, read: []int{0, 1}},
		{name: "plain layers read", comp: imagebuild.None, read: []int{0, 1}},
		{name: "one layer read", comp: imagebuild.Zstd, read: []int{1}},
		{name: "no layer read", comp: imagebuild.Gzip},
		{name: "blob changed", comp: imagebuild.None, tamper: true, read: []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t, tt.comp)
			if tt.tamper {
				b.Layers[1].Blob = bytes.Replace(b.Layers[1].Blob, []byte("yyy"), []byte("zzz"), 1)
			}
			p := write(t, t.TempDir(), kindOCILayout, b)
			wantSum, wantSize := listingHash(t, p)
			img, _ := open(t, "oci:"+p)
			defer img.Close()
			for _, i := range tt.read {
				_, err := readLayer(t, img, i)
				var de *DigestError
				switch {
				case tt.tamper && i == 1:
					if !errors.As(err, &de) {
						t.Fatalf("reading layer %d: %v, want *DigestError", i, err)
					}
				case err != nil:
					t.Fatalf("reading layer %d: %v", i, err)
				}
			}
			for range 2 {
				sum, size, err := img.InputHash(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if sum != wantSum || size != wantSize {
					t.Errorf("InputHash = %s %d, want %s %d", sum, size, wantSum, wantSize)
				}
			}
		})
	}
}
