package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/fleet"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/human"
)

// The fleet view: the images the workbench was given, audited as one fleet by the use case
// strata audit runs (casework's Scanner.Audit: shared layers read once, every scan recorded,
// what is recorded already resumed), with its progress while it runs and the fleet view
// (audit/fleet) once it is done.

type auditPhase int

const (
	auditRunning auditPhase = iota + 1
	auditDone
	auditFailed
)

// Messages from a running audit, tagged with the audit they belong to.
type (
	auditProgressMsg struct {
		id       int
		progress casework.Snapshot
	}
	// auditImageMsg says one image of the audit is done (scanned, resumed, failed...).
	auditImageMsg struct {
		id           int
		image, state string
	}
	auditSkippedMsg struct {
		id   int
		skip fleet.Skipped
	}
	auditDoneMsg struct {
		id    int
		fleet *fleet.Fleet
		err   error
	}
	auditClosedMsg struct{ id int }
	// auditMsg asks the root for the fleet view: the audit starts the first time, or again
	// when again is set.
	auditMsg struct{ again bool }
	// openFleetImageMsg asks the root to open the image view of a row of the fleet.
	openFleetImageMsg struct{ row fleet.Row }
)

// recordedScanMsg brings back the scan an audit recorded of an image, shown in the image's
// Findings tab as the image's latest scan.
type recordedScanMsg struct {
	index    int
	scanID   int64
	record   *history.ScanRecord
	findings []audit.Finding
	err      error
}

// readRecordedScan reads scan scanID of image index from the history store.
func (c *common) readRecordedScan(index int, scanID int64) tea.Cmd {
	if c.store == nil || scanID == 0 {
		return nil
	}
	ctx, store := c.ctx, c.store
	return func() tea.Msg {
		rec, err := store.ScanByID(ctx, scanID)
		if err != nil {
			return recordedScanMsg{index: index, scanID: scanID, err: err}
		}
		fs, err := store.Findings(ctx, scanID)
		return recordedScanMsg{index: index, scanID: scanID, record: rec, findings: fs, err: err}
	}
}

// applyRecorded shows a recorded scan as the image's latest, unless it was scanned here since.
func (s *imageState) applyRecorded(msg recordedScanMsg) bool {
	if msg.err != nil || msg.record == nil || s.scan.running() || s.scan != nil && s.scan.recorded == 0 && s.scan.phase == scanDone {
		return false
	}
	id := 1
	if s.scan != nil {
		id = s.scan.id + 1
	}
	r := &audit.Result{Image: s.img, Findings: msg.findings, Files: msg.record.Files, CachedLayers: msg.record.CachedLayers}
	s.scan = &scanState{id: id, phase: scanDone, result: r, findings: r.Findings, recorded: msg.scanID}
	return true
}

// waitForAudit reads one message from an audit's channel; the model re-arms it after each.
func waitForAudit(id int, ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return auditClosedMsg{id: id}
		}
		return msg
	}
}

// fleetLine is one line of the fleet view; row is the image enter opens from it, nil when
// the line is not selectable.
type fleetLine struct {
	text string
	row  *fleet.Row
}

// fleetModel is the fleet view: the audit's progress while it runs, the fleet once it is done.
type fleetModel struct {
	c     *common
	keys  FleetKeyMap
	paths []string // what the audit covers: the paths the workbench was given

	id       int
	phase    auditPhase
	cancel   context.CancelFunc
	ch       <-chan tea.Msg
	started  time.Time
	elapsed  time.Duration
	progress casework.Snapshot
	done     []auditImageMsg // the images done so far, in the order they finished
	skipped  []fleet.Skipped // the inputs skipped so far
	fleet    *fleet.Fleet
	err      error

	bar    progress.Model
	width  int
	height int
	lines  []fleetLine
	// sections are the lines each section starts at; selectable the lines with a row.
	sections   []int
	selectable []int
	cursor     int // index into selectable
	offset     int // first line on screen
}

func newFleetModel(c *common, paths []string) *fleetModel {
	return &fleetModel{c: c, keys: c.keys.Fleet, paths: paths,
		bar: progress.New(progress.WithSolidFill("#7571F9"), progress.WithoutPercentage(), progress.WithColorProfile(lipgloss.ColorProfile()))}
}

func (m *fleetModel) running() bool { return m.phase == auditRunning }

