package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit"
	auditpkgs "github.com/strata-forensics/strata/audit/packages"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/human"
	"github.com/strata-forensics/strata/forensics/packages"
)

// diffFindings scans the suspect with the standard analyzers and keeps the findings about what
// the diff found changed: files added, modified or hidden, layers the original does not have,
// and config values that changed. Findings the original shares (a setuid su in both base
// layers) are not news and are left to `strata scan`.
func diffFindings(cmd *cobra.Command, g *globalOptions, o *diffOptions, susp *forensics.Image, d *forensics.ImageDiff) ([]audit.Finding, error) {
	dir, err := g.dataDirectory()
	if err != nil {
		return nil, badInput(err)
	}
	rs, err := o.rules.compile(audit.DefaultMaxFileSize)
	if err != nil {
		return nil, err
	}
	if rs != nil {
		defer rs.Close()
	}
	set, err := standard.New(standard.Options{Rules: rs, Trust: trust.NewFileStore(dir),
		Packages: true, TempDir: filepath.Join(dir, "tmp")})
	if err != nil {
		return nil, badInput(err)
	}
	defer set.Close()
	// The scan is recorded like any other, and layers an earlier scan with the same rules
	// already read (the original's base, typically) come from the history database.
	rec := g.scanRecorder(cmd, &o.store, scanRuleHash(rs, audit.DefaultMaxFileSize, set.Analyzers))
	defer rec.Close()
	opts := audit.Options{Analyzers: set.Analyzers}
	rec.Apply(&opts)
	started := time.Now()
	r, err := audit.Scan(cmd.Context(), susp, opts)
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", susp.Input.Path, err)
	}
	rec.Record(cmd.Context(), susp, r, started)
	// The same pass read the suspect's package databases: fold what the package manager did
	// and rank what no package owns higher.
	for _, a := range set.Analyzers {
		if pk, ok := a.(*auditpkgs.Analyzer); ok && pk.Inventory() != nil && pk.Integrity() != nil && len(pk.Inventory().Packages) > 0 {
			d.ApplyPackages(newPackageKnowledge(pk.Inventory(), pk.Integrity(), d.SuspectTree))
		}
	}
	return changedFindings(r.Findings, d), nil
}

// changedFindings filters findings down to those about the diff's changes.
func changedFindings(all []audit.Finding, d *forensics.ImageDiff) []audit.Finding {
	paths := map[string]bool{}
	for _, f := range d.Files {
		if f.Change != forensics.FileRemoved {
			paths[f.Path] = true
		}
	}
	newLayers := map[int]bool{}
	for _, m := range d.Layers.Replaced {
		newLayers[m.Suspect.Index] = true
	}
	for _, l := range d.Layers.Added {
		newLayers[l.Index] = true
	}
	var values []string
	for _, c := range d.Config {
		if v := strings.TrimSpace(c.Suspect); v != "" && v != "[]" {
			values = append(values, v)
		}
	}
	var out []audit.Finding
	for _, f := range all {
		switch {
		case f.Path != "" && paths[f.Path]:
		case f.Path == "" && f.Layer >= 0 && newLayers[f.Layer]:
		case f.Path == "" && mentionsAny(f.Evidence+" "+f.Title, values):
		default:
			continue
		}
		out = append(out, f)
	}
	return out
}

func mentionsAny(s string, values []string) bool {
	for _, v := range values {
		if strings.Contains(s, v) {
			return true
		}
	}
	return false
}

func findingDocs(fs []audit.Finding) []report.FindingDoc {
	out := []report.FindingDoc{}
	for _, f := range fs {
		out = append(out, report.NewFindingDoc(f))
	}
	return out
}

func writeDiffFindingsText(w io.Writer, fs []audit.Finding, pal palette) {
	fmt.Fprintf(w, "\nFindings in what changed (%d)\n", len(fs))
	for _, f := range fs {
		sev := strings.ToUpper(f.Severity.String())
		if f.Severity >= audit.High {
			sev = pal.paint(pal.hot, sev)
		}
		fmt.Fprintf(w, "  %-8s %-14s %s\n", sev, f.Rule, human.OneLine(f.Title, 100))
		where := f.Place()
		if f.Path != "" {
			where = f.Path + " " + where
		}
		fmt.Fprintf(w, "           %s\n", where)
	}
}

// packageKnowledge answers forensics.PackageKnowledge from the suspect's package inventory
// and integrity check.
type packageKnowledge struct {
	owners     map[string]*packages.Package
	mismatched map[string]bool
	unowned    map[string]bool
}

func newPackageKnowledge(inv *packages.Inventory, integ *packages.Integrity, tree *forensics.Tree) *packageKnowledge {
	k := &packageKnowledge{owners: inv.Owners(tree), mismatched: map[string]bool{}, unowned: map[string]bool{}}
	for _, m := range integ.Mismatches {
		k.mismatched[m.Path] = true
	}
	for _, u := range integ.Unpackaged {
		if u.Executable {
			k.unowned[u.Path] = true
		}
	}
	return k
}

func (k *packageKnowledge) Installed(p string, layer int) (string, bool) {
	pkg := k.owners[p]
	if pkg == nil || k.mismatched[p] || pkg.Layer != layer {
		return "", false
	}
	return pkg.Name, true
}

func (k *packageKnowledge) Unowned(p string) bool { return k.unowned[p] }
