package shell

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// Rules of privilege backdoors: sudo and PAM configured to let someone in or up without a
// password.
const (
	RuleSudoers    = "STRATA-PE-001" // sudoers grants root without a password
	RulePAMPermit  = "STRATA-PE-002" // a PAM auth stack succeeds whatever the password
	RulePAMModule  = "STRATA-PE-003" // a PAM module loaded from outside the system's module directories
	pamServiceDir  = "/etc/pam.d/"
	sudoersMain    = "/etc/sudoers"
	sudoersDropDir = "/etc/sudoers.d/"
)

// privilegeFile reports the files the privilege review reads.
func privilegeFile(p string) bool {
	return p == sudoersMain || strings.HasPrefix(p, sudoersDropDir) || strings.HasPrefix(p, pamServiceDir) || p == "/etc/pam.conf"
}

// logicalConfLines splits a configuration file into lines, joining backslash continuations,
// with the number of each line's first physical line.
func logicalConfLines(data []byte) []logicalLine {
	return logicalLines(data)
}

// ---- sudoers ----

// sudoGrant is one command a sudoers rule grants.
type sudoGrant struct {
	users    []string
	cmd      string
	runas    string
	nopasswd bool
	line     int
	text     string
}

// sudoers parses a sudoers file into the grants that need no password or that run as any
// user: aliases are resolved, tags carried from one command to the next as sudo does.
func sudoers(data []byte, aliases map[string][]string, noAuth map[string]bool) []sudoGrant {
	var out []sudoGrant
	for _, ll := range logicalConfLines(data) {
		line := sudoersComment(string(ll.text))
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		switch f[0] {
		case "User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias":
			for _, def := range strings.Split(strings.TrimSpace(strings.TrimPrefix(line, f[0])), ":") {
				name, list, ok := strings.Cut(def, "=")
				if !ok {
					continue
				}
				aliases[strings.TrimSpace(name)] = splitList(list)
			}
			continue
		}
		if strings.HasPrefix(f[0], "Defaults") {
			// Defaults !authenticate (or Defaults:user !authenticate) lets sudo skip the
			// password for every rule (or the user's).
			scope := "ALL"
			if i := strings.IndexAny(f[0], ":"); i >= 0 {
				scope = f[0][i+1:]
			} else if f[0] != "Defaults" {
				continue // host, runas and command scoped defaults
			}
			for _, o := range splitList(strings.TrimSpace(strings.TrimPrefix(line, f[0]))) {
				if o == "!authenticate" {
					for _, u := range expand(scope, aliases) {
						noAuth[u] = true
					}
				}
			}
			continue
		}
		if strings.HasPrefix(f[0], "@include") || strings.HasPrefix(f[0], "#include") {
			continue
		}
		lhs, rhs, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		lf := strings.Fields(lhs)
		if len(lf) < 2 {
			continue
		}
		users := splitList(strings.Join(lf[:len(lf)-1], " "))
		// Further "Host = commands" groups after " : ".
		for gi, group := range sudoGroups(rhs) {
			if gi > 0 {
				if _, cmds, ok := strings.Cut(group, "="); ok {
					group = cmds
				} else {
					continue
				}
			}
			runas, nopasswd := "", false
			for _, spec := range splitTop(group, ',') {
				spec = strings.TrimSpace(spec)
				if strings.HasPrefix(spec, "(") {
					if end := strings.IndexByte(spec, ')'); end > 0 {
						runas, spec = spec[1:end], strings.TrimSpace(spec[end+1:])
					}
				}
				// Tags: NOPASSWD: PASSWD: SETENV: NOEXEC: ... and options such as
				// ROLE=, TYPE=, TIMEOUT=.
				for {
					tag, rest, ok := strings.Cut(spec, ":")
					tag = strings.TrimSpace(tag)
					if !ok || tag == "" || strings.ToUpper(tag) != tag || strings.ContainsAny(tag, " /\t") {
						break
					}
					switch tag {
					case "NOPASSWD":
						nopasswd = true
					case "PASSWD":
						nopasswd = false
					}
					spec = strings.TrimSpace(rest)
				}
				if spec == "" {
					continue
				}
				out = append(out, sudoGrant{users: users, cmd: spec, runas: runas, nopasswd: nopasswd, line: ll.line,
					text: oneLine(string(ll.text), 200)})
			}
		}
	}
	return out
}

