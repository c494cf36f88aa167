package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/human"
)

type diffSection int

const (
	secFiles diffSection = iota
	secConfig
	secHistory
	secAnomalies
	secFindings
	secCount
)

var diffSectionNames = [...]string{"Files", "Config", "History", "Anomalies", "Findings"}

// Messages of the comparison.
type (
	diffReadyMsg struct {
		orig, susp int
		diff       *forensics.ImageDiff
		err        error
		took       time.Duration
		next       tea.Cmd // waits for the diffFindingsMsg of the scan that follows, nil for none
	}
	// diffFindingsMsg is the scan of the suspect that follows a comparison: the findings about
	// what changed, and what the suspect's package databases say about the changed files.
	diffFindingsMsg struct {
		orig, susp int
		findings   []audit.Finding
		diff       *forensics.ImageDiff // re-ranked by the suspect's package databases
		err        error
	}
	diffFileMsg struct {
		id   int
		file *forensics.FileChange
		head []byte // the head of the version shown as hex when the change is binary
		err  error
	}
)

// startDiff compares two open images on its own goroutine as strata diff does (casework: the
// comparison, the scan of what changed through the layer cache, the re-ranking, the record):
// the comparison is shown as soon as it is made, the findings when the scan is done. It holds
// both images' work locks, lower index first, so that it never reads layers at the same time
// as a scan of either.
func (c *common) startDiff(orig, susp *imageState) tea.Cmd {
	oi, si := orig.index, susp.index
	oimg, simg := orig.img, susp.img
	first, second := orig, susp
	if first.index > second.index {
		first, second = second, first
	}
	done := make(chan tea.Msg, 2)
	wait := func() tea.Msg { return <-done }
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		first.work.Lock()
		defer first.work.Unlock()
		second.work.Lock()
		defer second.work.Unlock()
		start := time.Now()
		c.log.Info("comparing", "original", orig.ref, "suspect", susp.ref)
		opts := casework.DiffOptions{}
		var scanErr error
		if c.scanner != nil {
			opts.Scanner, scanErr = c.scanner(c.ctx)
		}
		compared := false
		sink := func(e casework.Event) {
			switch e := e.(type) {
			case casework.Compared:
				compared = true
				ready := diffReadyMsg{orig: oi, susp: si, diff: e.Diff, took: time.Since(start)}
				if opts.Scanner != nil || scanErr != nil {
					ready.next = wait
				}
				done <- ready
			case casework.Warning:
				c.log.Warn("comparison", "original", orig.ref, "suspect", susp.ref, "warning", e.Err)
			}
		}
		res, err := c.work.Diff(c.ctx, oimg, simg, orig.ref, susp.ref, opts, sink)
		if err != nil {
			c.log.Error("comparing", "original", orig.ref, "suspect", susp.ref, "err", err)
			if !compared {
				done <- diffReadyMsg{orig: oi, susp: si, err: err, took: time.Since(start)}
			} else if opts.Scanner != nil {
				done <- diffFindingsMsg{orig: oi, susp: si, err: err}
			}
			return
		}
		c.log.Info("compared", "files", len(res.Diff.Files), "took", time.Since(start), "diff", res.DiffID)
		switch {
		case opts.Scanner != nil:
			done <- diffFindingsMsg{orig: oi, susp: si, findings: res.Findings, diff: res.Diff}
		case scanErr != nil:
			c.log.Error("preparing the scan of the suspect", "err", scanErr)
			done <- diffFindingsMsg{orig: oi, susp: si, err: scanErr}
		}
	}()
	return wait
}

// readDiffFile runs ImageDiff.File for one path off the UI goroutine, and reads the head of a
// binary version for a hex view.
func readDiffFile(ctx context.Context, d *forensics.ImageDiff, id int, p string) tea.Cmd {
	return func() tea.Msg {
		f, err := d.File(ctx, p)
		if err != nil {
			return diffFileMsg{id: id, err: err}
		}
		msg := diffFileMsg{id: id, file: f}
		if f.Diff == "" {
			img, v := d.Suspect, f.Suspect
			if v == nil || f.Change == forensics.FileRemoved {
				img, v = d.Original, f.Original
			}
			if v != nil && readable(v.Entry) && v.Layer >= 0 {
				if head, _, err := readHead(ctx, img, v.Layer, p); err == nil && isBinary(head) {
					msg.head = head
				}
			}
		}
		return msg
	}
}

