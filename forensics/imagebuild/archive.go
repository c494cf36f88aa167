package imagebuild

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DockerLayout selects which `docker save` layout WriteDockerArchive writes.
type DockerLayout int

const (
	// Classic is docker save up to Docker 24: <v1id>/{VERSION,json,layer.tar}, <confighex>.json,
	// manifest.json and repositories.
	Classic DockerLayout = iota
	// OCI25 is docker save from Docker 25 on: an OCI image layout (oci-layout, index.json,
	// blobs/sha256/...) plus manifest.json and repositories pointing into blobs/sha256.
	OCI25
)

// String names the layout.
func (l DockerLayout) String() string {
	if l == OCI25 {
		return "docker25"
	}
	return "classic"
}

const (
	ociLayoutContent = `{"imageLayoutVersion":"1.0.0"}`
	// Annotations docker save (25+) puts on index.json entries.
	annotationImageName = "io.containerd.image.name"
	annotationRefName   = "org.opencontainers.image.ref.name"
)

// metaTime is the mtime docker save gives manifest.json, repositories and oci-layout.
var metaTime = time.Unix(0, 0).UTC()

// member is one archive entry; content comes from data or a layer blob.
type member struct {
	name  string
	dir   bool
	data  []byte
	layer *BuiltLayer
	link  string // a symbolic link to this target, relative to the member's directory
	mtime time.Time
}

// members is the set of entries of an archive, keyed by slash path without trailing slash.
type members map[string]*member

func (ms members) addDirs(name string, mtime time.Time) {
	for d := parentDir(name); d != ""; d = parentDir(d) {
		if _, ok := ms[d]; !ok {
			ms[d] = &member{name: d, dir: true, mtime: mtime}
		}
	}
}

func parentDir(name string) string {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return ""
	}
	return name[:i]
}

// add keeps the first content for a name, as docker save writes a shared blob once.
func (ms members) add(name string, data []byte, mtime time.Time) {
	if _, ok := ms[name]; ok {
		return
	}
	ms.addDirs(name, mtime)
	ms[name] = &member{name: name, data: data, mtime: mtime}
}

func (ms members) addLayer(name string, l *BuiltLayer, mtime time.Time) {
	if _, ok := ms[name]; ok {
		return
	}
	ms.addDirs(name, mtime)
	ms[name] = &member{name: name, layer: l, mtime: mtime}
}

// addLink adds a symbolic link to target, as docker save writes a layer it wrote before.
func (ms members) addLink(name, target string, mtime time.Time) {
	if _, ok := ms[name]; ok {
		return
	}
	ms.addDirs(name, mtime)
	ms[name] = &member{name: name, link: target, mtime: mtime}
}

func (ms members) addDir(name string, mtime time.Time) {
	if _, ok := ms[name]; ok {
		return
	}
	ms.addDirs(name, mtime)
	ms[name] = &member{name: name, dir: true, mtime: mtime}
}

// sorted returns entries in the order a directory walk gives: component by component, so
// "a/x" comes before "a.json" as filepath.Walk (and so docker save) would write them.
func (ms members) sorted() []*member {
	out := make([]*member, 0, len(ms))
	for _, m := range ms {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *member) int {
		return slices.Compare(strings.Split(a.name, "/"), strings.Split(b.name, "/"))
	})
	return out
}

func (ms members) writeTar(w io.Writer) error {
	tw := tar.NewWriter(w)
	buf := make([]byte, 1<<20)
	for _, m := range ms.sorted() {
		hdr := &tar.Header{Name: m.name, Mode: 0o644, ModTime: m.mtime, Typeflag: tar.TypeReg}
		switch {
		case m.dir:
			hdr.Name += "/"
			hdr.Mode = 0o755
			hdr.Typeflag = tar.TypeDir
		case m.link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, m.link, 0o777
		default:
			hdr.Size = int64(len(m.data))
		}
		if m.layer != nil {
			n, err := m.layer.size()
			if err != nil {
				return fmt.Errorf("writing %s: %w", m.name, err)
			}
			hdr.Size = n
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("writing %s: %w", m.name, err)
		}
		if m.layer != nil {
			if err := copyLayer(tw, m.layer, buf); err != nil {
				return fmt.Errorf("writing %s: %w", m.name, err)
			}
		} else if _, err := tw.Write(m.data); err != nil {
			return fmt.Errorf("writing %s: %w", m.name, err)
		}
	}
	return tw.Close()
}

