package forensics

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// walkRaw reads raw tar layers as ReadLayers would and stacks them.
func walkRaw(t *testing.T, raws ...[]byte) ([]*LayerTree, *Tree) {
	t.Helper()
	var trees []*LayerTree
	for i, raw := range raws {
		lt, err := walkLayer(context.Background(), bytes.NewReader(raw), i, ReadOptions{}, make([]byte, 4096))
		if err != nil {
			t.Fatal(err)
		}
		trees = append(trees, lt)
	}
	return trees, Stack(trees)
}

func reg(name string) tar.Header { return tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644} }
func hardlink(name, target string) tar.Header {
	return tar.Header{Name: name, Typeflag: tar.TypeLink, Linkname: target, Mode: 0o644}
}
func symlink(name, target string) tar.Header {
	return tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777}
}
func tarDir(name string) tar.Header {
	return tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755}
}

func anomaliesOf(trees []*LayerTree, kind string) []Anomaly {
	var out []Anomaly
	for _, lt := range trees {
		for _, a := range lt.Anomalies {
			if a.Kind == kind {
				out = append(out, a)
			}
		}
	}
	return out
}

func alive(tree *Tree, p string) bool {
	n := tree.Node(p)
	return n != nil && !n.Hidden
}

// TestWhiteoutNamesByOCIRules: a whiteout must name a path strictly below its own directory;
// ".wh.", ".wh..", ".wh..." and markers whose tar name climbs above the root are unsafe-path
// anomalies and remove nothing, as containerd refuses them.
func TestWhiteoutNamesByOCIRules(t *testing.T) {
	base := tarOf(t, reg("etc/passwd"), reg("etc/shadow"), reg("tmp/keep"), reg("bin/sh"))
	for _, tc := range []struct {
		name   string
		unsafe bool
		gone   []string // paths the whiteout removes
	}{
		{"tmp/.wh...", true, nil},         // would remove / (the parent of /tmp)
		{"etc/.wh.", true, nil},           // would remove /etc itself
		{"etc/.wh..", true, nil},          // would remove /etc itself
		{".wh...", true, nil},             // at the root: would remove /
		{"../.wh.etc", true, nil},         // reaches outside the root
		{"../../.wh..wh..opq", true, nil}, // an opaque marker outside the root
		{"etc/.wh.passwd", false, []string{"/etc/passwd"}},
		{"./etc/.wh.shadow", false, []string{"/etc/shadow"}},
		{".wh.tmp", false, []string{"/tmp", "/tmp/keep"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trees, tree := walkRaw(t, base, tarOf(t, reg(tc.name)))
			unsafe := anomaliesOf(trees, AnomalyUnsafePath)
			if tc.unsafe != (len(unsafe) == 1) {
				t.Fatalf("unsafe-path anomalies %+v, want unsafe=%v", unsafe, tc.unsafe)
			}
			if tc.unsafe && !strings.Contains(unsafe[0].Detail, tc.name) {
				t.Errorf("the anomaly does not name the entry: %+v", unsafe[0])
			}
			gone := map[string]bool{}
			for _, p := range tc.gone {
				gone[p] = true
			}
			for _, p := range []string{"/", "/etc", "/etc/passwd", "/etc/shadow", "/tmp", "/tmp/keep", "/bin", "/bin/sh"} {
				if alive(tree, p) == gone[p] {
					t.Errorf("%s alive = %v, want %v", p, alive(tree, p), !gone[p])
				}
			}
		})
	}
}

