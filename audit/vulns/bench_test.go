package vulns_test

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit/vulns"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

// BenchmarkMatch matches 2,000 installed Debian packages against 100,000 imported advisories
// (20 per source package over 5,000 names). Target: under 1 s per Match.
func BenchmarkMatch(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	zpath := filepath.Join(dir, "osv.zip")
	f, err := os.Create(zpath)
	if err != nil {
		b.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := 0; i < 100000; i++ {
		w, _ := zw.Create(fmt.Sprintf("DEBIAN-CVE-%d.json", i))
		fmt.Fprintf(w, `{"id":"DEBIAN-CVE-%d","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-%d"],"affected":[{"package":{"ecosystem":"Debian:12","name":"src%d"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.%d-1"}]}]}]}`,
			i, i, i%5000, i%40)
	}
	zw.Close()
	f.Close()
	db, err := vulns.Open(filepath.Join(dir, vulns.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if _, err := db.Import(ctx, zpath, time.Now()); err != nil {
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
