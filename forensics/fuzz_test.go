package forensics

import (
	"archive/tar"
	"bytes"
	"context"
	"path"
	"sort"
	"strings"
	"testing"
)

func tarOf(t testing.TB, entries ...tar.Header) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range entries {
		body := ""
		if h.Typeflag == tar.TypeReg {
			body = "content of " + h.Name
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	return b.Bytes()
}

// FuzzLayerStack feeds arbitrary bytes as two layers' tar streams through the layer walk and the
// stacking (whiteouts, opaque dirs, hostile names): nothing may panic, and the tree must stay
// well formed.
func FuzzLayerStack(f *testing.F) {
	reg := func(name string) tar.Header { return tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644} }
	f.Add(tarOf(f, reg("etc/passwd"), reg("tmp/x.sh")), tarOf(f, reg("tmp/.wh.x.sh"), reg("etc/.wh..wh..opq")))
	f.Add(tarOf(f, reg("../../escape"), tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "../../../x"}),
		tarOf(f, reg(".wh..wh..opq"), reg("a/b/c"), tar.Header{Name: "a/b", Typeflag: tar.TypeLink, Linkname: "a/b/c"}))
	f.Add(tarOf(f, reg("a"), tar.Header{Name: "a/", Typeflag: tar.TypeDir, Mode: 0o755}), tarOf(f, reg("a/.wh.."), reg(".wh.")))
	f.Add([]byte("not a tar at all"), []byte{})
	f.Add(tarOf(f, reg("etc/passwd"), reg("tmp/a"), reg("x")), tarOf(f, reg("tmp/.wh..."), reg("etc/.wh."), reg("etc/.wh.."), reg("../.wh.x")))
	f.Add(tarOf(f, reg("lib/x"), tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/lib"}),
		tarOf(f, reg("l/.wh.x"), tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "h2"}, tar.Header{Name: "h2", Typeflag: tar.TypeLink, Linkname: "h"}))
	f.Fuzz(func(t *testing.T, l0, l1 []byte) {
		buf := make([]byte, 4096)
		var trees []*LayerTree
		for i, raw := range [][]byte{l0, l1} {
			opts := ReadOptions{Visit: func(int, *Entry, []byte) {}, ContentCap: 1 << 16,
				// Hashing the holes of a big sparse file is correct but slow; keep fuzz runs fast.
				Limits: Limits{SparseHashLimit: 1 << 20}}
			if i%2 == 0 {
				opts.helpers = helpedRead(t)
			}
			lt, err := walkLayer(context.Background(), bytes.NewReader(raw), i, opts, buf)
			if err != nil {
				t.Fatalf("walkLayer returned an error for layer bytes (should be an anomaly): %v", err)
			}
			trees = append(trees, lt)
		}
		tree := Stack(trees)
		tree.Walk("/", func(n *Node) bool {
			if n.Path() != path.Clean(n.Path()) || !strings.HasPrefix(n.Path(), "/") {
				t.Fatalf("unclean path %q", n.Path())
			}
			if n.Entry == nil {
				t.Fatalf("%s has no entry", n.Path())
			}
			if n.Hidden && n.Removed() < 0 {
				t.Fatalf("%s hidden without a removing layer", n.Path())
			}
			kids := tree.Children(n.Path())
			if !sort.SliceIsSorted(kids, func(i, j int) bool { return kids[i].Path() < kids[j].Path() }) {
				t.Fatalf("children of %s not sorted", n.Path())
			}
			return true
		})
		for _, lt := range trees {
			if len(lt.Changes) != len(lt.Entries) {
				t.Fatalf("layer %d: %d changes for %d entries", lt.Index, len(lt.Changes), len(lt.Entries))
			}
		}
		checkWhiteouts(t, l1, trees[1], tree)
	})
}

// checkWhiteouts holds the OCI rule for the second layer: a whiteout removes only paths below
// its own directory. The whiteouts applied must come from markers, as the raw tar names them,
// whose target is strictly below the marker's directory and that do not climb above the root;
// and every path the layer removed must be explained by such a whiteout, an opaque marker
// (strictly below its directory) or an entry of the layer that replaced a directory.
func checkWhiteouts(t *testing.T, raw []byte, lt *LayerTree, tree *Tree) {
	allowed := map[string]bool{}
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		p, unsafe := cleanPath(h.Name)
		dir, base := path.Dir(p), path.Base(p)
		if unsafe || !strings.HasPrefix(base, whiteoutPrefix) || base == opaqueMarker {
			continue
		}
		below := strings.TrimSuffix(dir, "/") + "/"
		if target := path.Join(dir, strings.TrimPrefix(base, whiteoutPrefix)); strings.HasPrefix(target, below) && target != dir {
			allowed[target] = true
		}
	}
	var removers, opaques, replaced []string
	for _, e := range lt.Entries {
		switch {
		case e.Whiteout:
			if !allowed[e.Path] {
				t.Fatalf("whiteout of %s applied, but no marker strictly below its own directory names it", e.Path)
			}
			removers = append(removers, e.Path)
		case e.Opaque:
			opaques = append(opaques, e.Path)
		case e.Type != TypeDir:
			replaced = append(replaced, e.Path)
		}
	}
	under := func(p, dir string) bool { return strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/") }
	tree.Walk("/", func(n *Node) bool {
		if n.Path() == "/" && n.Hidden {
			t.Fatal("the root was removed")
		}
		for _, ev := range n.Events() {
			if ev.Layer != lt.Index || ev.Change != ChangeRemoved {
				continue
			}
			ok := false
			for _, w := range removers {
				ok = ok || n.Path() == w || under(n.Path(), w)
			}
			for _, d := range append(opaques, replaced...) {
				ok = ok || under(n.Path(), d)
			}
			if !ok {
				t.Fatalf("%s was removed by layer %d, which holds no whiteout, opaque marker or replacement above it", n.Path(), lt.Index)
			}
		}
		return true
	})
}
