package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
)

// inputHash is the background hash of an input; see Image.InputHash.
//
// For an OCI layout the files named blobs/sha256/<hex> that are layers of the opened image (of
// every image, when a run shares the hash between the images of the layout: see Shared) are
// not hashed in the background: the layer streams read every byte of them and check their
// sha256 anyway. A layer stream that reads such a file to its end and finds the digest its name
// says records it (see verified), and the listing reuses that sum and size; a layer blob that no
// stream verified is hashed when the listing is asked for. Every sum in the listing is thus still
// the sha256 of the file's bytes as read.
type inputHash struct {
	done   chan struct{}
	cancel context.CancelFunc
	root   string
	dir    bool

	layers chan map[string]bool // OCI layout: the rel paths of the image's layer blobs; nil otherwise
	// allBlobs: an OCI layout several images share (see Shared): every blob file is left to
	// blobSum, whichever image asks for it first, and to the listing at the end.
	allBlobs bool

	// Set by the background goroutine before done is closed.
	files []listedFile
	err   error
	// members holds the sum of every regular member of a tar archive input (compressed or
	// not), by cleaned member name: what the layer blobs of a docker or OCI archive hash to.
	// nil for directories and for files that are no tar archive.
	members map[string]verifiedBlob

	mu      sync.Mutex
	blobs   map[string]verifiedBlob  // rel path -> a layer stream's verified sum, or blobSum's
	hashing map[string]chan struct{} // rel path -> closed when blobSum's hash of it ends
	final   bool
	sum     string
	size    int64
}

type listedFile struct {
	rel     string // slash-separated, relative to the root
	sum     string // "" while it waits for a layer stream (see inputHash)
	size    int64
	pending bool
}

type verifiedBlob struct {
	sum  string
	size int64
}

// startInputHash hashes p in the background. blobs says p is an OCI layout whose layer blobs may
// be left to the layer streams; the caller then calls setLayers once it knows them.
func startInputHash(p string, dir, blobs bool) *inputHash {
	return startHash(p, dir, blobs, false)
}

// startSharedHash hashes p in the background for every image of it a run opens: when p is an
// OCI layout (blobs), each blob file is hashed once, when an image first asks for it
// (blobSum) or by the listing at the end, whichever comes first.
func startSharedHash(p string, dir, blobs bool) *inputHash {
	return startHash(p, dir, blobs, true)
}

func startHash(p string, dir, blobs, shared bool) *inputHash {
	ctx, cancel := context.WithCancel(context.Background())
	h := &inputHash{done: make(chan struct{}), cancel: cancel, root: p, dir: dir, blobs: map[string]verifiedBlob{},
		hashing: map[string]chan struct{}{}}
	switch {
	case dir && blobs && shared:
		h.allBlobs = true
	case dir && blobs:
		h.layers = make(chan map[string]bool, 1)
	}
	go func() {
		defer close(h.done)
		if dir {
			h.files, h.err = h.hashTree(ctx, p)
		} else {
			var f listedFile
			f.sum, f.size, h.members, h.err = hashArchive(ctx, p)
			h.files = []listedFile{f}
		}
		if h.err != nil {
			h.err = fmt.Errorf("hashing %s: %w", p, h.err)
		}
	}()
	return h
}

// setLayers tells the hash which blobs are layers of the image (digests "sha256:<hex>"). Until it
// is called, the background hash leaves every blob file for later.
func (h *inputHash) setLayers(digests []string) {
	if h.layers == nil {
		return
	}
	m := map[string]bool{}
	for _, d := range digests {
		if hx, ok := strings.CutPrefix(d, "sha256:"); ok {
			m["blobs/sha256/"+hx] = true
		}
	}
	h.layers <- m
}

// verified records that a layer stream read the layout's blob sha256:hexSum to its end, size
// bytes, and found that digest.
func (h *inputHash) verified(hexSum string, size int64) {
	if h.layers == nil && !h.allBlobs {
		return
	}
	h.mu.Lock()
	h.blobs["blobs/sha256/"+hexSum] = verifiedBlob{sum: hexSum, size: size}
	h.mu.Unlock()
}

