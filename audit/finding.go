package audit

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Severity ranks a finding: Info < Low < Medium < High < Critical.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// Severities lists every severity, lowest first.
var Severities = []Severity{Info, Low, Medium, High, Critical}

func (s Severity) String() string {
	if s >= Info && s <= Critical {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads a severity name, in any case.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, s := range severityNames {
		if s == n {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("unknown severity %q (want info, low, medium, high or critical)", name)
}

// MarshalText renders the severity by name, for JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err == nil {
		*s = v
	}
	return err
}

// Raise returns the severity n steps higher (lower when n < 0), kept within Info..Critical.
func (s Severity) Raise(n int) Severity {
	return min(max(s+Severity(n), Info), Critical)
}

// Category says what kind of problem a finding is.
type Category string

// Categories of findings.
const (
	CategoryReverseShell  Category = "reverse-shell"
	CategoryLDPreload     Category = "ld-preload"
	CategoryPersistence   Category = "persistence"
	CategorySSHKey        Category = "ssh-key"
	CategoryMiner         Category = "miner"
	CategoryWebshell      Category = "webshell"
	CategorySecret        Category = "secret"
	CategorySUID          Category = "suid"
	CategoryRootUser      Category = "root-user"
	CategoryExposedPort   Category = "exposed-port"
	CategoryHiddenFile    Category = "hidden-file"
	CategoryTimestomp     Category = "timestomp"
	CategoryTamper        Category = "tamper"
	CategoryUntrustedBase Category = "untrusted-base"
	CategoryMisconfig     Category = "misconfig"
	CategoryMalware       Category = "malware"
	// Package truth: files that differ from what their package database records, executables
	// no package owns, and packages an imported advisory names.
	CategoryPackageIntegrity Category = "package-integrity"
	CategoryNonPackaged      Category = "non-packaged"
	CategoryVulnerability    Category = "vulnerability"
	// Techniques against the host and its owners rather than the image: credential material
	// collected and sent away (or a password prompt faked to catch it), and a container
	// breaking out to its node.
	CategoryCredentialTheft Category = "credential-theft"
	CategoryEscape          Category = "escape"
)

// Categories lists every category.
var Categories = []Category{
	CategoryReverseShell, CategoryLDPreload, CategoryPersistence, CategorySSHKey, CategoryMiner,
	CategoryWebshell, CategorySecret, CategorySUID, CategoryRootUser, CategoryExposedPort,
	CategoryHiddenFile, CategoryTimestomp, CategoryTamper, CategoryUntrustedBase, CategoryMisconfig,
	CategoryMalware, CategoryPackageIntegrity, CategoryNonPackaged, CategoryVulnerability,
	CategoryCredentialTheft, CategoryEscape,
}

// ParseCategory returns the category named, or CategoryMalware and false for an unknown name
// (user YARA rules may name anything).
func ParseCategory(name string) (Category, bool) {
	for _, c := range Categories {
		if string(c) == name {
			return c, true
		}
	}
	return CategoryMalware, false
}

// ImageID identifies the image a finding is about: the input as given and its config digest.
type ImageID struct {
	Input        string `json:"input"`
	ConfigDigest string `json:"config_digest"`
}

// Finding is one thing a scan found.
type Finding struct {
	// Rule is a stable identifier such as "STRATA-RS-001" (built-in) or "ns:rule" (user YARA).
	Rule     string
	Category Category
	Severity Severity
	// Title says what was found in one line.
	Title string
	Image ImageID
	// Layer is the layer whose copy of Path the finding is about, -1 when the finding is about
	// the config or the image as a whole.
	Layer int
	// Path is the file inside the image, "" when none.
	Path string
	// History is the index into the image's history of the step that made Layer (or, for config
	// findings, the step that set what was found), -1 when none; CreatedBy is that step's
	// created_by. Scan fills both in from Layer unless the analyzer set CreatedBy.
	History   int
	CreatedBy string
	// Evidence is what was matched, secrets redacted.
	Evidence    string
	Remediation string

	// Vulnerability holds a vulnerability finding's fields; nil for other findings.
	Vulnerability *Vulnerability
	// Labels are the other categories that fit besides Category: a reverse shell in a crontab
	// line is also persistence, an LD_PRELOAD library that connects back also a reverse shell.
	// Scan keeps them sorted, without duplicates and without Category.
	Labels []Category
	// Techniques are the MITRE ATT&CK technique IDs of what was found ("T1059.004"). Scan
	// adds those TechniquesFor gives the rule, categories and place, and sorts them.
	Techniques []string
	// Indicators are the network indicators (addresses, domains, URLs, ports, pools,
	// wallets) found in the flagged file's content and its decoded layers.
	Indicators []Indicator
}

// key identifies a finding for merging duplicates; a vulnerability is reported once per
// package it affects, and several packages share a database file.
func (f *Finding) key() string {
	k := f.Rule + "\x00" + f.Path + "\x00" + fmt.Sprint(f.Layer)
	if v := f.Vulnerability; v != nil {
		k += "\x00" + v.Ecosystem + "\x00" + v.Package + "\x00" + v.Installed
	}
	return k
}

// Is reports whether the finding is of category c, as its primary category or a label.
func (f *Finding) Is(c Category) bool { return f.Category == c || slices.Contains(f.Labels, c) }

// AddLabels adds categories to the finding's labels (the primary category and duplicates are
// left out).
func (f *Finding) AddLabels(cs ...Category) {
	for _, c := range cs {
		if c != "" && c != f.Category && !slices.Contains(f.Labels, c) {
			f.Labels = append(f.Labels, c)
		}
	}
}

// AddTechniques adds ATT&CK technique IDs, leaving out duplicates.
func (f *Finding) AddTechniques(ts ...string) {
	for _, t := range ts {
		if t != "" && !slices.Contains(f.Techniques, t) {
			f.Techniques = append(f.Techniques, t)
		}
	}
}

// AddIndicators adds indicators, leaving out duplicates and values longer than any real one
// (MaxIndicatorValue), up to MaxIndicators.
func (f *Finding) AddIndicators(is ...Indicator) {
	for _, i := range is {
		if len(f.Indicators) >= MaxIndicators {
			return
		}
		if i.Value != "" && len(i.Value) <= MaxIndicatorValue && !slices.Contains(f.Indicators, i) {
			f.Indicators = append(f.Indicators, i)
		}
	}
}

// Categories returns the primary category followed by the labels.
func (f *Finding) Categories() []Category { return append([]Category{f.Category}, f.Labels...) }

// normalize sorts labels, techniques and indicators and drops the primary category from the
// labels, so that equal findings compare equal however they were put together.
func (f *Finding) normalize() {
	f.Title = cutText(f.Title, MaxTitle)
	f.Evidence = cutText(f.Evidence, MaxEvidence)
	f.Labels = slices.DeleteFunc(f.Labels, func(c Category) bool { return c == f.Category })
	slices.Sort(f.Labels)
	f.Labels = slices.Compact(f.Labels)
	slices.Sort(f.Techniques)
	f.Techniques = slices.Compact(f.Techniques)
	slices.SortFunc(f.Indicators, func(a, b Indicator) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	f.Indicators = slices.Compact(f.Indicators)
}

// Redact masks a secret for reports: its first four characters and its length.
func Redact(secret string) string {
	r := []rune(secret)
	if len(r) <= 4 {
		return fmt.Sprintf("**** (%d chars)", len(r))
	}
	return fmt.Sprintf("%s**** (%d chars)", string(r[:4]), len(r))
}

// Bounds on what a finding carries from the evidence: a crafted file can make any analyzer
// quote megabytes (a pool URL of 600,000 characters), and every output repeats it.
const (
	MaxTitle          = 300
	MaxEvidence       = 2000
	MaxIndicatorValue = 2048
)

// cutText cuts s to at most n bytes on a rune boundary, marking the cut with "…".
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// clone returns a copy of f that shares no slice with it.
func (f Finding) clone() Finding {
	f.Labels, f.Techniques, f.Indicators = slices.Clone(f.Labels), slices.Clone(f.Techniques), slices.Clone(f.Indicators)
	return f
}
