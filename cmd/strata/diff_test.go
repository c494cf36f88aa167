package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// -update rewrites the golden files instead of comparing with them; registered here only when
// no other test file of the package registered it first.
var diffUpdate bool

func init() {
	if flag.Lookup("update") == nil {
		flag.BoolVar(&diffUpdate, "update", false, "rewrite golden files")
	}
}

func updateFlag() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const (
	demoOriginal = "../../testdata/images/demo-original.tar"
	demoSuspect  = "../../testdata/images/demo-suspect.tar"
)

// runStrata runs the command in-process with a private data directory and returns its output.
func runStrata(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"--data-dir", t.TempDir()}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", "diff", name)
	if updateFlag() {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n%s", name, got)
	}
}

func TestDiffDemoGoldens(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"demo.txt", []string{"diff", demoOriginal, demoSuspect}},
		{"demo.json", []string{"diff", "--format", "json", demoOriginal, demoSuspect}},
		{"demo-path.txt", []string{"diff", "--path", "/etc/cron.d/apt-compat-sync", demoOriginal, demoSuspect}},
		{"demo-path.json", []string{"diff", "--format", "json", "--path", "/usr/share/lib/reverse_shell.so", demoOriginal, demoSuspect}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			out, err := runStrata(t, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.golden, out)
		})
	}
}

// TestDiffDemoTopOfReport holds what a responder must see first: the implant, the layer and
// history step that brought it, and the LD_PRELOAD that loads it.
func TestDiffDemoTopOfReport(t *testing.T) {
	out, err := runStrata(t, "diff", demoOriginal, demoSuspect)
	if err != nil {
		t.Fatal(err)
	}
	changes := strings.Index(out, "File changes")
	preload := strings.Index(out, "env.LD_PRELOAD added: /usr/share/lib/reverse_shell.so")
	if changes < 0 || preload < 0 || preload > changes {
		t.Fatalf("LD_PRELOAD is not in the summary:\n%s", out)
	}
	first := strings.Split(strings.TrimSpace(out[changes:]), "\n")
	if len(first) < 4 || !strings.Contains(first[2], "added     /usr/share/lib/reverse_shell.so") ||
		!strings.Contains(first[3], "layer 5, step 8: COPY docker-entrypoint.sh / # buildkit") {
		t.Errorf("the implant is not the first change:\n%s", strings.Join(first[:min(6, len(first))], "\n"))
	}
	if !strings.Contains(out, "layer-content-changed-history-kept [layer 5]") {
		t.Error("the trojanizer signature is missing")
	}
}

func TestDiffExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"changed, not asked to fail", []string{"diff", demoOriginal, demoSuspect}, 0},
		{"changed, --fail-on-change", []string{"diff", "--fail-on-change", demoOriginal, demoSuspect}, exitFindings},
		{"same image", []string{"diff", "--fail-on-change", demoOriginal, demoOriginal}, 0},
		{"one file unchanged", []string{"diff", "--fail-on-change", "--path", "/etc/passwd", demoOriginal, demoSuspect}, 0},
		{"missing path", []string{"diff", "--path", "/nope", demoOriginal, demoSuspect}, exitBadInput},
		{"missing image", []string{"diff", demoOriginal, "no-such.tar"}, exitBadInput},
		{"one argument", []string{"diff", demoOriginal}, exitBadInput},
		{"bad format", []string{"diff", "--format", "xml", demoOriginal, demoSuspect}, exitBadInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runStrata(t, tt.args...)
			code := 0
			if err != nil {
				code = exitBadInput
				var ee *exitError
				if errors.As(err, &ee) {
					code = ee.code
				}
			}
			if code != tt.code {
				t.Errorf("exit %d (%v), want %d", code, err, tt.code)
			}
		})
	}
}

func TestDiffNoiseFolded(t *testing.T) {
	image := func(lists, version string) string {
		img := imagebuild.Image{Layers: []imagebuild.Layer{{CreatedBy: "RUN apt-get update", Files: []imagebuild.File{
			imagebuild.Dir("var"), imagebuild.Dir("var/lib"), imagebuild.Dir("var/lib/apt"), imagebuild.Dir("var/lib/apt/lists"),
			imagebuild.Reg("var/lib/apt/lists/deb_InRelease", lists),
			imagebuild.Dir("app"), imagebuild.Reg("app/VERSION", version),
		}}}}
		b, err := imagebuild.Build(img)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := imagebuild.WriteDockerArchive(&buf, imagebuild.Classic, b); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "image.tar")
		if err := os.WriteFile(p, buf.Bytes(), 0o444); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := image("Date: 1\n", "1.0\n"), image("Date: 2\n", "1.1\n")
	out, err := runStrata(t, "diff", a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "1 package-manager changes folded; --all shows them") || strings.Contains(out, "deb_InRelease") {
		t.Errorf("apt lists not folded:\n%s", out)
	}
	if !strings.Contains(out, "/app/VERSION") || !strings.Contains(out, "+1.1") {
		t.Errorf("the version change is missing:\n%s", out)
	}
	out, err = runStrata(t, "diff", "--all", a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "/var/lib/apt/lists/deb_InRelease") || strings.Contains(out, "folded") {
		t.Errorf("--all does not show the apt lists:\n%s", out)
	}
}
