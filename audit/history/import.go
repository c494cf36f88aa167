package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ImportSummary is what Import merged.
type ImportSummary struct {
	Records int `json:"records"`
	// Added counts the units new to this database, by kind; Present those it held already
	// (the same image, layer, blob or cached layer, or the same reading, scan or diff).
	Added   map[string]int `json:"added"`
	Present map[string]int `json:"present"`
	// From is the exporting station and database, LedgerHead the archive's chain head.
	From       string `json:"from"`
	LedgerHead string `json:"ledger_head"`
}

// importOrigin is the ledger origin of a unit merged from an archive: where it came from and
// its entry there, so that the chain of custody runs across stations.
type importOrigin struct {
	Station    string `json:"station"`
	Database   string `json:"database"`
	ExportedAt string `json:"exported_at"`
	LedgerHead string `json:"ledger_head"`
	Entry      int64  `json:"entry"`
	Kind       string `json:"kind"`
	Key        string `json:"key"`
	Digest     string `json:"digest"`
	Origin     string `json:"origin"`
	RecordedAt string `json:"recorded_at"`
	By         string `json:"imported_by"`
}

// originImported starts the origin of an imported unit's ledger entry; the JSON of an
// importOrigin follows.
const originImported = "imported "

// Import merges an export archive (see Export) into the store, in one transaction, once the
// whole archive verified: a changed member or record, a broken chain, is an *ArchiveError
// naming it and nothing is written. Units are matched to what the store holds: images,
// layers, blobs and cached layers by their digests; readings of evidence (inputs), scans and
// diffs by all their fields, with the ids they refer to mapped to this database's, so that
// importing an archive twice changes nothing and every reading keeps the station (who, host)
// and time it was made at. Each unit added gets a ledger entry whose origin says it was
// imported, from where, with its entry and digest there.
func (s *Store) Import(ctx context.Context, path string) (*ImportSummary, error) {
	if s.readOnly {
		return nil, fmt.Errorf("importing %s: the history database is open read-only", path)
	}
	m, err := VerifyArchive(path)
	if err != nil {
		return nil, err
	}
	sum := &ImportSummary{Records: len(m.Records), Added: map[string]int{}, Present: map[string]int{},
		From: m.Who + "@" + m.Host + " " + m.Database, LedgerHead: m.LedgerHead}
	_, err = withTx(ctx, s, func(tx *txConn) (struct{}, error) {
		im := &importer{s: s, tx: tx, ids: map[string]map[int64]int64{}, now: fmtTime(s.now()), cols: map[string]map[string]bool{}}
		_, err := eachRecord(path, func(m *ArchiveManifest, r *archiveRecord) error {
			added, err := im.merge(ctx, m, r)
			if err != nil {
				return fmt.Errorf("importing %s: %s: %w", path, recordName(r.Seq, r.Kind, r.Key), err)
			}
			if added {
				sum.Added[r.Kind]++
			} else {
				sum.Present[r.Kind]++
			}
			return nil
		})
		return struct{}{}, err
	})
	if err != nil {
		return nil, err
	}
	return sum, nil
}

type importer struct {
	s   *Store
	tx  *txConn
	now string
	// ids maps the archive's local ids to this database's, by the kind of row they name.
	ids  map[string]map[int64]int64
	cols map[string]map[string]bool // this database's columns, by table
}

// idRefs says which columns of each table hold local ids, and of what.
var idRefs = map[string]map[string]string{
	"images":            {"id": "image"},
	"image_history":     {"image_id": "image"},
	"image_layers":      {"image_id": "image"},
	"inputs":            {"id": "input", "image_id": "image"},
	"input_anomalies":   {"input_id": "input"},
	"tag_sightings":     {"id": "", "image_id": "image", "input_id": "input"},
	"scans":             {"id": "scan", "image_id": "image", "input_id": "input"},
	"findings":          {"id": "finding", "scan_id": "scan"},
	"indicators":        {"finding_id": "finding", "scan_id": "scan"},
	"accepted_findings": {"id": "", "scan_id": "scan"},
	"diffs": {"id": "diff", "original_image_id": "image", "suspect_image_id": "image",
		"original_input_id": "input", "suspect_input_id": "input"},
	"diff_changes": {"diff_id": "diff"},
}

// mapRow returns a part's row for this database: ids mapped, the row's own id left out (the
// database gives a new one), columns this database lacks refused.
func (im *importer) mapRow(ctx context.Context, table string, cols []string, row []any) ([]string, []any, int64, error) {
	have, ok := im.cols[table]
	if !ok {
		cs, err := im.s.tableColumns(ctx, im.tx, table)
		if err != nil {
			return nil, nil, 0, err
		}
		have = map[string]bool{}
		for _, c := range cs {
			have[c] = true
		}
		im.cols[table] = have
	}
	var outCols []string
	var outVals []any
	var ownID int64
	for i, c := range cols {
		if !have[c] {
			return nil, nil, 0, fmt.Errorf("this database has no column %s.%s", table, c)
		}
		ref, isRef := idRefs[table][c]
		if !isRef {
			outCols, outVals = append(outCols, c), append(outVals, row[i])
			continue
		}
		n, ok := row[i].(int64)
		if !ok {
			return nil, nil, 0, fmt.Errorf("%s.%s is not an id", table, c)
		}
		if c == "id" {
			ownID = n
			continue
		}
		local, ok := im.ids[ref][n]
		if !ok {
			return nil, nil, 0, fmt.Errorf("%s.%s names %s %d, which the archive does not hold before it", table, c, ref, n)
		}
		outCols, outVals = append(outCols, c), append(outVals, local)
	}
	return outCols, outVals, ownID, nil
}

