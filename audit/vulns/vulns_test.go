package vulns_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit/vulns"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
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

func openFixtures(t testing.TB) *vulns.DB {
	t.Helper()
	db, err := vulns.Open(filepath.Join(t.TempDir(), vulns.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestImportAndMatch(t *testing.T) {
	ctx := context.Background()
	db := openFixtures(t)
	imported := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	res, err := db.Import(ctx, filepath.Join("testdata", "osv"), imported)
	if err != nil {
		t.Fatal(err)
	}
	if res.Advisories != 4 || res.Skipped != 1 || len(res.SHA256) != 64 {
		t.Errorf("import = %+v", res)
	}
	again, err := db.Import(ctx, filepath.Join("testdata", "osv"), imported.Add(time.Hour))
	if err != nil || again.SHA256 != res.SHA256 {
		t.Errorf("re-import: %v, hash %s vs %s", err, again.SHA256, res.SHA256)
	}
	st, err := db.Status(ctx)
	if err != nil || st.Advisories != 4 || len(st.Sources) != 2 || st.Ecosystems["Debian"] != 2 || !st.LastImport.Equal(imported.Add(time.Hour)) {
		t.Errorf("status = %+v, %v", st, err)
	}
	inv := &pkgs.Inventory{OS: pkgs.OS{ID: "debian", VersionID: "12"}, Packages: []pkgs.Package{
		{Ecosystem: pkgs.Deb, Name: "libssl3", Source: "openssl", Version: "3.0.11-1~deb12u2", Layer: 1, Location: "/var/lib/dpkg/status"},
		{Ecosystem: pkgs.Deb, Name: "openssl", Version: "3.0.13-1~deb12u1", Layer: 2, Location: "/var/lib/dpkg/status"},
		{Ecosystem: pkgs.Deb, Name: "curl", Version: "7.88.1-10+deb12u5", Layer: 1, Location: "/var/lib/dpkg/status"},
		{Ecosystem: pkgs.Maven, Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Layer: 3, Location: "/app/log4j-core-2.14.1.jar"},
		{Ecosystem: pkgs.PyPI, Name: "requests", Version: "2.31.0", Layer: 3, Location: "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA"},
	}}
	ms, err := db.Match(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%s %s %s fixed %s %s", m.Advisory.ID, m.Package.Name, m.Installed, m.Fixed, m.Advisory.Severity))
	}
	want := []string{
		"DSA-5550-1 libssl3 3.0.11-1~deb12u2 fixed 3.0.13-1~deb12u1 high",
		"GHSA-jfh8-c2jp-5v3q org.apache.logging.log4j:log4j-core 2.14.1 fixed 2.15.0 critical",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("matches:\n got %q\nwant %q", got, want)
	}
	f := vulns.Finding(ms[0], "")
	if f.Rule != "DSA-5550-1" || f.Layer != 1 || f.Title != "CVE-2023-5678 in libssl3 3.0.11-1~deb12u2 (fixed in 3.0.13-1~deb12u1)" {
		t.Errorf("finding = %+v", f)
	}
	// Another release's advisories do not apply.
	inv.OS.VersionID = "11"
	if ms, _ := db.Match(ctx, inv); len(ms) != 1 {
		t.Errorf("on Debian 11: %d matches, want only log4j", len(ms))
	}
}

func TestAffectsEvents(t *testing.T) {
	af := vulns.Affected{Ecosystem: "npm", Name: "x", Ranges: []vulns.Range{{Type: "SEMVER", Events: []vulns.Event{
		{Introduced: "1.0.0"}, {Fixed: "1.2.0"}, {Introduced: "2.0.0"}, {LastAffected: "2.1.0"},
	}}}}
	for v, want := range map[string]bool{"0.9.0": false, "1.0.0": true, "1.1.9": true, "1.2.0": false, "2.0.5": true, "2.1.0": true, "2.1.1": false} {
		if got, _ := vulns.Affects(af, v, vulns.CompareSemver); got != want {
			t.Errorf("Affects(%s) = %v, want %v", v, got, want)
		}
	}
}

func TestCVSS(t *testing.T) {
	a, err := vulns.ParseOSV([]byte(`{"id":"X","modified":"2024-01-01T00:00:00Z","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"affected":[]}`))
	if err != nil || a.Severity != "critical" {
		t.Errorf("9.8 vector: %+v %v", a, err)
	}
	a, _ = vulns.ParseOSV([]byte(`{"id":"Y","modified":"2024-01-01T00:00:00Z","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}],"affected":[]}`))
	if a.Severity != "low" {
		t.Errorf("1.8 vector rated %s", a.Severity)
	}
}
