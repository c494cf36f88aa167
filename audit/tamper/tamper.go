// Package tamper turns the anomalies forensics records while opening and reading an image
// (digest and diff_id mismatches, a config that does not hash to the image ID, a history that
// does not match the layers, hostile tar paths, escaping links) into tamper findings.
package tamper

import (
	"context"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// Analyzer reports anomalies.
type Analyzer struct{}

// New returns the tamper analyzer.
func New() *Analyzer { return &Analyzer{} }

// Name implements audit.Analyzer.
func (*Analyzer) Name() string { return "tamper" }

type kind struct {
	rule, title, remediation string
	sev                      audit.Severity
}

const rebuild = "Do not trust the image: get it again from its registry by digest, or rebuild it, and compare."

// kinds maps forensics anomaly kinds to rules.
var kinds = map[string]kind{
	forensics.AnomalyDigestMismatch:  {"STRATA-TP-001", "layer blob does not match its manifest digest", rebuild, audit.High},
	forensics.AnomalyDiffIDMismatch:  {"STRATA-TP-002", "layer content does not match the config's diff_id: the layer was swapped", rebuild, audit.High},
	forensics.AnomalyConfigMismatch:  {"STRATA-TP-003", "the config does not hash to the image ID the archive names", rebuild, audit.High},
	forensics.AnomalyHistoryMismatch: {"STRATA-TP-004", "the history does not match the layers", "Layers were added or removed without their build steps: find out by whom.", audit.Medium},
	forensics.AnomalyUnsafePath:      {"STRATA-TP-005", "tar entry path climbs above the root", "A path with .. writes outside the root on naive extraction: never extract this layer by hand.", audit.High},
	forensics.AnomalyEscapingLink:    {"STRATA-TP-006", "link points above the root", "Links out of the root can make extraction write outside it: inspect before extracting.", audit.Medium},
	forensics.AnomalyDuplicateEntry:  {"STRATA-TP-007", "path appears more than once in a layer", "Tools disagree about which copy wins: look at both.", audit.Low},
	forensics.AnomalyBadEntry:        {"STRATA-TP-008", "malformed tar entry", "Look at the entry by hand.", audit.Low},
	forensics.AnomalyTruncated:       {"STRATA-TP-009", "layer is truncated or corrupt", rebuild, audit.Medium},
	forensics.AnomalyAbsolutePath:    {"STRATA-TP-011", "tar entry name is absolute", "A naive extraction writes it outside the target directory: never extract this layer by hand.", audit.Medium},
	forensics.AnomalyWriteThroughLink: {"STRATA-TP-012", "tar entry is written through a symlink",
		"Extraction follows the link and writes (or removes) outside the path the tar names: look at where the link points.", audit.High},
	forensics.AnomalyBrokenHardlink: {"STRATA-TP-013", "hard link whose target does not exist when it is extracted", "Look at the link and what it should point to.", audit.Low},
	forensics.AnomalyLimit:          {"STRATA-TP-014", "layer read no further: it exceeds a limit", "The layer holds more than any real image does: look at it by hand.", audit.Medium},
	forensics.AnomalyDuplicateMember: {"STRATA-TP-015", "archive member appears more than once",
		"Tools disagree about which copy is the image (docker load keeps the last): compare the copies.", audit.High},
}

var other = kind{"STRATA-TP-010", "anomaly while reading the image", "Look at the anomaly by hand.", audit.Low}

// Tree implements audit.TreeAnalyzer.
func (a *Analyzer) Tree(ctx context.Context, s *audit.Subject) ([]audit.Finding, error) {
	all := append([]forensics.Anomaly(nil), s.Image.Anomalies...)
	for _, lt := range s.Layers {
		if lt != nil {
			all = append(all, lt.Anomalies...)
		}
	}
	var out []audit.Finding
	for _, an := range all {
		k, ok := kinds[an.Kind]
		if !ok {
			k = other
		}
		out = append(out, audit.Finding{Rule: k.rule, Category: audit.CategoryTamper, Severity: k.sev, Title: k.title,
			Layer: an.Layer, Path: an.Path, Evidence: an.Detail, Remediation: k.remediation})
	}
	return out, nil
}
