// Package filetype tells what kind of file a path holds from its name and its first bytes:
// ELF executables, shared objects and relocatables, PE and Mach-O binaries, scripts (with the
// interpreter their #! line names), server-side pages (PHP, JSP, ASPX), archives, Java class
// files, images, text and other binary data.
//
// It is shared by the image diff (to rank changes) and the YARA signatures (as the filetype
// external), so it is pure Go with no dependencies beyond the standard library, and it never
// reads a file itself: the caller hands it at most HeadSize bytes it already has.
package filetype

import (
	"bytes"
	"encoding/binary"
	"path"
	"strings"
	"unicode/utf8"
)

// HeadSize is how many leading bytes Detect looks at. Fewer are fine; more are ignored.
// 512 covers the tar header's "ustar" magic at offset 257 and the first ELF program headers.
const HeadSize = 512

// Kind is the broad class of a file. Its string value is stable and is what the YARA
// filetype external and JSON output carry.
type Kind string

// Kinds Detect returns.
const (
	Empty           Kind = "empty"
	Text            Kind = "text"
	Binary          Kind = "binary"
	ELFExecutable   Kind = "elf-executable"
	ELFSharedObject Kind = "elf-shared-object"
	ELFRelocatable  Kind = "elf-relocatable"
	PE              Kind = "pe"
	MachO           Kind = "mach-o"
	Script          Kind = "script"
	PHP             Kind = "php"
	JSP             Kind = "jsp"
	ASPX            Kind = "aspx"
	Archive         Kind = "archive"
	JavaClass       Kind = "java-class"
	Image           Kind = "image"
)

// Type is a detected file type.
type Type struct {
	Kind Kind
	// Detail refines Kind: the interpreter of a Script ("sh", "bash", "python3"; the program
	// after /usr/bin/env when the #! line uses env), the format of an Archive ("tar", "gzip",
	// "zip", "jar", "bzip2", "xz", "zstd"), the ELF machine is not recorded. "" when none.
	Detail string
}

// String renders the type as "kind" or "kind:detail", e.g. "elf-shared-object",
// "script:python3", "archive:gzip".
func (t Type) String() string {
	if t.Detail == "" {
		return string(t.Kind)
	}
	return string(t.Kind) + ":" + t.Detail
}

// Native reports whether the file is compiled machine code (ELF, PE or Mach-O).
func (t Type) Native() bool {
	switch t.Kind {
	case ELFExecutable, ELFSharedObject, ELFRelocatable, PE, MachO:
		return true
	}
	return false
}

// Textual reports whether the file is text a person can read and a line diff makes sense of.
func (t Type) Textual() bool {
	switch t.Kind {
	case Text, Script, PHP, JSP, ASPX:
		return true
	}
	return false
}

// ServerPage reports whether the file is a page a web server executes (PHP, JSP, ASPX): the
// usual form of a web shell.
func (t Type) ServerPage() bool { return t.Kind == PHP || t.Kind == JSP || t.Kind == ASPX }

// Detect returns the type of the file at p (its path in the image, used for extensions and
// library names only) whose first bytes are head. Content decides where it can: a file named
// x.txt that starts with an ELF header is an ELF file.
//
// head is evidence: whatever it holds, Detect returns, a parser failure giving Binary.
func Detect(p string, head []byte) (t Type) {
	defer func() {
		if recover() != nil {
			t = Type{Kind: Binary}
		}
	}()
	if len(head) > HeadSize {
		head = head[:HeadSize]
	}
	if len(head) == 0 {
		return Type{Kind: Empty}
	}
	if t, ok := detectMagic(p, head); ok {
		return t
	}
	if !looksText(head) {
		return Type{Kind: Binary}
	}
	if bytes.HasPrefix(head, []byte("#!")) {
		return Type{Kind: Script, Detail: interpreter(head)}
	}
	ext := strings.ToLower(path.Ext(p))
	switch {
	case pageExtensions[ext] == PHP || bytes.Contains(head, []byte("<?php")):
		return Type{Kind: PHP}
	case pageExtensions[ext] == JSP || bytes.Contains(head, []byte("<%@ page")) || bytes.Contains(head, []byte("<%@page")) || bytes.Contains(head, []byte("<jsp:")):
		return Type{Kind: JSP}
	case pageExtensions[ext] == ASPX || bytes.Contains(head, []byte("<%@ Page")) || bytes.Contains(head, []byte("<%@ WebHandler")):
		return Type{Kind: ASPX}
	}
	if i, ok := scriptExtensions[ext]; ok {
		return Type{Kind: Script, Detail: i}
	}
	return Type{Kind: Text}
}

