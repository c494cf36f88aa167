// Package stageprof measures where a scan's CPU time goes, by stage (decompress, tar walk,
// hash, each analyzer, database write), for the benchmarks: it runs a function under the
// runtime's CPU profiler and sorts every sample by the innermost frame of its stack that
// belongs to a stage. CPU seconds, unlike wall time, do not grow when other work shares the
// machine, so a regression shows in the stage it happened in.
package stageprof

import (
	"bytes"
	"fmt"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// stage is a named stage and the function-name prefixes its frames start with.
type stage struct {
	name     string
	prefixes []string
	// weak stages claim a sample only when no other stage does: they are the frames that
	// call the others (the tar walk calls the analyzers, audit.Scan calls everything).
	weak bool
}

// stages in the order the report lists them. A sample belongs to the stage of its innermost
// frame that matches a strong stage, else to that of its innermost weak one: md5 under the
// package collector is the collector's, a regular expression under the secrets analyzer is
// the analyzer's.
var stages = []stage{
	{name: "decompress", prefixes: []string{"github.com/klauspost/compress/", "github.com/strata-forensics/strata/forensics/internal/igzip.", "compress/", "hash/crc32.", "github.com/ulikunitz/xz"}},
	{name: "tar walk", prefixes: []string{"archive/tar."}},
	{name: "hash", prefixes: []string{"crypto/sha256.", "crypto/internal/fips140/sha256.", "github.com/minio/sha256-simd.",
		"github.com/strata-forensics/strata/forensics/internal/sha256x."}},
	{name: "file type", prefixes: []string{"github.com/strata-forensics/strata/forensics/filetype."}},
	{name: "yara", prefixes: []string{"github.com/hillu/go-yara", "github.com/strata-forensics/strata/audit/yara.",
		"github.com/strata-forensics/strata/signatures."}},
	{name: "secrets", prefixes: []string{"github.com/strata-forensics/strata/audit/secrets."}},
	{name: "shell", prefixes: []string{"github.com/strata-forensics/strata/audit/shell.", "mvdan.cc/sh/"}},
	{name: "webshell", prefixes: []string{"github.com/strata-forensics/strata/audit/webshell."}},
	{name: "binary", prefixes: []string{"github.com/strata-forensics/strata/audit/binary.", "debug/elf."}},
	{name: "packages", prefixes: []string{"github.com/strata-forensics/strata/forensics/packages.",
		"github.com/strata-forensics/strata/audit/packages.", "github.com/strata-forensics/strata/audit/vulns."}},
	{name: "database", prefixes: []string{"github.com/strata-forensics/strata/audit/history.", "github.com/mattn/go-sqlite3.",
		"database/sql."}},
	{name: "gc", prefixes: []string{"runtime.gcBgMarkWorker", "runtime.bgsweep", "runtime.bgscavenge"}},
	{name: "tar walk", weak: true, prefixes: []string{"github.com/strata-forensics/strata/forensics.readEntries",
		"github.com/strata-forensics/strata/forensics.hashContent", "github.com/strata-forensics/strata/forensics.walkLayer"}},
	{name: "scan glue", weak: true, prefixes: []string{"github.com/strata-forensics/strata/audit.",
		"github.com/strata-forensics/strata/casework."}},
	{name: "tree analyzers", weak: true, prefixes: []string{"github.com/strata-forensics/strata/audit/"}},
	{name: "layer model", weak: true, prefixes: []string{"github.com/strata-forensics/strata/forensics"}},
}

// transparent frames are their caller's: the decoders serve YARA, secrets and web shells.
var transparent = []string{"github.com/strata-forensics/strata/signatures/decode."}

// Other is the stage of samples no stage claims (the runtime's scheduler, syscalls of file
// reads).
const Other = "other"

// Stage is one stage's share of the CPU time.
type Stage struct {
	Name string
	CPU  time.Duration
}

// Profile is the CPU time of one run, by stage, in the order of the stage list.
type Profile struct {
	Total  time.Duration
	Stages []Stage
}

// Of returns the CPU time of the named stage.
func (p *Profile) Of(name string) time.Duration {
	for _, s := range p.Stages {
		if s.Name == name {
			return s.CPU
		}
	}
	return 0
}

// String renders the stages as one table, biggest first.
func (p *Profile) String() string {
	st := append([]Stage(nil), p.Stages...)
	sort.SliceStable(st, func(i, j int) bool { return st[i].CPU > st[j].CPU })
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %8.2fs\n", "total CPU", p.Total.Seconds())
	for _, s := range st {
		if s.CPU > 0 {
			fmt.Fprintf(&b, "  %-14s %8.2fs %5.1f%%\n", s.Name, s.CPU.Seconds(), 100*s.CPU.Seconds()/p.Total.Seconds())
		}
	}
	return b.String()
}

// Run runs f under the CPU profiler and returns where its CPU time went. It fails when the
// profiler is already running (go test -cpuprofile): the caller then does without.
func Run(f func()) (*Profile, error) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return nil, fmt.Errorf("starting the CPU profiler: %w", err)
	}
	f()
	pprof.StopCPUProfile()
	prof, err := profile.Parse(&buf)
	if err != nil {
		return nil, fmt.Errorf("reading the CPU profile: %w", err)
	}
	return Attribute(prof)
}

// Attribute sorts a CPU profile's samples into stages.
func Attribute(prof *profile.Profile) (*Profile, error) {
	vi := -1
	for i, st := range prof.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			vi = i
		}
	}
	if vi < 0 {
		return nil, fmt.Errorf("the profile has no cpu/nanoseconds samples")
	}
	byName := map[string]time.Duration{}
	out := &Profile{}
	for _, s := range prof.Sample {
		d := time.Duration(s.Value[vi])
		out.Total += d
		byName[stageOf(s)] += d
	}
	seen := map[string]bool{}
	for _, st := range stages {
		if !seen[st.name] {
			seen[st.name] = true
			out.Stages = append(out.Stages, Stage{st.name, byName[st.name]})
		}
	}
	out.Stages = append(out.Stages, Stage{Other, byName[Other]})
	return out, nil
}

// stageOf names the stage of a sample: that of its innermost frame in a strong stage, else
// that of its innermost frame in a weak one.
func stageOf(s *profile.Sample) string {
	weak := ""
	for _, loc := range s.Location {
		// A location's inlined frames come innermost first too.
		for _, ln := range loc.Line {
			if ln.Function == nil {
				continue
			}
			name, isWeak := StageOfFunc(ln.Function.Name)
			switch {
			case name == "":
			case !isWeak:
				return name
			case weak == "":
				weak = name
			}
		}
	}
	if weak != "" {
		return weak
	}
	return Other
}

// StageOfFunc names the stage a function belongs to, "" for none, and whether the stage is
// weak (claims only what no strong stage claims).
func StageOfFunc(fn string) (string, bool) {
	for _, p := range transparent {
		if strings.HasPrefix(fn, p) {
			return "", false
		}
	}
	for _, st := range stages {
		for _, p := range st.prefixes {
			if strings.HasPrefix(fn, p) {
				return st.name, st.weak
			}
		}
	}
	return "", false
}
