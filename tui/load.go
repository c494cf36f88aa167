package tui

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
)

// Messages from the loader.
type (
	imageOpeningMsg struct{ index int }
	imageOpenedMsg  struct {
		index  int
		img    *forensics.Image
		layers []forensics.Layer
		// dockerfile is reconstructed from the config alone: identity, config, history; the
		// top paths and layer checks come with the trees.
		dockerfile *forensics.Dockerfile
	}
	// layerReadMsg says one more layer's tree is there (read, or from the history store).
	layerReadMsg struct {
		index, layer int
		files        int
		size         int64
		fromStore    bool
	}
	// layerViewsMsg brings the views of the bottom layers whose trees are all there, while
	// the layers above them are still being read.
	layerViewsMsg struct {
		index int
		views treeViews
	}
	// loadProgressMsg is how far reading an image's layers has got.
	loadProgressMsg struct {
		index    int
		progress casework.Snapshot
	}
	imageReadyMsg struct {
		index      int
		stored     int  // how many layer trees came from the history store
		reread     bool // the layers were read again after a fast open
		layers     []forensics.Layer
		views      treeViews
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
	// imageExpandedMsg says the input of an image holds several images, refs naming each.
	imageExpandedMsg struct {
		index int
		refs  []string
	}
)

func (m imageOpeningMsg) imageIndex() int { return m.index }
func (m imageOpenedMsg) imageIndex() int  { return m.index }
func (m layerReadMsg) imageIndex() int    { return m.index }
func (m layerViewsMsg) imageIndex() int   { return m.index }
func (m loadProgressMsg) imageIndex() int { return m.index }
func (m imageReadyMsg) imageIndex() int   { return m.index }
func (m imageFailedMsg) imageIndex() int  { return m.index }
func (m inputHashMsg) imageIndex() int    { return m.index }
func (m rereadStartMsg) imageIndex() int  { return m.index }

// treeViews are the layer trees of an image's bottom layers (all of them once it is ready),
// stacked, and the view nodes the Files tab shows.
type treeViews struct {
	trees      []*forensics.LayerTree // one per layer; nil above the layers built
	tree       *forensics.Tree        // the stack of the layers built
	aggregate  *vnode                 // the stacked tree as view nodes
	layerRoots []*vnode               // each layer's own entries as view nodes; nil above
	built      int                    // layers 0..built-1 are there
}

// loadProgressEvery is how often the loader reports the bytes read while it reads layers.
const loadProgressEvery = 150 * time.Millisecond

// maxReading bounds how many images have their layers read at once: an image the history
// store serves is not held up behind a big one being read.
const maxReading = 2

// loadJob is one image for the loader: open ref; read the layers of img (from the store where
// it can); or, with reread, read the layers of img from the evidence again.
type loadJob struct {
	index  int
	ref    string
	img    *forensics.Image
	reread bool
	work   *sync.Mutex // the image's work lock, held while its layers are read again
}

// loader opens images one after another on its own goroutine, then reads each image's layers
// on a goroutine of its own (maxReading at a time), and reports every step on a channel; the
// program reads it with waitForLoad, one message at a time. Opening comes first, so every
// image given shows its identity and Dockerfile at once. Jobs may be added at any time (an
// image picked from the history store, a re-read); each time the loader has nothing left to
// do it says so with loadDoneMsg.
type loader struct {
	ch    chan tea.Msg
	wg    sync.WaitGroup
	work  *casework.Workspace
	log   *slog.Logger
	store *history.Store // nil: always read the layers
	slots chan struct{}  // one per image being read

	mu      sync.Mutex
	queue   []loadJob
	taken   int
	reading int // goroutines reading layers
	wake    chan struct{}
	opened  []*forensics.Image // closed by closeAll, whether or not the UI ever saw them
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

func startLoader(ctx context.Context, work *casework.Workspace, store *history.Store, jobs []loadJob, log *slog.Logger) *loader {
	l := &loader{ch: make(chan tea.Msg, 64), work: work, log: log, store: store, wake: make(chan struct{}, 1),
		slots: make(chan struct{}, maxReading)}
	l.queue = append(l.queue, jobs...)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer func() {
			// The channel closes once every reading goroutine is done with it.
			go func() {
				l.wg.Wait()
				close(l.ch)
			}()
		}()
		idle := false
		for ctx.Err() == nil {
			job, ok, taken, reading := l.next()
			if !ok {
				if reading == 0 && !idle {
					if !l.send(ctx, loadDoneMsg{jobs: taken}) {
						return
					}
					idle = true
				}
				select {
				case <-l.wake:
				case <-ctx.Done():
					return
				}
				continue
			}
			idle = false
			if job.img == nil {
				l.open(ctx, job)
				continue
			}
			l.startReading(ctx, job)
		}
	}()
	return l
}

// add queues a job; the caller counts the jobs it added, to know when loadDoneMsg covers them.
func (l *loader) add(job loadJob) {
	l.mu.Lock()
	l.queue = append(l.queue, job)
	l.mu.Unlock()
	l.poke()
}

// poke wakes the loader's goroutine.
func (l *loader) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// next takes the first job: the images to open first, then those whose layers are to be read.
// It also returns how many jobs the caller has given so far and how many images are being read.
func (l *loader) next() (loadJob, bool, int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := -1
	for i, job := range l.queue {
		if job.img == nil {
			at = i
			break
		}
		if at < 0 {
			at = i
		}
	}
	if at < 0 {
		return loadJob{}, false, l.taken, l.reading
	}
	job := l.queue[at]
	l.queue = append(l.queue[:at], l.queue[at+1:]...)
	if job.img == nil || job.reread {
		l.taken++ // the jobs the caller gave; reading after an open is the loader's own
	}
	if job.img != nil {
		l.reading++
	}
	return job, true, l.taken, l.reading
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

// open opens an image and queues the reading of its layers.
func (l *loader) open(ctx context.Context, job loadJob) {
	l.log.Info("opening image", "ref", job.ref)
	if !l.send(ctx, imageOpeningMsg{index: job.index}) {
		return
	}
	img, err := l.work.Open(ctx, job.ref, nil)
	if refs := casework.ImageRefs(job.ref, err); len(refs) > 0 {
		l.log.Info("the input holds several images", "ref", job.ref, "images", len(refs))
		l.send(ctx, imageExpandedMsg{index: job.index, refs: refs})
		return
	}
	if err != nil {
		l.log.Error("opening image", "ref", job.ref, "err", err)
		l.send(ctx, imageFailedMsg{index: job.index, err: err})
		return
	}
	l.mu.Lock()
	l.opened = append(l.opened, img)
	l.mu.Unlock()
	layers := append([]forensics.Layer(nil), img.Layers...)
	if !l.send(ctx, imageOpenedMsg{index: job.index, img: img, layers: layers, dockerfile: casework.Dockerfile(img, nil)}) {
		return
	}
	l.mu.Lock()
	l.queue = append(l.queue, loadJob{index: job.index, ref: job.ref, img: img})
	l.mu.Unlock()
}

// startReading reads an image's layers on a goroutine of its own once a slot is free.
func (l *loader) startReading(ctx context.Context, job loadJob) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer func() {
			l.mu.Lock()
			l.reading--
			l.mu.Unlock()
			l.poke()
		}()
		select {
		case l.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-l.slots }()
		if job.reread {
			job.work.Lock()
			defer job.work.Unlock()
		}
		l.read(ctx, job)
	}()
}

