package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/strata-forensics/strata/audit/fleet"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
)

// Options configure the workbench.
type Options struct {
	// Refs are the images to open, as the command line gave them. A directory that is no
	// image itself (a registry export: neither an OCI layout nor a root filesystem) stands
	// for every image under it, found as strata audit finds them; an input that holds several
	// images (an OCI layout's index, a multi-image docker archive) is one image each.
	Refs []string
	// Workspace opens images (temporary files in its data directory) and records the
	// comparisons made here; required.
	Workspace *casework.Workspace
	// Logger receives the workbench's log; nil discards it. It must not write to the terminal.
	Logger *slog.Logger
	// KeyMap and Styles replace the defaults when set.
	KeyMap *KeyMap
	Styles *Styles

	// Scanner gives the scanner scans and comparisons run (the same strata scan uses: layer
	// cache, record); without it the workbench cannot scan. It is called off the UI goroutine
	// when the first scan starts, so compiling rules does not delay opening images; the
	// caller closes the scanner after Run returns.
	Scanner func(context.Context) (*casework.Scanner, error)
	// Scan scans every image as soon as it is open.
	Scan bool
	// Diff opens the comparison of the first two images (original, suspect) once both are
	// open.
	Diff bool

	// Store is the history database, nil for none. With it the workbench lists the images it
	// holds, shows each image's family, tag history and scan log, traces indicators, and builds
	// the tree of an image whose every layer it has indexed without reading the layers. The
	// caller owns it and closes it after Run returns.
	Store *history.Store
	// Trusted marks trusted images in the family tree.
	Trusted []trust.Image
	// ShowSecrets shows secrets in the clear on the workbench's screen (strata tui
	// --show-secrets); exports are redacted whatever it says.
	ShowSecrets bool
	// Audit says how the Images view's audit runs (Jobs, Memory, Rescan, as strata audit's
	// flags); its Paths are the workbench's own.
	Audit casework.AuditOptions
}

type viewKind int

const (
	viewImages viewKind = iota
	viewImage
	viewDiff
	viewFleet
)

// Model is the root of the workbench: it routes keys and sizes to the view on screen and
// draws the header, status line and help around it.
type Model struct {
	c      *common
	cancel context.CancelFunc
	refs   []string
	loader *loader
	// loadJobs counts the jobs given to the loader; loadReading is set while a reader of its
	// channel is out. pendingOpen is an image to show as soon as it is open, -1 for none.
	loadJobs    int
	loadReading bool
	pendingOpen int

	images  []*imageState
	list    *imagesModel
	views   map[int]*imageModel // image views by image index, kept when leaving them
	current *imageModel
	view    viewKind
	// autoOpen opens the image view as soon as the only image given is open.
	autoOpen bool
	// autoScan scans each image once it is open; autoDiff compares the first two.
	autoScan bool
	autoDiff bool

	diffs    map[[2]int]*diffModel // comparisons by (original, suspect), kept when leaving them
	diff     *diffModel
	diffBack viewKind // where esc leaves the diff view for

	// paths are the paths the workbench was given, which its audit covers (as strata audit
	// PATH... would); fleet is the fleet view, nil before the first audit.
	paths []string
	fleet *fleetModel
	// imageBack is where esc leaves the image view for; pendingBack is the imageBack of the
	// image opened once it is open, and pendingScan the recorded scan to show in it.
	imageBack, pendingBack viewKind
	pendingScan            int64

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
	c := &common{ctx: ctx, keys: opts.KeyMap, styles: opts.Styles, log: log, scanner: opts.Scanner,
		work: opts.Workspace, store: opts.Store, trusted: opts.Trusted, audit: opts.Audit}
	if c.keys == nil {
		c.keys = DefaultKeyMap()
	}
	if c.styles == nil {
		c.styles = DefaultStyles()
	}
	refs, skipped := casework.ExpandRefs(opts.Refs)
	m := &Model{c: c, cancel: cancel, refs: refs, paths: opts.Refs, views: map[int]*imageModel{}, diffs: map[[2]int]*diffModel{}, pendingOpen: -1,
		autoOpen: len(refs) == 1 && !opts.Diff, autoScan: opts.Scan, autoDiff: opts.Diff && len(refs) >= 2}
	given := map[string]bool{}
	for _, ref := range opts.Refs {
		given[ref] = true
	}
	// The images of a big export are opened when asked for: each open image holds temporary
	// files (an oci-archive's extraction) and its layers are read, which the audit does anyway.
	lazy := len(refs) > eagerImages
	for i, ref := range refs {
		m.images = append(m.images, &imageState{index: i, input: i, ref: ref, walked: !given[ref], deferred: lazy && !given[ref]})
	}
	m.list = newImagesModel(c, m.images)
	m.list.skipped = skipped
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
	if opts.Workspace == nil {
		return errors.New("starting the workbench: no workspace to open images in")
	}
	// Colour detection happens here, not when the program starts: the strata binary keeps the
	// terminal from being queried while its packages initialise, so the renderer is made anew
	// and asks the terminal now, before the program takes it over and would swallow the answer.
	r := lipgloss.NewRenderer(os.Stdout)
	if termenv.EnvNoColor() {
		r.SetColorProfile(termenv.Ascii)
	}
	r.ColorProfile()
	r.HasDarkBackground()
	lipgloss.SetDefaultRenderer(r)
	evidence = report.Filter{ShowSecrets: opts.ShowSecrets}
	m := New(ctx, opts)
	defer m.Close()
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}, progOpts...)...)
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Close stops loading, scans and comparisons, and closes every image that was opened.
func (m *Model) Close() error {
	m.cancel()
	m.c.bg.Wait()
	if m.loader != nil {
		m.loader.wait()
		return m.loader.closeAll()
	}
	return nil
}

