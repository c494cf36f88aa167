package audit

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/strata-forensics/strata/forensics"
)

// LayerCache lets a scan skip layers it has seen before. A layer is known by what its stored
// bytes hash to in this run (Layer.BlobSHA256), never by what a manifest or config claims: the
// cache serves a layer only when the same bytes were read whole before, under the rule set the
// cache was made for, and found to decompress to the diff_id the config now claims. The file
// index, content findings and kept files then come from the cache. audit/history implements it.
type LayerCache interface {
	// Known reports whether the cache may hold a layer whose config claims diffID, before its
	// blob is hashed: a layer it cannot hold is read at once, without waiting for the hash.
	Known(ctx context.Context, diffID string) bool
	// Lookup returns the layer's tree (entries in tar order, anomalies), its content findings
	// and the bytes of the files kept for FileKeepers and LayerState analyzers, keyed by path;
	// ok false means the layer is to be read. layer.BlobSHA256 is set. A scan asks for its
	// layers from several goroutines at once.
	Lookup(ctx context.Context, layer forensics.Layer) (tree *forensics.LayerTree, findings []Finding, kept map[string][]byte, ok bool)
	// Store records a layer the scan read, with its content findings and kept files. The
	// cache decides what it keeps; a layer whose digests did not match what was claimed, or
	// whose blob was not hashed, must not be kept.
	Store(ctx context.Context, layer forensics.Layer, tree *forensics.LayerTree, findings []Finding, kept map[string][]byte) error
}

// LayerState is a content analyzer that collects state from the files it is given (package
// databases, file sums) and can hand over, and take back, what it collected from one layer,
// so that a layer served by a LayerCache need not be read for it. The state must not depend on
// the layer's position: a layer is cached by its digests and may sit elsewhere in another
// image.
type LayerState interface {
	ContentAnalyzer
	// SaveLayer returns what the analyzer collected from layer during the read pass.
	SaveLayer(layer int) ([]byte, error)
	// RestoreLayer takes back a SaveLayer state as layer's, before or during the read pass of
	// the other layers. On error it has changed nothing.
	RestoreLayer(layer int, state []byte) error
}

// statelessContent names the content analyzers whose only output is the findings Content
// returns (audit/yara, audit/secrets, audit/webshell, audit/shell, audit/binary): a cached
// layer's findings stand for what they would find. They live in packages that import this one, hence names
// rather than types.
var statelessContent = map[string]bool{
	"yara": true, "secrets": true, "webshell": true, "shell": true, "binary": true,
}

// statePrefix starts the kept-file key under which a LayerState analyzer's state is cached;
// no path in a layer starts with a NUL.
const statePrefix = "\x00state/"

func stateKey(a Analyzer) string { return statePrefix + a.Name() }

// cacheable reports whether a scan with these content analyzers may take layers from a cache:
// each is stateless or can save and restore its per-layer state.
func cacheable(content []ContentAnalyzer) bool {
	for _, c := range content {
		if _, ok := c.(LayerState); !ok && !statelessContent[c.Name()] {
			return false
		}
	}
	return true
}

// layerCache is a scan's use of a LayerCache.
type layerCache struct {
	c      LayerCache
	states []LayerState
	// cached holds the trees the cache served, nil where the layer is read; read lists the
	// layers to read (empty, not nil, when none is).
	cached []*forensics.LayerTree
	read   []int
}

func newLayerCache(c LayerCache, content []ContentAnalyzer) *layerCache {
	lc := &layerCache{c: c}
	for _, a := range content {
		if s, ok := a.(LayerState); ok {
			lc.states = append(lc.states, s)
		}
	}
	return lc
}

