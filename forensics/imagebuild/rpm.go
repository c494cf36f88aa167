package imagebuild

import (
	"encoding/binary"
	"fmt"
	"path"
	"sort"
)

// RPMPackage is what RPMHeader encodes: the tags an installed package's header holds that
// Strata reads.
type RPMPackage struct {
	Name, Version, Release, Arch string
	Epoch                        int // 0: no EPOCH tag
	SourceRPM                    string
	License, Vendor              string   // "" leaves the tag out
	Provides, Requires           []string // nil leaves the tag out
	// DigestAlgorithm is rpm's FILEDIGESTALGO (1 MD5, 2 SHA-1, 8 SHA-256); 0 leaves it out.
	DigestAlgorithm int
	Files           []RPMFile
}

// RPMFile is one file of an RPMPackage.
type RPMFile struct {
	Path   string
	Mode   uint16 // with its type bits: 0o100644 for a regular file
	Flags  uint32 // 1: %config
	Digest string // hex
}

// rpm header tags and types used.
const (
	rpmTagName       = 1000
	rpmTagVendor     = 1011
	rpmTagLicense    = 1014
	rpmTagProvides   = 1047
	rpmTagRequires   = 1049
	rpmTagVersion    = 1001
	rpmTagRelease    = 1002
	rpmTagEpoch      = 1003
	rpmTagArch       = 1022
	rpmTagFileModes  = 1030
	rpmTagDigests    = 1035
	rpmTagFileFlags  = 1037
	rpmTagSourceRPM  = 1044
	rpmTagDirIndexes = 1116
	rpmTagBasenames  = 1117
	rpmTagDirnames   = 1118
	rpmTagDigestAlgo = 5011

	rpmTypeInt16       = 3
	rpmTypeInt32       = 4
	rpmTypeString      = 6
	rpmTypeStringArray = 8
)

// RPMHeader encodes p as an rpm header blob, as rpm's databases store one per installed
// package: the index entry count and data length (big-endian), the index entries (tag, type,
// offset, count) sorted by tag, then the data, each integer array aligned to its size. It
// writes no immutable region: the readers take the tags as they are.
func RPMHeader(p RPMPackage) []byte {
	type entry struct {
		tag, typ, count uint32
		data            []byte
	}
	str := func(tag uint32, s string) entry { return entry{tag, rpmTypeString, 1, append([]byte(s), 0)} }
	strs := func(tag uint32, ss []string) entry {
		var b []byte
		for _, s := range ss {
			b = append(append(b, s...), 0)
		}
		return entry{tag, rpmTypeStringArray, uint32(len(ss)), b}
	}
	i32 := func(tag uint32, vs []uint32) entry {
		var b []byte
		for _, v := range vs {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		return entry{tag, rpmTypeInt32, uint32(len(vs)), b}
	}
	entries := []entry{str(rpmTagName, p.Name), str(rpmTagVersion, p.Version), str(rpmTagRelease, p.Release), str(rpmTagArch, p.Arch)}
	if p.Epoch > 0 {
		entries = append(entries, i32(rpmTagEpoch, []uint32{uint32(p.Epoch)}))
	}
	if p.SourceRPM != "" {
		entries = append(entries, str(rpmTagSourceRPM, p.SourceRPM))
	}
	for _, f := range []struct {
		tag uint32
		v   string
	}{{rpmTagLicense, p.License}, {rpmTagVendor, p.Vendor}} {
		if f.v != "" {
			entries = append(entries, str(f.tag, f.v))
		}
	}
	if p.Provides != nil {
		entries = append(entries, strs(rpmTagProvides, p.Provides))
	}
	if p.Requires != nil {
		entries = append(entries, strs(rpmTagRequires, p.Requires))
	}
	if p.DigestAlgorithm > 0 {
		entries = append(entries, i32(rpmTagDigestAlgo, []uint32{uint32(p.DigestAlgorithm)}))
	}
	if len(p.Files) > 0 {
		var dirs, bases, digests []string
		var idx, flags []uint32
		var modes []byte
		dirIndex := map[string]uint32{}
		for _, f := range p.Files {
			dir, base := path.Split(f.Path)
			k, ok := dirIndex[dir]
			if !ok {
				k = uint32(len(dirs))
				dirIndex[dir] = k
				dirs = append(dirs, dir)
			}
			idx, bases = append(idx, k), append(bases, base)
			flags, digests = append(flags, f.Flags), append(digests, f.Digest)
			modes = binary.BigEndian.AppendUint16(modes, f.Mode)
		}
		entries = append(entries, entry{rpmTagFileModes, rpmTypeInt16, uint32(len(p.Files)), modes},
			strs(rpmTagDigests, digests), i32(rpmTagFileFlags, flags), i32(rpmTagDirIndexes, idx),
			strs(rpmTagBasenames, bases), strs(rpmTagDirnames, dirs))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].tag < entries[j].tag })
	var data, index []byte
	for _, e := range entries {
		align := map[uint32]int{rpmTypeInt16: 2, rpmTypeInt32: 4}[e.typ]
		for align > 1 && len(data)%align != 0 {
			data = append(data, 0)
		}
		index = binary.BigEndian.AppendUint32(index, e.tag)
		index = binary.BigEndian.AppendUint32(index, e.typ)
		index = binary.BigEndian.AppendUint32(index, uint32(len(data)))
		index = binary.BigEndian.AppendUint32(index, e.count)
		data = append(data, e.data...)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(len(entries)))
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	return append(append(out, index...), data...)
}

