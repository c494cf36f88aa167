package main

import (
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// TestCraftedRPMDatabasesDoNotCrash: images holding the rpm databases that made scan, sbom
// and diff die (one in a goroutine no recover could reach, leaving a 16 MB temporary file) are
// read: the database is a problem naming it (sbom) and a finding (scan, diff), and the
// commands exit as usual; strata() checks that no temporary file is left.
func TestCraftedRPMDatabasesDoNotCrash(t *testing.T) {
	for name, db := range imagebuild.CraftedRPMDatabases() {
		t.Run(name, func(t *testing.T) {
			loc := "var/lib/rpm/" + name
			ref := writeImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Compression: imagebuild.Gzip, Files: []imagebuild.File{
				imagebuild.Reg("etc/os-release", "ID=rhel\nVERSION_ID=9\n"),
				imagebuild.RegBytes(loc, db),
			}}}})
			out, errOut, code := strata(t, "sbom", ref)
			if code != 0 || !strings.Contains(out, "problem: reading /"+loc+": ") {
				t.Errorf("sbom: exit %d, %s\n%s", code, errOut, out)
			}
			if got := scanFindings(t, ref); !hasRule(got, "STRATA-PKG-020") {
				t.Errorf("scan: findings %v", got)
			}
			out, errOut, code = strata(t, "diff", "--no-record", original, ref)
			if code == 2 || strings.Contains(errOut, "panic") {
				t.Errorf("diff: exit %d, %s\n%s", code, errOut, out)
			}
		})
	}
}

func hasRule(findings map[string]string, rule string) bool {
	_, ok := findings[rule]
	return ok
}
