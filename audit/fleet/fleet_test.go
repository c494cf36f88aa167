package fleet

import (
	"slices"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/trust"
)

func member(name string, chain []string, status string, fs ...Finding) Member {
	m := Member{Name: name, Chain: chain, Status: status, Verdict: audit.VerdictClean, Tags: []string{name + ":1"}}
	for _, f := range fs {
		m.Summary[f.Severity]++
		if f.Severity >= audit.High && f.Category != audit.CategoryVulnerability {
			m.Verdict = audit.VerdictSuspicious
		}
	}
	m.Findings = fs
	return m
}

func finding(rule string, cat audit.Category, sev audit.Severity, layer int, path, sum, evidence string) Finding {
	return Finding{Finding: audit.Finding{Rule: rule, Category: cat, Severity: sev, Layer: layer, Path: path, Evidence: evidence,
		Title: rule + " title"}, SHA256: sum}
}

func TestBases(t *testing.T) {
	members := []Member{
		member("base", []string{"a", "b"}, StatusScanned),
		member("app", []string{"a", "b", "c"}, StatusScanned),
		member("variant", []string{"a", "b", "c", "d"}, StatusResumed),
		member("cousin", []string{"a", "x"}, StatusScanned),
		member("stranger", []string{"z"}, StatusScanned),
		member("twin", []string{"z"}, StatusScanned), // same layers as stranger, another config
	}
	trusted := []trust.Image{{ConfigDigest: "sha256:trusted", Tags: []string{"base:1"}, DiffIDs: []string{"a", "b"}}}
	tests := []struct {
		name    string
		trusted []trust.Image
		want    *Base
	}{
		{"app", nil, &Base{Kind: BaseFleet, Name: "base", Layers: 2, SharedWith: 2}},
		{"variant", nil, &Base{Kind: BaseFleet, Name: "app", Layers: 3, SharedWith: 1}},
		{"app", trusted, &Base{Kind: BaseTrusted, Name: "base:1", ConfigDigest: "sha256:trusted", Layers: 2, Trusted: true, SharedWith: 2}},
		{"cousin", trusted, &Base{Kind: BaseShared, Layers: 1, SharedWith: 3}},
		{"base", nil, &Base{Kind: BaseShared, Layers: 1, SharedWith: 3}},
		{"stranger", nil, nil}, // a one-layer image has nothing below its own layer
	}
	for _, tt := range tests {
		var m *Member
		for i := range members {
			if members[i].Name == tt.name {
				m = &members[i]
			}
		}
		got := baseOf(m, members, tt.trusted)
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("%s (trusted %v): base %+v, want %+v", tt.name, len(tt.trusted) > 0, got, tt.want)
		}
	}
}

