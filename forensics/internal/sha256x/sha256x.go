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
	// fin and tail are where Sum256 finishes a copy of the state: what the C code hashes
	// cannot be on Sum256's stack (cgo would move it to the heap, an allocation per file).
	fin  [8]uint32
	tail [2 * BlockSize]byte
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

// Sum appends the digest of the message so far to in; the message is unchanged.
func (d *Digest) Sum(in []byte) []byte {
	sum := d.Sum256()
	return append(in, sum[:]...)
}

// Sum256 returns the digest of the message so far; the message is unchanged. It allocates
// nothing, unlike Sum, whose argument escapes through hash.Hash.
func (d *Digest) Sum256() (out [Size]byte) {
	if d.std != nil {
		copy(out[:], d.std.Sum(d.tail[:0]))
		return out
	}
	d.fin = d.h
	n := copy(d.tail[:], d.x[:d.nx])
	// The message ends with 0x80, zeros up to 8 bytes short of a block's end, and its length
	// in bits.
	end := BlockSize
	if n+1+8 > BlockSize {
		end = 2 * BlockSize
	}
	d.tail[n] = 0x80
	clear(d.tail[n+1 : end-8])
	binary.BigEndian.PutUint64(d.tail[end-8:end], d.len<<3)
	blocks(&d.fin, d.tail[:end])
	for i, v := range d.fin {
		binary.BigEndian.PutUint32(out[4*i:], v)
	}
	return out
}

// Accelerated reports whether WriteBoth hashes two digests at once on this machine.
func Accelerated() bool { return accelerated }
