// Package webshell finds server-side web shells by what their code does: request input
// (PHP's $_GET and php://input, a servlet request's parameters, ASP's Request, a CGI
// script's form) flowing through assignments, arrays, string building, decoders and function
// parameters into something that runs commands or code (system, eval, Runtime.exec,
// Process.Start, WScript.Shell, Execute, defineClass, Assembly.Load, a callback or function
// the request names, an include of an uploaded file). Pages are recognised by their content
// wherever it sits in the file (an image header in front of <?php is a polyglot), lexed so
// that comments and strings are never read as code, and analysed on every layer
// signatures/decode reveals; a finding names the decodings that revealed it.
//
// The analyzer is stateless (its only output is findings), so a scan may take a cached
// layer's findings for what it would find.
package webshell

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics/filetype"
	"github.com/strata-forensics/strata/signatures/decode"
)

// Rule ids.
const (
	RuleCommand   = "STRATA-WS-101" // request input runs a command
	RuleCode      = "STRATA-WS-102" // request input is evaluated as code
	RuleCallable  = "STRATA-WS-103" // the request names the function that runs
	RuleClassLoad = "STRATA-WS-104" // a class or assembly is defined from request bytes
	RuleInclude   = "STRATA-WS-105" // a request-named or uploaded file is included
	RuleHidden    = "STRATA-WS-106" // code decoded from a constant is evaluated
	RuleWrite     = "STRATA-WS-107" // request content is written to a file the request names
	RuleDynamic   = "STRATA-WS-108" // request input is handed to a function named at run time
	RuleSkipped   = "STRATA-WS-190" // a page too big to analyse, or decoding cut short
)

// MaxPage is the biggest page the analysis reads; a bigger one is reported as not analysed.
const MaxPage = 8 << 20

const remediation = "Treat the image as compromised: do not run it; remove the page, rebuild from a trusted base and source, and find how the file got in."

// Analyzer finds web shells in server pages and CGI scripts.
type Analyzer struct {
	// Limits bound the decoding of each page; zero values are decode's defaults.
	Limits decode.Limits
	// Exhaustive turns off the shortcuts that only save time: compiled files ruled out by
	// their header before any search for a page in them, and the Node.js gate's single
	// pass over the parentheses instead of one search per word. The findings are the same
	// either way (the tests hold them so); it is the reference the shortcuts are checked
	// against.
	Exhaustive bool
}

// New returns the web shell analyzer.
func New() *Analyzer { return &Analyzer{} }

// Name implements audit.Analyzer.
func (*Analyzer) Name() string { return "webshell" }

// Content implements audit.ContentAnalyzer.
func (a *Analyzer) Content(f audit.File, data []byte) []audit.Finding {
	return a.Analyze(f.Entry.Path, data)
}

// Analyze returns the web shell findings about the file at p (its path in the image) whose
// bytes are data; findings carry no layer.
func (a *Analyzer) Analyze(p string, data []byte) (out []audit.Finding) {
	defer func() {
		// a bug must not cost the rest of the scan; the file is reported as not analysed
		if r := recover(); r != nil {
			out = []audit.Finding{{Rule: RuleSkipped, Category: audit.CategoryWebshell, Severity: audit.Info, Path: p,
				Title:       "page not analysed for web shell structure: the analysis failed",
				Evidence:    fmt.Sprint(r),
				Remediation: "Review the page by hand and report the failure."}}
		}
	}()
	return a.analyze(p, data, true)
}

