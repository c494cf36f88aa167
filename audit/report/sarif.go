package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/internal/buildinfo"
)

// InformationURI is where the SARIF tool description points.
const InformationURI = "https://github.com/strata-forensics/strata"

// Level maps a severity onto SARIF's result levels: critical and high are errors, medium a
// warning, low and info notes.
func Level(s audit.Severity) string {
	switch {
	case s >= audit.High:
		return "error"
	case s == audit.Medium:
		return "warning"
	}
	return "note"
}

// ArtifactURI names where a finding is, relative to the image (uriBaseId IMAGE) and the same
// whichever layer holds it, so that an alert keeps its identity when layers shift: the path
// in the image ("usr/share/lib/reverse_shell.so", percent-encoded where a URI needs it),
// "layers/<diff_id hex>" for a layer as a whole, "config" for the image config.
func ArtifactURI(f audit.Finding, diffID string) string {
	switch {
	case f.Path != "":
		segs := strings.Split(strings.TrimPrefix(path.Clean("/"+f.Path), "/"), "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		return strings.Join(segs, "/")
	case f.Layer >= 0 && diffID != "":
		return "layers/" + strings.TrimPrefix(diffID, "sha256:")
	}
	return "config"
}

// Tags are a finding's categories and techniques as SARIF tags (which code-scanning tools
// show and filter on): "security", "reverse-shell", "persistence",
// "external/mitre/attack/T1053.003".
func Tags(f audit.Finding) []string {
	out := make([]string, 0, 2+len(f.Labels)+len(f.Techniques))
	out = append(out, "security")
	for _, c := range f.Categories() {
		out = append(out, string(c))
	}
	for _, t := range f.Techniques {
		out = append(out, "external/mitre/attack/"+t)
	}
	return out
}

// maxTags is how many tags GitHub code scanning keeps on a rule.
const maxTags = 20

// SecuritySeverity is a severity as GitHub code scanning's security-severity property wants
// it: a score from 0.0 to 10.0 as a string (9.0 and up critical, 7.0 high, 4.0 medium, 0.1 low).
func SecuritySeverity(s audit.Severity) string {
	switch s {
	case audit.Critical:
		return "9.5"
	case audit.High:
		return "8.0"
	case audit.Medium:
		return "5.5"
	case audit.Low:
		return "3.0"
	}
	return "0.0"
}

// FingerprintKey names the partial fingerprint strata computes.
const FingerprintKey = "strataFinding/v1"

// Fingerprint identifies a finding across rebuilds of an image: its rule, its path and the
// content it is about (the file's sha256, the config value, the vulnerable package and
// version), never the layer index, which moves when layers are added below.
func Fingerprint(f audit.Finding, contentSHA256 string) string {
	content := contentSHA256
	switch {
	case f.Vulnerability != nil:
		content = "package\x00" + f.Vulnerability.Ecosystem + "\x00" + f.Vulnerability.Package + "\x00" + f.Vulnerability.Installed
	case content == "":
		content = "evidence\x00" + f.Evidence
	}
	h := sha256.Sum256([]byte(f.Rule + "\x00" + f.Path + "\x00" + content))
	return hex.EncodeToString(h[:])
}

// writeSARIF writes a SARIF 2.1.0 log with one run per result, for GitHub code scanning and
// other SARIF consumers: rules described from the catalog, a partial fingerprint per result,
// a category per image.
func writeSARIF(w io.Writer, doc ScanDocument) error {
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	cat := doc.Catalog
	if cat == nil {
		cat = BuiltinCatalog()
	}
	bi := buildinfo.Get()
	if doc.Version != "" {
		bi.Version = doc.Version
	}
	ids := map[string]int{}
	for _, r := range doc.Results {
		log.AddRun(sarifRun(r, bi, cat, ids))
	}
	return log.PrettyWrite(w)
}

// automationID is a run's automationDetails.id: "strata/image/NAME/" and the config digest,
// NAME the image's first tag or its input's file name. Code scanning takes what comes before
// the last "/" as the analysis category, so an image keeps its alerts across scans and
// rebuilds, and several images in one log do not overwrite each other.
func automationID(img *forensics.Image, seen map[string]int) string {
	name := filepath.Base(img.Input.Path)
	if len(img.Tags) > 0 {
		name = img.Tags[0]
	}
	cat := "strata/image/" + name
	seen[cat]++
	if seen[cat] > 1 {
		cat += fmt.Sprintf("#%d", seen[cat])
	}
	return cat + "/" + strings.TrimPrefix(img.ConfigDigest, "sha256:")
}

func sarifRun(r *audit.Result, bi buildinfo.Info, cat *Catalog, seen map[string]int) *sarif.Run {
	run := sarif.NewRunWithInformationURI("strata", InformationURI)
	d := run.Tool.Driver
	d.Version = &bi.Version
	if v := strings.TrimPrefix(bi.Version, "v"); semver.MatchString(v) {
		d.SemanticVersion = &v
	}
	dp := sarif.NewPropertyBag()
	if bi.Commit != "" {
		dp.Add("commit", bi.Commit)
	}
	if bi.Date != "" {
		dp.Add("build_date", bi.Date)
	}
	d.AttachPropertyBag(dp)
	img := r.Image
	run.WithAutomationDetails(sarif.NewRunAutomationDetails().WithID(automationID(img, seen)).
		WithDescriptionText("strata scan of " + img.Input.Path))
	run.OriginalUriBaseIDs = map[string]*sarif.ArtifactLocation{
		"IMAGE": sarif.NewArtifactLocation().WithDescriptionText(fmt.Sprintf("the root of the image %s (config %s): PATH is the file as the image holds it", img.Input.Path, img.ConfigDigest)),
	}
	props := sarif.NewPropertyBag()
	props.Add("image", img.Input.Path)
	props.Add("digest", img.Digest)
	props.Add("config_digest", img.ConfigDigest)
	props.Add("tags", append([]string{}, img.Tags...))
	props.Add("verdict", r.Verdict())
	props.Add("headline", r.Headline())
	run.AttachPropertyBag(props)

	sr := &sarifRunState{run: run, img: img, cat: cat, files: fileHashes(r), rules: map[string]*sarifRule{}}
	// Rules first, so that a rule's severity and tags cover every finding of it in the run.
	all := append([]audit.Finding{}, r.Findings...)
	for _, a := range r.Accepted {
		all = append(all, a.Finding)
	}
	for _, f := range all {
		sr.rule(f)
	}
	for _, id := range sr.order {
		sr.rules[id].write(run)
	}
	for _, f := range r.Findings {
		sr.result(f)
	}
	// Accepted findings are results with an external suppression (accepted, with the reason),
	// as SARIF consumers expect them.
	for _, a := range r.Accepted {
		res := sr.result(a.Finding)
		just := a.By + ": " + a.Reason
		if a.Source != "" {
			just += " (" + a.Source + ")"
		}
		loc := sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewArtifactLocation().WithUri(ArtifactURI(a.Finding, sr.diffID(a.Finding))).WithUriBaseId("IMAGE")))
		sup := sarif.NewSuppression("external").WithStatus("accepted").WithJustifcation(just).WithLocation(loc).
			WithGuid(guid(img.ConfigDigest, Fingerprint(a.Finding, sr.files[fileKey{a.Finding.Layer, a.Finding.Path}])))
		if !a.Expires.IsZero() {
			sup.AttachPropertyBag(sarifProps(map[string]any{"expires": a.Expires.Format("2006-01-02")}))
		}
		res.AddSuppression(sup)
	}
	return run
}

