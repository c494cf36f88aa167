package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	_ "github.com/strata-forensics/strata/audit/packages" // the sqlite driver go-rpmdb reads rpm databases with
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/forensics/packages"
)

func newSBOMCommand(g *globalOptions) *cobra.Command {
	var (
		out        outputOptions
		unpackaged bool
		cdxVersion string
	)
	cmd := &cobra.Command{
		Use:   "sbom IMAGE",
		Short: "List the packages an image's own databases say are installed, layer by layer",
		Long: `Read the image's package databases (dpkg, apk, rpm) and language metadata (Python dist-info and
egg-info, npm package.json, Go build info, Java archives) and list every package with its
version, source package, architecture, licenses, supplier, dependencies and the layer that
installed it. --format cyclonedx (CycloneDX 1.7, or --cyclonedx-version 1.6) and spdx (SPDX 2.3)
write those standards' JSON: the image holds the operating system, which holds its packages,
each with its licenses as SPDX expressions, its supplier, the packages it depends on and the
layer (diff_id and index) that installed it. The document says it was made now; set
SOURCE_DATE_EPOCH (seconds since 1970) to fix the time, and with it the document.

--unpackaged lists instead the regular files in system paths (/usr/bin, /usr/lib, cron and
systemd directories, /etc/ld.so.*, ...) that no package owns, and the package-owned files whose
content differs from the checksum their database records.`,
		Args: exactArgs(1, "IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			doc := report.SBOMDocument{Version: version, CycloneDXVersion: cdxVersion}
			if !slices.Contains(report.CycloneDXVersions(), cdxVersion) {
				return badInput(fmt.Errorf("--cyclonedx-version %q: want %s", cdxVersion, strings.Join(report.CycloneDXVersions(), " or ")))
			}
			if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
				secs, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return badInput(fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", v))
				}
				doc.Time = time.Unix(secs, 0).UTC()
			}
			img, err := g.openImage(ctx, args[0])
			if err != nil {
				return err
			}
			defer img.Close()
			w, err := g.workspace(nil)
			if err != nil {
				return err
			}
			res, err := packages.Read(ctx, img, w.TempDir())
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
			doc.Image, doc.Inventory = img, res.Inventory
			return out.render(cmd, report.KindSBOM, doc)
		},
	}
	out.register(cmd, report.Formats(report.KindSBOM)...)
	cmd.Flags().StringVar(&cdxVersion, "cyclonedx-version", report.CycloneDXVersions()[0], "CycloneDX specification version of --format cyclonedx: "+strings.Join(report.CycloneDXVersions(), " or "))
	out.registerShowSecrets(cmd)
	cmd.Flags().BoolVar(&unpackaged, "unpackaged", false, "list non-packaged files in system paths and modified package files instead (table or json)")
	return cmd
}
