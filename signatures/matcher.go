package signatures

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/bits"
	"path"
	"slices"
	"strings"
)

// A prefilter tells whether data holds one of a set's words, in any ASCII case. It finds them
// one of two ways, chosen by the words:
//
//   - by anchor bytes, when they are one or two (one letter, or two other bytes): each word
//     is found by its rarest byte, and bytes.IndexByte (vector code) looks for each anchor
//     byte in turn, a 64 KB stretch at a time so that a pass after the first reads it from
//     the cache;
//   - by grams otherwise: the words' four-byte grams are marked in a bitmap, and one pass
//     over data looks up the grams it holds (every few bytes when the words are long, see
//     gramFilter), checking the words of a marked gram where it is. On real binaries and
//     text this costs the built-in sets' thirteen words a third of the eleven IndexByte
//     passes their anchors took.
//
// Both fold ASCII case the same way: data matches a word where they are equal up to the case
// of letters.
//
// Names, paths, sizes and digests a set's rules need let a file through too.
type prefilter struct {
	anchors []anchorGroup
	grams   *gramFilter
	none    bool // no words: only the names, extensions, paths, sizes and digests let files through
	names   map[string]bool
	exts    map[string]bool
	paths   map[string]bool
	sizes   map[int64]bool
	hashes  map[string]bool // "md5:hex"
	algs    []string        // the digests hashes holds
	counts  []countNeed
}

// anchorGroup are words that hold the (lower-case) byte c at offset at[i].
type anchorGroup struct {
	c     byte
	words []string
	at    []int
}

// maxAnchorPasses is how many passes of bytes.IndexByte over the data (one per anchor byte,
// two for a letter) the anchor way may take; past it the one pass over grams is cheaper.
const maxAnchorPasses = 2

// anchorStretch is how much of the data the anchor passes read before moving on.
const anchorStretch = 64 << 10

// byteFrequency is roughly how many of a thousand bytes of text or binaries are c, in either
// case for letters (both cases are searched); an anchor is the rarest byte of its word.
func byteFrequency(c byte) int {
	c = lowerASCII(c)
	if c >= 'a' && c <= 'z' {
		return [26]int{60, 10, 30, 30, 90, 18, 15, 30, 55, 1, 5, 35, 22, 55, 55, 18, 1, 50, 50, 65, 25, 8, 12, 3, 12, 1}[c-'a']
	}
	switch c {
	case ' ', 0:
		return 120
	case '\n', '\t', 0xff:
		return 20
	case '.', ',', '_', '"', '0':
		return 12
	case '/', '-', '(', ')', '=', '1', '*':
		return 8
	case ';', ':', '\'', '2', '#', '$', '<', '>':
		return 5
	}
	return 2
}

// newPrefilter returns a prefilter for what a set's rules need; nil when it cannot rule files
// out.
func newPrefilter(n *need) *prefilter {
	if n.quality() < minWord || len(n.types) > 0 {
		return nil // a file type is not known where a prefilter is asked; rule filters read it
	}
	var p *prefilter
	if len(n.words) > 0 {
		p = newWordFilter(n.words)
	} else {
		p = &prefilter{none: true}
	}
	set := func(vs []string) map[string]bool {
		if len(vs) == 0 {
			return nil
		}
		m := map[string]bool{}
		for _, v := range vs {
			m[v] = true
		}
		return m
	}
	p.names, p.exts, p.paths, p.hashes, p.counts = set(n.names), set(n.exts), set(n.paths), set(n.hashes), n.counts
	for _, v := range n.sizes {
		if p.sizes == nil {
			p.sizes = map[int64]bool{}
		}
		p.sizes[v] = true
	}
	for h := range p.hashes {
		if alg, _, _ := strings.Cut(h, ":"); !slices.Contains(p.algs, alg) {
			p.algs = append(p.algs, alg)
		}
	}
	slices.Sort(p.algs)
	return p
}

