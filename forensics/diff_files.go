package forensics

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/strata-forensics/strata/forensics/filetype"
)

// FileChangeKind is what happened to a path between the original and the suspect.
type FileChangeKind uint8

// File change kinds.
const (
	FileAdded     FileChangeKind = iota + 1 // in the suspect's filesystem, not the original's
	FileRemoved                             // in the original's filesystem, not the suspect's
	FileModified                            // in both, with some attribute changed
	FileHidden                              // in a suspect layer but whited-out, and not in the original
	FileUnchanged                           // in both, the same (only from ImageDiff.File)
)

var fileChangeNames = [...]string{"", "added", "removed", "modified", "hidden", "unchanged"}

func (k FileChangeKind) String() string {
	if int(k) < len(fileChangeNames) && k > 0 {
		return fileChangeNames[k]
	}
	return "unknown"
}

// Changed attribute names, as FileChange.Attributes lists them.
const (
	AttrType    = "type"
	AttrContent = "content" // sha256
	AttrSize    = "size"
	AttrMode    = "mode"
	AttrSetuid  = "setuid" // the setuid bit was gained or lost (mode is listed too)
	AttrSetgid  = "setgid"
	AttrUID     = "uid"
	AttrGID     = "gid"
	AttrLink    = "link"
	AttrMTime   = "mtime"
	AttrDevice  = "device"
)

// FileVersion is one image's version of a path, with its provenance in that image.
type FileVersion struct {
	Entry *Entry
	// Type is the detected file type; its Kind is "" when the content was not read.
	Type filetype.Type
	// Layer supplied this version; Created and Modified are the layers that created and later
	// changed it, Removed the layer whose whiteout hid it (-1 when it is in the filesystem).
	Layer    int
	Created  int
	Modified []int
	Removed  int
	Hidden   bool
	// History is the step that made Layer (-1 when none) and CreatedBy its text.
	History   int
	CreatedBy string
}

// FileChange is one changed path.
type FileChange struct {
	Path   string
	Change FileChangeKind
	// Layer is the suspect layer that brought the change: the one supplying the suspect's
	// version, or for a removal the one whose whiteout removed it (or that replaced the layer
	// holding it); -1 when no suspect layer did (its layer is gone from the chain).
	Layer     int
	History   int // the suspect history step that made Layer, -1 when none
	CreatedBy string
	// Attributes lists what changed, for modified paths (AttrContent, AttrMode, ...).
	Attributes []string
	// Original and Suspect are nil where the path does not exist (hidden suspect versions are
	// included, with Hidden set).
	Original, Suspect *FileVersion
	// Diff is a unified diff of text content, "" when there is none; DiffNote says why not
	// ("binary", "larger than the text cap", "not computed: past the first N").
	Diff     string
	DiffNote string
	// Score ranks the change for a responder, 0 to 100; Why says why, briefly. Noise marks
	// package-manager churn a report folds away.
	Score int
	Why   string
	Noise bool

	origHead, suspHead []byte
	origText, suspText *string
}

// version returns the suspect's version, or the original's when the suspect has none.
func (f *FileChange) version() *FileVersion {
	if f.Suspect != nil {
		return f.Suspect
	}
	return f.Original
}

func newFileVersion(img *Image, n *Node) *FileVersion {
	if n == nil || n.Entry == nil {
		return nil
	}
	v := &FileVersion{Entry: n.Entry, Layer: n.Layer(), Created: n.Created(), Modified: n.Modified(),
		Removed: n.Removed(), Hidden: n.Hidden, History: -1}
	if v.Layer >= 0 && v.Layer < len(img.Layers) {
		v.History = img.Layers[v.Layer].History
		if v.History >= 0 && v.History < len(img.History) {
			v.CreatedBy = img.History[v.History].CreatedBy
		}
	}
	return v
}

