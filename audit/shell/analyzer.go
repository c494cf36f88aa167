package shell

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

// Rule ids. The reverse shell, persistence, dropper and key rules keep the ids the one-line
// YARA rules they replace had.
const (
	RuleDevTCP       = "STRATA-RS-001"
	RuleNetExec      = "STRATA-RS-002"
	RuleFifo         = "STRATA-RS-003"
	RuleSocat        = "STRATA-RS-004"
	RuleNetPipe      = "STRATA-RS-005"
	RulePython       = "STRATA-RS-006"
	RulePerl         = "STRATA-RS-007"
	RuleRuby         = "STRATA-RS-008"
	RulePHP          = "STRATA-RS-009"
	RuleLua          = "STRATA-RS-010"
	RuleNode         = "STRATA-RS-011"
	RuleAwk          = "STRATA-RS-012"
	RuleCmdLoop      = "STRATA-RS-013"
	RuleXterm        = "STRATA-RS-014"
	RuleTcl          = "STRATA-RS-015"
	RuleGo           = "STRATA-RS-016"
	RuleJava         = "STRATA-RS-017"
	RuleCSource      = "STRATA-RS-018"
	RuleRust         = "STRATA-RS-019"
	RuleR            = "STRATA-RS-022"
	RuleDart         = "STRATA-RS-023"
	RuleCron         = "STRATA-PS-001"
	RuleAutostart    = "STRATA-PS-002"
	RuleSystemd      = "STRATA-PS-003"
	RuleKeyAppend    = "STRATA-SK-003"
	RulePreloadWrite = "STRATA-LP-012"
	RuleDropRun      = "STRATA-MW-002"
	RuleFetchRun     = "STRATA-EX-001"
	RuleDecodeRun    = "STRATA-EX-002"
	RuleMinerCommand = "STRATA-MN-010"
	RuleMinerPrep    = "STRATA-MN-011"
	// Credential theft and escapes (credtheft.go, escape.go).
	RuleCredSend    = "STRATA-CT-001"
	RuleCredNear    = "STRATA-CT-002"
	RuleFakePrompt  = "STRATA-CT-003"
	RulePromptAlias = "STRATA-CT-004"
	RuleCredSweep   = "STRATA-CT-005"
	RuleCredCapture = "STRATA-CT-006"
	// RuleCredStage is credentials gathered for taking and not sent by the script itself.
	RuleCredStage = "STRATA-CT-008"
	// RuleUdevDaemon is a udev rule that detaches the program it runs (autostart.go's place).
	RuleUdevDaemon = "STRATA-PS-009"
	RuleEscape     = "STRATA-ES-001"
	// RuleCGI is the web shell rule of request input running a command, which a shell CGI
	// script's request (QUERY_STRING, HTTP_*) reaching eval or sh -c is.
	RuleCGI = "STRATA-WS-101"
	// Remote access kept by a script (remote.go, agent.go).
	RuleHTTPAgent = "STRATA-RS-024"
	RuleTunnel    = "STRATA-RS-025"
)

// maxFile bounds the files parsed; bigger ones are passed over (they are not scripts).
const (
	maxScript = 4 << 20  // scripts and code by type or place
	maxText   = 1 << 20  // other text, analysed when it names a tool
	smallText = 64 << 10 // other text up to this size is searched for every trigger
)

// perlHandleRead matches a line read from a bareword handle (<C>, <SOCK>), as a Perl script
// reads its socket; <STDIN> and <> are not one.
var perlHandleRead = regexp.MustCompile(`<[A-Z][A-Z0-9_]*>`)

// anchors are what a big text must hold to be searched for the other triggers.
var anchors = [][]byte{[]byte("/dev/tcp/"), []byte("/dev/udp/"), []byte("mkfifo"), []byte("-e /bin/"), []byte("| sh"),
	[]byte("|sh"), []byte("| bash"), []byte("|bash"), []byte("base64 -d"), []byte("sh -i")}

func hasAnchor(g *grams, data []byte) bool {
	for _, a := range anchors {
		if g.has(data, a) {
			return true
		}
	}
	return false
}

// Analyzer is the shell analyzer: a content analyzer over scripts and the files that hold
// commands, a tree analyzer over the image's build steps and command, and a reviewer of the
// autostart, sudoers and PAM files (kept during the read pass) for persistence that runs
// staged code and for privilege backdoors.
type Analyzer struct {
	// Inventory, when set, gives the image's package inventory after the tree analyzers ran
	// (the packages analyzer's): a staged file no package owns makes its autostart critical.
	Inventory func() *pkgs.Inventory
	// Exhaustive turns off the shortcuts that only save time: the trigram set in front of
	// the word searches, the literal tests in front of regular expressions, and the test for
	// a socket creator in front of following a socket through a window of code. The
	// findings are the same either way (the tests hold them so); it is the reference the
	// shortcuts are checked against.
	Exhaustive bool
}

// New returns the analyzer.
func New() *Analyzer { return &Analyzer{} }

// Name implements audit.Analyzer. The name is what the layer cache's rule hash and the
// stateless-content list know it by.
func (*Analyzer) Name() string { return "shell" }

// Content implements audit.ContentAnalyzer.
func (a *Analyzer) Content(f audit.File, data []byte) []audit.Finding {
	hits := analyze(f.Entry.Path, f.Entry.Mode&0o111 != 0, data, a.Exhaustive)
	hits = append(hits, trojanScript(f.Entry.Path, f.Entry.Mode&0o111 != 0, data)...)
	var sources []audit.Finding // what the source of a program or module would build
	if src, ok := authSourceFinding(f.Entry.Path, data); ok {
		sources = append(sources, src)
	}
	if src, ok := kernelSourceFinding(f.Entry.Path, data); ok {
		sources = append(sources, src)
	}
	if cr, ok := crHiddenFinding(f.Entry.Path, data); ok {
		sources = append(sources, cr)
	}
	if len(hits) == 0 {
		return sources
	}
	serviceTunnels(f.Entry.Path, data, hits)
	hits = dropOutputOnly(hits)
	return append(findings(hits, f.Entry.Path, isDoc(f.Entry.Path)), sources...)
}

