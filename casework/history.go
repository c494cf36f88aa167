package casework

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics"
)

// storedImages lists the store's images with the trusted ones marked.
func storedImages(ctx context.Context, s *history.Store, trusted []trust.Image) ([]*history.Image, error) {
	imgs, err := s.Images(ctx)
	if err != nil {
		return nil, err
	}
	history.MarkTrusted(imgs, trusted)
	return imgs, nil
}

// Family returns the family of the stored image ref names: its ancestors, descendants and
// images with the same layers. A reference the history does not hold is an InputError.
func Family(ctx context.Context, s *history.Store, trusted []trust.Image, ref string) (*history.Family, error) {
	imgs, err := storedImages(ctx, s, trusted)
	if err != nil {
		return nil, err
	}
	img, err := s.FindImage(ctx, ref)
	if err != nil {
		return nil, notFound(err)
	}
	for _, i := range imgs {
		if i.ID == img.ID {
			img = i
		}
	}
	return history.FamilyOf(img, imgs), nil
}

// Forest returns every stored image, each under its nearest ancestor.
func Forest(ctx context.Context, s *history.Store, trusted []trust.Image) ([]*history.Node, error) {
	imgs, err := storedImages(ctx, s, trusted)
	if err != nil {
		return nil, err
	}
	return history.Forest(imgs), nil
}

// ImageHistory is what the history database says about one open image.
type ImageHistory struct {
	// Self is the stored image, or, when the store does not hold it, a stand-in made from the
	// evidence (ID 0) so that its family can still be found by its layers; Known tells which.
	Self   *history.Image
	Known  bool
	Family *history.Family
	// Related share a first layer (or more) with the image and are not in its family.
	Related []Related
	// Tags are the sightings of every tag the image has or was seen under.
	Tags []history.TagSighting
	// Scans are the family's scans, newest first.
	Scans []history.ScanRecord
}

// Related is a stored image that shares the bottom Shared layers with another.
type Related struct {
	Image  *history.Image
	Shared int
}

// History gathers an open image's family, related images, tag history and scan log.
func History(ctx context.Context, s *history.Store, trusted []trust.Image, img *forensics.Image) (*ImageHistory, error) {
	imgs, err := storedImages(ctx, s, trusted)
	if err != nil {
		return nil, err
	}
	d := &ImageHistory{}
	for _, o := range imgs {
		if o.ConfigDigest == img.ConfigDigest {
			d.Self, d.Known = o, true
		}
	}
	if d.Self == nil {
		d.Self = &history.Image{ConfigDigest: img.ConfigDigest, ManifestDigest: img.Digest, Tags: append([]string{}, img.Tags...),
			Created: img.Created, OS: img.OS, Architecture: img.Architecture}
		for _, l := range img.Layers {
			d.Self.Chain = append(d.Self.Chain, l.DiffID)
		}
		history.MarkTrusted([]*history.Image{d.Self}, trusted)
	}
	d.Family = history.FamilyOf(d.Self, imgs)
	inFamily := map[string]bool{d.Self.ConfigDigest: true}
	for _, group := range [][]*history.Image{d.Family.Ancestors, d.Family.Descendants, d.Family.Siblings} {
		for _, o := range group {
			inFamily[o.ConfigDigest] = true
		}
	}
	for _, o := range imgs {
		if inFamily[o.ConfigDigest] {
			continue
		}
		n := 0
		for n < len(o.Chain) && n < len(d.Self.Chain) && o.Chain[n] == d.Self.Chain[n] {
			n++
		}
		if n > 0 {
			d.Related = append(d.Related, Related{Image: o, Shared: n})
		}
	}
	tags := map[string]bool{}
	for _, t := range append(append([]string{}, img.Tags...), d.Self.Tags...) {
		if tags[t] {
			continue
		}
		tags[t] = true
		ts, err := s.TagHistory(ctx, t)
		if err != nil && !errors.Is(err, history.ErrNotFound) {
			return nil, err
		}
		d.Tags = append(d.Tags, ts...)
	}
	scans, err := s.Scans(ctx, history.ScanFilter{})
	if err != nil {
		return nil, err
	}
	for _, sc := range scans {
		if sc.Image != nil && inFamily[sc.Image.ConfigDigest] {
			d.Scans = append(d.Scans, sc)
		}
	}
	return d, nil
}

// Trace searches everything the store holds for an indicator. An empty query is an
// InputError.
func Trace(ctx context.Context, s *history.Store, q history.TraceQuery) ([]history.Hit, error) {
	if q.Empty() {
		return nil, inputError(errors.New("trace needs an indicator: a sha256, a path, a rule, an IP, a domain or a string"))
	}
	hits, err := s.Trace(ctx, q)
	if err != nil {
		return nil, inputError(err)
	}
	return hits, nil
}

// ExportHistory writes an archive of every unit the history database holds to w (see
// history.Store.Export), staging the records in the data directory. A database whose ledger
// does not check out is not exported.
func (w *Workspace) ExportHistory(ctx context.Context, s *history.Store, out io.Writer) (*history.ExportSummary, error) {
	return s.Export(ctx, out, w.TempDir())
}

// ImportHistory merges another station's export archive into the history database (see
// history.Store.Import). An archive that is missing, unreadable or does not verify is an
// InputError naming the record at fault.
func ImportHistory(ctx context.Context, s *history.Store, path string) (*history.ImportSummary, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, inputError(fmt.Errorf("importing history: %w", err))
	}
	sum, err := s.Import(ctx, path)
	var ae *history.ArchiveError
	if errors.As(err, &ae) {
		return nil, inputError(err)
	}
	return sum, err
}
