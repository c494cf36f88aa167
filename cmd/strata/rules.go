package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/forensics/human"
	"github.com/strata-forensics/strata/signatures"
)

func newRulesCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List and check YARA rules",
	}
	cmd.AddCommand(newRulesListCommand(), newRulesCheckCommand())
	return cmd
}

type ruleDoc struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Namespace   string   `json:"namespace"`
	Category    string   `json:"category"`
	Severity    string   `json:"severity"`
	Description string   `json:"description"`
	Source      string   `json:"source"`
	Tags        []string `json:"tags"`
}

func ruleDocs(rules []signatures.Rule) []ruleDoc {
	out := []ruleDoc{}
	for _, r := range rules {
		out = append(out, ruleDoc{ID: r.Meta.ID, Name: r.Name, Namespace: r.Namespace, Category: r.Meta.Category,
			Severity: r.Meta.Severity, Description: r.Meta.Description, Source: r.Source, Tags: nonNil(r.Tags)})
	}
	return out
}

func writeRules(cmd *cobra.Command, out *outputOptions, rules []signatures.Rule, warnings []signatures.Diagnostic) error {
	ws := []string{}
	for _, d := range warnings {
		ws = append(ws, d.String())
	}
	return out.emit(cmd, map[string]any{"rules": ruleDocs(rules), "warnings": ws}, func(w io.Writer, ev report.Filter) error {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSEVERITY\tCATEGORY\tSOURCE\tDESCRIPTION")
		for _, r := range rules {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ev.Line(r.Meta.ID), ev.Line(r.Meta.Severity), ev.Line(r.Meta.Category), ev.Line(r.Source),
				ev.Line(human.Truncate(r.Meta.Description, 90)))
		}
		err := tw.Flush()
		for _, d := range ws {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", ev.Line(d))
		}
		return err
	})
}

func newRulesListCommand() *cobra.Command {
	var (
		out   outputOptions
		rules ruleOptions
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the YARA rules a scan would use (built-in and --rules)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := rules.compile(0)
			if err != nil {
				return err
			}
			if rs == nil {
				return writeRules(cmd, &out, nil, nil)
			}
			defer rs.Close()
			return writeRules(cmd, &out, rs.Rules(), rs.Warnings())
		},
	}
	out.register(cmd, "text", "json")
	rules.register(cmd)
	return cmd
}

func newRulesCheckCommand() *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "check PATH...",
		Short: "Compile user YARA rules and list them with compiler warnings; exit 2 naming each error",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return badInput(errors.New("rules check takes PATH... (got no path)"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rules, warnings, err := signatures.Check(args)
			if err != nil {
				var ce *signatures.CompileError
				if errors.As(err, &ce) {
					for _, d := range ce.Diagnostics {
						fmt.Fprintf(cmd.ErrOrStderr(), "error: %s\n", report.Evidence(d.String()))
					}
				}
				return badInput(err)
			}
			return writeRules(cmd, &out, rules, warnings)
		},
	}
	out.register(cmd, "text", "json")
	return cmd
}
