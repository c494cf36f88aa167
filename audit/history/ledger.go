package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The ledger is the chain of custody of the database itself. Every unit of evidence Strata
// records (an image, a layer's file index, a blob known by its sum, a reading of an input, a
// scan, a diff, a cached layer) gets one ledger entry in the transaction that writes it: the
// sha256 of the unit's rows as stored, and a chain hash over that entry and the one before.
// Triggers refuse UPDATE and DELETE on every evidence table; the ledger is what still shows a
// change made with the triggers dropped: Check recomputes every unit's digest from the rows,
// the chain from the entries, and finds rows no entry covers.
//
// Each entry records the columns it covered, so a column a later migration adds is covered by
// the entries written after it and older entries still verify.

// unitKind is a kind of ledger unit and the rows that make it up. A unit's key is the value of
// its parts' key columns, joined by NUL when there are several.
type unitKind struct {
	name  string
	parts []unitPart
}

type unitPart struct {
	table string
	key   []string // the columns that equal the unit's key
	order string   // ORDER BY; "" orders by every column
}

var unitKinds = []unitKind{
	{"image", []unitPart{{"images", []string{"id"}, "id"}, {"image_history", []string{"image_id"}, "position"},
		{"image_layers", []string{"image_id"}, "position"}}},
	{"layer", []unitPart{{"layers", []string{"diff_id"}, "diff_id"}, {"layer_files", []string{"diff_id"}, "seq"}}},
	{"blob", []unitPart{{"layer_blobs", []string{"blob"}, "blob"}}},
	{"input", []unitPart{{"inputs", []string{"id"}, "id"}, {"input_anomalies", []string{"input_id"}, ""},
		{"tag_sightings", []string{"input_id"}, "id"}}},
	{"scan", []unitPart{{"scans", []string{"id"}, "id"}, {"findings", []string{"scan_id"}, "id"},
		{"accepted_findings", []string{"scan_id"}, "id"}, {"indicators", []string{"scan_id"}, ""}}},
	{"diff", []unitPart{{"diffs", []string{"id"}, "id"}, {"diff_changes", []string{"diff_id"}, "rank"}}},
	{"cache", []unitPart{{"layer_cache", []string{"diff_id", "digest", "rule_hash"}, ""},
		{"layer_cache_findings", []string{"diff_id", "digest", "rule_hash"}, ""},
		{"layer_cache_files", []string{"diff_id", "digest", "rule_hash"}, "path"}}},
	{"scan-cache", []unitPart{{"scan_cache", []string{"key"}, "key"}}},
}

func kindNamed(name string) (unitKind, bool) {
	for _, k := range unitKinds {
		if k.name == name {
			return k, true
		}
	}
	return unitKind{}, false
}

// The origins of a ledger entry.
const (
	originRecorded = "recorded"
	// originSealed marks units that were in the database before it had a ledger: they were
	// sealed as found when it was upgraded, and vouch only for what happened after that.
	originSealed = "sealed at upgrade"
)

// querier is what both the store's pool and its transactions offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *row
}

// tableColumns returns the columns of table in schema order.
func (s *Store) tableColumns(ctx context.Context, q querier, table string) ([]string, error) {
	return s.db.d.tableColumns(ctx, q, table)
}

// unitColumns returns the columns each part of kind covers now; a part whose table does not
// exist yet is left out.
func (s *Store) unitColumns(ctx context.Context, q querier, kind unitKind) (map[string][]string, error) {
	cols := map[string][]string{}
	for _, p := range kind.parts {
		if ok, err := s.db.d.tableExists(ctx, q, p.table); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		c, err := s.tableColumns(ctx, q, p.table)
		if err != nil {
			return nil, err
		}
		cols[p.table] = c
	}
	return cols, nil
}

// unitPartRows are the rows of one part of a unit, as read back, in the unit's fixed order.
type unitPartRows struct {
	Table   string
	Columns []string
	Rows    [][]any
}

