package forensics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/strata-forensics/strata/forensics/human"
)

// Instruction is one reconstructed Dockerfile line.
type Instruction struct {
	// Keyword is FROM, RUN, COPY, ADD, ENV, LABEL, CMD, ENTRYPOINT, EXPOSE, WORKDIR, USER, VOLUME,
	// ARG, HEALTHCHECK, SHELL, STOPSIGNAL, ONBUILD, MAINTAINER, or "#" for a raw comment.
	Keyword string `json:"keyword"`
	// Args is the instruction text after the keyword, as a Dockerfile would hold it.
	Args string `json:"args"`
	// History is the index into Image.History, -1 for synthesized lines.
	History int `json:"history"`
	// Layer is the layer this step made, -1 for none.
	Layer int `json:"layer"`
	// LayerSize is the layer's uncompressed size, 0 when it is not known.
	LayerSize int64 `json:"layer_size,omitempty"`
	// TopPaths are the top paths that layer added, as the caller gave them.
	TopPaths []string `json:"top_paths,omitempty"`
	// BuildKit is true when the line came from BuildKit: a "# buildkit" suffix or a
	// buildkit.dockerfile history comment.
	BuildKit bool `json:"buildkit,omitempty"`
	// BuildArgs are the build arguments a RUN step was given ("|2 A=1 B=2" prefix), as KEY=VALUE.
	// They are evidence: build arguments often carry tokens.
	BuildArgs []string `json:"build_args,omitempty"`
	// Unverified is "" when history and layers agree about this line; otherwise it says why not.
	Unverified string `json:"unverified,omitempty"`
	// Note is a remark about how the line was read that is not a disagreement ("the step changed
	// no files", "history comment: ..."), "" when there is none.
	Note string `json:"note,omitempty"`
	// Raw is the created_by text as recorded, "" for synthesized lines.
	Raw     string    `json:"raw,omitempty"`
	Created time.Time `json:"created,omitzero"`
}

// Dockerfile is a Dockerfile reconstructed from an image's history. It is a reading of the
// evidence, not the evidence: history is written by whoever built the image and is checked
// against the layers line by line.
type Dockerfile struct {
	Instructions []Instruction `json:"instructions"`
	Notes        []string      `json:"notes"`
}

// KeywordComment is the keyword of a raw comment line.
const KeywordComment = "#"

// historyCommentBuildKit starts the history comment BuildKit's Dockerfile frontend writes.
const historyCommentBuildKit = "buildkit.dockerfile."

// dockerfileKeywords are the instructions a created_by may start with.
var dockerfileKeywords = map[string]bool{
	"FROM": true, "RUN": true, "COPY": true, "ADD": true, "ENV": true, "LABEL": true, "CMD": true,
	"ENTRYPOINT": true, "EXPOSE": true, "WORKDIR": true, "USER": true, "VOLUME": true, "ARG": true,
	"HEALTHCHECK": true, "SHELL": true, "STOPSIGNAL": true, "ONBUILD": true, "MAINTAINER": true,
}

// keywordMakesNoFiles reports whether an instruction only changes the config. WORKDIR is not one:
// both builders may create the directory, and BuildKit then commits a layer for it.
func keywordMakesNoFiles(kw string) bool {
	switch kw {
	case "RUN", "COPY", "ADD", "WORKDIR", KeywordComment, "":
		return false
	}
	return true
}

