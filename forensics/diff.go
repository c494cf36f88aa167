package forensics

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// DiffOptions control DiffImages and DiffTrees.
type DiffOptions struct {
	// Workers bounds how many layers are read at once; 0 means the default: DefaultWorkers for
	// reading the trees, GOMAXPROCS for reading back the content of changed files.
	Workers int
	// MaxContentDiffs bounds how many text files get a unified diff, the highest ranked first:
	// 0 means DefaultMaxContentDiffs, a negative value none.
	MaxContentDiffs int
	// TextCap is the size of the largest text file that is diffed; 0 means DefaultTextCap.
	TextCap int64
	// NoContent skips re-reading changed files: file types then come from names and modes
	// alone, and there are no content diffs.
	NoContent bool
}

// Defaults for DiffOptions.
const (
	DefaultMaxContentDiffs = 20
	DefaultTextCap         = 256 << 10
	// contentBudget bounds the bytes of text held in memory for content diffs at once; files
	// past it get a type but no diff.
	contentBudget = 32 << 20
)

func (o DiffOptions) maxDiffs() int {
	switch {
	case o.MaxContentDiffs < 0 || o.NoContent:
		return 0
	case o.MaxContentDiffs == 0:
		return DefaultMaxContentDiffs
	}
	return o.MaxContentDiffs
}

func (o DiffOptions) textCap() int64 {
	if o.TextCap <= 0 {
		return DefaultTextCap
	}
	return o.TextCap
}

// ImageDiff is what changed from an original image to a suspect one: layers, files, config,
// history, and the suspect's integrity anomalies. Files are ranked, most important first.
type ImageDiff struct {
	Original, Suspect         *Image
	OriginalTree, SuspectTree *Tree
	Layers                    LayerAlignment
	Files                     []FileChange
	Config                    []ConfigChange
	History                   []HistoryChange
	Anomalies                 []DiffAnomaly
	Summary                   DiffSummary

	opts  DiffOptions
	score scoreContext
}

// DiffSummary counts what changed.
type DiffSummary struct {
	Added      int `json:"added"`
	Removed    int `json:"removed"`
	Modified   int `json:"modified"`
	Hidden     int `json:"hidden"`
	Noise      int `json:"noise"`      // file changes marked as package-manager noise
	Suspicious int `json:"suspicious"` // file changes scored SuspiciousScore or more
	TopScore   int `json:"top_score"`
	Config     int `json:"config"`
	History    int `json:"history"`
	Anomalies  int `json:"anomalies"`
	// Layer counts, as in LayerAlignment.
	LayersCommon   int `json:"layers_common"`
	LayersReplaced int `json:"layers_replaced"`
	LayersAdded    int `json:"layers_added"`
	LayersRemoved  int `json:"layers_removed"`
}

// Changed reports whether the two images differ in any file, config field, history step or
// layer. Anomalies alone do not count.
func (d *ImageDiff) Changed() bool {
	s := d.Summary
	return s.Added+s.Removed+s.Modified+s.Hidden+s.Config+s.History+s.LayersReplaced+s.LayersAdded+s.LayersRemoved > 0
}

// LayerRef names one layer of one image and the history step that made it.
type LayerRef struct {
	Index  int    `json:"index"`
	DiffID string `json:"diff_id"`
	// ReadDiffID is what the layer's stream hashed to, when that is not the diff_id claimed.
	ReadDiffID string    `json:"read_diff_id,omitempty"`
	History    int       `json:"history"` // index into the image's History, -1 when none
	CreatedBy  string    `json:"created_by"`
	Created    time.Time `json:"created,omitzero"`
}

// LayerMatch pairs a layer of the original with one of the suspect.
type LayerMatch struct {
	Original LayerRef `json:"original"`
	Suspect  LayerRef `json:"suspect"`
	// Prefix marks a common layer in the shared bottom of both chains.
	Prefix bool `json:"prefix,omitempty"`
	// SameHistory marks a replaced layer whose history line (created_by and created) is the
	// same in both images: the content changed and the history did not.
	SameHistory bool `json:"same_history,omitempty"`
}

// LayerAlignment lines up two layer chains by content: the diff_id each layer's stream hashed
// to when it was read (Layer.ContentID), never a claim alone.
type LayerAlignment struct {
	// Common layers have the same content in both images. Identical blobs are read once; common
	// layers are not compared file by file.
	Common []LayerMatch `json:"common"`
	// Replaced layers hold different content in the same place of the chain: between the
	// same common layers, or at the same height at the top.
	Replaced []LayerMatch `json:"replaced"`
	Added    []LayerRef   `json:"added"`   // suspect layers with no counterpart
	Removed  []LayerRef   `json:"removed"` // original layers with no counterpart
	// Diverge is the first layer index at which the chains differ, -1 when they are the same.
	Diverge int `json:"diverge"`
}

