package shell

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
)

// Rules of persistence that runs staged code: an autostart place whose command runs a
// program or script kept where an attacker stages files.
const (
	RuleStagedShellRC   = "STRATA-PS-004" // profile and shell rc files, their aliases and functions
	RuleStagedCron      = "STRATA-PS-005" // cron, anacron and at jobs
	RuleStagedSystemd   = "STRATA-PS-006" // systemd units
	RuleStagedAutostart = "STRATA-PS-007" // rc and init scripts, motd, udev, XDG autostart, PAM and APT hooks, sshd commands
	RuleStagedPth       = "STRATA-PS-008" // python .pth start-up hooks
)

// run is a program or script file an autostart file runs.
type run struct {
	target   string // its path as the code names it; unknown parts are "?"
	how      string // "alias sudo", "function ls", "python .pth hook", "" when run directly
	verb     string // what the file does with the target: "" runs it
	shadow   string // the command an alias or function shadows
	line     int
	evidence string
	// why is what makes the run a finding by itself, whatever the target: a password prompt
	// in front of sudo, a PAM stack handing passwords over
	why string
	// unowned: the run counts only when no package owns the target (or packages are not known)
	unowned bool
	// targetTitle, when set, reports the target itself too, with this title; label is the
	// category the findings carry beside persistence
	targetTitle string
	label       audit.Category
	// units lists, for a timer, the unit files it may start, where systemd looks for them:
	// the target is the first the image holds
	units []string
	// alts are the paths a target named without a directory may be at (a pam_python script
	// is looked for beside the PAM modules): the first the image holds is the target
	alts []string
}

// runVia is the alias or function whose body is being analysed.
type runVia struct {
	how, name, evidence string
	line                int
}

// recordRun notes that the code runs the file p.
func (a *analysis) recordRun(s *syntax.Stmt, p val, lang string) {
	t := strings.ReplaceAll(p.s, unknown, "?")
	if t == "" || t == "?" || !strings.Contains(t, "/") && !(lang != "" && hiddenName(t)) && a.cwd == "" {
		return
	}
	if !strings.Contains(t, "/") && lang == "" {
		return // a command looked up on the PATH
	}
	if a.cwd != "" && !strings.HasPrefix(t, "/") && !strings.HasPrefix(t, "?") && !strings.HasPrefix(t, "~") {
		t = path.Join(a.cwd, t)
	}
	r := run{target: t, line: a.line(s), evidence: a.evidence(s)}
	if a.pipeline != nil {
		r.evidence = a.evidence(a.pipeline)
	}
	if v := a.runAs; v != nil {
		r.how, r.shadow, r.line, r.evidence = v.how, v.name, v.line, v.evidence
	}
	if len(*a.runs) < 256 {
		*a.runs = append(*a.runs, r)
	}
}

// recordEnv notes the directories a PATH assignment puts before the system's (every command
// the code and its children name is looked up there first) and the libraries an LD_PRELOAD
// assignment loads into every program started after it.
func (a *analysis) recordEnv(as *syntax.Assign, name string, v val) {
	text := strings.ReplaceAll(v.s, unknown, "?")
	var entries []string
	if name == "PATH" {
		for _, e := range strings.Split(text, ":") {
			if e == "?" || strings.HasPrefix(e, "?") && !strings.Contains(e, "/") || systemBinDir[path.Clean(e)] {
				break // $PATH itself, or the system's directories: what follows is searched later
			}
			entries = append(entries, e)
		}
	} else {
		entries = strings.FieldsFunc(text, func(r rune) bool { return r == ':' || r == ' ' })
	}
	for _, e := range entries {
		if e == "" || e == "?" || len(*a.runs) >= 256 {
			continue
		}
		r := run{target: e, line: a.line(as), evidence: a.evidence(as), verb: "puts first on the command path"}
		if name == "LD_PRELOAD" || name == "LD_AUDIT" {
			r.verb = "preloads into every program it starts"
		}
		*a.runs = append(*a.runs, r)
	}
}

var systemBinDir = map[string]bool{"/usr/local/sbin": true, "/usr/local/bin": true, "/usr/sbin": true, "/usr/bin": true,
	"/sbin": true, "/bin": true, "/usr/games": true, "/usr/local/games": true, "/snap/bin": true}

// alias analyses alias NAME=VALUE: what the alias runs whenever NAME is typed.
func (a *analysis) alias(s *syntax.Stmt, args []val) {
	if a.runAs != nil {
		return
	}
	for _, x := range args {
		name, value, ok := strings.Cut(x.s, "=")
		if !ok || name == "" || strings.HasPrefix(name, "-") {
			continue
		}
		a.runAs = &runVia{how: "alias " + name, name: name, evidence: a.evidence(s), line: a.line(s)}
		a.shellText([]byte(strings.ReplaceAll(value, unknown, " ")), fdset{})
		a.runAs = nil
	}
}

