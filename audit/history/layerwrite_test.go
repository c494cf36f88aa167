package history

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// dumpTables returns every row of the tables a layer's store writes, ledger included, as
// sorted text.
func dumpTables(t *testing.T, s *Store) string {
	t.Helper()
	var out []string
	for _, table := range []string{"layers", "layer_files", "layer_blobs", "layer_cache", "layer_cache_findings", "layer_cache_files", "ledger"} {
		rows, err := s.db.db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, table+fmt.Sprintf(" %q", vals))
		}
		rows.Close()
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// A layer whose index is written as it is read is stored as Store stores it, whatever the
// writing met: a batch a later duplicate made stale, the lock held too long, a layer that did
// not verify, an index stored already.
func TestLayerWriteStoresAsStore(t *testing.T) {
	ctx := context.Background()
	img, trees := read(t, save(t, familyImages()["suspect"]))
	clock := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	finding := []audit.Finding{{Rule: "STRATA-RS-002", Category: audit.CategoryReverseShell, Severity: audit.Critical,
		Title: "reverse shell", Path: "/usr/share/lib/libx.so", Layer: 2, History: -1}}
	kept := map[string][]byte{"/etc/passwd": []byte("root:x:0:0:root:/root:/bin/sh\n")}
	open := func() (*Store, *LayerCache) {
		s := openStore(t, "")
		s.now = func() time.Time { return clock }
		return s, s.LayerCache("rules")
	}
	// The reference: every layer stored whole.
	ref, rc := open()
	for i, lt := range trees {
		if err := rc.Store(ctx, img.Layers[i], lt, finding, kept); err != nil {
			t.Fatal(err)
		}
	}
	want := dumpTables(t, ref)
	if onPostgres() {
		if w := rc.BeginLayer(ctx, img.Layers[0]); w != nil {
			t.Error("a server store began writing an index before its layers row")
		}
		return
	}
	stale := func(lt *forensics.LayerTree, k int) []forensics.Entry {
		e := slices.Clone(lt.Entries)
		e[k].Size++
		return e
	}
	tests := []struct {
		name    string
		batches func(lt *forensics.LayerTree) []forensics.Entry // what the reader hands over
		batch   int
		hold    time.Duration
		abort   bool // the read fails: nothing of the layer is stored
	}{
		{name: "one entry at a time", batches: func(lt *forensics.LayerTree) []forensics.Entry { return lt.Entries }, batch: 1},
		{name: "batches short of the end", batches: func(lt *forensics.LayerTree) []forensics.Entry { return lt.Entries[:len(lt.Entries)/2] }, batch: 3},
		{name: "nothing handed over", batches: func(lt *forensics.LayerTree) []forensics.Entry { return nil }, batch: 1},
		{name: "a stale first entry", batches: func(lt *forensics.LayerTree) []forensics.Entry { return stale(lt, 0) }, batch: 2},
		{name: "a stale last entry", batches: func(lt *forensics.LayerTree) []forensics.Entry { return stale(lt, len(lt.Entries)-1) }, batch: 2},
		{name: "more than the tree", batches: func(lt *forensics.LayerTree) []forensics.Entry {
			return append(slices.Clone(lt.Entries), lt.Entries[0])
		}, batch: 2},
		{name: "lock held too long", batches: func(lt *forensics.LayerTree) []forensics.Entry { return lt.Entries }, batch: 2, hold: -1},
		{name: "aborted", batches: func(lt *forensics.LayerTree) []forensics.Entry { return lt.Entries }, batch: 2, abort: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.hold != 0 {
				defer func(h time.Duration) { maxLayerWriteHold = h }(maxLayerWriteHold)
				maxLayerWriteHold = tc.hold
			}
			s, c := open()
			for i, lt := range trees {
				w := c.BeginLayer(ctx, img.Layers[i])
				if w == nil {
					t.Fatalf("layer %d: no writer", i)
				}
				b := tc.batches(lt)
				for from := 0; from < len(b); from += tc.batch {
					w.Add(ctx, from, b[from:min(from+tc.batch, len(b))])
				}
				if tc.abort {
					w.Abort()
					continue
				}
				if err := w.Finish(ctx, img.Layers[i], lt, finding, kept); err != nil {
					t.Fatal(err)
				}
			}
			if tc.abort {
				if n := count(t, s, "SELECT count(*) FROM layer_files") + count(t, s, "SELECT count(*) FROM ledger"); n != 0 {
					t.Fatalf("aborted writes left %d rows", n)
				}
				return
			}
			if got := dumpTables(t, s); got != want {
				t.Errorf("stored:\n%s\nwant:\n%s", got, want)
			}
			if rep, err := s.CheckLedger(ctx); err != nil || !rep.OK() {
				t.Errorf("ledger: %+v %v", rep, err)
			}
			// An index stored already is not written again, and a layer that did not verify
			// is not stored.
			if w := c.BeginLayer(ctx, img.Layers[0]); w != nil {
				t.Error("began writing an index stored already")
			}
		})
	}
	s, c := open()
	bad := *trees[0]
	bad.Anomalies = append(slices.Clone(bad.Anomalies), forensics.Anomaly{Kind: forensics.AnomalyDiffIDMismatch, Detail: "swapped"})
	w := c.BeginLayer(ctx, img.Layers[0])
	w.Add(ctx, 0, bad.Entries)
	if err := w.Finish(ctx, img.Layers[0], &bad, nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT count(*) FROM layer_files") + count(t, s, "SELECT count(*) FROM layers"); n != 0 {
		t.Errorf("a layer that failed its diff_id check left %d rows", n)
	}
}

