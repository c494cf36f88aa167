package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// BenchmarkManyFilesCommands runs `strata layers` and `strata scan --no-record` on a generated
// layer of 1,000,000 one-byte files, each in a process of its own, and reports their peak RSS
// in MB (target: under 300) and seconds. STRATA_BENCH_FILES changes the count.
func BenchmarkManyFilesCommands(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("STRATA_BENCH_FILES"); s != "" {
		fmt.Sscan(s, &n)
	}
	layout, err := imagebuild.CachedManyFiles(imagebuild.BenchDir(), n, false)
	if err != nil {
		b.Fatal(err)
	}
	for _, cmd := range []string{"layers", "scan"} {
		start := time.Now()
		rss, err := imagebuild.ChildPeakRSS("TestBenchCommandChild", "STRATA_BENCH_COMMAND="+cmd, "STRATA_BENCH_REF=oci:"+layout)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rss)/1024, cmd+"-peak-RSS-MB")
		b.ReportMetric(time.Since(start).Seconds(), cmd+"-s")
	}
	b.ReportMetric(0, "ns/op")
}

// TestBenchCommandChild is BenchmarkManyFilesCommands' child process; it does nothing in a
// normal test run.
func TestBenchCommandChild(t *testing.T) {
	cmd, ref := os.Getenv("STRATA_BENCH_COMMAND"), os.Getenv("STRATA_BENCH_REF")
	if cmd == "" {
		t.Skip("only run as the benchmark's child process")
	}
	imagebuild.ReportHighWater(t)
	args := []string{"--data-dir", t.TempDir(), cmd, ref}
	if cmd == "scan" {
		args = []string{"--data-dir", t.TempDir(), "scan", "--no-record", ref}
	}
	if code := run(context.Background(), args, io.Discard, os.Stderr); code == 2 {
		t.Fatalf("%v: exit %d", args, code)
	}
}
