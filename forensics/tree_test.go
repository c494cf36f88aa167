package forensics

import (
	"archive/tar"
	"bytes"
	"context"
	"path"
	"reflect"
	"slices"
	"testing"
	"unsafe"
)

func file(p, sum string) Entry {
	e := Entry{Path: p, Type: TypeFile, Mode: 0o644, Size: int64(len(sum))}
	e.SetSHA256(sum)
	return e
}
func dir(p string) Entry { return Entry{Path: p, Type: TypeDir, Mode: 0o755} }

func symlinkEntry(p, target string) Entry {
	e := Entry{Path: p, Type: TypeSymlink}
	e.SetAttrs(EntryAttrs{Link: target})
	return e
}
func whiteout(p string) Entry { return Entry{Path: p, Whiteout: true} }
func opaque(p string) Entry   { return Entry{Path: p, Type: TypeDir, Opaque: true} }

func layers(ls ...[]Entry) []*LayerTree {
	out := make([]*LayerTree, len(ls))
	for i, es := range ls {
		out[i] = &LayerTree{Index: i, Entries: es}
	}
	return out
}

func TestStackProvenance(t *testing.T) {
	lts := layers(
		[]Entry{dir("/etc"), file("/etc/passwd", "a"), file("/etc/shadow", "s"), dir("/opt"), file("/opt/tool/run.sh", "r")},
		[]Entry{dir("/etc"), file("/etc/passwd", "b"), file("/tmp/x.sh", "x")},
		[]Entry{whiteout("/tmp/x.sh"), whiteout("/opt/tool")},
		[]Entry{file("/opt/tool/run.sh", "r2")},
	)
	tree := Stack(lts)

	tests := []struct {
		path     string
		hidden   bool
		created  int
		modified []int
		removed  int
		layer    int
	}{
		{"/etc/passwd", false, 0, []int{1}, -1, 1},
		{"/etc/shadow", false, 0, nil, -1, 0},
		{"/tmp/x.sh", true, 1, nil, 2, 1},
		{"/opt/tool", false, 3, nil, -1, 3},        // removed in 2, re-created implicitly in 3
		{"/opt/tool/run.sh", false, 3, nil, -1, 3}, // new life after removal
	}
	for _, tc := range tests {
		n := tree.Node(tc.path)
		if n == nil {
			t.Fatalf("%s: missing", tc.path)
		}
		if n.Hidden != tc.hidden || n.Created() != tc.created || n.Removed() != tc.removed || n.Layer() != tc.layer ||
			!reflect.DeepEqual(n.Modified(), tc.modified) {
			t.Errorf("%s: hidden=%v created=%d modified=%v removed=%d layer=%d; want %v %d %v %d %d", tc.path,
				n.Hidden, n.Created(), n.Modified(), n.Removed(), n.Layer(), tc.hidden, tc.created, tc.modified, tc.removed, tc.layer)
		}
	}
	if got := tree.Node("/opt/tool/run.sh").EventAt(0).Entry.SHA256(); got != "r" {
		t.Errorf("first life of run.sh: got sha %q, want r", got)
	}

	wantChanges := [][]Change{
		{ChangeAdded, ChangeAdded, ChangeAdded, ChangeAdded, ChangeAdded},
		{ChangeUnchanged, ChangeModified, ChangeAdded},
		{ChangeRemoved, ChangeRemoved},
		{ChangeAdded},
	}
	for i, lt := range lts {
		if !reflect.DeepEqual(lt.Changes, wantChanges[i]) {
			t.Errorf("layer %d changes: got %v, want %v", i, lt.Changes, wantChanges[i])
		}
	}
}

func TestStackOpaqueAppliesToLowerLayersOnly(t *testing.T) {
	// The opaque marker comes after the new file in tar order; it still hides only lower files.
	lts := layers(
		[]Entry{dir("/app"), file("/app/old.py", "o"), file("/app/keep.py", "k1")},
		[]Entry{file("/app/new.py", "n"), file("/app/keep.py", "k2"), opaque("/app")},
	)
	tree := Stack(lts)
	if n := tree.Node("/app/old.py"); n == nil || !n.Hidden || n.Removed() != 1 {
		t.Fatalf("old.py should be hidden by layer 1's opaque marker: %+v", n)
	}
	if n := tree.Node("/app/new.py"); n == nil || n.Hidden {
		t.Fatalf("new.py from the opaque layer itself must stay: %+v", n)
	}
	if n := tree.Node("/app/keep.py"); n == nil || n.Hidden || n.Entry.SHA256() != "k2" {
		t.Fatalf("keep.py should be layer 1's copy: %+v", n)
	}
	if n := tree.Node("/app"); n == nil || n.Hidden {
		t.Fatalf("the opaque directory itself stays: %+v", n)
	}
	var hidden []string
	for _, n := range tree.Hidden() {
		hidden = append(hidden, n.Path())
	}
	if !reflect.DeepEqual(hidden, []string{"/app/old.py"}) {
		t.Errorf("hidden: got %v", hidden)
	}
}

