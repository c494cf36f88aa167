package load

import (
	"fmt"
	"strings"
)

// Format names how an input is laid out on disk.
type Format string

// The input formats Strata opens.
const (
	DockerArchive Format = "docker-archive" // docker save tarball, classic or Docker 25+ layout
	OCIArchive    Format = "oci-archive"    // tarball of an OCI image layout
	OCILayout     Format = "oci"            // OCI image layout directory
	RootFS        Format = "dir"            // a directory holding an extracted root filesystem
)

// Ref is a parsed input reference: which file or directory, in which format, and which image inside it.
type Ref struct {
	Format Format
	Path   string
	// Selector picks one image of a multi-image input: "repo:tag" or "@N" for docker-archive,
	// a tag (org.opencontainers.image.ref.name) or "@N" for OCI. Empty means "the only one".
	Selector string
}

// String renders the ref in the transport:path[:selector] form the user types.
func (r Ref) String() string {
	s := string(r.Format) + ":" + r.Path
	if r.Selector != "" {
		s += ":" + r.Selector
	}
	return s
}

// Candidate describes one image of a multi-image input, for listing.
type Candidate struct {
	Index  int      `json:"index"`
	Tags   []string `json:"tags,omitempty"`
	Digest string   `json:"digest,omitempty"`
}

// AmbiguousError is returned when an input holds several images and no selector chose one.
type AmbiguousError struct {
	Ref        Ref
	Candidates []Candidate
}

func (e *AmbiguousError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s holds %d images; choose one with %s:%s:repo:tag or %s:%s:@N:", e.Ref.Path, len(e.Candidates),
		e.Ref.Format, e.Ref.Path, e.Ref.Format, e.Ref.Path)
	for _, c := range e.Candidates {
		fmt.Fprintf(&b, "\n  @%d %s %s", c.Index, strings.Join(c.Tags, ","), c.Digest)
	}
	return b.String()
}

// DigestError reports content that does not match the digest it is addressed by.
// Kind is "blob" (the stored bytes vs the manifest digest) or "diff_id" (the uncompressed
// tar stream vs the config's rootfs.diff_ids). Open returns it with Layer -1 and Kind
// "manifest" or "config" when those do not match the digest they are named by.
type DigestError struct {
	Layer int
	Kind  string
	Want  string
	Got   string
}

func (e *DigestError) Error() string {
	if e.Layer < 0 {
		return fmt.Sprintf("%s digest mismatch: want %s, got %s", e.Kind, e.Want, e.Got)
	}
	return fmt.Sprintf("layer %d: %s digest mismatch: want %s, got %s", e.Layer, e.Kind, e.Want, e.Got)
}

// Options control where Open may keep temporary files.
type Options struct {
	// TempDir is the only place Open may write: oci-archive extraction and decompressed copies of
	// compressed docker-archives go below it and are removed by Close. Required.
	TempDir string
	// Shared, when set, is the work images of the same inputs share in this run: the input's
	// hash and an oci-archive's extraction (see Shared). nil: the image has its own.
	Shared *Shared
}

// Blob is one layer as the manifest names it.
type Blob struct {
	Digest    string // digest of the stored bytes, as the manifest names it
	MediaType string
	Size      int64  // stored (possibly compressed) size; -1 when unknown
	DiffID    string // the config's rootfs.diff_ids entry for this layer; "" when the config has none
	// Claim is the digest the image claims for the stored bytes: the manifest digest (OCI), the
	// blobs/sha256/<hex> member name or, for a plain tar member, the diff_id (docker-archive);
	// "" when nothing is claimed about them (a compressed docker-archive member with a plain name).
	Claim string

	member string // the archive member or layout file holding the stored bytes; "" for RootFS
}

// Anomaly is something wrong with the input that does not stop it from being read.
type Anomaly struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}
