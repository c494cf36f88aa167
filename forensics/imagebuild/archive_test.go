package imagebuild

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDockerArchiveClassic(t *testing.T) {
	orig, susp := mustBuild(t, DemoOriginal()), mustBuild(t, withCompression(DemoSuspect(), Gzip))
	susp.Image.Tags = []string{"strata-demo/webapp:suspect", "alpine"}
	files, order := archiveFiles(t, writeAll(t, orig, susp)["classic"])

	var items []testManifestItem
	mustJSON(t, "manifest.json", files["manifest.json"], &items)
	if len(items) != 2 {
		t.Fatalf("manifest.json has %d items", len(items))
	}
	for n, b := range []*Built{orig, susp} {
		item := items[n]
		if item.Config != hexOf(b.ConfigDigest)+".json" {
			t.Errorf("Config = %q, want <confighex>.json", item.Config)
		}
		if sha(files[item.Config]) != b.ConfigDigest {
			t.Errorf("config file %s does not hash to its name", item.Config)
		}
		var cfg testConfig
		mustJSON(t, item.Config, files[item.Config], &cfg)
		if len(item.Layers) != len(cfg.RootFS.DiffIDs) {
			t.Fatalf("%d layers, %d diff_ids", len(item.Layers), len(cfg.RootFS.DiffIDs))
		}
		for i, l := range item.Layers {
			dir, ok := strings.CutSuffix(l, "/layer.tar")
			if !ok || len(dir) != 64 {
				t.Fatalf("layer path %q is not <v1id>/layer.tar", l)
			}
			if string(files[dir+"/VERSION"]) != "1.0" {
				t.Errorf("%s/VERSION = %q", dir, files[dir+"/VERSION"])
			}
			var legacy struct{ ID, Parent string }
			mustJSON(t, dir+"/json", files[dir+"/json"], &legacy)
			if legacy.ID != dir {
				t.Errorf("%s/json id = %q", dir, legacy.ID)
			}
			if i > 0 && legacy.Parent != strings.TrimSuffix(item.Layers[i-1], "/layer.tar") {
				t.Errorf("%s/json parent = %q, want the layer below", dir, legacy.Parent)
			}
			// A layer shared by both images is stored once, as the first image built it, so
			// compression is sniffed here as a loader must.
			blob := files[l]
			if sha(blob) != b.Layers[i].Digest && sha(blob) != b.Layers[i].DiffID {
				t.Errorf("layer.tar %d hashes to %s, want blob digest %s", i, sha(blob), b.Layers[i].Digest)
			}
			if got := sha(uncompress(t, sniff(blob), blob)); got != cfg.RootFS.DiffIDs[i] {
				t.Errorf("layer %d diff_id %s, config says %s", i, got, cfg.RootFS.DiffIDs[i])
			}
		}
	}
	if !reflect.DeepEqual(items[0].RepoTags, []string{DemoTag}) ||
		!reflect.DeepEqual(items[1].RepoTags, []string{"strata-demo/webapp:suspect", "alpine:latest"}) {
		t.Errorf("RepoTags = %v, %v", items[0].RepoTags, items[1].RepoTags)
	}
	var repos map[string]map[string]string
	mustJSON(t, "repositories", files["repositories"], &repos)
	top := strings.TrimSuffix(items[0].Layers[len(items[0].Layers)-1], "/layer.tar")
	if repos["strata-demo/webapp"]["1.2"] != top || repos["alpine"]["latest"] == "" {
		t.Errorf("repositories = %v", repos)
	}
	if !strings.HasSuffix(string(files["manifest.json"]), "]\n") {
		t.Error("manifest.json lacks the trailing newline docker save writes")
	}
	// Shared layers are written once; members come in directory-walk order.
	if got := len(order); got != len(unique(order)) {
		t.Errorf("archive has duplicate members")
	}
	checkWalkOrder(t, order)
}

func unique(s []string) []string { s = slices.Clone(s); slices.Sort(s); return slices.Compact(s) }

