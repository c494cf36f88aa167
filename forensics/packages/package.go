package packages

import (
	"net/url"
	"strconv"
	"strings"
)

// Ecosystem is where a package comes from, spelled as package URL types spell it.
type Ecosystem string

// Ecosystems.
const (
	Deb    Ecosystem = "deb"
	APK    Ecosystem = "apk"
	RPM    Ecosystem = "rpm"
	PyPI   Ecosystem = "pypi"
	NPM    Ecosystem = "npm"
	Golang Ecosystem = "golang"
	Maven  Ecosystem = "maven"
)

// OS is the distribution the image says it is, from /etc/os-release.
type OS struct {
	ID         string `json:"id"`
	VersionID  string `json:"version_id"`
	Codename   string `json:"codename,omitempty"`
	PrettyName string `json:"pretty_name,omitempty"`
}

// Digest algorithms a database may record for a file.
const (
	MD5    = "md5"
	SHA1   = "sha1"
	SHA256 = "sha256"
)

// File is one path a package owns, with the checksum its database records ("" when none).
type File struct {
	Path string `json:"path"`
	// Algorithm is MD5, SHA1 or SHA256; Digest is lower-case hex.
	Algorithm string `json:"algorithm,omitempty"`
	Digest    string `json:"digest,omitempty"`
	// Conffile marks a configuration file the administrator is expected to edit.
	Conffile bool `json:"conffile,omitempty"`
}

// Package is one installed package.
type Package struct {
	Ecosystem Ecosystem `json:"ecosystem"`
	Name      string    `json:"name"`
	Version   string    `json:"version"`
	// Source is the source package (dpkg Source, apk origin, rpm source rpm name) when it
	// differs from Name; SourceVersion is its version when that differs from Version (dpkg's
	// "Source: name (version)" of a binNMU or of a binary versioned apart, the version-release
	// of an rpm's source rpm). SourceFullVersion gives the version to compare either way.
	Source        string `json:"source,omitempty"`
	SourceVersion string `json:"source_version,omitempty"`
	Arch          string `json:"arch,omitempty"`
	// Epoch is the rpm epoch, 0 when none (dpkg and apk keep it in Version).
	Epoch int `json:"epoch,omitempty"`
	// Layer is the layer that installed the package at this version: the lowest layer from
	// which on the database lists it so, or the layer that holds its metadata file.
	Layer int `json:"layer"`
	// Location is the database or metadata file the package was read from.
	Location string `json:"location"`
	// OSPackage names the distribution package whose file list holds Location, for a language
	// package the OS package manager installed ("deb:python3-pip"); "" when none does.
	OSPackage string `json:"os_package,omitempty"`
	// Licenses are what the package declares, each an SPDX license expression: ids where a
	// name maps to the SPDX license list, LicenseRef-<name> where it does not. A Debian
	// package's come from its /usr/share/doc/<name>/copyright file, which lists every license
	// some of its files are under: all of them apply.
	Licenses []string `json:"licenses,omitempty"`
	// Supplier is who distributes the package as its metadata names them ("Name <email>"):
	// dpkg's Maintainer, apk's maintainer, rpm's Vendor.
	Supplier string `json:"supplier,omitempty"`
	// Dependencies are the installed packages of the same ecosystem this one depends on
	// (dpkg Depends and Pre-Depends, apk and rpm requirements), each resolved to the package
	// that satisfies it: the first installed alternative, or the package that provides a
	// virtual name, a shared library or a file. They are named as Inventory.Refs names them.
	Dependencies []string `json:"dependencies,omitempty"`
	Files        []File   `json:"files,omitempty"`

	// requires are the dependencies as the database writes them, each a list of
	// alternatives; provides the names the package also answers to. Inventory resolves them.
	requires [][]string
	provides []string
}

// SourceName returns the source package name, Name when none is recorded.
func (p *Package) SourceName() string {
	if p.Source != "" {
		return p.Source
	}
	return p.Name
}

// SourceFullVersion is the version of the source package as its ecosystem compares it:
// dpkg's source version (the binary's when the Source field gives none), the source rpm's
// [epoch:]version-release (an rpm's epoch is its source's), the version elsewhere (apk
// subpackages carry their origin's version).
func (p *Package) SourceFullVersion() string {
	v := p.SourceVersion
	if v == "" {
		return p.FullVersion()
	}
	if p.Ecosystem == RPM && p.Epoch > 0 && !strings.Contains(v, ":") {
		return strconv.Itoa(p.Epoch) + ":" + v
	}
	return v
}

// FullVersion is the version as the ecosystem compares it: rpm's [epoch:]version-release,
// the version as recorded elsewhere.
func (p *Package) FullVersion() string {
	if p.Ecosystem == RPM && p.Epoch > 0 {
		return strconv.Itoa(p.Epoch) + ":" + p.Version
	}
	return p.Version
}

// PURL returns the package URL (https://github.com/package-url/purl-spec) of the package;
// os qualifies distribution packages.
func (p *Package) PURL(os OS) string {
	name := p.Name
	ns := ""
	var q []string
	switch p.Ecosystem {
	case Deb, APK, RPM:
		ns = os.ID
		if ns == "" {
			ns = map[Ecosystem]string{Deb: "debian", APK: "alpine", RPM: "redhat"}[p.Ecosystem]
		}
		if p.Arch != "" {
			q = append(q, "arch="+url.QueryEscape(p.Arch))
		}
		if os.ID != "" && os.VersionID != "" {
			q = append(q, "distro="+url.QueryEscape(os.ID+"-"+os.VersionID))
		}
		if p.Epoch > 0 {
			q = append(q, "epoch="+strconv.Itoa(p.Epoch))
		}
	case Maven:
		if g, a, ok := strings.Cut(name, ":"); ok {
			ns, name = g, a
		}
	case Golang, NPM:
		if i := strings.LastIndex(name, "/"); i >= 0 {
			ns, name = name[:i], name[i+1:]
		}
	case PyPI:
		name = NormalizePyPI(name)
	}
	var b strings.Builder
	b.WriteString("pkg:" + string(p.Ecosystem) + "/")
	if ns != "" {
		for _, seg := range strings.Split(ns, "/") {
			b.WriteString(escapePURL(seg) + "/")
		}
	}
	b.WriteString(escapePURL(name))
	if p.Version != "" {
		b.WriteString("@" + escapePURL(p.Version))
	}
	if len(q) > 0 {
		b.WriteString("?" + strings.Join(q, "&"))
	}
	return b.String()
}

func escapePURL(s string) string {
	s = strings.ReplaceAll(url.PathEscape(s), "%3A", ":")
	return strings.NewReplacer("+", "%2B", "@", "%40").Replace(s)
}

// NormalizePyPI normalizes a Python distribution name as PEP 503 does.
func NormalizePyPI(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' {
			if !dash {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}
