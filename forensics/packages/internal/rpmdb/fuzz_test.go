package rpmdb

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

func seedHeaders() [][]byte {
	return [][]byte{
		samplePackage("tool"),
		imagebuild.RPMHeader(imagebuild.RPMPackage{Name: "a", Version: "1", Release: "2", Arch: "noarch", Epoch: 3, DigestAlgorithm: DigestMD5,
			License: "GPLv2+", Vendor: "Example", Provides: []string{"a", "config(a)"}, Requires: []string{"/bin/sh", "rpmlib(X)"},
			Files: []imagebuild.RPMFile{{Path: "/etc/a.conf", Mode: 0o100644, Flags: 1, Digest: strings.Repeat("0f", 16)}, {Path: "/", Mode: 0o40755}}}),
		imagebuild.RPMHeader(imagebuild.RPMPackage{Name: "gpg-pubkey", Version: "x", Release: "y", SourceRPM: "(none)"}),
	}
}

// checkPackage holds what any package read must satisfy, whatever the bytes.
func checkPackage(t *testing.T, p Package) {
	if p.Name == "" {
		t.Fatalf("a package without a name: %+v", p)
	}
	for _, f := range p.Files {
		if f.Path != path.Clean(f.Path) || !strings.HasPrefix(f.Path, "/") {
			t.Fatalf("%s: file path %q is not clean and absolute", p.Name, f.Path)
		}
		if f.Digest != "" && (!isHex(f.Digest) || strings.ToLower(f.Digest) != f.Digest) {
			t.Fatalf("%s: digest %q is not lower-case hex", p.Name, f.Digest)
		}
	}
}

// FuzzRPMHeader parses arbitrary header blobs. A header that parses is encoded again (by
// imagebuild, our encoder) and must parse to the same package; stored in each database format
// it must read back as that package.
func FuzzRPMHeader(f *testing.F) {
	for _, h := range seedHeaders() {
		f.Add(h)
	}
	f.Add(imagebuild.CraftedRPMDatabases()["rpmdb.sqlite"][65536+65536-300:])
	f.Fuzz(func(t *testing.T, blob []byte) {
		p, err := ParseHeader(blob)
		if err != nil {
			return
		}
		checkPackage(t, p)
		files := make([]imagebuild.RPMFile, len(p.Files))
		for i, f := range p.Files {
			files[i] = imagebuild.RPMFile{Path: f.Path, Mode: f.Mode, Flags: f.Flags, Digest: f.Digest}
		}
		again := imagebuild.RPMHeader(imagebuild.RPMPackage{Name: p.Name, Version: p.Version, Release: p.Release, Arch: p.Arch,
			Epoch: p.Epoch, SourceRPM: p.SourceRPM, License: p.License, Vendor: p.Vendor, Provides: p.Provides, Requires: p.Requires,
			DigestAlgorithm: p.DigestAlgorithm, Files: files})
		q, err := ParseHeader(again)
		if err != nil {
			t.Fatalf("our encoding of %+v does not parse: %v", p, err)
		}
		if p.Epoch < 0 || p.DigestAlgorithm < 0 || strings.ContainsRune(p.Name+p.Version+p.Release+p.Arch+p.SourceRPM+p.License+p.Vendor, 0) {
			return // not representable the same way: a negative count, a NUL in a string
		}
		if fmt.Sprint(p) != fmt.Sprint(q) {
			t.Fatalf("round trip:\n%+v\n%+v", p, q)
		}
		if len(again) > 60000 {
			return // one SQLite page holds the fixtures' rows
		}
		for name, db := range map[string][]byte{"sqlite": imagebuild.RPMSQLite(again), "bdb": imagebuild.RPMBerkeleyDB(again)} {
			got, err := Read(db)
			if err != nil || len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(q) {
				t.Fatalf("%s: %+v, %v; want %+v", name, got, err, q)
			}
		}
	})
}

// FuzzRPMDatabase reads arbitrary bytes as an rpm database of each format (the seeds are
// databases of each format): no panic, every package sound, and a partial failure counted
// right.
func FuzzRPMDatabase(f *testing.F) {
	hs := seedHeaders()
	f.Add(imagebuild.RPMSQLite(hs...)[:65536+4096]) // the rows sit at the start of page 2
	f.Add(imagebuild.RPMBerkeleyDB(hs...))
	for _, db := range imagebuild.CraftedRPMDatabases() {
		if len(db) > 1<<16 {
			db = db[:1<<16]
		}
		f.Add(db)
	}
	f.Add(ndbOf(hs...))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := Read(data)
		var partial *PartialError
		if errors.As(err, &partial) {
			if partial.Bad < 1 || partial.Total != partial.Bad+len(pkgs) {
				t.Fatalf("partial error %+v with %d packages", partial, len(pkgs))
			}
		} else if err != nil && len(pkgs) > 0 {
			t.Fatalf("packages with a fatal error: %v", err)
		}
		for _, p := range pkgs {
			checkPackage(t, p)
		}
	})
}

// ndbOf is an ndb database of one slot page holding headers.
func ndbOf(headers ...[]byte) []byte {
	data := make([]byte, ndbPage)
	le := func(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }
	le(data, ndbMagic)
	le(data[12:], 1)
	for o := ndbHeader; o < ndbPage; o += ndbSlotSize {
		le(data[o:], ndbSlotMagic)
	}
	for i, h := range headers {
		blk := len(data) / ndbBlock
		blob := make([]byte, ndbBlobHead+len(h)+ndbBlobTail)
		blob = append(blob, make([]byte, (ndbBlock-len(blob)%ndbBlock)%ndbBlock)...)
		le(blob, ndbBlobMagic)
		le(blob[4:], uint32(i+1))
		le(blob[12:], uint32(len(h)))
		copy(blob[ndbBlobHead:], h)
		slot := data[ndbHeader+ndbSlotSize*i:]
		le(slot[4:], uint32(i+1))
		le(slot[8:], uint32(blk))
		le(slot[12:], uint32(len(blob)/ndbBlock))
		data = append(data, blob...)
	}
	return data
}

func TestNDB(t *testing.T) {
	pkgs, err := Read(ndbOf(seedHeaders()...))
	if err != nil || len(pkgs) != 3 || pkgs[0].Name != "tool" {
		t.Fatalf("%+v, %v", pkgs, err)
	}
}
