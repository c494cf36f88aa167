package webshell

import (
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// webRoots are the places web servers serve pages from.
var webRoots = []string{"/var/www/", "/srv/www/", "/srv/http/", "/usr/share/nginx/html/", "/htdocs/", "/public_html/", "/wwwroot/",
	"/wp-content/", "/wp-includes/", "/wp-admin/"}

// inWebRoot reports whether p is below a directory web servers serve.
func inWebRoot(p string) bool {
	for _, r := range webRoots {
		if strings.Contains(p, r) {
			return true
		}
	}
	return false
}

// packedLoader reports a PHP page whose code is one statement, eval (or assert) of a
// decoded literal: eval(gzinflate(base64_decode('...'))); and nothing else, whose payload
// the analysis cannot judge (unreadable). Such a page has no purpose but to run what it
// hides whenever it is requested.
func packedLoader(toks []decode.Token) bool {
	skip := func(t decode.Token) bool {
		return t.Kind == decode.Newline || t.Kind == decode.Tag || t.Kind == decode.Markup && strings.TrimSpace(t.Text) == ""
	}
	i := 0
	for i < len(toks) && skip(toks[i]) {
		i++
	}
	if i < len(toks) && toks[i].Is("@") {
		i++
	}
	if i+1 >= len(toks) || !(toks[i].Is("eval") || toks[i].Is("assert")) || !toks[i+1].Is("(") {
		return false // most pages end here, at their first token
	}
	end := closeParen(toks, i+1)
	if end < 0 {
		return false
	}
	for _, t := range toks[end+1:] {
		if !skip(t) && !t.Is(";") {
			return false
		}
	}
	for _, t := range toks[i+2 : end] {
		if t.Kind == decode.Str && hidden(t.Chain) {
			return unreadable(t.Text)
		}
	}
	return false
}

// maxReadPayload is the size over which a payload is too big to judge by what it shows.
const maxReadPayload = 256 << 10

// unreadable reports a decoded payload whose behaviour the analysis cannot judge: bytes that
// are no text, one too big, or code that goes on to run code it computes (eval, assert, a
// function called through a variable, convert_uudecode): a readable payload that shows no
// request flow (echo 'hello') is left at medium.
func unreadable(p string) bool {
	if len(p) > maxReadPayload {
		return true
	}
	bin := 0
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			bin++
		}
	}
	if bin*10 > len(p) {
		return true
	}
	low := strings.ToLower(p)
	for _, w := range []string{"eval(", "eval (", "assert(", "create_function", "convert_uudecode", "call_user_func"} {
		if strings.Contains(low, w) {
			return true
		}
	}
	// $f(...): a function named at run time
	for i := strings.IndexByte(p, '$'); i >= 0 && i+1 < len(p); {
		j := i + 1
		for j < len(p) && identByte(p[j]) {
			j++
		}
		if j > i+1 && j < len(p) && p[j] == '(' {
			return true
		}
		k := strings.IndexByte(p[j:], '$')
		if k < 0 {
			break
		}
		i = j + k
	}
	return false
}

// raisePacked makes a page's WS-106 finding high: the page is a packed loader in a web root.
func raisePacked(out []audit.Finding, p string) {
	for i := range out {
		if out[i].Rule != RuleHidden {
			continue
		}
		out[i].Severity = audit.High
		out[i].Title += "; the page is nothing but this statement, in a web root: a packed web shell whose payload shows no request flow of its own (it reads the request in code Strata does not reach, or is a dispatcher its caller hands one)"
	}
}
