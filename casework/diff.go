package casework

import (
	"context"
	"fmt"
	"slices"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/diffscan"
	"github.com/strata-forensics/strata/forensics"
)

// DiffOptions choose how two images are compared and what is done after.
type DiffOptions struct {
	forensics.DiffOptions
	// Scanner scans the suspect for the findings about what changed; nil for no scan.
	Scanner *Scanner
	// NoRecord leaves the comparison out of the history database (the scan follows the
	// Scanner's own NoRecord).
	NoRecord bool
	// WholeScan analyzes the suspect's layers that the original holds too (a report lists
	// the findings the two share); otherwise they are read for their trees only.
	WholeScan bool
}

// DiffResult is a comparison: the diff, re-ranked by what the suspect's package databases
// say when it was scanned, and the suspect's findings about what changed.
type DiffResult struct {
	Diff *forensics.ImageDiff
	// Findings are the scan's findings about the changes: on files added, modified or hidden,
	// on layers the original lacks, on changed config values; nil without a scan.
	Findings []audit.Finding
	// Scan is the suspect's whole scan, nil without one.
	Scan *ScanResult
	// DiffID is the comparison's number in the history, 0 when not recorded; RecordErr says
	// why a comparison (or its scan) that was to be recorded was not.
	DiffID    int64
	RecordErr error
}

// Diff compares two open images: what changed from orig to susp and, with a Scanner, the
// suspect's scan (layer cache, record) with the findings about the changes and the changes
// re-ranked by the suspect's package databases; then the comparison is recorded. Compared is
// emitted as soon as the comparison is made.
//
// With a Scanner the suspect is scanned first and the comparison is made from the scan's layer
// trees (forensics.DiffScanned): the suspect is read once, for both, and of the original only
// the layers whose blobs the suspect does not hold are read; a layer the layer cache serves
// (the suspect's in its scan, the original's by the same rules) is not read at all. Without one, forensics.DiffImages reads each distinct blob once. The images
// must not be read by anything else meanwhile.
func (w *Workspace) Diff(ctx context.Context, orig, susp *forensics.Image, origName, suspName string, opts DiffOptions, sink Sink) (*DiffResult, error) {
	fail := func(err error) (*DiffResult, error) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, inputError(fmt.Errorf("comparing %s with %s: %w", origName, suspName, err))
	}
	var (
		d   *forensics.ImageDiff
		sr  *ScanResult
		err error
	)
	if opts.Scanner != nil {
		sink.emit(Phase{Image: suspName, Name: "scanning the suspect"})
		// The original's blobs are hashed beside the scan (the comparison shares layers by
		// what their bytes hash to): the end of the scan, its last layer and tree analysis,
		// leaves a core idle at times.
		origHashed := make(chan struct{})
		go func() {
			defer close(origHashed)
			_ = orig.HashBlobs(ctx, nil)
		}()
		// When the original's chain is the bottom of the suspect's, those layers are read for
		// their trees only: what the analyzers would find in them is the original's, which
		// the comparison drops. They are chosen by what both images claim, and the scan is
		// checked, before it is recorded, against what the bytes hash to.
		how := scanHow{trees: true}
		if !opts.WholeScan {
			how.vouched, how.vouchedBy = sharedByClaim(orig, susp), origName
		}
		how.vouchesHold = func(res *audit.Result) bool {
			<-origHashed
			return vouchesHold(ctx, orig, susp, res)
		}
		sr, err = opts.Scanner.scan(ctx, susp, suspName, sink, how)
		<-origHashed
		if err != nil {
			return nil, err
		}
		sink.emit(Phase{Image: suspName, Name: "comparing"})
		cached := opts.Scanner.cachedLayers(ctx, orig, origName, susp, sr, sink)
		sink.emit(origPlan(orig, origName, susp, cached))
		if d, err = forensics.DiffScanned(ctx, orig, susp, cached, sr.Layers, opts.DiffOptions); err != nil {
			return fail(err)
		}
	} else {
		sink.emit(Phase{Image: suspName, Name: "comparing"})
		for _, p := range diffPlans(orig, origName, susp, suspName) {
			sink.emit(p)
		}
		if d, err = forensics.DiffImages(ctx, orig, susp, opts.DiffOptions); err != nil {
			return fail(err)
		}
	}
	sink.emit(Compared{Diff: d})
	for _, x := range []struct {
		img  *forensics.Image
		name string
	}{{orig, origName}, {susp, suspName}} {
		if _, _, err := x.img.InputHash(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, inputError(fmt.Errorf("%s: hashing the input: %w", x.name, err))
		}
	}
	res := &DiffResult{Diff: d}
	if sr != nil {
		res.Scan = sr
		res.RecordErr = sr.RecordErr
		// The same pass read the suspect's package databases: fold what the package manager
		// did and rank what no package owns higher; then rank each changed file at least as
		// its findings say. On a copy, since d was handed out.
		ranked := *d
		ranked.Files = slices.Clone(d.Files)
		if k := diffscan.Knowledge(sr.Analyzers, d.SuspectTree); k != nil {
			ranked.ApplyPackages(k)
		}
		res.Findings = diffscan.Changed(sr.Findings, &ranked)
		ranked.ApplyFindings(diffscan.Marks(res.Findings))
		res.Diff = &ranked
	}
	if !opts.NoRecord {
		sink.emit(Phase{Image: suspName, Name: "recording"})
		var err error
		if res.DiffID, err = w.recordDiff(ctx, res.Diff, sink); err != nil && res.RecordErr == nil {
			res.RecordErr = err
		}
	}
	return res, nil
}

