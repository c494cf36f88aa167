package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// CachedScan is what a whole scan of an image found, kept so that scanning the same verified
// bytes again under the same rules answers without reading a layer or running an analyzer:
// the findings before any accepted-findings policy (redacted, as every stored finding), the
// trusted base, the file counts, and each layer's size, entry count and the anomalies recorded
// with a reading of it.
type CachedScan struct {
	Findings []audit.Finding   `json:"findings"`
	Base     *audit.Base       `json:"base,omitempty"`
	Files    int               `json:"files"`
	Scanned  int               `json:"scanned"`
	Layers   []CachedScanLayer `json:"layers"`
}

// CachedScanLayer is one layer of a CachedScan.
type CachedScanLayer struct {
	UncompressedSize int64               `json:"uncompressed_size"`
	Files            int                 `json:"files"`
	Anomalies        []forensics.Anomaly `json:"anomalies"`
}

// ScanKey is the key a whole scan of img is cached under: the rule set hash, what else decides
// the findings (context: the trusted images, say), and everything of the image an analyzer can
// see besides its layers' content, with each layer known by the sha256 of its stored bytes as
// hashed from the evidence in this run (HashBlobs must have run). It is "" when the image
// cannot be known by its bytes: a layer whose blob was not hashed or does not match what the
// image claims for it, or a root filesystem.
func ScanKey(img *forensics.Image, ruleHash, context string) string {
	if ruleHash == "" || len(img.ConfigBytes) == 0 {
		return ""
	}
	h := sha256.New()
	put := func(ss ...string) {
		for _, s := range ss {
			h.Write([]byte(strconv.Itoa(len(s))))
			h.Write([]byte{':'})
			h.Write([]byte(s))
		}
	}
	config := sha256.Sum256(img.ConfigBytes)
	put("strata scan v1", ruleHash, context, img.ConfigDigest, hex.EncodeToString(config[:]), img.Digest, img.Input.Format,
		strconv.Itoa(len(img.Tags)))
	put(img.Tags...)
	put(strconv.Itoa(len(img.Layers)))
	for _, l := range img.Layers {
		if l.BlobSHA256 == "" || !l.BlobAsClaimed() || l.DiffID == "" {
			return ""
		}
		put(l.BlobSHA256, l.BlobClaim, l.DiffID, l.Digest, l.MediaType, strconv.FormatInt(l.Size, 10))
	}
	put(strconv.Itoa(len(img.Anomalies)))
	for _, a := range img.Anomalies {
		put(a.Kind, strconv.Itoa(a.Layer), a.Path, a.Detail)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// CachedScan returns the scan cached under key, ok false when there is none.
func (s *Store) CachedScan(ctx context.Context, key string) (c *CachedScan, ok bool, err error) {
	if key == "" {
		return nil, false, nil
	}
	var doc string
	err = s.db.QueryRowContext(ctx, `SELECT result FROM scan_cache WHERE key = ?`, key).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the scan cache: %w", err)
	}
	c = &CachedScan{}
	if err := json.Unmarshal([]byte(doc), c); err != nil {
		return nil, false, fmt.Errorf("reading the scan cache: %w", err)
	}
	return c, true, nil
}

// StoreScan keeps c under key (see ScanKey) unless a scan is kept there already. The caller
// stores only scans whose every layer was read whole, or served by the layer cache, and
// matched every digest claimed for it.
func (s *Store) StoreScan(ctx context.Context, key, ruleHash string, img *forensics.Image, c *CachedScan) error {
	if key == "" {
		return nil
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("caching the scan of %s: %w", img.ConfigDigest, err)
	}
	_, err = withTx(ctx, s, func(tx *txConn) (struct{}, error) {
		now := fmtTime(s.now())
		res, err := tx.ExecContext(ctx, `INSERT INTO scan_cache (key, rule_hash, config_digest, result, recorded_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, key, ruleHash, img.ConfigDigest, string(doc), now)
		if err != nil {
			return struct{}{}, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return struct{}{}, nil // another scan kept it first
		}
		return struct{}{}, s.appendLedger(ctx, tx, "scan-cache", key, originRecorded, now)
	})
	if err != nil {
		return fmt.Errorf("caching the scan of %s: %w", img.ConfigDigest, err)
	}
	return nil
}
