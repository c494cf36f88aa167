// Package fleet is the fleet view of an audit of many images at once: one row per image
// (verdict, top finding, the base it is built on and whether that base is trusted), the
// family forest of the fleet (the layer chains images share), the implants and indicators
// found in more than one image with the image that introduced them, and the clean images.
//
// Build computes the view from what the audit learnt about each image (Member); it reads no
// image and no database. casework gathers the members (scanning or resuming each image),
// audit/report renders the view, and a workbench view can show it as it is. It imports audit,
// audit/trust and forensics, never casework, tui or cmd.
package fleet

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics"
)

// Statuses of a member.
const (
	StatusScanned     = "scanned"     // scanned in this run and recorded
	StatusResumed     = "resumed"     // a complete scan with the same input and rules was already recorded
	StatusFailed      = "failed"      // could not be read; recorded as failed
	StatusInterrupted = "interrupted" // the run was stopped while it was scanned; recorded as interrupted
	StatusNotScanned  = "not-scanned" // the run was stopped before its turn; nothing recorded
)

// Member is one image of the fleet as the audit saw it.
type Member struct {
	// Name is how reports name the image: the input's path, with @N when the input holds
	// several images.
	Name           string
	Input          forensics.Input
	ConfigDigest   string
	ManifestDigest string
	Tags           []string
	Created        time.Time
	// Chain is each layer's content identity (its diff_id, verified by reading the layer or
	// by the layer cache), bottom layer first.
	Chain  []string
	Status string
	Error  string
	ScanID int64
	// Verdict, Summary and Findings are the scan's (recorded or resumed); Findings carry the
	// sha256 of the file each is about, where it is a file of the image.
	Verdict  string
	Summary  audit.Summary
	Findings []Finding
	// LayersRead counts the layers this run read for the image, LayersCached those the layer
	// cache served (shared with an image scanned before, in this run or an earlier one).
	LayersRead, LayersCached int
}

// Finding is a finding of a member with the sha256 of the file it is about ("" when it is
// about no regular file: the config, a directory, a whiteout).
type Finding struct {
	audit.Finding
	SHA256 string
}

// Skipped is a file or directory under the audited paths that holds no image the audit could
// read, and why.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Fleet is the fleet view.
type Fleet struct {
	// Images has one row per image: the suspicious first, then review, then clean, then those
	// that could not be scanned; by name within each.
	Images []Row `json:"images"`
	// Families is the family forest: each root a first layer (or chain) some images share,
	// each node a longer chain, down to the images themselves.
	Families []*Family `json:"families"`
	// Shared are the implants and indicators found in more than one image, most severe first.
	Shared []Indicator `json:"shared"`
	// Clean names the images with a clean verdict.
	Clean []string `json:"clean"`
	// Skipped are the inputs that held no image.
	Skipped []Skipped `json:"skipped"`
	Stats   Stats     `json:"stats"`
}

// Row is one image of the fleet.
type Row struct {
	Name           string        `json:"name"`
	Input          string        `json:"input"`
	Format         string        `json:"format"`
	Selector       string        `json:"selector,omitempty"`
	InputSHA256    string        `json:"input_sha256,omitempty"`
	ConfigDigest   string        `json:"config_digest,omitempty"`
	ManifestDigest string        `json:"manifest_digest,omitempty"`
	Tags           []string      `json:"tags"`
	Layers         int           `json:"layers"`
	Status         string        `json:"status"`
	Error          string        `json:"error,omitempty"`
	ScanID         int64         `json:"scan_id,omitempty"`
	Verdict        string        `json:"verdict,omitempty"`
	Summary        audit.Summary `json:"summary"`
	Top            *TopFinding   `json:"top_finding"`
	Base           *Base         `json:"base"`
	LayersRead     int           `json:"layers_read"`
	LayersCached   int           `json:"layers_cached"`
}

// TopFinding is an image's most severe finding: a sign of tampering before a known
// vulnerability of the same severity.
type TopFinding struct {
	Rule      string         `json:"rule"`
	Category  audit.Category `json:"category"`
	Severity  audit.Severity `json:"severity"`
	Title     string         `json:"title"`
	Layer     int            `json:"layer"`
	Path      string         `json:"path,omitempty"`
	CreatedBy string         `json:"created_by,omitempty"`
}