// diffModel is the Diff view: what changed from an original image to a suspect one, the
// changed paths ranked most important first, the config, history and anomalies, and the
// suspect's findings about what changed.
type diffModel struct {
	c          *common
	orig, susp *imageState
	width      int
	height     int

	d    *forensics.ImageDiff
	err  error
	took time.Duration
	// findings are the suspect's findings about what changed, once its scan is done.
	findings []audit.Finding
	scanning bool
	scanErr  error
	section  diffSection
	lists    [secCount]rowList
	files    []int // indexes into d.Files on the list, noise folded unless showNoise
	noise    bool  // show package-manager changes
	focus    bool  // the preview pane has focus
	// filter keeps the changed paths containing its text (case-insensitively).
	filter    textinput.Model
	filtering bool

	vp      viewport.Model
	fileID  int
	file    *diffFileMsg // the last content read, for path filePath
	reading string       // path being read, "" for none
	cancel  context.CancelFunc
	vpKey   string // what the viewport holds
}

func newDiffModel(c *common, orig, susp *imageState) *diffModel {
	return &diffModel{c: c, orig: orig, susp: susp, vp: viewport.New(0, 0), filter: newFilterInput("path contains…")}
}

// receive takes the finished comparison.
func (m *diffModel) receive(msg diffReadyMsg) {
	m.d, m.err, m.took = msg.diff, msg.err, msg.took
	m.scanning = msg.next != nil
	m.rebuild()
}

// receiveFindings takes the scan of the suspect: its findings about the changes, and the
// comparison re-ranked by what its package databases say (package-manager changes folded,
// what no package owns higher).
func (m *diffModel) receiveFindings(msg diffFindingsMsg) {
	m.scanning = false
	m.findings, m.scanErr = msg.findings, msg.err
	if msg.diff != nil {
		var keep string
		if f := m.selectedFile(); f != nil {
			keep = f.Path
		}
		m.d = msg.diff
		m.rebuild()
		for i, fi := range m.files {
			if m.d.Files[fi].Path == keep {
				m.lists[secFiles].cursor = i
				m.lists[secFiles].clamp()
			}
		}
	}
	m.rebuild()
}

func (m *diffModel) rebuild() {
	if m.d == nil {
		return
	}
	var keep string
	if f := m.selectedFile(); f != nil {
		keep = f.Path
	}
	m.files = m.files[:0]
	query := strings.ToLower(m.filter.Value())
	for i := range m.d.Files {
		f := &m.d.Files[i]
		if (m.noise || !f.Noise) && (query == "" || strings.Contains(strings.ToLower(f.Path), query)) {
			m.files = append(m.files, i)
		}
	}
	m.lists[secFiles].setLen(len(m.files))
	m.lists[secConfig].setLen(len(m.d.Config))
	m.lists[secHistory].setLen(len(m.d.History))
	m.lists[secAnomalies].setLen(len(m.d.Anomalies))
	m.lists[secFindings].setLen(len(m.findings))
	for i, fi := range m.files {
		if m.d.Files[fi].Path == keep {
			m.lists[secFiles].cursor = i
			m.lists[secFiles].clamp()
		}
	}
	m.layout()
}

func (m *diffModel) selectedFile() *forensics.FileChange {
	l := m.lists[secFiles]
	if m.d == nil || l.cursor < 0 || l.cursor >= len(m.files) {
		return nil
	}
	return &m.d.Files[m.files[l.cursor]]
}

// SetSize gives the view its size.
func (m *diffModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

func (m *diffModel) wide() bool { return m.width >= wideWidth }

// headerLines is the summary above the lists: two lines and the section tabs.
const diffHeaderLines = 3

func (m *diffModel) listSize() (w, h int) {
	rest := max(m.height-diffHeaderLines, 0)
	if m.wide() {
		return m.width * 3 / 5, rest
	}
	return m.width, max(rest*2/5, 6)
}

func (m *diffModel) previewSize() (w, h int) {
	lw, lh := m.listSize()
	rest := max(m.height-diffHeaderLines, 0)
	switch {
	case m.wide():
		return m.width - lw, rest
	case m.focus:
		// Narrow screens give the focused preview the list's room too.
		return m.width, rest
	}
	return m.width, rest - lh
}

func (m *diffModel) layout() {
	_, lh := m.listSize()
	for i := range m.lists {
		m.lists[i].setHeight(lh - 3) // border (2), column header (1)
	}
	pw, ph := m.previewSize()
	m.vp.Width = max(pw-2, 0)
	m.vp.Height = max(ph-2-len(m.detailLines(pw-2))-1, 0)
	m.fillViewport()
}

// Update handles one key.
func (m *diffModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case diffFileMsg:
		if msg.id == m.fileID {
			m.file = &msg
			m.reading = ""
			m.vpKey = ""
			m.layout()
		}
		return nil
	case tea.KeyMsg:
		return m.updateKey(msg)
	}
	return nil
}

