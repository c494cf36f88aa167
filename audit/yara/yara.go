// Package yara adapts signatures' YARA matches into audit findings: the rule's id, category,
// severity and description become the finding's, the matched strings its evidence (redacted
// for secret rules). It owns one signatures.Scanner per goroutine of the read pass.
package yara

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures"
	"github.com/strata-forensics/strata/signatures/decode"
)

// RuleScanError is the rule of the finding for a file whose YARA scan failed or timed out.
const RuleScanError = "STRATA-YARA-ERR"

// maxEvidence bounds the evidence text of one finding.
const maxEvidence = 240

// Analyzer scans every file's bytes with a compiled rule set.
type Analyzer struct {
	rules *signatures.RuleSet

	mu   sync.Mutex
	free []*signatures.Scanner
	all  []*signatures.Scanner
}

// New returns an analyzer over rules. The caller keeps ownership of rules and must Close the
// analyzer before closing them.
func New(rules *signatures.RuleSet) *Analyzer { return &Analyzer{rules: rules} }

// Name implements audit.Analyzer.
func (a *Analyzer) Name() string { return "yara" }

// Close frees the scanners.
func (a *Analyzer) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.all {
		s.Close()
	}
	a.all, a.free = nil, nil
	return nil
}

// get takes a free scanner or makes one: as many exist as goroutines ever scanned at once.
func (a *Analyzer) get() (*signatures.Scanner, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := len(a.free); n > 0 {
		s := a.free[n-1]
		a.free = a.free[:n-1]
		return s, nil
	}
	s, err := a.rules.NewScanner()
	if err != nil {
		return nil, err
	}
	a.all = append(a.all, s)
	return s, nil
}

func (a *Analyzer) put(s *signatures.Scanner) {
	a.mu.Lock()
	a.free = append(a.free, s)
	a.mu.Unlock()
}

// Content implements audit.ContentAnalyzer.
func (a *Analyzer) Content(f audit.File, data []byte) []audit.Finding {
	s, err := a.get()
	if err != nil {
		return []audit.Finding{scanError(f, err)}
	}
	owner := f.Entry.Uname()
	if owner == "" {
		owner = strconv.Itoa(f.Entry.UID())
	}
	info := signatures.FileInfo{Path: f.Entry.Path, Owner: owner, Size: f.Entry.Size}
	matches, err := s.Scan(info, data)
	out := make([]audit.Finding, 0, len(matches))
	have := map[string]bool{}
	for _, m := range matches {
		out = append(out, Finding(m))
		have[m.Rule.Meta.ID] = true
	}
	if err != nil {
		out = append(out, scanError(f, err))
	} else {
		out = append(out, decoded(s, info, data, have)...)
	}
	a.put(s)
	return out
}

// decodeLimits bound the decoding of one file for the rules; tighter than the web shell
// analyzer's, since every text file may be decoded.
var decodeLimits = decode.Limits{MaxBytes: 4 << 20, Timeout: time.Second}

// decoded runs the rules on what a text file hides: every layer signatures/decode reveals
// (base64, hex, compression, rot13, reversed text, chr() runs ...). A rule that matched the
// file itself is not reported again; one that matches only a decoded layer says which chain
// of decodings revealed it.
func decoded(s *signatures.Scanner, info signatures.FileInfo, data []byte, have map[string]bool) []audit.Finding {
	syntax, ok := decodeSyntax(info.Path, data)
	if !ok || !decode.Worth(data) {
		return nil
	}
	var out []audit.Finding
	res := decode.Layers(data, syntax, decodeLimits)
	for _, l := range res.Layers {
		chain := append(append([]string(nil), l.Chain...), l.Folds()...)
		if len(chain) == 0 || l.Depth == 0 && !l.Folded {
			continue
		}
		matches, err := s.Scan(info, l.Text())
		if err != nil {
			continue
		}
		c := strings.Join(chain, " > ")
		for _, m := range matches {
			if have[m.Rule.Meta.ID] {
				continue
			}
			have[m.Rule.Meta.ID] = true
			fd := Finding(m)
			fd.Title += " (decoded: " + c + ")"
			fd.Evidence = "decoded: " + c + "; " + fd.Evidence
			out = append(out, fd)
		}
	}
	return out
}