// ParseCreatedBy reads one history created_by, as written by the classic builder
// ("/bin/sh -c #(nop)  CMD [\"bash\"]", "|1 A=b /bin/sh -c make"), by BuildKit
// ("RUN /bin/sh -c make # buildkit", "EXPOSE map[80/tcp:{}]") or by other tools, into an
// Instruction with Keyword, Args, BuildKit, BuildArgs, Note and Raw set. History and Layer are -1.
// An empty created_by gives Keyword "".
//
// created_by is evidence: whatever it holds, ParseCreatedBy returns; a parser failure gives a
// comment line saying so.
func ParseCreatedBy(createdBy string) (in Instruction) {
	defer func() {
		if v := recover(); v != nil {
			in = Instruction{Keyword: KeywordComment, Args: "created_by could not be parsed", History: -1, Layer: -1,
				Raw: createdBy, Note: fmt.Sprintf("parser failure: %v", v)}
		}
	}()
	in = Instruction{History: -1, Layer: -1, Raw: createdBy}
	s := strings.TrimSpace(createdBy)
	if s == "" {
		return in
	}
	if rest, ok := strings.CutSuffix(s, "# buildkit"); ok {
		in.BuildKit = true
		s = strings.TrimSpace(rest)
	}
	if kw, rest, ok := cutKeyword(s); ok {
		if kw == "RUN" {
			parseRunBody(&in, rest)
		} else {
			in.Keyword = kw
			in.Args = normalizeInstructionArgs(&in, kw, rest)
		}
	} else if strings.HasPrefix(s, "|") {
		// Classic builder RUN with build args: "|1 A=b /bin/sh -c make".
		parseRunBody(&in, s)
	} else if cmd, ok := cutShell(s); ok {
		if nop, ok := strings.CutPrefix(cmd, "#(nop)"); ok {
			parseNop(&in, strings.TrimSpace(nop))
		} else {
			in.Keyword = "RUN"
			in.Args = runArgs(cmd)
		}
	} else if c, ok := strings.CutPrefix(s, "#"); ok {
		in.Keyword = KeywordComment
		in.Args = strings.TrimSpace(c)
	} else {
		in.Keyword = "RUN"
		in.Args = runArgs(s)
		in.Note = "created_by names no shell: an exec-form RUN, or a step written by another tool"
	}
	if in.Keyword != "RUN" && strings.ContainsAny(in.Args, "\r\n") {
		in.Args = strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(in.Args)
		in.Note = joinNote(in.Note, `created_by held line breaks, shown as \n`)
	}
	in.Args = escapeControl(in.Args)
	return in
}

// cutKeyword splits "KEYWORD rest" when KEYWORD is a Dockerfile instruction, as BuildKit writes them.
func cutKeyword(s string) (kw, rest string, ok bool) {
	word, rest, _ := strings.Cut(s, " ")
	if !dockerfileKeywords[word] {
		return "", "", false
	}
	return word, strings.TrimSpace(rest), true
}

// parseNop reads the metadata instruction the classic builder records after "#(nop)".
func parseNop(in *Instruction, s string) {
	kw, rest, ok := cutKeyword(s)
	if !ok {
		in.Keyword = KeywordComment
		in.Args = "#(nop) " + s
		in.Note = "unknown metadata instruction"
		return
	}
	if kw == "RUN" {
		parseRunBody(in, rest)
		return
	}
	in.Keyword = kw
	in.Args = normalizeInstructionArgs(in, kw, rest)
}

// parseRunBody reads what follows RUN: an optional build-argument prefix, then the shell and the
// command, or an exec-form command line.
func parseRunBody(in *Instruction, body string) {
	in.Keyword = "RUN"
	// Flags (--mount=, --network=) are not recorded by today's builders; keep any that are.
	var flags string
	for strings.HasPrefix(body, "--") {
		flag, rest, _ := strings.Cut(body, " ")
		flags += flag + " "
		body = rest
	}
	args, rest := cutBuildArgs(body)
	in.BuildArgs = args
	switch cmd, ok := cutShell(rest); {
	case strings.HasPrefix(rest, "["):
		in.Args = flags + rest // already a JSON exec form
	case ok:
		in.Args = flags + runArgs(cmd)
	default:
		in.Args = flags + runArgs(rest)
	}
}

// runArgs renders a shell command as RUN arguments. BuildKit records a heredoc as its body (a
// simple one) or as the command line followed by the document (one the shell reads itself);
// the second is valid Dockerfile as it stands, the first is wrapped in a heredoc again.
func runArgs(cmd string) string {
	if !strings.Contains(cmd, "\n") || strings.Contains(cmd, "<<") {
		return cmd
	}
	delim := "EOF"
	for n := 2; containsLine(cmd, delim); n++ {
		delim = "EOF" + strconv.Itoa(n)
	}
	if !strings.HasSuffix(cmd, "\n") {
		cmd += "\n"
	}
	return "<<" + delim + "\n" + cmd + delim
}

