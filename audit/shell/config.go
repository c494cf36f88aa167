package shell

import (
	"bytes"
	"path"
	"regexp"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// format is how a file holds the commands it runs.
type format int

const (
	formatNone       format = iota
	formatShell             // a shell script
	formatCron              // a crontab: schedules and command fields
	formatSystemd           // a systemd unit: Exec*= lines
	formatDesktop           // an XDG .desktop entry: Exec=
	formatUdev              // udev rules: RUN+= and PROGRAM==
	formatAPT               // APT configuration: *::Pre-Invoke / Post-Invoke commands
	formatPAM               // PAM stacks: pam_exec.so command lines
	formatAuthKeys          // authorized_keys: command="..." options
	formatSSHD              // sshd_config: ForceCommand, AuthorizedKeysCommand
	formatUpstart           // upstart jobs: exec lines and script blocks
	formatInittab           // /etc/inittab: id:runlevels:action:process
	formatLang              // code of another interpreter (lang says which)
	formatHistory           // a shell history file
	formatText              // other text: analysed line by line when it names a tool
	formatBase64Blob        // a file that is one base64 blob
	formatDockerfile        // a Dockerfile: RUN, CMD, ENTRYPOINT, HEALTHCHECK
	formatYAML              // a Kubernetes manifest, compose file or CI definition: its command keys
	formatSupervisor        // supervisord programs: command=
	formatNPM               // a package.json: the scripts npm runs when the package is installed
)

// formatOf says how the file at p holds commands, from its place, name and first bytes.
func formatOf(p string, data []byte) (format, string) {
	dir, name := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	ext := strings.ToLower(path.Ext(name))
	if bytes.HasPrefix(data, []byte("#!")) {
		if l := shebangLang(data); l != "" {
			if l == "shell" {
				return formatShell, ""
			}
			return formatLang, l
		}
	}
	switch {
	case p == "/etc/crontab" || p == "/etc/anacrontab" || dir == "/etc/cron.d" || strings.HasPrefix(p, "/var/spool/cron/") ||
		dir == "/var/spool/cron":
		return formatCron, ""
	case strings.Contains(p, "/systemd/") && (ext == ".service" || ext == ".socket" || ext == ".conf" || ext == ".path" ||
		ext == ".mount" || ext == ".swap") || ext == ".service":
		return formatSystemd, ""
	case ext == ".desktop":
		return formatDesktop, ""
	case ext == ".rules" && strings.Contains(dir, "udev"):
		return formatUdev, ""
	case strings.HasPrefix(p, "/etc/apt/apt.conf"):
		return formatAPT, ""
	case strings.HasPrefix(p, "/etc/pam.d/") || p == "/etc/pam.conf":
		return formatPAM, ""
	case name == "authorized_keys" || name == "authorized_keys2":
		return formatAuthKeys, ""
	case name == "sshd_config" || strings.HasPrefix(dir, "/etc/ssh/sshd_config.d"):
		return formatSSHD, ""
	case strings.HasPrefix(p, "/etc/init/") && ext == ".conf":
		return formatUpstart, ""
	case p == "/etc/inittab":
		return formatInittab, ""
	case name == ".bash_history" || name == ".sh_history" || name == ".ash_history" || name == ".zsh_history" ||
		name == ".history":
		return formatHistory, ""
	}
	if ext == ".pth" && pthFile(p) {
		// site.py runs its import lines as Python at every start; its other lines are
		// directories, which read as Python say nothing
		return formatLang, "python"
	}
	if f := carrierFormat(name, dir, ext, data); f != formatNone {
		return f, ""
	}
	if l := extLang[ext]; l != "" {
		if l == "shell" {
			return formatShell, ""
		}
		return formatLang, l
	}
	if (ext == "" || ext == name) && (binDirs[dir] || userBinDir(dir) || hiddenOrTemp(p)) && pythonHead(data) {
		// a program without a #! line that a wrapper runs with python3 PATH, in a program
		// directory or where intruders keep their files
		return formatLang, "python"
	}
	if shellPlace(p) {
		return formatShell, ""
	}
	return formatText, ""
}

// pythonHead reports text whose first statement imports a Python module: import os,
// from x import y.
func pythonHead(data []byte) bool {
	for _, line := range bytes.SplitN(data[:min(len(data), 1024)], []byte("\n"), 16) {
		l := bytes.TrimSpace(line)
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		if f := bytes.Fields(l); len(f) >= 2 && string(f[0]) == "import" ||
			len(f) >= 4 && string(f[0]) == "from" && string(f[2]) == "import" {
			return true
		}
		return false
	}
	return false
}

var extLang = map[string]string{
	".sh": "shell", ".bash": "shell", ".ksh": "shell", ".zsh": "shell", ".ash": "shell", ".command": "shell",
	".py": "python", ".pyw": "python", ".pl": "perl", ".pm": "perl", ".cgi": "perl", ".rb": "ruby",
	".php": "php", ".php3": "php", ".php4": "php", ".php5": "php", ".php7": "php", ".phtml": "php", ".phar": "php",
	".js": "node", ".mjs": "node", ".cjs": "node", ".lua": "lua", ".awk": "awk", ".tcl": "tcl", ".exp": "tcl",
	".go": "go", ".java": "java", ".groovy": "java", ".gvy": "java", ".gy": "java", ".gsh": "java", ".jsh": "java",
	".c": "c", ".cc": "c", ".cpp": "c", ".cxx": "c", ".rs": "rust", ".r": "r", ".dart": "dart",
}

// shellPlace reports places whose files are shell scripts without saying so: rc and init
// scripts, profile fragments, shell rc files, motd scripts, periodic cron scripts, maintainer
// scripts, network hooks.
func shellPlace(p string) bool {
	dir, name := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	switch {
	case p == "/etc/rc.local" || p == "/etc/profile" || p == "/etc/bash.bashrc" || p == "/etc/bashrc" || p == "/etc/zshrc" ||
		p == "/etc/zprofile" || p == "/etc/environment" || p == "/etc/ssh/sshrc" || p == "/etc/rc.common":
		return true
	case dir == "/etc/init.d" || dir == "/etc/rc.d" || strings.HasPrefix(dir, "/etc/rc.d/") || dir == "/etc/profile.d" ||
		dir == "/etc/update-motd.d" || dir == "/etc/local.d" || strings.HasPrefix(dir, "/etc/cron.") || strings.HasPrefix(dir, "/etc/periodic/") ||
		strings.HasPrefix(dir, "/etc/network/if-") || strings.HasPrefix(dir, "/etc/NetworkManager/dispatcher.d") ||
		strings.HasPrefix(dir, "/etc/ppp/ip-") || dir == "/etc/X11/Xsession.d" || dir == "/etc/zsh" || dir == "/etc/bash_completion.d" ||
		strings.HasPrefix(dir, "/usr/share/bash-completion/") || strings.HasPrefix(dir, "/etc/dhcp/dhclient-") ||
		strings.HasPrefix(dir, "/usr/lib/systemd/system-generators") || strings.HasPrefix(dir, "/lib/systemd/system-generators"):
		return true
	case strings.HasPrefix(dir, "/etc/rc") && strings.HasSuffix(dir, ".d"):
		return true
	case dir == "/var/lib/dpkg/info" && maintainer(name):
		return true
	case shellRC[name] && (strings.HasPrefix(p, "/root/") || strings.HasPrefix(p, "/home/") || strings.HasPrefix(p, "/etc/skel/")):
		return true
	case name == "rc" && path.Base(dir) == ".ssh":
		return true
	}
	return false
}

var shellRC = map[string]bool{".bashrc": true, ".bash_profile": true, ".bash_login": true, ".bash_logout": true, ".bash_aliases": true,
	".profile": true, ".zshrc": true, ".zprofile": true, ".zlogin": true, ".zshenv": true, ".kshrc": true, ".mkshrc": true}

func maintainer(name string) bool {
	for _, s := range []string{".preinst", ".postinst", ".prerm", ".postrm", ".config"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// shebangLang names the language of a #! line: "shell" for the shells.
func shebangLang(data []byte) string {
	if !bytes.HasPrefix(data, []byte("#!")) {
		return ""
	}
	line := data[2:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	f := strings.Fields(string(line))
	if len(f) == 0 {
		return ""
	}
	prog := path.Base(f[0])
	if prog == "env" {
		prog = ""
		for _, x := range f[1:] {
			if !strings.HasPrefix(x, "-") && !strings.Contains(x, "=") {
				prog = path.Base(x)
				break
			}
		}
	}
	if prog == "busybox" && len(f) > 1 {
		prog = path.Base(f[1])
	}
	if shells[prog] {
		return "shell"
	}
	return langOf(prog)
}

// analyzeConfig analyses the commands a file at p holds, by its format.
func analyzeConfig(a *analysis, p string, text []byte) {
	f, lang := formatOf(p, text)
	analyzeAs(a, p, f, lang, text)
}

// analyzeAs analyses the commands a file at p of format f holds.
func analyzeAs(a *analysis, p string, f format, lang string, text []byte) {
	switch f {
	case formatShell, formatHistory:
		a.shellText(text, fdset{})
	case formatText:
		// Text written by a script into a persistence place (a crontab, an rc file) is
		// analysed through its place's format; other text line by line.
		a.shellLines(logicalLines(text))
		for _, l := range sniffLangs(nil, text) {
			a.langCode(nil, l, text)
		}
	case formatLang:
		a.langCode(nil, lang, text)
	case formatCron:
		cronTable(a, p, text)
	case formatYAML:
		c, ok := yamlCommands(text)
		if !ok {
			// a template (Helm's {{ }}) or broken YAML: the lines that name a tool, as text
			a.shellLines(triggerLines(nil, text))
			return
		}
		for _, e := range c.escape {
			a.hits.add(hit{kind: hitEscape, evidence: oneLine(e.text, 200), line: e.line, chain: slices.Clone(a.chain), place: a.place, detail: e.text})
		}
		for _, cmd := range c.cmds {
			a.lineBase = cmd.line - 1
			a.shellText([]byte(cmd.text), fdset{})
		}
		a.lineBase = 0
	default:
		if f == formatSystemd {
			if ev := socketShell(text); ev != "" {
				a.hits.add(hit{kind: hitNetExec, evidence: ev, chain: slices.Clone(a.chain), place: a.place,
					detail: "a shell given each connection systemd accepts on the unit's socket (StandardInput=socket): a bind shell"})
			}
		}
		for _, cmd := range commandsOf(f, text) {
			a.lineBase = cmd.line - 1
			a.shellText([]byte(cmd.text), fdset{})
			if f == formatUdev {
				if how := detaches(cmd.text, 0); how != "" {
					a.hits.add(hit{kind: hitUdevDaemon, evidence: oneLine(cmd.text, 200), line: cmd.line, chain: slices.Clone(a.chain),
						place: a.place, detail: how})
				}
			}
		}
		a.lineBase = 0
	}
}

// socketShell returns the unit line of a service whose standard input is the connection a
// socket unit accepted (StandardInput=socket, as inetd's services are) and whose program is a
// shell reading that input ("/bin/sh", "bash -i", "busybox sh"): whoever connects types into
// the shell. "" for other units.
func socketShell(text []byte) string {
	if !bytes.Contains(text, []byte("StandardInput")) {
		return ""
	}
	socket := false
	for _, line := range strings.Split(string(text), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && strings.TrimSpace(k) == "StandardInput" {
			socket = strings.TrimSpace(v) == "socket"
		}
	}
	if !socket {
		return ""
	}
	for _, m := range systemdExec.FindAllStringSubmatchIndex(string(text), -1) {
		raw := string(text[m[6]:m[7]])
		argv := systemdWords(strings.TrimLeft(raw, "@-:+!|"), nil)
		if prefix := raw[:len(raw)-len(strings.TrimLeft(raw, "@-:+!|"))]; strings.Contains(prefix, "@") && len(argv) > 1 {
			// @: the second word is the program's argv[0], not an argument
			argv = append(argv[:1], argv[2:]...)
		}
		if len(argv) > 0 && path.Base(argv[0]) == "busybox" {
			argv = argv[1:]
		}
		if len(argv) == 0 || !shells[path.Base(argv[0])] {
			continue
		}
		reads := true // a shell with no script reads its commands from standard input
		for _, a := range argv[1:] {
			if !strings.HasPrefix(a, "-") || a == "-c" {
				reads = a == "-s"
				break
			}
		}
		if reads {
			return "StandardInput=socket; " + oneLine(string(text[m[0]:m[1]]), 160)
		}
	}
	return ""
}

// detaches reports how a command leaves a program running after it returns ("in the
// background (&)", "through nohup"): udev runs RUN programs for a moment and kills what they
// leave behind, so a rule that detaches one is how a daemon is kept started on device events.
func detaches(code string, depth int) string {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(code), "")
	if err != nil || depth > 2 {
		return ""
	}
	how := ""
	syntax.Walk(f, func(n syntax.Node) bool {
		if how != "" {
			return false
		}
		switch x := n.(type) {
		case *syntax.Stmt:
			if x.Background {
				how = "in the background (&)"
				return false
			}
		case *syntax.CallExpr:
			if len(x.Args) == 0 {
				return true
			}
			name := path.Base(x.Args[0].Lit())
			switch name {
			case "nohup", "setsid", "daemonize", "disown", "systemd-run", "at", "batch", "start-stop-daemon":
				how = "through " + name
				return false
			case "sh", "bash", "dash", "ash", "busybox":
				for i := 1; i+1 < len(x.Args); i++ {
					if x.Args[i].Lit() == "-c" {
						if q, ok := quotedLit(x.Args[i+1]); ok {
							how = detaches(q, depth+1)
						}
						break
					}
				}
			}
		}
		return how == ""
	})
	return how
}

// quotedLit returns the text of a word that is one quoted literal ('CODE' or "CODE" without
// expansions).
func quotedLit(w *syntax.Word) (string, bool) {
	if len(w.Parts) != 1 {
		return "", false
	}
	switch p := w.Parts[0].(type) {
	case *syntax.SglQuoted:
		return p.Value, true
	case *syntax.DblQuoted:
		if len(p.Parts) == 1 {
			if l, ok := p.Parts[0].(*syntax.Lit); ok {
				return l.Value, true
			}
		}
		if len(p.Parts) == 0 {
			return "", true
		}
	case *syntax.Lit:
		return p.Value, true
	}
	return "", false
}

// cmdLine is a command a configuration file runs, with the line it is on.
type cmdLine struct {
	text string
	line int
}

var cronSchedule = regexp.MustCompile(`^\s*(@(reboot|yearly|annually|monthly|weekly|daily|midnight|hourly)|([0-9*/,\-A-Za-z]+\s+){4}[0-9*/,\-A-Za-z]+)\s+`)

var cronEnv = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_]*\s*=`)

// cronTable analyses the command field of every crontab line. System crontabs (/etc/crontab,
// /etc/cron.d) have a user field before the command; a crontab written by a script may or
// may not.
func cronTable(a *analysis, p string, text []byte) {
	system := p == "/etc/crontab" || strings.HasPrefix(p, "/etc/cron.d/")
	user := strings.HasPrefix(p, "/var/spool/cron/")
	defer func() { a.lineBase = 0 }()
	for n, line := range strings.Split(string(text), "\n") {
		a.lineBase = n
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if cronEnv.MatchString(line) {
			a.shellText([]byte(line), fdset{})
			continue
		}
		m := cronSchedule.FindStringIndex(line)
		if m == nil {
			if p == "/etc/anacrontab" {
				// period delay job-id command
				f := strings.Fields(line)
				if len(f) >= 4 {
					a.shellText([]byte(strings.Join(f[3:], " ")), fdset{})
				}
			}
			continue
		}
		cmd := line[m[1]:]
		if !user {
			if f := strings.Fields(cmd); len(f) > 1 && (system || likelyUser(f[0])) {
				cmd = strings.TrimSpace(cmd[strings.Index(cmd, f[0])+len(f[0]):])
			}
		}
		run := cronCommand(cmd)
		a.shellText([]byte(run), fdset{})
		// cron hands what follows an unescaped % to the command as its input, which breaks a
		// one-liner whose code holds one (Perl's %ENV, a printf format); the line as written is
		// still what its author meant to run, and is read whole as well.
		if whole := strings.ReplaceAll(cmd, `\%`, "%"); whole != run {
			a.shellText([]byte(whole), fdset{})
		}
	}
}

// likelyUser reports a crontab's sixth field that names a user rather than a command.
func likelyUser(w string) bool {
	switch w {
	case "root", "nobody", "www-data", "daemon", "apache", "nginx", "postgres", "mysql", "admin", "ubuntu", "debian", "user":
		return true
	}
	return false
}

// cronCommand cuts a command field at its first unescaped % (what follows is its input)
// and unescapes \%.
func cronCommand(cmd string) string {
	var b strings.Builder
	for i := 0; i < len(cmd); i++ {
		switch {
		case cmd[i] == '\\' && i+1 < len(cmd) && cmd[i+1] == '%':
			b.WriteByte('%')
			i++
		case cmd[i] == '%':
			return b.String()
		default:
			b.WriteByte(cmd[i])
		}
	}
	return b.String()
}

var (
	systemdExec = regexp.MustCompile(`(?m)^\s*(Exec(Start|StartPre|StartPost|Stop|StopPost|Reload|Condition)?)\s*=\s*(.*)$`)
	desktopExec = regexp.MustCompile(`(?m)^\s*(Exec|TryExec)\s*=\s*(.*)$`)
	udevRun     = regexp.MustCompile(`(RUN(?:\{program\})?|PROGRAM|IMPORT\{program\})\s*\+?==?\s*"((?:[^"\\]|\\.)*)"`)
	aptInvoke   = regexp.MustCompile(`(?i)(Pre-Invoke|Post-Invoke|Post-Invoke-Success|Pre-Install-Pkgs|Post-Invoke-Success)[^{"]*\{`)
	pamExec     = regexp.MustCompile(`(?m)^\s*[a-z-]+\s+(\[[^\]]*\]|\S+)\s+\S*pam_exec\.so\s+(.*)$`)
	authCommand = regexp.MustCompile(`(?:^|,)\s*command="((?:[^"\\]|\\.)*)"`)
	sshdCommand = regexp.MustCompile(`(?mi)^\s*(ForceCommand|AuthorizedKeysCommand|AuthorizedPrincipalsCommand)\s+(.*)$`)
	upstartExec = regexp.MustCompile(`(?m)^\s*(pre-start\s+|post-start\s+|pre-stop\s+|post-stop\s+)?exec\s+(.*)$`)
	upstartBody = regexp.MustCompile(`(?ms)^\s*(?:pre-start\s+|post-start\s+|pre-stop\s+|post-stop\s+)?script\s*$(.*?)^\s*end script`)
)

