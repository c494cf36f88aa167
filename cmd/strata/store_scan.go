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

// scanRecorder keeps the history database open for the length of a scan command: it serves
// the layer cache while images are scanned and records each scan when it ends. A nil
// *scanRecorder (--no-record, or a database that would not open) does nothing.
type scanRecorder struct {
	store    *history.Store
	ruleHash string
	options  map[string]string
	noCache  bool
	warn     io.Writer
}

// registerNoCache adds --no-cache to a command that records scans.
func registerNoCache(cmd *cobra.Command) {
	cmd.Flags().Bool("no-cache", false, "read every layer, even those the history database holds from an earlier scan with the same rules and options")
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
	noCache, _ := cmd.Flags().GetBool("no-cache")
	return &scanRecorder{store: s, ruleHash: ruleHash, options: opts, noCache: noCache, warn: cmd.ErrOrStderr()}
}

// scanRuleHash identifies what decides a scan's content findings and what the layer cache
// keeps for them: the strata version, the YARA rule set (nil: none), the content size limit,
// the kept-file limit and the analyzers, in order (--no-packages leaves one out). A layer
// cached under one hash is only served to scans with the same.
func scanRuleHash(rules *signatures.RuleSet, maxFileSize int64, analyzers []audit.Analyzer) string {
	parts := []string{"strata " + version, "max-file-size " + strconv.FormatInt(maxFileSize, 10),
		"max-kept-file-size " + strconv.Itoa(audit.MaxKeptFileSize)}
	if rules != nil {
		parts = append(parts, "yara "+rules.Hash())
	}
	for _, a := range analyzers {
		parts = append(parts, "analyzer "+a.Name())
	}
	return history.RuleHash(parts...)
}

// Apply gives a scan the layer cache of the rule set hash, unless --no-cache. The scan uses it
// when its content analyzers allow (see audit.Options.Cache).
func (r *scanRecorder) Apply(opts *audit.Options) {
	if r == nil || r.noCache {
		return
	}
	opts.Cache = r.store.LayerCache(r.ruleHash)
}

// Record records one completed scan of img, indexing its layers from the trees the scan read
// or took from the cache. It waits for the input's hash, so it is called before img is
// closed. A failure is a warning: the scan's own output stands.
func (r *scanRecorder) Record(ctx context.Context, img *forensics.Image, res *audit.Result, started time.Time) {
	if r == nil {
		return
	}
	err := func() error {
		ended := time.Now()
		if _, _, err := img.InputHash(ctx); err != nil {
			return fmt.Errorf("hashing the input: %w", err)
		}
		_, err := r.store.RecordScan(ctx, img, res.Layers, res, history.ScanInfo{RuleHash: r.ruleHash, Options: r.options,
			Started: started, Ended: ended, CachedLayers: res.CachedLayers})
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
