package shell

import (
	"fmt"
	"net"
	"path"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Credential theft: a script that collects credential material (private keys, cloud and
// registry credentials, password hashes, shell history, the whole environment, the cloud
// metadata service's credentials) and sends it off the machine. Collection alone (a backup,
// a configuration step) and sending alone (an upload) are ordinary; the pair is the
// technique. The pair is read by data flow where the analysis can follow the bytes (a
// variable, a file the script writes and then sends, a pipe): a value read from a credential
// carries what it is (val.cred) through every command that passes it on. Where it cannot,
// both in one script with the sender reaching a host off the machine is the pair.

// Kinds of credential material, as titles name them.
const (
	credSSHKey   = "SSH private keys"
	credHostKey  = "SSH host keys"
	credShadow   = "password hashes (/etc/shadow)"
	credAWS      = "AWS credentials"
	credAzure    = "Azure credentials"
	credGCloud   = "Google Cloud credentials"
	credMetadata = "cloud instance metadata credentials"
	credUserData = "the instance's user-data (its boot script and the secrets handed to it)"
	credDocker   = "Docker registry credentials"
	credKube     = "Kubernetes credentials"
	credGit      = "Git credentials"
	credNetrc    = "netrc passwords"
	credPgpass   = "database passwords (.pgpass)"
	credDotenv   = "application secrets (a home's .env)"
	credHostID   = "the host's identity (host name and user, home or network)"
	credMySQL    = "database passwords (MySQL option files)"
	credPanel    = "a hosting panel's admin password (.psa.shadow)"
	credSearch   = "passwords searched for in other files"
	credHistory  = "shell history"
	credEnv      = "the environment"
	credBrowser  = "browser passwords and cookies"
	credTyped    = "a password typed at a prompt"
	// credKeystrokes are what a keyboard device or listener gives (keylog.go)
	credKeystrokes = "keystrokes"
)

// credKeys are the kinds whose theft is a key or a password hash: sent away by data flow,
// critical.
var credKeys = map[string]bool{credSSHKey: true, credHostKey: true, credShadow: true, credAWS: true, credAzure: true,
	credGCloud: true, credMetadata: true}

// credPath returns the kind of credential material a path (or glob, or directory) names, ""
// when none. Public keys, known_hosts and authorized_keys are not secrets.
func credPath(p string) string {
	if len(p) < 4 || !strings.ContainsAny(p, "/._") {
		return ""
	}
	p = strings.TrimRight(strings.ReplaceAll(p, unknown, "?"), "/")
	if strings.HasSuffix(p, ".pub") {
		return ""
	}
	base := path.Base(p)
	switch {
	case strings.Contains(p, ".ssh/") || strings.HasSuffix(p, "/.ssh") || p == ".ssh" || p == "~/.ssh":
		i := strings.LastIndex(p, ".ssh")
		rest := strings.TrimPrefix(p[i+len(".ssh"):], "/")
		switch {
		case rest == "" || strings.HasPrefix(rest, "id_") || strings.Contains(rest, "*") || strings.HasSuffix(rest, "_key") ||
			strings.HasSuffix(rest, ".pem") || strings.HasSuffix(rest, ".key"):
			return credSSHKey
		}
	case strings.HasPrefix(p, "/etc/ssh/ssh_host_") || strings.HasPrefix(p, "/etc/ssh/*"):
		return credHostKey
	case p == "/etc/shadow" || p == "/etc/gshadow" || p == "/etc/shadow-" || strings.HasPrefix(p, "/etc/shadow*") ||
		p == "/etc/master.passwd":
		return credShadow
	case strings.Contains(p, ".aws/") || strings.HasSuffix(p, "/.aws") || p == ".aws":
		if strings.HasSuffix(p, "/credentials") || strings.HasSuffix(p, "/config") || strings.HasSuffix(p, ".aws") ||
			strings.HasSuffix(p, "/*") || strings.Contains(p, "/sso/cache") || strings.Contains(p, "/cli/cache") {
			return credAWS
		}
	case strings.Contains(p, ".azure/") || strings.HasSuffix(p, "/.azure") || p == ".azure":
		return credAzure
	case strings.Contains(p, "gcloud/") && (base == "credentials.db" || base == "access_tokens.db" || strings.Contains(p, "legacy_credentials") ||
		base == "application_default_credentials.json" || strings.HasSuffix(p, "/*")) || strings.HasSuffix(p, "/gcloud") ||
		base == "application_default_credentials.json":
		return credGCloud
	case strings.HasSuffix(p, ".docker/config.json"):
		return credDocker
	case strings.HasSuffix(p, ".kube/config") || strings.HasSuffix(p, "/.kube") || strings.HasSuffix(p, ".kube/*"):
		return credKube
	case base == ".git-credentials":
		return credGit
	case base == ".netrc" || base == "_netrc":
		return credNetrc
	case base == ".pgpass":
		return credPgpass
	case base == ".env" && (p == "/.env" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, "/root/") || strings.HasPrefix(p, "/home/") ||
		strings.HasPrefix(p, "$HOME/") || strings.HasPrefix(p, "${HOME}/")):
		// a home's or the root's .env, not the application's own ./.env
		return credDotenv
	case base == ".my.cnf" || base == ".mylogin.cnf" || p == "/etc/mysql/debian.cnf":
		return credMySQL
	case base == ".psa.shadow":
		return credPanel
	case strings.HasSuffix(base, "_history") && strings.HasPrefix(base, ".") || base == ".history":
		return credHistory
	case strings.HasPrefix(p, "/proc/") && base == "environ":
		return credEnv
	case browserStore(base) && browserProfile(p):
		return credBrowser
	case strings.HasPrefix(base, "id_rsa") || strings.HasPrefix(base, "id_ed25519") || strings.HasPrefix(base, "id_ecdsa") ||
		strings.HasPrefix(base, "id_dsa") || base == "id_*" || base == "id_*[^b]" || base == "id_[rde]*":
		return credSSHKey
	case base == ".*_history" || base == "*_history" || base == ".*history":
		return credHistory
	}
	return ""
}

// credURL returns credMetadata for a URL of a cloud metadata service's credential endpoint:
// AWS IAM role credentials, GCP service account tokens, Azure managed identity tokens, ECS
// task credentials.
func credURL(u string) string {
	l := strings.ToLower(u)
	switch {
	case strings.Contains(l, "169.254.170.2"):
		return credMetadata
	case strings.Contains(l, "/iam/security-credentials") || strings.Contains(l, "/identity-credentials/"):
		return credMetadata
	case strings.Contains(l, "/service-accounts/") && (strings.Contains(l, "metadata") || strings.Contains(l, "169.254.169.254")) &&
		(strings.Contains(l, "token") || strings.Contains(l, "identity") || strings.HasSuffix(l, "/service-accounts/") ||
			strings.Contains(l, "recursive=true")):
		return credMetadata
	case strings.Contains(l, "/metadata/identity/oauth2/token"):
		return credMetadata
	case (strings.Contains(l, "/user-data") || strings.Contains(l, "/attributes/startup-script") || strings.Contains(l, "/customdata")) && metadataHost(l):
		return credUserData
	}
	return ""
}

// metadataHost reports a URL of a cloud instance metadata service: AWS's (also over IPv6),
// Google's, Azure's and OpenStack's at the link-local address, Alibaba's.
func metadataHost(l string) bool {
	for _, h := range []string{"169.254.169.254", "metadata.google.internal", "fd00:ec2::254", "100.100.100.200", "metadata.azure.internal"} {
		if strings.Contains(l, h) {
			return true
		}
	}
	return false
}

// joinCred adds the kinds of w to those of v ("a, b"), each once.
func joinCred(v, w string) string {
	if v == "" || v == w {
		return w
	}
	if w == "" {
		return v
	}
	have := strings.Split(v, ", ")
	for _, k := range strings.Split(w, ", ") {
		if !slices.Contains(have, k) {
			have = append(have, k)
		}
	}
	return strings.Join(have, ", ")
}

// credIsKey reports kinds of which one is a key or a password hash.
func credIsKey(kinds string) bool {
	for _, k := range strings.Split(kinds, ", ") {
		if credKeys[k] {
			return true
		}
	}
	return false
}

// credState is what one analysis saw of credentials: what the script collected, what it
// sent where, and the password prompts it showed.
type credState struct {
	collected string // kinds, joined
	collectAt int    // the line of the first collection
	collectEv string // and its text
	sends     []credSend
	flowHit   bool // a send carried credentials by data flow
	// prompt: the script asked for a password (an echo, printf or read -p naming one); noEcho:
	// stty -echo was run; realCmd: the script runs sudo, su or another prompting command itself.
	prompt, noEcho, realCmd bool
	// fails: the script prints a login program's failure message (Sorry, try again).
	fails     bool
	typedKept []credSend // typed passwords written into files
	// staged are credentials written into a file or directory that is no credential place
	// itself (how holds the kinds); homes: credentials read from the home directories
	// (/home/..., /root/...), other users' as a script run by root reads them
	staged []credSend
	homes  bool
}

type credSend struct {
	how, to, evidence string
	line              int
	where             string // the file the code that kept a typed password is (a script it writes, or its own)
}

// collect notes credential material the script reads.
func (a *analysis) collect(kind string, s *syntax.Stmt) {
	if kind == "" || kind == credTyped {
		return
	}
	if a.cred.collected == "" && s != nil {
		a.cred.collectAt, a.cred.collectEv = a.line(s), a.evidence(s)
	}
	a.cred.collected = joinCred(a.cred.collected, kind)
}

// credReaders are the programs that read (and pass on) the files their arguments name: a
// credential path handed to one is collected. A test, a chmod or an echo of the path is not.
var credReaders = map[string]bool{"cat": true, "head": true, "tail": true, "tac": true, "nl": true, "more": true, "less": true,
	"base64": true, "base32": true, "xxd": true, "od": true, "hexdump": true, "strings": true, "gzip": true, "bzip2": true,
	"xz": true, "zstd": true, "tar": true, "bsdtar": true, "zip": true, "7z": true, "7za": true, "rar": true, "cp": true,
	"grep": true, "egrep": true, "fgrep": true, "awk": true, "gawk": true, "mawk": true, "sed": true, "sort": true, "uniq": true,
	"cut": true, "sqlite3": true, "jq": true, "find": true, "openssl": true, "gpg": true, "dd": true, "paste": true,
	"unshadow": true, "tee": false}

// credArgs returns the credential kinds the arguments of a command carry and, for a program
// that reads its files, name.
func (a *analysis) credArgs(name string, args []val) string {
	kinds := ""
	if passwordSearch(name, args) {
		kinds = credSearch
	}
	for _, x := range args {
		kinds = joinCred(kinds, x.cred)
		if !credReaders[name] {
			continue
		}
		t := x.s
		if i := strings.IndexByte(t, '='); i > 0 && strings.HasPrefix(t, "-") {
			t = t[i+1:]
		}
		t = strings.TrimPrefix(t, "if=")
		k := credPath(strings.TrimPrefix(t, "@"))
		kinds = joinCred(kinds, k)
		if k != "" && homeCred(t) {
			a.cred.homes = true
		}
		if f, ok := a.file(t); ok {
			kinds = joinCred(kinds, f.cred)
		}
	}
	return kinds
}

// passwordSearch reports grep looking for passwords in files that are not the script's to
// know (T1552.001): a pattern naming a password or secret, searched through directories
// (-r) or through files a loop found (a name not known until run).
func passwordSearch(name string, args []val) bool {
	switch name {
	case "grep", "egrep", "fgrep", "rg", "ag", "zgrep":
	default:
		return false
	}
	recursive, pattern, unknownFile := name == "rg" || name == "ag", false, false
	seenPattern := false
	for i, x := range args {
		t := x.s
		switch {
		case strings.HasPrefix(t, "--recursive") || strings.HasPrefix(t, "-") && !strings.HasPrefix(t, "--") && strings.ContainsAny(t, "rR"):
			recursive = true
		case t == "-e" && i+1 < len(args):
			pattern = pattern || passwordWord(args[i+1].s)
		case strings.HasPrefix(t, "-"):
		case !seenPattern:
			seenPattern, pattern = true, pattern || passwordWord(t)
		default:
			unknownFile = unknownFile || strings.Contains(t, unknown) && !strings.HasPrefix(t, "/tmp/")
		}
	}
	return pattern && (recursive || unknownFile)
}

// passwordWord reports a search pattern for a password or secret.
func passwordWord(p string) bool {
	l := strings.ToLower(p)
	return strings.Contains(l, "pass") || strings.Contains(l, "pwd") || strings.Contains(l, "secret")
}

// homeCred reports a credential path in the home directories as a script run by root names
// them: /home/*/.ssh, /home/$u/..., /root/.aws, a loop's variable over them.
func homeCred(p string) bool {
	p = strings.ReplaceAll(p, unknown, "?")
	return strings.HasPrefix(p, "/home/") || strings.HasPrefix(p, "/root/") || strings.HasPrefix(p, "/Users/") ||
		strings.HasPrefix(p, "?/") || strings.HasPrefix(p, "*/")
}

// stage notes credentials (kinds) written into p, a file or directory that is no credential
// place itself: an archive, a copy kept aside for taking later (T1074.001). A key installed
// into ~/.ssh or a config written into ~/.aws is not one.
func (a *analysis) stage(p, kinds string, at syntax.Node) {
	st, ok := at.(*syntax.Stmt)
	if kinds == "" || !ok || p == "" || p == "-" || p == "/dev/null" || strings.HasPrefix(p, "/dev/fd/") || strings.HasPrefix(p, "/proc/") ||
		credPath(p) != "" || len(a.cred.staged) >= 8 {
		return
	}
	a.cred.staged = append(a.cred.staged, credSend{how: kinds, to: p, evidence: a.evidence(st), line: a.line(st)})
}

// findStage reads find DIR... -name PATTERN -exec cp|tar|zip ... {} DEST: the files it
// finds, named like credentials, copied or archived into DEST.
func (a *analysis) findStage(s *syntax.Stmt, args []val) {
	var dirs, pats []string
	exec := -1
	for i := 0; i < len(args); i++ {
		x := args[i].s
		switch {
		case x == "-exec" || x == "-execdir" || x == "-ok":
			exec = i + 1
			i = len(args)
		case (x == "-name" || x == "-iname" || x == "-path" || x == "-wholename" || x == "-regex") && i+1 < len(args):
			pats = append(pats, args[i+1].s)
			i++
		case !strings.HasPrefix(x, "-") && x != "(" && x != ")" && x != "!" && len(pats) == 0:
			dirs = append(dirs, x)
		}
	}
	if exec < 0 || exec >= len(args) || len(pats) == 0 {
		return
	}
	kinds := ""
	for _, d := range append(dirs, "") {
		for _, p := range pats {
			t := strings.TrimRight(d, "/") + "/" + strings.TrimPrefix(p, "*/")
			if k := credPath(t); k != "" {
				kinds = joinCred(kinds, k)
				if homeCred(t) || d == "/home" || d == "/root" || d == "/" {
					a.cred.homes = true
				}
			}
		}
	}
	if kinds == "" {
		return
	}
	a.collect(kinds, s)
	cmd := args[exec:]
	for i, x := range cmd {
		if x.s == ";" || x.s == "+" || x.s == `\;` {
			cmd = cmd[:i]
			break
		}
	}
	if len(cmd) < 2 {
		return
	}
	switch path.Base(cmd[0].s) {
	case "cp", "install", "rsync", "mv", "ln":
		dst := cmd[len(cmd)-1].s
		for i, x := range cmd {
			if (x.s == "-t" || x.s == "--target-directory") && i+1 < len(cmd) {
				dst = cmd[i+1].s
			} else if strings.HasPrefix(x.s, "--target-directory=") {
				dst = strings.TrimPrefix(x.s, "--target-directory=")
			}
		}
		if dst != "{}" {
			a.stage(dst, kinds, s)
		}
	case "tar", "zip", "7z", "7za":
		for _, x := range cmd[1:] {
			if !strings.HasPrefix(x.s, "-") && x.s != "{}" && x.s != "a" && x.s != "r" && x.s != "u" && !strings.HasPrefix(x.s, "r") {
				a.stage(x.s, kinds, s)
				break
			}
		}
	}
}

// envDump reports a command that prints the whole environment.
func envDump(name string, args []val) bool {
	switch name {
	case "env", "printenv":
		for _, x := range args {
			if !strings.HasPrefix(x.s, "-") || x.s == "--" {
				return false
			}
		}
		return true
	case "set":
		return len(args) == 0
	case "export", "declare", "typeset":
		return len(args) == 1 && (args[0].s == "-p" || args[0].s == "-x" || args[0].s == "-px")
	}
	return false
}

// credSources runs before a command: what it reads of credentials is collected and, passed
// on to its output, carried there. It returns the kinds the command's output carries.
func (a *analysis) credSources(s *syntax.Stmt, name string, args []val, fds fdset) string {
	kinds := ""
	if envDump(name, args) && fds[1].wr != nil {
		kinds = credEnv
	}
	if !downloaders[name] {
		kinds = joinCred(kinds, a.credArgs(name, args))
	}
	if in := fds[0].rd; in.cred != "" {
		kinds = joinCred(kinds, in.cred)
	}
	a.collect(kinds, s)
	return kinds
}

// credOutputs carries credential kinds into what a command writes: its output and, for the
// archivers and copiers, the file it makes.
func (a *analysis) credOutputs(s *syntax.Stmt, name string, args []val, fds fdset, kinds string) {
	if kinds == "" {
		return
	}
	a.write(fds[1], val{s: unknown, partial: true, cred: kinds}, s)
	out := ""
	switch name {
	case "tar", "bsdtar":
		for i, x := range args {
			if x.s == "-f" || x.s == "--file" || strings.HasPrefix(x.s, "-") && !strings.HasPrefix(x.s, "--") && strings.HasSuffix(x.s, "f") ||
				!strings.HasPrefix(x.s, "-") && i == 0 && strings.HasSuffix(x.s, "f") {
				if i+1 < len(args) {
					out = args[i+1].s
				}
				break
			}
			if strings.HasPrefix(x.s, "--file=") {
				out = strings.TrimPrefix(x.s, "--file=")
				break
			}
		}
	case "zip", "7z", "7za", "rar":
		for _, x := range args {
			if !strings.HasPrefix(x.s, "-") && x.s != "a" {
				out = x.s
				break
			}
		}
	case "cp", "install", "mv", "sqlite3", "openssl", "gpg":
		if name == "sqlite3" || name == "openssl" || name == "gpg" {
			for i, x := range args {
				if (x.s == "-out" || x.s == "-o" || x.s == "--output") && i+1 < len(args) {
					out = args[i+1].s
				}
			}
			break
		}
		if len(args) >= 2 {
			out = args[len(args)-1].s
		}
	}
	if out != "" && out != "-" && !strings.HasPrefix(out, "-") {
		a.stage(out, kinds, s)
		v, _ := a.file(out)
		v.cred = joinCred(v.cred, kinds)
		if v.s == "" {
			v.s, v.partial = unknown, true
		}
		a.putFile(out, v)
	}
}

// localHost reports a destination that stays on the machine or its link: loopback, the
// link-local metadata services, a cluster's own services, a local user's mailbox.
func localHost(to string) bool {
	h := hostOf(to)
	if h == "?" {
		return false
	}
	if h == "" || h == "localhost" || strings.HasSuffix(h, ".localhost") || h == "metadata.google.internal" || h == "metadata" ||
		h == "fd00:ec2::254" || h == "100.100.100.200" ||
		strings.HasSuffix(h, ".svc") || strings.HasSuffix(h, ".cluster.local") || strings.HasSuffix(h, ".local") ||
		strings.HasSuffix(h, ".internal") || h == "kubernetes.default" {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()
	}
	return false
}

// hostOf returns the host a destination names ("https://u@h:8/x", "u@h:path", "h:port",
// "user@example.org", "[2001:db8::1]:22", "2001:db8::1"), "?" when a part the analysis cannot know decides it, "" for none.
func hostOf(to string) string {
	t := strings.TrimSpace(strings.ReplaceAll(to, unknown, "?"))
	if t == "" {
		return ""
	}
	if i := strings.Index(t, "://"); i >= 0 {
		if strings.HasPrefix(strings.ToLower(t), "unix:") || strings.HasPrefix(strings.ToLower(t), "file:") {
			return ""
		}
		t = t[i+3:]
		if j := strings.IndexAny(t, "/?#"); j >= 0 {
			t = t[:j]
		}
	} else if j := strings.IndexByte(t, '/'); j == 0 {
		return "" // a local path
	}
	if i := strings.LastIndexByte(t, '@'); i >= 0 {
		t = t[i+1:]
	}
	if strings.HasPrefix(t, "[") {
		if j := strings.IndexByte(t, ']'); j > 0 {
			return t[1:j]
		}
	}
	if f, _, _ := strings.Cut(t, " "); strings.Count(f, ":") > 1 && net.ParseIP(f) != nil {
		return strings.ToLower(f) // a bare IPv6 address, which has no port
	}
	if i := strings.IndexAny(t, ":/ "); i >= 0 {
		t = t[:i]
	}
	if strings.Contains(t, "?") || t == "" {
		return "?"
	}
	return strings.ToLower(t)
}

// send notes that the command at s sends content v to a destination by a way (how): a send
// of credentials to a host off the machine is theft by data flow.
func (a *analysis) send(s *syntax.Stmt, how, to string, v val) {
	to = strings.ReplaceAll(to, unknown, "?")
	if localHost(to) {
		return
	}
	ev := a.evidence(s)
	if a.pipeline != nil {
		ev = a.evidence(a.pipeline)
	}
	if v.cred == credTyped {
		// a password asked for and sent: a login, unless the prompt is a fake (credFinish)
		a.cred.typedKept = append(a.cred.typedKept, credSend{how: "sent by " + how + " to", to: hostOrQ(to), evidence: ev, line: a.line(s), where: a.codeFile()})
		return
	}
	a.cred.sends = append(a.cred.sends, credSend{how: how, to: to, evidence: ev, line: a.line(s)})
	if v.cred == "" {
		return
	}
	kind := hitCredSend
	if credIsKey(v.cred) {
		kind = hitCredSendKey
	}
	a.cred.flowHit = true
	a.hitAt(kind, s, val{from: to}, v.cred+" sent by "+how+" to "+hostOrQ(to))
}

func hostOrQ(to string) string {
	if h := hostOf(to); h != "" && h != "?" {
		return h
	}
	return "a host named at run time"
}

// credSinks reads the commands that send what they are given off the machine: curl and wget
// posting or uploading, mail, netcat and friends, scp, rsync and ftp.
func (a *analysis) credSinks(s *syntax.Stmt, name string, args []val, fds fdset) {
	in := fds[0].rd
	switch name {
	case "curl":
		a.curlSend(s, args, fds)
	case "wget", "wget2":
		var data val
		posts := false
		url := ""
		for i, x := range args {
			switch {
			case strings.HasPrefix(x.s, "--post-file=") || strings.HasPrefix(x.s, "--body-file="):
				f := x.s[strings.IndexByte(x.s, '=')+1:]
				data, posts = concat(data, a.fileContent(f, in)), true
			case strings.HasPrefix(x.s, "--post-data=") || strings.HasPrefix(x.s, "--body-data="):
				data, posts = concat(data, x), true
			case (x.s == "--post-file" || x.s == "--body-file") && i+1 < len(args):
				data, posts = concat(data, a.fileContent(args[i+1].s, in)), true
			case (x.s == "--post-data" || x.s == "--body-data") && i+1 < len(args):
				data, posts = concat(data, args[i+1]), true
			case strings.Contains(x.s, "://") && url == "":
				url = x.s
				if x.cred != "" {
					data, posts = concat(data, x), true
				}
			}
		}
		if posts {
			a.send(s, name+" --post", url, data)
		}
	case "mail", "mailx", "bsd-mailx", "s-nail", "mutt", "sendmail", "ssmtp", "msmtp", "exim", "exim4", "postfix-sendmail", "nail":
		data := in
		to := ""
		for i := 0; i < len(args); i++ {
			x := args[i].s
			switch {
			case (x == "-a" || x == "-A" || x == "--attach") && i+1 < len(args):
				i++
				data = concat(data, a.fileContent(args[i].s, in))
			case x == "-s" || x == "-r" || x == "-c" || x == "-b" || x == "-f" || x == "-F" || x == "-S" || x == "-i" && name == "mutt":
				i++
			case strings.HasPrefix(x, "-"):
			case x == "--":
			default:
				if to == "" || strings.Contains(x, "@") && !strings.Contains(to, "@") {
					to = x
				}
			}
		}
		if to == "" && (name == "sendmail" || name == "ssmtp" || name == "msmtp") {
			to = "?" // sendmail -t: the recipients are in the message
		}
		if to != "" && (strings.Contains(to, "@") || strings.Contains(to, unknown)) {
			a.send(s, name, to, data)
		}
	case "nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "telnet", "cryptcat", "pwncat":
		if hasListen(args) {
			return
		}
		var host []string
		for i := 0; i < len(args); i++ {
			x := args[i].s
			if strings.HasPrefix(x, "-") {
				if len(x) == 2 && strings.ContainsAny(x[1:], "epcswiqxXIOTVM") && i+1 < len(args) {
					i++
				}
				continue
			}
			host = append(host, args[i].text())
		}
		if len(host) > 0 {
			a.send(s, name, strings.Join(host, ":"), in)
		}
	case "socat":
		for _, x := range args {
			l := strings.ToLower(x.s)
			if strings.HasPrefix(l, "tcp:") || strings.HasPrefix(l, "tcp4:") || strings.HasPrefix(l, "tcp-connect:") ||
				strings.HasPrefix(l, "openssl:") || strings.HasPrefix(l, "udp:") || strings.HasPrefix(l, "ssl:") {
				a.send(s, name, x.text()[strings.IndexByte(x.s, ':')+1:], in)
			}
		}
	case "ping", "ping6", "hping3", "nping":
		// data carried in echo requests: ping -p HEX, hping3 -E FILE, nping --data-string S
		var data val
		host := ""
		for i := 0; i < len(args); i++ {
			x := args[i].s
			next := func() (val, bool) {
				if i+1 < len(args) {
					i++
					return args[i], true
				}
				return val{}, false
			}
			switch {
			case name == "ping" || name == "ping6":
				switch {
				case x == "-p":
					if v, ok := next(); ok {
						data = concat(data, v)
					}
				case strings.HasPrefix(x, "-p") && len(x) > 2:
					data = concat(data, args[i])
				case len(x) == 2 && x[0] == '-' && strings.IndexByte("cisWwtIlmMQSFT", x[1]) >= 0:
					next()
				case !strings.HasPrefix(x, "-"):
					host = args[i].text()
					if args[i].cred != "" {
						// the name looked up carries the data: DNS exfiltration by ping
						a.dnsSend(s, name, args[i])
					}
				}
			case name == "hping3":
				switch {
				case x == "-E" || x == "--file":
					if v, ok := next(); ok {
						data = concat(data, a.fileContent(v.s, in))
					}
				case len(x) == 2 && x[0] == '-' && strings.IndexByte("cidpsSwtaeBMLNOKgmoy", x[1]) >= 0:
					next()
				case !strings.HasPrefix(x, "-"):
					host = args[i].text()
				}
			default: // nping
				switch {
				case x == "--data-string" || x == "--data":
					if v, ok := next(); ok {
						data = concat(data, v)
					}
				case strings.HasPrefix(x, "-") && !strings.Contains(x, "="):
				case !strings.HasPrefix(x, "-"):
					host = args[i].text()
				}
			}
		}
		if host != "" && data.s != "" {
			a.send(s, name+" (ICMP)", host, data)
		}
	case "aws", "gsutil", "gcloud", "s3cmd", "rclone", "az":
		a.cloudUpload(s, name, args, in)
	case "dig", "kdig", "nslookup", "host", "drill", "delv", "getent", "resolvectl", "dnsget", "adig", "ahost":
		// a name looked up whose labels carry the data (dig $chunk.x.example.net): the query
		// reaches the domain's name server, which the sender runs
		for i := 0; i < len(args); i++ {
			x := args[i].s
			switch {
			case strings.HasPrefix(x, "-") && len(x) == 2 && strings.ContainsAny(x[1:], "tcpqfykxbWsmR") && name != "getent":
				i++
			case strings.HasPrefix(x, "-") || strings.HasPrefix(x, "+") || strings.HasPrefix(x, "@"):
			case args[i].cred != "":
				a.dnsSend(s, name, args[i])
				return
			}
		}
	case "scp", "rsync", "sftp":
		var srcs []val
		dest := ""
		for i := 0; i < len(args); i++ {
			x := args[i].s
			if strings.HasPrefix(x, "-") {
				if len(x) == 2 && strings.ContainsAny(x[1:], "PiFoceSlJ") && i+1 < len(args) {
					i++
				}
				continue
			}
			srcs = append(srcs, args[i])
		}
		if len(srcs) >= 2 {
			last := srcs[len(srcs)-1].text()
			if c := strings.IndexByte(last, ':'); c > 0 && !strings.HasPrefix(last, "/") {
				dest = last
				srcs = srcs[:len(srcs)-1]
			}
		}
		if dest != "" {
			a.send(s, name, dest, a.sentFiles(srcs, in))
		} else if name == "rsync" && len(srcs) >= 2 {
			// a copy on the machine: what it copies may be staged (CT-008)
			kinds := ""
			for _, x := range srcs[:len(srcs)-1] {
				if k := credPath(x.s); k != "" {
					kinds = joinCred(kinds, k)
					a.cred.homes = a.cred.homes || homeCred(x.s)
				}
			}
			a.collect(kinds, s)
			a.stage(srcs[len(srcs)-1].s, kinds, s)
		}
	case "ftp", "lftp", "tftp", "ncftpput":
		host := ""
		for _, x := range args {
			if !strings.HasPrefix(x.s, "-") {
				host = x.text()
				break
			}
		}
		// ftp HOST <<EOF ... put FILE ... EOF: the files its commands upload.
		var data val
		uploads := name == "ncftpput"
		for _, line := range strings.Split(in.s, "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && (f[0] == "put" || f[0] == "mput" || f[0] == "send" || f[0] == "append") {
				uploads = true
				data = concat(data, a.fileContent(f[1], in))
			}
			if len(f) >= 2 && f[0] == "open" && host == "" {
				host = f[1]
			}
		}
		if name == "ncftpput" {
			for _, x := range args[min(len(args), 3):] {
				data = concat(data, a.fileContent(x.s, in))
			}
		}
		if uploads && host != "" {
			a.send(s, name, host, data)
		}
	}
}

