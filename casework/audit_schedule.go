package casework

import (
	"context"
	"slices"
)

// auditTask is one image an audit has to scan, as the scheduler sees it.
type auditTask struct {
	// blobs are the distinct sha256 sums of the image's layer blobs, hashed from the
	// evidence in this run.
	blobs []string
	// memory is what its scan is expected to hold at its peak, in bytes.
	memory int64
	// run scans the image; claimed are the blobs no scan before it read, which it reads
	// itself. The others it takes from the layer cache. It calls release with a claimed blob
	// once it has read it and the layer cache holds it (or will not): the tasks waiting for
	// that blob may then start while it analyzes and records what it read.
	run func(claimed []string, release func(blob string))
}

// scheduleScans runs every task, at most jobs at once and within budget bytes of expected
// memory (one task alone may exceed it), so that no two running tasks ever read the same
// blob: a task whose unread blobs a running task is reading waits until that task has read
// them (and released them, or ended), and then finds them in the layer cache. Tasks start in
// the order given, as soon as they may; a later one may pass a waiting one.
//
// It cannot deadlock: a task claims every blob it will read when it starts and waits for
// nothing once running, and a waiting task holds nothing; whenever nothing runs, no blob is
// being read and the budget is free, so the first waiting task starts. It stops starting
// tasks when ctx is done, waits for the running ones, and returns the tasks never started.
func scheduleScans(ctx context.Context, tasks []*auditTask, jobs int, budget int64) []*auditTask {
	jobs = max(jobs, 1)
	pending := slices.Clone(tasks)
	reading := map[string]*auditTask{} // blob -> the running task reading it
	read := map[string]bool{}          // blobs a task has read: the layer cache's now
	done := make(chan *auditTask)
	type release struct {
		t    *auditTask
		blob string
	}
	released := make(chan release)
	claims := map[*auditTask][]string{}
	running := 0
	var used int64
	settle := func(t *auditTask, b string) {
		if reading[b] == t {
			delete(reading, b)
			read[b] = true
		}
	}
	startable := func(t *auditTask) bool {
		if running > 0 && used+t.memory > budget {
			return false
		}
		for _, b := range t.blobs {
			if reading[b] != nil {
				return false
			}
		}
		return true
	}
	for {
		if ctx.Err() == nil {
			for i := 0; i < len(pending) && running < jobs; {
				t := pending[i]
				if !startable(t) {
					i++
					continue
				}
				pending = slices.Delete(pending, i, i+1)
				var claimed []string
				for _, b := range t.blobs {
					if !read[b] {
						reading[b] = t
						claimed = append(claimed, b)
					}
				}
				claims[t] = claimed
				running++
				used += t.memory
				go func() {
					t.run(claimed, func(b string) { released <- release{t, b} })
					done <- t
				}()
			}
		}
		if running == 0 {
			return pending
		}
		select {
		case r := <-released:
			settle(r.t, r.blob)
		case t := <-done:
			running--
			used -= t.memory
			for _, b := range claims[t] {
				settle(t, b)
			}
			delete(claims, t)
		}
	}
}
