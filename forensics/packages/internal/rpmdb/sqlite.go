package rpmdb

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// rpm 4.16 and later keep the database in SQLite: a table
//
//	CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)
//
// whose blobs are the headers. The file is read as the SQLite file format document describes
// it, without SQLite: the 100-byte database header, the schema table on page 1 giving the
// Packages table's root page, and that table's b-tree of interior and leaf pages, whose cells
// hold records that may spill into chains of overflow pages. A write-ahead log is not read,
// as rpm checkpoints it when it closes the database.

const sqliteMagic = "SQLite format 3\x00"

// Page types.
const (
	sqliteInteriorTable = 0x05
	sqliteLeafTable     = 0x0d
)

type sqliteFile struct {
	data     []byte
	pageSize int
	usable   int
	pages    uint32
	// spilled counts the bytes assembled from overflow pages: in a sound file every overflow
	// page belongs to one record, so more than the file holds means chains are shared.
	spilled int
}

func openSQLite(data []byte) (*sqliteFile, error) {
	if len(data) < 100 {
		return nil, errors.New("SQLite database shorter than its header")
	}
	ps := int(binary.BigEndian.Uint16(data[16:]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, fmt.Errorf("SQLite page size %d is not a power of two from 512 to 65536", ps)
	}
	reserved := int(data[20])
	usable := ps - reserved
	if usable < 480 {
		return nil, fmt.Errorf("SQLite usable page size %d is below the format's minimum", usable)
	}
	if enc := binary.BigEndian.Uint32(data[56:]); enc > 1 {
		return nil, fmt.Errorf("SQLite text encoding %d is not UTF-8", enc)
	}
	return &sqliteFile{data: data, pageSize: ps, usable: usable, pages: uint32(len(data) / ps)}, nil
}

// page returns page n (1-based) and the offset of its b-tree header in it.
func (f *sqliteFile) page(n uint32) ([]byte, int, error) {
	if n == 0 || n > f.pages {
		return nil, 0, fmt.Errorf("SQLite page %d is outside the file's %d pages", n, f.pages)
	}
	start := int(n-1) * f.pageSize
	hdr := 0
	if n == 1 {
		hdr = 100
	}
	return f.data[start : start+f.pageSize], hdr, nil
}

// scanTable calls fn with each record of the table b-tree rooted at root, in b-tree order.
func (f *sqliteFile) scanTable(root uint32, fn func(record []byte) error) error {
	seen := map[uint32]bool{}
	stack := []uint32{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n] {
			return fmt.Errorf("SQLite page %d is reached twice in one b-tree", n)
		}
		seen[n] = true
		pg, h, err := f.page(n)
		if err != nil {
			return err
		}
		if h+8 > f.usable {
			return fmt.Errorf("SQLite page %d: no room for its header", n)
		}
		kind := pg[h]
		cells := int(binary.BigEndian.Uint16(pg[h+3:]))
		ptrs := h + 8
		if kind == sqliteInteriorTable {
			ptrs = h + 12
		}
		if ptrs+2*cells > f.usable {
			return fmt.Errorf("SQLite page %d: %d cells do not fit", n, cells)
		}
		cell := func(i int) (int, error) {
			off := int(binary.BigEndian.Uint16(pg[ptrs+2*i:]))
			if off < ptrs+2*cells || off >= f.usable {
				return 0, fmt.Errorf("SQLite page %d: cell %d at %d is outside the cell area", n, i, off)
			}
			return off, nil
		}
		switch kind {
		case sqliteInteriorTable:
			// Children are pushed in reverse so that they are visited in key order.
			stack = append(stack, binary.BigEndian.Uint32(pg[h+8:]))
			for i := cells - 1; i >= 0; i-- {
				off, err := cell(i)
				if err != nil {
					return err
				}
				if off+4 > f.usable {
					return fmt.Errorf("SQLite page %d: cell %d is cut off", n, i)
				}
				stack = append(stack, binary.BigEndian.Uint32(pg[off:]))
			}
		case sqliteLeafTable:
			for i := range cells {
				off, err := cell(i)
				if err != nil {
					return err
				}
				rec, err := f.payload(pg[:f.usable], off)
				if err != nil {
					return fmt.Errorf("SQLite page %d, cell %d: %w", n, i, err)
				}
				if err := fn(rec); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("SQLite page %d has type %#x, not a table b-tree page", n, kind)
		}
	}
	return nil
}

// payload returns the record of the table leaf cell at off in pg (the page's usable bytes),
// following its overflow chain.
func (f *sqliteFile) payload(pg []byte, off int) ([]byte, error) {
	size, n := uvarint(pg[off:])
	if n == 0 {
		return nil, errors.New("cell size is cut off")
	}
	off += n
	if _, n = uvarint(pg[off:]); n == 0 {
		return nil, errors.New("cell rowid is cut off")
	}
	off += n
	if size > uint64(len(f.data)) {
		return nil, fmt.Errorf("record of %d bytes in a file of %d", size, len(f.data))
	}
	total := int(size)
	// How much of the record is on the page, as the file format defines it.
	u := f.usable
	local := total
	if maxLocal := u - 35; total > maxLocal {
		minLocal := (u-12)*32/255 - 23
		local = minLocal + (total-minLocal)%(u-4)
		if local > maxLocal {
			local = minLocal
		}
	}
	if off+local > len(pg) {
		return nil, errors.New("record runs past its page")
	}
	if local == total {
		return pg[off : off+local], nil
	}
	if off+local+4 > len(pg) {
		return nil, errors.New("overflow page number is cut off")
	}
	out := make([]byte, 0, total)
	out = append(out, pg[off:off+local]...)
	next := binary.BigEndian.Uint32(pg[off+local:])
	for len(out) < total {
		if next == 0 {
			return nil, fmt.Errorf("overflow chain ends after %d of %d bytes", len(out), total)
		}
		op, _, err := f.page(next)
		if err != nil {
			return nil, err
		}
		k := min(total-len(out), u-4)
		if f.spilled += k; f.spilled > len(f.data) {
			return nil, errors.New("overflow chains hold more than the file: they are shared or looped")
		}
		out = append(out, op[4:4+k]...)
		next = binary.BigEndian.Uint32(op)
	}
	return out, nil
}

// uvarint decodes SQLite's big-endian varint (1 to 9 bytes); n is 0 when b is too short.
func uvarint(b []byte) (v uint64, n int) {
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return v, 9
}

// value is one column of a record.
type value struct {
	null  bool
	isInt bool
	i     int64
	blob  bool
	bytes []byte // BLOB or TEXT
}

// columns decodes a record: a header of serial types, then the values.
func columns(rec []byte) ([]value, error) {
	hs, n := uvarint(rec)
	if n == 0 || hs < uint64(n) || hs > uint64(len(rec)) {
		return nil, errors.New("record header is cut off")
	}
	var types []uint64
	for off := n; off < int(hs); {
		t, k := uvarint(rec[off:int(hs)])
		if k == 0 {
			return nil, errors.New("record header is cut off")
		}
		types = append(types, t)
		off += k
	}
	body := rec[hs:]
	out := make([]value, 0, len(types))
	for _, t := range types {
		var size uint64
		v := value{}
		switch {
		case t == 0:
			v.null = true
		case t >= 1 && t <= 6:
			size = [...]uint64{0, 1, 2, 3, 4, 6, 8}[t]
			v.isInt = true
		case t == 7:
			size = 8
		case t == 8 || t == 9:
			v.isInt, v.i = true, int64(t-8)
		case t == 10 || t == 11:
			return nil, fmt.Errorf("reserved serial type %d", t)
		default:
			size = (t - 12) / 2
			v.blob = t%2 == 0
		}
		if size > uint64(len(body)) {
			return nil, errors.New("record value runs past the record")
		}
		b := body[:size]
		body = body[size:]
		switch {
		case v.isInt && size > 0:
			x := int64(int8(b[0]))
			for _, c := range b[1:] {
				x = x<<8 | int64(c)
			}
			v.i = x
		case t >= 12:
			v.bytes = b
		}
		out = append(out, v)
	}
	return out, nil
}

// tableRoot finds a table's root page in the schema table (page 1).
func (f *sqliteFile) tableRoot(name string) (uint32, error) {
	var root uint32
	found := errors.New("found")
	err := f.scanTable(1, func(rec []byte) error {
		cols, err := columns(rec)
		if err != nil {
			return fmt.Errorf("schema: %w", err)
		}
		if len(cols) >= 4 && string(cols[0].bytes) == "table" && string(cols[1].bytes) == name && cols[3].isInt {
			if cols[3].i <= 0 || cols[3].i > int64(f.pages) {
				return fmt.Errorf("schema: table %s has root page %d", name, cols[3].i)
			}
			root = uint32(cols[3].i)
			return found
		}
		return nil
	})
	switch {
	case err == found:
		return root, nil
	case err != nil:
		return 0, err
	}
	return 0, fmt.Errorf("SQLite database has no %s table", name)
}

// sqliteBlobs returns the header blobs of the Packages table.
func sqliteBlobs(data []byte) (records, error) {
	f, err := openSQLite(data)
	if err != nil {
		return records{}, err
	}
	root, err := f.tableRoot("Packages")
	if err != nil {
		return records{}, err
	}
	var r records
	err = f.scanTable(root, func(rec []byte) error {
		cols, err := columns(rec)
		if err != nil {
			r.fail(err)
			return nil
		}
		for _, c := range cols {
			if c.blob {
				r.blobs = append(r.blobs, c.bytes)
				return nil
			}
		}
		r.fail(errors.New("a row of the Packages table holds no blob"))
		return nil
	})
	return r, err
}
