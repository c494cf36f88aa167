package history

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// EvidenceFile is one evidence file of the chain of custody, every reading of it folded into
// one row: a file read twenty times for twenty cases is one file.
type EvidenceFile struct {
	Path         string `json:"path"`
	Format       string `json:"format"`
	Selector     string `json:"selector,omitempty"`
	ConfigDigest string `json:"config_digest"`
	// Original marks the known-good image of a comparison.
	Original  bool      `json:"original"`
	FirstRead time.Time `json:"first_read"`
	LastRead  time.Time `json:"last_read"`
	Reads     int       `json:"reads"`
	// SHA256 lists every distinct hash the file had when read, first seen first: more than
	// one means the file at that path changed between readings.
	SHA256       []string       `json:"sha256"`
	Size         int64          `json:"size"`
	Commands     []CommandReads `json:"commands"`
	ReadBy       []string       `json:"read_by"` // user@host
	ToolVersions []string       `json:"strata_versions"`
}

// CommandReads counts the readings of an evidence file one strata command made.
type CommandReads struct {
	Command string `json:"command"`
	Reads   int    `json:"reads"`
}

// Summary is the opening of a report: what was implanted, where, when, how Strata knows, and
// where else the same indicators were seen. Every part is also in the evidence sections; this
// is the story they tell.
type Summary struct {
	Headline string           `json:"headline"`
	Implants []SummaryImplant `json:"implants"`
	// Contradictions are the Dockerfile lines whose layers hold what the instruction cannot
	// explain, and the config values no build step set, the implants' own first.
	Contradictions []Contradiction `json:"dockerfile_contradictions"`
	When           []string        `json:"when"`
	HowKnown       []string        `json:"how_strata_knows"`
	Elsewhere      []Elsewhere     `json:"seen_elsewhere"`
}

// SummaryImplant is one implant in one line: what it is, what it does, its ATT&CK techniques,
// and where it came from.
type SummaryImplant struct {
	Path       string         `json:"path"`
	What       string         `json:"what"`
	Severity   audit.Severity `json:"severity"`
	Techniques []Technique    `json:"techniques"`
	Layer      int            `json:"layer"`
	DiffID     string         `json:"diff_id"`
	History    int            `json:"history"`
	// Step is the Dockerfile line of the build step that made the layer; CreatedBy the history
	// line as recorded, which is what hides the implant; Unverified what the layer contradicts
	// in that line, "" when nothing was found to.
	Step         string    `json:"step"`
	CreatedBy    string    `json:"created_by"`
	Unverified   string    `json:"unverified,omitempty"`
	LayerCreated time.Time `json:"layer_created,omitzero"`
	MTime        time.Time `json:"mtime,omitzero"`
	SHA256       string    `json:"sha256"`
}

// Technique is an ATT&CK technique with its name and page.
type Technique struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Contradiction is one Dockerfile line the evidence contradicts.
type Contradiction struct {
	Line    string `json:"line"`
	Layer   int    `json:"layer"`
	History int    `json:"history"`
	Reason  string `json:"reason"`
	// Implant marks a line whose layer brought an implant; Config a value of the config that
	// no build step set.
	Implant bool `json:"implant"`
	Config  bool `json:"config"`
}

// Elsewhere is one indicator seen in other stored images.
type Elsewhere struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Images int    `json:"image_count"`
	// Examples name up to three of those images, first seen first.
	Examples     []string `json:"examples"`
	IntroducedBy string   `json:"introduced_by"`
}

// finish completes a report once its scan and diff are in: what the findings say about each
// implant, the Dockerfile, the indicators ranked by specificity and their sightings, custody
// folded per evidence file, the report's own tags and timeline, and the summary.
func (s *Store) finish(ctx context.Context, r *Report, opts ReportOptions) (*Report, error) {
	r.keepSuspectImplants()
	r.describeImplants()
	d, err := s.reportDockerfile(ctx, r)
	if err != nil {
		return nil, err
	}
	r.Dockerfile = d
	if err := s.indicators(ctx, r); err != nil {
		return nil, err
	}
	r.ownTags()
	r.Custody.Evidence = groupEvidence(r.Custody.Inputs, r.Original)
	versions := map[string]bool{}
	for _, in := range r.Custody.Inputs {
		if !versions[in.ToolVersion] {
			versions[in.ToolVersion] = true
			r.Custody.ToolVersions = append(r.Custody.ToolVersions, in.ToolVersion)
		}
	}
	r.timeline()
	r.Summary = r.summarize()
	r.FullLog = r.fullLog()
	if r.Custody.Inputs == nil {
		r.Custody.Inputs = []Input{}
	}
	if r.Custody.Evidence == nil {
		r.Custody.Evidence = []EvidenceFile{}
	}
	if r.Custody.ToolVersions == nil {
		r.Custody.ToolVersions = []string{}
	}
	if r.Tags == nil {
		r.Tags = []TagSighting{}
	}
	return r, nil
}