// Init starts loading the images and listing those of the history store.
func (m *Model) Init() tea.Cmd {
	var cmds []tea.Cmd
	if m.c.work != nil {
		var jobs []loadJob
		for i, s := range m.images {
			if !s.deferred {
				jobs = append(jobs, loadJob{index: i, ref: s.ref})
			}
		}
		m.loader = startLoader(m.c.ctx, m.c.work, m.c.store, jobs, m.c.log)
		m.loadJobs, m.loadReading = len(jobs), true
		cmds = append(cmds, waitForLoad(m.loader.ch))
	}
	if m.c.store != nil {
		cmds = append(cmds, readStored(m.c.ctx, m.c.store, m.c.trusted))
	}
	return tea.Batch(cmds...)
}

// addImage adds an image to the workbench and has the loader open it.
func (m *Model) addImage(ref string, stored *history.Image) (int, tea.Cmd) {
	i := m.listImage(ref, -1)
	m.images[i].stored = stored
	return i, m.queueLoad(loadJob{index: i, ref: ref})
}

// listImage adds an image to the Images list, under the image of the input it came from when
// input is one (-1 when none), and returns its index.
func (m *Model) listImage(ref string, input int) int {
	i := len(m.images)
	if input < 0 || input >= len(m.images) {
		input = i
	} else {
		input = m.images[input].input
	}
	m.images = append(m.images, &imageState{index: i, input: input, ref: ref})
	m.list.images = m.images
	return i
}

// findInput returns the index of the image listed for the input at path (the input itself,
// not opened yet, or its first image), or -1.
func (m *Model) findInput(path string) int {
	want := absPath(path)
	for i, s := range m.images {
		if i == s.input && (absPath(s.ref) == want || s.img != nil && absPath(s.img.Input.Path) == want) {
			return i
		}
	}
	return -1
}

// findImage returns the index of the image listed as ref, or -1.
func (m *Model) findImage(ref string) int {
	for i, s := range m.images {
		if s.ref == ref {
			return i
		}
	}
	return -1
}

// queueLoad gives the loader a job and makes sure its channel is being read.
func (m *Model) queueLoad(job loadJob) tea.Cmd {
	if m.loader == nil {
		return nil
	}
	m.loader.add(job)
	m.loadJobs++
	if m.loadReading {
		return nil
	}
	m.loadReading = true
	return waitForLoad(m.loader.ch)
}

