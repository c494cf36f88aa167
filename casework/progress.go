package casework

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/strata-forensics/strata/forensics/human"
)

// Progress folds events into how far the work has got: bytes of the planned layers read out
// of their known (or estimated) total, layers done, tar entries read, findings, rate and time
// left. The command line's progress line and the workbench's status both draw its Snapshot.
// It is safe for concurrent use; Observe is a Sink.
type Progress struct {
	mu       sync.Mutex
	now      func() time.Time
	started  time.Time // first byte read, zero before
	phase    string
	image    string
	layers   map[layerKey]*layerProgress
	findings int
	warnings int
	// fleet is set by an audit's FleetPlan: the totals are then the fleet's, not one image's.
	fleet *fleetProgress
}

// fleetProgress is where an audit stands.
type fleetProgress struct {
	plan      FleetPlan
	done      int   // images done (resumed ones included)
	doneBytes int64 // bytes read for the images done, whose layers are forgotten
	doneFiles int
	cached    int
}

type layerKey struct {
	image string
	layer int
}

type layerProgress struct {
	total   int64 // planned bytes; grows to what was read when the plan was an estimate
	exact   bool
	done    int64
	entries int
	planned bool
	started bool
	over    bool
	cached  bool
}

// NewProgress returns an empty Progress; now is time.Now unless given (tests).
func NewProgress(now func() time.Time) *Progress {
	if now == nil {
		now = time.Now
	}
	return &Progress{now: now, layers: map[layerKey]*layerProgress{}}
}

func (p *Progress) layer(image string, i int) *layerProgress {
	k := layerKey{image, i}
	l := p.layers[k]
	if l == nil {
		l = &layerProgress{}
		p.layers[k] = l
	}
	return l
}

// Observe takes one event.
func (p *Progress) Observe(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := e.(type) {
	case FleetPlan:
		if p.fleet == nil {
			p.fleet = &fleetProgress{}
		}
		p.fleet.plan = e
	case ImageDone:
		if f := p.fleet; f != nil {
			f.done++
			// The image's layers are folded into the fleet's totals and forgotten.
			for k, l := range p.layers {
				if k.image != e.Image {
					continue
				}
				if l.cached {
					f.cached++
				} else {
					f.doneBytes += l.done
				}
				f.doneFiles += l.entries
				delete(p.layers, k)
			}
		}
	case Phase:
		if p.fleet != nil && e.Image != "" {
			return // each image's own phases: the audit's stands
		}
		p.phase, p.image = e.Name, e.Image
	case Plan:
		if p.fleet != nil {
			// An image of an audit: its layers are planned, the fleet's total and rate stand.
			for _, pl := range e.Layers {
				l := p.layer(e.Image, pl.Layer)
				l.planned, l.exact, l.total = true, pl.Exact, pl.Bytes
			}
			return
		}
		// A plan starts a pass over the image's layers (a comparison, then the scan of what
		// changed): what an earlier pass did is forgotten, the rate measured anew.
		for k := range p.layers {
			if k.image == e.Image {
				delete(p.layers, k)
			}
		}
		p.started = time.Time{}
		for _, pl := range e.Layers {
			l := p.layer(e.Image, pl.Layer)
			l.planned, l.exact, l.total = true, pl.Exact, pl.Bytes
		}
	case LayerStarted:
		l := p.layer(e.Image, e.Layer)
		l.started = true
		if p.started.IsZero() {
			p.started = p.now()
		}
	case LayerRead:
		l := p.layer(e.Image, e.Layer)
		l.started = true
		if p.started.IsZero() {
			p.started = p.now()
		}
		l.done, l.entries = e.Bytes, e.Entries
		l.total = max(l.total, l.done)
	case LayerFinished:
		l := p.layer(e.Image, e.Layer)
		l.over, l.entries = true, e.Entries
		if e.Cached {
			// Served without reading: counted as a layer done, not as bytes read.
			l.cached, l.total, l.done = true, 0, 0
			return
		}
		l.done, l.total, l.exact = e.Bytes, e.Bytes, true
	case Found:
		p.findings += len(e.Findings)
	case Warning:
		p.warnings++
	}
}

// Snapshot is Progress at one moment.
type Snapshot struct {
	Phase string
	Image string
	// BytesDone of BytesTotal bytes of the layers being read; Estimated when some layer's size
	// is its stored (compressed) size, not known exactly.
	BytesDone, BytesTotal int64
	Estimated             bool
	LayersDone, Layers    int
	Cached                int
	Entries               int
	Findings              int
	// Images and ImagesDone are an audit's images in all and done so far, 0 outside an audit.
	Images, ImagesDone int
	// Rate is bytes per second since the first byte; Left the time left at that rate, 0 when
	// unknown.
	Rate    float64
	Elapsed time.Duration
	Left    time.Duration
}

