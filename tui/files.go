package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/human"
)

type pane int

const (
	paneLayers pane = iota
	paneTree
	panePreview
)

// wideWidth is the width from which the preview sits beside the tree instead of taking its place.
const wideWidth = 120

// filesModel is the Files tab of an image: its layers, the file tree of the selected layer or
// of the whole filesystem, and the preview of the selected file.
type filesModel struct {
	c      *common
	st     *imageState
	keys   FilesKeyMap
	width  int
	height int

	focus      pane
	layer      int // the selected layer
	layerTop   int // first layer row on screen
	aggregate  bool
	showHidden bool

	tree      *fileTree
	shown     int // the generation of the image's trees the tree shows
	filter    textinput.Model
	filtering bool
	preview   *previewModel
	bar       progress.Model
}

func newFilesModel(c *common, st *imageState) *filesModel {
	m := &filesModel{
		c:       c,
		st:      st,
		keys:    c.keys.Files,
		focus:   paneLayers,
		tree:    newFileTree(),
		filter:  newFilterInput("path contains…"),
		preview: newPreviewModel(c.styles),
		bar:     progress.New(progress.WithSolidFill("#7571F9"), progress.WithoutPercentage(), progress.WithColorProfile(lipgloss.ColorProfile())),
	}
	m.tree.defaultOpen = true
	m.refresh()
	return m
}

// refresh picks up what the loader has delivered since the last call: the trees of more
// layers, or of all of them read anew.
func (m *filesModel) refresh() {
	if m.shown != m.st.generation {
		m.shown = m.st.generation
		m.applyMode()
	}
	m.layout()
}

// SetSize gives the tab its size.
func (m *filesModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

func (m *filesModel) layout() {
	rest := m.height - m.layersHeight()
	// Tree pane: border (2), column header (1), footer (1).
	m.tree.height = max(rest-4, 1)
	m.tree.clamp()
	if m.wide() {
		m.preview.SetSize(m.width-m.treeWidth(), rest)
	} else {
		m.preview.SetSize(m.width, rest)
	}
	m.bar.Width = max(min(m.width-20, 40), 10)
	m.clampLayers()
	m.updatePreview()
}

// showLayer shows the files a layer changed: that layer's own tree, focused.
func (m *filesModel) showLayer(l int) {
	if m.aggregate {
		m.aggregate = false
		m.tree.defaultOpen = true
		m.applyMode()
	}
	m.focus = paneTree
	m.selectLayer(l)
}

// capturing reports whether the tab is taking typed text, so that keys such as q are text.
func (m *filesModel) capturing() bool { return m.filtering }

// Update handles one message.
func (m *filesModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case previewMsg:
		m.preview.receive(msg)
		return nil
	case tea.KeyMsg:
		if m.filtering {
			return m.updateFilter(msg)
		}
		return m.updateKey(msg)
	}
	return nil
}

// Geometry of the Files tab.
func (m *filesModel) wide() bool { return m.width >= wideWidth }

func (m *filesModel) layersHeight() int {
	n := len(m.st.layers) + 2
	return max(3, min(n, m.height*2/5))
}

func (m *filesModel) treeWidth() int {
	if m.wide() {
		return m.width * 3 / 5
	}
	return m.width
}

func (m *filesModel) clampLayers() {
	rows := max(m.layersHeight()-2, 1)
	if m.layer < m.layerTop {
		m.layerTop = m.layer
	}
	if m.layer >= m.layerTop+rows {
		m.layerTop = m.layer - rows + 1
	}
	m.layerTop = max(0, min(m.layerTop, len(m.st.layers)-rows))
}

// applyMode shows the tree for the current mode and layer: none while that layer, or the
// bottom one for the whole filesystem, is still being read.
func (m *filesModel) applyMode() {
	m.tree.hideHidden = m.aggregate && !m.showHidden
	switch {
	case m.aggregate && m.st.built > 0:
		m.tree.setRoot(m.st.aggregate)
	case !m.aggregate && m.st.browsable(m.layer):
		m.tree.setRoot(m.st.layerRoots[m.layer])
	default:
		m.tree.setRoot(nil)
	}
	m.updatePreview()
}

