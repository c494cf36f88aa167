package vulns

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
	pep440 "github.com/aquasecurity/go-pep440-version"
	apkver "github.com/knqyf263/go-apk-version"
	debver "github.com/knqyf263/go-deb-version"
	rpmver "github.com/knqyf263/go-rpm-version"
)

// Ordering compares versions of one ecosystem: negative when a < b, 0 when equal, positive
// when a > b; an error when either is not a version of the ecosystem.
type Ordering func(a, b string) (int, error)

// OrderingFor returns the version ordering of an OSV ecosystem ("Debian:12", "Alpine:v3.19",
// "PyPI", "npm", "Go", "Maven", "Red Hat", ...).
func OrderingFor(ecosystem string) Ordering {
	base, _, _ := strings.Cut(ecosystem, ":")
	switch base {
	case "Debian", "Ubuntu":
		return CompareDebian
	case "Alpine", "Wolfi", "Chainguard":
		return CompareAPK
	case "Red Hat", "AlmaLinux", "Rocky Linux", "openSUSE", "SUSE", "Mageia", "Photon OS", "Azure Linux", "openEuler":
		return CompareRPM
	case "PyPI":
		return ComparePEP440
	}
	return CompareSemver
}

// CompareDebian orders Debian versions: epochs, upstream, revision; "~" sorts before anything.
func CompareDebian(a, b string) (int, error) {
	va, err := debver.NewVersion(a)
	if err != nil {
		return 0, fmt.Errorf("debian version %q: %w", a, err)
	}
	vb, err := debver.NewVersion(b)
	if err != nil {
		return 0, fmt.Errorf("debian version %q: %w", b, err)
	}
	return va.Compare(vb), nil
}

// CompareAPK orders Alpine package versions (1.2.3_rc1-r0).
func CompareAPK(a, b string) (int, error) {
	va, err := apkver.NewVersion(a)
	if err != nil {
		return 0, fmt.Errorf("apk version %q: %w", a, err)
	}
	vb, err := apkver.NewVersion(b)
	if err != nil {
		return 0, fmt.Errorf("apk version %q: %w", b, err)
	}
	return va.Compare(vb), nil
}

// CompareRPM orders rpm [epoch:]version-release strings as rpmvercmp does.
func CompareRPM(a, b string) (int, error) {
	return rpmver.NewVersion(a).Compare(rpmver.NewVersion(b)), nil
}

// ComparePEP440 orders Python versions (1.0a1 < 1.0rc1 < 1.0 < 1.0.post1).
func ComparePEP440(a, b string) (int, error) {
	va, err := pep440.Parse(a)
	if err != nil {
		return 0, fmt.Errorf("PEP 440 version %q: %w", a, err)
	}
	vb, err := pep440.Parse(b)
	if err != nil {
		return 0, fmt.Errorf("PEP 440 version %q: %w", b, err)
	}
	return va.Compare(vb), nil
}

// CompareSemver orders semantic versions (npm, Go modules without their "v", crates, Maven
// versions that are semver-like); "v" prefixes are ignored.
func CompareSemver(a, b string) (int, error) {
	va, err := semver.NewVersion(strings.TrimPrefix(a, "v"))
	if err != nil {
		return 0, fmt.Errorf("semantic version %q: %w", a, err)
	}
	vb, err := semver.NewVersion(strings.TrimPrefix(b, "v"))
	if err != nil {
		return 0, fmt.Errorf("semantic version %q: %w", b, err)
	}
	return va.Compare(vb), nil
}