func (m *diffModel) updateKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.keys.Diff
	// Focus decides the panes' sizes on narrow screens.
	defer m.layout()
	if m.filtering {
		return m.updateFilter(msg)
	}
	switch {
	case keyMatches(msg, k.Filter) && m.d != nil:
		m.section, m.focus, m.filtering = secFiles, false, true
		m.filter.CursorEnd()
		return m.filter.Focus()
	case keyMatches(msg, k.Back) && !m.focus && m.filter.Value() != "":
		m.filter.SetValue("")
		m.rebuild()
		return nil
	case keyMatches(msg, k.Back):
		if m.focus {
			m.focus = false
			return nil
		}
		return func() tea.Msg { return backMsg{} }
	case keyMatches(msg, k.Section1, k.Section2, k.Section3, k.Section4, k.Section5):
		m.section = diffSection(msg.String()[0] - '1')
		m.focus = false
		m.layout()
		return nil
	case keyMatches(msg, k.NextSection):
		m.section = (m.section + 1) % secCount
		m.focus = false
		m.layout()
		return nil
	case keyMatches(msg, k.SwitchPane):
		m.focus = !m.focus
		return nil
	}
	if m.d == nil {
		return nil
	}
	switch {
	case keyMatches(msg, k.ToggleNoise):
		m.noise = !m.noise
		m.rebuild()
		if m.noise {
			return setStatus(fmt.Sprintf("showing %d package-manager changes (n folds them)", m.d.Summary.Noise))
		}
		return setStatus(fmt.Sprintf("%d package-manager changes folded (n shows them)", m.d.Summary.Noise))
	case keyMatches(msg, k.Open):
		if m.section == secFindings {
			return m.showFindingFile()
		}
		if m.section != secFiles {
			m.focus = true
			return nil
		}
		return m.readSelected()
	}
	if m.focus {
		scrollViewport(&m.vp, k.ListKeyMap, msg)
		return nil
	}
	if m.lists[m.section].move(k.ListKeyMap, msg) {
		m.vpKey = ""
		m.layout()
	}
	return nil
}

// updateFilter handles a key while the path filter is being typed.
func (m *diffModel) updateFilter(msg tea.KeyMsg) tea.Cmd {
	cmd, typing, changed := typeFilter(m.c.keys.Diff.FilterKeyMap, &m.filter, msg)
	m.filtering = typing
	if changed {
		m.rebuild()
	}
	return cmd
}

// showFindingFile goes from the selected finding to its file's change in the Files section,
// folded package-manager changes shown if it is one of them.
func (m *diffModel) showFindingFile() tea.Cmd {
	l := m.lists[secFindings]
	if l.cursor >= len(m.findings) || m.findings[l.cursor].Path == "" {
		return nil
	}
	p := m.findings[l.cursor].Path
	for pass := 0; pass < 2; pass++ {
		for i, fi := range m.files {
			if m.d.Files[fi].Path == p {
				m.section = secFiles
				m.lists[secFiles].cursor = i
				m.lists[secFiles].clamp()
				m.layout()
				return m.readSelected()
			}
		}
		if m.noise {
			break
		}
		m.noise = true
		m.rebuild()
	}
	return setStatus(safeText(p) + " is not among the changed paths")
}

// readSelected reads the selected path's content diff (or head) and focuses the preview.
func (m *diffModel) readSelected() tea.Cmd {
	f := m.selectedFile()
	if f == nil {
		return nil
	}
	m.focus = true
	if m.file != nil && m.file.file != nil && m.file.file.Path == f.Path || m.reading == f.Path {
		return nil
	}
	if m.cancel != nil {
		m.cancel()
	}
	var ctx context.Context
	ctx, m.cancel = context.WithCancel(m.c.ctx)
	m.fileID++
	m.reading = f.Path
	m.file = nil
	m.vpKey = ""
	m.layout()
	return readDiffFile(ctx, m.d, m.fileID, f.Path)
}

