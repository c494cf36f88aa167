package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap holds the key bindings of every view, each view's its own: help shows the focused
// view's keys, and a view only ever matches its own. A binding may have the same key in two
// views (1 is the Files tab in an image view and the changed files in a comparison).
type KeyMap struct {
	Global     GlobalKeyMap
	Images     ImagesKeyMap
	Image      ImageKeyMap
	Files      FilesKeyMap
	Dockerfile DockerfileKeyMap
	Findings   FindingsKeyMap
	History    HistoryKeyMap
	Diff       DiffKeyMap
	Fleet      FleetKeyMap
}

// GlobalKeyMap are the keys that work in every view.
type GlobalKeyMap struct {
	Quit      key.Binding
	Help      key.Binding
	CloseHelp key.Binding
}

// ListKeyMap moves a cursor through a list.
type ListKeyMap struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
}

// FilterKeyMap ends the typing of a filter or an indicator.
type FilterKeyMap struct {
	Apply  key.Binding
	Cancel key.Binding
}

// ImagesKeyMap are the keys of the Images view.
type ImagesKeyMap struct {
	ListKeyMap
	Open  key.Binding
	Scan  key.Binding // scan the image in the background
	Mark  key.Binding // mark an image for a comparison
	Diff  key.Binding // compare the two marked images
	Audit key.Binding // audit every image given as one fleet, or show the fleet view
}

// FleetKeyMap are the keys of the fleet view.
type FleetKeyMap struct {
	ListKeyMap
	Open        key.Binding // the image of the selected row
	Back        key.Binding
	NextSection key.Binding
	PrevSection key.Binding
	Audit       key.Binding // audit again: what is recorded is resumed, the rest scanned
	Stop        key.Binding // stop the running audit (what it recorded stays; a to resume)
}

// ImageKeyMap are the keys of an image view whatever its tab: the tabs, and what can be done
// to the image from any of them.
type ImageKeyMap struct {
	Files      key.Binding
	Dockerfile key.Binding
	Findings   key.Binding
	History    key.Binding
	NextTab    key.Binding
	Scan       key.Binding // scan the image in the background
	Export     key.Binding // write the scan as reports in the data directory
	Trace      key.Binding // type an indicator and list its sightings in the history store
	Reread     key.Binding // read the layers from the evidence after a fast open from the store
}

// FilesKeyMap are the keys of the Files tab: layers, file tree, preview.
type FilesKeyMap struct {
	ListKeyMap
	FilterKeyMap
	Collapse        key.Binding // left/h: collapse a directory or go to its parent
	Expand          key.Binding // right/l: expand a directory
	Open            key.Binding
	Back            key.Binding
	NextPane        key.Binding
	PrevPane        key.Binding
	Filter          key.Binding
	ToggleAggregate key.Binding
	ToggleHidden    key.Binding
	ExpandAll       key.Binding
	CollapseAll     key.Binding
	PrevLayer       key.Binding
	NextLayer       key.Binding
}

// DockerfileKeyMap are the keys of the Dockerfile tab.
type DockerfileKeyMap struct {
	ListKeyMap
	Open key.Binding // the files of the selected instruction's layer
	Back key.Binding
}

// FindingsKeyMap are the keys of the Findings tab.
type FindingsKeyMap struct {
	ListKeyMap
	FilterKeyMap
	Open   key.Binding // the finding's file in the tree
	Back   key.Binding
	Sort   key.Binding // cycle the findings' order
	Filter key.Binding
}

// HistoryKeyMap are the keys of the History tab.
type HistoryKeyMap struct {
	ListKeyMap
	FilterKeyMap
	NextSection key.Binding
	PrevSection key.Binding
	Trace       key.Binding // type an indicator
	TraceKind   key.Binding // while typing: cycle what the indicator is taken for
	Open        key.Binding
	Severity    key.Binding // scan log: cycle the minimum severity shown
	Back        key.Binding
}

// DiffKeyMap are the keys of the comparison.
type DiffKeyMap struct {
	ListKeyMap
	FilterKeyMap
	Open        key.Binding
	Back        key.Binding
	SwitchPane  key.Binding // list or preview
	Filter      key.Binding
	ToggleNoise key.Binding // show or fold package-manager changes
	NextSection key.Binding
	Section1    key.Binding // files, config, history, anomalies, findings
	Section2    key.Binding
	Section3    key.Binding
	Section4    key.Binding
	Section5    key.Binding
}

