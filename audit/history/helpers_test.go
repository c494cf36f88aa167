package history

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

var t0 = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// The family the tests use: base, app on base, suspect on app (the implant), child on
// suspect, and an unrelated image that carries the same implant in its own layer.
const implant = "\x7fELF\x02\x01\x01 strata test implant: connect 203.0.113.45:4444 and exec /bin/sh\n"

func baseLayer() imagebuild.Layer {
	return imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) ADD file:base in / ", Created: t0, Files: []imagebuild.File{
		imagebuild.Dir("etc"), imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
		imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"), imagebuild.Reg("usr/bin/sh", "ELF-sh").WithMode(0o755),
	}}
}

func appLayer() imagebuild.Layer {
	return imagebuild.Layer{CreatedBy: "COPY app /app # buildkit", Created: t0.Add(time.Hour), Files: []imagebuild.File{
		imagebuild.Dir("app"), imagebuild.Reg("app/server.py", "print('hello')\n"),
	}}
}

func implantLayer() imagebuild.Layer {
	return imagebuild.Layer{CreatedBy: "COPY lib /usr/share/lib # buildkit", Created: t0.Add(2 * time.Hour), Files: []imagebuild.File{
		imagebuild.Dir("usr"), imagebuild.Dir("usr/share"), imagebuild.Dir("usr/share/lib"),
		imagebuild.Reg("usr/share/lib/libx.so", implant).WithMode(0o755),
	}}
}

func familyImages() map[string]imagebuild.Image {
	child := imagebuild.Layer{CreatedBy: "RUN touch /ready # buildkit", Created: t0.Add(3 * time.Hour), Files: []imagebuild.File{
		imagebuild.Reg("ready", ""),
	}}
	other := imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) ADD file:other in / ", Created: t0, Files: []imagebuild.File{
		imagebuild.Dir("opt"), imagebuild.Reg("opt/readme", "unrelated\n"),
	}}
	return map[string]imagebuild.Image{
		"base":      {Tags: []string{"example.test/base:1"}, Created: t0, Layers: []imagebuild.Layer{baseLayer()}},
		"app":       {Tags: []string{"example.test/app:1"}, Created: t0.Add(time.Hour), Layers: []imagebuild.Layer{baseLayer(), appLayer()}},
		"suspect":   {Tags: []string{"example.test/app:2"}, Created: t0.Add(2 * time.Hour), Config: imagebuild.Config{Env: []string{"LD_PRELOAD=/usr/share/lib/libx.so", "REMOTE=c2.example.invalid"}}, Layers: []imagebuild.Layer{baseLayer(), appLayer(), implantLayer()}},
		"child":     {Tags: []string{"example.test/child:1"}, Created: t0.Add(3 * time.Hour), Layers: []imagebuild.Layer{baseLayer(), appLayer(), implantLayer(), child}},
		"unrelated": {Tags: []string{"example.test/other:1"}, Created: t0, Layers: []imagebuild.Layer{other, implantLayer()}},
	}
}

// save writes img as a docker-archive and returns its path.
func save(t testing.TB, img imagebuild.Image) string {
	t.Helper()
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "image.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := imagebuild.WriteDockerArchive(f, imagebuild.Classic, b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// read opens ref and reads its layers and input hash.
func read(t testing.TB, ref string) (*forensics.Image, []*forensics.LayerTree) {
	t.Helper()
	ctx := context.Background()
	img, err := forensics.Open(ctx, ref, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	trees, err := img.ReadLayers(ctx, forensics.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := img.InputHash(ctx); err != nil {
		t.Fatal(err)
	}
	if err := img.HashBlobs(ctx, nil); err != nil {
		t.Fatal(err)
	}
	forensics.Stack(trees)
	return img, trees
}

func openStore(t testing.TB, path string) *Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "strata.db")
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.ToolVersion = "test"
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t testing.TB, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
