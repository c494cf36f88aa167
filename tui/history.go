package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/human"
)

// histSection is one part of the History tab.
type histSection int

const (
	secFamily histSection = iota
	secTags
	secScans
	secTrace
	histSections
)

var histSectionNames = [...]string{"Family", "Tags", "Scans", "Trace"}

// Messages of the History tab, tagged with the image they are about.
type (
	historyLoadedMsg struct {
		index int
		data  *casework.ImageHistory
		err   error
	}
	traceDoneMsg struct {
		index int
		query string
		kind  traceKind
		hits  []history.Hit
		err   error
	}
)

// histRow is one row of a History section: its text, its style, and what enter acts on.
type histRow struct {
	text  string
	style lipgloss.Style
	img   *history.Image // a family member or a scanned image
	hit   *history.Hit
}

// historyModel is the History tab of an image: its family tree, its tags' history, the scan
// log of its family, and the trace of an indicator over everything stored.
type historyModel struct {
	c      *common
	st     *imageState
	keys   HistoryKeyMap
	width  int
	height int

	focus   histSection
	loading bool
	loaded  bool
	err     error
	data    *casework.ImageHistory

	rows  [histSections][]histRow
	lists [histSections]rowList

	minSeverity audit.Severity // scans shown have a finding at or above it; Info shows all

	input     textinput.Model
	inputting bool
	kind      traceKind // the kind chosen with tab; traceAuto picks by shape
	tracing   bool
	traced    string // the last query run
	tracedAs  traceKind
	hits      []history.Hit
	traceErr  error
}

func newHistoryModel(c *common, st *imageState) *historyModel {
	ti := textinput.New()
	ti.Placeholder = "sha256, /path/glob*, rule id, IP, domain or text"
	ti.CharLimit = 512
	ti.Cursor.SetMode(cursor.CursorStatic)
	h := &historyModel{c: c, st: st, keys: c.keys.History, input: ti}
	h.setPrompt()
	return h
}

// SetSize gives the tab its size.
func (h *historyModel) SetSize(w, hgt int) {
	h.width, h.height = w, hgt
	h.layoutLists()
}

// grid reports whether the four sections fit on screen at once: family and tags side by
// side, the scan log under them, the trace at the bottom.
func (h *historyModel) grid() bool { return h.width >= 150 && h.height >= 40 }

// sectionSize returns a section's box size.
func (h *historyModel) sectionSize(s histSection) (w, hgt int) {
	if !h.grid() {
		return h.width, h.height
	}
	top, scans := h.height*2/5, max(h.height/6, 5)
	switch s {
	case secFamily:
		return h.width / 2, top
	case secTags:
		return h.width - h.width/2, top
	case secScans:
		return h.width, scans
	}
	return h.width, h.height - top - scans
}

// traceDetailRows is how many rows the selected sighting's details take in the trace section.
const traceDetailRows = 7

func (h *historyModel) layoutLists() {
	for s := secFamily; s < histSections; s++ {
		_, hgt := h.sectionSize(s)
		rows := hgt - 2
		if s == secScans || s == secTags {
			rows-- // column header
		}
		if s == secTrace {
			rows -= 2 + traceDetailRows // input line, separator, details
		}
		h.lists[s].setHeight(max(rows, 1))
	}
}

// load reads the image's history from the store.
func (h *historyModel) load() tea.Cmd {
	if h.c.store == nil || h.loading || h.st.img == nil {
		return nil
	}
	h.loading = true
	store, trusted, img, index := h.c.store, h.c.trusted, h.st.img, h.st.index
	ctx := h.c.ctx
	return func() tea.Msg {
		data, err := casework.History(ctx, store, trusted, img)
		return historyLoadedMsg{index: index, data: data, err: err}
	}
}

// receive takes the store's answer.
func (h *historyModel) receive(msg historyLoadedMsg) {
	h.loading, h.loaded = false, true
	h.data, h.err = msg.data, msg.err
	h.build()
}

// imageLabel names a stored image in a row: short config digest, first tags, and whether it
// is the open image.
func (h *historyModel) imageLabel(img *history.Image) string {
	if img == nil {
		return "-"
	}
	s := human.ShortDigest(img.ConfigDigest)
	switch len(img.Tags) {
	case 0:
		s += " (untagged)"
	case 1:
		s += " " + safeText(img.Tags[0])
	default:
		s += fmt.Sprintf(" %s (+%d)", safeText(img.Tags[0]), len(img.Tags)-1)
	}
	if h.isSelf(img) {
		s += " (this image)"
	}
	if img.Trusted {
		s += " [trusted]"
	}
	return s
}

