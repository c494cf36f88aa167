package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/forensics"
)

// Scan statuses. A scan is recorded once, when it ends, in one transaction: there is no
// "running" row that could be left behind.
const (
	StatusComplete    = "complete"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
)

// Commands that record, as inputs.command names them.
const (
	CommandInspect = "inspect"
	CommandScan    = "scan"
	CommandDiff    = "diff"
)

// ScanInfo is what a scan record holds besides the result.
type ScanInfo struct {
	// RuleHash identifies the rule set and the options that change what a scan finds (see
	// RuleHash); a layer cached under one hash is never served under another.
	RuleHash string
	// Options is stored as JSON, for the report.
	Options any
	Started time.Time
	Ended   time.Time
	// Status is StatusComplete unless set.
	Status string
	// CachedLayers is how many layers came from the layer cache instead of being read.
	CachedLayers int
	// LayerAnomalies are recorded with the input besides the trees' own: those of a scan
	// served whole by the scan cache, which has no trees.
	LayerAnomalies []forensics.Anomaly
}

// testHookInScan, when set, runs inside RecordScan's transaction after the findings are
// written and before the commit (tests kill the process there).
var testHookInScan func()

// RecordInspect records that img was read: its input, identity, tags, layers and, for each
// layer tree given, the layer's file index. It returns the input's ID.
func (s *Store) RecordInspect(ctx context.Context, img *forensics.Image, trees []*forensics.LayerTree) (int64, error) {
	hashBlobs(ctx, img)
	return withTx(ctx, s, func(tx *txConn) (int64, error) {
		r, err := s.recordImage(ctx, tx, img, trees, nil, CommandInspect)
		return r.inputID, err
	})
}

