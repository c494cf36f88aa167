package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/strata-forensics/strata/forensics"
)

// syntheticState is a ready image of two layers: 100,000 files in 500 directories of 200, and
// a second layer that changes one file in ten and removes one in a hundred.
func syntheticState(tb testing.TB) *imageState {
	tb.Helper()
	mtime := time.Date(2024, 6, 2, 9, 14, 0, 0, time.UTC)
	dated := func(e forensics.Entry) forensics.Entry { e.SetModTime(mtime); return e }
	digest := func(e forensics.Entry, sha string) forensics.Entry { e.SetSHA256(sha); return e }
	base := &forensics.LayerTree{Index: 0}
	top := &forensics.LayerTree{Index: 1}
	for d := 0; d < 500; d++ {
		dir := fmt.Sprintf("/srv/data/d%03d", d)
		base.Entries = append(base.Entries, dated(forensics.Entry{Path: dir, Type: forensics.TypeDir, Mode: 0o755}))
		for f := 0; f < 200; f++ {
			p := fmt.Sprintf("%s/file%03d.bin", dir, f)
			base.Entries = append(base.Entries, dated(digest(forensics.Entry{Path: p, Type: forensics.TypeFile, Mode: 0o644, Size: int64(f * 100)}, "00")))
			switch {
			case f%100 == 7:
				top.Entries = append(top.Entries, forensics.Entry{Path: p, Whiteout: true})
			case f%10 == 3:
				top.Entries = append(top.Entries, dated(digest(forensics.Entry{Path: p, Type: forensics.TypeFile, Mode: 0o4755, Size: 1}, "11")))
			}
		}
	}
	trees := []*forensics.LayerTree{base, top}
	img := &forensics.Image{
		Tags:    []string{"synthetic:100k"},
		Layers:  []forensics.Layer{{Index: 0, History: 0, Files: len(base.Entries)}, {Index: 1, History: 1, Files: len(top.Entries)}},
		History: []forensics.History{{CreatedBy: "COPY data /srv/data", Layer: 0}, {CreatedBy: "RUN touch things", Layer: 1}},
	}
	st := &imageState{ref: "synthetic.tar", phase: phaseReading, img: img, layers: img.Layers}
	st.apply(buildReady(0, img, trees))
	return st
}

// BenchmarkRenderTree100k renders a 160x48 frame of the whole stacked filesystem of 100,000
// files with every directory expanded, then moves the cursor one row and renders again.
func BenchmarkRenderTree100k(b *testing.B) {
	defer lipgloss.SetColorProfile(lipgloss.ColorProfile())
	lipgloss.SetColorProfile(termenv.TrueColor) // colour costs more to render than plain text
	st := syntheticState(b)
	m := New(context.Background(), Options{})
	defer m.Close()
	m.images = []*imageState{st}
	m.list.images = m.images
	m.Update(resize(160, 48))
	m.openImage(0)
	press(b, m, "a", ".", "e", "tab") // the whole filesystem with hidden files, all open, the tree focused
	if rows := len(m.current.files.tree.rows); rows < 100_000 {
		b.Fatalf("%d rows expanded, want over 100,000", rows)
	}
	// Somewhere in the middle.
	m.current.files.tree.moveTo(len(m.current.files.tree.rows) / 2)

	b.Run("view", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			_ = m.View()
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
	})
	b.Run("move-and-view", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		down := keyMsg("j")
		up := keyMsg("k")
		i := 0
		for b.Loop() {
			if i%2 == 0 {
				m.Update(down)
			} else {
				m.Update(up)
			}
			i++
			_ = m.View()
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
	})
	b.Run("expand-all", func(b *testing.B) {
		for b.Loop() {
			m.current.files.tree.setAll(true)
		}
	})
	b.Run("filter", func(b *testing.B) {
		for b.Loop() {
			m.current.files.tree.applyFilter("file123")
			m.current.files.tree.applyFilter("")
		}
	})
}

func TestSyntheticTree(t *testing.T) {
	st := syntheticState(t)
	if got := st.tree.Len(); got < 100_000 {
		t.Fatalf("synthetic tree has %d paths", got)
	}
	ft := newFileTree()
	ft.height = 40
	ft.setRoot(st.aggregate)
	ft.setAll(true)
	all := len(ft.rows)
	// Closing and opening a directory splices its rows out and in again.
	ft.selectPath("/srv/data/d001")
	ft.toggle()
	if len(ft.rows) != all-200 {
		t.Errorf("closing a directory of 200 left %d rows of %d", len(ft.rows), all)
	}
	ft.toggle()
	if len(ft.rows) != all {
		t.Errorf("reopening gave %d rows, want %d", len(ft.rows), all)
	}
	want := append([]*vnode(nil), ft.rows...)
	ft.rebuild()
	for i := range want {
		if want[i] != ft.rows[i] {
			t.Fatalf("row %d differs between splicing and a full rebuild", i)
		}
	}
	ft.applyFilter("D499/FILE199")
	if len(ft.rows) != 4 { // srv, data, d499, file199.bin
		t.Errorf("filter kept %d rows, want 4", len(ft.rows))
	}
}
