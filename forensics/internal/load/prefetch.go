package load

import "io"

// prefetcher reads ahead of its consumer in a goroutine of its own, so that decompressing and
// hashing a layer overlaps with what the consumer does with the bytes (walking the tar, hashing
// each file). When every core is already busy with other layers it costs little; when one big
// layer is left at the end it lets that layer use two cores. Until when says so, it reads on
// the consumer's goroutine.
type prefetcher struct {
	src     io.ReadCloser
	when    func() bool
	started bool
	size    int
	depth   int
	chunks  chan chunk
	free    chan []byte
	stop    chan struct{}
	done    chan struct{}
	cur     []byte
	held    []byte
	err     error
}

type chunk struct {
	b   []byte
	err error
}

func prefetch(src io.ReadCloser, size, depth int, when func() bool) *prefetcher {
	p := &prefetcher{src: src, when: when, size: size, depth: depth}
	if when() {
		p.start()
	}
	return p
}

func (p *prefetcher) start() {
	p.started = true
	p.chunks = make(chan chunk, p.depth)
	p.free = make(chan []byte, p.depth+1)
	p.stop = make(chan struct{})
	p.done = make(chan struct{})
	for i := 0; i < p.depth+1; i++ {
		p.free <- make([]byte, p.size)
	}
	go p.run()
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
	if !p.started {
		if !p.when() {
			return p.src.Read(b)
		}
		p.start()
	}
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
	if !p.started {
		return p.src.Close()
	}
	select {
	case <-p.stop:
		return nil
	default:
	}
	close(p.stop)
	<-p.done
	return p.src.Close()
}
