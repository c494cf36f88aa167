package history

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsServer reports whether path names a PostgreSQL database (postgres://... or
// postgresql://...) rather than a SQLite file. A server is the one network peer Strata may
// ever talk to, and only when the user names it.
func IsServer(path string) bool {
	return strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://")
}

// redactDSN drops the password from a connection string, for messages, reports and
// `strata store`.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable connection string)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// openServer opens a PostgreSQL store. Several strata processes on several stations may
// record into it at once: each recording is one transaction, appending to the ledger is
// serialized by an advisory lock, and the schema is migrated under another. readOnly opens
// every session read-only at the server (default_transaction_read_only), checks the schema
// version and migrates nothing.
func openServer(ctx context.Context, dsn string, readOnly bool) (*Store, error) {
	shown := redactDSN(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("opening history %s: %w", shown, err)
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "strata"
	}
	// Times are stored as text in UTC; nothing depends on the session's zone, but messages do.
	cfg.RuntimeParams["timezone"] = "UTC"
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(time.Minute)
	c := &conn{db: db, d: postgresDialect{}}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening history %s: %w", shown, err)
	}
	s := &Store{db: c, path: shown, now: time.Now, readOnly: readOnly}
	s.Who, s.Host = whoAndHost()
	if !readOnly {
		if err := s.migrate(ctx, migrations); err != nil {
			db.Close()
			return nil, fmt.Errorf("opening history %s: %w", shown, err)
		}
		return s, nil
	}
	v, err := c.d.schemaVersion(ctx, c)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening history %s: %w", shown, err)
	}
	if v != SchemaVersion {
		db.Close()
		if v == 0 {
			return nil, fmt.Errorf("opening history %s: no strata store there (nothing has been recorded yet)", shown)
		}
		if v > SchemaVersion {
			return nil, fmt.Errorf("opening history %s: the database has schema version %d; this strata knows up to %d (upgrade strata)", shown, v, SchemaVersion)
		}
		return nil, fmt.Errorf("opening history %s: the database has schema version %d, older than this strata's %d: run a command that records (scan, inspect) once to upgrade it", shown, v, SchemaVersion)
	}
	return s, nil
}
