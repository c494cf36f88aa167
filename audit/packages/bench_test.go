package packages_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/signatures"
)

// debianPackages is a package set that makes a ~900 MB bookworm root filesystem: a real
// distribution's mix of programs, libraries, headers, Python and Perl.
const debianPackages = "build-essential,python3-dev,libllvm15,git,perl"

// debianImage returns an OCI layout of a big real Debian image (one gzip layer made by
// mmdebstrap --variant=standard), built once and cached under STRATA_BENCH_DIR.
func debianImage(b *testing.B) string {
	dir := imagebuild.BenchDir()
	layout := filepath.Join(dir, "debian-big-oci")
	if _, err := os.Stat(filepath.Join(layout, "index.json")); err == nil {
		return layout
	}
	rootfs, err := imagebuild.DebianRootfs(dir, "debian-big.tar", 30*time.Minute, "--variant=standard", "--include="+debianPackages, "bookworm")
	if err != nil {
		b.Skip(err)
	}
	raw, err := os.ReadFile(rootfs)
	if err != nil {
		b.Fatal(err)
	}
	work := b.TempDir()
	built, err := imagebuild.BuildTo(imagebuild.Image{Tags: []string{"strata-bench/debian:bookworm"}, Layers: []imagebuild.Layer{
		{Raw: raw, Compression: imagebuild.Gzip, CreatedBy: "mmdebstrap --variant=standard --include=" + debianPackages + " bookworm"}}}, work)
	if err != nil {
		b.Fatal(err)
	}
	if err := imagebuild.WriteOCILayout(layout+".tmp", built); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(layout+".tmp", layout); err != nil {
		b.Fatal(err)
	}
	return layout
}

func timeScan(b *testing.B, ref string, rules *signatures.RuleSet, withPackages bool) (time.Duration, *audit.Result) {
	set, err := standard.New(standard.Options{Rules: rules, Packages: withPackages, TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer set.Close()
	img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	start := time.Now()
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: set.Analyzers})
	if err != nil {
		b.Fatal(err)
	}
	return time.Since(start), res
}

// BenchmarkDebianPackagesOverhead measures what inventory + integrity add to a full scan
// (YARA, secrets, config, filesystem) of a ~1 GB real Debian image: reported as
// x-without-packages (target <= 1.2), best of two runs each, alternating.
func BenchmarkDebianPackagesOverhead(b *testing.B) {
	layout := debianImage(b)
	rules, err := signatures.Compile(signatures.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rules.Close()
	var without, with time.Duration
	var res *audit.Result
	for i := 0; i < b.N; i++ {
		for r := 0; r < 2; r++ {
			if d, _ := timeScan(b, "oci:"+layout, rules, false); without == 0 || d < without {
				without = d
			}
			d, rr := timeScan(b, "oci:"+layout, rules, true)
			if with == 0 || d < with {
				with = d
			}
			res = rr
		}
	}
	integrity := 0
	for _, f := range res.Findings {
		if f.Category == audit.CategoryPackageIntegrity {
			integrity++
		}
	}
	if integrity != 0 {
		b.Errorf("a stock Debian image raised %d package-integrity findings", integrity)
	}
	b.ReportMetric(without.Seconds(), "scan-s")
	b.ReportMetric(with.Seconds(), "scan+packages-s")
	b.ReportMetric(float64(with)/float64(without), "x-without-packages")
	b.ReportMetric(float64(res.Files), "files")
	b.ReportMetric(0, "ns/op")
}
