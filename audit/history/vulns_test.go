package history

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
)

// A vulnerability finding's fields are stored with it and read back; accepted findings are
// stored apart, with what set them aside, and do not count in the scan's summary.
func TestRecordVulnerabilityAndAcceptedFindings(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "")
	img, trees := read(t, save(t, familyImages()["base"]))
	v := &audit.Vulnerability{ID: "CVE-2024-28085", Advisories: []string{"DEBIAN-CVE-2024-28085"}, Aliases: []string{},
		Ecosystem: "Debian:12", Package: "util-linux", Installed: "2.38.1-5", Fixed: "2.38.1-5+deb12u1", Status: audit.StatusFixed,
		Binaries:    []audit.VulnerablePackage{{Name: "bsdutils", Version: "1:2.38.1-5+b1", Arch: "amd64", Layer: 0, PURL: "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bb1?arch=amd64"}},
		Severity:    audit.VulnerabilitySeverity{Source: "cvss", CVSSVector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", CVSSScore: 5.5, Urgency: "low"},
		LayerDiffID: img.Layers[0].DiffID, Database: "/var/lib/dpkg/status"}
	vf := audit.Finding{Rule: v.ID, Category: audit.CategoryVulnerability, Severity: audit.Medium, Layer: 0, Path: "/var/lib/dpkg/status", History: 0, Title: "CVE-2024-28085 in util-linux", Vulnerability: v}
	accepted := audit.Finding{Rule: "STRATA-SE-018", Category: audit.CategorySecret, Severity: audit.High, Layer: 0, Path: "/etc/passwd", History: 0, Title: "example"}
	res := &audit.Result{Image: img, Findings: []audit.Finding{vf}, Accepted: []audit.Accepted{
		{Finding: accepted, By: audit.AcceptedByFile, Reason: "example values", Source: ".strataignore:3", Expires: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}}}
	id, err := s.RecordScan(ctx, img, trees, res, ScanInfo{RuleHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.Findings(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || !reflect.DeepEqual(fs[0].Vulnerability, v) {
		t.Fatalf("read back %+v, want the vulnerability fields %+v", fs, v)
	}
	if n := count(t, s, `SELECT count(*) FROM findings WHERE `+jsonField("vulnerability", "package")+` = 'util-linux' AND `+jsonField("vulnerability", "fixed")+` = '2.38.1-5+deb12u1'`); n != 1 {
		t.Errorf("querying the fields with json_extract: %d rows", n)
	}
	if n := count(t, s, `SELECT count(*) FROM accepted_findings WHERE scan_id = ? AND rule = 'STRATA-SE-018' AND accepted_by = 'ignore-file'
		AND reason = 'example values' AND source = '.strataignore:3' AND expires = '2025-06-30' AND diff_id = ?`, id, img.Layers[0].DiffID); n != 1 {
		t.Errorf("accepted finding rows: %d", n)
	}
	recs, err := s.Scans(ctx, ScanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Summary[audit.High] != 0 || recs[0].Summary[audit.Medium] != 1 || recs[0].Verdict != audit.VerdictClean {
		t.Errorf("scan record %+v: the accepted high finding must not count, nor the vulnerability in the verdict", recs)
	}
	for _, q := range []string{"UPDATE accepted_findings SET reason = ''", "DELETE FROM accepted_findings"} {
		if _, err := s.db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", q, err)
		}
	}
}
