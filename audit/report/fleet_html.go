package report

import (
	"html/template"
	"io"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/fleet"
)

// writeFleetHTML writes the fleet view as one self-contained HTML file, as the tracing report
// is: inline CSS, no scripts, nothing fetched from anywhere; every string of the view goes
// through ev, then html/template escapes it.
func writeFleetHTML(w io.Writer, f *fleet.Fleet, ev Filter) error {
	f = inertCopy(f, ev.Line)
	return fleetTemplate.Execute(w, fleetPage{Fleet: f, names: rowNames(f)})
}

// fleetPage is what the template is given.
type fleetPage struct {
	*fleet.Fleet
	names map[string]string
}

// Headline is the totals.
func (p fleetPage) Headline() []string { return fleetHeadline(p.Fleet) }

// Name is an image's name with its tags.
func (p fleetPage) Name(name string) string {
	if n, ok := p.names[name]; ok {
		return n
	}
	return name
}

var fleetTemplate = template.Must(template.New("fleet").Funcs(template.FuncMap{
	"verdict": rowVerdict,
	"top":     topText,
	"base":    baseText,
	"join":    strings.Join,
	"short":   shortDigest,
	"place":   layerPlace,
	"indicator": func(s fleet.Indicator) string {
		return indicatorText(s)
	},
	"sev": func(s audit.Severity) string { return s.String() },
	"layers": func(n int) string {
		return plural(n, "layer", "layers")
	},
	"family": func(p fleetPage, f *fleet.Family) familyNode { return familyNode{Page: p, Family: f} },
}).Parse(fleetHTML))

// familyNode carries the page down the recursive family template.
type familyNode struct {
	Page   fleetPage
	Family *fleet.Family
}

const fleetHTML = `{{define "family"}}<li>{{if .Family.Images}}{{range $i, $n := .Family.Images}}{{if $i}}; {{end}}<code>{{$.Page.Name $n}}</code>{{end}} · {{layers .Family.Layers}}{{else}}shared chain of {{layers .Family.Layers}} up to <code>{{short .Family.DiffID}}</code>{{end}}{{if gt .Family.Count (len .Family.Images)}} · {{.Family.Count}} images{{end}}{{if .Family.Trusted}} · <span class="trusted">trusted</span>{{end}}
{{if .Family.Children}}<ul class="family">{{range .Family.Children}}{{template "family" (family $.Page .)}}{{end}}</ul>{{end}}</li>
{{end}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Strata fleet audit: {{len .Images}} images</title>
<style>
:root { --fg:#1d232b; --muted:#5b6573; --line:#d8dde3; --bg:#ffffff; --band:#f4f6f8; --crit:#8e1b1b; --high:#c2410c; --med:#a16207; --low:#1d4ed8; --info:#4b5563; --ok:#166534; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
.meta { color: var(--muted); font-size: 13px; }
.summary { padding: 10px 14px; border-left: 5px solid var(--info); background: var(--band); margin: 12px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--band); font-weight: 600; }
code, .mono { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.verdict { display: inline-block; min-width: 78px; text-align: center; padding: 1px 6px; border-radius: 3px; color: #fff; font-size: 11px; font-weight: 700; text-transform: uppercase; background: var(--info); }
.verdict.suspicious { background: var(--crit); } .verdict.review { background: var(--med); } .verdict.clean { background: var(--ok); }
.sev { display: inline-block; min-width: 64px; text-align: center; padding: 1px 6px; border-radius: 3px; color: #fff; font-size: 11px; font-weight: 700; text-transform: uppercase; }
.sev.critical { background: var(--crit); } .sev.high { background: var(--high); } .sev.medium { background: var(--med); }
.sev.low { background: var(--low); } .sev.info { background: var(--info); }
.trusted { color: var(--ok); font-weight: 600; }
.untrusted { color: var(--high); }
.note { color: var(--high); }
ul.family { margin: 4px 0 8px; padding-left: 20px; }
@media print { main { max-width: none; padding: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
</style>
</head>
<body>
<main>
<h1>Strata fleet audit</h1>
<div class="summary">{{range .Headline}}{{.}}<br>{{end}}</div>

<h2 id="images">Images</h2>
<table><tr><th>Verdict</th><th>Top finding</th><th>Base</th><th>Image</th><th>Layers</th><th>Scan</th></tr>
{{range .Images}}<tr><td><span class="verdict {{verdict .}}">{{verdict .}}</span>{{if .Error}}<div class="note">{{.Error}}</div>{{end}}</td><td>{{top .}}</td><td>{{if and .Base .Base.Trusted}}<span class="trusted">{{base .Base}}</span>{{else}}<span class="untrusted">{{base .Base}}</span>{{end}}</td><td><code>{{.Name}}</code>{{if .Tags}}<br>{{join .Tags ", "}}{{end}}</td><td class="nowrap">{{.Layers}} ({{.LayersRead}} read, {{.LayersCached}} cached)</td><td class="nowrap">{{if .ScanID}}#{{.ScanID}} {{.Status}}{{else}}{{.Status}}{{end}}</td></tr>
{{end}}</table>

<h2 id="families">Families (shared layer chains)</h2>
{{if .Families}}<ul class="family">{{range .Families}}{{template "family" (family $ .)}}{{end}}</ul>{{else}}<p>None.</p>{{end}}

<h2 id="shared">Implants and indicators in more than one image</h2>
{{if .Shared}}<table><tr><th>Severity</th><th>Category</th><th>Indicator</th><th>Finding</th><th>Paths</th><th>Introduced by</th><th>Images</th></tr>
{{range .Shared}}<tr><td><span class="sev {{sev .Severity}}">{{sev .Severity}}</span></td><td>{{.Category}}</td><td><code>{{indicator .}}</code></td><td>{{.Title}}</td><td>{{range .Paths}}<code>{{.}}</code><br>{{end}}</td><td><code>{{$.Name .IntroducedBy}}</code> {{place .Layer .DiffID}}{{if .Inherited}}, inherited by {{.Inherited}}{{end}}</td><td>{{range .Images}}<code>{{$.Name .}}</code><br>{{end}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}

<h2 id="clean">Clean images ({{len .Clean}})</h2>
{{if .Clean}}<ul>{{range .Clean}}<li><code>{{$.Name .}}</code></li>{{end}}</ul>{{else}}<p>None.</p>{{end}}

{{if .Skipped}}<h2 id="skipped">Skipped: no image ({{len .Skipped}})</h2>
<table><tr><th>Path</th><th>Why</th></tr>
{{range .Skipped}}<tr><td><code>{{.Path}}</code></td><td>{{.Reason}}</td></tr>
{{end}}</table>{{end}}
</main>
</body>
</html>
`
