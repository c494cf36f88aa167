package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/strata-forensics/strata/forensics"
)

// DefaultMaxFileSize is the largest file content analyzers see unless Options say otherwise.
const DefaultMaxFileSize = 32 << 20

// RuleNotScanned is the rule of the info finding for a file too big to be content-scanned.
const RuleNotScanned = "STRATA-SCAN-001"

// RuleAnalyzerFailed is the rule of the finding for an analyzer that failed (panicked) on the
// evidence: the scan goes on without it, and the file or image that broke it is named.
const RuleAnalyzerFailed = "STRATA-SCAN-002"

// analyzerFailed is the finding for an analyzer that panicked on a file (path) or on the
// image as a whole (path "").
func analyzerFailed(name string, layer int, path string, v any) Finding {
	what := "the image"
	if path != "" {
		what = path
	}
	return Finding{Rule: RuleAnalyzerFailed, Category: CategoryTamper, Severity: Medium, Layer: layer, Path: path,
		Title:       fmt.Sprintf("the %s analyzer failed on %s: it may be crafted to break parsers", name, what),
		Evidence:    fmt.Sprint(v),
		Remediation: "Look at the file by hand; what the analyzer would have found in it is not known."}
}

// Options control Scan.
type Options struct {
	// Analyzers run in order: content analyzers during the read pass, then tree analyzers, then
	// reviewers.
	Analyzers []Analyzer
	// MaxFileSize is the largest file content analyzers are given; bigger files are hashed and
	// reported as not content-scanned. Zero means DefaultMaxFileSize.
	MaxFileSize int64
	// Workers bounds how many layers are read at once; 0 means forensics.DefaultWorkers.
	Workers int
	// Progress, when set, is called for every regular file read, from several goroutines.
	Progress func(layer int, size int64)
	// Cache, when set, serves the layers it knows instead of reading them and keeps the ones
	// read. It is used only when every content analyzer is stateless or a LayerState.
	Cache LayerCache
	// Found, when set, is given findings as they are found, before the scan ends: each
	// file's content findings when its analyzers return, each tree analyzer's, and those a
	// cached layer brings. Their Layer and Path are set, not their history step. It is called
	// from several goroutines at once. The Result's findings, merged, reviewed and sorted,
	// are the final word.
	Found func([]Finding)
	// Cached, when set, is told about each layer the cache serves, before any layer is read.
	Cached func(layer int, tree *forensics.LayerTree)
	// Vouched marks, by index, the layers whose bytes another image holds (a comparison's
	// original: the same blob sum): what the content analyzers would find there is that
	// image's own. Such a layer is read for its tree, the files FileKeepers keep and what
	// VouchedVisitors collect; no other content analyzer sees it, and the cache records its
	// index but not its analysis. Ignored unless every content analyzer is stateless (see
	// cacheable) or a VouchedVisitor. The caller checks afterwards that the bytes were what
	// it vouched for.
	Vouched []bool
}

// VouchedVisitor is a content analyzer that still collects, from a layer Options.Vouched
// marks, what the tree analysis needs of it (package databases), without the work whose
// findings would be the other image's own (the sums of every package file).
type VouchedVisitor interface {
	ContentAnalyzer
	// VouchedContent is Content for a file of a vouched layer, data nil for a file over
	// Options.MaxFileSize or one VouchedWants does not want; it raises no findings.
	VouchedContent(f File, data []byte)
	// VouchedWants reports whether VouchedContent needs the bytes of the file at path of a
	// vouched layer; the others are not held, only hashed.
	VouchedWants(path string) bool
}

// StreamAnalyzer is a ContentAnalyzer that also looks at the files over Options.MaxFileSize,
// as a stream during the same read pass, rather than reading their layers again.
type StreamAnalyzer interface {
	ContentAnalyzer
	// Stream returns a writer for the bytes of a file too big for Content, or nil to pass it
	// by; see forensics.FileStreamer. It raises no findings: the file is still reported as not
	// content-scanned.
	Stream(f File) io.WriteCloser
}

