package forensics

import (
	"path"
	"sort"
)

// Change says what a layer's entry did to the filesystem below it.
type Change uint8

// Changes a layer entry can make.
const (
	ChangeAdded     Change = iota + 1 // the path did not exist below
	ChangeModified                    // the path existed below and something about it differs
	ChangeUnchanged                   // the path existed below and was restated as it was (common for directories)
	ChangeRemoved                     // a whiteout removed the path (and everything below it)
	ChangeOpaque                      // an opaque marker hid everything lower layers held below the directory
)

var changeNames = [...]string{"", "added", "modified", "unchanged", "removed", "opaque"}

func (c Change) String() string {
	if int(c) < len(changeNames) && c > 0 {
		return changeNames[c]
	}
	return "unknown"
}

// Event is one thing a layer did to a path.
type Event struct {
	Layer  int
	Change Change
	Entry  *Entry // nil for removals
}

// Node is a path of the stacked filesystem with its provenance.
type Node struct {
	Path string
	// Entry is the path's current state: for a hidden node, the last state it had before removal.
	Entry *Entry
	// Events lists, in layer order, every layer that added, modified or removed the path.
	Events []Event
	// Hidden is set when a later layer removed the path (whiteout or opaque directory) and no
	// layer re-created it: it exists in the image's layers but not in its final filesystem.
	Hidden bool
	// Implicit is set for directories that no layer declared but that hold declared entries.
	Implicit bool
}

// Layer returns the layer that supplied the node's current Entry.
func (n *Node) Layer() int {
	for i := len(n.Events) - 1; i >= 0; i-- {
		if n.Events[i].Change != ChangeRemoved {
			return n.Events[i].Layer
		}
	}
	return -1
}

// Created returns the layer that created the node's current life (after its last removal, if
// it was removed and re-created).
func (n *Node) Created() int {
	created := -1
	for _, ev := range n.Events {
		switch ev.Change {
		case ChangeAdded:
			if created == -1 {
				created = ev.Layer
			}
		case ChangeRemoved:
			created = -1
		}
	}
	if created == -1 && len(n.Events) > 0 && n.Hidden {
		// For a hidden node, the life that ended with the removal.
		for i := len(n.Events) - 1; i >= 0; i-- {
			if n.Events[i].Change == ChangeAdded {
				return n.Events[i].Layer
			}
		}
	}
	return created
}

// Modified returns the layers that changed the node after it was created, in order.
func (n *Node) Modified() []int {
	var out []int
	for _, ev := range n.Events {
		switch ev.Change {
		case ChangeModified:
			out = append(out, ev.Layer)
		case ChangeRemoved:
			if !n.Hidden {
				out = out[:0]
			}
		}
	}
	return out
}

// Removed returns the layer whose whiteout hid the node, or -1 when it is in the final filesystem.
func (n *Node) Removed() int {
	if !n.Hidden {
		return -1
	}
	return n.Events[len(n.Events)-1].Layer
}

// Tree is the final filesystem of a stack of layers. Whited-out paths stay in it as hidden nodes.
type Tree struct {
	nodes    map[string]*Node
	children map[string][]*Node
	Layers   []*LayerTree
}

// Stack applies the layers in order, as an overlay filesystem would, and returns the final
// tree. It fills in each LayerTree's Changes.
func Stack(layers []*LayerTree) *Tree {
	t := &Tree{
		nodes:    map[string]*Node{"/": {Path: "/", Entry: &Entry{Path: "/", Type: TypeDir, Mode: 0o755}, Implicit: true}},
		children: make(map[string][]*Node),
		Layers:   layers,
	}
	for _, lt := range layers {
		if lt != nil {
			t.apply(lt)
		}
	}
	t.index()
	return t
}

func (t *Tree) alive(p string) *Node {
	if n := t.nodes[p]; n != nil && !n.Hidden {
		return n
	}
	return nil
}

func (t *Tree) apply(lt *LayerTree) {
	lt.Changes = make([]Change, len(lt.Entries))
	// Classify against the state below this layer before touching it.
	for j := range lt.Entries {
		e := &lt.Entries[j]
		below := t.alive(e.Path)
		switch {
		case e.Whiteout:
			lt.Changes[j] = ChangeRemoved
		case e.Opaque:
			lt.Changes[j] = ChangeOpaque
		case below == nil || below.Implicit:
			lt.Changes[j] = ChangeAdded
		case sameEntry(below.Entry, e):
			lt.Changes[j] = ChangeUnchanged
		default:
			lt.Changes[j] = ChangeModified
		}
	}
	// Whiteouts and opaque markers apply to the lower layers only, whatever their tar order.
	for j := range lt.Entries {
		e := &lt.Entries[j]
		switch {
		case e.Whiteout:
			if n := t.alive(e.Path); n != nil {
				t.removeSubtree(n.Path, lt.Index, true)
			}
		case e.Opaque:
			if n := t.alive(e.Path); n != nil {
				t.removeSubtree(n.Path, lt.Index, false)
			}
		}
	}
	for j := range lt.Entries {
		e := &lt.Entries[j]
		if e.Whiteout {
			continue
		}
		if e.Opaque {
			// The directory itself stays; make sure it exists.
			if t.alive(e.Path) == nil {
				t.ensureParents(e.Path+"/x", lt.Index)
			}
			continue
		}
		if e.Type == TypeHardlink {
			t.resolveHardlink(lt, e)
		}
		t.ensureParents(e.Path, lt.Index)
		n := t.nodes[e.Path]
		switch {
		case n == nil:
			n = t.newNode(e.Path)
			n.Events = append(n.Events, Event{Layer: lt.Index, Change: ChangeAdded, Entry: e})
		case n.Hidden || n.Implicit:
			n.Events = append(n.Events, Event{Layer: lt.Index, Change: ChangeAdded, Entry: e})
		default:
			if n.Entry.Type == TypeDir && e.Type != TypeDir {
				// A file replacing a directory removes what the directory held.
				t.removeChildren(n.Path, lt.Index)
			}
			c := ChangeModified
			if sameEntry(n.Entry, e) {
				c = ChangeUnchanged
			}
			n.Events = append(n.Events, Event{Layer: lt.Index, Change: c, Entry: e})
		}
		n.Entry, n.Hidden, n.Implicit = e, false, false
	}
}