// View draws the view.
func (m *diffModel) View() string {
	st := m.c.styles
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.d == nil {
		var lines []string
		switch {
		case m.err != nil:
			lines = []string{st.Error.Render("could not compare the images:"), safeText(m.err.Error())}
		default:
			lines = []string{fmt.Sprintf("comparing %s with %s…", safeText(filepath.Base(m.orig.ref)), safeText(filepath.Base(m.susp.ref))),
				st.Dim.Render("every layer the original lacks is read, and the changed files are re-read for their types and diffs")}
		}
		return box(st, "Diff", lines, m.width, m.height, true)
	}
	head := m.summaryLines()
	lw, lh := m.listSize()
	pw, ph := m.previewSize()
	list := box(st, m.listTitle(), m.listLines(lw-2), lw, lh, !m.focus)
	title := "Details"
	if m.section == secFiles {
		title = "Change (enter: content diff)"
		if m.focus {
			title = "Change (esc: back to the list)"
		}
	}
	preview := box(st, title, m.previewLines(pw-2), pw, ph, m.focus)
	var body string
	switch {
	case m.wide():
		body = joinColumns(list, preview)
	case m.focus:
		body = preview
	default:
		body = joinRows(list, preview)
	}
	return joinRows(strings.Join(head, "\n"), body)
}

func (m *diffModel) summaryLines() []string {
	st := m.c.styles
	d, s := m.d, m.d.Summary
	w := m.width
	l1 := fmt.Sprintf("layers %d common, %d replaced, %d added, %d removed", s.LayersCommon, s.LayersReplaced, s.LayersAdded, s.LayersRemoved)
	if d.Layers.Diverge >= 0 {
		l1 += fmt.Sprintf(" (the chains diverge at layer %d)", d.Layers.Diverge)
	}
	folded := ""
	if s.Noise > 0 && !m.noise {
		folded = fmt.Sprintf(" · %d package changes folded (n)", s.Noise)
	}
	l2 := fmt.Sprintf("files %d added, %d removed, %d modified, %d hidden · %d suspicious (score >= %d)%s",
		s.Added, s.Removed, s.Modified, s.Hidden, s.Suspicious, forensics.SuspiciousScore, folded)
	var tabs []string
	counts := [secCount]int{len(m.files), len(d.Config), len(d.History), len(d.Anomalies), len(m.findings)}
	for i, name := range diffSectionNames {
		label := fmt.Sprintf("%d %s (%d)", i+1, name, counts[i])
		if diffSection(i) == m.section {
			tabs = append(tabs, st.TabActive.Render("["+label+"]"))
		} else {
			tabs = append(tabs, st.TabPassive.Render(" "+label+" "))
		}
	}
	l2style := lipgloss.NewStyle()
	if s.Suspicious > 0 {
		l2style = st.Warning
	}
	return []string{fit(l1, w), fit(l2style.Render(truncate(l2, w)), w), fit(strings.Join(tabs, " "), w)}
}

func (m *diffModel) listTitle() string {
	l := &m.lists[m.section]
	var s string
	switch m.section {
	case secFiles:
		s = fmt.Sprintf("Changed paths (%d), most important first", len(m.files))
		if q := m.filter.Value(); q != "" {
			s = fmt.Sprintf("Changed paths (%d) · filter %s", len(m.files), safeText(q))
		}
	case secConfig:
		s = fmt.Sprintf("Config changes (%d)", len(m.d.Config))
	case secHistory:
		s = fmt.Sprintf("History changes (%d)", len(m.d.History))
	case secFindings:
		s = fmt.Sprintf("Findings about what changed (%d)", len(m.findings))
	default:
		s = fmt.Sprintf("Anomalies (%d)", len(m.d.Anomalies))
	}
	if first, last, all := l.position(); !all && l.n > 0 {
		s += fmt.Sprintf(" · %d-%d", first, last)
	}
	return s
}

var fileChangeLetters = map[forensics.FileChangeKind]string{
	forensics.FileAdded: "A", forensics.FileRemoved: "D", forensics.FileModified: "M", forensics.FileHidden: "H", forensics.FileUnchanged: " ",
}

func (m *diffModel) changeStyle(k forensics.FileChangeKind) lipgloss.Style {
	st := m.c.styles
	switch k {
	case forensics.FileAdded:
		return st.Added
	case forensics.FileRemoved:
		return st.Removed
	case forensics.FileModified:
		return st.Modified
	case forensics.FileHidden:
		return st.Hidden.UnsetStrikethrough()
	}
	return st.Dim
}

