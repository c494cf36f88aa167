package report

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/human"
)

// EntryDoc is one file in `strata layers --format json` (docs/json.md).
type EntryDoc struct {
	Path    string    `json:"path"`
	Type    string    `json:"type"`
	Mode    string    `json:"mode"`
	UID     int       `json:"uid"`
	GID     int       `json:"gid"`
	User    string    `json:"user,omitempty"`
	Group   string    `json:"group,omitempty"`
	Size    int64     `json:"size"`
	MTime   time.Time `json:"mtime"`
	SHA256  string    `json:"sha256,omitempty"`
	Link    string    `json:"link,omitempty"`
	Change  string    `json:"change,omitempty"`
	TarName string    `json:"tar_name,omitempty"`
	// Stacked view only:
	Layer    *int  `json:"layer,omitempty"`
	Created  *int  `json:"created,omitempty"`
	Modified []int `json:"modified,omitempty"`
	Removed  *int  `json:"removed,omitempty"`
	Hidden   bool  `json:"hidden,omitempty"`
}

type LayerEntriesDoc struct {
	Index     int                 `json:"index"`
	DiffID    string              `json:"diff_id"`
	CreatedBy string              `json:"created_by"`
	Entries   []EntryDoc          `json:"entries"`
	Anomalies []forensics.Anomaly `json:"anomalies,omitempty"`
}

type LayersDoc struct {
	Input  forensics.Input   `json:"input"`
	Layers []LayerEntriesDoc `json:"layers"`
	Tree   []EntryDoc        `json:"tree,omitempty"`
}

func newEntryDoc(e *forensics.Entry) EntryDoc {
	return EntryDoc{Path: e.Path, Type: e.Type.String(), Mode: e.ModeString(), UID: e.UID(), GID: e.GID(),
		User: e.Uname(), Group: e.Gname(), Size: e.Size, MTime: e.ModTime(), SHA256: e.SHA256(), Link: e.Link(), TarName: e.TarName()}
}

func within(p, prefix string) bool {
	return prefix == "/" || p == prefix || strings.HasPrefix(p, prefix+"/")
}

func newLayersDoc(img *forensics.Image, trees []*forensics.LayerTree, tree *forensics.Tree, one int, prefix string, hidden bool) LayersDoc {
	doc := LayersDoc{Input: img.Input, Layers: []LayerEntriesDoc{}}
	for _, lt := range trees {
		if one >= 0 && lt.Index != one {
			continue
		}
		ld := LayerEntriesDoc{Index: lt.Index, DiffID: img.Layers[lt.Index].DiffID, Entries: []EntryDoc{}, Anomalies: lt.Anomalies}
		if h := img.Layers[lt.Index].History; h >= 0 {
			ld.CreatedBy = img.History[h].CreatedBy
		}
		for j := range lt.Entries {
			e := &lt.Entries[j]
			if !within(e.Path, prefix) {
				continue
			}
			ed := newEntryDoc(e)
			ed.Change = lt.Changes[j].String()
			ld.Entries = append(ld.Entries, ed)
		}
		doc.Layers = append(doc.Layers, ld)
	}
	if one >= 0 {
		return doc
	}
	doc.Tree = []EntryDoc{}
	tree.Walk(prefix, func(n *forensics.Node) bool {
		if n.Hidden && !hidden {
			return false
		}
		if n.Path() == "/" {
			return true
		}
		ed := newEntryDoc(n.Entry)
		ed.Path = n.Path()
		layer, created := n.Layer(), n.Created()
		ed.Layer, ed.Created, ed.Modified, ed.Hidden = &layer, &created, n.Modified(), n.Hidden
		if r := n.Removed(); r >= 0 {
			ed.Removed = &r
		}
		doc.Tree = append(doc.Tree, ed)
		return true
	})
	return doc
}

var changeLetters = map[forensics.Change]string{
	forensics.ChangeAdded: "A", forensics.ChangeModified: "M", forensics.ChangeUnchanged: "U",
	forensics.ChangeRemoved: "D", forensics.ChangeOpaque: "O",
}

func entryLine(e *forensics.Entry) string { return string(appendEntryLine(nil, e)) }

// appendEntryLine appends entryLine(e) to b: "%s %11s %7s  %s" of its mode, owner, size and
// mtime, without the allocations of formatting each (a listing can be a million lines).
func appendEntryLine(b []byte, e *forensics.Entry) []byte {
	var num [48]byte
	b = append(b, e.LsMode()...)
	b = append(b, ' ')
	owner := strconv.AppendInt(num[:0], int64(e.UID()), 10)
	owner = append(owner, ':')
	owner = strconv.AppendInt(owner, int64(e.GID()), 10)
	b = appendPadded(b, owner, 11)
	b = append(b, ' ')
	switch {
	case e.Type != forensics.TypeFile && e.Type != forensics.TypeHardlink:
		b = appendPadded(b, []byte("-"), 7)
	case e.Size < 1000:
		b = appendPadded(b, strconv.AppendInt(num[:0], e.Size, 10), 7)
	default:
		b = appendPadded(b, append(num[:0], human.CompactSize(e.Size)...), 7)
	}
	b = append(b, "  "...)
	if mt := e.ModTime(); !mt.IsZero() {
		return mt.UTC().AppendFormat(b, "2006-01-02 15:04")
	}
	return append(b, '-')
}

