package report_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdxlib"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/forensics/packages"
	"github.com/strata-forensics/strata/internal/npmtools"
)

func init() {
	// go-rpmdb opens sqlite databases under the driver name "sqlite".
	for _, d := range sql.Drivers() {
		if d == "sqlite" {
			return
		}
	}
	sql.Register("sqlite", &sqlite3.SQLiteDriver{})
}

var fixedTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func openImage(t *testing.T, img imagebuild.Image) *forensics.Image {
	t.Helper()
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := imagebuild.WriteOCIArchive(&buf, b); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "image.tar")
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

func sbomDoc(t *testing.T, img imagebuild.Image) report.SBOMDocument {
	t.Helper()
	fi := openImage(t, img)
	res, err := packages.Read(context.Background(), fi, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return report.SBOMDocument{Image: fi, Inventory: res.Inventory, Version: "1.2.3", Time: fixedTime}
}

func render(t *testing.T, format string, doc report.SBOMDocument) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.Render(&b, report.KindSBOM, format, doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const osRelease = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"

// debianSBOMImage is a small Debian: libc6 and a multi-arch pair in the base layer; python3-six
// (which installs the PyPI package six), an app depending on an alternative and a virtual
// package, and an npm package outside any OS package, in the second layer.
func debianSBOMImage() imagebuild.Image {
	stanza := func(name, arch, extra string) string {
		return "Package: " + name + "\nStatus: install ok installed\nArchitecture: " + arch + "\nVersion: 1.0-1\n" + extra + "\n\n"
	}
	base := stanza("libc6", "amd64", "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>") +
		stanza("libc6", "i386", "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>") +
		stanza("mawk", "amd64", "Maintainer: Boyuan Yang <byang@debian.org>\nProvides: awk\nDepends: libc6 (>= 2.34)")
	more := base +
		stanza("python3-six", "all", "Maintainer: Debian Python Team <team+python@tracker.debian.org>") +
		stanza("app", "amd64", "Maintainer: Jane Doe <jane@example.test>\nDepends: libc6, nothere | mawk, awk, python3-six")
	dep5 := func(l string) string {
		return "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2024 X\nLicense: " + l + "\n"
	}
	return imagebuild.Image{Tags: []string{"example.test/sbom:1"}, Layers: []imagebuild.Layer{
		{CreatedBy: "ADD rootfs.tar /", Files: []imagebuild.File{
			imagebuild.Reg("etc/os-release", osRelease),
			imagebuild.Reg("var/lib/dpkg/status", base),
			imagebuild.Reg("usr/share/doc/libc6/copyright", dep5("LGPL-2.1+ and GPL-2+")),
			imagebuild.Reg("usr/share/doc/mawk/copyright", dep5("GPL-2")),
		}},
		{CreatedBy: "RUN apt-get install -y app python3-six", Files: []imagebuild.File{
			imagebuild.Reg("var/lib/dpkg/status", more),
			imagebuild.Reg("var/lib/dpkg/info/python3-six.list", "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA\n"),
			imagebuild.Reg("usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n\n"),
			imagebuild.Reg("usr/share/doc/python3-six/copyright", dep5("Expat")),
			imagebuild.Reg("usr/share/doc/app/copyright", dep5("GPL-2+ with distribution exception, or odd-license")),
			imagebuild.Reg("app/node_modules/left-pad/package.json", `{"name":"left-pad","version":"1.3.0","license":"WTFPL"}`),
			imagebuild.Reg("srv/node_modules/left-pad/package.json", `{"name":"left-pad","version":"1.3.0","license":"WTFPL"}`),
		}},
	}}
}

func emptyImage() imagebuild.Image {
	return imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{imagebuild.Reg("hello.txt", "hello\n")}}}}
}