// keepSuspectImplants leaves out of a comparison's implant what the scan found in a layer the
// original holds as well: the known-good image has it too, so it is no change the suspect
// brought (its findings stay in the findings).
func (r *Report) keepSuspectImplants() {
	if r.Original == nil || r.Diff == nil {
		return
	}
	orig := map[string]bool{}
	for _, d := range r.Original.Chain {
		orig[d] = true
	}
	changed := map[string]bool{}
	for _, c := range r.Diff.Changes {
		changed[c.Path] = true
	}
	kept := r.Implant[:0]
	for _, it := range r.Implant {
		if it.Change == "found" && orig[it.DiffID] && !changed[it.Path] {
			continue
		}
		kept = append(kept, it)
	}
	r.Implant = kept
}

// inOriginal reports a finding of a comparison's suspect about a file in a layer the original
// holds as well, which the suspect did not change: the known-good image has it too, so what
// it holds (a crypto library's OIDs read as addresses, a base image's URLs) is no indicator
// of what the suspect brought. Without an original every finding counts.
func (r *Report) inOriginal(f ReportFinding) bool {
	if r.Original == nil || r.Diff == nil || f.Layer < 0 || f.Layer >= len(r.Layers) {
		return false
	}
	if !slices.Contains(r.Original.Chain, r.Layers[f.Layer].DiffID) {
		return false
	}
	for _, c := range r.Diff.Changes {
		if c.Path == f.Path {
			return false
		}
	}
	return true
}

// findingsOn returns the findings about the file of an implant item.
func (r *Report) findingsOn(it *ImplantItem) []ReportFinding {
	var out []ReportFinding
	for _, f := range r.Findings {
		if f.Path == it.Path && (f.Layer == it.Layer || f.Layer < 0 || it.Layer < 0) {
			out = append(out, f)
		}
	}
	return out
}

// describeImplants says what each implant does from the findings on its file (severity,
// categories, techniques, the phrase), and orders them most severe first.
func (r *Report) describeImplants() {
	for i := range r.Implant {
		it := &r.Implant[i]
		it.Categories, it.Techniques = []audit.Category{}, []string{}
		var inds []audit.Indicator
		top := ""
		for _, f := range r.findingsOn(it) {
			if f.Severity > it.Severity || top == "" {
				it.Severity, top = max(it.Severity, f.Severity), f.Title
			}
			for _, c := range append([]audit.Category{f.Category}, f.Labels...) {
				if !slices.Contains(it.Categories, c) {
					it.Categories = append(it.Categories, c)
				}
			}
			for _, t := range f.Techniques {
				if !slices.Contains(it.Techniques, t) {
					it.Techniques = append(it.Techniques, t)
				}
			}
			inds = append(inds, f.Indicators...)
			if !contains(it.Rules, f.Rule) {
				it.Rules = append(it.Rules, f.Rule)
			}
		}
		if it.Rules == nil {
			it.Rules = []string{}
		}
		if it.Severity == audit.Info && it.Score >= forensics.SuspiciousScore {
			it.Severity = audit.High // a suspicious change no rule named
		}
		it.What = whatItDoes(it, inds, top)
	}
	r.linkImplants()
	sort.SliceStable(r.Implant, func(i, j int) bool {
		a, b := r.Implant[i], r.Implant[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		return a.Score > b.Score
	})
}

// categoryPhrases say what a file of a category does, most telling first.
var categoryPhrases = []struct {
	c      audit.Category
	phrase string
}{
	{audit.CategoryReverseShell, "opens a reverse shell"},
	{audit.CategoryWebshell, "runs what a web request tells it (web shell)"},
	{audit.CategoryLDPreload, "is loaded into every process (LD_PRELOAD)"},
	{audit.CategoryEscape, "breaks out of its container to the host"},
	{audit.CategoryCredentialTheft, "collects credentials and sends them away"},
	{audit.CategoryMiner, "mines cryptocurrency"},
	{audit.CategoryPersistence, "runs again by itself"},
	{audit.CategorySSHKey, "lets whoever holds a key log in over SSH"},
	{audit.CategoryMalware, "fetches or decodes code and runs it"},
	{audit.CategoryPackageIntegrity, "replaces a file its package installed"},
	{audit.CategorySecret, "holds a secret"},
	{audit.CategorySUID, "runs with raised privileges (setuid)"},
	{audit.CategoryRootUser, "gives root access"},
	{audit.CategoryNonPackaged, "sits in a system path though no package installed it"},
	{audit.CategoryHiddenFile, "was hidden by a later layer"},
	{audit.CategoryTamper, "was tampered with"},
	{audit.CategoryExposedPort, "exposes a remote-administration port"},
	{audit.CategoryMisconfig, "weakens the image's configuration"},
	{audit.CategoryVulnerability, "is vulnerable"},
}

// weakPhrase marks the categories whose phrase says less than the finding's title.
var weakPhrase = map[audit.Category]bool{audit.CategoryMisconfig: true, audit.CategoryRootUser: true, audit.CategoryExposedPort: true,
	audit.CategoryVulnerability: true, audit.CategoryTamper: true, audit.CategoryHiddenFile: true, audit.CategorySecret: true}

// linkImplants says which other implants an implant's added content names: a cron job or an
// ld.so.preload starts them ("runs /usr/local/bin/.sync, another implant"), anything else
// refers to them. A medium-severity cron line that starts a reverse shell then reads as what
// it is.
func (r *Report) linkImplants() {
	for i := range r.Implant {
		it := &r.Implant[i]
		added := addedLines(it.ContentDiff)
		if added == "" {
			continue
		}
		var named []string
		for j, other := range r.Implant {
			if j != i && other.Path != it.Path && namesPath(added, other.Path) && !slices.Contains(named, other.Path) {
				named = append(named, other.Path)
			}
		}
		if len(named) == 0 {
			continue
		}
		verb := "refers to"
		if _, ok := audit.PlaceOf(it.Path); ok {
			verb = "runs"
		}
		another := "another implant"
		if len(named) > 1 {
			another = "other implants"
		}
		it.What += fmt.Sprintf("; %s %s, %s", verb, listShort(named, 3), another)
	}
}

// namesPath reports whether text holds p as a whole path: not the start of a longer one.
func namesPath(text, p string) bool {
	for rest := text; ; {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		end := i + len(p)
		if end == len(rest) || !isPathByte(rest[end]) {
			if i == 0 || !isPathByte(rest[i-1]) {
				return true
			}
		}
		rest = rest[i+1:]
	}
}

func isPathByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/._-+~", c) >= 0
}

