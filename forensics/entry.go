package forensics

import (
	"fmt"
	"time"
)

// EntryType is the kind of a filesystem entry.
type EntryType uint8

// Entry types.
const (
	TypeFile EntryType = iota
	TypeDir
	TypeSymlink
	TypeHardlink
	TypeChar
	TypeBlock
	TypeFifo
)

var entryTypeNames = [...]string{"file", "dir", "symlink", "hardlink", "char", "block", "fifo"}

func (t EntryType) String() string {
	if int(t) < len(entryTypeNames) {
		return entryTypeNames[t]
	}
	return fmt.Sprintf("type(%d)", t)
}

// Permission and special mode bits, as in a tar header and in stat(2).
const (
	ModeSetuid = 0o4000
	ModeSetgid = 0o2000
	ModeSticky = 0o1000
	ModePerm   = 0o0777
)

// Entry is one tar entry of a layer, as read: a file, directory, link or device, a whiteout
// that deletes Path, or an opaque marker that hides what lower layers hold below Path.
type Entry struct {
	Path     string // cleaned, absolute: "/etc/passwd"
	Type     EntryType
	Whiteout bool   // this entry deletes Path from lower layers
	Opaque   bool   // this entry marks directory Path opaque
	Mode     uint32 // permission bits plus setuid/setgid/sticky (no type bits)
	UID, GID int
	Uname    string
	Gname    string
	Size     int64
	ModTime  time.Time
	Link     string // symlink or hardlink target (hardlinks: cleaned absolute path)
	SHA256   string // hex, regular files only
	DevMajor int64
	DevMinor int64
	// TarName is the name as it stood in the tar, kept when it differed from Path (hostile paths).
	TarName string
}

// ModeString renders the mode as a zero-padded octal string such as "04755".
func (e *Entry) ModeString() string { return fmt.Sprintf("%05o", e.Mode) }

// Setuid reports whether the setuid bit is set.
func (e *Entry) Setuid() bool { return e.Mode&ModeSetuid != 0 }

// Setgid reports whether the setgid bit is set.
func (e *Entry) Setgid() bool { return e.Mode&ModeSetgid != 0 }

var typeLetters = [...]byte{TypeFile: '-', TypeDir: 'd', TypeSymlink: 'l', TypeHardlink: 'h',
	TypeChar: 'c', TypeBlock: 'b', TypeFifo: 'p'}

// LsMode renders the entry's type and mode as ls -l does ("-rwsr-xr-x"), with s/S and t/T for
// the special bits; 'h' marks a hardlink entry, which ls cannot show.
func (e *Entry) LsMode() string {
	const rwx = "rwxrwxrwx"
	var out [10]byte
	out[0] = '?'
	if int(e.Type) < len(typeLetters) {
		out[0] = typeLetters[e.Type]
	}
	for i := 0; i < 9; i++ {
		out[i+1] = '-'
		if e.Mode&(1<<(8-i)) != 0 {
			out[i+1] = rwx[i]
		}
	}
	special := func(i int, bit uint32, c byte) {
		if e.Mode&bit == 0 {
			return
		}
		if out[i] == 'x' {
			out[i] = c
		} else {
			out[i] = c - 'a' + 'A'
		}
	}
	special(3, ModeSetuid, 's')
	special(6, ModeSetgid, 's')
	special(9, ModeSticky, 't')
	return string(out[:])
}
