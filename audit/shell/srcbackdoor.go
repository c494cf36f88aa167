package shell

import (
	"bytes"
	"path"
	"regexp"
	"strings"

	"github.com/strata-forensics/strata/audit"
)

// Go and Rust backdoors kept as source (their modules or crates not vendored, so not built in
// the image): an SSH server of its own whose sessions get a shell, an HTTP beacon that runs the
// commands a server answers with, a listener or connection whose lines are run as commands.
// Reported under the languages' reverse shell rules (STRATA-RS-016 Go, STRATA-RS-019 Rust),
// high, labelled malware.
var (
	// an SSH server in Go: gliderlabs/ssh's Server or Handle, x/crypto/ssh's ServerConfig
	goSSHServer = regexp.MustCompile(`\bssh\.Server\s*\{|\bssh\.ListenAndServe\s*\(|\bssh\.Handle\s*\(|\bssh\.ServerConfig\s*\{|\bssh\.NewServerConn\s*\(|\bPasswordHandler\s*:|\bPasswordCallback\s*:`)
	// a process started with a shell, or with what a shell's -c is handed
	goShellCmd = regexp.MustCompile(`\bexec\.Command(?:Context)?\s*\(\s*(?:ctx\s*,\s*)?("(?:/usr)?(?:/bin/)?(?:ba|da|z|k|a)?sh"|"(?:cmd|cmd\.exe|powershell|powershell\.exe|pwsh)"|\w+)\s*,?`)
	goDashC    = regexp.MustCompile(`"-c"|"/c"|"-Command"|"-i"`)
	// a session joined to the process: a pty, the session copied to and from it, or set as its
	// standard streams
	goSessionJoin = regexp.MustCompile(`\bpty\.Start(?:WithSize|WithAttrs)?\s*\(|\bio\.Copy\s*\(\s*\w+\s*,\s*(?:s|sess|session|ch|channel|conn|f|ptmx|tty)\b|\.Std(?:in|out|err)\s*=\s*(?:s|sess|session|ch|channel|conn)\b`)
	// the server passing for OpenSSH
	goFakeBanner = regexp.MustCompile(`"(?:SSH-2\.0-)?OpenSSH_[0-9][^"]*"`)
	// an HTTP client request
	goHTTPReq = regexp.MustCompile(`\bhttp\.(?:Get|Post|PostForm|NewRequest(?:WithContext)?)\s*\(|\.Do\s*\(\s*req\b`)
	// the answer read
	goBodyRead = regexp.MustCompile(`\bio(?:util)?\.ReadAll\s*\(\s*\w+\.Body\b|json\.NewDecoder\s*\(\s*\w+\.Body\b|\.Body\.Read\b`)
	// the command's output kept
	goOutput = regexp.MustCompile(`\.(?:CombinedOutput|Output|StdoutPipe|StderrPipe)\s*\(|\.Stdout\s*=\s*&`)
	// something sent back: a POST, or data encoded into a request
	goSendBack = regexp.MustCompile(`\bhttp\.(?:Post|PostForm)\s*\(|NewRequest(?:WithContext)?\s*\(\s*(?:ctx\s*,\s*)?(?:"POST"|"PUT"|http\.MethodPost|http\.MethodPut)|\.EncodeToString\s*\(`)
	// the beacon's rhythm: a pause or a ticker
	goPause = regexp.MustCompile(`\btime\.(?:Sleep|NewTicker|Tick|After)\s*\(`)

	// Go: a connection, its lines read, a process of the words read, the output written back
	goConn      = regexp.MustCompile(`\b(?:net\.(?:Dial|DialTimeout|DialTCP|Listen|ListenTCP)|tls\.(?:Dial|Listen)|\.(?:DialContext|Accept))\s*\(`)
	goConnRead  = regexp.MustCompile(`\.ReadString\s*\(|\.ReadLine\s*\(|\.ReadBytes\s*\(|\.Scan\s*\(\s*\)|\.Read\s*\(\s*\w+\s*\)`)
	goWordsCmd  = regexp.MustCompile(`\bexec\.Command(?:Context)?\s*\(\s*(?:ctx\s*,\s*)?(\w+)\[0\]\s*,\s*(\w+)\[1:\]\.\.\.\s*\)`)
	goWriteBack = regexp.MustCompile(`\.Write(?:String)?\s*\(|\bfmt\.Fprint(?:f|ln)?\s*\(|\bio\.(?:Copy|WriteString)\s*\(`)

	// Rust: a socket accepted or connected, lines read from it, a process started from what was
	// read (its program not a literal, or a shell's -c), its output written back
	rustSocket = regexp.MustCompile(`\bTcpListener::bind\s*\(|\bTcpStream::connect(?:_timeout)?\s*\(|\bUnixListener::bind\s*\(`)
	rustRead   = regexp.MustCompile(`\.read\s*\(\s*&mut\b|\.read_line\s*\(|\.lines\s*\(\s*\)|\.read_to_string\s*\(|\.read_until\s*\(`)
	rustCmd    = regexp.MustCompile(`\bCommand::new\s*\(\s*([^)]*)\)`)
	rustDashC  = regexp.MustCompile(`\.args?\s*\(\s*(?:&?\[\s*)?"(?:-c|/C|/c)"`)
	rustBack   = regexp.MustCompile(`\.write_all\s*\(|\bwrite!\s*\(|\.write\s*\(|\.stdout\s*\(\s*unsafe|Stdio::from_raw_fd|\.stdout\s*\(\s*Stdio::from\(`)
	rustOutput = regexp.MustCompile(`\.output\s*\(\s*\)|\.stdout\b`)
	rustShell  = regexp.MustCompile(`^"(?:/usr)?(?:/bin/)?(?:ba|da|z)?sh"$|^"cmd(?:\.exe)?"$|^"powershell(?:\.exe)?"$`)
	goShellLit = regexp.MustCompile(`"(?:/usr)?/bin/(?:ba|da|z|k|a)?sh"`)
	goVarArg   = regexp.MustCompile(`"\s*,\s*[A-Za-z_]`)
)