func (h *historyModel) isSelf(img *history.Image) bool {
	return img != nil && h.st.img != nil && img.ConfigDigest == h.st.img.ConfigDigest
}

// build turns the data into the sections' rows.
func (h *historyModel) build() {
	st := h.c.styles
	plain := lipgloss.NewStyle()
	for s := range h.rows {
		h.rows[s] = nil
	}
	d := h.data
	if d == nil {
		h.setLens()
		return
	}

	// Family.
	fam := &h.rows[secFamily]
	add := func(r histRow) { *fam = append(*fam, r) }
	layers := func(img *history.Image) string { return fmt.Sprintf("%d layers", len(img.Chain)) }
	add(histRow{text: "ancestors, nearest first:", style: st.Dim})
	if len(d.Family.Ancestors) == 0 {
		add(histRow{text: "  none known", style: st.Dim})
	}
	for _, a := range d.Family.Ancestors {
		add(histRow{text: fmt.Sprintf("  ^ %s · %s", h.imageLabel(a), layers(a)), style: plain, img: a})
	}
	self := "  * " + h.imageLabel(d.Self) + " · " + layers(d.Self)
	if !d.Known {
		self += " · not recorded yet"
	}
	add(histRow{text: "this image:", style: st.Dim})
	add(histRow{text: self, style: st.PaneTitle, img: d.Self})
	add(histRow{text: "descendants, nearest first:", style: st.Dim})
	if len(d.Family.Descendants) == 0 {
		add(histRow{text: "  none known", style: st.Dim})
	}
	for _, x := range d.Family.Descendants {
		add(histRow{text: fmt.Sprintf("  v %s · %s (+%d)", h.imageLabel(x), layers(x), len(x.Chain)-len(d.Self.Chain)), style: plain, img: x})
	}
	if len(d.Family.Siblings) > 0 {
		add(histRow{text: "same layers, other config:", style: st.Dim})
		for _, x := range d.Family.Siblings {
			add(histRow{text: "  = " + h.imageLabel(x), style: st.Warning, img: x})
		}
	}
	if len(d.Related) > 0 {
		add(histRow{text: "share a base (the first layers) with this image:", style: st.Dim})
		for _, r := range d.Related {
			add(histRow{text: fmt.Sprintf("  ~ %s · shares %d of %d layers", h.imageLabel(r.Image), r.Shared, len(r.Image.Chain)), style: plain, img: r.Image})
		}
	}

	// Tags.
	tags := &h.rows[secTags]
	if len(d.Tags) == 0 {
		*tags = append(*tags, histRow{text: "no tag of this image was ever recorded", style: st.Dim})
	}
	moved := map[string]int{}
	for _, t := range d.Tags {
		if t.Moved {
			moved[t.Tag]++
		}
	}
	last := ""
	for i := range d.Tags {
		t := &d.Tags[i]
		if t.Tag != last {
			head := safeText(t.Tag)
			style := st.PaneTitle
			if n := moved[t.Tag]; n > 0 {
				head += fmt.Sprintf("  MOVED %d time%s", n, plural(n))
				style = st.Warning.Bold(true)
			}
			*tags = append(*tags, histRow{text: head, style: style})
			last = t.Tag
		}
		style := plain
		var notes []string
		if t.Moved {
			style = st.Warning
			notes = append(notes, "MOVED")
		}
		if h.st.img != nil && t.ConfigDigest == h.st.img.ConfigDigest {
			notes = append(notes, "this image")
		}
		*tags = append(*tags, histRow{text: fmt.Sprintf("  %s %-19s %-17s %-7s %s", stamp(t.SeenAt), human.ShortDigest(t.ConfigDigest),
			strings.Join(notes, ", "), t.Command, safeText(baseName(t.Input))), style: style})
	}

	// Scans.
	h.buildScans()
	h.buildTrace()
	h.setLens()
}