// DiffImages reads both images' layers and compares them. Each distinct layer is read once: a
// suspect layer whose stored bytes hash the same as one of the original's (hashed from both
// pieces of evidence in this run, never taken from a manifest or config) shares the original's
// entries, and its own claims are checked against what that read found. Every other layer is
// read, so a blob swapped under a kept diff_id and manifest is read, found not to match its
// claims, and compared by what it holds. Changed files are then re-read, batched per layer, for
// their types and content diffs. Both images must stay open while the ImageDiff is used.
func DiffImages(ctx context.Context, orig, susp *Image, opts DiffOptions) (*ImageDiff, error) {
	origLayers, suspLayers, err := readForDiff(ctx, orig, susp, opts)
	if err != nil {
		return nil, err
	}
	origTree := Stack(origLayers)
	suspTree := Stack(suspLayers)
	return DiffTrees(ctx, orig, susp, origTree, suspTree, opts)
}

// readForDiff reads every layer of the original and only the suspect layers whose stored bytes
// the original lacks, both images at once. The original's layers are read while both images'
// blobs are hashed; the suspect's wait for the hashes. Shared layers get a shallow copy of the
// original's LayerTree: Entries are shared (read-only), Changes, Index and the digest anomalies
// are the suspect's own.
func readForDiff(ctx context.Context, orig, susp *Image, opts DiffOptions) ([]*LayerTree, []*LayerTree, error) {
	ropts := ReadOptions{Workers: opts.Workers}
	var (
		origLayers, suspLayers []*LayerTree
		origErr, suspErr       error
		wg                     sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		origLayers, origErr = orig.ReadLayers(ctx, ropts)
	}()
	byBlob, want, hashErr := sharedBlobs(ctx, orig, susp)
	suspLayers = make([]*LayerTree, len(susp.Layers))
	if hashErr == nil && len(want) > 0 {
		sopts := ropts
		sopts.Layers = want
		suspLayers, suspErr = susp.ReadLayers(ctx, sopts)
	}
	wg.Wait()
	if origErr != nil {
		return nil, nil, fmt.Errorf("%s: %w", orig.Input.Path, origErr)
	}
	if hashErr != nil {
		return nil, nil, hashErr
	}
	if suspErr != nil {
		return nil, nil, fmt.Errorf("%s: %w", susp.Input.Path, suspErr)
	}
	for i := range susp.Layers {
		if suspLayers[i] != nil {
			continue
		}
		src := origLayers[byBlob[susp.Layers[i].BlobSHA256]]
		suspLayers[i] = sharedCopy(src, &susp.Layers[i], i)
	}
	return origLayers, suspLayers, nil
}

// DiffScanned compares orig with a suspect whose layer trees a scan of susp has just read
// (audit.Result.Layers: each layer read from the evidence, or served by the history store's
// layer cache for the blob it verified), so that the comparison and the scan share one pass
// over the suspect. Both images' blobs are hashed from the evidence; an original layer whose
// stored bytes hash the same as one of the suspect's takes that layer's entries, its own claims
// checked against what the suspect's read found, and only the original's other layers are
// read: no blob is decompressed twice. origLayers (nil, or one entry per layer of orig) may
// hold trees of the original already at hand, not stacked, which are used as they are: the
// layer cache's, for blobs it verified. A nil tree in suspLayers is read from the suspect.
// The suspect's trees are stacked anew (their Changes replaced) and become the diff's. Both
// images must stay open while the ImageDiff is used.
func DiffScanned(ctx context.Context, orig, susp *Image, origLayers, suspLayers []*LayerTree, opts DiffOptions) (*ImageDiff, error) {
	if len(suspLayers) != len(susp.Layers) {
		return nil, fmt.Errorf("%s: %d layer trees for %d layers", susp.Input.Path, len(suspLayers), len(susp.Layers))
	}
	if origLayers == nil {
		origLayers = make([]*LayerTree, len(orig.Layers))
	}
	if len(origLayers) != len(orig.Layers) {
		return nil, fmt.Errorf("%s: %d layer trees for %d layers", orig.Input.Path, len(origLayers), len(orig.Layers))
	}
	suspLayers, origLayers = slices.Clone(suspLayers), slices.Clone(origLayers)
	var missing []int
	for i, lt := range suspLayers {
		if lt == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		got, err := susp.ReadLayers(ctx, ReadOptions{Workers: opts.Workers, Layers: missing})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", susp.Input.Path, err)
		}
		for _, i := range missing {
			suspLayers[i] = got[i]
		}
	}
	byBlob, want, err := sharedBlobs(ctx, susp, orig)
	if err != nil {
		return nil, err
	}
	want = slices.DeleteFunc(want, func(i int) bool { return origLayers[i] != nil })
	if len(want) > 0 {
		read, err := orig.ReadLayers(ctx, ReadOptions{Workers: opts.Workers, Layers: want})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", orig.Input.Path, err)
		}
		for _, i := range want {
			origLayers[i] = read[i]
		}
	}
	for i := range orig.Layers {
		if origLayers[i] == nil {
			origLayers[i] = sharedCopy(suspLayers[byBlob[orig.Layers[i].BlobSHA256]], &orig.Layers[i], i)
		}
	}
	return DiffTrees(ctx, orig, susp, Stack(origLayers), Stack(suspLayers), opts)
}

