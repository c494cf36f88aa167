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

// Whatever sizes the source returns and the consumer asks for, the consumer gets the source's
// bytes in order, and Close closes the source once.
func TestPrefetchReadsInOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	src := make([]byte, 300_000)
	rng.Read(src)
	for range 8 {
		s := &trickle{r: bytes.NewReader(src), max: 1 + rng.Intn(5000)}
		p := prefetch(s, 1+rng.Intn(8192), 1+rng.Intn(3))
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
			t.Errorf("trickle of %d: %d bytes read back, not the source's %d", s.max, got.Len(), len(src))
		}
		if err := p.Close(); err != nil || s.closed != 1 {
			t.Errorf("trickle of %d: Close gave %v and closed the source %d times", s.max, err, s.closed)
		}
	}
	// Closed before it is read to the end, it stops and closes the source once.
	s := &trickle{r: bytes.NewReader(src), max: 100}
	p := prefetch(s, 4096, 2)
	if _, err := p.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil || s.closed != 1 {
		t.Errorf("closed early: Close gave %v and closed the source %d times", err, s.closed)
	}
}
