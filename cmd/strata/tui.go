package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/accept"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/tui"
)

func newTUICommand(g *globalOptions) *cobra.Command {
	var (
		rules       ruleOptions
		so          storeOptions
		accepted    acceptOptions
		scan        bool
		showSecrets bool
		limits      auditLimits
	)
	cmd := &cobra.Command{
		Use:   "tui [IMAGE|DIR...]",
		Short: "Explore images interactively: layers, file trees, file contents, Dockerfile, findings, diffs",
		Long: `Open the images in a terminal workbench. Each image's layers are read in the background; pick a
layer to see what it added, changed and removed, read or diff a file, or follow the reconstructed
Dockerfile to the layer each step made. Press s to scan an image in the background (as strata
scan does, with the built-in YARA rules and any --rules): findings fill the Findings tab as they
are found, and enter on one opens its file in the tree; accepted findings (--ignore FILE or
./.strataignore, --vex, --ignore-unfixed, --severity) are set aside as strata scan sets them. x writes the scan as JSON, SARIF and text
reports under reports/ in the data directory. In the Images view, mark two images with space (the
original first) and press d to compare them. Press ? inside for every key.

A directory that is no image itself (a registry export: neither an OCI layout nor a root
filesystem) stands for every image under it, found as strata audit finds them, and each image
of an OCI layout's index or a multi-image archive is listed on its own. In the Images view, a
audits the paths given as one fleet, as strata audit PATH... does (the same engine and
defaults, recorded in the same history database, what is recorded already resumed), with its
progress (images and bytes done, time left), then shows the fleet view: one row per image
(verdict, top finding, the base it is built on, trusted or not), the family forest, the
implants and indicators several images share with the image that introduced them, the clean
images and what was skipped. enter opens the selected image, esc comes back. --jobs, --memory
and --rescan set how that audit runs, as they do for strata audit.

The workbench reads the history database (--db, else $STRATA_DB, else strata.db in the data
directory): the Images view also lists the images recorded there (enter opens one from the input
it was read from, when that file is still there), and tab 4 (History) shows an image's family,
its tags' history and the scan log, and traces an indicator (T) over everything recorded. An
image whose every layer the database has indexed opens at once: its tree comes from the index,
by the diff_ids read from the evidence; file contents are still read from the evidence, and R
reads the layers again. With no IMAGE, the workbench lists the recorded images.

The workbench logs to log/tui.log in Strata's data directory, never to the screen. NO_COLOR is
honoured: every mark that has a colour also has a letter. Text from the evidence is shown with
control and bidi characters as escapes and secrets redacted ([kind prefix… N chars
sha256:...]); --show-secrets shows them in the clear on the workbench's screen (exports stay
redacted).`,
		Example: "  strata tui saved.tar\n  strata tui --scan suspect.tar\n  strata tui original.tar suspect.tar\n  strata tui registry-export/\n  strata tui --db case.db",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := accepted.load(); err != nil {
				return err
			}
			audit, err := limits.options(nil)
			if err != nil {
				return err
			}
			return runWorkbench(cmd, g, &rules, &so, accepted.policy, tui.Options{Refs: args, Scan: scan, ShowSecrets: showSecrets, Audit: audit})
		},
	}
	limits.register(cmd)
	cmd.Flags().BoolVar(&scan, "scan", false, "scan each image as soon as it is open")
	cmd.Flags().BoolVar(&showSecrets, "show-secrets", false, "show secrets in the clear on the workbench's screen (exports stay redacted)")
	rules.register(cmd)
	accepted.register(cmd)
	so.registerDB(cmd)
	return cmd
}

// runDiffTUI opens the workbench on the comparison of two images (strata diff --tui), with the
// diff's rules and accepted findings.
func runDiffTUI(cmd *cobra.Command, g *globalOptions, o *diffOptions, origRef, suspRef string) error {
	return runWorkbench(cmd, g, &o.rules, &o.store, o.accepted.policy, tui.Options{Refs: []string{origRef, suspRef}, Diff: true})
}

