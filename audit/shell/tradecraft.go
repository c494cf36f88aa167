package shell

import (
	"bytes"
	"path"
	"regexp"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/strata-forensics/strata/audit"
)

// What an intruder's script does once it is in, besides connecting back: it edits the PAM
// stack to let itself in, swaps the system's authentication library or a daemon's binary
// for its own, hides its program under a system name, wipes the logs and the shell history
// that would tell on it, and takes an account over. Each is read from what a command does
// to which file, whatever the command is spelled with.
const (
	RulePAMEdit      = "STRATA-PA-002" // a script inserting an auth line into a PAM stack
	RuleAuthReplace  = "STRATA-PA-003" // a script replacing a system authentication library or program
	RulePAMStackHead = "STRATA-PA-004" // a PAM stack trusting a module no package ships
	RuleTrojanScript = "STRATA-MQ-001" // a script where a system program belongs, running a hidden copy
	RuleMasquerade   = "STRATA-MQ-002" // a program put at a system program's or daemon's path by a script
	RuleShadowAlias  = "STRATA-MQ-003" // an alias or function a script adds that puts a hidden program in front of a system command
	RuleLogWipe      = "STRATA-AF-001" // login records, logs or shell history wiped or turned off
	RulePasswordSet  = "STRATA-AF-002" // a password set without a prompt
	RuleRootAccount  = "STRATA-AF-003" // a second account with uid 0
	RuleTimestomp    = "STRATA-AF-004" // a file's times set to hide when it was written
)

// pamAuthLine is a PAM auth line as a script writes it (sed's i\ and a\, awk's print or a
// variable handed to awk with -v line=..., echo): the control and the module.
var pamAuthLine = regexp.MustCompile(`(?:^|[\s"'\\;{}>/(=]|\\n|\\t)auth(?:\s|\\t|\\s)+(\[[^\]]*\]|sufficient|optional|required|requisite|include|substack)(?:\s|\\t|\\s)+([^\s"';\\]+)`)

// knownPAMModules are the modules Linux-PAM and the distributions' packages ship (and
// widely used third-party ones): a stack edit that adds one of them is configuration.
var knownPAMModules = map[string]bool{}

func init() {
	for _, m := range strings.Fields(`access debug deny echo env exec faildelay faillock filter ftp group issue keyinit lastlog limits
		listfile localuser loginuid mail mkhomedir motd namespace nologin permit pwhistory rhosts rootok securetty selinux sepermit
		setquota shells stress succeed_if time timestamp tty_audit umask unix userdb usertype warn wheel xauth systemd systemd_home
		systemd_loadkey gnome_keyring kwallet kwallet5 fprintd sss sss_gss ldap krb5 winbind mount ecryptfs cgfs pwquality cracklib
		passwdqc tally tally2 google_authenticator yubico u2f oath radius_auth tacplus duo script ssh_agent_auth pkcs11 p11 afs_session
		smbpass unix2 ccreds abl chroot shield apparmor ssh oddjob_mkhomedir fscrypt cap gdm gdm-launch-environment mysql pgsql
		lastlog2 env_files intune howdy ldapdb alreadyloggedin geoinfo dbus_launcher userpass nss nss-pam-ldapd mktemp xdg
		sepermit_selinux ssh_add unix_acct`) {
		knownPAMModules["pam_"+m] = true
	}
}

// pamModuleProblem says what is wrong with a module a PAM line loads, "" when nothing is.
func pamModuleProblem(mod string) string {
	m := strings.ReplaceAll(mod, unknown, "?")
	if strings.Contains(m, "?") || strings.Contains(m, "$") {
		return "a module named at run time (" + m + ")"
	}
	if strings.HasPrefix(m, "/") {
		if !systemModuleDir(m) {
			return "a module outside the system's module directories (" + m + ")"
		}
	}
	name := strings.TrimSuffix(path.Base(m), ".so")
	if !knownPAMModules[name] {
		return "a module no known package ships (" + path.Base(m) + ")"
	}
	return ""
}

// pamFile reports a PAM stack's path (or one whose name is computed: /etc/pam.d/$f).
func pamFile(p string) bool {
	return strings.Contains(p, "/etc/pam.d") || strings.Contains(p, "pam.conf") || strings.HasPrefix(p, "pam.d/")
}

// pamEdit reports a command that edits a PAM stack (sed, awk, perl, ed ... or a write)
// so that it loads a module that is not the system's: its arguments hold an auth line.
func (a *analysis) pamEdit(s syntax.Node, text string, target string) {
	text = strings.ReplaceAll(text, `\/`, "/") // s/x/auth ... \/usr\/lib\/m.so/
	for _, m := range pamAuthLine.FindAllStringSubmatch(text, 8) {
		control, mod := m[1], m[2]
		why := pamModuleProblem(mod)
		if why == "" && strings.TrimSuffix(path.Base(mod), ".so") == "pam_permit" && (control == "sufficient" || strings.Contains(control, "done")) {
			why = "pam_permit made sufficient: any password opens it"
		}
		if why == "" {
			continue
		}
		detail := "auth " + control + " " + strings.ReplaceAll(mod, unknown, "?") + ": " + why
		if target != "" {
			detail += ", in " + strings.ReplaceAll(target, unknown, "?")
		}
		if h := a.mark(hitPAMEdit, s, detail, ""); h != nil && target != "" {
			h.critical = true
		}
		return
	}
}

// editors are programs that rewrite files by a script in their arguments.
var editors = map[string]bool{"sed": true, "gsed": true, "awk": true, "gawk": true, "mawk": true, "nawk": true, "busybox": true,
	"perl": true, "ed": true, "ex": true, "python": true, "python3": true, "ruby": true, "vim": true, "vi": true}

// system places of authentication programs and libraries, and daemons' names.
var (
	binDirs  = map[string]bool{"/bin": true, "/sbin": true, "/usr/bin": true, "/usr/sbin": true, "/usr/local/bin": true, "/usr/local/sbin": true}
	authBins = map[string]bool{"sshd": true, "su": true, "sudo": true, "login": true, "passwd": true, "chpasswd": true,
		"unix_chkpwd": true, "ssh": true, "newgrp": true, "chsh": true, "gpasswd": true, "doas": true}
	// daemonNames are programs that run as daemons or that every system has: a file put at
	// one of their paths by a script passes for them in a process list.
	daemonNames = map[string]bool{"sshd": true, "cron": true, "crond": true, "atd": true, "rsyslogd": true, "syslogd": true,
		"dbus-daemon": true, "agetty": true, "init": true, "systemd": true, "udevd": true, "systemd-udevd": true, "nscd": true,
		"ntpd": true, "chronyd": true, "httpd": true, "nginx": true, "apache2": true, "mysqld": true, "postgres": true,
		"dockerd": true, "containerd": true, "kubelet": true, "irqbalance": true, "auditd": true, "polkitd": true,
		"ps": true, "ls": true, "top": true, "netstat": true, "ss": true, "lsof": true, "bash": true, "sh": true, "dash": true}
	// kernelThreads are names only the kernel's threads have: no file is ever called so.
	kernelThreads = []string{"kworker", "kthreadd", "ksoftirqd", "kswapd", "kauditd", "khugepaged", "kdevtmpfs", "migration",
		"watchdogd", "rcu_sched", "kblockd", "kcompactd", "jbd2", "kintegrityd", "writeback"}
)

