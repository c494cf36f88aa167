package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/forensics"
)

// Preview limits: the file's head is read, never the whole of a large file.
const (
	previewReadCap = 256 << 10 // bytes read from each version of a file
	previewLines   = 1000      // text lines shown
	previewHexCap  = 4 << 10   // bytes shown as hex
)

// previewRequest names one version of a file to read, and the version below it to diff against.
type previewRequest struct {
	id    int
	path  string
	layer int // the layer whose copy is read
	below int // the layer of the version below, -1 for no diff
	why   string
}

type previewKind int

const (
	previewText previewKind = iota
	previewBinary
	previewDiff
	previewError
)

// previewMsg is what reading a file produced.
type previewMsg struct {
	id        int
	kind      previewKind
	data      []byte // the head of the file (text or binary)
	truncated bool
	diff      string
	belowData []byte // binary diffs: the version below
	err       error
}

// readPreview reads the file (and the version below it) off the UI goroutine.
func readPreview(ctx context.Context, img *forensics.Image, req previewRequest) tea.Cmd {
	return func() tea.Msg {
		msg := previewMsg{id: req.id}
		data, truncated, err := readHead(ctx, img, req.layer, req.path)
		if err != nil {
			msg.kind, msg.err = previewError, err
			return msg
		}
		msg.data, msg.truncated = data, truncated
		msg.kind = previewText
		if isBinary(data) {
			msg.kind = previewBinary
		}
		if req.below < 0 {
			return msg
		}
		old, _, err := readHead(ctx, img, req.below, req.path)
		if err != nil {
			return msg // the new version alone is still worth showing
		}
		msg.belowData = old
		if msg.kind == previewText && !isBinary(old) {
			msg.kind = previewDiff
			msg.diff = forensics.UnifiedDiff(fmt.Sprintf("layer %d%s", req.below, req.path), fmt.Sprintf("layer %d%s", req.layer, req.path), string(old), string(data))
			if msg.diff == "" {
				msg.diff = "(the text is the same; only metadata changed)\n"
			}
		}
		return msg
	}
}

func readHead(ctx context.Context, img *forensics.Image, layer int, p string) ([]byte, bool, error) {
	if img == nil {
		return nil, false, errors.New("the image is not open")
	}
	f, err := img.OpenFile(ctx, layer, p)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, previewReadCap+1))
	if err != nil {
		return nil, false, fmt.Errorf("reading %s from layer %d: %w", p, layer, err)
	}
	if len(data) > previewReadCap {
		return data[:previewReadCap], true, nil
	}
	return data, false, nil
}

// isBinary reports whether data looks like something other than text.
func isBinary(data []byte) bool {
	head := data[:min(len(data), 8000)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	bad := 0
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 && len(head)-i >= utf8.UTFMax {
			bad++
		}
		i += size
	}
	return bad*20 > len(head)
}

// hexLines renders data as a hex dump with perLine bytes a line.
func hexLines(data []byte, perLine int) []string {
	var out []string
	for off := 0; off < len(data); off += perLine {
		chunk := data[off:min(off+perLine, len(data))]
		var b strings.Builder
		fmt.Fprintf(&b, "%08x ", off)
		for i := 0; i < perLine; i++ {
			if i == perLine/2 {
				b.WriteByte(' ')
			}
			if i < len(chunk) {
				fmt.Fprintf(&b, " %02x", chunk[i])
			} else {
				b.WriteString("   ")
			}
		}
		b.WriteString("  |")
		for _, c := range chunk {
			if c < 0x20 || c >= 0x7f {
				c = '.'
			}
			b.WriteByte(c)
		}
		b.WriteByte('|')
		out = append(out, b.String())
	}
	return out
}

// previewModel is the preview pane: the selected path's metadata and provenance, and once
// asked for, the file's head as text or hex, or a diff against the layer below.
type previewModel struct {
	st     *Styles
	width  int
	height int
	vp     viewport.Model

	meta    []string // metadata lines of the selected path
	hint    string   // what enter does here, "" when the path has no content to read
	key     string   // "layer:path" of the selected version
	loading bool
	loaded  string // key of the content in vp, "" for none
	result  *previewMsg
	req     previewRequest
	cancel  context.CancelFunc
	nextID  int
	content []string
}

func newPreviewModel(st *Styles) *previewModel {
	return &previewModel{st: st, vp: viewport.New(0, 0)}
}

// SetSize gives the pane its outer size.
func (p *previewModel) SetSize(w, h int) {
	if p.width == w && p.height == h {
		return
	}
	p.width, p.height = w, h
	p.layout()
	p.render()
}

func (p *previewModel) layout() {
	inner := max(p.width-2, 0)
	p.vp.Width = inner
	p.vp.Height = max(p.height-2-len(p.meta)-1, 0)
}

