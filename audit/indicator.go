package audit

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// IndicatorKind says what an indicator is.
type IndicatorKind string

// Indicator kinds.
const (
	IndicatorIP     IndicatorKind = "ip"     // an IPv4 address
	IndicatorDomain IndicatorKind = "domain" // a host name
	IndicatorURL    IndicatorKind = "url"    // a URL with a scheme
	IndicatorPort   IndicatorKind = "port"   // a port a host is reached on
	IndicatorPool   IndicatorKind = "pool"   // a mining pool, host:port
	IndicatorWallet IndicatorKind = "wallet" // a cryptocurrency wallet address
	IndicatorOnion  IndicatorKind = "onion"  // a Tor hidden service
)

// Indicator is one network indicator found in a file.
type Indicator struct {
	Kind  IndicatorKind `json:"kind"`
	Value string        `json:"value"`
}

// String renders the indicator as "kind:value".
func (i Indicator) String() string { return string(i.Kind) + ":" + i.Value }

// ParseIndicator reads "kind:value".
func ParseIndicator(s string) (Indicator, bool) {
	k, v, ok := strings.Cut(s, ":")
	if !ok || v == "" {
		return Indicator{}, false
	}
	return Indicator{Kind: IndicatorKind(k), Value: v}, true
}

// MaxIndicators bounds the indicators one finding carries.
const MaxIndicators = 32

// maxIndicatorScan bounds how much of one file indicators are looked for in; a flagged file
// bigger than this has its head read.
const maxIndicatorScan = 2 << 20

var (
	urlRE = regexp.MustCompile(`(?i)\b(https?|ftp|tcp|udp|ssl|tls|wss?|stratum\+(?:tcp|ssl|tls)|stratum[12]\+tcp)://` +
		`(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]{0,62}\.)*[a-z0-9-]{1,63})(?::([0-9]{1,5}))?([/?#][^\s"'<>()\x60\\{}|^]*)?`)
	devTCPRE = regexp.MustCompile(`/dev/(?:tcp|udp)/([A-Za-z0-9._-]{1,253})/([0-9]{1,5})`)
	onionRE  = regexp.MustCompile(`\b([a-z2-7]{56}|[a-z2-7]{16})\.onion\b`)
	moneroRE = regexp.MustCompile(`\b([48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}(?:[1-9A-HJ-NP-Za-km-z]{11})?)\b`)
	bech32RE = regexp.MustCompile(`\b(bc1[02-9ac-hj-np-z]{39}|bc1[02-9ac-hj-np-z]{59})\b`)
)

// domainTLDs are the top-level domains a bare name in a flagged file is taken as a host
// with: generic ones and those common in attacks, not those that are also file extensions
// (.sh, .py, .pl, .so, .js, .md ...) or a field in code (.name: user.name, PKIX1.Name).
var domainTLDs = map[string]bool{
	"com": true, "net": true, "org": true, "info": true, "biz": true, "io": true, "co": true, "me": true, "xyz": true,
	"top": true, "online": true, "site": true, "club": true, "pw": true, "tk": true, "ml": true, "ga": true, "cf": true,
	"gq": true, "ru": true, "su": true, "cn": true, "de": true, "uk": true, "fr": true, "nl": true, "us": true, "cc": true,
	"ws": true, "to": true, "pro": true, "app": true, "dev": true, "live": true, "icu": true, "vip": true, "shop": true,
	"cloud": true, "host": true, "space": true, "fun": true, "website": true, "tech": true, "store": true, "link": true,
	"onion": true, "ir": true, "kp": true, "hk": true, "tw": true, "jp": true, "kr": true, "br": true,
	"in": true, "ua": true, "by": true, "kz": true, "eu": true, "ch": true, "se": true, "no": true, "fi": true, "it": true,
	"es": true, "ca": true, "au": true, "mobi": true, "asia": true, "work": true, "today": true,
	"example": true, "invalid": true, "stream": true, "network": true, "test": true, "local": true, "lan": true, "internal": true,
}