// kernelThreadName reports a file named after a kernel thread ([kworker/0:1] and friends).
func kernelThreadName(b string) string {
	b = strings.Trim(b, "[]")
	for _, k := range kernelThreads {
		if b == k || strings.HasPrefix(b, k+"/") || strings.HasPrefix(b, k) && len(b) > len(k) && (b[len(k)] >= '0' && b[len(k)] <= '9' || b[len(k)] == '-' || b[len(k)] == '_') {
			return k
		}
	}
	return ""
}

// authTarget says which system authentication library or program p is, "" when none.
func authTarget(p string) string {
	t := strings.ReplaceAll(p, unknown, "?")
	b := path.Base(t)
	d := path.Dir(t)
	switch {
	case b == "pam_unix.so" || b == "pam_unix2.so" || strings.HasPrefix(b, "libpam.so") || strings.HasPrefix(b, "libpam_misc.so"):
		return "the authentication library " + b
	case systemModuleDir(t) && strings.HasSuffix(b, ".so"):
		return "a PAM module (" + b + ")"
	case authBins[b] && binDirs[d]:
		return "the authentication program " + t
	}
	return ""
}

// masqueradeTarget says what system program or daemon a file put at p passes for.
func masqueradeTarget(p string) string {
	t := strings.ReplaceAll(p, unknown, "?")
	b := path.Base(t)
	if k := kernelThreadName(b); k != "" {
		return "the kernel thread " + k
	}
	if daemonNames[b] && binDirs[path.Dir(t)] && !strings.HasPrefix(path.Dir(t), "/usr/local") {
		return "the system program " + t
	}
	return ""
}

// placement judges a file a script puts at dst (copied, moved, downloaded, compiled,
// written) from src: an authentication library or program replaced, or a program hidden
// under a system name. how says what put it there.
func (a *analysis) placement(s syntax.Node, dst, src, how string, fromOutside bool) {
	if dst == "" || strings.HasSuffix(dst, "/") && src == "" {
		return
	}
	if strings.HasSuffix(dst, "/") || binDirs[path.Clean(dst)] || systemModuleDir(dst+"/x") {
		if src == "" {
			return
		}
		dst = path.Join(dst, path.Base(src))
	}
	srcText := strings.ReplaceAll(src, unknown, "?")
	// A copy from the system's own places (a backup put back, a file moved within them) is
	// not a replacement.
	untrusted := fromOutside || src != "" && (!strings.HasPrefix(srcText, "/") || stagingPath(srcText) != "" ||
		minerProgramIn(srcText) != "" || strings.HasPrefix(srcText, "/root/") || strings.HasPrefix(srcText, "/home/") ||
		strings.HasPrefix(srcText, "/opt/") || strings.HasPrefix(srcText, "/srv/"))
	if f, ok := a.file(src); ok && (f.fetched || f.net || len(f.chain) > 0) {
		untrusted = true
	}
	if a.built[src] != "" {
		untrusted, how = true, how+" (built by the script: "+a.built[src]+")"
	}
	if !untrusted || strings.HasSuffix(srcText, ".bak") || strings.HasSuffix(srcText, ".orig") || strings.Contains(srcText, ".dpkg-") {
		return
	}
	detail := how + " " + strings.ReplaceAll(dst, unknown, "?")
	if srcText != "" {
		detail = how + " " + srcText + " to " + strings.ReplaceAll(dst, unknown, "?")
	}
	miner := minerProgramIn(srcText)
	if f, ok := a.file(src); ok && miner == "" && f.from != "" {
		miner = minerProgramIn(f.from)
	}
	if what := authTarget(dst); what != "" && miner == "" {
		a.mark(hitAuthReplace, s, detail+": replaces "+what, "")
		return
	}
	if what := masqueradeTarget(dst); what != "" {
		if miner != "" {
			// the program hidden is a miner
			a.mark(hitMasquerade, s, detail+": passes for "+what+" (the program is the miner "+miner+")", "miner")
		} else {
			a.mark(hitMasquerade, s, detail+": passes for "+what, "")
		}
	}
}

// Logs an intruder wipes: login records first, then the system's logs and shell history.
var (
	loginRecords = []string{"wtmp", "btmp", "utmp", "lastlog", "faillog", "utmpx", "wtmpx"}
	systemLogs   = []string{"auth.log", "secure", "messages", "syslog", "kern.log", "audit.log", "daemon.log", "user.log", "maillog",
		"mail.log", "cron", "cron.log", "xferlog", "debug"}
	historyFiles = []string{".bash_history", ".zsh_history", ".sh_history", ".history", ".ash_history", ".mysql_history",
		".psql_history", ".python_history", ".viminfo", ".lesshst", ".node_repl_history"}
)

// logKind says what a path is of the records an intruder wipes: "login" (wtmp, lastlog...),
// "log" (a system log), "history" (a shell history file), "" when none.
func logKind(p string) string {
	t := strings.ReplaceAll(p, unknown, "?")
	b := path.Base(t)
	for _, h := range historyFiles {
		if b == h {
			return "history"
		}
	}
	if !strings.Contains(t, "/log") && !strings.Contains(t, "/run") && !strings.HasPrefix(t, "/var/") && !strings.HasPrefix(t, "/etc/") {
		return ""
	}
	for _, l := range loginRecords {
		if b == l || strings.HasPrefix(b, l+".") {
			return "login"
		}
	}
	if strings.HasPrefix(t, "/var/log/") {
		for _, l := range systemLogs {
			if b == l || strings.HasPrefix(b, l+".") {
				return "log"
			}
		}
		return "logs"
	}
	return ""
}

