package forensics

import "hash/maphash"

// slotTable finds items (entries of a layer, nodes of a tree) by a string key without holding
// the keys: an open-addressing table of item numbers, probed linearly from a hash of the key
// seeded at random, so that no layer can be crafted to collide. The caller keeps the items and
// tells whether item k is the one looked for. 4 to 8 bytes per item, where a map from the key
// took 25 to 50.
type slotTable struct {
	seed  maphash.Seed
	slots []uint32 // item number + 1; 0 is an empty slot
	n     int
	// collide makes every key hash alike (tests: probing must still tell keys apart).
	collide bool
}

func newSlotTable(size int) *slotTable {
	s := &slotTable{seed: maphash.MakeSeed()}
	s.slots = make([]uint32, tableSize(size))
	return s
}

// tableSize is the number of slots that holds size items at a load of at most 3/4.
func tableSize(size int) int {
	n := 16
	for n/4*3 < size {
		n *= 2
	}
	return n
}

// hash is key's hash; extra tells apart items of the same key that are not the same item.
func (s *slotTable) hash(key string, extra byte) uint64 {
	if s.collide {
		return 0
	}
	return maphash.String(s.seed, key) ^ uint64(extra)*0x9e3779b97f4a7c15
}

// find returns the item filed under h that match accepts, or -1.
func (s *slotTable) find(h uint64, match func(k int) bool) int {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		v := s.slots[i]
		if v == 0 {
			return -1
		}
		if match(int(v - 1)) {
			return int(v - 1)
		}
	}
}

// insert files item k under h. When the table is full enough it doubles first, filing the
// items again under the hashes rehash gives.
func (s *slotTable) insert(h uint64, k int, rehash func(k int) uint64) {
	if (s.n+1)*4 > len(s.slots)*3 {
		old := s.slots
		s.slots = make([]uint32, 2*len(old))
		for _, v := range old {
			if v != 0 {
				s.place(rehash(int(v-1)), int(v-1))
			}
		}
	}
	s.place(h, k)
	s.n++
}

func (s *slotTable) place(h uint64, k int) {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if s.slots[i] == 0 {
			s.slots[i] = uint32(k + 1)
			return
		}
	}
}
