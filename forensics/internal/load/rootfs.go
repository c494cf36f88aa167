package load

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	digest "github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// rootFSConfig is the config synthesized for a root filesystem directory: nothing is known
// about the platform, the layer or the history.
const rootFSConfig = `{"architecture":"unknown","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}`

// openRootFS describes a directory holding an extracted root filesystem as a one-layer image
// with no manifest.
func (img *Image) openRootFS() error {
	fi, err := os.Stat(img.Ref.Path)
	if err != nil {
		return pathError(img.Ref.Path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory", img.Ref.Path)
	}
	img.Config = []byte(rootFSConfig)
	img.ConfigDigest = digest.FromBytes(img.Config).String()
	img.Layers = []Blob{{MediaType: imgspecv1.MediaTypeImageLayer, Size: -1}}
	return nil
}

// openRootFSLayer streams the directory as a tar archive, generated as it is read.
func (img *Image) openRootFSLayer(ctx context.Context) (io.ReadCloser, error) {
	root := img.Ref.Path
	if _, err := os.Stat(root); err != nil {
		return nil, pathError(root, err)
	}
	pr, pw := io.Pipe()
	go func() {
		w := &rootFSWriter{img: img, root: root, tw: tar.NewWriter(pw), links: map[fileKey]string{}}
		err := w.walk(ctx)
		if err == nil {
			err = w.tw.Close()
		}
		if err != nil {
			err = fmt.Errorf("reading %s: %w", root, err)
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
}

type fileKey struct{ dev, ino uint64 }

type rootFSWriter struct {
	img   *Image
	root  string
	tw    *tar.Writer
	links map[fileKey]string // first name seen for each multiply-linked file
}

func (w *rootFSWriter) walk(ctx context.Context) error {
	return filepath.WalkDir(w.root, func(p string, d fs.DirEntry, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		rel, relErr := filepath.Rel(w.root, p)
		if relErr != nil {
			return relErr
		}
		name := filepath.ToSlash(rel)
		if err != nil {
			if p == w.root {
				return err
			}
			// A directory whose entries cannot be listed: its header is already written.
			w.img.addLayerAnomaly("unreadable", fmt.Sprintf("%s: %v", name, err))
			return nil
		}
		if p == w.root {
			return nil
		}
		return w.entry(p, name)
	})
}

// entry writes one file's header and, for a regular file, its content.
func (w *rootFSWriter) entry(p, name string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		w.img.addLayerAnomaly("unreadable", fmt.Sprintf("%s: %v", name, err))
		return nil
	}
	h := &tar.Header{
		Name:    name,
		Mode:    int64(fi.Mode().Perm()),
		ModTime: fi.ModTime(),
		Format:  tar.FormatPAX,
	}
	mode := fi.Mode()
	if mode&fs.ModeSetuid != 0 {
		h.Mode |= 0o4000
	}
	if mode&fs.ModeSetgid != 0 {
		h.Mode |= 0o2000
	}
	if mode&fs.ModeSticky != 0 {
		h.Mode |= 0o1000
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if st != nil {
		h.Uid, h.Gid = int(st.Uid), int(st.Gid)
	}
	switch {
	case mode.IsRegular():
		h.Typeflag = tar.TypeReg
		h.Size = fi.Size()
		if st != nil && st.Nlink > 1 {
			k := fileKey{uint64(st.Dev), st.Ino}
			if first, ok := w.links[k]; ok {
				h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
				return w.tw.WriteHeader(h)
			}
			w.links[k] = name
		}
		return w.regular(p, h)
	case mode.IsDir():
		h.Typeflag = tar.TypeDir
		h.Name += "/"
	case mode&fs.ModeSymlink != 0:
		h.Typeflag = tar.TypeSymlink
		if h.Linkname, err = os.Readlink(p); err != nil {
			w.img.addLayerAnomaly("unreadable", fmt.Sprintf("%s: %v", name, err))
		}
	case mode&fs.ModeNamedPipe != 0:
		h.Typeflag = tar.TypeFifo
	case mode&fs.ModeDevice != 0:
		h.Typeflag = tar.TypeBlock
		if mode&fs.ModeCharDevice != 0 {
			h.Typeflag = tar.TypeChar
		}
		if st != nil {
			h.Devmajor, h.Devminor = devMajor(uint64(st.Rdev)), devMinor(uint64(st.Rdev))
		}
	case mode&fs.ModeSocket != 0:
		w.img.addLayerAnomaly("socket", fmt.Sprintf("%s: socket left out of the layer", name))
		return nil
	default:
		w.img.addLayerAnomaly("unknown-type", fmt.Sprintf("%s: file type %v left out of the layer", name, mode.Type()))
		return nil
	}
	return w.tw.WriteHeader(h)
}

// regular writes a regular file. A file that cannot be opened is written empty; one that
// shrinks or fails while being read is padded with zeros to its header size. Both are recorded.
func (w *rootFSWriter) regular(p string, h *tar.Header) error {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NOATIME, 0)
	if errors.Is(err, syscall.EPERM) {
		f, err = os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	}
	if err != nil {
		w.img.addLayerAnomaly("unreadable", fmt.Sprintf("%s: %v", h.Name, err))
		h.Size = 0
		return w.tw.WriteHeader(h)
	}
	defer f.Close()
	if err := w.tw.WriteHeader(h); err != nil {
		return err
	}
	// Read and write errors are told apart: a failing write means the reader went away.
	buf := make([]byte, 32<<10)
	var n int64
	for n < h.Size {
		m, rerr := f.Read(buf[:min(int64(len(buf)), h.Size-n)])
		if m > 0 {
			if _, err := w.tw.Write(buf[:m]); err != nil {
				return err
			}
			n += int64(m)
		}
		if rerr != nil {
			if rerr == io.EOF {
				rerr = fmt.Errorf("file shrank from %d to %d bytes while read", h.Size, n)
			}
			w.img.addLayerAnomaly("unreadable", fmt.Sprintf("%s: %v", h.Name, rerr))
			_, err := io.CopyN(w.tw, zeroReader{}, h.Size-n)
			return err
		}
	}
	return nil
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// devMajor and devMinor decode Linux's dev_t.
func devMajor(dev uint64) int64 {
	return int64((dev>>8)&0xfff | (dev>>32)&^0xfff)
}

func devMinor(dev uint64) int64 {
	return int64(dev&0xff | (dev>>12)&^0xff)
}
