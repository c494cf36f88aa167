package casework

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/accept"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/audit/vulns"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/packages"
	"github.com/strata-forensics/strata/signatures"
)

// ScanOptions choose what a Scanner runs and what it keeps.
type ScanOptions struct {
	// RulePaths are user YARA rule files and directories; NoBuiltinRules leaves out Strata's.
	RulePaths      []string
	NoBuiltinRules bool
	// MaxFileSize is the largest file content-scanned; 0 is audit.DefaultMaxFileSize.
	MaxFileSize int64
	// NoPackages leaves out the package inventory and integrity check.
	NoPackages bool
	// Vulns matches packages against the offline advisory database, which is said to be stale
	// when older than VulnMaxAge.
	Vulns      bool
	VulnMaxAge time.Duration
	// NoCache reads every layer even when the history database holds it from an earlier scan
	// with the same rules; NoRecord neither reads the cache nor records the scans.
	NoCache  bool
	NoRecord bool
	// Options are the settings the user chose, recorded with each scan for the report.
	Options map[string]string
	// Accept is the accepted-findings policy (audit/accept): the findings it accepts are set
	// aside into Result.Accepted before the scan is recorded; nil accepts nothing.
	Accept *accept.Policy
}

// Scanner scans images with one rule set: the rules are compiled once, each scan gets an
// analyzer set of its own (the package analyzer keeps what one scan read), layers an earlier
// scan with the same rule hash read come from the history database, and every scan is
// recorded when it ends: complete, failed or interrupted. It is safe for concurrent scans of
// different images.
type Scanner struct {
	w        *Workspace
	opts     ScanOptions
	rules    *signatures.RuleSet
	vulns    *vulns.DB
	store    *history.Store
	storeErr error

	mu   sync.Mutex
	sets []*standard.Set
}

// NewScanner compiles the rules, opens the advisory database when asked, and opens the
// history database unless NoRecord. A history database that will not open (corrupt, of a
// newer strata, locked beyond the busy timeout) is not an error here: StoreErr says so, each
// scan carries it as its RecordErr and warns of it, and the command line refuses to scan
// (the workbench scans on, unrecorded). A rule that does not compile is an InputError. The
// caller closes the Scanner.
func (w *Workspace) NewScanner(ctx context.Context, opts ScanOptions) (*Scanner, error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = audit.DefaultMaxFileSize
	}
	s := &Scanner{w: w, opts: opts}
	if !opts.NoBuiltinRules || len(opts.RulePaths) > 0 {
		so := signatures.Options{Paths: opts.RulePaths, NoBuiltin: opts.NoBuiltinRules, MaxFileSize: opts.MaxFileSize}
		// The compiled rules are kept in the data directory for the next run. Without user
		// rules a data directory that cannot be made only costs the compile.
		if err := w.makeDataDir(); err == nil {
			so.CacheDir = w.RulesCacheDir()
		} else if len(opts.RulePaths) > 0 {
			return nil, err
		}
		rs, err := signatures.Compile(so)
		if err != nil {
			return nil, inputError(err)
		}
		s.rules = rs
	}
	if opts.Vulns {
		if err := w.makeDataDir(); err != nil {
			s.Close()
			return nil, err
		}
		db, err := vulns.Open(filepath.Join(w.DataDir, vulns.FileName))
		if err != nil {
			s.Close()
			return nil, inputError(err)
		}
		s.vulns = db
	}
	if !opts.NoRecord {
		s.store, s.storeErr = w.OpenStore(ctx)
	}
	return s, nil
}

// Close releases the rules, the analyzer sets and the databases.
func (s *Scanner) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, set := range s.sets {
		set.Close()
	}
	s.sets = nil
	if s.rules != nil {
		s.rules.Close()
		s.rules = nil
	}
	if s.vulns != nil {
		s.vulns.Close()
		s.vulns = nil
	}
	if s.store != nil {
		err := s.store.Close()
		s.store = nil
		return err
	}
	return nil
}

// Store is the history database the scanner records in, nil when it does not record.
func (s *Scanner) Store() *history.Store { return s.store }

