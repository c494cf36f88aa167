package accept

import (
	"strings"
	"time"

	"github.com/openvex/go-vex/pkg/vex"

	"github.com/strata-forensics/strata/audit"
)

// imageProducts are the identifiers a VEX product may name the scanned image by: its
// manifest and config digests (with and without the algorithm) and an OCI package URL per tag.
func imageProducts(r *audit.Result) []string {
	if r.Image == nil {
		return nil
	}
	img := r.Image
	var out []string
	for _, d := range []string{img.Digest, img.ConfigDigest} {
		if d != "" {
			_, hex, _ := strings.Cut(d, ":")
			out = append(out, d, hex)
		}
	}
	if img.Digest != "" {
		for _, tag := range img.Tags {
			repo, t := tag, ""
			if i := strings.LastIndex(tag, ":"); i > strings.LastIndex(tag, "/") {
				repo, t = tag[:i], tag[i+1:]
			}
			name := repo[strings.LastIndex(repo, "/")+1:]
			purl := "pkg:oci/" + name + "@" + strings.Replace(img.Digest, ":", "%3A", 1) + "?repository_url=" + repo
			if t != "" {
				purl += "&tag=" + t
			}
			out = append(out, purl)
		}
	}
	return out
}

// statement returns the latest statement of the document that says the finding's
// vulnerability does not affect (not_affected) or no longer affects (fixed) its package, in
// the image or anywhere; nil when the latest statement that applies says otherwise, or none
// applies. The vulnerability matches by any of its ids; the package by the package URLs of
// its binaries (and of its source package, arch=source), as a product of its own or as a
// subcomponent of the image.
func (d Document) statement(v *audit.Vulnerability, products []string) *vex.Statement {
	ids := append(append([]string{v.ID}, v.Advisories...), v.Aliases...)
	var purls []string
	for _, b := range v.Binaries {
		purls = append(purls, b.PURL)
	}
	if src := sourcePURL(v); src != "" {
		purls = append(purls, src)
	}
	var docTime time.Time
	if d.Doc.Timestamp != nil {
		docTime = *d.Doc.Timestamp
	}
	var latest *vex.Statement
	var latestAt time.Time
	for i := range d.Doc.Statements {
		st := &d.Doc.Statements[i]
		if !matchesAny(st, ids, products, purls) {
			continue
		}
		at := docTime
		if st.Timestamp != nil && !st.Timestamp.IsZero() {
			at = *st.Timestamp
		}
		if latest == nil || !at.Before(latestAt) {
			latest, latestAt = st, at
		}
	}
	if latest == nil || (latest.Status != vex.StatusNotAffected && latest.Status != vex.StatusFixed) {
		return nil
	}
	return latest
}

func matchesAny(st *vex.Statement, ids, products, purls []string) bool {
	for _, id := range ids {
		if !st.Vulnerability.Matches(id) {
			continue
		}
		for _, p := range purls {
			if st.Matches(id, p, nil) {
				return true
			}
		}
		for _, prod := range products {
			if st.Matches(id, prod, purls) {
				return true
			}
		}
	}
	return false
}

// sourcePURL is the package URL of a distribution package's source ("pkg:deb/debian/openssl?arch=source"),
// from the first binary's URL; "" for language packages.
func sourcePURL(v *audit.Vulnerability) string {
	if len(v.Binaries) == 0 {
		return ""
	}
	b := v.Binaries[0].PURL
	typ, rest, ok := strings.Cut(strings.TrimPrefix(b, "pkg:"), "/")
	if !ok || (typ != "deb" && typ != "apk" && typ != "rpm") {
		return ""
	}
	ns, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	out := "pkg:" + typ + "/" + ns + "/" + v.Package + "@" + strings.NewReplacer("+", "%2B", ":", "%3A").Replace(v.Installed) + "?arch=source"
	if _, q, ok := strings.Cut(b, "?"); ok {
		for _, kv := range strings.Split(q, "&") {
			if strings.HasPrefix(kv, "distro=") {
				out += "&" + kv
			}
		}
	}
	return out
}
