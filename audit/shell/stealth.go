package shell

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Timestomping (T1070.006): a script that sets a file's times so that the file passes for
// one the system has had since it was installed. touch -d/-t/-r applied to a file the script
// dropped into a system path is the intruder's; to a system file alone it is worth a look;
// builds that date their own outputs (touch -d @$SOURCE_DATE_EPOCH, touch -r between two
// of their files) are not read.

// clockSet reads the system clock set to a date the script gives (date -s, date MMDDhhmm,
// timedatectl set-time) or a program run at a false time (faketime): the files written while
// it stands there are dated then.
func (a *analysis) clockSet(s *syntax.Stmt, name string, args []val, fds fdset) {
	set := ""
	for i, x := range args {
		switch {
		case name == "date" && (x.s == "-s" || x.s == "--set") && i+1 < len(args):
			set = "date -s " + args[i+1].s
		case name == "date" && strings.HasPrefix(x.s, "--set="):
			set = "date " + x.s
		case name == "date" && i == len(args)-1 && len(x.s) >= 8 && strings.Trim(x.s, "0123456789.") == "":
			set = "date " + x.s // date MMDDhhmm[[CC]YY][.ss]
		case name == "timedatectl" && x.s == "set-time" && i+1 < len(args):
			set = "timedatectl set-time " + args[i+1].s
		}
	}
	if name == "faketime" && len(args) >= 2 {
		// faketime '2019-01-01' cp x /usr/bin/y: the command it runs, at that time
		a.clock = "faketime " + args[0].s
		a.exec(s, args[1:], fds)
		a.clock = ""
		return
	}
	if set != "" {
		a.clock = strings.ReplaceAll(set, unknown, "?")
	}
}

// clockWrite notes a file written into a system path while the clock was set (clockSet).
func (a *analysis) clockWrite(at syntax.Node, p string) {
	if a.clock == "" || at == nil {
		return
	}
	if sys := systemPath(p); sys != "" {
		if h := a.mark(hitTimestomp, at, strings.ReplaceAll(p, unknown, "?")+" put into "+sys+" while the clock is set by "+a.clock, ""); h != nil {
			h.critical = true
		}
	}
}

// plant notes a file the script copied, moved or installed to dst.
func (a *analysis) plant(at syntax.Node, dst, src string) {
	if dst == "" {
		return
	}
	if strings.HasSuffix(dst, "/") || binDirs[path.Clean(dst)] {
		if src == "" {
			return
		}
		dst = path.Join(dst, path.Base(src))
	}
	a.clockWrite(at, dst)
	a.copied(dst, src)
	if a.planted == nil {
		a.planted = map[string]bool{}
	}
	if len(a.planted) < 256 {
		a.planted[dst] = true
	}
}

// wrote reports a file the script wrote, downloaded, built, copied or moved into place.
func (a *analysis) wrote(p string) bool {
	if _, ok := a.file(p); ok {
		return true
	}
	return a.built[p] != "" || a.planted[p]
}

// systemPath says which system place p is in: the program, library and configuration
// directories, and web roots; "" for none.
func systemPath(p string) string {
	if strings.Contains(p, unknown) || !strings.HasPrefix(p, "/") {
		return ""
	}
	c := path.Clean(p)
	for _, d := range []string{"/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/", "/lib/", "/lib64/",
		"/usr/lib/", "/usr/lib64/", "/usr/libexec/", "/etc/", "/boot/", "/var/www/", "/srv/www/", "/usr/share/nginx/"} {
		if strings.HasPrefix(c, d) {
			return strings.TrimSuffix(d, "/")
		}
	}
	return ""
}

