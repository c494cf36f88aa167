package imagebuild

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// writeTar writes entries (name -> content; a trailing "/" makes a directory, "->target" a
// hard link) to a tar file.
func writeTar(t *testing.T, p string, entries map[string]string, mtime time.Time) {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := entries[n]
		h := &tar.Header{Name: n, Mode: 0o644, ModTime: mtime, Typeflag: tar.TypeReg, Size: int64(len(c))}
		switch {
		case n[len(n)-1] == '/':
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		case len(c) > 2 && c[:2] == "->":
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, c[2:], 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(c))
		}
	}
	tw.Close()
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLayerDiff(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lower, upper := filepath.Join(dir, "lower.tar"), filepath.Join(dir, "upper.tar")
	writeTar(t, lower, map[string]string{
		"./etc/": "", "./etc/os-release": "ID=debian\n", "./etc/gone": "x", "./opt/": "", "./opt/old/": "", "./opt/old/a": "a",
		"./usr/": "", "./usr/bin/": "", "./usr/bin/perl": "perl 1", "./usr/bin/perl5": "->usr/bin/perl",
	}, t0)
	writeTar(t, upper, map[string]string{
		"./etc/": "", "./etc/os-release": "ID=debian\n", "./opt/": "",
		"./usr/": "", "./usr/bin/": "", "./usr/bin/perl": "perl 1", "./usr/bin/perl5": "->usr/bin/perl",
		"./usr/bin/python3": "python", "./usr/bin/python": "->usr/bin/python3",
		"./usr/bin/perl.new": "->usr/bin/perl",
	}, t0)
	raw, err := LayerDiff(lower, upper)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, entryName(h.Name))
	}
	sort.Strings(got)
	// New files, the hard link to an unchanged file with its target, and one whiteout per
	// removed path whose parent is still there (/opt/old, not /opt/old/a).
	want := []string{"etc/.wh.gone", "opt/.wh.old", "usr/bin/perl", "usr/bin/perl.new", "usr/bin/python", "usr/bin/python3"}
	if len(got) != len(want) {
		t.Fatalf("layer holds %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("layer holds %v, want %v", got, want)
		}
	}
}
