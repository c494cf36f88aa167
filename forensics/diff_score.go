package forensics

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/strata-forensics/strata/forensics/filetype"
)

// SuspiciousScore is the score from which a file change counts as suspicious. Scores come from
// rules on attributes (path, detected type, mode, owner, content markers, the suspect's config),
// never from knowledge of particular images:
//
//	100  named by LD_PRELOAD in the suspect's config
//	 95  /etc/ld.so.preload; setuid gained or a new setuid file (setgid 90)
//	 90  new shared library in a system path (/lib*, /usr/lib*, /usr/local/lib*, /usr/share/lib)
//	 85  system binary replaced or added (/bin, /sbin, /usr/bin, ...); sudoers; server pages
//	 80  entrypoint/cmd targets; cron, systemd, PAM, ld.so.conf; fetch-and-run or /dev/tcp content
//	 75  init scripts, passwd/shadow/group; new native executable or library elsewhere
//	 70  shell startup files, ssh configuration and keys (authorized_keys 90)
//	 60  scripts (#! or script extension), web roots; whited-out (hidden) files 55
//	 50  other files with an executable bit
//	 20  other files; 10 directories, links, devices; mtime-only changes are capped at 10
//
// A content change that kept the original's mtime adds 15. Removals score six tenths. Package
// manager churn (apt lists, /var/cache, /var/log, *.pyc, __pycache__, docs, and the package
// databases' files when the package list changed too) is marked noise and capped at 5, unless
// the file is native code, setuid, a library or server page, or an executable script.
const SuspiciousScore = 50

// scoreContext is what scoring knows about the suspect image as a whole.
type scoreContext struct {
	preload      map[string]bool   // paths LD_PRELOAD names
	targets      map[string]string // resolved entrypoint/cmd paths -> "entrypoint" or "cmd"
	pkgDBChanged bool
}

func newScoreContext(susp *Image, tree *Tree) scoreContext {
	c := scoreContext{preload: map[string]bool{}, targets: map[string]string{}}
	pathEnv := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range susp.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "LD_PRELOAD":
			for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ':' || r == ' ' }) {
				if strings.HasPrefix(p, "/") {
					c.preload[path.Clean(p)] = true
					c.preload[resolveInTree(tree, p)] = true
				}
			}
		case "PATH":
			pathEnv = v
		}
	}
	mark := func(what string, args []string, first bool) {
		for i, a := range args {
			for _, tok := range strings.Fields(a) {
				tok = strings.Trim(tok, `"';&|()`)
				var p string
				switch {
				case strings.HasPrefix(tok, "/"):
					p = tok
				case strings.HasPrefix(tok, "./") && susp.Config.WorkingDir != "":
					p = path.Join(susp.Config.WorkingDir, tok)
				case i == 0 && first && !strings.Contains(tok, "/") && tok != "":
					p = lookPath(tree, pathEnv, tok)
				}
				if p == "" {
					continue
				}
				for _, q := range []string{path.Clean(p), resolveInTree(tree, p)} {
					if _, ok := c.targets[q]; !ok {
						c.targets[q] = what
					}
				}
			}
		}
	}
	mark("entrypoint", susp.Config.Entrypoint, true)
	mark("cmd", susp.Config.Cmd, len(susp.Config.Entrypoint) == 0)
	return c
}

// lookPath finds a bare command name in the image's PATH directories.
func lookPath(t *Tree, pathEnv, name string) string {
	if t == nil {
		return ""
	}
	for _, dir := range strings.Split(pathEnv, ":") {
		p := path.Join(dir, name)
		if n := t.Node(resolveInTree(t, p)); n != nil && !n.Hidden {
			return p
		}
	}
	return ""
}

// resolveInTree follows symlinks in the tree, component by component, as the kernel would
// inside the image's root.
func resolveInTree(t *Tree, p string) string {
	p = path.Clean("/" + p)
	if t == nil {
		return p
	}
	for hops := 0; hops < 32; hops++ {
		parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
		changed := false
		for i := range parts {
			prefix := "/" + strings.Join(parts[:i+1], "/")
			n := t.Node(prefix)
			if n == nil || n.Hidden || n.Entry.Type != TypeSymlink {
				continue
			}
			target := n.Entry.Link()
			if !strings.HasPrefix(target, "/") {
				target = path.Join(path.Dir(prefix), target)
			}
			p = path.Clean("/" + path.Join(append([]string{target}, parts[i+1:]...)...))
			changed = true
			break
		}
		if !changed {
			return p
		}
	}
	return p
}

