package secrets

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// One pass over a file finds every place a token format, a PEM key, an AWS secret or a
// secret-looking config assignment could start, by a table of trigger bytes that each
// format must contain: '_' (ghp_, github_pat_, sk_live_, npm_, dckr_pat_, dop_v1_, shpat_),
// '-' (glpat-, xoxb-, pypi-, sk-, -----BEGIN), 'I' (AKIA, ASIA, AIza), 'J' (eyJ), and ':'
// and '=' (aws_secret_access_key = ..., password: ..., https://hooks.slack.com, AccountKey=).
// A trigger is checked against the few bytes around it; only then does a format's regexp
// run, on a window at that place. Searching anchor by anchor instead cost a pass over the
// bytes for each, on first bytes as common as 'e' and 'g'.
const (
	trigUnderscore = 1 + iota
	trigDash
	trigI
	trigJ
	trigAssign
	trigG
	trigBegin // the 'B' of "-----BEGIN ": a PEM key whose first '-' the byte before ruled out
)

var triggers = func() (t [256]uint8) {
	t['_'], t['-'], t['I'], t['J'], t[':'], t['='], t['G'] = trigUnderscore, trigDash, trigI, trigJ, trigAssign, trigAssign, trigG
	return t
}()

// pairTable gives the trigger of a byte given the byte before it, indexed by cur<<8|prev
// (prev 0 at the start of the data). A trigger is the hint that some format may start near
// here; each case below reads its bytes around the trigger.
type pairTable [1 << 16]uint8

// Most trigger bytes ('_' in snake_case, '-' in "--" and prose, ':' and '=' after blanks)
// start nothing: each format's anchored expression names the byte before its trigger
// (ghp_ and npm_ a letter of a few, AKIA 'K' or 'S', eyJ 'y'). The pass looks the trigger
// up by the pair of bytes, so that those are passed over in the eight-byte loop instead of
// each costing a trip through the cases. The sets hold every byte any case's expression
// allows before its trigger:
var (
	// '_': gh[pousr]_, github_pat_, [rs]k_live_, npm_, dckr_pat_, do[por]_v1_,
	// shp(at|ss|ca|pa)_, hf_, glsa_.
	beforeUnderscore = "pousrbkmrporf" + "tsa"
	// '-': gl(pat|ptt|dt|rt|soat|cbt|ft|imt|oas|wt|agent)-, xox[baprse]-, xapp-,
	// AGE-SECRET-KEY-1, PMAK-, pypi-, sk-. A PEM key's first '-' may follow anything: it is
	// found from its 'B' instead (trigBegin).
	beforeDash = "ts" + "baprsep" + "EKik"
	// 'I': AKIA, ASIA, AIza. 'J': eyJ. 'G': SG.
	beforeI, beforeJ, beforeG = "KSA", "y", "S"
	// ':' and '=' past the assignments: a name ending in "key" or "https", or the blanks
	// and quote nameEnd steps back over.
	beforeAssign = "yYs \t\n\r\f\v\"'"
)

var (
	// allPairs is triggers for every byte before: Analyzer.Exhaustive's table.
	allPairs = pairs(func(cur, prev byte) uint8 { return triggers[cur] })
	// configPairs is for a config file's pass while it reads assignment lines (every ':' and
	// '=' starts one); namePairs after.
	configPairs = pairs(func(cur, prev byte) uint8 { return before(cur, prev, true) })
	namePairs   = pairs(func(cur, prev byte) uint8 { return before(cur, prev, false) })
)

func pairs(f func(cur, prev byte) uint8) *pairTable {
	var t pairTable
	for c := range 256 {
		for p := range 256 {
			t[c<<8|p] = f(byte(c), byte(p))
		}
	}
	return &t
}

// before is the trigger of cur after prev; assignments says every ':' and '=' counts.
func before(cur, prev byte, assignments bool) uint8 {
	in := func(set string) bool { return strings.IndexByte(set, prev) >= 0 }
	switch t := triggers[cur]; {
	case cur == 'B' && prev == '-':
		return trigBegin
	case t == trigUnderscore && in(beforeUnderscore), t == trigDash && in(beforeDash), t == trigI && in(beforeI),
		t == trigJ && in(beforeJ), t == trigG && in(beforeG), t == trigAssign && (assignments || in(beforeAssign)):
		return t
	}
	return 0
}

