// Command strata is an offline forensic toolkit for saved container images.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes: 0 ran and found nothing above --fail-on; 1 findings or changes the user asked to
// fail on; 2 bad input or usage.
const (
	exitFindings = 1
	exitBadInput = 2
)

// exitError carries an exit code up to main, the only place that exits.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one strata command line and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	code := exitBadInput
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if ee == nil || ee.err != nil {
		fmt.Fprintln(stderr, "strata:", err)
	}
	return code
}

func newRootCommand() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:           "strata",
		Short:         "Offline forensics for saved container images",
		Long:          "Strata opens docker save tarballs, OCI archives and layouts, and extracted root filesystems,\nwith no network access, and shows what is inside them layer by layer.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return badInput(err) })
	root.PersistentFlags().StringVar(&g.dataDir, "data-dir", "", "Strata's data directory (default $STRATA_DATA, else $XDG_DATA_HOME/strata, else ~/.local/share/strata)")
	root.AddCommand(
		newInspectCommand(g),
		newLayersCommand(g),
		newDockerfileCommand(g),
		newCatCommand(g),
		newExportCommand(g),
		newTUICommand(g),
		newDiffCommand(g),
		newScanCommand(g), newSBOMCommand(g), newVulnDBCommand(g),
		newRulesCommand(g), newTrustCommand(g),
		newFamilyCommand(g), newTagsCommand(g), newHistoryCommand(g), newTraceCommand(g), newReportCommand(g), newStoreCommand(g),
		newVersionCommand(),
	)
	return root
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Strata's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "strata", version)
			return nil
		},
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"
