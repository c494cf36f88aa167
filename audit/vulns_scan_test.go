package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/filesystem"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/audit/vulns"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// A package installed in the base and a later apt step that rewrites /var/lib/dpkg/status:
// the vulnerability keeps the advisory's severity (no "hidden" raise for the older layer) and
// the rewritten database raises no hidden-file finding.
func TestVulnerabilityFindingsAreNotHiddenFiles(t *testing.T) {
	libssl := "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n"
	curl := "Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u5\n"
	recipe := imagebuild.Image{Tags: []string{"example.test/deb:1"}, Config: imagebuild.Config{User: "app"}, Layers: []imagebuild.Layer{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:base in / ", Files: []imagebuild.File{
			imagebuild.Reg("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
			imagebuild.Reg("var/lib/dpkg/status", libssl),
		}},
		{CreatedBy: "RUN /bin/sh -c apt-get install -y curl", Files: []imagebuild.File{
			imagebuild.Reg("var/lib/dpkg/status", libssl+"\n"+curl),
		}},
	}}
	osv := t.TempDir()
	record := `{"id":"DEBIAN-CVE-2099-4001","modified":"2024-06-01T00:00:00Z","upstream":["CVE-2099-4001"],
		"affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.13-1~deb12u1"}]}],
		"ecosystem_specific":{"urgency":"medium"}}]}`
	if err := os.WriteFile(filepath.Join(osv, "DEBIAN-CVE-2099-4001.json"), []byte(record), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := vulns.Open(filepath.Join(t.TempDir(), vulns.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Import(context.Background(), osv, vulns.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	set, err := standard.New(standard.Options{Packages: true, TempDir: t.TempDir(), Vulns: db})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	img, err := forensics.Open(context.Background(), saveImage(t, recipe, nil), forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: set.Analyzers})
	if err != nil {
		t.Fatal(err)
	}
	var vuln *audit.Finding
	for i, f := range res.Findings {
		if f.Rule == filesystem.RuleHidden {
			t.Errorf("hidden-file finding for the rewritten package database: %+v", f)
		}
		if strings.Contains(f.Title, "hidden:") {
			t.Errorf("finding raised as hidden: %s", f.Title)
		}
		if f.Rule == "CVE-2099-4001" {
			vuln = &res.Findings[i]
		}
	}
	if vuln == nil {
		t.Fatalf("no finding for CVE-2099-4001 in %+v", res.Findings)
	}
	if vuln.Severity != audit.Medium || vuln.Layer != 0 || vuln.Vulnerability.LayerDiffID != img.Layers[0].DiffID || vuln.History != 0 {
		t.Errorf("finding %s layer %d (%s) history %d, want the advisory's medium, layer 0 and its diff_id", vuln.Severity, vuln.Layer, vuln.Vulnerability.LayerDiffID, vuln.History)
	}
	if res.Verdict() == audit.VerdictSuspicious {
		t.Errorf("verdict %s: %s", res.Verdict(), res.Headline())
	}
}
