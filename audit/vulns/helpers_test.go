package vulns_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-forensics/strata/audit/vulns"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

// rec is an OSV record in the shapes osv.dev's Debian converters write (DSA-*, DLA-*:
// upstream naming the CVE and its DEBIAN-CVE record, no severity; DEBIAN-CVE-*: upstream the
// CVE, an NVD CVSS vector, one affected entry per release with the tracker's urgency in
// ecosystem_specific) and that PyPI, npm and GitHub records have.
type rec struct {
	ID, Modified, Withdrawn, Summary string
	Aliases, Upstream                []string
	CVSS                             string // a CVSS_V3 vector
	Affected                         []aff
}

type aff struct {
	Eco, Name string
	Events    []event
	GitEvents []event
	Versions  []string
	Urgency   string
	NoDSA     string
	Reason    string
}

type event map[string]string

func introduced(v string) event   { return event{"introduced": v} }
func fixed(v string) event        { return event{"fixed": v} }
func lastAffected(v string) event { return event{"last_affected": v} }

func (r rec) JSON() string {
	m := map[string]any{"id": r.ID, "modified": r.Modified, "schema_version": "1.6.0"}
	if m["modified"] == "" {
		m["modified"] = "2024-06-01T00:00:00Z"
	}
	if r.Withdrawn != "" {
		m["withdrawn"] = r.Withdrawn
	}
	if r.Summary != "" {
		m["summary"] = r.Summary
	}
	if r.Aliases != nil {
		m["aliases"] = r.Aliases
	}
	if r.Upstream != nil {
		m["upstream"] = r.Upstream
	}
	if r.CVSS != "" {
		m["severity"] = []map[string]string{{"type": "CVSS_V3", "score": r.CVSS}}
	}
	var affs []map[string]any
	for _, a := range r.Affected {
		var ranges []map[string]any
		if a.GitEvents != nil {
			ranges = append(ranges, map[string]any{"type": "GIT", "repo": "https://example.test/repo", "events": a.GitEvents})
		}
		if a.Events != nil {
			typ := "ECOSYSTEM"
			if a.Eco == "npm" || a.Eco == "Go" {
				typ = "SEMVER"
			}
			ranges = append(ranges, map[string]any{"type": typ, "events": a.Events})
		}
		e := map[string]any{"package": map[string]string{"ecosystem": a.Eco, "name": a.Name}, "ranges": ranges}
		if a.Versions != nil {
			e["versions"] = a.Versions
		}
		spec := map[string]string{}
		if a.Urgency != "" {
			spec["urgency"] = a.Urgency
		}
		if a.NoDSA != "" {
			spec["nodsa"], spec["nodsa_reason"] = a.NoDSA, a.Reason
		}
		if len(spec) > 0 {
			e["ecosystem_specific"] = spec
		}
		affs = append(affs, e)
	}
	m["affected"] = affs
	b, _ := json.MarshalIndent(m, "", "  ")
	return string(b)
}

// writeExport writes records into dir as an OSV export does, one file per record.
func writeExport(t testing.TB, dir string, recs ...rec) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := os.WriteFile(filepath.Join(dir, r.ID+".json"), []byte(r.JSON()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func openDB(t testing.TB) *vulns.DB {
	t.Helper()
	db, err := vulns.Open(filepath.Join(t.TempDir(), vulns.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func importDir(t testing.TB, db *vulns.DB, dir string, opts vulns.ImportOptions) *vulns.ImportResult {
	t.Helper()
	res, err := db.Import(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const bookwormOSRelease = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"

// dpkgInventory reads the inventory of an image whose dpkg status holds stanzas, through
// the package reader a scan uses; extra files go into the same layer.
func dpkgInventory(t testing.TB, status string, extra ...imagebuild.File) *pkgs.Inventory {
	t.Helper()
	files := append([]imagebuild.File{
		imagebuild.Reg("etc/os-release", bookwormOSRelease),
		imagebuild.Reg("var/lib/dpkg/status", status),
	}, extra...)
	return readInventory(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: files, CreatedBy: "debootstrap"}}})
}

func readInventory(t testing.TB, img imagebuild.Image) *pkgs.Inventory {
	t.Helper()
	fi := openImage(t, img)
	r, err := pkgs.Read(context.Background(), fi, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return r.Inventory
}

func openImage(t testing.TB, img imagebuild.Image) *forensics.Image {
	t.Helper()
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "image.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := imagebuild.WriteOCIArchive(f, b); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, err := forensics.Open(context.Background(), p, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fi.Close() })
	return fi
}
