package main

import (
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/human"
)

func newLayersCommand(g *globalOptions) *cobra.Command {
	var (
		out    outputOptions
		layer  int
		prefix string
		hidden bool
	)
	cmd := &cobra.Command{
		Use:   "layers IMAGE",
		Short: "Show the file trees of an image, per layer or stacked",
		Long: `Show an image's files. Without --layer, the stacked final filesystem, each path with the layer
that last supplied it; with --layer N, what layer N itself holds, each entry marked:

  A added    the path did not exist below
  M modified the path existed below and differs
  U unchanged the path was restated as it was (usual for directories)
  D removed  a whiteout deleted it (and all below it)
  O opaque   an opaque marker hid what lower layers held below the directory
  H hidden   (stacked view, with --hidden) in a layer but whited-out in the final filesystem

Setuid and setgid files are flagged with [setuid]/[setgid].`,
		Args: exactArgs(1, "IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			sink, endProgress := g.events(cmd)
			img, trees, err := g.readImage(cmd.Context(), args[0], sink)
			endProgress()
			if err != nil {
				return err
			}
			defer img.Close()
			if cmd.Flags().Changed("layer") && (layer < 0 || layer >= len(img.Layers)) {
				return badInput(fmt.Errorf("%s: no layer %d (the image has %d, numbered from 0)", args[0], layer, len(img.Layers)))
			}
			tree := forensics.Stack(trees)
			prefix = path.Clean("/" + prefix)
			w, done, err := out.writer(cmd)
			if err != nil {
				return err
			}
			one := -1
			if cmd.Flags().Changed("layer") {
				one = layer
			}
			if out.format == "json" {
				err = writeJSON(w, newLayersDoc(img, trees, tree, one, prefix, hidden))
			} else if one >= 0 {
				err = writeLayerText(w, img, trees[one], prefix)
			} else {
				err = writeTreeText(w, img, tree, prefix, hidden)
			}
			if cerr := done(); err == nil {
				err = cerr
			}
			return err
		},
	}
	out.register(cmd, "text", "json")
	cmd.Flags().IntVar(&layer, "layer", 0, "show only this layer's entries (numbered from 0)")
	cmd.Flags().StringVar(&prefix, "path", "/", "show only paths below this prefix")
	cmd.Flags().BoolVar(&hidden, "hidden", false, "in the stacked view, also show whited-out (hidden) files")
	return cmd
}

