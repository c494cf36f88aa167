package vulns

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	auditpkgs "github.com/strata-forensics/strata/audit/packages"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

// Rules.
const (
	// RuleStale is the rule of the finding that the advisory data is older than MaxAge (or
	// that the database is empty).
	RuleStale = "STRATA-VULN-002"
)

// InventorySource hands over the inventory of the image being scanned; audit/packages'
// Analyzer is one, and must run before this analyzer.
type InventorySource interface {
	Inventory() *pkgs.Inventory
}

// Analyzer raises a vulnerability finding for each vulnerability that affects an installed
// package: one per vulnerability and package (a source package with the binaries it covers),
// the advisories that name the vulnerability merged. The finding's rule is the
// vulnerability's id (its CVE id when it has one).
type Analyzer struct {
	DB        *DB
	Inventory InventorySource
	// MaxAge is how old the advisory data (its newest `modified`) may be before findings say
	// so; 0 means no limit.
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
	stale := Staleness(st, a.MaxAge, now())
	if stale != "" {
		out = append(out, audit.Finding{Rule: RuleStale, Category: auditpkgs.CategoryVulnerability, Severity: audit.Low, Layer: -1,
			Title: "vulnerability matching used old advisory data: " + stale, Evidence: stale,
			Remediation: "Import a current OSV export with strata vulndb import."})
	}
	matches, err := a.DB.Match(ctx, inv)
	if err != nil {
		return nil, err
	}
	diffIDs := make([]string, len(s.Image.Layers))
	for i, l := range s.Image.Layers {
		diffIDs[i] = l.DiffID
	}
	return append(out, Findings(matches, inv.OS, diffIDs)...), nil
}

// Staleness says, in words, why the advisory data is too old to trust: empty, or its newest
// record older than maxAge (0: no limit); "" when it is current.
func Staleness(st *Status, maxAge time.Duration, now time.Time) string {
	if st.Advisories == 0 {
		return "the vulnerability database is empty"
	}
	if age := now.Sub(st.NewestModified); maxAge > 0 && age > maxAge {
		return fmt.Sprintf("the newest advisory was modified %s (%s ago), more than the %s allowed",
			st.NewestModified.Format("2006-01-02"), days(age), days(maxAge))
	}
	return ""
}

