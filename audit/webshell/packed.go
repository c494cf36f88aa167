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
// decoded literal: eval(gzinflate(base64_decode('...'))); and nothing else. Such a page has
// no purpose but to run what it hides whenever it is requested.
func packedLoader(toks []decode.Token) bool {
	var code []decode.Token
	for _, t := range toks {
		switch t.Kind {
		case decode.Markup, decode.Newline, decode.Tag:
			if t.Kind == decode.Markup && strings.TrimSpace(t.Text) != "" {
				return false
			}
			continue
		}
		code = append(code, t)
	}
	for len(code) > 0 && code[len(code)-1].Is(";") {
		code = code[:len(code)-1]
	}
	if len(code) > 0 && code[0].Is("@") {
		code = code[1:]
	}
	if len(code) < 4 || !(code[0].Is("eval") || code[0].Is("assert")) || !code[1].Is("(") || closeParen(code, 1) != len(code)-1 {
		return false
	}
	for _, t := range code[2 : len(code)-1] {
		if t.Kind == decode.Str && hidden(t.Chain) {
			return true
		}
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