// Update routes one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return m, nil
	case imageOpeningMsg, imageOpenedMsg, layerReadMsg, layerViewsMsg, loadProgressMsg, imageReadyMsg, imageFailedMsg, inputHashMsg, rereadStartMsg:
		cmd := m.applyLoad(msg)
		return m, tea.Batch(waitForLoad(m.loader.ch), cmd)
	case imageExpandedMsg:
		return m, tea.Batch(waitForLoad(m.loader.ch), m.expand(msg))
	case auditMsg:
		return m, m.showFleet(msg.again)
	case auditProgressMsg, auditImageMsg, auditSkippedMsg, auditDoneMsg, auditClosedMsg:
		if m.fleet == nil {
			return m, nil
		}
		cmd := m.fleet.receive(msg)
		if done, ok := msg.(auditDoneMsg); ok && done.id == m.fleet.id {
			m.status = m.auditStatus()
			if m.c.store != nil {
				// The history now holds the audit's scans: the Images view lists them.
				cmd = tea.Batch(cmd, readStored(m.c.ctx, m.c.store, m.c.trusted))
			}
		}
		return m, cmd
	case openFleetImageMsg:
		return m, m.openFleetRow(msg.row)
	case recordedScanMsg:
		if msg.index < 0 || msg.index >= len(m.images) {
			return m, nil
		}
		s := m.images[msg.index]
		if msg.err != nil {
			m.status = "could not read the audit's scan of " + safeText(filepath.Base(s.ref)) + ": " + oneLine(msg.err.Error())
			return m, nil
		}
		if s.applyRecorded(msg) {
			if v := m.views[msg.index]; v != nil {
				v.findings.refresh()
			}
			m.status = fmt.Sprintf("tab 3: the findings of scan %d, recorded by the audit: %s", msg.scanID, oneLine(s.scan.result.Headline()))
		}
		return m, nil
	case historyLoadedMsg:
		if v := m.views[msg.index]; v != nil {
			v.history.receive(msg)
		}
		return m, nil
	case traceDoneMsg:
		if v := m.views[msg.index]; v != nil {
			v.history.receiveTrace(msg)
			if msg.err == nil {
				m.status = fmt.Sprintf("%d sighting%s of %s %s in the history store", len(msg.hits), plural(len(msg.hits)), msg.kind, safeText(msg.query))
			}
		}
		return m, nil
	case storedImagesMsg:
		if msg.err != nil {
			m.c.log.Error("listing the history store", "err", msg.err)
			m.status = "could not list the history store: " + safeText(msg.err.Error())
		}
		m.list.stored = msg.images
		return m, nil
	case openStoredMsg:
		return m, m.openStored(msg.img)
	case storedLocatedMsg:
		if msg.err != nil {
			m.status = safeText(msg.err.Error())
			return m, nil
		}
		i, cmd := m.addImage(msg.ref, msg.img)
		m.pendingOpen = i
		m.view = viewImages
		m.status = "opening " + safeText(msg.ref) + " (recorded in the history store)"
		return m, cmd
	case rereadMsg:
		if msg.index < 0 || msg.index >= len(m.images) {
			return m, nil
		}
		s := m.images[msg.index]
		m.status = "re-reading the layers of " + safeText(filepath.Base(s.ref)) + " from the evidence…"
		return m, m.queueLoad(loadJob{index: msg.index, ref: s.ref, img: s.img, reread: true, work: &s.work})
	case scanProgressMsg, scanFindingsMsg, scanDoneMsg:
		return m, m.applyScan(msg)
	case scanClosedMsg:
		return m, nil
	case diffReadyMsg:
		if d := m.diffs[[2]int{msg.orig, msg.susp}]; d != nil {
			d.receive(msg)
			if msg.err == nil {
				m.status = fmt.Sprintf("compared: %d changed paths, %d suspicious; enter reads the selected one's diff", len(msg.diff.Files), msg.diff.Summary.Suspicious)
				if msg.next != nil {
					m.status += "; scanning the suspect for findings"
				}
			}
		}
		return m, msg.next
	case diffFindingsMsg:
		if d := m.diffs[[2]int{msg.orig, msg.susp}]; d != nil {
			d.receiveFindings(msg)
			if msg.err == nil {
				m.status = fmt.Sprintf("%d findings about what changed (5)", len(msg.findings))
			}
		}
		return m, nil
	case diffFileMsg:
		if m.diff != nil {
			return m, m.diff.Update(msg)
		}
		return m, nil
	case statusMsg:
		m.status = msg.text
		return m, nil
	case diffImagesMsg:
		return m, m.openDiff(msg.orig, msg.susp)
	case scanImageMsg:
		return m, m.scanImage(msg.index)
	case loadDoneMsg:
		m.loadReading = false
		if msg.jobs >= 0 && msg.jobs < m.loadJobs && m.loader != nil {
			// Jobs were added after the loader last ran dry: keep reading.
			m.loadReading = true
			return m, waitForLoad(m.loader.ch)
		}
		m.c.log.Info("loading finished")
		return m, nil
	case openImageMsg:
		if woke, cmd := m.wake(msg.index); woke {
			m.pendingOpen, m.pendingBack = msg.index, viewImages
			return m, cmd
		}
		m.openImage(msg.index)
		return m, m.auditedScan(msg.index)
	case backMsg:
		switch m.view {
		case viewDiff:
			m.view = m.diffBack
			if m.view == viewImage && m.current == nil {
				m.view = viewImages
			}
		case viewImage:
			m.view = m.imageBack
			if m.view == viewFleet && m.fleet == nil {
				m.view = viewImages
			}
		default:
			m.view = viewImages
		}
		return m, nil
	case previewMsg:
		if m.current != nil {
			return m, m.current.Update(msg)
		}
		return m, nil
	case switchTabMsg, selectLayerMsg, showLayerMsg, showFileMsg, showStepMsg:
		return m, m.toImage(msg.(aboutImage))
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

