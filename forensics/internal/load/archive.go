package load

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/strata-forensics/strata/forensics/internal/igzip"
)

// Compression names a stream's compression as detected from its magic bytes.
type compression string

const (
	uncompressed compression = ""
	gzipped      compression = "gzip"
	zstded       compression = "zstd"
	bzipped      compression = "bzip2"
	xzed         compression = "xz"
)

var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicBzip2 = []byte("BZh")
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
)

// maxMetadataSize bounds the JSON documents (manifest.json, index.json, manifests) read into memory.
const maxMetadataSize = 16 << 20

// maxDockerConfigSize is the largest config containers/image reads from a docker archive (its
// iolimits.MaxConfigBodySize): it reads the config to make the archive's manifest, and a bigger
// one fails there with an error that names neither the config nor the archive member.
const maxDockerConfigSize = 4 << 20

// detectCompression peeks at br's first bytes.
func detectCompression(br *bufio.Reader) (compression, error) {
	head, err := br.Peek(6)
	if err != nil && !errors.Is(err, io.EOF) {
		return uncompressed, err
	}
	switch {
	case bytes.HasPrefix(head, magicGzip):
		return gzipped, nil
	case bytes.HasPrefix(head, magicZstd):
		return zstded, nil
	case bytes.HasPrefix(head, magicXz):
		return xzed, nil
	case bytes.HasPrefix(head, magicBzip2):
		return bzipped, nil
	}
	return uncompressed, nil
}

// decompress wraps r according to c. The returned close function releases decoder resources.
// The zstd decoder runs on the calling goroutine with a small window so memory stays flat.
func decompress(r io.Reader, c compression) (io.Reader, func(), error) {
	switch c {
	case uncompressed:
		return r, func() {}, nil
	case gzipped:
		zr, err := igzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("reading gzip header: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	case zstded:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(1<<27))
		if err != nil {
			return nil, nil, fmt.Errorf("starting zstd decoder: %w", err)
		}
		return zr, zr.Close, nil
	case bzipped:
		return bzip2.NewReader(r), func() {}, nil
	}
	return nil, nil, fmt.Errorf("%s-compressed data is not supported", c)
}

// archiveFile is an input archive opened read-only, decompressed if needed.
type archiveFile struct {
	f           *os.File
	r           io.Reader // the tar stream
	compression compression
	done        func()
}

func openArchive(p string) (*archiveFile, error) {
	f, err := openEvidence(p)
	if err != nil {
		return nil, pathError(p, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, pathError(p, err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory, not an archive", p)
	}
	if fi.Size() == 0 {
		f.Close()
		return nil, fmt.Errorf("%s: empty file, not a container image archive", p)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	c, err := detectCompression(br)
	if err != nil {
		f.Close()
		return nil, pathError(p, err)
	}
	if c == uncompressed {
		// Hand tar the *os.File itself so it seeks over entry bodies instead of reading them.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, pathError(p, err)
		}
		return &archiveFile{f: f, r: f, done: func() {}}, nil
	}
	r, done, err := decompress(br, c)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	limit := max(fi.Size()*maxArchiveRatio, minArchiveExpansion)
	r = &expansionLimit{r: r, left: limit, err: fmt.Errorf("the %s data expands past %d bytes (more than %d per stored byte): it is read no further", c, limit, maxArchiveRatio)}
	return &archiveFile{f: f, r: r, compression: c, done: done}, nil
}

// A compressed input archive may expand to at most maxArchiveRatio bytes per stored byte once
// past minArchiveExpansion: real archives compress a few times, a decompression bomb a
// thousand times and more.
var (
	maxArchiveRatio     int64 = 2000
	minArchiveExpansion int64 = 4 << 30
)

// expansionLimit fails with err once more than left bytes have been read.
type expansionLimit struct {
	r    io.Reader
	left int64
	err  error
}

func (l *expansionLimit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, l.err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func (a *archiveFile) Close() error {
	a.done()
	return a.f.Close()
}

// errStopScan ends walkArchive early without error.
var errStopScan = errors.New("stop scan")

// walkArchive calls visit for every entry of the tar archive at p. Every error names p: a file
// that is no tar at all, a damaged one (a read of a member's data that fails says which member),
// or what visit returned.
func walkArchive(p string, visit func(name string, h *tar.Header, r io.Reader) error) error {
	a, err := openArchive(p)
	if err != nil {
		return err
	}
	defer a.Close()
	what := "tar archive"
	if a.compression != uncompressed {
		what = string(a.compression) + "-compressed tar archive"
	}
	tr := tar.NewReader(a.r)
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return fmt.Errorf("%s: not a container image archive (empty %s)", p, what)
			}
			return nil
		}
		if err != nil {
			if n == 0 {
				if a.compression != uncompressed {
					return fmt.Errorf("%s: not a tar archive inside the %s data: %w", p, a.compression, err)
				}
				return fmt.Errorf("%s: not a tar archive", p)
			}
			return fmt.Errorf("%s: truncated or corrupt %s (after %d entries): %w", p, what, n, err)
		}
		body := &memberReader{r: tr}
		if err := visit(cleanName(h.Name), h, body); err != nil {
			switch {
			case errors.Is(err, errStopScan):
				return nil
			case body.err != nil && errors.Is(err, body.err):
				return fmt.Errorf("%s: truncated or corrupt %s (in %q): %w", p, what, h.Name, err)
			}
			return namingInput(p, err)
		}
	}
}

// memberReader is a member's data as visit reads it; it keeps the error reading it failed with,
// so that walkArchive can tell a damaged archive from visit's own failures.
type memberReader struct {
	r   io.Reader
	err error
}

func (m *memberReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		m.err = err
	}
	return n, err
}

