package vulns

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	auditpkgs "github.com/strata-forensics/strata/audit/packages"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

// Rules.
const (
	// RuleStale is the rule of the finding that the advisory database is older than MaxAge.
	RuleStale = "STRATA-VULN-002"
)

// InventorySource hands over the inventory of the image being scanned; audit/packages'
// Analyzer is one, and must run before this analyzer.
type InventorySource interface {
	Inventory() *pkgs.Inventory
}

// Analyzer raises a vulnerability finding for each advisory that affects an installed
// package. The finding's rule is the advisory's id.
type Analyzer struct {
	DB        *DB
	Inventory InventorySource
	// MaxAge is how old the last import may be before findings say so; 0 means no limit.
	MaxAge time.Duration
	// Now is the clock, time.Now when nil.
	Now func() time.Time
}

// Name implements audit.Analyzer.
func (a *Analyzer) Name() string { return "vulns" }

// Tree implements audit.TreeAnalyzer.
func (a *Analyzer) Tree(ctx context.Context, s *audit.Subject) ([]audit.Finding, error) {
	inv := a.Inventory.Inventory()
	if inv == nil {
		return nil, fmt.Errorf("no package inventory: the packages analyzer must run before vulns")
	}
	st, err := a.DB.Status(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	var out []audit.Finding
	stale := ""
	if age := now().Sub(st.LastImport); st.LastImport.IsZero() || (a.MaxAge > 0 && age > a.MaxAge) {
		stale = "the vulnerability database is empty"
		if !st.LastImport.IsZero() {
			stale = fmt.Sprintf("the vulnerability database was imported %s ago (%s), more than the %s allowed",
				age.Round(time.Hour), st.LastImport.Format("2006-01-02"), a.MaxAge)
		}
		out = append(out, audit.Finding{Rule: RuleStale, Category: auditpkgs.CategoryVulnerability, Severity: audit.Low, Layer: -1,
			Title: "vulnerability matching used an old database: " + stale, Evidence: stale,
			Remediation: "Import a current OSV export with strata vulndb import."})
	}
	matches, err := a.DB.Match(ctx, inv)
	if err != nil {
		return nil, err
	}
	for _, m := range matches {
		out = append(out, Finding(m, stale))
	}
	return out, nil
}

// Finding renders one match.
func Finding(m Match, stale string) audit.Finding {
	p := m.Package
	sev, err := audit.ParseSeverity(m.Advisory.Severity)
	if err != nil {
		sev = audit.Medium
	}
	name := m.Advisory.ID
	for _, al := range m.Advisory.Aliases {
		if strings.HasPrefix(al, "CVE-") {
			name = al
			break
		}
	}
	fix := "no fixed version known"
	if m.Fixed != "" {
		fix = "fixed in " + m.Fixed
	}
	ev := fmt.Sprintf("%s %s (%s) installed %s, %s", m.Advisory.ID, p.Name, m.Ecosystem, m.Installed, fix)
	if len(m.Advisory.Aliases) > 0 {
		ev += "; aliases " + strings.Join(m.Advisory.Aliases, ", ")
	}
	if m.Advisory.Summary != "" {
		ev += "; " + m.Advisory.Summary
	}
	if stale != "" {
		ev += "; " + stale
	}
	rem := "Upgrade " + p.Name
	if m.Fixed != "" {
		rem += " to " + m.Fixed + " or later"
	}
	return audit.Finding{Rule: m.Advisory.ID, Category: auditpkgs.CategoryVulnerability, Severity: sev, Layer: p.Layer, Path: p.Location,
		Title:    fmt.Sprintf("%s in %s %s (%s)", name, p.Name, m.Installed, fix),
		Evidence: ev, Remediation: rem + "."}
}

var _ audit.TreeAnalyzer = (*Analyzer)(nil)
