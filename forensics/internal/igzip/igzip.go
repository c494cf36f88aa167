// Package igzip reads gzip streams. With cgo on amd64 and arm64 it inflates with Intel's
// ISA-L (libisal, Debian's libisal-dev), about twice as fast as the pure Go inflaters, which
// matters because a scan of an image costs decompressing every layer once; elsewhere it is
// github.com/klauspost/compress/gzip. Both read concatenated members as one stream, check
// each member's CRC-32 and size, and fail on trailing bytes that are not a gzip member.
package igzip

import (
	"errors"
	"io"
)

// ErrHeader is returned when the stream (or a member after the first) does not start with a
// valid gzip header.
var ErrHeader = errors.New("gzip: invalid header")

// ErrChecksum is returned when a member's CRC-32 or size does not match its data.
var ErrChecksum = errors.New("gzip: invalid checksum")

// ErrData is returned when the deflate data is corrupt.
var ErrData = errors.New("gzip: corrupt deflate data")

// NewReader returns a reader of the decompressed bytes of the gzip stream r. The caller must
// Close it to release the decoder's memory (Close does not close r).
func NewReader(r io.Reader) (io.ReadCloser, error) { return newReader(r) }
