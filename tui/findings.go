package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/strata-forensics/strata/audit"
)

// findingSort is the order of the Findings table; the sort key cycles through them.
type findingSort int

const (
	sortSeverity findingSort = iota
	sortCategory
	sortLayer
	sortCount
)

var findingSortNames = [...]string{"severity", "category", "layer"}

func (s findingSort) String() string { return findingSortNames[s] }

// severityLabels are short enough for a column and read without colour.
var severityLabels = [...]string{"info", "low", "med", "high", "CRIT"}

func severityLabel(s audit.Severity) string {
	if s >= audit.Info && s <= audit.Critical {
		return severityLabels[s]
	}
	return "?"
}

// findingsModel is the Findings tab: the image's scan as a table that fills in while the scan
// runs, sortable and filterable, and the selected finding's details.
type findingsModel struct {
	c      *common
	st     *imageState
	keys   FindingsKeyMap
	width  int
	height int

	order     findingSort
	filter    textinput.Model
	filtering bool
	rows      []int // indexes into the scan's findings, in table order, filter applied
	list      rowList
	bar       progress.Model

	// What rows were built from, to rebuild only when the scan has moved on.
	builtID, builtLen int
	builtPhase        scanPhase
	builtQuery        string
	builtOrder        findingSort
}

func newFindingsModel(c *common, st *imageState) *findingsModel {
	ti := newFilterInput("rule, category, path or title contains…")
	return &findingsModel{c: c, st: st, keys: c.keys.Findings, filter: ti, builtID: -1,
		bar: progress.New(progress.WithSolidFill("#7571F9"), progress.WithoutPercentage(), progress.WithColorProfile(lipgloss.ColorProfile()))}
}

func (f *findingsModel) findings() []audit.Finding {
	if f.st.scan == nil {
		return nil
	}
	return f.st.scan.findings
}

// SetSize gives the tab its size.
func (f *findingsModel) SetSize(w, h int) {
	f.width, f.height = w, h
	f.bar.Width = max(min(w/4, 30), 10)
	_, th := f.tableSize()
	f.list.setHeight(th - 4) // border (2), header (1), footer (1)
}

func (f *findingsModel) wide() bool { return f.width >= wideWidth }

func (f *findingsModel) tableSize() (w, h int) {
	if f.wide() {
		return f.width * 3 / 5, f.height
	}
	return f.width, max(f.height*11/20, 8)
}

// refresh rebuilds the rows when the scan, the filter or the order changed, keeping the
// cursor on the same finding.
func (f *findingsModel) refresh() {
	sc := f.st.scan
	id, n, phase := 0, 0, scanNone
	if sc != nil {
		id, n, phase = sc.id, len(sc.findings), sc.phase
	}
	query := strings.ToLower(f.filter.Value())
	if id == f.builtID && n == f.builtLen && phase == f.builtPhase && query == f.builtQuery && f.order == f.builtOrder {
		return
	}
	var keep *audit.Finding
	if cur := f.selected(); cur != nil && id == f.builtID {
		c := *cur
		keep = &c
	}
	f.builtID, f.builtLen, f.builtPhase, f.builtQuery, f.builtOrder = id, n, phase, query, f.order
	fs := f.findings()
	f.rows = f.rows[:0]
	for i := range fs {
		if query == "" || findingMatches(&fs[i], query) {
			f.rows = append(f.rows, i)
		}
	}
	f.sortRows(fs)
	f.list.setLen(len(f.rows))
	if keep != nil {
		for i, r := range f.rows {
			x := &fs[r]
			if x.Rule == keep.Rule && x.Path == keep.Path && x.Layer == keep.Layer {
				f.list.cursor = i
				f.list.clamp()
				break
			}
		}
	}
}

func findingMatches(x *audit.Finding, q string) bool {
	for _, s := range []string{x.Rule, string(x.Category), x.Path, x.Title, x.Severity.String()} {
		if containsFold(s, q) {
			return true
		}
	}
	return false
}

