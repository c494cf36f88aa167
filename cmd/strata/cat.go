package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
)

func newCatCommand(g *globalOptions) *cobra.Command {
	var layer int
	cmd := &cobra.Command{
		Use:   "cat IMAGE PATH",
		Short: "Print a file's bytes from the final filesystem or from one layer",
		Long: `Print a file's bytes. Without --layer, from the final filesystem; with --layer N, the copy layer N
holds, also when a later layer removed (whited-out) or replaced it.

Into a pipe or a file the bytes are written as they are: that is the evidence, secrets and all.
On a terminal, cat shows text with its control characters as visible escapes (\x1b, \r, ...),
so that the file cannot drive the terminal, and refuses binary content (a NUL byte in its first
8 KiB): pipe it (strata cat ... | xxd) or write it out (strata export ... -o FILE).`,
		Args: exactArgs(2, "IMAGE and PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("layer") {
				layer = -1
			}
			out := cmd.OutOrStdout()
			if !isTerminal(out) {
				return g.copyFile(cmd, args[0], args[1], layer, out)
			}
			tw := &terminalText{w: out, name: args[1]}
			err := g.copyFile(cmd, args[0], args[1], layer, tw)
			if ferr := tw.Flush(); err == nil {
				err = ferr
			}
			var bin binaryError
			if errors.As(err, &bin) {
				return badInput(err)
			}
			return err
		},
	}
	cmd.Flags().IntVar(&layer, "layer", 0, "read the file from this layer (numbered from 0)")
	return cmd
}

func newExportCommand(g *globalOptions) *cobra.Command {
	var (
		layer int
		out   outputOptions
	)
	cmd := &cobra.Command{
		Use:   "export IMAGE PATH -o FILE",
		Short: "Write one file of an image out to disk, safely",
		Long: `Write one file out of an image to FILE, for analysis with other tools. The file is written with
mode 0600 whatever its mode in the image (never executable, never setuid), whole or not at all
(a temporary file next to FILE is renamed onto it at the end). FILE may not be the image itself
or inside it, by any name; an existing FILE or symbolic link is not replaced unless --force is
given, and then the link itself is replaced, never written through.`,
		Args: exactArgs(2, "IMAGE and PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out.output == "" || out.output == "-" {
				return badInput(errors.New("export needs -o FILE (strata cat prints a file to standard output)"))
			}
			if !cmd.Flags().Changed("layer") {
				layer = -1
			}
			out.args = args
			w, done, err := out.writer(cmd, false) // before the image is opened: a refused FILE costs nothing
			if err != nil {
				return err
			}
			return done(g.copyFile(cmd, args[0], args[1], layer, w))
		},
	}
	cmd.Flags().IntVar(&layer, "layer", 0, "read the file from this layer (numbered from 0)")
	cmd.Flags().StringVarP(&out.output, "output", "o", "", "file to write (mode 0600)")
	cmd.Flags().BoolVar(&out.force, "force", false, "replace FILE if it exists (a symbolic link is replaced, not followed)")
	return cmd
}

func (g *globalOptions) copyFile(cmd *cobra.Command, ref, p string, layer int, w io.Writer) error {
	img, err := g.openImage(cmd.Context(), ref)
	if err != nil {
		return err
	}
	defer img.Close()
	if layer >= len(img.Layers) {
		return badInput(fmt.Errorf("%s: no layer %d (the image has %d, numbered from 0)", ref, layer, len(img.Layers)))
	}
	f, err := img.OpenFile(cmd.Context(), layer, p)
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", ref, err))
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		var bin binaryError
		if errors.As(err, &bin) {
			return badInput(err)
		}
		return fmt.Errorf("reading %s from %s: %w", p, ref, err)
	}
	return nil
}

// binarySniff is how much of a file cat looks at before it prints to a terminal.
const binarySniff = 8 << 10

type binaryError struct{ name string }

func (e binaryError) Error() string {
	return e.name + ": binary content (a NUL byte in its first 8 KiB) is not printed to a terminal: " +
		"pipe it (strata cat IMAGE PATH | xxd) or write it out (strata export IMAGE PATH -o FILE)"
}

// terminalText writes a file's text to a terminal inert (report.Inert: newlines and tabs
// kept, every other control character, bidi control and invalid byte escaped). It refuses
// content with a NUL byte in its first binarySniff bytes. A UTF-8 sequence cut between two
// writes is held until the next.
type terminalText struct {
	w       io.Writer
	name    string
	head    []byte // the first bytes, until binarySniff have been seen
	sniffed bool
	pending []byte
	bw      *bufio.Writer
}

func (t *terminalText) Write(p []byte) (int, error) {
	n := len(p)
	if !t.sniffed {
		t.head = append(t.head, p...)
		if len(t.head) < binarySniff {
			return n, nil
		}
		p = t.head
		t.sniffed = true
		if err := t.check(p); err != nil {
			return 0, err
		}
	}
	return n, t.emit(p)
}

func (t *terminalText) check(p []byte) error {
	if bytes.IndexByte(p[:min(len(p), binarySniff)], 0) >= 0 {
		return binaryError{name: t.name}
	}
	return nil
}

func (t *terminalText) emit(p []byte) error {
	if t.bw == nil {
		t.bw = bufio.NewWriter(t.w)
	}
	data := append(t.pending, p...)
	cut := len(data)
	for k := 1; k <= utf8.UTFMax-1 && k <= len(data); k++ {
		if b := data[len(data)-k]; utf8.RuneStart(b) {
			if !utf8.FullRune(data[len(data)-k:]) {
				cut = len(data) - k
			}
			break
		}
	}
	t.pending = append([]byte(nil), data[cut:]...)
	_, err := t.bw.WriteString(report.Inert(string(data[:cut]), true))
	return err
}

// Flush writes what is held back: a short file's text, or a sequence cut at the end.
func (t *terminalText) Flush() error {
	if !t.sniffed {
		t.sniffed = true
		if err := t.check(t.head); err != nil {
			return err
		}
		if err := t.emit(t.head); err != nil {
			return err
		}
	}
	if len(t.pending) > 0 {
		if _, err := t.bw.WriteString(report.Inert(string(t.pending), true)); err != nil {
			return err
		}
		t.pending = nil
	}
	if t.bw == nil {
		return nil
	}
	return t.bw.Flush()
}
