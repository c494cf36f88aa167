package arrows

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/strata-forensics/strata"

// layers says, for each part of the house (by import path prefix, longest first), what it
// must never import: arrows point down only, forensics knows no SQLite or YARA, signatures
// knows no images.
var layers = []struct {
	prefix    string
	forbidden []string
	allowed   []string // exceptions to forbidden
}{
	{module + "/internal/buildinfo", []string{module + "/"}, nil},
	{module + "/cmd", nil, nil},
	{module + "/tui", []string{module + "/cmd"}, nil},
	{module + "/casework", []string{module + "/cmd", module + "/tui"}, nil},
	{module + "/audit", []string{module + "/cmd", module + "/tui", module + "/casework"}, nil},
	// File types are plain functions of bytes: YARA's externals name them.
	{module + "/signatures", []string{module + "/cmd", module + "/tui", module + "/casework", module + "/audit", module + "/forensics"},
		[]string{module + "/forensics/filetype"}},
	{module + "/forensics", []string{module + "/cmd", module + "/tui", module + "/casework", module + "/audit", module + "/signatures",
		"github.com/mattn/go-sqlite3", "github.com/hillu/go-yara"}, nil},
	{module + "/internal", []string{module + "/cmd", module + "/tui", module + "/casework", module + "/audit"}, nil},
}

// TestImportArrows lists every package of the module with everything it depends on (go list
// -deps, with the build tags the Makefile uses) and fails on an import that points up. It
// fails, never skips, when go list cannot run: an arrow test that does not run proves nothing.
func TestImportArrows(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", "containers_image_openpgp containers_image_storage_stub containers_image_docker_daemon_stub exclude_graphdriver_btrfs",
		"-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg := fields[0]
		rule := -1
		for i, l := range layers {
			if pkg == l.prefix || strings.HasPrefix(pkg, l.prefix+"/") {
				rule = i
				break
			}
		}
		if rule < 0 {
			t.Errorf("%s belongs to no layer of the house: add it to the arrow test", pkg)
			continue
		}
		seen[layers[rule].prefix]++
	deps:
		for _, dep := range fields[1:] {
			for _, a := range layers[rule].allowed {
				if dep == a || strings.HasPrefix(dep, a+"/") {
					continue deps
				}
			}
			for _, f := range layers[rule].forbidden {
				if dep == strings.TrimSuffix(f, "/") || strings.HasPrefix(dep, f) && (strings.HasSuffix(f, "/") || dep == f || strings.HasPrefix(dep, f+"/")) {
					t.Errorf("%s imports %s", pkg, dep)
				}
			}
		}
	}
	for _, l := range layers {
		if seen[l.prefix] == 0 {
			t.Errorf("go list listed no package of %s: the test does not see the whole house", l.prefix)
		}
	}
}