// fileContent returns what a file the script names holds, as far as credentials go: what
// the script wrote there, or the kind of credential its path is ("-" is the input).
// cloudUpload reads an upload to cloud storage (aws s3 cp|mv|sync, aws s3api put-object,
// gsutil cp|mv|rsync, gcloud storage cp, s3cmd put|sync, rclone copy|copyto|move|sync, az
// storage blob upload): what it sends is the files it is given, where is the bucket.
func (a *analysis) cloudUpload(s *syntax.Stmt, name string, args []val, in val) {
	var words []val
	var body, dest string
	for i := 0; i < len(args); i++ {
		x := args[i].s
		switch {
		case (x == "--body" || x == "--file" || x == "-f") && i+1 < len(args):
			i++
			body = args[i].s
		case (x == "--bucket" || x == "--container-name" || x == "--account-name" || x == "-c") && i+1 < len(args):
			i++
			if dest == "" {
				dest = args[i].text()
			}
		case strings.HasPrefix(x, "-"):
		default:
			words = append(words, args[i])
		}
	}
	verb := func(at int, vs ...string) bool { return len(words) > at && slices.Contains(vs, words[at].s) }
	var srcs []val
	switch {
	case name == "aws" && verb(0, "s3") && verb(1, "cp", "mv", "sync") && len(words) >= 4:
		srcs, dest = words[2:len(words)-1], words[len(words)-1].text()
	case name == "aws" && verb(0, "s3api") && verb(1, "put-object") && body != "":
		srcs = []val{lit(body)}
	case name == "gsutil" && verb(0, "cp", "mv", "rsync") && len(words) >= 3:
		srcs, dest = words[1:len(words)-1], words[len(words)-1].text()
	case name == "gcloud" && verb(0, "storage") && verb(1, "cp", "mv", "rsync") && len(words) >= 4:
		srcs, dest = words[2:len(words)-1], words[len(words)-1].text()
	case name == "s3cmd" && verb(0, "put", "sync") && len(words) >= 3:
		srcs, dest = words[1:len(words)-1], words[len(words)-1].text()
	case name == "rclone" && verb(0, "copy", "copyto", "move", "moveto", "sync") && len(words) >= 3:
		srcs, dest = words[1:len(words)-1], words[len(words)-1].text()
		if !strings.Contains(dest, ":") {
			return // a local copy
		}
	case name == "az" && verb(0, "storage") && verb(1, "blob") && verb(2, "upload", "upload-batch") && body != "":
		srcs = []val{lit(body)}
	default:
		return
	}
	if dest == "" || strings.HasPrefix(dest, "/") || strings.HasPrefix(dest, ".") {
		return // into the machine, not out of it
	}
	a.send(s, name+" upload", dest, a.sentFiles(srcs, in))
}

