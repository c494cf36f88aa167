package tui

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// updating reports the -update flag: rewrite the golden files in testdata/. The flag is
// defined by teatest's golden package, which this package's tests link in.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const (
	demoSuspect  = "../testdata/images/demo-suspect.tar"
	demoOriginal = "../testdata/images/demo-original.tar"
)

// testdataDir is the package's testdata directory, by its absolute path: a test may change
// the working directory (to name its images by short relative paths).
var testdataDir = "testdata"

func TestMain(m *testing.M) {
	if wd, err := os.Getwd(); err == nil {
		testdataDir = filepath.Join(wd, "testdata")
	}
	// Goldens and assertions read plain text: no colour, no attributes.
	lipgloss.SetColorProfile(termenv.Ascii)
	// Hermetic: the user's data directory and database are never read or written.
	for _, v := range []string{"STRATA_DB", "STRATA_DATA", "XDG_DATA_HOME"} {
		os.Unsetenv(v)
	}
	os.Exit(m.Run())
}

// testWorkspace is a data directory and history database of the test's own.
func testWorkspace(t testing.TB) *casework.Workspace {
	return &casework.Workspace{DataDir: t.TempDir(), Version: "test"}
}

// testScanner returns the scanner the workbench gets from strata tui: the built-in rules,
// compiled on first use, closed after the test.
func testScanner(t testing.TB, w *casework.Workspace) func(context.Context) (*casework.Scanner, error) {
	l := w.LazyScanner(casework.ScanOptions{})
	t.Cleanup(func() { l.Close() })
	return l.Get
}

// testOptions are the workbench's options in tests: a workspace of the test's own and the
// built-in rules.
func testOptions(t testing.TB, refs ...string) Options {
	w := testWorkspace(t)
	return Options{Refs: refs, Workspace: w, Scanner: testScanner(t, w)}
}

// newLoaded returns a model of w×h that has loaded refs, driven without a program.
func newLoaded(t testing.TB, w, h int, refs ...string) *Model {
	t.Helper()
	return newLoadedWith(t, w, h, testOptions(t, refs...))
}

// newLoadedWith is newLoaded with options of the test's choosing. Commands the loading
// starts (a scan on open, a comparison) are run to the end.
func newLoadedWith(t testing.TB, w, h int, opts Options) *Model {
	t.Helper()
	m := New(context.Background(), opts)
	t.Cleanup(func() { m.Close() })
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	cmd := m.Init()
	if cmd == nil {
		return m
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		// The loader's reader first; then the listing of the history store.
		for _, c := range b[1:] {
			run(t, m, c)
		}
		msg = b[0]()
	}
	for {
		if done, ok := msg.(loadDoneMsg); ok {
			// Jobs added meanwhile (the images of an input that holds several) re-arm the
			// reader: loading goes on until they are done too.
			_, next := m.Update(done)
			if next == nil {
				return m
			}
			msg = next()
			continue
		}
		_, next := m.Update(msg)
		if next == nil {
			t.Fatal("loading did not re-arm its reader")
		}
		// The loader's reader comes first in a batch; anything after it is work the loading
		// started (a scan on open, a comparison), run here to its end.
		out := next()
		b, ok := out.(tea.BatchMsg)
		if !ok {
			msg = out
			continue
		}
		for _, c := range b[1:] {
			run(t, m, c)
		}
		msg = b[0]()
	}
}

// keyMsg turns a key name into the message a terminal would give.
func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys one by one, running the commands they return (file reads, view changes)
// and feeding the workbench's own messages back, as the program would.
func press(t testing.TB, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		run(t, m, cmd)
	}
}

func run(t testing.TB, m *Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a command did not finish")
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			run(t, m, c)
		}
	case previewMsg, backMsg, openImageMsg, statusMsg, scanProgressMsg, scanFindingsMsg, scanDoneMsg, scanClosedMsg,
		diffReadyMsg, diffFindingsMsg, diffFileMsg, diffImagesMsg, scanImageMsg,
		switchTabMsg, selectLayerMsg, showLayerMsg, showFileMsg, showStepMsg,
		historyLoadedMsg, traceDoneMsg, storedImagesMsg, openStoredMsg, storedLocatedMsg, rereadMsg,
		imageOpeningMsg, imageOpenedMsg, layerReadMsg, layerViewsMsg, loadProgressMsg, imageReadyMsg, imageFailedMsg, inputHashMsg, rereadStartMsg, loadDoneMsg,
		imageExpandedMsg, auditMsg, auditProgressMsg, auditImageMsg, auditSkippedMsg, auditDoneMsg, auditClosedMsg, openFleetImageMsg, recordedScanMsg:
		// Loader messages re-arm the loader's reader, which run follows until the loader has
		// done every job it was given.
		_, next := m.Update(msg)
		run(t, m, next)
	}
}

// checkGolden compares got with testdata/name, or rewrites it under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join(testdataDir, name)
	if updating() {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("reading golden (run with -update to create it): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// checkFrame asserts that a frame has exactly w×h cells, so nothing is cut or overlaps.
func checkFrame(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if got := lipgloss.Width(l); got != w {
			t.Errorf("line %d is %d cells wide, want %d: %q", i, got, w, l)
		}
	}
}

// hiddenArchive writes the hidden-file scenario (a whiteout and an opaque directory) as a
// docker-archive.
func hiddenArchive(t testing.TB) string {
	t.Helper()
	b, err := imagebuild.Build(imagebuild.DemoHidden())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := imagebuild.WriteDockerArchive(&buf, imagebuild.Classic, b); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "hidden.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func resize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
