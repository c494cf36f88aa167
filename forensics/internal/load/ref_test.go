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
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

func TestParseRef(t *testing.T) {
	dir := t.TempDir()
	b := build(t, imagebuild.Gzip, "a:1")
	docker := write(t, dir, kindDockerClassic, b)
	colon := filepath.Join(dir, "with:colon.tar")
	if err := os.Link(docker, colon); err != nil {
		t.Fatal(err)
	}
	layout := write(t, dir, kindOCILayout, b)
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in      string
		want    Ref
		wantErr string
	}{
		{in: docker, want: Ref{Format: DockerArchive, Path: docker}},
		{in: docker + ":a:1", want: Ref{Format: DockerArchive, Path: docker, Selector: "a:1"}},
		{in: docker + ":@0", want: Ref{Format: DockerArchive, Path: docker, Selector: "@0"}},
		{in: "docker-archive:" + docker + ":localhost:5000/a:1",
			want: Ref{Format: DockerArchive, Path: docker, Selector: "localhost:5000/a:1"}},
		{in: "oci-archive:" + docker, want: Ref{Format: OCIArchive, Path: docker}},
		{in: colon, want: Ref{Format: DockerArchive, Path: colon}},
		{in: colon + ":a:1", want: Ref{Format: DockerArchive, Path: colon, Selector: "a:1"}},
		{in: "docker-archive:" + colon + ":@0", want: Ref{Format: DockerArchive, Path: colon, Selector: "@0"}},
		{in: layout, want: Ref{Format: OCILayout, Path: layout}},
		{in: "oci:" + layout + ":a:1", want: Ref{Format: OCILayout, Path: layout, Selector: "a:1"}},
		{in: layout + ":@3", want: Ref{Format: OCILayout, Path: layout, Selector: "@3"}},
		{in: rootfs, want: Ref{Format: RootFS, Path: rootfs}},
		{in: "dir:" + layout, want: Ref{Format: RootFS, Path: layout}},
		{in: "dir:" + rootfs + ":x", wantErr: "unexpected selector"},
		{in: "dir:" + docker, wantErr: "not a directory"},
		{in: "oci:" + docker, wantErr: "not a directory"},
		{in: "docker-archive:" + rootfs, wantErr: "is a directory"},
		{in: docker + ":@-1", wantErr: "invalid selector"},
		{in: docker + ":@x", wantErr: "invalid selector"},
		{in: docker + ":Not_A_Ref!", wantErr: "invalid selector"},
		{in: "docker-archive:", wantErr: "missing path"},
		{in: "", wantErr: "empty"},
		{in: filepath.Join(dir, "nope") + ":a:1", wantErr: "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRef(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRef error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ParseRef = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOpenPathWithColon(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case:1")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := build(t, imagebuild.Zstd, "a:1")
	for _, kind := range allKinds {
		t.Run(kind, func(t *testing.T) {
			img, tmp := open(t, write(t, dir, kind, b)+":a:1")
			if _, err := readLayer(t, img, 1); err != nil {
				t.Error(err)
			}
			if err := img.Close(); err != nil {
				t.Error(err)
			}
			assertEmpty(t, tmp)
		})
	}
}

