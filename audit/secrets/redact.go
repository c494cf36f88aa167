package secrets

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/strata-forensics/strata/forensics"
)

// Redaction: every output Strata writes (text, JSON, SARIF, reports, the workbench, the history
// database) shows a secret as its kind, a short prefix, its length and a prefix of its sha256,
//
//	[aws-secret-access-key j09Y… 40 chars sha256:3f1c9a2b]
//
// so that the same secret renders the same everywhere and responders can correlate it across
// images and reports without ever seeing it. Redact finds secrets in arbitrary text (an Env
// value, a history line, a content diff, a finding's evidence) with the analyzer's own
// patterns: what the scan reports as a secret is what every renderer hides.

// Mask renders a secret of a kind ("aws-secret-access-key", "npm-token", "password", ...).
// Secrets shorter than 12 characters show no prefix: four of eight characters would give
// away too much.
func Mask(kind, secret string) string {
	sum := sha256.Sum256([]byte(secret))
	n := utf8.RuneCountInString(secret)
	prefix := ""
	if n >= 12 {
		prefix = string([]rune(secret)[:4]) + "… "
	}
	return fmt.Sprintf("[%s %s%d chars sha256:%s]", kind, prefix, n, hex.EncodeToString(sum[:4]))
}

// maskPattern matches what Mask renders, so that redacting twice changes nothing.
var maskPattern = regexp.MustCompile(`\[[a-z0-9-]+ (?:[^\s\]]{1,4}… )?\d+ chars sha256:[0-9a-f]{8}\]`)

// Span is a secret Find found: text[Start:End] is the secret itself (a value, without the
// name it was assigned to), Kind names what it is.
type Span struct {
	Start, End int
	Kind       string
}