// lookup asks the cache for every layer of img and restores what it serves: the LayerState
// analyzers' states, the kept files (into kept), the content findings and file counts it
// returns. A hit that lacks a state, or whose state does not restore, is read instead. Only the
// layers the cache may know have their blobs hashed first; the others are read at once.
func (lc *layerCache) lookup(ctx context.Context, img *forensics.Image, kept map[keptKey][]byte) (found []Finding, files, scanned int) {
	lc.cached = make([]*forensics.LayerTree, len(img.Layers))
	lc.read = []int{}
	var known []int
	for i, l := range img.Layers {
		if l.DiffID != "" && lc.c.Known(ctx, l.DiffID) {
			known = append(known, i)
		}
	}
	hashed := len(known) > 0 && img.HashBlobs(ctx, known) == nil
	// The cache's answers (each a layer's whole file index) are fetched in parallel; they
	// are restored in layer order below.
	hits := make([]cacheHit, len(img.Layers))
	if hashed {
		var wg sync.WaitGroup
		sem := make(chan struct{}, runtime.GOMAXPROCS(0))
		for i, l := range img.Layers {
			l.Index = i
			if l.BlobSHA256 == "" || !l.BlobAsClaimed() {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				h := &hits[i]
				h.tree, h.findings, h.kept, h.ok = lc.c.Lookup(ctx, l)
			}()
		}
		wg.Wait()
	}
	for i, l := range img.Layers {
		if !hashed || l.BlobSHA256 == "" || !l.BlobAsClaimed() {
			lc.read = append(lc.read, i)
			continue
		}
		tree, fs, k, ok := hits[i].tree, hits[i].findings, hits[i].kept, hits[i].ok
		if !ok || tree == nil || !lc.restore(i, k) {
			lc.read = append(lc.read, i)
			continue
		}
		tree.Index = i
		lc.cached[i] = tree
		for _, f := range fs {
			f.Layer = i
			if f.Rule == RuleNotScanned {
				scanned--
			}
			found = append(found, f)
		}
		for p, data := range k {
			if !strings.HasPrefix(p, statePrefix) {
				kept[keptKey{i, p}] = data
			}
		}
		// The read pass counts the regular files it visits: those it hashes.
		for j := range tree.Entries {
			if e := &tree.Entries[j]; e.Type == forensics.TypeFile && !e.Whiteout && !e.Opaque {
				files++
				scanned++
			}
		}
	}
	return found, files, scanned
}

// cacheHit is what LayerCache.Lookup answered for one layer.
type cacheHit struct {
	tree     *forensics.LayerTree
	findings []Finding
	kept     map[string][]byte
	ok       bool
}

// restore gives each LayerState analyzer its state of layer from k; it reports false when one
// is missing or fails, undoing nothing: the layer is then read, and reading a file again
// overwrites what the state held for it.
func (lc *layerCache) restore(layer int, k map[string][]byte) bool {
	for _, s := range lc.states {
		if _, ok := k[stateKey(s)]; !ok {
			return false
		}
	}
	for _, s := range lc.states {
		if err := s.RestoreLayer(layer, k[stateKey(s)]); err != nil {
			return false
		}
	}
	return true
}

// LayerIndexer is a LayerCache that can record a layer's file index alone, for a layer read
// without its analysis (Options.Vouched): the index stands for its diff_id whatever the
// rules, the analysis would not.
type LayerIndexer interface {
	LayerCache
	// Index records the index of layer as read (tree), under the same conditions as Store.
	Index(ctx context.Context, layer forensics.Layer, tree *forensics.LayerTree) error
}

// LayerStreamer is a LayerCache that can write a layer's file index while the layer is still
// being read, so that little is left to write when the read ends.
type LayerStreamer interface {
	LayerCache
	// BeginLayer starts writing the index of layer, which is about to be read or being read;
	// nil means the cache cannot now.
	BeginLayer(ctx context.Context, layer forensics.Layer) LayerWriter
}

