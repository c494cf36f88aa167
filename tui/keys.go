package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key binding of the workbench. Views pick the ones that apply to them for the
// help line; `?` shows them all.
type KeyMap struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Collapse key.Binding // left/h: collapse a directory or go to its parent
	Expand   key.Binding // right/l: expand a directory

	NextPane key.Binding
	PrevPane key.Binding
	Open     key.Binding
	Back     key.Binding
	Quit     key.Binding
	Help     key.Binding

	Filter          key.Binding
	ApplyFilter     key.Binding
	CancelFilter    key.Binding
	ToggleAggregate key.Binding
	ToggleHidden    key.Binding
	ExpandAll       key.Binding
	CollapseAll     key.Binding
	PrevLayer       key.Binding
	NextLayer       key.Binding

	TabFiles      key.Binding
	TabDockerfile key.Binding
	TabFindings   key.Binding
	TabHistory    key.Binding
	NextTab       key.Binding

	Trace     key.Binding // type an indicator and list its sightings in the history store
	TraceKind key.Binding // in the indicator input: cycle what it is taken for
	Severity  key.Binding // scan log: cycle the minimum severity shown
	Reread    key.Binding // read the layers from the evidence after a fast open from the store

	Scan   key.Binding // scan the image in the background
	Sort   key.Binding // cycle the findings' order
	Export key.Binding // write the scan as reports in the data directory

	Mark        key.Binding // mark an image for a comparison
	Diff        key.Binding // compare the two marked images
	ToggleNoise key.Binding // show or fold package-manager changes in a comparison
	Section1    key.Binding // comparison sections: files, config, history, anomalies, findings
	Section2    key.Binding
	Section3    key.Binding
	Section4    key.Binding
	Section5    key.Binding
}

// DefaultKeyMap returns the bindings the workbench uses unless told otherwise.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Collapse: key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "collapse/parent")),
		Expand:   key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "expand")),

		NextPane: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevPane: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "keys")),

		Filter:          key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter paths")),
		ApplyFilter:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		CancelFilter:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		ToggleAggregate: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "layer changes/whole filesystem")),
		ToggleHidden:    key.NewBinding(key.WithKeys("."), key.WithHelp(".", "show/hide whited-out files")),
		ExpandAll:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "expand all")),
		CollapseAll:     key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "collapse all")),
		PrevLayer:       key.NewBinding(key.WithKeys("["), key.WithHelp("[", "previous layer")),
		NextLayer:       key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next layer")),

		TabFiles:      key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "files")),
		TabDockerfile: key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "dockerfile")),
		TabFindings:   key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "findings")),
		TabHistory:    key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "history")),
		NextTab:       key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "next tab")),

		Trace:     key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "trace an indicator")),
		TraceKind: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "indicator kind")),
		Severity:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "scan log: min severity")),
		Reread:    key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "re-read layers from the evidence")),

		Scan:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "scan")),
		Sort:   key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort: severity/category/layer")),
		Export: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "export report")),

		Mark:        key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "mark for diff")),
		Diff:        key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "diff marked")),
		ToggleNoise: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "show/fold package noise")),
		Section1:    key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "files")),
		Section2:    key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "config")),
		Section3:    key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "history")),
		Section4:    key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "anomalies")),
		Section5:    key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "findings")),
	}
}
