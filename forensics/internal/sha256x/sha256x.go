// Package sha256x is SHA-256 that can hash the same bytes into two digests for little more than
// the price of one. A layer's uncompressed stream is hashed to check its diff_id and each file
// in it is hashed for the tree; the file bytes are the same bytes, and with the x86 SHA
// extensions the two digests' rounds run interleaved while the message schedule is computed
// once. Without those extensions a Digest is crypto/sha256 underneath.
package sha256x

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// Size is the size of a SHA-256 checksum in bytes; BlockSize its block size.
const (
	Size      = 32
	BlockSize = 64
)

var iv = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// Digest is a SHA-256 hash state. The zero value is not ready: use New or Reset.
type Digest struct {
	std hash.Hash // set when the SHA extensions are missing: crypto/sha256 does the work
	h   [8]uint32
	x   [BlockSize]byte
	nx  int
	len uint64
}

var _ hash.Hash = (*Digest)(nil)

// New returns a reset Digest.
func New() *Digest {
	d := new(Digest)
	d.Reset()
	return d
}

// Reset puts d back to the empty message.
func (d *Digest) Reset() {
	if !accelerated {
		if d.std == nil {
			d.std = sha256.New()
		}
		d.std.Reset()
		return
	}
	d.std = nil
	d.h = iv
	d.nx = 0
	d.len = 0
}

func (d *Digest) Size() int      { return Size }
func (d *Digest) BlockSize() int { return BlockSize }

// Write adds p to the message; it never fails.
func (d *Digest) Write(p []byte) (int, error) {
	if d.std != nil {
		return d.std.Write(p)
	}
	n := len(p)
	d.len += uint64(n)
	if d.nx > 0 {
		c := copy(d.x[d.nx:], p)
		d.nx += c
		p = p[c:]
		if d.nx < BlockSize {
			return n, nil
		}
		blocks(&d.h, d.x[:])
		d.nx = 0
	}
	if full := len(p) &^ (BlockSize - 1); full > 0 {
		blocks(&d.h, p[:full])
		p = p[full:]
	}
	d.nx = copy(d.x[:], p)
	return n, nil
}

// WriteBoth adds p to a and to b, as a.Write(p) and b.Write(p) would. When both are at the
// same offset within a block, as a file's digest and its layer stream's are at the start of
// the file's content, the blocks are hashed together.
func WriteBoth(a, b *Digest, p []byte) {
	if a.std != nil || b.std != nil || a.nx != b.nx {
		a.Write(p)
		b.Write(p)
		return
	}
	n := len(p)
	a.len += uint64(n)
	b.len += uint64(n)
	if a.nx > 0 {
		c := copy(a.x[a.nx:], p)
		copy(b.x[b.nx:], p[:c])
		a.nx += c
		b.nx += c
		p = p[c:]
		if a.nx < BlockSize {
			return
		}
		blocks2(&a.h, &b.h, a.x[:])
		a.nx, b.nx = 0, 0
	}
	if full := len(p) &^ (BlockSize - 1); full > 0 {
		blocks2(&a.h, &b.h, p[:full])
		p = p[full:]
	}
	a.nx = copy(a.x[:], p)
	b.nx = copy(b.x[:], p)
}

// Sum appends the digest of the message so far to in; d is unchanged.
func (d *Digest) Sum(in []byte) []byte {
	if d.std != nil {
		return d.std.Sum(in)
	}
	c := *d
	var pad [BlockSize + 8]byte
	pad[0] = 0x80
	n := BlockSize - int((c.len+8)%BlockSize)
	if n == 0 {
		n = BlockSize
	}
	// n bytes of padding (0x80 then zeros) bring the length to 56 mod 64; the bit length follows.
	binary.BigEndian.PutUint64(pad[n:], c.len<<3)
	c.Write(pad[:n+8])
	var out [Size]byte
	for i, v := range c.h {
		binary.BigEndian.PutUint32(out[4*i:], v)
	}
	return append(in, out[:]...)
}

// Accelerated reports whether WriteBoth hashes two digests at once on this machine.
func Accelerated() bool { return accelerated }
