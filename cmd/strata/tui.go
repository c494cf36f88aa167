package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/tui"
)

func newTUICommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "tui IMAGE...",
		Short: "Explore images interactively: layers, file trees, file contents, Dockerfile",
		Long: `Open the images in a terminal workbench. Each image's layers are read in the background; pick a
layer to see what it added, changed and removed, read or diff a file, or follow the reconstructed
Dockerfile to the layer each step made. Press ? inside for every key.

The workbench logs to log/tui.log in Strata's data directory, never to the screen. NO_COLOR is
honoured: every mark that has a colour also has a letter.`,
		Example: "  strata tui saved.tar\n  strata tui original.tar suspect.tar",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return badInput(errors.New("tui: name at least one image: strata tui IMAGE... " +
					"(a docker save tarball, an OCI archive or layout directory, or dir:ROOTFS)"))
			}
			dir, err := g.dataDirectory()
			if err != nil {
				return badInput(err)
			}
			logger, closeLog, err := openTUILog(dir)
			if err != nil {
				return err
			}
			defer closeLog()
			logger.Info("starting", "images", args, "version", version)
			err = tui.Run(cmd.Context(), tui.Options{
				Refs:   args,
				Logger: logger,
				Open: func(ctx context.Context, ref string) (*forensics.Image, error) {
					return g.openImage(ctx, ref)
				},
			})
			if err != nil {
				logger.Error("workbench stopped", "err", err)
				return fmt.Errorf("tui: %w", err)
			}
			return nil
		},
	}
}

// openTUILog opens the workbench's log file in the data directory: the terminal belongs to
// the workbench, so nothing may be logged there.
func openTUILog(dataDir string) (*slog.Logger, func() error, error) {
	dir := filepath.Join(dataDir, "log")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, badInput(fmt.Errorf("creating the log directory: %w", err))
	}
	f, err := os.OpenFile(filepath.Join(dir, "tui.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, badInput(fmt.Errorf("opening the log: %w", err))
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})), f.Close, nil
}
