package shell

import (
	"regexp"
	"strings"
)

// RuleDNSExfil is data carried out in the names a program looks up: encoded, cut into
// labels, resolved one after another through whatever DNS server the machine uses, to an
// authoritative server the sender controls (T1048.003, T1071.004).
const RuleDNSExfil = "STRATA-MW-003"

var (
	// an encoding that makes arbitrary bytes fit a DNS label
	dnsEncoders = regexp.MustCompile(`\b(?:b32encode|b64encode|urlsafe_b64encode|b16encode|hexlify|encode_base32|encode_base64|strict_encode64|unpack1?\(\s*['"]H\*|toString\(\s*['"](?:hex|base64|base64url)['"]|\.hex\(\))`)
	dnsAssign   = regexp.MustCompile(`^\s*(?:(?:my|local|let|const|var)\s+)?[$@]?(\w+)\s*(?:=|\.=|\+=)\s*(.*)$`)
	dnsLoop     = regexp.MustCompile(`^\s*(?:for|foreach)\s*(?:my\s+)?\(?\s*(?:let\s+|const\s+|var\s+)?[$]?(\w+)(?:\s*,\s*[$]?(\w+))?\s*(?:in|of|\))\s*(.*)$`)
	// Perl's foreach my $c (LIST) and Ruby's LIST.each_with_index do |c, i|
	perlLoop = regexp.MustCompile(`^\s*for(?:each)?\s+(?:my\s+)?\$(\w+)\s*\((.*)$`)
	rubyLoop = regexp.MustCompile(`^(.*)\.(?:each\w*|map\w*|times)\s*(?:do|\{)\s*\|\s*(\w+)(?:\s*,\s*(\w+))?\s*\|`)
	// a name looked up: the resolver calls of Python, Perl, Ruby and Node.js
	dnsResolve = regexp.MustCompile(`\b(?:gethostbyname(?:_ex)?|getaddrinfo|inet_aton|resolver\.(?:resolve|query)|dns\.resolver\.(?:resolve|query)|dns\.(?:lookup|resolve4?|resolveTxt)|Resolv\.getaddress|Resolv::getaddress)\s*\(?(.*)$`)
	// a dnspython Resolver's own methods, in a file that makes one
	resolverMethod = regexp.MustCompile(`\.(?:resolve|query)\s*\((.*)$`)
)

// dnsExfil returns the line that looks up a name built from encoded data (through the
// variables, chunks and loop variables it passes), "" for none. Programs resolve names
// they are given or configured with; only an exfiltration channel encodes data into them.
func dnsExfil(text []byte) (string, int) {
	lines := strings.Split(string(text), "\n")
	tainted := map[string]bool{}
	mentions := func(s string) bool {
		if encoderWord(s) && dnsEncoders.MatchString(s) {
			return true
		}
		for v := range tainted {
			if containsWord(s, v) {
				return true
			}
		}
		return false
	}
	// two passes: a function's chunks may be made below the loop that sends them
	for pass := 0; pass < 2; pass++ {
		for _, l := range lines {
			if !mentions(l) {
				continue // the regular expressions below only for lines that name the data
			}
			if m := dnsLoop.FindStringSubmatch(l); m != nil && mentions(m[3]) {
				tainted[m[1]] = true
				if m[2] != "" {
					tainted[m[2]] = true
				}
				continue
			}
			if m := perlLoop.FindStringSubmatch(l); m != nil && mentions(m[2]) {
				tainted[m[1]] = true
				continue
			}
			if m := rubyLoop.FindStringSubmatch(l); m != nil && mentions(m[1]) {
				tainted[m[2]] = true
				if m[3] != "" {
					tainted[m[3]] = true
				}
				continue
			}
			if m := dnsAssign.FindStringSubmatch(l); m != nil && mentions(m[2]) {
				tainted[m[1]] = true
			}
		}
	}
	if len(tainted) == 0 {
		return "", 0
	}
	dnspython := strings.Contains(string(text), "dns.resolver") || strings.Contains(string(text), "Resolver(")
	for n, l := range lines {
		if !mentions(l) {
			continue
		}
		m := dnsResolve.FindStringSubmatch(l)
		if m == nil && dnspython {
			m = resolverMethod.FindStringSubmatch(l)
		}
		if m != nil && mentions(firstArg(m[1])) {
			return strings.TrimSpace(l), n + 1
		}
	}
	return "", 0
}

// encoderWord is the literal test in front of dnsEncoders.
func encoderWord(s string) bool {
	for _, w := range []string{"encode", "hexlify", "toString(", "hex()", "unpack"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// firstArg returns a call's first argument from the text after its name: up to the first
// comma or closing bracket outside quotes and brackets (the name looked up, not a callback).
func firstArg(s string) string {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			if depth == 0 {
				return s[:i]
			}
			depth--
		case c == ',' && depth == 0:
			return s[:i]
		}
	}
	return s
}

// containsWord reports w in s as a whole identifier.
func containsWord(s, w string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(w)
		if (i == 0 || !isIdentPart(s[i-1])) && (end == len(s) || !isIdentPart(s[end])) {
			return true
		}
		off = end
	}
}
