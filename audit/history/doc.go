// Package history is Strata's memory: an append-only database of
// every input read, every image and tag seen, every layer's file index (stored once per
// diff_id however many images share it), every scan with its findings, and every diff. It
// answers the tracing questions over all of it: an image's family (images whose layer chain
// is a prefix of its own, and the other way round), a tag's history, the scan log, and where
// an indicator (a hash, path, rule, address, domain or string) was seen. It also serves scans
// as a layer cache: a layer already indexed under the same rule set hash is not read again.
//
// The database is a SQLite file (mattn/go-sqlite3), the embedded default, or a PostgreSQL
// database (pgx through database/sql) that several stations record into at once; dialect.go
// holds what differs between the two. Export and Import carry a station's history to another
// as a verified archive.
//
// The schema is documented in docs/schema.md and created by the ordered migrations in
// schema.go, keyed by PRAGMA user_version (on PostgreSQL, strata_schema_version). Scans, findings and diffs are never updated or
// deleted: triggers refuse it. Every recording is one transaction, so a reader never sees a
// half-written scan and a process killed mid-write leaves the database as it was.
//
// history imports audit and forensics; it never imports cmd or tui.
package history
