package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// TraceQuery names indicators to look for; every field set is searched, and a hit names the
// one it matched.
type TraceQuery struct {
	SHA256 string // a file's content hash, in any layer of any image (also in findings' evidence)
	Path   string // a glob over file paths in every layer ("*" crosses "/")
	Rule   string // a finding's rule
	IP     string // an address in findings' evidence and titles, the indicators of flagged files, Env values and history lines
	Domain string // a domain (or a subdomain of it), in the same places
	String string // any text, in the same places
}

// Empty reports whether the query names nothing.
func (q TraceQuery) Empty() bool { return q == TraceQuery{} }

// Hit is one place an indicator was found.
type Hit struct {
	Indicator string `json:"indicator"` // "sha256:<hex>", "path:<glob>", "rule:R", "ip:A", "domain:D", "string:S"
	// Where: "file" (a layer's file index), "finding" (a scan's finding), "indicator" (an
	// indicator found in the content of a file a scan flagged), "env" (the config's Env),
	// "history" (a history line).
	Where string `json:"where"`
	Image *Image `json:"image"`
	// Layer is the position in Image's chain, -1 for config matches; DiffID names the layer.
	Layer  int    `json:"layer"`
	DiffID string `json:"diff_id,omitempty"`
	Path   string `json:"path,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	// Detail is what matched: the finding's rule and evidence, the Env entry, the history line.
	Detail string `json:"detail"`
	// Scans are the scans of Image that saw the hit (for files: every scan of the image).
	Scans []int64 `json:"scans"`
	// FirstSeen and LastSeen are when Image was first and last read.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// IntroducedBy is the family member that brought the hit: the earliest known ancestor whose
	// own layers (or config) already hold it, else Image itself.
	IntroducedBy *Image `json:"introduced_by"`
}

// Trace finds the query's indicators in everything the store holds. Hits are ordered by
// indicator, then by when their image was first seen.
func (s *Store) Trace(ctx context.Context, q TraceQuery) ([]Hit, error) {
	if q.Empty() {
		return nil, errors.New("tracing: no indicator given")
	}
	imgs, err := s.Images(ctx)
	if err != nil {
		return nil, err
	}
	t := &tracer{s: s, imgs: imgs, byID: map[int64]*Image{}, scans: map[int64][]int64{}}
	for _, img := range imgs {
		t.byID[img.ID] = img
	}
	if err := t.loadScans(ctx); err != nil {
		return nil, err
	}
	if q.SHA256 != "" {
		h := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(q.SHA256), "sha256:"))
		ind := "sha256:" + h
		if err := t.files(ctx, ind, "lf.sha256 = ?", h); err != nil {
			return nil, err
		}
		if err := t.findings(ctx, ind, "(f.evidence LIKE ? OR f.title LIKE ?)", nil, like(h), like(h)); err != nil {
			return nil, err
		}
	}
	if q.Path != "" {
		cond, arg := s.db.d.glob("lf.path", q.Path)
		if err := t.files(ctx, "path:"+q.Path, cond, arg); err != nil {
			return nil, err
		}
	}
	if q.Rule != "" {
		if err := t.findings(ctx, "rule:"+q.Rule, "f.rule = ?", nil, q.Rule); err != nil {
			return nil, err
		}
	}
	texts := []struct {
		kind, value string
		re          *regexp.Regexp
	}{
		{"ip", q.IP, boundary(q.IP, `0-9.`, false)},
		{"domain", q.Domain, boundary(q.Domain, `a-z0-9-`, true)},
		{"string", q.String, nil},
	}
	for _, tx := range texts {
		if tx.value == "" {
			continue
		}
		ind := tx.kind + ":" + tx.value
		match := func(s string) bool {
			if tx.re != nil {
				return tx.re.MatchString(s)
			}
			return strings.Contains(s, tx.value)
		}
		if err := t.findings(ctx, ind, "(f.evidence LIKE ? OR f.title LIKE ?)", match, like(tx.value), like(tx.value)); err != nil {
			return nil, err
		}
		var err error
		switch tx.kind {
		case "ip":
			err = t.indicators(ctx, ind, "i.kind = 'ip' AND i.value = ?", tx.value)
		case "domain":
			d := strings.ToLower(strings.Trim(tx.value, "."))
			err = t.indicators(ctx, ind, `i.kind IN ('domain', 'onion') AND (i.value = ? OR i.value LIKE ? ESCAPE '\')`,
				d, "%."+likeEscape(d))
		default:
			err = t.indicators(ctx, ind, `i.value LIKE ? ESCAPE '\'`, like(tx.value))
		}
		if err != nil {
			return nil, err
		}
		if err := t.config(ctx, ind, tx.value, match); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(t.hits, func(i, j int) bool {
		a, b := &t.hits[i], &t.hits[j]
		if a.Indicator != b.Indicator {
			return a.Indicator < b.Indicator
		}
		if !a.FirstSeen.Equal(b.FirstSeen) {
			return a.FirstSeen.Before(b.FirstSeen)
		}
		if a.Image.ConfigDigest != b.Image.ConfigDigest {
			return a.Image.ConfigDigest < b.Image.ConfigDigest
		}
		return a.Layer < b.Layer
	})
	if t.hits == nil {
		t.hits = []Hit{}
	}
	return t.hits, nil
}

