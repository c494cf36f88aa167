package vulns

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// maxRecordSize bounds one OSV file; the largest real records (kernel CVEs naming every
// release) are a few megabytes.
const maxRecordSize = 64 << 20

// Source is one import.
type Source struct {
	ID int64 `json:"id"`
	// Name identifies the export across imports: a full import of a name retires the
	// advisories its previous imports held and this one does not.
	Name       string    `json:"name"`
	Path       string    `json:"path"`
	SHA256     string    `json:"sha256"`
	ImportedAt time.Time `json:"imported_at"`
	// Advisories counts the records read; Full says whether the import was a full export.
	Advisories int  `json:"advisories"`
	Full       bool `json:"full"`
	// NewestModified is the newest `modified` of the records read.
	NewestModified time.Time `json:"newest_modified"`
	Changes        Changes   `json:"changes"`
}

// Changes count what an import did to the database.
type Changes struct {
	// Added records are new; Updated ones replaced an older copy; Unchanged ones were not
	// newer than the copy the database holds (an older export changes nothing).
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Withdrawn records say so themselves; Deleted ones were in this source before and are no
	// longer in its full export.
	Withdrawn int `json:"withdrawn"`
	Deleted   int `json:"deleted"`
}

func parseChanges(s string) Changes {
	var c Changes
	json.Unmarshal([]byte(s), &c)
	return c
}

// ImportOptions control Import.
type ImportOptions struct {
	// Now is the import time to record; zero means time.Now.
	Now time.Time
	// Source names the export; "" means the absolute path imported. Importing a later
	// export of the same source under the same name is a full re-import.
	Source string
	// Partial marks an export that holds only some of its source's records: nothing is
	// retired for being absent from it.
	Partial bool
	// Strict makes any file that cannot be read or parsed abort the import, which then
	// changes nothing.
	Strict bool
}

// FileProblem is a file of an export that could not be imported.
type FileProblem struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

// ImportResult says what an import did.
type ImportResult struct {
	Source
	// Problems name every file that could not be read or parsed, with the reason.
	Problems []FileProblem `json:"problems"`
	// Stale is set when the export is older than what the database already holds for its
	// source: nothing was retired.
	Stale bool `json:"stale,omitempty"`
}

// StrictError is the error of a strict import that met a file it could not import.
type StrictError struct{ Problem FileProblem }

func (e *StrictError) Error() string {
	return fmt.Sprintf("%s: %s (--strict)", e.Problem.File, e.Problem.Error)
}

// Import loads a directory or zip of OSV JSON files, one record at a time. A record replaces
// the database's copy only when its `modified` is newer; withdrawn records retire theirs;
// on a full import, the advisories the source held before and no longer holds are retired,
// unless the export is older than what the source held.
func (d *DB) Import(ctx context.Context, path string, opts ImportOptions) (*ImportResult, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", path, err)
	}
	if opts.Source == "" {
		opts.Source = abs
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", path, err)
	}
	var walk func(func(name string, open func() (io.ReadCloser, error)) error) error
	if fi.IsDir() {
		walk = func(fn func(string, func() (io.ReadCloser, error)) error) error {
			return filepath.WalkDir(path, func(p string, e fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if e.IsDir() || !strings.HasSuffix(p, ".json") {
					return nil
				}
				rel, _ := filepath.Rel(path, p)
				return fn(filepath.ToSlash(rel), func() (io.ReadCloser, error) { return os.Open(p) })
			})
		}
	} else {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, fmt.Errorf("importing %s: not a directory or zip of OSV JSON files: %w", path, err)
		}
		defer zr.Close()
		files := append([]*zip.File(nil), zr.File...)
		sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
		walk = func(fn func(string, func() (io.ReadCloser, error)) error) error {
			for _, f := range files {
				if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".json") {
					continue
				}
				if err := fn(f.Name, f.Open); err != nil {
					return err
				}
			}
			return nil
		}
	}
	res := &ImportResult{Source: Source{Name: opts.Source, Path: abs, ImportedAt: opts.Now.UTC(), Full: !opts.Partial}, Problems: []FileProblem{}}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		im, err := newImporter(ctx, tx, res)
		if err != nil {
			return err
		}
		defer im.close()
		var sums []string
		err = walk(func(name string, open func() (io.ReadCloser, error)) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			data, err := readAll(open)
			if err == nil {
				sum := sha256.Sum256(data)
				sums = append(sums, name+" "+hex.EncodeToString(sum[:]))
				err = im.add(data)
			}
			if err != nil {
				p := FileProblem{File: name, Error: err.Error()}
				if opts.Strict {
					return &StrictError{Problem: p}
				}
				res.Problems = append(res.Problems, p)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if res.Advisories == 0 {
			return errors.New("no OSV advisories found")
		}
		sort.Strings(sums)
		h := sha256.New()
		for _, s := range sums {
			io.WriteString(h, s+"\n")
		}
		res.SHA256 = hex.EncodeToString(h.Sum(nil))
		return im.finish()
	})
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", path, err)
	}
	return res, nil
}

func readAll(open func() (io.ReadCloser, error)) ([]byte, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxRecordSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxRecordSize {
		return nil, fmt.Errorf("larger than %d bytes", maxRecordSize)
	}
	return data, nil
}

// importer writes one import's records inside its transaction.
type importer struct {
	ctx context.Context
	tx  *sql.Tx
	res *ImportResult
	// previous is the newest `modified` the source's earlier imports held.
	previous time.Time
	newest   time.Time
	stmts    map[string]*sql.Stmt
}