// ParallelAnalyzer is a ContentAnalyzer whose Content may run on a goroutine of its own, on
// the same bytes, while the other content analyzers look at a big file. A single big layer
// is read by one goroutine while its decompression keeps a second core only partly busy;
// an analyzer that only reads (the packages collector's digests) can use the rest.
type ParallelAnalyzer interface {
	ContentAnalyzer
	// ParallelContent marks the analyzer; it is never called.
	ParallelContent()
}

// SideTreeAnalyzer is a TreeAnalyzer that may run on a goroutine of its own, beside the tree
// analyzers listed after it, once those listed before it are done: it sets nothing on the
// Subject that they read (only what reviewers read), and reads nothing they set. The side
// analyzers run in their list order, one after the other. The package inventory and its
// integrity check (a sixth of a second on a real Debian image, on one core while the other
// idles: the read pass is over) are the reason.
type SideTreeAnalyzer interface {
	TreeAnalyzer
	// SideTree marks the analyzer; it is never called.
	SideTree()
}

// parallelMin is the smallest file whose ParallelAnalyzers get a goroutine of their own:
// below it the hand-over costs about what it saves.
const parallelMin = 64 << 10

// Result is what Scan found in one image.
type Result struct {
	Image *forensics.Image
	// Base is the trusted image this one is built on, nil when none is known.
	Base     *Base
	Findings []Finding
	// Accepted are the findings the accepted-findings policy set aside (audit/accept): not in
	// Findings, the summary or the verdict.
	Accepted []Accepted
	// Files is how many regular files the read pass saw, over all layers; Scanned how many of
	// them the content analyzers were given.
	Files, Scanned int
	// Layers are the image's layer trees, read or served by Options.Cache; CachedLayers
	// counts the served ones.
	Layers       []*forensics.LayerTree
	CachedLayers int
	// Vouched lists the layers read for their trees only (Options.Vouched), in order.
	Vouched []int
}

