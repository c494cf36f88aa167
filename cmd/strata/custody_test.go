package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/strata-forensics/strata/audit/history"
)

// flockEx takes f's exclusive lock, as a running strata holds its temporary directory's.
func flockEx(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) }

// holdWriteLock takes the history database's write lock on a connection of its own (the
// plain sqlite3 driver, which the history package's import registers), as a long recording by
// another strata would, until the test ends.
func holdWriteLock(t *testing.T, db string) {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c, err := conn.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.ExecContext(context.Background(), "ROLLBACK")
		c.Close()
	})
}

// shortBusyTimeout makes a locked database fail fast for the length of a test.
func shortBusyTimeout(t *testing.T) {
	old := history.BusyTimeout
	history.BusyTimeout = 300 * time.Millisecond
	t.Cleanup(func() { history.BusyTimeout = old })
}

// TestReadersTakeNoLock: family, tags, history, trace and store (with --check) work while
// another process holds the write lock, and leave the database's files as they were; a scan
// that cannot record in that time exits 2 before it starts, and says so.
func TestReadersTakeNoLock(t *testing.T) {
	shortBusyTimeout(t)
	data := t.TempDir()
	if _, stderr, code := strataIn(t, data, "scan", suspect); code != 0 {
		t.Fatalf("scan: %s", stderr)
	}
	db := filepath.Join(data, history.DefaultName)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(db)
	holdWriteLock(t, db)
	for _, args := range [][]string{{"family"}, {"family", suspect}, {"tags"}, {"history"}, {"trace", "--path", "/etc/*"}, {"store"}, {"store", "--check"}} {
		stdout, stderr, code := strataIn(t, data, args...)
		if code != 0 || stdout == "" {
			t.Errorf("%q while another process writes: exit %d, %q", args, code, stderr)
		}
	}
	after, _ := os.ReadFile(db)
	fi2, _ := os.Stat(db)
	if !bytes.Equal(before, after) || !fi.ModTime().Equal(fi2.ModTime()) {
		t.Error("a command that only reads changed the database file")
	}
	stdout, stderr, code := strataIn(t, data, "scan", suspect)
	if code != exitBadInput || !strings.Contains(stderr, "would not be recorded") || !strings.Contains(stderr, "--no-record") || stdout != "" {
		t.Errorf("scan with the database locked: exit %d, %q, %d bytes out", code, stderr, len(stdout))
	}
	if _, stderr, code := strataIn(t, data, "scan", "--no-record", suspect); code != 0 {
		t.Errorf("scan --no-record with the database locked: exit %d, %q", code, stderr)
	}
	// inspect prints what it read and then cannot record it.
	stdout, stderr, code = strataIn(t, data, "inspect", suspect)
	if code != exitBadInput || !strings.Contains(stdout, "Layers (6)") || !strings.Contains(stderr, "not recorded") {
		t.Errorf("inspect with the database locked: exit %d, %q", code, stderr)
	}
}

// TestUnrecordableDatabase: a database that is corrupt or of a newer strata stops a scan
// before it starts (exit 2, saying why and naming --no-record); --no-record scans anyway.
func TestUnrecordableDatabase(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, db string)
		want string
	}{
		{"corrupt", func(t *testing.T, db string) {
			os.WriteFile(db, bytes.Repeat([]byte("not a database "), 512), 0o600)
		}, "not a database"},
		{"newer", func(t *testing.T, db string) {
			s, err := history.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.DB().Exec("PRAGMA user_version = 999"); err != nil {
				t.Fatal(err)
			}
			s.Close()
		}, "999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			tc.make(t, filepath.Join(data, history.DefaultName))
			for _, args := range [][]string{{"scan", suspect}, {"diff", original, suspect}} {
				stdout, stderr, code := strataIn(t, data, args...)
				if code != exitBadInput || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "--no-record") || stdout != "" {
					t.Errorf("%q: exit %d, %q", args, code, stderr)
				}
			}
			if stdout, stderr, code := strataIn(t, data, "scan", "--no-record", suspect); code != 0 || !strings.Contains(stdout, "SUSPICIOUS") {
				t.Errorf("scan --no-record: exit %d, %q", code, stderr)
			}
			// The readers say what is wrong too.
			if _, stderr, code := strataIn(t, data, "history"); code != exitBadInput || !strings.Contains(stderr, tc.want) {
				t.Errorf("history: exit %d, %q", code, stderr)
			}
		})
	}
}

