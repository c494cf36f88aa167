package shell

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Commands kept in files that are not scripts: Kubernetes manifests and compose files
// (command, args, entrypoint, probes' exec commands, health checks), CI definitions (GitLab's
// script lists, GitHub's run blocks), Dockerfiles kept in the image (RUN, CMD, ENTRYPOINT,
// HEALTHCHECK, ONBUILD, in shell and exec form) and supervisord programs. Each command is
// handed to the shell readings as the command line the runtime would run; a pod spec is also
// read as a whole for an escape to its node.

// yamlCarrierWords are what a YAML file must hold to be read as a carrier: a key that holds a
// command, or a pod spec's host access.
var yamlCarrierWords = [][]byte{[]byte("command:"), []byte("args:"), []byte("entrypoint:"), []byte("script:"), []byte("run:"),
	[]byte("test:"), []byte("hostPID"), []byte("hostPath")}

// carrierFormat returns the format of a file that carries commands without being a script,
// formatNone for others. Decided by name, then (for YAML) by a few words.
func carrierFormat(name, dir, ext string, data []byte) format {
	switch {
	case name == "Dockerfile" || name == "Containerfile" || strings.HasPrefix(name, "Dockerfile.") ||
		strings.HasPrefix(name, "Containerfile.") || ext == ".dockerfile" || ext == ".containerfile":
		return formatDockerfile
	case ext == ".yml" || ext == ".yaml":
		for _, w := range yamlCarrierWords {
			if bytes.Contains(data, w) {
				return formatYAML
			}
		}
	case (ext == ".conf" || ext == ".ini") && (strings.Contains(dir, "supervisor") || name == "supervisord.conf"):
		return formatSupervisor
	case name == "package.json" && bytes.Contains(data, []byte(`"scripts"`)) && bytes.Contains(data, []byte(`install"`)):
		return formatNPM
	}
	return formatNone
}

// buildRecipe reports a file that says how software is built: a Dockerfile or a CI
// definition. A download it runs is how a build installs its tools.
func buildRecipe(p string) bool {
	dir, name := path.Split(p)
	ext := strings.ToLower(path.Ext(name))
	if f := carrierFormat(name, dir, ext, nil); f == formatDockerfile {
		return true
	}
	return name == ".gitlab-ci.yml" || strings.Contains(dir, "/.github/workflows/") || name == ".travis.yml" ||
		strings.Contains(dir, "/.circleci/") || name == "azure-pipelines.yml" || name == "bitbucket-pipelines.yml" ||
		strings.Contains(dir, "/.gitlab/") || name == ".drone.yml" || strings.Contains(dir, "/.woodpecker")
}

// npmLifecycle are the scripts of a package.json that npm (and yarn, pnpm) run by themselves
// when the package is installed: what a malicious package runs on whoever installs it
// (T1195.001). The others run only when someone asks for them by name.
var npmLifecycle = []string{"preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare"}

// npmInstallScripts returns the install-time scripts of a package.json, in lifecycle order,
// each with the line its key is on.
func npmInstallScripts(s string) []cmdLine {
	var pkg struct {
		Scripts map[string]any `json:"scripts"`
	}
	if json.Unmarshal([]byte(s), &pkg) != nil {
		return nil
	}
	var out []cmdLine
	for _, k := range npmLifecycle {
		cmd, ok := pkg.Scripts[k].(string)
		if !ok || strings.TrimSpace(cmd) == "" {
			continue
		}
		line := 1
		if i := strings.Index(s, `"`+k+`"`); i >= 0 {
			line = strings.Count(s[:i], "\n") + 1
		}
		out = append(out, cmdLine{cmd, line})
	}
	return out
}

var supervisorCommand = regexp.MustCompile(`(?m)^[ \t]*command[ \t]*=[ \t]*(.+)$`)

// supervisorCommands returns the command= lines of supervisord programs.
func supervisorCommands(s string) []cmdLine {
	var out []cmdLine
	for _, m := range supervisorCommand.FindAllStringSubmatchIndex(s, -1) {
		out = append(out, cmdLine{strings.TrimSpace(s[m[2]:m[3]]), strings.Count(s[:m[0]], "\n") + 1})
	}
	return out
}