// Scan reads img's layers once, runs the analyzers and returns the findings, sorted and with
// duplicates merged. An error means the image could not be read at all; problems inside it
// are findings.
func Scan(ctx context.Context, img *forensics.Image, opts Options) (*Result, error) {
	maxSize := opts.MaxFileSize
	if maxSize <= 0 {
		maxSize = DefaultMaxFileSize
	}
	var content, serial, parallel []ContentAnalyzer
	var vouchers []VouchedVisitor
	var trees []TreeAnalyzer
	var reviewers []Reviewer
	var keepers []FileKeeper
	var streamers []StreamAnalyzer
	for _, a := range opts.Analyzers {
		if c, ok := a.(ContentAnalyzer); ok {
			content = append(content, c)
			if _, ok := a.(ParallelAnalyzer); ok {
				parallel = append(parallel, c)
			} else {
				serial = append(serial, c)
			}
		}
		if s, ok := a.(StreamAnalyzer); ok {
			streamers = append(streamers, s)
		}
		if t, ok := a.(TreeAnalyzer); ok {
			trees = append(trees, t)
		}
		if r, ok := a.(Reviewer); ok {
			reviewers = append(reviewers, r)
		}
		if k, ok := a.(FileKeeper); ok {
			keepers = append(keepers, k)
		}
		if v, ok := a.(VouchedVisitor); ok {
			vouchers = append(vouchers, v)
		}
	}
	vouched := opts.Vouched
	if !vouchable(content) {
		vouched = nil
	}
	isVouched := func(layer int) bool { return layer >= 0 && layer < len(vouched) && vouched[layer] }

	var (
		mu       sync.Mutex
		found    []Finding
		kept     = make(map[keptKey][]byte)
		files    atomic.Int64
		scanned  atomic.Int64
		progress = opts.Progress
		cache    *layerCache
		read     []int // nil: every layer
	)
	if opts.Cache != nil && cacheable(content) {
		cache = newLayerCache(opts.Cache, content)
		cf, cfiles, cscanned := cache.lookup(ctx, img, kept)
		found = append(found, cf...)
		if opts.Cached != nil {
			for i, t := range cache.cached {
				if t != nil {
					opts.Cached(i, t)
				}
			}
		}
		if opts.Found != nil && len(cf) > 0 {
			opts.Found(finished(cf))
		}
		files.Add(int64(cfiles))
		scanned.Add(int64(cscanned))
		read = cache.read
	}
	keeps := func(e *forensics.Entry, data []byte) bool {
		if len(data) > MaxKeptFileSize {
			return false
		}
		for _, k := range keepers {
			if k.KeepFile(e.Path) {
				return true
			}
		}
		return false
	}
	visit := func(layer int, e *forensics.Entry, data []byte) {
		files.Add(1)
		if progress != nil {
			progress(layer, e.Size)
		}
		if isVouched(layer) {
			f := File{Layer: layer, Entry: e}
			for _, v := range vouchers {
				vouchedContent(v, f, data)
			}
			if data != nil && keeps(e, data) {
				mu.Lock()
				kept[keptKey{layer, e.Path}] = slices.Clone(data)
				mu.Unlock()
			}
			return
		}
		if data == nil && e.Size > maxSize {
			f := Finding{Rule: RuleNotScanned, Category: CategoryMalware, Severity: Info, Layer: layer, Path: e.Path,
				Title:       fmt.Sprintf("not content-scanned: %d bytes is over the %d-byte limit", e.Size, maxSize),
				Evidence:    "sha256:" + e.SHA256(),
				Remediation: "Raise --max-file-size to scan it, or check the file by its sha256."}
			mu.Lock()
			found = append(found, f)
			mu.Unlock()
			if opts.Found != nil {
				opts.Found(finished([]Finding{f}))
			}
			return
		}
		scanned.Add(1)
		keep := keeps(e, data)
		if len(content) == 0 && !keep {
			return
		}
		// Content analyzers run where forensics visits the file, on its buffer (the reader's
		// goroutine, or a helper's once no layer is left to start), never on a copy.
		// ParallelAnalyzers share the buffer.
		f := File{Layer: layer, Entry: e}
		var local []Finding
		if len(parallel) > 0 && len(serial) > 0 && len(data) >= parallelMin {
			var side []Finding
			done := make(chan struct{})
			go func() {
				defer close(done)
				side = analyze(parallel, f, data, nil)
			}()
			local = analyze(serial, f, data, nil)
			<-done
			local = append(local, side...)
		} else {
			local = analyze(content, f, data, nil)
		}
		withIndicators(local, data)
		if len(local) > 0 && opts.Found != nil {
			opts.Found(finished(local))
		}
		if len(local) > 0 || keep {
			mu.Lock()
			found = append(found, local...)
			if keep {
				kept[keptKey{layer, e.Path}] = slices.Clone(data)
			}
			mu.Unlock()
		}
	}
	var stream forensics.FileStreamer
	if len(streamers) > 0 {
		stream = func(layer int, e *forensics.Entry) io.WriteCloser {
			if isVouched(layer) {
				return nil
			}
			var ws teeStreams
			for _, s := range streamers {
				if w := startStream(s, File{Layer: layer, Entry: e}); w != nil {
					ws = append(ws, teeStream{w: &safeStream{w: w}})
				}
			}
			switch len(ws) {
			case 0:
				return nil
			case 1:
				return ws[0].w
			}
			return ws
		}
	}
	// Each layer read goes to the cache as soon as it is done, on a goroutine of its own (see
	// layerStore): the database writes overlap the layers still being read, and the stacking
	// and tree analysis after them. The cache gets the tree as read: stacking adds anomalies
	// to the scan's own, and gives its hard links their targets' content, so a layer that holds
	// any has its entries copied.
	var done func(*forensics.LayerTree)
	var entries func(*forensics.LayerTree, int, []forensics.Entry) bool
	finishStoring := func() {}
	if cache != nil {
		st := cache.startStoring(ctx, img, read)
		finishStoring = sync.OnceFunc(st.finish)
		defer finishStoring()
		entries = st.entries()
		// The layer's findings and kept files are taken as its read ends (every visit of its
		// files has returned): the scan goes on with found once the read is done. Its blob is
		// hashed here too, by its reader (by now the input's background hash has usually done
		// it).
		done = func(t *forensics.LayerTree) {
			_ = img.HashBlobs(ctx, []int{t.Index})
			asRead := &forensics.LayerTree{Index: t.Index, Entries: t.Entries, Anomalies: slices.Clone(t.Anomalies),
				UncompressedSize: t.UncompressedSize, DiffID: t.DiffID}
			if slices.ContainsFunc(t.Entries, func(e forensics.Entry) bool { return e.Type == forensics.TypeHardlink }) {
				asRead.Entries = slices.Clone(t.Entries) // stacking gives hard links their targets' content
			}
			l := &layerRead{layer: img.Layers[t.Index], tree: asRead, kept: map[string][]byte{}, vouched: isVouched(t.Index)}
			if l.vouched {
				st.done(l) // its index alone: its analysis is not this scan's
				return
			}
			mu.Lock()
			for _, f := range found {
				if f.Layer == t.Index {
					l.found = append(l.found, f.clone())
				}
			}
			for key, data := range kept {
				if key.layer == t.Index {
					l.kept[key.path] = data
				}
			}
			mu.Unlock()
			cache.saveStates(l)
			st.done(l)
		}
	}
	var wanted func(int, *forensics.Entry) bool
	if vouched != nil {
		// A vouched layer's files are held only where a FileKeeper or a VouchedVisitor wants
		// their bytes.
		wanted = func(layer int, e *forensics.Entry) bool {
			if !isVouched(layer) || keeps(e, nil) {
				return true
			}
			for _, v := range vouchers {
				if v.VouchedWants(e.Path) {
					return true
				}
			}
			return false
		}
	}
	layers, err := img.ReadLayers(ctx, forensics.ReadOptions{Visit: visit, Stream: stream, Done: done, Entries: entries, ContentCap: maxSize,
		Content: wanted, Workers: opts.Workers, Layers: read})
	if err != nil {
		return nil, err
	}
	nCached := 0
	if cache != nil {
		nCached = cache.served(img, layers)
	}
	s := &Subject{Image: img, Layers: layers, Tree: forensics.Stack(layers), kept: kept}
	found, err = runTrees(ctx, trees, s, found, opts.Found)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("analyzing %s: %w", img.Input.Path, err)
	}
	found = merge(found)
	for _, r := range reviewers {
		found = merge(review(r, s, found))
	}
	id := ImageID{Input: img.Input.Path, ConfigDigest: img.ConfigDigest}
	for i := range found {
		f := &found[i]
		f.finish()
		f.Image = id
		if f.CreatedBy == "" {
			f.History = -1
			if f.Layer >= 0 && f.Layer < len(img.Layers) {
				if h := img.Layers[f.Layer].History; h >= 0 && h < len(img.History) {
					f.History, f.CreatedBy = h, img.History[h].CreatedBy
				}
			}
		}
	}
	Sort(found)
	finishStoring()
	var vouchedRead []int
	for i, t := range layers {
		if isVouched(i) && (cache == nil || cache.cached[i] == nil) && t != nil {
			vouchedRead = append(vouchedRead, i)
		}
	}
	return &Result{Image: img, Base: s.Base, Findings: found, Files: int(files.Load()), Scanned: int(scanned.Load()),
		Layers: layers, CachedLayers: nCached, Vouched: vouchedRead}, nil
}

