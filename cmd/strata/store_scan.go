package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/signatures"
)

// scanRecorder keeps the history database open for the length of a scan command and records
// each scan when it ends. A nil *scanRecorder (--no-record, or a database that would not open)
// does nothing.
type scanRecorder struct {
	store    *history.Store
	ruleHash string
	options  map[string]string
	warn     io.Writer
}

// scanRecorder opens the database for a scan. ruleHash is scanRuleHash's; the flags the user
// set are recorded as the scan's options.
func (g *globalOptions) scanRecorder(cmd *cobra.Command, o *storeOptions, ruleHash string) *scanRecorder {
	if o != nil && o.noRecord {
		return nil
	}
	s, err := g.store(cmd.Context(), o)
	if err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "strata: warning: scans will not be recorded in the history database:", err)
		return nil
	}
	opts := map[string]string{}
	cmd.Flags().Visit(func(f *pflag.Flag) { opts[f.Name] = f.Value.String() })
	return &scanRecorder{store: s, ruleHash: ruleHash, options: opts, warn: cmd.ErrOrStderr()}
}

// scanRuleHash identifies what decides a scan's content findings: the strata version, the YARA
// rule set (nil: none), the content size limit and the analyzers, in order.
func scanRuleHash(rules *signatures.RuleSet, maxFileSize int64, analyzers []audit.Analyzer) string {
	parts := []string{"strata " + version, "max-file-size " + strconv.FormatInt(maxFileSize, 10)}
	if rules != nil {
		parts = append(parts, "yara "+rules.Hash())
	}
	for _, a := range analyzers {
		parts = append(parts, "analyzer "+a.Name())
	}
	return history.RuleHash(parts...)
}

// Record records one completed scan of img. It waits for the input's hash, so it is called
// before img is closed. Layers the store has no file index for are read once more to index
// them (audit.Result does not carry the scan's own trees). A failure is a warning: the scan's
// own output stands.
func (r *scanRecorder) Record(ctx context.Context, img *forensics.Image, res *audit.Result, started time.Time) {
	if r == nil {
		return
	}
	err := func() error {
		ended := time.Now()
		missing, err := r.store.UnindexedLayers(ctx, img)
		if err != nil {
			return err
		}
		var trees []*forensics.LayerTree
		if len(missing) > 0 {
			if trees, err = img.ReadLayers(ctx, forensics.ReadOptions{Layers: missing}); err != nil {
				return fmt.Errorf("indexing layers: %w", err)
			}
		}
		if _, _, err := img.InputHash(ctx); err != nil {
			return fmt.Errorf("hashing the input: %w", err)
		}
		_, err = r.store.RecordScan(ctx, img, trees, res, history.ScanInfo{RuleHash: r.ruleHash, Options: r.options, Started: started, Ended: ended})
		return err
	}()
	if err != nil {
		fmt.Fprintf(r.warn, "strata: warning: the scan of %s was not recorded in the history database: %v\n", img.Input.Path, err)
	}
}

// Close closes the database.
func (r *scanRecorder) Close() {
	if r != nil {
		r.store.Close()
	}
}