// pageExtensions name server-side pages by extension.
var pageExtensions = map[string]Kind{
	".php": PHP, ".php3": PHP, ".php4": PHP, ".php5": PHP, ".php7": PHP, ".phtml": PHP, ".phar": PHP,
	".jsp": JSP, ".jspx": JSP, ".jspf": JSP,
	".aspx": ASPX, ".asp": ASPX, ".ashx": ASPX, ".asmx": ASPX, ".ascx": ASPX,
}

// scriptExtensions name the interpreter of scripts that carry no #! line.
var scriptExtensions = map[string]string{
	".sh": "sh", ".bash": "bash", ".zsh": "zsh", ".ksh": "ksh", ".py": "python", ".pl": "perl", ".pm": "perl",
	".rb": "ruby", ".js": "node", ".mjs": "node", ".cjs": "node", ".lua": "lua", ".ps1": "powershell",
	".tcl": "tclsh", ".awk": "awk",
}

func detectMagic(p string, head []byte) (Type, bool) {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return detectELF(p, head), true
	case bytes.HasPrefix(head, []byte("MZ")) && isPE(head):
		return Type{Kind: PE}, true
	case isMachO(head):
		return Type{Kind: MachO}, true
	case bytes.HasPrefix(head, []byte("\xca\xfe\xba\xbe")):
		return Type{Kind: JavaClass}, true // not a fat Mach-O (isMachO), so a class file
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return Type{Kind: Image, Detail: "png"}, true
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return Type{Kind: Image, Detail: "jpeg"}, true
	case bytes.HasPrefix(head, []byte("GIF8")):
		return Type{Kind: Image, Detail: "gif"}, true
	case bytes.HasPrefix(head, []byte("7z\xbc\xaf\x27\x1c")):
		return Type{Kind: Archive, Detail: "7z"}, true
	case bytes.HasPrefix(head, []byte("Rar!\x1a\x07")):
		return Type{Kind: Archive, Detail: "rar"}, true
	case bytes.HasPrefix(head, []byte("!<arch>\n")):
		return Type{Kind: Archive, Detail: "ar"}, true
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return Type{Kind: Archive, Detail: "gzip"}, true
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		switch strings.ToLower(path.Ext(p)) {
		case ".jar", ".war", ".ear":
			return Type{Kind: Archive, Detail: "jar"}, true
		}
		if bytes.Contains(head, []byte("META-INF/")) {
			return Type{Kind: Archive, Detail: "jar"}, true
		}
		return Type{Kind: Archive, Detail: "zip"}, true
	case bytes.HasPrefix(head, []byte("BZh")) && len(head) > 3 && head[3] >= '1' && head[3] <= '9':
		return Type{Kind: Archive, Detail: "bzip2"}, true
	case bytes.HasPrefix(head, []byte("\xfd7zXZ\x00")):
		return Type{Kind: Archive, Detail: "xz"}, true
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return Type{Kind: Archive, Detail: "zstd"}, true
	case len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar")):
		return Type{Kind: Archive, Detail: "tar"}, true
	}
	return Type{}, false
}

// detectELF reads e_type. ET_DYN is both a shared library and a position-independent
// executable; a library name (".so") decides for a library, a PT_INTERP program header
// within the head or a bin directory for an executable.
func detectELF(p string, head []byte) Type {
	if len(head) < 20 {
		return Type{Kind: Binary}
	}
	var order binary.ByteOrder = binary.LittleEndian
	if head[5] == 2 {
		order = binary.BigEndian
	}
	switch order.Uint16(head[16:]) {
	case 1:
		return Type{Kind: ELFRelocatable}
	case 2:
		return Type{Kind: ELFExecutable}
	case 3:
		base := path.Base(p)
		if strings.HasSuffix(base, ".so") || strings.Contains(base, ".so.") {
			return Type{Kind: ELFSharedObject}
		}
		if hasInterp(head, order) || inBinDir(p) {
			return Type{Kind: ELFExecutable}
		}
		return Type{Kind: ELFSharedObject}
	}
	return Type{Kind: Binary}
}

