package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// minerPayload is a miner configuration of our own.
const minerPayload = `{"autosave": true, "pools": [{"algo": "rx/0", "url": "pool.example.org:443", "user": "worker-01", "pass": "x"}]}` + "\n"

// scanFindings scans ref with --no-record and returns its findings' rule -> path.
func scanFindings(t *testing.T, ref string) map[string]string {
	t.Helper()
	out, errOut, code := strata(t, "scan", "--no-record", "--format", "json", ref)
	if code == 2 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Scans []struct {
			Findings []struct{ Rule, Path string } `json:"findings"`
		} `json:"scans"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Scans) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	got := map[string]string{}
	for _, f := range doc.Scans[0].Findings {
		got[f.Rule] = f.Path
	}
	return got
}

func writeImage(t *testing.T, img imagebuild.Image) string {
	t.Helper()
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := imagebuild.WriteDockerArchive(&buf, imagebuild.Classic, b); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestScanSparseMinerConfig: a miner configuration in the data region of a 2 GiB sparse file
// raises the same finding as the configuration as a small file; a sparse file's logical size
// does not exempt it from content analysis.
func TestScanSparseMinerConfig(t *testing.T) {
	const rule = "STRATA-MN-003"
	small := writeImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Compression: imagebuild.Gzip, Files: []imagebuild.File{
		imagebuild.Reg("opt/cfg/config.json", minerPayload),
	}}}})
	if got := scanFindings(t, small); got[rule] != "/opt/cfg/config.json" {
		t.Fatalf("the small miner config: findings %v", got)
	}
	sparse := writeImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Compression: imagebuild.Gzip, Files: []imagebuild.File{
		imagebuild.SparseFile("opt/cfg/config.json", 2<<30, imagebuild.Region{Offset: 1 << 30, Data: []byte(minerPayload)}),
	}}}})
	if got := scanFindings(t, sparse); got[rule] != "/opt/cfg/config.json" {
		t.Errorf("the sparse miner config: findings %v", got)
	}
}