// poolHosts are well-known mining pool domains (and their subdomains).
var poolHosts = []string{"supportxmr.com", "moneroocean.stream", "xmrpool.eu", "minexmr.com", "nanopool.org",
	"c3pool.com", "hashvault.pro", "2miners.com", "herominers.com", "f2pool.com", "unmineable.com", "nicehash.com",
	"monerohash.com", "dwarfpool.com", "xmrig.com", "gulf.moneroocean.stream", "p2pool.io", "kryptex.network"}

// poolHost reports a well-known mining pool's host or one of its subdomains.
func poolHost(h string) bool {
	h = strings.ToLower(h)
	for _, p := range poolHosts {
		// h is p, or ends in "." + p (without building that string for every host of a file).
		if strings.HasSuffix(h, p) && (len(h) == len(p) || h[len(h)-len(p)-1] == '.') {
			return true
		}
	}
	return false
}

// ExtractIndicators finds network indicators in data and in the base64 blobs it holds
// (decoded up to three layers deep): IPv4 addresses, host names, URLs, ports reached on
// them, mining pools, wallets and onion addresses. At most MaxIndicators are returned.
func ExtractIndicators(data []byte) []Indicator {
	var x indicatorSet
	x.scan(data, 0)
	return x.out
}

type indicatorSet struct {
	out  []Indicator
	seen map[Indicator]bool
}

func (x *indicatorSet) add(kind IndicatorKind, v string) {
	if v == "" || len(x.out) >= MaxIndicators {
		return
	}
	i := Indicator{kind, v}
	if x.seen == nil {
		x.seen = map[Indicator]bool{}
	}
	if !x.seen[i] {
		// v may be a view of the bytes scanned (see scan): keep a copy.
		i.Value = strings.Clone(v)
		x.seen[i] = true
		x.out = append(x.out, i)
	}
}

// host adds a host as an address or a domain (and a pool when it is a known one).
func (x *indicatorSet) host(h, port string) {
	h = strings.Trim(strings.ToLower(h), "[].")
	if h == "" {
		return
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.IsUnspecified() {
			return
		}
		x.add(IndicatorIP, a.String())
	} else if strings.Contains(h, ".") {
		if strings.HasSuffix(h, ".onion") {
			x.add(IndicatorOnion, h)
		} else {
			x.add(IndicatorDomain, h)
		}
		if poolHost(h) {
			x.add(IndicatorPool, h+portSuffix(port))
		}
	} else {
		return
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err == nil && n > 0 && n < 65536 {
			x.add(IndicatorPort, strconv.Itoa(n))
		}
	}
}

func portSuffix(p string) string {
	if p == "" {
		return ""
	}
	return ":" + p
}

func (x *indicatorSet) scan(data []byte, depth int) {
	if bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0 {
		runs := runBuffers.Get().(*[]byte)
		*runs = printableRuns((*runs)[:0], data, 6, maxIndicatorScan/4)
		defer runBuffers.Put(runs)
		data = *runs
	}
	if len(data) > maxIndicatorScan {
		data = data[:maxIndicatorScan]
	}
	// A view of the bytes, not a copy: they do not change while it is read, and add copies
	// what it keeps. Copies of the files with findings of a big rule set were most of what
	// its scan allocated.
	s := unsafe.String(unsafe.SliceData(data), len(data))
	// Matched around the text each must hold ("://", "bc1", /dev/tcp/): Go's regexp runs its
	// slow engine on a file's worth of strings, its fast one on a few hundred bytes.
	for _, m := range anchoredMatches(s, urlRE, "://", 16, urlStop) {
		scheme := strings.ToLower(m[1])
		u := strings.TrimRight(m[0], ".,;:)]}'\"")
		x.add(IndicatorURL, u)
		x.host(m[2], m[3])
		if strings.HasPrefix(scheme, "stratum") {
			x.add(IndicatorPool, strings.ToLower(strings.Trim(m[2], "[]"))+portSuffix(m[3]))
		}
	}
	for _, anchor := range []string{"/dev/tcp/", "/dev/udp/"} {
		for _, m := range anchoredMatches(s, devTCPRE, anchor, 0, wordStop) {
			x.host(m[1], m[2])
		}
	}
	x.hostWords(s, holdsOIDs(s))
	if strings.Contains(s, ".onion") {
		for _, m := range onionRE.FindAllStringSubmatch(s, -1) {
			x.add(IndicatorOnion, m[0])
		}
	}
	if hasRun(data, 95) {
		for _, m := range wordRunMatches(s, moneroRE, 95) {
			x.add(IndicatorWallet, m[1])
		}
	}
	for _, m := range anchoredMatches(s, bech32RE, "bc1", 0, wordStop) {
		x.add(IndicatorWallet, m[1])
	}
	if depth < 3 {
		for _, d := range DecodeBase64Runs(data, 16) {
			x.scan(d, depth+1)
		}
	}
}

