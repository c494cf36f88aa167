package history

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// An export archive carries a station's history to another station that shares no server
// with it: every unit the ledger holds, with its rows, its ledger entry and the chain, so that
// the receiving station can verify each record before it merges any (see Export, Import).
//
// It is a gzip-compressed tar of two members:
//
//   - manifest.json: the format, who exported it where and when, the schema version, the
//     ledger head, the sha256 and size of records.jsonl, and for each record its ledger entry
//     (seq, kind, key, digest) and the sha256 of its line;
//   - records.jsonl: one JSON object per ledger entry, in ledger order: the entry's fields and
//     the unit's rows, part by part (table, columns, rows), values encoded as in exportValue.
const (
	archiveFormat   = "strata-history-export"
	archiveVersion  = 1
	manifestMember  = "manifest.json"
	recordsMember   = "records.jsonl"
	maxManifestSize = 1 << 30
)

// ArchiveManifest is an export archive's manifest.json.
type ArchiveManifest struct {
	Format        string           `json:"format"`
	Version       int              `json:"version"`
	ExportedAt    string           `json:"exported_at"`
	StrataVersion string           `json:"strata_version"`
	Who           string           `json:"who"`
	Host          string           `json:"host"`
	Database      string           `json:"database"`
	Engine        string           `json:"engine"`
	SchemaVersion int              `json:"schema_version"`
	LedgerHead    string           `json:"ledger_head"`
	Members       []ArchiveMember  `json:"members"`
	Records       []ManifestRecord `json:"records"`
}

// ArchiveMember is one file of the archive besides the manifest.
type ArchiveMember struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// ManifestRecord names one record of the archive: its ledger entry and the sha256 of its line.
type ManifestRecord struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Key    string `json:"key"`
	Digest string `json:"digest"`
	SHA256 string `json:"sha256"`
}

// archiveRecord is one line of records.jsonl.
type archiveRecord struct {
	Seq        int64          `json:"seq"`
	Kind       string         `json:"kind"`
	Key        string         `json:"key"`
	Columns    string         `json:"columns"`
	Digest     string         `json:"digest"`
	Origin     string         `json:"origin"`
	RecordedAt string         `json:"recorded_at"`
	Chain      string         `json:"chain"`
	Parts      []archivePart  `json:"parts"`
	parts      []unitPartRows // decoded
}

type archivePart struct {
	Table   string              `json:"table"`
	Columns []string            `json:"columns"`
	Rows    [][]json.RawMessage `json:"rows"`
}

// exportValue encodes a stored value so that it decodes to the same value: integers as JSON
// numbers, text that is UTF-8 as a JSON string, other text as {"text64": base64}, bytes as
// {"bytes64": base64}, NULL as null.
func exportValue(v any) (json.RawMessage, error) {
	switch x := canonicalValue(v).(type) {
	case nil:
		return json.RawMessage("null"), nil
	case int64:
		return json.RawMessage(strconv.FormatInt(x, 10)), nil
	case float64:
		return json.Marshal(map[string]string{"float": strconv.FormatFloat(x, 'g', -1, 64)})
	case string:
		if isJSONSafe(x) {
			return json.Marshal(x)
		}
		return json.Marshal(map[string]string{"text64": base64.StdEncoding.EncodeToString([]byte(x))})
	case []byte:
		return json.Marshal(map[string]string{"bytes64": base64.StdEncoding.EncodeToString(x)})
	default:
		return nil, fmt.Errorf("a value of type %T", v)
	}
}

// isJSONSafe reports whether JSON carries s unchanged (Go replaces invalid UTF-8).
func isJSONSafe(s string) bool { return utf8.ValidString(s) }

func importValue(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return nil, errors.New("an empty value")
	case string(raw) == "null":
		return nil, nil
	case raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case raw[0] == '{':
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		if len(m) != 1 {
			return nil, fmt.Errorf("a value object with %d fields", len(m))
		}
		for k, v := range m {
			switch k {
			case "text64":
				b, err := base64.StdEncoding.DecodeString(v)
				return string(b), err
			case "bytes64":
				return base64.StdEncoding.DecodeString(v)
			case "float":
				return strconv.ParseFloat(v, 64)
			}
			return nil, fmt.Errorf("a value of unknown kind %q", k)
		}
	}
	return strconv.ParseInt(string(raw), 10, 64)
}

