package casework

import (
	"container/list"
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// runCache keeps, for the rest of an audit, what the history database's layer cache served:
// an audit serves the same base layers to hundreds of images, and reading a layer's file index
// back from the database costs about what reading a small layer does. It answers only what the
// database answered in this run, for the same blob sum and diff_id (the database's own key:
// the blob was read whole and verified to decompress to that diff_id), so it trusts nothing
// the database would not. Each answer is a copy: scans change the trees they are given.
//
// It keeps at most limit bytes (estimated), dropping the layers least recently served.
type runCache struct {
	mu    sync.Mutex
	limit int64
	size  int64
	byKey map[runCacheKey]*list.Element
	lru   *list.List // of *runCacheEntry, most recently served first
}

type runCacheKey struct{ blob, diffID string }

type runCacheEntry struct {
	key      runCacheKey
	tree     *forensics.LayerTree
	findings []audit.Finding
	kept     map[string][]byte
	size     int64
}

func newRunCache(limit int64) *runCache {
	return &runCache{limit: limit, byKey: map[runCacheKey]*list.Element{}, lru: list.New()}
}

// view returns c in front of the database's cache of one scan; stored, when set, is told the
// blob of each layer the scan has given the database to keep, once the database is done with
// it (kept or not: either way the scan has read it).
func (c *runCache) view(db audit.LayerCache, stored func(blob string)) audit.LayerCache {
	return &runCacheView{c: c, db: db, stored: stored}
}

// runCacheView is a runCache in front of one scan's database cache.
type runCacheView struct {
	c      *runCache
	db     audit.LayerCache
	stored func(blob string)
}

// Known implements audit.LayerCache.
func (v *runCacheView) Known(ctx context.Context, diffID string) bool { return v.db.Known(ctx, diffID) }

// Lookup implements audit.LayerCache: from memory when the database served the same blob and
// diff_id in this run, else from the database, remembered.
func (v *runCacheView) Lookup(ctx context.Context, layer forensics.Layer) (*forensics.LayerTree, []audit.Finding, map[string][]byte, bool) {
	k := runCacheKey{layer.BlobSHA256, layer.DiffID}
	if k.blob != "" && k.diffID != "" && layer.BlobAsClaimed() {
		if tree, fs, kept, ok := v.c.get(k, layer.Index); ok {
			return tree, fs, kept, true
		}
	}
	tree, fs, kept, ok := v.db.Lookup(ctx, layer)
	if ok && k.blob != "" && k.diffID != "" {
		v.c.put(k, tree, fs, kept)
	}
	return tree, fs, kept, ok
}

// Store implements audit.LayerCache: the database decides what it keeps.
func (v *runCacheView) Store(ctx context.Context, layer forensics.Layer, tree *forensics.LayerTree, findings []audit.Finding, kept map[string][]byte) error {
	err := v.db.Store(ctx, layer, tree, findings, kept)
	if v.stored != nil && layer.BlobSHA256 != "" {
		v.stored(layer.BlobSHA256)
	}
	return err
}

// entrySize is about what an entry of a file index takes in memory, strings included.
const entrySize = 320

func (c *runCache) put(k runCacheKey, tree *forensics.LayerTree, fs []audit.Finding, kept map[string][]byte) {
	e := &runCacheEntry{key: k, tree: copyTree(tree, tree.Index), findings: slices.Clone(fs), kept: maps.Clone(kept)}
	e.size = int64(len(tree.Entries))*entrySize + int64(len(fs))*512
	for p, b := range kept {
		e.size += int64(len(p) + len(b))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.size > c.limit {
		return
	}
	if old, ok := c.byKey[k]; ok {
		c.size -= old.Value.(*runCacheEntry).size
		c.lru.Remove(old)
	}
	c.byKey[k] = c.lru.PushFront(e)
	c.size += e.size
	for c.size > c.limit {
		last := c.lru.Back()
		old := last.Value.(*runCacheEntry)
		c.lru.Remove(last)
		delete(c.byKey, old.key)
		c.size -= old.size
	}
}

func (c *runCache) get(k runCacheKey, index int) (*forensics.LayerTree, []audit.Finding, map[string][]byte, bool) {
	c.mu.Lock()
	el, ok := c.byKey[k]
	if ok {
		c.lru.MoveToFront(el)
	}
	c.mu.Unlock()
	if !ok {
		return nil, nil, nil, false
	}
	e := el.Value.(*runCacheEntry)
	fs := slices.Clone(e.findings)
	for i := range fs {
		fs[i].Layer = index
	}
	// The kept files' bytes are only read by the analyzers that restore them.
	return copyTree(e.tree, index), fs, maps.Clone(e.kept), true
}

// copyTree copies a layer tree for a scan that puts it at index: the entries (stacking gives
// hard links their target's content) and anomalies are the scan's own.
func copyTree(t *forensics.LayerTree, index int) *forensics.LayerTree {
	out := &forensics.LayerTree{Index: index, Entries: slices.Clone(t.Entries), Anomalies: slices.Clone(t.Anomalies),
		UncompressedSize: t.UncompressedSize, DiffID: t.DiffID}
	for i := range out.Anomalies {
		out.Anomalies[i].Layer = index
	}
	return out
}