// sudoTags are the tags a command spec may carry before a colon.
var sudoTags = map[string]bool{"NOPASSWD": true, "PASSWD": true, "SETENV": true, "NOSETENV": true, "EXEC": true, "NOEXEC": true,
	"LOG_INPUT": true, "NOLOG_INPUT": true, "LOG_OUTPUT": true, "NOLOG_OUTPUT": true, "MAIL": true, "NOMAIL": true,
	"FOLLOW": true, "NOFOLLOW": true, "INTERCEPT": true, "NOINTERCEPT": true}

// sudoGroups splits the right side of a user spec into its "Host = commands" groups: at a
// colon outside parentheses that ends no tag and is followed by another host list's "=".
func sudoGroups(rhs string) []string {
	return splitTopWhere(rhs, ':', func(start, i int) bool {
		j := i
		for j > start && rhs[j-1] >= 'A' && rhs[j-1] <= 'Z' || j > start && rhs[j-1] == '_' {
			j--
		}
		return !sudoTags[rhs[j:i]] && strings.Contains(rhs[i+1:], "=")
	})
}

// sudoersComment strips a comment: # starts one unless it is a uid (#1000) or an include.
func sudoersComment(line string) string {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "#include") {
		return t
	}
	for i := 0; i < len(t); i++ {
		if t[i] == '#' && (i+1 == len(t) || t[i+1] < '0' || t[i+1] > '9') {
			return strings.TrimSpace(t[:i])
		}
	}
	return t
}

