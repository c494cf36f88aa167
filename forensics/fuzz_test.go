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
	// Hashing the holes of a big sparse file is correct but slow; keep fuzz runs fast.
	sparseLimit = 1 << 20
	f.Fuzz(func(t *testing.T, l0, l1 []byte) {
		buf := make([]byte, 4096)
		var trees []*LayerTree
		for i, raw := range [][]byte{l0, l1} {
			lt, err := walkLayer(context.Background(), bytes.NewReader(raw), i, i%2 == 0, ReadOptions{Visit: func(int, *Entry, []byte) {}, ContentCap: 1 << 16}, buf)
			if err != nil {
				t.Fatalf("walkLayer returned an error for layer bytes (should be an anomaly): %v", err)
			}
			trees = append(trees, lt)
		}
		tree := Stack(trees)
		tree.Walk("/", func(n *Node) bool {
			if n.Path != path.Clean(n.Path) || !strings.HasPrefix(n.Path, "/") {
				t.Fatalf("unclean path %q", n.Path)
			}
			if n.Entry == nil {
				t.Fatalf("%s has no entry", n.Path)
			}
			if n.Hidden && n.Removed() < 0 {
				t.Fatalf("%s hidden without a removing layer", n.Path)
			}
			kids := tree.Children(n.Path)
			if !sort.SliceIsSorted(kids, func(i, j int) bool { return kids[i].Path < kids[j].Path }) {
				t.Fatalf("children of %s not sorted", n.Path)
			}
			return true
		})
		for _, lt := range trees {
			if len(lt.Changes) != len(lt.Entries) {
				t.Fatalf("layer %d: %d changes for %d entries", lt.Index, len(lt.Changes), len(lt.Entries))
			}
		}
	})
}
