package signatures

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"strings"
)

// The built-in ELF rules read what they need of an ELF file's structure from these externals,
// which Strata computes in Go, rather than from YARA's elf module: the module builds an object
// for every section, segment and symbol of every ELF file scanned, which cost more than
// scanning the bytes themselves (about 0.7 ms a file on Debian's /usr/bin). The facts are
// computed for ELF files under elfFactsMaxSize; every rule that uses them is limited to
// smaller files.
const (
	extELFKind          = "strata_elf_kind"            // "exec" (has an interpreter), "lib" (ET_DYN without one), "other"; "" when not computed
	extELFDynsym        = "strata_elf_dynsym"          // entries in the dynamic symbol table, the null one included
	extELFImports       = "strata_elf_imports"         // undefined dynamic symbols, "|a|b|"
	extELFFuncs         = "strata_elf_funcs"           // dynamic symbols the file defines as functions, "|a|b|"
	extELFInitArraySize = "strata_elf_init_array_size" // DT_INIT_ARRAYSZ, 0 when absent
	extELFHasInitArray  = "strata_elf_has_init_array"  // a DT_INIT_ARRAY entry is present
	extELFSections      = "strata_elf_sections"        // e_shnum
)

const elfFactsMaxSize = 2 << 20

// elfFacts is what the externals above hold for one file.
type elfFacts struct {
	kind          string
	dynsym        int64
	imports       string
	funcs         string
	initArraySize int64
	hasInitArray  bool
	sections      int64
	// where .rodata lies in the file (offset, size), for the binary analyzer's string
	// readings; not an external of the rules
	rodataOff, rodataLen int64
}

// values returns the externals' names and values, in a fixed order.
func (f elfFacts) values() [7]any {
	return [7]any{f.kind, f.dynsym, f.imports, f.funcs, f.initArraySize, f.hasInitArray, f.sections}
}

var elfExternals = [7]string{extELFKind, extELFDynsym, extELFImports, extELFFuncs, extELFInitArraySize, extELFHasInitArray, extELFSections}

// zeroELFFacts is what rules see of a file the facts were not computed for.
var zeroELFFacts = elfFacts{}

// factsOfELF reads the facts from data, an ELF file. Whatever data holds, it returns: a
// malformed file gets the facts that could be read, and a parser panic is taken as "none".
func factsOfELF(data []byte) (f elfFacts) {
	if len(data) >= elfFactsMaxSize {
		return zeroELFFacts
	}
	defer func() {
		if recover() != nil {
			f = zeroELFFacts
		}
	}()
	f = elfHeaderFacts(data)
	if f.kind == "" {
		return f
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return f // the header's facts stand; symbols and dynamic entries need the rest
	}
	if s := ef.Section(".rodata"); s != nil && s.Type != elf.SHT_NOBITS && s.Offset <= uint64(len(data)) && s.Size <= uint64(len(data))-s.Offset {
		f.rodataOff, f.rodataLen = int64(s.Offset), int64(s.Size)
	}
	for _, p := range ef.Progs {
		if p.Type != elf.PT_DYNAMIC {
			continue
		}
		dyn := make([]byte, min(p.Filesz, uint64(len(data))))
		n, _ := p.ReadAt(dyn, 0)
		readDynamic(dyn[:n], ef.Class, ef.ByteOrder, &f)
	}
	if s := ef.SectionByType(elf.SHT_DYNSYM); s != nil && s.Entsize > 0 {
		f.dynsym = int64(s.Size / s.Entsize)
	}
	// A table too big for any rule is not read: it could claim any size.
	if f.dynsym <= 0 || f.dynsym >= 4096 {
		return f
	}
	if syms, err := ef.DynamicSymbols(); err == nil {
		var imports, funcs strings.Builder
		imports.WriteByte('|')
		funcs.WriteByte('|')
		for _, s := range syms {
			switch {
			case s.Name == "":
			case s.Section == elf.SHN_UNDEF:
				imports.WriteString(s.Name)
				imports.WriteByte('|')
			case elf.ST_TYPE(s.Info) == elf.STT_FUNC:
				funcs.WriteString(s.Name)
				funcs.WriteByte('|')
			}
		}
		f.imports, f.funcs = imports.String(), funcs.String()
	}
	return f
}