func layerLabel(l int) string {
	if l < 0 {
		return "L-"
	}
	return fmt.Sprintf("L%d", l)
}

// listLines renders the rows of the current section that are on screen.
func (m *diffModel) listLines(inner int) []string {
	st := m.c.styles
	l := &m.lists[m.section]
	d := m.d
	var lines []string
	cursorRow := func(i int, plain, styled string) string {
		if i == l.cursor {
			if m.focus {
				return st.Selected.Render(fit(plain, inner))
			}
			return st.Cursor.Render(fit(plain, inner))
		}
		return styled
	}
	from, to := l.window()
	switch m.section {
	case secFiles:
		pathW := len("path")
		for _, i := range m.files {
			pathW = max(pathW, len(d.Files[i].Path))
			if d.Files[i].Noise {
				pathW = max(pathW, len(d.Files[i].Path)+len(" (pkg)"))
			}
		}
		pathW = max(min(pathW, inner*11/20), 12)
		lines = append(lines, st.Dim.Render(truncate(fmt.Sprintf("  %3s %s %-3s %-*s %s", "scr", "c", "lyr", pathW, "path", "history step"), inner)))
		switch {
		case m.filtering:
			lines[len(lines)-1] = m.filter.View()
		case len(m.files) == 0 && m.filter.Value() != "":
			lines = append(lines, st.Dim.Render("no changed path matches the filter (esc clears it)"))
		case len(m.files) == 0:
			lines = append(lines, st.Dim.Render("no file changed"))
		}
		for i := from; i < to; i++ {
			f := &d.Files[m.files[i]]
			cur := " "
			if i == l.cursor {
				cur = ">"
			}
			letter := fileChangeLetters[f.Change]
			p := safeText(f.Path)
			if f.Noise {
				p += " (pkg)"
			}
			step := ""
			if f.History >= 0 {
				step = fmt.Sprintf("%d: %s", f.History, oneLine(forensics.ParseCreatedBy(f.CreatedBy).String()))
			}
			cols := fmt.Sprintf("%3d ", f.Score)
			rest := fmt.Sprintf(" %-3s %-*s %s", layerLabel(f.Layer), pathW, truncateLeft(p, pathW), step)
			plain := cur + " " + cols + letter + rest
			scoreStyle := lipgloss.NewStyle()
			if f.Score >= forensics.SuspiciousScore {
				scoreStyle = st.SevCritical
			}
			lines = append(lines, cursorRow(i, plain, cur+" "+scoreStyle.Render(cols)+m.changeStyle(f.Change).Render(letter)+truncate(rest, max(inner-7, 1))))
		}
	case secConfig:
		lines = append(lines, st.Dim.Render(truncate("  scr field                    change   suspect value", inner)))
		if len(d.Config) == 0 {
			lines = append(lines, st.Dim.Render("the runtime config is the same"))
		}
		for i := from; i < to; i++ {
			c := shownConfig(d.Config[i])
			cur := " "
			if i == l.cursor {
				cur = ">"
			}
			val := c.Suspect
			if c.Change == "removed" {
				val = "(was " + c.Original + ")"
			}
			plain := fmt.Sprintf("%s %3d %-24s %-8s %s", cur, c.Score, truncate(safeText(c.Field), 24), c.Change, oneLine(val))
			styled := plain
			if c.Score >= forensics.SuspiciousScore {
				styled = st.Warning.Render(truncate(plain, inner))
			}
			lines = append(lines, cursorRow(i, plain, styled))
		}
	case secHistory:
		lines = append(lines, st.Dim.Render(truncate("  change   orig  susp  created_by", inner)))
		if len(d.History) == 0 {
			lines = append(lines, st.Dim.Render("the history is the same: no step added, removed or changed"))
		}
		for i := from; i < to; i++ {
			h := d.History[i]
			cur := " "
			if i == l.cursor {
				cur = ">"
			}
			var text string
			switch {
			case h.Suspect != nil:
				text = stepText(*h.Suspect)
			case h.Original != nil:
				text = stepText(*h.Original)
			}
			plain := fmt.Sprintf("%s %-8s %4s  %4s  %s", cur, h.Change, stepIndex(h.OriginalIndex), stepIndex(h.SuspectIndex), text)
			lines = append(lines, cursorRow(i, plain, plain))
		}
	case secFindings:
		lines = append(lines, st.Dim.Render(truncate("  sev  rule          lyr path / title", inner)))
		switch {
		case m.scanning:
			lines = append(lines, st.Dim.Render("scanning the suspect…"))
		case m.scanErr != nil:
			lines = append(lines, st.Error.Render(truncate("scan failed: "+m.scanErr.Error(), inner)))
		case len(m.findings) == 0:
			lines = append(lines, st.Dim.Render("no finding about what changed"))
		}
		for i := from; i < to; i++ {
			f := m.findings[i]
			cur := " "
			if i == l.cursor {
				cur = ">"
			}
			what := oneLine(f.Title)
			if f.Path != "" {
				what = safeText(f.Path) + "  " + what
			}
			sev := fmt.Sprintf("%-4s", severityLabel(f.Severity))
			rest := fmt.Sprintf(" %-13s %-3s %s", f.Rule, layerLabel(f.Layer), what)
			plain := cur + " " + sev + rest
			lines = append(lines, cursorRow(i, plain, cur+" "+m.c.styles.severity(f.Severity).Render(sev)+truncate(rest, max(inner-6, 1))))
		}
	default:
		lines = append(lines, st.Dim.Render(truncate("  lyr kind                                  path / detail", inner)))
		if len(d.Anomalies) == 0 {
			lines = append(lines, st.Dim.Render("no anomaly"))
		}
		for i := from; i < to; i++ {
			a := d.Anomalies[i]
			cur := " "
			if i == l.cursor {
				cur = ">"
			}
			what := a.Detail
			if a.Path != "" {
				what = a.Path + ": " + a.Detail
			}
			plain := fmt.Sprintf("%s %-3s %-37s %s", cur, layerLabel(a.Layer), truncate(a.Kind, 37), oneLine(what))
			lines = append(lines, cursorRow(i, plain, st.Warning.Render(truncate(plain, inner))))
		}
	}
	return lines
}