func containsLine(s, line string) bool {
	for l := range strings.SplitSeq(s, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

// shellNames are the programs builders run commands with.
var shellNames = map[string]bool{
	"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true,
	"cmd": true, "cmd.exe": true, "powershell": true, "powershell.exe": true, "pwsh": true,
}

// isShellToken reports whether tok names a shell program ("/bin/sh", "cmd", "/usr/bin/bash").
func isShellToken(tok string) bool {
	base := tok[strings.LastIndexAny(tok, `/\`)+1:]
	return shellNames[strings.ToLower(base)]
}

// isCommandFlag reports whether tok is the option after which a shell takes its command:
// -c (alone or ending a group such as -ec), /C or /S /C for cmd, -Command for PowerShell.
func isCommandFlag(tok string) bool {
	switch strings.ToLower(tok) {
	case "/c", "-command":
		return true
	}
	if len(tok) >= 2 && tok[0] == '-' && tok[len(tok)-1] == 'c' {
		return strings.IndexFunc(tok[1:], func(r rune) bool { return r < 'a' || r > 'z' }) < 0
	}
	return false
}

// cutShell strips a leading shell invocation ("/bin/sh -c ", "/bin/bash -o pipefail -c ",
// "cmd /S /C ") and returns the command exactly as it followed, spaces kept.
func cutShell(s string) (cmd string, ok bool) {
	first, rest, found := strings.Cut(s, " ")
	if !found || !isShellToken(first) {
		return "", false
	}
	prev := ""
	for range 6 { // a shell takes only a few options before its command
		tok, after, found := strings.Cut(rest, " ")
		if isCommandFlag(tok) {
			if !found {
				return "", true
			}
			return after, true
		}
		// Options start with - or / (cmd's /S); "-o pipefail" takes a word.
		option := strings.HasPrefix(tok, "-") || strings.HasPrefix(tok, "/") || prev == "-o" || prev == "+o"
		if !found || tok == "" || !option {
			return "", false
		}
		prev, rest = tok, after
	}
	return "", false
}

// cutBuildArgs strips the "|N KEY=VAL ..." prefix both builders put before a RUN that had build
// arguments in scope. Values are recorded unquoted, so a value with spaces is rebuilt up to the
// shell that follows; N can exceed the pairs written, so pairs end at the first other token.
func cutBuildArgs(body string) (args []string, rest string) {
	if !strings.HasPrefix(body, "|") {
		return nil, body
	}
	head, tail, _ := strings.Cut(body[1:], " ")
	n, err := strconv.Atoi(head)
	if err != nil || n < 0 {
		return nil, body
	}
	toks := strings.Split(tail, " ")
	shellLater := func(i int) bool {
		for _, t := range toks[i:] {
			if isShellToken(t) {
				return true
			}
		}
		return false
	}
	i := 0
	for ; i < len(toks); i++ {
		tok := toks[i]
		if isShellToken(tok) {
			break
		}
		if len(args) < n && isAssignment(tok) {
			args = append(args, tok)
			continue
		}
		if len(args) > 0 && shellLater(i+1) {
			args[len(args)-1] += " " + tok
			continue
		}
		break
	}
	return args, strings.Join(toks[i:], " ")
}

// isAssignment reports whether tok starts a KEY=VALUE pair.
func isAssignment(tok string) bool {
	key, _, ok := strings.Cut(tok, "=")
	if !ok || key == "" {
		return false
	}
	return strings.IndexFunc(key, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' || r == '-' || r == '/')
	}) < 0
}

// normalizeInstructionArgs turns the arguments a builder recorded into what a Dockerfile holds.
func normalizeInstructionArgs(in *Instruction, kw, s string) string {
	switch kw {
	case "EXPOSE":
		return exposeArgs(s)
	case "CMD", "ENTRYPOINT":
		if elems, ok := parseGoStrings(s); ok {
			return jsonList(elems)
		}
	case "SHELL":
		if elems, ok := parseGoStrings(s); ok {
			return jsonList(elems)
		}
	case "VOLUME":
		if elems, ok := parseGoStrings(s); ok && !strings.Contains(s, `"`) {
			return strings.Join(elems, " ")
		}
	case "HEALTHCHECK":
		if hc, ok := healthcheckArgs(s); ok {
			return hc
		}
		if strings.HasPrefix(s, "&{") {
			in.Note = joinNote(in.Note, "healthcheck not understood; shown as recorded")
		}
	case "ENV", "LABEL", "ARG":
		return pairArgs(kw, s)
	case "ADD", "COPY":
		return classicCopyArgs(s)
	}
	return s
}

// exposeArgs reads "map[22/tcp:{} 8080/tcp:{}]" (a Go map of ports) into "22/tcp 8080/tcp".
// Newer classic builders already write the ports plainly.
func exposeArgs(s string) string {
	inner, ok := strings.CutPrefix(s, "map[")
	if !ok || !strings.HasSuffix(inner, "]") {
		return s
	}
	var ports []string
	for _, f := range strings.Fields(strings.TrimSuffix(inner, "]")) {
		ports = append(ports, strings.TrimSuffix(f, ":{}"))
	}
	return strings.Join(ports, " ")
}

// parseGoStrings reads a Go-formatted string slice: `["a" "b c"]` (%q) or `[a b]` (%v).
func parseGoStrings(s string) ([]string, bool) {
	elems, rest, ok := cutGoStrings(s)
	return elems, ok && strings.TrimSpace(rest) == ""
}

// cutGoStrings reads a Go-formatted string slice at the start of s and returns what follows it.
func cutGoStrings(s string) (elems []string, rest string, ok bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") {
		return nil, s, false
	}
	s = s[1:]
	elems = []string{}
	for {
		s = strings.TrimLeft(s, " ,")
		switch {
		case s == "":
			return nil, "", false
		case s[0] == ']':
			return elems, s[1:], true
		case s[0] == '"':
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, "", false
			}
			v, err := strconv.Unquote(q)
			if err != nil {
				return nil, "", false
			}
			elems = append(elems, v)
			s = s[len(q):]
		default:
			end := strings.IndexAny(s, " ]")
			if end < 0 {
				return nil, "", false
			}
			elems = append(elems, s[:end])
			s = s[end:]
		}
	}
}