// touch reads touch -d/--date/-t/-r/--reference: the times it gives the files it names.
func (a *analysis) touch(s *syntax.Stmt, args []val) {
	how, ref := "", ""
	var targets []string
	opt := func(flag string, v val) {
		switch flag {
		case "d", "t":
			how = "touch -" + flag + " " + strings.ReplaceAll(v.s, unknown, "?")
		case "date":
			how = "touch --date " + strings.ReplaceAll(v.s, unknown, "?")
		case "r", "reference":
			ref = v.s
			how = "touch -r " + strings.ReplaceAll(v.s, unknown, "?")
		}
	}
	for i := 0; i < len(args); i++ {
		x := args[i].s
		switch {
		case x == "--":
			for _, y := range args[i+1:] {
				targets = append(targets, y.s)
			}
			i = len(args)
		case strings.HasPrefix(x, "--"):
			name, v, ok := strings.Cut(x[2:], "=")
			if name != "date" && name != "reference" {
				continue
			}
			if !ok {
				if i+1 >= len(args) {
					continue
				}
				i++
				opt(name, args[i])
				continue
			}
			opt(name, val{s: v})
		case strings.HasPrefix(x, "-") && len(x) > 1:
			// a cluster of flags, the last of d, t or r taking a value (-hr REF, -md2019-01-01)
			for j := 1; j < len(x); j++ {
				c := x[j : j+1]
				if c != "d" && c != "t" && c != "r" {
					continue
				}
				if j+1 < len(x) {
					opt(c, val{s: x[j+1:]})
				} else if i+1 < len(args) {
					i++
					opt(c, args[i])
				}
				break
			}
		default:
			targets = append(targets, x)
		}
	}
	if strings.Contains(a.evidence(s), "SOURCE_DATE_EPOCH") {
		return // a reproducible build dates its outputs
	}
	if a.clock != "" {
		// touched while the system clock is set back or forward: the change time, which touch
		// alone cannot set, is forged with the others (set the clock, touch, set it back)
		for _, t := range targets {
			if h := a.mark(hitTimestomp, s, nonEmpty(how, "touch")+" on "+strings.ReplaceAll(t, unknown, "?")+" while the clock is set by "+a.clock+
				": its change time forged with the others", ""); h != nil {
				h.critical = true
			}
		}
		return
	}
	if how == "" {
		return
	}
	refSys := systemPath(ref)
	for _, t := range targets {
		a.stomp(s, t, how, refSys != "")
	}
}

// stomp judges a file whose times a command set: in a system path and put there by the
// script, dated like the system's (high); a system file, or a file of the script's dated like
// a system file (low).
func (a *analysis) stomp(s syntax.Node, t, how string, refSys bool) {
	sys := systemPath(t)
	wrote := a.wrote(t)
	shown := strings.ReplaceAll(t, unknown, "?")
	switch {
	case sys != "" && wrote:
		if h := a.mark(hitTimestomp, s, how+" on "+shown+", a file the script put into "+sys, ""); h != nil {
			h.critical = true
		}
	case sys != "":
		a.mark(hitTimestomp, s, how+" on "+shown+", in "+sys, "")
	case wrote && refSys:
		// a file it dropped, dated like the system's own files
		if h := a.mark(hitTimestomp, s, how+" on "+shown+", a file the script wrote, given a system file's times", ""); h != nil {
			h.critical = true
		}
	case wrote && hiddenOrTemp(t):
		a.mark(hitTimestomp, s, how+" on "+shown+", a file the script wrote into a hidden or temporary place", "")
	}
}

// debugfsTimes reads debugfs -w set_inode_field of a time field (in -R or on its input): the
// inode's change or birth time, which touch cannot set, rewritten on the disk.
func (a *analysis) debugfsTimes(s *syntax.Stmt, args []val, in val) {
	text := in.s
	for _, x := range args {
		text += "\n" + x.s
	}
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(strings.ReplaceAll(l, unknown, "?"))
		if len(f) < 4 || f[0] != "set_inode_field" && f[0] != "sif" {
			continue
		}
		switch strings.TrimSuffix(f[2], "_extra") {
		case "mtime", "atime", "ctime", "crtime", "dtime":
			if h := a.mark(hitTimestomp, s, "debugfs set_inode_field "+f[1]+" "+f[2]+" (the inode's times rewritten on the disk)", ""); h != nil {
				h.critical = true
			}
			return
		}
	}
}