// analyze is Analyze; drops: the pages the page writes out are read too (not those a page
// so read writes).
func (a *Analyzer) analyze(p string, data []byte, drops bool) (out []audit.Finding) {
	pg := classify(p, data, a.Exhaustive)
	if pg.lang == nil {
		return nil
	}
	if len(data) > MaxPage {
		return []audit.Finding{{Rule: RuleSkipped, Category: audit.CategoryWebshell, Severity: audit.Info, Path: p,
			Title:       fmt.Sprintf("%s page not analysed for web shell structure: %d bytes is over the %d-byte limit", pg.label(), len(data), MaxPage),
			Remediation: "Review the page by hand; YARA rules still scanned it."}}
	}
	// an image that carries PHP code (imagephp.go)
	imagePHP := pg.lang == langPHP && pg.polyglot != "" && !pg.binary && imageCode(data[pg.offset:])
	// a page in an upload directory is read whatever it spells: no application keeps its code there
	if pg.lang == langPHP && !(uploadDir(p) && !imagePHP) && !phpMayRun(data) {
		if imagePHP {
			return []audit.Finding{imagePHPFinding(pg, p)}
		}
		return nil
	}
	syntax := pg.lang.syntax
	if pg.code {
		syntax = syntax.Code()
	}
	src := data[pg.offset:]
	if pg.lang == langJava && (bytes.Contains(src, []byte("&#")) || bytes.Contains(src, []byte("<![CDATA["))) && xmlSyntaxPage(p, src) {
		// a JSP document is XML: the container reads &#x49;&#x6e;... in a scriptlet as the
		// characters they stand for, and a CDATA section as its text, before it compiles the code
		src = unescapeXMLRefs(bytes.ReplaceAll(bytes.ReplaceAll(src, []byte("<![CDATA["), nil), []byte("]]>"), nil))
	}
	if len(src) > bigPage {
		// one big page at a time: its tokens and their analysis hold up to 130 MB
		bigPages <- struct{}{}
		defer func() { <-bigPages }()
	}
	if pg.nginx {
		src = nginxLua(src)
	}
	if pg.binary && pg.lang == langPHP {
		src = phpIslands(src)
	}
	res := decode.Layers(src, syntax, a.Limits)
	seen := map[string]bool{}
	at := map[string]int{}    // where each rule's finding is in out
	depth := map[string]int{} // the length of the chain that revealed it
	var controls map[string]bool
	switch pg.lang {
	case langCSharp, langVBScript, langJScript:
		controls = formControls(data)
	}
	// a page that writes out another holds its tags twice: its own and the literal's
	mayDrop := drops && bytes.Count(data, []byte("<%"))+bytes.Count(data, []byte("<?")) >= 2
	var dropped []string // server pages the page holds as literals and may write out
	dropName := ""
	layers := res.Layers
	// read before the analysis takes the first layer's tokens over
	packed := pg.lang == langPHP && len(layers) > 0 && inWebRoot(p) && packedLoader(layers[0].Tokens)
	// a page that decodes code from its own file (selfread.go)
	selfPaths := map[string]bool{}
	var self *audit.Finding
	var first *analysis // the analysis of the page's own code
	for li := 0; li < len(layers); li++ {
		layer := layers[li]
		if pg.lang == langPHP && !slices.Contains(layer.Chain, StepLiteral) {
			// code a sink is handed as a literal runs in the page's scope: analysed in place
			if toks, ok := inlineLiterals(layer.Tokens, syntax); ok {
				layers = append(layers, decode.Layer{Chain: append(slices.Clone(layer.Chain), StepLiteral), Depth: layer.Depth + 1,
					Syntax: layer.Syntax, Tokens: toks})
			}
		}
		if pg.lang == langJScript {
			layer.Tokens = jsEvalAliases(layer.Tokens)
		}
		if mayDrop && len(dropped) == 0 {
			dropped, dropName = droppedPages(layer.Tokens, p)
		}
		an := newAnalysis(pg.lang, layer.Tokens)
		an.controls = controls
		an.handler = pg.handler
		an.run()
		if li == 0 {
			first = an
		}
		if pg.lang == langPHP && self == nil && (len(selfPaths) > 0 || an.anySelfName()) {
			an.selfPaths(selfPaths)
			if at, ok := an.selfDecoded(selfPaths); ok {
				fd := selfDecodedFinding(pg, p, layer, an, at)
				self = &fd
			}
		}
		if pg.lang == langPHP && !seen[RuleGateway] {
			if hidden, at, sink, ok := an.gateway(); ok {
				seen[RuleGateway] = true
				gw := gatewayFinding(pg, p, layer, an, hidden, at, sink)
				out = append(out, gw)
			}
		}
		for _, fl := range an.flows {
			if strings.HasSuffix(fl.source, fetchedSource) && fl.kind != sinkCode {
				continue
			}
			if strings.HasSuffix(fl.source, sessionSource) && fl.kind != sinkCode && fl.kind != sinkCallable {
				// session data reaching a command or an include is an application's
				// business (a language file the user chose); code run from it is a stored payload
				continue
			}
			fd := finding(pg, layer, an, fl)
			fd.Path = p
			if seen[fd.Rule] {
				// the same technique deeper in the decoded layers says more: what was hidden
				if d := len(layer.Chain); d > depth[fd.Rule] {
					out[at[fd.Rule]], depth[fd.Rule] = fd, d
				}
				continue
			}
			seen[fd.Rule] = true
			at[fd.Rule], depth[fd.Rule] = len(out), len(layer.Chain)
			out = append(out, fd)
		}
	}
	if pg.lang == langNode && !seen[RuleCommand] && !seen[RuleCode] && len(res.Layers) > 0 && mayRelayShell(src) {
		// a web terminal: no request value reaches the spawn, so it is looked for apart
		// (on the first layer again: the analysis took its tokens over)
		toks, _ := decode.Lex(src, syntax)
		toks, _ = decode.Fold(toks, syntax)
		an := newAnalysis(pg.lang, toks)
		if at, what, ok := an.nodeTerminal(p); ok {
			seen[RuleCommand] = true
			out = append(out, terminalFinding(pg, p, an, at, what))
		}
	}
	// XSLT stylesheets with script blocks compile their code when the page transforms
	for _, x := range xsltScripts(data) {
		toks, _ := decode.Lex(x.code, x.lang.syntax.Code())
		an := newAnalysis(x.lang, toks)
		an.controls = controls
		an.run()
		for _, fl := range an.flows {
			fd := finding(pg, decode.Layer{Tokens: toks}, an, fl)
			fd.Path = p
			fd.Title += " (in an XSLT script block the page compiles)"
			if !seen[fd.Rule] {
				seen[fd.Rule] = true
				out = append(out, fd)
			}
		}
	}
	if pg.lang == langJava && !seen[RuleCommand] && !seen[RuleCode] {
		if src, expr := elCommand(data); src != "" {
			seen[RuleCommand] = true
			out = append(out, audit.Finding{Rule: RuleCommand, Category: audit.CategoryWebshell, Severity: audit.Critical, Path: p,
				Title:       pg.label() + " web shell: request input runs a command through an EL expression that reaches the JDK by reflection",
				Evidence:    src + " → EL expression; code: " + expr,
				Remediation: remediation})
		}
	}
	if pg.lang == langPHP && !seen[RuleCommand] && !seen[RuleCode] && !seen[RuleCallable] && len(res.Layers) > 0 {
		if vars, calls, ok := punctuationCall(res.Layers[0].Tokens); ok {
			out = append(out, punctuationFinding(pg, p, vars, calls))
			seen[RulePunctuation] = true
		}
	}
	if pg.lang == langPHP && first != nil && !seen[RuleCommand] && !seen[RuleCode] && !seen[RuleCallable] && !seen[RuleClassLoad] {
		// stagers (stager.go)
		if at, file, script, ok := first.stager(); ok {
			out = append(out, stagerFinding(pg, p, first, at, file, script))
			seen[RuleStager] = true
		} else if at, url, name, ok := first.downloader(); ok {
			out = append(out, downloaderFinding(pg, p, first, at, url, name))
			seen[RuleDownloader] = true
		}
	}
	if pg.lang == langPHP && first != nil {
		// a miner started (miner.go)
		if at, cmd, why, ok := first.minerLaunch(); ok {
			out = append(out, minerFinding(pg, p, first, at, cmd, why))
		}
	}
	if pg.lang == langPHP && first != nil {
		// beacons and tampering (beacon.go)
		if at, to, kinds, ok := first.beacon(); ok {
			out = append(out, beaconFinding(pg, p, first, at, to, kinds))
		}
		if at, what, stomp := first.tamper(p, selfPaths); len(what) > 0 {
			out = append(out, tamperFinding(pg, p, first, at, what, stomp))
		}
	}
	if self != nil && !seen[RuleCommand] && !seen[RuleCode] && !seen[RuleCallable] && !seen[RuleClassLoad] {
		// the page's own bytes run: more than a constant's code evaluated
		out = append(dropRule(out, RuleHidden), *self)
		seen[RuleHidden] = true
	}
	// a weak finding only stands when nothing stronger explains the page
	if seen[RuleCommand] || seen[RuleCode] || seen[RuleCallable] || seen[RuleClassLoad] {
		// the flow says more than the gateway's shape
		out = dropRule(out, RuleGateway)
	}
	if seen[RuleCommand] || seen[RuleCode] || seen[RuleCallable] || seen[RuleClassLoad] || seen[RulePunctuation] || seen[RuleGateway] {
		out = dropRule(out, RuleHidden)
		out = dropRule(out, RuleDynamic)
	}
	if len(dropped) > 0 && !seen[RuleCommand] && !seen[RuleCode] && !seen[RuleCallable] && !seen[RuleClassLoad] {
		if d := a.dropperFindings(pg, p, dropped, dropName); len(d) > 0 {
			out = append(dropRule(dropRule(out, RuleHidden), RuleDynamic), d...)
		}
	}
	if packed {
		raisePacked(out, p)
	}
	if imagePHP && !slices.ContainsFunc(out, func(f audit.Finding) bool { return f.Severity >= audit.Medium }) {
		out = append(out, imagePHPFinding(pg, p))
	}
	if res.Cut != "" && len(out) == 0 {
		out = append(out, audit.Finding{Rule: RuleSkipped, Category: audit.CategoryWebshell, Severity: audit.Info, Path: p,
			Title:       fmt.Sprintf("%s page only partly decoded: the %s bound stopped decoding", pg.label(), res.Cut),
			Evidence:    fmt.Sprintf("%d layers decoded", len(res.Layers)),
			Remediation: "Review the page by hand: what it hides goes deeper than Strata decodes."})
	}
	return out
}

