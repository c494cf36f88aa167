package forensics

import "hash/maphash"

// entryChunkSize is how many entries one chunk of entryChunks holds (about 680 KB).
const entryChunkSize = 4096

// entryChunks gathers a layer's entries while it is read. A layer of a few entries grows one
// small slice; past entryChunkSize, entries go to fixed-size chunks, so that adding one never
// copies those before it, and flatten lays them out once in a slice of the exact length.
type entryChunks struct {
	chunks [][]Entry
	n      int
}

func (c *entryChunks) len() int { return c.n }

func (c *entryChunks) add(e Entry) {
	last := len(c.chunks) - 1
	if last < 0 || len(c.chunks[last]) == entryChunkSize {
		size := entryChunkSize
		if last < 0 {
			size = 16 // the first chunk grows as a slice does, up to entryChunkSize
		}
		c.chunks = append(c.chunks, make([]Entry, 0, size))
		last++
	}
	c.chunks[last] = append(c.chunks[last], e)
	c.n++
}

// at returns the i-th entry added.
func (c *entryChunks) at(i int) *Entry {
	return &c.chunks[i/entryChunkSize][i%entryChunkSize]
}

// flatten returns the entries in one slice and empties c; each chunk is let go as soon as it
// has been copied.
func (c *entryChunks) flatten() []Entry {
	switch len(c.chunks) {
	case 0:
		return nil
	case 1:
		out := c.chunks[0]
		*c = entryChunks{}
		return out
	}
	out := make([]Entry, 0, c.n)
	for k, ch := range c.chunks {
		out = append(out, ch...)
		c.chunks[k] = nil
	}
	*c = entryChunks{}
	return out
}

// entrySet finds the entry a new one of a layer duplicates: the earlier entry at the same path
// of the same kind (a directory and its opaque marker share a path, as a file and a whiteout
// of it may; only a second entry of the same kind is a duplicate). It keys on a hash of the
// path, seeded at random so that no layer can be crafted to collide, and holds 16 bytes per
// entry instead of a string and an index; the rare key whose hash another key took first is
// kept by name.
type entrySet struct {
	seed  maphash.Seed
	first map[uint64]uint32
	more  map[string]int
}

func newEntrySet() *entrySet {
	return &entrySet{seed: maphash.MakeSeed(), first: make(map[uint64]uint32)}
}

// entryKind tells apart the entries that may share a path without duplicating each other.
func entryKind(e *Entry) byte {
	switch {
	case e.Opaque:
		return 1
	case e.Whiteout:
		return 2
	}
	return 0
}

func (s *entrySet) hash(e *Entry) uint64 {
	return maphash.String(s.seed, e.Path) ^ uint64(entryKind(e))*0x9e3779b97f4a7c15
}

// find returns the index in c of the entry e duplicates, or -1.
func (s *entrySet) find(c *entryChunks, e *Entry) int {
	k, ok := s.first[s.hash(e)]
	if !ok {
		return -1
	}
	if prev := c.at(int(k)); prev.Path == e.Path && entryKind(prev) == entryKind(e) {
		return int(k)
	}
	if k, ok := s.more[moreKey(e)]; ok {
		return k
	}
	return -1
}

// add records that e, not a duplicate, is entry i.
func (s *entrySet) add(e *Entry, i int) {
	h := s.hash(e)
	if _, taken := s.first[h]; !taken {
		s.first[h] = uint32(i)
		return
	}
	if s.more == nil {
		s.more = make(map[string]int)
	}
	s.more[moreKey(e)] = i
}

func moreKey(e *Entry) string { return string(rune('0'+entryKind(e))) + e.Path }