func (m *Model) applyLoad(msg tea.Msg) tea.Cmd {
	index := msg.(aboutImage).imageIndex()
	if index < 0 || index >= len(m.images) {
		return nil
	}
	s := m.images[index]
	if f, ok := msg.(imageFailedMsg); ok {
		if s.rereading {
			m.status = "could not re-read the layers of " + safeText(filepath.Base(s.ref)) + ": " + safeText(f.err.Error()) + "; the tree is still the stored one"
		} else {
			m.status = "could not open " + safeText(filepath.Base(s.ref))
		}
	}
	var before []*forensics.LayerTree
	if r, ok := msg.(imageReadyMsg); ok && r.reread {
		before = s.trees
	}
	s.apply(msg)
	if _, ok := msg.(loadProgressMsg); ok {
		return nil
	}
	var cmds []tea.Cmd
	if v := m.views[index]; v != nil {
		v.refresh()
		if _, ok := msg.(imageOpenedMsg); ok && v.tab == tabHistory {
			cmds = append(cmds, v.history.load())
		}
	}
	if (m.autoOpen || m.pendingOpen == index) && (s.phase == phaseReading || s.phase == phaseReady) && (m.view == viewImages || m.view == viewFleet) {
		pending := m.pendingOpen == index
		m.autoOpen, m.pendingOpen = false, -1
		m.openImage(index)
		if pending {
			m.imageBack = m.pendingBack
			if m.pendingScan != 0 {
				cmds = append(cmds, m.c.readRecordedScan(index, m.pendingScan))
			} else {
				cmds = append(cmds, m.auditedScan(index))
			}
			m.pendingScan = 0
		}
	}
	if _, ok := msg.(imageFailedMsg); ok && m.pendingOpen == index {
		m.pendingOpen = -1
	}
	if r, ok := msg.(imageReadyMsg); ok {
		switch {
		case r.reread:
			if same, at := sameIndex(before, s.trees); same {
				m.status = fmt.Sprintf("re-read %d layers from the evidence: they match the stored index", len(s.trees))
			} else {
				m.status = fmt.Sprintf("re-read the layers from the evidence: layer %d DIFFERS from the stored index; the tree now shows the evidence", at)
			}
		case m.status == "" || strings.HasPrefix(m.status, "opening "):
			m.status = fmt.Sprintf("%s: %d layers, %d paths", safeText(filepath.Base(s.ref)), len(s.layers), s.tree.Len()-1)
			switch {
			case s.fromStore:
				m.status += " · tree from the history store"
			case r.stored > 0:
				m.status += fmt.Sprintf(" · %d of %d layers from the history store", r.stored, len(s.layers))
			}
		}
	}
	if r, ok := msg.(imageReadyMsg); ok && !r.reread {
		if m.autoScan {
			if v := m.views[index]; v != nil && m.current == v {
				v.tab = tabFindings
			}
			cmds = append(cmds, m.c.startScan(s))
		}
		if m.autoDiff && m.images[0].ready() && m.images[1].ready() {
			m.autoDiff = false
			cmds = append(cmds, m.openDiff(0, 1))
		}
	}
	return tea.Batch(cmds...)
}

