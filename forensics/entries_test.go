package forensics

import (
	"fmt"
	"testing"
)

// TestEntryChunks adds entries across chunk boundaries, with duplicates of early entries late
// in the stream, and checks the result against the plain slice the chunks replace.
func TestEntryChunks(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, entryChunkSize - 1, entryChunkSize, entryChunkSize + 1, 3*entryChunkSize + 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var c entryChunks
			set := newEntrySet()
			var want []Entry
			wantIndex := map[string]int{}
			add := func(e Entry) {
				key := string(rune('0'+entryKind(&e))) + e.Path
				prev, dup := wantIndex[key]
				got := set.find(&c, &e)
				switch {
				case dup && got != prev:
					t.Fatalf("%s (kind %d): found %d, want duplicate of %d", e.Path, entryKind(&e), got, prev)
				case !dup && got != -1:
					t.Fatalf("%s (kind %d): found %d, want no duplicate", e.Path, entryKind(&e), got)
				}
				if dup {
					want[prev] = e
					*c.at(prev) = e
					return
				}
				wantIndex[key] = len(want)
				want = append(want, e)
				set.add(&c, &e, c.len())
				c.add(e)
			}
			for i := 0; i < n; i++ {
				add(Entry{Path: fmt.Sprintf("/d/f%d", i), Size: int64(i)})
				if i%1000 == 999 {
					// The same path again, and that path as a whiteout and an opaque marker:
					// only the first is a duplicate.
					p := fmt.Sprintf("/d/f%d", i/2)
					add(Entry{Path: p, Size: -1})
					add(Entry{Path: p, Whiteout: true})
					add(Entry{Path: p, Opaque: true})
					add(Entry{Path: p, Whiteout: true, Size: -2})
				}
			}
			if c.len() != len(want) {
				t.Fatalf("len %d, want %d", c.len(), len(want))
			}
			got := c.flatten()
			if len(got) != len(want) || c.len() != 0 {
				t.Fatalf("flattened %d entries (%d left), want %d", len(got), c.len(), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("entry %d: got %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestEntrySetCollision files every entry under one hash, as if every path collided, and
// checks that no entry is taken for a duplicate of another path or kind, that duplicates are
// still found, and that growing the table keeps them.
func TestEntrySetCollision(t *testing.T) {
	var c entryChunks
	set := newEntrySet()
	set.slots.collide = true
	for i := 0; i < 40; i++ { // past the first table's 12
		e := Entry{Path: fmt.Sprintf("/f%d", i)}
		if got := set.find(&c, &e); got != -1 {
			t.Fatalf("%s taken for a duplicate of entry %d", e.Path, got)
		}
		set.add(&c, &e, c.len())
		c.add(e)
	}
	for _, tc := range []struct {
		e    Entry
		want int
	}{
		{Entry{Path: "/f0"}, 0},
		{Entry{Path: "/f39", Size: 1}, 39},
		{Entry{Path: "/f1", Whiteout: true}, -1},
		{Entry{Path: "/f1", Opaque: true}, -1},
		{Entry{Path: "/g"}, -1},
	} {
		if got := set.find(&c, &tc.e); got != tc.want {
			t.Errorf("find(%+v) = %d, want %d", tc.e, got, tc.want)
		}
	}
}

// TestNodeIndexCollision files every node under one hash and checks that each path still
// finds its own node, across the table's growth and the chunks' boundary.
func TestNodeIndexCollision(t *testing.T) {
	for _, collide := range []bool{true, false} {
		x := newNodeIndex(0)
		x.slots.collide = collide
		n := 50
		if !collide {
			n = 3*nodeIndexChunk + 5
		}
		nodes := map[string]*Node{}
		for i := 0; i < n; i++ {
			p := fmt.Sprintf("/d/f%d", i)
			nodes[p] = x.add(&Entry{Path: p})
		}
		if x.len() != n {
			t.Errorf("collide %v: len %d, want %d", collide, x.len(), n)
		}
		for p, want := range nodes {
			if got := x.get(p); got != want || got.Path() != p {
				t.Fatalf("collide %v: get(%s) = %p, want %p", collide, p, got, want)
			}
		}
		if got := x.get("/d/none"); got != nil {
			t.Errorf("collide %v: get of a missing path = %+v", collide, got)
		}
	}
}
