package tui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// scanned returns the demo suspect at w×h, scanned from the image view with s.
func scanned(t *testing.T, w, h int) *Model {
	t.Helper()
	m := newLoaded(t, w, h, demoSuspect)
	press(t, m, "s")
	sc := m.images[0].scan
	if sc == nil || sc.phase != scanDone {
		t.Fatalf("scan did not finish: %+v", sc)
	}
	return m
}

func TestScanFindsImplant(t *testing.T) {
	m := scanned(t, 120, 40)
	im := m.current
	if im.tab != tabFindings {
		t.Errorf("s left tab %d, want the Findings tab", im.tab)
	}
	v := m.View()
	for _, want := range []string{"3 Findings (18)", "CRIT ld-preload", "STRATA-LP-001", "STRATA-CF-003", "L5", "reverse_shell.so", "SUSPICIOUS: 3 critical"} {
		if !strings.Contains(v, want) {
			t.Errorf("findings tab lacks %q:\n%s", want, v)
		}
	}
	// The details of the selected (first) finding.
	if !strings.Contains(v, "remediation:") || !strings.Contains(v, "step 8: COPY docker-entrypoint.sh /") {
		t.Errorf("details lack the remediation or the history step:\n%s", v)
	}
}

// Findings stream in: the content and tree analyzers' findings arrive before the scan ends.
func TestScanStreamsFindings(t *testing.T) {
	m := newLoaded(t, 120, 40, demoSuspect)
	s := m.images[0]
	cmd := m.c.startScan(s)
	var before, messages int
	for cmd != nil {
		msg := cmd()
		if _, ok := msg.(scanDoneMsg); ok && before == 0 {
			before = len(s.scan.findings)
		}
		if _, ok := msg.(scanFindingsMsg); ok {
			messages++
		}
		_, cmd = m.Update(msg)
	}
	if messages == 0 || before == 0 {
		t.Fatalf("no finding arrived before the scan ended (%d messages, %d findings)", messages, before)
	}
	if got := len(s.scan.findings); got != len(s.scan.result.Findings) {
		t.Errorf("after the scan the tab holds %d findings, the result %d", got, len(s.scan.result.Findings))
	}
}

func TestFindingsSortAndFilter(t *testing.T) {
	m := scanned(t, 120, 40)
	f := m.current.findings
	order := func() []string {
		var out []string
		for _, r := range f.rows {
			x := f.findings()[r]
			out = append(out, x.Rule+"@"+layerLabel(x.Layer))
		}
		return out
	}
	if first := f.findings()[f.rows[0]]; first.Severity != audit.Critical {
		t.Errorf("sorted by severity, the first finding is %s", first.Severity)
	}
	press(t, m, "o")
	if f.order != sortCategory {
		t.Fatalf("o sorted by %s, want category", f.order)
	}
	press(t, m, "o")
	if f.order != sortLayer {
		t.Fatalf("o o sorted by %s, want layer", f.order)
	}
	got := order()
	if !strings.HasSuffix(got[0], "@L-") || !strings.HasSuffix(got[len(got)-1], "@L5") {
		t.Errorf("sorted by layer: %v", got)
	}
	if !strings.Contains(m.View(), "sorted by layer") {
		t.Errorf("the title does not say the order:\n%s", m.View())
	}
	press(t, m, "/", "r", "e", "v", "e", "r", "s", "e", "enter")
	if len(f.rows) == 0 || len(f.rows) >= len(f.findings()) {
		t.Fatalf("filter kept %d of %d", len(f.rows), len(f.findings()))
	}
	for _, r := range f.rows {
		if x := f.findings()[r]; !strings.Contains(x.Path+x.Title, "reverse") {
			t.Errorf("filter kept %s %s", x.Rule, x.Path)
		}
	}
	press(t, m, "esc")
	if len(f.rows) != len(f.findings()) {
		t.Errorf("esc left %d of %d rows", len(f.rows), len(f.findings()))
	}
}

// Enter on a finding lands on its file: the layer selected, the tree open down to it, the
// row selected and the preview read.
func TestFindingJumpsToFile(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		m := scanned(t, size[0], size[1])
		im := m.current
		press(t, m, "o", "o")
		f := im.findings
		for i := 0; i < 40; i++ {
			if x := f.selected(); x != nil && x.Rule == "STRATA-LP-001" {
				break
			}
			press(t, m, "j")
		}
		if x := f.selected(); x == nil || x.Rule != "STRATA-LP-001" {
			t.Fatal("no STRATA-LP-001 finding to select")
		}
		press(t, m, "enter")
		if im.tab != tabFiles || im.files.layer != 5 || im.files.aggregate {
			t.Fatalf("enter left tab %d layer %d aggregate %v, want the files of layer 5", im.tab, im.files.layer, im.files.aggregate)
		}
		if v := im.files.tree.current(); v == nil || v.path != "/usr/share/lib/reverse_shell.so" {
			t.Fatalf("enter selected %v, want /usr/share/lib/reverse_shell.so", v)
		}
		v := m.View()
		checkFrame(t, v, size[0], size[1])
		for _, want := range []string{"/usr/share/lib/reverse_shell.so", "|.ELF", "layers: A5", "findings step", "7 CRIT   COPY docker-entrypoint.sh /"} {
			if !strings.Contains(v, want) {
				t.Errorf("%dx%d: preview lacks %q:\n%s", size[0], size[1], want, v)
			}
		}
		// esc goes back to the tree with the row selected.
		press(t, m, "esc")
		if !strings.Contains(m.View(), ">A  -rwxr-xr-x") {
			t.Errorf("%dx%d: the row is not selected in the tree:\n%s", size[0], size[1], m.View())
		}
	}
}

