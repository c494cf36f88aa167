package main

import (
	"fmt"
	"path"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/forensics"
)

func newLayersCommand(g *globalOptions) *cobra.Command {
	var (
		out    outputOptions
		layer  int
		prefix string
		hidden bool
	)
	cmd := &cobra.Command{
		Use:   "layers IMAGE",
		Short: "Show the file trees of an image, per layer or stacked",
		Long: `Show an image's files. Without --layer, the stacked final filesystem, each path with the layer
that last supplied it; with --layer N, what layer N itself holds, each entry marked:

  A added    the path did not exist below
  M modified the path existed below and differs
  U unchanged the path was restated as it was (usual for directories)
  D removed  a whiteout deleted it (and all below it)
  O opaque   an opaque marker hid what lower layers held below the directory
  H hidden   (stacked view, with --hidden) in a layer but whited-out in the final filesystem

Setuid and setgid files are flagged with [setuid]/[setgid].`,
		Args: exactArgs(1, "IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			sink, endProgress := g.events(cmd)
			img, trees, err := g.readImage(cmd.Context(), args[0], sink)
			endProgress()
			if err != nil {
				return err
			}
			defer img.Close()
			if cmd.Flags().Changed("layer") && (layer < 0 || layer >= len(img.Layers)) {
				return badInput(fmt.Errorf("%s: no layer %d (the image has %d, numbered from 0)", args[0], layer, len(img.Layers)))
			}
			one := -1
			if cmd.Flags().Changed("layer") {
				one = layer
			}
			return out.render(cmd, report.KindLayers, report.LayersDocument{Image: img, Trees: trees, Tree: forensics.Stack(trees),
				Layer: one, Prefix: path.Clean("/" + prefix), Hidden: hidden})
		},
	}
	out.register(cmd, report.Formats(report.KindLayers)...)
	out.registerShowSecrets(cmd)
	cmd.Flags().IntVar(&layer, "layer", 0, "show only this layer's entries (numbered from 0)")
	cmd.Flags().StringVar(&prefix, "path", "/", "show only paths below this prefix")
	cmd.Flags().BoolVar(&hidden, "hidden", false, "in the stacked view, also show whited-out (hidden) files")
	return cmd
}