// Redact returns text with every secret in it replaced by its Mask. A PEM private key keeps
// its BEGIN and END lines and has its body replaced (in a unified diff, once per side). Text
// already redacted is left as it is.
func Redact(text string) string {
	if !mayHoldSecret(text) {
		return text
	}
	if strings.Contains(text, "PRIVATE KEY") {
		text = redactPrivateKeys(text)
	}
	spans := Find(text)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, s := range spans {
		b.WriteString(text[last:s.Start])
		b.WriteString(Mask(s.Kind, text[s.Start:s.End]))
		last = s.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// RedactValue redacts text and makes sure that value, a secret the caller found in it, is gone
// even where Redact's patterns do not reach: it is then masked as kind.
func RedactValue(text, value, kind string) string {
	out := Redact(text)
	if value != "" && strings.Contains(out, value) {
		out = strings.ReplaceAll(out, value, Mask(kind, value))
	}
	return out
}

// RedactAssigned redacts value as the value of name (an Env variable, a label, a JSON key,
// a config field such as env.NAME): a value alone may not say it is a secret, its name does.
func RedactAssigned(name, value string) string {
	if name == "" {
		return Redact(value)
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 && i < len(name)-1 {
		name = name[i+1:] // env.NAME, label.KEY
	}
	prefix := name + "="
	if r := Redact(prefix + value); strings.HasPrefix(r, prefix) {
		return r[len(prefix):]
	}
	return Redact(value)
}

// namedPattern finds a secret by what surrounds it; group names the submatch that is the
// secret. need lists substrings (lower case) one of which the text must hold for the regexp
// to be worth running.
type namedPattern struct {
	kind  string
	re    *regexp.Regexp
	group int
	need  []string
	// check, when set, vets the match (name and value submatches by index).
	check func(text string, m []int) bool
}

// tokenKinds name the secrets of tokens, indexed like it; a format without a name here is
// named after its title ("npm access token": npm-access-token).
var tokenKinds = func() [numTokens]string {
	var k [numTokens]string
	named := map[int]string{tokAWSKeyID: "aws-access-key-id", tokGitHub: "github-token", tokGitHubPAT: "github-token",
		tokGitLab: "gitlab-token", tokSlack: "slack-token", tokStripe: "stripe-secret-key", tokJWT: "jwt", tokNpm: "npm-token"}
	for i, t := range tokens {
		if n, ok := named[i]; ok {
			k[i] = n
			continue
		}
		k[i] = slug(t.title)
	}
	return k
}()

// slug lower-cases s and joins its words with '-': "AI platform API key (OpenAI, Anthropic)"
// gives ai-platform-api-key-openai-anthropic.
func slug(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
	return strings.Join(words, "-")
}

// tokenPatterns are the token formats of tokens, found anywhere rather than at a candidate
// start: the same regexps with their anchor dropped. Whether a text is worth running them on
// is for mayHoldSecret, which asks the analyzer's own pass.
var tokenPatterns = func() []namedPattern {
	var out []namedPattern
	for i, t := range tokens {
		i, t := i, t
		out = append(out, namedPattern{kind: tokenKinds[i], re: regexp.MustCompile(strings.TrimPrefix(t.re.String(), "^")), group: 1,
			check: func(text string, m []int) bool {
				return !t.boundary || m[0] == 0 || !isWord(text[m[0]-1])
			}})
	}
	return out
}()

var (
	// envLine is an Env entry or a .env line: NAME=value, the value running to the line's end.
	envLine = regexp.MustCompile(`(?m)^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*\S)`)
	// netrcLine is a .netrc password, on a line of its own or after the login.
	netrcLine = regexp.MustCompile(`(?m)(?:^[ \t]*|\blogin[ \t]+\S+[ \t]+)password[ \t]+(\S{4,})`)
)

// namedPatterns find secrets by the name they are given, most specific first.
var namedPatterns = []namedPattern{
	{kind: "aws-secret-access-key", re: awsSecret, group: 1, need: []string{"key"}},
	{kind: "npm-token", re: npmToken, group: 1, need: []string{"_auth", "_password"}, check: notReference},
	{kind: "docker-auth", re: dockerAuth, group: 1, need: []string{`"auth"`}, check: notReference},
	{kind: "url-password", re: urlCreds, group: 3, need: []string{"://"}, check: func(text string, m []int) bool {
		return !placeholder(text[m[6]:m[7]])
	}},
	{kind: "password", re: passwordFlag, group: 1, need: []string{"--"}, check: func(text string, m []int) bool {
		v := text[m[2]:m[3]]
		return v != "-" && !strings.HasPrefix(v, "-") && !placeholder(v)
	}},
	{kind: "password", re: chpasswd, group: 2, need: []string{"chpasswd"}},
	{kind: "password", re: netrcLine, group: 1, need: []string{"password"}, check: func(text string, m []int) bool {
		return !placeholder(text[m[2]:m[3]])
	}},
	{kind: "", re: envLine, group: 2, need: []string{"="}, check: secretAssignment},
	{kind: "", re: shellAssign, group: 2, need: []string{"="}, check: secretAssignment},
	{kind: "", re: assignment, group: 2, need: []string{"=", ":"}, check: func(text string, m []int) bool {
		return secretName(text[m[2]:m[3]]) && !placeholder(text[m[4]:m[5]])
	}},
	{kind: "password", re: pypiPassword, group: 1, need: []string{"password"}, check: func(text string, m []int) bool {
		return !placeholder(text[m[2]:m[3]])
	}},
}

// notReference vets a value that may be a variable reference ($NPM_TOKEN, ${TOKEN}).
func notReference(text string, m []int) bool {
	return !strings.HasPrefix(text[m[2]:m[3]], "$")
}

// secretAssignment vets NAME=value: a name that holds a secret and a value that is one.
func secretAssignment(text string, m []int) bool {
	v := strings.Trim(text[m[4]:m[5]], `"'`)
	return secretEnvNameHolds(text[m[2]:m[3]]) && v != "" && !placeholder(v)
}

// kindOfName names the secret a variable or setting holds, for assignments found by name.
func kindOfName(name string) string {
	l := strings.ToLower(name)
	switch {
	case strings.Contains(l, "pass") || strings.Contains(l, "pwd"):
		return "password"
	case strings.Contains(l, "token"):
		return "token"
	case strings.Contains(l, "key"):
		return "key"
	case strings.Contains(l, "credential"):
		return "credential"
	}
	return "secret"
}

// namedTriggers are what a text must hold, besides '=' or ':', for a named pattern or a key
// to match it.
var namedTriggers = []string{"--", "PRIVATE KEY", "chpasswd", "password"}

// mayHoldSecret is a cheap test that lets paths, digests and ordinary words through untouched:
// a text with no assignment, no trigger of a named pattern and nothing the analyzer's own
// one-pass token search (scanPass) finds holds no secret Find could find.
func mayHoldSecret(text string) bool {
	if len(text) < 4 {
		return false
	}
	if strings.ContainsAny(text, "=:") {
		return true
	}
	for _, t := range namedTriggers {
		if strings.Contains(text, t) {
			return true
		}
	}
	// scanPass looks only where a trigger byte stands: a text without one (most file names)
	// is settled here, without copying it and allocating a result for each.
	if !hasTrigger(text) {
		return false
	}
	r := scanPass([]byte(text), false, false, nil)
	return r.found != nil
}

// hasTrigger reports whether text holds a byte scanPass looks at.
func hasTrigger(text string) bool {
	for i := 0; i < len(text); i++ {
		if triggers[text[i]] != 0 {
			return true
		}
	}
	return false
}

// Find returns the secrets in text, in order and not overlapping. Where two patterns claim
// the same bytes the more specific (a token format over a name) wins. Masks already in the
// text are not secrets.
func Find(text string) []Span {
	if !mayHoldSecret(text) {
		return nil
	}
	// taken holds the byte ranges claimed so far, sorted and disjoint.
	var taken [][2]int
	for _, m := range maskPattern.FindAllStringIndex(text, -1) {
		taken = append(taken, [2]int{m[0], m[1]})
	}
	claim := func(a, b int) bool {
		i := sort.Search(len(taken), func(i int) bool { return taken[i][1] > a })
		if i < len(taken) && taken[i][0] < b {
			return false
		}
		taken = slices.Insert(taken, i, [2]int{a, b})
		return true
	}
	var out []Span
	lower := ""
	add := func(p namedPattern) {
		if len(p.need) > 0 {
			if lower == "" {
				lower = strings.ToLower(text)
			}
			ok := false
			for _, n := range p.need {
				if strings.Contains(lower, n) {
					ok = true
					break
				}
			}
			if !ok {
				return
			}
		}
		for _, m := range p.re.FindAllStringSubmatchIndex(text, -1) {
			a, b := m[2*p.group], m[2*p.group+1]
			if a < 0 || a == b || (p.check != nil && !p.check(text, m)) || !claim(a, b) {
				continue
			}
			kind := p.kind
			if kind == "" {
				kind = kindOfName(text[m[2]:m[3]])
			}
			out = append(out, Span{Start: a, End: b, Kind: kind})
		}
	}
	for _, p := range tokenPatterns {
		add(p)
	}
	for _, p := range namedPatterns {
		add(p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// pemBegin and pemEnd are a private key's armour lines.
var (
	pemBegin = regexp.MustCompile(`-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----`)
	pemEnd   = regexp.MustCompile(`-----END ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----`)
)

// redactPrivateKeys replaces the body of every PEM private key in text by its mask, keeping
// the BEGIN and END lines. It reads text as lines: a key file, an Env value holding one, or a
// unified diff of one, where every line starts with ' ', '+' or '-' and each side's body is
// masked on its own (hunk headers inside a key keep it going). A key squeezed onto one line
// has the run of base64 words after its BEGIN marker masked.
func redactPrivateKeys(text string) string {
	var (
		b      strings.Builder
		inKey  bool
		diff   bool
		indent string
		kind   string
		sides  [3]strings.Builder // the base64 of ' ', '-' and '+' lines
		seen   [3]bool
		nl     bool // the last body line ended in a newline
	)
	flush := func() {
		if !seen[0] && !seen[1] && !seen[2] {
			return
		}
		var lines []string
		switch {
		case !diff:
			lines = append(lines, indent+Mask(kind, sides[0].String()))
		case !seen[1] && !seen[2]:
			lines = append(lines, " "+Mask(kind, sides[0].String()))
		default:
			if seen[1] {
				lines = append(lines, "-"+Mask(kind, sides[0].String()+sides[1].String()))
			}
			if seen[2] {
				lines = append(lines, "+"+Mask(kind, sides[0].String()+sides[2].String()))
			}
		}
		b.WriteString(strings.Join(lines, "\n"))
		if nl {
			b.WriteByte('\n')
		}
		for i := range sides {
			sides[i].Reset()
			seen[i] = false
		}
	}
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		text = text[len(line):]
		body := strings.TrimSuffix(line, "\n")
		if inKey {
			side, content := 0, body
			if diff && strings.HasPrefix(body, "@@") {
				flush()
				b.WriteString(line)
				continue
			}
			if diff && len(body) > 0 && strings.ContainsAny(body[:1], " +-") {
				side, content = strings.IndexByte(" -+", body[0]), body[1:]
			}
			c := strings.TrimSpace(content)
			if !pemEnd.MatchString(c) && pemBodyLine(c, seen[0] || seen[1] || seen[2]) {
				sides[side].WriteString(c)
				seen[side] = true
				nl = strings.HasSuffix(line, "\n")
				continue
			}
			flush()
			inKey = false
		}
		loc := pemBegin.FindStringSubmatchIndex(body)
		if loc == nil {
			b.WriteString(line)
			continue
		}
		if strings.TrimSpace(body[loc[1]:]) != "" {
			b.WriteString(oneLineKeys(body))
			b.WriteString(line[len(body):])
			continue
		}
		b.WriteString(line)
		prefix := body[:loc[0]]
		inKey, kind = true, pemKind(body[loc[2]:loc[3]])
		diff = len(prefix) == 1 && strings.ContainsAny(prefix, " +-")
		indent = prefix[:len(prefix)-len(strings.TrimLeft(prefix, " \t"))]
	}
	if inKey {
		flush()
	}
	return b.String()
}

// pemKind names a key by its armour: "RSA " gives rsa-private-key.
func pemKind(words string) string {
	k := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(words), " ", "-"))
	if k != "" {
		k += "-"
	}
	return k + "private-key"
}

// oneLineKeys masks the keys of one line whose bodies follow their BEGIN markers on it.
func oneLineKeys(line string) string {
	var b strings.Builder
	for {
		loc := pemBegin.FindStringSubmatchIndex(line)
		if loc == nil {
			b.WriteString(line)
			return b.String()
		}
		b.WriteString(line[:loc[1]])
		rest := line[loc[1]:]
		n := oneLineBody(rest)
		if n > 0 && !keyBody(rest[:n]) {
			n = 0 // "-----BEGIN RSA PRIVATE KEY----- at offset 0": words, not a key
		}
		if n > 0 {
			body := rest[:n]
			lead := strings.IndexFunc(body, func(r rune) bool { return r < 0x80 && isBase64(byte(r)) })
			b.WriteString(body[:lead])
			b.WriteString(Mask(pemKind(line[loc[2]:loc[3]]), escapedBreaks.Replace(strings.Join(strings.Fields(body), ""))))
		}
		line = rest[n:]
	}
}

// keyBody reports whether the base64 words after a BEGIN marker on one line look like a key's
// body rather than prose: 40 characters at least, one word of 16 or more.
func keyBody(words string) bool {
	total, long := 0, false
	for _, w := range strings.Fields(escapedBreaks.Replace(strings.ReplaceAll(words, `\n`, " "))) {
		total += len(w)
		long = long || len(w) >= 16
	}
	return total >= 40 && long
}

// escapedBreaks drops the escaped line breaks of a key inside a JSON string.
var escapedBreaks = strings.NewReplacer(`\n`, "", `\r`, "")

// pemBodyLine reports a line a PEM body may hold: base64, a header (Proc-Type: ...) before
// the base64 started, or nothing (the blank line after headers).
func pemBodyLine(s string, started bool) bool {
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return true
	}
	if i := strings.Index(s, ": "); !started && i > 0 && !strings.ContainsAny(s[:i], " \t") {
		return true // Proc-Type: 4,ENCRYPTED, DEK-Info: ...
	}
	for i := 0; i < len(s); i++ {
		if !isBase64(s[i]) {
			return false
		}
	}
	return true
}

func isBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

// oneLineBody returns how many bytes of s are a key's body squeezed onto one line: blanks and
// base64 words, up to an END marker or anything else.
func oneLineBody(s string) int {
	i, last := 0, 0
	for i < len(s) {
		for i < len(s) {
			if s[i] == ' ' || s[i] == '\t' {
				i++
			} else if s[i] == '\\' && i+1 < len(s) && (s[i+1] == 'n' || s[i+1] == 'r') {
				i += 2 // a key inside a JSON string: its line breaks escaped
			} else {
				break
			}
		}
		j := i
		for j < len(s) && isBase64(s[j]) {
			j++
		}
		if j == i {
			break
		}
		last = j
		if j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\\' {
			break // "...AB==-----END": the word ends at the marker
		}
		i = j
	}
	return last
}

// RedactConfigChanges returns a copy of a comparison's config changes with each value
// redacted as the value of its field (env.NAME, label.KEY): the values stand alone, apart
// from the names that say they are secrets.
func RedactConfigChanges(cs []forensics.ConfigChange) []forensics.ConfigChange {
	if cs == nil {
		return nil
	}
	out := make([]forensics.ConfigChange, len(cs))
	for i, c := range cs {
		c.Original, c.Suspect = RedactAssigned(c.Field, c.Original), RedactAssigned(c.Field, c.Suspect)
		c.Why = Redact(c.Why)
		out[i] = c
	}
	return out
}
