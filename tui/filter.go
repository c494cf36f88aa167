package tui

import (
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// newFilterInput returns the text input of a "/" filter.
func newFilterInput(placeholder string) textinput.Model {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = placeholder
	ti.CharLimit = 256
	// A steady cursor: a blinking one redraws the screen twice a second for nothing.
	ti.Cursor.SetMode(cursor.CursorStatic)
	return ti
}

// typeFilter handles a key while a filter is typed into in: enter keeps the text, esc clears
// it, anything else edits it. It reports whether typing goes on and whether the caller must
// apply the filter again.
func typeFilter(k FilterKeyMap, in *textinput.Model, msg tea.KeyMsg) (cmd tea.Cmd, typing, changed bool) {
	switch {
	case keyMatches(msg, k.Apply):
		in.Blur()
		return nil, false, false
	case keyMatches(msg, k.Cancel):
		in.Blur()
		in.SetValue("")
		return nil, false, true
	}
	before := in.Value()
	*in, cmd = in.Update(msg)
	return cmd, true, in.Value() != before
}
