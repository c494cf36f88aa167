package tui

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/fleet"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics/human"
)

// openImageMsg asks the root to open the image view of an image.
type openImageMsg struct{ index int }

// imagesModel is the Images view: the images given, how far loading each has got, and their
// identity.
type imagesModel struct {
	c      *common
	images []*imageState
	width  int
	height int
	cursor int
	bar    progress.Model
	// marked are the images marked for a comparison, in the order marked: the first is the
	// original, the second the suspect.
	marked []int
	// stored are the images of the history store; those also open here are not listed twice.
	stored []storedImage
	// skipped are the paths under the directories given that hold no image, and why.
	skipped []fleet.Skipped
}

// visibleStored returns the stored images that are not among the images open here.
func (m *imagesModel) visibleStored() []storedImage {
	if len(m.stored) == 0 {
		return nil
	}
	open := map[string]bool{}
	// Images not opened yet (those of a big export wait to be asked for) are known by their
	// input: a stored image recorded from it is listed here already.
	given := map[string]bool{}
	for _, s := range m.images {
		if s.img != nil {
			open[s.img.ConfigDigest] = true
		}
		if s.stored != nil {
			open[s.stored.ConfigDigest] = true
		}
		if s.img == nil && s.phase != phaseFailed {
			given[absPath(s.ref)] = true
		}
	}
	var out []storedImage
outer:
	for _, x := range m.stored {
		if open[x.img.ConfigDigest] {
			continue
		}
		for _, in := range x.img.Inputs {
			if given[absPath(in)] {
				continue outer
			}
		}
		out = append(out, x)
	}
	return out
}

// absPath is p made absolute, as cleaned as it can be.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// order returns the images' indices in the order they are listed: each input where it was
// found, the images it holds under it in their order in the input.
func (m *imagesModel) order() []int {
	idx := make([]int, len(m.images))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		x, y := m.images[a], m.images[b]
		return cmp.Or(cmp.Compare(x.input, y.input), cmp.Compare(x.sub, y.sub))
	})
	return idx
}

// selectedImage returns the index of the image under the cursor, or -1 when the cursor is on
// a stored image.
func (m *imagesModel) selectedImage() int {
	if m.cursor < 0 || m.cursor >= len(m.images) {
		return -1
	}
	return m.order()[m.cursor]
}

// rows is how many rows the cursor moves over: the images here, then the stored ones.
func (m *imagesModel) rows() int { return len(m.images) + len(m.visibleStored()) }

func newImagesModel(c *common, images []*imageState) *imagesModel {
	return &imagesModel{c: c, images: images,
		bar: progress.New(progress.WithSolidFill("#7571F9"), progress.WithoutPercentage(), progress.WithColorProfile(lipgloss.ColorProfile()))}
}

// SetSize gives the view its size.
func (m *imagesModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.bar.Width = max(min(w-30, 40), 10)
}

// Update handles keys.
func (m *imagesModel) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	k := m.c.keys.Images
	switch {
	case keyMatches(km, k.Up):
		m.cursor = max(m.cursor-1, 0)
	case keyMatches(km, k.Down):
		m.cursor = max(min(m.cursor+1, m.rows()-1), 0)
	case keyMatches(km, k.Top):
		m.cursor = 0
	case keyMatches(km, k.Bottom):
		m.cursor = max(m.rows()-1, 0)
	case keyMatches(km, k.Open):
		if i := m.selectedImage(); i >= 0 {
			return func() tea.Msg { return openImageMsg{index: i} }
		}
		if vis := m.visibleStored(); m.cursor-len(m.images) < len(vis) {
			img := vis[m.cursor-len(m.images)].img
			return func() tea.Msg { return openStoredMsg{img: img} }
		}
	case m.cursor >= len(m.images) && keyMatches(km, k.Mark, k.Scan):
		return setStatus("open the stored image first (enter); then it can be scanned and compared")
	case keyMatches(km, k.Mark):
		m.toggleMark(m.selectedImage())
	case keyMatches(km, k.Diff):
		switch {
		case len(m.marked) == 2:
			o, s := m.marked[0], m.marked[1]
			return func() tea.Msg { return diffImagesMsg{orig: o, susp: s} }
		case len(m.marked) == 0 && len(m.images) == 2:
			return func() tea.Msg { return diffImagesMsg{orig: 0, susp: 1} }
		}
		return setStatus("mark two images with space, the original first, then press d")
	case keyMatches(km, k.Scan):
		if i := m.selectedImage(); i >= 0 {
			return func() tea.Msg { return scanImageMsg{index: i} }
		}
	case keyMatches(km, k.Audit):
		return send(auditMsg{})
	}
	return nil
}

// toggleMark marks or unmarks an image; marking a third drops the oldest mark.
func (m *imagesModel) toggleMark(i int) {
	if i < 0 || i >= len(m.images) {
		return
	}
	for j, x := range m.marked {
		if x == i {
			m.marked = append(m.marked[:j], m.marked[j+1:]...)
			return
		}
	}
	m.marked = append(m.marked, i)
	if len(m.marked) > 2 {
		m.marked = m.marked[1:]
	}
}