// Kinds of Base.
const (
	BaseTrusted = "trusted" // a trusted image (strata trust) whose chain is a prefix of the image's
	BaseFleet   = "fleet"   // the image of the fleet with the longest chain that is a proper prefix
	BaseShared  = "shared"  // the longest bottom chain the image shares with others, no image of its own
)

// Base is what an image is built on.
type Base struct {
	Kind string `json:"kind"`
	// Name and ConfigDigest name the base image; "" for a shared chain.
	Name         string `json:"name,omitempty"`
	ConfigDigest string `json:"config_digest,omitempty"`
	// Layers is how many of the image's bottom layers the base accounts for.
	Layers  int  `json:"layers"`
	Trusted bool `json:"trusted"`
	// SharedWith is how many other images of the fleet hold the same bottom Layers.
	SharedWith int `json:"shared_with"`
}

// Family is a node of the family forest: a layer chain, the images whose whole chain it is,
// and the longer chains built on it.
type Family struct {
	// Layers is the chain's length; DiffID its top layer.
	Layers int    `json:"layers"`
	DiffID string `json:"top_diff_id"`
	// Images are the images whose chain is exactly this one.
	Images []string `json:"images"`
	// Count is how many images hold the chain (these and all below).
	Count int `json:"count"`
	// Trusted says a trusted image (strata trust) has exactly this chain.
	Trusted  bool      `json:"trusted"`
	Children []*Family `json:"children"`
}

// Kinds of Indicator: these two, and the kinds of the network indicators the analyzers find
// in flagged files (audit.IndicatorIP, IndicatorDomain, IndicatorURL, IndicatorPool,
// IndicatorWallet, IndicatorOnion).
const (
	IndicatorFile    = "file"    // a file by its sha256, whatever its path
	IndicatorFinding = "finding" // a finding about no file (the config, a path), by rule and evidence
)

// Indicator is an implant or indicator found in more than one image.
type Indicator struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	// Rule, Category, Severity and Title are those of its most severe finding.
	Rule     string         `json:"rule"`
	Category audit.Category `json:"category"`
	Severity audit.Severity `json:"severity"`
	Title    string         `json:"title"`
	Paths    []string       `json:"paths"`
	// Images are the images that hold it, IntroducedBy the first: the one holding it in the
	// lowest layer (the base among images that share that layer, the oldest for findings
	// about the config).
	Images       []string `json:"images"`
	IntroducedBy string   `json:"introduced_by"`
	Layer        int      `json:"layer"`
	DiffID       string   `json:"diff_id,omitempty"`
	// Inherited counts the images that hold it in the very layer that introduced it (the
	// same diff_id at the same place): built on the introducer, not added again.
	Inherited int `json:"inherited"`
}

// Stats are the run's numbers.
type Stats struct {
	Images      int `json:"images_found"`
	Scanned     int `json:"scanned"`
	Resumed     int `json:"resumed"`
	Failed      int `json:"failed"`
	Interrupted int `json:"interrupted"`
	NotScanned  int `json:"not_scanned"`
	// Unrecorded counts the images scanned whose scan the history database did not take.
	Unrecorded int `json:"unrecorded"`
	Skipped    int `json:"skipped"`
	// DistinctLayers counts the distinct layer blobs (by the sha256 of their bytes) of the
	// images to scan; LayerReads how many times this run read one (each once, unless a blob
	// could not be verified and cached); LayersCached the layers the cache served.
	DistinctLayers int   `json:"distinct_layers"`
	LayerReads     int   `json:"layer_reads"`
	LayersCached   int   `json:"layers_cached"`
	BytesRead      int64 `json:"bytes_read"`
	// Seconds is the run's wall time.
	Seconds float64 `json:"seconds"`
}

// Verdict order for rows: the worst first.
var verdictRank = map[string]int{audit.VerdictSuspicious: 0, audit.VerdictReview: 1, audit.VerdictClean: 2}

