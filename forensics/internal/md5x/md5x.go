// Package md5x computes the MD5 of many messages at once. One MD5 is a chain of steps each
// waiting on the one before, which leaves most of a core idle; with AVX-512 a Hasher runs
// thirty-two messages side by side, one per 32-bit lane, for little more than the price of
// one. Messages are copied in as they are added and hashed when enough have gathered; each
// digest is handed to the Hasher's callback with the tag it was added with. Messages too
// big for the lanes (a lane would be busy with one long after the others ran out of work),
// and every message without AVX-512 (or cgo, or Linux), are hashed by crypto/md5 as they are
// added.
package md5x

import (
	"crypto/md5"
	"encoding/binary"
	"runtime"
	"unsafe"
)

// Size is the size of an MD5 checksum in bytes; BlockSize its block size; Lanes how many
// messages are hashed at once.
const (
	Size      = md5.Size
	BlockSize = md5.BlockSize
	Lanes     = 32
)

const (
	// Copies are held in blocks of mapped memory, chunks: those up to smallChunk bytes one
	// after the other in chunks of that size, bigger ones up to MaxHeld (with room for their
	// padding) each in a chunk of its own, so that a long message, which keeps its lane busy
	// for long, pins no short ones' memory. maxSmall and maxLarge bound the chunks: when all
	// of a size are in use, the lanes run until one is free again.
	smallChunk = 1 << 20
	largeChunk = 4 << 20
	maxSmall   = 6
	maxLarge   = 3
	// MaxHeld is the largest message copied for the lanes. A bigger one would keep its lane
	// busy long after the lanes beside it ran out of work, when one lane alone runs at a
	// fraction of crypto/md5's speed: Add hands it to crypto/md5 at once. (Holding one big
	// message to hash the next beside it, two streams interleaved in general registers, saved
	// about 0.04 s of CPU a scan of a real 875 MB Debian image and cost 50 MB of peak RSS.)
	MaxHeld = largeChunk - 2*BlockSize
	// sparse is how few busy lanes are left to scalar code when the lanes must finish: one
	// lane of the vector code runs at a fraction of scalar speed.
	sparse = 2
)

var iv = [4]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}

// Hasher hashes messages added to it, several at a time, and calls the callback given to New
// with each digest and the tag its message was added with. Digests come in no particular
// order; Flush hashes what is still held. A Hasher is not safe for concurrent use.
type Hasher[T any] struct {
	done func(tag T, sum [Size]byte)

	queue []*job[T] // messages waiting for a lane, in the order added
	lanes [Lanes]*job[T]
	state [4 * Lanes]uint32 // the a words of every lane, then the b, c and d words

	mem *memory

	jobs []*job[T] // finished jobs, for reuse
}

// memory is where a Hasher holds copies, outside the Go heap. It is given back by Flush, or
// when the Hasher is collected unflushed (a scan abandoned halfway).
type memory struct {
	small, large pool
}

// pool is the chunks of one size.
type pool struct {
	size, max int
	chunks    []*chunk // every chunk mapped; the last one takes new copies
	free      []*chunk // chunks no message uses, for the next copies
}

// release unmaps all of m.
func (m *memory) release() {
	for _, p := range []*pool{&m.small, &m.large} {
		for _, c := range p.chunks {
			freeChunk(c.buf)
		}
		p.chunks, p.free = nil, nil
	}
}

// job is one message, copied with its padding: whole blocks, as the lane reads them.
type job[T any] struct {
	tag   T
	msg   []byte
	chunk *chunk
	off   int // bytes hashed so far
}

// chunk holds copies of messages, one after the other.
type chunk struct {
	buf  []byte
	used int
	live int // messages in it not hashed yet
	pool *pool
}

// New returns a Hasher that calls done with every digest.
func New[T any](done func(tag T, sum [Size]byte)) *Hasher[T] {
	h := &Hasher[T]{done: done, mem: &memory{small: pool{size: smallChunk, max: maxSmall}, large: pool{size: largeChunk, max: maxLarge}}}
	runtime.AddCleanup(h, (*memory).release, h.mem)
	return h
}

// Accelerated reports whether messages are hashed several at a time on this machine.
func Accelerated() bool { return accelerated }

// Add hands over message p, to be hashed and reported with tag; p is not used after Add
// returns.
func (h *Hasher[T]) Add(tag T, p []byte) {
	if !accelerated || len(p) > MaxHeld {
		h.done(tag, md5.Sum(p))
		return
	}
	n := padded(len(p))
	c := h.room(n)
	j := h.job()
	j.tag, j.chunk, j.off = tag, c, 0
	j.msg = c.buf[c.used : c.used+n : c.used+n]
	c.used += n
	c.live++
	copy(j.msg, p)
	pad(j.msg, len(p), len(p))
	h.queue = append(h.queue, j)
	if len(h.queue) >= Lanes {
		h.run(untilQueued, nil)
	}
}

