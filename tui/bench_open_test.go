package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

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

// benchImage is the image BenchmarkOpen opens: STRATA_BENCH_IMAGE when set (any image, such
// as a docker-archive), else the real Debian benchmark image's suspect (imagebuild.CachedDebian:
// about 900 MB in six gzip layers, built once with mmdebstrap), else, where that cannot be
// built, the ~1 GB synthetic image of five layers; cached in benchDir.
func benchImage(b *testing.B) string {
	b.Helper()
	if ref := os.Getenv("STRATA_BENCH_IMAGE"); ref != "" {
		return ref
	}
	_, suspect, err := imagebuild.CachedDebian(benchDir())
	if err == nil {
		return suspect
	}
	if !errors.Is(err, imagebuild.ErrNoDebian) {
		b.Fatal(err)
	}
	b.Logf("the real Debian image cannot be built here (%v): the synthetic image instead", err)
	layout, _, err := imagebuild.CachedSynthetic(benchDir(), 1, 950, 5)
	if err != nil {
		b.Fatal(err)
	}
	return layout
}

// recorded returns a history database that has recorded ref as strata inspect does, kept in
// benchDir between runs.
func recorded(b *testing.B, ref string) *history.Store {
	b.Helper()
	ctx := context.Background()
	name := strings.NewReplacer("/", "_", ":", "_").Replace(filepath.Base(ref))
	store, err := history.Open(ctx, filepath.Join(benchDir(), "tui-history-"+name+".db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	img, err := forensics.Open(ctx, ref, forensics.OpenOptions{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	if trees, served, err := store.LayerTrees(ctx, img); err != nil || served == len(trees) {
		if err != nil {
			b.Fatal(err)
		}
		return store
	}
	trees, err := img.ReadLayers(ctx, forensics.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := img.InputHash(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := store.RecordInspect(ctx, img, trees); err != nil {
		b.Fatal(err)
	}
	return store
}

// timeTo starts the workbench on ref as strata tui does and drives it message by message,
// drawing a frame after each, until done says the model shows what is waited for; it returns
// the time that took.
func timeTo(b *testing.B, ref string, store *history.Store, done func(*Model, string) bool) time.Duration {
	b.Helper()
	start := time.Now()
	m := New(context.Background(), Options{Refs: []string{ref}, Workspace: testWorkspace(b), Store: store})
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	pending := []tea.Cmd{m.Init()}
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
		if done(m, ansi.Strip(m.View())) {
			return time.Since(start)
		}
		pending = append(pending, next)
	}
	b.Fatal("the workbench never showed what was waited for")
	return 0
}

// browsable reports whether the view shows the image's whole tree, browsable.
func browsable(m *Model, _ string) bool {
	im := m.current
	return im != nil && im.st.ready() && im.files.tree.root != nil && len(im.files.tree.rows) > 0
}

// firstLayer reports whether the view shows the bottom layer's tree.
func firstLayer(m *Model, _ string) bool {
	im := m.current
	return im != nil && im.files.tree.root != nil && len(im.files.tree.rows) > 0
}

// identity reports whether the image view is open on the image's Dockerfile, reconstructed
// from its config (the view shows the image's name and tag in its header).
func identity(m *Model, screen string) bool {
	im := m.current
	if im == nil || im.st.dockerfile == nil {
		return false
	}
	if im.tab != tabDockerfile {
		im.tab = tabDockerfile // as pressing 2 at once would
		return false
	}
	return strings.Contains(screen, "Dockerfile (")
}

// BenchmarkOpen measures, on the benchmark image (benchImage), the time from starting the
// workbench to the first frame that shows: recorded, the whole browsable tree from the history
// store's index (target under 2 s for ~900 MB); unrecorded, the image's identity and
// Dockerfile (target under 1 s), the bottom layer's tree, and the whole tree read from the
// evidence.
func BenchmarkOpen(b *testing.B) {
	ref := benchImage(b)
	store := recorded(b, ref)
	for _, tc := range []struct {
		name  string
		store *history.Store
		done  func(*Model, string) bool
	}{
		{"recorded/tree", store, func(m *Model, screen string) bool {
			if !browsable(m, screen) {
				return false
			}
			if !m.current.st.fromStore {
				b.Fatal("the recorded image was read, not opened from the history store")
			}
			return true
		}},
		{"unrecorded/identity+dockerfile", nil, identity},
		{"unrecorded/first-layer", nil, firstLayer},
		{"unrecorded/tree", nil, browsable},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				total += timeTo(b, ref, tc.store, tc.done)
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/open")
		})
	}
}