func (h *inputHash) wait(ctx context.Context) (string, int64, error) {
	select {
	case <-h.done:
	case <-ctx.Done():
		return "", 0, ctx.Err()
	}
	if h.err != nil {
		return "", 0, h.err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.final {
		return h.sum, h.size, nil
	}
	if !h.dir {
		h.sum, h.size, h.final = h.files[0].sum, h.files[0].size, true
		return h.sum, h.size, nil
	}
	listing := sha256.New()
	var total int64
	for i := range h.files {
		f := &h.files[i]
		if f.pending {
			if v, ok := h.blobs[f.rel]; ok {
				f.sum, f.size = v.sum, v.size
			} else {
				sum, size, err := hashFile(ctx, filepath.Join(h.root, filepath.FromSlash(f.rel)))
				switch {
				case err == nil:
					f.sum, f.size = sum, size
					// Another image of a shared layout may still ask for this blob.
					h.blobs[f.rel] = verifiedBlob{sum: sum, size: size}
				case ctx.Err() != nil:
					return "", 0, ctx.Err()
				default:
					f.sum = "unreadable"
				}
			}
			f.pending = false
		}
		total += f.size
		fmt.Fprintf(listing, "%s  %d  %s\n", f.sum, f.size, listingEscaper.Replace(f.rel))
	}
	h.sum, h.size, h.final = hex.EncodeToString(listing.Sum(nil)), total, true
	return h.sum, h.size, nil
}

// memberSum waits for the background hash of an archive input and returns the sum of its
// member name; ok is false when the archive has no such regular member.
func (h *inputHash) memberSum(ctx context.Context, name string) (v verifiedBlob, ok bool, err error) {
	select {
	case <-h.done:
	case <-ctx.Done():
		return v, false, ctx.Err()
	}
	if h.err != nil {
		return v, false, h.err
	}
	v, ok = h.members[name]
	return v, ok, nil
}

// blobSum returns the sha256 of the layout file rel (a blob), hashing it unless a layer stream
// or an earlier call already did; the listing then reuses the sum. Calls for the same file at
// once (images of one layout sharing a layer) hash it once: the others wait for that hash.
func (h *inputHash) blobSum(ctx context.Context, rel string) (verifiedBlob, error) {
	for {
		h.mu.Lock()
		if v, ok := h.blobs[rel]; ok {
			h.mu.Unlock()
			return v, nil
		}
		if ch, ok := h.hashing[rel]; ok {
			h.mu.Unlock()
			select {
			case <-ch:
				continue // hashed, or failed: then try again here
			case <-ctx.Done():
				return verifiedBlob{}, ctx.Err()
			}
		}
		ch := make(chan struct{})
		h.hashing[rel] = ch
		h.mu.Unlock()
		sum, size, err := hashFile(ctx, filepath.Join(h.root, filepath.FromSlash(rel)))
		v := verifiedBlob{sum: sum, size: size}
		h.mu.Lock()
		delete(h.hashing, rel)
		if err == nil {
			h.blobs[rel] = v
		}
		h.mu.Unlock()
		close(ch)
		return v, err
	}
}

// stop cancels the hash and waits for its goroutine to end.
func (h *inputHash) stop() {
	h.cancel()
	<-h.done
}

// ctxReader fails reads once ctx is done, so long copies can be cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// hashFile hashes the file at p: the one place a file of the evidence is hashed on its own (a
// variable, so that tests can count how often each is).
var hashFile = hashOneFile

func hashOneFile(ctx context.Context, p string) (string, int64, error) {
	f, err := openEvidence(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	d := sha256.New()
	n, err := io.Copy(d, ctxReader{ctx, f})
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(d.Sum(nil)), n, nil
}

var listingEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

// isBlobPath reports whether rel names a sha256 blob of an OCI layout.
func isBlobPath(rel string) bool {
	hx, ok := strings.CutPrefix(rel, "blobs/sha256/")
	if !ok || len(hx) != 64 {
		return false
	}
	for _, c := range hx {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// hashTree lists and hashes the regular files below root in the order of the canonical listing
// (see Image.InputHash). For an OCI layout the blob files are left pending while the walk runs;
// those that are not layers of the image are hashed at the end, the layers are left to wait.
func (h *inputHash) hashTree(ctx context.Context, root string) ([]listedFile, error) {
	var files []listedFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable directory contributes no lines
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f := listedFile{rel: rel, sum: "unreadable"}
		if fi, err := d.Info(); err == nil {
			f.size = fi.Size()
		}
		if (h.layers != nil || h.allBlobs) && isBlobPath(rel) {
			f.pending = true
			files = append(files, f)
			return nil
		}
		if s, n, err := hashFile(ctx, p); err == nil {
			f.sum, f.size = s, n
		} else if ctx.Err() != nil {
			return ctx.Err()
		}
		files = append(files, f)
		return nil
	})
	if err != nil || h.layers == nil {
		// A shared layout's blobs all stay pending (see startSharedHash).
		return files, err
	}
	var layers map[string]bool
	select {
	case layers = <-h.layers:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for i := range files {
		f := &files[i]
		if !f.pending || layers[f.rel] {
			continue
		}
		if s, n, err := hashFile(ctx, filepath.Join(root, filepath.FromSlash(f.rel))); err == nil {
			f.sum, f.size = s, n
		} else if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		f.pending = false
	}
	return files, nil
}
