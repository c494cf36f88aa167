package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics"
)

// compared returns the workbench at w×h on the comparison of the demo pair, as strata diff
// --tui opens it.
func compared(t *testing.T, w, h int) *Model {
	t.Helper()
	opts := testOptions(t, demoOriginal, demoSuspect)
	opts.Diff = true
	m := newLoadedWith(t, w, h, opts)
	if m.view != viewDiff || m.diff == nil || m.diff.d == nil {
		t.Fatalf("the diff view is not open: view %d diff %v", m.view, m.diff)
	}
	return m
}

func TestDiffViewRanksImplantFirst(t *testing.T) {
	m := compared(t, 120, 40)
	d := m.diff
	f := d.selectedFile()
	if f == nil || f.Path != "/usr/share/lib/reverse_shell.so" || f.Layer != 5 || f.Change != forensics.FileAdded {
		t.Fatalf("first ranked change: %+v", f)
	}
	v := m.View()
	checkFrame(t, v, 120, 40)
	for _, want := range []string{
		"demo-original.tar -> demo-suspect.tar", "1 replaced", "diverge at layer 5", "4 added, 0 removed, 3 modified",
		"[1 Files (7)]", "2 Config (3)", "4 Anomalies (3)",
		"> 100 A L5  /usr/share/lib/reverse_shell.so 8: COPY docker-",
		"named by LD_PRELOAD", "brought by suspect layer 5, step 8",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("diff view lacks %q:\n%s", want, v)
		}
	}
	// Enter reads the change on demand: a binary, so a note and the head as hex.
	press(t, m, "enter")
	v = m.View()
	for _, want := range []string{"no text diff: binary", "head of the suspect's version", "|.ELF", "esc: back to the list"} {
		if !strings.Contains(v, want) {
			t.Errorf("the implant's preview lacks %q:\n%s", want, v)
		}
	}
	// The cron job's content diff: added lines marked + (and coloured, where there is colour).
	press(t, m, "esc", "j")
	if f := d.selectedFile(); f == nil || f.Path != "/etc/cron.d/apt-compat-sync" {
		t.Fatalf("second ranked change: %+v", f)
	}
	press(t, m, "enter")
	v = m.View()
	for _, want := range []string{"+++ suspect/etc/cron.d/apt-compat-sync", "+*/10 * * * * root curl -fsSL", "+↪"} {
		if !strings.Contains(v, want) {
			t.Errorf("the cron job's diff lacks %q:\n%s", want, v)
		}
	}
}

func TestDiffViewSections(t *testing.T) {
	m := compared(t, 80, 24)
	press(t, m, "2")
	v := m.View()
	checkFrame(t, v, 80, 24)
	for _, want := range []string{"[2 Config (3)]", "env.LD_PRELOAD", "/usr/share/lib/reverse_shell.so"} {
		if !strings.Contains(v, want) {
			t.Errorf("config section lacks %q:\n%s", want, v)
		}
	}
	press(t, m, "3")
	if v := m.View(); !strings.Contains(v, "the history is the same") {
		t.Errorf("history section:\n%s", v)
	}
	press(t, m, "4")
	if v := m.View(); !strings.Contains(v, "layer-content-changed-history-kept") {
		t.Errorf("anomalies section:\n%s", v)
	}
	press(t, m, "t")
	if m.diff.section != secFindings {
		t.Errorf("t after anomalies went to %d", m.diff.section)
	}
	press(t, m, "t")
	if m.diff.section != secFiles {
		t.Errorf("t after the last section went to %d", m.diff.section)
	}
	press(t, m, "esc")
	if m.view != viewImages {
		t.Errorf("esc left view %d, want the Images view", m.view)
	}
}

// Package-manager changes are folded until n shows them.
func TestDiffViewFoldsNoise(t *testing.T) {
	m := compared(t, 120, 40)
	d := m.diff
	// The demo pair has no package churn: mark one change as noise to see it fold.
	d.d.Files[1].Noise = true
	d.d.Summary.Noise = 1
	d.rebuild()
	if len(d.files) != len(d.d.Files)-1 || !strings.Contains(m.View(), "1 package changes folded (n)") {
		t.Fatalf("noise not folded: %d of %d shown\n%s", len(d.files), len(d.d.Files), m.View())
	}
	press(t, m, "n")
	if len(d.files) != len(d.d.Files) || !strings.Contains(m.View(), "(pkg)") {
		t.Errorf("n did not show the noise: %d of %d", len(d.files), len(d.d.Files))
	}
}