type reason struct {
	score int
	why   string
}

var (
	fetchAndRun  = regexp.MustCompile(`(curl|wget)[^|\n]*\|\s*(ba|da|z)?sh\b`)
	base64AndRun = regexp.MustCompile(`base64\s+(-d|--decode)[^|\n]*\|\s*(ba|da|z)?sh\b`)
)

// score rates a change: see SuspiciousScore for the rules.
func (c *scoreContext) score(f *FileChange) (int, string, bool) {
	v := f.version()
	e := v.Entry
	p := f.Path
	base := path.Base(p)
	typ := v.Type
	if typ.Kind == "" && isContent(e) {
		typ = guessType(p, e)
	}
	reg := isContent(e)
	execBit := reg && e.Mode&0o111 != 0
	isNew := f.Change == FileAdded || f.Change == FileHidden
	word := map[FileChangeKind]string{FileAdded: "added", FileHidden: "added", FileModified: "changed", FileRemoved: "removed", FileUnchanged: "unchanged"}[f.Change]
	var rs []reason
	rule := func(s int, why string) { rs = append(rs, reason{s, why}) }

	if f.Change != FileRemoved && c.preload[p] {
		rule(100, "named by LD_PRELOAD in the suspect's config")
	}
	if p == "/etc/ld.so.preload" {
		rule(95, "ld.so.preload "+word)
	}
	if p == "/" && hasAttr(f.Attributes, AttrMode) {
		// Re-tarring an extracted layer from a private temporary directory (as dockerscan
		// does) leaves the root 0700; no build step changes it.
		rule(55, "the root directory's mode changed: the layer was re-packed by hand")
	}
	if f.Suspect != nil && reg && f.Change != FileRemoved {
		origSetuid := f.Original != nil && f.Original.Entry.Setuid()
		origSetgid := f.Original != nil && f.Original.Entry.Setgid()
		switch {
		case e.Setuid() && isNew:
			rule(95, "new setuid file")
		case e.Setuid() && !origSetuid:
			rule(95, "setuid gained")
		case !e.Setuid() && origSetuid:
			rule(30, "setuid lost")
		}
		switch {
		case e.Setgid() && isNew:
			rule(90, "new setgid file")
		case e.Setgid() && !origSetgid:
			rule(90, "setgid gained")
		}
	}
	lib := reg && (typ.Kind == filetype.ELFSharedObject || isLibName(base))
	switch {
	case lib:
		sys := inSystemLibDir(p)
		switch {
		case isNew && sys:
			rule(90, "new shared library in a system path")
		case isNew:
			rule(75, "new shared library")
		case f.Change == FileRemoved:
			rule(40, "shared library removed")
		case sys:
			rule(85, "shared library replaced in a system path")
		default:
			rule(70, "shared library changed")
		}
	case reg && (typ.Native() || execBit && inSystemBinDir(p)):
		sys := inSystemBinDir(p)
		switch {
		case isNew && sys:
			rule(85, "new executable in a system path")
		case isNew:
			rule(75, "new native executable")
		case f.Change == FileRemoved:
			rule(35, "executable removed")
		case sys:
			rule(85, "system binary replaced")
		default:
			rule(65, "native executable changed")
		}
	}
	if t := c.targets[p]; t != "" {
		rule(80, t+" target "+word)
	}
	// Where a path is matters for what it holds, not for the directories on the way.
	if e.Type != TypeDir {
		for _, pr := range pathRules {
			if pr.match(p, base) {
				rule(pr.score, pr.what+" "+word)
				break
			}
		}
	}
	switch {
	case typ.ServerPage():
		rule(85, fmt.Sprintf("server-side page (%s) %s", typ.Kind, word))
	case reg && inWebRoot(p):
		rule(60, "web root file "+word)
	}
	switch {
	case typ.Kind == filetype.Script && execBit:
		rule(65, "executable script "+word)
	case typ.Kind == filetype.Script:
		rule(60, "script "+word)
	case execBit && !lib && !typ.Native():
		rule(50, "executable file "+word)
	}
	if f.Change == FileHidden {
		rule(55, fmt.Sprintf("shipped in layer %d but whited-out by layer %d", v.Layer, v.Removed))
	}
	if f.Change != FileRemoved && f.suspText != nil {
		text := *f.suspText
		switch {
		case strings.Contains(text, "/dev/tcp/") || strings.Contains(text, "/dev/udp/"):
			rule(90, "content opens a network shell (/dev/tcp)")
		case fetchAndRun.MatchString(text):
			rule(80, "content downloads and runs a script")
		case base64AndRun.MatchString(text):
			rule(80, "content decodes and runs a script")
		}
	}
	if f.Change == FileModified {
		if hasAttr(f.Attributes, AttrLink) {
			rule(40, "symlink retargeted")
		}
		if hasAttr(f.Attributes, AttrUID) || hasAttr(f.Attributes, AttrGID) {
			rule(30, "owner changed")
		}
		if hasAttr(f.Attributes, AttrType) {
			rule(40, fmt.Sprintf("type changed from %s to %s", f.Original.Entry.Type, e.Type))
		}
	}
	switch {
	case len(rs) > 0:
	case reg:
		rule(20, "file "+word)
	default:
		rule(10, e.Type.String()+" "+word)
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].score > rs[j].score })
	score := rs[0].score
	metaOnly := f.Change == FileModified && len(f.Attributes) == 1 && f.Attributes[0] == AttrMTime
	kept := f.Change == FileModified && hasAttr(f.Attributes, AttrContent) && !hasAttr(f.Attributes, AttrMTime)
	switch {
	case metaOnly:
		score = min(score, 10)
		rs = []reason{{score, "only the mtime changed"}}
	case kept:
		score = min(100, score+15)
		rs = append([]reason{{score, "content changed but mtime kept"}}, rs...)
	}
	if f.Change == FileRemoved {
		score = score * 6 / 10
	}
	noise := c.isNoise(p, base, typ, e, execBit, lib)
	if noise {
		score = min(score, noiseCap)
	} else if isPackageDB(p) && !c.pkgDBChanged && f.Change != FileUnchanged {
		rs = append(rs, reason{45, "package database file changed while the package list did not"})
		score = max(score, 45)
	}
	whys := make([]string, 0, 3)
	seen := map[string]bool{}
	for _, r := range rs {
		if !seen[r.why] && len(whys) < 3 {
			whys = append(whys, r.why)
			seen[r.why] = true
		}
	}
	why := strings.Join(whys, "; ")
	if noise {
		why = "package-manager churn: " + why
	}
	return score, why, noise
}

