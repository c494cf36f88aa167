package shell

import (
	"slices"
	"strconv"
	"strings"
)

// unknown stands in a value's text for a part the analysis cannot know (a positional
// parameter, the output of an unknown command).
const unknown = "\x00"

// val is what the analysis knows of a string or a stream: its text (with unknown parts
// marked) and where its bytes came from.
type val struct {
	s string
	// partial is set when s holds unknown parts (marked by the unknown byte).
	partial bool
	// net is set for bytes that come from a network connection; via says how ("/dev/tcp",
	// "client" for a network tool, "fifo" when a named pipe carried them) and from is the
	// endpoint.
	net  bool
	via  string
	from string
	// fetched is set for bytes downloaded by curl, wget and the like, from the URL in from.
	fetched bool
	// chain lists the decodings that produced s, outermost first ("base64", "gzip").
	chain []string
	// file is the file the bytes were read from, when they are one file's (a < redirection,
	// cat FILE): a shell reading them runs that file.
	file string
	// cred names the credential material the bytes hold ("SSH private keys, the
	// environment"), "" for none: see credtheft.go.
	cred string
	// pid names the program that handles passwords whose process ids the bytes are (pgrep
	// sshd), "" for none.
	pid string
}

func lit(s string) val    { return val{s: s} }
func unknownVal() val     { return val{s: unknown, partial: true} }
func (v val) known() bool { return !v.partial && v.s != "" }

// tainted reports whether the bytes come from outside the script (network or download) or
// were decoded.
func (v val) tainted() bool { return v.net || v.fetched || len(v.chain) > 0 }

// concat joins values: the text side by side, the provenance merged.
func concat(vs ...val) val {
	if len(vs) == 1 {
		// the same value, its text not copied: what the loop below makes of one part
		v := vs[0]
		return val{s: v.s, partial: v.partial}.mergeTaint(v)
	}
	var out val
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.s)
		out.partial = out.partial || v.partial
		out = out.mergeTaint(v)
	}
	out.s = b.String()
	return out
}

// mergeTaint returns v with the provenance of w added.
func (v val) mergeTaint(w val) val {
	if w.net && !v.net {
		v.net, v.via, v.from = true, w.via, w.from
	} else if w.net && v.via != "fifo" && w.via == "fifo" {
		v.via = "fifo"
	}
	if w.fetched && !v.fetched {
		v.fetched = true
		if v.from == "" {
			v.from = w.from
		}
	}
	v.cred = joinCred(v.cred, w.cred)
	if v.pid == "" {
		v.pid = w.pid
	}
	for _, c := range w.chain {
		if !slices.Contains(v.chain, c) || len(v.chain) < len(w.chain) {
			v.chain = slices.Clone(w.chain)
			break
		}
	}
	return v
}

// text returns the value's text with unknown parts shown as "?".
func (v val) text() string { return strings.ReplaceAll(v.s, unknown, "?") }

// decoded returns v after one more decoding of the given kind: the text when it is known.
func (v val) decoded(kind string, text string, ok bool) val {
	out := v
	out.chain = append(slices.Clone(v.chain), kind)
	if ok {
		out.s, out.partial = text, false
	} else {
		out.s, out.partial = unknown, true
	}
	return out
}

// unquoteC expands the backslash escapes of $'...', echo -e and printf %b: \n, \t, \\, \',
// \", \xHH, \uHHHH, \NNN (octal, with an optional leading 0 for echo).
func unquoteC(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'e', 'E':
			b.WriteByte(27)
		case 'f':
			b.WriteByte(12)
		case 'v':
			b.WriteByte(11)
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && isHex(s[j]) {
				j++
			}
			if j == i+1 {
				b.WriteString(`\x`)
				continue
			}
			n, _ := strconv.ParseUint(s[i+1:j], 16, 8)
			b.WriteByte(byte(n))
			i = j - 1
		case 'u', 'U':
			max := 4
			if e == 'U' {
				max = 8
			}
			j := i + 1
			for j < len(s) && j < i+1+max && isHex(s[j]) {
				j++
			}
			if j == i+1 {
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			n, _ := strconv.ParseUint(s[i+1:j], 16, 32)
			b.WriteRune(rune(n))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			if e == '0' {
				j++ // echo's \0NNN
			}
			k := j
			for k < len(s) && k < j+3 && s[k] >= '0' && s[k] <= '7' {
				k++
			}
			if k == j {
				b.WriteByte(0)
				i = j - 1
				continue
			}
			n, _ := strconv.ParseUint(s[j:k], 8, 16)
			b.WriteByte(byte(n))
			i = k - 1
		default:
			b.WriteByte(e)
		}
	}
	return b.String()
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// printfFormat renders printf FORMAT ARGS... for the verbs scripts use to hide text: %s,
// %b, %c, %d, %x, %o and escapes in the format; other verbs give unknown text.
func printfFormat(format string, args []val) val {
	out := val{}
	var b strings.Builder
	consumed := 0
	next := func() val {
		consumed++
		if len(args) == 0 {
			return lit("")
		}
		a := args[0]
		args = args[1:]
		return a
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '\\' {
			j := i + 1
			for j < len(format) && j < i+5 && format[j] != '\\' && format[j] != '%' {
				j++
			}
			b.WriteString(unquoteC(format[i:j]))
			i = j - 1
			continue
		}
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		// Skip flags, width and precision.
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0123456789.", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			break
		}
		verb := format[j]
		i = j
		switch verb {
		case '%':
			b.WriteByte('%')
		case 's':
			a := next()
			out = out.mergeTaint(a)
			out.partial = out.partial || a.partial
			b.WriteString(a.s)
		case 'b':
			a := next()
			out = out.mergeTaint(a)
			out.partial = out.partial || a.partial
			b.WriteString(unquoteC(a.s))
		case 'c':
			a := next()
			if a.s != "" {
				b.WriteByte(a.s[0])
			}
		case 'd', 'i', 'u', 'x', 'X', 'o':
			a := next()
			n, err := strconv.ParseInt(strings.TrimSpace(a.s), 0, 64)
			if err != nil {
				b.WriteString(unknown)
				out.partial = true
				continue
			}
			base := map[byte]int{'d': 10, 'i': 10, 'u': 10, 'x': 16, 'X': 16, 'o': 8}[verb]
			s := strconv.FormatInt(n, base)
			if verb == 'X' {
				s = strings.ToUpper(s)
			}
			b.WriteString(s)
		default:
			next()
			b.WriteString(unknown)
			out.partial = true
		}
	}
	// printf reuses the format while arguments are left.
	if len(args) > 0 && consumed > 0 && len(args) < 4096 {
		rest := printfFormat(format, args)
		b.WriteString(rest.s)
		out.partial = out.partial || rest.partial
		out = out.mergeTaint(rest)
	}
	out.s = b.String()
	return out
}
