package binary

import (
	"bytes"
	"strings"

	"github.com/strata-forensics/strata/audit"
)

// RuleLoginEditor is the shell analyzer's log wiping rule, which a compiled login record
// editor (a log cleaner: zap, wtmpclean) shares.
const RuleLoginEditor = "STRATA-AF-001"

// loginRecordWords are the login record files' names as programs name them.
var loginRecordWords = []string{"wtmp", "utmp", "lastlog", "btmp"}

// loginRecordNames returns the login record files a program's read-only data (ro) names ("wtmp",
// "/var/log/lastlog" ...), nil for none or for a multi-call program (BusyBox's login, last
// and who applets name them all). Every such program of a system (login, sshd, last, who,
// lastlog) ships in a package; which one does is decided in Review.
func loginRecordNames(ro []byte) []string {
	if len(ro) == 0 || bytes.Contains(ro, []byte("BusyBox")) {
		return nil
	}
	var names []string
	for _, w := range loginRecordWords {
		if i := bytes.Index(ro, []byte(w)); i >= 0 {
			start := bytes.LastIndexByte(ro[:i], 0) + 1
			end := i + bytes.IndexByte(ro[i:], 0)
			if end < i {
				end = len(ro)
			}
			names = append(names, inert(string(ro[start:min(end, start+80)])))
		}
	}
	return names
}

// namesLoginRecords is the title of the provisional finding Review decides.
const namesLoginRecords = "Program naming the login records"

// loginEditorFinding is the provisional finding Review keeps only for a program no package of
// the image ships.
func loginEditorFinding(names []string) audit.Finding {
	return audit.Finding{Rule: RuleLoginEditor, Category: audit.CategoryTamper, Severity: audit.Info,
		Title:       namesLoginRecords,
		Evidence:    "names " + strings.Join(names, "; "),
		Remediation: remediation}
}

// reviewLoginEditor decides a program naming the login records: one a package of the image
// ships is the system's (login, sshd, last), dropped; one no package ships, in an image with
// a package database, is a login record editor brought in: high, labelled malware (T1070.003).
func reviewLoginEditor(s *audit.Subject, f *audit.Finding) bool {
	if s.Shipped == nil || s.Tree == nil || !packageDatabase(s) || s.Shipped(f.Path) != "" {
		return false
	}
	f.Severity = audit.High
	f.Title = "Program no package ships that names the login records (wtmp, utmp, lastlog): a login record editor, which takes entries out or forges them"
	f.AddLabels(audit.CategoryMalware)
	f.AddTechniques("T1070.003", "T1070.006")
	return true
}

// packageDatabase reports an image holding a package manager's database, against which
// "no package ships it" means something.
func packageDatabase(s *audit.Subject) bool {
	for _, p := range []string{"/var/lib/dpkg/status", "/lib/apk/db/installed", "/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages",
		"/usr/lib/sysimage/rpm/rpmdb.sqlite"} {
		if n := s.Tree.Node(p); n != nil && !n.Hidden && n.Entry != nil {
			return true
		}
	}
	return false
}