// start audits the paths on a goroutine of its own, as strata audit does, and returns the
// command that reads its first message: each image as it is done, progress every
// scanProgressEvery, the fleet.
func (m *fleetModel) start() tea.Cmd {
	if m.running() {
		return nil
	}
	c := m.c
	m.id++
	id := m.id
	ctx, cancel := context.WithCancel(c.ctx)
	ch := make(chan tea.Msg, 64)
	m.phase, m.cancel, m.ch, m.started, m.elapsed = auditRunning, cancel, ch, time.Now(), 0
	m.progress, m.done, m.skipped, m.err = casework.Snapshot{}, nil, nil, nil
	m.build()
	paths := m.paths
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
		// The last word is sent even when the audit was stopped: it holds the fleet so far.
		last := func(msg tea.Msg) {
			select {
			case ch <- msg:
			case <-c.ctx.Done():
			}
		}
		c.log.Info("audit started", "paths", paths)
		if c.scanner == nil {
			last(auditDoneMsg{id: id, err: errors.New("this workbench was started without a scanner")})
			return
		}
		sc, err := c.scanner(ctx)
		if err != nil {
			c.log.Error("preparing the audit", "err", err)
			last(auditDoneMsg{id: id, err: err})
			return
		}
		progress := casework.NewProgress(nil)
		sink := func(e casework.Event) {
			progress.Observe(e)
			switch e := e.(type) {
			case casework.ImageDone:
				send(auditImageMsg{id: id, image: e.Image, state: e.Status})
			case casework.InputSkipped:
				send(auditSkippedMsg{id: id, skip: fleet.Skipped{Path: e.Path, Reason: e.Reason}})
			case casework.Warning:
				c.log.Warn("audit", "warning", e.Err)
			}
		}
		stop := tickProgress(ctx, progress, scanProgressEvery, func(p casework.Snapshot) {
			send(auditProgressMsg{id: id, progress: p})
		})
		opts := c.audit
		opts.Paths = paths
		f, err := sc.Audit(ctx, opts, sink)
		stop()
		if err != nil {
			c.log.Error("audit", "err", err)
		} else {
			c.log.Info("audit finished", "images", f.Stats.Images, "scanned", f.Stats.Scanned, "resumed", f.Stats.Resumed,
				"layer_reads", f.Stats.LayerReads, "distinct_layers", f.Stats.DistinctLayers)
		}
		last(auditDoneMsg{id: id, fleet: f, err: err})
	}()
	return waitForAudit(id, ch)
}

// stop cancels the running audit: the scans in hand are recorded as interrupted, and the
// next audit resumes what was recorded.
func (m *fleetModel) stop() {
	if m.running() && m.cancel != nil {
		m.cancel()
	}
}

// receive records an audit's message; it returns the command that reads the next one.
func (m *fleetModel) receive(msg tea.Msg) tea.Cmd {
	var id int
	switch msg := msg.(type) {
	case auditProgressMsg:
		id = msg.id
		if id == m.id {
			m.progress = msg.progress
		}
	case auditImageMsg:
		id = msg.id
		if id == m.id {
			m.done = append(m.done, msg)
		}
	case auditSkippedMsg:
		id = msg.id
		if id == m.id {
			m.skipped = append(m.skipped, msg.skip)
		}
	case auditDoneMsg:
		id = msg.id
		if id == m.id {
			m.elapsed = time.Since(m.started)
			m.fleet, m.err = msg.fleet, msg.err
			m.phase = auditDone
			if msg.fleet == nil {
				m.phase = auditFailed
			}
		}
	case auditClosedMsg:
		return nil
	}
	if id != m.id {
		return nil
	}
	m.build()
	if m.ch == nil {
		return nil
	}
	return waitForAudit(id, m.ch)
}

// SetSize gives the view its size.
func (m *fleetModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.bar.Width = max(min(w-30, 50), 10)
	m.build()
}

// Update handles keys.
func (m *fleetModel) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	k := m.keys
	switch {
	case keyMatches(km, k.Back):
		return send(backMsg{})
	case keyMatches(km, k.Audit):
		if m.running() {
			return setStatus("the audit is still running; x stops it")
		}
		return send(auditMsg{again: true})
	case keyMatches(km, k.Stop):
		if !m.running() {
			return setStatus("no audit is running")
		}
		m.stop()
		return setStatus("stopping the audit: what it recorded stays, and a resumes it")
	case keyMatches(km, k.Open):
		if r := m.selected(); r != nil {
			row := *r
			return send(openFleetImageMsg{row: row})
		}
	case keyMatches(km, k.NextSection, k.PrevSection):
		m.jumpSection(keyMatches(km, k.NextSection))
	case keyMatches(km, k.Up):
		m.moveTo(m.cursor - 1)
	case keyMatches(km, k.Down):
		m.moveTo(m.cursor + 1)
	case keyMatches(km, k.PageUp):
		m.moveTo(m.cursor - max(m.rows()/2, 1))
	case keyMatches(km, k.PageDown):
		m.moveTo(m.cursor + max(m.rows()/2, 1))
	case keyMatches(km, k.Top):
		m.moveTo(0)
		m.offset = 0
	case keyMatches(km, k.Bottom):
		m.moveTo(len(m.selectable) - 1)
	}
	return nil
}

