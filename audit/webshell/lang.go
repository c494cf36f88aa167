package webshell

import (
	"strconv"
	"strings"

	"github.com/strata-forensics/strata/signatures/decode"
)

// lang is what the taint analysis knows about one server-side language: how it names
// variables, where request input comes from and which calls run it.
type lang struct {
	name  string // "php", "java", "csharp", "vbscript", "jscript", "perl", "python", "ruby", "node"
	label string // for titles: "PHP", "JSP", "ASP.NET", "classic ASP", "Perl CGI" ...
	// handlerLabel names, for titles, a page a web framework serves (a Flask view, a Rails
	// controller) rather than a CGI script
	handlerLabel string
	syntax       decode.Syntax
	newlineEnds  bool // a newline ends a statement
	commaEnds    bool // a comma ends an assignment's value
	killers      map[string]bool
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = true
	}
	return m
}

// Functions whose result carries nothing of the request a command or code could use:
// truth values, numbers, hashes, and escaping for the shell.
var (
	phpKillers = set("isset", "empty", "is_numeric", "is_int", "is_string", "is_array", "is_null", "is_file", "is_dir",
		"is_readable", "is_writable", "is_writeable", "file_exists", "count", "sizeof", "strlen", "mb_strlen", "intval", "floatval",
		"boolval", "abs", "round", "floor", "ceil", "md5", "sha1", "crc32", "hash", "hash_hmac", "password_hash",
		"password_verify", "escapeshellarg", "escapeshellcmd", "strcmp", "strcasecmp", "strncmp", "strncasecmp", "strpos",
		"stripos", "strrpos", "in_array", "array_key_exists", "array_search", "preg_match", "preg_match_all", "preg_quote",
		"filesize", "filemtime", "ctype_digit", "ctype_alnum", "ctype_alpha", "ctype_xdigit", "version_compare",
		"basename", "realpath", "sanitize_file_name", "sanitize_key", "sanitize_text_field", "sanitize_title", "absint",
		"esc_attr", "esc_html", "esc_url", "esc_sql", "wp_verify_nonce", "check_admin_referer", "current_user_can",
		"htmlspecialchars", "htmlentities", "strip_tags", "is_callable", "function_exists", "method_exists", "defined",
		"gettype", "get_class", "spl_object_hash", "json_last_error", "checkdate", "date", "mktime", "strtotime", "time",
		"filter_var", "ctype_space", "ctype_upper", "ctype_lower", "array_key_last", "array_key_first", "mb_strpos")
	javaKillers = set("equals", "equalsIgnoreCase", "length", "size", "isEmpty", "parseInt", "parseLong", "parseBoolean",
		"contains", "startsWith", "endsWith", "matches", "hashCode", "indexOf", "lastIndexOf", "compareTo", "escapeHtml",
		"escapeHtml4", "escapeXml", "encodeForHTML", "isBlank", "isNotBlank", "getContextPath")
	vbKillers = set("Len", "IsEmpty", "IsNull", "IsNumeric", "CInt", "CLng", "CBool", "CDbl", "InStr", "InStrRev",
		"HTMLEncode", "URLEncode", "Int", "Fix", "StrComp", "IsNullOrEmpty", "Equals", "Contains", "StartsWith",
		"EndsWith", "Parse", "TryParse", "HtmlEncode", "UrlEncode", "Count", "Length", "IndexOf")
	perlKillers   = set("length", "defined", "exists", "scalar", "int", "quotemeta", "ref")
	pythonKillers = set("len", "int", "bool", "float", "isinstance", "hasattr", "quote", "escape", "exists", "isfile", "isdir")
	rubyKillers   = set("length", "size", "nil?", "empty?", "to_i", "to_f", "escape", "shellescape", "include?")
	luaKillers    = set("tonumber", "type", "len", "find", "escape_uri", "quote_sql_str", "md5", "sha1_bin", "crc32_short")
)

