package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// DefaultName is the database's file name inside Strata's data directory.
const DefaultName = "strata.db"

// driverName is go-sqlite3 registered with our per-connection setup (see connect).
const driverName = "strata-sqlite3"

var registerOnce sync.Once

// BusyTimeout is how long an open waits for another strata process's write lock before it
// fails (SQLITE_BUSY): a recording then fails, and the command says so and exits 2. Tests
// shorten it.
var BusyTimeout = 30 * time.Second

// Store is an open history database. It is safe for concurrent use, and several processes may
// use the same database at once.
type Store struct {
	db   *conn
	path string // the file, or the server's connection string without its password

	// ToolVersion, Who and Host go into every input and scan recorded, for the chain of
	// custody. Open fills Who and Host from the system; the caller sets ToolVersion.
	ToolVersion string
	Who         string
	Host        string
	// now is the clock; tests replace it.
	now func() time.Time
	// readOnly: opened by OpenReadOnly; recording fails.
	readOnly bool
}

// ReadOnly reports whether the store was opened for queries only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// dsn returns the connection string for the database at path. Every option is here, each for
// a reason:
func dsn(path string) string {
	v := url.Values{}
	// Create the file when it does not exist; Strata only ever opens its own database.
	v.Set("mode", "rwc")
	// WAL lets readers (family, trace, report) run while a scan is being recorded, and makes
	// a commit one append: a killed writer leaves the last committed state.
	v.Set("_journal_mode", "WAL")
	// FULL syncs the WAL on every commit: a recorded scan survives a power cut, which a chain
	// of custody needs more than speed.
	v.Set("_synchronous", "FULL")
	// Foreign keys are off by default in SQLite; the schema relies on them.
	v.Set("_foreign_keys", "1")
	// Another strata process may be writing: wait for it rather than fail at once.
	v.Set("_busy_timeout", strconv.FormatInt(BusyTimeout.Milliseconds(), 10))
	// BEGIN IMMEDIATE takes the write lock when a transaction starts, so two writers queue on
	// the busy timeout instead of one failing with SQLITE_BUSY when it upgrades a read lock.
	v.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

// connect runs on every new connection, for the settings a DSN cannot carry.
func connect(c *sqlite3.SQLiteConn) error {
	// Sorts and temporary indexes stay in memory: Strata writes nowhere outside its data
	// directory, and SQLite's temporary files would go to /tmp.
	_, err := c.Exec("PRAGMA temp_store = MEMORY", nil)
	return err
}

// DefaultPath returns where the database lives: $STRATA_DB when set, else strata.db in dataDir.
func DefaultPath(dataDir string) string {
	if p := os.Getenv("STRATA_DB"); p != "" {
		return p
	}
	return filepath.Join(dataDir, DefaultName)
}

// Open opens (creating when needed) the database at path and brings its schema up to date.
// path is a SQLite file, or a PostgreSQL connection string (postgres://... or
// postgresql://..., see IsServer) naming a database on a server that several stations record
// into.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("opening history: no database path")
	}
	if IsServer(path) {
		return openServer(ctx, path, false)
	}
	db, err := openDB(path)
	if err != nil {
		return nil, fmt.Errorf("opening history %s: %w", path, err)
	}
	s := &Store{db: db, path: path, now: time.Now}
	s.Who, s.Host = whoAndHost()
	if err := s.migrate(ctx, migrations); err != nil {
		db.db.Close()
		return nil, fmt.Errorf("opening history %s: %w", path, err)
	}
	return s, nil
}

func openDB(path string) (*conn, error) {
	register()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := privateFile(path); err != nil {
		return nil, err
	}
	db, err := sql.Open(driverName, dsn(path))
	if err != nil {
		return nil, err
	}
	return &conn{db: db, d: sqliteDialect{}}, nil
}

func register() {
	registerOnce.Do(func() {
		sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: connect})
	})
}

// privateFile makes sure the database file is readable by its owner alone: it holds what the
// images held (/etc/shadow among them). A new file is created 0600 (SQLite gives its -wal and
// -shm files the same mode); an existing one with group or other bits loses them.
func privateFile(path string) error {
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil && !os.IsExist(err) {
			return err
		}
		if f != nil {
			return f.Close()
		}
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		// A file we may not change (another owner, read-only media) is opened as it is.
		_ = os.Chmod(path, fi.Mode().Perm()&^0o077)
	}
	return nil
}