// jsonList renders elems as a Dockerfile JSON array: ["a", "b"].
func jsonList(elems []string) string {
	parts := make([]string, len(elems))
	for i, e := range elems {
		parts[i] = jsonString(e)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return strconv.Quote(s)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// healthcheckArgs reads Docker's HealthConfig as formatted with %q:
// `&{["CMD-SHELL" "curl -f http://localhost/"] "30s" "3s" "0s" '\x03'}`, with a fourth duration
// (start interval) in newer versions, and writes the HEALTHCHECK flags and command.
func healthcheckArgs(s string) (string, bool) {
	inner, ok := strings.CutPrefix(s, "&{")
	if !ok || !strings.HasSuffix(inner, "}") {
		return "", false
	}
	test, rest, ok := cutGoStrings(strings.TrimSuffix(inner, "}"))
	if !ok {
		return "", false
	}
	var durations []string
	retries := 0
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return "", false
		}
		v, err := strconv.Unquote(q)
		if err != nil {
			return "", false
		}
		rest = rest[len(q):]
		if q[0] == '\'' {
			r := []rune(v)
			if len(r) != 1 {
				return "", false
			}
			retries = int(r[0])
			continue
		}
		durations = append(durations, v)
	}
	if len(test) == 0 || test[0] == "NONE" {
		return "NONE", true
	}
	var b strings.Builder
	for i, flag := range []string{"--interval", "--timeout", "--start-period", "--start-interval"} {
		if i < len(durations) && durations[i] != "0s" && durations[i] != "" {
			if _, err := time.ParseDuration(durations[i]); err != nil {
				return "", false
			}
			fmt.Fprintf(&b, "%s=%s ", flag, durations[i])
		}
	}
	if retries > 0 {
		fmt.Fprintf(&b, "--retries=%d ", retries)
	}
	switch test[0] {
	case "CMD-SHELL":
		b.WriteString("CMD " + strings.Join(test[1:], " "))
	case "CMD":
		b.WriteString("CMD " + jsonList(test[1:]))
	default:
		return "", false
	}
	return b.String(), true
}