// Build computes the fleet view of members; trusted is the trust store's list.
func Build(members []Member, trusted []trust.Image, skipped []Skipped, stats Stats) *Fleet {
	f := &Fleet{Images: []Row{}, Families: forest(members, trusted), Shared: shared(members), Clean: []string{},
		Skipped: skipped, Stats: stats}
	if f.Skipped == nil {
		f.Skipped = []Skipped{}
	}
	for i := range members {
		m := &members[i]
		r := Row{Name: m.Name, Input: m.Input.Path, Format: m.Input.Format, Selector: m.Input.Selector,
			InputSHA256: m.Input.SHA256, ConfigDigest: m.ConfigDigest, ManifestDigest: m.ManifestDigest,
			Tags: nonNil(m.Tags), Layers: len(m.Chain), Status: m.Status, Error: m.Error, ScanID: m.ScanID,
			Verdict: m.Verdict, Summary: m.Summary, Top: top(m.Findings), Base: baseOf(m, members, trusted),
			LayersRead: m.LayersRead, LayersCached: m.LayersCached}
		f.Images = append(f.Images, r)
		if scannedOK(m) && m.Verdict == audit.VerdictClean {
			f.Clean = append(f.Clean, m.Name)
		}
	}
	sort.SliceStable(f.Images, func(i, j int) bool {
		a, b := f.Images[i], f.Images[j]
		if ra, rb := rowRank(a), rowRank(b); ra != rb {
			return ra < rb
		}
		return a.Name < b.Name
	})
	sort.Strings(f.Clean)
	return f
}

func scannedOK(m *Member) bool { return m.Status == StatusScanned || m.Status == StatusResumed }

func rowRank(r Row) int {
	if r.Status != StatusScanned && r.Status != StatusResumed {
		return 3
	}
	if n, ok := verdictRank[r.Verdict]; ok {
		return n
	}
	return 2
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// top picks the most severe finding: signs of tampering before known vulnerabilities.
func top(fs []Finding) *TopFinding {
	var best *Finding
	for i := range fs {
		f := &fs[i]
		if best == nil || rank(f) > rank(best) {
			best = f
		}
	}
	if best == nil || best.Severity <= audit.Info {
		return nil
	}
	return &TopFinding{Rule: best.Rule, Category: best.Category, Severity: best.Severity, Title: best.Title,
		Layer: best.Layer, Path: best.Path, CreatedBy: best.CreatedBy}
}

func rank(f *Finding) int {
	r := int(f.Severity) * 2
	if f.Category != audit.CategoryVulnerability {
		r++
	}
	return r
}

// baseOf says what m is built on: the trusted image with the longest chain that is a prefix
// of m's, else the fleet image with the longest chain that is a proper prefix of m's, else
// the longest bottom chain m shares with any other image.
func baseOf(m *Member, members []Member, trusted []trust.Image) *Base {
	if len(m.Chain) == 0 {
		return nil
	}
	if t := trust.BaseOf(trusted, m.Chain); t != nil {
		name := strings.Join(t.Tags, ", ")
		if name == "" {
			name = t.ConfigDigest
		}
		return &Base{Kind: BaseTrusted, Name: name, ConfigDigest: t.ConfigDigest, Layers: len(t.DiffIDs), Trusted: true,
			SharedWith: sharing(m, members, len(t.DiffIDs))}
	}
	var parent *Member
	for i := range members {
		o := &members[i]
		if len(o.Chain) > 0 && len(o.Chain) < len(m.Chain) && slices.Equal(o.Chain, m.Chain[:len(o.Chain)]) &&
			(parent == nil || len(o.Chain) > len(parent.Chain)) {
			parent = o
		}
	}
	if parent != nil {
		return &Base{Kind: BaseFleet, Name: parent.Name, ConfigDigest: parent.ConfigDigest, Layers: len(parent.Chain),
			Trusted: isTrusted(parent.ConfigDigest, parent.Chain, trusted), SharedWith: sharing(m, members, len(parent.Chain))}
	}
	longest := 0
	for i := range members {
		o := &members[i]
		if o == m {
			continue
		}
		n := 0
		for n < len(o.Chain) && n < len(m.Chain) && o.Chain[n] == m.Chain[n] {
			n++
		}
		// A chain is a base only below the image's own top layer.
		longest = max(longest, min(n, len(m.Chain)-1))
	}
	if longest == 0 {
		return nil
	}
	return &Base{Kind: BaseShared, Layers: longest, Trusted: isTrusted("", m.Chain[:longest], trusted),
		SharedWith: sharing(m, members, longest)}
}

// sharing counts the other members whose bottom n layers are m's.
func sharing(m *Member, members []Member, n int) int {
	c := 0
	for i := range members {
		o := &members[i]
		if o != m && len(o.Chain) >= n && slices.Equal(o.Chain[:n], m.Chain[:n]) {
			c++
		}
	}
	return c
}

// isTrusted reports whether the trust store holds an image with this config or this chain.
func isTrusted(config string, chain []string, trusted []trust.Image) bool {
	for _, t := range trusted {
		if config != "" && t.ConfigDigest == config || len(t.DiffIDs) > 0 && slices.Equal(t.DiffIDs, chain) {
			return true
		}
	}
	return false
}

// trieNode is one layer chain of the family trie.
type trieNode struct {
	depth    int
	diffID   string
	children map[string]*trieNode
	order    []string
	images   []string
	count    int
}

// forest builds the family forest: a trie of the members' chains with the chains that
// neither end an image's chain nor branch folded away.
func forest(members []Member, trusted []trust.Image) []*Family {
	root := &trieNode{children: map[string]*trieNode{}}
	for i := range members {
		m := &members[i]
		if len(m.Chain) == 0 {
			continue
		}
		n := root
		for d, id := range m.Chain {
			c := n.children[id]
			if c == nil {
				c = &trieNode{depth: d + 1, diffID: id, children: map[string]*trieNode{}}
				n.children[id] = c
				n.order = append(n.order, id)
			}
			c.count++
			n = c
		}
		n.images = append(n.images, m.Name)
	}
	var chain []string
	var fold func(n *trieNode) []*Family
	// fold returns the families below n: the nearest kept node down each branch.
	fold = func(n *trieNode) []*Family {
		var out []*Family
		for _, id := range n.order {
			c := n.children[id]
			chain = append(chain, id)
			if len(c.images) > 0 || len(c.children) > 1 {
				fam := &Family{Layers: c.depth, DiffID: c.diffID, Images: append([]string{}, c.images...), Count: c.count,
					Trusted: isTrusted("", chain, trusted)}
				sort.Strings(fam.Images)
				fam.Children = fold(c)
				out = append(out, fam)
			} else {
				out = append(out, fold(c)...)
			}
			chain = chain[:len(chain)-1]
		}
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].Count != out[j].Count {
				return out[i].Count > out[j].Count
			}
			return firstName(out[i]) < firstName(out[j])
		})
		if out == nil {
			out = []*Family{}
		}
		return out
	}
	return fold(root)
}

