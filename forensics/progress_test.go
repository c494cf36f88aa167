package forensics_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// TestOnRead: every layer read reports its start, its bytes as they grow, and its end with
// the size and entry count of its tree; a layer not asked for reports nothing.
func TestOnRead(t *testing.T) {
	big := strings.Repeat("x", 3<<20) // three progress steps
	ref := write(t, "oci-archive", imagebuild.Image{Layers: []imagebuild.Layer{
		{CreatedBy: "a", Files: []imagebuild.File{imagebuild.Reg("etc/a", "a"), imagebuild.Reg("etc/b", "b")}},
		{CreatedBy: "b", Files: []imagebuild.File{imagebuild.Reg("opt/big", big)}},
		{CreatedBy: "c", Files: []imagebuild.File{imagebuild.Reg("opt/c", "c")}},
	}})
	img := open(t, ref)
	var mu sync.Mutex
	got := map[int][]forensics.LayerProgress{}
	img.OnRead(func(p forensics.LayerProgress) {
		mu.Lock()
		got[p.Layer] = append(got[p.Layer], p)
		mu.Unlock()
	})
	trees, err := img.ReadLayers(context.Background(), forensics.ReadOptions{Layers: []int{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got[2]) != 0 {
		t.Errorf("layer 2 was not read but reported %v", got[2])
	}
	for _, i := range []int{0, 1} {
		ps := got[i]
		if len(ps) < 2 || ps[0].Bytes != 0 || ps[0].Done {
			t.Fatalf("layer %d: %+v, want a start report first", i, ps)
		}
		last := ps[len(ps)-1]
		if !last.Done || last.Bytes != trees[i].UncompressedSize || last.Entries != len(trees[i].Entries) {
			t.Errorf("layer %d ends with %+v; its tree has %d bytes, %d entries", i, last, trees[i].UncompressedSize, len(trees[i].Entries))
		}
		for j := 1; j < len(ps); j++ {
			if ps[j].Bytes < ps[j-1].Bytes || ps[j-1].Done {
				t.Errorf("layer %d: reports out of order: %+v", i, ps)
			}
		}
	}
	if len(got[1]) < 4 {
		t.Errorf("the 3 MiB layer reported %d times, want its start, every MiB and its end", len(got[1]))
	}
	img.OnRead(nil)
	if _, err := img.ReadLayers(context.Background(), forensics.ReadOptions{Layers: []int{2}}); err != nil {
		t.Fatal(err)
	}
	if len(got[2]) != 0 {
		t.Error("OnRead(nil) did not stop the reports")
	}
}
