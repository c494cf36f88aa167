// Package filesystem reviews the stacked filesystem: setuid and setgid files, world-writable
// files in system directories, /etc/ld.so.preload, authorized_keys files, accounts with empty
// passwords or a second uid 0, files dated after the image was built, and files a later layer
// hid (whited out or replaced) that another analyzer flagged.
package filesystem

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// Rule ids.
const (
	RuleSetuid        = "STRATA-FS-001"
	RuleWorldWritable = "STRATA-FS-002"
	RulePreloadFile   = "STRATA-FS-003"
	RuleAuthorizedKey = "STRATA-FS-004"
	RuleEmptyPassword = "STRATA-FS-005"
	RuleExtraRoot     = "STRATA-FS-006"
	RuleTimestomp     = "STRATA-FS-007"
	RuleHidden        = "STRATA-FS-008"
	RuleHiddenCode    = "STRATA-FS-009"
	RuleAccountsBig   = "STRATA-FS-010"
	RuleHistoryNull   = "STRATA-FS-011"
	RuleHiddenProgram = "STRATA-FS-012"
)

// Analyzer reviews the filesystem.
type Analyzer struct{}

// New returns the filesystem analyzer.
func New() *Analyzer { return &Analyzer{} }

// Name implements audit.Analyzer.
func (*Analyzer) Name() string { return "filesystem" }

// KeepFile implements audit.FileKeeper: the account databases and the preload list.
func (*Analyzer) KeepFile(p string) bool {
	switch p {
	case "/etc/passwd", "/etc/shadow", "/etc/ld.so.preload":
		return true
	}
	return false
}

// Tree implements audit.TreeAnalyzer.
func (a *Analyzer) Tree(ctx context.Context, s *audit.Subject) ([]audit.Finding, error) {
	var out []audit.Finding
	stomp := newTimestomp(s)
	s.Tree.Walk("/", func(n *forensics.Node) bool {
		if n.Hidden || n.Entry == nil || n.Implicit {
			return true
		}
		e := n.Entry
		if e.Type == forensics.TypeFile || e.Type == forensics.TypeHardlink {
			if e.Setuid() || e.Setgid() {
				out = append(out, setuid(s, n))
			}
			if base := path.Base(n.Path()); base == "authorized_keys" || base == "authorized_keys2" {
				out = append(out, authorizedKeys(n))
			}
			if f, ok := hiddenProgram(n); ok {
				out = append(out, f)
			}
			stomp.check(n)
		}
		if e.Type == forensics.TypeSymlink && historyFile(path.Base(n.Path())) && e.Link() == "/dev/null" {
			out = append(out, historyToNull(n))
		}
		if f, ok := worldWritable(n); ok {
			out = append(out, f)
		}
		return true
	})
	out = append(out, stomp.findings()...)
	out = append(out, preloadFile(s)...)
	out = append(out, accounts(s)...)
	return out, nil
}

// knownSetuid are the setuid and setgid programs Debian, Ubuntu, Alpine, RHEL and their
// packages install in the system directories.
var knownSetuid = map[string]bool{
	"su": true, "sudo": true, "passwd": true, "chsh": true, "chfn": true, "gpasswd": true, "newgrp": true,
	"mount": true, "umount": true, "ping": true, "ping6": true, "chage": true, "expiry": true, "unix_chkpwd": true,
	"pkexec": true, "fusermount": true, "fusermount3": true, "ssh-agent": true, "ssh-keysign": true, "crontab": true,
	"wall": true, "write": true, "bsd-write": true, "dotlockfile": true, "at": true, "newuidmap": true, "newgidmap": true,
	"pam_timestamp_check": true, "sg": true, "dbus-daemon-launch-helper": true, "polkit-agent-helper-1": true,
	"Xorg.wrap": true, "mlocate": true, "plocate": true, "locate": true, "ntfs-3g": true, "traceroute6.iputils": true,
	"staprun": true, "userhelper": true, "usernetctl": true, "suexec": true, "screen": true, "procmail": true,
	"lockfile": true, "exim4": true, "sendmail": true, "postdrop": true, "postqueue": true, "mail-lock": true,
	"mail-unlock": true, "mail-touchlock": true, "utempter": true, "chrome-sandbox": true, "doas": true,
	"bwrap": true, "kismet_cap_linux_wifi": true, "vmware-user-suid-wrapper": true, "sudoedit": true,
	"ksu": true, "rcp": true, "rlogin": true, "rsh": true, "mount.nfs": true, "mount.cifs": true, "pt_chown": true,
	"snap-confine": true, "qemu-bridge-helper": true, "lppasswd": true, "slock": true, "vlock": true, "busybox": true,
}

