package shell

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestTrackCovering: wiping logs is what an image's clean-up does too, and stays low alone.
// It is an intruder's covering of tracks (high, labelled malware) when the records cannot be
// written or read again (a link to /dev/null in a log's place, its bytes overwritten), or when
// the wiper is kept in a hidden or temporary place, or asks for keys at a terminal: run by
// hand, not by a build.
func TestTrackCovering(t *testing.T) {
	tests := []struct {
		name, path, script string
		want               audit.Severity
	}{
		{"auth log linked to /dev/null", "/usr/local/bin/tidy", "#!/bin/sh\nln -sf /dev/null /var/log/auth.log\n", audit.High},
		{"options after the operands", "/usr/local/bin/tidy", "#!/bin/sh\nln /dev/null /var/log/secure -sf\n", audit.High},
		{"through a variable", "/opt/t/run.sh", "#!/bin/bash\nL=/var/log/syslog\nln -s -f /dev/null \"$L\"\n", audit.High},
		{"shredded login records", "/usr/local/sbin/rotate", "#!/bin/sh\nshred -u -z /var/log/wtmp /var/log/btmp\n", audit.High},
		{"overwritten with random bytes", "/usr/local/bin/fix", "#!/bin/sh\ndd if=/dev/urandom of=/var/log/lastlog bs=1k count=8 conv=notrunc\n", audit.High},
		{"overwritten in a loop", "/usr/local/bin/fix", "#!/bin/bash\nfor f in /var/log/wtmp /var/log/faillog; do\n  dd if=/dev/zero of=$f bs=512 count=64 2>/dev/null\ndone\n", audit.High},
		{"kept in /dev/shm", "/dev/shm/.q/c.sh", "#!/bin/sh\n: > /var/log/auth.log\n: > /var/log/wtmp\n", audit.High},
		{"kept in /var/tmp", "/var/tmp/c", "#!/bin/sh\ntruncate -s 0 /var/log/messages\n", audit.High},
		{"kept in a hidden directory", "/usr/share/.cache/x.sh", "#!/bin/sh\ncat /dev/null > /var/log/lastlog\n", audit.High},
		{"asks before wiping", "/root/tools/cleaner.sh", "#!/bin/bash\nread -p 'wipe? [y/n] ' ans\n[ \"$ans\" = y ] || exit 0\ncat /dev/null > /var/log/wtmp\ntruncate -s 0 /var/log/auth.log\n", audit.High},
		{"waits for a key", "/opt/lc/lc.sh", "#!/bin/bash\nread -n 1 -r -s\nfor l in auth.log syslog kern.log; do truncate -s 0 /var/log/$l; done\n", audit.High},

		{"a build's clean-up", "/usr/local/bin/cleanup.sh", "#!/bin/sh\ntruncate -s 0 /var/log/wtmp /var/log/lastlog\nrm -f /root/.bash_history\n", audit.Low},
		{"a read from a file", "/usr/local/bin/cleanup.sh", "#!/bin/bash\nread -r host < /etc/hostname\n: > /var/log/wtmp\n", audit.Low},
		{"a read from a pipe", "/usr/local/bin/cleanup.sh", "#!/bin/bash\nls /var/log | while read -r f; do echo $f; done\n: > /var/log/wtmp\n", audit.Low},
		{"emptied, not overwritten", "/usr/local/bin/cleanup.sh", "#!/bin/sh\ndd if=/dev/null of=/var/log/wtmp\n", audit.Low},
		{"a build script in /tmp", "/tmp/build/cleanup.sh", "#!/bin/sh\n: > /var/log/wtmp\n", audit.Low},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := scanFile(tt.path, tt.script)
			got := ruleAt(t, fs, RuleLogWipe, tt.want)
			if tt.want >= audit.High && !got.Is(audit.CategoryMalware) {
				t.Errorf("not labelled malware:\n%s", dump(fs))
			}
		})
	}
}