// sharedByClaim marks the layers of susp that are the original's own, by what both images
// claim: the original's whole chain, when it is the bottom of the suspect's (the same blob
// digest at each position or, where no blob digest is claimed, the same diff_id), nil
// otherwise. Only then does every path whose visible version lies in those layers show the
// original's bytes in both images, unless a layer above them changes it, which the scan
// analyzes: a suspect that drops, swaps or replaces one of the original's layers can bring
// an older version of a file back into view, whose content must be analyzed.
func sharedByClaim(orig, susp *forensics.Image) []bool {
	if len(orig.Layers) == 0 || len(orig.Layers) > len(susp.Layers) {
		return nil
	}
	shared := make([]bool, len(susp.Layers))
	for i, o := range orig.Layers {
		l := susp.Layers[i]
		same := o.BlobClaim != "" && l.BlobClaim == o.BlobClaim ||
			o.BlobClaim == "" && l.BlobClaim == "" && o.DiffID != "" && l.DiffID == o.DiffID
		if !same {
			return nil
		}
		shared[i] = true
	}
	return shared
}

// vouchesHold reports whether every layer res read for its tree only is, by what the bytes
// hash to, the original's layer at the same position: the suspect's layer read whole and
// true to its digests, and both blobs hashed from the evidence to the same sum. orig's blobs
// must have been hashed.
func vouchesHold(ctx context.Context, orig, susp *forensics.Image, res *audit.Result) bool {
	_ = susp.HashBlobs(ctx, res.Vouched)
	for _, i := range res.Vouched {
		if i >= len(orig.Layers) || i >= len(res.Layers) || res.Layers[i] == nil || !verified(res.Layers[i]) {
			return false
		}
		o, l := orig.Layers[i], susp.Layers[i]
		if o.BlobSHA256 == "" || !o.BlobAsClaimed() || l.BlobSHA256 != o.BlobSHA256 || !l.BlobAsClaimed() {
			return false
		}
	}
	return true
}

// heldBlobs returns the blob sums of img's layers, hashed from the evidence (a blob that
// cannot be hashed is left out: the comparison says why).
func heldBlobs(ctx context.Context, img *forensics.Image) map[string]bool {
	_ = img.HashBlobs(ctx, nil)
	held := map[string]bool{}
	for _, l := range img.Layers {
		if l.BlobSHA256 != "" {
			held[l.BlobSHA256] = true
		}
	}
	return held
}

