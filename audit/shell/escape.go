package shell

import (
	"bytes"
	"path"
	"regexp"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Container escape: a script in an image that reaches the host it runs on. The kernel runs a
// program the container names (a cgroup's release_agent with notify_on_release, the
// core_pattern pipe, the uevent helper); the container runtime's socket starts a privileged
// container or one holding the host's root; nsenter joins pid 1's namespaces; kubectl starts
// a pod in the host's namespaces or mounting its root; the host's disk is mounted and
// entered, or edited with debugfs. Each reading says which way.

// escapeState is what the analysis saw a script do towards the host: the cgroup files it
// wrote, the cgroup file systems and host disks it mounted.
type escapeState struct {
	releaseAgent *credSend // where the release agent was written, and what
	notify       bool      // notify_on_release set
	cgroupMount  bool      // a cgroup file system mounted
	mounts       map[string]string
	// disk are the hits on a host disk the script mounted, reported unless the script
	// partitions, formats or bootstraps disks (an installer mounts and chroots into the
	// system it builds).
	disk      []hit
	installer bool
}

// installers are the programs that make a disk or a system on it.
var installers = map[string]bool{"debootstrap": true, "mmdebstrap": true, "parted": true, "fdisk": true, "sfdisk": true, "sgdisk": true,
	"gdisk": true, "grub-install": true, "mkswap": true, "cryptsetup": true, "pacstrap": true, "kpartx": true, "losetup": true,
	"wipefs": true, "mke2fs": true, "cdebootstrap": true, "multistrap": true, "qemu-nbd": true, "partx": true}

// diskHit records a hit on a mounted host disk, for escFinish.
func (a *analysis) diskHit(s *syntax.Stmt, detail string) {
	n := len(a.hits.hits)
	a.hitAt(hitEscape, s, val{}, detail)
	if len(a.hits.hits) > n {
		a.esc.disk = append(a.esc.disk, a.hits.hits[n])
		a.hits.hits = a.hits.hits[:n]
	}
}

// hostDevice matches the host's block devices as a container sees them when it is
// privileged (or given the device).
var hostDevice = regexp.MustCompile(`^/dev/(sd[a-z]+[0-9]*|vd[a-z]+[0-9]*|xvd[a-z]+[0-9]*|hd[a-z][0-9]*|nvme[0-9]+n[0-9]+(p[0-9]+)?|mmcblk[0-9]+(p[0-9]+)?|dm-[0-9]+|mapper/[^/ ]+|disk/by-[a-z]+/[^ ]+|root)$`)

func isHostDevice(p string) bool {
	p = strings.ReplaceAll(p, unknown, "1")
	return hostDevice.MatchString(p)
}

// systemProgram reports a program in the system's own directories: what a distribution's
// crash or hotplug handler is (apport, systemd-coredump, mdev).
func systemProgram(p string) bool {
	if strings.Contains(p, unknown) || strings.Contains(p, "?") {
		return false
	}
	for _, d := range []string{"/usr/", "/lib/", "/lib64/", "/bin/", "/sbin/"} {
		if strings.HasPrefix(p, d) && !strings.Contains(p, "/.") {
			return true
		}
	}
	return false
}

// escWrite reads what a script writes into a file: the kernel's hooks, and the host's disk
// where the script mounted it.
func (a *analysis) escWrite(p string, v val, at syntax.Node) {
	if p == "" {
		return
	}
	st, _ := at.(*syntax.Stmt)
	text := strings.TrimSpace(v.s)
	switch base := path.Base(p); {
	case base == "release_agent":
		ev, line := "", 0
		if st != nil {
			ev, line = a.evidence(st), a.line(st)
			if a.pipeline != nil {
				ev = a.evidence(a.pipeline)
			}
		}
		a.esc.releaseAgent = &credSend{to: strings.ReplaceAll(text, unknown, "?"), evidence: ev, line: line}
		return
	case base == "notify_on_release":
		if strings.HasPrefix(text, "1") {
			a.esc.notify = true
		}
		return
	case strings.HasSuffix(p, "/sys/kernel/core_pattern"): // /proc's, or a procfs mounted anew elsewhere
		if strings.HasPrefix(text, "|") {
			prog := strings.Fields(strings.TrimPrefix(text, "|") + " ")
			if len(prog) > 0 && !systemProgram(prog[0]) && st != nil {
				detail := "core_pattern pipes every crash into " + strings.ReplaceAll(prog[0], unknown, "?") + ", which the host's kernel runs as root"
				if a.ownDirPipe(st) {
					detail += localCoreHandler
				}
				a.hitAt(hitEscape, st, val{}, detail)
			}
		}
		return
	case strings.HasSuffix(p, "/kernel/uevent_helper") || strings.HasSuffix(p, "/sys/kernel/hotplug"):
		if f := strings.Fields(text); len(f) > 0 && !systemProgram(f[0]) && st != nil {
			a.hitAt(hitEscape, st, val{}, "the uevent helper is set to "+strings.ReplaceAll(f[0], unknown, "?")+", which the host's kernel runs as root on every device event")
		}
		return
	}
	for dir, dev := range a.esc.mounts {
		if strings.HasPrefix(p, dir+"/") && st != nil {
			a.diskHit(st, "writes "+strings.TrimPrefix(p, dir)+" on the host's disk "+dev+" mounted at "+dir)
			return
		}
	}
}

// localCoreHandler ends the detail of a core_pattern pipe into a program of the script's own
// working directory, with nothing looked up of the host's paths: findings lower it to medium.
const localCoreHandler = " (a program of the script's working directory, no host path looked up: the shape of a crash-handling test; from a privileged container the host's kernel would run the host's file of that name)"

// ownDirPipe reports a statement naming its program by the working directory ($PWD, $(pwd))
// in a script that looks up none of the host's paths of the container's files (the overlay's
// upperdir in /etc/mtab, /proc/mounts or mountinfo): how a test on a host sets a core handler,
// not how an escape reaches the host's copy of a file it planted.
func (a *analysis) ownDirPipe(st *syntax.Stmt) bool {
	ev := a.evidence(st)
	if a.pipeline != nil {
		ev = a.evidence(a.pipeline) // echo "|$PWD/x" | tee core_pattern
	}
	if !strings.Contains(ev, "$PWD") && !strings.Contains(ev, "${PWD}") && !strings.Contains(ev, "$(pwd)") && !strings.Contains(ev, "`pwd`") {
		return false
	}
	for _, w := range []string{"upperdir", "/etc/mtab", "mountinfo", "/proc/mounts", "overlay", "/var/lib/docker", "/proc/self/root", "/proc/1/root"} {
		if bytes.Contains(a.src, []byte(w)) {
			return false
		}
	}
	return true
}

// escapeCmd reads one command for what it does towards the host.
func (a *analysis) escapeCmd(s *syntax.Stmt, name string, args []val, fds fdset) {
	switch name {
	case "mount":
		var pos []string
		for i := 0; i < len(args); i++ {
			x := args[i].s
			switch {
			case x == "-t" && i+1 < len(args):
				if strings.HasPrefix(args[i+1].s, "cgroup") {
					a.esc.cgroupMount = true
				}
				i++
			case x == "-o" && i+1 < len(args):
				i++
			case strings.HasPrefix(x, "-"):
			default:
				pos = append(pos, x)
			}
		}
		if len(pos) >= 1 && strings.HasPrefix(pos[0], "cgroup") {
			a.esc.cgroupMount = true
		}
		if len(pos) == 2 && isHostDevice(pos[0]) {
			if a.esc.mounts == nil {
				a.esc.mounts = map[string]string{}
			}
			a.esc.mounts[path.Clean(strings.ReplaceAll(pos[1], unknown, "?"))] = strings.ReplaceAll(pos[0], unknown, "?")
		}
	case "debugfs":
		for _, x := range args {
			if isHostDevice(x.s) {
				a.hitAt(hitEscape, s, val{}, "debugfs opens the host's disk "+x.text()+" (reads and writes its files past every permission)")
				return
			}
		}
	case "nsenter":
		target, mnt := false, false
		for i, x := range args {
			t := x.s
			switch {
			case t == "-t" || t == "--target":
				target = target || i+1 < len(args) && args[i+1].s == "1"
			case t == "-t1" || t == "--target=1":
				target = true
			case t == "--all" || t == "-a" || t == "-m" || t == "--mount" || strings.HasPrefix(t, "--mount=/proc/1/") ||
				strings.HasPrefix(t, "-m/proc/1/"):
				mnt = true
				if strings.Contains(t, "/proc/1/") {
					target = true
				}
			case strings.HasPrefix(t, "-") && !strings.HasPrefix(t, "--") && strings.Contains(t, "t") && i+1 < len(args) && args[i+1].s == "1":
				target = true // -mt 1
				if strings.ContainsAny(t, "ma") {
					mnt = true
				}
			}
		}
		if target && mnt {
			a.hitAt(hitEscape, s, val{}, "nsenter joins the namespaces of the host's pid 1 (its mount namespace: the host's root)")
		}
	case "docker", "podman", "nerdctl", "ctr":
		if why := runtimeEscape(name, args, a.vars); why != "" {
			a.hitAt(hitEscape, s, val{}, why)
		}
	case "kubectl", "oc", "k3s":
		if why := kubeEscape(args, fds[0].rd); why != "" {
			a.hitAt(hitEscape, s, val{}, why)
		}
	case "curl":
		sock := ""
		var text strings.Builder
		for i, x := range args {
			if x.s == "--unix-socket" && i+1 < len(args) {
				sock = args[i+1].text()
			} else if strings.HasPrefix(x.s, "--unix-socket=") {
				sock = strings.TrimPrefix(x.text(), "--unix-socket=")
			}
			text.WriteString(x.s)
			text.WriteByte(' ')
		}
		if sock == "" {
			return
		}
		text.WriteString(fds[0].rd.s)
		if why := privilegedSpec(text.String()); why != "" && strings.Contains(text.String(), "/containers/create") {
			a.hitAt(hitEscape, s, val{from: sock}, "the container runtime's socket ("+sock+") is asked for a container "+why)
		}
	}
}

// escChroot reads chroot DIR: entering a host disk the script mounted.
func (a *analysis) escChroot(s *syntax.Stmt, args []val) {
	for _, x := range args {
		if strings.HasPrefix(x.s, "-") {
			continue
		}
		d := path.Clean(strings.ReplaceAll(x.s, unknown, "?"))
		if dev, ok := a.esc.mounts[d]; ok {
			a.diskHit(s, "chroots into the host's disk "+dev+" mounted at "+d)
		}
		return
	}
}

// runtimeEscape returns why a container runtime command reaches the host: a container run
// privileged (or with the host's pid namespace, or every capability) through a runtime
// socket the script names, or one holding the host's root writable.
func runtimeEscape(name string, args []val, vars map[string]val) string {
	sock := ""
	if v, ok := vars["DOCKER_HOST"]; ok && strings.HasPrefix(v.s, "unix://") {
		sock = v.text()
	}
	i := 0
	for ; i < len(args); i++ {
		x := args[i].s
		switch {
		case (x == "-H" || x == "--host" || x == "-a" || x == "--address" || x == "--url") && i+1 < len(args):
			sock = args[i+1].s
			i++
			continue
		case strings.HasPrefix(x, "--host=") || strings.HasPrefix(x, "--address=") || strings.HasPrefix(x, "-H="):
			sock = x[strings.IndexByte(x, '=')+1:]
			continue
		case strings.HasPrefix(x, "-"):
			continue
		}
		break
	}
	if i >= len(args) {
		return ""
	}
	sub := args[i].s
	rest := args[i+1:]
	if (sub == "container" || name == "ctr" && (sub == "c" || sub == "containers")) && len(rest) > 0 {
		sub, rest = rest[0].s, rest[1:]
	}
	if sub != "run" && sub != "create" {
		return ""
	}
	priv, hostRoot, hostPID, hostSock := false, false, false, false
	for j := 0; j < len(rest); j++ {
		x := rest[j].s
		val := ""
		if j+1 < len(rest) {
			val = rest[j+1].s
		}
		switch {
		case x == "--privileged" || x == "--privileged=true":
			priv = true
		case x == "--cap-add" && (strings.EqualFold(val, "ALL") || strings.EqualFold(val, "SYS_ADMIN")) ||
			strings.EqualFold(x, "--cap-add=ALL") || strings.EqualFold(x, "--cap-add=SYS_ADMIN"):
			priv = true
		case x == "--pid" && val == "host" || x == "--pid=host":
			hostPID = true
		case (x == "-v" || x == "--volume") && rootBind(val) || strings.HasPrefix(x, "--volume=") && rootBind(x[len("--volume="):]) ||
			strings.HasPrefix(x, "-v/:"):
			hostRoot = true
		case (x == "--mount") && rootMount(val) || strings.HasPrefix(x, "--mount=") && rootMount(x[len("--mount="):]):
			hostRoot = true
		case (x == "-v" || x == "--volume") && runtimeSocketBind(val) || strings.HasPrefix(x, "--volume=") && runtimeSocketBind(x[len("--volume="):]):
			hostSock = true
		}
	}
	via := ""
	if strings.Contains(sock, ".sock") || strings.HasPrefix(sock, "unix://") || strings.HasPrefix(sock, "tcp://") ||
		strings.Contains(sock, unknown) {
		// a daemon's socket the script names, or one it is told at run time (-H $1)
		via = " through " + strings.ReplaceAll(sock, unknown, "?")
	}
	switch {
	case hostRoot:
		return name + " " + sub + via + " starts a container holding the host's root file system writable"
	case priv && via != "":
		return name + " " + sub + via + " starts a privileged container (every device and capability of the host)"
	case priv && hostSock:
		return name + " " + sub + " starts a privileged container handed the host's runtime socket"
	case priv && hostPID:
		return name + " " + sub + " starts a privileged container in the host's pid namespace"
	}
	return ""
}

// runtimeSocketBind reports a -v SRC:DST that hands a container the host's docker or
// containerd socket.
func runtimeSocketBind(v string) bool {
	src, _, _ := strings.Cut(v, ":")
	return strings.HasSuffix(src, "/docker.sock") || strings.HasSuffix(src, "/containerd.sock") || strings.HasSuffix(src, "/podman.sock")
}

// rootBind reports a -v SRC:DST[:OPTS] that binds the host's / writable.
func rootBind(v string) bool {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || parts[0] != "/" {
		return false
	}
	return len(parts) < 3 || !strings.Contains(","+parts[2]+",", ",ro,")
}

// rootMount reports a --mount type=bind,source=/,... that is not read-only (ctr's
// --mount type=bind,src=/,dst=/host,options=rbind:rw too).
func rootMount(v string) bool {
	root, ro := false, false
	for _, kv := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(kv, "=")
		switch k {
		case "source", "src":
			root = val == "/"
		case "readonly", "ro":
			ro = val != "false"
		case "options":
			ro = strings.Contains(":"+val+":", ":ro:")
		}
	}
	return root && !ro
}

