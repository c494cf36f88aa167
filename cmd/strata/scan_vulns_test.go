package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// vulnAdvisories are OSV records in the Debian shapes for packages of the sample image (curl
// 7.88.1-10+deb12u5 in layer 1, bash 5.2.15-2+b2 and openssl 3.0.11-1~deb12u2).
var vulnAdvisories = map[string]string{
	"DSA-9001-1.json": `{"id":"DSA-9001-1","modified":"2024-06-01T00:00:00Z","summary":"curl - security update","upstream":["DEBIAN-CVE-2099-0001","CVE-2099-0001"],
		"affected":[{"package":{"ecosystem":"Debian:12","name":"curl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"7.88.1-10+deb12u6"}]}]}]}`,
	"DEBIAN-CVE-2099-0001.json": `{"id":"DEBIAN-CVE-2099-0001","modified":"2024-06-01T00:00:00Z","upstream":["CVE-2099-0001"],"details":"curl: heap overflow",
		"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}],
		"affected":[{"package":{"ecosystem":"Debian:12","name":"curl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"7.88.1-10+deb12u6"}]}],"ecosystem_specific":{"urgency":"medium"}}]}`,
	"DEBIAN-CVE-2099-0002.json": `{"id":"DEBIAN-CVE-2099-0002","modified":"2024-06-01T00:00:00Z","upstream":["CVE-2099-0002"],"details":"curl: fixed long ago",
		"affected":[{"package":{"ecosystem":"Debian:12","name":"curl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"7.88.1-10+deb12u1"}]}]}]}`,
	"DEBIAN-CVE-2099-0003.json": `{"id":"DEBIAN-CVE-2099-0003","modified":"2024-06-01T00:00:00Z","upstream":["CVE-2099-0003"],"details":"bash: not fixed yet",
		"affected":[{"package":{"ecosystem":"Debian:12","name":"bash"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}],"ecosystem_specific":{"urgency":"low"}}]}`,
	"DEBIAN-CVE-2099-0004.json": `{"id":"DEBIAN-CVE-2099-0004","modified":"2024-06-01T00:00:00Z","upstream":["CVE-2099-0004"],"details":"openssl: remote code execution",
		"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
		"affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.13-1~deb12u1"}]}],"ecosystem_specific":{"urgency":"high"}}]}`,
}

type vulnScanDoc struct {
	Scans []struct {
		Verdict  string `json:"verdict"`
		Findings []struct {
			Rule          string `json:"rule"`
			Category      string `json:"category"`
			Severity      string `json:"severity"`
			Layer         *int   `json:"layer"`
			Vulnerability *struct {
				ID          string   `json:"id"`
				Advisories  []string `json:"advisories"`
				Package     string   `json:"package"`
				Installed   string   `json:"installed"`
				Fixed       string   `json:"fixed"`
				LayerDiffID string   `json:"layer_diff_id"`
				Severity    struct {
					Source     string  `json:"source"`
					CVSSVector string  `json:"cvss_vector"`
					CVSSScore  float64 `json:"cvss_score"`
				} `json:"severity"`
			} `json:"vulnerability"`
		} `json:"findings"`
		Accepted []struct {
			Rule    string `json:"rule"`
			By      string `json:"by"`
			Reason  string `json:"reason"`
			Expires string `json:"expires"`
		} `json:"accepted"`
		AcceptedSummary map[string]int `json:"accepted_summary"`
	} `json:"scans"`
}

