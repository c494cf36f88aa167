package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
)

// probe wraps the program's model so a test can ask for the screen it would draw now. A
// request is a message, so it is answered after every key sent before it: waiting on the
// screen itself, not on the renderer's output stream, cannot miss a frame the renderer
// skipped or a line it did not redraw because it had not changed.
type probe struct{ m tea.Model }

type screenRequest chan string

func (p probe) Init() tea.Cmd { return p.m.Init() }

func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if r, ok := msg.(screenRequest); ok {
		r <- ansi.Strip(p.m.View())
		return p, nil
	}
	m, cmd := p.m.Update(msg)
	return probe{m}, cmd
}

func (p probe) View() string { return p.m.View() }

// startProgram runs m in a test terminal of w×h cells.
func startProgram(t *testing.T, m *Model, w, h int) *teatest.TestModel {
	t.Helper()
	return teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(w, h))
}

// finalModel waits for the program to end and returns its model.
func finalModel(t *testing.T, tm *teatest.TestModel) *Model {
	t.Helper()
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	return tm.FinalModel(t).(probe).m.(*Model)
}

// waitFor waits until the screen shows every one of want.
func waitFor(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	var screen string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r := make(screenRequest, 1)
		tm.Send(r)
		select {
		case screen = <-r:
		case <-time.After(time.Until(deadline)):
		}
		if containsAll(screen, want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("after 15s the screen still lacks one of %q:\n%s", want, screen)
}

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

func sendKeys(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
}

// TestFlow drives the program as a responder would: open the image, go to layer 5, expand a
// directory, read a file, show hidden files, and follow the Dockerfile to layer 5.
func TestFlow(t *testing.T) {
	m := New(context.Background(), Options{Refs: []string{demoSuspect}, Workspace: testWorkspace(t)})
	defer m.Close()
	tm := startProgram(t, m, 120, 40)

	// The only image opens by itself; its layers arrive in the background.
	waitFor(t, tm, "demo-suspect.tar: 6 layers")

	// Layer 5.
	sendKeys(tm, "j", "j", "j", "j", "j")
	waitFor(t, tm, "Layer 5 changes", "reverse_shell.so")

	// Into the tree; collapse everything, then expand /usr step by step.
	sendKeys(tm, "tab", "E", "G")
	waitFor(t, tm, "▸ usr/")
	sendKeys(tm, "l")
	waitFor(t, tm, "▸ share/")
	sendKeys(tm, "j", "l", "j", "l")
	waitFor(t, tm, "reverse_shell.so")

	// Open the file's preview.
	sendKeys(tm, "j", "enter")
	waitFor(t, tm, "|.ELF")

	// The whole filesystem, with hidden files shown.
	sendKeys(tm, "esc", "a", ".")
	waitFor(t, tm, "Whole filesystem, marks for layer 5", "hide whited-out")

	// The Dockerfile: from the top to the instruction that made layer 5.
	sendKeys(tm, "2", "g")
	waitFor(t, tm, "[2 Dockerfile]")
	for range 10 {
		sendKeys(tm, "j")
	}
	waitFor(t, tm, "made layer 5", "A /usr/share/lib/reverse_shell.so")

	// Enter goes to that layer's files.
	sendKeys(tm, "enter")
	waitFor(t, tm, "[1 Files]", "Layer 5 changes")
	sendKeys(tm, "q")
	final := finalModel(t, tm)
	im := final.current
	if im == nil {
		t.Fatal("no image view is open")
	}
	if im.files.layer != 5 || im.tab != tabFiles || im.files.focus != paneTree || im.files.aggregate || !im.files.showHidden {
		t.Errorf("final state: layer %d tab %d focus %d aggregate %v hidden %v; want layer 5, files, tree, layer changes, hidden shown",
			im.files.layer, im.tab, im.files.focus, im.files.aggregate, im.files.showHidden)
	}
	if !strings.Contains(final.View(), "Layer 5 changes") {
		t.Errorf("final view:\n%s", final.View())
	}
}

// Keys typed faster than they are read arrive as one message and still count one by one.
func TestCoalescedKeys(t *testing.T) {
	m := newLoaded(t, 120, 40, demoSuspect)
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjjjj")})
	run(t, m, cmd)
	if m.current.files.layer != 5 {
		t.Errorf("layer %d after jjjjj, want 5", m.current.files.layer)
	}
}

// TestScanFlow scans the demo suspect from the workbench, watches the critical LD_PRELOAD
// findings arrive, sorts them by layer and follows the reverse shell's finding to its file.
func TestScanFlow(t *testing.T) {
	m := New(context.Background(), testOptions(t, demoSuspect))
	defer m.Close()
	tm := startProgram(t, m, 120, 40)
	waitFor(t, tm, "demo-suspect.tar: 6 layers")

	sendKeys(tm, "s")
	waitFor(t, tm, "[3 Findings", "CRIT ld-preload", "STRATA-CF-003", "STRATA-LP-001", "SUSPICIOUS: 3 critical")

	// Sort by layer (severity, category, layer): the implant's findings are the last rows.
	sendKeys(tm, "o", "o")
	waitFor(t, tm, "sorted by layer")
	sendKeys(tm, "G", "k", "k", "k", "k")
	waitFor(t, tm, "> CRIT ld-preload  STRATA-LP-001")

	// Enter lands on the file in layer 5, its preview read.
	sendKeys(tm, "enter")
	waitFor(t, tm, "Layer 5 changes", "/usr/share/lib/reverse_shell.so", "|.ELF", "layers: A5")

	sendKeys(tm, "q")
	im := finalModel(t, tm).current
	if v := im.files.tree.current(); im.files.layer != 5 || im.tab != tabFiles || v == nil || v.path != "/usr/share/lib/reverse_shell.so" {
		t.Errorf("final state: layer %d tab %d row %v; want layer 5, files, reverse_shell.so", im.files.layer, im.tab, v)
	}
}

// TestDiffFlow opens the comparison of the demo pair as strata diff --tui does, reads the top
// change and finds LD_PRELOAD among the config changes.
func TestDiffFlow(t *testing.T) {
	opts := testOptions(t, demoOriginal, demoSuspect)
	opts.Diff = true
	m := New(context.Background(), opts)
	defer m.Close()
	tm := startProgram(t, m, 120, 40)

	waitFor(t, tm, "[Diff]", "> 100 A L5  /usr/share/lib/reverse_shell.so 8: COPY docker-", "brought by suspect layer 5, step 8")
	sendKeys(tm, "enter")
	waitFor(t, tm, "no text diff: binary", "|.ELF")
	sendKeys(tm, "esc", "2")
	waitFor(t, tm, "[2 Config (3)]", "env.LD_PRELOAD", "why: LD_PRELOAD added")

	sendKeys(tm, "q")
	if d := finalModel(t, tm).diff; d == nil || d.section != secConfig {
		t.Errorf("final diff view: %+v", d)
	}
}
