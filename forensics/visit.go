package forensics

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// visitor hands each file read to ReadOptions.Visit: on the reader's goroutine, or on a
// helper's. Helpers are the goroutines of the same ReadLayers call that have no layer to read
// (left, or at all: a one-layer image), so that the last layer being read is not analyzed on
// one core while the others wait (a layer of thirty thousand small scripts took a second alone
// that way). While helpers serve, a file is read into a spare buffer and queued for them; when
// the queue is full, or every spare is out, the reader visits the file itself, in its own
// buffer. A buffer goes back once Visit has returned with it, which keeps Visit's contract
// that data is only valid during the call.
type visitor struct {
	layer int
	visit FileVisitor

	own      []byte         // the reader's buffer
	big      chan struct{}  // a slot for each file over maxPooledBuffer being visited, shared by the call's readers
	help     *helpers       // nil: every file is visited by the reader
	inflight sync.WaitGroup // files with helpers

	// failed is the first file whose Visit panicked, with the panic, for the layer's
	// anomalies; Visit's panics are recovered so that no analyzer of a file can take the
	// process down.
	mu     sync.Mutex
	failed string
	closed bool
}

// bufKind says where a buffer from visitor.buffer goes back to.
type bufKind uint8

const (
	bufLoose  bufKind = iota // made for one file (or owned by its caller): dropped after
	bufPooled                // a spare, from free: back to it
	bufOwn                   // the reader's own: kept
	bufBig                   // made for one file over maxPooledBuffer: dropped after, its slot freed
)

type visitJob struct {
	v    *visitor
	e    Entry
	data []byte
	kind bufKind
}

const (
	// helperQueue is how many files wait for helpers, beyond those they are visiting: enough
	// that a helper has the next one while the reader visits a file itself.
	helperQueue = 4
	// maxPooledBuffer is the largest buffer kept for the next file; bigger files get their own.
	maxPooledBuffer = 4 << 20
	// maxSpareBuffer is the largest file queued for helpers: the reader visits bigger ones
	// itself, so that the spares of every layer being read stay small.
	maxSpareBuffer = 1 << 20
	// spareSize is the size a spare buffer is made at; it grows to the file it is given.
	spareSize = 256 << 10
)

func newVisitor(layer int, visit FileVisitor, bufSize int, help *helpers, big chan struct{}) *visitor {
	return &visitor{layer: layer, visit: visit, own: make([]byte, bufSize), help: help, big: big}
}

// call hands one file to Visit, recovering its panic.
func (v *visitor) call(e *Entry, data []byte) {
	defer func() {
		if r := recover(); r != nil {
			v.mu.Lock()
			if v.failed == "" {
				v.failed = fmt.Sprintf("looking at %s failed: %v", e.Path, r)
			}
			v.mu.Unlock()
		}
	}()
	v.visit(v.layer, e, data)
}

// buffer returns a buffer for a file of size bytes, and where it goes back to.
func (v *visitor) buffer(size int64) ([]byte, bufKind) {
	if h := v.help; h != nil && size <= maxSpareBuffer && h.serving.Load() > 0 && len(h.queue) < cap(h.queue) {
		select {
		case b := <-h.free:
			return v.sized(b, size)
		default:
			if h.spares.Add(1) <= int32(cap(h.free)) {
				return v.sized(make([]byte, spareSize), size)
			}
			h.spares.Add(-1)
		}
	}
	switch {
	case int64(cap(v.own)) >= size:
	case size <= maxPooledBuffer:
		v.own = make([]byte, size)
	default:
		// A file over maxPooledBuffer is held whole while it is visited: with a reader per layer,
		// as many big files at once would be as many tens of megabytes. Readers take turns for
		// a slot; each holds at most one, and gives it back once the file is visited.
		v.big <- struct{}{}
		return make([]byte, size), bufBig
	}
	return v.own[:size], bufOwn
}

// sized returns spare b, or a bigger buffer in its place, for a file of size bytes.
func (v *visitor) sized(b []byte, size int64) ([]byte, bufKind) {
	if int64(cap(b)) < size {
		b = make([]byte, size)
	}
	return b[:size], bufPooled
}

// release gives a buffer from buffer back.
func (v *visitor) release(b []byte, kind bufKind) {
	switch kind {
	case bufPooled:
		v.help.free <- b[:cap(b)]
	case bufBig:
		<-v.big
	}
}

// send has e visited with data, a buffer from buffer or nil; the buffer is released after. A
// spare goes to the helpers' queue unless it is full.
func (v *visitor) send(e *Entry, data []byte, kind bufKind) {
	if kind == bufPooled {
		v.inflight.Add(1)
		select {
		case v.help.queue <- visitJob{v: v, e: *e, data: data, kind: kind}:
			return
		default:
			v.inflight.Done()
		}
	}
	v.call(e, data)
	v.release(data, kind)
}

// settle waits for the files with helpers to have been visited: a path the layer holds twice
// is visited in order, the last copy last.
func (v *visitor) settle() { v.inflight.Wait() }

// close waits for every file sent to have been visited; it may be called more than once.
func (v *visitor) close() {
	if v.closed {
		return
	}
	v.closed = true
	v.inflight.Wait()
}

// helpers are the goroutines of one ReadLayers call that have no layer to read: the workers
// with no layer left, and those beyond the layers' count. They visit the files the readers of
// the layers still being read queue for them.
type helpers struct {
	queue   chan visitJob
	free    chan []byte   // spare buffers not out
	spares  atomic.Int32  // spare buffers made so far: made as readers need them, most reads end before a helper serves
	serving atomic.Int32  // helpers serving: a file queued is visited
	readers atomic.Int32  // workers still reading layers
	stop    chan struct{} // closed when the last reader is done
	workers int
}

func newHelpers(readers, workers int) *helpers {
	h := &helpers{queue: make(chan visitJob, helperQueue), stop: make(chan struct{}), workers: workers}
	h.free = make(chan []byte, h.maxOut())
	h.readers.Store(int32(readers))
	return h
}

// maxOut is how many spare buffers the readers may have out at once: those queued, one with
// each helper, and one being filled by each reader. The spares are the call's, not a reader's:
// with a reader per layer, spares of their own would multiply by the layers.
func (h *helpers) maxOut() int { return helperQueue + h.workers }

// readerDone is said by a reader with no layer left to read, after each layer it read waited
// for the files it queued.
func (h *helpers) readerDone() bool {
	if h.readers.Add(-1) == 0 {
		close(h.stop)
		return true
	}
	return false
}

// serve is a reader's last job: it visits what the other readers queue until none is left.
func (h *helpers) serve() {
	if !h.readerDone() {
		h.help()
	}
}

// help visits what readers queue until every reader is done. A reader queues only while some
// helper serves, and helpers serve until every reader is done, which is after each has waited
// for the files it queued: none is left in the queue.
func (h *helpers) help() {
	h.serving.Add(1)
	for {
		select {
		case j := <-h.queue:
			j.v.call(&j.e, j.data)
			j.v.release(j.data, j.kind)
			j.v.inflight.Done()
		case <-h.stop:
			return
		}
	}
}