// vouchable reports whether a scan with these content analyzers may read layers for their
// trees only (Options.Vouched): each is stateless or a VouchedVisitor.
func vouchable(content []ContentAnalyzer) bool {
	for _, c := range content {
		if _, ok := c.(VouchedVisitor); !ok && !statelessContent[c.Name()] {
			return false
		}
	}
	return true
}

// vouchedContent runs v on a file of a vouched layer; a panic is dropped, as the file's
// findings would be the other image's.
func vouchedContent(v VouchedVisitor, f File, data []byte) {
	defer func() { _ = recover() }()
	v.VouchedContent(f, data)
}

// analyze runs content analyzers on one file and appends their findings to out. An analyzer
// that panics gives a finding naming the file instead of its own.
func analyze(cs []ContentAnalyzer, f File, data []byte, out []Finding) []Finding {
	for _, c := range cs {
		for _, x := range content(c, f, data) {
			x.Layer = f.Layer
			if x.Path == "" {
				x.Path = f.Entry.Path
			}
			out = append(out, x)
		}
	}
	return out
}

// finished returns copies of findings completed as the result will hold them (labels,
// techniques), for Options.Found.
func finished(fs []Finding) []Finding {
	out := slices.Clone(fs)
	for i := range out {
		out[i].finish()
	}
	return out
}

