package audit_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// streamCache is a LayerStreamer that records what a scan gives it.
type streamCache struct {
	mu     sync.Mutex
	stored []int // layers given to Store, in order
	begun  []int // layers BeginLayer was asked for
	added  map[int][]forensics.Entry
	ends   []string // "finish N" or "abort N", in order
	trees  map[int]*forensics.LayerTree
}

func (c *streamCache) Known(context.Context, string) bool { return false }
func (c *streamCache) Lookup(context.Context, forensics.Layer) (*forensics.LayerTree, []audit.Finding, map[string][]byte, bool) {
	return nil, nil, nil, false
}
func (c *streamCache) Store(_ context.Context, l forensics.Layer, tree *forensics.LayerTree, _ []audit.Finding, _ map[string][]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stored = append(c.stored, l.Index)
	c.trees[l.Index] = tree
	return nil
}
func (c *streamCache) BeginLayer(_ context.Context, l forensics.Layer) audit.LayerWriter {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.begun = append(c.begun, l.Index)
	return &streamWriter{c: c, layer: l.Index}
}

type streamWriter struct {
	c     *streamCache
	layer int
}

func (w *streamWriter) Add(_ context.Context, from int, entries []forensics.Entry) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	if from != len(w.c.added[w.layer]) {
		panic(fmt.Sprintf("layer %d: entries from %d after %d", w.layer, from, len(w.c.added[w.layer])))
	}
	w.c.added[w.layer] = append(w.c.added[w.layer], entries...)
}
func (w *streamWriter) FinishIndex(_ context.Context, l forensics.Layer, tree *forensics.LayerTree) error {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	w.c.ends = append(w.c.ends, fmt.Sprintf("index %d", l.Index))
	w.c.trees[l.Index] = tree
	return nil
}
func (w *streamWriter) Finish(_ context.Context, l forensics.Layer, tree *forensics.LayerTree, _ []audit.Finding, _ map[string][]byte) error {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	w.c.ends = append(w.c.ends, fmt.Sprintf("finish %d", l.Index))
	w.c.trees[l.Index] = tree
	return nil
}
func (w *streamWriter) Abort() {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	w.c.ends = append(w.c.ends, fmt.Sprintf("abort %d", w.layer))
}

// A scan stores every layer it reads once, and writes the index of the last one being read
// as its entries come: once every other layer is stored, with every entry of it read so far.
// The layer of a one-layer image is stored once read.
func TestScanWritesTheLastLayerAsRead(t *testing.T) {
	files := func(dir string, n int) imagebuild.Layer {
		var fs []imagebuild.File
		for i := range n {
			fs = append(fs, imagebuild.Reg(fmt.Sprintf("%s/f%05d", dir, i), fmt.Sprintf("file %d of %s\n", i, dir)))
		}
		return imagebuild.Layer{CreatedBy: "COPY " + dir, Files: fs}
	}
	ref := "docker-archive:" + saveImage(t, imagebuild.Image{Layers: []imagebuild.Layer{
		files("a", 3*forensics.EntryBatch+10), files("b", 40), files("c", 2*forensics.EntryBatch+500),
		{CreatedBy: "RUN ln", Files: []imagebuild.File{imagebuild.Hardlink("d/link", "a/f00001")}},
	}}, nil)
	one := "docker-archive:" + saveImage(t, imagebuild.Image{Layers: []imagebuild.Layer{files("a", 2*forensics.EntryBatch+10)}}, nil)
	c := &streamCache{added: map[int][]forensics.Entry{}, trees: map[int]*forensics.LayerTree{}}
	img, err := forensics.Open(context.Background(), one, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = audit.Scan(context.Background(), img, audit.Options{Analyzers: scanSetWith(t, nil), Cache: c})
	img.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.begun) != 0 || !slices.Equal(c.stored, []int{0}) {
		t.Fatalf("one layer: began %v, stored %v", c.begun, c.stored)
	}
	for run := range 4 {
		c := &streamCache{added: map[int][]forensics.Entry{}, trees: map[int]*forensics.LayerTree{}}
		img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: scanSetWith(t, nil), Cache: c, Workers: 1 + run%2})
		img.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(c.begun) != 1 || len(c.ends) != 1 || c.ends[0] != fmt.Sprintf("finish %d", c.begun[0]) {
			t.Fatalf("run %d: began %v, ended %v", run, c.begun, c.ends)
		}
		last := c.begun[0]
		others := slices.Sorted(slices.Values(c.stored))
		want := slices.DeleteFunc([]int{0, 1, 2, 3}, func(i int) bool { return i == last })
		if !slices.Equal(others, want) {
			t.Fatalf("run %d: stored %v and wrote %d as read", run, c.stored, last)
		}
		// Layer by layer, the cache got the trees as read, before stacking gave the hard link
		// its target's content.
		for i, lt := range res.Layers {
			got := c.trees[i]
			if got == lt || got.DiffID != lt.DiffID || len(got.Entries) != len(lt.Entries) {
				t.Fatalf("run %d: layer %d: the cache got %+v", run, i, got)
			}
			for j, e := range got.Entries {
				want := lt.Entries[j]
				if e.Type == forensics.TypeHardlink {
					if e.Size != 0 || e.SHA256() != "" || want.Size == 0 || want.SHA256() == "" {
						t.Errorf("run %d: the hard link was stored as %d bytes %q, stacked as %d bytes %q", run, e.Size, e.SHA256(), want.Size, want.SHA256())
					}
					continue
				}
				if e != want {
					t.Errorf("run %d: layer %d entry %d: stored %+v, read %+v", run, i, j, e, want)
				}
			}
		}
		tree := c.trees[last]
		added := c.added[last]
		if len(added) > len(tree.Entries) || !slices.Equal(added, tree.Entries[:len(added)]) {
			t.Errorf("run %d: layer %d: the entries written are not the tree's first", run, last)
		}
		if n := len(tree.Entries); n > forensics.EntryBatch && len(added) != n/forensics.EntryBatch*forensics.EntryBatch {
			t.Errorf("run %d: layer %d: %d of its %d entries written as read", run, last, len(added), n)
		}
	}
}
