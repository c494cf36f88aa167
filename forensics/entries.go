package forensics

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

// EntryBatch is how many entries ReadOptions.Entries is given at a time.
const EntryBatch = 1024

// copyRange returns a copy of the entries added from the from-th up to the to-th.
func (c *entryChunks) copyRange(from, to int) []Entry {
	out := make([]Entry, 0, to-from)
	for i := from; i < to; {
		ch := c.chunks[i/entryChunkSize]
		j := i % entryChunkSize
		n := min(len(ch)-j, to-i)
		out = append(out, ch[j:j+n]...)
		i += n
	}
	return out
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
// of it may; only a second entry of the same kind is a duplicate). It files the entries'
// numbers in a slotTable, 4 to 8 bytes per entry.
type entrySet struct {
	slots *slotTable
}

func newEntrySet() *entrySet {
	return &entrySet{slots: newSlotTable(0)}
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

// find returns the index in c of the entry e duplicates, or -1.
func (s *entrySet) find(c *entryChunks, e *Entry) int {
	kind := entryKind(e)
	return s.slots.find(s.slots.hash(e.Path, kind), func(k int) bool {
		prev := c.at(k)
		return prev.Path == e.Path && entryKind(prev) == kind
	})
}

// add records that e, not a duplicate, is entry i of c (added to c next).
func (s *entrySet) add(c *entryChunks, e *Entry, i int) {
	s.slots.insert(s.slots.hash(e.Path, entryKind(e)), i, func(k int) uint64 {
		if k == i {
			return s.slots.hash(e.Path, entryKind(e))
		}
		prev := c.at(k)
		return s.slots.hash(prev.Path, entryKind(prev))
	})
}