// changedAttributes lists what differs between two entries of the same path.
func changedAttributes(a, b *Entry) []string {
	var out []string
	if a.Type != b.Type {
		out = append(out, AttrType)
	}
	if isContent(a) && isContent(b) && a.SHA256() != b.SHA256() {
		out = append(out, AttrContent)
	}
	if (isContent(a) || isContent(b)) && a.Size != b.Size {
		out = append(out, AttrSize)
	}
	if a.Mode != b.Mode {
		out = append(out, AttrMode)
		if a.Mode&ModeSetuid != b.Mode&ModeSetuid {
			out = append(out, AttrSetuid)
		}
		if a.Mode&ModeSetgid != b.Mode&ModeSetgid {
			out = append(out, AttrSetgid)
		}
	}
	if a.UID() != b.UID() {
		out = append(out, AttrUID)
	}
	if a.GID() != b.GID() {
		out = append(out, AttrGID)
	}
	if a.Link() != b.Link() {
		out = append(out, AttrLink)
	}
	if !a.ModTime().Equal(b.ModTime()) {
		out = append(out, AttrMTime)
	}
	if a.DevMajor() != b.DevMajor() || a.DevMinor() != b.DevMinor() {
		out = append(out, AttrDevice)
	}
	return out
}

func isContent(e *Entry) bool { return e.Type == TypeFile || e.Type == TypeHardlink }

func hasAttr(attrs []string, a string) bool {
	for _, x := range attrs {
		if x == a {
			return true
		}
	}
	return false
}

// diffFiles compares the two final filesystems path by path.
func (d *ImageDiff) diffFiles() {
	replaced := d.Layers.replacedBy()
	add := func(p string, kind FileChangeKind, on, sn *Node, attrs []string) {
		f := FileChange{Path: p, Change: kind, Attributes: attrs, Layer: -1, History: -1}
		if on != nil {
			f.Original = newFileVersion(d.Original, on)
		}
		if sn != nil {
			f.Suspect = newFileVersion(d.Suspect, sn)
		}
		switch kind {
		case FileRemoved:
			switch {
			case sn != nil && sn.Hidden:
				f.Layer = sn.Removed()
			case sn != nil:
				f.Layer = sn.Layer()
			default:
				if l, ok := replaced[on.Layer()]; ok {
					f.Layer = l
				}
			}
		default:
			f.Layer = sn.Layer()
		}
		if f.Layer >= 0 && f.Layer < len(d.Suspect.Layers) {
			f.History = d.Suspect.Layers[f.Layer].History
			if f.History >= 0 && f.History < len(d.Suspect.History) {
				f.CreatedBy = d.Suspect.History[f.History].CreatedBy
			}
		}
		d.Files = append(d.Files, f)
	}
	d.SuspectTree.Walk("/", func(sn *Node) bool {
		if sn.Path() == "/" {
			if attrs := rootChanges(d.OriginalTree.Node("/"), sn); len(attrs) > 0 {
				add("/", FileModified, d.OriginalTree.Node("/"), sn, attrs)
			}
			return true
		}
		on := d.OriginalTree.Node(sn.Path())
		oAlive := on != nil && !on.Hidden
		switch {
		case !sn.Hidden && oAlive:
			if (sn.Implicit || on.Implicit) && sn.Entry.Type == TypeDir && on.Entry.Type == TypeDir {
				return true // a directory no layer declared has no attributes to compare
			}
			if attrs := changedAttributes(on.Entry, sn.Entry); len(attrs) > 0 {
				add(sn.Path(), FileModified, on, sn, attrs)
			}
		case !sn.Hidden:
			add(sn.Path(), FileAdded, nil, sn, nil)
		case oAlive:
			add(sn.Path(), FileRemoved, on, sn, nil)
		case on == nil && !sn.Implicit:
			// Whited-out in the suspect and never in the original's layers: shipped, but hidden.
			add(sn.Path(), FileHidden, nil, sn, nil)
		}
		return true
	})
	d.OriginalTree.Walk("/", func(on *Node) bool {
		if on.Path() == "/" || on.Hidden {
			return true
		}
		if d.SuspectTree.Node(on.Path()) == nil {
			add(on.Path(), FileRemoved, on, nil, nil)
		}
		return true
	})
}

