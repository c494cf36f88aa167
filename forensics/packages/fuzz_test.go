package packages

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path"
	"strings"
	"testing"
)

func cleanAbs(p string) bool { return p == path.Clean(p) && strings.HasPrefix(p, "/") }

func isLowerHex(s string, n int) bool {
	_, err := hex.DecodeString(s)
	return err == nil && len(s) == n && strings.ToLower(s) == s
}

// checkFiles holds what every file a parser lists must satisfy.
func checkFiles(t *testing.T, who string, files []File) {
	for _, f := range files {
		if !cleanAbs(f.Path) {
			t.Fatalf("%s: file path %q is not clean and absolute", who, f.Path)
		}
		want := map[string]int{MD5: 32, SHA1: 40, SHA256: 64}[f.Algorithm]
		if f.Algorithm != "" && !isLowerHex(f.Digest, want) {
			t.Fatalf("%s: %s digest %q", who, f.Algorithm, f.Digest)
		}
		if f.Algorithm == "" && f.Digest != "" {
			t.Fatalf("%s: digest %q without an algorithm", who, f.Digest)
		}
	}
}

// FuzzDpkg feeds a dpkg status file, a .list, a .md5sums and the diversions file: every
// package has a name and version, every path is clean and absolute, every checksum is an md5.
func FuzzDpkg(f *testing.F) {
	f.Add("Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\nSource: coreutils (9.1-1)\nVersion: 9.1-1+b1\nConffiles:\n /etc/x 0123456789abcdef0123456789abcdef\n /etc/old 0123456789abcdef0123456789abcdef obsolete\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n",
		"/.\n/usr\n/usr/bin/ls\n", "0123456789abcdef0123456789abcdef  usr/bin/ls\nbad line\n", "/usr/bin/x\n/usr/bin/x.distrib\nfoo\n/etc/y\n/etc/y.local\n:\n")
	f.Add("Package: a\r\nVersion: 1\r\n continued\r\n", "relative/path\n../../x\n", "ZZZZ  /etc/passwd\n", "\n\n\n")
	f.Fuzz(func(t *testing.T, status, list, md5s, diversions string) {
		for _, p := range parseDpkgStatus(status, dpkgStatus) {
			if p.Name == "" || p.Version == "" || p.Ecosystem != Deb {
				t.Fatalf("package %+v", p)
			}
			checkFiles(t, p.Name, p.Files)
		}
		for _, p := range parseList(list) {
			if p != path.Clean(p) {
				t.Fatalf("list path %q not clean", p)
			}
		}
		for p, sum := range parseMD5sums(md5s) {
			if !cleanAbs(p) || !isLowerHex(sum, 32) {
				t.Fatalf("md5sums %q -> %q", p, sum)
			}
		}
		for _, d := range parseDiversions(diversions) {
			if d.From != path.Clean(d.From) || d.To != path.Clean(d.To) {
				t.Fatalf("diversion %+v", d)
			}
		}
	})
}

