package shell

import (
	"bytes"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Remote access kept by a script: an SSH client told to open a tunnel that reaches back into
// the machine (a remote forward, a tun device, a SOCKS proxy) rather than to run a command,
// and a loop that asks a web server for commands, runs them and sends the output back.

// sshClients are the SSH clients that take OpenSSH's forwarding options.
var sshClients = map[string]bool{"ssh": true, "autossh": true, "dbclient": true, "plink": true}

// sshValueOpts are the OpenSSH client options that take a value.
const sshValueOpts = "BbcDEeFIiJLlmOoPpQRSWw"

// tunnel is what an SSH command line forwards.
type tunnel struct {
	remote  []string // -R specs: a port on the remote host reaching this side
	dynamic string   // -D: a SOCKS proxy
	tun     string   // -w: a tun device joined to the remote host's
	host    string
	port    string
	noCmd   bool // -N, or no remote command
	bg      bool // -f
	alive   bool // ServerAliveInterval: kept open
	blind   bool // host keys not checked (StrictHostKeyChecking=no, UserKnownHostsFile=/dev/null)
	command bool // a remote command follows the host
}

// sshTunnel reads an SSH client's command line for a tunnel back into the machine. kept says
// what keeps it up besides the line itself: autossh, a relaunching loop, a password fed by
// sshpass or expect.
func (a *analysis) sshTunnel(s *syntax.Stmt, name string, args []val, kept string) {
	typed := kept != "" // sshpass or expect answer its prompts
	if name == "autossh" {
		kept = joinWhy(kept, "autossh restarts it")
	}
	var t tunnel
	remoteForward := func(v string) {
		v = strings.TrimSpace(strings.Trim(v, `"'`))
		if v != "" {
			t.remote = append(t.remote, v)
		}
	}
	option := func(o string) {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			k, v, _ = strings.Cut(strings.TrimSpace(o), " ")
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "remoteforward":
			remoteForward(strings.Replace(strings.TrimSpace(v), " ", ":", 1))
		case "dynamicforward":
			t.dynamic = strings.TrimSpace(v)
		case "tunnel":
			if v = strings.ToLower(strings.TrimSpace(v)); v != "no" && v != "" {
				t.tun = v
			}
		case "serveraliveinterval":
			t.alive = true
		case "stricthostkeychecking", "userknownhostsfile":
			if v = strings.ToLower(strings.Trim(strings.TrimSpace(v), `"'`)); v == "no" || v == "off" || v == "accept-new" || v == "/dev/null" {
				t.blind = true
			}
		case "port":
			t.port = strings.TrimSpace(v)
		}
	}
	valueOpts := sshValueOpts
	if name == "autossh" {
		valueOpts += "M" // the monitoring port
	}
	i := 0
	for ; i < len(args); i++ {
		x := args[i].s
		if name == "plink" && plinkOption(x) {
			// PuTTY's options are words: -pw PASSWORD, -batch, -P PORT
			switch x {
			case "-pw":
				kept, typed = joinWhy(kept, "plink -pw gives it a password"), true
			case "-R":
				if i+1 < len(args) {
					remoteForward(args[i+1].s)
				}
			case "-D":
				if i+1 < len(args) {
					t.dynamic = args[i+1].s
				}
			case "-P":
				if i+1 < len(args) {
					t.port = args[i+1].s
				}
			case "-N":
				t.noCmd = true
			}
			if plinkValue[x] {
				i++
			}
			continue
		}
		if x == "--" {
			i++
			break
		}
		if !strings.HasPrefix(x, "-") || len(x) < 2 {
			break
		}
		if strings.HasPrefix(x, "--") {
			continue
		}
		for j := 1; j < len(x); j++ {
			c := x[j]
			if strings.IndexByte(valueOpts, c) < 0 {
				switch c {
				case 'N':
					t.noCmd = true
				case 'f':
					t.bg = true
				}
				continue
			}
			v := x[j+1:]
			if v == "" && i+1 < len(args) {
				i++
				v = args[i].s
			}
			switch c {
			case 'R':
				remoteForward(v)
			case 'D':
				t.dynamic = v
			case 'w':
				t.tun = v
			case 'o':
				option(v)
			case 'p', 'P':
				t.port = v
			}
			break
		}
	}
	if i < len(args) {
		t.host = args[i].text()
		if at := strings.LastIndexByte(t.host, '@'); at >= 0 {
			t.host = t.host[at+1:]
		}
		t.command = i+1 < len(args) && !waitsOnly(concatArgs(args[i+1:]).s)
	}
	if t.host == "" || len(t.remote) == 0 && t.tun == "" && t.dynamic == "" {
		return
	}
	if !t.command {
		t.noCmd = true
	}
	if t.alive {
		kept = joinWhy(kept, "ServerAliveInterval keeps it open")
	}
	if a.loops > 0 {
		kept = joinWhy(kept, "a loop relaunches it")
	}
	if !t.noCmd && !t.bg && kept == "" {
		return // a command run on the far side, its forward an aside
	}
	from := t.host
	if t.port != "" && t.port != "22" {
		from += ":" + t.port
	}
	var what string
	switch {
	case len(t.remote) > 0:
		what = "reverse SSH tunnel: " + strings.Join(t.remote, ", ") + " opened on " + hostOrQ(from) + " back into this machine" + exposes(t.remote)
	case t.tun != "":
		what = "SSH tun device (-w " + t.tun + ") joining this machine's network to " + hostOrQ(from)
	default:
		what = "SSH SOCKS proxy (-D " + t.dynamic + ") relaying through " + hostOrQ(from)
	}
	if kept != "" {
		what += " (" + kept + ")"
	}
	h := hit{kind: hitTunnel, place: a.place, from: from, detail: what, critical: kept != "" && (len(t.remote) > 0 || t.tun != ""),
		plain: !typed && !t.blind && t.tun == "" && a.loops == 0, keyOnly: !typed && t.tun == ""}
	switch {
	case a.pipeline != nil:
		h.evidence, h.line = a.evidence(a.pipeline), a.line(a.pipeline)
	case s != nil:
		h.evidence, h.line = a.evidence(s), a.line(s)
	default:
		// an expect file's own spawn line
		h.evidence, h.line = oneLine(name+" "+concatArgs(args).text(), 200), a.spawnLine
	}
	h.chain = append(h.chain, a.chain...)
	if len(t.remote) == 0 && t.tun == "" {
		h.lang = "socks" // a proxy out, not a way in: held lower
	}
	a.hits.add(h)
}

