package webshell

import (
	"strings"

	"github.com/strata-forensics/strata/signatures/decode"
)

// JScript (classic ASP's and ASP.NET's) reaches eval through expressions as readily as by
// its name: a function that returns eval and is called on the spot (_()(x)), the comma
// operator ((0, eval)(x)), the global object (this["ev" + "al"](x)), a variable holding it
// (var e = eval; e(x)). jsEvalAliases rewrites each into a plain eval so that the flow rules
// see the call; tokens of code that never names eval without calling it come back as they
// were.

// jsEvalAliases returns toks with the expressions that stand for eval replaced by it.
func jsEvalAliases(toks []decode.Token) []decode.Token {
	code := make([]decode.Token, 0, len(toks))
	bare := false
	for i, t := range toks {
		if t.Kind == decode.Newline {
			continue
		}
		code = append(code, t)
		if t.Kind == decode.Ident && t.Is("eval") && (!(i+1 < len(toks) && toks[i+1].Is("(")) || i > 0 && toks[i-1].Is(".")) {
			bare = true
		}
		if t.Kind == decode.Str && strings.EqualFold(t.Text, "eval") {
			bare = true
		}
	}
	if !bare {
		return toks
	}
	evalTok := func(pos int) decode.Token { return decode.Token{Kind: decode.Ident, Text: "eval", Pos: pos} }
	// this["eval"], window.eval, (0, eval): eval itself
	for i := 0; i < len(code); i++ {
		switch {
		case (code[i].Is("this") || code[i].Is("window") || code[i].Is("globalThis") || code[i].Is("self")) && tokIs(code, i+1, "[") &&
			at(code, i+2).Kind == decode.Str && strings.EqualFold(at(code, i+2).Text, "eval") && tokIs(code, i+3, "]"):
			code = append(append(code[:i:i], evalTok(code[i].Pos)), code[i+4:]...)
		case (code[i].Is("this") || code[i].Is("window") || code[i].Is("globalThis") || code[i].Is("self")) && tokIs(code, i+1, ".") && tokIs(code, i+2, "eval"):
			code = append(append(code[:i:i], evalTok(code[i].Pos)), code[i+3:]...)
		case code[i].Is("(") && at(code, i+1).Kind == decode.Num && tokIs(code, i+2, ",") && tokIs(code, i+3, "eval") && tokIs(code, i+4, ")"):
			code = append(append(code[:i:i], evalTok(code[i].Pos)), code[i+5:]...)
		}
	}
	// functions that return eval, and variables assigned it
	givers := map[string]bool{}
	aliases := map[string]bool{}
	for i := 0; i < len(code); i++ {
		if !code[i].Is("eval") || tokIs(code, i+1, "(") {
			continue
		}
		switch p := at(code, i-1); {
		case p.Is("return"):
			if name := enclosingFunction(code, i); name != "" {
				givers[name] = true
			}
		case p.Is("=") && at(code, i-2).Kind == decode.Ident && !tokIs(code, i-3, "."):
			aliases[at(code, i-2).Text] = true
		}
	}
	if len(givers) == 0 && len(aliases) == 0 {
		return code
	}
	out := code[:0:0]
	for i := 0; i < len(code); i++ {
		t := code[i]
		if t.Kind == decode.Ident && !tokIs(code, i-1, ".") && !tokIs(code, i-1, "function") {
			if givers[t.Text] && tokIs(code, i+1, "(") {
				// f(...)(x): the call returns eval, which the next parentheses call
				if c := closeParen(code, i+1); c > 0 && tokIs(code, c+1, "(") {
					out = append(out, evalTok(t.Pos))
					i = c
					continue
				}
			}
			if aliases[t.Text] && tokIs(code, i+1, "(") {
				out = append(out, evalTok(t.Pos))
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// enclosingFunction returns the name of the JScript function whose body holds token i.
func enclosingFunction(code []decode.Token, i int) string {
	depth := 0
	for j := i - 1; j >= 0; j-- {
		switch {
		case code[j].Is("}"):
			depth++
		case code[j].Is("{"):
			if depth > 0 {
				depth--
				continue
			}
			// function name ( params ) {
			if tokIs(code, j-1, ")") {
				k := j - 2
				for k >= 0 && !code[k].Is("(") {
					k--
				}
				if tokIs(code, k-2, "function") && at(code, k-1).Kind == decode.Ident {
					return at(code, k-1).Text
				}
			}
		}
	}
	return ""
}
