package main

import (
	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/forensics"
)

func newInspectCommand(g *globalOptions) *cobra.Command {
	var out outputOptions
	var so storeOptions
	cmd := &cobra.Command{
		Use:   "inspect IMAGE",
		Short: "Show an image's identity, config, layers, history and anomalies",
		Long: `Show an image's identity (input hash, digests, tags), config, layers with their size, file count
and history step, and every anomaly found while reading it (digest mismatches, a history that
does not match the layers, hostile tar entries).

IMAGE is a docker save tarball, an oci-archive, an OCI layout directory or an extracted root
filesystem directory, optionally prefixed (docker-archive:, oci-archive:, oci:, dir:) and followed
by a selector (:repo:tag or :@N) when the input holds several images.`,
		Args: exactArgs(1, "IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			sink, endProgress := g.events(cmd)
			img, trees, err := g.readImage(cmd.Context(), args[0], sink)
			endProgress()
			if err != nil {
				return err
			}
			defer img.Close()
			// Stacking adds what only the stack shows (broken hard links, entries written
			// through a symlink) to the layers' anomalies.
			forensics.Stack(trees)
			err = out.render(cmd, report.KindInspect, report.InspectDocument{Image: img, Trees: trees})
			if err == nil && !so.noRecord {
				w, werr := g.workspace(&so)
				if werr != nil {
					return werr
				}
				if rerr := w.RecordInspect(cmd.Context(), img, trees, sink); rerr != nil {
					return notRecorded(rerr)
				}
			}
			return err
		},
	}
	out.register(cmd, report.Formats(report.KindInspect)...)
	out.registerShowSecrets(cmd)
	so.registerRecord(cmd)
	return cmd
}
