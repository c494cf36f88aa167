package casework_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

const (
	demoSuspect  = "../testdata/images/demo-suspect.tar"
	demoOriginal = "../testdata/images/demo-original.tar"
)

func TestMain(m *testing.M) {
	// Hermetic: the user's data directory and database are never touched.
	for _, v := range []string{"STRATA_DB", "STRATA_DATA", "XDG_DATA_HOME"} {
		os.Unsetenv(v)
	}
	os.Exit(m.Run())
}

func workspace(t *testing.T) *casework.Workspace {
	t.Helper()
	return &casework.Workspace{DataDir: t.TempDir(), Version: "test"}
}

func scans(t *testing.T, w *casework.Workspace) []history.ScanRecord {
	t.Helper()
	s, err := w.OpenStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rs, err := s.Scans(context.Background(), history.ScanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestScanRecordsAndCaches: a scan is recorded complete; the next one with the same options
// takes every layer from the cache and finds the same.
func TestScanRecordsAndCaches(t *testing.T) {
	w := workspace(t)
	sc, err := w.NewScanner(context.Background(), casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	var cached int
	var mu sync.Mutex
	sink := func(e casework.Event) {
		if f, ok := e.(casework.LayerFinished); ok && f.Cached {
			mu.Lock()
			cached++
			mu.Unlock()
		}
	}
	first, err := sc.ScanRef(context.Background(), demoSuspect, sink)
	if err != nil {
		t.Fatal(err)
	}
	second, err := sc.ScanRef(context.Background(), demoSuspect, sink)
	if err != nil {
		t.Fatal(err)
	}
	if first.CachedLayers != 0 || second.CachedLayers != len(second.Image.Layers) || cached != second.CachedLayers {
		t.Errorf("cached layers: first %d, second %d of %d, events %d", first.CachedLayers, second.CachedLayers, len(second.Image.Layers), cached)
	}
	if len(first.Findings) != len(second.Findings) || first.Headline() != second.Headline() {
		t.Errorf("the cached scan found something else: %s / %s", first.Headline(), second.Headline())
	}
	rs := scans(t, w)
	if len(rs) != 2 || rs[0].Status != history.StatusComplete || rs[1].Status != history.StatusComplete {
		t.Fatalf("recorded %+v", rs)
	}
	if left, _ := os.ReadDir(w.TempDir()); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestScanInterrupted: a scan whose context is cancelled while it reads the layers is
// recorded as interrupted, returns the context's error, and leaves no temporary files.
func TestScanInterrupted(t *testing.T) {
	w := workspace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sc, err := w.NewScanner(ctx, casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	sink := func(e casework.Event) {
		if _, ok := e.(casework.LayerStarted); ok {
			cancel()
		}
	}
	if _, err := sc.ScanRef(ctx, demoSuspect, sink); !casework.Interrupted(err) {
		t.Fatalf("interrupted scan returned %v", err)
	}
	rs := scans(t, w)
	if len(rs) != 1 || rs[0].Status != history.StatusInterrupted || rs[0].Image == nil {
		t.Fatalf("recorded %+v, want one interrupted scan of the image", rs)
	}
	if left, _ := os.ReadDir(w.TempDir()); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestOpenRefusesPlainDirectories: a directory with no root filesystem at its top is refused
// unless given as dir:.
func TestOpenRefusesPlainDirectories(t *testing.T) {
	w := workspace(t)
	empty := t.TempDir()
	notes := t.TempDir()
	os.WriteFile(filepath.Join(notes, "notes.txt"), []byte("x"), 0o644)
	rootfs := t.TempDir()
	os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755)
	os.WriteFile(filepath.Join(rootfs, "etc", "passwd"), []byte("root:x:0:0::/root:/bin/sh\n"), 0o644)
	for _, tc := range []struct {
		ref string
		ok  bool
	}{{empty, false}, {notes, false}, {"dir:" + empty, true}, {rootfs, true}} {
		img, err := w.Open(context.Background(), tc.ref, nil)
		var ie *casework.InputError
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.ref, err)
		case !tc.ok && (err == nil || !asInput(err, &ie)):
			t.Errorf("%s: opened (%v), want an input error", tc.ref, err)
		}
		if img != nil {
			img.Close()
		}
	}
}

// TestScanFailedMidway: a scan whose evidence goes away after the image was opened (a blob of
// an OCI layout removed while the scan starts) fails with an input error and is recorded as
// failed, with the image it was of.
func TestScanFailedMidway(t *testing.T) {
	b, err := imagebuild.Build(imagebuild.DemoSuspect())
	if err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(t.TempDir(), "layout")
	if err := imagebuild.WriteOCILayout(layout, b); err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(b.Layers[3].Digest, "sha256:"))
	w := workspace(t)
	sc, err := w.NewScanner(context.Background(), casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	sink := func(e casework.Event) {
		if p, ok := e.(casework.Phase); ok && p.Name == "scanning" {
			os.Remove(blob)
		}
	}
	_, err = sc.ScanRef(context.Background(), "oci:"+layout, sink)
	var ie *casework.InputError
	if err == nil || !asInput(err, &ie) {
		t.Fatalf("scan of a layout whose blob went away: %v", err)
	}
	rs := scans(t, w)
	if len(rs) != 1 || rs[0].Status != history.StatusFailed || rs[0].Image == nil {
		t.Fatalf("recorded %+v, want one failed scan of the image", rs)
	}
}

// TestScanNotRecorded: a scan whose record cannot be written (the database locked beyond the
// busy timeout by another writer) keeps its result and says why it was not recorded.
func TestScanNotRecorded(t *testing.T) {
	old := history.BusyTimeout
	history.BusyTimeout = 300 * time.Millisecond
	defer func() { history.BusyTimeout = old }()
	w := workspace(t)
	sc, err := w.NewScanner(context.Background(), casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if sc.StoreErr() != nil {
		t.Fatal(sc.StoreErr())
	}
	conn, err := sql.Open("sqlite3", "file:"+w.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := conn.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var warned bool
	r, err := sc.ScanRef(context.Background(), demoSuspect, func(e casework.Event) {
		if _, ok := e.(casework.Warning); ok {
			warned = true
		}
	})
	c.ExecContext(context.Background(), "ROLLBACK")
	if err != nil {
		t.Fatal(err)
	}
	if r.ScanID != 0 || r.RecordErr == nil || !warned || len(r.Findings) == 0 {
		t.Errorf("scan %d, record error %v, warned %v, %d findings", r.ScanID, r.RecordErr, warned, len(r.Findings))
	}
}

// TestUserRulesCompiledOnce: --rules are compiled into the data directory's cache once and the
// next scanner with the same files loads them; the scans find the same with either; only the
// cache's directory is written.
func TestUserRulesCompiledOnce(t *testing.T) {
	w := workspace(t)
	rules := filepath.Join(t.TempDir(), "r.yar")
	if err := os.WriteFile(rules, []byte(`rule Demo_Preload { strings: $a = "preload" nocase condition: filesize < 1MB and $a }`), 0o644); err != nil {
		t.Fatal(err)
	}
	var found []string
	for i := 0; i < 2; i++ {
		sc, err := w.NewScanner(context.Background(), casework.ScanOptions{RulePaths: []string{rules}, NoBuiltinRules: true, NoRecord: true})
		if err != nil {
			t.Fatal(err)
		}
		res, err := sc.ScanRef(context.Background(), demoSuspect, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range res.Findings {
			if strings.HasSuffix(f.Rule, ":Demo_Preload") {
				n++
			}
		}
		found = append(found, strings.Repeat("x", n))
		sc.Close()
		entries, _ := os.ReadDir(w.RulesCacheDir())
		if len(entries) != 1 {
			t.Fatalf("scan %d: the rules cache holds %v", i+1, entries)
		}
	}
	if found[0] == "" || found[0] != found[1] {
		t.Errorf("the user rule matched %d times compiled and %d times cached", len(found[0]), len(found[1]))
	}
	top, _ := os.ReadDir(w.DataDir)
	for _, e := range top {
		if e.Name() != "yara-cache" && e.Name() != "tmp" {
			t.Errorf("the data directory holds %s", e.Name())
		}
	}
}