// analyze returns what the file at p does; exec says it has an execute bit (a text file
// without a #! line that is executable is run by sh). exhaustive is Analyzer.Exhaustive.
func analyze(p string, exec bool, data []byte, exhaustive bool) []hit {
	if len(data) == 0 || len(data) > maxScript || binaryHead(data) {
		return nil
	}
	f, lang := formatOf(p, data)
	if f == formatText && exec && !bytes.HasPrefix(data, []byte("#!")) && !isDoc(p) {
		f = formatShell
	}
	if f == formatText {
		// Decided by size and shape, before the trigram set is worth building.
		if len(data) > maxText {
			return nil
		}
		if blob := base64Blob(data); blob != nil {
			return analyzeBlob(blob)
		}
		// Big prose and data files (dictionaries, manuals, headers, locale data) are held to
		// a few unmistakable anchors before they are read line by line: a search for each
		// costs less than the trigram set, which only the files that hold one get.
		if len(data) > smallText && !hasAnchor(nil, data) {
			return nil
		}
	}
	// The gates below look for dozens of words each; the trigram set rules most of them out
	// in one pass. A nil set searches the text for every word.
	var g *grams
	if !exhaustive {
		g = newGrams(data)
		defer g.release()
	}
	var proxies []hit
	// a client's settings file or the script, unit or job that starts it; code of an
	// interpreter is not read for them
	if f != formatLang && g.hasAny(data, "remote_port", "remotePort", "chisel", "ngrok", "bore local") && !isDoc(p) {
		proxies = proxyClients(data)
	}
	if f == formatLang && (lang == "python" || lang == "perl" || lang == "ruby" || lang == "node") && !interpLibrary(p) &&
		g.hasAny(data, "gethostbyname", "getaddrinfo", "dns.lookup", "dns.resolve", "dns.promises", "Resolv", "dns.resolver", "Resolver(") &&
		g.hasAny(data, "b32encode", "b64encode", "b16encode", "hexlify", "encode_base", "encode64", "toString('hex')", `toString("hex")`,
			"toString('base64", `toString("base64`, ".hex()", "unpack('H", `unpack("H`, "unpack 'H", `unpack "H`) {
		if ev, line := dnsExfil(data); ev != "" {
			proxies = append(proxies, hit{kind: hitDNSExfil, lang: lang, evidence: oneLine(ev, 200), line: line})
		}
	}
	if f == formatLang && (lang == "python" || lang == "perl" || lang == "ruby" || lang == "node") && !interpLibrary(p) &&
		g.hasAny(data, "TXT", "resolveTxt") && g.hasAny(data, "resolver", "Resolver", "resolveTxt", "Resolv", "Net::DNS", "dns.") &&
		g.hasAny(data, "subprocess", "system", "popen", "exec", "child_process", "eval", "qx", "Open3") {
		if ev, ok := dnsCommands(tokenize(data, lang), lang); ok {
			proxies = append(proxies, hit{kind: hitDNSCommand, lang: lang, evidence: oneLine(ev, 200)})
		}
	}
	var text []logicalLine // what to analyse of a text that is not a script
	var textLangs []string // the languages that text looks like
	switch f {
	case formatText:
		var langs []string
		if len(data) <= smallText {
			langs = sniffLangs(g, data)
		}
		// Prose and data files are read only where they name a tool, so that a dictionary
		// that holds the word "fetch" costs one byte search.
		text = triggerLines(g, data)
		if len(text) == 0 && len(langs) == 0 {
			return proxies
		}
		if len(data) > smallText {
			// A big text that names a tool is still read as every language it looks like.
			langs = sniffLangs(g, data)
		}
		textLangs = langs
	case formatLang:
		// a start-up hook among the modules runs by itself: it is held to a program's gates
		if !langTrigger(g, lang, data, interpLibrary(p) && !pthFile(p) && !strings.HasSuffix(p, "customize.py")) {
			return proxies
		}
	default:
		// udev rules are few and short, and what detaches a program there (systemd-run, &)
		// is no trigger word elsewhere: read whole
		if f != formatUdev && !(f == formatSystemd && g.has(data, []byte("StandardInput"))) && !hasStrongTrigger(g, data) && !hasDownloader(g, data) && !hasNetTool(g, data) && !hasInterpreterCode(g, data) && !hasMinerArgs(g, data) &&
			!hasTradecraftTrigger(g, data) && !credEscTrigger(g, data) && !hasTunnelTrigger(g, data) && !hasSetuidTrigger(g, data) {
			return proxies
		}
	}
	if f == formatShell && hasDownloader(g, data) && g.has(data, []byte("://")) {
		if ev, n := archDropper(data); n > 0 {
			proxies = append(proxies, hit{kind: hitArchDrop, evidence: ev, detail: fmt.Sprintf("%d CPU architectures", n)})
		}
	}
	return append(passes(func(an *analysis) {
		an.exhaustive = exhaustive
		an.self = p
		// $0 is the script's own path when it is run, the shell when it is sourced (profile,
		// rc files) or a command line a shell runs (crontab, unit, hook).
		switch {
		case f == formatShell && !sourced(p):
			an.vars["0"] = lit(p)
		case f != formatText && f != formatLang && f != formatHistory:
			an.vars["0"] = lit("/bin/sh")
		}
		if f == formatText {
			an.textLines(text, textLangs, data)
		} else {
			analyzeAs(an, p, f, lang, data)
		}
		an.credFinish()
		an.escFinish()
		an.minerFinish()
	}), proxies...)
}

// packageCode says why a language file is a package's code that runs by itself: a module of
// the interpreters' libraries (run when imported) or a package's setup script (run when
// installed); "" for other files.
func packageCode(p string) string {
	base := path.Base(p)
	ext := path.Ext(base)
	switch {
	case base == "setup.py" || base == "Makefile.PL" || base == "Build.PL" || base == "extconf.rb":
		return "in a package's setup script: it runs when the package is installed"
	case (ext == ".py" || ext == ".pm" || ext == ".rb" || ext == ".js" || ext == ".cjs" || ext == ".mjs") && interpLibrary(p):
		return "in a module of the interpreters' libraries: it runs when the module is loaded"
	}
	return ""
}

// literalIPHost reports a tunnel's far end given as an IP address (host or host:port).
func literalIPHost(from string) bool { return net.ParseIP(hostOf(from)) != nil }

// sourced reports shell files a shell reads into itself rather than runs: profile
// fragments and rc files, where $0 is the shell.
func sourced(p string) bool {
	dir, name := path.Split(p)
	return strings.HasPrefix(dir, "/etc/profile.d/") || p == "/etc/profile" || p == "/etc/bash.bashrc" || p == "/etc/bashrc" ||
		p == "/etc/zshrc" || p == "/etc/zprofile" || p == "/etc/environment" || shellRC[name] || strings.HasPrefix(dir, "/etc/X11/Xsession.d")
}

// passes runs an analysis until what it learns of files and named pipes stops changing: a
// named pipe written at the end of a pipeline feeds a read at its start, and a file written
// late in a script may be run by a function defined early.
func passes(run func(an *analysis)) []hit {
	files, fifos := map[string]val{}, map[string]bool{}
	var list *hitList
	var last int
	for pass := 0; pass < maxPasses; pass++ {
		list = &hitList{}
		an := newAnalysis(list)
		an.files, an.fifos = files, fifos
		run(an)
		if pass == 0 && (len(files) == 0 && len(fifos) == 0 || !an.order.stale()) {
			// Nothing learned, or nothing looked up before it was written: a second pass
			// would see what the first saw and find the same. Most files end here.
			break
		}
		sig := len(files)*1000 + len(fifos)
		for _, v := range files {
			if v.net {
				sig += 7
			}
		}
		if pass > 0 && sig == last {
			break
		}
		last = sig
	}
	return list.hits
}

// textLines analyses a text file that is not a script: the lines that name a tool (and the
// assignments before them) as shell, and the file as code of each language it looks like
// (langs, sniffLangs of the whole text).
func (a *analysis) textLines(lines []logicalLine, langs []string, whole []byte) {
	if len(lines) > 0 {
		a.nesting++
		a.shellLines(lines)
		a.nesting--
	}
	for _, l := range langs {
		if len(whole) <= smallText {
			a.langCode(nil, l, whole)
			continue
		}
		// A big text (a package database, a manual) that mentions a language's socket
		// module in its prose is read as that language only around the mentions: code
		// hidden in it is near its imports.
		for _, w := range langWindows(whole, l) {
			a.langCode(nil, l, w)
		}
	}
}

// Lines read as code around a language's marker in a big text: the code before an import
// is short, what follows it is the program.
const (
	windowBefore = 40
	windowAfter  = 400
)

// langWindows returns the parts of text around each marker of lang (langMarkers), from
// windowBefore lines before it to windowAfter lines after, overlapping ones merged: every
// mention is covered, so a text that mentions a module throughout is read whole.
func langWindows(text []byte, lang string) [][]byte {
	var markers []string
	for _, lm := range langMarkers {
		if lm.lang == lang {
			markers = lm.markers
		}
	}
	var spans [][2]int
	for _, m := range markers {
		for off := 0; off < len(text); {
			i := bytes.Index(text[off:], []byte(m))
			if i < 0 {
				break
			}
			i += off
			start, end := i, i
			for k := 0; k <= windowBefore && start > 0; k++ {
				start = bytes.LastIndexByte(text[:start-1], '\n') + 1
			}
			for k := 0; k < windowAfter && end < len(text); k++ {
				j := bytes.IndexByte(text[end:], '\n')
				if j < 0 {
					end = len(text)
					break
				}
				end += j + 1
			}
			spans = append(spans, [2]int{start, end})
			off = end
		}
	}
	slices.SortFunc(spans, func(x, y [2]int) int { return x[0] - y[0] })
	var merged [][2]int
	for _, sp := range spans {
		if n := len(merged); n > 0 && sp[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], sp[1])
			continue
		}
		merged = append(merged, sp)
	}
	out := make([][]byte, 0, len(merged))
	for _, sp := range merged {
		out = append(out, text[sp[0]:sp[1]])
	}
	return out
}