// withIndicators adds the network indicators of a file's content to the findings about it
// that flag it (low and above): an attacker's address inside a script is then found by
// trace, not only one in Env or history.
func withIndicators(fs []Finding, data []byte) {
	var inds []Indicator
	done := false
	for i := range fs {
		f := &fs[i]
		if f.Severity < Low || f.Rule == RuleNotScanned {
			continue
		}
		if !done {
			inds, done = ExtractIndicators(data), true
		}
		f.AddIndicators(inds...)
	}
}

// content runs one content analyzer behind a recover boundary.
func content(c ContentAnalyzer, f File, data []byte) (out []Finding) {
	defer func() {
		if v := recover(); v != nil {
			out = []Finding{analyzerFailed(c.Name(), f.Layer, f.Entry.Path, v)}
		}
	}()
	return c.Content(f, data)
}

// runTrees runs the tree analyzers on s in their order, the SideTreeAnalyzers on a goroutine
// of their own from the first of them on, and adds their findings to found in the analyzers'
// order, whichever finished first. report, when not nil, is called with each analyzer's
// findings as it finishes (from either goroutine, as Options.Found may be).
func runTrees(ctx context.Context, trees []TreeAnalyzer, s *Subject, found []Finding, report func([]Finding)) ([]Finding, error) {
	var (
		outs = make([][]Finding, len(trees))
		errs = make([]error, len(trees))
		side []int
		wg   sync.WaitGroup
	)
	one := func(i int) {
		if ctx.Err() != nil {
			return
		}
		t := trees[i]
		fs, err := tree(ctx, t, s)
		if err != nil {
			errs[i] = fmt.Errorf("%s: %w", t.Name(), err)
		}
		outs[i] = fs
		if report != nil && len(fs) > 0 {
			report(finished(fs))
		}
	}
	for i, t := range trees {
		if _, ok := t.(SideTreeAnalyzer); ok {
			side = append(side, i)
		}
	}
	for i, t := range trees {
		if _, ok := t.(SideTreeAnalyzer); !ok {
			one(i)
		} else if i == side[0] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, k := range side {
					one(k)
				}
			}()
		}
	}
	wg.Wait()
	for _, fs := range outs {
		found = append(found, fs...)
	}
	return found, errors.Join(errs...)
}

// tree runs one tree analyzer behind a recover boundary.
func tree(ctx context.Context, t TreeAnalyzer, s *Subject) (out []Finding, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = []Finding{analyzerFailed(t.Name(), -1, "", v)}, nil
		}
	}()
	return t.Tree(ctx, s)
}