// markLabel says what role a marked image plays in the comparison.
func (m *imagesModel) markLabel(i int) string {
	for j, x := range m.marked {
		if x == i {
			if j == 0 {
				return "[original]"
			}
			return "[suspect]"
		}
	}
	return ""
}

// View draws the list, three or four lines an image.
func (m *imagesModel) View() string {
	st := m.c.styles
	inner := m.width - 2
	var lines []string
	vis := m.visibleStored()
	if len(m.images) == 0 && len(vis) > 0 {
		lines = append(lines, "No image was given on the command line; the history store's images are below.", "")
	}
	if len(m.images) == 0 && len(vis) == 0 {
		lines = append(lines,
			"No image was given.",
			"",
			"Quit (q) and name one or more images on the command line:",
			"  strata tui IMAGE...",
			"where IMAGE is a docker save tarball, an OCI archive or layout, or a root filesystem",
			"directory (dir:PATH).")
	}
	cursorLine, cursorEnd := 0, 0
	for pos, i := range m.order() {
		s := m.images[i]
		cur := "  "
		if pos == m.cursor {
			cur = "> "
			cursorLine = len(lines)
		}
		name := safeText(filepath.Base(s.ref))
		status := ""
		switch s.phase {
		case phaseWaiting:
			status = st.Dim.Render("waiting")
			if s.deferred {
				status = st.Dim.Render("not opened · enter opens it")
			}
		case phaseOpening:
			status = st.Dim.Render("opening…")
		case phaseReading:
			status = fmt.Sprintf("reading layers %d/%d ", s.read, len(s.layers)) +
				m.bar.ViewAs(float64(s.read)/float64(max(len(s.layers), 1)))
		case phaseReady:
			status = st.Added.Render("ready") + st.Dim.Render(" · enter to open")
		case phaseFailed:
			status = st.Error.Render("failed")
			if s.walked {
				status = st.Dim.Render("no image")
			}
		}
		head := cur + fmt.Sprintf("%d  %s", pos+1, name)
		if pos == m.cursor {
			head = st.Cursor.Render(head)
		} else {
			head = st.PaneTitle.Render(head)
		}
		if mark := m.markLabel(i); mark != "" {
			head += " " + st.Marked.Render(mark)
		}
		lines = append(lines, head+"  "+status)
		pad := "     "
		// The image's lines under its head; the cursor's image ends where they do.
		func() {
			if s.phase == phaseFailed && s.walked {
				// Found by walking a directory: a file among the images that is none.
				lines = append(lines, pad+st.Dim.Render(truncate(oneLine(s.err.Error()), max(inner-len(pad), 10))), "")
				return
			}
			if s.phase == phaseFailed {
				for _, l := range strings.Split(ansi.Hardwrap(safeText(s.err.Error()), max(inner-len(pad), 10), true), "\n") {
					lines = append(lines, pad+st.Error.Render(l))
				}
				lines = append(lines, "")
				return
			}
			if s.img == nil {
				lines = append(lines, pad+st.Dim.Render(safeText(s.ref)), "")
				return
			}
			img := s.img
			tags := "untagged"
			if len(img.Tags) > 0 {
				tags = safeText(strings.Join(img.Tags, ", "))
			}
			// Long lines wrap rather than lose their ends: the reference and the digests are
			// evidence a responder copies.
			add := func(style lipgloss.Style, text string) {
				for _, l := range strings.Split(ansi.Wrap(text, max(inner-len(pad), 10), ""), "\n") {
					lines = append(lines, pad+style.Render(l))
				}
			}
			plain := lipgloss.NewStyle()
			from := fmt.Sprintf("(%s, %s)", img.Input.Format, safeText(s.ref))
			if ansi.StringWidth(tags+"  "+from) <= inner-len(pad) {
				lines = append(lines, pad+tags+st.Dim.Render("  "+from))
			} else {
				add(plain, tags)
				add(st.Dim, from)
			}
			created := "created -"
			if !img.Created.IsZero() {
				created = "created " + img.Created.UTC().Format("2006-01-02 15:04") + " UTC"
			}
			add(plain, fmt.Sprintf("digest %s · %s · %d layers · %s/%s", human.ShortDigest(img.Digest), created, len(s.layers), img.OS, img.Architecture))
			if s.inputSHA256 != "" {
				add(st.Dim, "input sha256 "+s.inputSHA256)
			}
			if n := len(img.Anomalies); n > 0 {
				lines = append(lines, pad+st.Warning.Render(fmt.Sprintf("! %d anomalies in the image's identity or history", n)))
			}
			if x := m.storedOf(img.ConfigDigest); x != nil {
				add(st.Dim, "history: "+storedSummary(x))
			}
			if sc := s.scan; sc != nil {
				switch sc.phase {
				case scanRunning:
					lines = append(lines, pad+fmt.Sprintf("%s · %d found so far", sc.progress.String(), len(sc.findings)))
				case scanFailed:
					lines = append(lines, pad+st.Error.Render("scan failed: "+safeText(sc.err.Error())))
				case scanDone:
					add(st.severity(topSeverity(sc)), "scan: "+safeText(sc.result.Headline()))
				}
			}
			lines = append(lines, "")
		}()
		if pos == m.cursor {
			cursorEnd = len(lines)
		}
	}
	if len(vis) > 0 {
		lines = append(lines, st.PaneTitle.Render(fmt.Sprintf("In the history store (%d more) · enter opens one from its recorded input", len(vis))), "")
	}
	for j, x := range vis {
		i := len(m.images) + j
		cur := "  "
		if i == m.cursor {
			cur = "> "
			cursorLine = len(lines)
		}
		head := cur + fmt.Sprintf("S%d %s", j+1, storedTags(x.img))
		if i == m.cursor {
			head = st.Cursor.Render(head)
		} else {
			head = st.PaneTitle.Render(head)
		}
		if x.img.Trusted {
			head += " " + st.Added.Render("[trusted]")
		}
		pad := "     "
		lines = append(lines, head+st.Dim.Render(fmt.Sprintf("  %s · %d layers · %s", human.ShortDigest(x.img.ConfigDigest), len(x.img.Chain), x.img.Platform())))
		style := st.Dim
		if x.last != nil {
			if top, _ := summaryTop(x.last.Summary); top >= audit.Medium {
				style = st.severity(top)
			}
		}
		lines = append(lines, pad+style.Render(truncate(storedSummary(&x), max(inner-len(pad), 10))))
		if n := len(x.img.Inputs); n > 0 {
			lines = append(lines, pad+st.Dim.Render(truncate("from "+safeText(x.img.Inputs[n-1]), max(inner-len(pad), 10))))
		}
		lines = append(lines, "")
		if i == m.cursor {
			cursorEnd = len(lines)
		}
	}
	if len(m.skipped) > 0 {
		lines = append(lines, st.PaneTitle.Render(fmt.Sprintf("Skipped (%d, no image)", len(m.skipped))))
		for _, sk := range m.skipped {
			lines = append(lines, "  "+st.Dim.Render(truncate(oneLine(sk.Path)+": "+oneLine(sk.Reason), max(inner-2, 10))))
		}
	}
	// Scroll so that the selected image's lines are on screen.
	if rows := m.height - 2; cursorEnd > rows {
		lines = lines[min(cursorEnd-rows, cursorLine):]
	}
	title := fmt.Sprintf("Images (%d)", len(m.images))
	if len(vis) > 0 {
		title = fmt.Sprintf("Images (%d, and %d in the history store)", len(m.images), len(vis))
	}
	return box(st, title, lines, m.width, m.height, true)
}

