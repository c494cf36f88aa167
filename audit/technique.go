package audit

import (
	"path"
	"strings"
)

// MITRE ATT&CK techniques of the built-in rules and analyzers live here, in one place: a
// finding gets those of its rule, of its categories and of the place its file runs from.

// ruleTechniques are the techniques a built-in rule stands for, besides those of its
// categories. A rule id ending in "*" covers every rule with that prefix.
var ruleTechniques = map[string][]string{
	// Shells joined to the network, by the language that runs them.
	"STRATA-RS-001": {"T1059.004"},              // /dev/tcp
	"STRATA-RS-002": {"T1059.004"},              // nc -e
	"STRATA-RS-003": {"T1059.004"},              // named pipe
	"STRATA-RS-004": {"T1059.004"},              // socat exec
	"STRATA-RS-005": {"T1059.004"},              // piped through a network client
	"STRATA-RS-006": {"T1059.006"},              // python
	"STRATA-RS-007": {"T1059"},                  // perl
	"STRATA-RS-008": {"T1059"},                  // ruby
	"STRATA-RS-009": {"T1059"},                  // php
	"STRATA-RS-010": {"T1059"},                  // lua
	"STRATA-RS-011": {"T1059.007"},              // node
	"STRATA-RS-012": {"T1059.004"},              // awk
	"STRATA-RS-013": {"T1059.004"},              // commands read from a socket
	"STRATA-RS-014": {"T1059.004"},              // xterm on a remote display
	"STRATA-RS-015": {"T1059"},                  // tcl
	"STRATA-RS-016": {"T1059"},                  // go source
	"STRATA-RS-017": {"T1059"},                  // java, groovy, jjs
	"STRATA-RS-018": {"T1059"},                  // c source
	"STRATA-RS-019": {"T1059"},                  // rust source
	"STRATA-RS-022": {"T1059"},                  // r
	"STRATA-RS-023": {"T1059"},                  // dart
	"STRATA-RS-024": {"T1071.001", "T1059.004"}, // a web server's answers run in a loop, output sent back
	"STRATA-RS-025": {"T1572", "T1021.004"},     // an SSH tunnel back into the machine
	"STRATA-RS-026": {"T1572", "T1090"},         // a reverse proxy client publishing a way in
	"STRATA-RS-027": {"T1059.004", "T1095"},     // assembly reverse or bind shell source
	"STRATA-RS-020": {"T1059.004"},
	"STRATA-RS-021": {"T1059.004"}, // static or Go executable
	// Preload libraries and the files that name them.
	"STRATA-LP-001": {"T1574.006", "T1059.004"},
	"STRATA-LP-002": {"T1574.006"},
	"STRATA-LP-003": {"T1574.006"},
	"STRATA-LP-004": {"T1574.006", "T1014"},
	"STRATA-LP-005": {"T1574.006", "T1014"},
	"STRATA-LP-006": {"T1574.006", "T1027"},
	"STRATA-RK-001": {"T1014", "T1547.006"},
	"STRATA-RK-002": {"T1014"},
	"STRATA-LP-010": {"T1574.006"},
	"STRATA-LP-011": {"T1574.006"},
	"STRATA-LP-012": {"T1574.006"},
	// Persistence by where it runs from (the place adds its own technique too).
	"STRATA-PS-001": {"T1053.003"},
	"STRATA-PS-002": {"T1037"},
	"STRATA-PS-003": {"T1543.002"},
	"STRATA-PS-004": {"T1546.004"}, // shell rc and profile running staged code
	"STRATA-PS-005": {"T1053.003"}, // cron, anacron and at
	"STRATA-PS-006": {"T1543.002"}, // systemd units
	"STRATA-PS-007": {"T1037"},     // rc, init, motd, udev, XDG autostart, PAM and APT hooks
	"STRATA-PS-008": {"T1546"},     // python .pth start-up hooks
	"STRATA-PS-009": {"T1546.017"}, // a udev rule keeping a daemon
	// Privilege backdoors.
	"STRATA-PE-001": {"T1548.003"},
	"STRATA-PE-002": {"T1556.003"},
	"STRATA-PE-003": {"T1556.003"},
	"STRATA-PE-004": {"T1548.001"},
	// PAM backdoors, masquerading, anti-forensics and account takeover.
	"STRATA-PA-001": {"T1556.003"},
	"STRATA-PA-002": {"T1556.003"},
	"STRATA-PA-003": {"T1556.003", "T1554"},
	"STRATA-PA-004": {"T1556.003"},
	"STRATA-PA-005": {"T1556.003"},
	"STRATA-MQ-001": {"T1036.005", "T1564"},
	"STRATA-MQ-002": {"T1036.005"},
	"STRATA-MQ-003": {"T1546.004", "T1036.005"},
	"STRATA-AF-001": {"T1070.002", "T1070.003"},
	"STRATA-MN-011": {"T1496", "T1562.001"},
	"STRATA-AF-002": {"T1098"},
	"STRATA-AF-003": {"T1136.001", "T1098"},
	"STRATA-AF-004": {"T1070.006"},
	"STRATA-AF-005": {"T1564", "T1036"},
	"STRATA-SK-*":   {"T1098.004"},
	"STRATA-MN-*":   {"T1496"},
	"STRATA-WS-*":   {"T1505.003"},
	"STRATA-WS-106": {"T1505.003", "T1027"},              // a page evaluating code decoded from a constant
	"STRATA-WS-109": {"T1505.003", "T1027"},              // PHP written without letters
	"STRATA-WS-110": {"T1505.003", "T1027"},              // a code gateway hiding the names it calls
	"STRATA-WS-111": {"T1505.003", "T1105"},              // a page writing out a web shell
	"STRATA-WS-112": {"T1505.003", "T1027"},              // an image carrying PHP code (a polyglot)
	"STRATA-WS-113": {"T1505.003", "T1105", "T1059.004"}, // a page writing out a script and running it
	"STRATA-WS-114": {"T1505.003", "T1105"},              // a page downloading into the web directory
	"STRATA-WS-115": {"T1505.003", "T1048.003"},          // a page mailing what the server is
	"STRATA-WS-116": {"T1505.003", "T1562.001"},          // a page disabling a security plugin or timestomping itself
	"STRATA-WS-117": {"T1505.003", "T1496"},              // a page starting a cryptocurrency miner
	"STRATA-WS-190": {},                                  // a page not analysed (see NoTechnique)
	// Credential theft and escapes: the shell analyzer adds what was taken and how it left.
	"STRATA-CT-003": {"T1056"},
	"STRATA-CT-004": {"T1056", "T1546.004"},
	"STRATA-CT-008": {"T1074.001"}, // credentials staged: T1552.004, .005 ... added by what was taken
	"STRATA-CT-009": {"T1056"},     // eBPF password sniffer or keylogger
	"STRATA-ES-001": {"T1611"},
	"STRATA-ES-002": {"T1611", "T1547.006"}, // a kernel module running what is written to it
	"STRATA-MW-001": {"T1059.004"},
	"STRATA-MW-002": {"T1105", "T1059.004"},
	// Code fetched or decoded and run.
	"STRATA-EX-001": {"T1105", "T1059.004"},
	"STRATA-MW-003": {"T1048.003", "T1071.004"},
	"STRATA-EX-002": {"T1027", "T1140", "T1059.004"},
	// Secrets: in Env and history, private keys, the rest in files.
	"STRATA-SE-001": {"T1552"},
	"STRATA-SE-002": {"T1552"},
	"STRATA-SE-010": {"T1552.004"},
	"STRATA-SE-020": {"T1552.004"},
	"STRATA-SE-*":   {"T1552.001"},
	// Config.
	"STRATA-CF-001": {"T1611"}, // root in the container makes escaping to the host easier
	"STRATA-CF-002": {"T1133"},
	"STRATA-CF-003": {"T1574.006"},
	"STRATA-CF-004": {"T1574.006"},
	"STRATA-CF-005": {"T1105"},
	"STRATA-CF-008": {"T1548.003"},
	// Filesystem.
	"STRATA-FS-001":  {"T1548.001"},
	"STRATA-FS-002":  {"T1222.002"},
	"STRATA-FS-003":  {"T1574.006"},
	"STRATA-FS-004":  {"T1098.004"},
	"STRATA-FS-005":  {"T1078.003"},
	"STRATA-FS-006":  {"T1078.003", "T1136.001"},
	"STRATA-FS-007":  {"T1070.006"},
	"STRATA-FS-008":  {"T1564.001", "T1070.004"},
	"STRATA-FS-009":  {"T1564.001", "T1070.004"},
	"STRATA-TP-*":    {"T1525"},
	"STRATA-TR-001":  {"T1195.002"},
	"STRATA-PKG-*":   {"T1554"},
	"STRATA-PKG-010": {"T1036.005"},
}