// stealthLang reads Python, Perl, Node.js and Ruby code for timestomping, log cleaning and
// fake password prompts. Most code handed here does none: one pass over its strings and
// names decides which readers run.
func (a *analysis) stealthLang(s *syntax.Stmt, lang string, ts []token) {
	if lang != "python" && lang != "perl" && lang != "node" && lang != "ruby" {
		return
	}
	var stomp, logs, prompt bool
	for i, t := range ts {
		switch t.kind {
		case tokIdent:
			switch t.text {
			case "utime", "utimes", "utimesSync", "lutimes", "lutimesSync", "copystat":
				stomp = true
			case "getpass", "STDIN", "stdin":
				prompt = true
			case "qw":
				for _, w := range strings.Fields(qwText(ts, i)) {
					logs = logs || namedLog(w)
				}
			}
		case tokString:
			logs = logs || len(t.text) < 256 && namedLog(t.text)
			prompt = prompt || t.text == "-echo" || strings.Contains(t.text, "stty -echo")
		}
	}
	if stomp {
		a.stompLang(s, lang, ts)
	}
	if logs {
		// the editor first: where the code is one statement of a script (a here-document),
		// the rewrite the log reading finds there is the same hit, kept once
		if i, ok := loginRecordEditor(ts); ok {
			if h := a.langHit(s, hitLogWipe, ts, i, map[string]string{"python": "Python", "perl": "Perl", "node": "Node.js", "ruby": "Ruby"}[lang]+
				" code that unpacks login records by their layout and writes the file back (a login record editor: entries taken out or forged)", "login"); h != nil {
				h.critical = true
			}
		}
		a.logCleanLang(s, lang, ts)
	}
	if prompt {
		a.promptLang(s, lang, ts)
	}
}

// namedLog reports login records or a system log by name (not a directory of logs).
func namedLog(p string) bool {
	k := logKind(p)
	return k == "login" || k == "log"
}

// qwText returns the words of Perl's qw(...) at i, as the tokenizer split them.
func qwText(ts []token, i int) string {
	if i+1 >= len(ts) || ts[i+1].text != "(" {
		return ""
	}
	var b strings.Builder
	for j := i + 2; j < len(ts) && j < i+200 && ts[j].text != ")"; j++ {
		if ts[j].kind == tokPunct && ts[j].text != "/" && ts[j].text != "." && ts[j].text != "-" && ts[j].text != "_" {
			b.WriteByte(' ')
			continue
		}
		b.WriteString(ts[j].text)
	}
	return b.String()
}

// maxNameValues bounds the strings one name stands for.
const maxNameValues = 16

// langNames maps the names the code gives strings (x = '/var/log/wtmp', my $f = '...') to
// them; a loop variable over a list of strings (for p in ('/a', '/b'), for my $l (qw(...)))
// and a function's parameter that a call passes such a name or string to stand for each.
func langNames(ts []token) map[string][]string {
	names := map[string][]string{}
	for i := 1; i+1 < len(ts); i++ {
		if ts[i].text == "=" && ts[i-1].kind == tokIdent && ts[i+1].kind == tokString && len(names) < 256 && len(names[ts[i-1].text]) < maxNameValues {
			names[ts[i-1].text] = append(names[ts[i-1].text], ts[i+1].text)
		}
	}
	// loops: for NAME in (...), for my $NAME (...), foreach
	for i := 0; i+3 < len(ts); i++ {
		if ts[i].text != "for" && ts[i].text != "foreach" {
			continue
		}
		j := i + 1
		if ts[j].text == "my" || ts[j].text == "const" || ts[j].text == "let" || ts[j].text == "var" {
			j++
		}
		if ts[j].kind != tokIdent {
			continue
		}
		v := ts[j].text
		k := j + 1
		if k < len(ts) && (ts[k].text == "in" || ts[k].text == "of") {
			k++
		}
		if k < len(ts) && ts[k].text == "(" && k+1 < len(ts) && ts[k+1].text == "(" {
			k++ // for (const x of (...))
		}
		if k >= len(ts) {
			continue
		}
		for _, t := range callArgs(ts, k) {
			if t.kind == tokString && len(names[v]) < maxNameValues {
				names[v] = append(names[v], t.text)
			}
		}
		if k+1 < len(ts) && ts[k+1].text == "qw" && len(names[v]) < maxNameValues {
			names[v] = append(names[v], strings.Fields(qwText(ts, k+1))...)
		}
	}
	// a function's first parameter, given a name or a string at a call
	params := map[string]string{}
	for i := 0; i+3 < len(ts); i++ {
		if (ts[i].text == "def" || ts[i].text == "function") && ts[i+1].kind == tokIdent && ts[i+2].text == "(" && ts[i+3].kind == tokIdent && len(params) < 256 {
			params[ts[i+1].text] = ts[i+3].text
		}
	}
	for j := 1; j+2 < len(ts) && len(params) > 0; j++ {
		param, ok := params[ts[j].text]
		if !ok || ts[j+1].text != "(" || ts[j-1].text == "def" || ts[j-1].text == "function" {
			continue
		}
		switch x := ts[j+2]; x.kind {
		case tokString:
			names[param] = append(names[param], x.text)
		case tokIdent:
			if x.text != param {
				names[param] = append(names[param], names[x.text]...)
			}
		}
		if len(names[param]) > maxNameValues {
			names[param] = names[param][:maxNameValues]
		}
	}
	return names
}

