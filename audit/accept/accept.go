// Package accept sets aside the findings a team has accepted, so that a scan's verdict is
// about what is still open: entries of an accepted-findings file (.strataignore) with their
// reasons and expiry dates, which apply to every kind of finding; OpenVEX statements that a
// product is not affected by a vulnerability or has it fixed; and, for vulnerability findings,
// --ignore-unfixed and --severity. Nothing is deleted: a set-aside finding moves from
// Result.Findings to Result.Accepted with what set it aside and why.
//
// Both front ends call Load once and Apply on each result. accept imports audit and
// forensics only.
package accept

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/openvex/go-vex/pkg/vex"

	"github.com/strata-forensics/strata/audit"
)

// DefaultFile is the accepted-findings file looked for in the current directory.
const DefaultFile = ".strataignore"

// Options say where a Policy comes from: the flags of a scan.
type Options struct {
	// IgnoreFile is the accepted-findings file to read; "" means DefaultFile in Dir when it
	// exists.
	IgnoreFile string
	Dir        string
	// VEXFiles are OpenVEX documents.
	VEXFiles []string
	// IgnoreUnfixed sets aside vulnerabilities with no known fix.
	IgnoreUnfixed bool
	// Severities, as "high,critical", keeps only vulnerability findings of those severities;
	// "" keeps all.
	Severities string
	// Now is the clock for expiry dates, time.Now when zero.
	Now time.Time
}

// Policy is a loaded set of acceptances.
type Policy struct {
	// File is the accepted-findings file read, "" when none.
	File    string
	Entries []Entry
	VEX     []Document
	// IgnoreUnfixed and Severities (nil: all) apply to vulnerability findings.
	IgnoreUnfixed bool
	Severities    []audit.Severity
	Now           time.Time
}

// Document is one OpenVEX document.
type Document struct {
	Path string
	Doc  *vex.VEX
}

// Load reads the files opts names. Every problem is an error naming the file (and line).
func Load(opts Options) (*Policy, error) {
	p := &Policy{IgnoreUnfixed: opts.IgnoreUnfixed, Now: opts.Now}
	if p.Now.IsZero() {
		p.Now = time.Now()
	}
	file := opts.IgnoreFile
	if file == "" && opts.Dir != "" {
		if _, err := os.Stat(filepath.Join(opts.Dir, DefaultFile)); err == nil {
			file = filepath.Join(opts.Dir, DefaultFile)
		}
	}
	if file != "" {
		entries, err := ReadFile(file)
		if err != nil {
			return nil, err
		}
		p.File, p.Entries = file, entries
	}
	for _, f := range opts.VEXFiles {
		doc, err := vex.Open(f)
		if err != nil {
			return nil, fmt.Errorf("reading VEX document %s: %w", f, err)
		}
		p.VEX = append(p.VEX, Document{Path: f, Doc: doc})
	}
	if opts.Severities != "" {
		sevs, err := ParseSeverities(opts.Severities)
		if err != nil {
			return nil, err
		}
		p.Severities = sevs
	}
	return p, nil
}

// ParseSeverities reads a comma-separated list of severity names.
func ParseSeverities(list string) ([]audit.Severity, error) {
	var out []audit.Severity
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		sev, err := audit.ParseSeverity(s)
		if err != nil {
			return nil, fmt.Errorf("--severity %s: %w", list, err)
		}
		out = append(out, sev)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--severity %q names no severity", list)
	}
	return out, nil
}

// Apply moves the findings the policy accepts from r.Findings to r.Accepted and returns
// warnings: expired entries (whose findings are reported again). A finding is set aside
// once, by the first that accepts it: the file, then VEX, then --ignore-unfixed, then
// --severity.
func Apply(r *audit.Result, p *Policy) []string {
	if p == nil {
		return nil
	}
	var warnings []string
	expired := map[int]bool{}
	for i, e := range p.Entries {
		if e.Expired(p.Now) {
			expired[i] = true
			warnings = append(warnings, fmt.Sprintf("%s: the acceptance of %s expired on %s: its findings are reported again",
				e.Source, e.describe(), e.Expires.Format(time.DateOnly)))
		}
	}
	products := imageProducts(r)
	kept := r.Findings[:0:0]
	for _, f := range r.Findings {
		if a, ok := p.accept(f, expired, products); ok {
			r.Accepted = append(r.Accepted, a)
			continue
		}
		kept = append(kept, f)
	}
	r.Findings = kept
	return warnings
}

func (p *Policy) accept(f audit.Finding, expired map[int]bool, products []string) (audit.Accepted, bool) {
	for i, e := range p.Entries {
		if !expired[i] && e.Matches(f) {
			return audit.Accepted{Finding: f, By: audit.AcceptedByFile, Reason: e.Reason, Source: e.Source, Expires: e.Expires}, true
		}
	}
	v := f.Vulnerability
	if v == nil {
		return audit.Accepted{}, false
	}
	for _, d := range p.VEX {
		if st := d.statement(v, products); st != nil {
			reason := string(st.Status)
			if st.Justification != "" {
				reason += ": " + string(st.Justification)
			}
			if st.ImpactStatement != "" {
				reason += ": " + st.ImpactStatement
			} else if st.StatusNotes != "" {
				reason += ": " + st.StatusNotes
			}
			return audit.Accepted{Finding: f, By: audit.AcceptedByVEX, Reason: reason,
				Source: fmt.Sprintf("%s: %s", d.Path, st.Vulnerability.Name)}, true
		}
	}
	if p.IgnoreUnfixed && v.Fixed == "" {
		return audit.Accepted{Finding: f, By: audit.AcceptedUnfixed, Reason: "no fixed version known (" + v.Status + ")", Source: "--ignore-unfixed"}, true
	}
	if p.Severities != nil && !slices.Contains(p.Severities, f.Severity) {
		return audit.Accepted{Finding: f, By: audit.AcceptedSeverity, Reason: "severity " + f.Severity.String() + " not asked for", Source: "--severity"}, true
	}
	return audit.Accepted{}, false
}
