package history

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics"
)

// The trees built from the store stack to the same filesystem as the layers read from the
// evidence: same paths, entries, hashes and provenance.
func TestLayerTreesMatchReading(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "")
	img, read := read(t, save(t, familyImages()["child"]))
	if trees, served, err := s.LayerTrees(ctx, img); err != nil || served != 0 || len(trees) != len(img.Layers) || trees[0] != nil {
		t.Fatalf("LayerTrees on an empty store: %d served, err %v, want none", served, err)
	}
	if _, err := s.RecordInspect(ctx, img, read); err != nil {
		t.Fatal(err)
	}
	stored, served, err := s.LayerTrees(ctx, img)
	if err != nil || served != len(img.Layers) {
		t.Fatalf("LayerTrees after recording: %d of %d served, err %v", served, len(img.Layers), err)
	}
	want, got := forensics.Stack(read), forensics.Stack(stored)
	if got.Len() != want.Len() {
		t.Fatalf("stored tree has %d paths, want %d", got.Len(), want.Len())
	}
	want.Walk("/", func(w *forensics.Node) bool {
		g := got.Node(w.Path())
		if g == nil {
			t.Errorf("%s missing from the stored tree", w.Path())
			return true
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s differs:\n got %+v %+v\nwant %+v %+v", w.Path(), g, g.Entry, w, w.Entry)
		}
		return true
	})
	for i := range read {
		if stored[i].Index != i || stored[i].UncompressedSize != read[i].UncompressedSize || len(stored[i].Entries) != len(read[i].Entries) {
			t.Errorf("layer %d: index %d size %d entries %d, want %d %d %d", i, stored[i].Index, stored[i].UncompressedSize,
				len(stored[i].Entries), i, read[i].UncompressedSize, len(read[i].Entries))
		}
		if !reflect.DeepEqual(stored[i].Changes, read[i].Changes) {
			t.Errorf("layer %d changes differ", i)
		}
	}
	// A layer the store has never seen is not served, nor one whose bytes are not the ones the
	// store saw, whatever diff_id it claims, nor one whose blob is not hashed; the others are.
	// (HashBlobs leaves a sum that is set alone, so the test can set what the bytes hash to.)
	unknown := forensics.Layer{Index: len(img.Layers), DiffID: "sha256:0000", BlobSHA256: "sha256:0000"}
	for _, tc := range []struct {
		name string
		edit func([]forensics.Layer) []forensics.Layer
		miss int
	}{
		{"an unknown layer", func(ls []forensics.Layer) []forensics.Layer { return append(ls, unknown) }, len(img.Layers)},
		{"a layer's bytes swapped", func(ls []forensics.Layer) []forensics.Layer {
			ls[1].BlobSHA256 = "sha256:" + strings.Repeat("0", 64)
			return ls
		}, 1},
		{"a layer's bytes not what the image claims", func(ls []forensics.Layer) []forensics.Layer {
			ls[0].BlobClaim = "sha256:" + strings.Repeat("1", 64)
			return ls
		}, 0},
	} {
		kept := img.Layers
		img.Layers = tc.edit(append([]forensics.Layer(nil), kept...))
		trees, served, err := s.LayerTrees(ctx, img)
		n := len(img.Layers)
		img.Layers = kept
		if err != nil || served != n-1 {
			t.Errorf("%s: %d of %d served, err %v; want all but one", tc.name, served, n, err)
			continue
		}
		for i, lt := range trees {
			if (lt == nil) != (i == tc.miss) {
				t.Errorf("%s: layer %d served %v", tc.name, i, lt != nil)
			}
		}
	}
}
