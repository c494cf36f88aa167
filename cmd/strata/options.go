package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/forensics"
)

type globalOptions struct {
	dataDir string
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

// openImage opens ref with temporary files under the data directory, turning input problems
// into exit-2 errors that name the input.
func (g *globalOptions) openImage(ctx context.Context, ref string) (*forensics.Image, error) {
	dir, err := g.dataDirectory()
	if err != nil {
		return nil, badInput(err)
	}
	img, err := forensics.Open(ctx, ref, forensics.OpenOptions{TempDir: filepath.Join(dir, "tmp")})
	if err != nil {
		var ie *forensics.InputError
		var amb *forensics.AmbiguousError
		if errors.As(err, &ie) || errors.As(err, &amb) {
			return nil, badInput(err)
		}
		return nil, badInput(fmt.Errorf("%s: %w", ref, err))
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

// writer opens the destination; the returned function closes it and reports write errors.
func (o *outputOptions) writer(cmd *cobra.Command) (io.Writer, func() error, error) {
	if o.output == "" || o.output == "-" {
		return cmd.OutOrStdout(), func() error { return nil }, nil
	}
	f, err := os.OpenFile(o.output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, nil, badInput(fmt.Errorf("opening output: %w", err))
	}
	return f, f.Close, nil
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
// hash. The caller closes the image.
func (g *globalOptions) readImage(ctx context.Context, ref string) (*forensics.Image, []*forensics.LayerTree, error) {
	img, err := g.openImage(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	trees, err := img.ReadLayers(ctx, forensics.ReadOptions{})
	if err != nil {
		img.Close()
		return nil, nil, badInput(fmt.Errorf("%s: %w", ref, err))
	}
	if _, _, err := img.InputHash(ctx); err != nil {
		img.Close()
		return nil, nil, badInput(fmt.Errorf("%s: hashing the input: %w", ref, err))
	}
	return img, trees, nil
}

// emit writes doc as JSON when --format json asks for it, else the text form; either goes to
// -o FILE when given. Write errors, closing included, are returned.
func (o *outputOptions) emit(cmd *cobra.Command, doc any, text func(io.Writer) error) error {
	w, done, err := o.writer(cmd)
	if err != nil {
		return err
	}
	if o.format == "json" {
		err = writeJSON(w, doc)
	} else {
		err = text(w)
	}
	if cerr := done(); err == nil {
		err = cerr
	}
	return err
}
