package forensics

import "hash/maphash"

// nodeIndexChunk is how many nodes one chunk of a nodeIndex holds.
const nodeIndexChunk = 4096

// nodeIndex holds a tree's nodes and finds them by path. The nodes live in fixed-size chunks,
// so that a pointer to one stays valid as more are added, and are found through an
// open-addressing table of their numbers, keyed by a hash of the path seeded at random (no
// layer can be crafted to collide): 4 to 8 bytes per node, where a map from path to node took
// about 50.
type nodeIndex struct {
	seed   maphash.Seed
	chunks [][]Node
	n      int
	slots  []uint32 // node number + 1; 0 is an empty slot
}

func newNodeIndex(size int) *nodeIndex {
	x := &nodeIndex{seed: maphash.MakeSeed()}
	x.resize(size)
	return x
}

// resize makes room for size nodes at a load of at most 3/4 and puts the nodes back in.
func (x *nodeIndex) resize(size int) {
	n := 16
	for n*3/4 < size {
		n *= 2
	}
	if n <= len(x.slots) {
		return
	}
	x.slots = make([]uint32, n)
	for k := 0; k < x.n; k++ {
		x.place(k, x.at(k).Path)
	}
}

func (x *nodeIndex) at(k int) *Node { return &x.chunks[k/nodeIndexChunk][k%nodeIndexChunk] }

// place puts node k in the first free slot for p.
func (x *nodeIndex) place(k int, p string) {
	mask := uint64(len(x.slots) - 1)
	for i := maphash.String(x.seed, p) & mask; ; i = (i + 1) & mask {
		if x.slots[i] == 0 {
			x.slots[i] = uint32(k + 1)
			return
		}
	}
}

// get returns the node at p, or nil.
func (x *nodeIndex) get(p string) *Node {
	mask := uint64(len(x.slots) - 1)
	for i := maphash.String(x.seed, p) & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return nil
		}
		if n := x.at(int(s - 1)); n.Path == p {
			return n
		}
	}
}

// add adds a node at p, which must not have one yet, and returns it.
func (x *nodeIndex) add(p string) *Node {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.resize(len(x.slots)) // doubles
	}
	if x.n%nodeIndexChunk == 0 {
		x.chunks = append(x.chunks, make([]Node, nodeIndexChunk))
	}
	k := x.n
	x.n++
	n := x.at(k)
	n.Path = p
	x.place(k, p)
	return n
}

func (x *nodeIndex) len() int { return x.n }