// privilegedSpec returns what makes a container spec (the runtime API's JSON, a pod
// override) reach the host, "" for nothing.
func privilegedSpec(t string) string {
	c := strings.Join(strings.Fields(t), "")
	switch {
	case strings.Contains(c, `"Privileged":true`):
		return "privileged"
	case strings.Contains(c, `"Binds":["/:`):
		return "binding the host's root"
	case strings.Contains(c, `"PidMode":"host"`) && strings.Contains(c, `"CapAdd":["ALL"`):
		return "in the host's pid namespace with every capability"
	}
	return ""
}

// kubeEscape returns why a kubectl command reaches the node: a pod run (--overrides) or
// applied (a manifest on its input) in the host's pid namespace and privileged or entering
// pid 1, or mounting the node's root.
func kubeEscape(args []val, in val) string {
	sub := ""
	var spec strings.Builder
	for i, x := range args {
		t := x.s
		switch {
		case sub == "" && !strings.HasPrefix(t, "-"):
			sub = t
		case t == "--overrides" && i+1 < len(args):
			spec.WriteString(args[i+1].s)
		case strings.HasPrefix(t, "--overrides="):
			spec.WriteString(strings.TrimPrefix(t, "--overrides="))
		case t == "--privileged" || t == "--privileged=true":
			spec.WriteString(` "privileged":true `)
		}
	}
	switch sub {
	case "run":
	case "apply", "create", "replace":
		spec.WriteString(in.s)
	default:
		return ""
	}
	c := strings.ReplaceAll(strings.Join(strings.Fields(spec.String()), ""), `'`, `"`)
	has := func(keys ...string) bool {
		for _, k := range keys {
			if strings.Contains(c, k) {
				return true
			}
		}
		return false
	}
	hostPID := has(`"hostPID":true`, `hostPID:true`)
	priv := has(`"privileged":true`, `privileged:true`)
	enter := has(`"nsenter"`, `nsenter`) && has("1")
	hostRoot := has(`"hostPath":{"path":"/"}`, `"hostPath":{"path":"/","`, `hostPath:path:/`+"\n", `hostPath:{path:/}`) ||
		strings.Contains(strings.Join(strings.Fields(spec.String()), " "), "hostPath: path: / ") ||
		hostPathRoot(spec.String())
	switch {
	case hostPID && (priv || enter):
		return "kubectl " + sub + " starts a pod in the node's pid namespace" + map[bool]string{true: ", privileged", false: ""}[priv] +
			map[bool]string{true: ", entering pid 1 with nsenter", false: ""}[enter]
	case priv && enter:
		return "kubectl " + sub + " starts a privileged pod that enters pid 1 with nsenter"
	case hostRoot:
		return "kubectl " + sub + " starts a pod mounting the node's root file system (hostPath /)"
	}
	return ""
}