// wipe notes records wiped (rm, shred, truncation, a redirection of nothing, an edit).
func (a *analysis) wipe(s syntax.Node, p, how string) {
	kind := logKind(p)
	if kind == "" {
		return
	}
	// lang keeps the kind: named records (login, log, history), or a clean-up of the whole
	// log directory (logs)
	h := a.mark(hitLogWipe, s, how+" "+strings.ReplaceAll(p, unknown, "?")+" ("+map[string]string{
		"login": "login records", "log": "a system log", "logs": "system logs", "history": "shell history"}[kind]+")", kind)
	if h != nil && kind == "history" && everyUser(p) {
		// every user's history, not the image's own clean-up of root's
		h.critical = true
		h.detail += ": every user's"
	}
	if h != nil && (kind == "login" || kind == "log") && destroys(how) {
		// a clean-up empties a log; this keeps the system from logging again, or overwrites
		// what was there so that it cannot be read back from the disk
		h.critical = true
		h.detail += map[bool]string{true: ": logging to it turned off for good", false: ": overwritten, past recovery"}[strings.HasPrefix(how, "ln ")]
	}
}

// destroys reports a way of wiping that does more than empty a record: a link to /dev/null in
// its place (nothing is logged there again), or its bytes overwritten (shred, dd from a device
// of zeros or random bytes).
func destroys(how string) bool {
	return how == "ln /dev/null onto" || how == "shred" || how == "srm" || how == "wipe" || how == "dd over"
}

// everyUser reports a path into every user's home: a glob or a loop's variable over /home.
func everyUser(p string) bool {
	p = strings.ReplaceAll(p, unknown, "*")
	return strings.HasPrefix(p, "/home/*") || strings.HasPrefix(p, "*/") || strings.HasPrefix(p, "/home/") && strings.Contains(p, "*") ||
		strings.HasPrefix(p, "/Users/*")
}

// selectiveEdit notes a login record or system log rewritten from an edited copy or edited
// in place: the lines or records that would tell on the intruder taken out, the rest kept so
// that the log does not look wiped (T1070.002). High.
func (a *analysis) selectiveEdit(s syntax.Node, p, how string) {
	kind := logKind(p)
	if kind != "login" && kind != "log" {
		return
	}
	what := map[string]string{"login": "login records", "log": "a system log"}[kind]
	if h := a.mark(hitLogWipe, s, how+" "+strings.ReplaceAll(p, unknown, "?")+" ("+what+" edited: some entries taken out, the rest kept)", kind); h != nil {
		h.critical = true
	}
}

// liveLog reports a login record or system log by its own name (wtmp, auth.log), not a
// rotated or temporary copy beside it (auth.log.1, syslog.tmp): what a filtered copy is put
// back over.
func liveLog(p string) bool {
	k := logKind(p)
	b := path.Base(strings.ReplaceAll(p, unknown, "?"))
	return (k == "login" || k == "log") && (slices.Contains(loginRecords, b) || slices.Contains(systemLogs, b))
}

// logFilters pass on lines or records of what they read: a login record or log read by one
// and written into a file is a copy of it, maybe without some of its lines.
var logFilters = map[string]bool{"grep": true, "egrep": true, "fgrep": true, "sed": true, "awk": true, "gawk": true, "mawk": true,
	"perl": true, "utmpdump": true, "cat": true, "tac": true, "head": true, "tail": true, "sort": true, "uniq": true, "cut": true,
	"tr": true, "strings": true, "python": true, "python3": true, "ruby": true, "last": true, "dd": true}

// logEdit reads a command that reads a login record or system log (or a copy of one the
// script made) and writes what it passes on into a file: a copy kept (logCopies), or, when
// the file is a login record or log itself, the log rewritten from an edited copy.
// utmpdump -r writing into a login record is one however its input was made.
func (a *analysis) logEdit(s *syntax.Stmt, name string, args []val, fds fdset) {
	src := ""
	from := func(p string) {
		if k := logKind(p); k == "login" || k == "log" {
			src = p
		} else if c := a.logCopies[p]; c != "" {
			src = c
		}
	}
	files := 0
	for _, x := range args {
		if !strings.HasPrefix(x.s, "-") {
			files++
			from(x.s)
		}
	}
	if in := fds[0].rd; in.file != "" {
		from(in.file)
	}
	piped := a.logPiped
	a.logPiped = ""
	if src == "" && piped != "" {
		src = piped
	}
	out := ""
	if w := fds[1].wr; w != nil && w.path != "" {
		out = w.path
	}
	if name == "utmpdump" {
		reverse := false
		for i, x := range args {
			switch {
			case x.s == "-r" || x.s == "--reverse":
				reverse = true
			case (x.s == "-o" || x.s == "--output") && i+1 < len(args):
				out = args[i+1].s
			case strings.HasPrefix(x.s, "--output="):
				out = strings.TrimPrefix(x.s, "--output=")
			}
		}
		if reverse && logKind(out) == "login" {
			a.selectiveEdit(s, out, "utmpdump -r writes records it was given into")
			return
		}
	}
	if src == "" {
		return
	}
	switch {
	case (name == "tee" || name == "sponge") && piped != "":
		for _, x := range args {
			if liveLog(x.s) {
				a.selectiveEdit(s, x.s, name+" writes what it was given of "+src+" into")
			}
		}
	case logFilters[name] && out != "":
		if k := logKind(out); k == "login" || k == "log" {
			if liveLog(out) && (out != src || files > 0) {
				a.selectiveEdit(s, out, name+" writes a copy of "+src+" back into")
			}
			return
		}
		if a.logCopies == nil {
			a.logCopies = map[string]string{}
		}
		if len(a.logCopies) < 64 {
			a.logCopies[out] = src
		}
	case logFilters[name] && fds[1].wr != nil && fds[1].wr.buf != nil:
		a.logPiped = src
	}
}

// findParts splits find's arguments: the directories it starts from, the name patterns it
// matches, whether it deletes what it finds, and the command -exec runs on it.
func findParts(args []val) (dirs, pats []string, del bool, exec []val) {
	for i := 0; i < len(args); i++ {
		x := args[i].s
		switch {
		case x == "-exec" || x == "-execdir" || x == "-ok" || x == "-okdir":
			for j := i + 1; j < len(args); j++ {
				if args[j].s == ";" || args[j].s == "+" || args[j].s == `\;` {
					break
				}
				exec = append(exec, args[j])
			}
			return
		case x == "-delete":
			del = true
		case (x == "-name" || x == "-iname" || x == "-path" || x == "-wholename" || x == "-ipath") && i+1 < len(args):
			pats = append(pats, args[i+1].s)
			i++
		case strings.HasPrefix(x, "-") && i+1 < len(args) && (x == "-newer" || x == "-type" || x == "-mtime" || x == "-mmin" || x == "-user" ||
			x == "-size" || x == "-maxdepth" || x == "-mindepth" || x == "-perm" || x == "-ctime" || x == "-atime" || x == "-group" ||
			x == "-uid" || x == "-cmin" || x == "-amin" || x == "-fstype" || x == "-newermt" || x == "-regex"):
			i++
		case !strings.HasPrefix(x, "-") && x != "(" && x != ")" && x != "!" && len(pats) == 0:
			dirs = append(dirs, x)
		}
	}
	return
}