// mayMatch reports whether a rule of rules/elf.yar can match an ELF file of size bytes with
// these facts, by the conditions of theirs that read no string: false means none can, and the
// file is scanned without them (the ELF rules' strings, "/bin/sh" and "/proc" among them, are
// common in ELF files, and looking for them costs more than anything else the scan does with
// a library). Every rule wants a small dynamic symbol table and the calls its technique
// makes, or is a tiny file without section headers:
//
//   - STRATA-RS-020: an executable with under 64 dynamic symbols importing connect or accept;
//   - STRATA-LP-001..004: a library with under 400 importing connect or accept (a shell on a
//     socket), getenv (a constructor reading a remote address), unsetenv (clearing
//     LD_PRELOAD) or dlsym (a readdir hook);
//   - STRATA-MW-001: under 16 KB with no section headers.
//
// TestELFGate checks it against the rules themselves: no rule matches where it says false.
func (f elfFacts) mayMatch(size int) bool {
	if size < 16<<10 && f.sections == 0 {
		return true
	}
	imports := func(names ...string) bool {
		for _, n := range names {
			if strings.Contains(f.imports, "|"+n+"|") {
				return true
			}
		}
		return false
	}
	switch f.kind {
	case "exec":
		return f.dynsym < 64 && imports("connect", "accept")
	case "lib":
		return f.dynsym < 400 && imports("connect", "accept", "getenv", "unsetenv", "dlsym")
	}
	return false
}

// elfHeaderFacts reads the kind and the section count from the ELF and program headers alone,
// which even a hand-made file without sections has.
func elfHeaderFacts(data []byte) elfFacts {
	var f elfFacts
	if len(data) < 52 || string(data[:4]) != elf.ELFMAG {
		return f
	}
	var bo binary.ByteOrder
	switch elf.Data(data[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		bo = binary.BigEndian
	default:
		return f
	}
	var phoff, phentsize, phnum uint64
	typ := elf.Type(bo.Uint16(data[16:]))
	switch elf.Class(data[elf.EI_CLASS]) {
	case elf.ELFCLASS64:
		if len(data) < 64 {
			return f
		}
		phoff, phentsize, phnum = bo.Uint64(data[32:]), uint64(bo.Uint16(data[54:])), uint64(bo.Uint16(data[56:]))
		f.sections = int64(bo.Uint16(data[60:]))
	case elf.ELFCLASS32:
		phoff, phentsize, phnum = uint64(bo.Uint32(data[28:])), uint64(bo.Uint16(data[42:])), uint64(bo.Uint16(data[44:]))
		f.sections = int64(bo.Uint16(data[48:]))
	default:
		return f
	}
	interp := false
	for i := uint64(0); i < phnum && phentsize >= 4; i++ {
		off := phoff + i*phentsize
		if off < phoff || off+4 > uint64(len(data)) {
			break
		}
		if elf.ProgType(bo.Uint32(data[off:])) == elf.PT_INTERP {
			interp = true
			break
		}
	}
	switch {
	case interp:
		f.kind = "exec"
	case typ == elf.ET_DYN:
		f.kind = "lib"
	default:
		f.kind = "other"
	}
	return f
}

// readDynamic records the init-array entries of a PT_DYNAMIC segment's (tag, value) pairs.
func readDynamic(b []byte, class elf.Class, bo binary.ByteOrder, f *elfFacts) {
	size := 16
	if class == elf.ELFCLASS32 {
		size = 8
	}
	for ; len(b) >= size; b = b[size:] {
		var tag, val int64
		if size == 16 {
			tag, val = int64(bo.Uint64(b)), int64(bo.Uint64(b[8:]))
		} else {
			tag, val = int64(int32(bo.Uint32(b))), int64(bo.Uint32(b[4:]))
		}
		switch elf.DynTag(tag) {
		case elf.DT_NULL:
			return
		case elf.DT_INIT_ARRAY:
			f.hasInitArray = true
		case elf.DT_INIT_ARRAYSZ:
			f.initArraySize = val
		}
	}
}

// ELFFacts is the structure of an ELF file that the built-in ELF rules read from the
// strata_elf_* externals, for other detectors to reuse (audit/binary reads libc hooks from it).
// Imports and Funcs are filled for files under 2 MB whose dynamic symbol table is under 4096
// entries, as for the rules.
type ELFFacts struct {
	// Kind is "exec" (the file has an interpreter), "lib" (ET_DYN without one), "other" (a
	// static executable or an object), or "" when data is not ELF.
	Kind          string
	DynSym        int64
	Imports       []string // undefined dynamic symbols
	Funcs         []string // dynamic symbols the file defines as functions
	InitArraySize int64
	HasInitArray  bool
	Sections      int64
	// Rodata is the file's .rodata section (a slice of the data read), nil when it has none.
	Rodata []byte
}

// ReadELFFacts reads an ELF file's facts as the ELF rules see them. It never fails: what
// cannot be read is left empty.
func ReadELFFacts(data []byte) ELFFacts {
	f := factsOfELF(data)
	if len(data) >= elfFactsMaxSize {
		f = elfHeaderFacts(data)
	}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.FieldsFunc(s, func(r rune) bool { return r == '|' })
	}
	out := ELFFacts{Kind: f.kind, DynSym: f.dynsym, Imports: split(f.imports), Funcs: split(f.funcs),
		InitArraySize: f.initArraySize, HasInitArray: f.hasInitArray, Sections: f.sections}
	if f.rodataLen > 0 {
		out.Rodata = data[f.rodataOff : f.rodataOff+f.rodataLen]
	}
	return out
}