// sortRows orders the rows; every order falls back to the scan's own (severity, layer, path,
// rule), which is also the order findings have in a finished scan.
func (f *findingsModel) sortRows(fs []audit.Finding) {
	base := func(a, b *audit.Finding) bool {
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Layer != b.Layer {
			return a.Layer < b.Layer
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Rule < b.Rule
	}
	sort.SliceStable(f.rows, func(i, j int) bool {
		a, b := &fs[f.rows[i]], &fs[f.rows[j]]
		switch f.order {
		case sortCategory:
			if a.Category != b.Category {
				return a.Category < b.Category
			}
		case sortLayer:
			if a.Layer != b.Layer {
				return a.Layer < b.Layer
			}
		}
		return base(a, b)
	})
}

// selected returns the finding under the cursor.
func (f *findingsModel) selected() *audit.Finding {
	fs := f.findings()
	if f.list.cursor < 0 || f.list.cursor >= len(f.rows) || f.rows[f.list.cursor] >= len(fs) {
		return nil
	}
	return &fs[f.rows[f.list.cursor]]
}

// cycleOrder moves to the next sort order.
func (f *findingsModel) cycleOrder() {
	f.order = (f.order + 1) % sortCount
	f.refresh()
}

func (f *findingsModel) startFilter() tea.Cmd {
	f.filtering = true
	f.filter.CursorEnd()
	return f.filter.Focus()
}

// updateFilter handles a key while the filter is being typed.
func (f *findingsModel) updateFilter(msg tea.KeyMsg) tea.Cmd {
	cmd, typing, changed := typeFilter(f.keys.FilterKeyMap, &f.filter, msg)
	f.filtering = typing
	if changed {
		f.refresh()
	}
	return cmd
}

// capturing reports whether the filter is being typed.
func (f *findingsModel) capturing() bool { return f.filtering }

// Update handles a key: sort, filter, move, and enter to show the finding's file or step.
func (f *findingsModel) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	if f.filtering {
		return f.updateFilter(km)
	}
	k := f.keys
	f.refresh()
	switch {
	case keyMatches(km, k.Back):
		if f.filter.Value() != "" {
			f.filter.SetValue("")
			f.refresh()
			return nil
		}
		return send(switchTabMsg{index: f.st.index, tab: tabFiles})
	case keyMatches(km, k.Sort):
		f.cycleOrder()
		return nil
	case keyMatches(km, k.Filter):
		return f.startFilter()
	case keyMatches(km, k.Open):
		if x := f.selected(); x != nil {
			return f.show(*x)
		}
		return nil
	}
	f.list.move(k.ListKeyMap, km)
	return nil
}

// show asks for a finding's file to be shown in the Files tab (the layer that brought it, the
// tree opened down to it, its content read), or for a finding about the config, the
// Dockerfile step that set what was found.
func (f *findingsModel) show(x audit.Finding) tea.Cmd {
	if !f.st.ready() {
		return nil
	}
	if x.Path == "" {
		if x.History >= 0 {
			return send(showStepMsg{index: f.st.index, history: x.History})
		}
		return setStatus("this finding is about the image config as a whole; it has no file or step to show")
	}
	return send(showFileMsg{index: f.st.index, path: x.Path, layer: x.Layer, what: x.Rule, back: "3: back to the findings"})
}

// ShortHelp is the help line of the tab.
func (f *findingsModel) ShortHelp() []key.Binding {
	k, ik, g := f.keys, f.c.keys.Image, f.c.keys.Global
	switch {
	case f.filtering:
		return []key.Binding{k.Apply, k.Cancel}
	case f.st.scan == nil:
		return []key.Binding{withHelp(ik.Scan, "s", "scan now"), ik.Files, k.Back, g.Help, g.Quit}
	}
	return []key.Binding{withHelp(k.Open, "enter", "show file"), withHelp(k.Sort, "o", "sort"), withHelp(k.Filter, "/", "filter"),
		withHelp(ik.Export, "x", "export"), withHelp(ik.Scan, "s", "rescan"), g.Help, g.Quit}
}

// FullHelp lists every key of the tab.
func (f *findingsModel) FullHelp() [][]key.Binding {
	k := f.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{withHelp(k.Open, "enter", "open its file in the tree"), k.Sort, withHelp(k.Filter, "/", "filter findings"), k.Apply, k.Cancel,
			withHelp(k.Back, "esc", "clear filter, then to the files")}}
}

