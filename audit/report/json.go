package report

import (
	"time"

	"github.com/strata-forensics/strata/audit"
)

// Doc is the JSON document of `strata scan`.
type Doc struct {
	Scans []ScanDoc `json:"scans"`
}

// ScanDoc is one image's scan.
type ScanDoc struct {
	Image    ImageDoc      `json:"image"`
	Base     *audit.Base   `json:"base"`
	Verdict  string        `json:"verdict"`
	Headline string        `json:"headline"`
	Summary  audit.Summary `json:"summary"`
	Files    int           `json:"files"`
	Scanned  int           `json:"scanned"`
	Findings []FindingDoc  `json:"findings"`
	// Accepted are the findings the accepted-findings policy set aside (audit/accept), each
	// with what set it aside and why; AcceptedSummary counts them by severity. Neither counts
	// in the verdict.
	Accepted        []AcceptedDoc `json:"accepted"`
	AcceptedSummary audit.Summary `json:"accepted_summary"`
}

// AcceptedDoc is a set-aside finding: the finding's shape plus by ("ignore-file", "vex",
// "ignore-unfixed", "severity"), reason, source (FILE:LINE, the VEX document) and expires
// (YYYY-MM-DD, "" when none).
type AcceptedDoc struct {
	FindingDoc
	By      string `json:"by"`
	Reason  string `json:"reason"`
	Source  string `json:"source"`
	Expires string `json:"expires"`
}

// ImageDoc identifies the scanned image.
type ImageDoc struct {
	Input        string   `json:"input"`
	Format       string   `json:"format"`
	Digest       string   `json:"digest"`
	ConfigDigest string   `json:"config_digest"`
	Tags         []string `json:"tags"`
}

// FindingDoc is one finding. Layer and History are null when the finding has none.
type FindingDoc struct {
	Rule        string         `json:"rule"`
	Category    audit.Category `json:"category"`
	Severity    audit.Severity `json:"severity"`
	Title       string         `json:"title"`
	Path        string         `json:"path"`
	Layer       *int           `json:"layer"`
	History     *int           `json:"history"`
	CreatedBy   string         `json:"created_by"`
	Evidence    string         `json:"evidence"`
	Remediation string         `json:"remediation"`
	// Vulnerability holds a vulnerability finding's fields; left out for other findings.
	Vulnerability *audit.Vulnerability `json:"vulnerability,omitempty"`
	// Labels are the other categories that fit besides Category; Techniques the MITRE
	// ATT&CK technique IDs; Indicators the network indicators found in the flagged file.
	Labels     []audit.Category  `json:"labels"`
	Techniques []string          `json:"techniques"`
	Indicators []audit.Indicator `json:"indicators"`
}

// NewDoc builds the JSON document of the results.
func NewDoc(results []*audit.Result) Doc {
	doc := Doc{Scans: []ScanDoc{}}
	for _, r := range results {
		img := r.Image
		sd := ScanDoc{
			Image: ImageDoc{Input: img.Input.Path, Format: img.Input.Format, Digest: img.Digest,
				ConfigDigest: img.ConfigDigest, Tags: append([]string{}, img.Tags...)},
			Base: r.Base, Verdict: r.Verdict(), Headline: r.Headline(), Summary: r.Summary(),
			Files: r.Files, Scanned: r.Scanned, Findings: []FindingDoc{}, Accepted: []AcceptedDoc{},
		}
		for _, f := range r.Findings {
			sd.Findings = append(sd.Findings, NewFindingDoc(f))
		}
		for _, a := range r.Accepted {
			ad := AcceptedDoc{FindingDoc: NewFindingDoc(a.Finding), By: a.By, Reason: a.Reason, Source: a.Source}
			if !a.Expires.IsZero() {
				ad.Expires = a.Expires.Format(time.DateOnly)
			}
			sd.Accepted = append(sd.Accepted, ad)
			sd.AcceptedSummary[a.Finding.Severity]++
		}
		doc.Scans = append(doc.Scans, sd)
	}
	return doc
}

// NewFindingDoc is the JSON shape of one finding.
func NewFindingDoc(f audit.Finding) FindingDoc {
	return FindingDoc{Rule: f.Rule, Category: f.Category, Severity: f.Severity,
		Title: f.Title, Path: f.Path, Layer: optional(f.Layer), History: optional(f.History), CreatedBy: f.CreatedBy,
		Evidence: f.Evidence, Remediation: f.Remediation, Vulnerability: f.Vulnerability,
		Labels: orEmpty(f.Labels), Techniques: orEmpty(f.Techniques), Indicators: orEmpty(f.Indicators)}
}

// orEmpty keeps lists as [] rather than null in JSON.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func optional(i int) *int {
	if i < 0 {
		return nil
	}
	return &i
}
