package rpmdb

import (
	"database/sql"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gorpmdb "github.com/knqyf263/go-rpmdb/pkg"
	sqlite3 "github.com/mattn/go-sqlite3"
)

func init() {
	// go-rpmdb, the reference these tests compare with, opens SQLite databases under this name.
	for _, d := range sql.Drivers() {
		if d == "sqlite" {
			return
		}
	}
	sql.Register("sqlite", &sqlite3.SQLiteDriver{})
}

// referenceDatabases returns the real rpm databases go-rpmdb ships as test data (CentOS 5 to 8
// and RHEL UBI on s390x in Berkeley DB, Fedora and CBL-Mariner in SQLite, SLE in ndb), from the
// module cache.
func referenceDatabases(t testing.TB) map[string]string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/knqyf263/go-rpmdb").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skip("go-rpmdb's source is not in the module cache")
	}
	dbs := map[string]string{}
	matches, _ := filepath.Glob(filepath.Join(dir, "pkg", "testdata", "*", "*"))
	for _, m := range matches {
		switch filepath.Base(m) {
		case "Packages", "Packages.db", "rpmdb.sqlite":
			dbs[filepath.Base(filepath.Dir(m))] = m
		}
	}
	if len(dbs) == 0 {
		t.Skip("go-rpmdb's test databases are not in the module cache")
	}
	return dbs
}

// TestAgainstGoRPMDB reads every reference database with this reader and with go-rpmdb and
// wants the same packages, versions, source packages, digest algorithms and files (paths,
// modes, flags and digests).
func TestAgainstGoRPMDB(t *testing.T) {
	formats := map[Format]int{}
	for name, p := range referenceDatabases(t) {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			// go-rpmdb wants a file it may open for writing (SQLite's journal).
			cp := filepath.Join(t.TempDir(), filepath.Base(p))
			if err := os.WriteFile(cp, data, 0o600); err != nil {
				t.Fatal(err)
			}
			ref, err := gorpmdb.Open(cp)
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			want, err := ref.ListPackages()
			if err != nil {
				t.Fatal(err)
			}
			formats[Detect(data)]++
			got, err := Read(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(got) == 0 {
				t.Fatalf("%d packages, go-rpmdb reads %d", len(got), len(want))
			}
			key := func(n, v, r, a string) string { return n + "-" + v + "-" + r + "." + a }
			byKey := map[string]Package{}
			for _, p := range got {
				byKey[key(p.Name, p.Version, p.Release, p.Arch)] = p
			}
			files := 0
			for _, w := range want {
				g, ok := byKey[key(w.Name, w.Version, w.Release, w.Arch)]
				if !ok {
					t.Errorf("%s-%s-%s.%s missing", w.Name, w.Version, w.Release, w.Arch)
					continue
				}
				if g.Epoch != w.EpochNum() || g.SourceRPM != w.SourceRpm || g.DigestAlgorithm != int(w.DigestAlgorithm) {
					t.Errorf("%s: epoch %d, source %q, algo %d; go-rpmdb %d, %q, %d", g.Name, g.Epoch, g.SourceRPM, g.DigestAlgorithm,
						w.EpochNum(), w.SourceRpm, w.DigestAlgorithm)
				}
				if g.License != w.License || g.Vendor != w.Vendor || !slices.Equal(g.Provides, w.Provides) || !slices.Equal(g.Requires, w.Requires) {
					t.Errorf("%s: license %q, vendor %q, provides %q, requires %q; go-rpmdb %q, %q, %q, %q", g.Name, g.License, g.Vendor,
						g.Provides, g.Requires, w.License, w.Vendor, w.Provides, w.Requires)
				}
				wf, err := w.InstalledFiles()
				if err != nil {
					t.Fatal(err)
				}
				if len(wf) != len(g.Files) {
					t.Errorf("%s: %d files, go-rpmdb %d", g.Name, len(g.Files), len(wf))
					continue
				}
				for i, f := range wf {
					gf := g.Files[i]
					wantDigest := strings.ToLower(f.Digest)
					if !isHex(wantDigest) {
						wantDigest = ""
					}
					if gf.Path != path.Clean("/"+f.Path) || gf.Mode != f.Mode || gf.Flags != uint32(f.Flags) || gf.Digest != wantDigest {
						t.Errorf("%s file %d: %+v, go-rpmdb %+v", g.Name, i, gf, f)
						break
					}
				}
				files += len(wf)
			}
			if files == 0 {
				t.Error("no files compared")
			}
		})
	}
	for _, f := range []Format{SQLite, BerkeleyDB, NDB} {
		if formats[f] == 0 {
			t.Errorf("no %s database among the references %v", f, formats)
		}
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		want Format
	}{
		{[]byte("SQLite format 3\x00rest"), SQLite},
		{[]byte("RpmP\x00\x00\x00\x00"), NDB},
		{append(make([]byte, 12), 0x61, 0x15, 0x06, 0x00), BerkeleyDB},
		{append(make([]byte, 12), 0x00, 0x06, 0x15, 0x61), BerkeleyDB},
		{[]byte("not a database at all"), ""},
		{nil, ""},
	} {
		if got := Detect(tc.data); got != tc.want {
			t.Errorf("Detect(%q) = %q, want %q", tc.data, got, tc.want)
		}
	}
	if _, err := Read([]byte("garbage")); err == nil {
		t.Error("garbage read as a database")
	}
}
