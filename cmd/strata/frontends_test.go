package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/audit/accept"
	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/tui"
)

// drive runs a workbench's commands as its program would, feeding each message back, until
// nothing is left to run: loading, scans and comparisons all done.
func drive(t *testing.T, m *tui.Model, cmds ...tea.Cmd) {
	t.Helper()
	queue := cmds
	for n := 0; len(queue) > 0; n++ {
		if n > 100000 {
			t.Fatal("the workbench never settled")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if _, ok := msg.(tea.QuitMsg); ok {
			continue
		}
		_, next := m.Update(msg)
		queue = append(queue, next)
	}
}

func press(m *tui.Model, key string) tea.Cmd {
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(key)})
	return cmd
}

// recorded is what a history database holds about scans and comparisons, without the times,
// ids and options that differ from run to run.
type recorded struct {
	Scans []recordedScan
	Diffs []*history.DiffRecord
}

type recordedScan struct {
	history.ScanRecord
	Findings []string
}

func readRecords(t *testing.T, db string, orig, susp string) recorded {
	t.Helper()
	ctx := context.Background()
	s, err := history.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := recorded{Scans: readScans(t, s)}
	rep, err := s.DiffReport(ctx, orig, susp, history.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep.Diff.ID, rep.Diff.Recorded = 0, time.Time{}
	out.Diffs = append(out.Diffs, rep.Diff)
	return out
}

// readScans reads a history database's scans, oldest first, with their findings.
func readScans(t *testing.T, s *history.Store) []recordedScan {
	t.Helper()
	ctx := context.Background()
	scans, err := s.Scans(ctx, history.ScanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []recordedScan
	for i := len(scans) - 1; i >= 0; i-- {
		sc := scans[i]
		fs, err := s.Findings(ctx, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, f := range fs {
			b, _ := json.Marshal(f)
			keys = append(keys, string(b))
		}
		sort.Strings(keys)
		r := recordedScan{ScanRecord: sc, Findings: keys}
		r.ID, r.Options, r.Started, r.Ended, r.Input, r.Image = 0, nil, time.Time{}, time.Time{}, history.Input{}, nil
		out = append(out, r)
	}
	return out
}

// TestFrontEndsAgree runs the same work through the command line and through the workbench,
// each in a data directory of its own, on a pair of builder images: scan the suspect twice
// (the second from the layer cache), then compare the pair (which scans the suspect again).
// Both must record the same scans (findings, files, cached layers, verdict, rule hash) and
// the same comparison, rank for rank: one engine under both.
func TestFrontEndsAgree(t *testing.T) {
	dir := t.TempDir()
	orig := saveRecipe(t, dir, "original", imagebuild.DemoOriginal())
	susp := saveRecipe(t, dir, "suspect", imagebuild.DemoSuspect())
	origDigest, suspDigest := configDigest(t, orig), configDigest(t, susp)

	// Both front ends set aside the findings an accepted-findings file names.
	ignore := filepath.Join(dir, "ignore")
	if err := os.WriteFile(ignore, []byte("STRATA-FS-007 the build stamps files with the release date\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	cli := t.TempDir()
	for _, args := range [][]string{{"scan", susp}, {"scan", susp}, {"diff", orig, susp}} {
		args = append(args, "--ignore", ignore)
		if _, errOut, code := strataIn(t, cli, args...); code != 0 || errOut != "" {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
	}

	w := &casework.Workspace{DataDir: t.TempDir(), Version: version}
	w.DB = filepath.Join(w.DataDir, history.DefaultName)
	accepted := acceptOptions{opts: accept.Options{IgnoreFile: ignore}}
	if err := accepted.load(); err != nil {
		t.Fatal(err)
	}
	scanner := workbenchScanner(w, &ruleOptions{}, accepted.policy)
	defer scanner.Close()
	ctx := context.Background()
	m := tui.New(ctx, tui.Options{Refs: []string{susp}, Workspace: w, Scanner: scanner.Get})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	drive(t, m, m.Init())
	drive(t, m, press(m, "s"))
	drive(t, m, press(m, "s"))
	m.Close()
	d := tui.New(ctx, tui.Options{Refs: []string{orig, susp}, Diff: true, Workspace: w, Scanner: scanner.Get})
	d.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	drive(t, d, d.Init())
	d.Close()

	fromCLI := readRecords(t, filepath.Join(cli, history.DefaultName), origDigest, suspDigest)
	fromTUI := readRecords(t, w.DB, origDigest, suspDigest)
	if len(fromCLI.Scans) != 3 {
		t.Fatalf("the command line recorded %d scans, want 3", len(fromCLI.Scans))
	}
	if want := len(imagebuild.DemoSuspect().Layers); fromCLI.Scans[1].CachedLayers != want || fromCLI.Scans[2].CachedLayers != want {
		t.Errorf("cached layers %d, %d; want %d for the second scan and the diff's", fromCLI.Scans[1].CachedLayers, fromCLI.Scans[2].CachedLayers, want)
	}
	if len(fromTUI.Scans) != len(fromCLI.Scans) {
		t.Fatalf("the workbench recorded %d scans, the command line %d", len(fromTUI.Scans), len(fromCLI.Scans))
	}
	for i, sc := range fromCLI.Scans {
		for _, f := range sc.Findings {
			if strings.Contains(f, "STRATA-FS-007") {
				t.Errorf("scan %d: the accepted rule is among the findings: %s", i+1, f)
			}
		}
	}
	for i, db := range []string{filepath.Join(cli, history.DefaultName), w.DB} {
		if n := countAccepted(t, db); n < 3 {
			t.Errorf("front end %d recorded %d accepted findings, want one or more per scan", i, n)
		}
	}
	for i := range fromCLI.Scans {
		if !reflect.DeepEqual(fromCLI.Scans[i], fromTUI.Scans[i]) {
			a, _ := json.MarshalIndent(fromCLI.Scans[i], "", " ")
			b, _ := json.MarshalIndent(fromTUI.Scans[i], "", " ")
			t.Errorf("scan %d differs:\ncommand line: %s\nworkbench: %s", i+1, a, b)
		}
	}
	if !reflect.DeepEqual(fromCLI.Diffs, fromTUI.Diffs) {
		a, _ := json.MarshalIndent(fromCLI.Diffs, "", " ")
		b, _ := json.MarshalIndent(fromTUI.Diffs, "", " ")
		t.Errorf("the recorded comparisons differ:\ncommand line: %s\nworkbench: %s", a, b)
	}
}

// TestFrontEndsAgreeOnAudit audits a registry export through the command line (strata audit,
// twice: the second resumes everything) and through the workbench (a in the Images view, then
// a again in the fleet view), each in a data directory of its own. Both must record the same
// scans, finding for finding, and nothing more the second time: the workbench's audit is
// strata audit's.
func TestFrontEndsAgreeOnAudit(t *testing.T) {
	export := auditExport(t)
	cli := t.TempDir()
	for range 2 {
		if _, errOut, code := strataIn(t, cli, "audit", export); code != 0 || errOut != "" {
			t.Fatalf("audit: exit %d %s", code, errOut)
		}
	}

	w := &casework.Workspace{DataDir: t.TempDir(), Version: version}
	w.DB = filepath.Join(w.DataDir, history.DefaultName)
	scanner := w.LazyScanner(casework.ScanOptions{})
	defer scanner.Close()
	m := tui.New(context.Background(), tui.Options{Refs: []string{export}, Workspace: w, Scanner: scanner.Get})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	drive(t, m, m.Init())
	drive(t, m, press(m, "a"))
	if v := m.View(); !strings.Contains(v, "[Fleet]") || !strings.Contains(v, "0 resumed") {
		t.Fatalf("a did not audit the export:\n%s", v)
	}
	drive(t, m, press(m, "a"))
	if v := m.View(); !strings.Contains(v, "0 scanned") {
		t.Errorf("the second audit scanned again:\n%s", v)
	}
	m.Close()

	read := func(db string) []string {
		s, err := history.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var out []string
		for _, r := range readScans(t, s) {
			b, _ := json.Marshal(r)
			out = append(out, string(b))
		}
		// The images are scanned side by side: the order they are recorded in may differ.
		sort.Strings(out)
		return out
	}
	fromCLI, fromTUI := read(filepath.Join(cli, history.DefaultName)), read(w.DB)
	if len(fromCLI) != 4 {
		t.Fatalf("the command line recorded %d scans, want 4 (each image of the export once)", len(fromCLI))
	}
	if !reflect.DeepEqual(fromCLI, fromTUI) {
		t.Errorf("the workbench's audit recorded other scans than strata audit:\ncommand line:\n%s\nworkbench:\n%s",
			strings.Join(fromCLI, "\n"), strings.Join(fromTUI, "\n"))
	}
}

// countAccepted counts the findings set aside in a history database.
func countAccepted(t *testing.T, db string) int {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow("SELECT count(*) FROM accepted_findings").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