// commandsOf returns the command lines a configuration file of format f runs.
func commandsOf(f format, text []byte) []cmdLine {
	var out []cmdLine
	s := string(text)
	lineAt := func(i int) int { return strings.Count(s[:max(i, 0)], "\n") + 1 }
	add := func(cmd string, at int) { out = append(out, cmdLine{cmd, lineAt(at)}) }
	switch f {
	case formatDockerfile:
		return dockerfileCommands(s)
	case formatSupervisor:
		return supervisorCommands(s)
	case formatNPM:
		return npmInstallScripts(s)
	case formatSystemd:
		s = strings.ReplaceAll(s, "\\\n", "  ")
		// systemd, not a shell, reads an Exec line: it splits it into words by its own quoting,
		// substitutes ${VAR} and $VAR from Environment=, and turns $$ and %% into $ and %. The
		// program then gets those words: they are quoted back for the shell parser.
		env := map[string]string{}
		for _, line := range strings.Split(s, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Environment="); ok {
				for _, kv := range systemdWords(v, nil) {
					if k, val, ok := strings.Cut(kv, "="); ok {
						env[k] = val
						if k == "LD_PRELOAD" || k == "LD_AUDIT" {
							// every program the unit starts loads the library: read as the
							// shell assignment it amounts to
							add(k+"="+shellJoin([]string{val}), strings.Index(s, line))
						}
					}
				}
			}
		}
		for _, m := range systemdExec.FindAllStringSubmatchIndex(s, -1) {
			argv := systemdWords(strings.TrimLeft(s[m[6]:m[7]], "@-:+!|"), env)
			if len(argv) > 0 {
				if shellOperands(argv) {
					// ExecStart=/bin/bash -i >& /dev/tcp/H/P 0>&1: systemd hands the shell
					// ">&" and "0>&1" as words, but the unit's author meant the redirections
					// and pipes of a shell command line; it is read as what it was written to be.
					add(strings.Join(argv, " "), m[0])
					continue
				}
				add(shellJoin(argv), m[0])
			}
		}
	case formatDesktop:
		for _, m := range desktopExec.FindAllStringSubmatchIndex(s, -1) {
			add(desktopFieldCodes.ReplaceAllString(s[m[4]:m[5]], ""), m[0])
		}
	case formatUdev:
		for _, m := range udevRun.FindAllStringSubmatchIndex(s, -1) {
			// a value holds a double quote escaped (RUN+="ncat -e \"/bin/bash -c id\"")
			code := strings.TrimPrefix(strings.ReplaceAll(s[m[4]:m[5]], `\"`, `"`), "/bin/sh -c ")
			// udev groups an argument in single quotes: sh -c 'CODE' hands sh CODE.
			if len(code) >= 2 && code[0] == '\'' && code[len(code)-1] == '\'' && !strings.Contains(code[1:len(code)-1], "'") {
				code = code[1 : len(code)-1]
			}
			add(code, m[0])
		}
	case formatAPT:
		for _, m := range aptInvoke.FindAllStringIndex(s, -1) {
			for _, q := range aptBlock(s[m[1]:]) {
				add(strings.ReplaceAll(q, `\"`, `"`), m[0])
			}
		}
	case formatPAM:
		for _, m := range pamExec.FindAllStringSubmatchIndex(s, -1) {
			var args []string
			for _, w := range strings.Fields(s[m[4]:m[5]]) {
				if strings.Contains(w, "=") && !strings.Contains(w, "/") || w == "quiet" || w == "debug" || w == "expose_authtok" ||
					w == "seteuid" || w == "stdout" || w == "type" {
					continue
				}
				args = append(args, w)
			}
			add(strings.Join(args, " "), m[0])
		}
	case formatAuthKeys:
		for i, line := range strings.Split(s, "\n") {
			for _, m := range authCommand.FindAllStringSubmatch(line, -1) {
				out = append(out, cmdLine{strings.ReplaceAll(m[1], `\"`, `"`), i + 1})
			}
		}
	case formatSSHD:
		for _, m := range sshdCommand.FindAllStringSubmatchIndex(s, -1) {
			add(s[m[4]:m[5]], m[0])
		}
	case formatUpstart:
		for _, m := range upstartExec.FindAllStringSubmatchIndex(s, -1) {
			add(s[m[4]:m[5]], m[0])
		}
		for _, m := range upstartBody.FindAllStringSubmatchIndex(s, -1) {
			add(s[m[2]:m[3]], m[2])
		}
	case formatInittab:
		for i, line := range strings.Split(s, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if f := strings.SplitN(line, ":", 4); len(f) == 4 {
				out = append(out, cmdLine{f[3], i + 1})
			}
		}
	}
	return out
}