// unitRows reads the unit's rows, part by part, with the columns cols lists for each part (a
// part whose table cols lacks is left out: the entry was written before the table existed,
// and its column list is in the chain, so it cannot be shortened afterwards).
func unitRows(ctx context.Context, q querier, kind unitKind, key string, cols map[string][]string) ([]unitPartRows, error) {
	var out []unitPartRows
	err := eachUnitRow(ctx, q, kind, key, cols, func(table string, columns []string) {
		out = append(out, unitPartRows{Table: table, Columns: columns})
	}, func(vals []any) {
		last := &out[len(out)-1]
		last.Rows = append(last.Rows, slices.Clone(vals))
	})
	return out, err
}

// eachUnitRow reads the unit's rows as unitRows does and hands them over one at a time, so
// that a unit of a million rows (a big layer's file index) is digested without being held:
// part is called before each part's rows, row with each row's canonical values (the slice
// is reused for the next row).
func eachUnitRow(ctx context.Context, q querier, kind unitKind, key string, cols map[string][]string,
	part func(table string, columns []string), row func(vals []any)) error {
	keyVals := strings.Split(key, "\x00")
	for _, p := range kind.parts {
		cs, ok := cols[p.table]
		if !ok {
			continue
		}
		if len(keyVals) != len(p.key) {
			return fmt.Errorf("%s key %q has %d parts, want %d", kind.name, key, len(keyVals), len(p.key))
		}
		var where []string
		args := make([]any, len(keyVals))
		for i, k := range p.key {
			where = append(where, k+" = ?")
			args[i] = keyVals[i]
			if isIDColumn(k) {
				if n, err := strconv.ParseInt(keyVals[i], 10, 64); err == nil {
					args[i] = n
				}
			}
		}
		order := p.order
		if order == "" {
			order = strings.Join(cs, ", ")
		}
		// Table and column names come from the schema and our own constants.
		rows, err := q.QueryContext(ctx, "SELECT "+strings.Join(cs, ", ")+" FROM "+p.table+
			" WHERE "+strings.Join(where, " AND ")+" ORDER BY "+order, args...)
		if err != nil {
			return fmt.Errorf("reading %s: %w", p.table, err)
		}
		part(p.table, cs)
		vals := make([]any, len(cs))
		ptrs := make([]any, len(cs))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
			for i, v := range vals {
				vals[i] = canonicalValue(v)
			}
			row(vals)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// isIDColumn reports whether a key column holds a local integer id (diff_id is a digest).
func isIDColumn(k string) bool {
	return k == "id" || strings.HasSuffix(k, "_id") && k != "diff_id"
}

// digestParts hashes a unit's rows in the ledger's canonical encoding: each part's table
// name, then each row's values, tagged and length-prefixed. It depends on the values alone,
// never on the Go types an engine's driver returns them as.
func digestParts(parts []unitPartRows) (string, int) {
	var d unitHash
	for _, p := range parts {
		d.part(p.Table)
		for _, r := range p.Rows {
			d.row(r)
		}
	}
	return d.sum()
}

// unitHash is digestParts' encoding, fed a part and a row at a time.
type unitHash struct {
	h hash.Hash
	n int
}

func (d *unitHash) part(table string) {
	if d.h == nil {
		d.h = sha256.New()
	}
	writeField(d.h, 't', []byte(table))
}

func (d *unitHash) row(vals []any) {
	writeField(d.h, 'r', nil)
	for _, v := range vals {
		writeValue(d.h, v)
	}
	d.n++
}

func (d *unitHash) sum() (string, int) {
	if d.h == nil {
		d.h = sha256.New()
	}
	return hex.EncodeToString(d.h.Sum(nil)), d.n
}

// unitDigest hashes the unit's rows as stored, reading them one at a time.
func unitDigest(ctx context.Context, q querier, kind unitKind, key string, cols map[string][]string) (string, int, error) {
	var d unitHash
	if err := eachUnitRow(ctx, q, kind, key, cols, func(table string, _ []string) { d.part(table) }, d.row); err != nil {
		return "", 0, err
	}
	s, n := d.sum()
	return s, n, nil
}

// canonicalValue reduces a value read from either engine to nil, int64, float64, string or
// []byte: the engines' drivers differ in what they return for the same stored value.
func canonicalValue(v any) any {
	switch x := v.(type) {
	case nil, int64, float64, string, []byte:
		return v
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case time.Time:
		return fmtTime(x)
	}
	return fmt.Sprint(v)
}

// writeField writes a tagged, length-prefixed field: no two different sequences of values
// encode the same.
func writeField(h interface{ Write([]byte) (int, error) }, tag byte, b []byte) {
	var n [9]byte
	n[0] = tag
	binary.BigEndian.PutUint64(n[1:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

func writeValue(h interface{ Write([]byte) (int, error) }, v any) {
	switch x := v.(type) {
	case nil:
		writeField(h, 'n', nil)
	case int64:
		writeField(h, 'i', []byte(strconv.FormatInt(x, 10)))
	case bool:
		if x {
			writeField(h, 'i', []byte("1"))
		} else {
			writeField(h, 'i', []byte("0"))
		}
	case float64:
		writeField(h, 'f', []byte(strconv.FormatUint(math.Float64bits(x), 16)))
	case string:
		writeField(h, 's', []byte(x))
	case []byte:
		writeField(h, 's', x)
	case time.Time:
		writeField(h, 's', []byte(fmtTime(x)))
	default:
		writeField(h, 's', []byte(fmt.Sprint(x)))
	}
}

// chainHash links an entry to the one before it.
func chainHash(prev string, seq int64, kind, key, columns, digest, origin, recordedAt string) string {
	h := sha256.New()
	for _, f := range []string{prev, strconv.FormatInt(seq, 10), kind, key, columns, digest, origin, recordedAt} {
		writeField(h, 'c', []byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// pendingUnit is a unit written in a transaction whose ledger entry is appended when it
// commits.
type pendingUnit struct {
	kind, key, origin, now string
	known                  knownDigest
}

// knownDigest is a unit's digest computed by its writer from the values it wrote, over the
// columns it wrote; zero when the digest is to be read back from the tables.
type knownDigest struct {
	columns map[string][]string
	digest  string
}

// checkKnownDigests makes flushLedger read back the units whose digests their writers
// computed too, and fail when the two differ (the tests set it).
var checkKnownDigests = false

// appendLedger notes the entry of one unit written in tx; withTx appends it before the
// commit.
func (s *Store) appendLedger(_ context.Context, tx *txConn, kindName, key, origin, now string) error {
	return s.appendLedgerKnown(tx, kindName, key, origin, now, knownDigest{})
}

// appendLedgerKnown is appendLedger for a unit whose digest its writer computed: flushLedger
// takes it when the unit's tables have exactly the columns it was computed over, and reads
// the rows back otherwise.
func (s *Store) appendLedgerKnown(tx *txConn, kindName, key, origin, now string, known knownDigest) error {
	if _, ok := kindNamed(kindName); !ok {
		return fmt.Errorf("ledger: unknown unit kind %q", kindName)
	}
	tx.pending = append(tx.pending, pendingUnit{kindName, key, origin, now, known})
	return nil
}

// flushLedger appends the entries of the units tx wrote, in the order they were written. The
// ledger is one chain: its head is read and extended under a lock held until the commit, so
// concurrent writers on a server append one after the other. The units' rows are written
// before, without the lock.
func (s *Store) flushLedger(ctx context.Context, tx *txConn) error {
	if len(tx.pending) == 0 {
		return nil
	}
	if err := s.db.d.lockLedger(ctx, tx); err != nil {
		return fmt.Errorf("ledger: waiting for its lock: %w", err)
	}
	var prev string
	var last int64
	err := tx.QueryRowContext(ctx, "SELECT seq, chain FROM ledger ORDER BY seq DESC LIMIT 1").Scan(&last, &prev)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("ledger: reading its head: %w", err)
	}
	colsByKind := map[string]string{}
	for _, u := range tx.pending {
		kind, _ := kindNamed(u.kind)
		colsJSON, ok := colsByKind[u.kind]
		if !ok {
			cols, err := s.unitColumns(ctx, tx, kind)
			if err != nil {
				return fmt.Errorf("ledger: %w", err)
			}
			b, err := json.Marshal(cols)
			if err != nil {
				return err
			}
			colsJSON, colsByKind[u.kind] = string(b), string(b)
		}
		var cols map[string][]string
		_ = json.Unmarshal([]byte(colsJSON), &cols)
		digest := u.known.digest
		if digest == "" || !sameColumns(cols, u.known.columns) || checkKnownDigests {
			read, _, err := unitDigest(ctx, tx, kind, u.key, cols)
			if err != nil {
				return fmt.Errorf("ledger: hashing %s %s: %w", kind.name, printableKey(u.key), err)
			}
			if digest != "" && digest != read && sameColumns(cols, u.known.columns) {
				return fmt.Errorf("ledger: the %s %s as written hashes to %s, as stored to %s", kind.name, printableKey(u.key), digest, read)
			}
			digest = read
		}
		seq := last + 1
		chain := chainHash(prev, seq, kind.name, u.key, colsJSON, digest, u.origin, u.now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger (seq, kind, key, columns, digest, origin, recorded_at, chain)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, seq, kind.name, u.key, colsJSON, digest, u.origin, u.now, chain); err != nil {
			return fmt.Errorf("ledger: recording %s %s: %w", kind.name, printableKey(u.key), err)
		}
		last, prev = seq, chain
	}
	tx.pending = nil
	return nil
}

// sameColumns reports whether two column lists by table are equal.
func sameColumns(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for t, cs := range a {
		if !slices.Equal(cs, b[t]) {
			return false
		}
	}
	return true
}

// cacheKey is the ledger key of a cached layer.
func cacheKey(diffID, digest, ruleHash string) string {
	return diffID + "\x00" + digest + "\x00" + ruleHash
}

// sealLegacy gives every unit already in the database an entry, in a stable order, when the
// database is upgraded to have a ledger. It runs inside the migration's transaction.
func (s *Store) sealLegacy(ctx context.Context, tx *txConn) error {
	now := fmtTime(s.now())
	for _, k := range unitKinds {
		keys, err := s.unitKeys(ctx, tx, k)
		if err != nil {
			return err
		}
		for _, key := range keys {
			if err := s.appendLedger(ctx, tx, k.name, key, originSealed, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// unitKeys lists the keys of every unit of kind found in any of its tables, sorted.
func (s *Store) unitKeys(ctx context.Context, q querier, k unitKind) ([]string, error) {
	seen := map[string]bool{}
	for _, p := range k.parts {
		if ok, err := s.db.d.tableExists(ctx, q, p.table); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		cols := strings.Join(p.key, ", ")
		// Table and column names are our own constants.
		rows, err := q.QueryContext(ctx, "SELECT DISTINCT "+cols+" FROM "+p.table)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", p.table, err)
		}
		vals := make([]any, len(p.key))
		ptrs := make([]any, len(p.key))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = keyText(v)
			}
			seen[strings.Join(parts, "\x00")] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, len(seen))
	for key := range seen {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, errA := strconv.ParseInt(keys[i], 10, 64)
		b, errB := strconv.ParseInt(keys[j], 10, 64)
		if errA == nil && errB == nil {
			return a < b
		}
		return keys[i] < keys[j]
	})
	return keys, nil
}

// keyText renders a key column's value as the ledger's key holds it.
func keyText(v any) string {
	switch x := canonicalValue(v).(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// LedgerProblem is one thing Check found wrong with the recorded evidence.
type LedgerProblem struct {
	Kind   string `json:"kind"` // the unit kind, or "ledger" for the chain itself
	Key    string `json:"key"`
	Detail string `json:"detail"`
}

// LedgerReport is what Check found.
type LedgerReport struct {
	Entries  int             `json:"entries"`
	Sealed   int             `json:"sealed"`   // entries sealed at upgrade, not recorded as they happened
	Imported int             `json:"imported"` // entries of units merged from another station's export
	Head     string          `json:"head"`     // the chain hash of the last entry: note it to detect truncation later
	Problems []LedgerProblem `json:"problems"`
}

// OK reports whether nothing was found wrong.
func (r *LedgerReport) OK() bool { return len(r.Problems) == 0 }

// CheckLedger verifies the ledger: the chain from its first entry to its last, every unit's
// rows against the digest recorded for them, and that every row of every evidence table
// belongs to a unit the ledger knows. A row changed or deleted with the append-only triggers
// dropped, or added past the ledger, is a problem naming the record. Deleting the newest
// entries together with their units cannot be told from their never having been recorded:
// compare Head with a value noted earlier.
func (s *Store) CheckLedger(ctx context.Context) (*LedgerReport, error) {
	rep := &LedgerReport{Problems: []LedgerProblem{}}
	q, done, err := s.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the ledger: %w", err)
	}
	defer done()
	rows, err := q.QueryContext(ctx, `SELECT seq, kind, key, columns, digest, origin, recorded_at, chain
		FROM ledger ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("reading the ledger: %w", err)
	}
	type entry struct {
		seq                                                 int64
		kind, key, columns, digest, origin, recorded, chain string
	}
	var entries []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.seq, &e.kind, &e.key, &e.columns, &e.digest, &e.origin, &e.recorded, &e.chain); err != nil {
			rows.Close()
			return nil, err
		}
		entries = append(entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	problem := func(kind, key, format string, args ...any) {
		rep.Problems = append(rep.Problems, LedgerProblem{Kind: kind, Key: printableKey(key), Detail: fmt.Sprintf(format, args...)})
	}
	prev := ""
	var prevSeq int64
	covered := map[string]map[string]bool{}
	for _, e := range entries {
		if e.seq != prevSeq+1 {
			problem("ledger", strconv.FormatInt(e.seq, 10), "entry %d follows entry %d: entries were deleted", e.seq, prevSeq)
		}
		prevSeq = e.seq
		if want := chainHash(prev, e.seq, e.kind, e.key, e.columns, e.digest, e.origin, e.recorded); want != e.chain {
			problem("ledger", strconv.FormatInt(e.seq, 10), "the chain breaks at entry %d (%s %s): it or an entry before it was changed", e.seq, e.kind, printableKey(e.key))
		}
		prev = e.chain
		if e.origin == originSealed {
			rep.Sealed++
		}
		if strings.HasPrefix(e.origin, originImported) {
			rep.Imported++
		}
		kind, ok := kindNamed(e.kind)
		if !ok {
			problem(e.kind, e.key, "entry %d names an unknown kind of record", e.seq)
			continue
		}
		if covered[e.kind] == nil {
			covered[e.kind] = map[string]bool{}
		}
		covered[e.kind][e.key] = true
		var cols map[string][]string
		if err := json.Unmarshal([]byte(e.columns), &cols); err != nil {
			problem(e.kind, e.key, "entry %d: its column list does not decode: %v", e.seq, err)
			continue
		}
		got, n, err := unitDigest(ctx, q, kind, e.key, cols)
		switch {
		case err != nil:
			problem(e.kind, e.key, "entry %d: reading the record: %v", e.seq, err)
		case n == 0:
			problem(e.kind, e.key, "the %s recorded in entry %d was deleted", e.kind, e.seq)
		case got != e.digest:
			problem(e.kind, e.key, "the %s recorded in entry %d was changed after it was recorded", e.kind, e.seq)
		}
	}
	rep.Entries = len(entries)
	rep.Head = prev
	for _, k := range unitKinds {
		keys, err := s.unitKeys(ctx, q, k)
		if err != nil {
			return nil, err
		}
		for _, key := range keys {
			if !covered[k.name][key] {
				problem(k.name, key, "rows of this %s are in the database but not in the ledger: added outside Strata", k.name)
			}
		}
	}
	return rep, nil
}

// printableKey shows a composite key with " / " between its parts.
func printableKey(key string) string { return strings.ReplaceAll(key, "\x00", " / ") }

// snapshot returns a querier that sees the store as of one moment, for reads that must agree
// with each other while other stations write: a read-only repeatable-read transaction on a
// server. A SQLite store is read as it is (its writers are serialized and a check runs while
// none writes).
func (s *Store) snapshot(ctx context.Context) (querier, func(), error) {
	if _, ok := s.db.d.(postgresDialect); !ok {
		return s.db, func() {}, nil
	}
	sqlTx, err := s.db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, nil, err
	}
	return &txConn{tx: sqlTx, c: s.db}, func() { _ = sqlTx.Rollback() }, nil
}
