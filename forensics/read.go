package forensics

import (
	"archive/tar"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/strata-forensics/strata/forensics/internal/load"
	"github.com/strata-forensics/strata/forensics/internal/sha256x"
)

// LayerTree is one layer's entries as read from its tar, in tar order.
type LayerTree struct {
	Index            int
	Entries          []Entry
	Anomalies        []Anomaly
	UncompressedSize int64
	// DiffID is the sha256 of the uncompressed stream as read ("sha256:<hex>"), "" when the
	// stream broke off or has no digest (a root filesystem).
	DiffID string
	// Changes classifies each entry against the layers below; filled in by Stack.
	Changes []Change

	anomalyCount map[string]int       // per kind, while anomalies are being added (see addAnomaly)
	digests      map[[32]byte]*string // while the layer is read: one string per distinct content
	attrs        AttrTable            // while the layer is read: the entries' shared attributes
	stacking     bool                 // while Stack applies the layer: its anomalies are marked fromStack
}

// FileVisitor receives every regular file of every layer once, after it has been hashed.
// data holds the file's bytes when its size is within ReadOptions.ContentCap, else nil.
// It is called from several goroutines at once (one per layer being read) and must not keep
// data after it returns.
type FileVisitor func(layer int, e *Entry, data []byte)

// FileStreamer is offered each regular file too big to be handed to Visit, before its bytes
// are read. A non-nil writer gets the file's bytes as they are hashed, in order, and is closed
// after the last one; it is not closed when the file cannot be read to its end. A Write error
// only stops the bytes going to that writer. Like FileVisitor, it is called from several
// goroutines at once; e.SHA256() is not yet known.
type FileStreamer func(layer int, e *Entry) io.WriteCloser

// ReadOptions control ReadLayers.
type ReadOptions struct {
	// Workers bounds how many layers are read at once, and how many goroutines visit files
	// (those with no layer to read help with the others'); 0 means DefaultWorkers.
	Workers int
	// Visit, when set, is given each regular file's bytes (up to ContentCap).
	Visit      FileVisitor
	ContentCap int64
	// Content, when set, says which files within ContentCap Visit is given the bytes of; the
	// others are hashed as they stream by and visited with nil, as files over it are.
	Content func(layer int, e *Entry) bool
	// Stream, when set, is offered the files over ContentCap (or all, without Visit), so
	// that they can be looked at in the same pass rather than read again.
	Stream FileStreamer
	// Done, when set, is given each layer read whole (every file visited), on the reader's
	// goroutine, while others may still be read; the tree is final and must not be changed.
	// The image's Layer entry for it is final too (sizes, file count, the diff_id read).
	Done func(*LayerTree)
	// Entries, when set, is given copies of a layer's entries as its reader passes them, a
	// batch of EntryBatch at a time, from the reader's goroutine (be quick): from is the
	// position of entries[0] in the layer. It lets a consumer start on a long layer's index
	// before its read ends. The batches are provisional: a later entry of the same path and
	// kind replaces an earlier one in the tree Done is given (AnomalyDuplicateEntry), and a
	// layer whose read fails holds what it held; only the tree is final. It returns whether
	// it wants the layer's next batches.
	Entries func(t *LayerTree, from int, entries []Entry) bool
	// Layers restricts reading to these layer indexes; nil reads all.
	Layers []int
	// Limits bound the cost of hostile layers; the zero value means the defaults.
	Limits Limits

	budget     *budget  // shared by the layers of one ReadLayers call
	helpers    *helpers // the workers of one ReadLayers call that have no layer left
	storedSize int64    // of the layer being read, 0 when unknown

	// progress is the image's OnRead function, if any.
	progress func(LayerProgress)
}

// LayerProgress is how far the read of one layer has got.
type LayerProgress struct {
	Layer int
	// Bytes is how much of the layer's uncompressed tar stream has been read.
	Bytes int64
	// Entries is how many tar entries have been read.
	Entries int
	// Done is set in the last report of a layer read to its end; Bytes is then its size.
	Done bool
}

// progressEvery is how many bytes of a layer's stream pass between two reports.
const progressEvery = 1 << 20

// OnRead has every later ReadLayers of the image (whoever calls it: a scan, a comparison, a
// package inventory) report each layer's progress to fn: when the layer starts (Bytes 0),
// about every MiB of its stream, and when it is done. fn is called from the goroutines that
// read the layers and must be quick. nil stops the reports.
func (img *Image) OnRead(fn func(LayerProgress)) {
	if fn == nil {
		img.progress.Store(nil)
		return
	}
	img.progress.Store(&fn)
}

