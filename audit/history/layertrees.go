package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/strata-forensics/strata/forensics"
)

// LayerTrees builds one LayerTree per layer (Index set to its position) from the stored file
// indexes, entries in tar order with their sha256, so that an image read before can be browsed
// without reading its layers again. ok is false, with no trees, when any of the layers has no
// stored index or is not known by its bytes: a partial tree would mislead. The trees carry the
// anomalies recorded for those layers when they were read; stacking them (forensics.Stack)
// gives the tree reading the layers would.
//
// The layers come from the evidence the caller holds, with their blobs hashed
// (forensics.Image.HashBlobs): a layer is served only when the store has seen the same bytes
// decompress to the diff_id its config claims. The store answers "what is in these bytes",
// never "what is this image".
func (s *Store) LayerTrees(ctx context.Context, layers []forensics.Layer) ([]*forensics.LayerTree, bool, error) {
	if len(layers) == 0 {
		return nil, false, nil
	}
	trees := make([]*forensics.LayerTree, len(layers))
	diffIDs := make([]string, len(layers))
	for i, l := range layers {
		d := l.DiffID
		if d == "" || l.BlobSHA256 == "" || !l.BlobAsClaimed() {
			return nil, false, nil
		}
		diffIDs[i] = d
		var size int64
		err := s.db.QueryRowContext(ctx, `SELECT l.size FROM layer_blobs b JOIN layers l ON l.diff_id = b.diff_id
			WHERE b.blob = ? AND b.diff_id = ?`, l.BlobSHA256, d).Scan(&size)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("reading the index of layer %d (%s): %w", i, d, err)
		}
		trees[i] = &forensics.LayerTree{Index: i, UncompressedSize: size, DiffID: d}
	}
	// Each layer's index is its own query; SQLite in WAL mode serves them on parallel
	// connections.
	errs := make([]error, len(diffIDs))
	var wg sync.WaitGroup
	for i, d := range diffIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lt := trees[i]
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
		return nil, false, err
	}
	return trees, true, nil
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
