package casework

import (
	"context"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// fakeCache is a database cache that serves one layer and counts lookups.
type fakeCache struct {
	lookups int
	tree    *forensics.LayerTree
}

func (f *fakeCache) Known(context.Context, string) bool { return true }
func (f *fakeCache) Lookup(_ context.Context, l forensics.Layer) (*forensics.LayerTree, []audit.Finding, map[string][]byte, bool) {
	f.lookups++
	if l.BlobSHA256 != "sha256:blob" || l.DiffID != "sha256:diff" || !l.BlobAsClaimed() {
		return nil, nil, nil, false
	}
	t := copyTree(f.tree, l.Index)
	return t, []audit.Finding{{Rule: "R", Layer: l.Index}}, map[string][]byte{"/etc/passwd": []byte("root")}, true
}
func (f *fakeCache) Store(context.Context, forensics.Layer, *forensics.LayerTree, []audit.Finding, map[string][]byte) error {
	return nil
}

// TestRunCache: what the database served once is served from memory afterwards, for the same
// blob and diff_id only, at the asking layer's index, as a copy each scan may change; a blob
// that does not hash to its claim is never served from memory; the limit evicts.
func TestRunCache(t *testing.T) {
	db := &fakeCache{tree: &forensics.LayerTree{DiffID: "sha256:diff", Entries: []forensics.Entry{{Path: "/bin/sh"}},
		Anomalies: []forensics.Anomaly{{Kind: "bad-entry", Layer: 0}}}}
	db.tree.Entries[0].SetSHA256("aa")
	c := newRunCache(1 << 20)
	v := c.view(db, nil)
	ctx := context.Background()
	layer := forensics.Layer{Index: 2, BlobSHA256: "sha256:blob", DiffID: "sha256:diff"}
	first, _, _, ok := v.Lookup(ctx, layer)
	if !ok || db.lookups != 1 {
		t.Fatalf("first lookup: %v, %d database lookups", ok, db.lookups)
	}
	first.Entries[0].SetSHA256("changed by the first scan")
	layer.Index = 5
	second, fs, kept, ok := v.Lookup(ctx, layer)
	if !ok || db.lookups != 1 {
		t.Fatalf("second lookup: %v, %d database lookups; want it from memory", ok, db.lookups)
	}
	if second.Index != 5 || second.Anomalies[0].Layer != 5 || fs[0].Layer != 5 || string(kept["/etc/passwd"]) != "root" {
		t.Errorf("served %+v, %+v, %v: want everything at layer 5", second, fs, kept)
	}
	if second.Entries[0].SHA256() != "aa" {
		t.Errorf("a scan's change reached the next: %q", second.Entries[0].SHA256())
	}
	// Another diff_id claimed for the same blob, or a blob that is not what it claims: asked of
	// the database, which refuses.
	for _, l := range []forensics.Layer{
		{BlobSHA256: "sha256:blob", DiffID: "sha256:other"},
		{BlobSHA256: "sha256:blob", DiffID: "sha256:diff", BlobClaim: "sha256:claimed"},
	} {
		before := db.lookups
		if _, _, _, ok := v.Lookup(ctx, l); ok || db.lookups != before+1 {
			t.Errorf("%+v served (%v) or not asked of the database", l, ok)
		}
	}
	small := newRunCache(10)
	small.view(db, nil).Lookup(ctx, forensics.Layer{BlobSHA256: "sha256:blob", DiffID: "sha256:diff"})
	if len(small.byKey) != 0 || small.size != 0 {
		t.Errorf("a layer over the limit was kept: %d entries, %d bytes", len(small.byKey), small.size)
	}
}