func (h *historyModel) buildScans() {
	st := h.c.styles
	rows := &h.rows[secScans]
	*rows = nil
	if h.data == nil {
		return
	}
	for i := range h.data.Scans {
		sc := &h.data.Scans[i]
		if h.minSeverity > audit.Info && !summaryAtLeast(sc.Summary, h.minSeverity) {
			continue
		}
		verdict := sc.Verdict
		if sc.Status != history.StatusComplete {
			verdict = sc.Status
		}
		style := lipgloss.NewStyle()
		if top, ok := summaryTop(sc.Summary); ok && top >= audit.Medium {
			style = st.severity(top)
		}
		img := h.imageLabel(sc.Image)
		if h.isSelf(sc.Image) {
			img = "this image"
		}
		if !sc.Complete() {
			img += " (a diff's scan: only what differs)"
		}
		*rows = append(*rows, histRow{text: fmt.Sprintf("#%-3d %s %-10s %-26s %s", sc.ID, stamp(sc.Started), verdict, summaryText(sc.Summary),
			img), style: style, img: sc.Image})
	}
	if len(*rows) == 0 {
		text := "no scan of this image or its family is recorded"
		if h.minSeverity > audit.Info && len(h.data.Scans) > 0 {
			text = fmt.Sprintf("no scan found anything at %s or above (v: severity)", severityLabel(h.minSeverity))
		}
		*rows = append(*rows, histRow{text: text, style: st.Dim})
	}
}

func (h *historyModel) buildTrace() {
	st := h.c.styles
	rows := &h.rows[secTrace]
	*rows = nil
	for i := range h.hits {
		x := &h.hits[i]
		where := "cfg"
		if x.Layer >= 0 {
			where = fmt.Sprintf("L%d", x.Layer)
		}
		what := x.Path
		if what == "" {
			what = x.Where + ": " + oneLine(x.Detail)
		}
		intro := "introduced here"
		if x.IntroducedBy != nil && x.Image != nil && x.IntroducedBy.ConfigDigest != x.Image.ConfigDigest {
			intro = "from " + shortHex(x.IntroducedBy.ConfigDigest)
		}
		img, tag := "-", ""
		if x.Image != nil {
			img = shortHex(x.Image.ConfigDigest)
			if len(x.Image.Tags) > 0 {
				tag = safeText(x.Image.Tags[0])
			}
		}
		style := lipgloss.NewStyle()
		if h.isSelf(x.Image) {
			img, style = "this image", st.PaneTitle
		}
		*rows = append(*rows, histRow{text: fmt.Sprintf("%-3s %-12s %-22s %-17s %s", where, img, truncate(tag, 22), intro, safeText(what)),
			style: style, hit: x})
	}
}

// shortHex is a digest's first 12 hex digits, for tight columns.
func shortHex(d string) string {
	_, hex, ok := strings.Cut(d, ":")
	if !ok {
		hex = d
	}
	return hex[:min(12, len(hex))]
}

func (h *historyModel) setLens() {
	for s := range h.rows {
		h.lists[s].setLen(len(h.rows[s]))
	}
	// The family starts on the image itself, the other sections on their first row.
	for i, r := range h.rows[secFamily] {
		if h.data != nil && r.img == h.data.Self {
			h.lists[secFamily].cursor = i
			h.lists[secFamily].clamp()
		}
	}
	for s := secTags; s < histSections; s++ {
		h.settle(s, 1)
	}
}

func summaryAtLeast(s audit.Summary, min audit.Severity) bool {
	for v := min; v <= audit.Critical; v++ {
		if s[v] > 0 {
			return true
		}
	}
	return false
}

func summaryTop(s audit.Summary) (audit.Severity, bool) {
	for v := audit.Critical; v >= audit.Info; v-- {
		if s[v] > 0 {
			return v, true
		}
	}
	return audit.Info, false
}