// argStrings returns the strings an argument list names: its literals, and what the names in
// it stand for.
func argStrings(args []token, names map[string][]string) []string {
	var out []string
	for _, t := range args {
		switch t.kind {
		case tokString:
			out = append(out, t.text)
		case tokIdent:
			out = append(out, names[t.text]...)
		}
	}
	return out
}

// stompLang reads os.utime, Perl's utime, fs.utimesSync, File.utime and shutil.copystat on a
// file in a system path or one the code (or the script around it) put there.
func (a *analysis) stompLang(s *syntax.Stmt, lang string, ts []token) {
	names := langNames(ts)
	// the files the code writes, copies or moves into place
	put := map[string]bool{}
	refSys := false
	for i, t := range ts {
		if t.kind != tokIdent || i+1 >= len(ts) {
			continue
		}
		switch t.text {
		case "copy", "copy2", "copyfile", "move", "rename", "replace", "copyFileSync", "renameSync", "writeFileSync", "open",
			"urlretrieve", "cp", "mv", "install", "write", "binwrite":
			for _, p := range argStrings(callArgs(ts, i+1), names) {
				put[p] = true
			}
		case "stat", "lstat", "statSync", "lstatSync", "mtime":
			for _, p := range argStrings(callArgs(ts, i+1), names) {
				refSys = refSys || systemPath(p) != ""
			}
		}
	}
	for i, t := range ts {
		if t.kind != tokIdent || i+1 >= len(ts) {
			continue
		}
		var targets []string
		switch t.text {
		case "utime", "utimes", "utimesSync", "lutimes", "lutimesSync":
			strs := argStrings(callArgs(ts, i+1), names)
			if lang == "python" && len(strs) > 0 {
				strs = strs[:1] // os.utime(path, times)
			}
			targets = strs
		case "copystat":
			strs := argStrings(callArgs(ts, i+1), names)
			if len(strs) >= 2 {
				refSys = refSys || systemPath(strs[0]) != ""
				targets = strs[1:2]
			}
		default:
			continue
		}
		for _, p := range targets {
			sys := systemPath(p)
			if sys == "" {
				continue
			}
			detail := t.text + " on " + p + ", in " + sys
			dropped := put[p] || a.wrote(p)
			if dropped {
				detail = t.text + " on " + p + ", a file the code put into " + sys
			}
			if refSys {
				detail += ", given a system file's times"
			}
			h := a.langHit(s, hitTimestomp, ts, i, detail, "")
			if h != nil && dropped {
				h.critical = true
			}
			return
		}
	}
}

