package report

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// evidence makes a file standing for an input, with a known content and an old mtime, and
// returns a function that fails the test if either changed.
func evidence(t *testing.T, p string) func() {
	t.Helper()
	content := []byte("the evidence, byte for byte\n")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s changed: %q, %v", p, got, err)
		}
		if fi, err := os.Stat(p); err != nil || !fi.ModTime().Equal(old) {
			t.Errorf("%s: mtime changed (%v)", p, err)
		}
	}
}

func write(o *Output, s string) error {
	if _, err := o.Write([]byte(s)); err != nil {
		o.Abort()
		return err
	}
	return o.Commit()
}

func TestCreateRefusesInputs(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "case", "ev.tar")
	layout := filepath.Join(dir, "case", "layout")
	unchanged := evidence(t, ev)
	layoutUnchanged := evidence(t, filepath.Join(layout, "oci-layout"))
	if err := os.Symlink(ev, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(ev, filepath.Join(dir, "hard")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(layout, filepath.Join(dir, "layoutlink")); err != nil {
		t.Fatal(err)
	}
	inputs := []string{"docker-archive:" + ev + ":repo:tag", "oci:" + layout}
	for _, p := range []string{
		ev,
		filepath.Join(dir, "case", "..", "case", "ev.tar"),
		filepath.Join(dir, "link"),
		filepath.Join(dir, "hard"),
		filepath.Join(layout, "oci-layout"),
		filepath.Join(layout, "new-file"),
		filepath.Join(dir, "layoutlink", "index.json"),
	} {
		for _, force := range []bool{false, true} {
			o, err := Create(p, CreateOptions{Force: force, Inputs: inputs})
			if err == nil {
				write(o, "overwritten")
				t.Errorf("Create(%s, force %v) accepted an input", p, force)
				continue
			}
			if !errors.Is(err, ErrIsInput) {
				t.Errorf("Create(%s, force %v): %v, want ErrIsInput", p, force, err)
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("the error does not name the path: %v", err)
			}
		}
	}
	unchanged()
	layoutUnchanged()
	if left, _ := os.ReadDir(layout); len(left) != 1 {
		t.Errorf("files left in the input directory: %v", left)
	}
}

func TestCreateExistingAndLinks(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.json")
	unchanged := evidence(t, old)
	other := filepath.Join(dir, "other")
	otherUnchanged := evidence(t, other)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(other, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(old, CreateOptions{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("an existing file without --force: %v", err)
	}
	if _, err := Create(link, CreateOptions{}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a link without --force: %v", err)
	}
	if _, err := Create(dir, CreateOptions{Force: true}); err == nil {
		t.Error("a directory was accepted")
	}
	if _, err := Create("/dev/null", CreateOptions{Force: true}); err == nil {
		t.Error("a device was accepted")
	}
	unchanged()

	// --force replaces the file (mode 0600) and the link itself, never what it points to.
	for _, p := range []string{old, link} {
		o, err := Create(p, CreateOptions{Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := write(o, "new\n"); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != OutputMode {
			t.Errorf("%s: %v, %v", p, fi.Mode(), err)
		}
		if b, _ := os.ReadFile(p); string(b) != "new\n" {
			t.Errorf("%s holds %q", p, b)
		}
	}
	otherUnchanged()
}

func TestCreateIsWholeOrNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.md")
	unchanged := evidence(t, p)
	o, err := Create(p, CreateOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Write([]byte("half a report")); err != nil {
		t.Fatal(err)
	}
	o.Abort()
	unchanged()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}

	// A new file appears only when committed, with mode 0600.
	n := filepath.Join(dir, "new.txt")
	o, err = Create(n, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o.Write([]byte("x"))
	if _, err := os.Stat(n); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the file exists before Commit: %v", err)
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(n); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new file: %v %v", fi.Mode(), err)
	}

	// Without --force, a file that appears while the output is written is not replaced.
	racy := filepath.Join(dir, "racy.txt")
	o, err = Create(racy, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(racy, []byte("theirs"), 0o644); err != nil {
		t.Fatal(err)
	}
	o.Write([]byte("ours"))
	if err := o.Commit(); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Commit over a file that appeared: %v", err)
	}
	if b, _ := os.ReadFile(racy); string(b) != "theirs" {
		t.Errorf("the file that appeared was replaced: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("temporary files left: %v", entries)
	}
}
