package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/containers/image/v5/pkg/blobinfocache/memory"
	"github.com/containers/image/v5/types"
)

// Image is one opened image: its identity, raw manifest and config, and its layers.
//
// The fields are set by Open and not changed afterwards. The input's hash is computed in the
// background while the image is read; InputHash waits for it. Anomalies met while streaming
// layers (rootfs directories only) are returned by LayerAnomalies.
type Image struct {
	Ref               Ref
	ManifestDigest    string
	ManifestMediaType string
	Manifest          []byte
	ConfigDigest      string
	Config            []byte
	Layers            []Blob
	RepoTags          []string
	ArchiveImageID    string    // docker-archive: the config name manifest.json gives (the ID Docker reports)
	Anomalies         []Anomaly // found by Open

	tmp   string // private directory below Options.TempDir; removed by Close
	sys   *types.SystemContext
	cache types.BlobInfoCache
	src   types.ImageSource // nil for RootFS

	// digestIsDiffID: the source hands out layers by diff_id, already decompressed
	// (docker-archive), so a mismatch is a diff_id mismatch.
	digestIsDiffID bool

	srcMu  sync.Mutex // GetBlob is not promised to be safe for concurrent use on every source
	hash   *inputHash
	shared *sharedInput // set when the hash (and an oci-archive's extraction) are a Shared's

	mu             sync.Mutex
	layerAnomalies []Anomaly
	stats          map[int]LayerStats
	closed         bool
}

// LayerStats counts the bytes of one layer stream that was read to its end.
type LayerStats struct {
	// Stored is the number of bytes the source handed out. For docker-archive that stream is
	// already decompressed by containers/image, so Stored equals Uncompressed there.
	Stored       int64
	Uncompressed int64
	Compression  string // "gzip", "zstd", "bzip2" or "" for a plain tar
}

// Open opens ref read-only. It fails with *AmbiguousError when the input holds several images and
// ref has no selector.
//
// Open starts hashing the input at once, in the background; see InputHash. Everything Open and
// OpenLayer write goes below a fresh directory inside opts.TempDir, which Close removes.
func Open(ctx context.Context, ref Ref, opts Options) (*Image, error) {
	if opts.TempDir == "" {
		return nil, errors.New("opening image: Options.TempDir is required")
	}
	if ref.Path == "" {
		return nil, errors.New("opening image: empty path")
	}
	fi, err := os.Stat(ref.Path)
	if err != nil {
		return nil, pathError(ref.Path, err)
	}
	if err := validateSelector(ref); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(opts.TempDir, "strata-load-")
	if err != nil {
		return nil, fmt.Errorf("creating temporary directory: %w", err)
	}
	img := &Image{
		Ref: ref,
		tmp: tmp,
		sys: &types.SystemContext{
			// Every place containers/image may write or look for configuration points into our
			// own directory: nothing from $HOME, /etc/containers or /var/tmp.
			BigFilesTemporaryDir:         tmp,
			BlobInfoCacheDir:             tmp,
			RootForImplicitAbsolutePaths: tmp,
			OSChoice:                     "linux",
			ArchitectureChoice:           "amd64",
		},
		cache: memory.New(),
		stats: map[int]LayerStats{},
	}
	if opts.Shared != nil {
		if img.shared, err = opts.Shared.input(ref, fi.IsDir()); err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
		img.hash = img.shared.hash
	} else {
		img.hash = startInputHash(ref.Path, fi.IsDir(), ref.Format == OCILayout)
	}
	ok := false
	defer func() {
		if !ok {
			img.Close()
		}
	}()
	switch ref.Format {
	case DockerArchive:
		err = img.openDockerArchive(ctx)
	case OCIArchive:
		err = img.openOCIArchive(ctx)
	case OCILayout:
		err = img.openOCILayout(ctx, ref.Path)
	case RootFS:
		err = img.openRootFS()
	default:
		err = fmt.Errorf("%s: unknown format %q", ref.Path, ref.Format)
	}
	if err != nil {
		return nil, err
	}
	if ref.Format == OCILayout {
		digests := make([]string, len(img.Layers))
		for i, l := range img.Layers {
			digests[i] = l.Digest
		}
		img.hash.setLayers(digests)
	}
	ok = true
	return img, nil
}

