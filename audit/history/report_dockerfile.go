package history

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/strata-forensics/strata/forensics"
)

// reportDockerfile reconstructs the subject's Dockerfile from what the store holds (its
// history lines, layer chain and config) and, when every layer's file index is stored, checks
// each line against what its layer holds (forensics.Dockerfile.CheckLayers) as strata
// dockerfile does on the evidence. Config values no step set are marked either way.
func (s *Store) reportDockerfile(ctx context.Context, r *Report) (*forensics.Dockerfile, error) {
	img, err := s.storedImage(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("reconstructing the Dockerfile of %s: %w", r.Image.ConfigDigest, err)
	}
	d := forensics.ReconstructDockerfile(img, nil)
	trees := make([]*forensics.LayerTree, len(img.Layers))
	for i, l := range img.Layers {
		if l.Files < 0 {
			// Never read whole: what the layer holds is not known, so its lines cannot be checked.
			d.Notes = append(d.Notes, fmt.Sprintf("layer %d's files are not in the history database: its line is not checked against them", i))
			return d, nil
		}
		es, err := layerEntries(ctx, s.db, l.DiffID)
		if err != nil {
			return nil, fmt.Errorf("reading the index of layer %d (%s): %w", i, l.DiffID, err)
		}
		trees[i] = &forensics.LayerTree{Index: i, Entries: es, DiffID: l.DiffID, UncompressedSize: l.UncompressedSize}
	}
	d.CheckLayers(forensics.Stack(trees))
	return d, nil
}

// storedImage rebuilds as much of a forensics.Image as the Dockerfile needs from the store:
// history aligned to layers as recorded, the layers' sizes and entry counts (-1: no index),
// and the runtime config.
func (s *Store) storedImage(ctx context.Context, r *Report) (*forensics.Image, error) {
	img := &forensics.Image{ConfigDigest: r.Image.ConfigDigest, Created: r.Image.Created}
	var cfg struct {
		Config struct {
			User       string   `json:"User"`
			Env        []string `json:"Env"`
			Entrypoint strList  `json:"Entrypoint"`
			Cmd        strList  `json:"Cmd"`
		} `json:"config"`
	}
	_ = json.Unmarshal([]byte(r.rawConfig), &cfg) // a config that does not parse leaves the fields empty
	img.Config = forensics.Config{User: cfg.Config.User, Env: cfg.Config.Env, Entrypoint: cfg.Config.Entrypoint, Cmd: cfg.Config.Cmd}
	for _, in := range r.Custody.Inputs {
		if in.ConfigDigest == r.Image.ConfigDigest {
			img.Input.Format = in.Format // the latest reading's
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT created, created_by, comment, author, empty_layer, layer FROM image_history
		WHERE image_id = ? ORDER BY position`, r.Image.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h forensics.History
		var created string
		if err := rows.Scan(&created, &h.CreatedBy, &h.Comment, &h.Author, &h.EmptyLayer, &h.Layer); err != nil {
			return nil, err
		}
		h.Created = parseTime(created)
		img.History = append(img.History, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for _, l := range r.Layers {
		img.Layers = append(img.Layers, forensics.Layer{Index: l.Position, Digest: l.Digest, DiffID: l.DiffID, History: l.History,
			UncompressedSize: max(l.Size, 0), Files: l.Entries})
	}
	return img, nil
}

// strList reads a config's Entrypoint or Cmd: a list of strings, or one string (as some
// tools write it).
type strList []string

func (s *strList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}
