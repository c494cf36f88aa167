package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// countHashes counts, for the rest of the test, how often hashFile reads each file.
func countHashes(t *testing.T) func() map[string]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	orig := hashFile
	hashFile = func(ctx context.Context, p string) (string, int64, error) {
		mu.Lock()
		counts[p]++
		mu.Unlock()
		return orig(ctx, p)
	}
	t.Cleanup(func() { hashFile = orig })
	return func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for k, v := range counts {
			out[k] = v
		}
		return out
	}
}

// Images of one input opened with a Shared share the input's hash: every blob sum and the
// input hash are what each image opened alone gets, a layout's blob files are hashed once
// however many images hold them, and an oci-archive is extracted once.
func TestSharedInputs(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(kind, func(t *testing.T) {
			// Three images; the second and third share the first's bottom layer.
			a := build(t, imagebuild.Gzip, "fleet/a:1")
			b, c := build(t, imagebuild.Gzip, "fleet/b:1"), build(t, imagebuild.Gzip, "fleet/c:1")
			for _, x := range []*imagebuild.Built{b, c} {
				x.Layers[0] = a.Layers[0]
			}
			if err := b.ReplaceLayer(1, imagebuild.Layer{Files: []imagebuild.File{imagebuild.Reg("opt/b", "b")}, Compression: imagebuild.Gzip}); err != nil {
				t.Fatal(err)
			}
			if err := c.ReplaceLayer(1, imagebuild.Layer{Files: []imagebuild.File{imagebuild.Reg("opt/c", "c")}, Compression: imagebuild.Gzip}); err != nil {
				t.Fatal(err)
			}
			for _, x := range []*imagebuild.Built{b, c} {
				if err := x.EditConfig(func(*imagebuild.Config) {}); err != nil { // the new diff_ids
					t.Fatal(err)
				}
			}
			builts := []*imagebuild.Built{a, b, c}
			p := write(t, t.TempDir(), kind, builts...)
			counts := countHashes(t)
			tmp := t.TempDir()
			shared, err := NewShared(tmp)
			if err != nil {
				t.Fatal(err)
			}
			var wantInput string
			for i := range builts {
				alone, _ := open(t, p+":@"+itoa(i))
				sum, _, err := alone.InputHash(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				wantInput = sum
				alone.Close()
			}
			before := counts()
			imgs := make([]*Image, len(builts))
			var wg sync.WaitGroup
			for i := range builts {
				ref, err := ParseRef(p + ":@" + itoa(i))
				if err != nil {
					t.Fatal(err)
				}
				imgs[i], err = Open(context.Background(), ref, Options{TempDir: t.TempDir(), Shared: shared})
				if err != nil {
					t.Fatal(err)
				}
			}
			// Every image asks for every blob at once.
			errs := make([]error, len(builts))
			for i, img := range imgs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range img.Layers {
						got, _, err := img.BlobSHA256(context.Background(), j)
						if err != nil {
							errs[i] = err
							return
						}
						sum := sha256.Sum256(builts[i].Layers[j].Blob)
						if want := "sha256:" + hex.EncodeToString(sum[:]); got != want {
							t.Errorf("image %d layer %d: BlobSHA256 %s, want %s", i, j, got, want)
						}
					}
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("image %d: %v", i, err)
				}
			}
			for i, img := range imgs {
				sum, _, err := img.InputHash(context.Background())
				if err != nil || sum != wantInput {
					t.Errorf("image %d: input hash %s (%v), want %s as when opened alone", i, sum, err, wantInput)
				}
				for j := range img.Layers {
					if _, err := readLayer(t, img, j); err != nil {
						t.Errorf("image %d: reading layer %d: %v", i, j, err)
					}
				}
			}
			if n := len(shared.inputs); n != 1 {
				t.Errorf("%d background hashes of the one input, want 1", n)
			}
			after := counts()
			for f, n := range after {
				if n-before[f] > 1 {
					t.Errorf("%s hashed %d times with the input shared", f, n-before[f])
				}
			}
			if kind == kindOCILayout {
				// Four distinct layers (one shared), three configs, three manifests: each once.
				blobs := 0
				for f, n := range after {
					if strings.Contains(f, "blobs/sha256/") && n > before[f] {
						blobs++
					}
				}
				if blobs != 10 {
					t.Errorf("hashed %d blob files, want the 10 of the layout", blobs)
				}
			}
			for _, img := range imgs {
				img.Close()
			}
			dirs, _ := filepath.Glob(filepath.Join(shared.tmp, "oci-*"))
			if want := map[bool]int{true: 1, false: 0}[kind == kindOCIArchive || kind == kindOCIArchiveGz]; len(dirs) != want {
				t.Errorf("extracted %d times, want %d", len(dirs), want)
			}
			if err := shared.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(shared.tmp); !os.IsNotExist(err) {
				t.Errorf("shared temporary files left: %v", err)
			}
		})
	}
}