// rows is how many lines fit inside the border.
func (m *fleetModel) rows() int { return max(m.height-2, 1) }

// selected is the row under the cursor, nil for none.
func (m *fleetModel) selected() *fleet.Row {
	if m.cursor < 0 || m.cursor >= len(m.selectable) {
		return nil
	}
	return m.lines[m.selectable[m.cursor]].row
}

// moveTo puts the cursor on the i-th selectable line and scrolls it into view.
func (m *fleetModel) moveTo(i int) {
	if len(m.selectable) == 0 {
		m.cursor = 0
		return
	}
	m.cursor = max(0, min(i, len(m.selectable)-1))
	m.scroll()
}

func (m *fleetModel) scroll() {
	if len(m.selectable) == 0 {
		return
	}
	line := m.selectable[m.cursor]
	// Keep the section's title in view when its first row is selected.
	top := line
	for _, s := range m.sections {
		if s < line && line-s <= 2 {
			top = s
		}
	}
	if top < m.offset {
		m.offset = top
	}
	if line >= m.offset+m.rows() {
		m.offset = line - m.rows() + 1
	}
	m.offset = max(0, min(m.offset, len(m.lines)-m.rows()))
}

// jumpSection moves the cursor to the first row of the next (or previous) section.
func (m *fleetModel) jumpSection(next bool) {
	if len(m.selectable) == 0 || len(m.sections) == 0 {
		return
	}
	line := m.selectable[m.cursor]
	cur := 0
	for i, s := range m.sections {
		if s <= line {
			cur = i
		}
	}
	for step := 1; step <= len(m.sections); step++ {
		i := cur + step
		if !next {
			i = cur - step
		}
		i = (i%len(m.sections) + len(m.sections)) % len(m.sections)
		end := len(m.lines)
		if i+1 < len(m.sections) {
			end = m.sections[i+1]
		}
		for j, l := range m.selectable {
			if l >= m.sections[i] && l < end {
				m.moveTo(j)
				m.offset = max(0, min(m.sections[i], len(m.lines)-m.rows()))
				return
			}
		}
	}
}

// build lays the view out anew: after each message of the audit and each resize.
func (m *fleetModel) build() {
	var sel *fleet.Row
	if r := m.selected(); r != nil {
		sel = r
	}
	m.lines, m.sections, m.selectable = nil, nil, nil
	if m.fleet != nil {
		m.buildFleet()
	} else {
		m.buildProgress()
	}
	for i, l := range m.lines {
		if l.row != nil {
			m.selectable = append(m.selectable, i)
		}
	}
	// The cursor stays on the image it was on.
	m.cursor = min(m.cursor, max(len(m.selectable)-1, 0))
	if sel != nil {
		for j, i := range m.selectable {
			if m.lines[i].row.Name == sel.Name {
				m.cursor = j
				break
			}
		}
	}
	m.scroll()
}

func (m *fleetModel) add(text string, row *fleet.Row) {
	m.lines = append(m.lines, fleetLine{text: text, row: row})
}

// wrap adds text (safe to show already) in as many lines as the width needs, each after pad.
func (m *fleetModel) wrap(pad, text string, style lipgloss.Style, row *fleet.Row) {
	w := max(m.width-2-len(pad), 10)
	for i, l := range strings.Split(ansi.Wrap(text, w, " ,"), "\n") {
		if i > 0 {
			row = nil
		}
		m.add(pad+style.Render(strings.TrimLeft(l, " ")), row)
	}
}

func (m *fleetModel) section(title string) {
	if len(m.lines) > 0 {
		m.add("", nil)
	}
	m.sections = append(m.sections, len(m.lines))
	m.add(m.c.styles.PaneTitle.Render(title), nil)
}