// semver is a semantic version (2.0.0).
var semver = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

type fileKey struct {
	layer int
	path  string
}

// fileHashes indexes the sha256 of every file of the scan's layers by layer and path.
func fileHashes(r *audit.Result) map[fileKey]string {
	out := map[fileKey]string{}
	for i, lt := range r.Layers {
		if lt == nil {
			continue
		}
		for _, e := range lt.Entries {
			if e.SHA256() != "" {
				out[fileKey{i, e.Path}] = e.SHA256()
			}
		}
	}
	return out
}

type sarifRunState struct {
	run   *sarif.Run
	img   *forensics.Image
	cat   *Catalog
	files map[fileKey]string
	rules map[string]*sarifRule
	order []string
}

func (sr *sarifRunState) diffID(f audit.Finding) string {
	if f.Layer >= 0 && f.Layer < len(sr.img.Layers) {
		return sr.img.Layers[f.Layer].DiffID
	}
	return ""
}

// sarifRule is a rule descriptor as the run's findings of it need it.
type sarifRule struct {
	id, short, full, help, helpURI, category string
	severity                                 audit.Severity
	score                                    float64 // a vulnerability's CVSS score, 0 when none
	tags                                     []string
	techniques                               []string
}

// rule adds what f says about its rule: the descriptor comes from the catalog; a rule the
// catalog lacks (an advisory's id, a rule of user YARA rules compiled elsewhere) is described
// from its findings.
func (sr *sarifRunState) rule(f audit.Finding) {
	ru, ok := sr.rules[f.Rule]
	if !ok {
		ru = &sarifRule{id: f.Rule, severity: f.Severity, category: string(f.Category)}
		if c, found := sr.cat.Lookup(f.Rule); found {
			ru.short, ru.full, ru.help, ru.helpURI = c.Description, c.Detail, c.Remediation, c.HelpURI
			ru.tags, ru.techniques = append([]string{}, c.Tags...), append([]string{}, c.Techniques...)
			if s, err := audit.ParseSeverity(c.Severity); err == nil && c.Severities == "" {
				ru.severity = s
			}
		} else {
			ru.short, ru.full, ru.help = f.Title, f.Title, f.Remediation
			ru.helpURI = RulesDoc + "#user-rules"
			if v := f.Vulnerability; v != nil {
				ru.full = f.Title
				if v.Summary != "" {
					ru.full = v.Summary + " (" + f.Title + ")"
				}
				ru.short = f.Title
				if i := strings.Index(ru.short, " ("); i > 0 {
					ru.short = ru.short[:i]
				}
				ru.helpURI = RulesDoc + "#vulnerabilities"
			}
			if ru.help == "" {
				ru.help = categoryRemediation[string(f.Category)]
			}
		}
		sr.rules[f.Rule] = ru
		sr.order = append(sr.order, f.Rule)
	}
	// A rule whose severity varies takes the most severe of its findings in the run.
	if f.Severity > ru.severity {
		ru.severity = f.Severity
	}
	if v := f.Vulnerability; v != nil && v.Severity.CVSSScore > ru.score {
		ru.score = v.Severity.CVSSScore
	}
	ru.tags = mergeStrings(ru.tags, Tags(f))
	ru.techniques = mergeStrings(ru.techniques, f.Techniques)
}

