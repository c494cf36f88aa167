package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanGoldenText(t *testing.T) {
	out, errOut, code := strata(t, "scan", suspect)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if errOut != "" {
		t.Errorf("stderr is not a terminal, yet got %q", errOut)
	}
	golden(t, "scan-suspect.txt", out)
}

func TestScanExitCodes(t *testing.T) {
	dir := t.TempDir()
	badRule := filepath.Join(dir, "bad.yar")
	os.WriteFile(badRule, []byte("rule broken {\n condition:\n  nosuch\n}\n"), 0o644)
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"scan", suspect}, 0, ""},
		{[]string{"scan", "--fail-on", "high", suspect}, 1, ""},
		{[]string{"scan", "--fail-on", "critical", original, suspect}, 1, ""},
		{[]string{"scan", "--fail-on", "high", original}, 0, ""},
		{[]string{"scan", "--fail-on", "info", original}, 1, ""},
		{[]string{"scan", "--fail-on", "severe", suspect}, 2, "--fail-on"},
		{[]string{"scan", "--format", "yaml", suspect}, 2, "--format"},
		{[]string{"scan", "--max-file-size", "lots", suspect}, 2, "--max-file-size"},
		{[]string{"scan", "--rules", badRule, suspect}, 2, "bad.yar"},
		{[]string{"scan", filepath.Join(dir, "missing.tar")}, 2, "missing.tar"},
		{[]string{"scan"}, 2, "IMAGE"},
	}
	for _, tc := range tests {
		_, errOut, code := strata(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %q", tc.args, code, errOut, tc.code, tc.stderr)
		}
	}
}

func TestScanJSON(t *testing.T) {
	out, errOut, code := strata(t, "scan", "--format", "json", "--fail-on", "critical", suspect, original)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Scans []map[string]json.RawMessage `json:"scans"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Scans) != 2 {
		t.Fatalf("%d scans", len(doc.Scans))
	}
	for _, k := range []string{"image", "base", "verdict", "headline", "summary", "files", "scanned", "findings"} {
		if _, ok := doc.Scans[0][k]; !ok {
			t.Errorf("scan lacks %q", k)
		}
	}
	var image map[string]any
	json.Unmarshal(doc.Scans[0]["image"], &image)
	for _, k := range []string{"input", "format", "digest", "config_digest", "tags"} {
		if _, ok := image[k]; !ok {
			t.Errorf("image lacks %q", k)
		}
	}
	var summary map[string]int
	json.Unmarshal(doc.Scans[0]["summary"], &summary)
	if len(summary) != 5 || summary["critical"] < 3 {
		t.Errorf("summary %v", summary)
	}
	var verdicts [2]string
	json.Unmarshal(doc.Scans[0]["verdict"], &verdicts[0])
	json.Unmarshal(doc.Scans[1]["verdict"], &verdicts[1])
	if verdicts != [2]string{"suspicious", "clean"} {
		t.Errorf("verdicts %v", verdicts)
	}
	var findings []map[string]any
	json.Unmarshal(doc.Scans[0]["findings"], &findings)
	found := false
	for _, f := range findings {
		for _, k := range []string{"rule", "category", "severity", "title", "path", "layer", "history", "created_by", "evidence", "remediation"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding lacks %q: %v", k, f)
			}
		}
		if f["rule"] == "STRATA-LP-001" {
			found = f["layer"] == 5.0 && f["history"] == 8.0 && f["severity"] == "critical" && f["path"] == "/usr/share/lib/reverse_shell.so"
		}
		if f["rule"] == "STRATA-CF-007" && f["layer"] != nil {
			t.Errorf("config finding has a layer: %v", f)
		}
	}
	if !found {
		t.Errorf("no critical STRATA-LP-001 at layer 5, history 8: %s", doc.Scans[0]["findings"])
	}
}

func TestScanSARIF(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "scan.sarif")
	_, errOut, code := strata(t, "scan", "--format", "sarif", "-o", dst, suspect, original)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription struct {
							Text string `json:"text"`
						} `json:"shortDescription"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-schema-2.1.0") {
		t.Errorf("version %q, schema %q", log.Version, log.Schema)
	}
	if len(log.Runs) != 2 {
		t.Fatalf("%d runs, want one per image", len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "strata" {
		t.Errorf("driver %q", run.Tool.Driver.Name)
	}
	rules := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		if r.ID == "" || r.ShortDescription.Text == "" {
			t.Errorf("rule without id or description: %+v", r)
		}
		rules[r.ID] = true
	}
	uris := map[string]bool{}
	for _, r := range run.Results {
		if !rules[r.RuleID] || r.Message.Text == "" || len(r.Locations) != 1 {
			t.Errorf("result %s: rule listed %v, message %q, %d locations", r.RuleID, rules[r.RuleID], r.Message.Text, len(r.Locations))
		}
		switch r.Level {
		case "error", "warning", "note":
		default:
			t.Errorf("result %s: level %q", r.RuleID, r.Level)
		}
		for _, l := range r.Locations {
			uris[l.PhysicalLocation.ArtifactLocation.URI] = true
			if l.PhysicalLocation.ArtifactLocation.URIBaseID != "IMAGE" {
				t.Errorf("uriBaseId %q", l.PhysicalLocation.ArtifactLocation.URIBaseID)
			}
		}
	}
	for _, u := range []string{"usr/share/lib/reverse_shell.so", "etc/cron.d/apt-compat-sync", "config"} {
		if !uris[u] {
			t.Errorf("no result located at %s: %v", u, uris)
		}
	}
}