// StoreErr is why the history database could not be opened for recording, nil when it was
// (or NoRecord).
func (s *Scanner) StoreErr() error { return s.storeErr }

// analyzers returns a new analyzer set, closed with the Scanner.
func (s *Scanner) analyzers() (*standard.Set, error) { return s.analyzersWith(nil) }

// analyzersWith is analyzers, whose package analyzer shares parses (when not nil) with the
// other scans given it.
func (s *Scanner) analyzersWith(parses *packages.ParseCache) (*standard.Set, error) {
	set, err := standard.New(standard.Options{Rules: s.rules, Trust: s.w.TrustStore(), Packages: !s.opts.NoPackages,
		TempDir: s.w.TempDir(), Vulns: s.vulns, VulnMaxAge: s.opts.VulnMaxAge, PackageParses: parses})
	if err != nil {
		return nil, inputError(err)
	}
	s.mu.Lock()
	s.sets = append(s.sets, set)
	s.mu.Unlock()
	return set, nil
}

// RuleHash identifies what decides a scan's content findings and what the layer cache keeps
// for them: the strata version, the YARA rule set, the content size limit, the kept-file
// limit and the analyzers, in order. A layer cached under one hash is only served to scans
// with the same.
func (s *Scanner) RuleHash(analyzers []audit.Analyzer) string {
	parts := []string{"strata " + s.w.Version, "max-file-size " + strconv.FormatInt(s.opts.MaxFileSize, 10),
		"max-kept-file-size " + strconv.Itoa(audit.MaxKeptFileSize)}
	if s.rules != nil {
		parts = append(parts, "yara "+s.rules.Hash())
	}
	for _, a := range analyzers {
		parts = append(parts, "analyzer "+a.Name())
	}
	return history.RuleHash(parts...)
}

// ScanResult is one scan: the audit result, the analyzers that ran (what the package
// analyzer read is asked of them afterwards) and the scan's number in the history, 0 when
// not recorded; RecordErr says why a scan that was to be recorded was not.
type ScanResult struct {
	*audit.Result
	Analyzers []audit.Analyzer
	ScanID    int64
	RecordErr error
	// FromScanCache marks a result the scan cache answered: it has no layer trees and its
	// analyzers hold nothing of the image.
	FromScanCache bool

	set *standard.Set
}

