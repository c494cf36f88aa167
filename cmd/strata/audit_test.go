package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// auditExport copies the demo images into a directory, as a registry export with a note.
func auditExport(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{suspect, original, ociOrig, docker25} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, "export", filepath.Base(filepath.Dir(p)))
		os.MkdirAll(sub, 0o755)
		if err := os.WriteFile(filepath.Join(sub, filepath.Base(p)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "export", "README"), []byte("what the registry held\n"), 0o644)
	return filepath.Join(dir, "export")
}

func TestAuditExitCodes(t *testing.T) {
	export := auditExport(t)
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("no image\n"), 0o644)
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"audit", export}, 0, ""},
		{[]string{"audit", "--fail-on", "high", export}, 1, ""},
		{[]string{"audit", "--fail-on", "critical", filepath.Join(export, "images", "demo-original.tar")}, 0, ""},
		{[]string{"audit", empty}, 2, "notes.txt: not a tar archive"},
		{[]string{"audit", filepath.Join(empty, "missing")}, 2, "missing"},
		{[]string{"audit"}, 2, "PATH"},
		{[]string{"audit", "--jobs", "-1", export}, 2, "--jobs"},
		{[]string{"audit", "--memory", "lots", export}, 2, "--memory"},
		// The workbench's audit takes the same flags, checked before the screen is taken.
		{[]string{"tui", "--jobs", "-1", export}, 2, "--jobs"},
		{[]string{"tui", "--memory", "lots", export}, 2, "--memory"},
		{[]string{"audit", "--format", "sarif", export}, 2, "--format"},
		{[]string{"audit", "--fail-on", "severe", export}, 2, "--fail-on"},
		// The report may not land in the evidence.
		{[]string{"audit", "-o", filepath.Join(export, "fleet.txt"), export}, 2, "fleet.txt"},
		{[]string{"audit", "--show-secrets", "--format", "json", export}, 2, "--show-secrets"},
	}
	for _, tc := range tests {
		_, errOut, code := strata(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %q", tc.args, code, errOut, tc.code, tc.stderr)
		}
	}
}

// TestAuditJSON: the fleet document's shape (docs/json.md), the demo pair as one family whose
// shared layers were read once, the README skipped.
func TestAuditJSON(t *testing.T) {
	export := auditExport(t)
	out, errOut, code := strata(t, "audit", "--format", "json", export)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Images   []map[string]json.RawMessage `json:"images"`
		Families []map[string]json.RawMessage `json:"families"`
		Shared   []map[string]json.RawMessage `json:"shared"`
		Clean    []string                     `json:"clean"`
		Skipped  []struct{ Path, Reason string }
		Stats    map[string]float64 `json:"stats"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Images) != 4 || len(doc.Skipped) != 1 || !strings.HasSuffix(doc.Skipped[0].Path, "README") {
		t.Fatalf("%d images, skipped %+v", len(doc.Images), doc.Skipped)
	}
	for _, k := range []string{"name", "input", "format", "input_sha256", "config_digest", "tags", "layers", "status",
		"scan_id", "verdict", "summary", "top_finding", "base", "layers_read", "layers_cached"} {
		if _, ok := doc.Images[0][k]; !ok {
			t.Errorf("image row lacks %q", k)
		}
	}
	for _, k := range []string{"images_found", "scanned", "resumed", "failed", "unrecorded", "skipped", "distinct_layers", "layer_reads", "layers_cached", "bytes_read", "seconds"} {
		if _, ok := doc.Stats[k]; !ok {
			t.Errorf("stats lack %q", k)
		}
	}
	if doc.Stats["layer_reads"] != doc.Stats["distinct_layers"] || doc.Stats["layers_cached"] == 0 {
		t.Errorf("stats %v: want each distinct layer read once and the shared ones from the cache", doc.Stats)
	}
	if len(doc.Families) == 0 || len(doc.Shared) == 0 {
		t.Errorf("families %d, shared %d: the demo pair shares its base and its implant", len(doc.Families), len(doc.Shared))
	}
}
