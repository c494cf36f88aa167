package load

import (
	"bytes"
	"io"
	"math/rand"
	"testing"
)

// trickle is a source that returns at most max bytes a read and counts its closes.
type trickle struct {
	r      *bytes.Reader
	max    int
	closed int
}

func (s *trickle) Read(p []byte) (int, error) {
	if len(p) > s.max {
		p = p[:s.max]
	}
	return s.r.Read(p)
}

func (s *trickle) Close() error { s.closed++; return nil }

// The read-ahead may start at any read, or never: the consumer gets the source's bytes in
// order either way, and Close closes the source once.
func TestPrefetchStartsAtAnyRead(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	src := make([]byte, 300_000)
	rng.Read(src)
	for _, after := range []int{-1, 0, 1, 2, 7, 50, 1 << 30} {
		reads := 0
		when := func() bool { reads++; return after >= 0 && reads > after }
		s := &trickle{r: bytes.NewReader(src), max: 1 + rng.Intn(5000)}
		p := prefetch(s, 4096, 2, when)
		var got bytes.Buffer
		buf := make([]byte, 3000)
		for {
			n, err := p.Read(buf[:1+rng.Intn(len(buf))])
			got.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got.Bytes(), src) {
			t.Errorf("started after %d reads: %d bytes read back, not the source's %d", after, got.Len(), len(src))
		}
		if err := p.Close(); err != nil || s.closed != 1 {
			t.Errorf("started after %d reads: Close gave %v and closed the source %d times", after, err, s.closed)
		}
		if started := after >= 0 && after < 1<<30; p.started != started {
			t.Errorf("started after %d reads: started is %v", after, p.started)
		}
	}
}
