package forensics_test

// Tests against real `docker save` output (testdata/real, made by testdata/real/src/make-fixture.sh
// with Debian's dockerd 20.10.24), not against imagebuild's own writer. Every fact Strata reports
// is checked against the archive as parsed here with archive/tar and encoding/json alone, and
// against what the fixture's recipe put in each layer.

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics"
)

const realDir = "../testdata/real"

// savedArchive is a docker save archive as read here, without Strata.
type savedArchive struct {
	sha256   string
	size     int64
	files    map[string][]byte // regular files of the outer tar
	manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	configName  string
	configBytes []byte
	config      struct {
		Config struct {
			User         string
			Env          []string
			Cmd          []string
			Entrypoint   []string
			WorkingDir   string
			ExposedPorts map[string]struct{}
			Labels       map[string]string
		} `json:"config"`
		History []struct {
			CreatedBy  string `json:"created_by"`
			Comment    string `json:"comment"`
			EmptyLayer bool   `json:"empty_layer"`
		} `json:"history"`
		RootFS struct {
			Type    string   `json:"type"`
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	layers []savedLayer
}

type savedLayer struct {
	name    string // path in the outer tar
	sha256  string // "sha256:<hex>" of the layer tar as stored
	size    int64
	entries []savedEntry
	byPath  map[string]*savedEntry
}

type savedEntry struct {
	path     string // "/" + cleaned name; for whiteouts, the path they delete
	whiteout bool
	opaque   bool
	hdr      *tar.Header
	sha256   string // regular files
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readSaved parses a docker save archive with the standard library only.
func readSaved(t *testing.T, file string) *savedArchive {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	a := &savedArchive{sha256: sha256Hex(raw), size: int64(len(raw)), files: map[string][]byte{}}
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		a.files[hdr.Name] = b
	}
	if err := json.Unmarshal(a.files["manifest.json"], &a.manifest); err != nil || len(a.manifest) != 1 {
		t.Fatalf("manifest.json: %v (%d images)", err, len(a.manifest))
	}
	a.configName = a.manifest[0].Config
	a.configBytes = a.files[a.configName]
	if err := json.Unmarshal(a.configBytes, &a.config); err != nil {
		t.Fatalf("config %s: %v", a.configName, err)
	}
	for _, name := range a.manifest[0].Layers {
		b, ok := a.files[name]
		if !ok {
			t.Fatalf("layer %s missing from the archive", name)
		}
		l := savedLayer{name: name, sha256: "sha256:" + sha256Hex(b), size: int64(len(b)), byPath: map[string]*savedEntry{}}
		lr := tar.NewReader(bytes.NewReader(b))
		for {
			hdr, err := lr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			e := savedEntry{path: path.Clean("/" + hdr.Name), hdr: hdr}
			dir, base := path.Split(e.path)
			switch {
			case base == ".wh..wh..opq":
				e.opaque, e.path = true, path.Clean(dir)
			case strings.HasPrefix(base, ".wh."):
				e.whiteout, e.path = true, path.Join(dir, strings.TrimPrefix(base, ".wh."))
			}
			if hdr.Typeflag == tar.TypeReg {
				body, err := io.ReadAll(lr)
				if err != nil {
					t.Fatal(err)
				}
				e.sha256 = sha256Hex(body)
			}
			l.entries = append(l.entries, e)
		}
		for i := range l.entries {
			l.byPath[l.entries[i].path] = &l.entries[i]
		}
		a.layers = append(a.layers, l)
	}
	return a
}

// realFile is what the fixture's recipe put at one path.
type realFile struct {
	path     string
	typ      forensics.EntryType
	content  string // regular files; see src
	src      string // file under testdata/real/src the content comes from, instead of content
	mode     uint32
	uid, gid int
	link     string
	created  int
	modified []int // checked for files and links only: directories are restated with new mtimes
	removed  int   // -1 when in the final filesystem
}

const (
	helloScript = "#!/bin/sh\n# Prints a greeting; the image has no shell, so this is only a file to find.\necho \"${GREETING:-hello}\"\n"
)

// realFiles holds the paths both builds share; the layer indexes are the same in both.
var realFiles = []realFile{
	// layer 0: docker import of the base root filesystem
	{path: "/etc/strata-release", typ: forensics.TypeFile, content: "NAME=\"strata real fixture base\"\nVERSION_ID=1\n", mode: 0o644, created: 0, removed: -1},
	{path: "/bin/unlink", typ: forensics.TypeFile, mode: 0o755, created: 0, removed: -1},
	{path: "/bin/rm", typ: forensics.TypeSymlink, mode: 0o777, link: "unlink", created: 0, removed: -1},
	{path: "/usr/local/bin/hello", typ: forensics.TypeFile, content: helloScript, mode: 0o755, created: 0, removed: -1},
	// Docker's tar writer makes the second name it meets a hardlink to the first.
	{path: "/usr/local/bin/hello.sh", typ: forensics.TypeHardlink, content: helloScript, mode: 0o755, link: "/usr/local/bin/hello", created: 0, removed: -1},
	{path: "/home/analyst", typ: forensics.TypeDir, mode: 0o750, uid: 1000, gid: 1000, created: 0, removed: -1},
	{path: "/home/analyst/notes.txt", typ: forensics.TypeFile, content: "analyst notes: nothing here yet\n", mode: 0o640, uid: 1000, gid: 1000, created: 0, removed: -1},
	{path: "/tmp", typ: forensics.TypeDir, mode: 0o1777, created: 0, removed: -1},
	// layer 1: WORKDIR /srv/work
	{path: "/srv/work", typ: forensics.TypeDir, mode: 0o755, created: 1, removed: -1},
	// layer 2: COPY config.txt /app/config.txt overwrites the base's file, and its mode
	{path: "/app/config.txt", typ: forensics.TypeFile, src: "ctx/config.txt", mode: 0o640, created: 0, modified: []int{2}, removed: -1},
	// layer 3: COPY --chown=1000:1000 notes.txt /srv/work/notes.txt
	{path: "/srv/work/notes.txt", typ: forensics.TypeFile, src: "ctx/notes.txt", mode: 0o644, uid: 1000, gid: 1000, created: 3, removed: -1},
	// layer 4: COPY data /srv/data
	{path: "/srv/data", typ: forensics.TypeDir, mode: 0o755, created: 4, removed: -1},
	{path: "/srv/data/table.csv", typ: forensics.TypeFile, src: "ctx/data/table.csv", mode: 0o644, created: 4, removed: -1},
	{path: "/srv/data/run.sh", typ: forensics.TypeFile, src: "ctx/data/run.sh", mode: 0o755, created: 4, removed: -1},
	// layer 5: RUN ["/bin/unlink", "/app/old.txt"] leaves a whiteout; the file keeps its last state
	{path: "/app/old.txt", typ: forensics.TypeFile, content: "this file is deleted by a later RUN step\n", mode: 0o600, created: 0, removed: 5},
}

// realStep is one expected line of the reconstructed Dockerfile.
type realStep struct {
	keyword, args string
	layer         int
}

type realFixture struct {
	file     string
	sha256   string
	imageID  string
	tag      string
	buildKit bool
	extra    []realFile // paths only this build has
	steps    []realStep // one per history line
}

var realFixtures = []realFixture{
	{
		file:    "docker-save-20.10.24-classic.tar",
		sha256:  "7289612a7c3dce249636d8f719929bb8e43ca349cc05a224fe2c6a9fa3badfcb",
		imageID: "sha256:37d3720e2fa6c1c3b8dd2cf9b17796bf9253d71d2cf088e1c3660bd1efb12db4",
		tag:     "strata-real/app:classic",
		steps: []realStep{
			{"ADD", "<unknown> /", 0}, // docker import: no created_by, only the comment
			{"LABEL", `org.opencontainers.image.title="strata real fixture" org.example.stage=test`, -1},
			{"ENV", `APP_MODE=forensic GREETING="hello from strata"`, -1},
			{"WORKDIR", "/srv/work", 1},
			{"COPY", "file:a506721148b87b00c0da516aa9c38cbeac2b6433cb21a65aecf7da09d91cd5d0 /app/config.txt", 2},
			{"COPY", "--chown=1000:1000 file:1a8fa571f8c3ee6645f53271cf0cb2013ae83fbae68cb8f1fee0c8e83d6d9e4e /srv/work/notes.txt", 3},
			{"COPY", "dir:c7e01dec1e7716e0658fc9c9385cd89e7c9c622c744fd8bc8bf5c792ad7a47c0 /srv/data", 4},
			// The classic builder records an exec-form RUN as its argv joined by spaces.
			{"RUN", "/bin/unlink /app/old.txt", 5},
			{"USER", "1000:1000", -1},
			{"EXPOSE", "8080/tcp 9090/udp", -1},
			{"CMD", `["/usr/local/bin/hello.sh"]`, -1},
		},
	},
	{
		file:     "docker-save-20.10.24-buildkit.tar",
		sha256:   "06df04f2011b4b57443001636b9d37c6bf76ebf8853ddf0cf33ff13412a75be6",
		imageID:  "sha256:c8c52f9ee96f87b9145c210232def80083f5c08b8e6ab0fc527411f417e2a881",
		tag:      "strata-real/app:buildkit",
		buildKit: true,
		// BuildKit's RUN leaves the mount points runc made in its layer.
		extra: []realFile{
			{path: "/dev", typ: forensics.TypeDir, mode: 0o755, created: 5, removed: -1},
			{path: "/proc", typ: forensics.TypeDir, mode: 0o755, created: 5, removed: -1},
			{path: "/sys", typ: forensics.TypeDir, mode: 0o755, created: 5, removed: -1},
		},
		steps: []realStep{
			{"ADD", "<unknown> /", 0},
			{"LABEL", `org.opencontainers.image.title="strata real fixture" org.example.stage=test`, -1},
			{"ENV", `APP_MODE=forensic GREETING="hello from strata"`, -1},
			{"WORKDIR", "/srv/work", 1},
			{"COPY", "config.txt /app/config.txt", 2},
			// BuildKit in Docker 20.10 leaves --chown out of the history line.
			{"COPY", "notes.txt /srv/work/notes.txt", 3},
			{"COPY", "data /srv/data", 4},
			{"RUN", "/bin/unlink /app/old.txt", 5},
			{"USER", "1000:1000", -1},
			{"EXPOSE", "8080/tcp 9090/udp", -1}, // recorded as "map[8080/tcp:{} 9090/udp:{}]"
			{"CMD", `["/usr/local/bin/hello.sh"]`, -1},
		},
	},
}

func TestRealDockerSave(t *testing.T) {
	for _, fx := range realFixtures {
		t.Run(strings.TrimSuffix(fx.file, ".tar"), func(t *testing.T) {
			file := filepath.Join(realDir, fx.file)
			a := readSaved(t, file)
			if a.sha256 != fx.sha256 {
				t.Fatalf("%s has sha256 %s, want %s (README)", fx.file, a.sha256, fx.sha256)
			}
			img := open(t, file)
			trees, tree := readAll(t, img)

			t.Run("layout", func(t *testing.T) { checkRealLayout(t, a) })
			t.Run("identity", func(t *testing.T) { checkRealIdentity(t, fx, a, img) })
			t.Run("layers", func(t *testing.T) { checkRealLayers(t, a, img, trees) })
			t.Run("history", func(t *testing.T) { checkRealHistory(t, a, img) })
			t.Run("config", func(t *testing.T) { checkRealConfig(t, a, img) })
			t.Run("entries", func(t *testing.T) { checkRealEntries(t, a, trees) })
			t.Run("files", func(t *testing.T) {
				for _, f := range append(slices.Clone(realFiles), fx.extra...) {
					checkRealFile(t, a, tree, f)
				}
			})
			t.Run("whiteout", func(t *testing.T) { checkRealWhiteout(t, a, trees, tree) })
			t.Run("media-type", func(t *testing.T) { checkRealMediaType(t, a, img) })
			t.Run("dockerfile", func(t *testing.T) { checkRealDockerfile(t, fx, img) })
		})
	}
}

// checkRealLayout pins down what dockerd 20.10 writes: the classic layout, one directory per
// layer with layer.tar, json and VERSION, the config as <image id>.json, and repositories.
func checkRealLayout(t *testing.T, a *savedArchive) {
	if _, ok := a.files["repositories"]; !ok {
		t.Error("no repositories file")
	}
	if _, ok := a.files["index.json"]; ok {
		t.Error("index.json: this is not the Docker 25+ OCI layout")
	}
	for _, l := range a.layers {
		dir, base := path.Split(l.name)
		if base != "layer.tar" {
			t.Errorf("layer %s is not <id>/layer.tar", l.name)
		}
		for _, f := range []string{"json", "VERSION"} {
			if _, ok := a.files[dir+f]; !ok {
				t.Errorf("no %s%s", dir, f)
			}
		}
	}
}

func checkRealIdentity(t *testing.T, fx realFixture, a *savedArchive, img *forensics.Image) {
	if img.Input.Format != "docker-archive" {
		t.Errorf("format %q", img.Input.Format)
	}
	if !reflect.DeepEqual(img.Tags, a.manifest[0].RepoTags) || len(img.Tags) != 1 || img.Tags[0] != fx.tag {
		t.Errorf("tags %v, manifest.json says %v, want [%s]", img.Tags, a.manifest[0].RepoTags, fx.tag)
	}
	configDigest := "sha256:" + sha256Hex(a.configBytes)
	if id := "sha256:" + strings.TrimSuffix(a.configName, ".json"); id != configDigest || id != fx.imageID {
		t.Fatalf("archive names config %s with digest %s; dockerd reported image %s", a.configName, configDigest, fx.imageID)
	}
	if img.ConfigDigest != fx.imageID || img.ArchiveID != fx.imageID {
		t.Errorf("config digest %s, archive ID %s, want the image ID %s", img.ConfigDigest, img.ArchiveID, fx.imageID)
	}
	if !bytes.Equal(img.ConfigBytes, a.configBytes) {
		t.Error("config bytes differ from the archive's")
	}
	if img.OS != "linux" || img.Architecture != "amd64" {
		t.Errorf("platform %s/%s", img.OS, img.Architecture)
	}
	sum, size, err := img.InputHash(context.Background())
	if err != nil || sum != a.sha256 || size != a.size {
		t.Errorf("input hash %s %d %v, want %s %d", sum, size, err, a.sha256, a.size)
	}
}

func checkRealLayers(t *testing.T, a *savedArchive, img *forensics.Image, trees []*forensics.LayerTree) {
	if as := anomalies(img, trees); len(as) != 0 {
		t.Errorf("anomalies on a clean archive: %+v", as)
	}
	diffIDs := a.config.RootFS.DiffIDs
	if len(a.layers) != 6 || len(diffIDs) != 6 || a.config.RootFS.Type != "layers" {
		t.Fatalf("archive holds %d layers and %d diff_ids (%q), want 6", len(a.layers), len(diffIDs), a.config.RootFS.Type)
	}
	if len(img.Layers) != len(a.layers) || len(trees) != len(a.layers) {
		t.Fatalf("Strata has %d layers, %d trees; the archive %d", len(img.Layers), len(trees), len(a.layers))
	}
	for k, l := range img.Layers {
		s := a.layers[k]
		if s.sha256 != diffIDs[k] {
			t.Fatalf("the fixture itself is broken: layer %d hashes to %s, diff_id %s", k, s.sha256, diffIDs[k])
		}
		if l.Index != k || l.DiffID != diffIDs[k] || l.Digest != diffIDs[k] {
			t.Errorf("layer %d: index %d diff_id %s digest %s, want %s", k, l.Index, l.DiffID, l.Digest, diffIDs[k])
		}
		if l.Size != s.size || l.UncompressedSize != s.size || trees[k].UncompressedSize != s.size {
			t.Errorf("layer %d: size %d uncompressed %d/%d, layer.tar is %d bytes", k, l.Size, l.UncompressedSize, trees[k].UncompressedSize, s.size)
		}
		if l.Files != len(s.entries) || len(trees[k].Entries) != len(s.entries) {
			t.Errorf("layer %d: %d files, %d entries read; layer.tar has %d", k, l.Files, len(trees[k].Entries), len(s.entries))
		}
	}
}

// checkRealHistory: each step that made a layer is aligned, in order, to the next layer.
func checkRealHistory(t *testing.T, a *savedArchive, img *forensics.Image) {
	hs := a.config.History
	if len(img.History) != len(hs) || len(hs) != 11 {
		t.Fatalf("history: Strata %d lines, config %d, want 11", len(img.History), len(hs))
	}
	next := 0
	for i, h := range hs {
		got := img.History[i]
		if got.CreatedBy != h.CreatedBy || got.Comment != h.Comment || got.EmptyLayer != h.EmptyLayer {
			t.Errorf("history %d: %+v, config says %+v", i, got, h)
		}
		want := -1
		if !h.EmptyLayer {
			want = next
			next++
		}
		if got.Layer != want {
			t.Errorf("history %d (%q) aligned to layer %d, want %d", i, h.CreatedBy, got.Layer, want)
		}
		if want >= 0 && img.Layers[want].History != i {
			t.Errorf("layer %d names history %d, want %d", want, img.Layers[want].History, i)
		}
	}
	if next != len(a.layers) {
		t.Errorf("%d non-empty history lines for %d layers", next, len(a.layers))
	}
}

func checkRealConfig(t *testing.T, a *savedArchive, img *forensics.Image) {
	c := a.config.Config
	var ports []string
	for p := range c.ExposedPorts {
		ports = append(ports, p)
	}
	sort.Strings(ports)
	got := img.Config
	if got.User != c.User || got.User != "1000:1000" {
		t.Errorf("user %q, config %q", got.User, c.User)
	}
	if !reflect.DeepEqual(got.Env, c.Env) || !slices.Contains(got.Env, "GREETING=hello from strata") {
		t.Errorf("env %q, config %q", got.Env, c.Env)
	}
	if !reflect.DeepEqual(got.Cmd, c.Cmd) || len(got.Entrypoint) != 0 {
		t.Errorf("cmd %q entrypoint %q, config %q", got.Cmd, got.Entrypoint, c.Cmd)
	}
	if got.WorkingDir != c.WorkingDir || got.WorkingDir != "/srv/work" {
		t.Errorf("workdir %q, config %q", got.WorkingDir, c.WorkingDir)
	}
	gotPorts := slices.Sorted(slices.Values(got.ExposedPorts))
	if !reflect.DeepEqual(gotPorts, ports) || len(ports) != 2 {
		t.Errorf("ports %v, config %v", gotPorts, ports)
	}
	if !reflect.DeepEqual(got.Labels, c.Labels) || got.Labels["org.opencontainers.image.title"] != "strata real fixture" {
		t.Errorf("labels %v, config %v", got.Labels, c.Labels)
	}
}

// checkRealEntries compares every tar entry of every layer with what Strata read.
func checkRealEntries(t *testing.T, a *savedArchive, trees []*forensics.LayerTree) {
	for k, s := range a.layers {
		lt := trees[k]
		if lt == nil || lt.Index != k {
			t.Fatalf("layer %d: tree %v", k, lt)
		}
		got := map[string]*forensics.Entry{}
		for i := range lt.Entries {
			e := &lt.Entries[i]
			key := e.Path
			if e.Opaque {
				key += " (opaque)"
			}
			got[key] = e
		}
		for _, se := range s.entries {
			key := se.path
			if se.opaque {
				key += " (opaque)"
			}
			e := got[key]
			if e == nil {
				t.Errorf("layer %d: %s (%s) not read", k, key, se.hdr.Name)
				continue
			}
			h := se.hdr
			if e.Whiteout != se.whiteout || e.Opaque != se.opaque {
				t.Errorf("layer %d %s: whiteout %v opaque %v, tar says %v %v", k, key, e.Whiteout, e.Opaque, se.whiteout, se.opaque)
			}
			if se.whiteout || se.opaque {
				continue
			}
			if e.Mode != uint32(h.Mode&0o7777) || e.UID() != h.Uid || e.GID() != h.Gid || e.Uname() != h.Uname || e.Gname() != h.Gname {
				t.Errorf("layer %d %s: mode %s %d:%d %s:%s, tar says %05o %d:%d %s:%s",
					k, key, e.ModeString(), e.UID(), e.GID(), e.Uname(), e.Gname(), h.Mode&0o7777, h.Uid, h.Gid, h.Uname, h.Gname)
			}
			if !e.ModTime().Equal(h.ModTime) {
				t.Errorf("layer %d %s: mtime %s, tar says %s", k, key, e.ModTime(), h.ModTime)
			}
			var wantType forensics.EntryType
			switch h.Typeflag {
			case tar.TypeReg:
				wantType = forensics.TypeFile
				if e.SHA256() != se.sha256 || e.Size != h.Size {
					t.Errorf("layer %d %s: sha256 %s size %d, tar says %s %d", k, key, e.SHA256(), e.Size, se.sha256, h.Size)
				}
			case tar.TypeDir:
				wantType = forensics.TypeDir
			case tar.TypeSymlink:
				wantType = forensics.TypeSymlink
				if e.Link() != h.Linkname {
					t.Errorf("layer %d %s: link %q, tar says %q", k, key, e.Link(), h.Linkname)
				}
			case tar.TypeLink:
				wantType = forensics.TypeHardlink
				if e.Link() != path.Clean("/"+h.Linkname) {
					t.Errorf("layer %d %s: hardlink to %q, tar says %q", k, key, e.Link(), h.Linkname)
				}
			default:
				t.Errorf("layer %d %s: unexpected tar type %c in the fixture", k, key, h.Typeflag)
			}
			if e.Type != wantType {
				t.Errorf("layer %d %s: type %s, want %s", k, key, e.Type, wantType)
			}
		}
	}
}

// realContent returns the bytes the recipe put at f.path, and its sha256.
func realContent(t *testing.T, a *savedArchive, f realFile) string {
	t.Helper()
	switch {
	case f.src != "":
		b, err := os.ReadFile(filepath.Join(realDir, "src", f.src))
		if err != nil {
			t.Fatal(err)
		}
		return sha256Hex(b)
	case f.content != "":
		return sha256Hex([]byte(f.content))
	case f.path == "/bin/unlink":
		// The binary is compiled by the recipe; take its hash from the archive, once.
		return a.layers[0].byPath[f.path].sha256
	}
	return ""
}

// checkRealFile checks one path of the recipe, first against the archive as parsed here (so
// that the expectation is true of the fixture), then against Strata's tree.
func checkRealFile(t *testing.T, a *savedArchive, tree *forensics.Tree, f realFile) {
	t.Helper()
	sum := realContent(t, a, f)
	last := f.created
	if len(f.modified) > 0 {
		last = f.modified[len(f.modified)-1]
	}
	// The archive: the path is in the layers that made and changed it, as expected.
	for _, k := range append([]int{f.created}, f.modified...) {
		se := a.layers[k].byPath[f.path]
		if se == nil || se.whiteout {
			t.Fatalf("fixture: %s is not in layer %d", f.path, k)
		}
	}
	se := a.layers[last].byPath[f.path]
	if h := se.hdr; uint32(h.Mode&0o7777) != f.mode || h.Uid != f.uid || h.Gid != f.gid || (h.Typeflag == tar.TypeReg && se.sha256 != sum) {
		t.Fatalf("fixture: %s in layer %d is %05o %d:%d %s, recipe says %05o %d:%d %s",
			f.path, last, h.Mode&0o7777, h.Uid, h.Gid, se.sha256, f.mode, f.uid, f.gid, sum)
	}
	for k := range a.layers {
		if k != f.created && !slices.Contains(f.modified, k) && k != f.removed && f.typ != forensics.TypeDir {
			if _, ok := a.layers[k].byPath[f.path]; ok {
				t.Fatalf("fixture: %s is also in layer %d", f.path, k)
			}
		}
	}

	// Strata.
	n := tree.Node(f.path)
	if n == nil {
		t.Errorf("%s: not in the tree", f.path)
		return
	}
	e := n.Entry
	if e.Type != f.typ || e.Mode != f.mode || e.UID() != f.uid || e.GID() != f.gid {
		t.Errorf("%s: %s %s %d:%d, want %s %05o %d:%d", f.path, e.Type, e.ModeString(), e.UID(), e.GID(), f.typ, f.mode, f.uid, f.gid)
	}
	if e.Link() != f.link {
		t.Errorf("%s: link %q, want %q", f.path, e.Link(), f.link)
	}
	if e.SHA256() != sum {
		t.Errorf("%s: sha256 %q, want %q", f.path, e.SHA256(), sum)
	}
	if n.Created() != f.created {
		t.Errorf("%s: created by layer %d, want %d", f.path, n.Created(), f.created)
	}
	if f.typ != forensics.TypeDir {
		if got := n.Modified(); !reflect.DeepEqual(got, f.modified) && !(len(got) == 0 && len(f.modified) == 0) {
			t.Errorf("%s: modified by %v, want %v", f.path, got, f.modified)
		}
		if n.Layer() != last {
			t.Errorf("%s: current state from layer %d, want %d", f.path, n.Layer(), last)
		}
	}
	if n.Hidden != (f.removed >= 0) || n.Removed() != f.removed {
		t.Errorf("%s: hidden %v removed by %d, want removed by %d", f.path, n.Hidden, n.Removed(), f.removed)
	}
}

// checkRealWhiteout: the RUN step's layer holds exactly one whiteout, for /app/old.txt.
func checkRealWhiteout(t *testing.T, a *savedArchive, trees []*forensics.LayerTree, tree *forensics.Tree) {
	var raw []string
	for k, l := range a.layers {
		for _, e := range l.entries {
			if e.whiteout || e.opaque {
				raw = append(raw, fmt.Sprintf("%d:%s", k, e.hdr.Name))
			}
		}
	}
	if !reflect.DeepEqual(raw, []string{"5:app/.wh.old.txt"}) {
		t.Fatalf("fixture: whiteouts %v", raw)
	}
	lt := trees[5]
	found := false
	for i, e := range lt.Entries {
		if e.Whiteout {
			if found || e.Path != "/app/old.txt" || lt.Changes[i] != forensics.ChangeRemoved {
				t.Errorf("layer 5 whiteout %+v change %s", e, lt.Changes[i])
			}
			found = true
		}
	}
	if !found {
		t.Error("layer 5: no whiteout read")
	}
	var hidden []string
	for _, n := range tree.Hidden() {
		hidden = append(hidden, n.Path())
	}
	if !reflect.DeepEqual(hidden, []string{"/app/old.txt"}) {
		t.Errorf("hidden nodes %v, want [/app/old.txt]", hidden)
	}
	if kids := tree.Children("/app"); len(kids) != 2 {
		t.Errorf("/app has %d children, want config.txt and the hidden old.txt", len(kids))
	}
}

// checkRealMediaType: docker save stores every layer as a plain tar, and a forensic report should
// not say otherwise.
func checkRealMediaType(t *testing.T, a *savedArchive, img *forensics.Image) {
	for k, l := range img.Layers {
		b := a.files[a.layers[k].name]
		if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
			t.Fatalf("fixture: layer %d is gzip", k)
		}
		if strings.HasSuffix(l.MediaType, "gzip") || strings.HasSuffix(l.MediaType, "zstd") {
			t.Errorf("layer %d: media type %q for a plain tar", k, l.MediaType)
		}
	}
}

// checkRealDockerfile: every instruction of the Dockerfile is recovered with its layer, and
// what each layer holds is what its instruction explains (no line is unverified).
func checkRealDockerfile(t *testing.T, fx realFixture, img *forensics.Image) {
	trees, err := img.ReadLayers(context.Background(), forensics.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := forensics.ReconstructDockerfile(img, nil)
	d.CheckLayers(forensics.Stack(trees))
	var got []forensics.Instruction
	for _, in := range d.Instructions {
		if in.History < 0 {
			if in.Keyword != "FROM" || in.Args != "scratch" {
				t.Errorf("synthesized line %s %q", in.Keyword, in.Args)
			}
			continue
		}
		got = append(got, in)
	}
	if len(got) != len(fx.steps) {
		t.Fatalf("%d instructions from history, want %d:\n%s", len(got), len(fx.steps), d)
	}

	// The keywords are those of the Dockerfile the image was built from, in order.
	var keywords []string
	f, err := os.Open(filepath.Join(realDir, "src", "ctx", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if kw, _, _ := strings.Cut(sc.Text(), " "); kw != "" && kw != "FROM" && !strings.HasPrefix(kw, "#") {
			keywords = append(keywords, kw)
		}
	}
	if len(keywords) != len(got)-1 {
		t.Fatalf("the Dockerfile has %d instructions after FROM, history %d after the import", len(keywords), len(got)-1)
	}
	for i, kw := range keywords {
		if got[i+1].Keyword != kw {
			t.Errorf("instruction %d: %s, the Dockerfile has %s", i+1, got[i+1].Keyword, kw)
		}
	}

	for i, want := range fx.steps {
		in := got[i]
		t.Run(fmt.Sprintf("%02d-%s", i, want.keyword), func(t *testing.T) {
			if in.History != i || in.Layer != want.layer || in.Unverified != "" {
				t.Errorf("history %d layer %d unverified %q, want %d %d \"\"", in.History, in.Layer, in.Unverified, i, want.layer)
			}
			if in.Keyword != want.keyword {
				t.Fatalf("keyword %s, want %s (raw %q)", in.Keyword, want.keyword, in.Raw)
			}
			if i > 0 && in.BuildKit != fx.buildKit {
				t.Errorf("buildkit %v", in.BuildKit)
			}
			if in.Args != want.args {
				t.Errorf("args %q, want %q (raw %q)", in.Args, want.args, in.Raw)
			}
		})
	}
}