// guessType is the file type from the name and mode alone, when the content was not read.
func guessType(p string, e *Entry) filetype.Type {
	switch {
	case isLibName(path.Base(p)):
		return filetype.Type{Kind: filetype.ELFSharedObject}
	case e.Size == 0:
		return filetype.Type{Kind: filetype.Empty}
	}
	t := filetype.Detect(p, []byte(" "))
	if t.Kind == filetype.Text {
		return filetype.Type{}
	}
	return t
}

func isLibName(base string) bool {
	return strings.HasSuffix(base, ".so") || strings.Contains(base, ".so.")
}

func hasAnyPrefix(p string, prefixes ...string) bool {
	for _, pre := range prefixes {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

func inSystemBinDir(p string) bool {
	return hasAnyPrefix(p, "/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/", "/usr/libexec/")
}

func inSystemLibDir(p string) bool {
	c := strings.Split(strings.TrimPrefix(p, "/"), "/")
	switch {
	case len(c) < 2:
		return false
	case strings.HasPrefix(c[0], "lib"):
		return true
	case c[0] != "usr" || len(c) < 3:
		return false
	case strings.HasPrefix(c[1], "lib"):
		return true
	case c[1] == "local" && strings.HasPrefix(c[2], "lib"), c[1] == "share" && c[2] == "lib":
		return true
	}
	return false
}

func inWebRoot(p string) bool {
	return hasAnyPrefix(p, "/var/www/", "/usr/share/nginx/", "/srv/www/", "/srv/http/", "/usr/local/apache2/htdocs/", "/inetpub/") ||
		strings.Contains(p, "/webapps/") || strings.Contains(p, "/htdocs/") || strings.Contains(p, "/wwwroot/") || strings.Contains(p, "/public_html/")
}

// pathRule scores a path by where it is: persistence, credentials, access control.
type pathRule struct {
	score int
	what  string
	match func(p, base string) bool
}

func prefixRule(score int, what string, exact []string, prefixes ...string) pathRule {
	return pathRule{score, what, func(p, _ string) bool {
		for _, x := range exact {
			if p == x {
				return true
			}
		}
		return hasAnyPrefix(p, prefixes...)
	}}
}

// pathRules are tried in order; the first that matches applies.
var pathRules = []pathRule{
	{90, "ssh authorized_keys", func(_, base string) bool { return base == "authorized_keys" || base == "authorized_keys2" }},
	prefixRule(85, "sudoers", []string{"/etc/sudoers"}, "/etc/sudoers.d/"),
	prefixRule(80, "cron job", []string{"/etc/crontab", "/etc/anacrontab"}, "/etc/cron.", "/var/spool/cron/", "/var/spool/anacron/"),
	prefixRule(80, "systemd unit", nil, "/etc/systemd/", "/lib/systemd/", "/usr/lib/systemd/", "/usr/local/lib/systemd/", "/etc/xdg/autostart/"),
	prefixRule(80, "PAM configuration", nil, "/etc/pam.d/", "/etc/security/", "/lib/security/", "/usr/lib/security/"),
	prefixRule(80, "library search path", []string{"/etc/ld.so.conf"}, "/etc/ld.so.conf.d/"),
	{75, "init script", func(p, _ string) bool {
		if hasAnyPrefix(p, "/etc/init.d/", "/etc/init/", "/etc/supervisor/", "/etc/services.d/", "/etc/cont-init.d/", "/etc/s6-overlay/") ||
			p == "/etc/rc.local" || p == "/etc/inittab" {
			return true
		}
		dir := path.Dir(p)
		return strings.HasPrefix(dir, "/etc/rc") && strings.HasSuffix(dir, ".d")
	}},
	prefixRule(75, "account database", []string{"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"}),
	{70, "shell startup file", func(p, base string) bool {
		switch base {
		case ".bashrc", ".profile", ".bash_profile", ".bash_login", ".zshrc", ".zprofile":
			return true
		}
		return p == "/etc/profile" || p == "/etc/bash.bashrc" || p == "/etc/environment" || hasAnyPrefix(p, "/etc/profile.d/", "/etc/zsh/")
	}},
	{70, "ssh configuration", func(p, _ string) bool { return strings.HasPrefix(p, "/etc/ssh/") || strings.Contains(p, "/.ssh/") }},
	prefixRule(50, "name resolution", []string{"/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf"}),
}

// isPackageDB reports a package manager database file.
func isPackageDB(p string) bool {
	return hasAnyPrefix(p, "/var/lib/dpkg/", "/var/lib/apk/", "/lib/apk/db/", "/var/lib/rpm/", "/usr/lib/sysimage/rpm/")
}

// isPackageList reports the file that lists installed packages: when it changed, packages were
// installed or removed and the rest of the database is expected to change with it.
func isPackageList(p string) bool {
	switch p {
	case "/var/lib/dpkg/status", "/lib/apk/db/installed", "/var/lib/apk/db/installed":
		return true
	}
	return hasAnyPrefix(p, "/var/lib/rpm/", "/usr/lib/sysimage/rpm/")
}

func (c *scoreContext) isNoise(p, base string, typ filetype.Type, e *Entry, execBit, lib bool) bool {
	if typ.Native() || lib || typ.ServerPage() || e.Setuid() || e.Setgid() || typ.Kind == filetype.Script && execBit {
		return false
	}
	switch {
	case hasAnyPrefix(p, "/var/lib/apt/", "/var/cache/", "/var/log/", "/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/var/lib/dnf/", "/var/lib/yum/", "/var/cache/"),
		p == "/etc/ld.so.cache", strings.HasSuffix(base, ".pyc"), strings.Contains(p, "/__pycache__"), base == "__pycache__":
		return true
	case isPackageDB(p):
		return c.pkgDBChanged
	}
	return false
}

// noiseCap is the highest score a package-manager change keeps.
const noiseCap = 5