func dropRule(fs []audit.Finding, rule string) []audit.Finding {
	out := fs[:0]
	for _, f := range fs {
		if f.Rule != rule {
			out = append(out, f)
		}
	}
	return out
}

// finding turns a flow into a finding.
func finding(pg page, layer decode.Layer, an *analysis, fl flow) audit.Finding {
	var rule, what string
	sev := audit.Critical
	switch fl.kind {
	case sinkCommand:
		rule, what = RuleCommand, "request input runs a command through "+fl.sink
	case sinkCode:
		rule, what = RuleCode, "request input is evaluated as code by "+fl.sink
	case sinkCallable:
		rule, what = RuleCallable, "the request names the function "+fl.sink+" calls"
	case sinkClassLoad:
		rule, what = RuleClassLoad, "request bytes become code through "+fl.sink
		if strings.HasPrefix(fl.source, "bytecode") {
			what = "bytecode the page embeds becomes a class through " + fl.sink
		}
	case sinkWrite:
		rule, what, sev = RuleWrite, "request content is written to a file the request names by "+fl.sink, audit.High
		if strings.HasPrefix(fl.sink, "chmod") {
			what = "the request sets the mode of a file it names by " + fl.sink + " (a file manager)"
		}
		if fl.confined {
			sev = audit.Medium
			what += "; the directory is kept below the page's own by realpath() and a prefix check, and no file's mode is set: a confined file manager's upload"
			if an.sessionGate() {
				sev = audit.Low
				what += ", behind a session login"
			}
		}
	case sinkDynamic:
		rule, what, sev = RuleDynamic, "request input is handed to a function the code names at run time, "+fl.sink, audit.Medium
	case sinkInclude:
		rule, what = RuleInclude, "a file the request names is included by "+fl.sink
		sev = audit.High
		if fl.strong {
			what = "an uploaded file or the request body is included by " + fl.sink
			sev = audit.Critical
		}
	}
	if url, ok := strings.CutSuffix(fl.source, fetchedSource); ok {
		what = "code fetched from " + url + " is evaluated by " + fl.sink
	}
	if fl.weak {
		rule, what, sev = RuleHidden, "code hidden behind "+strings.Join(fl.chain, " > ")+" is evaluated by "+fl.sink, audit.Medium
		if slices.Contains(fl.chain, decode.StepAlphabet) {
			// code rebuilt character by character out of an alphabet the page generates:
			// no application hides the code it runs so, whatever that code shows
			sev = audit.High
			what += " (code rebuilt character by character from an alphabet the page generates)"
		}
	}
	chain := append(append([]string(nil), layer.Chain...), fl.chain...)
	if fl.weak {
		chain = layer.Chain
	}
	title := pg.label() + " web shell: " + what
	if len(chain) > 0 {
		title += " (decoded: " + strings.Join(chain, " > ") + ")"
	}
	if pg.polyglot != "" {
		title += " (" + pg.polyglot + ")"
	}
	ev := []string{}
	if !fl.weak {
		steps := append([]string{fl.source}, fl.via...)
		ev = append(ev, strings.Join(steps, " → ")+" → "+fl.sink)
	}
	ev = append(ev, "code: "+an.snippet(fl.at))
	if len(chain) > 0 {
		ev = append(ev, "decoded: "+strings.Join(chain, " > "))
	}
	if pg.polyglot != "" {
		ev = append(ev, fmt.Sprintf("page starts at byte %d", pg.offset+pageStart(layer)))
	}
	return audit.Finding{Rule: rule, Category: audit.CategoryWebshell, Severity: sev, Title: title,
		Evidence: strings.Join(ev, "; "), Remediation: remediation}
}

