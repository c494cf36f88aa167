package history

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/forensics"
)

// RuleHash identifies everything that decides what a scan finds in a layer's content: the
// strata version, the YARA rule set's hash, the content size limit, the analyzers. A layer
// cached under one hash is only ever served under the same one.
func RuleHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// LayerCache serves a scan the layers the store has already seen under one rule set hash:
// their file index, content findings and the small files analyzers keep, so that the layer is
// not read again. A layer is known by what its stored bytes hash to in this run: layer_blobs
// maps each blob sum ever read whole to the diff_id its stream was verified to have, and a
// layer is served only when that diff_id is the one its config claims now. Only layers that
// were read whole and matched every claim are stored.
//
// Its methods match the audit.LayerCache hook of the scan pipeline.
type LayerCache struct {
	s        *Store
	ruleHash string
	hits     atomic.Int64
	stored   atomic.Int64
}

// LayerCache returns the cache of layers scanned under ruleHash.
func (s *Store) LayerCache(ruleHash string) *LayerCache { return &LayerCache{s: s, ruleHash: ruleHash} }

// Hits returns how many layers Lookup served.
func (c *LayerCache) Hits() int { return int(c.hits.Load()) }

// Stored returns how many layers Store added.
func (c *LayerCache) Stored() int { return int(c.stored.Load()) }

var entryTypes = map[string]forensics.EntryType{}

func init() {
	for t := forensics.TypeFile; t <= forensics.TypeFifo; t++ {
		entryTypes[t.String()] = t
	}
}

// Known implements audit.LayerCache: whether a layer claiming diffID is cached under this rule
// set hash for some blob.
func (c *LayerCache) Known(ctx context.Context, diffID string) bool {
	if diffID == "" || c.ruleHash == "" {
		return false
	}
	var one int
	err := c.s.db.QueryRowContext(ctx, `SELECT 1 FROM layer_cache WHERE diff_id = ? AND rule_hash = ? LIMIT 1`,
		diffID, c.ruleHash).Scan(&one)
	return err == nil
}

// Lookup returns layer's tree (entries in tar order, with the anomalies found reading it),
// its content findings (Layer set to layer.Index) and kept files, when the layer is cached:
// its blob (layer.BlobSHA256, hashed from the evidence) was verified to decompress to the
// diff_id its config claims.
func (c *LayerCache) Lookup(ctx context.Context, layer forensics.Layer) (*forensics.LayerTree, []audit.Finding, map[string][]byte, bool) {
	tree, findings, kept, err := c.lookup(ctx, layer)
	if err != nil || tree == nil {
		// A cache that cannot answer is a miss: the layer is read.
		return nil, nil, nil, false
	}
	c.hits.Add(1)
	return tree, findings, kept, true
}

