package imagebuild

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/strata-forensics/strata/forensics/internal/igzip"
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

// BenchFiles is how many files the many-files benchmarks generate: STRATA_BENCH_FILES, else
// a million.
func BenchFiles() int {
	if s := os.Getenv("STRATA_BENCH_FILES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

// Floor does the least any tree builder or scanner must do with layer blobs: gunzip (when gzip),
// walk the tar and sha256 every regular file, layers in parallel on every core. Benchmarks
// time it in the same run as the code they measure and report the ratio. It returns the
// bytes of file content seen. Its gunzip is klauspost/compress's, the fastest pure Go one, as
// the performance targets are stated against; FastFloor is the same with the inflater Strata
// reads layers with.
func Floor(blobs []string) (int64, error) { return floor(blobs, gunzip) }

// FastFloor is Floor with Strata's own inflater (forensics/internal/igzip: ISA-L where it is
// built with cgo), the floor nothing that reads the layers as Strata does can go under.
func FastFloor(blobs []string) (int64, error) { return floor(blobs, igzip.NewReader) }

func gunzip(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) }

func floor(blobs []string, inflate func(io.Reader) (io.ReadCloser, error)) (int64, error) {
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
				n, err := floorLayer(p, buf, inflate)
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

func floorLayer(p string, buf []byte, inflate func(io.Reader) (io.ReadCloser, error)) (int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var r io.Reader = br
	// A small layer may be stored as a plain tar: there is nothing to gunzip.
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := inflate(br)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p, err)
		}
		defer zr.Close()
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
// without counting their own. The peak is the child's own high-water mark (VmHWM), read from
// /proc while it runs: the rusage of a child Go started counts the parent's memory at the
// fork as the child's (the child shares the parent's memory until it execs), which overstates
// a child started by a benchmark that built or read a big image first. A child that calls
// ReportHighWater gives its final figure too, so that a peak in its last moments is not
// missed between two reads. Without /proc the rusage figure is returned.
func ChildPeakRSS(run string, env ...string) (int64, error) {
	f, err := os.CreateTemp("", "strata-hwm-")
	if err != nil {
		return 0, err
	}
	f.Close()
	defer os.Remove(f.Name())
	cmd := exec.Command(os.Args[0], "-test.run=^"+run+"$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), env...), hwmFileEnv+"="+f.Name())
	cmd.Stderr = os.Stderr
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("%s: %w", run, err)
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	done := make(chan struct{})
	var hwm int64
	var polled sync.WaitGroup
	polled.Add(1)
	go func() {
		defer polled.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if v := highWater(status); v > hwm {
				hwm = v
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	polled.Wait()
	if b, _ := os.ReadFile(f.Name()); len(b) > 0 {
		if v, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); v > hwm {
			hwm = v
		}
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w\n%s", run, err, out.Bytes())
	}
	if hwm > 0 {
		return hwm, nil
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, fmt.Errorf("%s: no resource usage", run)
	}
	return ru.Maxrss, nil
}

const hwmFileEnv = "STRATA_HWM_FILE"

// ReportHighWater, called by a child ChildPeakRSS runs, writes the child's peak resident
// memory when the test ends (t.Cleanup); elsewhere it does nothing.
func ReportHighWater(t interface{ Cleanup(func()) }) {
	file := os.Getenv(hwmFileEnv)
	if file == "" {
		return
	}
	t.Cleanup(func() {
		os.WriteFile(file, []byte(strconv.FormatInt(highWater("/proc/self/status"), 10)), 0o600)
	})
}

// highWater reads VmHWM (KiB) from a /proc/PID/status file; 0 when it cannot.
func highWater(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