func pageStart(l decode.Layer) int {
	for _, t := range l.Tokens {
		if t.Kind == decode.Tag {
			return t.Pos
		}
	}
	return 0
}

// snippet renders the statement around token i, shortened.
func (a *analysis) snippet(i int) string {
	lo := i
	for lo > 0 && i-lo < 24 {
		t := a.toks[lo-1]
		if t.Is(";") || t.Is("{") || t.Is("}") || t.Kind == decode.Newline {
			break
		}
		lo--
	}
	hi := a.stmtEnd(i, false)
	if hi < len(a.toks) && a.toks[hi].Is(")") {
		hi = a.closeOf(i+1) + 1
	}
	hi = min(max(hi, i+1), i+40, len(a.toks))
	return oneLine(string(decode.Render(a.toks[lo:hi], a.l.syntax.Code())), 160)
}

// bigPage is the size over which pages are analysed one at a time, whatever the scan's
// parallelism, so that a scan's peak memory does not grow with the cores or with an image
// crafted to hold many such pages.
const bigPage = 1 << 20

var bigPages = make(chan struct{}, 1)

// page is a file recognised as a server page or CGI script.
type page struct {
	lang *lang
	// offset is where the page starts in the file: 0 unless a binary header comes first.
	offset int
	// polyglot says what comes before the page, "" when nothing does.
	polyglot string
	// code: after its directive the file is all code, no markup (an ASP.NET handler or web
	// service: .ashx, .asmx)
	code bool
	// handler: a web framework serves the script (a Flask view, a Rails controller), not CGI
	handler bool
	// nginx: an nginx configuration whose embedded Lua handlers are the page
	nginx bool
	// binary: the page is inside binary data that is no image (a database, a compiled
	// pattern file): only its code islands are read (phpIslands)
	binary bool
}

var (
	phpExt  = map[string]bool{".php": true, ".php3": true, ".php4": true, ".php5": true, ".php7": true, ".php8": true, ".phtml": true, ".phar": true, ".pht": true, ".phps": true, ".inc": true}
	jspExt  = map[string]bool{".jsp": true, ".jspx": true, ".jspf": true, ".jsw": true, ".jsv": true}
	aspxExt = map[string]bool{".aspx": true, ".ashx": true, ".asmx": true, ".ascx": true, ".asax": true, ".svc": true, ".cshtml": true, ".soap": true}
	aspExt  = map[string]bool{".asp": true, ".asa": true, ".cer": true, ".cdx": true}
	cgiExt  = map[string]*lang{".pl": langPerl, ".cgi": nil, ".py": langPython, ".rb": langRuby}
)

