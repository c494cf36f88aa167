package audit_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// fullScan opens ref and scans it with every standard analyzer and the built-in YARA rules.
func fullScan(b testing.TB, ref string) *audit.Result {
	img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: scanSet(b)})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// BenchmarkScan measures a full scan (layer trees with sha256 of every file, built-in YARA
// rules and secrets over every file up to 32 MiB, tree analyzers) of a generated image of at
// least 900 MB in five gzip layers, against the gunzip+sha256 floor. Reported: x-floor (target
// <= 1.5) and peak-RSS-MB of a separate process doing the same scan (target < 400).
func BenchmarkScan(b *testing.B) {
	mb := imagebuild.BenchSizeMB()
	start := time.Now()
	layout, blobs, err := imagebuild.CachedSynthetic(imagebuild.BenchDir(), 1, mb, 5)
	if err != nil {
		b.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("built the %d MB benchmark image in %s", mb, d.Round(time.Millisecond))
	}
	builtinRules(b) // compile outside the timing
	var floorTime, scanTime time.Duration
	var res *audit.Result
	for i := 0; i < b.N; i++ {
		// Best of two each, alternating, so that a cold page cache or a noisy neighbour does not
		// decide the ratio.
		for r := 0; r < 2; r++ {
			t0 := time.Now()
			if n, err := imagebuild.Floor(blobs); err != nil || n < mb<<20*9/10 {
				b.Fatalf("floor: %d bytes, %v", n, err)
			}
			if d := time.Since(t0); floorTime == 0 || d < floorTime {
				floorTime = d
			}
			t0 = time.Now()
			res = fullScan(b, "oci:"+layout)
			if d := time.Since(t0); scanTime == 0 || d < scanTime {
				scanTime = d
			}
		}
	}
	rss, err := imagebuild.ChildPeakRSS("TestScanBenchChild", "STRATA_SCAN_BENCH_CHILD=oci:"+layout)
	if err != nil {
		b.Fatal(err)
	}
	s := res.Summary()
	b.ReportMetric(floorTime.Seconds(), "floor-s")
	b.ReportMetric(scanTime.Seconds(), "scan-s")
	b.ReportMetric(float64(scanTime)/float64(floorTime), "x-floor")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(res.Files), "files")
	b.ReportMetric(float64(s[audit.Medium]+s[audit.High]+s[audit.Critical]), "findings>=medium")
	b.ReportMetric(0, "ns/op")
}

// TestScanBenchChild is the child process of BenchmarkScan's memory measurement; it does nothing in a normal test run.
func TestScanBenchChild(t *testing.T) {
	ref := os.Getenv("STRATA_SCAN_BENCH_CHILD")
	if ref == "" {
		t.Skip("only run as the benchmark's child process")
	}
	imagebuild.ReportHighWater(t)
	fullScan(t, ref)
}
