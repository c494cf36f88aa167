package casework

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestScheduleScans: over random fleets (images drawing their blobs from a few shared bases
// and blobs of their own), with any number of jobs and memory budgets down to less than one
// image needs, every task runs once, no two running tasks ever hold the same blob, each blob
// is claimed (read) once, at most jobs run at once, and the budget is kept unless one task
// runs alone. A deadlock fails the test by its timeout.
func TestScheduleScans(t *testing.T) {
	for seed := range 200 {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		bases := make([][]string, 1+rng.IntN(4))
		for i := range bases {
			for j := range 1 + rng.IntN(4) {
				bases[i] = append(bases[i], fmt.Sprintf("base%d-%d", i, j))
			}
		}
		n := 1 + rng.IntN(30)
		jobs := 1 + rng.IntN(4)
		budget := int64(1 + rng.IntN(100))
		var (
			mu      sync.Mutex
			reading = map[string]int{} // blob -> running tasks reading it
			claims  = map[string]int{}
			ran     = map[int]int{}
			running int
			used    int64
			fail    []string
		)
		tasks := make([]*auditTask, n)
		for i := range tasks {
			var blobs []string
			if rng.IntN(5) > 0 {
				blobs = append(blobs, bases[rng.IntN(len(bases))]...)
			}
			for j := range rng.IntN(3) {
				blobs = append(blobs, fmt.Sprintf("own%d-%d", i, j))
			}
			if rng.IntN(10) == 0 && i > 0 {
				blobs = append(blobs, fmt.Sprintf("own%d-0", rng.IntN(i))) // a blob of another image
			}
			t := &auditTask{blobs: dedupe(blobs), memory: int64(1 + rng.IntN(60))}
			pause := time.Duration(rng.IntN(3)) * 100 * time.Microsecond
			early := rng.IntN(2) == 0 // releases what it read before it ends
			t.run = func(claimed []string, release func(string)) {
				mu.Lock()
				running++
				used += t.memory
				if running > jobs {
					fail = append(fail, fmt.Sprintf("%d tasks running, jobs %d", running, jobs))
				}
				if running > 1 && used > budget {
					fail = append(fail, fmt.Sprintf("%d bytes expected with %d running, budget %d", used, running, budget))
				}
				// Every blob it needs is read by nobody now: it reads it itself or takes it
				// from the cache.
				for _, b := range t.blobs {
					if reading[b] > 0 {
						fail = append(fail, fmt.Sprintf("task %d started while blob %s is being read", i, b))
					}
				}
				for _, b := range claimed {
					reading[b]++
					claims[b]++
				}
				ran[i]++
				mu.Unlock()
				time.Sleep(pause)
				left := claimed
				if early && len(claimed) > 0 {
					k := rng2(i, len(claimed))
					mu.Lock()
					for _, b := range claimed[:k] {
						reading[b]--
					}
					mu.Unlock()
					for _, b := range claimed[:k] {
						release(b)
					}
					left = claimed[k:]
					time.Sleep(pause)
				}
				mu.Lock()
				for _, b := range left {
					reading[b]--
				}
				running--
				used -= t.memory
				mu.Unlock()
			}
			tasks[i] = t
		}
		done := make(chan []*auditTask)
		go func() { done <- scheduleScans(context.Background(), tasks, jobs, budget) }()
		select {
		case left := <-done:
			if len(left) != 0 {
				t.Fatalf("seed %d: %d tasks never started", seed, len(left))
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("seed %d: the scheduler is stuck", seed)
		}
		for _, f := range fail {
			t.Errorf("seed %d: %s", seed, f)
		}
		for i := range tasks {
			if ran[i] != 1 {
				t.Errorf("seed %d: task %d ran %d times", seed, i, ran[i])
			}
		}
		for b, c := range claims {
			if c != 1 {
				t.Errorf("seed %d: blob %s read %d times", seed, b, c)
			}
		}
	}
}

// TestScheduleScansStops: once ctx is done no task starts; the running ones finish and the
// rest are returned.
func TestScheduleScansStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var started int
	tasks := make([]*auditTask, 10)
	for i := range tasks {
		// One job: the tasks run one after the other.
		tasks[i] = &auditTask{blobs: []string{fmt.Sprint("blob", i)}, run: func([]string, func(string)) {
			started++
			if started == 2 {
				cancel()
			}
		}}
	}
	left := scheduleScans(ctx, tasks, 1, 1<<30)
	if started != 2 || len(left) != 8 {
		t.Errorf("started %d, left %d; want 2 and 8", started, len(left))
	}
}

// rng2 is how many of n claimed blobs task i releases early: 1 to n.
func rng2(i, n int) int { return 1 + i%n }

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
