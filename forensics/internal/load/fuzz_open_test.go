package load

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// FuzzOpenArchive writes arbitrary bytes as an image archive (the seeds: small docker-archive,
// Docker 25 and OCI archives) and opens it as Strata does, reading every layer to its end: no
// panic, every error names the input, and closing removes every temporary file.
func FuzzOpenArchive(f *testing.F) {
	small, err := imagebuild.Build(imagebuild.Image{Tags: []string{"fz:1"}, Layers: []imagebuild.Layer{
		{Files: []imagebuild.File{imagebuild.Reg("etc/x", "x"), imagebuild.Hardlink("etc/y", "etc/x")}, CreatedBy: "ADD x"},
		{Files: []imagebuild.File{imagebuild.Whiteout("etc/x")}, Compression: imagebuild.Gzip, CreatedBy: "RUN rm"},
	}})
	if err != nil {
		f.Fatal(err)
	}
	for _, layout := range []imagebuild.DockerLayout{imagebuild.Classic, imagebuild.OCI25} {
		var b bytes.Buffer
		if err := imagebuild.WriteDockerArchive(&b, layout, small); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	var b bytes.Buffer
	if err := imagebuild.WriteOCIArchive(&b, small); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(gz(tarOf(map[string]string{"manifest.json": `[{"Config":"c.json","Layers":["l.tar"]}]`, "c.json": `{"rootfs":{"diff_ids":[]}}`})))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "in.tar")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		named := func(err error) {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not name the input", err)
			}
		}
		ref, err := ParseRef(p)
		if err != nil {
			named(err)
			return
		}
		tmp := filepath.Join(dir, "tmp")
		if err := os.MkdirAll(tmp, 0o700); err != nil {
			t.Fatal(err)
		}
		img, err := Open(context.Background(), ref, Options{TempDir: tmp})
		if err != nil {
			var amb *AmbiguousError
			if !errors.As(err, &amb) {
				named(err)
			}
		} else {
			for i := range img.Layers {
				rc, err := img.OpenLayer(context.Background(), i, i%2 == 1)
				if err != nil {
					continue
				}
				tr := tar.NewReader(rc)
				for {
					if _, err := tr.Next(); err != nil {
						break
					}
				}
				io.Copy(io.Discard, rc)
				rc.Close()
			}
			img.InputHash(context.Background())
			if err := img.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("temporary files left: %v", left)
		}
	})
}

// FuzzRootFS builds a directory tree from arbitrary bytes (files, directories, symbolic and
// hard links, named pipes) and reads it as a dir: image: every regular file is in the layer with
// its content (or as a hard link to the first name of its inode), every symbolic link with its
// target, and no name leaves the root.
func FuzzRootFS(f *testing.F) {
	f.Add([]byte("f\x00a\x00hello\x00d\x00sub\x00\x00f\x00sub/b\x00x\x00l\x00ln\x00../../etc/passwd\x00h\x00hard\x00a\x00p\x00fifo\x00\x00"))
	f.Add([]byte("d\x00a\x00\x00d\x00a/b\x00\x00f\x00a/b/c\x00deep\x00h\x00a/h\x00a/b/c\x00"))
	f.Fuzz(func(t *testing.T, spec []byte) {
		root := t.TempDir()
		files := map[string][32]byte{}
		links := map[string]string{}
		hard := map[string]string{}
		parts := bytes.Split(spec, []byte{0})
		for i := 0; i+2 < len(parts) && i < 3*64; i += 3 {
			op, name, arg := string(parts[i]), safeRel(string(parts[i+1])), string(parts[i+2])
			if name == "" {
				continue
			}
			p := filepath.Join(root, name)
			if os.MkdirAll(filepath.Dir(p), 0o755) != nil {
				continue
			}
			if _, err := os.Lstat(p); err == nil {
				continue
			}
			switch op {
			case "f":
				if os.WriteFile(p, []byte(arg), 0o644) == nil {
					files[name] = sha256.Sum256([]byte(arg))
				}
			case "d":
				os.Mkdir(p, 0o755)
			case "l":
				if os.Symlink(arg, p) == nil {
					links[name] = arg
				}
			case "h":
				if _, ok := files[safeRel(arg)]; ok && os.Link(filepath.Join(root, safeRel(arg)), p) == nil {
					hard[name] = safeRel(arg)
				}
			case "p":
				mkfifo(p)
			}
		}
		img, err := Open(context.Background(), Ref{Format: RootFS, Path: root}, Options{TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer img.Close()
		rc, err := img.OpenLayer(context.Background(), 0, false)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		tr := tar.NewReader(rc)
		seenFiles := map[string]bool{}
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(h.Name, "/")
			if strings.HasPrefix(name, "/") || strings.HasPrefix(name, "../") || strings.Contains(name, "/../") {
				t.Fatalf("name %q leaves the root", h.Name)
			}
			switch h.Typeflag {
			case tar.TypeReg:
				body, _ := io.ReadAll(tr)
				if want, ok := files[name]; ok && sha256.Sum256(body) != want {
					t.Fatalf("%s: content differs", name)
				}
				if _, ok := hard[name]; ok {
					// The first name of the inode the walk meets carries the content.
					if want, ok := files[hard[name]]; !ok || sha256.Sum256(body) != want {
						t.Fatalf("%s: hard link content differs", name)
					}
				}
				seenFiles[name] = true
			case tar.TypeLink:
				seenFiles[name] = true
			case tar.TypeSymlink:
				if want, ok := links[name]; ok && h.Linkname != want {
					t.Fatalf("%s -> %q, want %q", name, h.Linkname, want)
				}
				delete(links, name)
			}
		}
		for name := range files {
			if !seenFiles[name] {
				t.Fatalf("file %s missing from the layer", name)
			}
		}
		for name := range hard {
			if !seenFiles[name] {
				t.Fatalf("hard link %s missing from the layer", name)
			}
		}
		if len(links) != 0 {
			t.Fatalf("symbolic links missing: %v", links)
		}
		if as := img.LayerAnomalies(); len(as) != 0 {
			for _, a := range as {
				if a.Kind != "socket" && a.Kind != "unknown-type" {
					t.Fatalf("anomaly reading a sound tree: %+v", a)
				}
			}
		}
	})
}

// safeRel makes a fuzzed name a relative path of plain components inside the root.
func safeRel(s string) string {
	var parts []string
	for _, c := range strings.Split(s, "/") {
		c = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, c)
		if c == "" || c == "." || c == ".." || len(c) > 64 {
			continue
		}
		parts = append(parts, c)
	}
	if len(parts) > 8 {
		parts = parts[:8]
	}
	return strings.Join(parts, "/")
}
