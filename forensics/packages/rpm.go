package packages

import (
	"errors"
	"fmt"
	"strings"

	"github.com/strata-forensics/strata/forensics/packages/internal/rpmdb"
)

// rpmFileConfig is RPMFILE_CONFIG: a %config file.
const rpmFileConfig = 1 << 0

// parseRPMDB reads an rpm database (SQLite, Berkeley DB or ndb) from its bytes, in memory:
// nothing is written anywhere. A database some of whose headers are malformed gives the
// packages that could be read and an error saying how many could not.
func parseRPMDB(data []byte, location string) (out []Package, err error) {
	defer recoverParser(location, &err)
	infos, err := rpmdb.Read(data)
	var partial *rpmdb.PartialError
	if err != nil && !errors.As(err, &partial) {
		return nil, fmt.Errorf("reading %s: %w", location, err)
	}
	if err != nil {
		err = fmt.Errorf("reading %s: %w", location, err)
	}
	for _, info := range infos {
		if info.Name == "gpg-pubkey" {
			continue // imported signing keys, not software
		}
		p := Package{Ecosystem: RPM, Name: info.Name, Version: info.Version + "-" + info.Release, Arch: info.Arch,
			Epoch: info.Epoch, Location: location, Supplier: info.Vendor, provides: info.Provides}
		if e := NormalizeLicense(info.License, false); e != "" {
			p.Licenses = []string{e}
		}
		for _, r := range info.Requires {
			if !strings.HasPrefix(r, "rpmlib(") { // rpm's own features, not packages
				p.requires = append(p.requires, []string{r})
			}
		}
		if src, ver := splitSourceRPM(info.SourceRPM); src != "" {
			if src != p.Name {
				p.Source = src
			}
			if ver != p.Version {
				p.SourceVersion = ver
			}
		}
		algo := ""
		switch info.DigestAlgorithm {
		case rpmdb.DigestMD5:
			algo = MD5
		case rpmdb.DigestSHA1:
			algo = SHA1
		case rpmdb.DigestSHA256:
			algo = SHA256
		case 0:
			algo = MD5 // rpm before 4.6 recorded md5 without naming it
		}
		for _, fi := range info.Files {
			// Only regular files carry digests; directories and links have none.
			f := File{Path: fi.Path, Conffile: fi.Flags&rpmFileConfig != 0}
			if fi.Digest != "" && algo != "" && fi.Mode&0o170000 == 0o100000 {
				f.Algorithm, f.Digest = algo, fi.Digest
			}
			p.Files = append(p.Files, f)
		}
		out = append(out, p)
	}
	return out, err
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
