package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
)

type globalOptions struct {
	dataDir    string
	quiet      bool
	noProgress bool
}

// dataDirectory is the only place Strata writes (besides files the user names with -o).
func (g *globalOptions) dataDirectory() (string, error) {
	if g.dataDir != "" {
		return g.dataDir, nil
	}
	if d := os.Getenv("STRATA_DATA"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "strata"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding a data directory: %w (set --data-dir or STRATA_DATA)", err)
	}
	return filepath.Join(home, ".local", "share", "strata"), nil
}

// prepareDataDir looks after an existing data directory before any command: it takes group
// and other permissions away from it and its tmp/ when strata made it (it holds the history
// database or strata's tmp/: it holds what images held, /etc/shadow among them), and sweeps
// tmp/ of what dead strata processes left (casework.SweepTempDirs). A data directory that does
// not exist is left so: the commands that write create it, mode 0700. Problems are warnings.
func (g *globalOptions) prepareDataDir(cmd *cobra.Command) {
	dir, err := g.dataDirectory()
	if err != nil {
		return
	}
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return
	}
	ours := false
	for _, name := range []string{history.DefaultName, "tmp"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			ours = true
		}
	}
	if !ours {
		return
	}
	for _, d := range []string{dir, filepath.Join(dir, "tmp")} {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() && fi.Mode().Perm()&0o077 != 0 {
			// A directory we may not change (another owner, read-only media) stays as it is.
			_ = os.Chmod(d, fi.Mode().Perm()&^0o077)
		}
	}
	if _, err := casework.SweepTempDirs(dir); err != nil && !g.quiet {
		fmt.Fprintln(cmd.ErrOrStderr(), "strata: warning:", report.Evidence(err.Error()))
	}
}

// workspace is casework's view of the data directory and the history database (--db, else
// $STRATA_DB, else strata.db in the data directory).
func (g *globalOptions) workspace(o *storeOptions) (*casework.Workspace, error) {
	dir, err := g.dataDirectory()
	if err != nil {
		return nil, badInput(err)
	}
	db, err := g.dbPath(o)
	if err != nil {
		return nil, badInput(err)
	}
	return &casework.Workspace{DataDir: dir, DB: db, Version: version}, nil
}

// openImage opens ref with temporary files under the data directory; a reference that names
// no image is bad input naming it.
func (g *globalOptions) openImage(ctx context.Context, ref string) (*forensics.Image, error) {
	w, err := g.workspace(nil)
	if err != nil {
		return nil, err
	}
	img, err := w.Open(ctx, ref, nil)
	if err != nil {
		return nil, badInput(err)
	}
	return img, nil
}

// outputOptions are the --format, -o, --force and (on commands that show evidence)
// --show-secrets flags most commands share.
type outputOptions struct {
	format      string
	output      string
	force       bool
	showSecrets bool
	// args are the command's arguments, its inputs (set before it runs).
	args []string
}

func (o *outputOptions) register(cmd *cobra.Command, formats ...string) {
	cmd.Flags().StringVar(&o.format, "format", formats[0], "output format: "+joinOr(formats))
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write to this file (mode 0600) instead of standard output; never an input, never through a link")
	cmd.Flags().BoolVar(&o.force, "force", false, "let -o replace an existing file or symbolic link (the new file is mode 0600)")
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		o.args = args
		if !slices.Contains(formats, o.format) {
			return badInput(fmt.Errorf("--format %q: want %s", o.format, joinOr(formats)))
		}
		return o.check(cmd)
	}
}

// check refuses, before the command does any work, an -o the output could not be written to
// and a --show-secrets that could not be honoured.
func (o *outputOptions) check(cmd *cobra.Command) error {
	if err := o.checkShowSecrets(cmd, true); err != nil {
		return err
	}
	if o.output == "" || o.output == "-" {
		return nil
	}
	if err := report.Check(o.output, report.CreateOptions{Force: o.force, Inputs: o.inputs(cmd)}); err != nil {
		return badInput(err)
	}
	return nil
}

// registerShowSecrets adds --show-secrets, on the commands whose text output shows what the
// evidence holds.
func (o *outputOptions) registerShowSecrets(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.showSecrets, "show-secrets", false,
		"show secrets in the clear in text output on a terminal (never with -o, --format other than text, or into a pipe or file)")
}

// filter is how evidence text is shown: redacted, unless --show-secrets was given (writer
// has checked it may be).
func (o *outputOptions) filter() report.Filter { return report.Filter{ShowSecrets: o.showSecrets} }

// checkShowSecrets refuses --show-secrets where the output is not a screen: secrets go to a
// terminal the user looks at, never into a file, a pipe or a machine format.
func (o *outputOptions) checkShowSecrets(cmd *cobra.Command, text bool) error {
	switch {
	case !o.showSecrets:
		return nil
	case o.output != "" && o.output != "-":
		return badInput(errors.New("--show-secrets shows secrets on a terminal only, never in a file: leave out -o"))
	case !text:
		return badInput(fmt.Errorf("--show-secrets is for text output on a terminal; --format %s is always redacted", o.format))
	case !isTerminal(cmd.OutOrStdout()):
		return badInput(errors.New("--show-secrets shows secrets on a terminal only: standard output is a pipe or a file"))
	}
	return nil
}

