package audit_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestCleanCorpora scans real clean software, fetched by `make corpus` into .cache/corpus
// (Debian's WordPress, phpMyAdmin, MediaWiki and Tomcat packages unpacked, a real npm
// install of popular packages, and debian-web: a Debian root filesystem with the Perl,
// Python, Ruby and PHP web software bookworm ships, installed by mmdebstrap), each as a root
// filesystem: nothing may be high or critical but the findings accepted below, each with
// its reason. A corpus that was not fetched is skipped.
func TestCleanCorpora(t *testing.T) {
	if testing.Short() {
		t.Skip("scans a few hundred MB of clean software")
	}
	root := os.Getenv("STRATA_CORPUS")
	if root == "" {
		root = filepath.Join("..", ".cache", "corpus")
	}
	// accepted are findings on clean software that are right to raise: rule and path.
	accepted := map[string]string{
		// Mojolicious ships the private key of its development TLS server: a private key
		// in an image is worth a look, whoever put it there.
		"STRATA-SE-010 /usr/share/perl5/Mojo/IOLoop/resources/server.key": "Mojolicious's bundled development key",
	}
	for _, name := range []string{"wordpress", "phpmyadmin", "mediawiki", "tomcat10-examples", "tomcat10-admin", "libtomcat10-java", "npm", "debian-web"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(root, name)
			if _, err := os.Stat(filepath.Join(dir, ".done")); err != nil {
				t.Skipf("corpus %s not fetched (run `make corpus`: it needs apt-get with Debian's mirrors, or npm)", dir)
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			res := scanRef(t, "dir:"+abs, nil)
			s := res.Summary()
			t.Logf("%s: %d files; findings: %d critical, %d high, %d medium, %d low, %d info", name, res.Files,
				s[audit.Critical], s[audit.High], s[audit.Medium], s[audit.Low], s[audit.Info])
			shown := 0
			for _, f := range res.Findings {
				switch {
				case f.Severity >= audit.High && accepted[f.Rule+" "+f.Path] != "":
					t.Logf("  accepted %s %s %s: %s", f.Severity, f.Rule, f.Path, accepted[f.Rule+" "+f.Path])
				case f.Severity >= audit.High:
					t.Errorf("%s finding on clean software: %s %s: %s (%s)", f.Severity, f.Rule, f.Path, f.Title, f.Evidence)
				case f.Severity == audit.Medium && shown < 10:
					shown++
					t.Logf("  medium %s %s: %s", f.Rule, f.Path, f.Title)
				}
			}
		})
	}
}
