// Package trust keeps a store of known-good images, identified by their chain of layer
// diff_ids, and tells a scan which trusted image the scanned one is built on: the longest
// trusted chain that is a prefix of the image's own. When the store holds images and none is a
// prefix, the scan gets an untrusted-base finding.
//
// The store is behind the Store interface; FileStore keeps it as one JSON file.
package trust

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// RuleUntrustedBase is the rule of the finding for an image built on no trusted image.
const RuleUntrustedBase = "STRATA-TR-001"

// Image is one trusted image.
type Image struct {
	Digest       string    `json:"digest"`
	ConfigDigest string    `json:"config_digest"`
	Tags         []string  `json:"tags"`
	DiffIDs      []string  `json:"diff_ids"`
	Input        string    `json:"input"`
	Added        time.Time `json:"added"`
}

// Store holds trusted images.
type Store interface {
	// Add records img, replacing an entry with the same config digest.
	Add(img Image) error
	// List returns every trusted image, oldest first.
	List() ([]Image, error)
}

// FromImage describes an opened image for the store.
func FromImage(img *forensics.Image, added time.Time) Image {
	t := Image{Digest: img.Digest, ConfigDigest: img.ConfigDigest, Tags: append([]string{}, img.Tags...),
		Input: img.Input.Path, Added: added.UTC()}
	for _, l := range img.Layers {
		t.DiffIDs = append(t.DiffIDs, l.DiffID)
	}
	return t
}

// BaseOf returns the trusted image with the longest diff_id chain that is a prefix of diffIDs,
// or nil.
func BaseOf(trusted []Image, diffIDs []string) *Image {
	var best *Image
	for i := range trusted {
		t := &trusted[i]
		if len(t.DiffIDs) == 0 || len(t.DiffIDs) > len(diffIDs) || best != nil && len(t.DiffIDs) <= len(best.DiffIDs) {
			continue
		}
		match := true
		for j, d := range t.DiffIDs {
			if diffIDs[j] != d {
				match = false
				break
			}
		}
		if match {
			best = t
		}
	}
	return best
}

// FileStore is a Store kept as a JSON file.
type FileStore struct {
	Path string
}

// NewFileStore returns the store in dir/trust.json.
func NewFileStore(dir string) *FileStore { return &FileStore{Path: filepath.Join(dir, "trust.json")} }

type fileDoc struct {
	Images []Image `json:"images"`
}

// List implements Store. A store that does not exist yet is empty.
func (s *FileStore) List() ([]Image, error) {
	data, err := os.ReadFile(s.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading trust store: %w", err)
	}
	var doc fileDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading trust store %s: %w", s.Path, err)
	}
	return doc.Images, nil
}

// Add implements Store. The file is replaced atomically.
func (s *FileStore) Add(img Image) error {
	list, err := s.List()
	if err != nil {
		return err
	}
	replaced := false
	for i := range list {
		if list[i].ConfigDigest == img.ConfigDigest {
			img.Tags = union(list[i].Tags, img.Tags)
			list[i], replaced = img, true
		}
	}
	if !replaced {
		list = append(list, img)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Added.Before(list[j].Added) })
	data, err := json.MarshalIndent(fileDoc{Images: list}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return fmt.Errorf("writing trust store: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.Path), ".trust-*.json")
	if err != nil {
		return fmt.Errorf("writing trust store: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("writing trust store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing trust store: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.Path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing trust store: %w", err)
	}
	return nil
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string{}, a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Analyzer recognises trusted bases.
type Analyzer struct {
	trusted []Image
}

// New reads the store once; the analyzer then serves any number of scans.
func New(store Store) (*Analyzer, error) {
	list, err := store.List()
	if err != nil {
		return nil, err
	}
	return &Analyzer{trusted: list}, nil
}

// Name implements audit.Analyzer.
func (*Analyzer) Name() string { return "trust" }

// Tree implements audit.TreeAnalyzer. Run it before analyzers that ask Subject.BaseLayers.
func (a *Analyzer) Tree(ctx context.Context, s *audit.Subject) ([]audit.Finding, error) {
	if len(a.trusted) == 0 || s.Image.Input.Format == "dir" {
		return nil, nil
	}
	var chain []string
	for _, l := range s.Image.Layers {
		chain = append(chain, l.DiffID)
	}
	if b := BaseOf(a.trusted, chain); b != nil {
		s.Base = &audit.Base{Digest: b.Digest, Tags: b.Tags, Layers: len(b.DiffIDs)}
		return nil, nil
	}
	layer := -1
	if len(chain) > 0 {
		layer = 0
	}
	return []audit.Finding{{Rule: RuleUntrustedBase, Category: audit.CategoryUntrustedBase, Severity: audit.Medium, Layer: layer,
		Title:       fmt.Sprintf("built on no trusted image: the first layer matches none of the %d in the trust store", len(a.trusted)),
		Evidence:    "layer 0 diff_id " + first(chain),
		Remediation: "Rebuild FROM a trusted base, or review the base and add it with `strata trust add`."}}, nil
}

func first(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return s[0]
}