var (
	langPHP      = &lang{name: "php", label: "PHP", syntax: decode.PHP, killers: phpKillers}
	langJava     = &lang{name: "java", label: "JSP", handlerLabel: "Java servlet source", syntax: decode.Java, commaEnds: true, killers: javaKillers}
	langCSharp   = &lang{name: "csharp", label: "ASP.NET", syntax: decode.CSharp, commaEnds: true, killers: vbKillers}
	langJScript  = &lang{name: "jscript", label: "ASP.NET JScript", syntax: decode.CSharp, commaEnds: true, killers: vbKillers}
	langVBScript = &lang{name: "vbscript", label: "classic ASP", syntax: decode.VBScript, newlineEnds: true, killers: vbKillers}
	langPerl     = &lang{name: "perl", label: "Perl CGI", handlerLabel: "Perl web handler", syntax: decode.Perl, commaEnds: false, killers: perlKillers}
	langPython   = &lang{name: "python", label: "Python CGI", handlerLabel: "Python web handler", syntax: decode.Python, newlineEnds: true, killers: pythonKillers}
	langRuby     = &lang{name: "ruby", label: "Ruby CGI", handlerLabel: "Ruby web handler", syntax: decode.Ruby, newlineEnds: true, killers: rubyKillers}
	langLua      = &lang{name: "lua", label: "OpenResty Lua handler", syntax: decode.Lua, newlineEnds: true, killers: luaKillers}
	langNode     = &lang{name: "node", label: "Node.js", syntax: decode.JavaScript, commaEnds: true, killers: nodeKillers}
)

// fold spells a name the way the language compares it.
func (l *lang) fold(s string) string {
	if l.name == "php" || l.name == "vbscript" {
		return strings.ToLower(s)
	}
	return s
}

var phpSuperglobals = set("$_GET", "$_POST", "$_REQUEST", "$_COOKIE", "$_FILES", "$HTTP_GET_VARS", "$HTTP_POST_VARS",
	"$HTTP_COOKIE_VARS", "$HTTP_POST_FILES", "$HTTP_RAW_POST_DATA")

// userServerKey reports whether a $_SERVER / environment key is one the client sets.
func userServerKey(k string) bool {
	k = strings.ToUpper(k)
	if strings.HasPrefix(k, "HTTP_") {
		return true
	}
	switch k {
	case "QUERY_STRING", "REQUEST_URI", "PATH_INFO", "PATH_TRANSLATED", "PHP_AUTH_USER", "PHP_AUTH_PW", "ARGV", "CONTENT_TYPE", "ORIG_PATH_INFO", "REDIRECT_QUERY_STRING", "REDIRECT_URL":
		return true
	}
	return false
}

// scopeKey names a PHP variable in a function scope: "3:$cmd".
func scopeKey(scope int32, name string) string {
	if scope == 0 {
		return "0:" + name
	}
	return strconv.Itoa(int(scope)) + ":" + name
}

// key names the variable at token i ("3:$cmd" for PHP's function scope 3, "cmd" elsewhere),
// "" when the token is no variable.
func (l *lang) key(a *analysis, i int, t decode.Token) string {
	switch l.name {
	case "php":
		if t.Kind != decode.Var {
			return ""
		}
		prev := a.at(i - 1)
		if prev.Is("->") || prev.Is("$") {
			return ""
		}
		if prev.Is("::") {
			return "::" + t.Text
		}
		if t.Text == "$this" && a.at(i+1).Is("->") && a.at(i+2).Kind == decode.Ident && !a.at(i+3).Is("(") {
			return "->" + strings.ToLower(a.at(i+2).Text)
		}
		if t.Text == "$GLOBALS" && a.at(i+1).Is("[") && a.at(i+2).Kind == decode.Str {
			return "0:$" + a.at(i+2).Text
		}
		if t.Text == "$_SESSION" || t.Text == "$GLOBALS" || phpSuperglobals[strings.ToLower(t.Text)] || t.Text == "$_SERVER" || t.Text == "$_ENV" {
			return "g:" + t.Text
		}
		return scopeKey(a.scope[i], t.Text)
	case "perl":
		switch {
		case t.Kind == decode.Var:
			if a.at(i - 1).Is("->") {
				return ""
			}
			if t.Text == "$_" {
				if a.at(i + 1).Is("[") {
					return perlArgs(a, i) // $_[0]: an argument of the enclosing sub
				}
				return "$_" // the topic variable
			}
			// $x, $x[0] of @x and $x{k} of %x are three variables
			name := strings.TrimPrefix(t.Text, "$")
			switch {
			case a.at(i + 1).Is("["):
				name = "@" + name
			case a.at(i + 1).Is("{"):
				name = "%" + name
			}
			return perlLocal(a, i, name)
		case t.Kind == decode.Ident && t.Text == "_" && a.at(i-1).Is("@"):
			return perlArgs(a, i)
		case t.Kind == decode.Ident && (a.at(i-1).Is("@") || a.at(i-1).Is("%")) && !a.at(i+1).Is("("):
			return perlLocal(a, i, a.at(i-1).Text+t.Text)
		case t.Kind == decode.Ident && (t.Text == "shift" || t.Text == "pop") && !a.at(i-1).Is("->") && shiftsArgs(a, i):
			return perlArgs(a, i)
		}
		return ""
	}
	// VBScript indexes arrays with parentheses, and a function returns by assigning its name
	if t.Kind != decode.Ident || a.at(i+1).Is("(") && l.name != "vbscript" {
		return ""
	}
	prev := a.at(i - 1)
	if prev.Is(".") || prev.Is("::") || prev.Is("->") {
		// this.x, self.x, @x: the member of the page or object itself
		if r := a.at(i - 2); r.Is("this") || r.Is("self") || r.Is("Me") {
			return l.fold(t.Text)
		}
		return ""
	}
	if isKeyword(l, t.Text) {
		return ""
	}
	return l.fold(t.Text)
}