// appendPadded appends s right-aligned in width characters, as %*s does.
func appendPadded(b, s []byte, width int) []byte {
	for n := utf8.RuneCount(s); n < width; n++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

func entryFlags(e *forensics.Entry, ev Filter) string {
	var f []string
	if e.Type == forensics.TypeSymlink || e.Type == forensics.TypeHardlink {
		f = append(f, "-> "+ev.Line(e.Link()))
	}
	if e.Setuid() && e.Type == forensics.TypeFile {
		f = append(f, "[setuid]")
	}
	if e.Setgid() && e.Type == forensics.TypeFile {
		f = append(f, "[setgid]")
	}
	if e.TarName() != "" {
		f = append(f, "[tar name \""+ev.Line(e.TarName())+"\"]")
	}
	if len(f) == 0 {
		return ""
	}
	return " " + strings.Join(f, " ")
}

func layerTitle(img *forensics.Image, i int, ev Filter) string {
	l := img.Layers[i]
	by := "(no history line)"
	if l.History >= 0 {
		by = ev.OneLine(img.History[l.History].CreatedBy, 110)
	}
	return fmt.Sprintf("Layer %d  %s  %s  %d entries\n  %s", i, human.ShortDigest(l.DiffID), human.Size(l.UncompressedSize), l.Files, by)
}

func writeLayerText(w io.Writer, img *forensics.Image, lt *forensics.LayerTree, prefix string, ev Filter) error {
	fmt.Fprintln(w, layerTitle(img, lt.Index, ev))
	fmt.Fprintln(w)
	for j := range lt.Entries {
		e := &lt.Entries[j]
		if !within(e.Path, prefix) {
			continue
		}
		c := lt.Changes[j]
		if c == forensics.ChangeRemoved {
			fmt.Fprintf(w, "D  %-45s %s (whiteout)\n", "", ev.Line(e.Path))
			continue
		}
		fmt.Fprintf(w, "%s  %s  %s%s\n", changeLetters[c], entryLine(e), ev.Line(e.Path), entryFlags(e, ev))
	}
	for _, a := range lt.Anomalies {
		fmt.Fprintf(w, "!  %s: %s\n", a.Kind, ev.Line(a.Detail))
	}
	return nil
}

func writeTreeText(w io.Writer, img *forensics.Image, tree *forensics.Tree, prefix string, hidden bool, ev Filter) error {
	fmt.Fprintf(w, "Stacked filesystem of %s (%d layers)\n", ev.Line(img.Input.Path), len(img.Layers))
	fmt.Fprintln(w, "L = layer that supplied the file; H = hidden by a later whiteout")
	fmt.Fprintln(w)
	var line []byte // one line, built in place and reused
	var draw func(n *forensics.Node, indent string, last bool, root bool)
	draw = func(n *forensics.Node, indent string, last bool, root bool) {
		branch, next := "├── ", "│   "
		if last {
			branch, next = "└── ", "    "
		}
		name := path.Base(n.Path())
		if root {
			branch, next, name = "", "", n.Path()
		}
		mark := " "
		if n.Hidden {
			mark = "H"
		}
		layer := "  "
		if !n.Implicit {
			layer = "L" + strconv.Itoa(n.Layer())
		}
		extra := entryFlags(n.Entry, ev)
		if n.Hidden {
			extra += fmt.Sprintf(" (removed by layer %d)", n.Removed())
		}
		line = append(line[:0], mark...)
		line = append(line, ' ')
		line = append(line, layer...)
		for k := utf8.RuneCountInString(layer); k < 3; k++ {
			line = append(line, ' ')
		}
		line = append(line, ' ')
		line = appendEntryLine(line, n.Entry)
		line = append(line, "  "...)
		line = append(line, indent...)
		line = append(line, branch...)
		line = append(line, ev.Line(name)...)
		line = append(line, extra...)
		line = append(line, '\n')
		w.Write(line)
		var kids []*forensics.Node
		for _, k := range tree.Children(n.Path()) {
			if !k.Hidden || hidden {
				kids = append(kids, k)
			}
		}
		indent += next // once for all the children, not once each
		for i, k := range kids {
			draw(k, indent, i == len(kids)-1, false)
		}
	}
	start := tree.Node(prefix)
	if start == nil {
		return fmt.Errorf("%s: no path %s in the image", ev.Line(img.Input.Path), ev.Line(prefix))
	}
	draw(start, "", true, true)
	return nil
}
