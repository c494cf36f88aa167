// Package rpmdb reads rpm's installed-package database from its bytes, in each of the formats
// rpm has kept it in: SQLite (rpmdb.sqlite, rpm 4.16 and later), Berkeley DB hash (Packages,
// before that) and ndb (Packages.db, SUSE). It is written from the formats' public
// descriptions and reads evidence: every length, offset, count and page number is checked
// against the bytes there are, every loop is bounded, nothing is written anywhere, and a
// malformed database is an error, never a panic.
//
// Each format stores one rpm header blob per installed package; ParseHeader reads one.
package rpmdb

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"path"
)

// Package is what an installed package's header says about it.
type Package struct {
	Name, Version, Release, Arch string
	// Epoch is the package's epoch, 0 when it has none.
	Epoch int
	// SourceRPM is the source package's file name ("gcc-11.2.1-1.fc35.src.rpm").
	SourceRPM string
	// License and Vendor are as the package states them, "" when it does not.
	License, Vendor string
	// Provides and Requires are the capabilities the package provides and needs, by name.
	Provides, Requires []string
	// DigestAlgorithm is the PGP hash algorithm of the file digests: 1 MD5, 2 SHA-1, 8 SHA-256;
	// 0 when the header does not say (rpm before 4.6 recorded MD5).
	DigestAlgorithm int
	Files           []File
}

// File is one path the package installs.
type File struct {
	Path   string
	Mode   uint16
	Flags  uint32
	Digest string // lower-case hex; "" for directories, links and ghosts
}

// Digest algorithms, as rpm numbers them (PGP's).
const (
	DigestMD5    = 1
	DigestSHA1   = 2
	DigestSHA256 = 8
)

// Header tags read.
const (
	tagHeaderImage      = 61
	tagHeaderSignatures = 62
	tagHeaderImmutable  = 63
	tagHeaderRegions    = 64
	tagName             = 1000
	tagVendor           = 1011
	tagLicense          = 1014
	tagProvideName      = 1047
	tagRequireName      = 1049
	tagVersion          = 1001
	tagRelease          = 1002
	tagEpoch            = 1003
	tagArch             = 1022
	tagOldFilenames     = 1027
	tagFileModes        = 1030
	tagFileDigests      = 1035
	tagFileFlags        = 1037
	tagSourceRPM        = 1044
	tagDirIndexes       = 1116
	tagBasenames        = 1117
	tagDirnames         = 1118
	tagFileDigestAlgo   = 5011
)

// Header data types.
const (
	typeChar        = 1
	typeInt8        = 2
	typeInt16       = 3
	typeInt32       = 4
	typeInt64       = 5
	typeString      = 6
	typeBin         = 7
	typeStringArray = 8
	typeI18NString  = 9
)

// Bounds rpm itself puts on a header (HEADER_TAGS_MAX, HEADER_DATA_MAX).
const (
	maxTags     = 0xffff
	maxDataSize = 0x0fffffff
)

// entry is one index entry of a header.
type entry struct {
	typ    uint32
	offset uint32
	count  uint32
}

// header is a parsed header blob: its index by tag and its data store.
type header struct {
	tags map[int32]entry
	data []byte
}

var errShort = errors.New("truncated header")

