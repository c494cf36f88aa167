package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/forensics/human"
)

func newTagsCommand(g *globalOptions) *cobra.Command {
	var (
		out outputOptions
		so  storeOptions
	)
	cmd := &cobra.Command{
		Use:   "tags [TAG|IMAGE]",
		Short: "Show which images a tag was seen on over time, and under which tags an image was seen",
		Long: `Show tag history from the history database: every time a tag was seen naming an image, when,
and in which input (path and sha256). A tag seen on a different image than before is marked
moved. Given an IMAGE (digest, prefix, or input path), every tag it was seen under is shown
with that tag's whole history; with no argument, every tag.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return badInput(fmt.Errorf("tags takes at most one TAG or IMAGE (got %d arguments)", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := g.readStore(cmd, &so)
			if err != nil {
				return err
			}
			ref := ""
			if len(args) == 1 {
				ref = args[0]
			}
			sightings := []history.TagSighting{}
			if s == nil && ref != "" {
				return badInput(fmt.Errorf("%q is neither a tag nor an image in the history (nothing recorded yet)", ref))
			}
			if s != nil {
				defer s.Close()
				if sightings, err = s.TagHistory(ctx, ref); err != nil {
					return notFound(err)
				}
			}
			return out.emit(cmd, map[string]any{"sightings": sightings}, func(w io.Writer, ev report.Filter) error {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "TAG\tSEEN\tIMAGE\t\tINPUT\tINPUT SHA256")
				for _, ts := range sightings {
					moved := ""
					if ts.Moved {
						moved = "moved"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", ev.Line(ts.Tag), storedTime(ts.SeenAt), human.ShortDigest(ts.ConfigDigest), moved,
						ev.Line(ts.Input), shortHex(ts.InputSHA256))
				}
				return tw.Flush()
			})
		},
	}
	out.register(cmd, "text", "json")
	so.registerDB(cmd)
	return cmd
}

func shortHex(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	if h == "" {
		return "-"
	}
	return h
}
