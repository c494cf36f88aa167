package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Options configure the workbench.
type Options struct {
	// Refs are the images to open, as the command line gave them.
	Refs []string
	// Open opens one image; required.
	Open OpenFunc
	// Logger receives the workbench's log; nil discards it. It must not write to the terminal.
	Logger *slog.Logger
	// KeyMap and Styles replace the defaults when set.
	KeyMap *KeyMap
	Styles *Styles
}

type viewKind int

const (
	viewImages viewKind = iota
	viewImage
)

// Model is the root of the workbench: it routes keys and sizes to the view on screen and
// draws the header, status line and help around it.
type Model struct {
	c      *common
	cancel context.CancelFunc
	open   OpenFunc
	refs   []string
	loader *loader

	images  []*imageState
	list    *imagesModel
	views   map[int]*imageModel // image views by image index, kept when leaving them
	current *imageModel
	view    viewKind
	// autoOpen opens the image view as soon as the only image given is open.
	autoOpen bool

	help     help.Model
	showHelp bool
	width    int
	height   int
	status   string
}

// New returns the workbench model. Loading starts when the program calls Init; Close must be
// called once the program has ended.
func New(ctx context.Context, opts Options) *Model {
	ctx, cancel := context.WithCancel(ctx)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := &common{ctx: ctx, keys: opts.KeyMap, styles: opts.Styles, log: log}
	if c.keys == nil {
		c.keys = DefaultKeyMap()
	}
	if c.styles == nil {
		c.styles = DefaultStyles()
	}
	m := &Model{c: c, cancel: cancel, open: opts.Open, refs: opts.Refs, views: map[int]*imageModel{}, autoOpen: len(opts.Refs) == 1}
	for i, ref := range opts.Refs {
		m.images = append(m.images, &imageState{index: i, ref: ref})
	}
	m.list = newImagesModel(c, m.images)
	m.help = help.New()
	m.help.Styles.ShortKey = c.styles.HelpKey
	m.help.Styles.ShortDesc = c.styles.HelpDesc
	m.help.Styles.ShortSeparator = c.styles.HelpSep
	m.help.Styles.FullKey = c.styles.HelpKey
	m.help.Styles.FullDesc = c.styles.HelpDesc
	m.help.Styles.FullSeparator = c.styles.HelpSep
	m.help.Styles.Ellipsis = c.styles.HelpSep
	return m
}

// Run runs the workbench on the terminal until the user quits.
func Run(ctx context.Context, opts Options, progOpts ...tea.ProgramOption) error {
	if opts.Open == nil {
		return errors.New("starting the workbench: no way to open images given")
	}
	if termenv.EnvNoColor() {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	m := New(ctx, opts)
	defer m.Close()
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}, progOpts...)...)
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Close stops loading and closes every image that was opened.
func (m *Model) Close() error {
	m.cancel()
	if m.loader != nil {
		m.loader.wait()
		return m.loader.closeAll()
	}
	return nil
}

// Init starts loading the images.
func (m *Model) Init() tea.Cmd {
	if m.open == nil || len(m.refs) == 0 {
		return nil
	}
	m.loader = startLoader(m.c.ctx, m.open, m.refs, m.c.log)
	return waitForLoad(m.loader.ch)
}

// Update routes one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return m, nil
	case imageOpeningMsg, imageOpenedMsg, layerReadMsg, imageReadyMsg, imageFailedMsg, inputHashMsg:
		m.applyLoad(msg)
		return m, waitForLoad(m.loader.ch)
	case loadDoneMsg:
		m.c.log.Info("loading finished")
		return m, nil
	case openImageMsg:
		m.openImage(msg.index)
		return m, nil
	case backMsg:
		m.view = viewImages
		return m, nil
	case previewMsg:
		if m.current != nil {
			return m, m.current.Update(msg)
		}
		return m, nil
	case tea.KeyMsg:
		// Keys typed faster than the terminal is read arrive as one message ("jjj"); take
		// them one at a time unless they are text for an input.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.capturing() {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				cmds = append(cmds, m.updateKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
			}
			return m, tea.Batch(cmds...)
		}
		return m, m.updateKey(msg)
	}
	return m, nil
}

func (m *Model) applyLoad(msg tea.Msg) {
	var index int
	switch msg := msg.(type) {
	case imageOpeningMsg:
		index = msg.index
	case imageOpenedMsg:
		index = msg.index
	case layerReadMsg:
		index = msg.index
	case imageReadyMsg:
		index = msg.index
	case imageFailedMsg:
		index = msg.index
		m.status = "could not open " + filepath.Base(m.images[index].ref)
	case inputHashMsg:
		index = msg.index
	}
	if index < 0 || index >= len(m.images) {
		return
	}
	s := m.images[index]
	s.apply(msg)
	if v := m.views[index]; v != nil {
		v.refresh()
	}
	if m.autoOpen && (s.phase == phaseReading || s.phase == phaseReady) && m.view == viewImages {
		m.autoOpen = false
		m.openImage(index)
	}
	if _, ok := msg.(imageReadyMsg); ok && m.status == "" {
		m.status = fmt.Sprintf("%s: %d layers, %d paths", filepath.Base(s.ref), len(s.layers), s.tree.Len()-1)
	}
}

