package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestQuietStart runs `strata version` and `strata --version` on a terminal (script gives it
// one) and fails on any escape sequence: no command but the workbench may query the
// terminal, and none may wait for its answer.
func TestQuietStart(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Fatal("script (bsdutils, installed by make deps) is needed to give strata a terminal")
	}
	for _, arg := range []string{"version", "--version"} {
		cmd := exec.Command(script, "-qec", os.Args[0]+" "+arg, "/dev/null")
		cmd.Env = append(os.Environ(), "STRATA_TEST_MAIN=1", "TERM=xterm-256color")
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v: %q", arg, err, out)
		}
		if bytes.ContainsRune(out, 0x1b) {
			t.Errorf("%s wrote an escape sequence to the terminal: %q", arg, out)
		}
		if !bytes.HasPrefix(out, []byte("strata ")) {
			t.Errorf("%s printed %q, want the version line", arg, out)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, errOut, code := strata(t, args...)
		if code != 0 || out != build.String()+"\n" || !strings.HasPrefix(out, "strata "+version) {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errOut)
		}
	}
	if _, _, code := strata(t, "version", "extra"); code != 2 {
		t.Errorf("version with an argument: exit %d, want 2", code)
	}
}