// From the Images view: mark the original, then the suspect, and press d.
func TestDiffFromImages(t *testing.T) {
	m := newLoaded(t, 80, 24, demoOriginal, demoSuspect)
	press(t, m, "d")
	if m.view != viewDiff {
		t.Fatalf("d with two images did not open the diff view")
	}
	press(t, m, "esc")
	// Marked the other way round, the suspect is the original.
	press(t, m, "j", "space", "k", "space")
	if v := m.View(); !strings.Contains(v, "[original]") || !strings.Contains(v, "[suspect]") {
		t.Errorf("marks not shown:\n%s", v)
	}
	press(t, m, "d")
	if m.view != viewDiff || m.diff.orig.index != 1 || m.diff.susp.index != 0 {
		t.Fatalf("d compared %d with %d", m.diff.orig.index, m.diff.susp.index)
	}
	if f := m.diff.selectedFile(); f == nil || f.Change != forensics.FileRemoved || f.Layer != 5 {
		t.Errorf("reversed comparison ranks first %+v", f)
	}
	checkFrame(t, m.View(), 80, 24)
}

// Every section of the diff view fills the frame exactly at every size.
func TestDiffFramesAtManySizes(t *testing.T) {
	m := compared(t, 80, 24)
	screens := [][]string{nil, {"enter"}, {"esc", "j", "enter"}, {"2"}, {"3"}, {"4"}, {"?"}, {"?", "1"}}
	for _, size := range [][2]int{{80, 24}, {100, 30}, {119, 24}, {120, 40}, {200, 50}, {81, 25}} {
		m.Update(resize(size[0], size[1]))
		for _, keys := range screens {
			press(t, m, keys...)
			checkFrame(t, m.View(), size[0], size[1])
		}
	}
}

// The suspect is scanned after the comparison: its findings about what changed (the cron job,
// the LD_PRELOAD library and the env that loads it; none about the base image's setuid
// programs) are a section of their own, and enter goes to the finding's file.
func TestDiffViewFindings(t *testing.T) {
	m := compared(t, 120, 40)
	d := m.diff
	if d.scanning || d.scanErr != nil {
		t.Fatalf("scan after the comparison: scanning %v err %v", d.scanning, d.scanErr)
	}
	rules := map[string]bool{}
	for _, f := range d.findings {
		rules[f.Rule] = true
		if f.Path == "/usr/bin/su" {
			t.Errorf("a finding the original shares: %+v", f)
		}
	}
	for _, want := range []string{"STRATA-PS-001", "STRATA-LP-001", "STRATA-CF-003"} {
		if !rules[want] {
			t.Errorf("no %s among the findings about the changes: %v", want, rules)
		}
	}
	// The suspect's package databases and its findings ranked the cron file, which no package
	// owns and a critical rule flags, as the command line's diff does.
	for _, f := range d.d.Files {
		if f.Path == "/etc/cron.d/apt-compat-sync" && (f.Score != 100 || !strings.Contains(f.Why, "no package owns it") ||
			!strings.Contains(f.Why, "critical finding: STRATA-PS-001 (persistence)")) {
			t.Errorf("cron file after the scan: score %d, %q", f.Score, f.Why)
		}
	}
	press(t, m, "5")
	v := m.View()
	checkFrame(t, v, 120, 40)
	if !strings.Contains(v, fmt.Sprintf("[5 Findings (%d)]", len(d.findings))) || !strings.Contains(v, "STRATA-LP-001") {
		t.Errorf("findings section:\n%s", v)
	}
	for i, f := range d.findings {
		if f.Rule == "STRATA-PS-001" {
			d.lists[secFindings].cursor = i
		}
	}
	press(t, m, "enter")
	if f := d.selectedFile(); d.section != secFiles || f == nil || f.Path != "/etc/cron.d/apt-compat-sync" {
		t.Errorf("enter on the cron finding: section %d file %+v", d.section, f)
	}
}

// / filters the changed paths; typed keys are text (q does not quit), enter keeps the filter,
// esc clears it.
func TestDiffViewFilter(t *testing.T) {
	m := compared(t, 120, 40)
	d := m.diff
	all := len(d.files)
	press(t, m, "2", "/", "c", "r", "o", "n", "q")
	if d.section != secFiles || !d.filtering || d.filter.Value() != "cronq" {
		t.Fatalf("typing a filter: section %d filtering %v value %q", d.section, d.filtering, d.filter.Value())
	}
	if len(d.files) != 0 || !strings.Contains(m.View(), "Changed paths (0) · filter cronq") {
		t.Errorf("filter cronq keeps %d paths:\n%s", len(d.files), m.View())
	}
	press(t, m, "backspace", "enter")
	if d.filtering || len(d.files) != 2 {
		t.Fatalf("filter cron: filtering %v, %d paths, want /etc/cron.d and its file", d.filtering, len(d.files))
	}
	for _, i := range d.files {
		if !strings.Contains(d.d.Files[i].Path, "cron") {
			t.Errorf("filter cron kept %s", d.d.Files[i].Path)
		}
	}
	if v := m.View(); !strings.Contains(v, "/etc/cron.d/apt-compat-sync") || strings.Contains(v, "reverse_shell.so 8:") {
		t.Errorf("filtered list:\n%s", v)
	}
	press(t, m, "esc")
	if d.filter.Value() != "" || len(d.files) != all || m.view != viewDiff {
		t.Errorf("esc: filter %q, %d of %d paths, view %d", d.filter.Value(), len(d.files), all, m.view)
	}
}