// decodeSyntax chooses how to lex a file for decoding: server pages in their language, other
// text as plain text (encoded blobs only); binary files are not decoded.
func decodeSyntax(p string, data []byte) (decode.Syntax, bool) {
	if len(data) > maxDecoded {
		return decode.Plain, false
	}
	switch signatures.DetectFileType(data, path.Base(p)) {
	case signatures.TypePHP, signatures.TypeJSP, signatures.TypeASPX, signatures.TypeScript, signatures.TypeText:
		// Encoded blobs only: the web shell analyzer already reads server pages in their
		// language, and lexing every script twice would cost the scan its speed.
		return decode.Plain, true
	}
	return decode.Plain, false
}

// maxDecoded is the biggest file whose encoded blobs the rules are run on; the file itself is
// scanned whatever its size.
const maxDecoded = 2 << 20

func scanError(f audit.File, err error) audit.Finding {
	title := "YARA scan failed; the file was not fully checked"
	if errors.Is(err, signatures.ErrTruncated) {
		title = "only the head of the file was YARA-scanned"
	}
	return audit.Finding{Rule: RuleScanError, Category: audit.CategoryMalware, Severity: audit.Info,
		Title: title, Evidence: err.Error() + " (sha256:" + f.Entry.SHA256() + ")",
		Remediation: "Check the file by hand or with a longer YARA timeout."}
}

// Finding turns one match into a finding (without layer or path, which the scan fills in).
func Finding(m signatures.Match) audit.Finding {
	meta := m.Rule.Meta
	sev, err := audit.ParseSeverity(meta.Severity)
	if err != nil {
		sev = audit.Medium
	}
	cat, _ := audit.ParseCategory(meta.Category)
	title := meta.Description
	if title == "" {
		title = "YARA rule " + m.Rule.Name + " matched"
	}
	f := audit.Finding{
		Rule:        meta.ID,
		Category:    cat,
		Severity:    sev,
		Title:       title,
		Evidence:    evidence(m, cat == audit.CategorySecret),
		Remediation: remediation(cat),
	}
	for _, l := range meta.Labels {
		if c, ok := audit.ParseCategory(l); ok {
			f.AddLabels(c)
		}
	}
	f.AddTechniques(meta.Techniques...)
	return f
}

// evidence renders the matched strings: `$id@offset: "text"`, printable and truncated.
func evidence(m signatures.Match, secret bool) string {
	var parts []string
	seen := map[string]bool{}
	for _, s := range m.Strings {
		text := printable(s.Data)
		if secret {
			text = s.Redacted()
		} else if s.Length > len(s.Data) {
			text += "…"
		}
		if seen[s.ID+text] {
			continue
		}
		seen[s.ID+text] = true
		parts = append(parts, fmt.Sprintf("%s@%d: %q", s.ID, s.Offset, text))
	}
	out := strings.Join(parts, ", ")
	if r := []rune(out); len(r) > maxEvidence {
		out = string(r[:maxEvidence-1]) + "…"
	}
	return out
}

func printable(b []byte) string {
	var sb strings.Builder
	for _, r := range string(b) {
		switch {
		case r == unicode.ReplacementChar:
			sb.WriteByte('.')
		case unicode.IsPrint(r) || r == ' ':
			sb.WriteRune(r)
		default:
			sb.WriteByte('.')
		}
	}
	return sb.String()
}

func remediation(c audit.Category) string {
	switch c {
	case audit.CategoryReverseShell, audit.CategoryLDPreload, audit.CategoryWebshell, audit.CategoryMiner, audit.CategoryMalware:
		return "Treat the image as compromised: do not run it; rebuild from a trusted base and source, and find how the file got in."
	case audit.CategoryPersistence:
		return "Remove the persistence entry, rebuild the image from trusted sources, and look for what it fetches."
	case audit.CategorySSHKey:
		return "Remove the key from the image; give access at run time if it is needed at all."
	case audit.CategorySecret:
		return "Revoke the secret and pass it at run time instead of baking it into the image."
	}
	return "Review the file."
}