// splitList splits a comma-separated list, trimmed.
func splitList(s string) []string {
	var out []string
	for _, x := range splitTop(s, ',') {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// splitTop splits s at sep outside parentheses and after no backslash.
func splitTop(s string, sep byte) []string { return splitTopWhere(s, sep, nil) }

// splitTopWhere is splitTop at the separators split (given the part's start and the
// separator's index) agrees to; nil agrees to every one.
func splitTopWhere(s string, sep byte, split func(start, i int) bool) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == sep && depth <= 0 && (split == nil || split(start, i)):
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// expand resolves an alias (recursively, to a bound) into its members.
func expand(name string, aliases map[string][]string) []string {
	var out []string
	var walk func(n string, depth int)
	walk = func(n string, depth int) {
		neg := strings.HasPrefix(n, "!")
		if neg {
			return // a negated member takes away, it never grants
		}
		if m, ok := aliases[n]; ok && depth < 8 {
			for _, x := range m {
				walk(x, depth+1)
			}
			return
		}
		out = append(out, n)
	}
	walk(strings.TrimSpace(name), 0)
	return out
}

// rootShell says what a granted command gives: "" when it is a fixed, harmless program.
func rootShell(cmd string) string {
	prog := strings.Fields(cmd)
	if len(prog) == 0 {
		return ""
	}
	if prog[0] == "ALL" {
		return "any command"
	}
	b := path.Base(prog[0])
	if shells[b] {
		return "a shell (" + prog[0] + ")"
	}
	if l := langOf(b); l != "" && l != "awk" || b == "env" || b == "su" || b == "sudo" || b == "sudoedit" && len(prog) > 1 && prog[1] == "/etc/sudoers" {
		return "an interpreter or command runner (" + prog[0] + ")"
	}
	return ""
}

// runsAsRoot reports a Runas list that includes root: empty (root), ALL, root, #0.
func runsAsRoot(runas string, aliases map[string][]string) bool {
	users, _, _ := strings.Cut(runas, ":")
	if strings.TrimSpace(users) == "" {
		// (:group) runs as the invoking user with another group: only when users are empty
		// and a group is given; () is root.
		return !strings.Contains(runas, ":") || strings.TrimSpace(runas) == ":"
	}
	for _, u := range splitList(users) {
		for _, x := range expand(u, aliases) {
			if x == "ALL" || x == "root" || x == "#0" {
				return true
			}
		}
	}
	return false
}

// serviceAccounts are accounts services run as: a root grant to one is what a foothold in
// the service becomes root with.
var serviceAccounts = map[string]bool{"www-data": true, "nobody": true, "daemon": true, "apache": true, "nginx": true,
	"http": true, "httpd": true, "mysql": true, "postgres": true, "redis": true, "tomcat": true, "jenkins": true,
	"nfsnobody": true, "sshd": true, "_apt": true, "mail": true, "news": true, "uucp": true, "proxy": true, "backup": true,
	"list": true, "irc": true, "gnats": true, "games": true, "man": true, "lp": true, "sys": true, "bin": true}

// sudoersFindings reviews the sudoers files of every layer.
func sudoersFindings(s *audit.Subject) []audit.Finding {
	var out []audit.Finding
	// Aliases and defaults of the main file apply to the files it includes.
	aliases, noAuth := map[string][]string{}, map[string]bool{}
	if data, _ := s.FinalFile(sudoersMain); data != nil {
		sudoers(data, aliases, noAuth)
	}
	eachKept(s, sudoersRead, func(layer int, p string, data []byte) {
		al := map[string][]string{}
		for k, v := range aliases {
			al[k] = v
		}
		na := map[string]bool{}
		for k, v := range noAuth {
			na[k] = v
		}
		for _, r := range rootGrants(data, al, na) {
			f := audit.Finding{Rule: RuleSudoers, Category: audit.CategoryPersistence, Severity: r.severity, Layer: layer, Path: p,
				Title:       fmt.Sprintf("sudoers lets %s run %s as root without a password", r.whom, r.gives),
				Evidence:    fmt.Sprintf("line %d: %s", r.line, r.text),
				Remediation: "Remove the rule; grant root at run time only where it is needed, with a password or a narrow command."}
			f.AddLabels(audit.CategoryRootUser)
			f.AddTechniques("T1548.003")
			out = append(out, f)
		}
	})
	return out
}

// rootGrant is a sudoers rule that lets someone other than root run any command, a shell or
// an interpreter as root without a password.
type rootGrant struct {
	sudoGrant
	whom     string // "user jeff", "group wheel", "every user"
	gives    string // "any command", "a shell (/bin/sh)"
	severity audit.Severity
}

// rootGrants returns the passwordless root grants of a sudoers file, with the aliases and
// Defaults it is read with (which it extends).
func rootGrants(data []byte, al map[string][]string, na map[string]bool) []rootGrant {
	var out []rootGrant
	for _, g := range sudoers(data, al, na) {
		gives := rootShell(strings.Join(expand(g.cmd, al), " "))
		if gives == "" {
			for _, c := range expand(g.cmd, al) {
				if gives = rootShell(c); gives != "" {
					break
				}
			}
		}
		if gives == "" || !runsAsRoot(g.runas, al) {
			continue
		}
		for _, u := range g.users {
			for _, who := range expand(u, al) {
				name := strings.TrimPrefix(strings.TrimPrefix(who, "%:"), "%")
				if name == "root" || name == "#0" || name == "" {
					continue
				}
				if !g.nopasswd && !na[who] && !na["ALL"] {
					continue
				}
				sev, whom := audit.High, "user "+who
				switch {
				case who == "ALL":
					sev, whom = audit.Critical, "every user"
				case strings.HasPrefix(who, "%"):
					whom = "group " + name
				}
				if serviceAccounts[name] {
					sev = audit.Critical
					whom += " (a service account)"
				}
				out = append(out, rootGrant{sudoGrant: g, whom: whom, gives: gives, severity: sev})
			}
		}
	}
	return out
}

// sudoersRead reports whether sudo reads p as a sudoers file: /etc/sudoers and the names in
// /etc/sudoers.d that hold no dot and do not end in ~ (sudo skips those).
func sudoersRead(p string) bool {
	if p == sudoersMain {
		return true
	}
	name := strings.TrimPrefix(p, sudoersDropDir)
	return strings.HasPrefix(p, sudoersDropDir) && name != "" && !strings.ContainsAny(name, "./") && !strings.HasSuffix(name, "~")
}

// eachKept calls fn for every kept file of every layer whose path want accepts.
func eachKept(s *audit.Subject, want func(string) bool, fn func(layer int, p string, data []byte)) {
	for layer, lt := range s.Layers {
		if lt == nil {
			continue
		}
		for i := range lt.Entries {
			e := &lt.Entries[i]
			if e.Type != forensics.TypeFile || !want(e.Path) {
				continue
			}
			if data := s.LayerFile(layer, e.Path); data != nil {
				fn(layer, e.Path, data)
			}
		}
	}
}

// ---- PAM ----

// pamLine is one module line of a PAM stack.
type pamLine struct {
	typ     string
	control string
	module  string
	args    []string
	file    string
	line    int
	layer   int
	text    string
}

// parsePAM reads a PAM service file (or /etc/pam.conf lines of one service when conf).
func parsePAM(data []byte, file string, layer int) []pamLine {
	var out []pamLine
	for _, ll := range logicalConfLines(data) {
		t := string(ll.text)
		if i := strings.IndexByte(t, '#'); i >= 0 {
			t = t[:i]
		}
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "@include") {
			f := strings.Fields(t)
			if len(f) >= 2 {
				out = append(out, pamLine{typ: "@include", module: f[1], file: file, line: ll.line, layer: layer, text: t})
			}
			continue
		}
		typ, rest := cutField(t)
		control := ""
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				continue
			}
			control, rest = rest[:end+1], rest[end+1:]
		} else {
			control, rest = cutField(rest)
		}
		mod, rest := cutField(strings.TrimSpace(rest))
		if mod == "" {
			continue
		}
		out = append(out, pamLine{typ: strings.TrimPrefix(strings.ToLower(typ), "-"), control: control, module: mod,
			args: strings.Fields(rest), file: file, line: ll.line, layer: layer, text: oneLine(t, 200)})
	}
	return out
}

