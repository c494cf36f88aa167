package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
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
		Short: "Write a tracing report from the history database",
		Long: `Write the tracing report of a recorded scan (--scan ID), of an image (its latest scan and the
latest diff it was the suspect of), or of a recorded comparison (--diff ORIGINAL SUSPECT):
chain of custody (every reading of the evidence with its sha256, strata and rule set versions,
who, when, host), image identity, family and tag history, the layer table with history steps
and unverified lines, the implant (each suspicious change with its layer, history step and
content diff), findings by severity, an indicator list (hashes, IPs, domains, paths) ready to
feed other tools, sightings of those indicators in other stored images, and a timeline.

--format md (default) reads well as plain text; html is one self-contained file (inline
styles, no scripts, nothing fetched) that prints cleanly; json is the report's data.

IMAGE, ORIGINAL and SUSPECT are digests (or unique prefixes), tags, or input paths as they were
read; an image file that was read under another path is found by its sha256.`,
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
			s, err := g.store(ctx, &so)
			if err != nil {
				return err
			}
			defer s.Close()
			trusted, err := g.trusted()
			if err != nil {
				return badInput(err)
			}
			opts := history.ReportOptions{Trusted: trusted}
			var r *history.Report
			switch {
			case scanID != "":
				id, perr := strconv.ParseInt(scanID, 10, 64)
				if perr != nil || id <= 0 {
					return badInput(fmt.Errorf("--scan %q: want a scan number (see strata history)", scanID))
				}
				r, err = s.ScanReport(ctx, id, opts)
			case diff:
				var o, su string
				if o, err = resolveStored(ctx, s, args[0]); err == nil {
					if su, err = resolveStored(ctx, s, args[1]); err == nil {
						r, err = s.DiffReport(ctx, o, su, opts)
					}
				}
			default:
				var ref string
				if ref, err = resolveStored(ctx, s, args[0]); err == nil {
					r, err = s.ImageReport(ctx, ref, opts)
				}
			}
			if err != nil {
				if errors.Is(err, history.ErrNotFound) {
					hint := "scan or inspect it first: reports come from the history database"
					if diff {
						hint = "run strata diff ORIGINAL SUSPECT first: it records the comparison the report is made from"
					}
					err = fmt.Errorf("%w (%s)", err, hint)
				}
				return notFound(err)
			}
			w, done, err := out.writer(cmd)
			if err != nil {
				return err
			}
			err = report.WriteTracing(w, r, out.format)
			if cerr := done(); err == nil {
				err = cerr
			}
			if err == nil && out.output != "" && out.output != "-" {
				abs, aerr := filepath.Abs(out.output)
				if aerr != nil {
					abs = out.output
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote the tracing report to %s\n", abs)
			}
			return err
		},
	}
	out.register(cmd, "md", "html", "json")
	so.registerDB(cmd)
	cmd.Flags().StringVar(&scanID, "scan", "", "report on this recorded scan (see strata history)")
	cmd.Flags().BoolVar(&diff, "diff", false, "report on the recorded comparison of ORIGINAL with SUSPECT")
	return cmd
}

// resolveStored turns a reference into the config digest of a stored image. A path to a file
// the store has not seen under that name is looked up by its sha256.
func resolveStored(ctx context.Context, s *history.Store, ref string) (string, error) {
	img, err := s.FindImage(ctx, ref)
	if err == nil {
		return img.ConfigDigest, nil
	}
	if !errors.Is(err, history.ErrNotFound) {
		return "", err
	}
	if abs, aerr := filepath.Abs(ref); aerr == nil && abs != ref {
		if img, err2 := s.FindImage(ctx, abs); err2 == nil {
			return img.ConfigDigest, nil
		}
	}
	f, ferr := os.Open(ref)
	if ferr != nil {
		return "", err
	}
	defer f.Close()
	if st, serr := f.Stat(); serr != nil || !st.Mode().IsRegular() {
		return "", err
	}
	h := sha256.New()
	if _, cerr := io.Copy(h, f); cerr != nil {
		return "", err
	}
	img, err2 := s.FindImage(ctx, hex.EncodeToString(h.Sum(nil)))
	if err2 != nil {
		return "", err
	}
	return img.ConfigDigest, nil
}
