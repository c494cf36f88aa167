package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics/human"
)

func newTrustCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Keep the list of trusted base images that scans compare against",
		Long: `A scan names the trusted image an image is built on (the longest trusted chain of layer
diff_ids that starts the image's own) and reports untrusted-base when the store holds images and
none matches. The store is trust.json in the data directory.`,
	}
	cmd.AddCommand(newTrustAddCommand(g), newTrustListCommand(g))
	return cmd
}

func newTrustAddCommand(g *globalOptions) *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "add IMAGE...",
		Short: "Trust images (by their layer chain)",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return badInput(fmt.Errorf("trust add takes IMAGE... (got no image)"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := g.dataDirectory()
			if err != nil {
				return badInput(err)
			}
			store := trust.NewFileStore(dir)
			added := []trust.Image{}
			for _, ref := range args {
				img, err := g.openImage(cmd.Context(), ref)
				if err != nil {
					return err
				}
				t := trust.FromImage(img, time.Now())
				img.Close()
				if len(t.DiffIDs) == 0 {
					return badInput(fmt.Errorf("%s: the image names no layer diff_ids to trust", ref))
				}
				if err := store.Add(t); err != nil {
					return err
				}
				added = append(added, t)
			}
			return out.emit(cmd, map[string]any{"trusted": added}, func(w io.Writer, ev report.Filter) error {
				for _, t := range added {
					if _, err := fmt.Fprintf(w, "trusted %s %s (%d layers)\n", ev.Line(t.Input), human.ShortDigest(t.ConfigDigest), len(t.DiffIDs)); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	out.register(cmd, "text", "json")
	return cmd
}

func newTrustListCommand(g *globalOptions) *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List trusted images",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := g.dataDirectory()
			if err != nil {
				return badInput(err)
			}
			list, err := trust.NewFileStore(dir).List()
			if err != nil {
				return badInput(err)
			}
			if list == nil {
				list = []trust.Image{}
			}
			return out.emit(cmd, map[string]any{"images": list}, func(w io.Writer, ev report.Filter) error {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "CONFIG\tLAYERS\tTAGS\tADDED\tINPUT")
				for _, t := range list {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", human.ShortDigest(t.ConfigDigest), len(t.DiffIDs), ev.Line(strings.Join(t.Tags, ",")), t.Added.Format(time.RFC3339), ev.Line(t.Input))
				}
				return tw.Flush()
			})
		},
	}
	out.register(cmd, "text", "json")
	return cmd
}
