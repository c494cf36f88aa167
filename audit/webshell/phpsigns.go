package webshell

import "bytes"

// phpSigns are what a PHP page must spell for the analysis to find anything: a way to read
// the request, or a way to run or decode code (whose payload may read the request).
// Variable names are matched as spelled (PHP's are case-sensitive), except the superglobals,
// which the analysis reads in any case; function names and stream wrappers in any case.
// A name is matched as a whole word where a longer word is common in clean code and runs
// nothing: evaluate(), assertEquals(), unpack(), a namespace's \Xml.
var phpSigns = []sign{
	// request input
	{word: "$GLOBALS", exact: true}, {word: "${", exact: true}, {word: "$HTTP_", exact: true}, {word: "$$", exact: true},
	{word: "_POST", exact: true}, {word: "_GET", exact: true}, {word: "_REQUEST", exact: true},
	{word: "_COOKIE", exact: true}, {word: "_FILES", exact: true}, {word: "_SERVER", exact: true},
	{word: "$_get", wordEnd: true}, {word: "$_post", wordEnd: true}, {word: "$_request", wordEnd: true},
	{word: "$_cookie", wordEnd: true}, {word: "$_files", wordEnd: true}, {word: "$_server", wordEnd: true},
	{word: "$_env", wordEnd: true}, {word: "$_session", wordEnd: true},
	{word: "php://"}, {word: "getallheaders"}, {word: "apache_request_headers"}, {word: "filter_input"}, {word: "getenv"},
	// code run or decoded
	{word: "eval", wordStart: true, wordEnd: true}, {word: "assert", wordStart: true, wordEnd: true},
	{word: "pack(", wordStart: true}, {word: "create_function"}, {word: "preg_replace"}, {word: "call_user_func"},
	{word: "base64_decode"}, {word: "gzinflate"}, {word: "gzuncompress"}, {word: "gzdecode"}, {word: "str_rot13"},
	{word: "strrev"}, {word: "hex2bin"}, {word: "chr("}, {word: "uudecode"},
	// \x41 (PHP reads one or two hex digits): a character escape, not a namespace's \Xml
	{word: `\x`, hexNext: true},
	// a name computed from literals with PHP's string XOR: 'w|zk' ^ 'Z9P*', ('a')^('b')
	// (a complement, ~"\x8c", passes by its escapes)
	// ('^' and "^" only between literals: a table of operators lists '^' as an element)
	{word: "'^'", exact: true, between: true}, {word: "' ^ '", exact: true}, {word: `"^"`, exact: true, between: true}, {word: `" ^ "`, exact: true},
	{word: `'^"`, exact: true, between: true}, {word: `"^'`, exact: true, between: true}, {word: "')^('", exact: true}, {word: "') ^ ('", exact: true},
	// a name spliced out of a junk-filled literal and called through a variable:
	// $f = str_replace('#', '', 'c#rea#te_fu#nction'); $f(...)
	{word: "str_replace", varCall: true}, {word: "str_ireplace", varCall: true}, {word: "strtr", wordStart: true, wordEnd: true, varCall: true},
	{word: "substr_replace", varCall: true},
	// a script the page carries to write out and run (not the page's own #! line)
	{word: "#!/", notFirst: true},
	// a miner's pool or options (miner.go)
	{word: "stratum+"}, {word: "stratum1+"}, {word: "stratum2+"}, {word: "--donate-level"}, {word: "randomx"},
	{word: "--cpu-max-threads-hint"}, {word: "--max-cpu-usage"}, {word: "--cpu-priority"}, {word: "--nicehash"}, {word: "--coin", wordEnd: true},
	{word: "rx/0"}, {word: "cryptonight"}, {word: "xmrig"},
	// a remote URL literal, in a page that also writes a file: a downloader (stager.go)
	{word: "'http://", fetchWrite: true}, {word: "'https://", fetchWrite: true}, {word: "'ftp://", fetchWrite: true},
	{word: `"http://`, fetchWrite: true}, {word: `"https://`, fetchWrite: true}, {word: `"ftp://`, fetchWrite: true},
}

// sign is a spelling phpMayRun looks for.
type sign struct {
	word string
	// exact: as spelled; otherwise ASCII letters in any case (word is lowercase)
	exact bool
	// wordStart, wordEnd: no identifier byte before, after
	wordStart, wordEnd bool
	// hexNext: a hex digit follows
	hexNext bool
	// between: the sign closes one literal and opens another ('abc'^'def'): no blank,
	// separator or opening bracket before it, no separator or closing bracket after it
	between bool
	// varCall: the sign only counts when the page also calls a variable ($f(...))
	varCall bool
	// notFirst: not at the start of the page
	notFirst bool
	// fetchWrite: the sign only counts when the page also writes a file (writesFile)
	fetchWrite bool
}

// phpSignsFA finds every sign in one pass over a page: an Aho-Corasick automaton over bytes
// with ASCII letters folded, whose matches are then held to their sign's case and
// boundaries. It replaced some thirty searches of each page and a lowered copy of it.
var phpSignsFA = newSignFA(phpSigns)