func (ru *sarifRule) write(run *sarif.Run) {
	short := strings.TrimRight(ru.short, ".")
	if short == "" {
		short = ru.id
	}
	full := ru.full
	if full == "" {
		full = short
	}
	help := ru.help
	if help == "" {
		help = "Look at the finding's file and the build step that brought it."
	}
	var md strings.Builder
	fmt.Fprintf(&md, "**%s**\n\n%s\n\n**What to do:** %s\n", short, full, help)
	if len(ru.techniques) > 0 {
		md.WriteString("\n**MITRE ATT&CK:** ")
		for i, t := range ru.techniques {
			if i > 0 {
				md.WriteString(", ")
			}
			fmt.Fprintf(&md, "[%s](%s)", t, audit.TechniqueURL(t))
			if n := audit.TechniqueName(t); n != "" {
				md.WriteString(" " + n)
			}
		}
		md.WriteString("\n")
	}
	fmt.Fprintf(&md, "\n[Rule documentation](%s)\n", ru.helpURI)
	text := full + "\n\nWhat to do: " + help
	rule := run.AddRule(ru.id).WithName(ruleName(ru.id)).
		WithShortDescription(sarif.NewMultiformatMessageString(short)).
		WithFullDescription(sarif.NewMultiformatMessageString(full)).
		WithHelpURI(ru.helpURI).
		WithHelp(&sarif.MultiformatMessageString{Text: &text, Markdown: strPtr(md.String())}).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(Level(ru.severity)))
	tags := ru.tags
	if len(tags) > maxTags {
		tags = tags[:maxTags]
	}
	score := SecuritySeverity(ru.severity)
	if ru.score > 0 {
		score = fmt.Sprintf("%.1f", ru.score)
	}
	rp := sarif.NewPropertyBag()
	rp.Add("tags", tags)
	rp.Add("security-severity", score)
	rp.Add("problem.severity", problemSeverity(ru.severity))
	rp.Add("precision", "high")
	rp.Add("category", ru.category)
	rp.Add("severity", ru.severity.String())
	rule.AttachPropertyBag(rp)
}

