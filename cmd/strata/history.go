package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
)

func newHistoryCommand(g *globalOptions) *cobra.Command {
	var (
		out      outputOptions
		so       storeOptions
		image    string
		tag      string
		severity string
		since    string
		limit    int
	)
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Show the log of recorded scans",
		Long: `List the scans recorded in the history database, newest first: when, which image (and the
input it was read from), the verdict, findings by severity, how many layers came from the layer
cache, and the status. A scan is recorded in one transaction when it ends, so every scan listed
is whole.

--image and --tag keep scans of one image or of images seen under a tag; --severity keeps
scans with a finding at or above it; --since keeps scans started after a date (2024-06-02), a
time (RFC 3339) or an age (36h, 7d).`,
		Args: exactArgs(0, "no arguments (filter with --image, --tag, --severity, --since)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := history.ScanFilter{Image: image, Tag: tag, Limit: limit}
			if severity != "" {
				sev, err := audit.ParseSeverity(severity)
				if err != nil {
					return badInput(fmt.Errorf("--severity: %w", err))
				}
				f.MinSeverity, f.HasSeverity = sev, true
			}
			t, err := parseSince(since, time.Now())
			if err != nil {
				return badInput(fmt.Errorf("--since: %w", err))
			}
			f.Since = t
			ctx := cmd.Context()
			s, err := g.readStore(cmd, &so)
			if err != nil {
				return err
			}
			scans := []history.ScanRecord{}
			if s == nil && (image != "" || tag != "") {
				return badInput(fmt.Errorf("%q: %w (nothing recorded yet)", image+tag, history.ErrNotFound))
			}
			if s != nil {
				defer s.Close()
				if scans, err = s.Scans(ctx, f); err != nil {
					return notFound(err)
				}
			}
			return out.emit(cmd, map[string]any{"scans": scans}, func(w io.Writer, ev report.Filter) error {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SCAN\tSTARTED\tIMAGE\tVERDICT\tCRIT\tHIGH\tMED\tLOW\tCACHED\tSTATUS\tINPUT")
				for _, r := range scans {
					status := r.Status
					if !r.Complete() {
						// A comparison's scan: the layers the original holds were not analyzed.
						status += ", diff"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", r.ID, storedTime(r.Started), storedImageLabel(r.Image, ev),
						r.Verdict, r.Summary[audit.Critical], r.Summary[audit.High], r.Summary[audit.Medium], r.Summary[audit.Low],
						r.CachedLayers, status, ev.Line(r.Input.Path))
				}
				return tw.Flush()
			})
		},
	}
	out.register(cmd, "text", "json")
	so.registerDB(cmd)
	cmd.AddCommand(newHistoryExportCommand(g), newHistoryImportCommand(g))
	fl := cmd.Flags()
	fl.StringVar(&image, "image", "", "only scans of this image (digest, prefix, tag or input path)")
	fl.StringVar(&tag, "tag", "", "only scans of images seen under this tag")
	fl.StringVar(&severity, "severity", "", "only scans with a finding at or above this severity")
	fl.StringVar(&since, "since", "", "only scans started after this date, time or age (2024-06-02, 36h, 7d)")
	fl.IntVar(&limit, "limit", 0, "show at most this many scans (0: all)")
	return cmd
}
