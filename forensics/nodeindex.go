package forensics

// nodeIndexChunk is how many nodes one chunk of a nodeIndex holds.
const nodeIndexChunk = 4096

// nodeIndex holds a tree's nodes and finds them by path. The nodes live in fixed-size chunks,
// so that a pointer to one stays valid as more are added, and are found through a slotTable.
type nodeIndex struct {
	chunks [][]Node
	n      int
	slots  *slotTable
}

func newNodeIndex(size int) *nodeIndex {
	return &nodeIndex{slots: newSlotTable(size)}
}

func (x *nodeIndex) at(k int) *Node { return &x.chunks[k/nodeIndexChunk][k%nodeIndexChunk] }

func (x *nodeIndex) hash(k int) uint64 { return x.slots.hash(x.at(k).Entry.Path, 0) }

// get returns the node at p, or nil.
func (x *nodeIndex) get(p string) *Node {
	k := x.slots.find(x.slots.hash(p, 0), func(k int) bool { return x.at(k).Entry.Path == p })
	if k < 0 {
		return nil
	}
	return x.at(k)
}

// add adds a node at e.Path, which must not have one yet, with e as its entry, and returns it.
func (x *nodeIndex) add(e *Entry) *Node {
	if x.n%nodeIndexChunk == 0 {
		x.chunks = append(x.chunks, make([]Node, nodeIndexChunk))
	}
	k := x.n
	x.n++
	n := x.at(k)
	n.Entry = e
	x.slots.insert(x.slots.hash(e.Path, 0), k, x.hash)
	return n
}

func (x *nodeIndex) len() int { return x.n }