// Indexes into tokens, which the trigger checks name.
const (
	tokAWSKeyID = iota
	tokGitHub
	tokGitHubPAT
	tokGitLab
	tokSlack
	tokStripe
	tokJWT
	tokNpm
	tokPyPI
	tokDockerPAT
	tokGoogleKey
	tokAIKey
	tokSlackHook
	tokDigitalOcean
	tokShopify
	tokAzureKey
	tokSendGrid
	tokHuggingFace
	tokAge
	tokPostman
	tokGrafana
	numTokens
)

// passResult is what scanPass found, in the order the findings are reported.
type passResult struct {
	found   *passTokens // nil until a token is found: most files hold none
	secrets []string    // AWS secret access keys, redacted
	// pem is the offset of the first "-----BEGIN ", or -1.
	pem int
}

// passTokens are the tokens a pass found.
type passTokens struct {
	tokens [numTokens][]string // redacted evidence, up to 5 distinct per format
	seen   [numTokens]map[string]bool
}

// tokens returns the tokens of format ti found.
func (r *passResult) tokens(ti int) []string {
	if r.found == nil {
		return nil
	}
	return r.found.tokens[ti]
}

// scanPass looks at data once. Assignment lines (config files) are reported through
// assign as they are found.
// exhaustive reads the whole name before every ':' and '=' instead of deciding by its end,
// and takes every trigger byte whatever the byte before it (allPairs).
func scanPass(data []byte, assignments, exhaustive bool, assign func(line []byte) bool) passResult {
	r := passResult{pem: -1}
	lineDone := -1 // assignment lines up to here have been matched
	assignDone := !assignments
	tab := allPairs
	if !exhaustive {
		tab = namePairs
		if !assignDone {
			tab = configPairs
		}
	}
	n := len(data)
	for i := 0; i < n; i++ {
		// Most bytes trigger nothing: test eight at a time, as the pairs each makes with
		// the byte before it (the low byte of each 16 bits of p, the trigger byte its
		// high byte).
		for i > 0 && i+8 <= n {
			x := binary.LittleEndian.Uint64(data[i:])
			p := x<<8 | uint64(data[i-1])
			if tab[uint16(p)]|tab[uint16(p>>8)]|tab[uint16(p>>16)]|tab[uint16(p>>24)]|tab[uint16(p>>32)]|
				tab[uint16(p>>40)]|tab[uint16(p>>48)]|tab[uint16(x>>48)] != 0 {
				break
			}
			i += 8
		}
		if i >= n {
			break
		}
		prev := byte(0)
		if i > 0 {
			prev = data[i-1]
		}
		switch tab[uint16(data[i])<<8|uint16(prev)] {
		case trigUnderscore:
			switch {
			case i >= 3 && data[i-3] == 'g' && data[i-2] == 'h' && isGitHubKind(data[i-1]):
				r.token(data, tokGitHub, i-3)
			case i >= 6 && data[i-6] == 'g' && bytes.HasPrefix(data[i-6:], []byte("github_pat_")):
				r.token(data, tokGitHubPAT, i-6)
			case i >= 2 && data[i-1] == 'k' && (data[i-2] == 's' || data[i-2] == 'r') && bytes.HasPrefix(data[i:], []byte("_live_")):
				r.token(data, tokStripe, i-2)
			case i >= 3 && data[i-3] == 'n' && data[i-2] == 'p' && data[i-1] == 'm':
				r.token(data, tokNpm, i-3)
			case i >= 4 && data[i-4] == 'd' && bytes.HasPrefix(data[i-4:], []byte("dckr_pat_")):
				r.token(data, tokDockerPAT, i-4)
			case i >= 3 && data[i-3] == 'd' && data[i-2] == 'o' && bytes.HasPrefix(data[i:], []byte("_v1_")):
				r.token(data, tokDigitalOcean, i-3)
			case i >= 5 && data[i-5] == 's' && data[i-4] == 'h' && data[i-3] == 'p':
				r.token(data, tokShopify, i-5)
			case i >= 2 && data[i-2] == 'h' && data[i-1] == 'f':
				r.token(data, tokHuggingFace, i-2)
			case i >= 4 && data[i-4] == 'g' && data[i-3] == 'l' && data[i-2] == 's' && data[i-1] == 'a':
				r.token(data, tokGrafana, i-4)
			}
		case trigDash:
			if ti, at := dashToken(data, i); ti >= 0 {
				r.token(data, ti, at)
			} else if r.pem < 0 && pemAt(data, i) {
				r.pem = i
			}
		case trigBegin:
			// The PEM key whose first '-' is 5 bytes back, unless a token case takes that
			// '-' (as trigDash decides there).
			if at := i - 5; r.pem < 0 && at >= 0 && pemAt(data, at) {
				if ti, _ := dashToken(data, at); ti < 0 {
					r.pem = at
				}
			}
		case trigI:
			switch {
			case i >= 2 && i+1 < n && data[i+1] == 'A' && data[i-2] == 'A' && (data[i-1] == 'K' || data[i-1] == 'S'):
				r.token(data, tokAWSKeyID, i-2)
			case i >= 1 && i+2 < n && data[i-1] == 'A' && data[i+1] == 'z' && data[i+2] == 'a':
				r.token(data, tokGoogleKey, i-1)
			}
		case trigJ:
			if i >= 2 && data[i-2] == 'e' && data[i-1] == 'y' {
				r.token(data, tokJWT, i-2)
			}
		case trigG:
			if i >= 1 && i+1 < n && data[i-1] == 'S' && data[i+1] == '.' {
				r.token(data, tokSendGrid, i-1)
			}
		case trigAssign:
			end := nameEnd(data, i)
			if assignDone && !exhaustive && !hasSuffixFold(data[:end], "key") && !bytes.HasSuffix(data[:end], []byte("https")) {
				// Past the assignments, a ':' or '=' only matters after a name ending in
				// "key" (AccountKey, aws_secret_access_key) or "https" (a Slack hook): both
				// are name bytes, so the name's own end decides without reading it whole.
				continue
			}
			start := nameStart(data, end)
			name := data[start:end]
			switch {
			case data[i] == ':' && bytes.HasSuffix(name, []byte("https")) && bytes.HasPrefix(data[i:], []byte("://hooks.slack.com/")):
				r.token(data, tokSlackHook, end-len("https"))
			case data[i] == '=' && hasSuffixFold(name, "accountkey"):
				r.token(data, tokAzureKey, end-len("accountkey"))
			}
			if len(r.secrets) < 5 && hasSuffixFold(name, "key") {
				r.awsSecret(data, max(start, end-len("aws_secret_access_key")), i, exhaustive)
			}
			if !assignDone && i > lineDone && secretKeyword(name) {
				start := bytes.LastIndexByte(data[:i], '\n') + 1
				end := bytes.IndexByte(data[i:], '\n')
				if end < 0 {
					end = n
				} else {
					end += i
				}
				lineDone = end
				if assignDone = !assign(data[start:end]); assignDone && !exhaustive {
					tab = namePairs
				}
			}
		}
	}
	return r
}