// dockerfileCommands returns the commands of a Dockerfile's RUN, CMD, ENTRYPOINT,
// HEALTHCHECK CMD and ONBUILD RUN instructions, continuation lines joined.
func dockerfileCommands(s string) []cmdLine {
	var out []cmdLine
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		start := i
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		var b strings.Builder
		for {
			t := strings.TrimRight(lines[i], " \t\r")
			if strings.HasSuffix(t, "\\") && i+1 < len(lines) && !strings.Contains(t, "<<") {
				b.WriteString(strings.TrimSuffix(t, "\\"))
				b.WriteByte(' ')
				i++
				for i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "#") {
					i++ // a comment inside a continued instruction is dropped
				}
				if i >= len(lines) {
					break
				}
				continue
			}
			b.WriteString(t)
			break
		}
		in := strings.TrimSpace(b.String())
		kw, rest, _ := strings.Cut(in, " ")
		kw = strings.ToUpper(kw)
		if kw == "ONBUILD" {
			kw, rest, _ = strings.Cut(strings.TrimSpace(rest), " ")
			kw = strings.ToUpper(kw)
		}
		if kw == "HEALTHCHECK" {
			// HEALTHCHECK [--interval=...] CMD command
			f := strings.Fields(rest)
			rest = ""
			for j, w := range f {
				if strings.EqualFold(w, "CMD") {
					rest = strings.Join(f[j+1:], " ")
					break
				}
			}
			kw = "CMD"
		}
		switch kw {
		case "RUN", "CMD", "ENTRYPOINT":
		default:
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(rest), "<<") {
			// RUN <<EOF: the heredoc's lines follow
			body := []string{rest}
			delim := strings.Trim(strings.TrimPrefix(strings.TrimSpace(rest), "<<"), `-"' `)
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != delim; i++ {
				body = append(body, lines[i])
			}
			rest = strings.Join(body, "\n")
		}
		if code := runCode(rest); strings.TrimSpace(code) != "" {
			out = append(out, cmdLine{code, start + 1})
		}
	}
	return out
}

// maxYAMLDocs and maxYAMLDepth bound the walk of a YAML file.
const (
	maxYAMLDocs  = 64
	maxYAMLDepth = 48
)

// yamlCarrier is what a YAML file carries: its commands and the escapes its pod specs are.
type yamlCarrier struct {
	cmds   []cmdLine
	escape []cmdLine // the reason, at the pod spec's line
}

// yamlCommands parses a YAML file (every document) and returns the commands it carries; ok is
// false when it does not parse.
func yamlCommands(data []byte) (out yamlCarrier, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = yamlCarrier{}, false // the parser's own failure on hostile input
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for n := 0; n < maxYAMLDocs; n++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, n > 0
		}
		out.walk(&doc, "", 0)
	}
	return out, true
}

// mapGet returns the value of key in a mapping node.
func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// scalars returns a sequence's scalar items, or a scalar alone.
func scalars(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c.Kind == yaml.ScalarNode {
				out = append(out, c.Value)
			}
		}
		return out
	}
	return nil
}

// argvOf returns the command line a container-like mapping runs: entrypoint (compose) or
// command (Kubernetes), then command (compose) or args (Kubernetes). A list is an argument
// vector; a string is split by the runtime as a shell would.
func argvOf(m *yaml.Node) (string, int) {
	var words []string
	text := ""
	line := 0
	for _, k := range []string{"entrypoint", "command", "args"} {
		v := mapGet(m, k)
		if v == nil {
			continue
		}
		if line == 0 {
			line = v.Line
		}
		switch v.Kind {
		case yaml.SequenceNode:
			words = append(words, scalars(v)...)
		case yaml.ScalarNode:
			if len(words) > 0 {
				text += shellJoin(words) + " "
				words = nil
			}
			text += v.Value + " "
		}
	}
	if len(words) > 0 {
		text += shellJoin(words)
	}
	return strings.TrimSpace(text), line
}

