package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/strata-forensics/strata/forensics"
)

// LayerTrees builds a LayerTree (Index set to its position) from the stored file index of
// each layer the store can answer for, entries in tar order with their sha256, so that an
// image read before can be browsed without reading those layers again; the other layers'
// trees are nil, served counts the rest. The trees carry the anomalies recorded for those
// layers when they were read; stacking them with the others, read from the evidence
// (forensics.Stack), gives the tree reading every layer would.
//
// The layers come from the evidence the caller holds, with their blobs hashed
// (forensics.Image.HashBlobs): a layer is served only when the store has seen the same bytes
// decompress to the diff_id its config claims. A layer whose blob is not hashed, or whose
// bytes are not what the image claims for them, is not served. The store answers "what is in
// these bytes", never "what is this image".
func (s *Store) LayerTrees(ctx context.Context, layers []forensics.Layer) (trees []*forensics.LayerTree, served int, err error) {
	trees = make([]*forensics.LayerTree, len(layers))
	for i, l := range layers {
		d := l.DiffID
		if d == "" || l.BlobSHA256 == "" || !l.BlobAsClaimed() {
			continue
		}
		var size int64
		err := s.db.QueryRowContext(ctx, `SELECT l.size FROM layer_blobs b JOIN layers l ON l.diff_id = b.diff_id
			WHERE b.blob = ? AND b.diff_id = ?`, l.BlobSHA256, d).Scan(&size)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("reading the index of layer %d (%s): %w", i, d, err)
		}
		trees[i] = &forensics.LayerTree{Index: i, UncompressedSize: size, DiffID: d}
		served++
	}
	// Each layer's index is its own query; SQLite in WAL mode serves them on parallel
	// connections.
	errs := make([]error, len(trees))
	var wg sync.WaitGroup
	for i, lt := range trees {
		if lt == nil {
			continue
		}
		d := lt.DiffID
		wg.Add(1)
		go func() {
			defer wg.Done()
			if lt.Entries, errs[i] = layerEntries(ctx, s.db, d); errs[i] != nil {
				errs[i] = fmt.Errorf("reading the index of layer %d (%s): %w", i, d, errs[i])
				return
			}
			if lt.Anomalies, errs[i] = s.layerAnomalies(ctx, d, i); errs[i] != nil {
				errs[i] = fmt.Errorf("reading the anomalies of layer %d (%s): %w", i, d, errs[i])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}
	return trees, served, nil
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
