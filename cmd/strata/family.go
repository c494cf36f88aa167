package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/human"
)

func newFamilyCommand(g *globalOptions) *cobra.Command {
	var (
		out outputOptions
		so  storeOptions
	)
	cmd := &cobra.Command{
		Use:   "family [IMAGE]",
		Short: "Show which stored images are built on which, from their layer chains",
		Long: `Compute the family tree of every image in the history database from layer chains: an image's
ancestors are the known images whose chain of layer diff_ids is a prefix of its own (nearest
first), its descendants those built on it. Loaded images get a family too: no daemon's parent
links are needed. Images in the trust store (strata trust add) are marked trusted.

IMAGE is a config or manifest digest (or a unique prefix), a tag, or the path or sha256 of an
input that was read. With no IMAGE, the whole forest is shown.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return badInput(fmt.Errorf("family takes at most one IMAGE (got %d arguments)", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := g.readStore(cmd, &so)
			if err != nil {
				return err
			}
			if s == nil {
				if len(args) == 1 {
					return badInput(fmt.Errorf("%q: %w (nothing recorded yet)", args[0], history.ErrNotFound))
				}
				return out.emit(cmd, map[string]any{"forest": []*history.Node{}}, func(w io.Writer, ev report.Filter) error { return writeForestText(w, nil, ev) })
			}
			defer s.Close()
			trusted, err := g.trusted()
			if err != nil {
				return badInput(err)
			}
			var doc any
			var text func(io.Writer, report.Filter) error
			if len(args) == 1 {
				f, err := casework.Family(ctx, s, trusted, args[0])
				if err != nil {
					return badInput(err)
				}
				doc, text = f, func(w io.Writer, ev report.Filter) error { return writeFamilyText(w, f, ev) }
			} else {
				forest, err := casework.Forest(ctx, s, trusted)
				if err != nil {
					return err
				}
				doc = map[string]any{"forest": forest}
				text = func(w io.Writer, ev report.Filter) error { return writeForestText(w, forest, ev) }
			}
			return out.emit(cmd, doc, text)
		},
	}
	out.register(cmd, "text", "json")
	so.registerDB(cmd)
	return cmd
}

// familyLine describes one image on one line: digest, tags, layer count, trust.
func familyLine(img *history.Image, ev report.Filter) string {
	tags := "(untagged)"
	if len(img.Tags) > 0 {
		tags = ev.Line(strings.Join(img.Tags, ", "))
	}
	s := fmt.Sprintf("%s  %s  %s", human.ShortDigest(img.ConfigDigest), tags, plural(len(img.Chain), "layer", "layers"))
	if img.Trusted {
		s += "  [trusted]"
	}
	return s
}

func writeFamilyText(w io.Writer, f *history.Family, ev report.Filter) error {
	fmt.Fprintf(w, "Image:  %s\n", familyLine(f.Image, ev))
	section := func(title string, imgs []*history.Image) {
		fmt.Fprintf(w, "\n%s:\n", title)
		if len(imgs) == 0 {
			fmt.Fprintln(w, "  (none known)")
		}
		for _, img := range imgs {
			fmt.Fprintf(w, "  %s\n", familyLine(img, ev))
		}
	}
	section("Ancestors (nearest first)", f.Ancestors)
	section("Descendants (nearest first)", f.Descendants)
	if len(f.Siblings) > 0 {
		section("Same layers, other config", f.Siblings)
	}
	return nil
}

func writeForestText(w io.Writer, forest []*history.Node, ev report.Filter) error {
	if len(forest) == 0 {
		_, err := fmt.Fprintln(w, "The history database holds no images yet: inspect, scan or diff some.")
		return err
	}
	var walk func(n *history.Node, prefix string, last, root bool)
	walk = func(n *history.Node, prefix string, last, root bool) {
		branch, next := "", ""
		switch {
		case root:
		case last:
			branch, next = "└── ", "    "
		default:
			branch, next = "├── ", "│   "
		}
		fmt.Fprintf(w, "%s%s%s\n", prefix, branch, familyLine(n.Image, ev))
		for i, c := range n.Children {
			walk(c, prefix+next, i == len(n.Children)-1, false)
		}
	}
	for _, n := range forest {
		walk(n, "", true, true)
	}
	return nil
}
