package decode

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// The decodings, as chains name them.
const (
	StepBase64       = "base64"
	StepHex          = "hex"
	StepURL          = "url"
	StepEscape       = "escape"
	StepGzinflate    = "gzinflate"    // raw deflate
	StepGzuncompress = "gzuncompress" // zlib
	StepGzdecode     = "gzdecode"     // gzip
	StepRot13        = "rot13"
	StepStrrev       = "strrev"
	StepChr          = "chr"
	StepReplace      = "str_replace"
	StepBaseConvert  = "base_convert"
	StepIndex        = "char index" // characters picked out of a string by their offsets
	// StepLiteral is PHP code a page hands to eval or assert as a literal (a string, a
	// heredoc, a variable assigned one): the literal's text is code, and may hide more.
	StepLiteral = "code literal"
)

// Base64 decodes standard or URL-safe base64, padded or not, ignoring whitespace.
func Base64(s string) ([]byte, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '\\' {
			return -1
		}
		return r
	}, s)
	if len(s) < 4 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_' || c == '=') {
			return nil, false
		}
	}
	t := strings.TrimRight(s, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(t, "-_") {
		enc = base64.RawURLEncoding
	}
	if len(t)%4 == 1 {
		t = t[:len(t)-1] // PHP ignores a stray last character
	}
	b, err := enc.DecodeString(t)
	if err != nil {
		return nil, false
	}
	return b, true
}

// Hex decodes hex digits, optionally written as \x41 or 0x41 pairs or with separators.
func Hex(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s)/2)
	hi, half := byte(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == 'x', c == '0' && !half && i+1 < len(s) && s[i+1] == 'x':
			i++
			continue
		case c == ' ' || c == '\n' || c == ',' || c == ':':
			continue
		case !isHex(c):
			return nil, false
		}
		v := unhex(c)
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half || len(out) == 0 {
		return nil, false
	}
	return out, true
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// URL decodes %XX escapes (and %uXXXX), and + as a space when plus.
func URL(s string, plus bool) ([]byte, bool) {
	var b []byte
	changed := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v, _ := hex.DecodeString(s[i+1 : i+3])
			b = append(b, v[0])
			i += 2
			changed = true
		case c == '%' && i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') && allHex([]byte(s[i+2:i+6])):
			v, _ := hex.DecodeString(s[i+2 : i+6])
			b = utf8.AppendRune(b, rune(v[0])<<8|rune(v[1]))
			i += 5
			changed = true
		case c == '+' && plus:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return b, changed
}

// Rot13 rotates ASCII letters by 13.
func Rot13(s string) string {
	// byte by byte, as PHP's str_rot13 works: a rotated compressed stream is no UTF-8, and
	// reading it as runes would replace its bytes
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
	return string(b)
}

// Reverse reverses bytes, as PHP's strrev does.
func Reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// Inflate undoes raw deflate, zlib or gzip, whichever data is, reading at most limit bytes
// out: the data and the step that undid it. A truncated stream yields what came out before
// the damage, when that is something.
func Inflate(data []byte, limit int) ([]byte, string, bool) {
	type try struct {
		step string
		open func(io.Reader) (io.Reader, error)
	}
	tries := []try{
		{StepGzdecode, func(r io.Reader) (io.Reader, error) {
			zr := gzipPool.Get().(*gzip.Reader)
			if err := zr.Reset(r); err != nil {
				gzipPool.Put(zr)
				return nil, err
			}
			return zr, nil
		}},
		{StepGzuncompress, func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) }},
		{StepGzinflate, func(r io.Reader) (io.Reader, error) {
			fr := flatePool.Get().(io.ReadCloser)
			if err := fr.(flate.Resetter).Reset(r, nil); err != nil {
				flatePool.Put(fr)
				return nil, err
			}
			return fr, nil
		}},
	}
	switch {
	case len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b:
		tries = tries[:1]
	case len(data) >= 2 && data[0]&0x0f == 8 && (uint16(data[0])<<8|uint16(data[1]))%31 == 0:
		tries = tries[1:2]
	default:
		tries = tries[2:]
	}
	for _, t := range tries {
		r, err := t.open(bytes.NewReader(data))
		if err != nil {
			continue
		}
		out, err := io.ReadAll(io.LimitReader(r, int64(limit)))
		switch t.step {
		case StepGzdecode:
			gzipPool.Put(r)
		case StepGzinflate:
			flatePool.Put(r)
		}
		if len(out) > 0 && (err == nil || len(out) >= 16) {
			return out, t.step, true
		}
	}
	return nil, "", false
}

