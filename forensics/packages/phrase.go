package packages

import (
	"regexp"
	"strings"
)

// phrase is a case-insensitive regular expression for a phrase of a license text, searched
// from its lead: the lower-case letters every match starts with, none an "s" or a "k" (the
// ASCII letters whose case folding extends beyond ASCII), so that every match starts where
// the text holds the lead in some ASCII case. Go's matcher cannot skip ahead to a literal
// under (?i) and reads every byte of a copyright file through its automaton; the lead is
// found with byte searches and the expression is run, anchored, only where it is.
type phrase struct {
	re       *regexp.Regexp
	anchored *regexp.Regexp // re, matching only at the start of the text
	lead     string
}

// newPhrase compiles expr, which must start with (?i) and then lead.
func newPhrase(lead, expr string) phrase {
	return phrase{re: regexp.MustCompile(expr), anchored: regexp.MustCompile(`(?i)\A(?:` + strings.TrimPrefix(expr, "(?i)") + `)`), lead: lead}
}

// match reports whether text holds the phrase, as p.re.MatchString would.
func (p phrase) match(text string) bool {
	for at := indexFoldASCII(text, p.lead, 0); at >= 0; at = indexFoldASCII(text, p.lead, at+1) {
		if p.anchored.MatchString(text[at:]) {
			return true
		}
	}
	return false
}

// findAll returns the index pairs of the successive matches in text and their submatches,
// as p.re.FindAllStringSubmatchIndex(text, -1) would. The expressions match no empty text.
func (p phrase) findAll(text string) [][]int {
	var out [][]int
	for at := indexFoldASCII(text, p.lead, 0); at >= 0; {
		m := p.anchored.FindStringSubmatchIndex(text[at:])
		if m == nil {
			at = indexFoldASCII(text, p.lead, at+1)
			continue
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += at
			}
		}
		out = append(out, m)
		at = indexFoldASCII(text, p.lead, m[1])
	}
	return out
}

// indexFoldASCII returns the index of the first place at or after from where s holds lead
// (lower-case ASCII) in any ASCII case, or -1.
func indexFoldASCII(s, lead string, from int) int {
	c0, c1 := lead[0], lead[0]
	if c0 >= 'a' && c0 <= 'z' {
		c1 = c0 - 'a' + 'A'
	}
	end := len(s) - len(lead) + 1
	for i := from; i < end; i++ {
		// The next first byte in either case: a search for each, the second only as far as
		// the first found.
		j := strings.IndexByte(s[i:end], c0)
		if c1 != c0 {
			limit := end
			if j >= 0 {
				limit = i + j
			}
			if k := strings.IndexByte(s[i:limit], c1); k >= 0 {
				j = k
			}
		}
		if j < 0 {
			return -1
		}
		i += j
		if equalFoldLower(s[i:i+len(lead)], lead) {
			return i
		}
	}
	return -1
}

// equalFoldLower reports whether s equals the lower-case ASCII lead in ASCII case folding.
func equalFoldLower(s, lead string) bool {
	for i := 0; i < len(lead); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lead[i] {
			return false
		}
	}
	return true
}