// summaryText counts findings by severity, most severe first: "3 CRIT 1 high 2 med".
func summaryText(s audit.Summary) string {
	var parts []string
	for v := audit.Critical; v >= audit.Low; v-- {
		if s[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", s[v], severityLabel(v)))
		}
	}
	if len(parts) == 0 {
		return "nothing found"
	}
	return strings.Join(parts, " ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// stamp is a time as the history shows it, in UTC.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-               "
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 && i < len(p)-1 {
		return p[i+1:]
	}
	return p
}

// cycleSeverity moves the scan log's filter to the next minimum severity.
func (h *historyModel) cycleSeverity() {
	switch h.minSeverity {
	case audit.Info:
		h.minSeverity = audit.Low
	case audit.Critical:
		h.minSeverity = audit.Info
	default:
		h.minSeverity++
	}
	h.buildScans()
	h.lists[secScans].setLen(len(h.rows[secScans]))
}

// severityFilterText names the scan log's filter.
func (h *historyModel) severityFilterText() string {
	if h.minSeverity <= audit.Info {
		return "all"
	}
	return severityLabel(h.minSeverity) + "+"
}

// selectable reports whether a row is one the cursor stops on.
func (h *historyModel) selectable(s histSection, i int) bool {
	rows := h.rows[s]
	return i >= 0 && i < len(rows) && (rows[i].img != nil || rows[i].hit != nil)
}

// settle moves the cursor of a section off heading rows, in direction d (1 or -1), and back
// the other way when there is nothing selectable that way.
func (h *historyModel) settle(s histSection, d int) {
	l := &h.lists[s]
	for _, dir := range []int{d, -d} {
		for i := l.cursor; i >= 0 && i < len(h.rows[s]); i += dir {
			if h.selectable(s, i) {
				l.cursor = i
				l.clamp()
				return
			}
		}
	}
}

// move handles a movement key in the focused section.
func (h *historyModel) move(k ListKeyMap, msg tea.KeyMsg) {
	l := &h.lists[h.focus]
	before := l.cursor
	if !l.move(k, msg) {
		return
	}
	d := 1
	if keyMatches(msg, k.Bottom) || l.cursor < before && !keyMatches(msg, k.Top) {
		d = -1
	}
	h.settle(h.focus, d)
	if l.cursor == before && keyMatches(msg, k.Up) && l.offset > 0 && l.cursor < l.offset+l.height-1 {
		// Already on the first row the cursor stops on: show the headings above it.
		l.offset--
	}
}

// selectedRow returns the row under the focused section's cursor.
func (h *historyModel) selectedRow() *histRow {
	rows := h.rows[h.focus]
	c := h.lists[h.focus].cursor
	if c < 0 || c >= len(rows) {
		return nil
	}
	return &rows[c]
}

// capturing reports whether an indicator is being typed.
func (h *historyModel) capturing() bool { return h.inputting }

// Update handles a key: sections, trace, the scan log's severity, and enter on a row.
func (h *historyModel) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	if h.inputting {
		return h.updateInput(km)
	}
	k := h.keys
	switch {
	case keyMatches(km, k.Back):
		return send(switchTabMsg{index: h.st.index, tab: tabFiles})
	case keyMatches(km, k.NextSection):
		h.focus = (h.focus + 1) % histSections
		return nil
	case keyMatches(km, k.PrevSection):
		h.focus = (h.focus + histSections - 1) % histSections
		return nil
	case keyMatches(km, k.Trace):
		return h.startTrace()
	case keyMatches(km, k.Severity):
		h.cycleSeverity()
		return nil
	case keyMatches(km, k.Open):
		return h.open()
	}
	h.move(k.ListKeyMap, km)
	return nil
}

// open acts on the selected row: a sighting in this image shows its file; a sighting
// in, or a row naming, another image opens that image.
func (h *historyModel) open() tea.Cmd {
	r := h.selectedRow()
	if r == nil {
		return nil
	}
	img := r.img
	if x := r.hit; x != nil {
		if h.isSelf(x.Image) {
			if x.Path == "" {
				return setStatus(fmt.Sprintf("found in this image's %s: %s", x.Where, oneLine(x.Detail)))
			}
			return send(showFileMsg{index: h.st.index, path: x.Path, layer: x.Layer, what: "sighting", back: "4: back to the trace"})
		}
		img = x.Image
	}
	switch {
	case img == nil:
		return nil
	case h.isSelf(img):
		return setStatus("that is the image open here")
	case img.ID == 0:
		return nil
	}
	return func() tea.Msg { return openStoredMsg{img: img} }
}