// anchoredMatches returns what re.FindAllStringSubmatch(s, -1) does, for a re whose every
// match holds anchor at most before bytes after the match's start, and that starts with \b
// (or the anchor): it matches in a window around each anchor, from before bytes ahead of it
// to the first byte stop says no match goes past. A window's start is a word boundary to
// the engine; a match there is kept only where s has one too.
func anchoredMatches(s string, re *regexp.Regexp, anchor string, before int, stop func(byte) bool) [][]string {
	var out [][]string
	done := 0 // where the last match ended: matches do not overlap
	for off := 0; ; {
		i := strings.Index(s[off:], anchor)
		if i < 0 {
			return out
		}
		k := off + i
		off = k + 1
		if k < done {
			continue
		}
		end := k + len(anchor)
		for end < len(s) && !stop(s[end]) {
			end++
		}
		for start := max(done, k-before); start <= k; {
			loc := re.FindStringSubmatchIndex(s[start:end])
			if loc == nil || start+loc[0] > k {
				break
			}
			a := start + loc[0]
			if a > 0 && isWordByte(s[a-1]) && isWordByte(s[a]) {
				start = a + 1 // a boundary only the window made
				continue
			}
			m := make([]string, len(loc)/2)
			for g := range m {
				if loc[2*g] >= 0 {
					m[g] = s[start+loc[2*g] : start+loc[2*g+1]]
				}
			}
			out = append(out, m)
			done = start + loc[1]
			off = max(off, done)
			break
		}
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// urlStop and wordStop end the windows: a URL's path stops at white space, quotes and the
// bytes urlRE excludes; an address or wallet at any byte outside letters, digits and . _ -.
func urlStop(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || strings.IndexByte("\"'<>()`\\{}|^", c) >= 0
}

func wordStop(c byte) bool {
	return !(isWordByte(c) || c == '.' || c == '-' || c == '/')
}

// hostWords finds addresses and host names in one pass over the words of s made of the
// characters a host name or address holds: a dotted quad is an address, a dotted name whose
// last label is a known top-level domain a host; ":port" after either is its port. In text
// that holds object identifiers (oids), a dotted quad that is shaped like one (2.5.4.3,
// 1.3.6.1) is taken as an identifier, not an address.
func (x *indicatorSet) hostWords(s string, oids bool) {
	isHost := func(c byte) bool { return byteClass[c]&classHost != 0 }
	// Only a dotted word can be a host: the words are found from their dots, the others
	// passed by (s[i-1], where the last word ended, is not of a word).
	for i := 0; i < len(s) && len(x.out) < MaxIndicators; {
		d := strings.IndexByte(s[i:], '.')
		if d < 0 {
			return
		}
		d += i
		j := d + 1
		for i < d && isHost(s[d-1]) {
			d--
		}
		i = d
		for j < len(s) && isHost(s[j]) {
			j++
		}
		x.hostWord(s, i, j, oids)
		i = j
	}
}

// hostWord takes the word s[i:j], made of the characters a host name or address holds, as
// hostWords does: trimmed of dots and dashes, an address or a host name with a known top-level
// domain when dotted, with the ":port" that follows it.
func (x *indicatorSet) hostWord(s string, i, j int, oids bool) {
	word := strings.Trim(s[i:j], ".-")
	if !strings.Contains(word, ".") || i > 0 && (s[i-1] == '@' || s[i-1] == '_') {
		return
	}
	port := ""
	if j+1 < len(s) && s[j] == ':' {
		k := j + 1
		for k < len(s) && k < j+6 && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j+2 && (k == len(s) || byteClass[s[k]]&classHost == 0) {
			port = s[j+1 : k]
		}
	}
	if ip, ok := dottedQuad(word); ok {
		if !oids || !oidShaped(word) {
			x.host(ip, port)
		}
		return
	}
	last := word[strings.LastIndexByte(word, '.')+1:]
	if (domainTLDs[strings.ToLower(last)] || poolHost(word)) && validHost(word) && !strings.Contains(word, "..") {
		x.host(word, port)
	}
}

// holdsOIDs reports text that holds an object identifier of five or more arcs (1.3.6.1.5.5.7,
// 2.16.840.1.101): a TLS or ASN.1 library's table of them, where the shorter ones of four arcs
// look like IPv4 addresses.
func holdsOIDs(s string) bool {
	// An identifier's first arc is one digit before a dot: the dots are where to look.
	for d := strings.IndexByte(s, '.'); d >= 0; {
		i := d - 1
		if next := strings.IndexByte(s[d+1:], '.'); next >= 0 {
			d += 1 + next
		} else {
			d = -1
		}
		if i < 0 {
			continue
		}
		if i+9 > len(s) {
			return false
		}
		if (s[i] < '0' || s[i] > '2') || i > 0 && (s[i-1] >= '0' && s[i-1] <= '9' || s[i-1] == '.') {
			continue
		}
		arcs, j := 1, i+1
		for j < len(s) && s[j] == '.' {
			k := j + 1
			for k < len(s) && k < j+8 && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			if k == j+1 {
				break
			}
			arcs, j = arcs+1, k
		}
		if arcs >= 5 {
			return true
		}
	}
	return false
}

// oidShaped reports a dotted quad that can be an object identifier: its first arc 0, 1 or 2
// and its second under 40, as ASN.1 requires.
func oidShaped(w string) bool {
	first, rest, _ := strings.Cut(w, ".")
	second, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(second)
	return (first == "0" || first == "1" || first == "2") && err == nil && n < 40
}

// dottedQuad reports an IPv4 address, not a longer dotted number (a version, an OID).
func dottedQuad(w string) (string, bool) {
	parts := strings.Split(w, ".")
	if len(parts) != 4 {
		return "", false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" || len(p) > 1 && p[0] == '0' {
			return "", false
		}
		if n, _ := strconv.Atoi(p); n > 255 {
			return "", false
		}
	}
	return w, true
}

func validHost(w string) bool {
	for _, l := range strings.Split(w, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	// A host has a letter outside its top-level domain.
	return strings.ContainsFunc(w[:strings.LastIndexByte(w, '.')], func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
}

// runBuffers hold the printable runs of binary files while their indicators are extracted.
var runBuffers = sync.Pool{New: func() any { return new([]byte) }}

// printableRuns appends to out the runs of at least n printable characters in binary data,
// one a line, at most max bytes of them: what strings(1) shows.
func printableRuns(out, data []byte, n, max int) []byte {
	printable := func(c byte) bool { return c >= 0x20 && c < 0x7f }
	// i is where a run may start: the first byte, or one after a byte that is not printable.
	for i := 0; i+n <= len(data) && len(out) < max; {
		// A run of n from anywhere in [i, i+n) holds byte i+n-1: when that one is not
		// printable, none starts there (in machine code, most windows end so).
		if !printable(data[i+n-1]) {
			i += n
			continue
		}
		k := i + n - 2
		for k >= i && printable(data[k]) {
			k--
		}
		if k >= i {
			i = k + 1
			continue
		}
		j := i + n
		for j < len(data) && printable(data[j]) {
			j++
		}
		out = append(out, data[i:j]...)
		out = append(out, '\n')
		i = j + 1
	}
	return out
}

// Classes of bytes, as bits of byteClass.
const (
	classRun  = 1 << iota // hasRun's: 1-9, A-Z, a-z
	classB64              // base64's, either alphabet: A-Z, a-z, 0-9, + / - _
	classHost             // a host name's or address's: A-Z, a-z, 0-9, . -
	classWord             // regexp's \b word: A-Z, a-z, 0-9, _
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		alnum := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if alnum && c != '0' {
			t[c] |= classRun
		}
		if alnum || c == '+' || c == '/' || c == '-' || c == '_' {
			t[c] |= classB64
		}
		if alnum || c == '.' || c == '-' {
			t[c] |= classHost
		}
		if alnum || c == '_' {
			t[c] |= classWord
		}
	}
	return t
}()

// hasRun reports a run of n (at least one) base58 characters, which a Monero address is. A
// run of n from anywhere in [i, i+n) holds byte i+n-1: when that one is not of the run, n
// bytes are passed by at once.
func hasRun(data []byte, n int) bool {
	for i := 0; i+n <= len(data); {
		if byteClass[data[i+n-1]]&classRun == 0 {
			i += n
			continue
		}
		k := i + n - 2
		for k >= i && byteClass[data[k]]&classRun != 0 {
			k--
		}
		if k < i {
			return true
		}
		i = k + 1
	}
	return false
}

// wordRunMatches returns what re.FindAllStringSubmatch(s, -1) does, for a re whose every
// match starts and ends with \b and holds word characters only, least or more: such a match
// is a whole run of word characters, so re is run on each run that long alone, not on all of
// s (Go's regexp reads a file's worth of strings with its slow engine).
func wordRunMatches(s string, re *regexp.Regexp, least int) [][]string {
	var out [][]string
	for i := 0; i < len(s); {
		if byteClass[s[i]]&classWord == 0 {
			i++
			continue
		}
		j := i
		for j < len(s) && byteClass[s[j]]&classWord != 0 {
			j++
		}
		if j-i >= least {
			out = append(out, re.FindAllStringSubmatch(s[i:j], -1)...)
		}
		i = j
	}
	return out
}

// maxBase64Runs bounds how many blobs DecodeBase64Runs decodes in one piece of data.
const maxBase64Runs = 64

// DecodeBase64Runs decodes the runs of base64 (standard or URL alphabet, padded or not) of at
// least minLen characters in data whose decoded bytes are mostly printable text, the form a
// hidden stage takes in a script. It returns at most 64 of them.
func DecodeBase64Runs(data []byte, minLen int) [][]byte {
	var out [][]byte
	i := 0
	for i < len(data) && len(out) < maxBase64Runs {
		// A run of minLen from anywhere in [i, i+minLen) holds byte i+minLen-1 (base64 or a
		// '=' inside it): when that one is neither, no run starting there is long enough.
		if k := i + minLen - 1; minLen > 0 && k < len(data) && !isB64(data[k]) && data[k] != '=' {
			i = k + 1
			continue
		}
		if !isB64(data[i]) {
			i++
			continue
		}
		j := i
		for j < len(data) && (isB64(data[j]) || data[j] == '=' && j > i) {
			j++
		}
		run := data[i:j]
		i = j
		if len(run) < minLen {
			continue
		}
		// Words and paths are not base64 of anything: a real blob mixes cases and digits.
		if !mixed(run) {
			continue
		}
		if d := decodeB64(run); d != nil && Printable(d) {
			out = append(out, d)
		}
	}
	return out
}

func isB64(c byte) bool { return byteClass[c]&classB64 != 0 }

func mixed(b []byte) bool {
	var up, lo, dig bool
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= 'a' && c <= 'z':
			lo = true
		case c >= '0' && c <= '9':
			dig = true
		}
	}
	return up && lo && (dig || len(b) >= 24)
}

func decodeB64(run []byte) []byte {
	s := strings.TrimRight(string(run), "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		if strings.ContainsAny(s, "+/") {
			return nil
		}
		enc = base64.RawURLEncoding
	}
	// A run whose length cannot be base64 loses its last character (a stray letter glued on).
	if len(s)%4 == 1 {
		s = s[:len(s)-1]
	}
	d, err := enc.DecodeString(s)
	if err != nil {
		return nil
	}
	return d
}

// Printable reports whether b is mostly text: at least 90% printable ASCII or whitespace, and
// no NUL.
func Printable(b []byte) bool {
	if len(b) == 0 || bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	n := 0
	for _, c := range b {
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\r' || c == '\t' {
			n++
		}
	}
	return n*10 >= len(b)*9
}