// ExportSummary is what Export wrote.
type ExportSummary struct {
	Records    int            `json:"records"`
	ByKind     map[string]int `json:"by_kind"`
	LedgerHead string         `json:"ledger_head"`
	SHA256     string         `json:"records_sha256"`
}

// Export writes an archive of every unit the ledger holds to w. Each unit is read back and
// hashed as the ledger does: a unit whose rows no longer match their ledger digest is not
// exported (the error names it; `strata store --check` tells the rest). tmpDir holds the
// records while the manifest is computed. Units recorded while the export runs are left for
// the next one.
func (s *Store) Export(ctx context.Context, w io.Writer, tmpDir string) (*ExportSummary, error) {
	entries, err := s.ledgerEntries(ctx, s.db)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(tmpDir, "export-*.jsonl")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, h), 1<<20)
	m := &ArchiveManifest{Format: archiveFormat, Version: archiveVersion, ExportedAt: fmtTime(s.now()),
		StrataVersion: s.ToolVersion, Who: s.Who, Host: s.Host, Database: s.path, Engine: s.Engine(),
		SchemaVersion: SchemaVersion, Records: []ManifestRecord{}}
	sum := &ExportSummary{ByKind: map[string]int{}}
	var size int64
	prev := ""
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		kind, ok := kindNamed(e.kind)
		if !ok {
			return nil, fmt.Errorf("exporting ledger entry %d: unknown kind %q", e.seq, e.kind)
		}
		var cols map[string][]string
		if err := json.Unmarshal([]byte(e.columns), &cols); err != nil {
			return nil, fmt.Errorf("exporting ledger entry %d: its column list: %w", e.seq, err)
		}
		parts, err := unitRows(ctx, s.db, kind, e.key, cols)
		if err != nil {
			return nil, fmt.Errorf("exporting %s %s: %w", e.kind, printableKey(e.key), err)
		}
		if d, n := digestParts(parts); n == 0 || d != e.digest {
			return nil, fmt.Errorf("exporting %s %s: its rows do not match ledger entry %d (run strata store --check)", e.kind, printableKey(e.key), e.seq)
		}
		rec := archiveRecord{Seq: e.seq, Kind: e.kind, Key: e.key, Columns: e.columns, Digest: e.digest, Origin: e.origin,
			RecordedAt: e.recorded, Chain: e.chain}
		for _, p := range parts {
			ap := archivePart{Table: p.Table, Columns: p.Columns, Rows: make([][]json.RawMessage, len(p.Rows))}
			for i, r := range p.Rows {
				ap.Rows[i] = make([]json.RawMessage, len(r))
				for j, v := range r {
					if ap.Rows[i][j], err = exportValue(v); err != nil {
						return nil, fmt.Errorf("exporting %s %s: %s.%s: %w", e.kind, printableKey(e.key), p.Table, p.Columns[j], err)
					}
				}
			}
			rec.Parts = append(rec.Parts, ap)
		}
		line, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		ls := sha256.Sum256(line)
		m.Records = append(m.Records, ManifestRecord{Seq: e.seq, Kind: e.kind, Key: e.key, Digest: e.digest, SHA256: hex.EncodeToString(ls[:])})
		if _, err := bw.Write(append(line, '\n')); err != nil {
			return nil, err
		}
		size += int64(len(line)) + 1
		sum.ByKind[e.kind]++
		prev = e.chain
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	m.LedgerHead = prev
	sum.Records, sum.LedgerHead, sum.SHA256 = len(entries), prev, hex.EncodeToString(h.Sum(nil))
	m.Members = []ArchiveMember{{Name: recordsMember, SHA256: sum.SHA256, Size: size}}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	mod := s.now().UTC().Truncate(time.Second)
	if err := tw.WriteHeader(&tar.Header{Name: manifestMember, Mode: 0o600, Size: int64(len(manifest)), ModTime: mod, Typeflag: tar.TypeReg}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(manifest); err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: recordsMember, Mode: 0o600, Size: size, ModTime: mod, Typeflag: tar.TypeReg}); err != nil {
		return nil, err
	}
	if _, err := io.Copy(tw, tmp); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return sum, nil
}

type ledgerEntry struct {
	seq                                                 int64
	kind, key, columns, digest, origin, recorded, chain string
}