func (m *filesModel) selectLayer(i int) {
	if len(m.st.layers) == 0 {
		return
	}
	i = max(0, min(i, len(m.st.layers)-1))
	if i == m.layer && m.tree.root != nil {
		return
	}
	m.layer = i
	m.clampLayers()
	if !m.aggregate {
		m.applyMode()
	}
	m.updatePreview()
}

func (m *filesModel) updateFilter(msg tea.KeyMsg) tea.Cmd {
	cmd, typing, changed := typeFilter(m.keys.FilterKeyMap, &m.filter, msg)
	m.filtering = typing
	if changed {
		m.tree.applyFilter(m.filter.Value())
		m.updatePreview()
	}
	return cmd
}

func (m *filesModel) updateKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	if m.st.built == 0 {
		// Nothing to browse yet: the layers are being read.
		if keyMatches(msg, k.Back) {
			return func() tea.Msg { return backMsg{} }
		}
		return nil
	}
	switch {
	case keyMatches(msg, k.PrevLayer):
		m.selectLayer(m.layer - 1)
		return nil
	case keyMatches(msg, k.NextLayer):
		m.selectLayer(m.layer + 1)
		return nil
	case keyMatches(msg, k.ToggleAggregate):
		m.aggregate = !m.aggregate
		// A layer's changes are few and read best opened; the whole filesystem starts closed.
		m.tree.defaultOpen = !m.aggregate
		m.applyMode()
		return nil
	case keyMatches(msg, k.ToggleHidden):
		m.showHidden = !m.showHidden
		m.applyMode()
		return nil
	case keyMatches(msg, k.ExpandAll, k.CollapseAll):
		m.tree.setAll(keyMatches(msg, k.ExpandAll))
		m.updatePreview()
		return nil
	case keyMatches(msg, k.Filter):
		m.focus = paneTree
		m.filtering = true
		m.filter.SetValue(m.tree.filter)
		m.filter.CursorEnd()
		return m.filter.Focus()
	case keyMatches(msg, k.NextPane):
		m.cycleFocus(1)
		return nil
	case keyMatches(msg, k.PrevPane):
		m.cycleFocus(-1)
		return nil
	case keyMatches(msg, k.Back):
		switch {
		case m.focus == panePreview:
			m.focus = paneTree
		case m.tree.filter != "":
			m.filter.SetValue("")
			m.tree.applyFilter("")
			m.updatePreview()
		case m.focus == paneTree:
			m.focus = paneLayers
		default:
			return func() tea.Msg { return backMsg{} }
		}
		return nil
	}
	switch m.focus {
	case paneLayers:
		switch {
		case keyMatches(msg, k.Up):
			m.selectLayer(m.layer - 1)
		case keyMatches(msg, k.Down):
			m.selectLayer(m.layer + 1)
		case keyMatches(msg, k.Top):
			m.selectLayer(0)
		case keyMatches(msg, k.Bottom):
			m.selectLayer(len(m.st.layers) - 1)
		case keyMatches(msg, k.Open, k.Expand):
			m.focus = paneTree
		}
	case paneTree:
		return m.updateTree(msg)
	case panePreview:
		if keyMatches(msg, k.Open) {
			if v := m.tree.current(); v != nil {
				if req, ok, _ := m.previewTarget(v); ok {
					return m.preview.load(m.c.ctx, m.st.img, req)
				}
			}
			return nil
		}
		m.preview.scroll(k.ListKeyMap, msg)
	}
	return nil
}

func (m *filesModel) cycleFocus(d int) {
	m.focus = pane((int(m.focus) + d + 3) % 3)
}

