package forensics

import (
	"sync/atomic"
	"time"

	"github.com/strata-forensics/strata/forensics/internal/load"
)

// Image is an opened image: identity, config, layers and history. Trees are built separately
// (see ReadLayers) so that opening stays cheap.
type Image struct {
	Input         Input
	Digest        string // manifest digest
	ConfigDigest  string
	ArchiveID     string // the image ID the archive names (docker-archive), "" otherwise
	Tags          []string
	OS            string
	Architecture  string
	Variant       string
	Created       time.Time
	Author        string
	Config        Config
	Layers        []Layer
	History       []History
	Anomalies     []Anomaly
	ManifestBytes []byte
	ConfigBytes   []byte

	src    *load.Image
	tmpDir string
	// progress is what OnRead set.
	progress atomic.Pointer[func(LayerProgress)]
}

// Input identifies the evidence: where it was, how it was read, and its hash.
type Input struct {
	Path     string `json:"path"`
	Format   string `json:"format"`
	Selector string `json:"selector,omitempty"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
}

// Config is the runtime configuration an image carries.
type Config struct {
	User         string            `json:"user"`
	Env          []string          `json:"env"`
	Entrypoint   []string          `json:"entrypoint"`
	Cmd          []string          `json:"cmd"`
	WorkingDir   string            `json:"working_dir"`
	ExposedPorts []string          `json:"exposed_ports"`
	Volumes      []string          `json:"volumes"`
	Labels       map[string]string `json:"labels"`
	Healthcheck  *Healthcheck      `json:"healthcheck,omitempty"`
	StopSignal   string            `json:"stop_signal,omitempty"`
	Shell        []string          `json:"shell,omitempty"`
	OnBuild      []string          `json:"onbuild,omitempty"`
}

// Healthcheck is Docker's HEALTHCHECK setting.
type Healthcheck struct {
	Test        []string      `json:"test"`
	Interval    time.Duration `json:"interval,omitempty"`
	Timeout     time.Duration `json:"timeout,omitempty"`
	StartPeriod time.Duration `json:"start_period,omitempty"`
	Retries     int           `json:"retries,omitempty"`
}

// Layer is one filesystem layer in manifest order.
type Layer struct {
	Index     int
	Digest    string // of the blob as stored (OCI); docker-archive layers are addressed by their diff_id
	DiffID    string // from the config's rootfs.diff_ids
	MediaType string
	Size      int64 // stored size
	// BlobClaim is the digest the image claims for the stored bytes (see load.Blob.Claim); ""
	// when it claims none.
	BlobClaim string
	// BlobSHA256 is the sha256 of the stored bytes as this run read them from the evidence
	// ("sha256:<hex>"), filled in by HashBlobs; "" until then, and for a root filesystem.
	BlobSHA256 string
	// Filled in once the layer has been read:
	UncompressedSize int64
	Files            int // entries in the layer's tar, whiteouts included
	// ReadDiffID is the sha256 of the uncompressed stream as this run read it: the layer's
	// content identity, whatever the config claims in DiffID.
	ReadDiffID string
	History    int // index into Image.History of the step that made this layer, -1 when none

	read bool // ReadDiffID is what the read found ("" when the stream broke off)
}

// BlobAsClaimed reports whether the stored bytes hash to what the image claims for them, or
// nothing is claimed. It is true until HashBlobs has run.
func (l *Layer) BlobAsClaimed() bool {
	return l.BlobClaim == "" || l.BlobSHA256 == "" || l.BlobClaim == l.BlobSHA256
}

// ContentID is the layer's content identity: the diff_id as read once the layer has been read
// ("" when its stream broke off, so that it equals no other), else the diff_id the config claims.
func (l *Layer) ContentID() string {
	if l.read {
		return l.ReadDiffID
	}
	return l.DiffID
}

// History is one line of the config's history.
type History struct {
	Created    time.Time `json:"created"`
	CreatedBy  string    `json:"created_by"`
	Comment    string    `json:"comment,omitempty"`
	Author     string    `json:"author,omitempty"`
	EmptyLayer bool      `json:"empty_layer"`
	Layer      int       `json:"layer"` // the layer this step made, -1 for empty steps or when there is none
}

// Anomaly is something about the evidence that is wrong or suspicious but does not stop
// analysis: a digest mismatch, a history that does not match the layers, a hostile tar entry.
type Anomaly struct {
	Kind   string `json:"kind"`
	Layer  int    `json:"layer"` // -1 when not tied to a layer
	Path   string `json:"path,omitempty"`
	Detail string `json:"detail"`

	// fromStack marks an anomaly Stack added (it replaces its own on every call).
	fromStack bool
}

// Anomaly kinds.
const (
	AnomalyDigestMismatch  = "digest-mismatch"
	AnomalyDiffIDMismatch  = "diff-id-mismatch"
	AnomalyConfigMismatch  = "config-digest-mismatch"
	AnomalyHistoryMismatch = "history-layer-mismatch"
	AnomalyUnsafePath      = "unsafe-path"
	AnomalyEscapingLink    = "escaping-link"
	AnomalyDuplicateEntry  = "duplicate-entry"
	AnomalyBadEntry        = "bad-entry"
	AnomalyTruncated       = "truncated-layer"
	AnomalyLoad            = "load"
	// AnomalyAbsolutePath is a tar entry name starting with "/".
	AnomalyAbsolutePath = "absolute-path"
	// AnomalyWriteThroughLink is an entry (or whiteout) whose parent directory is a symlink of
	// the same or a lower layer: extracting it writes wherever the link points.
	AnomalyWriteThroughLink = "write-through-symlink"
	// AnomalyBrokenHardlink is a hard link whose target does not exist when it is extracted
	// (dangling), comes later in the same tar (forward), or leads back to itself (cyclic).
	AnomalyBrokenHardlink = "broken-hardlink"
	// AnomalyLimit is a layer read no further because it reached one of the Limits.
	AnomalyLimit = "limit-exceeded"
	// AnomalyDuplicateMember is an archive member (a layer.tar, manifest.json) that appears
	// more than once in the input archive.
	AnomalyDuplicateMember = load.AnomalyDuplicateMember
)
