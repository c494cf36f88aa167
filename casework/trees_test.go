package casework_test

import (
	"context"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// savedArchive writes img as docker save (to Docker 24) does: a layer met twice is a link to
// its first copy.
func savedArchive(t *testing.T, img imagebuild.Image) string {
	t.Helper()
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "saved.tar")
	if err := imagebuild.SaveDockerArchive(p, imagebuild.Classic, b); err != nil {
		t.Fatal(err)
	}
	return p
}

// treeEvents collects the TreeRead events of a ReadTrees.
type treeEvents struct {
	mu     sync.Mutex
	stored map[int]bool
	read   map[int]bool
}

func (e *treeEvents) sink(ev casework.Event) {
	if tr, ok := ev.(casework.TreeRead); ok {
		e.mu.Lock()
		defer e.mu.Unlock()
		if tr.FromStore {
			e.stored[tr.Tree.Index] = true
		} else {
			e.read[tr.Tree.Index] = true
		}
	}
}

// An image strata inspect recorded opens from the history store, each layer known by the
// bytes it is read from, also when docker save wrote a repeated layer as a link; an image
// with one more layer on top takes the layers the store knows from it and reads the other.
func TestReadTreesFromStore(t *testing.T) {
	ctx := context.Background()
	w := workspace(t)
	empty := imagebuild.Layer{CreatedBy: "WORKDIR /srv"}
	base := imagebuild.Image{Tags: []string{"case/app:1"}, Layers: []imagebuild.Layer{
		{Files: []imagebuild.File{imagebuild.Dir("etc"), imagebuild.Reg("etc/os-release", "ID=case\n")}, CreatedBy: "ADD rootfs /"},
		empty,
		{Files: []imagebuild.File{imagebuild.Dir("srv"), imagebuild.Reg("srv/app", "#!/bin/sh\n")}, CreatedBy: "COPY app /srv/"},
		empty,
	}}
	child := base
	child.Tags = []string{"case/app:2"}
	child.Layers = append(append([]imagebuild.Layer(nil), base.Layers...),
		imagebuild.Layer{Files: []imagebuild.File{imagebuild.Dir("srv"), imagebuild.Reg("srv/VERSION", "2\n")}, CreatedBy: "COPY VERSION /srv/"})
	recorded, unrecorded := savedArchive(t, base), savedArchive(t, child)

	// strata inspect.
	img, read, err := w.ReadImage(ctx, recorded, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.RecordInspect(ctx, img, read, func(e casework.Event) {
		if warn, ok := e.(casework.Warning); ok {
			t.Fatal(warn.Err)
		}
	})
	img.Close()
	store, err := w.OpenStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	for _, tc := range []struct {
		ref      string
		store    bool
		stored   []int
		readOnes []int
	}{
		{recorded, true, []int{0, 1, 2, 3}, nil},
		{unrecorded, true, []int{0, 1, 2, 3}, []int{4}},
		{recorded, false, nil, []int{0, 1, 2, 3}},
	} {
		img, err := w.Open(ctx, tc.ref, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer img.Close()
		opts := casework.TreesOptions{}
		if tc.store {
			opts.Store = store
		}
		ev := &treeEvents{stored: map[int]bool{}, read: map[int]bool{}}
		trees, stored, err := w.ReadTrees(ctx, img, tc.ref, opts, ev.sink)
		if err != nil {
			t.Fatal(err)
		}
		if stored != len(tc.stored) || len(ev.stored) != len(tc.stored) || len(ev.read) != len(tc.readOnes) {
			t.Errorf("%s (store %v): %d layers from the store, events %v stored %v read; want %v from the store, %v read",
				filepath.Base(tc.ref), tc.store, stored, ev.stored, ev.read, tc.stored, tc.readOnes)
		}
		for _, i := range tc.stored {
			if !ev.stored[i] {
				t.Errorf("%s: layer %d not served from the store", filepath.Base(tc.ref), i)
			}
		}
		for _, i := range tc.readOnes {
			if !ev.read[i] {
				t.Errorf("%s: layer %d not read", filepath.Base(tc.ref), i)
			}
		}
		// What the store served stacks to the tree reading every layer gives.
		fresh, err := w.Open(ctx, tc.ref, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.ReadLayers(ctx, forensics.ReadOptions{})
		fresh.Close()
		if err != nil {
			t.Fatal(err)
		}
		got, all := forensics.Stack(trees), forensics.Stack(want)
		if got.Len() != all.Len() {
			t.Fatalf("%s: %d paths, reading gives %d", filepath.Base(tc.ref), got.Len(), all.Len())
		}
		all.Walk("/", func(n *forensics.Node) bool {
			if g := got.Node(n.Path()); !reflect.DeepEqual(g, n) {
				t.Errorf("%s: %s is %+v, reading gives %+v", filepath.Base(tc.ref), n.Path(), g, n)
			}
			return true
		})
		for i, l := range img.Layers {
			if l.Files != len(want[i].Entries) || l.UncompressedSize != want[i].UncompressedSize {
				t.Errorf("%s: layer %d has %d files %d bytes, want %d %d", filepath.Base(tc.ref), i, l.Files, l.UncompressedSize,
					len(want[i].Entries), want[i].UncompressedSize)
			}
		}
	}
}
