package casework

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics"
)

// GoMemoryLimit is the soft limit Strata's processes give the Go heap (unless GOMEMLIMIT
// sets one): a scan's live heap is below it (a million-file layer's entries and tree are about
// 100 MB), but left to GOGC alone the heap may double before a collection, and with the
// rules, libraries and buffers outside the heap a scan of a million files peaked anywhere from
// 258 to 301 MB. At the limit the collector runs sooner (never taking more than half the CPU),
// so a bigger image costs time instead of memory: at 160 rather than 200 MB, the million-file
// scan peaks at 236 rather than 276 MB for 5% more time, and a recorded scan of the real
// Debian image, its layers read side by side, at 250-260 rather than 285-295 MB for none. An
// audit's scans side by side may hold more: the front end raises the limit to the audit's
// budget.
const GoMemoryLimit = 160 << 20

// TuneMemory gives the process's Go heap GoMemoryLimit unless GOMEMLIMIT sets one: front ends
// call it first, and benchmarks measure under it. (The collector keeps Go's pace: at GOGC 200
// a scan of the real Debian image took 2% less wall time, but a recorded scan of it peaked at
// 265-290 MB instead of 244-258, too near the 300 MB a scan may use at any image size.)
func TuneMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(GoMemoryLimit)
	}
}

// Workspace is where casework keeps what it writes and reads back: the data directory (the
// only place Strata writes, besides files the user names), the history database and the tool
// version recorded with everything.
type Workspace struct {
	// DataDir is Strata's data directory; temporary files go under its tmp/.
	DataDir string
	// DB is the history database; "" is strata.db in DataDir.
	DB string
	// Version is the strata version custody records, rule hashes and SARIF name.
	Version string
}

// InputError is a problem with what the user gave (a path that is not an image, a reference
// the history does not hold, a rule file that does not compile): the command line exits 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputError(err error) error {
	if err == nil {
		return nil
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{Err: err}
}

// makeDataDir creates the data directory, mode 0700, when it does not exist: it will hold what
// the images held. Whatever makes a file in it first, it is private.
func (w *Workspace) makeDataDir() error {
	if err := os.MkdirAll(w.DataDir, 0o700); err != nil {
		return inputError(fmt.Errorf("creating the data directory: %w", err))
	}
	return nil
}

// RulesCacheDir is where compiled YARA rules (the built-in classes' sets and the user rules)
// are kept between runs, by the hash of the rule files' bytes (signatures.Options.CacheDir).
func (w *Workspace) RulesCacheDir() string { return filepath.Join(w.DataDir, "yara-cache") }

// DBPath is the history database's path.
func (w *Workspace) DBPath() string {
	if w.DB != "" {
		return w.DB
	}
	return history.DefaultPath(w.DataDir)
}

// OpenStore opens the history database, creating it if need be. The caller closes it.
func (w *Workspace) OpenStore(ctx context.Context) (*history.Store, error) {
	s, err := history.Open(ctx, w.DBPath())
	if err != nil {
		return nil, inputError(err)
	}
	s.ToolVersion = w.Version
	return s, nil
}

// StoreExists reports whether the history database has been created (a server's is taken to
// exist: opening it tells).
func (w *Workspace) StoreExists() bool {
	if history.IsServer(w.DBPath()) {
		return true
	}
	_, err := os.Stat(w.DBPath())
	return err == nil
}

// Trusted reads the trust store.
func (w *Workspace) Trusted() ([]trust.Image, error) {
	return w.TrustStore().List()
}

// TrustStore is the trust store of the data directory.
func (w *Workspace) TrustStore() *trust.FileStore { return trust.NewFileStore(w.DataDir) }

// rootFSMarkers are the top-level directories of a root filesystem: a directory given as an
// image without dir: must hold one of them.
var rootFSMarkers = []string{"etc", "usr", "bin", "lib"}

// checkDirectory refuses a directory given as an image by its bare path that is neither an
// OCI layout nor holds a root filesystem: an empty or unrelated directory would scan as a
// clean image of no files. dir:PATH reads any directory.
func checkDirectory(ref string) error {
	fi, err := os.Stat(ref)
	if err != nil || !fi.IsDir() {
		return nil // not a bare directory: the reference is parsed and checked by forensics
	}
	if _, err := os.Stat(filepath.Join(ref, "oci-layout")); err == nil {
		return nil
	}
	for _, m := range rootFSMarkers {
		if fi, err := os.Stat(filepath.Join(ref, m)); err == nil && fi.IsDir() {
			return nil
		}
	}
	return fmt.Errorf("%s: a directory with no root filesystem at its top (no %s/) and no oci-layout; "+
		"give it as dir:%s to read it anyway", ref, strings.Join(rootFSMarkers, "/, "), ref)
}