// sentFiles is what a copy or upload of the files srcs sends: their contents, and the
// credentials their names are.
func (a *analysis) sentFiles(srcs []val, in val) val {
	var data val
	for _, x := range srcs {
		data = concat(data, a.fileContent(x.s, in))
		data.cred = joinCred(data.cred, x.cred)
	}
	return data
}

func (a *analysis) fileContent(p string, in val) val {
	if p == "-" || p == "/dev/stdin" {
		return in
	}
	v := a.readFile(p)
	if k := credPath(p); k != "" {
		v.cred = joinCred(v.cred, k)
		a.collect(k, nil)
	}
	return v
}

// curlSend reads curl's upload and post options: -d/--data*, -F/--form, -T/--upload-file,
// --json, and a URL that carries credentials in itself.
func (a *analysis) curlSend(s *syntax.Stmt, args []val, fds fdset) {
	in := fds[0].rd
	var data val
	posts := false
	url := ""
	take := func(opt string, x val) {
		posts = true
		t := x.s
		switch {
		case opt == "-F" || opt == "--form" || opt == "--form-string":
			// name=@file, name=<file, name=value
			if i := strings.IndexByte(t, '='); i >= 0 {
				t = t[i+1:]
			}
			if strings.HasPrefix(t, "@") || strings.HasPrefix(t, "<") {
				f := strings.SplitN(t[1:], ";", 2)[0]
				data = concat(data, a.fileContent(f, in))
				return
			}
			data = concat(data, x)
		case opt == "-T" || opt == "--upload-file":
			data = concat(data, a.fileContent(t, in))
		case strings.HasPrefix(t, "@"):
			data = concat(data, a.fileContent(t[1:], in))
		default:
			if i := strings.Index(t, "=@"); i >= 0 && opt == "--data-urlencode" {
				data = concat(data, a.fileContent(t[i+2:], in))
				return
			}
			data = concat(data, x)
		}
	}
	for i := 0; i < len(args); i++ {
		x := args[i].s
		switch {
		case x == "-d" || x == "--data" || x == "--data-binary" || x == "--data-raw" || x == "--data-urlencode" || x == "--data-ascii" ||
			x == "-F" || x == "--form" || x == "--form-string" || x == "-T" || x == "--upload-file" || x == "--json":
			if i+1 < len(args) {
				i++
				take(x, args[i])
			}
		case strings.HasPrefix(x, "--") && strings.Contains(x, "="):
			opt, v, _ := strings.Cut(x, "=")
			switch opt {
			case "--data", "--data-binary", "--data-raw", "--data-urlencode", "--data-ascii", "--form", "--upload-file", "--json":
				xv := args[i]
				xv.s = v
				take(opt, xv)
			}
		case strings.HasPrefix(x, "-") && !strings.HasPrefix(x, "--") && len(x) > 2 && (x[1] == 'd' || x[1] == 'F' || x[1] == 'T'):
			xv := args[i]
			xv.s = x[2:]
			take("-"+x[1:2], xv)
		case strings.HasPrefix(x, "-"):
			if curlValueOpt[x] {
				i++
			}
		default:
			if url == "" || strings.Contains(x, "://") && !strings.Contains(url, "://") {
				url = args[i].text()
				if args[i].cred != "" {
					data, posts = concat(data, args[i]), true
				}
			}
		}
	}
	if posts {
		a.send(s, "curl upload", url, data)
	}
}

