package shell

import (
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