// findWipe reads find over the home directories for shell history files that it deletes,
// truncates or shreds (every user's history wiped), and find running touch with a time it
// gives over a system directory or the whole tree (blanket timestomping).
func (a *analysis) findWipe(s *syntax.Stmt, args []val) {
	dirs, pats, del, exec := findParts(args)
	cmd := ""
	if len(exec) > 0 {
		cmd = path.Base(exec[0].s)
	}
	if cmd == "touch" && !strings.Contains(a.evidence(s), "SOURCE_DATE_EPOCH") {
		how := ""
		for i, x := range exec[1:] {
			t := x.s
			switch {
			case t == "-r" || t == "-d" || t == "-t" || t == "--date" || t == "--reference":
				how = "touch " + t
				if i+2 < len(exec) {
					how += " " + strings.ReplaceAll(exec[i+2].s, unknown, "?")
				}
			case strings.HasPrefix(t, "--date=") || strings.HasPrefix(t, "--reference=") ||
				strings.HasPrefix(t, "-") && !strings.HasPrefix(t, "--") && strings.ContainsAny(t, "rdt"):
				how = "touch " + strings.ReplaceAll(t, unknown, "?")
			}
			if how != "" {
				break
			}
		}
		for _, d := range dirs {
			c := path.Clean(strings.ReplaceAll(d, unknown, "?"))
			if how == "" || !(c == "/" || systemPath(c+"/x") != "" || c == "/home" || c == "/usr" || c == "/var" || c == "/opt" || c == "/root") {
				continue
			}
			if h := a.mark(hitTimestomp, s, "find "+c+" runs "+how+" on every file it finds (blanket timestomping)", ""); h != nil {
				h.critical = true
			}
			return
		}
		return
	}
	history := false
	for _, p := range pats {
		b := strings.ToLower(path.Base(p))
		history = history || strings.Contains(b, "history") || logKind("/x/"+b) == "history"
	}
	if !history {
		return
	}
	wipes := del
	switch cmd {
	case "rm", "shred", "truncate", "srm", "wipe", "unlink":
		wipes = true
	case "cp", "ln":
		wipes = slices.ContainsFunc(exec, func(v val) bool { return v.s == "/dev/null" })
	case "sh", "bash", "dash":
		wipes = slices.ContainsFunc(exec, func(v val) bool { return strings.Contains(v.s, "> ") || strings.HasPrefix(v.s, ">") })
	}
	if !wipes {
		return
	}
	for _, d := range dirs {
		c := path.Clean(strings.ReplaceAll(d, unknown, "?"))
		if c == "/" || c == "/home" || c == "/Users" || everyUser(c+"/") {
			h := a.mark(hitLogWipe, s, "find "+c+" wipes every shell history file it finds ("+nonEmpty(cmd, "-delete")+")", "history")
			if h != nil {
				h.critical = true
			}
			return
		}
	}
}

// passwdLine is an /etc/passwd line of an account with uid 0 (root's own excepted).
var passwdLine = regexp.MustCompile(`(?m)(?:^|[\s"'>/^])([A-Za-z_][A-Za-z0-9._-]*\$?):[^:\n]*:0+:[0-9]+:`)

// rootAccount reports text written into /etc/passwd (or an edit of it) that adds an account
// with uid 0.
func (a *analysis) rootAccount(s syntax.Node, text, how string) {
	for _, m := range passwdLine.FindAllStringSubmatch(text, 8) {
		if m[1] == "root" {
			continue
		}
		a.mark(hitRootAccount, s, how+" the account "+m[1]+" with uid 0", "")
		return
	}
}

// mark records a hit with its lang (the kind of a wipe, a miner hidden) and returns it, nil
// when it was already recorded.
func (a *analysis) mark(kind hitKind, n syntax.Node, detail, lang string) *hit {
	before := len(a.hits.hits)
	saved := a.hits
	tmp := &hitList{}
	a.hits = tmp
	a.hitAt(kind, n, val{}, detail)
	a.hits = saved
	if len(tmp.hits) == 0 {
		return nil
	}
	h := tmp.hits[0]
	h.lang = lang
	a.hits.add(h)
	if len(a.hits.hits) == before {
		return nil
	}
	return &a.hits.hits[len(a.hits.hits)-1]
}