// autostartPlace returns the place of a file whose commands run again by themselves, and
// whether its commands are read (cron, units, rc and profile scripts, motd, udev, XDG
// autostart, at jobs, PAM and APT hooks, sshd commands, python .pth files).
func autostartPlace(p string) (audit.Place, bool) {
	if pthFile(p) {
		return audit.Place{Name: "python-startup", Techniques: []string{"T1546"}}, true
	}
	if gitHook(p) {
		return audit.Place{Name: "git-hook", Techniques: []string{"T1546"}}, true
	}
	if gitConfig(p) {
		return audit.Place{Name: "git-config", Techniques: []string{"T1546"}}, true
	}
	pl, ok := audit.PlaceOf(p)
	if !ok {
		if hookDir(p) {
			return audit.Place{Name: "network or session hook", Techniques: []string{"T1037"}}, true
		}
		return pl, false
	}
	switch pl.Name {
	case "cron", "at", "systemd", "rc", "shell-rc", "motd", "udev", "autostart", "network-hook", "dbus-service", "python-startup":
		return pl, true
	case "pam":
		// The stacks, not the modules' libraries.
		return pl, strings.HasPrefix(p, "/etc/pam.d/")
	case "ssh":
		b := path.Base(p)
		return pl, b == "sshd_config" || strings.HasPrefix(p, "/etc/ssh/sshd_config.d/") || b == "authorized_keys" || b == "authorized_keys2"
	case "package-hook":
		return pl, strings.HasPrefix(p, "/etc/apt/apt.conf.d/") || strings.HasSuffix(p, ".py")
	}
	return pl, false
}

// hookDir reports the scripts network managers run when a link comes up or goes down, and
// those the X session runs at every graphical login.
func hookDir(p string) bool {
	dir := path.Dir(p)
	return strings.HasPrefix(dir, "/etc/network/if-") || strings.HasPrefix(dir, "/etc/NetworkManager/dispatcher.d") ||
		strings.HasPrefix(dir, "/etc/ppp/ip-") || strings.HasPrefix(dir, "/etc/dhcp/dhclient-") || dir == "/etc/X11/Xsession.d" ||
		p == "/etc/X11/Xsession" || dir == "/etc/X11/xinit/xinitrc.d"
}

// pthFile reports a python .pth file in a module directory: site.py runs its import lines
// at every interpreter start.
func pthFile(p string) bool {
	return strings.HasSuffix(p, ".pth") && (strings.Contains(p, "/site-packages/") || strings.Contains(p, "/dist-packages/"))
}

// gitHooks are the hooks git runs by itself (not the .sample files it installs).
var gitHooks = map[string]bool{"applypatch-msg": true, "pre-applypatch": true, "post-applypatch": true, "pre-commit": true,
	"pre-merge-commit": true, "prepare-commit-msg": true, "commit-msg": true, "post-commit": true, "pre-rebase": true,
	"post-checkout": true, "post-merge": true, "pre-push": true, "pre-receive": true, "update": true, "proc-receive": true,
	"post-receive": true, "post-update": true, "reference-transaction": true, "push-to-checkout": true, "pre-auto-gc": true,
	"post-rewrite": true, "sendemail-validate": true, "fsmonitor-watchman": true, "post-index-change": true}

// gitHook reports a hook of a repository: git runs it on commits, checkouts, merges, pushes.
func gitHook(p string) bool {
	i := strings.LastIndex(p, "/.git/hooks/")
	return i >= 0 && gitHooks[p[i+len("/.git/hooks/"):]]
}

// gitConfig reports git's system, global and repository configuration: it names programs git
// runs (core.fsmonitor on every status, core.hooksPath's hooks, core.sshCommand, pagers).
func gitConfig(p string) bool {
	b := path.Base(p)
	return p == "/etc/gitconfig" || b == ".gitconfig" && (strings.HasPrefix(p, "/root/") || strings.HasPrefix(p, "/home/")) ||
		strings.HasSuffix(p, "/.git/config") || strings.HasSuffix(p, "/.config/git/config")
}

// gitConfigRuns reads the programs a git configuration runs: hooksPath's directory, and the
// commands of fsmonitor, sshCommand, pager, editor, askPass and "!" aliases.
func gitConfigRuns(an *analysis, data []byte) {
	for n, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		k, v, ok := strings.Cut(t, "=")
		if !ok || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") || strings.HasPrefix(t, "[") {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
		}
		switch {
		case k == "hookspath":
			*an.runs = append(*an.runs, run{target: v, line: n + 1, evidence: oneLine(t, 240), verb: "takes git's hooks from"})
		case k == "fsmonitor" && v != "true" && v != "false", k == "sshcommand", k == "pager", k == "editor", k == "askpass",
			strings.HasPrefix(v, "!"):
			an.fileLine, an.lineBase = n+1, n
			an.shellText([]byte(strings.TrimPrefix(v, "!")), fdset{})
			an.lineBase = 0
		}
	}
}

// autostartRuns returns what the autostart file at p runs.
func autostartRuns(p string, pl audit.Place, data []byte) []run {
	if len(data) == 0 || binaryHead(data) {
		return nil
	}
	var runs []run
	an := newAnalysis(&hitList{})
	an.runs = &runs
	an.vars["0"] = lit("/bin/sh")
	if pl.Name == "python-startup" {
		if strings.HasSuffix(p, ".py") {
			pyStartupRuns(an, data) // sitecustomize.py, usercustomize.py: a module, run whole
		} else {
			pthRuns(an, data)
		}
		return runs
	}
	if pl.Name == "git-config" {
		gitConfigRuns(an, data)
		return runs
	}
	if pl.Name == "systemd" && strings.HasSuffix(p, ".timer") {
		return timerRuns(p, data)
	}
	f, lang := formatOf(p, data)
	switch f {
	case formatPAM:
		runs = append(runs, authtokRuns(data)...)
	case formatSSHD:
		runs = append(runs, keysCommandRuns(data)...)
	}
	if pl.Name == "package-hook" && lang == "python" {
		// a yum or dnf plugin is python the package manager imports on every run
		pythonRuns(an, 1, fold(tokenize(data, "python"), "python"))
		return runs
	}
	switch {
	case (pl.Name == "at" || pl.Name == "git-hook") && f == formatText:
		f = formatShell
	case f == formatText || f == formatLang || f == formatHistory:
		// A python or perl boot script, or text in a place that holds no commands.
		return nil
	}
	analyzeAs(an, p, f, lang, data)
	return runs
}