// dashToken returns the token format a '-' at i may end the prefix of, and where the token
// would start; -1 when there is none.
func dashToken(data []byte, i int) (ti, at int) {
	switch {
	case i >= 2 && glPrefix(data, i) >= 0:
		return tokGitLab, glPrefix(data, i)
	case i >= 4 && data[i-4] == 'x' && (bytes.HasPrefix(data[i-4:], []byte("xox")) || bytes.HasPrefix(data[i-4:], []byte("xapp-"))):
		return tokSlack, i - 4
	case i >= 3 && data[i-3] == 'A' && bytes.HasPrefix(data[i-3:], []byte("AGE-SECRET-KEY-1")):
		return tokAge, i - 3
	case i >= 4 && data[i-4] == 'P' && bytes.HasPrefix(data[i-4:], []byte("PMAK-")):
		return tokPostman, i - 4
	case i >= 4 && data[i-4] == 'p' && bytes.HasPrefix(data[i-4:], []byte("pypi-")):
		return tokPyPI, i - 4
	case i >= 2 && data[i-2] == 's' && data[i-1] == 'k':
		return tokAIKey, i - 2
	}
	return -1, 0
}

// pemAt reports whether a PEM block begins at i.
func pemAt(data []byte, i int) bool {
	return i+11 <= len(data) && data[i+5] == 'B' && bytes.HasPrefix(data[i:], []byte("-----BEGIN "))
}