// silentReadInto returns the variables a read without echo fills, nil for another read.
func (a *analysis) typedInto(args []val) []string {
	silent := silentRead(args) || a.cred.noEcho
	var names []string
	for i := 0; i < len(args); i++ {
		x := args[i].s
		if strings.HasPrefix(x, "-") {
			if strings.ContainsAny(x, "pdntu") && i+1 < len(args) {
				if strings.HasSuffix(x, "p") && strings.Contains(strings.ToLower(args[i+1].s), "passw") {
					a.cred.prompt = true
				}
				i++
			}
			continue
		}
		names = append(names, x)
	}
	if !silent {
		return nil
	}
	if len(names) == 0 {
		names = []string{"REPLY"}
	}
	return names
}

// keptTyped notes a typed password written into a file: with a password prompt and the
// real command run behind it, a fake prompt.
func (a *analysis) keptTyped(p string, v val, at syntax.Node) {
	if !strings.Contains(v.cred, credTyped) || p == "" || p == "/dev/null" || strings.HasPrefix(p, "/dev/std") {
		return
	}
	ev := ""
	line := 0
	if at != nil {
		ev, line = a.evidence(at), a.line(at)
	}
	a.cred.typedKept = append(a.cred.typedKept, credSend{how: "written into", to: p, evidence: ev, line: line, where: a.codeFile()})
}

