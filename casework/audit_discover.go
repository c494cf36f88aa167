package casework

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/strata-forensics/strata/audit/fleet"
	"github.com/strata-forensics/strata/forensics"
)

// discover lists what may hold images under paths: each file (a tarball of any format, a
// compressed one, or anything else, which opening will tell), each OCI layout (not
// descended into), and each argument that is no path but a reference (dir:ROOTFS,
// oci:DIR:@1). What it can tell holds no image without opening it (a symbolic link inside a
// walked directory, a root filesystem, a containers-image dir: copy, an unpacked docker save)
// is skipped with the reason.
func discover(paths []string) (refs []string, skipped []fleet.Skipped) {
	seen := map[string]bool{}
	add := func(ref string) {
		if !seen[ref] {
			seen[ref] = true
			refs = append(refs, ref)
		}
	}
	skip := func(p, why string) { skipped = append(skipped, fleet.Skipped{Path: p, Reason: why}) }
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			// Not a path: a reference with a transport or a selector, which opening checks.
			add(p)
			continue
		case !fi.IsDir():
			add(p)
			continue
		case isLayout(p):
			add(p)
			continue
		}
		filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				skip(q, unreadable(err))
				if d != nil && d.IsDir() && q != p {
					return filepath.SkipDir
				}
				return nil
			}
			switch t := d.Type(); {
			case d.IsDir():
				if q == p {
					return nil
				}
				if isLayout(q) {
					add(q)
					return filepath.SkipDir
				}
				if why := notAnImageDir(q); why != "" {
					skip(q, why)
					return filepath.SkipDir
				}
			case t&fs.ModeSymlink != 0:
				skip(q, "a symbolic link, not followed (give its target as an argument to audit it)")
			case !t.IsRegular():
				skip(q, "not a regular file")
			default:
				add(q)
			}
			return nil
		})
	}
	return refs, skipped
}

func unreadable(err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// isLayout reports whether dir is an OCI image layout.
func isLayout(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "oci-layout"))
	return err == nil && fi.Mode().IsRegular()
}

// notAnImageDir says why a directory met in a walk is not descended into, "" when it is.
func notAnImageDir(dir string) string {
	has := func(name string) bool {
		_, err := os.Lstat(filepath.Join(dir, name))
		return err == nil
	}
	if has("manifest.json") && has("version") {
		if b, err := os.ReadFile(filepath.Join(dir, "version")); err == nil && strings.HasPrefix(string(b), "Directory Transport Version") {
			return "a containers-image dir: copy (skopeo --dest dir), which Strata does not read: " +
				"copy it to an OCI layout (skopeo copy dir:" + dir + " oci:LAYOUT) and audit that"
		}
	}
	if has("manifest.json") && has("repositories") {
		return "an unpacked docker save: audit the archive itself (tar -C " + dir + " -cf IMAGE.tar .)"
	}
	markers := 0
	for _, m := range rootFSMarkers {
		if fi, err := os.Stat(filepath.Join(dir, m)); err == nil && fi.IsDir() {
			markers++
		}
	}
	if markers >= 2 {
		return "a root filesystem directory: give it as dir:" + dir + " to audit it"
	}
	return ""
}

// auditImage is one image an audit found, what hashing it told, and what became of it.
type auditImage struct {
	ref    string
	order  int // of discovery: the input's place, then the image's in the input
	member fleet.Member
	layers []forensics.Layer // BlobSHA256 set where hashing succeeded
	blobs  []string          // distinct blob sums
	// hashErr says some blob could not be hashed: the image is scanned last, on its own
	// terms (its scan will say what is wrong with it).
	hashErr error
}

