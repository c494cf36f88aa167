package signatures

import (
	"bytes"
	"path"
	"strings"
)

// File types reported by DetectFileType and seen by rules as the filetype
// external.
const (
	TypeEmpty   = "empty"
	TypeELF     = "ELF"
	TypePE      = "PE"
	TypeMachO   = "MachO"
	TypeClass   = "class"
	TypeArchive = "archive"
	TypeImage   = "image"
	TypeScript  = "script"
	TypePHP     = "PHP"
	TypeJSP     = "JSP"
	TypeASPX    = "ASPX"
	TypeText    = "text"
	TypeBinary  = "binary"
)

// sniffLen bounds how much of a file DetectFileType looks at.
const sniffLen = 8 << 10

var magics = []struct {
	offset int
	magic  string
	typ    string
}{
	{0, "\x7fELF", TypeELF},
	{0, "MZ", TypePE},
	{0, "\xfe\xed\xfa\xce", TypeMachO},
	{0, "\xfe\xed\xfa\xcf", TypeMachO},
	{0, "\xce\xfa\xed\xfe", TypeMachO},
	{0, "\xcf\xfa\xed\xfe", TypeMachO},
	{0, "PK\x03\x04", TypeArchive},
	{0, "PK\x05\x06", TypeArchive},
	{0, "\x1f\x8b", TypeArchive},
	{0, "BZh", TypeArchive},
	{0, "\xfd7zXZ\x00", TypeArchive},
	{0, "\x28\xb5\x2f\xfd", TypeArchive},
	{0, "7z\xbc\xaf\x27\x1c", TypeArchive},
	{0, "Rar!\x1a\x07", TypeArchive},
	{0, "!<arch>\n", TypeArchive},
	{257, "ustar", TypeArchive},
	{0, "\x89PNG\r\n\x1a\n", TypeImage},
	{0, "\xff\xd8\xff", TypeImage},
	{0, "GIF8", TypeImage},
}

var extTypes = map[string]string{
	".php": TypePHP, ".php3": TypePHP, ".php4": TypePHP, ".php5": TypePHP, ".php7": TypePHP,
	".phtml": TypePHP, ".phar": TypePHP, ".inc": TypePHP,
	".jsp": TypeJSP, ".jspx": TypeJSP, ".jspf": TypeJSP,
	".aspx": TypeASPX, ".asp": TypeASPX, ".ashx": TypeASPX, ".asmx": TypeASPX, ".ascx": TypeASPX,
	".sh": TypeScript, ".bash": TypeScript, ".zsh": TypeScript, ".ksh": TypeScript,
	".py": TypeScript, ".pl": TypeScript, ".pm": TypeScript, ".rb": TypeScript,
	".lua": TypeScript, ".js": TypeScript, ".mjs": TypeScript, ".cjs": TypeScript,
	".ps1": TypeScript, ".awk": TypeScript, ".tcl": TypeScript,
}

// DetectFileType names the kind of file data holds, from its magic bytes, its
// first few kilobytes and, for text, its extension: one of the Type constants.
// It is what rules see as the filetype external.
func DetectFileType(data []byte, name string) string {
	if len(data) == 0 {
		return TypeEmpty
	}
	for _, m := range magics {
		if len(data) >= m.offset+len(m.magic) && string(data[m.offset:m.offset+len(m.magic)]) == m.magic {
			return m.typ
		}
	}
	ext := strings.ToLower(path.Ext(name))
	if bytes.HasPrefix(data, []byte("\xca\xfe\xba\xbe")) {
		if ext == ".class" {
			return TypeClass
		}
		return TypeMachO // universal binary
	}
	head := data
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	if !looksText(head) {
		return TypeBinary
	}
	if t, ok := extTypes[ext]; ok && t != TypeScript {
		return t
	}
	switch {
	case bytes.Contains(head, []byte("<?php")):
		return TypePHP
	case bytes.Contains(head, []byte("<%@ page")) || bytes.Contains(head, []byte("<jsp:")):
		return TypeJSP
	case bytes.Contains(head, []byte("<%@")) && (containsFold(head, "<%@ Page Language=") || containsFold(head, "<%@ WebHandler")):
		return TypeASPX
	case bytes.HasPrefix(data, []byte("#!")):
		return TypeScript
	}
	if extTypes[ext] == TypeScript {
		return TypeScript
	}
	return TypeText
}

// looksText reports whether b has no NUL bytes and few control characters.
func looksText(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	ctl := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v' && c != 0x1b {
			ctl++
		}
	}
	return ctl*100 <= len(b)
}

func containsFold(b []byte, s string) bool {
	return bytes.Contains(bytes.ToLower(b), []byte(strings.ToLower(s)))
}
