package main

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// dpkgFiles renders a dpkg database listing pkgs (name → version → files with content).
func dpkgFiles(pkgs []dpkgPkg) []imagebuild.File {
	var status strings.Builder
	var out []imagebuild.File
	for _, p := range pkgs {
		fmt.Fprintf(&status, "Package: %s\nStatus: install ok installed\nPriority: optional\nSection: utils\nMaintainer: x <x@example.test>\nArchitecture: amd64\nVersion: %s\nDescription: %s\n\n", p.name, p.version, p.name)
		var list, sums strings.Builder
		for path, body := range p.files {
			fmt.Fprintf(&list, "%s\n", path)
			sum := md5.Sum([]byte(body))
			fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), strings.TrimPrefix(path, "/"))
		}
		out = append(out, imagebuild.Reg("var/lib/dpkg/info/"+p.name+".list", list.String()),
			imagebuild.Reg("var/lib/dpkg/info/"+p.name+".md5sums", sums.String()))
	}
	return append(out, imagebuild.Reg("var/lib/dpkg/status", status.String()))
}

type dpkgPkg struct {
	name, version string
	files         map[string]string
}

func programs(files map[string]string) []imagebuild.File {
	var out []imagebuild.File
	for p, body := range files {
		out = append(out, imagebuild.Reg(strings.TrimPrefix(p, "/"), body).WithMode(0o755))
	}
	return out
}

// TestDiffFoldsPackageManagerChanges: a package the suspect's layer installs (checksums
// matching its database) is folded as package-manager noise; a program no package owns ranks
// high; a packaged binary modified later with its checksum list doctored but no new package
// version is not folded.
func TestDiffFoldsPackageManagerChanges(t *testing.T) {
	coreutils := dpkgPkg{"coreutils", "9.1-1", map[string]string{"/usr/bin/ls": "\x7fELF ls v1", "/usr/bin/ps": "\x7fELF ps v1"}}
	base := imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) ADD file:base in / ",
		Files: append(append([]imagebuild.File{imagebuild.Reg("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")},
			programs(coreutils.files)...), dpkgFiles([]dpkgPkg{coreutils})...)}
	origImg := imagebuild.Image{Tags: []string{"example.test/app:1"}, Layers: []imagebuild.Layer{base,
		{CreatedBy: "RUN /bin/sh -c echo app # buildkit", Files: []imagebuild.File{imagebuild.Reg("app/run.sh", "echo hi\n")}}}}

	jq := dpkgPkg{"jq", "1.6-2.1", map[string]string{"/usr/bin/jq": "\x7fELF jq"}}
	doctored := coreutils
	doctored.files = map[string]string{"/usr/bin/ls": "\x7fELF ls v1", "/usr/bin/ps": "\x7fELF ps TROJAN"}
	suspImg := origImg
	suspImg.Layers = []imagebuild.Layer{base, origImg.Layers[1],
		{CreatedBy: "RUN /bin/sh -c apt-get install -y jq # buildkit",
			Files: append(append(programs(jq.files), programs(map[string]string{"/usr/bin/ps": "\x7fELF ps TROJAN", "/usr/sbin/kworkerd": "\x7fELF miner"})...),
				dpkgFiles([]dpkgPkg{doctored, jq})...)}}

	dir := t.TempDir()
	write := func(name string, img imagebuild.Image) string {
		b, err := imagebuild.Build(img)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := imagebuild.WriteDockerArchive(&buf, imagebuild.Classic, b); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o444); err != nil {
			t.Fatal(err)
		}
		return p
	}
	orig, susp := write("orig.tar", origImg), write("susp.tar", suspImg)
	out, errOut, code := strata(t, "diff", "--format", "json", orig, susp)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Files []struct {
			Path  string `json:"path"`
			Score int    `json:"score"`
			Noise bool   `json:"noise"`
			Why   string `json:"why"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for i, f := range doc.Files {
		got[f.Path] = i
		switch f.Path {
		case "/usr/bin/jq":
			if !f.Noise || !strings.Contains(f.Why, "package jq") {
				t.Errorf("jq, installed by apt in the layer with matching checksums, should be folded: %+v", f)
			}
		case "/usr/sbin/kworkerd":
			if f.Noise || f.Score < 85 || !strings.Contains(f.Why, "no package owns it") {
				t.Errorf("an unowned program should rank high: %+v", f)
			}
		case "/usr/bin/ps":
			if f.Noise || f.Score < 50 {
				t.Errorf("a packaged binary changed without a new package version must stay in view: %+v", f)
			}
		}
	}
	for _, p := range []string{"/usr/bin/jq", "/usr/sbin/kworkerd", "/usr/bin/ps"} {
		if _, ok := got[p]; !ok {
			t.Fatalf("%s missing from the diff: %s", p, out)
		}
	}
	if got["/usr/bin/jq"] < got["/usr/sbin/kworkerd"] || got["/usr/bin/jq"] < got["/usr/bin/ps"] {
		t.Errorf("the folded package change should rank below the implants: %v", got)
	}
}
