package load

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	dockerarchive "github.com/containers/image/v5/docker/archive"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	ocilayout "github.com/containers/image/v5/oci/layout"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"

	_ "crypto/sha256" // go-digest needs the hash registered
	_ "crypto/sha512"
)

// dockerItem is one entry of docker save's manifest.json.
type dockerItem struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// openDockerArchive reads a docker save tarball, classic or Docker 25+.
func (img *Image) openDockerArchive(ctx context.Context) error {
	p := img.Ref.Path
	// Member sizes give the stored layer sizes; containers/image only reports uncompressed ones.
	sizes := map[string]int64{}
	// The first bytes of each member tell how a layer is stored: containers/image names every
	// docker-archive layer tar.gzip whatever it holds, and a report must not say otherwise.
	magic := map[string]compression{}
	meta := &archiveMeta{}
	err := img.walkArchive(p, func(name string, h *tar.Header, r io.Reader) error {
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		sizes[name] = h.Size
		var err error
		switch name {
		case "manifest.json":
			meta.manifestJSON, err = readSmall(p, name, h, r)
		case "index.json":
			meta.indexJSON, err = readSmall(p, name, h, r)
		default:
			br := bufio.NewReaderSize(r, 16)
			c, derr := detectCompression(br)
			if derr != nil {
				return nil
			}
			magic[name] = c
			if c != uncompressed {
				err = checkExpansion(name, h.Size, br, c)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	if meta.manifestJSON == nil {
		return fmt.Errorf("%s: not a docker archive (no manifest.json inside)", p)
	}
	var items []dockerItem
	if err := json.Unmarshal(meta.manifestJSON, &items); err != nil {
		return fmt.Errorf("%s: decoding manifest.json: %w", p, err)
	}
	if len(items) == 0 {
		return fmt.Errorf("%s: manifest.json lists no images", p)
	}
	idx, err := chooseDockerItem(img.Ref, items)
	if err != nil {
		return err
	}
	item := items[idx]
	if n := sizes[cleanName(item.Config)]; n > maxDockerConfigSize {
		return fmt.Errorf("%s: image @%d's config %s is %d bytes, over the %d bytes an image config may have", p, idx, item.Config, n, maxDockerConfigSize)
	}
	img.RepoTags = append([]string(nil), item.RepoTags...)
	img.ArchiveImageID = imageIDFromConfigName(item.Config)

	cp, err := img.cimagePath(p)
	if err != nil {
		return err
	}
	// An index reference, not a tag one: containers/image parses every RepoTag of the archive
	// when listing, and one odd tag would make the whole archive unreadable.
	cref, err := dockerarchive.NewIndexReference(cp, idx)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	src, err := cref.NewImageSource(ctx, img.sys)
	if err != nil {
		return fmt.Errorf("%s: opening image @%d: %w", p, idx, err)
	}
	img.src = src
	img.digestIsDiffID = true
	if err := img.readManifestAndConfig(ctx, ""); err != nil {
		return err
	}
	for i := range img.Layers {
		l := &img.Layers[i]
		// The synthesized manifest addresses layers by diff_id, which says nothing of the member.
		l.Size, l.member, l.Claim = -1, "", ""
		if i < len(item.Layers) {
			name := cleanName(item.Layers[i])
			l.member = name
			if n, ok := sizes[name]; ok {
				l.Size = n
			}
			c, ok := magic[name]
			if ok {
				l.MediaType = dockerLayerMediaType(c)
			}
			l.Claim = dockerMemberClaim(name, ok && c == uncompressed, l.DiffID)
		}
	}
	if meta.indexJSON != nil {
		img.preferRealManifest(p, meta.indexJSON)
	}
	return nil
}

// checkExpansion reads a compressed member through to its end, failing once it expands past
// the limit an input archive has. containers/image decompresses every compressed layer of a
// docker-archive whole when it opens one, to learn its size, with no limit: a zstd layer of
// 750 KB expanding to 20 GB of zeros cost 20 s there before Strata read a byte of it, and one
// of 75 MB would cost half an hour. Docker's own archives hold uncompressed layers, which
// cost nothing here.
func checkExpansion(name string, size int64, r io.Reader, c compression) error {
	zr, done, err := decompress(r, c)
	if err != nil {
		return nil // containers/image reports a stream it cannot read
	}
	defer done()
	limit := max(size*maxArchiveRatio, minArchiveExpansion)
	lr := &expansionLimit{r: zr, left: limit, err: fmt.Errorf("member %s: its %s data expands past %d bytes (more than %d per stored byte), a decompression bomb: not opened", name, c, limit, maxArchiveRatio)}
	if _, err := io.Copy(io.Discard, lr); errors.Is(err, lr.err) {
		return err
	}
	return nil
}

// dockerMemberClaim is what a docker-archive claims about a layer member's bytes: a Docker 25+
// member is named by its digest, and a plain tar member is its own diff_id.
func dockerMemberClaim(name string, plain bool, diffID string) string {
	if hx, ok := strings.CutPrefix(name, "blobs/sha256/"); ok && hexDigest.MatchString(hx) {
		return "sha256:" + hx
	}
	if plain {
		return diffID
	}
	return ""
}

// dockerLayerMediaType names a stored docker-archive layer as Docker and OCI do.
func dockerLayerMediaType(c compression) string {
	switch c {
	case gzipped:
		return "application/vnd.docker.image.rootfs.diff.tar.gzip"
	case zstded:
		return "application/vnd.oci.image.layer.v1.tar+zstd"
	case bzipped:
		return "application/vnd.oci.image.layer.v1.tar+bzip2"
	case xzed:
		return "application/vnd.oci.image.layer.v1.tar+xz"
	}
	return "application/vnd.docker.image.rootfs.diff.tar"
}

func readSmall(p, name string, h *tar.Header, r io.Reader) ([]byte, error) {
	if h.Size > maxMetadataSize {
		return nil, fmt.Errorf("%s: %s is too large (%d bytes)", p, name, h.Size)
	}
	return io.ReadAll(r)
}

// chooseDockerItem applies the selector to manifest.json's entries.
func chooseDockerItem(ref Ref, items []dockerItem) (int, error) {
	sel := ref.Selector
	switch {
	case strings.HasPrefix(sel, "@"):
		n, err := selectorIndex(sel)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", ref.Path, err)
		}
		if n >= len(items) {
			return 0, fmt.Errorf("%s: no image @%d: the archive holds %d (@0 to @%d)", ref.Path, n, len(items), len(items)-1)
		}
		return n, nil
	case sel != "":
		for i, it := range items {
			for _, t := range it.RepoTags {
				if sameName(t, sel) {
					return i, nil
				}
			}
		}
		return 0, fmt.Errorf("%s: no image tagged %q; the archive has %s", ref.Path, sel, dockerTagList(items))
	case len(items) == 1:
		return 0, nil
	}
	amb := &AmbiguousError{Ref: ref}
	for i, it := range items {
		amb.Candidates = append(amb.Candidates, Candidate{Index: i, Tags: it.RepoTags, Digest: imageIDFromConfigName(it.Config)})
	}
	return 0, amb
}

func dockerTagList(items []dockerItem) string {
	var tags []string
	for _, it := range items {
		tags = append(tags, it.RepoTags...)
	}
	if len(tags) == 0 {
		return "no tags"
	}
	return strings.Join(tags, ", ")
}

// sameName compares image names as Docker does ("foo:1" is "docker.io/library/foo:1"), falling
// back to plain equality for names that do not parse.
func sameName(a, b string) bool {
	if a == b {
		return true
	}
	na, err1 := reference.ParseNormalizedNamed(a)
	nb, err2 := reference.ParseNormalizedNamed(b)
	return err1 == nil && err2 == nil && na.String() == nb.String()
}

var hexDigest = regexp.MustCompile(`^[a-f0-9]{64}$`)

// imageIDFromConfigName turns manifest.json's Config ("<hex>.json" classic, "blobs/sha256/<hex>"
// Docker 25+) into the image ID "sha256:<hex>"; "" when it has neither shape.
func imageIDFromConfigName(name string) string {
	name = cleanName(name)
	base := strings.TrimSuffix(path.Base(name), ".json")
	if !hexDigest.MatchString(base) {
		return ""
	}
	alg := "sha256"
	if dir := path.Dir(name); strings.HasPrefix(dir, "blobs/") {
		alg = strings.TrimPrefix(dir, "blobs/")
	}
	return alg + ":" + base
}

// preferRealManifest replaces the manifest containers/image synthesizes for a docker-archive by
// the one a Docker 25+ archive really stores, when index.json names a manifest whose config is
// ours. The layer list stays the synthesized one (addressed by diff_id), which is what the
// source can serve.
func (img *Image) preferRealManifest(p string, indexJSON []byte) {
	var index imgspecv1.Index
	if err := json.Unmarshal(indexJSON, &index); err != nil {
		img.addAnomaly("index-json", "index.json does not decode: %v", err)
		return
	}
	want := map[string]digest.Digest{}
	for _, d := range index.Manifests {
		if d.Digest.Validate() == nil && !manifest.MIMETypeIsMultiImage(d.MediaType) {
			want[path.Join("blobs", d.Digest.Algorithm().String(), d.Digest.Encoded())] = d.Digest
		}
	}
	if len(want) == 0 {
		return
	}
	found := map[string][]byte{}
	err := img.walkArchive(p, func(name string, h *tar.Header, r io.Reader) error {
		if _, ok := want[name]; !ok || (h.Typeflag != tar.TypeReg) {
			return nil
		}
		b, err := readSmall(p, name, h, r)
		found[name] = b
		return err
	})
	if err != nil {
		img.addAnomaly("index-json", "reading manifests named by index.json: %v", err)
		return
	}
	for name, d := range want {
		raw, ok := found[name]
		if !ok || d.Validate() != nil || d.Algorithm().FromBytes(raw) != d {
			continue
		}
		mt := manifest.GuessMIMEType(raw)
		m, err := manifest.FromBlob(raw, mt)
		if err != nil || m.ConfigInfo().Digest.String() != img.ConfigDigest {
			continue
		}
		img.Manifest, img.ManifestDigest, img.ManifestMediaType = raw, d.String(), mt
		return
	}
}

// ociCandidates lists the images of an OCI index.json.
func ociCandidates(index *imgspecv1.Index) []Candidate {
	var cs []Candidate
	for i, d := range index.Manifests {
		cs = append(cs, Candidate{Index: i, Tags: ociTags(d), Digest: d.Digest.String()})
	}
	return cs
}

// ociTags returns the names an index entry carries in its annotations.
func ociTags(d imgspecv1.Descriptor) []string {
	var tags []string
	for _, k := range []string{imgspecv1.AnnotationRefName, "io.containerd.image.name"} {
		if v := d.Annotations[k]; v != "" && !contains(tags, v) {
			tags = append(tags, v)
		}
	}
	return tags
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// chooseOCIManifest applies the selector to index.json's entries.
func chooseOCIManifest(ref Ref, index *imgspecv1.Index) (int, error) {
	n := len(index.Manifests)
	sel := ref.Selector
	switch {
	case n == 0:
		return 0, fmt.Errorf("%s: index.json lists no images", ref.Path)
	case strings.HasPrefix(sel, "@"):
		i, err := selectorIndex(sel)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", ref.Path, err)
		}
		if i >= n {
			return 0, fmt.Errorf("%s: no image @%d: index.json lists %d (@0 to @%d)", ref.Path, i, n, n-1)
		}
		return i, nil
	case sel != "":
		var all []string
		for i, d := range index.Manifests {
			for _, t := range ociTags(d) {
				if sameName(t, sel) {
					return i, nil
				}
				all = append(all, t)
			}
		}
		have := "no names"
		if len(all) > 0 {
			have = strings.Join(all, ", ")
		}
		return 0, fmt.Errorf("%s: no image named %q; index.json has %s", ref.Path, sel, have)
	}
	// One entry per tag is the norm: entries naming the same manifest are one image.
	for _, d := range index.Manifests[1:] {
		if d.Digest != index.Manifests[0].Digest {
			return 0, &AmbiguousError{Ref: ref, Candidates: ociCandidates(index)}
		}
	}
	return 0, nil
}

// openOCILayout opens an OCI image layout directory (the input itself, or an extracted archive).
func (img *Image) openOCILayout(ctx context.Context, dir string) error {
	p := img.Ref.Path
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%s: not an OCI image layout (no index.json)", p)
		}
		return fmt.Errorf("%s: reading index.json: %w", p, err)
	}
	var index imgspecv1.Index
	if err := json.Unmarshal(b, &index); err != nil {
		return fmt.Errorf("%s: decoding index.json: %w", p, err)
	}
	idx, err := chooseOCIManifest(img.Ref, &index)
	if err != nil {
		return err
	}
	desc := index.Manifests[idx]
	for _, d := range index.Manifests {
		if d.Digest == desc.Digest {
			for _, t := range ociTags(d) {
				if !contains(img.RepoTags, t) {
					img.RepoTags = append(img.RepoTags, t)
				}
			}
		}
	}
	cp, err := img.cimagePath(dir)
	if err != nil {
		return err
	}
	cref, err := ocilayout.NewIndexReference(cp, idx)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	src, err := cref.NewImageSource(ctx, img.sys)
	if err != nil {
		return fmt.Errorf("%s: opening image @%d: %w", p, idx, err)
	}
	img.src = src
	return img.readManifestAndConfig(ctx, desc.Digest)
}

// openOCIArchive extracts the layout files of an OCI archive into the temporary directory and
// opens that as a layout.
//
// It does not use containers/image's oci/archive transport: that one unpacks every member with
// its mode, owner and type (device nodes, setuid files, symlinks) through containers/storage,
// which is more than a hostile archive should get to do, and it can select images by name only.
func (img *Image) openOCIArchive(ctx context.Context) error {
	if in := img.shared; in != nil {
		// The images of one archive share one extraction.
		in.extract.Do(func() {
			in.oci, in.err = in.owner.extractDir()
			if in.err == nil {
				in.skipped, in.err = img.extractOCIArchive(ctx, in.oci)
			}
		})
		if in.err != nil {
			return in.err
		}
		if in.skipped > 0 {
			img.addAnomaly("archive-entry", "%d layout members are not regular files and were skipped", in.skipped)
		}
		return img.openOCILayout(ctx, in.oci)
	}
	dir := filepath.Join(img.tmp, "oci")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("creating temporary directory: %w", err)
	}
	skipped, err := img.extractOCIArchive(ctx, dir)
	if err != nil {
		return err
	}
	if skipped > 0 {
		img.addAnomaly("archive-entry", "%d layout members are not regular files and were skipped", skipped)
	}
	return img.openOCILayout(ctx, dir)
}

