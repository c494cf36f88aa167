package vulns

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Advisory is one OSV record, reduced to what matching and reporting need.
type Advisory struct {
	ID        string     `json:"id"`
	Aliases   []string   `json:"aliases,omitempty"`
	Summary   string     `json:"summary,omitempty"`
	Modified  time.Time  `json:"modified"`
	Published time.Time  `json:"published,omitempty"`
	Severity  string     `json:"severity,omitempty"` // low, medium, high, critical; "" unknown
	Affected  []Affected `json:"affected"`
}

// Affected is one package an advisory names, with the versions it affects.
type Affected struct {
	Ecosystem string   `json:"ecosystem"`
	Name      string   `json:"name"`
	Ranges    []Range  `json:"ranges,omitempty"`
	Versions  []string `json:"versions,omitempty"`
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

// ParseOSV reads one OSV JSON record. Withdrawn advisories return (nil, nil).
func ParseOSV(data []byte) (*Advisory, error) {
	var r osvRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("parsing OSV JSON: %w", err)
	}
	if r.ID == "" {
		return nil, fmt.Errorf("parsing OSV JSON: no id")
	}
	if r.Withdrawn != "" {
		return nil, nil
	}
	a := &Advisory{ID: r.ID, Aliases: r.Aliases, Summary: r.Summary}
	for _, u := range r.Upstream {
		if strings.HasPrefix(u, "CVE-") && !contains(a.Aliases, u) {
			a.Aliases = append(a.Aliases, u)
		}
	}
	if a.Summary == "" {
		a.Summary = firstLine(r.Details)
	}
	a.Modified, _ = time.Parse(time.RFC3339, r.Modified)
	a.Published, _ = time.Parse(time.RFC3339, r.Published)
	// Severity: a CVSS vector when there is one, else a word the database gives.
	best := -1.0
	for _, s := range r.Severity {
		if strings.HasPrefix(s.Type, "CVSS_V3") || strings.HasPrefix(s.Type, "CVSS_V4") {
			if score, ok := cvss3Score(s.Score); ok && score > best {
				best = score
			}
		}
	}
	if best >= 0 {
		a.Severity = cvssRating(best)
	} else {
		a.Severity = wordSeverity(r.DatabaseSpecific)
	}
	for _, af := range r.Affected {
		if a.Severity == "" {
			if s := wordSeverity(af.EcosystemSpecific); s != "" {
				a.Severity = s
			} else {
				a.Severity = wordSeverity(af.DatabaseSpecific)
			}
		}
		if af.Package.Name == "" || af.Package.Ecosystem == "" {
			continue
		}
		a.Affected = append(a.Affected, Affected{Ecosystem: af.Package.Ecosystem, Name: af.Package.Name, Ranges: af.Ranges, Versions: af.Versions})
	}
	return a, nil
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
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

// wordSeverity reads {"severity": "HIGH"} (GitHub), {"urgency": "high"} (Debian) and the like.
func wordSeverity(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for _, k := range []string{"severity", "urgency", "cvss_severity"} {
		if s, ok := m[k].(string); ok {
			switch strings.ToLower(strings.TrimSpace(strings.TrimSuffix(s, "*"))) {
			case "critical":
				return "critical"
			case "high", "important":
				return "high"
			case "moderate", "medium":
				return "medium"
			case "low", "unimportant", "negligible":
				return "low"
			}
		}
	}
	return ""
}

func cvssRating(score float64) string {
	switch {
	case score >= 9:
		return "critical"
	case score >= 7:
		return "high"
	case score >= 4:
		return "medium"
	case score > 0:
		return "low"
	}
	return ""
}

// cvss3Score computes a CVSS v3.x base score from its vector
// ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" is 9.8).
func cvss3Score(vector string) (float64, bool) {
	if !strings.HasPrefix(vector, "CVSS:3") {
		return 0, false
	}
	m := map[string]string{}
	for _, part := range strings.Split(vector, "/")[1:] {
		k, v, _ := strings.Cut(part, ":")
		m[k] = v
	}
	w := func(k string, table map[string]float64) (float64, bool) { v, ok := table[m[k]]; return v, ok }
	av, ok1 := w("AV", map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2})
	ac, ok2 := w("AC", map[string]float64{"L": 0.77, "H": 0.44})
	ui, ok3 := w("UI", map[string]float64{"N": 0.85, "R": 0.62})
	cia := map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	c, ok4 := w("C", cia)
	i, ok5 := w("I", cia)
	a, ok6 := w("A", cia)
	changed := m["S"] == "C"
	prTable := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	if changed {
		prTable = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}
	}
	pr, ok7 := w("PR", prTable)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return 0, false
	}
	iss := 1 - (1-c)*(1-i)*(1-a)
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	if impact <= 0 {
		return 0, true
	}
	exploit := 8.22 * av * ac * pr * ui
	var base float64
	if changed {
		base = math.Min(1.08*(impact+exploit), 10)
	} else {
		base = math.Min(impact+exploit, 10)
	}
	return roundUp(base), true
}

// roundUp is CVSS v3.1's Roundup: the smallest one-decimal number >= x.
func roundUp(x float64) float64 {
	n := int64(math.Round(x * 100000))
	if n%10000 == 0 {
		return float64(n) / 100000
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(math.Floor(float64(n)/10000+1)/10, 'f', 1, 64), 64)
	return v
}
