package main

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
)

func newAuditCommand(g *globalOptions) *cobra.Command {
	var (
		out    outputOptions
		so     storeOptions
		co     contentScanOptions
		limits auditLimits
	)
	cmd := &cobra.Command{
		Use:   "audit PATH...",
		Short: "Scan a whole registry export as one fleet: shared layers read once, one view of every image",
		Long: `Find every image under the paths and scan them as one fleet: docker save tarballs (classic and
Docker 25+, compressed or not), oci-archives, OCI layouts with every image their index lists,
multi-image docker archives, in directories walked to the bottom (a skopeo sync tree, a
directory of docker save tarballs). Paths that hold no image are named with the reason and
skipped; only when nothing at all is an image does audit refuse (exit 2).

Every image is scanned as strata scan scans it and recorded in the history database (one scan
each). Each distinct layer, known by the sha256 of its stored bytes hashed in this run, is read
once for the whole fleet: images are scanned --jobs at a time within --memory, and an image whose
layers another running scan is reading waits for it, then takes them from the layer cache.
Images already recorded with a complete scan of the same input (sha256) and rules are not
scanned again, so an interrupted audit resumes where it stopped; --rescan scans them again.

The fleet view has one row per image (verdict, top finding, the base it is built on: a trusted
image from strata trust, else the longest layer chain it shares in the fleet, and whether that
base is trusted), the family forest of the fleet (shared layer chains), the implants and
indicators found in more than one image with the image that introduced them, the clean images
and what was skipped. --format text (default), json (docs/json.md), md, or html (one
self-contained file).

--fail-on SEVERITY exits 1 when any image of the fleet has a finding at or above it, or when an
image could not be scanned (it cannot be vouched for).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return badInput(errors.New("audit takes PATH... (got no path)"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			size, err := co.maxFileSize()
			if err != nil {
				return err
			}
			opts, err := limits.options(args)
			if err != nil {
				return err
			}
			threshold, err := co.threshold()
			if err != nil {
				return err
			}
			sc, err := co.scanner(cmd, g, &so, casework.ScanOptions{MaxFileSize: size})
			if err != nil {
				return err
			}
			defer sc.Close()
			ctx := cmd.Context()
			sink, endProgress := g.events(cmd)
			defer endProgress()
			f, err := sc.Audit(ctx, opts, sink)
			endProgress()
			if err != nil {
				var ie *casework.InputError
				if errors.As(err, &ie) {
					return badInput(err)
				}
				return err
			}
			if err := out.render(cmd, report.KindFleet, report.FleetDocument{Fleet: f}); err != nil {
				return err
			}
			if n := f.Stats.Unrecorded; n > 0 {
				errs := make([]error, n)
				for i := range errs {
					errs[i] = errors.New("not recorded")
				}
				return notRecorded(errs...)
			}
			if threshold >= 0 {
				if n := f.Unscanned(); n > 0 {
					return &exitError{code: exitFindings, err: fmt.Errorf("--fail-on: %s could not be scanned", plural(n, "image", "images"))}
				}
				if f.AtLeast(threshold) {
					return &exitError{code: exitFindings}
				}
			}
			return nil
		},
	}
	out.register(cmd, report.Formats(report.KindFleet)...)
	out.registerShowSecrets(cmd)
	co.register(cmd, "exit 1 when any image has a finding at or above this severity, or could not be scanned", "skip checking files against the images' package databases")
	so.registerDB(cmd)
	limits.register(cmd)
	return cmd
}

// auditLimits are how an audit runs, for strata audit and the workbench's audit alike.
type auditLimits struct {
	memory string
	jobs   int
	rescan bool
}

func (l *auditLimits) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&l.jobs, "jobs", 0, fmt.Sprintf("images scanned at once (default one per core: %d)", runtime.GOMAXPROCS(0)))
	cmd.Flags().StringVar(&l.memory, "memory", "", "memory the scans running at once may take (default half the memory available)")
	cmd.Flags().BoolVar(&l.rescan, "rescan", false, "scan again the images already recorded with the same input and rules")
}

// options checks the flags and gives the audit's options for paths.
func (l *auditLimits) options(paths []string) (casework.AuditOptions, error) {
	var budget int64
	if l.memory != "" {
		var err error
		if budget, err = parseSize(l.memory); err != nil {
			return casework.AuditOptions{}, badInput(fmt.Errorf("--memory: %w", err))
		}
	}
	if l.jobs < 0 {
		return casework.AuditOptions{}, badInput(fmt.Errorf("--jobs %d: want 1 or more (0: one per core)", l.jobs))
	}
	// Scans running side by side hold what the budget allows: the heap's soft limit may not
	// be lower, or the collector would run without pause.
	if budget > 0 {
		raiseMemoryLimit(budget)
	} else {
		raiseMemoryLimit(casework.DefaultAuditMemory())
	}
	return casework.AuditOptions{Paths: paths, Jobs: l.jobs, Memory: budget, Rescan: l.rescan}, nil
}
