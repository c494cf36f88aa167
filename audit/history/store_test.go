package history

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/internal/pgtest"
)

// TestMain runs the store's tests twice: on SQLite, then on PostgreSQL in a private cluster
// (internal/pgtest) that it starts and stops. Where PostgreSQL is not installed the second
// half is skipped with a message, except on CI, where it fails.
//
// It also lets the test binary act as a second strata process: with STRATA_HISTORY_CHILD set
// it records a scan into the database named there and stops, mid-transaction, for the parent
// to kill it.
func TestMain(m *testing.M) {
	if db := os.Getenv("STRATA_HISTORY_CHILD"); db != "" {
		os.Exit(childRecord(db, os.Getenv("STRATA_HISTORY_IMAGE")))
	}
	// Every unit whose digest its writer computed is read back too, and must agree.
	checkKnownDigests = true
	code := m.Run()
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		// Benchmarks measure the embedded engine; running them twice would double make bench.
		os.Exit(code)
	}
	start := time.Now()
	c, err := pgtest.Start(context.Background())
	if err != nil {
		if pgtest.Required() {
			fmt.Printf("FAIL: the PostgreSQL half of the history tests cannot run: %v\n", err)
			os.Exit(1)
		}
		fmt.Printf("SKIP: the PostgreSQL half of the history tests: %v\n", err)
		os.Exit(code)
	}
	fmt.Printf("=== the history tests again, on PostgreSQL (private cluster started in %.1fs)\n", time.Since(start).Seconds())
	engine, cluster = "postgres", c
	pgCode := m.Run()
	c.Stop()
	fmt.Printf("=== PostgreSQL half: %.1fs\n", time.Since(start).Seconds())
	os.Exit(max(code, pgCode))
}