// survey opens every reference, expands the inputs that hold several images into one
// reference each (name@N), and hashes each image's blobs and input, with jobs workers and the
// inputs shared: an archive holding many images is read once, a layout's blobs hashed once.
// References that open as no image are skipped with the reason.
func (w *Workspace) survey(ctx context.Context, refs []string, shared *forensics.SharedInputs, jobs int) ([]*auditImage, []fleet.Skipped, error) {
	type result struct {
		imgs    []*auditImage
		skipped *fleet.Skipped
	}
	results := make([]result, len(refs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(jobs, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				imgs, skip := w.surveyRef(ctx, refs[i], i, shared)
				results[i] = result{imgs, skip}
			}
		}()
	}
feed:
	for i := range refs {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var imgs []*auditImage
	var skipped []fleet.Skipped
	for _, r := range results {
		imgs = append(imgs, r.imgs...)
		if r.skipped != nil {
			skipped = append(skipped, *r.skipped)
		}
	}
	return imgs, skipped, nil
}

// surveyRef opens one reference: its image, or each image of it when it holds several.
func (w *Workspace) surveyRef(ctx context.Context, ref string, order int, shared *forensics.SharedInputs) ([]*auditImage, *fleet.Skipped) {
	img, err := w.openShared(ctx, ref, shared)
	var amb *forensics.AmbiguousError
	switch {
	case errors.As(err, &amb):
		var out []*auditImage
		for _, index := range distinctImages(amb) {
			sub := ref + ":@" + strconv.Itoa(index)
			img, err := w.openShared(ctx, sub, shared)
			if err != nil {
				// One image of the input that will not open is that image's problem, named.
				out = append(out, &auditImage{ref: sub, order: order<<20 + index, hashErr: err,
					member: fleet.Member{Name: sub, Status: fleet.StatusFailed, Error: reason(sub, err),
						Input: forensics.Input{Path: amb.Ref.Path, Format: string(amb.Ref.Format), Selector: "@" + strconv.Itoa(index)}}})
				continue
			}
			out = append(out, surveyImage(ctx, img, sub, order<<20+index))
		}
		return out, nil
	case err != nil:
		return nil, &fleet.Skipped{Path: ref, Reason: reason(ref, err)}
	}
	return []*auditImage{surveyImage(ctx, img, ref, order<<20)}, nil
}

// distinctImages are the images of an input that holds several: index entries naming the
// same manifest are one image with several tags. It returns their indexes in the input.
func distinctImages(amb *forensics.AmbiguousError) []int {
	var out []int
	seen := map[string]bool{}
	for _, c := range amb.Candidates {
		if c.Digest != "" && seen[c.Digest] {
			continue
		}
		seen[c.Digest] = true
		out = append(out, c.Index)
	}
	return out
}

// Discover lists what may hold images under paths as an audit finds them, without opening
// anything: each file, each OCI layout, each argument that is a reference rather than a path,
// directories walked to the bottom; and what it can tell holds no image, with the reason. An
// input that holds several images is one entry: opening it fails with an AmbiguousError, and
// ImageRefs names each of its images.
func Discover(paths []string) (refs []string, skipped []fleet.Skipped) { return discover(paths) }

// ExpandRefs are the images for a front end that opens images one at a time (the
// workbench): each path or reference as given, except a directory that is no image itself
// (neither an OCI layout nor a root filesystem), which is walked as an audit walks it, every
// file and layout under it in its place; skipped are what the walks found that holds no image.
// A directory in which the walk finds nothing stays as given, so that opening it says why it
// is no image.
func ExpandRefs(refs []string) (out []string, skipped []fleet.Skipped) {
	for _, r := range refs {
		if fi, err := os.Stat(r); err != nil || !fi.IsDir() || checkDirectory(r) == nil {
			out = append(out, r)
			continue
		}
		found, sk := discover([]string{r})
		if len(found) == 0 {
			found = []string{r}
		}
		out = append(out, found...)
		skipped = append(skipped, sk...)
	}
	return out, skipped
}

// ImageRefs returns the reference of each distinct image of ref (ref:@N) when opening it
// failed with err because it holds several (an OCI layout whose index lists many, a
// multi-image docker archive), as an audit names them; nil for any other error.
func ImageRefs(ref string, err error) []string {
	var amb *forensics.AmbiguousError
	if !errors.As(err, &amb) {
		return nil
	}
	var out []string
	for _, index := range distinctImages(amb) {
		out = append(out, ref+":@"+strconv.Itoa(index))
	}
	return out
}

// reason is an error about ref without the name it starts with: the fleet view names it.
func reason(ref string, err error) string {
	s := err.Error()
	names := []string{ref, filepath.Clean(ref)}
	if path, _, ok := strings.Cut(ref, ":@"); ok {
		names = append(names, path)
	}
	for _, p := range names {
		s = strings.TrimPrefix(s, p+": ")
	}
	return s
}

func (w *Workspace) openShared(ctx context.Context, ref string, shared *forensics.SharedInputs) (*forensics.Image, error) {
	if err := checkDirectory(ref); err != nil {
		return nil, err
	}
	return forensics.Open(ctx, ref, forensics.OpenOptions{TempDir: w.TempDir(), Shared: shared})
}

// surveyImage hashes an open image's blobs and input, notes what the audit needs of it, and
// closes it.
func surveyImage(ctx context.Context, img *forensics.Image, ref string, order int) *auditImage {
	defer img.Close()
	a := &auditImage{ref: ref, order: order}
	a.hashErr = img.HashBlobs(ctx, nil)
	if _, _, err := img.InputHash(ctx); err != nil && a.hashErr == nil {
		a.hashErr = fmt.Errorf("hashing the input: %w", err)
	}
	a.layers = slices.Clone(img.Layers)
	for _, l := range img.Layers {
		if l.BlobSHA256 != "" && !slices.Contains(a.blobs, l.BlobSHA256) {
			a.blobs = append(a.blobs, l.BlobSHA256)
		}
	}
	a.member = fleet.Member{Name: ref, Input: img.Input, ConfigDigest: img.ConfigDigest, ManifestDigest: img.Digest,
		Tags: slices.Clone(img.Tags), Created: img.Created}
	for _, l := range img.Layers {
		a.member.Chain = append(a.member.Chain, l.DiffID)
	}
	return a
}

// sortImages puts images in discovery order.
func sortImages(imgs []*auditImage) {
	sort.SliceStable(imgs, func(i, j int) bool { return imgs[i].order < imgs[j].order })
}

// DefaultAuditMemory is the memory an audit's scans may be expected to hold at once unless
// told otherwise: half of what the system has available when it starts (2 GiB when that is
// not known), and at least 256 MiB.
func DefaultAuditMemory() int64 {
	avail := int64(4 << 30)
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil {
					avail = kb << 10
				}
			}
		}
	}
	return max(avail/2, 256<<20)
}

// scanMemory estimates the most a scan of layers holds at once, reading unread of them: a
// fixed share (the analyzers, the rules' scanners), for each layer read at once its buffers
// and up to two files of maxFileSize in flight, and the layer trees (about a tenth of the
// stored bytes: some 600 bytes an entry, a file for every 6 KB or so of compressed layer).
func scanMemory(layers []forensics.Layer, unread int, maxFileSize int64) int64 {
	var stored, biggest int64
	for _, l := range layers {
		stored += max(l.Size, 0)
		biggest = max(biggest, l.Size)
	}
	workers := int64(min(runtime.GOMAXPROCS(0), unread))
	perWorker := min(2*maxFileSize, 4*max(biggest, 0)) + 1<<20
	return 16<<20 + workers*perWorker + stored/10
}

// elapsed is the seconds since t.
func elapsed(t time.Time) float64 { return time.Since(t).Seconds() }
