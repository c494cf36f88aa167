package forensics

import (
	"fmt"
	"testing"
	"time"
	"unsafe"
)

// TestEntrySize keeps an Entry at 56 bytes: a layer of a million files holds a million of them.
func TestEntrySize(t *testing.T) {
	if got := unsafe.Sizeof(Entry{}); unsafe.Sizeof(uintptr(0)) == 8 && got > 56 {
		t.Errorf("an Entry takes %d bytes, want at most 56", got)
	}
}

// TestDigestTable checks that the entries a DigestTable sets read back their own digests,
// share one copy of each, and that an empty digest is none.
func TestDigestTable(t *testing.T) {
	var dt DigestTable
	a, b, c, d := &Entry{}, &Entry{}, &Entry{}, &Entry{}
	dt.Set(a, "aa")
	dt.Set(b, "bb")
	dt.Set(c, "aa")
	dt.Set(d, "")
	for _, x := range []struct {
		e    *Entry
		want string
	}{{a, "aa"}, {b, "bb"}, {c, "aa"}, {d, ""}} {
		if got := x.e.SHA256(); got != x.want {
			t.Errorf("SHA256() = %q, want %q", got, x.want)
		}
	}
	if a.sha != c.sha || a.sha == b.sha {
		t.Errorf("entries of one content do not share its digest (%p %p %p)", a.sha, b.sha, c.sha)
	}
	if d.sha != nil {
		t.Errorf("an empty digest is held as %q", *d.sha)
	}
	// SetSHA256 gives an entry its own; setting another leaves the first entry's as it was.
	var e Entry
	e.SetSHA256("cc")
	f := e
	f.SetSHA256("dd")
	if e.SHA256() != "cc" || f.SHA256() != "dd" {
		t.Errorf("after a copy's SetSHA256: %q and %q, want cc and dd", e.SHA256(), f.SHA256())
	}
	// Past maxDigestNames distinct digests, entries get their own, still right.
	var big DigestTable
	for i := range maxDigestNames + 2 {
		big.Set(&Entry{}, fmt.Sprint(i))
	}
	var g, h Entry
	big.Set(&g, "past")
	big.Set(&h, "past")
	if g.SHA256() != "past" || h.SHA256() != "past" || len(big.m) > maxDigestNames {
		t.Errorf("past the table's bound: %q, %q, %d shared", g.SHA256(), h.SHA256(), len(big.m))
	}
}

// TestEntryModTime checks that every time a tar can carry reads back as it was set, the ones
// that do not fit in int64 nanoseconds included, and that the mtime and the out-of-line
// attributes do not overwrite each other whichever is set first.
func TestEntryModTime(t *testing.T) {
	attrs := EntryAttrs{UID: 1000, GID: 1000, Uname: "app", Gname: "app", Link: "/x"}
	for _, tt := range []struct {
		name string
		t    time.Time
	}{
		{"zero", time.Time{}},
		{"epoch", time.Unix(0, 0)},
		{"nanoseconds", time.Date(2024, 6, 2, 9, 14, 0, 123456789, time.UTC)},
		{"another zone", time.Date(2024, 6, 2, 9, 14, 0, 0, time.FixedZone("x", 3600))},
		{"before 1678", time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"after 2262", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"year 1, not zero", time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			check := func(how string, e *Entry) {
				t.Helper()
				if got := e.ModTime(); !got.Equal(tt.t) || got.Location() != time.UTC || got.IsZero() != tt.t.IsZero() {
					t.Errorf("%s: ModTime() = %v, want %v in UTC", how, got, tt.t)
				}
				if got := e.Attrs(); got != attrs {
					t.Errorf("%s: Attrs() = %+v, want %+v", how, got, attrs)
				}
			}
			var a, b Entry
			a.SetModTime(tt.t)
			a.SetAttrs(attrs)
			check("time first", &a)
			var table AttrTable
			table.Set(&b, attrs)
			b.SetModTime(tt.t)
			check("attributes first", &b)
			b.SetModTime(time.Unix(5, 0))
			b.SetModTime(tt.t)
			check("time set twice", &b)
			if !sameEntry(&a, &b) {
				t.Errorf("entries set the same way differ")
			}
		})
	}
}

// TestAttrTable checks that entries with the same owner share one copy of it, that link
// targets are not kept in the table, and that setting one entry's attributes never changes
// another's.
func TestAttrTable(t *testing.T) {
	var table AttrTable
	root := EntryAttrs{Uname: "root", Gname: "root"}
	var a, b, c, d Entry
	table.Set(&a, root)
	table.Set(&b, root)
	if a.more != b.more {
		t.Errorf("two entries owned by root:root hold two copies of the owner")
	}
	table.Set(&c, EntryAttrs{})
	if c.more != nil {
		t.Errorf("zero attributes are held out of line")
	}
	table.Set(&d, EntryAttrs{Uname: "root", Gname: "root", Link: "/etc/passwd"})
	if len(table.m) != 1 {
		t.Errorf("the table holds %d attribute sets, want 1 (links are not shared)", len(table.m))
	}
	table.Set(&b, EntryAttrs{UID: 5, Uname: "games"})
	if a.Uname() != "root" || b.Uname() != "games" || b.UID() != 5 || d.Link() != "/etc/passwd" {
		t.Errorf("after changing b: a %+v, b %+v, d %+v", a.Attrs(), b.Attrs(), d.Attrs())
	}
}
