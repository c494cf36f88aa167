package history

import (
	"context"
	"fmt"
)

// migration is one step of the schema, in SQLite's SQL. PostgreSQL runs its translation
// (pgMigration), after pgPrelude; postgres, when set, replaces the translation for a step that
// does not translate.
type migration struct {
	sqlite    string
	pgPrelude string
	postgres  string
}

// migrations bring the schema from version i (PRAGMA user_version; on PostgreSQL the
// strata_schema_version table) to i+1. They only ever grow: a released migration is never
// edited, a change is a new one. docs/schema.md documents the result.
var migrations = []migration{
	// 1: evidence, images, layers and their file index, scans and findings.
	{pgPrelude: pgAppendOnly, sqlite: `
CREATE TABLE images (
	id              INTEGER PRIMARY KEY,
	config_digest   TEXT NOT NULL UNIQUE,
	manifest_digest TEXT NOT NULL,
	created         TEXT NOT NULL,
	os              TEXT NOT NULL,
	architecture    TEXT NOT NULL,
	variant         TEXT NOT NULL,
	layer_count     INTEGER NOT NULL,
	chain           TEXT NOT NULL,
	config          TEXT NOT NULL,
	first_seen      TEXT NOT NULL
);
CREATE TABLE inputs (
	id              INTEGER PRIMARY KEY,
	path            TEXT NOT NULL,
	format          TEXT NOT NULL,
	selector        TEXT NOT NULL,
	sha256          TEXT NOT NULL,
	size            INTEGER NOT NULL,
	read_at         TEXT NOT NULL,
	who             TEXT NOT NULL,
	host            TEXT NOT NULL,
	command         TEXT NOT NULL,
	tool_version    TEXT NOT NULL,
	image_id        INTEGER NOT NULL REFERENCES images(id),
	manifest_digest TEXT NOT NULL
);
CREATE INDEX inputs_image ON inputs(image_id);
CREATE INDEX inputs_sha256 ON inputs(sha256);
CREATE TABLE input_anomalies (
	input_id INTEGER NOT NULL REFERENCES inputs(id),
	kind     TEXT NOT NULL,
	layer    INTEGER NOT NULL,
	path     TEXT NOT NULL,
	detail   TEXT NOT NULL
);
CREATE INDEX input_anomalies_input ON input_anomalies(input_id);
CREATE TABLE tag_sightings (
	id       INTEGER PRIMARY KEY,
	tag      TEXT NOT NULL,
	image_id INTEGER NOT NULL REFERENCES images(id),
	input_id INTEGER NOT NULL REFERENCES inputs(id),
	seen_at  TEXT NOT NULL
);
CREATE INDEX tag_sightings_tag ON tag_sightings(tag, seen_at);
CREATE INDEX tag_sightings_image ON tag_sightings(image_id, seen_at);
CREATE TABLE image_history (
	image_id    INTEGER NOT NULL REFERENCES images(id),
	position    INTEGER NOT NULL,
	created     TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	comment     TEXT NOT NULL,
	author      TEXT NOT NULL,
	empty_layer INTEGER NOT NULL,
	layer       INTEGER NOT NULL,
	PRIMARY KEY (image_id, position)
) WITHOUT ROWID;
CREATE TABLE layers (
	diff_id    TEXT PRIMARY KEY,
	size       INTEGER NOT NULL,
	entries    INTEGER NOT NULL,
	first_seen TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE image_layers (
	image_id    INTEGER NOT NULL REFERENCES images(id),
	position    INTEGER NOT NULL,
	diff_id     TEXT NOT NULL,
	digest      TEXT NOT NULL,
	media_type  TEXT NOT NULL,
	stored_size INTEGER NOT NULL,
	history     INTEGER NOT NULL,
	PRIMARY KEY (image_id, position)
) WITHOUT ROWID;
CREATE INDEX image_layers_diff_id ON image_layers(diff_id);
CREATE TABLE layer_files (
	diff_id  TEXT NOT NULL REFERENCES layers(diff_id),
	seq      INTEGER NOT NULL,
	path     TEXT NOT NULL,
	type     TEXT NOT NULL,
	mode     INTEGER NOT NULL,
	uid      INTEGER NOT NULL,
	gid      INTEGER NOT NULL,
	uname    TEXT NOT NULL,
	gname    TEXT NOT NULL,
	size     INTEGER NOT NULL,
	sha256   TEXT NOT NULL,
	mtime    TEXT NOT NULL,
	link     TEXT NOT NULL,
	dev_major INTEGER NOT NULL,
	dev_minor INTEGER NOT NULL,
	whiteout INTEGER NOT NULL,
	opaque   INTEGER NOT NULL,
	PRIMARY KEY (diff_id, seq)
) WITHOUT ROWID;
CREATE INDEX layer_files_sha256 ON layer_files(sha256) WHERE sha256 <> '';
CREATE INDEX layer_files_path ON layer_files(path);
CREATE TABLE scans (
	id            INTEGER PRIMARY KEY,
	image_id      INTEGER NOT NULL REFERENCES images(id),
	input_id      INTEGER NOT NULL REFERENCES inputs(id),
	tool_version  TEXT NOT NULL,
	rule_hash     TEXT NOT NULL,
	options       TEXT NOT NULL,
	started_at    TEXT NOT NULL,
	ended_at      TEXT NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('complete', 'failed', 'interrupted')),
	verdict       TEXT NOT NULL,
	base_digest   TEXT NOT NULL,
	files         INTEGER NOT NULL,
	scanned       INTEGER NOT NULL,
	cached_layers INTEGER NOT NULL
);
CREATE INDEX scans_image ON scans(image_id, started_at);
CREATE TABLE findings (
	id          INTEGER PRIMARY KEY,
	scan_id     INTEGER NOT NULL REFERENCES scans(id),
	rule        TEXT NOT NULL,
	category    TEXT NOT NULL,
	severity    INTEGER NOT NULL,
	title       TEXT NOT NULL,
	layer       INTEGER NOT NULL,
	diff_id     TEXT NOT NULL,
	path        TEXT NOT NULL,
	history     INTEGER NOT NULL,
	created_by  TEXT NOT NULL,
	evidence    TEXT NOT NULL,
	remediation TEXT NOT NULL
);
CREATE INDEX findings_scan ON findings(scan_id);
CREATE INDEX findings_rule ON findings(rule);
CREATE INDEX findings_path ON findings(path);
CREATE TRIGGER scans_append_only_update BEFORE UPDATE ON scans
	BEGIN SELECT RAISE(ABORT, 'scans are append-only'); END;
CREATE TRIGGER scans_append_only_delete BEFORE DELETE ON scans
	BEGIN SELECT RAISE(ABORT, 'scans are append-only'); END;
CREATE TRIGGER findings_append_only_update BEFORE UPDATE ON findings
	BEGIN SELECT RAISE(ABORT, 'findings are append-only'); END;
CREATE TRIGGER findings_append_only_delete BEFORE DELETE ON findings
	BEGIN SELECT RAISE(ABORT, 'findings are append-only'); END;
`},
	// 2: the layer cache for scans, and diffs.
	{sqlite: `
CREATE TABLE layer_cache (
	diff_id     TEXT NOT NULL REFERENCES layers(diff_id),
	digest      TEXT NOT NULL,
	rule_hash   TEXT NOT NULL,
	files       INTEGER NOT NULL,
	scanned     INTEGER NOT NULL,
	anomalies   TEXT NOT NULL,
	recorded_at TEXT NOT NULL,
	PRIMARY KEY (diff_id, digest, rule_hash)
) WITHOUT ROWID;
CREATE TABLE layer_cache_findings (
	diff_id     TEXT NOT NULL,
	digest      TEXT NOT NULL,
	rule_hash   TEXT NOT NULL,
	rule        TEXT NOT NULL,
	category    TEXT NOT NULL,
	severity    INTEGER NOT NULL,
	title       TEXT NOT NULL,
	path        TEXT NOT NULL,
	evidence    TEXT NOT NULL,
	remediation TEXT NOT NULL,
	FOREIGN KEY (diff_id, digest, rule_hash) REFERENCES layer_cache(diff_id, digest, rule_hash)
);
CREATE INDEX layer_cache_findings_key ON layer_cache_findings(diff_id, digest, rule_hash);
CREATE TABLE layer_cache_files (
	diff_id   TEXT NOT NULL,
	digest    TEXT NOT NULL,
	rule_hash TEXT NOT NULL,
	path      TEXT NOT NULL,
	data      BLOB,
	FOREIGN KEY (diff_id, digest, rule_hash) REFERENCES layer_cache(diff_id, digest, rule_hash)
);
CREATE INDEX layer_cache_files_key ON layer_cache_files(diff_id, digest, rule_hash);
CREATE TABLE diffs (
	id                 INTEGER PRIMARY KEY,
	original_image_id  INTEGER NOT NULL REFERENCES images(id),
	suspect_image_id   INTEGER NOT NULL REFERENCES images(id),
	original_input_id  INTEGER NOT NULL REFERENCES inputs(id),
	suspect_input_id   INTEGER NOT NULL REFERENCES inputs(id),
	tool_version       TEXT NOT NULL,
	recorded_at        TEXT NOT NULL,
	summary            TEXT NOT NULL,
	config             TEXT NOT NULL,
	history            TEXT NOT NULL,
	anomalies          TEXT NOT NULL
);
CREATE TABLE diff_changes (
	diff_id       INTEGER NOT NULL REFERENCES diffs(id),
	rank          INTEGER NOT NULL,
	path          TEXT NOT NULL,
	change        TEXT NOT NULL,
	layer         INTEGER NOT NULL,
	history       INTEGER NOT NULL,
	created_by    TEXT NOT NULL,
	attributes    TEXT NOT NULL,
	score         INTEGER NOT NULL,
	why           TEXT NOT NULL,
	noise         INTEGER NOT NULL,
	original_sha256 TEXT NOT NULL,
	suspect_sha256  TEXT NOT NULL,
	content_diff  TEXT NOT NULL,
	PRIMARY KEY (diff_id, rank)
) WITHOUT ROWID;
CREATE TRIGGER diffs_append_only_update BEFORE UPDATE ON diffs
	BEGIN SELECT RAISE(ABORT, 'diffs are append-only'); END;
CREATE TRIGGER diffs_append_only_delete BEFORE DELETE ON diffs
	BEGIN SELECT RAISE(ABORT, 'diffs are append-only'); END;
CREATE TRIGGER diff_changes_append_only_update BEFORE UPDATE ON diff_changes
	BEGIN SELECT RAISE(ABORT, 'diffs are append-only'); END;
CREATE TRIGGER diff_changes_append_only_delete BEFORE DELETE ON diff_changes
	BEGIN SELECT RAISE(ABORT, 'diffs are append-only'); END;
`},
	// 3: layers known by what their stored bytes hash to. layer_cache.digest now holds the blob
	// sum computed from the evidence; rows cached before held the digest the manifest claimed,
	// which was verified against the bytes when they were stored, so they seed layer_blobs.
	{sqlite: `
CREATE TABLE layer_blobs (
	blob        TEXT PRIMARY KEY,
	diff_id     TEXT NOT NULL,
	verified_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX layer_blobs_diff_id ON layer_blobs(diff_id);
INSERT OR IGNORE INTO layer_blobs (blob, diff_id, verified_at) SELECT digest, diff_id, recorded_at FROM layer_cache;
`},
	// 4: the ledger (see ledger.go), and every evidence table append-only. The units already in
	// the database are sealed into the ledger as found (sealLegacy, after this migration).
	{sqlite: `
CREATE TABLE ledger (
	seq         INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL,
	key         TEXT NOT NULL,
	columns     TEXT NOT NULL,
	digest      TEXT NOT NULL,
	origin      TEXT NOT NULL,
	recorded_at TEXT NOT NULL,
	chain       TEXT NOT NULL
);
CREATE INDEX ledger_unit ON ledger(kind, key);
CREATE TRIGGER inputs_append_only_update BEFORE UPDATE ON inputs
	BEGIN SELECT RAISE(ABORT, 'inputs are append-only'); END;
CREATE TRIGGER inputs_append_only_delete BEFORE DELETE ON inputs
	BEGIN SELECT RAISE(ABORT, 'inputs are append-only'); END;
CREATE TRIGGER input_anomalies_append_only_update BEFORE UPDATE ON input_anomalies
	BEGIN SELECT RAISE(ABORT, 'input_anomalies are append-only'); END;
CREATE TRIGGER input_anomalies_append_only_delete BEFORE DELETE ON input_anomalies
	BEGIN SELECT RAISE(ABORT, 'input_anomalies are append-only'); END;
CREATE TRIGGER images_append_only_update BEFORE UPDATE ON images
	BEGIN SELECT RAISE(ABORT, 'images are append-only'); END;
CREATE TRIGGER images_append_only_delete BEFORE DELETE ON images
	BEGIN SELECT RAISE(ABORT, 'images are append-only'); END;
CREATE TRIGGER image_history_append_only_update BEFORE UPDATE ON image_history
	BEGIN SELECT RAISE(ABORT, 'image_history are append-only'); END;
CREATE TRIGGER image_history_append_only_delete BEFORE DELETE ON image_history
	BEGIN SELECT RAISE(ABORT, 'image_history are append-only'); END;
CREATE TRIGGER tag_sightings_append_only_update BEFORE UPDATE ON tag_sightings
	BEGIN SELECT RAISE(ABORT, 'tag_sightings are append-only'); END;
CREATE TRIGGER tag_sightings_append_only_delete BEFORE DELETE ON tag_sightings
	BEGIN SELECT RAISE(ABORT, 'tag_sightings are append-only'); END;
CREATE TRIGGER layers_append_only_update BEFORE UPDATE ON layers
	BEGIN SELECT RAISE(ABORT, 'layers are append-only'); END;
CREATE TRIGGER layers_append_only_delete BEFORE DELETE ON layers
	BEGIN SELECT RAISE(ABORT, 'layers are append-only'); END;
CREATE TRIGGER image_layers_append_only_update BEFORE UPDATE ON image_layers
	BEGIN SELECT RAISE(ABORT, 'image_layers are append-only'); END;
CREATE TRIGGER image_layers_append_only_delete BEFORE DELETE ON image_layers
	BEGIN SELECT RAISE(ABORT, 'image_layers are append-only'); END;
CREATE TRIGGER layer_files_append_only_update BEFORE UPDATE ON layer_files
	BEGIN SELECT RAISE(ABORT, 'layer_files are append-only'); END;
CREATE TRIGGER layer_files_append_only_delete BEFORE DELETE ON layer_files
	BEGIN SELECT RAISE(ABORT, 'layer_files are append-only'); END;
CREATE TRIGGER layer_blobs_append_only_update BEFORE UPDATE ON layer_blobs
	BEGIN SELECT RAISE(ABORT, 'layer_blobs are append-only'); END;
CREATE TRIGGER layer_blobs_append_only_delete BEFORE DELETE ON layer_blobs
	BEGIN SELECT RAISE(ABORT, 'layer_blobs are append-only'); END;
CREATE TRIGGER layer_cache_append_only_update BEFORE UPDATE ON layer_cache
	BEGIN SELECT RAISE(ABORT, 'layer_cache are append-only'); END;
CREATE TRIGGER layer_cache_append_only_delete BEFORE DELETE ON layer_cache
	BEGIN SELECT RAISE(ABORT, 'layer_cache are append-only'); END;
CREATE TRIGGER layer_cache_findings_append_only_update BEFORE UPDATE ON layer_cache_findings
	BEGIN SELECT RAISE(ABORT, 'layer_cache_findings are append-only'); END;
CREATE TRIGGER layer_cache_findings_append_only_delete BEFORE DELETE ON layer_cache_findings
	BEGIN SELECT RAISE(ABORT, 'layer_cache_findings are append-only'); END;
CREATE TRIGGER layer_cache_files_append_only_update BEFORE UPDATE ON layer_cache_files
	BEGIN SELECT RAISE(ABORT, 'layer_cache_files are append-only'); END;
CREATE TRIGGER layer_cache_files_append_only_delete BEFORE DELETE ON layer_cache_files
	BEGIN SELECT RAISE(ABORT, 'layer_cache_files are append-only'); END;
CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
	BEGIN SELECT RAISE(ABORT, 'ledger are append-only'); END;
CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
	BEGIN SELECT RAISE(ABORT, 'ledger are append-only'); END;
`},
	// 5: vulnerability findings' fields, and the findings a scan's accepted-findings policy
	// set aside (kept, with what set them aside and why).
	{sqlite: `
ALTER TABLE findings ADD COLUMN vulnerability TEXT NOT NULL DEFAULT '';
CREATE INDEX findings_vulnerability ON findings(json_extract(vulnerability, '$.package')) WHERE vulnerability <> '';
CREATE TABLE accepted_findings (
	id            INTEGER PRIMARY KEY,
	scan_id       INTEGER NOT NULL REFERENCES scans(id),
	rule          TEXT NOT NULL,
	category      TEXT NOT NULL,
	severity      INTEGER NOT NULL,
	title         TEXT NOT NULL,
	layer         INTEGER NOT NULL,
	diff_id       TEXT NOT NULL,
	path          TEXT NOT NULL,
	history       INTEGER NOT NULL,
	created_by    TEXT NOT NULL,
	evidence      TEXT NOT NULL,
	remediation   TEXT NOT NULL,
	vulnerability TEXT NOT NULL,
	accepted_by   TEXT NOT NULL,
	reason        TEXT NOT NULL,
	source        TEXT NOT NULL,
	expires       TEXT NOT NULL
);
CREATE INDEX accepted_findings_scan ON accepted_findings(scan_id);
CREATE INDEX accepted_findings_rule ON accepted_findings(rule);
CREATE TRIGGER accepted_findings_append_only_update BEFORE UPDATE ON accepted_findings
	BEGIN SELECT RAISE(ABORT, 'findings are append-only'); END;
CREATE TRIGGER accepted_findings_append_only_delete BEFORE DELETE ON accepted_findings
	BEGIN SELECT RAISE(ABORT, 'findings are append-only'); END;
`},
	// 6: every category that fits a finding and its ATT&CK techniques, and the network
	// indicators found in flagged files, searchable by trace.
	{sqlite: `
ALTER TABLE findings ADD COLUMN labels TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN techniques TEXT NOT NULL DEFAULT '';
ALTER TABLE layer_cache_findings ADD COLUMN labels TEXT NOT NULL DEFAULT '';
ALTER TABLE layer_cache_findings ADD COLUMN techniques TEXT NOT NULL DEFAULT '';
ALTER TABLE layer_cache_findings ADD COLUMN indicators TEXT NOT NULL DEFAULT '';
ALTER TABLE accepted_findings ADD COLUMN labels TEXT NOT NULL DEFAULT '';
ALTER TABLE accepted_findings ADD COLUMN techniques TEXT NOT NULL DEFAULT '';
CREATE TABLE indicators (
	finding_id INTEGER NOT NULL REFERENCES findings(id),
	scan_id    INTEGER NOT NULL REFERENCES scans(id),
	kind       TEXT NOT NULL,
	value      TEXT NOT NULL,
	PRIMARY KEY (finding_id, kind, value)
) WITHOUT ROWID;
CREATE INDEX indicators_value ON indicators(kind, value);
CREATE INDEX indicators_scan ON indicators(scan_id);
CREATE TRIGGER indicators_append_only_update BEFORE UPDATE ON indicators
	BEGIN SELECT RAISE(ABORT, 'indicators are append-only'); END;
CREATE TRIGGER indicators_append_only_delete BEFORE DELETE ON indicators
	BEGIN SELECT RAISE(ABORT, 'indicators are append-only'); END;
`},
	// 7: the scan cache: what a whole scan found, by the image's verified identity and the rules.
	{sqlite: `
CREATE TABLE scan_cache (
	key           TEXT PRIMARY KEY,
	rule_hash     TEXT NOT NULL,
	config_digest TEXT NOT NULL,
	result        TEXT NOT NULL,
	recorded_at   TEXT NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER scan_cache_append_only_update BEFORE UPDATE ON scan_cache
	BEGIN SELECT RAISE(ABORT, 'scan_cache are append-only'); END;
CREATE TRIGGER scan_cache_append_only_delete BEFORE DELETE ON scan_cache
	BEGIN SELECT RAISE(ABORT, 'scan_cache are append-only'); END;
`},
}

