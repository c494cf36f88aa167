package load

import "io"

// prefetcher reads ahead of its consumer in a goroutine of its own, so that decompressing and
// hashing a layer overlaps with what the consumer does with the bytes (walking the tar, hashing
// each file).
type prefetcher struct {
	src    io.ReadCloser
	size   int
	depth  int
	chunks chan chunk
	free   chan []byte
	stop   chan struct{}
	done   chan struct{}
	cur    []byte
	held   []byte
	err    error
}

// aheadChunk and aheadDepth are how much a layer's read-ahead decompresses at a time and how
// many chunks it may hold ready. Small chunks are still in the cache when the reader takes them
// (a core's L2 holds 1 MB here): on the real five-layer Debian image on two cores, 64 KB by 8
// against 256 KB by 4 took a full scan from 1.30-1.40x to 1.20-1.28x the floor (four
// alternated pairs), with less peak RSS; 32 KB by 16 was no better.
const (
	aheadChunk = 64 << 10
	aheadDepth = 8
)

type chunk struct {
	b   []byte
	err error
}

func prefetch(src io.ReadCloser, size, depth int) *prefetcher {
	p := &prefetcher{src: src, size: size, depth: depth, chunks: make(chan chunk, depth), free: make(chan []byte, depth+1),
		stop: make(chan struct{}), done: make(chan struct{})}
	for i := 0; i < depth+1; i++ {
		p.free <- make([]byte, size)
	}
	go p.run()
	return p
}

func (p *prefetcher) run() {
	defer close(p.done)
	for {
		var buf []byte
		select {
		case buf = <-p.free:
		case <-p.stop:
			return
		}
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = p.src.Read(buf[n:])
			n += m
		}
		select {
		case p.chunks <- chunk{b: buf[:n], err: err}:
		case <-p.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

func (p *prefetcher) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		if p.held != nil {
			p.free <- p.held[:cap(p.held)]
			p.held = nil
		}
		c := <-p.chunks
		p.cur, p.held, p.err = c.b, c.b, c.err
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// Close stops the read-ahead and closes the source once the goroutine has let go of it.
func (p *prefetcher) Close() error {
	select {
	case <-p.stop:
		return nil
	default:
	}
	close(p.stop)
	<-p.done
	return p.src.Close()
}
