package tui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/strata-forensics/strata/forensics"
)

// safeText makes text from the evidence safe to print: control characters (which could move
// the cursor or recolour the terminal) become visible escapes, invalid UTF-8 becomes \xNN, and
// tabs become spaces.
func safeText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString("    ")
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == '\u200e' || r == '\u200f' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// fit truncates s (which may hold styles) to w cells and pads it with spaces to exactly w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// truncate shortens plain s to w cells with an ellipsis.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// box draws a pane of exactly w×h cells: a rounded border with the title in its top edge and
// the lines inside, each cut or padded to the inner width. Extra lines are dropped.
func box(st *Styles, title string, lines []string, w, h int, focused bool) string {
	if w < 4 || h < 2 {
		return blank(w, h)
	}
	bs := st.Border
	if focused {
		bs = st.BorderFocused
	}
	inner := w - 2
	var b strings.Builder
	b.Grow(w * h * 2)
	title = truncate(title, inner-2)
	if title != "" {
		b.WriteString(bs.Render("╭─"))
		b.WriteString(st.PaneTitle.Render(title))
		b.WriteString(bs.Render(strings.Repeat("─", inner-1-ansi.StringWidth(title)) + "╮"))
	} else {
		b.WriteString(bs.Render("╭" + strings.Repeat("─", inner) + "╮"))
	}
	side := bs.Render("│")
	for i := 0; i < h-2; i++ {
		b.WriteByte('\n')
		b.WriteString(side)
		if i < len(lines) {
			b.WriteString(fit(lines[i], inner))
		} else {
			b.WriteString(strings.Repeat(" ", inner))
		}
		b.WriteString(side)
	}
	b.WriteByte('\n')
	b.WriteString(bs.Render("╰" + strings.Repeat("─", inner) + "╯"))
	return b.String()
}

// blank is a w×h block of spaces.
func blank(w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	line := strings.Repeat(" ", w)
	return strings.TrimSuffix(strings.Repeat(line+"\n", h), "\n")
}

// joinColumns places blocks of equal height side by side.
func joinColumns(blocks ...string) string {
	return lipgloss.JoinHorizontal(lipgloss.Top, blocks...)
}

// joinRows stacks blocks.
func joinRows(blocks ...string) string {
	var nonEmpty []string
	for _, b := range blocks {
		if b != "" {
			nonEmpty = append(nonEmpty, b)
		}
	}
	return strings.Join(nonEmpty, "\n")
}

var changeLetters = [...]byte{' ', 'A', 'M', 'U', 'D', 'O'}

func changeLetter(c forensics.Change) byte {
	if int(c) < len(changeLetters) {
		return changeLetters[c]
	}
	return '?'
}

// oneLine joins the lines of s with " ⏎ " and squeezes runs of spaces.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ⏎ ")), " ")
	return safeText(s)
}

// stepText is a history step as a short Dockerfile line.
func stepText(h forensics.History) string {
	in := forensics.ParseCreatedBy(h.CreatedBy)
	if in.Keyword == "" {
		return "(empty history line)"
	}
	return oneLine(in.String())
}

// layerStep is the Dockerfile line of the step that made layer i.
func layerStep(img *forensics.Image, layers []forensics.Layer, i int) string {
	if i < 0 || i >= len(layers) || img == nil {
		return ""
	}
	h := layers[i].History
	if h < 0 || h >= len(img.History) {
		return "(no history line)"
	}
	return stepText(img.History[h])
}