// langHit records a hit found in code of another language: at the statement that runs it,
// or at the tokens around i in a file of its own.
func (a *analysis) langHit(s *syntax.Stmt, kind hitKind, ts []token, i int, detail, lang string) *hit {
	if s != nil {
		return a.mark(kind, s, detail, lang)
	}
	n := len(a.hits.hits)
	a.hits.add(hit{kind: kind, lang: lang, evidence: snippet(ts[max(0, i-4):min(len(ts), i+12)]), chain: append([]string(nil), a.chain...),
		place: a.place, detail: detail})
	if len(a.hits.hits) == n {
		return nil
	}
	return &a.hits.hits[len(a.hits.hits)-1]
}

// logWriters are the calls logCleanLang reads.
var logWriters = map[string]bool{"open": true, "sysopen": true, "fopen": true, "openSync": true, "new": true, "rename": true,
	"replace": true, "move": true, "renameSync": true, "copyfile": true, "copy": true, "writeFileSync": true, "writeFile": true,
	"write": true, "binwrite": true, "write_bytes": true, "write_text": true, "truncate": true, "truncateSync": true}

// logCleanLang reads code that writes login records or a system log back: opened for
// writing or updating (open(p, 'wb'), open(F, ">$f"), '+<', 'r+b'), replaced by a rename or
// move, or written whole (fs.writeFileSync, File.write): a log cleaner rewriting the records
// without the intruder's, or emptying them. Reading them is not.
func (a *analysis) logCleanLang(s *syntax.Stmt, lang string, ts []token) {
	names := langNames(ts)
	// Perl: open(F, ">$f") and open(F, ">/var/log/x") name the file in the mode string
	perlTarget := func(m string) (string, bool) {
		for _, p := range []string{"+<", "+>", ">>", ">"} {
			if rest, ok := strings.CutPrefix(m, p); ok && p != ">>" {
				return strings.TrimSpace(rest), true
			}
		}
		return "", false
	}
	for i, t := range ts {
		if t.kind != tokIdent || i+1 >= len(ts) || i > 0 && ts[i-1].text == "def" || !logWriters[t.text] {
			continue
		}
		args := callArgs(ts, i+1)
		var targets []string
		switch t.text {
		case "open", "sysopen", "fopen", "openSync", "new":
			var strs []string
			mode := false
			for j, x := range args {
				if x.kind == tokString {
					if p, ok := perlTarget(x.text); ok && lang == "perl" {
						mode = true
						if p == "" {
							continue
						} else if ps, ok := names[p]; ok {
							strs = append(strs, ps...)
						} else {
							strs = append(strs, p)
						}
						continue
					}
					if j > 0 && (strings.ContainsAny(x.text, "w+") && len(x.text) <= 4 || x.text == "r+") {
						mode = true
						continue
					}
				}
				strs = append(strs, argStrings([]token{x}, names)...)
			}
			if mode {
				targets = strs
			}
		case "rename", "replace", "move", "renameSync", "copyfile", "copy":
			if parts := splitArgs(args); len(parts) >= 2 {
				targets = argStrings(parts[len(parts)-1], names)
			}
		case "writeFileSync", "writeFile", "write", "binwrite", "write_bytes", "write_text", "truncate", "truncateSync":
			if i > 0 && (ts[i-1].text == "." || ts[i-1].text == "::") && i > 1 && (ts[i-2].text == "fs" || ts[i-2].text == "File" || ts[i-2].text == "IO") {
				strs := argStrings(args, names)
				if len(strs) > 0 {
					targets = strs[:1]
				}
			}
		default:
			continue
		}
		for _, p := range targets {
			if !namedLog(p) {
				continue
			}
			kind := logKind(p)
			what := map[string]string{"login": "login records", "log": "a system log"}[kind]
			a.langHit(s, hitLogWipe, ts, i, map[string]string{"python": "Python", "perl": "Perl", "node": "Node.js", "ruby": "Ruby"}[lang]+
				" code rewriting "+p+" ("+what+")", kind)
			return
		}
	}
}

// utmpLayout matches a pack or struct format of the utmp record: the line (32), id (4) and
// user (32) fields one after the other (Python's 32s4s32s, Perl's A32 A4 A32).
var utmpLayout = regexp.MustCompile(`32s\s*4s\s*32s|[AaZ]32\s*[AaZ]4\s*[AaZ]32`)