// Release closes r's analyzers now rather than with the Scanner: a run of many scans (an
// audit) keeps no more of them than it has scans in hand. r.Analyzers is nil afterwards.
func (s *Scanner) Release(r *ScanResult) {
	if r == nil || r.set == nil {
		return
	}
	s.mu.Lock()
	for i, set := range s.sets {
		if set == r.set {
			s.sets = append(s.sets[:i], s.sets[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	r.set.Close()
	r.set, r.Analyzers = nil, nil
}

// ScanRef opens ref, scans it and closes it. The result keeps the image's identity, which
// stays readable after Close.
func (s *Scanner) ScanRef(ctx context.Context, ref string, sink Sink) (*ScanResult, error) {
	img, err := s.w.Open(ctx, ref, sink)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	return s.Scan(ctx, img, ref, sink)
}

// Scan scans an open image named name (events carry the name): layers from the cache where
// it can, findings reported as they are found, and the scan recorded when it ends, as
// complete, failed (the image could not be read) or interrupted (ctx was cancelled). The
// image must not be read by anything else meanwhile.
//
// An image whose every layer the history holds, by the bytes hashed from the evidence in this
// run, scanned before under the same rules with the same trusted images, is answered from the
// scan cache: nothing is read and no analyzer runs. Such a result has no layer trees
// (Result.Layers is nil) and its analyzers learned nothing (FromScanCache says so).
func (s *Scanner) Scan(ctx context.Context, img *forensics.Image, name string, sink Sink) (*ScanResult, error) {
	return s.scan(ctx, img, name, sink, scanHow{})
}

// scanHow is how a scan is made for its caller.
type scanHow struct {
	// wrap, when set, sees the layer cache through itself (an audit keeps what it served in
	// memory for the rest of the run).
	wrap func(audit.LayerCache) audit.LayerCache
	// trees asks for the layer trees and what the analyzers learned: no answer from the
	// scan cache.
	trees bool
	// parses, when set, shares the parsed package databases with the run's other scans.
	parses *packages.ParseCache
	// vouched marks the layers whose bytes the image named by vouchedBy holds (see
	// audit.Options.Vouched): a comparison's suspect is analyzed only where it differs.
	vouched   []bool
	vouchedBy string
	// vouchesHold, with vouched, checks the scan's result before it is recorded: false
	// means the layers were not the bytes vouched for, and the scan is made again whole.
	vouchesHold func(*audit.Result) bool
}

// scan is Scan, made as how says.
func (s *Scanner) scan(ctx context.Context, img *forensics.Image, name string, sink Sink, how scanHow) (*ScanResult, error) {
	set, err := s.analyzersWith(how.parses)
	if err != nil {
		return nil, err
	}
	if s.storeErr != nil {
		sink.emit(Warning{Err: fmt.Errorf("the scan of %s is not recorded in the history database: %w", name, s.storeErr)})
	}
	ruleHash := s.RuleHash(set.Analyzers)
	opts := audit.Options{Analyzers: set.Analyzers, MaxFileSize: s.opts.MaxFileSize, Vouched: how.vouched}
	if s.store != nil && !s.opts.NoCache {
		opts.Cache = s.store.LayerCache(ruleHash)
		if how.wrap != nil {
			opts.Cache = how.wrap(opts.Cache)
		}
	}
	var scans *scanCache
	if !how.trees && how.wrap == nil {
		scans = s.scanCache(ruleHash)
	}
	var cached *history.CachedScan
	if scans != nil {
		cached = scans.lookup(ctx, img)
	}
	if sink != nil {
		opts.Found = func(fs []audit.Finding) {
			fillSteps(img, fs)
			sink(Found{Image: name, Findings: redactFindings(fs)})
		}
		opts.Cached = func(layer int, t *forensics.LayerTree) {
			sink(LayerFinished{Image: name, Layer: layer, Bytes: t.UncompressedSize, Entries: len(t.Entries), Cached: true})
		}
	}
	sink.emit(s.w.plan(ctx, s.store, img, name, nil))
	sink.emit(Phase{Image: name, Name: "scanning"})
	started := time.Now()
	info := history.ScanInfo{RuleHash: ruleHash, Options: s.opts.Options, Started: started}
	var res *audit.Result
	if cached != nil {
		res = fromScanCache(img, name, cached, sink)
		for _, l := range cached.Layers {
			info.LayerAnomalies = append(info.LayerAnomalies, l.Anomalies...)
		}
	} else {
		res, err = audit.Scan(ctx, img, opts)
		if err == nil && len(res.Vouched) > 0 && how.vouchesHold != nil && !how.vouchesHold(res) {
			sink.emit(Warning{Err: fmt.Errorf("%s: the layers it shares with %s by their claims are not the same bytes: scanning it whole", name, how.vouchedBy)})
			opts.Vouched = nil
			res, err = audit.Scan(ctx, img, opts)
		}
	}
	if err != nil {
		info.Status = history.StatusFailed
		if ctx.Err() != nil {
			info.Status = history.StatusInterrupted
		}
		s.record(ctx, img, name, nil, nil, info, sink)
		s.Release(&ScanResult{set: set}) // nothing is asked of a failed scan's analyzers
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, inputError(fmt.Errorf("%s: %w", name, err))
	}
	info.CachedLayers = res.CachedLayers
	if len(res.Vouched) > 0 {
		info.Options = vouchedOptions(s.opts.Options, how.vouchedBy, res.Vouched)
	}
	found := slices.Clone(res.Findings) // before the accepted-findings policy sets any aside
	for _, w := range accept.Apply(res, s.opts.Accept) {
		sink.emit(Warning{Err: errors.New(w)})
	}
	res.Findings = redactFindings(res.Findings)
	for i := range res.Accepted {
		res.Accepted[i].Finding = redactFindings([]audit.Finding{res.Accepted[i].Finding})[0]
	}
	out := &ScanResult{Result: res, Analyzers: set.Analyzers, RecordErr: s.storeErr, FromScanCache: cached != nil, set: set}
	if s.store != nil {
		if _, _, herr := img.InputHash(ctx); herr != nil && ctx.Err() == nil {
			// The evidence could not be hashed to its end (it changed or went away while it
			// was read): there is no chain of custody for what was found. The scan failed.
			info.Status = history.StatusFailed
			s.record(ctx, img, name, nil, nil, info, sink)
			s.Release(out)
			return nil, inputError(fmt.Errorf("%s: hashing the input: %w", name, herr))
		}
		out.ScanID, out.RecordErr = s.record(ctx, img, name, res.Layers, res, info, sink)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if scans != nil && cached == nil && out.RecordErr == nil {
		scans.keep(ctx, img, res, redactFindings(found))
	}
	return out, nil
}

// vouchedOptions are a scan's recorded options with the layers it read for their trees only
// and the image whose bytes they are, so that the history says what the scan did not analyze.
func vouchedOptions(opts map[string]string, by string, layers []int) map[string]string {
	out := maps.Clone(opts)
	if out == nil {
		out = map[string]string{}
	}
	ls := make([]string, len(layers))
	for i, l := range layers {
		ls[i] = strconv.Itoa(l)
	}
	out[history.OptionComparedWith] = by
	out[history.OptionLayersNotAnalyzed] = strings.Join(ls, ",")
	return out
}

// record writes one scan to the history database. An interrupted or failed scan is recorded
// too (docs/schema.md): with a context of its own, since ctx may be the cancelled one, and
// without waiting for the input's hash when it is not there yet. A failure to record is a
// Warning and is returned: the scan's own output stands, and the command line then exits 2.
func (s *Scanner) record(ctx context.Context, img *forensics.Image, name string, trees []*forensics.LayerTree, res *audit.Result, info history.ScanInfo, sink Sink) (int64, error) {
	if s.store == nil {
		return 0, s.storeErr
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	sink.emit(Phase{Image: name, Name: "recording"})
	info.Ended = time.Now()
	if info.Status == "" {
		// A complete scan names its evidence by the hash of the whole input.
		if _, _, err := img.InputHash(ctx); err != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("the scan of %s was not recorded in the history database: hashing the input: %w", name, err)
				sink.emit(Warning{Err: err})
				return 0, err
			}
			info.Status = history.StatusInterrupted
			res, trees = nil, nil
		}
	} else {
		hctx, hcancel := context.WithTimeout(rctx, 2*time.Second)
		img.InputHash(hctx) // best effort: the row is written with or without it
		hcancel()
	}
	id, err := s.store.RecordScan(rctx, img, trees, res, info)
	if err != nil {
		err = fmt.Errorf("the scan of %s was not recorded in the history database: %w", name, err)
		sink.emit(Warning{Err: err})
		return 0, err
	}
	return id, nil
}

// redactFindings returns findings with the text they carry from the evidence (the history
// step, the title, the evidence) redacted: a finding names a secret masked, in every output
// and in the database, and a headline or a place cut short cannot show part of one.
func redactFindings(fs []audit.Finding) []audit.Finding {
	out := make([]audit.Finding, len(fs))
	for i, f := range fs {
		f.CreatedBy, f.Title, f.Evidence = secrets.Redact(f.CreatedBy), secrets.Redact(f.Title), secrets.Redact(f.Evidence)
		out[i] = f
	}
	return out
}

// fillSteps gives findings the history step that made their layer, as the scan does for its
// result.
func fillSteps(img *forensics.Image, fs []audit.Finding) {
	for i := range fs {
		f := &fs[i]
		if f.CreatedBy != "" {
			continue
		}
		f.History = -1
		if f.Layer >= 0 && f.Layer < len(img.Layers) {
			if h := img.Layers[f.Layer].History; h >= 0 && h < len(img.History) {
				f.History, f.CreatedBy = h, img.History[h].CreatedBy
			}
		}
	}
}

// Interrupted reports whether err is a cancelled context's.
func Interrupted(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
