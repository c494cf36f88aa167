package forensics

import (
	"fmt"
	"iter"
	"path"
	"sort"
	"strings"
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
//
// A tree holds a node per path, a million for a million-file layer, so a node is kept small
// (24 bytes): its path is its Entry's, and most paths have one event, the layer that added
// them, which the node holds in three fields of its own; read the events with Events,
// NumEvents and EventAt.
type Node struct {
	// Entry is the path's current state: for a hidden node, the last state it had before
	// removal. It is never nil, and its Path is the node's.
	Entry *Entry
	// later holds every event once there is more than one; while it is nil, the node has the
	// one event firstLayer and firstChange make with Entry, or none when firstChange is 0.
	later       *[]Event
	firstLayer  int32
	firstChange Change
	// Hidden is set when a later layer removed the path (whiteout or opaque directory) and no
	// layer re-created it: it exists in the image's layers but not in its final filesystem.
	Hidden bool
	// Implicit is set for directories that no layer declared but that hold declared entries.
	Implicit bool
}

// Path returns the node's path: cleaned, absolute.
func (n *Node) Path() string { return n.Entry.Path }

// NumEvents returns how many events the node has.
func (n *Node) NumEvents() int {
	switch {
	case n.later != nil:
		return len(*n.later)
	case n.firstChange != 0:
		return 1
	}
	return 0
}

// EventAt returns the node's i-th event, from 0 to NumEvents()-1.
func (n *Node) EventAt(i int) Event {
	if n.later != nil {
		return (*n.later)[i]
	}
	if i != 0 || n.firstChange == 0 {
		panic(fmt.Sprintf("forensics: event %d of a node with %d", i, n.NumEvents()))
	}
	return Event{Layer: int(n.firstLayer), Change: n.firstChange, Entry: n.Entry}
}

// Events yields the index and the event of every layer that added, modified or removed the
// path, in layer order.
func (n *Node) Events() iter.Seq2[int, Event] {
	return func(yield func(int, Event) bool) {
		for i, k := 0, n.NumEvents(); i < k; i++ {
			if !yield(i, n.EventAt(i)) {
				return
			}
		}
	}
}

// addEvent appends ev to the node's events. The entry of an event that is not a removal
// becomes the node's Entry.
func (n *Node) addEvent(ev Event) {
	switch {
	case n.later != nil:
		*n.later = append(*n.later, ev)
	case n.firstChange == 0 && ev.Change != ChangeRemoved && ev.Layer == int(int32(ev.Layer)):
		n.firstLayer, n.firstChange = int32(ev.Layer), ev.Change
	default:
		events := make([]Event, 0, n.NumEvents()+2)
		if n.firstChange != 0 {
			events = append(events, n.EventAt(0))
		}
		events = append(events, ev)
		n.later = &events
	}
	if ev.Change != ChangeRemoved {
		n.Entry = ev.Entry
	}
}

// Layer returns the layer that supplied the node's current Entry.
func (n *Node) Layer() int {
	for i := n.NumEvents() - 1; i >= 0; i-- {
		if ev := n.EventAt(i); ev.Change != ChangeRemoved {
			return ev.Layer
		}
	}
	return -1
}

// Created returns the layer that created the node's current life (after its last removal, if
// it was removed and re-created).
func (n *Node) Created() int {
	created := -1
	for _, ev := range n.Events() {
		switch ev.Change {
		case ChangeAdded:
			if created == -1 {
				created = ev.Layer
			}
		case ChangeRemoved:
			created = -1
		}
	}
	if created == -1 && n.NumEvents() > 0 && n.Hidden {
		// For a hidden node, the life that ended with the removal.
		for i := n.NumEvents() - 1; i >= 0; i-- {
			if ev := n.EventAt(i); ev.Change == ChangeAdded {
				return ev.Layer
			}
		}
	}
	return created
}

// Modified returns the layers that changed the node after it was created, in order.
func (n *Node) Modified() []int {
	var out []int
	for _, ev := range n.Events() {
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
	return n.EventAt(n.NumEvents() - 1).Layer
}

// Tree is the final filesystem of a stack of layers. Whited-out paths stay in it as hidden nodes.
type Tree struct {
	nodes    *nodeIndex
	children map[string][]*Node
	Layers   []*LayerTree
}

// Stack applies the layers in order, as an overlay filesystem would, and returns the final
// tree. It fills in each LayerTree's Changes, resolves hard links (an Entry of TypeHardlink
// gets its target's SHA256 and Size) and adds to each layer's Anomalies what only the stack
// shows: hard links whose target is missing when they are extracted, and entries written
// through a symlink. Stacking the same layers again replaces those anomalies rather than
// repeating them.
func Stack(layers []*LayerTree) *Tree {
	entries := 0
	for _, lt := range layers {
		if lt != nil {
			entries += len(lt.Entries)
		}
	}
	t := &Tree{
		nodes:    newNodeIndex(entries + 1),
		children: make(map[string][]*Node),
		Layers:   layers,
	}
	root := t.nodes.add(&Entry{Path: "/", Type: TypeDir, Mode: 0o755})
	root.Implicit = true
	for _, lt := range layers {
		if lt != nil {
			lt.dropStackAnomalies()
			lt.stacking = true
			t.apply(lt)
			lt.countUnlisted()
			lt.stacking = false
		}
	}
	t.index()
	return t
}

// dropStackAnomalies removes the anomalies an earlier Stack added, wherever they are (a copy of
// the layer may have moved them), into a slice of its own: the old one may be shared.
func (lt *LayerTree) dropStackAnomalies() {
	n := 0
	for _, a := range lt.Anomalies {
		if a.fromStack {
			n++
		}
	}
	if n == 0 {
		return
	}
	kept := make([]Anomaly, 0, len(lt.Anomalies)-n)
	for _, a := range lt.Anomalies {
		if !a.fromStack {
			kept = append(kept, a)
		}
	}
	lt.Anomalies = kept
}

func (t *Tree) alive(p string) *Node {
	if n := t.nodes.get(p); n != nil && !n.Hidden {
		return n
	}
	return nil
}

func (t *Tree) apply(lt *LayerTree) {
	lt.Changes = make([]Change, len(lt.Entries))
	idx := &layerIndex{lt: lt}
	// Hard links take their content from their target before the layer's entries are compared
	// with what lies below.
	t.resolveHardlinks(lt, idx)
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
			t.throughLink(lt, idx, e, path.Dir(e.Path))
			if n := t.alive(e.Path); n != nil {
				t.removeSubtree(n.Path(), lt.Index, true)
			}
		case e.Opaque:
			t.throughLink(lt, idx, e, e.Path)
			if n := t.alive(e.Path); n != nil {
				t.removeSubtree(n.Path(), lt.Index, false)
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
				t.ensureParents(lt, e, e.Path+"/x")
			}
			continue
		}
		t.ensureParents(lt, e, e.Path)
		n := t.nodes.get(e.Path)
		switch {
		case n == nil:
			n = t.newNode(e)
			n.addEvent(Event{Layer: lt.Index, Change: ChangeAdded, Entry: e})
		case n.Hidden || n.Implicit:
			n.addEvent(Event{Layer: lt.Index, Change: ChangeAdded, Entry: e})
		default:
			if n.Entry.Type == TypeDir && e.Type != TypeDir {
				// A file replacing a directory removes what the directory held.
				t.removeChildren(n.Path(), lt.Index)
			}
			c := ChangeModified
			if sameEntry(n.Entry, e) {
				c = ChangeUnchanged
			}
			n.addEvent(Event{Layer: lt.Index, Change: c, Entry: e})
		}
		n.Entry, n.Hidden, n.Implicit = e, false, false
	}
}