func cutField(s string) (string, string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// pamStack is the auth stack of a service with includes flattened; a substack is run on its
// own, as libpam runs it, and stands in the stack as one module that succeeded (at the line
// that decided it) or failed.
func pamStack(lines []pamLine, load func(name string) []pamLine, depth int) []pamLine {
	var out []pamLine
	for _, l := range lines {
		switch {
		case l.typ == "@include" || l.typ == "auth" && l.control == "include":
			if depth < 6 {
				out = append(out, pamStack(load(l.module), load, depth+1)...)
			}
		case l.typ != "auth":
		case l.control == "substack":
			if depth >= 6 {
				continue
			}
			sub := l
			sub.module, sub.args = "substack-failed", nil
			if d := pamOpensWithoutPassword(pamStack(load(l.module), load, depth+1)); d != nil {
				sub = *d
				sub.control = "required"
			} else {
				sub.control = "required"
			}
			out = append(out, sub)
		default:
			out = append(out, l)
		}
	}
	return out
}

// pamNeutral are modules that check no credential: they set up the session's environment,
// limits or keyring, or log, and leave the outcome to the others.
var pamNeutral = map[string]bool{"pam_env": true, "pam_faildelay": true, "pam_group": true, "pam_cap": true, "pam_keyinit": true,
	"pam_limits": true, "pam_mail": true, "pam_motd": true, "pam_umask": true, "pam_lastlog": true, "pam_loginuid": true,
	"pam_selinux": true, "pam_systemd": true, "pam_gnome_keyring": true, "pam_kwallet": true, "pam_kwallet5": true,
	"pam_mkhomedir": true, "pam_echo": true, "pam_warn": true, "pam_debug": true, "pam_xauth": true, "pam_namespace": true,
	"pam_nologin": true, "pam_securetty": true, "pam_shells": true, "pam_tally2": true, "pam_faillock": true, "pam_timestamp": true}

// pamAction returns what a control does with a module's result ("success", "auth_err" or
// "ignore"): ok, done, bad, die, ignore, reset, or a jump count.
func pamAction(control, result string) string {
	switch control {
	case "required":
		control = "[success=ok new_authtok_reqd=ok ignore=ignore default=bad]"
	case "requisite":
		control = "[success=ok new_authtok_reqd=ok ignore=ignore default=die]"
	case "sufficient":
		control = "[success=done new_authtok_reqd=done default=ignore]"
	case "optional":
		control = "[success=ok new_authtok_reqd=ok default=ignore]"
	}
	if !strings.HasPrefix(control, "[") {
		return "bad"
	}
	acts := map[string]string{}
	for _, kv := range strings.Fields(strings.Trim(control, "[]")) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			acts[strings.ToLower(k)] = strings.ToLower(v)
		}
	}
	if a, ok := acts[result]; ok {
		return a
	}
	if a, ok := acts["default"]; ok {
		return a
	}
	return "bad"
}

