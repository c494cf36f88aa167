package forensics_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// diffBenchMB is the uncompressed size of each image of the diff benchmark: 200 MB unless
// STRATA_BENCH_MB says otherwise.
func diffBenchMB() int64 {
	if s := os.Getenv("STRATA_BENCH_MB"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return 200
}

// diffBenchImages builds (once; cached under imagebuild.BenchDir) two synthetic images of five gzip layers
// that share their first four layers: the suspect's last layer also holds an implant.
func diffBenchImages(b *testing.B, mb int64) (string, string) {
	b.Helper()
	dir := filepath.Join(imagebuild.BenchDir(), fmt.Sprintf("diff-%dMB", mb))
	orig, susp := filepath.Join(dir, "original"), filepath.Join(dir, "suspect")
	stamp := filepath.Join(dir, "done")
	if _, err := os.Stat(stamp); err == nil {
		return orig, susp
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	suspect := imagebuild.Synthetic(1, mb<<20, 5)
	last := &suspect.Layers[len(suspect.Layers)-1]
	last.Files = append(last.Files, imagebuild.Dir("usr"), imagebuild.Dir("usr/share"), imagebuild.Dir("usr/share/lib"),
		imagebuild.RegBytes("usr/share/lib/hook.so", elf(3, "hook")).WithMode(0o755))
	for _, x := range []struct {
		img    imagebuild.Image
		layout string
	}{{imagebuild.Synthetic(1, mb<<20, 5), orig}, {suspect, susp}} {
		tmp, err := os.MkdirTemp(dir, "build-")
		if err != nil {
			b.Fatal(err)
		}
		built, err := imagebuild.BuildTo(x.img, tmp)
		if err != nil {
			b.Fatal(err)
		}
		if err := imagebuild.WriteOCILayout(x.layout, built); err != nil {
			b.Fatal(err)
		}
		os.RemoveAll(tmp)
	}
	if err := os.WriteFile(stamp, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("built the two %d MB diff benchmark images in %s", mb, time.Since(start).Round(time.Millisecond))
	return orig, susp
}

// BenchmarkDiffSharedLayers measures DiffImages on two images that share all but their last
// layer, against building both images' trees separately. Reported: x-separate, the ratio of
// the two (target <= 0.7: shared layers are read once, and only changed files are re-read).
func BenchmarkDiffSharedLayers(b *testing.B) { benchDiff(b, forensics.DiffOptions{}) }

func benchDiff(b *testing.B, opts forensics.DiffOptions) {
	origRef, suspRef := diffBenchImages(b, diffBenchMB())
	ctx := context.Background()
	openImg := func(ref string) *forensics.Image {
		img, err := forensics.Open(ctx, ref, forensics.OpenOptions{TempDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		return img
	}
	separate := func() {
		for _, ref := range []string{origRef, suspRef} {
			img := openImg(ref)
			trees, err := img.ReadLayers(ctx, forensics.ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			forensics.Stack(trees)
			img.Close()
		}
	}
	var sep, diff time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		t0 := time.Now()
		separate()
		sep += time.Since(t0)
		b.StartTimer()
		t1 := time.Now()
		o, s := openImg(origRef), openImg(suspRef)
		d, err := forensics.DiffImages(ctx, o, s, opts)
		if err != nil {
			b.Fatal(err)
		}
		diff += time.Since(t1)
		if i == 0 {
			if len(d.Layers.Common) != 4 || len(d.Layers.Replaced) != 1 || d.Files[0].Path != "/usr/share/lib/hook.so" {
				b.Fatalf("unexpected diff: layers %+v, top %s", d.Summary, d.Files[0].Path)
			}
		}
		o.Close()
		s.Close()
	}
	b.ReportMetric(float64(diff)/float64(sep), "x-separate")
	b.ReportMetric(sep.Seconds()/float64(b.N), "separate-s")
}
