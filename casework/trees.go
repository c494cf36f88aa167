package casework

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics"
)

// TreesOptions choose where ReadTrees takes an image's layer trees from.
type TreesOptions struct {
	// Store is the history database whose file index serves the layers it has seen; nil
	// reads every layer from the evidence.
	Store *history.Store
	// Workers bounds how many layers are read at once; 0 means GOMAXPROCS.
	Workers int
}

// ReadTrees returns img's layer trees for browsing, each handed to sink (TreeRead) as soon
// as it is there, so that a view can show the first layers while the others are read, and
// how many came from the history store.
//
// With a Store, every layer whose diff_id the store has indexed is looked up by the sha256 of
// its stored bytes, hashed from the evidence in this run, and served from the store's file
// index when the store has seen those bytes decompress to that diff_id
// (history.Store.LayerTrees): the store answers what is in these bytes, never what this image
// is. Only the layers the store may know wait for their blobs to be hashed (for an archive,
// the input hash's pass over the whole file); an image the store knows nothing of is read at
// once.
//
// Every other layer is read from the evidence, bottom first, Workers at a time (a layer is
// shown with those below it, so the bottom ones come first), and the image's layer sizes and
// file counts are filled in as each is read. The image must not be read by anything else
// meanwhile.
func (w *Workspace) ReadTrees(ctx context.Context, img *forensics.Image, name string, opts TreesOptions, sink Sink) (trees []*forensics.LayerTree, stored int, err error) {
	trees = make([]*forensics.LayerTree, len(img.Layers))
	if opts.Store != nil {
		sink.emit(Phase{Image: name, Name: "looking up the layers in the history store"})
		served, _, err := opts.Store.LayerTrees(ctx, img)
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		if err != nil {
			sink.emit(Warning{Err: fmt.Errorf("%s: the history store's index was not used: %w", name, err)})
		}
		for i, lt := range served {
			if lt == nil {
				continue
			}
			trees[i] = lt
			stored++
			img.Layers[i].Files = len(lt.Entries)
			img.Layers[i].UncompressedSize = lt.UncompressedSize
			sink.emit(TreeRead{Image: name, Tree: lt, FromStore: true})
		}
	}
	var missing []int
	for i, lt := range trees {
		if lt == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return trees, stored, nil
	}
	sink.emit(w.plan(ctx, opts.Store, img, name, missing))
	sink.emit(Phase{Image: name, Name: "reading layers"})
	err = readInOrder(ctx, img, missing, opts.Workers, func(lt *forensics.LayerTree) {
		trees[lt.Index] = lt
		sink.emit(TreeRead{Image: name, Tree: lt})
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, inputError(fmt.Errorf("%s: %w", name, err))
	}
	return trees, stored, nil
}

// readInOrder reads the layers named, one per call, in the order given, workers at a time,
// and hands each tree to done as it is read (from the reading goroutines).
func readInOrder(ctx context.Context, img *forensics.Image, layers []int, workers int, done func(*forensics.LayerTree)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, len(img.Layers))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(layers)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				got, err := img.ReadLayers(ctx, forensics.ReadOptions{Workers: 1, Layers: []int{i}})
				if err != nil {
					errs[i] = err
					cancel()
					continue
				}
				done(got[i])
			}
		}()
	}
feed:
	for _, i := range layers {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return ctx.Err()
}