type cdxBOM struct {
	BOMFormat    string `json:"bomFormat"`
	SpecVersion  string `json:"specVersion"`
	SerialNumber string `json:"serialNumber"`
	Metadata     struct {
		Timestamp string `json:"timestamp"`
		Component struct {
			BOMRef string `json:"bom-ref"`
			Type   string `json:"type"`
		} `json:"component"`
	} `json:"metadata"`
	Components []struct {
		BOMRef   string `json:"bom-ref"`
		Type     string `json:"type"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Supplier *struct {
			Name    string `json:"name"`
			Contact []struct {
				Email string `json:"email"`
			} `json:"contact"`
		} `json:"supplier"`
		Licenses []struct {
			License *struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"license"`
			Expression string `json:"expression"`
		} `json:"licenses"`
		Properties []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"properties"`
	} `json:"components"`
	Dependencies []struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	} `json:"dependencies"`
}

func (b *cdxBOM) component(name string) (int, bool) {
	for i, c := range b.Components {
		if c.Name == name {
			return i, true
		}
	}
	return -1, false
}

func (b *cdxBOM) dependsOn(ref string) ([]string, bool) {
	for _, d := range b.Dependencies {
		if d.Ref == ref {
			return d.DependsOn, true
		}
	}
	return nil, false
}

func (b *cdxBOM) property(i int, name string) string {
	for _, p := range b.Components[i].Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

func TestCycloneDX(t *testing.T) {
	validate := schemaValidator(t)
	for _, version := range report.CycloneDXVersions() {
		t.Run(version, func(t *testing.T) {
			doc := sbomDoc(t, debianSBOMImage())
			doc.CycloneDXVersion = version
			out := render(t, "cyclonedx", doc)
			validate.cyclonedx(t, version, out)
			var b cdxBOM
			if err := json.Unmarshal(out, &b); err != nil {
				t.Fatal(err)
			}
			if b.SpecVersion != version || b.Metadata.Timestamp != "2026-03-04T05:06:07Z" || !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(b.SerialNumber) {
				t.Errorf("specVersion %s, timestamp %s, serial %s", b.SpecVersion, b.Metadata.Timestamp, b.SerialNumber)
			}
			img := b.Metadata.Component.BOMRef
			osIdx, ok := b.component("debian")
			if !ok || b.Components[osIdx].Type != "operating-system" || b.Components[osIdx].Version != "12" {
				t.Fatalf("no operating-system component debian 12: %+v", b.Components)
			}
			osRef := b.Components[osIdx].BOMRef
			ref := func(name string) string {
				i, ok := b.component(name)
				if !ok {
					t.Fatalf("no component %s", name)
				}
				return b.Components[i].BOMRef
			}
			// The image holds the OS and the npm packages; the OS holds its packages; python3-six
			// holds the PyPI package it installed; app depends on what it resolves to.
			top, _ := b.dependsOn(img)
			if !contains(top, osRef) || contains(top, ref("app")) || contains(top, ref("six")) {
				t.Errorf("image depends on %q", top)
			}
			npm := 0
			for _, r := range top {
				if strings.HasPrefix(r, "pkg:npm/left-pad@1.3.0") {
					npm++
				}
			}
			if npm != 2 {
				t.Errorf("image holds %d left-pad copies, want 2 with distinct refs: %q", npm, top)
			}
			osDeps, _ := b.dependsOn(osRef)
			if len(osDeps) != 5 || !contains(osDeps, ref("app")) || contains(osDeps, ref("six")) {
				t.Errorf("OS holds %q, want the 5 deb packages", osDeps)
			}
			appDeps, ok := b.dependsOn(ref("app"))
			libc6amd64 := "pkg:deb/debian/libc6@1.0-1?arch=amd64&distro=debian-12"
			if want := []string{libc6amd64, ref("mawk"), ref("python3-six")}; !ok || fmt.Sprint(appDeps) != fmt.Sprint(want) {
				t.Errorf("app depends on %q, want %q", appDeps, want)
			}
			if six, _ := b.dependsOn(ref("python3-six")); fmt.Sprint(six) != fmt.Sprint([]string{ref("six")}) {
				t.Errorf("python3-six holds %q", six)
			}
			if d, ok := b.dependsOn(ref("six")); ok {
				t.Errorf("a language package's needs are unknown, yet the graph says %q", d)
			}
			// Licenses: ids, names, expressions; supplier; the layer by diff_id.
			i, _ := b.component("mawk")
			c := b.Components[i]
			if len(c.Licenses) != 1 || c.Licenses[0].License == nil || c.Licenses[0].License.ID != "GPL-2.0-only" {
				t.Errorf("mawk licenses %+v", c.Licenses)
			}
			if c.Supplier == nil || c.Supplier.Name != "Boyuan Yang" || len(c.Supplier.Contact) != 1 || c.Supplier.Contact[0].Email != "byang@debian.org" {
				t.Errorf("mawk supplier %+v", c.Supplier)
			}
			if got, want := b.property(i, "strata:layer:diff_id"), doc.Image.Layers[0].ContentID(); got != want || want == "" || b.property(i, "strata:layer:index") != "0" {
				t.Errorf("mawk layer %q (index %q), want %q (0)", got, b.property(i, "strata:layer:index"), want)
			}
			i, _ = b.component("app")
			if c := b.Components[i]; len(c.Licenses) != 1 || c.Licenses[0].Expression != "LicenseRef-GPL-2-with-distribution-exception OR LicenseRef-odd-license" {
				t.Errorf("app licenses %+v", c.Licenses)
			}
			if got, want := b.property(i, "strata:layer:diff_id"), doc.Image.Layers[1].ContentID(); got != want {
				t.Errorf("app layer %q, want %q", got, want)
			}
			i, _ = b.component("left-pad")
			if c := b.Components[i]; len(c.Licenses) != 1 || c.Licenses[0].License == nil || c.Licenses[0].License.ID != "WTFPL" {
				t.Errorf("left-pad licenses %+v", c.Licenses)
			}
		})
	}
}

func TestEmptyImageSBOM(t *testing.T) {
	doc := sbomDoc(t, emptyImage())
	out := render(t, "spdx", doc)
	checkSPDX(t, out)
	if !bytes.Contains(out, []byte(`"relationshipType": "DESCRIBES"`)) {
		t.Errorf("no DESCRIBES:\n%s", out)
	}
	validate := schemaValidator(t)
	for _, version := range report.CycloneDXVersions() {
		doc.CycloneDXVersion = version
		out := render(t, "cyclonedx", doc)
		validate.cyclonedx(t, version, out)
		var b cdxBOM
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &raw); err != nil {
			t.Fatal(err)
		}
		if string(raw["components"]) != "[]" {
			t.Errorf("%s: components = %s, want []", version, raw["components"])
		}
		if d, ok := b.dependsOn(b.Metadata.Component.BOMRef); !ok || len(d) != 0 {
			t.Errorf("%s: the image's dependencies %q %v, want an empty entry", version, d, ok)
		}
	}
}

func TestSPDX(t *testing.T) {
	doc := sbomDoc(t, debianSBOMImage())
	out := render(t, "spdx", doc)
	checkSPDX(t, out)
	var d struct {
		CreationInfo struct{ Created string } `json:"creationInfo"`
		Packages     []struct {
			SPDXID                string `json:"SPDXID"`
			Name                  string `json:"name"`
			Supplier              string `json:"supplier"`
			LicenseDeclared       string `json:"licenseDeclared"`
			PrimaryPackagePurpose string `json:"primaryPackagePurpose"`
			SourceInfo            string `json:"sourceInfo"`
		} `json:"packages"`
		Relationships []struct {
			A    string `json:"spdxElementId"`
			Kind string `json:"relationshipType"`
			B    string `json:"relatedSpdxElement"`
		} `json:"relationships"`
		Extracted []struct {
			LicenseID string `json:"licenseId"`
		} `json:"hasExtractedLicensingInfos"`
	}
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	if d.CreationInfo.Created != "2026-03-04T05:06:07Z" {
		t.Errorf("created %s", d.CreationInfo.Created)
	}
	id := map[string]string{}
	for _, p := range d.Packages {
		if _, dup := id[p.Name]; !dup {
			id[p.Name] = p.SPDXID
		}
		switch p.Name {
		case "app":
			if p.Supplier != "Person: Jane Doe (jane@example.test)" || p.LicenseDeclared != "LicenseRef-GPL-2-with-distribution-exception OR LicenseRef-odd-license" {
				t.Errorf("app: %+v", p)
			}
			if !strings.Contains(p.SourceInfo, doc.Image.Layers[1].ContentID()) {
				t.Errorf("app source info %q names no diff_id", p.SourceInfo)
			}
		case "libc6":
			if p.Supplier != "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)" || p.LicenseDeclared != "LGPL-2.1-or-later AND GPL-2.0-or-later" {
				t.Errorf("libc6: %+v", p)
			}
		case "debian":
			if p.PrimaryPackagePurpose != "OPERATING_SYSTEM" {
				t.Errorf("debian: %+v", p)
			}
		case "example.test/sbom:1":
			if p.PrimaryPackagePurpose != "CONTAINER" {
				t.Errorf("image: %+v", p)
			}
		}
	}
	has := func(a, kind, b string) bool {
		for _, r := range d.Relationships {
			if r.A == a && r.Kind == kind && r.B == b {
				return true
			}
		}
		return false
	}
	img, osID := id["example.test/sbom:1"], id["debian"]
	for _, r := range []struct{ a, kind, b string }{
		{"SPDXRef-DOCUMENT", "DESCRIBES", img}, {img, "CONTAINS", osID}, {osID, "CONTAINS", id["app"]},
		{id["app"], "DEPENDS_ON", id["mawk"]}, {id["app"], "DEPENDS_ON", id["python3-six"]}, {id["python3-six"], "CONTAINS", id["six"]},
		{img, "CONTAINS", id["left-pad"]},
	} {
		if !has(r.a, r.kind, r.b) {
			t.Errorf("no relationship %s %s %s", r.a, r.kind, r.b)
		}
	}
	if has(img, "CONTAINS", id["app"]) || has(img, "CONTAINS", id["six"]) {
		t.Error("the image holds OS packages directly")
	}
	var refs []string
	for _, e := range d.Extracted {
		refs = append(refs, e.LicenseID)
	}
	if want := []string{"LicenseRef-GPL-2-with-distribution-exception", "LicenseRef-odd-license"}; fmt.Sprint(refs) != fmt.Sprint(want) {
		t.Errorf("extracted licenses %q, want %q", refs, want)
	}
}

func TestSBOMTimeAndVersion(t *testing.T) {
	doc := sbomDoc(t, emptyImage())
	doc.Time = time.Time{}
	before := time.Now().UTC().Truncate(time.Second)
	out := render(t, "cyclonedx", doc)
	after := time.Now().UTC()
	var b cdxBOM
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	ts, err := time.Parse(time.RFC3339, b.Metadata.Timestamp)
	if err != nil || ts.Before(before) || ts.After(after) {
		t.Errorf("timestamp %s, want now (between %s and %s), not the image's creation time %s", b.Metadata.Timestamp, before, after, doc.Image.Created)
	}
	doc.CycloneDXVersion = "1.5"
	if err := report.Render(&bytes.Buffer{}, report.KindSBOM, "cyclonedx", doc); err == nil || !strings.Contains(err.Error(), "1.7 or 1.6") {
		t.Errorf("CycloneDX 1.5: %v, want an error naming the versions", err)
	}
	// Two documents of one image made at the same time are the same; at another time, another serial.
	doc.CycloneDXVersion, doc.Time = "", fixedTime
	if a, b := render(t, "spdx", doc), render(t, "spdx", doc); !bytes.Equal(a, b) {
		t.Error("the same time gives different documents")
	}
	one := render(t, "cyclonedx", doc)
	doc.Time = fixedTime.Add(time.Second)
	if two := render(t, "cyclonedx", doc); bytes.Equal(one[:200], two[:200]) {
		t.Error("another time gives the same serial number")
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// checkSPDX checks an SPDX 2.3 JSON document: the official SPDX 2.3 JSON schemas accept it,
// the SPDX project's Go library reads it back and validates its identifiers and
// relationships, and the rules of the 2.3 specification that
// its JSON schema states are checked on the JSON itself (required fields, identifier and date
// forms, relationship and purpose vocabularies, licenses as SPDX expressions with every
// LicenseRef defined).
func checkSPDX(t *testing.T, out []byte) {
	t.Helper()
	validateSPDXSchema(t, out)
	doc, err := spdxjson.Read(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("tools-golang cannot read the document: %v", err)
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		t.Errorf("spdxlib: %v", err)
	}
	var d map[string]any
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"SPDXID", "spdxVersion", "dataLicense", "name", "documentNamespace", "creationInfo"} {
		if _, ok := d[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	if d["spdxVersion"] != "SPDX-2.3" || d["dataLicense"] != "CC0-1.0" || d["SPDXID"] != "SPDXRef-DOCUMENT" {
		t.Errorf("header %v %v %v", d["spdxVersion"], d["dataLicense"], d["SPDXID"])
	}
	date := regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$`)
	ci, _ := d["creationInfo"].(map[string]any)
	if created, _ := ci["created"].(string); !date.MatchString(created) {
		t.Errorf("created %q", ci["created"])
	}
	if creators, _ := ci["creators"].([]any); len(creators) == 0 {
		t.Error("no creators")
	}
	idRE := regexp.MustCompile(`^SPDXRef-[a-zA-Z0-9.-]+$`)
	ids := map[string]bool{"SPDXRef-DOCUMENT": true}
	defined := map[string]bool{}
	for _, e := range asList(d["hasExtractedLicensingInfos"]) {
		if e["extractedText"] == nil || e["licenseId"] == nil {
			t.Errorf("extracted license %v lacks extractedText or licenseId", e)
		}
		defined[fmt.Sprint(e["licenseId"])] = true
	}
	purposes := "APPLICATION FRAMEWORK LIBRARY CONTAINER OPERATING_SYSTEM DEVICE FIRMWARE SOURCE ARCHIVE FILE INSTALL OTHER"
	for _, p := range asList(d["packages"]) {
		id, _ := p["SPDXID"].(string)
		if !idRE.MatchString(id) || ids[id] {
			t.Errorf("package id %q malformed or repeated", id)
		}
		ids[id] = true
		if p["name"] == nil || p["downloadLocation"] == nil {
			t.Errorf("package %s lacks name or downloadLocation", id)
		}
		if s, ok := p["supplier"].(string); ok && !regexp.MustCompile(`^(Person|Organization): .+|NOASSERTION$`).MatchString(s) {
			t.Errorf("package %s supplier %q", id, s)
		}
		if pp, ok := p["primaryPackagePurpose"].(string); ok && !strings.Contains(" "+purposes+" ", " "+pp+" ") {
			t.Errorf("package %s purpose %q", id, pp)
		}
		for _, k := range []string{"licenseDeclared", "licenseConcluded"} {
			l, ok := p[k].(string)
			if !ok || l == "NOASSERTION" || l == "NONE" {
				continue
			}
			if !packages.ValidLicenseExpression(l) {
				t.Errorf("package %s %s %q is not an SPDX expression", id, k, l)
			}
			for _, f := range strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == '(' || r == ')' }) {
				if strings.HasPrefix(f, "LicenseRef-") && !defined[f] {
					t.Errorf("package %s uses %s, not defined in hasExtractedLicensingInfos", id, f)
				}
			}
		}
	}
	kinds := "DESCRIBES CONTAINS DEPENDS_ON"
	describes := false
	for _, r := range asList(d["relationships"]) {
		a, _ := r["spdxElementId"].(string)
		b, _ := r["relatedSpdxElement"].(string)
		k, _ := r["relationshipType"].(string)
		if !ids[a] || !ids[b] || !strings.Contains(kinds, k) {
			t.Errorf("relationship %s %s %s names an unknown element or kind", a, k, b)
		}
		describes = describes || (a == "SPDXRef-DOCUMENT" && k == "DESCRIBES")
	}
	if !describes {
		t.Error("the document DESCRIBES nothing")
	}
}

