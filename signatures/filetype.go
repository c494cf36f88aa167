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
	ft, _ := detect(data, name)
	return ft
}

// fileClass says which built-in rules a file is scanned with.
type fileClass int

const (
	classNone   fileClass = iota // compressed, media or empty: no built-in rules
	classText                    // text and scripts
	classPage                    // server pages: PHP, JSP, ASP.NET
	classELF                     // ELF files
	classBinary                  // PE, Mach-O, class files, tar and ar archives
)

func detect(data []byte, name string) (string, fileClass) {
	t := filetype.Detect(name, data)
	switch t.Kind {
	case filetype.Empty:
		return TypeEmpty, classNone
	case filetype.ELFExecutable, filetype.ELFSharedObject, filetype.ELFRelocatable:
		return TypeELF, classELF
	case filetype.PE:
		return TypePE, classBinary
	case filetype.MachO:
		return TypeMachO, classBinary
	case filetype.JavaClass:
		return TypeClass, classBinary
	case filetype.Archive:
		if t.Detail == "tar" || t.Detail == "ar" {
			return TypeArchive, classBinary // members are stored as they are
		}
		return TypeArchive, classNone
	case filetype.Image:
		return TypeImage, classNone
	case filetype.Script:
		return TypeScript, classText
	case filetype.PHP:
		return TypePHP, classPage
	case filetype.JSP:
		return TypeJSP, classPage
	case filetype.ASPX:
		return TypeASPX, classPage
	case filetype.Text:
		return TypeText, classText
	}
	// Unrecognised binary data: nothing runs it as it is, and built-in rules on it would
	// only cost time. User rules still see it.
	return TypeBinary, classNone
}
