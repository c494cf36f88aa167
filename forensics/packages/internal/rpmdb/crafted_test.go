package rpmdb

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gorpmdb "github.com/knqyf263/go-rpmdb/pkg"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// headerEntry is one tag of a header built by makeHeader.
type headerEntry struct {
	tag, typ uint32
	count    uint32
	data     []byte
}

func strEntry(tag uint32, s string) headerEntry {
	return headerEntry{tag, typeString, 1, append([]byte(s), 0)}
}

func strArray(tag uint32, ss ...string) headerEntry {
	var b []byte
	for _, s := range ss {
		b = append(append(b, s...), 0)
	}
	return headerEntry{tag, typeStringArray, uint32(len(ss)), b}
}

func int32s(tag uint32, vs ...uint32) headerEntry {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.BigEndian.PutUint32(b[4*i:], v)
	}
	return headerEntry{tag, typeInt32, uint32(len(vs)), b}
}

func int16s(tag uint32, vs ...uint16) headerEntry {
	b := make([]byte, 2*len(vs))
	for i, v := range vs {
		binary.BigEndian.PutUint16(b[2*i:], v)
	}
	return headerEntry{tag, typeInt16, uint32(len(vs)), b}
}

// makeHeader encodes a header blob as the databases store it, each datum aligned to its size.
func makeHeader(entries ...headerEntry) []byte {
	var data []byte
	index := make([]byte, 0, 16*len(entries))
	for _, e := range entries {
		align := map[uint32]int{typeInt16: 2, typeInt32: 4, typeInt64: 8}[e.typ]
		for align > 1 && len(data)%align != 0 {
			data = append(data, 0)
		}
		index = binary.BigEndian.AppendUint32(index, e.tag)
		index = binary.BigEndian.AppendUint32(index, e.typ)
		index = binary.BigEndian.AppendUint32(index, uint32(len(data)))
		index = binary.BigEndian.AppendUint32(index, e.count)
		data = append(data, e.data...)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(len(entries)))
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	return append(append(out, index...), data...)
}

// samplePackage is a header of our own: a package with two files in one directory.
func samplePackage(name string) []byte {
	return makeHeader(
		strEntry(tagName, name), strEntry(tagVersion, "1.0"), strEntry(tagRelease, "3.el9"), int32s(tagEpoch, 2),
		strEntry(tagArch, "x86_64"), strEntry(tagSourceRPM, name+"-1.0-3.el9.src.rpm"),
		int16s(tagFileModes, 0o100755, 0o100644), strArray(tagFileDigests, strings.Repeat("ab", 32), strings.Repeat("CD", 32)),
		int32s(tagFileFlags, 0, 1), int32s(tagDirIndexes, 0, 0), strArray(tagBasenames, name, name+".conf"),
		strArray(tagDirnames, "/usr/bin/"), int32s(tagFileDigestAlgo, DigestSHA256),
	)
}