// aptBlock returns the quoted strings of an APT list, from just after its "{" to the "}"
// that closes it outside any string (a command may hold braces: ${VAR}, f() { ...; }).
func aptBlock(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '}':
			return out
		case '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			out = append(out, s[i+1:min(j, len(s))])
			i = j
		}
	}
	return out
}

var desktopFieldCodes = regexp.MustCompile(`%[fFuUdDnNickvm]`)

// langMarkers tell code of a language in a file that does not say what it is.
var langMarkers = []struct {
	lang    string
	markers []string
}{
	{"python", []string{"import socket", "import os", "import pty", "import subprocess", "__import__(", "from socket import", "socket.socket(", "pty.spawn("}},
	{"java", []string{"java.net.Socket", "new Socket(", "ProcessBuilder(", "Runtime.getRuntime()"}},
	{"perl", []string{"use Socket", "use IO::Socket", "IO::Socket::INET"}},
	{"ruby", []string{"require 'socket'", `require "socket"`, "TCPSocket", "Socket.tcp"}},
	{"php", []string{"<?php", "<?="}},
	{"node", []string{"require('net')", `require("net")`, "require('child_process')", `require("child_process")`, "from 'net'", `from "net"`}},
	{"lua", []string{"require('socket')", `require("socket")`, "require 'socket'", `require "socket"`}},
	{"awk", []string{"/inet/tcp/", "/inet4/tcp/", "/inet6/tcp/"}},
	{"tcl", []string{"[socket "}},
}