func firstName(f *Family) string {
	if len(f.Images) > 0 {
		return f.Images[0]
	}
	if len(f.Children) > 0 {
		return firstName(f.Children[0])
	}
	return ""
}

// indicatorCategories are the findings that can be an implant or an indicator of one: not
// the image's settings (root user, ports, misconfigurations, an untrusted base) and not known
// vulnerabilities, which every image of a family shares by design.
var indicatorCategories = map[audit.Category]bool{
	audit.CategoryReverseShell: true, audit.CategoryLDPreload: true, audit.CategoryPersistence: true,
	audit.CategorySSHKey: true, audit.CategoryMiner: true, audit.CategoryWebshell: true, audit.CategorySecret: true,
	audit.CategoryMalware: true, audit.CategoryTamper: true, audit.CategoryPackageIntegrity: true,
	audit.CategoryNonPackaged: true, audit.CategoryHiddenFile: true, audit.CategorySUID: true,
	audit.CategoryTimestomp: true, audit.CategoryCredentialTheft: true, audit.CategoryEscape: true,
}

// implant reports whether f can be an implant or an indicator of one: its category or one of
// its labels is, and it is low or above.
func implant(f *Finding) bool {
	if f.Severity < audit.Low {
		return false
	}
	if indicatorCategories[f.Category] {
		return true
	}
	for _, l := range f.Labels {
		if indicatorCategories[l] {
			return true
		}
	}
	return false
}

// sighting is one image holding an indicator.
type sighting struct {
	m      *Member
	f      *Finding
	layer  int
	diffID string
}