// vulnCLI imports vulnAdvisories into a fresh data directory and returns a runner of strata
// commands in dir (for ./.strataignore).
func vulnCLI(t *testing.T) (do func(args ...string) (string, string, int), dir string) {
	t.Helper()
	osv := t.TempDir()
	for name, body := range vulnAdvisories {
		if err := os.WriteFile(filepath.Join(osv, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := t.TempDir()
	dir = t.TempDir()
	do = func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		wd, _ := os.Getwd()
		os.Chdir(dir)
		defer os.Chdir(wd)
		code := run(context.Background(), append([]string{"--data-dir", data}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}
	if _, errOut, code := do("vulndb", "import", osv); code != 0 {
		t.Fatalf("vulndb import: exit %d: %s", code, errOut)
	}
	return do, dir
}

func scanVulns(t *testing.T, do func(args ...string) (string, string, int), args ...string) (vulnScanDoc, string) {
	t.Helper()
	abs, _ := filepath.Abs(suspect)
	out, errOut, code := do(append([]string{"scan", "--vulns", "--no-record", "--format", "json"}, append(args, abs)...)...)
	if code != 0 {
		t.Fatalf("scan --vulns %v: exit %d: %s", args, code, errOut)
	}
	var doc vulnScanDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	return doc, errOut
}

// open and accepted list a scan's vulnerability findings, sorted.
func vulnOutcome(doc vulnScanDoc) (open, accepted []string) {
	for _, f := range doc.Scans[0].Findings {
		if f.Vulnerability != nil {
			open = append(open, f.Rule)
		}
	}
	for _, a := range doc.Scans[0].Accepted {
		accepted = append(accepted, a.Rule+" by "+a.By)
	}
	sort.Strings(open)
	sort.Strings(accepted)
	return open, accepted
}

// TestScanWithVulns imports advisories offline and finds the packages they name in the sample
// image, one finding per vulnerability with its fields; a fix older than the installed version
// does not match.
func TestScanWithVulns(t *testing.T) {
	do, _ := vulnCLI(t)
	doc, _ := scanVulns(t, do)
	open, _ := vulnOutcome(doc)
	if fmt.Sprint(open) != "[CVE-2099-0001 CVE-2099-0003 CVE-2099-0004]" {
		t.Fatalf("vulnerability findings %v, want CVE-2099-0001 (curl deb12u5 < deb12u6), -0003 (bash, unfixed), -0004 (openssl)", open)
	}
	for _, f := range doc.Scans[0].Findings {
		v := f.Vulnerability
		if f.Rule != "CVE-2099-0001" {
			continue
		}
		if f.Layer == nil || *f.Layer != 1 || fmt.Sprint(v.Advisories) != "[DEBIAN-CVE-2099-0001 DSA-9001-1]" || v.Package != "curl" ||
			v.Installed != "7.88.1-10+deb12u5" || v.Fixed != "7.88.1-10+deb12u6" || !strings.HasPrefix(v.LayerDiffID, "sha256:") ||
			f.Severity != "medium" || v.Severity.Source != "cvss" || v.Severity.CVSSScore != 5.5 {
			t.Errorf("curl finding: layer %v, %+v", f.Layer, v)
		}
	}

	// --ignore-unfixed sets the bash finding aside; --severity critical keeps only openssl.
	doc, _ = scanVulns(t, do, "--ignore-unfixed")
	open, accepted := vulnOutcome(doc)
	if fmt.Sprint(open) != "[CVE-2099-0001 CVE-2099-0004]" || fmt.Sprint(accepted) != "[CVE-2099-0003 by ignore-unfixed]" {
		t.Errorf("--ignore-unfixed: open %v, accepted %v", open, accepted)
	}
	doc, _ = scanVulns(t, do, "--severity", "critical")
	open, accepted = vulnOutcome(doc)
	if fmt.Sprint(open) != "[CVE-2099-0004]" || len(accepted) != 2 || doc.Scans[0].AcceptedSummary["medium"] != 1 || doc.Scans[0].AcceptedSummary["low"] != 1 {
		t.Errorf("--severity critical: open %v, accepted %v %v", open, accepted, doc.Scans[0].AcceptedSummary)
	}
	if _, errOut, code := do("scan", "--vulns", "--no-record", "--severity", "urgent", suspect); code != 2 || !strings.Contains(errOut, "urgent") {
		t.Errorf("--severity urgent: exit %d: %s", code, errOut)
	}
}

// The accepted-findings file in the current directory (and --ignore FILE), with an expired
// entry, and a VEX document.
func TestScanAcceptedFindings(t *testing.T) {
	do, dir := vulnCLI(t)
	ignore := "CVE-2099-0001 package=curl expires=2999-12-31 fixed in the next image build\n" +
		"DEBIAN-CVE-2099-0003 expires=2020-01-01 was accepted once\n" +
		"STRATA-CF-007 a batch job: the orchestrator checks it, not a HEALTHCHECK\n"
	if err := os.WriteFile(filepath.Join(dir, ".strataignore"), []byte(ignore), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, errOut := scanVulns(t, do)
	open, accepted := vulnOutcome(doc)
	if fmt.Sprint(open) != "[CVE-2099-0003 CVE-2099-0004]" || fmt.Sprint(accepted) != "[CVE-2099-0001 by ignore-file STRATA-CF-007 by ignore-file]" {
		t.Errorf("with .strataignore: open %v, accepted %v", open, accepted)
	}
	if !strings.Contains(errOut, ".strataignore:2") || !strings.Contains(errOut, "expired on 2020-01-01") {
		t.Errorf("no warning for the expired entry: %q", errOut)
	}
	for _, a := range doc.Scans[0].Accepted {
		if a.Rule == "CVE-2099-0001" && (a.Reason != "fixed in the next image build" || a.Expires != "2999-12-31") {
			t.Errorf("accepted %+v", a)
		}
	}

	vex := filepath.Join(t.TempDir(), "openvex.json")
	os.WriteFile(vex, []byte(`{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.test/vex/1","author":"test","timestamp":"2024-06-01T00:00:00Z","version":1,
		"statements":[{"vulnerability":{"name":"CVE-2099-0004"},"products":[{"@id":"pkg:deb/debian/openssl"}],
		"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}`), 0o644)
	other := filepath.Join(t.TempDir(), "accepted.txt")
	os.WriteFile(other, []byte("CVE-2099-0003 package=bash the shell is not reachable\n"), 0o644)
	doc, _ = scanVulns(t, do, "--ignore", other, "--vex", vex)
	open, accepted = vulnOutcome(doc)
	if fmt.Sprint(open) != "[CVE-2099-0001]" || fmt.Sprint(accepted) != "[CVE-2099-0003 by ignore-file CVE-2099-0004 by vex]" {
		t.Errorf("--ignore FILE --vex: open %v, accepted %v", open, accepted)
	}
	if _, errOut, code := do("scan", "--vulns", "--no-record", "--ignore", filepath.Join(dir, "missing"), suspect); code != 2 || !strings.Contains(errOut, "missing") {
		t.Errorf("--ignore of a missing file: exit %d: %s", code, errOut)
	}
}

func TestVulnDBImportStrict(t *testing.T) {
	do, _ := vulnCLI(t)
	osv := t.TempDir()
	os.WriteFile(filepath.Join(osv, "good.json"), []byte(vulnAdvisories["DEBIAN-CVE-2099-0002.json"]), 0o644)
	os.WriteFile(filepath.Join(osv, "broken.json"), []byte(`{"id":`), 0o644)
	out, errOut, code := do("vulndb", "import", osv)
	if code != 0 || !strings.Contains(out, "1 files could not be imported") || !strings.Contains(out, "broken.json: ") {
		t.Errorf("import with a broken file: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := do("vulndb", "import", "--strict", osv); code != 2 || !strings.Contains(errOut, "broken.json") {
		t.Errorf("--strict: exit %d: %s", code, errOut)
	}
}