// sniffLangs names the languages whose markers a text holds.
func sniffLangs(g *grams, text []byte) []string {
	if !g.hasString(text, "ocket") && !g.hasString(text, "/inet") && !g.hasString(text, "<?") &&
		!g.hasString(text, "require(") && !g.hasString(text, "Process") && !g.hasString(text, "Runtime") {
		return nil
	}
	var out []string
	for _, lm := range langMarkers {
		for _, m := range lm.markers {
			if g.hasString(text, m) {
				out = append(out, lm.lang)
				break
			}
		}
	}
	return out
}

// unitShells are the shells a unit's Exec line may start without sh -c.
var unitShells = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true, "ash": true, "busybox": true}

// shellOperands reports an Exec line's words that start a shell with no -c (or a script) and
// hand it redirections, pipes or command separators as words of their own: what a shell
// command line holds, written where no shell reads it.
func shellOperands(argv []string) bool {
	if !unitShells[path.Base(argv[0])] {
		return false
	}
	for _, w := range argv[1:] {
		if w == "-c" || strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--") && strings.Contains(w, "c") {
			return false // sh -c CODE is read as the code it runs
		}
		switch {
		case w == "|" || w == "||" || w == "&&" || w == ";" || w == "&" || w == "|&",
			strings.ContainsAny(w, "<>") && strings.Trim(w, "0123456789&<>-") == "", // >, >>, >&, 0>&1, 2>&1, &>
			(strings.HasPrefix(w, ">") || strings.HasPrefix(w, "<")) && strings.Contains(w, "/dev/"):
			return true
		}
	}
	return false
}