// days renders a duration in days (hours below two days).
func days(d time.Duration) string {
	if d < 48*time.Hour {
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// group is the matches of one finding: one vulnerability in one package at one version.
type group struct {
	vuln      string
	ecosystem string
	name      string
	installed string
	location  string
	matches   []Match
}

// Findings renders matches as findings: one per vulnerability and package (the name the
// advisories know it by, at the installed version, from one database file), merging the
// advisories that name the same vulnerability and listing the binaries it covers. diffIDs are
// the image's layer diff_ids, by index.
func Findings(matches []Match, os pkgs.OS, diffIDs []string) []audit.Finding {
	groups := map[string]*group{}
	var order []string
	for _, m := range matches {
		for _, v := range m.Advisory.VulnerabilityIDs() {
			k := strings.Join([]string{v, m.Affected.Ecosystem, m.Affected.Name, m.Installed, m.Package.Location}, "\x00")
			g := groups[k]
			if g == nil {
				g = &group{vuln: v, ecosystem: m.Affected.Ecosystem, name: m.Affected.Name, installed: m.Installed, location: m.Package.Location}
				groups[k] = g
				order = append(order, k)
			}
			g.matches = append(g.matches, m)
		}
	}
	var out []audit.Finding
	for _, k := range order {
		out = append(out, groups[k].finding(os, diffIDs))
	}
	return out
}

func (g *group) finding(os pkgs.OS, diffIDs []string) audit.Finding {
	v := &audit.Vulnerability{ID: g.vuln, Ecosystem: g.ecosystem, Package: g.name, Installed: g.installed,
		Database: g.location, Advisories: []string{}, Aliases: []string{}, Binaries: []audit.VulnerablePackage{}}
	cmp := OrderingFor(g.ecosystem)
	var advs []*Advisory
	var specs []Specific
	seenAdv, seenBin := map[string]bool{}, map[*pkgs.Package]bool{}
	layer := -1
	for _, m := range g.matches {
		if !seenAdv[m.Advisory.ID] {
			seenAdv[m.Advisory.ID] = true
			advs = append(advs, m.Advisory)
			v.Advisories = append(v.Advisories, m.Advisory.ID)
			specs = append(specs, m.Affected.Specific)
			if v.Summary == "" {
				v.Summary = m.Advisory.Summary
			}
		}
		// The fix that settles every advisory: the highest of the fixed versions they give.
		if m.Fixed != "" {
			if c, err := cmp(m.Fixed, v.Fixed); v.Fixed == "" || (err == nil && c > 0) {
				v.Fixed = m.Fixed
			}
		}
		p := m.Package
		if !seenBin[p] {
			seenBin[p] = true
			v.Binaries = append(v.Binaries, audit.VulnerablePackage{Name: p.Name, Version: p.FullVersion(), Arch: p.Arch, Layer: p.Layer, PURL: p.PURL(os)})
			if layer < 0 || p.Layer < layer {
				layer = p.Layer
			}
		}
	}
	for _, a := range advs {
		for _, id := range a.IDs() {
			if id != g.vuln && !seenAdv[id] && !contains(v.Aliases, id) {
				v.Aliases = append(v.Aliases, id)
			}
		}
	}
	sort.Strings(v.Advisories)
	sort.Strings(v.Aliases)
	sort.Slice(v.Binaries, func(i, j int) bool { return v.Binaries[i].Name < v.Binaries[j].Name })
	v.Status = status(v.Fixed, specs)
	sev, vs := severityOf(advs, specs)
	v.Severity = vs
	if layer >= 0 && layer < len(diffIDs) {
		v.LayerDiffID = diffIDs[layer]
	}

	var names []string
	for _, b := range v.Binaries {
		names = append(names, b.Name)
	}
	pkg := v.Package
	if len(names) > 3 {
		names = append(names[:2], fmt.Sprintf("%d more", len(names)-2))
	}
	if len(names) != 1 || names[0] != v.Package {
		pkg += " (" + strings.Join(names, ", ") + ")"
	}
	fix := "no fixed version known"
	if v.Fixed != "" {
		fix = "fixed in " + v.Fixed
	} else if v.Status != audit.StatusAffected {
		fix += " (" + v.Status + ")"
	}
	ev := fmt.Sprintf("%s %s %s installed, %s; advisories %s", v.Ecosystem, v.Package, v.Installed, fix, strings.Join(v.Advisories, ", "))
	if len(v.Aliases) > 0 {
		ev += "; aliases " + strings.Join(v.Aliases, ", ")
	}
	ev += "; severity " + severityWords(sev, vs)
	if v.Summary != "" {
		ev += "; " + v.Summary
	}
	rem := "Upgrade " + v.Package
	if v.Fixed != "" {
		rem += " to " + v.Fixed + " or later"
	} else {
		rem = "No fix is known for " + v.Package + " " + v.Installed + ": assess the exposure, or accept it with a reason"
	}
	return audit.Finding{Rule: g.vuln, Category: auditpkgs.CategoryVulnerability, Severity: sev, Layer: layer, Path: g.location,
		Title:    fmt.Sprintf("%s in %s %s (%s)", g.vuln, pkg, v.Installed, fix),
		Evidence: ev, Remediation: rem + ".", Vulnerability: v}
}

// status is what can be done: fixed when a fix is known, else the distribution's word.
func status(fixed string, specs []Specific) string {
	if fixed != "" {
		return audit.StatusFixed
	}
	st := audit.StatusAffected
	for _, sp := range specs {
		switch {
		case sp.Urgency == "unimportant" || sp.NoDSAReason == "ignored":
			return audit.StatusWillNotFix
		case sp.Urgency == "end-of-life":
			st = audit.StatusEndOfLife
		case sp.NoDSA != "" || sp.NoDSAReason == "postponed":
			if st == audit.StatusAffected {
				st = audit.StatusFixDeferred
			}
		}
	}
	return st
}

func severityWords(sev audit.Severity, vs audit.VulnerabilitySeverity) string {
	switch vs.Source {
	case SeverityCVSS:
		s := fmt.Sprintf("%s (CVSS %.1f %s)", sev, vs.CVSSScore, vs.CVSSVector)
		if vs.Urgency != "" {
			s += ", distribution urgency " + vs.Urgency
		}
		return s
	case SeverityUrgency:
		return fmt.Sprintf("%s (distribution urgency %s)", sev, vs.Urgency)
	case SeverityRating:
		return fmt.Sprintf("%s (advisory database rating)", sev)
	}
	return fmt.Sprintf("%s (no severity given)", sev)
}

var _ audit.TreeAnalyzer = (*Analyzer)(nil)
var _ audit.SideTreeAnalyzer = (*Analyzer)(nil)

// SideTree implements audit.SideTreeAnalyzer: matching needs the inventory, so it runs after
// the packages analyzer, on the same goroutine, and sets nothing on the Subject.
func (a *Analyzer) SideTree() {}