// like escapes s for a LIKE '%s%' pattern (ESCAPE '\').
func like(s string) string { return "%" + likeEscape(s) + "%" }

// likeEscape escapes LIKE's wildcards in s (ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// boundary matches v where the characters around it are not in class: "10.0.0.1" does not
// match inside "110.0.0.12". A domain may be preceded by a dot (a subdomain).
func boundary(v, class string, fold bool) *regexp.Regexp {
	if v == "" {
		return nil
	}
	flags := ""
	if fold {
		flags = "(?i)"
	}
	return regexp.MustCompile(flags + `(^|[^` + class + `])` + regexp.QuoteMeta(v) + `($|[^` + class + `])`)
}

type tracer struct {
	s     *Store
	imgs  []*Image
	byID  map[int64]*Image
	scans map[int64][]int64 // image ID -> scan IDs
	hits  []Hit
}

func (t *tracer) loadScans(ctx context.Context) error {
	rows, err := t.s.db.QueryContext(ctx, "SELECT image_id, id FROM scans ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var img, id int64
		if err := rows.Scan(&img, &id); err != nil {
			return err
		}
		t.scans[img] = append(t.scans[img], id)
	}
	return rows.Err()
}

func (t *tracer) hit(h Hit, img *Image) {
	h.Image, h.FirstSeen, h.LastSeen = img, img.FirstSeen, img.LastSeen
	if h.Scans == nil {
		h.Scans = append([]int64{}, t.scans[img.ID]...)
	}
	t.hits = append(t.hits, h)
}

