package forensics

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
)

// CheckLayers marks the lines whose layers hold what their instruction cannot explain: a COPY
// of one file whose layer brought several, files outside a COPY or ADD destination, a layer
// that removed files under a COPY, and a RUN that only changes metadata (chmod, chown, mkdir,
// ln, rm, touch) whose layer changed files' content, or that places files with install, cp or
// mv whose layer brought files elsewhere. tree is the image's stacked filesystem
// (Stack of its layer trees). A line already unverified keeps its first reason.
//
// The history is evidence: a failure while checking it stops the checks with a note saying so.
func (d *Dockerfile) CheckLayers(tree *Tree) {
	if d == nil || tree == nil {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			d.Notes = append(d.Notes, fmt.Sprintf("checking the lines against their layers stopped: %v", v))
		}
	}()
	acts := layerActions(tree)
	for i := range d.Instructions {
		in := &d.Instructions[i]
		if in.Layer < 0 || in.Unverified != "" || in.History < 0 {
			continue
		}
		la := acts[in.Layer]
		var why string
		switch in.Keyword {
		case "COPY", "ADD":
			why = checkCopy(in, la)
		case "RUN":
			why = checkRun(in, la)
		}
		if why != "" {
			in.Unverified = why
		}
	}
	d.noteUnverified()
}

// fileAction is one thing a layer did to a path that is not a directory.
type fileAction struct {
	path    string
	change  Change
	typ     EntryType
	sha256  string
	content bool // a regular file whose bytes differ from the version below (or that is new)
}

// layerActions lists, per layer, what each layer did to paths other than directories.
func layerActions(tree *Tree) map[int][]fileAction {
	acts := map[int][]fileAction{}
	tree.Walk("/", func(n *Node) bool {
		var below *Entry
		for _, ev := range n.Events() {
			switch ev.Change {
			case ChangeRemoved:
				acts[ev.Layer] = append(acts[ev.Layer], fileAction{path: n.Path(), change: ChangeRemoved})
				below = nil
				continue
			case ChangeAdded, ChangeModified:
			default:
				below = ev.Entry
				continue
			}
			e := ev.Entry
			if e != nil && e.Type != TypeDir {
				a := fileAction{path: n.Path(), change: ev.Change, typ: e.Type, sha256: e.SHA256()}
				a.content = e.Type == TypeFile && (below == nil || below.Type != TypeFile || below.SHA256() != e.SHA256())
				acts[ev.Layer] = append(acts[ev.Layer], a)
			}
			below = e
		}
		return true
	})
	for l := range acts {
		sort.Slice(acts[l], func(i, j int) bool { return acts[l][i].path < acts[l][j].path })
	}
	return acts
}

// copySource splits COPY/ADD arguments, as the reconstruction renders them, into flags, sources
// and the destination. ok is false for a JSON form or anything else it cannot read.
func copySource(args string) (sources []string, dest string, ok bool) {
	fields := strings.Fields(args)
	for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
		fields = fields[1:]
	}
	if len(fields) < 2 || strings.HasPrefix(fields[0], "[") {
		return nil, "", false
	}
	return fields[:len(fields)-1], fields[len(fields)-1], true
}

// under reports whether p is dest or below it.
func under(p, dest string) bool {
	dest = path.Clean("/" + dest)
	return dest == "/" || p == dest || strings.HasPrefix(p, dest+"/")
}

// listPaths names up to four paths and how many more there are.
func listPaths(as []fileAction) string {
	var ps []string
	for i, a := range as {
		if i == 4 {
			ps = append(ps, fmt.Sprintf("and %d more", len(as)-4))
			break
		}
		ps = append(ps, a.path)
	}
	return strings.Join(ps, ", ")
}

