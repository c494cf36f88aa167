package load

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/containers/image/v5/docker/reference"
)

// prefixes maps the transport prefixes the user may type to the format they force.
var prefixes = []struct {
	prefix string
	format Format
}{
	{"docker-archive:", DockerArchive},
	{"oci-archive:", OCIArchive},
	{"oci:", OCILayout},
	{"dir:", RootFS},
}

// ParseRef parses what the user typed: an optional transport prefix (docker-archive:, oci-archive:,
// oci:, dir:), a path, and an optional selector. A bare path is sniffed.
//
// Paths may contain ':'; of the ways to split the input into path and selector, the one with the
// longest path that exists on disk wins. A string that names an existing file as a whole is always
// a bare path, even when it starts with a transport prefix.
func ParseRef(s string) (Ref, error) {
	if s == "" {
		return Ref{}, errors.New("empty image reference")
	}
	format := Format("")
	rest := s
	if _, err := os.Lstat(s); err != nil {
		for _, p := range prefixes {
			if strings.HasPrefix(s, p.prefix) {
				format, rest = p.format, s[len(p.prefix):]
				break
			}
		}
	}
	if rest == "" {
		return Ref{}, fmt.Errorf("%s: missing path", s)
	}
	path, sel, err := splitPathSelector(rest)
	if err != nil {
		return Ref{}, err
	}
	if format == "" {
		format, err = sniff(path)
		if err != nil {
			return Ref{}, err
		}
	} else if err := checkFormatKind(path, format); err != nil {
		return Ref{}, err
	}
	ref := Ref{Format: format, Path: path, Selector: sel}
	if err := validateSelector(ref); err != nil {
		return Ref{}, err
	}
	return ref, nil
}

// splitPathSelector splits rest at the ':' that leaves the longest existing path.
func splitPathSelector(rest string) (path, sel string, err error) {
	if _, err := os.Stat(rest); err == nil {
		return rest, "", nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", "", pathError(rest, err)
	}
	for i := strings.LastIndexByte(rest, ':'); i > 0; i = strings.LastIndexByte(rest[:i], ':') {
		if _, err := os.Stat(rest[:i]); err == nil {
			return rest[:i], rest[i+1:], nil
		}
	}
	return "", "", fmt.Errorf("%s: no such file or directory", rest)
}

// pathError renders a stat or open failure as "PATH: what is wrong".
func pathError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file or directory", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied", path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", path, pe.Err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// checkFormatKind checks that a forced format fits what path is: archives are files, layouts and
// root filesystems are directories.
func checkFormatKind(path string, f Format) error {
	fi, err := os.Stat(path)
	if err != nil {
		return pathError(path, err)
	}
	wantDir := f == OCILayout || f == RootFS
	switch {
	case wantDir && !fi.IsDir():
		return fmt.Errorf("%s: not a directory (%s: needs one)", path, f)
	case !wantDir && fi.IsDir():
		return fmt.Errorf("%s: is a directory (%s: needs a file)", path, f)
	case !wantDir && !fi.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file", path)
	}
	return nil
}

// validateSelector checks the selector's syntax for the format.
func validateSelector(ref Ref) error {
	sel := ref.Selector
	if sel == "" {
		return nil
	}
	if ref.Format == RootFS {
		return fmt.Errorf("%s: a root filesystem directory holds one image; unexpected selector %q", ref.Path, sel)
	}
	if strings.HasPrefix(sel, "@") {
		if _, err := selectorIndex(sel); err != nil {
			return fmt.Errorf("%s: %w", ref.Path, err)
		}
		return nil
	}
	if ref.Format == DockerArchive {
		named, err := reference.ParseNormalizedNamed(sel)
		if err != nil {
			return fmt.Errorf("%s: invalid selector %q: %w", ref.Path, sel, err)
		}
		if _, ok := named.(reference.NamedTagged); !ok {
			return fmt.Errorf("%s: invalid selector %q: want repo:tag or @N", ref.Path, sel)
		}
	}
	return nil
}

// selectorIndex parses "@N".
func selectorIndex(sel string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(sel, "@"))
	if err != nil || n < 0 || !strings.HasPrefix(sel, "@") {
		return 0, fmt.Errorf("invalid selector %q: want @N with N a non-negative number", sel)
	}
	return n, nil
}