// layerIndex is what apply needs to look up in the layer being applied, built when first
// needed: the index of the entry at each path (whiteouts and opaque markers aside), and the
// paths the layer's whiteouts remove (opaque directories as "dir/").
type layerIndex struct {
	lt   *LayerTree
	pos  map[string]int
	gone map[string]bool
	// cyclic: for hard link entries, whether following the layer's links from them runs in a circle.
	cyclic map[int]bool
}

func (x *layerIndex) build() {
	if x.pos != nil {
		return
	}
	x.pos = make(map[string]int)
	x.gone = make(map[string]bool)
	for k := range x.lt.Entries {
		e := &x.lt.Entries[k]
		switch {
		case e.Whiteout:
			x.gone[e.Path] = true
		case e.Opaque:
			x.gone[strings.TrimSuffix(e.Path, "/")+"/"] = true
		default:
			x.pos[e.Path] = k
		}
	}
}

// entry returns the index of the layer's entry at p, or -1.
func (x *layerIndex) entry(p string) int {
	x.build()
	if k, ok := x.pos[p]; ok {
		return k
	}
	return -1
}

// removed reports whether a whiteout or opaque marker of the layer removes p from the layers
// below.
func (x *layerIndex) removed(p string) bool {
	x.build()
	if len(x.gone) == 0 {
		return false
	}
	for q := p; ; q = path.Dir(q) {
		if x.gone[q] || q != p && x.gone[strings.TrimSuffix(q, "/")+"/"] {
			return true
		}
		if q == "/" {
			return false
		}
	}
}