func childRecord(dbPath, ref string) int {
	ctx := context.Background()
	s, err := Open(ctx, dbPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	// The parent removes the temporary directory: this process is killed.
	img, err := forensics.Open(ctx, ref, forensics.OpenOptions{TempDir: os.Getenv("STRATA_HISTORY_TMP")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	trees, err := img.ReadLayers(ctx, forensics.ReadOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	res := &audit.Result{Image: img, Files: 1}
	for i := range 500 {
		res.Findings = append(res.Findings, audit.Finding{Rule: "STRATA-TEST-001", Severity: audit.High, Layer: 0,
			Path: fmt.Sprintf("/f%d", i), Title: "half-written", History: -1})
	}
	testHookInScan = func() {
		fmt.Println("in-transaction")
		os.Stdout.Sync()
		time.Sleep(time.Minute)
	}
	if _, err := s.RecordScan(ctx, img, trees, res, ScanInfo{RuleHash: "child"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	return 0
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	for from := 0; from <= len(migrations); from++ {
		t.Run(fmt.Sprintf("from version %d", from), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "strata.db")
			if from > 0 {
				// Make a database as an older strata left it, with data in it.
				old := bareStore(t, path)
				if err := old.migrate(ctx, migrations[:from]); err != nil {
					t.Fatal(err)
				}
				if _, err := old.db.Exec(`INSERT INTO images (config_digest, manifest_digest, created, os, architecture, variant,
					layer_count, chain, config, first_seen) VALUES ('sha256:old', 'sha256:m', '', 'linux', 'amd64', '', 0, '', '{}', '')`); err != nil {
					t.Fatal(err)
				}
				old.Close()
			}
			s := openStore(t, path)
			v, err := s.Version(ctx)
			if err != nil || v != SchemaVersion {
				t.Fatalf("version %d, %v; want %d", v, err, SchemaVersion)
			}
			if from > 0 && count(t, s, "SELECT count(*) FROM images WHERE config_digest = 'sha256:old'") != 1 {
				t.Error("the migration lost the old data")
			}
			for _, table := range []string{"inputs", "images", "tag_sightings", "layers", "image_layers", "layer_files",
				"scans", "findings", "layer_cache", "diffs", "diff_changes"} {
				count(t, s, "SELECT count(*) FROM "+table)
			}
			if ok, err := s.IntegrityCheck(ctx); err != nil || ok != "ok" {
				t.Errorf("integrity_check: %s %v", ok, err)
			}
		})
	}
	t.Run("newer than this strata", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "strata.db")
		s := openStore(t, path)
		if err := s.db.d.setSchemaVersion(ctx, s.db, SchemaVersion+1); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := Open(ctx, storePath(t, path)); err == nil || !strings.Contains(err.Error(), "upgrade strata") {
			t.Errorf("opening a newer database: %v", err)
		}
	})
}

func TestRecordInspectStoresLayersOnce(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "")
	imgs := familyImages()
	for _, name := range []string{"base", "app", "suspect", "app"} {
		img, trees := read(t, save(t, imgs[name]))
		if _, err := s.RecordInspect(ctx, img, trees); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		query string
		want  int
	}{
		{"SELECT count(*) FROM images", 3},
		{"SELECT count(*) FROM inputs", 4},
		{"SELECT count(*) FROM layers", 3},
		{"SELECT count(*) FROM image_layers", 6},
		{"SELECT count(*) FROM layer_files WHERE path = '/etc/passwd'", 1},
		{"SELECT count(*) FROM layer_files WHERE path = '/usr/share/lib/libx.so' AND type = 'file' AND mode = 493 AND length(sha256) = 64", 1},
		{"SELECT count(*) FROM tag_sightings WHERE tag = 'example.test/app:1'", 2},
		{"SELECT count(*) FROM inputs WHERE length(sha256) = 64 AND size > 0 AND who <> '' AND command = 'inspect'", 4},
		{"SELECT count(*) FROM image_history", 6},
	}
	for _, tc := range tests {
		if got := count(t, s, tc.query); got != tc.want {
			t.Errorf("%s = %d, want %d", tc.query, got, tc.want)
		}
	}
}

func TestScansAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "")
	img, trees := read(t, save(t, familyImages()["base"]))
	res := &audit.Result{Image: img, Findings: []audit.Finding{{Rule: "R1", Severity: audit.Low, Layer: 0, Path: "/etc/passwd", History: 0}}}
	id, err := s.RecordScan(ctx, img, trees, res, ScanInfo{RuleHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE scans SET status = 'failed'", "DELETE FROM scans", "UPDATE findings SET severity = 0", "DELETE FROM findings",
	} {
		if _, err := s.db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", q, err)
		}
	}
	if n := count(t, s, "SELECT count(*) FROM findings WHERE scan_id = ? AND diff_id = ?", id, img.Layers[0].DiffID); n != 1 {
		t.Errorf("%d findings", n)
	}
}