// read reads an image's layer trees through casework (from the history store where it knows
// the bytes, unless re-reading), reporting each layer as it lands, the views of the bottom
// layers as soon as they are all there, and the bytes read as they go.
func (l *loader) read(ctx context.Context, job loadJob) {
	img, index := job.img, job.index
	if job.reread {
		l.log.Info("re-reading layers", "ref", job.ref)
		if !l.send(ctx, rereadStartMsg{index: index}) {
			return
		}
	}
	opts := casework.TreesOptions{}
	if !job.reread {
		opts.Store = l.store
	}
	progress := casework.NewProgress(nil)
	b := newViewBuilder(len(img.Layers), func(v treeViews) { l.send(ctx, layerViewsMsg{index: index, views: v}) })
	sink := func(e casework.Event) {
		progress.Observe(e)
		switch e := e.(type) {
		case casework.TreeRead:
			l.send(ctx, layerReadMsg{index: index, layer: e.Tree.Index, files: len(e.Tree.Entries), size: e.Tree.UncompressedSize, fromStore: e.FromStore})
			if !job.reread {
				// A re-read keeps the stored tree on screen until it is done.
				b.add(e.Tree, !e.FromStore)
			}
		case casework.Plan:
			b.add(nil, true) // the rest is read now: show what the store served meanwhile
		case casework.Warning:
			l.log.Warn("reading layers", "ref", job.ref, "warning", e.Err)
		}
	}
	stop := tickProgress(ctx, progress, loadProgressEvery, func(p casework.Snapshot) {
		l.send(ctx, loadProgressMsg{index: index, progress: p})
	})
	casework.Watch(img, job.ref, sink)
	trees, stored, err := l.work.ReadTrees(ctx, img, job.ref, opts, sink)
	casework.Watch(img, job.ref, nil)
	stop()
	b.close()
	if err != nil {
		l.log.Error("reading layers", "ref", job.ref, "err", err)
		l.send(ctx, imageFailedMsg{index: index, err: err})
		return
	}
	ready := buildReady(index, img, trees)
	ready.stored, ready.reread = stored, job.reread
	l.log.Info("image ready", "ref", job.ref, "layers", len(trees), "paths", ready.views.tree.Len(), "from_store", stored)
	if !l.send(ctx, ready) || job.reread {
		return
	}
	sum, _, err := img.InputHash(ctx)
	if err != nil {
		l.log.Warn("hashing input", "ref", job.ref, "err", err)
		return
	}
	l.send(ctx, inputHashMsg{index: index, sha256: sum})
}

