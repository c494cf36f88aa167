package tui

import (
	"fmt"
	"strings"
	"testing"
)

// goldenStates are the screens kept as goldens, each reached by keys from a freshly loaded
// demo-suspect image.
var goldenStates = []struct {
	name string
	keys []string
}{
	{"images", []string{"esc", "esc"}},
	{"layer5-preview", []string{"j", "j", "j", "j", "j", "tab", "G", "enter"}},
	{"layer2-diff", []string{"j", "j", "tab", "j", "j", "j", "j", "j", "enter"}},
	{"filesystem-filter", []string{"j", "j", "j", "j", "j", "a", "/", "r", "e", "v", "enter"}},
	{"dockerfile", []string{"]", "]", "]", "]", "]", "2"}},
	{"help", []string{"?"}},
	{"findings-by-layer", []string{"s", "o", "o"}},
}

// diffGoldenStates are the screens of the comparison of the demo pair kept as goldens.
var diffGoldenStates = []struct {
	name string
	keys []string
}{
	{"diff-cron", []string{"j", "enter"}},
	{"diff-config", []string{"2"}},
	{"diff-findings", []string{"5", "j", "j"}},
}

func TestGoldenDiffViews(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, gs := range diffGoldenStates {
			name := fmt.Sprintf("%s-%dx%d", gs.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := compared(t, size[0], size[1])
				press(t, m, gs.keys...)
				view := m.View()
				checkFrame(t, view, size[0], size[1])
				checkGolden(t, name+".golden", view)
			})
		}
	}
}

func TestGoldenViews(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, gs := range goldenStates {
			name := fmt.Sprintf("%s-%dx%d", gs.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := newLoaded(t, size[0], size[1], demoSuspect)
				press(t, m, gs.keys...)
				view := m.View()
				checkFrame(t, view, size[0], size[1])
				checkGolden(t, name+".golden", view)
			})
		}
	}
}

// Every view at the smallest supported size and a large one fills the frame exactly.
func TestFramesAtManySizes(t *testing.T) {
	m := newLoaded(t, 80, 24, demoSuspect)
	screens := [][]string{nil, {"tab", "G", "enter"}, {"esc", "a", "."}, {"2"}, {"?"}, {"?", "esc", "esc", "esc"}, {"3"}, {"s"}, {"3", "/", "x"}, {"esc", "esc"}}
	for _, size := range [][2]int{{80, 24}, {100, 30}, {119, 24}, {120, 40}, {200, 50}, {81, 25}} {
		m.Update(resize(size[0], size[1]))
		for _, keys := range screens {
			press(t, m, keys...)
			checkFrame(t, m.View(), size[0], size[1])
		}
		press(t, m, "1")
	}
}

func TestLayer5ShowsReverseShell(t *testing.T) {
	m := newLoaded(t, 120, 40, demoSuspect)
	press(t, m, "j", "j", "j", "j", "j")
	v := m.View()
	for _, want := range []string{"Layer 5 changes", "reverse_shell.so", "apt-compat-sync", "COPY docker-entrypoint.sh /"} {
		if !strings.Contains(v, want) {
			t.Errorf("layer 5 view lacks %q:\n%s", want, v)
		}
	}
	press(t, m, "tab", "G", "enter")
	v = m.View()
	for _, want := range []string{"/usr/share/lib/reverse_shell.so", "binary, 14304 bytes read", "|.ELF....|", "layers: A5"} {
		if !strings.Contains(v, want) {
			t.Errorf("preview lacks %q:\n%s", want, v)
		}
	}
}

func TestModifiedFileDiff(t *testing.T) {
	m := newLoaded(t, 160, 48, demoSuspect)
	press(t, m, "j", "j", "tab")
	if !m.current.files.tree.reveal("/etc/passwd") {
		t.Fatal("layer 2 does not show /etc/passwd")
	}
	press(t, m, "enter")
	v := m.View()
	for _, want := range []string{"diff against layer 0", "--- layer 0/etc/passwd", "+++ layer 2/etc/passwd", "+app:x:"} {
		if !strings.Contains(v, want) {
			t.Errorf("diff view lacks %q:\n%s", want, v)
		}
	}
}

