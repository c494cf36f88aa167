package casework_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// BenchmarkRealDebianWeb is BenchmarkRealDebian's scan on a web server image
// (imagebuild.CachedDebianWeb: Apache with PHP, WordPress, phpMyAdmin, DokuWiki, TCPDF,
// Django, Flask and Express from Debian's packages, five layers). Its files are mostly small
// sources that the web shell, script and secret analyzers read, where the Debian image's are
// mostly compiled, so it holds those analyzers to the floor where they cost most.
//
//   - scan-x-floor: the full scan, nothing recorded, against gunzip + tar walk + sha256 of
//     every file, best of two each, alternated;
//   - first-cpu-x-floor and the *-cpu-s stages: CPU seconds of a recorded first scan, by stage;
//   - peak-RSS-MB: a separate process doing the full scan (target < 300);
//   - findings-on-suspect: the suspect copy's web shell is found (a check, not a speed).
func BenchmarkRealDebianWeb(b *testing.B) {
	casework.TuneMemory()
	orig, susp, err := imagebuild.CachedDebianWeb(imagebuild.BenchDir())
	if errors.Is(err, imagebuild.ErrNoDebian) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	blobs, err := imagebuild.LayoutBlobs(orig)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var floor, scan time.Duration
	var files int
	best := func(d *time.Duration, f func()) {
		t0 := time.Now()
		f()
		if e := time.Since(t0); *d == 0 || e < *d {
			*d = e
		}
	}
	for i := 0; i < b.N; i++ {
		for r := 0; r < 2; r++ {
			best(&floor, func() {
				if _, err := imagebuild.Floor(blobs); err != nil {
					b.Fatal(err)
				}
			})
			w := &casework.Workspace{DataDir: b.TempDir(), Version: "bench"}
			sc, err := w.NewScanner(ctx, casework.ScanOptions{NoRecord: true})
			if err != nil {
				b.Fatal(err)
			}
			best(&scan, func() {
				res, err := sc.ScanRef(ctx, "oci:"+orig, nil)
				if err != nil {
					b.Fatal(err)
				}
				files = res.Files
			})
			sc.Close()
		}
	}
	w := &casework.Workspace{DataDir: b.TempDir(), Version: "bench"}
	sc, err := w.NewScanner(ctx, casework.ScanOptions{NoRecord: true})
	if err != nil {
		b.Fatal(err)
	}
	res, err := sc.ScanRef(ctx, "oci:"+susp, nil)
	if err != nil {
		b.Fatal(err)
	}
	sc.Close()
	found := 0
	for _, f := range res.Findings {
		if f.Path == "/var/www/html/wp-cache.php" && f.Category == "webshell" {
			found++
		}
	}
	if found == 0 {
		b.Errorf("the suspect's web shell /var/www/html/wp-cache.php was not found")
	}
	profileStages(b, blobs, "oci:"+orig)
	rss, err := imagebuild.ChildPeakRSS("TestRealDebianBenchChild", "STRATA_REAL_BENCH_CHILD=oci:"+orig)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(floor.Seconds(), "floor-s")
	b.ReportMetric(scan.Seconds(), "scan-s")
	b.ReportMetric(float64(scan)/float64(floor), "scan-x-floor")
	b.ReportMetric(float64(found), "findings-on-suspect")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
	b.ReportMetric(0, "ns/op")
}
