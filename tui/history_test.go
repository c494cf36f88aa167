package tui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// childTag tags the rebuilt child of the demo suspect: the suspect's six layers and one more.
const childTag = "strata-demo/webapp:1.3"

// reverseShellSHA256 is the content hash of the demo suspect's implant.
func reverseShellSHA256() string {
	sum := sha256.Sum256(imagebuild.ReverseShellSO())
	return hex.EncodeToString(sum[:])
}

// childArchive writes the demo suspect rebuilt with one more layer on top, under a new tag.
func childArchive(t testing.TB) string {
	t.Helper()
	img := imagebuild.DemoSuspect()
	img.Tags = []string{childTag}
	img.Layers = append(img.Layers, imagebuild.Layer{Files: []imagebuild.File{
		imagebuild.Dir("app"), imagebuild.Reg("app/VERSION", "1.3\n"),
	}})
	img.History = append(img.History, imagebuild.Step{Created: img.Created.Add(time.Hour), CreatedBy: "COPY VERSION /app/ # buildkit",
		Comment: "buildkit.dockerfile.v0"})
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "demo-child.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := imagebuild.WriteDockerArchive(f, imagebuild.Classic, b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// historyStore records the demo pair (scanned, as strata scan does) and the rebuilt child
// (inspected) in a new history database, in that order.
func historyStore(t testing.TB) *history.Store {
	t.Helper()
	ctx := context.Background()
	w := &casework.Workspace{DataDir: t.TempDir(), DB: filepath.Join(t.TempDir(), "strata.db"), Version: "test"}
	sc, err := w.NewScanner(ctx, casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	var chains [][]string
	for _, ref := range []string{demoOriginal, demoSuspect, childArchive(t)} {
		img, err := w.Open(ctx, ref, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(ref, "demo-child.tar") {
			trees, err := img.ReadLayers(ctx, forensics.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := img.InputHash(ctx); err != nil {
				t.Fatal(err)
			}
			w.RecordInspect(ctx, img, trees, func(e casework.Event) {
				if w, ok := e.(casework.Warning); ok {
					t.Fatal(w.Err)
				}
			})
		} else if r, err := sc.Scan(ctx, img, ref, nil); err != nil || r.ScanID == 0 {
			t.Fatalf("scanning %s: %v (scan %v)", ref, err, r)
		}
		var chain []string
		for _, l := range img.Layers {
			chain = append(chain, l.DiffID)
		}
		chains = append(chains, chain)
		img.Close()
	}
	if !reflect.DeepEqual(chains[2][:len(chains[1])], chains[1]) {
		t.Fatal("the rebuilt child does not sit on the demo suspect's layers")
	}
	s, err := w.OpenStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestHistoryFlow opens the demo suspect with a history holding the demo pair and a child
// built on the suspect: the tree comes from the store, the History tab shows the family and
// the tag that moved, and tracing the implant's hash lists the suspect and the child, says
// the suspect introduced it, and jumps to the file.
func TestHistoryFlow(t *testing.T) {
	opts := testOptions(t, demoSuspect)
	opts.Store = historyStore(t)
	m := New(context.Background(), opts)
	defer m.Close()
	tm := startProgram(t, m, 160, 48)
	waitFor(t, tm, "demo-suspect.tar: 6 layers, 117 paths · tree from the history store")

	sendKeys(tm, "4")
	waitFor(t, tm, "[4 History]", "v sha256:", childTag, "(+1)", "shares 5 of 6 layers", "MOVED 1 time", "MOVED, this image",
		"3 CRIT")

	sendKeys(tm, "T")
	waitFor(t, tm, "trace (string, auto; tab: kind)>")
	tm.Send(keyMsg(reverseShellSHA256()))
	waitFor(t, tm, "trace (sha256, auto; tab: kind)>")
	sendKeys(tm, "enter")
	waitFor(t, tm, "Trace (sha256): 2 sightings", "L5  this image   strata-demo/webapp:1.2 introduced here   /usr/share/lib/reverse_shell.so",
		"introduced by this sighting's own image")

	// The child's sighting names the suspect as the image that introduced it.
	sendKeys(tm, "j")
	waitFor(t, tm, "> L5  4b5e54eb4db6 "+childTag+" from e4dbf2e86eb2 /usr/share/lib/reverse_shell.so", "introduced by sha256:e4dbf2e86eb2 strata-demo/webapp:1.2 (this image)")

	// Back to this image's sighting: enter shows the file, read from the evidence.
	sendKeys(tm, "k", "enter")
	waitFor(t, tm, "Layer 5 changes", "|.ELF", "layers: A5", "4: back to the trace")

	sendKeys(tm, "q")
	im := finalModel(t, tm).current
	if v := im.files.tree.current(); im.files.layer != 5 || im.tab != tabFiles || v == nil || v.path != "/usr/share/lib/reverse_shell.so" {
		t.Errorf("final state: layer %d tab %d row %v; want layer 5, files, reverse_shell.so", im.files.layer, im.tab, v)
	}
}

// The tree built from the store's file index is the tree reading the layers builds: same
// paths, entries (hashes included), provenance, and layer views.
func TestFastOpenSameTree(t *testing.T) {
	store := historyStore(t)
	opts := testOptions(t, demoSuspect)
	opts.Store = store
	fast := newLoadedWith(t, 120, 40, opts)
	slow := newLoaded(t, 120, 40, demoSuspect)
	f, s := fast.images[0], slow.images[0]
	if !f.fromStore || s.fromStore {
		t.Fatalf("fromStore: fast %v, slow %v", f.fromStore, s.fromStore)
	}
	if f.tree.Len() != s.tree.Len() {
		t.Fatalf("fast tree has %d paths, the read one %d", f.tree.Len(), s.tree.Len())
	}
	s.tree.Walk("/", func(want *forensics.Node) bool {
		got := f.tree.Node(want.Path())
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs:\n got %+v\nwant %+v", want.Path(), got, want)
		}
		return true
	})
	if same, at := sameIndex(f.trees, s.trees); !same {
		t.Errorf("layer %d's entries differ", at)
	}
	for i := range s.layers {
		if f.layers[i].Files != s.layers[i].Files || f.layers[i].UncompressedSize != s.layers[i].UncompressedSize {
			t.Errorf("layer %d: %d files %d bytes, want %d %d", i, f.layers[i].Files, f.layers[i].UncompressedSize,
				s.layers[i].Files, s.layers[i].UncompressedSize)
		}
	}
	// The same screens, but for the status line that says where the tree came from.
	for _, keys := range [][]string{{"j", "j", "j", "j", "j"}, {"tab", "G", "enter"}, {"esc", "a", "e"}} {
		press(t, fast, keys...)
		press(t, slow, keys...)
		fv, sv := strings.Split(fast.View(), "\n"), strings.Split(slow.View(), "\n")
		fv, sv = fv[:len(fv)-2], sv[:len(sv)-2]
		if !reflect.DeepEqual(fv, sv) {
			t.Errorf("after %v the views differ:\n%s\n---\n%s", keys, strings.Join(fv, "\n"), strings.Join(sv, "\n"))
		}
	}

	// R reads the layers from the evidence and finds them as the store had them.
	press(t, fast, "R")
	if f.fromStore || f.rereading {
		t.Errorf("after R: fromStore %v rereading %v", f.fromStore, f.rereading)
	}
	if !strings.Contains(fast.View(), "they match the stored index") {
		t.Errorf("re-reading does not say the layers match:\n%s", fast.View())
	}
}

// A stored image opens from its recorded input; one whose input is gone says so.
func TestOpenStoredImage(t *testing.T) {
	store := historyStore(t)
	opts := testOptions(t, demoSuspect)
	opts.Store = store
	m := newLoadedWith(t, 120, 40, opts)
	press(t, m, "esc")
	v := m.View()
	for _, want := range []string{"Images (1, and 2 in the history store)", "S1 strata-demo/webapp:1.2", "last scan", "clean",
		"S2 " + childTag, "never scanned", "history: last scan", "3 CRIT"} {
		if !strings.Contains(v, want) {
			t.Errorf("Images view lacks %q:\n%s", want, v)
		}
	}
	checkFrame(t, v, 120, 40)
	// S2, the child: its input was a temporary file, still there.
	press(t, m, "j", "j", "enter")
	if len(m.images) != 2 || m.current == nil || m.current.st != m.images[1] || !m.images[1].ready() || !m.images[1].fromStore {
		t.Fatalf("opening the stored child: %d images, current %v", len(m.images), m.current)
	}
	if v := m.View(); !strings.Contains(v, "demo-child.tar") || !strings.Contains(v, "Layers (7)") {
		t.Errorf("the child's view:\n%s", v)
	}

	// An image whose evidence has gone.
	imgs, err := store.Images(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	gone := &history.Image{ID: 999, ConfigDigest: "sha256:0000"}
	for _, img := range imgs {
		if len(img.Tags) > 0 && img.Tags[0] == childTag {
			for _, p := range img.Inputs {
				os.Remove(p)
			}
			gone = img
		}
	}
	press(t, m, "esc", "esc")
	m.images = m.images[:1] // as if the child had never been opened here
	m.list.images = m.images
	m.list.cursor = 2
	press(t, m, "enter")
	if v := m.View(); !strings.Contains(v, "the evidence is no longer there") {
		t.Errorf("a stored image whose input is gone (%v) is not explained:\n%s", gone.Inputs, v)
	}
}

func TestDetectKind(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want traceKind
	}{
		{reverseShellSHA256(), traceSHA256},
		{"sha256:" + strings.ToUpper(reverseShellSHA256()), traceSHA256},
		{"/usr/share/lib/*.so", tracePath},
		{"*reverse*", tracePath},
		{"203.0.113.45", traceIP},
		{"2001:db8::1", traceIP},
		{"STRATA-LP-001", traceRule},
		{"reverse_shell_elf", traceRule},
		{"c2.example.invalid", traceDomain},
		{"LD_PRELOAD=/usr/lib/x.so", traceString},
		{"curl -fsSL", traceString},
		{"deadbeef", traceString},
	} {
		if got := detectKind(tc.in); got != tc.want {
			t.Errorf("detectKind(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// historyGoldenStates are the History tab's screens kept as goldens.
var historyGoldenStates = []struct {
	name string
	keys []string
}{
	{"history", []string{"4"}},
	{"history-trace", []string{"T", reverseShellSHA256(), "enter", "j"}},
}

// stamps are the recording times, which change from run to run.
var stamps = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d`)

func TestGoldenHistoryViews(t *testing.T) {
	store := historyStore(t)
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, gs := range historyGoldenStates {
			name := fmt.Sprintf("%s-%dx%d", gs.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				opts := testOptions(t, demoSuspect)
				opts.Store = store
				m := newLoadedWith(t, size[0], size[1], opts)
				press(t, m, gs.keys...)
				view := m.View()
				checkFrame(t, view, size[0], size[1])
				checkGolden(t, name+".golden", stamps.ReplaceAllString(view, "YYYY-MM-DD hh:mm"))
			})
		}
	}
}
