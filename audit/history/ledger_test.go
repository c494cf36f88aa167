package history

import (
	"archive/tar"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// evidenceTables are the tables whose rows are recorded evidence: each is append-only and
// covered by the ledger.
var evidenceTables = []string{"inputs", "input_anomalies", "images", "image_history", "tag_sightings", "layers",
	"image_layers", "layer_files", "layer_blobs", "scans", "findings", "diffs", "diff_changes", "layer_cache",
	"layer_cache_findings", "layer_cache_files", "ledger", "accepted_findings", "indicators", "scan_cache"}

// ledgerStore records scans of three family images, a diff, and a cached layer with a finding
// and a kept file, so that every evidence table has rows.
func ledgerStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, _ := family(t, "base", "app", "suspect")
	o, ot := read(t, save(t, familyImages()["app"]))
	su, st := read(t, save(t, familyImages()["suspect"]))
	su.Anomalies = append(su.Anomalies, forensics.Anomaly{Kind: forensics.AnomalyHistoryMismatch, Layer: -1, Detail: "a test anomaly"})
	d, err := forensics.DiffTrees(ctx, o, su, forensics.Stack(ot), forensics.Stack(st), forensics.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordDiff(ctx, d); err != nil {
		t.Fatal(err)
	}
	c := s.LayerCache("rules")
	f := audit.Finding{Rule: "STRATA-RS-002", Category: audit.CategoryReverseShell, Severity: audit.Critical,
		Title: "reverse shell", Path: "/usr/share/lib/libx.so", Layer: 2, History: -1}
	if err := c.Store(ctx, su.Layers[2], st[2], []audit.Finding{f}, map[string][]byte{"/etc/passwd": []byte("root:x:0:0::/:/bin/sh\n")}); err != nil {
		t.Fatal(err)
	}
	if c.Stored() != 1 {
		t.Fatal("the layer was not cached")
	}
	if err := su.HashBlobs(ctx, nil); err != nil {
		t.Fatal(err)
	}
	key := ScanKey(su, "rules", "")
	if err := s.StoreScan(ctx, key, "rules", su, &CachedScan{Findings: []audit.Finding{f}, Files: 3, Scanned: 3,
		Layers: make([]CachedScanLayer, len(su.Layers))}); err != nil || key == "" {
		t.Fatalf("the scan was not cached (key %q): %v", key, err)
	}
	flagged := f
	flagged.Indicators = []audit.Indicator{{Kind: audit.IndicatorIP, Value: "203.0.113.45"}, {Kind: audit.IndicatorPort, Value: "4444"}}
	res := &audit.Result{Image: su, Findings: []audit.Finding{flagged},
		Accepted: []audit.Accepted{{Finding: f, By: audit.AcceptedByFile, Reason: "a test acceptance", Source: ".strataignore:1"}}}
	if _, err := s.RecordScan(ctx, su, st, res, ScanInfo{RuleHash: "accepted"}); err != nil {
		t.Fatal(err)
	}
	for _, table := range evidenceTables {
		if count(t, s, "SELECT count(*) FROM "+table) == 0 {
			t.Fatalf("no rows in %s: the test would prove nothing for it", table)
		}
	}
	return s
}

func checkLedger(t *testing.T, s *Store) *LedgerReport {
	t.Helper()
	rep, err := s.CheckLedger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// rawExec runs statements on the raw database, as someone with the file and sqlite3 would.
func rawExec(t *testing.T, s *Store, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// The append-only triggers refuse any UPDATE or DELETE on the evidence tables.
func TestEvidenceTablesAreAppendOnly(t *testing.T) {
	s := ledgerStore(t)
	for _, table := range evidenceTables {
		cols, err := s.tableColumns(context.Background(), s.db, table)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"UPDATE " + table + " SET " + cols[0] + " = " + cols[0], "DELETE FROM " + table} {
			if _, err := s.db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want it refused as append-only", q, err)
			}
		}
	}
}

// With the triggers dropped, every change to recorded evidence is found by CheckLedger and
// named by the record it touched; a clean database checks out.
func TestLedgerFindsTampering(t *testing.T) {
	rep := checkLedger(t, ledgerStore(t))
	if !rep.OK() || rep.Entries == 0 || rep.Head == "" || rep.Sealed != 0 {
		t.Fatalf("a database nobody touched: %+v", rep)
	}
	drop := func(table string) string { return strings.Join(dropTriggers(table), "; ") }
	tests := []struct {
		name  string
		stmts []string
		kind  string // the unit kind a problem must name
	}{
		{"an input's sha256 rewritten", []string{drop("inputs"), "UPDATE inputs SET sha256 = 'feed' WHERE id = 2"}, "input"},
		{"a finding lowered", []string{drop("findings"), "UPDATE findings SET severity = 0"}, "scan"},
		{"a finding deleted", []string{drop("findings"), drop("indicators"), "DELETE FROM indicators", "DELETE FROM findings"}, "scan"},
		{"an acceptance's reason rewritten", []string{drop("accepted_findings"), "UPDATE accepted_findings SET reason = 'x'"}, "scan"},
		{"a scan deleted with its findings", []string{drop("findings"), drop("scans"), "DELETE FROM findings WHERE scan_id = 1", "DELETE FROM scans WHERE id = 1"}, "scan"},
		{"an anomaly removed", []string{drop("input_anomalies"), "DELETE FROM input_anomalies"}, "input"},
		{"a tag sighting moved", []string{drop("tag_sightings"), "UPDATE tag_sightings SET tag = 'x' WHERE id = 1"}, "input"},
		{"an image's config rewritten", []string{drop("images"), "UPDATE images SET config = '{}' WHERE id = 1"}, "image"},
		{"a history line rewritten", []string{drop("image_history"), "UPDATE image_history SET created_by = 'x'"}, "image"},
		{"a layer's chain position changed", []string{drop("image_layers"), "UPDATE image_layers SET digest = 'x'"}, "image"},
		{"a file's hash changed in the index", []string{drop("layer_files"), "UPDATE layer_files SET sha256 = 'x' WHERE seq = 0"}, "layer"},
		{"a file removed from the index", []string{drop("layer_files"), "DELETE FROM layer_files WHERE seq = 1"}, "layer"},
		{"a layer's size changed", []string{drop("layers"), "UPDATE layers SET size = 1"}, "layer"},
		{"a blob mapped to another diff_id", []string{drop("layer_blobs"), "UPDATE layer_blobs SET diff_id = 'sha256:x'"}, "blob"},
		{"a diff change removed", []string{drop("diff_changes"), "DELETE FROM diff_changes WHERE rank = 0"}, "diff"},
		{"a diff's summary rewritten", []string{drop("diffs"), "UPDATE diffs SET summary = '{}'"}, "diff"},
		{"a cached finding removed", []string{drop("layer_cache_findings"), "DELETE FROM layer_cache_findings"}, "cache"},
		{"an indicator rewritten", []string{drop("indicators"), "UPDATE indicators SET value = '198.51.100.1' WHERE kind = 'ip'"}, "scan"},
		{"a finding's labels rewritten", []string{drop("findings"), "UPDATE findings SET labels = 'persistence'"}, "scan"},
		{"a cached file changed", []string{drop("layer_cache_files"), "UPDATE layer_cache_files SET data = " + blobLiteral("00")}, "cache"},
		{"a cached layer's anomalies cleared", []string{drop("layer_cache"), "UPDATE layer_cache SET anomalies = '[]x'"}, "cache"},
		{"a scan added outside strata", []string{"INSERT INTO scans (image_id, input_id, tool_version, rule_hash, options, started_at, ended_at, status, verdict, base_digest, files, scanned, cached_layers) SELECT image_id, input_id, tool_version, rule_hash, options, started_at, ended_at, status, 'clean', base_digest, files, scanned, cached_layers FROM scans WHERE id = 1"}, "scan"},
		{"a ledger entry rewritten", []string{drop("ledger"), "UPDATE ledger SET digest = 'x' WHERE seq = 3"}, "ledger"},
		{"a ledger entry deleted", []string{drop("ledger"), "DELETE FROM ledger WHERE seq = 2"}, "ledger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ledgerStore(t)
			for _, q := range tt.stmts {
				rawExec(t, s, strings.Split(q, "; ")...)
			}
			rep := checkLedger(t, s)
			found := false
			for _, p := range rep.Problems {
				found = found || p.Kind == tt.kind
			}
			if !found {
				t.Errorf("no %s problem reported: %+v", tt.kind, rep.Problems)
			}
		})
	}
}

