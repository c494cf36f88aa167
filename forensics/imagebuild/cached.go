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
