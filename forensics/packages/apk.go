package packages

import (
	"encoding/base64"
	"encoding/hex"
	"path"
	"strings"
)

// parseAPKInstalled reads /lib/apk/db/installed: blank-line separated records of "X:value"
// lines; F: names a directory, the R: lines after it its files, Z: the file's checksum
// ("Q1" + base64 sha1).
func parseAPKInstalled(text string) []Package {
	var out []Package
	var cur *Package
	dir := ""
	flush := func() {
		if cur != nil && cur.Name != "" {
			out = append(out, *cur)
		}
		cur, dir = nil, ""
	}
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			flush()
			continue
		}
		if len(line) < 2 || line[1] != ':' {
			continue
		}
		if cur == nil {
			cur = &Package{Ecosystem: APK, Location: apkInstalled}
		}
		v := line[2:]
		switch line[0] {
		case 'P':
			cur.Name = v
		case 'V':
			cur.Version = v
		case 'A':
			cur.Arch = v
		case 'o':
			cur.Source = v
		case 'L':
			if e := NormalizeLicense(v, false); e != "" {
				cur.Licenses = []string{e}
			}
		case 'm':
			cur.Supplier = v
		case 'D':
			for _, d := range strings.Fields(v) {
				if n := apkDependencyName(d); n != "" {
					cur.requires = append(cur.requires, []string{n})
				}
			}
		case 'p':
			for _, d := range strings.Fields(v) {
				if n := apkDependencyName(d); n != "" {
					cur.provides = append(cur.provides, n)
				}
			}
		case 'F':
			dir = v
		case 'R':
			cur.Files = append(cur.Files, File{Path: path.Clean("/" + dir + "/" + v)})
		case 'Z':
			if n := len(cur.Files); n > 0 {
				if algo, sum := apkChecksum(v); algo != "" {
					cur.Files[n-1].Algorithm, cur.Files[n-1].Digest = algo, sum
				}
			}
		}
	}
	flush()
	for i := range out {
		if out[i].Source == out[i].Name {
			out[i].Source = ""
		}
	}
	return out
}

// apkChecksum decodes "Q1<base64 sha1>" (and "Q2<base64 sha256>" of newer apk).
func apkChecksum(v string) (string, string) {
	if len(v) < 3 || v[0] != 'Q' {
		return "", ""
	}
	b, err := base64.StdEncoding.DecodeString(v[2:])
	if err != nil {
		return "", ""
	}
	switch {
	case v[1] == '1' && len(b) == 20:
		return SHA1, hex.EncodeToString(b)
	case v[1] == '2' && len(b) == 32:
		return SHA256, hex.EncodeToString(b)
	}
	return "", ""
}

// apkDependencyName reads one D: or p: word: "so:libc.musl-x86_64.so.1", "busybox>=1.36",
// "cmd:sh=1.36.1-r5"; a conflict ("!foo") is none.
func apkDependencyName(d string) string {
	if strings.HasPrefix(d, "!") {
		return ""
	}
	if i := strings.IndexAny(d, "=<>~"); i >= 0 {
		d = d[:i]
	}
	return d
}
