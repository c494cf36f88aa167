package history

import (
	"context"
	"reflect"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

func TestLayerCacheRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "")
	img, trees := read(t, save(t, familyImages()["suspect"]))
	c := s.LayerCache("rules-1")
	implantFinding := audit.Finding{Rule: "STRATA-RS-002", Category: audit.CategoryReverseShell, Severity: audit.Critical,
		Title: "reverse shell", Path: "/usr/share/lib/libx.so", Evidence: "203.0.113.45", Layer: 2, History: -1,
		Labels: []audit.Category{audit.CategoryLDPreload, audit.CategoryPersistence}, Techniques: []string{"T1059.004", "T1574.006"},
		Indicators: []audit.Indicator{{Kind: audit.IndicatorIP, Value: "203.0.113.45"}, {Kind: audit.IndicatorPort, Value: "4444"}}}
	for i, lt := range trees {
		var fs []audit.Finding
		kept := map[string][]byte{}
		if i == 2 {
			fs = []audit.Finding{implantFinding}
		}
		if i == 0 {
			kept["/etc/passwd"] = []byte("root:x:0:0:root:/root:/bin/sh\n")
			kept["/etc/empty"] = nil
		}
		if err := c.Store(ctx, img.Layers[i], lt, fs, kept); err != nil {
			t.Fatal(err)
		}
	}
	if c.Stored() != 3 {
		t.Fatalf("stored %d layers", c.Stored())
	}
	tests := []struct {
		name   string
		hash   string
		layer  forensics.Layer
		hit    bool
		verify func(t *testing.T, tree *forensics.LayerTree, fs []audit.Finding, kept map[string][]byte)
	}{
		{name: "base layer", hash: "rules-1", layer: img.Layers[0], hit: true,
			verify: func(t *testing.T, tree *forensics.LayerTree, fs []audit.Finding, kept map[string][]byte) {
				if string(kept["/etc/passwd"]) != "root:x:0:0:root:/root:/bin/sh\n" || len(kept) != 2 {
					t.Errorf("kept files: %q", kept)
				}
			}},
		{name: "implant layer", hash: "rules-1", layer: img.Layers[2], hit: true,
			verify: func(t *testing.T, tree *forensics.LayerTree, fs []audit.Finding, kept map[string][]byte) {
				if len(fs) != 1 || !reflect.DeepEqual(fs[0], implantFinding) {
					t.Errorf("findings: %+v", fs)
				}
			}},
		{name: "other rule set", hash: "rules-2", layer: img.Layers[0]},
		{name: "other blob under the same diff_id", hash: "rules-1",
			layer: forensics.Layer{Index: 0, DiffID: img.Layers[0].DiffID, Digest: img.Layers[0].Digest, BlobSHA256: "sha256:other"}},
		{name: "the same blob claiming another diff_id", hash: "rules-1",
			layer: forensics.Layer{Index: 0, DiffID: img.Layers[1].DiffID, Digest: img.Layers[0].Digest, BlobSHA256: img.Layers[0].BlobSHA256}},
		{name: "a blob never hashed", hash: "rules-1",
			layer: forensics.Layer{Index: 0, DiffID: img.Layers[0].DiffID, Digest: img.Layers[0].Digest}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if known := s.LayerCache(tc.hash).Known(ctx, tc.layer.DiffID); tc.hit && !known {
				t.Errorf("Known(%s) = false for a cached layer", tc.layer.DiffID)
			}
			tree, fs, kept, ok := s.LayerCache(tc.hash).Lookup(ctx, tc.layer)
			if ok != tc.hit {
				t.Fatalf("hit = %v, want %v", ok, tc.hit)
			}
			if !ok {
				return
			}
			want := trees[tc.layer.Index]
			if tree.Index != want.Index || tree.UncompressedSize != want.UncompressedSize || !reflect.DeepEqual(tree.Entries, want.Entries) {
				t.Errorf("tree differs:\n got %+v\nwant %+v", tree.Entries, want.Entries)
			}
			tc.verify(t, tree, fs, kept)
		})
	}
}

func TestLayerCacheRefusesUnverifiedLayers(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "")
	img, trees := read(t, save(t, familyImages()["base"]))
	bad := *trees[0]
	bad.Anomalies = append(bad.Anomalies, forensics.Anomaly{Kind: forensics.AnomalyDiffIDMismatch, Detail: "swapped"})
	c := s.LayerCache("h")
	if err := c.Store(ctx, img.Layers[0], &bad, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok := c.Lookup(ctx, img.Layers[0]); ok {
		t.Error("a layer that failed its diff_id check was cached")
	}
	if n := count(t, s, "SELECT count(*) FROM layers"); n != 0 {
		t.Errorf("its index was stored under the diff_id it does not match (%d layers)", n)
	}
}

// TestLayerCacheDigestAsWritten stores a layer whose findings and kept files come in an order
// other than the ledger's (findings differing in every kind of column, kept files that are
// empty, missing and package state under a NUL-led key): the digest computed as written must
// equal the one read back (the tests read back every known digest and fail when they differ),
// and the ledger must verify afterwards.
func TestLayerCacheDigestAsWritten(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "")
	img, trees := read(t, save(t, familyImages()["suspect"]))
	c := s.LayerCache("rules-order")
	f := func(rule string, sev audit.Severity, title, path string) audit.Finding {
		return audit.Finding{Rule: rule, Category: audit.CategoryWebshell, Severity: sev, Title: title, Path: path, History: -1}
	}
	fs := []audit.Finding{
		f("STRATA-WS-001", audit.High, "b", "/var/www/z.php"),
		f("STRATA-WS-001", audit.Critical, "a", "/var/www/a.php"),
		f("STRATA-RS-001", audit.Low, "Z", "/x"),
		f("STRATA-WS-001", audit.High, "B", "/var/www/z.php"),
		f("STRATA-WS-001", audit.High, "b", "/var/www/y.php"),
	}
	kept := map[string][]byte{
		"/etc/passwd":        []byte("root:x:0:0::/root:/bin/sh\n"),
		"/etc/empty":         {},
		"/etc/missing":       nil,
		"\x00state/packages": {0, 1, 2, 0xff},
		"/Etc/upper":         []byte("x"),
	}
	if err := c.Store(ctx, img.Layers[0], trees[0], fs, kept); err != nil {
		t.Fatal(err)
	}
	rep, err := s.CheckLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("ledger: %v", rep.Problems)
	}
}