// buildProgress lays out the audit while it runs (or when it failed before its fleet).
func (m *fleetModel) buildProgress() {
	st := m.c.styles
	m.wrap("", "Audit as one fleet, as strata audit "+safeText(strings.Join(m.paths, " "))+" does it:", lipgloss.NewStyle(), nil)
	m.wrap("", "shared layers read once · every scan recorded in the history database · what is recorded already resumed", st.Dim, nil)
	m.add("", nil)
	switch m.phase {
	case auditFailed:
		m.add(st.Error.Render("the audit failed:"), nil)
		for _, l := range strings.Split(m.err.Error(), "\n") {
			m.add("  "+st.Error.Render(safeText(l)), nil)
		}
	case auditRunning:
		p := m.progress
		m.wrap("", p.String(), lipgloss.NewStyle(), nil)
		if p.Images > 0 || p.BytesTotal > 0 {
			m.add(m.bar.ViewAs(p.Fraction())+fmt.Sprintf(" %3.0f%%", 100*p.Fraction()), nil)
		}
	}
	if len(m.done) > 0 {
		m.section(fmt.Sprintf("Done (%d)", len(m.done)))
		for _, d := range m.done {
			m.add(fmt.Sprintf("  %-11s %s", d.state, safeText(m.short(d.image))), nil)
		}
	}
	m.skippedSection(m.skipped, nil)
}

