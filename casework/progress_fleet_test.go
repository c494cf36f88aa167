package casework_test

import (
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/casework"
)

// TestProgressOfAnAudit: an audit's progress counts images done of all and bytes read of the
// fleet's plan, whatever each image's own plan says, keeps its rate across images, and keeps
// the totals of images done after forgetting their layers.
func TestProgressOfAnAudit(t *testing.T) {
	now := time.Unix(1000, 0)
	p := casework.NewProgress(func() time.Time { return now })
	for _, e := range []casework.Event{
		casework.Phase{Name: "scanning"},
		casework.FleetPlan{Images: 3, Resumed: 1, Bytes: 400, Estimated: true},
		casework.ImageDone{Image: "resumed", Status: "resumed"},
		casework.Plan{Image: "a", Layers: []casework.PlannedLayer{{Layer: 0, Bytes: 100}, {Layer: 1, Bytes: 100}}},
		casework.Phase{Image: "a", Name: "recording"},
		casework.LayerStarted{Image: "a", Layer: 0},
		casework.LayerRead{Image: "a", Layer: 0, Bytes: 50, Entries: 3},
	} {
		p.Observe(e)
	}
	now = now.Add(10 * time.Second)
	s := p.Snapshot()
	if s.Phase != "scanning" || s.Images != 3 || s.ImagesDone != 1 || s.BytesDone != 50 || s.BytesTotal != 400 ||
		!s.Estimated || s.Rate != 5 || s.Left != 70*time.Second {
		t.Fatalf("snapshot %+v", s)
	}
	for _, e := range []casework.Event{
		casework.LayerFinished{Image: "a", Layer: 0, Bytes: 150, Entries: 5},
		casework.LayerFinished{Image: "a", Layer: 1, Entries: 7, Cached: true},
		casework.ImageDone{Image: "a", Status: "scanned"},
		// The second image's plan does not restart the rate.
		casework.Plan{Image: "b", Layers: []casework.PlannedLayer{{Layer: 0, Bytes: 100}}},
		casework.FleetPlan{Images: 3, Resumed: 1, Bytes: 300},
	} {
		p.Observe(e)
	}
	s = p.Snapshot()
	if s.ImagesDone != 2 || s.BytesDone != 150 || s.BytesTotal != 300 || s.Estimated || s.Cached != 1 || s.Entries != 12 ||
		s.Rate != 15 {
		t.Fatalf("snapshot after one image %+v", s)
	}
	line := s.String()
	for _, want := range []string{"scanning: ", "150 B of 300 B", "2/3 images", "1 layer from the cache", "10s left"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %q", line, want)
		}
	}
}