func checkWalkOrder(t *testing.T, order []string) {
	t.Helper()
	for i := 1; i < len(order); i++ {
		a, b := strings.Split(strings.TrimSuffix(order[i-1], "/"), "/"), strings.Split(strings.TrimSuffix(order[i], "/"), "/")
		if slices.Compare(a, b) >= 0 {
			t.Errorf("member %q comes after %q", order[i], order[i-1])
		}
	}
}

func TestDockerArchiveOCI25(t *testing.T) {
	b := mustBuild(t, DemoSuspect())
	files, order := archiveFiles(t, writeAll(t, b)["docker25"])
	checkWalkOrder(t, order)
	descs, cfgs := checkOCIImage(t, files)
	if len(descs) != 1 {
		t.Fatalf("index.json has %d manifests", len(descs))
	}
	d := descs[0]
	wantAnn := map[string]string{annotationImageName: "docker.io/strata-demo/webapp:1.2", annotationRefName: "1.2"}
	if !reflect.DeepEqual(d.Annotations, wantAnn) {
		t.Errorf("annotations = %v, want %v", d.Annotations, wantAnn)
	}
	if d.Platform == nil || d.Platform.OS != "linux" || d.Platform.Architecture != "amd64" {
		t.Errorf("platform = %+v", d.Platform)
	}
	var items []testManifestItem
	mustJSON(t, "manifest.json", files["manifest.json"], &items)
	item := items[0]
	if item.Config != "blobs/sha256/"+hexOf(b.ConfigDigest) || !reflect.DeepEqual(item.RepoTags, []string{DemoTag}) {
		t.Errorf("manifest.json item = %+v", item)
	}
	for i, l := range item.Layers {
		if l != "blobs/sha256/"+hexOf(b.Layers[i].Digest) {
			t.Errorf("layer %d path %q", i, l)
		}
		if sha(files[l]) != cfgs[0].RootFS.DiffIDs[i] {
			t.Errorf("layer %d: uncompressed blob does not match its diff_id", i)
		}
	}
	var repos map[string]map[string]string
	mustJSON(t, "repositories", files["repositories"], &repos)
	if repos["strata-demo/webapp"]["1.2"] != hexOf(b.Layers[len(b.Layers)-1].DiffID) {
		t.Errorf("repositories = %v", repos)
	}
}