// TestClockSetTouch: a file touched while the system clock is set to another time gets that
// time as its change time too, which touch alone cannot set: timestomping, high, whatever the
// file. Setting the clock alone, or touching with the clock left alone, is not this.
func TestClockSetTouch(t *testing.T) {
	tests := []struct {
		name, script string
		want         bool
	}{
		{"date --set around touch -r", "#!/bin/bash\nref=$(find /usr/bin -type f | shuf -n1)\nold=$(stat -c %z \"$ref\")\nnow=$(date)\ndate --set=\"$old\"\ntouch \"$1\" -r \"$ref\"\ndate --set=\"$now\"\n", true},
		{"date -s and a plain touch", "#!/bin/sh\ndate -s '2019-03-04 05:06:07'\ntouch /opt/app/lib.so\nhwclock --hctosys\n", true},
		{"sudo date", "#!/bin/sh\nsudo date --set \"$T\"\nsudo touch -d \"$T\" /srv/www/index.php\n", true},
		{"timedatectl", "#!/bin/sh\ntimedatectl set-time '2020-01-01 00:00:00'\ntouch -m /var/www/html/x.php\n", true},

		{"clock set only", "#!/bin/sh\ndate -s \"$NTP_TIME\"\n", false},
		{"touch only", "#!/bin/sh\ntouch /var/run/app.ready\n", false},
		{"a reproducible build", "#!/bin/sh\ndate -s @$SOURCE_DATE_EPOCH\ntouch -d @$SOURCE_DATE_EPOCH out/*\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := scanFile("/usr/local/sbin/tool", tt.script)
			got := false
			for _, f := range fs {
				if f.Rule == RuleTimestomp && f.Severity >= audit.High {
					got = true
				}
			}
			if got != tt.want {
				t.Errorf("high %s: %v, want %v\n%s", RuleTimestomp, got, tt.want, dump(fs))
			}
		})
	}
}

// TestBackdoorAccount: a script kept in a hidden or temporary place that gives an account a
// password and grants it every command through sudoers is keeping a way back in (high); a
// provisioning script in a program directory, or one without the grant, stays low.
func TestBackdoorAccount(t *testing.T) {
	const grant = "#!/bin/bash\nfor i in 1 2 3; do\n  useradd -m \"ops$i\"\n  echo \"ops$i:Winter2024\" | chpasswd\n  echo \"ops$i ALL=(ALL:ALL) ALL\" >> /etc/sudoers\ndone\n"
	tests := []struct {
		name, path, script string
		want               audit.Severity
	}{
		{"a loop in a hidden place", "/root/.local/mk", grant, audit.High},
		{"a drop-in without a password", "/var/tmp/.a/a.sh", "#!/bin/sh\nuseradd -m -s /bin/bash svc\necho 'svc:s3rv1ce' | chpasswd\nprintf 'svc ALL=(ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/svc\n", audit.High},
		{"passwd --stdin", "/dev/shm/.u", "#!/bin/sh\nuseradd backup\necho 'b4ckup' | passwd --stdin backup\necho 'backup ALL=(root) ALL' >> /etc/sudoers\n", audit.High},

		{"a provisioning script", "/usr/local/bin/add-dev", grant, audit.Low},
		{"no grant", "/root/.local/mk", "#!/bin/sh\nuseradd -m dev\necho 'dev:dev' | chpasswd\n", audit.Low},
		{"the group's line only", "/root/.local/mk", "#!/bin/sh\nuseradd -m -G sudo dev\necho 'dev:dev' | chpasswd\necho '%sudo ALL=(ALL:ALL) ALL' >> /etc/sudoers\n", audit.Low},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ruleAt(t, scanFile(tt.path, tt.script), RulePasswordSet, tt.want)
		})
	}
}

// ruleAt returns the last finding of rule among fs, failing the test when there is none or its
// severity is not want.
func ruleAt(t *testing.T, fs []audit.Finding, rule string, want audit.Severity) *audit.Finding {
	t.Helper()
	var got *audit.Finding
	for i := range fs {
		if fs[i].Rule == rule {
			got = &fs[i]
		}
	}
	if got == nil {
		t.Fatalf("no %s:\n%s", rule, dump(fs))
	}
	if got.Severity != want {
		t.Errorf("severity %s, want %s:\n%s", got.Severity, want, dump(fs))
	}
	return got
}
