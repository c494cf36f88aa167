package forensics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/strata-forensics/strata/forensics/internal/load"
)

// OpenOptions control how an image is opened.
type OpenOptions struct {
	// TempDir is where temporary files may go (an oci-archive is extracted there). It must be
	// inside Strata's own data directory; Open creates a private directory below it and Close
	// removes it.
	TempDir string
	// Shared, when set, lets images of the same input share its hash and extraction (see
	// SharedInputs).
	Shared *SharedInputs
}

// AmbiguousError is returned by Open when the input holds several images and the reference
// did not say which.
type AmbiguousError = load.AmbiguousError

// InputError is a problem with what the user gave: a missing path, a file that is not an image.
type InputError struct {
	Input string
	Err   error
}

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Open opens the image named by ref (a path, optionally with a transport prefix and selector:
// docker-archive:PATH:repo:tag, oci:DIR:@1, dir:ROOTFS) read-only. The evidence is never
// modified. The caller must Close the image.
func Open(ctx context.Context, ref string, opts OpenOptions) (*Image, error) {
	r, err := load.ParseRef(ref)
	if err != nil {
		return nil, &InputError{Input: ref, Err: err}
	}
	if opts.TempDir == "" {
		return nil, errors.New("opening image: no temporary directory given")
	}
	if err := os.MkdirAll(opts.TempDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating temporary directory: %w", err)
	}
	tmp, err := os.MkdirTemp(opts.TempDir, "open-")
	if err != nil {
		return nil, fmt.Errorf("creating temporary directory: %w", err)
	}
	lopts := load.Options{TempDir: tmp}
	if opts.Shared != nil {
		lopts.Shared = opts.Shared.s
	}
	src, err := load.Open(ctx, r, lopts)
	if err != nil {
		os.RemoveAll(tmp)
		var amb *load.AmbiguousError
		if errors.As(err, &amb) {
			return nil, err
		}
		return nil, &InputError{Input: ref, Err: err}
	}
	img := &Image{
		src:    src,
		tmpDir: tmp,
		Input: Input{
			Path:     r.Path,
			Format:   string(r.Format),
			Selector: r.Selector,
		},
		Digest:        src.ManifestDigest,
		ConfigDigest:  src.ConfigDigest,
		ArchiveID:     src.ArchiveImageID,
		Tags:          append([]string(nil), src.RepoTags...),
		ManifestBytes: src.Manifest,
		ConfigBytes:   src.Config,
	}
	for _, a := range src.Anomalies {
		img.Anomalies = append(img.Anomalies, Anomaly{Kind: a.Kind, Layer: -1, Detail: a.Detail})
	}
	if err := img.parseConfig(); err != nil {
		img.Close()
		return nil, &InputError{Input: ref, Err: fmt.Errorf("%s: reading image config: %w", r.Path, err)}
	}
	img.Layers = make([]Layer, len(src.Layers))
	for i, b := range src.Layers {
		img.Layers[i] = Layer{Index: i, Digest: b.Digest, DiffID: b.DiffID, MediaType: b.MediaType, Size: b.Size,
			BlobClaim: b.Claim, History: -1}
	}
	img.checkIdentity()
	img.alignHistory()
	return img, nil
}

// InputHash returns the sha256 and size of the input as given, for the chain of custody.
// It is computed in the background from the moment the image is opened.
func (img *Image) InputHash(ctx context.Context) (string, int64, error) {
	sum, size, err := img.src.InputHash(ctx)
	if err == nil {
		img.Input.SHA256, img.Input.Size = sum, size
	}
	return sum, size, err
}

// HashBlobs hashes the stored bytes of the given layers (nil: all) from the evidence and sets
// their BlobSHA256: a layer is what its bytes hash to, and caches and shared-layer shortcuts key
// on that, never on what a manifest or config claims. Archive members are hashed by the
// background input hash in the same pass as the whole file; layout blobs one by one, in
// parallel. A root filesystem has no blob and is left alone. The error names the blobs that
// could not be hashed; the others have their sums all the same.
func (img *Image) HashBlobs(ctx context.Context, layers []int) error {
	if img.src == nil {
		return errors.New("hashing layers: image is closed")
	}
	if img.Input.Format == string(load.RootFS) {
		return nil
	}
	if layers == nil {
		layers = make([]int, len(img.Layers))
		for i := range layers {
			layers[i] = i
		}
	}
	sums := make([]string, len(layers))
	errs := make([]error, len(layers))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for k, i := range layers {
		if img.Layers[i].BlobSHA256 != "" {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			sums[k], _, errs[k] = img.src.BlobSHA256(ctx, i)
		}()
	}
	wg.Wait()
	// A blob that cannot be hashed leaves the others theirs: each layer is known by its own
	// bytes, and one unreadable member must not make every layer unknown.
	for k, i := range layers {
		if sums[k] != "" && errs[k] == nil {
			img.Layers[i].BlobSHA256 = sums[k]
		}
	}
	return errors.Join(errs...)
}

// Close releases the input and removes temporary files.
func (img *Image) Close() error {
	var err error
	if img.src != nil {
		err = img.src.Close()
		img.src = nil
	}
	if img.tmpDir != "" {
		if rerr := os.RemoveAll(img.tmpDir); err == nil {
			err = rerr
		}
		img.tmpDir = ""
	}
	return err
}

// strslice accepts the string-or-array forms Docker allows for Entrypoint and Cmd.
type strslice []string

func (s *strslice) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = nil
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

type rawConfig struct {
	Architecture string     `json:"architecture"`
	OS           string     `json:"os"`
	Variant      string     `json:"variant"`
	Created      *time.Time `json:"created"`
	Author       string     `json:"author"`
	Config       struct {
		User         string              `json:"User"`
		Env          []string            `json:"Env"`
		Entrypoint   strslice            `json:"Entrypoint"`
		Cmd          strslice            `json:"Cmd"`
		WorkingDir   string              `json:"WorkingDir"`
		ExposedPorts map[string]struct{} `json:"ExposedPorts"`
		Volumes      map[string]struct{} `json:"Volumes"`
		Labels       map[string]string   `json:"Labels"`
		Healthcheck  *struct {
			Test        []string      `json:"Test"`
			Interval    time.Duration `json:"Interval"`
			Timeout     time.Duration `json:"Timeout"`
			StartPeriod time.Duration `json:"StartPeriod"`
			Retries     int           `json:"Retries"`
		} `json:"Healthcheck"`
		StopSignal string   `json:"StopSignal"`
		Shell      []string `json:"Shell"`
		OnBuild    []string `json:"OnBuild"`
	} `json:"config"`
	History []struct {
		Created    *time.Time `json:"created"`
		CreatedBy  string     `json:"created_by"`
		Comment    string     `json:"comment"`
		Author     string     `json:"author"`
		EmptyLayer bool       `json:"empty_layer"`
	} `json:"history"`
}

func (img *Image) parseConfig() error {
	var rc rawConfig
	if err := json.Unmarshal(img.ConfigBytes, &rc); err != nil {
		return err
	}
	img.OS, img.Architecture, img.Variant, img.Author = rc.OS, rc.Architecture, rc.Variant, rc.Author
	if rc.Created != nil {
		img.Created = *rc.Created
	}
	c := rc.Config
	img.Config = Config{
		User:         c.User,
		Env:          c.Env,
		Entrypoint:   c.Entrypoint,
		Cmd:          c.Cmd,
		WorkingDir:   c.WorkingDir,
		ExposedPorts: sortedKeys(c.ExposedPorts),
		Volumes:      sortedKeys(c.Volumes),
		Labels:       c.Labels,
		StopSignal:   c.StopSignal,
		Shell:        c.Shell,
		OnBuild:      c.OnBuild,
	}
	if h := c.Healthcheck; h != nil {
		img.Config.Healthcheck = &Healthcheck{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
	}
	for _, h := range rc.History {
		e := History{CreatedBy: h.CreatedBy, Comment: h.Comment, Author: h.Author, EmptyLayer: h.EmptyLayer, Layer: -1}
		if h.Created != nil {
			e.Created = *h.Created
		}
		img.History = append(img.History, e)
	}
	return nil
}

func sortedKeys(m map[string]struct{}) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkIdentity compares the digests the archive claims with the ones computed.
func (img *Image) checkIdentity() {
	if img.ArchiveID != "" && img.ConfigDigest != "" && img.ArchiveID != img.ConfigDigest {
		img.Anomalies = append(img.Anomalies, Anomaly{Kind: AnomalyConfigMismatch, Layer: -1,
			Detail: fmt.Sprintf("the archive names the image %s but its config hashes to %s", img.ArchiveID, img.ConfigDigest)})
	}
}

// alignHistory ties each non-empty history step to the next layer, in order, as Docker does.
// History is written by whoever built the image, so a count that does not match is kept as an
// anomaly and the unmatched steps or layers are left unaligned (-1).
func (img *Image) alignHistory() {
	if img.Input.Format == string(load.RootFS) {
		return
	}
	next := 0
	steps := 0
	for i := range img.History {
		h := &img.History[i]
		if h.EmptyLayer {
			continue
		}
		steps++
		if next < len(img.Layers) {
			h.Layer = next
			img.Layers[next].History = i
			next++
		}
	}
	if steps != len(img.Layers) {
		detail := fmt.Sprintf("history has %d steps that made layers but the image has %d layers", steps, len(img.Layers))
		if len(img.History) == 0 {
			detail = fmt.Sprintf("the config has no history for its %d layers", len(img.Layers))
		}
		img.Anomalies = append(img.Anomalies, Anomaly{Kind: AnomalyHistoryMismatch, Layer: -1, Detail: detail})
	}
}