// ShortHelp is the help line of the tab.
func (h *historyModel) ShortHelp() []key.Binding {
	k, g := h.keys, h.c.keys.Global
	if h.inputting {
		return []key.Binding{withHelp(k.Apply, "enter", "trace"), k.TraceKind, withHelp(k.Cancel, "esc", "cancel")}
	}
	return []key.Binding{withHelp(k.NextSection, "tab", "section"), withHelp(k.Trace, "/", "trace"), withHelp(k.Open, "enter", "show/open"),
		withHelp(k.Severity, "v", "severity"), k.Back, g.Help, g.Quit}
}

// FullHelp lists every key of the tab.
func (h *historyModel) FullHelp() [][]key.Binding {
	k := h.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.NextSection, k.PrevSection, withHelp(k.Trace, "/ or T", "trace an indicator"), withHelp(k.TraceKind, "tab", "(typing) indicator kind"),
			withHelp(k.Apply, "enter", "(typing) search"), withHelp(k.Open, "enter", "sighting: show file"), k.Severity, k.Back},
	}
}

// View draws the tab.
func (h *historyModel) View() string {
	if h.grid() {
		return joinRows(joinColumns(h.sectionView(secFamily), h.sectionView(secTags)), h.sectionView(secScans), h.sectionView(secTrace))
	}
	return h.sectionView(h.focus)
}

// sectionTitle names a section; on a small screen it also lists the others, which tab shows.
func (h *historyModel) sectionTitle(s histSection) string {
	var t string
	switch s {
	case secFamily:
		t = "Family"
	case secTags:
		t = "Tag history"
	case secScans:
		t = "Scan log · severity " + h.severityFilterText() + " (v)"
	case secTrace:
		t = "Trace"
		if h.traced != "" {
			t = fmt.Sprintf("Trace (%s): %d sighting%s", h.tracedAs, len(h.hits), plural(len(h.hits)))
		}
	}
	if h.grid() {
		return t
	}
	var others []string
	for o := secFamily; o < histSections; o++ {
		if o != s {
			others = append(others, histSectionNames[o])
		}
	}
	return t + " · tab: " + strings.ToLower(strings.Join(others, ", "))
}

func (h *historyModel) sectionView(s histSection) string {
	st := h.c.styles
	w, hgt := h.sectionSize(s)
	inner := w - 2
	focused := h.focus == s
	var lines []string
	switch {
	case h.c.store == nil:
		lines = h.noStoreLines(s)
	case h.st.img == nil:
		lines = []string{st.Dim.Render("the image is still opening…")}
	case h.err != nil:
		lines = []string{st.Error.Render("could not read the history:"), safeText(h.err.Error())}
	case !h.loaded:
		lines = []string{st.Dim.Render("reading the history store…")}
	}
	if lines != nil && s != secTrace {
		return box(st, h.sectionTitle(s), lines, w, hgt, focused)
	}
	if lines == nil {
		switch s {
		case secScans:
			lines = append(lines, st.Dim.Render(truncate(fmt.Sprintf("  %-4s %-16s %-10s %-26s image", "scan", "started (UTC)", "verdict", "findings"), inner)))
		case secTags:
			lines = append(lines, st.Dim.Render(truncate(fmt.Sprintf("  tag, then %-16s %-19s %-17s %-7s %s", "seen (UTC)", "image", "", "command", "input"), inner)))
		case secTrace:
			lines = append(lines, h.inputLine(inner))
		}
	} else {
		lines = append([]string{h.inputLine(inner)}, lines...)
	}
	lines = append(lines, h.listLines(s, inner, focused)...)
	if s == secTrace {
		_, listRows := h.lists[s].height, h.lists[s].height
		for len(lines) < 1+listRows {
			lines = append(lines, "")
		}
		lines = append(lines, st.Dim.Render(strings.Repeat("─", inner)))
		lines = append(lines, h.traceDetail(inner)...)
	}
	return box(st, h.sectionTitle(s), lines, w, hgt, focused)
}

func (h *historyModel) noStoreLines(s histSection) []string {
	st := h.c.styles
	if s != secFamily && h.grid() {
		return nil
	}
	return []string{
		"No history database is open.",
		st.Dim.Render("strata tui reads the one other commands write: --db, $STRATA_DB, or strata.db"),
		st.Dim.Render("in the data directory. Record images with strata scan or strata inspect."),
	}
}