// show sets the path whose metadata the pane shows; the content stays only when it is of the
// same version.
func (p *previewModel) show(key string, meta []string, hint string) {
	p.meta, p.hint = meta, hint
	if key != p.key {
		p.key = key
		if p.cancel != nil && p.loading {
			p.cancel()
		}
		p.loading = false
		p.result = nil
		p.loaded = ""
		p.vp.SetYOffset(0)
	}
	p.layout()
	p.render()
}

// load starts reading the selected version.
func (p *previewModel) load(ctx context.Context, img *forensics.Image, req previewRequest) tea.Cmd {
	if p.cancel != nil {
		p.cancel()
	}
	p.nextID++
	req.id = p.nextID
	p.req = req
	p.loading = true
	p.result = nil
	p.render()
	ctx, p.cancel = context.WithCancel(ctx)
	return readPreview(ctx, img, req)
}

// receive takes a finished read if it is the one last asked for.
func (p *previewModel) receive(msg previewMsg) {
	if msg.id != p.req.id {
		return
	}
	p.loading = false
	p.result = &msg
	p.loaded = p.key
	p.vp.SetYOffset(0)
	p.render()
}

// render lays the content out for the pane's width.
func (p *previewModel) render() {
	st := p.st
	w := max(p.vp.Width, 1)
	var lines []string
	switch {
	case p.loading:
		lines = []string{st.Dim.Render("reading " + safeText(p.req.path) + " from layer " + fmt.Sprint(p.req.layer) + "…")}
	case p.result == nil:
		lines = nil
	case p.result.kind == previewError:
		lines = []string{st.Error.Render("cannot read: ") + safeText(p.result.err.Error())}
	case p.result.kind == previewDiff:
		lines = append(lines, st.Dim.Render(safeText(p.req.why)))
		for _, l := range safeLines(p.result.diff) {
			l = truncate(l, w)
			switch {
			case strings.HasPrefix(l, "@@"):
				l = st.DiffHunk.Render(l)
			case strings.HasPrefix(l, "+"):
				l = st.DiffAdd.Render(l)
			case strings.HasPrefix(l, "-"):
				l = st.DiffDel.Render(l)
			}
			lines = append(lines, l)
		}
	case p.result.kind == previewBinary:
		per := 16
		if w < 78 {
			per = 8
		}
		data := p.result.data
		head := fmt.Sprintf("binary, %d bytes read", len(data))
		if len(data) > previewHexCap {
			head += fmt.Sprintf(", first %d shown", previewHexCap)
			data = data[:previewHexCap]
		}
		if p.req.below >= 0 && p.result.belowData != nil {
			head += fmt.Sprintf("; layer %d had %d bytes", p.req.below, len(p.result.belowData))
		}
		lines = append(lines, st.Dim.Render(head))
		for _, l := range hexLines(data, per) {
			lines = append(lines, st.HexOffset.Render(l[:8])+truncate(l[8:], w-8))
		}
	default:
		all := safeLines(string(p.result.data))
		if len(all) > previewLines {
			all = all[:previewLines]
		}
		for _, l := range all {
			lines = append(lines, truncate(l, w))
		}
		if p.result.truncated || len(all) == previewLines {
			lines = append(lines, st.Dim.Render("… (the rest is not shown)"))
		}
	}
	p.content = lines
	p.vp.SetContent(strings.Join(lines, "\n"))
}

// scroll handles movement keys while the pane has focus.
func (p *previewModel) scroll(k ListKeyMap, msg tea.KeyMsg) { scrollViewport(&p.vp, k, msg) }

// scrollViewport moves a focused viewport by the movement keys.
func scrollViewport(vp *viewport.Model, k ListKeyMap, msg tea.KeyMsg) {
	switch {
	case keyMatches(msg, k.Up):
		vp.ScrollUp(1)
	case keyMatches(msg, k.Down):
		vp.ScrollDown(1)
	case keyMatches(msg, k.PageUp):
		vp.PageUp()
	case keyMatches(msg, k.PageDown):
		vp.PageDown()
	case keyMatches(msg, k.Top):
		vp.GotoTop()
	case keyMatches(msg, k.Bottom):
		vp.GotoBottom()
	}
}

// View draws the pane.
func (p *previewModel) View(title string, focused bool) string {
	lines := append([]string(nil), p.meta...)
	inner := max(p.width-2, 0)
	lines = append(lines, p.st.Dim.Render(strings.Repeat("─", inner)))
	if p.result == nil && !p.loading {
		if p.hint != "" {
			lines = append(lines, p.st.Dim.Render(p.hint))
		}
	} else if p.vp.Height > 0 {
		lines = append(lines, strings.Split(p.vp.View(), "\n")...)
	}
	return box(p.st, title, lines, p.width, p.height, focused)
}
