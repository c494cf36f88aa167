package main

import (
	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
)

func newDockerfileCommand(g *globalOptions) *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "dockerfile IMAGE",
		Short: "Reconstruct the Dockerfile from the image's history",
		Long: `Reconstruct a Dockerfile from the image's history. Each instruction that made a layer is annotated
with the layer's index, size and the top paths it added. History is written by whoever built the
image and can lie: lines the layers contradict are marked UNVERIFIED.`,
		Args: exactArgs(1, "IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			sink, endProgress := g.events(cmd)
			img, trees, err := g.readImage(cmd.Context(), args[0], sink)
			endProgress()
			if err != nil {
				return err
			}
			defer img.Close()
			df := casework.Dockerfile(img, forensics.Stack(trees))
			return out.render(cmd, report.KindDockerfile, df)
		},
	}
	out.register(cmd, report.Formats(report.KindDockerfile)...)
	out.registerShowSecrets(cmd)
	return cmd
}