// RPMSQLite returns an rpm SQLite database (rpmdb.sqlite) holding the header blobs: a
// minimal but valid SQLite file of 64 KiB pages written as the file format describes it, the
// schema on page 1 and the Packages table (hnum INTEGER PRIMARY KEY, blob BLOB) on one leaf
// page, each row's blob at rowid 1, 2, ... It panics when the rows do not fit in one page.
func RPMSQLite(headers ...[]byte) []byte {
	const ps = 65536
	schema := sqliteRecord("table", "Packages", "Packages", int64(2),
		"CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY, blob BLOB NOT NULL)")
	var rows [][]byte
	for _, h := range headers {
		rows = append(rows, sqliteRecord(nil, h))
	}
	file := make([]byte, 2*ps)
	copy(file, "SQLite format 3\x00")
	be := binary.BigEndian
	be.PutUint16(file[16:], 1) // 65536
	file[18], file[19] = 1, 1  // legacy journal, not WAL
	file[21], file[22], file[23] = 64, 32, 32
	be.PutUint32(file[24:], 1) // change counter
	be.PutUint32(file[28:], 2) // pages
	be.PutUint32(file[40:], 1) // schema cookie
	be.PutUint32(file[44:], 4) // schema format
	be.PutUint32(file[56:], 1) // UTF-8
	be.PutUint32(file[92:], 1) // valid for change counter 1
	be.PutUint32(file[96:], 3045000)
	sqliteLeaf(file[:ps], 100, [][]byte{schema})
	sqliteLeaf(file[ps:], 0, rows)
	return file
}

// sqliteRecord encodes values (string: TEXT, []byte: BLOB, int64: integer, nil: NULL) as a
// record.
func sqliteRecord(values ...any) []byte {
	var types, body []byte
	for _, v := range values {
		switch v := v.(type) {
		case nil:
			types = sqliteVarint(types, 0)
		case string:
			types = sqliteVarint(types, uint64(13+2*len(v)))
			body = append(body, v...)
		case []byte:
			types = sqliteVarint(types, uint64(12+2*len(v)))
			body = append(body, v...)
		case int64:
			types = sqliteVarint(types, 6)
			body = binary.BigEndian.AppendUint64(body, uint64(v))
		}
	}
	// The header's size counts the varint that says it.
	size := len(types) + 1
	for len(sqliteVarint(nil, uint64(size))) != size-len(types) {
		size = len(types) + len(sqliteVarint(nil, uint64(size)))
	}
	return append(append(sqliteVarint(nil, uint64(size)), types...), body...)
}

// sqliteVarint appends SQLite's big-endian varint (values below 2^56 here).
func sqliteVarint(b []byte, v uint64) []byte {
	var groups []byte
	for {
		groups = append(groups, byte(v&0x7f))
		v >>= 7
		if v == 0 {
			break
		}
	}
	for i := len(groups) - 1; i >= 0; i-- {
		c := groups[i]
		if i > 0 {
			c |= 0x80
		}
		b = append(b, c)
	}
	return b
}

