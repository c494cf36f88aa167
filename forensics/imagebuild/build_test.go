package imagebuild

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustBuild(t *testing.T, img Image) *Built {
	t.Helper()
	b, err := Build(img)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return b
}

func writeAll(t *testing.T, b ...*Built) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	var buf bytes.Buffer
	for name, write := range map[string]func(io.Writer) error{
		"classic":  func(w io.Writer) error { return WriteDockerArchive(w, Classic, b...) },
		"docker25": func(w io.Writer) error { return WriteDockerArchive(w, OCI25, b...) },
		"oci":      func(w io.Writer) error { return WriteOCIArchive(w, b...) },
	} {
		buf.Reset()
		if err := write(&buf); err != nil {
			t.Fatalf("writing %s: %v", name, err)
		}
		out[name] = bytes.Clone(buf.Bytes())
	}
	return out
}

func withCompression(img Image, c Compression) Image {
	img.Layers = append([]Layer(nil), img.Layers...)
	for i := range img.Layers {
		img.Layers[i].Compression = c
	}
	return img
}

func TestDeterministic(t *testing.T) {
	for _, c := range []Compression{None, Gzip, Zstd} {
		t.Run(c.String(), func(t *testing.T) {
			a := writeAll(t, mustBuild(t, withCompression(DemoOriginal(), c)), mustBuild(t, withCompression(DemoSuspect(), c)))
			b := writeAll(t, mustBuild(t, withCompression(DemoOriginal(), c)), mustBuild(t, withCompression(DemoSuspect(), c)))
			for name := range a {
				if !bytes.Equal(a[name], b[name]) {
					t.Errorf("%s archive differs between two builds", name)
				}
			}
		})
	}
}

func TestLayerTarNames(t *testing.T) {
	tests := []struct {
		file File
		want string
		typ  byte
		mode int64
	}{
		{Reg("/etc/passwd", "x"), "etc/passwd", tar.TypeReg, 0o644},
		{Dir("/etc"), "etc/", tar.TypeDir, 0o755},
		{Dir("etc/"), "etc/", tar.TypeDir, 0o755},
		{Symlink("/bin", "usr/bin"), "bin", tar.TypeSymlink, 0o777},
		{Hardlink("usr/bin/b", "/usr/bin/a"), "usr/bin/b", tar.TypeLink, 0o644},
		{Whiteout("/a/b/c"), "a/b/.wh.c", tar.TypeReg, 0o644},
		{Whiteout("top"), ".wh.top", tar.TypeReg, 0o644},
		{Opaque("/a/b/"), "a/b/.wh..wh..opq", tar.TypeReg, 0o644},
		{Opaque("/"), ".wh..wh..opq", tar.TypeReg, 0o644},
		{Reg("x", "").WithName("../../etc/shadow"), "../../etc/shadow", tar.TypeReg, 0o644},
		{Reg("usr/bin/su", "").WithMode(0o4755), "usr/bin/su", tar.TypeReg, 0o4755},
	}
	for _, tt := range tests {
		hdr := header(tt.file, Epoch)
		if hdr.Name != tt.want || hdr.Typeflag != tt.typ || hdr.Mode != tt.mode {
			t.Errorf("header(%+v) = %q type %c mode %o, want %q type %c mode %o",
				tt.file, hdr.Name, hdr.Typeflag, hdr.Mode, tt.want, tt.typ, tt.mode)
		}
	}
	if got := header(Hardlink("b", "/usr/bin/a"), Epoch).Linkname; got != "usr/bin/a" {
		t.Errorf("hardlink target = %q", got)
	}
}

