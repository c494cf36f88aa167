package vulns

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

func normalizePyPI(name string) string { return pkgs.NormalizePyPI(name) }

// Match is an installed package that an advisory affects.
type Match struct {
	Package  *pkgs.Package `json:"-"`
	Advisory *Advisory     `json:"advisory"`
	// Affected is the advisory's entry that matched: its ecosystem, the name it knows the
	// package by (the source package for a distribution's binaries) and the distribution's
	// statements on it.
	Affected Affected `json:"affected"`
	// Installed is the version compared (the source version for a distribution's binaries).
	Installed string `json:"installed"`
	// Fixed is the first fixed version above the installed one, "" when none is known.
	Fixed string `json:"fixed,omitempty"`
}

// query is one name a package is looked up by, with the version compared.
type query struct {
	name, version string
}

// queries returns the OSV ecosystem base ("Debian", "PyPI") and release ("12", "v3.19", "")
// a package is matched in, and the names and versions it is looked up by; ok is false for
// packages no OSV ecosystem covers. Debian, Ubuntu and Alpine advisories name source packages
// (dpkg Source at its own version, apk origin); rpm distributions name binaries in some
// databases and source rpms in others, so an rpm is looked up by both.
func queries(p *pkgs.Package, os pkgs.OS) (base, release string, qs []query, ok bool) {
	switch p.Ecosystem {
	case pkgs.Deb:
		q := []query{{p.SourceName(), p.SourceFullVersion()}}
		if os.ID == "ubuntu" {
			return "Ubuntu", os.VersionID, q, true
		}
		return "Debian", majorOf(os.VersionID), q, true
	case pkgs.APK:
		q := []query{{p.SourceName(), p.FullVersion()}}
		if os.ID == "wolfi" {
			return "Wolfi", "", q, true
		}
		r := ""
		if parts := strings.Split(os.VersionID, "."); len(parts) >= 2 {
			r = "v" + parts[0] + "." + parts[1]
		}
		return "Alpine", r, q, true
	case pkgs.RPM:
		b := map[string]string{"rhel": "Red Hat", "almalinux": "AlmaLinux", "rocky": "Rocky Linux", "opensuse-leap": "openSUSE",
			"opensuse-tumbleweed": "openSUSE", "sles": "SUSE", "mageia": "Mageia", "photon": "Photon OS", "azurelinux": "Azure Linux",
			"mariner": "Azure Linux", "openEuler": "openEuler"}[os.ID]
		if b == "" {
			return "", "", nil, false
		}
		q := []query{{p.Name, p.FullVersion()}}
		if p.Source != "" {
			q = append(q, query{p.Source, p.SourceFullVersion()})
		}
		return b, majorOf(os.VersionID), q, true
	case pkgs.PyPI:
		return "PyPI", "", []query{{p.Name, p.Version}}, true
	case pkgs.NPM:
		return "npm", "", []query{{p.Name, p.Version}}, true
	case pkgs.Golang:
		return "Go", "", []query{{p.Name, strings.TrimPrefix(p.Version, "v")}}, true
	case pkgs.Maven:
		return "Maven", "", []query{{p.Name, p.Version}}, true
	}
	return "", "", nil, false
}

func majorOf(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// releaseMatches reports whether an advisory's ecosystem ("Debian:12", "Alpine:v3.19",
// "Ubuntu:22.04:LTS", "Debian") applies to the image's release.
func releaseMatches(ecosystem, release string) bool {
	_, r, ok := strings.Cut(ecosystem, ":")
	if !ok || r == "" || release == "" {
		return true
	}
	r, _, _ = strings.Cut(r, ":") // Ubuntu:22.04:LTS
	return r == release
}

// Affects reports whether version is affected by af under ordering cmp, and the first fixed
// version above it ("" when none is known). A version is affected when it is in the
// `versions` list or inside a range (introduced <= v < fixed, v <= last_affected, v < limit);
// the fixed version comes from the ranges either way, so a record that lists versions and
// gives a range still says what to upgrade to.
func Affects(af Affected, version string, cmp Ordering) (bool, string) {
	listed := contains(af.Versions, version)
	inRange, rangeFix := false, ""
	var fixes []string
	for _, r := range af.Ranges {
		if r.Type == "GIT" {
			continue // commit hashes: not versions of the package
		}
		hit, fixed, ok := inRangeOf(r, version, cmp)
		if !ok {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" {
				fixes = append(fixes, e.Fixed)
			}
		}
		if hit && !inRange {
			inRange, rangeFix = true, fixed
		}
	}
	if !listed && !inRange {
		return false, ""
	}
	if rangeFix != "" {
		return true, rangeFix
	}
	// Listed, or in a range with no fix of its own: the lowest fix above the version, from
	// any range of the entry.
	best := ""
	for _, f := range fixes {
		if c, err := cmp(f, version); err != nil || c <= 0 {
			continue
		}
		if c, err := cmp(f, best); best == "" || (err == nil && c < 0) {
			best = f
		}
	}
	return true, best
}

