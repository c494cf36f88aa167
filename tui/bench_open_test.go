package tui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// benchDir is where the benchmark image and its history database are cached between runs.
func benchDir() string {
	if d := os.Getenv("STRATA_BENCH_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "strata-bench")
}

// recordedSynthetic returns the ~1 GB synthetic benchmark image and a history database that
// has recorded it (as strata inspect does), both cached in benchDir.
func recordedSynthetic(b *testing.B) (string, *history.Store) {
	b.Helper()
	ctx := context.Background()
	layout, _, err := imagebuild.CachedSynthetic(benchDir(), 1, 950, 5)
	if err != nil {
		b.Fatal(err)
	}
	store, err := history.Open(ctx, filepath.Join(filepath.Dir(layout), "tui-history.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	img, err := forensics.Open(ctx, layout, forensics.OpenOptions{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	missing, err := store.UnindexedLayers(ctx, img)
	if err != nil {
		b.Fatal(err)
	}
	if len(missing) > 0 {
		trees, err := img.ReadLayers(ctx, forensics.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		forensics.Stack(trees)
		if _, err := store.RecordInspect(ctx, img, trees); err != nil {
			b.Fatal(err)
		}
	}
	return layout, store
}

// timeToTree starts the workbench on ref as strata tui does and drives it message by message,
// drawing a frame after each, until a frame shows the image's browsable file tree. It returns
// the time that took and whether the tree came from the store.
func timeToTree(b *testing.B, ref string, store *history.Store) (time.Duration, bool) {
	b.Helper()
	start := time.Now()
	opts := Options{Refs: []string{ref}, Workspace: testWorkspace(b), Store: store}
	m := New(context.Background(), opts)
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	cmd := m.Init()
	pending := []tea.Cmd{cmd}
	for len(pending) > 0 {
		c := pending[0]
		pending = pending[1:]
		if c == nil {
			continue
		}
		msg := c()
		if batch, ok := msg.(tea.BatchMsg); ok {
			pending = append(pending, batch...)
			continue
		}
		if _, ok := msg.(loadDoneMsg); ok {
			break
		}
		_, next := m.Update(msg)
		_ = m.View()
		if im := m.current; im != nil && im.st.ready() && im.files.tree.root != nil && len(im.files.tree.rows) > 0 {
			return time.Since(start), im.st.fromStore
		}
		pending = append(pending, next)
	}
	b.Fatal("the workbench never showed a browsable tree")
	return 0, false
}

// BenchmarkOpenFromStore measures, for a previously recorded ~1 GB image of five layers, the
// time from starting the workbench to the first frame that shows a browsable tree (target
// under 1 s): the tree is built from the history store's file index. read-layers is the same
// open without the store, reading every layer, for comparison.
func BenchmarkOpenFromStore(b *testing.B) {
	layout, store := recordedSynthetic(b)
	for _, tc := range []struct {
		name  string
		store *history.Store
	}{{"store", store}, {"read-layers", nil}} {
		b.Run(tc.name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				d, fromStore := timeToTree(b, layout, tc.store)
				if fromStore != (tc.store != nil) {
					b.Fatalf("tree from the store: %v", fromStore)
				}
				total += d
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/open")
		})
	}
}