func TestLayerContent(t *testing.T) {
	mtime := time.Date(2023, 1, 2, 3, 4, 5, 600, time.UTC)
	big := strings.Repeat("0123456789", 1000)
	img := Image{Layers: []Layer{{Files: []File{
		Dir("etc"),
		Reg("etc/a", "alpha").WithTime(mtime).WithOwner(1000, 1000),
		{Path: "etc/big", Size: int64(len(big)), Open: func() io.Reader { return strings.NewReader(big) }},
		{Path: "usr/bin/ping", Content: []byte("p"), Xattrs: map[string]string{"security.capability": "\x01\x00\x00\x02"}},
		{Path: "dev/null", Type: tar.TypeChar, Mode: 0o666, DevMajor: 1, DevMinor: 3},
	}}}}
	b := mustBuild(t, img)
	tr := tar.NewReader(bytes.NewReader(b.Layers[0].Blob))
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		data, _ := io.ReadAll(tr)
		switch hdr.Name {
		case "etc/":
			if !hdr.ModTime.Equal(Epoch) {
				t.Errorf("default mtime = %v, want %v", hdr.ModTime, Epoch)
			}
		case "etc/a":
			if !hdr.ModTime.Equal(mtime) || hdr.Uid != 1000 || string(data) != "alpha" {
				t.Errorf("etc/a = %v uid %d %q", hdr.ModTime, hdr.Uid, data)
			}
		case "etc/big":
			if string(data) != big {
				t.Errorf("streamed content differs")
			}
		case "usr/bin/ping":
			if hdr.PAXRecords["SCHILY.xattr.security.capability"] != "\x01\x00\x00\x02" {
				t.Errorf("xattr lost: %v", hdr.PAXRecords)
			}
		case "dev/null":
			if hdr.Typeflag != tar.TypeChar || hdr.Devmajor != 1 || hdr.Devminor != 3 {
				t.Errorf("dev/null = %+v", hdr)
			}
		}
	}
	if want := []string{"etc/", "etc/a", "etc/big", "usr/bin/ping", "dev/null"}; !reflect.DeepEqual(names, want) {
		t.Errorf("members = %v, want %v (files are written in the order given)", names, want)
	}
	if b.Layers[0].Digest != b.Layers[0].DiffID || b.Layers[0].MediaType != MediaTypeOCILayer {
		t.Errorf("uncompressed layer: digest %s diff_id %s type %s", b.Layers[0].Digest, b.Layers[0].DiffID, b.Layers[0].MediaType)
	}

	short := Image{Layers: []Layer{{Files: []File{{Path: "x", Size: 10, Open: func() io.Reader { return strings.NewReader("abc") }}}}}}
	if _, err := Build(short); err == nil {
		t.Error("Build accepted content shorter than Size")
	}
}

func TestRawLayer(t *testing.T) {
	raw := []byte("not a tar at all")
	b := mustBuild(t, Image{Layers: []Layer{{Raw: raw, Compression: Gzip}}})
	if got := uncompress(t, b.Layers[0].MediaType, b.Layers[0].Blob); !bytes.Equal(got, raw) {
		t.Errorf("raw layer = %q", got)
	}
	if b.Layers[0].DiffID != sha(raw) {
		t.Errorf("diff_id = %s, want sha256 of raw bytes", b.Layers[0].DiffID)
	}
}

