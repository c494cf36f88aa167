package audit

import (
	"os"
	"regexp"
	"sort"
	"testing"
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
