package casework_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// BenchmarkScanManyFiles scans and records a generated layer of 1,000,000 one-byte files
// (STRATA_BENCH_FILES for another count), as strata scan does, in a process of its own, and
// reports that process's peak RSS (target < 300 MB) and the database's size. Everything the
// scan keeps per file counts here: the tree, the analyzers' state, the file index written to
// the history and the ledger's read-back of it.
func BenchmarkScanManyFiles(b *testing.B) {
	n := imagebuild.BenchFiles()
	layout, err := imagebuild.CachedManyFiles(imagebuild.BenchDir(), n, false)
	if err != nil {
		b.Fatal(err)
	}
	data := b.TempDir()
	start := time.Now()
	rss, err := imagebuild.ChildPeakRSS("TestScanManyFilesChild", "STRATA_MANY_FILES_CHILD=oci:"+layout, "STRATA_MANY_FILES_DATA="+data)
	if err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	db, err := os.Stat(filepath.Join(data, "strata.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(elapsed.Seconds(), "s")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(db.Size())/(1<<20), "db-MB")
	b.ReportMetric(float64(n), "files")
	b.ReportMetric(0, "ns/op")
	if rss > 300<<10 {
		b.Errorf("the recorded scan of %d files peaked at %d MB, over the 300 MB target", n, rss>>10)
	}
}

// TestScanManyFilesChild is BenchmarkScanManyFiles' child process; it does nothing in a
// normal test run.
func TestScanManyFilesChild(t *testing.T) {
	ref, data := os.Getenv("STRATA_MANY_FILES_CHILD"), os.Getenv("STRATA_MANY_FILES_DATA")
	if ref == "" || data == "" {
		t.Skip("only run as the benchmark's child process")
	}
	casework.TuneMemory() // as strata scan does
	w := &casework.Workspace{DataDir: data, Version: "bench"}
	sc, err := w.NewScanner(context.Background(), casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	res, err := sc.ScanRef(context.Background(), ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.RecordErr != nil {
		t.Fatal(res.RecordErr)
	}
	imagebuild.ReportHighWater(t)
}