// inputs are the paths -o must not name: the command's arguments (image references, paths),
// the files --rules, --ignore and --vex name, the history database, and, for what a command
// names otherwise, extra.
func (o *outputOptions) inputs(cmd *cobra.Command, extra ...string) []string {
	in := append(append([]string{}, o.args...), extra...)
	for _, name := range []string{"rules", "vex"} {
		if files, err := cmd.Flags().GetStringArray(name); err == nil {
			in = append(in, files...)
		}
	}
	if f, err := cmd.Flags().GetString("ignore"); err == nil && f != "" {
		in = append(in, f)
	}
	g := &globalOptions{}
	if f := cmd.Flag("data-dir"); f != nil {
		g.dataDir = f.Value.String()
	}
	so := &storeOptions{}
	if f := cmd.Flags().Lookup("db"); f != nil {
		so.db = f.Value.String()
	}
	if db, err := g.dbPath(so); err == nil {
		in = append(in, db, db+"-wal", db+"-shm")
	}
	return in
}

// writer opens the destination; the returned function ends it with the error the rendering
// returned: standard output reports the first write error, which also stops later writes (a
// renderer that ignores its write errors still ends at once on a closed pipe: `strata layers
// X | head`); a file (-o) is put in place only when everything was written, and otherwise
// removed, leaving what was at the path before untouched.
func (o *outputOptions) writer(cmd *cobra.Command, text bool) (io.Writer, func(error) error, error) {
	if err := o.checkShowSecrets(cmd, text); err != nil {
		return nil, nil, err
	}
	// Either way through a buffer: a report of a million lines is not a million writes. A
	// write error stays in the buffer too, and fails every write after it.
	if o.output == "" || o.output == "-" {
		sw := &stickyWriter{w: cmd.OutOrStdout()}
		w := bufio.NewWriterSize(sw, outputBuffer)
		return w, func(err error) error {
			if ferr := w.Flush(); err == nil {
				err = ferr
			}
			if err != nil {
				return err
			}
			return sw.err
		}, nil
	}
	f, err := report.Create(o.output, report.CreateOptions{Force: o.force, Inputs: o.inputs(cmd)})
	if err != nil {
		return nil, nil, badInput(err)
	}
	sw := &stickyWriter{w: f}
	w := bufio.NewWriterSize(sw, outputBuffer)
	return w, func(err error) error {
		if ferr := w.Flush(); err == nil {
			err = ferr
		}
		if err == nil {
			err = sw.err
		}
		if err != nil {
			f.Abort()
			return err
		}
		return f.Commit()
	}, nil
}

// outputBuffer is how much output is gathered before it is written.
const outputBuffer = 64 << 10

// stickyWriter remembers the first write error and fails every write after it.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := ""
	for i, x := range s {
		switch {
		case i == len(s)-1:
			out += " or " + x
		case i > 0:
			out += ", " + x
		default:
			out += x
		}
	}
	return out
}

// readImage opens ref and reads every layer once, hashing every file, and waits for the input
// hash, reporting its progress to sink. The caller closes the image.
func (g *globalOptions) readImage(ctx context.Context, ref string, sink casework.Sink) (*forensics.Image, []*forensics.LayerTree, error) {
	w, err := g.workspace(nil)
	if err != nil {
		return nil, nil, err
	}
	img, trees, err := w.ReadImage(ctx, ref, sink)
	if err != nil {
		return nil, nil, badInput(err)
	}
	return img, trees, nil
}

// setFlags are the flags the user set on the command line, as a scan records them.
func setFlags(cmd *cobra.Command) map[string]string {
	opts := map[string]string{}
	cmd.Flags().Visit(func(f *pflag.Flag) { opts[f.Name] = f.Value.String() })
	return opts
}

// render writes doc, a document of kind, in the --format chosen, to -o FILE or standard
// output.
func (o *outputOptions) render(cmd *cobra.Command, kind string, doc any) error {
	w, done, err := o.writer(cmd, report.IsText(kind, o.format))
	if err != nil {
		return err
	}
	return done(report.RenderFiltered(w, kind, o.format, doc, o.filter()))
}

// emit writes doc as JSON (secrets redacted) when --format json asks for it, else the text
// form, which puts evidence text through ev; either goes to -o FILE when given. Write errors,
// closing included, are returned.
func (o *outputOptions) emit(cmd *cobra.Command, doc any, text func(w io.Writer, ev report.Filter) error) error {
	w, done, err := o.writer(cmd, o.format != "json")
	if err != nil {
		return err
	}
	if o.format == "json" {
		return done(report.JSON(w, doc))
	}
	return done(text(w, o.filter()))
}