// Open opens the image named by ref, its temporary files in the data directory, and has it
// report every later layer read to sink (LayerStarted, LayerRead, LayerFinished, under the
// name ref). A reference that names no image is an InputError. The caller closes the image.
func (w *Workspace) Open(ctx context.Context, ref string, sink Sink) (*forensics.Image, error) {
	if err := checkDirectory(ref); err != nil {
		return nil, inputError(err)
	}
	sink.emit(Phase{Image: ref, Name: "opening"})
	img, err := forensics.Open(ctx, ref, forensics.OpenOptions{TempDir: w.TempDir()})
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		var ie *forensics.InputError
		var amb *forensics.AmbiguousError
		if errors.As(err, &ie) || errors.As(err, &amb) {
			return nil, inputError(err)
		}
		return nil, inputError(fmt.Errorf("%s: %w", ref, err))
	}
	Watch(img, ref, sink)
	return img, nil
}

// Watch has img report its layer reads to sink under the name name.
func Watch(img *forensics.Image, name string, sink Sink) {
	if sink == nil {
		img.OnRead(nil)
		return
	}
	img.OnRead(func(p forensics.LayerProgress) {
		switch {
		case p.Done:
			sink(LayerFinished{Image: name, Layer: p.Layer, Bytes: p.Bytes, Entries: p.Entries})
		case p.Bytes == 0 && p.Entries == 0:
			sink(LayerStarted{Image: name, Layer: p.Layer})
		default:
			sink(LayerRead{Image: name, Layer: p.Layer, Bytes: p.Bytes, Entries: p.Entries})
		}
	})
}

// ReadImage opens ref, reads every layer once (hashing every file) and waits for the input's
// hash: what inspect, layers and dockerfile show. The caller closes the image.
func (w *Workspace) ReadImage(ctx context.Context, ref string, sink Sink) (*forensics.Image, []*forensics.LayerTree, error) {
	img, err := w.Open(ctx, ref, sink)
	if err != nil {
		return nil, nil, err
	}
	sink.emit(w.plan(ctx, nil, img, ref, nil))
	sink.emit(Phase{Image: ref, Name: "reading layers"})
	trees, err := img.ReadLayers(ctx, forensics.ReadOptions{})
	if err == nil {
		_, _, err = img.InputHash(ctx)
		if err != nil {
			err = fmt.Errorf("hashing the input: %w", err)
		}
	}
	if err != nil {
		img.Close()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, inputError(fmt.Errorf("%s: %w", ref, err))
	}
	return img, trees, nil
}

// RecordInspect records that img was read, with its layers' file indexes. A failure is a
// Warning and is returned: what was shown stands, and the command line then exits 2.
func (w *Workspace) RecordInspect(ctx context.Context, img *forensics.Image, trees []*forensics.LayerTree, sink Sink) error {
	s, err := w.OpenStore(ctx)
	if err == nil {
		_, err = s.RecordInspect(ctx, img, trees)
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		err = fmt.Errorf("not recorded in the history database: %w", err)
		sink.emit(Warning{Err: err})
	}
	return err
}

// plan is the Plan of reading img's layers (those in only, nil: all), with the sizes known:
// the image's own, the history store's, else the stored size as an estimate.
func (w *Workspace) plan(ctx context.Context, store *history.Store, img *forensics.Image, name string, only []int) Plan {
	p := Plan{Image: name}
	known := map[string]int64{}
	if store != nil {
		var ids []string
		for _, l := range img.Layers {
			ids = append(ids, l.DiffID)
		}
		known, _ = store.LayerSizes(ctx, ids)
	}
	add := func(i int) {
		l := img.Layers[i]
		switch {
		case l.UncompressedSize > 0:
			p.Layers = append(p.Layers, PlannedLayer{Layer: i, Bytes: l.UncompressedSize, Exact: true})
		case known[l.DiffID] > 0:
			p.Layers = append(p.Layers, PlannedLayer{Layer: i, Bytes: known[l.DiffID], Exact: true})
		default:
			p.Layers = append(p.Layers, PlannedLayer{Layer: i, Bytes: max(l.Size, 0)})
		}
	}
	if only == nil {
		for i := range img.Layers {
			add(i)
		}
	}
	for _, i := range only {
		add(i)
	}
	return p
}
