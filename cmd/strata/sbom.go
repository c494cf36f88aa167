package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	_ "github.com/strata-forensics/strata/audit/packages" // the sqlite driver go-rpmdb reads rpm databases with
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/forensics/packages"
)

func newSBOMCommand(g *globalOptions) *cobra.Command {
	var (
		out        outputOptions
		unpackaged bool
	)
	cmd := &cobra.Command{
		Use:   "sbom IMAGE",
		Short: "List the packages an image's own databases say are installed, layer by layer",
		Long: `Read the image's package databases (dpkg, apk, rpm) and language metadata (Python dist-info and
egg-info, npm package.json, Go build info, Java archives) and list every package with its
version, source package, architecture and the layer that installed it. --format cyclonedx and
spdx write those standards' JSON.

--unpackaged lists instead the regular files in system paths (/usr/bin, /usr/lib, cron and
systemd directories, /etc/ld.so.*, ...) that no package owns, and the package-owned files whose
content differs from the checksum their database records.`,
		Args: exactArgs(1, "IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			img, err := g.openImage(ctx, args[0])
			if err != nil {
				return err
			}
			defer img.Close()
			dir, err := g.dataDirectory()
			if err != nil {
				return badInput(err)
			}
			res, err := packages.Read(ctx, img, filepath.Join(dir, "tmp"))
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				return badInput(fmt.Errorf("%s: %w", args[0], err))
			}
			if unpackaged {
				if out.format != "json" && out.format != "table" {
					return badInput(fmt.Errorf("--unpackaged: --format %q: want table or json", out.format))
				}
				return out.render(cmd, report.KindUnpackaged, res.Integrity)
			}
			return out.render(cmd, report.KindSBOM, report.SBOMDocument{Image: img, Inventory: res.Inventory, Version: version})
		},
	}
	out.register(cmd, report.Formats(report.KindSBOM)...)
	cmd.Flags().BoolVar(&unpackaged, "unpackaged", false, "list non-packaged files in system paths and modified package files instead (table or json)")
	return cmd
}