// A database recorded before the ledger existed is sealed as found when it is upgraded, and
// checks out; what happens to it after that is covered like anything recorded later.
func TestLedgerSealsWhatAnUpgradeFinds(t *testing.T) {
	ctx := context.Background()
	s := ledgerStore(t)
	path := s.Path()
	// Take the database back to before the ledger: no ledger table, no triggers, version 3.
	var stmts []string
	for _, table := range evidenceTables {
		if table == "ledger" || table == "scans" || table == "findings" || table == "diffs" || table == "diff_changes" || table == "accepted_findings" ||
			table == "indicators" || table == "scan_cache" {
			continue
		}
		stmts = append(stmts, dropTriggers(table)...)
	}
	// and without what migration 5 added (vulnerability fields, accepted findings).
	stmts = append(stmts, "DROP TABLE accepted_findings", "DROP INDEX findings_vulnerability", "ALTER TABLE findings DROP COLUMN vulnerability")
	// and without what migration 6 added (labels, techniques, indicators).
	stmts = append(stmts, dropTriggers("indicators")...)
	stmts = append(stmts, "DROP TABLE indicators",
		"ALTER TABLE findings DROP COLUMN labels", "ALTER TABLE findings DROP COLUMN techniques",
		"ALTER TABLE layer_cache_findings DROP COLUMN labels", "ALTER TABLE layer_cache_findings DROP COLUMN techniques",
		"ALTER TABLE layer_cache_findings DROP COLUMN indicators")
	// and without what migration 7 added (the scan cache).
	stmts = append(stmts, dropTriggers("scan_cache")...)
	stmts = append(stmts, "DROP TABLE scan_cache")
	stmts = append(stmts, "DROP TABLE ledger")
	rawExec(t, s, stmts...)
	if err := s.db.d.setSchemaVersion(ctx, s.db, ledgerVersion-1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	up := openStore(t, path)
	rep, err := up.CheckLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Sealed == 0 || rep.Sealed != rep.Entries {
		t.Fatalf("after the upgrade: %+v", rep)
	}
	img, trees := read(t, save(t, familyImages()["child"]))
	if _, err := up.RecordInspect(ctx, img, trees); err != nil {
		t.Fatal(err)
	}
	rawExec(t, up, append(dropTriggers("inputs"), "UPDATE inputs SET who = 'someone else' WHERE id = 1")...)
	rep = checkLedger(t, up)
	if rep.OK() || rep.Entries <= rep.Sealed {
		t.Errorf("a sealed input changed after the upgrade is not found, or the new inspect was not recorded: %+v", rep)
	}
}

// A layer unit's digest is computed from the values written (layerDigest), not read back:
// it must equal the digest of the rows as each engine stores them, for every kind of entry
// a hostile layer can hold.
func TestLayerDigestIsTheStoredRows(t *testing.T) {
	ctx := context.Background()
	old := time.Date(1962, 2, 20, 14, 47, 0, 123456789, time.FixedZone("x", -5*3600))
	img := imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{{CreatedBy: "RUN odd # buildkit", Created: t0, Files: []imagebuild.File{
		imagebuild.Dir("etc"),
		{Path: "etc/bad\xff\xfename", Content: []byte("x"), UID: 1 << 40, GID: 2147483647, Uname: "ünïcode", Gname: "g\tg", ModTime: old, Mode: 0o6755},
		{Path: "dev/null", Type: tar.TypeChar, DevMajor: 1, DevMinor: 3, Mode: 0o666},
		{Path: "etc/link", Type: tar.TypeSymlink, Link: "../\xffnowhere"},
		{Path: "etc/hard", Type: tar.TypeLink, Link: "etc/bad\xff\xfename"},
		imagebuild.Reg("etc/.wh.gone", ""),
		imagebuild.Reg("etc/.wh..wh..opq", ""),
		{Path: "epoch", Content: []byte("y"), ModTime: time.Unix(0, 0)},
	}}}}
	// Many more, with values of every size.
	for i := range 71 {
		img.Layers[0].Files = append(img.Layers[0].Files, imagebuild.File{Path: fmt.Sprintf("srv/f%03d\xfe", i),
			Content: []byte(strings.Repeat("z", i)), UID: i << 33, Mode: 0o4000 | int64(i), ModTime: old.Add(time.Duration(i) * time.Hour)})
	}
	_, trees := read(t, save(t, img))
	lt := trees[0]
	if len(lt.Entries) < 79 {
		t.Fatalf("the layer read has %d entries, want 79 or more", len(lt.Entries))
	}
	s := openStore(t, filepath.Join(t.TempDir(), "h.db"))
	su, _ := read(t, save(t, img))
	if err := s.LayerCache("rules").Store(ctx, su.Layers[0], lt, nil, nil); err != nil {
		t.Fatal(err)
	}
	var firstSeen string
	if err := s.db.QueryRowContext(ctx, "SELECT first_seen FROM layers WHERE diff_id = ?", lt.DiffID).Scan(&firstSeen); err != nil {
		t.Fatal(err)
	}
	kind, _ := kindNamed("layer")
	cols, err := s.unitColumns(ctx, s.db, kind)
	if err != nil {
		t.Fatal(err)
	}
	known := layerDigest(lt.DiffID, lt.UncompressedSize, lt.Entries, firstSeen)
	if !sameColumns(cols, known.columns) {
		t.Fatalf("the layer unit covers %v, layerDigest %v", cols, known.columns)
	}
	stored, n, err := unitDigest(ctx, s.db, kind, lt.DiffID, cols)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1+len(lt.Entries) || stored != known.digest {
		t.Fatalf("%s: %d rows stored hash to %s, the %d entries written to %s", engine, n, stored, len(lt.Entries), known.digest)
	}
	if rep := checkLedger(t, s); !rep.OK() {
		t.Fatalf("ledger problems: %+v", rep.Problems)
	}
}