// timerRuns reads a systemd timer: what it runs is the unit it starts, its Unit= or the
// service of its own name, looked for in the timer's directory and where systemd keeps units.
func timerRuns(p string, data []byte) []run {
	unit, line, evidence := strings.TrimSuffix(path.Base(p), ".timer")+".service", 0, ""
	section := ""
	for n, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") {
			section = l
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok && section == "[Timer]" && strings.TrimSpace(k) == "Unit" {
			if v = strings.TrimSpace(v); v != "" && !strings.ContainsAny(v, "/ ") {
				unit, line, evidence = v, n+1, l
			}
		}
	}
	dirs := []string{path.Dir(p), "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
		"/lib/systemd/system", "/usr/lib/systemd/system"}
	if strings.Contains(p, "/.config/systemd/user") || strings.Contains(p, "/systemd/user") {
		dirs = append(dirs[:1], "/etc/systemd/user", "/usr/lib/systemd/user", "/lib/systemd/user")
	}
	r := run{target: path.Join(dirs[0], unit), verb: "starts", line: line, evidence: evidence}
	for _, d := range dirs {
		r.units = append(r.units, path.Join(d, unit))
	}
	if evidence == "" {
		r.evidence = "starts " + unit + " (the service of the timer's own name)"
	}
	return []run{r}
}

// pthRuns reads a .pth file: a line that starts with import is python that site.py runs at
// every start; any other line is a directory added to the module path.
func pthRuns(an *analysis, data []byte) {
	for n, line := range bytes.Split(data, []byte("\n")) {
		l := bytes.TrimSpace(line)
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		if !bytes.HasPrefix(l, []byte("import ")) && !bytes.HasPrefix(l, []byte("import\t")) {
			t := string(l)
			if stagingPath(t) != "" {
				*an.runs = append(*an.runs, run{target: t, how: "module directory added by a .pth file", line: n + 1, evidence: oneLine(t, 240)})
			}
			continue
		}
		an.fileLine = n + 1
		ts := fold(tokenize(l, "python"), "python")
		pythonRuns(an, n+1, ts)
		ctypesLoads(an, n+1, ts, nil)
	}
}

// pyStartupRuns reads a start-up module (sitecustomize.py) line by line as Python, keeping
// what simple assignments give names (name = "literal", name = os.path.join(...)), for the
// programs it runs and the libraries it loads with ctypes.
func pyStartupRuns(an *analysis, data []byte) {
	vars := map[string]string{}
	for n, line := range bytes.Split(data, []byte("\n")) {
		ts := fold(tokenize(line, "python"), "python")
		if len(ts) >= 3 && ts[0].kind == tokIdent && ts[1].text == "=" {
			vars[ts[0].text] = pyPathValue(ts[2:], vars)
		}
		an.fileLine = n + 1
		pythonRuns(an, n+1, ts)
		ctypesLoads(an, n+1, ts, vars)
	}
}

// ctypesLoads notes the libraries python code loads into itself (ctypes.CDLL, PyDLL,
// cdll.LoadLibrary): code that runs in the interpreter, as a preload library does in a program.
func ctypesLoads(an *analysis, line int, ts []token, vars map[string]string) {
	for i := 0; i+2 < len(ts); i++ {
		if ts[i].kind != tokIdent || ts[i+1].text != "(" || ts[i].text != "CDLL" && ts[i].text != "PyDLL" && ts[i].text != "LoadLibrary" {
			continue
		}
		if t := pyPathValue(ts[i+2:], vars); t != "" && t != unknown {
			*an.runs = append(*an.runs, run{target: t, how: "library loaded by ctypes", line: line, evidence: oneLine(snippet(ts), 240)})
		}
	}
}

// pyPathValue returns the path an expression's first argument-like part gives: a literal, a
// name assigned one, or os.path.join of such parts (unknown parts as "?"); "" for none.
func pyPathValue(ts []token, vars map[string]string) string {
	if len(ts) == 0 {
		return ""
	}
	switch t := ts[0]; {
	case t.kind == tokString:
		return t.text
	case t.kind == tokIdent && t.text == "os" && len(ts) > 6 && ts[1].text == "." && ts[2].text == "path" && ts[3].text == "." &&
		ts[4].text == "join" && ts[5].text == "(":
		var parts []string
		depth, start := 0, 6
		for j := 6; j < len(ts); j++ {
			switch ts[j].text {
			case "(", "[":
				depth++
			case ")", "]":
				depth--
			}
			if depth < 0 || depth == 0 && ts[j].text == "," {
				parts = append(parts, nonEmpty(pyPathValue(ts[start:j], vars), "?"))
				start = j + 1
			}
			if depth < 0 {
				break
			}
		}
		return path.Join(parts...)
	case t.kind == tokIdent:
		if len(ts) > 1 && ts[1].text == "(" {
			return ""
		}
		return vars[t.text]
	}
	return ""
}

