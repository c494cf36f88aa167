package load

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"

	"github.com/strata-forensics/strata/forensics/internal/sha256x"
)

// OpenLayer returns layer i as an uncompressed tar stream. The stream checks the blob digest and
// the diff_id while it is read, and implements StreamDigester (except for a root filesystem); the
// Read that reaches EOF returns a *DigestError on mismatch, so callers must read to EOF.
//
// The stored bytes are hashed as they come; gzip, zstd and bzip2 are recognised by their magic
// bytes (not by the media type, which may lie) and decompressed on the fly; the decompressed
// stream is hashed against the diff_id. When the stored stream is a plain tar and its digest is
// the diff_id, it is hashed once. For docker-archive, containers/image addresses layers by diff_id
// and decompresses them itself, so both checks are the same and a mismatch has Kind "diff_id".
// For a root filesystem directory (Format dir) there is one layer, generated on the fly, and
// nothing to check. Memory use does not grow with the layer's size.
//
// With readAhead, a goroutine of its own decompresses the layer ahead of the reader.
func (img *Image) OpenLayer(ctx context.Context, i int, readAhead bool) (io.ReadCloser, error) {
	if i < 0 || i >= len(img.Layers) {
		return nil, fmt.Errorf("opening layer %d: the image has %d layers", i, len(img.Layers))
	}
	if img.src == nil {
		return img.openRootFSLayer(ctx)
	}
	b := img.Layers[i]
	want := digest.Digest(b.Digest)
	if err := want.Validate(); err != nil {
		return nil, fmt.Errorf("opening layer %d: digest %q: %w", i, b.Digest, err)
	}
	var wantDiff digest.Digest
	if b.DiffID != "" {
		wantDiff = digest.Digest(b.DiffID)
		if err := wantDiff.Validate(); err != nil {
			return nil, fmt.Errorf("opening layer %d: diff_id %q: %w", i, b.DiffID, err)
		}
	}
	rc, err := img.getBlob(ctx, types.BlobInfo{Digest: want, Size: b.Size, MediaType: b.MediaType})
	if err != nil {
		return nil, fmt.Errorf("opening layer %d (%s): %w", i, b.Digest, err)
	}
	l := &layerReader{
		img: img, ctx: ctx, index: i, blob: rc,
		want: want, wantDiff: wantDiff,
		stored: &countingHash{r: rc, h: want.Algorithm().Hash()},
	}
	l.storedBuf = bufio.NewReaderSize(l.stored, 64<<10)
	c, err := detectCompression(l.storedBuf)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("reading layer %d (%s): %w", i, b.Digest, err)
	}
	if c == xzed {
		rc.Close()
		return nil, fmt.Errorf("reading layer %d (%s): xz-compressed layers are not supported", i, b.Digest)
	}
	l.compression = c
	plain, done, err := decompress(l.storedBuf, c)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("reading layer %d (%s): %w", i, b.Digest, err)
	}
	l.done = done
	// The uncompressed stream is hashed on the reader's side of the read-ahead (see
	// streamVerifier), where a file's digest can share the work; a digest that is not sha256 is
	// hashed here, as the stream is decompressed.
	l.diff = &countingHash{r: plain}
	l.out = l.diff
	var checks []streamCheck
	if c == uncompressed && want.Algorithm() == digest.SHA256 {
		// The stored bytes are the stream: one hash checks the blob digest (and the diff_id).
		l.stored.h = nil
		kind := "blob"
		if img.digestIsDiffID {
			kind = "diff_id" // the source served the decompressed tar under its diff_id
		}
		check := streamCheck{want: want, kind: kind}
		if img.Ref.Format == OCILayout {
			check.onMatch = func(size int64) { img.hash.verified(want.Encoded(), size) }
		}
		checks = append(checks, check)
	}
	switch {
	case wantDiff == "" || (c == uncompressed && wantDiff == want):
		// Nothing to compare the stream with, or the blob digest is the diff_id.
	case wantDiff.Algorithm() == digest.SHA256:
		checks = append(checks, streamCheck{want: wantDiff, kind: "diff_id"})
	default:
		l.diff.h = wantDiff.Algorithm().Hash()
	}
	var ahead io.ReadCloser = l
	if readAhead {
		ahead = prefetch(l, aheadChunk, aheadDepth)
	}
	// The stream is hashed even with nothing to check it against: its digest is the layer's
	// identity as read (StreamDigest).
	return &streamVerifier{r: ahead, layer: i, h: sha256x.New(), checks: checks}, nil
}

