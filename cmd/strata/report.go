package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
)

func newReportCommand(g *globalOptions) *cobra.Command {
	var (
		out    outputOptions
		so     storeOptions
		scanID string
		diff   bool
	)
	cmd := &cobra.Command{
		Use:   "report (--scan ID | IMAGE | --diff ORIGINAL SUSPECT)",
		Short: "Write a tracing report from the history database, recording first what it lacks",
		Long: `Write the tracing report of a recorded scan (--scan ID), of an image (its latest scan and the
latest diff it was the suspect of), or of a comparison (--diff ORIGINAL SUSPECT):
chain of custody (every reading of the evidence with its sha256, strata and rule set versions,
who, when, host), image identity, family and tag history, the layer table with history steps
and unverified lines, the implant (each suspicious change with its layer, history step and
content diff), findings by severity, an indicator list (hashes, IPs, domains, paths) ready to
feed other tools, sightings of those indicators in other stored images, and a timeline.

--format md (default) reads well as plain text; html is one self-contained file (inline
styles, no scripts, nothing fetched) that prints cleanly; json is the report's data.

IMAGE, ORIGINAL and SUSPECT are digests (or unique prefixes), tags, or input paths as they were
read; an image file that was read under another path is found by its sha256. The report does
what it needs first: an image file never scanned is scanned, two image files never compared are
compared (and the suspect scanned), and recorded, as strata scan and strata diff would.`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case scanID != "" && (diff || len(args) > 0):
				return badInput(errors.New("report takes --scan ID, IMAGE, or --diff ORIGINAL SUSPECT, one of them"))
			case diff && len(args) != 2:
				return badInput(fmt.Errorf("report --diff takes ORIGINAL and SUSPECT (got %d arguments)", len(args)))
			case scanID == "" && !diff && len(args) != 1:
				return badInput(fmt.Errorf("report takes --scan ID, IMAGE, or --diff ORIGINAL SUSPECT (got %d arguments)", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			w, err := g.workspace(&so)
			if err != nil {
				return err
			}
			req := casework.ReportRequest{Diff: diff, Scan: casework.ScanOptions{Options: setFlags(cmd)}}
			switch {
			case scanID != "":
				id, perr := strconv.ParseInt(scanID, 10, 64)
				if perr != nil || id <= 0 {
					return badInput(fmt.Errorf("--scan %q: want a scan number (see strata history)", scanID))
				}
				req.ScanID = id
			case diff:
				req.Original, req.Suspect = args[0], args[1]
			default:
				req.Image = args[0]
			}
			sink, endProgress := g.events(cmd)
			defer endProgress()
			r, err := w.Report(ctx, req, sink)
			endProgress()
			if err != nil {
				return badInput(err)
			}
			err = out.render(cmd, report.KindTracing, r)
			if err == nil && out.output != "" && out.output != "-" && !g.quiet {
				abs, aerr := filepath.Abs(out.output)
				if aerr != nil {
					abs = out.output
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote the tracing report to %s\n", report.Evidence(abs))
			}
			return err
		},
	}
	out.register(cmd, report.Formats(report.KindTracing)...)
	so.registerDB(cmd)
	cmd.Flags().StringVar(&scanID, "scan", "", "report on this recorded scan (see strata history)")
	cmd.Flags().BoolVar(&diff, "diff", false, "report on the recorded comparison of ORIGINAL with SUSPECT")
	return cmd
}
