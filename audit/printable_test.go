package audit

import (
	"bytes"
	"math/rand"
	"testing"
)

// printableRunsByByte is printableRuns as strings(1) reads: every byte in turn.
func printableRunsByByte(data []byte, n, max int) []byte {
	var out []byte
	for i := 0; i < len(data) && len(out) < max; {
		for i < len(data) && (data[i] < 0x20 || data[i] >= 0x7f) {
			i++
		}
		start := i
		for i < len(data) && data[i] >= 0x20 && data[i] < 0x7f {
			i++
		}
		if i-start >= n {
			out = append(out, data[start:i]...)
			out = append(out, '\n')
		}
	}
	return out
}

// printableRuns skips windows whose last byte is not printable; it must find what reading
// every byte finds, at every run length around the minimum, at both ends and past max.
func TestPrintableRunsSkipsSoundly(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for k := 0; k < 20000; k++ {
		data := make([]byte, rng.Intn(300))
		for i := range data {
			switch rng.Intn(4) {
			case 0:
				data[i] = byte(rng.Intn(256))
			case 1:
				data[i] = byte(rng.Intn(0x20))
			default:
				data[i] = byte(0x20 + rng.Intn(0x5f))
			}
		}
		n, max := 1+rng.Intn(9), rng.Intn(400)
		want := printableRunsByByte(data, n, max)
		got := printableRuns(nil, data, n, max)
		if !bytes.Equal(got, want) {
			t.Fatalf("runs of %d (max %d) in %q:\n got %q\nwant %q", n, max, data, got, want)
		}
		// Appended to a buffer that holds bytes already, which count toward max.
		if got := printableRuns([]byte("kept"), data, n, max+4); !bytes.Equal(got, append([]byte("kept"), want...)) {
			t.Fatalf("runs of %d (max %d) in %q appended to 4 bytes:\n got %q\nwant %q", n, max, data, got, want)
		}
	}
}
