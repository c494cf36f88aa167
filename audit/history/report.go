package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics"
)

// Report is a tracing report: everything the store knows about one scan, one image, or one
// comparison, assembled for a responder. audit/report renders it as Markdown, HTML and JSON,
// in this order: the summary first (what was implanted, where, when, how Strata knows, where
// else it was seen), then the evidence sections.
type Report struct {
	Kind      string    `json:"kind"` // "scan", "image" or "diff"
	Title     string    `json:"title"`
	Generated time.Time `json:"generated"`
	// Summary is the half page a reader who reads nothing else reads.
	Summary *Summary `json:"summary"`
	Custody Custody  `json:"chain_of_custody"`
	// Image is the subject: the scanned image, or the suspect of a diff.
	Image    *Image       `json:"image"`
	Config   ReportConfig `json:"config"`
	Original *Image       `json:"original,omitempty"`
	Family   *Family      `json:"family"`
	// Tags are the tag sightings of the report's images (the subject and the original); the
	// sightings of other images under the same tags are left out (TagsOmitted counts them:
	// strata tags TAG shows them all).
	Tags        []TagSighting `json:"tag_history"`
	TagsOmitted int           `json:"tag_history_omitted"`
	Layers      []ReportLayer `json:"layers"`
	// Dockerfile is the subject's Dockerfile reconstructed from its stored history and checked
	// against its stored layer indexes and config: Unverified says what a line's layer or the
	// config contradicts.
	Dockerfile *forensics.Dockerfile `json:"dockerfile"`
	Scan       *ScanRecord           `json:"scan,omitempty"`
	Findings   []ReportFinding       `json:"findings"`
	// Implant lists each suspicious change: from the diff's ranked changes, or from the scan's
	// high and critical findings on files.
	Implant []ImplantItem `json:"implant"`
	Diff    *DiffRecord   `json:"diff,omitempty"`
	// Indicators are what to look for elsewhere, most specific first: hashes, addresses,
	// domains and URLs, rules, paths no standard image holds. Generic are those left out of
	// the sightings because every image holds them (a standard system file's path, a file the
	// original holds too), with why.
	Indicators []Indicator `json:"indicators"`
	Generic    []Indicator `json:"generic_indicators"`
	// Sightings are the specific indicators' hits in other stored images, most specific first.
	Sightings []Hit `json:"sightings"`
	// Timeline holds the report's images' own events; reads and tag sightings are folded per
	// evidence file and tag (TimelineFolded counts the events folded).
	Timeline       []Event         `json:"timeline"`
	TimelineFolded int             `json:"timeline_folded"`
	Anomalies      []StoredAnomaly `json:"anomalies"`
	// FullLog names the commands that show what the report leaves out.
	FullLog []LogPointer `json:"full_log"`

	rawConfig string // the subject's stored config, for the Dockerfile
	images    int    // how many images the store holds
}

// Custody is the chain of custody: every reading of the evidence, and who made the report.
type Custody struct {
	// Evidence is one row per evidence file: every reading of it folded.
	Evidence []EvidenceFile `json:"evidence_files"`
	// Inputs are every reading of the report's images, oldest first.
	Inputs        []Input  `json:"inputs"`
	ToolVersions  []string `json:"strata_versions"`
	RuleHash      string   `json:"rule_set_hash,omitempty"`
	ReportVersion string   `json:"report_strata_version"`
	ReportBy      string   `json:"report_by"`
	ReportHost    string   `json:"report_host"`
	Database      string   `json:"database"`
}

// ReportConfig is the runtime config as far as tracing needs it.
type ReportConfig struct {
	User       string   `json:"user"`
	Env        []string `json:"env"`
	Entrypoint []string `json:"entrypoint"`
	Cmd        []string `json:"cmd"`
}

// ReportLayer is one row of the layer table.
type ReportLayer struct {
	Position  int       `json:"position"`
	DiffID    string    `json:"diff_id"`
	Digest    string    `json:"digest"`
	Size      int64     `json:"size"`
	Entries   int       `json:"entries"`
	History   int       `json:"history"`
	CreatedBy string    `json:"created_by"`
	Created   time.Time `json:"created,omitzero"`
	// Verified is set when the layer was read whole and matched its digests (its index is
	// stored); Notes say what is unverified about it or its history line.
	Verified     bool     `json:"verified"`
	Notes        []string `json:"notes"`
	IntroducedBy *Image   `json:"introduced_by"`
}

