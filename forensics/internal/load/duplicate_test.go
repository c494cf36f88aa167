package load

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// appendMembers rewrites the tar archive at p with extra members after its own, as a tool
// that appends to an archive (tar -r, dockerscan) does.
func appendMembers(t *testing.T, p string, extra map[string][]byte) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	tr := tar.NewReader(f)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		tw.WriteHeader(h)
		io.Copy(tw, tr)
		names = append(names, h.Name)
	}
	for _, n := range names {
		if data, ok := extra[n]; ok {
			tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(data))})
			tw.Write(data)
		}
	}
	tw.Close()
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDuplicateMembers: a docker-archive with a second layer.tar and a second manifest.json
// appended opens, reads the first copies (as containers/image does) and reports each duplicated
// member once.
func TestDuplicateMembers(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, kindDockerClassic, build(t, imagebuild.None, "dup:1"))
	var layerName string
	walkArchive(p, func(name string, h *tar.Header, r io.Reader) error {
		if strings.HasSuffix(name, "/layer.tar") && layerName == "" {
			layerName = name
		}
		return nil
	})
	appendMembers(t, p, map[string][]byte{
		layerName:       tarOf(map[string]string{"etc/x": "swapped"}),
		"manifest.json": []byte(`[{"Config":"nope.json","RepoTags":["other:1"],"Layers":[]}]`),
	})
	img, err := Open(context.Background(), Ref{Format: DockerArchive, Path: p}, Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("a duplicated member is an anomaly, not an error: %v", err)
	}
	defer img.Close()
	if len(img.RepoTags) != 1 || img.RepoTags[0] != "dup:1" {
		t.Errorf("tags %v: the first manifest.json is the one read", img.RepoTags)
	}
	got := map[string]int{}
	for _, a := range img.Anomalies {
		if a.Kind == AnomalyDuplicateMember {
			for _, n := range []string{layerName, "manifest.json"} {
				if strings.HasPrefix(a.Detail, n+" appears 2 times") {
					got[n]++
				}
			}
		}
	}
	if got[layerName] != 1 || got["manifest.json"] != 1 {
		t.Errorf("duplicate-member anomalies %v in %+v", got, img.Anomalies)
	}
	if _, err := readLayer(t, img, 0); err != nil {
		t.Errorf("the first copy of the layer reads and verifies: %v", err)
	}
}

// TestArchiveExpansionLimit: a compressed input archive that expands past the limit is an
// error naming it, not a read that runs away.
func TestArchiveExpansionLimit(t *testing.T) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o644, Size: 8 << 20})
	tw.Write(make([]byte, 8<<20))
	tw.Close()
	p := filepath.Join(t.TempDir(), "bomb.tar.gz")
	if err := os.WriteFile(p, gz(raw.Bytes()), 0o644); err != nil {
		t.Fatal(err)
	}
	// 8 MiB from some 8 KiB: past 10 bytes a byte once past 1 MiB.
	ratio, floor := maxArchiveRatio, minArchiveExpansion
	defer func() { maxArchiveRatio, minArchiveExpansion = ratio, floor }()
	maxArchiveRatio, minArchiveExpansion = 10, 1<<20
	_, err := sniff(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": ") || !strings.Contains(err.Error(), "expands past") {
		t.Fatalf("sniff: %v", err)
	}
	maxArchiveRatio, minArchiveExpansion = ratio, floor
	if f, err := sniff(p); err != nil || f != DockerArchive {
		t.Fatalf("with the default limits: %v, %v", f, err)
	}
}

// TestCompressedLayerBomb: a docker-archive's compressed layer member that expands past the
// input archive's limit is refused, naming the archive and the member, before containers/image
// decompresses it whole to learn its size (which it does with no limit).
func TestCompressedLayerBomb(t *testing.T) {
	p := write(t, t.TempDir(), kindDockerClassic, build(t, imagebuild.Gzip, "x:1"))
	ratio, floor := maxArchiveRatio, minArchiveExpansion
	defer func() { maxArchiveRatio, minArchiveExpansion = ratio, floor }()
	// The 100,000-byte layer gzips to some hundreds of bytes: past 10 a byte once past 1 KiB.
	maxArchiveRatio, minArchiveExpansion = 10, 1<<10
	ref, err := ParseRef(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), ref, Options{TempDir: t.TempDir()})
	if err == nil || !strings.HasPrefix(err.Error(), p+": member ") || !strings.Contains(err.Error(), "decompression bomb") {
		t.Fatalf("Open: %v", err)
	}
	maxArchiveRatio, minArchiveExpansion = ratio, floor
	img, _ := open(t, p)
	img.Close()
}

// dockerArchiveWithConfig writes a docker-archive of one small layer whose config carries an
// environment variable of pad bytes.
func dockerArchiveWithConfig(t *testing.T, pad int) string {
	t.Helper()
	var layer bytes.Buffer
	lw := tar.NewWriter(&layer)
	lw.WriteHeader(&tar.Header{Name: "etc/hello", Mode: 0o644, Size: 6})
	lw.Write([]byte("hello\n"))
	lw.Close()
	diffID := digest.FromBytes(layer.Bytes())
	cfg, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Env": []string{"PAD=" + strings.Repeat("A", pad)}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{diffID.String()}}})
	cfgName := digest.FromBytes(cfg).Encoded() + ".json"
	layerName := diffID.Encoded() + "/layer.tar"
	man, _ := json.Marshal([]dockerItem{{Config: cfgName, RepoTags: []string{"pad:1"}, Layers: []string{layerName}}})
	p := filepath.Join(t.TempDir(), "pad.tar")
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for _, m := range []struct {
		name string
		data []byte
	}{{cfgName, cfg}, {layerName, layer.Bytes()}, {"manifest.json", man}} {
		tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data))})
		tw.Write(m.data)
	}
	tw.Close()
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDockerConfigTooBig: a docker-archive whose config is over the size containers/image reads
// is refused with an error naming the archive and the config member, not "reading manifest";
// one just under it opens.
func TestDockerConfigTooBig(t *testing.T) {
	small := dockerArchiveWithConfig(t, maxDockerConfigSize-1024)
	img, _ := open(t, small)
	img.Close()
	big := dockerArchiveWithConfig(t, maxDockerConfigSize+1)
	ref, err := ParseRef(big)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), ref, Options{TempDir: t.TempDir()})
	if err == nil || !strings.HasPrefix(err.Error(), big+": image @0's config ") || !strings.Contains(err.Error(), ".json is ") {
		t.Fatalf("Open: %v", err)
	}
}