// inCycle reports whether following the layer's hard links from entry j runs in a circle. All
// the layer's links are classified at the first call, in one pass over them.
func (x *layerIndex) inCycle(j int) bool {
	x.build()
	if x.cyclic == nil {
		x.cyclic = make(map[int]bool)
		const onPath, done = 1, 2
		state := make(map[int]uint8)
		var chain []int
		for k := range x.lt.Entries {
			if x.lt.Entries[k].Type != TypeHardlink || state[k] != 0 {
				continue
			}
			chain = chain[:0]
			cyc := false
			for at := k; ; {
				if state[at] == onPath {
					cyc = true
					break
				}
				if state[at] == done {
					cyc = x.cyclic[at]
					break
				}
				state[at] = onPath
				chain = append(chain, at)
				next := x.entry(x.lt.Entries[at].Link())
				if next < 0 || x.lt.Entries[next].Type != TypeHardlink || x.lt.Entries[next].Whiteout {
					break
				}
				at = next
			}
			for _, at := range chain {
				state[at] = done
				x.cyclic[at] = cyc
			}
		}
	}
	return x.cyclic[j]
}

// throughLink records an anomaly when dir, the directory a whiteout or opaque marker of lt
// applies in, is a symlink of the layers below (or lies below one), unless the layer itself
// replaces it with a directory: the marker then removes wherever the link points.
func (t *Tree) throughLink(lt *LayerTree, idx *layerIndex, e *Entry, dir string) {
	for d := dir; d != "/" && d != "."; d = path.Dir(d) {
		n := t.alive(d)
		if n == nil {
			continue
		}
		if n.Entry.Type == TypeSymlink {
			if k := idx.entry(d); k < 0 || lt.Entries[k].Type != TypeDir {
				t.writeThrough(lt, e, n)
			}
			return
		}
		if n.Entry.Type == TypeDir {
			return // its ancestors are directories too
		}
	}
}

func (t *Tree) writeThrough(lt *LayerTree, e *Entry, link *Node) {
	what := "written"
	switch {
	case e.Whiteout:
		what = "a whiteout of " + e.Path + " applied"
	case e.Opaque:
		what = "an opaque marker of " + e.Path + " applied"
	}
	lt.anomalyf(AnomalyWriteThroughLink, e.Path, "%s is %s through the symlink %s -> %s (layer %d): extraction follows the link",
		e.Path, what, link.Path(), link.Entry.Link(), link.Layer())
}

// resolveHardlinks gives each hard link of lt the content identity of its target, as
// extraction would: the target must exist when the link is extracted, either as an earlier
// entry of the layer or in the layers below (and not removed by this layer's whiteouts). A
// link whose target does not exist then is broken: cyclic when following the layer's links
// from it runs in a circle, forward when the target comes later in the layer, dangling
// otherwise. Every lookup is a map access, so any number of links resolves in linear time.
func (t *Tree) resolveHardlinks(lt *LayerTree, idx *layerIndex) {
	var broken map[int]bool
	for j := range lt.Entries {
		e := &lt.Entries[j]
		if e.Type != TypeHardlink || e.Whiteout || e.Opaque {
			continue
		}
		var target *Entry
		k := idx.entry(e.Link())
		switch {
		case k >= 0 && k < j:
			if !broken[k] {
				target = &lt.Entries[k]
			}
		case k < 0 || k > j:
			if n := t.alive(e.Link()); n != nil && !idx.removed(e.Link()) {
				target = n.Entry
			}
		}
		if target != nil && target.Type != TypeDir {
			e.sha, e.Size = target.sha, target.Size
			continue
		}
		if broken == nil {
			broken = make(map[int]bool)
		}
		broken[j] = true
		e.sha, e.Size = nil, 0
		how := "dangling: its target does not exist when it is extracted"
		switch {
		case target != nil:
			how = "its target is a directory"
		case k >= 0 && idx.inCycle(j):
			how = "cyclic: following the layer's links from it runs in a circle"
		case k > j:
			how = "forward: its target comes later in the layer"
		}
		lt.anomalyf(AnomalyBrokenHardlink, e.Path, "hard link %s -> %s is %s", e.Path, e.Link(), how)
	}
}