// applyScan records a scan's message and re-arms the reader of its channel.
func (m *Model) applyScan(msg tea.Msg) tea.Cmd {
	var index, id int
	switch msg := msg.(type) {
	case scanProgressMsg:
		index, id = msg.index, msg.id
	case scanFindingsMsg:
		index, id = msg.index, msg.id
	case scanDoneMsg:
		index, id = msg.index, msg.id
	}
	if index < 0 || index >= len(m.images) {
		return nil
	}
	s := m.images[index]
	s.applyScan(msg)
	if v := m.views[index]; v != nil {
		v.findings.refresh()
	}
	if done, ok := msg.(scanDoneMsg); ok && s.scan != nil && s.scan.id == id {
		name := safeText(filepath.Base(s.ref))
		if done.err != nil {
			m.status = "scan of " + name + " failed: " + safeText(done.err.Error())
		} else {
			m.status = name + ": " + safeText(done.result.Headline())
		}
	}
	if s.scan == nil || s.scan.id != id || s.scan.ch == nil {
		return nil
	}
	return waitForScan(index, id, s.scan.ch)
}

// scanImage starts scanning an image from the Images view.
func (m *Model) scanImage(index int) tea.Cmd {
	if index < 0 || index >= len(m.images) {
		return nil
	}
	s := m.images[index]
	if !s.ready() {
		m.status = filepath.Base(s.ref) + " is not open yet"
		return nil
	}
	if s.scan.running() {
		m.status = "a scan of " + filepath.Base(s.ref) + " is already running"
		return nil
	}
	m.status = "scanning " + filepath.Base(s.ref) + "; open it (enter) and see tab 3 for the findings"
	return m.c.startScan(s)
}

