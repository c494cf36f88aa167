package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/human"
)

func newTraceCommand(g *globalOptions) *cobra.Command {
	var (
		out outputOptions
		so  storeOptions
		q   history.TraceQuery
	)
	cmd := &cobra.Command{
		Use:   "trace --sha256 H | --path GLOB | --rule R | --ip A | --domain D | --string S",
		Short: "Find where an indicator was seen across every stored image",
		Long: `Search everything the history database holds for indicators of compromise:

  --sha256 H     a file's content hash, in every layer's file index (and findings' evidence)
  --path GLOB    file paths in every layer ("*" also crosses "/")
  --rule R       findings of a rule
  --ip A         an address in findings' evidence, Env values and history lines
  --domain D     a domain or its subdomains, in the same places
  --string S     any text, in the same places

For each hit: the image and its tags, the layer, the path, the scans that saw it, when the image
was first and last read, and which family member introduced it (the earliest known ancestor
whose own layers or config already hold it). Several indicators may be given at once.`,
		Args: exactArgs(0, "no arguments (give an indicator flag)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if q.Empty() {
				return badInput(errors.New("trace needs an indicator: --sha256, --path, --rule, --ip, --domain or --string"))
			}
			ctx := cmd.Context()
			s, err := g.readStore(cmd, &so)
			if err != nil {
				return err
			}
			hits := []history.Hit{}
			if s != nil {
				defer s.Close()
				if hits, err = casework.Trace(ctx, s, q); err != nil {
					return badInput(err)
				}
			}
			return out.emit(cmd, map[string]any{"hits": hits}, func(w io.Writer, ev report.Filter) error { return writeTraceText(w, hits, ev) })
		},
	}
	out.register(cmd, "text", "json")
	so.registerDB(cmd)
	fl := cmd.Flags()
	fl.StringVar(&q.SHA256, "sha256", "", "a file content hash")
	fl.StringVar(&q.Path, "path", "", "a file path glob")
	fl.StringVar(&q.Rule, "rule", "", "a finding rule")
	fl.StringVar(&q.IP, "ip", "", "an IP address")
	fl.StringVar(&q.Domain, "domain", "", "a domain name")
	fl.StringVar(&q.String, "string", "", "any text in evidence, Env or history")
	return cmd
}

func writeTraceText(w io.Writer, hits []history.Hit, ev report.Filter) error {
	if len(hits) == 0 {
		_, err := fmt.Fprintln(w, "No hits in the history database.")
		return err
	}
	ind := ""
	for _, h := range hits {
		if h.Indicator != ind {
			ind = h.Indicator
			images := map[string]bool{}
			for _, o := range hits {
				if o.Indicator == ind {
					images[o.Image.ConfigDigest] = true
				}
			}
			fmt.Fprintf(w, "%s: seen in %s\n\n", ev.Line(ind), plural(len(images), "image", "images"))
		}
		fmt.Fprintf(w, "  %s\n", storedImageLabel(h.Image, ev))
		where := h.Where
		if h.Layer >= 0 {
			where += fmt.Sprintf(", layer %d (%s)", h.Layer, human.ShortDigest(h.DiffID))
		}
		fmt.Fprintf(w, "    in:        %s\n", ev.Line(where))
		if h.Path != "" {
			fmt.Fprintf(w, "    path:      %s\n", ev.Line(h.Path))
		}
		fmt.Fprintf(w, "    detail:    %s\n", ev.OneLine(h.Detail, 160))
		if h.SHA256 != "" {
			fmt.Fprintf(w, "    sha256:    %s\n", h.SHA256)
		}
		var scans []string
		for _, id := range h.Scans {
			scans = append(scans, fmt.Sprint(id))
		}
		if len(scans) == 0 {
			scans = []string{"none"}
		}
		fmt.Fprintf(w, "    scans:     %s\n", strings.Join(scans, ", "))
		fmt.Fprintf(w, "    seen:      %s .. %s\n", storedTime(h.FirstSeen), storedTime(h.LastSeen))
		intro := "this image"
		if h.IntroducedBy != nil && h.IntroducedBy.ConfigDigest != h.Image.ConfigDigest {
			intro = storedImageLabel(h.IntroducedBy, ev)
		}
		fmt.Fprintf(w, "    introduced by: %s\n\n", intro)
	}
	return nil
}
