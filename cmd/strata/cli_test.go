package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	suspect  = "../../testdata/images/demo-suspect.tar"
	original = "../../testdata/images/demo-original.tar"
	ociOrig  = "../../testdata/images/demo-original-oci.tar"
	docker25 = "../../testdata/images/demo-suspect-docker25.tar"
)

// strata runs one command line in-process with a private data directory.
func strata(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	data := t.TempDir()
	code = run(context.Background(), append([]string{"--data-dir", data}, args...), &out, &errb)
	if left, _ := os.ReadDir(filepath.Join(data, "tmp")); len(left) != 0 {
		t.Errorf("%v left temporary files: %v", args, left)
	}
	return out.String(), errb.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/strata -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./cmd/strata -update to accept):\n%s", name, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return ""
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestGoldenText(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"inspect-suspect.txt", []string{"inspect", suspect}},
		{"layers-suspect-5.txt", []string{"layers", "--layer", "5", suspect}},
		{"layers-suspect-etc.txt", []string{"layers", "--path", "/etc", suspect}},
		{"dockerfile-suspect.txt", []string{"dockerfile", suspect}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := strata(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, tc.name, out)
		})
	}
}

func TestInspectJSON(t *testing.T) {
	for _, ref := range []string{suspect, docker25, ociOrig, "docker-archive:" + suspect + ":strata-demo/webapp:1.2", "docker-archive:" + suspect + ":@0"} {
		out, errOut, code := strata(t, "inspect", "--format", "json", ref)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", ref, code, errOut)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		for _, k := range []string{"input", "digest", "config_digest", "tags", "os", "architecture", "created", "config", "layers", "history", "anomalies"} {
			if _, ok := doc[k]; !ok {
				t.Errorf("%s: inspect JSON lacks %q", ref, k)
			}
		}
		in := doc["input"].(map[string]any)
		if len(in["sha256"].(string)) != 64 {
			t.Errorf("%s: input sha256 %v", ref, in["sha256"])
		}
		layers := doc["layers"].([]any)
		if len(layers) != 6 {
			t.Fatalf("%s: %d layers", ref, len(layers))
		}
		for _, l := range layers {
			lm := l.(map[string]any)
			for _, k := range []string{"index", "digest", "diff_id", "size", "media_type", "created_by", "files"} {
				if _, ok := lm[k]; !ok {
					t.Errorf("%s: layer lacks %q", ref, k)
				}
			}
		}
	}
}

func TestLayersJSON(t *testing.T) {
	out, errOut, code := strata(t, "layers", "--format", "json", "--layer", "5", suspect)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc report.LayersDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Layers) != 1 || doc.Layers[0].Index != 5 || doc.Tree != nil {
		t.Fatalf("want only layer 5: %+v", doc.Layers)
	}
	found := false
	for _, e := range doc.Layers[0].Entries {
		if e.Path == "/usr/share/lib/reverse_shell.so" {
			found = e.Change == "added" && e.Type == "file" && e.Mode == "00755" && len(e.SHA256) == 64
		}
	}
	if !found {
		t.Errorf("the implant is not listed as an added file in layer 5: %s", out)
	}

	out, _, _ = strata(t, "layers", "--format", "json", "--hidden", "../../testdata/images/demo-suspect.tar")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Layers) != 6 || len(doc.Tree) == 0 {
		t.Fatalf("stacked view: %d layers, %d tree entries", len(doc.Layers), len(doc.Tree))
	}
	for _, e := range doc.Tree {
		if e.Path == "/usr/bin/su" && (e.Mode != "04755" || *e.Layer != 0) {
			t.Errorf("su: %+v", e)
		}
	}
}

func TestCatAndExport(t *testing.T) {
	out, errOut, code := strata(t, "cat", suspect, "/etc/cron.d/apt-compat-sync")
	if code != 0 || !strings.Contains(out, "*") {
		t.Fatalf("cat: exit %d %q %s", code, out, errOut)
	}
	dir := t.TempDir()
	dst := filepath.Join(dir, "implant.so")
	if _, errOut, code := strata(t, "export", suspect, "/usr/share/lib/reverse_shell.so", "-o", dst); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	st, err := os.Stat(dst)
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() == 0 {
		t.Fatalf("exported file: %v %v", st, err)
	}
	data, _ := os.ReadFile(dst)
	if !bytes.HasPrefix(data, []byte("\x7fELF")) {
		t.Error("exported bytes are not the ELF implant")
	}
	if _, errOut, code := strata(t, "export", suspect, "/usr/share/lib/reverse_shell.so", "-o", dst); code != 2 || !strings.Contains(errOut, "exists") {
		t.Errorf("export over an existing file: exit %d %s", code, errOut)
	}
}

func TestBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	notImage := filepath.Join(dir, "notes.txt")
	os.WriteFile(notImage, []byte("hello\n"), 0o644)
	emptyDir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"inspect", filepath.Join(dir, "missing.tar")}, "missing.tar"},
		{[]string{"inspect", notImage}, "notes.txt"},
		{[]string{"inspect"}, "IMAGE"},
		{[]string{"inspect", "--format", "yaml", suspect}, "--format"},
		{[]string{"layers", "--layer", "9", suspect}, "no layer 9"},
		{[]string{"cat", suspect, "/no/such/file"}, "/no/such/file"},
		{[]string{"cat", "--layer", "0", suspect, "/usr/share/lib/reverse_shell.so"}, "not in"},
		{[]string{"nosuchcommand"}, "unknown command"},
		{[]string{"scan", emptyDir}, "no root filesystem"},
		{[]string{"scan", dir}, "dir:" + dir},
	}
	for _, tc := range tests {
		_, errOut, code := strata(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", tc.args, code, errOut, tc.want)
		}
	}
}