// credFinish reports what the whole analysis saw: credentials collected and sent in one
// script without a data flow between them, and a fake password prompt.
func (a *analysis) credFinish() {
	c := &a.cred
	if c.prompt && len(c.typedKept) > 0 {
		// the prompt passes for a login program's: it runs the real one behind it, prints its
		// failure message, or is kept where the program is looked for
		k := c.typedKept[0]
		why := ""
		switch {
		case c.realCmd:
		case c.fails:
			why = " (it prints a login failure so that the password is typed again)"
		case imitates(k.where) != "":
			why = " (" + imitates(k.where) + ")"
		default:
			k.how = ""
		}
		if k.how != "" {
			a.hits.add(hit{kind: hitFakePrompt, evidence: k.evidence, line: k.line, chain: slices.Clone(a.chain), place: a.place,
				detail: "the password typed is " + k.how + " " + k.to + why})
		}
	}
	if c.flowHit || c.collected == "" {
		return
	}
	what := c.collected
	if len(c.sends) == 0 && a.stagedHit() {
		return
	}
	if len(c.sends) == 0 {
		// No sender: a sweep of several unrelated credential stores at once is a harvester
		// whose output is its channel (run through a remote shell or a web shell), worth a
		// look however it is read; one store read is configuration.
		if n := len(strings.Split(what, ", ")); n >= 3 {
			ev := c.collectEv
			if ev == "" {
				ev = "reads " + what
			}
			a.hits.add(hit{kind: hitCredSweep, evidence: ev, line: c.collectAt, chain: slices.Clone(a.chain), place: a.place,
				detail: fmt.Sprintf("reads %d kinds of credentials (%s) and sends nothing itself", n, what)})
		}
		return
	}
	snd := c.sends[0]
	a.hits.add(hit{kind: hitCredNear, evidence: snd.evidence, line: snd.line, chain: slices.Clone(a.chain), place: a.place,
		from: snd.to, detail: "collects " + what + " and sends data by " + snd.how + " to " + hostOrQ(snd.to)})
}