// ReadLayers reads every layer once, as a stream, in parallel, and returns one LayerTree per
// layer (nil for layers not asked for). Digest mismatches and hostile entries are recorded as
// anomalies on the layer, not returned as errors; an error means a layer could not be read at all.
func (img *Image) ReadLayers(ctx context.Context, opts ReadOptions) ([]*LayerTree, error) {
	if img.src == nil {
		return nil, errors.New("reading layers: image is closed")
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = DefaultWorkers()
	}
	want := opts.Layers
	if want == nil {
		want = make([]int, len(img.Layers))
		for i := range want {
			want[i] = i
		}
	}
	for _, i := range want {
		if i < 0 || i >= len(img.Layers) {
			return nil, fmt.Errorf("reading layers: no layer %d (the image has %d)", i, len(img.Layers))
		}
	}
	if fn := img.progress.Load(); fn != nil {
		opts.progress = *fn
	}
	order := schedule(img.Layers, want)
	// Every layer is decompressed ahead of its reader on a goroutine of its own, where there
	// is a core to overlap with. With a layer per reader (DefaultWorkers) that was measured
	// cheaper than decompressing on the reader's goroutine, even when the layers read side by
	// side would fill every core: on the real five-layer Debian image on two cores, a full
	// scan 1.35-1.41 -> 1.32-1.34x the floor, alternated.
	ahead := runtime.GOMAXPROCS(0) > 1
	trees := make([]*LayerTree, len(img.Layers))
	errs := make([]error, len(img.Layers))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts.budget = &budget{Limits: opts.Limits.withDefaults(), big: make(chan struct{}, runtime.GOMAXPROCS(0))}
	jobs := make(chan int)
	var wg sync.WaitGroup
	readers := min(workers, len(want))
	if workers > 1 && readers > 0 && opts.Visit != nil {
		opts.helpers = newHelpers(readers, workers)
		for range workers - readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				opts.helpers.help()
			}()
		}
	}
	for w := 0; w < readers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for i := range jobs {
				t, err := img.readLayer(ctx, i, ahead, opts, buf)
				trees[i], errs[i] = t, err
				if err != nil {
					cancel()
					continue
				}
				img.Layers[i].UncompressedSize = t.UncompressedSize
				img.Layers[i].Files = len(t.Entries)
				img.Layers[i].ReadDiffID, img.Layers[i].read = t.DiffID, true
				if opts.Done != nil && ctx.Err() == nil {
					opts.Done(t)
				}
			}
			if opts.helpers != nil {
				opts.helpers.serve()
			}
		}()
	}
	for _, i := range order {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("reading layer %d (%s): %w", i, img.Layers[i].Digest, err)
		}
	}
	if err := ctx.Err(); err != nil && len(want) > 0 {
		return nil, err
	}
	// A root filesystem directory is read through a generated tar; what could not go into it
	// (unreadable files, sockets) is reported by the loader.
	for _, a := range img.src.LayerAnomalies() {
		if trees[0] != nil {
			trees[0].Anomalies = append(trees[0].Anomalies, Anomaly{Kind: a.Kind, Layer: 0, Detail: a.Detail})
		}
	}
	return trees, nil
}

// DefaultWorkers is how many layers ReadLayers reads at once unless told: twice GOMAXPROCS, at
// most four more than it. A reader stalls now and then (on the goroutine that analyzes a big
// file beside it, on the package collector's md5 lanes, on its read-ahead), and with a reader
// per core the core waits with it; a reader more per core fills those gaps and starts every
// layer of a typical image at once, so that no core is left alone with the biggest layer's
// tail. On the real five-layer Debian image of the benchmarks, on two cores: a full scan about
// 6% faster with 4% less CPU, for about 40 MB more peak RSS (each reader holds a buffer of up
// to maxPooledBuffer; files over it take turns, one per core: see visitor.buffer).
func DefaultWorkers() int {
	procs := runtime.GOMAXPROCS(0)
	return procs + min(procs, 4)
}

// countingReader is the uncompressed layer stream as the tar reader sees it. It counts the
// bytes and fails with errExpansion past limit. While tap is set, the bytes read are also
// written to it. While skipInto is set, it can Seek forward, by reading the bytes skipped into
// skipInto: the tar reader seeks over the rest of a file it is done with, which is how the
// data of a sparse file too big to read through its holes reaches its regionSink.
type countingReader struct {
	r        io.Reader
	n        int64
	limit    int64
	tap      io.Writer
	skipInto io.Writer
	last     bool // the byte after a skip belongs to the skipped file too (tar's discard reads it)
	reported int64
	report   func(n int64) // when set, called about every progressEvery bytes
}

// errExpansion stops a layer that decompresses to more than Limits allow.
var errExpansion = errors.New("the layer expands past the decompression limit")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		return 0, errExpansion
	}
	if rest := c.limit - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	if c.last && len(p) > 1 {
		p = p[:1]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.report != nil && c.n-c.reported >= progressEvery {
		c.reported = c.n
		c.report(c.n)
	}
	if n > 0 {
		switch {
		case c.tap != nil:
			c.tap.Write(p[:n])
		case c.last:
			c.skipInto.Write(p[:n])
			c.last, c.skipInto = false, nil
		}
	}
	return n, err
}

