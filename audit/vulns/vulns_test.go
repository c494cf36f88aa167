package vulns_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/vulns"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

func TestOrderings(t *testing.T) {
	tests := []struct {
		eco, a, b string
		want      int
	}{
		{"Debian:12", "1:2.0~rc1-1", "1:2.0-1", -1},
		{"Debian:12", "1:2.0~rc1-1", "2.0-1", 1}, // the epoch wins
		{"Debian:12", "2.0~rc1-1", "2.0~rc1-1", 0},
		{"Debian:12", "2.0~~a", "2.0~", -1},
		{"Debian:12", "7.88.1-10+deb12u5", "7.88.1-10", 1},
		{"Debian:12", "3.0.11-1~deb12u2", "3.0.11-1", -1},
		{"Debian:12", "1.0-1+b1", "1.0-1", 1},
		{"Debian:12", "15+248+deb12u2", "178", -1}, // why a binary version must not stand for its source's
		{"Debian:12", "248+deb12u2", "178", 1},
		{"Alpine:v3.19", "1.36.1-r15", "1.36.1-r2", 1},
		{"Alpine:v3.19", "3.1.4_rc1-r0", "3.1.4-r0", -1},
		{"Alpine:v3.19", "3.1.4_p1-r0", "3.1.4-r0", 1},
		{"PyPI", "1.0a1", "1.0rc1", -1},
		{"PyPI", "1.0", "1.0.post1", -1},
		{"PyPI", "1.0.dev0", "1.0a1", -1},
		{"PyPI", "2.31.0", "2.31", 0},
		{"npm", "1.2.3-beta.1", "1.2.3", -1},
		{"npm", "4.17.20", "4.17.3", 1},
		{"Go", "v0.17.0", "0.9.0", 1},
		{"Red Hat", "1:1.0-1.el9", "2.0-1.el9", 1},
		{"Red Hat", "1.0-1.el9", "1.0-1.el9_1", -1},
	}
	for _, tt := range tests {
		got, err := vulns.OrderingFor(tt.eco)(tt.a, tt.b)
		if err != nil || sign(got) != tt.want {
			t.Errorf("%s: compare(%s, %s) = %d, %v; want %d", tt.eco, tt.a, tt.b, got, err, tt.want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestAffects(t *testing.T) {
	pipVersions := []string{"0.2", "1.5.6", "19.3.1", "20.0", "21.3.1", "22.3.1", "23.0", "23.0.1", "23.1", "23.2.1"}
	tests := []struct {
		name    string
		af      vulns.Affected
		version string
		hit     bool
		fixed   string
	}{
		{"in range", semverRange(introduced("1.0.0"), fixed("1.2.0"), introduced("2.0.0"), lastAffected("2.1.0")), "1.1.9", true, "1.2.0"},
		{"introduced is affected", semverRange(introduced("1.0.0"), fixed("1.2.0")), "1.0.0", true, "1.2.0"},
		{"before introduced", semverRange(introduced("1.0.0"), fixed("1.2.0")), "0.9.0", false, ""},
		{"fixed is not affected", semverRange(introduced("1.0.0"), fixed("1.2.0")), "1.2.0", false, ""},
		{"second interval, last_affected", semverRange(introduced("1.0.0"), fixed("1.2.0"), introduced("2.0.0"), lastAffected("2.1.0")), "2.1.0", true, ""},
		{"past last_affected", semverRange(introduced("1.0.0"), fixed("1.2.0"), introduced("2.0.0"), lastAffected("2.1.0")), "2.1.1", false, ""},
		{"limit", vulns.Affected{Ecosystem: "npm", Ranges: []vulns.Range{{Type: "SEMVER", Events: []vulns.Event{{Introduced: "0"}, {Limit: "3.0.0"}}}}}, "3.0.0", false, ""},
		// PYSEC records list every affected version and give the fix in an ECOSYSTEM range
		// beside a GIT one: the listed version still gets its fix.
		{"versions list with its range's fix", vulns.Affected{Ecosystem: "PyPI", Versions: pipVersions, Ranges: []vulns.Range{
			{Type: "GIT", Events: []vulns.Event{{Introduced: "0"}, {Fixed: "0123abcd"}}},
			{Type: "ECOSYSTEM", Events: []vulns.Event{{Introduced: "0"}, {Fixed: "23.3"}}}}}, "23.0.1", true, "23.3"},
		{"versions list only", vulns.Affected{Ecosystem: "PyPI", Versions: pipVersions}, "23.1", true, ""},
		{"not listed, no range", vulns.Affected{Ecosystem: "PyPI", Versions: pipVersions}, "23.3", false, ""},
		{"Debian unfixed", vulns.Affected{Ecosystem: "Debian:12", Ranges: []vulns.Range{{Type: "ECOSYSTEM", Events: []vulns.Event{{Introduced: "0"}}}}}, "2.38.1-5", true, ""},
		{"Debian epoch in the fix", vulns.Affected{Ecosystem: "Debian:12", Ranges: []vulns.Range{{Type: "ECOSYSTEM", Events: []vulns.Event{{Introduced: "0"}, {Fixed: "1:2.38.1-5+deb12u1"}}}}}, "2.38.1-5+deb12u9", true, "1:2.38.1-5+deb12u1"},
	}
	for _, tt := range tests {
		hit, fix := vulns.Affects(tt.af, tt.version, vulns.OrderingFor(tt.af.Ecosystem))
		if hit != tt.hit || fix != tt.fixed {
			t.Errorf("%s: Affects(%s) = %v, %q; want %v, %q", tt.name, tt.version, hit, fix, tt.hit, tt.fixed)
		}
	}
}

func semverRange(evs ...event) vulns.Affected {
	var out []vulns.Event
	for _, e := range evs {
		out = append(out, vulns.Event{Introduced: e["introduced"], Fixed: e["fixed"], LastAffected: e["last_affected"], Limit: e["limit"]})
	}
	return vulns.Affected{Ecosystem: "npm", Ranges: []vulns.Range{{Type: "SEMVER", Events: out}}}
}

// Stanzas of a bookworm dpkg status, with the real Source and Version fields: binaries whose
// version carries an epoch or a prefix their source's does not, and binNMUs.
var bookwormStanzas = []string{
	"Package: bsdutils\nStatus: install ok installed\nArchitecture: amd64\nSource: util-linux (2.38.1-5)\nVersion: 1:2.38.1-5+b1\n",
	"Package: libblkid1\nStatus: install ok installed\nArchitecture: amd64\nSource: util-linux (2.38.1-5)\nVersion: 2.38.1-5+b1\n",
	"Package: util-linux\nStatus: install ok installed\nArchitecture: amd64\nSource: util-linux (2.38.1-5)\nVersion: 2.38.1-5+b1\n",
	"Package: postgresql-client\nStatus: install ok installed\nArchitecture: all\nSource: postgresql-common (248+deb12u2)\nVersion: 15+248+deb12u2\n",
	"Package: postgresql-client-common\nStatus: install ok installed\nArchitecture: all\nSource: postgresql-common\nVersion: 248+deb12u2\n",
	"Package: libbpf1\nStatus: install ok installed\nArchitecture: amd64\nSource: libbpf (1.1.2-0+deb12u1)\nVersion: 1:1.1.2-0+deb12u1\n",
	"Package: cpp\nStatus: install ok installed\nArchitecture: amd64\nSource: gcc-defaults (1.203)\nVersion: 4:12.2.0-3\n",
	"Package: gcc\nStatus: install ok installed\nArchitecture: amd64\nSource: gcc-defaults (1.203)\nVersion: 4:12.2.0-3\n",
	"Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n",
	"Package: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\n",
}

func debianCVE(cve, pkg, fix, urgency, cvss string) rec {
	events := []event{introduced("0")}
	if fix != "" {
		events = append(events, fixed(fix))
	}
	return rec{ID: "DEBIAN-" + cve, Upstream: []string{cve}, CVSS: cvss, Summary: pkg + ": " + cve,
		Affected: []aff{{Eco: "Debian:12", Name: pkg, Events: events, Urgency: urgency}}}
}

const (
	cvssCritical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" // 9.8
	cvssMedium   = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N" // 5.5
)

// TestSourceMatching holds the cases where a binary's version is not its source's: matching
// compares the source version that the Debian advisories name, and reports the binaries.
func TestSourceMatching(t *testing.T) {
	inv := dpkgInventory(t, strings.Join(bookwormStanzas, "\n"))
	db := openDB(t)
	util := debianCVE("CVE-2024-28085", "util-linux", "2.38.1-5+deb12u1", "low", cvssMedium)
	util.Affected = append(util.Affected, aff{Eco: "Debian:11", Name: "util-linux", Events: []event{introduced("0"), fixed("2.36.1-8+deb11u2")}})
	importDir(t, db, writeExport(t, t.TempDir(),
		// 15+248+deb12u2 sorts below 178 and 210; postgresql-common 248+deb12u2 does not.
		debianCVE("CVE-2016-1255", "postgresql-common", "178", "low", ""),
		debianCVE("CVE-2019-3466", "postgresql-common", "210", "medium", ""),
		// 1:2.38.1-5+b1 sorts above 2.38.1-5+deb12u1; util-linux 2.38.1-5 does not.
		util,
		debianCVE("CVE-2099-1001", "libbpf", "1.1.2-0+deb12u2", "medium", ""),
		debianCVE("CVE-2099-1002", "gcc-defaults", "1.204", "", cvssMedium),
		debianCVE("CVE-2099-1003", "gcc-defaults", "1.203", "", cvssMedium),
	), vulns.ImportOptions{})
	ms, err := db.Match(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	fs := vulns.Findings(ms, inv.OS, nil)
	got := summarize(fs)
	want := []string{
		"CVE-2024-28085 util-linux 2.38.1-5 fixed 2.38.1-5+deb12u1 [bsdutils 1:2.38.1-5+b1, libblkid1 2.38.1-5+b1, util-linux 2.38.1-5+b1] medium",
		"CVE-2099-1001 libbpf 1.1.2-0+deb12u1 fixed 1.1.2-0+deb12u2 [libbpf1 1:1.1.2-0+deb12u1] medium",
		"CVE-2099-1002 gcc-defaults 1.203 fixed 1.204 [cpp 4:12.2.0-3, gcc 4:12.2.0-3] medium",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	for _, f := range fs {
		if f.Vulnerability.Fixed != "" && strings.Contains(f.Remediation, "178") {
			t.Errorf("advises an upgrade to a version older than installed: %s", f.Remediation)
		}
	}
}

// summarize renders vulnerability findings one line each, sorted.
func summarize(fs []audit.Finding) []string {
	var out []string
	for _, f := range fs {
		v := f.Vulnerability
		if v == nil {
			continue
		}
		var bins []string
		for _, b := range v.Binaries {
			bins = append(bins, b.Name+" "+b.Version)
		}
		fix := "none (" + v.Status + ")"
		if v.Fixed != "" {
			fix = v.Fixed
		}
		out = append(out, fmt.Sprintf("%s %s %s fixed %s [%s] %s", v.ID, v.Package, v.Installed, fix, strings.Join(bins, ", "), f.Severity))
	}
	sort.Strings(out)
	return out
}

// A DSA and the DEBIAN-CVE record of the same CVE are one finding; a DSA fixing two CVEs is
// two findings.
func TestFindingsMergeAdvisories(t *testing.T) {
	inv := dpkgInventory(t, strings.Join(bookwormStanzas, "\n"))
	db := openDB(t)
	importDir(t, db, writeExport(t, t.TempDir(),
		rec{ID: "DSA-9001-1", Summary: "openssl - security update", Upstream: []string{"DEBIAN-CVE-2099-2001", "CVE-2099-2001", "DEBIAN-CVE-2099-2002", "CVE-2099-2002"},
			Affected: []aff{{Eco: "Debian:12", Name: "openssl", Events: []event{introduced("0"), fixed("3.0.13-1~deb12u1")}}}},
		debianCVE("CVE-2099-2001", "openssl", "3.0.13-1~deb12u1", "high", cvssCritical),
		debianCVE("CVE-2099-2002", "openssl", "3.0.13-1~deb12u1", "low", ""),
	), vulns.ImportOptions{})
	ms, err := db.Match(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	fs := vulns.Findings(ms, inv.OS, []string{"sha256:layer0"})
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2: %s", len(fs), summarize(fs))
	}
	byID := map[string]audit.Finding{}
	for _, f := range fs {
		byID[f.Rule] = f
	}
	f := byID["CVE-2099-2001"]
	v := f.Vulnerability
	if v == nil || fmt.Sprint(v.Advisories) != "[DEBIAN-CVE-2099-2001 DSA-9001-1]" || fmt.Sprint(v.Aliases) != "[CVE-2099-2002 DEBIAN-CVE-2099-2002]" {
		t.Fatalf("CVE-2099-2001: %+v", v)
	}
	if f.Severity != audit.Critical || v.Severity.Source != vulns.SeverityCVSS || v.Severity.CVSSVector != cvssCritical || v.Severity.CVSSScore != 9.8 || v.Severity.Urgency != "high" {
		t.Errorf("severity %s %+v, want critical from the CVSS vector (9.8), urgency high noted", f.Severity, v.Severity)
	}
	if len(v.Binaries) != 2 || v.Binaries[0].Name != "libssl3" || v.Binaries[1].Name != "openssl" || v.LayerDiffID != "sha256:layer0" || v.Database != "/var/lib/dpkg/status" || v.Ecosystem != "Debian:12" {
		t.Errorf("package fields: %+v", v)
	}
	if g := byID["CVE-2099-2002"]; g.Severity != audit.Low || g.Vulnerability.Severity.Source != vulns.SeverityUrgency {
		t.Errorf("CVE-2099-2002 without CVSS: %s %+v, want low from the urgency", g.Severity, g.Vulnerability.Severity)
	}
}

// Debian's statements on a package in its release: unfixed, unimportant, no-dsa, end-of-life.
func TestDebianStates(t *testing.T) {
	inv := dpkgInventory(t, strings.Join(bookwormStanzas, "\n"))
	db := openDB(t)
	nodsa := debianCVE("CVE-2099-3003", "util-linux", "", "low", "")
	nodsa.Affected[0].NoDSA, nodsa.Affected[0].Reason = "Minor issue", "postponed"
	importDir(t, db, writeExport(t, t.TempDir(),
		debianCVE("CVE-2099-3001", "util-linux", "", "not yet assigned", cvssMedium),
		debianCVE("CVE-2099-3002", "util-linux", "", "unimportant", cvssCritical),
		nodsa,
		debianCVE("CVE-2099-3004", "gcc-defaults", "", "end-of-life", ""),
	), vulns.ImportOptions{})
	ms, err := db.Match(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range vulns.Findings(ms, inv.OS, nil) {
		got[f.Rule] = fmt.Sprintf("%s %s %s", f.Vulnerability.Status, f.Severity, f.Vulnerability.Severity.Source)
	}
	want := map[string]string{
		"CVE-2099-3001": "affected medium cvss",
		"CVE-2099-3002": "will-not-fix low urgency", // unimportant: capped whatever the CVSS says
		"CVE-2099-3003": "fix-deferred low urgency",
		"CVE-2099-3004": "end-of-life medium none",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("states:\n got %v\nwant %v", got, want)
	}
}

// Language packages: one the OS package manager installed is left to the distribution's
// advisories; one pip installed is matched, with the fix a PYSEC record's range gives.
func TestLanguagePackages(t *testing.T) {
	pipMeta := func(v string) string { return "Metadata-Version: 2.1\nName: pip\nVersion: " + v + "\n" }
	inv := dpkgInventory(t, "Package: python3-pip\nStatus: install ok installed\nArchitecture: all\nSource: python-pip\nVersion: 23.0.1+dfsg-1\n",
		imagebuild.Reg("var/lib/dpkg/info/python3-pip.list", "/usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA\n"),
		imagebuild.Reg("usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA", pipMeta("23.0.1")),
		imagebuild.Reg("opt/venv/lib/python3.11/site-packages/pip-23.0.1.dist-info/METADATA", pipMeta("23.0.1")),
	)
	db := openDB(t)
	importDir(t, db, writeExport(t, t.TempDir(),
		rec{ID: "PYSEC-2023-228", Aliases: []string{"CVE-2023-5752", "GHSA-mq26-g339-26xf"}, Summary: "pip: Mercurial configuration injectable in repo revision",
			Affected: []aff{{Eco: "PyPI", Name: "pip", Versions: []string{"22.3.1", "23.0", "23.0.1", "23.1", "23.2", "23.2.1"},
				GitEvents: []event{introduced("0"), fixed("389cb799d0da9a840749fcd14878928467ed49b4")},
				Events:    []event{introduced("0"), fixed("23.3")}}}},
	), vulns.ImportOptions{})
	ms, err := db.Match(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Package.Location != "/opt/venv/lib/python3.11/site-packages/pip-23.0.1.dist-info/METADATA" || ms[0].Fixed != "23.3" {
		var got []string
		for _, m := range ms {
			got = append(got, m.Package.Location+" fixed "+m.Fixed)
		}
		t.Errorf("matches %v, want only the venv's pip, fixed in 23.3", got)
	}
	if p := inv.Packages; len(p) == 0 {
		t.Fatal("empty inventory")
	}
}

func TestStaleness(t *testing.T) {
	now := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	st := &vulns.Status{Advisories: 10, NewestModified: now.Add(-30 * 24 * time.Hour), LastImport: now}
	if s := vulns.Staleness(st, 7*24*time.Hour, now); !strings.Contains(s, "2024-06-01") {
		t.Errorf("data a month old imported today: %q, want it called old by its newest record", s)
	}
	if s := vulns.Staleness(st, 60*24*time.Hour, now); s != "" {
		t.Errorf("within the allowed age: %q", s)
	}
	if s := vulns.Staleness(&vulns.Status{}, 0, now); s == "" {
		t.Error("an empty database is not called stale")
	}
}

func TestCVSSScores(t *testing.T) {
	for vector, want := range map[string]float64{
		cvssCritical: 9.8,
		cvssMedium:   5.5,
		"CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N":                    5.9,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H":                    10,
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N": 9.3,
	} {
		a, err := vulns.ParseOSV([]byte(`{"id":"X","modified":"2024-01-01T00:00:00Z","severity":[{"type":"CVSS_V3","score":"` + vector + `"}],"affected":[]}`))
		if err != nil || len(a.CVSS) != 1 || a.CVSS[0].Score != want {
			t.Errorf("%s: %+v %v, want %.1f", vector, a, err, want)
		}
	}
}