// ParseHeader reads one header blob as the databases store it: the index entry count and
// data length (big-endian 32-bit), the index entries (tag, type, offset, count), then the
// data. A tag that appears twice (a "dribble" entry after the immutable region) takes its
// later value, as rpm does.
func ParseHeader(blob []byte) (Package, error) {
	h, err := parseHeader(blob)
	if err != nil {
		return Package{}, err
	}
	var p Package
	if p.Name, err = h.str(tagName); err != nil {
		return Package{}, err
	}
	if p.Name == "" {
		return Package{}, errors.New("header has no package name")
	}
	for _, f := range []struct {
		tag int32
		dst *string
	}{{tagVersion, &p.Version}, {tagRelease, &p.Release}, {tagArch, &p.Arch}, {tagSourceRPM, &p.SourceRPM},
		{tagLicense, &p.License}, {tagVendor, &p.Vendor}} {
		if *f.dst, err = h.str(f.tag); err != nil {
			return Package{}, err
		}
	}
	// "(none)" is what rpm writes where a package states nothing (imported keys).
	for _, v := range []*string{&p.SourceRPM, &p.License, &p.Vendor} {
		if *v == "(none)" {
			*v = ""
		}
	}
	if p.Provides, err = h.strings(tagProvideName); err != nil {
		return Package{}, err
	}
	if p.Requires, err = h.strings(tagRequireName); err != nil {
		return Package{}, err
	}
	if p.Epoch, err = h.int32(tagEpoch); err != nil {
		return Package{}, err
	}
	if p.DigestAlgorithm, err = h.int32(tagFileDigestAlgo); err != nil {
		return Package{}, err
	}
	if p.Files, err = h.files(); err != nil {
		return Package{}, fmt.Errorf("package %s: %w", p.Name, err)
	}
	return p, nil
}

func parseHeader(blob []byte) (*header, error) {
	if len(blob) < 8 {
		return nil, errShort
	}
	il := binary.BigEndian.Uint32(blob)
	dl := binary.BigEndian.Uint32(blob[4:])
	if il == 0 || il > maxTags || dl > maxDataSize {
		return nil, fmt.Errorf("header claims %d tags and %d bytes of data", il, dl)
	}
	start := 8 + 16*uint64(il)
	if start+uint64(dl) > uint64(len(blob)) {
		return nil, fmt.Errorf("header of %d tags and %d bytes of data is longer than its %d bytes", il, dl, len(blob))
	}
	h := &header{tags: make(map[int32]entry, il), data: blob[start : start+uint64(dl)]}
	for i := uint64(0); i < uint64(il); i++ {
		b := blob[8+16*i:]
		tag := int32(binary.BigEndian.Uint32(b))
		e := entry{typ: binary.BigEndian.Uint32(b[4:]), offset: binary.BigEndian.Uint32(b[8:]), count: binary.BigEndian.Uint32(b[12:])}
		switch tag {
		case tagHeaderImage, tagHeaderSignatures, tagHeaderImmutable, tagHeaderRegions:
			continue // region markers, not data
		}
		h.tags[tag] = e
	}
	return h, nil
}

// str returns a STRING (or the first I18N string) tag, "" when absent.
func (h *header) str(tag int32) (string, error) {
	e, ok := h.tags[tag]
	if !ok {
		return "", nil
	}
	if e.typ != typeString && e.typ != typeI18NString && e.typ != typeStringArray {
		return "", fmt.Errorf("tag %d is of type %d, not a string", tag, e.typ)
	}
	if e.count == 0 {
		return "", fmt.Errorf("tag %d holds no string", tag)
	}
	s, _, err := h.cstring(e.offset)
	return s, err
}

// cstring reads a NUL-terminated string at off and returns the offset after it.
func (h *header) cstring(off uint32) (string, uint32, error) {
	if uint64(off) >= uint64(len(h.data)) {
		return "", 0, fmt.Errorf("string at %d is past the header's %d bytes of data", off, len(h.data))
	}
	n := bytes.IndexByte(h.data[off:], 0)
	if n < 0 {
		return "", 0, fmt.Errorf("string at %d is not terminated", off)
	}
	return string(h.data[off : off+uint32(n)]), off + uint32(n) + 1, nil
}

// strings returns a STRING_ARRAY tag, nil when absent.
func (h *header) strings(tag int32) ([]string, error) {
	e, ok := h.tags[tag]
	if !ok {
		return nil, nil
	}
	if e.typ != typeStringArray && e.typ != typeI18NString {
		return nil, fmt.Errorf("tag %d is of type %d, not a string array", tag, e.typ)
	}
	// Every string takes at least its terminator: a count past the data is a lie.
	if uint64(e.count) > uint64(len(h.data)) {
		return nil, fmt.Errorf("tag %d claims %d strings in %d bytes", tag, e.count, len(h.data))
	}
	out := make([]string, 0, e.count)
	off := e.offset
	for range e.count {
		s, next, err := h.cstring(off)
		if err != nil {
			return nil, fmt.Errorf("tag %d: %w", tag, err)
		}
		out = append(out, s)
		off = next
	}
	return out, nil
}