func checkCopy(in *Instruction, acts []fileAction) string {
	sources, dest, ok := copySource(in.Args)
	if !ok {
		return ""
	}
	var removed, placed, outside []fileAction
	for _, a := range acts {
		switch {
		case a.change == ChangeRemoved:
			removed = append(removed, a)
		default:
			placed = append(placed, a)
			if !under(a.path, dest) {
				outside = append(outside, a)
			}
		}
	}
	if len(removed) > 0 {
		return fmt.Sprintf("%s only adds files, yet layer %d removed %s", in.Keyword, in.Layer, listPaths(removed))
	}
	if len(outside) > 0 {
		return fmt.Sprintf("layer %d holds %s, outside the %s destination %s", in.Layer, listPaths(outside), in.Keyword, dest)
	}
	if in.Keyword != "COPY" || len(sources) != 1 || len(placed) < 2 {
		return ""
	}
	// The classic builder names a single copied file "file:<hash>" (ADD extracts a local tar
	// archive given that way, so only COPY promises one file). BuildKit names the source: it
	// was one file when the layer holds it where a file would land (the destination itself, or
	// the source's name inside it), since a directory's contents are copied, not the directory.
	src := sources[0]
	switch {
	case strings.HasPrefix(src, "file:"):
		return fmt.Sprintf("COPY of one file, yet layer %d brought %d files: %s", in.Layer, len(placed), listPaths(placed))
	case strings.ContainsAny(src, "*?[") || strings.Contains(src, ":") || strings.HasSuffix(src, "/"):
		return ""
	}
	landed := []string{path.Clean("/" + dest), path.Join("/", dest, path.Base(src))}
	for _, a := range placed {
		if a.typ == TypeFile && slices.Contains(landed, a.path) {
			var others []fileAction
			for _, b := range placed {
				if b.path != a.path {
					others = append(others, b)
				}
			}
			return fmt.Sprintf("COPY %s copies one file (%s), yet layer %d also brought %s", src, a.path, in.Layer, listPaths(others))
		}
	}
	return ""
}

// metadataCommands change files' metadata, make directories or links, or remove paths, but
// never write a file's content (touch only makes empty files).
var metadataCommands = map[string]bool{
	"chmod": true, "chown": true, "chgrp": true, "mkdir": true, "ln": true, "rm": true, "rmdir": true,
	"touch": true, "true": true, ":": true, "set": true,
}

// metadataOnly reports whether a RUN's shell command consists only of metadata commands
// joined by &&, || or ;, with no redirection, substitution, pipe or heredoc that could write.
func metadataOnly(cmd string) bool {
	if strings.ContainsAny(cmd, "><|`$\n(){}") {
		return false
	}
	seps := strings.NewReplacer("&&", ";", "||", ";")
	parts := strings.Split(seps.Replace(cmd), ";")
	n := 0
	for _, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		if !metadataCommands[path.Base(f[0])] || strings.Contains(p, "&") {
			return false
		}
		n++
	}
	return n > 0
}

// placingCommands write files only where their arguments say: the last operand (or -t DIR)
// of install, cp and mv, each with the options that take a value.
var placingCommands = map[string]map[string]bool{
	"install": {"-m": true, "--mode": true, "-o": true, "--owner": true, "-g": true, "--group": true, "-S": true, "--suffix": true, "-t": true, "--target-directory": true},
	"cp":      {"-t": true, "--target-directory": true, "-S": true, "--suffix": true},
	"mv":      {"-t": true, "--target-directory": true, "-S": true, "--suffix": true},
}

