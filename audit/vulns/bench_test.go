package vulns_test

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit/vulns"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

// writeGeneratedExport writes a zip of n DEBIAN-CVE records over n/20 source packages, each
// with an NVD-sized description, a CVSS vector and three releases, as the Debian export has.
func writeGeneratedExport(tb testing.TB, path string, n int, modified string) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := 0; i < n; i++ {
		w, err := zw.Create(fmt.Sprintf("DEBIAN-CVE-2024-%d.json", i))
		if err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintf(w, `{"id":"DEBIAN-CVE-2024-%d","modified":"%s","published":"2024-01-01T00:00:00Z","upstream":["CVE-2024-%d"],
"details":"A flaw was found in src%d where a crafted input of some length can make the parser read past the end of its buffer, which lets a remote attacker crash the process or, in some configurations, execute code. This description is as long as a typical NVD one, to make the record the size of a real one.",
"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"}],
"references":[{"type":"ADVISORY","url":"https://security-tracker.debian.org/tracker/CVE-2024-%d"}],
"affected":[{"package":{"ecosystem":"Debian:11","name":"src%d"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.%d-1+deb11u1"}]}],"ecosystem_specific":{"urgency":"low"}},
{"package":{"ecosystem":"Debian:12","name":"src%d"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.%d-1+deb12u1"}]}],"ecosystem_specific":{"urgency":"medium"}},
{"package":{"ecosystem":"Debian:13","name":"src%d"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.%d-2"}]}],"ecosystem_specific":{"urgency":"medium"}}]}`,
			i, modified, i, i%(n/20), i, i%(n/20), i%40, i%(n/20), i%40, i%(n/20), i%40)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// TestImportChild is the import BenchmarkImport measures in a process of its own, so that
// the peak RSS is the import's alone; it does nothing unless the benchmark starts it.
func TestImportChild(t *testing.T) {
	zpath, dbpath := os.Getenv("STRATA_VULNS_IMPORT_ZIP"), os.Getenv("STRATA_VULNS_IMPORT_DB")
	if zpath == "" {
		t.Skip("run by BenchmarkImport")
	}
	db, err := vulns.Open(dbpath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Import(context.Background(), zpath, vulns.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkImport imports a 100,000-record export in a child process and reports its peak
// RSS (target: under 150 MB) and time.
func BenchmarkImport(b *testing.B) {
	dir := b.TempDir()
	zpath := filepath.Join(dir, "osv.zip")
	writeGeneratedExport(b, zpath, 100000, "2024-06-01T00:00:00Z")
	for i := 0; i < b.N; i++ {
		dbpath := filepath.Join(dir, fmt.Sprintf("vulndb-%d.sqlite", i))
		cmd := exec.Command(os.Args[0], "-test.run", "^TestImportChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "STRATA_VULNS_IMPORT_ZIP="+zpath, "STRATA_VULNS_IMPORT_DB="+dbpath)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("import: %v\n%s", err, out)
		}
		b.ReportMetric(time.Since(start).Seconds(), "import-s")
		rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB on Linux
		b.ReportMetric(rss, "peak-rss-MB")
		if rss > 150 {
			b.Errorf("importing 100k records peaked at %.0f MB RSS, over the 150 MB target", rss)
		}
	}
}

// BenchmarkMatch matches 2,000 installed Debian packages against 100,000 imported advisories
// (20 per source package over 5,000 names). Target: under 1 s per Match.
func BenchmarkMatch(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	zpath := filepath.Join(dir, "osv.zip")
	writeGeneratedExport(b, zpath, 100000, "2024-06-01T00:00:00Z")
	db, err := vulns.Open(filepath.Join(dir, vulns.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if _, err := db.Import(ctx, zpath, vulns.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(start).Seconds(), "import-s")
	inv := &pkgs.Inventory{OS: pkgs.OS{ID: "debian", VersionID: "12"}}
	for i := 0; i < 2000; i++ {
		inv.Packages = append(inv.Packages, pkgs.Package{Ecosystem: pkgs.Deb, Name: fmt.Sprintf("bin%d", i), Source: fmt.Sprintf("src%d", i*2), Version: "1.20-1"})
	}
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		ms, err := db.Match(ctx, inv)
		if err != nil {
			b.Fatal(err)
		}
		n = len(ms)
	}
	b.ReportMetric(float64(n), "matches")
}
