package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
)

func newCatCommand(g *globalOptions) *cobra.Command {
	var (
		layer  int
		format string
	)
	cmd := &cobra.Command{
		Use:   "cat IMAGE PATH",
		Short: "Print a file's bytes from the final filesystem or from one layer",
		Long: `Print a file's bytes. Without --layer, from the final filesystem; with --layer N, the copy layer N
holds, also when a later layer removed (whited-out) or replaced it.

Into a pipe or a file the bytes are written as they are: that is the evidence, secrets and all.
On a terminal, cat shows text with its control characters as visible escapes (\x1b, \r, ...),
so that the file cannot drive the terminal, and refuses binary content (a NUL byte in its first
8 KiB): pipe it (strata cat ... | xxd) or write it out (strata export ... -o FILE).

--format json prints what was read instead of the bytes: the image, the path, the layer
whose copy it is, the file's type, mode, owner, size, mtime and the sha256 of the bytes read.`,
		Args: exactArgs(2, "IMAGE and PATH"),
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if format != "raw" && format != "json" {
				return badInput(fmt.Errorf("--format %q: want raw or json", format))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("layer") {
				layer = -1
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				doc, err := g.copyFile(cmd, args[0], args[1], layer, io.Discard)
				if err != nil {
					return err
				}
				return report.JSON(out, doc)
			}
			if !isTerminal(out) {
				_, err := g.copyFile(cmd, args[0], args[1], layer, out)
				return err
			}
			tw := &terminalText{w: out, name: args[1]}
			_, err := g.copyFile(cmd, args[0], args[1], layer, tw)
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
	cmd.Flags().StringVar(&format, "format", "raw", "output format: raw (the file's bytes) or json (what was read, not the bytes)")
	return cmd
}

func newExportCommand(g *globalOptions) *cobra.Command {
	var (
		layer  int
		out    outputOptions
		format string
	)
	cmd := &cobra.Command{
		Use:   "export IMAGE PATH -o FILE",
		Short: "Write one file of an image out to disk, safely",
		Long: `Write one file out of an image to FILE, for analysis with other tools. The file is written with
mode 0600 whatever its mode in the image (never executable, never setuid), whole or not at all
(a temporary file next to FILE is renamed onto it at the end). FILE may not be the image itself
or inside it, by any name; an existing FILE or symbolic link is not replaced unless --force is
given, and then the link itself is replaced, never written through.

--format json prints what was written: the image, the path, the layer whose copy it is, the
file's type, mode, owner, size and mtime in the image, the file written and the sha256 of
the bytes written.`,
		Args: exactArgs(2, "IMAGE and PATH"),
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return badInput(fmt.Errorf("--format %q: want text or json", format))
			}
			return nil
		},
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
			doc, err := g.copyFile(cmd, args[0], args[1], layer, w)
			if err := done(err); err != nil {
				return err
			}
			if format == "json" {
				doc.Output = out.output
				return report.JSON(cmd.OutOrStdout(), doc)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&layer, "layer", 0, "read the file from this layer (numbered from 0)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text (nothing on standard output) or json (what was written)")
	cmd.Flags().StringVarP(&out.output, "output", "o", "", "file to write (mode 0600)")
	cmd.Flags().BoolVar(&out.force, "force", false, "replace FILE if it exists (a symbolic link is replaced, not followed)")
	return cmd
}

// fileDoc says what cat or export read: the --format json document of both.
type fileDoc struct {
	Image struct {
		Input        string `json:"input"`
		ConfigDigest string `json:"config_digest"`
	} `json:"image"`
	Path  string `json:"path"`
	Layer int    `json:"layer"`
	Type  string `json:"type"`
	Mode  string `json:"mode"`
	UID   int    `json:"uid"`
	GID   int    `json:"gid"`
	Size  int64  `json:"size"`
	MTime string `json:"mtime"`
	// Bytes and SHA256 are of what was read (and, for export, written).
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	Output string `json:"output,omitempty"`
}

func (g *globalOptions) copyFile(cmd *cobra.Command, ref, p string, layer int, w io.Writer) (*fileDoc, error) {
	img, err := g.openImage(cmd.Context(), ref)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	if layer >= len(img.Layers) {
		return nil, badInput(fmt.Errorf("%s: no layer %d (the image has %d, numbered from 0)", ref, layer, len(img.Layers)))
	}
	f, err := img.OpenFile(cmd.Context(), layer, p)
	if err != nil {
		return nil, badInput(fmt.Errorf("%s: %w", ref, err))
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), f)
	if err != nil {
		var bin binaryError
		if errors.As(err, &bin) {
			return nil, badInput(err)
		}
		return nil, fmt.Errorf("reading %s from %s: %w", p, ref, err)
	}
	doc := &fileDoc{Path: f.Entry.Path, Layer: f.Layer, Type: f.Entry.Type.String(), Mode: f.Entry.ModeString(), UID: f.Entry.UID(),
		GID: f.Entry.GID(), Size: f.Entry.Size, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	if !f.Entry.ModTime().IsZero() {
		doc.MTime = f.Entry.ModTime().UTC().Format(time.RFC3339)
	}
	doc.Image.Input, doc.Image.ConfigDigest = img.Input.Path, img.ConfigDigest
	return doc, nil
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
