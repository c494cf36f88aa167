package md5x

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
)

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b[:n]
}

// collect adds every message to a Hasher with the given budget, flushes it and returns the
// digests by index, failing on a digest reported twice or never.
func collect(t testing.TB, msgs [][]byte, flushEvery int) [][Size]byte {
	t.Helper()
	got := make([][Size]byte, len(msgs))
	seen := make([]int, len(msgs))
	h := New(func(i int, sum [Size]byte) {
		got[i] = sum
		seen[i]++
	})
	for i, m := range msgs {
		// The caller's buffer is reused as soon as Add returns: scribble over a copy to
		// prove the Hasher kept nothing of it.
		c := append([]byte(nil), m...)
		h.Add(i, c)
		for k := range c {
			c[k] ^= 0xff
		}
		if flushEvery > 0 && (i+1)%flushEvery == 0 {
			h.Flush()
		}
	}
	h.Flush()
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("message %d (%d bytes) reported %d times", i, len(msgs[i]), n)
		}
	}
	if len(h.queue) != 0 || len(h.mem.small.chunks)+len(h.mem.large.chunks) != 0 {
		t.Fatalf("after Flush: %d queued, %d chunks", len(h.queue), len(h.mem.small.chunks)+len(h.mem.large.chunks))
	}
	for l, j := range h.lanes {
		if j != nil {
			t.Fatalf("after Flush: lane %d busy", l)
		}
	}
	return got
}

func check(t *testing.T, msgs [][]byte, flushEvery int) {
	t.Helper()
	got := collect(t, msgs, flushEvery)
	for i, m := range msgs {
		if want := md5.Sum(m); got[i] != want {
			t.Fatalf("message %d (%d bytes): %x, want %x", i, len(m), got[i], want)
		}
	}
}

// paths runs f on the accelerated path (where the machine has one) and the generic one.
func paths(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	names := []string{"generic"}
	if accelerated {
		names = append(names, "lanes")
	} else {
		t.Log("no AVX-512 here: only the generic path is tested")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			defer setAccelerated(accelerated)
			setAccelerated(name == "lanes")
			f(t)
		})
	}
}

func TestKnownAnswers(t *testing.T) {
	paths(t, func(t *testing.T) {
		cases := []struct{ in, want string }{
			{"", "d41d8cd98f00b204e9800998ecf8427e"},
			{"a", "0cc175b9c0f1b6a831c399e269772661"},
			{"abc", "900150983cd24fb0d6963f7d28e17f72"},
			{"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
			{"12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"},
		}
		var msgs [][]byte
		for _, c := range cases {
			msgs = append(msgs, []byte(c.in))
		}
		got := collect(t, msgs, 0)
		for i, c := range cases {
			if s := fmt.Sprintf("%x", got[i]); s != c.want {
				t.Errorf("md5(%q) = %s, want %s", c.in, s, c.want)
			}
		}
	})
}

// Every length around the block and padding boundaries, then random lengths up to the
// largest message held and beyond, in random mixes, flushed at random points.
func TestMatchesCryptoMD5(t *testing.T) {
	paths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		data := randomBytes(r, MaxHeld+300)
		var edges [][]byte
		for n := range 300 {
			edges = append(edges, data[n:n+n])
		}
		for _, n := range []int{511, 512, 513, 1000, 4095, 4096, 4097, 1 << 16, 1<<20 - 1, 1 << 20, 1<<20 + 55, MaxHeld - 1, MaxHeld, MaxHeld + 1} {
			edges = append(edges, data[:n])
		}
		check(t, edges, 0)
		for range 40 {
			var msgs [][]byte
			for range 1 + r.IntN(150) {
				var n int
				switch r.IntN(40) {
				case 0:
					n = r.IntN(MaxHeld + 300)
				case 1, 2, 3, 4, 5, 6, 7, 8:
					n = r.IntN(64 << 10)
				default:
					n = r.IntN(4 << 10)
				}
				off := r.IntN(len(data) - n + 1)
				msgs = append(msgs, data[off:off+n])
			}
			check(t, msgs, r.IntN(60))
		}
	})
}