// extractOCIArchive copies the layout members of the input, an OCI archive, into dir as plain
// files, and says how many it skipped for not being regular files.
func (img *Image) extractOCIArchive(ctx context.Context, dir string) (int, error) {
	p := img.Ref.Path
	layout, skipped := false, 0
	err := img.walkArchive(p, func(name string, h *tar.Header, r io.Reader) error {
		if !isLayoutMember(name) {
			return nil
		}
		if h.Typeflag != tar.TypeReg {
			skipped++
			return nil
		}
		layout = layout || name == "oci-layout"
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return fmt.Errorf("extracting %s: %w", name, err)
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("extracting %s: %w", name, err)
		}
		_, err = io.Copy(f, ctxReader{ctx, r})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("extracting %s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if !layout {
		return 0, fmt.Errorf("%s: not an OCI archive (no oci-layout inside)", p)
	}
	return skipped, nil
}

var blobMember = regexp.MustCompile(`^blobs/[a-z0-9]+(?:[.+_-][a-z0-9]+)*/[a-zA-Z0-9=_-]+$`)

// isLayoutMember tells the archive members that make up an OCI layout.
func isLayoutMember(name string) bool {
	return name == "oci-layout" || name == "index.json" || blobMember.MatchString(name)
}

// readManifestAndConfig reads the manifest (choosing an instance of a list), verifies it
// against want when known, reads and verifies the config, and fills Layers.
func (img *Image) readManifestAndConfig(ctx context.Context, want digest.Digest) error {
	p := img.Ref.Path
	raw, mt, err := img.src.GetManifest(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: reading manifest: %w", p, err)
	}
	if err := checkDigest(raw, want, "manifest"); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if mt == "" {
		mt = manifest.GuessMIMEType(raw)
	}
	if manifest.MIMETypeIsMultiImage(mt) {
		list, err := manifest.ListFromBlob(raw, mt)
		if err != nil {
			return fmt.Errorf("%s: decoding manifest list: %w", p, err)
		}
		instances := list.Instances()
		if len(instances) == 0 {
			return fmt.Errorf("%s: manifest list %s names no images", p, digest.FromBytes(raw))
		}
		chosen, how := instances[0], "the first (no linux/amd64 entry)"
		if d, err := list.ChooseInstance(img.sys); err == nil {
			chosen, how = d, "linux/amd64"
		}
		img.addAnomaly("manifest-list", "manifest list %s holds %d images; using %s, %s",
			digest.FromBytes(raw), len(instances), chosen, how)
		raw, mt, err = img.src.GetManifest(ctx, &chosen)
		if err != nil {
			return fmt.Errorf("%s: reading manifest %s: %w", p, chosen, err)
		}
		if err := checkDigest(raw, chosen, "manifest"); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if mt == "" || manifest.MIMETypeIsMultiImage(mt) {
			mt = manifest.GuessMIMEType(raw)
		}
	}
	switch mt {
	case manifest.DockerV2Schema2MediaType, imgspecv1.MediaTypeImageManifest:
	default:
		return fmt.Errorf("%s: unsupported manifest type %q", p, mt)
	}
	m, err := manifest.FromBlob(raw, mt)
	if err != nil {
		return fmt.Errorf("%s: decoding manifest: %w", p, err)
	}
	img.Manifest, img.ManifestMediaType, img.ManifestDigest = raw, mt, digest.FromBytes(raw).String()

	ci := m.ConfigInfo()
	if err := ci.Digest.Validate(); err != nil {
		return fmt.Errorf("%s: manifest names config %q: %w", p, ci.Digest, err)
	}
	cfg, err := img.readBlob(ctx, types.BlobInfo{Digest: ci.Digest, Size: ci.Size, MediaType: ci.MediaType})
	if err != nil {
		return fmt.Errorf("%s: reading config %s: %w", p, ci.Digest, err)
	}
	if err := checkDigest(cfg, ci.Digest, "config"); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	img.Config, img.ConfigDigest = cfg, ci.Digest.String()
	var parsed struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(cfg, &parsed); err != nil {
		return fmt.Errorf("%s: decoding config %s: %w", p, ci.Digest, err)
	}
	layers := m.LayerInfos()
	if len(parsed.RootFS.DiffIDs) != len(layers) {
		img.addAnomaly("diff-id-count", "manifest lists %d layers, config has %d diff_ids",
			len(layers), len(parsed.RootFS.DiffIDs))
	}
	img.Layers = make([]Blob, len(layers))
	for i, l := range layers {
		b := Blob{Digest: l.Digest.String(), MediaType: l.MediaType, Size: l.Size, Claim: l.Digest.String()}
		if l.Digest.Validate() == nil {
			b.member = path.Join("blobs", l.Digest.Algorithm().String(), l.Digest.Encoded())
		}
		if i < len(parsed.RootFS.DiffIDs) {
			b.DiffID = parsed.RootFS.DiffIDs[i]
		}
		if len(l.URLs) > 0 {
			img.addAnomaly("foreign-layer", "layer %d (%s) names external URLs %v; only a local copy is read", i, l.Digest, l.URLs)
		}
		img.Layers[i] = b
	}
	return nil
}

// readBlob reads a small blob whole.
func (img *Image) readBlob(ctx context.Context, info types.BlobInfo) ([]byte, error) {
	rc, err := img.getBlob(ctx, info)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxMetadataSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxMetadataSize {
		return nil, fmt.Errorf("larger than %d bytes", maxMetadataSize)
	}
	return b, nil
}

// getBlob asks the source for a blob by digest alone. URLs are never passed on: the OCI layout
// source would fetch a layer with URLs over HTTP.
func (img *Image) getBlob(ctx context.Context, info types.BlobInfo) (io.ReadCloser, error) {
	info = types.BlobInfo{Digest: info.Digest, Size: info.Size, MediaType: info.MediaType}
	img.srcMu.Lock()
	defer img.srcMu.Unlock()
	rc, _, err := img.src.GetBlob(ctx, info, img.cache)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("blob %s is missing from the image", info.Digest)
		}
		return nil, err
	}
	return rc, nil
}

// checkDigest verifies b against want; an empty want checks nothing.
func checkDigest(b []byte, want digest.Digest, kind string) error {
	if want == "" {
		return nil
	}
	if err := want.Validate(); err != nil {
		return fmt.Errorf("%s digest %q: %w", kind, want, err)
	}
	if got := want.Algorithm().FromBytes(b); got != want {
		return &DigestError{Layer: -1, Kind: kind, Want: want.String(), Got: got.String()}
	}
	return nil
}