// errNoSeek tells the tar reader to read what it skips.
var errNoSeek = errors.New("not seekable")

// Seek skips forward from the current position (the only seek the tar reader makes) when
// skipInto is set, reading the skipped bytes into it.
func (c *countingReader) Seek(offset int64, whence int) (int64, error) {
	if c.skipInto == nil || whence != io.SeekCurrent || offset < 0 {
		return -1, errNoSeek
	}
	if offset == 0 {
		return c.n, nil
	}
	tap := c.tap
	c.tap = c.skipInto
	_, err := io.CopyN(io.Discard, c, offset)
	c.tap = tap
	if err != nil {
		c.skipInto = nil
		return -1, err
	}
	// tar's discard seeks to the last byte of what it skips and then reads that byte.
	c.last = true
	return c.n, nil
}

func (img *Image) readLayer(ctx context.Context, i int, ahead bool, opts ReadOptions, buf []byte) (*LayerTree, error) {
	rc, err := img.src.OpenLayer(ctx, i, ahead)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	opts.storedSize = img.Layers[i].Size
	return walkLayer(ctx, rc, i, opts, buf)
}

// schedule orders the layers to read biggest first, so that the small ones fill in around the
// big ones.
func schedule(layers []Layer, want []int) []int {
	order := slices.Clone(want)
	sort.SliceStable(order, func(a, b int) bool { return layers[order[a]].Size > layers[order[b]].Size })
	return order
}

// Limits bound what a hostile layer can make a read cost. A layer that reaches one is read no
// further: an anomaly says so, and its digests are not checked. Zero fields mean the defaults,
// which are far above what real images need (about 100,000 files and 10:1 compression).
type Limits struct {
	// MaxEntries is the most tar entries read over all the image's layers, counted with the
	// directories their paths imply but no entry lists (each becomes a node of the tree).
	MaxEntries int64
	// MaxImpliedDirs is the most directories, over all the image's layers, that entries'
	// paths imply and no entry lists. Real layers list nearly all of theirs; a layer of a few
	// thousand entries, each under a fresh chain of two thousand directories, implies
	// millions, and each costs a node of the tree and time to place.
	MaxImpliedDirs int64
	// MaxRatio is the most uncompressed bytes a layer may hold per stored byte, once it holds
	// more than MinExpansion bytes.
	MaxRatio     int64
	MinExpansion int64
	// SparseHashLimit is the most logical bytes of sparse files that are hashed, over all the
	// image's layers: their holes have to be hashed as zeros. Sparse files past it are not
	// hashed (an anomaly says so); their data regions are still handed to Visit or Stream. A
	// budget for the whole read, not per file, so that a thousand sparse files of the limit
	// each cannot cost hours of hashing zeros.
	SparseHashLimit int64
}

// Default limits.
const (
	DefaultMaxEntries      = 4_000_000
	DefaultMaxImpliedDirs  = 1 << 18
	DefaultMaxRatio        = 2000
	DefaultMinExpansion    = 4 << 30
	DefaultSparseHashLimit = 16 << 30
)

func (l Limits) withDefaults() Limits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxImpliedDirs <= 0 {
		l.MaxImpliedDirs = DefaultMaxImpliedDirs
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.MinExpansion <= 0 {
		l.MinExpansion = DefaultMinExpansion
	}
	if l.SparseHashLimit <= 0 {
		l.SparseHashLimit = DefaultSparseHashLimit
	}
	return l
}

// budget is what the layers of one ReadLayers call share of the limits.
type budget struct {
	Limits
	entries atomic.Int64
	implied atomic.Int64  // directories implied by entries' paths, not listed (see dirSet)
	sparse  atomic.Int64  // logical bytes of sparse files hashed
	big     chan struct{} // the slots for files over maxPooledBuffer held at once (see visitor.buffer)
}

// maxAnomaliesPerKind bounds how many anomalies of one kind a layer lists; the rest are counted
// in one more. A layer of a million broken links must not become a million lines.
const maxAnomaliesPerKind = 100

// addAnomaly records a, unless the layer already lists maxAnomaliesPerKind of its kind.
func (t *LayerTree) addAnomaly(a Anomaly) {
	a.fromStack = t.stacking
	if t.anomalyCount == nil {
		t.anomalyCount = map[string]int{}
	}
	n := t.anomalyCount[a.Kind]
	t.anomalyCount[a.Kind] = n + 1
	if n < maxAnomaliesPerKind {
		t.Anomalies = append(t.Anomalies, a)
	}
}