// pythonSpawn are python calls that run a program: those that take a shell command string,
// and those that take a program and its arguments.
var (
	pythonShellCalls   = map[string]bool{"system": true, "popen": true, "getoutput": true, "getstatusoutput": true}
	pythonProgramCalls = map[string]bool{"Popen": true, "call": true, "run": true, "check_output": true, "check_call": true,
		"execv": true, "execve": true, "execl": true, "execlp": true, "execle": true, "execvp": true, "execvpe": true,
		"spawnl": true, "spawnlp": true, "spawnv": true, "spawnvp": true, "posix_spawn": true, "posix_spawnp": true, "startfile": true}
)

// pythonRuns finds the programs python code runs: os.system("..."), subprocess.Popen([...]),
// os.execv(...), with the command as a string literal.
func pythonRuns(an *analysis, line int, ts []token) {
	for i := 0; i+2 < len(ts); i++ {
		t := ts[i]
		if t.kind != tokIdent || ts[i+1].text != "(" || !pythonShellCalls[t.text] && !pythonProgramCalls[t.text] {
			continue
		}
		// The call's arguments, to its closing parenthesis.
		depth, end := 0, len(ts)
		for j := i + 1; j < len(ts); j++ {
			switch ts[j].text {
			case "(", "[":
				depth++
			case ")", "]":
				depth--
			}
			if depth == 0 {
				end = j
				break
			}
		}
		args := ts[i+2 : end]
		shell := pythonShellCalls[t.text]
		for j := 0; j+2 < len(args); j++ {
			if args[j].text == "shell" && args[j+1].text == "=" && args[j+2].text == "True" {
				shell = true
			}
		}
		first := ""
		for _, x := range args {
			if x.kind == tokString {
				first = x.text
				break
			}
			if x.text != "[" && x.text != "(" {
				break
			}
		}
		if first == "" {
			continue
		}
		if shell {
			saved := an.src
			an.lineBase = line - 1
			an.shellText([]byte(first), fdset{})
			an.lineBase, an.src = 0, saved
			continue
		}
		r := run{target: first, how: "", line: line, evidence: oneLine(snippet(ts), 240)}
		*an.runs = append(*an.runs, r)
	}
}

// stagingPath says why a path is a place attackers stage files in ("" when it is not):
// the temporary and shared-memory directories, per-user runtime directories, /proc and
// devices, and a hidden path component that is not a well-known tool's directory.
func stagingPath(p string) string {
	c := path.Clean(p)
	for _, d := range []string{"/tmp", "/var/tmp", "/dev/shm", "/run/shm", "/run/user", "/var/run/user", "/dev/mqueue", "/run/lock",
		"/var/lock", "/var/crash", "/proc"} {
		if c == d || strings.HasPrefix(c, d+"/") {
			return "a temporary or shared place (" + d + ")"
		}
	}
	if strings.HasPrefix(c, "/dev/") {
		switch c {
		case "/dev/null", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/console":
		default:
			if !strings.HasPrefix(c, "/dev/fd/") {
				return "a device directory (/dev)"
			}
		}
	}
	if h := hiddenComponent(c); h != "" {
		return "a hidden directory or name (" + h + ")"
	}
	return ""
}

// hiddenComponent returns the first hidden component of p that is not a known tool's, or "".
// Home directories hold the dot-directories of language tool managers, shells and
// desktops, which profiles source on purpose; anywhere else a dot-name is hidden.
func hiddenComponent(p string) string {
	parts := strings.Split(p, "/")
	for i, c := range parts {
		if !hiddenName(c) {
			continue
		}
		if knownDotName(c) && inHome(parts[:i]) {
			continue
		}
		// Project-local tool directories: a Python virtual environment, npm's bin links, husky's
		// git hooks.
		if c == ".venv" || c == ".virtualenvs" || c == ".husky" || c == ".bin" && i > 0 && parts[i-1] == "node_modules" {
			continue
		}
		return c
	}
	return ""
}

func hiddenName(c string) bool { return len(c) > 1 && c[0] == '.' && c != ".." }

// inHome reports path components that lead to a home directory: /root, /home/NAME,
// /etc/skel, ~, $HOME (unknown), or a relative path (cron and profiles run in the home).
func inHome(parts []string) bool {
	switch {
	case len(parts) == 0:
		return true
	case parts[0] == "~" || strings.HasPrefix(parts[0], "~") || parts[0] == "?" || parts[0] != "":
		// ~/..., ~user/..., $HOME/... (an unknown prefix), or relative.
		return true
	case len(parts) >= 2 && parts[1] == "root":
		return len(parts) == 2
	case len(parts) >= 3 && parts[1] == "home":
		return len(parts) == 3
	case len(parts) >= 3 && parts[1] == "etc" && parts[2] == "skel":
		return len(parts) == 3
	case len(parts) >= 3 && parts[1] == "var" && parts[2] == "lib":
		// Service accounts' homes (/var/lib/NAME).
		return len(parts) == 4
	}
	return false
}