// loginRecordEditor reports code that knows the login record's layout (its pack format, or
// the ut_user and ut_host fields), names a login record file and opens a file for writing:
// it rewrites the records, which the system only ever appends to. It returns where the
// layout is.
func loginRecordEditor(ts []token) (int, bool) {
	layout, user, host, login, write := -1, false, false, false, false
	for i, t := range ts {
		switch t.kind {
		case tokString:
			if len(t.text) < 128 && utmpLayout.MatchString(t.text) && layout < 0 {
				layout = i
			}
			if len(t.text) < 256 && logKind(t.text) == "login" || t.text == "wtmp" || t.text == "btmp" || t.text == "utmp" || t.text == "lastlog" {
				login = true
			}
			switch t.text {
			case "wb", "w+b", "wb+", "r+b", "rb+", ">", "+<", "+>", "r+":
				write = true
			}
		case tokIdent:
			user = user || t.text == "ut_user" || t.text == "ut_name"
			host = host || t.text == "ut_host"
			if user && host && layout < 0 {
				layout = i
			}
		}
	}
	return layout, layout >= 0 && login && write
}

// authFailures are what a login program prints when the password is wrong: a fake prompt
// prints one after keeping the password, so that the user types it again into the real one.
var authFailures = []string{"Authentication failure", "Sorry, try again", "incorrect password", "Permission denied, please try again",
	"Authentication token manipulation error", "Login incorrect", "incorrect password attempt"}

// imitates reports a prompt kept where a user runs it in place of a program that asks for a
// password: a hidden file in a temporary or cache directory, or a file named after such a
// program (su, sudo, ssh, passwd ...) outside the system's directories.
func imitates(p string) string {
	if p == "" || strings.Contains(p, unknown) {
		return ""
	}
	b := strings.TrimPrefix(path.Base(p), ".")
	sys := systemPath(p)
	switch {
	case (loginPrompts[b] || b == "ssh" || b == "scp") && (sys == "" || strings.HasPrefix(p, "/usr/local/")):
		return "kept as " + p + ", ahead of the real " + b + " in PATH"
	case hiddenOrTemp(p) || strings.Contains(p, "/.cache/") || strings.HasPrefix(p, "/tmp/"):
		return "kept as a hidden or temporary file (" + p + ")"
	}
	return ""
}

// namesPassword reports a short string of the code that names a password and ends a prompt
// ("[sudo] password for {0}: ", "[sudo] password for " + user + ": ").
func namesPassword(ts []token) bool {
	return slices.ContainsFunc(ts, func(t token) bool {
		l := strings.ToLower(t.text)
		return t.kind == tokString && len(t.text) < 120 && strings.Contains(l, "passw") && (strings.Contains(l, ":") || strings.HasSuffix(l, " for "))
	})
}

// echoOff reports code that turns the terminal's echo off (stty -echo, termios ECHO cleared).
func echoOff(ts []token) bool {
	return slices.ContainsFunc(ts, func(t token) bool {
		return t.kind == tokString && strings.Contains(t.text, "-echo") || t.kind == tokIdent && t.text == "ECHO"
	})
}

// renamedLogin reports a program that asks for a password, or a copy of one renamed with a
// suffix (sudoA, sudo.real, su-orig), as a wrapper that keeps the password runs it.
func renamedLogin(b string) bool {
	if loginPrompts[b] || b == "ssh" {
		return true
	}
	for n := range loginPrompts {
		if len(b) > len(n) && len(b) <= len(n)+6 && strings.HasPrefix(b, n) {
			return true
		}
	}
	return false
}

