package load

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Shared is the work that the images one run opens from the same inputs have in common, done
// once: each input's background hash (an archive is read and hashed once, however many images
// it holds; a layout's blob files are hashed once, by whichever image asks first) and each
// oci-archive's extracted layout. Open uses it when Options.Shared is set.
//
// Images opened with a Shared do not stop its hashes or remove its extractions when they are
// closed: Close does, after every such image is closed. It is safe for concurrent use.
type Shared struct {
	tmp string

	mu     sync.Mutex
	inputs map[sharedKey]*sharedInput
	n      int
	closed bool
}

type sharedKey struct {
	path   string // absolute
	format Format
}

// sharedInput is what the images of one input share.
type sharedInput struct {
	owner *Shared
	hash  *inputHash

	extract sync.Once
	oci     string // oci-archive: the extracted layout
	skipped int    // oci-archive: layout members that were not regular files
	err     error  // oci-archive: why the extraction failed
}

// NewShared returns an empty Shared whose extractions go below tempDir.
func NewShared(tempDir string) (*Shared, error) {
	if tempDir == "" {
		return nil, errors.New("sharing inputs: no temporary directory given")
	}
	if err := os.MkdirAll(tempDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating temporary directory: %w", err)
	}
	tmp, err := os.MkdirTemp(tempDir, "strata-shared-")
	if err != nil {
		return nil, fmt.Errorf("creating temporary directory: %w", err)
	}
	return &Shared{tmp: tmp, inputs: map[sharedKey]*sharedInput{}}, nil
}

// input returns what the images of ref's input share, starting its hash the first time.
func (s *Shared) input(ref Ref, dir bool) (*sharedInput, error) {
	abs, err := filepath.Abs(ref.Path)
	if err != nil {
		return nil, pathError(ref.Path, err)
	}
	k := sharedKey{path: abs, format: ref.Format}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("opening image: the shared inputs are closed")
	}
	in := s.inputs[k]
	if in == nil {
		in = &sharedInput{owner: s, hash: startSharedHash(ref.Path, dir, ref.Format == OCILayout)}
		s.inputs[k] = in
	}
	return in, nil
}

// extractDir returns a new directory for one oci-archive's layout.
func (s *Shared) extractDir() (string, error) {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	dir := filepath.Join(s.tmp, fmt.Sprintf("oci-%d", n))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating temporary directory: %w", err)
	}
	return dir, nil
}

// Close stops every input's hash and removes the extracted layouts. Images opened with s
// must be closed first.
func (s *Shared) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	inputs := s.inputs
	s.inputs = nil
	s.mu.Unlock()
	for _, in := range inputs {
		in.hash.stop()
	}
	if err := os.RemoveAll(s.tmp); err != nil {
		return fmt.Errorf("removing temporary files: %w", err)
	}
	return nil
}
