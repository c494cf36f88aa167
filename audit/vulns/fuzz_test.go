package vulns_test

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit/vulns"
)

// seedRecords are OSV records of the shapes the converters write, from this package's builder.
func seedRecords() []string {
	return []string{
		rec{ID: "DSA-5550-1", Upstream: []string{"CVE-2023-0001", "DEBIAN-CVE-2023-0001"}, Summary: "openssl security update",
			Affected: []aff{{Eco: "Debian:12", Name: "openssl", Events: []event{introduced("0"), fixed("3.0.11-1~deb12u2")}}}}.JSON(),
		rec{ID: "GHSA-jfh8-c2jp-5v3q", Aliases: []string{"CVE-2021-44228"}, CVSS: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
			Affected: []aff{{Eco: "Maven", Name: "org.apache.logging.log4j:log4j-core", Events: []event{introduced("2.0"), fixed("2.15.0")}}}}.JSON(),
		rec{ID: "PYSEC-2023-74", Affected: []aff{{Eco: "PyPI", Name: "requests", Versions: []string{"2.30.0"}, Events: []event{introduced("2.3.0"), lastAffected("2.30.0")}}}}.JSON(),
		rec{ID: "X-1", Withdrawn: "2024-01-01T00:00:00Z"}.JSON(),
	}
}

// FuzzParseOSV reads arbitrary OSV records: a record read has an id and a known severity
// word, and every package it names has an ecosystem and a name.
func FuzzParseOSV(f *testing.F) {
	for _, r := range seedRecords() {
		f.Add([]byte(r))
	}
	f.Add([]byte(`{"id":"X-2","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],"database_specific":{"severity":"MODERATE"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := vulns.ParseOSV(data)
		if err != nil {
			return
		}
		if a == nil || a.ID == "" {
			t.Fatalf("advisory %+v without an id and no error", a)
		}
		switch a.Rating {
		case "", "low", "medium", "high", "critical":
		default:
			t.Fatalf("rating %q", a.Rating)
		}
	})
}

// FuzzImportZip imports an arbitrary zip of OSV records (the seed: a zip of this package's
// sample records) into a database: an error names the file, and an import counts the records
// it read and says which files it could not.
func FuzzImportZip(f *testing.F) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i, r := range seedRecords() {
		w, _ := zw.Create("advisories/" + string(rune('a'+i)) + ".json")
		w.Write([]byte(r))
	}
	zw.Close()
	f.Add(b.Bytes())
	dir := f.TempDir()
	db, err := vulns.Open(filepath.Join(dir, vulns.FileName))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "osv.zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := db.Import(context.Background(), p, vulns.ImportOptions{Now: time.Unix(0, 0), Source: "fuzz", Partial: true})
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not name the input", err)
			}
			return
		}
		if res.Advisories < 0 || len(res.SHA256) != 64 {
			t.Fatalf("import %+v", res)
		}
		for _, pr := range res.Problems {
			if pr.File == "" || pr.Error == "" {
				t.Fatalf("problem %+v", pr)
			}
		}
	})
}