// analyzeBlob analyses a file that is one base64 blob: a hidden stage.
func analyzeBlob(decoded []byte) []hit {
	list := &hitList{}
	an := newAnalysis(list)
	an.chain = []string{"base64"}
	if l := shebangLang(decoded); l != "" && l != "shell" {
		an.langCode(nil, l, decoded)
	} else {
		an.shellText(decoded, fdset{})
	}
	for i := range list.hits {
		list.hits[i].blob = true
	}
	return list.hits
}

// base64Blob returns the decoded text of data when data is nothing but base64 (a stage kept
// encoded on disk), else nil.
func base64Blob(data []byte) []byte {
	t := bytes.TrimSpace(data)
	if len(t) < 24 {
		return nil
	}
	for _, c := range t {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' ||
			c == '\n' || c == '\r') {
			return nil
		}
	}
	for depth := 0; depth < 3; depth++ {
		text, ok := decodeAs("base64", val{s: string(t)})
		if !ok {
			return nil
		}
		if z, ok := decodeAs("gzip", val{s: text}); ok {
			text = z
		}
		if !audit.Printable([]byte(text)) {
			return nil
		}
		d := []byte(text)
		if next := bytes.TrimSpace(d); isAllBase64(string(bytes.ReplaceAll(next, []byte("\n"), nil))) && len(next) >= 24 {
			t = next
			continue
		}
		return d
	}
	return nil
}

func binaryHead(data []byte) bool {
	head := data[:min(len(data), 1024)]
	return bytes.IndexByte(head, 0) >= 0 || bytes.HasPrefix(head, []byte("\x7fELF"))
}

// strongTriggers are text that a shell behaviour the analyzer reports can hardly do
// without: a network device, a tool told to run a program, a pipe into a shell or an
// interpreter, a decoder, a named pipe, inline code, a persistence file, a miner's name or an
// option only a miner takes.
var strongTriggers = [][]byte{
	[]byte("/dev/tcp/"), []byte("/dev/udp/"), []byte("e /"), []byte("e sh"), []byte("e bash"), []byte("e $"), []byte("c /bin/"), []byte("c sh"), []byte("c bash"),
	[]byte("-exec"), []byte("sh-exec"), []byte("mkfifo"), []byte("mknod"), []byte("| sh"), []byte("|sh"), []byte("| bash"),
	[]byte("|bash"), []byte("| /"), []byte("|/"), []byte("| $"), []byte("|$"), []byte("base64"), []byte("base32"), []byte("xxd -r"),
	[]byte("| rev"), []byte("|rev"), []byte("exec:"), []byte("EXEC:"), []byte("system:"), []byte("SYSTEM:"), []byte("s_client"),
	[]byte("crontab"), []byte("authorized_keys"), []byte("ld.so.preload"), []byte(" -c '"), []byte(` -c "`), []byte(" -c $"),
	[]byte("-e '"), []byte(`-e "`), []byte("-r '"), []byte(`-r "`), []byte("/inet/"), []byte("-display"), []byte("telnetd"),
	[]byte("sh -i"), []byte("bash -i"), []byte("$(curl"), []byte("$(wget"), []byte("`curl"), []byte("`wget"), []byte("<(curl"),
	[]byte("<(wget"), []byte(`\x`), []byte("N-ZA-M"), []byte("n-za-m"), []byte("| python"), []byte("|python"), []byte("| perl"),
	[]byte("|perl"), []byte("| php"), []byte("| ruby"), []byte("| node"), []byte("| lua"), []byte("<&"), []byte(">&"),
	[]byte("gs-netcat"), []byte("rcat "), []byte("go run"), []byte("ztcp"), []byte("telnet://"), []byte("eval $("), []byte("eval `"),
	[]byte("${IFS}"), []byte("$IFS"), []byte("QUERY_STRING"), []byte("xmrig"), []byte("--donate-"), []byte("--cpu-max-threads-hint"),
	[]byte("--randomx-"), []byte("NOPASSWD"), []byte("!authenticate"),
}

// textTriggers are the strong triggers that stay rare in prose, data and C headers: what a
// text file must hold on a line for the line to be read as shell. Pipes into a program are
// found separately (pipeTrigger), with one search for "|".
var textTriggers = [][]byte{
	[]byte("/dev/tcp/"), []byte("/dev/udp/"), []byte(" -e "), []byte("sh-exec"), []byte("mkfifo"), []byte("mknod"),
	[]byte("base64 -"), []byte("xxd -r"), []byte("xec:"), []byte("XEC:"), []byte("ystem:"), []byte("s_client"), []byte("crontab"),
	[]byte("authorized_keys"), []byte("ld.so.preload"), []byte("/inet/"), []byte("-display"), []byte("telnetd"), []byte("sh -i"),
	[]byte("$(curl"), []byte("$(wget"), []byte("`curl"), []byte("`wget"), []byte("<(curl"), []byte("<(wget"), []byte(" -c "),
	[]byte(" -r "), []byte("nc -"), []byte("ncat "), []byte("socat "), []byte("telnet "), []byte("0>&1"), []byte("<&"),
	[]byte("rcat "), []byte("gs-netcat"), []byte("go run"), []byte("ztcp"), []byte("telnet://"),
}

// pipeTargets are what a pipe into which makes a text line shell worth reading.
var pipeTargets = []string{"sh", "bash", "dash", "zsh", "ksh", "ash", "/bin/", "/usr/bin/", "$SHELL", "python", "perl", "php", "ruby",
	"node", "lua", "busybox", "base64", "rev", "xxd", "nc", "ncat", "telnet", "openssl", "socat", "tclsh", "jjs", "jrunscript",
	"groovy", "Rscript", "exec", "$("}

// pipeTrigger returns the offsets of pipes into a shell, an interpreter, a decoder or a
// network tool in data.
func pipeTrigger(data []byte, fn func(at int)) {
	for off := 0; off < len(data); {
		i := bytes.IndexByte(data[off:], '|')
		if i < 0 {
			return
		}
		i += off
		off = i + 1
		j := i + 1
		for j < len(data) && (data[j] == ' ' || data[j] == '\t') {
			j++
		}
		rest := data[j:min(len(data), j+16)]
		for _, t := range pipeTargets {
			if bytes.HasPrefix(rest, []byte(t)) && (len(rest) == len(t) || !wordByte(rest[len(t)]) || t[len(t)-1] == '/' || t == "python" || t == "perl" || t == "$(") {
				fn(i)
				break
			}
		}
	}
}

// hasStrongTrigger reports whether text holds one of the strong triggers.
func hasStrongTrigger(g *grams, data []byte) bool {
	for _, s := range strongTriggers {
		if g.has(data, s) {
			return true
		}
	}
	return false
}

// hasInterpreterCode reports code handed to an interpreter with its option glued to the
// quote (ruby -e'...', perl -e"..."), piped into one (echo ... | jjs), or code of a language
// among the script's own lines (a program told to run python code it is given).
func hasInterpreterCode(g *grams, data []byte) bool {
	for _, t := range []string{"-e'", `-e"`, "-c'", `-c"`, "-r'", `-r"`, "-E'", `-E"`} {
		if g.hasString(data, t) {
			return true
		}
	}
	found := false
	pipeTrigger(data, func(int) { found = true })
	if found {
		return true
	}
	return len(data) <= smallText && len(sniffLangs(g, data)) > 0
}

// hasDownloader reports a download tool: a script may fetch a file and run it lines later.
func hasDownloader(g *grams, data []byte) bool {
	for _, w := range []string{"curl", "wget", "fetch", "tftp", "aria2c", "lwp-download"} {
		if (g == nil || g.may([]byte(w))) && hasWord(data, w) {
			return true
		}
	}
	return false
}