// Snapshot returns where the work stands.
func (p *Progress) Snapshot() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Snapshot{Phase: p.phase, Image: p.image, Findings: p.findings}
	if f := p.fleet; f != nil {
		return p.fleetSnapshot(s, f)
	}
	for _, l := range p.layers {
		if !l.planned && !l.started && !l.over {
			continue
		}
		s.Layers++
		if l.over {
			s.LayersDone++
		}
		if l.cached {
			s.Cached++
			s.Entries += l.entries
			continue
		}
		s.Entries += l.entries
		s.BytesDone += l.done
		s.BytesTotal += l.total
		if !l.exact && !l.over {
			s.Estimated = true
		}
	}
	if !p.started.IsZero() {
		s.Elapsed = p.now().Sub(p.started)
		if secs := s.Elapsed.Seconds(); secs > 0.2 && s.BytesDone > 0 {
			s.Rate = float64(s.BytesDone) / secs
			if s.BytesTotal > s.BytesDone {
				s.Left = time.Duration(float64(s.BytesTotal-s.BytesDone) / s.Rate * float64(time.Second))
			}
		}
	}
	return s
}

// fleetSnapshot is an audit's Snapshot: bytes read of the fleet's planned bytes, images done
// of all; the caller holds mu.
func (p *Progress) fleetSnapshot(s Snapshot, f *fleetProgress) Snapshot {
	s.Images, s.ImagesDone = f.plan.Images, f.done
	s.BytesDone, s.Cached, s.Entries = f.doneBytes, f.cached, f.doneFiles
	for _, l := range p.layers {
		s.Entries += l.entries
		if l.cached {
			s.Cached++
			continue
		}
		s.BytesDone += l.done
	}
	s.BytesTotal = max(f.plan.Bytes, s.BytesDone)
	s.Estimated = f.plan.Estimated
	if !p.started.IsZero() {
		s.Elapsed = p.now().Sub(p.started)
		if secs := s.Elapsed.Seconds(); secs > 0.2 && s.BytesDone > 0 {
			s.Rate = float64(s.BytesDone) / secs
			if s.BytesTotal > s.BytesDone {
				s.Left = time.Duration(float64(s.BytesTotal-s.BytesDone) / s.Rate * float64(time.Second))
			}
		}
	}
	return s
}

// Fraction is how much of the planned bytes is done, 0 to 1.
func (s Snapshot) Fraction() float64 {
	if s.BytesTotal <= 0 {
		if s.Images > 0 {
			return float64(s.ImagesDone) / float64(s.Images)
		}
		if s.Layers > 0 {
			return float64(s.LayersDone) / float64(s.Layers)
		}
		return 0
	}
	return min(float64(s.BytesDone)/float64(s.BytesTotal), 1)
}

// String is the snapshot in one line: "scanning: 412 MB of ~875 MB · 3/6 layers (2 cached) ·
// 12034 entries · 5 findings · 48 MB/s · 9s left", or for an audit "scanning: 2.1 GB of
// ~6.3 GB · 12/40 images · 30 layers from the cache · ... · 1m10s left".
func (s Snapshot) String() string {
	var parts []string
	if s.BytesTotal > 0 || s.BytesDone > 0 {
		total := human.Size(s.BytesTotal)
		if s.Estimated {
			total = "~" + total
		}
		parts = append(parts, fmt.Sprintf("%s of %s", human.Size(s.BytesDone), total))
	}
	if s.Images > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d images", s.ImagesDone, s.Images))
		switch {
		case s.Cached == 1:
			parts = append(parts, "1 layer from the cache")
		case s.Cached > 1:
			parts = append(parts, fmt.Sprintf("%d layers from the cache", s.Cached))
		}
	}
	if s.Layers > 0 {
		l := fmt.Sprintf("%d/%d layers", s.LayersDone, s.Layers)
		if s.Cached > 0 {
			l += fmt.Sprintf(" (%d cached)", s.Cached)
		}
		parts = append(parts, l)
	}
	if s.Entries > 0 {
		parts = append(parts, fmt.Sprintf("%d files", s.Entries))
	}
	if s.Findings > 0 {
		parts = append(parts, fmt.Sprintf("%d findings", s.Findings))
	}
	if s.Rate > 0 {
		parts = append(parts, human.Size(int64(s.Rate))+"/s")
	}
	if s.Left > 0 && (s.LayersDone < s.Layers || s.ImagesDone < s.Images) {
		parts = append(parts, shortDuration(s.Left)+" left")
	}
	head := s.Phase
	if head == "" {
		head = "working"
	}
	if len(parts) == 0 {
		return head + "…"
	}
	return head + ": " + strings.Join(parts, " · ")
}

func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
