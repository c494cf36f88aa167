package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// inputHash is the background hash of an input; see Image.InputHash.
type inputHash struct {
	done   chan struct{}
	cancel context.CancelFunc
	sum    string
	size   int64
	err    error
}

func startInputHash(p string, dir bool) *inputHash {
	ctx, cancel := context.WithCancel(context.Background())
	h := &inputHash{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(h.done)
		if dir {
			h.sum, h.size, h.err = hashTree(ctx, p)
		} else {
			h.sum, h.size, h.err = hashFile(ctx, p)
		}
		if h.err != nil {
			h.err = fmt.Errorf("hashing %s: %w", p, h.err)
		}
	}()
	return h
}

func (h *inputHash) wait(ctx context.Context) (string, int64, error) {
	select {
	case <-h.done:
		return h.sum, h.size, h.err
	case <-ctx.Done():
		return "", 0, ctx.Err()
	}
}

// stop cancels the hash and waits for its goroutine to end.
func (h *inputHash) stop() {
	h.cancel()
	<-h.done
}

// ctxReader fails reads once ctx is done, so long copies can be cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func hashFile(ctx context.Context, p string) (string, int64, error) {
	f, err := os.OpenFile(p, os.O_RDONLY, 0)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	d := sha256.New()
	n, err := io.Copy(d, ctxReader{ctx, f})
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(d.Sum(nil)), n, nil
}

var listingEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

// hashTree hashes the canonical listing of the regular files below root (see Image.InputHash).
func hashTree(ctx context.Context, root string) (string, int64, error) {
	listing := sha256.New()
	var total int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable directory contributes no lines
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		sum, size := "unreadable", int64(0)
		if fi, err := d.Info(); err == nil {
			size = fi.Size()
		}
		if s, n, err := hashFile(ctx, p); err == nil {
			sum, size = s, n
		} else if ctx.Err() != nil {
			return ctx.Err()
		}
		total += size
		fmt.Fprintf(listing, "%s  %d  %s\n", sum, size, listingEscaper.Replace(filepath.ToSlash(rel)))
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(listing.Sum(nil)), total, nil
}