// TestConcurrentWriters records from two stores (two connections pools, as two processes
// would have) at once: every write must succeed.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "strata.db")
	dsn := storePath(t, path)
	imgs := familyImages()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w, name := range []string{"suspect", "unrelated"} {
		img, trees := read(t, save(t, imgs[name]))
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, dsn)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for i := range 20 {
				res := &audit.Result{Image: img, Findings: []audit.Finding{{Rule: fmt.Sprintf("W%d-%d", w, i), Layer: -1, History: -1}}}
				if _, err := s.RecordScan(ctx, img, trees, res, ScanInfo{RuleHash: "h"}); err != nil {
					errs <- fmt.Errorf("writer %d, scan %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := openStore(t, path)
	if n := count(t, s, "SELECT count(*) FROM scans WHERE status = 'complete'"); n != 40 {
		t.Errorf("%d scans recorded, want 40", n)
	}
	if n := count(t, s, "SELECT count(*) FROM layers"); n != 4 {
		t.Errorf("%d layers, want 4 (the shared implant layer once)", n)
	}
}

// TestKilledWriter kills a process in the middle of recording a scan: the database must stay
// sound and show no trace of the half-written scan.
func TestKilledWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "strata.db")
	ref := save(t, familyImages()["suspect"])
	s := openStore(t, path)
	img, trees := read(t, ref)
	if _, err := s.RecordInspect(ctx, img, trees); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STRATA_HISTORY_CHILD="+storePath(t, path), "STRATA_HISTORY_IMAGE="+ref, "STRATA_HISTORY_TMP="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	if !strings.Contains(string(buf[:n]), "in-transaction") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child did not reach the transaction: %q %s", buf[:n], stderr.String())
	}
	// While the child holds the write lock, readers still read the last committed state.
	if n := count(t, s, "SELECT count(*) FROM scans"); n != 0 {
		t.Errorf("a reader sees %d scans while one is being written", n)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	s2 := openStore(t, path)
	if res, err := s2.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity_check after the kill: %s %v", res, err)
	}
	for _, q := range []string{"SELECT count(*) FROM scans", "SELECT count(*) FROM findings"} {
		if n := count(t, s2, q); n != 0 {
			t.Errorf("%s = %d after the writer was killed, want 0", q, n)
		}
	}
	if n := count(t, s2, "SELECT count(*) FROM inputs"); n != 1 {
		t.Errorf("%d inputs, want the one committed before", n)
	}
	// And the database takes new writes.
	if _, err := s2.RecordScan(ctx, img, trees, &audit.Result{Image: img}, ScanInfo{RuleHash: "h"}); err != nil {
		t.Errorf("writing after the kill: %v", err)
	}
}

// The database holds what the images held (/etc/shadow among it): it is readable by its owner
// alone, and so are its WAL files; a database left world-readable by an older strata is
// tightened when opened.
func TestDatabaseIsPrivate(t *testing.T) {
	if onPostgres() {
		t.Skip("a server's files are the server's: the file modes are SQLite's")
	}
	ctx := context.Background()
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new", "strata.db")
	s := openStore(t, fresh)
	img, trees := read(t, save(t, familyImages()["base"]))
	if _, err := s.RecordInspect(ctx, img, trees); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fresh, fresh + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(filepath.Dir(fresh)); fi.Mode().Perm() != 0o700 {
		t.Errorf("the directory made for the database has mode %v, want 0700", fi.Mode().Perm())
	}
	old := filepath.Join(dir, "old.db")
	if err := os.WriteFile(old, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	openStore(t, old)
	if fi, _ := os.Stat(old); fi.Mode().Perm() != 0o600 {
		t.Errorf("an existing world-readable database kept mode %v", fi.Mode().Perm())
	}
}

// Commands that only read open the database read-only: no write lock is taken or waited for,
// nothing can be written, and a missing or older database is a clear error.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "strata.db")
	if _, err := OpenReadOnly(ctx, storePath(t, path)); err == nil || !strings.Contains(err.Error(), "nothing has been recorded") {
		t.Errorf("a missing database: %v", err)
	}
	rw := openStore(t, path)
	img, trees := read(t, save(t, familyImages()["base"]))
	if _, err := rw.RecordInspect(ctx, img, trees); err != nil {
		t.Fatal(err)
	}
	// A long recording holds the write lock.
	tx, err := rw.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("CREATE TABLE held (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ro, err := OpenReadOnly(qctx, storePath(t, path))
	if err != nil {
		t.Fatalf("opening read-only while a recording holds the lock: %v", err)
	}
	defer ro.Close()
	imgs, err := ro.Images(qctx)
	if err != nil || len(imgs) != 1 {
		t.Errorf("reading while a recording holds the lock: %d images, %v", len(imgs), err)
	}
	if !ro.ReadOnly() {
		t.Error("ReadOnly() is false")
	}
	if _, err := ro.RecordInspect(qctx, img, trees); err == nil {
		t.Error("a read-only store recorded an inspect")
	}
	tx.Rollback()

	if err := rw.db.d.setSchemaVersion(ctx, rw.db, SchemaVersion-1); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReadOnly(ctx, storePath(t, path)); err == nil || !strings.Contains(err.Error(), "upgrade it") {
		t.Errorf("an older database: %v", err)
	}
}