// ensureParents creates implicit directories for the ancestors of p that do not exist. An
// ancestor that is a file or a link is replaced by a directory; a symlink there means e is
// written through it, which is recorded on lt.
func (t *Tree) ensureParents(lt *LayerTree, e *Entry, p string) {
	dir := path.Dir(p)
	if dir == "/" || dir == p {
		return
	}
	layer := lt.Index
	if n := t.alive(dir); n != nil {
		if n.Entry.Type == TypeDir {
			return
		}
		if n.Entry.Type == TypeSymlink {
			t.writeThrough(lt, e, n)
		}
		// A directory replaces what was a file or link at this path.
		t.ensureParents(lt, e, dir)
		d := &Entry{Path: dir, Type: TypeDir, Mode: 0o755}
		n.addEvent(Event{Layer: layer, Change: ChangeModified, Entry: d})
		n.Entry, n.Implicit = d, true
		return
	}
	t.ensureParents(lt, e, dir)
	d := &Entry{Path: dir, Type: TypeDir, Mode: 0o755}
	n := t.nodes.get(dir)
	if n == nil {
		n = t.newNode(d)
	}
	n.addEvent(Event{Layer: layer, Change: ChangeAdded, Entry: d})
	n.Entry, n.Hidden, n.Implicit = d, false, true
}

// removeSubtree hides p (when self) and every live path below it.
func (t *Tree) removeSubtree(p string, layer int, self bool) {
	if self {
		t.hide(t.nodes.get(p), layer)
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
		stack = append(stack, t.children[n.Path()]...)
	}
}

// newNode adds a node for e and links it under its parent. Nodes are never deleted, only
// hidden.
func (t *Tree) newNode(e *Entry) *Node {
	n := t.nodes.add(e)
	d := path.Dir(e.Path)
	t.children[d] = append(t.children[d], n)
	return n
}

func (t *Tree) hide(n *Node, layer int) {
	if n == nil || n.Hidden || n.Path() == "/" {
		return
	}
	n.addEvent(Event{Layer: layer, Change: ChangeRemoved})
	n.Hidden = true
}

// sameEntry reports whether a restated entry is identical to the one below, mtime included.
func sameEntry(a, b *Entry) bool {
	if a.Type != b.Type || a.Mode != b.Mode || a.Size != b.Size || a.SHA256() != b.SHA256() ||
		!a.ModTime().Equal(b.ModTime()) {
		return false
	}
	if a.more == b.more {
		return true
	}
	x, y := a.Attrs(), b.Attrs()
	return x.UID == y.UID && x.GID == y.GID && x.Link == y.Link && x.DevMajor == y.DevMajor && x.DevMinor == y.DevMinor
}

func (t *Tree) index() {
	for _, c := range t.children {
		sort.Slice(c, func(i, j int) bool { return c[i].Path() < c[j].Path() })
	}
}

// Node returns the node at p (hidden or not), or nil.
func (t *Tree) Node(p string) *Node { return t.nodes.get(Abs(p)) }

// Children returns the nodes directly below dir, sorted by name, hidden ones included.
func (t *Tree) Children(dir string) []*Node { return t.children[Abs(dir)] }

// Abs returns p as the tree names paths, path.Clean("/" + p), and p itself, without building a
// string, when it is already so: the lookups of a check run by the tens of thousands.
func Abs(p string) string {
	if isAbs(p) {
		return p
	}
	return path.Clean("/" + p)
}

// isAbs reports whether p is absolute and clean: no empty, "." or ".." element, no trailing
// slash but the root's.
func isAbs(p string) bool {
	if p == "/" {
		return true
	}
	if len(p) < 2 || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	start := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		switch p[start:i] {
		case "", ".", "..":
			return false
		}
		start = i + 1
	}
	return true
}

// Len returns the number of nodes, hidden ones included.
func (t *Tree) Len() int { return t.nodes.len() }

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
		kids := t.children[n.Path()]
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