// anomalyf records an anomaly whose detail is formatted only when it is listed: a layer of a
// million broken links formats a hundred details, not a million.
func (t *LayerTree) anomalyf(kind, path, format string, args ...any) {
	if t.anomalyCount[kind] >= maxAnomaliesPerKind {
		t.anomalyCount[kind]++
		return
	}
	t.addAnomaly(Anomaly{Kind: kind, Layer: t.Index, Path: path, Detail: fmt.Sprintf(format, args...)})
}

// countUnlisted adds one anomaly per kind that went over maxAnomaliesPerKind, saying how many
// more there were, and resets the counts.
func (t *LayerTree) countUnlisted() {
	kinds := make([]string, 0, len(t.anomalyCount))
	for k, n := range t.anomalyCount {
		if n > maxAnomaliesPerKind {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Anomalies = append(t.Anomalies, Anomaly{Kind: k, Layer: t.Index, fromStack: t.stacking,
			Detail: fmt.Sprintf("%d more %s anomalies in layer %d are not listed", t.anomalyCount[k]-maxAnomaliesPerKind, k, t.Index)})
	}
	t.anomalyCount = nil
}

// walkLayer reads one layer's tar stream to its end, recording entries, hashes and anomalies.
// A panic while parsing is recovered and recorded as the layer being corrupt: what was read
// before it is kept.
func walkLayer(ctx context.Context, r io.Reader, i int, opts ReadOptions, buf []byte) (t *LayerTree, err error) {
	t = &LayerTree{Index: i}
	defer func() {
		if v := recover(); v != nil {
			t.addAnomaly(Anomaly{Kind: AnomalyTruncated, Layer: i,
				Detail: fmt.Sprintf("reading layer %d stopped after %d entries: the tar parser failed: %v", i, len(t.Entries), v)})
			t.countUnlisted()
			err = nil
		}
	}()
	err = readEntries(ctx, r, t, opts, buf)
	t.countUnlisted()
	if err != nil {
		return nil, err
	}
	return t, nil
}

// collectBeforeFlatten is how many entries a layer must hold for its read to end with a
// collection before the entries are laid out in one slice, and one after. Laying them out
// holds them twice for a moment; a collection that fell in that moment (the big allocation is
// what starts one) would set the heap's next goal at twice that, for the rest of the process:
// a million-file layer then peaked about 90 MB higher. Collected just before, the read's
// garbage is gone and the slice fits under the goal; collected just after, the chunks it was
// copied from are gone too before the tree is built on top of it (an unrecorded scan of a
// million files then peaked some 10 MB lower). Two collections cost far less than reading
// the quarter of a million entries that call for them.
const collectBeforeFlatten = 1 << 18

func readEntries(ctx context.Context, r io.Reader, t *LayerTree, opts ReadOptions, buf []byte) error {
	i := t.Index
	lim := opts.budget
	if lim == nil {
		lim = &budget{Limits: opts.Limits.withDefaults()}
	}
	// A stream that hashes itself can hash each file's content in the same pass.
	ch, _ := r.(load.ContentHasher)
	sd, _ := r.(load.StreamDigester)
	maxBytes := int64(math.MaxInt64)
	if opts.storedSize > 0 && opts.storedSize < math.MaxInt64/lim.MaxRatio {
		maxBytes = max(opts.storedSize*lim.MaxRatio, lim.MinExpansion)
	}
	cr := &countingReader{r: r, limit: maxBytes}
	defer func() { t.UncompressedSize, t.digests, t.attrs = cr.n, nil, AttrTable{} }()
	// Entries are gathered in chunks and laid out once, at the end, however the read ends (a
	// recovered panic included): a growing slice would copy itself over and over, and hold
	// its old and new copies at once, which for a million entries is hundreds of MB.
	var entries entryChunks
	defer func() {
		big := entries.len() >= collectBeforeFlatten
		if big {
			runtime.GC()
		}
		t.Entries = entries.flatten()
		if big {
			runtime.GC()
		}
	}()
	if opts.progress != nil {
		cr.report = func(n int64) { opts.progress(LayerProgress{Layer: i, Bytes: n, Entries: entries.len()}) }
		opts.progress(LayerProgress{Layer: i})
	}
	seen := newEntrySet()
	implied := dirSet{}
	wantEntries := opts.Entries != nil
	tr := tar.NewReader(cr)
	h := sha256x.New()
	var vis *visitor
	if opts.Visit != nil {
		vis = newVisitor(i, opts.Visit, len(buf), opts.helpers, lim.big)
		defer vis.close()
	}
	// A sparse file too big to hash: its data regions are read by the next tr.Next.
	var pending *sparseFile
	finishPending := func() {
		cr.skipInto, cr.last = nil, false
		if pending != nil {
			pending.finish(vis)
			pending = nil
		}
	}
	defer finishPending()
	stopped := func(what string) {
		t.addAnomaly(Anomaly{Kind: AnomalyLimit, Layer: i,
			Detail: fmt.Sprintf("layer %d was read no further after %d entries: %s; the rest of it and its digests were not checked", i, entries.len(), what)})
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		finishPending()
		if err == io.EOF {
			break
		}
		if err == nil && lim.entries.Add(1) > lim.MaxEntries {
			stopped(fmt.Sprintf("the image holds more than %d entries", lim.MaxEntries))
			return nil
		}
		if err != nil {
			if errors.Is(err, errExpansion) {
				stopped(fmt.Sprintf("it expands to more than %d bytes (%d per stored byte)", maxBytes, lim.MaxRatio))
				return nil
			}
			if !recordDigestError(err, t) {
				t.addAnomaly(Anomaly{Kind: AnomalyTruncated, Layer: i,
					Detail: fmt.Sprintf("the layer's tar stream ends early or is corrupt after %d entries: %v", entries.len(), err)})
			}
			break
		}
		e, ok := entryFromHeader(hdr, i, t)
		if !ok {
			continue
		}
		if n := implied.add(e.Path, e.Type == TypeDir); n > 0 {
			if lim.implied.Add(n) > lim.MaxImpliedDirs {
				stopped(fmt.Sprintf("its paths imply more than %d directories that no entry lists", lim.MaxImpliedDirs))
				return nil
			}
			if lim.entries.Add(n) > lim.MaxEntries {
				stopped(fmt.Sprintf("the image holds more than %d entries and directories their paths imply", lim.MaxEntries))
				return nil
			}
		}
		prev := seen.find(&entries, &e)
		if e.Type == TypeFile && !e.Whiteout && !e.Opaque {
			if prev >= 0 && vis != nil {
				vis.settle()
			}
			sf, err := hashContent(tr, cr, hdr, &e, h, ch, vis, buf, opts, lim, i, t)
			if err != nil {
				entries.add(e)
				if errors.Is(err, errExpansion) {
					stopped(fmt.Sprintf("it expands to more than %d bytes (%d per stored byte)", maxBytes, lim.MaxRatio))
					return nil
				}
				if !recordDigestError(err, t) {
					t.addAnomaly(Anomaly{Kind: AnomalyTruncated, Layer: i, Path: e.Path,
						Detail: fmt.Sprintf("reading %s: %v", e.Path, err)})
				}
				break
			}
			pending = sf
		}
		// A directory and its opaque marker share a path, as a file and a whiteout of it may
		// (an odd but harmless pair); only a second entry of the same kind is a duplicate.
		if prev >= 0 {
			t.anomalyf(AnomalyDuplicateEntry, e.Path, "%s appears more than once in the layer; the last one wins", e.Path)
			*entries.at(prev) = e
			continue
		}
		seen.add(&entries, &e, entries.len())
		entries.add(e)
		if wantEntries && entries.len()%EntryBatch == 0 {
			wantEntries = opts.Entries(t, entries.len()-EntryBatch, entries.copyRange(entries.len()-EntryBatch, entries.len()))
		}
	}
	finishPending()
	if vis != nil {
		vis.close()
		if vis.failed != "" {
			t.addAnomaly(Anomaly{Kind: AnomalyBadEntry, Layer: i, Detail: "a file of the layer could not be analyzed: " + vis.failed})
		}
	}
	// Read to EOF: the blob digest and diff_id are only checked once the whole stream is seen,
	// and tar readers stop at the end-of-archive marker before the padding.
	if _, err := io.CopyBuffer(io.Discard, cr, buf); err != nil {
		switch {
		case errors.Is(err, errExpansion):
			stopped(fmt.Sprintf("it expands to more than %d bytes (%d per stored byte)", maxBytes, lim.MaxRatio))
		case !recordDigestError(err, t):
			t.addAnomaly(Anomaly{Kind: AnomalyTruncated, Layer: i,
				Detail: fmt.Sprintf("reading the rest of the layer stream: %v", err)})
		}
	}
	t.UncompressedSize = cr.n
	if sd != nil {
		t.DiffID = sd.StreamDigest()
	}
	if opts.progress != nil {
		opts.progress(LayerProgress{Layer: i, Bytes: cr.n, Entries: entries.len(), Done: true})
	}
	return nil
}

// dirSet holds the directories a layer lists or its entries' paths imply. Stacking makes a node
// for every implied directory: they count against MaxImpliedDirs, and MaxEntries as entries do.
type dirSet map[string]struct{}

// add records the directories that p (a clean path) lies below, and p itself when it is a
// directory, and returns how many of its parents were neither listed nor implied before.
func (s dirSet) add(p string, dir bool) int64 {
	if dir {
		s[p] = struct{}{}
	}
	var n int64
	for {
		j := strings.LastIndexByte(p, '/')
		if j <= 0 {
			return n
		}
		p = p[:j]
		if _, ok := s[p]; ok {
			return n
		}
		s[p] = struct{}{}
		n++
	}
}

// setDigest sets e's digest to the one h holds, shared with the layer's other entries of the
// same content (up to maxDigestNames distinct ones: a hostile layer's million identical files
// then hold one 64-byte hex string).
func (t *LayerTree) setDigest(e *Entry, h *sha256x.Digest) {
	sum := h.Sum256()
	if p, ok := t.digests[sum]; ok {
		e.sha = p
		return
	}
	p := new(string)
	*p = hex.EncodeToString(sum[:])
	if t.digests == nil {
		t.digests = make(map[[32]byte]*string)
	}
	if len(t.digests) < maxDigestNames {
		t.digests[sum] = p
	}
	e.sha = p
}

// recordDigestError records a digest or diff_id mismatch as an anomaly and reports whether err
// was one.
func recordDigestError(err error, t *LayerTree) bool {
	var de *load.DigestError
	if !errors.As(err, &de) {
		return false
	}
	kind := AnomalyDigestMismatch
	if de.Kind == "diff_id" {
		kind = AnomalyDiffIDMismatch
	}
	t.addAnomaly(Anomaly{Kind: kind, Layer: t.Index,
		Detail: fmt.Sprintf("layer %d content does not match its %s: want %s, got %s", t.Index, de.Kind, de.Want, de.Got)})
	return true
}

// hashContent hashes a regular file and hands it to the visitor or the streamer. A sparse file
// too big to hash is returned, to be finished once the next tr.Next has read its data.
func hashContent(tr *tar.Reader, cr *countingReader, hdr *tar.Header, e *Entry, h *sha256x.Digest, ch load.ContentHasher, vis *visitor, buf []byte, opts ReadOptions, lim *budget, layer int, t *LayerTree) (*sparseFile, error) {
	if isSparse(hdr) {
		return hashSparse(tr, cr, hdr, e, h, vis, buf, opts, lim, layer, t)
	}
	h.Reset()
	var hw io.Writer = h
	if ch != nil {
		ch.HashContent(hdr.Size, h)
		defer ch.HashContent(0, nil)
		hw = nopWriter{}
	}
	if vis != nil && hdr.Size <= opts.ContentCap && hdr.Size >= 0 && (opts.Content == nil || opts.Content(layer, e)) {
		data, kind := vis.buffer(hdr.Size)
		if _, err := io.ReadFull(tr, data); err != nil {
			vis.release(data, kind)
			return nil, err
		}
		hw.Write(data)
		t.setDigest(e, h)
		vis.send(e, data, kind)
		return nil, nil
	}
	w := hw
	var sw io.WriteCloser
	if opts.Stream != nil {
		if sw = opts.Stream(layer, e); sw != nil {
			w = &teeHash{h: hw, w: sw}
		}
	}
	if _, err := io.CopyBuffer(w, tr, buf); err != nil {
		return nil, err
	}
	if sw != nil {
		sw.Close()
	}
	t.setDigest(e, h)
	if vis != nil {
		vis.send(e, nil, bufLoose)
	}
	return nil, nil
}

// hashSparse reads a sparse file. Its digest is that of its logical content, holes read as
// zeros, unless the file is bigger than SparseHashLimit: hashing a terabyte of zeros proves
// nothing and would stall the read. The content analyzers get its data regions, one after the
// other, whatever its logical size: a hole cannot hide what the data holds, nor a huge logical
// size exempt a small payload from being looked at. The data regions are the bytes the tar
// reader takes from the stream for the file (it makes up the holes), so they are caught on
// the stream: cr's tap while the file is read, or, for a file too big to hash, as the next
// tr.Next consumes them (see countingReader.Seek); finishSparse then hands them over.
func hashSparse(tr *tar.Reader, cr *countingReader, hdr *tar.Header, e *Entry, h *sha256x.Digest, vis *visitor, buf []byte, opts ReadOptions, lim *budget, layer int, t *LayerTree) (*sparseFile, error) {
	sf := &sparseFile{e: e, regions: &regionSink{cap: opts.ContentCap}}
	if vis == nil {
		sf.regions.cap = -1
	}
	if opts.Stream != nil {
		sf.regions.open = func() io.WriteCloser { return opts.Stream(layer, e) }
	}
	if hdr.Size > lim.SparseHashLimit || lim.sparse.Add(hdr.Size) > lim.SparseHashLimit {
		t.addAnomaly(Anomaly{Kind: AnomalyBadEntry, Layer: layer, Path: e.Path,
			Detail: fmt.Sprintf("%s is a sparse file of %d bytes, past what the image's sparse files may cost to hash (%d bytes in all); its content was not hashed, its data regions were scanned", e.Path, hdr.Size, lim.SparseHashLimit)})
		cr.skipInto = sf.regions
		return sf, nil
	}
	h.Reset()
	cr.tap = sf.regions
	_, err := io.CopyBuffer(h, tr, buf)
	cr.tap = nil
	if err != nil {
		return nil, err
	}
	t.setDigest(e, h)
	sf.finish(vis)
	return nil, nil
}

// sparseFile is a sparse file whose data regions are being collected.
type sparseFile struct {
	e       *Entry
	regions *regionSink
}

// finish hands the file and its data regions to the visitor.
func (sf *sparseFile) finish(vis *visitor) {
	r := sf.regions
	if r.w != nil && !r.failed {
		r.w.Close()
	}
	if vis == nil {
		return
	}
	if r.overflow {
		vis.send(sf.e, nil, bufLoose)
	} else {
		vis.send(sf.e, r.data, bufLoose)
	}
}

// regionSink collects a sparse file's data regions: kept while they fit in cap bytes (-1:
// keep none), past it written to the writer open returns.
type regionSink struct {
	cap      int64
	data     []byte
	open     func() io.WriteCloser
	w        io.WriteCloser
	overflow bool
	failed   bool
}

func (s *regionSink) Write(p []byte) (int, error) {
	if !s.overflow {
		if s.cap >= 0 && int64(len(s.data))+int64(len(p)) <= s.cap {
			s.data = append(s.data, p...)
			return len(p), nil
		}
		s.overflow = true
		if s.open != nil {
			s.w = s.open()
		}
		if s.w != nil && len(s.data) > 0 {
			s.write(s.data)
		}
		s.data = nil
	}
	if s.w != nil {
		s.write(p)
	}
	return len(p), nil
}

func (s *regionSink) write(p []byte) {
	if s.failed {
		return
	}
	if _, err := s.w.Write(p); err != nil {
		s.failed = true
	}
}

// teeHash writes to a hash and a stream; the stream failing does not fail the hash.
type teeHash struct {
	h      io.Writer
	w      io.Writer
	failed bool
}

func (t *teeHash) Write(p []byte) (int, error) {
	t.h.Write(p)
	if !t.failed {
		if _, err := t.w.Write(p); err != nil {
			t.failed = true
		}
	}
	return len(p), nil
}

// nopWriter discards what it is given. Unlike io.Discard it has no ReadFrom, so io.CopyBuffer
// reads through the caller's buffer in big pieces.
type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// entryFromHeader turns a tar header into an Entry, recording hostile names and links as
// anomalies. ok is false for headers that carry no filesystem entry (PAX globals, unknown types)
// and for whiteouts that are not safe to apply.
//
// Whiteouts follow the OCI layer rules as containerd applies them: a marker ".wh.NAME" removes
// NAME from its own directory, so NAME must name something strictly below that directory. A
// marker whose NAME is empty, "." or ".." (".wh.", ".wh..", ".wh...") would remove the directory
// itself or its parent, and one whose tar name climbs above the root reaches outside the image:
// both are unsafe-path anomalies and are not applied.
func entryFromHeader(hdr *tar.Header, layer int, t *LayerTree) (Entry, bool) {
	if len(hdr.Name) > maxPathLen || len(hdr.Linkname) > maxPathLen && (hdr.Typeflag == tar.TypeSymlink || hdr.Typeflag == tar.TypeLink) {
		// No runtime can extract such an entry (the kernel refuses the path with
		// ENAMETOOLONG), and placing a path of a million levels in the tree costs time
		// quadratic in its length: it is reported, by a prefix of its name, and left out.
		what, name := "name", hdr.Name
		if len(hdr.Name) <= maxPathLen {
			what, name = "link target", hdr.Linkname
		}
		short := shortName(name)
		t.addAnomaly(Anomaly{Kind: AnomalyBadEntry, Layer: layer, Path: shortName(hdr.Name),
			Detail: fmt.Sprintf("tar entry %q has a %s of %d bytes (%d levels), longer than Linux's PATH_MAX (%d): no runtime can extract it; left out of the tree", short, what, len(name), strings.Count(name, "/")+1, maxPathLen)})
		return Entry{}, false
	}
	p, unsafe := cleanPath(hdr.Name)
	e := Entry{
		Path: p,
		Mode: uint32(hdr.Mode) & (ModePerm | ModeSetuid | ModeSetgid | ModeSticky),
		Size: hdr.Size,
	}
	e.SetModTime(hdr.ModTime)
	attrs := EntryAttrs{UID: hdr.Uid, GID: hdr.Gid, Uname: hdr.Uname, Gname: hdr.Gname,
		DevMajor: hdr.Devmajor, DevMinor: hdr.Devminor}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont: // the reader reports old-style regular files as TypeReg
		e.Type = TypeFile
	case tar.TypeDir:
		e.Type = TypeDir
	case tar.TypeSymlink:
		e.Type = TypeSymlink
		attrs.Link = hdr.Linkname
	case tar.TypeLink:
		e.Type = TypeHardlink
	case tar.TypeChar:
		e.Type = TypeChar
	case tar.TypeBlock:
		e.Type = TypeBlock
	case tar.TypeFifo:
		e.Type = TypeFifo
	case tar.TypeXGlobalHeader, tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
		return e, false
	default:
		t.addAnomaly(Anomaly{Kind: AnomalyBadEntry, Layer: layer, Path: p,
			Detail: fmt.Sprintf("%s has unknown tar type %q; skipped", p, hdr.Typeflag)})
		return e, false
	}
	base := path.Base(p)
	marker := base == opaqueMarker || strings.HasPrefix(base, whiteoutPrefix) && p != "/"
	switch {
	case marker && unsafe:
		t.addAnomaly(Anomaly{Kind: AnomalyUnsafePath, Layer: layer, Path: p,
			Detail: fmt.Sprintf("whiteout %q reaches outside the root; not applied", hdr.Name)})
		return e, false
	case unsafe:
		attrs.TarName = hdr.Name
		t.addAnomaly(Anomaly{Kind: AnomalyUnsafePath, Layer: layer, Path: p,
			Detail: fmt.Sprintf("tar entry name %q leaves the root; read as %s", hdr.Name, p)})
	case strings.HasPrefix(hdr.Name, "/"):
		attrs.TarName = hdr.Name
		t.addAnomaly(Anomaly{Kind: AnomalyAbsolutePath, Layer: layer, Path: p,
			Detail: fmt.Sprintf("tar entry name %q is absolute: a naive extraction writes it outside the target directory; read as %s", hdr.Name, p)})
	}
	switch e.Type {
	case TypeSymlink:
		if escapesRoot(p, hdr.Linkname) {
			t.addAnomaly(Anomaly{Kind: AnomalyEscapingLink, Layer: layer, Path: p,
				Detail: fmt.Sprintf("symlink %s -> %s points above the root", p, hdr.Linkname)})
		}
	case TypeHardlink:
		target, bad := cleanPath(hdr.Linkname)
		attrs.Link = target
		if bad {
			t.addAnomaly(Anomaly{Kind: AnomalyEscapingLink, Layer: layer, Path: p,
				Detail: fmt.Sprintf("hardlink %s -> %q leaves the root", p, hdr.Linkname)})
		}
	}
	switch {
	case base == opaqueMarker:
		e.Opaque = true
		e.Path = path.Dir(p)
		e.Type = TypeDir
	case marker:
		name := strings.TrimPrefix(base, whiteoutPrefix)
		if name == "" || name == "." || name == ".." {
			t.addAnomaly(Anomaly{Kind: AnomalyUnsafePath, Layer: layer, Path: p,
				Detail: fmt.Sprintf("whiteout %q names no path below %s: it would remove the directory itself or its parent; not applied", hdr.Name, path.Dir(p))})
			return e, false
		}
		e.Whiteout = true
		e.Path = path.Join(path.Dir(p), name)
	}
	if p == "/" && e.Type != TypeDir {
		t.addAnomaly(Anomaly{Kind: AnomalyBadEntry, Layer: layer, Path: p,
			Detail: fmt.Sprintf("tar entry %q names the root as a %s; skipped", hdr.Name, e.Type)})
		return e, false
	}
	t.attrs.Set(&e, attrs)
	return e, true
}