// stagedHit reports credentials staged for taking and sent nowhere by the script itself
// (T1074.001): the metadata service's credentials saved; other users' keys or cloud
// credentials, read from the home directories, copied aside or archived; several kinds
// gathered into one place; keys or password hashes copied into a hidden or temporary place.
// A backup of /home as a whole names no credential, and one store copied into a backup
// directory (/var/backups/shadow.bak) is none of these.
func (a *analysis) stagedHit() bool {
	c := &a.cred
	into := map[string]string{}
	var order []string
	for _, st := range c.staged {
		d := st.to
		if _, ok := into[d]; !ok {
			order = append(order, d)
		}
		into[d] = joinCred(into[d], st.how)
	}
	for i, d := range order {
		kinds := into[d]
		if (strings.HasPrefix(d, "/home/") || strings.HasPrefix(d, "/root/")) && stagingPath(d) == "" {
			continue // into a user's home: an account provisioned (cp -r /root/.ssh /home/deploy/)
		}
		n := len(strings.Split(kinds, ", "))
		why := ""
		switch {
		case (strings.Contains(kinds, credMetadata) || strings.Contains(kinds, credUserData)) && hiddenComponent(path.Clean(d)) != "":
			// kept under a hidden name: a tool caching its role's credentials keeps them in
			// its own file (/run/creds.json), cloud-init the user-data in /var/lib/cloud
			why = "fetched from the instance metadata service and kept under a hidden name"
		case c.homes && (credIsKey(kinds) || strings.Contains(kinds, credKube) || strings.Contains(kinds, credBrowser)):
			why = "other users' credentials, read from their home directories, gathered"
		case n >= 2:
			why = fmt.Sprintf("%d kinds of credentials gathered into one place", n)
		case credIsKey(kinds) && kinds != credMetadata && stagingPath(d) != "":
			why = "kept in " + stagingPath(d)
		default:
			continue
		}
		st := c.staged[0]
		for _, x := range c.staged {
			if x.to == order[i] {
				st = x
				break
			}
		}
		a.hits.add(hit{kind: hitCredStage, evidence: st.evidence, line: st.line, chain: slices.Clone(a.chain), place: a.place,
			detail: "stages " + kinds + " in " + strings.ReplaceAll(d, unknown, "?") + ": " + why + ", nothing sent by the script itself"})
		return true
	}
	return false
}