// Decompressors are reused: most blobs tried are not compressed and fail within bytes, and a
// new raw-deflate reader costs some 40 KB of window and tables.
var (
	flatePool = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}
	gzipPool  = sync.Pool{New: func() any { return new(gzip.Reader) }}
)

// Text reports whether b reads as text: valid UTF-8 (or Latin-1 prose) with few control bytes.
func Text(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	bad := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' || c == 0x7f {
				bad++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			bad++
		}
		i += n
	}
	return bad*20 <= len(b) // at most 5%
}

// keywords are what makes a decoded blob worth a layer of its own: code that runs things,
// reads requests, or decodes more.
var keywords = []string{
	"<?php", "<?=", "<%", "eval", "assert", "system", "exec", "passthru", "popen", "proc_open", "shell",
	"base64", "inflate", "rot13", "strrev", "fromcharcode", "chr(", "$_get", "$_post", "$_request", "$_cookie",
	"$_server", "$_files", "php://", "create_function", "call_user_func", "runtime", "processbuilder",
	"process.start", "wscript", "cmd.exe", "/bin/", "socket", "/dev/tcp", "request", "subprocess", "os.system",
	"child_process", "function", "include", "require", "import", "chmod", "wget", "curl", "defineclass",
	"classloader", "assembly", "invoke", "nc -", "bash", "powershell", "file_put_contents", "fwrite", "unlink",
}

// Interesting reports whether decoded text names one of the things code that hides itself
// is after; the search is case-insensitive.
func Interesting(b []byte) bool {
	n := min(len(b), 64<<10)
	low := bytes.ToLower(b[:n])
	for _, k := range keywords {
		if bytes.Contains(low, []byte(k)) {
			return true
		}
	}
	return false
}

// revealedBy reports whether undoing a transform of a text, whose ASCII-lowered form is low,
// names a keyword the text itself does not: a rot13 or a reversal that turns noise into code.
// shown holds each keyword as the transform spells it (keys[i] as the text must hold it to
// read as keys[i] once undone), so the text is searched without undoing the transform.
func revealedBy(low string, keys, shown []string) bool {
	for i, k := range shown {
		if strings.Contains(low, k) && !strings.Contains(low, keys[i]) {
			return true
		}
	}
	return false
}

// revealKeys are the keywords revealedBy looks for (the short ones say too little), with
// their rot13 and reversed spellings.
var revealKeys, rot13Keys, reversedKeys = func() (keys, rot, rev []string) {
	for _, k := range keywords {
		if len(k) >= 4 {
			keys, rot, rev = append(keys, k), append(rot, Rot13(k)), append(rev, Reverse(k))
		}
	}
	return
}()

// lowerASCIIString lowers the ASCII letters of s, without allocating when there are none.
func lowerASCIIString(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// blobByte marks the bytes of base64 (and so hex) text.
var blobByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
	}
	return t
}()

// Worth reports cheaply, in one pass, whether text may hide an encoded blob: a base64 or hex
// run of at least 48 characters (a reverse shell one-liner is longer than that encoded).
func Worth(text []byte) bool {
	start, _ := nextRun(text, 0, 2*minBlob)
	return start >= 0
}

// nextRun returns the first run of at least n blob bytes that starts at or after from, a
// position just after a byte that is not one (or 0), as [start, end); start is -1 when there
// is none. It looks at the last byte of each window of n first and, when that is no blob
// byte, moves the window past it: between runs it reads a few bytes of every n, not each one.
func nextRun[T string | []byte](s T, from, n int) (int, int) {
	i := from
	for i+n <= len(s) {
		k := i + n - 1
		for k >= i && blobByte[s[k]] {
			k--
		}
		if k >= i {
			i = k + 1 // every window holding k is broken
			continue
		}
		e := i + n
		for e < len(s) && blobByte[s[e]] {
			e++
		}
		return i, e
	}
	return -1, -1
}