// sqliteDatabase writes an rpm SQLite database holding blobs with SQLite itself.
func sqliteDatabase(t *testing.T, pageSize int, blobs ...[]byte) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rpmdb.sqlite")
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		fmt.Sprintf("PRAGMA page_size = %d", pageSize),
		"CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
		"CREATE TABLE 'Name' (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blobs {
		if _, err := tx.Exec("INSERT INTO Packages (blob) VALUES (?)", b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCraftedDatabases: the databases that crash go-rpmdb are errors here. The reference check
// runs go-rpmdb on each in a child process and wants it to die of a panic, which proves the
// samples still are the crashers they stand for.
func TestCraftedDatabases(t *testing.T) {
	for name, data := range imagebuild.CraftedRPMDatabases() {
		t.Run(name, func(t *testing.T) {
			pkgs, err := Read(data)
			if err == nil {
				t.Fatalf("read %d packages and no error", len(pkgs))
			}
			var partial *PartialError
			if name == "rpmdb.sqlite" && (!errors.As(err, &partial) || len(pkgs) != 1 || pkgs[0].Name != "good") {
				t.Errorf("want the good package and a partial error, got %v, %v", pkgs, err)
			}
			p := filepath.Join(t.TempDir(), "db")
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestGoRPMDBChild$")
			cmd.Env = append(os.Environ(), "RPMDB_CHILD="+p)
			out, err := cmd.CombinedOutput()
			if err == nil || !bytes.Contains(out, []byte("panic:")) {
				t.Errorf("go-rpmdb did not panic on the sample (%v):\n%s", err, out)
			}
		})
	}
}

// TestGoRPMDBChild reads RPMDB_CHILD with go-rpmdb, for TestCraftedDatabases.
func TestGoRPMDBChild(t *testing.T) {
	p := os.Getenv("RPMDB_CHILD")
	if p == "" {
		t.Skip("only run as TestCraftedDatabases' child process")
	}
	db, err := gorpmdb.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ListPackages()
	t.Log(err)
	// The Berkeley DB reader panics in a goroutine of its own, which closes its channel on the
	// way out: ListPackages may return before the panic ends the process. A program that goes
	// on running (as Strata does) dies a moment later; wait for it here.
	time.Sleep(2 * time.Second)
}

// TestSQLiteLayouts reads databases SQLite itself wrote with many packages, at every page
// size: interior pages, records spilling into overflow chains, other tables beside Packages.
func TestSQLiteLayouts(t *testing.T) {
	var blobs [][]byte
	for i := range 300 {
		b := samplePackage(fmt.Sprintf("pkg%03d", i))
		if i%7 == 0 { // a big header: many files, several overflow pages
			var names []string
			var idx []uint32
			for j := range 400 {
				names = append(names, fmt.Sprintf("file-%d-%d", i, j))
				idx = append(idx, 0)
			}
			b = makeHeader(strEntry(tagName, fmt.Sprintf("pkg%03d", i)), strEntry(tagVersion, "2"), strEntry(tagRelease, "1"),
				strEntry(tagArch, "noarch"), int32s(tagDirIndexes, idx...), strArray(tagBasenames, names...), strArray(tagDirnames, "/opt/"))
		}
		blobs = append(blobs, b)
	}
	for _, ps := range []int{512, 1024, 4096, 65536} {
		t.Run(fmt.Sprint(ps), func(t *testing.T) {
			pkgs, err := Read(sqliteDatabase(t, ps, blobs...))
			if err != nil {
				t.Fatal(err)
			}
			if len(pkgs) != len(blobs) {
				t.Fatalf("%d packages, want %d", len(pkgs), len(blobs))
			}
			for i, p := range pkgs {
				want := fmt.Sprintf("pkg%03d", i)
				if p.Name != want {
					t.Fatalf("package %d is %s, want %s (rowid order)", i, p.Name, want)
				}
				if i%7 == 0 && (len(p.Files) != 400 || p.Files[399].Path != fmt.Sprintf("/opt/file-%d-399", i)) {
					t.Fatalf("%s: %d files", p.Name, len(p.Files))
				}
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	p, err := ParseHeader(samplePackage("tool"))
	if err != nil {
		t.Fatal(err)
	}
	want := Package{Name: "tool", Version: "1.0", Release: "3.el9", Arch: "x86_64", Epoch: 2, SourceRPM: "tool-1.0-3.el9.src.rpm",
		DigestAlgorithm: DigestSHA256, Files: []File{
			{Path: "/usr/bin/tool", Mode: 0o100755, Digest: strings.Repeat("ab", 32)},
			{Path: "/usr/bin/tool.conf", Mode: 0o100644, Flags: 1, Digest: strings.Repeat("cd", 32)},
		}}
	if fmt.Sprint(p) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
	for name, blob := range map[string][]byte{
		"empty":            nil,
		"no entries":       {0, 0, 0, 0, 0, 0, 0, 0},
		"claims more data": append(makeHeader(strEntry(tagName, "x"))[:8], 0xff),
		"string past data": makeHeader(headerEntry{tagName, typeString, 1, []byte("unterminated")}),
		"dir index past":   makeHeader(strEntry(tagName, "x"), int32s(tagDirIndexes, 5), strArray(tagBasenames, "a"), strArray(tagDirnames, "/")),
		"count past data":  makeHeader(strEntry(tagName, "x"), headerEntry{tagBasenames, typeStringArray, 1 << 30, []byte("a\x00")}),
		"ints past data": makeHeader(strEntry(tagName, "x"), int32s(tagDirIndexes, 0), strArray(tagBasenames, "a"), strArray(tagDirnames, "/"),
			headerEntry{tagFileModes, typeInt16, 1 << 30, []byte{0, 1}}),
		"name of wrong type": makeHeader(int32s(tagName, 7)),
	} {
		if _, err := ParseHeader(blob); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestBuiltDatabases: the databases imagebuild writes for fixtures are sound: SQLite itself
// finds no fault in its SQLite file, and go-rpmdb and this reader read the same packages from
// each format.
func TestBuiltDatabases(t *testing.T) {
	var headers [][]byte
	for i := range 20 {
		headers = append(headers, imagebuild.RPMHeader(imagebuild.RPMPackage{
			Name: fmt.Sprintf("pkg%02d", i), Version: "1." + fmt.Sprint(i), Release: "2.el9", Arch: "x86_64", Epoch: i % 3,
			SourceRPM: fmt.Sprintf("src%02d-1-2.el9.src.rpm", i), DigestAlgorithm: DigestSHA256,
			Files: []imagebuild.RPMFile{
				{Path: fmt.Sprintf("/usr/bin/tool%02d", i), Mode: 0o100755, Digest: strings.Repeat("0a", 32)},
				{Path: fmt.Sprintf("/etc/tool%02d.conf", i), Mode: 0o100644, Flags: 1, Digest: strings.Repeat("b1", 32)},
				{Path: "/usr/share/doc/" + strings.Repeat("long", 300), Mode: 0o100644},
			},
		}))
	}
	for name, data := range map[string][]byte{"rpmdb.sqlite": imagebuild.RPMSQLite(headers...), "Packages": imagebuild.RPMBerkeleyDB(headers...)} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if name == "rpmdb.sqlite" {
				db, err := sql.Open("sqlite", p)
				if err != nil {
					t.Fatal(err)
				}
				var check string
				if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
					t.Errorf("SQLite's integrity check: %q, %v", check, err)
				}
				db.Close()
			}
			ref, err := gorpmdb.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.ListPackages()
			ref.Close()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Read(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(headers) || len(want) != len(headers) {
				t.Fatalf("%d packages, go-rpmdb %d, want %d", len(got), len(want), len(headers))
			}
			for i, g := range got {
				w := want[i]
				if g.Name != w.Name || g.Version != w.Version || g.Epoch != w.EpochNum() || g.SourceRPM != w.SourceRpm || len(g.Files) != 3 {
					t.Errorf("%+v, go-rpmdb %+v", g, w)
				}
				if g.Files[1].Flags != 1 || g.Files[1].Digest != strings.Repeat("b1", 32) {
					t.Errorf("%s's config file: %+v", g.Name, g.Files[1])
				}
			}
		})
	}
}