// loginPrompts are the commands whose own password prompt a fake one imitates: a script that
// asks for a password silently and then runs one of them hands the password on as if it
// were theirs.
var loginPrompts = map[string]bool{"sudo": true, "su": true, "doas": true, "passwd": true, "login": true, "runuser": true, "ssh": true}

// senders are the programs that send what they are given (credSinks reads them): their
// output is a server's answer, not what they sent.
var senders = map[string]bool{"mail": true, "mailx": true, "bsd-mailx": true, "s-nail": true, "mutt": true, "sendmail": true,
	"ssmtp": true, "msmtp": true, "exim": true, "exim4": true, "nail": true, "scp": true, "rsync": true, "sftp": true, "ftp": true,
	"lftp": true, "ncftpput": true}

// promptAliases reads text a script writes into a shell rc file (p) for an alias or a
// function named after a command that asks for a password (sudo, su, ssh, passwd …) that
// runs a program of its own (not the system's) or asks for the password silently itself:
// every password typed there goes to that program.
func (a *analysis) promptAliases(p string, text []byte, at syntax.Node) {
	st, ok := at.(*syntax.Stmt)
	if !ok || !bytesContainsAny(text, "alias", "()", "function") {
		return
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(string(text)), "")
	if err != nil {
		// an rc file the script appends to in several steps may not parse whole: line by line
		for _, ll := range logicalLines(text) {
			if len(ll.text) < len(text) {
				a.promptAliases(p, ll.text, at)
			}
		}
		return
	}
	report := func(name, why string) {
		a.hitAt(hitPromptAlias, st, val{}, name+" "+why+", written into "+strings.ReplaceAll(p, unknown, "?"))
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch c := n.(type) {
		case *syntax.CallExpr:
			if len(c.Args) < 2 || c.Args[0].Lit() != "alias" {
				return true
			}
			for _, w := range c.Args[1:] {
				t := wordText(w)
				name, value, ok := strings.Cut(t, "=")
				if !ok || !promptShadowed[name] {
					continue
				}
				fields := strings.Fields(value)
				for len(fields) > 0 && (wrappers[path.Base(fields[0])] || strings.Contains(fields[0], "=")) && path.Base(fields[0]) != name {
					fields = fields[1:]
				}
				if len(fields) > 0 && strings.Contains(fields[0], "/") && !systemProgram(fields[0]) {
					report("alias "+name, "runs "+strings.ReplaceAll(fields[0], unknown, "?")+" in front of the real "+name)
				} else if strings.Contains(value, "read -s") || strings.Contains(value, "stty -echo") {
					report("alias "+name, "asks for the password silently itself")
				}
			}
		case *syntax.FuncDecl:
			if c.Name == nil || !promptShadowed[c.Name.Value] {
				return true
			}
			body := ""
			if c.Body != nil {
				start, end := int(c.Body.Pos().Offset()), int(c.Body.End().Offset())
				if start >= 0 && end <= len(text) && start < end {
					body = string(text[start:end])
				}
			}
			if strings.Contains(body, "read -s") || strings.Contains(body, "read -rs") || strings.Contains(body, "stty -echo") {
				report("function "+c.Name.Value, "asks for the password silently itself")
			}
			return false
		}
		return true
	})
}

// wordText is a word's text with its quotes taken off (an alias value is a literal).
func wordText(w *syntax.Word) string {
	var b strings.Builder
	for _, p := range w.Parts {
		switch x := p.(type) {
		case *syntax.Lit:
			b.WriteString(x.Value)
		case *syntax.SglQuoted:
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			for _, q := range x.Parts {
				if l, ok := q.(*syntax.Lit); ok {
					b.WriteString(l.Value)
				} else {
					b.WriteString("?")
				}
			}
		default:
			b.WriteString("?")
		}
	}
	return b.String()
}

func bytesContainsAny(b []byte, ws ...string) bool {
	for _, w := range ws {
		if strings.Contains(string(b), w) {
			return true
		}
	}
	return false
}

// credTechniques are the ATT&CK techniques of a credential theft hit, from what it took and
// how it sent it.
func credTechniques(h hit) []string {
	var out []string
	d := h.detail
	for k, t := range map[string]string{credSSHKey: "T1552.004", credHostKey: "T1552.004", credShadow: "T1003.008",
		credMetadata: "T1552.005", credUserData: "T1552.005", credAWS: "T1552.001", credAzure: "T1552.001", credGCloud: "T1552.001", credDocker: "T1552.001",
		credKube: "T1552.001", credGit: "T1552.001", credNetrc: "T1552.001", credPgpass: "T1552.001", credHistory: "T1552.001", credBrowser: "T1555.003",
		credEnv: "T1552.001"} {
		if strings.Contains(d, k) {
			out = append(out, t)
		}
	}
	if h.kind == hitKeylog || strings.Contains(d, credKeystrokes) {
		out = append(out, "T1056.001")
	}
	switch h.kind {
	case hitFakePrompt, hitPromptAlias:
		out = append(out, "T1056")
	case hitCredSweep:
		out = append(out, "T1552")
	case hitCredStage:
		out = append(out, "T1074.001")
	case hitCredCapture:
		if strings.Contains(d, "memory") {
			out = append(out, "T1003.007")
		} else {
			out = append(out, "T1056")
		}
	case hitCredSend, hitCredSendKey, hitCredNear:
		if strings.Contains(d, "(DNS lookups") || strings.Contains(d, "DNS lookups") {
			out = append(out, "T1048.003", "T1071.004")
		} else if strings.Contains(d, "(ICMP)") {
			out = append(out, "T1048.003")
		} else if strings.Contains(d, " upload to") {
			out = append(out, "T1567.002")
		} else if strings.Contains(d, " by mail") || strings.Contains(d, " by scp") || strings.Contains(d, " by rsync") || strings.Contains(d, " by sftp") ||
			strings.Contains(d, " by ftp") || strings.Contains(d, " by lftp") || strings.Contains(d, "FTP") || strings.Contains(d, " by sendmail") ||
			strings.Contains(d, " by mutt") || strings.Contains(d, " by mailx") {
			out = append(out, "T1048")
		} else {
			out = append(out, "T1041")
		}
	}
	return out
}

// authPrograms are programs whose processes hold the passwords typed into them or sent to
// them: what a tracer attached to them reads, or their memory, holds those passwords.
var authPrograms = map[string]bool{"sshd": true, "sshd-session": true, "ssh": true, "sudo": true, "su": true, "login": true,
	"passwd": true, "chpasswd": true, "doas": true, "pkexec": true, "polkit-agent-helper-1": true, "unix_chkpwd": true,
	"gnome-keyring-daemon": true, "gdm-password": true, "gdm-session-worker": true, "lightdm": true, "sddm-helper": true,
	"vsftpd": true, "proftpd": true, "pure-ftpd": true, "dropbear": true, "telnetd": true, "in.telnetd": true, "xrdp": true,
	"sftp-server": true, "mysql": true, "psql": true, "openvpn": true}

// psListing marks what ps prints: process ids among others, none picked out yet.
const psListing = "ps"

