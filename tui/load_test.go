package tui

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
)

// The loader opens every image before it reads any layer, so that each shows its identity and
// Dockerfile at once; each layer's tree comes with a message of its own.
func TestLoaderOpensEveryImageFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := startLoader(ctx, testWorkspace(t), nil, []loadJob{{index: 0, ref: demoOriginal}, {index: 1, ref: demoSuspect}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer func() {
		cancel()
		l.wait()
		l.closeAll()
	}()
	var order []string
	layers := map[int]int{}
	for msg := range l.ch {
		switch msg := msg.(type) {
		case imageOpenedMsg:
			order = append(order, "opened")
			if msg.dockerfile == nil || len(msg.dockerfile.Instructions) == 0 {
				t.Errorf("image %d opened without its Dockerfile", msg.index)
			}
		case layerReadMsg:
			if len(order) == 0 || order[len(order)-1] != "layer" {
				order = append(order, "layer")
			}
			layers[msg.index]++
		case imageReadyMsg:
			order = append(order, "ready")
		}
		if _, ok := msg.(loadDoneMsg); ok {
			break
		}
	}
	if len(order) < 3 || order[0] != "opened" || order[1] != "opened" {
		t.Errorf("loader messages in the order %v; want both images opened before any layer is read", order)
	}
	if layers[0] != 6 || layers[1] != 6 {
		t.Errorf("layer messages per image: %v, want 6 each", layers)
	}
}

// loaderless returns a workbench at w×h with the image at ref opened (identity and
// Dockerfile, no tree yet), fed by hand instead of by the loader, and the image's layer trees
// for the test to hand over.
func loaderless(t *testing.T, w, h int, ref string) (*Model, *forensics.Image, []*forensics.LayerTree) {
	t.Helper()
	ws := testWorkspace(t)
	img, err := ws.Open(context.Background(), ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	dockerfile := casework.Dockerfile(img, nil)
	trees, err := img.ReadLayers(context.Background(), forensics.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), Options{Refs: []string{ref}, Workspace: ws})
	t.Cleanup(func() { m.Close() })
	m.loader = &loader{ch: make(chan tea.Msg)} // nothing comes from it: the test sends
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(imageOpeningMsg{index: 0})
	m.Update(imageOpenedMsg{index: 0, img: img, layers: append([]forensics.Layer(nil), img.Layers...), dockerfile: dockerfile})
	return m, img, trees
}

// The image view shows the Dockerfile as soon as the image is open, the bottom layers' trees
// while the layers above are read, and the rest when they are in.
func TestImageViewFillsIn(t *testing.T) {
	m, img, trees := loaderless(t, 120, 40, demoSuspect)
	if m.current == nil {
		t.Fatal("the image view did not open with the image")
	}
	press(t, m, "2")
	v := m.View()
	for _, in := range m.images[0].dockerfile.Instructions {
		if len(in.TopPaths) > 0 {
			t.Errorf("the Dockerfile names what %q added before any layer is read", in.String())
		}
	}
	if want := []string{"[2 Dockerfile]", "Dockerfile (", "COPY docker-entrypoint.sh /"}; !containsAll(v, want) {
		t.Errorf("the Dockerfile of an image whose layers are not read lacks one of %q:\n%s", want, v)
	}
	press(t, m, "1")
	if v := m.View(); !strings.Contains(v, "reading layers: 0 of 6") {
		t.Errorf("the Files tab before any layer:\n%s", v)
	}

	// Layers 0 and 1 are in: layer 0 can be browsed, layer 3 is still being read.
	m.Update(layerViewsMsg{index: 0, views: buildViews(trees[:2], len(trees), nil)})
	if v := m.View(); !strings.Contains(v, "Layer 0 changes") || !strings.Contains(v, "etc/") {
		t.Errorf("layer 0's tree is not shown while the others are read:\n%s", v)
	}
	press(t, m, "j", "j", "j")
	if v := m.View(); !strings.Contains(v, "layer 3 is still being read (layers 0-1 are here") {
		t.Errorf("layer 3 before it is read:\n%s", v)
	}
	press(t, m, "a")
	if v := m.View(); !strings.Contains(v, "Filesystem of layers 0-1 (the rest is being read)") {
		t.Errorf("the whole filesystem while layers are read:\n%s", v)
	}
	press(t, m, "a")

	// All in: layer 3's tree, the Dockerfile with what the layers added.
	for i := range trees {
		m.Update(layerReadMsg{index: 0, layer: i, files: len(trees[i].Entries), size: trees[i].UncompressedSize})
	}
	m.Update(buildReady(0, img, trees))
	if v := m.View(); !strings.Contains(v, "Layer 3 changes") {
		t.Errorf("layer 3 once every layer is read:\n%s", v)
	}
	topPaths := func() int {
		n := 0
		for _, in := range m.images[0].dockerfile.Instructions {
			n += len(in.TopPaths)
		}
		return n
	}
	if n := topPaths(); n == 0 {
		t.Error("the Dockerfile once the layers are read names no path a step added")
	}
	press(t, m, "1", "]", "]", "2")
	if v := m.View(); !strings.Contains(v, "added under /usr/share/lib") {
		t.Errorf("the Dockerfile of layer 5 lacks what it added:\n%s", v)
	}
	checkFrame(t, m.View(), 120, 40)
}
