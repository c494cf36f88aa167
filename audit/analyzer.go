package audit

import (
	"context"

	"github.com/strata-forensics/strata/forensics"
)

// Analyzer is anything a scan runs. An analyzer also implements at least one of
// ContentAnalyzer, TreeAnalyzer and Reviewer. Analyzers are reusable from image to image; one
// that holds resources also implements io.Closer and is closed by whoever made it.
type Analyzer interface {
	// Name is a short lower-case name ("yara", "secrets") for messages.
	Name() string
}

// File is one regular file of one layer as the read pass sees it.
type File struct {
	Layer int
	Entry *forensics.Entry
}

// ContentAnalyzer sees every regular file of every layer, with its bytes, during the scan's
// single read pass.
type ContentAnalyzer interface {
	Analyzer
	// Content examines one file. data is the file's whole content; Content is only called for
	// files within Options.MaxFileSize. It is called from several goroutines at once and must
	// not keep data after it returns. Scan fills in the findings' Layer, Image and history.
	Content(f File, data []byte) []Finding
}

// TreeAnalyzer runs once per image, after the read pass, on the stacked tree and the image.
type TreeAnalyzer interface {
	Analyzer
	Tree(ctx context.Context, s *Subject) ([]Finding, error)
}

// Reviewer runs last and may revise the scan's findings as a whole: raise, add or annotate.
type Reviewer interface {
	Analyzer
	Review(s *Subject, findings []Finding) []Finding
}

// FileKeeper is an analyzer that needs the bytes of some small files after the read pass
// (/etc/passwd, /etc/shadow): the pass keeps a copy of each path KeepFile accepts, per layer,
// when it is at most MaxKeptFileSize bytes. KeepFile is called concurrently.
type FileKeeper interface {
	Analyzer
	KeepFile(path string) bool
}

// MaxKeptFileSize bounds each file a FileKeeper asks for.
const MaxKeptFileSize = 1 << 20

// Base is the trusted image the scanned one is built on.
type Base struct {
	Digest string   `json:"digest"`
	Tags   []string `json:"tags"`
	// Layers is how many of the image's layers the base accounts for.
	Layers int `json:"layers"`
}

// Subject is what tree analyzers and reviewers see.
type Subject struct {
	Image  *forensics.Image
	Layers []*forensics.LayerTree
	Tree   *forensics.Tree
	// Base is set by an analyzer that recognises the image's base (audit/trust); Scan copies it
	// into the Result.
	Base *Base
	// Shipped is set by an analyzer that checks files against the image's package databases
	// (audit/packages), for reviewers: the package ("name version") that lists path with a
	// checksum the file matches, "" when none does.
	Shipped func(path string) string

	kept map[keptKey][]byte
}

type keptKey struct {
	layer int
	path  string
}

// LayerFile returns the kept bytes of path as layer holds it, or nil.
func (s *Subject) LayerFile(layer int, path string) []byte { return s.kept[keptKey{layer, path}] }

// FinalFile returns the kept bytes of path as the final filesystem holds it, and the layer
// they come from; nil and -1 when the path is not a kept regular file of the final tree.
func (s *Subject) FinalFile(path string) ([]byte, int) {
	n := s.Tree.Node(path)
	if n == nil || n.Hidden || n.Entry == nil || n.Entry.Type != forensics.TypeFile {
		return nil, -1
	}
	l := n.Layer()
	data, ok := s.kept[keptKey{l, n.Path()}]
	if !ok {
		return nil, -1
	}
	return data, l
}

// BaseLayers returns how many lower layers belong to the base image: those of a trusted base
// when one was recognised, else the first layer alone (the distribution's root filesystem).
func (s *Subject) BaseLayers() int {
	if s.Base != nil && s.Base.Layers > 0 {
		return s.Base.Layers
	}
	return 1
}