// RecordScan records a scan of img and its findings, with the image as RecordInspect does, in
// one transaction. trees may be nil when the layers were indexed already (the layer cache does
// it during the scan). It returns the scan's ID.
func (s *Store) RecordScan(ctx context.Context, img *forensics.Image, trees []*forensics.LayerTree, res *audit.Result, info ScanInfo) (int64, error) {
	if res == nil && info.Status == "" {
		return 0, errors.New("recording scan: no result")
	}
	status := info.Status
	if status == "" {
		status = StatusComplete
	}
	opts, err := json.Marshal(info.Options)
	if err != nil {
		return 0, fmt.Errorf("recording scan options: %w", err)
	}
	now := s.now()
	if info.Started.IsZero() {
		info.Started = now
	}
	if info.Ended.IsZero() {
		info.Ended = now
	}
	hashBlobs(ctx, img)
	return withTx(ctx, s, func(tx *txConn) (int64, error) {
		r, err := s.recordImage(ctx, tx, img, trees, info.LayerAnomalies, CommandScan)
		if err != nil {
			return 0, err
		}
		var verdict, base string
		var files, scanned int
		if res != nil {
			verdict, files, scanned = res.Verdict(), res.Files, res.Scanned
			if res.Base != nil {
				base = res.Base.Digest
			}
		}
		var scanID int64
		err = tx.QueryRowContext(ctx, `INSERT INTO scans (image_id, input_id, tool_version, rule_hash, options,
			started_at, ended_at, status, verdict, base_digest, files, scanned, cached_layers)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.imageID, r.inputID, s.ToolVersion, info.RuleHash, string(opts), fmtTime(info.Started), fmtTime(info.Ended),
			status, verdict, base, files, scanned, info.CachedLayers).Scan(&scanID)
		if err != nil {
			return 0, fmt.Errorf("recording scan: %w", err)
		}
		if res != nil {
			if err := recordFindings(ctx, tx, img, scanID, res); err != nil {
				return 0, err
			}
		}
		if err := s.appendLedger(ctx, tx, "scan", strconv.FormatInt(scanID, 10), originRecorded, fmtTime(now)); err != nil {
			return 0, err
		}
		if testHookInScan != nil {
			testHookInScan()
		}
		return scanID, nil
	})
}

// RecordDiff records a comparison: both images as RecordInspect does (with the layer trees
// the diff read), the summary, config, history and anomalies, and every file change in rank
// order. It returns the diff's ID.
func (s *Store) RecordDiff(ctx context.Context, d *forensics.ImageDiff) (int64, error) {
	summary, _ := json.Marshal(d.Summary)
	config, _ := json.Marshal(nonNilSlice(secrets.RedactConfigChanges(d.Config)))
	hist, _ := json.Marshal(nonNilSlice(d.History))
	anoms, _ := json.Marshal(nonNilSlice(d.Anomalies))
	config, hist, anoms = secrets.RedactJSON(config), secrets.RedactJSON(hist), secrets.RedactJSON(anoms)
	hashBlobs(ctx, d.Original)
	hashBlobs(ctx, d.Suspect)
	now := fmtTime(s.now())
	return withTx(ctx, s, func(tx *txConn) (int64, error) {
		var ot, st []*forensics.LayerTree
		if d.OriginalTree != nil {
			ot = d.OriginalTree.Layers
		}
		if d.SuspectTree != nil {
			st = d.SuspectTree.Layers
		}
		o, err := s.recordImage(ctx, tx, d.Original, ot, nil, CommandDiff)
		if err != nil {
			return 0, err
		}
		su, err := s.recordImage(ctx, tx, d.Suspect, st, nil, CommandDiff)
		if err != nil {
			return 0, err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO diffs (original_image_id, suspect_image_id, original_input_id,
			suspect_input_id, tool_version, recorded_at, summary, config, history, anomalies)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			o.imageID, su.imageID, o.inputID, su.inputID, s.ToolVersion, now, string(summary),
			string(config), string(hist), string(anoms)).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("recording diff: %w", err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO diff_changes (diff_id, rank, path, change, layer, history,
			created_by, attributes, score, why, noise, original_sha256, suspect_sha256, content_diff)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return 0, err
		}
		defer stmt.Close()
		for i, f := range d.Files {
			var osum, ssum string
			if f.Original != nil && f.Original.Entry != nil {
				osum = f.Original.Entry.SHA256()
			}
			if f.Suspect != nil && f.Suspect.Entry != nil {
				ssum = f.Suspect.Entry.SHA256()
			}
			if _, err := stmt.ExecContext(ctx, id, i, f.Path, f.Change.String(), f.Layer, f.History, secrets.Redact(f.CreatedBy),
				strings.Join(f.Attributes, ","), f.Score, secrets.Redact(f.Why), f.Noise, osum, ssum, secrets.Redact(f.Diff)); err != nil {
				return 0, fmt.Errorf("recording change of %s: %w", f.Path, err)
			}
		}
		if err := s.appendLedger(ctx, tx, "diff", strconv.FormatInt(id, 10), originRecorded, now); err != nil {
			return 0, err
		}
		return id, nil
	})
}

// joinLabels and splitLabels store a finding's labels as one column, space-separated.
func joinLabels(cs []audit.Category) string {
	ss := make([]string, len(cs))
	for i, c := range cs {
		ss[i] = string(c)
	}
	return strings.Join(ss, " ")
}

func splitLabels(s string) []audit.Category {
	var out []audit.Category
	for _, f := range strings.Fields(s) {
		out = append(out, audit.Category(f))
	}
	return out
}

// splitWords splits a space-separated column, nil when it is empty.
func splitWords(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}

// joinIndicators and splitIndicators store indicators as one column of "kind:value" words.
func joinIndicators(is []audit.Indicator) string {
	ss := make([]string, len(is))
	for i, x := range is {
		ss[i] = x.String()
	}
	return strings.Join(ss, " ")
}

func splitIndicators(s string) []audit.Indicator {
	var out []audit.Indicator
	for _, f := range strings.Fields(s) {
		if i, ok := audit.ParseIndicator(f); ok {
			out = append(out, i)
		}
	}
	return out
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type recorded struct {
	imageID, inputID int64
}

// recordImage writes the image (once), its history and layer chain, the layers' file indexes
// that are not stored yet, and a new input with its anomalies (the image's, the trees', then
// layerAnomalies) and tag sightings.
func (s *Store) recordImage(ctx context.Context, tx *txConn, img *forensics.Image, trees []*forensics.LayerTree, layerAnomalies []forensics.Anomaly, command string) (recorded, error) {
	var r recorded
	if img == nil {
		return r, errors.New("recording: no image")
	}
	now := fmtTime(s.now())
	chain := make([]string, len(img.Layers))
	for i, l := range img.Layers {
		chain[i] = l.DiffID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO images (config_digest, manifest_digest, created, os, architecture,
		variant, layer_count, chain, config, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (config_digest) DO NOTHING`,
		img.ConfigDigest, img.Digest, fmtTime(img.Created), img.OS, img.Architecture, img.Variant, len(img.Layers),
		strings.Join(chain, " "), string(secrets.RedactJSON(img.ConfigBytes)), now)
	if err != nil {
		return r, fmt.Errorf("recording image %s: %w", img.ConfigDigest, err)
	}
	isNew, _ := res.RowsAffected()
	if err := tx.QueryRowContext(ctx, "SELECT id FROM images WHERE config_digest = ?", img.ConfigDigest).Scan(&r.imageID); err != nil {
		return r, fmt.Errorf("recording image %s: %w", img.ConfigDigest, err)
	}
	if isNew == 1 {
		for i, h := range img.History {
			if _, err := tx.ExecContext(ctx, `INSERT INTO image_history (image_id, position, created, created_by, comment,
				author, empty_layer, layer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				r.imageID, i, fmtTime(h.Created), secrets.Redact(h.CreatedBy), secrets.Redact(h.Comment), secrets.Redact(h.Author), h.EmptyLayer, h.Layer); err != nil {
				return r, fmt.Errorf("recording history: %w", err)
			}
		}
		for _, l := range img.Layers {
			if _, err := tx.ExecContext(ctx, `INSERT INTO image_layers (image_id, position, diff_id, digest, media_type,
				stored_size, history) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				r.imageID, l.Index, l.DiffID, l.Digest, l.MediaType, l.Size, l.History); err != nil {
				return r, fmt.Errorf("recording layer %d: %w", l.Index, err)
			}
		}
		if err := s.appendLedger(ctx, tx, "image", strconv.FormatInt(r.imageID, 10), originRecorded, now); err != nil {
			return r, err
		}
	}
	for _, lt := range trees {
		if lt == nil || lt.Index < 0 || lt.Index >= len(img.Layers) {
			continue
		}
		if _, err := s.indexLayer(ctx, tx, img.Layers[lt.Index], lt, 0, now); err != nil {
			return r, err
		}
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO inputs (path, format, selector, sha256, size, read_at, who, host,
		command, tool_version, image_id, manifest_digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		img.Input.Path, img.Input.Format, img.Input.Selector, img.Input.SHA256, img.Input.Size, now, s.Who, s.Host,
		command, s.ToolVersion, r.imageID, img.Digest).Scan(&r.inputID)
	if err != nil {
		return r, fmt.Errorf("recording input %s: %w", img.Input.Path, err)
	}
	anoms := append([]forensics.Anomaly(nil), img.Anomalies...)
	for _, lt := range trees {
		if lt != nil {
			anoms = append(anoms, lt.Anomalies...)
		}
	}
	anoms = append(anoms, layerAnomalies...)
	for _, a := range anoms {
		if _, err := tx.ExecContext(ctx, `INSERT INTO input_anomalies (input_id, kind, layer, path, detail) VALUES (?, ?, ?, ?, ?)`,
			r.inputID, a.Kind, a.Layer, a.Path, secrets.Redact(a.Detail)); err != nil {
			return r, fmt.Errorf("recording anomaly: %w", err)
		}
	}
	for _, tag := range img.Tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tag_sightings (tag, image_id, input_id, seen_at) VALUES (?, ?, ?, ?)`,
			tag, r.imageID, r.inputID, now); err != nil {
			return r, fmt.Errorf("recording tag %s: %w", tag, err)
		}
	}
	if err := s.appendLedger(ctx, tx, "input", strconv.FormatInt(r.inputID, 10), originRecorded, now); err != nil {
		return r, err
	}
	return r, nil
}

// hashBlobs hashes an image's layer blobs before it is recorded, outside the transaction, so that
// its layers are recorded by what their bytes hash to. The sums usually exist already (the
// input's hash computes an archive's; a layout's come from the layer streams); a blob that
// cannot be hashed is recorded without one, which only means it is read again next time.
func hashBlobs(ctx context.Context, img *forensics.Image) {
	if img != nil {
		_ = img.HashBlobs(ctx, nil)
	}
}

// verified reports whether a layer tree was read whole and matched its digests: only such a
// layer's index may stand for its diff_id.
func verified(lt *forensics.LayerTree) bool {
	for _, a := range lt.Anomalies {
		switch a.Kind {
		case forensics.AnomalyDigestMismatch, forensics.AnomalyDiffIDMismatch, forensics.AnomalyTruncated:
			return false
		}
	}
	return true
}

// indexLayer stores a layer's file index under its diff_id unless it is stored already or the
// layer did not verify: its stream must have hashed to the diff_id its config claims. A blob
// sum hashed from the evidence is recorded as one known to decompress to that diff_id, which is
// what later readings of the same bytes are recognised by. The first written entries are in
// layer_files already, put there by tx (see LayerWrite). It reports whether the index is (now)
// stored.
func (s *Store) indexLayer(ctx context.Context, tx *txConn, layer forensics.Layer, lt *forensics.LayerTree, written int, now string) (bool, error) {
	diffID := layer.DiffID
	if diffID == "" || lt.DiffID != diffID || !verified(lt) {
		return false, nil
	}
	if layer.BlobSHA256 != "" && layer.BlobAsClaimed() {
		res, err := tx.ExecContext(ctx, `INSERT INTO layer_blobs (blob, diff_id, verified_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, layer.BlobSHA256, diffID, now)
		if err != nil {
			return false, fmt.Errorf("recording layer %s: %w", diffID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if err := s.appendLedger(ctx, tx, "blob", layer.BlobSHA256, originRecorded, now); err != nil {
				return false, err
			}
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO layers (diff_id, size, entries, first_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (diff_id) DO NOTHING`, diffID, lt.UncompressedSize, len(lt.Entries), now)
	if err != nil {
		return false, fmt.Errorf("recording layer %s: %w", diffID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return true, nil // stored whole by an earlier transaction
	}
	ins, err := prepareLayerFiles(ctx, tx)
	if err != nil {
		return false, err
	}
	defer ins.Close()
	if err := ins.insert(ctx, diffID, written, lt.Entries[written:]); err != nil {
		return false, err
	}
	if err := s.appendLedgerKnown(tx, "layer", diffID, originRecorded, now,
		layerDigest(diffID, lt.UncompressedSize, lt.Entries, now)); err != nil {
		return false, err
	}
	return true, nil
}

const insertLayerFile = `INSERT INTO layer_files (diff_id, seq, path, type, mode, uid, gid, uname, gname,
	size, sha256, mtime, link, dev_major, dev_minor, whiteout, opaque) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// layerFileColumns are the columns insertLayerFile writes, in the table's order: a layer
// unit's digest is computed from the values written only while the table has exactly these.
var layerFileColumns = []string{"diff_id", "seq", "path", "type", "mode", "uid", "gid", "uname", "gname",
	"size", "sha256", "mtime", "link", "dev_major", "dev_minor", "whiteout", "opaque"}

// layerFileRow fills vals (len(layerFileColumns)) with the values insertLayerFile writes for
// the seq-th entry e of the layer diffID.
func layerFileRow(vals []any, diffID string, seq int, e *forensics.Entry) {
	vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6], vals[7], vals[8] =
		diffID, int64(seq), e.Path, e.Type.String(), int64(e.Mode), int64(e.UID()), int64(e.GID()), e.Uname(), e.Gname()
	vals[9], vals[10], vals[11], vals[12], vals[13], vals[14], vals[15], vals[16] =
		e.Size, e.SHA256(), fmtTime(e.ModTime()), e.Link(), e.DevMajor(), e.DevMinor(), e.Whiteout, e.Opaque
}

// layerFileBatch is how many layer_files rows one statement inserts: a layer of tens of
// thousands of files costs a statement's round trip per batch rather than per file (17
// columns a row keeps the parameters far under either engine's limit).
const layerFileBatch = 64

// layerFileInserts writes layer_files rows: batches of layerFileBatch through one statement,
// the rest one at a time.
type layerFileInserts struct {
	one, batch *stmt
	vals       []any
}

func prepareLayerFiles(ctx context.Context, tx *txConn) (*layerFileInserts, error) {
	one, err := tx.PrepareContext(ctx, insertLayerFile)
	if err != nil {
		return nil, err
	}
	row := "(" + strings.Repeat("?, ", len(layerFileColumns)-1) + "?)"
	q := insertLayerFile[:strings.Index(insertLayerFile, "VALUES")] + "VALUES " + strings.Repeat(row+", ", layerFileBatch-1) + row
	batch, err := tx.PrepareContext(ctx, q)
	if err != nil {
		one.Close()
		return nil, err
	}
	return &layerFileInserts{one: one, batch: batch, vals: make([]any, len(layerFileColumns)*layerFileBatch)}, nil
}

func (w *layerFileInserts) Close() {
	w.one.Close()
	w.batch.Close()
}

// insert writes entries of the layer diffID, the first at position from.
func (w *layerFileInserts) insert(ctx context.Context, diffID string, from int, entries []forensics.Entry) error {
	n := len(layerFileColumns)
	for len(entries) >= layerFileBatch {
		for i := 0; i < layerFileBatch; i++ {
			layerFileRow(w.vals[i*n:(i+1)*n], diffID, from+i, &entries[i])
		}
		if _, err := w.batch.ExecContext(ctx, w.vals...); err != nil {
			return fmt.Errorf("recording %s ... of layer %s: %w", entries[0].Path, diffID, err)
		}
		entries, from = entries[layerFileBatch:], from+layerFileBatch
	}
	for i := range entries {
		e := &entries[i]
		layerFileRow(w.vals[:n], diffID, from+i, e)
		if _, err := w.one.ExecContext(ctx, w.vals[:n]...); err != nil {
			return fmt.Errorf("recording %s of layer %s: %w", e.Path, diffID, err)
		}
	}
	return nil
}

// layerDigest is the ledger digest of the layer unit indexLayer writes, computed from the
// values written rather than read back from the tables: the read-back of a big layer's
// index was most of the time its recording took after the read ended.
func layerDigest(diffID string, size int64, entries []forensics.Entry, firstSeen string) knownDigest {
	var d unitHash
	d.part("layers")
	d.row([]any{diffID, size, int64(len(entries)), firstSeen})
	d.part("layer_files")
	vals := make([]any, len(layerFileColumns))
	for i := range entries {
		layerFileRow(vals, diffID, i, &entries[i])
		for j, v := range vals {
			vals[j] = canonicalValue(v)
		}
		d.row(vals)
	}
	digest, _ := d.sum()
	return knownDigest{columns: map[string][]string{"layers": layerColumns, "layer_files": layerFileColumns}, digest: digest}
}

// layerColumns are the columns indexLayer writes to layers, in the table's order.
var layerColumns = []string{"diff_id", "size", "entries", "first_seen"}

// UnindexedLayers returns the positions of img's layers whose file index the store lacks.
func (s *Store) UnindexedLayers(ctx context.Context, img *forensics.Image) ([]int, error) {
	var out []int
	for i, l := range img.Layers {
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM layers WHERE diff_id = ?", l.DiffID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			out = append(out, i)
		}
	}
	return out, nil
}

// recordFindings writes a scan's findings and the ones its accepted-findings policy set aside.
func recordFindings(ctx context.Context, tx *txConn, img *forensics.Image, scanID int64, res *audit.Result) error {
	diffID := func(layer int) string {
		if layer >= 0 && layer < len(img.Layers) {
			return img.Layers[layer].DiffID
		}
		return ""
	}
	vuln := func(f *audit.Finding) (string, error) {
		if f.Vulnerability == nil {
			return "", nil
		}
		b, err := json.Marshal(f.Vulnerability)
		return string(b), err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO findings (scan_id, rule, category, severity, title, layer,
		diff_id, path, history, created_by, evidence, remediation, vulnerability, labels, techniques)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	ind, err := tx.PrepareContext(ctx, `INSERT INTO indicators (finding_id, scan_id, kind, value) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer ind.Close()
	for i := range res.Findings {
		f := &res.Findings[i]
		v, err := vuln(f)
		if err != nil {
			return fmt.Errorf("recording finding %s: %w", f.Rule, err)
		}
		var fid int64
		if err := stmt.QueryRowContext(ctx, scanID, f.Rule, string(f.Category), int(f.Severity), secrets.Redact(f.Title), f.Layer,
			diffID(f.Layer), f.Path, f.History, secrets.Redact(f.CreatedBy), secrets.Redact(f.Evidence), f.Remediation, v, joinLabels(f.Labels),
			strings.Join(f.Techniques, " ")).Scan(&fid); err != nil {
			return fmt.Errorf("recording finding %s: %w", f.Rule, err)
		}
		for _, x := range f.Indicators {
			if _, err := ind.ExecContext(ctx, fid, scanID, string(x.Kind), x.Value); err != nil {
				return fmt.Errorf("recording indicator %s of finding %s: %w", x, f.Rule, err)
			}
		}
	}
	if len(res.Accepted) == 0 {
		return nil
	}
	acc, err := tx.PrepareContext(ctx, `INSERT INTO accepted_findings (scan_id, rule, category, severity, title, layer,
		diff_id, path, history, created_by, evidence, remediation, vulnerability, accepted_by, reason, source, expires,
		labels, techniques) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer acc.Close()
	for i := range res.Accepted {
		a := &res.Accepted[i]
		f := &a.Finding
		v, err := vuln(f)
		if err != nil {
			return fmt.Errorf("recording accepted finding %s: %w", f.Rule, err)
		}
		expires := ""
		if !a.Expires.IsZero() {
			expires = a.Expires.Format(time.DateOnly)
		}
		if _, err := acc.ExecContext(ctx, scanID, f.Rule, string(f.Category), int(f.Severity), secrets.Redact(f.Title), f.Layer,
			diffID(f.Layer), f.Path, f.History, secrets.Redact(f.CreatedBy), secrets.Redact(f.Evidence), f.Remediation, v, a.By, a.Reason, a.Source, expires,
			joinLabels(f.Labels), strings.Join(f.Techniques, " ")); err != nil {
			return fmt.Errorf("recording accepted finding %s: %w", f.Rule, err)
		}
	}
	return nil
}
