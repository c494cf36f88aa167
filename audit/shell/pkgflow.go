package shell

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// A Python program split over its package's modules (one connects, one runs commands, the
// main script joins them through method calls) is no shell in any one file. The modules of
// such a package, dropped where programs are dropped, are kept for the review and read as one
// program when they import each other.

// Bounds of what one package's reading joins.
const (
	maxPackageFiles  = 64
	maxPackageModule = 64 << 10
	maxPackageBytes  = 512 << 10
)

// packageModule reports a Python module kept for the package reading: outside the
// interpreters' libraries, in a home directory, /opt, /srv, /app or a temporary or hidden
// place.
func packageModule(p string) bool {
	if !strings.HasSuffix(p, ".py") || interpLibrary(p) {
		return false
	}
	for _, d := range []string{"/root/", "/home/", "/opt/", "/srv/", "/app/", "/tmp/", "/var/tmp/", "/dev/shm/"} {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return hiddenOrTemp(p)
}

// packageRoot returns the directory a module's package sits in: up from its directory while
// the directory is a package (holds __init__.py).
func packageRoot(t *forensics.Tree, p string) string {
	d := path.Dir(p)
	for d != "/" {
		if n := t.Node(d + "/__init__.py"); n == nil || n.Hidden {
			break
		}
		d = path.Dir(d)
	}
	return d
}

// moduleNames are the names a module at p is imported by from its package root: core/x.py is
// core.x, and x alone (a relative or a sibling's import).
func moduleNames(root, p string) []string {
	rel := strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".py")
	rel = strings.TrimSuffix(rel, "/__init__")
	return []string{strings.ReplaceAll(rel, "/", "."), path.Base(rel)}
}

// imports reports Python code importing module name: import a, b as c; from a.b import c;
// from .b import c; from . import b (b, a.b and a.b.c all name b's module when name is b or a.b).
func imports(code []byte, name string) bool {
	for _, line := range bytes.Split(code, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		var mods []string
		switch {
		case strings.HasPrefix(l, "import "):
			for _, m := range strings.Split(strings.TrimPrefix(l, "import "), ",") {
				m, _, _ = strings.Cut(strings.TrimSpace(m), " ")
				mods = append(mods, m)
			}
		case strings.HasPrefix(l, "from "):
			f := strings.Fields(l)
			if len(f) < 4 || f[2] != "import" {
				continue
			}
			m := strings.TrimLeft(f[1], ".")
			mods = append(mods, m)
			for _, x := range strings.Split(strings.Join(f[3:], " "), ",") {
				x, _, _ = strings.Cut(strings.Trim(strings.TrimSpace(x), "()"), " ")
				if m == "" {
					mods = append(mods, x) // from . import b
				} else {
					mods = append(mods, m+"."+x)
				}
			}
		}
		for _, m := range mods {
			if m != "" && (m == name || strings.HasSuffix(m, "."+name) || strings.HasPrefix(m, name+".")) {
				return true
			}
		}
	}
	return false
}

// packageFindings reads each package of kept modules as one program: the modules that import
// one another (with the ones they import), joined, through the Python reading of reverse
// shells. Packages holding a module already flagged as a shell are left to that finding.
func packageFindings(s *audit.Subject, findings []audit.Finding) []audit.Finding {
	if s.Tree == nil {
		return nil
	}
	byRoot := map[string][]string{}
	seen := map[string]bool{}
	for _, lt := range s.Layers {
		if lt == nil {
			continue
		}
		for i := range lt.Entries {
			e := &lt.Entries[i]
			if e.Type != forensics.TypeFile || seen[e.Path] || !packageModule(e.Path) {
				continue
			}
			seen[e.Path] = true
			if data, _ := s.FinalFile(e.Path); data != nil && len(data) <= maxPackageModule {
				root := packageRoot(s.Tree, e.Path)
				byRoot[root] = append(byRoot[root], e.Path)
			}
		}
	}
	roots := make([]string, 0, len(byRoot))
	for r, files := range byRoot {
		if len(files) >= 2 && len(files) <= maxPackageFiles {
			roots = append(roots, r)
		}
	}
	sort.Strings(roots)
	var flagged map[string]audit.Finding
	var out []audit.Finding
	for _, root := range roots {
		files := byRoot[root]
		sort.Strings(files)
		code := map[string][]byte{}
		for _, p := range files {
			code[p], _ = s.FinalFile(p)
		}
		joined := importedTogether(root, files, code)
		if len(joined) < 2 {
			continue
		}
		if flagged == nil {
			flagged = flaggedPaths(findings)
		}
		if slices.ContainsFunc(joined, func(p string) bool {
			f, ok := flagged[p]
			return ok && f.Category == audit.CategoryReverseShell && f.Severity >= audit.High
		}) {
			continue
		}
		var b bytes.Buffer
		for _, p := range joined {
			if b.Len()+len(code[p]) > maxPackageBytes {
				break
			}
			b.Write(code[p])
			b.WriteByte('\n')
		}
		text := b.Bytes()
		if !bytes.Contains(text, []byte("socket")) || !bytes.Contains(text, []byte("subprocess")) && !bytes.Contains(text, []byte("os.system")) &&
			!bytes.Contains(text, []byte("popen")) && !bytes.Contains(text, []byte("pty")) && !bytes.Contains(text, []byte("dup2")) {
			continue
		}
		for _, h := range passes(func(an *analysis) { an.langCode(nil, "python", text) }) {
			if h.kind != hitLang || h.lang != "python" {
				continue
			}
			ri := infoOf(h)
			n := s.Tree.Node(joined[0])
			f := audit.Finding{Rule: ri.rule, Category: ri.category, Severity: ri.severity, Layer: n.Layer(), Path: joined[0],
				Title:       ri.title + ": " + h.detail + fmt.Sprintf(" (across the %d modules of the package in %s)", len(joined), root),
				Evidence:    "modules: " + strings.Join(joined, ", ") + "; " + oneLine(h.evidence, 160),
				Remediation: remediation(ri.category)}
			f.AddLabels(audit.CategoryMalware)
			f.AddTechniques("T1059.006")
			out = append(out, f)
			break
		}
	}
	return out
}

// importedTogether returns the modules of a package that import one another, with those they
// import, the importer first: the program, not every script that happens to share a directory.
func importedTogether(root string, files []string, code map[string][]byte) []string {
	in := map[string]bool{}
	var order []string
	for _, a := range files {
		for _, b := range files {
			if a == b {
				continue
			}
			if slices.ContainsFunc(moduleNames(root, b), func(n string) bool { return imports(code[a], n) }) {
				for _, p := range []string{a, b} {
					if !in[p] {
						in[p] = true
						order = append(order, p)
					}
				}
			}
		}
	}
	return order
}