// openDiff shows the comparison of two images, starting it the first time.
func (m *Model) openDiff(orig, susp int) tea.Cmd {
	if orig < 0 || susp < 0 || orig >= len(m.images) || susp >= len(m.images) || orig == susp {
		return nil
	}
	o, s := m.images[orig], m.images[susp]
	var cmds []tea.Cmd
	for _, i := range []int{orig, susp} {
		if _, cmd := m.wake(i); cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	for _, x := range []*imageState{o, s} {
		if !x.ready() {
			m.status = filepath.Base(x.ref) + " is not open yet; d compares once both are"
			return tea.Batch(cmds...)
		}
	}
	if m.view != viewDiff {
		m.diffBack = m.view
	}
	m.view = viewDiff
	k := [2]int{orig, susp}
	if d := m.diffs[k]; d != nil {
		m.diff = d
		m.resize()
		return nil
	}
	d := newDiffModel(m.c, o, s)
	m.diffs[k] = d
	m.diff = d
	m.resize()
	return m.c.startDiff(o, s)
}

// openStored opens an image listed from the history store: the workbench's own copy when it
// has one, else the evidence it was recorded from, when that is still there.
func (m *Model) openStored(img *history.Image) tea.Cmd {
	if img == nil || m.c.store == nil {
		return nil
	}
	for i, s := range m.images {
		if s.img != nil && s.img.ConfigDigest == img.ConfigDigest || s.stored != nil && s.stored.ConfigDigest == img.ConfigDigest {
			if s.phase == phaseFailed {
				m.view = viewImages
			}
			m.openImage(i)
			return nil
		}
	}
	ctx, store := m.c.ctx, m.c.store
	return func() tea.Msg {
		ref, err := locateInput(ctx, store, img)
		return storedLocatedMsg{img: img, ref: ref, err: err}
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
	m.imageBack = viewImages
	m.autoOpen = false
	m.resize()
}

// expand puts in place of an input that holds several images one image each: the first
// where the input was, the others listed under it (an image already listed, opened from the
// fleet view before its input was, keeps its place).
func (m *Model) expand(msg imageExpandedMsg) tea.Cmd {
	if msg.index < 0 || msg.index >= len(m.images) || len(msg.refs) == 0 {
		return nil
	}
	s := m.images[msg.index]
	m.status = fmt.Sprintf("%s holds %d images: each is listed", safeText(filepath.Base(s.ref)), len(msg.refs))
	if len(msg.refs) > 1 {
		m.autoOpen = false
	}
	// The input's row becomes its first image not listed already.
	refs := slices.Clone(msg.refs)
	if k := slices.IndexFunc(refs, func(r string) bool { return m.findImage(r) < 0 }); k > 0 {
		refs[0], refs[k] = refs[k], refs[0]
	}
	place := func(ref string) int { return slices.Index(msg.refs, ref) }
	s.ref, s.phase, s.err, s.sub = refs[0], phaseWaiting, nil, place(refs[0])
	cmds := []tea.Cmd{m.queueLoad(loadJob{index: msg.index, ref: refs[0]})}
	// The others are opened at once, unless the export is big: then when asked for.
	lazy := s.walked && len(m.images)+len(refs)-1 > eagerImages
	for _, ref := range refs[1:] {
		if j := m.findImage(ref); j >= 0 {
			m.images[j].input, m.images[j].sub = s.input, place(ref)
			continue
		}
		i := m.listImage(ref, msg.index)
		m.images[i].walked, m.images[i].sub = s.walked, place(ref)
		if lazy {
			m.images[i].deferred = true
			continue
		}
		cmds = append(cmds, m.queueLoad(loadJob{index: i, ref: ref}))
	}
	return tea.Batch(cmds...)
}

// showFleet shows the fleet view, auditing the paths given the first time (and again when
// asked: what is recorded is resumed).
func (m *Model) showFleet(again bool) tea.Cmd {
	if len(m.paths) == 0 {
		m.status = "no path was given to audit: strata tui PATH... audits the images under the paths"
		return nil
	}
	m.view = viewFleet
	if m.fleet == nil {
		m.fleet = newFleetModel(m.c, m.paths)
		m.fleet.SetSize(m.width, m.bodyHeight())
	} else if !again || m.fleet.running() {
		return nil
	}
	m.status = "auditing " + safeText(strings.Join(m.paths, " ")) + " as one fleet…"
	return m.fleet.start()
}

// auditStatus says how the audit ended.
func (m *Model) auditStatus() string {
	f := m.fleet
	switch {
	case f.fleet == nil && f.err != nil:
		return "the audit failed: " + oneLine(f.err.Error())
	case f.fleet == nil:
		return ""
	case f.err != nil:
		return fmt.Sprintf("audit stopped: %d of %d images scanned or resumed; a resumes it", f.fleet.Stats.Scanned+f.fleet.Stats.Resumed, f.fleet.Stats.Images)
	}
	st := f.fleet.Stats
	return fmt.Sprintf("audited %d image%s: %d scanned, %d resumed; enter opens the selected image", st.Images, plural(st.Images), st.Scanned, st.Resumed)
}

// eagerImages is how many images found under the directories given are opened at once; an
// export with more has each opened when it is asked for.
var eagerImages = 16

// wake has the loader open an image that waits to be asked for; it reports whether the image
// was waiting.
func (m *Model) wake(index int) (bool, tea.Cmd) {
	if index < 0 || index >= len(m.images) || !m.images[index].deferred {
		return false, nil
	}
	s := m.images[index]
	s.deferred = false
	m.status = "opening " + safeText(filepath.Base(s.ref)) + "…"
	return true, m.queueLoad(loadJob{index: index, ref: s.ref})
}

// auditedScan reads the scan the last audit recorded of an image that has no scan of its own
// here, to show in its Findings tab; nil when there is none.
func (m *Model) auditedScan(index int) tea.Cmd {
	if m.fleet == nil || m.fleet.fleet == nil || index < 0 || index >= len(m.images) || m.images[index].scan != nil {
		return nil
	}
	for _, r := range m.fleet.fleet.Images {
		if r.Name == m.images[index].ref && r.ScanID != 0 {
			return m.c.readRecordedScan(index, r.ScanID)
		}
	}
	return nil
}

// openFleetRow opens the image view of a row of the fleet: the workbench's own copy of the
// image when it has one, else the image is added and opened once it is.
func (m *Model) openFleetRow(r fleet.Row) tea.Cmd {
	for i, s := range m.images {
		same := s.ref == r.Name
		if !same && s.img != nil && r.ConfigDigest != "" {
			same = s.img.ConfigDigest == r.ConfigDigest && s.img.Input.Path == r.Input && s.img.Input.Selector == r.Selector
		}
		if !same {
			continue
		}
		switch s.phase {
		case phaseReading, phaseReady:
			m.openImage(i)
			m.imageBack = viewFleet
			return m.c.readRecordedScan(i, r.ScanID)
		case phaseFailed:
			m.status = "could not open " + safeText(r.Name) + ": " + oneLine(s.err.Error())
		default:
			_, cmd := m.wake(i)
			m.pendingOpen, m.pendingBack, m.pendingScan = i, viewFleet, r.ScanID
			m.status = "opening " + safeText(r.Name) + "…"
			return cmd
		}
		return nil
	}
	// An image of an input not opened yet (a multi-image archive or layout of a big export)
	// is listed under that input.
	input := -1
	if r.Selector != "" {
		input = m.findInput(r.Input)
	}
	i := m.listImage(r.Name, input)
	cmd := m.queueLoad(loadJob{index: i, ref: r.Name})
	m.pendingOpen, m.pendingBack, m.pendingScan = i, viewFleet, r.ScanID
	m.status = "opening " + safeText(r.Name) + "…"
	return cmd
}

func (m *Model) capturing() bool {
	return m.view == viewImage && m.current != nil && m.current.capturing() ||
		m.view == viewDiff && m.diff != nil && m.diff.capturing()
}

// toImage hands a message between the tabs of an image to that image's view.
func (m *Model) toImage(msg aboutImage) tea.Cmd {
	if v := m.views[msg.imageIndex()]; v != nil {
		return v.Update(msg)
	}
	return nil
}

// Messages from the Images view.
type (
	diffImagesMsg struct{ orig, susp int }
	scanImageMsg  struct{ index int }
)

func (m *Model) updateKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.keys.Global
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
		case m.showHelp && keyMatches(msg, k.CloseHelp):
			m.showHelp = false
			return nil
		}
	}
	if m.showHelp {
		return nil
	}
	m.status = ""
	switch {
	case m.view == viewDiff && m.diff != nil:
		return m.diff.Update(msg)
	case m.view == viewImage && m.current != nil:
		return m.current.Update(msg)
	case m.view == viewFleet && m.fleet != nil:
		return m.fleet.Update(msg)
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
	for _, d := range m.diffs {
		d.SetSize(m.width, h)
	}
	if m.fleet != nil {
		m.fleet.SetSize(m.width, h)
	}
	m.help.Width = m.width
}

