package rpmdb

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Before rpm 4.16 the database was a Berkeley DB hash file, Packages, keyed by a 4-byte
// package instance number. The file is a sequence of pages of one size. Page 0 is the hash
// metadata page (magic 0x061561 at offset 12, in the byte order of the machine that wrote it,
// page size at 20, encryption at 24, page type at 25, last page number at 32). Every other page
// starts with a 26-byte header (next page number at 16, entry count at 20, high free offset at
// 22, page type at 25); a hash page then holds a 2-byte index of item offsets, key and data
// items alternating, each item running up to the start of the previous one (the first to the
// end of the page). An item's first byte is its kind: an on-page key or datum (its bytes
// follow), or an off-page datum (page number at 4, total length at 8) whose bytes fill a chain
// of overflow pages, each holding high-free-offset bytes after its header. rpm's headers are
// the data items. Every hash page is read, in page order, as rpm --rebuilddb would salvage it.

const bdbHashMagic = 0x061561

// Page and item kinds.
const (
	bdbHashUnsorted = 2
	bdbOverflow     = 7
	bdbHashMeta     = 8
	bdbHash         = 13

	bdbKeyData = 1
	bdbOffPage = 3

	bdbPageHeader = 26
)

func bdbBlobs(data []byte) (records, error) {
	if len(data) < 512 {
		return records{}, errors.New("shorter than a Berkeley DB metadata page")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if bo.Uint32(data[12:]) != bdbHashMagic {
		bo = binary.BigEndian
	}
	ps := int(bo.Uint32(data[20:]))
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return records{}, fmt.Errorf("page size %d is not a power of two from 512 to 65536", ps)
	}
	if data[24] != 0 {
		return records{}, errors.New("encrypted Berkeley DB files are not read")
	}
	if data[25] != bdbHashMeta {
		return records{}, fmt.Errorf("the metadata page has type %d: not a Berkeley DB hash database", data[25])
	}
	npages := len(data) / ps
	if last := int64(bo.Uint32(data[32:])); last+1 < int64(npages) {
		npages = int(last + 1)
	}
	b := &bdbFile{data: data, ps: ps, npages: npages, bo: bo, used: make([]bool, npages)}
	var r records
	for pg := 1; pg < npages; pg++ {
		page := data[pg*ps : (pg+1)*ps]
		if t := page[25]; t != bdbHash && t != bdbHashUnsorted {
			continue
		}
		n := int(bo.Uint16(page[20:]))
		if bdbPageHeader+2*n > ps {
			r.fail(fmt.Errorf("hash page %d: %d entries do not fit", pg, n))
			continue
		}
		item := func(i int) ([]byte, error) {
			start := int(bo.Uint16(page[bdbPageHeader+2*i:]))
			end := ps
			if i > 0 {
				end = int(bo.Uint16(page[bdbPageHeader+2*(i-1):]))
			}
			if start < bdbPageHeader+2*n || start >= end || end > ps {
				return nil, fmt.Errorf("hash page %d: item %d at %d..%d is outside the page's items", pg, i, start, end)
			}
			return page[start:end], nil
		}
		for i := 0; i+1 < n; i += 2 {
			key, err := item(i)
			if err != nil {
				r.fail(err)
				break
			}
			val, err := item(i + 1)
			if err != nil {
				r.fail(err)
				break
			}
			// Instance 0 holds rpm's instance counter, not a package.
			if key[0] == bdbKeyData && len(key) == 5 && bo.Uint32(key[1:]) == 0 {
				continue
			}
			blob, err := b.datum(val)
			if err != nil {
				r.fail(fmt.Errorf("hash page %d, item %d: %w", pg, i+1, err))
				continue
			}
			r.blobs = append(r.blobs, blob)
		}
	}
	return r, nil
}

type bdbFile struct {
	data   []byte
	ps     int
	npages int
	bo     binary.ByteOrder
	// used marks overflow pages already read: in a sound file each belongs to one item, and
	// reading them once keeps shared or looping chains from multiplying the work.
	used []bool
}

// datum returns a data item's bytes, from the page or from its overflow chain.
func (b *bdbFile) datum(item []byte) ([]byte, error) {
	switch item[0] {
	case bdbKeyData:
		return item[1:], nil
	case bdbOffPage:
	default:
		return nil, fmt.Errorf("item kind %d is not a package header", item[0])
	}
	if len(item) < 12 {
		return nil, errors.New("off-page item is cut off")
	}
	pg := b.bo.Uint32(item[4:])
	total := int64(b.bo.Uint32(item[8:]))
	if total > int64(len(b.data)) {
		return nil, fmt.Errorf("off-page item of %d bytes in a file of %d", total, len(b.data))
	}
	out := make([]byte, 0, total)
	for int64(len(out)) < total {
		if pg == 0 || int64(pg) >= int64(b.npages) {
			return nil, fmt.Errorf("overflow chain reaches page %d after %d of %d bytes", pg, len(out), total)
		}
		if b.used[pg] {
			return nil, fmt.Errorf("overflow page %d is read twice", pg)
		}
		b.used[pg] = true
		page := b.data[int(pg)*b.ps : (int(pg)+1)*b.ps]
		if page[25] != bdbOverflow {
			return nil, fmt.Errorf("page %d of an overflow chain has type %d", pg, page[25])
		}
		n := int(b.bo.Uint16(page[22:]))
		if bdbPageHeader+n > b.ps {
			return nil, fmt.Errorf("overflow page %d claims %d bytes", pg, n)
		}
		n = int(min(int64(n), total-int64(len(out))))
		out = append(out, page[bdbPageHeader:bdbPageHeader+n]...)
		pg = b.bo.Uint32(page[16:])
	}
	return out, nil
}