func (c *LayerCache) lookup(ctx context.Context, layer forensics.Layer) (*forensics.LayerTree, []audit.Finding, map[string][]byte, error) {
	if layer.DiffID == "" || layer.BlobSHA256 == "" || c.ruleHash == "" {
		return nil, nil, nil, nil
	}
	db := c.s.db
	var anoms, digest string
	var size int64
	err := db.QueryRowContext(ctx, `SELECT c.digest, c.anomalies, l.size FROM layer_blobs b
		JOIN layer_cache c ON c.diff_id = b.diff_id JOIN layers l ON l.diff_id = c.diff_id
		WHERE b.blob = ? AND b.diff_id = ? AND c.rule_hash = ? LIMIT 1`,
		layer.BlobSHA256, layer.DiffID, c.ruleHash).Scan(&digest, &anoms, &size)
	if err == sql.ErrNoRows {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	// The blob was verified to decompress to this diff_id when it was stored.
	tree := &forensics.LayerTree{Index: layer.Index, UncompressedSize: size, DiffID: layer.DiffID}
	if err := json.Unmarshal([]byte(anoms), &tree.Anomalies); err != nil {
		return nil, nil, nil, err
	}
	for i := range tree.Anomalies {
		tree.Anomalies[i].Layer = layer.Index
	}
	tree.Entries, err = layerEntries(ctx, db, layer.DiffID)
	if err != nil {
		return nil, nil, nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT rule, category, severity, title, path, evidence, remediation, labels,
		techniques, indicators FROM layer_cache_findings WHERE diff_id = ? AND digest = ? AND rule_hash = ?`,
		layer.DiffID, digest, c.ruleHash)
	if err != nil {
		return nil, nil, nil, err
	}
	var findings []audit.Finding
	for rows.Next() {
		f := audit.Finding{Layer: layer.Index, History: -1}
		var cat, labels, techniques, indicators string
		if err := rows.Scan(&f.Rule, &cat, &f.Severity, &f.Title, &f.Path, &f.Evidence, &f.Remediation, &labels,
			&techniques, &indicators); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		f.Category = audit.Category(cat)
		f.Labels, f.Techniques, f.Indicators = splitLabels(labels), splitWords(techniques), splitIndicators(indicators)
		findings = append(findings, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	kept := map[string][]byte{}
	rows, err = db.QueryContext(ctx, `SELECT path, data FROM layer_cache_files WHERE diff_id = ? AND digest = ? AND rule_hash = ?`,
		layer.DiffID, digest, c.ruleHash)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var data []byte
		if err := rows.Scan(&p, &data); err != nil {
			return nil, nil, nil, err
		}
		kept[p] = data
	}
	return tree, findings, kept, rows.Err()
}

// layerEntries reads a layer's file index in tar order.
func layerEntries(ctx context.Context, db querier, diffID string) ([]forensics.Entry, error) {
	rows, err := db.QueryContext(ctx, `SELECT path, type, mode, uid, gid, uname, gname, size, sha256, mtime, link,
		dev_major, dev_minor, whiteout, opaque FROM layer_files WHERE diff_id = ? ORDER BY seq`, diffID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []forensics.Entry
	var attrs forensics.AttrTable
	var digests forensics.DigestTable
	for rows.Next() {
		var e forensics.Entry
		var a forensics.EntryAttrs
		var typ, mtime, sha string
		if err := rows.Scan(&e.Path, &typ, &e.Mode, &a.UID, &a.GID, &a.Uname, &a.Gname, &e.Size, &sha, &mtime,
			&a.Link, &a.DevMajor, &a.DevMinor, &e.Whiteout, &e.Opaque); err != nil {
			return nil, err
		}
		t, ok := entryTypes[typ]
		if !ok {
			return nil, fmt.Errorf("layer %s: %s has unknown type %q", diffID, e.Path, typ)
		}
		e.Type = t
		e.SetModTime(parseTime(mtime))
		attrs.Set(&e, a)
		digests.Set(&e, sha)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Store records a layer as a scan read it: its blob sum and the diff_id its stream hashed to,
// its index (when not stored yet), its content findings and kept files, under the cache's rule
// set hash. A layer whose digests did not match what was claimed, whose stream ended early, or
// whose blob was not hashed, is not stored.
func (c *LayerCache) Store(ctx context.Context, layer forensics.Layer, tree *forensics.LayerTree, findings []audit.Finding, kept map[string][]byte) error {
	if !c.storable(layer, tree) {
		return nil
	}
	_, err := withTx(ctx, c.s, func(tx *txConn) (struct{}, error) {
		return struct{}{}, c.store(ctx, tx, layer, tree, 0, findings, kept)
	})
	if err != nil {
		return fmt.Errorf("caching layer %s: %w", layer.DiffID, err)
	}
	return nil
}

// Index implements audit.LayerIndexer: it records the layer's file index (and its blob as
// one known to decompress to its diff_id) under the conditions Store keeps a layer, with no
// cache entry: the scan did not analyze the layer.
func (c *LayerCache) Index(ctx context.Context, layer forensics.Layer, tree *forensics.LayerTree) error {
	if !c.storable(layer, tree) {
		return nil
	}
	_, err := withTx(ctx, c.s, func(tx *txConn) (struct{}, error) {
		_, err := c.s.indexLayer(ctx, tx, layer, tree, 0, fmtTime(c.s.now()))
		return struct{}{}, err
	})
	if err != nil {
		return fmt.Errorf("indexing layer %s: %w", layer.DiffID, err)
	}
	return nil
}

// storable reports whether Store keeps the layer.
func (c *LayerCache) storable(layer forensics.Layer, tree *forensics.LayerTree) bool {
	return tree != nil && layer.DiffID != "" && c.ruleHash != "" && verified(tree) &&
		tree.DiffID == layer.DiffID && layer.BlobSHA256 != "" && layer.BlobAsClaimed()
}

// store writes in tx what Store records, the first written entries of the layer's index
// being in layer_files already (see LayerWrite).
func (c *LayerCache) store(ctx context.Context, tx *txConn, layer forensics.Layer, tree *forensics.LayerTree, written int,
	findings []audit.Finding, kept map[string][]byte) error {
	anoms, err := json.Marshal(nonNilSlice(tree.Anomalies))
	if err != nil {
		return err
	}
	anoms = secrets.RedactJSON(anoms)
	files, scanned := 0, 0
	for i := range tree.Entries {
		e := &tree.Entries[i]
		if e.Type == forensics.TypeFile && !e.Whiteout && !e.Opaque {
			files++
		}
	}
	scanned = files
	for _, f := range findings {
		if f.Rule == audit.RuleNotScanned {
			scanned--
		}
	}
	now := fmtTime(c.s.now())
	// indexLayer records the blob as one known to decompress to the diff_id.
	if ok, err := c.s.indexLayer(ctx, tx, layer, tree, written, now); err != nil || !ok {
		return err
	}
	head := []any{layer.DiffID, layer.BlobSHA256, c.ruleHash, int64(files), int64(scanned), string(anoms), now}
	res, err := tx.ExecContext(ctx, `INSERT INTO layer_cache (diff_id, digest, rule_hash, files, scanned, anomalies,
		recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, head...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // another scan stored it first
	}
	found := make([][]any, 0, len(findings))
	for _, f := range findings {
		row := []any{layer.DiffID, layer.BlobSHA256, c.ruleHash, f.Rule, string(f.Category), int64(f.Severity), secrets.Redact(f.Title), f.Path,
			secrets.Redact(f.Evidence), f.Remediation, joinLabels(f.Labels), strings.Join(f.Techniques, " "), joinIndicators(f.Indicators)}
		if _, err := tx.ExecContext(ctx, `INSERT INTO layer_cache_findings (diff_id, digest, rule_hash, rule, category,
			severity, title, path, evidence, remediation, labels, techniques, indicators)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, row...); err != nil {
			return err
		}
		found = append(found, row)
	}
	keptRows := make([][]any, 0, len(kept))
	for p, data := range kept {
		row := []any{layer.DiffID, layer.BlobSHA256, c.ruleHash, p, data}
		if _, err := tx.ExecContext(ctx, `INSERT INTO layer_cache_files (diff_id, digest, rule_hash, path, data)
			VALUES (?, ?, ?, ?, ?)`, row...); err != nil {
			return err
		}
		keptRows = append(keptRows, row)
	}
	key := cacheKey(layer.DiffID, layer.BlobSHA256, c.ruleHash)
	var known knownDigest
	if c.s.db.d.name() == "sqlite" {
		known = cacheDigest(head, found, keptRows)
	}
	if err := c.s.appendLedgerKnown(tx, "cache", key, originRecorded, now, known); err != nil {
		return err
	}
	c.stored.Add(1)
	return nil
}

// The columns store writes to the cache unit's tables, in each table's order.
var (
	layerCacheColumns         = []string{"diff_id", "digest", "rule_hash", "files", "scanned", "anomalies", "recorded_at"}
	layerCacheFindingsColumns = []string{"diff_id", "digest", "rule_hash", "rule", "category", "severity", "title", "path",
		"evidence", "remediation", "labels", "techniques", "indicators"}
	layerCacheFilesColumns = []string{"diff_id", "digest", "rule_hash", "path", "data"}
)

// cacheDigest is the ledger digest of the cache unit store writes, computed from the values
// written in the order the ledger reads them back (findings by every column, kept files by
// path), so that the megabytes of kept files and package state are not read back and hashed
// again inside the write transaction. Only SQLite's ordering is the byte order of Go's
// strings (its BINARY collation); a server orders text by its own collation and is read back.
func cacheDigest(head []any, findings, kept [][]any) knownDigest {
	slices.SortFunc(findings, compareRows)
	slices.SortFunc(kept, compareRows)
	var d unitHash
	d.part("layer_cache")
	d.row(head)
	d.part("layer_cache_findings")
	for _, r := range findings {
		d.row(r)
	}
	d.part("layer_cache_files")
	for _, r := range kept {
		d.row(canonicalRow(r))
	}
	digest, _ := d.sum()
	return knownDigest{columns: map[string][]string{"layer_cache": layerCacheColumns,
		"layer_cache_findings": layerCacheFindingsColumns, "layer_cache_files": layerCacheFilesColumns}, digest: digest}
}

// compareRows orders rows of int64, string and []byte values column by column as SQLite's
// ORDER BY does under the BINARY collation (numbers before text and blobs; text and blobs by
// their bytes).
func compareRows(a, b []any) int {
	for i := range a {
		if c := compareValues(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

func compareValues(a, b any) int {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
		return -1
	case string:
		switch y := b.(type) {
		case string:
			return strings.Compare(x, y)
		case []byte:
			return -1 // text sorts before blobs
		}
		return 1
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y)
		}
		return 1
	}
	return 0
}

// canonicalRow is the row as the ledger reads it back: a nil blob reads as NULL.
func canonicalRow(r []any) []any {
	out := make([]any, len(r))
	for i, v := range r {
		if b, ok := v.([]byte); ok && b == nil {
			out[i] = nil
			continue
		}
		out[i] = canonicalValue(v)
	}
	return out
}

// LayerWrite is a layer's file index written while the layer is still being read: the
// entries go into a transaction of its own as the reader hands them over
// (forensics.ReadOptions.Entries), and Finish records the layer as Store does, or drops the
// transaction, once the read is done. Then the index of a long layer costs little after its
// read ends. The transaction holds the database's write lock from BeginLayer to Finish: other
// writers wait for it, so a scan writes so only the last layer it reads, and Add gives up
// (leaving the index to Finish) once the lock has been held for maxLayerWriteHold.
type LayerWrite struct {
	c      *LayerCache
	diffID string
	tx     *txConn
	ins    *layerFileInserts
	began  time.Time
	rows   [][]forensics.Entry // the batches written, to be checked against the tree read
	n      int                 // how many entries they hold
	done   bool                // the transaction is over, or was never begun
}

// maxLayerWriteHold bounds how long a LayerWrite holds the write lock before Finish: writers
// of other scans wait for it (within BusyTimeout), and a layer still being read after it
// stores its index at the end, as Store does.
var maxLayerWriteHold = 1500 * time.Millisecond

// BeginLayer implements audit.LayerStreamer: it starts writing the index of layer, whose
// diff_id is the one its config claims (the read must still show it true). It returns nil
// when the store cannot write that way (a server's foreign keys are checked at once) or has
// the index already.
func (c *LayerCache) BeginLayer(ctx context.Context, layer forensics.Layer) audit.LayerWriter {
	if w := c.begin(ctx, layer); w != nil {
		return w
	}
	return nil
}

func (c *LayerCache) begin(ctx context.Context, layer forensics.Layer) *LayerWrite {
	if c.s.db.d.name() != "sqlite" || layer.DiffID == "" || c.ruleHash == "" || c.s.readOnly {
		return nil
	}
	tx, err := c.s.beginTx(ctx)
	if err != nil {
		return nil
	}
	w := &LayerWrite{c: c, diffID: layer.DiffID, tx: tx, began: time.Now()}
	var n int
	// The rows come before the layers row they refer to, which needs the layer's size and
	// entry count: their foreign keys are checked at the commit.
	if _, err := w.tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil ||
		w.tx.QueryRowContext(ctx, "SELECT count(*) FROM layers WHERE diff_id = ?", layer.DiffID).Scan(&n) != nil || n > 0 {
		w.Abort()
		return nil
	}
	if w.ins, err = prepareLayerFiles(ctx, w.tx); err != nil {
		w.Abort()
		return nil
	}
	return w
}

// Add writes entries, which follow those added before (from is the position of the first in
// the layer). A write that fails or holds the lock too long ends the transaction; Finish then
// stores the layer as Store does.
func (w *LayerWrite) Add(ctx context.Context, from int, entries []forensics.Entry) {
	if w == nil || w.done {
		return
	}
	if from != w.n || time.Since(w.began) > maxLayerWriteHold {
		w.Abort()
		return
	}
	if err := w.ins.insert(ctx, w.diffID, from, entries); err != nil {
		w.Abort()
		return
	}
	w.rows = append(w.rows, entries)
	w.n += len(entries)
}

// Finish records the layer as Store does, on the rows written so far when they are the tree's
// first entries as read (a later duplicate may have replaced one), and otherwise drops them
// and stores the layer anew. A layer Store would not keep is not stored.
func (w *LayerWrite) Finish(ctx context.Context, layer forensics.Layer, tree *forensics.LayerTree, findings []audit.Finding, kept map[string][]byte) error {
	return w.finish(ctx, layer, tree, "caching", func(tx *txConn) error {
		return w.c.store(ctx, tx, layer, tree, w.n, findings, kept)
	}, func() error { return w.c.Store(ctx, layer, tree, findings, kept) })
}

// FinishIndex records the layer's index as Index does, on the rows written so far when they
// are the tree's first entries as read, and otherwise as Index does it anew.
func (w *LayerWrite) FinishIndex(ctx context.Context, layer forensics.Layer, tree *forensics.LayerTree) error {
	return w.finish(ctx, layer, tree, "indexing", func(tx *txConn) error {
		_, err := w.c.s.indexLayer(ctx, tx, layer, tree, w.n, fmtTime(w.c.s.now()))
		return err
	}, func() error { return w.c.Index(ctx, layer, tree) })
}

// finish ends the write with record, run in its transaction and committed, when the rows
// written so far stand for the tree; otherwise it drops them and records the layer with
// anew, in a transaction of its own.
func (w *LayerWrite) finish(ctx context.Context, layer forensics.Layer, tree *forensics.LayerTree, doing string,
	record func(*txConn) error, anew func() error) error {
	if w == nil {
		return nil
	}
	if w.done || !w.c.storable(layer, tree) || layer.DiffID != w.diffID || !w.written(tree.Entries) {
		w.Abort()
		return anew()
	}
	defer w.Abort()
	err := record(w.tx)
	if err == nil {
		err = w.c.s.commitTx(ctx, w.tx)
	}
	if err != nil {
		return fmt.Errorf("%s layer %s: %w", doing, layer.DiffID, err)
	}
	w.done = true
	return nil
}

// written reports whether the entries written are the first of all.
func (w *LayerWrite) written(all []forensics.Entry) bool {
	if w.n > len(all) {
		return false
	}
	at := 0
	for _, b := range w.rows {
		if !slices.Equal(b, all[at:at+len(b)]) {
			return false
		}
		at += len(b)
	}
	return true
}

// Abort drops the transaction, unless it is over.
func (w *LayerWrite) Abort() {
	if w.done {
		return
	}
	w.done = true
	_ = w.tx.tx.Rollback() // which closes the statement prepared in it
	w.rows, w.n = nil, 0
}

var (
	_ audit.LayerStreamer = (*LayerCache)(nil)
	_ audit.LayerIndexer  = (*LayerCache)(nil)
)