// padded returns the length of an n-byte message with its padding.
func padded(n int) int { return (n + 8 + BlockSize) &^ (BlockSize - 1) }

// pad writes the padding of a message of total bytes into b, which holds its last r bytes
// and room for the padding after them: 0x80, zeros up to 8 bytes short of a block's end, and
// the length in bits, little-endian.
func pad(b []byte, r, total int) {
	b[r] = 0x80
	clear(b[r+1 : len(b)-8])
	binary.LittleEndian.PutUint64(b[len(b)-8:], uint64(total)<<3)
}

func digest(s [4]uint32) (sum [Size]byte) {
	for w, v := range s {
		binary.LittleEndian.PutUint32(sum[4*w:], v)
	}
	return sum
}

// Flush hashes every message held and reports their digests. The chunks go back to C: a
// Hasher flushed is usually done with, and one used again allocates them anew.
func (h *Hasher[T]) Flush() {
	if !accelerated {
		return
	}
	h.run(untilDone, nil)
	h.mem.release()
}

func (h *Hasher[T]) job() *job[T] {
	if k := len(h.jobs); k > 0 {
		j := h.jobs[k-1]
		h.jobs = h.jobs[:k-1]
		return j
	}
	return new(job[T])
}

// room returns the chunk that takes the next copy of n bytes.
func (h *Hasher[T]) room(n int) *chunk {
	p := &h.mem.small
	if n > p.size {
		p = &h.mem.large
	}
	if k := len(p.chunks); k > 0 {
		c := p.chunks[k-1]
		if c.live == 0 {
			c.used = 0
		}
		if c.used+n <= len(c.buf) {
			return c
		}
	}
	if len(p.free) == 0 && len(p.chunks) >= p.max {
		// Either a chunk is free after, or every message is hashed and the last chunk, which
		// never goes on the free list, is empty.
		h.run(untilFree, p)
		if c := p.chunks[len(p.chunks)-1]; c.live == 0 {
			c.used = 0
			return c
		}
	}
	var c *chunk
	if k := len(p.free); k > 0 {
		c = p.free[k-1]
		p.free = p.free[:k-1]
		// Move it last, where new copies go.
		for i, d := range p.chunks {
			if d == c {
				p.chunks = append(p.chunks[:i], p.chunks[i+1:]...)
				break
			}
		}
	} else {
		c = &chunk{buf: newChunk(p.size), pool: p}
	}
	c.used = 0
	p.chunks = append(p.chunks, c)
	return c
}

// What run runs until.
const (
	untilQueued = iota // every queued message is in a lane
	untilFree          // some chunk of the pool is free
	untilDone          // every message is hashed
)

// run fills idle lanes from the queue and runs all lanes until one of them reaches the end
// of its message, again and again until the goal is met. When the lanes must finish and
// only a few are busy, with nothing queued, those are run alone on scalar code.
func (h *Hasher[T]) run(goal int, pl *pool) {
	var p [Lanes]unsafe.Pointer
	for {
		switch goal {
		case untilQueued:
			if len(h.queue) == 0 {
				return
			}
		case untilFree:
			if len(pl.free) > 0 {
				return
			}
		}
		active, n := 0, 0
		for l := range h.lanes {
			j := h.lanes[l]
			if j == nil && len(h.queue) > 0 {
				j = h.queue[0]
				h.queue[0] = nil
				h.queue = h.queue[1:]
				h.lanes[l] = j
				for w, v := range iv {
					h.state[w*Lanes+l] = v
				}
			}
			if j == nil {
				p[l] = nil
				continue
			}
			p[l] = unsafe.Pointer(&j.msg[j.off])
			if b := (len(j.msg) - j.off) / BlockSize; active == 0 || b < n {
				n = b
			}
			active++
		}
		switch {
		case active == 0:
			h.queue = h.queue[:0]
			return
		case active <= sparse && goal != untilQueued:
			for l, j := range h.lanes {
				if j != nil {
					scalar(&h.state, l, p[l], (len(j.msg)-j.off)/BlockSize)
					j.off = len(j.msg)
					h.finish(l)
				}
			}
			continue
		}
		blocks(&h.state, &p, n)
		for l, j := range h.lanes {
			if j == nil {
				continue
			}
			if j.off += n * BlockSize; j.off == len(j.msg) {
				h.finish(l)
			}
		}
	}
}

// finish reports the digest of the message in lane l and frees the lane.
func (h *Hasher[T]) finish(l int) {
	j := h.lanes[l]
	h.lanes[l] = nil
	sum := digest([4]uint32{h.state[l], h.state[Lanes+l], h.state[2*Lanes+l], h.state[3*Lanes+l]})
	tag := j.tag
	c := j.chunk
	if c.live--; c.live == 0 && c != c.pool.chunks[len(c.pool.chunks)-1] {
		c.pool.free = append(c.pool.free, c)
	}
	var zero T
	j.tag, j.msg, j.chunk = zero, nil, nil
	h.jobs = append(h.jobs, j)
	h.done(tag, sum)
}
