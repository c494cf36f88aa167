package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/strata-forensics/strata/forensics"
)

// LayerTrees builds a LayerTree (Index set to its position) from the stored file index of
// each layer of img the store can answer for, entries in tar order with their sha256, so that
// an image read before can be browsed without reading those layers again; the other layers'
// trees are nil, served counts the rest. The trees carry the anomalies recorded for those
// layers when they were read; stacking them with the others, read from the evidence
// (forensics.Stack), gives the tree reading every layer would.
//
// A layer is served only when the store has seen its stored bytes, hashed from the evidence
// in this run, decompress to the diff_id its config claims: LayerTrees hashes the blobs of
// the layers whose diff_id the store has indexed (forensics.Image.HashBlobs; for an archive,
// the input hash's pass over the whole file) and reads their indexes meanwhile, serving none
// before the sums are in. A layer whose blob cannot be hashed, or whose bytes are not what the
// image claims for them, is not served. The store answers "what is in these bytes", never
// "what is this image".
func (s *Store) LayerTrees(ctx context.Context, img *forensics.Image) (trees []*forensics.LayerTree, served int, err error) {
	trees = make([]*forensics.LayerTree, len(img.Layers))
	sizes := map[string]int64{}
	var indexed []int
	for i, l := range img.Layers {
		if l.DiffID == "" {
			continue
		}
		if _, ok := sizes[l.DiffID]; !ok {
			var size int64
			err := s.db.QueryRowContext(ctx, `SELECT size FROM layers WHERE diff_id = ?`, l.DiffID).Scan(&size)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, 0, fmt.Errorf("reading the index of layer %d (%s): %w", i, l.DiffID, err)
			}
			sizes[l.DiffID] = size
		}
		indexed = append(indexed, i)
	}
	if len(indexed) == 0 {
		return trees, 0, nil
	}
	// The blobs are hashed while the indexes are read: each index is its own query, and
	// SQLite in WAL mode serves them on parallel connections.
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		img.HashBlobs(ctx, indexed) // a blob not hashed is not served
	}()
	type index struct {
		entries   []forensics.Entry
		anomalies []forensics.Anomaly
		err       error
		used      bool
	}
	indexes := map[string]*index{}
	var wg sync.WaitGroup
	for _, i := range indexed {
		d := img.Layers[i].DiffID
		if indexes[d] != nil {
			continue
		}
		x := &index{}
		indexes[d] = x
		wg.Add(1)
		go func() {
			defer wg.Done()
			if x.entries, x.err = layerEntries(ctx, s.db, d); x.err != nil {
				x.err = fmt.Errorf("reading the index of layer %s: %w", d, x.err)
				return
			}
			if x.anomalies, x.err = s.layerAnomalies(ctx, d, 0); x.err != nil {
				x.err = fmt.Errorf("reading the anomalies of layer %s: %w", d, x.err)
			}
		}()
	}
	wg.Wait()
	<-hashed
	for _, x := range indexes {
		if x.err != nil {
			return nil, 0, x.err
		}
	}
	for _, i := range indexed {
		l := img.Layers[i]
		if l.BlobSHA256 == "" || !l.BlobAsClaimed() {
			continue
		}
		var one int
		err := s.db.QueryRowContext(ctx, `SELECT 1 FROM layer_blobs WHERE blob = ? AND diff_id = ?`, l.BlobSHA256, l.DiffID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("reading the index of layer %d (%s): %w", i, l.DiffID, err)
		}
		x := indexes[l.DiffID]
		lt := &forensics.LayerTree{Index: i, UncompressedSize: sizes[l.DiffID], DiffID: l.DiffID, Entries: x.entries}
		if x.used {
			lt.Entries = slices.Clone(x.entries) // a layer met twice: each copy its own entries
		}
		x.used = true
		for _, a := range x.anomalies {
			a.Layer = i
			lt.Anomalies = append(lt.Anomalies, a)
		}
		trees[i] = lt
		served++
	}
	return trees, served, ctx.Err()
}

// layerAnomalies returns the distinct anomalies recorded against the layer diffID in any
// reading of any image that holds it, with Layer set to index.
func (s *Store) layerAnomalies(ctx context.Context, diffID string, index int) ([]forensics.Anomaly, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.kind, a.path, a.detail FROM input_anomalies a
		JOIN inputs n ON n.id = a.input_id
		JOIN image_layers il ON il.image_id = n.image_id AND il.position = a.layer
		WHERE il.diff_id = ? GROUP BY a.kind, a.path, a.detail ORDER BY min(`+s.db.d.insertionOrder("a")+`)`, diffID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []forensics.Anomaly
	for rows.Next() {
		a := forensics.Anomaly{Layer: index}
		if err := rows.Scan(&a.Kind, &a.Path, &a.Detail); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
