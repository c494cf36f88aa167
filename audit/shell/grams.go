package shell

import (
	"bytes"
	"math/bits"
	"sync"
)

// grams is the set of a text's trigrams, hashed into a bitmap: one pass over the text, and
// then each of the analyzer's dozens of trigger words is looked for only where all its
// trigrams occur. A word the set rules out cannot be in the text (the set gives false
// positives, never false negatives), so the gates decide exactly as one search per word
// would, at a fraction of the passes over a file that holds none of them.
type grams struct {
	data []byte
	bits []uint64
	mask uint32
}

// minGramBits and maxGramBits bound the bitmap: about eight bits per byte of text keep it
// sparse enough that a trigger word of four letters is ruled out nearly always when absent.
const (
	minGramBits = 1 << 12
	maxGramBits = 1 << 23
)

var gramPool = sync.Pool{New: func() any { return &grams{} }}

// newGrams returns the trigram set of data; release it when done.
func newGrams(data []byte) *grams {
	g := gramPool.Get().(*grams)
	n := min(max(minGramBits, 1<<bits.Len(uint(len(data))*8)), maxGramBits)
	if cap(g.bits) < n/64 {
		g.bits = make([]uint64, n/64)
	} else {
		g.bits = g.bits[:n/64]
		clear(g.bits)
	}
	g.data, g.mask = data, uint32(n-1)
	if len(data) >= 3 {
		w := uint32(data[0])<<8 | uint32(data[1])
		for _, c := range data[2:] {
			w = (w<<8 | uint32(c)) & 0xffffff
			h := gramHash(w) & g.mask
			g.bits[h>>6] |= 1 << (h & 63)
		}
	}
	return g
}

func (g *grams) release() {
	g.data = nil
	gramPool.Put(g)
}

func gramHash(w uint32) uint32 { return (w * 0x9E3779B1) >> 8 }

// may reports whether word may be in the text: false means it certainly is not.
func (g *grams) may(word []byte) bool {
	if len(word) > len(g.data) {
		return false
	}
	for i := 0; i+3 <= len(word); i++ {
		h := gramHash(uint32(word[i])<<16|uint32(word[i+1])<<8|uint32(word[i+2])) & g.mask
		if g.bits[h>>6]&(1<<(h&63)) == 0 {
			return false
		}
	}
	return true
}

// has reports whether the text holds word. A nil set searches the text itself.
func (g *grams) has(data, word []byte) bool {
	if g != nil && !g.may(word) {
		return false
	}
	return bytes.Contains(data, word)
}

// hasString is has for a word given as a string.
func (g *grams) hasString(data []byte, word string) bool {
	return g.has(data, []byte(word))
}