// TestHardlinks: links are resolved in tar order against the layer so far and the layers
// below; dangling, forward, cyclic links and links to directories are anomalies and get no
// content.
func TestHardlinks(t *testing.T) {
	lower := tarOf(t, reg("usr/bin/ps"), reg("etc/gone"), tarDir("var/"))
	upper := tarOf(t,
		reg("a"),
		hardlink("ok", "a"),                // to an earlier entry
		hardlink("ok2", "ok"),              // to a link to an earlier entry
		hardlink("lower", "usr/bin/ps"),    // to a file of the layer below
		hardlink("dangling", "nowhere"),    // to nothing
		hardlink("forward", "later"),       // to an entry that comes after it
		reg("later"),                       //
		hardlink("self", "self"),           // to itself
		hardlink("c1", "c2"),               // c1 -> c2 -> c1
		hardlink("c2", "c1"),               //
		hardlink("whited", "etc/gone"),     // to a file this layer removes below
		reg("etc/.wh.gone"),                //
		hardlink("todir", "var"),           // to a directory
		hardlink("chain", "dangling"),      // to a broken link
		hardlink("x/../../esc", "../../a"), // escaping names are cleaned (and flagged elsewhere)
	)
	trees, tree := walkRaw(t, lower, upper)
	want := map[string]string{
		"/dangling": "dangling",
		"/forward":  "forward",
		"/self":     "cyclic",
		"/c1":       "cyclic",
		"/c2":       "cyclic",
		"/whited":   "dangling",
		"/todir":    "directory",
		"/chain":    "dangling",
	}
	got := map[string]string{}
	for _, a := range anomaliesOf(trees, AnomalyBrokenHardlink) {
		got[a.Path] = a.Detail
	}
	for p, how := range want {
		if !strings.Contains(got[p], how) {
			t.Errorf("%s: anomaly %q, want one saying %q", p, got[p], how)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("unexpected broken-hardlink anomaly for %s: %s", p, got[p])
		}
	}
	sum := func(p string) string { return tree.Node(p).Entry.SHA256() }
	if sum("/a") == "" || sum("/ok") != sum("/a") || sum("/ok2") != sum("/a") || sum("/esc") != sum("/a") {
		t.Errorf("links to /a: %q %q %q, /a is %q", sum("/ok"), sum("/ok2"), sum("/esc"), sum("/a"))
	}
	if sum("/lower") != sum("/usr/bin/ps") || sum("/lower") == "" {
		t.Errorf("link to the layer below: %q, want %q", sum("/lower"), sum("/usr/bin/ps"))
	}
	for p := range want {
		if s := sum(p); s != "" {
			t.Errorf("broken link %s has content %s", p, s)
		}
	}
	// Stacking again replaces the stack's anomalies instead of adding them twice, also in a
	// copy of the layer whose anomalies were rebuilt (as a diff shares a layer read once).
	n := len(trees[1].Anomalies)
	Stack(trees)
	if len(trees[1].Anomalies) != n {
		t.Errorf("stacking twice: %d anomalies, then %d", n, len(trees[1].Anomalies))
	}
	c := *trees[1]
	c.Anomalies = append([]Anomaly{{Kind: AnomalyDigestMismatch, Layer: 1}}, trees[1].Anomalies...)
	Stack([]*LayerTree{trees[0], &c})
	if len(c.Anomalies) != n+1 || c.Anomalies[0].Kind != AnomalyDigestMismatch || len(trees[1].Anomalies) != n {
		t.Errorf("stacking a copy: %d anomalies (want %d), the original's %d", len(c.Anomalies), n+1, len(trees[1].Anomalies))
	}
}

// TestWriteThroughSymlink: an entry or a whiteout whose parent is a symlink, of the same or a
// lower layer, is extracted wherever the link points.
func TestWriteThroughSymlink(t *testing.T) {
	lower := tarOf(t, tarDir("usr/lib/"), symlink("lib", "usr/lib"), reg("etc/passwd"), symlink("cfg", "/etc"))
	for _, tc := range []struct {
		name  string
		layer []tar.Header
		path  string // the path flagged, "" for none
	}{
		{"through a lower symlink", []tar.Header{reg("lib/libevil.so")}, "/lib/libevil.so"},
		{"through a symlink of the same layer", []tar.Header{symlink("x", "/tmp"), reg("x/dropped")}, "/x/dropped"},
		{"a whiteout through a symlink", []tar.Header{reg("cfg/.wh.passwd")}, "/cfg/passwd"},
		{"an opaque marker on a symlink", []tar.Header{reg("cfg/.wh..wh..opq")}, "/cfg"},
		{"the layer replaces the link with a directory", []tar.Header{tarDir("cfg/"), reg("cfg/.wh..wh..opq"), reg("cfg/new")}, ""},
		{"an ordinary file", []tar.Header{reg("usr/lib/libok.so")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trees, _ := walkRaw(t, lower, tarOf(t, tc.layer...))
			as := anomaliesOf(trees, AnomalyWriteThroughLink)
			switch {
			case tc.path == "" && len(as) > 0:
				t.Errorf("unexpected %+v", as)
			case tc.path != "" && (len(as) != 1 || as[0].Path != tc.path || as[0].Layer != 1):
				t.Errorf("anomalies %+v, want one for %s in layer 1", as, tc.path)
			}
		})
	}
}

