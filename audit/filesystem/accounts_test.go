package filesystem

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestExtraRootAccount: a second uid 0 account is critical root-user labelled persistence (a
// way back in as root), and tamper too when its password hash sits in /etc/passwd (written
// in by hand); root alone and ordinary accounts raise nothing.
func TestExtraRootAccount(t *testing.T) {
	passwd := "root:x:0:0:root:/root:/bin/bash\n" +
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
		"toor:x:0:0::/root:/bin/sh\n" +
		"svc:$6$Zk3p9q$1Xf0bWc8jKpQn2Vv7mR4sLtY9eH6uA3dC5gB8iN0oP1qS2rT4uV6wX8yZ0aB2cD4eF6gH8iJ0kL2mN4oP6qR8s:0:0::/root:/bin/bash\n"
	got := map[string]audit.Finding{}
	for _, f := range accountFindings([]byte(passwd), 1, nil, -1) {
		if f.Rule == RuleExtraRoot {
			got[f.Title] = f
		}
	}
	if len(got) != 2 {
		t.Fatalf("got %d second roots: %v", len(got), got)
	}
	for title, f := range got {
		if f.Severity != audit.Critical || !f.Is(audit.CategoryPersistence) {
			t.Errorf("%s: %v", title, f)
		}
		if hashed := f.Evidence != "" && title != "a second uid 0 account: toor"; hashed != f.Is(audit.CategoryTamper) {
			t.Errorf("%s: tamper label %v", title, f.Is(audit.CategoryTamper))
		}
	}
}