// buildFleet lays out the fleet view: the totals, the images, the family forest, the
// implants and indicators several images share, the clean images, what could not be read.
func (m *fleetModel) buildFleet() {
	st := m.c.styles
	f := m.fleet
	inner := max(m.width-2, 20)
	for _, l := range fleetTotals(f, m.phase == auditDone && m.err != nil) {
		m.wrap("", l, lipgloss.NewStyle(), nil)
	}

	title := fmt.Sprintf("Images (%d)", len(f.Images))
	if len(m.paths) == 1 && m.short(filepath.Join(m.paths[0], "x")) == "x" {
		title += " under " + safeText(m.paths[0])
	}
	m.section(title)
	// Columns: verdict, image, top finding, base; the image, finding and base share what is
	// left. Narrower than that, each image takes two lines: its verdict and name, then its top
	// finding and base.
	const verdictW = 12
	wide := inner >= 110
	rest := max(inner-2-verdictW-4, 30)
	nameW, topW := rest*30/100, rest*32/100
	baseW := rest - nameW - topW
	if wide {
		m.add(st.Dim.Render(fmt.Sprintf("  %-*s %-*s  %-*s  %s", verdictW, "VERDICT", nameW, "IMAGE", topW, "TOP FINDING", "BASE")), nil)
	} else {
		m.add(st.Dim.Render(fmt.Sprintf("  %-*s %s", verdictW, "VERDICT", "IMAGE")), nil)
		m.add(st.Dim.Render(fmt.Sprintf("  %-*s %s", verdictW, "", "top finding · built on")), nil)
	}
	for i := range f.Images {
		r := &f.Images[i]
		verdict := report.FleetVerdict(*r)
		vs := st.Dim
		switch {
		case r.Status == fleet.StatusFailed || r.Status == fleet.StatusInterrupted || r.Status == fleet.StatusNotScanned:
			vs = st.Error
		case verdict == audit.VerdictClean:
			vs = st.Added
		case r.Top != nil:
			vs = st.severity(r.Top.Severity)
		}
		top := oneLine(report.FleetTop(*r))
		ts := st.Dim
		if r.Top != nil {
			ts = st.severity(r.Top.Severity)
		}
		var base string
		if r.Base != nil {
			b := *r.Base
			b.Name = m.short(b.Name)
			base = oneLine(report.FleetBase(&b))
		} else {
			base = oneLine(report.FleetBase(nil))
		}
		bs := st.Dim
		if r.Base != nil && r.Base.Trusted {
			bs = st.Added
		}
		v := vs.Render(fmt.Sprintf("%-*s", verdictW, truncate(verdict, verdictW)))
		if !wide {
			m.add("  "+v+" "+truncate(oneLine(m.rowName(*r)), inner-3-verdictW), r)
			pad := strings.Repeat(" ", 3+verdictW)
			if r.Top == nil {
				top = "no finding"
			}
			m.add(pad+ts.Render(truncate(top, inner-len(pad))), nil)
			m.add(pad+bs.Render(truncate("on "+base, inner-len(pad))), nil)
			continue
		}
		m.add("  "+v+" "+
			fmt.Sprintf("%-*s", nameW, truncate(oneLine(m.rowName(*r)), nameW))+"  "+
			ts.Render(fmt.Sprintf("%-*s", topW, truncate(top, topW)))+"  "+
			bs.Render(truncate(base, baseW)), r)
	}

	names := report.FleetNames(f)
	for k, v := range names {
		names[k] = m.short(v)
	}
	byName := map[string]*fleet.Row{}
	for i := range f.Images {
		byName[f.Images[i].Name] = &f.Images[i]
	}
	m.section("Families (shared layer chains)")
	if len(f.Families) == 0 {
		m.add(st.Dim.Render("  none: no two images share their bottom layer"), nil)
	}
	var tree func(fs []*fleet.Family, prefix string)
	tree = func(fs []*fleet.Family, prefix string) {
		for i, fam := range fs {
			branch, next := "├─ ", "│  "
			if i == len(fs)-1 {
				branch, next = "└─ ", "   "
			}
			if prefix == "" {
				branch, next = "", "  "
			}
			var row *fleet.Row
			if len(fam.Images) > 0 {
				row = byName[fam.Images[0]]
			}
			text := oneLine(report.FleetFamily(fam, names))
			if fam.Trusted {
				text = st.Added.Render(text)
			}
			m.add("  "+st.Dim.Render(prefix+branch)+text, row)
			tree(fam.Children, prefix+next)
		}
	}
	tree(f.Families, "")

	m.section(fmt.Sprintf("Implants and indicators in more than one image (%d)", len(f.Shared)))
	if len(f.Shared) == 0 {
		m.add(st.Dim.Render("  none"), nil)
	}
	pad := "             "
	for _, s := range f.Shared {
		head := fmt.Sprintf("%-9s %s %s in %d images: %s", severityLabel(s.Severity), s.Category,
			oneLine(report.FleetIndicator(s)), len(s.Images), oneLine(s.Title))
		m.add("  "+st.severity(s.Severity).Render(truncate(head, inner-2)), byName[s.IntroducedBy])
		intro := "introduced by " + oneLine(names[s.IntroducedBy]) + " " + report.FleetPlace(s.Layer, s.DiffID)
		if s.Inherited > 0 {
			intro += fmt.Sprintf(", inherited by %d", s.Inherited)
		}
		m.wrap(pad, intro, lipgloss.NewStyle(), nil)
		if len(s.Paths) > 0 {
			m.wrap(pad, "paths: "+oneLine(strings.Join(s.Paths, ", ")), st.Dim, nil)
		}
		var imgs []string
		for _, n := range s.Images {
			imgs = append(imgs, m.short(n))
		}
		m.wrap(pad, "images: "+oneLine(strings.Join(imgs, ", ")), st.Dim, nil)
	}

	m.section(fmt.Sprintf("Clean (%d)", len(f.Clean)))
	if len(f.Clean) == 0 {
		m.add(st.Dim.Render("  none"), nil)
	}
	for _, c := range f.Clean {
		m.add("  "+st.Added.Render(truncate(oneLine(names[c]), inner-2)), byName[c])
	}

	var failed []*fleet.Row
	for i := range f.Images {
		if r := &f.Images[i]; r.Status != fleet.StatusScanned && r.Status != fleet.StatusResumed {
			failed = append(failed, r)
		}
	}
	m.skippedSection(f.Skipped, failed)
}

// skippedSection lists the images that could not be scanned and the inputs that hold none.
func (m *fleetModel) skippedSection(skipped []fleet.Skipped, failed []*fleet.Row) {
	if len(skipped) == 0 && len(failed) == 0 {
		return
	}
	st := m.c.styles
	inner := max(m.width-2, 20)
	var parts []string
	if len(failed) > 0 {
		parts = append(parts, fmt.Sprintf("Not scanned (%d)", len(failed)))
	}
	if len(skipped) > 0 {
		parts = append(parts, fmt.Sprintf("Skipped (%d, no image)", len(skipped)))
	}
	m.section(strings.Join(parts, " · "))
	for _, r := range failed {
		why := r.Status
		if r.Error != "" {
			why += ": " + r.Error
		}
		m.add("  "+st.Error.Render(truncate(oneLine(m.short(r.Name))+": "+oneLine(why), inner-2)), r)
	}
	for _, s := range skipped {
		m.add("  "+st.Dim.Render(truncate(oneLine(m.short(s.Path))+": "+oneLine(s.Reason), inner-2)), nil)
	}
}