// View draws the tab.
func (f *findingsModel) View() string {
	f.refresh()
	tw, th := f.tableSize()
	table := f.tableView(tw, th)
	var dw, dh int
	if f.wide() {
		dw, dh = f.width-tw, f.height
	} else {
		dw, dh = f.width, f.height-th
	}
	detail := box(f.c.styles, "Finding", f.detailLines(dw-2, dh-2), dw, dh, false)
	if f.wide() {
		return joinColumns(table, detail)
	}
	return joinRows(table, detail)
}

// findingColumns are the widths of the table's columns for an inner width.
type findingColumns struct {
	cat, rule, path, title int
}

func (f *findingsModel) columns(inner int) findingColumns {
	c := findingColumns{cat: len("category"), rule: len("rule"), path: len("path")}
	for _, i := range f.rows {
		x := &f.findings()[i]
		c.cat = max(c.cat, len(x.Category))
		c.rule = max(c.rule, len(x.Rule))
		c.path = max(c.path, len(x.Path))
	}
	c.cat, c.rule = min(c.cat, 14), min(c.rule, 16)
	// cursor (1) sev (4) cat rule layer (3) and a space after each.
	rest := inner - (2 + 5 + c.cat + 1 + c.rule + 1 + 4)
	// The path names the file and the details pane has the whole title, so the path comes
	// first; the title keeps a dozen cells.
	c.path = max(min(c.path, rest-13), 8)
	c.title = max(rest-c.path-1, 0)
	return c
}

func (f *findingsModel) tableView(w, h int) string {
	st := f.c.styles
	inner := w - 2
	cols := f.columns(inner)
	fs := f.findings()
	var lines []string
	header := fmt.Sprintf("  %-4s %-*s %-*s %-3s %-*s %s", "sev", cols.cat, "category", cols.rule, "rule", "lyr", cols.path, "path", "title")
	lines = append(lines, st.Dim.Render(truncate(header, inner)))
	sc := f.st.scan
	switch {
	case !f.st.ready():
		lines = append(lines, st.Dim.Render("the image is still loading; s scans it once it is open"))
	case sc == nil:
		lines = append(lines,
			"No scan yet: press s to scan this image.",
			st.Dim.Render("Every layer is read once; YARA rules, secrets, config, setuid files, hidden"),
			st.Dim.Render("files, timestamps and tampering are checked. Findings appear as they are found."))
	case len(f.rows) == 0 && sc.phase == scanRunning:
		lines = append(lines, st.Dim.Render("nothing found yet…"))
	case len(f.rows) == 0 && len(fs) > 0:
		lines = append(lines, st.Dim.Render("no finding matches the filter"))
	case len(f.rows) == 0 && sc.phase == scanDone:
		lines = append(lines, "The scan found nothing.")
	}
	from, to := f.list.window()
	for i := from; i < to; i++ {
		x := &fs[f.rows[i]]
		lines = append(lines, f.findingRow(x, cols, inner, i == f.list.cursor))
	}
	for len(lines) < h-3 {
		lines = append(lines, "")
	}
	lines = append(lines, f.footer(inner))
	title := fmt.Sprintf("Findings (%d) · sorted by %s (o: sort)", len(f.rows), f.order)
	if f.filter.Value() != "" {
		title = fmt.Sprintf("Findings (%d of %d) · filter %s · sorted by %s", len(f.rows), len(fs), safeText(f.filter.Value()), f.order)
	}
	if first, last, all := f.list.position(); !all && len(f.rows) > 0 {
		title += fmt.Sprintf(" · %d-%d", first, last)
	}
	return box(st, title, lines, w, h, true)
}

func (f *findingsModel) findingRow(x *audit.Finding, c findingColumns, inner int, cursor bool) string {
	st := f.c.styles
	layer := "cfg"
	if x.Layer >= 0 {
		layer = fmt.Sprintf("L%d", x.Layer)
	}
	path := safeText(x.Path)
	if path == "" {
		path = "-"
	}
	path = truncateLeft(path, c.path)
	cur := " "
	if cursor {
		cur = ">"
	}
	rest := fmt.Sprintf("%-*s %-*s %-3s %-*s %s", c.cat, truncate(string(x.Category), c.cat), c.rule, truncate(x.Rule, c.rule),
		layer, c.path, path, truncate(oneLine(x.Title), c.title))
	if cursor {
		return st.Cursor.Render(fit(cur+" "+fmt.Sprintf("%-4s ", severityLabel(x.Severity))+rest, inner))
	}
	return cur + " " + st.severity(x.Severity).Render(fmt.Sprintf("%-4s", severityLabel(x.Severity))) + " " + rest
}

