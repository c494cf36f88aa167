package vulns_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit/vulns"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// realDebian describes the real Debian root filesystems the matching is measured on, built
// with mmdebstrap and cached in STRATA_DEBIAN_CACHE (else the repository's .cache/debian).
var realDebian = []struct {
	file string
	args []string
}{
	{"bookworm-minbase.tar", []string{"--variant=minbase", "bookworm"}},
	// Binaries versioned apart from their sources (postgresql-client, bsdutils, libbpf1,
	// cpp and gcc of gcc-defaults), with the security and point-release updates.
	{"bookworm-tools.tar", []string{"--variant=minbase", "--include=postgresql-client,gcc,cpp,iproute2,python3-pip,python3-requests,node-semver,curl,openssl", "bookworm",
		"deb http://deb.debian.org/debian bookworm main", "deb http://deb.debian.org/debian bookworm-updates main",
		"deb http://deb.debian.org/debian-security bookworm-security main"}},
}

func realRootfs(t *testing.T, file string, args []string) string {
	t.Helper()
	p, err := imagebuild.DebianRootfs(imagebuild.DebianCacheDir(), file, 30*time.Minute, args...)
	if err != nil {
		t.Skipf("the Debian root filesystems this test reads cannot be built here: %v", err)
	}
	return p
}

// statusSource is one installed binary as this test reads the dpkg status, apart from
// Strata's reader: its source package and the source's version.
type statusSource struct {
	binary, version, source, sourceVersion string
}

// readStatus parses a dpkg status file the plain way: stanzas of "Field: value" lines.
func readStatus(t *testing.T, data string) []statusSource {
	t.Helper()
	var out []statusSource
	for _, stanza := range strings.Split(data, "\n\n") {
		fields := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(stanza))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || line[0] == ' ' || line[0] == '\t' {
				continue
			}
			if k, v, ok := strings.Cut(line, ": "); ok {
				fields[k] = strings.TrimSpace(v)
			}
		}
		if fields["Package"] == "" || fields["Status"] != "install ok installed" {
			continue
		}
		s := statusSource{binary: fields["Package"], version: fields["Version"], source: fields["Package"], sourceVersion: fields["Version"]}
		if src := fields["Source"]; src != "" {
			name, ver, hasVer := strings.Cut(src, " (")
			s.source = name
			if hasVer {
				s.sourceVersion = strings.TrimSuffix(ver, ")")
			}
		}
		out = append(out, s)
	}
	return out
}

// dpkgLess asks dpkg itself whether a sorts before b.
func dpkgLess(t *testing.T, a, b string) bool {
	t.Helper()
	err := exec.Command("dpkg", "--compare-versions", a, "lt", b).Run()
	if err == nil {
		return true
	}
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		return false
	}
	t.Fatalf("dpkg --compare-versions %s lt %s: %v", a, b, err)
	return false
}

// TestRealDebianMatching measures matching on real bookworm images against advisories in
// the shapes of Debian's OSV records, written for the image's real source packages and
// versions: the findings must equal what this test computes from the image's dpkg status
// with dpkg's own version ordering (precision and recall 1.000, with the right fixed versions
// and binaries).
func TestRealDebianMatching(t *testing.T) {
	if testing.Short() {
		t.Skip("reads real Debian root filesystems")
	}
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg is not installed: it is the independent version ordering")
	}
	for _, img := range realDebian {
		t.Run(img.file, func(t *testing.T) {
			rootfs := realRootfs(t, img.file, img.args)
			status, err := exec.Command("tar", "-xOf", rootfs, "./var/lib/dpkg/status").Output()
			if err != nil {
				t.Fatalf("reading the dpkg status from %s: %v", rootfs, err)
			}
			installed := readStatus(t, string(status))
			recs, want := realAdvisories(t, installed)

			raw, err := os.ReadFile(rootfs)
			if err != nil {
				t.Fatal(err)
			}
			inv := readInventory(t, imagebuild.Image{Layers: []imagebuild.Layer{{Raw: raw, CreatedBy: "mmdebstrap"}}})
			db := openDB(t)
			importDir(t, db, writeExport(t, t.TempDir(), recs...), vulns.ImportOptions{})
			ms, err := db.Match(context.Background(), inv)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, f := range vulns.Findings(ms, inv.OS, nil) {
				v := f.Vulnerability
				var bins []string
				for _, b := range v.Binaries {
					bins = append(bins, b.Name+"="+b.Version)
				}
				got[v.ID+" "+v.Package+" "+v.Installed] = v.Fixed + " " + strings.Join(bins, ",")
			}
			right := 0
			for k, v := range got {
				if want[k] == v {
					right++
				} else {
					t.Errorf("%s: got %q, want %q", k, v, want[k])
				}
			}
			for k, v := range want {
				if _, ok := got[k]; !ok {
					t.Errorf("%s: missed (want %q)", k, v)
				}
			}
			precision, recall := float64(right)/float64(max(len(got), 1)), float64(right)/float64(max(len(want), 1))
			t.Logf("%s: %d binaries of %d source packages, %d advisories; %d findings, %d expected: precision %.3f, recall %.3f",
				img.file, len(installed), len(sourcesOf(installed)), len(recs), len(got), len(want), precision, recall)
			if precision != 1 || recall != 1 || len(want) == 0 {
				t.Errorf("precision %.3f, recall %.3f over %d expected findings", precision, recall, len(want))
			}
		})
	}
}

