package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/packages"
)

// The documents the formats render, one type per kind.
type (
	// ScanDocument is one or more scans (strata scan, the workbench's export).
	ScanDocument struct {
		Results []*audit.Result
		Version string // names the tool in SARIF; "" is the build's (internal/buildinfo)
		// Catalog describes the rules in SARIF: the scan's rule set's (NewCatalog), nil for
		// the analyzers' and the built-in YARA rules (BuiltinCatalog).
		Catalog *Catalog
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
	KindFleet      = "fleet"
)

// Renderer writes one document. Text formats get the Filter that evidence text goes
// through; machine formats (JSON, SARIF, CycloneDX, SPDX) are written through a
// secrets.JSONWriter, which redacts every string and changes nothing else.
type Renderer func(w io.Writer, doc any, f Filter) error

type format struct {
	kind, name, ext string
	// text: a format for people, rendered with the Filter; else JSON, redacted as written.
	text   bool
	render Renderer
}

// formats is the one registry of what each kind of document can be written as, the default
// first; the command line's --format and the workbench's export both pick from it.
var formats = []format{
	{KindScan, "text", ".txt", true, func(w io.Writer, d any, f Filter) error { return writeText(w, d.(ScanDocument).Results, f) }},
	{KindScan, "json", ".json", false, func(w io.Writer, d any, _ Filter) error { return encodeJSON(w, NewDoc(d.(ScanDocument).Results)) }},
	{KindScan, "sarif", ".sarif", false, func(w io.Writer, d any, _ Filter) error { return writeSARIF(w, d.(ScanDocument)) }},
	{KindInspect, "text", ".txt", true, func(w io.Writer, d any, f Filter) error {
		doc := d.(InspectDocument)
		return writeInspectText(w, newInspectDoc(doc.Image, doc.Trees), f)
	}},
	{KindInspect, "json", ".json", false, func(w io.Writer, d any, _ Filter) error {
		doc := d.(InspectDocument)
		return encodeJSON(w, newInspectDoc(doc.Image, doc.Trees))
	}},
	{KindLayers, "text", ".txt", true, func(w io.Writer, d any, f Filter) error {
		doc := d.(LayersDocument)
		if doc.Layer >= 0 {
			return writeLayerText(w, doc.Image, doc.Trees[doc.Layer], doc.Prefix, f)
		}
		return writeTreeText(w, doc.Image, doc.Tree, doc.Prefix, doc.Hidden, f)
	}},
	{KindLayers, "json", ".json", false, func(w io.Writer, d any, _ Filter) error {
		doc := d.(LayersDocument)
		return encodeJSON(w, newLayersDoc(doc.Image, doc.Trees, doc.Tree, doc.Layer, doc.Prefix, doc.Hidden))
	}},
	{KindDiff, "text", ".txt", true, func(w io.Writer, d any, f Filter) error { return writeDiffText(w, d.(DiffDocument), f) }},
	{KindDiff, "json", ".json", false, func(w io.Writer, d any, _ Filter) error {
		doc := d.(DiffDocument)
		out := newDiffDoc(doc.Diff)
		if doc.Scanned {
			out.Findings = findingDocs(doc.Findings)
		}
		return encodeJSON(w, out)
	}},
	{KindDiffFile, "text", ".txt", true, func(w io.Writer, d any, f Filter) error { return writeDiffFileText(w, d.(DiffFileDocument), f) }},
	{KindDiffFile, "json", ".json", false, func(w io.Writer, d any, _ Filter) error {
		doc := d.(DiffFileDocument)
		return encodeJSON(w, diffFileDoc{Original: newIdentityDoc(doc.Diff.Original), Suspect: newIdentityDoc(doc.Diff.Suspect), File: newFileChangeDoc(doc.File)})
	}},
	{KindSBOM, "table", ".txt", true, func(w io.Writer, d any, f Filter) error { return writeSBOMTable(w, d.(SBOMDocument).Inventory, f) }},
	{KindSBOM, "json", ".json", false, func(w io.Writer, d any, _ Filter) error {
		inv := d.(SBOMDocument).Inventory
		if inv != nil && inv.Packages == nil {
			c := *inv
			c.Packages = []packages.Package{}
			inv = &c
		}
		return encodeJSON(w, inv)
	}},
	{KindSBOM, "cyclonedx", ".cdx.json", false, func(w io.Writer, d any, _ Filter) error {
		return writeCycloneDX(w, d.(SBOMDocument))
	}},
	{KindSBOM, "spdx", ".spdx.json", false, func(w io.Writer, d any, _ Filter) error {
		return writeSPDX(w, d.(SBOMDocument))
	}},
	{KindUnpackaged, "table", ".txt", true, func(w io.Writer, d any, f Filter) error { return writeUnpackaged(w, d.(*packages.Integrity), f) }},
	{KindUnpackaged, "json", ".json", false, func(w io.Writer, d any, _ Filter) error { return encodeJSON(w, d.(*packages.Integrity)) }},
	{KindDockerfile, "text", ".Dockerfile", true, func(w io.Writer, d any, f Filter) error {
		_, err := io.WriteString(w, f.Text(d.(*forensics.Dockerfile).String()))
		return err
	}},
	{KindDockerfile, "json", ".json", false, func(w io.Writer, d any, _ Filter) error { return encodeJSON(w, d.(*forensics.Dockerfile)) }},
	// Reports are files handed on: never --show-secrets.
	{KindTracing, "md", ".md", true, func(w io.Writer, d any, _ Filter) error { return writeTracing(w, d.(*history.Report), "md") }},
	{KindTracing, "html", ".html", true, func(w io.Writer, d any, _ Filter) error { return writeTracing(w, d.(*history.Report), "html") }},
	{KindTracing, "json", ".json", false, func(w io.Writer, d any, _ Filter) error { return writeTracing(w, d.(*history.Report), "json") }},
	{KindFleet, "text", ".txt", true, func(w io.Writer, d any, f Filter) error { return writeFleetText(w, d.(FleetDocument).Fleet, f) }},
	{KindFleet, "json", ".json", false, func(w io.Writer, d any, _ Filter) error { return encodeJSON(w, d.(FleetDocument).Fleet) }},
	{KindFleet, "md", ".md", true, func(w io.Writer, d any, _ Filter) error {
		return writeFleetMarkdown(w, d.(FleetDocument).Fleet, Filter{})
	}},
	{KindFleet, "html", ".html", true, func(w io.Writer, d any, _ Filter) error { return writeFleetHTML(w, d.(FleetDocument).Fleet, Filter{}) }},
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

// Render writes doc, a document of kind, in the named format, secrets redacted.
func Render(w io.Writer, kind, name string, doc any) error {
	return RenderFiltered(w, kind, name, doc, Filter{})
}

// RenderFiltered is Render with the Filter text formats put evidence through (f.ShowSecrets
// for a terminal the user looks at). Machine formats are redacted whatever f says.
func RenderFiltered(w io.Writer, kind, name string, doc any, f Filter) error {
	for _, x := range formats {
		if x.kind == kind && x.name == name {
			if x.text {
				return x.render(w, doc, f)
			}
			jw := secrets.NewJSONWriter(w)
			err := x.render(jw, doc, Filter{})
			if ferr := jw.Flush(); err == nil {
				err = ferr
			}
			return err
		}
	}
	if len(Formats(kind)) == 0 {
		return fmt.Errorf("no document kind %q", kind)
	}
	return fmt.Errorf("--format %q: want %s", name, strings.Join(Formats(kind), ", "))
}

// IsText reports whether a format of a kind is for people (text, table, md, html) rather
// than for tools.
func IsText(kind, name string) bool {
	for _, x := range formats {
		if x.kind == kind && x.name == name {
			return x.text
		}
	}
	return false
}
