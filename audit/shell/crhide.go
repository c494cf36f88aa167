package shell

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/strata-forensics/strata/audit"
)

// RuleCRHidden is a line of a file that runs by itself whose text a carriage return hides from
// the terminal: cat, crontab -l and less without -U return to the line's start at the CR and
// print what follows over what came before (spaces, a harmless command), so the command cron
// or the shell runs is not what an administrator sees (T1564, T1036).
const RuleCRHidden = "STRATA-AF-005"

// minHiddenTail is how many bytes after a carriage return, before the line's end, make it an
// overwrite: a CRLF line ending has none.
const minHiddenTail = 4

// crHidden reports the first line of data where a carriage return is followed by at least
// minHiddenTail bytes before the line ends, with its number and the text before the CR.
func crHidden(data []byte) (int, string, bool) {
	if bytes.IndexByte(data, '\r') < 0 {
		return 0, "", false
	}
	for n, line := range bytes.Split(data, []byte("\n")) {
		i := bytes.IndexByte(line, '\r')
		if i < 0 {
			continue
		}
		tail := bytes.TrimRight(line[i+1:], "\r")
		if len(tail) >= minHiddenTail && len(bytes.TrimSpace(line[:i])) > 0 {
			return n + 1, string(line[:i]), true
		}
	}
	return 0, "", false
}

// crHiddenFinding reports a line of an autostart file (p, in place pl) hidden by a carriage
// return: persistence the file's own listing does not show.
func crHiddenFinding(p string, data []byte) (audit.Finding, bool) {
	// the places autostart files live, before the place is worked out: every file comes here
	if !strings.HasPrefix(p, "/etc/") && !strings.HasPrefix(p, "/var/spool/") && !strings.HasPrefix(p, "/root/") &&
		!strings.HasPrefix(p, "/home/") && !strings.Contains(p, "/systemd/") && !strings.Contains(p, "/udev/") {
		return audit.Finding{}, false
	}
	if binaryHead(data) || bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0 {
		return audit.Finding{}, false // a program (a systemd generator), not lines of text
	}
	pl, ok := autostartPlace(p)
	if !ok {
		return audit.Finding{}, false
	}
	n, before, ok := crHidden(data)
	if !ok || !hidesCommand(before, p, pl) {
		return audit.Finding{}, false
	}
	f := audit.Finding{Rule: RuleCRHidden, Category: audit.CategoryTamper, Severity: audit.High,
		Title:       "Line of a " + pl.Name + " file hidden from the terminal by a carriage return: cat and crontab -l print what follows it over the command that runs",
		Evidence:    fmt.Sprintf("line %d: %s\\r…", n, oneLine(strings.TrimSpace(before), 200)),
		Remediation: "Read the file with cat -A or less -U, remove the hidden line, and find what it ran and who wrote it."}
	f.AddLabels(audit.CategoryPersistence)
	f.AddTechniques("T1564", "T1036")
	return f, true
}

// hidesCommand reports text before a carriage return that holds a command: for a crontab line,
// something besides the schedule (and a system crontab's user field) that names a program,
// not a stray redirection.
func hidesCommand(before, p string, pl audit.Place) bool {
	cmd := before
	if pl.Name == "cron" && (p == "/etc/crontab" || strings.HasPrefix(p, "/etc/cron.d/") || strings.HasPrefix(p, "/var/spool/cron/")) {
		// a crontab's line, not a cron.daily script's
		f := strings.Fields(before)
		skip := 5
		if len(f) > 0 && strings.HasPrefix(f[0], "@") {
			skip = 1
		}
		if p == "/etc/crontab" || strings.HasPrefix(p, "/etc/cron.d/") {
			skip++ // /etc/crontab and cron.d lines name the user
		}
		if len(f) <= skip {
			return false
		}
		cmd = strings.Join(f[skip:], " ")
	}
	return strings.IndexFunc(cmd, func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '/'
	}) >= 0
}