var errReadAfterClose = errors.New("read after close")

// countingHash counts and (when h is set) hashes what is read through it.
type countingHash struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (c *countingHash) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n += int64(n)
		if c.h != nil {
			c.h.Write(p[:n])
		}
	}
	return n, err
}

func (c *countingHash) digest(alg digest.Algorithm) digest.Digest {
	return digest.NewDigest(alg, c.h)
}

// layerReader is the verified, decompressed stream of one layer.
type layerReader struct {
	img         *Image
	ctx         context.Context
	index       int
	blob        io.ReadCloser
	want        digest.Digest
	wantDiff    digest.Digest
	compression compression

	stored    *countingHash
	storedBuf *bufio.Reader
	diff      *countingHash
	out       io.Reader
	done      func()
	err       error // sticky: returned by every Read after the first failure or EOF
	closed    bool
}

func (l *layerReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if err := l.ctx.Err(); err != nil {
		l.err = err
		return 0, err
	}
	n, err := l.out.Read(p)
	switch {
	case err == nil:
	case err == io.EOF:
		err = l.finish()
	default:
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("reading layer %d (%s): truncated %s data: %w", l.index, l.want, l.what(), err)
		} else {
			err = fmt.Errorf("reading layer %d (%s): corrupt %s data: %w", l.index, l.want, l.what(), err)
		}
	}
	if err != nil {
		l.err = err
	}
	return n, err
}

func (l *layerReader) what() string {
	if l.compression == uncompressed {
		return "layer"
	}
	return string(l.compression)
}

// finish runs when the uncompressed stream ends: it reads what is left of the stored stream
// (trailing bytes count towards the blob digest) and checks both digests.
func (l *layerReader) finish() error {
	if _, err := io.Copy(io.Discard, l.storedBuf); err != nil {
		return fmt.Errorf("reading layer %d (%s): %w", l.index, l.want, err)
	}
	l.img.mu.Lock()
	l.img.stats[l.index] = LayerStats{Stored: l.stored.n, Uncompressed: l.diff.n, Compression: string(l.compression)}
	l.img.mu.Unlock()
	// With no hash here, the stream is the blob and streamVerifier checks it.
	if l.stored.h != nil {
		if got := l.stored.digest(l.want.Algorithm()); got != l.want {
			kind := "blob"
			if l.img.digestIsDiffID {
				kind = "diff_id" // the source served the decompressed tar under its diff_id
			}
			return &DigestError{Layer: l.index, Kind: kind, Want: l.want.String(), Got: got.String()}
		}
	}
	if l.stored.h != nil && l.img.Ref.Format == OCILayout && l.want.Algorithm() == digest.SHA256 {
		// Every byte of the layout's blob file was read and has the digest its name says: the
		// input hash need not read the file again.
		l.img.hash.verified(l.want.Encoded(), l.stored.n)
	}
	if l.diff.h != nil {
		if got := l.diff.digest(l.wantDiff.Algorithm()); got != l.wantDiff {
			return &DigestError{Layer: l.index, Kind: "diff_id", Want: l.wantDiff.String(), Got: got.String()}
		}
	}
	return io.EOF
}

func (l *layerReader) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	if l.err == nil {
		l.err = errReadAfterClose
	}
	l.done()
	return l.blob.Close()
}