// cachedLayers returns the trees the layer cache serves of the original's layers whose blobs
// the suspect does not hold, under the rules of the suspect's scan sr and by the blob sums
// hashed from the evidence in this run (history.LayerCache.Lookup), nil where a layer is to be
// shared with the suspect or read; nil without a layer cache.
func (s *Scanner) cachedLayers(ctx context.Context, orig *forensics.Image, origName string, susp *forensics.Image, sr *ScanResult, sink Sink) []*forensics.LayerTree {
	if s.store == nil || s.opts.NoCache {
		return nil
	}
	held := heldBlobs(ctx, susp)
	_ = orig.HashBlobs(ctx, nil)
	cache := s.store.LayerCache(s.RuleHash(sr.Analyzers))
	trees := make([]*forensics.LayerTree, len(orig.Layers))
	for i, l := range orig.Layers {
		if l.BlobSHA256 == "" || held[l.BlobSHA256] || !l.BlobAsClaimed() || !cache.Known(ctx, l.DiffID) {
			continue
		}
		l.Index = i
		t, _, _, ok := cache.Lookup(ctx, l)
		if !ok {
			continue
		}
		t.Index = i
		trees[i] = t
		orig.Layers[i].UncompressedSize, orig.Layers[i].Files = t.UncompressedSize, len(t.Entries)
		sink.emit(LayerFinished{Image: origName, Layer: i, Bytes: t.UncompressedSize, Entries: len(t.Entries), Cached: true})
	}
	return trees
}

// origPlan is what a comparison made from the suspect's scan reads of the original: the
// layers whose blobs the suspect does not hold and the layer cache did not serve (cached). A
// blob that cannot be hashed is planned as read.
func origPlan(orig *forensics.Image, origName string, susp *forensics.Image, cached []*forensics.LayerTree) Plan {
	held := map[string]bool{}
	for _, l := range susp.Layers {
		if l.BlobSHA256 != "" {
			held[l.BlobSHA256] = true
		}
	}
	p := Plan{Image: origName}
	for i, l := range orig.Layers {
		if (l.BlobSHA256 == "" || !held[l.BlobSHA256]) && (cached == nil || cached[i] == nil) {
			p.Layers = append(p.Layers, plannedLayer(i, l))
		}
	}
	return p
}

func plannedLayer(i int, l forensics.Layer) PlannedLayer {
	if l.UncompressedSize > 0 {
		return PlannedLayer{Layer: i, Bytes: l.UncompressedSize, Exact: true}
	}
	return PlannedLayer{Layer: i, Bytes: max(l.Size, 0)}
}

// DiffRefs opens both images, compares them as Diff does and closes them.
func (w *Workspace) DiffRefs(ctx context.Context, origRef, suspRef string, opts DiffOptions, sink Sink) (*DiffResult, func(), error) {
	orig, err := w.Open(ctx, origRef, sink)
	if err != nil {
		return nil, nil, err
	}
	susp, err := w.Open(ctx, suspRef, sink)
	if err != nil {
		orig.Close()
		return nil, nil, err
	}
	closeBoth := func() {
		susp.Close()
		orig.Close()
	}
	res, err := w.Diff(ctx, orig, susp, origRef, suspRef, opts, sink)
	if err != nil {
		closeBoth()
		return nil, nil, err
	}
	return res, closeBoth, nil
}

func (w *Workspace) recordDiff(ctx context.Context, d *forensics.ImageDiff, sink Sink) (int64, error) {
	s, err := w.OpenStore(ctx)
	var id int64
	if err == nil {
		id, err = s.RecordDiff(ctx, d)
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		err = fmt.Errorf("the comparison was not recorded in the history database: %w", err)
		sink.emit(Warning{Err: err})
		return 0, err
	}
	return id, nil
}

// diffPlans are what a comparison reads: the layers of each image that the other does not
// hold, by diff_id (shared layers are read once, or not at all).
func diffPlans(orig *forensics.Image, origName string, susp *forensics.Image, suspName string) []Plan {
	diffIDs := func(img *forensics.Image) map[string]bool {
		m := map[string]bool{}
		for _, l := range img.Layers {
			m[l.DiffID] = true
		}
		return m
	}
	plan := func(img *forensics.Image, name string, other map[string]bool) Plan {
		p := Plan{Image: name}
		for i, l := range img.Layers {
			if !other[l.DiffID] {
				p.Layers = append(p.Layers, plannedLayer(i, l))
			}
		}
		return p
	}
	return []Plan{plan(orig, origName, diffIDs(susp)), plan(susp, suspName, diffIDs(orig))}
}