// knownDotName reports the dot-files and dot-directories that shells, language tool
// managers and desktops keep in a home directory and that profiles source or run on purpose.
func knownDotName(c string) bool {
	if shellRC[c] {
		return true
	}
	switch c {
	case ".bash_aliases", ".bash_functions", ".aliases", ".functions", ".shrc", ".exports", ".path", ".extra", ".env",
		".local", ".config", ".cargo", ".rustup", ".nvm", ".rvm", ".rbenv", ".pyenv", ".sdkman", ".asdf", ".ghcup", ".opam",
		".bun", ".deno", ".volta", ".jenv", ".nodenv", ".goenv", ".plenv", ".phpenv", ".nix-profile", ".nix-defexpr", ".dotnet",
		".krew", ".linuxbrew", ".poetry", ".atuin", ".fzf", ".fzf.bash", ".fzf.zsh", ".oh-my-zsh", ".acme.sh", ".autojump",
		".iterm2_shell_integration.bash", ".iterm2_shell_integration.zsh", ".bash_completion", ".bash_completion.d", ".go",
		".npm", ".npm-global", ".yarn", ".pnpm", ".composer", ".gem", ".cabal", ".stack", ".elan", ".juliaup", ".wasmer",
		".wasmtime", ".pixi", ".mamba", ".conda", ".miniconda3", ".anaconda3", ".miniforge3", ".mambaforge", ".tfenv",
		".kiex", ".kerl", ".swiftenv", ".pub-cache", ".dvm", ".bashrc.d", ".profile.d", ".zshrc.d", ".zsh", ".git", ".ssh":
		return true
	}
	return false
}

// unusualProgramPlace says why a program an autostart file (at p) runs sits where no package
// installs programs, for a unit or a scheduled job (start-up files source /etc's own
// scripts): directly in /etc (a configuration directory; its rc scripts excepted), or, for a
// systemd unit, root's home. A file that root runs from an ordinary user's home (a udev
// rule, a system unit, rc script or system crontab) is the user's to change: whatever it
// comes to hold runs as root.
func unusualProgramPlace(t, p string, pl audit.Place, data []byte, line int) string {
	if !strings.HasPrefix(t, "/") || strings.Contains(t, "?") {
		return ""
	}
	c := path.Clean(t)
	if user := userHome(c); user != "" && rootRunPlace(p, pl) && commandAsRoot(pl, data, line) {
		return "a user's home directory (/home/" + user + "), run as root: the user can change what root runs"
	}
	if pl.Name != "systemd" && pl.Name != "cron" && pl.Name != "at" {
		return ""
	}
	if path.Dir(c) == "/etc" {
		switch path.Base(c) {
		case "rc.local", "rc", "rc.boot", "rc.shutdown", "rc.sysinit", "rc.S", "rc.M", "rc.K":
			return ""
		}
		return "a configuration directory no package installs programs in (/etc)"
	}
	if pl.Name == "systemd" && strings.HasPrefix(c, "/root/") {
		return "root's home directory (/root)"
	}
	return ""
}

// userHome returns the user whose home directory under /home holds p, or "".
func userHome(p string) string {
	rest, ok := strings.CutPrefix(p, "/home/")
	if !ok {
		return ""
	}
	user, _, ok := strings.Cut(rest, "/")
	if !ok || user == "" {
		return ""
	}
	return user
}

// rootRunPlace reports an autostart file at p whose commands run as root: udev rules, rc and
// init scripts, system units, and the system's crontabs (not a user's, nor a user unit).
func rootRunPlace(p string, pl audit.Place) bool {
	switch pl.Name {
	case "udev", "rc":
		return true
	case "systemd":
		return !strings.HasPrefix(p, "/home/") && !strings.HasPrefix(p, "/root/") && !strings.Contains(p, "/systemd/user")
	case "cron":
		return p == "/etc/crontab" || strings.HasPrefix(p, "/etc/cron.d/") || strings.HasSuffix(p, "/crontabs/root") || p == "/var/spool/cron/root"
	}
	return false
}

// commandAsRoot reports whether the command at line of a root-run autostart file runs as root:
// a system unit without User= (or with root's), a system crontab line whose user field is
// root; anything else (udev, rc) does.
func commandAsRoot(pl audit.Place, data []byte, line int) bool {
	lines := strings.Split(string(data), "\n")
	if line >= 1 && line <= len(lines) {
		// su ludo -c "...", runuser -u ludo, sudo -u ludo, setuidgid, chpst -u: another user's
		if m := userSwitch.FindStringSubmatch(lines[line-1]); m != nil {
			if u := strings.Join(m[1:], ""); u != "root" && u != "0" {
				return false
			}
		}
	}
	switch pl.Name {
	case "systemd":
		for _, l := range lines {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "User="); ok {
				v = strings.TrimSpace(v)
				return v == "" || v == "root" || v == "0"
			}
		}
	case "cron":
		if line < 1 || line > len(lines) {
			return true
		}
		f := strings.Fields(lines[line-1])
		user := ""
		switch {
		case len(f) >= 3 && strings.HasPrefix(f[0], "@"):
			user = f[1]
		case len(f) >= 7:
			user = f[5]
		}
		return user == "" || user == "root"
	}
	return true
}

