package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
)

// Input is one reading of evidence: what was read, its hash, when, by whom, where.
type Input struct {
	ID             int64     `json:"id"`
	Path           string    `json:"path"`
	Format         string    `json:"format"`
	Selector       string    `json:"selector,omitempty"`
	SHA256         string    `json:"sha256"`
	Size           int64     `json:"size"`
	ReadAt         time.Time `json:"read_at"`
	Who            string    `json:"who"`
	Host           string    `json:"host"`
	Command        string    `json:"command"`
	ToolVersion    string    `json:"tool_version"`
	ConfigDigest   string    `json:"config_digest"`
	ManifestDigest string    `json:"manifest_digest"`
}

const inputColumns = `n.id, n.path, n.format, n.selector, n.sha256, n.size, n.read_at, n.who, n.host, n.command,
	n.tool_version, i.config_digest, n.manifest_digest`

type scanner interface{ Scan(...any) error }

func scanInput(r scanner) (Input, error) {
	var in Input
	var at string
	err := r.Scan(&in.ID, &in.Path, &in.Format, &in.Selector, &in.SHA256, &in.Size, &at, &in.Who, &in.Host, &in.Command,
		&in.ToolVersion, &in.ConfigDigest, &in.ManifestDigest)
	in.ReadAt = parseTime(at)
	return in, err
}