// LayerWriter is the index of one layer being written as its reader passes its entries.
type LayerWriter interface {
	// Add writes the layer's entries as forensics.ReadOptions.Entries hands them over.
	Add(ctx context.Context, from int, entries []forensics.Entry)
	// Finish records the layer as LayerCache.Store does, with the tree as read: what Add
	// wrote stands only where it equals the tree.
	Finish(ctx context.Context, layer forensics.Layer, tree *forensics.LayerTree, findings []Finding, kept map[string][]byte) error
	// FinishIndex records the layer's index as LayerIndexer.Index does, with the tree as
	// read, and nothing of its analysis.
	FinishIndex(ctx context.Context, layer forensics.Layer, tree *forensics.LayerTree) error
	// Abort drops what Add wrote, the layer being stored no further.
	Abort()
}

// layerRead is a layer whose read is done, with its content findings and kept files.
type layerRead struct {
	layer  forensics.Layer
	tree   *forensics.LayerTree
	found  []Finding
	kept   map[string][]byte
	states bool // kept holds the LayerState analyzers' states
	// vouched marks a layer read for its tree only (Options.Vouched): its index is
	// recorded, not its analysis.
	vouched bool
}

// maxBufferedEntries bounds the entries a layerStore holds for the layers it may write while
// they are read (about 70 bytes each): past it, the layer that would pass it is stored once read.
const maxBufferedEntries = 1 << 17

// layerStore stores the layers a scan reads in its LayerCache, one at a time on a goroutine of
// its own, each as soon as its read is done. With a LayerStreamer, the last layer being read
// (once every other is stored) has its index written as its entries come: the layer a scan
// ends on is often the one with the most files, and its index would otherwise be written
// after every read is done, with one core idle. An image of one layer is not written so: its
// layer is read from the start of the scan, and a long one (a million files) would hold the
// database's write lock past what the writer allows and waste what it wrote.
type layerStore struct {
	lc   *layerCache
	msgs chan storeMsg
	wg   sync.WaitGroup
	// unwanted marks the layers whose entries the writer no longer wants as they are read.
	unwanted []atomic.Bool
	streams  bool // the cache is a LayerStreamer and more than one layer is read
}

// storeMsg is a batch of a layer's entries, or, when read is set, the end of its read.
type storeMsg struct {
	layer   int
	from    int
	entries []forensics.Entry
	read    *layerRead
}

// startStoring starts storing the layers of img that are to be read (read).
func (lc *layerCache) startStoring(ctx context.Context, img *forensics.Image, read []int) *layerStore {
	_, streamer := lc.c.(LayerStreamer)
	st := &layerStore{lc: lc, msgs: make(chan storeMsg, 64), unwanted: make([]atomic.Bool, len(img.Layers)), streams: streamer && len(read) > 1}
	st.wg.Add(1)
	// The layers as claimed, copied before the read sets their sizes.
	claimed := slices.Clone(img.Layers)
	go func() {
		defer st.wg.Done()
		st.run(ctx, claimed, read)
	}()
	return st
}

// entries returns the forensics.ReadOptions.Entries function that feeds st, or nil when the
// cache cannot write an index while it is read.
func (st *layerStore) entries() func(*forensics.LayerTree, int, []forensics.Entry) bool {
	if !st.streams {
		return nil
	}
	return func(t *forensics.LayerTree, from int, entries []forensics.Entry) bool {
		if st.unwanted[t.Index].Load() {
			return false
		}
		st.msgs <- storeMsg{layer: t.Index, from: from, entries: entries}
		return true
	}
}

// done hands over a layer whose read is done.
func (st *layerStore) done(l *layerRead) { st.msgs <- storeMsg{layer: l.tree.Index, read: l} }

// finish waits for every layer handed over to be stored.
func (st *layerStore) finish() {
	close(st.msgs)
	st.wg.Wait()
}