type helpSource interface {
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

func (m *Model) active() helpSource {
	switch {
	case m.view == viewDiff && m.diff != nil:
		return m.diff
	case m.view == viewImage && m.current != nil:
		return m.current
	case m.view == viewFleet && m.fleet != nil:
		return m.fleet
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
	case m.view == viewDiff && m.diff != nil:
		body = m.diff.View()
	case m.view == viewImage && m.current != nil:
		body = m.current.View()
	case m.view == viewFleet && m.fleet != nil:
		body = m.fleet.View()
	default:
		body = m.list.View()
	}
	return joinRows(m.headerView(), body, m.statusView(), m.helpLine())
}

func (m *Model) headerView() string {
	st := m.c.styles
	title := st.Title.Render("strata")
	var parts []string
	switch {
	case m.view == viewDiff && m.diff != nil:
		parts = append(parts, st.TabActive.Render("[Diff]"), st.Header.Render(safeText(filepath.Base(m.diff.orig.ref))+" -> "+safeText(filepath.Base(m.diff.susp.ref))))
	case m.view == viewImage && m.current != nil:
		for i, name := range tabNames {
			label := fmt.Sprintf("%d %s", i+1, name)
			if tab(i) == tabFindings {
				label += m.current.findingsCount()
			}
			if tab(i) == m.current.tab {
				parts = append(parts, st.TabActive.Render("["+label+"]"))
			} else {
				parts = append(parts, st.TabPassive.Render(" "+label+" "))
			}
		}
		img := m.current.st
		name := safeText(filepath.Base(img.ref))
		if img.img != nil && len(img.img.Tags) > 0 {
			// The tag only when it fits: the file name is what the user typed.
			withTag := name + " · " + safeText(img.img.Tags[0])
			if lipgloss.Width(title+" "+strings.Join(parts, " ")+" "+withTag) <= m.width {
				name = withTag
			}
		}
		parts = append(parts, st.Header.Render(name))
	case m.view == viewFleet && m.fleet != nil:
		parts = append(parts, st.TabActive.Render("[Fleet]"), st.Header.Render(safeText(strings.Join(m.paths, " "))))
	default:
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
			s = "reading " + safeText(filepath.Base(img.ref)) + ": " + loadingText(img)
		case phaseReady:
			if img.rereading {
				s = fmt.Sprintf("re-reading %s from the evidence: %d/%d layers (the stored tree stays until then)", safeText(filepath.Base(img.ref)), img.read, len(img.layers))
			}
		}
		if s != "" {
			break
		}
	}
	if s == "" {
		for _, img := range m.images {
			if sc := img.scan; sc.running() && !(m.view == viewImage && m.current != nil && m.current.st == img && m.current.tab == tabFindings) {
				s = fmt.Sprintf("%s %s · %d found (tab 3: findings)", safeText(filepath.Base(img.ref)), sc.progress.String(), len(sc.findings))
				break
			}
		}
	}
	if s == "" && m.fleet != nil && m.fleet.running() && m.view != viewFleet {
		s = m.fleet.statusLine()
	}
	if s == "" {
		s = m.status
	}
	if s == "" && m.view == viewImage && m.current != nil && m.current.st.fromStore {
		s = "tree from the history store · contents from the evidence · R: read layers"
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
	switch {
	case m.view == viewDiff:
		lines = append(lines, "",
			dim("scr: how much a change matters, 0-100; 50 and over is suspicious"),
			dim("c: A added, D removed, M modified, H hidden (whited-out in a suspect layer)"),
			dim("(pkg): a package-manager change, folded until n shows it"))
	case m.view == viewFleet:
		lines = append(lines, "",
			dim("the audit is strata audit's: each distinct layer read once, every scan recorded in the"),
			dim("history database, images recorded with the same input and rules resumed, not scanned again"),
			dim("base: a trusted image (strata trust), else the image of the fleet with the longest shared chain"),
			dim("enter on a family, an indicator (its introducer) or a clean image opens that image"))
	case m.view == viewImage && m.current != nil && m.current.tab == tabHistory:
		lines = append(lines, "",
			dim("family: ^ ancestor (its layers are the bottom of this image's)  v descendant"),
			dim("        = same layers, other config  ~ shares the first layers only"),
			dim("tags: MOVED marks a sighting on a different image than the tag's last one"),
			dim("trace: the kind is picked from the indicator's shape; tab picks another"))
	case m.view == viewImage:
		lines = append(lines, "",
			dim("marks: A added  M modified  D removed (whiteout)  O opaque directory"),
			dim("       H not in the final filesystem (a later layer whited it out)"),
			dim("       blank: restated unchanged   ! layer or line with anomalies"))
	}
	return box(m.c.styles, "Keys · ? or esc to close", lines, m.width, m.bodyHeight(), true)
}