// systemDir reports the directories where setuid programs are installed by packages.
func systemDir(dir string) bool {
	for _, d := range []string{"/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/lib", "/usr/libexec", "/lib", "/usr/lib64", "/lib64"} {
		if dir == d || strings.HasPrefix(dir, d+"/") {
			return true
		}
	}
	return false
}

// unusualDir reports places where no package puts a setuid file.
func unusualDir(dir string) bool {
	for _, d := range []string{"/tmp", "/var", "/home", "/opt", "/usr/share", "/dev", "/run", "/root", "/srv", "/mnt", "/media", "/etc", "/boot", "/proc", "/sys"} {
		if dir == d || strings.HasPrefix(dir, d+"/") {
			return true
		}
	}
	return strings.Contains(dir, "/.")
}

func setuid(s *audit.Subject, n *forensics.Node) audit.Finding {
	e := n.Entry
	bits := "setuid"
	if !e.Setuid() {
		bits = "setgid"
	} else if e.Setgid() {
		bits = "setuid and setgid"
	}
	dir, base := path.Split(n.Path())
	dir = path.Clean(dir)
	owner := fmt.Sprintf("uid %d", e.UID())
	if e.UID() == 0 {
		owner = "root"
	}
	f := audit.Finding{Rule: RuleSetuid, Category: audit.CategorySUID, Layer: n.Layer(), Path: n.Path(),
		Evidence:    fmt.Sprintf("mode %s, owner %s", e.ModeString(), owner),
		Remediation: "Remove the file or its setuid/setgid bit (chmod u-s,g-s) unless the image needs it."}
	created := n.Created()
	switch {
	case unusualDir(dir) || !strings.HasPrefix(dir, "/usr") && !systemDir(dir):
		f.Severity, f.Title = audit.High, fmt.Sprintf("%s file in an unusual place: %s", bits, n.Path())
	case created >= s.BaseLayers() && !systemDir(dir):
		f.Severity, f.Title = audit.High, fmt.Sprintf("%s file added by layer %d outside the system directories", bits, created)
	case knownSetuid[base] && systemDir(dir):
		f.Severity, f.Title = audit.Info, fmt.Sprintf("well-known %s program %s", bits, base)
	case created >= s.BaseLayers():
		f.Severity, f.Title = audit.Medium, fmt.Sprintf("%s program %s added by layer %d", bits, base, created)
	default:
		f.Severity, f.Title = audit.Low, fmt.Sprintf("%s program %s in the base", bits, base)
	}
	return f
}

func authorizedKeys(n *forensics.Node) audit.Finding {
	f := audit.Finding{Rule: RuleAuthorizedKey, Category: audit.CategorySSHKey, Severity: audit.Medium, Layer: n.Layer(), Path: n.Path(),
		Title:       "SSH authorized_keys file: whoever holds the key can log in",
		Evidence:    fmt.Sprintf("%d bytes, sha256:%s", n.Entry.Size, n.Entry.SHA256()),
		Remediation: "Remove the file; give SSH access at run time, if at all."}
	if strings.HasPrefix(n.Path(), "/root/") {
		f.Severity, f.Title = audit.High, "SSH authorized_keys for root: whoever holds the key can log in as root"
	}
	return f
}

// worldWritable reports files and directories anyone may change in system directories;
// sticky directories (/tmp) and symlinks are fine.
func worldWritable(n *forensics.Node) (audit.Finding, bool) {
	e := n.Entry
	if e.Mode&0o002 == 0 || e.Type == forensics.TypeSymlink || e.Type == forensics.TypeChar || e.Type == forensics.TypeBlock || e.Type == forensics.TypeFifo {
		return audit.Finding{}, false
	}
	if e.Type == forensics.TypeDir && e.Mode&forensics.ModeSticky != 0 {
		return audit.Finding{}, false
	}
	sys := false
	for _, d := range []string{"/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/boot", "/root", "/opt"} {
		if n.Path() == d || strings.HasPrefix(n.Path(), d+"/") {
			sys = true
			break
		}
	}
	if !sys {
		return audit.Finding{}, false
	}
	sev := audit.Medium
	if e.Type == forensics.TypeFile && e.Mode&0o111 != 0 || e.Type == forensics.TypeDir {
		sev = audit.High
	}
	return audit.Finding{Rule: RuleWorldWritable, Category: audit.CategoryMisconfig, Severity: sev, Layer: n.Layer(), Path: n.Path(),
		Title:       fmt.Sprintf("world-writable %s in a system directory: any user in the container can change it", e.Type),
		Evidence:    "mode " + e.ModeString(),
		Remediation: "chmod o-w the file in the build."}, true
}

