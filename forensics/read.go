package forensics

import (
	"archive/tar"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

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
// goroutines at once; e.SHA256 is not yet known.
type FileStreamer func(layer int, e *Entry) io.WriteCloser

// ReadOptions control ReadLayers.
type ReadOptions struct {
	// Workers bounds how many layers are read at once; 0 means GOMAXPROCS.
	Workers int
	// Visit, when set, is given each regular file's bytes (up to ContentCap).
	Visit      FileVisitor
	ContentCap int64
	// Stream, when set, is offered the files over ContentCap (or all, without Visit), so
	// that they can be looked at in the same pass rather than read again.
	Stream FileStreamer
	// Layers restricts reading to these layer indexes; nil reads all.
	Layers []int

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
		workers = runtime.GOMAXPROCS(0)
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
	order, pipelined := schedule(img.Layers, want, runtime.GOMAXPROCS(0))
	trees := make([]*LayerTree, len(img.Layers))
	errs := make([]error, len(img.Layers))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers && w < len(want); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for i := range jobs {
				t, err := img.readLayer(ctx, i, pipelined[i], opts, buf)
				trees[i], errs[i] = t, err
				if err != nil {
					cancel()
				}
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
	for _, t := range trees {
		if t != nil {
			img.Layers[t.Index].UncompressedSize = t.UncompressedSize
			img.Layers[t.Index].Files = len(t.Entries)
			img.Layers[t.Index].ReadDiffID, img.Layers[t.Index].read = t.DiffID, true
		}
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

// countingReader counts the bytes of the uncompressed layer stream, and reports them about
// every progressEvery bytes when report is set.
type countingReader struct {
	r        io.Reader
	n        int64
	reported int64
	report   func(n int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.report != nil && c.n-c.reported >= progressEvery {
		c.reported = c.n
		c.report(c.n)
	}
	return n, err
}

func (img *Image) readLayer(ctx context.Context, i int, pipelined bool, opts ReadOptions, buf []byte) (*LayerTree, error) {
	rc, err := img.src.OpenLayer(ctx, i, pipelined)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return walkLayer(ctx, rc, i, pipelined, opts, buf)
}

// schedule orders the layers to read biggest first, so that the small ones fill in around the
// big ones, and says which layers to read as a pipeline of goroutines (decompressing, walking
// and hashing, visiting) rather than on one: those big enough to keep a core busy on their own
// after the others are done, as the one big layer of a base image is. Splitting a layer
// across cores costs the hand-offs and the caches; when enough layers run side by side to fill
// every core, each is cheaper on one.
func schedule(layers []Layer, want []int, procs int) (order []int, pipelined map[int]bool) {
	order = slices.Clone(want)
	sort.SliceStable(order, func(a, b int) bool { return layers[order[a]].Size > layers[order[b]].Size })
	pipelined = map[int]bool{}
	var total int64
	for _, i := range want {
		total += max(layers[i].Size, 1)
	}
	for _, i := range want {
		if procs > 1 && max(layers[i].Size, 1)*int64(procs) > total {
			pipelined[i] = true
		}
	}
	return order, pipelined
}

// walkLayer reads one layer's tar stream to its end, recording entries, hashes and anomalies.
func walkLayer(ctx context.Context, r io.Reader, i int, pipelined bool, opts ReadOptions, buf []byte) (*LayerTree, error) {
	// A stream that hashes itself can hash each file's content in the same pass.
	ch, _ := r.(load.ContentHasher)
	sd, _ := r.(load.StreamDigester)
	cr := &countingReader{r: r}
	t := &LayerTree{Index: i}
	if opts.progress != nil {
		cr.report = func(n int64) { opts.progress(LayerProgress{Layer: i, Bytes: n, Entries: len(t.Entries)}) }
		opts.progress(LayerProgress{Layer: i})
	}
	seen := make(map[string]int)
	tr := tar.NewReader(cr)
	h := sha256x.New()
	var vis *visitor
	if opts.Visit != nil {
		vis = newVisitor(i, opts.Visit, len(buf), pipelined)
		defer vis.close()
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !recordDigestError(err, t) {
				t.Anomalies = append(t.Anomalies, Anomaly{Kind: AnomalyTruncated, Layer: i,
					Detail: fmt.Sprintf("the layer's tar stream ends early or is corrupt after %d entries: %v", len(t.Entries), err)})
			}
			break
		}
		e, ok := entryFromHeader(hdr, i, t)
		if !ok {
			continue
		}
		if e.Type == TypeFile && !e.Whiteout && !e.Opaque {
			if err := hashContent(tr, hdr, &e, h, ch, vis, buf, opts, i, t); err != nil {
				if !recordDigestError(err, t) {
					t.Anomalies = append(t.Anomalies, Anomaly{Kind: AnomalyTruncated, Layer: i, Path: e.Path,
						Detail: fmt.Sprintf("reading %s: %v", e.Path, err)})
				}
				t.Entries = append(t.Entries, e)
				break
			}
		}
		// A directory and its opaque marker share a path, as a file and a whiteout of it may
		// (an odd but harmless pair); only a second entry of the same kind is a duplicate.
		key := e.Path
		switch {
		case e.Opaque:
			key += "\x00opaque"
		case e.Whiteout:
			key += "\x00whiteout"
		}
		if prev, dup := seen[key]; dup {
			t.Anomalies = append(t.Anomalies, Anomaly{Kind: AnomalyDuplicateEntry, Layer: i, Path: e.Path,
				Detail: fmt.Sprintf("%s appears more than once in the layer; the last one wins", e.Path)})
			t.Entries[prev] = e
			continue
		}
		seen[key] = len(t.Entries)
		t.Entries = append(t.Entries, e)
	}
	// Read to EOF: the blob digest and diff_id are only checked once the whole stream is seen,
	// and tar readers stop at the end-of-archive marker before the padding.
	if _, err := io.CopyBuffer(io.Discard, cr, buf); err != nil && !recordDigestError(err, t) {
		t.Anomalies = append(t.Anomalies, Anomaly{Kind: AnomalyTruncated, Layer: i,
			Detail: fmt.Sprintf("reading the rest of the layer stream: %v", err)})
	}
	t.UncompressedSize = cr.n
	if sd != nil {
		t.DiffID = sd.StreamDigest()
	}
	if opts.progress != nil {
		opts.progress(LayerProgress{Layer: i, Bytes: cr.n, Entries: len(t.Entries), Done: true})
	}
	return t, nil
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
	t.Anomalies = append(t.Anomalies, Anomaly{Kind: kind, Layer: t.Index,
		Detail: fmt.Sprintf("layer %d content does not match its %s: want %s, got %s", t.Index, de.Kind, de.Want, de.Got)})
	return true
}

// sparseLimit is the logical size above which a sparse file's holes are not hashed: reading a
// terabyte of zeros proves nothing and would stall the scan.
var sparseLimit int64 = 1 << 30

func hashContent(tr *tar.Reader, hdr *tar.Header, e *Entry, h *sha256x.Digest, ch load.ContentHasher, vis *visitor, buf []byte, opts ReadOptions, layer int, t *LayerTree) error {
	if isSparse(hdr) && hdr.Size > sparseLimit {
		t.Anomalies = append(t.Anomalies, Anomaly{Kind: AnomalyBadEntry, Layer: layer, Path: e.Path,
			Detail: fmt.Sprintf("%s is a sparse file of %d bytes; its content was not hashed", e.Path, hdr.Size)})
		return nil
	}
	h.Reset()
	// The bytes of a sparse file in the stream are not its content (the holes are not there),
	// so only plain files are hashed by the stream.
	var hw io.Writer = h
	if ch != nil && !isSparse(hdr) {
		ch.HashContent(hdr.Size, h)
		defer ch.HashContent(0, nil)
		hw = nopWriter{}
	}
	if vis != nil && hdr.Size <= opts.ContentCap && hdr.Size >= 0 {
		data, pooled := vis.buffer(hdr.Size)
		if _, err := io.ReadFull(tr, data); err != nil {
			vis.release(data, pooled)
			return err
		}
		hw.Write(data)
		e.SHA256 = hex.EncodeToString(h.Sum(nil))
		vis.send(e, data, pooled)
		return nil
	}
	w := hw
	var sw io.WriteCloser
	if opts.Stream != nil {
		if sw = opts.Stream(layer, e); sw != nil {
			w = &teeHash{h: hw, w: sw}
		}
	}
	if _, err := io.CopyBuffer(w, tr, buf); err != nil {
		return err
	}
	if sw != nil {
		sw.Close()
	}
	e.SHA256 = hex.EncodeToString(h.Sum(nil))
	if vis != nil {
		vis.send(e, nil, false)
	}
	return nil
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
// anomalies. ok is false for headers that carry no filesystem entry (PAX globals, unknown types).
func entryFromHeader(hdr *tar.Header, layer int, t *LayerTree) (Entry, bool) {
	p, unsafe := cleanPath(hdr.Name)
	e := Entry{
		Path:     p,
		Mode:     uint32(hdr.Mode) & (ModePerm | ModeSetuid | ModeSetgid | ModeSticky),
		UID:      hdr.Uid,
		GID:      hdr.Gid,
		Uname:    hdr.Uname,
		Gname:    hdr.Gname,
		Size:     hdr.Size,
		ModTime:  hdr.ModTime.UTC(),
		DevMajor: hdr.Devmajor,
		DevMinor: hdr.Devminor,
	}
	if unsafe {
		e.TarName = hdr.Name
		t.Anomalies = append(t.Anomalies, Anomaly{Kind: AnomalyUnsafePath, Layer: layer, Path: p,
			Detail: fmt.Sprintf("tar entry name %q leaves the root; read as %s", hdr.Name, p)})
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont: // the reader reports old-style regular files as TypeReg
		e.Type = TypeFile
	case tar.TypeDir:
		e.Type = TypeDir
	case tar.TypeSymlink:
		e.Type = TypeSymlink
		e.Link = hdr.Linkname
		if escapesRoot(p, hdr.Linkname) {
			t.Anomalies = append(t.Anomalies, Anomaly{Kind: AnomalyEscapingLink, Layer: layer, Path: p,
				Detail: fmt.Sprintf("symlink %s -> %s points above the root", p, hdr.Linkname)})
		}
	case tar.TypeLink:
		e.Type = TypeHardlink
		target, bad := cleanPath(hdr.Linkname)
		e.Link = target
		if bad {
			t.Anomalies = append(t.Anomalies, Anomaly{Kind: AnomalyEscapingLink, Layer: layer, Path: p,
				Detail: fmt.Sprintf("hardlink %s -> %q leaves the root", p, hdr.Linkname)})
		}
	case tar.TypeChar:
		e.Type = TypeChar
	case tar.TypeBlock:
		e.Type = TypeBlock
	case tar.TypeFifo:
		e.Type = TypeFifo
	case tar.TypeXGlobalHeader, tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
		return e, false
	default:
		t.Anomalies = append(t.Anomalies, Anomaly{Kind: AnomalyBadEntry, Layer: layer, Path: p,
			Detail: fmt.Sprintf("%s has unknown tar type %q; skipped", p, hdr.Typeflag)})
		return e, false
	}
	base := path.Base(p)
	switch {
	case base == opaqueMarker:
		e.Opaque = true
		e.Path = path.Dir(p)
		e.Type = TypeDir
	case strings.HasPrefix(base, whiteoutPrefix) && p != "/":
		e.Whiteout = true
		e.Path = path.Join(path.Dir(p), strings.TrimPrefix(base, whiteoutPrefix))
	}
	if p == "/" && e.Type != TypeDir {
		t.Anomalies = append(t.Anomalies, Anomaly{Kind: AnomalyBadEntry, Layer: layer, Path: p,
			Detail: fmt.Sprintf("tar entry %q names the root as a %s; skipped", hdr.Name, e.Type)})
		return e, false
	}
	return e, true
}

// cleanPath makes a tar name absolute and clean. unsafe reports a name that climbs above the
// root ("../x", "a/../../x"); a leading "/" or "./" is ordinary and not flagged.
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
	for _, part := range strings.Split(rel, "/") {
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