// entryDoc is one file in `strata layers --format json` (docs/json.md).
type entryDoc struct {
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

type layerEntriesDoc struct {
	Index     int                 `json:"index"`
	DiffID    string              `json:"diff_id"`
	CreatedBy string              `json:"created_by"`
	Entries   []entryDoc          `json:"entries"`
	Anomalies []forensics.Anomaly `json:"anomalies,omitempty"`
}

type layersDoc struct {
	Input  forensics.Input   `json:"input"`
	Layers []layerEntriesDoc `json:"layers"`
	Tree   []entryDoc        `json:"tree,omitempty"`
}

func newEntryDoc(e *forensics.Entry) entryDoc {
	return entryDoc{Path: e.Path, Type: e.Type.String(), Mode: e.ModeString(), UID: e.UID, GID: e.GID,
		User: e.Uname, Group: e.Gname, Size: e.Size, MTime: e.ModTime, SHA256: e.SHA256, Link: e.Link, TarName: e.TarName}
}

func within(p, prefix string) bool {
	return prefix == "/" || p == prefix || strings.HasPrefix(p, prefix+"/")
}

func newLayersDoc(img *forensics.Image, trees []*forensics.LayerTree, tree *forensics.Tree, one int, prefix string, hidden bool) layersDoc {
	doc := layersDoc{Input: img.Input, Layers: []layerEntriesDoc{}}
	for _, lt := range trees {
		if one >= 0 && lt.Index != one {
			continue
		}
		ld := layerEntriesDoc{Index: lt.Index, DiffID: img.Layers[lt.Index].DiffID, Entries: []entryDoc{}, Anomalies: lt.Anomalies}
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
	doc.Tree = []entryDoc{}
	tree.Walk(prefix, func(n *forensics.Node) bool {
		if n.Hidden && !hidden {
			return false
		}
		if n.Path == "/" {
			return true
		}
		ed := newEntryDoc(n.Entry)
		ed.Path = n.Path
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

func entryLine(e *forensics.Entry) string {
	size := "-"
	if e.Type == forensics.TypeFile || e.Type == forensics.TypeHardlink {
		size = human.CompactSize(e.Size)
	}
	mtime := "-"
	if !e.ModTime.IsZero() {
		mtime = e.ModTime.UTC().Format("2006-01-02 15:04")
	}
	return fmt.Sprintf("%s %11s %7s  %s", e.LsMode(), fmt.Sprintf("%d:%d", e.UID, e.GID), size, mtime)
}

func entryFlags(e *forensics.Entry) string {
	var f []string
	if e.Type == forensics.TypeSymlink || e.Type == forensics.TypeHardlink {
		f = append(f, "-> "+e.Link)
	}
	if e.Setuid() && e.Type == forensics.TypeFile {
		f = append(f, "[setuid]")
	}
	if e.Setgid() && e.Type == forensics.TypeFile {
		f = append(f, "[setgid]")
	}
	if e.TarName != "" {
		f = append(f, fmt.Sprintf("[tar name %q]", e.TarName))
	}
	if len(f) == 0 {
		return ""
	}
	return " " + strings.Join(f, " ")
}

func layerTitle(img *forensics.Image, i int) string {
	l := img.Layers[i]
	by := "(no history line)"
	if l.History >= 0 {
		by = human.OneLine(img.History[l.History].CreatedBy, 0)
	}
	return fmt.Sprintf("Layer %d  %s  %s  %d entries\n  %s", i, human.ShortDigest(l.DiffID), human.Size(l.UncompressedSize), l.Files, human.Truncate(by, 110))
}

func writeLayerText(w io.Writer, img *forensics.Image, lt *forensics.LayerTree, prefix string) error {
	fmt.Fprintln(w, layerTitle(img, lt.Index))
	fmt.Fprintln(w)
	for j := range lt.Entries {
		e := &lt.Entries[j]
		if !within(e.Path, prefix) {
			continue
		}
		c := lt.Changes[j]
		if c == forensics.ChangeRemoved {
			fmt.Fprintf(w, "D  %-45s %s (whiteout)\n", "", e.Path)
			continue
		}
		fmt.Fprintf(w, "%s  %s  %s%s\n", changeLetters[c], entryLine(e), e.Path, entryFlags(e))
	}
	for _, a := range lt.Anomalies {
		fmt.Fprintf(w, "!  %s: %s\n", a.Kind, a.Detail)
	}
	return nil
}

func writeTreeText(w io.Writer, img *forensics.Image, tree *forensics.Tree, prefix string, hidden bool) error {
	fmt.Fprintf(w, "Stacked filesystem of %s (%d layers)\n", img.Input.Path, len(img.Layers))
	fmt.Fprintln(w, "L = layer that supplied the file; H = hidden by a later whiteout")
	fmt.Fprintln(w)
	var draw func(n *forensics.Node, indent string, last bool, root bool)
	draw = func(n *forensics.Node, indent string, last bool, root bool) {
		branch, next := "├── ", "│   "
		if last {
			branch, next = "└── ", "    "
		}
		name := path.Base(n.Path)
		if root {
			branch, next, name = "", "", n.Path
		}
		mark := " "
		if n.Hidden {
			mark = "H"
		}
		layer := fmt.Sprintf("L%d", n.Layer())
		if n.Implicit {
			layer = "  "
		}
		extra := entryFlags(n.Entry)
		if n.Hidden {
			extra += fmt.Sprintf(" (removed by layer %d)", n.Removed())
		}
		fmt.Fprintf(w, "%s %-3s %s  %s%s%s%s\n", mark, layer, entryLine(n.Entry), indent, branch, name, extra)
		var kids []*forensics.Node
		for _, k := range tree.Children(n.Path) {
			if !k.Hidden || hidden {
				kids = append(kids, k)
			}
		}
		for i, k := range kids {
			draw(k, indent+next, i == len(kids)-1, false)
		}
	}
	start := tree.Node(prefix)
	if start == nil {
		return badInput(fmt.Errorf("%s: no path %s in the image", img.Input.Path, prefix))
	}
	draw(start, "", true, true)
	return nil
}