// runWorkbench runs the workbench with the log, the workspace and the scanner wired in (its
// scans and audits set aside what policy accepts, as strata scan and strata audit do). The
// scanner is made when the first scan starts, so that compiling the YARA rules does not hold
// up the first screen; rules named with --rules are compiled up front, so that a bad rule
// file is reported before the screen is taken over.
func runWorkbench(cmd *cobra.Command, g *globalOptions, rules *ruleOptions, so *storeOptions, policy *accept.Policy, opts tui.Options) error {
	w, err := g.workspace(so)
	if err != nil {
		return err
	}
	store, err := openWorkbenchStore(cmd, g, w, so, len(opts.Refs) == 0)
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Close()
		opts.Store = store
		if opts.Trusted, err = w.Trusted(); err != nil {
			fmt.Fprintln(cmd.ErrOrStderr(), "strata: warning: trusted images not marked:", report.Evidence(err.Error()))
		}
	}
	scanner := workbenchScanner(w, rules, policy)
	defer scanner.Close()
	if len(rules.paths) > 0 {
		if _, err := scanner.Get(cmd.Context()); err != nil {
			return badInput(err)
		}
	}
	logger, closeLog, err := openTUILog(w.DataDir)
	if err != nil {
		return err
	}
	defer closeLog()
	logger.Info("starting", "images", opts.Refs, "version", version, "history", store != nil)
	opts.Logger = logger
	opts.Workspace = w
	opts.Scanner = scanner.Get
	if err := tui.Run(cmd.Context(), opts); err != nil {
		logger.Error("workbench stopped", "err", err)
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}

// openWorkbenchStore opens the history database the workbench lists images, families, tags,
// scans and traces from: read-only (the workbench records its scans and comparisons through
// the scanner's own connection), so that its listing neither waits for nor holds up another
// strata's recording; a database of an older strata is upgraded first, and a missing one is
// created when images are given (the workbench will record there). A database named with
// --db that cannot be opened is bad input; the default one is only missed (a warning), since
// the images given can be explored without it. With no image given, the database must hold
// some.
func openWorkbenchStore(cmd *cobra.Command, g *globalOptions, w *casework.Workspace, so *storeOptions, needImages bool) (*history.Store, error) {
	noImage := badInput(errors.New("tui: name at least one image: strata tui IMAGE... " +
		"(a docker save tarball, an OCI archive or layout directory, or dir:ROOTFS); " +
		"with none, the workbench lists the history database's images, and it holds none yet"))
	if needImages && so.db == "" && !w.StoreExists() {
		// Do not create a database just to find it empty.
		return nil, noImage
	}
	store, err := history.OpenReadOnly(cmd.Context(), w.DBPath())
	if err != nil {
		// Missing, or of an older strata: a read-write open creates or upgrades it (and fails
		// as the read-only one did on anything else).
		if rw, rerr := w.OpenStore(cmd.Context()); rerr == nil {
			rw.Close()
			store, err = history.OpenReadOnly(cmd.Context(), w.DBPath())
		}
	}
	if err == nil {
		store.ToolVersion = version
	}
	if err != nil {
		if so.db != "" || needImages {
			return nil, badInput(err)
		}
		fmt.Fprintln(cmd.ErrOrStderr(), "strata: warning: no history:", report.Evidence(err.Error()))
		return nil, nil
	}
	if needImages {
		imgs, err := store.Images(cmd.Context())
		if err == nil && len(imgs) == 0 {
			err = noImage
		}
		if err != nil {
			store.Close()
			return nil, err
		}
	}
	return store, nil
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

// workbenchScanner is the scanner of the workbench's scans, comparisons and audits: the
// rules and accepted findings of the command line that started it, made at the first scan.
func workbenchScanner(w *casework.Workspace, rules *ruleOptions, policy *accept.Policy) *casework.LazyScanner {
	return w.LazyScanner(casework.ScanOptions{RulePaths: rules.paths, NoBuiltinRules: rules.noBuiltin, Accept: policy})
}
