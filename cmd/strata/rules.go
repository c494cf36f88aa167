package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/forensics/human"
	"github.com/strata-forensics/strata/signatures"
)

func newRulesCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rules a scan reports and check YARA rules",
	}
	cmd.AddCommand(newRulesListCommand(), newRulesCheckCommand())
	return cmd
}

// slowRule is a rule libyara warns slows scanning: its file, the line of the warning, the
// rule declared there and the warning.
type slowRule struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Rule string `json:"rule"`
	Text string `json:"text"`
}

type ruleDoc struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Namespace   string   `json:"namespace"`
	Category    string   `json:"category"`
	Severity    string   `json:"severity"`
	Severities  string   `json:"severities,omitempty"`
	Description string   `json:"description"`
	Detail      string   `json:"detail"`
	Remediation string   `json:"remediation"`
	Source      string   `json:"source"`
	Tags        []string `json:"tags"`
	Techniques  []string `json:"techniques"`
	HelpURI     string   `json:"help_uri"`
}

// ruleDocs lists rules as the catalog describes them (the analyzers' rules and the YARA
// rules given); yaraOnly leaves the analyzers' out (strata rules check).
func ruleDocs(rules []signatures.Rule, yaraOnly bool) []ruleDoc {
	out := []ruleDoc{}
	c := report.NewCatalog(rules)
	for _, r := range c.Rules() {
		if yaraOnly && strings.HasPrefix(r.Source, "analyzer:") {
			continue
		}
		out = append(out, ruleDoc{ID: r.ID, Name: r.Name, Namespace: r.Namespace, Category: r.Category, Severity: r.Severity,
			Severities: r.Severities, Description: r.Description, Detail: r.Detail, Remediation: r.Remediation, Source: r.Source,
			Tags: nonNil(r.Tags), Techniques: nonNil(r.Techniques), HelpURI: r.HelpURI})
	}
	return out
}

func writeRules(cmd *cobra.Command, out *outputOptions, rules []signatures.Rule, warnings []signatures.Diagnostic, yaraOnly bool) error {
	ws := []string{}
	slow := []slowRule{}
	for _, d := range warnings {
		ws = append(ws, d.String())
		if d.Slow() {
			slow = append(slow, slowRule{File: d.File, Line: d.Line, Rule: d.Rule, Text: d.Text})
		}
	}
	docs := ruleDocs(rules, yaraOnly)
	return out.emit(cmd, map[string]any{"rules": docs, "warnings": ws, "slow_rules": slow}, func(w io.Writer, ev report.Filter) error {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSEVERITY\tCATEGORY\tSOURCE\tDESCRIPTION")
		for _, r := range docs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ev.Line(r.ID), ev.Line(r.Severity), ev.Line(r.Category), ev.Line(r.Source),
				ev.Line(human.Truncate(r.Description, 90)))
		}
		err := tw.Flush()
		for _, d := range ws {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", ev.Line(d))
		}
		if len(slow) > 0 {
			names := map[string]bool{}
			for _, s := range slow {
				names[s.File+"\x00"+s.Rule] = true
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d rules have strings libyara says slow every scan down (listed above)\n", len(names))
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
		Short: "List every rule a scan can report: the analyzers', the built-in YARA rules and --rules",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := rules.compile(0)
			if err != nil {
				return err
			}
			if rs == nil {
				return writeRules(cmd, &out, nil, nil, false)
			}
			defer rs.Close()
			return writeRules(cmd, &out, rs.Rules(), rs.Warnings(), false)
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
			return writeRules(cmd, &out, rules, warnings, true)
		},
	}
	out.register(cmd, "text", "json")
	return cmd
}
