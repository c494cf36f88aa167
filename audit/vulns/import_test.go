package vulns_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/strata-forensics/strata/audit/vulns"
)

// dump is the advisory data of a database file, for comparing states.
func dump(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, modified, summary, aliases, state, cvss FROM advisories ORDER BY id`,
		`SELECT advisory_id, ecosystem, name, ranges, versions, specific FROM affected ORDER BY advisory_id, ecosystem, name`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func curlCVE(id, fix, modified string) rec {
	r := debianCVE(id, "curl", fix, "medium", "")
	r.Modified = modified
	return r
}

func TestImportModifiedWithdrawnDeleted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, vulns.FileName)
	db, err := vulns.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Two exports of the same source, a month apart: B was updated, C added, and D withdrawn.
	older := writeExport(t, filepath.Join(dir, "june"),
		curlCVE("CVE-2099-0001", "7.88.1-10+deb12u1", "2024-06-01T00:00:00Z"),
		curlCVE("CVE-2099-0002", "7.88.1-10+deb12u2", "2024-06-01T00:00:00Z"),
		curlCVE("CVE-2099-0004", "7.88.1-10+deb12u4", "2024-06-01T00:00:00Z"))
	withdrawn := curlCVE("CVE-2099-0004", "7.88.1-10+deb12u4", "2024-07-01T00:00:00Z")
	withdrawn.Withdrawn = "2024-07-01T00:00:00Z"
	newer := writeExport(t, filepath.Join(dir, "july"),
		curlCVE("CVE-2099-0001", "7.88.1-10+deb12u1", "2024-06-01T00:00:00Z"),
		curlCVE("CVE-2099-0002", "7.88.1-10+deb12u5", "2024-07-01T00:00:00Z"),
		curlCVE("CVE-2099-0003", "7.88.1-10+deb12u5", "2024-07-01T00:00:00Z"),
		withdrawn)
	opts := vulns.ImportOptions{Source: "Debian"}

	res := importDir(t, db, newer, opts)
	if c := res.Changes; c != (vulns.Changes{Added: 3, Withdrawn: 1}) || res.NewestModified.Format("2006-01") != "2024-07" {
		t.Errorf("first import: %+v, newest %s", c, res.NewestModified)
	}
	state := dump(t, dbPath)

	// An older copy of the same source changes nothing, and retires nothing.
	res = importDir(t, db, older, opts)
	if c := res.Changes; c != (vulns.Changes{Unchanged: 3}) || !res.Stale {
		t.Errorf("older copy: %+v stale=%v, want 3 unchanged and stale", c, res.Stale)
	}
	if got := dump(t, dbPath); got != state {
		t.Errorf("re-importing an older export changed the database:\nbefore\n%s\nafter\n%s", state, got)
	}
	// Under another source name too: records are never replaced by older copies.
	importDir(t, db, older, vulns.ImportOptions{Source: "june-backup"})
	if got := dump(t, dbPath); got != state {
		t.Errorf("an older export under another name changed the database:\n%s", got)
	}

	// The next full export no longer holds CVE-2099-0001: it stops matching.
	august := writeExport(t, filepath.Join(dir, "august"),
		curlCVE("CVE-2099-0002", "7.88.1-10+deb12u5", "2024-07-01T00:00:00Z"),
		curlCVE("CVE-2099-0003", "7.88.1-10+deb12u5", "2024-08-01T00:00:00Z"),
		withdrawn)
	res = importDir(t, db, august, opts)
	if c := res.Changes; c.Deleted != 0 {
		t.Errorf("CVE-2099-0001 is still in the june-backup source: %+v", c)
	}
	importDir(t, db, august, vulns.ImportOptions{Source: "june-backup"}) // that source's next full export too
	inv := dpkgInventory(t, "Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u1\n")
	ms, err := db.Match(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Advisory.ID+" "+m.Fixed)
	}
	if want := "[DEBIAN-CVE-2099-0002 7.88.1-10+deb12u5 DEBIAN-CVE-2099-0003 7.88.1-10+deb12u5]"; fmt.Sprint(ids) != want {
		t.Errorf("matches after the deletion and withdrawal: %v, want %s", ids, want)
	}
	st, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Advisories != 2 || st.Withdrawn != 1 || st.Deleted != 1 || st.NewestModified.Format("2006-01") != "2024-08" {
		t.Errorf("status: %d standing, %d withdrawn, %d deleted, newest %s", st.Advisories, st.Withdrawn, st.Deleted, st.NewestModified)
	}
	// The older export cannot bring the deleted or the withdrawn record back.
	state = dump(t, dbPath)
	importDir(t, db, older, vulns.ImportOptions{Source: "yet another"})
	if got := dump(t, dbPath); got != state {
		t.Errorf("an old export resurrected retired records:\n%s", got)
	}
	// A partial import retires nothing.
	partial := writeExport(t, filepath.Join(dir, "one"), curlCVE("CVE-2099-0003", "7.88.1-10+deb12u5", "2024-08-01T00:00:00Z"))
	if res := importDir(t, db, partial, vulns.ImportOptions{Source: "Debian", Partial: true}); res.Changes.Deleted != 0 {
		t.Errorf("partial import retired %d records", res.Changes.Deleted)
	}
	if st2, _ := db.Status(ctx); st2.Advisories != 2 {
		t.Errorf("after a partial import: %d standing, want 2", st2.Advisories)
	}
}

func TestImportProblems(t *testing.T) {
	dir := writeExport(t, t.TempDir(), curlCVE("CVE-2099-0001", "7.88.1-10+deb12u1", "2024-06-01T00:00:00Z"))
	bad := map[string]string{
		"broken.json":      `{"id": "X", "modified": `,
		"no-id.json":       `{"modified": "2024-01-01T00:00:00Z"}`,
		"bad-time.json":    `{"id": "Y", "modified": "yesterday"}`,
		"sub/README.md":    "not JSON, not imported",
		"sub/nested.json":  curlCVE("CVE-2099-0009", "7.88.1-10+deb12u9", "2024-06-01T00:00:00Z").JSON(),
		"sub/garbage.json": "\x00\x01",
	}
	for name, body := range bad {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := openDB(t)
	res := importDir(t, db, dir, vulns.ImportOptions{})
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.File)
		if p.Error == "" {
			t.Errorf("%s: no reason given", p.File)
		}
	}
	if want := "[bad-time.json broken.json no-id.json sub/garbage.json]"; fmt.Sprint(got) != want || res.Advisories != 2 {
		t.Errorf("problems %v (%d imported), want %s and 2 imported", got, res.Advisories, want)
	}

	// --strict: the first failure aborts and the database is unchanged.
	strictDB := openDB(t)
	_, err := strictDB.Import(context.Background(), dir, vulns.ImportOptions{Strict: true})
	var se *vulns.StrictError
	if !errors.As(err, &se) || se.Problem.File != "bad-time.json" || !strings.Contains(err.Error(), dir) {
		t.Errorf("strict import: %v, want a StrictError naming bad-time.json and the export", err)
	}
	if st, _ := strictDB.Status(context.Background()); st.Advisories != 0 || len(st.Sources) != 0 {
		t.Errorf("a failed strict import left %d advisories, %d sources", st.Advisories, len(st.Sources))
	}
	if _, err := db.Import(context.Background(), filepath.Join(dir, "missing"), vulns.ImportOptions{}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("importing a missing path: %v", err)
	}
}

// Many processes opening a new database and importing at once: each migration runs once,
// in a transaction that reads the schema version inside it, and the importers queue.
func TestConcurrentImporters(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), vulns.FileName)
	export := writeExport(t, t.TempDir(), curlCVE("CVE-2099-0001", "7.88.1-10+deb12u1", "2024-06-01T00:00:00Z"))
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			db, err := vulns.Open(dbPath)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			if _, err := db.Import(context.Background(), export, vulns.ImportOptions{Source: fmt.Sprint("importer ", i)}); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	db, err := vulns.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if st, _ := db.Status(context.Background()); len(st.Sources) != n || st.Advisories != 1 {
		t.Errorf("%d sources, %d advisories; want %d and 1", len(st.Sources), st.Advisories, n)
	}
}
