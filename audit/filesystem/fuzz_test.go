package filesystem

import (
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// FuzzAccounts reads arbitrary /etc/passwd, /etc/shadow and /etc/ld.so.preload contents: the
// findings are about those files and the layers that hold them, a second uid 0 account is
// found whenever passwd names one, and no password hash is shown whole.
func FuzzAccounts(f *testing.F) {
	f.Add("root:x:0:0:root:/root:/bin/sh\ntoor:$6$salt$hashhashhash:0:0::/:/bin/sh\nnobody::65534:65534::/:/bin/false\n# comment\n",
		"root::19000:0:99999:7:::\napp:!:19000::::::\n", "/usr/lib/libevil.so # comment\n/lib/x.so\n")
	f.Add("short:line\n\n\r\n", "root\n", "#only a comment\n")
	f.Fuzz(func(t *testing.T, passwd, shadow, preload string) {
		for _, x := range accountFindings([]byte(passwd), 1, []byte(shadow), 2) {
			switch {
			case x.Path == "/etc/passwd" && x.Layer == 1, x.Path == "/etc/shadow" && x.Layer == 2:
			default:
				t.Fatalf("finding %+v", x)
			}
			if x.Rule == RuleExtraRoot {
				fields := strings.Split(x.Evidence, ":")
				if len(fields) < 7 || fields[2] != "0" || fields[0] == "root" {
					t.Fatalf("second root %q", x.Evidence)
				}
				if h := fields[1]; h != "" && h != "x" && h != "*" && !strings.Contains(h, "****") {
					t.Fatalf("password hash shown: %q", x.Evidence)
				}
			}
		}
		roots := 0
		for _, line := range lines([]byte(passwd)) {
			if f := strings.Split(line, ":"); len(f) >= 7 && f[2] == "0" && f[0] != "root" {
				roots++
			}
		}
		found := 0
		for _, x := range accountFindings([]byte(passwd), 1, nil, -1) {
			if x.Rule == RuleExtraRoot {
				found++
			}
		}
		if found != roots {
			t.Fatalf("%d second root accounts, %d found", roots, found)
		}
		p := preloadFinding([]byte(preload), 3, int64(len(preload)))
		listed := false
		for _, line := range strings.Split(preload, "\n") {
			line, _, _ = strings.Cut(line, "#")
			listed = listed || strings.TrimSpace(line) != ""
		}
		if p.Path != "/etc/ld.so.preload" || p.Layer != 3 || (p.Severity == audit.Critical) != listed {
			t.Fatalf("preload finding %+v for %q", p, preload)
		}
	})
}

// An ld.so.preload too big to be kept for analysis is not "empty": padding must not lower
// what it lists from critical.
func TestPreloadTooBigToRead(t *testing.T) {
	for _, c := range []struct {
		data string
		size int64
		want audit.Severity
	}{
		{"/lib/x.so\n", 10, audit.Critical},
		{"# nothing\n", 10, audit.Medium},
		{"", 3_000_000, audit.Critical},
		{"", 0, audit.Medium},
	} {
		if f := preloadFinding([]byte(c.data), 0, c.size); f.Severity != c.want {
			t.Errorf("%q of %d bytes: %s %q, want %s", c.data, c.size, f.Severity, f.Title, c.want)
		}
	}
}