// systemdWords splits a unit's command line into words the way systemd does: double and
// single quotes group, backslash escapes are C escapes, %% is %, $$ is $, ${VAR} is replaced
// inside a word and $VAR standing alone as a word is replaced and split at blanks (env nil
// leaves variables as they are written).
func systemdWords(line string, env map[string]string) []string {
	var out []string
	var cur strings.Builder
	in := false // a word is being built
	flush := func() {
		if in {
			out = append(out, cur.String())
			cur.Reset()
			in = false
		}
	}
	lookup := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok && env != nil
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '"' || c == '\'':
			in = true
			j := i + 1
			for j < len(line) && line[j] != c {
				if line[j] == '\\' && j+1 < len(line) {
					j++
				}
				j++
			}
			body := line[i+1 : min(j, len(line))]
			body = strings.ReplaceAll(unquoteC(body), "%%", "%")
			cur.WriteString(systemdVars(body, lookup))
			i = j
		case c == '\\' && i+1 < len(line):
			in = true
			cur.WriteString(unquoteC(line[i : i+2]))
			i++
		case c == '%' && i+1 < len(line) && line[i+1] == '%':
			in = true
			cur.WriteByte('%')
			i++
		case c == '$' && !in && i+1 < len(line) && isIdentStart(line[i+1]) && line[i+1] != '$':
			// $VAR as a word of its own: its value, split at blanks.
			j := i + 1
			for j < len(line) && isIdentPart(line[j]) {
				j++
			}
			if j == len(line) || line[j] == ' ' || line[j] == '\t' {
				if v, ok := lookup(line[i+1 : j]); ok {
					out = append(out, strings.Fields(v)...)
					i = j - 1
					continue
				}
			}
			in = true
			cur.WriteByte(c)
		default:
			// At least this byte: a backslash ending the line is kept as it is.
			in = true
			j := i + 1
			for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '"' && line[j] != '\'' && line[j] != '\\' && !(line[j] == '%' && j+1 < len(line) && line[j+1] == '%') {
				j++
			}
			cur.WriteString(systemdVars(line[i:j], lookup))
			i = j - 1
		}
	}
	flush()
	return out
}

// systemdVars replaces ${VAR} with its value and $$ with $ in a piece of a word.
func systemdVars(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '$':
			b.WriteByte('$')
			i++
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			if end := strings.IndexByte(s[i:], '}'); end > 0 {
				if v, ok := lookup(s[i+2 : i+end]); ok {
					b.WriteString(v)
					i += end
					continue
				}
			}
			b.WriteByte('$')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