// notPage are extensions of files no server runs as a page even when they hold <% ... %>:
// scripts, templates of other engines, data and documents.
var notPage = map[string]bool{".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".tsx": true, ".jsx": true, ".json": true,
	".map": true, ".md": true, ".txt": true, ".css": true, ".scss": true, ".erb": true, ".ejs": true, ".html": true, ".htm": true,
	".xml": true, ".svg": true, ".vue": true, ".rb": true, ".py": true, ".pl": true, ".sh": true, ".tmpl": true, ".tpl": true,
	".hbs": true, ".rst": true, ".pod": true, ".c": true, ".h": true, ".go": true, ".java": true, ".cs": true}

// classify recognises a server page or CGI script by its content (and name), cheaply for
// everything else. exhaustive is Analyzer.Exhaustive.
func classify(p string, data []byte, exhaustive bool) page {
	if len(data) < 8 || strings.HasPrefix(p, "/usr/share/doc/") {
		// documentation (examples included) is not served
		return page{}
	}
	if !exhaustive && compiledHead(data) && compiled(filetype.Detect(p, data)) {
		// Decided below in any case, whatever the bytes hold; deciding it first spares the
		// searches for a page all through executables and libraries.
		return page{}
	}
	ext := strings.ToLower(path.Ext(p))
	var pg page
	switch {
	case phpExt[ext] || hasPHPTag(data):
		if !bytes.Contains(data, []byte("<?")) {
			return page{}
		}
		pg.lang = langPHP
		if phpExt[ext] || hasPHPTag(data) {
			break
		}
	case jspExt[ext]:
		pg.lang = langJava
	case ext == ".java" && servletSource(data):
		// a servlet, filter or listener's source: what a memory shell's loader is written as
		// before it is compiled into the application (WEB-INF/src, WEB-INF/classes)
		pg.lang, pg.code, pg.handler = langJava, true, true
		return pg
	case aspxExt[ext]:
		pg.lang = aspLang(data, langCSharp)
	case aspExt[ext]:
		pg.lang = aspLang(data, langVBScript)
	default:
		if !notPage[ext] && bytes.Contains(data, []byte("<%")) {
			pg.lang = sniffASP(data)
		}
		if pg.lang == nil {
			pg.lang = cgiLang(p, ext, data)
		}
		if pg.lang == nil {
			pg.lang = nodeLang(p, ext, data, exhaustive)
		}
		if pg.lang == nil {
			pg.lang, pg.nginx = luaLang(p, ext, data)
		}
	}
	if pg.lang == nil {
		return page{}
	}
	t := filetype.Detect(p, data)
	if compiled(t) {
		// compiled code that merely holds "<?php" among its strings (the PHP interpreter
		// itself) is never served as a page
		return page{}
	}
	if (pg.lang == langPerl || pg.lang == langPython || pg.lang == langRuby) && webApp(pg.lang, data) {
		pg.handler = true
	}
	if pg.lang != langPHP && pg.lang != langPerl && pg.lang != langPython && pg.lang != langRuby && pg.lang != langLua {
		if i, end := handlerDirective(data); i >= 0 {
			pg.code, pg.offset = true, end
			return pg
		}
	}
	if t.Kind == filetype.Image || (t.Kind == filetype.Binary || t.Kind == filetype.Archive) && pageIndex(data, pg.lang) > 0 && !filetype.Detect("", data[:pageIndex(data, pg.lang)]).Textual() {
		what := "binary data"
		if t.Kind == filetype.Image {
			what = strings.ToUpper(t.Detail) + " image"
		} else if t.Detail != "" {
			what = t.Detail + " data"
		}
		pg.polyglot = fmt.Sprintf("polyglot: %s with a %s page inside", what, pg.lang.label)
		pg.binary = t.Kind != filetype.Image
		if i := pageIndex(data, pg.lang); i > 0 {
			pg.offset = i
		}
	}
	return pg
}

// servletSource reports Java source that handles requests: it imports the servlet API.
func servletSource(data []byte) bool {
	return bytes.Contains(data, []byte("javax.servlet")) || bytes.Contains(data, []byte("jakarta.servlet"))
}

// compiled reports executables, libraries and class files.
func compiled(t filetype.Type) bool {
	switch t.Kind {
	case filetype.ELFExecutable, filetype.ELFSharedObject, filetype.ELFRelocatable, filetype.PE, filetype.MachO, filetype.JavaClass:
		return true
	}
	return false
}

// compiledHead reports whether data starts the way the files compiled reports do (ELF,
// "MZ", the Mach-O and class file magics), so that the others are not typed twice.
func compiledHead(data []byte) bool {
	switch data[0] {
	case 0x7f, 'M', 0xfe, 0xce, 0xcf, 0xca:
		return true
	}
	return false
}