func copyLayer(w io.Writer, l *BuiltLayer, buf []byte) error {
	r, err := l.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.CopyBuffer(w, r, buf)
	return err
}

func (ms members) writeDir(dir string) error {
	for _, m := range ms.sorted() {
		p := filepath.Join(dir, filepath.FromSlash(m.name))
		if m.dir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			continue
		}
		if m.link != "" {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(m.link, p); err != nil {
				return err
			}
			continue
		}
		if err := writeMemberFile(p, m); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	return nil
}

func writeMemberFile(p string, m *member) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if m.layer == nil {
		return os.WriteFile(p, m.data, 0o644)
	}
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	if err := copyLayer(f, m.layer, make([]byte, 1<<20)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sameBlob is what two layers have in common when they are the same layer: what they claim
// and what they hold (a test may forge the claims of one copy).
func sameBlob(l BuiltLayer) string {
	held := l.Path
	if held == "" {
		held = digestOf(l.Blob)
	}
	return l.Digest + " " + l.DiffID + " " + held
}

func blobName(digest string) string { return "blobs/sha256/" + hexOf(digest) }

// addBlobs adds the config, manifest and layer blobs of b, honouring Omit flags.
func (ms members) addBlobs(b *Built, withManifest bool) {
	t := b.Image.Created
	if !b.OmitConfig {
		ms.add(blobName(b.ConfigDigest), b.Config, t)
	}
	if withManifest {
		ms.add(blobName(b.ManifestDigest), b.Manifest, t)
	}
	for i := range b.Layers {
		if !b.Layers[i].Omit {
			ms.addLayer(blobName(b.Layers[i].Digest), &b.Layers[i], t)
		}
	}
	ms.addDir("blobs/sha256", t)
}

// WriteOCIArchive writes an oci-archive: a tar of an OCI image layout holding imgs, each
// named in index.json by org.opencontainers.image.ref.name = the tag as given.
func WriteOCIArchive(w io.Writer, imgs ...*Built) error {
	ms, err := ociMembers(imgs)
	if err != nil {
		return err
	}
	return ms.writeTar(w)
}

// WriteOCILayout writes imgs as an OCI image layout directory at dir.
func WriteOCILayout(dir string, imgs ...*Built) error {
	ms, err := ociMembers(imgs)
	if err != nil {
		return err
	}
	return ms.writeDir(dir)
}

func ociMembers(imgs []*Built) (members, error) {
	ms := members{}
	idx := indexJSON{SchemaVersion: 2, MediaType: MediaTypeOCIIndex, Manifests: []descriptor{}}
	for _, b := range imgs {
		ms.addBlobs(b, true)
		d := descriptor{MediaType: b.ManifestMediaType, Digest: b.ManifestDigest, Size: int64(len(b.Manifest))}
		if len(b.Image.Tags) == 0 {
			idx.Manifests = append(idx.Manifests, d)
		}
		for _, tag := range b.Image.Tags {
			d.Annotations = map[string]string{annotationRefName: tag}
			idx.Manifests = append(idx.Manifests, d)
		}
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return nil, fmt.Errorf("rendering index.json: %w", err)
	}
	ms.add("index.json", data, metaTime)
	ms.add("oci-layout", []byte(ociLayoutContent), metaTime)
	return ms, nil
}

type indexJSON struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// manifestItem is one entry of docker save's manifest.json (Docker image spec v1.2).
type manifestItem struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// WriteDockerArchive writes imgs as `docker save` does, in the given layout. Layers are stored
// as built: uncompressed unless the recipe asked for compression, in which case layer.tar (or
// the blob) holds the compressed bytes, which docker load and containers/image accept.
func WriteDockerArchive(w io.Writer, layout DockerLayout, imgs ...*Built) error {
	ms := members{}
	// docker save (up to Docker 24) writes each layer once: a layer met again, in this image
	// or another, is a symbolic link to the first copy.
	written := map[string]string{}
	var manifest []manifestItem
	repos := map[string]map[string]string{}
	idx := indexJSON{SchemaVersion: 2, MediaType: MediaTypeOCIIndex, Manifests: []descriptor{}}
	for _, b := range imgs {
		t := b.Image.Created
		v1, err := legacyLayers(b)
		if err != nil {
			return err
		}
		item := manifestItem{}
		refs := make([]ref, 0, len(b.Image.Tags))
		for _, tag := range b.Image.Tags {
			r := parseRef(tag)
			refs = append(refs, r)
			item.RepoTags = append(item.RepoTags, r.familiar())
		}
		var top string
		switch layout {
		case Classic:
			for i, l := range v1 {
				ms.addDir(l.id, t)
				ms.add(l.id+"/VERSION", []byte("1.0"), t)
				ms.add(l.id+"/json", l.json, t)
				name := l.id + "/layer.tar"
				switch first, seen := written[sameBlob(b.Layers[i])]; {
				case b.Layers[i].Omit:
				case seen && first != name:
					ms.addLink(name, "../"+first, t)
				default:
					ms.addLayer(name, &b.Layers[i], t)
					written[sameBlob(b.Layers[i])] = name
				}
				item.Layers = append(item.Layers, l.id+"/layer.tar")
				top = l.id
			}
			item.Config = hexOf(b.ConfigDigest) + ".json"
			if !b.OmitConfig {
				ms.add(item.Config, b.Config, t)
			}
		case OCI25:
			ms.addBlobs(b, true)
			for i, l := range v1 {
				// Docker 25 still writes each layer's legacy v1 json as an unreferenced blob.
				ms.add(blobName(digestOf(l.json)), l.json, t)
				item.Layers = append(item.Layers, blobName(b.Layers[i].Digest))
				top = hexOf(b.Layers[i].DiffID)
			}
			item.Config = blobName(b.ConfigDigest)
			plat := &platform{Architecture: b.Image.Arch, OS: b.Image.OS, Variant: b.Image.Variant}
			d := descriptor{MediaType: b.ManifestMediaType, Digest: b.ManifestDigest, Size: int64(len(b.Manifest)), Platform: plat}
			if len(refs) == 0 {
				idx.Manifests = append(idx.Manifests, d)
			}
			for _, r := range refs {
				d.Annotations = map[string]string{annotationImageName: r.full(), annotationRefName: r.tag}
				idx.Manifests = append(idx.Manifests, d)
			}
		default:
			return fmt.Errorf("unknown docker layout %d", layout)
		}
		for _, r := range refs {
			if repos[r.familiarName()] == nil {
				repos[r.familiarName()] = map[string]string{}
			}
			repos[r.familiarName()][r.tag] = top
		}
		manifest = append(manifest, item)
	}
	// docker save writes manifest.json and repositories with json.Encoder: a trailing newline.
	var mj bytes.Buffer
	if err := json.NewEncoder(&mj).Encode(manifest); err != nil {
		return fmt.Errorf("rendering manifest.json: %w", err)
	}
	ms.add("manifest.json", mj.Bytes(), metaTime)
	if len(repos) > 0 {
		var rj bytes.Buffer
		if err := json.NewEncoder(&rj).Encode(repos); err != nil {
			return fmt.Errorf("rendering repositories: %w", err)
		}
		ms.add("repositories", rj.Bytes(), metaTime)
	}
	if layout == OCI25 {
		data, err := json.Marshal(idx)
		if err != nil {
			return fmt.Errorf("rendering index.json: %w", err)
		}
		ms.add("index.json", data, metaTime)
		ms.add("oci-layout", []byte(ociLayoutContent), metaTime)
	}
	return ms.writeTar(w)
}

// SaveDockerArchive writes imgs as WriteDockerArchive does into a new file at path.
func SaveDockerArchive(path string, layout DockerLayout, imgs ...*Built) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := WriteDockerArchive(f, layout, imgs...); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// ref is an image reference split the way docker save needs it.
type ref struct{ domain, path, tag string }

// parseRef splits "name[:tag]" in Docker's normalisation: no domain means docker.io, a
// single path component on docker.io means library/, no tag means latest.
func parseRef(s string) ref {
	r := ref{tag: "latest"}
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		s, r.tag = s[:i], s[i+1:]
	}
	first, rest, ok := strings.Cut(s, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.domain, r.path = first, rest
	} else {
		r.domain, r.path = "docker.io", s
	}
	if r.domain == "docker.io" && !strings.Contains(r.path, "/") {
		r.path = "library/" + r.path
	}
	return r
}

