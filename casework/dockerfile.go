package casework

import (
	"path"
	"sort"

	"github.com/strata-forensics/strata/forensics"
)

// Dockerfile reconstructs img's Dockerfile from its history, each instruction that made a
// layer annotated with the top paths it added and checked against what its layer holds (tree:
// the stacked layers; nil: not read yet, so no paths and no layer checks).
func Dockerfile(img *forensics.Image, tree *forensics.Tree) *forensics.Dockerfile {
	if tree == nil {
		return forensics.ReconstructDockerfile(img, nil)
	}
	trees := tree.Layers
	d := forensics.ReconstructDockerfile(img, func(layer int) []string { return TopPaths(trees, layer, 4) })
	d.CheckLayers(tree)
	return d
}

// TopPaths names the shallowest directories (or files) under which a layer added or modified
// things, largest first, so that "COPY . /app" reads as "+/app".
func TopPaths(trees []*forensics.LayerTree, layer, max int) []string {
	if layer < 0 || layer >= len(trees) || trees[layer] == nil {
		return nil
	}
	lt := trees[layer]
	changed := map[string]int64{}
	for j := range lt.Entries {
		c := lt.Changes[j]
		if c != forensics.ChangeAdded && c != forensics.ChangeModified && c != forensics.ChangeRemoved {
			continue
		}
		e := &lt.Entries[j]
		if e.Type == forensics.TypeDir && c != forensics.ChangeRemoved {
			continue
		}
		changed[e.Path] += e.Size
	}
	if len(changed) == 0 {
		return nil
	}
	group := func(depth int) map[string]int64 {
		g := map[string]int64{}
		for p, size := range changed {
			g[prefixAtDepth(p, depth)] += size
		}
		return g
	}
	// The deepest grouping that still fits in max names, so "COPY . /app" reads as "/app".
	best := group(1)
	for depth := 2; depth <= 8; depth++ {
		g := group(depth)
		if len(g) > max || len(g) == len(best) && depth > 2 && sameKeys(g, best) {
			break
		}
		best = g
	}
	return sortBySize(best, max)
}

func sameKeys(a, b map[string]int64) bool {
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return len(a) == len(b)
}

func prefixAtDepth(p string, depth int) string {
	parts := 0
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			parts++
			if parts == depth {
				return p[:i]
			}
		}
	}
	return path.Clean(p)
}

func sortBySize(m map[string]int64, max int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > max {
		keys = keys[:max]
	}
	return keys
}