func stepIndex(i int) string {
	if i < 0 {
		return "-"
	}
	return fmt.Sprintf("#%d", i)
}

// detailLines describe the selected item of the section, wrapped to w.
func (m *diffModel) detailLines(w int) []string {
	if m.d == nil || w <= 0 {
		return nil
	}
	st := m.c.styles
	var lines []string
	wrap := func(s string, style func(...string) string) {
		for _, l := range strings.Split(ansi.Wrap(s, w, ""), "\n") {
			lines = append(lines, style(l))
		}
	}
	plain := lipgloss.NewStyle().Render
	l := m.lists[m.section]
	switch m.section {
	case secFiles:
		f := m.selectedFile()
		if f == nil {
			return nil
		}
		wrap(fmt.Sprintf("%s %s", fileChangeLetters[f.Change], safeText(f.Path)), st.PaneTitle.Render)
		wrap(fmt.Sprintf("%s · score %d: %s", f.Change, f.Score, oneLine(f.Why)), plain)
		if f.Layer >= 0 {
			step := ""
			if f.History >= 0 {
				step = fmt.Sprintf(", step %d: %s", f.History, oneLine(forensics.ParseCreatedBy(f.CreatedBy).String()))
			}
			wrap(fmt.Sprintf("brought by suspect layer %d%s", f.Layer, step), plain)
		}
		if len(f.Attributes) > 0 {
			wrap("changed: "+strings.Join(f.Attributes, ", "), plain)
		}
		if f.Original != nil {
			wrap("was "+versionText(f.Original), st.Dim.Render)
		}
		if f.Suspect != nil {
			wrap("now "+versionText(f.Suspect), st.Dim.Render)
		}
	case secConfig:
		if l.cursor >= len(m.d.Config) {
			return nil
		}
		c := shownConfig(m.d.Config[l.cursor])
		wrap(fmt.Sprintf("%s %s · score %d", safeText(c.Field), c.Change, c.Score), st.PaneTitle.Render)
		if c.Why != "" {
			wrap("why: "+oneLine(c.Why), st.Warning.Render)
		}
		wrap("original: "+orNone(c.Original), plain)
		wrap("suspect:  "+orNone(c.Suspect), st.DiffAdd.Render)
	case secHistory:
		if l.cursor >= len(m.d.History) {
			return nil
		}
		h := m.d.History[l.cursor]
		wrap(fmt.Sprintf("step %s -> %s %s", stepIndex(h.OriginalIndex), stepIndex(h.SuspectIndex), h.Change), st.PaneTitle.Render)
		if len(h.Attributes) > 0 {
			wrap("changed: "+strings.Join(h.Attributes, ", "), plain)
		}
		if h.Original != nil {
			wrap("- "+historyText(*h.Original), st.DiffDel.Render)
		}
		if h.Suspect != nil {
			wrap("+ "+historyText(*h.Suspect), st.DiffAdd.Render)
		}
	case secFindings:
		if l.cursor >= len(m.findings) {
			return nil
		}
		f := m.findings[l.cursor]
		wrap(oneLine(f.Title), st.PaneTitle.Render)
		wrap(fmt.Sprintf("%s · %s · %s", f.Severity, f.Category, f.Rule), m.c.styles.severity(f.Severity).Render)
		if f.Path != "" {
			wrap("file "+safeText(f.Path)+", "+safeText(f.Place()), plain)
		} else {
			wrap(safeText(f.Place()), plain)
		}
		if f.Evidence != "" {
			wrap("evidence: "+oneLine(f.Evidence), plain)
		}
		for _, l := range findingFacts(&f) {
			wrap(l, plain)
		}
		if f.Remediation != "" {
			wrap("remediation: "+oneLine(f.Remediation), st.Dim.Render)
		}
		if f.Path != "" {
			wrap("enter: show the change", st.Dim.Render)
		}
	default:
		if l.cursor >= len(m.d.Anomalies) {
			return nil
		}
		a := m.d.Anomalies[l.cursor]
		wrap(a.Kind, st.PaneTitle.Render)
		if a.Layer >= 0 {
			wrap(fmt.Sprintf("suspect layer %d: %s", a.Layer, layerStep(m.susp.img, m.susp.layers, a.Layer)), plain)
		}
		if a.Path != "" {
			wrap("path "+safeText(a.Path), plain)
		}
		wrap(oneLine(a.Detail), st.Warning.Render)
	}
	return lines
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return oneLine(s)
}