// shared groups the members' implant findings by what they are (a file's sha256, a
// finding's rule and evidence, an address) and keeps those seen in more than one image.
func shared(members []Member) []Indicator {
	type group struct {
		kind, value string
		seen        []sighting
	}
	groups := map[string]*group{}
	var keys []string
	add := func(kind, value string, s sighting) {
		k := kind + "\x00" + value
		g := groups[k]
		if g == nil {
			g = &group{kind: kind, value: value}
			groups[k] = g
			keys = append(keys, k)
		}
		g.seen = append(g.seen, s)
	}
	for i := range members {
		m := &members[i]
		if !scannedOK(m) {
			continue
		}
		for j := range m.Findings {
			f := &m.Findings[j]
			if !implant(f) {
				continue
			}
			s := sighting{m: m, f: f, layer: f.Layer}
			if f.Layer >= 0 && f.Layer < len(m.Chain) {
				s.diffID = m.Chain[f.Layer]
			}
			switch {
			case f.SHA256 != "":
				add(IndicatorFile, "sha256:"+f.SHA256, s)
			default:
				add(IndicatorFinding, f.Rule+" "+f.Path+" "+f.Evidence, s)
			}
			// The network indicators the analyzers found in the flagged file (a port alone
			// says too little to tie images together).
			for _, ind := range f.Indicators {
				if ind.Kind != audit.IndicatorPort {
					add(string(ind.Kind), ind.Value, s)
				}
			}
		}
	}
	out := []Indicator{}
	for _, k := range keys {
		g := groups[k]
		var images []string
		for _, s := range g.seen {
			if !slices.Contains(images, s.m.Name) {
				images = append(images, s.m.Name)
			}
		}
		if len(images) < 2 {
			continue
		}
		sort.Strings(images)
		first := introducer(g.seen)
		worst := g.seen[0].f
		var paths []string
		for _, s := range g.seen {
			if s.f.Severity > worst.Severity {
				worst = s.f
			}
			if s.f.Path != "" && !slices.Contains(paths, s.f.Path) {
				paths = append(paths, s.f.Path)
			}
		}
		sort.Strings(paths)
		value := g.value
		if g.kind == IndicatorFinding {
			value = worst.Rule
		}
		ind := Indicator{Kind: g.kind, Value: value, Rule: worst.Rule, Category: worst.Category, Severity: worst.Severity,
			Title: worst.Title, Paths: nonNil(paths), Images: images, IntroducedBy: first.m.Name, Layer: first.layer,
			DiffID: first.diffID}
		inherited := map[string]bool{}
		for _, s := range g.seen {
			if s.m != first.m && first.diffID != "" && s.layer == first.layer && s.diffID == first.diffID {
				inherited[s.m.Name] = true
			}
		}
		ind.Inherited = len(inherited)
		out = append(out, ind)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if len(a.Images) != len(b.Images) {
			return len(a.Images) > len(b.Images)
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Value < b.Value
	})
	return out
}

// introducer is the sighting in the lowest layer (a finding about the config counts as above
// every layer); among those, the image with the shortest chain (the base the others are
// built on), then the oldest, then by name.
func introducer(seen []sighting) sighting {
	pos := func(s sighting) int {
		if s.layer < 0 {
			return 1 << 30
		}
		return s.layer
	}
	best := seen[0]
	for _, s := range seen[1:] {
		switch {
		case pos(s) != pos(best):
			if pos(s) < pos(best) {
				best = s
			}
		case len(s.m.Chain) != len(best.m.Chain):
			if len(s.m.Chain) < len(best.m.Chain) {
				best = s
			}
		case !s.m.Created.Equal(best.m.Created):
			if !s.m.Created.IsZero() && (best.m.Created.IsZero() || s.m.Created.Before(best.m.Created)) {
				best = s
			}
		case s.m.Name < best.m.Name:
			best = s
		}
	}
	return best
}

// AtLeast reports whether any image of the fleet has a finding at or above s.
func (f *Fleet) AtLeast(s audit.Severity) bool {
	for _, r := range f.Images {
		for sev := s; sev <= audit.Critical; sev++ {
			if r.Summary[sev] > 0 {
				return true
			}
		}
	}
	return false
}

// Unscanned counts the images the audit could not vouch for: failed, interrupted or not
// reached.
func (f *Fleet) Unscanned() int {
	n := 0
	for _, r := range f.Images {
		if r.Status != StatusScanned && r.Status != StatusResumed {
			n++
		}
	}
	return n
}
