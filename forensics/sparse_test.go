package forensics_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// sparseSum hashes a sparse file's logical content: zeros but for its regions.
func sparseSum(size int64, regions []imagebuild.Region) string {
	h := sha256.New()
	zeros := make([]byte, 1<<20)
	pos := int64(0)
	hole := func(n int64) {
		for n > 0 {
			k := min(n, int64(len(zeros)))
			h.Write(zeros[:k])
			n -= k
		}
	}
	for _, r := range regions {
		hole(r.Offset - pos)
		h.Write(r.Data)
		pos = r.Offset + int64(len(r.Data))
	}
	hole(size - pos)
	return hex.EncodeToString(h.Sum(nil))
}

// TestSparseFiles: a sparse file is hashed as its logical content, holes as zeros, and its
// data regions are handed to Visit whatever its logical size; a sparse file over
// SparseHashLimit is not hashed (an anomaly says so) but its data is still visited, or
// streamed when it is over the content cap.
func TestSparseFiles(t *testing.T) {
	const size = 2 << 30
	payload := `{"pools": [{"url": "pool.example.org:3333", "user": "worker", "algo": "rx/0"}]}`
	regions := []imagebuild.Region{
		{Offset: 4096, Data: []byte("#!/bin/sh\n")},
		{Offset: 1 << 30, Data: []byte(payload)},
		{Offset: size - 512, Data: []byte("tail")},
	}
	img := open(t, write(t, "oci-layout", imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{{
		Compression: imagebuild.Gzip,
		Files: []imagebuild.File{
			imagebuild.Reg("before", "plain"),
			imagebuild.SparseFile("opt/cfg/config.json", size, regions...),
			imagebuild.Reg("after", "plain too"),
		},
	}}}))
	wantData := "#!/bin/sh\n" + payload + "tail"
	for _, tc := range []struct {
		name       string
		opts       forensics.ReadOptions
		hashed     bool
		streamed   bool
		wantVisit  string
		wantStream string
	}{
		{"hashed", forensics.ReadOptions{ContentCap: 1 << 20}, true, false, wantData, ""},
		{"too big to hash", forensics.ReadOptions{ContentCap: 1 << 20, Limits: forensics.Limits{SparseHashLimit: 1 << 20}}, false, false, wantData, ""},
		{"streamed", forensics.ReadOptions{ContentCap: 32, Limits: forensics.Limits{SparseHashLimit: 1 << 20}}, false, true, "", wantData},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			visited := map[string]*string{}
			var stream strings.Builder
			opts := tc.opts
			opts.Visit = func(layer int, e *forensics.Entry, data []byte) {
				mu.Lock()
				defer mu.Unlock()
				s := string(data)
				if data == nil {
					visited[e.Path] = nil
					return
				}
				visited[e.Path] = &s
			}
			opts.Stream = func(layer int, e *forensics.Entry) io.WriteCloser {
				if e.Path != "/opt/cfg/config.json" {
					return nil
				}
				return nopCloser{&stream}
			}
			trees, err := img.ReadLayers(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			tree := forensics.Stack(trees)
			n := tree.Node("/opt/cfg/config.json")
			if n == nil || n.Entry.Size != size {
				t.Fatalf("sparse file: %+v", n)
			}
			want := ""
			if tc.hashed {
				want = sparseSum(size, regions)
			}
			if n.Entry.SHA256() != want {
				t.Errorf("sha256 %q, want %q", n.Entry.SHA256(), want)
			}
			notHashed := hasAnomaly(anomalies(img, trees), forensics.AnomalyBadEntry, "not hashed")
			if notHashed == tc.hashed {
				t.Errorf("not-hashed anomaly %v, want %v: %+v", notHashed, !tc.hashed, anomalies(img, trees))
			}
			got, ok := visited["/opt/cfg/config.json"]
			switch {
			case !ok:
				t.Error("not visited")
			case tc.streamed && got != nil:
				t.Errorf("visited with %d bytes, want none (streamed)", len(*got))
			case !tc.streamed && (got == nil || *got != tc.wantVisit):
				t.Errorf("visited with %v, want the data regions %q", got, tc.wantVisit)
			}
			if stream.String() != tc.wantStream {
				t.Errorf("streamed %q, want %q", stream.String(), tc.wantStream)
			}
			for _, p := range []string{"/before", "/after"} {
				if v := visited[p]; v == nil || !strings.HasPrefix(*v, "plain") {
					t.Errorf("%s around the sparse file: %v", p, v)
				}
			}
		})
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// TestSparseBudget: SparseHashLimit bounds the sparse files' hashing over the whole read, so
// that many sparse files under it each cannot cost hours of hashing zeros.
func TestSparseBudget(t *testing.T) {
	const size = 1 << 20
	var files []imagebuild.File
	for _, name := range []string{"a", "b", "c", "d"} {
		files = append(files, imagebuild.SparseFile("s/"+name, size, imagebuild.Region{Offset: 4096, Data: []byte(name)}))
	}
	img := open(t, write(t, "oci-layout", imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{{Files: files}}}))
	trees, err := img.ReadLayers(context.Background(), forensics.ReadOptions{ContentCap: 1 << 20,
		Limits: forensics.Limits{SparseHashLimit: 3 * size}})
	if err != nil {
		t.Fatal(err)
	}
	tree := forensics.Stack(trees)
	hashed := 0
	for _, name := range []string{"a", "b", "c", "d"} {
		if n := tree.Node("/s/" + name); n != nil && n.Entry.SHA256() != "" {
			hashed++
		}
	}
	if hashed != 3 || !hasAnomaly(anomalies(img, trees), forensics.AnomalyBadEntry, "not hashed") {
		t.Errorf("%d of 4 sparse files hashed under a budget of 3: %+v", hashed, anomalies(img, trees))
	}
}
