package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
)

func newHistoryExportCommand(g *globalOptions) *cobra.Command {
	var (
		so     storeOptions
		force  bool
		asJSON bool
		format string
	)
	cmd := &cobra.Command{
		Use:   "export FILE",
		Short: "Write an archive of the history database's records, for another station to import",
		Long: `Write every record of the history database (every unit its ledger holds: images, layer
indexes, blobs, readings of evidence with their station and time, scans with their findings,
diffs, cached layers) to FILE, a gzip-compressed tar: a manifest with the sha256 of each member
and of each record and the ledger's head, and the records with their ledger entries. Another
station merges it with strata history import; nothing else is needed between them.

The archive holds what the images held (their files' names and hashes, kept files such as
/etc/passwd): it is written 0600, and an existing FILE is kept unless --force. A database whose
ledger does not check out is not exported (see strata store --check). Note the ledger head
printed: the importing station prints the same one when the archive arrived whole.`,
		Args: exactArgs(1, "FILE, the archive to write"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if format != "text" && format != "json" {
				return badInput(fmt.Errorf("--format %q: want text or json", format))
			}
			asJSON = asJSON || format == "json"
			// The archive goes through report.Create, as every -o does: never onto the database
			// itself, never through a link, mode 0600, whole or not at all.
			o := outputOptions{output: args[0], force: force}
			if err := o.check(cmd); err != nil {
				return err
			}
			w, err := g.workspace(&so)
			if err != nil {
				return err
			}
			s, err := w.OpenStore(ctx)
			if err != nil {
				return badInput(err)
			}
			defer s.Close()
			f, done, err := o.writer(cmd, false)
			if err != nil {
				return err
			}
			sum, err := w.ExportHistory(ctx, s, f)
			if err = done(err); err != nil {
				return fmt.Errorf("exporting history to %s: %w", args[0], err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return report.JSON(out, sum)
			}
			fmt.Fprintf(out, "Exported %d records (%s) to %s\nLedger head: %s\n", sum.Records, kindCounts(sum.ByKind), args[0], sum.LedgerHead)
			return nil
		},
	}
	so.registerDB(cmd)
	cmd.Flags().BoolVar(&force, "force", false, "replace FILE if it exists (a symbolic link is replaced, not followed)")
	cmd.Flags().StringVar(&format, "format", "text", "output format of the summary: text or json")
	cmd.Flags().BoolVar(&asJSON, "json", false, "the same as --format json")
	cmd.Flags().MarkHidden("json")
	return cmd
}

func newHistoryImportCommand(g *globalOptions) *cobra.Command {
	var (
		so     storeOptions
		asJSON bool
		format string
	)
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Merge another station's history export into the history database",
		Long: `Merge FILE, written by strata history export on another station, into the history database
(SQLite or PostgreSQL). The whole archive is verified first: every member and record against the
manifest, every record's rows against the digest its ledger entry holds, the ledger chain up to
the manifest's head. An archive that does not verify is refused (exit 2) naming the record, and
nothing of it is merged.

Images, layer indexes, blobs and cached layers the database holds already are kept as they are;
readings of evidence, scans and diffs keep the station (user, host) and time they were made at,
so that the chain of custody says who read what when, station by station. Importing the same
archive again changes nothing. Every record merged gets a ledger entry saying it was imported,
from which station and database, with its entry and digest there: strata store --check verifies
the merged database like any other.`,
		Args: exactArgs(1, "FILE, the archive to merge"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if format != "text" && format != "json" {
				return badInput(fmt.Errorf("--format %q: want text or json", format))
			}
			asJSON = asJSON || format == "json"
			s, err := g.store(ctx, &so)
			if err != nil {
				return err
			}
			defer s.Close()
			sum, err := casework.ImportHistory(ctx, s, args[0])
			if err != nil {
				return badInput(err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return report.JSON(out, sum)
			}
			fmt.Fprintf(out, "Imported %s: %d records from %s\n", args[0], sum.Records, sum.From)
			fmt.Fprintf(out, "Added:   %s\nAlready held: %s\nLedger head of the archive: %s\n", kindCounts(sum.Added), kindCounts(sum.Present), sum.LedgerHead)
			return nil
		},
	}
	so.registerDB(cmd)
	cmd.Flags().StringVar(&format, "format", "text", "output format of the summary: text or json")
	cmd.Flags().BoolVar(&asJSON, "json", false, "the same as --format json")
	cmd.Flags().MarkHidden("json")
	return cmd
}

// kindCounts renders counts by record kind, in a fixed order.
func kindCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = plural(m[k], k, k+"s")
	}
	return strings.Join(parts, ", ")
}