// ledgerVersion is the schema version that brings the ledger: upgrading past it seals what the
// database already holds.
const ledgerVersion = 4

// afterMigration runs Go steps inside the migration transaction once the schema reaches a
// version.
func (s *Store) afterMigration(ctx context.Context, tx *txConn, version int) error {
	if version == ledgerVersion {
		// Sealed as the database is at this version, before later migrations change it.
		if err := s.sealLegacy(ctx, tx); err != nil {
			return err
		}
		return s.flushLedger(ctx, tx)
	}
	return nil
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = len(migrations)

// migrate applies the migrations the database lacks, in one transaction: the version is read
// inside it, so two processes opening a new database at once migrate it once.
func (s *Store) migrate(ctx context.Context, ms []migration) error {
	d := s.db.d
	_, err := withTx(ctx, s, func(tx *txConn) (struct{}, error) {
		if err := d.prepareMigrations(ctx, tx); err != nil {
			return struct{}{}, err
		}
		v, err := d.schemaVersion(ctx, tx)
		if err != nil {
			return struct{}{}, fmt.Errorf("reading schema version: %w", err)
		}
		if v > len(ms) {
			return struct{}{}, fmt.Errorf("the database has schema version %d; this strata knows up to %d (upgrade strata)", v, len(ms))
		}
		for i := v; i < len(ms); i++ {
			// Migrations take no arguments: run as written, not rebound.
			if _, err := tx.tx.ExecContext(ctx, d.migration(ms[i])); err != nil {
				return struct{}{}, fmt.Errorf("migrating schema to version %d: %w", i+1, err)
			}
			if err := s.afterMigration(ctx, tx, i+1); err != nil {
				return struct{}{}, fmt.Errorf("migrating schema to version %d: %w", i+1, err)
			}
		}
		if v != len(ms) {
			if err := d.setSchemaVersion(ctx, tx, len(ms)); err != nil {
				return struct{}{}, fmt.Errorf("setting schema version: %w", err)
			}
		}
		return struct{}{}, nil
	})
	return err
}
