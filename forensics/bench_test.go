package forensics_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

func readTrees(b testing.TB, ref string) int {
	img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	trees, err := img.ReadLayers(context.Background(), forensics.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := img.InputHash(context.Background()); err != nil {
		b.Fatal(err)
	}
	tree := forensics.Stack(trees)
	for _, lt := range trees {
		for _, a := range lt.Anomalies {
			if a.Kind != forensics.AnomalyBrokenHardlink {
				b.Fatalf("anomalies in the benchmark image: %+v", lt.Anomalies)
			}
		}
	}
	return tree.Len()
}

// BenchmarkBuildTrees measures building every layer's tree, with sha256 of every file and the
// digest and diff_id checks, against the floor, on a generated image of at least 900 MB in five
// gzip layers. Reported: x-floor (target <= 1.3), and peak-RSS-MB of a separate process doing
// the same work (target < 300 whatever the image size).
func BenchmarkBuildTrees(b *testing.B) {
	mb := imagebuild.BenchSizeMB()
	layout, blobs, err := imagebuild.CachedSynthetic(imagebuild.BenchDir(), 1, mb, 5)
	if err != nil {
		b.Fatal(err)
	}
	var floorTime, treeTime time.Duration
	var files int
	for i := 0; i < b.N; i++ {
		// Best of two each, alternating, so that a cold page cache or a noisy neighbour does
		// not decide the ratio.
		for r := 0; r < 2; r++ {
			start := time.Now()
			bytes, err := imagebuild.Floor(blobs)
			if d := time.Since(start); floorTime == 0 || d < floorTime {
				floorTime = d
			}
			if err != nil || bytes < mb<<20*9/10 {
				b.Fatalf("floor: %d bytes, %v", bytes, err)
			}
			start = time.Now()
			files = readTrees(b, "oci:"+layout)
			if d := time.Since(start); treeTime == 0 || d < treeTime {
				treeTime = d
			}
		}
	}
	rss, err := imagebuild.ChildPeakRSS("TestBenchChild", "STRATA_BENCH_CHILD=oci:"+layout)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(floorTime.Seconds(), "floor-s")
	b.ReportMetric(treeTime.Seconds(), "trees-s")
	b.ReportMetric(float64(treeTime)/float64(floorTime), "x-floor")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(0, "ns/op")
}

// TestBenchChild is the child process of BenchmarkBuildTrees' memory measurement; it does nothing in a normal test run.
func TestBenchChild(t *testing.T) {
	ref := os.Getenv("STRATA_BENCH_CHILD")
	if ref == "" {
		t.Skip("only run as the benchmark's child process")
	}
	imagebuild.ReportHighWater(t)
	readTrees(t, ref)
}

// BenchmarkManyFiles reads and stacks a generated layer of 1,000,000 one-byte files (what
// `strata layers` does with it) in a separate process and reports its peak-RSS-MB (target:
// under 300) and the seconds it took. STRATA_BENCH_FILES changes the count.
func BenchmarkManyFiles(b *testing.B) {
	n := imagebuild.BenchFiles()
	layout, err := imagebuild.CachedManyFiles(imagebuild.BenchDir(), n, false)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	rss, err := imagebuild.ChildPeakRSS("TestBenchChild", "STRATA_BENCH_CHILD=oci:"+layout)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(start).Seconds(), "s")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(n), "files")
	b.ReportMetric(0, "ns/op")
	if rss > 300<<10 {
		b.Errorf("reading %d files peaked at %d MB, over the 300 MB target", n, rss>>10)
	}
}

// BenchmarkBrokenHardlinks reads and stacks a generated layer of 200,000 hard links to a target
// it does not hold, as `strata layers` does, and reports the seconds it took (target: under 5;
// resolving each link by scanning the layer took minutes).
func BenchmarkBrokenHardlinks(b *testing.B) {
	layout, err := imagebuild.CachedManyFiles(imagebuild.BenchDir(), 200_000, true)
	if err != nil {
		b.Fatal(err)
	}
	var best time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		readTrees(b, "oci:"+layout)
		if d := time.Since(start); best == 0 || d < best {
			best = d
		}
	}
	b.ReportMetric(best.Seconds(), "s")
	b.ReportMetric(0, "ns/op")
}
