package yara_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/signatures"
	"github.com/strata-forensics/strata/signatures/rulegen"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fullScan scans the image at layout with every standard analyzer (packages too) and rules,
// as strata scan --no-record does, and returns its wall and CPU time.
func fullScan(b *testing.B, layout string, rules *signatures.RuleSet) (wall, cpu time.Duration, res *audit.Result) {
	set, err := standard.New(standard.Options{Rules: rules, Packages: true, TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer set.Close()
	img, err := forensics.Open(context.Background(), "oci:"+layout, forensics.OpenOptions{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	t0, c0 := time.Now(), cpuTime(b)
	res, err = audit.Scan(context.Background(), img, audit.Options{Analyzers: set.Analyzers})
	if err != nil {
		b.Fatal(err)
	}
	return time.Since(t0), cpuTime(b) - c0, res
}

// BenchmarkUserRules measures what a public-style rule set of rulegen.DefaultFiles files
// passed with --rules adds to a full scan of the real five-layer Debian image
// (imagebuild.CachedDebian): the scan with the built-in rules and the generated set against
// the scan with the built-in rules alone, best of two each, alternating. The set is tested as
// public sets are: the rules that fire on the clean image are left out (rulegen.GenerateTested;
// the real signature-base files fire on none of its files, the raw generated set some eight
// thousand times), and the raw set is measured beside it. Reported: rules-x-builtin (wall,
// target <= 2), rules-cpu-x-builtin (CPU time, which a busy machine disturbs less),
// raw-rules-x-builtin and raw-rules-cpu-x-builtin (the untested set), fired-rules (those left
// out), compile-s (compiling the tested set with an empty cache) and cached-s (loading it from
// the compiled-rules cache the second time).
func BenchmarkUserRules(b *testing.B) {
	orig, _, err := imagebuild.CachedDebian(imagebuild.BenchDir())
	if errors.Is(err, imagebuild.ErrNoDebian) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	builtin, err := signatures.Compile(signatures.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer builtin.Close()
	rawDir := b.TempDir()
	if _, err := rulegen.Write(rawDir, rulegen.DefaultFiles, 1); err != nil {
		b.Fatal(err)
	}
	raw, err := signatures.Compile(signatures.Options{Paths: []string{rawDir}, CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	// The rules that fire on the clean image: user rules' findings are "namespace:rule".
	_, _, res := fullScan(b, orig, raw)
	fired := map[string]bool{}
	for _, f := range res.Findings {
		if ns, name, ok := strings.Cut(f.Rule, ":"); ok && strings.HasSuffix(ns, ".yar") {
			fired[name] = true
		}
	}
	dir := b.TempDir()
	if _, err := rulegen.WriteTested(dir, rulegen.DefaultFiles, 1, fired); err != nil {
		b.Fatal(err)
	}
	// Compiled once into an empty cache, then loaded from it as the next strata scan does.
	cache := b.TempDir()
	t0 := time.Now()
	first, err := signatures.Compile(signatures.Options{Paths: []string{dir}, CacheDir: cache})
	if err != nil {
		b.Fatal(err)
	}
	compile := time.Since(t0)
	first.Close()
	t0 = time.Now()
	user, err := signatures.Compile(signatures.Options{Paths: []string{dir}, CacheDir: cache})
	if err != nil {
		b.Fatal(err)
	}
	cached := time.Since(t0)
	defer user.Close()
	b.Logf("%d rules, %d of the raw set's %d left out for firing on the clean image; load average %s",
		len(user.Rules()), len(fired), len(raw.Rules()), loadAverage())

	var base, with, rawWith, baseCPU, withCPU, rawCPU time.Duration
	var files int
	best := func(d, c *time.Duration, wall, cpu time.Duration) {
		if *d == 0 || wall < *d {
			*d = wall
		}
		if *c == 0 || cpu < *c {
			*c = cpu
		}
	}
	for i := 0; i < b.N; i++ {
		for r := 0; r < 2; r++ {
			w, c, res := fullScan(b, orig, builtin)
			best(&base, &baseCPU, w, c)
			files = res.Files
			w, c, _ = fullScan(b, orig, user)
			best(&with, &withCPU, w, c)
			w, c, _ = fullScan(b, orig, raw)
			best(&rawWith, &rawCPU, w, c)
		}
	}
	b.Logf("load average after %s", loadAverage())
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(base.Seconds(), "builtin-s")
	b.ReportMetric(with.Seconds(), "rules-s")
	b.ReportMetric(float64(with)/float64(base), "rules-x-builtin")
	b.ReportMetric(float64(withCPU)/float64(baseCPU), "rules-cpu-x-builtin")
	b.ReportMetric(float64(rawWith)/float64(base), "raw-rules-x-builtin")
	b.ReportMetric(float64(rawCPU)/float64(baseCPU), "raw-rules-cpu-x-builtin")
	b.ReportMetric(float64(len(fired)), "fired-rules")
	b.ReportMetric(baseCPU.Seconds(), "builtin-cpu-s")
	b.ReportMetric(withCPU.Seconds(), "rules-cpu-s")
	b.ReportMetric(compile.Seconds(), "compile-s")
	b.ReportMetric(cached.Seconds(), "cached-s")
	b.ReportMetric(0, "ns/op")
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