// userSwitch finds a command line run as another user: the user's name in its one group.
var userSwitch = regexp.MustCompile(`\b(?:su|runuser)\s+(?:(?:-|-l|--login|-m|-p)\s+)*([a-z_][a-z0-9_.-]*)\s+(?:-s\s+\S+\s+)?-c\b|` +
	`\b(?:runuser|sudo|chpst)\s+(?:-\S+\s+)*?-u\s*([a-z_][a-z0-9_.-]*)|\bsetuidgid\s+([a-z_][a-z0-9_.-]*)`)

// targetProblem says why a run target is a staging place: a fixed place (staging path) or,
// for an absolute path, a world-writable directory of the image on its way.
func targetProblem(t string, tree *forensics.Tree) string {
	if why := stagingPath(t); why != "" {
		return why
	}
	if tree == nil || !strings.HasPrefix(t, "/") || strings.Contains(t, "?") {
		return ""
	}
	for d := path.Dir(path.Clean(t)); d != "/" && d != "."; d = path.Dir(d) {
		n := tree.Node(d)
		if n == nil || n.Hidden || n.Entry == nil || n.Entry.Type != forensics.TypeDir {
			continue
		}
		if n.Entry.Mode&0o002 != 0 {
			return fmt.Sprintf("a world-writable directory in the image (%s, mode %04o)", d, n.Entry.Mode&0o7777)
		}
	}
	return ""
}

// stagedRule is the rule of a place.
func stagedRule(pl audit.Place) (string, string) {
	switch pl.Name {
	case "shell-rc":
		return RuleStagedShellRC, "Login or shell start-up file"
	case "cron", "at":
		return RuleStagedCron, "Scheduled job"
	case "systemd":
		return RuleStagedSystemd, "systemd unit"
	case "python-startup":
		return RuleStagedPth, "Python start-up hook (.pth)"
	case "git-hook":
		return RuleStagedAutostart, "git hook"
	case "git-config":
		return RuleStagedAutostart, "git configuration"
	}
	return RuleStagedAutostart, "Autostart file (" + pl.Name + ")"
}

// owners answers whether a package owns a path; ok is false when the image has no
// distribution package database that lists files.
type owners struct {
	m  map[string]*pkgs.Package
	ok bool
}

func (o *owners) owned(p string) (bool, bool) {
	if !o.ok {
		return false, false
	}
	_, in := o.m[p]
	return in, true
}

func newOwners(inv *pkgs.Inventory, tree *forensics.Tree) *owners {
	if inv == nil {
		return &owners{}
	}
	ok := false
	for _, p := range inv.Packages {
		if p.Ecosystem.Distribution() && len(p.Files) > 0 {
			ok = true
			break
		}
	}
	if !ok {
		return &owners{}
	}
	return &owners{m: inv.Owners(tree), ok: true}
}

// stagedFindings reviews the autostart files every layer holds for what they run.
func (a *Analyzer) stagedFindings(s *audit.Subject, findings []audit.Finding) []audit.Finding {
	var out []audit.Finding
	var flagged map[string]audit.Finding
	var own *owners
	for layer, lt := range s.Layers {
		if lt == nil {
			continue
		}
		for i := range lt.Entries {
			e := &lt.Entries[i]
			if e.Type != forensics.TypeFile {
				continue
			}
			pl, ok := autostartPlace(e.Path)
			if !ok {
				continue
			}
			data := s.LayerFile(layer, e.Path)
			if data == nil {
				continue
			}
			for _, r := range autostartRuns(e.Path, pl, data) {
				if flagged == nil {
					flagged = flaggedPaths(findings)
					own = a.owners(s)
				}
				if len(r.units) > 0 {
					// a timer: what it starts is its unit, judged by the unit's findings
					if f, ok := timerFinding(s, layer, e.Path, pl, r, flagged); ok {
						out = append(out, f)
					}
					continue
				}
				for _, alt := range r.alts {
					if n := s.Tree.Node(alt); n != nil && !n.Hidden && n.Entry != nil {
						r.target = alt
						break
					}
				}
				why := r.why
				if r.unowned {
					if n := s.Tree.Node(r.target); n != nil && n.Entry != nil {
						if in, known := own.owned(n.Path()); known && in {
							continue
						}
					}
				}
				if why == "" {
					why = targetProblem(r.target, s.Tree)
				}
				if why == "" {
					why = unusualProgramPlace(r.target, e.Path, pl, data, r.line)
				}
				if why == "" && masqueradeTarget(r.target) != "" {
					// @reboot /usr/sbin/sshd: a daemon's path, holding a file no package
					// installed there
					if n := s.Tree.Node(r.target); n != nil && !n.Hidden && n.Entry != nil && n.Entry.Type == forensics.TypeFile {
						if in, known := own.owned(n.Path()); known && !in {
							why = "a system program's path that no package owns (passing for " + path.Base(r.target) + ")"
						}
					}
				}
				if why == "" {
					// A target kept anywhere else still matters when it is itself a
					// payload: a unit whose ExecStart is /usr/local/bin/x, a reverse shell,
					// is the implant's way back after every boot.
					if g, ok := payloadTarget(s, r.target, flagged); ok {
						why = "a file flagged as " + string(g.Category)
					} else {
						continue
					}
				}
				out = append(out, stagedFinding(s, layer, e.Path, pl, r, why, flagged, own))
				if r.targetTitle != "" {
					// the program itself is what collects the passwords or lets the keys in
					if n := s.Tree.Node(r.target); n != nil && !n.Hidden && n.Entry != nil && n.Entry.Type == forensics.TypeFile {
						f := audit.Finding{Rule: RuleStagedAutostart, Category: audit.CategoryPersistence, Severity: audit.High,
							Layer: n.Layer(), Path: n.Path(), Title: r.targetTitle + " (" + e.Path + ")",
							Evidence:    fmt.Sprintf("line %d of %s: %s", r.line, e.Path, r.evidence),
							Remediation: "Remove the program and the line that names it; treat the image as compromised."}
						f.AddLabels(r.label)
						f.AddTechniques(pl.Techniques...)
						out = append(out, f)
					}
				}
			}
		}
	}
	return out
}