func (im *importer) insert(ctx context.Context, table string, cols []string, vals []any, returning bool) (int64, error) {
	q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(cols)-1) + ")"
	if !returning {
		_, err := im.tx.ExecContext(ctx, q, vals...)
		return 0, err
	}
	var id int64
	err := im.tx.QueryRowContext(ctx, q+" RETURNING id", vals...).Scan(&id)
	return id, err
}

// existing returns the id of a row of table equal to cols = vals in every column, if any.
func (im *importer) existing(ctx context.Context, table string, cols []string, vals []any) (int64, bool, error) {
	conds := make([]string, len(cols))
	for i, c := range cols {
		conds[i] = c + " = ?"
	}
	var id int64
	err := im.tx.QueryRowContext(ctx, "SELECT id FROM "+table+" WHERE "+strings.Join(conds, " AND ")+" ORDER BY id LIMIT 1", vals...).Scan(&id)
	if err != nil {
		if isNoRows(err) {
			return 0, false, nil
		}
		return 0, false, err
	}
	return id, true, nil
}

// exists reports whether a content-addressed row with key = val is stored.
func (im *importer) exists(ctx context.Context, table string, key []string, vals []any) (bool, error) {
	conds := make([]string, len(key))
	for i, c := range key {
		conds[i] = c + " = ?"
	}
	var one int
	err := im.tx.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE "+strings.Join(conds, " AND ")+" LIMIT 1", vals...).Scan(&one)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

func column(cols []string, row []any, name string) any {
	for i, c := range cols {
		if c == name {
			return row[i]
		}
	}
	return nil
}

// merge adds one verified record's unit unless the database holds it, and reports whether it
// did.
func (im *importer) merge(ctx context.Context, m *ArchiveManifest, r *archiveRecord) (bool, error) {
	kind, _ := kindNamed(r.Kind)
	if len(r.parts) == 0 || r.parts[0].Table != kind.parts[0].table || len(r.parts[0].Rows) != 1 {
		return false, fmt.Errorf("a %s record without its %s row", r.Kind, kind.parts[0].table)
	}
	top := r.parts[0]
	row := top.Rows[0]
	var key string
	switch r.Kind {
	case "image", "input", "scan", "diff":
		cols, vals, srcID, err := im.mapRow(ctx, top.Table, top.Columns, row)
		if err != nil {
			return false, err
		}
		ref := idRefs[top.Table]["id"]
		var id int64
		var found bool
		if r.Kind == "image" {
			id, found, err = im.existing(ctx, "images", []string{"config_digest"}, []any{column(top.Columns, row, "config_digest")})
		} else {
			// A reading, scan or diff is the same one when every field is: who, where, when, what.
			id, found, err = im.existing(ctx, top.Table, cols, vals)
		}
		if err != nil {
			return false, err
		}
		if im.ids[ref] == nil {
			im.ids[ref] = map[int64]int64{}
		}
		if found {
			im.ids[ref][srcID] = id
			return false, nil
		}
		if id, err = im.insert(ctx, top.Table, cols, vals, true); err != nil {
			return false, fmt.Errorf("adding its %s row: %w", top.Table, err)
		}
		im.ids[ref][srcID] = id
		key = strconv.FormatInt(id, 10)
	default:
		// Content-addressed: a layer, a blob, a cached layer is the same wherever it was read.
		kp := kind.parts[0]
		keyVals := make([]any, len(kp.key))
		for i, k := range kp.key {
			keyVals[i] = column(top.Columns, row, k)
		}
		found, err := im.exists(ctx, top.Table, kp.key, keyVals)
		if err != nil {
			return false, err
		}
		if found {
			return false, nil
		}
		if _, err := im.insert(ctx, top.Table, top.Columns, row, false); err != nil {
			return false, fmt.Errorf("adding its %s row: %w", top.Table, err)
		}
		key = r.Key
	}
	for _, p := range r.parts[1:] {
		// Rows other rows name by id (findings, which indicators name) keep their new ids.
		ref := idRefs[p.Table]["id"]
		if ref != "" && im.ids[ref] == nil {
			im.ids[ref] = map[int64]int64{}
		}
		for _, row := range p.Rows {
			cols, vals, srcID, err := im.mapRow(ctx, p.Table, p.Columns, row)
			if err != nil {
				return false, err
			}
			id, err := im.insert(ctx, p.Table, cols, vals, ref != "")
			if err != nil {
				return false, fmt.Errorf("adding its %s rows: %w", p.Table, err)
			}
			if ref != "" {
				im.ids[ref][srcID] = id
			}
		}
	}
	o, err := json.Marshal(importOrigin{Station: m.Who + "@" + m.Host, Database: m.Database, ExportedAt: m.ExportedAt,
		LedgerHead: m.LedgerHead, Entry: r.Seq, Kind: r.Kind, Key: r.Key, Digest: r.Digest, Origin: r.Origin,
		RecordedAt: r.RecordedAt, By: im.s.Who + "@" + im.s.Host})
	if err != nil {
		return false, err
	}
	return true, im.s.appendLedger(ctx, im.tx, r.Kind, key, originImported+string(o), im.now)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