// pairArgs re-quotes KEY=VALUE pairs: builders record values unquoted, so a value with spaces is
// rebuilt from the words up to the next pair. ARG names without a value stand alone; the legacy
// "ENV KEY value" form is kept as it is.
func pairArgs(kw, s string) string {
	toks := strings.Split(s, " ")
	if len(toks) == 0 || !isAssignment(toks[0]) {
		return s
	}
	var pairs []string
	for _, tok := range toks {
		switch {
		case isAssignment(tok):
			pairs = append(pairs, tok)
		case kw == "ARG" && tok != "":
			pairs = append(pairs, tok)
		default:
			pairs[len(pairs)-1] += " " + tok
		}
	}
	for i, p := range pairs {
		key, value, ok := strings.Cut(p, "=")
		if ok && strings.ContainsAny(value, " \t\"'\\$") {
			pairs[i] = key + "=" + dockerfileQuote(value)
		}
	}
	return strings.Join(pairs, " ")
}

// dockerfileQuote double-quotes a value so that a Dockerfile reads it back literally: history
// holds values after expansion, so "$" must not expand again.
func dockerfileQuote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`).Replace(v) + `"`
}

// classicCopyArgs reads the classic builder's "file:<hex> in /dest " (also dir:, multi:, with
// flags such as --chown= before the source) into "file:<hex> /dest". BuildKit's "src /dest"
// is returned as it is.
// gluedSource finds a classic-builder source glued to the flag before it: Docker 20.10 writes
// "COPY --chown=1000:1000file:<hex> in /dest" with no space.
var gluedSource = regexp.MustCompile(`(--[a-z-]+=\S*?)((?:file|dir|multi):[0-9a-f]{64})`)

func classicCopyArgs(s string) string {
	s = gluedSource.ReplaceAllString(s, "$1 $2")
	src, dest, ok := strings.Cut(s, " in ")
	if !ok {
		return s
	}
	fields := strings.Fields(src)
	if len(fields) == 0 {
		return s
	}
	last := fields[len(fields)-1]
	kind, _, _ := strings.Cut(last, ":")
	switch kind {
	case "file", "dir", "multi":
	default:
		if !strings.Contains(last, "://") {
			return s
		}
	}
	for _, f := range fields[:len(fields)-1] {
		if !strings.HasPrefix(f, "--") {
			return s
		}
	}
	return strings.Join(fields, " ") + " " + strings.TrimSpace(dest)
}

