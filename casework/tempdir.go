package casework

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Temporary files (an unpacked oci-archive, an rpm database copied out of a layer) go below
// <data dir>/tmp, in a directory of the process's own: tmp/<pid>-<random>. The process holds
// an exclusive flock on it while it lives and removes it when it ends (RemoveTempDirs); a
// process killed before that leaves it behind, and the next strata sweeps it (SweepTempDirs):
// a directory is removed only when the process its name gives is gone and its lock can be
// taken, so that no strata ever removes what a running one (in this pid namespace or another)
// is using.

var procTemp struct {
	sync.Mutex
	nonce string
	dirs  map[string]*procDir // by data directory
}

type procDir struct {
	path string
	lock *os.File // holds the flock; nil when it could not be taken
}

// TempDir is this process's temporary directory for the workspace, made (mode 0700, with the
// data directory and its tmp/ when they are new) and locked on first use; each opened image has
// a directory of its own below it, removed when the image is closed.
func (w *Workspace) TempDir() string {
	procTemp.Lock()
	defer procTemp.Unlock()
	if d, ok := procTemp.dirs[w.DataDir]; ok {
		return d.path
	}
	if procTemp.nonce == "" {
		b := make([]byte, 4)
		rand.Read(b)
		procTemp.nonce = hex.EncodeToString(b)
	}
	if procTemp.dirs == nil {
		procTemp.dirs = map[string]*procDir{}
	}
	d := &procDir{path: filepath.Join(w.DataDir, "tmp", fmt.Sprintf("%d-%s", os.Getpid(), procTemp.nonce))}
	// A directory that cannot be made is reported by whoever uses it first.
	if os.MkdirAll(d.path, 0o700) == nil {
		if f, err := os.Open(d.path); err == nil {
			if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
				d.lock = f
			} else {
				f.Close()
			}
		}
	}
	procTemp.dirs[w.DataDir] = d
	return d.path
}

// RemoveTempDirs removes this process's temporary directories, in every data directory it
// used, and releases their locks. The command line calls it before it exits.
func RemoveTempDirs() error {
	procTemp.Lock()
	defer procTemp.Unlock()
	var errs []error
	for k, d := range procTemp.dirs {
		if err := os.RemoveAll(d.path); err != nil {
			errs = append(errs, fmt.Errorf("removing temporary directory %s: %w", d.path, err))
		}
		if d.lock != nil {
			d.lock.Close()
		}
		delete(procTemp.dirs, k)
	}
	return errors.Join(errs...)
}

// legacyTempAge is how old an entry of tmp/ with no owner in its name (left by a strata that
// did not name its temporary directories) must be before a sweep removes it.
const legacyTempAge = 24 * time.Hour

// SweepTempDirs removes what dead processes left in <dataDir>/tmp: directories named
// <pid>-<random> whose process is gone and whose lock can be taken, and entries without such a
// name untouched for legacyTempAge. It returns what it removed. A data directory with no tmp/
// is nothing to sweep.
func SweepTempDirs(dataDir string) ([]string, error) {
	root := filepath.Join(dataDir, "tmp")
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sweeping %s: %w", root, err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		pid, owned := ownerPID(e.Name())
		switch {
		case owned && (pid == os.Getpid() || processAlive(pid)):
			continue
		case !owned:
			fi, err := e.Info()
			if err != nil || time.Since(fi.ModTime()) < legacyTempAge {
				continue
			}
		}
		ok, err := removeUnlocked(p)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			removed = append(removed, p)
		}
	}
	return removed, errors.Join(errs...)
}

// ownerPID reads the pid a temporary directory's name starts with.
func ownerPID(name string) (int, bool) {
	head, _, ok := strings.Cut(name, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(head)
	return pid, err == nil && pid > 0
}

// processAlive reports whether a process with the pid exists (one of another user counts).
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// removeUnlocked removes p when no process holds its lock, taking the lock for the time it
// takes; a file (not a directory) is removed as it is.
func removeUnlocked(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, nil // gone meanwhile, or not ours to open
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
			return false, nil // its owner lives (in another pid namespace, say)
		}
	}
	if err := os.RemoveAll(p); err != nil {
		return false, fmt.Errorf("removing stale temporary directory %s: %w", p, err)
	}
	return true, nil
}
