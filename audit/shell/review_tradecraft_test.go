package shell_test

import (
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/shell"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// The review of the image's own units, crontabs and PAM stacks: a program started from /etc
// or root's home, a daemon's path holding a file no package owns, a PAM stack trusting an
// unknown module first; and the same files' clean shapes.
func TestReviewTradecraft(t *testing.T) {
	dpkg := []imagebuild.File{
		imagebuild.Reg("/var/lib/dpkg/status", "Package: openssh-server\nStatus: install ok installed\nPriority: optional\nVersion: 1:9.2p1-2\nArchitecture: amd64\nDescription: ssh\n\n"+
			"Package: libpam-modules\nStatus: install ok installed\nPriority: required\nVersion: 1.5.2-6\nArchitecture: amd64\nDescription: pam\n\n"),
		imagebuild.Reg("/var/lib/dpkg/info/openssh-server.list", "/.\n/usr\n/usr/sbin\n/usr/sbin/sshd\n"),
		imagebuild.Reg("/var/lib/dpkg/info/libpam-modules.list", "/.\n/lib\n/lib/x86_64-linux-gnu/security/pam_unix.so\n"),
		{Path: "/usr/sbin/sshd", Mode: 0o755, Content: []byte("\x7fELF packaged")},
		{Path: "/lib/x86_64-linux-gnu/security/pam_unix.so", Mode: 0o644, Content: []byte("\x7fELF packaged")},
	}
	files := []imagebuild.File{
		imagebuild.Reg("/lib/systemd/system/bot.service", "[Unit]\nDescription=bot\n[Service]\nType=forking\nExecStart=/etc/kthreads\nRestart=always\nRestartSec=30\n[Install]\nWantedBy=multi-user.target\n"),
		{Path: "/etc/kthreads", Mode: 0o755, Content: []byte("\x7fELF dropped")},
		imagebuild.Reg("/etc/systemd/system/agent.service", "[Service]\nExecStart=/root/agent --quiet\nRestart=always\n"),
		imagebuild.Reg("/var/spool/cron/crontabs/root", "@reboot /usr/sbin/crond\n"),
		{Path: "/usr/sbin/crond", Mode: 0o755, Content: []byte("\x7fELF dropped")},
		imagebuild.Reg("/etc/pam.d/sshd", "auth sufficient pam_sysaudit.so\n@include common-auth\n"),
		{Path: "/lib/x86_64-linux-gnu/security/pam_sysaudit.so", Mode: 0o644, Content: []byte("\x7fELF dropped")},
		// clean shapes
		imagebuild.Reg("/lib/systemd/system/ssh.service", "[Service]\nExecStart=/usr/sbin/sshd -D\nRestart=on-failure\n"),
		imagebuild.Reg("/lib/systemd/system/rc-local.service", "[Service]\nExecStart=/etc/rc.local start\n"),
		imagebuild.Reg("/etc/cron.d/ssh", "@reboot root /usr/sbin/sshd\n"),
		imagebuild.Reg("/etc/pam.d/login", "auth sufficient pam_unix.so\nauth requisite pam_deny.so\n"),
		imagebuild.Reg("/etc/pam.d/su", "auth sufficient pam_rootok.so\n@include common-auth\n"),
	}
	res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: dpkg}, {Files: files}}})
	want := map[string]string{
		"/lib/systemd/system/bot.service":   shell.RuleStagedSystemd,
		"/etc/systemd/system/agent.service": shell.RuleStagedSystemd,
		"/var/spool/cron/crontabs/root":     shell.RuleStagedCron,
		"/etc/pam.d/sshd":                   shell.RulePAMStackHead,
	}
	got := map[string][]audit.Finding{}
	for _, f := range res.Findings {
		got[f.Path] = append(got[f.Path], f)
	}
	for p, rule := range want {
		ok := false
		for _, f := range got[p] {
			ok = ok || f.Rule == rule && f.Severity >= audit.High
		}
		if !ok {
			t.Errorf("%s: want %s at high or above, got:\n%s", p, rule, dumpFindings(got[p]))
		}
	}
	for _, p := range []string{"/lib/systemd/system/ssh.service", "/lib/systemd/system/rc-local.service", "/etc/cron.d/ssh", "/etc/pam.d/login", "/etc/pam.d/su"} {
		for _, f := range got[p] {
			if f.Severity >= audit.Medium && !strings.HasPrefix(f.Rule, "STRATA-PKG-") {
				t.Errorf("%s: clean shape flagged:\n%s", p, dumpFindings(got[p]))
			}
		}
	}
}
