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
				set.add(&e, c.len())
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

// TestEntrySetCollision forces two different paths onto one hash, as a collision would put
// them, and checks that neither is taken for a duplicate of the other and that duplicates of
// the second are still found.
func TestEntrySetCollision(t *testing.T) {
	var c entryChunks
	set := newEntrySet()
	a, b := Entry{Path: "/a"}, Entry{Path: "/b"}
	set.add(&a, c.len())
	c.add(a)
	set.first[set.hash(&b)] = 0 // b's hash now names a's entry
	if got := set.find(&c, &b); got != -1 {
		t.Fatalf("/b taken for a duplicate of entry %d", got)
	}
	set.add(&b, c.len())
	c.add(b)
	if len(set.more) != 1 {
		t.Fatalf("colliding key not kept by name: %v", set.more)
	}
	for _, tc := range []struct {
		e    Entry
		want int
	}{
		{Entry{Path: "/a"}, 0},
		{Entry{Path: "/b", Size: 1}, 1},
		{Entry{Path: "/b", Whiteout: true}, -1},
		{Entry{Path: "/c"}, -1},
	} {
		if got := set.find(&c, &tc.e); got != tc.want {
			t.Errorf("find(%+v) = %d, want %d", tc.e, got, tc.want)
		}
	}
}
