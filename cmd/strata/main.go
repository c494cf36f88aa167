// Command strata is an offline forensic toolkit for saved container images.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/internal/buildinfo"
	"github.com/strata-forensics/strata/internal/cmalloc"
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

func main() { os.Exit(mainCode()) }

// mainCode runs the command line of the process and returns its exit status.
func mainCode() int {
	casework.TuneMemory()
	cmalloc.LimitArenas(runtime.GOMAXPROCS(0))
	if err := restoreStdout(); err != nil {
		fmt.Fprintln(os.Stderr, "strata:", err)
		return exitBadInput
	}
	ctx, stop := signalContext()
	defer stop()
	return run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

// raiseMemoryLimit lifts the heap's soft limit to n (an audit's memory budget) unless
// GOMEMLIMIT set it.
func raiseMemoryLimit(n int64) {
	if os.Getenv("GOMEMLIMIT") == "" && n > debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(n)
	}
}

// interruption is the cause of a context cancelled by a signal.
type interruption struct{ sig syscall.Signal }

func (i interruption) Error() string { return "interrupted by " + i.sig.String() }

// signalContext returns a context that SIGINT, SIGTERM and SIGPIPE cancel, with the signal as
// its cause: the work in hand stops, records what it must (an interrupted scan), removes its
// temporary files and returns, and main exits 128+signal. SIGPIPE is caught rather than left
// to kill the process, so that `strata layers X | head` cleans up too: the write that meets
// the closed pipe fails with EPIPE instead. A second SIGINT or SIGTERM exits at once.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		first := true
		for {
			select {
			case s := <-ch:
				sig, _ := s.(syscall.Signal)
				if first {
					first = false
					cancel(interruption{sig})
					continue
				}
				if sig != syscall.SIGPIPE {
					os.Exit(128 + int(sig))
				}
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interruptedCode is the exit status of a run a signal or a closed output pipe stopped
// (128+signal), 0 when neither did.
func interruptedCode(ctx context.Context, err error) int {
	var in interruption
	if errors.As(context.Cause(ctx), &in) {
		return 128 + int(in.sig)
	}
	if errors.Is(err, syscall.EPIPE) {
		return 128 + int(syscall.SIGPIPE)
	}
	return 0
}

// run executes one strata command line and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if rerr := casework.RemoveTempDirs(); rerr != nil {
		fmt.Fprintln(stderr, "strata: warning:", report.Evidence(rerr.Error()))
	}
	if code := interruptedCode(ctx, err); code != 0 {
		// Stopped on purpose: the user knows, and a closed pipe has nobody to tell.
		return code
	}
	if err == nil {
		return 0
	}
	code := exitBadInput
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if ee == nil || ee.err != nil {
		// Errors name their input, which may be a hostile file name or hold one.
		fmt.Fprintln(stderr, "strata:", report.Evidence(err.Error()))
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
		Version:       build.Version,
	}
	root.SetVersionTemplate(build.String() + "\n")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		g.prepareDataDir(cmd)
		return nil
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return badInput(err) })
	root.PersistentFlags().StringVar(&g.dataDir, "data-dir", "", "Strata's data directory (default $STRATA_DATA, else $XDG_DATA_HOME/strata, else ~/.local/share/strata)")
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "print no progress and no notes on standard error, only warnings and errors")
	root.PersistentFlags().BoolVar(&g.noProgress, "no-progress", false, "draw no progress line on standard error")
	root.AddCommand(
		newInspectCommand(g),
		newLayersCommand(g),
		newDockerfileCommand(g),
		newCatCommand(g),
		newExportCommand(g),
		newTUICommand(g),
		newDiffCommand(g),
		newScanCommand(g), newAuditCommand(g), newSBOMCommand(g), newVulnDBCommand(g),
		newRulesCommand(g), newTrustCommand(g),
		newFamilyCommand(g), newTagsCommand(g), newHistoryCommand(g), newTraceCommand(g), newReportCommand(g), newStoreCommand(g),
		newVersionCommand(),
	)
	return root
}

func newVersionCommand() *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print Strata's version, the commit it was built from and when",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return out.emit(cmd, build, func(w io.Writer, _ report.Filter) error {
				_, err := fmt.Fprintln(w, build.String())
				return err
			})
		},
	}
	out.register(cmd, "text", "json")
	return cmd
}

// build is this binary's version, commit and build date (set by the Makefile, else taken from
// Go's build information); version is what custody records, rule hashes and SARIF name.
var (
	build   = buildinfo.Get()
	version = build.Version
)