func (m *filesModel) updateTree(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	t := m.tree
	switch {
	case keyMatches(msg, k.Up):
		t.move(-1)
	case keyMatches(msg, k.Down):
		t.move(1)
	case keyMatches(msg, k.PageUp):
		t.move(-t.height)
	case keyMatches(msg, k.PageDown):
		t.move(t.height)
	case keyMatches(msg, k.Top):
		t.moveTo(0)
	case keyMatches(msg, k.Bottom):
		t.moveTo(len(t.rows) - 1)
	case keyMatches(msg, k.Expand):
		if v := t.current(); v != nil && v.dir {
			t.open(v)
		}
	case keyMatches(msg, k.Collapse):
		t.collapseOrParent()
	case keyMatches(msg, k.Open) || msg.String() == " ":
		v := t.current()
		if v == nil {
			return nil
		}
		if v.dir && msg.String() == " " || v.dir && len(v.kids) > 0 {
			t.toggle()
			break
		}
		if msg.String() == " " {
			return nil
		}
		req, ok, _ := m.previewTarget(v)
		if !ok {
			return nil
		}
		m.focus = panePreview
		return m.preview.load(m.c.ctx, m.st.img, req)
	}
	m.updatePreview()
	return nil
}

// eventAt returns the change the layer made to the node, 0 for none.
func eventAt(n *forensics.Node, layer int) forensics.Change {
	if n == nil {
		return 0
	}
	var c forensics.Change
	for _, ev := range n.Events() {
		if ev.Layer == layer {
			c = ev.Change
		}
	}
	return c
}

// versionBelow returns the layer of the version of n before layer, -1 for none.
func versionBelow(n *forensics.Node, layer int) int {
	if n == nil {
		return -1
	}
	below := -1
	for _, ev := range n.Events() {
		if ev.Layer >= layer {
			break
		}
		if ev.Change == forensics.ChangeRemoved || ev.Entry == nil {
			below = -1
			continue
		}
		below = ev.Layer
	}
	return below
}

func readable(e *forensics.Entry) bool {
	return e != nil && !e.Whiteout && (e.Type == forensics.TypeFile || e.Type == forensics.TypeHardlink)
}

// previewTarget says which version of v enter reads, and what the hint says.
func (m *filesModel) previewTarget(v *vnode) (previewRequest, bool, string) {
	req := previewRequest{path: v.path, below: -1}
	if m.aggregate {
		if v.node == nil || !readable(v.node.Entry) {
			return req, false, ""
		}
		req.layer = v.node.Layer()
		if eventAt(v.node, req.layer) == forensics.ChangeModified {
			req.below = versionBelow(v.node, req.layer)
		}
	} else {
		switch {
		case v.change == forensics.ChangeRemoved:
			l := versionBelow(v.node, m.layer)
			if l < 0 {
				return req, false, ""
			}
			req.layer = l
			req.why = fmt.Sprintf("removed by layer %d; this is its content in layer %d", m.layer, l)
			return req, true, fmt.Sprintf("enter: read what was removed (from layer %d)", l)
		case !readable(v.entry):
			return req, false, ""
		}
		req.layer = m.layer
		if v.change == forensics.ChangeModified {
			req.below = versionBelow(v.node, m.layer)
		}
	}
	if req.below >= 0 {
		req.why = fmt.Sprintf("changed by layer %d; diff against layer %d", req.layer, req.below)
		return req, true, fmt.Sprintf("enter: diff against layer %d", req.below)
	}
	return req, true, fmt.Sprintf("enter: read this file (layer %d)", req.layer)
}

// updatePreview shows the selected path's metadata in the preview pane.
func (m *filesModel) updatePreview() {
	v := m.tree.current()
	if v == nil {
		m.preview.show("", nil, "")
		return
	}
	req, _, hint := m.previewTarget(v)
	m.preview.show(fmt.Sprintf("%d:%s", req.layer, v.path), m.metaLines(v), hint)
}

