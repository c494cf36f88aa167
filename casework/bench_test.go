package casework_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/internal/stageprof"
)

// BenchmarkRealDebian measures what a responder runs on a real image against the floor of
// reading it, in the same run: the real five-layer Debian image (imagebuild.CachedDebian,
// ~755 MB in 45,000 files, built once with mmdebstrap) and its suspect copy with one small
// extra layer. Each figure is the best of two, alternating with the floors.
//
//   - scan-x-floor: a full scan (trees, sha256, YARA, secrets, web shells, packages), nothing
//     recorded, against gunzip + tar walk + sha256 of every file (target <= 1.3);
//   - scan-x-fast-floor: the same against that floor with Strata's own inflater (ISA-L), which
//     no reader of the layers can go under;
//   - first-x-floor: the same scan as strata scan runs it: recorded, layers cached;
//   - rescan-ratio: a second scan of the image in the same data directory over the first
//     (target <= 0.05);
//   - diff-x-floor2: strata diff of the image and its suspect copy (comparison, scan of the
//     suspect, recording) against the floor of reading both images (target <= 0.7);
//   - diff-x-first: the same diff against the recorded first scan of the original, which is
//     the suspect less one small layer: what comparing costs over scanning the suspect;
//   - peak-RSS-MB: a separate process doing the full scan (target < 300).
//
// Then, unless the run already profiles (-cpuprofile), it runs the floor, a recorded first
// scan and its rescan once more under the CPU profiler and reports their CPU seconds, the
// first scan's by stage (decompress-cpu-s, tar-walk-cpu-s, hash-cpu-s, yara-cpu-s, ...; see
// internal/stageprof): CPU seconds do not grow when other work shares the machine, and a
// regression has the name of its stage.
func BenchmarkRealDebian(b *testing.B) {
	casework.TuneMemory() // the heap as strata scan runs it
	orig, susp, err := imagebuild.CachedDebian(imagebuild.BenchDir())
	if errors.Is(err, imagebuild.ErrNoDebian) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	origBlobs, err := imagebuild.LayoutBlobs(orig)
	if err != nil {
		b.Fatal(err)
	}
	suspBlobs, err := imagebuild.LayoutBlobs(susp)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	best := func(d *time.Duration, f func()) {
		t0 := time.Now()
		f()
		if e := time.Since(t0); *d == 0 || e < *d {
			*d = e
		}
	}
	scanner := func(w *casework.Workspace, opts casework.ScanOptions) *casework.Scanner {
		sc, err := w.NewScanner(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		return sc
	}
	var floor1, fast1, floor2, scan, first, rescan, diff time.Duration
	var files int
	for i := 0; i < b.N; i++ {
		for r := 0; r < 2; r++ {
			best(&floor1, func() {
				if _, err := imagebuild.Floor(origBlobs); err != nil {
					b.Fatal(err)
				}
			})
			best(&fast1, func() {
				if _, err := imagebuild.FastFloor(origBlobs); err != nil {
					b.Fatal(err)
				}
			})
			w := &casework.Workspace{DataDir: b.TempDir(), Version: "bench"}
			plain := scanner(w, casework.ScanOptions{NoRecord: true})
			best(&scan, func() {
				res, err := plain.ScanRef(ctx, "oci:"+orig, nil)
				if err != nil {
					b.Fatal(err)
				}
				files = res.Files
			})
			plain.Close()

			recorded := scanner(w, casework.ScanOptions{})
			best(&first, func() {
				if _, err := recorded.ScanRef(ctx, "oci:"+orig, nil); err != nil {
					b.Fatal(err)
				}
			})
			best(&rescan, func() {
				res, err := recorded.ScanRef(ctx, "oci:"+orig, nil)
				if err != nil {
					b.Fatal(err)
				}
				if res.CachedLayers != len(res.Image.Layers) {
					b.Fatalf("the rescan took %d layers of %d from the cache", res.CachedLayers, len(res.Image.Layers))
				}
			})
			recorded.Close()

			best(&floor2, func() {
				if _, err := imagebuild.Floor(append(append([]string(nil), origBlobs...), suspBlobs...)); err != nil {
					b.Fatal(err)
				}
			})
			dw := &casework.Workspace{DataDir: b.TempDir(), Version: "bench"}
			dsc := scanner(dw, casework.ScanOptions{})
			best(&diff, func() {
				_, done, err := dw.DiffRefs(ctx, "oci:"+orig, "oci:"+susp, casework.DiffOptions{Scanner: dsc}, nil)
				if err != nil {
					b.Fatal(err)
				}
				done()
			})
			dsc.Close()
		}
	}
	profileStages(b, origBlobs, "oci:"+orig)
	// The child's own high-water mark (VmHWM), not its rusage, which would count this
	// process's peak (see imagebuild.ChildPeakRSS).
	rss, err := imagebuild.ChildPeakRSS("TestRealDebianBenchChild", "STRATA_REAL_BENCH_CHILD=oci:"+orig)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(floor1.Seconds(), "floor-s")
	b.ReportMetric(scan.Seconds(), "scan-s")
	b.ReportMetric(float64(scan)/float64(floor1), "scan-x-floor")
	b.ReportMetric(fast1.Seconds(), "fast-floor-s")
	b.ReportMetric(float64(scan)/float64(fast1), "scan-x-fast-floor")
	b.ReportMetric(float64(first)/float64(floor1), "first-x-floor")
	b.ReportMetric(rescan.Seconds(), "rescan-s")
	b.ReportMetric(float64(rescan)/float64(first), "rescan-ratio")
	b.ReportMetric(float64(diff)/float64(floor2), "diff-x-floor2")
	b.ReportMetric(float64(diff)/float64(first), "diff-x-first")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
	b.ReportMetric(0, "ns/op")
}

// profileStages runs the floor of blobs, a recorded first scan of ref and its rescan under
// the CPU profiler and reports their CPU seconds, the first scan's by stage.
func profileStages(b *testing.B, blobs []string, ref string) {
	fl, err := stageprof.Run(func() {
		if _, err := imagebuild.Floor(blobs); err != nil {
			b.Fatal(err)
		}
	})
	if err != nil {
		b.Logf("no stage times: %v", err)
		return
	}
	w := &casework.Workspace{DataDir: b.TempDir(), Version: "bench"}
	sc, err := w.NewScanner(context.Background(), casework.ScanOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	run := func() {
		if _, err := sc.ScanRef(context.Background(), ref, nil); err != nil {
			b.Fatal(err)
		}
	}
	fs, rs := mustProfile(b, run), mustProfile(b, run)
	reportStages(b, fl, fs, rs)
}

func mustProfile(b *testing.B, f func()) *stageprof.Profile {
	p, err := stageprof.Run(f)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// reportStages reports the CPU seconds of the floor, the first scan and the rescan, the
// first scan's by stage.
func reportStages(b *testing.B, floor, first, rescan *stageprof.Profile) {
	b.Logf("CPU of the floor:\n%s\nCPU of the first scan:\n%s\nCPU of the rescan:\n%s", floor, first, rescan)
	b.ReportMetric(floor.Total.Seconds(), "floor-cpu-s")
	b.ReportMetric(first.Total.Seconds(), "first-cpu-s")
	b.ReportMetric(first.Total.Seconds()/floor.Total.Seconds(), "first-cpu-x-floor")
	b.ReportMetric(rescan.Total.Seconds(), "rescan-cpu-s")
	for _, s := range first.Stages {
		b.ReportMetric(s.CPU.Seconds(), strings.ReplaceAll(s.Name, " ", "-")+"-cpu-s")
	}
}

// TestRealDebianBenchChild is the child process of BenchmarkRealDebian's memory measurement;
// it does nothing in a normal test run.
func TestRealDebianBenchChild(t *testing.T) {
	ref := os.Getenv("STRATA_REAL_BENCH_CHILD")
	if ref == "" {
		return
	}
	casework.TuneMemory() // as strata scan does
	w := &casework.Workspace{DataDir: t.TempDir(), Version: "bench"}
	sc, err := w.NewScanner(context.Background(), casework.ScanOptions{NoRecord: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if _, err := sc.ScanRef(context.Background(), ref, nil); err != nil {
		t.Fatal(err)
	}
	imagebuild.ReportHighWater(t)
}
