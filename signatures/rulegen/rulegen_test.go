package rulegen

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/hillu/go-yara/v4"
)

// TestGenerate checks that a set is the same for the same seed and different for another, that
// every file compiles with the externals Strata defines, and that the set has the shapes it
// promises.
func TestGenerate(t *testing.T) {
	a, b, c := Generate(DefaultFiles, 1), Generate(DefaultFiles, 1), Generate(DefaultFiles, 2)
	if len(a) != DefaultFiles {
		t.Fatalf("got %d files, want %d", len(a), DefaultFiles)
	}
	same, differ := true, false
	for i := range a {
		same = same && a[i].Name == b[i].Name && bytes.Equal(a[i].Text, b[i].Text)
		differ = differ || !bytes.Equal(a[i].Text, c[i].Text)
	}
	if !same || !differ {
		t.Fatalf("same seed gives the same set: %v; another seed another: %v", same, differ)
	}
	comp, err := yara.NewCompiler()
	if err != nil {
		t.Fatal(err)
	}
	defer comp.Destroy()
	for _, v := range []string{"filename", "filepath", "extension", "filetype", "owner"} {
		if err := comp.DefineVariable(v, ""); err != nil {
			t.Fatal(err)
		}
	}
	names := map[string]bool{}
	for _, f := range a {
		if names[f.Name] {
			t.Fatalf("%s generated twice", f.Name)
		}
		names[f.Name] = true
		if err := comp.AddString(string(f.Text), f.Name); err != nil {
			t.Fatalf("%s does not compile: %v %v\n%s", f.Name, err, comp.Errors, f.Text)
		}
	}
	rules, err := comp.GetRules()
	if err != nil {
		t.Fatal(err)
	}
	defer rules.Destroy()
	all := rules.GetRules()
	slow := 0
	for _, w := range comp.Warnings {
		if strings.Contains(w.Text, "slow") {
			slow++
		}
	}
	joined := string(bytes.Join(func() [][]byte {
		var out [][]byte
		for _, f := range a {
			out = append(out, f.Text)
		}
		return out
	}(), nil))
	for _, want := range []string{"uint16(0) == 0x5a4d", "uint32be(0) == 0x7F454C46", "import \"pe\"", "import \"elf\"",
		"import \"math\"", "import \"hash\"", "extension ==", "filepath contains", "filename ==", "filetype ==", "private rule",
		"global private rule", " wide", " nocase", "[1-", "??", " of them"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the set has no %q", want)
		}
	}
	t.Logf("%d files, %d rules, %d slow-string warnings", len(a), len(all), slow)
	if len(all) < 5*DefaultFiles/2 || slow == 0 {
		t.Errorf("got %d rules and %d slow-string warnings; want at least %d rules and some warnings", len(all), slow, 5*DefaultFiles/2)
	}
}

// ruleBlock is one rule as the generator writes it.
var ruleBlock = regexp.MustCompile(`(?ms)^(global )?(private )?rule \S+.*?^}\n`)

// TestGenerateTested: leaving out rules that fired keeps every other rule as Generate writes
// it, and the files still compile.
func TestGenerateTested(t *testing.T) {
	all := Generate(50, 3)
	var names []string
	for _, f := range all {
		for _, line := range strings.Split(string(f.Text), "\n") {
			if strings.HasPrefix(line, "rule ") {
				names = append(names, strings.Fields(line)[1])
			}
		}
	}
	drop := map[string]bool{}
	for i := 0; i < len(names); i += 3 {
		drop[names[i]] = true
	}
	tested := GenerateTested(50, 3, drop)
	kept := 0
	for i, f := range tested {
		text := string(f.Text)
		for name := range drop {
			if strings.Contains(text, "rule "+name+" ") {
				t.Errorf("%s: %s was left in", f.Name, name)
			}
		}
		// What is left is the original file less whole rules.
		rest := string(all[i].Text)
		for _, block := range ruleBlock.FindAllString(text, -1) {
			if !strings.Contains(rest, block) {
				t.Fatalf("%s: a rule is not in the untested file:\n%s", f.Name, block)
			}
		}
		comp, err := yara.NewCompiler()
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"filename", "filepath", "extension", "filetype", "owner"} {
			if err := comp.DefineVariable(v, ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := comp.AddString(text, f.Name); err != nil {
			t.Fatalf("%s does not compile without the dropped rules: %v\n%s", f.Name, err, text)
		}
		comp.Destroy()
		kept += strings.Count(text, "\nrule ") + strings.Count(text, "\nprivate rule ")
	}
	if kept == 0 || len(drop) == 0 {
		t.Fatalf("kept %d rules, dropped %d: the test proves nothing", kept, len(drop))
	}
}