// FuzzAPKInstalled feeds /lib/apk/db/installed: every package has a name, every file a clean
// absolute path and a sha1 or sha256 when it has a checksum.
func FuzzAPKInstalled(f *testing.F) {
	f.Add("P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nF:lib\nR:libc.musl-x86_64.so.1\nZ:Q1y8S3a/LGk3GKTLU39J5Ynhb7+aY=\n\nP:busybox\nV:1\nF:bin\nR:busybox\nZ:Q2AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	f.Add("R:orphan\nZ:Q1\nP:\nF:../../etc\nR:../shadow\n")
	f.Fuzz(func(t *testing.T, text string) {
		for _, p := range parseAPKInstalled(text) {
			if p.Name == "" || p.Ecosystem != APK || p.Source == p.Name {
				t.Fatalf("package %+v", p)
			}
			checkFiles(t, p.Name, p.Files)
		}
	})
}

// FuzzPythonMetadata feeds a METADATA and a RECORD: a package read has a name and version; every
// RECORD path is clean and absolute below nothing it cannot name, with a sha256 when it has one.
func FuzzPythonMetadata(f *testing.F) {
	f.Add("Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nLong description\nName: not-this\n",
		"requests/__init__.py,sha256=I4a8O6k2xRrHl5dC1QJdoCD8-bXdDNGo-VmkYpcmcxU,4994\nrequests-2.31.0.dist-info/RECORD,,\n")
	f.Add("Name:\nVersion: 1\n", "\"unterminated,quote\n../../../../etc/passwd,sha256=,1\n")
	f.Fuzz(func(t *testing.T, metadata, record string) {
		if p, ok := parsePythonMetadata(metadata, "/site/x.dist-info/METADATA"); ok && (p.Name == "" || p.Version == "") {
			t.Fatalf("package %+v", p)
		}
		checkFiles(t, "RECORD", parseRecord(record, "/usr/lib/python3/site-packages"))
	})
}

// FuzzPackageJSON feeds a package.json: a package read has a name and a version.
func FuzzPackageJSON(f *testing.F) {
	f.Add([]byte(`{"name": "lodash", "version": "4.17.21", "dependencies": {"x": "1"}}`))
	f.Add([]byte(`{"name": ["not", "a string"], "version": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, ok := parsePackageJSON(data, "/app/node_modules/x/package.json"); ok && (p.Name == "" || p.Version == "" || p.Ecosystem != NPM) {
			t.Fatalf("package %+v", p)
		}
	})
}

// elfWithData is a minimal ELF64 executable whose one writable segment, the .go.buildinfo
// section, holds data: what debug/buildinfo looks for.
func elfWithData(data []byte) []byte {
	le := binary.LittleEndian
	const ehdr, phdr, shdr = 64, 56, 64
	names := "\x00.shstrtab\x00.go.buildinfo\x00"
	namesOff := ehdr + phdr
	dataOff := (namesOff + len(names) + 15) &^ 15
	shOff := (dataOff + len(data) + 7) &^ 7
	out := make([]byte, shOff+3*shdr)
	copy(out, "\x7fELF\x02\x01\x01")
	le.PutUint16(out[16:], 2)    // ET_EXEC
	le.PutUint16(out[18:], 0x3e) // x86-64
	le.PutUint32(out[20:], 1)
	le.PutUint64(out[32:], ehdr) // e_phoff
	le.PutUint64(out[40:], uint64(shOff))
	le.PutUint16(out[52:], ehdr)
	le.PutUint16(out[54:], phdr)
	le.PutUint16(out[56:], 1)
	le.PutUint16(out[58:], shdr)
	le.PutUint16(out[60:], 3)
	le.PutUint16(out[62:], 1)
	const vaddr = 0x10000
	ph := out[ehdr:]
	le.PutUint32(ph, 1) // PT_LOAD
	le.PutUint32(ph[4:], 6)
	le.PutUint64(ph[8:], uint64(dataOff))
	le.PutUint64(ph[16:], vaddr)
	le.PutUint64(ph[32:], uint64(len(data)))
	le.PutUint64(ph[40:], uint64(len(data)))
	copy(out[namesOff:], names)
	copy(out[dataOff:], data)
	sh := out[shOff:]
	le.PutUint32(sh[shdr:], 1) // .shstrtab
	le.PutUint32(sh[shdr+4:], 3)
	le.PutUint64(sh[shdr+24:], uint64(namesOff))
	le.PutUint64(sh[shdr+32:], uint64(len(names)))
	le.PutUint32(sh[2*shdr:], 11) // .go.buildinfo
	le.PutUint32(sh[2*shdr+4:], 1)
	le.PutUint64(sh[2*shdr+8:], 3)
	le.PutUint64(sh[2*shdr+16:], vaddr)
	le.PutUint64(sh[2*shdr+24:], uint64(dataOff))
	le.PutUint64(sh[2*shdr+32:], uint64(len(data)))
	return out
}

// buildInfoOffset is where the .go.buildinfo section of the ELF file exe starts.
func buildInfoOffset(exe []byte) (int, error) {
	ef, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		return 0, err
	}
	sec := ef.Section(".go.buildinfo")
	if sec == nil || !bytes.HasPrefix(exe[sec.Offset:], []byte(GoBuildInfoMagic)) {
		return 0, errors.New("no .go.buildinfo section starting with the magic")
	}
	return int(sec.Offset), nil
}

// FuzzGoBuildInfo feeds a Go binary's bytes (the seed: a minimal ELF file holding this test
// binary's own build information): the packages read are located in the file, the first being
// the standard library.
func FuzzGoBuildInfo(f *testing.F) {
	// The build information is the one in its section: the magic also stands in the test
	// binary's read-only data, as a constant.
	exe, err := os.ReadFile(os.Args[0])
	var i int
	if err == nil {
		i, err = buildInfoOffset(exe)
	}
	if err != nil {
		f.Fatalf("this test binary has no build information to seed with: %v", err)
	}
	seed := elfWithData(exe[i:min(len(exe), i+8<<10)])
	if pkgs := goPackages("/x", seed); len(pkgs) == 0 {
		f.Fatal("the seed's build information does not read")
	}
	f.Add(seed)
	f.Add([]byte("\x7fELF\x02\x01\x01\x00\xff Go buildinf:\x08\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs := goPackages("/usr/local/bin/app", data)
		for i, p := range pkgs {
			if p.Ecosystem != Golang || p.Location != "/usr/local/bin/app" || i == 0 && p.Name != "stdlib" {
				t.Fatalf("package %d: %+v", i, p)
			}
		}
	})
}

func jar(t testing.TB, files map[string]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return b.Bytes()
}

// FuzzJavaArchive feeds a Java archive: every package found has a name and version and is
// located in the archive or an archive nested in it.
func FuzzJavaArchive(f *testing.F) {
	inner := jar(f, map[string]string{"META-INF/maven/org.x/lib/pom.properties": "groupId=org.x\nartifactId=lib\nversion=2.0\n"})
	f.Add(jar(f, map[string]string{
		"META-INF/MANIFEST.MF":              "Manifest-Version: 1.0\r\nImplementation-Title: app\r\nImplementation-Version: 1.\r\n 2\r\nImplementation-Vendor-Id: com.example\r\n\r\nName: x\r\n",
		"BOOT-INF/lib/inner.jar":            string(inner),
		"META-INF/maven/a/b/pom.properties": "# comment\n!bang\nartifactId = b\nversion = 3\n",
	}))
	f.Add(jar(f, map[string]string{"META-INF/MANIFEST.MF": "Bundle-SymbolicName: org.osgi;singleton:=true\nBundle-Version: 1\n"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs := javaPackages("/app/app.jar", data, 0)
		members := map[string]bool{}
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
			for _, m := range zr.File {
				members[m.Name] = true
			}
		}
		for _, p := range pkgs {
			if p.Ecosystem != Maven || p.Name == "" || p.Version == "" {
				t.Fatalf("package %+v", p)
			}
			// A package is the archive's own or one of its members' (one level deep).
			if inner, nested := strings.CutPrefix(p.Location, "/app/app.jar!/"); nested && !members[inner] || !nested && p.Location != "/app/app.jar" {
				t.Fatalf("package %+v located in no member of the archive", p)
			}
		}
	})
}