func (r ref) familiarName() string {
	if r.domain == "docker.io" {
		return strings.TrimPrefix(r.path, "library/")
	}
	return r.domain + "/" + r.path
}

func (r ref) familiar() string { return r.familiarName() + ":" + r.tag }
func (r ref) full() string     { return r.domain + "/" + r.path + ":" + r.tag }

// legacyLayer is one layer's v1 identity in docker save output.
type legacyLayer struct {
	id   string // hex
	json []byte
}

// v1Image is Docker's legacy per-layer image JSON, fields in Docker's order.
type v1Image struct {
	ID              string      `json:"id,omitempty"`
	Parent          string      `json:"parent,omitempty"`
	Comment         string      `json:"comment,omitempty"`
	Created         *time.Time  `json:"created,omitempty"`
	Container       string      `json:"container,omitempty"`
	ContainerConfig mobyConfig  `json:"container_config"`
	DockerVersion   string      `json:"docker_version,omitempty"`
	Author          string      `json:"author,omitempty"`
	Config          *mobyConfig `json:"config,omitempty"`
	Architecture    string      `json:"architecture,omitempty"`
	Variant         string      `json:"variant,omitempty"`
	OS              string      `json:"os,omitempty"`
}

// mobyConfig is Docker's container.Config, which the daemon re-marshals into the legacy JSON
// with every non-omitempty field present.
type mobyConfig struct {
	Hostname     string
	Domainname   string
	User         string
	AttachStdin  bool
	AttachStdout bool
	AttachStderr bool
	ExposedPorts map[string]struct{} `json:",omitempty"`
	Tty          bool
	OpenStdin    bool
	StdinOnce    bool
	Env          []string
	Cmd          []string
	Healthcheck  *healthJSON `json:",omitempty"`
	ArgsEscaped  bool        `json:",omitempty"`
	Image        string
	Volumes      map[string]struct{}
	WorkingDir   string
	Entrypoint   []string
	OnBuild      []string
	Labels       map[string]string
	StopSignal   string   `json:",omitempty"`
	Shell        []string `json:",omitempty"`
}

