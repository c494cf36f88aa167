package report

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

var updateRulesDoc = flag.Bool("update-rules-doc", false, "rewrite the rule index of docs/rules.md from the catalog")

// ruleIDsInSource returns every built-in rule id the analyzers' code and the built-in YARA
// rules name, with where.
func ruleIDsInSource(t *testing.T) map[string]string {
	t.Helper()
	ids := map[string]string{}
	re := regexp.MustCompile(`"(STRATA-[A-Z]+-[0-9A-Z]+)"`)
	skip := map[string]bool{"technique.go": true, "catalog.go": true}
	err := filepath.WalkDir(filepath.Join("..", ".."), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".cache", ".git", "testdata", "tui", "cmd", "bin":
				return filepath.SkipDir
			}
			return nil
		}
		yar := strings.HasSuffix(p, ".yar") && strings.Contains(p, filepath.Join("signatures", "rules"))
		if !yar && (!strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || skip[d.Name()]) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			ids[m[1]] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < 80 {
		t.Fatalf("found only %d rule ids in the source", len(ids))
	}
	return ids
}

// TestCatalogCoversEveryRule: every rule id an analyzer or a built-in YARA rule names is in
// the catalog with what SARIF and docs/rules.md need, so that no rule reaches code scanning
// without a description.
func TestCatalogCoversEveryRule(t *testing.T) {
	c := BuiltinCatalog()
	for id, where := range ruleIDsInSource(t) {
		if _, ok := c.Lookup(id); !ok {
			t.Errorf("%s (named in %s) is not in the rule catalog: add it to its analyzer's table in catalog.go", id, where)
		}
	}
	for _, r := range c.Rules() {
		if r.Description == "" || r.Detail == "" || r.Remediation == "" || r.Anchor == "" || !strings.HasPrefix(r.HelpURI, RulesDoc+"#") {
			t.Errorf("%s lacks description, detail, remediation or help: %+v", r.ID, r)
		}
		if _, err := audit.ParseSeverity(r.Severity); err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
		if _, ok := audit.ParseCategory(r.Category); !ok {
			t.Errorf("%s: unknown category %q", r.ID, r.Category)
		}
		if !contains(r.Tags, "security") || !contains(r.Tags, r.Category) {
			t.Errorf("%s: tags %v lack security or the category", r.ID, r.Tags)
		}
		if len(r.Techniques) == 0 && !noTechnique(r.ID) {
			t.Errorf("%s has no ATT&CK technique and is not in audit.NoTechnique", r.ID)
		}
	}
	// A user YARA rule without Strata meta points at the user rules section.
	if r, ok := NewCatalog(nil).Lookup("STRATA-RS-001"); !ok || r.Source != "analyzer:shell" {
		t.Errorf("analyzer rules without YARA: %+v", r)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func noTechnique(id string) bool {
	for k := range audit.NoTechnique {
		if k == id || strings.HasSuffix(k, "*") && strings.HasPrefix(id, strings.TrimSuffix(k, "*")) {
			return true
		}
	}
	return false
}

const (
	indexStart = "<!-- rule index: generated from the rule catalog (go test ./audit/report -run TestRulesDocIndex -update-rules-doc) -->"
	indexEnd   = "<!-- end of the rule index -->"
)

// rulesIndex renders the catalog as the rule index of docs/rules.md: one row per rule, each
// with the anchor SARIF's helpUri points at.
func rulesIndex(c *Catalog) string {
	var b strings.Builder
	b.WriteString(indexStart + "\n\n")
	b.WriteString("| Rule | Category | Severity | Found by | What | ATT&CK |\n|------|----------|----------|----------|------|--------|\n")
	rules := c.Rules()
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	for _, r := range rules {
		sev := r.Severity
		if r.Severities != "" {
			sev += " (" + r.Severities + ")"
		}
		src := strings.TrimPrefix(r.Source, "analyzer:") + " analyzer"
		if strings.HasPrefix(r.Source, "builtin:") {
			src = "YARA " + strings.TrimPrefix(r.Source, "builtin:")
			if i := strings.LastIndexByte(src, ':'); i > 0 {
				src = src[:i]
			}
		}
		cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
		fmt.Fprintf(&b, "| <a id=\"%s\"></a>%s | %s | %s | %s | %s | %s |\n", r.Anchor, r.ID, r.Category, cell(sev), src, cell(r.Detail),
			strings.Join(r.Techniques, ", "))
	}
	b.WriteString("\n" + indexEnd)
	return b.String()
}

// TestRulesDocIndex: docs/rules.md holds the rule index as the catalog renders it, so that
// every rule's helpUri anchor exists.
func TestRulesDocIndex(t *testing.T) {
	p := filepath.Join("..", "..", "docs", "rules.md")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	want := rulesIndex(BuiltinCatalog())
	i, j := strings.Index(doc, indexStart), strings.Index(doc, indexEnd)
	if *updateRulesDoc {
		if i < 0 || j < i {
			doc = strings.TrimRight(doc, "\n") + "\n\n## Rule index\n\n" + want + "\n"
		} else {
			doc = doc[:i] + want + doc[j+len(indexEnd):]
		}
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if i < 0 || j < i {
		t.Fatalf("docs/rules.md has no rule index (go test ./audit/report -run TestRulesDocIndex -update-rules-doc)")
	}
	if got := doc[i : j+len(indexEnd)]; got != want {
		t.Errorf("docs/rules.md's rule index is not the catalog's (go test ./audit/report -run TestRulesDocIndex -update-rules-doc)")
	}
	for _, r := range BuiltinCatalog().Rules() {
		if !strings.Contains(doc, `<a id="`+r.Anchor+`"></a>`) {
			t.Errorf("docs/rules.md has no anchor %q for %s", r.Anchor, r.ID)
		}
	}
	if !strings.Contains(doc, "## User rules") {
		t.Error("docs/rules.md has no User rules section for user rules' helpUri")
	}
}
