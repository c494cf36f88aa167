package tui

import (
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
)

// The state of an image that the workbench's views share: the Images view lists it, the tabs
// of its image view (Files, Dockerfile, Findings, History) and the comparisons it is part of
// show it. The loader and the scans only send messages; apply and applyScan record them here,
// on the UI goroutine.

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
	// input is the index of the image listed for the input this one came from (an image of a
	// multi-image archive or layout): the Images view lists it under that one. It is the
	// image's own index for an input given or found. sub is its place among the images of
	// that input.
	input, sub int
	phase      loadPhase
	err        error
	// walked is set for an image found by walking a directory given, rather than named: one
	// that does not open is listed as no image, not as a failure. deferred is set while such
	// an image of a big export waits to be asked for (enter) before it is opened.
	walked, deferred bool

	// img is set once the image is open. Until phaseReady the loader is still reading layers
	// and writing img.Layers, so views use layers, the UI's own copy, instead.
	img         *forensics.Image
	layers      []forensics.Layer
	read        int // layers read so far
	inputSHA256 string
	// progress is how far reading the layers has got, in bytes.
	progress casework.Snapshot
	// dockerfile is there as soon as the image is open; with top paths and layer checks once
	// it is ready.
	dockerfile *forensics.Dockerfile

	// The trees of layers 0..built-1 (all of them at phaseReady), stacked, and their view
	// nodes; generation counts the times they were replaced.
	trees      []*forensics.LayerTree
	tree       *forensics.Tree
	aggregate  *vnode   // the stacked tree as view nodes
	layerRoots []*vnode // each layer's own entries as view nodes
	built      int
	generation int

	// fromStore is set while the trees shown came from the history store's file index rather
	// than from reading the layers (storedLayers of them; fromStore when all did); rereading
	// while the layers are being read again.
	fromStore    bool
	storedLayers int
	rereading    bool
	// stored is the image as the history store knows it, nil when it is not there; for an
	// image listed from the store and not opened yet, it is all there is.
	stored *history.Image

	// scan is the image's latest scan, nil before the first.
	scan *scanState
	// work serialises the background jobs that read every layer (scans, comparisons): reading
	// layers records their sizes in the image, which two readers must not do at once.
	work sync.Mutex
}

func (s *imageState) ready() bool { return s.phase == phaseReady }

// browsable reports whether layer i's tree is there to show.
func (s *imageState) browsable(i int) bool {
	return i >= 0 && i < s.built && i < len(s.layerRoots) && s.layerRoots[i] != nil
}

// apply records a loader message in the image's state.
func (s *imageState) apply(msg tea.Msg) {
	switch msg := msg.(type) {
	case imageOpeningMsg:
		s.phase = phaseOpening
	case imageOpenedMsg:
		s.phase, s.img, s.layers, s.dockerfile = phaseReading, msg.img, msg.layers, msg.dockerfile
	case rereadStartMsg:
		s.rereading, s.read = true, 0
	case layerReadMsg:
		if !s.rereading && msg.layer < len(s.layers) {
			s.layers[msg.layer].Files = msg.files
			s.layers[msg.layer].UncompressedSize = msg.size
		}
		s.read++
	case layerViewsMsg:
		if s.phase == phaseReading {
			s.setViews(msg.views)
		}
	case loadProgressMsg:
		s.progress = msg.progress
	case imageReadyMsg:
		s.phase = phaseReady
		s.storedLayers, s.fromStore, s.rereading = msg.stored, msg.stored == len(msg.layers) && msg.stored > 0, false
		s.layers, s.dockerfile = msg.layers, msg.dockerfile
		s.setViews(msg.views)
		s.read = len(s.layers)
	case imageFailedMsg:
		if s.rereading {
			// The stored tree stays; the error says why the evidence could not be read.
			s.rereading, s.err = false, msg.err
			return
		}
		s.phase, s.err = phaseFailed, msg.err
	case inputHashMsg:
		s.inputSHA256 = msg.sha256
	}
}

// setViews shows new trees.
func (s *imageState) setViews(v treeViews) {
	s.trees, s.tree, s.aggregate, s.layerRoots, s.built = v.trees, v.tree, v.aggregate, v.layerRoots, v.built
	s.generation++
}
