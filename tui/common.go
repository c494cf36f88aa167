package tui

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/casework"
)

// common is what every view shares.
type common struct {
	ctx    context.Context
	keys   *KeyMap
	styles *Styles
	log    *slog.Logger

	// work opens images and records; scanner makes the scanner scans run.
	work    *casework.Workspace
	scanner func(context.Context) (*casework.Scanner, error)
	// store is the history database, nil when none is open; trusted marks trusted images in it.
	store   *history.Store
	trusted []trust.Image
	// audit is how the Images view's audit runs (its Paths are set when it starts).
	audit casework.AuditOptions
	// bg counts the scans and comparisons running; Close waits for them before closing the
	// images they read.
	bg sync.WaitGroup
}

// component is a view in the soft-serve sense: a model that takes messages, draws itself at
// the size it is given, and says which keys it takes for the help line and the help screen.
// The workbench's views (Images, an image, a comparison) and an image's tabs are components.
type component interface {
	Update(tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// Messages the views send each other through the root, which routes those about an image to
// that image's view.
type (
	// backMsg asks the root to leave the image or comparison view.
	backMsg struct{}
	// statusMsg sets the status line.
	statusMsg struct{ text string }
	// switchTabMsg shows a tab of an image view.
	switchTabMsg struct {
		index int
		tab   tab
	}
	// selectLayerMsg selects a layer in an image's Files tab, staying in the tab on screen.
	selectLayerMsg struct{ index, layer int }
	// showLayerMsg shows the files a layer changed: the Files tab, that layer, the tree.
	showLayerMsg struct{ index, layer int }
	// showFileMsg shows a file in an image's Files tab: the layer that brought it (layer; -1
	// for the one that made its current version), the tree opened down to it, its content
	// read into the preview. what and back go into the status line.
	showFileMsg struct {
		index      int
		path       string
		layer      int
		what, back string
	}
	// showStepMsg shows the instruction of a history step in an image's Dockerfile tab.
	showStepMsg struct{ index, history int }
)

// tickProgress hands progress's snapshot to report every period until stop is called or ctx
// ends; stop returns once the last report is out.
func tickProgress(ctx context.Context, progress *casework.Progress, every time.Duration, report func(casework.Snapshot)) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				report(progress.Snapshot())
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// aboutImage is a message about one image, by its index in the workbench.
type aboutImage interface{ imageIndex() int }

func (m switchTabMsg) imageIndex() int   { return m.index }
func (m selectLayerMsg) imageIndex() int { return m.index }
func (m showLayerMsg) imageIndex() int   { return m.index }
func (m showFileMsg) imageIndex() int    { return m.index }
func (m showStepMsg) imageIndex() int    { return m.index }

func setStatus(s string) tea.Cmd { return func() tea.Msg { return statusMsg{text: s} } }

// send is a command that delivers msg.
func send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

func keyMatches(msg tea.KeyMsg, b ...key.Binding) bool { return key.Matches(msg, b...) }

func withHelp(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}