// legacyLayers computes each layer's v1 id and json as Docker's tarexport does: the v1 id
// hashes the legacy JSON with the layer's chain ID and the parent's v1 id; only the top layer
// carries the image's config, lower ones get created = 1970-01-01.
func legacyLayers(b *Built) ([]legacyLayer, error) {
	// Read the top layer's fields back from the config bytes, so a replaced config shows.
	var cfg v1Image
	if err := json.Unmarshal(b.Config, &cfg); err != nil {
		created := b.Image.Created
		cfg = v1Image{Created: &created, Architecture: b.Image.Arch, OS: b.Image.OS}
	}
	out := make([]legacyLayer, 0, len(b.Layers))
	var parent, chain string
	for i, l := range b.Layers {
		if i == 0 {
			chain = l.DiffID
		} else {
			chain = digestOf([]byte(chain + " " + l.DiffID))
		}
		epoch := time.Unix(0, 0).UTC()
		v := v1Image{Created: &epoch}
		if i == len(b.Layers)-1 {
			v = cfg
			v.ID, v.Parent = "", ""
		}
		v.OS = cfg.OS
		id, err := legacyID(v, chain, parent)
		if err != nil {
			return nil, err
		}
		v.ID = hexOf(id)
		v.Parent = hexOf(parent)
		data, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("rendering legacy json of layer %d: %w", i, err)
		}
		out = append(out, legacyLayer{id: v.ID, json: data})
		parent = id
	}
	return out, nil
}

func legacyID(v v1Image, chainID, parent string) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return "", err
	}
	m["layer_id"], _ = json.Marshal(chainID)
	if parent != "" {
		m["parent"], _ = json.Marshal(parent)
	}
	data, err = json.Marshal(m)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