func (m *filesModel) metaLines(v *vnode) []string {
	st := m.c.styles
	e := v.state()
	lines := []string{st.PaneTitle.Render(safeText(v.path))}
	if e == nil {
		return append(lines, st.Dim.Render("directory (implied by the paths below it)"))
	}
	if e.Whiteout {
		lines = append(lines, st.Removed.Render(fmt.Sprintf("D whiteout: layer %d removes this path", m.layer)))
	} else {
		owner := fmt.Sprintf("%d:%d", e.UID(), e.GID())
		if e.Uname() != "" || e.Gname() != "" {
			owner += fmt.Sprintf(" (%s:%s)", safeText(e.Uname()), safeText(e.Gname()))
		}
		desc := fmt.Sprintf("%s %s %s", e.Type, e.LsMode(), owner)
		if e.Type == forensics.TypeFile || e.Type == forensics.TypeHardlink {
			desc += fmt.Sprintf(" %d bytes", e.Size)
		}
		lines = append(lines, desc)
		if e.Link() != "" {
			lines = append(lines, st.Link.Render("-> "+safeText(e.Link())))
		}
		mt := "mtime -"
		if !e.ModTime().IsZero() {
			mt = "mtime " + e.ModTime().UTC().Format(time.DateTime) + " UTC"
		}
		lines = append(lines, mt)
		if e.SHA256() != "" {
			lines = append(lines, "sha256 "+e.SHA256())
		}
		var flags []string
		if e.Setuid() && e.Type != forensics.TypeDir {
			flags = append(flags, "[setuid]")
		}
		if e.Setgid() && e.Type != forensics.TypeDir {
			flags = append(flags, "[setgid]")
		}
		if len(flags) > 0 {
			lines = append(lines, st.Special.Render(strings.Join(flags, " ")))
		}
	}
	if v.node != nil {
		lines = append(lines, m.provenance(v.node))
	}
	return lines
}

// provenance says which layers made, changed and removed a path.
func (m *filesModel) provenance(n *forensics.Node) string {
	var parts []string
	for _, ev := range n.Events() {
		if ev.Change == forensics.ChangeUnchanged {
			continue
		}
		parts = append(parts, fmt.Sprintf("%c%d", changeLetter(ev.Change), ev.Layer))
	}
	s := "layers: " + strings.Join(parts, " ")
	if n.Hidden {
		s += fmt.Sprintf("  H: not in the final filesystem (removed by layer %d)", n.Removed())
	}
	return s
}

// View draws the tab.
func (m *filesModel) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	layers := m.layersView()
	rest := m.height - m.layersHeight()
	var bottom string
	switch {
	case m.tree.root == nil && !m.st.ready():
		bottom = box(m.c.styles, "Files", m.loadingLines(), m.width, rest, false)
	case m.wide():
		bottom = joinColumns(m.treeView(m.treeWidth(), rest), m.preview.View("Preview", m.focus == panePreview))
	case m.focus == panePreview:
		bottom = m.preview.View("Preview (esc: back to the tree)", true)
	default:
		bottom = m.treeView(m.width, rest)
	}
	return joinRows(layers, bottom)
}

func (m *filesModel) loadingLines() []string {
	st := m.c.styles
	switch m.st.phase {
	case phaseFailed:
		return []string{st.Error.Render("could not read the image:"), safeText(m.st.err.Error())}
	case phaseReading:
		what := fmt.Sprintf("reading layers: %d of %d", m.st.read, len(m.st.layers))
		if m.st.built > 0 {
			what = fmt.Sprintf("layer %d is still being read (layers 0-%d are here: [ and ] pick one)", m.layer, m.st.built-1)
		}
		frac := m.st.progress.Fraction()
		if m.st.progress.Layers == 0 {
			frac = float64(m.st.read) / float64(max(len(m.st.layers), 1))
		}
		return []string{what, m.bar.ViewAs(frac), st.Dim.Render(loadingText(m.st))}
	}
	return []string{"opening " + safeText(m.st.ref) + "…"}
}

// loadingText says how far reading an image's layers has got: layers, bytes, rate, time left.
func loadingText(s *imageState) string {
	p := s.progress
	if p.Layers == 0 {
		return fmt.Sprintf("%d/%d layers", s.read, len(s.layers))
	}
	return strings.TrimPrefix(p.String(), p.Phase+": ")
}

