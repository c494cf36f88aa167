package tui

import (
	"path"
	"sort"
	"strings"

	"github.com/strata-forensics/strata/forensics"
)

// vnode is a path as the file tree shows it: in the stacked tree (node set, change 0) or in one
// layer's own entries (entry and change set; node is the stacked node for provenance).
type vnode struct {
	path   string
	name   string
	depth  int // 0 for entries directly below the root
	dir    bool
	entry  *forensics.Entry // nil for a directory the layer does not declare
	node   *forensics.Node  // nil when the stacked tree has no such path
	change forensics.Change // layer view only
	opaque bool             // layer view: the layer marked this directory opaque
	parent *vnode
	kids   []*vnode
}

// state returns the entry to show for v: the layer's own, else the stacked one.
func (v *vnode) state() *forensics.Entry {
	if v.entry != nil {
		return v.entry
	}
	if v.node != nil {
		return v.node.Entry
	}
	return nil
}

// hidden reports whether the final filesystem no longer has the path.
func (v *vnode) hidden() bool { return v.node != nil && v.node.Hidden }

func newRoot(node *forensics.Node) *vnode {
	return &vnode{path: "/", name: "/", depth: -1, dir: true, node: node}
}

// buildAggregateTree turns the stacked tree into view nodes, hidden nodes included.
func buildAggregateTree(t *forensics.Tree) *vnode {
	root := newRoot(t.Node("/"))
	if root.node != nil {
		root.entry = root.node.Entry
	}
	stack := []*vnode{root}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		kids := t.Children(v.path)
		if len(kids) == 0 {
			continue
		}
		v.kids = make([]*vnode, len(kids))
		for i, n := range kids {
			k := &vnode{path: n.Path(), name: path.Base(n.Path()), depth: v.depth + 1, node: n, entry: n.Entry, parent: v}
			k.dir = n.Entry != nil && n.Entry.Type == forensics.TypeDir
			v.kids[i] = k
			stack = append(stack, k)
		}
	}
	return root
}

// buildLayerTree arranges one layer's entries as a tree, with the directories they sit in.
func buildLayerTree(lt *forensics.LayerTree, t *forensics.Tree) *vnode {
	root := newRoot(t.Node("/"))
	byPath := map[string]*vnode{"/": root}
	var ensure func(p string) *vnode
	ensure = func(p string) *vnode {
		if v := byPath[p]; v != nil {
			return v
		}
		parent := ensure(path.Dir(p))
		parent.dir = true
		v := &vnode{path: p, name: path.Base(p), depth: parent.depth + 1, node: t.Node(p), parent: parent}
		if v.node != nil && v.node.Entry != nil && v.node.Entry.Type == forensics.TypeDir {
			v.dir = true
		}
		parent.kids = append(parent.kids, v)
		byPath[p] = v
		return v
	}
	for j := range lt.Entries {
		e := &lt.Entries[j]
		v := ensure(e.Path)
		c := forensics.ChangeUnchanged
		if j < len(lt.Changes) {
			c = lt.Changes[j]
		}
		if e.Opaque {
			v.opaque, v.dir = true, true
			if v.entry == nil {
				v.change = c
			}
			continue
		}
		if v == root {
			continue
		}
		v.entry, v.change = e, c
		v.dir = e.Type == forensics.TypeDir && !e.Whiteout || len(v.kids) > 0
	}
	for _, v := range byPath {
		if len(v.kids) > 1 {
			sort.Slice(v.kids, func(i, j int) bool { return v.kids[i].name < v.kids[j].name })
		}
	}
	return root
}

// fileTree is the flattened, windowed view of a vnode tree: only rows below expanded
// directories exist, and only the rows on screen are rendered.
type fileTree struct {
	root     *vnode
	rows     []*vnode
	cursor   int
	offset   int
	height   int
	expanded map[string]bool // by path; a path not in it uses defaultOpen
	// defaultOpen says whether directories the user never touched are open.
	defaultOpen bool
	hideHidden  bool
	filter      string
	match       map[*vnode]bool // nil when not filtering: the matches and their ancestors
}

func newFileTree() *fileTree { return &fileTree{expanded: map[string]bool{}} }

func (t *fileTree) isOpen(v *vnode) bool {
	if o, ok := t.expanded[v.path]; ok {
		return o
	}
	return t.defaultOpen
}

func (t *fileTree) include(v *vnode) bool {
	if t.hideHidden && v.hidden() && v.change == 0 {
		return false
	}
	return t.match == nil || t.match[v]
}

// appendRows appends the visible rows below v.
func (t *fileTree) appendRows(dst []*vnode, v *vnode) []*vnode {
	for _, k := range v.kids {
		if !t.include(k) {
			continue
		}
		dst = append(dst, k)
		if k.dir && len(k.kids) > 0 && t.isOpen(k) {
			dst = t.appendRows(dst, k)
		}
	}
	return dst
}

// setRoot shows another tree, keeping the cursor on the same path when it is there.
func (t *fileTree) setRoot(root *vnode) {
	t.root = root
	if t.filter != "" {
		t.applyFilter(t.filter)
		return
	}
	t.rebuild()
}

