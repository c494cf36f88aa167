package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/strata-forensics/strata/audit/report"
)

// hostileByte names the first thing in out that could act on a terminal or a reader: a
// control character other than newline and tab (ESC, BEL, CR, DEL, C1), a bidi or other format
// character, or a byte that is not UTF-8; "" when there is none.
func hostileByte(out string) string {
	for i := 0; i < len(out); {
		r, size := utf8.DecodeRuneInString(out[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return fmt.Sprintf("byte %#x (not UTF-8) at %d", out[i], i)
		case r == '\n' || r == '\t':
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			return fmt.Sprintf("control character %U at %d", r, i)
		case unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp):
			return fmt.Sprintf("format character %U at %d", r, i)
		}
		i += size
	}
	return ""
}

func around(s string, at string) string {
	var i int
	fmt.Sscanf(at[strings.LastIndex(at, " at ")+4:], "%d", &i)
	return fmt.Sprintf("%q", s[max(0, i-40):min(len(s), i+20)])
}

// TestNoEscapeReachesOutput runs every command's text output, and the Markdown and HTML
// reports, on images whose file names, tags, history lines, Env values, labels, authors and
// file contents hold ESC, OSC (title, clipboard), CSI, C1, bidi overrides and invalid UTF-8,
// and fails on any raw control byte or bidi control in what they print.
func TestNoEscapeReachesOutput(t *testing.T) {
	dir := t.TempDir()
	orig, susp := hostilePair(t, dir)
	data := t.TempDir()
	report := func(format string) string { return filepath.Join(dir, "report."+format) }
	tests := []struct {
		args []string
		file string // the output is this file (-o), not standard output
	}{
		{args: []string{"inspect", susp}},
		{args: []string{"layers", susp}},
		{args: []string{"layers", "--hidden", susp}},
		{args: []string{"layers", "--layer", "1", susp}},
		{args: []string{"dockerfile", susp}},
		{args: []string{"scan", susp}},
		{args: []string{"diff", "--all", "--diff-lines", "0", orig, susp}},
		{args: []string{"diff", "--path", "/etc/motd", orig, susp}},
		{args: []string{"diff", "--path", "/app/invoice" + rlo + "fdp.sh", orig, susp}},
		{args: []string{"sbom", susp}},
		{args: []string{"sbom", "--unpackaged", susp}},
		{args: []string{"cat", susp, "/etc/motd"}, file: ""},
		{args: []string{"family"}},
		{args: []string{"family", susp}},
		{args: []string{"tags"}},
		{args: []string{"history"}},
		{args: []string{"trace", "--string", "pwned"}},
		{args: []string{"trace", "--path", "/app/*"}},
		{args: []string{"store", "--check"}},
		{args: []string{"report", "--diff", "--format", "md", "-o", report("md"), orig, susp}, file: report("md")},
		{args: []string{"report", "--diff", "--format", "html", "-o", report("html"), orig, susp}, file: report("html")},
		{args: []string{"report", "--format", "md", "-o", report("image.md"), susp}, file: report("image.md")},
		{args: []string{"layers", susp, "--path", "/etc/cron.d/title" + oscTitle}},
		// JSON is exact, and inert too: JSON escapes what a terminal would act on.
		{args: []string{"inspect", "--format", "json", susp}},
		{args: []string{"layers", "--format", "json", susp}},
		{args: []string{"diff", "--format", "json", orig, susp}},
		{args: []string{"scan", "--format", "sarif", susp}},
		{args: []string{"report", "--diff", "--format", "json", orig, susp}},
	}
	sawEscapes := false
	for _, tc := range tests {
		if tc.args[0] == "cat" {
			continue // cat writes raw bytes into a pipe by design; TestCatOnATerminal covers a terminal
		}
		stdout, stderr, code := strataIn(t, data, tc.args...)
		if code != 0 && code != 1 {
			t.Errorf("%q: exit %d: %s", tc.args, code, stderr)
		}
		out := stdout
		if tc.file != "" {
			b, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			out = string(b)
		}
		for name, s := range map[string]string{"output": out, "stderr": stderr} {
			if bad := hostileByte(s); bad != "" {
				t.Errorf("%q %s: %s: %s", tc.args, name, bad, around(s, bad))
			}
		}
		if strings.Contains(out, `\x1b]0;pwned\x07`) || strings.Contains(out, `\u202e`) {
			sawEscapes = true
		}
	}
	if !sawEscapes {
		t.Error("no output shows the hostile names as escapes: the test images lost them")
	}
}

// TestNoEscapeInErrors: an error naming a hostile path is printed inert.
func TestNoEscapeInErrors(t *testing.T) {
	dir := t.TempDir()
	_, susp := hostilePair(t, dir)
	for _, args := range [][]string{
		{"cat", susp, "/etc/missing" + oscClip},
		{"inspect", filepath.Join(dir, "no"+oscTitle+rlo+".tar")},
		{"diff", "--path", "/nowhere" + csiClear, susp, susp},
	} {
		_, stderr, code := strata(t, args...)
		if code != exitBadInput {
			t.Errorf("%q: exit %d, want %d", args, code, exitBadInput)
		}
		if bad := hostileByte(stderr); bad != "" || !strings.Contains(stderr, `\x1b`) && !strings.Contains(stderr, `\u202e`) {
			t.Errorf("%q: stderr %q (%s)", args, stderr, bad)
		}
	}
}

// TestCatOnATerminal: what strata cat writes to a terminal is the file's text made inert,
// whatever size the reads come in, and binary content is refused.
func TestCatOnATerminal(t *testing.T) {
	text := strings.Repeat("plain line\n", 1000) + hostileContent + "é日本\n"
	want := report.Inert(text, true)
	for _, chunk := range []int{1, 3, 4096, len(text)} {
		var b strings.Builder
		tw := &terminalText{w: &b, name: "/etc/motd"}
		for i := 0; i < len(text); i += chunk {
			if _, err := tw.Write([]byte(text[i:min(i+chunk, len(text))])); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Flush(); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("chunk %d: output differs from the text made inert", chunk)
		}
		if bad := hostileByte(b.String()); bad != "" {
			t.Errorf("chunk %d: %s", chunk, bad)
		}
	}
	for _, bin := range []string{"\x7fELF\x02\x01\x01\x00\x00", strings.Repeat("x", 5000) + "\x00" + strings.Repeat("y", 5000)} {
		var b strings.Builder
		tw := &terminalText{w: &b, name: "/bin/sh"}
		_, err := tw.Write([]byte(bin))
		if err == nil {
			err = tw.Flush()
		}
		var be binaryError
		if !errors.As(err, &be) || b.Len() != 0 {
			t.Errorf("binary content: %v, wrote %d bytes", err, b.Len())
		}
	}
}
