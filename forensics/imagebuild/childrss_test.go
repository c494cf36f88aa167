package imagebuild

import (
	"os"
	"runtime"
	"testing"
)

// TestChildPeakRSS: the child's peak is its own, whatever the parent holds at the fork.
func TestChildPeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	held := make([]byte, 256<<20)
	for i := range held {
		if i%4096 == 0 {
			held[i] = 1
		}
	}
	small, err := ChildPeakRSS("TestChildRSSChild", "STRATA_RSS_CHILD_MB=0")
	if err != nil {
		t.Fatal(err)
	}
	big, err := ChildPeakRSS("TestChildRSSChild", "STRATA_RSS_CHILD_MB=96")
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(held)
	if small > 128<<10 {
		t.Errorf("a child that allocates nothing peaks at %d KiB beside a parent holding 256 MiB", small)
	}
	if big < 96<<10 || big < small {
		t.Errorf("a child that touches 96 MiB peaks at %d KiB (the idle one at %d)", big, small)
	}
}

// TestChildRSSChild is TestChildPeakRSS's child: it touches STRATA_RSS_CHILD_MB MiB.
func TestChildRSSChild(t *testing.T) {
	mb := os.Getenv("STRATA_RSS_CHILD_MB")
	if mb == "" {
		t.Skip("only run as TestChildPeakRSS's child")
	}
	ReportHighWater(t)
	n := 0
	for _, c := range mb {
		n = n*10 + int(c-'0')
	}
	b := make([]byte, n<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	runtime.KeepAlive(b)
}