type sourcePkg struct{ name, version string }

func sourcesOf(installed []statusSource) map[sourcePkg][]statusSource {
	m := map[sourcePkg][]statusSource{}
	for _, s := range installed {
		k := sourcePkg{s.source, s.sourceVersion}
		m[k] = append(m[k], s)
	}
	return m
}

// realAdvisories writes, for every source package of the image, advisories in the shapes of
// Debian's OSV records, and computes the findings they must give: a fix just above the
// installed source version, one equal to it, one below it (the upstream version alone), one
// with an epoch, an open one Debian calls unimportant, a DSA for the first CVE, another
// release's record, and a record naming a binary instead of its source (Debian's records
// name sources: it must not match).
func realAdvisories(t *testing.T, installed []statusSource) ([]rec, map[string]string) {
	var recs []rec
	want := map[string]string{}
	srcs := sourcesOf(installed)
	keys := make([]sourcePkg, 0, len(srcs))
	for k := range srcs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].name+" "+keys[i].version < keys[j].name+" "+keys[j].version })
	n := 0
	for _, src := range keys {
		bins := srcs[src]
		sort.Slice(bins, func(i, j int) bool { return bins[i].binary < bins[j].binary })
		var binList []string
		for _, b := range bins {
			binList = append(binList, b.binary+"="+b.version)
		}
		upstream := src.version
		if i := strings.LastIndex(upstream, "-"); i > 0 {
			upstream = upstream[:i]
		}
		if i := strings.Index(upstream, ":"); i >= 0 {
			upstream = upstream[i+1:]
		}
		fixes := []string{src.version + "+deb12u99", src.version, upstream, "1:" + upstream}
		for i, fix := range fixes {
			n++
			cve := fmt.Sprintf("CVE-2098-%05d", n)
			r := debianCVE(cve, src.name, fix, []string{"low", "medium", "high", "not yet assigned"}[i], "")
			r.Affected = append(r.Affected, aff{Eco: "Debian:11", Name: src.name, Events: []event{introduced("0"), fixed("99:" + src.version)}})
			recs = append(recs, r)
			if dpkgLess(t, src.version, fix) {
				want[cve+" "+src.name+" "+src.version] = fix + " " + strings.Join(binList, ",")
			}
			if i == 0 {
				recs = append(recs, rec{ID: fmt.Sprintf("DSA-9%04d-1", n), Summary: src.name + " - security update", Upstream: []string{"DEBIAN-" + cve, cve},
					Affected: []aff{{Eco: "Debian:12", Name: src.name, Events: []event{introduced("0"), fixed(fix)}}}})
			}
		}
		n++
		cve := fmt.Sprintf("CVE-2098-%05d", n)
		recs = append(recs, debianCVE(cve, src.name, "", "unimportant", ""))
		want[cve+" "+src.name+" "+src.version] = " " + strings.Join(binList, ",")
		for _, b := range bins {
			if b.binary != src.name {
				n++
				recs = append(recs, debianCVE(fmt.Sprintf("CVE-2098-%05d", n), b.binary, "99:"+b.version, "high", ""))
				break
			}
		}
	}
	return recs, want
}
