package packages

import (
	"strings"
)

// stanza is one paragraph of a Debian control file or an RFC 822-style header block: field
// names as written, continuation lines joined with "\n".
type stanza map[string]string

// parseStanzas splits a control file into paragraphs.
func parseStanzas(text string) []stanza {
	var out []stanza
	cur := stanza{}
	last := ""
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur, last = stanza{}, ""
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			if last != "" {
				cur[last] += "\n" + strings.TrimSpace(line)
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			last = k
			cur[k] = strings.TrimSpace(v)
		}
	}
	flush()
	return out
}

// parseHeaders reads the header block of a Python METADATA or PKG-INFO file (it ends at the
// first blank line, where the long description begins).
func parseHeaders(text string) stanza {
	if i := strings.Index(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n"); i >= 0 {
		text = text[:i]
	}
	s := parseStanzas(text)
	if len(s) == 0 {
		return stanza{}
	}
	return s[0]
}
