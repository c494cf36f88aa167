package signatures

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRulesCache checks that user rules compiled once are loaded from the cache the next time,
// scan the same, and are compiled again when a rule file's bytes change; that the cache keeps
// only the most recent entries; and that a damaged entry is compiled again, not trusted.
func TestRulesCache(t *testing.T) {
	rules := t.TempDir()
	cache := filepath.Join(t.TempDir(), "data", "yara-cache")
	p := filepath.Join(rules, "a.yar")
	write := func(s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rule := func(n int) string {
		return `import "pe"
rule PE_` + strings.Repeat("x", n) + ` { strings: $a = "strata" condition: uint16(0) == 0x5a4d and $a and pe.number_of_sections >= 0 }
rule Text { strings: $a = "strata" condition: filesize < 1KB and $a and filename == "t.txt" }
`
	}
	compile := func() *RuleSet {
		t.Helper()
		rs, err := Compile(Options{Paths: []string{rules}, NoBuiltin: true, CacheDir: cache})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(rs.Close)
		return rs
	}
	names := func(rs *RuleSet) []string {
		var out []string
		for _, r := range rs.Rules() {
			out = append(out, r.Name+"@"+r.Source)
		}
		return out
	}
	scan := func(rs *RuleSet, name string, data []byte) []string {
		s, err := rs.NewScanner()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ms, err := s.Scan(FileInfo{Path: "/srv/" + name}, data)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Rule.Name)
		}
		return out
	}
	write(rule(1))
	first := compile()
	if first.userCached {
		t.Fatal("the first compile came from an empty cache")
	}
	second := compile()
	if !second.userCached {
		t.Fatal("the second compile of the same rules did not come from the cache")
	}
	if a, b := names(first), names(second); !slices.Equal(a, b) || len(a) != 2 {
		t.Fatalf("rules: compiled %v, cached %v", a, b)
	}
	text := []byte("a strata note")
	for _, rs := range []*RuleSet{first, second} {
		if got := scan(rs, "t.txt", text); !slices.Equal(got, []string{"Text"}) {
			t.Errorf("t.txt: %v", got)
		}
		if got := scan(rs, "u.txt", text); len(got) != 0 {
			t.Errorf("u.txt: %v (the filename external is not set?)", got)
		}
	}
	write(rule(2))
	if changed := compile(); changed.userCached || !slices.Contains(names(changed), "PE_xx@"+p+":2") {
		t.Fatalf("a changed rule file: cached %v, rules %v", changed.userCached, names(changed))
	}
	for n := 3; n < 3+maxCacheEntries+2; n++ {
		write(rule(n))
		compile()
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != maxCacheEntries {
		t.Errorf("the cache holds %d entries, want %d", len(entries), maxCacheEntries)
	}
	// Damage the newest entry's compiled sets: it is compiled again.
	sets, _ := filepath.Glob(filepath.Join(cache, "*", "set-*.yarc"))
	for _, s := range sets {
		if err := os.WriteFile(s, []byte("not rules"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if rs := compile(); rs.userCached || !slices.Equal(scan(rs, "t.txt", text), []string{"Text"}) {
		t.Errorf("a damaged cache entry: cached %v", rs.userCached)
	}
	if rs := compile(); !rs.userCached {
		t.Error("the entry compiled again in place of a damaged one was not cached")
	}
}

// TestBuiltinCacheDamaged checks that a cached built-in set that does not load (torn, or from
// another libyara) is compiled again and replaced, that a class's older sets are removed when
// its new one is saved, and that a cache directory that cannot be written costs only the compile.
func TestBuiltinCacheDamaged(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "yara-cache")
	compile := func(dir string) *RuleSet {
		t.Helper()
		rs, err := Compile(Options{CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		rs.Close()
		return rs
	}
	compile(cache)
	sets, _ := filepath.Glob(filepath.Join(cache, builtinCachePrefix+"*.yarc"))
	if len(sets) != builtinClasses {
		t.Fatalf("cached sets: %v", sets)
	}
	stale := filepath.Join(cache, builtinCachePrefix+"text-00000000000000000000000000000000.yarc")
	if err := os.WriteFile(stale, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range sets {
		if err := os.WriteFile(p, []byte("YARA\x00torn"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if rs := compile(cache); rs.builtinCached != 0 {
		t.Fatalf("%d torn sets were loaded", rs.builtinCached)
	}
	if rs := compile(cache); rs.builtinCached != builtinClasses {
		t.Fatalf("after the torn sets were compiled again, %d classes came from the cache", rs.builtinCached)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the text class's older set was kept: %v", err)
	}
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if rs := compile(filepath.Join(blocked, "yara-cache")); rs.builtinCached != 0 {
		t.Fatal("loaded from a cache that cannot exist")
	}
}
