package rpmdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Format names a database format.
type Format string

// Database formats.
const (
	SQLite     Format = "sqlite"
	BerkeleyDB Format = "bdb"
	NDB        Format = "ndb"
)

// Detect tells a database's format from its first bytes; "" when it is none of them.
func Detect(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte(sqliteMagic)):
		return SQLite
	case len(data) >= 4 && binary.LittleEndian.Uint32(data) == ndbMagic:
		return NDB
	case len(data) >= 16 && (binary.LittleEndian.Uint32(data[12:]) == bdbHashMagic || binary.BigEndian.Uint32(data[12:]) == bdbHashMagic):
		return BerkeleyDB
	}
	return ""
}

// Read reads every package header of the database in data, whatever its format, and parses
// them. Headers that do not parse are skipped: when some were, the packages read are returned
// with an error saying how many were not.
func Read(data []byte) ([]Package, error) {
	var (
		r   records
		err error
	)
	switch Detect(data) {
	case SQLite:
		r, err = sqliteBlobs(data)
	case BerkeleyDB:
		r, err = bdbBlobs(data)
	case NDB:
		r, err = ndbBlobs(data)
	default:
		return nil, errors.New("not an rpm database (neither SQLite, Berkeley DB hash nor ndb)")
	}
	if err != nil {
		return nil, err
	}
	var out []Package
	for _, b := range r.blobs {
		p, err := ParseHeader(b)
		if err != nil {
			r.fail(err)
			continue
		}
		out = append(out, p)
	}
	if r.bad > 0 {
		return out, &PartialError{Bad: r.bad, Total: r.bad + len(out), First: r.first}
	}
	return out, nil
}

// records are the header blobs a database holds, and how many of its records could not be
// read (with the first reason).
type records struct {
	blobs [][]byte
	bad   int
	first error
}

func (r *records) fail(err error) {
	if r.bad++; r.first == nil {
		r.first = err
	}
}

// PartialError says that some package headers of a database could not be read.
type PartialError struct {
	Bad, Total int
	First      error
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d of %d package records are malformed (the first: %v)", e.Bad, e.Total, e.First)
}

func (e *PartialError) Unwrap() error { return e.First }
