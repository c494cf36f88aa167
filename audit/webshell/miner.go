package webshell

import (
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// RuleMiner: a page starts a cryptocurrency miner.
const RuleMiner = "STRATA-WS-117"

// Mining: a miner is told the pool to connect to and the account to be paid into; some of
// its options no other program takes.
var (
	stratumURL   = regexp.MustCompile(`(?i)stratum[12]?\+(tcp|ssl|tls)://`)
	poolAddress  = regexp.MustCompile(`^([a-z][a-z0-9+.-]*://)?[A-Za-z0-9.-]+:[0-9]{2,5}/?$`)
	miningAlgo   = regexp.MustCompile(`(?i)^(rx/|cn[/-]|cryptonight|randomx|argon2|yespower|ethash|etchash|kawpow|autolykos|ghostrider|astrobwt|lyra2|x1[0-9]r|scrypt|sha256d|equihash|kheavyhash|yescrypt|panthera)`)
	moneroWallet = regexp.MustCompile(`^[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}`)
	minerNames   = set("xmrig", "xmrig-notls", "xmr-stak", "xmr-stak-rx", "minerd", "cpuminer", "cpuminer-opt", "cpuminer-multi",
		"ccminer", "cgminer", "bfgminer", "ethminer", "t-rex", "nbminer", "lolminer", "phoenixminer", "srbminer-multi", "nanominer",
		"gminer", "teamredminer")
	// options only a miner takes
	minerOnly = set("--donate-level", "--donate-over-proxy", "--cpu-max-threads-hint", "--randomx-mode", "--randomx-1gb-pages",
		"--rig-id", "--coin", "--nicehash", "--cpu-priority", "--max-cpu-usage", "--randomx-no-numa", "--huge-pages-jit", "--cpu-affinity")
)

// unknownPart stands for what a command line holds that the page computes at run time.
const unknownPart = "\x00"

// maxExprDepth bounds how far exprText follows variables; maxCommand the text it builds.
const (
	maxExprDepth = 4
	maxCommand   = 4096
)

// exprText renders the PHP expression toks[lo:hi] as the text it computes, with unknownPart
// for what it cannot know: literals (their interpolations resolved), variables through their
// last assignment before the use in the same function, concatenation, sprintf's format
// filled with its arguments, escapeshellarg/escapeshellcmd of a value, the ?: and ??
// operators' fallbacks.
func (a *analysis) exprText(lo, hi, depth int) string {
	if a.valueSteps++; a.valueSteps > maxValueSteps {
		return unknownPart
	}
	var b strings.Builder
	for j := lo; j < hi && j < len(a.toks); j++ {
		t := a.toks[j]
		switch t.Kind {
		case decode.Str:
			s := t.Text[:min(len(t.Text), maxCommand)]
			for _, v := range t.Interp {
				s = strings.Replace(s, v, a.varText(v, j, depth), 1)
			}
			b.WriteString(s)
		case decode.Num:
			b.WriteString(t.Text)
		case decode.Var:
			if a.at(j + 1).Is("[") {
				b.WriteString(unknownPart)
				j = a.closeOf(j + 1)
				continue
			}
			b.WriteString(a.varText(t.Text, j, depth))
		case decode.Ident:
			if !a.at(j + 1).Is("(") {
				if t.Is("__DIR__") {
					b.WriteString("/" + unknownPart)
				} else if !t.Is("int") && !t.Is("string") {
					b.WriteString(unknownPart)
				}
				continue
			}
			end := a.closeOf(j + 1)
			rs := a.args(j + 1)
			switch strings.ToLower(t.Text) {
			case "sprintf", "vsprintf":
				if len(rs) > 0 {
					b.WriteString(a.sprintfText(rs, depth))
				}
			case "escapeshellarg", "escapeshellcmd", "trim", "strval", "intval":
				if len(rs) > 0 {
					b.WriteString(a.exprText(rs[0][0], rs[0][1], depth))
				}
			default:
				b.WriteString(unknownPart)
			}
			j = end
		case decode.Punct:
			switch t.Text {
			case "?", "??":
				// the fallback is what the command holds when the request brings nothing
				b.Reset()
			case ":", ")", "(", ".":
			default:
				b.WriteString(unknownPart)
			}
		}
		if b.Len() > maxCommand {
			break
		}
	}
	return b.String()
}

// sprintfText fills sprintf's format with its arguments' texts.
func (a *analysis) sprintfText(rs [][2]int, depth int) string {
	format := a.exprText(rs[0][0], rs[0][1], depth)
	var b strings.Builder
	n := 1
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		if format[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		// a verb: flags, width, precision, then a letter
		k := i + 1
		for k < len(format) && strings.IndexByte("0123456789.-+' $", format[k]) >= 0 {
			k++
		}
		if k < len(format) {
			if n < len(rs) {
				b.WriteString(a.exprText(rs[n][0], rs[n][1], depth))
			} else {
				b.WriteString(unknownPart)
			}
			n++
			i = k
		}
	}
	return b.String()
}

// varText is the text the variable name holds at token at: its last assignment before at in
// the same scope, unknownPart when there is none or it is too far to follow.
func (a *analysis) varText(name string, at, depth int) string {
	if depth >= maxExprDepth || at >= len(a.scope) {
		return unknownPart
	}
	sc := a.scope[at]
	for k := at - 1; k >= 0; k-- {
		t := a.toks[k]
		if t.Kind != decode.Var || t.Text != name || a.scope[k] != sc {
			continue
		}
		op := a.at(k + 1)
		if op.Text == "=" || op.Text == ".=" {
			s := a.exprText(k+2, a.stmtEnd(k+2, false), depth+1)
			if op.Text == ".=" {
				s = a.varText(name, k, depth+1) + s
			}
			return s
		}
	}
	return unknownPart
}

// minerReason says why a command line starts a miner, "" when it does not: a stratum URL,
// a miner run by its name with a pool or a configuration, an option only a miner takes, a
// mining algorithm with a pool option, or a pool's address and a wallet.
func minerReason(cmd string) string {
	cmd = cmd[:min(len(cmd), 2*maxCommand)]
	if m := stratumURL.FindString(cmd); m != "" {
		return "connects to a mining pool (" + m + "...)"
	}
	words := strings.Fields(strings.NewReplacer("'", " ", `"`, " ", ";", " ; ", "&", " & ", "|", " | ").Replace(cmd))
	var pool, user, algo, opt, prog, config bool
	for i, w := range words {
		key, val, eq := strings.Cut(w, "=")
		next := val
		if !eq && i+1 < len(words) {
			next = words[i+1]
		}
		if n := strings.ToLower(path.Base(w)); minerNames[n] || minerNames[strings.TrimSuffix(n, ".exe")] {
			prog = true
		}
		switch {
		case key == "-o" || key == "--url" || key == "--pool":
			pool = pool || poolAddress.MatchString(strings.ReplaceAll(next, unknownPart, "h")) || next == unknownPart
		case key == "-u" || key == "--user" || key == "--wallet":
			user = true
			if moneroWallet.MatchString(next) {
				return "mines to a Monero wallet (" + next[:12] + "...)"
			}
		case key == "-a" || key == "--algo":
			algo = algo || miningAlgo.MatchString(next)
		case key == "-c" || key == "--config":
			config = true
		case minerOnly[key]:
			opt = true
			if !prog {
				return "runs a program with an option only a miner takes (" + key + ")"
			}
		}
	}
	switch {
	case prog && (pool || config || opt):
		return "runs a miner with its pool or configuration"
	case opt:
		return "runs a miner with an option only a miner takes"
	case algo && pool && user:
		return "mines a mining algorithm at a pool"
	}
	return ""
}

// pageRunners are the PHP calls that run a command line.
var pageRunners = set("exec", "shell_exec", "system", "passthru", "popen", "proc_open")

// minerLaunch finds a command the page runs that starts a miner: the runner's token, the
// command line (unknown parts shown as ?) and why; ok is false when there is none.
func (a *analysis) minerLaunch() (at int, cmd, why string, ok bool) {
	backtick := slices.ContainsFunc(a.toks, func(t decode.Token) bool { return t.Kind == decode.Str && t.Quote == '`' })
	if !backtick && !a.callsAny("exec", "shell_exec", "system", "passthru", "popen", "proc_open") {
		return 0, "", "", false
	}
	if a.keys == nil {
		a.prepare() // the functions' scopes, which varText reads
	}
	calls := a.calls()
	for _, name := range slices.Sorted(maps.Keys(pageRunners)) {
		for _, c := range calls[name] {
			rs := a.args(c + 1)
			if len(rs) == 0 {
				continue
			}
			text := a.exprText(rs[0][0], rs[0][1], 0)
			if why := minerReason(text); why != "" {
				return c, strings.ReplaceAll(text, unknownPart, "?"), why, true
			}
		}
	}
	// backticks
	for i, t := range a.toks {
		if !backtick {
			break
		}
		if t.Kind == decode.Str && t.Quote == '`' {
			text := a.exprText(i, i+1, 0)
			if why := minerReason(text); why != "" {
				return i, strings.ReplaceAll(text, unknownPart, "?"), why, true
			}
		}
	}
	return 0, "", "", false
}

// minerFinding reports a page that starts a miner.
func minerFinding(pg page, p string, an *analysis, at int, cmd, why string) audit.Finding {
	title := pg.label() + " web shell: the page starts a cryptocurrency miner: " + why
	var how []string
	low := strings.ToLower(cmd)
	if strings.Contains(low, "nohup") || strings.Contains(low, "setsid") || strings.HasSuffix(strings.TrimSpace(low), "&") {
		how = append(how, "detached from the request")
	}
	if an.callsAny("chmod") {
		how = append(how, "a file made executable")
	}
	if len(how) > 0 {
		title += " (" + strings.Join(how, ", ") + ")"
	}
	f := audit.Finding{Rule: RuleMiner, Category: audit.CategoryWebshell, Severity: audit.High, Path: p, Title: title,
		Evidence:    "code: " + an.snippet(at) + "; command: " + oneLine(cmd, 200),
		Remediation: remediation + " Look for the miner binary the page starts and for processes it left running."}
	f.AddLabels(audit.CategoryMiner, audit.CategoryMalware)
	return f
}
