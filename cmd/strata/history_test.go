package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/signatures"
)

// strataIn runs one command line in-process with the given data directory, which the history
// database lives in.
func strataIn(t *testing.T, data string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"--data-dir", data}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

// scanAndRecord scans refs with the standard analyzers and records each scan, with the layer
// trees of a separate read, in the database of the data directory data.
func scanAndRecord(t *testing.T, data string, refs ...string) {
	t.Helper()
	ctx := context.Background()
	g := &globalOptions{dataDir: data}
	rs, err := signatures.Compile(signatures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	set, err := standard.New(standard.Options{Rules: rs})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	s, err := g.store(ctx, &storeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, ref := range refs {
		img, trees, err := g.readImage(ctx, ref, nil)
		if err != nil {
			t.Fatal(err)
		}
		started := time.Now()
		res, err := audit.Scan(ctx, img, audit.Options{Analyzers: set.Analyzers})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordScan(ctx, img, trees, res, history.ScanInfo{RuleHash: "test", Started: started}); err != nil {
			t.Fatal(err)
		}
		img.Close()
	}
}

// saveRecipe writes a recipe as a docker-archive under dir.
func saveRecipe(t *testing.T, dir, name string, img imagebuild.Image) string {
	t.Helper()
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := imagebuild.WriteDockerArchive(f, imagebuild.Classic, b); err != nil {
		t.Fatal(err)
	}
	return p
}

// demoFamily writes the demo pair plus an image built on the suspect and a re-tag of the
// original, and returns their paths.
func demoFamily(t *testing.T) (child, retagged string) {
	dir := t.TempDir()
	c := imagebuild.DemoSuspect()
	c.Tags = []string{"strata-demo/webapp-worker:1.0"}
	c.Layers = append(c.Layers, imagebuild.Layer{CreatedBy: "COPY worker.py /app/ # buildkit",
		Files: []imagebuild.File{imagebuild.Reg("app/worker.py", "print('worker')\n")}})
	c.History = append(c.History, imagebuild.Step{CreatedBy: "COPY worker.py /app/ # buildkit", Comment: "buildkit.dockerfile.v0"})
	r := imagebuild.DemoOriginal()
	r.Tags = []string{"strata-demo/webapp:1.2", "strata-demo/webapp:latest"}
	return saveRecipe(t, dir, "child", c), saveRecipe(t, dir, "retagged", r)
}

func configDigest(t *testing.T, ref string) string {
	t.Helper()
	img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	return img.ConfigDigest
}

func TestHistoryCommands(t *testing.T) {
	data := t.TempDir()
	child, retagged := demoFamily(t)
	scanAndRecord(t, data, original, suspect, child, retagged)
	origDigest, suspDigest, childDigest := configDigest(t, original), configDigest(t, suspect), configDigest(t, child)

	t.Run("family", func(t *testing.T) {
		out, errOut, code := strataIn(t, data, "family", suspDigest)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{"Ancestors", "Descendants", "webapp-worker:1.0"} {
			if !strings.Contains(out, want) {
				t.Errorf("family lacks %q:\n%s", want, out)
			}
		}
		out, _, _ = strataIn(t, data, "family", "--format", "json")
		var doc struct {
			Forest []*history.Node `json:"forest"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		// The original and the suspect share five layers but neither chain is a prefix of the
		// other; the worker image is built on the suspect.
		found := false
		for _, n := range doc.Forest {
			if n.Image.ConfigDigest == suspDigest && len(n.Children) == 1 && n.Children[0].Image.ConfigDigest == childDigest {
				found = true
			}
		}
		if !found {
			t.Errorf("forest does not hang the worker under the suspect:\n%s", out)
		}
	})
	t.Run("tags", func(t *testing.T) {
		out, errOut, code := strataIn(t, data, "tags", "strata-demo/webapp:1.2")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if strings.Count(out, "strata-demo/webapp:1.2") != 3 || !strings.Contains(out, "moved") {
			t.Errorf("tag history:\n%s", out)
		}
		out, _, _ = strataIn(t, data, "tags", "--format", "json", origDigest)
		var doc struct {
			Sightings []history.TagSighting `json:"sightings"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		tags := map[string]bool{}
		for _, s := range doc.Sightings {
			tags[s.Tag] = true
		}
		if !tags["strata-demo/webapp:latest"] || !tags["strata-demo/webapp:1.2"] {
			t.Errorf("tags of the original: %v", tags)
		}
	})
	t.Run("history", func(t *testing.T) {
		tests := []struct {
			args []string
			rows int
		}{
			{[]string{"history"}, 4},
			{[]string{"history", "--severity", "critical"}, 2},
			{[]string{"history", "--image", suspDigest}, 1},
			{[]string{"history", "--tag", "strata-demo/webapp-worker:1.0"}, 1},
			{[]string{"history", "--since", "1h"}, 4},
			{[]string{"history", "--since", "2999-01-01"}, 0},
		}
		for _, tc := range tests {
			out, errOut, code := strataIn(t, data, tc.args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
			}
			if rows := strings.Count(out, "\n") - 1; rows != tc.rows {
				t.Errorf("%v: %d rows, want %d:\n%s", tc.args, rows, tc.rows, out)
			}
		}
	})
	t.Run("trace", func(t *testing.T) {
		out, errOut, code := strataIn(t, data, "trace", "--format", "json", "--path", imagebuild.DemoPreloadPath)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var doc struct {
			Hits []history.Hit `json:"hits"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Hits) != 2 {
			t.Fatalf("%d hits, want the suspect and its child:\n%s", len(doc.Hits), out)
		}
		for _, h := range doc.Hits {
			if h.IntroducedBy.ConfigDigest != suspDigest || h.Layer != 5 || len(h.Scans) != 1 {
				t.Errorf("hit %+v: want layer 5, introduced by the suspect", h)
			}
		}
		out, _, code = strataIn(t, data, "trace", "--ip", imagebuild.DemoRemoteAddr)
		if code != 0 || !strings.Contains(out, "env") || !strings.Contains(out, "finding") {
			t.Errorf("trace --ip: exit %d\n%s", code, out)
		}
	})
	t.Run("store", func(t *testing.T) {
		out, errOut, code := strataIn(t, data, "store", "--check")
		if code != 0 || !strings.Contains(out, "Integrity:") || !regexp.MustCompile(`Ledger: +ok`).MatchString(out) {
			t.Errorf("store --check: exit %d %s\n%s", code, errOut, out)
		}
		// Someone with the file rewrites an input's hash past the triggers, and deletes a finding.
		db, err := sql.Open("sqlite3", filepath.Join(data, "strata.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range []string{"DROP TRIGGER inputs_append_only_update", "UPDATE inputs SET sha256 = 'feed' WHERE id = 1",
			"DROP TRIGGER findings_append_only_delete", "DELETE FROM findings WHERE id = (SELECT max(id) FROM findings)"} {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		out, _, code = strataIn(t, data, "store", "--check")
		if code != exitFindings || !strings.Contains(out, "input 1: ") || !strings.Contains(out, "scan ") {
			t.Errorf("store --check after tampering: exit %d\n%s", code, out)
		}
	})
}

func TestHistoryBadInput(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"trace"}, "indicator"},
		{[]string{"family", "sha256:0000"}, "not in the history"},
		{[]string{"tags", "nosuch:tag"}, "neither a tag nor an image"},
		{[]string{"history", "--since", "yesterday"}, "--since"},
		{[]string{"history", "--severity", "severe"}, "--severity"},
		{[]string{"family", "a", "b"}, "at most one"},
	}
	for _, tc := range tests {
		_, errOut, code := strataIn(t, data, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestInspectRecords(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{{"inspect", original}, {"inspect", "--no-record", suspect}, {"inspect", "--format", "json", suspect}} {
		if _, errOut, code := strataIn(t, data, args...); code != 0 || errOut != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	out, _, _ := strataIn(t, data, "store", "--format", "json")
	var info storeInfoDoc
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatal(err)
	}
	// Two readings; the pair shares five layers, stored once.
	for k, n := range map[string]int{"inputs": 2, "images": 2, "layers": 7, "scans": 0} {
		if info.Counts[k] != n {
			t.Errorf("%s: %d, want %d", k, info.Counts[k], n)
		}
	}
	if _, errOut, code := strataIn(t, data, "trace", "--path", imagebuild.DemoPreloadPath); code != 0 {
		t.Errorf("trace: %s", errOut)
	}
}
