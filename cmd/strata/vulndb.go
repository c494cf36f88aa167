package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
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
	// The data directory is private (0700) however it comes to be made.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, badInput(fmt.Errorf("creating the data directory: %w", err))
	}
	db, err := vulns.Open(filepath.Join(dir, vulns.FileName))
	if err != nil {
		return nil, badInput(err)
	}
	return db, nil
}

func newVulnDBImportCommand(g *globalOptions) *cobra.Command {
	var (
		out  outputOptions
		opts vulns.ImportOptions
	)
	cmd := &cobra.Command{
		Use:   "import PATH",
		Short: "Import a directory or zip of OSV JSON advisories",
		Long: `Import a directory or zip of OSV JSON records, one record at a time. A record replaces the
database's copy only when its modified time is newer, so importing an older export changes
nothing. An import is a full export of its source (--source NAME, by default the absolute
PATH): records that an earlier import of the same source held and this one does not are
retired, as are records the export marks withdrawn. --partial imports without retiring
anything. Files that cannot be read or parsed are named with their error; --strict makes
the first one abort the import, which then changes nothing.`,
		Args: exactArgs(1, "PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openVulnDB()
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := db.Import(cmd.Context(), args[0], opts)
			if err != nil {
				return badInput(err)
			}
			return out.emit(cmd, res, func(w io.Writer, ev report.Filter) error {
				c := res.Changes
				fmt.Fprintf(w, "read %d advisories from %s (sha256 %s), newest modified %s\n", res.Advisories, ev.Line(res.Path), res.SHA256, res.NewestModified.Format(time.RFC3339))
				fmt.Fprintf(w, "  %d added, %d updated, %d unchanged, %d withdrawn, %d retired (no longer in source %s)\n",
					c.Added, c.Updated, c.Unchanged, c.Withdrawn, c.Deleted, ev.Line(res.Name))
				if res.Stale {
					fmt.Fprintf(w, "  this export is older than what the database holds for %s: nothing was retired\n", ev.Line(res.Name))
				}
				if len(res.Problems) > 0 {
					fmt.Fprintf(w, "%d files could not be imported:\n", len(res.Problems))
					for _, p := range res.Problems {
						fmt.Fprintf(w, "  %s: %s\n", ev.Line(p.File), ev.Line(p.Error))
					}
				}
				return nil
			})
		},
	}
	out.register(cmd, "text", "json")
	cmd.Flags().StringVar(&opts.Source, "source", "", "name of the export this is a full copy of (default: the absolute PATH)")
	cmd.Flags().BoolVar(&opts.Partial, "partial", false, "the export holds only some of its source's records: retire nothing for being absent")
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "abort the import, changing nothing, at the first file that cannot be read or parsed")
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
			return out.emit(cmd, st, func(w io.Writer, ev report.Filter) error {
				if st.Advisories == 0 {
					fmt.Fprintln(w, "the vulnerability database is empty: strata vulndb import PATH")
				} else {
					fmt.Fprintf(w, "%d advisories (%d withdrawn, %d retired kept as tombstones); newest modified %s (%s ago), last imported %s\n",
						st.Advisories, st.Withdrawn, st.Deleted, st.NewestModified.Format(time.RFC3339), time.Since(st.NewestModified).Round(time.Hour),
						st.LastImport.Format(time.RFC3339))
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
					fmt.Fprintln(tw, "\nIMPORTED\tNEWEST\tREAD\tADDED\tUPDATED\tRETIRED\tSHA256\tSOURCE")
				}
				for _, s := range st.Sources {
					sum := s.SHA256
					if len(sum) > 16 {
						sum = sum[:16]
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", s.ImportedAt.Format(time.RFC3339), s.NewestModified.Format("2006-01-02"),
						s.Advisories, s.Changes.Added, s.Changes.Updated, s.Changes.Withdrawn+s.Changes.Deleted, sum, ev.Line(s.Name))
				}
				return tw.Flush()
			})
		},
	}
	out.register(cmd, "text", "json")
	return cmd
}
