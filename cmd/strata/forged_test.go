package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// forgedArchives writes a clean docker-archive and a forgery with the same manifest.json and
// config whose second layer's tar was replaced by one that adds a miner config.
func forgedArchives(t *testing.T) (clean, forged string) {
	t.Helper()
	img := imagebuild.Image{Tags: []string{"example.test/app:1"}, Layers: []imagebuild.Layer{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:base in / ", Files: []imagebuild.File{imagebuild.Dir("etc"),
			imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), imagebuild.Reg("etc/os-release", "ID=debian\n")}},
		{CreatedBy: "COPY app /app # buildkit", Files: []imagebuild.File{imagebuild.Dir("app"), imagebuild.Reg("app/server.py", "print('hi')\n")}},
	}}
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := imagebuild.WriteDockerArchive(f, imagebuild.Classic, b); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean = write("clean.tar")
	swapped := img.Layers[1]
	swapped.Files = append(append([]imagebuild.File(nil), swapped.Files...), imagebuild.Dir("opt"),
		imagebuild.Reg("opt/config.json", `{"pools": [{"algo": "rx/0", "url": "pool.example.org:443", "user": "worker-01", "pass": "x"}]}`))
	if err := b.ReplaceLayer(1, swapped); err != nil {
		t.Fatal(err)
	}
	return clean, write("forged.tar")
}

// TestForgedLayerIsNeverTakenOnTrust: a layer swapped under its diff_id is found by a scan
// with a warm layer cache and by a diff, which has no shared layer to skip it by.
func TestForgedLayerIsNeverTakenOnTrust(t *testing.T) {
	clean, forged := forgedArchives(t)
	data := t.TempDir()
	if _, errOut, code := strataIn(t, data, "scan", clean); code != 0 {
		t.Fatalf("scan of the clean image: exit %d: %s", code, errOut)
	}
	out, errOut, code := strataIn(t, data, "scan", "--format", "json", "--fail-on", "high", forged)
	if code != exitFindings {
		t.Errorf("scan of the forgery with a warm cache: exit %d, want %d: %s", code, exitFindings, errOut)
	}
	for _, want := range []string{`"STRATA-TP-002"`, `"miner"`} {
		if !strings.Contains(out, want) {
			t.Errorf("scan of the forgery does not report %s:\n%s", want, out)
		}
	}

	out, errOut, code = strataIn(t, data, "diff", "--format", "json", "--fail-on-change", clean, forged)
	if code != exitFindings {
		t.Fatalf("diff --fail-on-change: exit %d, want %d: %s", code, exitFindings, errOut)
	}
	var doc struct {
		Summary struct {
			Added          int `json:"added"`
			LayersReplaced int `json:"layers_replaced"`
		} `json:"summary"`
		Layers struct {
			Replaced []struct {
				Suspect struct {
					DiffID     string `json:"diff_id"`
					ReadDiffID string `json:"read_diff_id"`
				} `json:"suspect"`
			} `json:"replaced"`
		} `json:"layers"`
		Files []struct {
			Path string `json:"path"`
		} `json:"files"`
		Anomalies []struct {
			Kind string `json:"kind"`
		} `json:"anomalies"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if doc.Summary.LayersReplaced != 1 || len(doc.Layers.Replaced) != 1 {
		t.Fatalf("replaced layers: %+v", doc.Layers)
	}
	if r := doc.Layers.Replaced[0].Suspect; r.ReadDiffID == "" || r.ReadDiffID == r.DiffID {
		t.Errorf("the replaced layer does not show what it hashed to: %+v", r)
	}
	found := false
	for _, f := range doc.Files {
		found = found || f.Path == "/opt/config.json"
	}
	if !found {
		t.Errorf("the swapped-in file is not in the diff: %+v", doc.Files)
	}
	mismatch := false
	for _, a := range doc.Anomalies {
		mismatch = mismatch || strings.Contains(a.Kind, "diff-id")
	}
	if !mismatch {
		t.Errorf("no diff_id anomaly: %+v", doc.Anomalies)
	}
}
