package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// TestHostileEntriesAreReported: the entries path-traversal samples carry (a name climbing
// above the root, an absolute name, a file written through a symlink, a whiteout of its own
// directory, a hard link to nothing) are listed by inspect and raise tamper findings in scan.
func TestHostileEntriesAreReported(t *testing.T) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for _, h := range []tar.Header{
		{Name: "../../etc/cron.d/x", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "/abs/file", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "lnk", Typeflag: tar.TypeSymlink, Linkname: "/etc", Mode: 0o777},
		{Name: "lnk/passwd", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "tmp/.wh...", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "hl", Typeflag: tar.TypeLink, Linkname: "nowhere", Mode: 0o644},
	} {
		tw.WriteHeader(&h)
	}
	tw.Close()
	ref := writeImage(t, imagebuild.Image{Layers: []imagebuild.Layer{
		{Files: []imagebuild.File{imagebuild.Dir("etc"), imagebuild.Reg("etc/passwd", "root:x:0:0::/root:/bin/sh\n"), imagebuild.Dir("tmp")}},
		{Raw: raw.Bytes()},
	}})
	out, errOut, code := strata(t, "inspect", "--no-record", "--format", "json", ref)
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, errOut)
	}
	var doc struct{ Anomalies []struct{ Kind, Path string } }
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, a := range doc.Anomalies {
		kinds[a.Kind] = true
	}
	for _, k := range []string{"unsafe-path", "absolute-path", "write-through-symlink", "broken-hardlink"} {
		if !kinds[k] {
			t.Errorf("inspect lists no %s anomaly: %+v", k, doc.Anomalies)
		}
	}
	got := scanFindings(t, ref)
	for _, rule := range []string{"STRATA-TP-005", "STRATA-TP-011", "STRATA-TP-012", "STRATA-TP-013"} {
		if !hasRule(got, rule) {
			t.Errorf("scan raises no %s: %v", rule, got)
		}
	}
}