// review runs one reviewer behind a recover boundary; a reviewer that panics leaves the
// findings as they were, plus one saying it failed.
func review(r Reviewer, s *Subject, findings []Finding) (out []Finding) {
	defer func() {
		if v := recover(); v != nil {
			out = append(findings, analyzerFailed(r.Name(), -1, "", v))
		}
	}()
	return r.Review(s, slices.Clone(findings))
}

// safeStream is a StreamAnalyzer's writer behind a recover boundary: a Write or Close that
// panics stops the bytes going to it.
type safeStream struct {
	w      io.WriteCloser
	failed bool
}

func (s *safeStream) Write(p []byte) (n int, err error) {
	if s.failed {
		return len(p), nil
	}
	defer func() {
		if recover() != nil {
			s.failed, n, err = true, len(p), nil
		}
	}()
	return s.w.Write(p)
}

func (s *safeStream) Close() (err error) {
	if s.failed {
		return nil
	}
	defer func() {
		if recover() != nil {
			s.failed, err = true, nil
		}
	}()
	return s.w.Close()
}

// startStream asks a StreamAnalyzer for a file's writer behind a recover boundary.
func startStream(s StreamAnalyzer, f File) (w io.WriteCloser) {
	defer func() {
		if recover() != nil {
			w = nil
		}
	}()
	return s.Stream(f)
}

// teeStreams hands a big file's bytes to several StreamAnalyzers; one failing stops only its own.
type teeStreams []teeStream

type teeStream struct {
	w      io.WriteCloser
	failed bool
}

func (ss teeStreams) Write(p []byte) (int, error) {
	for i := range ss {
		if s := &ss[i]; !s.failed {
			if _, err := s.w.Write(p); err != nil {
				s.failed = true
			}
		}
	}
	return len(p), nil
}

func (ss teeStreams) Close() error {
	var errs []error
	for _, s := range ss {
		errs = append(errs, s.w.Close())
	}
	return errors.Join(errs...)
}

// merge folds findings with the same rule, path and layer into one: the highest severity
// wins and distinct evidence is kept.
func merge(fs []Finding) []Finding {
	idx := make(map[string]int, len(fs))
	out := fs[:0:0]
	for _, f := range fs {
		k := f.key()
		i, dup := idx[k]
		if !dup {
			idx[k] = len(out)
			out = append(out, f)
			continue
		}
		g := &out[i]
		if f.Severity > g.Severity {
			g.Severity, g.Title = f.Severity, f.Title
		}
		if f.Evidence != "" && !strings.Contains(g.Evidence, f.Evidence) {
			if g.Evidence != "" {
				g.Evidence += "; "
			}
			g.Evidence += f.Evidence
		}
		g.AddLabels(f.Category)
		g.AddLabels(f.Labels...)
		g.AddTechniques(f.Techniques...)
		g.AddIndicators(f.Indicators...)
	}
	return out
}

// Sort orders findings by severity (highest first), then layer, path and rule.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Layer != b.Layer {
			return a.Layer < b.Layer
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Rule < b.Rule
	})
}

// Summary counts findings by severity.
type Summary [Critical + 1]int

