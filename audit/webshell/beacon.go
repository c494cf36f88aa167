package webshell

import (
	"sort"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// Recon beacons and site tampering: a PHP page that gathers what the server is (its kernel,
// user, PHP settings, paths) and mails it to addresses it spells; and a page that disables
// the site's security plugin or sets its own file's time back to another file's.

const (
	// RuleBeacon: a page mails what it learns about the server to literal addresses.
	RuleBeacon = "STRATA-WS-115"
	// RuleTamper: a page disables a security plugin or timestomps itself.
	RuleTamper = "STRATA-WS-116"
)

// reconCalls and reconKeys are what tells what the server is, by what they name.
var reconCalls = map[string]string{
	"php_uname": "the kernel (php_uname)", "phpinfo": "phpinfo()", "get_current_user": "the user", "getmyuid": "the user",
	"posix_getpwuid": "the user", "posix_uname": "the kernel", "phpversion": "the PHP version", "getcwd": "the path",
	"disk_total_space": "the disks", "gethostname": "the host name", "php_ini_loaded_file": "the PHP settings",
}

var reconServer = map[string]string{
	"SCRIPT_FILENAME": "the path", "DOCUMENT_ROOT": "the path", "SERVER_ADDR": "the address", "HTTP_HOST": "the site",
	"SERVER_NAME": "the site", "SERVER_SOFTWARE": "the server software",
}

// strongFacts are what no application mails about itself: the kernel, the account, phpinfo().
var strongFacts = set("the kernel (php_uname)", "phpinfo()", "the user", "the kernel")

// reconIni are ini_get() settings a beacon reports.
var reconIni = set("safe_mode", "disable_functions", "open_basedir", "allow_url_fopen")

// beacon looks for mail() of server facts to a literal address. It returns the mail call,
// the addresses and what is sent.
func (a *analysis) beacon() (at int, to string, kinds []string, ok bool) {
	calls := a.calls()
	if len(calls["mail"]) == 0 {
		return 0, "", nil, false
	}
	// what each token says of the server
	fact := func(j int) string {
		t := a.toks[j]
		switch t.Kind {
		case decode.Ident:
			if !a.at(j + 1).Is("(") {
				if t.Is("PHP_OS") || t.Is("PHP_OS_FAMILY") {
					return "the OS"
				}
				return ""
			}
			if k, ok := reconCalls[a.low[j]]; ok {
				return k
			}
			if a.low[j] == "ini_get" && a.at(j+2).Kind == decode.Str && reconIni[strings.ToLower(a.at(j+2).Text)] {
				return "PHP's " + a.at(j+2).Text
			}
		case decode.Var:
			if t.Text == "$_SERVER" && a.at(j+1).Is("[") && a.at(j+2).Kind == decode.Str {
				return reconServer[a.at(j+2).Text]
			}
		case decode.Str:
			if strings.Contains(strings.ToLower(t.Text), "safe_mode") {
				return "PHP's safe_mode"
			}
		}
		return ""
	}
	facts := map[string]map[string]bool{} // variable -> what it holds
	holds := func(lo, hi int) map[string]bool {
		out := map[string]bool{}
		for j := lo; j < hi && j < len(a.toks); j++ {
			if f := fact(j); f != "" {
				out[f] = true
			}
			t := a.toks[j]
			names := []string{}
			if t.Kind == decode.Var {
				names = append(names, t.Text)
			}
			if t.Kind == decode.Str {
				for _, v := range t.Interp {
					v = strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(v, "{"), "}"), "{")
					if k := strings.IndexAny(v, "[-"); k > 0 {
						v = v[:k]
					}
					names = append(names, v)
				}
			}
			for _, n := range names {
				for f := range facts[n] {
					out[f] = true
				}
			}
		}
		return out
	}
	for pass := 0; pass < 3; pass++ {
		for i, t := range a.toks {
			if t.Kind != decode.Var || !isAssign(a.at(i+1).Text) {
				continue
			}
			h := holds(i+2, a.stmtEnd(i+2, false))
			if len(h) == 0 {
				continue
			}
			if facts[t.Text] == nil {
				facts[t.Text] = map[string]bool{}
			}
			for f := range h {
				facts[t.Text][f] = true
			}
		}
		// ob_start(); phpinfo(); ob_get_contents(): the buffer holds phpinfo()'s page
		if len(calls["phpinfo"]) > 0 {
			for _, n := range []string{"ob_get_contents", "ob_get_clean"} {
				for _, c := range calls[n] {
					if a.at(c-1).Is("=") && a.at(c-2).Kind == decode.Var {
						if facts[a.at(c-2).Text] == nil {
							facts[a.at(c-2).Text] = map[string]bool{}
						}
						facts[a.at(c-2).Text]["phpinfo()"] = true
					}
				}
			}
		}
	}
	lits := a.layerLiterals()
	for _, c := range calls["mail"] {
		rs := a.args(c + 1)
		if len(rs) < 3 {
			continue
		}
		addr, ok := a.literalOf(rs[0][0], rs[0][1], lits)
		if !ok || !strings.Contains(addr, "@") {
			continue
		}
		h := holds(rs[1][0], rs[2][1])
		strong := false
		for f := range h {
			strong = strong || strongFacts[f] || strings.HasPrefix(f, "PHP's ")
		}
		if len(h) < 2 || !strong {
			continue
		}
		for f := range h {
			kinds = append(kinds, f)
		}
		sort.Strings(kinds)
		return c, addr, kinds, true
	}
	return 0, "", nil, false
}

