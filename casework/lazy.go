package casework

import (
	"context"
	"sync"
)

// LazyScanner makes its Scanner on first use: compiling the rules takes a moment the
// workbench's first screen should not wait for.
type LazyScanner struct {
	w    *Workspace
	opts ScanOptions

	once sync.Once
	sc   *Scanner
	err  error
}

// LazyScanner returns a scanner with opts made when Get is first called.
func (w *Workspace) LazyScanner(opts ScanOptions) *LazyScanner {
	return &LazyScanner{w: w, opts: opts}
}

// Get returns the Scanner, making it the first time.
func (l *LazyScanner) Get(ctx context.Context) (*Scanner, error) {
	l.once.Do(func() { l.sc, l.err = l.w.NewScanner(ctx, l.opts) })
	return l.sc, l.err
}

// Close closes the Scanner if one was made.
func (l *LazyScanner) Close() error {
	l.once.Do(func() {}) // a later Get makes nothing
	if l.sc != nil {
		return l.sc.Close()
	}
	return nil
}
