package webshell

import (
	"slices"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// RuleGateway: a PHP function evaluates what it is passed and the page hides the names of
// the functions it calls by picking their characters out of a decoded string.
const RuleGateway = "STRATA-WS-110"

// phpDecoderNames are PHP's decoders, which a loader calls on its payload before it runs it.
var phpDecoderNames = set("base64_decode", "gzinflate", "gzuncompress", "gzdecode", "str_rot13", "strrev", "convert_uudecode",
	"hex2bin", "urldecode", "rawurldecode", "zlib_decode", "pack")

// gateway finds, in a PHP layer, a function that evaluates one of its parameters (eval($b),
// assert($b), or a runner reached through a hidden name) where the names the page calls are
// spelled character by character out of a decoded alphabet ($z{28} . $z{29} ...): the
// dispatcher of a packed web shell, which its caller hands the payload and the keys of the
// decoders to run on it. Clean code does not index a string to spell the functions it calls.
// It returns the names so hidden (runners and decoders), the evaluating call's token and its
// name; ok is false when there is none.
func (a *analysis) gateway() (hidden []string, at int, sink string, ok bool) {
	for _, t := range a.toks {
		if t.Kind != decode.Ident && t.Kind != decode.Str || !slices.Contains(t.Chain, decode.StepIndex) {
			continue
		}
		n := strings.ToLower(t.Text)
		if _, run := dangerous(n); (run || phpDecoderNames[n]) && !slices.Contains(hidden, n) {
			hidden = append(hidden, n)
		}
	}
	if len(hidden) == 0 {
		return nil, 0, "", false
	}
	for i, t := range a.toks {
		if t.Kind != decode.Ident || !a.at(i+1).Is("(") || a.at(i-1).Is("->") || a.at(i-1).Is("::") || a.at(i-1).Is("function") {
			continue
		}
		n := strings.ToLower(t.Text)
		kind, run := dangerous(n)
		if !run || kind != sinkCode && !slices.Contains(t.Chain, decode.StepIndex) {
			continue
		}
		params := a.paramsAround(i)
		for _, r := range a.args(i + 1) {
			if r[1] == r[0]+1 && a.at(r[0]).Kind == decode.Var && slices.Contains(params, a.at(r[0]).Text) {
				return hidden, i, n + "(" + a.at(r[0]).Text + ")", true
			}
		}
	}
	return nil, 0, "", false
}

// paramsAround returns the parameters (as written, "$b") of the PHP function whose body
// holds token i, nil outside any.
func (a *analysis) paramsAround(i int) []string {
	for j := i - 1; j >= 0; j-- {
		if !a.toks[j].Is("{") || a.match[j] < i {
			continue
		}
		// function name ( params ) {
		if !a.at(j - 1).Is(")") {
			continue
		}
		open := a.match[j-1]
		if open < 0 || !(a.at(open-1).Is("function") || a.at(open-2).Is("function")) {
			continue
		}
		var ps []string
		for k := open + 1; k < j-1; k++ {
			if a.toks[k].Kind == decode.Var {
				ps = append(ps, a.toks[k].Text)
			}
		}
		return ps
	}
	return nil
}

// gatewayFinding reports a gateway.
func gatewayFinding(pg page, p string, layer decode.Layer, an *analysis, hidden []string, at int, sink string) audit.Finding {
	title := pg.label() + " web shell: a function evaluates what it is passed (" + sink + ") and the page spells the functions it calls character by character out of a decoded string (" + strings.Join(hidden, ", ") + ")"
	ev := []string{"code: " + an.snippet(at), "hidden names: " + strings.Join(hidden, ", ")}
	if len(layer.Chain) > 0 {
		title += " (decoded: " + strings.Join(layer.Chain, " > ") + ")"
		ev = append(ev, "decoded: "+strings.Join(layer.Chain, " > "))
	}
	return audit.Finding{Rule: RuleGateway, Category: audit.CategoryWebshell, Severity: audit.High, Path: p, Title: title,
		Evidence: strings.Join(ev, "; "), Remediation: remediation}
}