// ReportFinding is a finding with JSON names.
type ReportFinding struct {
	Rule        string         `json:"rule"`
	Category    audit.Category `json:"category"`
	Severity    audit.Severity `json:"severity"`
	Title       string         `json:"title"`
	Layer       int            `json:"layer"`
	Path        string         `json:"path"`
	History     int            `json:"history"`
	CreatedBy   string         `json:"created_by"`
	Evidence    string         `json:"evidence"`
	Remediation string         `json:"remediation"`
	// Labels are the other categories that fit, Techniques the ATT&CK technique IDs and
	// Indicators the network indicators found in the flagged file (see audit.Finding).
	Labels     []audit.Category  `json:"labels"`
	Techniques []string          `json:"techniques"`
	Indicators []audit.Indicator `json:"indicators"`
}

// ImplantItem is one suspicious file with its provenance and, when a diff holds it, its
// content diff.
type ImplantItem struct {
	Path        string    `json:"path"`
	Change      string    `json:"change"`
	Layer       int       `json:"layer"`
	DiffID      string    `json:"diff_id"`
	History     int       `json:"history"`
	CreatedBy   string    `json:"created_by"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	Mode        string    `json:"mode"`
	MTime       time.Time `json:"mtime,omitzero"`
	Score       int       `json:"score"`
	Why         string    `json:"why"`
	Rules       []string  `json:"rules"`
	ContentDiff string    `json:"content_diff,omitempty"`
	// What the findings on the file say it does, in words; the most severe finding's
	// severity; every category and ATT&CK technique of those findings.
	What       string           `json:"what"`
	Severity   audit.Severity   `json:"severity"`
	Categories []audit.Category `json:"categories"`
	Techniques []string         `json:"techniques"`
}

// DiffRecord is a recorded comparison.
type DiffRecord struct {
	ID         int64                     `json:"id"`
	Recorded   time.Time                 `json:"recorded"`
	Summary    forensics.DiffSummary     `json:"summary"`
	Config     []forensics.ConfigChange  `json:"config"`
	History    []forensics.HistoryChange `json:"history"`
	Anomalies  []forensics.DiffAnomaly   `json:"anomalies"`
	Changes    []DiffChange              `json:"changes"`
	NoiseCount int                       `json:"noise"`
}

// DiffChange is one ranked file change of a diff.
type DiffChange struct {
	Rank           int    `json:"rank"`
	Path           string `json:"path"`
	Change         string `json:"change"`
	Layer          int    `json:"layer"`
	History        int    `json:"history"`
	CreatedBy      string `json:"created_by"`
	Attributes     string `json:"attributes"`
	Score          int    `json:"score"`
	Why            string `json:"why"`
	Noise          bool   `json:"noise"`
	OriginalSHA256 string `json:"original_sha256"`
	SuspectSHA256  string `json:"suspect_sha256"`
	ContentDiff    string `json:"content_diff,omitempty"`
}

// Indicator is something to feed other tools.
type Indicator struct {
	Kind    string `json:"kind"` // sha256, ip, domain, rule, path, and the audit.Indicator kinds (url, port, pool, wallet, onion)
	Value   string `json:"value"`
	Context string `json:"context"`
	// Images is how many stored images hold the indicator, the report's own included
	// (0: not traceable, as a port); Elsewhere how many of them are not the report's.
	Images    int `json:"image_count"`
	Elsewhere int `json:"elsewhere"`
	// Why says why a generic indicator is not a sighting.
	Why string `json:"why,omitempty"`
}

// Event is one line of the timeline.
type Event struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // built, layer, file, read, scan, diff, tag
	What string    `json:"what"`
}

// StoredAnomaly is an anomaly found reading an input.
type StoredAnomaly struct {
	Kind   string `json:"kind"`
	Layer  int    `json:"layer"`
	Path   string `json:"path,omitempty"`
	Detail string `json:"detail"`
}

// ReportOptions control report building.
type ReportOptions struct {
	// Trusted marks family members that are in the trust store.
	Trusted []trust.Image
	// MaxChanges bounds the diff's ranked changes listed (noise excluded); 0 means 50.
	MaxChanges int
}

// ScanReport builds the report of one scan.
func (s *Store) ScanReport(ctx context.Context, scanID int64, opts ReportOptions) (*Report, error) {
	sc, err := s.ScanByID(ctx, scanID)
	if err != nil {
		return nil, err
	}
	r, err := s.newReport(ctx, "scan", sc.Image, opts)
	if err != nil {
		return nil, err
	}
	r.Title = fmt.Sprintf("Scan %d of %s", sc.ID, imageName(sc.Image))
	if err := s.addScan(ctx, r, sc); err != nil {
		return nil, err
	}
	return s.finish(ctx, r, opts)
}

// ImageReport builds the report of an image from its latest scan (when it has one) and the
// latest diff it was the suspect of.
func (s *Store) ImageReport(ctx context.Context, ref string, opts ReportOptions) (*Report, error) {
	img, err := s.FindImage(ctx, ref)
	if err != nil {
		return nil, err
	}
	r, err := s.newReport(ctx, "image", img, opts)
	if err != nil {
		return nil, err
	}
	r.Title = "Image " + imageName(r.Image)
	scans, err := s.Scans(ctx, ScanFilter{Image: img.ConfigDigest, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(scans) > 0 {
		if err := s.addScan(ctx, r, &scans[0]); err != nil {
			return nil, err
		}
	}
	var diffID int64
	err = s.db.QueryRowContext(ctx, "SELECT id FROM diffs WHERE suspect_image_id = ? ORDER BY id DESC LIMIT 1", img.ID).Scan(&diffID)
	if err == nil {
		if err := s.addDiff(ctx, r, diffID, opts); err != nil {
			return nil, err
		}
	} else if err != sql.ErrNoRows {
		return nil, err
	}
	return s.finish(ctx, r, opts)
}

// DiffReport builds the report of the latest recorded comparison of original with suspect,
// with the suspect's latest scan.
func (s *Store) DiffReport(ctx context.Context, originalRef, suspectRef string, opts ReportOptions) (*Report, error) {
	o, err := s.FindImage(ctx, originalRef)
	if err != nil {
		return nil, err
	}
	su, err := s.FindImage(ctx, suspectRef)
	if err != nil {
		return nil, err
	}
	var diffID int64
	err = s.db.QueryRowContext(ctx, `SELECT id FROM diffs WHERE original_image_id = ? AND suspect_image_id = ?
		ORDER BY id DESC LIMIT 1`, o.ID, su.ID).Scan(&diffID)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("no recorded diff of %s with %s (run strata diff ORIGINAL SUSPECT first): %w", originalRef, suspectRef, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	r, err := s.newReport(ctx, "diff", su, opts)
	if err != nil {
		return nil, err
	}
	for _, img := range r.Family.Ancestors {
		if img.ID == o.ID {
			o = img
		}
	}
	r.Original = o
	r.Title = fmt.Sprintf("%s compared with %s", imageName(su), imageName(o))
	scans, err := s.Scans(ctx, ScanFilter{Image: su.ConfigDigest, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(scans) > 0 {
		if err := s.addScan(ctx, r, &scans[0]); err != nil {
			return nil, err
		}
	}
	if err := s.addDiff(ctx, r, diffID, opts); err != nil {
		return nil, err
	}
	origInputs, err := s.Inputs(ctx, o)
	if err != nil {
		return nil, err
	}
	r.Custody.Inputs = append(origInputs, r.Custody.Inputs...)
	return s.finish(ctx, r, opts)
}

func imageName(img *Image) string {
	if img == nil {
		return "(unknown image)"
	}
	name := shortID(img.ConfigDigest)
	if len(img.Tags) > 0 {
		name = img.Tags[len(img.Tags)-1] + " (" + name + ")"
	}
	return name
}

func shortID(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

// newReport fills what every report has: identity, custody, family, tags, layers, anomalies.
func (s *Store) newReport(ctx context.Context, kind string, subject *Image, opts ReportOptions) (*Report, error) {
	imgs, err := s.Images(ctx)
	if err != nil {
		return nil, err
	}
	MarkTrusted(imgs, opts.Trusted)
	var img *Image
	for _, i := range imgs {
		if i.ID == subject.ID {
			img = i
		}
	}
	if img == nil {
		return nil, fmt.Errorf("image %s: %w", subject.ConfigDigest, ErrNotFound)
	}
	r := &Report{Kind: kind, Generated: s.now().UTC(), Image: img, Family: FamilyOf(img, imgs),
		Findings: []ReportFinding{}, Implant: []ImplantItem{}, Indicators: []Indicator{}, Sightings: []Hit{},
		Timeline: []Event{}, Anomalies: []StoredAnomaly{}}
	r.Custody = Custody{ReportVersion: s.ToolVersion, ReportBy: s.Who, ReportHost: s.Host, Database: s.path}
	if r.Custody.Inputs, err = s.Inputs(ctx, img); err != nil {
		return nil, err
	}
	if r.Tags, err = s.TagHistory(ctx, img.ConfigDigest); err != nil {
		return nil, err
	}
	var raw string
	if err := s.db.QueryRowContext(ctx, "SELECT config FROM images WHERE id = ?", img.ID).Scan(&raw); err != nil {
		return nil, err
	}
	var cfg struct {
		Config struct {
			User       string   `json:"User"`
			Env        []string `json:"Env"`
			Entrypoint []string `json:"Entrypoint"`
			Cmd        []string `json:"Cmd"`
		} `json:"config"`
	}
	_ = json.Unmarshal([]byte(raw), &cfg) // a config that does not parse leaves the fields empty
	r.Config = ReportConfig{User: cfg.Config.User, Env: nonNilSlice(cfg.Config.Env), Entrypoint: nonNilSlice(cfg.Config.Entrypoint),
		Cmd: nonNilSlice(cfg.Config.Cmd)}
	r.rawConfig, r.images = raw, len(imgs)
	if err := s.addLayers(ctx, r, imgs); err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Store) addLayers(ctx context.Context, r *Report, imgs []*Image) error {
	rows, err := s.db.QueryContext(ctx, `SELECT il.position, il.diff_id, il.digest, il.history, coalesce(l.size, -1),
		coalesce(l.entries, -1), coalesce(h.created_by, ''), coalesce(h.created, '')
		FROM image_layers il LEFT JOIN layers l ON l.diff_id = il.diff_id
		LEFT JOIN image_history h ON h.image_id = il.image_id AND h.position = il.history
		WHERE il.image_id = ? ORDER BY il.position`, r.Image.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l ReportLayer
		var created string
		if err := rows.Scan(&l.Position, &l.DiffID, &l.Digest, &l.History, &l.Size, &l.Entries, &l.CreatedBy, &created); err != nil {
			return err
		}
		l.Created, l.Verified, l.Notes = parseTime(created), l.Entries >= 0, []string{}
		if !l.Verified {
			l.Notes = append(l.Notes, "content not verified: never read whole with matching digests")
		}
		if l.History < 0 {
			l.Notes = append(l.Notes, "no history line made this layer")
		}
		l.IntroducedBy = introducer(r.Image, imgs, l.Position)
		r.Layers = append(r.Layers, l)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	ar, err := s.db.QueryContext(ctx, `SELECT DISTINCT a.kind, a.layer, a.path, a.detail FROM input_anomalies a JOIN inputs n ON n.id = a.input_id
		WHERE n.image_id = ? ORDER BY a.layer, a.kind, a.path`, r.Image.ID)
	if err != nil {
		return err
	}
	defer ar.Close()
	for ar.Next() {
		var a StoredAnomaly
		if err := ar.Scan(&a.Kind, &a.Layer, &a.Path, &a.Detail); err != nil {
			return err
		}
		r.Anomalies = append(r.Anomalies, a)
		if a.Layer >= 0 && a.Layer < len(r.Layers) {
			r.Layers[a.Layer].Notes = append(r.Layers[a.Layer].Notes, a.Kind+": "+a.Detail)
		}
	}
	return ar.Err()
}

func (s *Store) addScan(ctx context.Context, r *Report, sc *ScanRecord) error {
	r.Scan = sc
	r.Custody.RuleHash = sc.RuleHash
	fs, err := s.Findings(ctx, sc.ID)
	if err != nil {
		return err
	}
	byPath := map[string]int{}
	for _, f := range fs {
		r.Findings = append(r.Findings, ReportFinding{Rule: f.Rule, Category: f.Category, Severity: f.Severity, Title: f.Title,
			Layer: f.Layer, Path: f.Path, History: f.History, CreatedBy: f.CreatedBy, Evidence: f.Evidence, Remediation: f.Remediation,
			Labels: nonNilSlice(f.Labels), Techniques: nonNilSlice(f.Techniques), Indicators: nonNilSlice(f.Indicators)})
		if f.Severity < audit.High || f.Path == "" || f.Layer < 0 || f.Layer >= len(r.Layers) {
			continue
		}
		key := fmt.Sprint(f.Layer, f.Path)
		if i, ok := byPath[key]; ok {
			if !contains(r.Implant[i].Rules, f.Rule) {
				r.Implant[i].Rules = append(r.Implant[i].Rules, f.Rule)
			}
			continue
		}
		it := ImplantItem{Path: f.Path, Change: "found", Layer: f.Layer, DiffID: r.Layers[f.Layer].DiffID, History: f.History,
			CreatedBy: f.CreatedBy, Score: int(f.Severity) * 25, Why: f.Title, Rules: []string{f.Rule}}
		s.fileFacts(ctx, &it)
		byPath[key] = len(r.Implant)
		r.Implant = append(r.Implant, it)
	}
	return nil
}

// fileFacts fills an implant item's hash, size, mode and mtime from the layer's file index.
func (s *Store) fileFacts(ctx context.Context, it *ImplantItem) {
	var mode uint32
	var mtime string
	err := s.db.QueryRowContext(ctx, `SELECT sha256, size, mode, mtime FROM layer_files WHERE diff_id = ? AND path = ?
		ORDER BY seq DESC LIMIT 1`, it.DiffID, it.Path).Scan(&it.SHA256, &it.Size, &mode, &mtime)
	if err == nil {
		it.Mode, it.MTime = fmt.Sprintf("%05o", mode), parseTime(mtime)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Store) addDiff(ctx context.Context, r *Report, id int64, opts ReportOptions) error {
	d := &DiffRecord{ID: id, Changes: []DiffChange{}}
	var recorded, summary, config, hist, anoms string
	if err := s.db.QueryRowContext(ctx, "SELECT recorded_at, summary, config, history, anomalies FROM diffs WHERE id = ?", id).
		Scan(&recorded, &summary, &config, &hist, &anoms); err != nil {
		return err
	}
	d.Recorded = parseTime(recorded)
	for _, p := range []struct {
		raw string
		v   any
	}{{summary, &d.Summary}, {config, &d.Config}, {hist, &d.History}, {anoms, &d.Anomalies}} {
		if err := json.Unmarshal([]byte(p.raw), p.v); err != nil {
			return fmt.Errorf("reading diff %d: %w", id, err)
		}
	}
	limit := opts.MaxChanges
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT rank, path, change, layer, history, created_by, attributes, score, why, noise,
		original_sha256, suspect_sha256, content_diff FROM diff_changes WHERE diff_id = ? ORDER BY rank`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c DiffChange
		if err := rows.Scan(&c.Rank, &c.Path, &c.Change, &c.Layer, &c.History, &c.CreatedBy, &c.Attributes, &c.Score, &c.Why,
			&c.Noise, &c.OriginalSHA256, &c.SuspectSHA256, &c.ContentDiff); err != nil {
			return err
		}
		if c.Noise {
			d.NoiseCount++
			continue
		}
		if len(d.Changes) < limit {
			d.Changes = append(d.Changes, c)
		}
		if c.Score < forensics.SuspiciousScore {
			continue
		}
		// A suspicious change: the implant. A scan finding on the same file adds its rules.
		found := false
		for i := range r.Implant {
			it := &r.Implant[i]
			if it.Path == c.Path && it.Layer == c.Layer {
				it.Change, it.Score, it.Why, it.ContentDiff, found = c.Change, c.Score, c.Why, c.ContentDiff, true
			}
		}
		if !found {
			it := ImplantItem{Path: c.Path, Change: c.Change, Layer: c.Layer, History: c.History, CreatedBy: c.CreatedBy,
				Score: c.Score, Why: c.Why, SHA256: c.SuspectSHA256, Rules: []string{}, ContentDiff: c.ContentDiff}
			if c.Layer >= 0 && c.Layer < len(r.Layers) {
				it.DiffID = r.Layers[c.Layer].DiffID
				s.fileFacts(ctx, &it)
			}
			r.Implant = append(r.Implant, it)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range d.Anomalies {
		if a.Layer >= 0 && a.Layer < len(r.Layers) && a.Kind == forensics.AnomalyContentNotHistory {
			r.Layers[a.Layer].Notes = append(r.Layers[a.Layer].Notes, "history line unverified: "+a.Detail)
		}
	}
	r.Diff = d
	return nil
}
