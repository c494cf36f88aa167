package forensics

import "fmt"

// visitor hands each file read to ReadOptions.Visit, in the layer's order. Asynchronous, it
// calls Visit on a goroutine of its own, so that what Visit does with a file (YARA, secrets)
// overlaps reading, decompressing and hashing the next one; files are then read into a few
// rotating buffers, each going back to the reader once Visit has returned with it, which keeps
// Visit's contract that data is only valid during the call.
type visitor struct {
	layer int
	visit FileVisitor
	async bool
	jobs  chan visitJob
	free  chan []byte
	done  chan struct{}
	// failed is the first file whose Visit panicked, with the panic, for the layer's
	// anomalies; Visit's panics are recovered so that no analyzer of a file can take the
	// process down.
	failed string
	closed bool
}

type visitJob struct {
	e      Entry
	data   []byte
	pooled bool
}

const (
	// visitBuffers is how many files an asynchronous visitor's reader may be ahead by, plus one.
	visitBuffers = 3
	// maxPooledBuffer is the largest buffer kept for the next file; bigger files get their own.
	maxPooledBuffer = 4 << 20
)

func newVisitor(layer int, visit FileVisitor, bufSize int, async bool) *visitor {
	n := 1
	if async {
		n = visitBuffers
	}
	v := &visitor{layer: layer, visit: visit, async: async, free: make(chan []byte, n)}
	for range n {
		v.free <- make([]byte, bufSize)
	}
	if async {
		v.jobs = make(chan visitJob, n)
		v.done = make(chan struct{})
		go v.run()
	}
	return v
}

func (v *visitor) run() {
	defer close(v.done)
	for j := range v.jobs {
		v.call(&j.e, j.data)
		v.release(j.data, j.pooled)
	}
}

// call hands one file to Visit, recovering its panic.
func (v *visitor) call(e *Entry, data []byte) {
	defer func() {
		if r := recover(); r != nil && v.failed == "" {
			v.failed = fmt.Sprintf("looking at %s failed: %v", e.Path, r)
		}
	}()
	v.visit(v.layer, e, data)
}

// buffer returns a buffer for a file of size bytes, and whether it belongs to the pool.
func (v *visitor) buffer(size int64) ([]byte, bool) {
	b := <-v.free
	switch {
	case int64(cap(b)) >= size:
	case size <= maxPooledBuffer:
		b = make([]byte, size)
	default:
		v.free <- b
		return make([]byte, size), false
	}
	return b[:size], true
}

// release gives a buffer from buffer back.
func (v *visitor) release(b []byte, pooled bool) {
	if pooled {
		v.free <- b[:cap(b)]
	}
}

// send has e visited with data, a buffer from buffer or nil; the buffer is released after.
func (v *visitor) send(e *Entry, data []byte, pooled bool) {
	if !v.async {
		v.call(e, data)
		v.release(data, pooled)
		return
	}
	v.jobs <- visitJob{e: *e, data: data, pooled: pooled}
}

// close waits for every file sent to have been visited; it may be called more than once.
func (v *visitor) close() {
	if v.closed {
		return
	}
	v.closed = true
	if v.async {
		close(v.jobs)
		<-v.done
	}
}
