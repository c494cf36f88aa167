package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/forensics"
)

// OpenFunc opens the image named by ref. The command line passes one that puts temporary files
// in Strata's data directory.
type OpenFunc func(ctx context.Context, ref string) (*forensics.Image, error)

type loadPhase int

const (
	phaseWaiting loadPhase = iota
	phaseOpening
	phaseReading
	phaseReady
	phaseFailed
)

// imageState is one image given on the command line and how far loading it has got. The UI
// goroutine owns it; the loader only sends messages.
type imageState struct {
	index int
	ref   string
	phase loadPhase
	err   error

	// img is set once the image is open. Until phaseReady the loader is still reading layers
	// and writing img.Layers, so views use layers, the UI's own copy, instead.
	img         *forensics.Image
	layers      []forensics.Layer
	read        int // layers read so far
	inputSHA256 string

	// Set at phaseReady.
	trees      []*forensics.LayerTree
	tree       *forensics.Tree
	aggregate  *vnode   // the stacked tree as view nodes
	layerRoots []*vnode // each layer's own entries as view nodes
	dockerfile *forensics.Dockerfile

	// scan is the image's latest scan, nil before the first.
	scan *scanState
	// work serialises the background jobs that read every layer (scans, comparisons): reading
	// layers records their sizes in the image, which two readers must not do at once.
	work sync.Mutex
}

func (s *imageState) ready() bool { return s.phase == phaseReady }

// Messages from the loader.
type (
	imageOpeningMsg struct{ index int }
	imageOpenedMsg  struct {
		index  int
		img    *forensics.Image
		layers []forensics.Layer
	}
	layerReadMsg struct {
		index, layer int
		files        int
		size         int64
	}
	imageReadyMsg struct {
		index      int
		layers     []forensics.Layer
		trees      []*forensics.LayerTree
		tree       *forensics.Tree
		aggregate  *vnode
		layerRoots []*vnode
		dockerfile *forensics.Dockerfile
	}
	imageFailedMsg struct {
		index int
		err   error
	}
	inputHashMsg struct {
		index  int
		sha256 string
	}
	loadDoneMsg struct{}
)

// loader opens and reads the images one after another on its own goroutine and reports every
// step on a channel; the program reads it with waitForLoad, one message at a time.
type loader struct {
	ch   chan tea.Msg
	wg   sync.WaitGroup
	open OpenFunc
	log  *slog.Logger

	mu     sync.Mutex
	opened []*forensics.Image // closed by closeAll, whether or not the UI ever saw them
}

// closeAll closes every image the loader opened. Call it after wait.
func (l *loader) closeAll() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []error
	for _, img := range l.opened {
		if err := img.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	l.opened = nil
	return errors.Join(errs...)
}

func startLoader(ctx context.Context, open OpenFunc, refs []string, log *slog.Logger) *loader {
	l := &loader{ch: make(chan tea.Msg, 64), open: open, log: log}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(l.ch)
		for i, ref := range refs {
			if ctx.Err() != nil {
				return
			}
			l.load(ctx, i, ref)
		}
	}()
	return l
}

// wait blocks until the loader goroutine has finished.
func (l *loader) wait() { l.wg.Wait() }

func (l *loader) send(ctx context.Context, msg tea.Msg) bool {
	select {
	case l.ch <- msg:
		return true
	case <-ctx.Done():
		return false
	}
}

// waitForLoad reads one message from the loader; the model re-arms it after each one.
func waitForLoad(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return loadDoneMsg{}
		}
		return msg
	}
}

func (l *loader) load(ctx context.Context, index int, ref string) {
	l.log.Info("opening image", "ref", ref)
	if !l.send(ctx, imageOpeningMsg{index: index}) {
		return
	}
	img, err := l.open(ctx, ref)
	if err != nil {
		l.log.Error("opening image", "ref", ref, "err", err)
		l.send(ctx, imageFailedMsg{index: index, err: err})
		return
	}
	l.mu.Lock()
	l.opened = append(l.opened, img)
	l.mu.Unlock()
	layers := append([]forensics.Layer(nil), img.Layers...)
	if !l.send(ctx, imageOpenedMsg{index: index, img: img, layers: layers}) {
		return
	}
	trees, err := readLayers(ctx, img, func(lt *forensics.LayerTree) {
		l.send(ctx, layerReadMsg{index: index, layer: lt.Index, files: len(lt.Entries), size: lt.UncompressedSize})
	})
	if err != nil {
		l.log.Error("reading layers", "ref", ref, "err", err)
		l.send(ctx, imageFailedMsg{index: index, err: fmt.Errorf("%s: %w", ref, err)})
		return
	}
	ready := buildReady(index, img, trees)
	l.log.Info("image ready", "ref", ref, "layers", len(trees), "paths", ready.tree.Len())
	if !l.send(ctx, ready) {
		return
	}
	sum, _, err := img.InputHash(ctx)
	if err != nil {
		l.log.Warn("hashing input", "ref", ref, "err", err)
		return
	}
	l.send(ctx, inputHashMsg{index: index, sha256: sum})
}

// readLayers reads the layers one per call, in parallel, so that each finished layer can be
// reported as it lands.
func readLayers(ctx context.Context, img *forensics.Image, done func(*forensics.LayerTree)) ([]*forensics.LayerTree, error) {
	n := len(img.Layers)
	trees := make([]*forensics.LayerTree, n)
	errs := make([]error, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0) && w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				got, err := img.ReadLayers(ctx, forensics.ReadOptions{Workers: 1, Layers: []int{i}})
				if err != nil {
					errs[i] = err
					continue
				}
				trees[i] = got[i]
				done(got[i])
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return trees, nil
}

// buildReady stacks the layers and builds everything the views need, off the UI goroutine.
func buildReady(index int, img *forensics.Image, trees []*forensics.LayerTree) imageReadyMsg {
	tree := forensics.Stack(trees)
	roots := make([]*vnode, len(trees))
	for i, lt := range trees {
		if lt != nil {
			roots[i] = buildLayerTree(lt, tree)
		}
	}
	return imageReadyMsg{
		index:      index,
		layers:     append([]forensics.Layer(nil), img.Layers...),
		trees:      trees,
		tree:       tree,
		aggregate:  buildAggregateTree(tree),
		layerRoots: roots,
		dockerfile: forensics.ReconstructDockerfile(img, nil),
	}
}

// apply records a loader message in the image's state.
func (s *imageState) apply(msg tea.Msg) {
	switch msg := msg.(type) {
	case imageOpeningMsg:
		s.phase = phaseOpening
	case imageOpenedMsg:
		s.phase, s.img, s.layers = phaseReading, msg.img, msg.layers
	case layerReadMsg:
		if msg.layer < len(s.layers) {
			s.layers[msg.layer].Files = msg.files
			s.layers[msg.layer].UncompressedSize = msg.size
		}
		s.read++
	case imageReadyMsg:
		s.phase = phaseReady
		s.layers, s.trees, s.tree = msg.layers, msg.trees, msg.tree
		s.aggregate, s.layerRoots, s.dockerfile = msg.aggregate, msg.layerRoots, msg.dockerfile
		s.read = len(s.layers)
	case imageFailedMsg:
		s.phase, s.err = phaseFailed, msg.err
	case inputHashMsg:
		s.inputSHA256 = msg.sha256
	}
}
