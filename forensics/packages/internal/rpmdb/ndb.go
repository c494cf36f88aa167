package rpmdb

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ndb is rpm's own format (Packages.db, the default on SUSE), little-endian throughout. A
// 32-byte header ("RpmP", version 0, generation, the number of 4096-byte slot pages at 12)
// shares the first slot page with the slots: 16 bytes each, "Slot", the package index, the
// offset and the length of its blob in 16-byte blocks (offset 0: a free slot). A blob starts
// with "BlbS", the package index, a timestamp and the header's length, then the header.

const (
	ndbMagic     = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24

	ndbPage     = 4096
	ndbSlotSize = 16
	ndbBlock    = 16
	ndbHeader   = 32
	ndbBlobHead = 16
	ndbBlobTail = 12
	ndbMaxPages = 1 << 16
)

func ndbBlobs(data []byte) (records, error) {
	le := binary.LittleEndian
	if len(data) < ndbHeader {
		return records{}, errors.New("ndb database shorter than its header")
	}
	if v := le.Uint32(data[4:]); v != 0 {
		return records{}, fmt.Errorf("ndb version %d is not 0", v)
	}
	slotPages := uint64(le.Uint32(data[12:]))
	if slotPages == 0 || slotPages > ndbMaxPages || slotPages*ndbPage > uint64(len(data)) {
		return records{}, fmt.Errorf("ndb claims %d slot pages in %d bytes", slotPages, len(data))
	}
	var r records
	minBlock := slotPages * (ndbPage / ndbBlock)
	for off := uint64(ndbHeader); off < slotPages*ndbPage; off += ndbSlotSize {
		slot := data[off : off+ndbSlotSize]
		if le.Uint32(slot) != ndbSlotMagic {
			return records{}, fmt.Errorf("ndb slot %d is not a slot", off/ndbSlotSize)
		}
		blk := uint64(le.Uint32(slot[8:]))
		if blk == 0 {
			continue
		}
		idx, cnt := le.Uint32(slot[4:]), uint64(le.Uint32(slot[12:]))
		start, end := blk*ndbBlock, (blk+cnt)*ndbBlock
		if blk < minBlock || cnt == 0 || end > uint64(len(data)) {
			r.fail(fmt.Errorf("ndb slot %d points at blocks %d..%d outside the blob area", off/ndbSlotSize, blk, blk+cnt))
			continue
		}
		blob := data[start:end]
		if len(blob) < ndbBlobHead+ndbBlobTail || le.Uint32(blob) != ndbBlobMagic || le.Uint32(blob[4:]) != idx {
			r.fail(fmt.Errorf("ndb package %d: no blob where its slot points", idx))
			continue
		}
		n := uint64(le.Uint32(blob[12:]))
		if ndbBlobHead+n+ndbBlobTail > uint64(len(blob)) {
			r.fail(fmt.Errorf("ndb package %d: a header of %d bytes in a blob of %d", idx, n, len(blob)))
			continue
		}
		r.blobs = append(r.blobs, blob[ndbBlobHead:ndbBlobHead+n])
	}
	return r, nil
}
