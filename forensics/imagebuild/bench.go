package imagebuild

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"

	"github.com/klauspost/compress/gzip"
)

// BenchDir is where benchmarks keep their generated images between runs: STRATA_BENCH_DIR,
// else strata-bench in the system temp dir.
func BenchDir() string {
	if d := os.Getenv("STRATA_BENCH_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "strata-bench")
}

// BenchSizeMB is the uncompressed size of the synthetic benchmark image: 950 MB, the size the
// performance targets are stated for, unless STRATA_BENCH_MB asks for a quicker look.
func BenchSizeMB() int64 {
	if s := os.Getenv("STRATA_BENCH_MB"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return 950
}

// Floor does the least any tree builder or scanner must do with layer blobs: gunzip (when gzip),
// walk the tar and sha256 every regular file, layers in parallel on every core. Benchmarks
// time it in the same run as the code they measure and report the ratio. It returns the
// bytes of file content seen.
func Floor(blobs []string) (int64, error) {
	var (
		total int64
		first error
		mu    sync.Mutex
		wg    sync.WaitGroup
	)
	jobs := make(chan string)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for p := range jobs {
				n, err := floorLayer(p, buf)
				mu.Lock()
				total += n
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, p := range blobs {
		jobs <- p
	}
	close(jobs)
	wg.Wait()
	return total, first
}

func floorLayer(p string, buf []byte) (int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var r io.Reader = br
	// A small layer may be stored as a plain tar: there is nothing to gunzip.
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p, err)
		}
		r = zr
	}
	tr := tar.NewReader(r)
	var n int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", p, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			h := sha256.New()
			c, err := io.CopyBuffer(h, tr, buf)
			if err != nil {
				return n, fmt.Errorf("%s: %w", p, err)
			}
			h.Sum(nil)
			n += c
		}
	}
}

// ChildPeakRSS re-runs the current test binary with only the test named run, with env set,
// and returns that process's peak resident memory in KiB: how benchmarks measure memory
// without counting their own.
func ChildPeakRSS(run string, env ...string) (int64, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^"+run+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	if out, err := cmd.Output(); err != nil {
		return 0, fmt.Errorf("%s: %w\n%s", run, err, out)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, fmt.Errorf("%s: no resource usage", run)
	}
	return ru.Maxrss, nil
}