// rootChanges compares the root directory of the two images. Layers seldom carry an entry for
// "/" (the root is then implicit, 0755 root:root); when either image has one, its type, mode
// and owner are compared with the other's (explicit or implicit), and its mtime too when both
// have one. A rewritten archive whose root became 0700 is such a change.
func rootChanges(on, sn *Node) []string {
	if on == nil || sn == nil || on.Implicit && sn.Implicit {
		return nil
	}
	var out []string
	for _, a := range changedAttributes(on.Entry, sn.Entry) {
		if a == AttrMTime && (on.Implicit || sn.Implicit) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// rank scores every change and sorts them, most important first, then by path.
func (d *ImageDiff) rank() {
	for i := range d.Files {
		if isPackageList(d.Files[i].Path) {
			d.score.pkgDBChanged = true
		}
	}
	for i := range d.Files {
		f := &d.Files[i]
		if !d.opts.NoContent {
			if f.Original != nil && f.origHead != nil || f.Original != nil && isEmptyFile(f.Original.Entry) {
				f.Original.Type = filetype.Detect(f.Path, f.origHead)
			}
			if f.Suspect != nil && f.suspHead != nil || f.Suspect != nil && isEmptyFile(f.Suspect.Entry) {
				f.Suspect.Type = filetype.Detect(f.Path, f.suspHead)
			}
		}
		f.Score, f.Why, f.Noise = d.score.score(f)
	}
	sort.SliceStable(d.Files, func(i, j int) bool {
		a, b := &d.Files[i], &d.Files[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Path < b.Path
	})
}

func isEmptyFile(e *Entry) bool { return isContent(e) && e.Size == 0 }

// contentDiffs renders unified diffs for the top-ranked text files whose content was read.
func (d *ImageDiff) contentDiffs(ctx context.Context) error {
	limit := d.opts.maxDiffs()
	done := 0
	for i := range d.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := &d.Files[i]
		if !wantsContentDiff(f) {
			continue
		}
		switch {
		case d.opts.NoContent:
			f.DiffNote = "content not read"
		case done >= limit:
			f.DiffNote = fmt.Sprintf("not computed: only the first %d text changes are diffed", limit)
		default:
			d.renderDiff(f)
			if f.Diff != "" {
				done++
			}
		}
	}
	return nil
}

// wantsContentDiff reports whether a change is about content a diff could show.
func wantsContentDiff(f *FileChange) bool {
	switch f.Change {
	case FileModified:
		return isContent(f.Original.Entry) && isContent(f.Suspect.Entry) && hasAttr(f.Attributes, AttrContent)
	case FileAdded, FileHidden:
		return isContent(f.Suspect.Entry)
	case FileRemoved:
		return isContent(f.Original.Entry)
	}
	return false
}

// renderDiff fills Diff or DiffNote from the content read.
func (d *ImageDiff) renderDiff(f *FileChange) {
	textual := func(v *FileVersion) bool { return v == nil || v.Type.Textual() || v.Type.Kind == filetype.Empty }
	if !textual(f.Original) || !textual(f.Suspect) {
		f.DiffNote = "binary"
		return
	}
	var a, b string
	if f.Original != nil {
		if f.origText == nil {
			f.DiffNote = d.missingNote(f.Original)
			return
		}
		a = *f.origText
	}
	if f.Suspect != nil {
		if f.suspText == nil {
			f.DiffNote = d.missingNote(f.Suspect)
			return
		}
		b = *f.suspText
	}
	if f.Change == FileRemoved {
		b = ""
	}
	f.Diff = UnifiedDiff("original"+f.Path, "suspect"+f.Path, a, b)
}

func (d *ImageDiff) missingNote(v *FileVersion) string {
	if v.Entry.Size > d.opts.textCap() {
		return fmt.Sprintf("larger than the %d-byte text cap", d.opts.textCap())
	}
	return "content not held: over the memory budget for diffs"
}

// scoreTime formats a time for anomaly details.
func scoreTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
