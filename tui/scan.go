package tui

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// AnalyzersFunc returns the analyzers a scan runs. The workbench calls it off the UI goroutine
// when the first scan starts, so compiling rules does not delay opening images; the caller
// owns the analyzers and closes them after Run returns.
type AnalyzersFunc func(ctx context.Context) ([]audit.Analyzer, error)

// scanProgressEvery is how often a running scan reports its counters.
const scanProgressEvery = 100 * time.Millisecond

type scanPhase int

const (
	scanNone scanPhase = iota
	scanRunning
	scanDone
	scanFailed
)

// scanState is one image's scan as the UI sees it. While the scan runs, findings holds what
// the analyzers have returned so far, as they returned it; when it ends, the scan's own
// result (duplicates merged, reviewers applied, sorted) replaces them.
type scanState struct {
	id       int
	phase    scanPhase
	findings []audit.Finding
	result   *audit.Result
	err      error
	started  time.Time
	elapsed  time.Duration
	cancel   context.CancelFunc
	ch       <-chan tea.Msg // the running scan's messages

	// Progress of the read pass.
	files, totalFiles   int
	layers, totalLayers int
	analyzing           bool // the read pass is over; tree analyzers and reviewers are running
}

func (s *scanState) running() bool { return s != nil && s.phase == scanRunning }

// Messages from a running scan, all tagged with the image and the scan they belong to.
type (
	scanProgressMsg struct {
		index, id     int
		files, layers int
		analyzing     bool
	}
	scanFindingsMsg struct {
		index, id int
		findings  []audit.Finding
	}
	scanDoneMsg struct {
		index, id int
		result    *audit.Result
		err       error
	}
	// scanClosedMsg says the scan's channel is drained; nothing re-arms the reader after it.
	scanClosedMsg struct{ index, id int }
)

// waitForScan reads one message from a scan's channel; the model re-arms it after each one.
func waitForScan(index, id int, ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return scanClosedMsg{index: index, id: id}
		}
		return msg
	}
}

// regularFiles counts the regular files of each layer, as the scan's read pass visits them.
func regularFiles(trees []*forensics.LayerTree) []int {
	n := make([]int, len(trees))
	for i, lt := range trees {
		if lt == nil {
			continue
		}
		for j := range lt.Entries {
			if e := &lt.Entries[j]; e.Type == forensics.TypeFile && !e.Whiteout {
				n[i]++
			}
		}
	}
	return n
}

// startScan runs audit.Scan on the image on its own goroutine and returns the command that
// reads its first message. The goroutine holds the image's work lock, so that it never reads
// layers at the same time as a comparison of the same image.
func (c *common) startScan(s *imageState) tea.Cmd {
	if s.scan.running() || !s.ready() {
		return nil
	}
	id := 1
	if s.scan != nil {
		id = s.scan.id + 1
	}
	ctx, cancel := context.WithCancel(c.ctx)
	perLayer := regularFiles(s.trees)
	total := 0
	for _, n := range perLayer {
		total += n
	}
	s.scan = &scanState{id: id, phase: scanRunning, started: time.Now(), cancel: cancel, totalFiles: total, totalLayers: len(perLayer)}
	ch := make(chan tea.Msg, 64)
	s.scan.ch = ch
	img, index, ref := s.img, s.index, s.ref
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		defer close(ch)
		defer cancel()
		send := func(msg tea.Msg) {
			select {
			case ch <- msg:
			case <-ctx.Done():
			}
		}
		s.work.Lock()
		defer s.work.Unlock()
		c.log.Info("scan started", "ref", ref, "files", total)
		analyzers := c.analyzers
		if analyzers == nil {
			send(scanDoneMsg{index: index, id: id, err: errors.New("this workbench was started without analyzers")})
			return
		}
		as, err := analyzers(ctx)
		if err != nil {
			c.log.Error("preparing the scan", "ref", ref, "err", err)
			send(scanDoneMsg{index: index, id: id, err: err})
			return
		}
		var (
			files     atomic.Int64
			layerDone = make([]atomic.Int64, len(perLayer))
			layers    atomic.Int64
			analyzing atomic.Bool
		)
		progress := func(layer int, _ int64) {
			files.Add(1)
			if layer >= 0 && layer < len(layerDone) && layerDone[layer].Add(1) == int64(perLayer[layer]) {
				layers.Add(1)
			}
		}
		emit := func(fs []audit.Finding) {
			if len(fs) > 0 {
				send(scanFindingsMsg{index: index, id: id, findings: fs})
			}
		}
		stop := make(chan struct{})
		ticker := time.NewTicker(scanProgressEvery)
		var tick sync.WaitGroup
		tick.Add(1)
		go func() {
			defer tick.Done()
			defer ticker.Stop()
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				case <-ticker.C:
					send(scanProgressMsg{index: index, id: id, files: int(files.Load()), layers: int(layers.Load()), analyzing: analyzing.Load()})
				}
			}
		}()
		r, err := audit.Scan(ctx, img, audit.Options{Analyzers: streamAnalyzers(as, emit, &analyzing), Progress: progress})
		close(stop)
		tick.Wait()
		if err != nil {
			c.log.Error("scan failed", "ref", ref, "err", err)
		} else {
			c.log.Info("scan finished", "ref", ref, "findings", len(r.Findings), "files", r.Files)
		}
		send(scanDoneMsg{index: index, id: id, result: r, err: err})
	}()
	return waitForScan(index, id, ch)
}