func TestStackImplicitParentsAndChildren(t *testing.T) {
	tree := Stack(layers([]Entry{file("/a/b/c.txt", "c"), file("/a/z", "z")}))
	if n := tree.Node("/a/b"); n == nil || !n.Implicit || n.Entry.Type != TypeDir {
		t.Fatalf("implicit parent missing: %+v", n)
	}
	var names []string
	for _, n := range tree.Children("/a") {
		names = append(names, n.Path())
	}
	if !reflect.DeepEqual(names, []string{"/a/b", "/a/z"}) {
		t.Errorf("children of /a: %v", names)
	}
	var walked []string
	tree.Walk("/", func(n *Node) bool { walked = append(walked, n.Path()); return true })
	want := []string{"/", "/a", "/a/b", "/a/b/c.txt", "/a/z"}
	if !reflect.DeepEqual(walked, want) {
		t.Errorf("walk: got %v, want %v", walked, want)
	}
}

func TestStackFileReplacesDirectory(t *testing.T) {
	tree := Stack(layers(
		[]Entry{dir("/srv"), file("/srv/index.html", "i")},
		[]Entry{symlinkEntry("/srv", "/var/www")},
	))
	if n := tree.Node("/srv/index.html"); n == nil || !n.Hidden || n.Removed() != 1 {
		t.Fatalf("a symlink replacing a directory hides its contents: %+v", n)
	}
	if n := tree.Node("/srv"); n.Entry.Type != TypeSymlink || n.Modified()[0] != 1 {
		t.Fatalf("/srv: %+v", n)
	}
}

func TestCleanPath(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		unsafe bool
	}{
		{"etc/passwd", "/etc/passwd", false},
		{"./etc/passwd", "/etc/passwd", false},
		{"/etc/passwd", "/etc/passwd", false},
		{"etc/", "/etc", false},
		{"./", "/", false},
		{"../../etc/shadow", "/etc/shadow", true},
		{"a/../../b", "/b", true},
		{"a/../b", "/b", false},
		{"a//b/./c", "/a/b/c", false},
	}
	for _, tc := range tests {
		got, unsafe := cleanPath(tc.in)
		if got != tc.want || unsafe != tc.unsafe {
			t.Errorf("cleanPath(%q) = %q, %v; want %q, %v", tc.in, got, unsafe, tc.want, tc.unsafe)
		}
	}
}

// TestAbs checks Abs against path.Clean("/" + p), the form every tree path has, on paths
// clean and not: Abs returns clean ones as they are.
func TestAbs(t *testing.T) {
	for _, p := range []string{"", "/", "//", "/.", "/..", ".", "..", "a", "/a", "/a/", "a/b", "/a/b", "/a//b", "/a/./b",
		"/a/../b", "/a/b/..", "/a/b/.", "/.a", "/..a", "/a..", "/a/.b/c", "/a/b../c", "./a", "/a/b/c/", "/usr/lib/x86_64-linux-gnu/libc.so.6"} {
		want := path.Clean("/" + p)
		if got := Abs(p); got != want {
			t.Errorf("Abs(%q) = %q, want %q", p, got, want)
		}
		if clean := isAbs(p); clean != (p == want) {
			t.Errorf("isAbs(%q) = %v, want %v", p, clean, p == want)
		}
	}
}

func TestEscapesRoot(t *testing.T) {
	tests := []struct {
		link, target string
		want         bool
	}{
		{"/usr/bin/python", "python3", false},
		{"/usr/bin/x", "../lib/x", false},
		{"/usr/bin/x", "../../../etc/shadow", true},
		{"/x", "../y", true},
		{"/etc/alternatives/vi", "/usr/bin/vim", false},
	}
	for _, tc := range tests {
		if got := escapesRoot(tc.link, tc.target); got != tc.want {
			t.Errorf("escapesRoot(%q, %q) = %v, want %v", tc.link, tc.target, got, tc.want)
		}
	}
}

