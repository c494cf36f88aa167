package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// TestFoundStreams: Options.Found hands over every finding before the scan returns, with its
// layer and path set; what it handed over covers each rule, layer and path the result holds.
func TestFoundStreams(t *testing.T) {
	img, err := forensics.Open(context.Background(), demoSuspect, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	var mu sync.Mutex
	streamed := map[string]bool{}
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: scanSetWith(t, nil), Found: func(fs []audit.Finding) {
		mu.Lock()
		defer mu.Unlock()
		for _, f := range fs {
			streamed[key(f)] = true
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) == 0 {
		t.Fatal("the demo suspect has findings")
	}
	for _, f := range res.Findings {
		if !streamed[key(f)] {
			t.Errorf("%s %s (layer %d) was not streamed", f.Rule, f.Path, f.Layer)
		}
	}
}

func key(f audit.Finding) string { return fmt.Sprintf("%s|%s|%d", f.Rule, f.Path, f.Layer) }