// srcBackdoorFinding reads Go and Rust source for a backdoor's shape.
func srcBackdoorFinding(p string, data []byte) (audit.Finding, bool) {
	switch path.Ext(p) {
	case ".go":
		if len(data) > 1<<20 || !bytes.Contains(data, []byte("os/exec")) {
			return audit.Finding{}, false
		}
		code := stripCComments(data)
		if ev, ok := goSSHBackdoor(code); ok {
			return srcBackdoor(RuleGo, "Go source of an SSH server of its own whose sessions get a shell: an SSH backdoor", ev), true
		}
		if ev, ok := goCmdLoop(code); ok {
			return srcBackdoor(RuleGo, "Go source that runs as commands the lines it reads from a network connection and writes their output back", ev), true
		}
		if ev, ok := goBeacon(code); ok {
			return srcBackdoor(RuleGo, "Go source of an HTTP beacon: it runs through a shell the commands a server answers with and sends their output back", ev), true
		}
	case ".rs":
		if len(data) > 1<<20 || !bytes.Contains(data, []byte("Command")) || !bytes.Contains(data, []byte("Tcp")) && !bytes.Contains(data, []byte("UnixListener")) {
			return audit.Finding{}, false
		}
		code := stripCComments(data)
		if ev, ok := rustCmdLoop(code); ok {
			title := "Rust source of a bind shell: it runs the lines it reads from the connections it accepts and writes their output back"
			if !bytes.Contains(code, []byte("Listener::bind")) {
				title = "Rust source of a reverse shell: it runs the lines it reads from its connection and writes their output back"
			}
			return srcBackdoor(RuleRust, title, ev), true
		}
	}
	return audit.Finding{}, false
}

func srcBackdoor(rule, title, ev string) audit.Finding {
	f := audit.Finding{Rule: rule, Category: audit.CategoryReverseShell, Severity: audit.High,
		Labels:      []audit.Category{audit.CategoryMalware},
		Title:       title,
		Evidence:    oneLine(ev, 300),
		Remediation: remediation(audit.CategoryReverseShell)}
	f.AddTechniques("T1059.004", "T1095")
	return f
}

// goShell returns the shell a Go file starts (exec.Command with a shell, or a variable along
// with a -c), "" for none.
func goShell(code []byte) string {
	for _, m := range goShellCmd.FindAllSubmatch(code, 32) {
		arg := string(m[1])
		if strings.HasPrefix(arg, `"`) {
			return arg
		}
	}
	if goShellCmd.Match(code) && goDashC.Match(code) && namesShellLiteral(code) {
		return "a shell named in a variable"
	}
	return ""
}