func TestShared(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	secret := func(layer int) Finding {
		return finding("STRATA-SEC-001", audit.CategorySecret, audit.High, layer, "", "", "AKIA****")
	}
	withIndicators := func(f Finding, inds ...audit.Indicator) Finding { f.Indicators = inds; return f }
	ip := audit.Indicator{Kind: audit.IndicatorIP, Value: "198.51.100.7"}
	port := audit.Indicator{Kind: audit.IndicatorPort, Value: "4444"}
	members := []Member{
		// The implant file in base's layer 1, inherited by app; added again by other in layer 3.
		member("base", []string{"a", "b"}, StatusScanned, withIndicators(finding("RS", audit.CategoryReverseShell, audit.Critical, 1, "/x", "f00d", "nc"), ip, port)),
		member("app", []string{"a", "b", "c"}, StatusScanned, withIndicators(finding("RS", audit.CategoryReverseShell, audit.Critical, 1, "/x", "f00d", "nc"), ip, port)),
		member("other", []string{"q", "r", "s", "t"}, StatusResumed, withIndicators(finding("RS", audit.CategoryReverseShell, audit.Critical, 3, "/y", "f00d", "nc"), port)),
		// The same secret in the config of two images: the older introduced it.
		member("young", []string{"m"}, StatusScanned, secret(-1)),
		member("old", []string{"n"}, StatusScanned, secret(-1)),
		// Seen once only, and known vulnerabilities: never shared indicators. A finding whose
		// category is a setting but whose labels say persistence can be an implant.
		member("single", []string{"p"}, StatusScanned, finding("MINER", audit.CategoryMiner, audit.High, 0, "/m", "beef", ""),
			finding("CVE-1", audit.CategoryVulnerability, audit.High, 0, "/lib", "cafe", "")),
		member("single2", []string{"p2"}, StatusScanned, finding("CVE-1", audit.CategoryVulnerability, audit.High, 0, "/lib", "cafe", "")),
		// A failed image's findings (none) and status do not count.
		member("broken", nil, StatusFailed),
	}
	members[3].Created, members[4].Created = t0.Add(time.Hour), t0
	got := shared(members)
	byKind := map[string]Indicator{}
	for _, s := range got {
		byKind[s.Kind] = s
	}
	if len(got) != 3 {
		t.Fatalf("%d shared indicators, want the file, the secret and the address: %+v", len(got), got)
	}
	file := byKind[IndicatorFile]
	if file.Value != "sha256:f00d" || file.IntroducedBy != "base" || file.Layer != 1 || file.DiffID != "b" || file.Inherited != 1 ||
		!slices.Equal(file.Images, []string{"app", "base", "other"}) || !slices.Equal(file.Paths, []string{"/x", "/y"}) {
		t.Errorf("file indicator %+v", file)
	}
	if s := byKind[IndicatorFinding]; s.Value != "STRATA-SEC-001" || s.IntroducedBy != "old" || s.Layer != -1 || s.Inherited != 0 {
		t.Errorf("config secret %+v: want introduced by the older image", s)
	}
	// The address the analyzers found in base's and app's copy; the port all three name is too
	// little to tie images together.
	if s := byKind[string(audit.IndicatorIP)]; s.Value != "198.51.100.7" || !slices.Equal(s.Images, []string{"app", "base"}) {
		t.Errorf("address %+v", s)
	}
	if s, ok := byKind[string(audit.IndicatorPort)]; ok {
		t.Errorf("a port is a shared indicator: %+v", s)
	}
}

func TestBuildRowsAndGates(t *testing.T) {
	members := []Member{
		member("clean", []string{"a"}, StatusScanned),
		member("bad", []string{"a", "b"}, StatusScanned, finding("RS", audit.CategoryReverseShell, audit.Critical, 1, "/x", "f", ""),
			finding("CVE", audit.CategoryVulnerability, audit.Critical, 1, "/lib", "g", "")),
		member("broken", nil, StatusFailed),
		member("vulnerable", []string{"a", "c"}, StatusResumed, finding("CVE", audit.CategoryVulnerability, audit.High, 1, "/lib", "g", "")),
	}
	f := Build(members, nil, nil, Stats{})
	var names []string
	for _, r := range f.Images {
		names = append(names, r.Name)
	}
	if !slices.Equal(names, []string{"bad", "clean", "vulnerable", "broken"}) {
		t.Errorf("row order %v: want the suspicious first and the unscanned last", names)
	}
	if top := f.Images[0].Top; top == nil || top.Rule != "RS" {
		t.Errorf("top finding of bad %+v: want the reverse shell before the vulnerability of the same severity", top)
	}
	if !slices.Equal(f.Clean, []string{"clean", "vulnerable"}) {
		t.Errorf("clean %v", f.Clean)
	}
	if !f.AtLeast(audit.Critical) || !f.AtLeast(audit.High) || f.Unscanned() != 1 {
		t.Errorf("AtLeast(critical) %v, Unscanned %d", f.AtLeast(audit.Critical), f.Unscanned())
	}
	f = Build(members[:1], nil, nil, Stats{})
	if f.AtLeast(audit.Low) || f.Unscanned() != 0 {
		t.Errorf("a clean fleet fails the gate")
	}
}