func (s *Store) ledgerEntries(ctx context.Context, q querier) ([]ledgerEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, kind, key, columns, digest, origin, recorded_at, chain
		FROM ledger ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("reading the ledger: %w", err)
	}
	defer rows.Close()
	var entries []ledgerEntry
	for rows.Next() {
		var e ledgerEntry
		if err := rows.Scan(&e.seq, &e.kind, &e.key, &e.columns, &e.digest, &e.origin, &e.recorded, &e.chain); err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

// ArchiveError is an export archive that does not verify: a member or a record changed, the
// chain broken, the manifest unreadable. Record names the record (or member) at fault.
type ArchiveError struct {
	Archive string
	Record  string
	Detail  string
}

func (e *ArchiveError) Error() string {
	if e.Record == "" {
		return fmt.Sprintf("%s: %s", e.Archive, e.Detail)
	}
	return fmt.Sprintf("%s: %s does not verify: %s", e.Archive, e.Record, e.Detail)
}

func recordName(seq int64, kind, key string) string {
	return fmt.Sprintf("record %d (%s %s)", seq, kind, printableKey(key))
}

// openArchive opens path's tar stream and reads its manifest, which comes first.
func openArchive(path string) (*ArchiveManifest, *tar.Reader, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, nil, nil, &ArchiveError{Archive: path, Detail: fmt.Sprintf("not a strata history export (%v)", err)}
	}
	closer := func() { gz.Close(); f.Close() }
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != manifestMember {
		closer()
		return nil, nil, nil, &ArchiveError{Archive: path, Detail: "not a strata history export (no manifest.json first)"}
	}
	if hdr.Size > maxManifestSize {
		closer()
		return nil, nil, nil, &ArchiveError{Archive: path, Record: manifestMember, Detail: "too large"}
	}
	var m ArchiveManifest
	dec := json.NewDecoder(io.LimitReader(tr, maxManifestSize))
	if err := dec.Decode(&m); err != nil {
		closer()
		return nil, nil, nil, &ArchiveError{Archive: path, Record: manifestMember, Detail: fmt.Sprintf("it does not parse: %v", err)}
	}
	if m.Format != archiveFormat || m.Version != archiveVersion {
		closer()
		return nil, nil, nil, &ArchiveError{Archive: path, Detail: fmt.Sprintf("not a strata history export this strata reads (format %q version %d)", m.Format, m.Version)}
	}
	if m.SchemaVersion > SchemaVersion {
		closer()
		return nil, nil, nil, fmt.Errorf("%s: exported from a database at schema version %d; this strata knows up to %d (upgrade strata)", path, m.SchemaVersion, SchemaVersion)
	}
	return &m, tr, closer, nil
}