// newWordFilter returns a prefilter that finds ws (lower-cased, four bytes or longer).
func newWordFilter(ws words) *prefilter {
	ws = slices.Clone(ws)
	slices.Sort(ws)
	ws = slices.Compact(ws)
	if len(ws) <= 64 {
		// A word that holds another is found through it.
		var kept []string
		for _, w := range ws {
			if !slices.ContainsFunc(ws, func(v string) bool { return v != w && strings.Contains(w, v) }) {
				kept = append(kept, w)
			}
		}
		ws = kept
	}
	p := &prefilter{}
	passes := 0
	for _, w := range ws {
		best := 0
		for i := range w {
			if byteFrequency(w[i]) < byteFrequency(w[best]) {
				best = i
			}
		}
		c := lowerASCII(w[best])
		k := slices.IndexFunc(p.anchors, func(g anchorGroup) bool { return g.c == c })
		if k < 0 {
			p.anchors = append(p.anchors, anchorGroup{c: c})
			k = len(p.anchors) - 1
			passes++
			if c >= 'a' && c <= 'z' {
				passes++
			}
			if passes > maxAnchorPasses {
				return &prefilter{grams: newGramFilter(ws)}
			}
		}
		p.anchors[k].words = append(p.anchors[k].words, w)
		p.anchors[k].at = append(p.anchors[k].at, best)
	}
	return p
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// may reports whether a file of the name and path whose content is data shows what the set
// needs: a name, path or size, one of the words in any ASCII case, or a digest.
func (p *prefilter) may(name, path string, data []byte) bool {
	if p.names[name] || p.exts[extensionOf(name)] || p.paths[path] || p.sizes[int64(len(data))] || !p.none && p.hasWord(data) {
		return true
	}
	var diffs []byte
	for _, c := range p.counts {
		d := data
		if c.pat.diff {
			if diffs == nil {
				diffs = differences(nil, data)
			}
			d = diffs
		}
		if c.pat.count(d, c.min) >= c.min {
			return true
		}
	}
	for _, alg := range p.algs {
		if p.hashes[digestKey(alg, data)] {
			return true
		}
	}
	return false
}

// count returns how many times data holds the pattern (overlapping ones too), counting up to
// most.
func (p *pattern) count(data []byte, most int64) int64 {
	// Found by its rarest stretch of whole bytes: bytes.Index looks for a few bytes at once
	// about as fast as for one, and a stretch is far rarer than a byte of it in machine code.
	// How rare is the product of its bytes' frequencies (a sum of their logarithms).
	at, size, best := -1, 0, 0.0
	for i := 0; i < len(p.mask); {
		if p.mask[i] != 0xff {
			i++
			continue
		}
		j, rarity := i, 0.0
		for ; j < len(p.mask) && p.mask[j] == 0xff; j++ {
			rarity += math.Log2(1000 / float64(byteFrequency(p.bytes[j])))
		}
		if rarity > best {
			at, size, best = i, j-i, rarity
		}
		i = j
	}
	if at < 0 {
		return 0
	}
	needle := p.bytes[at : at+size]
	n := int64(0)
	for from := at; from < len(data) && n < most; {
		i := bytes.Index(data[from:], needle)
		if i < 0 {
			break
		}
		i += from
		from = i + 1
		start := i - at
		if start < 0 || start+len(p.bytes) > len(data) {
			continue
		}
		ok := true
		for k, m := range p.mask {
			if data[start+k]&m != p.bytes[k] {
				ok = false
				break
			}
		}
		if ok {
			n++
		}
	}
	return n
}

// hasWord reports whether data holds one of the words, in any ASCII case.
func (p *prefilter) hasWord(data []byte) bool {
	if p.grams != nil {
		return p.grams.may(data)
	}
	for from := 0; from < len(data); from += anchorStretch {
		to := min(len(data), from+anchorStretch)
		for _, g := range p.anchors {
			if g.find(data, from, to, g.c) {
				return true
			}
			if up := g.c - ('a' - 'A'); g.c >= 'a' && g.c <= 'z' && g.find(data, from, to, up) {
				return true
			}
		}
	}
	return false
}

// find looks for the group's words at each occurrence of c in data[from:to].
func (g *anchorGroup) find(data []byte, from, to int, c byte) bool {
	for {
		i := bytes.IndexByte(data[from:to], c)
		if i < 0 {
			return false
		}
		i += from
		for k, w := range g.words {
			start := i - g.at[k]
			if start >= 0 && start+len(w) <= len(data) && equalFoldASCII(data[start:start+len(w)], w) {
				return true
			}
		}
		from = i + 1
	}
}

// equalFoldASCII reports whether b equals the lower-case word w in ASCII case folding.
func equalFoldASCII(b []byte, w string) bool {
	for i := range b {
		if lowerASCII(b[i]) != w[i] {
			return false
		}
	}
	return true
}

// gramFilter finds many words in one pass. Words are marked by their four-byte grams, folded by
// setting bit 5 of every byte (which maps upper-case letters onto lower-case ones, and a few
// other bytes onto each other: a marked gram is a candidate, checked word by word). When every
// word is longer than four bytes, every gram of every word is marked and only every stride-th
// position of the data is looked up: a word of length n covers n-3 positions in a row, one of
// which the pass lands on. Otherwise each word is marked by its rarest gram, and the pass looks
// at every position.
type gramFilter struct {
	shift  uint32
	stride int
	bits   []uint64
	words  map[uint32][]gramWord // folded gram -> words marked by it, until flatten
	// The words marked by each gram, flat[from:to] of its slot in table (see marked).
	table  []gramSlot
	tshift uint32
	flat   []gramWord
}

// gramWord is a word and the offset of a gram that marks it.
type gramWord struct {
	w  string
	at int
	id int // the word's index, for collect
}

const gramFold = 0x20202020

// maxStride bounds the stride: longer words only make for more grams to mark.
const maxStride = 8

func gramHash(x uint32, shift uint32) uint32 { return (x * 0x9E3779B1) >> shift }

// newGramFilter marks ws (each of four bytes or more).
func newGramFilter(ws []string) *gramFilter {
	shortest := len(ws[0])
	for _, w := range ws {
		shortest = min(shortest, len(w))
	}
	stride := min(maxStride, shortest-3)
	marks := len(ws)
	if stride > 1 {
		marks = 0
		for _, w := range ws {
			marks += len(w) - 3
		}
	}
	// About 1 bit in 256 set: a position of data that holds no word is a candidate that rarely.
	b := max(12, min(24, bits.Len(uint(marks))+8))
	g := &gramFilter{shift: uint32(32 - b), stride: stride, bits: make([]uint64, (1<<b)/64), words: map[uint32][]gramWord{}}
	mark := func(w string, at int) {
		x := binary.LittleEndian.Uint32([]byte(w[at:at+4])) | gramFold
		h := gramHash(x, g.shift)
		g.bits[h>>6] |= 1 << (h & 63)
		g.words[x] = append(g.words[x], gramWord{w: w, at: at})
	}
	for _, w := range ws {
		if stride > 1 {
			for i := 0; i+4 <= len(w); i++ {
				mark(w, i)
			}
			continue
		}
		best, score := 0, -1
		for i := 0; i+4 <= len(w); i++ {
			s := 0
			for _, c := range []byte(w[i : i+4]) {
				s += byteFrequency(c)
			}
			if score < 0 || s < score {
				best, score = i, s
			}
		}
		mark(w, best)
	}
	g.flatten()
	return g
}

// gramSlot is an entry of a gramFilter's table: the words marked by the gram x are
// flat[from:to].
type gramSlot struct {
	x        uint32
	from, to int32
}

// flatten lays the words out in one slice, found through an open-addressed table of the grams
// (a map lookup for every candidate gram cost a fifth of a pass).
func (g *gramFilter) flatten() {
	b := bits.Len(uint(2*len(g.words))) + 1
	g.tshift = uint32(32 - b)
	g.table = make([]gramSlot, 1<<b)
	g.flat = make([]gramWord, 0, len(g.words))
	mask := uint32(len(g.table) - 1)
	for x, ws := range g.words {
		i := gramHash(x, g.tshift)
		for g.table[i].to != 0 {
			i = (i + 1) & mask
		}
		g.table[i] = gramSlot{x, int32(len(g.flat)), int32(len(g.flat) + len(ws))}
		g.flat = append(g.flat, ws...)
	}
	g.words = nil
}

// marked returns the words the gram x marks.
func (g *gramFilter) marked(x uint32) []gramWord {
	mask := uint32(len(g.table) - 1)
	for i := gramHash(x, g.tshift); ; i = (i + 1) & mask {
		s := &g.table[i]
		if s.to == 0 {
			return nil
		}
		if s.x == x {
			return g.flat[s.from:s.to]
		}
	}
}

func (g *gramFilter) may(data []byte) bool {
	bitmap, shift, stride := g.bits, g.shift, g.stride
	i := 0
	if stride == 1 {
		// Four grams from each eight bytes read.
		for ; i+8 <= len(data); i += 4 {
			v := binary.LittleEndian.Uint64(data[i:]) | gramFold<<32 | gramFold
			x0, x1, x2, x3 := uint32(v), uint32(v>>8), uint32(v>>16), uint32(v>>24)
			h0, h1, h2, h3 := gramHash(x0, shift), gramHash(x1, shift), gramHash(x2, shift), gramHash(x3, shift)
			if (bitmap[h0>>6]>>(h0&63)|bitmap[h1>>6]>>(h1&63)|bitmap[h2>>6]>>(h2&63)|bitmap[h3>>6]>>(h3&63))&1 == 0 {
				continue
			}
			for k, x := range [4]uint32{x0, x1, x2, x3} {
				if g.at(data, i+k, x) {
					return true
				}
			}
		}
	}
	for ; i+4 <= len(data); i += stride {
		x := binary.LittleEndian.Uint32(data[i:]) | gramFold
		h := gramHash(x, shift)
		if bitmap[h>>6]&(1<<(h&63)) != 0 && g.at(data, i, x) {
			return true
		}
	}
	return false
}

// at reports whether a word marked by the gram x is in data where x is at i.
func (g *gramFilter) at(data []byte, i int, x uint32) bool {
	for _, gw := range g.marked(x) {
		start := i - gw.at
		if start >= 0 && start+len(gw.w) <= len(data) && equalFoldASCII(data[start:start+len(gw.w)], gw.w) {
			return true
		}
	}
	return false
}

// collect sets the bit of every word data holds at a gram position in [from, to) (by its id)
// in found, and appends the words it finds for the first time to fresh. from and to are
// multiples of four times the stride (to may pass the end of data).
func (g *gramFilter) collect(data []byte, from, to int, found []uint64, fresh []int) []int {
	bitmap, shift, stride := g.bits, g.shift, g.stride
	i := from
	if stride == 1 {
		for ; i+8 <= len(data) && i < to; i += 4 {
			v := binary.LittleEndian.Uint64(data[i:]) | gramFold<<32 | gramFold
			x0, x1, x2, x3 := uint32(v), uint32(v>>8), uint32(v>>16), uint32(v>>24)
			h0, h1, h2, h3 := gramHash(x0, shift), gramHash(x1, shift), gramHash(x2, shift), gramHash(x3, shift)
			if (bitmap[h0>>6]>>(h0&63)|bitmap[h1>>6]>>(h1&63)|bitmap[h2>>6]>>(h2&63)|bitmap[h3>>6]>>(h3&63))&1 == 0 {
				continue
			}
			for k, x := range [4]uint32{x0, x1, x2, x3} {
				fresh = g.collectAt(data, i+k, x, found, fresh)
			}
		}
	}
	for ; i+4 <= len(data) && i < to; i += stride {
		x := binary.LittleEndian.Uint32(data[i:]) | gramFold
		h := gramHash(x, shift)
		if bitmap[h>>6]&(1<<(h&63)) != 0 {
			fresh = g.collectAt(data, i, x, found, fresh)
		}
	}
	return fresh
}

// collectAt sets the bits of the words marked by the gram x that data holds where x is at i,
// appending those not set before to fresh.
func (g *gramFilter) collectAt(data []byte, i int, x uint32, found []uint64, fresh []int) []int {
	for _, gw := range g.marked(x) {
		start := i - gw.at
		if found[gw.id>>6]&(1<<(gw.id&63)) == 0 && start >= 0 && start+len(gw.w) <= len(data) && equalFoldASCII(data[start:start+len(gw.w)], gw.w) {
			found[gw.id>>6] |= 1 << (gw.id & 63)
			fresh = append(fresh, gw.id)
		}
	}
	return fresh
}

// digestKey returns data's digest by alg (md5, sha1 or sha256, as hash.md5 and its kin name
// them) as "alg:hex", the form the prefilters keep the digests rules compare with.
func digestKey(alg string, data []byte) string {
	var sum []byte
	switch alg {
	case "md5":
		h := md5.Sum(data)
		sum = h[:]
	case "sha1":
		h := sha1.Sum(data)
		sum = h[:]
	case "sha256":
		h := sha256.Sum256(data)
		sum = h[:]
	}
	return alg + ":" + hex.EncodeToString(sum)
}

// extensionOf is the extension external of a file of the name: lower-cased, with the dot.
func extensionOf(name string) string { return strings.ToLower(path.Ext(name)) }