// files finds file index rows matching cond in every image that holds their layer.
func (t *tracer) files(ctx context.Context, ind, cond string, args ...any) error {
	rows, err := t.s.db.QueryContext(ctx, `SELECT il.image_id, il.position, lf.diff_id, lf.path, lf.sha256
		FROM layer_files lf JOIN image_layers il ON il.diff_id = lf.diff_id
		WHERE lf.whiteout = 0 AND `+cond+` ORDER BY il.image_id, il.position, lf.path`, args...)
	if err != nil {
		return fmt.Errorf("tracing %s: %w", ind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h Hit
		if err := rows.Scan(&id, &h.Layer, &h.DiffID, &h.Path, &h.SHA256); err != nil {
			return err
		}
		img := t.byID[id]
		if img == nil {
			continue
		}
		h.Indicator, h.Where, h.Detail = ind, "file", fmt.Sprintf("%s in layer %d", h.Path, h.Layer)
		h.IntroducedBy = introducer(img, t.imgs, h.Layer)
		t.hit(h, img)
	}
	return rows.Err()
}

// findings finds findings matching cond (and match, when set, over evidence and title), one
// hit per image, rule, layer and path, with the scans that raised it.
func (t *tracer) findings(ctx context.Context, ind, cond string, match func(string) bool, args ...any) error {
	cond = strings.ReplaceAll(cond, "LIKE ?", t.s.db.d.like()+` ? ESCAPE '\'`)
	rows, err := t.s.db.QueryContext(ctx, `SELECT s.image_id, f.scan_id, f.rule, f.severity, f.layer, f.diff_id, f.path,
		f.title, f.evidence FROM findings f JOIN scans s ON s.id = f.scan_id WHERE `+cond+` ORDER BY f.scan_id, f.id`, args...)
	if err != nil {
		return fmt.Errorf("tracing %s: %w", ind, err)
	}
	defer rows.Close()
	type key struct {
		img        int64
		rule, path string
		layer      int
	}
	at := map[key]int{}
	for rows.Next() {
		var id, scan int64
		var rule, diffID, path, title, evidence string
		var sev, layer int
		if err := rows.Scan(&id, &scan, &rule, &sev, &layer, &diffID, &path, &title, &evidence); err != nil {
			return err
		}
		if match != nil && !match(evidence) && !match(title) {
			continue
		}
		img := t.byID[id]
		if img == nil {
			continue
		}
		k := key{id, rule, path, layer}
		if i, ok := at[k]; ok {
			t.hits[i].Scans = append(t.hits[i].Scans, scan)
			continue
		}
		h := Hit{Indicator: ind, Where: "finding", Layer: layer, DiffID: diffID, Path: path, Scans: []int64{scan},
			Detail: rule + ": " + title}
		if evidence != "" {
			h.Detail += " (" + evidence + ")"
		}
		h.IntroducedBy = img
		if layer >= 0 {
			h.IntroducedBy = introducer(img, t.imgs, layer)
		}
		at[k] = len(t.hits)
		t.hit(h, img)
	}
	return rows.Err()
}

// indicators finds the indicators of flagged files matching cond, one hit per image, layer,
// path and indicator, with the scans that found it.
func (t *tracer) indicators(ctx context.Context, ind, cond string, args ...any) error {
	rows, err := t.s.db.QueryContext(ctx, `SELECT s.image_id, i.scan_id, i.kind, i.value, f.rule, f.title, f.layer, f.diff_id, f.path
		FROM indicators i JOIN findings f ON f.id = i.finding_id JOIN scans s ON s.id = i.scan_id
		WHERE `+cond+` ORDER BY i.scan_id, f.id`, args...)
	if err != nil {
		return fmt.Errorf("tracing %s: %w", ind, err)
	}
	defer rows.Close()
	type key struct {
		img               int64
		path, kind, value string
		layer             int
	}
	at := map[key]int{}
	for rows.Next() {
		var id, scan int64
		var kind, value, rule, title, diffID, path string
		var layer int
		if err := rows.Scan(&id, &scan, &kind, &value, &rule, &title, &layer, &diffID, &path); err != nil {
			return err
		}
		img := t.byID[id]
		if img == nil {
			continue
		}
		k := key{id, path, kind, value, layer}
		if i, ok := at[k]; ok {
			if !slices.Contains(t.hits[i].Scans, scan) {
				t.hits[i].Scans = append(t.hits[i].Scans, scan)
			}
			continue
		}
		where := "the config"
		if path != "" {
			where = path
		}
		h := Hit{Indicator: ind, Where: "indicator", Layer: layer, DiffID: diffID, Path: path, Scans: []int64{scan},
			Detail: fmt.Sprintf("%s %s in %s, flagged by %s: %s", kind, value, where, rule, title)}
		h.IntroducedBy = img
		if layer >= 0 {
			h.IntroducedBy = introducer(img, t.imgs, layer)
		}
		at[k] = len(t.hits)
		t.hit(h, img)
	}
	return rows.Err()
}

type storedConfig struct {
	Config struct {
		Env []string `json:"Env"`
	} `json:"config"`
	History []struct {
		CreatedBy string `json:"created_by"`
	} `json:"history"`
}

// config finds value in images' Env and history lines. A config match is introduced by the
// earliest ancestor whose config matches the same way.
func (t *tracer) config(ctx context.Context, ind, value string, match func(string) bool) error {
	rows, err := t.s.db.QueryContext(ctx, `SELECT id, config FROM images WHERE config `+t.s.db.d.like()+` ? ESCAPE '\'`, like(value))
	if err != nil {
		return fmt.Errorf("tracing %s: %w", ind, err)
	}
	type configHit struct {
		img    *Image
		where  string
		detail string
	}
	var found []configHit
	has := map[string]bool{} // image ID + where + detail
	for rows.Next() {
		var id int64
		var raw string
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return err
		}
		img := t.byID[id]
		var c storedConfig
		if img == nil || json.Unmarshal([]byte(raw), &c) != nil {
			continue
		}
		for _, e := range c.Config.Env {
			if match(e) {
				found = append(found, configHit{img, "env", e})
				has[fmt.Sprint(id, "env", e)] = true
			}
		}
		for _, h := range c.History {
			if match(h.CreatedBy) {
				found = append(found, configHit{img, "history", h.CreatedBy})
				has[fmt.Sprint(id, "history", h.CreatedBy)] = true
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range found {
		intro := f.img
		for _, o := range t.imgs {
			if isPrefix(o.Chain, f.img.Chain) && has[fmt.Sprint(o.ID, f.where, f.detail)] && len(o.Chain) < len(intro.Chain) {
				intro = o
			}
		}
		t.hit(Hit{Indicator: ind, Where: f.where, Layer: -1, Detail: f.detail, IntroducedBy: intro}, f.img)
	}
	return nil
}