func (m *filesModel) layersView() string {
	st := m.c.styles
	h := m.layersHeight()
	rows := h - 2
	inner := m.width - 2
	perLayer := m.layerFindings()
	var lines []string
	for i := m.layerTop; i < len(m.st.layers) && len(lines) < rows; i++ {
		l := m.st.layers[i]
		size, files := "…", "…"
		if m.st.ready() || l.Files > 0 || l.UncompressedSize > 0 {
			size, files = human.Size(l.UncompressedSize), fmt.Sprint(l.Files)
		}
		anomalies := " "
		if i < len(m.st.trees) && m.st.trees[i] != nil && len(m.st.trees[i].Anomalies) > 0 {
			anomalies = "!"
		}
		cur := " "
		if i == m.layer {
			cur = ">"
		}
		found := ""
		if perLayer != nil {
			found = fmt.Sprintf("%-8s ", perLayer[i])
		}
		line := fmt.Sprintf("%s%s%2d %9s %6s  %s%s", cur, anomalies, i, size, files, found, layerStep(m.st.img, m.st.layers, i))
		switch {
		case i == m.layer && m.focus == paneLayers:
			line = st.Cursor.Render(fit(line, inner))
		case i == m.layer:
			line = st.Selected.Render(fit(line, inner))
		}
		lines = append(lines, line)
	}
	cols := "#  size  files  step"
	if perLayer != nil {
		cols = "#  size  files  findings step"
	}
	title := fmt.Sprintf("Layers (%d)  %s", len(m.st.layers), cols)
	if m.layerTop > 0 || m.layerTop+rows < len(m.st.layers) {
		title = fmt.Sprintf("Layers (%d-%d of %d, j/k to scroll)  %s", m.layerTop, min(m.layerTop+rows, len(m.st.layers))-1, len(m.st.layers), cols)
	}
	return box(st, title, lines, m.width, h, m.focus == paneLayers)
}

// Column widths of the tree.
type treeColumns struct {
	mtime  int // 16, 10 or 0
	layer  bool
	fixed  int
	inner  int
	header string
}

func (m *filesModel) columns(w int) treeColumns {
	c := treeColumns{inner: w - 2, layer: m.aggregate}
	// cursor+marks (4) mode (11) uid:gid (10) size (7)
	c.fixed = 4 + 11 + 10 + 7
	if c.layer {
		c.fixed += 4
	}
	switch {
	case c.inner-c.fixed >= 16+1+24:
		c.mtime = 16
	case c.inner-c.fixed >= 10+1+20:
		c.mtime = 10
	}
	if c.mtime > 0 {
		c.fixed += c.mtime + 1
	}
	hdr := fmt.Sprintf("    %-10s %9s %6s ", "mode", "uid:gid", "size")
	if c.mtime > 0 {
		hdr += fmt.Sprintf("%-*s ", c.mtime, "mtime")
	}
	if c.layer {
		hdr += "lyr "
	}
	c.header = hdr + "name"
	return c
}

func (m *filesModel) treeTitle() string {
	var s string
	if m.aggregate {
		s = fmt.Sprintf("Whole filesystem, marks for layer %d", m.layer)
		if !m.st.ready() {
			s = fmt.Sprintf("Filesystem of layers 0-%d (the rest is being read), marks for layer %d", m.st.built-1, m.layer)
		}
	} else {
		s = fmt.Sprintf("Layer %d changes", m.layer)
	}
	if m.tree.filter != "" {
		s += " · filter " + safeText(m.tree.filter)
	}
	return s
}

func (m *filesModel) treeView(w, h int) string {
	st := m.c.styles
	cols := m.columns(w)
	lines := make([]string, 0, h)
	lines = append(lines, st.Dim.Render(truncate(cols.header, cols.inner)))
	focused := m.focus == paneTree
	for i, v := range m.tree.window() {
		row := m.tree.offset + i
		lines = append(lines, m.treeRow(v, cols, row == m.tree.cursor, focused))
	}
	for len(lines) < h-3 {
		lines = append(lines, "")
	}
	lines = append(lines, m.treeFooter(cols.inner))
	return box(st, m.treeTitle(), lines, w, h, focused)
}

func (m *filesModel) treeFooter(w int) string {
	st := m.c.styles
	if m.filtering {
		return m.filter.View()
	}
	pos := fmt.Sprintf("%d/%d", min(m.tree.cursor+1, len(m.tree.rows)), len(m.tree.rows))
	if len(m.tree.rows) == 0 {
		pos = "nothing to show"
		if m.tree.filter != "" {
			pos = "no path matches the filter"
		}
	}
	mode := "a: whole filesystem"
	if m.aggregate {
		mode = "a: layer changes"
		if m.showHidden {
			mode += " · .: hide whited-out"
		} else {
			mode += " · .: show whited-out"
		}
	}
	return st.Dim.Render(truncate(pos+" · "+mode+" · /: filter", w))
}

