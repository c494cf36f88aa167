package packages_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
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
