package shell

import (
	"path"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// A miner dropper readies the machine for mining and clears it of rivals before it fetches
// and starts the miner, which is often elsewhere (downloaded at run time, its pool in a
// configuration file). Each of these is something an administrator rarely does, and mining
// malware does together (T1496, T1562.001): huge pages and the MSR module for RandomX, the
// NMI watchdog off, rival miners killed by their names or pools' ports, the host's
// protections turned off, the downloaders copied to names a defender does not watch.
const (
	prepHugePages = "huge pages reserved"
	prepWatchdog  = "the NMI watchdog turned off"
	prepMSR       = "the MSR module loaded for RandomX"
	prepRivals    = "rival miners killed"
	prepDefenses  = "protections turned off"
	prepRenamed   = "a downloader copied to another name"
)

// minerState is what the script did to ready the machine, and the first place it did it.
type minerState struct {
	did      map[string]bool
	what     []string
	evidence string
	line     int
	seen     bool
}

// rivalWords are in the arguments a script greps, kills or pkills rival miners by: their
// names, pools and stratum ports.
var rivalWords = []string{"xmrig", "kinsing", "kdevtmpfs", "kworkerds", "ddgs", "minerd", "cryptonight", "stratum", "monero",
	"xmr.", "xmr-", "nanopool", "minexmr", "supportxmr", "moneropool", "f2pool", "c3pool", ":3333", ":5555", ":7777", ":14444",
	"systemten", "sysupdate", "networkservice", "kthreaddi", "watchbog", "/tmp/ddg", "askdljlqw"}

// minerPrep notes what one command does to ready the machine for mining.
func (a *analysis) minerPrep(s syntax.Node, name string, args []val) {
	note := func(what string) {
		if a.miner.did == nil {
			a.miner.did = map[string]bool{}
		}
		if !a.miner.did[what] {
			a.miner.did[what] = true
			a.miner.what = append(a.miner.what, what)
			if st, ok := s.(*syntax.Stmt); ok && !a.miner.seen {
				a.miner.seen = true
				a.miner.evidence, a.miner.line = a.evidence(st), a.line(st)
				if a.pipeline != nil {
					a.miner.evidence = a.evidence(a.pipeline)
				}
			}
		}
	}
	// the arguments joined, for the few commands read by them: every command comes here
	joined := func() string { return strings.ToLower(concatArgs(args).s) }
	switch name {
	case "sysctl":
		switch j := joined(); {
		case strings.Contains(j, "vm.nr_hugepages"):
			note(prepHugePages)
		case strings.Contains(j, "kernel.nmi_watchdog=0"):
			note(prepWatchdog)
		}
	case "modprobe", "insmod":
		if slices.ContainsFunc(args, func(v val) bool { return v.s == "msr" }) {
			note(prepMSR)
		}
	case "wrmsr":
		note(prepMSR)
	case "grep", "egrep", "pgrep", "pkill", "killall", "kill":
		j := joined()
		for _, w := range rivalWords {
			if strings.Contains(j, w) {
				note(prepRivals)
				break
			}
		}
	case "setenforce":
		if slices.ContainsFunc(args, func(v val) bool { return v.s == "0" || strings.EqualFold(v.s, "permissive") }) {
			note(prepDefenses)
		}
	case "ufw":
		if strings.Contains(joined(), "disable") {
			note(prepDefenses)
		}
	case "iptables":
		if slices.ContainsFunc(args, func(v val) bool { return v.s == "-F" || v.s == "--flush" }) {
			note(prepDefenses)
		}
	case "cp", "mv":
		var ops []string
		for _, x := range args {
			if !strings.HasPrefix(x.s, "-") {
				ops = append(ops, x.s)
			}
		}
		if len(ops) == 2 && downloaders[path.Base(ops[0])] && strings.Contains(ops[0], "/bin/") && !downloaders[path.Base(ops[1])] &&
			path.Dir(ops[1]) == path.Dir(ops[0]) {
			note(prepRenamed)
		}
	}
}

// minerWrite notes what a write into a kernel setting readies.
func (a *analysis) minerWrite(p, text string, at syntax.Node) {
	text = strings.TrimSpace(text)
	switch {
	case p == "/proc/sys/vm/nr_hugepages" && text != "" && text != "0":
		a.minerPrep(at, "sysctl", []val{lit("vm.nr_hugepages=" + text)})
	case p == "/proc/sys/kernel/nmi_watchdog" && text == "0":
		a.minerPrep(at, "sysctl", []val{lit("kernel.nmi_watchdog=0")})
	case p == "/etc/sysctl.conf" || strings.HasPrefix(p, "/etc/sysctl.d/"):
		if t := strings.ReplaceAll(text, " ", ""); strings.Contains(t, "vm.nr_hugepages=") {
			a.minerPrep(at, "sysctl", []val{lit("vm.nr_hugepages")})
		} else if strings.Contains(t, "kernel.nmi_watchdog=0") {
			a.minerPrep(at, "sysctl", []val{lit("kernel.nmi_watchdog=0")})
		}
	case (p == "/etc/selinux/config" || p == "/etc/sysconfig/selinux") && strings.Contains(text, "SELINUX=disabled"):
		a.minerPrep(at, "setenforce", []val{lit("0")})
	}
}

// minerFinish reports a miner dropper: rival miners killed beside the machine readied for
// mining (huge pages, the MSR module, the watchdog), or three of the signs in all.
func (a *analysis) minerFinish() {
	d := a.miner.did
	if d == nil || !a.miner.seen {
		return
	}
	ready := d[prepHugePages] || d[prepMSR] || d[prepWatchdog]
	if !(d[prepRivals] && ready) && !(len(d) >= 3 && (ready || d[prepRivals])) {
		return
	}
	a.hits.add(hit{kind: hitMinerPrep, evidence: a.miner.evidence, line: a.miner.line, chain: slices.Clone(a.chain), place: a.place,
		detail: strings.Join(a.miner.what, ", ")})
}