// pamOpensWithoutPassword runs an auth stack as libpam does for a user who is not root and
// gives a wrong password: pam_permit succeeds, modules that check nothing are ignored, every
// other module fails. It returns the line whose success decided that the stack succeeds,
// or nil when it fails as it should.
func pamOpensWithoutPassword(stack []pamLine) *pamLine {
	const (
		undecided = iota
		good
		bad
	)
	impression := undecided
	var decided *pamLine
	for i := 0; i < len(stack); i++ {
		l := &stack[i]
		mod := strings.TrimSuffix(path.Base(l.module), ".so")
		result := "auth_err"
		switch {
		case mod == "pam_permit":
			result = "success"
		case pamNeutral[mod]:
			result = "ignore"
		}
		act := pamAction(l.control, result)
		if n, err := strconv.Atoi(act); err == nil && n > 0 {
			if impression == undecided && result == "success" {
				impression, decided = good, l
			}
			i += n
			continue
		}
		switch act {
		case "ok":
			if impression != bad && result != "ignore" {
				if impression == undecided && result == "success" {
					decided = l
				}
				if result == "success" {
					impression = good
				} else {
					impression = bad
				}
			}
		case "done":
			if impression != bad && result == "success" {
				if impression == undecided {
					decided = l
				}
				return decided
			}
			if result != "success" && result != "ignore" {
				return nil
			}
		case "bad":
			if result != "ignore" {
				impression = bad
			}
		case "die":
			if result != "ignore" {
				return nil
			}
		case "reset":
			impression, decided = undecided, nil
		}
	}
	if impression == good {
		return decided
	}
	return nil
}

