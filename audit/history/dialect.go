package history

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
)

// dialect is what differs between the two engines the store runs on: SQLite (the embedded
// default, a file) and PostgreSQL (a shared server several stations record into). Queries are
// written once, in SQLite's spelling with ? placeholders; the dialect rebinds them, converts
// arguments and scanned values, and answers the few questions whose SQL differs (schema
// version, introspection, locks, GLOB). Migrations are written once in SQLite's text and
// translated (see pgMigration).
type dialect interface {
	name() string
	// rebind turns ? placeholders into the engine's.
	rebind(q string) string
	// arg converts a query argument to what the engine stores for it.
	arg(v any) any
	// text turns a string read from the engine back into the value that was written.
	text(s string) string
	// migration returns migration m's text for this engine.
	migration(m migration) string
	// prepareMigrations runs first in the migration transaction: it serializes concurrent
	// migrators and makes sure the schema version can be read.
	prepareMigrations(ctx context.Context, q execQuerier) error
	schemaVersion(ctx context.Context, q querier) (int, error)
	setSchemaVersion(ctx context.Context, q execQuerier, v int) error
	// lockLedger serializes appending to the ledger among concurrent writers, until the
	// transaction ends.
	lockLedger(ctx context.Context, q execQuerier) error
	tableExists(ctx context.Context, q querier, table string) (bool, error)
	tableColumns(ctx context.Context, q querier, table string) ([]string, error)
	// glob returns a condition matching column against a shell glob ("*" crosses "/"), and
	// the argument to bind for pattern.
	glob(column, pattern string) (string, any)
	// like is the operator matching a LIKE pattern the way SQLite's LIKE does (ASCII case
	// folded).
	like() string
	// insertionOrder is an expression ordering the rows of a table without a key in the order
	// they were inserted.
	insertionOrder(alias string) string
	integrityCheck(ctx context.Context, q querier) (string, error)
	// retryable reports whether a transaction failed only because it met a concurrent one
	// (a deadlock, a serialization failure) and may be run again.
	retryable(err error) bool
}

// execQuerier is what both a connection pool and a transaction offer.
type execQuerier interface {
	querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// rebindDollar turns ? into $1, $2, ... outside quoted literals and identifiers.
func rebindDollar(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

type sqliteDialect struct{}

func (sqliteDialect) name() string                 { return "sqlite" }
func (sqliteDialect) rebind(q string) string       { return q }
func (sqliteDialect) arg(v any) any                { return v }
func (sqliteDialect) text(s string) string         { return s }
func (sqliteDialect) migration(m migration) string { return m.sqlite }
func (sqliteDialect) like() string                 { return "LIKE" }
func (sqliteDialect) insertionOrder(alias string) string {
	return alias + ".rowid"
}
func (sqliteDialect) glob(column, pattern string) (string, any) {
	return column + " GLOB ?", pattern
}
func (sqliteDialect) retryable(error) bool { return false }

// prepareMigrations: the store's transactions begin IMMEDIATE (see dsn): the migration holds
// the write lock from its start.
func (sqliteDialect) prepareMigrations(context.Context, execQuerier) error { return nil }

func (sqliteDialect) schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func (sqliteDialect) setSchemaVersion(ctx context.Context, q execQuerier, v int) error {
	// PRAGMA takes no parameters; the value is our own integer.
	_, err := q.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
	return err
}

// lockLedger: a SQLite writer holds the database's write lock for its whole transaction.
func (sqliteDialect) lockLedger(context.Context, execQuerier) error { return nil }

func (sqliteDialect) tableExists(ctx context.Context, q querier, table string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&n)
	return n > 0, err
}

func (sqliteDialect) tableColumns(ctx context.Context, q querier, table string) ([]string, error) {
	return columnList(ctx, q, table, "SELECT name FROM pragma_table_info(?) ORDER BY cid")
}

func (sqliteDialect) integrityCheck(ctx context.Context, q querier) (string, error) {
	var res string
	err := q.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	return res, err
}

func columnList(ctx context.Context, q querier, table, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s has no columns", table)
	}
	return cols, nil
}

// postgresDialect runs the store on a PostgreSQL server. Its text columns are TEXT COLLATE
// "C", so that comparison and order are byte order as in SQLite. PostgreSQL's text holds
// neither NUL nor bytes that are not UTF-8, which evidence may hold (a hostile file name, the
// layer cache's "\x00state/" keys); such strings are stored escaped (see escapeText) and read
// back as they were, so that everything above the dialect, the ledger's digests included,
// sees the same values on both engines.
type postgresDialect struct{}