// treeRow renders one row of the tree: marks, columns, indented name.
func (m *filesModel) treeRow(v *vnode, c treeColumns, cursor, focused bool) string {
	st := m.c.styles
	var change forensics.Change
	if m.aggregate {
		change = eventAt(v.node, m.layer)
		if change == forensics.ChangeUnchanged {
			change = 0
		}
	} else {
		change = v.change
	}
	hidden := v.hidden() && change != forensics.ChangeRemoved
	e := v.state()

	mark := string(changeLetter(change))
	if change == forensics.ChangeUnchanged {
		mark = " "
	}
	hmark := " "
	if hidden {
		hmark = "H"
	}

	var cols strings.Builder
	switch {
	case e == nil:
		fmt.Fprintf(&cols, "%-10s %9s %6s ", "d(implied)", "", "")
	case e.Whiteout:
		fmt.Fprintf(&cols, "%-10s %9s %6s ", "(whiteout)", "", "")
	default:
		size := ""
		if e.Type == forensics.TypeFile || e.Type == forensics.TypeHardlink {
			size = human.CompactSize(e.Size)
		}
		owner := fmt.Sprintf("%d:%d", e.UID(), e.GID())
		if len(owner) > 9 {
			owner = owner[:8] + "…"
		}
		fmt.Fprintf(&cols, "%s %9s %6s ", e.LsMode(), owner, size)
	}
	if c.mtime > 0 {
		mt := ""
		if e != nil && !e.ModTime().IsZero() && !e.Whiteout {
			mt = e.ModTime().UTC().Format("2006-01-02 15:04")[:c.mtime]
		}
		fmt.Fprintf(&cols, "%-*s ", c.mtime, mt)
	}
	if c.layer {
		l := ""
		if v.node != nil && !v.node.Implicit {
			l = fmt.Sprintf("L%d", v.node.Layer())
		}
		fmt.Fprintf(&cols, "%-3s ", l)
	}

	name := m.treeName(v, e, hidden)
	cur := " "
	if cursor {
		cur = ">"
	}
	indent := strings.Repeat("  ", v.depth)
	fold := "  "
	if v.dir {
		if len(v.kids) > 0 && m.tree.isOpen(v) {
			fold = "▾ "
		} else {
			fold = "▸ "
		}
	}
	if cursor {
		line := cur + mark + hmark + " " + cols.String() + indent + fold + name
		if focused {
			return st.Cursor.Render(fit(line, c.inner))
		}
		return st.Selected.Render(fit(line, c.inner))
	}
	nameStyle := lipgloss.NewStyle()
	switch {
	case hidden:
		nameStyle = st.Hidden
	case e != nil && !e.Whiteout && e.Type != forensics.TypeDir && (e.Setuid() || e.Setgid()):
		nameStyle = st.Special
	case change == forensics.ChangeRemoved:
		nameStyle = st.Removed
	case v.dir:
		nameStyle = st.Dir
	case e != nil && e.Type == forensics.TypeSymlink:
		nameStyle = st.Link
	}
	markStyle := st.change(change)
	line := cur + markStyle.Render(mark) + st.Hidden.UnsetStrikethrough().Render(hmark) + " " + st.Dim.Render(cols.String()) + indent + fold
	rest := c.inner - c.fixed - len(indent) - 2
	return line + nameStyle.Render(truncate(name, max(rest, 1)))
}

func (m *filesModel) treeName(v *vnode, e *forensics.Entry, hidden bool) string {
	name := safeText(v.name)
	if v.dir {
		name += "/"
	}
	var flags []string
	if e != nil && !e.Whiteout {
		if e.Type == forensics.TypeSymlink || e.Type == forensics.TypeHardlink {
			flags = append(flags, "-> "+safeText(e.Link()))
		}
		if e.Type != forensics.TypeDir && e.Setuid() {
			flags = append(flags, "[setuid]")
		}
		if e.Type != forensics.TypeDir && e.Setgid() {
			flags = append(flags, "[setgid]")
		}
	}
	if v.opaque {
		flags = append(flags, "[opaque]")
	}
	if hidden && m.aggregate {
		flags = append(flags, fmt.Sprintf("(removed by layer %d)", v.node.Removed()))
	}
	if len(flags) > 0 {
		name += " " + strings.Join(flags, " ")
	}
	return name
}

