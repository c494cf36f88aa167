package audit_test

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// benchSizeMB is the uncompressed size of the benchmark image, as in forensics' benchmark:
// 950 MB by default, STRATA_BENCH_MB for a quick look.
func benchSizeMB() int64 {
	if s := os.Getenv("STRATA_BENCH_MB"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return 950
}

func benchDir() string {
	if d := os.Getenv("STRATA_BENCH_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "strata-bench")
}

// floor is the least any scan must do: gunzip, walk the tar and sha256 every regular file of
// every layer, layers in parallel.
func floor(b testing.TB, blobs []string) int64 {
	var total int64
	var mu sync.Mutex
	jobs := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for p := range jobs {
				f, err := os.Open(p)
				if err != nil {
					b.Error(err)
					continue
				}
				zr, err := gzip.NewReader(f)
				if err != nil {
					b.Error(err)
					f.Close()
					continue
				}
				tr := tar.NewReader(zr)
				var n int64
				for {
					hdr, err := tr.Next()
					if err != nil {
						break
					}
					if hdr.Typeflag == tar.TypeReg {
						h := sha256.New()
						c, _ := io.CopyBuffer(h, tr, buf)
						h.Sum(nil)
						n += c
					}
				}
				f.Close()
				mu.Lock()
				total += n
				mu.Unlock()
			}
		}()
	}
	for _, p := range blobs {
		jobs <- p
	}
	close(jobs)
	wg.Wait()
	return total
}

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
	mb := benchSizeMB()
	start := time.Now()
	layout, blobs, err := imagebuild.CachedSynthetic(benchDir(), 1, mb, 5)
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
			if n := floor(b, blobs); n < mb<<20*9/10 {
				b.Fatalf("benchmark image holds only %d bytes", n)
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
	rss := childPeakRSS(b, "oci:"+layout)
	s := res.Summary()
	b.ReportMetric(floorTime.Seconds(), "floor-s")
	b.ReportMetric(scanTime.Seconds(), "scan-s")
	b.ReportMetric(float64(scanTime)/float64(floorTime), "x-floor")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(res.Files), "files")
	b.ReportMetric(float64(s[audit.Medium]+s[audit.High]+s[audit.Critical]), "findings>=medium")
	b.ReportMetric(0, "ns/op")
}

// childPeakRSS runs the scan in a fresh process and returns its peak RSS in KiB.
func childPeakRSS(b *testing.B, ref string) int64 {
	cmd := exec.Command(os.Args[0], "-test.run=^TestScanBenchChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STRATA_SCAN_BENCH_CHILD="+ref)
	cmd.Stderr = os.Stderr
	if out, err := cmd.Output(); err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Fatal("no rusage")
	}
	return ru.Maxrss
}

// TestScanBenchChild is the child half of childPeakRSS; it does nothing in a normal test run.
func TestScanBenchChild(t *testing.T) {
	ref := os.Getenv("STRATA_SCAN_BENCH_CHILD")
	if ref == "" {
		t.Skip("only run as the benchmark's child process")
	}
	fullScan(t, ref)
}
