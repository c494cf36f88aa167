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
	return Package{Ecosystem: PyPI, Name: h["Name"], Version: h["Version"], Location: location}, true
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
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if json.Unmarshal(data, &m) != nil || m.Name == "" || m.Version == "" {
		return Package{}, false
	}
	return Package{Ecosystem: NPM, Name: m.Name, Version: m.Version, Location: location}, true
}
