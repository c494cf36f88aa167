package load

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path"
	"syscall"

	"github.com/strata-forensics/strata/forensics/internal/sha256x"
)

// openEvidence opens a file of the evidence read-only, without updating its access time where
// the kernel allows it (O_NOATIME needs the file's owner or CAP_FOWNER; elsewhere it is a plain
// read-only open).
func openEvidence(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOATIME, 0)
	if errors.Is(err, syscall.EPERM) {
		f, err = os.OpenFile(p, os.O_RDONLY, 0)
	}
	return f, err
}

// hashArchive hashes the file at p and, when it is a tar archive (plain, or compressed as a
// whole), each of its regular members on the way: a docker or OCI archive's layer blobs are
// members, and what they hash to is the layer's identity, whatever the manifests claim. For a
// plain archive the members' bytes are hashed into both digests at once. A file that is no
// tar archive, or whose tar breaks off, has the members read before the break (or none) and
// its own sum all the same.
func hashArchive(ctx context.Context, p string) (string, int64, map[string]verifiedBlob, error) {
	f, err := openEvidence(p)
	if err != nil {
		return "", 0, nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(ctxReader{ctx, f}, 256<<10)
	hr := &hashingReader{r: br, whole: sha256x.New()}
	buf := make([]byte, 256<<10)
	members := map[string]verifiedBlob{}
	c, err := detectCompression(br)
	if err != nil {
		return "", 0, nil, err
	}
	if c != xzed {
		hashMembers(hr, c, members, buf)
	}
	// The rest of the file (padding, trailing bytes, what a broken tar left) counts too.
	if _, err := io.CopyBuffer(nopWriter{}, hr, buf); err != nil {
		return "", 0, nil, err
	}
	if err := ctx.Err(); err != nil {
		return "", 0, nil, err
	}
	return hex.EncodeToString(hr.whole.Sum(nil)), hr.n, members, nil
}

// hashMembers walks the tar in hr (compressed as c) and records each regular member's sum. It
// stops quietly at anything that is not a well-formed tar: the caller still hashes the file.
func hashMembers(hr *hashingReader, c compression, members map[string]verifiedBlob, buf []byte) {
	var src io.Reader = hr
	if c != uncompressed {
		r, done, err := decompress(hr, c)
		if err != nil {
			return
		}
		defer done()
		src = r
	}
	tr := tar.NewReader(src)
	d := sha256x.New()
	// A link member stands for the bytes of the member it names: docker save (up to Docker 24)
	// writes a layer it has written before as a symbolic link to that copy, and containers/image
	// reads the link's target. Links are resolved once the walk is done.
	links := map[string]string{}
	defer resolveLinks(members, links)
	for {
		h, err := tr.Next()
		if err != nil {
			return
		}
		name := cleanName(h.Name)
		_, isLink := links[name]
		if h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink {
			if _, isReg := members[name]; !isReg && !isLink {
				links[name] = linkTarget(name, h)
			}
			continue
		}
		if h.Typeflag != tar.TypeReg || isSparse(h) || isLink {
			continue
		}
		d.Reset()
		var n int64
		if c == uncompressed {
			// The member's bytes are the next h.Size bytes of the file: hash them into both.
			hr.member(h.Size, d)
			n, err = io.CopyBuffer(nopWriter{}, tr, buf)
			hr.member(0, nil)
		} else {
			n, err = io.CopyBuffer(d, tr, buf)
		}
		if err != nil {
			return
		}
		members[name] = verifiedBlob{sum: hex.EncodeToString(d.Sum(nil)), size: n}
	}
}

// maxLinkHops bounds how many links a member's link may go through to a regular member.
const maxLinkHops = 8

// linkTarget is the member a link member names: a hard link names it from the archive's root,
// a symbolic link relative to its own directory (or from the root when absolute).
func linkTarget(name string, h *tar.Header) string {
	if h.Typeflag == tar.TypeSymlink && !path.IsAbs(h.Linkname) {
		return cleanName(path.Join(path.Dir(name), h.Linkname))
	}
	return cleanName(h.Linkname)
}

// resolveLinks gives each link member the sum of the regular member it leads to; a link that
// leads nowhere, or round in circles, gets none. The first member of a name is the one that
// counts, as containers/image reads it.
func resolveLinks(members map[string]verifiedBlob, links map[string]string) {
	for name, target := range links {
		for range maxLinkHops {
			if v, ok := members[target]; ok {
				members[name] = v
				break
			}
			next, ok := links[target]
			if !ok {
				break
			}
			target = next
		}
	}
}

// hashingReader hashes every byte read through it into whole and, while a member is being
// read, into the member's digest as well. It must not be an io.Seeker: tar would then seek
// over the bytes the whole-file digest needs.
type hashingReader struct {
	r     io.Reader
	whole *sha256x.Digest
	n     int64

	file     *sha256x.Digest
	fileLeft int64
}

// member says that the next n bytes read are one member's content, to be hashed into d too.
func (h *hashingReader) member(n int64, d *sha256x.Digest) {
	h.file, h.fileLeft = d, n
	if d == nil || n <= 0 {
		h.file, h.fileLeft = nil, 0
	}
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		b := p[:n]
		h.n += int64(n)
		if h.fileLeft > 0 {
			k := min(int64(len(b)), h.fileLeft)
			sha256x.WriteBoth(h.whole, h.file, b[:k])
			h.fileLeft -= k
			b = b[k:]
		}
		h.whole.Write(b)
	}
	return n, err
}

// nopWriter discards what it is given. Unlike io.Discard it has no ReadFrom, so io.CopyBuffer
// reads through the caller's buffer in big pieces.
type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// isSparse reports whether a tar header describes a sparse file (old GNU or PAX form).
func isSparse(h *tar.Header) bool {
	if h.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range h.PAXRecords {
		if len(k) > 11 && k[:11] == "GNU.sparse." {
			return true
		}
	}
	return false
}
