package packages

import (
	"encoding/hex"
	"path"
	"strings"
)

// dpkgInstalled reports whether a Status field says the package's files are on disk.
// "config-files" (removed, configuration kept) and "not-installed" are not.
func dpkgInstalled(status string) bool {
	f := strings.Fields(status)
	if len(f) != 3 {
		return false
	}
	switch f[2] {
	case "installed", "half-installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending":
		return true
	}
	return false
}

// parseDpkgStatus reads a dpkg status file (or one status.d stanza file) into packages, with
// their conffiles; file lists and md5sums are added by the caller.
func parseDpkgStatus(text, location string) []Package {
	var out []Package
	for _, s := range parseStanzas(text) {
		name := s["Package"]
		if name == "" || s["Version"] == "" {
			continue
		}
		if st, ok := s["Status"]; ok && !dpkgInstalled(st) {
			continue
		}
		p := Package{Ecosystem: Deb, Name: name, Version: s["Version"], Arch: s["Architecture"], Location: location,
			Supplier: s["Maintainer"], provides: dpkgRelationNames(s["Provides"])}
		for _, field := range []string{"Pre-Depends", "Depends"} {
			p.requires = append(p.requires, dpkgRelations(s[field])...)
		}
		if src := s["Source"]; src != "" {
			// "Source: glibc" or "Source: glibc (2.36-9)" when the versions differ.
			srcName, srcVer, _ := strings.Cut(src, " ")
			if srcName != name {
				p.Source = srcName
			}
			if v := strings.Trim(strings.TrimSpace(srcVer), "()"); v != "" && v != p.Version {
				p.SourceVersion = v
			}
		}
		for _, line := range strings.Split(s["Conffiles"], "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && strings.HasPrefix(f[0], "/") {
				cf := File{Path: path.Clean(f[0]), Conffile: true}
				// "newconffile" marks one not yet configured; "obsolete" one the package dropped.
				if isMD5(f[1]) && !(len(f) > 2 && f[2] == "obsolete") {
					cf.Algorithm, cf.Digest = MD5, strings.ToLower(f[1])
				}
				p.Files = append(p.Files, cf)
			}
		}
		out = append(out, p)
	}
	return out
}

// dpkgInfoName splits /var/lib/dpkg/info/libc6:amd64.md5sums into ("libc6", "amd64", "md5sums").
func dpkgInfoName(p string) (name, arch, kind string) {
	base := path.Base(p)
	i := strings.LastIndexByte(base, '.')
	if i < 0 {
		return "", "", ""
	}
	name, kind = base[:i], base[i+1:]
	name, arch, _ = strings.Cut(name, ":")
	return name, arch, kind
}

// parseMD5sums reads an md5sums file: "hash  relative/path" lines.
func parseMD5sums(text string) map[string]string {
	m := make(map[string]string)
	for _, line := range strings.Split(text, "\n") {
		if len(line) < 34 {
			continue
		}
		sum, rest, ok := strings.Cut(line, " ")
		if !ok || !isMD5(sum) {
			continue
		}
		p := strings.TrimLeft(rest, " *")
		m[path.Clean("/"+p)] = strings.ToLower(sum)
	}
	return m
}

// isMD5 reports whether s is an md5 digest in hex (either case).
func isMD5(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// parseList reads a .list file: one absolute path per line, directories included.
func parseList(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || line == "/." {
			continue
		}
		out = append(out, path.Clean(line))
	}
	return out
}

// Diversion is a dpkg diversion: files other packages install at From land at To.
type Diversion struct {
	From, To string
	// Package is the diverting package, "" for a local diversion.
	Package string
}

// parseDiversions reads /var/lib/dpkg/diversions: triples of lines.
func parseDiversions(text string) []Diversion {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	var out []Diversion
	for i := 0; i+2 < len(lines); i += 3 {
		d := Diversion{From: path.Clean(lines[i]), To: path.Clean(lines[i+1]), Package: lines[i+2]}
		if d.Package == ":" {
			d.Package = ""
		}
		out = append(out, d)
	}
	return out
}

// dpkgRelations reads a Depends-style field: "a (>= 1), b | c:any, d [amd64] <!nocheck>" is
// [[a] [b c] [d]], versions, architecture qualifiers and restrictions dropped.
func dpkgRelations(field string) [][]string {
	var out [][]string
	for _, group := range strings.Split(field, ",") {
		var alts []string
		for _, alt := range strings.Split(group, "|") {
			if n := dpkgRelationName(alt); n != "" {
				alts = append(alts, n)
			}
		}
		if len(alts) > 0 {
			out = append(out, alts)
		}
	}
	return out
}

// dpkgRelationNames reads a Provides field: "a (= 1), b" is [a b].
func dpkgRelationNames(field string) []string {
	var out []string
	for _, group := range dpkgRelations(field) {
		out = append(out, group...)
	}
	return out
}

func dpkgRelationName(rel string) string {
	rel = strings.TrimSpace(rel)
	if i := strings.IndexAny(rel, " \t\n([<"); i >= 0 {
		rel = rel[:i]
	}
	name, _, _ := strings.Cut(rel, ":") // foo:any, foo:native, foo:amd64
	return name
}
