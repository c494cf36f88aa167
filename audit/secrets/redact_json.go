package secrets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// JSONWriter redacts the string values of a JSON document as it is written through it: every
// string (keys too) goes through Redact, a value of an object member as assigned to its key
// (RedactAssigned: {"AWS_SECRET_ACCESS_KEY": "..."}), and is written back encoded; everything
// else passes as it is, byte for byte. A document with no secret in it comes out unchanged.
// Close (or Flush) writes what is buffered; the writer holds at most one string at a time.
type JSONWriter struct {
	w        io.Writer
	inString bool
	escaped  bool
	hasEsc   bool
	str      []byte // the string being read, quotes included
	err      error
	// last is the last string read, a key if a ':' follows; key is the key of the member whose
	// value comes next, while afterColon; ctx is the key of the string being read.
	last, key, ctx string
	afterColon     bool
}

// NewJSONWriter returns a JSONWriter writing to w.
func NewJSONWriter(w io.Writer) *JSONWriter { return &JSONWriter{w: w} }

// Write implements io.Writer.
func (j *JSONWriter) Write(p []byte) (int, error) {
	if j.err != nil {
		return 0, j.err
	}
	start := 0 // p[start:i] is pending output outside strings
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !j.inString {
			switch c {
			case '"':
				if err := j.out(p[start:i]); err != nil {
					return 0, err
				}
				j.inString, j.str, j.hasEsc = true, append(j.str[:0], c), false
				j.ctx = ""
				if j.afterColon {
					j.ctx = j.key
				}
				start = i + 1
			case ':':
				j.key, j.afterColon = j.last, true
			case ' ', '\t', '\n', '\r':
			default:
				j.afterColon = false
			}
			continue
		}
		j.str = append(j.str, c)
		switch {
		case j.escaped:
			j.escaped = false
		case c == '\\':
			j.escaped, j.hasEsc = true, true
		case c == '"':
			j.inString, j.afterColon = false, false
			if err := j.out(j.redacted()); err != nil {
				return 0, err
			}
			start = i + 1
		}
	}
	if !j.inString {
		if err := j.out(p[start:]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// redacted returns the string just read, redacted and re-encoded when it held a secret, and
// with what encoding/json leaves raw but a terminal could act on (DEL, C1 controls, bidi and
// other format characters, line and paragraph separators) written as \u escapes: the same
// string to a JSON reader, inert on a screen.
func (j *JSONWriter) redacted() []byte {
	return escapeInvisible(j.redact())
}

func (j *JSONWriter) redact() []byte {
	var s string
	if j.hasEsc {
		if json.Unmarshal(j.str, &s) != nil {
			return j.str
		}
	} else {
		s = string(j.str[1 : len(j.str)-1])
	}
	j.last = s
	r := RedactAssigned(j.ctx, s)
	if r == s {
		return j.str
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(r) != nil {
		return j.str
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func (j *JSONWriter) out(p []byte) error {
	if len(p) == 0 || j.err != nil {
		return j.err
	}
	_, j.err = j.w.Write(p)
	return j.err
}

// Flush writes a string left open by a document cut short, as it is.
func (j *JSONWriter) Flush() error {
	if j.inString {
		j.inString = false
		return j.out(j.str)
	}
	return j.err
}

// Close flushes.
func (j *JSONWriter) Close() error { return j.Flush() }

// RedactJSON returns a JSON document with its strings redacted, as JSONWriter does.
func RedactJSON(doc []byte) []byte {
	if !mayHoldSecret(string(doc)) {
		return doc
	}
	var b bytes.Buffer
	j := NewJSONWriter(&b)
	j.Write(doc)
	j.Flush()
	return b.Bytes()
}

// escapeInvisible rewrites, in an encoded JSON string, the characters JSON allows raw but
// that act on a terminal or hide text, as \u escapes (UTF-16 pairs beyond the BMP).
func escapeInvisible(lit []byte) []byte {
	clean := true
	for _, c := range lit {
		if c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return lit
	}
	var out []byte
	for i := 0; i < len(lit); {
		r, size := utf8.DecodeRune(lit[i:])
		if r == 0x7f || r >= 0x80 && r < 0xa0 || r != utf8.RuneError && unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			if out == nil {
				out = append(make([]byte, 0, len(lit)+16), lit[:i]...)
			}
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else if out != nil {
			out = append(out, lit[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return lit
	}
	return out
}
