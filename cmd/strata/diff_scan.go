package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/forensics/human"
)

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
