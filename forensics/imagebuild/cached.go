package imagebuild

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CachedSynthetic returns an OCI layout of Synthetic(seed, mb MiB, layers) under dir, building it
// the first time and reusing it afterwards, and the paths of its layer blobs in layer order.
// Benchmarks of different packages share the cache: the image lives in
// dir/synthetic-<seed>-<mb>MB-<layers>L, the layout in its oci directory.
func CachedSynthetic(dir string, seed, mb int64, layers int) (layout string, blobs []string, err error) {
	root := filepath.Join(dir, fmt.Sprintf("synthetic-%d-%dMB-%dL", seed, mb, layers))
	layout = filepath.Join(root, "oci")
	stamp := filepath.Join(root, "blobs.json")
	if data, err := os.ReadFile(stamp); err == nil && json.Unmarshal(data, &blobs) == nil && allExist(blobs) {
		return layout, blobs, nil
	}
	if err := os.RemoveAll(root); err != nil {
		return "", nil, fmt.Errorf("clearing %s: %w", root, err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", nil, fmt.Errorf("creating %s: %w", root, err)
	}
	built, err := BuildTo(Synthetic(seed, mb<<20, layers), root)
	if err != nil {
		return "", nil, err
	}
	if err := WriteOCILayout(layout, built); err != nil {
		return "", nil, err
	}
	blobs = nil
	for _, l := range built.Layers {
		blobs = append(blobs, filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(l.Digest, "sha256:")))
		os.Remove(l.Path)
	}
	data, err := json.Marshal(blobs)
	if err != nil {
		return "", nil, err
	}
	// The stamp goes last: an interrupted build is rebuilt next time.
	if err := os.WriteFile(stamp, data, 0o644); err != nil {
		return "", nil, fmt.Errorf("writing %s: %w", stamp, err)
	}
	return layout, blobs, nil
}

func allExist(paths []string) bool {
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return len(paths) > 0
}

// ManyFiles is an image of one gzip layer of n one-byte files, a thousand to a directory, and
// the layer generated as it is written: the shape of a layer built to exhaust a reader's
// memory. With links, the files are instead hard links to a target the layer does not hold.
func ManyFiles(n int, links bool) Image {
	gen := func(yield func(File) bool) {
		for d := 0; d*1000 < n; d++ {
			if !yield(Dir(fmt.Sprintf("data/d%04d", d))) {
				return
			}
			for i := d * 1000; i < n && i < (d+1)*1000; i++ {
				f := RegBytes(fmt.Sprintf("data/d%04d/f%07d", d, i), []byte{byte(i)})
				if links {
					f = Hardlink(fmt.Sprintf("data/d%04d/l%07d", d, i), "missing/target")
				}
				if !yield(f) {
					return
				}
			}
		}
	}
	return Image{Layers: []Layer{{Generate: gen, Compression: Gzip, CreatedBy: fmt.Sprintf("generated: %d files", n)}}}
}

// CachedManyFiles returns an OCI layout of ManyFiles(n, links) under dir, built the first time
// and reused afterwards.
func CachedManyFiles(dir string, n int, links bool) (layout string, err error) {
	kind := "files"
	if links {
		kind = "hardlinks"
	}
	root := filepath.Join(dir, fmt.Sprintf("many-%s-%d", kind, n))
	layout = filepath.Join(root, "oci")
	stamp := filepath.Join(root, "done")
	if _, err := os.Stat(stamp); err == nil {
		return layout, nil
	}
	if err := os.RemoveAll(root); err != nil {
		return "", fmt.Errorf("clearing %s: %w", root, err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", root, err)
	}
	built, err := BuildTo(ManyFiles(n, links), root)
	if err != nil {
		return "", err
	}
	if err := WriteOCILayout(layout, built); err != nil {
		return "", err
	}
	for _, l := range built.Layers {
		os.Remove(l.Path)
	}
	if err := os.WriteFile(stamp, nil, 0o644); err != nil {
		return "", fmt.Errorf("writing %s: %w", stamp, err)
	}
	return layout, nil
}
