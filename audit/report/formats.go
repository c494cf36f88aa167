package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/packages"
)

// The documents the formats render, one type per kind.
type (
	// ScanDocument is one or more scans (strata scan, the workbench's export).
	ScanDocument struct {
		Results []*audit.Result
		Version string // names the tool in SARIF
	}
	// InspectDocument is an image read whole (strata inspect).
	InspectDocument struct {
		Image *forensics.Image
		Trees []*forensics.LayerTree
	}
	// LayersDocument is an image's file trees (strata layers): Layer's own entries, or with
	// Layer -1 the stacked Tree; paths below Prefix; whited-out paths when Hidden.
	LayersDocument struct {
		Image  *forensics.Image
		Trees  []*forensics.LayerTree
		Tree   *forensics.Tree
		Layer  int
		Prefix string
		Hidden bool
	}
	// DiffDocument is a comparison (strata diff): with the findings about what changed when
	// Scanned, package-manager changes folded unless All, content diffs cut at DiffLines
	// lines (0: whole), ANSI colour when Color.
	DiffDocument struct {
		Diff      *forensics.ImageDiff
		Findings  []audit.Finding
		Scanned   bool
		All       bool
		DiffLines int
		Color     bool
	}
	// DiffFileDocument is one path of a comparison (strata diff --path).
	DiffFileDocument struct {
		Diff  *forensics.ImageDiff
		File  *forensics.FileChange
		Color bool
	}
	// SBOMDocument is an image's package inventory (strata sbom). Time is when the document
	// says it was made, now when zero (set it for reproducible output); CycloneDXVersion is
	// the CycloneDX specification version ("1.6", "1.7"; "" is the newest).
	SBOMDocument struct {
		Image            *forensics.Image
		Inventory        *packages.Inventory
		Version          string
		Time             time.Time
		CycloneDXVersion string
	}
)

// Kinds of documents.
const (
	KindScan       = "scan"
	KindInspect    = "inspect"
	KindLayers     = "layers"
	KindDiff       = "diff"
	KindDiffFile   = "diff-file"
	KindSBOM       = "sbom"
	KindUnpackaged = "unpackaged"
	KindDockerfile = "dockerfile"
	KindTracing    = "tracing"
)

// Renderer writes one document.
type Renderer func(w io.Writer, doc any) error

type format struct {
	kind, name, ext string
	render          Renderer
}

