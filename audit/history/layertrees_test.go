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
	if _, ok, err := s.LayerTrees(ctx, img.Layers); err != nil || ok {
		t.Fatalf("LayerTrees on an empty store: ok %v err %v, want a miss", ok, err)
	}
	if _, err := s.RecordInspect(ctx, img, read); err != nil {
		t.Fatal(err)
	}
	stored, ok, err := s.LayerTrees(ctx, img.Layers)
	if err != nil || !ok {
		t.Fatalf("LayerTrees after recording: ok %v err %v", ok, err)
	}
	want, got := forensics.Stack(read), forensics.Stack(stored)
	if got.Len() != want.Len() {
		t.Fatalf("stored tree has %d paths, want %d", got.Len(), want.Len())
	}
	want.Walk("/", func(w *forensics.Node) bool {
		g := got.Node(w.Path)
		if g == nil {
			t.Errorf("%s missing from the stored tree", w.Path)
			return true
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s differs:\n got %+v %+v\nwant %+v %+v", w.Path, g, g.Entry, w, w.Entry)
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
	// One layer the store has never seen makes the whole answer a miss; so does a layer whose
	// bytes are not the ones the store saw, whatever diff_id it claims.
	unknown := forensics.Layer{DiffID: "sha256:0000", BlobSHA256: "sha256:0000"}
	if _, ok, err := s.LayerTrees(ctx, append(img.Layers, unknown)); err != nil || ok {
		t.Errorf("LayerTrees with an unknown layer: ok %v err %v, want a miss", ok, err)
	}
	swapped := append([]forensics.Layer(nil), img.Layers...)
	swapped[1].BlobSHA256 = "sha256:" + strings.Repeat("0", 64)
	if _, ok, err := s.LayerTrees(ctx, swapped); err != nil || ok {
		t.Errorf("LayerTrees with a layer's bytes swapped: ok %v err %v, want a miss", ok, err)
	}
	unhashed := append([]forensics.Layer(nil), img.Layers...)
	unhashed[0].BlobSHA256 = ""
	if _, ok, err := s.LayerTrees(ctx, unhashed); err != nil || ok {
		t.Errorf("LayerTrees with a blob not hashed: ok %v err %v, want a miss", ok, err)
	}
}
