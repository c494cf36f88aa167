package packages_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/forensics/packages"
)

// debianRootfs returns a Debian bookworm minbase root filesystem as a tar, built once with
// mmdebstrap (which needs Debian's mirror) and cached in STRATA_DEBIAN_CACHE, else the
// repository's .cache/debian. The test is skipped when mmdebstrap is not installed.
func debianRootfs(t *testing.T) []byte {
	t.Helper()
	p, err := imagebuild.DebianRootfs(imagebuild.DebianCacheDir(), "bookworm-minbase.tar", 20*time.Minute, "--variant=minbase", "bookworm")
	if err != nil {
		t.Skipf("the Debian root filesystem this test reads cannot be built here: %v", err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// dpkgQuery lists name=version of the rootfs's packages as dpkg-query itself reads them.
func dpkgQuery(t *testing.T, rootfs []byte) []string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("tar", "-x", "-C", dir, "./var/lib/dpkg")
	cmd.Stdin = bytes.NewReader(rootfs)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("extracting the dpkg database: %v\n%s", err, out)
	}
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Package} ${Version} ${db:Status-Abbrev}\n", "--admindir="+filepath.Join(dir, "var/lib/dpkg")).Output()
	if err != nil {
		t.Skip("dpkg-query is not usable here:", err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		// db:Status-Abbrev "ii " is installed; "rc" keeps only configuration files.
		if len(f) >= 3 && f[2][1] != 'c' && f[2][1] != 'n' {
			got = append(got, f[0]+"="+f[1])
		}
	}
	sort.Strings(got)
	return got
}

func TestRealDebian(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Debian root filesystem")
	}
	rootfs := debianRootfs(t)
	want := dpkgQuery(t, rootfs)
	img := imagebuild.Image{Layers: []imagebuild.Layer{{Raw: rootfs, CreatedBy: "mmdebstrap --variant=minbase bookworm"}}}
	r := read(t, img)
	var got []string
	for _, p := range r.Inventory.Packages {
		if p.Ecosystem == packages.Deb {
			got = append(got, p.Name+"="+p.Version)
		}
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("inventory differs from dpkg-query -W:\n got %d: %v\nwant %d: %v", len(got), got, len(want), want)
	}
	in := r.Integrity
	var exec []string
	for _, u := range in.Unpackaged {
		if u.Executable {
			exec = append(exec, u.Path)
		}
	}
	t.Logf("%d deb packages; %d files checked, %d missing, %d without checksum; %d non-packaged files in system paths (%d executable)",
		len(got), in.Checked, in.Missing, in.Unverified, len(in.Unpackaged), len(exec))
	if len(in.Mismatches) != 0 || len(exec) != 0 {
		t.Errorf("a pristine Debian raises mismatches %+v, executable non-packaged %v", in.Mismatches, exec)
	}

	// One byte of /bin/ls changed in a later layer: exactly one mismatch.
	ls := append([]byte(nil), fileFromTar(t, rootfs, "./usr/bin/ls")...)
	ls[len(ls)/2] ^= 0xff
	img.Layers = append(img.Layers, imagebuild.Layer{Files: []imagebuild.File{imagebuild.RegBytes("usr/bin/ls", ls).WithMode(0o755)}})
	r = read(t, img)
	var ms []string
	for _, m := range r.Integrity.Mismatches {
		ms = append(ms, fmt.Sprintf("%s %s (listed %s) layer %d exec=%v", m.Package, m.Path, m.Listed, m.Layer, m.Executable))
	}
	if want := []string{"coreutils /usr/bin/ls (listed /bin/ls) layer 1 exec=true"}; fmt.Sprint(ms) != fmt.Sprint(want) {
		t.Errorf("after changing /bin/ls: %q, want %q", ms, want)
	}
}

func fileFromTar(t *testing.T, tarball []byte, name string) []byte {
	t.Helper()
	cmd := exec.Command("tar", "-x", "-O", name)
	cmd.Stdin = bytes.NewReader(tarball)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
