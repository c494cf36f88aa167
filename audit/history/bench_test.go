package history

import (
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// BenchmarkRescan scans a generated image of about 950 MB in five layers with the default
// analyzers (built-in rules, packages on) through the layer cache of an empty store (every
// layer read, scanned and stored), then again once every layer is known (no layer read).
// Reported: first-s, rescan-s and rescan-ratio (target: a small fraction), and nocache-s, a
// scan without the cache, for what storing the layers costs.
func BenchmarkRescan(b *testing.B) {
	layout, _, err := imagebuild.CachedSynthetic(imagebuild.BenchDir(), 1, imagebuild.BenchSizeMB(), 5)
	if err != nil {
		b.Fatal(err)
	}
	ref := "oci:" + layout
	set, rules := standardSet(b)
	hash := RuleHash("bench", rules.Hash())
	var first, rescan, nocache time.Duration
	for i := 0; i < b.N; i++ {
		// A scan without the cache first warms the page cache, so that the timings compare
		// scanning with not reading, not a cold disk with a warm one.
		t0 := time.Now()
		scanRef(b, ref, set.Analyzers, nil)
		nocache = time.Since(t0)

		s := openStore(b, "")
		c := s.LayerCache(hash)
		t0 = time.Now()
		firstRes := scanRef(b, ref, set.Analyzers, c)
		first = time.Since(t0)
		if c.Stored() != 5 {
			b.Fatalf("stored %d layers of 5", c.Stored())
		}
		c = s.LayerCache(hash)
		t0 = time.Now()
		rescanRes := scanRef(b, ref, set.Analyzers, c)
		rescan = time.Since(t0)
		if c.Hits() != 5 || rescanRes.CachedLayers != 5 {
			b.Fatalf("the rescan took %d layers of 5 from the cache", c.Hits())
		}
		if findingLines(firstRes) != findingLines(rescanRes) || firstRes.Files != rescanRes.Files {
			b.Errorf("the rescan found something else: %v in %d files vs %v in %d files",
				firstRes.Summary(), firstRes.Files, rescanRes.Summary(), rescanRes.Files)
		}
		b.ReportMetric(float64(firstRes.Files), "files")
	}
	b.ReportMetric(nocache.Seconds(), "nocache-s")
	b.ReportMetric(first.Seconds(), "first-s")
	b.ReportMetric(rescan.Seconds(), "rescan-s")
	b.ReportMetric(float64(rescan)/float64(first), "rescan-ratio")
	b.ReportMetric(0, "ns/op")
}
