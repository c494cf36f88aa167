package shell

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/strata-forensics/strata/audit"
)

// tokKind is the kind of a token.
type tokKind uint8

const (
	tokIdent tokKind = iota
	tokString
	tokNumber
	tokPunct
	tokCommand // a backtick or qx command string
)

type token struct {
	kind tokKind
	text string
}

// tokenizer settings per language.
type langSyntax struct {
	hashComment  bool // # to end of line
	slashComment bool // // and /* */
	dashComment  bool // -- and --[[ ]] (Lua)
	triple       bool // Python's ''' and """
	backtick     string
	caseFold     bool // identifiers are case-insensitive (PHP functions)
	concat       []string
}

var syntaxOf = map[string]langSyntax{
	"python": {hashComment: true, triple: true, concat: []string{"+"}},
	"perl":   {hashComment: true, backtick: "command", concat: []string{"."}},
	"ruby":   {hashComment: true, backtick: "command", concat: []string{"+", "<<"}},
	"php":    {hashComment: true, slashComment: true, backtick: "command", caseFold: true, concat: []string{"."}},
	"node":   {slashComment: true, backtick: "string", concat: []string{"+"}},
	"lua":    {dashComment: true, concat: []string{".."}},
	"awk":    {hashComment: true},
	"tcl":    {hashComment: true},
	"go":     {slashComment: true, backtick: "string", concat: []string{"+"}},
	"java":   {slashComment: true, concat: []string{"+"}},
	"c":      {slashComment: true},
	"rust":   {slashComment: true},
	"r":      {hashComment: true, concat: nil},
	"dart":   {slashComment: true, concat: []string{"+"}},
}