// whatItDoes puts an implant's findings into words: "opens a reverse shell and is loaded into
// every process (LD_PRELOAD); contacts 203.0.113.45:4444". A change no finding describes says
// what the diff saw.
func whatItDoes(it *ImplantItem, inds []audit.Indicator, top string) string {
	var parts []string
	for _, cp := range categoryPhrases {
		if !slices.Contains(it.Categories, cp.c) || len(parts) == 3 {
			continue
		}
		if weakPhrase[cp.c] && top != "" {
			continue // the finding's own title says more
		}
		p := cp.phrase
		if cp.c == audit.CategoryPersistence {
			if pl, ok := audit.PlaceOf(it.Path); ok {
				p += " from " + pl.Name
			}
		}
		parts = append(parts, p)
	}
	what := strings.Join(parts, " and ")
	if what == "" {
		what = oneLine(top, 120)
	}
	if what == "" {
		what = it.Why
		if i := strings.Index(what, ";"); i > 0 {
			what = what[:i]
		}
	}
	if what == "" {
		what = it.Change
	}
	var hosts []string
	var port string
	for _, i := range inds {
		switch i.Kind {
		case "ip", "domain", "onion":
			if !slices.Contains(hosts, i.Value) && len(hosts) < 3 {
				hosts = append(hosts, i.Value)
			}
		case "port":
			if port == "" {
				port = i.Value
			}
		}
	}
	if len(hosts) > 0 {
		h := strings.Join(hosts, ", ")
		if len(hosts) == 1 && port != "" {
			h += ":" + port
		}
		what += "; contacts " + h
	}
	return what
}

// Indicator kinds, most specific first: a hash names one file, an address or domain one
// adversary, a rule one technique, a path only a place.
var kindRank = map[string]int{"sha256": 0, "ip": 1, "domain": 2, "onion": 2, "url": 3, "pool": 3, "wallet": 3, "rule": 4, "path": 5, "port": 6}

func rankOf(kind string) int {
	if r, ok := kindRank[kind]; ok {
		return r
	}
	return 7
}