func TestAbsoluteNamesAreFlagged(t *testing.T) {
	trees, tree := walkRaw(t, tarOf(t, reg("/etc/cron.d/job"), reg("./ok"), reg("fine")))
	as := anomaliesOf(trees, AnomalyAbsolutePath)
	if len(as) != 1 || as[0].Path != "/etc/cron.d/job" || !strings.Contains(as[0].Detail, `"/etc/cron.d/job"`) {
		t.Errorf("absolute-path anomalies %+v", as)
	}
	if n := tree.Node("/etc/cron.d/job"); n == nil || n.Entry.TarName() != "/etc/cron.d/job" {
		t.Errorf("the entry is read inside the root with its tar name kept: %+v", n)
	}
}

// TestManyBrokenLinks: 200,000 hard links to a missing target are each found broken, the
// anomalies are capped per kind with a count of the rest, and stacking stays linear (the
// timing is BenchmarkBrokenHardlinks).
func TestManyBrokenLinks(t *testing.T) {
	const n = 200_000
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := range n {
		h := hardlink(fmt.Sprintf("l/%d", i), "missing/target")
		tw.WriteHeader(&h)
	}
	tw.Close()
	trees, tree := walkRaw(t, buf.Bytes())
	as := anomaliesOf(trees, AnomalyBrokenHardlink)
	if len(as) != maxAnomaliesPerKind+1 {
		t.Fatalf("%d broken-hardlink anomalies listed, want %d and a count", len(as), maxAnomaliesPerKind+1)
	}
	if last := as[len(as)-1].Detail; !strings.Contains(last, fmt.Sprint(n-maxAnomaliesPerKind)+" more") {
		t.Errorf("the count of the rest: %q", last)
	}
	if tree.Len() != n+2 { // the links, /l and /
		t.Errorf("%d nodes", tree.Len())
	}
}

func TestLimits(t *testing.T) {
	raw := tarOf(t, reg("a"), reg("b"), reg("c"), reg("d"))
	read := func(lim Limits, stored int64) *LayerTree {
		lt, err := walkLayer(context.Background(), bytes.NewReader(raw), 0,
			ReadOptions{Limits: lim, storedSize: stored}, make([]byte, 4096))
		if err != nil {
			t.Fatal(err)
		}
		return lt
	}
	if lt := read(Limits{MaxEntries: 2}, 0); len(lt.Entries) != 2 || len(anomaliesOf([]*LayerTree{lt}, AnomalyLimit)) != 1 {
		t.Errorf("entry limit: %d entries, %+v", len(lt.Entries), lt.Anomalies)
	}
	// Four entries are 4 KiB of tar; a 10-byte blob may expand to 100 times that.
	if lt := read(Limits{MaxRatio: 100, MinExpansion: 1024}, 10); len(lt.Entries) >= 4 || len(anomaliesOf([]*LayerTree{lt}, AnomalyLimit)) != 1 {
		t.Errorf("expansion limit: %d entries, %+v", len(lt.Entries), lt.Anomalies)
	}
	if lt := read(Limits{}, 10); len(lt.Entries) != 4 || len(lt.Anomalies) != 0 {
		t.Errorf("default limits: %d entries, %+v", len(lt.Entries), lt.Anomalies)
	}
}

// TestVisitPanicIsAnAnomaly: a FileVisitor that panics on a file, on the reading goroutine or
// on a helper, is recovered: the layer is read to its end and the failure recorded.
func TestVisitPanicIsAnAnomaly(t *testing.T) {
	raw := tarOf(t, reg("a"), reg("boom"), reg("c"))
	for _, helped := range []bool{false, true} {
		var mu sync.Mutex
		var seen []string
		opts := ReadOptions{ContentCap: 1 << 10, Visit: func(_ int, e *Entry, _ []byte) {
			if e.Path == "/boom" {
				panic("parser broken")
			}
			mu.Lock()
			seen = append(seen, e.Path)
			mu.Unlock()
		}}
		if helped {
			opts.helpers = helpedRead(t)
		}
		lt, err := walkLayer(context.Background(), bytes.NewReader(raw), 0, opts, make([]byte, 4096))
		if err != nil {
			t.Fatal(err)
		}
		if len(lt.Entries) != 3 || len(seen) != 2 {
			t.Errorf("helped %v: %d entries, visited %v", helped, len(lt.Entries), seen)
		}
		as := anomaliesOf([]*LayerTree{lt}, AnomalyBadEntry)
		if len(as) != 1 || !strings.Contains(as[0].Detail, "/boom") || !strings.Contains(as[0].Detail, "parser broken") {
			t.Errorf("helped %v: anomalies %+v", helped, lt.Anomalies)
		}
	}
}