// preloadFile reports /etc/ld.so.preload: the dynamic linker loads what it lists into every
// dynamically linked process.
func preloadFile(s *audit.Subject) []audit.Finding {
	n := s.Tree.Node("/etc/ld.so.preload")
	if n == nil || n.Hidden || n.Entry == nil {
		return nil
	}
	data, _ := s.FinalFile(n.Path())
	return []audit.Finding{preloadFinding(data, n.Layer(), n.Entry.Size)}
}

// preloadFinding reads /etc/ld.so.preload's bytes: the libraries it names, comments aside.
func preloadFinding(data []byte, layer int, size int64) audit.Finding {
	var libs []string
	for _, line := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		libs = append(libs, strings.Fields(line)...)
	}
	f := audit.Finding{Rule: RulePreloadFile, Category: audit.CategoryLDPreload, Severity: audit.Critical, Layer: layer, Path: "/etc/ld.so.preload",
		Title:       "/etc/ld.so.preload makes every process load " + strings.Join(libs, ", "),
		Evidence:    strings.Join(libs, " "),
		Remediation: "Remove /etc/ld.so.preload and find what the library does; rebuild from a trusted base."}
	switch {
	case len(libs) == 0 && int64(len(data)) < size:
		// Not kept whole for analysis (a real one is a line or two): padding must not turn
		// what it lists into nothing.
		f.Title, f.Evidence = "/etc/ld.so.preload is too big to read whole: every process loads what it lists", fmt.Sprintf("%d bytes", size)
	case len(libs) == 0:
		f.Severity, f.Title, f.Evidence = audit.Medium, "/etc/ld.so.preload exists but lists nothing", fmt.Sprintf("%d bytes", size)
	}
	return f
}

// accounts reports accounts with empty passwords and uid 0 accounts other than root.
func accounts(s *audit.Subject) []audit.Finding {
	passwd, pl := s.FinalFile("/etc/passwd")
	shadow, sl := s.FinalFile("/etc/shadow")
	out := accountFindings(passwd, pl, shadow, sl)
	for _, p := range []string{"/etc/passwd", "/etc/shadow"} {
		if data, _ := s.FinalFile(p); data == nil {
			if n := s.Tree.Node(p); n != nil && !n.Hidden && n.Entry != nil && n.Entry.Type == forensics.TypeFile && n.Entry.Size > 0 {
				out = append(out, accountsTooBig(p, n.Layer(), n.Entry.Size))
			}
		}
	}
	return out
}

// accountsTooBig reports an account database too big to be kept for analysis: a real one is
// a few kilobytes, and padding must not hide a uid 0 account or an empty password.
func accountsTooBig(p string, layer int, size int64) audit.Finding {
	return audit.Finding{Rule: RuleAccountsBig, Category: audit.CategoryRootUser, Severity: audit.High, Layer: layer, Path: p,
		Title:       fmt.Sprintf("%s is too big to check for uid 0 accounts and empty passwords (%d bytes)", p, size),
		Evidence:    fmt.Sprintf("%d bytes", size),
		Remediation: "Read the file by hand (strata export): a real account database is a few kilobytes."}
}

// accountFindings reads the account databases' bytes (nil when absent) from the layers that
// hold them.
func accountFindings(passwd []byte, passwdLayer int, shadow []byte, shadowLayer int) []audit.Finding {
	var out []audit.Finding
	for _, line := range lines(passwd) {
		fields := strings.Split(line, ":")
		if len(fields) < 7 {
			continue
		}
		if fields[2] == "0" && fields[0] != "root" {
			f := audit.Finding{Rule: RuleExtraRoot, Category: audit.CategoryRootUser, Severity: audit.Critical,
				Layer: passwdLayer, Path: "/etc/passwd", Title: "a second uid 0 account: " + fields[0], Evidence: redactPasswd(fields),
				Remediation: "Remove the account: uid 0 is root whatever the name."}
			// a way back in as root that outlives the intruder's first access
			f.AddLabels(audit.CategoryPersistence)
			if len(fields[1]) > 1 && fields[1][0] == '$' {
				// the password hash kept in the world-readable passwd rather than shadow: the
				// account was written in by hand, not made by the system's tools
				f.AddLabels(audit.CategoryTamper)
				f.Title += " (its password hash written into /etc/passwd)"
			}
			out = append(out, f)
		}
		if fields[1] == "" {
			out = append(out, emptyPassword(fields[0], "/etc/passwd", passwdLayer, fields[2] == "0"))
		}
	}
	for _, line := range lines(shadow) {
		fields := strings.Split(line, ":")
		if len(fields) >= 2 && fields[1] == "" {
			out = append(out, emptyPassword(fields[0], "/etc/shadow", shadowLayer, fields[0] == "root"))
		}
	}
	return out
}

