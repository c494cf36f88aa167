// Package packages turns what the image's package databases say into findings: package-owned
// files whose content is not what the database records (package-integrity) and programs in
// system paths that no package owns (non-packaged). The model lives in forensics/packages;
// this package adds severities and words.
package packages

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/strata-forensics/strata/audit"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

// Categories of the findings this package and audit/vulns raise.
const (
	CategoryPackageIntegrity = audit.CategoryPackageIntegrity
	CategoryNonPackaged      = audit.CategoryNonPackaged
	CategoryVulnerability    = audit.CategoryVulnerability
)

// Rules.
const (
	RuleModifiedProgram  = "STRATA-PKG-001" // a package's program or library differs from its checksum
	RuleModifiedFile     = "STRATA-PKG-002" // a package's other file differs
	RuleModifiedConffile = "STRATA-PKG-003" // a configuration file differs (admins edit them)
	RuleNonPackaged      = "STRATA-PKG-010" // a program in a system path that no package owns
	RuleUnreadable       = "STRATA-PKG-020" // a package database or metadata file could not be read
)

// Analyzer collects the package databases during the scan's read pass and checks the final
// filesystem against them. It reads one image at a time: Tree hands over and resets what
// the pass collected.
type Analyzer struct {
	// TempDir is not used any more: rpm databases are read in memory. It is kept for callers.
	TempDir string
	// Parses, when set before the scan, shares the parsed package databases and metadata
	// files with the other Analyzers given the same cache.
	Parses *pkgs.ParseCache

	mu        sync.Mutex
	c         *pkgs.Collector
	inventory *pkgs.Inventory
	integrity *pkgs.Integrity
}

// New returns an Analyzer.
func New(tempDir string) *Analyzer { return &Analyzer{TempDir: tempDir} }

// collector returns the Collector of the image being read, made on first use.
func (a *Analyzer) collector() *pkgs.Collector {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.c == nil {
		a.c = pkgs.NewCachedCollector(a.Parses)
	}
	return a.c
}

// Name implements audit.Analyzer.
func (a *Analyzer) Name() string { return "packages" }

// Content implements audit.ContentAnalyzer: it only collects.
func (a *Analyzer) Content(f audit.File, data []byte) []audit.Finding {
	c := a.collector()
	c.Visit(f.Layer, f.Entry, data)
	return nil
}

// VouchedContent implements audit.VouchedVisitor: the package databases of a layer another
// image holds are still read (the inventory is of the whole stack), its files' sums are not.
func (a *Analyzer) VouchedContent(f audit.File, data []byte) {
	a.collector().VisitVouched(f.Layer, f.Entry, data)
}

// VouchedWants implements audit.VouchedVisitor: the package databases, metadata and
// copyright files VisitVouched keeps or parses.
func (a *Analyzer) VouchedWants(path string) bool { return pkgs.WantsVouched(path) }

// ParallelContent implements audit.ParallelAnalyzer: Content only reads the bytes, so the
// digests of a big file are computed beside the other analyzers.
func (a *Analyzer) ParallelContent() {}

// Stream implements audit.StreamAnalyzer: the md5 or sha1 of a package-managed file too big
// for Content, computed as the pass reads it, so that Check need not read its layer again.
func (a *Analyzer) Stream(f audit.File) io.WriteCloser {
	c := a.collector()
	return c.Stream(f.Layer, f.Entry)
}

// SaveLayer implements audit.LayerState: what the read pass collected from layer (package
// databases, file sums, language packages), for a layer cache. It is called before Tree.
func (a *Analyzer) SaveLayer(layer int) ([]byte, error) {
	c := a.collector()
	return c.SaveLayer(layer)
}

// RestoreLayer implements audit.LayerState: it takes back a SaveLayer state for a layer the
// scan does not read.
func (a *Analyzer) RestoreLayer(layer int, state []byte) error {
	c := a.collector()
	return c.RestoreLayer(layer, state)
}

// Inventory returns the inventory of the image last analyzed, nil before Tree ran.
func (a *Analyzer) Inventory() *pkgs.Inventory {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inventory
}

// Integrity returns the integrity check of the image last analyzed.
func (a *Analyzer) Integrity() *pkgs.Integrity {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.integrity
}

// Tree implements audit.TreeAnalyzer.
func (a *Analyzer) Tree(ctx context.Context, s *audit.Subject) ([]audit.Finding, error) {
	a.mu.Lock()
	c := a.c
	a.c = nil
	a.mu.Unlock()
	if c == nil {
		c = pkgs.NewCachedCollector(a.Parses) // the pass gave it no file
	}
	inv := c.Inventory(s.Tree, a.TempDir)
	integ, err := c.Check(ctx, s.Image, s.Tree, inv)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.inventory, a.integrity = inv, integ
	a.mu.Unlock()
	s.Shipped = func(p string) string { return integ.Matched[p] }
	return Findings(inv, integ, s.BaseLayers()), nil
}

