package vulns

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"

	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver
)

// FileName is the advisory database's file in Strata's data directory. It is its own SQLite
// file, apart from the scan history, so that it can be copied to air-gapped machines alone.
const FileName = "vulndb.sqlite"

// DB is the offline advisory database.
type DB struct {
	db *sql.DB
}

// migrations are applied in order; PRAGMA user_version counts those applied.
var migrations = []string{
	`CREATE TABLE sources (
		id INTEGER PRIMARY KEY,
		path TEXT NOT NULL,
		sha256 TEXT NOT NULL,
		imported_at TEXT NOT NULL,
		advisories INTEGER NOT NULL
	);
	CREATE TABLE advisories (
		id TEXT PRIMARY KEY,
		source_id INTEGER NOT NULL REFERENCES sources(id),
		modified TEXT NOT NULL,
		published TEXT NOT NULL,
		summary TEXT NOT NULL,
		severity TEXT NOT NULL,
		aliases TEXT NOT NULL
	);
	CREATE TABLE affected (
		advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
		ecosystem TEXT NOT NULL,
		base TEXT NOT NULL,
		name TEXT NOT NULL,
		ranges TEXT NOT NULL,
		versions TEXT NOT NULL
	);
	CREATE INDEX affected_by_package ON affected(base, name);
	CREATE INDEX affected_by_advisory ON affected(advisory_id);`,
}

// dsn holds the connection options, each for a reason.
func dsn(path string) string {
	return "file:" + path +
		"?_foreign_keys=on" + // affected rows go with their advisory
		"&_journal_mode=WAL" + // scans read while an import writes
		"&_busy_timeout=5000" + // wait for a writer instead of failing at once
		"&_synchronous=NORMAL" // safe with WAL, much faster imports
}

// Open opens (creating and migrating when needed) the database at path.
func Open(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("opening vulnerability database: %w", err)
	}
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("opening vulnerability database %s: %w", path, err)
	}
	d := &DB{db: db}
	if err := d.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening vulnerability database %s: %w", path, err)
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

