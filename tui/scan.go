package tui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/casework"
)

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

	// progress is how far the scan has got, from its events.
	progress casework.Snapshot
	// recorded is the number in the history of the scan shown when it was not run here but
	// read back (the scan an audit recorded), 0 otherwise.
	recorded int64
}

func (s *scanState) running() bool { return s != nil && s.phase == scanRunning }

// Messages from a running scan, all tagged with the image and the scan they belong to.
type (
	scanProgressMsg struct {
		index, id int
		progress  casework.Snapshot
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

// startScan scans the image on its own goroutine, as strata scan does (casework: layer cache,
// record), and returns the command that reads its first message: findings as they are found,
// progress every scanProgressEvery, the result. The goroutine holds the image's work lock, so
// that it never reads layers at the same time as a comparison of the same image.
func (c *common) startScan(s *imageState) tea.Cmd {
	if s.scan.running() || !s.ready() {
		return nil
	}
	id := 1
	if s.scan != nil {
		id = s.scan.id + 1
	}
	ctx, cancel := context.WithCancel(c.ctx)
	s.scan = &scanState{id: id, phase: scanRunning, started: time.Now(), cancel: cancel}
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
		c.log.Info("scan started", "ref", ref)
		if c.scanner == nil {
			send(scanDoneMsg{index: index, id: id, err: errors.New("this workbench was started without a scanner")})
			return
		}
		sc, err := c.scanner(ctx)
		if err != nil {
			c.log.Error("preparing the scan", "ref", ref, "err", err)
			send(scanDoneMsg{index: index, id: id, err: err})
			return
		}
		progress := casework.NewProgress(nil)
		sink := func(e casework.Event) {
			progress.Observe(e)
			switch e := e.(type) {
			case casework.Found:
				send(scanFindingsMsg{index: index, id: id, findings: e.Findings})
			case casework.Warning:
				c.log.Warn("scan", "ref", ref, "warning", e.Err)
			}
		}
		stop := tickProgress(ctx, progress, scanProgressEvery, func(p casework.Snapshot) {
			send(scanProgressMsg{index: index, id: id, progress: p})
		})
		casework.Watch(img, ref, sink)
		r, err := sc.Scan(ctx, img, ref, sink)
		casework.Watch(img, ref, nil)
		stop()
		if err != nil {
			c.log.Error("scan failed", "ref", ref, "err", err)
			send(scanDoneMsg{index: index, id: id, err: err})
			return
		}
		c.log.Info("scan finished", "ref", ref, "findings", len(r.Findings), "files", r.Files, "cached_layers", r.CachedLayers, "scan", r.ScanID)
		send(scanDoneMsg{index: index, id: id, result: r.Result})
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
		sc.progress = msg.progress
	case scanFindingsMsg:
		if msg.id != sc.id || sc.phase != scanRunning {
			return false
		}
		sc.findings = append(sc.findings, msg.findings...)
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
	default:
		return false
	}
	return true
}
