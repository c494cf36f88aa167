// Package config reviews an image's runtime configuration and build history: running as root,
// remote-administration ports, dynamic-linker variables in Env (LD_PRELOAD and friends),
// remote code fetched at build time (ADD URL, curl | sh), a "latest" tag, no HEALTHCHECK and
// sudo in the image. It needs no file content, only the config and the stacked tree.
package config

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// Rule ids.
const (
	RuleRootUser      = "STRATA-CF-001"
	RuleExposedPort   = "STRATA-CF-002"
	RuleLDPreload     = "STRATA-CF-003"
	RuleLDLibraryPath = "STRATA-CF-004"
	RuleRemoteFetch   = "STRATA-CF-005"
	RuleLatestTag     = "STRATA-CF-006"
	RuleNoHealthcheck = "STRATA-CF-007"
	RuleSudo          = "STRATA-CF-008"
)

// Analyzer reviews the config.
type Analyzer struct{}

// New returns the config analyzer.
func New() *Analyzer { return &Analyzer{} }

// Name implements audit.Analyzer.
func (*Analyzer) Name() string { return "config" }

// adminPorts are remote-administration services that have no business in an application image.
var adminPorts = map[string]struct {
	service string
	sev     audit.Severity
}{
	"22": {"SSH", audit.Medium}, "23": {"telnet", audit.High}, "2222": {"SSH", audit.Medium},
	"3389": {"RDP", audit.Medium}, "5900": {"VNC", audit.Medium}, "5901": {"VNC", audit.Medium},
	"5800": {"VNC over HTTP", audit.Medium}, "5985": {"WinRM", audit.Medium}, "5986": {"WinRM", audit.Medium},
	"2375": {"the Docker API without TLS", audit.High}, "2376": {"the Docker API", audit.Medium},
	"10000": {"Webmin", audit.Medium}, "4444": {"a port reverse shells and Metasploit use by default", audit.Medium},
	"512": {"rexec", audit.High}, "513": {"rlogin", audit.High}, "514": {"rsh", audit.High},
}

// Tree implements audit.TreeAnalyzer.
func (a *Analyzer) Tree(ctx context.Context, s *audit.Subject) ([]audit.Finding, error) {
	img := s.Image
	if img.Input.Format == "dir" {
		// A root filesystem has no config or history: nothing here applies.
		return sudo(s), nil
	}
	var out []audit.Finding
	cfg := img.Config
	step := func(f audit.Finding, keyword, contains string) audit.Finding {
		if i, cb := findStep(img, keyword, contains); i >= 0 {
			f.History, f.CreatedBy = i, cb
		}
		return f
	}

	user := strings.TrimSpace(cfg.User)
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" || name == "0" {
		title := "the image runs as root: no USER is set"
		if name != "" {
			title = "the image runs as root: USER " + user
		}
		out = append(out, step(audit.Finding{Rule: RuleRootUser, Category: audit.CategoryRootUser, Severity: audit.Medium,
			Title: title, Layer: -1, Evidence: fmt.Sprintf("User=%q", user),
			Remediation: "Add a USER instruction with an unprivileged user (and make the files it needs writable by it)."}, "USER", ""))
	}

	for _, p := range cfg.ExposedPorts {
		port, _, _ := strings.Cut(p, "/")
		ap, ok := adminPorts[port]
		if !ok {
			continue
		}
		out = append(out, step(audit.Finding{Rule: RuleExposedPort, Category: audit.CategoryExposedPort, Severity: ap.sev,
			Title: fmt.Sprintf("exposes port %s (%s)", p, ap.service), Layer: -1, Evidence: "EXPOSE " + p,
			Remediation: "Remove the remote-administration service from the image; use docker exec or kubectl exec to get in."}, "EXPOSE", port))
	}

	for _, kv := range cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "LD_PRELOAD", "LD_AUDIT":
			out = append(out, step(preload(s, k, v), "ENV", k))
		case "LD_LIBRARY_PATH":
			if f, ok := libraryPath(v); ok {
				out = append(out, step(f, "ENV", k))
			}
		}
	}

	out = append(out, remoteFetches(img)...)

	for _, t := range img.Tags {
		if strings.HasSuffix(t, ":latest") || !strings.Contains(path.Base(t), ":") {
			out = append(out, audit.Finding{Rule: RuleLatestTag, Category: audit.CategoryMisconfig, Severity: audit.Low,
				Title: "tagged latest: the tag does not say which build this is", Layer: -1, Evidence: t,
				Remediation: "Tag images with a version and deploy by digest."})
			break
		}
	}

	if cfg.Healthcheck == nil || len(cfg.Healthcheck.Test) == 0 || cfg.Healthcheck.Test[0] == "NONE" {
		out = append(out, audit.Finding{Rule: RuleNoHealthcheck, Category: audit.CategoryMisconfig, Severity: audit.Info,
			Title: "no HEALTHCHECK", Layer: -1, Remediation: "Add a HEALTHCHECK so a hung container is noticed."})
	}
	return append(out, sudo(s)...), nil
}

