package filesystem

import (
	"fmt"
	"path"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// hid is a flagged file a later layer hid.
type hid struct {
	worst audit.Severity
	rules []string
	by    int
	how   string
}

// Review implements audit.Reviewer: a flagged file that a later layer whited out, or replaced,
// is not in the running container's filesystem but is still in the image, which is where an
// intruder hides what should not be found. Each such finding is raised one severity, labelled
// hidden-file and gets a hidden-file finding of its own; whited-out code nothing flagged is
// reported too (STRATA-FS-009). Vulnerability findings are about a package, not about their
// database file's content: a package database that a later apt step rewrote hides nothing, so
// they never take part.
func (a *Analyzer) Review(s *audit.Subject, findings []audit.Finding) []audit.Finding {
	hidden := map[[2]any]*hid{}
	var order [][2]any
	for i := range findings {
		f := &findings[i]
		if f.Path == "" || f.Layer < 0 || f.Category == audit.CategoryHiddenFile || f.Rule == audit.RuleNotScanned || f.Severity < audit.Low ||
			f.Category == audit.CategoryVulnerability || f.Vulnerability != nil {
			continue
		}
		n := s.Tree.Node(f.Path)
		if n == nil {
			continue
		}
		by, how := -1, ""
		if n.Hidden {
			by, how = n.Removed(), "removed"
		} else if l := n.Layer(); l > f.Layer {
			by, how = l, "replaced"
		}
		if by < 0 {
			continue
		}
		f.Severity = f.Severity.Raise(1)
		f.Title += fmt.Sprintf(" (hidden: %s by layer %d)", how, by)
		f.AddLabels(audit.CategoryHiddenFile)
		k := [2]any{f.Layer, f.Path}
		h := hidden[k]
		if h == nil {
			h = &hid{by: by, how: how}
			hidden[k] = h
			order = append(order, k)
		}
		h.worst = max(h.worst, f.Severity)
		h.rules = append(h.rules, f.Rule)
	}
	for _, k := range order {
		h := hidden[k]
		layer, p := k[0].(int), k[1].(string)
		findings = append(findings, audit.Finding{Rule: RuleHidden, Category: audit.CategoryHiddenFile, Severity: h.worst,
			Layer: layer, Path: p,
			Title:       fmt.Sprintf("flagged file %s by layer %d: absent from the running filesystem, still in the image", h.how, h.by),
			Evidence:    fmt.Sprintf("matched %v", h.rules),
			Remediation: "Deleting a file in a later layer does not remove it from the image: rebuild without it, and find out why it was there."})
	}
	return append(findings, hiddenCode(s, hidden)...)
}

// codeExtensions are the names of scripts and server pages that run without an execute bit.
var codeExtensions = map[string]string{
	".sh": "script", ".bash": "script", ".py": "script", ".pl": "script", ".rb": "script", ".lua": "script", ".js": "script",
	".php": "server page", ".phtml": "server page", ".php5": "server page", ".php7": "server page", ".phar": "server page",
	".jsp": "server page", ".jspx": "server page", ".asp": "server page", ".aspx": "server page", ".ashx": "server page",
	".so": "library", ".elf": "executable", ".bin": "executable",
}

// hiddenCode reports the executables, scripts, libraries and server pages that a later layer
// whited out, flagged or not: code that ran during the build, or that was meant to be found
// later by someone who knows where to look, and that the running filesystem no longer shows.
// Each names the layer that holds it and the one that hid it.
func hiddenCode(s *audit.Subject, flagged map[[2]any]*hid) []audit.Finding {
	var out []audit.Finding
	perLayer := map[int]int{}
	for _, n := range s.Tree.Hidden() {
		e := n.Entry
		if e == nil || e.Type != forensics.TypeFile {
			continue
		}
		layer := n.Layer()
		if _, ok := flagged[[2]any{layer, n.Path()}]; ok {
			continue // FS-008 reports it with what flagged it
		}
		kind := codeExtensions[strings.ToLower(path.Ext(n.Path()))]
		if kind == "" && e.Mode&0o111 != 0 {
			kind = "executable"
		}
		if kind == "" {
			continue
		}
		by := n.Removed()
		// Packages removed in a later layer (apt-get purge of build tools) leave whiteouts of
		// their programs in the system directories: noted. Code anywhere else that a later
		// layer hid (an installer in /tmp, a tool in /opt or /usr/local) is worth a look.
		sev := audit.Medium
		if packagePlace(n.Path()) {
			sev = audit.Low
		}
		why := ""
		switch {
		case hiddenName(n.Path()):
			sev, why = audit.Medium, " in a hidden place"
		case strings.HasPrefix(n.Path(), "/dev/shm/") || strings.HasPrefix(n.Path(), "/var/tmp/"):
			sev, why = audit.Medium, " in a temporary place"
		case kind == "server page":
			sev = audit.Medium
		default:
			if pl, ok := audit.PlaceOf(n.Path()); ok {
				sev, why = audit.Medium, " in a persistence place ("+pl.Name+")"
			}
		}
		perLayer[layer]++
		if perLayer[layer] > perLayerLimit {
			continue
		}
		out = append(out, audit.Finding{Rule: RuleHiddenCode, Category: audit.CategoryHiddenFile, Severity: sev, Layer: layer, Path: n.Path(),
			Title: fmt.Sprintf("%s%s held by layer %d and whited out by layer %d: absent from the running filesystem, still in the image",
				kind, why, layer, by),
			Evidence:    fmt.Sprintf("mode %s, %d bytes, sha256:%s", e.ModeString(), e.Size, e.SHA256()),
			Remediation: "Extract it (strata cat --layer) and read it: find out what it did during the build or why it was left in a layer."})
	}
	for layer, n := range perLayer {
		if n > perLayerLimit {
			out = append(out, audit.Finding{Rule: RuleHiddenCode, Category: audit.CategoryHiddenFile, Severity: audit.Low, Layer: layer,
				Title:       fmt.Sprintf("%d more executables, scripts or pages of layer %d are whited out by later layers", n-perLayerLimit, layer),
				Remediation: "strata layers --hidden lists them."})
		}
	}
	return out
}

// packagePlace reports the directories package managers install programs and libraries into.
func packagePlace(p string) bool {
	for _, d := range []string{"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/usr/lib64/", "/lib/", "/lib64/",
		"/usr/libexec/", "/usr/share/", "/usr/include/"} {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

// hiddenName reports a path with a dot-named component (/tmp/.x, /opt/.cache/stage).
func hiddenName(p string) bool {
	for _, c := range strings.Split(p, "/") {
		if len(c) > 1 && c[0] == '.' && c != ".." {
			return true
		}
	}
	return false
}