// tokenize splits code into identifiers, strings (unescaped), numbers and punctuation,
// dropping comments. It never fails: what it cannot read is punctuation.
func tokenize(code []byte, lang string) []token {
	ls := syntaxOf[lang]
	// The tokens' text is cut from one copy of the code instead of being copied token by
	// token, and the slice starts at about the size it ends at (code averages some five
	// bytes a token), up to 256k tokens (6 MB): a big script is hundreds of thousands.
	src := string(code)
	out := make([]token, 0, min(len(code)/5, 1<<18)+8)
	n := len(code)
	for i := 0; i < n; {
		c := code[i]
		switch {
		case c == '\n':
			if len(out) > 0 && out[len(out)-1].text != "\n" {
				out = append(out, token{tokPunct, "\n"})
			}
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case ls.hashComment && c == '#' && !(lang == "perl" && i > 0 && code[i-1] == '$'):
			for i < n && code[i] != '\n' {
				i++
			}
		case ls.slashComment && c == '/' && i+1 < n && code[i+1] == '/':
			for i < n && code[i] != '\n' {
				i++
			}
		case ls.slashComment && c == '/' && i+1 < n && code[i+1] == '*':
			end := bytes.Index(code[i+2:], []byte("*/"))
			if end < 0 {
				i = n
			} else {
				i += end + 4
			}
		case ls.dashComment && c == '-' && i+1 < n && code[i+1] == '-':
			if bytes.HasPrefix(code[i+2:], []byte("[[")) {
				end := bytes.Index(code[i+4:], []byte("]]"))
				if end < 0 {
					i = n
				} else {
					i += end + 6
				}
				continue
			}
			for i < n && code[i] != '\n' {
				i++
			}
		case lang == "lua" && c == '[' && i+1 < n && code[i+1] == '[':
			end := bytes.Index(code[i+2:], []byte("]]"))
			if end < 0 {
				end = n - i - 2
			}
			out = append(out, token{tokString, src[i+2 : i+2+end]})
			i += end + 4
		case ls.triple && (c == '\'' || c == '"') && i+2 < n && code[i+1] == c && code[i+2] == c:
			end := bytes.Index(code[i+3:], code[i:i+3])
			if end < 0 {
				end = n - i - 3
			}
			out = append(out, token{tokString, unescapeString(src[i+3:i+3+end], lang)})
			i += end + 6
		case lang == "rust" && c == '\'' && !(i+2 < n && code[i+2] == '\'') && !(i+1 < n && code[i+1] == '\\'):
			// a lifetime ('static, 'a), not a character literal
			i++
			for i < n && isIdentPart(code[i]) {
				i++
			}
		case lang == "r" && c == '<' && i+1 < n && code[i+1] == '-':
			out = append(out, token{tokPunct, "="})
			i += 2
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < n && code[j] != c {
				if code[j] == '\\' {
					j++
				}
				j++
			}
			body := src[i+1 : min(j, n)]
			kind := tokString
			if c == '`' && ls.backtick == "command" {
				kind = tokCommand
			}
			if c == '\'' && (lang == "perl" || lang == "php" || lang == "ruby") {
				body = strings.ReplaceAll(strings.ReplaceAll(body, `\'`, `'`), `\\`, `\`)
			} else {
				body = unescapeString(body, lang)
			}
			out = append(out, token{kind, body})
			i = j + 1
		case isIdentStart(c) || c >= 0x80:
			j := i + 1
			for j < n && (isIdentPart(code[j]) || code[j] >= 0x80 || lang == "node" && code[j] == '$' || lang == "perl" && code[j] == ':' && j+1 < n && code[j+1] == ':' ||
				lang == "perl" && j > 0 && code[j-1] == ':' && code[j] == ':') {
				j++
			}
			id := src[i:j]
			if lang == "python" && j < n && (code[j] == '\'' || code[j] == '"') && pyStringPrefix(id) {
				// f'...', rb"...": the prefix is part of the literal, which then joins the
				// literals beside it
				i = j
				continue
			}
			if lang == "perl" && (id == "q" || id == "qq" || id == "qx") && j < n && strings.IndexByte("{(/[|!<", code[j]) >= 0 {
				open := code[j]
				close := map[byte]byte{'{': '}', '(': ')', '[': ']', '<': '>', '/': '/', '|': '|', '!': '!'}[open]
				k := bytes.IndexByte(code[j+1:], close)
				if k < 0 {
					k = n - j - 1
				}
				kind := tokString
				if id == "qx" {
					kind = tokCommand
				}
				out = append(out, token{kind, src[j+1 : j+1+k]})
				i = j + k + 2
				continue
			}
			if ls.caseFold {
				id = strings.ToLower(id)
			}
			out = append(out, token{tokIdent, id})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < n && (isIdentPart(code[j]) || code[j] == '.') {
				j++
			}
			out = append(out, token{tokNumber, src[i:j]})
			i = j
		default:
			for _, op := range []string{"|&", "..", "::", "->", "=>", "<<", "+="} {
				if bytes.HasPrefix(code[i:], []byte(op)) {
					out = append(out, token{tokPunct, op})
					i += len(op)
					goto next
				}
			}
			out = append(out, token{tokPunct, src[i : i+1]}) // ASCII: string(c) would allocate
			i++
		next:
		}
	}
	out = fold(out, lang)
	if lang == "tcl" {
		out = tclNormal(out)
	}
	return out
}

// tclNormal puts Tcl in the shape the flow analysis reads: `set name value` is an
// assignment and $name a use of name.
func tclNormal(ts []token) []token {
	out := make([]token, 0, len(ts))
	for i, t := range ts {
		if t.kind == tokIdent && strings.HasPrefix(t.text, "$") {
			t.text = t.text[1:]
		}
		// set name value is an assignment; set name(key) value, an array element, is left as
		// it is: an array holds many things, and a read into one element is not all of it.
		if t.kind == tokIdent && t.text == "set" && i+1 < len(ts) && ts[i+1].kind == tokIdent &&
			!(i+2 < len(ts) && ts[i+2].text == "(") &&
			(i == 0 || ts[i-1].text == "\n" || ts[i-1].text == ";" || ts[i-1].text == "{" || ts[i-1].text == "[") {
			out = append(out, token{tokIdent, strings.TrimPrefix(ts[i+1].text, "$")}, token{tokPunct, "="})
			ts[i+1].kind = tokPunct // consumed
			ts[i+1].text = ""
			continue
		}
		if t.kind == tokPunct && t.text == "" {
			continue
		}
		out = append(out, t)
	}
	return out
}

// pyStringPrefix reports Python's string prefixes (f, r, b, u and their pairs, any case).
func pyStringPrefix(id string) bool {
	switch strings.ToLower(id) {
	case "f", "r", "b", "u", "fr", "rf", "br", "rb":
		return true
	}
	return false
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// unescapeString expands the escapes of a double-quoted string.
func unescapeString(s, lang string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return unquoteC(s)
}

// fold joins what the code builds strings from: concatenated literals ("/bin/"+"sh"),
// chr(47)-style character codes and String.fromCharCode(...).
func fold(ts []token, lang string) []token {
	ops := syntaxOf[lang].concat
	// In place: out never grows past the token being read.
	out := ts[:0]
	depth := 0 // Python's brackets: a line break inside them ends nothing
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if lang == "python" && t.kind == tokPunct {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth = max(0, depth-1)
			case "\n":
				// 'a'\n    f'b' inside a call's parentheses are one literal
				if depth > 0 && len(out) >= 1 && out[len(out)-1].kind == tokString && i+1 < len(ts) && ts[i+1].kind == tokString {
					continue
				}
			}
		}
		// chr(N) / chr(N) . chr(M): one character.
		if t.kind == tokIdent && (t.text == "chr" || t.text == "char") && i+3 < len(ts) && ts[i+1].text == "(" &&
			ts[i+2].kind == tokNumber && ts[i+3].text == ")" {
			if n, err := strconv.ParseInt(ts[i+2].text, 0, 32); err == nil && n >= 0 && n < 0x110000 {
				t = token{tokString, string(rune(n))}
				i += 3
			}
		}
		// String.fromCharCode(a, b, c)
		if t.kind == tokIdent && t.text == "fromCharCode" && i+1 < len(ts) && ts[i+1].text == "(" {
			var b strings.Builder
			j := i + 2
			for ; j < len(ts) && ts[j].text != ")"; j++ {
				if ts[j].kind == tokNumber {
					if n, err := strconv.ParseInt(ts[j].text, 0, 32); err == nil && n >= 0 && n < 0x110000 {
						b.WriteRune(rune(n))
					}
				}
			}
			if j < len(ts) {
				if len(out) >= 2 && out[len(out)-1].text == "." && out[len(out)-2].text == "String" {
					out = out[:len(out)-2]
				}
				t = token{tokString, b.String()}
				i = j
			}
		}
		if t.kind == tokString && len(out) >= 2 && out[len(out)-2].kind == tokString && slices.Contains(ops, out[len(out)-1].text) {
			out[len(out)-2].text += t.text
			out = out[:len(out)-1]
			continue
		}
		// Adjacent literals join too (Python, awk).
		if t.kind == tokString && len(out) >= 1 && out[len(out)-1].kind == tokString && (lang == "python" || lang == "awk") {
			out[len(out)-1].text += t.text
			continue
		}
		out = append(out, t)
	}
	return out
}

// langCode analyses code in an interpreted language.
func (a *analysis) langCode(s *syntax.Stmt, lang string, code []byte) {
	if a.nesting > maxNesting || a.budget <= 0 || len(code) == 0 {
		return
	}
	a.nesting++
	defer func() { a.nesting-- }()
	if lang == "shell" {
		a.shellText(code, fdset{})
		return
	}
	if lang == "awk" {
		a.awk(s, code)
		return
	}
	if lang == "tcl" {
		a.expectSpawns(s, code)
	}
	ts := tokenize(code, lang)
	a.budget -= len(ts) / 64
	a.credLang(s, lang, ts)
	a.stealthLang(s, lang, ts)
	if !agentTrigger(nil, lang, code) {
		// no HTTP client, runner and post together: no agent to follow
	} else if why, url, ev := agentFlow(ts, lang); why != "" {
		h := hit{kind: hitHTTPAgent, lang: lang, evidence: ev, chain: slices.Clone(a.chain), place: a.place, detail: why, from: url, critical: true}
		if strings.HasPrefix(why, onceRun) {
			h.kind, h.critical = hitFetchRun, false // a download run, as curl | sh is in a shell
		}
		if s != nil {
			h.evidence, h.line = a.evidence(s), a.line(s)
		}
		a.hits.add(h)
	}
	rule, ok := langRules[lang]
	if !ok {
		return
	}
	evidence := ""
	if s != nil {
		evidence = a.evidence(s)
	}
	// Small code is one unit; a big file is looked at in overlapping windows, so that a
	// library that connects somewhere and spawns something elsewhere is not one shell.
	const window, step = 1500, 750
	found := false
	fileShell := namesShell(ts, a.exhaustive)
	for start := 0; start < len(ts) && !found; start += step {
		end := min(start+window, len(ts))
		if why := reverseShell(ts[start:end], lang, rule, fileShell, a.exhaustive); why != "" {
			ev := evidence
			if ev == "" {
				ev = snippet(ts[start:end])
			}
			h := hit{kind: hitLang, lang: lang, evidence: ev, chain: slices.Clone(a.chain), place: a.place, detail: why,
				from: endpointInTokens(ts[start:end])}
			if s != nil {
				h.line = a.line(s)
			}
			a.hits.add(h)
			found = true
		}
		if end == len(ts) {
			break
		}
	}
	// Strings that are code: what exec/eval is handed, shell commands the program runs, and
	// encoded stages.
	for i, t := range ts {
		if t.kind == tokIdent && slices.Contains(evalCalls[lang], t.text) && i+2 < len(ts) && ts[i+1].text == "(" &&
			ts[i+2].kind == tokString && len(ts[i+2].text) >= 16 {
			if _, enc := decodeLiteral(ts[i+2].text); enc == nil {
				a.stringCode(s, lang, []byte(ts[i+2].text), nil)
			}
		}
	}
	a.evalRuns(lang, ts)
	// a runner that hands its string to the shell: system() and friends, or Python's
	// subprocess calls told shell=True
	runs := slices.ContainsFunc(ts, func(t token) bool { return t.kind == tokIdent && shellRunners[t.text] }) ||
		lang == "python" && slices.ContainsFunc(ts, func(t token) bool { return t.kind == tokIdent && t.text == "shell" }) && shellTrue(ts)
	for i, t := range ts {
		if t.kind != tokString && t.kind != tokCommand || len(t.text) < 8 {
			continue
		}
		if t.kind == tokString && runs && shellish(t.text) && (hasTradecraftTrigger(nil, []byte(t.text)) || hasSetuidTrigger(nil, []byte(t.text)) ||
			fetchPipe(t.text)) {
			// a command line for the shell the program runs commands with (system,
			// shell_exec, os.system), handed directly or through a variable or a list:
			// read for what it does to logs, history, accounts and setuid bits
			a.stringCode(s, "shell", []byte(t.text), nil)
			continue
		}
		if t.kind == tokCommand || stringShellTrigger(nil, []byte(t.text)) && shellish(t.text) {
			a.stringCode(s, "shell", []byte(t.text), nil)
			if lang == "java" && i >= 2 && ts[i-1].text == "(" && ts[i-2].text == "exec" {
				// Runtime.exec(String) splits its command at blanks, quotes and all: no shell
				// reads it, each word is an argument (bash -c $@|bash 0 echo bash -i >& ...).
				if split := shellJoin(strings.Fields(t.text)); len(a.hits.hits) == 0 {
					a.stringCode(s, "shell", []byte(split), nil)
				}
			}
			continue
		}
		if len(t.text) >= 16 {
			if d, kind := decodeLiteral(t.text); d != nil {
				a.stringCode(s, lang, d, kind)
			}
		}
	}
}

// shellTrue reports a Python call's keyword argument shell=True.
func shellTrue(ts []token) bool {
	for i := 0; i+2 < len(ts); i++ {
		if ts[i].text == "shell" && ts[i+1].text == "=" && ts[i+2].text == "True" {
			return true
		}
	}
	return false
}

// shellPipes are a pipe into a shell, as a download is run (curl URL | sh).
var shellPipes = []string{"| sh", "|sh", "| bash", "|bash", "| /bin/sh", "| /bin/bash", "|/bin/sh", "|/bin/bash"}

// fetchPipe reports a command line that pipes a download into a shell (curl URL | sh).
func fetchPipe(s string) bool {
	if !strings.Contains(s, "curl") && !strings.Contains(s, "wget") {
		return false
	}
	for _, w := range shellPipes {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// evalRuns reports code handed to the language's own eval (Python's exec, Perl's and Ruby's
// eval, Node's eval and Function) that it decoded from a literal it carries (an encoded stage:
// exec(zlib.decompress(base64.b64decode('eN...')))) or that a URL returned (a stager:
// exec(urlopen(url).read()), eval(HTTP::Tiny->new->get($u)->{content})). What the literal
// decodes to is read as code by the caller as well.
func (a *analysis) evalRuns(lang string, ts []token) {
	calls := evalCalls[lang]
	if len(calls) == 0 {
		return
	}
	var urls map[string]bool // variables assigned a URL literal
	for i, t := range ts {
		if t.kind != tokIdent || !slices.Contains(calls, t.text) || i+1 >= len(ts) || ts[i+1].text != "(" ||
			i > 0 && (ts[i-1].text == "." || ts[i-1].text == "->" || ts[i-1].text == "::" || ts[i-1].text == "def" || ts[i-1].text == "function") {
			continue
		}
		args := argsAt(ts, i)
		if len(args) < 3 {
			continue
		}
		ev := snippet(ts[max(0, i-4):min(len(ts), i+40)])
		for _, x := range args {
			if x.kind == tokString && len(x.text) >= 48 {
				if d, chain := decodeLiteral(x.text); d != nil {
					a.hits.add(hit{kind: hitDecodeRun, lang: lang, evidence: ev, chain: append(slices.Clone(a.chain), chain...), place: a.place,
						detail: t.text + " of a literal decoded by " + strings.Join(chain, " > ")})
					return
				}
			}
		}
		if urls == nil {
			urls = map[string]bool{}
			for j := 1; j+1 < len(ts); j++ {
				if ts[j].text == "=" && ts[j-1].kind == tokIdent && ts[j+1].kind == tokString && isURL(ts[j+1].text) {
					urls[ts[j-1].text] = true
				}
			}
		}
		for k, x := range args {
			if k+1 >= len(args) || args[k+1].text != "(" || x.kind != tokIdent || !fetchCalls[x.text] {
				continue
			}
			fa := argsAt(args, k)
			if slices.ContainsFunc(fa, func(y token) bool { return y.kind == tokString && isURL(y.text) || y.kind == tokIdent && urls[y.text] }) {
				h := hit{kind: hitFetchRun, lang: lang, evidence: ev, chain: slices.Clone(a.chain), place: a.place,
					detail: t.text + " of the code a URL returned (" + x.text + ")", from: urlIn(fa)}
				a.hits.add(h)
				return
			}
		}
	}
}

// fetchCalls are the calls (or methods) a language's HTTP clients fetch a URL's body with.
var fetchCalls = map[string]bool{"urlopen": true, "open": true, "get": true, "request": true, "fetch": true, "urlretrieve": true,
	"get_response": true, "getstore": true, "getprint": true, "read": true, "Get": true}

func isURL(s string) bool {
	s = strings.ToLower(s)
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "ftp://")
}

// shellRunners hand their argument to a shell as a command line: PHP's, Python's os, Perl's
// and Ruby's system and exec, Node's child_process exec.
var shellRunners = map[string]bool{"system": true, "shell_exec": true, "passthru": true, "exec": true, "popen": true,
	"proc_open": true, "execSync": true, "getoutput": true, "getstatusoutput": true}

// evalCalls run a string as code of the language they are in.
var evalCalls = map[string][]string{
	"python": {"exec", "eval", "compile"}, "perl": {"eval"}, "ruby": {"eval", "instance_eval", "class_eval"},
	"php": {"eval", "assert"}, "node": {"eval", "Function"}, "lua": {"load", "loadstring", "dostring"},
}

// stringCode analyses a string literal that is code, adding the decodings that revealed it.
func (a *analysis) stringCode(s *syntax.Stmt, lang string, code []byte, chain []string) {
	saved := a.chain
	a.chain = append(slices.Clone(a.chain), chain...)
	defer func() { a.chain = saved }()
	if len(chain) > 0 && s != nil {
		a.hitAt(hitDecodeRun, s, val{}, lang)
	}
	if lang == "shell" {
		a.shellText(code, fdset{})
		return
	}
	a.langCode(s, lang, code)
}

// shellish reports whether a string reads as a shell command line rather than prose.
func shellish(s string) bool {
	f := strings.Fields(s)
	return len(f) >= 2 && len(f) < 200 && !strings.Contains(s, ". ") || strings.Contains(s, "/dev/tcp/")
}

// decodeLiteral decodes a string literal that is base64 or hex of text (or of zlib/gzip
// compressed text), as encoded stages are.
func decodeLiteral(s string) ([]byte, []string) {
	clean := strings.TrimSpace(s)
	if len(clean)%2 == 0 && isAllHex(clean) && len(clean) >= 32 {
		if d, err := hex.DecodeString(clean); err == nil && audit.Printable(d) {
			return d, []string{"hex"}
		}
	}
	if !isAllBase64(clean) {
		return nil, nil
	}
	d, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		d, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
	}
	if err != nil || len(d) == 0 {
		return nil, nil
	}
	if audit.Printable(d) {
		return d, []string{"base64"}
	}
	if zr, err := zlib.NewReader(bytes.NewReader(d)); err == nil {
		if out, err := io.ReadAll(io.LimitReader(zr, maxValueBytes)); (err == nil || len(out) > 0) && audit.Printable(out) {
			return out, []string{"base64", "zlib"}
		}
	}
	if t, ok := decodeAs("gzip", val{s: string(d)}); ok && audit.Printable([]byte(t)) {
		return []byte(t), []string{"base64", "gzip"}
	}
	return nil, nil
}

func isAllHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return s != ""
}

func isAllBase64(s string) bool {
	if len(s) < 16 {
		return false
	}
	upper, lower := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' && i >= len(s)-2:
		default:
			return false
		}
	}
	return upper && lower
}

// awk finds gawk's /inet coprocess used as a shell: what is read from the connection (getline
// from it, into a variable or $0) run as a command: system() of it, a coprocess or pipe of it,
// or printed into a pipe to a shell. A client that prints what a server answers (an HTTP fetch,
// a request to a local daemon) runs nothing it reads.
func (a *analysis) awk(s *syntax.Stmt, code []byte) {
	ts := tokenize(code, "awk")
	inet := ""
	conn := map[string]bool{} // names holding a /inet special file
	for i, t := range ts {
		if t.kind == tokString && inetPrefix.MatchString(t.text) {
			inet = t.text
			if i >= 2 && ts[i-1].text == "=" && ts[i-2].kind == tokIdent {
				conn[ts[i-2].text] = true
			}
		}
	}
	if inet == "" {
		return
	}
	isConn := func(t token) bool {
		return t.kind == tokString && inetPrefix.MatchString(t.text) || t.kind == tokIdent && conn[t.text]
	}
	// what is read from the connection: X |& getline [v], getline [v] < X
	read := map[string]bool{}
	got := func(j int) {
		if j < len(ts) && ts[j].kind == tokIdent && !awkWords[ts[j].text] {
			read[ts[j].text] = true
		} else {
			read["$0"] = true
		}
	}
	for i := 0; i+2 < len(ts); i++ {
		if isConn(ts[i]) && ts[i+1].text == "|&" && ts[i+2].text == "getline" {
			got(i + 3)
		}
		if ts[i].text == "getline" {
			j := i + 1
			if j < len(ts) && ts[j].kind == tokIdent && !awkWords[ts[j].text] {
				j++
			}
			if j+1 < len(ts) && ts[j].text == "<" && isConn(ts[j+1]) {
				got(i + 1)
			}
		}
	}
	if len(read) == 0 {
		return
	}
	// $0 is the token pair "$" "0"
	tainted := func(i int) bool {
		if i >= len(ts) {
			return false
		}
		if ts[i].kind == tokIdent {
			return read[ts[i].text] && !conn[ts[i].text]
		}
		return ts[i].text == "$" && i+1 < len(ts) && ts[i+1].text == "0" && read["$0"]
	}
	run := false
	for i, t := range ts {
		switch {
		case t.kind == tokIdent && t.text == "system" && i+2 < len(ts) && ts[i+1].text == "(" && tainted(i+2):
			run = true // system(c)
		case (t.text == "|&" || t.text == "|") && i+1 < len(ts) && ts[i+1].text == "getline" && i > 0 && (tainted(i-1) || i > 1 && ts[i-2].text == "$" && tainted(i-2)):
			run = true // c |& getline, c | getline: the command's output read back
		case (t.text == "|&" || t.text == "|") && tainted(i+1):
			run = true // print x | c
		case t.text == "|" && i+1 < len(ts) && ts[i+1].kind == tokString && isShellCommand(ts[i+1].text):
			run = true // print c | "sh"
		}
	}
	if !run {
		return
	}
	ev := ""
	line := 0
	if s != nil {
		ev, line = a.evidence(s), a.line(s)
	}
	if ev == "" {
		ev = oneLine(string(code), 240)
	}
	a.hits.add(hit{kind: hitLang, lang: "awk", evidence: ev, line: line, chain: slices.Clone(a.chain), place: a.place,
		from:   endpointOf(strings.Replace(inetPath.FindString(inet), "/inet/tcp/0/", "/dev/tcp/", 1)),
		detail: "reads commands from " + inet + " and runs them"})
}

// awkWords are awk's keywords and built-ins that may follow getline without being its variable.
var awkWords = map[string]bool{"if": true, "while": true, "for": true, "do": true, "print": true, "printf": true, "close": true,
	"system": true, "getline": true, "next": true, "exit": true, "return": true, "else": true, "in": true}

var inetPath = regexp.MustCompile(`/inet[46]?/(tcp|udp)/[0-9]+/[^/\s]+/[0-9A-Za-z]+`)

// inetPrefix is the start of a gawk network special file: the rest (local port, host, remote
// port) may be joined to it at run time ("/inet/tcp/" Port "/0/0" listens on Port).
var inetPrefix = regexp.MustCompile(`^/inet[46]?/(tcp|udp)/`)

// snippet renders the first tokens of a window as evidence.
func snippet(ts []token) string {
	var b strings.Builder
	for _, t := range ts {
		if b.Len() > 200 {
			break
		}
		if t.kind == tokString {
			b.WriteString(strconv.Quote(t.text))
		} else {
			b.WriteString(t.text)
		}
		b.WriteByte(' ')
	}
	return oneLine(b.String(), 240)
}

var hostPortString = regexp.MustCompile(`^[A-Za-z0-9.-]+:[0-9]{1,5}$`)

// endpointInTokens returns the first address-looking literal: ("1.2.3.4", 4444), "h:4444".
func endpointInTokens(ts []token) string {
	for i, t := range ts {
		if t.kind != tokString {
			continue
		}
		if hostPortString.MatchString(t.text) {
			return t.text
		}
		if strings.Count(t.text, ".") >= 1 && !strings.ContainsAny(t.text, " /") && i+2 < len(ts) && ts[i+1].text == "," && ts[i+2].kind == tokNumber {
			return t.text + ":" + ts[i+2].text
		}
	}
	return ""
}