// TestNothingRecordedYet: the readers on a data directory with no database say so, show
// nothing, exit 0 and create nothing.
func TestNothingRecordedYet(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{{"family"}, {"tags"}, {"history"}, {"trace", "--ip", "10.0.0.1"}, {"store"}, {"history", "--format", "json"}} {
		stdout, stderr, code := strataIn(t, data, args...)
		if code != 0 || !strings.Contains(stderr, "nothing recorded yet") {
			t.Errorf("%q: exit %d, %q", args, code, stderr)
		}
		if strings.Contains(strings.Join(args, " "), "json") && !strings.Contains(stdout, `"scans": []`) {
			t.Errorf("%q: %s", args, stdout)
		}
	}
	for _, args := range [][]string{{"store", "--check"}, {"tags", "x:1"}, {"family", "sha256:00"}, {"history", "--db", filepath.Join(data, "other.db")}} {
		if _, stderr, code := strataIn(t, data, args...); code != exitBadInput {
			t.Errorf("%q: exit %d, %q", args, code, stderr)
		}
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Errorf("reading commands created %v", entries)
	}
}

// TestStaleTempDirsSwept: what dead strata processes left in tmp/ is removed when strata
// starts; what a live one uses (by its pid, or by the lock it holds) is not.
func TestStaleTempDirsSwept(t *testing.T) {
	data := t.TempDir()
	tmp := filepath.Join(data, "tmp")
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no true(1) to make a dead pid with")
	}
	deadPID := strconv.Itoa(dead.ProcessState.Pid())
	mk := func(name string, age time.Duration) string {
		p := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Join(p, "open-1"), 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(p, "open-1", "blob"), []byte("unpacked layer"), 0o600)
		if age > 0 {
			old := time.Now().Add(-age)
			os.Chtimes(p, old, old)
		}
		return p
	}
	stale := mk(deadPID+"-0badc0de", 0)
	live := mk("1-cafe0001", 0)                  // pid 1 is alive
	locked := mk(deadPID+"-1ocked00", 0)         // a dead pid, but its lock is held
	legacyOld := mk("open-123456", 48*time.Hour) // an older strata's, long untouched
	legacyNew := mk("open-654321", 0)            // an older strata's, maybe in use
	f, err := os.Open(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := flockEx(f); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := strataIn(t, data, "history"); code != 0 {
		t.Fatalf("history: %s", stderr)
	}
	for p, want := range map[string]bool{stale: false, live: true, locked: true, legacyOld: false, legacyNew: true} {
		_, err := os.Stat(p)
		if got := err == nil; got != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), got, want)
		}
	}
	// A scan makes a directory of its own, named by its pid, and removes it when it ends.
	if _, stderr, code := strataIn(t, data, "scan", "--no-record", ociOrig); code != 0 {
		t.Fatalf("scan: %s", stderr)
	}
	entries, _ := os.ReadDir(tmp)
	if len(entries) != 3 {
		t.Errorf("tmp/ holds %d entries after the scan, want the 3 kept", len(entries))
	}
}

// TestDataDirIsPrivate: a data directory strata makes is 0700 and its database 0600; an
// existing one of strata's with group or other permissions loses them; one that is not
// strata's is left alone.
func TestDataDirIsPrivate(t *testing.T) {
	parent := t.TempDir()
	data := filepath.Join(parent, "strata-data")
	if _, stderr, code := strataIn(t, data, "scan", suspect); code != 0 {
		t.Fatalf("scan: %s", stderr)
	}
	if fi, err := os.Stat(data); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("new data directory: %v %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Join(data, history.DefaultName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database: %v %v", fi.Mode(), err)
	}
	os.Chmod(data, 0o755)
	if _, _, code := strataIn(t, data, "history"); code != 0 {
		t.Fatal("history failed")
	}
	if fi, _ := os.Stat(data); fi.Mode().Perm() != 0o700 {
		t.Errorf("existing data directory left %v", fi.Mode())
	}
	other := filepath.Join(parent, "shared")
	os.Mkdir(other, 0o755)
	os.WriteFile(filepath.Join(other, "notes"), []byte("x"), 0o644)
	strataIn(t, other, "history")
	if fi, _ := os.Stat(other); fi.Mode().Perm() != 0o755 {
		t.Errorf("a directory that is not strata's was changed to %v", fi.Mode())
	}
	// vulndb import making the data directory makes it private too.
	fresh := filepath.Join(parent, "fresh")
	strataIn(t, fresh, "vulndb", "status")
	if fi, err := os.Stat(fresh); err == nil && fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory made by vulndb: %v", fi.Mode())
	}
}