// Messages big enough to fill every chunk of both sizes make Add wait for one to be free;
// the lanes that must finish with few busy ones left finish on scalar code.
func TestChunksRunOut(t *testing.T) {
	paths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		data := randomBytes(r, MaxHeld+64)
		var msgs [][]byte
		for i := range 3 * (maxSmall + maxLarge) {
			var n int
			switch i % 3 {
			case 0:
				n = r.IntN(200)
			case 1:
				n = smallChunk - 2*BlockSize - r.IntN(64<<10)
			case 2:
				n = MaxHeld - r.IntN(1<<20)
			}
			off := r.IntN(len(data) - n + 1)
			msgs = append(msgs, data[off:off+n])
		}
		check(t, msgs, 0)
	})
}

// Messages too big for the lanes go to crypto/md5 among the others.
func TestBigMessages(t *testing.T) {
	paths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		data := randomBytes(r, 10<<20)
		sizes := []int{MaxHeld + 1, MaxHeld + 55, MaxHeld + 56, 10 << 20, 5<<20 + 63, MaxHeld + 64}
		for trial := range 4 {
			var msgs [][]byte
			for _, k := range r.Perm(len(sizes)) {
				n := sizes[k]
				off := r.IntN(len(data) - n + 1)
				msgs = append(msgs, data[off:off+n])
				for range r.IntN(40) {
					n := r.IntN(10 << 10)
					msgs = append(msgs, data[off:off+n])
				}
			}
			check(t, msgs, []int{0, 1, 3, 7}[trial])
		}
	})
}

// The lanes go idle and are refilled as messages of different lengths end; a Hasher used
// for many rounds reuses its jobs and buffers.
func TestReuse(t *testing.T) {
	paths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		h := New(func(want [Size]byte, got [Size]byte) {
			if got != want {
				t.Fatalf("digest %x, want %x", got, want)
			}
		})
		for range 5000 {
			m := randomBytes(r, r.IntN(3000))
			h.Add(md5.Sum(m), m)
		}
		h.Flush()
		if !accelerated {
			return
		}
		if n := len(h.jobs); n > 2*Lanes+1 {
			t.Errorf("%d jobs kept for reuse, want at most %d", n, 2*Lanes+1)
		}

	})
}

func FuzzHasher(f *testing.F) {
	f.Add([]byte("abc"), []byte{3, 0, 200})
	f.Add(make([]byte, 300), []byte{55, 56, 63, 64, 65, 0, 119, 120})
	f.Fuzz(func(t *testing.T, data []byte, lengths []byte) {
		// lengths cut data into messages (cycling over it); each byte is a length up to 255,
		// a zero byte with the next one a length in blocks.
		var msgs [][]byte
		off := 0
		for i := 0; i < len(lengths) && len(msgs) < 200; i++ {
			n := int(lengths[i])
			if n == 0 && i+1 < len(lengths) {
				i++
				n = int(lengths[i]) * BlockSize
			}
			if len(data) == 0 {
				msgs = append(msgs, nil)
				continue
			}
			m := make([]byte, n)
			for k := range m {
				m[k] = data[(off+k)%len(data)]
			}
			off += n
			msgs = append(msgs, m)
		}
		got := collect(t, msgs, 0)
		for i, m := range msgs {
			if want := md5.Sum(m); got[i] != want {
				t.Fatalf("message %d (%d bytes): %x, want %x", i, len(m), got[i], want)
			}
		}
	})
}

// files returns n messages of the given size.
func files(n, size int) [][]byte {
	r := rand.New(rand.NewPCG(7, 8))
	out := make([][]byte, n)
	for i := range out {
		out[i] = randomBytes(r, size)
	}
	return out
}

func benchmarkSizes() []int { return []int{100, 4 << 10, 64 << 10, 1 << 20} }

// BenchmarkHasher hashes 256 messages of each size; compare with BenchmarkCryptoMD5.
func BenchmarkHasher(b *testing.B) {
	for _, size := range benchmarkSizes() {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			msgs := files(256, size)
			h := New(func(int, [Size]byte) {})
			b.SetBytes(int64(len(msgs) * size))
			for b.Loop() {
				for i, m := range msgs {
					h.Add(i, m)
				}
				h.Flush()
			}
		})
	}
}

func BenchmarkCryptoMD5(b *testing.B) {
	for _, size := range benchmarkSizes() {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			msgs := files(256, size)
			b.SetBytes(int64(len(msgs) * size))
			for b.Loop() {
				for _, m := range msgs {
					md5.Sum(m)
				}
			}
		})
	}
}

func setAccelerated(v bool) { accelerated = v }
