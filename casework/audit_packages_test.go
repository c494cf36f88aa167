package casework_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// packageFleet is a small Debian fleet on one base (dpkg lists coreutils and curl): a clean
// app, an image whose package file was replaced, and one whose package database differs from
// the base's by one byte. An audit shares the parsed databases between the images; each must
// still get its own answer.
func packageFleet(t *testing.T) []*imagebuild.Built {
	t.Helper()
	elf := func(name string) string { return "\x7fELF\x02\x01\x01\x00" + strings.Repeat("code of "+name+"\n", 8) }
	sum := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	ls, cat, curl := elf("ls"), elf("cat"), elf("curl")
	statusOf := func(curlVersion string) string {
		return "Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\nVersion: 9.1-1\n\n" +
			"Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: " + curlVersion + "\n"
	}
	base := layer("usr", 0, imagebuild.Dir("usr/bin"),
		imagebuild.Reg("usr/bin/ls", ls).WithMode(0o755), imagebuild.Reg("usr/bin/cat", cat).WithMode(0o755),
		imagebuild.Dir("etc"), imagebuild.Reg("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
		imagebuild.Dir("var/lib/dpkg/info"),
		imagebuild.Reg("var/lib/dpkg/status", statusOf("7.88.1-10")),
		imagebuild.Reg("var/lib/dpkg/info/coreutils.list", "/usr/bin/ls\n/usr/bin/cat\n"),
		imagebuild.Reg("var/lib/dpkg/info/coreutils.md5sums", sum(ls)+"  usr/bin/ls\n"+sum(cat)+"  usr/bin/cat\n"))
	apt := layer("usr", 1, imagebuild.Dir("usr/bin"), imagebuild.Reg("usr/bin/curl", curl).WithMode(0o755),
		imagebuild.Dir("var/lib/dpkg/info"),
		imagebuild.Reg("var/lib/dpkg/info/curl:amd64.list", "/usr/bin/curl\n"),
		imagebuild.Reg("var/lib/dpkg/info/curl:amd64.md5sums", sum(curl)+"  usr/bin/curl\n"))
	// One byte off: the last hex digit of curl's md5, and curl's version in the status file.
	off := []byte(sum(curl))
	off[31] = "01"[off[31]&1]
	app := layer("srv", 2, imagebuild.Reg("srv/app.txt", "hello\n"))
	trojan := layer("usr", 3, imagebuild.Dir("usr/bin"), imagebuild.Reg("usr/bin/ls", elf("ls trojaned")).WithMode(0o755))
	oneByte := layer("var", 4, imagebuild.Dir("var/lib/dpkg/info"),
		imagebuild.Reg("var/lib/dpkg/status", statusOf("7.88.1-11")),
		imagebuild.Reg("var/lib/dpkg/info/curl:amd64.md5sums", string(off)+"  usr/bin/curl\n"))
	var out []*imagebuild.Built
	for i, ls := range [][]imagebuild.Layer{{base, apt}, {base, apt, app}, {base, apt, trojan}, {base, apt, oneByte}} {
		b, err := imagebuild.Build(imagebuild.Image{Tags: []string{fmt.Sprintf("deb/image:%d", i)}, Created: fleetTime, Layers: ls})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// packageFindings are the package findings of a scan, in words.
func packageFindings(fs []audit.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Category == audit.CategoryPackageIntegrity || f.Category == audit.CategoryNonPackaged {
			out = append(out, fmt.Sprintf("%s %s layer %d: %s", f.Rule, f.Path, f.Layer, f.Evidence))
		}
	}
	slices.Sort(out)
	return out
}

// TestAuditPackagesPerImage: images that share a base and its package databases are checked
// each against its own final filesystem and databases. The audit gives every image the
// package findings a scan of it alone gives; the image with a replaced package file and the
// one whose database differs by a byte get theirs, the others none.
func TestAuditPackagesPerImage(t *testing.T) {
	builts := packageFleet(t)
	layout := filepath.Join(t.TempDir(), "layout")
	if err := imagebuild.WriteOCILayout(layout, builts...); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w := workspace(t)
	fl := runAudit(t, w, ctx, casework.AuditOptions{Paths: []string{layout}}, nil)
	store, err := w.OpenStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	want := [][]string{
		nil,
		nil,
		{"STRATA-PKG-001 /usr/bin/ls layer 2: coreutils 9.1-1 recorded md5:"},
		{"STRATA-PKG-001 /usr/bin/curl layer 1: curl 7.88.1-11 recorded md5:"},
	}
	for i := range builts {
		tag := fmt.Sprintf("deb/image:%d", i)
		row := rowOf(t, fl, tag)
		fs, err := store.Findings(ctx, row.ScanID)
		if err != nil {
			t.Fatal(err)
		}
		got := packageFindings(fs)
		if len(got) != len(want[i]) {
			t.Errorf("%s: package findings %q, want %q", tag, got, want[i])
		} else {
			for j := range got {
				if !strings.HasPrefix(got[j], want[i][j]) {
					t.Errorf("%s: package finding %q, want %q...", tag, got[j], want[i][j])
				}
			}
		}
		// A scan of the image alone, in a workspace of its own.
		sc, err := workspace(t).NewScanner(ctx, casework.ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := sc.ScanRef(ctx, "oci:"+layout+":@"+itoa(i), nil)
		if err != nil {
			t.Fatal(err)
		}
		if alone := packageFindings(res.Findings); !slices.Equal(got, alone) {
			t.Errorf("%s: the audit found %q, a scan of the image alone %q", tag, got, alone)
		}
		sc.Close()
	}
}