// formats is the one registry of what each kind of document can be written as, the
// default first; the command line's --format and the workbench's export both pick from it.
var formats = []format{
	{KindScan, "text", ".txt", func(w io.Writer, d any) error { return WriteText(w, d.(ScanDocument).Results) }},
	{KindScan, "json", ".json", func(w io.Writer, d any) error { return WriteJSON(w, d.(ScanDocument).Results) }},
	{KindScan, "sarif", ".sarif", func(w io.Writer, d any) error {
		doc := d.(ScanDocument)
		return WriteSARIF(w, doc.Results, doc.Version)
	}},
	{KindInspect, "text", ".txt", func(w io.Writer, d any) error {
		doc := d.(InspectDocument)
		return writeInspectText(w, newInspectDoc(doc.Image, doc.Trees))
	}},
	{KindInspect, "json", ".json", func(w io.Writer, d any) error {
		doc := d.(InspectDocument)
		return JSON(w, newInspectDoc(doc.Image, doc.Trees))
	}},
	{KindLayers, "text", ".txt", func(w io.Writer, d any) error {
		doc := d.(LayersDocument)
		if doc.Layer >= 0 {
			return writeLayerText(w, doc.Image, doc.Trees[doc.Layer], doc.Prefix)
		}
		return writeTreeText(w, doc.Image, doc.Tree, doc.Prefix, doc.Hidden)
	}},
	{KindLayers, "json", ".json", func(w io.Writer, d any) error {
		doc := d.(LayersDocument)
		return JSON(w, newLayersDoc(doc.Image, doc.Trees, doc.Tree, doc.Layer, doc.Prefix, doc.Hidden))
	}},
	{KindDiff, "text", ".txt", func(w io.Writer, d any) error { return writeDiffText(w, d.(DiffDocument)) }},
	{KindDiff, "json", ".json", func(w io.Writer, d any) error {
		doc := d.(DiffDocument)
		out := newDiffDoc(doc.Diff)
		if doc.Scanned {
			out.Findings = findingDocs(doc.Findings)
		}
		return JSON(w, out)
	}},
	{KindDiffFile, "text", ".txt", func(w io.Writer, d any) error { return writeDiffFileText(w, d.(DiffFileDocument)) }},
	{KindDiffFile, "json", ".json", func(w io.Writer, d any) error {
		doc := d.(DiffFileDocument)
		return JSON(w, diffFileDoc{Original: newIdentityDoc(doc.Diff.Original), Suspect: newIdentityDoc(doc.Diff.Suspect), File: newFileChangeDoc(doc.File)})
	}},
	{KindSBOM, "table", ".txt", func(w io.Writer, d any) error { return writeSBOMTable(w, d.(SBOMDocument).Inventory) }},
	{KindSBOM, "json", ".json", func(w io.Writer, d any) error { return JSON(w, d.(SBOMDocument).Inventory) }},
	{KindSBOM, "cyclonedx", ".cdx.json", func(w io.Writer, d any) error {
		return writeCycloneDX(w, d.(SBOMDocument))
	}},
	{KindSBOM, "spdx", ".spdx.json", func(w io.Writer, d any) error {
		return writeSPDX(w, d.(SBOMDocument))
	}},
	{KindUnpackaged, "table", ".txt", func(w io.Writer, d any) error { return writeUnpackaged(w, d.(*packages.Integrity)) }},
	{KindUnpackaged, "json", ".json", func(w io.Writer, d any) error { return JSON(w, d.(*packages.Integrity)) }},
	{KindDockerfile, "text", ".Dockerfile", func(w io.Writer, d any) error {
		_, err := io.WriteString(w, d.(*forensics.Dockerfile).String())
		return err
	}},
	{KindDockerfile, "json", ".json", func(w io.Writer, d any) error { return JSON(w, d.(*forensics.Dockerfile)) }},
	{KindTracing, "md", ".md", func(w io.Writer, d any) error { return WriteTracing(w, d.(*history.Report), "md") }},
	{KindTracing, "html", ".html", func(w io.Writer, d any) error { return WriteTracing(w, d.(*history.Report), "html") }},
	{KindTracing, "json", ".json", func(w io.Writer, d any) error { return WriteTracing(w, d.(*history.Report), "json") }},
}

// Formats lists the formats a kind of document can be written as, the default first.
func Formats(kind string) []string {
	var out []string
	for _, f := range formats {
		if f.kind == kind {
			out = append(out, f.name)
		}
	}
	return out
}

// Extension is the file name extension of a format of a kind (".json", ".sarif", ...).
func Extension(kind, name string) string {
	for _, f := range formats {
		if f.kind == kind && f.name == name {
			return f.ext
		}
	}
	return ""
}

// Render writes doc, a document of kind, in the named format.
func Render(w io.Writer, kind, name string, doc any) error {
	for _, f := range formats {
		if f.kind == kind && f.name == name {
			return f.render(w, doc)
		}
	}
	if len(Formats(kind)) == 0 {
		return fmt.Errorf("no document kind %q", kind)
	}
	return fmt.Errorf("--format %q: want %s", name, strings.Join(Formats(kind), ", "))
}

// Create opens a file a report or a command's output is written to: the one place every
// output file Strata writes is opened (-o FILE, the workbench's exports), so that what must
// hold for all of them is said once. Exclusive refuses an existing file (or link) rather than
// write through it; otherwise an existing file is replaced.
func Create(path string, exclusive bool, perm os.FileMode) (*os.File, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if exclusive {
		flags = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(filepath.Clean(path), flags, perm)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, fmt.Errorf("opening output %s: %w", path, err)
	}
	return f, nil
}

// Evidence is how a string taken from the evidence (a path, a history line, an env value, a
// finding's evidence) is put into text output: the one place every text renderer passes such
// strings through, so that what must be done to them before they reach a terminal is done
// once. Today it passes them on as they are.
func Evidence(s string) string { return s }
