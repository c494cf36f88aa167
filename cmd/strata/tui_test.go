package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The workbench's flags are checked before the screen is taken over: a rule file that does not
// compile, or a diff without two images, is bad input (exit 2) with a message on stderr.
func TestTUIBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yar")
	if err := os.WriteFile(bad, []byte("rule broken { condition: nope }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tui", "--scan", "--rules", bad, suspect}, "bad.yar"},
		{[]string{"tui"}, "name at least one image"},
		{[]string{"diff", "--tui", suspect}, "ORIGINAL and SUSPECT"},
	} {
		_, stderr, code := strata(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", tc.args, code, stderr, tc.want)
		}
	}
}