// escapeControl shows control characters other than newline and tab as escapes, so that a
// hostile created_by cannot drive a terminal.
func escapeControl(s string) string {
	if strings.IndexFunc(s, isHostileControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isHostileControl(r) {
			fmt.Fprintf(&b, `\x%02x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isHostileControl(r rune) bool {
	return r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0))
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// ReconstructDockerfile rebuilds a Dockerfile from img's history and checks each line against
// the layers, using the alignment in History.Layer and Layer.History. Layers no step accounts
// for appear as comment blocks in their place; config values no step set (ENV, ENTRYPOINT, CMD,
// USER) as unverified lines at the end. topPaths, when not nil, gives the top paths a layer
// added. CheckLayers then checks each line against what its layer holds.
//
// The history is evidence: a failure while reading it ends the reconstruction with a note
// saying so, and what was reconstructed until then is returned.
func ReconstructDockerfile(img *Image, topPaths func(layer int) []string) (d *Dockerfile) {
	d = &Dockerfile{}
	if img == nil {
		return d
	}
	defer func() {
		if v := recover(); v != nil {
			d.Notes = append(d.Notes, fmt.Sprintf("the reconstruction stopped: reading the history failed: %v", v))
		}
	}()
	r := dockerfileReconstruction{img: img, topPaths: topPaths, d: d, lastLayer: -1}
	r.run()
	return d
}

// dockerfileReconstruction holds the state of one ReconstructDockerfile call.
type dockerfileReconstruction struct {
	img       *Image
	topPaths  func(int) []string
	d         *Dockerfile
	claimedBy []int  // layer -> the first step aligned to it, -1 none
	emitted   []bool // layer -> already shown
	lastLayer int
}

func (r *dockerfileReconstruction) run() {
	img := r.img
	r.claimedBy = make([]int, len(img.Layers))
	r.emitted = make([]bool, len(img.Layers))
	for i := range r.claimedBy {
		r.claimedBy[i] = -1
	}
	layerSteps := 0
	for i, h := range img.History {
		if !h.EmptyLayer {
			layerSteps++
		}
		if h.Layer >= 0 && h.Layer < len(img.Layers) && r.claimedBy[h.Layer] < 0 {
			r.claimedBy[h.Layer] = i
		}
	}

	r.add(Instruction{Keyword: "FROM", Args: "scratch", History: -1, Layer: -1})
	boundaries := 0
	for i := range img.History {
		in := r.step(i)
		r.flushOrphansBefore(in.Layer)
		r.add(in)
		if r.endsBaseImage(i, in) {
			boundaries++
			r.add(Instruction{Keyword: KeywordComment, History: -1, Layer: -1,
				Args: "---- end of a base image (guessed: CMD or ENTRYPOINT followed by more steps); " +
					"the Dockerfile below began FROM it ----"})
		}
	}
	r.flushOrphansBefore(len(img.Layers))
	if img.Input.Format != "dir" {
		r.checkConfig()
	}

	r.notes(layerSteps, boundaries)
}

// step reads history line i and checks it against the layers.
func (r *dockerfileReconstruction) step(i int) Instruction {
	h := r.img.History[i]
	in := ParseCreatedBy(h.CreatedBy)
	in.History = i
	in.Created = h.Created
	if strings.HasPrefix(h.Comment, historyCommentBuildKit) {
		in.BuildKit = true
	} else if h.Comment != "" {
		in.Note = joinNote(in.Note, "history comment: "+strconv.Quote(h.Comment))
	}

	n := len(r.img.Layers)
	if h.Layer >= n || h.Layer < -1 {
		in.Unverified = fmt.Sprintf("step names layer %d, but the image has %d layers", h.Layer, n)
		in.Layer = -1
	} else if h.Layer >= 0 {
		in.Layer = h.Layer
		in.LayerSize = r.img.Layers[h.Layer].UncompressedSize
		if r.topPaths != nil {
			in.TopPaths = r.topPaths(h.Layer)
		}
	}

	makesLayer := !h.EmptyLayer
	if in.Keyword == "" {
		if makesLayer || in.Layer >= 0 {
			in.Keyword, in.Args = "ADD", "<unknown> /"
			in.Note = joinNote("the history line has no command", in.Note)
		} else {
			in.Keyword, in.Args = KeywordComment, "(empty history line)"
		}
	}

	if in.Unverified != "" {
		return in
	}
	switch {
	case in.Layer >= 0 && r.claimedBy[in.Layer] != i:
		in.Unverified = fmt.Sprintf("layer %d is already aligned to step %d", in.Layer, r.claimedBy[in.Layer])
	case in.Layer >= 0 && r.img.Layers[in.Layer].History != i:
		in.Unverified = fmt.Sprintf("layer %d names step %d as its maker, not this one", in.Layer, r.img.Layers[in.Layer].History)
	case in.Layer >= 0 && in.Layer < r.lastLayer:
		in.Unverified = fmt.Sprintf("layer %d comes before layer %d of an earlier step: history and layers are out of order", in.Layer, r.lastLayer)
	case makesLayer && in.Layer < 0:
		in.Unverified = "step should have made a layer but none is aligned to it"
	case !makesLayer && in.Layer >= 0:
		in.Unverified = fmt.Sprintf("step is marked empty_layer but layer %d is aligned to it", in.Layer)
	case in.Layer >= 0 && keywordMakesNoFiles(in.Keyword):
		l := r.img.Layers[in.Layer]
		if l.UncompressedSize > 0 && l.Files == 0 {
			in.Note = joinNote(in.Note, in.Keyword+" made an empty layer, as old builders did")
		} else {
			in.Unverified = fmt.Sprintf("%s never changes files, yet layer %d is aligned to it", in.Keyword, in.Layer)
		}
	case !makesLayer && (in.Keyword == "RUN" || in.Keyword == "COPY" || in.Keyword == "ADD"):
		// BuildKit drops empty diffs and marks their steps empty; it is how a no-op step looks.
		in.Note = joinNote(in.Note, "marked empty_layer: the step changed no files")
	}
	if in.Layer > r.lastLayer {
		r.lastLayer = in.Layer
	}
	return in
}

// flushOrphansBefore shows, in order, the layers below limit that no step accounts for.
func (r *dockerfileReconstruction) flushOrphansBefore(limit int) {
	if limit < 0 {
		return
	}
	for k := 0; k < limit && k < len(r.img.Layers); k++ {
		if r.emitted[k] || r.claimedBy[k] >= 0 {
			continue
		}
		r.emitted[k] = true
		l := r.img.Layers[k]
		in := Instruction{Keyword: KeywordComment, History: -1, Layer: k, LayerSize: l.UncompressedSize}
		if r.topPaths != nil {
			in.TopPaths = r.topPaths(k)
		}
		switch h := l.History; {
		case h < 0:
			in.Args = fmt.Sprintf("layer %d (no history line)", k)
			in.Unverified = fmt.Sprintf("layer %d has no history line", k)
		case h >= len(r.img.History):
			in.Args = fmt.Sprintf("layer %d (no history line)", k)
			in.Unverified = fmt.Sprintf("layer %d names step %d, which does not exist", k, h)
		default:
			in.Args = fmt.Sprintf("layer %d (no history line aligned to it)", k)
			in.Unverified = fmt.Sprintf("layer %d names step %d, which is not aligned to it", k, h)
		}
		if prev := r.lastStepWithoutLayer(); prev >= 0 {
			in.Note = fmt.Sprintf("perhaps made by step %d above, which should have made a layer and has none", prev)
		}
		r.add(in)
	}
}

// lastStepWithoutLayer returns the history index of the nearest step above, past empty steps and
// comments, when it should have made a layer and has none; -1 otherwise.
func (r *dockerfileReconstruction) lastStepWithoutLayer() int {
	for i := len(r.d.Instructions) - 1; i >= 0; i-- {
		in := r.d.Instructions[i]
		switch {
		case in.Layer >= 0:
			return -1
		case in.History < 0:
			if in.Keyword != KeywordComment {
				return -1 // FROM
			}
		case !r.img.History[in.History].EmptyLayer:
			return in.History
		}
	}
	return -1
}

// endsBaseImage guesses whether step i closes a base image: a Dockerfile rarely sets CMD or
// ENTRYPOINT and then goes on making layers, but an image built FROM another shows exactly that.
func (r *dockerfileReconstruction) endsBaseImage(i int, in Instruction) bool {
	if in.Keyword != "CMD" && in.Keyword != "ENTRYPOINT" {
		return false
	}
	if i+1 < len(r.img.History) {
		if next := ParseCreatedBy(r.img.History[i+1].CreatedBy).Keyword; next == "CMD" || next == "ENTRYPOINT" {
			return false // the boundary comes after the last of ENTRYPOINT and CMD
		}
	}
	for _, h := range r.img.History[i+1:] {
		if !h.EmptyLayer || h.Layer >= 0 {
			return true
		}
	}
	return false
}

func (r *dockerfileReconstruction) add(in Instruction) {
	if in.Layer >= 0 {
		r.emitted[in.Layer] = true
	}
	r.d.Instructions = append(r.d.Instructions, in)
}

// notes adds what concerns the whole history.
func (r *dockerfileReconstruction) notes(layerSteps, boundaries int) {
	img, d := r.img, r.d
	if len(img.History) == 0 {
		d.Notes = append(d.Notes, "the image has no history: nothing about how it was built is recorded")
	}
	if layerSteps != len(img.Layers) {
		d.Notes = append(d.Notes, fmt.Sprintf("history has %d steps that made layers (empty_layer false) but the image has %d layers",
			layerSteps, len(img.Layers)))
	}
	orphans := 0
	for _, in := range d.Instructions {
		if in.Keyword == KeywordComment && in.History < 0 && in.Layer >= 0 {
			orphans++
		}
	}
	if orphans == 1 {
		d.Notes = append(d.Notes, "1 layer has no history line: nothing records what made it")
	} else if orphans > 1 {
		d.Notes = append(d.Notes, fmt.Sprintf("%d layers have no history line: nothing records what made them", orphans))
	}
	d.noteUnverified()

	if boundaries > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("the history begins with %s, shown step by step from FROM scratch: "+
			"a base image cannot be named offline unless its tags are known", countOf(boundaries, "base image", "base images")))
	} else {
		d.Notes = append(d.Notes, "FROM scratch stands for whatever the first layers came from: a base image cannot be named offline unless its tags are known")
	}
	for _, in := range d.Instructions {
		if in.History < 0 || (in.Layer < 0 && img.History[in.History].EmptyLayer) {
			continue
		}
		if !startsRootFS(in) {
			d.Notes = append(d.Notes, fmt.Sprintf("the first layer-making step (%s) does not fill /: earlier history may be missing (squashed or rewritten)", in.Keyword))
		}
		break
	}

	seen := map[string]bool{}
	for _, in := range d.Instructions {
		if in.Keyword != "COPY" && in.Keyword != "ADD" {
			continue
		}
		for _, f := range strings.Fields(in.Args) {
			from, ok := strings.CutPrefix(f, "--from=")
			if !ok || seen[from] {
				continue
			}
			seen[from] = true
			d.Notes = append(d.Notes, fmt.Sprintf("COPY --from=%s copies from a build stage or image that is not in this history; its steps are lost", from))
		}
	}
}

// unverifiedNote ends the note that counts the unverified lines.
const unverifiedNote = " UNVERIFIED: history, layers and config disagree there"

// noteUnverified puts the note that counts the unverified lines where the notes about the
// history's shape end (replacing an earlier count).
func (d *Dockerfile) noteUnverified() {
	n := 0
	for _, in := range d.Instructions {
		if in.Unverified != "" {
			n++
		}
	}
	at := -1
	for i, note := range d.Notes {
		if strings.HasSuffix(note, unverifiedNote) {
			at = i
		}
	}
	note := countOf(n, "line is", "lines are") + unverifiedNote
	switch {
	case at >= 0 && n > 0:
		d.Notes[at] = note
	case at >= 0:
		d.Notes = slices.Delete(d.Notes, at, at+1)
	case n > 0:
		d.Notes = append(d.Notes, note)
	}
}

// countOf renders n with the singular or plural phrase: "1 layer has", "2 layers have".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// startsRootFS reports whether in looks like the step that laid down a root filesystem.
func startsRootFS(in Instruction) bool {
	switch in.Keyword {
	case "ADD", "COPY":
		return in.Args == "/" || strings.HasSuffix(in.Args, " /")
	case KeywordComment:
		return true // "# debian.sh ...", "Imported from -": a rootfs from elsewhere
	}
	return false
}

// String renders the instruction as a Dockerfile line ("RUN make", "# a comment").
func (in Instruction) String() string {
	if in.Args == "" {
		return in.Keyword
	}
	if in.Keyword == KeywordComment {
		return "# " + strings.ReplaceAll(in.Args, "\n", "\n# ")
	}
	return in.Keyword + " " + in.Args
}

// isOrphanLayer reports whether in stands for a layer no history line accounts for.
func (in Instruction) isOrphanLayer() bool {
	return in.Keyword == KeywordComment && in.History < 0 && in.Layer >= 0
}

// String renders the Dockerfile: the notes, then each instruction preceded by a comment saying
// which layer it made (size and top paths), or that it made none, and why it is unverified.
func (d *Dockerfile) String() string {
	var b strings.Builder
	for _, n := range d.Notes {
		b.WriteString("# NOTE: " + commentText(n) + "\n")
	}
	for _, in := range d.Instructions {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		synthesized := in.History < 0 && in.Layer < 0
		if !synthesized {
			b.WriteString("# " + in.layerSummary() + "\n")
		}
		if in.Unverified != "" {
			b.WriteString("# UNVERIFIED: " + commentText(in.Unverified) + "\n")
		}
		if in.Note != "" {
			b.WriteString("# note: " + commentText(in.Note) + "\n")
		}
		if len(in.BuildArgs) > 0 {
			b.WriteString("# build args: " + commentText(strings.Join(in.BuildArgs, " ")) + "\n")
		}
		if !in.isOrphanLayer() {
			b.WriteString(in.String() + "\n")
		}
	}
	return b.String()
}

// layerSummary is the comment above an instruction: "layer 2 · 14.2 MB · +/app, /etc".
func (in Instruction) layerSummary() string {
	if in.Layer < 0 {
		return "no layer"
	}
	s := fmt.Sprintf("layer %d", in.Layer)
	if in.isOrphanLayer() {
		s = in.Args
	}
	if in.LayerSize > 0 {
		s += " · " + human.Size(in.LayerSize)
	}
	if len(in.TopPaths) > 0 {
		s += " · +" + strings.Join(in.TopPaths, ", ")
	}
	return commentText(s)
}

// commentText keeps text on one comment line.
func commentText(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}
