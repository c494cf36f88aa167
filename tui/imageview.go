package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

type tab int

const (
	tabFiles tab = iota
	tabDockerfile
	tabFindings
	tabHistory
)

var tabNames = []string{"Files", "Dockerfile", "Findings", "History"}

// imageTab is one tab of an image view: a component that may be taking typed text.
type imageTab interface {
	component
	// capturing reports whether the tab is taking typed text, so that keys such as q are text.
	capturing() bool
}

// imageModel is the workbench for one image: a bar of tabs (Files, Dockerfile, Findings,
// History), each a component of its own with its own keys, and the keys that act on the image
// from any tab (scan, export, trace, re-read). The tabs share the image's state (imageState)
// and ask for each other through messages: a finding shows its file by sending showFileMsg,
// which the image view hands to the Files tab after switching to it.
type imageModel struct {
	c      *common
	st     *imageState
	keys   ImageKeyMap
	width  int
	height int

	tab      tab
	files    *filesModel
	docker   *dockerfileModel
	findings *findingsModel
	history  *historyModel
	shown    int // the generation of the image's trees the Dockerfile was synced to
}

func newImageModel(c *common, st *imageState) *imageModel {
	m := &imageModel{c: c, st: st, keys: c.keys.Image,
		files: newFilesModel(c, st), docker: newDockerfileModel(c, st), findings: newFindingsModel(c, st), history: newHistoryModel(c, st)}
	m.refresh()
	return m
}

// tabs are the image view's tabs in tab order.
func (m *imageModel) tabs() []imageTab {
	return []imageTab{m.files, m.docker, m.findings, m.history}
}

// active is the tab on screen.
func (m *imageModel) active() imageTab { return m.tabs()[m.tab] }

// refresh picks up what the loader has delivered since the last call.
func (m *imageModel) refresh() {
	first := m.shown == 0 && m.st.generation > 0
	m.shown = m.st.generation
	m.files.refresh()
	if first {
		m.docker.syncLayer(m.files.layer)
	}
}

// SetSize gives the view and every tab its size.
func (m *imageModel) SetSize(w, h int) {
	m.width, m.height = w, h
	for _, t := range m.tabs() {
		t.SetSize(w, h)
	}
}

// capturing reports whether the tab on screen is taking typed text.
func (m *imageModel) capturing() bool { return m.active().capturing() }

// Update handles one message: a key for the image (tabs, scan, export, trace, re-read) or for
// the tab on screen, a jump between tabs, or a file read for the preview.
func (m *imageModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case previewMsg:
		return m.files.Update(msg)
	case switchTabMsg:
		return m.switchTab(msg.tab)
	case selectLayerMsg:
		m.files.selectLayer(msg.layer)
		return nil
	case showLayerMsg:
		m.tab = tabFiles
		m.files.showLayer(msg.layer)
		return nil
	case showFileMsg:
		if !m.st.ready() {
			return setStatus("the image is still loading")
		}
		m.tab = tabFiles
		return m.files.jumpToPath(msg.path, msg.layer, msg.what, msg.back)
	case showStepMsg:
		if m.st.ready() && m.docker.selectHistory(msg.history) {
			m.tab = tabDockerfile
			if l := m.docker.selectedLayer(); l >= 0 {
				m.files.selectLayer(l)
			}
			return nil
		}
		return setStatus("this finding is about the image config as a whole; it has no file or step to show")
	case tea.KeyMsg:
		if m.capturing() {
			return m.active().Update(msg)
		}
		return m.updateKey(msg)
	}
	return nil
}

func (m *imageModel) updateKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case keyMatches(msg, k.Files):
		return m.switchTab(tabFiles)
	case keyMatches(msg, k.Dockerfile):
		return m.switchTab(tabDockerfile)
	case keyMatches(msg, k.Findings):
		return m.switchTab(tabFindings)
	case keyMatches(msg, k.History):
		return m.switchTab(tabHistory)
	case keyMatches(msg, k.NextTab):
		return m.switchTab((m.tab + 1) % tab(len(tabNames)))
	case keyMatches(msg, k.Trace):
		return tea.Batch(m.switchTab(tabHistory), m.history.startTrace())
	case keyMatches(msg, k.Reread):
		return m.reread()
	case keyMatches(msg, k.Scan):
		return m.scan()
	case keyMatches(msg, k.Export):
		return m.export()
	}
	return m.active().Update(msg)
}

// switchTab shows a tab: the Dockerfile at the selected layer's instruction, the History read
// from the store the first time.
func (m *imageModel) switchTab(t tab) tea.Cmd {
	m.tab = t
	switch t {
	case tabDockerfile:
		m.docker.syncLayer(m.files.layer)
	case tabHistory:
		if !m.history.loaded {
			return m.history.load()
		}
	}
	return nil
}

// View draws the tab on screen.
func (m *imageModel) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.tab == tabDockerfile && m.st.dockerfile == nil {
		return box(m.c.styles, "Dockerfile", m.files.loadingLines(), m.width, m.height, true)
	}
	return m.active().View()
}

// ShortHelp is the help line of the tab on screen.
func (m *imageModel) ShortHelp() []key.Binding { return m.active().ShortHelp() }

// FullHelp lists the keys of the tab on screen, then those of the image view.
func (m *imageModel) FullHelp() [][]key.Binding {
	k, g := m.keys, m.c.keys.Global
	return append(m.active().FullHelp(),
		[]key.Binding{k.Files, k.Dockerfile, k.Findings, k.History, k.NextTab, g.Help, g.Quit},
		[]key.Binding{withHelp(k.Scan, "s", "scan: findings stream into tab 3"), withHelp(k.Export, "x", "export the scan as reports in the data dir"),
			withHelp(k.Trace, "T", "trace an indicator (history, tab 4)"), k.Reread})
}

// scan starts scanning the image and shows the Findings tab, where the findings stream in.
func (m *imageModel) scan() tea.Cmd {
	if !m.st.ready() {
		return setStatus("the image is still loading; scan it once it is open")
	}
	if m.st.scan.running() {
		m.tab = tabFindings
		return setStatus("a scan of this image is already running")
	}
	m.tab = tabFindings
	return m.c.startScan(m.st)
}

// export writes the image's scan as reports in the data directory.
func (m *imageModel) export() tea.Cmd {
	p, err := m.c.export(m.st)
	if err != nil {
		return setStatus(err.Error())
	}
	msg := "wrote " + p + " (+ .sarif .txt)"
	if len(msg) > m.width {
		// The path matters more than the note.
		msg = "wrote " + p
	}
	return setStatus(msg)
}

// findingsCount is the Findings tab's count for the header: "(18)", "(5…)" while scanning.
func (m *imageModel) findingsCount() string {
	sc := m.st.scan
	switch {
	case sc == nil:
		return ""
	case sc.phase == scanRunning:
		return fmt.Sprintf(" (%d…)", len(sc.findings))
	case sc.phase == scanFailed:
		return " (failed)"
	}
	return fmt.Sprintf(" (%d)", len(sc.findings))
}

// reread asks for the layers to be read from the evidence again.
func (m *imageModel) reread() tea.Cmd {
	switch {
	case !m.st.ready():
		return setStatus("the image is still loading")
	case m.st.rereading:
		return setStatus("the layers are being read already")
	case m.st.scan.running():
		return setStatus("a scan is reading the layers; re-read once it is done")
	}
	index := m.st.index
	return func() tea.Msg { return rereadMsg{index: index} }
}