// tradecraft reads one command for the techniques above.
func (a *analysis) tradecraft(s *syntax.Stmt, name string, args []val, fds fdset) {
	words := func() (opts []string, rest []string) {
		for _, x := range args {
			if strings.HasPrefix(x.s, "-") && len(x.s) > 1 {
				opts = append(opts, x.s)
			} else {
				rest = append(rest, x.s)
			}
		}
		return
	}
	a.logEdit(s, name, args, fds)
	switch name {
	case "find":
		a.findWipe(s, args)
	case "rm", "shred", "unlink", "srm", "wipe":
		_, files := words()
		for _, f := range files {
			a.wipe(s, f, name)
			if a.self != "" && f == a.self {
				// a marker, not reported: it raises the log wiping beside it
				a.hits.add(hit{kind: hitSelfDelete, evidence: a.evidence(s), line: a.line(s)})
			}
		}
	case "truncate":
		for i, x := range args {
			if (x.s == "-s" || x.s == "--size") && i+1 < len(args) && strings.Trim(args[i+1].s, "0") == "" || x.s == "-s0" || x.s == "--size=0" {
				for _, y := range args {
					if !strings.HasPrefix(y.s, "-") && strings.Trim(y.s, "0") != "" {
						a.wipe(s, y.s, "truncate -s 0")
					}
				}
				break
			}
		}
	case "cp", "mv", "install", "ln", "rsync", "dd":
		a.copyLike(s, name, args)
	case "chmod":
		a.setuidChmod(s, args)
	case "touch":
		a.touch(s, args)
	case "date", "timedatectl", "faketime":
		a.clockSet(s, name, args, fds)
	case "debugfs":
		a.debugfsTimes(s, args, fds[0].rd)
	case "read":
		// read -p shows its prompt, and -s and -n wait for keys, at a terminal: the script is
		// run by hand, not by a build (a marker for the findings, never reported)
		if _, redirected := fds[0]; !redirected && slices.ContainsFunc(args, func(x val) bool {
			return strings.HasPrefix(x.s, "-") && strings.ContainsAny(x.s, "psn") && !strings.HasPrefix(x.s, "--")
		}) && !slices.ContainsFunc(a.hits.hits, func(h hit) bool { return h.kind == hitPrompt }) {
			a.hits.add(hit{kind: hitPrompt, evidence: a.evidence(s), line: a.line(s)})
		}
	case "history":
		for _, x := range args {
			if x.s == "-c" || x.s == "-cw" || x.s == "-wc" {
				a.mark(hitLogWipe, s, "history -c (the shell's history cleared)", "history")
			}
		}
	case "unset":
		for _, x := range args {
			if x.s == "HISTFILE" {
				a.mark(hitLogWipe, s, "unset HISTFILE (the shell keeps no history)", "history")
			}
		}
	case "set":
		if len(args) >= 2 && args[0].s == "+o" && args[1].s == "history" {
			a.mark(hitLogWipe, s, "set +o history (the shell keeps no history)", "history")
		}
	case "journalctl":
		for _, x := range args {
			if strings.HasPrefix(x.s, "--vacuum") {
				a.mark(hitLogWipe, s, "journalctl "+x.s+" (the journal emptied)", "")
			}
		}
	case "chpasswd":
		in := fds[0].rd
		who := strings.SplitN(strings.ReplaceAll(in.s, unknown, "?"), ":", 2)[0]
		if in.s != "" {
			a.mark(hitPasswordSet, s, "chpasswd sets the password of "+nonEmpty(strings.TrimSpace(who), "an account")+" from its input", "")
		}
	case "passwd":
		stdin := false
		for _, x := range args {
			stdin = stdin || x.s == "--stdin"
		}
		if in := fds[0].rd; stdin || in.s != "" && !in.partial || in.file != "" {
			a.mark(hitPasswordSet, s, "passwd reads the new password from its input, not a prompt", "")
		}
	case "usermod", "useradd", "adduser", "luseradd", "pw":
		var uid0, dup, pass bool
		for i, x := range args {
			switch {
			case (x.s == "-u" || x.s == "--uid") && i+1 < len(args) && strings.Trim(args[i+1].s, "0") == "" && args[i+1].s != "":
				uid0 = true
			case x.s == "-u0" || x.s == "--uid=0":
				uid0 = true
			case x.s == "-o" || x.s == "--non-unique":
				dup = true
			case x.s == "-p" || x.s == "--password" || strings.HasPrefix(x.s, "--password="):
				pass = true
			}
		}
		if uid0 {
			_, rest := words()
			who := "an account"
			if len(rest) > 0 {
				who = "the account " + strings.ReplaceAll(rest[len(rest)-1], unknown, "?")
			}
			a.mark(hitRootAccount, s, name+" gives "+who+" uid 0"+map[bool]string{true: " (-o: a second root)", false: ""}[dup], "")
		} else if pass {
			a.mark(hitPasswordSet, s, name+" -p sets a password hash given on its command line", "")
		}
	case "gcc", "cc", "clang", "g++", "tcc", "go", "make":
		for i, x := range args {
			out := ""
			switch {
			case x.s == "-o" && i+1 < len(args):
				out = args[i+1].s
			case strings.HasPrefix(x.s, "-o") && len(x.s) > 2 && name != "go" && name != "make":
				out = x.s[2:]
			}
			if out == "" {
				continue
			}
			if a.built == nil {
				a.built = map[string]string{}
			}
			a.built[out] = name
			a.placement(s, out, "", name+" -o", true)
		}
	}
	if editors[name] {
		// sed -i '/^auth/i auth sufficient pam_x.so' /etc/pam.d/sshd; awk '... print "auth ..."'
		// common-auth > tmp; perl -pi -e ...: the stack edited by the script in the arguments.
		var code strings.Builder
		target := ""
		inPlace := false
		for _, x := range args {
			t := x.s
			switch {
			case pamFile(t) && !strings.Contains(t, " "):
				target = t
			case strings.HasPrefix(t, "-i") || t == "--in-place" || strings.HasPrefix(t, "-pi") || t == "-p":
				inPlace = true
			}
			code.WriteString(t)
			code.WriteByte('\n')
		}
		if w := fds[1].wr; w != nil && pamFile(w.path) {
			target = w.path
		}
		text := code.String()
		if target != "" || bytes.Contains(a.src, []byte("/etc/pam.d")) || bytes.Contains(a.src, []byte("pam.conf")) {
			a.pamEdit(s, text, target)
		}
		for _, x := range args {
			t := x.s
			if inPlace || name == "ed" || name == "ex" {
				switch {
				case t == "/etc/passwd" || strings.HasSuffix(t, "/etc/passwd"):
					a.rootAccount(s, text, name+" edits /etc/passwd:")
				case t == "/etc/shadow" || strings.HasSuffix(t, "/etc/shadow"):
					a.mark(hitPasswordSet, s, name+" edits /etc/shadow (a password hash rewritten)", "")
				default:
					if k := logKind(t); k == "login" || k == "log" {
						a.selectiveEdit(s, t, name+" edits in place")
					} else if k != "" && k != "logs" {
						a.wipe(s, t, name+" deletes lines of")
					}
				}
			}
		}
	}
}

// copyLike reads cp, mv, install, ln, rsync and dd: the file put where.
func (a *analysis) copyLike(s syntax.Node, name string, args []val) {
	var files []string
	mode := "" // install's
	for i := 0; i < len(args); i++ {
		x := args[i].s
		switch {
		case name == "dd" && strings.HasPrefix(x, "of="):
			src := ""
			for _, y := range args {
				if strings.HasPrefix(y.s, "if=") {
					src = strings.TrimPrefix(y.s, "if=")
				}
			}
			if src == "/dev/null" {
				a.wipe(s, strings.TrimPrefix(x, "of="), "dd of")
			} else if src == "/dev/zero" || src == "/dev/urandom" || src == "/dev/random" {
				a.wipe(s, strings.TrimPrefix(x, "of="), "dd over")
			} else {
				a.placement(s, strings.TrimPrefix(x, "of="), src, "dd", false)
				a.plant(s, strings.TrimPrefix(x, "of="), src)
			}
			return
		case name == "install" && (x == "-m" || x == "--mode") && i+1 < len(args):
			mode = args[i+1].s
			i++
		case name == "install" && strings.HasPrefix(x, "--mode="):
			mode = strings.TrimPrefix(x, "--mode=")
		case name == "install" && (x == "-o" || x == "-g" || x == "-t"):
			i++
		case strings.HasPrefix(x, "-") && len(x) > 1:
		default:
			files = append(files, x)
		}
	}
	if name == "dd" || len(files) < 2 {
		return
	}
	dst := files[len(files)-1]
	for _, src := range files[:len(files)-1] {
		if src == "/dev/null" && (name == "cp" || name == "ln") {
			a.wipe(s, dst, name+" /dev/null onto")
			continue
		}
		if name == "ln" {
			continue
		}
		if k := logKind(src); (k == "login" || k == "log") && logKind(dst) == "" && len(a.logCopies) < 64 {
			// a copy of a log to edit and put back
			if a.logCopies == nil {
				a.logCopies = map[string]string{}
			}
			a.logCopies[dst] = src
		}
		if log := a.logCopies[src]; log != "" {
			if liveLog(dst) {
				a.selectiveEdit(s, dst, name+" of "+strings.ReplaceAll(src, unknown, "?")+" (a copy of "+log+" it filtered) over")
			}
		}
		a.placement(s, dst, src, name, false)
		a.plant(s, dst, src)
		if setuidMode(mode) {
			to := dst
			if strings.HasSuffix(dst, "/") {
				to = path.Join(dst, path.Base(src))
			}
			a.setuidOn(s, to, "install -m "+mode)
		}
	}
}