// InputHash waits for the background hash of the input and returns it: the sha256 (hex) and
// size of the input file exactly as given (compressed or not). For a directory (OCI layout or
// root filesystem) it is the sha256 of a canonical listing of its regular files, one line each,
// sorted by path:
//
//	<sha256 hex of the file>  <size in bytes>  <slash-separated path relative to the directory>\n
//
// where a backslash or newline in a path is written as \\ or \n, and a file that cannot be read
// has "unreadable" in place of its hash. Symbolic links are not followed and other file types
// are not listed. The size is then the sum of the listed files' sizes.
func (img *Image) InputHash(ctx context.Context) (sha256 string, size int64, err error) {
	return img.hash.wait(ctx)
}

// LayerAnomalies returns the anomalies met so far while streaming layers: for a root filesystem
// directory, files that could not be read ("unreadable") and sockets left out ("socket").
func (img *Image) LayerAnomalies() []Anomaly {
	img.mu.Lock()
	defer img.mu.Unlock()
	return append([]Anomaly(nil), img.layerAnomalies...)
}

// LayerStats returns the byte counts of layer i once a stream of it has been read to its end.
func (img *Image) LayerStats(i int) (LayerStats, bool) {
	img.mu.Lock()
	defer img.mu.Unlock()
	s, ok := img.stats[i]
	return s, ok
}

func (img *Image) addLayerAnomaly(kind, detail string) {
	img.mu.Lock()
	img.layerAnomalies = append(img.layerAnomalies, Anomaly{Kind: kind, Detail: detail})
	img.mu.Unlock()
}

func (img *Image) addAnomaly(kind, format string, args ...any) {
	img.Anomalies = append(img.Anomalies, Anomaly{Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// Close releases the input and removes temporary files. Streams from OpenLayer should be closed
// first.
func (img *Image) Close() error {
	img.mu.Lock()
	if img.closed {
		img.mu.Unlock()
		return nil
	}
	img.closed = true
	img.mu.Unlock()
	var errs []error
	if img.hash != nil && img.shared == nil {
		img.hash.stop() // a shared hash is the Shared's to stop
	}
	if img.src != nil {
		if err := img.src.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing image source: %w", err))
		}
	}
	if img.tmp != "" {
		if err := os.RemoveAll(img.tmp); err != nil {
			errs = append(errs, fmt.Errorf("removing temporary files: %w", err))
		}
	}
	return errors.Join(errs...)
}

// cimagePath returns a path containers/image accepts for p: its transports refuse paths with a
// ':' in them, so such a path is reached through a symbolic link in our temporary directory.
func (img *Image) cimagePath(p string) (string, error) {
	if !strings.Contains(p, ":") {
		return p, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", pathError(p, err)
	}
	link := filepath.Join(img.tmp, "input")
	if strings.Contains(link, ":") {
		return "", fmt.Errorf("%s: paths containing ':' need a temporary directory without ':' (have %s)", p, img.tmp)
	}
	if err := os.Symlink(abs, link); err != nil {
		return "", fmt.Errorf("linking %s into the temporary directory: %w", p, err)
	}
	return link, nil
}

// BlobSHA256 returns the sha256 ("sha256:<hex>") and size of layer i's stored bytes as this run
// read them from the evidence: the archive member (docker-archive, oci-archive) or the layout
// file that holds the blob, whatever the manifest or config claim about it (compare Blob.Claim).
// An archive's members are hashed by the background input hash, which this waits for; a
// layout's blob file is hashed on first use, unless a layer stream already read it whole. A root
// filesystem directory has no blob: "" and no error.
func (img *Image) BlobSHA256(ctx context.Context, i int) (string, int64, error) {
	if i < 0 || i >= len(img.Layers) {
		return "", 0, fmt.Errorf("hashing layer %d: the image has %d layers", i, len(img.Layers))
	}
	b := img.Layers[i]
	if img.Ref.Format == RootFS {
		return "", 0, nil
	}
	if b.member == "" {
		return "", 0, fmt.Errorf("%s: layer %d: no blob to hash (its digest %q names no file)", img.Ref.Path, i, b.Digest)
	}
	var v verifiedBlob
	switch img.Ref.Format {
	case OCILayout:
		var err error
		if v, err = img.hash.blobSum(ctx, b.member); err != nil {
			return "", 0, fmt.Errorf("%s: hashing layer %d (%s): %w", img.Ref.Path, i, b.member, err)
		}
	default:
		found, ok, err := img.hash.memberSum(ctx, b.member)
		if err != nil {
			return "", 0, fmt.Errorf("%s: hashing layer %d (%s): %w", img.Ref.Path, i, b.member, err)
		}
		if !ok {
			return "", 0, fmt.Errorf("%s: layer %d: the archive has no member %s", img.Ref.Path, i, b.member)
		}
		v = found
	}
	return "sha256:" + v.sum, v.size, nil
}