// hostPathRoot reports a YAML manifest whose hostPath volume is the node's root.
func hostPathRoot(y string) bool {
	lines := strings.Split(y, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "hostPath:") {
			continue
		}
		for _, m := range lines[i:min(len(lines), i+4)] {
			t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(m), "hostPath:"))
			t = strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.Trim(t, "{}")), "path:")), `"'`)
			if t == "/" {
				return true
			}
		}
	}
	return false
}

// escFinish reports what the whole script did: a release agent written into a cgroup it
// mounted or set to notify on release.
func (a *analysis) escFinish() {
	if !a.esc.installer {
		for _, h := range a.esc.disk {
			if len(a.hits.hits) < 64 {
				a.hits.hits = append(a.hits.hits, h) // add() saw it already when diskHit held it back
			}
		}
	}
	r := a.esc.releaseAgent
	if r == nil || !a.esc.notify && !a.esc.cgroupMount {
		return
	}
	a.hits.add(hit{kind: hitEscape, evidence: r.evidence, line: r.line, chain: slices.Clone(a.chain), detail: "a cgroup's release_agent is set to " + r.to +
		", which the host's kernel runs as root when the cgroup empties (notify_on_release)", place: a.place})
}

// credEscTrigger is the cheap test in front of parsing a shell script for credential theft
// or an escape: the words neither can do without.
func credEscTrigger(g *grams, data []byte) bool {
	has := func(ws ...string) bool { return g.hasAny(data, ws...) }
	if has("release_agent", "core_pattern", "uevent_helper", "nsenter", "--privileged", "docker.sock", "containerd.sock",
		"hostPID", "hostPath", "debugfs", "/:/", "source=/,", "src=/,", "SYS_MODULE") {
		return true
	}
	if has("/dev/sd", "/dev/vd", "/dev/xvd", "/dev/nvme") && has("chroot", "debugfs", "mount") {
		return true
	}
	if has("read -s", "read -r -s", "read -rs", "stty -echo", "alias su", "alias sudo", "sudo()", "su()") {
		return true
	}
	if has("strace", "ltrace", "gcore", "gdb ") || has("/mem") && has("pgrep", "pidof") || has("/mem'", "/mem\"") && has("/proc") {
		return true // a process that handles passwords traced or its memory read (CT-006)
	}
	if credLangTrigger(g, data) || keylogTrigger(g, data) {
		return true // code of another language handed to its interpreter; a keylogger
	}
	n := 0
	for _, w := range []string{".ssh", ".aws", ".azure", "credentials.db", "access_tokens.db", "application_default_credentials", ".kube",
		".docker/config", "git-credentials", "netrc", "/etc/shadow", "sh_history", "sql_history", "/environ", "printenv", "env >", "env>",
		"env |", "env|", "$(env", "`env`", "set >", "169.254.1", "metadata.google", "identity/oauth2", ".pgpass", "Login Data",
		"logins.json", "key4.db", "/Cookies", "cookies.sqlite", "Local State", "my.cnf", "mylogin.cnf", "debian.cnf", "psa.shadow"} {
		if g.hasString(data, w) {
			n++
		}
	}
	// passwords searched for through directories or the files a find lists (T1552.001)
	if has("grep", "rg ") && has("passw", "Passw", "PASSW", "secret") && has(" -r", "-ri", "-Ri", "-rI", "-Ir", "find ", "rg ") {
		return true
	}
	// three kinds at once is a sweep (CT-005), whatever sends it; two written to a file, or
	// credentials of the home directories copied or archived, may be staged (CT-008)
	return n >= 3 || n >= 2 && has(">") || n > 0 && has("/home/", "/root/", "id_*", "_history") && has("tar ", "zip ", "cp ", "7z ", "-exec") || n > 0 &&
		has("mail", "curl", "wget", "nc ", "ncat", "socat", "scp", "rsync", "ftp", "/dev/tcp", "/dev/udp", "telnet",
			"ping", "hping3", "aws s3", "gsutil", "gcloud storage", "s3cmd", "rclone", "az storage", "dig ", "nslookup", "host ", "drill ",
			"getent ")
}