// wipeRedirect reads a statement that truncates a file by redirection: > wtmp, : > wtmp,
// cat /dev/null > wtmp, echo > wtmp, echo -n "" > wtmp, printf "" > wtmp.
func (a *analysis) wipeRedirect(s *syntax.Stmt) {
	for _, r := range s.Redirs {
		if r.Op != syntax.RdrOut && r.Op != syntax.ClbOut || r.N != nil && r.N.Value != "1" || r.Word == nil {
			continue
		}
		p := a.word(r.Word).s
		if logKind(p) == "" {
			continue
		}
		empty := false
		switch c := s.Cmd.(type) {
		case nil:
			empty = true
		case *syntax.CallExpr:
			var argv []string
			for _, w := range c.Args {
				argv = append(argv, a.word(w).s)
			}
			switch {
			case len(argv) == 0:
				empty = true
			case argv[0] == ":" || argv[0] == "true":
				empty = true
			case argv[0] == "cat" && len(argv) == 2 && (argv[1] == "/dev/null" || argv[1] == "/dev/zero"):
				empty = true
			case argv[0] == "echo" || argv[0] == "printf":
				empty = strings.TrimSpace(strings.Join(filterOpts(argv[1:]), "")) == ""
			}
		}
		if empty {
			a.wipe(s, p, "> (truncated)")
		}
	}
}

func filterOpts(args []string) []string {
	var out []string
	for _, x := range args {
		if !strings.HasPrefix(x, "-") {
			out = append(out, x)
		}
	}
	return out
}

// historyAssign reads HISTFILE=/dev/null, HISTSIZE=0, HISTFILESIZE=0, SAVEHIST=0.
func (a *analysis) historyAssign(as *syntax.Assign, v val) {
	switch as.Name.Value {
	case "HISTFILE":
		if v.s == "/dev/null" || v.s == "" {
			a.mark(hitLogWipe, as, "HISTFILE="+v.s+" (the shell keeps no history)", "history")
		}
	case "HISTSIZE", "HISTFILESIZE", "SAVEHIST":
		if v.s == "0" {
			a.mark(hitLogWipe, as, as.Name.Value+"=0 (the shell keeps no history)", "history")
		}
	}
}

// shadowAlias reads an alias written by a script into a start-up file: one that puts a
// program kept in a hidden or temporary place in front of a system command.
func (a *analysis) shadowAlias(s *syntax.Stmt, args []val) {
	for _, x := range args {
		name, value, ok := strings.Cut(x.s, "=")
		if !ok || !shadowed[name] {
			continue
		}
		for _, w := range strings.Fields(strings.ReplaceAll(value, unknown, " ")) {
			w = strings.Trim(w, `"';&|()`)
			if !strings.Contains(w, "/") {
				continue
			}
			if why := stagingPath(w); why != "" || strings.HasPrefix(w, "~/.") {
				if why == "" {
					why = "a hidden name in the home directory"
				}
				a.mark(hitShadowAlias, s, "alias "+name+" runs "+w+", kept in "+why, "")
				return
			}
		}
	}
}

// shadowFunc reads a function a script writes into a start-up file under a system command's
// name (ls() { ~/.bin/ls "$@"; }): what it runs from a hidden or temporary place.
func (a *analysis) shadowFunc(s *syntax.Stmt, c *syntax.FuncDecl) {
	if pl, ok := audit.PlaceOf(a.place); !ok || pl.Name != "shell-rc" {
		return
	}
	syntax.Walk(c.Body, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		w := strings.ReplaceAll(a.word(call.Args[0]).s, unknown, "?")
		if w == "command" || w == "exec" {
			if len(call.Args) < 2 {
				return true
			}
			w = strings.ReplaceAll(a.word(call.Args[1]).s, unknown, "?")
		}
		if !strings.Contains(w, "/") {
			return true
		}
		if why := stagingPath(w); why != "" {
			a.mark(hitShadowAlias, s, "function "+c.Name.Value+" runs "+w+", kept in "+why, "")
			return false
		}
		return true
	})
}

// tradecraftInfo is how the hits of this file are reported.
func tradecraftInfo(h hit) (ruleInfo, bool) {
	switch h.kind {
	case hitPAMEdit:
		return ruleInfo{RulePAMEdit, audit.CategoryPersistence, audit.High, "Script inserting an auth line into a PAM stack that loads a module the system does not ship"}, true
	case hitAuthReplace:
		return ruleInfo{RuleAuthReplace, audit.CategoryPersistence, audit.Critical, "Script replacing a system authentication library or program with a file it downloads, builds or brings"}, true
	case hitMasquerade:
		return ruleInfo{RuleMasquerade, audit.CategoryMalware, audit.High, "Script putting a program at a system program's or daemon's path (masquerading)"}, true
	case hitShadowAlias:
		return ruleInfo{RuleShadowAlias, audit.CategoryPersistence, audit.High, "Script adding an alias or function that puts a hidden program in front of a system command"}, true
	case hitLogWipe:
		return ruleInfo{RuleLogWipe, audit.CategoryTamper, audit.Low, "Script wiping logs or shell history"}, true
	case hitPasswordSet:
		return ruleInfo{RulePasswordSet, audit.CategoryPersistence, audit.Low, "Script setting a password without a prompt"}, true
	case hitTrojanScript:
		return ruleInfo{RuleTrojanScript, audit.CategoryTamper, audit.High, "System program replaced by a script that runs a hidden copy (a trojaned system binary)"}, true
	case hitRootAccount:
		return ruleInfo{RuleRootAccount, audit.CategoryPersistence, audit.High, "Script adding an account with uid 0 (a second root)"}, true
	case hitTimestomp:
		return ruleInfo{RuleTimestomp, audit.CategoryTimestomp, audit.Low, "Script setting a file's times to hide when it was written (timestomping)"}, true
	}
	return ruleInfo{}, false
}

// tradecraftOnly are the hits that alone are what clean build and clean-up scripts do too:
// wiping logs (image clean-up), setting a password (a test image's root password).
func tradecraftOnly(k hitKind) bool {
	return k == hitLogWipe || k == hitPasswordSet || k == hitTimestomp
}

