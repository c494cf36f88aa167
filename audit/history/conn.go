package history

import (
	"context"
	"database/sql"
)

// conn is the store's connection pool seen through its dialect: queries are written once with
// ? placeholders, arguments and scanned text are converted for the engine. Its methods have
// database/sql's names so that the queries read the same on both engines.
type conn struct {
	db *sql.DB
	d  dialect
}

func (c *conn) args(args []any) []any {
	if _, ok := c.d.(sqliteDialect); ok {
		return args
	}
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = c.d.arg(a)
	}
	return out
}

func (c *conn) QueryContext(ctx context.Context, q string, args ...any) (*rows, error) {
	r, err := c.db.QueryContext(ctx, c.d.rebind(q), c.args(args)...)
	if err != nil {
		return nil, err
	}
	return &rows{Rows: r, d: c.d}, nil
}

func (c *conn) QueryRowContext(ctx context.Context, q string, args ...any) *row {
	return &row{row: c.db.QueryRowContext(ctx, c.d.rebind(q), c.args(args)...), d: c.d}
}

func (c *conn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, c.d.rebind(q), c.args(args)...)
}

// Exec, Query and QueryRow are for tests and tools: no context.
func (c *conn) Exec(q string, args ...any) (sql.Result, error) {
	return c.ExecContext(context.Background(), q, args...)
}

func (c *conn) QueryRow(q string, args ...any) *row {
	return c.QueryRowContext(context.Background(), q, args...)
}

// txConn is a transaction of the store, through its dialect. Ledger entries of the units it
// writes are appended when it commits (see withTx).
type txConn struct {
	tx      *sql.Tx
	c       *conn
	pending []pendingUnit
}

func (t *txConn) QueryContext(ctx context.Context, q string, args ...any) (*rows, error) {
	r, err := t.tx.QueryContext(ctx, t.c.d.rebind(q), t.c.args(args)...)
	if err != nil {
		return nil, err
	}
	return &rows{Rows: r, d: t.c.d}, nil
}

func (t *txConn) QueryRowContext(ctx context.Context, q string, args ...any) *row {
	return &row{row: t.tx.QueryRowContext(ctx, t.c.d.rebind(q), t.c.args(args)...), d: t.c.d}
}

func (t *txConn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.c.d.rebind(q), t.c.args(args)...)
}

// stmt is a prepared statement of a transaction.
type stmt struct {
	s *sql.Stmt
	c *conn
}

func (t *txConn) PrepareContext(ctx context.Context, q string) (*stmt, error) {
	s, err := t.tx.PrepareContext(ctx, t.c.d.rebind(q))
	if err != nil {
		return nil, err
	}
	return &stmt{s: s, c: t.c}, nil
}

func (s *stmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return s.s.ExecContext(ctx, s.c.args(args)...)
}

func (s *stmt) QueryRowContext(ctx context.Context, args ...any) *row {
	return &row{row: s.s.QueryRowContext(ctx, s.c.args(args)...), d: s.c.d}
}

func (s *stmt) Close() error { return s.s.Close() }

// rows turns text read back into the values written (see dialect.text).
type rows struct {
	*sql.Rows
	d dialect
}

func (r *rows) Scan(dest ...any) error {
	if err := r.Rows.Scan(dest...); err != nil {
		return err
	}
	unescapeDest(r.d, dest)
	return nil
}

type row struct {
	row *sql.Row
	d   dialect
}

func (r *row) Scan(dest ...any) error {
	if err := r.row.Scan(dest...); err != nil {
		return err
	}
	unescapeDest(r.d, dest)
	return nil
}

func unescapeDest(d dialect, dest []any) {
	if _, ok := d.(sqliteDialect); ok {
		return
	}
	for _, p := range dest {
		switch x := p.(type) {
		case *string:
			*x = d.text(*x)
		case *sql.NullString:
			x.String = d.text(x.String)
		case *any:
			if s, ok := (*x).(string); ok {
				*x = d.text(s)
			}
		}
	}
}
