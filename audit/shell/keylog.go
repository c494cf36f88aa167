package shell

import (
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// RuleKeylog is the rule of keystrokes captured and kept or sent.
const RuleKeylog = "STRATA-CT-007"

// keylogTrigger reports what a script that records the keyboard names: a keylogger program or
// the kernel's input devices. It opens a script to the keylogger readings.
func keylogTrigger(g *grams, data []byte) bool {
	return g.hasAny(data, "/dev/input/", "logkeys", "xinput", "evtest")
}

// keylogLangTrigger reports what Python, Node.js, Perl or Ruby code that listens to the
// keyboard names: a keyboard hook library or the kernel's input devices.
func keylogLangTrigger(g *grams, lang string, data []byte) bool {
	switch lang {
	case "python", "node", "perl", "ruby":
	default:
		return false
	}
	if g.hasAny(data, "pynput", "pyxhook", "/dev/input/", "iohook", "uIOhook", "GlobalKeyboardListener") {
		return true
	}
	return lang == "python" && g.hasString(data, "evdev") || g.hasString(data, "keyboard") && (g.hasString(data, "on_press") ||
		g.hasString(data, "on_release") || g.hasString(data, "keyboard.hook") || g.hasString(data, "keyboard.record"))
}

// keylogLang reads Python, Node.js, Perl and Ruby code that listens to the keyboard (pynput's
// or pyxhook's listeners, the keyboard module's hooks, iohook and uiohook, evdev reading an
// input device, /dev/input/event* opened) and keeps what it hears (a file written, a log
// file configured) or sends it: a keylogger (T1056.001). A listener that keeps nothing (a
// hotkey handler) stays silent.
func (a *analysis) keylogLang(s *syntax.Stmt, lang string, ts []token) {
	listener, keeps, at := "", "", 0
	pynput, keyboard, evdev := false, false, false
	for i, t := range ts {
		switch t.kind {
		case tokIdent:
			member := i >= 2 && (ts[i-1].text == "." || ts[i-1].text == "->")
			switch {
			case t.text == "pynput":
				pynput = true
			case t.text == "keyboard":
				keyboard = true
			case t.text == "evdev" || t.text == "InputDevice":
				evdev = true
			case t.text == "pyxhook" || t.text == "uIOhook" || t.text == "GlobalKeyboardListener":
				listener, at = t.text, i
			case t.text == "Listener" && pynput && keyboard:
				listener, at = "pynput's keyboard listener", i
			case member && ts[i-2].text == "keyboard" && (t.text == "on_press" || t.text == "on_release" || t.text == "hook" || t.text == "record" ||
				t.text == "on_press_key"):
				listener, at = "the keyboard module's "+t.text+" hook", i
			case (t.text == "read_loop" || t.text == "async_read_loop") && evdev:
				listener, at = "an input device read through evdev", i
			case t.text == "basicConfig" && slices.ContainsFunc(ts[i:min(len(ts), i+12)], func(x token) bool { return x.text == "filename" }):
				keeps = "written to a log file"
			case (t.text == "write" || t.text == "writelines" || t.text == "appendFileSync" || t.text == "appendFile" || t.text == "writeFileSync" ||
				t.text == "syswrite" || t.text == "print") && member:
				if keeps == "" {
					keeps = "written to a file"
				}
			case t.text == "urlopen" || t.text == "sendall" || t.text == "sendmail" || t.text == "send_message" || t.text == "post" && member ||
				t.text == "request" && member || t.text == "fetch" || t.text == "sendto":
				keeps = "sent off the machine"
			}
		case tokString:
			switch {
			case listener != "":
			case strings.HasPrefix(t.text, "/dev/input/event") || strings.HasPrefix(t.text, "/dev/input/by-"):
				listener, at = "the kernel's input device "+t.text, i
			case t.text == "iohook" || t.text == "uiohook-napi" || t.text == "node-global-key-listener":
				listener, at = t.text, i
			}
		}
	}
	if listener == "" || keeps == "" {
		return
	}
	detail := "keystrokes heard through " + listener + " are " + keeps
	if s != nil {
		a.hitAt(hitKeylog, s, val{}, detail)
		return
	}
	a.hits.add(hit{kind: hitKeylog, evidence: snippet(ts[max(0, at-4):min(len(ts), at+12)]), chain: slices.Clone(a.chain), place: a.place,
		detail: detail})
}

// keylogCmd reads a command that records the keyboard: logkeys started, or xinput test,
// evtest or a read of /dev/input/event* whose output goes to a file or the network.
func (a *analysis) keylogCmd(s *syntax.Stmt, name string, args []val, fds fdset) {
	kept := fds[1].wr != nil && (fds[1].wr.path != "" && fds[1].wr.path != "/dev/null" || fds[1].wr.net)
	piped := fds[1].wr != nil && fds[1].wr.buf != nil
	keys := false
	switch {
	case name == "logkeys" && slices.ContainsFunc(args, func(v val) bool { return v.s == "-s" || v.s == "--start" }):
		a.hitAt(hitKeylog, s, val{}, "logkeys started: it records every key pressed")
	case name == "xinput" && len(args) > 0 && (args[0].s == "test" || args[0].s == "test-xi2"):
		keys = true
		if kept {
			a.hitAt(hitKeylog, s, val{}, "xinput "+args[0].s+" prints every key pressed, kept in a file or sent")
		}
	case (name == "evtest" || name == "cat" || name == "dd" || name == "od" || name == "xxd" || name == "hexdump") &&
		slices.ContainsFunc(args, func(v val) bool { return strings.Contains(v.s, "/dev/input/") }):
		keys = true
		if kept {
			a.hitAt(hitKeylog, s, val{}, name+" reads the kernel's input device, kept in a file or sent: every key pressed")
		}
	}
	if keys && piped {
		// what reads the pipe gets the keys: a sender downstream sends them (CT-001)
		a.write(fds[1], val{s: unknown, partial: true, cred: credKeystrokes}, s)
	}
}