func historyText(h forensics.History) string {
	s := stepText(h)
	if !h.Created.IsZero() {
		s += " · " + h.Created.UTC().Format("2006-01-02 15:04:05")
	}
	if h.EmptyLayer {
		s += " · no layer"
	}
	return s
}

func versionText(v *forensics.FileVersion) string {
	e := v.Entry
	s := fmt.Sprintf("%s %s %d:%d", e.Type, e.LsMode(), e.UID(), e.GID())
	if isContent(e) {
		s += " " + human.Size(e.Size)
	}
	if v.Type.Kind != "" {
		s += " " + string(v.Type.Kind)
	}
	if !e.ModTime().IsZero() {
		s += " · mtime " + e.ModTime().UTC().Format(time.DateTime)
	}
	s += " · layer " + fmt.Sprint(v.Layer)
	if v.Hidden {
		s += fmt.Sprintf(" (whited-out by layer %d)", v.Removed)
	}
	return safeText(s)
}

func isContent(e *forensics.Entry) bool {
	return e != nil && (e.Type == forensics.TypeFile || e.Type == forensics.TypeHardlink)
}

// previewLines is the detail of the selected item and, for a file, its content diff.
func (m *diffModel) previewLines(inner int) []string {
	lines := m.detailLines(inner)
	if m.section != secFiles {
		return lines
	}
	st := m.c.styles
	lines = append(lines, st.Dim.Render(strings.Repeat("─", max(inner, 0))))
	f := m.selectedFile()
	switch {
	case f == nil:
	case m.reading == f.Path:
		lines = append(lines, st.Dim.Render("reading "+safeText(f.Path)+"…"))
	case m.vpKey == "":
		lines = append(lines, st.Dim.Render("enter: read this change's content diff"))
	default:
		lines = append(lines, strings.Split(m.vp.View(), "\n")...)
	}
	return lines
}

// fillViewport puts the selected path's content into the viewport: the diff read on demand,
// else the one the comparison already rendered.
func (m *diffModel) fillViewport() {
	f := m.selectedFile()
	if f == nil {
		m.vpKey = ""
		return
	}
	var content []string
	key := ""
	switch {
	case m.file != nil && m.file.file != nil && m.file.file.Path == f.Path:
		key = "read:" + f.Path
		content = m.contentLines(m.file.file, m.file.head)
	case m.file != nil && m.file.err != nil && m.reading == "" && m.vpKey == "":
		key = "err"
		content = []string{m.c.styles.Error.Render("cannot read: ") + safeText(m.file.err.Error())}
	case f.Diff != "":
		key = "diff:" + f.Path
		content = m.contentLines(f, nil)
	}
	if key == "" {
		m.vpKey = ""
		return
	}
	if key != m.vpKey {
		m.vp.SetContent(strings.Join(content, "\n"))
		m.vp.GotoTop()
		m.vpKey = key
	}
}