func emptyPassword(user, file string, layer int, root bool) audit.Finding {
	f := audit.Finding{Rule: RuleEmptyPassword, Category: audit.CategoryMisconfig, Severity: audit.High, Layer: layer, Path: file,
		Title: "account " + user + " has an empty password: anyone can log in as it", Evidence: user + "::",
		Remediation: "Lock the account (passwd -l) or set a password hash of '*'."}
	if root {
		f.Severity, f.Category = audit.Critical, audit.CategoryRootUser
	}
	return f
}

func redactPasswd(fields []string) string {
	f := append([]string(nil), fields...)
	if f[1] != "" && f[1] != "x" && f[1] != "*" {
		f[1] = audit.Redact(f[1])
	}
	return strings.Join(f, ":")
}

func lines(data []byte) []string {
	var out []string
	for _, l := range bytes.Split(data, []byte("\n")) {
		l = bytes.TrimSpace(l)
		if len(l) > 0 && l[0] != '#' {
			out = append(out, string(l))
		}
	}
	return out
}

// historyFile reports the names shells and interactive programs keep their history under.
func historyFile(name string) bool {
	switch name {
	case ".bash_history", ".zsh_history", ".sh_history", ".ash_history", ".history", ".histfile", ".zhistory",
		".mysql_history", ".psql_history", ".python_history", ".node_repl_history", ".sqlite_history", ".rediscli_history",
		".lesshst", ".viminfo":
		return true
	}
	return false
}

// historyToNull reports a history file linked to /dev/null: what is typed as that user is
// never kept, the way an intruder's set-up silences the record of a session.
// programDirs are the directories the shells search for commands: no package installs a
// program there under a name that starts with a dot, which ls and most listings leave out.
var programDirs = map[string]bool{"/bin": true, "/sbin": true, "/usr/bin": true, "/usr/sbin": true, "/usr/local/bin": true,
	"/usr/local/sbin": true, "/usr/games": true, "/usr/libexec": true}

// hiddenProgram reports an executable file with a dot-named name in a program directory
// (/usr/sbin/.clearlog): a tool kept where it runs by name and stays out of a listing.
func hiddenProgram(n *forensics.Node) (audit.Finding, bool) {
	dir, base := path.Split(n.Path())
	if !strings.HasPrefix(base, ".") || len(base) < 2 || !programDirs[strings.TrimSuffix(dir, "/")] || n.Entry.Mode&0o111 == 0 {
		return audit.Finding{}, false
	}
	return audit.Finding{Rule: RuleHiddenProgram, Category: audit.CategoryHiddenFile, Severity: audit.High, Layer: n.Layer(), Path: n.Path(),
		Title:       "Program with a hidden name in a system program directory: kept where it runs, left out of listings",
		Evidence:    fmt.Sprintf("%s mode %04o size %d", n.Path(), n.Entry.Mode&0o7777, n.Entry.Size),
		Labels:      []audit.Category{audit.CategoryMalware},
		Techniques:  []string{"T1564.001"},
		Remediation: "Find the layer and build step that put it there and what it is (strata layers shows both); no package installs a dot-named program."}, true
}

func historyToNull(n *forensics.Node) audit.Finding {
	return audit.Finding{Rule: RuleHistoryNull, Category: audit.CategoryTamper, Severity: audit.Medium, Layer: n.Layer(), Path: n.Path(),
		Title:       "Command history linked to /dev/null: the shell's record of what is typed is thrown away",
		Evidence:    n.Path() + " -> /dev/null",
		Techniques:  []string{"T1070.003", "T1562.003"},
		Remediation: "Find the layer and build step that made the link; an image that silences history on purpose should say so in its build, an intruder's set-up does it to hide a session."}
}
