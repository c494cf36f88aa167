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
//
// A layer may hold millions of entries, so an Entry is kept small (56 bytes): what every entry
// has and most differ in is a field; the owner, which most entries share, and what few entries
// have (a link target, device numbers, a hostile tar name) are held out of line as EntryAttrs,
// shared between the entries that have the same (see AttrTable), read with the methods of the
// same names and set with SetAttrs; the mtime is read with ModTime and set with SetModTime;
// the content's digest, which the copies of one content share, is read with SHA256 and set
// with SetSHA256 (or shared with a DigestTable).
type Entry struct {
	Path     string  // cleaned, absolute: "/etc/passwd"
	sha      *string // hex sha256, regular files only; nil for none; shared, so never written through
	Size     int64
	mtime    int64      // unix nanoseconds, when mtimeKind is mtimeNanos
	more     *entryMore // nil when every attribute is zero; shared, so never written through
	Mode     uint32     // permission bits plus setuid/setgid/sticky (no type bits)
	Type     EntryType
	Whiteout bool // this entry deletes Path from lower layers
	Opaque   bool // this entry marks directory Path opaque

	mtimeKind uint8
}

// EntryAttrs are the attributes of an Entry held out of line.
type EntryAttrs struct {
	UID, GID int
	Uname    string
	Gname    string
	Link     string // symlink or hardlink target (hardlinks: cleaned absolute path)
	// TarName is the name as it stood in the tar, kept when it differed from Path (hostile paths).
	TarName  string
	DevMajor int64
	DevMinor int64
}

// entryMore is what an Entry holds out of line: its attributes, and its mtime when it does not
// fit in int64 nanoseconds (only a crafted tar has such).
type entryMore struct {
	EntryAttrs
	modTime time.Time
}

// How an Entry holds its mtime.
const (
	mtimeZero  = iota // the zero time.Time
	mtimeNanos        // in mtime
	mtimeMore         // in more.modTime
)

// SHA256 returns the hex sha256 of a regular file's content ("" for other entries, and for a
// file whose content is not known).
func (e *Entry) SHA256() string {
	if e.sha == nil {
		return ""
	}
	return *e.sha
}

// SetSHA256 sets the entry's hex digest. To share one copy between the entries of a layer
// that hold the same content, use a DigestTable.
func (e *Entry) SetSHA256(hex string) {
	if hex == "" {
		e.sha = nil
		return
	}
	e.sha = &hex
}

// maxDigestNames bounds the digests a DigestTable (or a layer being read) shares. Layers hold
// many copies of a few contents (empty files, licenses, __init__.py); past this many distinct
// ones, each entry gets its own.
const maxDigestNames = 1 << 16

// DigestTable shares the digests of the entries it sets, so that a million empty files hold
// one copy of the empty file's digest. The zero value is ready to use; it is not safe for
// concurrent use.
type DigestTable struct {
	m map[string]*string
}

// Set sets e's digest to hex, shared with the entries set before with the same.
func (t *DigestTable) Set(e *Entry, hex string) {
	if hex == "" {
		e.sha = nil
		return
	}
	if p, ok := t.m[hex]; ok {
		e.sha = p
		return
	}
	p := &hex
	if len(t.m) < maxDigestNames {
		if t.m == nil {
			t.m = make(map[string]*string)
		}
		t.m[hex] = p
	}
	e.sha = p
}

// Attrs returns the entry's out-of-line attributes.
func (e *Entry) Attrs() EntryAttrs {
	if e.more == nil {
		return EntryAttrs{}
	}
	return e.more.EntryAttrs
}

// SetAttrs replaces the entry's out-of-line attributes. To share them between many entries,
// use an AttrTable.
func (e *Entry) SetAttrs(a EntryAttrs) {
	e.setMore(entryMore{EntryAttrs: a, modTime: e.moreTime()}, nil)
}

// UID returns the owner's user id.
func (e *Entry) UID() int { return e.Attrs().UID }