// ruleLabels are the other categories a built-in rule's findings always fit: a preload
// library that connects back and runs a shell is a reverse shell as much as an LD_PRELOAD
// implant.
var ruleLabels = map[string][]Category{
	"STRATA-LP-001": {CategoryReverseShell},
	// A hand-made ELF of a few hundred bytes that execs /bin/sh is a shell payload
	// (msfvenom-style), delivered over a socket.
	"STRATA-MW-001": {CategoryReverseShell},
}

// ruleOwnTechniques are rules whose techniques replace their categories' (a category's usual
// technique would say something the rule does not).
var ruleOwnTechniques = map[string]bool{"STRATA-CF-001": true, "STRATA-RS-024": true, "STRATA-RS-025": true, "STRATA-PKG-010": true, "STRATA-WS-190": true}

// NoTechnique lists the built-in rules that stand for no adversary technique, with why: they
// report hygiene or the scan itself.
var NoTechnique = map[string]string{
	RuleNotScanned:    "a file too big to content-scan: the scan's own limit",
	"STRATA-YARA-ERR": "a YARA scan that failed: the scan's own error",
	"STRATA-WS-190":   "a page too big to analyse or whose decoding was cut short: the scan's own limit",
	"STRATA-CF-006":   "a latest tag: release hygiene",
	"STRATA-CF-007":   "no HEALTHCHECK: operational hygiene",
	"STRATA-VULN-*":   "a vulnerable package: a weakness, not an adversary's technique",
}