func TestTrustAndScan(t *testing.T) {
	data := t.TempDir()
	out, errOut, code := strata(t, "--data-dir", data, "trust", "add", original)
	if code != 0 || !strings.Contains(out, "6 layers") {
		t.Fatalf("trust add: exit %d %q %s", code, out, errOut)
	}
	out, _, _ = strata(t, "--data-dir", data, "trust", "list", "--format", "json")
	var list struct {
		Images []struct {
			DiffIDs []string `json:"diff_ids"`
			Tags    []string `json:"tags"`
		} `json:"images"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Images) != 1 || len(list.Images[0].DiffIDs) != 6 {
		t.Fatalf("trust list: %v %s", err, out)
	}
	// The suspect's last layer differs from the original's: it is built on the original's
	// first five layers, which the trusted chain does not cover as a whole, so it is untrusted.
	out, _, _ = strata(t, "--data-dir", data, "scan", suspect)
	if !strings.Contains(out, "STRATA-TR-001") {
		t.Errorf("suspect scanned against the original: no untrusted-base finding:\n%s", out)
	}
	out, _, _ = strata(t, "--data-dir", data, "scan", original)
	if !strings.Contains(out, "Base     strata-demo/webapp:1.2") || strings.Contains(out, "STRATA-TR-001") {
		t.Errorf("original scanned against itself:\n%s", out)
	}
}

func TestRulesCommands(t *testing.T) {
	out, errOut, code := strata(t, "rules", "list")
	if code != 0 || !strings.Contains(out, "STRATA-RS-020") || !strings.Contains(out, "STRATA-LP-001") {
		t.Fatalf("rules list: exit %d %s %s", code, out, errOut)
	}
	// Every rule, not only YARA's: the analyzers' rules are listed from the same catalog.
	for _, id := range []string{"STRATA-SE-001", "STRATA-WS-101", "STRATA-RS-001", "STRATA-TP-002", "STRATA-PKG-001"} {
		if !strings.Contains(out, id) {
			t.Errorf("rules list lacks the analyzer rule %s", id)
		}
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yar")
	os.WriteFile(good, []byte("rule mine : webshell {\n meta:\n  score = 80\n strings:\n  $a = \"evil_marker\"\n condition:\n  $a\n}\n"), 0o644)
	out, _, code = strata(t, "rules", "list", "--rules", good, "--format", "json")
	var listed struct {
		Rules []struct {
			ID, Source, Detail string
			HelpURI            string `json:"help_uri"`
		}
	}
	if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil {
		t.Fatalf("rules list --format json: exit %d, %v", code, err)
	}
	kinds := map[string]bool{}
	for _, r := range listed.Rules {
		kinds[strings.SplitN(r.Source, ":", 2)[0]] = true
		if r.Detail == "" || !strings.Contains(r.HelpURI, "docs/rules.md#") {
			t.Errorf("rule %s lacks detail or help_uri: %+v", r.ID, r)
		}
	}
	if !kinds["analyzer"] || !kinds["builtin"] || len(kinds) != 3 {
		t.Errorf("rules list --rules: sources %v, want analyzer, builtin and the user file", kinds)
	}
	out, errOut, code = strata(t, "rules", "check", good)
	if code != 0 || !strings.Contains(out, "high") || !strings.Contains(out, "webshell") {
		t.Errorf("rules check good: exit %d %s %s", code, out, errOut)
	}
	// A rule libyara warns slows scanning is named with its file and line.
	slow := filepath.Join(dir, "slow.yar")
	os.WriteFile(slow, []byte("rule quick { strings: $a = \"strata\" condition: $a }\nrule Slow_One {\n strings:\n  $a = { 4D ?? ?? 5A }\n condition: $a\n}\n"), 0o644)
	out, errOut, code = strata(t, "rules", "check", "--format", "json", slow)
	var checked struct {
		SlowRules []struct {
			File, Rule, Text string
			Line             int
		} `json:"slow_rules"`
	}
	if err := json.Unmarshal([]byte(out), &checked); code != 0 || err != nil || len(checked.SlowRules) != 1 ||
		checked.SlowRules[0].Rule != "Slow_One" || checked.SlowRules[0].File != slow || checked.SlowRules[0].Line != 4 {
		t.Errorf("rules check of a slow rule: exit %d %v %+v %s", code, err, checked, errOut)
	}
	_, errOut, _ = strata(t, "rules", "check", slow)
	if !strings.Contains(errOut, "slow.yar:4: rule Slow_One: string \"$a\" may slow down scanning") {
		t.Errorf("rules check of a slow rule says %q", errOut)
	}
	bad := filepath.Join(dir, "bad.yar")
	os.WriteFile(bad, []byte("rule broken {\n condition:\n  nosuch\n}\n"), 0o644)
	_, errOut, code = strata(t, "rules", "check", good, bad)
	if code != 2 || !strings.Contains(errOut, "bad.yar:") {
		t.Errorf("rules check bad: exit %d %s", code, errOut)
	}
	// A user rule raises a finding in the scan, with its meta.
	out, _, code = strata(t, "scan", "--no-builtin-rules", "--rules", good, "--format", "json", suspect)
	if code != 0 || strings.Contains(out, "STRATA-LP-001") {
		t.Errorf("--no-builtin-rules still ran the built-in rules: exit %d", code)
	}
}