func (st *layerStore) run(ctx context.Context, claimed []forensics.Layer, read []int) {
	var streamer LayerStreamer
	if st.streams {
		streamer = st.lc.c.(LayerStreamer)
	}
	left := map[int]bool{} // the layers whose read is not done
	for _, i := range read {
		left[i] = true
	}
	held := map[int][][]forensics.Entry{} // the batches so far of layers that may be written as read
	nHeld := 0
	tried := map[int]bool{} // layers not to be written as read: tried, or too many entries held
	var w LayerWriter
	wi := -1
	var waiting []*layerRead // done while w was being written
	release := func(i int) {
		for _, b := range held[i] {
			nHeld -= len(b)
		}
		delete(held, i)
	}
	drop := func(i int) {
		st.unwanted[i].Store(true)
		release(i)
	}
	for m := range st.msgs {
		switch {
		case m.read == nil && w != nil && m.layer == wi:
			w.Add(ctx, m.from, m.entries)
		case m.read == nil:
			if streamer == nil || tried[m.layer] || !left[m.layer] {
				break
			}
			if nHeld+len(m.entries) > maxBufferedEntries {
				tried[m.layer] = true
				drop(m.layer)
				break
			}
			held[m.layer] = append(held[m.layer], m.entries)
			nHeld += len(m.entries)
		default:
			delete(left, m.layer)
			drop(m.layer)
			switch {
			case w != nil && m.layer == wi:
				st.lc.storeLayer(ctx, m.read, w)
				w, wi = nil, -1
				for _, l := range waiting {
					st.lc.storeLayer(ctx, l, nil)
				}
				waiting = nil
			case w != nil:
				waiting = append(waiting, m.read)
			default:
				st.lc.storeLayer(ctx, m.read, nil)
			}
		}
		if streamer != nil && w == nil && len(left) == 1 {
			for i := range left {
				if tried[i] {
					break
				}
				tried[i] = true
				l := claimed[i]
				l.Index = i
				if w = streamer.BeginLayer(ctx, l); w == nil {
					drop(i)
					break
				}
				wi = i
				from := 0
				for _, b := range held[i] {
					w.Add(ctx, from, b)
					from += len(b)
				}
				release(i)
			}
		}
	}
	// The read ended without the layer's end (it failed): nothing of it is stored.
	if w != nil {
		w.Abort()
	}
	for _, l := range waiting {
		st.lc.storeLayer(ctx, l, nil)
	}
}

// saveStates puts the LayerState analyzers' states of r's layer into r.kept, as its read ends
// (tree analyzers may change them later), and sets r.states when they all were.
func (lc *layerCache) saveStates(r *layerRead) {
	for _, s := range lc.states {
		state, err := s.SaveLayer(r.tree.Index)
		if err != nil {
			return
		}
		if state == nil {
			state = []byte{}
		}
		r.kept[stateKey(s)] = state
	}
	r.states = true
}

// storeLayer gives the cache the layer r as this scan read it, with its content findings, kept
// files and analyzer states (saveStates), as soon as its read is done, through w when its
// index is being written already; its blob must have been hashed (see
// forensics.Image.HashBlobs). A layer the cache fails to store only costs a later read, so
// store errors are dropped.
func (lc *layerCache) storeLayer(ctx context.Context, r *layerRead, w LayerWriter) {
	l, tree, found, kept := r.layer, r.tree, r.found, r.kept
	i := tree.Index
	if r.vouched && ctx.Err() == nil && l.BlobSHA256 != "" {
		l.Index = i
		if w != nil {
			_ = w.FinishIndex(ctx, l, tree)
		} else if ix, ok := lc.c.(LayerIndexer); ok {
			_ = ix.Index(ctx, l, tree)
		}
		return
	}
	if ctx.Err() != nil || l.BlobSHA256 == "" || !r.states || r.vouched {
		if w != nil {
			w.Abort()
		}
		return
	}
	l.Index = i
	if w != nil {
		_ = w.Finish(ctx, l, tree, found, kept)
		return
	}
	_ = lc.c.Store(ctx, l, tree, found, kept)
}

// served puts the trees the cache served into layers and returns how many there are.
func (lc *layerCache) served(img *forensics.Image, layers []*forensics.LayerTree) int {
	n := 0
	for i, t := range lc.cached {
		if t != nil {
			layers[i] = t
			img.Layers[i].UncompressedSize, img.Layers[i].Files = t.UncompressedSize, len(t.Entries)
			n++
		}
	}
	return n
}