// walk collects the commands under n; key is the key n is the value of.
func (c *yamlCarrier) walk(n *yaml.Node, key string, depth int) {
	if n == nil || depth > maxYAMLDepth {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, x := range n.Content {
			c.walk(x, key, depth+1)
		}
		return
	case yaml.ScalarNode:
		switch key {
		case "run", "script", "before_script", "after_script", "shell", "cmd":
			// a CI step's or an automation task's shell code
			c.cmds = append(c.cmds, cmdLine{n.Value, n.Line})
		}
		return
	case yaml.MappingNode:
	default:
		return // an alias is the node it names, walked where it is defined
	}
	if mapGet(n, "containers") != nil || mapGet(n, "initContainers") != nil {
		if why := podEscape(n); why != "" {
			c.escape = append(c.escape, cmdLine{why, n.Line})
		}
	}
	if mapGet(n, "command") != nil || mapGet(n, "args") != nil || mapGet(n, "entrypoint") != nil {
		if cmd, line := argvOf(n); cmd != "" {
			c.cmds = append(c.cmds, cmdLine{cmd, line})
		}
	}
	if key == "healthcheck" {
		if t := mapGet(n, "test"); t != nil {
			words := scalars(t)
			switch {
			case t.Kind == yaml.ScalarNode:
				c.cmds = append(c.cmds, cmdLine{t.Value, t.Line})
			case len(words) > 1 && words[0] == "CMD-SHELL":
				c.cmds = append(c.cmds, cmdLine{strings.Join(words[1:], " "), t.Line})
			case len(words) > 1 && words[0] == "CMD":
				c.cmds = append(c.cmds, cmdLine{shellJoin(words[1:]), t.Line})
			}
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		switch k {
		case "command", "args", "entrypoint":
			continue // read above as one command line
		case "script", "before_script", "after_script":
			// GitLab: the items are lines of one shell session
			if v := n.Content[i+1]; v.Kind == yaml.SequenceNode {
				if lines := scalars(v); len(lines) > 0 {
					c.cmds = append(c.cmds, cmdLine{strings.Join(lines, "\n"), v.Line})
				}
				continue
			}
		}
		c.walk(n.Content[i+1], k, depth+1)
	}
}

// podEscape returns why a pod spec (a mapping holding containers) reaches its node: the
// node's pid namespace with a privileged container or one entering pid 1 with nsenter, a
// privileged container entering pid 1, or the node's root mounted writable.
func podEscape(spec *yaml.Node) string {
	hostPID := mapGet(spec, "hostPID") != nil && mapGet(spec, "hostPID").Value == "true"
	rootVols, kernelVols, accessVols := map[string]bool{}, map[string]string{}, map[string]string{}
	if vols := mapGet(spec, "volumes"); vols != nil && vols.Kind == yaml.SequenceNode {
		for _, v := range vols.Content {
			hp := mapGet(v, "hostPath")
			p := mapGet(hp, "path")
			name := mapGet(v, "name")
			if p == nil || name == nil {
				continue
			}
			switch clean := path.Clean("/" + p.Value); {
			case p.Value != "" && clean == "/":
				rootVols[name.Value] = true
			case kernelHookDirs[clean]:
				kernelVols[name.Value] = clean
			case nodeAccessDir(clean):
				accessVols[name.Value] = clean
			}
		}
	}
	priv, enter, rootRW := false, false, false
	kernelRW, accessRW, modules := "", "", false
	for _, key := range []string{"containers", "initContainers", "ephemeralContainers"} {
		list := mapGet(spec, key)
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		for _, ct := range list.Content {
			if p := mapGet(mapGet(ct, "securityContext"), "privileged"); p != nil && p.Value == "true" {
				priv = true
			}
			if cmd, _ := argvOf(ct); entersPID1(cmd) {
				enter = true
			}
			if mounts := mapGet(ct, "volumeMounts"); mounts != nil && mounts.Kind == yaml.SequenceNode {
				for _, m := range mounts.Content {
					name, ro := mapGet(m, "name"), mapGet(m, "readOnly")
					if name == nil || ro != nil && ro.Value == "true" {
						continue
					}
					if rootVols[name.Value] {
						rootRW = true
					}
					if d := kernelVols[name.Value]; d != "" {
						kernelRW = d
					}
					if d := accessVols[name.Value]; d != "" {
						accessRW = d
					}
				}
			}
			if add := mapGet(mapGet(mapGet(ct, "securityContext"), "capabilities"), "add"); add != nil && idleShellContainer(ct) {
				for _, c := range scalars(add) {
					if c := strings.TrimPrefix(strings.ToUpper(c), "CAP_"); c == "SYS_MODULE" || c == "ALL" {
						modules = true
					}
				}
			}
		}
	}
	switch {
	case hostPID && priv:
		return "a pod manifest runs a privileged container in the node's pid namespace" + map[bool]string{true: ", entering pid 1 with nsenter", false: ""}[enter]
	case hostPID && enter:
		return "a pod manifest runs a container in the node's pid namespace that enters pid 1 with nsenter"
	case priv && enter:
		return "a pod manifest runs a privileged container that enters pid 1 with nsenter"
	case rootRW:
		return "a pod manifest mounts the node's root file system (hostPath /) writable into a container"
	case kernelRW != "":
		return "a pod manifest mounts the node's " + kernelRW + " writable into a container: its hooks (core_pattern, uevent_helper) name programs the node's kernel runs as root"
	case accessRW != "":
		return "a pod manifest mounts the node's " + accessRW + " writable into a container: who may log in to the node, or what it runs at start-up, written from the pod"
	case modules:
		return "a pod manifest keeps a general-purpose image idle with the power to load kernel modules (SYS_MODULE) into the node's kernel"
	}
	return ""
}

// nodeAccessDir reports a node's directory whose files decide who logs in to it or what it
// runs as root: an .ssh directory, root's and the users' homes, /etc and its ssh, sudoers,
// cron and systemd directories, the cron spools.
func nodeAccessDir(d string) bool {
	if path.Base(d) == ".ssh" {
		return true
	}
	switch d {
	case "/root", "/home", "/etc", "/etc/ssh", "/etc/sudoers.d", "/etc/cron.d", "/etc/systemd/system", "/var/spool/cron",
		"/var/spool/cron/crontabs", "/etc/pam.d", "/etc/profile.d":
		return true
	}
	return false
}

// kernelHookDirs are the node's directories whose files make its kernel run a program
// (core_pattern, uevent_helper, modprobe, sysrq).
var kernelHookDirs = map[string]bool{"/proc/sys/kernel": true, "/proc/sys": true, "/proc": true, "/sys/kernel": true,
	"/proc/sysrq-trigger": true, "/proc/sys/kernel/core_pattern": true, "/sys/kernel/uevent_helper": true}

// idleShellContainer reports a container of a general-purpose distribution image whose command
// only keeps it alive (sleep, sleep infinity, tail -f /dev/null, a loop of sleeps, or none):
// a foothold for someone to exec into, not a workload.
func idleShellContainer(ct *yaml.Node) bool {
	img := mapGet(ct, "image")
	if img == nil {
		return false
	}
	name := img.Value
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name, _, _ = strings.Cut(name, ":")
	name, _, _ = strings.Cut(name, "@")
	switch name {
	case "ubuntu", "debian", "alpine", "busybox", "centos", "fedora", "rockylinux", "almalinux", "amazonlinux", "archlinux", "kalilinux",
		"kali-rolling", "opensuse", "ubi", "ubi8", "ubi9", "ubi-minimal", "bash", "python", "netshoot":
	default:
		return false
	}
	cmd, _ := argvOf(ct)
	cmd = strings.TrimSpace(strings.ReplaceAll(cmd, "'", "")) // argvOf quotes each word
	if cmd == "" {
		return true
	}
	return strings.Contains(cmd, "sleep") || strings.Contains(cmd, "tail -f /dev/null") || strings.Contains(cmd, "infinity")
}

var nsenterPID1 = regexp.MustCompile(`\bnsenter\b.*(\s-t\s*'?1'?(\s|$)|--target[= ]'?1'?(\s|$)|\s-a\b|--all\b)`)

// entersPID1 reports an nsenter into pid 1's namespaces in a command line.
func entersPID1(cmd string) bool {
	return strings.Contains(cmd, "nsenter") && nsenterPID1.MatchString(cmd)
}
