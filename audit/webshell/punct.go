package webshell

import (
	"fmt"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// RulePunctuation: PHP code written without letters (variables named _, __, ___, values
// built by incrementing, XOR-ing and indexing strings such as "Array") that calls a function
// it computed. Nothing but a hidden payload is written so; the names it computes (_POST,
// assert) only exist when it runs, so no flow can be shown.
const RulePunctuation = "STRATA-WS-109"

// punctuationCall reports a PHP code layer made of punctuation that calls a function held
// in one of its variables: how many variables and calls, or ok false.
func punctuationCall(toks []decode.Token) (vars, calls int, ok bool) {
	letters, code := 0, 0
	for i, t := range toks {
		switch t.Kind {
		case decode.Var:
			code++
			if strings.Trim(t.Text[1:], "_") != "" {
				return 0, 0, false // a variable with a name
			}
			vars++
			// $_(...), $__[...](...), $_[$__][...](...)
			j := i + 1
			for j < len(toks) && toks[j].Is("[") {
				depth := 0
				for ; j < len(toks); j++ {
					if toks[j].Is("[") {
						depth++
					} else if toks[j].Is("]") {
						depth--
						if depth == 0 {
							break
						}
					}
				}
				j++
			}
			if j < len(toks) && toks[j].Is("(") && (i == 0 || !toks[i-1].Is("->")) {
				calls++
			}
		case decode.Ident:
			code++
			if strings.Trim(t.Text, "_") != "" {
				letters++
			}
		case decode.Punct, decode.Num:
			code++
		}
	}
	// A keyword or two (echo, array) may stand among a hundred punctuation tokens.
	return vars, calls, vars >= 6 && calls > 0 && code >= 40 && letters*20 <= code
}

// punctuationFinding is the finding for a page punctuationCall flags.
func punctuationFinding(pg page, p string, vars, calls int) audit.Finding {
	title := pg.label() + " web shell: code written without letters calls a function it computes"
	if pg.polyglot != "" {
		title += " (" + pg.polyglot + ")"
	}
	return audit.Finding{Rule: RulePunctuation, Category: audit.CategoryWebshell, Severity: audit.High, Path: p,
		Title:       title,
		Evidence:    fmt.Sprintf("%d variables named only with underscores, %d calls of a function one of them holds, no names", vars, calls),
		Remediation: remediation}
}