const (
	qGet       = `SELECT modified, state FROM advisories WHERE id = ?`
	qPut       = `INSERT OR REPLACE INTO advisories (id, source_id, modified, published, summary, severity, aliases, state, cvss) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qDelAff    = `DELETE FROM affected WHERE advisory_id = ?`
	qAddAff    = `INSERT INTO affected (advisory_id, ecosystem, base, name, ranges, versions, specific) VALUES (?, ?, ?, ?, ?, ?, ?)`
	qMember    = `INSERT INTO advisory_sources (advisory_id, source, import_id) VALUES (?, ?, ?) ON CONFLICT (advisory_id, source) DO UPDATE SET import_id = excluded.import_id`
	qPrevious  = `SELECT coalesce(max(newest_modified), '') FROM sources WHERE name = ?`
	qNewSource = `INSERT INTO sources (name, path, sha256, imported_at, advisories, full, newest_modified, changes) VALUES (?, ?, '', ?, 0, ?, '', '{}')`
)

func newImporter(ctx context.Context, tx *sql.Tx, res *ImportResult) (*importer, error) {
	im := &importer{ctx: ctx, tx: tx, res: res, stmts: map[string]*sql.Stmt{}}
	var prev string
	if err := tx.QueryRowContext(ctx, qPrevious, res.Name).Scan(&prev); err != nil {
		return nil, err
	}
	im.previous = readTime(prev)
	r, err := tx.ExecContext(ctx, qNewSource, res.Name, res.Path, fmtTime(res.ImportedAt), res.Full)
	if err != nil {
		return nil, err
	}
	if res.ID, err = r.LastInsertId(); err != nil {
		return nil, err
	}
	for _, q := range []string{qGet, qPut, qDelAff, qAddAff, qMember} {
		s, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		im.stmts[q] = s
	}
	return im, nil
}

func (im *importer) close() {
	for _, s := range im.stmts {
		s.Close()
	}
}

func (im *importer) exec(q string, args ...any) error {
	_, err := im.stmts[q].ExecContext(im.ctx, args...)
	return err
}

// add imports one record.
func (im *importer) add(data []byte) error {
	a, err := ParseOSV(data)
	if err != nil {
		return err
	}
	im.res.Advisories++
	if a.Modified.After(im.newest) {
		im.newest = a.Modified
	}
	if err := im.exec(qMember, a.ID, im.res.Name, im.res.ID); err != nil {
		return err
	}
	var modified, state string
	err = im.stmts[qGet].QueryRowContext(im.ctx, a.ID).Scan(&modified, &state)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if exists && !a.Modified.After(readTime(modified)) {
		// The database's copy (or its tombstone) is as new: an older export changes nothing.
		im.res.Changes.Unchanged++
		return nil
	}
	state = stateActive
	if !a.Withdrawn.IsZero() {
		state = stateWithdrawn
		im.res.Changes.Withdrawn++
	} else if exists {
		im.res.Changes.Updated++
	} else {
		im.res.Changes.Added++
	}
	aliases, _ := json.Marshal(nonNil(a.Aliases))
	cvss, _ := json.Marshal(nonNil(a.CVSS))
	if err := im.exec(qPut, a.ID, im.res.ID, fmtTime(a.Modified), fmtTime(a.Published), a.Summary, a.Rating, string(aliases), state, string(cvss)); err != nil {
		return err
	}
	if err := im.exec(qDelAff, a.ID); err != nil {
		return err
	}
	if state != stateActive {
		return nil
	}
	for _, af := range a.Affected {
		base, _, _ := strings.Cut(af.Ecosystem, ":")
		ranges, _ := json.Marshal(nonNil(af.Ranges))
		versions, _ := json.Marshal(nonNil(af.Versions))
		spec, _ := json.Marshal(af.Specific)
		if err := im.exec(qAddAff, a.ID, af.Ecosystem, base, lookupName(base, af.Name), string(ranges), string(versions), string(spec)); err != nil {
			return err
		}
	}
	return nil
}

// finish retires what a full export no longer holds and records the import's figures.
func (im *importer) finish() error {
	ctx, tx, res := im.ctx, im.tx, im.res
	res.NewestModified = im.newest
	res.Stale = !im.previous.IsZero() && im.newest.Before(im.previous)
	if res.Full && !res.Stale {
		// Memberships this import did not renew are records the source no longer holds.
		if _, err := tx.ExecContext(ctx, `DELETE FROM advisory_sources WHERE source = ? AND import_id <> ?`, res.Name, res.ID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM advisories a WHERE state <> 'deleted'
			AND NOT EXISTS (SELECT 1 FROM advisory_sources s WHERE s.advisory_id = a.id)`)
		if err != nil {
			return err
		}
		var orphans []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			orphans = append(orphans, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range orphans {
			if _, err := tx.ExecContext(ctx, `UPDATE advisories SET state = 'deleted' WHERE id = ?`, id); err != nil {
				return err
			}
			if err := im.exec(qDelAff, id); err != nil {
				return err
			}
		}
		res.Changes.Deleted = len(orphans)
	}
	changes, _ := json.Marshal(res.Changes)
	_, err := tx.ExecContext(ctx, `UPDATE sources SET sha256 = ?, advisories = ?, newest_modified = ?, changes = ? WHERE id = ?`,
		res.SHA256, res.Advisories, fmtTime(res.NewestModified), string(changes), res.ID)
	return err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// lookupName is the name affected rows are indexed by: PyPI names normalized, the rest as is.
func lookupName(base, name string) string {
	if base == "PyPI" {
		return normalizePyPI(name)
	}
	return name
}
