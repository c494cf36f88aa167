package tui

import (
	"fmt"
	"strings"

	"github.com/strata-forensics/strata/audit"
)

// findingFacts are the lines a finding's detail shows beyond its title, place and evidence,
// the same in the scan's and the diff's findings: a vulnerability's advisory, package,
// versions and where its severity comes from, the other categories that fit, the network
// indicators found in the file, the ATT&CK techniques. Every string is made inert: all of it
// comes from the evidence or from advisories about it.
func findingFacts(x *audit.Finding) []string {
	var out []string
	if v := x.Vulnerability; v != nil {
		out = append(out, vulnerabilityFacts(v)...)
	}
	if len(x.Labels) > 0 {
		ls := make([]string, len(x.Labels))
		for i, l := range x.Labels {
			ls[i] = string(l)
		}
		out = append(out, "also: "+strings.Join(ls, ", "))
	}
	if len(x.Indicators) > 0 {
		is := make([]string, len(x.Indicators))
		for i, in := range x.Indicators {
			is[i] = in.String()
		}
		out = append(out, "indicators: "+oneLine(strings.Join(is, ", ")))
	}
	if len(x.Techniques) > 0 {
		out = append(out, "ATT&CK: "+strings.Join(x.Techniques, ", "))
	}
	return out
}

// vulnerabilityFacts says which advisory matched which package at which version, what fixes
// it and who rated it.
func vulnerabilityFacts(v *audit.Vulnerability) []string {
	id := v.ID
	if len(v.Advisories) > 0 {
		id += " (" + strings.Join(v.Advisories, ", ") + ")"
	}
	out := []string{"vulnerability " + oneLine(id)}
	if len(v.Aliases) > 0 {
		out = append(out, "aliases: "+oneLine(strings.Join(v.Aliases, ", ")))
	}
	if v.Summary != "" {
		out = append(out, oneLine(v.Summary))
	}
	pkg := fmt.Sprintf("package %s %s (%s)", v.Package, v.Installed, v.Ecosystem)
	if v.Fixed != "" {
		pkg += ", fixed in " + v.Fixed
	} else if v.Status != "" {
		pkg += ", " + v.Status
	}
	out = append(out, oneLine(pkg))
	if len(v.Binaries) > 0 {
		bs := make([]string, len(v.Binaries))
		for i, b := range v.Binaries {
			bs[i] = fmt.Sprintf("%s %s (layer %d)", b.Name, b.Version, b.Layer)
		}
		out = append(out, "installed as "+oneLine(strings.Join(bs, ", ")))
	}
	switch s := v.Severity; s.Source {
	case "cvss":
		out = append(out, oneLine(fmt.Sprintf("severity from CVSS %.1f %s", s.CVSSScore, s.CVSSVector)))
	case "urgency":
		out = append(out, oneLine("severity from the distribution's urgency: "+s.Urgency))
	case "rating":
		out = append(out, "severity from the advisory database's rating")
	default:
		out = append(out, "no severity given by the advisories")
	}
	if v.Database != "" {
		out = append(out, "from "+oneLine(v.Database))
	}
	return out
}