// hasNetTool reports a network tool by name: in a script, a pipe through one is worth a parse.
func hasNetTool(g *grams, data []byte) bool {
	for _, w := range []string{"nc", "ncat", "netcat", "socat", "telnet", "openssl", "rcat", "xterm", "telnetd", "dig", "nslookup", "drill", "kdig"} {
		if (g == nil || g.may([]byte(w))) && hasWord(data, w) {
			return true
		}
	}
	return false
}

// triggerLines returns the lines of a text that hold a strong trigger, with the assignments
// before them (H=...; P=...), as a text of its own with its line numbers kept by blank
// lines, at most 4096 of them.
func triggerLines(g *grams, data []byte) []logicalLine {
	// Where the triggers are: one fast search per trigger over the whole text.
	starts := map[int]bool{}
	pipeTrigger(data, func(i int) {
		if len(starts) < 4096 {
			starts[bytes.LastIndexByte(data[:i], '\n')+1] = true
		}
	})
	for _, t := range textTriggers {
		if g != nil && !g.may(t) {
			continue
		}
		for off := 0; off < len(data) && len(starts) < 4096; {
			i := bytes.Index(data[off:], t)
			if i < 0 {
				break
			}
			i += off
			starts[bytes.LastIndexByte(data[:i], '\n')+1] = true
			off = i + len(t)
		}
	}
	if len(starts) == 0 {
		return nil
	}
	order := make([]int, 0, len(starts))
	for s := range starts {
		order = append(order, s)
	}
	slices.Sort(order)
	// Each trigger line with the assignments among the 20 lines before it.
	keep := map[int]bool{}
	for _, s := range order {
		keep[s] = true
		at := s
		for k := 0; k < 20 && at > 0; k++ {
			prev := bytes.LastIndexByte(data[:at-1], '\n') + 1
			if assignment(data[prev : at-1]) {
				keep[prev] = true
			}
			at = prev
		}
	}
	order = order[:0]
	for s := range keep {
		order = append(order, s)
	}
	slices.Sort(order)
	var out []logicalLine
	line, pos := 1, 0
	for _, s := range order {
		line += bytes.Count(data[pos:s], []byte("\n"))
		pos = s
		end := bytes.IndexByte(data[s:], '\n')
		if end < 0 {
			end = len(data) - s
		}
		out = append(out, logicalLine{data[s : s+end], line})
	}
	return out
}

// assignment reports a shell variable assignment line: NAME=value.
func assignment(l []byte) bool {
	l = bytes.TrimLeft(l, " \t")
	l = bytes.TrimPrefix(l, []byte("export "))
	i := 0
	for i < len(l) && (l[i] == '_' || l[i] >= 'A' && l[i] <= 'Z' || l[i] >= 'a' && l[i] <= 'z' || i > 0 && l[i] >= '0' && l[i] <= '9') {
		i++
	}
	return i > 0 && i < len(l) && l[i] == '=' && i+1 < len(l) && l[i+1] != '='
}

// hasWord reports whether w occurs in data as a command word: not preceded by a letter,
// digit, _ or -, and not followed by a letter or _ (a digit may follow: python3).
func hasWord(data []byte, w string) bool {
	wb := []byte(w)
	for off := 0; ; {
		i := bytes.Index(data[off:], wb)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(wb)
		before := i == 0 || !wordByte(data[i-1])
		after := j >= len(data) || !(data[j] >= 'a' && data[j] <= 'z' || data[j] >= 'A' && data[j] <= 'Z' || data[j] == '_')
		if before && after {
			return true
		}
		off = i + 1
	}
}

func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// langTrigger is the cheap test a file of a language must pass to be tokenized: a socket and
// something that runs a program, or an encoded stage, or a shell command in a string.
func langTrigger(g *grams, lang string, data []byte, lib bool) bool {
	has := func(ws ...string) bool { return g.hasAny(data, ws...) }
	// An encoded stage: a decoder call, something that runs code, and a long blob.
	decoder := func() bool {
		return has("64") && has("b64decode", "base64_decode", "decode_base64", "decode64", "a2b_base64", "decodebytes") ||
			has("fromhex", "unhexlify", "atob(", "Buffer.from", "unpack(", "codecs")
	}
	encoded := has("exec", "eval", "Function(", "system", "load(", "loadstring") && decoder() && hasBase64Run(data, 48)
	// Code a URL returned handed to the language's eval (a stager), outside the interpreters'
	// libraries (their loaders and test suites fetch and compile all the time).
	fetchEval := !lib && has("exec(", "eval(") && has("http://", "https://", "ftp://") && evalOfFetch(data)
	// A reverse shell handed to the shell from a string; credentials collected and sent.
	// A download piped into a shell from a string the code hands to its runner (os.system,
	// subprocess, exec): the analysis decides whether the string reaches one.
	piped := has("curl", "wget") && has(shellPipes...) && fetchPipeLine(data)
	if encoded || fetchEval || piped || stringShellTrigger(g, data) || credLangTrigger(g, data) || keylogLangTrigger(g, lang, data) || !lib && agentTrigger(g, lang, data) || lib && libAgentTrigger(g, lang, data) {
		return true
	}
	// a fake password prompt, a file's times set, login records or logs written back
	// a fake password prompt, a file's times set, login records or logs written back: in a
	// program, not in the modules of the interpreters' libraries (their own getpass, utime
	// and syslog handling would have them all tokenized)
	switch lang {
	case "python", "perl", "node", "ruby":
		if lib {
			break
		}
		if lang == "python" && ((has("getpass(") || has("-echo") && has("input(")) && has("assw") || has("getpass()")) || lang == "perl" && has("-echo") && has("STDIN") {
			return true
		}
		if has("utime(", "utime ", "utimes(", "utimesSync(", "copystat(") && has("'/usr/", "\"/usr/", "'/bin/", "\"/bin/", "'/sbin/", "\"/sbin/", "'/lib",
			"\"/lib", "'/etc/", "\"/etc/", "/var/www/") {
			return true
		}
		if has("wtmp", "btmp", "utmp", "lastlog", "auth.log", "/var/log/secure", "/var/log/messages", "/var/log/syslog") {
			return true
		}
	}
	// a PHP page running shell commands that wipe login records or logs (a log eraser)
	if lang == "php" && !lib && has("wtmp", "btmp", "utmp", "lastlog", "auth.log", "bash_history") && (g.hasFold(data, "exec") || g.hasFold(data, "system")) {
		return true
	}
	// a tracer or core dumper handed a pid pgrep or pidof finds (CT-006)
	if has("strace", "ltrace", "gcore") && has("pgrep", "pidof") || has("/mem'", "/mem\"") && has("/proc") {
		return true
	}
	switch lang {
	case "python":
		// a socketserver handler's connection is self.request, self.rfile and self.wfile
		return has("socket(", "create_connection(", "socket.socket", "fromfd(", `"socket"`, "'socket'", "RequestHandler") &&
			has("connect", "bind", "accept", "create_connection", "RequestHandler") &&
			(has("dup2", "syscall(", "pty.", "import pty", ",pty", ", pty", "stdin=", "stdin =") ||
				has("recv", "rfile", "makefile") && has("subprocess", "os.system", "popen(", "Popen(", "getoutput", "popen2", "popen3", "popen4", "Popen3") ||
				// a program (not the libraries, whose documentation and servers say all of it)
				// evaluating what it receives
				!lib && has("recv") && has("exec(", "eval("))
	case "lua":
		return has("socket") && has("execute", "popen")
	case "perl":
		return has("socket(", "socket (", "Socket::INET->new", "Socket::IP->new", "Socket::SSL->new", "new IO::Socket", "accept(") &&
			has("connect", "accept", "INET", "::IP") &&
			(has("STDIN", "STDOUT") && has(">&", "<&", "fdopen") || has("dup2") ||
				has("system", "exec", "qx", "`") && (has("<$", "recv", "sysread", "getline") || perlHandleRead.Match(data)))
	case "ruby":
		return has("ocket") && (has("exec", "spawn", "system", "popen", "`", "reopen", "%x", "Open3") || !lib && has("eval"))
	case "php":
		// PHP's function names are case-insensitive.
		return g.hasFold(data, "sock") && (bytes.IndexByte(data, '`') >= 0 || slices.ContainsFunc([]string{"exec", "system", "passthru", "popen", "proc_open"},
			func(w string) bool { return g.hasFold(data, w) }))
	case "node":
		// Bundles of hundreds of kilobytes say "net", "exec" and "Connection" in their prose
		// and regular expressions: past smallText the code must name the module.
		if len(data) > smallText && !has("'net'", `"net"`, "`net`", ":net'", `:net"`, "'tls'", `"tls"`, ":tls'", `:tls"`,
			"net.Socket", "net.connect", "net.createConnection", "net.createServer", "tls.connect", "tls.createServer") {
			return false
		}
		return has("net", "tls") && has("connect", "Connection", "Socket", "createServer") &&
			has("child_process", "spawn", "exec", "fork")
	case "awk":
		return has("/inet")
	case "tcl":
		// expect spawning an SSH client with a forward (RS-025)
		return has("socket") && has("exec", "eval", "open") || has("spawn") && hasTunnelTrigger(g, data)
	case "go":
		return has("net.Dial", "net.Listen", "DialTimeout", "tls.Dial") && has("exec.Command", "os.StartProcess", "syscall.Exec", "ForkExec")
	case "java":
		return has("Socket") && has("exec(", "ProcessBuilder", "Runtime.getRuntime", "Process")
	case "c":
		return has("socket(", "accept(") && has("dup2(", "dup(", "dup3(") && has("exec", "system(", "popen(", "posix_spawn")
	case "rust":
		return has("TcpStream", "TcpListener", "UdpSocket") && has("Command")
	case "r":
		return has("socketConnection", "make.socket", "socketAccept") && has("pipe(", "system(", "system2(")
	case "dart":
		return has("Socket") && has("Process.start", "Process.run")
	}
	return false
}