// placedPaths reads a RUN's shell command made only of metadata commands and install, cp or
// mv with absolute destinations, joined by &&, || or ;, with nothing that could write
// elsewhere (no redirection, substitution, pipe, variable or glob), and returns where it can
// put files. ok is false for anything else.
func placedPaths(cmd string) (dests []string, ok bool) {
	if strings.ContainsAny(cmd, "><|`$\n(){}*?[\\'\"") {
		return nil, false
	}
	parts := strings.Split(strings.NewReplacer("&&", ";", "||", ";").Replace(cmd), ";")
	for _, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		name := path.Base(f[0])
		if strings.Contains(p, "&") {
			return nil, false
		}
		if metadataCommands[name] {
			continue
		}
		valued, placing := placingCommands[name]
		if !placing {
			return nil, false
		}
		var operands []string
		target, directoriesOnly := "", false
		for i := 1; i < len(f); i++ {
			a := f[i]
			switch {
			case a == "-d" || a == "--directory":
				directoriesOnly = name == "install"
			case strings.HasPrefix(a, "--target-directory="):
				target = strings.TrimPrefix(a, "--target-directory=")
			case valued[a] && i+1 < len(f):
				if a == "-t" || a == "--target-directory" {
					target = f[i+1]
				}
				i++
			case strings.HasPrefix(a, "-") && len(a) > 1:
			default:
				operands = append(operands, a)
			}
		}
		switch {
		case directoriesOnly:
			// install -d makes directories and writes no file.
		case target != "":
			dests = append(dests, target)
		case len(operands) >= 2:
			dests = append(dests, operands[len(operands)-1])
		default:
			return nil, false
		}
	}
	for _, d := range dests {
		if !strings.HasPrefix(d, "/") {
			return nil, false // relative to a WORKDIR this check does not follow
		}
	}
	return dests, len(dests) > 0
}

func checkRun(in *Instruction, acts []fileAction) string {
	if strings.HasPrefix(in.Args, "[") || strings.HasPrefix(in.Args, "<<") {
		return ""
	}
	if dests, ok := placedPaths(in.Args); ok {
		var elsewhere []fileAction
		for _, a := range acts {
			if a.change != ChangeRemoved && !slices.ContainsFunc(dests, func(d string) bool { return under(a.path, d) }) {
				elsewhere = append(elsewhere, a)
			}
		}
		if len(elsewhere) == 0 {
			return ""
		}
		return fmt.Sprintf("RUN %s places files only at %s, yet layer %d also brought %s",
			path.Base(strings.Fields(in.Args)[0]), strings.Join(dests, ", "), in.Layer, listPaths(elsewhere))
	}
	if !metadataOnly(in.Args) {
		return ""
	}
	var wrote []fileAction
	for _, a := range acts {
		// touch makes empty files: an empty new file is within what the line can do.
		if a.content && !(a.change == ChangeAdded && a.typ == TypeFile && emptyFile(a)) {
			wrote = append(wrote, a)
		}
	}
	if len(wrote) == 0 {
		return ""
	}
	cmd := strings.Fields(in.Args)[0]
	return fmt.Sprintf("RUN %s cannot write files, yet layer %d changed the content of %s", path.Base(cmd), in.Layer, listPaths(wrote))
}

// emptySHA256 is the sha256 of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func emptyFile(a fileAction) bool { return a.content && a.sha256 == emptySHA256 }

