package casework

import (
	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// Event is something a piece of casework reports while it runs: one of the types below.
type Event interface{ event() }

// Sink receives events. It is called from several goroutines at once and must not block for
// long; nil discards them.
type Sink func(Event)

func (s Sink) emit(e Event) {
	if s != nil {
		s(e)
	}
}

// Phase names what the work is doing now: "opening", "reading layers", "analyzing",
// "comparing", "scanning the suspect", "recording". Image is the image it is about, "" for
// none in particular.
type Phase struct {
	Image string
	Name  string
}

// Plan lists the layers of an image about to be read, with the bytes each is expected to
// hold: exact when the uncompressed size is known (the history store, an uncompressed blob),
// else the stored size as an estimate.
type Plan struct {
	Image  string
	Layers []PlannedLayer
}

// PlannedLayer is one layer of a Plan.
type PlannedLayer struct {
	Layer int
	Bytes int64
	Exact bool
}

// LayerStarted says a layer's read has begun.
type LayerStarted struct {
	Image string
	Layer int
}

// LayerRead says how far a layer's read has got: bytes of its uncompressed stream and tar
// entries so far.
type LayerRead struct {
	Image   string
	Layer   int
	Bytes   int64
	Entries int
}

// LayerFinished says a layer is done: read to its end, or served by the layer cache
// (Cached) without being read.
type LayerFinished struct {
	Image   string
	Layer   int
	Bytes   int64
	Entries int
	Cached  bool
}

// TreeRead hands over one layer's tree as soon as it is there: read from the evidence, or
// taken from the history store's index (FromStore, every layer at once). Tree.Index is the
// layer; the tree is not stacked yet (its Changes are nil) and must not be written to.
type TreeRead struct {
	Image     string
	Tree      *forensics.LayerTree
	FromStore bool
}

// Found hands over findings as a scan finds them; their Layer, Path and history step are
// set. The scan's result is the final word (merged, reviewed, sorted).
type Found struct {
	Image    string
	Findings []audit.Finding
}

// Compared hands over a comparison as soon as it is made (from the suspect's scan, when there
// is one), before the input hashes are awaited and the comparison is re-ranked by the scan's
// findings and recorded; casework does not change it afterwards (the result's Diff is the
// re-ranked copy).
type Compared struct {
	Diff *forensics.ImageDiff
}

// Warning is a problem that does not stop the work: a scan that could not be recorded, a
// history store that would not open.
type Warning struct {
	Err error
}

func (Phase) event()         {}
func (Plan) event()          {}
func (LayerStarted) event()  {}
func (LayerRead) event()     {}
func (LayerFinished) event() {}
func (TreeRead) event()      {}
func (Found) event()         {}
func (Compared) event()      {}
func (Warning) event()       {}
