package packages

import (
	"fmt"
	"os"
	"path"
	"strings"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
)

// rpmFileConfig is RPMFILE_CONFIG: a %config file.
const rpmFileConfig = 1 << 0

// parseRPMDB reads an rpm database (sqlite, Berkeley DB or ndb), given as bytes: go-rpmdb
// wants a file, so the bytes go to a temporary file under tempDir that is removed at once.
func parseRPMDB(data []byte, location, tempDir string) ([]Package, error) {
	f, err := os.CreateTemp(tempDir, "strata-rpmdb-*")
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", location, err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", location, err)
	}
	db, err := rpmdb.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", location, err)
	}
	defer db.Close()
	infos, err := db.ListPackages()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", location, err)
	}
	var out []Package
	for _, info := range infos {
		if info.Name == "gpg-pubkey" {
			continue // imported signing keys, not software
		}
		p := Package{Ecosystem: RPM, Name: info.Name, Version: info.Version + "-" + info.Release, Arch: info.Arch,
			Epoch: info.EpochNum(), Location: location, Supplier: info.Vendor, provides: info.Provides}
		if e := NormalizeLicense(info.License, false); e != "" {
			p.Licenses = []string{e}
		}
		for _, r := range info.Requires {
			if !strings.HasPrefix(r, "rpmlib(") { // rpm's own features, not packages
				p.requires = append(p.requires, []string{r})
			}
		}
		if src, ver := splitSourceRPM(info.SourceRpm); src != "" {
			if src != p.Name {
				p.Source = src
			}
			if ver != p.Version {
				p.SourceVersion = ver
			}
		}
		algo := ""
		switch info.DigestAlgorithm {
		case rpmdb.PGPHASHALGO_MD5:
			algo = MD5
		case rpmdb.PGPHASHALGO_SHA1:
			algo = SHA1
		case rpmdb.PGPHASHALGO_SHA256:
			algo = SHA256
		case 0:
			algo = MD5 // rpm before 4.6 recorded md5 without naming it
		}
		files, err := info.InstalledFiles()
		if err == nil {
			for _, fi := range files {
				// Only regular files carry digests; directories and links have none.
				f := File{Path: path.Clean(fi.Path), Conffile: int32(fi.Flags)&rpmFileConfig != 0}
				if fi.Digest != "" && algo != "" && fi.Mode&0o170000 == 0o100000 {
					f.Algorithm, f.Digest = algo, strings.ToLower(fi.Digest)
				}
				p.Files = append(p.Files, f)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// splitSourceRPM turns "gcc-11.2.1-1.fc35.src.rpm" into ("gcc", "11.2.1-1.fc35").
func splitSourceRPM(s string) (string, string) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, ".rpm"), ".src")
	s = strings.TrimSuffix(s, ".nosrc")
	i := strings.LastIndexByte(s, '-')
	if i <= 0 {
		return "", ""
	}
	j := strings.LastIndexByte(s[:i], '-')
	if j <= 0 {
		return "", ""
	}
	return s[:j], s[j+1:]
}