// namesShellLiteral reports a Go string literal that is a shell's path or name.
func namesShellLiteral(code []byte) bool {
	return goShellLit.Match(code)
}

// goSSHBackdoor: an SSH server whose session handler starts a shell joined to the session.
func goSSHBackdoor(code []byte) (string, bool) {
	srv := goSSHServer.Find(code)
	if srv == nil {
		return "", false
	}
	sh := goShell(code)
	join := goSessionJoin.Find(code)
	if sh == "" || join == nil {
		return "", false
	}
	ev := "an SSH server (" + strings.TrimRight(string(srv), "({ ") + ") starting " + sh + " joined to the session (" + strings.TrimRight(string(join), "( ") + ")"
	if b := goFakeBanner.Find(code); b != nil {
		ev += "; passes for OpenSSH (" + string(b) + ")"
	}
	return ev, true
}

// goBeacon: an HTTP client that reads the server's answer, runs a shell's -c with what is not
// a literal, keeps the output and sends something back, with a pause between rounds.
func goBeacon(code []byte) (string, bool) {
	req := goHTTPReq.Find(code)
	if req == nil || !goBodyRead.Match(code) || !goOutput.Match(code) || !goSendBack.Match(code) || !goPause.Match(code) {
		return "", false
	}
	sh := ""
	for _, m := range goShellCmd.FindAllSubmatchIndex(code, 32) {
		arg := string(code[m[2]:m[3]])
		rest := code[m[1]:min(len(code), m[1]+120)]
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[:i]
		}
		if !strings.HasPrefix(arg, `"`) {
			// the program and its arguments taken from what was read: exec.Command(w[0], w[1:]...)
			if bytes.Contains(rest, []byte("...")) && bytes.Contains(code[m[2]:min(len(code), m[2]+40)], []byte("[0]")) {
				sh = "the words it was given (" + arg + "[0])"
				break
			}
			continue
		}
		// the shell handed -c and something that is not a literal (-c, cmd / -c + a variable)
		if goDashC.Match(rest) && goVarArg.Match(rest) || bytes.Contains(rest, []byte("...")) {
			sh = arg + " -c"
			break
		}
	}
	if sh == "" {
		return "", false
	}
	return "an HTTP client (" + strings.TrimRight(string(req), "( ") + ") reading the answer, running " + sh + " with it, keeping the output and sending it back, with a pause (" +
		strings.TrimRight(string(goPause.Find(code)), "( ") + ")", true
}

// goCmdLoop: a connection whose lines are split into a program and its arguments, run, and
// whose output is written back (a shell's -c over a connection is the language reading's).
func goCmdLoop(code []byte) (string, bool) {
	conn := goConn.Find(code)
	if conn == nil || !goConnRead.Match(code) || !goOutput.Match(code) && !bytes.Contains(code, []byte(".Stdout =")) || !goWriteBack.Match(code) {
		return "", false
	}
	m := goWordsCmd.FindSubmatch(code)
	if m == nil || !bytes.Equal(m[1], m[2]) {
		return "", false
	}
	return "a connection (" + strings.TrimRight(string(conn), "( ") + ") whose lines become exec.Command(" + string(m[1]) + "[0], " + string(m[1]) + "[1:]...) with the output written back", true
}

// rustCmdLoop: a socket whose reads become a command (Command::new of what was read, or a
// shell's -c) whose output goes back.
func rustCmdLoop(code []byte) (string, bool) {
	sock := rustSocket.Find(code)
	if sock == nil || !rustRead.Match(code) || !rustBack.Match(code) || !rustOutput.Match(code) {
		return "", false
	}
	for _, m := range rustCmd.FindAllSubmatch(code, 32) {
		arg := strings.TrimSpace(string(m[1]))
		switch {
		case !strings.HasPrefix(arg, `"`) && arg != "":
			return "a socket (" + strings.TrimRight(string(sock), "( ") + ") whose reads start Command::new(" + oneLine(arg, 40) + ") and whose output goes back to it", true
		case rustShell.MatchString(arg) && rustDashC.Match(code):
			return "a socket (" + strings.TrimRight(string(sock), "( ") + ") whose reads go to Command::new(" + arg + ") -c and whose output goes back to it", true
		}
	}
	return "", false
}