var keywords = set("new", "return", "if", "else", "while", "for", "foreach", "true", "false", "null", "nothing", "this",
	"self", "me", "and", "or", "not", "string", "int", "var", "dim", "set", "let", "const", "public", "private",
	"static", "final", "void", "class", "import", "from", "in", "is", "as", "def", "end", "then", "try", "catch",
	"none", "nil", "byte", "char", "object", "boolean", "bool", "long", "function", "sub", "byval", "byref", "print")

// braceKeywords are words of the other languages a C-family language (Java, C#, JScript,
// JavaScript) may name a method or variable: class L { Class def(byte[] b) { ... } }.
var braceKeywords = set("def", "end", "then", "sub", "print", "dim", "none", "nil", "byval", "byref")

// javaNames are keywords of other languages that Java leaves free for names: InputStream in,
// boolean is.
var javaNames = set("in", "is", "as", "from")

func isKeyword(l *lang, s string) bool {
	k := strings.ToLower(s)
	if l != nil && braceKeywords[k] {
		switch l.name {
		case "java", "csharp", "jscript", "node":
			return false
		}
	}
	if l != nil && l.name == "java" && javaNames[k] {
		return false
	}
	return keywords[k]
}

// shiftsArgs reports whether the shift or pop at i takes from @_ (it names no other array).
func shiftsArgs(a *analysis, i int) bool {
	n := a.at(i + 1)
	switch {
	case n.Kind == decode.Var || n.Is("@"):
		return false
	case n.Is("("):
		return a.at(i+2).Is(")") || a.at(i+2).Is("@") && a.at(i+3).Is("_")
	}
	return true
}

// perlLocal keys a Perl variable: a my variable of a sub is the sub's own.
func perlLocal(a *analysis, i int, name string) string {
	if sc := a.scope[i]; sc != 0 && a.perlMy[sc][name] {
		return scopeKey(sc, name)
	}
	return name
}

// perlDecls finds the variables each sub declares with my.
func perlDecls(a *analysis) {
	a.perlMy = map[int32]map[string]bool{}
	add := func(j int) {
		sc := a.scope[j]
		if sc == 0 {
			return
		}
		t := a.at(j)
		var name string
		switch {
		case t.Kind == decode.Var:
			name = strings.TrimPrefix(t.Text, "$")
		case (t.Is("@") || t.Is("%")) && a.at(j+1).Kind == decode.Ident:
			name = t.Text + a.at(j+1).Text
		default:
			return
		}
		if a.perlMy[sc] == nil {
			a.perlMy[sc] = map[string]bool{}
		}
		a.perlMy[sc][name] = true
	}
	for i, t := range a.toks {
		if !t.Is("my") && !t.Is("local") && !t.Is("state") {
			continue
		}
		if a.at(i + 1).Is("(") {
			for j := i + 2; j < a.closeOf(i+1); j++ {
				add(j)
			}
			continue
		}
		add(i + 1)
	}
}

// perlArgs is the key of the @_ that token i reads: the arguments of the sub around it.
func perlArgs(a *analysis, i int) string { return scopeKey(a.scope[i], "@_") }