// applyScan records a scan message in the image's state; it reports whether the message
// belongs to the image's current scan.
func (s *imageState) applyScan(msg tea.Msg) bool {
	sc := s.scan
	if sc == nil {
		return false
	}
	switch msg := msg.(type) {
	case scanProgressMsg:
		if msg.id != sc.id {
			return false
		}
		sc.files, sc.layers, sc.analyzing = msg.files, msg.layers, msg.analyzing
	case scanFindingsMsg:
		if msg.id != sc.id || sc.phase != scanRunning {
			return false
		}
		for _, f := range msg.findings {
			s.fillStep(&f)
			sc.findings = append(sc.findings, f)
		}
	case scanDoneMsg:
		if msg.id != sc.id {
			return false
		}
		sc.elapsed = time.Since(sc.started)
		if msg.err != nil {
			sc.phase, sc.err = scanFailed, msg.err
			return true
		}
		sc.phase, sc.result, sc.findings = scanDone, msg.result, msg.result.Findings
		sc.files, sc.layers = msg.result.Files, sc.totalLayers
	default:
		return false
	}
	return true
}

// fillStep gives a finding that arrived while the scan ran the history step that made its
// layer, as the scan itself does for its result.
func (s *imageState) fillStep(f *audit.Finding) {
	if f.CreatedBy != "" || s.img == nil {
		return
	}
	f.History = -1
	if f.Layer >= 0 && f.Layer < len(s.layers) {
		if h := s.layers[f.Layer].History; h >= 0 && h < len(s.img.History) {
			f.History, f.CreatedBy = h, s.img.History[h].CreatedBy
		}
	}
}

// streamAnalyzers wraps analyzers so that what each content and tree analyzer returns is also
// handed to emit as soon as it returns. An analyzer that plays several roles is split into one
// wrapper per role; audit.Scan runs each role's analyzers in their given order, so the split
// keeps the order that matters. Reviewers and file keepers pass through unchanged.
func streamAnalyzers(as []audit.Analyzer, emit func([]audit.Finding), analyzing *atomic.Bool) []audit.Analyzer {
	out := make([]audit.Analyzer, 0, len(as)*2)
	for _, a := range as {
		if c, ok := a.(audit.ContentAnalyzer); ok {
			out = append(out, streamContent{c, emit})
		}
		if t, ok := a.(audit.TreeAnalyzer); ok {
			out = append(out, streamTree{t, emit, analyzing})
		}
		if r, ok := a.(audit.Reviewer); ok {
			out = append(out, reviewerOnly{r})
		}
		if k, ok := a.(audit.FileKeeper); ok {
			out = append(out, keeperOnly{k})
		}
	}
	return out
}

type streamContent struct {
	a    audit.ContentAnalyzer
	emit func([]audit.Finding)
}

func (s streamContent) Name() string { return s.a.Name() }

func (s streamContent) Content(f audit.File, data []byte) []audit.Finding {
	fs := s.a.Content(f, data)
	if len(fs) > 0 {
		// Scan fills these in on its own copies after Content returns; the streamed copies
		// need them now.
		out := make([]audit.Finding, len(fs))
		for i, x := range fs {
			x.Layer = f.Layer
			if x.Path == "" {
				x.Path = f.Entry.Path
			}
			out[i] = x
		}
		s.emit(out)
	}
	return fs
}

type streamTree struct {
	a         audit.TreeAnalyzer
	emit      func([]audit.Finding)
	analyzing *atomic.Bool
}

func (s streamTree) Name() string { return s.a.Name() }

func (s streamTree) Tree(ctx context.Context, sub *audit.Subject) ([]audit.Finding, error) {
	s.analyzing.Store(true)
	fs, err := s.a.Tree(ctx, sub)
	if len(fs) > 0 {
		s.emit(append([]audit.Finding(nil), fs...))
	}
	return fs, err
}

type reviewerOnly struct{ audit.Reviewer }

type keeperOnly struct{ audit.FileKeeper }