// rebuild flattens the whole tree again, keeping the cursor on the same path if it can.
func (t *fileTree) rebuild() {
	var keep string
	if v := t.current(); v != nil {
		keep = v.path
	}
	t.rows = t.rows[:0]
	if t.root != nil {
		t.rows = t.appendRows(t.rows, t.root)
	}
	t.cursor = 0
	if keep != "" {
		t.selectPath(keep)
	}
	t.clamp()
}

// selectPath moves the cursor to the row of p, or to its nearest shown ancestor.
func (t *fileTree) selectPath(p string) bool {
	for p != "/" && p != "." {
		for i, v := range t.rows {
			if v.path == p {
				t.cursor = i
				t.clamp()
				return true
			}
		}
		p = path.Dir(p)
	}
	return false
}

// reveal opens the directories above p and selects it.
func (t *fileTree) reveal(p string) bool {
	for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
		t.expanded[d] = true
	}
	t.rebuild()
	for i, v := range t.rows {
		if v.path == p {
			t.cursor = i
			t.clamp()
			return true
		}
	}
	return false
}

func (t *fileTree) current() *vnode {
	if t.cursor < 0 || t.cursor >= len(t.rows) {
		return nil
	}
	return t.rows[t.cursor]
}

// toggle opens or closes the directory under the cursor, splicing its rows in or out rather
// than flattening the whole tree again.
func (t *fileTree) toggle() {
	v := t.current()
	if v == nil || !v.dir {
		return
	}
	if t.isOpen(v) {
		t.close(v)
	} else {
		t.open(v)
	}
}

func (t *fileTree) open(v *vnode) {
	if v == nil || !v.dir || t.isOpen(v) && t.rowsBelow(t.cursor) > 0 {
		t.expanded[v.path] = true
		return
	}
	t.expanded[v.path] = true
	sub := t.appendRows(nil, v)
	if len(sub) == 0 {
		return
	}
	at := t.cursor + 1
	rows := make([]*vnode, 0, len(t.rows)+len(sub))
	rows = append(rows, t.rows[:at]...)
	rows = append(rows, sub...)
	t.rows = append(rows, t.rows[at:]...)
}

func (t *fileTree) close(v *vnode) {
	t.expanded[v.path] = false
	n := t.rowsBelow(t.cursor)
	if n == 0 {
		return
	}
	at := t.cursor + 1
	t.rows = append(t.rows[:at], t.rows[at+n:]...)
	t.clamp()
}

// rowsBelow counts the rows under row i (its open descendants).
func (t *fileTree) rowsBelow(i int) int {
	d := t.rows[i].depth
	j := i + 1
	for j < len(t.rows) && t.rows[j].depth > d {
		j++
	}
	return j - i - 1
}

// collapseOrParent closes an open directory, or moves to the parent row.
func (t *fileTree) collapseOrParent() {
	v := t.current()
	if v == nil {
		return
	}
	if v.dir && t.isOpen(v) && t.rowsBelow(t.cursor) > 0 {
		t.close(v)
		return
	}
	for i := t.cursor - 1; i >= 0; i-- {
		if t.rows[i].depth < v.depth {
			t.cursor = i
			t.clamp()
			return
		}
	}
}

// setAll opens or closes every directory.
func (t *fileTree) setAll(open bool) {
	clear(t.expanded)
	t.defaultOpen = open
	t.rebuild()
}

// applyFilter keeps the paths containing s (case-insensitively) and the directories above
// them, opening those directories. An empty s ends filtering.
func (t *fileTree) applyFilter(s string) {
	t.filter = s
	if s == "" || t.root == nil {
		t.match = nil
		t.rebuild()
		return
	}
	needle := strings.ToLower(s)
	t.match = map[*vnode]bool{}
	stack := append([]*vnode(nil), t.root.kids...)
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		stack = append(stack, v.kids...)
		if !containsFold(v.path, needle) {
			continue
		}
		for a := v; a != nil && a != t.root && !t.match[a]; a = a.parent {
			t.match[a] = true
			if a != v {
				t.expanded[a.path] = true
			}
		}
	}
	t.rebuild()
}

// containsFold reports whether s contains the lower-case needle, ignoring ASCII case, without
// allocating.
func containsFold(s, needle string) bool {
	n := len(needle)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

func (t *fileTree) move(d int) {
	t.cursor += d
	t.clamp()
}

func (t *fileTree) moveTo(i int) {
	t.cursor = i
	t.clamp()
}

// clamp keeps the cursor on a row and the window around the cursor.
func (t *fileTree) clamp() {
	if t.cursor >= len(t.rows) {
		t.cursor = len(t.rows) - 1
	}
	if t.cursor < 0 {
		t.cursor = 0
	}
	h := max(t.height, 1)
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	if maxOff := max(len(t.rows)-h, 0); t.offset > maxOff {
		t.offset = maxOff
	}
	if t.offset < 0 {
		t.offset = 0
	}
}

// window returns the rows on screen.
func (t *fileTree) window() []*vnode {
	end := min(t.offset+max(t.height, 0), len(t.rows))
	if t.offset >= end {
		return nil
	}
	return t.rows[t.offset:end]
}