// display renders a variable key for evidence.
func (l *lang) display(k string) string {
	switch {
	case strings.HasPrefix(k, "->"):
		return "$this" + k
	case strings.HasPrefix(k, "g:"):
		return k[2:]
	case strings.HasPrefix(k, "::"):
		return "self" + k
	}
	if i := strings.IndexByte(k, ':'); i >= 0 && l.name == "php" {
		return k[i+1:]
	}
	if l.name == "perl" {
		if strings.HasSuffix(k, ":@_") {
			return "@_"
		}
		if i := strings.IndexByte(k, ':'); i >= 0 {
			k = k[i+1:]
		}
		if strings.HasPrefix(k, "@") || strings.HasPrefix(k, "%") {
			return k
		}
		if strings.HasPrefix(k, "$") {
			return k
		}
		return "$" + k
	}
	return k
}

// plainVar reports whether a key is an ordinary local variable (what extract() can set).
func (l *lang) plainVar(k string) bool {
	return l.name == "php" && !strings.HasPrefix(k, "->") && !strings.HasPrefix(k, "g:") && !strings.HasPrefix(k, "::") && !strings.HasSuffix(k, "$this")
}

func (l *lang) castKills(a *analysis, j int) bool { return false }

func (l *lang) numericCast(t decode.Token) bool {
	if t.Kind != decode.Ident {
		return false
	}
	switch strings.ToLower(t.Text) {
	case "int", "integer", "bool", "boolean", "float", "double", "long", "short", "real", "unset":
		return true
	}
	return false
}

// statementStart reports whether token i starts a statement (or follows a declaration
// keyword), where an = assigns rather than compares.
func (a *analysis) statementStart(i int) bool {
	t := a.at(i)
	switch t.Kind {
	case decode.Newline:
		return true
	case decode.Punct:
		return t.Text == ";" || t.Text == ":" || t.Text == "{" || t.Text == "}"
	case decode.Ident:
		switch strings.ToLower(t.Text) {
		case "dim", "set", "let", "const", "then", "else", "private", "public", "my", "our", "local", "var", "global":
			return true
		}
	}
	return false
}

// targets returns the variables the assignment at i writes.
func (l *lang) targets(a *analysis, i int) []string {
	j := i - 1
	t := a.at(j)
	// list($a, $b) = ..., [$a, $b] = ..., my ($a, $b) = @_
	if t.Is(")") || t.Is("]") {
		open := a.match[j]
		if open >= 0 && (t.Is(")") && (a.at(open-1).Is("list") || a.at(open-1).Is("my") || a.at(open-1).Is("our") || a.at(open-1).Is("local")) ||
			t.Is("]") && (a.statementStart(open-1) || open == 0)) {
			var out []string
			for k := open + 1; k < j; k++ {
				if key := a.key(k); key != "" {
					out = append(out, key)
				}
			}
			return out
		}
	}
	if l.name == "node" && t.Is("}") && a.match[j] >= 0 && a.statementStart(a.match[j]-1) {
		// const { code: c, cmd } = req.body: each name bound takes a property of the value
		var out []string
		for k := a.match[j] + 1; k < j; k++ {
			if x := a.at(k); x.Kind == decode.Ident && (a.at(k-1).Is("{") || a.at(k-1).Is(",") || a.at(k-1).Is(":")) &&
				(a.at(k+1).Is(",") || a.at(k+1).Is("}") || a.at(k+1).Is("=")) {
				out = append(out, l.fold(x.Text))
			}
		}
		return out
	}
	if l.name == "php" && t.Is("]") && a.at(j-1).Kind == decode.Str && a.at(j-2).Is("[") && a.at(j-3).Kind == decode.Var && !a.at(j-4).Is("->") {
		if k := a.key(j - 3); k != "" {
			return []string{elemKey(k, a.at(j-1).Text)}
		}
	}
	// $o->prop = $input: the object's methods read it as $this->prop
	var member string
	if l.name == "php" && t.Kind == decode.Ident && a.at(j-1).Is("->") && a.at(j-2).Kind == decode.Var && a.at(j-2).Text != "$this" && !a.at(j-3).Is("->") {
		member = "->" + strings.ToLower(t.Text)
	}
	for {
		t = a.at(j)
		switch {
		case t.Is("]") || (t.Is("}") && l.name == "perl"):
			if a.match[j] < 0 {
				return nil
			}
			j = a.match[j] - 1
			continue
		case t.Is(")") && l.name == "vbscript":
			// VBScript indexes arrays with parentheses: a(1) = ...
			if a.match[j] < 0 {
				return nil
			}
			j = a.match[j] - 1
			continue
		case t.Kind == decode.Ident && (a.at(j-1).Is("->") || a.at(j-1).Is(".") || a.at(j-1).Is("::")):
			if l.name == "php" && a.at(j-2).Text == "$this" {
				j -= 2
				break
			}
			if r := a.at(j - 2); l.name != "php" && (r.Is("this") || r.Is("self") || r.Is("Me")) {
				return []string{l.fold(t.Text)}
			}
			j -= 2
			continue
		}
		break
	}
	if l.name == "php" && t.Is("}") && a.match[j] > 0 && a.at(a.match[j]-1).Is("$") {
		// ${'s' . $i} = ...: a variable the value names
		if o, ok := a.tainted(i+1, a.stmtEnd(i+1, false)); ok {
			if _, seen := a.all[a.scope[j]]; !seen {
				a.all[a.scope[j]] = o.source
				a.changed = true
			}
		}
		return nil
	}
	root := a.at(j)
	if l.name == "php" && root.Kind == decode.Var && a.at(j-1).Is("$") {
		// $$name = ...: a variable the value names
		if o, ok := a.tainted(i+1, a.stmtEnd(i+1, false)); ok {
			if _, seen := a.all[a.scope[j]]; !seen {
				a.all[a.scope[j]] = o.source
				a.changed = true
			}
		}
		return nil
	}
	switch l.name {
	case "vbscript", "python", "ruby", "lua":
		if !a.statementStart(j-1) && j > 0 && !a.at(j-1).Is(",") {
			return nil
		}
	}
	if k := a.key(j); k != "" {
		if member != "" {
			return []string{k, member}
		}
		return []string{k}
	}
	return nil
}

