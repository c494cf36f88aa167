package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/signatures"
)

var (
	rulesOnce sync.Once
	rules     *signatures.RuleSet
	rulesErr  error
)

// builtinRules compiles the built-in YARA rules once for all tests.
func builtinRules(t testing.TB) *signatures.RuleSet {
	t.Helper()
	rulesOnce.Do(func() { rules, rulesErr = signatures.Compile(signatures.Options{}) })
	if rulesErr != nil {
		t.Fatal(rulesErr)
	}
	return rules
}

// scanRef opens ref and scans it with the standard analyzers.
func scanRef(t testing.TB, ref string, store trust.Store) *audit.Result {
	t.Helper()
	img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: scanSetWith(t, store)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// saveImage builds recipe (after tamper, when set) and writes it as a docker-archive.
func saveImage(t testing.TB, recipe imagebuild.Image, tamper func(*imagebuild.Built) error) string {
	t.Helper()
	b, err := imagebuild.Build(recipe)
	if err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		if err := tamper(b); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "image.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := imagebuild.WriteDockerArchive(f, imagebuild.Classic, b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// scanSet returns the standard analyzers with the built-in rules and no trust store, closed
// when the test ends.
func scanSet(t testing.TB) []audit.Analyzer { return scanSetWith(t, nil) }

func scanSetWith(t testing.TB, store trust.Store) []audit.Analyzer {
	t.Helper()
	set, err := standard.New(standard.Options{Rules: builtinRules(t), Trust: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close() })
	return set.Analyzers
}