// ShortHelp is the help line of the view.
func (m *imagesModel) ShortHelp() []key.Binding {
	k, g := m.c.keys.Images, m.c.keys.Global
	if len(m.images) < 2 {
		return []key.Binding{k.Up, k.Down, withHelp(k.Open, "enter", "open image"), withHelp(k.Scan, "s", "scan"),
			withHelp(k.Audit, "a", "audit"), g.Help, g.Quit}
	}
	bs := []key.Binding{k.Up, k.Down, withHelp(k.Open, "enter", "open"), withHelp(k.Scan, "s", "scan"),
		withHelp(k.Mark, "space", "mark"), withHelp(k.Diff, "d", "diff"), withHelp(k.Audit, "a", "audit all")}
	return append(bs, g.Help, g.Quit)
}

// FullHelp lists every key of the view.
func (m *imagesModel) FullHelp() [][]key.Binding {
	k, g := m.c.keys.Images, m.c.keys.Global
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {withHelp(k.Open, "enter", "open image"), withHelp(k.Scan, "s", "scan image"), g.Help, g.Quit},
		{withHelp(k.Mark, "space", "mark original, then suspect"), withHelp(k.Diff, "d", "diff the two marked")},
		{withHelp(k.Audit, "a", "audit every image as one fleet")}}
}

func topSeverity(sc *scanState) audit.Severity {
	if sc.result == nil || len(sc.result.Findings) == 0 {
		return audit.Info
	}
	return sc.result.Findings[0].Severity
}

// storedTags names a stored image by its tags.
func storedTags(img *history.Image) string {
	if len(img.Tags) == 0 {
		return "untagged"
	}
	return safeText(strings.Join(img.Tags, ", "))
}

// storedOf returns the stored image with a config digest, nil for none.
func (m *imagesModel) storedOf(digest string) *storedImage {
	for i := range m.stored {
		if m.stored[i].img.ConfigDigest == digest {
			return &m.stored[i]
		}
	}
	return nil
}

// storedSummary says what the history knows of an image: its latest scan and its findings by
// severity, or when it was last read.
func storedSummary(x *storedImage) string {
	if x.last == nil {
		return "never scanned · last read " + stamp(x.img.LastSeen) + " UTC"
	}
	return fmt.Sprintf("last scan %s UTC: %s · %s · %d scan%s", stamp(x.last.Started), x.last.Verdict, summaryText(x.last.Summary),
		x.scans, plural(x.scans))
}
