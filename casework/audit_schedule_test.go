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
			holding = map[string]int{} // blob -> running tasks that have it
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
			t.run = func(claimed []string) {
				mu.Lock()
				running++
				used += t.memory
				if running > jobs {
					fail = append(fail, fmt.Sprintf("%d tasks running, jobs %d", running, jobs))
				}
				if running > 1 && used > budget {
					fail = append(fail, fmt.Sprintf("%d bytes expected with %d running, budget %d", used, running, budget))
				}
				for _, b := range t.blobs {
					holding[b]++
				}
				for _, b := range claimed {
					claims[b]++
				}
				ran[i]++
				mu.Unlock()
				time.Sleep(pause)
				mu.Lock()
				for _, b := range claimed {
					// Claimed blobs are being read: no other running task may hold them.
					if holding[b] > 1 {
						fail = append(fail, fmt.Sprintf("blob %s read while another running task has it", b))
					}
				}
				for _, b := range t.blobs {
					holding[b]--
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
		tasks[i] = &auditTask{blobs: []string{fmt.Sprint("blob", i)}, run: func([]string) {
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