// Inputs returns every reading of img, oldest first.
func (s *Store) Inputs(ctx context.Context, img *Image) ([]Input, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+inputColumns+` FROM inputs n JOIN images i ON i.id = n.image_id
		WHERE n.image_id = ? ORDER BY n.read_at, n.id`, img.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Input{}
	for rows.Next() {
		in, err := scanInput(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

func (s *Store) input(ctx context.Context, id int64) (Input, error) {
	return scanInput(s.db.QueryRowContext(ctx, `SELECT `+inputColumns+` FROM inputs n JOIN images i ON i.id = n.image_id
		WHERE n.id = ?`, id))
}

// TagSighting is one time a tag was seen naming an image.
type TagSighting struct {
	Tag            string    `json:"tag"`
	ConfigDigest   string    `json:"config_digest"`
	ManifestDigest string    `json:"manifest_digest"`
	SeenAt         time.Time `json:"seen_at"`
	Input          string    `json:"input"`
	InputSHA256    string    `json:"input_sha256"`
	Command        string    `json:"command"`
	// Moved marks a sighting on a different image than the tag's previous one.
	Moved bool `json:"moved"`
}

// TagHistory returns tag sightings in time order: of the tag ref when one was seen by that
// name, else of the image ref names (every tag it was seen under), else, for "", all.
func (s *Store) TagHistory(ctx context.Context, ref string) ([]TagSighting, error) {
	where, args := "", []any{}
	if ref != "" {
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM tag_sightings WHERE tag = ?", ref).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			where, args = "WHERE t.tag = ?", []any{ref}
		} else {
			img, err := s.FindImage(ctx, ref)
			if err != nil {
				return nil, fmt.Errorf("%q is neither a tag nor an image in the history: %w", ref, ErrNotFound)
			}
			where, args = "WHERE t.tag IN (SELECT tag FROM tag_sightings WHERE image_id = ?)", []any{img.ID}
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.tag, i.config_digest, n.manifest_digest, t.seen_at, n.path, n.sha256, n.command
		FROM tag_sightings t JOIN images i ON i.id = t.image_id JOIN inputs n ON n.id = t.input_id `+where+`
		ORDER BY t.tag, t.seen_at, t.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []TagSighting{}
	last := map[string]string{}
	for rows.Next() {
		var ts TagSighting
		var at string
		if err := rows.Scan(&ts.Tag, &ts.ConfigDigest, &ts.ManifestDigest, &at, &ts.Input, &ts.InputSHA256, &ts.Command); err != nil {
			return nil, err
		}
		ts.SeenAt = parseTime(at)
		if prev, ok := last[ts.Tag]; ok && prev != ts.ConfigDigest {
			ts.Moved = true
		}
		last[ts.Tag] = ts.ConfigDigest
		out = append(out, ts)
	}
	return out, rows.Err()
}

// ScanRecord is one recorded scan.
type ScanRecord struct {
	ID           int64           `json:"id"`
	Image        *Image          `json:"image"`
	Input        Input           `json:"input"`
	ToolVersion  string          `json:"tool_version"`
	RuleHash     string          `json:"rule_hash"`
	Options      json.RawMessage `json:"options"`
	Started      time.Time       `json:"started"`
	Ended        time.Time       `json:"ended"`
	Status       string          `json:"status"`
	Verdict      string          `json:"verdict"`
	Base         string          `json:"base,omitempty"`
	Files        int             `json:"files"`
	Scanned      int             `json:"scanned"`
	CachedLayers int             `json:"cached_layers"`
	// NotAnalyzed are the layers a comparison's scan read for their trees only, their bytes
	// being those of the image ComparedWith names (the comparison's original).
	NotAnalyzed  []int         `json:"layers_not_analyzed,omitempty"`
	ComparedWith string        `json:"compared_with,omitempty"`
	Summary      audit.Summary `json:"summary"`
}

// Complete reports whether the scan analyzed every layer it did not take from the layer
// cache.
func (r *ScanRecord) Complete() bool { return len(r.NotAnalyzed) == 0 }

// Option keys a comparison's scan records (see casework).
const (
	OptionComparedWith      = "compared-with"
	OptionLayersNotAnalyzed = "layers-not-analyzed"
)

// readNotAnalyzed fills NotAnalyzed and ComparedWith from the recorded options.
func (r *ScanRecord) readNotAnalyzed() {
	var o map[string]any
	if json.Unmarshal(r.Options, &o) != nil {
		return
	}
	layers, _ := o[OptionLayersNotAnalyzed].(string)
	for _, f := range strings.Split(layers, ",") {
		if n, err := strconv.Atoi(f); err == nil {
			r.NotAnalyzed = append(r.NotAnalyzed, n)
		}
	}
	r.ComparedWith, _ = o[OptionComparedWith].(string)
}

// ScanFilter narrows the scan log. Zero fields do not filter.
type ScanFilter struct {
	Image string // anything FindImage resolves
	Tag   string // scans of images seen under this tag
	// MinSeverity keeps scans with a finding at or above it; -1 (or HasSeverity false) keeps all.
	MinSeverity audit.Severity
	HasSeverity bool
	Since       time.Time
	Limit       int
}

// Scans returns the scan log, newest first.
func (s *Store) Scans(ctx context.Context, f ScanFilter) ([]ScanRecord, error) {
	imgs, err := s.Images(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Image{}
	for _, img := range imgs {
		byID[img.ID] = img
	}
	var conds []string
	var args []any
	if f.Image != "" {
		img, err := findImage(ctx, s, imgs, f.Image)
		if err != nil {
			return nil, err
		}
		conds, args = append(conds, "s.image_id = ?"), append(args, img.ID)
	}
	if f.Tag != "" {
		conds, args = append(conds, "s.image_id IN (SELECT image_id FROM tag_sightings WHERE tag = ?)"), append(args, f.Tag)
	}
	if f.HasSeverity {
		conds, args = append(conds, "EXISTS (SELECT 1 FROM findings x WHERE x.scan_id = s.id AND x.severity >= ?)"), append(args, int(f.MinSeverity))
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "s.started_at >= ?"), append(args, fmtTime(f.Since))
	}
	q := `SELECT s.id, s.image_id, s.input_id, s.tool_version, s.rule_hash, s.options, s.started_at, s.ended_at, s.status,
		s.verdict, s.base_digest, s.files, s.scanned, s.cached_layers FROM scans s`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY s.started_at DESC, s.id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the scan log: %w", err)
	}
	var out []ScanRecord
	var inputIDs []int64
	for rows.Next() {
		var r ScanRecord
		var imageID, inputID int64
		var opts, started, ended string
		if err := rows.Scan(&r.ID, &imageID, &inputID, &r.ToolVersion, &r.RuleHash, &opts, &started, &ended, &r.Status,
			&r.Verdict, &r.Base, &r.Files, &r.Scanned, &r.CachedLayers); err != nil {
			rows.Close()
			return nil, err
		}
		r.Image, r.Options, r.Started, r.Ended = byID[imageID], json.RawMessage(opts), parseTime(started), parseTime(ended)
		r.readNotAnalyzed()
		out = append(out, r)
		inputIDs = append(inputIDs, inputID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Input, err = s.input(ctx, inputIDs[i]); err != nil {
			return nil, err
		}
		if err := s.summarize(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []ScanRecord{}
	}
	return out, nil
}

func (s *Store) summarize(ctx context.Context, r *ScanRecord) error {
	rows, err := s.db.QueryContext(ctx, "SELECT severity, count(*) FROM findings WHERE scan_id = ? GROUP BY severity", r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sev, n int
		if err := rows.Scan(&sev, &n); err != nil {
			return err
		}
		if sev >= 0 && sev < len(r.Summary) {
			r.Summary[sev] = n
		}
	}
	return rows.Err()
}

// ScanByID returns one scan.
func (s *Store) ScanByID(ctx context.Context, id int64) (*ScanRecord, error) {
	all, err := s.Scans(ctx, ScanFilter{})
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("scan %d: %w", id, ErrNotFound)
}

// Findings returns a scan's findings, most severe first.
func (s *Store) Findings(ctx context.Context, scanID int64) ([]audit.Finding, error) {
	inds, err := s.scanIndicators(ctx, scanID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, rule, category, severity, title, layer, path, history, created_by, evidence,
		remediation, vulnerability, labels, techniques FROM findings WHERE scan_id = ? ORDER BY id`, scanID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []audit.Finding{}
	for rows.Next() {
		var f audit.Finding
		var id int64
		var cat, vuln, labels, techniques string
		if err := rows.Scan(&id, &f.Rule, &cat, &f.Severity, &f.Title, &f.Layer, &f.Path, &f.History, &f.CreatedBy, &f.Evidence,
			&f.Remediation, &vuln, &labels, &techniques); err != nil {
			return nil, err
		}
		if vuln != "" {
			f.Vulnerability = &audit.Vulnerability{}
			if err := json.Unmarshal([]byte(vuln), f.Vulnerability); err != nil {
				return nil, fmt.Errorf("reading finding %s of scan %d: %w", f.Rule, scanID, err)
			}
		}
		f.Category = audit.Category(cat)
		f.Labels, f.Techniques, f.Indicators = splitLabels(labels), splitWords(techniques), inds[id]
		out = append(out, f)
	}
	audit.Sort(out)
	return out, rows.Err()
}

// LayerSizes returns the uncompressed sizes of the layers the store has indexed, by diff_id;
// layers it does not know are left out.
func (s *Store) LayerSizes(ctx context.Context, diffIDs []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, id := range diffIDs {
		var size int64
		err := s.db.QueryRowContext(ctx, `SELECT size FROM layers WHERE diff_id = ?`, id).Scan(&size)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading the size of layer %s: %w", id, err)
		}
		out[id] = size
	}
	return out, nil
}

// Counts returns how many rows each of the named tables holds. Only the tables of the schema
// may be named.
func (s *Store) Counts(ctx context.Context, tables []string) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range tables {
		if !schemaTables[t] {
			return nil, fmt.Errorf("counting rows: no table %q", t)
		}
		var n int
		// t is one of the schema's own table names (checked above).
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("counting %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// schemaTables are the tables Counts may count.
var schemaTables = map[string]bool{
	"inputs": true, "input_anomalies": true, "images": true, "image_history": true, "tag_sightings": true,
	"layers": true, "image_layers": true, "layer_files": true, "scans": true, "findings": true,
	"layer_cache": true, "layer_cache_findings": true, "layer_cache_files": true, "diffs": true, "diff_changes": true,
	"indicators": true,
}

// scanIndicators returns a scan's indicators by finding ID, each finding's in kind and value
// order.
func (s *Store) scanIndicators(ctx context.Context, scanID int64) (map[int64][]audit.Indicator, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT finding_id, kind, value FROM indicators WHERE scan_id = ?
		ORDER BY finding_id, kind, value`, scanID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]audit.Indicator{}
	for rows.Next() {
		var id int64
		var i audit.Indicator
		var kind string
		if err := rows.Scan(&id, &kind, &i.Value); err != nil {
			return nil, err
		}
		i.Kind = audit.IndicatorKind(kind)
		out[id] = append(out[id], i)
	}
	return out, rows.Err()
}