func bind(keys []string, help, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// DefaultKeyMap returns the bindings the workbench uses unless told otherwise.
func DefaultKeyMap() *KeyMap {
	list := ListKeyMap{
		Up:       bind([]string{"up", "k"}, "↑/k", "up"),
		Down:     bind([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   bind([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown: bind([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Top:      bind([]string{"home", "g"}, "g/home", "first"),
		Bottom:   bind([]string{"end", "G"}, "G/end", "last"),
	}
	filter := FilterKeyMap{
		Apply:  bind([]string{"enter"}, "enter", "keep filter"),
		Cancel: bind([]string{"esc"}, "esc", "clear filter"),
	}
	open := bind([]string{"enter"}, "enter", "open")
	back := bind([]string{"esc"}, "esc", "back")
	slash := bind([]string{"/"}, "/", "filter paths")
	scan := bind([]string{"s"}, "s", "scan")
	return &KeyMap{
		Global: GlobalKeyMap{
			Quit:      bind([]string{"q", "ctrl+c"}, "q", "quit"),
			Help:      bind([]string{"?"}, "?", "keys"),
			CloseHelp: bind([]string{"esc"}, "esc", "close keys"),
		},
		Images: ImagesKeyMap{
			ListKeyMap: list,
			Open:       open,
			Scan:       scan,
			Mark:       bind([]string{" "}, "space", "mark for diff"),
			Diff:       bind([]string{"d"}, "d", "diff marked"),
			Audit:      bind([]string{"a"}, "a", "audit all (fleet)"),
		},
		Image: ImageKeyMap{
			Files:      bind([]string{"1"}, "1", "files"),
			Dockerfile: bind([]string{"2"}, "2", "dockerfile"),
			Findings:   bind([]string{"3"}, "3", "findings"),
			History:    bind([]string{"4"}, "4", "history"),
			NextTab:    bind([]string{"t"}, "t", "next tab"),
			Scan:       scan,
			Export:     bind([]string{"x"}, "x", "export report"),
			Trace:      bind([]string{"T"}, "T", "trace an indicator"),
			Reread:     bind([]string{"R"}, "R", "re-read layers from the evidence"),
		},
		Files: FilesKeyMap{
			ListKeyMap:      list,
			FilterKeyMap:    filter,
			Collapse:        bind([]string{"left", "h"}, "←/h", "collapse/parent"),
			Expand:          bind([]string{"right", "l"}, "→/l", "expand"),
			Open:            open,
			Back:            back,
			NextPane:        bind([]string{"tab"}, "tab", "next pane"),
			PrevPane:        bind([]string{"shift+tab"}, "shift+tab", "previous pane"),
			Filter:          slash,
			ToggleAggregate: bind([]string{"a"}, "a", "layer changes/whole filesystem"),
			ToggleHidden:    bind([]string{"."}, ".", "show/hide whited-out files"),
			ExpandAll:       bind([]string{"e"}, "e", "expand all"),
			CollapseAll:     bind([]string{"E"}, "E", "collapse all"),
			PrevLayer:       bind([]string{"["}, "[", "previous layer"),
			NextLayer:       bind([]string{"]"}, "]", "next layer"),
		},
		Dockerfile: DockerfileKeyMap{ListKeyMap: list, Open: open, Back: back},
		Findings: FindingsKeyMap{
			ListKeyMap:   list,
			FilterKeyMap: filter,
			Open:         open,
			Back:         back,
			Sort:         bind([]string{"o"}, "o", "sort: severity/category/layer"),
			Filter:       slash,
		},
		History: HistoryKeyMap{
			ListKeyMap:   list,
			FilterKeyMap: filter,
			NextSection:  bind([]string{"tab"}, "tab", "next section"),
			PrevSection:  bind([]string{"shift+tab"}, "shift+tab", "previous section"),
			Trace:        bind([]string{"/"}, "/", "trace an indicator"),
			TraceKind:    bind([]string{"tab"}, "tab", "indicator kind"),
			Open:         open,
			Severity:     bind([]string{"v"}, "v", "scan log: min severity"),
			Back:         back,
		},
		Fleet: FleetKeyMap{
			ListKeyMap:  list,
			Open:        bind([]string{"enter"}, "enter", "open image"),
			Back:        back,
			NextSection: bind([]string{"tab"}, "tab", "next section"),
			PrevSection: bind([]string{"shift+tab"}, "shift+tab", "previous section"),
			Audit:       bind([]string{"a"}, "a", "audit again (resumes)"),
			Stop:        bind([]string{"x"}, "x", "stop the audit"),
		},
		Diff: DiffKeyMap{
			ListKeyMap:   list,
			FilterKeyMap: filter,
			Open:         open,
			Back:         back,
			SwitchPane:   bind([]string{"tab", "shift+tab"}, "tab", "list/preview"),
			Filter:       slash,
			ToggleNoise:  bind([]string{"n"}, "n", "show/fold package noise"),
			NextSection:  bind([]string{"t"}, "t", "next section"),
			Section1:     bind([]string{"1"}, "1", "files"),
			Section2:     bind([]string{"2"}, "2", "config"),
			Section3:     bind([]string{"3"}, "3", "history"),
			Section4:     bind([]string{"4"}, "4", "anomalies"),
			Section5:     bind([]string{"5"}, "5", "findings"),
		},
	}
}
