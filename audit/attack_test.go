package audit

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTechniqueNames keeps a name for every technique technique.go gives a rule, category or
// place: a report names them in words.
func TestTechniqueNames(t *testing.T) {
	src, err := os.ReadFile("technique.go")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, id := range regexp.MustCompile(`"(T[0-9]{4}(?:\.[0-9]{3})?)"`).FindAllStringSubmatch(string(src), -1) {
		ids[id[1]] = true
	}
	if len(ids) < 30 {
		t.Fatalf("found only %d technique IDs in technique.go", len(ids))
	}
	var missing []string
	for id := range ids {
		if TechniqueName(id) == "" {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no ATT&CK name for %v (add them to techniqueNames)", missing)
	}
	for _, c := range []struct{ id, name, url string }{
		{"T1574.006", "Hijack Execution Flow: Dynamic Linker Hijacking", "https://attack.mitre.org/techniques/T1574/006/"},
		{" t1105 ", "Ingress Tool Transfer", "https://attack.mitre.org/techniques/T1105/"},
		{"T9999", "", "https://attack.mitre.org/techniques/T9999/"},
	} {
		if got := TechniqueName(c.id); got != c.name {
			t.Errorf("TechniqueName(%q) = %q, want %q", c.id, got, c.name)
		}
		if got := TechniqueURL(c.id); got != c.url {
			t.Errorf("TechniqueURL(%q) = %q, want %q", c.id, got, c.url)
		}
	}
}

// A crafted file can make an analyzer quote megabytes; a finding carries a bounded title and
// evidence, cut on a rune boundary, and no indicator longer than a real one.
func TestFindingBounds(t *testing.T) {
	huge := strings.Repeat("é.", 300000)
	f := Finding{Rule: "STRATA-MN-010", Category: CategoryMiner, Severity: High, Layer: 0, Path: "/root/m.sh",
		Title: "connects to mining pool stratum+tcp://" + huge, Evidence: huge}
	f.AddIndicators(Indicator{Kind: IndicatorDomain, Value: huge}, Indicator{Kind: IndicatorDomain, Value: "pool.example.org"})
	f.finish()
	if len(f.Title) > MaxTitle+len("…") || !strings.HasSuffix(f.Title, "…") || !utf8.ValidString(f.Title) {
		t.Errorf("title of %d bytes, valid UTF-8 %v", len(f.Title), utf8.ValidString(f.Title))
	}
	if len(f.Evidence) > MaxEvidence+len("…") || !utf8.ValidString(f.Evidence) {
		t.Errorf("evidence of %d bytes", len(f.Evidence))
	}
	if len(f.Indicators) != 1 || f.Indicators[0].Value != "pool.example.org" {
		t.Errorf("indicators: %d, first %.40q", len(f.Indicators), f.Indicators[0].Value)
	}
}