func (m *Model) openImage(index int) {
	if index < 0 || index >= len(m.images) {
		return
	}
	s := m.images[index]
	switch s.phase {
	case phaseWaiting, phaseOpening:
		m.status = filepath.Base(s.ref) + " is not open yet"
		return
	case phaseFailed:
		m.status = "could not open " + filepath.Base(s.ref) + " (the reason is in the list)"
		return
	}
	v := m.views[index]
	if v == nil {
		v = newImageModel(m.c, s)
		m.views[index] = v
	}
	m.current = v
	m.view = viewImage
	m.autoOpen = false
	m.resize()
}

func (m *Model) capturing() bool {
	return m.view == viewImage && m.current != nil && m.current.capturing()
}

func (m *Model) updateKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.keys
	if msg.Type == tea.KeyCtrlC {
		return tea.Quit
	}
	if !m.capturing() {
		switch {
		case keyMatches(msg, k.Quit):
			return tea.Quit
		case keyMatches(msg, k.Help):
			m.showHelp = !m.showHelp
			return nil
		case m.showHelp && keyMatches(msg, k.Back):
			m.showHelp = false
			return nil
		}
	}
	if m.showHelp {
		return nil
	}
	m.status = ""
	if m.view == viewImage && m.current != nil {
		return m.current.Update(msg)
	}
	return m.list.Update(msg)
}

// bodyHeight is what is left for the view under the header and above the status and help lines.
func (m *Model) bodyHeight() int { return max(m.height-3, 0) }

func (m *Model) resize() {
	h := m.bodyHeight()
	m.list.SetSize(m.width, h)
	for _, v := range m.views {
		v.SetSize(m.width, h)
	}
	m.help.Width = m.width
}

type helpSource interface {
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

func (m *Model) active() helpSource {
	if m.view == viewImage && m.current != nil {
		return m.current
	}
	return m.list
}

// View draws the whole screen.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	var body string
	switch {
	case m.showHelp:
		body = m.fullHelpView()
	case m.view == viewImage && m.current != nil:
		body = m.current.View()
	default:
		body = m.list.View()
	}
	return joinRows(m.headerView(), body, m.statusView(), m.helpLine())
}

func (m *Model) headerView() string {
	st := m.c.styles
	title := st.Title.Render("strata")
	var parts []string
	if m.view == viewImage && m.current != nil {
		for i, name := range tabNames {
			label := fmt.Sprintf("%d %s", i+1, name)
			if tab(i) == m.current.tab {
				parts = append(parts, st.TabActive.Render("["+label+"]"))
			} else {
				parts = append(parts, st.TabPassive.Render(" "+label+" "))
			}
		}
		img := m.current.st
		name := safeText(filepath.Base(img.ref))
		if img.img != nil && len(img.img.Tags) > 0 {
			name += " · " + safeText(img.img.Tags[0])
		}
		parts = append(parts, st.Header.Render(name))
	} else {
		parts = append(parts, st.Header.Render("Images"))
	}
	return fit(title+" "+strings.Join(parts, " "), m.width)
}

func (m *Model) statusView() string {
	st := m.c.styles
	var s string
	for _, img := range m.images {
		switch img.phase {
		case phaseOpening:
			s = "opening " + safeText(filepath.Base(img.ref)) + "…"
		case phaseReading:
			s = fmt.Sprintf("reading %s: %d/%d layers", safeText(filepath.Base(img.ref)), img.read, len(img.layers))
		}
		if s != "" {
			break
		}
	}
	if s == "" {
		s = m.status
	}
	return st.Status.Render(fit(s, m.width))
}

func (m *Model) helpLine() string {
	return fit(m.help.ShortHelpView(m.active().ShortHelp()), m.width)
}

// fullHelpView lays the key groups out in as many rows of columns as the width needs.
func (m *Model) fullHelpView() string {
	groups := m.active().FullHelp()
	h := m.help
	h.ShowAll = true
	h.Width = 0
	var blocks []string
	var row [][]key.Binding
	for _, g := range groups {
		try := append(append([][]key.Binding(nil), row...), g)
		if len(row) > 0 && lipgloss.Width(h.FullHelpView(try)) > m.width-4 {
			blocks = append(blocks, h.FullHelpView(row), "")
			row = [][]key.Binding{g}
			continue
		}
		row = try
	}
	if len(row) > 0 {
		blocks = append(blocks, h.FullHelpView(row))
	}
	lines := strings.Split(strings.Join(blocks, "\n"), "\n")
	dim := m.c.styles.Dim.Render
	lines = append(lines, "",
		dim("marks: A added  M modified  D removed (whiteout)  O opaque directory"),
		dim("       H not in the final filesystem (a later layer whited it out)"),
		dim("       blank: restated unchanged   ! layer or line with anomalies"),
		dim("press ? or esc to close"))
	return box(m.c.styles, "Keys", lines, m.width, m.bodyHeight(), true)
}
