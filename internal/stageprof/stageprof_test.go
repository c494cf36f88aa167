package stageprof

import (
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

func TestStageOfFunc(t *testing.T) {
	for _, tc := range []struct {
		fn, want string
		weak     bool
	}{
		{"github.com/klauspost/compress/flate.(*decompressor).huffmanBufioReader", "decompress", false},
		{"archive/tar.(*Reader).Next", "tar walk", false},
		{"github.com/strata-forensics/strata/forensics.readEntries", "tar walk", true},
		{"crypto/internal/fips140/sha256.blockSHANI", "hash", false},
		{"github.com/strata-forensics/strata/audit/shell.analyze", "shell", false},
		{"github.com/strata-forensics/strata/audit/secrets.scanPass", "secrets", false},
		{"github.com/strata-forensics/strata/signatures.(*Scanner).Scan", "yara", false},
		{"github.com/strata-forensics/strata/signatures/decode.Worth", "", false},
		{"github.com/strata-forensics/strata/forensics/packages.(*Collector).Visit", "packages", false},
		{"github.com/mattn/go-sqlite3.(*SQLiteStmt).exec", "database", false},
		{"github.com/strata-forensics/strata/audit.Scan.func1", "scan glue", true},
		{"github.com/strata-forensics/strata/audit/tamper.(*Analyzer).Tree", "tree analyzers", true},
		{"github.com/strata-forensics/strata/forensics.Stack", "layer model", true},
		{"runtime.gcBgMarkWorker", "gc", false},
		{"runtime.memmove", "", false},
	} {
		got, weak := StageOfFunc(tc.fn)
		if got != tc.want || weak != tc.weak {
			t.Errorf("StageOfFunc(%q) = %q, %v; want %q, %v", tc.fn, got, weak, tc.want, tc.weak)
		}
	}
}

// stack builds a sample of d nanoseconds whose frames are fns, innermost first.
func stack(d int64, fns ...string) *profile.Sample {
	s := &profile.Sample{Value: []int64{1, d}}
	for _, fn := range fns {
		s.Location = append(s.Location, &profile.Location{Line: []profile.Line{{Function: &profile.Function{Name: fn}}}})
	}
	return s
}

func TestAttribute(t *testing.T) {
	prof := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			// md5 under the package collector, under the tar walk: the collector's.
			stack(30, "crypto/md5.block", "github.com/strata-forensics/strata/forensics/packages.(*Collector).Visit",
				"github.com/strata-forensics/strata/audit.Scan.func1", "github.com/strata-forensics/strata/forensics.readEntries"),
			// a decoder under the shell analyzer: the analyzer's.
			stack(20, "github.com/strata-forensics/strata/signatures/decode.Layers",
				"github.com/strata-forensics/strata/audit/shell.analyze", "github.com/strata-forensics/strata/audit.Scan.func1"),
			// the visit glue itself, under the tar walk: the innermost weak frame.
			stack(5, "runtime.memmove", "github.com/strata-forensics/strata/audit.Scan.func1",
				"github.com/strata-forensics/strata/forensics.readEntries"),
			stack(7, "runtime.futex", "runtime.schedule"),
			stack(11, "github.com/klauspost/compress/flate.(*decompressor).Read", "github.com/strata-forensics/strata/forensics.readEntries"),
		},
	}
	p, err := Attribute(prof)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{"packages": 30, "shell": 20, "scan glue": 5, Other: 7, "decompress": 11, "yara": 0}
	for name, d := range want {
		if got := p.Of(name); got != d {
			t.Errorf("%s: got %v, want %v", name, got, d)
		}
	}
	if p.Total != 73 {
		t.Errorf("total %v, want 73ns", p.Total)
	}
}

func TestAttributeNoCPU(t *testing.T) {
	if _, err := Attribute(&profile.Profile{SampleType: []*profile.ValueType{{Type: "alloc_space", Unit: "bytes"}}}); err == nil {
		t.Error("a profile without CPU samples was attributed")
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestRun(t *testing.T) {
	// Busy until the process has had 200 ms of CPU, not for 200 ms: on a machine shared
	// with other work, 200 ms of wall time may hold no profiler tick at all.
	p, err := Run(func() {
		start := cpuTime(t)
		for end := time.Now().Add(20 * time.Second); cpuTime(t)-start < 200*time.Millisecond && time.Now().Before(end); {
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total <= 0 || len(p.Stages) == 0 {
		t.Errorf("a busy loop gave %v of CPU in %d stages", p.Total, len(p.Stages))
	}
}