// sharedBlobs hashes both images' blobs from the evidence and returns, by blob sum, the layer
// of src holding each, and the layers of dst that must be read because src has no identical
// blob.
func sharedBlobs(ctx context.Context, src, dst *Image) (map[string]int, []int, error) {
	var srcErr, dstErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		srcErr = src.HashBlobs(ctx, nil)
	}()
	dstErr = dst.HashBlobs(ctx, nil)
	wg.Wait()
	if srcErr != nil {
		return nil, nil, fmt.Errorf("%s: %w", src.Input.Path, srcErr)
	}
	if dstErr != nil {
		return nil, nil, fmt.Errorf("%s: %w", dst.Input.Path, dstErr)
	}
	// Only the blob sums: the source's layers may be being read, which sets their sizes.
	byBlob := make(map[string]int)
	for i := range src.Layers {
		if b := src.Layers[i].BlobSHA256; b != "" {
			if _, dup := byBlob[b]; !dup {
				byBlob[b] = i
			}
		}
	}
	want := []int{}
	for i, l := range dst.Layers {
		if _, ok := byBlob[l.BlobSHA256]; !ok || l.BlobSHA256 == "" {
			want = append(want, i)
		}
	}
	return byBlob, want, nil
}

// sharedCopy is the suspect's view of a layer read from the original's identical blob: the
// same entries and content anomalies, and the digest anomalies of the suspect's own claims.
func sharedCopy(src *LayerTree, l *Layer, i int) *LayerTree {
	c := *src
	c.Index, c.Changes, c.Anomalies = i, nil, nil
	if slices.ContainsFunc(src.Entries, func(e Entry) bool { return e.Type == TypeHardlink }) {
		// Stacking fills a hard link's sum and size from its target, which may lie in a layer
		// below; the two chains may hold different layers there.
		c.Entries = slices.Clone(src.Entries)
	}
	for _, a := range src.Anomalies {
		if a.Kind != AnomalyDigestMismatch && a.Kind != AnomalyDiffIDMismatch {
			a.Layer = i
			c.Anomalies = append(c.Anomalies, a)
		}
	}
	if !l.BlobAsClaimed() {
		c.Anomalies = append(c.Anomalies, Anomaly{Kind: AnomalyDigestMismatch, Layer: i,
			Detail: fmt.Sprintf("layer %d content does not match its blob digest: want %s, got %s", i, l.BlobClaim, l.BlobSHA256)})
	}
	if src.DiffID != "" && l.DiffID != "" && src.DiffID != l.DiffID {
		c.Anomalies = append(c.Anomalies, Anomaly{Kind: AnomalyDiffIDMismatch, Layer: i,
			Detail: fmt.Sprintf("layer %d content does not match its diff_id: want %s, got %s", i, l.DiffID, src.DiffID)})
	}
	l.UncompressedSize, l.Files = src.UncompressedSize, len(src.Entries)
	l.ReadDiffID, l.read = src.DiffID, true
	return &c
}

// DiffTrees compares two images whose trees the caller has already stacked. The trees must
// not share LayerTree values (DiffImages shares entries safely). Content is re-read from the
// images, which must be open.
func DiffTrees(ctx context.Context, orig, susp *Image, origTree, suspTree *Tree, opts DiffOptions) (*ImageDiff, error) {
	d := &ImageDiff{Original: orig, Suspect: susp, OriginalTree: origTree, SuspectTree: suspTree, opts: opts}
	d.Layers = alignLayers(orig, susp)
	d.score = newScoreContext(susp, suspTree)
	d.diffFiles()
	if !opts.NoContent {
		if err := d.readContent(ctx); err != nil {
			return nil, err
		}
	}
	d.rank()
	if err := d.contentDiffs(ctx); err != nil {
		return nil, err
	}
	d.Config = diffConfig(orig, susp)
	d.History = diffHistory(orig.History, susp.History)
	d.findAnomalies()
	d.summarize()
	return d, nil
}