func TestWalkLayerDirectoryWithOpaqueMarker(t *testing.T) {
	raw := tarOf(t,
		tar.Header{Name: "app/", Typeflag: tar.TypeDir, Mode: 0o755},
		tar.Header{Name: "app/.wh..wh..opq", Typeflag: tar.TypeReg, Mode: 0o644},
		tar.Header{Name: "app/new.py", Typeflag: tar.TypeReg, Mode: 0o644},
	)
	lt, err := walkLayer(context.Background(), bytes.NewReader(raw), 1, ReadOptions{}, make([]byte, 4096))
	if err != nil {
		t.Fatal(err)
	}
	if len(lt.Anomalies) != 0 {
		t.Errorf("a directory and its opaque marker are not duplicates: %+v", lt.Anomalies)
	}
	var dirs, opaques int
	for _, e := range lt.Entries {
		switch {
		case e.Path == "/app" && e.Opaque:
			opaques++
		case e.Path == "/app" && e.Type == TypeDir:
			dirs++
		}
	}
	if dirs != 1 || opaques != 1 {
		t.Errorf("want the directory and its marker kept apart, got %d dirs, %d markers: %+v", dirs, opaques, lt.Entries)
	}
}

func TestLsMode(t *testing.T) {
	for _, tc := range []struct {
		e    Entry
		want string
	}{
		{Entry{Type: TypeFile, Mode: 0o4755}, "-rwsr-xr-x"},
		{Entry{Type: TypeFile, Mode: 0o2644}, "-rw-r-Sr--"},
		{Entry{Type: TypeDir, Mode: 0o1777}, "drwxrwxrwt"},
		{Entry{Type: TypeSymlink, Mode: 0o777}, "lrwxrwxrwx"},
		{Entry{Type: TypeHardlink, Mode: 0o640}, "hrw-r-----"},
		{Entry{Type: TypeFifo, Mode: 0o600}, "prw-------"},
	} {
		if got := tc.e.LsMode(); got != tc.want {
			t.Errorf("LsMode(%v %o) = %q, want %q", tc.e.Type, tc.e.Mode, got, tc.want)
		}
	}
}

func TestSchedule(t *testing.T) {
	layers := []Layer{{Size: 10}, {Size: 700}, {Size: 50}, {Size: 240}}
	cases := []struct {
		want  []int
		order []int
	}{
		{[]int{0, 1, 2, 3}, []int{1, 3, 2, 0}},
		{[]int{0, 2}, []int{2, 0}},
		{[]int{3}, []int{3}},
		// Layers of a size keep the order asked for.
		{[]int{2, 0, 0}, []int{2, 0, 0}},
	}
	for _, c := range cases {
		if order := schedule(layers, c.want); !slices.Equal(order, c.order) {
			t.Errorf("want %v: order %v, want %v", c.want, order, c.order)
		}
	}
}

// TestNodeEvents checks the events a node reports as it gains them, from none (the root)
// through the one a node holds in its own fields to those it keeps in a slice, and that a
// node stays at 24 bytes.
func TestNodeEvents(t *testing.T) {
	if got := unsafe.Sizeof(Node{}); unsafe.Sizeof(uintptr(0)) == 8 && got > 24 {
		t.Errorf("a Node takes %d bytes, want at most 24", got)
	}
	lts := layers(
		[]Entry{file("/a", "1"), file("/b", "1")},
		[]Entry{file("/a", "2")},
		[]Entry{whiteout("/a")},
		[]Entry{file("/a", "3")},
	)
	tree := Stack(lts)
	type ev struct {
		Layer  int
		Change Change
		SHA256 string
	}
	events := func(n *Node) []ev {
		var out []ev
		for i, e := range n.Events() {
			if e != n.EventAt(i) {
				t.Errorf("%s: event %d is %+v, EventAt says %+v", n.Path(), i, e, n.EventAt(i))
			}
			sum := ""
			if e.Entry != nil {
				sum = e.Entry.SHA256()
			}
			out = append(out, ev{e.Layer, e.Change, sum})
		}
		if len(out) != n.NumEvents() {
			t.Errorf("%s: %d events, NumEvents says %d", n.Path(), len(out), n.NumEvents())
		}
		return out
	}
	for _, tc := range []struct {
		path string
		want []ev
	}{
		{"/", nil},
		{"/b", []ev{{0, ChangeAdded, "1"}}},
		{"/a", []ev{{0, ChangeAdded, "1"}, {1, ChangeModified, "2"}, {2, ChangeRemoved, ""}, {3, ChangeAdded, "3"}}},
	} {
		n := tree.Node(tc.path)
		if got := events(n); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: events %+v, want %+v", tc.path, got, tc.want)
		}
	}
	// Breaking off a range stops it.
	count := 0
	for range tree.Node("/a").Events() {
		count++
		if count == 2 {
			break
		}
	}
	if count != 2 {
		t.Errorf("a range broken off after 2 events went through %d", count)
	}
}
