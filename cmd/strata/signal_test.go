package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// bigArchive writes an oci-archive with one uncompressed layer of size bytes of noise in a
// single file plus files small files: big enough that reading it takes a while, so that a
// signal lands in the middle, and a stacked listing of many lines.
func bigArchive(t *testing.T, size, files int) string {
	t.Helper()
	noise := make([]byte, size)
	rand.NewChaCha8([32]byte{1}).Read(noise)
	fs := []imagebuild.File{imagebuild.Dir("opt"), imagebuild.Reg("opt/noise.bin", string(noise))}
	for i := 0; i < files; i++ {
		fs = append(fs, imagebuild.Reg(fmt.Sprintf("opt/f%05d.txt", i), "x\n"))
	}
	b, err := imagebuild.Build(imagebuild.Image{Layers: []imagebuild.Layer{{CreatedBy: "COPY . /opt", Compression: imagebuild.None, Files: fs}}})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "big.oci-archive.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := imagebuild.WriteOCIArchive(f, b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// strataProcess starts the test binary as strata with a data directory.
func strataProcess(data string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"--data-dir", data}, args...)...)
	cmd.Env = append(os.Environ(), "STRATA_TEST_MAIN=1")
	return cmd
}

// checkClean fails when the data directory's tmp/ holds anything, and checks what the
// history database holds is whole: every scan recorded has a final status.
func checkClean(t *testing.T, data string) {
	t.Helper()
	if left, _ := os.ReadDir(filepath.Join(data, "tmp")); len(left) != 0 {
		t.Errorf("temporary files left in the data directory: %v", left)
	}
	p := filepath.Join(data, history.DefaultName)
	if _, err := os.Stat(p); err != nil {
		return
	}
	s, err := history.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ok, err := s.IntegrityCheck(context.Background()); err != nil || ok != "ok" {
		t.Errorf("integrity check: %q %v", ok, err)
	}
	scans, err := s.Scans(context.Background(), history.ScanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scans {
		if sc.Status != history.StatusInterrupted {
			t.Errorf("scan %d recorded %s; the scan was interrupted", sc.ID, sc.Status)
		}
	}
}

// TestSignalsStopScan sends SIGINT and SIGTERM to strata scan while it works on an
// oci-archive (unpacked in the data directory): it exits 128+signal without a word, leaves no
// temporary files, and the history holds nothing but an interrupted scan at most.
func TestSignalsStopScan(t *testing.T) {
	archive := bigArchive(t, 96<<20, 10)
	for _, tc := range []struct {
		sig   syscall.Signal
		delay time.Duration // after the archive starts being unpacked
	}{{syscall.SIGINT, 0}, {syscall.SIGTERM, 150 * time.Millisecond}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			data := t.TempDir()
			cmd := strataProcess(data, "scan", archive)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				if left, _ := os.ReadDir(filepath.Join(data, "tmp")); len(left) > 0 {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("strata scan never unpacked the archive")
				}
				time.Sleep(2 * time.Millisecond)
			}
			time.Sleep(tc.delay)
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 128+int(tc.sig) {
				t.Fatalf("exit %v, want %d (the scan may have finished before the signal); stderr %q", err, 128+int(tc.sig), stderr.String())
			}
			if stderr.Len() != 0 {
				t.Errorf("an interrupted scan should exit quietly: %q", stderr.String())
			}
			checkClean(t, data)
		})
	}
}

// TestClosedPipe: strata layers of an oci-archive piped into a reader that stops after two
// lines (| head -2) exits 141 quietly and leaves nothing in the data directory's tmp/.
func TestClosedPipe(t *testing.T) {
	archive := bigArchive(t, 1<<10, 4000)
	data := t.TempDir()
	cmd := strataProcess(data, "layers", archive)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	sc := bufio.NewScanner(r)
	for i := 0; i < 2 && sc.Scan(); i++ {
	}
	r.Close()
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 141 {
		t.Fatalf("exit %v, want 141; stderr %q", err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("a closed pipe should end strata quietly: %q", stderr.String())
	}
	checkClean(t, data)
}