// cleanPath makes a tar name absolute and clean. unsafe reports a name that climbs above the
// root ("../x", "a/../../x"); a leading "./" is ordinary (entryFromHeader flags a leading "/").
// maxPathLen is Linux's PATH_MAX: the longest path, and symbolic link target, the kernel takes.
const maxPathLen = 4096

// shortName is the start of an overlong name, enough to find it in the archive.
func shortName(name string) string {
	if len(name) <= 200 {
		return name
	}
	return strings.ToValidUTF8(name[:200], "") + "…"
}

func cleanPath(name string) (p string, unsafe bool) {
	rel := strings.TrimLeft(name, "/")
	for rel != "" {
		if strings.HasPrefix(rel, "./") {
			rel = strings.TrimLeft(rel[2:], "/")
			continue
		}
		break
	}
	depth := 0
	for rest := rel; rest != ""; {
		part, after, _ := strings.Cut(rest, "/")
		rest = after
		switch part {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				unsafe = true
			}
		default:
			depth++
		}
	}
	return path.Clean("/" + rel), unsafe
}

// escapesRoot reports whether a relative symlink target climbs above the root from where the
// link stands. Absolute targets resolve inside the image's root and are ordinary.
func escapesRoot(linkPath, target string) bool {
	if strings.HasPrefix(target, "/") {
		return false
	}
	depth := strings.Count(strings.Trim(path.Dir(linkPath), "/"), "/") + 1
	if path.Dir(linkPath) == "/" {
		depth = 0
	}
	for _, part := range strings.Split(target, "/") {
		switch part {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return true
			}
		default:
			depth++
		}
	}
	return false
}
