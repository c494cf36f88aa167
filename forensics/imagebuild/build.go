package imagebuild

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Media types, as the OCI image spec and Docker image manifest v2 schema 2 name them.
const (
	MediaTypeOCIManifest  = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeOCIIndex     = "application/vnd.oci.image.index.v1+json"
	MediaTypeOCIConfig    = "application/vnd.oci.image.config.v1+json"
	MediaTypeOCILayer     = "application/vnd.oci.image.layer.v1.tar"
	MediaTypeOCILayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
	MediaTypeOCILayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"

	MediaTypeDockerManifest  = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerConfig    = "application/vnd.docker.container.image.v1+json"
	MediaTypeDockerLayer     = "application/vnd.docker.image.rootfs.diff.tar"
	MediaTypeDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// Built is a built image: the bytes every writer emits, verbatim. See the package doc for how
// tests tamper with it.
type Built struct {
	Image             Image // the recipe, with defaults filled in
	Config            []byte
	ConfigDigest      string // "sha256:<hex>" the manifests name; not recomputed by writers
	ConfigMediaType   string
	OmitConfig        bool // writers leave the config blob out; manifests still name it
	Manifest          []byte
	ManifestDigest    string
	ManifestMediaType string
	Layers            []BuiltLayer
}

// BuiltLayer is one layer blob, held in memory (Blob) or in a file (Path, from BuildTo).
type BuiltLayer struct {
	Blob      []byte
	Path      string
	Digest    string // of the blob as stored (compressed), named by manifests
	DiffID    string // of the uncompressed tar, named by the config's rootfs.diff_ids
	MediaType string
	Size      int64 // of the blob as stored
	// Omit makes writers leave this blob out while manifests still name it.
	Omit bool
}

// Open returns the stored blob bytes.
func (l BuiltLayer) Open() (io.ReadCloser, error) {
	if l.Path != "" {
		return os.Open(l.Path)
	}
	return io.NopCloser(bytes.NewReader(l.Blob)), nil
}

func (l BuiltLayer) size() (int64, error) {
	if l.Path != "" {
		fi, err := os.Stat(l.Path)
		if err != nil {
			return 0, err
		}
		return fi.Size(), nil
	}
	return int64(len(l.Blob)), nil
}

// Build builds img in memory.
func Build(img Image) (*Built, error) { return build(img, "") }

// BuildTo builds img with every layer blob streamed to a temporary file in dir, for images too
// big to hold in memory. The files stay until the caller removes dir.
func BuildTo(img Image, dir string) (*Built, error) {
	if dir == "" {
		return nil, errors.New("building to files: no directory given")
	}
	return build(img, dir)
}

func build(img Image, dir string) (*Built, error) {
	img = img.withDefaults()
	b := &Built{Image: img, Layers: make([]BuiltLayer, len(img.Layers))}

	// Layers are independent; build them in parallel, bounded like the loader.
	errs := make([]error, len(img.Layers))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range img.Layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			b.Layers[i], errs[i] = buildLayer(img.Layers[i], layerTime(img, i), img.DockerMediaTypes, dir)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("building layer %d: %w", i, errs[i])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := b.renderConfig(); err != nil {
		return nil, err
	}
	return b, b.Remanifest()
}

func layerTime(img Image, i int) time.Time {
	if t := img.Layers[i].Created; !t.IsZero() {
		return t
	}
	return img.Created
}

// ReplaceConfig swaps in new config bytes and re-renders the manifest, leaving layers alone.
func (b *Built) ReplaceConfig(cfg []byte) error {
	b.Config = cfg
	b.ConfigDigest = digestOf(cfg)
	return b.Remanifest()
}

// EditConfig changes the recipe's runtime config and re-renders config and manifest with the
// current layers' diff_ids: the dockerscan way of adding LD_PRELOAD without touching layers.
func (b *Built) EditConfig(edit func(*Config)) error {
	edit(&b.Image.Config)
	if err := b.renderConfig(); err != nil {
		return err
	}
	return b.Remanifest()
}

// ReplaceLayer builds l in place of layer i and re-renders the manifest so the blob digest is
// right, but leaves the config (and so its diff_id) alone.
func (b *Built) ReplaceLayer(i int, l Layer) error {
	if i < 0 || i >= len(b.Layers) {
		return fmt.Errorf("replacing layer %d: image has %d layers", i, len(b.Layers))
	}
	dir := ""
	if b.Layers[i].Path != "" {
		dir = filepath.Dir(b.Layers[i].Path)
	}
	t := l.Created
	if t.IsZero() {
		t = b.Image.Created
	}
	bl, err := buildLayer(l, t, b.Image.DockerMediaTypes, dir)
	if err != nil {
		return fmt.Errorf("replacing layer %d: %w", i, err)
	}
	b.Layers[i] = bl
	return b.Remanifest()
}

// Remanifest renders the manifest from ConfigDigest, the config size and the layers'
// descriptors as they stand now.
func (b *Built) Remanifest() error {
	m := manifestJSON{SchemaVersion: 2, MediaType: MediaTypeOCIManifest}
	b.ConfigMediaType = MediaTypeOCIConfig
	if b.Image.DockerMediaTypes {
		m.MediaType = MediaTypeDockerManifest
		b.ConfigMediaType = MediaTypeDockerConfig
	}
	m.Config = descriptor{MediaType: b.ConfigMediaType, Digest: b.ConfigDigest, Size: int64(len(b.Config))}
	m.Layers = []descriptor{}
	for _, l := range b.Layers {
		m.Layers = append(m.Layers, descriptor{MediaType: l.MediaType, Digest: l.Digest, Size: l.Size})
	}
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("rendering manifest: %w", err)
	}
	b.Manifest = data
	b.ManifestDigest = digestOf(data)
	b.ManifestMediaType = m.MediaType
	return nil
}

