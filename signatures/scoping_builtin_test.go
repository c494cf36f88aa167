package signatures

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hillu/go-yara/v4"
)

// Every rule of a "scope: named" file is scanned only on files of the names the scope line
// lists: its condition must begin with a test of the file's path or name against those names
// and nothing else, or the scoping would hide matches its condition allows.
func TestNamedScope(t *testing.T) {
	srcs, err := builtinSources()
	if err != nil {
		t.Fatal(err)
	}
	rule := regexp.MustCompile(`(?ms)^(private )?rule (\w+)\s*\{.*?condition:\s*(.*?)^\}`)
	// ( filepath == "x" or filename == "y" ... ) and ...
	gate := regexp.MustCompile(`^\(?\s*((?:file(?:path|name) == "[^"]+"\s*(?:or\s*)?)+)\)?\s*and\b`)
	test := regexp.MustCompile(`file(path|name) == "([^"]+)"`)
	named := 0
	for _, s := range srcs {
		if s.group != groupNamed {
			continue
		}
		named++
		rules := rule.FindAllStringSubmatch(string(s.text), -1)
		if len(rules) == 0 {
			t.Errorf("%s: no rules", s.name)
		}
		for _, r := range rules {
			m := gate.FindStringSubmatch(r[3])
			if m == nil {
				t.Errorf("%s: rule %s: its condition does not begin with a test of the file's path or name", s.name, r[2])
				continue
			}
			for _, x := range test.FindAllStringSubmatch(m[1], -1) {
				if x[1] == "path" && !strings.HasPrefix(x[2], "/") || !slices.Contains(s.names, x[2]) {
					t.Errorf("%s: rule %s tests file%s == %q, which the scope line does not name (%v)", s.name, r[2], x[1], x[2], s.names)
				}
			}
		}
	}
	if named == 0 {
		t.Fatal("no built-in rule file has scope named")
	}
}

// elfGateTerms are the strings of the ELF rules, all in one file, so that only the externals
// decide whether a rule matches; elfGateImports the import lists the grid tries.
var (
	elfGateTerms   = "\x00/bin/sh\x00\x00RHOST\x00\x00LD_PRELOAD\x00\x00/proc\x00"
	elfGateImports = []string{"", "|connect|dup2|execve|", "|accept|dup|system|", "|getenv|socket|", "|getenv|connect|",
		"|unsetenv|system|", "|dlsym|", "|socket|dup2|execve|"}
)

// TestELFGate holds elfFacts.mayMatch to the ELF rules themselves: over a grid of facts and
// sizes, scanning a file that holds every string the rules look for with the ELF rule set, no
// rule matches where mayMatch says none can, and every reporting rule matches somewhere (a new
// rule whose strings or facts the grid lacks fails here until the grid and mayMatch know it).
func TestELFGate(t *testing.T) {
	rs, err := Compile(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	ys, err := yara.NewScanner(rs.elfRules)
	if err != nil {
		t.Fatal(err)
	}
	defer ys.Destroy()
	y := yaraScanner{ys: ys, uses: [5]bool{true, true, true, true, true}}
	elfRules := map[string]bool{}
	for _, r := range rs.list {
		if strings.HasPrefix(r.Source, "builtin:elf.yar:") {
			elfRules[r.Name] = false
		}
	}
	if len(elfRules) < 5 {
		t.Fatalf("found %d ELF rules", len(elfRules))
	}
	for _, size := range []int{1000, 20 << 10, 1100 << 10} {
		data := make([]byte, size)
		copy(data, "\x7fELF")
		copy(data[64:], elfGateTerms)
		for _, kind := range []string{"exec", "lib", "other", ""} {
			for _, dynsym := range []int64{10, 100, 300, 500} {
				for _, imports := range elfGateImports {
					for _, funcs := range []string{"", "|readdir|"} {
						for _, init := range []int64{0, 16} {
							for _, sections := range []int64{0, 20} {
								f := elfFacts{kind: kind, dynsym: dynsym, imports: imports, funcs: funcs,
									initArraySize: init, hasInitArray: init > 0, sections: sections}
								var m yara.MatchRules
								ys.SetCallback(&m)
								if err := y.defineELF(f); err != nil {
									t.Fatal(err)
								}
								if err := y.scan([5]string{"x", "/usr/lib/x", "", TypeELF, "root"}, data); err != nil {
									t.Fatal(err)
								}
								var got []string
								for _, r := range m {
									if _, ok := elfRules[r.Rule]; ok {
										elfRules[r.Rule] = true
										got = append(got, r.Rule)
									}
								}
								if len(got) > 0 && !f.mayMatch(size) {
									t.Errorf("size %d, %s: %v match where mayMatch says no ELF rule can", size, fmt.Sprintf("%+v", f), got)
								}
							}
						}
					}
				}
			}
		}
	}
	for r, seen := range elfRules {
		if !seen {
			t.Errorf("ELF rule %s never matched on the grid: give the grid its strings and facts", r)
		}
	}
}