// fetchPipeLine reports a line holding a download piped into a shell (curl URL | sh): the
// words apart ("curly", a pipe in prose) do not make one.
func fetchPipeLine(data []byte) bool {
	for _, w := range shellPipes {
		for off := 0; off < len(data); {
			i := bytes.Index(data[off:], []byte(w))
			if i < 0 {
				break
			}
			i += off
			start := bytes.LastIndexByte(data[max(0, i-400):i], '\n') + 1 + max(0, i-400)
			if fetchPipe(string(data[start : i+len(w)])) {
				return true
			}
			off = i + len(w)
		}
	}
	return false
}

// stringShellTrigger reports what makes a string inside other code worth reading as shell: a
// network device, a named pipe, a network tool told to run a shell, an interactive shell.
func stringShellTrigger(g *grams, data []byte) bool {
	for _, a := range []string{"/dev/", "mkfifo", "mknod", "-e ", "-c ", "sh -i", "XEC:", "xec:", "ztcp"} {
		if !g.hasString(data, a) {
			continue
		}
		for _, w := range []string{"/dev/tcp/", "/dev/udp/", "mkfifo ", "mknod ", "-e /bin/sh", "-e /bin/bash", "-e sh", "-e bash",
			"-c sh", "-c bash", "-c /bin/", "sh -i", "bash -i", "EXEC:", "exec:/", "exec:'", `exec:"`, `exec:\'`, `exec:\"`, "exec:sh", "exec:bash", "ztcp"} {
			if g.hasString(data, w) {
				return true
			}
		}
		return false
	}
	return false
}

// hasBase64Run reports a run of at least n base64 characters.
func hasBase64Run(data []byte, n int) bool {
	run := 0
	for _, c := range data {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			run++
			if run >= n {
				return true
			}
			continue
		}
		run = 0
	}
	return false
}

