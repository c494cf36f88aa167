package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics/human"
)

// storeOptions are the history database flags: --db on every command that reads or writes
// the database, --no-record on the commands that record (inspect, scan, diff).
type storeOptions struct {
	db       string
	noRecord bool
}

// registerDB adds --db.
func (o *storeOptions) registerDB(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.db, "db", "", "history database: a SQLite file, or postgres://... for a PostgreSQL server (default $STRATA_DB, else strata.db in the data directory)")
}

// registerRecord adds --db and --no-record.
func (o *storeOptions) registerRecord(cmd *cobra.Command) {
	o.registerDB(cmd)
	cmd.Flags().BoolVar(&o.noRecord, "no-record", false, "do not record this run in the history database")
}

// dbPath resolves the database: --db, else $STRATA_DB, else strata.db in the data directory.
func (g *globalOptions) dbPath(o *storeOptions) (string, error) {
	if o != nil && o.db != "" {
		return o.db, nil
	}
	dir, err := g.dataDirectory()
	if err != nil {
		return "", err
	}
	return history.DefaultPath(dir), nil
}

// store opens the history database. A database that cannot be opened is bad input.
func (g *globalOptions) store(ctx context.Context, o *storeOptions) (*history.Store, error) {
	p, err := g.dbPath(o)
	if err != nil {
		return nil, badInput(err)
	}
	s, err := history.Open(ctx, p)
	if err != nil {
		return nil, badInput(err)
	}
	s.ToolVersion = version
	return s, nil
}

// readStore opens the history database for the commands that only read it (family, tags,
// history, trace, store): read-only (history.OpenReadOnly), so that they take no write lock,
// neither wait for nor hold up a recording, migrate nothing, and work on read-only media. When
// nothing was recorded yet (no database at the default place) it says so on standard error
// and returns nil: the command shows nothing. A database named with --db or $STRATA_DB that is
// not there is bad input.
func (g *globalOptions) readStore(cmd *cobra.Command, o *storeOptions) (*history.Store, error) {
	p, err := g.dbPath(o)
	if err != nil {
		return nil, badInput(err)
	}
	if _, err := os.Stat(p); !history.IsServer(p) && errors.Is(err, fs.ErrNotExist) {
		if (o != nil && o.db != "") || os.Getenv("STRATA_DB") != "" {
			return nil, badInput(fmt.Errorf("no history database at %s", p))
		}
		if !g.quiet {
			fmt.Fprintf(cmd.ErrOrStderr(), "strata: nothing recorded yet: no history database at %s (inspect, scan and diff record there)\n", report.Evidence(p))
		}
		return nil, nil
	}
	s, err := history.OpenReadOnly(cmd.Context(), p)
	if err != nil {
		return nil, badInput(err)
	}
	s.ToolVersion = version
	return s, nil
}

// trusted reads the trust store, for marking trusted images.
func (g *globalOptions) trusted() ([]trust.Image, error) {
	dir, err := g.dataDirectory()
	if err != nil {
		return nil, err
	}
	return trust.NewFileStore(dir).List()
}

// notRecordable is the error of a command that records when the history database cannot be
// opened for recording: it stops before doing anything, exit 2.
func notRecordable(err error) error {
	return badInput(fmt.Errorf("%w; nothing was done, since this would not be recorded (--no-record runs without recording)", err))
}

// notRecorded is the error of a command whose output stands but whose record could not be
// written (each was warned of as it happened): exit 2, so that a gap in the chain of custody
// is never silent.
func notRecorded(errs ...error) error {
	return badInput(fmt.Errorf("%s not recorded in the history database (warned of above): the output stands, the chain of custody has a gap; --no-record runs without recording",
		plural(len(errs), "run was", "runs were")))
}

// notFound turns a reference the history does not know into bad input.
func notFound(err error) error {
	if errors.Is(err, history.ErrNotFound) {
		return badInput(err)
	}
	return err
}