// defaultPath is the PATH Docker puts into a config no ENV step gave one.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// checkConfig adds a line for each config value that no history step set, or that differs
// from what the last step setting it set: ENV variables, ENTRYPOINT, CMD and USER.
func (r *dockerfileReconstruction) checkConfig() {
	img := r.img
	env := map[string]string{}
	var envOrder []string
	var entrypoint, cmd []string
	var entrypointSet, cmdSet bool
	user, userSet := "", false
	for _, h := range img.History {
		in := ParseCreatedBy(h.CreatedBy)
		switch in.Keyword {
		case "ENV":
			for _, kv := range envPairs(in.Args) {
				if _, seen := env[kv[0]]; !seen {
					envOrder = append(envOrder, kv[0])
				}
				env[kv[0]] = kv[1]
			}
		case "ENTRYPOINT":
			entrypoint, entrypointSet = commandForm(in.Args), true
			// Docker clears an inherited CMD when a Dockerfile sets ENTRYPOINT.
			cmd, cmdSet = nil, true
		case "CMD":
			cmd, cmdSet = commandForm(in.Args), true
		case "USER":
			user, userSet = in.Args, true
		}
	}
	add := func(kw, args, why string) {
		r.add(Instruction{Keyword: kw, Args: args, History: -1, Layer: -1, Unverified: why,
			Note: "from the image's config, not its history"})
	}
	// The config's names, once: a config of 15,000 variables and a history of 25,000 ENV
	// steps made the search of one in the other 16 s.
	inConfig := make(map[string]bool, len(img.Config.Env))
	for _, kv := range img.Config.Env {
		k, v, hasValue := strings.Cut(kv, "=")
		inConfig[k] = inConfig[k] || hasValue
		want, ok := env[k]
		switch {
		case !ok && k == "PATH" && v == defaultPath:
		case !ok:
			add("ENV", k+"="+dockerfileQuote(v), fmt.Sprintf("the config sets %s, but no ENV step did", k))
		case want != v:
			add("ENV", k+"="+dockerfileQuote(v), fmt.Sprintf("the config holds %s=%s, but the last ENV step set it to %s", k, shorten(v), shorten(want)))
		}
	}
	for _, k := range envOrder {
		if !inConfig[k] {
			add("#", "ENV "+k+" was set by a step but is not in the config", fmt.Sprintf("the config lacks %s, which an ENV step set", k))
		}
	}
	if !slices.Equal(img.Config.Entrypoint, entrypoint) && (len(img.Config.Entrypoint) > 0 || entrypointSet) {
		add("ENTRYPOINT", jsonList(img.Config.Entrypoint), commandWhy("ENTRYPOINT", img.Config.Entrypoint, entrypoint, entrypointSet))
	}
	if cmdSet && !slices.Equal(img.Config.Cmd, cmd) {
		add("CMD", jsonList(img.Config.Cmd), commandWhy("CMD", img.Config.Cmd, cmd, true))
	}
	if img.Config.User != user && (img.Config.User != "" || userSet) {
		why := fmt.Sprintf("the config runs as %q, but no USER step set it", img.Config.User)
		if userSet {
			why = fmt.Sprintf("the config runs as %q, but the last USER step set %q", img.Config.User, user)
		}
		add("USER", img.Config.User, why)
	}
}

func commandWhy(kw string, got, want []string, set bool) string {
	if !set {
		return fmt.Sprintf("the config sets %s %s, but no %s step did", kw, jsonList(got), kw)
	}
	return fmt.Sprintf("the config holds %s %s, but the last %s step set %s", kw, jsonList(got), kw, jsonList(want))
}

func shorten(s string) string {
	if r := []rune(s); len(r) > 48 {
		return string(r[:47]) + "…"
	}
	return s
}

// commandForm reads CMD or ENTRYPOINT arguments as the config holds them: the JSON exec form
// as it is, the shell form run by /bin/sh -c.
func commandForm(args string) []string {
	if strings.HasPrefix(args, "[") {
		var elems []string
		if json.Unmarshal([]byte(args), &elems) == nil {
			return elems
		}
	}
	if args == "" {
		return nil
	}
	return []string{"/bin/sh", "-c", args}
}

// envPairs reads ENV arguments as the reconstruction renders them: KEY=VALUE pairs, values
// double-quoted (with \\, \" and \$ escapes) when they need it, or the legacy "KEY value".
func envPairs(args string) [][2]string {
	var out [][2]string
	s := strings.TrimSpace(args)
	first, _, _ := strings.Cut(s, " ")
	if !strings.Contains(first, "=") {
		k, v, _ := strings.Cut(s, " ")
		if k != "" {
			out = append(out, [2]string{k, strings.TrimSpace(v)})
		}
		return out
	}
	for s != "" {
		k, rest, ok := strings.Cut(s, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			break
		}
		var v strings.Builder
		i := 0
		if strings.HasPrefix(rest, `"`) {
			i = 1
			for i < len(rest) && rest[i] != '"' {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				v.WriteByte(rest[i])
				i++
			}
			i++ // the closing quote
		} else {
			for i < len(rest) && rest[i] != ' ' {
				v.WriteByte(rest[i])
				i++
			}
		}
		out = append(out, [2]string{k, v.String()})
		if i >= len(rest) {
			break
		}
		s = strings.TrimSpace(rest[i:])
	}
	return out
}
