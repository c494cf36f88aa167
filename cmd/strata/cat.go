package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/strata-forensics/strata/audit/report"
)

func newCatCommand(g *globalOptions) *cobra.Command {
	var layer int
	cmd := &cobra.Command{
		Use:   "cat IMAGE PATH",
		Short: "Print a file's bytes from the final filesystem or from one layer",
		Long: `Print a file's bytes. Without --layer, from the final filesystem; with --layer N, the copy layer N
holds, also when a later layer removed (whited-out) or replaced it.`,
		Args: exactArgs(2, "IMAGE and PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("layer") {
				layer = -1
			}
			return g.copyFile(cmd, args[0], args[1], layer, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&layer, "layer", 0, "read the file from this layer (numbered from 0)")
	return cmd
}

func newExportCommand(g *globalOptions) *cobra.Command {
	var (
		layer  int
		output string
		force  bool
	)
	cmd := &cobra.Command{
		Use:   "export IMAGE PATH -o FILE",
		Short: "Write one file of an image out to disk, safely",
		Long: `Write one file out of an image to FILE, for analysis with other tools. The file is written with
mode 0600 whatever its mode in the image (never executable, never setuid), and an existing FILE is
not overwritten unless --force is given.`,
		Args: exactArgs(2, "IMAGE and PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output == "" {
				return badInput(errors.New("export needs -o FILE"))
			}
			if !cmd.Flags().Changed("layer") {
				layer = -1
			}
			f, err := report.Create(output, !force, 0o600)
			if err != nil {
				return badInput(err)
			}
			err = g.copyFile(cmd, args[0], args[1], layer, f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(f.Name())
			}
			return err
		},
	}
	cmd.Flags().IntVar(&layer, "layer", 0, "read the file from this layer (numbered from 0)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite FILE if it exists")
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
		return fmt.Errorf("reading %s from %s: %w", p, ref, err)
	}
	return nil
}