// timerFinding reports a timer whose unit, where systemd finds it in the image, is flagged
// at medium or above: the timer is how the unit's payload comes back on schedule.
func timerFinding(s *audit.Subject, layer int, p string, pl audit.Place, r run, flagged map[string]audit.Finding) (audit.Finding, bool) {
	if s.Tree == nil {
		return audit.Finding{}, false
	}
	for _, u := range r.units {
		n := s.Tree.Node(u)
		if n == nil || n.Hidden || n.Entry == nil || n.Entry.Type == forensics.TypeDir {
			continue
		}
		g, ok := flagged[n.Path()]
		if !ok {
			return audit.Finding{}, false
		}
		rule, what := stagedRule(pl)
		f := audit.Finding{Rule: rule, Category: audit.CategoryPersistence, Severity: g.Severity, Layer: layer, Path: p,
			Title:       fmt.Sprintf("%s (timer) starts %s, a unit flagged as %s: %s", what, n.Path(), g.Category, g.Title),
			Evidence:    fmt.Sprintf("%s; the unit (layer %d): %s", r.evidence, n.Layer(), g.Evidence),
			Remediation: "Remove the timer and the unit it starts; find which build step put them there, and treat the image as compromised."}
		f.AddLabels(g.Categories()...)
		f.AddTechniques(pl.Techniques...)
		f.AddTechniques(g.Techniques...)
		f.AddIndicators(g.Indicators...)
		return f, true
	}
	return audit.Finding{}, false
}

// payloadCategories are what a flagged autostart target must be for the autostart entry to
// be reported though the target sits in an ordinary place.
var payloadCategories = map[audit.Category]bool{audit.CategoryReverseShell: true, audit.CategoryMiner: true,
	audit.CategoryMalware: true, audit.CategoryLDPreload: true, audit.CategoryWebshell: true}

// payloadTarget returns the finding that makes an autostart entry's target, in the final tree,
// a payload: medium or above, of a payload category (a script that runs what it downloads
// is medium on its own, and started at every boot it is the foothold).
func payloadTarget(s *audit.Subject, target string, flagged map[string]audit.Finding) (audit.Finding, bool) {
	if s.Tree == nil || !strings.HasPrefix(target, "/") || strings.Contains(target, "?") {
		return audit.Finding{}, false
	}
	n := s.Tree.Node(target)
	if n == nil || n.Hidden || n.Entry == nil || n.Entry.Type == forensics.TypeDir {
		return audit.Finding{}, false
	}
	g, ok := flagged[n.Path()]
	if !ok || g.Severity < audit.Medium || !payloadCategories[g.Category] {
		return audit.Finding{}, false
	}
	if g.Rule == RuleTunnel && g.Severity < audit.High {
		// an administrator's tunnel shape (host key checked, a key login): started at boot is
		// what such a tunnel is for
		return audit.Finding{}, false
	}
	return g, true
}

// flaggedPaths maps each path a finding at medium or above is about (in the final tree's
// layer) to its most severe finding.
func flaggedPaths(findings []audit.Finding) map[string]audit.Finding {
	m := map[string]audit.Finding{}
	for _, f := range findings {
		if f.Path == "" || f.Layer < 0 || f.Severity < audit.Medium || f.Category == audit.CategoryVulnerability {
			continue
		}
		if old, ok := m[f.Path]; !ok || f.Severity > old.Severity {
			m[f.Path] = f
		}
	}
	return m
}

