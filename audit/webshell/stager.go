package webshell

import (
	"path"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// Stagers: a PHP page that writes a script it carries (a literal, base64 or plain) to a file
// and runs that file through the command runners (a back-connect dropper), and a page that
// fetches a URL and writes what it gets into the web directory (a remote downloader that
// pulls a full shell onto the site).

const (
	// RuleStager: a page writes out a script it carries and runs it.
	RuleStager = "STRATA-WS-113"
	// RuleDownloader: a page fetches a URL and writes it into the web directory.
	RuleDownloader = "STRATA-WS-114"
)

// stageRunners run a command line.
var stageRunners = set("exec", "shell_exec", "system", "passthru", "popen", "proc_open", "pcntl_exec")

// stageWriters are the PHP calls that open or write a file by name.
var stageWriters = set("file_put_contents", "fopen")

// minCarried is the size from which a literal is a payload the page carries.
const minCarried = 48

// paramIndex returns the index of the parameter of fn the range mentions (as a variable or
// inside an interpolating literal), -1 when none.
func (a *analysis) paramIndex(fn *function, lo, hi int) int {
	for j := lo; j < hi && j < len(a.toks); j++ {
		t := a.toks[j]
		for n, p := range fn.params {
			name := p[strings.IndexByte(p, ':')+1:]
			if t.Kind == decode.Var && t.Text == name {
				return n
			}
			if t.Kind == decode.Str {
				for _, v := range t.Interp {
					if v == name {
						return n
					}
				}
			}
		}
	}
	return -1
}

// calls returns the calls of the layer, by lower-case name: the token of each name
// (computed once).
func (a *analysis) calls() map[string][]int {
	if a.callIdx != nil {
		return a.callIdx
	}
	out := map[string][]int{}
	for i, t := range a.toks {
		if t.Kind == decode.Ident && a.at(i+1).Is("(") && !a.at(i-1).Is("->") && !a.at(i-1).Is("::") && !a.at(i-1).Is("function") {
			out[a.low[i]] = append(out[a.low[i]], i)
		}
	}
	a.callIdx = out
	return out
}

// callsAny reports whether the layer calls one of names.
func (a *analysis) callsAny(names ...string) bool {
	c := a.calls()
	for _, n := range names {
		if len(c[n]) > 0 {
			return true
		}
	}
	return false
}

// literalOf returns the literal the range holds or names: a literal, or a variable the layer
// assigns one literal; decoded marks a literal handed through base64_decode.
func (a *analysis) literalOf(lo, hi int, lits map[string]string) (s string, ok bool) {
	for j := lo; j < hi && j < len(a.toks); j++ {
		t := a.toks[j]
		switch t.Kind {
		case decode.Str:
			if len(t.Interp) == 0 {
				return t.Text, true
			}
		case decode.Var:
			if v, ok := lits[t.Text]; ok {
				return v, true
			}
		}
	}
	return "", false
}

// layerLiterals returns the variables a layer assigns one literal, by name.
func (a *analysis) layerLiterals() map[string]string {
	out := map[string]string{}
	bad := map[string]bool{}
	for i, t := range a.toks {
		if t.Kind != decode.Var || !isAssign(a.at(i+1).Text) {
			continue
		}
		// one literal, or literals joined by concatenation ("ab" . "cd", over lines)
		var b strings.Builder
		j := i + 2
		for a.at(i+1).Text == "=" && a.at(j).Kind == decode.Str && len(a.at(j).Interp) == 0 && b.Len() < maxDroppedSize {
			b.WriteString(a.at(j).Text)
			if !a.at(j + 1).Is(".") {
				break
			}
			j += 2
		}
		if b.Len() > 0 && (a.at(j+1).Is(";") || a.at(j+1).Kind == decode.Newline || j+1 >= len(a.toks)) {
			if _, seen := out[t.Text]; seen {
				bad[t.Text] = true
			}
			out[t.Text] = b.String()
			continue
		}
		bad[t.Text] = true
	}
	for k := range bad {
		delete(out, k)
	}
	return out
}

// carriedScript returns the script a literal carries (itself, or what it base64-decodes
// to) when it reads as one: a #! line or a program's calls.
func carriedScript(lit string) (string, bool) {
	if len(lit) < minCarried {
		return "", false
	}
	cands := []string{lit}
	if b, ok := decode.Base64(lit); ok && decode.Text(b) {
		cands = append(cands, string(b))
	}
	for _, c := range cands {
		low := strings.ToLower(c)
		if strings.HasPrefix(strings.TrimSpace(c), "#!") {
			return c, true
		}
		n := 0
		for _, w := range []string{"socket", "connect(", "exec(", "system(", "/bin/sh", "import ", "use ", "open(", "fork", "dup2", "subprocess", "#include"} {
			if strings.Contains(low, w) {
				n++
			}
		}
		if n >= 2 {
			return c, true
		}
	}
	return "", false
}

// reverseShell reports a script that connects out and hands the connection a shell.
func reverseShell(s string) bool {
	low := strings.ToLower(s)
	net := strings.Contains(low, "socket") || strings.Contains(low, "/dev/tcp") || strings.Contains(low, "fsockopen")
	shell := strings.Contains(low, "/bin/sh") || strings.Contains(low, "/bin/bash") || strings.Contains(low, "dup2") ||
		strings.Contains(low, "open(stdin") || strings.Contains(low, "pty.spawn") || strings.Contains(low, "exec")
	return net && (strings.Contains(low, "connect") || strings.Contains(low, "/dev/tcp")) && shell
}

// stager looks for a layer that writes a script it carries to a file and runs that file.
// It returns the runner's token, the file, the script and whether it is a reverse shell.
func (a *analysis) stager() (at int, file, script string, ok bool) {
	if !a.callsAny("exec", "shell_exec", "system", "passthru", "popen", "proc_open", "pcntl_exec") ||
		!a.callsAny("file_put_contents", "fwrite", "fputs") {
		return 0, "", "", false
	}
	if a.keys == nil {
		a.prepare() // the layer reads no request: its functions are not known yet
	}
	calls := a.calls()
	// the functions that run a parameter as a command, or write a file a parameter names with
	// content another one holds
	runs := map[string]int{}
	for n := range stageRunners {
		runs[n] = 0
	}
	type writer struct{ path, content int }
	writes := map[string]writer{"file_put_contents": {0, 1}}
	for pass := 0; pass < 3; pass++ {
		for name, fns := range a.funcs {
			fn := fns[0]
			if fn.class != "" {
				continue
			}
			if _, ok := runs[name]; !ok {
				for r := range runs {
					for _, c := range calls[r] {
						if c > fn.body[0] && c < fn.body[1] {
							if rs := a.args(c + 1); len(rs) > 0 {
								if k := a.paramIndex(fn, rs[0][0], rs[0][1]); k >= 0 {
									runs[name] = k
								}
							}
						}
					}
				}
			}
			if _, ok := writes[name]; !ok {
				for w := range stageWriters {
					for _, c := range calls[w] {
						if c <= fn.body[0] || c >= fn.body[1] {
							continue
						}
						rs := a.args(c + 1)
						if len(rs) == 0 {
							continue
						}
						p := a.paramIndex(fn, rs[0][0], rs[0][1])
						if p < 0 {
							continue
						}
						// the content: a parameter written by fwrite/fputs/file_put_contents
						for _, cw := range append(append(append([]int(nil), calls["fwrite"]...), calls["fputs"]...), calls["file_put_contents"]...) {
							if cw <= fn.body[0] || cw >= fn.body[1] {
								continue
							}
							if crs := a.args(cw + 1); len(crs) > 1 {
								if k := a.paramIndex(fn, crs[1][0], crs[1][1]); k >= 0 && k != p {
									writes[name] = writer{p, k}
								}
							}
						}
					}
				}
			}
		}
	}
	lits := a.layerLiterals()
	// the files the layer writes a carried script to
	files := map[string]string{}
	for name, w := range writes {
		for _, c := range calls[name] {
			rs := a.args(c + 1)
			if len(rs) <= max(w.path, w.content) {
				continue
			}
			f, ok1 := a.literalOf(rs[w.path][0], rs[w.path][1], lits)
			body, ok2 := a.literalOf(rs[w.content][0], rs[w.content][1], lits)
			if !ok1 || !ok2 || !strings.Contains(f, "/") || len(f) > 256 {
				continue
			}
			if s, ok := carriedScript(body); ok {
				files[f] = s
			}
		}
	}
	// fopen('/tmp/x', 'w') and fwrite/fputs of a carried script, in the page's own code
	for _, c := range calls["fopen"] {
		if a.scope[c] != 0 {
			continue
		}
		rs := a.args(c + 1)
		if len(rs) < 2 {
			continue
		}
		f, ok1 := a.literalOf(rs[0][0], rs[0][1], lits)
		mode, _ := a.literalOf(rs[1][0], rs[1][1], nil)
		if !ok1 || !strings.ContainsAny(mode, "wax") || !strings.Contains(f, "/") {
			continue
		}
		for _, cw := range append(append([]int(nil), calls["fwrite"]...), calls["fputs"]...) {
			if crs := a.args(cw + 1); len(crs) > 1 {
				if body, ok := a.literalOf(crs[1][0], crs[1][1], lits); ok {
					if s, ok := carriedScript(body); ok {
						files[f] = s
					}
				}
			}
		}
	}
	if len(files) == 0 {
		return 0, "", "", false
	}
	for name, k := range runs {
		for _, c := range calls[name] {
			if _, own := a.funcs[name]; own && a.scope[c] != 0 {
				continue
			}
			rs := a.args(c + 1)
			if len(rs) <= k {
				continue
			}
			for j := rs[k][0]; j < rs[k][1]; j++ {
				t := a.toks[j]
				var text string
				switch t.Kind {
				case decode.Str:
					text = t.Text
					for _, v := range t.Interp {
						text += " " + lits[v]
					}
				case decode.Var:
					text = lits[t.Text]
				}
				for f, s := range files {
					if text != "" && strings.Contains(text, f) {
						return c, f, s, true
					}
				}
			}
		}
	}
	return 0, "", "", false
}

// stagerFinding reports a page that writes out a script it carries and runs it.
func stagerFinding(pg page, p string, an *analysis, at int, file, script string) audit.Finding {
	f := audit.Finding{Rule: RuleStager, Category: audit.CategoryWebshell, Severity: audit.High, Path: p,
		Title:       pg.label() + " web shell dropper: the page writes a script it carries to " + file + " and runs it",
		Evidence:    "code: " + an.snippet(at) + "; script: " + oneLine(script, 120),
		Remediation: remediation}
	if reverseShell(script) {
		f.Severity = audit.Critical
		f.Title += " (a back-connect shell: the script connects out and hands the connection a shell)"
		f.AddLabels(audit.CategoryReverseShell)
	}
	f.AddLabels(audit.CategoryMalware)
	return f
}

// oneLine puts s on one line and shortens it to n characters (not bytes: evidence stays valid
// UTF-8).
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// downloader looks for a layer that fetches a URL (a remote literal or request input) and
// writes what it gets into the web directory: fopen/fread then fopen/fwrite, file_put_contents
// of file_get_contents, copy, curl into a file. It returns the writer's token and what the
// URL is.
func (a *analysis) downloader() (at int, url, name string, ok bool) {
	if !a.callsAny("fopen", "file_get_contents", "copy", "curl_init") || !a.callsAny("fwrite", "fputs", "file_put_contents", "copy", "curl_setopt") {
		return 0, "", "", false
	}
	if a.keys == nil {
		a.prepare() // the layer reads no request: its functions are not known yet
	}
	calls := a.calls()
	lits := a.layerLiterals()
	remote := func(r [2]int) (string, bool) {
		for j := r[0]; j < r[1]; j++ {
			if t := a.toks[j]; t.Kind == decode.Str && remoteURL(t.Text) {
				return t.Text, true
			} else if t.Kind == decode.Var && remoteURL(lits[t.Text]) {
				return lits[t.Text], true
			}
		}
		if o, ok := a.tainted(r[0], r[1]); ok {
			return "a URL the request names (" + o.source + ")", true
		}
		// a function's parameter, or a local copy of one: the URLs its calls hand it
		for j := r[0]; j < r[1]; j++ {
			if t := a.toks[j]; t.Kind == decode.Var {
				for _, v := range a.valuesOf(t.Text, j, lits, 0) {
					if remoteURL(v) {
						return v, true
					}
				}
			}
		}
		return "", false
	}
	// webDir: the file written is below the page: relative, __DIR__, the document root
	var webDir func(r [2]int) bool
	depth := 0
	webDir = func(r [2]int) bool {
		if r[0] >= r[1] {
			return false
		}
		name := ""
		if v := a.at(r[0]); v.Kind == decode.Var {
			name = v.Text
		} else if v.Kind == decode.Str && len(v.Interp) > 0 && strings.HasPrefix(v.Text, v.Interp[0]) {
			// "$root/$name": where the interpolated directory points
			name = v.Interp[0]
		}
		first := a.at(r[0])
		if first.Kind == decode.Str && strings.HasPrefix(first.Text, "$_SERVER[DOCUMENT_ROOT]") {
			return true
		}
		if name != "" && depth < 3 {
			// a variable: where its assignment points
			for j, t := range a.toks {
				if t.Kind == decode.Var && t.Text == name && a.at(j+1).Is("=") && j != r[0] {
					depth++
					in := webDir([2]int{j + 2, a.stmtEnd(j+2, false)})
					depth--
					if in || first.Kind == decode.Str {
						return in
					}
					break
				}
			}
		}
		for j := r[0]; j < r[1]; j++ {
			t := a.toks[j]
			if t.Kind == decode.Ident && (a.low[j] == "__dir__" || a.low[j] == "__file__" || a.low[j] == "getcwd") ||
				t.Kind == decode.Var && t.Text == "$_SERVER" && a.at(j+2).Text == "DOCUMENT_ROOT" {
				return true
			}
		}
		if first.Kind == decode.Str {
			return !strings.HasPrefix(first.Text, "/") && !strings.Contains(first.Text, "://")
		}
		if first.Kind == decode.Var {
			// a variable holding a relative directory ('./')
			if v, ok := lits[first.Text]; ok {
				return !strings.HasPrefix(v, "/") && !strings.Contains(v, "://")
			}
		}
		return false
	}
	// handles and values fetched from a URL
	fetched := map[string]string{}
	written := map[string]string{} // handles opened for writing below the page: the server page each names, if any
	for i, t := range a.toks {
		if t.Kind != decode.Var || !a.at(i+1).Is("=") {
			continue
		}
		lo := i + 2
		for a.at(lo).Is("@") || a.at(lo).Is("(") {
			lo++
		}
		call := a.at(lo)
		if call.Kind != decode.Ident || !a.at(lo+1).Is("(") {
			continue
		}
		rs := a.args(lo + 1)
		if len(rs) == 0 {
			continue
		}
		switch strings.ToLower(call.Text) {
		case "fopen":
			mode := ""
			if len(rs) > 1 {
				mode, _ = a.literalOf(rs[1][0], rs[1][1], nil)
			}
			if strings.ContainsAny(mode, "wax") {
				if webDir(rs[0]) {
					written[t.Text] = a.pageName(rs[0], lits)
				}
			} else if u, ok := remote(rs[0]); ok {
				fetched[t.Text] = u
			}
		case "file_get_contents", "curl_exec", "curl_init", "file", "stream_get_contents":
			if u, ok := remote(rs[0]); ok {
				fetched[t.Text] = u
			} else if u, ok := fetched[a.at(rs[0][0]).Text]; ok {
				fetched[t.Text] = u
			}
		}
	}
	mentionsFetched := func(r [2]int) (string, bool) {
		for j := r[0]; j < r[1]; j++ {
			if u, ok := fetched[a.toks[j].Text]; ok && a.toks[j].Kind == decode.Var {
				return u, true
			}
			if a.toks[j].Kind == decode.Ident && a.at(j+1).Is("(") && (a.low[j] == "file_get_contents" || a.low[j] == "fread" || a.low[j] == "fgets" || a.low[j] == "stream_get_contents") {
				if u, ok := remote(a.args(j + 1)[0]); ok && a.low[j] == "file_get_contents" {
					return u, true
				}
			}
		}
		return "", false
	}
	for _, name := range []string{"fwrite", "fputs"} {
		for _, c := range calls[name] {
			rs := a.args(c + 1)
			if len(rs) < 2 {
				continue
			}
			name, ok := written[a.at(rs[0][0]).Text]
			if !ok {
				continue
			}
			if u, ok := mentionsFetched(rs[1]); ok {
				return c, u, name, true
			}
		}
	}
	for _, c := range calls["file_put_contents"] {
		rs := a.args(c + 1)
		if len(rs) >= 2 && webDir(rs[0]) {
			if u, ok := mentionsFetched(rs[1]); ok {
				return c, u, a.pageName(rs[0], lits), true
			}
		}
	}
	for _, c := range calls["copy"] {
		rs := a.args(c + 1)
		if len(rs) >= 2 && webDir(rs[1]) {
			if u, ok := remote(rs[0]); ok {
				return c, u, a.pageName(rs[1], lits), true
			}
		}
	}
	// curl_setopt($ch, CURLOPT_FILE, $fp) with $fp opened for writing below the page
	for _, c := range calls["curl_setopt"] {
		rs := a.args(c + 1)
		if len(rs) != 3 || !a.at(rs[1][0]).Is("CURLOPT_FILE") {
			continue
		}
		if name, ok := written[a.at(rs[2][0]).Text]; ok {
			for _, ci := range calls["curl_init"] {
				if u, ok := remote(a.args(ci + 1)[0]); ok {
					return c, u, name, true
				}
			}
		}
	}
	return 0, "", "", false
}

// maxValueDepth bounds how far valuesOf follows copies and parameters; maxValueSteps the
// steps it and exprText take on one layer.
const (
	maxValueDepth = 4
	maxValueSteps = 20000
)

// valuesOf returns the literals the variable name may hold where token at reads it: the
// layer's one literal for it; in a function, what a copy of another variable ($f = $name;)
// holds, and for a parameter the literals its calls hand it (directly or through a variable
// holding one).
func (a *analysis) valuesOf(name string, at int, lits map[string]string, depth int) []string {
	if v, ok := lits[name]; ok {
		return []string{v}
	}
	if a.valueSteps++; a.valueSteps > maxValueSteps {
		return nil
	}
	if depth >= maxValueDepth || at >= len(a.scope) || a.scope[at] == 0 {
		return nil
	}
	var fn *function
	for _, fns := range a.funcs {
		for _, f := range fns {
			if f.body[0] < at && at < f.body[1] && (fn == nil || f.body[0] > fn.body[0]) {
				fn = f
			}
		}
	}
	if fn == nil {
		return nil
	}
	for k := fn.body[0]; k < at; k++ {
		if t := a.toks[k]; t.Kind == decode.Var && t.Text == name && a.at(k+1).Is("=") && a.at(k+2).Kind == decode.Var && a.at(k+3).Is(";") {
			return a.valuesOf(a.at(k+2).Text, k+2, lits, depth+1)
		}
	}
	var out []string
	for n, p := range fn.params {
		if p[strings.IndexByte(p, ':')+1:] != name {
			continue
		}
		for _, c := range a.calls()[strings.ToLower(fn.name)] {
			if c > fn.body[0] && c < fn.body[1] {
				continue // a recursive call
			}
			rs := a.args(c + 1)
			if n >= len(rs) || rs[n][1] != rs[n][0]+1 {
				continue
			}
			switch t := a.toks[rs[n][0]]; t.Kind {
			case decode.Str:
				if len(t.Interp) == 0 {
					out = append(out, t.Text)
				}
			case decode.Var:
				out = append(out, a.valuesOf(t.Text, rs[n][0], lits, depth+1)...)
			}
		}
	}
	return out
}

// pageName returns the name of the server page a written path names ("" when it names
// none): a literal ending in a page extension, or a variable, interpolated or not, that
// holds one.
func (a *analysis) pageName(r [2]int, lits map[string]string) string {
	isPage := func(s string) bool {
		e := strings.ToLower(path.Ext(s))
		return phpExt[e] && e != ".inc" || jspExt[e] || aspxExt[e] || aspExt[e]
	}
	for j := r[1] - 1; j >= r[0]; j-- {
		t := a.toks[j]
		var cands []string
		switch t.Kind {
		case decode.Str:
			cands = append(cands, t.Text)
			for _, v := range t.Interp {
				cands = append(cands, a.valuesOf(v, j, lits, 0)...)
			}
		case decode.Var:
			cands = a.valuesOf(t.Text, j, lits, 0)
		}
		for _, c := range cands {
			if isPage(c) {
				return path.Base(c)
			}
		}
	}
	// a variable holding the path: where its one assignment points
	if v := a.at(r[0]); r[1] == r[0]+1 && v.Kind == decode.Var {
		for j, t := range a.toks {
			if t.Kind == decode.Var && t.Text == v.Text && a.at(j+1).Is("=") && j != r[0] && a.scope[j] == a.scope[r[0]] {
				if j+2 < len(a.toks) && r[0] != j+2 {
					return a.pageName([2]int{j + 2, a.stmtEnd(j+2, false)}, lits)
				}
				break
			}
		}
	}
	return ""
}

// requestGate reports whether the page stops unless the request carries a value it
// compares: if ($_REQUEST['pwd'] != 'x') exit; a password gate.
func (a *analysis) requestGate() bool {
	for i, t := range a.toks {
		if !(t.Is("if") && a.at(i+1).Is("(")) {
			continue
		}
		end := a.closeOf(i + 1)
		cmp := false
		for j := i + 2; j < end; j++ {
			switch a.toks[j].Text {
			case "!=", "!==", "==", "===", "<>":
				cmp = true
			}
		}
		if !cmp {
			continue
		}
		reads := false
		for j := i + 2; j < end && !reads; j++ {
			_, _, reads = a.l.source(a, j)
		}
		if !reads {
			continue
		}
		for j := end + 1; j < len(a.toks) && j < end+24; j++ {
			if a.at(j).Is("exit") || a.at(j).Is("die") {
				return true
			}
			if a.at(j).Is(";") && !a.at(end+1).Is("{") {
				break
			}
		}
	}
	return false
}

// downloaderFinding reports a remote downloader.
func downloaderFinding(pg page, p string, an *analysis, at int, url, name string) audit.Finding {
	f := audit.Finding{Rule: RuleDownloader, Category: audit.CategoryWebshell, Severity: audit.Medium, Path: p,
		Title:       pg.label() + " web shell stager: the page fetches " + url + " and writes it into the web directory",
		Evidence:    "code: " + an.snippet(at),
		Remediation: remediation}
	var why []string
	if an.requestGate() {
		why = append(why, "behind a password the request carries")
	}
	if uploadDir(p) {
		why = append(why, "in an upload directory")
	}
	if name != "" {
		// what it writes is a page the server runs: a shell pulled onto the site
		why = append(why, "written as the server page "+name)
	}
	if len(why) > 0 {
		f.Severity = audit.High
		f.Title += " (" + strings.Join(why, ", ") + ")"
		f.AddLabels(audit.CategoryMalware)
	}
	return f
}