// beaconFinding reports a recon beacon.
func beaconFinding(pg page, p string, an *analysis, at int, to string, kinds []string) audit.Finding {
	f := audit.Finding{Rule: RuleBeacon, Category: audit.CategoryWebshell, Severity: audit.Medium, Path: p,
		Title:       pg.label() + " web shell beacon: the page mails what the server is (" + strings.Join(kinds, ", ") + ") to " + oneLine(to, 120),
		Evidence:    "code: " + an.snippet(at),
		Remediation: remediation}
	if uploadDir(p) || len(kinds) >= 3 {
		f.Severity = audit.High
		f.AddLabels(audit.CategoryMalware)
		if uploadDir(p) {
			f.Title += " (from an upload directory)"
		}
	}
	return f
}

// securityPlugins are WordPress security plugins' directory names, lower case.
var securityPlugins = []string{"wordfence", "sucuri-scanner", "better-wp-security", "ithemes-security", "all-in-one-wp-security",
	"wp-cerber", "malcare-security", "defender-security", "anti-malware", "gotmls", "bulletproof-security", "ninjafirewall"}

// tamper looks for a page that disables a security plugin (renames or deletes its directory)
// or sets its own file's time to another file's. It returns the calls and what they do.
func (a *analysis) tamper(own string, paths map[string]bool) (at int, what []string, stomp bool) {
	if !a.callsAny("rename", "unlink", "rmdir", "chmod", "touch") {
		return -1, nil, false
	}
	calls := a.calls()
	at = -1
	for _, n := range []string{"rename", "unlink", "rmdir", "chmod"} {
		for _, c := range calls[n] {
			rs := a.args(c + 1)
			if len(rs) == 0 {
				continue
			}
			for j := rs[0][0]; j < rs[0][1]; j++ {
				if t := a.toks[j]; t.Kind == decode.Str {
					low := strings.ToLower(t.Text)
					for _, sp := range securityPlugins {
						// the plugin's directory, or (unlink) its main file; not a plugin's own
						// housekeeping of its files
						dir := strings.Contains(low, "plugins/"+sp) && (n != "unlink" || strings.HasSuffix(low, sp+".php"))
						if dir && !strings.Contains(strings.ToLower(own), "/plugins/"+sp+"/") {
							what = append(what, "disables the security plugin "+sp+" ("+n+" of its files)")
							if at < 0 {
								at = c
							}
							j = rs[0][1]
							break
						}
					}
				}
			}
		}
	}
	for _, c := range calls["touch"] {
		rs := a.args(c + 1)
		if len(rs) < 2 || !a.selfPath(rs[0][0], rs[0][1], paths) {
			continue
		}
		// the time: another file's (filemtime), directly or through a variable or an array
		other := false
		for j := rs[1][0]; j < rs[1][1]; j++ {
			t := a.toks[j]
			if t.Kind == decode.Ident && (a.low[j] == "filemtime" || a.low[j] == "filectime" || a.low[j] == "stat") {
				other = true
			}
			if t.Kind == decode.Var {
				for _, fm := range append(calls["filemtime"], calls["filectime"]...) {
					if s := a.statementOf(fm); s >= 0 && a.toks[s].Text == t.Text {
						other = true
					}
				}
			}
		}
		if other && !stomp {
			what = append(what, "sets its own file's time to another file's (touch with filemtime)")
			stomp = true
			if at < 0 {
				at = c
			}
		}
	}
	return at, what, stomp
}

// statementOf returns the variable the statement holding token i assigns to or appends to
// ($t[] = f(...), $t = f(...)), -1 when it assigns none.
func (a *analysis) statementOf(i int) int {
	j := i
	for j > 0 && !a.at(j-1).Is(";") && !a.at(j-1).Is("{") && !a.at(j-1).Is("}") && i-j < 32 {
		j--
	}
	if a.at(j).Kind == decode.Var {
		return j
	}
	return -1
}

// tamperFinding reports a page that disables a security plugin or timestomps itself.
func tamperFinding(pg page, p string, an *analysis, at int, what []string, stomp bool) audit.Finding {
	f := audit.Finding{Rule: RuleTamper, Category: audit.CategoryWebshell, Severity: audit.High, Path: p,
		Title:       pg.label() + " web shell: the page " + strings.Join(what, "; and "),
		Evidence:    "code: " + an.snippet(at),
		Remediation: remediation}
	f.AddLabels(audit.CategoryMalware)
	if stomp {
		f.AddLabels(audit.CategoryTimestomp)
	}
	return f
}