// viewBuilder builds the views of an image's bottom layers while the layers above are read:
// whenever the layers whose trees are all there reach higher, on a goroutine of its own, so
// that reading goes on meanwhile and several layers landing at once cost one build.
type viewBuilder struct {
	mu    sync.Mutex
	trees []*forensics.LayerTree
	kick  chan struct{}
	done  chan struct{}
}

func newViewBuilder(n int, send func(treeViews)) *viewBuilder {
	b := &viewBuilder{trees: make([]*forensics.LayerTree, n), kick: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		built := 0
		for range b.kick {
			b.mu.Lock()
			k := 0
			for k < len(b.trees) && b.trees[k] != nil {
				k++
			}
			bottom := append([]*forensics.LayerTree(nil), b.trees[:k]...)
			b.mu.Unlock()
			if k <= built || k == len(b.trees) {
				continue // nothing new, or the whole image, which buildReady shows
			}
			built = k
			send(buildViews(bottom, len(b.trees), nil))
		}
	}()
	return b
}

// add records a layer's tree (nil: none) and, with build, asks for the views to be built.
func (b *viewBuilder) add(lt *forensics.LayerTree, build bool) {
	if lt != nil {
		b.mu.Lock()
		b.trees[lt.Index] = lt
		b.mu.Unlock()
	}
	if build {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

// close stops the builder once its last views are sent.
func (b *viewBuilder) close() {
	close(b.kick)
	<-b.done
}

// buildViews stacks the bottom layers and builds their view nodes, for an image of n layers,
// the whole filesystem's on one goroutine and the layers' on another; also, when not nil, is
// given the stacked tree on a third. The trees are stacked as copies: stacking writes each
// tree's Changes, and the trees handed out before are still on screen.
func buildViews(bottom []*forensics.LayerTree, n int, also func(*forensics.Tree)) treeViews {
	copies := make([]*forensics.LayerTree, len(bottom))
	for i, lt := range bottom {
		c := *lt
		copies[i] = &c
	}
	tree := forensics.Stack(copies)
	v := treeViews{trees: make([]*forensics.LayerTree, n), tree: tree, layerRoots: make([]*vnode, n), built: len(bottom)}
	copy(v.trees, copies)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		v.aggregate = buildAggregateTree(tree)
	}()
	if also != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			also(tree)
		}()
	}
	for i, lt := range copies {
		v.layerRoots[i] = buildLayerTree(lt, tree)
	}
	wg.Wait()
	return v
}

// buildReady stacks the layers and builds everything the views need, off the UI goroutine:
// the views, and the Dockerfile with the top paths and layer checks the trees give.
func buildReady(index int, img *forensics.Image, trees []*forensics.LayerTree) imageReadyMsg {
	var d *forensics.Dockerfile
	v := buildViews(trees, len(trees), func(t *forensics.Tree) { d = casework.Dockerfile(img, t) })
	return imageReadyMsg{
		index:      index,
		layers:     append([]forensics.Layer(nil), img.Layers...),
		views:      v,
		dockerfile: d,
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
			if x.Path != y.Path || x.SHA256() != y.SHA256() || x.Type != y.Type || x.Mode != y.Mode || x.Size != y.Size ||
				x.Whiteout != y.Whiteout || x.Opaque != y.Opaque || x.Link() != y.Link() || x.UID() != y.UID() || x.GID() != y.GID() {
				return false, i
			}
		}
	}
	return true, -1
}