// glPrefix returns where a GitLab token whose '-' is at i starts ("glpat-", "glrt-",
// "gldt-" ...), or -1.
func glPrefix(data []byte, i int) int {
	j := i
	for j > 0 && i-j < 7 && data[j-1] >= 'a' && data[j-1] <= 'z' {
		j--
	}
	if i-j >= 4 && data[j] == 'g' && data[j+1] == 'l' {
		return j
	}
	return -1
}

func isGitHubKind(c byte) bool {
	return c == 'p' || c == 'o' || c == 'u' || c == 's' || c == 'r'
}

// token validates a candidate match of tokens[ti] starting at at.
func (r *passResult) token(data []byte, ti, at int) {
	t := &tokens[ti]
	if len(r.tokens(ti)) >= 5 || t.boundary && at > 0 && isWord(data[at-1]) {
		return
	}
	m := t.re.FindSubmatch(data[at:min(len(data), at+t.window+1)])
	if m == nil || isExample(m[1]) {
		return
	}
	if r.found == nil {
		r.found = new(passTokens)
	}
	f := r.found
	if f.seen[ti][string(m[1])] {
		return
	}
	if f.seen[ti] == nil {
		f.seen[ti] = map[string]bool{}
	}
	f.seen[ti][string(m[1])] = true
	f.tokens[ti] = append(f.tokens[ti], string(m[1]))
}

// awsSecret validates a candidate AWS secret whose name starts at or after from and ends
// before the ':' or '=' at i.
// exhaustive runs the expression on every window.
func (r *passResult) awsSecret(data []byte, from, i int, exhaustive bool) {
	w := data[from:min(len(data), i+100)]
	// Every match starts with "aw" in some case (letters whose case folding stays within
	// ASCII): most names ending in key are no AWS secret's, and the expression is spared them.
	if !exhaustive && !holdsAW(w) {
		return
	}
	m := awsSecret.FindSubmatch(w)
	if m == nil || isExample(m[1]) {
		return
	}
	r.secrets = append(r.secrets, string(m[1]))
}

// holdsAW reports whether b holds "aw" in any ASCII case.
func holdsAW(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		if b[i]|0x20 == 'a' && b[i+1]|0x20 == 'w' {
			return true
		}
	}
	return false
}

// nameEnd and nameStart return where the setting name before the ':' or '=' at i ends and
// starts: word characters, dots and dashes, then at most a quote and blanks before i. The
// regexps decide; this only has to be a superset of what they accept.
func nameEnd(data []byte, i int) int {
	j := i
	for j > 0 && j > i-256 && isSpace(data[j-1]) {
		j--
	}
	if j > 0 && (data[j-1] == '"' || data[j-1] == '\'') {
		j--
	}
	return j
}

func nameStart(data []byte, end int) int {
	j := end
	for j > 0 && end-j < 128 && isNameByte(data[j-1]) {
		j--
	}
	return j
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isNameByte(c byte) bool { return isWord(c) || c == '.' || c == '-' }

func hasSuffixFold(b []byte, lower string) bool {
	if len(b) < len(lower) {
		return false
	}
	b = b[len(b)-len(lower):]
	for i := range b {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// secretKeywords are what assignment's name part must contain (password and passwd share
// "passw"; api_key, access_key, private_key and auth_key end in "key").
var secretKeywords = []string{"passw", "pwd", "secret", "token", "key", "credential"}

func secretKeyword(name []byte) bool {
	switch {
	case len(name) < 3:
		return false
	case len(name) >= 128:
		return true // nameStart stopped short: let the regexp look
	}
	var buf [128]byte
	l := buf[:len(name)]
	for i, c := range name {
		l[i] = c | 0x20 // name bytes are letters, digits, '_', '.', '-': only letters change
	}
	for _, k := range secretKeywords {
		if bytes.Contains(l, []byte(k)) {
			return true
		}
	}
	return false
}
