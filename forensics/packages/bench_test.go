package packages_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/forensics/packages"
)

// BenchmarkInventoryOverhead reads the synthetic benchmark image (STRATA_BENCH_MB, default
// 950 MB, cached in STRATA_BENCH_DIR) once plainly with a visitor that only sees the bytes and
// once with a Collector plus Inventory and Check, and reports the ratio (x-plain).
func BenchmarkInventoryOverhead(b *testing.B) {
	mb := int64(950)
	if n, err := strconv.ParseInt(os.Getenv("STRATA_BENCH_MB"), 10, 64); err == nil && n > 0 {
		mb = n
	}
	dir := os.Getenv("STRATA_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "strata-bench")
	}
	layout, _, err := imagebuild.CachedSynthetic(dir, 1, mb, 5)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	img, err := forensics.Open(ctx, "oci:"+layout, forensics.OpenOptions{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	var plain, with time.Duration
	for i := 0; i < b.N; i++ {
		for r := 0; r < 2; r++ {
			start := time.Now()
			if _, err := img.ReadLayers(ctx, forensics.ReadOptions{Visit: func(int, *forensics.Entry, []byte) {}, ContentCap: packages.DefaultContentCap}); err != nil {
				b.Fatal(err)
			}
			if d := time.Since(start); plain == 0 || d < plain {
				plain = d
			}
			start = time.Now()
			if _, err := packages.Read(ctx, img, b.TempDir()); err != nil {
				b.Fatal(err)
			}
			if d := time.Since(start); with == 0 || d < with {
				with = d
			}
		}
	}
	b.ReportMetric(plain.Seconds(), "plain-s")
	b.ReportMetric(with.Seconds(), "packages-s")
	b.ReportMetric(float64(with)/float64(plain), "x-plain")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkTailDebian measures the serial tail of the package check on the real Debian image
// (imagebuild.CachedDebian): Inventory and Check of the stacked tree, after one read pass
// outside the timing. It reports the tail's time and the process's CPU time per run (tail-s,
// tail-cpu-s: the latter holds when other work shares the machine) and the packages and files.
func BenchmarkTailDebian(b *testing.B) {
	original, _, err := imagebuild.CachedDebian(imagebuild.BenchDir())
	if err != nil {
		b.Skip(err)
	}
	ctx := context.Background()
	img, err := forensics.Open(ctx, "oci:"+original, forensics.OpenOptions{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	c := packages.NewCollector()
	layers, err := img.ReadLayers(ctx, forensics.ReadOptions{Visit: c.Visit, Stream: c.Stream, ContentCap: packages.DefaultContentCap})
	if err != nil {
		b.Fatal(err)
	}
	tree := forensics.Stack(layers)
	var inv *packages.Inventory
	var integ *packages.Integrity
	runtime.GC()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		inv = c.Inventory(tree, "")
		if integ, err = c.Check(ctx, img, tree, inv); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "tail-cpu-s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "tail-s")
	b.ReportMetric(float64(len(inv.Packages)), "packages")
	b.ReportMetric(float64(integ.Checked), "checked")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
