package vulns

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Advisory is one OSV record, reduced to what matching and reporting need.
type Advisory struct {
	ID string `json:"id"`
	// Aliases are the other ids of the vulnerability: OSV's aliases and upstream (a DSA's
	// upstream names its CVEs and their DEBIAN-CVE records).
	Aliases   []string  `json:"aliases,omitempty"`
	Summary   string    `json:"summary,omitempty"`
	Modified  time.Time `json:"modified"`
	Published time.Time `json:"published,omitempty"`
	// Withdrawn is when the record was withdrawn, zero when it stands.
	Withdrawn time.Time `json:"withdrawn,omitempty"`
	// CVSS are the record's severity vectors, scored.
	CVSS []CVSS `json:"cvss,omitempty"`
	// Rating is a severity word the database gives for the whole record (GitHub's
	// database_specific.severity), normalized to low, medium, high or critical; "" when none.
	Rating   string     `json:"rating,omitempty"`
	Affected []Affected `json:"affected"`
}

// CVSS is one severity vector of an advisory.
type CVSS struct {
	Type   string `json:"type"` // CVSS_V2, CVSS_V3, CVSS_V4
	Vector string `json:"vector"`
	// Score is the base score computed from the vector, 0 when it could not be computed.
	Score float64 `json:"score"`
}

// Affected is one package an advisory names, with the versions it affects.
type Affected struct {
	Ecosystem string   `json:"ecosystem"`
	Name      string   `json:"name"`
	Ranges    []Range  `json:"ranges,omitempty"`
	Versions  []string `json:"versions,omitempty"`
	Specific  Specific `json:"specific,omitempty"`
}

// Specific is what a distribution says of the package in its release, from the record's
// ecosystem_specific and database_specific: the Debian security tracker's urgency
// ("unimportant", "low", "medium", "high", "not yet assigned", "end-of-life") and its no-dsa
// note and reason ("postponed", "ignored"), or another database's severity word.
type Specific struct {
	Urgency     string `json:"urgency,omitempty"`
	NoDSA       string `json:"nodsa,omitempty"`
	NoDSAReason string `json:"nodsa_reason,omitempty"`
	// Rating is a severity word given for this package (GitHub's, Ubuntu's priority),
	// normalized like Advisory.Rating.
	Rating string `json:"rating,omitempty"`
}