type signFA struct {
	next [][256]uint16
	// out lists the signs that end at a state, through its failure links too
	out   [][]uint8
	signs []sign
}

func foldByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func newSignFA(signs []sign) *signFA {
	fa := &signFA{signs: signs, next: make([][256]uint16, 1), out: make([][]uint8, 1)}
	const none = 0xffff
	for c := range fa.next[0] {
		fa.next[0][c] = none
	}
	for i, s := range signs {
		st := 0
		for j := 0; j < len(s.word); j++ {
			c := foldByte(s.word[j])
			if fa.next[st][c] == none {
				fa.next = append(fa.next, [256]uint16{})
				for k := range fa.next[len(fa.next)-1] {
					fa.next[len(fa.next)-1][k] = none
				}
				fa.out = append(fa.out, nil)
				fa.next[st][c] = uint16(len(fa.next) - 1)
			}
			st = int(fa.next[st][c])
		}
		fa.out[st] = append(fa.out[st], uint8(i))
	}
	// breadth first: each state's failure is the longest proper suffix that is a state, and
	// its missing moves are its failure's
	fail := make([]int, len(fa.next))
	var queue []int
	for c := 0; c < 256; c++ {
		if t := fa.next[0][c]; t == none {
			fa.next[0][c] = 0
		} else {
			fail[t] = 0
			queue = append(queue, int(t))
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		fa.out[st] = append(fa.out[st], fa.out[fail[st]]...)
		for c := 0; c < 256; c++ {
			if t := fa.next[st][c]; t == none {
				fa.next[st][c] = fa.next[fail[st]][c]
			} else {
				fail[t] = int(fa.next[fail[st]][c])
				queue = append(queue, int(t))
			}
		}
	}
	// a letter moves as its lower case does
	for st := range fa.next {
		for c := 'A'; c <= 'Z'; c++ {
			fa.next[st][c] = fa.next[st][c+'a'-'A']
		}
	}
	return fa
}

// any reports whether data holds one of the signs.
func (fa *signFA) any(data []byte) bool {
	st := 0
	splice, fetch := false, false
	for i, c := range data {
		st = int(fa.next[st][c])
		for _, k := range fa.out[st] {
			if fa.held(data, i+1, fa.signs[k]) {
				switch {
				case fa.signs[k].varCall:
					splice = true
					continue
				case fa.signs[k].fetchWrite:
					fetch = true
					continue
				}
				return true
			}
		}
	}
	return splice && varCall(data) || fetch && writesFile(data)
}

// fileWriteWords are the calls a downloader writes what it fetched with, as pages spell them.
var fileWriteWords = [][]byte{[]byte("file_put_contents"), []byte("fwrite"), []byte("fputs"), []byte("copy("), []byte("CURLOPT_FILE")}

// writesFile reports whether data spells a call that writes a file (only asked of the few
// pages that hold a remote URL literal).
func writesFile(data []byte) bool {
	for _, w := range fileWriteWords {
		if bytes.Contains(data, w) {
			return true
		}
	}
	return false
}

// varCall reports whether data calls a variable as a function: $f(, $f (.
func varCall(data []byte) bool {
	for i := 0; ; {
		k := bytes.IndexByte(data[i:], '$')
		if k < 0 {
			return false
		}
		j := i + k + 1
		for j < len(data) && identByte(data[j]) {
			j++
		}
		if j > i+k+1 {
			for j < len(data) && (data[j] == ' ' || data[j] == '\t') {
				j++
			}
			if j < len(data) && data[j] == '(' {
				return true
			}
		}
		i = j
		if i >= len(data) {
			return false
		}
	}
}

// held checks the sign found ending at end against its case and boundaries.
func (fa *signFA) held(data []byte, end int, s sign) bool {
	start := end - len(s.word)
	if s.exact && string(data[start:end]) != s.word {
		return false
	}
	if s.wordStart && start > 0 && identByte(data[start-1]) {
		return false
	}
	if s.wordEnd && end < len(data) && identByte(data[end]) {
		return false
	}
	if s.hexNext && (end >= len(data) || !isHex(data[end])) {
		return false
	}
	if s.between && !betweenLiterals(data, start, end) {
		return false
	}
	if s.notFirst && start == 0 {
		return false
	}
	return true
}

// betweenLiterals reports whether the sign at data[start:end] (a quote, ^, a quote) joins
// two literals rather than being a one-character literal in a list.
func betweenLiterals(data []byte, start, end int) bool {
	if start == 0 || end >= len(data) {
		return false
	}
	switch data[start-1] {
	case ' ', '\t', '\n', '\r', ',', '(', '[', '=', '>', '.':
		return false
	}
	switch data[end] {
	case ',', ')', ']', ';':
		return false
	}
	return true
}

// phpMayRun reports whether a PHP page spells something the analysis could start from.
func phpMayRun(data []byte) bool { return phpSignsFA.any(data) }

func identByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