// resolveHardlink gives a hardlink the content identity of its target.
func (t *Tree) resolveHardlink(lt *LayerTree, e *Entry) {
	for k := range lt.Entries {
		if lt.Entries[k].Path == e.Link && !lt.Entries[k].Whiteout {
			e.SHA256, e.Size = lt.Entries[k].SHA256, lt.Entries[k].Size
			return
		}
	}
	if n := t.alive(e.Link); n != nil {
		e.SHA256, e.Size = n.Entry.SHA256, n.Entry.Size
	}
}

// ensureParents creates implicit directories for the ancestors of p that do not exist.
func (t *Tree) ensureParents(p string, layer int) {
	dir := path.Dir(p)
	if dir == "/" || dir == p {
		return
	}
	if n := t.alive(dir); n != nil {
		if n.Entry.Type == TypeDir {
			return
		}
		// A directory replaces what was a file or link at this path.
		t.ensureParents(dir, layer)
		e := &Entry{Path: dir, Type: TypeDir, Mode: 0o755}
		n.Events = append(n.Events, Event{Layer: layer, Change: ChangeModified, Entry: e})
		n.Entry, n.Implicit = e, true
		return
	}
	t.ensureParents(dir, layer)
	e := &Entry{Path: dir, Type: TypeDir, Mode: 0o755}
	n := t.nodes[dir]
	if n == nil {
		n = t.newNode(dir)
	}
	n.Events = append(n.Events, Event{Layer: layer, Change: ChangeAdded, Entry: e})
	n.Entry, n.Hidden, n.Implicit = e, false, true
}

// removeSubtree hides p (when self) and every live path below it.
func (t *Tree) removeSubtree(p string, layer int, self bool) {
	if self {
		t.hide(t.nodes[p], layer)
	}
	t.removeChildren(p, layer)
}

func (t *Tree) removeChildren(p string, layer int) {
	stack := append([]*Node(nil), t.children[p]...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Hidden {
			continue // already gone, with what it held
		}
		t.hide(n, layer)
		stack = append(stack, t.children[n.Path]...)
	}
}

// newNode adds a node and links it under its parent. Nodes are never deleted, only hidden.
func (t *Tree) newNode(p string) *Node {
	n := &Node{Path: p}
	t.nodes[p] = n
	d := path.Dir(p)
	t.children[d] = append(t.children[d], n)
	return n
}

func (t *Tree) hide(n *Node, layer int) {
	if n == nil || n.Hidden || n.Path == "/" {
		return
	}
	n.Events = append(n.Events, Event{Layer: layer, Change: ChangeRemoved})
	n.Hidden = true
}

// sameEntry reports whether a restated entry is identical to the one below, mtime included.
func sameEntry(a, b *Entry) bool {
	return a.Type == b.Type && a.Mode == b.Mode && a.UID == b.UID && a.GID == b.GID &&
		a.Size == b.Size && a.SHA256 == b.SHA256 && a.Link == b.Link && a.ModTime.Equal(b.ModTime) &&
		a.DevMajor == b.DevMajor && a.DevMinor == b.DevMinor
}

func (t *Tree) index() {
	for _, c := range t.children {
		sort.Slice(c, func(i, j int) bool { return c[i].Path < c[j].Path })
	}
}

// Node returns the node at p (hidden or not), or nil.
func (t *Tree) Node(p string) *Node { return t.nodes[path.Clean("/"+p)] }

// Children returns the nodes directly below dir, sorted by name, hidden ones included.
func (t *Tree) Children(dir string) []*Node { return t.children[path.Clean("/"+dir)] }

// Len returns the number of nodes, hidden ones included.
func (t *Tree) Len() int { return len(t.nodes) }

// Walk visits the nodes below root (root included) depth first in name order. fn returns false
// to skip a directory's children.
func (t *Tree) Walk(root string, fn func(*Node) bool) {
	start := t.Node(root)
	if start == nil {
		return
	}
	stack := []*Node{start}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !fn(n) {
			continue
		}
		kids := t.children[n.Path]
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
}

// Hidden returns the hidden nodes in path order.
func (t *Tree) Hidden() []*Node {
	var out []*Node
	t.Walk("/", func(n *Node) bool {
		if n.Hidden {
			out = append(out, n)
		}
		return true
	})
	return out
}