// MarshalJSON renders the counts as {"critical": n, "high": n, ...}, every severity present.
func (s Summary) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i := Critical; i >= Info; i-- {
		fmt.Fprintf(&b, "%q:%d", i.String(), s[i])
		if i > Info {
			b.WriteByte(',')
		}
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// Summary counts the result's findings by severity.
func (r *Result) Summary() Summary {
	var s Summary
	for _, f := range r.Findings {
		s[f.Severity]++
	}
	return s
}

// AtLeast reports whether any finding has severity s or above.
func (r *Result) AtLeast(s Severity) bool {
	for _, f := range r.Findings {
		if f.Severity >= s {
			return true
		}
	}
	return false
}

// Verdicts, from Result.Verdict.
const (
	VerdictClean      = "clean"      // nothing above low
	VerdictReview     = "review"     // medium findings: worth a look
	VerdictSuspicious = "suspicious" // high or critical findings
)

// tampering reports whether a finding bears on whether the image was tampered with. Known
// vulnerabilities do not: an unpatched package is a risk, not a sign of an implant, and it
// is counted apart (--fail-on still applies to every finding).
func (f *Finding) tampering() bool { return f.Category != CategoryVulnerability }

// Verdict is the one-word reading of the findings other than known vulnerabilities: whether
// the image shows signs of tampering.
func (r *Result) Verdict() string {
	worst := Severity(-1)
	for _, f := range r.Findings {
		if f.tampering() {
			worst = max(worst, f.Severity)
		}
	}
	switch {
	case worst >= High:
		return VerdictSuspicious
	case worst >= Medium:
		return VerdictReview
	}
	return VerdictClean
}

// Headline is the verdict in one line: "SUSPICIOUS: 2 critical, 3 high — reverse-shell in
// layer 5 (COPY docker-entrypoint.sh /)", with the known vulnerabilities counted apart
// ("; known vulnerabilities: 1 critical, 4 high").
func (r *Result) Headline() string {
	v := r.Verdict()
	var s, vs Summary
	for _, f := range r.Findings {
		if f.tampering() {
			s[f.Severity]++
		} else {
			vs[f.Severity]++
		}
	}
	head := strings.ToUpper(v)
	if counts := countsAbove(s, Medium); len(counts) == 0 {
		head += fmt.Sprintf(": nothing above low in %d files", r.Files)
	} else {
		head += ": " + strings.Join(counts, ", ")
		// Name where the worst findings are: the categories at the top severity, by place.
		var top []Finding
		for _, f := range r.Findings {
			if f.tampering() && (len(top) == 0 || f.Severity == top[0].Severity) {
				top = append(top, f)
			}
		}
		var places []string
		cats := map[string][]string{}
		for _, f := range top {
			p := f.Place()
			if _, ok := cats[p]; !ok {
				places = append(places, p)
			}
			if !slices.Contains(cats[p], string(f.Category)) {
				cats[p] = append(cats[p], string(f.Category))
			}
		}
		var where []string
		for i, p := range places {
			if i == 3 {
				where = append(where, fmt.Sprintf("and %d more places", len(places)-3))
				break
			}
			where = append(where, strings.Join(cats[p], ", ")+" "+p)
		}
		head += " — " + strings.Join(where, "; ")
	}
	if counts := countsAbove(vs, Info); len(counts) > 0 {
		head += "; known vulnerabilities: " + strings.Join(counts, ", ")
	}
	return head
}

// countsAbove renders the counts of severities from critical down to low: "2 critical, 3 high".
func countsAbove(s Summary, low Severity) []string {
	var counts []string
	for i := Critical; i >= low; i-- {
		if s[i] > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", s[i], i))
		}
	}
	return counts
}

// Place says where a finding is: "in layer 5 (COPY docker-entrypoint.sh /)", "in the config
// (ENV LD_PRELOAD=...)", or "in the config" for findings about the config or the image as a
// whole.
func (f *Finding) Place() string {
	step := ShortStep(f.CreatedBy)
	switch {
	case f.Layer >= 0 && step != "":
		return fmt.Sprintf("in layer %d (%s)", f.Layer, step)
	case f.Layer >= 0:
		return fmt.Sprintf("in layer %d", f.Layer)
	case step != "":
		return fmt.Sprintf("in the config (%s)", step)
	}
	return "in the config"
}

// ShortStep renders a history created_by as a short Dockerfile line.
func ShortStep(createdBy string) string {
	if strings.TrimSpace(createdBy) == "" {
		return ""
	}
	s := forensics.ParseCreatedBy(createdBy).String()
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 72 {
		s = string(r[:71]) + "…"
	}
	return s
}
