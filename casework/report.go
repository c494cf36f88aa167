package casework

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/report"
)

// ReportRequest names what a tracing report is about: one recorded scan (ScanID), one image
// (Image), or the comparison of Original with Suspect (Diff).
type ReportRequest struct {
	ScanID            int64
	Image             string
	Diff              bool
	Original, Suspect string
	// Scan are the options of a scan or comparison the report has to run first.
	Scan ScanOptions
}

// Report builds the tracing report of a request from the history database, recording first
// what it lacks: an image given as evidence that was never scanned is scanned, and two images
// given as evidence that were never compared are compared (and the suspect scanned), as
// strata scan and strata diff would. References are digests (or unique prefixes), tags, or
// input paths as they were read; a file read under another path is found by its sha256.
func (w *Workspace) Report(ctx context.Context, req ReportRequest, sink Sink) (*history.Report, error) {
	s, err := w.OpenStore(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	trusted, err := w.Trusted()
	if err != nil {
		return nil, inputError(err)
	}
	opts := history.ReportOptions{Trusted: trusted}
	switch {
	case req.ScanID != 0:
		r, err := s.ScanReport(ctx, req.ScanID, opts)
		return r, notFound(err)
	case req.Diff:
		return w.diffReport(ctx, s, req, opts, sink)
	}
	digest, err := w.Resolve(ctx, s, req.Image)
	if err == nil {
		scans, serr := s.Scans(ctx, history.ScanFilter{Image: digest, Limit: 1})
		if serr != nil {
			return nil, serr
		}
		if len(scans) > 0 || !isEvidence(req.Image) {
			r, err := s.ImageReport(ctx, digest, opts)
			return r, notFound(err)
		}
	}
	if !errors.Is(err, history.ErrNotFound) && err != nil {
		return nil, err
	}
	if !isEvidence(req.Image) {
		return nil, notFound(fmt.Errorf("%w (and it is no image file or directory to read)", err))
	}
	// Never scanned: scan it, as strata scan would, and report on that.
	sc, err := w.NewScanner(ctx, req.Scan)
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	res, err := sc.ScanRef(ctx, req.Image, sink)
	if err != nil {
		return nil, err
	}
	if res.ScanID == 0 {
		return nil, errors.New("the scan the report needs could not be recorded")
	}
	// The image's report, now that it has a scan (and the latest diff it was the suspect of).
	r, err := s.ImageReport(ctx, res.Image.ConfigDigest, opts)
	return r, notFound(err)
}

func (w *Workspace) diffReport(ctx context.Context, s *history.Store, req ReportRequest, opts history.ReportOptions, sink Sink) (*history.Report, error) {
	o, oerr := w.Resolve(ctx, s, req.Original)
	su, serr := w.Resolve(ctx, s, req.Suspect)
	if oerr == nil && serr == nil {
		if err := w.completeScan(ctx, s, su, req, sink); err != nil {
			return nil, err
		}
		r, err := s.DiffReport(ctx, o, su, opts)
		if err == nil || !errors.Is(err, history.ErrNotFound) {
			return r, err
		}
	}
	for _, x := range []struct {
		ref string
		err error
	}{{req.Original, oerr}, {req.Suspect, serr}} {
		if x.err != nil && !errors.Is(x.err, history.ErrNotFound) {
			return nil, x.err
		}
		if !isEvidence(x.ref) {
			if x.err == nil {
				x.err = fmt.Errorf("no recorded comparison of %s with %s: %w", req.Original, req.Suspect, history.ErrNotFound)
			}
			return nil, notFound(fmt.Errorf("%w (and %s is no image file or directory to compare)", x.err, x.ref))
		}
	}
	// Never compared: compare them, as strata diff would, and report on that.
	sc, err := w.NewScanner(ctx, req.Scan)
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	res, closeImages, err := w.DiffRefs(ctx, req.Original, req.Suspect, DiffOptions{Scanner: sc, WholeScan: true}, sink)
	if err != nil {
		return nil, err
	}
	defer closeImages()
	if res.DiffID == 0 {
		return nil, errors.New("the comparison the report needs could not be recorded")
	}
	r, err := s.DiffReport(ctx, res.Diff.Original.ConfigDigest, res.Diff.Suspect.ConfigDigest, opts)
	return r, notFound(err)
}

// completeScan scans the suspect whole, as strata scan would, when its latest recorded scan
// is a comparison's, which analyzed only the layers the original lacks, and its evidence is
// at hand: a report lists every finding in the suspect, those it shares with the original
// too. The layer cache serves the layers that scan analyzed.
func (w *Workspace) completeScan(ctx context.Context, s *history.Store, suspect string, req ReportRequest, sink Sink) error {
	scans, err := s.Scans(ctx, history.ScanFilter{Image: suspect, Limit: 1})
	if err != nil {
		return err
	}
	if len(scans) == 0 || scans[0].Complete() || !isEvidence(req.Suspect) {
		return nil
	}
	sc, err := w.NewScanner(ctx, req.Scan)
	if err != nil {
		return err
	}
	defer sc.Close()
	res, err := sc.ScanRef(ctx, req.Suspect, sink)
	if err != nil {
		return err
	}
	if res.ScanID == 0 {
		return errors.New("the scan the report needs could not be recorded")
	}
	return nil
}

// notFound makes a reference the history does not hold an InputError.
func notFound(err error) error {
	if errors.Is(err, history.ErrNotFound) {
		return inputError(err)
	}
	return err
}

// isEvidence reports whether ref names something on disk that could be opened as an image.
func isEvidence(ref string) bool {
	for _, p := range []string{"docker-archive:", "oci-archive:", "oci:", "dir:"} {
		if len(ref) > len(p) && ref[:len(p)] == p {
			return true
		}
	}
	_, err := os.Stat(ref)
	return err == nil
}

// Resolve turns a reference into the config digest of a stored image: a digest or unique
// prefix, a tag, an input path as it was read, or a file whose sha256 an input had.
func (w *Workspace) Resolve(ctx context.Context, s *history.Store, ref string) (string, error) {
	img, err := s.FindImage(ctx, ref)
	if err == nil {
		return img.ConfigDigest, nil
	}
	if !errors.Is(err, history.ErrNotFound) {
		return "", err
	}
	if abs, aerr := filepath.Abs(ref); aerr == nil && abs != ref {
		if img, err2 := s.FindImage(ctx, abs); err2 == nil {
			return img.ConfigDigest, nil
		}
	}
	f, ferr := os.Open(ref)
	if ferr != nil {
		return "", err
	}
	defer f.Close()
	if st, serr := f.Stat(); serr != nil || !st.Mode().IsRegular() {
		return "", err
	}
	h := sha256.New()
	if _, cerr := io.Copy(h, f); cerr != nil {
		return "", err
	}
	img, err2 := s.FindImage(ctx, hex.EncodeToString(h.Sum(nil)))
	if err2 != nil {
		return "", err
	}
	return img.ConfigDigest, nil
}

// RuleCatalog describes the rules the scanner's scans can report: the analyzers' and those
// of its rule set (built-in and user YARA rules), for SARIF's rule descriptors.
func (s *Scanner) RuleCatalog() *report.Catalog {
	if s.rules == nil {
		return report.NewCatalog(nil)
	}
	return report.NewCatalog(s.rules.Rules())
}