func hasInterp(head []byte, order binary.ByteOrder) bool {
	const ptInterp = 3
	var phoff, phentsize, phnum int
	switch head[4] {
	case 2: // ELFCLASS64
		if len(head) < 64 {
			return false
		}
		phoff = int(order.Uint64(head[32:]))
		phentsize, phnum = int(order.Uint16(head[54:])), int(order.Uint16(head[56:]))
	case 1: // ELFCLASS32
		if len(head) < 52 {
			return false
		}
		phoff = int(order.Uint32(head[28:]))
		phentsize, phnum = int(order.Uint16(head[42:])), int(order.Uint16(head[44:]))
	default:
		return false
	}
	if phentsize < 4 || phoff <= 0 {
		return false
	}
	for i := range phnum {
		off := phoff + i*phentsize
		if off < 0 || off+4 > len(head) {
			return false
		}
		if order.Uint32(head[off:]) == ptInterp {
			return true
		}
	}
	return false
}

func inBinDir(p string) bool {
	switch path.Base(path.Dir(p)) {
	case "bin", "sbin", "libexec":
		return true
	}
	return false
}

// isPE checks the PE signature that e_lfanew points to, so that text starting with "MZ" is not
// taken for a Windows binary.
func isPE(head []byte) bool {
	if len(head) < 0x40 {
		return false
	}
	off := int(binary.LittleEndian.Uint32(head[0x3c:]))
	if off <= 0 || off+4 > len(head) {
		// The signature lies beyond the head; the DOS stub's own text is evidence enough.
		return bytes.Contains(head, []byte("This program cannot be run in DOS mode"))
	}
	return bytes.Equal(head[off:off+4], []byte("PE\x00\x00"))
}

func isMachO(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	switch binary.BigEndian.Uint32(head) {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe:
		return true
	case 0xcafebabe:
		// Fat Mach-O and Java class files share a magic; a fat binary has few architectures
		// where a class file has its version (45 and up) in the same place.
		return len(head) >= 8 && binary.BigEndian.Uint32(head[4:]) < 20
	}
	return false
}

// interpreter names the program of a #! line: the base name of its path, or the program env
// is asked to run ("#!/usr/bin/env -S python3 -u" gives "python3").
func interpreter(head []byte) string {
	line := head[2:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	fields := strings.Fields(strings.TrimSuffix(string(line), "\r"))
	if len(fields) == 0 {
		return ""
	}
	prog := path.Base(fields[0])
	if prog != "env" {
		return prog
	}
	for _, f := range fields[1:] {
		if strings.HasPrefix(f, "-") || strings.Contains(f, "=") {
			continue
		}
		return path.Base(f)
	}
	return prog
}

// looksText reports whether head is text: valid UTF-8 (a rune cut at the end of the head is
// fine) with no NUL and few control characters.
func looksText(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	control := 0
	for i := 0; i < len(head); {
		// Eight bytes at a time while they are printable ASCII (no high bit, none below
		// 0x20): each is a rune of its own and no control character.
		for i+8 <= len(head) {
			x := binary.LittleEndian.Uint64(head[i:])
			if (x|(x-0x2020202020202020))&0x8080808080808080 != 0 {
				break
			}
			i += 8
		}
		if i >= len(head) {
			break
		}
		if c := head[i]; c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b {
				control++
			}
			i++
			continue
		}
		// A byte of 0x80 or more starts a multi-byte rune, never a control character.
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 {
			if len(head)-i < utf8.UTFMax && !utf8.FullRune(head[i:]) {
				break
			}
			return false
		}
		i += size
	}
	return control*20 <= len(head)
}
