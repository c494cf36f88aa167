// Package md5x computes the MD5 of many messages at once. One MD5 is a chain of steps each
// waiting on the one before, which leaves most of a core idle; with AVX-512 a Hasher runs
// thirty-two messages side by side, one per 32-bit lane, for little more than the price of
// one. Messages are copied in as they are added and hashed when enough have gathered; each
// digest is handed to the Hasher's callback with the tag it was added with. Messages too
// big for the lanes (a lane would be busy with one long after the others ran out of work) are
// hashed two at a time in general registers, the one added first held until the next comes.
// Without AVX-512 (or without cgo) every message is hashed by crypto/md5 as it is added.
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
	// chunkSize is the size of the blocks of memory copies are held in; MaxHeld the largest
	// message copied into one, with room for its padding. A bigger one would keep its lane
	// busy long after the lanes beside it ran out of work: addBig takes it.
	chunkSize = 4 << 20
	MaxHeld   = chunkSize - 2*BlockSize
	// maxBig is the largest message held in whole (the read pass's default content cap);
	// bigger ones are hashed on their own as they are added.
	maxBig = 32 << 20
	// maxChunks bounds the copies held: when all are in use, the lanes run until one is
	// free again.
	maxChunks = 8
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

	big *bigJob[T] // the big message held, if any
	mem *memory

	jobs []*job[T] // finished jobs, for reuse
}

// memory is where a Hasher holds copies, outside the Go heap. It is given back by Flush, or
// when the Hasher is collected unflushed (a scan abandoned halfway).
type memory struct {
	chunks []*chunk // every chunk mapped; the last one takes new copies
	free   []*chunk // chunks no message uses, for the next copies
	big    []byte   // where the big message is held
}

// release unmaps all of m.
func (m *memory) release() {
	for _, c := range m.chunks {
		freeChunk(c.buf)
	}
	m.chunks, m.free = nil, nil
	if m.big != nil {
		freeChunk(m.big)
		m.big = nil
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
}

// New returns a Hasher that calls done with every digest.
func New[T any](done func(tag T, sum [Size]byte)) *Hasher[T] {
	h := &Hasher[T]{done: done, mem: new(memory)}
	runtime.AddCleanup(h, (*memory).release, h.mem)
	return h
}

// Accelerated reports whether messages are hashed several at a time on this machine.
func Accelerated() bool { return accelerated }

// Add hands over message p, to be hashed and reported with tag; p is not used after Add
// returns.
func (h *Hasher[T]) Add(tag T, p []byte) {
	switch {
	case !accelerated || len(p) > maxBig:
		h.done(tag, md5.Sum(p))
		return
	case len(p) > MaxHeld:
		h.addBig(tag, p)
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
		h.run(untilQueued)
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

// bigJob is a message too big for the lanes, copied whole to wait for the next big one: two
// are hashed together.
type bigJob[T any] struct {
	tag   T
	msg   []byte // the rest of the message, padded
	state [4]uint32
}

// addBig hashes p beside the big message held, if there is one, until either ends; what is
// left of the other is held in turn.
func (h *Hasher[T]) addBig(tag T, p []byte) {
	whole := len(p) &^ (BlockSize - 1)
	var tail [2 * BlockSize]byte
	nt := padded(len(p)) - whole
	copy(tail[:], p[whole:])
	pad(tail[:nt], len(p)-whole, len(p))
	state := iv
	segs := [2][]byte{p[:whole], tail[:nt]}
	for i := 0; i < len(segs) && h.big != nil; i++ {
		for len(segs[i]) > 0 && h.big != nil {
			b := h.big
			n := min(len(segs[i]), len(b.msg)) / BlockSize
			scalar2(&b.state, b.msg, &state, segs[i], n)
			b.msg = b.msg[n*BlockSize:]
			segs[i] = segs[i][n*BlockSize:]
			if len(b.msg) == 0 {
				h.finishBig()
			}
		}
	}
	rest := len(segs[0]) + len(segs[1])
	if rest == 0 {
		h.done(tag, digest(state))
		return
	}
	// Nothing held (any more): what is left of p waits, with its state so far, in the one
	// buffer kept for it (mapped once: a fresh mapping per file costs its page faults).
	if h.mem.big == nil {
		h.mem.big = newChunk(padded(maxBig))
	}
	buf := h.mem.big[:rest]
	copy(buf, segs[0])
	copy(buf[len(segs[0]):], segs[1])
	h.big = &bigJob[T]{tag: tag, msg: buf, state: state}
}

// finishBig reports the big message held, hashed to its end.
func (h *Hasher[T]) finishBig() {
	b := h.big
	h.big = nil
	h.done(b.tag, digest(b.state))
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
	h.run(untilDone)
	if h.big != nil {
		scalar1(&h.big.state, h.big.msg)
		h.finishBig()
	}
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
	if k := len(h.mem.chunks); k > 0 {
		c := h.mem.chunks[k-1]
		if c.live == 0 {
			c.used = 0
		}
		if c.used+n <= len(c.buf) {
			return c
		}
	}
	if len(h.mem.free) == 0 && len(h.mem.chunks) >= maxChunks {
		// Either a chunk is free after, or every message is hashed and the last chunk, which
		// never goes on the free list, is empty.
		h.run(untilFree)
		if c := h.mem.chunks[len(h.mem.chunks)-1]; c.live == 0 {
			c.used = 0
			return c
		}
	}
	var c *chunk
	if k := len(h.mem.free); k > 0 {
		c = h.mem.free[k-1]
		h.mem.free = h.mem.free[:k-1]
		// Move it last, where new copies go.
		for i, d := range h.mem.chunks {
			if d == c {
				h.mem.chunks = append(h.mem.chunks[:i], h.mem.chunks[i+1:]...)
				break
			}
		}
	} else {
		c = &chunk{buf: newChunk(chunkSize)}
	}
	c.used = 0
	h.mem.chunks = append(h.mem.chunks, c)
	return c
}

// What run runs until.
const (
	untilQueued = iota // every queued message is in a lane
	untilFree          // some chunk is free
	untilDone          // every message is hashed
)

// run fills idle lanes from the queue and runs all lanes until one of them reaches the end
// of its message, again and again until the goal is met. When the lanes must finish and
// only a few are busy, with nothing queued, those are run alone on scalar code.
func (h *Hasher[T]) run(goal int) {
	var p [Lanes]unsafe.Pointer
	for {
		switch goal {
		case untilQueued:
			if len(h.queue) == 0 {
				return
			}
		case untilFree:
			if len(h.mem.free) > 0 {
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
	if c.live--; c.live == 0 && c != h.mem.chunks[len(h.mem.chunks)-1] {
		h.mem.free = append(h.mem.free, c)
	}
	var zero T
	j.tag, j.msg, j.chunk = zero, nil, nil
	h.jobs = append(h.jobs, j)
	h.done(tag, sum)
}