// isDoc reports documentation: a command quoted there is not run by anything.
func isDoc(p string) bool {
	for _, d := range []string{"/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/usr/share/help/"} {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	switch strings.ToLower(path.Ext(p)) {
	case ".md", ".markdown", ".rst", ".txt", ".html", ".htm", ".adoc", ".asciidoc", ".textile", ".org", ".pod", ".tex":
		return true
	}
	return strings.Contains(p, "/docs/") || strings.Contains(p, "/doc/") || strings.Contains(p, "/examples/")
}

// what a hit kind is reported as.
type ruleInfo struct {
	rule     string
	category audit.Category
	severity audit.Severity
	title    string
}

func infoOf(h hit) ruleInfo {
	switch h.kind {
	case hitDevTCP:
		return ruleInfo{RuleDevTCP, audit.CategoryReverseShell, audit.Critical, "Shell reading its commands from a /dev/tcp or /dev/udp connection (reverse shell)"}
	case hitNetExec:
		return ruleInfo{RuleNetExec, audit.CategoryReverseShell, audit.Critical, "Network tool told to run a shell for its peer (nc -e, ncat --sh-exec, telnetd -l)"}
	case hitFifo:
		return ruleInfo{RuleFifo, audit.CategoryReverseShell, audit.Critical, "Shell looped through a named pipe and a network connection (mkfifo reverse shell)"}
	case hitSocat:
		return ruleInfo{RuleSocat, audit.CategoryReverseShell, audit.Critical, "socat joining a network connection to a shell"}
	case hitNetPipe:
		if strings.HasPrefix(h.detail, outputOnly) {
			return ruleInfo{RuleNetPipe, audit.CategoryReverseShell, audit.High, "Interactive shell whose output goes to a network client (sh -i | nc, openssl s_client)"}
		}
		return ruleInfo{RuleNetPipe, audit.CategoryReverseShell, audit.Critical, "Shell reading its commands from a network client through a pipe (nc, telnet, openssl s_client)"}
	case hitCmdLoop:
		return ruleInfo{RuleCmdLoop, audit.CategoryReverseShell, audit.Critical, "Commands read from a network connection and run"}
	case hitXterm:
		return ruleInfo{RuleXterm, audit.CategoryReverseShell, audit.High, "X terminal opened on a remote display (xterm reverse shell)"}
	case hitLang:
		switch h.lang {
		case "python":
			return ruleInfo{RulePython, audit.CategoryReverseShell, audit.Critical, "Python code joining a socket to a shell"}
		case "perl":
			return ruleInfo{RulePerl, audit.CategoryReverseShell, audit.Critical, "Perl code joining a socket to a shell"}
		case "ruby":
			return ruleInfo{RuleRuby, audit.CategoryReverseShell, audit.Critical, "Ruby code joining a socket to a shell"}
		case "php":
			return ruleInfo{RulePHP, audit.CategoryReverseShell, audit.Critical, "PHP code joining a socket to a shell"}
		case "lua":
			return ruleInfo{RuleLua, audit.CategoryReverseShell, audit.Critical, "Lua code joining a socket to a shell"}
		case "node":
			return ruleInfo{RuleNode, audit.CategoryReverseShell, audit.Critical, "Node.js code joining a socket to a shell"}
		case "awk":
			return ruleInfo{RuleAwk, audit.CategoryReverseShell, audit.High, "awk running commands it reads from a /inet connection"}
		case "tcl":
			return ruleInfo{RuleTcl, audit.CategoryReverseShell, audit.High, "Tcl code running commands it reads from a socket"}
		case "go":
			return ruleInfo{RuleGo, audit.CategoryReverseShell, audit.Critical, "Go source joining a connection to a shell"}
		case "java":
			return ruleInfo{RuleJava, audit.CategoryReverseShell, audit.Critical, "Java, Groovy or JVM script code joining a socket to a shell"}
		case "c":
			return ruleInfo{RuleCSource, audit.CategoryReverseShell, audit.Critical, "C source joining a socket to a shell"}
		case "rust":
			return ruleInfo{RuleRust, audit.CategoryReverseShell, audit.Critical, "Rust source joining a socket to a shell"}
		case "r":
			return ruleInfo{RuleR, audit.CategoryReverseShell, audit.Critical, "R code running the commands it reads from a socket"}
		case "dart":
			return ruleInfo{RuleDart, audit.CategoryReverseShell, audit.Critical, "Dart code joining a socket to a shell"}
		}
	case hitFetchRun:
		return ruleInfo{RuleFetchRun, audit.CategoryMalware, audit.Medium, "Downloaded code run unverified (curl | sh, wget -O- | bash, download then run)"}
	case hitDropRun:
		return ruleInfo{RuleDropRun, audit.CategoryMalware, audit.High, "File downloaded into a hidden or temporary place and run"}
	case hitDNSExfil:
		return ruleInfo{RuleDNSExfil, audit.CategoryMalware, audit.High, "Data carried out over DNS: names built from encoded data are looked up one after another"}
	case hitDNSCommand:
		return ruleInfo{RuleDNSExfil, audit.CategoryMalware, audit.Critical, "Commands taken from DNS answers (TXT records) and run: a command channel over DNS"}
	case hitArchDrop:
		return ruleInfo{RuleDropRun, audit.CategoryMalware, audit.High, "Script fetching a program for each of several CPU architectures and running it: a botnet's loader"}
	case hitDecodeRun:
		return ruleInfo{RuleDecodeRun, audit.CategoryMalware, audit.High, "Encoded code decoded and run (base64 | sh, eval of a decoded string)"}
	case hitKeyAppend:
		return ruleInfo{RuleKeyAppend, audit.CategorySSHKey, audit.High, "Script writing a literal public key into an authorized_keys file"}
	case hitPreloadWrite:
		return ruleInfo{RulePreloadWrite, audit.CategoryLDPreload, audit.High, "Script writing a library into /etc/ld.so.preload"}
	case hitCGI:
		return ruleInfo{RuleCGI, audit.CategoryWebshell, audit.Critical, "Shell CGI script: request input runs a command"}
	case hitSudoersWrite:
		return ruleInfo{RuleSudoers, audit.CategoryPersistence, audit.High, "Script granting passwordless root in sudoers"}
	case hitMiner:
		return ruleInfo{RuleMinerCommand, audit.CategoryMiner, audit.High, "Cryptocurrency miner started with a mining pool and an account"}
	case hitMinerPrep:
		return ruleInfo{RuleMinerPrep, audit.CategoryMiner, audit.High, "Miner dropper: the machine readied for mining and cleared of rival miners"}
	case hitCredSend:
		return ruleInfo{RuleCredSend, audit.CategoryCredentialTheft, audit.High, "Credentials collected and sent off the machine"}
	case hitCredSendKey:
		return ruleInfo{RuleCredSend, audit.CategoryCredentialTheft, audit.Critical, "Keys or password hashes collected and sent off the machine"}
	case hitCredNear:
		return ruleInfo{RuleCredNear, audit.CategoryCredentialTheft, audit.High, "Script collecting credentials and sending data off the machine"}
	case hitFakePrompt:
		return ruleInfo{RuleFakePrompt, audit.CategoryCredentialTheft, audit.High, "Fake password prompt keeping the password typed"}
	case hitPromptAlias:
		return ruleInfo{RulePromptAlias, audit.CategoryCredentialTheft, audit.High, "Script putting a password catcher in front of a command in a shell start-up file"}
	case hitCredSweep:
		return ruleInfo{RuleCredSweep, audit.CategoryCredentialTheft, audit.Medium, "Script sweeping several credential stores at once"}
	case hitCredStage:
		return ruleInfo{RuleCredStage, audit.CategoryCredentialTheft, audit.High, "Script gathering credentials into an archive or a place aside (staging them for taking)"}
	case hitUdevDaemon:
		return ruleInfo{RuleUdevDaemon, audit.CategoryPersistence, audit.High, "udev rule that leaves a program running on device events"}
	case hitKeylog:
		return ruleInfo{RuleKeylog, audit.CategoryCredentialTheft, audit.High, "Keystrokes captured and kept or sent (keylogger)"}
	case hitCredCapture:
		return ruleInfo{RuleCredCapture, audit.CategoryCredentialTheft, audit.High, "Passwords captured from a process that handles them (traced, or its memory read)"}
	case hitEscape:
		return ruleInfo{RuleEscape, audit.CategoryEscape, audit.High, "Container escape to the host"}
	case hitProxyClient:
		if !h.critical {
			return ruleInfo{RuleProxyClient, audit.CategoryReverseShell, audit.Medium, "Reverse proxy client publishing a local service on a remote server"}
		}
		return ruleInfo{RuleProxyClient, audit.CategoryReverseShell, audit.High, "Reverse proxy client publishing this machine's remote access or a proxy into its network on a remote server"}
	case hitSetuidShell:
		return ruleInfo{RuleSetuidShell, audit.CategorySUID, audit.Critical, "Script giving a shell or interpreter the setuid bit (a root shell for anyone)"}
	case hitTunnel:
		if h.lang == "socks" {
			return ruleInfo{RuleTunnel, audit.CategoryReverseShell, audit.Medium, "SSH client kept as a proxy through a remote host"}
		}
		return ruleInfo{RuleTunnel, audit.CategoryReverseShell, audit.High, "SSH tunnel opening a way back into this machine for a remote host"}
	case hitHTTPAgent:
		if !h.critical {
			return ruleInfo{RuleHTTPAgent, audit.CategoryReverseShell, audit.High, "Agent polling a web server for commands and running them"}
		}
		return ruleInfo{RuleHTTPAgent, audit.CategoryReverseShell, audit.Critical, "Agent polling a web server for commands, running them and sending the output back"}
	}
	if ri, ok := tradecraftInfo(h); ok {
		return ri
	}
	return ruleInfo{"STRATA-SH-000", audit.CategoryMalware, audit.Medium, "shell behaviour"}
}

// placeRule is the persistence rule of a place: code that fetches or decodes what it runs,
// placed where it runs again, is first of all persistence.
func placeRule(pl audit.Place) string {
	switch pl.Name {
	case "cron", "at":
		return RuleCron
	case "systemd":
		return RuleSystemd
	}
	return RuleAutostart
}

// findings turns hits in the file at p into findings.
func findings(hits []hit, p string, doc bool) []audit.Finding {
	var out []audit.Finding
	has := func(k hitKind) bool { return slices.ContainsFunc(hits, func(h hit) bool { return h.kind == k }) }
	ctx := tradecraftContext{selfDeleted: has(hitSelfDelete), prompted: has(hitPrompt), sudoGrant: has(hitSudoGrant), hidden: hiddenOrTemp(p)}
	if ctx.selfDeleted || ctx.prompted || ctx.sudoGrant {
		hits = slices.DeleteFunc(slices.Clone(hits), func(h hit) bool { return markerHit(h.kind) })
	}
	for _, h := range hits {
		ri := infoOf(h)
		f := audit.Finding{Rule: ri.rule, Category: ri.category, Severity: ri.severity, Title: ri.title,
			Remediation: remediation(ri.category)}
		f.AddTechniques(audit.TechniquesFor(ri.rule, "", ri.category)...)
		where := p
		if h.place != "" {
			where = h.place
		}
		pl, persistent := audit.PlaceOf(where)
		if h.kind == hitFetchRun && p != "" && hiddenOrTemp(p) {
			// A script kept in a hidden or temporary place that runs what it downloads is a
			// dropper.
			f.Severity = audit.High
		}
		if h.kind == hitCredSweep && p != "" && hiddenOrTemp(p) {
			// a sweep of credential stores kept where intruders keep their tools, not an
			// administrator's inventory script
			f.Severity = audit.High
			f.Title += " (kept in a hidden or temporary place)"
		}
		if h.kind == hitLang && strings.HasPrefix(h.detail, codeLoop) {
			// a program running whatever code a connection sends it is a backdoor's loader
			f.AddLabels(audit.CategoryMalware)
		}
		if h.kind == hitEscape && strings.HasSuffix(h.detail, localCoreHandler) {
			f.Severity = audit.Medium
		}
		if h.kind == hitHTTPAgent {
			// a program that takes its orders from a web server is a backdoor
			f.AddLabels(audit.CategoryMalware)
		}
		if h.kind == hitLogWipe && pl.Name == "web-root" {
			// a server page that wipes logs or history when requested is an intruder's tool
			// (a log eraser among the web shells), not an image's clean-up
			f.Severity = max(f.Severity, audit.High)
			f.AddLabels(audit.CategoryWebshell)
		}
		if h.kind == hitFetchRun && ri.rule == RuleFetchRun && p != "" {
			// Code of a package that runs a download: a module when it is imported, a setup
			// script when the package is installed. Packages ship their code; they do not
			// fetch and run a script (a supply-chain implant's shape).
			if why := packageCode(p); why != "" {
				f.Severity = max(f.Severity, audit.High)
				f.Title += " (" + why + ")"
				f.AddTechniques("T1195.001")
			}
		}
		if h.kind == hitFetchRun && buildRecipe(p) {
			// a Dockerfile's or CI job's download run is how a build installs its tools
			f.Severity = audit.Low
			f.Title += " (in a build recipe)"
		}
		_, own := tradecraftInfo(h)
		if !own && (persistent && pl.Name != "web-root" || persistent && ri.category != audit.CategoryMalware) {
			if ri.category == audit.CategoryMalware {
				f.Rule, f.Category, f.Severity = placeRule(pl), audit.CategoryPersistence, audit.Critical
				f.Title = persistenceTitle(pl) + ": " + lowerFirst(ri.title)
				f.AddLabels(audit.CategoryMalware)
				f.Remediation = remediation(audit.CategoryPersistence)
			} else {
				f.AddLabels(audit.CategoryPersistence)
			}
			f.AddTechniques(pl.Techniques...)
		}
		if own {
			tradecraftFinding(&f, h)
		}
		if ri.category == audit.CategoryCredentialTheft {
			f.AddTechniques(credTechniques(h)...)
		}
		if h.kind == hitPromptAlias {
			f.AddLabels(audit.CategoryPersistence)
			f.AddTechniques("T1546.004")
		}
		if h.kind == hitTunnel && h.asUser != "" {
			f.Severity = audit.Medium
			f.Title += ", kept up by a service as user " + h.asUser + " (an administrator's tunnel has this shape: confirm it is one)"
		} else if h.kind == hitProxyClient && h.critical && persistent {
			f.Severity = audit.Critical
		} else if h.kind == hitTunnel && h.keyOnly && h.lang != "socks" && !hiddenOrTemp(p) && !literalIPHost(h.from) {
			// kept open to publish a service of this machine (its sshd, mostly) to a host its
			// configuration names, or a host name, logging in with a key: how administrators
			// keep remote support to a machine behind a firewall; an intruder's tunnel goes to
			// the address it hard-codes, with a typed password or from a hidden place
			f.Severity = audit.Medium
			f.Title += " (a key login to a host named by configuration or by name: an administrator's remote-support tunnel has this shape: confirm it is one)"
		} else if h.kind == hitTunnel && (h.critical || persistent) {
			// kept up by autossh, a loop, a password typed for it, or a place that runs again
			f.Severity = max(f.Severity+1, audit.High)
			if h.lang != "socks" {
				f.Severity = audit.Critical
			}
		}
		if h.kind == hitSudoersWrite {
			f.AddLabels(audit.CategoryRootUser)
			if h.critical {
				f.Severity = audit.Critical
			}
		}
		if detail := h.detail; detail != "" && h.kind != hitDecodeRun {
			f.Title += ": " + detail
		}
		if len(h.chain) > 0 {
			f.Title += " (decoded: " + strings.Join(h.chain, " > ") + ")"
			f.AddTechniques("T1027", "T1140")
		}
		if h.blob {
			f.Title += " (the file is an encoded stage)"
		}
		if h.place != "" {
			f.Title += " — written into " + h.place
		}
		if doc && !persistent {
			// A command quoted in documentation runs nowhere: an install line (curl | sh) in
			// a README is noted, a reverse shell there still worth a look.
			limit := audit.Medium
			if ri.category == audit.CategoryMalware {
				limit = audit.Low
			}
			if f.Severity > limit {
				f.Severity = limit
				f.Title += " (quoted in documentation)"
			}
		}
		var ev []string
		if h.line > 0 && h.place == "" && len(h.chain) == 0 {
			ev = append(ev, fmt.Sprintf("line %d: %s", h.line, h.evidence))
		} else if h.evidence != "" {
			ev = append(ev, h.evidence)
		}
		if h.from != "" && !strings.Contains(h.evidence, h.from) {
			ev = append(ev, "to "+h.from)
		}
		if len(h.chain) > 0 {
			ev = append(ev, "decoded: "+strings.Join(h.chain, " > "))
		}
		f.Evidence = oneLine(strings.Join(ev, "; "), 300)
		f.AddIndicators(audit.ExtractIndicators([]byte(h.from + " " + h.evidence))...)
		if h.from != "" {
			if host, port, ok := strings.Cut(h.from, ":"); ok && !strings.Contains(host, "/") {
				f.AddIndicators(audit.ExtractIndicators([]byte("//" + host + ":" + port + " "))...)
			}
		}
		out = append(out, f)
	}
	raiseTradecraft(hits, out, ctx)
	return out
}

func persistenceTitle(pl audit.Place) string {
	switch pl.Name {
	case "cron", "at":
		return "Scheduled job (crontab) that runs code it fetches or decodes"
	case "systemd":
		return "systemd unit that runs code it fetches or decodes"
	case "shell-rc":
		return "Login or shell start-up script that runs code it fetches or decodes"
	case "package-hook":
		return "Package manager hook that runs code it fetches or decodes"
	}
	return "Boot, login or hook script (" + pl.Name + ") that runs code it fetches or decodes"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func remediation(c audit.Category) string {
	switch c {
	case audit.CategoryPersistence:
		return "Remove the entry, rebuild the image from trusted sources, and find what it fetches or runs."
	case audit.CategorySSHKey:
		return "Remove the key; give access at run time if it is needed at all."
	}
	return "Treat the image as compromised: do not run it; rebuild from a trusted base and source, and find how the file got in."
}

// Tree implements audit.TreeAnalyzer: the RUN steps of the history, and the command, entry
// point and health check the image starts with, analysed as shell.
func (a *Analyzer) Tree(ctx context.Context, s *audit.Subject) ([]audit.Finding, error) {
	img := s.Image
	var out []audit.Finding
	for i, h := range img.History {
		in := forensics.ParseCreatedBy(h.CreatedBy)
		if in.Keyword != "RUN" {
			continue
		}
		code := runCode(in.Args)
		if code == "" || !hasStrongTrigger(nil, []byte(code)) && !hasInterpreterCode(nil, []byte(code)) && !hasMinerArgs(nil, []byte(code)) &&
			!hasTradecraftTrigger(nil, []byte(code)) && !credEscTrigger(nil, []byte(code)) && !hasTunnelTrigger(nil, []byte(code)) {
			continue
		}
		for _, f := range configFindings(code) {
			f.Layer, f.History, f.CreatedBy = h.Layer, i, h.CreatedBy
			if h.Layer < 0 {
				f.Layer = -1
			}
			f.Title += " (in a build step)"
			out = append(out, f)
		}
	}
	cfg := img.Config
	var cmds []string
	argv := append(append([]string(nil), cfg.Entrypoint...), cfg.Cmd...)
	if len(argv) > 0 {
		cmds = append(cmds, shellJoin(argv))
	}
	if hc := cfg.Healthcheck; hc != nil && len(hc.Test) > 1 {
		switch hc.Test[0] {
		case "CMD-SHELL":
			cmds = append(cmds, strings.Join(hc.Test[1:], " "))
		case "CMD":
			cmds = append(cmds, shellJoin(hc.Test[1:]))
		}
	}
	for _, ob := range cfg.OnBuild {
		if in := forensics.ParseCreatedBy(ob); in.Keyword == "RUN" {
			cmds = append(cmds, runCode(in.Args))
		}
	}
	for _, c := range cmds {
		if !hasStrongTrigger(nil, []byte(c)) && !hasInterpreterCode(nil, []byte(c)) && !hasMinerArgs(nil, []byte(c)) && !credEscTrigger(nil, []byte(c)) && !hasTunnelTrigger(nil, []byte(c)) {
			continue
		}
		for _, f := range configFindings(c) {
			f.Layer, f.History = -1, -1
			f.Title += " (in the image's command, entry point or health check)"
			out = append(out, f)
		}
	}
	return out, nil
}

// configFindings analyses one command line of the config or history. Downloads run at build
// time are the config analyzer's (STRATA-CF-005).
func configFindings(code string) []audit.Finding {
	var keep []hit
	for _, h := range passes(func(an *analysis) {
		an.vars["0"] = lit("/bin/sh")
		an.shellText([]byte(code), fdset{})
		an.credFinish()
		an.escFinish()
	}) {
		if h.kind != hitFetchRun {
			keep = append(keep, h)
		}
	}
	return findings(keep, "", false)
}

// runCode returns the shell code of a RUN step's arguments: a heredoc's body, the command of
// an exec-form ["/bin/sh", "-c", "..."], or the text as it is.
func runCode(args string) string {
	s := strings.TrimSpace(args)
	for strings.HasPrefix(s, "--") {
		_, s, _ = strings.Cut(s, " ")
	}
	if strings.HasPrefix(s, "[") {
		var argv []string
		if json.Unmarshal([]byte(s), &argv) == nil {
			if len(argv) == 3 && shells[path.Base(argv[0])] && argv[1] == "-c" {
				return argv[2]
			}
			return shellJoin(argv)
		}
	}
	if strings.HasPrefix(s, "<<") {
		if nl := strings.IndexByte(s, '\n'); nl > 0 {
			delim := strings.Trim(strings.TrimPrefix(s[:nl], "<<"), `-"' `)
			body := s[nl+1:]
			body = strings.TrimSuffix(strings.TrimRight(body, "\n"), delim)
			return body
		}
	}
	return s
}

// shellJoin quotes argv as one shell command line.
func shellJoin(argv []string) string {
	if len(argv) == 3 && shells[path.Base(argv[0])] && argv[1] == "-c" {
		return argv[2]
	}
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// KeepFile implements audit.FileKeeper: the files whose commands run again by themselves
// (by path: a short list of directories) and the sudoers and PAM files, for Review.
func (*Analyzer) KeepFile(p string) bool {
	if strings.HasSuffix(p, ".pth") {
		return pthFile(p)
	}
	if strings.HasSuffix(p, "customize.py") {
		_, ok := autostartPlace(p) // sitecustomize.py, usercustomize.py where site.py runs them
		return ok
	}
	if packageModule(p) {
		return true // read with the package's other modules (packageFindings)
	}
	if strings.Contains(p, "/.git/") || strings.HasSuffix(p, "gitconfig") {
		return gitHook(p) || gitConfig(p)
	}
	// One or two prefix tests rule out nearly every file before the place is worked out.
	switch {
	case strings.HasPrefix(p, "/etc/") || strings.HasPrefix(p, "/var/spool/") || strings.HasPrefix(p, "/root/") ||
		strings.HasPrefix(p, "/home/"):
	case strings.HasPrefix(p, "/lib/") || strings.HasPrefix(p, "/usr/") || strings.HasPrefix(p, "/run/"):
		if !strings.Contains(p, "/systemd/") && !strings.Contains(p, "/udev/") && !strings.Contains(p, "/dbus-1/") &&
			!strings.Contains(p, "yum-plugins/") && !strings.Contains(p, "/dnf-plugins/") {
			return false
		}
	default:
		return false
	}
	if privilegeFile(p) {
		return true
	}
	_, ok := autostartPlace(p)
	return ok
}

// Review implements audit.Reviewer: every autostart file of every layer whose commands run
// a program from a place attackers stage files in, sudoers rules that give root without a
// password, and PAM stacks that let anyone in.
func (a *Analyzer) Review(s *audit.Subject, findings []audit.Finding) []audit.Finding {
	var add []audit.Finding
	add = append(add, a.stagedFindings(s, findings)...)
	add = append(add, sudoersFindings(s)...)
	add = append(add, a.pamFindings(s, findings)...)
	add = append(add, packageFindings(s, findings)...)
	return append(findings, add...)
}

// owners returns who owns the image's files, from the package inventory when there is one.
func (a *Analyzer) owners(s *audit.Subject) *owners {
	var inv *pkgs.Inventory
	if a.Inventory != nil {
		inv = a.Inventory()
	}
	return newOwners(inv, s.Tree)
}

var (
	_ audit.ContentAnalyzer = (*Analyzer)(nil)
	_ audit.TreeAnalyzer    = (*Analyzer)(nil)
	_ audit.FileKeeper      = (*Analyzer)(nil)
	_ audit.Reviewer        = (*Analyzer)(nil)
)

// evalOfFetch reports an exec( or eval( whose next bytes call something that fetches
// (open(, get(, fetch(, urlopen(, request(): the argument a stager hands its eval is the
// fetch itself, or a decoder around it.
func evalOfFetch(data []byte) bool {
	for _, w := range [][]byte{[]byte("exec("), []byte("eval(")} {
		for off, n := 0, 0; n < 64; n++ {
			i := bytes.Index(data[off:], w)
			if i < 0 {
				break
			}
			off += i + len(w)
			arg := data[off:min(len(data), off+160)]
			if j := bytes.IndexByte(arg, '\n'); j >= 0 {
				arg = arg[:j]
			}
			for _, f := range fetchWords {
				if bytes.Contains(arg, f) {
					return true
				}
			}
		}
	}
	return false
}

var fetchWords = [][]byte{[]byte("open("), []byte("get("), []byte("fetch("), []byte("urlopen("), []byte("request("), []byte("getstore(")}

// interpLibraryDirs hold the modules interpreters load (and vendored copies of them).
var interpLibraryDirs = []string{"/usr/share/perl", "/usr/lib/perl", "/perl5/", "/site_perl/", "/vendor_perl/", "/site-packages/",
	"/dist-packages/", "/usr/lib/python", "/usr/local/lib/python", "/usr/lib/ruby/", "/vendor_ruby/", "/gems/", "/node_modules/", "/usr/share/nodejs/", "/usr/lib/nodejs/"}

// packageManagerDirs are hidden directories package managers keep inside module trees.
var packageManagerDirs = map[string]bool{".pnpm": true, ".bin": true, ".store": true, ".yarn": true, ".vite": true, ".cache": true,
	".github": true, ".hooks": true, ".vscode": true, ".husky": true, ".circleci": true, ".devcontainer": true}

// interpLibrary reports a module of an interpreter's library rather than a program: a Perl
// module (.pm) or a file in the libraries' directories.
func interpLibrary(p string) bool {
	if strings.Contains(p, "/.") {
		// a hidden file or directory among the modules is no module, but an intruder's hiding
		// place; package managers' own (pnpm's store, npm's .bin) are
		for _, e := range strings.Split(p, "/") {
			if strings.HasPrefix(e, ".") && !packageManagerDirs[e] {
				return false
			}
		}
	}
	if strings.HasSuffix(p, ".pm") {
		return true
	}
	for _, d := range interpLibraryDirs {
		if strings.Contains(p, d) {
			return true
		}
	}
	return false
}
