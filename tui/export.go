package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/report"
)

// reportDir is where exported reports go, inside the data directory.
const reportDir = "reports"

// exportFormats are the files one export writes, from the one registry of formats strata scan
// uses too: JSON for tools (the one the status line names), SARIF for dashboards, text for
// people.
var exportFormats = []string{"json", "sarif", "text"}

// export writes the image's finished scan as reports under the data directory and returns the
// path of the JSON one. It never writes anywhere else: the file name is made of safe
// characters only, and files are created new (report.Create: mode 0600, never through an
// existing name or link, never onto the evidence, whole or not at all).
func (c *common) export(s *imageState) (string, error) {
	sc := s.scan
	switch {
	case sc == nil:
		return "", errors.New("nothing to export yet: press s to scan the image first")
	case sc.phase == scanRunning:
		return "", errors.New("the scan is still running; export once it is done")
	case sc.phase == scanFailed || sc.result == nil:
		return "", errors.New("the scan failed; there is nothing to export")
	case c.work == nil || c.work.DataDir == "":
		return "", errors.New("no data directory to write reports to")
	}
	dir := filepath.Join(c.work.DataDir, reportDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	stem := reportName(s.ref) + "-" + time.Now().UTC().Format("20060102-150405")
	var first string
	for n := 0; ; n++ {
		name := stem
		if n > 0 {
			name = fmt.Sprintf("%s-%d", stem, n)
		}
		paths, err := writeReports(dir, name, sc.result, c.work.Version, []string{s.ref, c.work.DBPath()})
		if errors.Is(err, os.ErrExist) && n < 100 {
			continue
		}
		if err != nil {
			return "", err
		}
		first = paths[0]
		c.log.Info("report exported", "ref", s.ref, "files", paths)
		break
	}
	return first, nil
}

func writeReports(dir, name string, r *audit.Result, version string, inputs []string) ([]string, error) {
	var paths []string
	for _, f := range exportFormats {
		p := filepath.Join(dir, name+report.Extension(report.KindScan, f))
		if rel, err := filepath.Rel(dir, p); err != nil || rel != filepath.Base(p) {
			return nil, fmt.Errorf("report name %q leaves the report directory", name)
		}
		out, err := report.Create(p, report.CreateOptions{Inputs: inputs})
		if err != nil {
			if errors.Is(err, os.ErrExist) && len(paths) == 0 {
				return nil, err
			}
			return nil, fmt.Errorf("writing the report: %w", err)
		}
		err = report.Render(out, report.KindScan, f, report.ScanDocument{Results: []*audit.Result{r}, Version: version})
		if err != nil {
			out.Abort()
		} else {
			err = out.Commit()
		}
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// reportName turns an image reference into a file name stem of letters, digits, dots, dashes
// and underscores.
func reportName(ref string) string {
	base := filepath.Base(strings.TrimRight(ref, "/"))
	if i := strings.LastIndexByte(base, ':'); i >= 0 && i < len(base)-1 {
		base = base[i+1:]
	}
	base = strings.TrimSuffix(base, filepath.Ext(base))
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), ".")
	if name == "" {
		name = "image"
	}
	return name
}