func digestOf(p []byte) string {
	s := sha256.Sum256(p)
	return "sha256:" + hex.EncodeToString(s[:])
}

func hexOf(digest string) string {
	_, h, ok := strings.Cut(digest, ":")
	if !ok {
		return digest
	}
	return h
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *platform         `json:"platform,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant,omitempty"`
}

type manifestJSON struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
}

// configJSON's keys are in alphabetical order, as in configs Docker writes.
type configJSON struct {
	Architecture string          `json:"architecture"`
	Author       string          `json:"author,omitempty"`
	Config       containerConfig `json:"config"`
	Created      time.Time       `json:"created"`
	History      []historyJSON   `json:"history"`
	OS           string          `json:"os"`
	RootFS       rootFSJSON      `json:"rootfs"`
	Variant      string          `json:"variant,omitempty"`
}

// containerConfig follows the field order BuildKit writes (OCI ImageConfig plus Docker's
// Healthcheck, OnBuild and Shell).
type containerConfig struct {
	User         string              `json:"User,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Env          []string            `json:"Env,omitempty"`
	Entrypoint   []string            `json:"Entrypoint,omitempty"`
	Cmd          []string            `json:"Cmd,omitempty"`
	Volumes      map[string]struct{} `json:"Volumes,omitempty"`
	WorkingDir   string              `json:"WorkingDir,omitempty"`
	Labels       map[string]string   `json:"Labels,omitempty"`
	StopSignal   string              `json:"StopSignal,omitempty"`
	Healthcheck  *healthJSON         `json:"Healthcheck,omitempty"`
	OnBuild      []string            `json:"OnBuild,omitempty"`
	Shell        []string            `json:"Shell,omitempty"`
}

// healthJSON durations are nanoseconds, as Docker stores them.
type healthJSON struct {
	Test          []string `json:"Test,omitempty"`
	Interval      int64    `json:"Interval,omitempty"`
	Timeout       int64    `json:"Timeout,omitempty"`
	StartPeriod   int64    `json:"StartPeriod,omitempty"`
	StartInterval int64    `json:"StartInterval,omitempty"`
	Retries       int      `json:"Retries,omitempty"`
}

type historyJSON struct {
	Created    time.Time `json:"created"`
	Author     string    `json:"author,omitempty"`
	CreatedBy  string    `json:"created_by,omitempty"`
	Comment    string    `json:"comment,omitempty"`
	EmptyLayer bool      `json:"empty_layer,omitempty"`
}

type rootFSJSON struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

func set(keys []string) map[string]struct{} {
	if len(keys) == 0 {
		return nil
	}
	m := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		m[k] = struct{}{}
	}
	return m
}

func (b *Built) renderConfig() error {
	img := b.Image
	c := img.Config
	cfg := configJSON{
		Architecture: img.Arch,
		Author:       img.Author,
		Created:      img.Created,
		OS:           img.OS,
		Variant:      img.Variant,
		Config: containerConfig{
			User: c.User, ExposedPorts: set(c.ExposedPorts), Env: c.Env, Entrypoint: c.Entrypoint, Cmd: c.Cmd,
			Volumes: set(c.Volumes), WorkingDir: c.WorkingDir, Labels: c.Labels, StopSignal: c.StopSignal,
			OnBuild: c.OnBuild, Shell: c.Shell,
		},
		RootFS:  rootFSJSON{Type: "layers", DiffIDs: []string{}},
		History: []historyJSON{},
	}
	if h := c.Healthcheck; h != nil {
		cfg.Config.Healthcheck = &healthJSON{Test: h.Test, Interval: int64(h.Interval), Timeout: int64(h.Timeout),
			StartPeriod: int64(h.StartPeriod), StartInterval: int64(h.StartInterval), Retries: h.Retries}
	}
	for _, l := range b.Layers {
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, l.DiffID)
	}
	steps := img.History
	if steps == nil {
		for i, l := range img.Layers {
			steps = append(steps, Step{Created: layerTime(img, i), CreatedBy: l.CreatedBy, Comment: l.Comment})
		}
	}
	for _, s := range steps {
		if s.Created.IsZero() {
			s.Created = img.Created
		}
		cfg.History = append(cfg.History, historyJSON(s))
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("rendering config: %w", err)
	}
	b.Config = data
	b.ConfigDigest = digestOf(data)
	return nil
}

func layerMediaType(c Compression, docker bool) (string, error) {
	switch c {
	case None:
		if docker {
			return MediaTypeDockerLayer, nil
		}
		return MediaTypeOCILayer, nil
	case Gzip:
		if docker {
			return MediaTypeDockerLayerGzip, nil
		}
		return MediaTypeOCILayerGzip, nil
	case Zstd:
		// Schema2 has no zstd type; Docker and containerd use the OCI one in schema2 manifests too.
		return MediaTypeOCILayerZstd, nil
	}
	return "", fmt.Errorf("unknown compression %d", c)
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func buildLayer(l Layer, def time.Time, docker bool, dir string) (BuiltLayer, error) {
	mt, err := layerMediaType(l.Compression, docker)
	if err != nil {
		return BuiltLayer{}, err
	}
	var (
		mem  bytes.Buffer
		file *os.File
		sink io.Writer = &mem
		buf  *bufio.Writer
	)
	if dir != "" {
		file, err = os.CreateTemp(dir, "layer-*.blob")
		if err != nil {
			return BuiltLayer{}, err
		}
		defer file.Close()
		buf = bufio.NewWriterSize(file, 1<<20)
		sink = buf
	}
	blobHash, size := sha256.New(), &counter{}
	stored := io.MultiWriter(sink, blobHash, size)

	var comp io.WriteCloser
	switch l.Compression {
	case Gzip:
		// No name, no mtime in the header: the output depends on the input alone.
		comp, err = gzip.NewWriterLevel(stored, gzip.DefaultCompression)
	case Zstd:
		// One goroutine keeps the frame layout independent of scheduling.
		comp, err = zstd.NewWriter(stored, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
	}
	if err != nil {
		return BuiltLayer{}, err
	}
	diffHash := sha256.New()
	var plain io.Writer = stored
	if comp != nil {
		plain = comp
	}
	if err := writeLayerTar(io.MultiWriter(plain, diffHash), l, def); err != nil {
		return BuiltLayer{}, err
	}
	if comp != nil {
		if err := comp.Close(); err != nil {
			return BuiltLayer{}, err
		}
	}
	out := BuiltLayer{
		Digest: sumOf(blobHash), DiffID: sumOf(diffHash), MediaType: mt, Size: size.n,
	}
	if file != nil {
		if err := buf.Flush(); err != nil {
			return BuiltLayer{}, err
		}
		if err := file.Close(); err != nil {
			return BuiltLayer{}, err
		}
		out.Path = file.Name()
	} else {
		out.Blob = mem.Bytes()
	}
	return out, nil
}

func sumOf(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }

func writeLayerTar(w io.Writer, l Layer, def time.Time) error {
	if l.Raw != nil {
		_, err := w.Write(l.Raw)
		return err
	}
	tw := tar.NewWriter(w)
	var copyBuf []byte
	write := func(f File) error {
		if f.Type == tar.TypeGNUSparse {
			if err := tw.Flush(); err != nil {
				return err
			}
			return writeSparse(w, f, def)
		}
		hdr := header(f, def)
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("writing %q: %w", hdr.Name, err)
		}
		if hdr.Size == 0 {
			return nil
		}
		if f.Open != nil {
			if copyBuf == nil {
				copyBuf = make([]byte, 256<<10)
			}
			n, err := io.CopyBuffer(tw, io.LimitReader(f.Open(), f.Size), copyBuf)
			if err != nil {
				return fmt.Errorf("writing %q: %w", hdr.Name, err)
			}
			if n != f.Size {
				return fmt.Errorf("writing %q: content is %d bytes, Size says %d", hdr.Name, n, f.Size)
			}
		} else if _, err := tw.Write(f.Content); err != nil {
			return fmt.Errorf("writing %q: %w", hdr.Name, err)
		}
		return nil
	}
	for _, f := range l.Files {
		if err := write(f); err != nil {
			return err
		}
	}
	if l.Generate != nil {
		for f := range l.Generate {
			if err := write(f); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// writeSparse writes a sparse file as GNU tar does in PAX format 1.0: a PAX header naming the
// file and its logical size, then a regular member holding the sparse map (decimal numbers, one
// a line, padded to a block) followed by the data regions.
func writeSparse(w io.Writer, f File, def time.Time) error {
	name := strings.TrimLeft(f.Path, "/")
	var m strings.Builder
	fmt.Fprintf(&m, "%d\n", len(f.Regions))
	var data int64
	last := int64(0)
	for _, r := range f.Regions {
		if r.Offset < last || r.Offset+int64(len(r.Data)) > f.Size {
			return fmt.Errorf("writing sparse %q: regions out of order or past its size", name)
		}
		fmt.Fprintf(&m, "%d\n%d\n", r.Offset, len(r.Data))
		data += int64(len(r.Data))
		last = r.Offset + int64(len(r.Data))
	}
	sparseMap := padBlock([]byte(m.String()))
	pax := paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0") +
		paxRecord("GNU.sparse.name", name) + paxRecord("GNU.sparse.realsize", fmt.Sprint(f.Size))
	mt := f.ModTime
	if mt.IsZero() {
		mt = def
	}
	mode := f.Mode
	if mode == 0 {
		mode = 0o644
	}
	var out bytes.Buffer
	out.Write(ustarBlock("PaxHeaders.0/sparse", 'x', int64(len(pax)), mode, mt))
	out.Write(padBlock([]byte(pax)))
	out.Write(ustarBlock("GNUSparseFile.0/sparse", '0', int64(len(sparseMap))+data, mode, mt))
	out.Write(sparseMap)
	for _, r := range f.Regions {
		out.Write(r.Data)
	}
	if _, err := w.Write(padBlock(out.Bytes())); err != nil {
		return fmt.Errorf("writing sparse %q: %w", name, err)
	}
	return nil
}

// ustarBlock renders one ustar header block.
func ustarBlock(name string, typeflag byte, size, mode int64, mtime time.Time) []byte {
	b := make([]byte, 512)
	copy(b[0:], name)
	copy(b[100:], fmt.Sprintf("%07o\x00", mode))
	copy(b[108:], "0000000\x00")
	copy(b[116:], "0000000\x00")
	copy(b[124:], fmt.Sprintf("%011o\x00", size))
	copy(b[136:], fmt.Sprintf("%011o\x00", mtime.Unix()))
	b[156] = typeflag
	copy(b[257:], "ustar\x0000")
	copy(b[148:], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	copy(b[148:], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

func padBlock(b []byte) []byte { return append(b, make([]byte, (512-len(b)%512)%512)...) }

// paxRecord renders one PAX record, "<length> key=value\n", its length counting itself.
func paxRecord(k, v string) string {
	rec := " " + k + "=" + v + "\n"
	n := len(rec)
	for {
		s := fmt.Sprintf("%d%s", n, rec)
		if len(s) == n {
			return s
		}
		n = len(s)
	}
}

func header(f File, def time.Time) *tar.Header {
	typ := f.Type
	if typ == 0 {
		typ = tar.TypeReg
	}
	name := f.Name
	if name == "" {
		name = strings.TrimLeft(f.Path, "/")
		if typ == tar.TypeDir && !strings.HasSuffix(name, "/") {
			name += "/"
		}
	}
	mode := f.Mode
	if mode == 0 {
		switch typ {
		case tar.TypeDir:
			mode = 0o755
		case tar.TypeSymlink:
			mode = 0o777
		default:
			mode = 0o644
		}
	}
	mt := f.ModTime
	if mt.IsZero() {
		mt = def
	}
	hdr := &tar.Header{
		Typeflag: typ, Name: name, Linkname: f.Link, Mode: mode,
		Uid: f.UID, Gid: f.GID, Uname: f.Uname, Gname: f.Gname,
		ModTime: mt, Devmajor: f.DevMajor, Devminor: f.DevMinor,
	}
	if typ == tar.TypeReg || typ == tar.TypeCont {
		hdr.Size = int64(len(f.Content))
		if f.Open != nil {
			hdr.Size = f.Size
		}
	}
	if len(f.Xattrs) > 0 {
		// archive/tar writes PAX records in sorted key order, so the map is safe.
		hdr.PAXRecords = map[string]string{}
		for k, v := range f.Xattrs {
			hdr.PAXRecords["SCHILY.xattr."+k] = v
		}
		hdr.Format = tar.FormatPAX
	}
	// Sub-second times only survive in PAX headers; keep them when a test sets them.
	if mt.Nanosecond() != 0 {
		hdr.Format = tar.FormatPAX
	}
	return hdr
}