// Range is an OSV range: events in version order.
type Range struct {
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one OSV range event; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

type osvRecord struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases"`
	Upstream  []string `json:"upstream"`
	Summary   string   `json:"summary"`
	Details   string   `json:"details"`
	Modified  string   `json:"modified"`
	Published string   `json:"published"`
	Withdrawn string   `json:"withdrawn"`
	Severity  []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
		Ranges            []Range         `json:"ranges"`
		Versions          []string        `json:"versions"`
		EcosystemSpecific json.RawMessage `json:"ecosystem_specific"`
		DatabaseSpecific  json.RawMessage `json:"database_specific"`
	} `json:"affected"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

// ParseOSV reads one OSV JSON record. A withdrawn record is returned with Withdrawn set: the
// import needs it to retire the record it replaces.
func ParseOSV(data []byte) (*Advisory, error) {
	var r osvRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("parsing OSV JSON: %w", err)
	}
	if r.ID == "" {
		return nil, fmt.Errorf("parsing OSV JSON: no id")
	}
	a := &Advisory{ID: r.ID, Summary: r.Summary}
	var err error
	if a.Modified, err = parseTime(r.Modified); err != nil || a.Modified.IsZero() {
		return nil, fmt.Errorf("parsing OSV record %s: modified %q is not an RFC 3339 time", r.ID, r.Modified)
	}
	a.Published, _ = parseTime(r.Published)
	if r.Withdrawn != "" {
		if a.Withdrawn, err = parseTime(r.Withdrawn); err != nil {
			return nil, fmt.Errorf("parsing OSV record %s: withdrawn %q is not an RFC 3339 time", r.ID, r.Withdrawn)
		}
	}
	for _, id := range append(append([]string(nil), r.Aliases...), r.Upstream...) {
		if id != "" && id != a.ID && !contains(a.Aliases, id) {
			a.Aliases = append(a.Aliases, id)
		}
	}
	if a.Summary == "" {
		a.Summary = firstLine(r.Details)
	}
	for _, s := range r.Severity {
		if !strings.HasPrefix(s.Type, "CVSS_") || s.Score == "" {
			continue
		}
		score, _ := cvssScore(s.Score)
		a.CVSS = append(a.CVSS, CVSS{Type: s.Type, Vector: s.Score, Score: score})
	}
	a.Rating = specificOf(r.DatabaseSpecific).Rating
	for _, af := range r.Affected {
		if af.Package.Name == "" || af.Package.Ecosystem == "" {
			continue
		}
		sp := specificOf(af.EcosystemSpecific)
		db := specificOf(af.DatabaseSpecific)
		sp.Urgency = firstNonEmpty(sp.Urgency, db.Urgency)
		sp.NoDSA = firstNonEmpty(sp.NoDSA, db.NoDSA)
		sp.NoDSAReason = firstNonEmpty(sp.NoDSAReason, db.NoDSAReason)
		sp.Rating = firstNonEmpty(sp.Rating, db.Rating)
		a.Affected = append(a.Affected, Affected{Ecosystem: af.Package.Ecosystem, Name: af.Package.Name,
			Ranges: af.Ranges, Versions: af.Versions, Specific: sp})
	}
	return a, nil
}

// parseTime reads an OSV timestamp; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err
}

// IDs returns the advisory's id and aliases.
func (a *Advisory) IDs() []string { return append([]string{a.ID}, a.Aliases...) }

// VulnerabilityIDs returns the ids of the vulnerabilities the advisory is about, the key its
// findings merge on: its CVE ids (a DSA fixing three CVEs is about three vulnerabilities),
// else its GitHub advisory id, else its own id.
func (a *Advisory) VulnerabilityIDs() []string {
	var cves, ghsa []string
	for _, id := range a.IDs() {
		switch {
		case strings.HasPrefix(id, "CVE-"):
			cves = append(cves, id)
		case strings.HasPrefix(id, "GHSA-"):
			ghsa = append(ghsa, id)
		}
	}
	switch {
	case len(cves) > 0:
		sort.Strings(cves)
		return cves
	case len(ghsa) > 0:
		sort.Strings(ghsa)
		return ghsa[:1]
	}
	return []string{a.ID}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > 160 {
		s = string(r[:159]) + "…"
	}
	return s
}

// specificOf reads an ecosystem_specific or database_specific object: Debian's
// {"urgency": "low"} (with "nodsa" and "nodsa_reason" where an export carries the tracker's
// no-dsa state), GitHub's {"severity": "HIGH"}, Ubuntu's {"priority": "medium"}.
func specificOf(raw json.RawMessage) Specific {
	var sp Specific
	if len(raw) == 0 {
		return sp
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return sp
	}
	str := func(k string) string {
		s, _ := m[k].(string)
		return strings.TrimSpace(s)
	}
	sp.Urgency = strings.ToLower(strings.TrimRight(str("urgency"), "*"))
	sp.NoDSA = str("nodsa")
	sp.NoDSAReason = strings.ToLower(str("nodsa_reason"))
	for _, k := range []string{"severity", "cvss_severity", "priority"} {
		if w := ratingWord(str(k)); w != "" {
			sp.Rating = w
			break
		}
	}
	return sp
}

// ratingWord normalizes a database's severity word; "" for words that rank nothing.
func ratingWord(s string) string {
	switch strings.ToLower(strings.TrimRight(strings.TrimSpace(s), "*")) {
	case "critical":
		return "critical"
	case "high", "important":
		return "high"
	case "moderate", "medium":
		return "medium"
	case "low", "negligible":
		return "low"
	}
	return ""
}
