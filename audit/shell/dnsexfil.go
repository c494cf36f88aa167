package shell

import (
	"regexp"
	"slices"
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

// dnsRunners are the calls that run a command line or code: the language's shell runners,
// subprocess's and child_process's, and eval.
var dnsRunners = map[string]bool{"system": true, "popen": true, "check_output": true, "check_call": true, "call": true, "run": true,
	"Popen": true, "getoutput": true, "getstatusoutput": true, "exec": true, "execSync": true, "spawn": true, "spawnSync": true,
	"eval": true, "qx": true, "capture2": true, "capture3": true, "popen3": true}

// dnsCommands returns the statement that runs what a DNS answer carried (a TXT record, the
// data a command channel over DNS hands its client), "" for none: what a TXT lookup returned,
// followed through assignments, reaching a command runner or eval. Resolvers look names up;
// only a command channel runs what comes back.
func dnsCommands(ts []token, lang string) (string, bool) {
	if len(ts) > maxAgentTokens {
		return "", false
	}
	txt := func(i int) bool { // a TXT query: its call names "TXT", or is Node's resolveTxt
		if ts[i].kind != tokIdent || !isCallAt(ts, i, lang) {
			return false
		}
		switch ts[i].text {
		case "resolveTxt":
			return true
		case "query", "resolve", "getresources", "getresource", "search", "send":
			end := statementEndAt(ts, i)
			return slices.ContainsFunc(ts[i:end], func(t token) bool { return t.text == "TXT" || t.kind == tokString && t.text == "TXT" })
		}
		return false
	}
	tainted := map[string]bool{}
	for round := 0; round < 4; round++ {
		changed := false
		for i := range ts {
			switch ts[i].text {
			case "=", "+=", ".=":
			default:
				continue
			}
			end := statementEndAt(ts, i+1)
			from := false
			for j := i + 1; j < end && !from; j++ {
				from = txt(j) || ts[j].kind == tokIdent && tainted[ts[j].text] && (j == 0 || ts[j-1].text != ".")
			}
			if !from {
				continue
			}
			for _, n := range lhsNames(ts, i) {
				if n != "" && !tainted[n] {
					tainted[n], changed = true, true
				}
			}
		}
		// Node: dns.resolveTxt(name, (err, records) => ...): the callback's records
		for i := range ts {
			if ts[i].text == "resolveTxt" && txt(i) {
				end := statementEndAt(ts, i)
				for j := i; j+1 < end; j++ {
					if ts[j].text == "," && ts[j+1].text == "(" {
						for k := j + 2; k < end && ts[k].text != ")"; k++ {
							if ts[k].kind == tokIdent && ts[k].text != "err" && !tainted[ts[k].text] {
								tainted[ts[k].text], changed = true, true
							}
						}
					}
				}
			}
		}
		if !changed {
			break
		}
	}
	if len(tainted) == 0 {
		return "", false
	}
	for i, t := range ts {
		if t.kind != tokIdent || !dnsRunners[t.text] || !isCallAt(ts, i, lang) {
			continue
		}
		end := statementEndAt(ts, i)
		for j := i + 1; j < end; j++ {
			if ts[j].kind == tokIdent && tainted[ts[j].text] && ts[j-1].text != "." {
				from := i
				for k := 0; k < 8 && from > 0 && ts[from-1].text != "\n" && ts[from-1].text != ";"; k++ {
					from--
				}
				return snippet(ts[from:end]), true
			}
		}
	}
	return "", false
}
