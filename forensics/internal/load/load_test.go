package load

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// input kinds the tests write.
const (
	kindDockerClassic = "docker-classic"
	kindDocker25      = "docker25"
	kindOCIArchive    = "oci-archive"
	kindOCIArchiveGz  = "oci-archive.gz"
	kindOCILayout     = "oci-layout"
)

var allKinds = []string{kindDockerClassic, kindDocker25, kindOCIArchive, kindOCIArchiveGz, kindOCILayout}

func build(t *testing.T, c imagebuild.Compression, tags ...string) *imagebuild.Built {
	t.Helper()
	b, err := imagebuild.Build(imagebuild.Image{
		Tags: tags,
		Layers: []imagebuild.Layer{
			{Files: []imagebuild.File{imagebuild.Reg("etc/x", "hi")}, Compression: c, CreatedBy: "ADD x"},
			{Files: []imagebuild.File{imagebuild.Reg("usr/bin/y", strings.Repeat("y", 100000))}, Compression: c, CreatedBy: "ADD y"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// write writes builts as kind below dir and returns the path.
func write(t *testing.T, dir, kind string, builts ...*imagebuild.Built) string {
	t.Helper()
	if kind == kindOCILayout {
		p := filepath.Join(dir, "layout")
		if err := imagebuild.WriteOCILayout(p, builts...); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var buf bytes.Buffer
	var err error
	switch kind {
	case kindDockerClassic:
		err = imagebuild.WriteDockerArchive(&buf, imagebuild.Classic, builts...)
	case kindDocker25:
		err = imagebuild.WriteDockerArchive(&buf, imagebuild.OCI25, builts...)
	case kindOCIArchive, kindOCIArchiveGz:
		err = imagebuild.WriteOCIArchive(&buf, builts...)
	}
	if err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if kind == kindOCIArchiveGz {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	}
	p := filepath.Join(dir, kind+".tar")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantFormat(kind string) Format {
	switch kind {
	case kindDockerClassic, kindDocker25:
		return DockerArchive
	case kindOCILayout:
		return OCILayout
	}
	return OCIArchive
}

// readLayer reads layer i to EOF and returns its entry names and the error the stream ended with.
func readLayer(t *testing.T, img *Image, i int) ([]string, error) {
	t.Helper()
	rc, err := img.OpenLayer(context.Background(), i, i%2 == 0)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var names []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			// tar stops at the end-of-archive blocks; drain so the digest check runs.
			_, err = io.Copy(io.Discard, rc)
			return names, err
		}
		if err != nil {
			return names, err
		}
		names = append(names, h.Name)
	}
}

func open(t *testing.T, s string) (*Image, string) {
	t.Helper()
	ref, err := ParseRef(s)
	if err != nil {
		t.Fatalf("ParseRef(%q): %v", s, err)
	}
	tmp := t.TempDir()
	img, err := Open(context.Background(), ref, Options{TempDir: tmp})
	if err != nil {
		t.Fatalf("Open(%v): %v", ref, err)
	}
	return img, tmp
}

func TestOpenFormats(t *testing.T) {
	comps := []imagebuild.Compression{imagebuild.None, imagebuild.Gzip, imagebuild.Zstd}
	for _, kind := range allKinds {
		for _, c := range comps {
			t.Run(kind+"/"+c.String(), func(t *testing.T) {
				b := build(t, c, "example.com/app:1")
				p := write(t, t.TempDir(), kind, b)
				before := snapshot(t, p)

				img, tmp := open(t, p)
				if img.Ref.Format != wantFormat(kind) {
					t.Errorf("format = %s, want %s", img.Ref.Format, wantFormat(kind))
				}
				if img.ConfigDigest != b.ConfigDigest {
					t.Errorf("ConfigDigest = %s, want %s", img.ConfigDigest, b.ConfigDigest)
				}
				if kind != kindDockerClassic && img.ManifestDigest != b.ManifestDigest {
					t.Errorf("ManifestDigest = %s, want %s", img.ManifestDigest, b.ManifestDigest)
				}
				if img.ManifestDigest == "" || len(img.Manifest) == 0 {
					t.Errorf("no manifest")
				}
				if wantFormat(kind) == DockerArchive {
					if img.ArchiveImageID != b.ConfigDigest {
						t.Errorf("ArchiveImageID = %s, want %s", img.ArchiveImageID, b.ConfigDigest)
					}
					if !slices.Equal(img.RepoTags, []string{"example.com/app:1"}) {
						t.Errorf("RepoTags = %q", img.RepoTags)
					}
				} else if !slices.Contains(img.RepoTags, "example.com/app:1") {
					t.Errorf("RepoTags = %q", img.RepoTags)
				}
				if len(img.Layers) != 2 {
					t.Fatalf("got %d layers, want 2", len(img.Layers))
				}
				for i, l := range img.Layers {
					bl := b.Layers[i]
					if l.DiffID != bl.DiffID {
						t.Errorf("layer %d DiffID = %s, want %s", i, l.DiffID, bl.DiffID)
					}
					wantDigest := bl.Digest
					if wantFormat(kind) == DockerArchive {
						wantDigest = bl.DiffID
					}
					if l.Digest != wantDigest {
						t.Errorf("layer %d Digest = %s, want %s", i, l.Digest, wantDigest)
					}
					if l.Size != bl.Size {
						t.Errorf("layer %d Size = %d, want %d", i, l.Size, bl.Size)
					}
				}
				for i, want := range [][]string{{"etc/x"}, {"usr/bin/y"}} {
					names, err := readLayer(t, img, i)
					if err != nil {
						t.Fatalf("reading layer %d: %v", i, err)
					}
					if !slices.Equal(names, want) {
						t.Errorf("layer %d entries = %q, want %q", i, names, want)
					}
					st, ok := img.LayerStats(i)
					if !ok || st.Uncompressed == 0 {
						t.Errorf("layer %d stats = %+v, %v", i, st, ok)
					}
				}
				sum, size, err := img.InputHash(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if kind != kindOCILayout {
					data, _ := os.ReadFile(p)
					h := sha256.Sum256(data)
					if sum != hex.EncodeToString(h[:]) || size != int64(len(data)) {
						t.Errorf("InputHash = %s %d, want %x %d", sum, size, h, len(data))
					}
				} else if len(sum) != 64 || size == 0 {
					t.Errorf("InputHash = %q %d", sum, size)
				}
				if err := img.Close(); err != nil {
					t.Fatal(err)
				}
				assertEmpty(t, tmp)
				if after := snapshot(t, p); after != before {
					t.Errorf("input changed:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	}
}

// snapshot renders the content hash and mtime of every file at p.
func snapshot(t *testing.T, p string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(p, func(q string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(q + " " + fi.ModTime().String() + " " + fi.Mode().String())
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(q)
			if err != nil {
				return err
			}
			h := sha256.Sum256(data)
			b.WriteString(" " + hex.EncodeToString(h[:]))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left in TempDir after Close: %s", e.Name())
	}
}

func TestSelection(t *testing.T) {
	a := build(t, imagebuild.Gzip, "a:1")
	b := build(t, imagebuild.None, "b:2", "b:latest")
	b.Image.Layers = nil // keep the recipe small; the built layers stay
	tests := []struct {
		kind, sel string
		want      *imagebuild.Built
		wantErr   string
	}{
		{kind: kindDockerClassic, sel: "a:1", want: a},
		{kind: kindDockerClassic, sel: "docker.io/library/b:2", want: b},
		{kind: kindDockerClassic, sel: "@1", want: b},
		{kind: kindDockerClassic, sel: "@0", want: a},
		{kind: kindDockerClassic, sel: "@2", wantErr: "no image @2"},
		{kind: kindDockerClassic, sel: "c:3", wantErr: `no image tagged "c:3"`},
		{kind: kindDocker25, sel: "b:latest", want: b},
		{kind: kindOCIArchive, sel: "a:1", want: a},
		{kind: kindOCIArchive, sel: "b:latest", want: b},
		{kind: kindOCIArchive, sel: "@0", want: a},
		{kind: kindOCILayout, sel: "b:2", want: b},
		{kind: kindOCILayout, sel: "nope", wantErr: `no image named "nope"`},
	}
	dirs := map[string]string{}
	root := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.sel, func(t *testing.T) {
			p, ok := dirs[tt.kind]
			if !ok {
				d := filepath.Join(root, tt.kind)
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
				p = write(t, d, tt.kind, a, b)
				dirs[tt.kind] = p
			}
			ref, err := ParseRef(p + ":" + tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if ref.Path != p || ref.Selector != tt.sel {
				t.Fatalf("ParseRef = %+v", ref)
			}
			img, err := Open(context.Background(), ref, Options{TempDir: t.TempDir()})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), p) {
					t.Fatalf("Open error = %v, want one naming %s and %q", err, p, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			if img.ConfigDigest != tt.want.ConfigDigest {
				t.Errorf("opened config %s, want %s", img.ConfigDigest, tt.want.ConfigDigest)
			}
			if _, err := readLayer(t, img, 0); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestAmbiguous(t *testing.T) {
	a := build(t, imagebuild.Gzip, "a:1")
	b := build(t, imagebuild.None, "b:2")
	for _, kind := range allKinds {
		t.Run(kind, func(t *testing.T) {
			p := write(t, t.TempDir(), kind, a, b)
			ref, err := ParseRef(p)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			_, err = Open(context.Background(), ref, Options{TempDir: tmp})
			var amb *AmbiguousError
			if !errors.As(err, &amb) {
				t.Fatalf("Open error = %v, want *AmbiguousError", err)
			}
			if len(amb.Candidates) != 2 || amb.Candidates[1].Index != 1 || !slices.Contains(amb.Candidates[1].Tags, "b:2") ||
				amb.Candidates[0].Digest == "" {
				t.Errorf("candidates = %+v", amb.Candidates)
			}
			if !strings.Contains(amb.Error(), "@1") {
				t.Errorf("message %q lists no @1", amb.Error())
			}
			assertEmpty(t, tmp)
		})
	}
}

func TestOneImageManyTagsIsNotAmbiguous(t *testing.T) {
	b := build(t, imagebuild.Gzip, "a:1", "a:2")
	for _, kind := range allKinds {
		t.Run(kind, func(t *testing.T) {
			img, _ := open(t, write(t, t.TempDir(), kind, b))
			defer img.Close()
			if len(img.RepoTags) < 2 {
				t.Errorf("RepoTags = %q", img.RepoTags)
			}
		})
	}
}

func TestDigestMismatch(t *testing.T) {
	other, err := imagebuild.Build(imagebuild.Image{Layers: []imagebuild.Layer{
		{Files: []imagebuild.File{imagebuild.Reg("a", "1")}, Compression: imagebuild.Gzip},
		{Files: []imagebuild.File{imagebuild.Reg("b", "2")}, Compression: imagebuild.Gzip},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		kind   string
		comp   imagebuild.Compression
		tamper func(t *testing.T, b *imagebuild.Built)
		want   string // DigestError kind
	}{
		{
			name: "plain blob bytes changed", kind: kindOCILayout, comp: imagebuild.None, want: "blob",
			tamper: func(t *testing.T, b *imagebuild.Built) {
				b.Layers[1].Blob = bytes.Replace(b.Layers[1].Blob, []byte("yyy"), []byte("zzz"), 1)
			},
		},
		{
			name: "gzip blob swapped", kind: kindOCIArchive, comp: imagebuild.Gzip, want: "blob",
			tamper: func(t *testing.T, b *imagebuild.Built) {
				b.Layers[1].Blob = other.Layers[1].Blob
			},
		},
		{
			name: "zstd layer replaced, config kept", kind: kindOCILayout, comp: imagebuild.Zstd, want: "diff_id",
			tamper: replaceLayer,
		},
		{
			name: "docker layer replaced, config kept", kind: kindDockerClassic, comp: imagebuild.Gzip, want: "diff_id",
			tamper: replaceLayer,
		},
		{
			name: "docker25 layer replaced, config kept", kind: kindDocker25, comp: imagebuild.None, want: "diff_id",
			tamper: replaceLayer,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t, tt.comp)
			tt.tamper(t, b)
			img, _ := open(t, write(t, t.TempDir(), tt.kind, b))
			defer img.Close()
			if _, err := readLayer(t, img, 0); err != nil {
				t.Fatalf("untouched layer 0: %v", err)
			}
			_, err := readLayer(t, img, 1)
			var de *DigestError
			if !errors.As(err, &de) {
				t.Fatalf("reading layer 1: %v, want *DigestError", err)
			}
			if de.Kind != tt.want || de.Layer != 1 || de.Want == de.Got {
				t.Errorf("DigestError = %+v, want kind %s", de, tt.want)
			}
		})
	}
}

func replaceLayer(t *testing.T, b *imagebuild.Built) {
	t.Helper()
	l := b.Image.Layers[1]
	l.Files = []imagebuild.File{imagebuild.Reg("usr/bin/y", "evil")}
	if err := b.ReplaceLayer(1, l); err != nil {
		t.Fatal(err)
	}
}

func TestBrokenImages(t *testing.T) {
	tests := []struct {
		name    string
		kind    string
		tamper  func(b *imagebuild.Built)
		layer   int    // layer to read when Open succeeds
		wantErr string // in the Open or the read error
	}{
		{name: "missing layer blob oci", kind: kindOCILayout, tamper: func(b *imagebuild.Built) { b.Layers[1].Omit = true },
			layer: 1, wantErr: "missing"},
		{name: "missing layer blob oci-archive", kind: kindOCIArchive, tamper: func(b *imagebuild.Built) { b.Layers[1].Omit = true },
			layer: 1, wantErr: "missing"},
		{name: "missing layer docker", kind: kindDockerClassic, tamper: func(b *imagebuild.Built) { b.Layers[1].Omit = true },
			wantErr: "missing"},
		{name: "missing config oci", kind: kindOCILayout, tamper: func(b *imagebuild.Built) { b.OmitConfig = true },
			wantErr: "config"},
		{name: "missing config docker", kind: kindDocker25, tamper: func(b *imagebuild.Built) { b.OmitConfig = true },
			wantErr: "config"},
		{name: "truncated gzip layer", kind: kindOCILayout, tamper: func(b *imagebuild.Built) {
			b.Layers[1].Blob = b.Layers[1].Blob[:len(b.Layers[1].Blob)/2]
		}, layer: 1, wantErr: "layer 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t, imagebuild.Gzip)
			tt.tamper(b)
			p := write(t, t.TempDir(), tt.kind, b)
			ref, err := ParseRef(p)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			img, err := Open(context.Background(), ref, Options{TempDir: tmp})
			if err == nil {
				_, err = readLayer(t, img, tt.layer)
				img.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			assertEmpty(t, tmp)
		})
	}
}

func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	var good bytes.Buffer
	if err := imagebuild.WriteDockerArchive(&good, imagebuild.Classic, build(t, imagebuild.None)); err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	tw := tar.NewWriter(&plain)
	tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: 2})
	tw.Write([]byte("hi"))
	tw.Close()
	var ociNoIndex bytes.Buffer
	tw = tar.NewWriter(&ociNoIndex)
	tw.WriteHeader(&tar.Header{Name: "oci-layout", Mode: 0o644, Size: 2})
	tw.Write([]byte("{}"))
	tw.Close()
	files := map[string][]byte{
		"empty":      nil,
		"text":       []byte("this is not an archive at all, just some words\n"),
		"truncated":  good.Bytes()[:good.Len()/2],
		"plain.tar":  plain.Bytes(),
		"ocinoindex": ociNoIndex.Bytes(),
		"gzjunk":     gz([]byte(strings.Repeat("junk", 300))),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		input   string
		wantErr string
	}{
		{"nonexistent", "no such file or directory"},
		{"nonexistent:foo:1", "no such file or directory"},
		{"empty", "empty file"},
		{"text", "not a tar archive"},
		{"truncated", "truncated"},
		{"plain.tar", "not a container image archive (no manifest.json or oci-layout inside)"},
		{"ocinoindex", "no index.json"},
		{"gzjunk", "not a tar archive"},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			p := filepath.Join(dir, tt.input)
			_, err := ParseRef(p)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), filepath.Join(dir, strings.Split(tt.input, ":")[0])) {
				t.Errorf("ParseRef(%s) error = %v, want %q naming the path", tt.input, err, tt.wantErr)
			}
		})
	}
	t.Run("forced format on a non-archive", func(t *testing.T) {
		p := filepath.Join(dir, "text")
		ref, err := ParseRef("docker-archive:" + p)
		if err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		_, err = Open(context.Background(), ref, Options{TempDir: tmp})
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Open error = %v, want one naming %s", err, p)
		}
		assertEmpty(t, tmp)
	})
	t.Run("no TempDir", func(t *testing.T) {
		if _, err := Open(context.Background(), Ref{Format: RootFS, Path: dir}, Options{}); err == nil {
			t.Error("Open with no TempDir succeeded")
		}
	})
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}