// streamCounter is the history cache, counting the layers a scan begins to write as read.
type streamCounter struct {
	*LayerCache
	begun int
}

func (c *streamCounter) BeginLayer(ctx context.Context, layer forensics.Layer) audit.LayerWriter {
	w := c.LayerCache.BeginLayer(ctx, layer)
	if w != nil {
		c.begun++
	}
	return w
}

// plainCache is the history cache without the writes as read.
type plainCache struct{ audit.LayerCache }

// manyEntries is a layer of n files under dir, and a hard link to the first; dup, when set,
// puts a second copy of the sixth file (other content) after the first 1,500 entries, where
// a scan has handed the first over to be written already.
func manyEntries(t *testing.T, dir string, n int, dup bool) []byte {
	t.Helper()
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	add := func(h *tar.Header, body string) {
		h.ModTime, h.Size = t0, int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	add(&tar.Header{Name: dir + "/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	for i := range n {
		add(&tar.Header{Name: fmt.Sprintf("%s/f%05d", dir, i), Typeflag: tar.TypeReg, Mode: 0o644}, fmt.Sprintf("file %d of %s\n", i, dir))
		if dup && i == 1500 {
			add(&tar.Header{Name: dir + "/f00005", Typeflag: tar.TypeReg, Mode: 0o600}, "replaced\n")
		}
	}
	add(&tar.Header{Name: dir + "/link", Typeflag: tar.TypeLink, Linkname: dir + "/f00000"}, "")
	tw.Close()
	return raw.Bytes()
}

// A scan that writes its last layer as it is read leaves the database a scan that stores
// every layer once read leaves: rows, ledger and findings, whether the rows written as read
// stand or a later duplicate makes them stale.
func TestScanWritesLastLayerAsStoreWould(t *testing.T) {
	set, _ := standardSet(t)
	clock := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	for _, dup := range []bool{false, true} {
		t.Run(fmt.Sprintf("duplicate=%v", dup), func(t *testing.T) {
			// Read one at a time, biggest first: the smallest, read last, is written as read.
			ref := "docker-archive:" + save(t, imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{
				{CreatedBy: "COPY a /a", Created: t0, Raw: manyEntries(t, "a", 3000, false)},
				{CreatedBy: "COPY b /b", Created: t0, Raw: manyEntries(t, "b", 2600, false)},
				{CreatedBy: "COPY c /c", Created: t0, Raw: manyEntries(t, "c", 2200, dup)},
			}})
			scan := func(streams bool) (string, string) {
				s := openStore(t, "")
				s.now = func() time.Time { return clock }
				c := &streamCounter{LayerCache: s.LayerCache("h")}
				var cache audit.LayerCache = plainCache{c}
				if streams {
					cache = c
				}
				img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				defer img.Close()
				res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: set.Analyzers, Cache: cache, Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				// A server store is never written as read (its foreign keys are checked at once).
				if want := map[bool]int{true: 1, false: 0}[streams && !onPostgres()]; c.begun != want || c.Stored() != 3 {
					t.Fatalf("streams=%v: %d layers begun as read, %d stored", streams, c.begun, c.Stored())
				}
				if rep, err := s.CheckLedger(context.Background()); err != nil || !rep.OK() {
					t.Fatalf("ledger: %+v %v", rep, err)
				}
				return dumpTables(t, s), findingLines(res)
			}
			db, found := scan(true)
			wantDB, wantFound := scan(false)
			if db != wantDB {
				t.Errorf("written as read:\n%s\nstored once read:\n%s", db, wantDB)
			}
			if found != wantFound {
				t.Errorf("findings differ:\n%s\nwant:\n%s", found, wantFound)
			}
		})
	}
}
