package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
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

// ArtifactURI names where a finding is, relative to the image (uriBaseId IMAGE):
// "layer/5/usr/share/lib/reverse_shell.so" for a file of layer 5, "layer/5" for the layer as
// a whole, "config" for the image config.
func ArtifactURI(f audit.Finding) string {
	switch {
	case f.Layer >= 0 && f.Path != "":
		return fmt.Sprintf("layer/%d/%s", f.Layer, strings.TrimPrefix(f.Path, "/"))
	case f.Layer >= 0:
		return fmt.Sprintf("layer/%d", f.Layer)
	case f.Path != "":
		return "rootfs/" + strings.TrimPrefix(f.Path, "/")
	}
	return "config"
}

// Tags are a finding's categories and techniques as SARIF tags (which code-scanning tools
// show and filter on): "reverse-shell", "persistence", "external/mitre/attack/T1053.003".
func Tags(f audit.Finding) []string {
	out := make([]string, 0, 1+len(f.Labels)+len(f.Techniques))
	for _, c := range f.Categories() {
		out = append(out, string(c))
	}
	for _, t := range f.Techniques {
		out = append(out, "external/mitre/attack/"+t)
	}
	return out
}

// writeSARIF writes a SARIF 2.1.0 log with one run per result.
func writeSARIF(w io.Writer, results []*audit.Result, version string) error {
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	for _, r := range results {
		log.AddRun(sarifRun(r, version))
	}
	return log.PrettyWrite(w)
}

func sarifRun(r *audit.Result, version string) *sarif.Run {
	run := sarif.NewRunWithInformationURI("strata", InformationURI)
	run.Tool.Driver.Version = &version
	img := r.Image
	run.OriginalUriBaseIDs = map[string]*sarif.ArtifactLocation{
		"IMAGE": sarif.NewArtifactLocation().WithDescriptionText(fmt.Sprintf("the image %s (config %s); layer/N/PATH is PATH as layer N holds it", img.Input.Path, img.ConfigDigest)),
	}
	props := sarif.NewPropertyBag()
	props.Add("image", img.Input.Path)
	props.Add("digest", img.Digest)
	props.Add("config_digest", img.ConfigDigest)
	props.Add("tags", append([]string{}, img.Tags...))
	props.Add("verdict", r.Verdict())
	props.Add("headline", r.Headline())
	run.AttachPropertyBag(props)

	seen := map[string]bool{}
	for _, f := range r.Findings {
		sarifResult(run, seen, img, f)
	}
	// Accepted findings are results with an external suppression (accepted, with the reason),
	// as SARIF consumers expect them.
	for _, a := range r.Accepted {
		res := sarifResult(run, seen, img, a.Finding)
		just := a.By + ": " + a.Reason
		if a.Source != "" {
			just += " (" + a.Source + ")"
		}
		loc := sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewArtifactLocation().WithUri(ArtifactURI(a.Finding)).WithUriBaseId("IMAGE")))
		sup := sarif.NewSuppression("external").WithStatus("accepted").WithJustifcation(just).WithLocation(loc).
			WithGuid(guid(img.ConfigDigest, a.Finding))
		if !a.Expires.IsZero() {
			sup.AttachPropertyBag(sarifProps(map[string]any{"expires": a.Expires.Format("2006-01-02")}))
		}
		res.AddSuppression(sup)
	}
	return run
}

// guid is a stable GUID for a finding of an image (SARIF wants one per suppression).
func guid(image string, f audit.Finding) string {
	key := f.Rule + "\x00" + f.Path + "\x00" + fmt.Sprint(f.Layer)
	if v := f.Vulnerability; v != nil {
		key += "\x00" + v.Package + "\x00" + v.Installed
	}
	h := sha256.Sum256([]byte(image + "\x00" + key))
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

// sarifResult adds f to run (and its rule, the first time) and returns the result.
func sarifResult(run *sarif.Run, seen map[string]bool, img *forensics.Image, f audit.Finding) *sarif.Result {
	if !seen[f.Rule] {
		seen[f.Rule] = true
		rp := sarif.NewPropertyBag()
		rp.Add("category", string(f.Category))
		rp.Add("severity", f.Severity.String())
		rp.Add("tags", Tags(f))
		rule := run.AddRule(f.Rule).WithDescription(f.Title).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(Level(f.Severity)))
		if f.Remediation != "" {
			rule.WithTextHelp(f.Remediation)
		}
		rule.AttachPropertyBag(rp)
	}
	msg := f.Title
	if f.Evidence != "" {
		msg += " — " + f.Evidence
	}
	res := run.CreateResultForRule(f.Rule).WithLevel(Level(f.Severity)).WithMessage(sarif.NewTextMessage(msg))
	loc := sarif.NewArtifactLocation().WithUri(ArtifactURI(f)).WithUriBaseId("IMAGE")
	res.AddLocation(sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().WithArtifactLocation(loc)))
	p := sarif.NewPropertyBag()
	p.Add("severity", f.Severity.String())
	p.Add("category", string(f.Category))
	p.Add("labels", orEmpty(f.Labels))
	p.Add("techniques", orEmpty(f.Techniques))
	p.Add("tags", Tags(f))
	if len(f.Indicators) > 0 {
		p.Add("indicators", f.Indicators)
	}
	p.Add("image", img.Input.Path)
	p.Add("config_digest", img.ConfigDigest)
	if f.Layer >= 0 {
		p.Add("layer", f.Layer)
	}
	if f.Path != "" {
		p.Add("path", f.Path)
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
