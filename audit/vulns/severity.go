package vulns

import (
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/strata-forensics/strata/audit"
)

// cvssScore computes the base score of a CVSS vector (v2, v3.0, v3.1 or v4.0).
func cvssScore(vector string) (float64, bool) {
	switch {
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		if c, err := gocvss31.ParseVector(vector); err == nil {
			return c.BaseScore(), true
		}
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		if c, err := gocvss30.ParseVector(vector); err == nil {
			return c.BaseScore(), true
		}
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		if c, err := gocvss40.ParseVector(vector); err == nil {
			return c.Score(), true
		}
	case strings.HasPrefix(vector, "AV:"):
		if c, err := gocvss20.ParseVector(vector); err == nil {
			return c.BaseScore(), true
		}
	}
	return 0, false
}

// cvssLevel is the qualitative rating of a base score (CVSS v3 and v4 share the bands).
func cvssLevel(score float64) audit.Severity {
	switch {
	case score >= 9:
		return audit.Critical
	case score >= 7:
		return audit.High
	case score >= 4:
		return audit.Medium
	case score > 0:
		return audit.Low
	}
	return audit.Info
}

// Severity sources, in the order they are preferred.
const (
	SeverityCVSS    = "cvss"    // the highest-scoring CVSS vector of the advisories
	SeverityUrgency = "urgency" // the distribution's urgency (Debian's security tracker)
	SeverityRating  = "rating"  // a severity word of the advisory database
	SeverityNone    = "none"    // nothing said: medium
)

// urgencyLevel maps a Debian urgency onto a severity; ok is false for "not yet assigned",
// "end-of-life" and other words that rank nothing.
func urgencyLevel(u string) (audit.Severity, bool) {
	switch u {
	case "high":
		return audit.High, true
	case "medium":
		return audit.Medium, true
	case "low", "unimportant":
		return audit.Low, true
	}
	return audit.Info, false
}

// severityOf decides a finding's severity from the advisories that matched it and the
// distribution's statements on the package: the best-scored CVSS vector where one exists,
// else the distribution's urgency, else the database's word, else medium. Debian's
// "unimportant" (the security team's judgement that the issue needs no fix in Debian) caps it
// at low whatever an upstream CVSS score says.
func severityOf(advs []*Advisory, specs []Specific) (audit.Severity, audit.VulnerabilitySeverity) {
	var best *CVSS
	for _, a := range advs {
		for i := range a.CVSS {
			c := &a.CVSS[i]
			if c.Score <= 0 {
				continue
			}
			// v3 is what most databases and tools rank by; a v4 or v2 vector only counts when no
			// v3 vector is given.
			if best == nil || cvssRank(c.Type) > cvssRank(best.Type) || (cvssRank(c.Type) == cvssRank(best.Type) && c.Score > best.Score) {
				best = c
			}
		}
	}
	urgency, unimportant := "", false
	urgencyLvl := audit.Severity(-1)
	rating := ""
	for _, sp := range specs {
		if sp.Urgency == "unimportant" {
			unimportant = true
		}
		if l, ok := urgencyLevel(sp.Urgency); ok && l > urgencyLvl {
			urgencyLvl, urgency = l, sp.Urgency
		} else if urgency == "" && sp.Urgency != "" {
			urgency = sp.Urgency
		}
		if higherRating(sp.Rating, rating) {
			rating = sp.Rating
		}
	}
	for _, a := range advs {
		if higherRating(a.Rating, rating) {
			rating = a.Rating
		}
	}
	vs := audit.VulnerabilitySeverity{Urgency: urgency}
	var sev audit.Severity
	switch {
	case best != nil:
		sev = cvssLevel(best.Score)
		vs.Source, vs.CVSSVector, vs.CVSSScore = SeverityCVSS, best.Vector, best.Score
	case urgencyLvl >= 0:
		sev, vs.Source = urgencyLvl, SeverityUrgency
	case rating != "":
		sev, _ = audit.ParseSeverity(rating)
		vs.Source = SeverityRating
	default:
		sev, vs.Source = audit.Medium, SeverityNone
	}
	if unimportant && sev > audit.Low {
		sev, vs.Source = audit.Low, SeverityUrgency
	}
	return sev, vs
}

func cvssRank(t string) int {
	switch t {
	case "CVSS_V3":
		return 3
	case "CVSS_V4":
		return 2
	}
	return 1
}

func higherRating(a, b string) bool {
	la, err := audit.ParseSeverity(a)
	if err != nil {
		return false
	}
	lb, err := audit.ParseSeverity(b)
	return err != nil || la > lb
}