// inRangeOf evaluates one range; ok is false when its versions do not parse.
func inRangeOf(r Range, version string, cmp Ordering) (hit bool, fixed string, ok bool) {
	type ev struct {
		v    string
		kind int // 0 introduced, 1 fixed, 2 last_affected, 3 limit
	}
	var evs []ev
	for _, e := range r.Events {
		switch {
		case e.Introduced != "":
			evs = append(evs, ev{e.Introduced, 0})
		case e.Fixed != "":
			evs = append(evs, ev{e.Fixed, 1})
		case e.LastAffected != "":
			evs = append(evs, ev{e.LastAffected, 2})
		case e.Limit != "":
			evs = append(evs, ev{e.Limit, 3})
		}
	}
	bad := false
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].v == "0" || evs[j].v == "0" {
			return evs[i].v == "0" && evs[j].v != "0"
		}
		if evs[i].v == "*" || evs[j].v == "*" { // limit "*": no limit
			return evs[j].v == "*" && evs[i].v != "*"
		}
		c, err := cmp(evs[i].v, evs[j].v)
		if err != nil {
			bad = true
		}
		return c < 0
	})
	if bad {
		return false, "", false
	}
	affected := false
	for _, e := range evs {
		c := 1
		switch e.v {
		case "0":
		case "*":
			c = -1
		default:
			var err error
			if c, err = cmp(version, e.v); err != nil {
				return false, "", false
			}
		}
		switch e.kind {
		case 0:
			if c >= 0 {
				affected, fixed = true, ""
			}
		case 1:
			if c >= 0 {
				affected = false
			} else if affected && fixed == "" {
				fixed = e.v
			}
		case 2:
			if c > 0 {
				affected = false
			}
		case 3:
			if c >= 0 {
				affected = false
			}
		}
	}
	if !affected {
		fixed = ""
	}
	return affected, fixed, true
}

// Match finds the advisories that affect the inventory's packages: one Match per package and
// advisory. Language packages that the OS package manager installed are left to the
// distribution's advisories, which name them by their source package (as trivy does).
func (d *DB) Match(ctx context.Context, inv *pkgs.Inventory) ([]Match, error) {
	stmt, err := d.db.PrepareContext(ctx, lookupQuery)
	if err != nil {
		return nil, fmt.Errorf("matching packages: %w", err)
	}
	defer stmt.Close()
	var out []Match
	cache := map[string][]candidate{}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if p.OSPackage != "" {
			continue
		}
		base, release, qs, ok := queries(p, inv.OS)
		if !ok || p.Version == "" {
			continue
		}
		seen := map[string]bool{}
		for _, q := range qs {
			key := base + "\x00" + q.name
			cands, ok := cache[key]
			if !ok {
				if cands, err = d.lookup(ctx, stmt, base, release, q.name); err != nil {
					return nil, fmt.Errorf("matching %s: %w", p.Name, err)
				}
				cache[key] = cands
			}
			for _, c := range cands {
				if seen[c.adv.ID] {
					continue
				}
				if hit, fixed := Affects(c.affected, q.version, OrderingFor(c.affected.Ecosystem)); hit {
					seen[c.adv.ID] = true
					out = append(out, Match{Package: p, Advisory: c.adv, Affected: c.affected, Installed: q.version, Fixed: fixed})
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Package.Name != out[j].Package.Name {
			return out[i].Package.Name < out[j].Package.Name
		}
		return out[i].Advisory.ID < out[j].Advisory.ID
	})
	return out, nil
}

// candidate is an affected row with its advisory.
type candidate struct {
	adv      *Advisory
	affected Affected
}

const lookupQuery = `SELECT a.id, f.ecosystem, f.name, f.ranges, f.versions, f.specific, a.summary, a.severity, a.aliases, a.modified, a.published, a.cvss
	FROM affected f JOIN advisories a ON a.id = f.advisory_id WHERE f.base = ? AND f.name = ? AND a.state = 'active'
	AND (? = '' OR f.ecosystem = f.base OR f.ecosystem = ? OR f.ecosystem LIKE ?)`

// lookup returns the affected rows for a package name in an ecosystem base ("Debian") that
// apply to the release; rows of other releases are not decoded.
func (d *DB) lookup(ctx context.Context, stmt *sql.Stmt, base, release, name string) ([]candidate, error) {
	rows, err := stmt.QueryContext(ctx, base, lookupName(base, name), release, base+":"+release, base+":"+release+":%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		a := &Advisory{}
		var c candidate
		var ranges, versions, specific, aliases, modified, published, cvss string
		if err := rows.Scan(&a.ID, &c.affected.Ecosystem, &c.affected.Name, &ranges, &versions, &specific, &a.Summary, &a.Rating, &aliases, &modified, &published, &cvss); err != nil {
			return nil, err
		}
		if !releaseMatches(c.affected.Ecosystem, release) {
			continue
		}
		json.Unmarshal([]byte(ranges), &c.affected.Ranges)
		json.Unmarshal([]byte(versions), &c.affected.Versions)
		json.Unmarshal([]byte(specific), &c.affected.Specific)
		json.Unmarshal([]byte(aliases), &a.Aliases)
		json.Unmarshal([]byte(cvss), &a.CVSS)
		a.Modified, a.Published = readTime(modified), readTime(published)
		c.adv = a
		out = append(out, c)
	}
	return out, rows.Err()
}