func TestRootFS(t *testing.T) {
	root := t.TempDir()
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	mk := func(name, content string, mode os.FileMode) {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	mk("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644)
	mk("usr/bin/su", "suid", 0o755|os.ModeSetuid)
	mk("tmp/sticky", "", 0o777|os.ModeSticky)
	if err := os.Link(filepath.Join(root, "etc/passwd"), filepath.Join(root, "etc/passwd-")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mknod(filepath.Join(root, "sock"), syscall.S_IFSOCK|0o600, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(filepath.Join(root, "usr/bin/su"), 1234, 5678); err != nil && os.Geteuid() == 0 {
		t.Fatal(err)
	}
	mk("usr/bin/su", "suid", 0o755|os.ModeSetuid) // chown cleared the setuid bit
	before := snapshot(t, root)

	img, tmp := open(t, root)
	if img.Ref.Format != RootFS || len(img.Layers) != 1 || img.Layers[0].Digest != "" || img.Layers[0].DiffID != "" {
		t.Fatalf("image = %+v", img)
	}
	if !strings.Contains(string(img.Config), `"diff_ids":[]`) {
		t.Errorf("config = %s", img.Config)
	}
	rc, err := img.OpenLayer(context.Background(), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string]*tar.Header{}
	var order []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		io.Copy(&body, tr)
		if int64(body.Len()) != h.Size {
			t.Errorf("%s: %d bytes, header says %d", h.Name, body.Len(), h.Size)
		}
		headers[h.Name] = h
		order = append(order, h.Name)
	}
	rc.Close()
	want := []string{"etc/", "etc/passwd", "etc/passwd-", "fifo", "link", "tmp/", "tmp/sticky", "usr/", "usr/bin/", "usr/bin/su"}
	if !slices.Equal(order, want) {
		t.Errorf("entries = %q, want %q", order, want)
	}
	checks := []struct {
		name     string
		typ      byte
		mode     int64
		linkname string
	}{
		{"etc/passwd", tar.TypeReg, 0o644, ""},
		{"etc/passwd-", tar.TypeLink, 0o644, "etc/passwd"},
		{"usr/bin/su", tar.TypeReg, 0o4755, ""},
		{"tmp/sticky", tar.TypeReg, 0o1777, ""},
		{"link", tar.TypeSymlink, 0o777, "/etc/passwd"},
		{"fifo", tar.TypeFifo, 0o600, ""},
	}
	for _, c := range checks {
		h := headers[c.name]
		if h == nil {
			continue
		}
		if h.Typeflag != c.typ || h.Mode != c.mode || h.Linkname != c.linkname {
			t.Errorf("%s: type %c mode %o link %q, want %c %o %q", c.name, h.Typeflag, h.Mode, h.Linkname, c.typ, c.mode, c.linkname)
		}
	}
	if h := headers["etc/passwd"]; h != nil && !h.ModTime.Equal(mtime) {
		t.Errorf("mtime = %v, want %v", h.ModTime, mtime)
	}
	if h := headers["usr/bin/su"]; os.Geteuid() == 0 && h != nil && (h.Uid != 1234 || h.Gid != 5678 || h.Uname != "") {
		t.Errorf("owner = %d:%d %q, want 1234:5678 and no names", h.Uid, h.Gid, h.Uname)
	}
	anoms := img.LayerAnomalies()
	if len(anoms) != 1 || anoms[0].Kind != "socket" {
		t.Errorf("LayerAnomalies = %+v, want one socket", anoms)
	}
	sum, size, err := img.InputHash(context.Background())
	if err != nil || len(sum) != 64 || size == 0 {
		t.Errorf("InputHash = %q %d %v", sum, size, err)
	}
	if err := img.Close(); err != nil {
		t.Fatal(err)
	}
	assertEmpty(t, tmp)
	if after := snapshot(t, root); after != before {
		t.Errorf("input changed:\nbefore %s\nafter  %s", before, after)
	}
}

func TestRootFSUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	root := t.TempDir()
	p := filepath.Join(root, "secret")
	if err := os.WriteFile(p, []byte("hidden"), 0o000); err != nil {
		t.Fatal(err)
	}
	img, _ := open(t, root)
	defer img.Close()
	names, err := readLayer(t, img, 0)
	if err != nil || !slices.Equal(names, []string{"secret"}) {
		t.Fatalf("entries %q, err %v", names, err)
	}
	if a := img.LayerAnomalies(); len(a) != 1 || a[0].Kind != "unreadable" {
		t.Errorf("LayerAnomalies = %+v", a)
	}
}

func TestInputHashOfTreeIsCanonical(t *testing.T) {
	mkTree := func(order []string) string {
		root := t.TempDir()
		for _, n := range order {
			p := filepath.Join(root, n)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(n), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		sum, _, err := startInputHash(root, true, false).wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	a := mkTree([]string{"b/c", "a", "z"})
	b := mkTree([]string{"z", "a", "b/c"})
	c := mkTree([]string{"z", "a", "b/d"})
	if a != b || a == c {
		t.Errorf("hashes %s %s %s: want the first two equal, the third different", a, b, c)
	}
}

func TestCancelledLayerRead(t *testing.T) {
	b := build(t, imagebuild.Gzip)
	img, _ := open(t, write(t, t.TempDir(), kindOCILayout, b))
	defer img.Close()
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := img.OpenLayer(ctx, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	cancel()
	if _, err := io.Copy(io.Discard, rc); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v", err)
	}
}

// tarOf builds a small tar archive in memory.
func tarOf(files map[string]string) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n]))})
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	return b.Bytes()
}

func TestManifestList(t *testing.T) {
	arm := build(t, imagebuild.Gzip)
	amd := build(t, imagebuild.None)
	dir := filepath.Join(t.TempDir(), "layout")
	if err := imagebuild.WriteOCILayout(dir, arm, amd); err != nil {
		t.Fatal(err)
	}
	// Put both manifests behind one image index, arm64 first.
	list := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + arm.ManifestDigest + `","size":` + itoa(len(arm.Manifest)) + `,"platform":{"architecture":"arm64","os":"linux"}},` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + amd.ManifestDigest + `","size":` + itoa(len(amd.Manifest)) + `,"platform":{"architecture":"amd64","os":"linux"}}]}`
	sum := sha256.Sum256([]byte(list))
	hexSum := hex.EncodeToString(sum[:])
	if err := os.WriteFile(filepath.Join(dir, "blobs/sha256", hexSum), []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	index := `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:` +
		hexSum + `","size":` + itoa(len(list)) + `,"annotations":{"org.opencontainers.image.ref.name":"multi"}}]}`
	if err := os.WriteFile(filepath.Join(dir, "index.json"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	img, _ := open(t, dir)
	defer img.Close()
	if img.ConfigDigest != amd.ConfigDigest || img.ManifestDigest != amd.ManifestDigest {
		t.Errorf("chose %s, want the amd64 image %s", img.ManifestDigest, amd.ManifestDigest)
	}
	if len(img.Anomalies) != 1 || img.Anomalies[0].Kind != "manifest-list" || !strings.Contains(img.Anomalies[0].Detail, "linux/amd64") {
		t.Errorf("Anomalies = %+v", img.Anomalies)
	}
	if _, err := readLayer(t, img, 1); err != nil {
		t.Error(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