// SideTree implements audit.SideTreeAnalyzer: the inventory and the integrity check set only
// Shipped, which reviewers read, and read only the base, which the trust analyzer sets first.
func (a *Analyzer) SideTree() {}

// Findings turns an integrity check into findings. baseLayers is how many lower layers are
// the base image: a program no package owns is worse there, where everything came from the
// distribution.
func Findings(inv *pkgs.Inventory, in *pkgs.Integrity, baseLayers int) []audit.Finding {
	var out []audit.Finding
	// A database that cannot be read hides what is installed, and one crafted to break
	// readers is itself a sign of tampering.
	for _, p := range inv.Problems {
		out = append(out, audit.Finding{Rule: RuleUnreadable, Category: CategoryPackageIntegrity, Severity: audit.Medium, Layer: -1,
			Title: "a package database or metadata file could not be read", Evidence: p,
			Remediation: "Look at the file by hand: a corrupt or crafted package database hides what the image installs."})
	}
	for _, m := range in.Mismatches {
		f := audit.Finding{Category: CategoryPackageIntegrity, Layer: m.Layer, Path: m.Path,
			Evidence: fmt.Sprintf("%s %s recorded %s:%s, found %s:%s", m.Package, m.Version, m.Algorithm, m.Want, m.Algorithm, m.Got)}
		what := "file"
		switch {
		case m.Conffile:
			f.Rule, f.Severity, what = RuleModifiedConffile, audit.Low, "configuration file"
			f.Remediation = "Review the change; configuration files are expected to be edited, but not to carry code."
		case m.Executable || code(m.Path):
			f.Rule, f.Severity, what = RuleModifiedProgram, audit.High, "program"
			if lib(m.Path) {
				what = "library"
			}
			f.Remediation = fmt.Sprintf("Reinstall %s from a trusted mirror and compare; treat the image as compromised until explained.", m.Package)
		default:
			f.Rule, f.Severity = RuleModifiedFile, audit.Medium
			f.Remediation = fmt.Sprintf("Compare with the file from %s %s.", m.Package, m.Version)
		}
		f.Title = fmt.Sprintf("%s %s differs from package %s %s", what, m.Path, m.Package, m.Version)
		if m.Listed != "" {
			f.Evidence += " (listed as " + m.Listed + ")"
		}
		if m.Layer != m.PackageLayer {
			f.Evidence += fmt.Sprintf("; the package came in layer %d, the file in layer %d", m.PackageLayer, m.Layer)
		}
		out = append(out, f)
	}
	// Without a package database that lists files (distroless, scratch, or an image that
	// deleted /var/lib/dpkg/info) nothing can be called non-packaged.
	managers := false
	for _, p := range inv.Packages {
		if (p.Ecosystem == pkgs.Deb || p.Ecosystem == pkgs.APK || p.Ecosystem == pkgs.RPM) && len(p.Files) > 0 {
			managers = true
			break
		}
	}
	if !managers {
		return out
	}
	for _, u := range in.Unpackaged {
		if !u.Executable {
			continue
		}
		sev := audit.Medium
		if u.Layer < baseLayers {
			sev = audit.High
		}
		out = append(out, audit.Finding{Rule: RuleNonPackaged, Category: CategoryNonPackaged, Severity: sev, Layer: u.Layer, Path: u.Path,
			Title:       fmt.Sprintf("%s is in a system path but no package owns it", u.Path),
			Evidence:    fmt.Sprintf("mode %s, %d bytes, sha256:%s", u.Mode, u.Size, u.SHA256),
			Remediation: "Find which build step put it there and why; install software through the package manager or under /usr/local or /opt."})
	}
	return out
}

func lib(p string) bool {
	b := path.Base(p)
	return strings.HasSuffix(b, ".so") || strings.Contains(b, ".so.")
}

// code reports interpreted code, which is as dangerous modified as a binary.
func code(p string) bool {
	switch path.Ext(p) {
	case ".py", ".pl", ".pm", ".rb", ".sh", ".js", ".php", ".lua":
		return true
	}
	return false
}

var _ audit.ContentAnalyzer = (*Analyzer)(nil)
var _ audit.TreeAnalyzer = (*Analyzer)(nil)
var _ audit.SideTreeAnalyzer = (*Analyzer)(nil)
var _ audit.StreamAnalyzer = (*Analyzer)(nil)
var _ audit.ParallelAnalyzer = (*Analyzer)(nil)
var _ audit.LayerState = (*Analyzer)(nil)