func stagedFinding(s *audit.Subject, layer int, p string, pl audit.Place, r run, why string, flagged map[string]audit.Finding,
	own *owners) audit.Finding {
	rule, what := stagedRule(pl)
	f := audit.Finding{Rule: rule, Category: audit.CategoryPersistence, Severity: audit.High, Layer: layer, Path: p,
		Remediation: "Remove the entry and the file it runs; find which build step put them there, and treat the image as compromised."}
	how := "runs"
	switch {
	case r.verb != "":
		how = r.verb
	case strings.HasPrefix(r.how, "alias ") || strings.HasPrefix(r.how, "function "):
		how = "defines " + r.how + " that runs"
		if shadowed[r.shadow] {
			how = "shadows the " + r.shadow + " command with " + r.how + " that runs"
		}
	case r.how != "":
		how = "adds"
	}
	f.Title = fmt.Sprintf("%s %s %s, kept in %s", what, how, r.target, why)
	if strings.HasPrefix(why, "a file flagged as ") {
		f.Title = fmt.Sprintf("%s %s %s, %s", what, how, r.target, why)
	}
	if r.verb != "" {
		f.Title = fmt.Sprintf("%s %s: %s, %s", what, how, r.target, why)
	}
	ev := []string{}
	if r.line > 0 {
		ev = append(ev, fmt.Sprintf("line %d: %s", r.line, r.evidence))
	} else if r.evidence != "" {
		ev = append(ev, r.evidence)
	}
	ev = append(ev, "target "+r.target)
	// The target is in the image: what it is decides how bad it is.
	if n := s.Tree.Node(r.target); n != nil && !n.Hidden && n.Entry != nil && n.Entry.Type != forensics.TypeDir {
		if g, ok := flagged[n.Path()]; ok && g.Rule != rule {
			f.Severity = audit.Critical
			ev = append(ev, fmt.Sprintf("the target is in the image (layer %d) and flagged: %s %s", n.Layer(), g.Rule, g.Title))
			f.AddLabels(g.Category)
		} else if in, known := own.owned(n.Path()); known && !in {
			f.Severity = audit.Critical
			ev = append(ev, fmt.Sprintf("the target is in the image (layer %d) and no package owns it", n.Layer()))
		} else {
			ev = append(ev, fmt.Sprintf("the target is in the image (layer %d)", n.Layer()))
		}
	}
	f.Evidence = oneLine(strings.Join(ev, "; "), 400)
	f.AddTechniques(pl.Techniques...)
	if r.label != "" {
		f.AddLabels(r.label)
	}
	if promptShadowed[r.shadow] {
		// an alias or function in front of a command that asks for a password catches it
		f.AddLabels(audit.CategoryCredentialTheft)
		f.AddTechniques("T1056")
	}
	return f
}

// shadowed are commands an alias or function is put in front of to catch passwords or
// keep a foothold.
var shadowed = map[string]bool{"sudo": true, "su": true, "ssh": true, "passwd": true, "ls": true, "ps": true, "cd": true,
	"login": true, "scp": true, "git": true, "docker": true, "kubectl": true, "netstat": true, "ss": true, "top": true,
	"kill": true, "cat": true, "grep": true, "find": true, "clear": true, "vi": true, "vim": true}

// authtokRuns returns the programs a PAM stack hands the password typed at every login
// (pam_exec.so expose_authtok): a program no package installed that reads them is a
// credential logger.
func authtokRuns(data []byte) []run {
	var out []run
	for n, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		if i := strings.Index(t, "pam_python.so"); i >= 0 && !strings.HasPrefix(t, "#") {
			// pam_python runs a Python script as the module: pamh hands it the user and
			// the password typed
			if f := strings.Fields(t[i+len("pam_python.so"):]); len(f) > 0 && strings.HasSuffix(f[0], ".py") {
				r := run{target: f[0], verb: "hands the password of every login (pam_python) to", line: n + 1,
					evidence: oneLine(t, 240), why: "a Python script PAM runs as a module, given every password typed", unowned: true,
					targetTitle: "Python script a PAM stack runs as its module (pam_python), given every password typed",
					label:       audit.CategoryCredentialTheft}
				if !strings.HasPrefix(f[0], "/") {
					for _, d := range pamModuleDirs {
						r.alts = append(r.alts, path.Join(d, f[0]))
					}
					r.target = r.alts[0]
				}
				out = append(out, r)
			}
			continue
		}
		if strings.HasPrefix(t, "#") || !strings.Contains(t, "pam_exec.so") || !strings.Contains(t, "expose_authtok") {
			continue
		}
		fields := strings.Fields(t[strings.Index(t, "pam_exec.so")+len("pam_exec.so"):])
		for _, w := range fields {
			if strings.HasPrefix(w, "/") {
				out = append(out, run{target: w, verb: "hands the password of every login (pam_exec expose_authtok) to", line: n + 1,
					evidence: oneLine(t, 240), why: "a program given every password typed", unowned: true,
					targetTitle: "Program a PAM stack hands the password of every login to (expose_authtok)", label: audit.CategoryMalware})
				break
			}
		}
	}
	return out
}

// pamModuleDirs are where PAM modules are installed, and where pam_python looks for a script
// named without a directory.
var pamModuleDirs = []string{"/lib/x86_64-linux-gnu/security", "/usr/lib/x86_64-linux-gnu/security", "/lib/aarch64-linux-gnu/security",
	"/usr/lib/aarch64-linux-gnu/security", "/lib/security", "/lib64/security", "/usr/lib64/security", "/usr/lib/security"}

// keysCommandRuns returns the programs sshd asks which keys or principals may log in
// (AuthorizedKeysCommand, AuthorizedPrincipalsCommand): one no package installed decides
// who gets in, whatever the authorized_keys files say.
func keysCommandRuns(data []byte) []run {
	var out []run
	for n, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || !strings.EqualFold(fields[0], "AuthorizedKeysCommand") && !strings.EqualFold(fields[0], "AuthorizedPrincipalsCommand") ||
			!strings.HasPrefix(fields[1], "/") {
			continue
		}
		out = append(out, run{target: fields[1], verb: "asks which keys may log in (" + fields[0] + ")", line: n + 1,
			evidence: oneLine(strings.TrimSpace(line), 240), why: "a program that decides who logs in", unowned: true,
			targetTitle: "Program sshd asks which keys may log in", label: audit.CategorySSHKey})
	}
	return out
}
