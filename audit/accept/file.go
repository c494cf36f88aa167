package accept

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
)

// Entry is one accepted finding of an accepted-findings file:
//
//	# ID [path=PATH] [package=NAME] [expires=YYYY-MM-DD] REASON
//	CVE-2024-28085 package=util-linux expires=2025-06-30 wall is not setgid in this image
//	STRATA-SE-018 path=/app/config/*.example example values, not secrets
//
// ID is a rule id (STRATA-SE-018, a YARA rule), a vulnerability's id or any of its advisory
// ids and aliases (CVE-…, DSA-…, GHSA-…). path= narrows it to findings about that path (a
// glob: * matches within one directory level; a trailing / takes everything below);
// package= to vulnerability findings in that package (the source package or one of its
// binaries). The reason is required. An entry whose expiry date has passed accepts nothing
// and is warned about.
type Entry struct {
	ID      string
	Path    string
	Package string
	Reason  string
	// Expires is the last day the entry holds (through the end of that day, UTC); zero
	// means it does not expire.
	Expires time.Time
	// Source is "FILE:LINE".
	Source string
}

// ReadFile reads an accepted-findings file.
func ReadFile(name string) ([]Entry, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading accepted findings: %w", err)
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := parseEntry(line)
		if err != nil {
			return nil, fmt.Errorf("reading accepted findings %s:%d: %w", name, n, err)
		}
		e.Source = fmt.Sprintf("%s:%d", name, n)
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading accepted findings %s: %w", name, err)
	}
	return out, nil
}

func parseEntry(line string) (Entry, error) {
	fields := strings.Fields(line)
	e := Entry{ID: fields[0]}
	if strings.Contains(e.ID, "=") {
		return e, fmt.Errorf("%q: an entry starts with the rule or advisory id", e.ID)
	}
	rest := fields[1:]
	for len(rest) > 0 {
		k, v, ok := strings.Cut(rest[0], "=")
		if !ok {
			break
		}
		switch k {
		case "path":
			if !strings.HasPrefix(v, "/") {
				return e, fmt.Errorf("path=%s: an image path starts with /", v)
			}
			if _, err := path.Match(v, "/"); err != nil {
				return e, fmt.Errorf("path=%s: %w", v, err)
			}
			e.Path = v
		case "package":
			e.Package = v
		case "expires":
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return e, fmt.Errorf("expires=%s: want a date, YYYY-MM-DD", v)
			}
			e.Expires = t
		default:
			// Not a field: the reason begins here ("reason: x=y" stays a reason).
			ok = false
		}
		if !ok {
			break
		}
		rest = rest[1:]
	}
	e.Reason = strings.TrimSpace(strings.TrimPrefix(strings.Join(rest, " "), "reason:"))
	if e.Reason == "" {
		return e, fmt.Errorf("%s: no reason given (an accepted finding says why)", e.ID)
	}
	return e, nil
}

// Expired reports whether the entry's last day is before now's (UTC).
func (e *Entry) Expired(now time.Time) bool {
	return !e.Expires.IsZero() && now.UTC().After(e.Expires.Add(24*time.Hour-time.Nanosecond))
}

// Matches reports whether the entry accepts f.
func (e *Entry) Matches(f audit.Finding) bool {
	v := f.Vulnerability
	idOK := f.Rule == e.ID
	if !idOK && v != nil {
		idOK = v.ID == e.ID || slices.Contains(v.Advisories, e.ID) || slices.Contains(v.Aliases, e.ID)
	}
	if !idOK {
		return false
	}
	if e.Path != "" && !pathMatches(e.Path, f.Path) {
		return false
	}
	if e.Package != "" {
		if v == nil {
			return false
		}
		ok := v.Package == e.Package
		for _, b := range v.Binaries {
			ok = ok || b.Name == e.Package
		}
		if !ok {
			return false
		}
	}
	return true
}

func pathMatches(pattern, p string) bool {
	if strings.HasSuffix(pattern, "/") {
		return strings.HasPrefix(p, pattern)
	}
	ok, _ := path.Match(pattern, p)
	return ok
}

func (e *Entry) describe() string {
	s := e.ID
	if e.Path != "" {
		s += " path=" + e.Path
	}
	if e.Package != "" {
		s += " package=" + e.Package
	}
	return s
}
