package report

import (
	"html/template"
	"io"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/history"
)

// writeTracingHTML writes the report as one self-contained HTML file: inline CSS, no scripts,
// nothing fetched from anywhere; it prints as it reads.
func writeTracingHTML(w io.Writer, r *history.Report) error {
	return tracingTemplate.Execute(w, r)
}

var tracingTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"verdict":    trVerdictLine,
	"when":       trWhen,
	"layerList":  trLayerList,
	"short":      trShort,
	"shortAll":   trShortDigests,
	"image":      trImageName,
	"size":       trSize,
	"step":       trStep,
	"layer":      trLayerText,
	"trim":       trTrim,
	"groups":     trSeverityGroups,
	"indicators": trIndicatorList,
	"techniques": trTechniques,
	"tagRows":    trTagRows,
	"role":       trImageRole,
	"commands":   trCommands,
	"line":       trLine,
	"where":      trWhere,
	"others":     trOtherContradictions,
	"stepLayer":  trStepLayer,
	"join":       strings.Join,
	"upper":      strings.ToUpper,
	"sev":        func(s audit.Severity) string { return s.String() },
	"inc":        func(i int) int { return i + 1 },
	"self": func(r *history.Report, img *history.Image) bool {
		return img == nil || img.ID == r.Image.ID
	},
	"diffLines": func(s string) []diffLine {
		var out []diffLine
		for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			c := ""
			switch {
			case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
				c = "meta"
			case strings.HasPrefix(l, "+"):
				c = "add"
			case strings.HasPrefix(l, "-"):
				c = "del"
			case strings.HasPrefix(l, "@@"):
				c = "meta"
			}
			out = append(out, diffLine{Class: c, Text: l})
		}
		return out
	},
}).Parse(tracingHTML))

type diffLine struct {
	Class, Text string
}

const tracingHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Strata tracing report: {{.Title}}</title>
<style>
:root { --fg:#1d232b; --muted:#5b6573; --line:#d8dde3; --bg:#ffffff; --band:#f4f6f8; --crit:#8e1b1b; --high:#c2410c; --med:#a16207; --low:#1d4ed8; --info:#4b5563; --ok:#166534; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.verdict { font-size: 16px; font-weight: 600; padding: 10px 14px; border-left: 5px solid var(--crit); background: #fdf2f2; margin: 12px 0; }
.verdict.clean { border-color: var(--ok); background: #f0fdf4; }
.meta { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); overflow-wrap: break-word; }
th { white-space: nowrap; }
td.notes, td.mono, td.wrap { overflow-wrap: anywhere; }
th { background: var(--band); font-weight: 600; }
code, .mono { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.nowrap, .nowrap code { white-space: nowrap; overflow-wrap: normal; }
td.step { min-width: 260px; } td.notes { min-width: 9em; max-width: 340px; }
dl { display: grid; grid-template-columns: 210px 1fr; gap: 4px 12px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
.sev { display: inline-block; min-width: 64px; text-align: center; padding: 1px 6px; border-radius: 3px; color: #fff; font-size: 11px; font-weight: 700; text-transform: uppercase; }
.sev.critical { background: var(--crit); } .sev.high { background: var(--high); } .sev.medium { background: var(--med); }
.sev.low { background: var(--low); } .sev.info { background: var(--info); }
.implant { border: 1px solid #f3c4c4; border-left: 5px solid var(--crit); border-radius: 4px; padding: 10px 14px; margin: 10px 0; background: #fffafa; }
.implant h3 { margin-top: 0; }
pre { margin: 8px 0 0; padding: 8px 10px; background: var(--band); border: 1px solid var(--line); border-radius: 4px; overflow-x: auto; white-space: pre-wrap; }
pre .add { color: #0f5132; background: #e6f4ea; display: block; } pre .del { color: #842029; background: #fbe9eb; display: block; } pre .meta { color: var(--muted); display: block; }
.tag { display: inline-block; padding: 0 6px; border: 1px solid var(--line); border-radius: 10px; font-size: 12px; margin: 0 4px 2px 0; }
.trusted { color: var(--ok); font-weight: 600; }
.note { color: var(--high); }
ul.family { margin: 4px 0 8px; padding-left: 20px; }
.summary { border: 1px solid var(--line); border-radius: 6px; padding: 4px 16px 10px; background: #fcfcfd; }
.summary h2 { font-size: 15px; margin: 14px 0 6px; border-bottom: 1px solid var(--line); }
.summary ul { margin: 4px 0; padding-left: 20px; }
.summary li { margin: 3px 0; }
.headline { font-size: 15px; font-weight: 600; margin: 10px 0 4px; }
ul.implants { list-style: none; padding-left: 0; }
ul.implants li { padding: 4px 0; border-bottom: 1px dotted var(--line); }
.attack { color: var(--muted); font-size: 12px; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 0 24px; }
tr.unverified td { background: #fff7ed; }
@media (max-width: 800px) { .cols { grid-template-columns: 1fr; } }
@media print { main { max-width: none; padding: 0; } h2 { break-after: avoid; } .implant, tr { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
</style>
</head>
<body>
<main>
<h1>Strata tracing report: {{.Title}}</h1>
<div class="meta">Generated {{when .Generated}} by {{.Custody.ReportBy}} on {{.Custody.ReportHost}} with strata {{.Custody.ReportVersion}} · database <code>{{.Custody.Database}}</code></div>
<div class="verdict{{if and .Scan (eq .Scan.Verdict "clean")}} clean{{end}}">{{verdict .}}</div>

{{with .Summary}}<section class="summary" id="summary">
<p class="headline">{{.Headline}}</p>
<h2>What was implanted</h2>
{{if .Implants}}<ul class="implants">
{{range .Implants}}<li><span class="sev {{sev .Severity}}">{{sev .Severity}}</span> <code>{{.Path}}</code> {{.What}}.<br><span class="attack">ATT&amp;CK: {{range $i, $t := .Techniques}}{{if $i}}; {{end}}<b>{{$t.ID}}</b>{{if $t.Name}} {{$t.Name}}{{end}}{{else}}no technique{{end}}</span></li>
{{end}}</ul>{{else}}<p>Nothing the scan or the comparison calls an implant.</p>{{end}}
<div class="cols">
<div><h2>Where</h2>
<ul>{{range where .}}<li>Layer {{layer .Layer}} (<code>{{short .DiffID}}</code>) brought {{range $i, $p := .Paths}}{{if $i}}, {{end}}<code>{{$p}}</code>{{end}}. Build step <code>{{.Step}}</code>; the history line that hides it: <code>{{trim .CreatedBy 90}}</code>{{if .Reason}}<br><b class="note">Unverified:</b> {{.Reason}}{{end}}</li>
{{end}}</ul>
{{with others .}}<p>What else the Dockerfile reconstructed from the history says, and the evidence contradicts:</p>
<ul class="contradictions">{{range .}}<li><code>{{trim .Line 100}}</code> ({{if .Config}}config{{else}}layer {{layer .Layer}}{{end}}): {{.Reason}}</li>
{{end}}</ul>{{end}}</div>
<div><h2>When</h2>
<ul>{{range .When}}<li>{{.}}</li>
{{end}}</ul></div>
</div>
<div class="cols">
<div><h2>How Strata knows</h2>
<ul>{{range .HowKnown}}<li>{{.}}</li>
{{end}}</ul></div>
<div><h2>Seen elsewhere</h2>
{{if .Elsewhere}}<ul>{{range .Elsewhere}}<li>{{.Kind}} <code>{{trim .Value 40}}</code>: in {{.Images}} other image(s): {{join .Examples "; "}}{{if .IntroducedBy}}; introduced by {{.IntroducedBy}}{{end}}</li>
{{end}}</ul>{{else}}<p>No other stored image holds these indicators.</p>{{end}}</div>
</div>
</section>{{end}}

<h2 id="custody">Chain of custody</h2>
<p class="meta">One row per evidence file; every reading is in the JSON report (<code>chain_of_custody.inputs</code>).</p>
<table>
<tr><th>Evidence file</th><th>Image</th><th>Reads</th><th>First / last read</th><th>SHA-256</th><th>Size</th><th>Commands</th><th>Read by</th><th>Strata</th></tr>
{{range .Custody.Evidence}}<tr><td><code>{{.Path}}</code></td><td>{{role $ .ConfigDigest}} <code>{{short .ConfigDigest}}</code></td><td>{{.Reads}}</td><td class="nowrap">{{when .FirstRead}}<br>{{when .LastRead}}</td><td>{{range .SHA256}}<code>{{.}}</code><br>{{end}}{{if gt (len .SHA256) 1}}<b class="note">changed between readings</b>{{end}}</td><td class="nowrap">{{size .Size}}</td><td>{{commands .Commands}}</td><td>{{join .ReadBy ", "}}</td><td>{{join .ToolVersions ", "}}</td></tr>
{{end}}</table>
<dl>
{{if .Custody.RuleHash}}<dt>Rule set hash</dt><dd><code>{{.Custody.RuleHash}}</code></dd>{{end}}
{{with .Scan}}<dt>Scan</dt><dd>#{{.ID}} {{.Status}}, {{when .Started}} – {{when .Ended}}, strata {{.ToolVersion}}, {{.Files}} files ({{.Scanned}} content-scanned), {{.CachedLayers}} layers from the layer cache{{if .NotAnalyzed}}; not analyzed: {{layerList .NotAnalyzed}}, the same bytes as {{.ComparedWith}}'s (the scan was a comparison's){{end}}</dd>{{end}}
</dl>

<h2 id="identity">Image identity</h2>
<dl>
<dt>Config digest (image ID)</dt><dd><code>{{.Image.ConfigDigest}}</code></dd>
<dt>Manifest digest</dt><dd><code>{{.Image.ManifestDigest}}</code></dd>
<dt>Tags seen</dt><dd>{{range .Image.Tags}}<span class="tag">{{.}}</span>{{else}}none{{end}}</dd>
<dt>Created</dt><dd>{{when .Image.Created}}</dd>
<dt>Platform</dt><dd>{{.Image.Platform}}</dd>
<dt>First / last read</dt><dd>{{when .Image.FirstSeen}} / {{when .Image.LastSeen}}</dd>
<dt>User</dt><dd><code>{{or .Config.User "(root)"}}</code></dd>
<dt>Entrypoint / Cmd</dt><dd><code>{{join .Config.Entrypoint " "}}</code> / <code>{{join .Config.Cmd " "}}</code></dd>
<dt>Env</dt><dd>{{range .Config.Env}}<code>{{.}}</code><br>{{end}}</dd>
{{with .Original}}<dt>Original</dt><dd>{{image .}}</dd>{{end}}
</dl>

<h2 id="implant">The implant</h2>
{{range .Implant}}<div class="implant">
<h3><code>{{.Path}}</code></h3>
<dl>
<dt>What it does</dt><dd>{{.What}}</dd>
<dt>Change</dt><dd>{{.Change}} · score {{.Score}} · {{.Why}}</dd>
<dt>Layer / history step</dt><dd>{{layer .Layer}} · <code>{{step .CreatedBy}}</code></dd>
<dt>sha256</dt><dd><code>{{or .SHA256 "-"}}</code></dd>
<dt>Size / mode / mtime</dt><dd>{{size .Size}} · <code>{{or .Mode "-"}}</code> · {{when .MTime}}</dd>
{{if .Rules}}<dt>Rules</dt><dd>{{join .Rules ", "}}</dd>{{end}}
{{if .Techniques}}<dt>ATT&amp;CK</dt><dd>{{join .Techniques ", "}}</dd>{{end}}
</dl>
{{if .ContentDiff}}<pre>{{range diffLines .ContentDiff}}<span class="{{.Class}}">{{.Text}}</span>{{end}}</pre>{{end}}
</div>
{{else}}<p>No suspicious file changes or high-severity file findings are recorded.</p>
{{end}}

<h2 id="findings">Findings by severity</h2>
{{if not .Scan}}<p>No scan of this image is recorded.</p>{{end}}
{{range groups .Findings}}<h3><span class="sev {{sev .Severity}}">{{sev .Severity}}</span> {{len .Findings}}</h3>
<table><tr><th>Rule</th><th>Finding</th><th>Layer</th><th>Path</th><th>Evidence</th></tr>
{{range .Findings}}<tr><td class="nowrap"><code>{{.Rule}}</code></td><td>{{.Title}}</td><td>{{layer .Layer}}</td><td><code>{{.Path}}</code></td><td class="mono">{{trim .Evidence 160}}</td></tr>
{{end}}</table>
{{end}}

{{with .Diff}}<h2 id="diff">Changes from the original</h2>
<p>{{.Summary.Added}} added, {{.Summary.Removed}} removed, {{.Summary.Modified}} modified, {{.Summary.Hidden}} hidden files ({{.NoiseCount}} package-manager changes folded); {{.Summary.Config}} config and {{.Summary.History}} history changes; layers: {{.Summary.LayersCommon}} common, {{.Summary.LayersReplaced}} replaced, {{.Summary.LayersAdded}} added, {{.Summary.LayersRemoved}} removed.</p>
{{if .Config}}<table><tr><th>Config field</th><th>Change</th><th>Original</th><th>Suspect</th><th>Score</th></tr>
{{range .Config}}<tr><td><code>{{.Field}}</code></td><td>{{.Change}}</td><td><code>{{.Original}}</code></td><td><code>{{.Suspect}}</code></td><td>{{.Score}}</td></tr>
{{end}}</table>{{end}}
{{if .Changes}}<table><tr><th>#</th><th>Score</th><th>Change</th><th>Path</th><th>Layer</th><th>Why</th></tr>
{{range .Changes}}<tr><td>{{inc .Rank}}</td><td>{{.Score}}</td><td>{{.Change}}</td><td><code>{{.Path}}</code></td><td>{{layer .Layer}}</td><td>{{.Why}}</td></tr>
{{end}}</table>{{end}}
{{range .Anomalies}}<p class="note"><b>{{.Kind}}</b> (layer {{layer .Layer}}): {{.Detail}}</p>
{{end}}{{end}}

{{with .Dockerfile}}<h2 id="dockerfile">Build steps</h2>
<p>The Dockerfile reconstructed from the image's history, each line checked against its layer's files and the config. A history line is written by whoever built the image: an unverified line is one the evidence contradicts.</p>
<table><tr><th>Layer</th><th>Line</th><th>Checked</th></tr>
{{range .Instructions}}<tr{{if .Unverified}} class="unverified"{{end}}><td>{{stepLayer .}}</td><td><code>{{trim (line .) 160}}</code></td><td>{{if .Unverified}}<b class="note">UNVERIFIED:</b> {{.Unverified}}{{else if lt .Layer 0}}no layer{{else}}agrees{{end}}</td></tr>
{{end}}</table>
{{range .Notes}}<p class="meta">{{.}}</p>
{{end}}{{end}}

<h2 id="layers">Layers</h2>
<table><tr><th>#</th><th>diff_id</th><th>Size</th><th>Entries</th><th>History step</th><th>Created</th><th>Introduced by</th><th>Notes</th></tr>
{{range .Layers}}<tr><td>{{.Position}}</td><td class="nowrap"><code>{{short .DiffID}}</code></td><td class="nowrap">{{size .Size}}</td><td>{{if ge .Entries 0}}{{.Entries}}{{else}}-{{end}}</td><td class="step"><code>{{step .CreatedBy}}</code></td><td class="nowrap">{{when .Created}}</td><td>{{if self $ .IntroducedBy}}this image{{else}}{{image .IntroducedBy}}{{end}}</td><td class="notes">{{if .Notes}}<span class="note">{{shortAll (join .Notes "; ")}}</span>{{else}}verified{{end}}</td></tr>
{{end}}</table>

<h2 id="family">Family</h2>
<p>Ancestors (nearest first):</p>
<ul class="family">{{range .Family.Ancestors}}<li>{{image .}} · {{len .Chain}} layers{{if .Trusted}} <span class="trusted">trusted</span>{{end}}</li>{{else}}<li>none known</li>{{end}}</ul>
<p>Descendants:</p>
<ul class="family">{{range .Family.Descendants}}<li>{{image .}} · {{len .Chain}} layers</li>{{else}}<li>none known</li>{{end}}</ul>

<h2 id="tags">Tag history</h2>
{{with tagRows .}}<table><tr><th>Tag</th><th>Image</th><th>Sightings</th><th>First / last seen</th><th></th></tr>
{{range .}}<tr><td>{{.Tag}}</td><td>{{role $ .ConfigDigest}} <code>{{short .ConfigDigest}}</code></td><td>{{.Sightings}}</td><td>{{when .First}} / {{when .Last}}</td><td>{{if .MovedHere}}<span class="note">the tag moved to this image</span>{{end}}</td></tr>
{{end}}</table>{{else}}<p>No tags seen on the report's images.</p>{{end}}
{{if .TagsOmitted}}<p class="meta">{{.TagsOmitted}} sightings of the same tags on other images are left out (see <a href="#log">Full log</a>).</p>{{end}}

<h2 id="indicators">Indicators</h2>
{{if .Indicators}}<p class="meta">Most specific first. Images counts the stored images that hold the indicator, this one included.</p>
<table><tr><th>Kind</th><th>Value</th><th>Images</th><th>Where</th></tr>
{{range .Indicators}}<tr><td>{{.Kind}}</td><td><code>{{.Value}}</code></td><td>{{if .Images}}{{.Images}}{{else}}-{{end}}</td><td>{{.Context}}</td></tr>
{{end}}</table>
<p>For other tools, one per line:</p>
<pre>{{indicators .}}</pre>{{else}}<p>None.</p>{{end}}
{{if .Generic}}<p>Not indicators, because images like this one all hold them:</p>
<ul>{{range .Generic}}<li>{{.Kind}} <code>{{.Value}}</code>: {{.Why}}</li>
{{end}}</ul>{{end}}

<h2 id="sightings">Sightings in other images</h2>
{{if .Sightings}}<table><tr><th>Indicator</th><th>Image</th><th>Where</th><th>Layer</th><th>Path</th><th>First / last seen</th><th>Introduced by</th></tr>
{{range .Sightings}}<tr><td><code>{{trim .Indicator 40}}</code></td><td>{{image .Image}}</td><td>{{.Where}}</td><td>{{layer .Layer}}</td><td><code>{{.Path}}</code></td><td>{{when .FirstSeen}} / {{when .LastSeen}}</td><td>{{image .IntroducedBy}}</td></tr>
{{end}}</table>{{else}}<p>No other stored image holds these indicators.</p>{{end}}

<h2 id="timeline">Timeline</h2>
<table><tr><th>When (UTC)</th><th>Event</th><th>What</th></tr>
{{range .Timeline}}<tr><td class="nowrap">{{when .At}}</td><td>{{.Kind}}</td><td>{{.What}}</td></tr>
{{end}}</table>
{{if .TimelineFolded}}<p class="meta">{{.TimelineFolded}} repeated readings and tag sightings are folded (see <a href="#log">Full log</a>).</p>{{end}}

{{if .Anomalies}}<h2 id="anomalies">Anomalies found reading the evidence</h2>
{{range .Anomalies}}<p class="note"><b>{{.Kind}}</b> (layer {{layer .Layer}}): {{.Detail}}</p>
{{end}}{{end}}

<h2 id="log">Full log</h2>
<p>The report keeps to the images it is about. These show the rest:</p>
<ul>{{range .FullLog}}<li><code>{{.Command}}</code>: {{.Shows}}</li>
{{end}}</ul>
</main>
</body>
</html>
`
