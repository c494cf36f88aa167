package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/human"
)

// dockerfileModel is the Dockerfile tab: the reconstructed Dockerfile, one instruction a row,
// each tied to the layer it made; the selected instruction's layer and files beside it.
type dockerfileModel struct {
	c      *common
	st     *imageState
	keys   DockerfileKeyMap
	width  int
	height int
	cursor int
	offset int
}

func newDockerfileModel(c *common, st *imageState) *dockerfileModel {
	return &dockerfileModel{c: c, st: st, keys: c.keys.Dockerfile}
}

// Update handles a key: moving selects the instruction's layer in the Files tab too, enter
// shows the files that layer changed.
func (d *dockerfileModel) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	k := d.keys
	switch {
	case keyMatches(km, k.Back):
		return send(switchTabMsg{index: d.st.index, tab: tabFiles})
	case keyMatches(km, k.Open):
		if l := d.selectedLayer(); l >= 0 {
			return send(showLayerMsg{index: d.st.index, layer: l})
		}
		return nil
	}
	d.move(k.ListKeyMap, km)
	if l := d.selectedLayer(); l >= 0 {
		return send(selectLayerMsg{index: d.st.index, layer: l})
	}
	return nil
}

// capturing reports false: the tab takes no typed text.
func (d *dockerfileModel) capturing() bool { return false }

// ShortHelp is the help line of the tab.
func (d *dockerfileModel) ShortHelp() []key.Binding {
	k, ik := d.keys, d.c.keys.Image
	return []key.Binding{k.Up, k.Down, withHelp(k.Open, "enter", "open layer"), ik.Files, ik.Findings, k.Back, d.c.keys.Global.Help}
}

// FullHelp lists every key of the tab.
func (d *dockerfileModel) FullHelp() [][]key.Binding {
	k := d.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{withHelp(k.Open, "enter", "the files its layer changed"), withHelp(k.Back, "esc", "back to the files")}}
}

func (d *dockerfileModel) instructions() []forensics.Instruction {
	if d.st.dockerfile == nil {
		return nil
	}
	return d.st.dockerfile.Instructions
}

// SetSize gives the tab its size.
func (d *dockerfileModel) SetSize(w, h int) {
	d.width, d.height = w, h
	d.clamp()
}

func (d *dockerfileModel) wide() bool { return d.width >= wideWidth }

func (d *dockerfileModel) listSize() (w, h int) {
	if d.wide() {
		return d.width / 2, d.height
	}
	return d.width, max(d.height*2/5, 3)
}

func (d *dockerfileModel) clamp() {
	n := len(d.instructions())
	d.cursor = max(0, min(d.cursor, n-1))
	_, h := d.listSize()
	rows := max(h-2, 1)
	if d.cursor < d.offset {
		d.offset = d.cursor
	}
	if d.cursor >= d.offset+rows {
		d.offset = d.cursor - rows + 1
	}
	d.offset = max(0, min(d.offset, n-rows))
}

// syncLayer puts the cursor on the instruction that made layer, if there is one.
func (d *dockerfileModel) syncLayer(layer int) {
	if cur := d.instructions(); d.cursor < len(cur) && cur[d.cursor].Layer == layer {
		return
	}
	for i, in := range d.instructions() {
		if in.Layer == layer {
			d.cursor = i
			d.clamp()
			return
		}
	}
}

// selectHistory puts the cursor on the instruction of a history step; it reports whether
// there is one.
func (d *dockerfileModel) selectHistory(h int) bool {
	for i, in := range d.instructions() {
		if in.History == h {
			d.cursor = i
			d.clamp()
			return true
		}
	}
	return false
}

// selectedLayer is the layer the selected instruction made, -1 for none.
func (d *dockerfileModel) selectedLayer() int {
	ins := d.instructions()
	if d.cursor < len(ins) {
		return ins[d.cursor].Layer
	}
	return -1
}

func (d *dockerfileModel) move(k ListKeyMap, msg tea.KeyMsg) {
	_, h := d.listSize()
	switch {
	case keyMatches(msg, k.Up):
		d.cursor--
	case keyMatches(msg, k.Down):
		d.cursor++
	case keyMatches(msg, k.PageUp):
		d.cursor -= h - 2
	case keyMatches(msg, k.PageDown):
		d.cursor += h - 2
	case keyMatches(msg, k.Top):
		d.cursor = 0
	case keyMatches(msg, k.Bottom):
		d.cursor = len(d.instructions()) - 1
	}
	d.clamp()
}

