package vulns

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
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

// migrations are applied in order; PRAGMA user_version counts those applied. They only grow.
var migrations = []string{
	// 1: imports, advisories and the packages they name.
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
	// 2: named sources whose full re-imports retire what they no longer hold; advisories keep
	// their state (withdrawn and deleted ones stay as tombstones, so that an older copy cannot
	// bring them back), their CVSS vectors and each package's distribution statements.
	`ALTER TABLE sources ADD COLUMN name TEXT NOT NULL DEFAULT '';
	ALTER TABLE sources ADD COLUMN full INTEGER NOT NULL DEFAULT 1;
	ALTER TABLE sources ADD COLUMN newest_modified TEXT NOT NULL DEFAULT '';
	ALTER TABLE sources ADD COLUMN changes TEXT NOT NULL DEFAULT '{}';
	UPDATE sources SET name = path;
	CREATE INDEX sources_name ON sources(name);
	ALTER TABLE advisories ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
	ALTER TABLE advisories ADD COLUMN cvss TEXT NOT NULL DEFAULT '[]';
	CREATE INDEX advisories_modified ON advisories(modified);
	ALTER TABLE affected ADD COLUMN specific TEXT NOT NULL DEFAULT '{}';
	CREATE TABLE advisory_sources (
		advisory_id TEXT NOT NULL,
		source TEXT NOT NULL,
		import_id INTEGER NOT NULL,
		PRIMARY KEY (advisory_id, source)
	) WITHOUT ROWID;
	CREATE INDEX advisory_sources_source ON advisory_sources(source, import_id);
	INSERT INTO advisory_sources (advisory_id, source, import_id)
		SELECT a.id, s.path, s.id FROM advisories a JOIN sources s ON s.id = a.source_id;`,
}

// Advisory states.
const (
	stateActive    = "active"
	stateWithdrawn = "withdrawn"
	stateDeleted   = "deleted"
)

// dsn holds the connection options, each for a reason.
func dsn(path string) string {
	return "file:" + path +
		"?_foreign_keys=on" + // affected rows go with their advisory
		"&_journal_mode=WAL" + // scans read while an import writes
		"&_busy_timeout=300000" + // an import of a whole export holds the write lock for a while: wait for it
		"&_synchronous=NORMAL" + // safe with WAL, much faster imports
		"&_txlock=immediate" // a transaction takes the write lock when it begins: two importers (or two migrations) queue instead of one failing on upgrade
}

// Open opens (creating and migrating when needed) the database at path.
func Open(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("opening vulnerability database %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("opening vulnerability database %s: %w", path, err)
	}
	d := &DB{db: db}
	if err := d.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening vulnerability database %s: %w", path, err)
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// migrate applies the migrations the database lacks in one immediate transaction that reads
// the schema version inside it: processes opening a new database at once migrate it once.
func (d *DB) migrate(ctx context.Context) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return fmt.Errorf("reading schema version: %w", err)
		}
		if v > len(migrations) {
			return fmt.Errorf("the database has schema version %d; this strata knows up to %d (upgrade strata)", v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migrating to schema %d: %w", i+1, err)
			}
		}
		if v != len(migrations) {
			// PRAGMA takes no parameters; the value is our own integer.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
				return fmt.Errorf("setting schema version: %w", err)
			}
		}
		return nil
	})
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

// timeLayout stores times as fixed-width UTC text, so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func readTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t.UTC()
}

// Status is what the database holds.
type Status struct {
	Sources []Source `json:"sources"`
	// Advisories counts the standing advisories; Withdrawn and Deleted the retired ones kept
	// as tombstones.
	Advisories int            `json:"advisories"`
	Withdrawn  int            `json:"withdrawn"`
	Deleted    int            `json:"deleted"`
	Ecosystems map[string]int `json:"ecosystems"`
	// LastImport is the time of the newest import, zero when none; NewestModified the newest
	// `modified` of the data itself, which says how current it is.
	LastImport     time.Time `json:"last_import"`
	NewestModified time.Time `json:"newest_modified"`
}

// Status reports the imports, the data's age and how many advisories each ecosystem has.
func (d *DB) Status(ctx context.Context) (*Status, error) {
	st := &Status{Sources: []Source{}, Ecosystems: map[string]int{}}
	rows, err := d.db.QueryContext(ctx, `SELECT id, name, path, sha256, imported_at, advisories, full, newest_modified, changes FROM sources ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reading vulnerability database status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s Source
		var at, newest, changes string
		if err := rows.Scan(&s.ID, &s.Name, &s.Path, &s.SHA256, &at, &s.Advisories, &s.Full, &newest, &changes); err != nil {
			return nil, fmt.Errorf("reading vulnerability database status: %w", err)
		}
		s.ImportedAt, s.NewestModified = readTime(at), readTime(newest)
		s.Changes = parseChanges(changes)
		if s.ImportedAt.After(st.LastImport) {
			st.LastImport = s.ImportedAt
		}
		st.Sources = append(st.Sources, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	states, err := d.db.QueryContext(ctx, `SELECT state, count(*) FROM advisories GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer states.Close()
	for states.Next() {
		var state string
		var n int
		if err := states.Scan(&state, &n); err != nil {
			return nil, err
		}
		switch state {
		case stateActive:
			st.Advisories = n
		case stateWithdrawn:
			st.Withdrawn = n
		case stateDeleted:
			st.Deleted = n
		}
	}
	var newest sql.NullString
	if err := d.db.QueryRowContext(ctx, `SELECT max(modified) FROM advisories`).Scan(&newest); err != nil {
		return nil, err
	}
	st.NewestModified = readTime(newest.String)
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
