package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestScanWithVulns imports an advisory offline and finds the package it names in the sample
// image, with the layer that installed it; an advisory fixed before the installed version does
// not match.
func TestScanWithVulns(t *testing.T) {
	osv := t.TempDir()
	advisories := map[string]string{
		"DSA-9001-1.json": `{"id":"DSA-9001-1","aliases":["CVE-2099-0001"],"summary":"curl: heap overflow",
			"affected":[{"package":{"ecosystem":"Debian:12","name":"curl"},
			"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"7.88.1-10+deb12u6"}]}]}]}`,
		"DSA-9002-1.json": `{"id":"DSA-9002-1","aliases":["CVE-2099-0002"],"summary":"curl: fixed long ago",
			"affected":[{"package":{"ecosystem":"Debian:12","name":"curl"},
			"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"7.88.1-10+deb12u1"}]}]}]}`,
	}
	for name, body := range advisories {
		if err := os.WriteFile(filepath.Join(osv, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := t.TempDir()
	do := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"--data-dir", data}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}
	if _, errOut, code := do("vulndb", "import", osv); code != 0 {
		t.Fatalf("vulndb import: exit %d: %s", code, errOut)
	}
	out, errOut, code := do("scan", "--vulns", "--format", "json", suspect)
	if code != 0 {
		t.Fatalf("scan --vulns: exit %d: %s", code, errOut)
	}
	var doc struct {
		Scans []struct {
			Findings []struct {
				Rule     string `json:"rule"`
				Category string `json:"category"`
				Layer    *int   `json:"layer"`
				Title    string `json:"title"`
			} `json:"findings"`
		} `json:"scans"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var matched []string
	for _, f := range doc.Scans[0].Findings {
		if f.Category != "vulnerability" {
			continue
		}
		matched = append(matched, f.Rule)
		if f.Rule == "DSA-9001-1" && (f.Layer == nil || *f.Layer != 1) {
			t.Errorf("curl came with layer 1 (the apt-get step), finding says %v", f.Layer)
		}
	}
	if len(matched) != 1 || matched[0] != "DSA-9001-1" {
		t.Errorf("vulnerability findings %v, want only DSA-9001-1 (curl 7.88.1-10+deb12u5 < deb12u6; deb12u1 is fixed)", matched)
	}
}