// hasPHPTag reports whether data holds a "<?php" (any case) or "<?=" tag.
func hasPHPTag(data []byte) bool {
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte("<?"))
		if i < 0 {
			return false
		}
		off += i + 2
		r := data[off:]
		if len(r) >= 3 && (r[0]|0x20) == 'p' && (r[1]|0x20) == 'h' && (r[2]|0x20) == 'p' || len(r) > 0 && r[0] == '=' {
			return true
		}
	}
}

// pageIndex finds where the page's first code island opens.
func pageIndex(data []byte, l *lang) int {
	if l == langPHP {
		for off := 0; ; {
			i := bytes.Index(data[off:], []byte("<?"))
			if i < 0 {
				return 0
			}
			off += i
			r := data[off+2:]
			if len(r) >= 3 && (r[0]|0x20) == 'p' && (r[1]|0x20) == 'h' && (r[2]|0x20) == 'p' || len(r) > 0 && r[0] == '=' {
				return off
			}
			off += 2
		}
	}
	if i := bytes.Index(data, []byte("<%")); i >= 0 {
		return i
	}
	return 0
}

// formControl matches the opening tag of an ASP.NET server control or a server-side HTML
// form element.
var formControl = regexp.MustCompile(`(?is)<(asp:[a-z]+|input|textarea|select)\b[^>]*>`)
var controlID = regexp.MustCompile(`(?i)\bid\s*=\s*["']?([A-Za-z_][A-Za-z0-9_]*)`)

// formControls returns the IDs (lower case) of the page's server-side form controls: their
// Text or Value properties hold what the client posted.
func formControls(data []byte) map[string]bool {
	if !bytes.Contains(bytes.ToLower(data), []byte("runat")) {
		return nil
	}
	var out map[string]bool
	for _, m := range formControl.FindAll(data, 256) {
		low := bytes.ToLower(m)
		if !bytes.Contains(low, []byte("runat")) || !bytes.Contains(low, []byte("server")) {
			continue
		}
		switch {
		case bytes.HasPrefix(low, []byte("<asp:")):
			kind := string(low[5 : bytes.IndexAny(low[5:], " \t\r\n/>")+5])
			switch kind {
			case "textbox", "hiddenfield", "fileupload", "dropdownlist", "listbox":
			default:
				continue
			}
		case bytes.HasPrefix(low, []byte("<input")):
			if bytes.Contains(low, []byte(`type="submit"`)) || bytes.Contains(low, []byte(`type="button"`)) {
				continue
			}
		}
		if id := controlID.FindSubmatch(m); id != nil {
			if out == nil {
				out = map[string]bool{}
			}
			out[strings.ToLower(string(id[1]))] = true
		}
	}
	return out
}

type embedded struct {
	lang *lang
	code []byte
}

var xsltScript = regexp.MustCompile(`(?is)<msxsl:script\b([^>]*)>(.*?)</msxsl:script>`)
var xsltNoise = regexp.MustCompile(`(?is)<msxsl:(assembly|using)\b[^>]*/>|<!\[CDATA\[|\]\]>`)

// xsltScripts returns the script blocks of the XSLT stylesheets a page holds (in a string or
// beside it): XslCompiledTransform with TrustedXslt compiles and runs them.
func xsltScripts(data []byte) []embedded {
	if !bytes.Contains(data, []byte("msxsl:script")) {
		return nil
	}
	var out []embedded
	for _, m := range xsltScript.FindAllSubmatch(data, 16) {
		attrs := strings.ToLower(string(m[1]))
		l := langCSharp
		switch {
		case strings.Contains(attrs, "jscript") || strings.Contains(attrs, "javascript"):
			l = langJScript
		case strings.Contains(attrs, "vb"):
			l = langVBScript
		}
		code := xsltNoise.ReplaceAll(m[2], nil)
		// inside a C# verbatim string a quote is doubled
		code = bytes.ReplaceAll(code, []byte(`""`), []byte(`"`))
		out = append(out, embedded{lang: l, code: code})
	}
	return out
}

// handlerDirective finds the directive of an ASP.NET handler or web service (<%@ WebHandler
// ... %>, <%@ WebService ... %>), whose file holds code after it rather than markup: where
// it starts and where the code after it does, -1 when there is none.
func handlerDirective(data []byte) (int, int) {
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], []byte("<%@"))
		if i < 0 {
			return -1, 0
		}
		i += off
		end := bytes.Index(data[i:], []byte("%>"))
		if end < 0 {
			return -1, 0
		}
		d := strings.ToLower(strings.TrimSpace(string(data[i+3 : i+end])))
		if strings.HasPrefix(d, "webhandler") || strings.HasPrefix(d, "webservice") || strings.HasPrefix(d, "language") && strings.Contains(d, "class=") {
			return i, i + end + 2
		}
		off = i + end + 2
	}
	return -1, 0
}

