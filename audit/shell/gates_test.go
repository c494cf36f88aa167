package shell

import (
	"math/rand"
	"strings"
	"testing"
)

// gateFragments build strings that come near the shell-naming and redirection expressions
// from every side: shell names and paths, options, blanks, separators and words that hold
// "sh" without naming a shell.
var gateFragments = []string{"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "/bin/", "/usr", "/bin/sh", "cmd", "cmd.exe", "powershell",
	"powershell.exe", "pwsh", " ", "  ", "\t", "\n", "\r", "\f", "\v", "-i", "-li", "-c", "-", "i", ";", "|", "&", "<", ">", ">&", "<&",
	"%d", "%s", "3", "$fd", "#{", "hash", "push", "fresh", "shell", "x", "a", "b", ".", "exe", "/", "\\"}

func randomGateString(rng *rand.Rand) string {
	var b strings.Builder
	for n := rng.Intn(8); n >= 0; n-- {
		b.WriteString(gateFragments[rng.Intn(len(gateFragments))])
	}
	return b.String()
}

// TestShellNameGate holds namesAShell and redirectsFD to the expressions they stand in
// front of: on strings built to come close to them, the literal tests never decide other
// than the expressions.
func TestShellNameGate(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	fixed := []string{"", "sh", " sh ", "/bin/sh", "bash -i", "sh -li", "cmd", "pwsh", "powershell.exe ", "x; bash -i", "hash", "fresh -i",
		"/usr/bin/zsh", "sh\v", "sh\v-i", "exec 3<>/dev/tcp/h/1; sh <&3", "a >& %d", "ssh -i key", "shift",
		"Cmd-Z undo cmd-Y redo and a keymap long enough", " cmd.exe\t", "/bin/ls", "run /bin/bashful", ";/usr/bin/ksh93"}
	matched := 0
	for i := 0; i < 60000; i++ {
		s := randomGateString(rng)
		if i < len(fixed) {
			s = fixed[i]
		}
		want := shellString.MatchString(s)
		if got := namesAShell(s, false); got != want {
			t.Fatalf("namesAShell(%q) = %v, shellString says %v", s, got, want)
		}
		if got := namesAShell(s, true); got != want {
			t.Fatalf("namesAShell(%q, exhaustive) = %v, shellString says %v", s, got, want)
		}
		if want {
			matched++
		}
		if got, want := redirectsFD(s, false), fdRedirString.MatchString(s); got != want {
			t.Fatalf("redirectsFD(%q) = %v, fdRedirString says %v", s, got, want)
		}
	}
	if matched < 300 {
		t.Fatalf("only %d of the strings name a shell: the test does not come near the expression", matched)
	}
}
