package shell_test

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// TestUnitPreload: a unit (or a drop-in of another service) whose Environment= preloads a
// library kept in a staging place makes every program of the service load it: persistence,
// high; one naming a library of the system's directories stays silent.
func TestUnitPreload(t *testing.T) {
	for _, tc := range []struct {
		path, unit string
		found      bool
	}{
		{"/etc/systemd/system/cron.service.d/override.conf", "[Service]\nEnvironment=LD_PRELOAD=/tmp/.l/libx.so\n", true},
		{"/etc/systemd/system/ssh.service.d/10-env.conf", "[Service]\nEnvironment=\"LANG=C\" \"LD_PRELOAD=/dev/shm/.x.so\"\n", true},
		{"/etc/systemd/system/app.service", "[Service]\nEnvironment=LD_AUDIT=/var/tmp/.a/audit.so\nExecStart=/usr/bin/app\n", true},
		{"/etc/systemd/system/app.service", "[Service]\nEnvironment=LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\nExecStart=/usr/bin/app\n", false},
	} {
		res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{{Path: tc.path, Content: []byte(tc.unit), Mode: 0o644}}}}})
		hit := false
		for _, f := range res.Findings {
			if f.Path == tc.path && f.Severity >= audit.High && f.Is(audit.CategoryPersistence) {
				hit = true
			}
		}
		if hit != tc.found {
			t.Errorf("%s %q: found %v, want %v: %v", tc.path, tc.unit, hit, tc.found, res.Findings)
		}
	}
}

// TestSupportTunnelUnit: a unit starting a remote-support tunnel script (a key login to a host
// its configuration names) is not raised as an autostart of a flagged payload: starting at boot
// is what such a tunnel is for; the script's own finding stays, at medium.
func TestSupportTunnelUnit(t *testing.T) {
	script := ". /etc/support.conf\nwhile true; do ssh -N -o ServerAliveInterval=30 -i /etc/support/key -R \"$PORT\":localhost:22 \"$DEST\"; sleep 30; done\n"
	unit := "[Service]\nExecStart=/usr/local/sbin/support-tunnel.sh\nRestart=always\n[Install]\nWantedBy=multi-user.target\n"
	res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{
		{Path: "/usr/local/sbin/support-tunnel.sh", Content: []byte(script), Mode: 0o755},
		{Path: "/etc/systemd/system/support-tunnel.service", Content: []byte(unit), Mode: 0o644},
	}}}})
	seen := false
	for _, f := range res.Findings {
		if f.Severity >= audit.High {
			t.Errorf("%s %s %s: %s", f.Severity, f.Rule, f.Path, f.Title)
		}
		if f.Path == "/usr/local/sbin/support-tunnel.sh" && f.Severity == audit.Medium {
			seen = true
		}
	}
	if !seen {
		t.Errorf("the tunnel script is not reported at medium: %v", res.Findings)
	}
}
