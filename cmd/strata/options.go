package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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

// outputOptions are the --format and -o flags most commands share.
type outputOptions struct {
	format string
	output string
}

func (o *outputOptions) register(cmd *cobra.Command, formats ...string) {
	cmd.Flags().StringVar(&o.format, "format", formats[0], "output format: "+joinOr(formats))
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write to this file instead of standard output")
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		for _, f := range formats {
			if f == o.format {
				return nil
			}
		}
		return badInput(fmt.Errorf("--format %q: want %s", o.format, joinOr(formats)))
	}
}

// writer opens the destination; the returned function closes it and reports the first write
// error, which also stops later writes (a renderer that ignores its write errors still ends
// at once on a closed pipe: `strata layers X | head`).
func (o *outputOptions) writer(cmd *cobra.Command) (io.Writer, func() error, error) {
	if o.output == "" || o.output == "-" {
		w := &stickyWriter{w: cmd.OutOrStdout()}
		return w, func() error { return w.err }, nil
	}
	f, err := report.Create(o.output, false, 0o644)
	if err != nil {
		return nil, nil, badInput(err)
	}
	w := &stickyWriter{w: f}
	return w, func() error {
		cerr := f.Close()
		if w.err != nil {
			return w.err
		}
		return cerr
	}, nil
}

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
	w, done, err := o.writer(cmd)
	if err != nil {
		return err
	}
	err = report.Render(w, kind, o.format, doc)
	if cerr := done(); err == nil {
		err = cerr
	}
	return err
}

// emit writes doc as JSON when --format json asks for it, else the text form; either goes to
// -o FILE when given. Write errors, closing included, are returned.
func (o *outputOptions) emit(cmd *cobra.Command, doc any, text func(io.Writer) error) error {
	w, done, err := o.writer(cmd)
	if err != nil {
		return err
	}
	if o.format == "json" {
		err = report.JSON(w, doc)
	} else {
		err = text(w)
	}
	if cerr := done(); err == nil {
		err = cerr
	}
	return err
}