func newStoreCommand(g *globalOptions) *cobra.Command {
	var (
		out   outputOptions
		so    storeOptions
		check bool
	)
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Show where the history database is and what it holds",
		Long: `Strata records every inspect, scan and diff in a SQLite database, or a PostgreSQL one named
with --db postgres://... (unless --no-record): the
inputs with their sha256, who read them, when and where, the images and tags seen, each layer's
file index (stored once per diff_id), scans with their findings, and diffs. family, tags,
history, trace and report answer from it. The database is strata.db in the data directory, or
--db / $STRATA_DB. docs/schema.md describes its tables.

Every recorded unit (an image, a layer's file index, a reading of an input, a scan, a diff, a
cached layer) has an entry in the database's ledger: the sha256 of its rows and a hash chain
over the entries. Triggers refuse UPDATE and DELETE on the evidence tables.

store, like family, tags, history and trace, opens the database read-only: it takes no
write lock (a long recording neither holds it up nor is held up by it), upgrades nothing, and
works on read-only media. A database of an older strata is upgraded by the next command that
records (inspect, scan, diff).

--check runs SQLite's integrity check (a server keeps its own storage) and verifies the ledger: the chain, every unit's rows
against their recorded digest, and that no row was added outside Strata. It names every record
that was changed, deleted or added, prints the chain's head (note it: deleting the newest
entries together with their records can only be seen against an earlier head), and exits 1
when anything is wrong.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.readStore(cmd, &so)
			if err != nil {
				return err
			}
			var info storeInfoDoc
			if s == nil {
				if check {
					return badInput(errors.New("nothing to check: there is no history database yet"))
				}
				p, _ := g.dbPath(&so)
				if abs, aerr := filepath.Abs(p); aerr == nil {
					p = abs
				}
				info = storeInfoDoc{Path: p, Counts: map[string]int{}}
			} else {
				defer s.Close()
				if info, err = storeInfo(cmd.Context(), s, check); err != nil {
					return err
				}
			}
			err = out.emit(cmd, info, func(w io.Writer, ev report.Filter) error {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "Database:\t%s\n", ev.Line(info.Path))
				fmt.Fprintf(tw, "Schema version:\t%d\n", info.SchemaVersion)
				for _, t := range storeTables {
					fmt.Fprintf(tw, "%s:\t%d\n", strings.ReplaceAll(t, "_", " "), info.Counts[t])
				}
				if check {
					fmt.Fprintf(tw, "Integrity:\t%s\n", info.Integrity)
					l := info.Ledger
					verdict := "ok"
					if !l.OK() {
						verdict = fmt.Sprintf("%d problems", len(l.Problems))
					}
					fmt.Fprintf(tw, "Ledger:\t%s (%d entries, %d sealed at upgrade, %d imported)\n", verdict, l.Entries, l.Sealed, l.Imported)
					fmt.Fprintf(tw, "Ledger head:\t%s\n", l.Head)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				if check {
					for _, p := range info.Ledger.Problems {
						fmt.Fprintf(w, "  %s %s: %s\n", p.Kind, ev.Line(p.Key), ev.Line(p.Detail))
					}
				}
				return nil
			})
			if err == nil && check && (info.Integrity != "ok" || !info.Ledger.OK()) {
				return &exitError{code: exitFindings}
			}
			return err
		},
	}
	out.register(cmd, "text", "json")
	so.registerDB(cmd)
	cmd.Flags().BoolVar(&check, "check", false, "run PRAGMA integrity_check and verify the ledger of recorded evidence")
	return cmd
}

var storeTables = []string{"inputs", "images", "tag_sightings", "layers", "layer_files", "scans", "findings", "diffs", "layer_cache"}

type storeInfoDoc struct {
	Path          string                `json:"path"`
	SchemaVersion int                   `json:"schema_version"`
	Counts        map[string]int        `json:"counts"`
	Integrity     string                `json:"integrity,omitempty"`
	Ledger        *history.LedgerReport `json:"ledger,omitempty"`
}

func storeInfo(ctx context.Context, s *history.Store, check bool) (storeInfoDoc, error) {
	abs, err := filepath.Abs(s.Path())
	if err != nil || history.IsServer(s.Path()) {
		abs = s.Path()
	}
	doc := storeInfoDoc{Path: abs, Counts: map[string]int{}}
	if doc.SchemaVersion, err = s.Version(ctx); err != nil {
		return doc, err
	}
	if doc.Counts, err = s.Counts(ctx, storeTables); err != nil {
		return doc, err
	}
	if check {
		if doc.Integrity, err = s.IntegrityCheck(ctx); err != nil {
			return doc, err
		}
		if doc.Ledger, err = s.CheckLedger(ctx); err != nil {
			return doc, err
		}
	}
	return doc, nil
}

// parseSince reads --since: a date (2024-06-02), a time (RFC 3339), or an age (36h, 7d).
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if strings.HasSuffix(s, "d") {
		var days int
		if _, err := fmt.Sscanf(s, "%dd", &days); err == nil && days >= 0 {
			return now.AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2024-06-02), a time (RFC 3339) or an age (36h, 7d)", s)
}

// storedImageLabel names an image briefly: its short config digest and first tag.
func storedImageLabel(img *history.Image, ev report.Filter) string {
	if img == nil {
		return "-"
	}
	s := human.ShortDigest(img.ConfigDigest)
	if len(img.Tags) > 0 {
		s += " " + ev.Line(img.Tags[0])
		if len(img.Tags) > 1 {
			s += fmt.Sprintf(" (+%d)", len(img.Tags)-1)
		}
	}
	return s
}

func storedTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}