func TestConfigJSON(t *testing.T) {
	img := Image{
		Tags: []string{"x:1"}, Author: "someone",
		Config: Config{
			User: "app", Env: []string{"A=1"}, Entrypoint: []string{"/e"}, Cmd: []string{"c"}, WorkingDir: "/w",
			ExposedPorts: []string{"22/tcp", "8080/tcp"}, Volumes: []string{"/data"}, Labels: map[string]string{"k": "v"},
			Healthcheck: &Healthcheck{Test: []string{"CMD", "true"}, Interval: 30 * time.Second, Retries: 3},
			StopSignal:  "SIGTERM",
		},
		Layers: []Layer{{Files: []File{Reg("a", "a")}, CreatedBy: "COPY a / # buildkit", Comment: "buildkit.dockerfile.v0"}},
	}
	b := mustBuild(t, img)
	want := `{"architecture":"amd64","author":"someone","config":{"User":"app","ExposedPorts":{"22/tcp":{},"8080/tcp":{}},` +
		`"Env":["A=1"],"Entrypoint":["/e"],"Cmd":["c"],"Volumes":{"/data":{}},"WorkingDir":"/w","Labels":{"k":"v"},` +
		`"StopSignal":"SIGTERM","Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Retries":3}},` +
		`"created":"2024-06-01T12:00:00Z","history":[{"created":"2024-06-01T12:00:00Z","created_by":"COPY a / # buildkit",` +
		`"comment":"buildkit.dockerfile.v0"}],"os":"linux","rootfs":{"type":"layers","diff_ids":["` + b.Layers[0].DiffID + `"]}}`
	if string(b.Config) != want {
		t.Errorf("config =\n%s\nwant\n%s", b.Config, want)
	}
	wantManifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":` +
		`"application/vnd.oci.image.config.v1+json","digest":"` + b.ConfigDigest + `","size":` + itoa(len(b.Config)) +
		`},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + b.Layers[0].Digest +
		`","size":` + itoa(len(b.Layers[0].Blob)) + `}]}`
	if string(b.Manifest) != wantManifest {
		t.Errorf("manifest =\n%s\nwant\n%s", b.Manifest, wantManifest)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestDockerMediaTypes(t *testing.T) {
	img := Image{DockerMediaTypes: true, Layers: []Layer{{Files: []File{Reg("a", "a")}, Compression: Gzip}, {Files: []File{Reg("b", "b")}}}}
	b := mustBuild(t, img)
	var m testManifest
	mustJSON(t, "manifest", b.Manifest, &m)
	if m.MediaType != MediaTypeDockerManifest || m.Config.MediaType != MediaTypeDockerConfig ||
		m.Layers[0].MediaType != MediaTypeDockerLayerGzip || m.Layers[1].MediaType != MediaTypeDockerLayer {
		t.Errorf("media types = %+v", m)
	}
	files, _ := archiveFiles(t, writeAll(t, b)["oci"])
	checkOCIImage(t, files)
}

func TestHistory(t *testing.T) {
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	img := Image{Layers: []Layer{
		{Files: []File{Reg("a", "")}, CreatedBy: "one", Created: created},
		{Files: []File{Reg("b", "")}, CreatedBy: "two"},
	}}
	var cfg testConfig
	mustJSON(t, "config", mustBuild(t, img).Config, &cfg)
	if len(cfg.History) != 2 || cfg.History[0].CreatedBy != "one" || cfg.History[1].CreatedBy != "two" {
		t.Errorf("default history = %+v", cfg.History)
	}
	// An explicit history is used verbatim, even when it disagrees with the layers.
	img.History = []Step{{CreatedBy: "only", EmptyLayer: true}}
	mustJSON(t, "config", mustBuild(t, img).Config, &cfg)
	if len(cfg.History) != 1 || cfg.History[0].CreatedBy != "only" || !cfg.History[0].EmptyLayer {
		t.Errorf("explicit history = %+v", cfg.History)
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct{ in, familiar, full, tag string }{
		{"alpine", "alpine:latest", "docker.io/library/alpine:latest", "latest"},
		{"strata-demo/webapp:1.2", "strata-demo/webapp:1.2", "docker.io/strata-demo/webapp:1.2", "1.2"},
		{"localhost:5000/x/y:v", "localhost:5000/x/y:v", "localhost:5000/x/y:v", "v"},
		{"ghcr.io/o/r", "ghcr.io/o/r:latest", "ghcr.io/o/r:latest", "latest"},
		{"localhost/app:2", "localhost/app:2", "localhost/app:2", "2"},
	}
	for _, tt := range tests {
		r := parseRef(tt.in)
		if r.familiar() != tt.familiar || r.full() != tt.full || r.tag != tt.tag {
			t.Errorf("parseRef(%q) = %s %s %s, want %s %s %s", tt.in, r.familiar(), r.full(), r.tag, tt.familiar, tt.full, tt.tag)
		}
	}
}