// aspLang reads the language an ASP or ASP.NET page's directive names.
func aspLang(data []byte, def *lang) *lang {
	i := bytes.Index(data, []byte("<%@"))
	if i < 0 {
		return def
	}
	end := bytes.Index(data[i:], []byte("%>"))
	if end < 0 {
		end = min(len(data)-i, 256)
	}
	d := strings.ToLower(string(data[i : i+end]))
	j := strings.Index(d, "language")
	if j < 0 {
		if strings.Contains(d, "page") && strings.Contains(d, "import") {
			return langJava
		}
		return def
	}
	v := strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d[j+len("language"):]), "=")), `"' `)
	switch {
	case strings.HasPrefix(v, "c#"), strings.HasPrefix(v, "cs"):
		return langCSharp
	case strings.HasPrefix(v, "vb"):
		return langVBScript
	case strings.HasPrefix(v, "jscript"), strings.HasPrefix(v, "javascript"):
		return langJScript
	case strings.HasPrefix(v, "java"):
		return langJava
	}
	return def
}

// sniffASP tells JSP, ASP.NET and classic ASP apart in a page with <% %> islands and no
// telling name, by its directive or by what its code calls; nil when it is none of them
// (an ERB or EJS template).
func sniffASP(data []byte) *lang {
	if bytes.Contains(data, []byte("<%@")) {
		d := aspLang(data, nil)
		if d != nil {
			return d
		}
		low := bytes.ToLower(data[:min(len(data), 4096)])
		switch {
		case bytes.Contains(low, []byte("<%@ page")) || bytes.Contains(low, []byte("<%@page")) || bytes.Contains(low, []byte("<%@ taglib")):
			if bytes.Contains(data, []byte("<%@ Page")) || bytes.Contains(data, []byte("<%@ WebHandler")) {
				return langCSharp
			}
			return langJava
		}
	}
	if len(data) > 512<<10 {
		return nil // a page with no directive is small; bundles that merely hold "<%" are not
	}
	if i := bytes.Index(data, []byte("<%")); i < 0 || i > 4096 {
		return nil
	}
	javaHints := [][]byte{[]byte("request.getParameter"), []byte("getRuntime"), []byte("ProcessBuilder"), []byte("out.print"), []byte("defineClass"), []byte("ScriptEngine")}
	for _, h := range javaHints {
		if bytes.Contains(data, h) {
			return langJava
		}
	}
	low := bytes.ToLower(data)
	if bytes.Contains(low, []byte("request.form")) || bytes.Contains(low, []byte("request.querystring")) || bytes.Contains(low, []byte("request(")) ||
		bytes.Contains(low, []byte("request.item")) || bytes.Contains(low, []byte("response.write")) || bytes.Contains(low, []byte("createobject(")) ||
		bytes.Contains(low, []byte("request[")) || bytes.Contains(low, []byte("process.start")) {
		if bytes.Contains(data, []byte("Request[")) || bytes.Contains(low, []byte("process.start")) || bytes.Contains(data, []byte(";")) && bytes.Contains(data, []byte("Request.Form[")) {
			return langCSharp
		}
		return langVBScript
	}
	return nil
}

// cgiMarkers say a Perl, Python or Ruby script answers web requests.
var cgiMarkers = [][]byte{[]byte("QUERY_STRING"), []byte("REQUEST_METHOD"), []byte("CONTENT_LENGTH"), []byte("use CGI"),
	[]byte("CGI->new"), []byte("new CGI"), []byte("FieldStorage"), []byte("import cgi"), []byte("require 'cgi'"),
	[]byte(`require "cgi"`), []byte("CGI.new"), []byte("from flask"), []byte("import flask"), []byte("from bottle"),
	[]byte("django.http")}

// libraryDirs hold the modules interpreters load, never scripts a web server runs.
var libraryDirs = []string{"/usr/share/perl", "/usr/lib/perl", "/perl5/", "/site_perl/", "/vendor_perl/", "/site-packages/",
	"/dist-packages/", "/usr/lib/python", "/usr/local/lib/python", "/usr/lib/ruby/", "/vendor_ruby/", "/gems/", "/rubygems-integration/",
	"/thirdparty/", "/third_party/", "/_vendor/", "/vendored/"}

// library reports whether p is a Perl, Python or Ruby module rather than a script: a module
// (.pm) is loaded by a program, never run as a page, and neither is a file in the
// interpreters' library directories.
func library(p, ext string) bool {
	if ext == ".pm" || ext == ".pod" {
		return true
	}
	if strings.Contains(p, "/cgi-bin/") {
		return false
	}
	for _, d := range libraryDirs {
		if strings.Contains(p, d) {
			return true
		}
	}
	return strings.HasPrefix(p, "/usr/lib/") && strings.Contains(p, "/perl")
}

