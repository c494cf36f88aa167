package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/forensics"
)

// evidence is how the workbench shows text from the evidence: report.Filter, the one the
// command line's renderers use (secrets redacted, control, bidi and format characters and
// invalid UTF-8 shown as escapes). Run sets ShowSecrets from Options before the program
// starts; nothing changes it afterwards.
var evidence report.Filter

// safeText makes one line of text from the evidence safe to show: as evidence.Line, with tabs
// as four spaces.
func safeText(s string) string {
	return evidence.Line(strings.ReplaceAll(s, "\t", "    "))
}

// safeLines makes text from the evidence safe to show as lines (a file's content, a content
// diff): redacted whole before it is cut into lines, since a private key is only recognised
// whole, and every line then as safeText.
func safeLines(s string) []string {
	lines := strings.Split(strings.TrimSuffix(evidence.Text(s), "\n"), "\n")
	for i, l := range lines {
		lines[i] = safeText(l)
	}
	return lines
}

// shownConfig is a config change as the workbench shows it: each value redacted as the value
// of its field (env.AWS_SECRET_ACCESS_KEY), unless secrets are shown.
func shownConfig(c forensics.ConfigChange) forensics.ConfigChange {
	if evidence.ShowSecrets {
		return c
	}
	return secrets.RedactConfigChanges([]forensics.ConfigChange{c})[0]
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
