package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyEvidence copies src into dir under name with an old mtime, and returns its path and a
// function that fails the test when its bytes or mtime changed.
func copyEvidence(t *testing.T, src, dir, name string) (string, func()) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	p := filepath.Join(dir, name)
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2023, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, func() {
		t.Helper()
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: the evidence's bytes changed (%d bytes now, %d before; %v)", name, len(got), len(want), err)
		}
		if fi, err := os.Stat(p); err != nil || !fi.ModTime().Equal(old) {
			t.Errorf("%s: the evidence's mtime changed", name)
		}
	}
}

// TestOutputNeverTouchesTheEvidence: the cases. Every -o that names an input (as it
// is, through a link, a hard link or ..) is refused, --force or not; an existing file or a
// link is not replaced without --force; the evidence keeps its bytes and mtime throughout.
func TestOutputNeverTouchesTheEvidence(t *testing.T) {
	dir := t.TempDir()
	ev, evUnchanged := copyEvidence(t, suspect, dir, "ev.tar")
	x, xUnchanged := copyEvidence(t, original, dir, "x.tar")
	existing := filepath.Join(dir, "existing.json")
	if err := os.WriteFile(existing, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.txt")
	if err := os.Symlink(existing, link); err != nil {
		t.Fatal(err)
	}
	evLink := filepath.Join(dir, "ev-link.tar")
	if err := os.Symlink(ev, evLink); err != nil {
		t.Fatal(err)
	}
	evHard := filepath.Join(dir, "ev-hard.tar")
	if err := os.Link(ev, evHard); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	evDotDot := filepath.Join(sub, "..", "ev.tar")
	data := t.TempDir()
	tests := []struct {
		args []string
		want string // in the error
	}{
		{[]string{"export", "--force", ev, "/etc/passwd", "-o", ev}, "is the evidence"},
		{[]string{"export", ev, "/etc/passwd", "-o", ev}, "is the evidence"},
		{[]string{"scan", ev, "-o", ev}, "is the evidence"},
		{[]string{"scan", "--force", "docker-archive:" + ev + ":@0", "-o", ev}, "is the evidence"},
		{[]string{"diff", ev, x, "-o", ev}, "is the evidence"},
		{[]string{"diff", "--force", ev, x, "-o", x}, "is the evidence"},
		{[]string{"scan", "--force", ev, "-o", evLink}, "is the evidence"},
		{[]string{"scan", "--force", ev, "-o", evHard}, "is the evidence"},
		{[]string{"scan", "--force", ev, "-o", evDotDot}, "is the evidence"},
		{[]string{"inspect", "--force", ev, "-o", ev}, "is the evidence"},
		{[]string{"sbom", "--force", ev, "-o", evHard}, "is the evidence"},
		{[]string{"report", "--force", "--format", "md", ev, "-o", ev}, "is the evidence"},
		{[]string{"history", "--force", "-o", filepath.Join(data, "strata.db")}, "is the evidence"},
		{[]string{"scan", ev, "-o", existing}, "exists"},
		{[]string{"report", ev, "-o", existing}, "exists"},
		{[]string{"sbom", ev, "-o", existing}, "exists"},
		{[]string{"scan", ev, "-o", link}, "symbolic link"},
		{[]string{"sbom", ev, "-o", link}, "symbolic link"},
		{[]string{"export", ev, "/etc/passwd", "-o", link}, "symbolic link"},
		{[]string{"scan", ev, "-o", sub}, "is a directory"},
	}
	for _, tc := range tests {
		_, stderr, code := strataIn(t, data, tc.args...)
		if code != exitBadInput || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, %q; want exit %d and %q", tc.args, code, strings.TrimSpace(stderr), exitBadInput, tc.want)
		}
	}
	evUnchanged()
	xUnchanged()
	if b, _ := os.ReadFile(existing); string(b) != "keep me\n" {
		t.Errorf("the existing file was overwritten: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 7 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files appeared or went next to the evidence: %v", names)
	}

	// --force replaces an existing file and a link (not what it points to), mode 0600.
	for _, out := range []string{existing, link} {
		if _, stderr, code := strataIn(t, data, "scan", "--force", "--format", "json", ev, "-o", out); code != 0 {
			t.Fatalf("scan --force -o %s: exit %d: %s", out, code, stderr)
		}
		fi, err := os.Lstat(out)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", out, fi.Mode(), err)
		}
		if b, _ := os.ReadFile(out); !bytes.HasPrefix(b, []byte("{")) {
			t.Errorf("%s does not hold the scan", out)
		}
	}
	// A new file is mode 0600, whatever the umask would allow.
	n := filepath.Join(dir, "new.txt")
	if _, stderr, code := strataIn(t, data, "inspect", ev, "-o", n); code != 0 {
		t.Fatalf("inspect -o: %s", stderr)
	}
	if fi, err := os.Stat(n); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new output: %v %v", fi.Mode(), err)
	}
	// export writes the file's bytes, mode 0600, and --force replaces a file it wrote before.
	e := filepath.Join(dir, "passwd")
	for _, args := range [][]string{{"export", ev, "/etc/passwd", "-o", e}, {"export", "--force", ev, "/etc/passwd", "-o", e}} {
		if _, stderr, code := strataIn(t, data, args...); code != 0 {
			t.Fatalf("%q: %s", args, stderr)
		}
	}
	if fi, err := os.Stat(e); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
		t.Errorf("exported file: %v %v", fi, err)
	}
	evUnchanged()
	xUnchanged()
}

// TestOutputInsideALayout: -o may not write into an input directory (an OCI layout, a dir:
// root filesystem), by any name of it.
func TestOutputInsideALayout(t *testing.T) {
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"etc", "usr/bin"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(rootfs, "etc", "passwd"), []byte("root:x:0:0::/root:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rootfs, filepath.Join(dir, "alias")); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(rootfs, "report.txt"), filepath.Join(rootfs, "etc", "passwd"), filepath.Join(dir, "alias", "usr", "x.txt")} {
		_, stderr, code := strata(t, "scan", "--force", "dir:"+rootfs, "-o", out)
		if code != exitBadInput || !strings.Contains(stderr, "is the evidence") {
			t.Errorf("-o %s: exit %d, %q", out, code, stderr)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(rootfs, "etc", "passwd")); string(b) != "root:x:0:0::/root:/bin/sh\n" {
		t.Errorf("the root filesystem changed: %q", b)
	}
	var found []string
	filepath.Walk(rootfs, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			found = append(found, p)
		}
		return nil
	})
	if len(found) != 1 {
		t.Errorf("files written into the input: %v", found)
	}
}
