package vulns

import (
	"context"
	"fmt"
	"sort"
	"strings"

	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

func normalizePyPI(name string) string { return pkgs.NormalizePyPI(name) }

// Match is an installed package that an advisory affects.
type Match struct {
	Package  *pkgs.Package `json:"-"`
	Advisory Advisory      `json:"advisory"`
	// Ecosystem is the OSV ecosystem the advisory names the package in.
	Ecosystem string `json:"ecosystem"`
	Installed string `json:"installed"`
	// Fixed is the first fixed version above the installed one, "" when none is known.
	Fixed string `json:"fixed,omitempty"`
}

// Ecosystem returns the OSV ecosystem base ("Debian", "PyPI") and release ("12", "v3.19", "")
// a package is matched in, and the name it is known by there; ok is false for packages no
// OSV ecosystem covers.
func Ecosystem(p *pkgs.Package, os pkgs.OS) (base, release, name string, ok bool) {
	switch p.Ecosystem {
	case pkgs.Deb:
		switch os.ID {
		case "ubuntu":
			return "Ubuntu", os.VersionID, p.SourceName(), true
		default:
			return "Debian", majorOf(os.VersionID), p.SourceName(), true
		}
	case pkgs.APK:
		r := ""
		if parts := strings.Split(os.VersionID, "."); len(parts) >= 2 {
			r = "v" + parts[0] + "." + parts[1]
		}
		if os.ID == "wolfi" {
			return "Wolfi", "", p.SourceName(), true
		}
		return "Alpine", r, p.SourceName(), true
	case pkgs.RPM:
		b := map[string]string{"rhel": "Red Hat", "almalinux": "AlmaLinux", "rocky": "Rocky Linux", "opensuse-leap": "openSUSE",
			"opensuse-tumbleweed": "openSUSE", "sles": "SUSE", "mageia": "Mageia", "photon": "Photon OS", "azurelinux": "Azure Linux",
			"mariner": "Azure Linux", "openEuler": "openEuler"}[os.ID]
		if b == "" {
			return "", "", "", false
		}
		return b, majorOf(os.VersionID), p.Name, true
	case pkgs.PyPI:
		return "PyPI", "", p.Name, true
	case pkgs.NPM:
		return "npm", "", p.Name, true
	case pkgs.Golang:
		return "Go", "", p.Name, true
	case pkgs.Maven:
		return "Maven", "", p.Name, true
	}
	return "", "", "", false
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
// version above it.
func Affects(af Affected, version string, cmp Ordering) (bool, string) {
	for _, v := range af.Versions {
		if v == version {
			return true, ""
		}
	}
	for _, r := range af.Ranges {
		if r.Type == "GIT" {
			continue
		}
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
			c, err := cmp(evs[i].v, evs[j].v)
			if err != nil {
				bad = true
			}
			return c < 0
		})
		if bad {
			continue
		}
		affected, fixed := false, ""
		for _, e := range evs {
			c := 1
			if e.v != "0" {
				var err error
				if c, err = cmp(version, e.v); err != nil {
					affected = false
					break
				}
			}
			switch e.kind {
			case 0:
				if c >= 0 {
					affected = true
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
		if affected {
			return true, fixed
		}
	}
	return false, ""
}

// Match finds the advisories that affect the inventory's packages.
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
		base, release, name, ok := Ecosystem(p, inv.OS)
		if !ok || p.Version == "" {
			continue
		}
		key := base + "\x00" + name
		cands, ok := cache[key]
		if !ok {
			if cands, err = d.lookup(ctx, stmt, base, name); err != nil {
				return nil, fmt.Errorf("matching %s: %w", p.Name, err)
			}
			cache[key] = cands
		}
		version := p.FullVersion()
		if p.Ecosystem == pkgs.Golang {
			version = strings.TrimPrefix(version, "v")
		}
		seen := map[string]bool{}
		for _, c := range cands {
			if seen[c.ID] || !releaseMatches(c.affected.Ecosystem, release) {
				continue
			}
			if hit, fixed := Affects(c.affected, version, OrderingFor(c.affected.Ecosystem)); hit {
				seen[c.ID] = true
				out = append(out, Match{Package: p, Advisory: c.Advisory, Ecosystem: c.affected.Ecosystem, Installed: p.FullVersion(), Fixed: fixed})
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
