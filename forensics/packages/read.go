package packages

import (
	"context"

	"github.com/strata-forensics/strata/forensics"
)

// DefaultContentCap is the largest file Read hands to the Collector during the pass.
const DefaultContentCap = 32 << 20

// Result is an image's inventory and integrity with the trees they were read from.
type Result struct {
	Layers    []*forensics.LayerTree
	Tree      *forensics.Tree
	Inventory *Inventory
	Integrity *Integrity
}

// Read reads img's layers once, stacks them, and returns the inventory and the integrity
// check. tempDir is not used (rpm databases are read in memory); it is kept for callers.
func Read(ctx context.Context, img *forensics.Image, tempDir string) (*Result, error) {
	c := NewCollector()
	layers, err := img.ReadLayers(ctx, forensics.ReadOptions{Visit: c.Visit, Stream: c.Stream, ContentCap: DefaultContentCap})
	if err != nil {
		return nil, err
	}
	tree := forensics.Stack(layers)
	inv := c.Inventory(tree, tempDir)
	integ, err := c.Check(ctx, img, tree, inv)
	if err != nil {
		return nil, err
	}
	return &Result{Layers: layers, Tree: tree, Inventory: inv, Integrity: integ}, nil
}
