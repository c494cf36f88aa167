package packages

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"path"
	"strings"
)

// parsePythonMetadata reads a dist-info METADATA or an egg-info PKG-INFO.
func parsePythonMetadata(text, location string) (Package, bool) {
	h := parseHeaders(text)
	if h["Name"] == "" || h["Version"] == "" {
		return Package{}, false
	}
	return Package{Ecosystem: PyPI, Name: h["Name"], Version: h["Version"], Location: location,
		Licenses: pythonLicenses(h, headerValues(text, "Classifier"))}, true
}

// headerValues returns every value of a header field that may repeat (Classifier), which
// parseHeaders keeps only the last of.
func headerValues(text, field string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && k == field {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

// parseRecord reads a dist-info RECORD: "path,sha256=<urlsafe b64>,size" rows, paths relative
// to the directory that holds the dist-info.
func parseRecord(text, siteDir string) []File {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil && len(rows) == 0 {
		return nil
	}
	var out []File
	for _, row := range rows {
		if len(row) == 0 || row[0] == "" {
			continue
		}
		f := File{Path: path.Clean(path.Join(siteDir, row[0]))}
		if len(row) > 1 {
			if algo, sum, ok := strings.Cut(row[1], "="); ok && algo == "sha256" {
				if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(sum, "=")); err == nil && len(b) == 32 {
					f.Algorithm, f.Digest = SHA256, hex.EncodeToString(b)
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// parsePackageJSON reads an npm package.json.
func parsePackageJSON(data []byte, location string) (Package, bool) {
	var m struct {
		Name     string          `json:"name"`
		Version  string          `json:"version"`
		License  json.RawMessage `json:"license"`
		Licenses json.RawMessage `json:"licenses"`
	}
	if json.Unmarshal(data, &m) != nil || m.Name == "" || m.Version == "" {
		return Package{}, false
	}
	return Package{Ecosystem: NPM, Name: m.Name, Version: m.Version, Location: location, Licenses: npmLicenses(m.License, m.Licenses)}, true
}

// npmLicenses reads package.json's license: an SPDX expression ("MIT", "(MIT OR Apache-2.0)"),
// or the deprecated {"type": "MIT"} object and "licenses": [{"type": ...}] list.
func npmLicenses(license, licenses json.RawMessage) []string {
	type typed struct {
		Type string `json:"type"`
	}
	var set licenseSet
	var s string
	var t typed
	var list []typed
	switch {
	case json.Unmarshal(license, &s) == nil:
		if !strings.HasPrefix(strings.ToUpper(s), "SEE LICENSE") { // "SEE LICENSE IN <file>" names no license
			set.add(NormalizeLicense(s, false))
		}
	case json.Unmarshal(license, &t) == nil:
		set.add(NormalizeLicense(t.Type, false))
	}
	if len(set.list) == 0 && json.Unmarshal(licenses, &list) == nil {
		for _, l := range list {
			set.add(NormalizeLicense(l.Type, false))
		}
	}
	return set.list
}