// sqliteLeaf writes a table leaf page holding records at rowids 1, 2, ...; hdr is where the
// b-tree header starts (100 on page 1).
func sqliteLeaf(page []byte, hdr int, records [][]byte) {
	be := binary.BigEndian
	page[hdr] = 0x0d
	be.PutUint16(page[hdr+3:], uint16(len(records)))
	end := len(page)
	for i, r := range records {
		if len(r) > len(page)-35 {
			panic(fmt.Sprintf("imagebuild: an rpm header of %d bytes does not fit in a SQLite page", len(r)))
		}
		cell := sqliteVarint(nil, uint64(len(r)))
		cell = sqliteVarint(cell, uint64(i+1))
		cell = append(cell, r...)
		end -= len(cell)
		if end < hdr+8+2*len(records) {
			panic("imagebuild: rpm headers do not fit in one SQLite page")
		}
		copy(page[end:], cell)
		be.PutUint16(page[hdr+8+2*i:], uint16(end))
	}
	be.PutUint16(page[hdr+5:], uint16(end%65536))
}

// RPMBerkeleyDB returns an rpm Berkeley DB hash database (Packages) holding the header
// blobs, little-endian with 4 KiB pages: the metadata page, one hash page of key/data pairs
// (key: the package instance, 1, 2, ...; data: an off-page item) and each header in a chain
// of overflow pages.
func RPMBerkeleyDB(headers ...[]byte) []byte {
	const ps = 4096
	le := binary.LittleEndian
	var overflow [][]byte
	type pair struct{ key, val []byte }
	var pairs []pair
	next := uint32(2) // page 0: metadata, 1: the hash page
	for i, h := range headers {
		key := le.AppendUint32([]byte{1}, uint32(i+1))
		val := make([]byte, 12)
		val[0] = 3
		le.PutUint32(val[4:], next)
		le.PutUint32(val[8:], uint32(len(h)))
		pairs = append(pairs, pair{key, val})
		for rest := h; len(rest) > 0; {
			n := min(len(rest), ps-26)
			pg := make([]byte, ps)
			le.PutUint32(pg[8:], next)
			if len(rest) > n {
				le.PutUint32(pg[16:], next+1)
			}
			le.PutUint16(pg[22:], uint16(n))
			pg[25] = 7
			copy(pg[26:], rest[:n])
			overflow = append(overflow, pg)
			rest = rest[n:]
			next++
		}
	}
	meta := make([]byte, ps)
	le.PutUint32(meta[12:], 0x061561)
	le.PutUint32(meta[16:], 9)
	le.PutUint32(meta[20:], ps)
	meta[25] = 8
	le.PutUint32(meta[32:], next-1)
	hash := make([]byte, ps)
	le.PutUint32(hash[8:], 1)
	le.PutUint16(hash[20:], uint16(2*len(pairs)))
	hash[25] = 13
	end := ps
	for i, p := range pairs {
		for j, item := range [][]byte{p.key, p.val} {
			end -= len(item)
			if end < 26+4*len(pairs) {
				panic("imagebuild: too many rpm headers for one hash page")
			}
			copy(hash[end:], item)
			le.PutUint16(hash[26+2*(2*i+j):], uint16(end))
		}
	}
	le.PutUint16(hash[22:], uint16(end))
	out := append(meta, hash...)
	for _, pg := range overflow {
		out = append(out, pg...)
	}
	return out
}

// CraftedRPMDatabases returns databases built to crash rpm readers that trust them (each
// made github.com/knqyf263/go-rpmdb v0.1.1 panic, the Berkeley DB one in a goroutine of its own
// where no recover can reach), by the file name they take in an image:
//
//   - rpmdb.sqlite: a sound SQLite database whose second package header is an immutable-region
//     tag whose trailer says the region holds no entries;
//   - Packages: a Berkeley DB hash page whose item index points past the end of its page.
func CraftedRPMDatabases() map[string][]byte {
	good := RPMHeader(RPMPackage{Name: "good", Version: "1.0", Release: "1", Arch: "noarch"})
	bad := binary.BigEndian.AppendUint32(nil, 1) // one index entry
	bad = binary.BigEndian.AppendUint32(bad, 32) // 32 bytes of data
	bad = binary.BigEndian.AppendUint32(bad, 63) // RPMTAG_HEADERIMMUTABLE
	bad = binary.BigEndian.AppendUint32(bad, 7)  // BIN
	bad = binary.BigEndian.AppendUint32(bad, 16) // its trailer at data offset 16
	bad = binary.BigEndian.AppendUint32(bad, 16) // 16 bytes
	bad = append(bad, make([]byte, 32)...)       // a trailer whose offset says: 0 entries

	bdb := RPMBerkeleyDB(good)
	// The hash page's second index entry (the first data item) points far past its page.
	binary.LittleEndian.PutUint16(bdb[4096+28:], 0xfff0)
	return map[string][]byte{"rpmdb.sqlite": RPMSQLite(good, bad), "Packages": bdb}
}