// plinkValue are PuTTY plink's options that take a value.
var plinkValue = map[string]bool{"-pw": true, "-P": true, "-l": true, "-i": true, "-R": true, "-L": true, "-D": true, "-m": true,
	"-hostkey": true, "-loghost": true, "-proxycmd": true, "-sercfg": true, "-nc": true, "-load": true, "-pwfile": true}

// plinkOption reports one of plink's options (a word, not a cluster of letters).
func plinkOption(x string) bool {
	return strings.HasPrefix(x, "-") && len(x) > 1
}

// exposes says which of this side's services a remote forward reaches, when it is one a
// remote user logs in or gets a shell through.
func exposes(specs []string) string {
	for _, sp := range specs {
		f := strings.Split(sp, ":")
		port := f[len(f)-1]
		switch port {
		case "22", "2222":
			return " (its sshd)"
		case "5900", "5901", "3389":
			return " (its remote desktop)"
		}
	}
	return ""
}

func joinWhy(a, b string) string {
	if a == "" {
		return b
	}
	if strings.Contains(a, b) {
		return a
	}
	return a + ", " + b
}

// sshpass runs the command after its options with the password it is given.
func (a *analysis) sshpass(s *syntax.Stmt, args []val, fds fdset) {
	for i := 0; i < len(args); i++ {
		x := args[i].s
		switch {
		case x == "-p" || x == "-f" || x == "-d" || x == "-P":
			i++
		case strings.HasPrefix(x, "-"):
		default:
			rest := args[i:]
			if sshClients[base(rest[0])] {
				a.sshTunnel(s, base(rest[0]), rest[1:], "sshpass feeds it a password")
				return
			}
			a.exec(s, rest, fds)
			return
		}
	}
}

// expectSpawns reads the ssh commands an expect script spawns: a password sent to one that
// opens a tunnel keeps the tunnel up without anyone at the keyboard.
func (a *analysis) expectSpawns(s *syntax.Stmt, code []byte) {
	if !bytes.Contains(code, []byte("spawn")) {
		return
	}
	sends := bytes.Contains(code, []byte("send"))
	for n, line := range strings.Split(string(code), "\n") {
		a.spawnLine = n + 1
		for _, st := range strings.Split(line, ";") {
			f := strings.Fields(st)
			if len(f) < 2 || f[0] != "spawn" {
				continue
			}
			for len(f) > 1 && strings.HasPrefix(f[1], "-") { // spawn -noecho
				f = append(f[:1], f[2:]...)
			}
			if len(f) < 2 || !sshClients[path.Base(f[1])] {
				continue
			}
			argv := make([]val, 0, len(f)-2)
			for _, w := range f[2:] {
				argv = append(argv, lit(strings.Trim(w, `"{}`)))
			}
			why := ""
			if sends {
				why = "expect types its password"
			}
			a.sshTunnel(s, path.Base(f[1]), argv, why)
		}
	}
}

