package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// OutputMode is the mode of every file Create writes, new or replacing another (--force): it
// may hold what the evidence holds, so it is readable by its owner alone and never executable.
const OutputMode fs.FileMode = 0o600

// CreateOptions say what an output file must not be and what it may replace.
type CreateOptions struct {
	// Force lets the output replace an existing regular file, or a symbolic link (the link
	// itself is replaced; nothing is ever written through it).
	Force bool
	// Inputs are the paths the command reads: image files and directories (a reference such
	// as docker-archive:PATH:tag names PATH), databases, rule files. The output may be none of
	// them, by any name (a symbolic link, a hard link, a path with ..), nor anything inside a
	// directory among them; Force does not change that.
	Inputs []string
}

// Output is a file being written. Bytes go to a temporary file next to the target, which
// Commit moves into place once all of them are written; Abort, or a Commit that fails, removes
// it: a failed write leaves no partial file and never touches what was at the path before.
type Output struct {
	path  string // as given, for messages
	abs   string
	tmp   *os.File
	force bool
	done  bool
}

// Create is the one place every output file Strata writes is opened: -o FILE of every
// command, and the workbench's exports. It refuses what Check refuses, naming the path and
// why, and then opens the temporary file the output is written to.
func Create(path string, opts CreateOptions) (*Output, error) {
	abs, err := check(path, opts)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(abs)
	stem := filepath.Base(abs)
	if len(stem) > 64 {
		stem = stem[:64]
	}
	tmp, err := os.CreateTemp(dir, "."+stem+".strata-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", path, err)
	}
	if err := tmp.Chmod(OutputMode); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("output %s: %w", path, err)
	}
	return &Output{path: path, abs: abs, tmp: tmp, force: opts.Force}, nil
}

// Check tells whether path may be an output under opts, without writing anything: commands
// call it before they start their work, so that a refused -o costs nothing. It refuses one of
// opts.Inputs or a path inside one (however the path is spelt), a directory or anything but a
// regular file or a symbolic link, a path whose directory does not exist, and without
// opts.Force an existing file or link.
func Check(path string, opts CreateOptions) error {
	_, err := check(path, opts)
	return err
}

func check(path string, opts CreateOptions) (string, error) {
	if path == "" {
		return "", errors.New("no output path given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("output %s: %w", path, err)
	}
	dir := filepath.Dir(abs)
	if st, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("output %s: %w", path, err)
	} else if !st.IsDir() {
		return "", fmt.Errorf("output %s: %s is not a directory", path, dir)
	}
	fi, err := os.Lstat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fi = nil
	case err != nil:
		return "", fmt.Errorf("output %s: %w", path, err)
	}
	// The evidence first: that refusal holds with --force too.
	if err := notAnInput(abs, fi, opts.Inputs); err != nil {
		return "", fmt.Errorf("output %s: %w", path, err)
	}
	if fi != nil {
		switch {
		case fi.IsDir():
			return "", fmt.Errorf("output %s: is a directory", path)
		case fi.Mode()&fs.ModeSymlink != 0:
			if !opts.Force {
				to, _ := os.Readlink(abs)
				return "", fmt.Errorf("output %s: is a symbolic link (to %s); it is not followed: --force replaces the link itself", path, to)
			}
		case !fi.Mode().IsRegular():
			return "", fmt.Errorf("output %s: not a regular file (%s); write to a file, or leave out -o for standard output", path, fi.Mode().Type())
		case !opts.Force:
			return "", fmt.Errorf("output %s: %w (--force replaces it)", path, fs.ErrExist)
		}
	}
	return abs, nil
}

// ErrIsInput is what Create returns for an output path that is, or is inside, an input.
var ErrIsInput = errors.New("is the evidence this command reads")