// tradecraftContext is what the review of these hits knows of the script besides them: it
// deletes itself, waits for keys at a terminal, grants a user every command through sudoers,
// is kept in a hidden or temporary place.
type tradecraftContext struct {
	selfDeleted, prompted, sudoGrant, hidden bool
}

// markerHit reports the hits that only tell the review about the script (tradecraftContext).
func markerHit(k hitKind) bool { return k == hitSelfDelete || k == hitPrompt || k == hitSudoGrant }

// raiseTradecraft raises log wiping and password setting to high when the same code does
// something malicious besides (or sets a password and wipes both login records and
// history): then they are the intruder's, covering tracks and keeping access. So is a script
// wiping login records or system logs that is kept in a hidden or temporary place, or that
// asks for keys at a terminal: run by hand, not by an image's build; and one kept in such a
// place that sets a password and grants root through sudo: an account to come back by.
func raiseTradecraft(hits []hit, out []audit.Finding, c tradecraftContext) {
	selfDeleted, prompted, hidden := c.selfDeleted, c.prompted, c.hidden
	var other []string
	login, history, syslog, passwd := false, false, false, false
	for i, h := range hits {
		switch {
		case h.kind == hitLogWipe:
			login = login || h.lang == "login"
			history = history || h.lang == "history"
			syslog = syslog || h.lang == "log"
		case h.kind == hitPasswordSet:
			passwd = true
		case out[i].Severity >= audit.High:
			other = append(other, out[i].Rule)
		}
	}
	// A password set and both the login records and the history wiped is covering tracks
	// after taking an account; clean-up scripts empty one or the other. So is a script that
	// empties the login records and then deletes itself: a tool run once to leave no trace,
	// which an image's clean-up step never is.
	byHand := (prompted || hidden) && (login || syslog)
	account := hidden && passwd && c.sudoGrant
	if len(other) == 0 && !(passwd && login && history) && !(selfDeleted && login) && !byHand && !account {
		return
	}
	why := "beside " + strings.Join(uniq(other), ", ")
	switch {
	case len(other) > 0:
	case selfDeleted && login:
		why = "login records emptied by a script that then deletes itself"
	case account && !byHand:
		why = "a password set and root granted through sudo by a script kept in a hidden or temporary place: an account to come back by"
	case byHand && hidden:
		why = "records wiped by a script kept in a hidden or temporary place"
	case byHand:
		why = "records wiped by a script that asks for keys at a terminal: run by hand, not by a build"
	default:
		why = "beside a password set without a prompt, login records and history wiped"
	}
	for i, h := range hits {
		if !tradecraftOnly(h.kind) || out[i].Severity >= audit.High {
			continue
		}
		out[i].Severity = audit.High
		out[i].AddLabels(audit.CategoryMalware)
		out[i].Title += " (" + why + ")"
	}
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// tradecraftFinding completes the finding of one of these hits: its techniques and labels.
func tradecraftFinding(f *audit.Finding, h hit) {
	switch h.kind {
	case hitPAMEdit:
		f.AddTechniques("T1556.003")
		if h.critical {
			f.Severity = audit.Critical
		}
	case hitAuthReplace:
		f.AddTechniques("T1556.003", "T1554")
		f.AddLabels(audit.CategoryMalware, audit.CategoryTamper)
	case hitMasquerade:
		f.AddTechniques("T1036.005")
		f.AddLabels(audit.CategoryTamper)
		if h.lang == "miner" {
			f.Category = audit.CategoryMiner
			f.AddLabels(audit.CategoryMalware)
			f.AddTechniques("T1496")
		}
	case hitShadowAlias:
		f.AddTechniques("T1546.004", "T1036.005")
		f.AddLabels(audit.CategoryMalware)
	case hitLogWipe:
		if h.lang == "logs" {
			// the whole log directory emptied: what image clean-up does
			f.Severity = audit.Info
		}
		if h.critical {
			// records edited selectively, or every user's history wiped: covering tracks
			f.Severity = audit.High
			f.AddLabels(audit.CategoryMalware)
		}
		if h.lang == "history" {
			f.AddTechniques("T1070.003")
		} else {
			f.AddTechniques("T1070.002")
		}
	case hitPasswordSet:
		f.AddTechniques("T1098")
	case hitTrojanScript:
		f.AddTechniques("T1036.005", "T1564", "T1014")
		f.AddLabels(audit.CategoryMalware)
	case hitRootAccount:
		f.AddTechniques("T1136.001", "T1098")
		f.AddLabels(audit.CategoryRootUser)
	case hitTimestomp:
		f.AddTechniques("T1070.006")
		if h.critical {
			// a file the script itself put into a system path, dated to pass for the system's
			f.Severity = audit.High
			f.AddLabels(audit.CategoryMalware)
		}
	}
}

// tradecraftTriggers are what a script must name for the readings above to find anything:
// the records wiped, the account and password files and tools, the PAM stack and library,
// and the names programs are hidden under.
var tradecraftTriggers = [][]byte{[]byte("wtmp"), []byte("btmp"), []byte("utmp"), []byte("lastlog"), []byte("/var/log"),
	[]byte("history"), []byte("HIST"), []byte("chpasswd"), []byte("passwd"), []byte("/etc/shadow"), []byte("useradd"),
	[]byte("usermod"), []byte("pam.d"), []byte("pam.conf"), []byte("pam_"), []byte("libpam"), []byte("sshd"), []byte("kworker"),
	[]byte("kthreadd"), []byte("ksoftirqd"), []byte("kswapd"), []byte("kauditd"), []byte("khugepaged"), []byte("kdevtmpfs"), []byte("/sbin/"), []byte("alias "), []byte("journalctl"), []byte("-o /"), []byte("/bin/su"),
	[]byte("/bin/login"), []byte("/bin/ps"), []byte("/bin/ls"),
	[]byte("touch -"), []byte("set_inode_field"), []byte("utime"), []byte("copystat"),
	[]byte("faketime"), []byte("date -s"), []byte("date --set"), []byte("set-time"), []byte("date 0"), []byte("date 1")}

func hasTradecraftTrigger(g *grams, data []byte) bool {
	for _, t := range tradecraftTriggers {
		if g.has(data, t) {
			return true
		}
	}
	return false
}

// systemELFNames are programs that are compiled on every distribution: a script in their
// place is not the distribution's (Debian's own wrapper scripts in /usr/bin have other
// names: which, egrep, zcat, ldd ...).
var systemELFNames = map[string]bool{"ps": true, "ls": true, "netstat": true, "ss": true, "top": true, "htop": true, "lsof": true,
	"find": true, "who": true, "w": true, "last": true, "lastb": true, "pstree": true, "pgrep": true, "pkill": true, "kill": true,
	"killall": true, "ifconfig": true, "ip": true, "route": true, "du": true, "df": true, "dir": true, "vdir": true, "stat": true,
	"md5sum": true, "sha256sum": true, "sha1sum": true, "strace": true, "tcpdump": true, "crontab": true, "chattr": true,
	"lsattr": true, "uptime": true, "free": true, "vmstat": true, "id": true, "whoami": true, "users": true, "login": true,
	"su": true, "sudo": true, "passwd": true, "sshd": true, "ssh": true, "cat": true, "grep": true, "file": true, "rm": true,
	"cp": true, "mv": true, "chmod": true, "chown": true, "mount": true, "dmesg": true, "iptables": true, "systemctl": true,
	"journalctl": true, "lsmod": true, "lspci": true, "lsblk": true, "sort": true, "head": true, "tail": true, "wc": true,
	"uname": true, "hostname": true, "date": true, "bash": true, "dash": true, "sh": true, "crond": true, "cron": true}

// userBinDir reports a user's own program directory, which the login profiles put ahead of
// the system's in PATH: ~/bin and ~/.local/bin of root or a user under /home.
func userBinDir(d string) bool {
	rest, ok := strings.CutPrefix(d, "/root/")
	if !ok {
		h, ok := strings.CutPrefix(d, "/home/")
		if !ok {
			return false
		}
		_, rest, ok = strings.Cut(h, "/")
		if !ok {
			return false
		}
	}
	return rest == "bin" || rest == ".local/bin"
}

// renamedCopy reports b as name kept under another name: ps.orig, ps-real, ps_bak, old_ps.
func renamedCopy(b, name string) bool {
	if b == name {
		return false
	}
	for _, sep := range []string{".", "-", "_", "~"} {
		if strings.HasPrefix(b, name+sep) || strings.HasSuffix(b, sep+name) {
			return true
		}
	}
	return false
}

// renamedAfter reports b as name with something after it: ps.original, ps-real, ps_bak (the
// forms a copy found through PATH takes; a name ending in -ps is another program's).
func renamedAfter(b, name string) bool {
	for _, sep := range []string{".", "-", "_", "~"} {
		if strings.HasPrefix(b, name+sep) && len(b) > len(name)+1 {
			return true
		}
	}
	return false
}

// trojanScript reads a script kept where a system program belongs (/bin/ps as a shell
// script): one that runs a hidden or renamed copy of the program, or of another, and
// filters what it prints is the program trojaned to hide the intruder.
func trojanScript(p string, exec bool, data []byte) []hit {
	dir, name := path.Split(p)
	d := path.Clean(dir)
	if !binDirs[d] && !userBinDir(d) || !systemELFNames[name] || len(data) > 64<<10 || binaryHead(data) {
		return nil
	}
	// /usr/local/bin, ~/bin and ~/.local/bin come first in PATH: a script there named after a
	// system program shadows it, and counts when it runs the system's copy and filters what
	// it prints
	shadow := strings.HasPrefix(d, "/usr/local") || userBinDir(d)
	// A #! line, or an executable text that a shell runs as a script when the kernel will
	// not (blanks before its #!, or no #! at all).
	if !strings.HasPrefix(strings.TrimLeft(string(data[:min(len(data), 64)]), " \t\r\n"), "#!") && !exec {
		return nil
	}
	shebang := strings.HasPrefix(strings.TrimLeft(string(data[:min(len(data), 64)]), " \t\r\n"), "#!")
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(string(data)), "")
	if err != nil {
		return nil
	}
	printer := syntax.NewPrinter()
	text := func(n syntax.Node) string {
		var b strings.Builder
		if printer.Print(&b, n) != nil {
			return ""
		}
		return b.String()
	}
	var runs, filters []string
	var line int
	var ev string
	// Literal assignments (originalps=/bin/.ps) stand for their value in the words after.
	vars := map[string]string{}
	expand := func(w string) string {
		w = strings.Trim(w, `"'`)
		if strings.HasPrefix(w, "$") {
			n := strings.Trim(w[1:], "{}")
			if v, ok := vars[n]; ok {
				return v
			}
		}
		return w
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		c, ok := n.(*syntax.CallExpr)
		if !ok {
			return true
		}
		for _, as := range c.Assigns {
			if as.Name != nil && as.Value != nil && len(vars) < 64 {
				vars[as.Name.Value] = expand(text(as.Value))
			}
		}
		if len(c.Args) == 0 {
			return true
		}
		args := make([]string, 0, len(c.Args))
		for _, w := range c.Args {
			args = append(args, expand(text(w)))
		}
		if args[0] == "exec" || args[0] == "command" || args[0] == "nice" {
			args = args[1:]
		}
		if len(args) == 0 {
			return true
		}
		cmd := args[0]
		b := path.Base(cmd)
		switch {
		case shadow && b == name && binDirs[path.Dir(path.Clean(cmd))] && !strings.HasPrefix(cmd, "/usr/local"):
			// /usr/local/bin/ps running /bin/ps
			runs = append(runs, cmd)
			if line == 0 {
				line, ev = int(c.Pos().Line()), text(c)
			}
		case !shadow && strings.Contains(cmd, "/") && cmd != p && (hiddenName(b) || stagingPath(cmd) != "" || renamedCopy(b, name) ||
			b == name && path.Clean(cmd) != p && !binDirs[path.Dir(path.Clean(cmd))]),
			!shadow && !strings.Contains(cmd, "/") && shebang && (renamedAfter(b, name) || hiddenName(b) && strings.Contains(b, name)):
			// /bin/.ps, /usr/lib/.x/ps, /bin/ps.orig, /dev/shm/ps: the real program moved; or
			// ps.original, .ps found through PATH beside the script
			runs = append(runs, cmd)
			if line == 0 {
				line, ev = int(c.Pos().Line()), text(c)
			}
		case (b == "grep" || b == "egrep" || b == "fgrep") && slices.ContainsFunc(args[1:], func(a string) bool {
			return strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "v") || a == "--invert-match"
		}), b == "sed" && slices.ContainsFunc(args[1:], func(a string) bool { return strings.HasSuffix(a, "/d") || strings.Contains(a, "/d;") }),
			b == "awk" && slices.ContainsFunc(args[1:], func(a string) bool { return strings.Contains(a, "!/") || strings.Contains(a, "!~") }):
			filters = append(filters, text(c))
		}
		return true
	})
	if len(runs) == 0 || shadow && len(filters) == 0 {
		return nil
	}
	detail := p + " is a script that runs " + runs[0]
	if shadow {
		detail = p + " comes before " + runs[0] + " in PATH and runs it"
	}
	if len(filters) > 0 {
		detail += " and filters its output (" + oneLine(filters[0], 80) + ")"
	}
	return []hit{{kind: hitTrojanScript, evidence: oneLine(ev, 200), line: line, detail: detail}}
}
