package accept_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/accept"
	"github.com/strata-forensics/strata/forensics"
)

var now = time.Date(2025, 3, 15, 12, 0, 0, 0, time.UTC)

const (
	manifestDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	configDigest   = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

func vulnFinding(id string, sev audit.Severity, pkg, installed, fixed string, advisories []string, bins ...string) audit.Finding {
	v := &audit.Vulnerability{ID: id, Advisories: advisories, Aliases: []string{}, Ecosystem: "Debian:12", Package: pkg,
		Installed: installed, Fixed: fixed, Status: audit.StatusFixed, Database: "/var/lib/dpkg/status"}
	if fixed == "" {
		v.Status = audit.StatusAffected
	}
	for _, b := range bins {
		v.Binaries = append(v.Binaries, audit.VulnerablePackage{Name: b, Version: installed, Arch: "amd64",
			PURL: "pkg:deb/debian/" + b + "@" + strings.ReplaceAll(installed, "+", "%2B") + "?arch=amd64&distro=debian-12"})
	}
	return audit.Finding{Rule: id, Category: audit.CategoryVulnerability, Severity: sev, Layer: 0, Path: "/var/lib/dpkg/status",
		Title: id + " in " + pkg, Vulnerability: v}
}

func result() *audit.Result {
	return &audit.Result{
		Image: &forensics.Image{Digest: manifestDigest, ConfigDigest: configDigest, Tags: []string{"registry.example.test/team/app:1.4"}},
		Findings: []audit.Finding{
			vulnFinding("CVE-2024-28085", audit.Medium, "util-linux", "2.38.1-5", "2.38.1-5+deb12u1", []string{"DEBIAN-CVE-2024-28085"}, "bsdutils", "util-linux"),
			vulnFinding("CVE-2023-5678", audit.Medium, "openssl", "3.0.11-1~deb12u2", "3.0.13-1~deb12u1", []string{"DEBIAN-CVE-2023-5678", "DSA-9001-1"}, "libssl3", "openssl"),
			vulnFinding("CVE-2099-0001", audit.Low, "glibc", "2.36-9+deb12u4", "", []string{"DEBIAN-CVE-2099-0001"}, "libc6"),
			vulnFinding("CVE-2099-0002", audit.Critical, "zlib", "1:1.2.13.dfsg-1", "", []string{"DEBIAN-CVE-2099-0002"}, "zlib1g"),
			{Rule: "STRATA-SE-018", Category: audit.CategorySecret, Severity: audit.Medium, Layer: 2, Path: "/app/config/db.env.example", Title: "secret-named setting"},
			{Rule: "STRATA-SE-018", Category: audit.CategorySecret, Severity: audit.Medium, Layer: 2, Path: "/app/config/prod.env", Title: "secret-named setting"},
			{Rule: "STRATA-FS-001", Category: audit.CategorySUID, Severity: audit.High, Layer: 3, Path: "/opt/tool/bin/helper", Title: "setuid"},
		},
	}
}

// outcome lists what is still open and what was set aside, by rule and path or package.
func outcome(r *audit.Result) (open, accepted []string) {
	name := func(f audit.Finding) string {
		if f.Vulnerability != nil {
			return f.Rule + " " + f.Vulnerability.Package
		}
		return f.Rule + " " + f.Path
	}
	for _, f := range r.Findings {
		open = append(open, name(f))
	}
	for _, a := range r.Accepted {
		accepted = append(accepted, name(a.Finding)+" by "+a.By+": "+a.Reason)
	}
	sort.Strings(open)
	sort.Strings(accepted)
	return open, accepted
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIgnoreFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, accept.DefaultFile, `# accepted risks of team/app
CVE-2024-28085 package=bsdutils expires=2025-06-30 wall is not setgid in this image
DSA-9001-1 expires=2025-03-14 waiting for the rebuild
STRATA-SE-018 path=/app/config/*.example reason: example values, not secrets
STRATA-FS-001 path=/opt/tool/ vendor helper, setuid by design (ticket SEC-12)
CVE-2099-0002 package=libc6 wrong package: must not match zlib
`)
	p, err := accept.Load(accept.Options{Dir: dir, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if p.File != filepath.Join(dir, accept.DefaultFile) || len(p.Entries) != 5 {
		t.Fatalf("loaded %s with %d entries", p.File, len(p.Entries))
	}
	r := result()
	warnings := accept.Apply(r, p)
	open, accepted := outcome(r)
	wantOpen := []string{"CVE-2023-5678 openssl", "CVE-2099-0001 glibc", "CVE-2099-0002 zlib", "STRATA-SE-018 /app/config/prod.env"}
	wantAccepted := []string{
		"CVE-2024-28085 util-linux by ignore-file: wall is not setgid in this image",
		"STRATA-FS-001 /opt/tool/bin/helper by ignore-file: vendor helper, setuid by design (ticket SEC-12)",
		"STRATA-SE-018 /app/config/db.env.example by ignore-file: example values, not secrets",
	}
	if fmt.Sprint(open) != fmt.Sprint(wantOpen) || fmt.Sprint(accepted) != fmt.Sprint(wantAccepted) {
		t.Errorf("open %q\nwant %q\naccepted %q\nwant %q", open, wantOpen, accepted, wantAccepted)
	}
	// The DSA entry expired yesterday: its finding is open again, and a warning says so.
	if len(warnings) != 1 || !strings.Contains(warnings[0], ".strataignore:3") || !strings.Contains(warnings[0], "expired on 2025-03-14") {
		t.Errorf("warnings %q, want one for the expired DSA-9001-1 entry at line 3", warnings)
	}
	for _, a := range r.Accepted {
		if a.Finding.Rule == "CVE-2024-28085" && (a.Expires.Format(time.DateOnly) != "2025-06-30" || !strings.HasSuffix(a.Source, ".strataignore:2")) {
			t.Errorf("accepted util-linux: expires %s, source %s", a.Expires, a.Source)
		}
	}
	// An entry holds through its last day.
	p.Now = time.Date(2025, 6, 30, 23, 59, 0, 0, time.UTC)
	r = result()
	if w := accept.Apply(r, p); len(w) != 1 {
		t.Errorf("on the last day of the util-linux entry: warnings %q, want only the DSA one", w)
	}
	p.Now = time.Date(2025, 7, 1, 0, 0, 1, 0, time.UTC)
	r = result()
	if w := accept.Apply(r, p); len(w) != 2 {
		t.Errorf("the day after: warnings %q, want both entries expired", w)
	}
}

func TestIgnoreFileErrors(t *testing.T) {
	dir := t.TempDir()
	for body, want := range map[string]string{
		"CVE-2024-28085\n":                       "bad:1: CVE-2024-28085: no reason given",
		"\n\nCVE-1 expires=30.06.2025 because\n": "bad:3: expires=30.06.2025: want a date",
		"STRATA-SE-018 path=app/x.env because\n": "bad:1: path=app/x.env: an image path starts with /",
		"path=/x because\n":                      "an entry starts with the rule or advisory id",
		"STRATA-SE-018 path=/app/[x because\n":   "syntax error in pattern",
	} {
		p := writeFile(t, dir, "bad", body)
		_, err := accept.Load(accept.Options{IgnoreFile: p, Now: now})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
	if _, err := accept.Load(accept.Options{IgnoreFile: filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := accept.Load(accept.Options{Severities: "high,severe"}); err == nil || !strings.Contains(err.Error(), "severe") {
		t.Errorf("bad severity: %v", err)
	}
}

func TestIgnoreUnfixedAndSeverity(t *testing.T) {
	p, err := accept.Load(accept.Options{IgnoreUnfixed: true, Severities: "medium,HIGH,critical", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	r := result()
	accept.Apply(r, p)
	open, accepted := outcome(r)
	wantAccepted := []string{
		"CVE-2099-0001 glibc by ignore-unfixed: no fixed version known (affected)",
		"CVE-2099-0002 zlib by ignore-unfixed: no fixed version known (affected)",
	}
	if fmt.Sprint(accepted) != fmt.Sprint(wantAccepted) || len(open) != 5 {
		t.Errorf("accepted %q\nwant %q\nopen %q", accepted, wantAccepted, open)
	}
	// --severity alone: the low glibc finding is set aside; other kinds of findings stay.
	p, _ = accept.Load(accept.Options{Severities: "critical", Now: now})
	r = result()
	accept.Apply(r, p)
	open, _ = outcome(r)
	want := []string{"CVE-2099-0002 zlib", "STRATA-FS-001 /opt/tool/bin/helper", "STRATA-SE-018 /app/config/db.env.example", "STRATA-SE-018 /app/config/prod.env"}
	if fmt.Sprint(open) != fmt.Sprint(want) {
		t.Errorf("--severity critical: open %q, want %q", open, want)
	}
	if r.AtLeast(audit.High) != true || len(r.Accepted) != 3 {
		t.Errorf("verdict counts %d accepted; the setuid finding must still count", len(r.Accepted))
	}
}

func TestVEX(t *testing.T) {
	dir := t.TempDir()
	doc := writeFile(t, dir, "app.openvex.json", `{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.test/vex/app-1.4",
  "author": "Team App",
  "timestamp": "2025-03-01T00:00:00Z",
  "version": 1,
  "statements": [
    {"vulnerability": {"name": "CVE-2024-28085"},
     "products": [{"@id": "pkg:deb/debian/bsdutils"}],
     "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
     "impact_statement": "wall is never run in the container"},
    {"vulnerability": {"name": "DSA-9001-1"},
     "products": [{"@id": "pkg:oci/app@sha256%3A1111111111111111111111111111111111111111111111111111111111111111",
                   "subcomponents": [{"@id": "pkg:deb/debian/openssl?arch=source"}]}],
     "status": "fixed", "status_notes": "patched build"},
    {"vulnerability": {"name": "CVE-2099-0001"},
     "products": [{"@id": "pkg:deb/debian/libc6"}],
     "timestamp": "2025-02-01T00:00:00Z",
     "status": "not_affected", "justification": "component_not_present"},
    {"vulnerability": {"name": "CVE-2099-0001"},
     "products": [{"@id": "pkg:deb/debian/libc6"}],
     "timestamp": "2025-03-10T00:00:00Z",
     "status": "affected", "action_statement": "upgrade when a fix is out"},
    {"vulnerability": {"name": "CVE-2099-0002"},
     "products": [{"@id": "pkg:oci/other@sha256%3A9999999999999999999999999999999999999999999999999999999999999999",
                   "subcomponents": [{"@id": "pkg:deb/debian/zlib1g"}]}],
     "status": "not_affected", "justification": "inline_mitigations_already_exist"}
  ]
}`)
	p, err := accept.Load(accept.Options{VEXFiles: []string{doc}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	r := result()
	accept.Apply(r, p)
	open, accepted := outcome(r)
	wantAccepted := []string{
		"CVE-2023-5678 openssl by vex: fixed: patched build",
		"CVE-2024-28085 util-linux by vex: not_affected: vulnerable_code_not_in_execute_path: wall is never run in the container",
	}
	// glibc: the later statement says affected; zlib: the statement is about another image.
	wantOpen := []string{"CVE-2099-0001 glibc", "CVE-2099-0002 zlib", "STRATA-FS-001 /opt/tool/bin/helper", "STRATA-SE-018 /app/config/db.env.example", "STRATA-SE-018 /app/config/prod.env"}
	if fmt.Sprint(accepted) != fmt.Sprint(wantAccepted) || fmt.Sprint(open) != fmt.Sprint(wantOpen) {
		t.Errorf("accepted %q\nwant %q\nopen %q\nwant %q", accepted, wantAccepted, open, wantOpen)
	}
	if _, err := accept.Load(accept.Options{VEXFiles: []string{writeFile(t, dir, "bad.json", "{not json")}}); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("a bad VEX document: %v", err)
	}
}