func layerRef(img *Image, i int) LayerRef {
	l := &img.Layers[i]
	r := LayerRef{Index: i, DiffID: l.DiffID, History: l.History}
	if id := l.ContentID(); id != l.DiffID {
		r.ReadDiffID = id
	}
	if h := r.History; h >= 0 && h < len(img.History) {
		r.CreatedBy, r.Created = img.History[h].CreatedBy, img.History[h].Created
	}
	return r
}

// alignLayers matches the chains: a common prefix, then a longest common subsequence of
// content identities; unmatched layers between the same matches pair up as replaced, in order, and the
// rest are added or removed.
func alignLayers(orig, susp *Image) LayerAlignment {
	a := LayerAlignment{Common: []LayerMatch{}, Replaced: []LayerMatch{}, Added: []LayerRef{}, Removed: []LayerRef{}, Diverge: -1}
	no, ns := len(orig.Layers), len(susp.Layers)
	same := func(i, j int) bool {
		id := orig.Layers[i].ContentID()
		return id != "" && id == susp.Layers[j].ContentID()
	}
	p := 0
	for p < no && p < ns && same(p, p) {
		a.Common = append(a.Common, LayerMatch{Original: layerRef(orig, p), Suspect: layerRef(susp, p), Prefix: true})
		p++
	}
	if p < no || p < ns {
		a.Diverge = p
	}
	// LCS over the rest.
	ro, rs := no-p, ns-p
	lcs := make([][]int, ro+1)
	for i := range lcs {
		lcs[i] = make([]int, rs+1)
	}
	for i := ro - 1; i >= 0; i-- {
		for j := rs - 1; j >= 0; j-- {
			if same(p+i, p+j) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var uo, us []int
	flush := func() {
		k := 0
		for ; k < len(uo) && k < len(us); k++ {
			m := LayerMatch{Original: layerRef(orig, uo[k]), Suspect: layerRef(susp, us[k])}
			m.SameHistory = m.Original.History >= 0 && m.Suspect.History >= 0 &&
				m.Original.CreatedBy == m.Suspect.CreatedBy && m.Original.Created.Equal(m.Suspect.Created)
			a.Replaced = append(a.Replaced, m)
		}
		for _, i := range uo[k:] {
			a.Removed = append(a.Removed, layerRef(orig, i))
		}
		for _, j := range us[k:] {
			a.Added = append(a.Added, layerRef(susp, j))
		}
		uo, us = uo[:0], us[:0]
	}
	i, j := 0, 0
	for i < ro || j < rs {
		switch {
		case i < ro && j < rs && same(p+i, p+j):
			flush()
			a.Common = append(a.Common, LayerMatch{Original: layerRef(orig, p+i), Suspect: layerRef(susp, p+j)})
			i++
			j++
		case j >= rs || (i < ro && lcs[i+1][j] >= lcs[i][j+1]):
			uo = append(uo, p+i)
			i++
		default:
			us = append(us, p+j)
			j++
		}
	}
	flush()
	return a
}

// replacedBy maps original layer indexes to the suspect layer that replaced them.
func (a *LayerAlignment) replacedBy() map[int]int {
	m := make(map[int]int, len(a.Replaced))
	for _, r := range a.Replaced {
		m[r.Original.Index] = r.Suspect.Index
	}
	return m
}

func (d *ImageDiff) summarize() {
	s := DiffSummary{Config: len(d.Config), History: len(d.History), Anomalies: len(d.Anomalies),
		LayersCommon: len(d.Layers.Common), LayersReplaced: len(d.Layers.Replaced),
		LayersAdded: len(d.Layers.Added), LayersRemoved: len(d.Layers.Removed)}
	for i := range d.Files {
		f := &d.Files[i]
		switch f.Change {
		case FileAdded:
			s.Added++
		case FileRemoved:
			s.Removed++
		case FileModified:
			s.Modified++
		case FileHidden:
			s.Hidden++
		}
		if f.Noise {
			s.Noise++
		}
		if f.Score >= SuspiciousScore {
			s.Suspicious++
		}
		s.TopScore = max(s.TopScore, f.Score)
	}
	d.Summary = s
}
