package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// TestCommandsRecord runs inspect, scan and diff as a user would and checks what the history
// database holds afterwards.
func TestCommandsRecord(t *testing.T) {
	data := t.TempDir()
	steps := [][]string{
		{"scan", suspect},
		{"scan", suspect},
		{"scan", "--no-record", suspect},
		{"inspect", "--no-record", original},
		{"diff", original, suspect},
		{"diff", "--no-record", original, suspect},
	}
	for _, args := range steps {
		if _, errOut, code := strataIn(t, data, args...); code != 0 || errOut != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	out, _, _ := strataIn(t, data, "store", "--format", "json")
	var info storeInfoDoc
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"inputs": 4, "images": 2, "scans": 2, "diffs": 1, "layers": 7}
	for k, n := range want {
		if info.Counts[k] != n {
			t.Errorf("%s: %d, want %d", k, info.Counts[k], n)
		}
	}
	out, _, _ = strataIn(t, data, "history", "--format", "json")
	var doc struct {
		Scans []struct {
			RuleHash string            `json:"rule_hash"`
			Files    int               `json:"files"`
			Summary  map[string]int    `json:"summary"`
			Options  map[string]string `json:"options"`
			Input    struct {
				SHA256 string `json:"sha256"`
			} `json:"input"`
		} `json:"scans"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Scans) != 2 {
		t.Fatalf("%d scans", len(doc.Scans))
	}
	for _, s := range doc.Scans {
		if !strings.HasPrefix(s.RuleHash, "sha256:") || len(s.Input.SHA256) != 64 || s.Summary["critical"] == 0 || s.Files == 0 {
			t.Errorf("scan record: %+v", s)
		}
	}
	// The scanned layers are indexed: the implant can be traced by its path.
	out, _, _ = strataIn(t, data, "trace", "--format", "json", "--path", imagebuild.DemoPreloadPath)
	if strings.Count(out, `"where": "file"`) != 1 {
		t.Errorf("trace after scans:\n%s", out)
	}
	// Another database, named by --db, gets nothing from this one.
	other := filepath.Join(t.TempDir(), "other.db")
	if _, errOut, code := strataIn(t, data, "scan", "--db", other, suspect); code != 0 || errOut != "" {
		t.Fatalf("scan --db: exit %d %s", code, errOut)
	}
	out, _, _ = strataIn(t, data, "history", "--db", other, "--format", "json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Scans) != 1 {
		t.Errorf("--db: %s", out)
	}
	t.Setenv("STRATA_DB", other)
	out, _, _ = strataIn(t, data, "history", "--format", "json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Scans) != 1 {
		t.Errorf("STRATA_DB: %s", out)
	}
}
