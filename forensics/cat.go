package forensics

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// ErrNotFound is returned when a path is not in the layer or filesystem asked for.
var ErrNotFound = errors.New("no such file")

// FileReader is an open file inside a layer.
type FileReader struct {
	io.Reader
	Entry Entry
	Layer int
	close func() error
}

// Close closes the layer stream behind the file.
func (f *FileReader) Close() error { return f.close() }

// OpenFile opens the regular file p. With layer >= 0 it reads that layer's own copy, even when a
// later layer removed or replaced it; with layer -1 it reads the final filesystem, searching the
// layers from the top down so that only the layers above the file's are read. Hardlinks are
// followed within their layer.
func (img *Image) OpenFile(ctx context.Context, layer int, p string) (*FileReader, error) {
	if img.src == nil {
		return nil, errors.New("opening file: image is closed")
	}
	p = path.Clean("/" + p)
	if layer >= len(img.Layers) {
		return nil, fmt.Errorf("no layer %d (the image has %d)", layer, len(img.Layers))
	}
	if layer >= 0 {
		f, gone, err := img.openInLayer(ctx, layer, p)
		if err == nil && f == nil {
			what := "is not in"
			if gone {
				what = "is removed by"
			}
			return nil, fmt.Errorf("%s %s layer %d: %w", p, what, layer, ErrNotFound)
		}
		return f, err
	}
	for l := len(img.Layers) - 1; l >= 0; l-- {
		f, gone, err := img.openInLayer(ctx, l, p)
		if err != nil || f != nil {
			return f, err
		}
		if gone {
			return nil, fmt.Errorf("%s was removed by layer %d (read it from a lower layer with --layer): %w", p, l, ErrNotFound)
		}
	}
	return nil, fmt.Errorf("%s: %w", p, ErrNotFound)
}

// openInLayer scans one layer for p. gone reports a whiteout of p or of a directory above it
// (or an opaque marker above it), which ends a top-down search.
func (img *Image) openInLayer(ctx context.Context, layer int, p string) (f *FileReader, gone bool, err error) {
	rc, err := img.src.OpenLayer(ctx, layer, true)
	if err != nil {
		return nil, false, err
	}
	target := p
	tr := tar.NewReader(rc)
	var scratch LayerTree
	for hops := 0; ; {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			rc.Close()
			return nil, false, fmt.Errorf("reading layer %d: %w", layer, err)
		}
		e, ok := entryFromHeader(hdr, layer, &scratch)
		if !ok {
			continue
		}
		switch {
		case e.Whiteout && (e.Path == target || strings.HasPrefix(target, e.Path+"/")):
			gone = true
			continue
		case e.Opaque && strings.HasPrefix(target, e.Path+"/"):
			gone = true
			continue
		case e.Path != target:
			continue
		}
		switch e.Type {
		case TypeFile:
			return &FileReader{Reader: tr, Entry: e, Layer: layer, close: rc.Close}, false, nil
		case TypeHardlink:
			// The target precedes the link in the same tar; search again from the start.
			if hops++; hops > 8 {
				rc.Close()
				return nil, false, fmt.Errorf("%s: too many hardlink hops", p)
			}
			rc.Close()
			target = e.Link()
			if rc, err = img.src.OpenLayer(ctx, layer, true); err != nil {
				return nil, false, err
			}
			tr = tar.NewReader(rc)
			continue
		case TypeSymlink:
			rc.Close()
			return nil, false, fmt.Errorf("%s is a symlink to %s in layer %d", p, e.Link(), layer)
		default:
			rc.Close()
			return nil, false, fmt.Errorf("%s is a %s in layer %d, not a regular file", p, e.Type, layer)
		}
	}
	rc.Close()
	return nil, gone, nil
}