// shellObject reports whether the value lo..hi makes a shell object.
func (l *lang) shellObject(a *analysis, lo, hi int) string {
	for j := lo; j < min(hi, lo+12); j++ {
		t := a.at(j)
		if t.Kind == decode.Str {
			v := strings.ToLower(t.Text)
			if strings.Contains(v, "wscript.shell") || strings.Contains(v, "shell.application") {
				return t.Text
			}
		}
		if t.Is("COM") && a.at(j-1).Is("new") {
			return "COM"
		}
	}
	return ""
}

// functions finds the functions and methods the code defines, with their parameters, and
// (PHP) gives each function body a scope of its own.
func (l *lang) functions(a *analysis) {
	add := func(name string, params []string, open int) {
		fn := &function{name: name, params: params, body: [2]int{open, a.closeOf(open)}}
		a.funcs[l.fold(name)] = append(a.funcs[l.fold(name)], fn)
	}
	toks := a.toks
	nscope := int32(0)
	// PHP classes: the constructor a `new C(...)` runs is C's
	type class struct {
		name     string
		from, to int
	}
	var classes []class
	if l.name == "php" {
		for i, t := range toks {
			if (t.Is("class") || t.Is("trait")) && a.at(i+1).Kind == decode.Ident && !a.at(i-1).Is("::") && !a.at(i-1).Is("->") {
				k := i + 2
				for k < len(toks) && k < i+64 && !a.at(k).Is("{") && !a.at(k).Is(";") {
					k++
				}
				if a.at(k).Is("{") {
					classes = append(classes, class{name: strings.ToLower(a.at(i + 1).Text), from: k, to: a.closeOf(k)})
				}
			}
		}
	}
	classOf := func(i int) string {
		best := class{from: -1}
		for _, c := range classes {
			if c.from < i && i < c.to && c.from > best.from {
				best = c
			}
		}
		return best.name
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch l.name {
		case "php":
			if !t.Is("function") && !t.Is("fn") {
				continue
			}
			j := i + 1
			if a.at(j).Is("&") {
				j++
			}
			name := ""
			if a.at(j).Kind == decode.Ident {
				name = a.at(j).Text
				j++
			}
			if !a.at(j).Is("(") {
				continue
			}
			closeP := a.closeOf(j)
			var params []string
			k := closeP + 1
			if a.at(k).Is("use") && a.at(k+1).Is("(") {
				k = a.closeOf(k+1) + 1
			}
			for k < len(toks) && !a.at(k).Is("{") && !a.at(k).Is(";") && !a.at(k).Is("=>") && k < closeP+12 {
				k++
			}
			if !a.at(k).Is("{") || name == "" {
				continue // closures and arrow functions share their parent's variables
			}
			nscope++
			end := a.closeOf(k)
			for m := k; m <= end && m < len(a.scope); m++ {
				a.scope[m] = nscope
			}
			for m := j + 1; m < closeP; m++ {
				if toks[m].Kind == decode.Var && (a.at(m+1).Is(",") || a.at(m+1).Is(")") || a.at(m+1).Is("=")) {
					params = append(params, scopeKey(nscope, toks[m].Text))
				}
			}
			add(name, params, k)
			fs := a.funcs[l.fold(name)]
			fs[len(fs)-1].class = classOf(k)
		case "java", "csharp", "jscript":
			if t.Kind != decode.Ident || !a.at(i+1).Is("(") || isKeyword(l, t.Text) {
				continue
			}
			switch strings.ToLower(t.Text) {
			case "if", "for", "while", "switch", "catch", "synchronized", "foreach", "using", "lock", "fixed", "return", "function":
				continue
			}
			prev := a.at(i - 1)
			if !(prev.Kind == decode.Ident && !prev.Is("new") && !prev.Is("return") || prev.Is(">") || prev.Is("]") || a.at(i-1).Is("function")) {
				continue
			}
			closeP := a.closeOf(i + 1)
			k := closeP + 1
			for k < len(toks) && k < closeP+16 && !a.at(k).Is("{") && !a.at(k).Is(";") {
				k++
			}
			if !a.at(k).Is("{") {
				continue
			}
			var params []string
			for _, r := range a.args(i + 1) {
				if r[1] > r[0] && a.at(r[1]-1).Kind == decode.Ident {
					params = append(params, l.fold(a.at(r[1]-1).Text))
				}
			}
			add(t.Text, params, k)
			if a.webMethod(i) {
				for _, p := range params {
					a.mark(p, origin{source: "parameter " + p + " of web method " + t.Text + "()"})
				}
			}
		case "vbscript":
			if !(t.Is("function") || t.Is("sub")) || a.at(i-1).Is("end") || a.at(i-1).Is("exit") || a.at(i+1).Kind != decode.Ident {
				continue
			}
			name := a.at(i + 1).Text
			var params []string
			if a.at(i + 2).Is("(") {
				for _, r := range a.args(i + 2) {
					for m := r[0]; m < r[1]; m++ {
						if x := a.at(m); x.Kind == decode.Ident && !x.Is("byval") && !x.Is("byref") && !x.Is("optional") {
							params = append(params, l.fold(x.Text))
							break
						}
					}
				}
			}
			a.funcs[l.fold(name)] = append(a.funcs[l.fold(name)], &function{name: name, params: params, body: [2]int{i, len(toks)}})
			if a.webMethod(i) {
				for _, p := range params {
					a.mark(p, origin{source: "parameter " + p + " of web method " + name + "()"})
				}
			}
		case "node":
			if i == 0 {
				nodeFunctions(a)
			}
		case "lua":
			if i == 0 {
				luaFunctions(a)
			}
		case "python", "ruby":
			if !t.Is("def") || a.at(i+1).Kind != decode.Ident {
				continue
			}
			name := a.at(i + 1).Text
			var params []string
			if a.at(i + 2).Is("(") {
				for _, r := range a.args(i + 2) {
					if r[1] > r[0] && a.at(r[0]).Kind == decode.Ident {
						params = append(params, a.at(r[0]).Text)
					}
				}
			}
			a.funcs[name] = append(a.funcs[name], &function{name: name, params: params, body: [2]int{i, len(toks)}})
		case "perl":
			if !t.Is("sub") || a.at(i+1).Kind != decode.Ident || !a.at(i+2).Is("{") {
				continue
			}
			// each sub's @_ is its own: a body gets a scope as PHP functions do
			nscope++
			end := a.closeOf(i + 2)
			for m := i + 2; m <= end && m < len(a.scope); m++ {
				a.scope[m] = nscope
			}
			a.funcs[a.at(i+1).Text] = append(a.funcs[a.at(i+1).Text], &function{name: a.at(i + 1).Text, params: []string{scopeKey(nscope, "@_")}, body: [2]int{i + 2, end}})
		}
	}
}

// webMethod reports whether the method declared at token i carries an attribute that makes
// it answer requests with its parameters: [WebMethod] (ASMX), [OperationContract] (WCF),
// <WebMethod()> in VB.
func (a *analysis) webMethod(i int) bool {
	for j := i - 1; j >= 0 && j > i-24; j-- {
		t := a.at(j)
		if t.Is(";") || t.Is("{") || t.Is("}") {
			return false
		}
		if t.Is("WebMethod") || t.Is("OperationContract") || t.Is("WebInvoke") || t.Is("WebGet") {
			return true
		}
	}
	return false
}
