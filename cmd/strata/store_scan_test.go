package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics"
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
	// The recorded diff also records the scan of the suspect it runs for its findings.
	want := map[string]int{"inputs": 5, "images": 2, "scans": 3, "diffs": 1, "layers": 7}
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
	if len(doc.Scans) != 3 {
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

// TestScanUsesTheLayerCache: a second scan of an image in the same data directory takes every
// layer from the history database and reports exactly what the first did; --no-cache reads
// them all again, and so does a scan with other options (--no-packages).
func TestScanUsesTheLayerCache(t *testing.T) {
	data := t.TempDir()
	img, err := forensics.Open(context.Background(), suspect, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	layers := len(img.Layers)
	img.Close()
	runs := []struct {
		args   []string
		cached int
	}{
		{[]string{"scan", "--format", "json", suspect}, 0},
		{[]string{"scan", "--format", "json", suspect}, layers},
		{[]string{"scan", "--format", "json", "--no-cache", suspect}, 0},
		{[]string{"scan", "--format", "json", "--no-packages", suspect}, 0},
	}
	var outs []string
	for _, r := range runs {
		out, errOut, code := strataIn(t, data, r.args...)
		if code != 1 && code != 0 || errOut != "" {
			t.Fatalf("%v: exit %d, stderr %q", r.args, code, errOut)
		}
		outs = append(outs, out)
	}
	if outs[0] != outs[1] || outs[0] != outs[2] {
		t.Errorf("the cached scan reports something else:\nfirst:\n%s\nsecond:\n%s", outs[0], outs[1])
	}
	out, _, _ := strataIn(t, data, "history", "--format", "json")
	var doc struct {
		Scans []struct {
			ID           int64  `json:"id"`
			RuleHash     string `json:"rule_hash"`
			Files        int    `json:"files"`
			CachedLayers int    `json:"cached_layers"`
		} `json:"scans"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Scans) != len(runs) {
		t.Fatalf("%d scans recorded, want %d", len(doc.Scans), len(runs))
	}
	sort.Slice(doc.Scans, func(i, j int) bool { return doc.Scans[i].ID < doc.Scans[j].ID })
	for i, s := range doc.Scans {
		if s.CachedLayers != runs[i].cached || s.Files != doc.Scans[0].Files {
			t.Errorf("%v: %d layers cached, %d files; want %d and %d", runs[i].args, s.CachedLayers, s.Files, runs[i].cached, doc.Scans[0].Files)
		}
	}
	if doc.Scans[3].RuleHash == doc.Scans[0].RuleHash {
		t.Error("--no-packages did not change the rule set hash")
	}
	// The text history shows it too.
	out, _, _ = strataIn(t, data, "history")
	if !strings.Contains(out, "CACHED") || !strings.Contains(out, fmt.Sprintf("  %d  ", layers)) {
		t.Errorf("text history:\n%s", out)
	}
}
