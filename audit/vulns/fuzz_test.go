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

// FuzzParseOSV reads arbitrary OSV records (the seeds are the test advisories): a record read
// has an id, a known severity word, and every package it names has an ecosystem and a name.
func FuzzParseOSV(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "osv", "*.json"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"id":"X-1","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],"affected":[{"package":{"ecosystem":"Debian:12","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"}]}]}]}`))
	f.Add([]byte(`{"id":"X-2","withdrawn":"2024-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := vulns.ParseOSV(data)
		if err != nil || a == nil {
			return
		}
		if a.ID == "" {
			t.Fatalf("advisory without an id: %+v", a)
		}
		switch a.Severity {
		case "", "low", "medium", "high", "critical":
		default:
			t.Fatalf("severity %q", a.Severity)
		}
	})
}

// FuzzImportZip imports an arbitrary zip of OSV records (the seed: the test advisories): an
// error names the file, and an import counts every record it read.
func FuzzImportZip(f *testing.F) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	files, _ := filepath.Glob(filepath.Join("testdata", "osv", "*.json"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		w, _ := zw.Create("advisories/" + filepath.Base(p))
		w.Write(data)
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
		res, err := db.Import(context.Background(), p, time.Unix(0, 0))
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not name the input", err)
			}
			return
		}
		if res.Advisories < 1 || res.Skipped < 0 || len(res.SHA256) != 64 {
			t.Fatalf("import %+v", res)
		}
	})
}
