package audit_test

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// TestHostFilesystem scans a copy of this machine's /etc, /usr/bin and a deterministic sample
// of /usr/lib/x86_64-linux-gnu as a root filesystem: a stock system must raise nothing high or
// critical.
func TestHostFilesystem(t *testing.T) {
	if testing.Short() {
		t.Skip("copies a few hundred MB of system files")
	}
	if _, err := os.Stat("/usr/bin/ls"); err != nil {
		t.Skip("no /usr/bin to scan")
	}
	root := t.TempDir()
	copyTree(t, "/etc", root, nil)
	copyTree(t, "/usr/bin", root, nil)
	copyTree(t, "/usr/lib/x86_64-linux-gnu", root, sample(t, "/usr/lib/x86_64-linux-gnu", 300))
	res := scanRef(t, "dir:"+root, nil)
	s := res.Summary()
	t.Logf("%d files, %d content-scanned; findings: %d critical, %d high, %d medium, %d low, %d info",
		res.Files, res.Scanned, s[audit.Critical], s[audit.High], s[audit.Medium], s[audit.Low], s[audit.Info])
	for _, f := range res.Findings {
		if f.Severity >= audit.Medium {
			t.Logf("  %s %s %s: %s", f.Severity, f.Rule, f.Path, f.Title)
		}
	}
	for _, f := range res.Findings {
		if f.Severity < audit.High {
			continue
		}
		t.Errorf("%s finding on a stock system: %s %s: %s", f.Severity, f.Rule, f.Path, f.Title)
	}
}

// sample picks every n-th regular file directly in dir, in name order, to about want files.
func sample(t *testing.T, dir string, want int) map[string]bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skip(err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	step := max(1, (len(files)+want-1)/want)
	keep := map[string]bool{}
	for i := 0; i < len(files); i += step {
		keep[filepath.Join(dir, files[i])] = true
	}
	return keep
}

// copyTree copies src under root at the same path, keeping modes (setuid included), times and
// symlinks; only files in keep when keep is set (and then only directly in src).
func copyTree(t *testing.T, src, root string, keep map[string]bool) {
	t.Helper()
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: skip, as the loader would
		}
		dst := filepath.Join(root, p)
		if keep != nil && p != src && (d.IsDir() || !keep[p]) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		switch {
		case d.IsDir():
			os.MkdirAll(dst, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			if target, err := os.Readlink(p); err == nil {
				os.Symlink(target, dst)
			}
		case d.Type().IsRegular():
			if err := copyFile(p, dst); err != nil {
				if !strings.Contains(err.Error(), "permission") {
					t.Logf("copying %s: %v", p, err)
				}
				return nil
			}
			os.Chmod(dst, info.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
			os.Chtimes(dst, info.ModTime(), info.ModTime())
		}
		return nil
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Padding an account database past what a scan keeps must not hide a uid 0 account: the
// scan says the file is too big to check; a padded ld.so.preload stays critical.
func TestPaddedSystemFiles(t *testing.T) {
	pad := strings.Repeat("# padding\n", 200_000)
	ref := "docker-archive:" + saveImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{
		imagebuild.Dir("etc"),
		imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"+pad+"toor:x:0:0::/root:/bin/sh\n"),
		imagebuild.Reg("etc/ld.so.preload", pad+"/usr/lib/libx.so\n"),
	}}}}, nil)
	res := scanRef(t, ref, nil)
	got := map[string]audit.Severity{}
	for _, f := range res.Findings {
		got[f.Rule] = f.Severity
	}
	if got["STRATA-FS-010"] != audit.High {
		t.Errorf("padded /etc/passwd: %v", got)
	}
	if got["STRATA-FS-003"] != audit.Critical {
		t.Errorf("padded /etc/ld.so.preload: %v", got)
	}
}
