package report

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/forensics/human"
)

// Text from the evidence (file names, tags, history lines, Env values, labels, file contents,
// findings' evidence, YARA match strings) reaches terminals, Markdown and HTML through the
// functions below, and only them: secrets are redacted (secrets.Redact) and the text made
// inert, so that nothing an image holds can move the cursor, retitle the window, write the
// clipboard (OSC 52), reorder what is shown (bidi overrides) or hide characters:
//
//   - C0 controls, DEL and C1 controls become visible escapes (\x1b, \x7f, \u009b); so an
//     ESC, CSI or OSC sequence shows as its text (\x1b]0;pwned\x07) and does nothing;
//   - bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the marks
//     (U+200E, U+200F, U+061C), line and paragraph separators, zero-width and other format
//     characters (Unicode Cf, Zl, Zp: U+200B, U+FEFF, tag characters, ...) become \uXXXX;
//   - bytes that are not UTF-8 become \xNN.
//
// Newlines and tabs are kept by the Text forms, for content shown as lines, and escaped by the
// one-line forms. JSON output needs none of this: encoding/json escapes control characters
// and writes exactly what the evidence holds (secrets aside, which every format redacts).

// Filter says how evidence text is put into a human-readable output. The zero Filter redacts;
// ShowSecrets leaves secrets in the clear, for a screen the user looks at (strata ...
// --show-secrets on a terminal), never for a file, a report or the database.
type Filter struct {
	ShowSecrets bool
}

// Line renders s for one line of output: secrets redacted (unless ShowSecrets), control and
// format characters escaped, newlines and tabs included.
func (f Filter) Line(s string) string { return Inert(f.redact(s), false) }

// Text renders s for output as lines: as Line, but newlines and tabs are kept.
func (f Filter) Text(s string) string { return Inert(f.redact(s), true) }

// OneLine renders s squeezed onto one line of at most n characters (0: any): redacted whole
// first, so that a key spread over lines is still recognised, then its whitespace runs
// squeezed to single spaces.
func (f Filter) OneLine(s string, n int) string { return human.OneLine(f.Text(s), n) }

func (f Filter) redact(s string) string {
	if f.ShowSecrets {
		return s
	}
	return secrets.Redact(s)
}

// Evidence is how one line of text from the evidence is put into a report or onto a terminal:
// secrets redacted, control and format characters escaped.
func Evidence(s string) string { return Filter{}.Line(s) }

// EvidenceText is Evidence for text shown as lines (file contents, content diffs): newlines
// and tabs are kept. Redact the whole text before splitting it, as this does: a private key
// is only recognised whole.
func EvidenceText(s string) string { return Filter{}.Text(s) }

// Inert escapes what could act on a terminal or a reader instead of being read: control
// characters (newline and tab too unless lines), bidi and other format characters, and bytes
// that are not UTF-8. Text that needs nothing is returned as it is.
func Inert(s string, lines bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && !(lines && (c == '\n' || c == '\t')) || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			if lines {
				b.WriteRune(r)
			} else if r == '\n' {
				b.WriteString(`\n`)
			} else {
				b.WriteString(`\t`)
			}
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case inertEscaped(r):
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// inertEscaped reports the characters beyond ASCII that Inert escapes: C1 controls and the
// invisible ones that change how text around them shows (format characters, which hold the
// bidi controls, and the line and paragraph separators).
func inertEscaped(r rune) bool {
	return r >= 0x80 && r < 0xa0 || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// inertCopy returns a deep copy of v (a report's data: structs, pointers, slices, maps) with
// every string in it passed through f, so that a renderer of that data cannot let one through
// untreated. Pointers shared in v stay shared in the copy.
func inertCopy[T any](v T, f func(string) string) T {
	c := copier{f: f, seen: map[uintptr]reflect.Value{}}
	out := c.copy(reflect.ValueOf(&v).Elem())
	return out.Interface().(T)
}

type copier struct {
	f    func(string) string
	seen map[uintptr]reflect.Value
}

func (c *copier) copy(v reflect.Value) reflect.Value {
	t := v.Type()
	switch v.Kind() {
	case reflect.String:
		return reflect.ValueOf(c.f(v.String())).Convert(t)
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		if p, ok := c.seen[v.Pointer()]; ok {
			return p
		}
		p := reflect.New(t.Elem())
		c.seen[v.Pointer()] = p
		p.Elem().Set(c.copy(v.Elem()))
		return p
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(v)
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				out.Field(i).Set(c.copy(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() || t.Elem().Kind() == reflect.Uint8 {
			return v
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(c.copy(v.Index(i)))
		}
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(c.copy(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		it := v.MapRange()
		for it.Next() {
			out.SetMapIndex(c.copy(it.Key()), c.copy(it.Value()))
		}
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t).Elem()
		out.Set(c.copy(v.Elem()))
		return out
	}
	return v
}
