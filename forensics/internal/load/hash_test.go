package load

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// BlobSHA256 is what the stored bytes of each layer hash to, computed from the evidence in
// every format, and Claim is what the image claims for them; a blob swapped under its claims
// hashes to its own bytes.
func TestBlobSHA256(t *testing.T) {
	comps := []imagebuild.Compression{imagebuild.None, imagebuild.Gzip}
	for _, kind := range allKinds {
		for _, c := range comps {
			for _, swap := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%v/swapped=%v", kind, c, swap), func(t *testing.T) {
					b := build(t, c)
					stored := make([]string, len(b.Layers))
					for i, l := range b.Layers {
						sum := sha256.Sum256(l.Blob)
						stored[i] = "sha256:" + hex.EncodeToString(sum[:])
					}
					claims := []string{b.Layers[0].Digest, b.Layers[1].Digest}
					diffIDs := []string{b.Layers[0].DiffID, b.Layers[1].DiffID}
					if swap {
						// The blob changes, the manifest keeps naming the old one and the config
						// its diff_id: the archive writers store the new bytes under the old name.
						old := b.Layers[1]
						if err := b.ReplaceLayer(1, imagebuild.Layer{Files: []imagebuild.File{imagebuild.Reg("usr/bin/y", "swapped")}, Compression: c}); err != nil {
							t.Fatal(err)
						}
						sum := sha256.Sum256(b.Layers[1].Blob)
						stored[1] = "sha256:" + hex.EncodeToString(sum[:])
						b.Layers[1].Digest, b.Layers[1].DiffID = old.Digest, old.DiffID
						if err := b.Remanifest(); err != nil {
							t.Fatal(err)
						}
					}
					img, _ := open(t, write(t, t.TempDir(), kind, b))
					defer img.Close()
					for i := range img.Layers {
						got, size, err := img.BlobSHA256(context.Background(), i)
						if err != nil {
							t.Fatal(err)
						}
						if got != stored[i] || size != int64(len(b.Layers[i].Blob)) {
							t.Errorf("layer %d: BlobSHA256 = %s (%d bytes), want %s (%d bytes)", i, got, size, stored[i], len(b.Layers[i].Blob))
						}
						want := claims[i]
						if kind == kindDockerClassic {
							// A classic member is named by its v1 ID: only a plain tar claims
							// something (being its own diff_id).
							want = ""
							if c == imagebuild.None {
								want = diffIDs[i]
							}
						}
						if img.Layers[i].Claim != want {
							t.Errorf("layer %d: Claim = %q, want %q", i, img.Layers[i].Claim, want)
						}
						// A compressed classic member claims nothing: its swap shows when its stream
						// is read and does not hash to the diff_id.
						detectable := swap && i == 1 && want != ""
						if mismatch := want != "" && got != img.Layers[i].Claim; mismatch != detectable {
							t.Errorf("layer %d: blob %s, claim %q: a swapped blob must differ from its claim, others not", i, got, img.Layers[i].Claim)
						}
					}
				})
			}
		}
	}
}

// The input hash of a file is the sum of its bytes whatever they hold: a tar, a compressed
// tar, a tar cut short, or no tar at all; the members read before any break are summed.
func TestHashArchiveWholeSum(t *testing.T) {
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	for _, m := range []struct{ name, body string }{{"a", strings.Repeat("a", 70000)}, {"dir/b", "b"}, {"./c", ""}} {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(m.body))
	}
	tw.Close()
	plain := tarBuf.Bytes()
	sumOf := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	tests := []struct {
		name    string
		data    []byte
		members map[string]string
	}{
		{"tar", plain, map[string]string{"a": sumOf([]byte(strings.Repeat("a", 70000))), "dir/b": sumOf([]byte("b")), "c": sumOf(nil)}},
		{"gzip tar", gz(plain), map[string]string{"a": sumOf([]byte(strings.Repeat("a", 70000))), "dir/b": sumOf([]byte("b")), "c": sumOf(nil)}},
		{"tar cut in the first member", plain[:1000], map[string]string{}},
		{"trailing bytes", append(append([]byte(nil), plain...), "junk"...), map[string]string{"a": sumOf([]byte(strings.Repeat("a", 70000))), "dir/b": sumOf([]byte("b")), "c": sumOf(nil)}},
		{"no tar", bytes.Repeat([]byte("not a tar "), 1000), map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, size, got := hashInput(t, tt.data)
			if sum != sumOf(tt.data) || size != int64(len(tt.data)) {
				t.Errorf("sum %s size %d, want %s %d", sum, size, sumOf(tt.data), len(tt.data))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.members) {
				t.Errorf("members %v, want %v", got, tt.members)
			}
		})
	}
}