// promptLang reads Python and Perl code that asks for a password without echo (getpass,
// stty -echo then a line of STDIN) after a prompt naming one, and keeps or sends what was
// typed: a fake prompt when it runs the real program behind it, prints a login failure, or is
// kept where it passes for the program.
func (a *analysis) promptLang(s *syntax.Stmt, lang string, ts []token) {
	var asks, kept, real, fails bool
	at := 0
	keptHow := ""
	for i, t := range ts {
		switch t.kind {
		case tokIdent:
			switch t.text {
			case "getpass":
				if i+1 < len(ts) && ts[i+1].text == "(" {
					args := callArgs(ts, i+1)
					// getpass() asks "Password: " itself; a prompt in a variable is the file's
					// string that names a password
					asks = asks || len(args) == 0 && lang == "python" || namesPassword(ts)
					for _, x := range args {
						asks = asks || x.kind == tokString && strings.Contains(strings.ToLower(x.text), "passw")
					}
					at = i
				}
			case "input", "raw_input":
				// Python reading a line after turning the terminal's echo off
				if lang == "python" && i+1 < len(ts) && ts[i+1].text == "(" && echoOff(ts) && namesPassword(ts) {
					asks, at = true, i
				}
			case "open":
				for _, x := range callArgs(ts, i+1) {
					if x.kind == tokString && (x.text == "a" || x.text == "w" || x.text == "ab" || x.text == "a+" || x.text == ">>" || x.text == ">" ||
						strings.HasPrefix(x.text, ">>")) {
						kept, keptHow = true, "written into a file"
					}
				}
			case "urlopen", "post", "sendall", "sendmail", "send_message", "storbinary":
				kept, keptHow = true, "sent by "+t.text
			case "execv", "execvp", "execve", "execl", "execlp", "run", "call", "Popen", "system", "check_call", "check_output",
				"spawn", "spawnSync", "execSync", "execFileSync", "exec":
				// the real program run behind the prompt: the command's first word
				if i+1 < len(ts) && ts[i+1].text == "(" {
					for _, x := range callArgs(ts, i+1) {
						if x.kind != tokString {
							continue
						}
						if f := strings.Fields(x.text); len(f) > 0 {
							b := path.Base(f[0])
							real = real || renamedLogin(b) && (f[0] == b || systemPath(f[0]) != "")
						}
						break
					}
				}
			}
		case tokString:
			if len(t.text) > 200 {
				continue
			}
			l := strings.ToLower(t.text)
			if strings.Contains(l, "passw") && strings.Contains(t.text, ":") && lang == "perl" {
				asks = true
				at = i
			}
			words := strings.Fields(t.text)
			for j, f := range words {
				b := path.Base(f)
				if b == "nc" || b == "curl" || b == "mail" || b == "sendmail" {
					kept, keptHow = true, "sent by "+b
				}
				next := ""
				if j+1 < len(words) {
					next = words[j+1]
				}
				if (f == ">>" && strings.HasPrefix(next, "/") || strings.HasPrefix(f, ">>/")) && !kept {
					kept, keptHow = true, "written into a file" // os.system("echo " + user + ":" + pw + " >> /lib/.log")
				}
				// the real program fed the password on its standard input, under its own name or
				// a renamed copy (sudoA, sudo.real): echo PW | sudo -S CMD
				if next == "-S" && renamedLogin(b) {
					real = true
				}
			}
			if t.text == "-S" && i >= 2 && ts[i-1].text == "," && ts[i-2].kind == tokString && renamedLogin(path.Base(ts[i-2].text)) {
				real = true // subprocess.Popen(['sudoA', '-S', ...])
			}
			for _, m := range authFailures {
				fails = fails || strings.Contains(t.text, m)
			}
		}
	}
	if lang == "perl" {
		// Perl reads the line from STDIN after turning echo off itself
		asks = asks && slices.ContainsFunc(ts, func(t token) bool {
			return t.kind == tokString && (t.text == "-echo" || strings.Contains(t.text, "stty -echo"))
		})
	}
	if !asks || !kept {
		return
	}
	where := imitates(a.place)
	if where == "" && a.place == "" {
		where = imitates(a.self)
	}
	why := ""
	switch {
	case real:
		why = "and runs the real program behind it"
	case fails:
		why = "and prints a login failure so that it is typed again"
	case where != "":
		why = where
	default:
		return
	}
	a.langHit(s, hitFakePrompt, ts, at, "the password typed is "+keptHow+" ("+why+")", "")
}
