package audit_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportArrows keeps the layering: audit and its analyzers never import cmd or tui.
func TestImportArrows(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-tags", "containers_image_openpgp containers_image_storage_stub containers_image_docker_daemon_stub exclude_graphdriver_btrfs",
		"-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, "github.com/strata-forensics/strata/audit/...").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, dep := range fields[1:] {
			if strings.HasPrefix(dep, "github.com/strata-forensics/strata/cmd") || strings.HasPrefix(dep, "github.com/strata-forensics/strata/tui") {
				t.Errorf("%s imports %s", fields[0], dep)
			}
		}
	}
}