// ShortHelp is the help line of the tab: the keys of the pane with the focus.
func (m *filesModel) ShortHelp() []key.Binding {
	k, g := m.keys, m.c.keys.Global
	if m.filtering {
		return []key.Binding{k.Apply, k.Cancel}
	}
	switch m.focus {
	case paneLayers:
		return []key.Binding{k.Up, k.Down, withHelp(k.Open, "enter", "to files"), k.NextPane, withHelp(m.c.keys.Image.Scan, "s", "scan"), g.Help, g.Quit}
	case panePreview:
		return []key.Binding{k.Up, k.Down, k.Back, k.NextPane, g.Help}
	}
	return []key.Binding{withHelp(k.Open, "enter", "open"), withHelp(k.Collapse, "h", "close"), withHelp(k.Filter, "/", "filter"),
		withHelp(k.ToggleAggregate, "a", "whole fs/layer"), withHelp(k.NextLayer, "[ ]", "layer"), g.Help, g.Quit}
}

// FullHelp lists every key of the tab, in groups short enough to sit three abreast at 80
// columns.
func (m *filesModel) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Expand, k.Collapse, withHelp(k.Open, "enter", "open dir/file"), k.ExpandAll, k.CollapseAll, withHelp(k.Filter, "/", "filter")},
		{k.NextPane, k.PrevPane, k.PrevLayer, k.NextLayer, withHelp(k.ToggleAggregate, "a", "layer/whole fs"),
			withHelp(k.ToggleHidden, ".", "whited-out files"), k.Back},
	}
}

// jumpToPath shows a file: layer selected (the one that made its current version when
// layer is -1), the tree opened down to it, its content read into the preview. what and back
// go into the status line.
func (m *filesModel) jumpToPath(p string, layer int, what, back string) tea.Cmd {
	x := audit.Finding{Path: p, Rule: what}
	if n := m.st.tree.Node(x.Path); layer < 0 && n != nil && !n.Implicit {
		layer = n.Layer()
	}
	m.filter.SetValue("")
	m.tree.filter, m.tree.match = "", nil
	if layer >= 0 && layer < len(m.st.layers) {
		m.aggregate = false
		m.tree.defaultOpen = true
		m.tree.hideHidden = false
		m.layer = layer
		m.clampLayers()
		m.tree.setRoot(m.st.layerRoots[layer])
	}
	if !m.tree.reveal(x.Path) {
		// The layer does not list the path itself: look for it in the whole filesystem.
		m.aggregate, m.showHidden = true, true
		m.applyMode()
		if !m.tree.reveal(x.Path) {
			m.focus = paneTree
			m.updatePreview()
			return setStatus(safeText(x.Path) + " is not in the image's file tree")
		}
	}
	m.updatePreview()
	m.focus = paneTree
	v := m.tree.current()
	if v == nil {
		return nil
	}
	req, ok, _ := m.previewTarget(v)
	if !ok {
		return nil
	}
	m.focus = panePreview
	return tea.Batch(m.preview.load(m.c.ctx, m.st.img, req),
		setStatus(fmt.Sprintf("%s: %s in layer %d · esc: the tree · %s", x.Rule, safeText(x.Path), m.layer, back)))
}

// layerFindings sums the scan's findings per layer ("3 CRIT": three findings, the worst
// critical), nil before a scan.
func (m *filesModel) layerFindings() []string {
	sc := m.st.scan
	if sc == nil || len(m.st.layers) == 0 {
		return nil
	}
	n := make([]int, len(m.st.layers))
	worst := make([]audit.Severity, len(m.st.layers))
	for _, f := range sc.findings {
		if f.Layer < 0 || f.Layer >= len(n) {
			continue
		}
		n[f.Layer]++
		worst[f.Layer] = max(worst[f.Layer], f.Severity)
	}
	out := make([]string, len(n))
	for i := range n {
		if n[i] > 0 {
			out[i] = fmt.Sprintf("%d %s", n[i], severityLabel(worst[i]))
		}
	}
	return out
}
