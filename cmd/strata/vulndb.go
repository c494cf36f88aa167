package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/vulns"
)

func newVulnDBCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vulndb",
		Short: "Manage the offline vulnerability database (OSV advisories)",
		Long: `Strata matches packages against advisories imported from files, never fetched: import a
directory or zip of OSV JSON files as the OSV project publishes them per ecosystem (Debian,
Alpine, PyPI, npm, Go, Maven, ...). The database lives in the data directory as ` + vulns.FileName + `.`,
	}
	cmd.AddCommand(newVulnDBImportCommand(g), newVulnDBStatusCommand(g))
	return cmd
}

func (g *globalOptions) openVulnDB() (*vulns.DB, error) {
	dir, err := g.dataDirectory()
	if err != nil {
		return nil, badInput(err)
	}
	db, err := vulns.Open(filepath.Join(dir, vulns.FileName))
	if err != nil {
		return nil, badInput(err)
	}
	return db, nil
}

func newVulnDBImportCommand(g *globalOptions) *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "import PATH",
		Short: "Import a directory or zip of OSV JSON advisories",
		Args:  exactArgs(1, "PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openVulnDB()
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := db.Import(cmd.Context(), args[0], time.Now())
			if err != nil {
				return badInput(err)
			}
			return out.emit(cmd, res, func(w io.Writer) error {
				fmt.Fprintf(w, "imported %d advisories from %s (sha256 %s)\n", res.Advisories, res.Path, res.SHA256)
				if res.Skipped > 0 {
					fmt.Fprintf(w, "skipped %d files that are not current OSV advisories\n", res.Skipped)
				}
				for _, p := range res.Problems {
					fmt.Fprintf(w, "  %s\n", p)
				}
				return nil
			})
		},
	}
	out.register(cmd, "text", "json")
	return cmd
}

func newVulnDBStatusCommand(g *globalOptions) *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the vulnerability database holds and how old it is",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openVulnDB()
			if err != nil {
				return err
			}
			defer db.Close()
			st, err := db.Status(cmd.Context())
			if err != nil {
				return err
			}
			return out.emit(cmd, st, func(w io.Writer) error {
				if st.LastImport.IsZero() {
					fmt.Fprintln(w, "the vulnerability database is empty: strata vulndb import PATH")
				} else {
					fmt.Fprintf(w, "%d advisories, last imported %s (%s ago)\n", st.Advisories, st.LastImport.Format(time.RFC3339), time.Since(st.LastImport).Round(time.Hour))
				}
				var ecos []string
				for e := range st.Ecosystems {
					ecos = append(ecos, e)
				}
				sort.Strings(ecos)
				for _, e := range ecos {
					fmt.Fprintf(w, "  %-12s %d\n", e, st.Ecosystems[e])
				}
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				if len(st.Sources) > 0 {
					fmt.Fprintln(tw, "\nIMPORTED\tADVISORIES\tSHA256\tPATH")
				}
				for _, s := range st.Sources {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", s.ImportedAt.Format(time.RFC3339), s.Advisories, s.SHA256[:16], s.Path)
				}
				return tw.Flush()
			})
		},
	}
	out.register(cmd, "text", "json")
	return cmd
}