// truncateLeft keeps the end of s, which for a path is the part that names the file.
func truncateLeft(s string, w int) string {
	if ansi.StringWidth(s) <= w || w <= 1 {
		return truncate(s, w)
	}
	r := []rune(s)
	for len(r) > 0 && ansi.StringWidth(string(r))+1 > w {
		r = r[1:]
	}
	// Start at a directory boundary when that still leaves the file name.
	if i := strings.IndexByte(string(r), '/'); i > 0 && ansi.StringWidth(string(r)[i:]) > w/2 {
		r = []rune(string(r)[i:])
	}
	return "…" + string(r)
}

func (f *findingsModel) footer(w int) string {
	st := f.c.styles
	if f.filtering {
		return f.filter.View()
	}
	sc := f.st.scan
	if sc == nil {
		return st.Dim.Render(truncate("s: scan · x: export a report once scanned", w))
	}
	switch sc.phase {
	case scanRunning:
		p := sc.progress
		what := fmt.Sprintf(" %s · %d found", p.String(), len(sc.findings))
		frac := p.Fraction()
		if p.Layers > 0 && p.LayersDone == p.Layers {
			what = fmt.Sprintf(" layers read; checking the tree · %d found", len(sc.findings))
			frac = 1
		}
		return truncate("scanning "+f.bar.ViewAs(frac)+what, w)
	case scanFailed:
		return st.Error.Render(truncate("scan failed: "+safeText(sc.err.Error()), w))
	}
	r := sc.result
	return truncate(fmt.Sprintf("%s · %d files read", safeText(r.Headline()), r.Files), w)
}

// detailLines describes the selected finding.
func (f *findingsModel) detailLines(w, h int) []string {
	st := f.c.styles
	x := f.selected()
	if x == nil || w <= 0 {
		return nil
	}
	var lines []string
	wrap := func(s string, style func(...string) string) {
		for _, l := range strings.Split(ansi.Wrap(s, w, ""), "\n") {
			lines = append(lines, style(l))
		}
	}
	plain := lipgloss.NewStyle().Render
	wrap(oneLine(x.Title), st.PaneTitle.Render)
	cats := make([]string, 0, 1+len(x.Labels))
	for _, c := range x.Categories() {
		cats = append(cats, string(c))
	}
	lines = append(lines, st.severity(x.Severity).Render(x.Severity.String())+st.Dim.Render(" · "+strings.Join(cats, ", ")+" · "+x.Rule))
	switch {
	case x.Path != "" && x.Layer >= 0:
		wrap(fmt.Sprintf("file %s, layer %d", safeText(x.Path), x.Layer), plain)
	case x.Path != "":
		wrap("file "+safeText(x.Path), plain)
	case x.Layer >= 0:
		lines = append(lines, fmt.Sprintf("layer %d", x.Layer))
	default:
		lines = append(lines, "the image config")
	}
	if step := audit.ShortStep(x.CreatedBy); step != "" {
		label := "step"
		if x.History >= 0 {
			label = fmt.Sprintf("step %d", x.History)
		}
		wrap(label+": "+oneLine(step), plain)
	}
	if x.Evidence != "" {
		wrap("evidence: "+oneLine(x.Evidence), st.Warning.Render)
	}
	for _, l := range findingFacts(x) {
		wrap(l, plain)
	}
	if x.Remediation != "" {
		wrap("remediation: "+oneLine(x.Remediation), st.Dim.Render)
	}
	hint := ""
	switch {
	case x.Path != "":
		hint = "enter: show the file in the tree"
	case x.History >= 0:
		hint = "enter: show the step in the Dockerfile"
	}
	if hint != "" {
		if len(lines) >= h {
			lines = lines[:max(h-1, 0)]
		}
		lines = append(lines, st.Dim.Render(hint))
	}
	return lines
}