// loop runs a loop's body. A loop in which code a download returned is run and something is
// sent off the machine is an agent polling a web server for commands: it is reported so, in
// place of the download run. One that sends nothing back but pauses between runs (sleep) polls
// all the same: reported so at high.
func (a *analysis) loop(s *syntax.Stmt, body func()) {
	nh, ns := len(a.hits.hits), len(a.cred.sends)
	a.loops++
	body()
	a.loops--
	if a.loops > 0 {
		return
	}
	sends := len(a.cred.sends) > ns
	if !sends && !pauses(s) {
		return
	}
	run := -1
	for i := nh; i < len(a.hits.hits); i++ {
		if k := a.hits.hits[i].kind; k == hitFetchRun || k == hitDropRun {
			run = i
			break
		}
	}
	if run < 0 {
		return
	}
	r := a.hits.hits[run]
	what := "runs what " + nonEmpty(strings.ReplaceAll(r.from, unknown, "?"), "a download") + " returns"
	if !sends {
		// beside the download run, which a persistence place makes critical
		a.hits.add(hit{kind: hitHTTPAgent, evidence: r.evidence, line: r.line, chain: r.chain, place: a.place, from: r.from,
			detail: what + ", again and again with a pause between: a command channel polled over the web"})
		return
	}
	keep := a.hits.hits[:nh]
	for _, h := range a.hits.hits[nh:] {
		if h.kind != hitFetchRun && h.kind != hitDropRun {
			keep = append(keep, h)
		}
	}
	a.hits.hits = keep
	sent := a.cred.sends[ns]
	a.hits.add(hit{kind: hitHTTPAgent, evidence: r.evidence + "; " + sent.evidence, line: r.line, chain: r.chain, place: a.place, from: r.from,
		detail: what + " and sends output by " + sent.how + " to " + hostOrQ(sent.to) + ", in a loop", critical: true})
}

// pauses reports a loop that sleeps in its condition or body: it polls.
func pauses(s *syntax.Stmt) bool {
	found := false
	syntax.Walk(s, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok && len(c.Args) > 0 && (c.Args[0].Lit() == "sleep" || c.Args[0].Lit() == "usleep") {
			found = true
		}
		return !found
	})
	return found
}

// hasTunnelTrigger is the cheap test for an SSH tunnel: an SSH client's name and a forwarding
// option's letters.
func hasTunnelTrigger(g *grams, data []byte) bool {
	if !g.hasString(data, "ssh") && !g.hasString(data, "dbclient") && !g.hasString(data, "plink") {
		return false
	}
	for _, w := range []string{"-R", "R ", "Forward", "-D", "-w", "Tunnel", "autossh"} {
		if g.hasString(data, w) {
			return true
		}
	}
	return false
}

// waitsOnly reports a remote command that only keeps the session open (sleep 2h, sleep
// infinity, read, cat, tail -f /dev/null, a loop of sleeps): the forward is what the session
// is for.
func waitsOnly(cmd string) bool {
	cmd = strings.Trim(strings.TrimSpace(cmd), `"'`)
	f := strings.Fields(cmd)
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "sleep", "read", "cat", "wait":
		return len(f) <= 2
	case "tail":
		return strings.Contains(cmd, "-f /dev/null") && len(f) == 3
	case "while", "until":
		// while true; do sleep 60; done
		rest := strings.NewReplacer(";", " ", "true", "", ":", "", "[ 1 ]", "", "done", "", "do", "", "while", "", "until", "", "false", "").Replace(cmd)
		g := strings.Fields(rest)
		return len(g) == 2 && g[0] == "sleep"
	}
	return false
}

// serviceTunnels marks the plain tunnels of a systemd unit that runs them as an unprivileged
// user (User=tunnel): the shape of an administrator's autossh service, which findings holds
// at medium, for a person to confirm. A tunnel a unit runs as root, or with a password typed
// for it, host keys unchecked, a tun device or a loop, keeps its severity.
func serviceTunnels(p string, data []byte, hits []hit) {
	if f, _ := formatOf(p, data); f != formatSystemd {
		return
	}
	user := ""
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "User="); ok {
			user = strings.TrimSpace(v)
		}
	}
	if user == "" || user == "root" || user == "0" {
		return
	}
	for i := range hits {
		if hits[i].kind == hitTunnel && hits[i].plain && hits[i].place == "" {
			hits[i].asUser = user
		}
	}
}
