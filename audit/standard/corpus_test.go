package standard_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/signatures"
)

// corpusDir is where `make corpus` puts the clean corpora: STRATA_CORPUS, else the
// repository's .cache/corpus (gitignored).
func corpusDir() string {
	if d := os.Getenv("STRATA_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", ".cache", "corpus")
}

// accepted are findings on clean software that are right to raise, by rule and path, each
// with its reason.
// (Mojolicious's bundled development TLS key was one until a key a package ships unchanged
// became low: it is public.)
var accepted = map[string]string{}

// TestCleanCorpora scans real clean software with every standard analyzer, as strata scan
// does. `make corpus` fetches it once into .cache/corpus: Debian's WordPress, phpMyAdmin,
// MediaWiki and Tomcat packages unpacked; a real npm install of popular packages (bundles
// that spawn processes and open sockets, shell helpers, READMEs with install one-liners,
// native code: esbuild's Go binary, sharp's libvips, swc's Rust library); and debian-web, a
// bookworm root filesystem of the standard variant (Debian's /usr, maintainer scripts, cron
// jobs, systemd units) with the Perl, Python, Ruby and PHP web software bookworm ships,
// installed by mmdebstrap; and debian-autostart, the autostart, sudo and PAM files of Debian's
// login, ssh, cron, at, systemd, display manager and server packages unpacked together; and
// debian-kernel, the cloud kernel's modules and libxdp's eBPF objects. A high or critical finding fails, but for those accepted above; the
// counts per severity and the mediums are logged. A corpus that was not fetched is skipped.
func TestCleanCorpora(t *testing.T) {
	if testing.Short() {
		t.Skip("scans the clean corpora")
	}
	for _, c := range []struct {
		name     string
		minFiles int
	}{
		{"wordpress", 1000}, {"phpmyadmin", 1000}, {"mediawiki", 10000}, {"tomcat10-examples", 100},
		{"tomcat10-admin", 10}, {"libtomcat10-java", 50}, {"npm", 10000}, {"debian-web", 50000}, {"debian-autostart", 3000},
		{"debian-kernel", 1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(corpusDir(), c.name)
			if _, err := os.Stat(filepath.Join(dir, ".done")); err != nil {
				t.Skipf("corpus %s not fetched (run `make corpus`: it needs apt-get with Debian's mirrors, mmdebstrap, or npm)", dir)
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			res := scanDir(t, abs)
			if res.Files < c.minFiles {
				t.Fatalf("%s: %d files scanned, want at least %d: the corpus is not what it should be", c.name, res.Files, c.minFiles)
			}
			s := res.Summary()
			fmt.Printf("corpus %s: %d files, critical %d, high %d, medium %d, low %d, info %d\n", c.name, res.Files,
				s[audit.Critical], s[audit.High], s[audit.Medium], s[audit.Low], s[audit.Info])
			for _, f := range res.Findings {
				switch {
				case f.Severity >= audit.High && accepted[f.Rule+" "+f.Path] != "":
					t.Logf("accepted %s %s %s: %s", f.Severity, f.Rule, f.Path, accepted[f.Rule+" "+f.Path])
				case f.Severity >= audit.High:
					t.Errorf("%s %s %s: %s [%s]", f.Severity, f.Rule, f.Path, f.Title, f.Evidence)
				case f.Severity == audit.Medium:
					t.Logf("medium %s %s: %s [%s]", f.Rule, f.Path, f.Title, f.Evidence)
				}
			}
		})
	}
}

func scanDir(t *testing.T, dir string) *audit.Result {
	t.Helper()
	rules, err := signatures.Compile(signatures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rules.Close()
	set, err := standard.New(standard.Options{Rules: rules, Packages: true, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	img, err := forensics.Open(context.Background(), "dir:"+dir, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: set.Analyzers})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