// eachRecord streams the archive's records.jsonl, verifying as it goes: each line against the
// manifest's sha256 for it, each record's rows against its digest, the chain from entry to
// entry; and, at the end, the member's sha256 and size and the chain's head. fn sees each
// record once it verified; verify alone passes nil.
func eachRecord(path string, fn func(m *ArchiveManifest, r *archiveRecord) error) (*ArchiveManifest, error) {
	m, tr, closer, err := openArchive(path)
	if err != nil {
		return nil, err
	}
	defer closer()
	bad := func(rec, format string, args ...any) error {
		return &ArchiveError{Archive: path, Record: rec, Detail: fmt.Sprintf(format, args...)}
	}
	hdr, err := tr.Next()
	if err != nil || hdr.Name != recordsMember {
		return nil, bad(recordsMember, "the member is missing")
	}
	var member *ArchiveMember
	for i := range m.Members {
		if m.Members[i].Name == recordsMember {
			member = &m.Members[i]
		}
	}
	if member == nil {
		return nil, bad(recordsMember, "the manifest does not list it")
	}
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(tr, h), 1<<20)
	var size int64
	prev := ""
	i := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return nil, bad(recordsMember, "reading it: %v", err)
		}
		size += int64(len(line))
		line = bytes.TrimSuffix(line, []byte("\n"))
		if i >= len(m.Records) {
			return nil, bad(fmt.Sprintf("line %d of %s", i+1, recordsMember), "the manifest lists %d records", len(m.Records))
		}
		want := m.Records[i]
		name := recordName(want.Seq, want.Kind, want.Key)
		ls := sha256.Sum256(line)
		if hex.EncodeToString(ls[:]) != want.SHA256 {
			return nil, bad(name, "line %d of %s hashes to sha256 %x, the manifest says %s: the record was changed", i+1, recordsMember, ls, want.SHA256)
		}
		var rec archiveRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, bad(name, "it does not parse: %v", err)
		}
		if rec.Seq != want.Seq || rec.Kind != want.Kind || rec.Key != want.Key || rec.Digest != want.Digest {
			return nil, bad(name, "the record is %s with digest %s, the manifest names another", recordName(rec.Seq, rec.Kind, rec.Key), rec.Digest)
		}
		if _, ok := kindNamed(rec.Kind); !ok {
			return nil, bad(name, "unknown kind of record %q", rec.Kind)
		}
		if err := rec.decode(); err != nil {
			return nil, bad(name, "%v", err)
		}
		if got, n := digestParts(rec.parts); n == 0 || got != rec.Digest {
			return nil, bad(name, "its rows hash to %s, its ledger entry says %s: the rows were changed", got, rec.Digest)
		}
		if i > 0 && rec.Seq != m.Records[i-1].Seq+1 {
			return nil, bad(name, "entry %d follows entry %d: entries are missing", rec.Seq, m.Records[i-1].Seq)
		}
		if got := chainHash(prev, rec.Seq, rec.Kind, rec.Key, rec.Columns, rec.Digest, rec.Origin, rec.RecordedAt); got != rec.Chain {
			return nil, bad(name, "the ledger chain breaks at entry %d: it or an entry before it was changed", rec.Seq)
		}
		prev = rec.Chain
		if fn != nil {
			if err := fn(m, &rec); err != nil {
				return nil, err
			}
		}
		i++
		if err == io.EOF {
			break
		}
	}
	if i != len(m.Records) {
		return nil, bad(recordsMember, "it holds %d records, the manifest lists %d", i, len(m.Records))
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return nil, bad(recordsMember, "reading it: %v", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != member.SHA256 || size != member.Size {
		return nil, bad(recordsMember, "it hashes to sha256 %s (%d bytes), the manifest says %s (%d bytes)", got, size, member.SHA256, member.Size)
	}
	if prev != m.LedgerHead {
		return nil, bad(manifestMember, "its ledger head %s is not the chain's end %s", m.LedgerHead, prev)
	}
	return m, nil
}

func (r *archiveRecord) decode() error {
	var cols map[string][]string
	if err := json.Unmarshal([]byte(r.Columns), &cols); err != nil {
		return fmt.Errorf("its column list does not parse: %v", err)
	}
	r.parts = nil
	for _, p := range r.Parts {
		if want, ok := cols[p.Table]; !ok || strings.Join(want, ",") != strings.Join(p.Columns, ",") {
			return fmt.Errorf("its %s rows have columns %v, its ledger entry lists %v", p.Table, p.Columns, want)
		}
		up := unitPartRows{Table: p.Table, Columns: p.Columns}
		for _, raw := range p.Rows {
			if len(raw) != len(p.Columns) {
				return fmt.Errorf("a %s row has %d values for %d columns", p.Table, len(raw), len(p.Columns))
			}
			row := make([]any, len(raw))
			for j, v := range raw {
				val, err := importValue(v)
				if err != nil {
					return fmt.Errorf("%s.%s: %v", p.Table, p.Columns[j], err)
				}
				row[j] = val
			}
			up.Rows = append(up.Rows, row)
		}
		r.parts = append(r.parts, up)
	}
	// The parts must be the unit kind's, in its order: the digest covers them so.
	kind, _ := kindNamed(r.Kind)
	j := 0
	for _, kp := range kind.parts {
		if j < len(r.parts) && r.parts[j].Table == kp.table {
			j++
		}
	}
	if j != len(r.parts) {
		return fmt.Errorf("its parts are not those of a %s", r.Kind)
	}
	return nil
}

// VerifyArchive checks an export archive without importing it: every member and record
// against the manifest, every record's rows against its ledger digest, and the chain up to the
// manifest's ledger head (compare that with the head `strata store --check` printed at the
// exporting station).
func VerifyArchive(path string) (*ArchiveManifest, error) {
	return eachRecord(path, nil)
}