func TestOCIArchiveAndLayout(t *testing.T) {
	orig := mustBuild(t, withCompression(DemoOriginal(), Gzip))
	zst := mustBuild(t, withCompression(DemoSuspect(), Zstd))
	zst.Image.Tags = []string{"suspect"}
	files, order := archiveFiles(t, writeAll(t, orig, zst)["oci"])
	checkWalkOrder(t, order)
	descs, _ := checkOCIImage(t, files)
	if len(descs) != 2 || descs[0].Annotations[annotationRefName] != DemoTag || descs[1].Annotations[annotationRefName] != "suspect" {
		t.Errorf("index manifests = %+v", descs)
	}
	if _, ok := files["manifest.json"]; ok {
		t.Error("oci-archive has a docker manifest.json")
	}

	dir := t.TempDir()
	if err := WriteOCILayout(dir, orig, zst); err != nil {
		t.Fatal(err)
	}
	onDisk := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		onDisk[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(onDisk, files) {
		t.Error("OCI layout directory differs from the oci-archive's content")
	}
}

func TestTampering(t *testing.T) {
	t.Run("corrupt blob", func(t *testing.T) {
		b := mustBuild(t, DemoOriginal())
		b.Layers[1].Blob = bytes.Clone(b.Layers[1].Blob)
		b.Layers[1].Blob[600] ^= 0xff
		files, _ := archiveFiles(t, writeAll(t, b)["oci"])
		if got := sha(files[blobName(b.Layers[1].Digest)]); got == b.Layers[1].Digest {
			t.Error("corrupted blob still matches its digest")
		}
	})
	t.Run("missing blob", func(t *testing.T) {
		b := mustBuild(t, DemoOriginal())
		b.Layers[2].Omit = true
		for name, data := range writeAll(t, b) {
			files, _ := archiveFiles(t, data)
			if _, ok := files[blobName(b.Layers[2].Digest)]; ok {
				t.Errorf("%s: omitted blob written", name)
			}
			if !bytes.Contains(data, []byte(hexOf(b.Layers[2].Digest))) && name != "classic" {
				t.Errorf("%s: manifests no longer name the omitted blob", name)
			}
		}
	})
	t.Run("config edit", func(t *testing.T) {
		a, b := mustBuild(t, DemoOriginal()), mustBuild(t, DemoOriginal())
		if err := b.EditConfig(func(c *Config) { c.Env = append(c.Env, "LD_PRELOAD=/x.so") }); err != nil {
			t.Fatal(err)
		}
		if a.ConfigDigest == b.ConfigDigest || !bytes.Contains(b.Config, []byte("LD_PRELOAD")) {
			t.Error("config unchanged")
		}
		for i := range a.Layers {
			if a.Layers[i].Digest != b.Layers[i].Digest {
				t.Errorf("layer %d changed", i)
			}
		}
		files, _ := archiveFiles(t, writeAll(t, b)["docker25"])
		checkOCIImage(t, files)
	})
	t.Run("replace layer", func(t *testing.T) {
		b := mustBuild(t, DemoOriginal())
		cfg := bytes.Clone(b.Config)
		if err := b.ReplaceLayer(5, Layer{Files: []File{Reg("evil", "x")}}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(cfg, b.Config) {
			t.Error("ReplaceLayer changed the config")
		}
		var c testConfig
		mustJSON(t, "config", b.Config, &c)
		if c.RootFS.DiffIDs[5] == b.Layers[5].DiffID {
			t.Error("config diff_id matches the replaced layer")
		}
		files, _ := archiveFiles(t, writeAll(t, b)["oci"])
		checkBlobs(t, files)
	})
}

func TestDemoPair(t *testing.T) {
	o, s := mustBuild(t, DemoOriginal()), mustBuild(t, DemoSuspect())
	n := len(o.Layers)
	for i := 0; i < n-1; i++ {
		if o.Layers[i].DiffID != s.Layers[i].DiffID {
			t.Errorf("layer %d differs", i)
		}
	}
	if o.Layers[n-1].DiffID == s.Layers[n-1].DiffID {
		t.Error("last layer not replaced")
	}
	var oc, sc testConfig
	mustJSON(t, "original", o.Config, &oc)
	mustJSON(t, "suspect", s.Config, &sc)
	if !reflect.DeepEqual(oc.History, sc.History) {
		t.Error("history differs")
	}
	added := sc.Config.Env[len(oc.Config.Env):]
	want := []string{"LD_PRELOAD=" + DemoPreloadPath, "REMOTE_ADDR=" + DemoRemoteAddr, "REMOTE_PORT=" + DemoRemotePort}
	if !reflect.DeepEqual(added, want) {
		t.Errorf("Env added %v, want %v", added, want)
	}
	nonEmpty := 0
	for _, h := range oc.History {
		if !h.EmptyLayer {
			nonEmpty++
		}
	}
	if nonEmpty != n {
		t.Errorf("%d non-empty history steps for %d layers", nonEmpty, n)
	}
	if !bytes.HasPrefix(ReverseShellSO(), []byte("\x7fELF")) {
		t.Error("embedded reverse_shell.so is not an ELF file")
	}
}

func TestDemoHidden(t *testing.T) {
	b := mustBuild(t, DemoHidden())
	files, _ := archiveFiles(t, b.Layers[2].Blob)
	for _, name := range []string{"opt/tools/.wh.xmrig", "tmp/.wh.setup.sh", "var/cache/apt/.wh..wh..opq"} {
		if _, ok := files[name]; !ok {
			t.Errorf("layer 2 lacks %s", name)
		}
	}
	var cfg testConfig
	mustJSON(t, "config", b.Config, &cfg)
	if len(cfg.History) != len(b.Layers) {
		t.Errorf("%d history steps for %d layers", len(cfg.History), len(b.Layers))
	}
}