func (d *DB) migrate() error {
	var v int
	if err := d.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	for i := v; i < len(migrations); i++ {
		err := d.tx(context.Background(), func(tx *sql.Tx) error {
			if _, err := tx.Exec(migrations[i]); err != nil {
				return err
			}
			_, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrating to schema %d: %w", i+1, err)
		}
	}
	return nil
}

// tx runs fn in a transaction that is rolled back unless fn succeeds.
func (d *DB) tx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Source is one import.
type Source struct {
	ID         int64     `json:"id"`
	Path       string    `json:"path"`
	SHA256     string    `json:"sha256"`
	ImportedAt time.Time `json:"imported_at"`
	Advisories int       `json:"advisories"`
}

// ImportResult says what an import did.
type ImportResult struct {
	Source
	// Skipped counts files that were not OSV records (or withdrawn ones); Problems names a
	// few of them.
	Skipped  int      `json:"skipped"`
	Problems []string `json:"problems,omitempty"`
}

// Import loads a directory or zip of OSV JSON files. An advisory already in the database is
// replaced by the imported one. now is the import time to record.
func (d *DB) Import(ctx context.Context, path string, now time.Time) (*ImportResult, error) {
	res := &ImportResult{Source: Source{Path: path, ImportedAt: now.UTC()}}
	var advisories []*Advisory
	h := sha256.New()
	add := func(name string, data []byte) {
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%s %x\n", name, sum)
		a, err := ParseOSV(data)
		if err != nil || a == nil {
			res.Skipped++
			if err != nil && len(res.Problems) < 5 {
				res.Problems = append(res.Problems, name+": "+err.Error())
			}
			return
		}
		advisories = append(advisories, a)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", path, err)
	}
	if fi.IsDir() {
		var names []string
		err = filepath.WalkDir(path, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.HasSuffix(p, ".json") {
				names = append(names, p)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("importing %s: %w", path, err)
		}
		sort.Strings(names)
		for _, p := range names {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("importing %s: %w", path, err)
			}
			rel, _ := filepath.Rel(path, p)
			add(filepath.ToSlash(rel), data)
		}
	} else {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, fmt.Errorf("importing %s: not a directory or zip of OSV JSON files: %w", path, err)
		}
		defer zr.Close()
		files := append([]*zip.File(nil), zr.File...)
		sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
		for _, f := range files {
			if !strings.HasSuffix(f.Name, ".json") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("importing %s: %s: %w", path, f.Name, err)
			}
			data, err := io.ReadAll(io.LimitReader(rc, 64<<20))
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("importing %s: %s: %w", path, f.Name, err)
			}
			add(f.Name, data)
		}
	}
	if len(advisories) == 0 {
		return nil, fmt.Errorf("importing %s: no OSV advisories found", path)
	}
	res.SHA256 = hex.EncodeToString(h.Sum(nil))
	res.Advisories = len(advisories)
	err = d.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.Exec(`INSERT INTO sources(path, sha256, imported_at, advisories) VALUES(?,?,?,?)`,
			res.Path, res.SHA256, res.ImportedAt.Format(time.RFC3339), res.Advisories)
		if err != nil {
			return err
		}
		if res.ID, err = r.LastInsertId(); err != nil {
			return err
		}
		delAff, err := tx.Prepare(`DELETE FROM affected WHERE advisory_id = ?`)
		if err != nil {
			return err
		}
		insAdv, err := tx.Prepare(`INSERT OR REPLACE INTO advisories(id, source_id, modified, published, summary, severity, aliases) VALUES(?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		insAff, err := tx.Prepare(`INSERT INTO affected(advisory_id, ecosystem, base, name, ranges, versions) VALUES(?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		for _, a := range advisories {
			if err := ctx.Err(); err != nil {
				return err
			}
			aliases, _ := json.Marshal(a.Aliases)
			if _, err := delAff.Exec(a.ID); err != nil {
				return err
			}
			if _, err := insAdv.Exec(a.ID, res.ID, a.Modified.UTC().Format(time.RFC3339), a.Published.UTC().Format(time.RFC3339), a.Summary, a.Severity, string(aliases)); err != nil {
				return err
			}
			for _, af := range a.Affected {
				base, _, _ := strings.Cut(af.Ecosystem, ":")
				ranges, _ := json.Marshal(af.Ranges)
				versions, _ := json.Marshal(af.Versions)
				if _, err := insAff.Exec(a.ID, af.Ecosystem, base, lookupName(base, af.Name), string(ranges), string(versions)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", path, err)
	}
	return res, nil
}

// lookupName is the name affected rows are indexed by: PyPI names normalized, the rest as is.
func lookupName(base, name string) string {
	if base == "PyPI" {
		return normalizePyPI(name)
	}
	return name
}

// Status is what the database holds.
type Status struct {
	Sources    []Source       `json:"sources"`
	Advisories int            `json:"advisories"`
	Ecosystems map[string]int `json:"ecosystems"`
	// LastImport is the time of the newest import, zero when none.
	LastImport time.Time `json:"last_import"`
}

// Status reports the imports and how many advisories each ecosystem has.
func (d *DB) Status(ctx context.Context) (*Status, error) {
	st := &Status{Ecosystems: map[string]int{}}
	rows, err := d.db.QueryContext(ctx, `SELECT id, path, sha256, imported_at, advisories FROM sources ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reading vulnerability database status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s Source
		var at string
		if err := rows.Scan(&s.ID, &s.Path, &s.SHA256, &at, &s.Advisories); err != nil {
			return nil, err
		}
		s.ImportedAt, _ = time.Parse(time.RFC3339, at)
		if s.ImportedAt.After(st.LastImport) {
			st.LastImport = s.ImportedAt
		}
		st.Sources = append(st.Sources, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM advisories`).Scan(&st.Advisories); err != nil {
		return nil, err
	}
	eco, err := d.db.QueryContext(ctx, `SELECT base, count(DISTINCT advisory_id) FROM affected GROUP BY base`)
	if err != nil {
		return nil, err
	}
	defer eco.Close()
	for eco.Next() {
		var b string
		var n int
		if err := eco.Scan(&b, &n); err != nil {
			return nil, err
		}
		st.Ecosystems[b] = n
	}
	return st, eco.Err()
}

// candidate is an affected row joined with its advisory.
type candidate struct {
	Advisory
	affected Affected
}

// lookup returns the affected rows for a package name in an ecosystem base ("Debian").
func (d *DB) lookup(ctx context.Context, stmt *sql.Stmt, base, name string) ([]candidate, error) {
	rows, err := stmt.QueryContext(ctx, base, lookupName(base, name))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		var ranges, versions, aliases, modified string
		if err := rows.Scan(&c.ID, &c.affected.Ecosystem, &c.affected.Name, &ranges, &versions, &c.Summary, &c.Severity, &aliases, &modified); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(ranges), &c.affected.Ranges)
		json.Unmarshal([]byte(versions), &c.affected.Versions)
		json.Unmarshal([]byte(aliases), &c.Aliases)
		c.Modified, _ = time.Parse(time.RFC3339, modified)
		out = append(out, c)
	}
	return out, rows.Err()
}

const lookupQuery = `SELECT a.id, f.ecosystem, f.name, f.ranges, f.versions, a.summary, a.severity, a.aliases, a.modified
	FROM affected f JOIN advisories a ON a.id = f.advisory_id WHERE f.base = ? AND f.name = ?`
