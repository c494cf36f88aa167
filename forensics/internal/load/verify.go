package load

import (
	"io"

	digest "github.com/opencontainers/go-digest"

	"github.com/strata-forensics/strata/forensics/internal/sha256x"
)

// ContentHasher is implemented by layer streams that hash the uncompressed stream as it is
// read. HashContent says that the next n bytes read are one file's content and should be
// hashed into d as well (d reset, nil to cancel): the file's digest then shares the work of
// the stream's, instead of hashing the same bytes a second time.
type ContentHasher interface {
	HashContent(n int64, d *sha256x.Digest)
}

// StreamDigester is implemented by the layer streams OpenLayer returns. Once the stream has
// been read to its end, StreamDigest is the sha256 of the uncompressed stream as read
// ("sha256:<hex>"): the layer's diff_id as computed from the evidence, whatever the config
// claims. It is "" before the end is reached.
type StreamDigester interface {
	StreamDigest() string
}

// streamCheck is a sha256 digest the whole uncompressed stream must have.
type streamCheck struct {
	want    digest.Digest
	kind    string           // DigestError.Kind on mismatch
	onMatch func(size int64) // run when it matches, with the stream's size
}

// streamVerifier hashes a layer's uncompressed stream on the consumer's side of the read-ahead
// and checks it at EOF. The Read that reaches EOF returns a *DigestError on a mismatch.
type streamVerifier struct {
	r      io.ReadCloser
	layer  int
	h      *sha256x.Digest
	n      int64
	checks []streamCheck

	file     *sha256x.Digest
	fileLeft int64
	err      error
	got      string // the stream's digest, once it ended
}

func (v *streamVerifier) StreamDigest() string { return v.got }

func (v *streamVerifier) HashContent(n int64, d *sha256x.Digest) {
	v.file, v.fileLeft = d, n
	if d == nil || n < 0 {
		v.file, v.fileLeft = nil, 0
	}
}

func (v *streamVerifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	if n > 0 {
		b := p[:n]
		v.n += int64(n)
		if v.fileLeft > 0 {
			k := min(int64(len(b)), v.fileLeft)
			sha256x.WriteBoth(v.h, v.file, b[:k])
			v.fileLeft -= k
			b = b[k:]
		}
		v.h.Write(b)
	}
	if err == io.EOF {
		err = v.finish()
	}
	if err != nil {
		v.err = err
	}
	return n, err
}

func (v *streamVerifier) finish() error {
	got := digest.NewDigestFromBytes(digest.SHA256, v.h.Sum(nil))
	v.got = got.String()
	for _, c := range v.checks {
		if got != c.want {
			return &DigestError{Layer: v.layer, Kind: c.kind, Want: c.want.String(), Got: got.String()}
		}
		if c.onMatch != nil {
			c.onMatch(v.n)
		}
	}
	return io.EOF
}

func (v *streamVerifier) Close() error {
	if v.err == nil {
		v.err = errReadAfterClose
	}
	return v.r.Close()
}