func TestHiddenFiles(t *testing.T) {
	m := newLoaded(t, 160, 48, hiddenArchive(t))
	im := m.current
	// Layer 2 removes xmrig and setup.sh: its own view shows the whiteouts.
	press(t, m, "j", "j")
	v := m.View()
	for _, want := range []string{"D  (whiteout)", "xmrig", "[opaque]"} {
		if !strings.Contains(v, want) {
			t.Errorf("layer 2 view lacks %q:\n%s", want, v)
		}
	}
	// Layer 1 added them; they are marked H, not in the final filesystem.
	press(t, m, "k", "tab")
	if !im.files.tree.reveal("/opt/tools/xmrig") {
		t.Fatal("layer 1 does not show xmrig")
	}
	if v := m.View(); !strings.Contains(v, "AH") {
		t.Errorf("xmrig in layer 1 is not marked added and hidden:\n%s", v)
	}
	// The whole filesystem leaves hidden files out until asked.
	press(t, m, "a", "e")
	if strings.Contains(m.View(), " xmrig") {
		t.Errorf("hidden xmrig shown before toggling:\n%s", m.View())
	}
	press(t, m, ".")
	v = m.View()
	if !strings.Contains(v, "AH -rwxr-xr-x") || !strings.Contains(v, "xmrig (removed by layer 2)") {
		t.Errorf("hidden xmrig not shown after toggling:\n%s", v)
	}
	// Reading a removed file reads its copy in the layer that had it.
	press(t, m, "a")
	press(t, m, "j")
	if !im.files.tree.reveal("/opt/tools/xmrig") {
		t.Fatal("layer 2 does not show the xmrig whiteout")
	}
	press(t, m, "enter")
	if v := m.View(); !strings.Contains(v, "|.ELF") {
		t.Errorf("removed xmrig not read from layer 1:\n%s", v)
	}
}

func TestDockerfileSelectsLayer(t *testing.T) {
	m := newLoaded(t, 120, 40, demoSuspect)
	press(t, m, "2", "g")
	im := m.current
	for i := 0; i < 40 && im.docker.selectedLayer() != 5; i++ {
		press(t, m, "j")
	}
	if im.files.layer != 5 {
		t.Fatalf("selecting the layer-5 instruction selected layer %d", im.files.layer)
	}
	v := m.View()
	for _, want := range []string{"made layer 5", "A /usr/share/lib/reverse_shell.so", "COPY docker-entrypoint.sh /"} {
		if !strings.Contains(v, want) {
			t.Errorf("Dockerfile tab lacks %q:\n%s", want, v)
		}
	}
	press(t, m, "enter")
	if im.tab != tabFiles || im.files.focus != paneTree || im.files.layer != 5 {
		t.Errorf("enter left tab %d focus %d layer %d, want the files of layer 5", im.tab, im.files.focus, im.files.layer)
	}
}

func TestNoImages(t *testing.T) {
	m := New(t.Context(), Options{Workspace: testWorkspace(t)})
	defer m.Close()
	m.Init()
	m.Update(resize(80, 24))
	v := m.View()
	checkFrame(t, v, 80, 24)
	if !strings.Contains(v, "strata tui IMAGE...") {
		t.Errorf("empty workbench does not say how to give an image:\n%s", v)
	}
}

func TestBadImage(t *testing.T) {
	m := newLoaded(t, 80, 24, "testdata/no-such-image.tar")
	v := m.View()
	checkFrame(t, v, 80, 24)
	if !strings.Contains(v, "failed") || !strings.Contains(v, "no-such-image.tar") {
		t.Errorf("a missing image is not reported:\n%s", v)
	}
}

// Help shows the keys of the view or tab on screen, and the image's own keys in every tab.
func TestHelpShowsFocusedKeys(t *testing.T) {
	m := newLoaded(t, 160, 48, demoSuspect)
	for _, tc := range []struct {
		tab       string
		want, not []string
	}{
		{"1", []string{"expand all", "whited-out files", "next tab", "scan: findings stream"}, []string{"sort: severity", "scan log"}},
		{"2", []string{"the files its layer changed", "next tab"}, []string{"expand all", "sort: severity"}},
		{"3", []string{"sort: severity/category/layer", "open its file in the tree", "next tab"}, []string{"expand all", "scan log"}},
		{"4", []string{"scan log: min severity", "(typing) indicator kind", "next tab"}, []string{"expand all", "sort: severity"}},
	} {
		press(t, m, tc.tab, "?")
		v := m.View()
		if !containsAll(v, tc.want) {
			t.Errorf("tab %s: help lacks one of %q:\n%s", tc.tab, tc.want, v)
		}
		for _, w := range tc.not {
			if strings.Contains(v, w) {
				t.Errorf("tab %s: help shows another view's %q:\n%s", tc.tab, w, v)
			}
		}
		press(t, m, "esc")
	}
	press(t, m, "esc", "esc", "?")
	if v := m.View(); !strings.Contains(v, "mark original, then suspect") || strings.Contains(v, "expand all") {
		t.Errorf("the Images view's help:\n%s", v)
	}
}