// authProgramIn returns the program that handles passwords a name or a pattern names
// ("sshd", "/usr/sbin/sshd", "sshd: .*@pts", "/gnome\-keyring\-daemon/p"), "" for none.
func authProgramIn(s string) string {
	s = strings.ReplaceAll(s, "\\", "")
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
	}) {
		if authPrograms[w] {
			return w
		}
	}
	return ""
}

// tracerValueOptions are strace's and ltrace's short options that take a value.
const tracerValueOptions = "aAbDeEFIlnoOpPsSuUwxX"

// credCapture reads a command that captures passwords from a process that handles them:
// strace or ltrace attached to one (-p with the pid pgrep or pidof gave) or running one
// (strace -e read ssh ...), gdb or gcore attached to one, or its /proc/PID/mem read. The pid
// of such a program is carried in what pgrep and pidof print.
func (a *analysis) credCapture(s *syntax.Stmt, name string, args []val, fds fdset) {
	prog := func(v val) string {
		if v.pid != psListing {
			return v.pid
		}
		return ""
	}
	if name == "cat" || name == "head" || name == "tail" {
		// cat /var/run/sshd.pid: a daemon's pid file names its process
		for _, x := range args {
			if b, ok := strings.CutSuffix(path.Base(x.s), ".pid"); ok && authPrograms[b] && strings.Contains(x.s, "/run/") {
				a.write(fds[1], val{s: unknown, partial: true, pid: b}, s)
				return
			}
		}
	}
	switch name {
	case "alias":
		// alias ssh='strace -o /tmp/.l -e read ssh': what the alias runs in place of a
		// command that asks for a password is read as code
		for _, x := range args {
			if n, v, ok := strings.Cut(x.s, "="); ok && authPrograms[n] && x.known() {
				a.shellText([]byte(v), fdset{})
			}
		}
	case "pgrep", "pidof":
		for _, x := range args {
			// the name, or a pattern of the command line (pgrep -f "sshd: .*@pts")
			if b := authProgramIn(x.s); b != "" && !strings.HasPrefix(x.s, "-") {
				a.write(fds[1], val{s: unknown, partial: true, pid: b}, s)
				return
			}
		}
	case "ps":
		// a process listing: the filters below it pick an authentication program's pid out
		a.write(fds[1], val{s: unknown, partial: true, pid: psListing}, s)
	case "grep", "egrep", "fgrep", "sed", "awk", "gawk", "mawk", "head", "tail", "cut", "tr", "sort", "uniq", "xargs":
		// ps aux | grep -w ssh | grep @ | awk '{print $2}': the pid a listing's filter keeps
		in := fds[0].rd
		if in.pid == "" {
			return
		}
		out := in.pid
		if name == "grep" || name == "egrep" || name == "fgrep" || name == "sed" || strings.HasSuffix(name, "awk") {
			for _, x := range args {
				if b := authProgramIn(x.s); b != "" {
					out = b
					break
				}
			}
		}
		a.write(fds[1], val{s: unknown, partial: true, pid: out}, s)
	case "strace", "ltrace":
		for i := 0; i < len(args); i++ {
			x := args[i].s
			switch {
			case x == "-p" || x == "--attach" || x == "--pid":
				if i+1 < len(args) {
					if p := prog(args[i+1]); p != "" {
						a.hitAt(hitCredCapture, s, val{}, name+" attached to "+p+": it reads what "+p+" reads and writes, the passwords typed or sent")
						return
					}
				}
				i++
			case strings.HasPrefix(x, "-p") && len(x) > 2 || strings.HasPrefix(x, "--attach=") || strings.HasPrefix(x, "--pid="):
				if p := prog(args[i]); p != "" {
					a.hitAt(hitCredCapture, s, val{}, name+" attached to "+p+": it reads what "+p+" reads and writes, the passwords typed or sent")
					return
				}
			case x == "--":
			case strings.HasPrefix(x, "--"):
			case strings.HasPrefix(x, "-") && len(x) > 2 && x[len(x)-1] == 'p' && !strings.ContainsAny(x[1:len(x)-1], tracerValueOptions):
				// flags run together, the pid's last: strace -fp PID
				if i+1 < len(args) {
					if p := prog(args[i+1]); p != "" {
						a.hitAt(hitCredCapture, s, val{}, name+" attached to "+p+": it reads what "+p+" reads and writes, the passwords typed or sent")
						return
					}
				}
				i++
			case strings.HasPrefix(x, "-") && len(x) == 2 && strings.IndexByte(tracerValueOptions, x[1]) >= 0:
				i++
			case strings.HasPrefix(x, "-"):
			default:
				// the traced program: strace -o /tmp/.l -e read ssh user@host
				if b := path.Base(x); authPrograms[b] {
					a.hitAt(hitCredCapture, s, val{}, name+" running "+b+": it records what "+b+" reads, the password typed")
				}
				return
			}
		}
	case "gdb", "gcore":
		for _, x := range args {
			if p := prog(x); p != "" {
				a.hitAt(hitCredCapture, s, val{}, name+" attached to the memory of "+p+", which holds the passwords it handled")
				return
			}
		}
	default:
		for _, x := range args {
			t := x.text()
			if p := prog(x); p != "" && strings.Contains(t, "/proc/") && (strings.HasSuffix(t, "/mem") || strings.Contains(t, "/mem ")) {
				a.hitAt(hitCredCapture, s, val{}, name+" reading the memory of "+p+" ("+t+"), which holds the passwords it handled")
				return
			}
		}
	}
}

// codeFile is the file the code being analysed is: a script the script writes, or its own.
func (a *analysis) codeFile() string {
	if a.place != "" {
		return a.place
	}
	return a.self
}

// browserDirs are the profile directories of the browsers stealers read (Chrome and its
// kin under ~/.config, Firefox's under ~/.mozilla).
var browserDirs = []string{"google-chrome", "chromium", "BraveSoftware", "microsoft-edge", "vivaldi", "opera", "yandex-browser",
	".mozilla/firefox", "mozilla/firefox", "firefox/", "chrome/"}

// browserProfile reports a path in a browser's profile directory.
func browserProfile(p string) bool {
	for _, d := range browserDirs {
		if strings.Contains(p, d) {
			return true
		}
	}
	return false
}

// browserStore reports the name of a browser's password, cookie or key store: Chrome's
// Login Data, Cookies, Web Data and Local State (which holds the key they are encrypted
// with), Firefox's logins.json, key4.db (key3.db) and cookies.sqlite.
func browserStore(base string) bool {
	switch base {
	case "Login Data", "Login Data For Account", "Cookies", "Web Data", "Local State", "logins.json", "key4.db", "key3.db",
		"cookies.sqlite", "signons.sqlite":
		return true
	}
	return false
}

// dnsSend notes a name looked up that carries credentials in its labels: the data reaches the
// name server of the domain the name ends in.
func (a *analysis) dnsSend(s *syntax.Stmt, name string, v val) {
	n := strings.ReplaceAll(v.s, unknown, "?")
	domain := n
	if i := strings.LastIndexAny(n, "?"); i >= 0 {
		domain = n[i+1:]
	}
	domain = strings.Trim(domain, ".")
	if strings.Count(domain, ".") < 1 {
		domain = "?"
	}
	a.send(s, name+" (DNS lookups, the data in the names)", domain, v)
}
