package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/diffscan"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/human"
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
	if k := diffscan.Knowledge(set.Analyzers, d.SuspectTree); k != nil {
		d.ApplyPackages(k)
	}
	return diffscan.Changed(r.Findings, d), nil
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