func asList(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// validator runs the CycloneDX project's own JSON validator (@cyclonedx/cyclonedx-library's
// JsonStrictValidator, with the official schemas it ships, on ajv) under node.
type validator struct{ dir string }

var (
	validatorOnce sync.Once
	validatorDir  string
	validatorErr  string
)

// The npm packages the validator is installed from, pinned.
var validatorPackages = []string{"@cyclonedx/cyclonedx-library@10.3.0", "ajv@8.20.0", "ajv-formats@3.0.1", "ajv-formats-draft2019@1.6.1"}

const validateScript = `'use strict'
// Strata's test driver: validates a CycloneDX JSON file with the CycloneDX library's strict validator.
const fs = require('fs')
const CDX = require('@cyclonedx/cyclonedx-library')
const [version, file] = process.argv.slice(2)
new CDX.Validation.JsonStrictValidator(version).validate(fs.readFileSync(file, 'utf8')).then(
  (err) => { if (err === null) { console.log('valid'); process.exit(0) } console.log(JSON.stringify(err, null, 1)); process.exit(1) },
  (e) => { console.error(String(e)); process.exit(2) })
`

// schemaValidator installs the validator once under the repository's .cache (npm, from the
// registry the first time) and skips the test, saying why, when node or npm is missing or the
// install fails.
func schemaValidator(t *testing.T) *validator {
	t.Helper()
	validatorOnce.Do(func() {
		dir, err := npmtools.Install(filepath.Join("..", "..", ".cache", "sbom-validator"), validatorPackages,
			map[string]string{"validate.cjs": validateScript}, "CycloneDX validator", "the CycloneDX schema validation")
		if err != nil {
			validatorErr = err.Error()
			return
		}
		validatorDir = dir
	})
	if validatorErr != "" {
		t.Skip(validatorErr)
	}
	v := &validator{dir: validatorDir}
	// The validator must refuse what the schema refuses: components null, as Strata once wrote.
	if ok, _ := v.run(t, "1.6", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":null}`)); ok {
		t.Fatal("the validator accepts a document with components null")
	}
	return v
}

func (v *validator) run(t *testing.T, version string, doc []byte) (bool, string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "bom.cdx.json")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(v.dir, "validate.cjs"), version, f)
	cmd.Dir = v.dir
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		return false, string(out)
	}
	if err != nil {
		t.Fatalf("running the validator: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out)) == "valid", string(out)
}

func (v *validator) cyclonedx(t *testing.T, version string, doc []byte) {
	t.Helper()
	if ok, msg := v.run(t, version, doc); !ok {
		if len(msg) > 4000 {
			msg = msg[:4000] + "..."
		}
		t.Errorf("CycloneDX %s schema validation failed:\n%s", version, msg)
	}
}

// debianRootfs returns a Debian bookworm minbase root filesystem tar, built once with
// mmdebstrap and cached in STRATA_DEBIAN_CACHE, else the repository's .cache/debian (the file
// forensics/packages' tests share); the test is skipped when it cannot be built.
func debianRootfs(t *testing.T) string {
	t.Helper()
	p, err := imagebuild.DebianRootfs(imagebuild.DebianCacheDir(), "bookworm-minbase.tar", 20*time.Minute, "--variant=minbase", "bookworm")
	if err != nil {
		t.Skipf("the Debian root filesystem this test reads cannot be built here: %v", err)
	}
	return p
}

// TestRealDebianSBOM makes the SBOMs of a real bookworm image: licenses for at least 95% of
// the Debian packages (from their copyright files), and documents the official CycloneDX
// schemas and the SPDX checks accept.
func TestRealDebianSBOM(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a real Debian root filesystem")
	}
	rootfs, err := os.ReadFile(debianRootfs(t))
	if err != nil {
		t.Fatal(err)
	}
	fi := openImage(t, imagebuild.Image{Tags: []string{"example.test/debian:bookworm"}, Layers: []imagebuild.Layer{
		{Raw: rootfs, CreatedBy: "mmdebstrap --variant=minbase bookworm"},
		{Files: []imagebuild.File{imagebuild.Reg("etc/motd", "hello\n")}, CreatedBy: "COPY motd /etc/motd"},
	}})
	start := time.Now()
	res, err := packages.Read(context.Background(), fi, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	doc := report.SBOMDocument{Image: fi, Inventory: res.Inventory, Version: "test"}
	cdx := render(t, "cyclonedx", doc)
	took := time.Since(start)
	debs, licensed, supplied, depending := 0, 0, 0, 0
	for _, p := range res.Inventory.Packages {
		if p.Ecosystem != packages.Deb {
			continue
		}
		debs++
		if len(p.Licenses) > 0 {
			licensed++
		} else {
			t.Logf("no license: %s", p.Name)
		}
		if p.Supplier != "" {
			supplied++
		}
		if len(p.Dependencies) > 0 {
			depending++
		}
	}
	t.Logf("%d Debian packages: %d with licenses (%.1f%%), %d with a supplier, %d with dependencies; read and CycloneDX in %s",
		debs, licensed, 100*float64(licensed)/float64(max(debs, 1)), supplied, depending, took.Round(time.Millisecond))
	if debs < 50 || licensed*100 < debs*95 || supplied != debs || depending*2 < debs {
		t.Errorf("%d packages, %d with licenses (want 95%%), %d with a supplier (want all), %d with dependencies", debs, licensed, supplied, depending)
	}
	if res.Inventory.OS.ID != "debian" || res.Inventory.OS.VersionID != "12" {
		t.Errorf("OS %+v", res.Inventory.OS)
	}
	checkSPDX(t, render(t, "spdx", doc))
	validate := schemaValidator(t)
	validate.cyclonedx(t, report.CycloneDXVersions()[0], cdx)
	doc.CycloneDXVersion = "1.6"
	validate.cyclonedx(t, "1.6", render(t, "cyclonedx", doc))
}
