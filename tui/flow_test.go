package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// waitFor waits until the program has drawn every one of want.
func waitFor(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	var seen []byte
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen = append(seen, b...)
		for _, w := range want {
			if !bytes.Contains(seen, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func sendKeys(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
}

// TestFlow drives the program as a responder would: open the image, go to layer 5, expand a
// directory, read a file, show hidden files, and follow the Dockerfile to layer 5.
func TestFlow(t *testing.T) {
	m := New(context.Background(), Options{Refs: []string{demoSuspect}, Open: openFunc(t)})
	defer m.Close()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))

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
	sendKeys(tm, "enter", "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	final := tm.FinalModel(t).(*Model)
	im := final.current
	if im == nil {
		t.Fatal("no image view is open")
	}
	if im.layer != 5 || im.tab != tabFiles || im.focus != paneTree || im.aggregate || !im.showHidden {
		t.Errorf("final state: layer %d tab %d focus %d aggregate %v hidden %v; want layer 5, files, tree, layer changes, hidden shown",
			im.layer, im.tab, im.focus, im.aggregate, im.showHidden)
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
	if m.current.layer != 5 {
		t.Errorf("layer %d after jjjjj, want 5", m.current.layer)
	}
}

// TestScanFlow scans the demo suspect from the workbench, watches the critical LD_PRELOAD
// findings arrive, sorts them by layer and follows the reverse shell's finding to its file.
func TestScanFlow(t *testing.T) {
	m := New(context.Background(), testOptions(t, demoSuspect))
	defer m.Close()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
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
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	im := tm.FinalModel(t).(*Model).current
	if v := im.tree.current(); im.layer != 5 || im.tab != tabFiles || v == nil || v.path != "/usr/share/lib/reverse_shell.so" {
		t.Errorf("final state: layer %d tab %d row %v; want layer 5, files, reverse_shell.so", im.layer, im.tab, v)
	}
}

// TestDiffFlow opens the comparison of the demo pair as strata diff --tui does, reads the top
// change and finds LD_PRELOAD among the config changes.
func TestDiffFlow(t *testing.T) {
	opts := testOptions(t, demoOriginal, demoSuspect)
	opts.Diff = true
	m := New(context.Background(), opts)
	defer m.Close()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))

	waitFor(t, tm, "[Diff]", "> 100 A L5  /usr/share/lib/reverse_shell.so 8: COPY docker-", "brought by suspect layer 5, step 8")
	sendKeys(tm, "enter")
	waitFor(t, tm, "no text diff: binary", "|.ELF")
	sendKeys(tm, "esc", "2")
	waitFor(t, tm, "[2 Config (3)]", "env.LD_PRELOAD", "why: LD_PRELOAD added")

	sendKeys(tm, "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if d := tm.FinalModel(t).(*Model).diff; d == nil || d.section != secConfig {
		t.Errorf("final diff view: %+v", d)
	}
}
