package imagebuild

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// DebianCacheDir is where real Debian root filesystems are kept between runs:
// STRATA_DEBIAN_CACHE, else .cache/debian at the top of the repository (found from the
// working directory, as tests run in their package's directory).
func DebianCacheDir() string {
	if d := os.Getenv("STRATA_DEBIAN_CACHE"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join(".cache", "debian")
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, ".cache", "debian")
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, ".cache", "debian")
		}
	}
}

// DebianRootfs returns dir/name (a .tar), a root filesystem mmdebstrap builds with args (its
// options, then the suite, then any mirror lines: mmdebstrap's own order with the target
// left out), building it the first time. Concurrent callers (test packages run in parallel)
// wait for one build under a lock instead of writing the same file; a build goes to a name of
// its own and is renamed into place only when complete. It returns an error wrapping
// ErrNoDebian when mmdebstrap is missing or fails (no mirror).
func DebianRootfs(dir, name string, timeout time.Duration, args ...string) (string, error) {
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if _, err := exec.LookPath("mmdebstrap"); err != nil {
		return "", fmt.Errorf("%w: mmdebstrap is not installed", ErrNoDebian)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(p+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("locking %s: %w", p, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(p); err == nil {
		return p, nil // built while we waited
	}
	// mmdebstrap picks its output format from the name: keep ".tar" last.
	tmp := filepath.Join(dir, fmt.Sprintf("building-%d-%s", os.Getpid(), name))
	defer os.Remove(tmp)
	suite := 0
	for i, a := range args {
		if len(a) > 0 && a[0] != '-' {
			suite = i
			break
		}
	}
	cmdArgs := append(append(append([]string(nil), args[:suite+1]...), tmp), args[suite+1:]...)
	cmd := exec.Command("mmdebstrap", cmdArgs...)
	done := make(chan struct{})
	var out []byte
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		if cmd.Process != nil {
			cmd.Process.Kill()
		}
		<-done
		err = errors.New("timed out")
	}
	if err != nil {
		if len(out) > 2000 {
			out = out[len(out)-2000:]
		}
		return "", fmt.Errorf("%w: mmdebstrap %v: %v\n%s", ErrNoDebian, args, err, out)
	}
	if err := os.Rename(tmp, p); err != nil {
		return "", err
	}
	return p, nil
}