// View draws the tab.
func (d *dockerfileModel) View() string {
	st := d.c.styles
	lw, lh := d.listSize()
	var lines []string
	ins := d.instructions()
	rows := lh - 2
	for i := d.offset; i < len(ins) && len(lines) < rows; i++ {
		in := ins[i]
		layer := "  "
		if in.Layer >= 0 {
			layer = fmt.Sprintf("L%d", in.Layer)
		}
		mark := " "
		if in.Unverified != "" {
			mark = "!"
		}
		cur := " "
		if i == d.cursor {
			cur = ">"
		}
		text := oneLine(instructionText(in))
		line := fmt.Sprintf("%s%-3s%s %s", cur, layer, mark, text)
		switch {
		case i == d.cursor:
			line = st.Cursor.Render(fit(line, lw-2))
		case in.Unverified != "":
			line = st.Unverified.Render(truncate(line, lw-2))
		case in.Keyword == forensics.KeywordComment:
			line = st.Dim.Render(truncate(line, lw-2))
		}
		lines = append(lines, line)
	}
	title := fmt.Sprintf("Dockerfile (%d lines; L = layer made, ! = unverified)", len(ins))
	list := box(st, title, lines, lw, lh, true)
	var dw, dh int
	if d.wide() {
		dw, dh = d.width-lw, d.height
	} else {
		dw, dh = d.width, d.height-lh
	}
	detail := box(st, "Instruction", d.detailLines(dw-2, dh-2), dw, dh, false)
	if d.wide() {
		return joinColumns(list, detail)
	}
	return joinRows(list, detail)
}

func instructionText(in forensics.Instruction) string {
	if in.Keyword == forensics.KeywordComment && in.History < 0 && in.Layer >= 0 {
		return "# " + in.Args
	}
	return in.String()
}

// detailLines describes the selected instruction and lists the files its layer changed.
func (d *dockerfileModel) detailLines(w, h int) []string {
	st := d.c.styles
	ins := d.instructions()
	if d.cursor >= len(ins) || w <= 0 {
		return nil
	}
	in := ins[d.cursor]
	var lines []string
	wrap := func(s string, style func(...string) string) {
		for _, l := range strings.Split(ansi.Hardwrap(safeText(s), w, true), "\n") {
			lines = append(lines, style(l))
		}
	}
	wrap(instructionText(in), st.PaneTitle.Render)
	lines = append(lines, "")
	if in.Layer >= 0 && in.Layer < len(d.st.layers) {
		l := d.st.layers[in.Layer]
		lines = append(lines, fmt.Sprintf("made layer %d · %s · %d entries · %s", in.Layer, human.Size(l.UncompressedSize), l.Files, human.ShortDigest(l.DiffID)))
		if len(in.TopPaths) > 0 {
			wrap("added under "+strings.Join(in.TopPaths, ", "), st.Dim.Render)
		}
	} else if in.History >= 0 {
		lines = append(lines, st.Dim.Render("made no layer (changes the image config only)"))
	} else {
		lines = append(lines, st.Dim.Render("added by the reconstruction; not in the history"))
	}
	if in.History >= 0 && d.st.img != nil && in.History < len(d.st.img.History) {
		if c := d.st.img.History[in.History].Created; !c.IsZero() {
			lines = append(lines, st.Dim.Render("history step "+fmt.Sprint(in.History)+" · "+c.UTC().Format("2006-01-02 15:04:05")+" UTC"))
		}
	}
	if in.Unverified != "" {
		wrap("UNVERIFIED: "+in.Unverified, st.Unverified.Render)
	}
	if in.Note != "" {
		wrap("note: "+in.Note, st.Dim.Render)
	}
	if len(in.BuildArgs) > 0 {
		wrap("build args: "+strings.Join(in.BuildArgs, " "), st.Warning.Render)
	}
	if in.History < 0 && in.Layer < 0 && d.st.dockerfile != nil {
		for _, n := range d.st.dockerfile.Notes {
			wrap("NOTE: "+n, st.Dim.Render)
		}
	}
	if in.Layer >= 0 && in.Layer < len(d.st.trees) && d.st.trees[in.Layer] != nil {
		lt := d.st.trees[in.Layer]
		lines = append(lines, "", fmt.Sprintf("files layer %d changed (enter: open them in the tree):", in.Layer))
		var changed []string
		for j := range lt.Entries {
			c := forensics.ChangeUnchanged
			if j < len(lt.Changes) {
				c = lt.Changes[j]
			}
			if c == forensics.ChangeUnchanged {
				continue
			}
			e := &lt.Entries[j]
			p := safeText(e.Path)
			if e.Type == forensics.TypeDir && !e.Whiteout {
				p += "/"
			}
			changed = append(changed, st.change(c).Render(string(changeLetter(c)))+" "+p)
		}
		room := h - len(lines)
		if len(changed) > room && room > 0 {
			more := len(changed) - room + 1
			changed = append(changed[:room-1], st.Dim.Render(fmt.Sprintf("… %d more", more)))
		}
		lines = append(lines, changed...)
		if len(changed) == 0 {
			lines = append(lines, st.Dim.Render("(none: every entry restates what was below)"))
		}
	}
	return lines
}
