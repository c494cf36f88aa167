package casework

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics"
)

// scanCache is a scan's use of the history's scan cache (history.CachedScan): an image whose
// every layer the history holds, known by the bytes hashed from the evidence in this run, and
// that was scanned whole before under the same rules with the same trusted images, is answered
// from the store; what it then costs is hashing the blobs.
type scanCache struct {
	store    *history.Store
	layers   *history.LayerCache
	ruleHash string
	context  string // what decides the findings besides the rules and the image
}

// scanCache returns the scanner's scan cache for ruleHash, nil when it has none: no history
// database, --no-cache, or an advisory database (whose findings change with the advisories
// and the clock). A trust store that cannot be read turns it off too.
func (s *Scanner) scanCache(ruleHash string) *scanCache {
	if s.store == nil || s.opts.NoCache || s.vulns != nil {
		return nil
	}
	trusted, err := s.w.Trusted()
	if err != nil {
		return nil
	}
	b, err := json.Marshal(trusted)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(b)
	return &scanCache{store: s.store, layers: s.store.LayerCache(ruleHash), ruleHash: ruleHash,
		context: "trusted " + hex.EncodeToString(sum[:])}
}

// known reports whether the layer cache holds every layer the image claims: only then can the
// scan cache hold the image, and only then are the blobs hashed before the scan starts (a
// first scan starts reading at once).
func (c *scanCache) known(ctx context.Context, img *forensics.Image) bool {
	if len(img.Layers) == 0 {
		return false
	}
	for _, l := range img.Layers {
		if !c.layers.Known(ctx, l.DiffID) {
			return false
		}
	}
	return true
}

// lookup returns the cached scan of img, nil when there is none.
func (c *scanCache) lookup(ctx context.Context, img *forensics.Image) *history.CachedScan {
	if !c.known(ctx, img) || img.HashBlobs(ctx, nil) != nil {
		return nil
	}
	cs, ok, err := c.store.CachedScan(ctx, history.ScanKey(img, c.ruleHash, c.context))
	if err != nil || !ok || len(cs.Layers) != len(img.Layers) {
		return nil
	}
	return cs
}

// keep caches a complete scan of img: its findings before any were set aside, redacted. Only
// a scan whose every layer was read whole, or served by the layer cache, and matched every
// digest claimed for it is kept; a failure to keep it only costs the next scan its time.
func (c *scanCache) keep(ctx context.Context, img *forensics.Image, res *audit.Result, findings []audit.Finding) {
	if len(res.Layers) != len(img.Layers) {
		return
	}
	cs := &history.CachedScan{Findings: findings, Base: res.Base, Files: res.Files, Scanned: res.Scanned}
	for i, lt := range res.Layers {
		if lt == nil || lt.DiffID == "" || lt.DiffID != img.Layers[i].DiffID || !verified(lt) {
			return
		}
		cs.Layers = append(cs.Layers, history.CachedScanLayer{UncompressedSize: lt.UncompressedSize, Files: len(lt.Entries),
			Anomalies: lt.Anomalies})
	}
	if !c.known(ctx, img) || img.HashBlobs(ctx, nil) != nil {
		return
	}
	_ = c.store.StoreScan(ctx, history.ScanKey(img, c.ruleHash, c.context), c.ruleHash, img, cs)
}

// verified reports whether a layer was read whole and matched its digests.
func verified(lt *forensics.LayerTree) bool {
	for _, a := range lt.Anomalies {
		switch a.Kind {
		case forensics.AnomalyDigestMismatch, forensics.AnomalyDiffIDMismatch, forensics.AnomalyTruncated:
			return false
		}
	}
	return true
}

// fromScanCache is the result a cached scan gives img, with the events a scan of cached
// layers sends: each layer finished from the cache, then the findings.
func fromScanCache(img *forensics.Image, name string, cs *history.CachedScan, sink Sink) *audit.Result {
	id := audit.ImageID{Input: img.Input.Path, ConfigDigest: img.ConfigDigest}
	findings := make([]audit.Finding, len(cs.Findings))
	for i, f := range cs.Findings {
		f.Image = id
		findings[i] = f
	}
	for i, l := range cs.Layers {
		img.Layers[i].UncompressedSize, img.Layers[i].Files = l.UncompressedSize, l.Files
		sink.emit(LayerFinished{Image: name, Layer: i, Bytes: l.UncompressedSize, Entries: l.Files, Cached: true})
	}
	if len(findings) > 0 {
		sink.emit(Found{Image: name, Findings: redactFindings(findings)})
	}
	return &audit.Result{Image: img, Base: cs.Base, Findings: findings, Files: cs.Files, Scanned: cs.Scanned,
		CachedLayers: len(img.Layers)}
}