var (
	ipPattern     = regexp.MustCompile(`\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\b`)
	domainPattern = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,24})\b`)
	// Domain-shaped words that are file names, not hosts.
	notDomain = regexp.MustCompile(`(?i)\.(so|sh|py|pyc|js|php|jsp|txt|conf|ini|json|yaml|yml|xml|html?|log|c|h|go|d|service|timer|socket|list|gpg|crt|pem|key|tar|gz|zip|deb|rpm|lock|bin|cache|sources|preload|d)$`)
)

// emptySHA256 is the hash of no bytes: every image holds empty files.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// standardFiles are files every Linux image of a distribution holds: their path says nothing
// about an implant (their content hash does).
var standardFiles = map[string]bool{
	"/etc/passwd": true, "/etc/shadow": true, "/etc/group": true, "/etc/gshadow": true, "/etc/hosts": true,
	"/etc/hostname": true, "/etc/resolv.conf": true, "/etc/nsswitch.conf": true, "/etc/sudoers": true,
	"/etc/crontab": true, "/etc/profile": true, "/etc/bash.bashrc": true, "/etc/environment": true,
	"/etc/ld.so.cache": true, "/etc/ld.so.conf": true, "/etc/login.defs": true, "/etc/shells": true,
	"/etc/os-release": true, "/usr/lib/os-release": true, "/etc/issue": true, "/etc/motd": true,
	"/etc/ssh/sshd_config": true, "/etc/ssh/ssh_config": true, "/etc/securetty": true, "/etc/inittab": true,
	"/root/.bashrc": true, "/root/.profile": true, "/etc/skel/.bashrc": true, "/etc/skel/.profile": true,
	"/etc/apt/sources.list": true, "/etc/fstab": true, "/etc/rc.local": true,
}

// genericPath says why an implant's path is no indicator ("" when it is one): a path the
// original image holds too, a file a package installed, or a standard system file is in every
// image like it, whatever it holds.
func (r *Report) genericPath(it *ImplantItem) string {
	switch {
	case it.Change == "modified" || it.Change == "removed":
		return "the original image holds this path too: the path of a standard file (its content hash is the indicator)"
	case standardFiles[path.Clean(it.Path)] || strings.HasPrefix(it.Path, "/etc/pam.d/") ||
		strings.HasPrefix(it.Path, "/etc/ssh/ssh_host_"):
		return "a standard system file: every image of its distribution holds this path"
	}
	for _, f := range r.findingsOn(it) {
		if f.Category == audit.CategoryPackageIntegrity {
			return "a file a package installed: every image with the package holds this path"
		}
	}
	return ""
}

// indicators collects what to look for elsewhere, most specific first, traces each one through
// the store, and keeps as sightings the hits of the specific ones in other images. An
// indicator every other stored image holds (at least three of them) is generic: not a sighting.
func (s *Store) indicators(ctx context.Context, r *Report) error {
	seen := map[string]bool{}
	add := func(kind, value, context string) {
		if value == "" || seen[kind+"\x00"+value] {
			return
		}
		seen[kind+"\x00"+value] = true
		r.Indicators = append(r.Indicators, Indicator{Kind: kind, Value: value, Context: context})
	}
	generic := func(kind, value, context, why string) {
		if value == "" || seen[kind+"\x00"+value] {
			return
		}
		seen[kind+"\x00"+value] = true
		r.Generic = append(r.Generic, Indicator{Kind: kind, Value: value, Context: context, Why: why})
	}
	texts := func(text, context string) {
		for _, ip := range ipPattern.FindAllString(text, -1) {
			add("ip", ip, context)
		}
		for _, d := range domainPattern.FindAllString(text, -1) {
			if !notDomain.MatchString(d) && !ipPattern.MatchString(d) {
				add("domain", strings.ToLower(d), context)
			}
		}
	}
	for i := range r.Implant {
		it := &r.Implant[i]
		if it.SHA256 == emptySHA256 {
			generic("sha256", it.SHA256, it.Path, "the hash of an empty file, which every image holds")
		} else {
			add("sha256", it.SHA256, it.Path)
		}
		if why := r.genericPath(it); why != "" {
			generic("path", it.Path, fmt.Sprintf("layer %d", it.Layer), why)
		} else {
			add("path", it.Path, fmt.Sprintf("layer %d", it.Layer))
		}
		texts(addedLines(it.ContentDiff), it.Path)
	}
	for _, f := range r.Findings {
		if f.Severity >= audit.Medium && !r.inOriginal(f) {
			texts(f.Evidence, f.Rule+" "+f.Path)
			for _, i := range f.Indicators {
				add(string(i.Kind), i.Value, f.Rule+" "+f.Path)
			}
		}
	}
	if r.Diff != nil {
		for _, c := range r.Diff.Config {
			texts(c.Suspect, "config "+c.Field)
		}
	}
	for _, f := range r.Findings {
		if f.Severity >= audit.High && f.Vulnerability() == "" && !r.inOriginal(f) {
			add("rule", f.Rule, f.Title)
		}
	}
	if r.Generic == nil {
		r.Generic = []Indicator{}
	}
	sort.SliceStable(r.Indicators, func(i, j int) bool { return rankOf(r.Indicators[i].Kind) < rankOf(r.Indicators[j].Kind) })

	others := r.images - 1
	if r.Original != nil {
		others--
	}
	kept := r.Indicators[:0]
	for _, ind := range r.Indicators {
		var q TraceQuery
		switch ind.Kind {
		case "sha256":
			q.SHA256 = ind.Value
		case "ip":
			q.IP = ind.Value
		case "domain", "onion":
			q.Domain = ind.Value
		case "rule":
			q.Rule = ind.Value
		case "path":
			if strings.ContainsAny(ind.Value, "*?[") {
				kept = append(kept, ind) // a name that would match others as a pattern: not traced
				continue
			}
			q.Path = ind.Value
		default:
			kept = append(kept, ind) // URLs, ports, pools and wallets are found through their hosts
			continue
		}
		hits, err := s.Trace(ctx, q)
		if err != nil {
			return err
		}
		images := map[int64]bool{r.Image.ID: true}
		var elsewhere []Hit
		elsewhereImages := map[int64]bool{}
		for _, h := range hits {
			images[h.Image.ID] = true
			if h.Image.ID == r.Image.ID || r.Original != nil && h.Image.ID == r.Original.ID && (ind.Kind == "path" || ind.Kind == "sha256") {
				continue
			}
			elsewhereImages[h.Image.ID] = true
			elsewhere = append(elsewhere, h)
		}
		ind.Images, ind.Elsewhere = len(images), len(elsewhereImages)
		if others >= 3 && ind.Elsewhere >= others {
			ind.Why = fmt.Sprintf("every other stored image holds it (%d of %d)", ind.Elsewhere, others)
			r.Generic = append(r.Generic, ind)
			continue
		}
		kept = append(kept, ind)
		r.Sightings = append(r.Sightings, elsewhere...)
	}
	r.Indicators = kept
	return nil
}

// Vulnerability is the id of a vulnerability finding ("" for others): its rule is the
// advisory's id, which says nothing traceable beyond the package.
func (f ReportFinding) Vulnerability() string {
	if f.Category == audit.CategoryVulnerability {
		return f.Rule
	}
	return ""
}

// ownTags keeps the tag sightings of the report's own images.
func (r *Report) ownTags() {
	own := map[string]bool{r.Image.ConfigDigest: true}
	if r.Original != nil {
		own[r.Original.ConfigDigest] = true
	}
	var kept []TagSighting
	for _, t := range r.Tags {
		if own[t.ConfigDigest] {
			kept = append(kept, t)
		} else {
			r.TagsOmitted++
		}
	}
	r.Tags = kept
}

// groupEvidence folds the readings of the evidence into one row per file (path and image
// selector, and the image it held), first read first.
func groupEvidence(inputs []Input, original *Image) []EvidenceFile {
	var out []EvidenceFile
	at := map[string]int{}
	for _, in := range inputs {
		key := in.Path + "\x00" + in.Selector + "\x00" + in.ConfigDigest
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, EvidenceFile{Path: in.Path, Format: in.Format, Selector: in.Selector, ConfigDigest: in.ConfigDigest,
				Original: original != nil && in.ConfigDigest == original.ConfigDigest, FirstRead: in.ReadAt,
				SHA256: []string{}, Commands: []CommandReads{}, ReadBy: []string{}, ToolVersions: []string{}})
		}
		e := &out[i]
		e.Reads++
		if in.ReadAt.Before(e.FirstRead) {
			e.FirstRead = in.ReadAt
		}
		if in.ReadAt.After(e.LastRead) {
			e.LastRead = in.ReadAt
		}
		e.Size = in.Size
		if !slices.Contains(e.SHA256, in.SHA256) {
			e.SHA256 = append(e.SHA256, in.SHA256)
		}
		found := false
		for j := range e.Commands {
			if e.Commands[j].Command == in.Command {
				e.Commands[j].Reads++
				found = true
			}
		}
		if !found {
			e.Commands = append(e.Commands, CommandReads{Command: in.Command, Reads: 1})
		}
		if who := in.Who + "@" + in.Host; !slices.Contains(e.ReadBy, who) {
			e.ReadBy = append(e.ReadBy, who)
		}
		if !slices.Contains(e.ToolVersions, in.ToolVersion) {
			e.ToolVersions = append(e.ToolVersions, in.ToolVersion)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FirstRead.Before(out[j].FirstRead) })
	return out
}

// timeline lists the report's images' own events: when the config and history say they were
// built, when the implants' files are dated, when each evidence file was first (and last)
// read, each tag first seen on them, and the scan and diff. Repeated reads and tag sightings
// are folded.
func (r *Report) timeline() {
	ev := func(at time.Time, kind, what string) {
		if !at.IsZero() {
			r.Timeline = append(r.Timeline, Event{At: at.UTC(), Kind: kind, What: what})
		}
	}
	ev(r.Image.Created, "built", "the image's config says it was created")
	if r.Original != nil {
		ev(r.Original.Created, "built", "the original's config says it was created")
	}
	for _, l := range r.Layers {
		ev(l.Created, "layer", fmt.Sprintf("layer %d made: %s", l.Position, oneLine(l.CreatedBy, 100)))
	}
	for _, it := range r.Implant {
		ev(it.MTime, "file", fmt.Sprintf("%s last modified (layer %d)", it.Path, it.Layer))
	}
	for _, e := range r.Custody.Evidence {
		ev(e.FirstRead, "read", fmt.Sprintf("%s first read (%s, sha256 %s)", e.Path, e.Commands[0].Command, shortHex(e.SHA256[0])))
		if e.Reads > 1 {
			ev(e.LastRead, "read", fmt.Sprintf("%s last read: %d readings in all", e.Path, e.Reads))
			r.TimelineFolded += e.Reads - 2
		}
	}
	firstSeen := map[string]bool{}
	for _, t := range r.Tags {
		key := t.Tag + "\x00" + t.ConfigDigest
		switch {
		case t.Moved:
			ev(t.SeenAt, "tag", fmt.Sprintf("%s moved to %s", t.Tag, shortID(t.ConfigDigest)))
		case !firstSeen[key]:
			ev(t.SeenAt, "tag", fmt.Sprintf("%s first seen on %s", t.Tag, shortID(t.ConfigDigest)))
		default:
			r.TimelineFolded++
		}
		firstSeen[key] = true
	}
	if r.Scan != nil {
		ev(r.Scan.Started, "scan", fmt.Sprintf("scan %d: %s", r.Scan.ID, r.Scan.Verdict))
	}
	if r.Diff != nil {
		ev(r.Diff.Recorded, "diff", fmt.Sprintf("diff %d recorded", r.Diff.ID))
	}
	sort.SliceStable(r.Timeline, func(i, j int) bool { return r.Timeline[i].At.Before(r.Timeline[j].At) })
}

// LogPointer is a command that shows what a report folds or leaves out.
type LogPointer struct {
	Command string `json:"command"`
	Shows   string `json:"shows"`
}

// fullLog names the commands that show what the report folds or leaves out.
func (r *Report) fullLog() []LogPointer {
	out := []LogPointer{{"strata history --image " + shortID(r.Image.ConfigDigest), "every scan of the image"}}
	tags := map[string]bool{}
	for _, t := range r.Tags {
		if !tags[t.Tag] {
			tags[t.Tag] = true
			out = append(out, LogPointer{"strata tags " + t.Tag, "every image the tag named, and when"})
		}
	}
	for _, ind := range r.Indicators {
		if len(out) >= 8 {
			break
		}
		switch ind.Kind {
		case "sha256", "ip", "domain", "rule", "path":
			out = append(out, LogPointer{fmt.Sprintf("strata trace --%s %s", ind.Kind, ind.Value), "every image that holds it"})
		}
	}
	return out
}

// summarize tells the report's story in a few lines.
func (r *Report) summarize() *Summary {
	sm := &Summary{Implants: []SummaryImplant{}, Contradictions: []Contradiction{}, When: []string{}, HowKnown: []string{}, Elsewhere: []Elsewhere{}}
	steps := map[int]forensics.Instruction{} // layer -> the line that made it
	if r.Dockerfile != nil {
		for _, in := range r.Dockerfile.Instructions {
			if in.Layer >= 0 && in.History >= 0 {
				if _, ok := steps[in.Layer]; !ok {
					steps[in.Layer] = in
				}
			}
		}
	}
	implantLayers := map[int]bool{}
	for _, it := range r.Implant {
		si := SummaryImplant{Path: it.Path, What: it.What, Severity: it.Severity, Techniques: []Technique{}, Layer: it.Layer,
			DiffID: it.DiffID, History: it.History, CreatedBy: it.CreatedBy, MTime: it.MTime, SHA256: it.SHA256}
		for _, t := range it.Techniques {
			si.Techniques = append(si.Techniques, Technique{ID: t, Name: audit.TechniqueName(t), URL: audit.TechniqueURL(t)})
		}
		if in, ok := steps[it.Layer]; ok {
			si.Step, si.Unverified = strings.TrimSpace(in.Keyword+" "+in.Args), in.Unverified
		}
		if it.Layer >= 0 && it.Layer < len(r.Layers) {
			si.LayerCreated = r.Layers[it.Layer].Created
			if si.CreatedBy == "" {
				si.CreatedBy = r.Layers[it.Layer].CreatedBy
			}
		}
		implantLayers[it.Layer] = true
		sm.Implants = append(sm.Implants, si)
	}
	if r.Dockerfile != nil {
		for _, in := range r.Dockerfile.Instructions {
			if in.Unverified == "" {
				continue
			}
			c := Contradiction{Line: oneLine(strings.TrimSpace(in.Keyword+" "+in.Args), 160), Layer: in.Layer, History: in.History,
				Reason: in.Unverified, Implant: in.Layer >= 0 && implantLayers[in.Layer], Config: in.History < 0 && in.Layer < 0}
			sm.Contradictions = append(sm.Contradictions, c)
		}
		sort.SliceStable(sm.Contradictions, func(i, j int) bool {
			a, b := sm.Contradictions[i], sm.Contradictions[j]
			return a.Implant && !b.Implant || a.Implant == b.Implant && a.Config && !b.Config
		})
	}
	sm.Headline = r.headline(sm)
	sm.When = r.when(sm)
	sm.HowKnown = r.howKnown(sm)
	for _, ind := range r.Indicators {
		if ind.Elsewhere == 0 {
			continue
		}
		e := Elsewhere{Kind: ind.Kind, Value: ind.Value, Images: ind.Elsewhere, Examples: []string{}}
		names := map[string]bool{}
		for _, h := range r.Sightings {
			if h.Indicator != ind.Kind+":"+ind.Value && !(ind.Kind == "onion" && h.Indicator == "domain:"+ind.Value) {
				continue
			}
			if n := imageName(h.Image); !names[n] && len(e.Examples) < 3 {
				names[n] = true
				e.Examples = append(e.Examples, n)
			}
			if e.IntroducedBy == "" && h.IntroducedBy != nil {
				e.IntroducedBy = imageName(h.IntroducedBy)
			}
		}
		sm.Elsewhere = append(sm.Elsewhere, e)
	}
	return sm
}

// headline says in one sentence what the report found.
func (r *Report) headline(sm *Summary) string {
	name := imageName(r.Image)
	if len(sm.Implants) == 0 {
		switch {
		case r.Scan != nil && r.Scan.Verdict == "clean":
			return name + " holds no implant: its scan found nothing above low severity."
		case r.Scan == nil && r.Diff == nil:
			return name + ": no scan or comparison is recorded."
		}
		return name + " holds no file the scan or comparison calls an implant; see the findings below."
	}
	layers := map[int]bool{}
	var order []int
	for _, im := range sm.Implants {
		if !layers[im.Layer] {
			layers[im.Layer] = true
			order = append(order, im.Layer)
		}
	}
	s := fmt.Sprintf("%s holds %d %s", name, len(sm.Implants), plural(len(sm.Implants), "implant", "implants"))
	if len(order) == 1 && order[0] >= 0 {
		s += fmt.Sprintf(", brought by layer %d", order[0])
		if step := sm.Implants[0].Step; step != "" {
			s += fmt.Sprintf(", whose build step reads %q", oneLine(step, 80))
		}
	} else if len(order) > 1 {
		var ls []string
		for _, l := range order {
			ls = append(ls, fmt.Sprint(l))
		}
		s += ", brought by layers " + strings.Join(ls, ", ")
	}
	var env []string
	for _, c := range sm.Contradictions {
		if c.Config {
			k := strings.TrimPrefix(c.Line, "ENV ")
			if i := strings.IndexByte(k, '='); i > 0 {
				k = k[:i]
			}
			env = append(env, k)
		}
	}
	if len(env) > 0 {
		s += "; the config sets " + strings.Join(env, ", ") + ", which no build step did"
	}
	return s + "."
}

// when dates the implants as the evidence dates them, and says how far those dates go.
func (r *Report) when(sm *Summary) []string {
	var out []string
	layers := map[int]bool{}
	for _, im := range sm.Implants {
		if im.Layer < 0 || layers[im.Layer] {
			continue
		}
		layers[im.Layer] = true
		if !im.LayerCreated.IsZero() {
			out = append(out, fmt.Sprintf("Layer %d was made %s, as its history line says.", im.Layer, fmtWhen(im.LayerCreated)))
		}
	}
	dated := map[string][]string{}
	var dates []string
	for _, im := range sm.Implants {
		if im.MTime.IsZero() {
			continue
		}
		d := fmtWhen(im.MTime)
		if _, ok := dated[d]; !ok {
			dates = append(dates, d)
		}
		dated[d] = append(dated[d], im.Path)
	}
	for _, d := range dates {
		ps := dated[d]
		verb := "is"
		if len(ps) > 1 {
			verb = "are"
		}
		out = append(out, fmt.Sprintf("%s %s dated %s.", listShort(ps, 3), verb, d))
	}
	if !r.Image.Created.IsZero() {
		out = append(out, fmt.Sprintf("The image's config says it was created %s.", fmtWhen(r.Image.Created)))
	}
	if r.Diff != nil {
		for _, a := range r.Diff.Anomalies {
			switch a.Kind {
			case forensics.AnomalyMTimeKept, forensics.AnomalyMTimeAfterCreated, forensics.AnomalyLayerOlderThanFiles:
				out = append(out, "Timestamps disagree: "+a.Detail+".")
			}
		}
	}
	for _, f := range r.Findings {
		if r.Diff == nil && f.Category == audit.CategoryTimestomp && f.Severity >= audit.Medium {
			out = append(out, fmt.Sprintf("Timestamps disagree: %s is %s (%s).", f.Path, f.Title, f.Evidence))
		}
	}
	first := time.Time{}
	for _, e := range r.Custody.Evidence {
		if !e.Original && (first.IsZero() || e.FirstRead.Before(first)) {
			first = e.FirstRead
		}
	}
	caveat := "History and file times are written by whoever built the image and can be set to anything (timestomping): they date nothing on their own."
	if !first.IsZero() {
		caveat += fmt.Sprintf(" The one time Strata vouches for is when it first read the evidence: %s (chain of custody).", fmtWhen(first))
	}
	return append(out, caveat)
}

// howKnown says what evidence the conclusions rest on: the rules that fired, the comparison,
// the integrity anomalies and the Dockerfile's contradictions.
func (r *Report) howKnown(sm *Summary) []string {
	var out []string
	if r.Scan != nil {
		bySev := map[audit.Severity][]string{}
		for _, f := range r.Findings {
			if f.Severity >= audit.Medium && !slices.Contains(bySev[f.Severity], f.Rule) {
				bySev[f.Severity] = append(bySev[f.Severity], f.Rule)
			}
		}
		var parts []string
		for s := audit.Critical; s >= audit.Medium; s-- {
			if n := r.Scan.Summary[s]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s (%s)", n, s, listShort(bySev[s], 4)))
			}
		}
		if len(parts) > 0 {
			s := fmt.Sprintf("Rules: scan %d found %s", r.Scan.ID, strings.Join(parts, ", "))
			var own []string
			for _, it := range r.Implant {
				for _, rule := range it.Rules {
					if !slices.Contains(own, rule) {
						own = append(own, rule)
					}
				}
			}
			if len(own) > 0 {
				s += "; on the implants: " + listShort(own, 6)
			}
			out = append(out, s+".")
		} else {
			out = append(out, fmt.Sprintf("Rules: scan %d found nothing above low severity.", r.Scan.ID))
		}
	}
	if d := r.Diff; d != nil {
		sm := d.Summary
		s := fmt.Sprintf("Comparison with the original %s: %d %s replaced and %d added; %d files added, %d modified, %d removed, %d hidden; %d config changes",
			imageName(r.Original), sm.LayersReplaced, plural(sm.LayersReplaced, "layer", "layers"), sm.LayersAdded, sm.Added, sm.Modified, sm.Removed, sm.Hidden, sm.Config)
		var cfg []string
		for _, c := range d.Config {
			if c.Score >= forensics.SuspiciousScore {
				cfg = append(cfg, c.Field+" "+c.Change)
			}
		}
		switch {
		case len(cfg) > 0 && len(cfg) == len(d.Config):
			s += " (" + listShort(cfg, 3) + ")"
		case len(cfg) > 0:
			// Only the suspicious ones are named: say so, or the list reads as all of them.
			s += " (suspicious: " + listShort(cfg, 3) + ")"
		}
		out = append(out, s+".")
		var integrity []string
		for _, a := range d.Anomalies {
			if a.Kind == forensics.AnomalyContentNotHistory {
				integrity = append(integrity, fmt.Sprintf("layer %d's content changed while its history line did not (a swapped layer)", a.Layer))
			}
		}
		if len(integrity) > 0 {
			out = append(out, "Integrity: "+strings.Join(integrity, "; ")+".")
		}
	}
	kinds := map[string]int{}
	var order []string
	for _, a := range r.Anomalies {
		if kinds[a.Kind] == 0 {
			order = append(order, a.Kind)
		}
		kinds[a.Kind]++
	}
	pkg := 0
	for _, f := range r.Findings {
		if f.Category == audit.CategoryPackageIntegrity && f.Severity >= audit.Medium {
			pkg++
		}
	}
	if len(order) > 0 || pkg > 0 {
		var parts []string
		for _, k := range order {
			parts = append(parts, fmt.Sprintf("%d %s", kinds[k], k))
		}
		if pkg > 0 {
			parts = append(parts, fmt.Sprintf("%d %s that differ from what their package records", pkg, plural(pkg, "file", "files")))
		}
		out = append(out, "Reading the evidence: "+strings.Join(parts, ", ")+".")
	}
	if n := len(sm.Contradictions); n > 0 {
		out = append(out, fmt.Sprintf("Dockerfile: %d %s of the Dockerfile reconstructed from the history %s contradicted by the layers or the config (below).",
			n, plural(n, "line", "lines"), plural(n, "is", "are")))
	}
	if len(out) == 0 {
		out = append(out, "Nothing: no scan or comparison of this image is recorded.")
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// listShort names up to n items and how many more there are.
func listShort(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

func fmtWhen(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

// addedLines keeps the lines a unified diff adds.
func addedLines(diff string) string {
	var b strings.Builder
	for _, l := range strings.Split(diff, "\n") {
		if strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++") {
			b.WriteString(l[1:] + "\n")
		}
	}
	return b.String()
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func shortHex(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