// preload reports LD_PRELOAD or LD_AUDIT in Env: the dynamic linker loads the named libraries
// into every process the container runs. It is critical when a named library is in the image
// outside the system library directories, and the finding points at the layer that holds it.
func preload(s *audit.Subject, name, value string) audit.Finding {
	f := audit.Finding{Rule: RuleLDPreload, Category: audit.CategoryLDPreload, Severity: audit.High,
		Title: name + " is set in the image's environment: every process loads " + value, Layer: -1,
		Evidence:    name + "=" + value,
		Remediation: "Remove " + name + " from the config and find what the library does; an image should not preload code into every process."}
	for _, lib := range strings.FieldsFunc(value, func(r rune) bool { return r == ':' || r == ' ' }) {
		if !path.IsAbs(lib) {
			continue
		}
		n := s.Tree.Node(lib)
		if n == nil || n.Hidden || n.Entry == nil {
			continue
		}
		f.Layer, f.Path = n.Layer(), n.Path()
		if !systemLibDir(path.Dir(lib)) {
			f.Severity = audit.Critical
			f.Title = fmt.Sprintf("%s preloads %s into every process: a library outside the system library directories, added by layer %d", name, lib, n.Created())
		}
		break
	}
	return f
}

func systemLibDir(dir string) bool {
	for _, d := range []string{"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib32", "/usr/lib32"} {
		if dir == d || strings.HasPrefix(dir, d+"/") {
			return true
		}
	}
	return false
}

// libraryPath reports an LD_LIBRARY_PATH that puts writable or unusual directories first in
// the linker's search. Vendor directories (/usr/local/cuda/lib64, /opt/vendor/lib) are common
// and only noted.
func libraryPath(v string) (audit.Finding, bool) {
	f := audit.Finding{Rule: RuleLDLibraryPath, Category: audit.CategoryLDPreload, Severity: audit.Low,
		Title: "LD_LIBRARY_PATH is set: its directories are searched before the system ones", Layer: -1,
		Evidence:    "LD_LIBRARY_PATH=" + v,
		Remediation: "Make sure every directory in LD_LIBRARY_PATH is owned by root and holds only the libraries expected."}
	for _, d := range strings.Split(v, ":") {
		switch {
		case d == "" || d == ".":
			f.Severity, f.Title = audit.High, "LD_LIBRARY_PATH searches the current directory first"
			return f, true
		case writableDir(d):
			f.Severity, f.Title = audit.High, "LD_LIBRARY_PATH searches a world-writable place first: "+d
			return f, true
		}
	}
	return f, true
}

func writableDir(d string) bool {
	for _, w := range []string{"/tmp", "/var/tmp", "/dev/shm", "/run/shm", "/home", "/root", "/var/www", "/srv"} {
		if d == w || strings.HasPrefix(d, w+"/") {
			return true
		}
	}
	return strings.Contains(d, "/.")
}

var (
	addURL    = regexp.MustCompile(`(?i)\bADD\b(?:\s+--\S+)*\s+(https?://\S+)`)
	pipeShell = regexp.MustCompile(`(?i)\b(curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:/usr)?(?:/bin/)?(sh|bash|dash|zsh|ash|ksh|python3?|perl)\b`)
)

// remoteFetches reports build steps that ran or added code fetched over the network.
func remoteFetches(img *forensics.Image) []audit.Finding {
	var out []audit.Finding
	for i, h := range img.History {
		cb := h.CreatedBy
		in := forensics.ParseCreatedBy(cb)
		var f audit.Finding
		switch {
		case in.Keyword == "ADD" && addURL.MatchString("ADD "+in.Args):
			m := addURL.FindStringSubmatch("ADD " + in.Args)
			f = audit.Finding{Rule: RuleRemoteFetch, Category: audit.CategoryMisconfig, Severity: audit.Low,
				Title: "ADD from a URL: the content was not checked against a digest", Evidence: m[1],
				Remediation: "Fetch with a pinned checksum (ADD --checksum=sha256:...) or copy from a verified build stage."}
		case pipeShell.MatchString(cb):
			m := pipeShell.FindString(cb)
			f = audit.Finding{Rule: RuleRemoteFetch, Category: audit.CategoryMisconfig, Severity: audit.Medium,
				Title: "a build step pipes a download into a shell", Evidence: truncate(m, 160),
				Remediation: "Download, verify a pinned checksum or signature, then run."}
		default:
			continue
		}
		f.Layer = h.Layer
		if h.Layer < 0 {
			f.History, f.CreatedBy = i, cb
		}
		out = append(out, f)
	}
	return out
}

// sudo reports sudo in the final filesystem: a way up to root from the container's user.
func sudo(s *audit.Subject) []audit.Finding {
	for _, p := range []string{"/usr/bin/sudo", "/bin/sudo", "/usr/local/bin/sudo"} {
		n := s.Tree.Node(p)
		if n == nil || n.Hidden || n.Entry == nil || n.Entry.Type != forensics.TypeFile {
			continue
		}
		return []audit.Finding{{Rule: RuleSudo, Category: audit.CategoryMisconfig, Severity: audit.Low,
			Title: "sudo is installed", Layer: n.Layer(), Path: n.Path(), Evidence: "mode " + n.Entry.ModeString(),
			Remediation: "Remove sudo from the image; containers do not need it to run."}}
	}
	return nil
}

// findStep returns the newest history step with the keyword whose arguments contain the text.
func findStep(img *forensics.Image, keyword, contains string) (int, string) {
	for i := len(img.History) - 1; i >= 0; i-- {
		in := forensics.ParseCreatedBy(img.History[i].CreatedBy)
		if in.Keyword == keyword && strings.Contains(in.Args, contains) {
			return i, img.History[i].CreatedBy
		}
	}
	return -1, ""
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
