package history

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// exportTo writes s's export archive to a file and returns its path.
func exportTo(t *testing.T, s *Store) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "history.tar.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Export(context.Background(), f, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func tableCounts(t *testing.T, s *Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range evidenceTables {
		out[table] = count(t, s, "SELECT count(*) FROM "+table)
	}
	return out
}

// A station's history merges into another's: every unit once, readings kept apart per
// station, the ledger checking out with the imported units marked as such; importing again
// changes nothing.
func TestExportImport(t *testing.T) {
	ctx := context.Background()
	a := ledgerStore(t) // scans of base, app, suspect, a diff, a cached layer, an acceptance
	aHost := a.Host
	a.Who, a.Host = "alice", "station-a" // who exported it
	b := openStore(t, "")
	b.Who, b.Host = "bob", "station-b"
	for _, name := range []string{"app", "unrelated"} {
		img, trees := read(t, save(t, familyImages()[name]))
		if _, err := b.RecordScan(ctx, img, trees, &audit.Result{Image: img}, ScanInfo{RuleHash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	before := tableCounts(t, a)
	archive := exportTo(t, a)
	sum, err := b.Import(ctx, archive)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added["scan"] != count(t, a, "SELECT count(*) FROM scans") || sum.Added["diff"] != 1 || sum.Added["cache"] != 1 ||
		sum.Added["scan-cache"] != 1 {
		t.Errorf("added %v, want every scan, the diff, the cached layer and the cached scan", sum.Added)
	}
	if sum.Present["image"] != 1 || sum.Present["layer"] != 3 || sum.Present["blob"] != 3 {
		t.Errorf("present %v, want the app image and the three layers b read (base, app, implant) found as already held", sum.Present)
	}
	rep := checkLedger(t, b)
	if !rep.OK() || rep.Imported != sum.Added["image"]+sum.Added["layer"]+sum.Added["blob"]+sum.Added["input"]+sum.Added["scan"]+sum.Added["diff"]+sum.Added["cache"]+
		sum.Added["scan-cache"] {
		t.Fatalf("the merged ledger: %+v (added %v)", rep, sum.Added)
	}
	// Readings keep their station: the app image was read at both.
	if n := count(t, b, "SELECT count(DISTINCT host) FROM inputs WHERE image_id = (SELECT image_id FROM inputs WHERE host = 'station-b' ORDER BY id LIMIT 1)"); n != 2 {
		t.Errorf("the app image's readings come from %d stations, want 2", n)
	}
	if n := count(t, b, "SELECT count(*) FROM inputs WHERE host = ?", aHost); n != before["inputs"] {
		t.Errorf("%d readings of station a merged, want %d", n, before["inputs"])
	}
	// Findings, accepted findings, diff changes and cached files all came across.
	got := tableCounts(t, b)
	for _, table := range []string{"findings", "accepted_findings", "indicators", "diff_changes", "layer_cache_files", "layer_cache_findings", "tag_sightings", "input_anomalies"} {
		if got[table] < before[table] || before[table] == 0 {
			t.Errorf("%s: %d rows merged from %d", table, got[table], before[table])
		}
	}
	// An indicator names its finding by the id the finding got here, and trace finds it.
	if n := count(t, b, "SELECT count(*) FROM indicators i JOIN findings f ON f.id = i.finding_id AND f.scan_id = i.scan_id WHERE i.value = '203.0.113.45' AND f.rule = 'STRATA-RS-002'"); n != 1 {
		t.Errorf("%d imported indicators name the finding they were found with, want 1", n)
	}
	if hits, err := b.Trace(ctx, TraceQuery{IP: "203.0.113.45"}); err != nil || len(hits) == 0 {
		t.Errorf("trace --ip after import: %v, %v", hits, err)
	}
	var origin string
	if err := b.db.QueryRow("SELECT origin FROM ledger WHERE kind = 'diff'").Scan(&origin); err != nil {
		t.Fatal(err)
	}
	var o importOrigin
	if !strings.HasPrefix(origin, originImported) || json.Unmarshal([]byte(strings.TrimPrefix(origin, originImported)), &o) != nil ||
		o.Station != "alice@station-a" || o.Digest == "" || o.Kind != "diff" || o.Origin != originRecorded {
		t.Errorf("the imported diff's ledger origin: %s", origin)
	}

	// Twice: nothing changes.
	again, err := b.Import(ctx, archive)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Added) != 0 {
		t.Errorf("a second import added %v", again.Added)
	}
	if after := tableCounts(t, b); !equalCounts(after, got) {
		t.Errorf("a second import changed the database: %v, then %v", got, after)
	}
	// And back: b's export into a gives a only b's own readings.
	back, err := a.Import(ctx, exportTo(t, b))
	if err != nil {
		t.Fatal(err)
	}
	if back.Added["input"] != 2 || back.Added["scan"] != 2 {
		t.Errorf("importing the merged history back added %v, want only station b's two readings and scans", back.Added)
	}
	if rep := checkLedger(t, a); !rep.OK() {
		t.Errorf("after importing back: %+v", rep.Problems)
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// rewriteArchive rewrites an archive's records and manifest with edit.
func rewriteArchive(t *testing.T, path string, edit func(m map[string]any, lines [][]byte)) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	members := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		members[h.Name], _ = io.ReadAll(tr)
	}
	var m map[string]any
	if err := json.Unmarshal(members[manifestMember], &m); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(members[recordsMember], []byte("\n")), []byte("\n"))
	edit(m, lines)
	records := append(bytes.Join(lines, []byte("\n")), '\n')
	manifest, _ := json.Marshal(m)
	out := filepath.Join(t.TempDir(), "tampered.tar.gz")
	var buf bytes.Buffer
	gw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gw)
	for _, mem := range []struct {
		name string
		data []byte
	}{{manifestMember, manifest}, {recordsMember, records}} {
		if err := tw.WriteHeader(&tar.Header{Name: mem.name, Mode: 0o600, Size: int64(len(mem.data))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(mem.data)
	}
	tw.Close()
	gw.Close()
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// A changed archive is refused, naming the record that does not verify, however much of the
// manifest the forger also rewrote; nothing of it is imported.
func TestImportRefusesTamperedArchive(t *testing.T) {
	ctx := context.Background()
	a := ledgerStore(t)
	archive := exportTo(t, a)
	// The record of the first scan with a finding: lower its severity.
	scanLine := func(lines [][]byte) int {
		for i, l := range lines {
			if bytes.Contains(l, []byte(`"kind":"scan"`)) && bytes.Contains(l, []byte(`"table":"findings"`)) &&
				bytes.Contains(l, []byte(`STRATA-RS-002`)) {
				return i
			}
		}
		t.Fatal("no scan record with a finding")
		return -1
	}
	lower := func(l []byte) []byte {
		return bytes.Replace(l, []byte(`"STRATA-RS-002","reverse-shell",4`), []byte(`"STRATA-RS-002","reverse-shell",0`), 1)
	}
	records := func(m map[string]any) []any { return m["records"].([]any) }
	tests := []struct {
		name string
		edit func(m map[string]any, lines [][]byte)
		want string
	}{
		{"a finding lowered", func(m map[string]any, lines [][]byte) {
			i := scanLine(lines)
			lines[i] = lower(lines[i])
		}, "was changed"},
		{"a finding lowered and its line's hash rewritten", func(m map[string]any, lines [][]byte) {
			i := scanLine(lines)
			lines[i] = lower(lines[i])
			records(m)[i].(map[string]any)["sha256"] = sha(lines[i])
		}, "the rows were changed"},
		{"a finding lowered and its digest rewritten too", func(m map[string]any, lines [][]byte) {
			i := scanLine(lines)
			lines[i] = lower(lines[i])
			var r archiveRecord
			json.Unmarshal(lines[i], &r)
			r.decode()
			d, _ := digestParts(r.parts)
			lines[i] = bytes.Replace(lines[i], []byte(r.Digest), []byte(d), 1)
			records(m)[i].(map[string]any)["sha256"] = sha(lines[i])
			records(m)[i].(map[string]any)["digest"] = d
		}, "chain breaks"},
		{"a record dropped", func(m map[string]any, lines [][]byte) {
			i := scanLine(lines)
			copy(lines[i:], lines[i+1:])
			lines[len(lines)-1] = []byte(`{}`)
		}, "was changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := openStore(t, "")
			before := tableCounts(t, b)
			_, err := b.Import(ctx, rewriteArchive(t, archive, tt.edit))
			var ae *ArchiveError
			if !errors.As(err, &ae) || !strings.Contains(ae.Record, "record ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("importing: %v, want an archive error naming the record, saying %q", err, tt.want)
			}
			if after := tableCounts(t, b); !equalCounts(before, after) {
				t.Errorf("a refused archive changed the database: %v", after)
			}
		})
	}
}
