package casework_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/casework"
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
