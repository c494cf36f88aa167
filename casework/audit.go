package casework

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/fleet"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/packages"
)

// AuditOptions choose what an audit covers and how it runs.
type AuditOptions struct {
	// Paths are files, directories (walked: every image below them) and image references.
	Paths []string
	// Jobs is how many images are scanned at once; 0 is GOMAXPROCS.
	Jobs int
	// Memory is how much the scans running at once may be expected to hold; 0 is
	// DefaultAuditMemory. An image that needs more than that is scanned alone.
	Memory int64
	// Rescan scans again the images already recorded with the same input and rules.
	Rescan bool
}

// Audit scans every image under opts.Paths as one fleet and returns the fleet view.
//
// It finds the images (every tarball of any format, every OCI layout and every image of its
// index, every image of a multi-image docker archive, in directories walked to the bottom;
// what holds no image is reported and skipped), hashes every image's layer blobs (each input
// once), and then scans the images, opts.Jobs at a time within opts.Memory, each recorded in
// the history database as `scan` records it. Each distinct layer, known by the sha256 of its
// stored bytes, is read once for the whole run: a scan that would read a layer another
// running scan is reading waits for it, then takes the layer from the layer cache. Images
// already recorded complete with the same input sha256 and rule-set hash are not scanned
// again unless opts.Rescan (an interrupted audit resumes where it stopped).
//
// Nothing to audit (no image at all under the paths) is an InputError. An image that cannot
// be read is a failed row of the fleet, not an error. When ctx is cancelled the scans in hand
// are recorded as interrupted and Audit returns the fleet so far with ctx's error.
func (s *Scanner) Audit(ctx context.Context, opts AuditOptions, sink Sink) (*fleet.Fleet, error) {
	started := time.Now()
	if s.store == nil {
		err := errors.New("an audit records every scan in the history database, and there is none")
		if s.storeErr != nil {
			err = fmt.Errorf("an audit records every scan in the history database: %w", s.storeErr)
		}
		return nil, inputError(err)
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	budget := opts.Memory
	if budget <= 0 {
		budget = DefaultAuditMemory()
	}
	sink.emit(Phase{Name: "finding images"})
	refs, skipped := discover(opts.Paths)
	shared, err := forensics.NewSharedInputs(s.w.TempDir())
	if err != nil {
		return nil, err
	}
	defer shared.Close()
	sink.emit(Phase{Name: "hashing"})
	imgs, more, err := s.w.survey(ctx, refs, shared, jobs)
	if err != nil {
		return nil, err
	}
	skipped = append(skipped, more...)
	sort.SliceStable(skipped, func(i, j int) bool { return skipped[i].Path < skipped[j].Path })
	for _, sk := range skipped {
		sink.emit(InputSkipped{Path: sk.Path, Reason: sk.Reason})
	}
	if len(imgs) == 0 {
		return nil, inputError(noImages(opts.Paths, skipped))
	}
	sortImages(imgs)
	ruleHash, err := s.currentRuleHash()
	if err != nil {
		return nil, err
	}
	a := &auditRun{s: s, ctx: ctx, sink: sink, shared: shared, reads: map[string]int{}, sums: map[string]map[string]string{},
		cache: newRunCache(min(budget/4, 512<<20)), parses: packages.NewParseCache(min(budget/8, 256<<20))}
	if !opts.Rescan {
		if err := a.resume(imgs, ruleHash); err != nil {
			return nil, err
		}
	}
	var todo, last []*auditImage
	for _, img := range imgs {
		switch {
		case img.member.Status != "":
			// Resumed, or an image of a multi-image input that would not open.
		case img.hashErr != nil:
			last = append(last, img)
		default:
			todo = append(todo, img)
		}
	}
	orderByShared(todo)
	todo = append(todo, last...)
	a.plan(todo, len(imgs))
	for _, img := range imgs {
		if img.member.Status != "" {
			sink.emit(ImageDone{Image: img.member.Name, Status: img.member.Status})
		}
	}
	sink.emit(Phase{Name: "scanning"})
	tasks := make([]*auditTask, len(todo))
	for i, img := range todo {
		unread := len(img.layers)
		tasks[i] = &auditTask{blobs: img.blobs, memory: scanMemory(img.layers, unread, s.opts.MaxFileSize),
			run: func(claimed []string, release func(string)) { a.scan(img, claimed, release) }}
	}
	for _, t := range scheduleScans(ctx, tasks, jobs, budget) {
		for i := range tasks {
			if tasks[i] == t {
				todo[i].member.Status = fleet.StatusNotScanned
			}
		}
	}
	sink.emit(Phase{Name: "summarizing"})
	for _, img := range imgs {
		if img.member.Status == fleet.StatusResumed {
			if err := a.resumedFindings(img, ruleHash); err != nil {
				sink.emit(Warning{Err: fmt.Errorf("%s: reading its recorded findings: %w", img.member.Name, err)})
			}
		}
	}
	trusted, err := s.w.Trusted()
	if err != nil {
		sink.emit(Warning{Err: err})
	}
	members := make([]fleet.Member, len(imgs))
	for i, img := range imgs {
		members[i] = img.member
	}
	f := fleet.Build(members, trusted, skipped, a.stats(imgs, len(skipped), started))
	return f, ctx.Err()
}

// orderByShared puts first the images whose layers most others share (by stored bytes times
// the other images holding them): a base before what is built on it, so that the shared layers
// are read early, by one scan reading them side by side, and the images built on them then
// run side by side from the cache. Ties keep fewer layers first, then discovery order.
func orderByShared(imgs []*auditImage) {
	holders := map[string]int{}
	for _, img := range imgs {
		for _, b := range img.blobs {
			holders[b]++
		}
	}
	score := map[*auditImage]int64{}
	for _, img := range imgs {
		seen := map[string]bool{}
		for _, l := range img.layers {
			if b := l.BlobSHA256; b != "" && !seen[b] {
				seen[b] = true
				score[img] += max(l.Size, 1) * int64(holders[b]-1)
			}
		}
	}
	sort.SliceStable(imgs, func(i, j int) bool {
		if score[imgs[i]] != score[imgs[j]] {
			return score[imgs[i]] > score[imgs[j]]
		}
		return len(imgs[i].layers) < len(imgs[j].layers)
	})
}

// noImages says that nothing under paths is an image, naming what was found instead.
func noImages(paths []string, skipped []fleet.Skipped) error {
	var b strings.Builder
	fmt.Fprintf(&b, "no image found under %s", strings.Join(paths, ", "))
	for i, sk := range skipped {
		if i == 10 {
			fmt.Fprintf(&b, "\n  and %d more", len(skipped)-10)
			break
		}
		fmt.Fprintf(&b, "\n  %s: %s", sk.Path, sk.Reason)
	}
	return errors.New(b.String())
}

// currentRuleHash is the rule-set hash the Scanner's scans are recorded under.
func (s *Scanner) currentRuleHash() (string, error) {
	set, err := s.analyzers()
	if err != nil {
		return "", err
	}
	defer s.Release(&ScanResult{set: set})
	return s.RuleHash(set.Analyzers), nil
}

// auditRun is the state of one audit.
type auditRun struct {
	s      *Scanner
	ctx    context.Context
	sink   Sink
	shared *forensics.SharedInputs
	cache  *runCache
	// parses are the package databases the run's scans parsed, by path and content: images
	// built on the same bases share them.
	parses *packages.ParseCache

	mu        sync.Mutex
	reads     map[string]int // blob -> how often this run read it
	bytesRead int64
	// unrecorded counts the scans the database did not take (each warned of by the scan).
	unrecorded int
	blobs      map[string]*blobEstimate
	images     int
	resumed    int
	// sums caches the file sums of layers read back from the store for resumed images:
	// blob -> path -> sha256.
	sums map[string]map[string]string
}

// blobEstimate is what the progress expects of one blob to read.
type blobEstimate struct {
	stored int64 // its stored size
	exact  int64 // its uncompressed size when known, else 0
	read   int64 // what reading it took, once read (0 when the cache served it)
	done   bool
}

// resume marks the images recorded complete with the same input, image and rules as resumed.
func (a *auditRun) resume(imgs []*auditImage, ruleHash string) error {
	recs, err := a.s.store.Scans(a.ctx, history.ScanFilter{})
	if err != nil {
		return fmt.Errorf("reading the scan log: %w", err)
	}
	type key struct{ input, manifest, config string }
	done := map[key]history.ScanRecord{}
	for _, r := range recs {
		if r.Status != history.StatusComplete || r.RuleHash != ruleHash || r.Image == nil || r.Input.SHA256 == "" {
			continue
		}
		k := key{r.Input.SHA256, r.Input.ManifestDigest, r.Image.ConfigDigest}
		if _, ok := done[k]; !ok { // newest first
			done[k] = r
		}
	}
	for _, img := range imgs {
		m := &img.member
		if img.hashErr != nil || m.Status != "" {
			continue
		}
		r, ok := done[key{m.Input.SHA256, m.ManifestDigest, m.ConfigDigest}]
		if !ok {
			continue
		}
		m.Status, m.ScanID, m.Verdict, m.Summary = fleet.StatusResumed, r.ID, r.Verdict, r.Summary
		a.resumed++
	}
	return nil
}

// plan sends the first FleetPlan: every distinct blob of the images to scan, sized as well as
// is known (the store knows the uncompressed size of layers it has indexed).
func (a *auditRun) plan(todo []*auditImage, images int) {
	a.blobs = map[string]*blobEstimate{}
	var ids []string
	for _, img := range todo {
		for _, l := range img.layers {
			ids = append(ids, l.DiffID)
		}
	}
	known, _ := a.s.store.LayerSizes(a.ctx, ids)
	for _, img := range todo {
		for _, l := range img.layers {
			if l.BlobSHA256 == "" || a.blobs[l.BlobSHA256] != nil {
				continue
			}
			e := &blobEstimate{stored: max(l.Size, 0)}
			switch {
			case l.UncompressedSize > 0:
				e.exact = l.UncompressedSize
			case known[l.DiffID] > 0:
				e.exact = known[l.DiffID]
			}
			a.blobs[l.BlobSHA256] = e
		}
	}
	a.images = images
	a.sendPlan()
}

// sendPlan sends the FleetPlan as it now stands: what was read, plus what is left, the
// compressed sizes scaled by what the blobs read so far decompressed to.
func (a *auditRun) sendPlan() {
	a.mu.Lock()
	var total, readStored, readBytes, guessed int64
	estimated := false
	for _, e := range a.blobs {
		if e.done && e.read > 0 && e.exact == 0 {
			readStored += e.stored
			readBytes += e.read
		}
	}
	ratio := 1.0
	if readStored > 0 {
		ratio = float64(readBytes) / float64(readStored)
	}
	for _, e := range a.blobs {
		switch {
		case e.done:
			total += e.read
		case e.exact > 0:
			total += e.exact
		default:
			guessed += e.stored
			estimated = true
		}
	}
	total += int64(float64(guessed) * ratio)
	p := FleetPlan{Images: a.images, Resumed: a.resumed, Bytes: total, Estimated: estimated}
	a.mu.Unlock()
	a.sink.emit(p)
}

// scan scans one image of the audit and fills in its member; claimed are the blobs no scan
// before it read, each released to the scans waiting for it once the layer cache has
// stored it.
func (a *auditRun) scan(img *auditImage, claimed []string, release func(string)) {
	m := &img.member
	defer func() { a.sink.emit(ImageDone{Image: m.Name, Status: m.Status}) }()
	fail := func(err error) {
		m.Status, m.Error = fleet.StatusFailed, reason(img.ref, err)
		if a.ctx.Err() != nil {
			m.Status, m.Error = fleet.StatusInterrupted, ""
		}
	}
	if a.ctx.Err() != nil {
		m.Status = fleet.StatusNotScanned
		return
	}
	fimg, err := a.s.w.openShared(a.ctx, img.ref, a.shared)
	if err != nil {
		fail(err)
		return
	}
	defer fimg.Close()
	var mu sync.Mutex
	read := map[int]int64{}
	Watch(fimg, m.Name, func(e Event) {
		switch e := e.(type) {
		case LayerStarted:
			if e.Layer >= 0 && e.Layer < len(img.layers) {
				b := img.layers[e.Layer].BlobSHA256
				a.mu.Lock()
				a.reads[b]++
				a.mu.Unlock()
				a.sink.emit(BlobRead{Image: m.Name, Layer: e.Layer, Blob: b})
			}
		case LayerFinished:
			mu.Lock()
			read[e.Layer] = e.Bytes
			mu.Unlock()
		}
		a.sink.emit(e)
	})
	mine := map[string]bool{}
	for _, b := range claimed {
		mine[b] = true
	}
	var relMu sync.Mutex
	stored := func(blob string) {
		relMu.Lock()
		ok := mine[blob]
		delete(mine, blob)
		relMu.Unlock()
		if ok {
			release(blob)
		}
	}
	res, err := a.s.scan(a.ctx, fimg, m.Name, a.sink, scanHow{trees: true, parses: a.parses,
		wrap: func(db audit.LayerCache) audit.LayerCache { return a.cache.view(db, stored) }})
	a.settle(img, claimed, read)
	if err != nil {
		fail(err)
		return
	}
	defer a.s.Release(res)
	m.Status, m.ScanID, m.Verdict, m.Summary = fleet.StatusScanned, res.ScanID, res.Verdict(), res.Summary()
	m.Input = fimg.Input
	m.Chain = m.Chain[:0]
	for i := range fimg.Layers {
		m.Chain = append(m.Chain, fimg.Layers[i].ContentID())
	}
	m.LayersCached = res.CachedLayers
	m.LayersRead = len(fimg.Layers) - res.CachedLayers
	m.Findings = withSums(res.Findings, func(layer int) map[string]string {
		if layer >= 0 && layer < len(res.Layers) && res.Layers[layer] != nil {
			return fileSums(res.Layers[layer].Entries)
		}
		return nil
	})
	if res.RecordErr != nil || res.ScanID == 0 {
		a.mu.Lock()
		a.unrecorded++
		a.mu.Unlock()
	}
}

// settle records what reading img's layers took and sends the plan anew.
func (a *auditRun) settle(img *auditImage, claimed []string, read map[int]int64) {
	a.mu.Lock()
	for i, n := range read {
		if i < len(img.layers) {
			if e := a.blobs[img.layers[i].BlobSHA256]; e != nil {
				e.read = n
			}
		}
		a.bytesRead += n
	}
	for _, b := range claimed {
		if e := a.blobs[b]; e != nil {
			e.done = true
		}
	}
	a.mu.Unlock()
	a.sendPlan()
}

// withSums keeps the findings above info, each with the sha256 of the regular file it is
// about in its layer (sums gives a layer's files by path).
func withSums(fs []audit.Finding, sums func(layer int) map[string]string) []fleet.Finding {
	byLayer := map[int]map[string]string{}
	var out []fleet.Finding
	for _, f := range fs {
		if f.Severity <= audit.Info {
			continue
		}
		ff := fleet.Finding{Finding: f}
		if f.Path != "" && f.Layer >= 0 {
			m, ok := byLayer[f.Layer]
			if !ok {
				m = sums(f.Layer)
				byLayer[f.Layer] = m
			}
			ff.SHA256 = m[f.Path]
		}
		out = append(out, ff)
	}
	return out
}

// fileSums maps the regular files of a layer to their sha256.
func fileSums(entries []forensics.Entry) map[string]string {
	m := map[string]string{}
	for i := range entries {
		if e := &entries[i]; e.Type == forensics.TypeFile && !e.Whiteout && e.SHA256() != "" {
			m[e.Path] = e.SHA256()
		}
	}
	return m
}

// resumedFindings reads a resumed image's recorded findings, each with the sha256 of its file
// from the index the layer cache (of ruleHash) holds of the layer (served, as to a scan, only
// for the blob this run hashed and the database verified; read once per layer for the run).
func (a *auditRun) resumedFindings(img *auditImage, ruleHash string) error {
	fs, err := a.s.store.Findings(a.ctx, img.member.ScanID)
	if err != nil {
		return err
	}
	cache := a.s.store.LayerCache(ruleHash)
	img.member.Findings = withSums(fs, func(layer int) map[string]string {
		if layer < 0 || layer >= len(img.layers) || img.layers[layer].BlobSHA256 == "" {
			return nil
		}
		l := img.layers[layer]
		if m, ok := a.sums[l.BlobSHA256]; ok {
			return m
		}
		var m map[string]string
		if tree, _, _, ok := cache.Lookup(a.ctx, l); ok && tree != nil {
			m = fileSums(tree.Entries)
		}
		a.sums[l.BlobSHA256] = m
		return m
	})
	return nil
}

// stats are the run's numbers.
func (a *auditRun) stats(imgs []*auditImage, skipped int, started time.Time) fleet.Stats {
	st := fleet.Stats{Images: len(imgs), Skipped: skipped, Seconds: elapsed(started)}
	for _, img := range imgs {
		switch img.member.Status {
		case fleet.StatusScanned:
			st.Scanned++
		case fleet.StatusResumed:
			st.Resumed++
		case fleet.StatusFailed:
			st.Failed++
		case fleet.StatusInterrupted:
			st.Interrupted++
		case fleet.StatusNotScanned:
			st.NotScanned++
		}
		st.LayersCached += img.member.LayersCached
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	st.DistinctLayers = len(a.blobs)
	for _, n := range a.reads {
		st.LayerReads += n
	}
	st.BytesRead, st.Unrecorded = a.bytesRead, a.unrecorded
	return st
}
