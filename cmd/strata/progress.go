package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
)

// progressEvery is how often the progress line is redrawn.
const progressEvery = 150 * time.Millisecond

// progressLine draws casework's Progress on one line of a terminal, redrawn in place, and
// prints warnings above it. It is the command line's only progress display.
type progressLine struct {
	w     io.Writer
	fd    int
	p     *casework.Progress
	mu    sync.Mutex
	shown bool
	stop  chan struct{}
	done  chan struct{}
}

// events returns the Sink a command's casework reports to and a function that ends the
// progress line (call it before writing output). Warnings go to stderr always; the progress
// line only when stderr is a terminal and neither --quiet nor --no-progress was given, so it
// never lands in redirected output or logs.
func (g *globalOptions) events(cmd *cobra.Command) (casework.Sink, func()) {
	stderr := cmd.ErrOrStderr()
	f, ok := stderr.(*os.File)
	if !ok || g.quiet || g.noProgress || !term.IsTerminal(int(f.Fd())) {
		var mu sync.Mutex
		return func(e casework.Event) {
			if w, ok := e.(casework.Warning); ok {
				mu.Lock()
				fmt.Fprintln(stderr, "strata: warning:", report.Evidence(w.Err.Error()))
				mu.Unlock()
			}
		}, func() {}
	}
	l := &progressLine{w: f, fd: int(f.Fd()), p: casework.NewProgress(nil), stop: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	var once sync.Once
	return l.observe, func() { once.Do(l.end) }
}

func (l *progressLine) observe(e casework.Event) {
	l.p.Observe(e)
	if w, ok := e.(casework.Warning); ok {
		l.mu.Lock()
		l.clear()
		fmt.Fprintln(l.w, "strata: warning:", report.Evidence(w.Err.Error()))
		l.mu.Unlock()
	}
}

func (l *progressLine) run() {
	defer close(l.done)
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.draw()
		}
	}
}

func (l *progressLine) draw() {
	s := l.p.Snapshot()
	if s.Phase == "" {
		return
	}
	width := 80
	if w, _, err := term.GetSize(l.fd); err == nil && w > 0 {
		width = w
	}
	line := report.Evidence(s.String())
	if r := []rune(line); len(r) > width-1 {
		line = string(r[:width-2]) + "…"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprint(l.w, "\r\x1b[K"+line)
	l.shown = true
}

// clear erases the line; the caller holds mu.
func (l *progressLine) clear() {
	if l.shown {
		fmt.Fprint(l.w, "\r\x1b[K")
		l.shown = false
	}
}

func (l *progressLine) end() {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	l.clear()
	l.mu.Unlock()
}