// ints returns an integer array tag (any width, as unsigned values widened), nil when absent.
func (h *header) ints(tag int32) ([]uint64, error) {
	e, ok := h.tags[tag]
	if !ok {
		return nil, nil
	}
	var size uint64
	switch e.typ {
	case typeChar, typeInt8:
		size = 1
	case typeInt16:
		size = 2
	case typeInt32:
		size = 4
	case typeInt64:
		size = 8
	default:
		return nil, fmt.Errorf("tag %d is of type %d, not an integer", tag, e.typ)
	}
	if uint64(e.offset)+uint64(e.count)*size > uint64(len(h.data)) {
		return nil, fmt.Errorf("tag %d: %d integers at %d are past the header's %d bytes of data", tag, e.count, e.offset, len(h.data))
	}
	out := make([]uint64, e.count)
	b := h.data[e.offset:]
	for i := range out {
		switch size {
		case 1:
			out[i] = uint64(b[i])
		case 2:
			out[i] = uint64(binary.BigEndian.Uint16(b[2*i:]))
		case 4:
			out[i] = uint64(binary.BigEndian.Uint32(b[4*i:]))
		case 8:
			out[i] = binary.BigEndian.Uint64(b[8*i:])
		}
	}
	return out, nil
}

// int32 returns the first value of a numeric tag that rpm keeps as a 32-bit integer (EPOCH,
// FILEDIGESTALGO), 0 when absent; a value past 32 bits is an error.
func (h *header) int32(tag int32) (int, error) {
	v, err := h.ints(tag)
	if err != nil || len(v) == 0 {
		return 0, err
	}
	if v[0] > math.MaxInt32 {
		return 0, fmt.Errorf("tag %d holds %d, more than a 32-bit value", tag, v[0])
	}
	return int(v[0]), nil
}

// files lists the package's files: directory names indexed by DIRINDEXES joined with
// BASENAMES (OLDFILENAMES in old headers), with modes, flags and digests where recorded.
func (h *header) files() ([]File, error) {
	base, err := h.strings(tagBasenames)
	if err != nil {
		return nil, err
	}
	var names []string
	if base == nil {
		if names, err = h.strings(tagOldFilenames); err != nil {
			return nil, err
		}
	} else {
		dirs, err := h.strings(tagDirnames)
		if err != nil {
			return nil, err
		}
		idx, err := h.ints(tagDirIndexes)
		if err != nil {
			return nil, err
		}
		if len(idx) != len(base) {
			return nil, fmt.Errorf("%d basenames but %d directory indexes", len(base), len(idx))
		}
		names = make([]string, len(base))
		for i, b := range base {
			if idx[i] >= uint64(len(dirs)) {
				return nil, fmt.Errorf("file %q: directory index %d of %d", b, idx[i], len(dirs))
			}
			names[i] = dirs[idx[i]] + b
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	modes, err := h.ints(tagFileModes)
	if err != nil {
		return nil, err
	}
	flags, err := h.ints(tagFileFlags)
	if err != nil {
		return nil, err
	}
	digests, err := h.strings(tagFileDigests)
	if err != nil {
		return nil, err
	}
	out := make([]File, len(names))
	for i, n := range names {
		f := File{Path: path.Clean("/" + n)}
		if i < len(modes) {
			f.Mode = uint16(modes[i])
		}
		if i < len(flags) {
			f.Flags = uint32(flags[i])
		}
		if i < len(digests) && isHex(digests[i]) {
			f.Digest = string(bytes.ToLower([]byte(digests[i])))
		}
		out[i] = f
	}
	return out, nil
}

func isHex(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