// cgiLang recognises a Perl, Python or Ruby script that answers web requests.
func cgiLang(p, ext string, data []byte) *lang {
	l, ok := cgiExt[ext]
	if !ok || l == nil {
		if !bytes.HasPrefix(data, []byte("#!")) {
			return nil
		}
		line := data[:max(0, min(len(data), 128))]
		if e := bytes.IndexByte(line, '\n'); e >= 0 {
			line = line[:e]
		}
		switch {
		case bytes.Contains(line, []byte("perl")):
			l = langPerl
		case bytes.Contains(line, []byte("python")):
			l = langPython
		case bytes.Contains(line, []byte("ruby")):
			l = langRuby
		default:
			return nil
		}
	}
	// After the name and the #! line, which rule out most files at less cost.
	if library(p, ext) {
		return nil
	}
	if strings.Contains(p, "cgi-bin/") {
		return l
	}
	for _, m := range cgiMarkers {
		if bytes.Contains(data, m) {
			return l
		}
	}
	if webApp(l, data) {
		return l
	}
	return nil
}

// xmlSyntaxPage reports a JSP document, the XML form of a page (.jspx, <jsp:root>): the
// container parses it as XML, character references included.
func xmlSyntaxPage(p string, data []byte) bool {
	return strings.EqualFold(path.Ext(p), ".jspx") || bytes.Contains(data, []byte("<jsp:root")) || bytes.Contains(data, []byte("<jsp:scriptlet"))
}

// unescapeXMLRefs replaces XML character references (&#73; &#x49;) and the five predefined
// entities with the characters they stand for.
func unescapeXMLRefs(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		if data[i] != '&' {
			out = append(out, data[i])
			continue
		}
		end := bytes.IndexByte(data[i:min(len(data), i+12)], ';')
		if end < 0 {
			out = append(out, '&')
			continue
		}
		ref := string(data[i+1 : i+end])
		var r rune = -1
		switch {
		case strings.HasPrefix(ref, "#x") || strings.HasPrefix(ref, "#X"):
			if v, err := strconv.ParseUint(ref[2:], 16, 32); err == nil && v < 0x110000 {
				r = rune(v)
			}
		case strings.HasPrefix(ref, "#"):
			if v, err := strconv.ParseUint(ref[1:], 10, 32); err == nil && v < 0x110000 {
				r = rune(v)
			}
		case ref == "lt":
			r = '<'
		case ref == "gt":
			r = '>'
		case ref == "amp":
			r = '&'
		case ref == "quot":
			r = '"'
		case ref == "apos":
			r = '\''
		}
		if r < 0 {
			out = append(out, '&')
			continue
		}
		out = utf8.AppendRune(out, r)
		i += end
	}
	return out
}

// elCommand finds an EL expression (${...} or #{...}) in a JSP that reads the request
// (param., paramValues., header., cookie., pageContext.request) and reaches a process or the
// JDK's reflection (getRuntime, ProcessBuilder, forName, getMethod, ScriptEngine): EL calls
// methods, so such an expression is code the request feeds. It returns the request input and
// the expression, "" when there is none.
func elCommand(data []byte) (string, string) {
	for i := 0; i+1 < len(data); i++ {
		if data[i+1] != '{' || data[i] != '$' && data[i] != '#' {
			continue
		}
		end := bytes.IndexByte(data[i:min(len(data), i+4096)], '}')
		for end > 0 && bytes.Count(data[i:i+end], []byte("{")) > bytes.Count(data[i:i+end], []byte("}"))+1 {
			next := bytes.IndexByte(data[i+end+1:min(len(data), i+4096)], '}')
			if next < 0 {
				end = -1
				break
			}
			end += next + 1
		}
		if end < 0 {
			continue
		}
		expr := data[i : i+end+1]
		reach := false
		for _, w := range []string{"getRuntime", "ProcessBuilder", "forName", "getMethod", "getDeclaredMethod", "ScriptEngine", "getEngineByName", "defineClass"} {
			if bytes.Contains(expr, []byte(w)) {
				reach = true
				break
			}
		}
		if !reach {
			continue
		}
		for _, src := range []string{"param.", "param[", "paramValues", "header.", "header[", "cookie.", "pageContext.request"} {
			if bytes.Contains(expr, []byte(src)) {
				return "EL " + strings.TrimSuffix(strings.TrimSuffix(src, "."), "["), string(expr)
			}
		}
		i += end
	}
	return "", ""
}

// maxIsland bounds a PHP code island read inside binary data that does not close it.
const maxIsland = 64 << 10

// phpIslands returns the PHP code islands of binary data (each opening tag to its "?>", or
// maxIsland bytes on), each closed, with the bytes between them left out. PHP runs what is
// between its tags and prints the rest, so the islands are the page; a compiled pattern file
// (file's magic.mgc) that holds "<?php" among megabytes of binary is not read as code to its
// end, and code appended anywhere in the data is still read.
func phpIslands(data []byte) []byte {
	var out []byte
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], []byte("<?"))
		if i < 0 {
			break
		}
		start := off + i
		end := min(len(data), start+maxIsland)
		if j := bytes.Index(data[start+2:end], []byte("?>")); j >= 0 {
			end = start + 2 + j + 2
		}
		out = append(out, data[start:end]...)
		if !bytes.HasSuffix(out, []byte("?>")) {
			out = append(out, "\n?>"...)
		}
		out = append(out, '\n')
		off = end
	}
	return out
}
