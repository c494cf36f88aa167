package tui

import tea "github.com/charmbracelet/bubbletea"

// rowList is the cursor and window of a list drawn a row at a time: only the rows between
// offset and offset+height are rendered.
type rowList struct {
	n      int // rows in the list
	cursor int
	offset int
	height int // rows on screen
}

// setLen changes the number of rows, keeping the cursor in range.
func (r *rowList) setLen(n int) {
	r.n = n
	r.clamp()
}

func (r *rowList) setHeight(h int) {
	r.height = max(h, 1)
	r.clamp()
}

func (r *rowList) clamp() {
	r.cursor = max(0, min(r.cursor, r.n-1))
	if r.cursor < r.offset {
		r.offset = r.cursor
	}
	if r.cursor >= r.offset+r.height {
		r.offset = r.cursor - r.height + 1
	}
	r.offset = max(0, min(r.offset, r.n-r.height))
}

// window returns the range of rows on screen.
func (r *rowList) window() (from, to int) {
	return r.offset, min(r.offset+r.height, r.n)
}

// move handles the movement keys; it reports whether msg was one.
func (r *rowList) move(k ListKeyMap, msg tea.KeyMsg) bool {
	switch {
	case keyMatches(msg, k.Up):
		r.cursor--
	case keyMatches(msg, k.Down):
		r.cursor++
	case keyMatches(msg, k.PageUp):
		r.cursor -= r.height
	case keyMatches(msg, k.PageDown):
		r.cursor += r.height
	case keyMatches(msg, k.Top):
		r.cursor = 0
	case keyMatches(msg, k.Bottom):
		r.cursor = r.n - 1
	default:
		return false
	}
	r.clamp()
	return true
}

// position returns the first and last rows on screen, counted from 1, and whether they are
// all the rows.
func (r *rowList) position() (first, last int, all bool) {
	from, to := r.window()
	return from + 1, to, from == 0 && to == r.n
}
