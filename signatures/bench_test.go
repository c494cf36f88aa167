package signatures

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// benchFiles is a mix shaped like an image layer: mostly small text files
// (configs, scripts, docs), some small binaries and a few larger ones.
func benchFiles(b *testing.B) ([][]byte, int64) {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var files [][]byte
	var total int64
	samples, _ := filepath.Glob("testdata/neg/*")
	for _, p := range samples {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
	}
	words := []string{"server", "listen", "root", "/usr/lib", "echo", "export", "PATH=", "def ", "import os\n", "if [ -f ", "fi\n", "{\"key\": 1}\n"}
	for i := 0; i < 200; i++ {
		var buf bytes.Buffer
		if i%4 == 0 {
			buf.WriteString("#!/bin/sh\n")
		}
		size := 200 + r.IntN(4000)
		for buf.Len() < size {
			buf.WriteString(words[r.IntN(len(words))])
			buf.WriteByte(' ')
		}
		files = append(files, buf.Bytes())
	}
	for i := 0; i < 20; i++ {
		bin := make([]byte, 8<<10+r.IntN(56<<10))
		for j := range bin {
			bin[j] = byte(r.Uint32())
		}
		files = append(files, bin)
	}
	for _, f := range files {
		total += int64(len(f))
	}
	return files, total
}

// BenchmarkScan measures built-in rule scanning of small files, one Scanner
// per goroutine (-cpu sets the goroutine count). One op is one file.
func BenchmarkScan(b *testing.B) {
	rs := compileBuiltin(b)
	files, total := benchFiles(b)
	var next atomic.Int64
	b.SetBytes(total / int64(len(files)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s, err := rs.NewScanner()
		if err != nil {
			b.Error(err)
			return
		}
		defer s.Close()
		for pb.Next() {
			i := int(next.Add(1)) % len(files)
			if _, err := s.Scan(FileInfo{Path: fmt.Sprintf("/etc/file%d.conf", i%7), Owner: "root"}, files[i]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkScanReader is BenchmarkScan through the streaming entry point.
func BenchmarkScanReader(b *testing.B) {
	rs := compileBuiltin(b)
	files, total := benchFiles(b)
	var next atomic.Int64
	b.SetBytes(total / int64(len(files)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s, err := rs.NewScanner()
		if err != nil {
			b.Error(err)
			return
		}
		defer s.Close()
		for pb.Next() {
			i := int(next.Add(1)) % len(files)
			f := files[i]
			if _, err := s.ScanReader(FileInfo{Path: "/srv/f", Size: int64(len(f))}, bytes.NewReader(f)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCompile is the one-off cost of compiling the built-in rules.
func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		rs, err := Compile(Options{})
		if err != nil {
			b.Fatal(err)
		}
		rs.Close()
	}
}