// A finding about the config without a file shows its step in the Dockerfile, or says why not.
func TestConfigFindingJump(t *testing.T) {
	m := scanned(t, 120, 40)
	f := m.current.findings
	for i := range f.rows {
		if x := f.findings()[f.rows[i]]; x.Path == "" {
			f.list.cursor = i
			break
		}
	}
	press(t, m, "enter")
	if m.current.tab == tabFindings && m.status == "" {
		t.Errorf("enter on a config finding did nothing and said nothing")
	}
}

func TestExportReport(t *testing.T) {
	m := newLoaded(t, 120, 40, demoSuspect)
	press(t, m, "x")
	if !strings.Contains(m.status, "press s to scan") {
		t.Errorf("export before a scan says %q", m.status)
	}
	press(t, m, "s", "x")
	dir := filepath.Join(m.c.work.DataDir, reportDir)
	if !strings.Contains(m.status, "wrote "+dir) {
		t.Fatalf("status after export: %q", m.status)
	}
	if !strings.Contains(m.View(), "wrote ") {
		t.Errorf("the status line does not show the path written:\n%s", m.View())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 3 {
		t.Fatalf("export wrote %v, want a JSON, a SARIF and a text report", names)
	}
	var doc struct {
		Scans []struct {
			Verdict  string `json:"verdict"`
			Findings []struct {
				Rule string `json:"rule"`
			} `json:"findings"`
		} `json:"scans"`
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "demo-suspect-") {
			t.Errorf("report name %q", n)
		}
		if filepath.Ext(n) != ".json" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
	}
	if len(doc.Scans) != 1 || doc.Scans[0].Verdict != "suspicious" || len(doc.Scans[0].Findings) != 18 {
		t.Errorf("JSON report: %+v", doc)
	}
	// A second export in the same second gets its own names.
	press(t, m, "x")
	if entries, _ := os.ReadDir(dir); len(entries) != 6 {
		t.Errorf("a second export left %d files, want 6", len(entries))
	}
}

func TestReportName(t *testing.T) {
	for _, tc := range []struct{ ref, want string }{
		{"../testdata/images/demo-suspect.tar", "demo-suspect"},
		{"docker-archive:/x/y/two.tar:@1", "_1"},
		{"dir:/srv/root fs/", "root_fs"},
		{"oci:../../etc/passwd", "passwd"},
		{"...", "image"},
	} {
		if got := reportName(tc.ref); got != tc.want {
			t.Errorf("reportName(%q) = %q, want %q", tc.ref, got, tc.want)
		}
	}
}

func TestScanOnOpen(t *testing.T) {
	opts := testOptions(t, demoSuspect)
	opts.Scan = true
	m := newLoadedWith(t, 80, 24, opts)
	if m.current == nil || m.current.tab != tabFindings {
		t.Fatal("--scan did not open the Findings tab")
	}
	if sc := m.images[0].scan; sc == nil || sc.phase != scanDone {
		t.Fatalf("--scan did not scan: %+v", sc)
	}
	checkFrame(t, m.View(), 80, 24)
}

// A vulnerability finding's detail says which advisory matched which package at which
// version, what fixes it and who rated it, and nothing of it reaches the terminal raw.
func TestVulnerabilityDetail(t *testing.T) {
	m := scanned(t, 160, 48)
	f := m.current.findings
	sc := m.current.st.scan
	sc.findings = append(sc.findings, audit.Finding{Rule: "STRATA-VULN-001", Category: audit.CategoryVulnerability, Severity: audit.Critical,
		Title: "CVE-2024-0001 in openssl", Layer: 1, History: -1, Path: "/var/lib/dpkg/status",
		Vulnerability: &audit.Vulnerability{ID: "CVE-2024-0001", Advisories: []string{"DSA-9999-1"}, Aliases: []string{"GHSA-x\x1b]52;c;evil\x07"},
			Ecosystem: "Debian:12", Package: "openssl", Installed: "3.0.11-1~deb12u1", Fixed: "3.0.11-1~deb12u2", Status: audit.StatusFixed,
			Binaries: []audit.VulnerablePackage{{Name: "libssl3", Version: "3.0.11-1~deb12u1", Layer: 1}},
			Severity: audit.VulnerabilitySeverity{Source: "cvss", CVSSScore: 9.8, CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
			Database: "/var/lib/dpkg/status"}})
	f.order = sortCategory
	f.refresh()
	for i, r := range f.rows {
		if f.findings()[r].Vulnerability != nil {
			f.list.cursor = i
		}
	}
	got := strings.Join(f.detailLines(200, 40), "\n")
	for _, want := range []string{"vulnerability CVE-2024-0001 (DSA-9999-1)", "package openssl 3.0.11-1~deb12u1 (Debian:12), fixed in 3.0.11-1~deb12u2",
		"installed as libssl3 3.0.11-1~deb12u1 (layer 1)", "severity from CVSS 9.8 CVSS:3.1/AV:N", "aliases: GHSA-x"} {
		if !strings.Contains(got, want) {
			t.Errorf("the detail lacks %q:\n%s", want, got)
		}
	}
	if strings.ContainsAny(got, "\x07") || strings.Contains(got, "]52;") && strings.Contains(got, "\x1b]") {
		t.Errorf("an escape from the advisory reached the detail raw: %q", got)
	}
	checkFrame(t, m.View(), 160, 48)
}