// contentLines renders a change's content: a unified diff with + and - kept on every line so
// that it reads without colour, or a note and a hex view for binaries.
func (m *diffModel) contentLines(f *forensics.FileChange, head []byte) []string {
	st := m.c.styles
	w := max(m.vp.Width, 1)
	var lines []string
	if f.Diff != "" {
		for _, l := range safeLines(f.Diff) {
			style := lipgloss.NewStyle()
			switch {
			case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
				style = st.Dim
			case strings.HasPrefix(l, "@@"):
				style = st.DiffHunk
			case strings.HasPrefix(l, "+"):
				style = st.DiffAdd
			case strings.HasPrefix(l, "-"):
				style = st.DiffDel
			}
			for _, part := range wrapDiffLine(l, w) {
				lines = append(lines, style.Render(part))
			}
		}
		return lines
	}
	note := f.DiffNote
	if note == "" {
		note = "no content difference to show"
	}
	lines = append(lines, st.Dim.Render("no text diff: "+safeText(note)))
	if len(head) > 0 {
		per := 16
		if w < 78 {
			per = 8
		}
		data := head[:min(len(head), previewHexCap)]
		lines = append(lines, st.Dim.Render(fmt.Sprintf("head of the %s version (%d bytes shown):", versionName(f), len(data))))
		for _, l := range hexLines(data, per) {
			lines = append(lines, st.HexOffset.Render(l[:8])+truncate(l[8:], w-8))
		}
	}
	return lines
}

func versionName(f *forensics.FileChange) string {
	if f.Suspect == nil || f.Change == forensics.FileRemoved {
		return "original's"
	}
	return "suspect's"
}

// ShortHelp is the help line of the view.
func (m *diffModel) ShortHelp() []key.Binding {
	k, g := m.c.keys.Diff, m.c.keys.Global
	if m.filtering {
		return []key.Binding{k.Apply, k.Cancel}
	}
	if m.focus {
		return []key.Binding{k.Up, k.Down, withHelp(k.Back, "esc", "list"), withHelp(k.NextSection, "t", "section"), g.Help, g.Quit}
	}
	return []key.Binding{withHelp(k.Open, "enter", "content diff"), withHelp(k.NextSection, "1-5/t", "section"),
		withHelp(k.ToggleNoise, "n", "pkg noise"), k.Back, g.Help, g.Quit}
}

// capturing reports whether the path filter is being typed.
func (m *diffModel) capturing() bool { return m.filtering }

// FullHelp lists every key of the view.
func (m *diffModel) FullHelp() [][]key.Binding {
	k, g := m.c.keys.Diff, m.c.keys.Global
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{withHelp(k.Open, "enter", "read the content diff"), k.SwitchPane, k.ToggleNoise, k.Back},
		{withHelp(k.Section1, "1", "changed files"), withHelp(k.Section2, "2", "config changes"), withHelp(k.Section3, "3", "history changes"),
			withHelp(k.Section4, "4", "anomalies"), withHelp(k.Section5, "5", "findings"), k.NextSection,
			withHelp(k.Filter, "/", "filter changed paths")},
		{g.Help, g.Quit},
	}
}

// wrapDiffLine breaks a long diff line into pieces of w cells; each piece after the first
// keeps the line's + or - and an arrow, so that a wrapped added line still reads as added.
func wrapDiffLine(l string, w int) []string {
	if ansi.StringWidth(l) <= w || w < 8 || l == "" {
		return []string{truncate(l, w)}
	}
	op := l[:1]
	if op != "+" && op != "-" && op != " " {
		return []string{truncate(l, w)}
	}
	var out []string
	rest := l
	first := true
	for rest != "" {
		width := w
		prefix := ""
		if !first {
			prefix = op + "↪"
			width = w - 2
		}
		piece := ansi.Cut(rest, 0, width)
		if piece == "" {
			break
		}
		out = append(out, prefix+piece)
		rest = rest[len(piece):]
		first = false
	}
	return out
}