// listLines renders the visible rows of a section.
func (h *historyModel) listLines(s histSection, inner int, focused bool) []string {
	st := h.c.styles
	rows := h.rows[s]
	l := &h.lists[s]
	if s == secTrace && len(rows) == 0 {
		switch {
		case h.tracing:
			return []string{st.Dim.Render("searching the history store…")}
		case h.traceErr != nil:
			return []string{st.Error.Render(truncate("trace failed: "+safeText(h.traceErr.Error()), inner))}
		case h.traced != "":
			return []string{"no sighting of " + safeText(h.traced) + " in the history store"}
		}
		return []string{
			st.Dim.Render("/ (or T anywhere): type an indicator; every image, layer and"),
			st.Dim.Render("path that holds it is listed, with the family member that"),
			st.Dim.Render("introduced it. enter on a sighting in this image shows the file."),
		}
	}
	from, to := l.window()
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		r := rows[i]
		selectable := r.img != nil || r.hit != nil
		switch {
		case i == l.cursor && focused && selectable:
			out = append(out, st.Cursor.Render(fit("> "+r.text, inner)))
		case i == l.cursor && selectable:
			out = append(out, st.Selected.Render(fit("  "+r.text, inner)))
		default:
			out = append(out, "  "+r.style.Render(truncate(r.text, inner-2)))
		}
	}
	return out
}

// inputLine is the trace input, or the last query when it is closed.
func (h *historyModel) inputLine(inner int) string {
	st := h.c.styles
	if h.inputting {
		h.input.Width = max(inner-lipgloss.Width(h.input.Prompt)-1, 4)
		return h.input.View()
	}
	if h.traced == "" {
		return st.Dim.Render("no trace yet · / to trace an indicator")
	}
	return st.Filter.Render(truncate(fmt.Sprintf("traced %s %s · / to trace another", h.tracedAs, safeText(h.traced)), inner))
}

// traceDetail describes the selected sighting.
func (h *historyModel) traceDetail(inner int) []string {
	st := h.c.styles
	if h.focus != secTrace && !h.grid() {
		return nil
	}
	rows := h.rows[secTrace]
	c := h.lists[secTrace].cursor
	if c < 0 || c >= len(rows) || rows[c].hit == nil {
		return nil
	}
	x := rows[c].hit
	var lines []string
	add := func(style lipgloss.Style, s string) {
		for _, l := range strings.Split(ansi.Hardwrap(s, max(inner, 10), true), "\n") {
			if len(lines) < traceDetailRows {
				lines = append(lines, style.Render(l))
			}
		}
	}
	plain := lipgloss.NewStyle()
	var where string
	switch x.Where {
	case "file":
		where = "a file"
	case "finding":
		where = "a finding"
	case "env":
		where = "the config's Env"
	case "history":
		where = "a history line"
	default:
		where = x.Where
	}
	if x.Layer >= 0 {
		where += fmt.Sprintf(" of layer %d", x.Layer)
		if x.DiffID != "" {
			where += " (diff_id " + human.ShortDigest(x.DiffID) + ")"
		}
	}
	add(st.PaneTitle, "in "+where)
	if x.Path != "" {
		add(plain, "path "+safeText(x.Path))
	} else {
		add(plain, oneLine(x.Detail))
	}
	img := "image " + h.imageLabel(x.Image)
	if x.Image != nil && len(x.Image.Tags) > 1 {
		img += " · tags " + safeText(strings.Join(x.Image.Tags, ", "))
	}
	add(plain, img)
	scans := make([]string, len(x.Scans))
	for i, id := range x.Scans {
		scans[i] = fmt.Sprintf("#%d", id)
	}
	seen := fmt.Sprintf("first seen %s · last seen %s UTC", stamp(x.FirstSeen), stamp(x.LastSeen))
	if len(scans) > 0 {
		seen += " · scans " + strings.Join(scans, " ")
	}
	add(st.Dim, seen)
	intro := "introduced by " + h.imageLabel(x.IntroducedBy)
	if x.IntroducedBy != nil && x.Image != nil && x.IntroducedBy.ConfigDigest == x.Image.ConfigDigest {
		intro = "introduced by this sighting's own image (no known ancestor holds it)"
	}
	add(st.Warning, intro)
	switch {
	case h.isSelf(x.Image) && x.Path != "":
		add(st.Dim, "enter: show the file in the tree")
	case x.Image != nil && !h.isSelf(x.Image):
		add(st.Dim, "enter: open that image (from its recorded input)")
	}
	return lines
}