// notAnInput checks that abs (whose Lstat is fi, nil when it does not exist) is none of the
// inputs and inside none of the input directories, by path (symbolic links and .. resolved)
// and by device and inode (hard links, bind mounts).
func notAnInput(abs string, fi fs.FileInfo, inputs []string) error {
	dir, base := filepath.Split(abs)
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	// The names the output may be reached by: the path itself and, for a link, its target.
	names := []string{filepath.Join(realDir, base)}
	var target fs.FileInfo
	if fi != nil {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			names = append(names, r)
		} else if to, err := os.Readlink(abs); err == nil {
			// A dangling link: where a write through it would create the file.
			if !filepath.IsAbs(to) {
				to = filepath.Join(realDir, to)
			}
			names = append(names, filepath.Clean(to))
		}
		target, _ = os.Stat(abs)
	}
	for _, ref := range inputs {
		for _, p := range inputPaths(ref) {
			in, err := os.Stat(p)
			if errors.Is(err, fs.ErrNotExist) && p == ref {
				// Not there yet (a database not made yet), or no path at all (a digest, a
				// tag): the output may not take its name either.
				if r := resolvedName(p); r != "" && slices.Contains(names, r) {
					return fmt.Errorf("%w (%s)", ErrIsInput, ref)
				}
				continue
			}
			if err != nil {
				continue
			}
			realIn, err := filepath.EvalSymlinks(p)
			if err != nil {
				continue
			}
			if realIn, err = filepath.Abs(realIn); err != nil {
				continue
			}
			for _, n := range names {
				if n == realIn || in.IsDir() && strings.HasPrefix(n, realIn+string(filepath.Separator)) {
					return fmt.Errorf("%w (%s)", ErrIsInput, ref)
				}
			}
			if fi != nil && (os.SameFile(fi, in) || target != nil && os.SameFile(target, in)) {
				return fmt.Errorf("%w (%s, by another name)", ErrIsInput, ref)
			}
			if in.IsDir() && insideDir(realDir, in) {
				return fmt.Errorf("%w (inside %s)", ErrIsInput, ref)
			}
		}
	}
	return nil
}

// resolvedName is p made absolute with its directory's symbolic links resolved, "" when its
// directory does not exist.
func resolvedName(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return ""
	}
	return filepath.Join(dir, filepath.Base(abs))
}

// insideDir reports whether dir or one of its parents is the directory in (same device and
// inode: a bind mount or another name of it).
func insideDir(dir string, in fs.FileInfo) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && os.SameFile(st, in) {
			return true
		}
		if parent := filepath.Dir(d); parent == d {
			return false
		}
	}
}

// inputPaths returns the paths an input reference may name: the reference as it is and,
// for transport:PATH[:selector], PATH and every prefix of it that ends before a ':' (the
// selector split is the loader's business; any of them existing is enough to guard it).
func inputPaths(ref string) []string {
	out := []string{ref}
	rest := ref
	for _, p := range []string{"docker-archive:", "oci-archive:", "oci:", "dir:"} {
		if strings.HasPrefix(ref, p) {
			rest = ref[len(p):]
			out = append(out, rest)
			break
		}
	}
	for i := strings.LastIndexByte(rest, ':'); i > 0; i = strings.LastIndexByte(rest[:i], ':') {
		out = append(out, rest[:i])
	}
	return out
}

// Name is the output's path as given.
func (o *Output) Name() string { return o.path }

// Write writes to the temporary file.
func (o *Output) Write(p []byte) (int, error) {
	if o.done {
		return 0, fmt.Errorf("output %s: %w", o.path, fs.ErrClosed)
	}
	return o.tmp.Write(p)
}

// Commit puts the whole output in place: synced, mode OutputMode, then renamed onto the path
// (without Force, only if nothing has appeared there meanwhile). It fails, and removes the
// temporary file, when any of that fails.
func (o *Output) Commit() error {
	if o.done {
		return fmt.Errorf("output %s: %w", o.path, fs.ErrClosed)
	}
	o.done = true
	tmp := o.tmp.Name()
	err := o.tmp.Sync()
	if cerr := o.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = place(tmp, o.abs, o.force)
	}
	if err != nil {
		os.Remove(tmp)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("output %s: %w (it appeared while the output was written; --force replaces it)", o.path, fs.ErrExist)
		}
		return fmt.Errorf("writing output %s: %w", o.path, err)
	}
	if d, err := os.Open(filepath.Dir(o.abs)); err == nil {
		d.Sync() // the rename itself survives a crash
		d.Close()
	}
	return nil
}

// Abort removes the temporary file; what was at the path stays as it was. Calling it after
// Commit does nothing.
func (o *Output) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.tmp.Close()
	os.Remove(o.tmp.Name())
}

// place renames tmp onto dst: with force, replacing what is there (a link is replaced, not
// followed); without, atomically refusing when dst exists.
func place(tmp, dst string, force bool) error {
	if force {
		return os.Rename(tmp, dst)
	}
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EEXIST):
		return fs.ErrExist
	case !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS):
		return err
	}
	// A file system without RENAME_NOREPLACE: a hard link fails as atomically on an
	// existing name.
	if err := os.Link(tmp, dst); err == nil {
		return os.Remove(tmp)
	} else if errors.Is(err, fs.ErrExist) {
		return fs.ErrExist
	}
	if _, err := os.Lstat(dst); err == nil {
		return fs.ErrExist
	}
	return os.Rename(tmp, dst)
}
