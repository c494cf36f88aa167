package secrets

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// FuzzContent scans arbitrary bytes under the names secrets are looked for in: every finding
// is a secret finding about the file scanned, the same from run to run, with evidence that is
// short, valid UTF-8 and never shows a value whole: past the evidence's last '=' or ':' (a key
// name may show in full) no run of 12 of the file's bytes without a separator appears.
func FuzzContent(f *testing.F) {
	for _, s := range []struct{ path, data string }{
		{"/app/.env", "DB_PASSWORD=s3cr3t-Value\nAPI_TOKEN=abcdef0123456789\n"},
		{"/srv/deploy.sh", "export AWS_ACCESS_KEY_ID=AKIAQ3EGRTSWV4MZLX7P\nexport AWS_SECRET_ACCESS_KEY=" + strings.Repeat("Ab1+", 10) + "\n"},
		{"/root/.docker/config.json", `{"auths": {"r.example.com": {"auth": "dXNlcjpwYXNzd29yZA=="}}}`},
		{"/srv/key.pem", "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Repeat("QUJD", 16) + "\n-----END RSA PRIVATE KEY-----\n"},
		{"/root/.netrc", "machine example.com login me password hunter22\n"},
		{"/home/me/.ssh/id_rsa", "\x00binary"},
		{"/srv/notes.txt", "ghp_" + strings.Repeat("a1B2", 9) + " xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"},
	} {
		f.Add(s.path, []byte(s.data))
	}
	a := New()
	f.Fuzz(func(t *testing.T, p string, data []byte) {
		p = "/" + strings.TrimLeft(p, "/")
		file := audit.File{Entry: &forensics.Entry{Path: p, Size: int64(len(data))}}
		got := a.Content(file, data)
		if again := a.Content(file, data); fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("two scans differ:\n%v\n%v", got, again)
		}
		for _, x := range got {
			if !strings.HasPrefix(x.Rule, "STRATA-SE-") || x.Category != audit.CategorySecret || x.Path != p {
				t.Fatalf("finding %+v", x)
			}
			if !utf8.ValidString(x.Evidence) || utf8.RuneCountInString(x.Evidence) > 300 {
				t.Fatalf("evidence %q", x.Evidence)
			}
			value := x.Evidence[strings.LastIndexAny(x.Evidence, "=:")+1:]
			for i := 0; i+12 <= len(data); i++ {
				run := string(data[i : i+12])
				if strings.ContainsAny(run, "=: \t\r\n\"',;()") {
					continue
				}
				if strings.Contains(value, run) && !strings.Contains(p, run) {
					t.Fatalf("evidence %q holds 24 bytes of the file as they are: %q", x.Evidence, run)
				}
			}
		}
	})
}
