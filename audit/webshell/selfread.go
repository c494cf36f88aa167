package webshell

import (
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// A self-decoding page (the packers' shape: phpjiami and its kind) keeps its payload after
// its code, as bytes PHP never runs, and the code reads the page's own file (__FILE__),
// decodes a stretch of it (base64, a strtr alphabet, gzinflate) and evaluates the result.
// No literal holds the payload, so neither folding nor the decoded layers reach it: the
// technique is found by its shape, the page's own bytes reaching eval through a decoder.

// selfPathNames are what names the running page's own file.
var selfPathNames = set("__file__")

// selfReaders read a file's content from a handle or a path.
var selfReaders = set("fread", "fgets", "fgetss", "fgetc", "stream_get_contents", "file_get_contents", "file", "fpassthru",
	"php_strip_whitespace", "highlight_file", "show_source")

// selfDecoders turn the read bytes into code.
var selfDecoders = set("base64_decode", "gzinflate", "gzuncompress", "gzdecode", "str_rot13", "strtr", "convert_uudecode",
	"hex2bin", "strrev", "urldecode", "rawurldecode", "bzdecompress", "unpack")

// selfRunners evaluate code.
var selfRunners = set("eval", "assert", "create_function")

// selfPaths returns the variables a layer assigns the page's own path (a $x = __FILE__).
func (a *analysis) selfPaths(into map[string]bool) {
	for i, t := range a.toks {
		if t.Kind == decode.Var && a.at(i+1).Is("=") && a.selfPath(i+2, a.stmtEnd(i+2, true), into) {
			into[t.Text] = true
		}
	}
}

// selfPath reports whether lo..hi names the page's own file: __FILE__, $_SERVER['SCRIPT_FILENAME'],
// or a variable paths holds.
func (a *analysis) selfPath(lo, hi int, paths map[string]bool) bool {
	for j := lo; j < hi && j < len(a.toks); j++ {
		t := a.toks[j]
		switch t.Kind {
		case decode.Ident:
			if selfPathNames[a.low[j]] {
				return true
			}
		case decode.Var:
			if paths[t.Text] && !a.at(j+1).Is("[") {
				return true
			}
			if t.Text == "$_SERVER" && a.at(j+1).Is("[") && a.at(j+2).Kind == decode.Str && a.at(j+2).Text == "SCRIPT_FILENAME" {
				return true
			}
		}
	}
	return false
}

// selfDecoded looks for code read from the page's own file, decoded and evaluated; paths
// are the variables any layer of the page assigns its path. It returns the runner's token.
func (a *analysis) selfDecoded(paths map[string]bool) (int, bool) {
	if len(paths) == 0 && !a.anySelfName() {
		return 0, false
	}
	handles := map[string]bool{}
	data := map[string]bool{}    // variables holding bytes read from the page
	decoded := map[string]bool{} // the same, decoded
	// reads reports whether lo..hi reads the page's file, and whether it decodes what it reads
	reads := func(lo, hi int) (read, dec bool) {
		for j := lo; j < hi && j < len(a.toks); j++ {
			t := a.toks[j]
			switch t.Kind {
			case decode.Ident:
				if !a.at(j+1).Is("(") || a.at(j-1).Is("->") || a.at(j-1).Is("::") {
					continue
				}
				if selfDecoders[a.low[j]] {
					dec = true
				}
				if selfReaders[a.low[j]] {
					if rs := a.args(j + 1); len(rs) > 0 {
						r := rs[0]
						if a.selfPath(r[0], r[1], paths) {
							read = true
						}
						for k := r[0]; k < r[1]; k++ {
							if a.toks[k].Kind == decode.Var && handles[a.toks[k].Text] {
								read = true
							}
						}
					}
				}
			case decode.Var:
				if decoded[t.Text] {
					read, dec = true, true
				} else if data[t.Text] {
					read = true
				}
			}
		}
		return read, dec
	}
	for pass := 0; pass < 3; pass++ {
		grew := false
		for i, t := range a.toks {
			if t.Kind != decode.Var || !isAssign(a.at(i+1).Text) || a.at(i-1).Is("->") || a.at(i-1).Is("::") {
				continue
			}
			end := a.stmtEnd(i+2, true)
			lo := i + 2
			for lo < end && (a.at(lo).Is("@") || a.at(lo).Is("(")) {
				lo++
			}
			if (a.at(lo).Is("fopen") || a.at(lo).Is("gzopen") || a.at(lo).Is("bzopen")) && a.at(lo+1).Is("(") && !handles[t.Text] {
				if rs := a.args(lo + 1); len(rs) > 0 && a.selfPath(rs[0][0], rs[0][1], paths) {
					handles[t.Text], grew = true, true
				}
				continue
			}
			read, dec := reads(i+2, end)
			if dec && read && !decoded[t.Text] {
				decoded[t.Text], grew = true, true
			} else if read && !data[t.Text] {
				data[t.Text], grew = true, true
			}
		}
		if !grew {
			break
		}
	}
	for i, t := range a.toks {
		if t.Kind != decode.Ident || !selfRunners[a.low[i]] || !a.at(i+1).Is("(") || a.at(i-1).Is("->") || a.at(i-1).Is("::") || a.at(i-1).Is("function") {
			continue
		}
		if read, dec := reads(i+2, a.closeOf(i+1)); read && dec {
			return i, true
		}
	}
	return 0, false
}

// anySelfName reports whether the layer names the page's own file at all.
func (a *analysis) anySelfName() bool {
	for i, t := range a.toks {
		if t.Kind == decode.Ident && selfPathNames[a.low[i]] ||
			t.Kind == decode.Var && t.Text == "$_SERVER" && a.at(i+2).Kind == decode.Str && a.at(i+2).Text == "SCRIPT_FILENAME" {
			return true
		}
	}
	return false
}

// selfDecodedFinding reports a page that evaluates code it decodes from its own file.
func selfDecodedFinding(pg page, p string, layer decode.Layer, an *analysis, at int) audit.Finding {
	sev := audit.Medium
	where := ""
	if inWebRoot(p) {
		sev = audit.High
		where = ", in a web root"
	}
	title := pg.label() + " web shell: code the page decodes from its own file is evaluated by " + an.toks[at].Text + "() (a self-decoding packed page" + where + ")"
	ev := []string{"code: " + an.snippet(at)}
	if len(layer.Chain) > 0 {
		title += " (decoded: " + strings.Join(layer.Chain, " > ") + ")"
		ev = append(ev, "decoded: "+strings.Join(layer.Chain, " > "))
	}
	return audit.Finding{Rule: RuleHidden, Category: audit.CategoryWebshell, Severity: sev, Path: p, Title: title,
		Evidence: strings.Join(ev, "; "), Remediation: remediation}
}