// passwordlessByDesign reports the PAM services display managers use for their own greeter,
// their automatic login and first-boot setup: stacks that let the user in without a
// password on purpose, used by no program that asks anyone for one.
func passwordlessByDesign(p string) bool {
	name := path.Base(p)
	for _, w := range []string{"greeter", "autologin", "launch-environment", "initial-setup"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// systemModuleDir reports the directories PAM loads its modules from.
func systemModuleDir(p string) bool {
	d := path.Dir(path.Clean(p))
	switch d {
	case "/lib/security", "/lib64/security", "/usr/lib/security", "/usr/lib64/security", "/lib32/security", "/usr/lib32/security":
		return true
	}
	return path.Base(d) == "security" && (strings.HasPrefix(d, "/lib/") || strings.HasPrefix(d, "/usr/lib/")) && strings.Count(d, "/") == 3+btoi(strings.HasPrefix(d, "/usr/"))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pamFindings reviews the PAM configuration of every layer.
func (a *Analyzer) pamFindings(s *audit.Subject, findings []audit.Finding) []audit.Finding {
	var out []audit.Finding
	seen := map[string]bool{}
	var flagged map[string]audit.Finding
	var own *owners
	eachKept(s, func(p string) bool { return strings.HasPrefix(p, pamServiceDir) || p == "/etc/pam.conf" }, func(layer int, p string, data []byte) {
		var services [][]pamLine
		if p == "/etc/pam.conf" {
			// service type control module: each service's lines, the service column cut.
			by := map[string][]string{}
			var order []string
			n := len(strings.Split(string(data), "\n"))
			for i, line := range strings.Split(string(data), "\n") {
				svc, rest := cutField(line)
				if strings.HasPrefix(strings.TrimSpace(svc), "#") || svc == "" {
					continue
				}
				if by[svc] == nil {
					by[svc] = make([]string, n)
					order = append(order, svc)
				}
				by[svc][i] = rest
			}
			for _, svc := range order {
				services = append(services, parsePAM([]byte(strings.Join(by[svc], "\n")), p, layer))
			}
		} else {
			services = [][]pamLine{parsePAM(data, p, layer)}
		}
		for _, lines := range services {
			out = append(out, a.pamService(s, layer, p, lines, seen, &flagged, &own, findings)...)
		}
	})
	return out
}

// pamService reviews one PAM service's lines.
func (a *Analyzer) pamService(s *audit.Subject, layer int, p string, lines []pamLine, seen map[string]bool,
	flaggedp *map[string]audit.Finding, ownp **owners, findings []audit.Finding) []audit.Finding {
	var out []audit.Finding
	// A pam_exec of a staged script is the staged-run review's; a module loaded from a
	// path outside the module directories is this one's.
	for _, l := range lines {
		if l.typ == "@include" || !strings.HasPrefix(l.module, "/") || systemModuleDir(l.module) {
			continue
		}
		key := fmt.Sprintf("mod\x00%d\x00%s\x00%d", layer, p, l.line)
		if seen[key] {
			continue
		}
		seen[key] = true
		if *flaggedp == nil {
			*flaggedp = flaggedPaths(findings)
			*ownp = a.owners(s)
		}
		flagged, own := *flaggedp, *ownp
		f := audit.Finding{Rule: RulePAMModule, Category: audit.CategoryPersistence, Severity: audit.High, Layer: layer, Path: p,
			Title:       fmt.Sprintf("PAM loads the module %s from outside the system's module directories", l.module),
			Remediation: "Remove the line and the module; PAM modules belong in the system's security directories, installed by packages."}
		ev := []string{fmt.Sprintf("line %d: %s", l.line, l.text)}
		if why := stagingPath(l.module); why != "" {
			f.Severity = audit.Critical
			ev = append(ev, "kept in "+why)
		}
		if n := s.Tree.Node(l.module); n != nil && !n.Hidden && n.Entry != nil {
			if g, ok := flagged[n.Path()]; ok {
				f.Severity = audit.Critical
				ev = append(ev, fmt.Sprintf("the module is in the image (layer %d) and flagged: %s %s", n.Layer(), g.Rule, g.Title))
			} else if in, known := own.owned(n.Path()); known && !in {
				f.Severity = audit.Critical
				ev = append(ev, fmt.Sprintf("the module is in the image (layer %d) and no package owns it", n.Layer()))
			}
		}
		f.Evidence = oneLine(strings.Join(ev, "; "), 400)
		f.AddTechniques("T1556.003")
		out = append(out, f)
	}
	if f, ok := a.pamStackHead(s, layer, p, lines, seen, flaggedp, ownp, findings); ok {
		out = append(out, f)
	}
	load := func(name string) []pamLine {
		q := name
		if !strings.HasPrefix(q, "/") {
			q = pamServiceDir + name
		}
		if d := s.LayerFile(layer, q); d != nil {
			return parsePAM(d, q, layer)
		}
		if d, l := s.FinalFile(q); d != nil {
			return parsePAM(d, q, l)
		}
		return nil
	}
	if passwordlessByDesign(p) {
		return out
	}
	stack := pamStack(lines, load, 0)
	l := pamOpensWithoutPassword(stack)
	if l == nil {
		return out
	}
	key := fmt.Sprintf("permit\x00%d\x00%s\x00%d", l.layer, l.file, l.line)
	if seen[key] {
		return out
	}
	seen[key] = true
	f := audit.Finding{Rule: RulePAMPermit, Category: audit.CategoryPersistence, Severity: audit.Critical, Layer: l.layer, Path: l.file,
		Title: fmt.Sprintf("PAM lets anyone authenticate without a valid password: %s in the auth stack of %s succeeds whatever the credentials",
			path.Base(l.module), path.Base(p)),
		Evidence:    fmt.Sprintf("line %d: %s", l.line, l.text),
		Remediation: "Restore the distribution's PAM configuration; treat every account as compromised."}
	f.AddLabels(audit.CategoryRootUser)
	f.AddTechniques("T1556.003")
	out = append(out, f)
	return out
}

// pamStackHead reports a service whose first auth line makes a module no known package ships
// sufficient (or done on success): whatever it accepts opens the service before pam_unix is
// asked. A module named by an absolute path outside the module directories is PE-003's.
func (a *Analyzer) pamStackHead(s *audit.Subject, layer int, p string, lines []pamLine, seen map[string]bool,
	flaggedp *map[string]audit.Finding, ownp **owners, findings []audit.Finding) (audit.Finding, bool) {
	var first *pamLine
	for i := range lines {
		if lines[i].typ == "auth" {
			first = &lines[i]
			break
		}
	}
	if first == nil || strings.HasPrefix(first.module, "/") && !systemModuleDir(first.module) {
		return audit.Finding{}, false
	}
	if first.control != "sufficient" && !(strings.HasPrefix(first.control, "[") && pamAction(first.control, "success") == "done") {
		return audit.Finding{}, false
	}
	why := pamModuleProblem(first.module)
	// A module under a name some package ships is still a stranger when the image's package
	// database knows its files and none holds it, or when it is flagged itself.
	named := why == ""
	key := fmt.Sprintf("head\x00%d\x00%s\x00%d", layer, p, first.line)
	if seen[key] {
		return audit.Finding{}, false
	}
	seen[key] = true
	f := audit.Finding{Rule: RulePAMStackHead, Category: audit.CategoryPersistence, Severity: audit.High, Layer: layer, Path: p,
		Remediation: "Remove the line and the module unless a package you installed on purpose ships it; restore the distribution's PAM configuration."}
	ev := []string{fmt.Sprintf("line %d: %s", first.line, first.text)}
	for _, d := range []string{"/lib/x86_64-linux-gnu/security", "/usr/lib/x86_64-linux-gnu/security", "/lib/aarch64-linux-gnu/security",
		"/usr/lib/aarch64-linux-gnu/security", "/lib/security", "/lib64/security", "/usr/lib/security", "/usr/lib64/security"} {
		q := first.module
		if !strings.HasPrefix(q, "/") {
			q = d + "/" + q
		}
		n := s.Tree.Node(q)
		if n == nil || n.Hidden || n.Entry == nil {
			continue
		}
		if *flaggedp == nil {
			*flaggedp = flaggedPaths(findings)
			*ownp = a.owners(s)
		}
		flagged, own := *flaggedp, *ownp
		if in, known := own.owned(n.Path()); known && in {
			return audit.Finding{}, false // a package's module, under a name this list lacks
		} else if known {
			f.Severity = audit.Critical
			ev = append(ev, fmt.Sprintf("the module %s is in the image (layer %d) and no package owns it", n.Path(), n.Layer()))
			if named {
				named = false
				f.Severity = audit.High
				why = "a module named like a package's (" + path.Base(first.module) + ") that no package of the image ships"
			}
		}
		if g, ok := flagged[n.Path()]; ok {
			f.Severity = audit.Critical
			ev = append(ev, fmt.Sprintf("the module is flagged: %s %s", g.Rule, g.Title))
			if named {
				named = false
				why = "the module " + path.Base(first.module) + " is flagged itself (" + g.Rule + ")"
			}
		}
		break
	}
	if named {
		return audit.Finding{}, false
	}
	f.Title = fmt.Sprintf("PAM trusts %s first in the auth stack of %s: %s", path.Base(first.module), path.Base(p), why)
	f.Evidence = oneLine(strings.Join(ev, "; "), 400)
	f.AddTechniques("T1556.003")
	return f, true
}