// helpedRead returns the helpers of a read by one reader with one helper serving already,
// stopped when the test ends.
func helpedRead(t testing.TB) *helpers {
	h := newHelpers(1, 2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.help()
	}()
	for h.serving.Load() == 0 {
		runtime.Gosched()
	}
	t.Cleanup(func() {
		h.readerDone()
		<-done
	})
	return h
}

// TestOverlongPaths: an entry whose name, or link target, is longer than PATH_MAX is reported
// by a short prefix of its name and left out of the tree, which a path of a hundred thousand
// levels would cost minutes to place (time quadratic in its length); a path of PATH_MAX
// bytes at 2,000 levels is kept whole, with its parents.
func TestOverlongPaths(t *testing.T) {
	deepest := strings.Repeat("a/", (maxPathLen-2)/2) + "f" // "/" + it is PATH_MAX bytes
	long := strings.Repeat("b/", 100_000) + "f"
	trees, tree := walkRaw(t, tarOf(t,
		reg(deepest),
		reg(long),
		symlink("ln", strings.Repeat("../", 50_000)+"etc/passwd"),
		hardlink("hl", long),
		reg("after"),
	))
	if !alive(tree, "/"+deepest) || !alive(tree, "/a/a/a") || !alive(tree, "/after") {
		t.Errorf("the PATH_MAX path, its parents or the entry after it are missing")
	}
	for _, p := range []string{"/b", "/ln", "/hl"} {
		if tree.Node(p) != nil {
			t.Errorf("%s is in the tree", p)
		}
	}
	as := anomaliesOf(trees, AnomalyBadEntry)
	if len(as) != 3 {
		t.Fatalf("%d bad-entry anomalies, want 3: %+v", len(as), as)
	}
	for i, want := range []string{"a name of 200001 bytes (100001 levels)", "a link target of 150010 bytes", "a link target of 200001 bytes"} {
		if !strings.Contains(as[i].Detail, want) || len(as[i].Detail) > 600 || len(as[i].Path) > 210 {
			t.Errorf("anomaly %d: %q (path %d bytes), want %q", i, as[i].Detail, len(as[i].Path), want)
		}
	}
}

// TestImpliedDirectoriesCount: directories that entries' paths imply count against
// MaxImpliedDirs and MaxEntries, so that a few entries under fresh chains of thousands of directories cannot make millions of
// tree nodes; directories the layer lists, and parents already implied, count once.
func TestImpliedDirectoriesCount(t *testing.T) {
	chain := strings.Repeat("d/", 400)
	var hdrs []tar.Header
	for i := range 3 {
		hdrs = append(hdrs, reg(fmt.Sprintf("x%d/%sf", i, chain)))
	}
	raw := tarOf(t, hdrs...)
	read := func(lim Limits) *LayerTree {
		lt, err := walkLayer(context.Background(), bytes.NewReader(raw), 0, ReadOptions{Limits: lim}, make([]byte, 4096))
		if err != nil {
			t.Fatal(err)
		}
		return lt
	}
	for _, tc := range []struct {
		lim     Limits
		entries int
		stopped bool
	}{
		{Limits{MaxImpliedDirs: 1000}, 2, true}, // 1203 implied
		{Limits{MaxEntries: 1000}, 2, true},     // 1206 entries and implied
		{Limits{MaxImpliedDirs: 1203, MaxEntries: 1206}, 3, false},
	} {
		lt := read(tc.lim)
		if len(lt.Entries) != tc.entries || (len(anomaliesOf([]*LayerTree{lt}, AnomalyLimit)) == 1) != tc.stopped {
			t.Errorf("limits %+v: %d entries read, %+v", tc.lim, len(lt.Entries), lt.Anomalies)
		}
	}
	// Listed directories and parents implied once: only /usr/lib and /usr/lib/x count.
	set := dirSet{}
	var n int64
	for _, e := range []struct {
		p   string
		dir bool
	}{{"/usr", true}, {"/usr/bin", true}, {"/usr/bin/sh", false}, {"/usr/lib/x/a", false}, {"/usr/lib/x/b", false}} {
		n += set.add(e.p, e.dir)
	}
	if n != 2 {
		t.Errorf("%d directories implied, want 2 (/usr/lib, /usr/lib/x)", n)
	}
}