func (postgresDialect) name() string           { return "postgres" }
func (postgresDialect) rebind(q string) string { return rebindDollar(q) }
func (postgresDialect) text(s string) string   { return unescapeText(s) }
func (postgresDialect) like() string           { return "ILIKE" }
func (postgresDialect) insertionOrder(alias string) string {
	// The evidence tables are append-only: no row is ever updated or deleted, so a row's
	// physical place follows insertion.
	return alias + ".ctid"
}

func (postgresDialect) migration(m migration) string {
	if m.postgres != "" {
		return m.postgres
	}
	return m.pgPrelude + pgMigration(m.sqlite)
}

// arg: PostgreSQL's integer columns take no Go bool, and its text no NUL or invalid UTF-8.
func (postgresDialect) arg(v any) any {
	if v == nil {
		return nil
	}
	switch x := v.(type) {
	case string:
		return escapeText(x)
	case []byte, int64, int, float64:
		return v
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Bool:
		if r.Bool() {
			return int64(1)
		}
		return int64(0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return r.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int64(r.Uint())
	case reflect.String:
		return escapeText(r.String())
	case reflect.Float32, reflect.Float64:
		return r.Float()
	}
	return v
}

// The advisory locks are per schema, so that stores in different schemas of one database do
// not wait for each other.
const (
	pgMigrationLock = "SELECT pg_advisory_xact_lock(hashtext('strata migration ' || current_schema()))"
	pgLedgerLock    = "SELECT pg_advisory_xact_lock(hashtext('strata ledger ' || current_schema()))"
)

func (postgresDialect) prepareMigrations(ctx context.Context, q execQuerier) error {
	if _, err := q.ExecContext(ctx, pgMigrationLock); err != nil {
		return fmt.Errorf("waiting for the migration lock: %w", err)
	}
	_, err := q.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS strata_schema_version (version INTEGER NOT NULL)`)
	return err
}

func (d postgresDialect) schemaVersion(ctx context.Context, q querier) (int, error) {
	ok, err := d.tableExists(ctx, q, "strata_schema_version")
	if err != nil || !ok {
		return 0, err
	}
	var v int
	err = q.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM strata_schema_version").Scan(&v)
	return v, err
}

func (postgresDialect) setSchemaVersion(ctx context.Context, q execQuerier, v int) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM strata_schema_version"); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, "INSERT INTO strata_schema_version (version) VALUES ($1)", v)
	return err
}

func (postgresDialect) lockLedger(ctx context.Context, q execQuerier) error {
	_, err := q.ExecContext(ctx, pgLedgerLock)
	return err
}

// tableExists and tableColumns resolve the table as the store's queries do, through the
// search path (the catalog answers at once where information_schema takes milliseconds).
func (postgresDialect) tableExists(ctx context.Context, q querier, table string) (bool, error) {
	var ok bool
	err := q.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok)
	return ok, err
}

func (postgresDialect) tableColumns(ctx context.Context, q querier, table string) ([]string, error) {
	return columnList(ctx, q, table, `SELECT attname FROM pg_attribute
		WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`)
}

func (postgresDialect) glob(column, pattern string) (string, any) {
	return column + " ~ ?", globRegexp(pattern)
}

// integrityCheck: the server keeps its own storage sound (and checks it with data checksums
// where the cluster has them); what Strata can check is what it recorded, the ledger. This
// asks the server that the store is reachable and answers.
func (postgresDialect) integrityCheck(ctx context.Context, q querier) (string, error) {
	var one int
	if err := q.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return "", err
	}
	return "ok", nil
}

func (postgresDialect) retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// globRegexp translates a SQLite GLOB pattern (*, ?, [...] with ^ for negation) into an
// anchored POSIX regular expression.
func globRegexp(p string) string {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := strings.IndexByte(p[i+1:], ']')
			if j < 0 || (j == 0 && i+2 >= len(p)) {
				b.WriteString(`\[`)
				continue
			}
			if j == 0 { // "[]...]": a leading ] is literal
				k := strings.IndexByte(p[i+2:], ']')
				if k < 0 {
					b.WriteString(`\[`)
					continue
				}
				j = k + 1
			}
			class := p[i+1 : i+1+j]
			b.WriteString("[")
			if strings.HasPrefix(class, "^") {
				b.WriteString("^")
				class = class[1:]
			}
			b.WriteString(strings.ReplaceAll(class, `\`, `\\`))
			b.WriteString("]")
			i += j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return b.String()
}

// escapeMark starts an escaped byte in text stored on PostgreSQL: the mark and two hex digits
// stand for one byte. U+FFFF is a noncharacter, absent from ordinary text; where it occurs it
// is escaped itself, so the encoding is reversible for every string.
const escapeMark = '\uffff'

// escapeText returns s unchanged when PostgreSQL's text can hold it as it is (valid UTF-8, no
// NUL, no escape mark), else with each offending byte escaped.
func escapeText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) && !strings.ContainsRune(s, escapeMark) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || r == 0 || r == escapeMark {
			if n == 0 {
				n = 1
			}
			for _, c := range []byte(s[i : i+n]) {
				b.WriteRune(escapeMark)
				b.WriteString(hex.EncodeToString([]byte{c}))
			}
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unescapeText reverses escapeText.
func unescapeText(s string) string {
	if !strings.ContainsRune(s, escapeMark) {
		return s
	}
	mark := string(escapeMark)
	var b strings.Builder
	for len(s) > 0 {
		i := strings.Index(s, mark)
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i+len(mark):]
		if len(s) >= 2 {
			if c, err := hex.DecodeString(s[:2]); err == nil {
				b.Write(c)
				s = s[2:]
				continue
			}
		}
		b.WriteString(mark)
	}
	return b.String()
}

// Translating a migration from SQLite's SQL to PostgreSQL's.
var (
	pgTrigger = regexp.MustCompile(`CREATE TRIGGER (\w+) BEFORE (UPDATE|DELETE) ON (\w+)\s+BEGIN SELECT RAISE\(ABORT, '([^']*)'\); END;`)
	pgIntPK   = regexp.MustCompile(`\bINTEGER PRIMARY KEY\b`)
	pgInt     = regexp.MustCompile(`\bINTEGER\b`)
	pgText    = regexp.MustCompile(`\bTEXT\b`)
	pgBlob    = regexp.MustCompile(`\bBLOB\b`)
	pgNoRowID = regexp.MustCompile(`\)\s*WITHOUT ROWID;`)
	pgIgnore  = regexp.MustCompile(`(?s)INSERT OR IGNORE INTO ([^;]*);`)
	pgJSON    = regexp.MustCompile(`json_extract\((\w+), '\$\.(\w+)'\)`)
)

// pgAppendOnly is the function every append-only trigger on PostgreSQL calls; migration 1
// creates it.
const pgAppendOnly = `CREATE FUNCTION strata_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%', TG_ARGV[0];
END $$;
`

// pgMigration translates the SQLite text of a migration: integer ids become identity columns,
// INTEGER BIGINT, BLOB BYTEA, TEXT byte-ordered TEXT COLLATE "C"; WITHOUT ROWID goes; INSERT OR
// IGNORE becomes ON CONFLICT DO NOTHING; json_extract becomes ->>; each RAISE(ABORT) trigger
// becomes a row trigger calling strata_append_only, and a DELETE one gains a TRUNCATE twin
// (TRUNCATE fires no DELETE trigger).
func pgMigration(sqlite string) string {
	s := pgTrigger.ReplaceAllStringFunc(sqlite, func(m string) string {
		g := pgTrigger.FindStringSubmatch(m)
		name, op, table, msg := g[1], g[2], g[3], g[4]
		out := fmt.Sprintf("CREATE TRIGGER %s BEFORE %s ON %s FOR EACH ROW EXECUTE FUNCTION strata_append_only('%s');", name, op, table, msg)
		if op == "DELETE" {
			out += fmt.Sprintf("\nCREATE TRIGGER %s BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION strata_append_only('%s');",
				strings.TrimSuffix(name, "_delete")+"_truncate", table, msg)
		}
		return out
	})
	s = pgIntPK.ReplaceAllString(s, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
	s = pgInt.ReplaceAllString(s, "BIGINT")
	s = pgText.ReplaceAllString(s, `TEXT COLLATE "C"`)
	s = pgBlob.ReplaceAllString(s, "BYTEA")
	s = pgNoRowID.ReplaceAllString(s, ");")
	s = pgIgnore.ReplaceAllString(s, "INSERT INTO $1 ON CONFLICT DO NOTHING;")
	s = pgJSON.ReplaceAllString(s, "(($1)::jsonb ->> '$2')")
	return s
}
