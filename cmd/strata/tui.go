package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/signatures"
	"github.com/strata-forensics/strata/tui"
)

func newTUICommand(g *globalOptions) *cobra.Command {
	var (
		rules ruleOptions
		scan  bool
	)
	cmd := &cobra.Command{
		Use:   "tui IMAGE...",
		Short: "Explore images interactively: layers, file trees, file contents, Dockerfile, findings, diffs",
		Long: `Open the images in a terminal workbench. Each image's layers are read in the background; pick a
layer to see what it added, changed and removed, read or diff a file, or follow the reconstructed
Dockerfile to the layer each step made. Press s to scan an image in the background (as strata
scan does, with the built-in YARA rules and any --rules): findings fill the Findings tab as they
are found, and enter on one opens its file in the tree. x writes the scan as JSON, SARIF and text
reports under reports/ in the data directory. In the Images view, mark two images with space (the
original first) and press d to compare them. Press ? inside for every key.

The workbench logs to log/tui.log in Strata's data directory, never to the screen. NO_COLOR is
honoured: every mark that has a colour also has a letter.`,
		Example: "  strata tui saved.tar\n  strata tui --scan suspect.tar\n  strata tui original.tar suspect.tar",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return badInput(errors.New("tui: name at least one image: strata tui IMAGE... " +
					"(a docker save tarball, an OCI archive or layout directory, or dir:ROOTFS)"))
			}
			return runWorkbench(cmd, g, &rules, tui.Options{Refs: args, Scan: scan})
		},
	}
	cmd.Flags().BoolVar(&scan, "scan", false, "scan each image as soon as it is open")
	rules.register(cmd)
	return cmd
}

// runDiffTUI opens the workbench on the comparison of two images (strata diff --tui).
func runDiffTUI(cmd *cobra.Command, g *globalOptions, origRef, suspRef string) error {
	return runWorkbench(cmd, g, &ruleOptions{}, tui.Options{Refs: []string{origRef, suspRef}, Diff: true})
}

// runWorkbench runs the workbench with the log, the image opener and the scan analyzers wired
// in. The analyzers are built when the first scan starts, so that compiling the YARA rules
// does not hold up the first screen; rules named with --rules are compiled up front, so that a
// bad rule file is reported before the screen is taken over.
func runWorkbench(cmd *cobra.Command, g *globalOptions, rules *ruleOptions, opts tui.Options) error {
	dir, err := g.dataDirectory()
	if err != nil {
		return badInput(err)
	}
	an := &tuiAnalyzers{rules: rules, dataDir: dir}
	defer an.close()
	if len(rules.paths) > 0 {
		if _, err := an.get(cmd.Context()); err != nil {
			return err
		}
	}
	logger, closeLog, err := openTUILog(dir)
	if err != nil {
		return err
	}
	defer closeLog()
	logger.Info("starting", "images", opts.Refs, "version", version)
	opts.Logger = logger
	opts.DataDir = dir
	opts.Version = version
	opts.Analyzers = an.get
	opts.Open = func(ctx context.Context, ref string) (*forensics.Image, error) {
		return g.openImage(ctx, ref)
	}
	if err := tui.Run(cmd.Context(), opts); err != nil {
		logger.Error("workbench stopped", "err", err)
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}

// tuiAnalyzers builds the scan's analyzers once, as strata scan does, and closes them after
// the workbench has stopped.
type tuiAnalyzers struct {
	rules   *ruleOptions
	dataDir string

	once sync.Once
	rs   *signatures.RuleSet
	set  *standard.Set
	err  error
}

func (a *tuiAnalyzers) get(context.Context) ([]audit.Analyzer, error) {
	a.once.Do(func() {
		a.rs, a.err = a.rules.compile(audit.DefaultMaxFileSize)
		if a.err != nil {
			return
		}
		a.set, a.err = standard.New(standard.Options{Rules: a.rs, Trust: trust.NewFileStore(a.dataDir)})
	})
	if a.err != nil {
		return nil, a.err
	}
	return a.set.Analyzers, nil
}

func (a *tuiAnalyzers) close() {
	if a.set != nil {
		a.set.Close()
	}
	if a.rs != nil {
		a.rs.Close()
	}
}

// openTUILog opens the workbench's log file in the data directory: the terminal belongs to
// the workbench, so nothing may be logged there.
func openTUILog(dataDir string) (*slog.Logger, func() error, error) {
	dir := filepath.Join(dataDir, "log")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, badInput(fmt.Errorf("creating the log directory: %w", err))
	}
	f, err := os.OpenFile(filepath.Join(dir, "tui.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, badInput(fmt.Errorf("opening the log: %w", err))
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})), f.Close, nil
}
