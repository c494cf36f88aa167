package main

import (
	"encoding/json"
	"testing"
)

// TestDiffFindings: the diff lists what a scan finds in the changed files, with their layer,
// and leaves out findings the original shares (the base layer's setuid programs).
func TestDiffFindings(t *testing.T) {
	out, errOut, code := strata(t, "diff", "--format", "json", original, suspect)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Findings []struct {
			Rule  string `json:"rule"`
			Path  string `json:"path"`
			Layer *int   `json:"layer"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range doc.Findings {
		got[f.Rule+" "+f.Path] = true
		if f.Layer == nil || *f.Layer != 5 {
			t.Errorf("%s on %s: layer %v, want 5 (the replaced layer)", f.Rule, f.Path, f.Layer)
		}
		if f.Path == "/usr/bin/su" || f.Rule == "STRATA-CF-007" {
			t.Errorf("a finding the original shares is not news in a diff: %+v", f)
		}
	}
	for _, want := range []string{"STRATA-LP-001 /usr/share/lib/reverse_shell.so", "STRATA-PS-001 /etc/cron.d/apt-compat-sync"} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, got)
		}
	}

	out, _, _ = strata(t, "diff", "--no-scan", "--format", "json", original, suspect)
	var bare map[string]any
	if err := json.Unmarshal([]byte(out), &bare); err != nil {
		t.Fatal(err)
	}
	if _, ok := bare["findings"]; ok {
		t.Error("--no-scan still lists findings")
	}
}