// hashInput hashes data as an input file: its sum and size, and each member's sum by name.
func hashInput(t *testing.T, data []byte) (string, int64, map[string]string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum, size, members, err := hashArchive(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for k, v := range members {
		got[k] = v.sum
	}
	return sum, size, got
}

// A link member has the sum of the member it leads to: docker save (to Docker 24) writes a
// layer met again as a symbolic link to its first copy, and a tar of an unpacked archive may
// hold hard links. Links that lead nowhere or round in circles get no sum; the first member
// of a name is the one that counts.
func TestHashArchiveLinkMembers(t *testing.T) {
	type m struct {
		name string
		typ  byte
		body string // content, or the link's target
	}
	sumOf := func(s string) string { x := sha256.Sum256([]byte(s)); return hex.EncodeToString(x[:]) }
	tests := []struct {
		name    string
		members []m
		want    map[string]string
	}{
		{"relative symlink", []m{{"a/layer.tar", tar.TypeReg, "one"}, {"b/layer.tar", tar.TypeSymlink, "../a/layer.tar"}},
			map[string]string{"a/layer.tar": sumOf("one"), "b/layer.tar": sumOf("one")}},
		{"symlink before its target", []m{{"b/layer.tar", tar.TypeSymlink, "../a/layer.tar"}, {"a/layer.tar", tar.TypeReg, "one"}},
			map[string]string{"a/layer.tar": sumOf("one"), "b/layer.tar": sumOf("one")}},
		{"absolute symlink", []m{{"a/layer.tar", tar.TypeReg, "one"}, {"b/layer.tar", tar.TypeSymlink, "/a/layer.tar"}},
			map[string]string{"a/layer.tar": sumOf("one"), "b/layer.tar": sumOf("one")}},
		{"hard link", []m{{"a/layer.tar", tar.TypeReg, "one"}, {"b/layer.tar", tar.TypeLink, "a/layer.tar"}},
			map[string]string{"a/layer.tar": sumOf("one"), "b/layer.tar": sumOf("one")}},
		{"chain of links", []m{{"a", tar.TypeReg, "one"}, {"b", tar.TypeSymlink, "a"}, {"c", tar.TypeSymlink, "b"}},
			map[string]string{"a": sumOf("one"), "b": sumOf("one"), "c": sumOf("one")}},
		{"dangling link", []m{{"a", tar.TypeReg, "one"}, {"b", tar.TypeSymlink, "missing"}},
			map[string]string{"a": sumOf("one")}},
		{"loop", []m{{"a", tar.TypeSymlink, "b"}, {"b", tar.TypeSymlink, "a"}}, map[string]string{}},
		{"link out of the archive", []m{{"a/x", tar.TypeSymlink, "../../../etc/passwd"}}, map[string]string{}},
		{"regular member first", []m{{"a", tar.TypeReg, "one"}, {"b", tar.TypeReg, "two"}, {"a", tar.TypeSymlink, "b"}},
			map[string]string{"a": sumOf("one"), "b": sumOf("two")}},
		{"link first", []m{{"b", tar.TypeReg, "two"}, {"a", tar.TypeSymlink, "b"}, {"a", tar.TypeReg, "one"}},
			map[string]string{"a": sumOf("two"), "b": sumOf("two")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			for _, x := range tt.members {
				h := &tar.Header{Name: x.name, Mode: 0o644, Typeflag: x.typ}
				if x.typ == tar.TypeReg {
					h.Size = int64(len(x.body))
				} else {
					h.Linkname = x.body
				}
				if err := tw.WriteHeader(h); err != nil {
					t.Fatal(err)
				}
				if x.typ == tar.TypeReg {
					tw.Write([]byte(x.body))
				}
			}
			tw.Close()
			if _, _, got := hashInput(t, buf.Bytes()); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("members %v, want %v", got, tt.want)
			}
		})
	}
}

// A docker save archive (to Docker 24) of an image that holds a layer twice stores the second
// copy as a link to the first: every layer still has the sum of the bytes it is read from.
func TestBlobSHA256RepeatedLayer(t *testing.T) {
	empty := imagebuild.Layer{CreatedBy: "WORKDIR /"}
	b, err := imagebuild.Build(imagebuild.Image{Layers: []imagebuild.Layer{
		{Files: []imagebuild.File{imagebuild.Reg("etc/x", "hi")}, CreatedBy: "ADD x"},
		empty,
		{Files: []imagebuild.File{imagebuild.Reg("etc/y", "yo")}, CreatedBy: "ADD y"},
		empty,
	}})
	if err != nil {
		t.Fatal(err)
	}
	p := write(t, t.TempDir(), kindDockerClassic, b)
	var links int
	walkArchive(p, func(name string, h *tar.Header, r io.Reader) error {
		if h.Typeflag == tar.TypeSymlink && strings.HasSuffix(name, "/layer.tar") {
			links++
		}
		return nil
	})
	if links != 1 {
		t.Fatalf("the archive has %d layer links, want the repeated layer as one", links)
	}
	img, _ := open(t, p)
	defer img.Close()
	for i, l := range b.Layers {
		sum := sha256.Sum256(l.Blob)
		got, size, err := img.BlobSHA256(context.Background(), i)
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		if want := "sha256:" + hex.EncodeToString(sum[:]); got != want || size != int64(len(l.Blob)) {
			t.Errorf("layer %d: BlobSHA256 = %s (%d bytes), want %s (%d bytes)", i, got, size, want, len(l.Blob))
		}
		if names, err := readLayer(t, img, i); err != nil {
			t.Errorf("reading layer %d (%v): %v", i, names, err)
		}
	}
}