// categoryTechniques are the techniques every finding of a category stands for.
var categoryTechniques = map[Category][]string{
	CategoryReverseShell:     {"T1095"}, // a shell's streams over a raw connection
	CategoryLDPreload:        {"T1574.006"},
	CategorySSHKey:           {"T1098.004"},
	CategoryMiner:            {"T1496"},
	CategoryWebshell:         {"T1505.003"},
	CategorySecret:           {"T1552.001"},
	CategorySUID:             {"T1548.001"},
	CategoryRootUser:         {"T1078.003"},
	CategoryExposedPort:      {"T1133"},
	CategoryHiddenFile:       {"T1564.001"},
	CategoryTimestomp:        {"T1070.006"},
	CategoryTamper:           {"T1525"},
	CategoryUntrustedBase:    {"T1195.002"},
	CategoryPackageIntegrity: {"T1554"},
	CategoryNonPackaged:      {"T1036.005"},
	CategoryCredentialTheft:  {"T1552"},
	CategoryEscape:           {"T1611"},
}

// TechniquesFor returns the techniques of a rule with the given categories, found at path
// (which may be ""): the rule's own, its categories' and, when the file runs from a
// persistence place, the place's.
func TechniquesFor(rule, p string, cats ...Category) []string {
	var out []string
	add := func(ts []string) {
		for _, t := range ts {
			if !contains(out, t) {
				out = append(out, t)
			}
		}
	}
	own, ok := ruleTechniques[rule]
	if !ok {
		for k, ts := range ruleTechniques {
			if strings.HasSuffix(k, "*") && strings.HasPrefix(rule, strings.TrimSuffix(k, "*")) {
				own, ok = ts, true
				break
			}
		}
	}
	add(own)
	if !ruleOwnTechniques[rule] {
		for _, c := range cats {
			add(categoryTechniques[c])
		}
	}
	if pl, ok := PlaceOf(p); ok && runsFromPlace(cats) {
		add(pl.Techniques)
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Place is where a file runs again by itself: at boot, on a schedule, at login, in every
// process, on every SSH login or web request.
type Place struct {
	// Name says what kind of place: "cron", "systemd", "rc", "shell-rc", "ld.so.preload",
	// "ssh", "pam", "udev", "motd", "package-hook", "autostart", "web-root".
	Name       string
	Techniques []string
}

var (
	placeCron      = Place{"cron", []string{"T1053.003"}}
	placeAt        = Place{"at", []string{"T1053.002"}}
	placeSystemd   = Place{"systemd", []string{"T1543.002"}}
	placeTimer     = Place{"systemd", []string{"T1543.002", "T1053.006"}}
	placeRC        = Place{"rc", []string{"T1037.004"}}
	placeShellRC   = Place{"shell-rc", []string{"T1546.004"}}
	placePreload   = Place{"ld.so.preload", []string{"T1574.006"}}
	placeSSH       = Place{"ssh", []string{"T1098.004"}}
	placePAM       = Place{"pam", []string{"T1556.003"}}
	placeUdev      = Place{"udev", []string{"T1546.017"}}
	placeMotd      = Place{"motd", []string{"T1037"}}
	placePkgHook   = Place{"package-hook", []string{"T1546.016"}}
	placeAutostart = Place{"autostart", []string{"T1547.013"}}
	placeWebRoot   = Place{"web-root", []string{"T1505.003"}}
	placeModules   = Place{"kernel-modules", []string{"T1547.006"}}
	placeNetHook   = Place{"network-hook", []string{"T1037"}}
	placeDBus      = Place{"dbus-service", []string{"T1543"}}
	placePyStartup = Place{"python-startup", []string{"T1546"}}
)

// shellRCNames are the files a shell reads at login or start, in a home directory.
var shellRCNames = map[string]bool{
	".bashrc": true, ".bash_profile": true, ".bash_login": true, ".bash_logout": true, ".profile": true, ".bash_aliases": true,
	".zshrc": true, ".zprofile": true, ".zlogin": true, ".zlogout": true, ".zshenv": true, ".kshrc": true,
	".mkshrc": true, ".cshrc": true, ".tcshrc": true, ".login": true,
}

// PlaceOf reports whether path is a place whose files run again by themselves, and which.
func PlaceOf(p string) (Place, bool) {
	if p == "" {
		return Place{}, false
	}
	// It is asked about every path of an image, a million for a million-file layer: a path
	// already clean and absolute, and the prefixes below, cost no allocation.
	if p[0] != '/' {
		p = "/" + p
	}
	p = path.Clean(p)
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	under := func(prefixes ...string) bool {
		for _, x := range prefixes {
			if strings.HasPrefix(p, x) && (len(p) == len(x) || p[len(x)] == '/') {
				return true
			}
		}
		return false
	}
	home := strings.HasPrefix(p, "/root/") || strings.HasPrefix(p, "/home/") || strings.HasPrefix(p, "/etc/skel/")
	switch {
	case p == "/etc/crontab" || p == "/etc/anacrontab" || under("/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily",
		"/etc/cron.weekly", "/etc/cron.monthly", "/etc/cron.yearly", "/etc/periodic", "/var/spool/cron/crontabs", "/var/spool/cron/tabs") ||
		dir == "/var/spool/cron":
		return placeCron, true
	case under("/var/spool/cron/atjobs", "/var/spool/at"):
		return placeAt, true
	case strings.HasSuffix(base, ".timer") && strings.Contains(p, "/systemd/"):
		return placeTimer, true
	case under("/etc/systemd", "/lib/systemd/system", "/usr/lib/systemd/system", "/run/systemd/system",
		"/usr/local/lib/systemd/system", "/lib/systemd/user", "/usr/lib/systemd/user", "/usr/lib/systemd/system-generators",
		"/lib/systemd/system-generators") || home && strings.Contains(p, "/.config/systemd/"):
		return placeSystemd, true
	case p == "/etc/rc.local" || p == "/etc/inittab" || under("/etc/init.d", "/etc/rc.d", "/etc/init", "/etc/local.d") ||
		strings.HasPrefix(p, "/etc/rc") && strings.HasSuffix(dir, ".d") && len(dir) == len("/etc/rc0.d"):
		return placeRC, true
	case p == "/etc/profile" || p == "/etc/bash.bashrc" || p == "/etc/bashrc" || p == "/etc/zshrc" || p == "/etc/zprofile" ||
		p == "/etc/environment" || p == "/etc/ssh/sshrc" || under("/etc/profile.d", "/etc/zsh") ||
		home && shellRCNames[base] || home && base == "rc" && path.Base(dir) == ".ssh":
		return placeShellRC, true
	case p == "/etc/ld.so.preload" || under("/etc/ld.so.conf.d"):
		return placePreload, true
	case base == "authorized_keys" || base == "authorized_keys2" || p == "/etc/ssh/sshd_config" || under("/etc/ssh/sshd_config.d"):
		return placeSSH, true
	case under("/etc/pam.d", "/lib/security", "/lib64/security", "/usr/lib/security", "/usr/lib64/security") ||
		path.Base(dir) == "security" && (strings.HasPrefix(dir, "/lib/") || strings.HasPrefix(dir, "/usr/lib/")):
		return placePAM, true
	case under("/etc/udev/rules.d", "/lib/udev/rules.d", "/usr/lib/udev/rules.d", "/run/udev/rules.d"):
		return placeUdev, true
	case under("/etc/update-motd.d"):
		return placeMotd, true
	case under("/etc/apt/apt.conf.d", "/etc/dpkg/dpkg.cfg.d") || dir == "/var/lib/dpkg/info" && maintainerScript(base) ||
		// a package being built: dpkg runs its DEBIAN/postinst as root wherever it is installed
		path.Base(dir) == "DEBIAN" && debianControlScripts[base] ||
		under("/usr/lib/yum-plugins", "/usr/share/yum-plugins") || strings.HasSuffix(dir, "/dnf-plugins") && strings.HasPrefix(p, "/usr/lib"):
		return placePkgHook, true
	case under("/etc/network/if-up.d", "/etc/network/if-down.d", "/etc/network/if-pre-up.d", "/etc/network/if-post-down.d",
		"/etc/NetworkManager/dispatcher.d", "/etc/ppp/ip-up.d", "/etc/ppp/ip-down.d", "/etc/dhcp/dhclient-enter-hooks.d",
		"/etc/dhcp/dhclient-exit-hooks.d"):
		return placeNetHook, true
	case under("/usr/share/dbus-1/system-services", "/usr/share/dbus-1/services", "/usr/local/share/dbus-1/system-services",
		"/usr/local/share/dbus-1/services", "/etc/dbus-1/system-services") || home && strings.Contains(p, "/.local/share/dbus-1/services/"):
		return placeDBus, true
	case under("/etc/xdg/autostart") || home && strings.Contains(p, "/.config/autostart/"):
		return placeAutostart, true
	case under("/etc/modules-load.d") || p == "/etc/modules":
		return placeModules, true
	case pythonStartup(p, dir, base):
		return placePyStartup, true
	case under("/var/www", "/srv/www", "/srv/http", "/usr/share/nginx/html", "/usr/local/apache2/htdocs", "/usr/local/nginx/html",
		"/var/lib/tomcat9/webapps", "/var/lib/tomcat10/webapps", "/usr/local/tomcat/webapps", "/opt/tomcat/webapps",
		"/var/lib/jetty9/webapps", "/usr/share/jetty9/webapps", "/inetpub/wwwroot"):
		return placeWebRoot, true
	}
	return Place{}, false
}

// pythonStartup reports the files the Python interpreter runs at every start: a .pth file in a
// module directory (site.py runs its lines that begin with import) and sitecustomize or
// usercustomize there.
func pythonStartup(p, dir, base string) bool {
	if !strings.HasSuffix(base, ".pth") && base != "sitecustomize.py" && base != "usercustomize.py" {
		return false
	}
	return strings.HasSuffix(dir, "/site-packages") || strings.HasSuffix(dir, "/dist-packages") ||
		base == "sitecustomize.py" && strings.HasPrefix(p, "/usr/lib/python") && strings.Count(dir, "/") == 3
}

// debianControlScripts are the maintainer scripts of a package's DEBIAN directory.
var debianControlScripts = map[string]bool{"preinst": true, "postinst": true, "prerm": true, "postrm": true, "config": true}

func maintainerScript(base string) bool {
	for _, s := range []string{".preinst", ".postinst", ".prerm", ".postrm", ".config", ".triggers"} {
		if strings.HasSuffix(base, s) {
			return true
		}
	}
	return false
}

// runsFromPlace reports whether findings of these categories are about something that runs
// (or grants access) from where it is, so that a persistence place makes them persistence.
func runsFromPlace(cats []Category) bool {
	for _, c := range cats {
		switch c {
		case CategoryReverseShell, CategoryLDPreload, CategoryPersistence, CategorySSHKey, CategoryMiner,
			CategoryWebshell, CategoryMalware, CategoryPackageIntegrity, CategoryNonPackaged, CategoryHiddenFile,
			CategoryCredentialTheft, CategoryEscape:
			return true
		}
	}
	return false
}

// finish completes a finding as every output shows it: a file in a persistence place that
// runs code (or grants access) is persistence too, the techniques of its rule, categories and
// place are added, and labels, techniques and indicators are put in order.
func (f *Finding) finish() {
	f.AddLabels(ruleLabels[f.Rule]...)
	if f.Layer >= 0 && f.Rule != RuleNotScanned && f.Severity > Info {
		if _, ok := PlaceOf(f.Path); ok && runsFromPlace(f.Categories()) {
			f.AddLabels(CategoryPersistence)
		}
	}
	p := f.Path
	if f.Layer < 0 || f.Severity == Info {
		p = ""
	}
	f.AddTechniques(TechniquesFor(f.Rule, p, f.Categories()...)...)
	f.normalize()
}