// namingInput returns err with p in front, unless it already starts with it.
func namingInput(p string, err error) error {
	if strings.HasPrefix(err.Error(), p+":") {
		return err
	}
	return fmt.Errorf("%s: %w", p, err)
}

// walkArchive is the package's walkArchive for an archive being opened: members that appear
// more than once are recorded as anomalies, and visit sees only the first manifest.json and
// index.json, the ones containers/image reads.
func (img *Image) walkArchive(p string, visit func(name string, h *tar.Header, r io.Reader) error) error {
	count := map[string]int{}
	err := walkArchive(p, func(name string, h *tar.Header, r io.Reader) error {
		if h.Typeflag == tar.TypeDir {
			return visit(name, h, r)
		}
		count[name]++
		if count[name] > 1 && (name == "manifest.json" || name == "index.json") {
			return nil
		}
		return visit(name, h, r)
	})
	var dups []string
	for name, n := range count {
		if n > 1 {
			dups = append(dups, name)
		}
	}
	sort.Strings(dups)
	for _, name := range dups {
		detail := fmt.Sprintf("%s appears %d times in the archive: tools disagree about which copy is the image "+
			"(containers/image and Strata read the first, docker load and tar -x keep the last)", name, count[name])
		if !img.hasAnomaly(AnomalyDuplicateMember, detail) {
			img.addAnomaly(AnomalyDuplicateMember, "%s", detail)
		}
	}
	return err
}

// AnomalyDuplicateMember is the kind of the anomaly for an archive member that appears twice.
const AnomalyDuplicateMember = "duplicate-member"

func (img *Image) hasAnomaly(kind, detail string) bool {
	for _, a := range img.Anomalies {
		if a.Kind == kind && a.Detail == detail {
			return true
		}
	}
	return false
}

// cleanName normalises an archive member name: no leading "./" or "/", no trailing slash.
func cleanName(name string) string {
	name = path.Clean("/" + name)
	return strings.TrimPrefix(name, "/")
}

// archiveMeta is what a scan of an archive learns about its layout.
type archiveMeta struct {
	manifestJSON []byte // docker save's manifest.json; nil when absent
	indexJSON    []byte // OCI index.json; nil when absent
	ociLayout    bool
	blobs        map[string][]byte // wanted small blobs by member name (see scanArchive)
}

// scanArchive reads the whole archive once, keeping manifest.json and index.json, and the
// members named in want (at most maxMetadataSize each).
func scanArchive(p string, want map[string]bool) (*archiveMeta, error) {
	m := &archiveMeta{blobs: map[string][]byte{}}
	err := walkArchive(p, func(name string, h *tar.Header, r io.Reader) error {
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		read := func() ([]byte, error) {
			if h.Size > maxMetadataSize {
				return nil, fmt.Errorf("%s is too large (%d bytes)", name, h.Size)
			}
			return io.ReadAll(r)
		}
		var err error
		switch {
		case name == "manifest.json":
			m.manifestJSON, err = read()
		case name == "index.json":
			m.indexJSON, err = read()
		case name == "oci-layout":
			m.ociLayout = true
		case want[name]:
			m.blobs[name], err = read()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// sniff decides the format of a bare path.
func sniff(p string) (Format, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", pathError(p, err)
	}
	if fi.IsDir() {
		if _, err := os.Stat(path.Join(p, "oci-layout")); err == nil {
			return OCILayout, nil
		}
		return RootFS, nil
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file or directory", p)
	}
	m, err := scanArchive(p, nil)
	if err != nil {
		return "", err
	}
	return m.format(p)
}

// format tells the layout a scanned archive has. Docker 25+ archives hold both manifest.json and
// an OCI layout; they count as docker-archive, which carries the RepoTags.
func (m *archiveMeta) format(p string) (Format, error) {
	switch {
	case m.manifestJSON != nil:
		return DockerArchive, nil
	case m.ociLayout && m.indexJSON != nil:
		return OCIArchive, nil
	case m.ociLayout:
		return "", fmt.Errorf("%s: not a container image archive (oci-layout but no index.json inside)", p)
	}
	return "", fmt.Errorf("%s: not a container image archive (no manifest.json or oci-layout inside)", p)
}
