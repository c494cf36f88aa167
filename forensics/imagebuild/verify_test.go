package imagebuild

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// archiveFiles reads a tar into name -> content (regular files only) and the member order.
func archiveFiles(t *testing.T, data []byte) (map[string][]byte, []string) {
	t.Helper()
	files := map[string][]byte{}
	var order []string
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading archive: %v", err)
		}
		order = append(order, hdr.Name)
		if hdr.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatalf("reading %s: %v", hdr.Name, err)
			}
			files[hdr.Name] = b
		}
	}
	return files, order
}

func sha(p []byte) string {
	s := sha256.Sum256(p)
	return "sha256:" + hex.EncodeToString(s[:])
}

// uncompress returns the layer tar inside a blob, by media type.
func uncompress(t *testing.T, mediaType string, blob []byte) []byte {
	t.Helper()
	var r io.Reader
	switch {
	case strings.HasSuffix(mediaType, "gzip"):
		zr, err := gzip.NewReader(bytes.NewReader(blob))
		if err != nil {
			t.Fatalf("gunzip: %v", err)
		}
		r = zr
	case strings.HasSuffix(mediaType, "zstd"):
		zr, err := zstd.NewReader(bytes.NewReader(blob))
		if err != nil {
			t.Fatalf("unzstd: %v", err)
		}
		defer zr.Close()
		r = zr
	default:
		return blob
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decompressing %s: %v", mediaType, err)
	}
	return out
}

type testManifest struct {
	SchemaVersion int    `json:"schemaVersion"`
	MediaType     string `json:"mediaType"`
	Config        testDescriptor
	Layers        []testDescriptor
}

type testDescriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations"`
	Platform    *struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
	} `json:"platform"`
}

type testIndex struct {
	SchemaVersion int              `json:"schemaVersion"`
	MediaType     string           `json:"mediaType"`
	Manifests     []testDescriptor `json:"manifests"`
}

type testConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Config       struct {
		Env []string
	} `json:"config"`
	RootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
	History []struct {
		CreatedBy  string `json:"created_by"`
		EmptyLayer bool   `json:"empty_layer"`
	} `json:"history"`
}

type testManifestItem struct {
	Config   string
	RepoTags []string
	Layers   []string
}

func mustJSON(t *testing.T, name string, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("parsing %s: %v\n%s", name, err, data)
	}
}

// checkBlobs checks every blob under blobs/sha256 is named by its digest.
func checkBlobs(t *testing.T, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		if h, ok := strings.CutPrefix(name, "blobs/sha256/"); ok && sha(data) != "sha256:"+h {
			t.Errorf("blob %s has digest %s", name, sha(data))
		}
	}
}

// checkOCIImage follows index -> manifest -> config and layers, checking digests, sizes and
// diff_ids, and returns the config of each index entry.
func checkOCIImage(t *testing.T, files map[string][]byte) ([]testDescriptor, []testConfig) {
	t.Helper()
	if got := string(files["oci-layout"]); got != `{"imageLayoutVersion":"1.0.0"}` {
		t.Errorf("oci-layout = %q", got)
	}
	checkBlobs(t, files)
	var idx testIndex
	mustJSON(t, "index.json", files["index.json"], &idx)
	if idx.SchemaVersion != 2 || idx.MediaType != MediaTypeOCIIndex {
		t.Errorf("index.json header = %d %q", idx.SchemaVersion, idx.MediaType)
	}
	var cfgs []testConfig
	for _, d := range idx.Manifests {
		mdata, ok := files[blobName(d.Digest)]
		if !ok {
			t.Fatalf("manifest blob %s missing", d.Digest)
		}
		if int64(len(mdata)) != d.Size {
			t.Errorf("manifest size %d, index says %d", len(mdata), d.Size)
		}
		var m testManifest
		mustJSON(t, "manifest", mdata, &m)
		if m.MediaType != d.MediaType {
			t.Errorf("manifest mediaType %q, index says %q", m.MediaType, d.MediaType)
		}
		cdata, ok := files[blobName(m.Config.Digest)]
		if !ok {
			t.Fatalf("config blob %s missing", m.Config.Digest)
		}
		var cfg testConfig
		mustJSON(t, "config", cdata, &cfg)
		if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
			t.Fatalf("config has %d diff_ids, manifest %d layers", len(cfg.RootFS.DiffIDs), len(m.Layers))
		}
		for i, l := range m.Layers {
			blob, ok := files[blobName(l.Digest)]
			if !ok {
				t.Fatalf("layer blob %s missing", l.Digest)
			}
			if int64(len(blob)) != l.Size {
				t.Errorf("layer %d size %d, manifest says %d", i, len(blob), l.Size)
			}
			if got := sha(uncompress(t, l.MediaType, blob)); got != cfg.RootFS.DiffIDs[i] {
				t.Errorf("layer %d diff_id %s, config says %s", i, got, cfg.RootFS.DiffIDs[i])
			}
		}
		cfgs = append(cfgs, cfg)
	}
	return idx.Manifests, cfgs
}

// sniff names a blob's compression by its magic number, as loaders of docker-archives must.
func sniff(blob []byte) string {
	switch {
	case bytes.HasPrefix(blob, []byte{0x1f, 0x8b}):
		return MediaTypeOCILayerGzip
	case bytes.HasPrefix(blob, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return MediaTypeOCILayerZstd
	}
	return MediaTypeOCILayer
}