// ruleName is a rule's name as SARIF wants it: an identifier-like word ("StrataRs001").
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			if up {
				b.WriteString(strings.ToUpper(string(r)))
			} else {
				b.WriteString(strings.ToLower(string(r)))
			}
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// problemSeverity is a severity as code scanning's problem.severity names it.
func problemSeverity(s audit.Severity) string {
	switch {
	case s >= audit.High:
		return "error"
	case s == audit.Medium:
		return "warning"
	}
	return "recommendation"
}

func strPtr(s string) *string { return &s }

// lineOf is the line a finding's evidence names ("line 2: ..."), 1 when it names none.
var lineRE = regexp.MustCompile(`^line ([0-9]+)\b`)

func lineOf(f audit.Finding) int {
	if m := lineRE.FindStringSubmatch(f.Evidence); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			return n
		}
	}
	return 1
}

// guid is a stable GUID for a finding of an image (SARIF wants one per suppression).
func guid(image, fingerprint string) string {
	h := sha256.Sum256([]byte(image + "\x00" + fingerprint))
	h[6] = h[6]&0x0f | 0x50 // a name-based (version 5 style) GUID
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func sarifProps(m map[string]any) *sarif.PropertyBag {
	p := sarif.NewPropertyBag()
	for k, v := range m {
		p.Add(k, v)
	}
	return p
}

// result adds f as a result of the run.
func (sr *sarifRunState) result(f audit.Finding) *sarif.Result {
	msg := f.Title
	if f.Evidence != "" {
		msg += " — " + f.Evidence
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	content := sr.files[fileKey{f.Layer, f.Path}]
	res := sr.run.CreateResultForRule(f.Rule).WithLevel(Level(f.Severity)).WithMessage(sarif.NewTextMessage(msg)).
		WithPartialFingerPrints(map[string]any{FingerprintKey: Fingerprint(f, content)})
	for i, r := range sr.run.Tool.Driver.Rules {
		if r.ID == f.Rule {
			res.WithRuleIndex(i)
		}
	}
	loc := sarif.NewArtifactLocation().WithUri(ArtifactURI(f, sr.diffID(f))).WithUriBaseId("IMAGE")
	line := lineOf(f)
	res.AddLocation(sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().WithArtifactLocation(loc).
		WithRegion(sarif.NewSimpleRegion(line, line))))
	p := sarif.NewPropertyBag()
	p.Add("severity", f.Severity.String())
	p.Add("category", string(f.Category))
	p.Add("labels", orEmpty(f.Labels))
	p.Add("techniques", orEmpty(f.Techniques))
	p.Add("tags", Tags(f))
	if len(f.Indicators) > 0 {
		p.Add("indicators", f.Indicators)
	}
	p.Add("image", sr.img.Input.Path)
	p.Add("config_digest", sr.img.ConfigDigest)
	if f.Layer >= 0 {
		p.Add("layer", f.Layer)
		if d := sr.diffID(f); d != "" {
			p.Add("layer_diff_id", d)
		}
	}
	if f.Path != "" {
		p.Add("path", f.Path)
	}
	if content != "" {
		p.Add("sha256", content)
	}
	if f.History >= 0 {
		p.Add("history", f.History)
		p.Add("created_by", f.CreatedBy)
	}
	if f.Vulnerability != nil {
		p.Add("vulnerability", f.Vulnerability)
	}
	res.AttachPropertyBag(p)
	return res
}
