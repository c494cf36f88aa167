package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
)

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

	// fromStore is set while the trees shown came from the history store's file index rather
	// than from reading the layers; rereading while the layers are being read again.
	fromStore bool
	rereading bool
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
		fromStore  bool // the trees came from the history store
		reread     bool // the layers were read again after a fast open
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
	// loadDoneMsg says the loader has done every job it was given so far (jobs of them).
	loadDoneMsg struct{ jobs int }
	// rereadStartMsg says the loader has started reading the layers of an image that was
	// opened from the history store.
	rereadStartMsg struct{ index int }
)

// loadJob is one image for the loader: open ref and read it (from the store when it can), or,
// with img set, read the layers of an open image from the evidence again.
type loadJob struct {
	index int
	ref   string
	img   *forensics.Image
	work  *sync.Mutex // the image's work lock, held while its layers are read again
}

// loader opens and reads images one after another on its own goroutine and reports every
// step on a channel; the program reads it with waitForLoad, one message at a time. Jobs may be
// added at any time (an image picked from the history store, a re-read); each time the queue
// runs dry the loader says so with loadDoneMsg.
type loader struct {
	ch    chan tea.Msg
	wg    sync.WaitGroup
	work  *casework.Workspace
	log   *slog.Logger
	store *history.Store // nil: always read the layers

	mu     sync.Mutex
	queue  []loadJob
	taken  int
	wake   chan struct{}
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

func startLoader(ctx context.Context, work *casework.Workspace, store *history.Store, refs []string, log *slog.Logger) *loader {
	l := &loader{ch: make(chan tea.Msg, 64), work: work, log: log, store: store, wake: make(chan struct{}, 1)}
	for i, ref := range refs {
		l.queue = append(l.queue, loadJob{index: i, ref: ref})
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(l.ch)
		for ctx.Err() == nil {
			job, ok, taken := l.next()
			if !ok {
				if !l.send(ctx, loadDoneMsg{jobs: taken}) {
					return
				}
				select {
				case <-l.wake:
				case <-ctx.Done():
					return
				}
				continue
			}
			if job.img != nil {
				l.reread(ctx, job)
			} else {
				l.load(ctx, job.index, job.ref)
			}
		}
	}()
	return l
}

// add queues a job; the caller counts the jobs it added, to know when loadDoneMsg covers them.
func (l *loader) add(job loadJob) {
	l.mu.Lock()
	l.queue = append(l.queue, job)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *loader) next() (loadJob, bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) == 0 {
		return loadJob{}, false, l.taken
	}
	job := l.queue[0]
	l.queue = l.queue[1:]
	l.taken++
	return job, true, l.taken
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
			return loadDoneMsg{jobs: -1}
		}
		return msg
	}
}

func (l *loader) load(ctx context.Context, index int, ref string) {
	l.log.Info("opening image", "ref", ref)
	if !l.send(ctx, imageOpeningMsg{index: index}) {
		return
	}
	img, err := l.work.Open(ctx, ref, nil)
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
	// The diff_ids come from the evidence just opened (its manifest and config were checked
	// against their digests); the store only says what those layers hold.
	trees, fromStore := l.storedTrees(ctx, img)
	if !fromStore {
		trees, err = readLayers(ctx, img, func(lt *forensics.LayerTree) {
			l.send(ctx, layerReadMsg{index: index, layer: lt.Index, files: len(lt.Entries), size: lt.UncompressedSize})
		})
		if err != nil {
			l.log.Error("reading layers", "ref", ref, "err", err)
			l.send(ctx, imageFailedMsg{index: index, err: fmt.Errorf("%s: %w", ref, err)})
			return
		}
	}
	ready := buildReady(index, img, trees)
	ready.fromStore = fromStore
	l.log.Info("image ready", "ref", ref, "layers", len(trees), "paths", ready.tree.Len(), "from_store", fromStore)
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

// storedTrees returns the image's layer trees from the history store when it holds the index
// of every layer.
func (l *loader) storedTrees(ctx context.Context, img *forensics.Image) ([]*forensics.LayerTree, bool) {
	if l.store == nil || len(img.Layers) == 0 {
		return nil, false
	}
	// The store serves layers by what their bytes hash to, never by the diff_ids they claim.
	if err := img.HashBlobs(ctx, nil); err != nil {
		l.log.Warn("hashing the layer blobs", "err", err)
		return nil, false
	}
	trees, ok, err := l.store.LayerTrees(ctx, img.Layers)
	if err != nil {
		l.log.Warn("reading the layer index from the history store", "err", err)
		return nil, false
	}
	if !ok {
		return nil, false
	}
	for i, lt := range trees {
		img.Layers[i].Files = len(lt.Entries)
		img.Layers[i].UncompressedSize = lt.UncompressedSize
	}
	return trees, true
}

// reread reads the layers of an image opened from the store from the evidence.
func (l *loader) reread(ctx context.Context, job loadJob) {
	job.work.Lock()
	defer job.work.Unlock()
	l.log.Info("re-reading layers", "ref", job.ref)
	if !l.send(ctx, rereadStartMsg{index: job.index}) {
		return
	}
	trees, err := readLayers(ctx, job.img, func(lt *forensics.LayerTree) {
		l.send(ctx, layerReadMsg{index: job.index, layer: lt.Index, files: len(lt.Entries), size: lt.UncompressedSize})
	})
	if err != nil {
		l.log.Error("re-reading layers", "ref", job.ref, "err", err)
		l.send(ctx, imageFailedMsg{index: job.index, err: fmt.Errorf("%s: %w", job.ref, err)})
		return
	}
	ready := buildReady(job.index, job.img, trees)
	ready.reread = true
	l.send(ctx, ready)
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
		dockerfile: casework.Dockerfile(img, tree),
	}
}

// apply records a loader message in the image's state.
func (s *imageState) apply(msg tea.Msg) {
	switch msg := msg.(type) {
	case imageOpeningMsg:
		s.phase = phaseOpening
	case imageOpenedMsg:
		s.phase, s.img, s.layers = phaseReading, msg.img, msg.layers
	case rereadStartMsg:
		s.rereading, s.read = true, 0
	case layerReadMsg:
		if !s.rereading && msg.layer < len(s.layers) {
			s.layers[msg.layer].Files = msg.files
			s.layers[msg.layer].UncompressedSize = msg.size
		}
		s.read++
	case imageReadyMsg:
		s.phase = phaseReady
		s.fromStore, s.rereading = msg.fromStore, false
		s.layers, s.trees, s.tree = msg.layers, msg.trees, msg.tree
		s.aggregate, s.layerRoots, s.dockerfile = msg.aggregate, msg.layerRoots, msg.dockerfile
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

// sameIndex reports whether two readings of an image's layers list the same entries with the
// same hashes, and the first layer where they differ.
func sameIndex(a, b []*forensics.LayerTree) (bool, int) {
	if len(a) != len(b) {
		return false, min(len(a), len(b))
	}
	for i := range a {
		if a[i] == nil || b[i] == nil || len(a[i].Entries) != len(b[i].Entries) {
			return false, i
		}
		for j := range a[i].Entries {
			x, y := &a[i].Entries[j], &b[i].Entries[j]
			if x.Path != y.Path || x.SHA256 != y.SHA256 || x.Type != y.Type || x.Mode != y.Mode || x.Size != y.Size ||
				x.Whiteout != y.Whiteout || x.Opaque != y.Opaque || x.Link != y.Link || x.UID != y.UID || x.GID != y.GID {
				return false, i
			}
		}
	}
	return true, -1
}
