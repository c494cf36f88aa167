package forensics

import "github.com/strata-forensics/strata/forensics/internal/load"

// SharedInputs is the work the images of one run share when several come from the same input:
// an archive holding many images is read and hashed once, an OCI layout's blob files are hashed
// once (by whichever image asks first, HashBlobs or InputHash), and an oci-archive is extracted
// once. A fleet audit opens every image of a registry export with one SharedInputs.
//
// Close it after every image opened with it has been closed. It is safe for concurrent use.
type SharedInputs struct {
	s *load.Shared
}

// NewSharedInputs returns an empty SharedInputs whose temporary files (extracted archives) go
// in a private directory below tempDir, which must be inside Strata's data directory.
func NewSharedInputs(tempDir string) (*SharedInputs, error) {
	s, err := load.NewShared(tempDir)
	if err != nil {
		return nil, err
	}
	return &SharedInputs{s: s}, nil
}

// Close stops the inputs' hashes and removes the temporary files.
func (s *SharedInputs) Close() error { return s.s.Close() }