// dsnReadOnly is dsn for a database only read: no file created, no write lock ever taken (reads
// run in deferred transactions), nothing migrated. immutable is for a database on read-only
// media, where SQLite cannot create the WAL's shared-memory file: it then reads the file as it
// stands, with no locking.
func dsnReadOnly(path string, immutable bool) string {
	v := url.Values{}
	v.Set("mode", "ro")
	if immutable {
		v.Set("immutable", "1")
	}
	v.Set("_foreign_keys", "1")
	v.Set("_busy_timeout", strconv.FormatInt(BusyTimeout.Milliseconds(), 10))
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

// OpenReadOnly opens an existing database for queries only, as the commands that only read
// (family, tags, history, trace, store) do: it takes no write lock, so it neither waits for nor
// holds up a long recording, and it works on read-only media. The database must exist and have
// this strata's schema version: an older one is upgraded by opening it with Open (any command
// that records), a newer one needs a newer strata.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("opening history: no database path")
	}
	if IsServer(path) {
		return openServer(ctx, path, true)
	}
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("opening history %s: no database there (nothing has been recorded yet)", path)
		}
		return nil, fmt.Errorf("opening history %s: %w", path, err)
	}
	register()
	db, v, err := openReadOnly(ctx, path, false)
	if err != nil {
		// On read-only media SQLite cannot make the WAL's shared memory: read the file as it is.
		var immErr error
		if db, v, immErr = openReadOnly(ctx, path, true); immErr != nil {
			return nil, fmt.Errorf("opening history %s read-only: %w", path, err)
		}
	}
	switch {
	case v > SchemaVersion:
		db.db.Close()
		return nil, fmt.Errorf("opening history %s: the database has schema version %d; this strata knows up to %d (upgrade strata)", path, v, SchemaVersion)
	case v < SchemaVersion:
		db.db.Close()
		return nil, fmt.Errorf("opening history %s: the database has schema version %d, older than this strata's %d: run a command that records (scan, inspect) once to upgrade it", path, v, SchemaVersion)
	}
	s := &Store{db: db, path: path, now: time.Now, readOnly: true}
	s.Who, s.Host = whoAndHost()
	return s, nil
}

func openReadOnly(ctx context.Context, path string, immutable bool) (*conn, int, error) {
	db, err := sql.Open(driverName, dsnReadOnly(path, immutable))
	if err != nil {
		return nil, 0, err
	}
	c := &conn{db: db, d: sqliteDialect{}}
	v, err := c.d.schemaVersion(ctx, c)
	if err != nil {
		db.Close()
		return nil, 0, err
	}
	return c, v, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.db.Close() }

// Path returns the database file's path, or the server's connection string without its
// password.
func (s *Store) Path() string { return s.path }

// Engine names the database engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.db.d.name() }

// DB returns the underlying database handle, for queries this package does not offer. Its
// SQL is the engine's own (see Engine).
func (s *Store) DB() *sql.DB { return s.db.db }

func whoAndHost() (who, host string) {
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	if who == "" {
		who = os.Getenv("USER")
	}
	host, _ = os.Hostname()
	return who, host
}

// withTx runs fn in a transaction, appends the ledger entries of the units it wrote, and
// commits; anything short of a commit rolls back. A transaction that met a concurrent one on
// a server (a deadlock, a serialization failure) is run again, a few times.
func withTx[T any](ctx context.Context, s *Store, fn func(tx *txConn) (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, err := tryTx(ctx, s, fn)
		if err == nil || attempt == 5 || !s.db.d.retryable(err) || ctx.Err() != nil {
			return v, err
		}
		time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
	}
}

func tryTx[T any](ctx context.Context, s *Store, fn func(tx *txConn) (T, error)) (T, error) {
	var zero T
	tx, err := s.beginTx(ctx)
	if err != nil {
		return zero, err
	}
	succeeded := false
	defer func() {
		if !succeeded {
			// The error that made us roll back is the one worth reporting.
			_ = tx.tx.Rollback()
		}
	}()
	v, err := fn(tx)
	if err != nil {
		return zero, err
	}
	if err := s.commitTx(ctx, tx); err != nil {
		return zero, err
	}
	succeeded = true
	return v, nil
}

// beginTx begins a transaction.
func (s *Store) beginTx(ctx context.Context) (*txConn, error) {
	sqlTx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("beginning transaction: %w", err)
	}
	return &txConn{tx: sqlTx, c: s.db}, nil
}

// commitTx appends the ledger entries of the units tx wrote and commits it.
func (s *Store) commitTx(ctx context.Context, tx *txConn) error {
	if err := s.flushLedger(ctx, tx); err != nil {
		return err
	}
	if err := tx.tx.Commit(); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}

// timeLayout renders times as fixed-width UTC text, so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns its verdict ("ok" when
// sound). On a PostgreSQL server, whose storage the server keeps, it checks that the store
// answers.
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	return s.db.d.integrityCheck(ctx, s.db)
}

// Version returns the schema version (SQLite's PRAGMA user_version, a PostgreSQL store's
// strata_schema_version).
func (s *Store) Version(ctx context.Context) (int, error) {
	return s.db.d.schemaVersion(ctx, s.db)
}
