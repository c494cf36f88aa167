package packages_test

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
	auditpkgs "github.com/strata-forensics/strata/audit/packages"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

func TestFindings(t *testing.T) {
	inv := &pkgs.Inventory{Packages: []pkgs.Package{{Ecosystem: pkgs.Deb, Name: "coreutils", Version: "9.1-1", Files: []pkgs.File{{Path: "/bin/ls"}}}}}
	in := &pkgs.Integrity{
		Mismatches: []pkgs.Mismatch{
			{Package: "coreutils", Version: "9.1-1", Path: "/usr/bin/ls", Listed: "/bin/ls", Layer: 2, Algorithm: "md5", Want: "a", Got: "b", Executable: true},
			{Package: "base-files", Version: "12.4", Path: "/etc/issue", Layer: 0, Algorithm: "md5", Want: "a", Got: "b", Conffile: true},
		},
		Unpackaged: []pkgs.Unpackaged{
			{Path: "/usr/bin/kworker", Layer: 2, Executable: true},
			{Path: "/usr/lib/os-data", Layer: 0},
			{Path: "/usr/sbin/backdoor", Layer: 0, Executable: true},
		},
	}
	got := auditpkgs.Findings(inv, in, 1)
	want := []struct {
		rule string
		sev  audit.Severity
		path string
	}{
		{auditpkgs.RuleModifiedProgram, audit.High, "/usr/bin/ls"},
		{auditpkgs.RuleModifiedConffile, audit.Low, "/etc/issue"},
		{auditpkgs.RuleNonPackaged, audit.Medium, "/usr/bin/kworker"},
		{auditpkgs.RuleNonPackaged, audit.High, "/usr/sbin/backdoor"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Rule != w.rule || got[i].Severity != w.sev || got[i].Path != w.path {
			t.Errorf("finding %d = %s %s %s, want %s %s %s", i, got[i].Rule, got[i].Severity, got[i].Path, w.rule, w.sev, w.path)
		}
	}
	// No database that lists files: nothing is called non-packaged.
	inv.Packages[0].Files = nil
	if n := len(auditpkgs.Findings(inv, in, 1)); n != 2 {
		t.Errorf("without file lists: %d findings, want the 2 mismatches", n)
	}
}