// GID returns the owner's group id.
func (e *Entry) GID() int { return e.Attrs().GID }

// Uname returns the owner's user name as the tar recorded it.
func (e *Entry) Uname() string { return e.Attrs().Uname }

// Gname returns the owner's group name as the tar recorded it.
func (e *Entry) Gname() string { return e.Attrs().Gname }

// Link returns a symlink's or hardlink's target (hardlinks: cleaned absolute path).
func (e *Entry) Link() string { return e.Attrs().Link }

// TarName returns the name as it stood in the tar, when it differed from Path (hostile paths).
func (e *Entry) TarName() string { return e.Attrs().TarName }

// DevMajor returns a device's major number.
func (e *Entry) DevMajor() int64 { return e.Attrs().DevMajor }

// DevMinor returns a device's minor number.
func (e *Entry) DevMinor() int64 { return e.Attrs().DevMinor }

// ModTime returns the entry's modification time, in UTC (the zero time when it has none).
func (e *Entry) ModTime() time.Time {
	switch e.mtimeKind {
	case mtimeNanos:
		return time.Unix(0, e.mtime).UTC()
	case mtimeMore:
		return e.more.modTime
	}
	return time.Time{}
}

// SetModTime sets the entry's modification time; it is kept in UTC.
func (e *Entry) SetModTime(t time.Time) {
	t = t.UTC()
	var out time.Time // kept out of line
	// Nanoseconds since 1970 in an int64 reach from 1677 to 2262: a time outside that range,
	// which only a crafted tar holds, is kept out of line.
	switch n := t.UnixNano(); {
	case t.IsZero():
		e.mtime, e.mtimeKind = 0, mtimeZero
	case time.Unix(0, n).UTC().Equal(t):
		e.mtime, e.mtimeKind = n, mtimeNanos
	default:
		e.mtime, e.mtimeKind, out = 0, mtimeMore, t
	}
	if out != e.moreTime() {
		e.setMore(entryMore{EntryAttrs: e.Attrs(), modTime: out}, nil)
	}
}

// moreTime is the mtime the entry holds out of line, if any.
func (e *Entry) moreTime() time.Time {
	if e.more == nil {
		return time.Time{}
	}
	return e.more.modTime
}

// setMore points e at m: nil when m is zero, the table's copy when it has one.
func (e *Entry) setMore(m entryMore, t *AttrTable) {
	if m == (entryMore{}) {
		e.more = nil
		return
	}
	if t != nil {
		e.more = t.intern(&m)
		return
	}
	e.more = newMore(&m)
}

// newMore returns a copy of *m on the heap. Taking m's address where it is kept would move
// every m to the heap, those found in a table included.
func newMore(m *entryMore) *entryMore {
	p := new(entryMore)
	*p = *m
	return p
}

// maxAttrTable bounds how many distinct attribute sets an AttrTable shares; past it, entries
// get their own. Layers have a handful of owners; link targets, which are mostly distinct, are
// not shared.
const maxAttrTable = 4096

// AttrTable shares the out-of-line attributes of the entries it sets, so that a million files
// owned by root:root hold one copy of the owner. The zero value is ready to use; it is not safe
// for concurrent use.
type AttrTable struct {
	m map[entryMore]*entryMore
}

// Set sets e's attributes to a, shared with the entries set before with the same.
func (t *AttrTable) Set(e *Entry, a EntryAttrs) {
	e.setMore(entryMore{EntryAttrs: a, modTime: e.moreTime()}, t)
}

func (t *AttrTable) intern(m *entryMore) *entryMore {
	if p, ok := t.m[*m]; ok {
		return p
	}
	p := newMore(m)
	if m.Link == "" && m.TarName == "" && len(t.m) < maxAttrTable {
		if t.m == nil {
			t.m = make(map[entryMore]*entryMore)
		}
		t.m[*m] = p
	}
	return p
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
