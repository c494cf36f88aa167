package imagebuild

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/images from the builder")

// sampleDir holds the bundled sample archives, at the repository root.
var sampleDir = filepath.Join("..", "..", "testdata", "images")

// TestSampleImages keeps the committed sample archives byte-identical to what the builder
// produces now: go test ./forensics/imagebuild -run TestSampleImages -update rewrites them.
func TestSampleImages(t *testing.T) {
	samples := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"demo-original.tar", func(w *bytes.Buffer) error {
			return WriteDockerArchive(w, Classic, mustBuild(t, DemoOriginal()))
		}},
		{"demo-suspect.tar", func(w *bytes.Buffer) error {
			return WriteDockerArchive(w, Classic, mustBuild(t, DemoSuspect()))
		}},
		{"demo-original-oci.tar", func(w *bytes.Buffer) error {
			return WriteOCIArchive(w, mustBuild(t, withCompression(DemoOriginal(), Gzip)))
		}},
		{"demo-suspect-docker25.tar", func(w *bytes.Buffer) error {
			return WriteDockerArchive(w, OCI25, mustBuild(t, DemoSuspect()))
		}},
	}
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := s.write(&buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(sampleDir, s.name)
			if *update {
				if err := os.MkdirAll(sampleDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from what the builder produces (%d vs %d bytes); run with -update if the change is intended",
					path, len(want), buf.Len())
			}
		})
	}
}
