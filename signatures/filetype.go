package signatures

import "github.com/strata-forensics/strata/forensics/filetype"

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

// DetectFileType names the kind of file data holds, as rules see it in the filetype external:
// one of the Type constants. Detection itself is forensics/filetype's; this only spells its
// kinds the way LOKI-style rule sets compare them.
func DetectFileType(data []byte, name string) string {
	switch filetype.Detect(name, data).Kind {
	case filetype.Empty:
		return TypeEmpty
	case filetype.ELFExecutable, filetype.ELFSharedObject, filetype.ELFRelocatable:
		return TypeELF
	case filetype.PE:
		return TypePE
	case filetype.MachO:
		return TypeMachO
	case filetype.JavaClass:
		return TypeClass
	case filetype.Archive:
		return TypeArchive
	case filetype.Image:
		return TypeImage
	case filetype.Script:
		return TypeScript
	case filetype.PHP:
		return TypePHP
	case filetype.JSP:
		return TypeJSP
	case filetype.ASPX:
		return TypeASPX
	case filetype.Text:
		return TypeText
	}
	return TypeBinary
}