// fleetTotals are the first lines of the fleet view: how many images, their verdicts, what
// was read.
func fleetTotals(f *fleet.Fleet, stopped bool) []string {
	st := f.Stats
	counts := map[string]int{}
	for _, r := range f.Images {
		counts[report.FleetVerdict(r)]++
	}
	var verdicts []string
	for _, v := range []string{audit.VerdictSuspicious, audit.VerdictReview, audit.VerdictClean, fleet.StatusFailed,
		fleet.StatusInterrupted, fleet.StatusNotScanned} {
		if counts[v] > 0 {
			verdicts = append(verdicts, fmt.Sprintf("%d %s", counts[v], v))
		}
	}
	head := fmt.Sprintf("%d image%s: %s", st.Images, plural(st.Images), strings.Join(verdicts, ", "))
	if stopped {
		head += " (the audit was stopped: a resumes it)"
	}
	runs := fmt.Sprintf("%d scanned, %d resumed (recorded before with the same input and rules)", st.Scanned, st.Resumed)
	if st.DistinctLayers > 0 {
		once := "each read once"
		if st.LayerReads != st.DistinctLayers {
			once = fmt.Sprintf("%d reads", st.LayerReads)
		}
		runs += fmt.Sprintf(" · %d distinct layers, %s, %d from the layer cache · %s read", st.DistinctLayers, once,
			st.LayersCached, human.Size(st.BytesRead))
	}
	return []string{head, runs}
}

// rowName names an image with its tags.
func (m *fleetModel) rowName(r fleet.Row) string {
	if len(r.Tags) == 0 {
		return m.short(r.Name)
	}
	return m.short(r.Name) + " (" + strings.Join(r.Tags, ", ") + ")"
}

// short names what the audit found under a directory given by its path below that
// directory (the view's header names it): an export's images differ by their last parts.
func (m *fleetModel) short(name string) string {
	for _, p := range m.paths {
		dir := filepath.Clean(p)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		if rest, ok := strings.CutPrefix(name, dir+string(filepath.Separator)); ok && rest != "" {
			return rest
		}
	}
	return name
}

// statusLine is the running audit in a few words, for the status line of the other views.
func (m *fleetModel) statusLine() string {
	p := m.progress
	parts := []string{"auditing"}
	if p.Images > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d images", p.ImagesDone, p.Images))
	} else if p.Phase != "" {
		parts = append(parts, p.Phase)
	}
	if p.BytesTotal > 0 {
		total := human.Size(p.BytesTotal)
		if p.Estimated {
			total = "~" + total
		}
		parts = append(parts, human.Size(p.BytesDone)+" of "+total)
	}
	if p.Left > 0 {
		parts = append(parts, p.Left.Round(time.Second).String()+" left")
	}
	return strings.Join(parts, " · ") + " (a: fleet view)"
}

// title is the view's title in its border.
func (m *fleetModel) title() string {
	switch {
	case m.running():
		return "Fleet audit · running"
	case m.fleet != nil:
		return fmt.Sprintf("Fleet · %d image%s", len(m.fleet.Images), plural(len(m.fleet.Images)))
	}
	return "Fleet audit"
}

// View draws the view.
func (m *fleetModel) View() string {
	st := m.c.styles
	rows := m.rows()
	end := min(m.offset+rows, len(m.lines))
	cur := -1
	if m.cursor < len(m.selectable) {
		cur = m.selectable[m.cursor]
	}
	var out []string
	for i := m.offset; i < end; i++ {
		l := m.lines[i].text
		if i == cur {
			l = st.Cursor.Render(">") + l[1:]
		}
		out = append(out, l)
	}
	title := m.title()
	if len(m.lines) > rows {
		title += fmt.Sprintf(" · lines %d-%d of %d", m.offset+1, end, len(m.lines))
	}
	return box(st, title, out, m.width, m.height, true)
}

// ShortHelp is the help line of the view.
func (m *fleetModel) ShortHelp() []key.Binding {
	k, g := m.keys, m.c.keys.Global
	if m.running() {
		return []key.Binding{k.Up, k.Down, k.Open, k.Stop, k.Back, g.Help, g.Quit}
	}
	return []key.Binding{k.Up, k.Down, k.Open, k.NextSection, k.Audit, k.Back, g.Help, g.Quit}
}

// FullHelp lists every key of the view.
func (m *fleetModel) FullHelp() [][]key.Binding {
	k, g := m.keys, m.c.keys.Global
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Open, k.NextSection, k.PrevSection, k.Back},
		{k.Audit, k.Stop, g.Help, g.Quit}}
}
