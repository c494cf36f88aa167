// Package npmtools installs pinned npm packages once under the repository's .cache, for the
// tests that check Strata's outputs with the reference tools of their formats (the CycloneDX
// and SARIF validators). Strata itself never runs them.
package npmtools

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Install installs packages with npm into dir unless a stamp there says they are (npm reaches
// the registry only the first time), writes each script of scripts (file name to content) into
// dir, and returns dir as an absolute path. The error says why the tools cannot be had (node
// or npm missing, npm failing) in words a skipped test can show; what names the tools and
// needs says what they are for.
func Install(dir string, packages []string, scripts map[string]string, what, needs string) (string, error) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", fmt.Errorf("%s is not installed: %s needs node and npm (apt-get install nodejs npm)", tool, needs)
		}
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	stamp := filepath.Join(dir, "installed-"+strings.NewReplacer("/", "_", "@", "_").Replace(strings.Join(packages, "+")))
	if _, err := os.Stat(stamp); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		args := append([]string{"install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", "--save-exact"}, packages...)
		if out, err := exec.Command("npm", args...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("npm could not install the %s (%v): %s", what, err, out)
		}
		if err := os.WriteFile(stamp, nil, 0o644); err != nil {
			return "", err
		}
	}
	for name, content := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}
