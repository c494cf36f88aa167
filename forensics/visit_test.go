package forensics_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math/rand"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// layerOfFiles is a tar of n files of random bytes under dir, with extra appended as they
// are: random so that the layers compress alike and none is read as a pipeline of its own.
func layerOfFiles(t *testing.T, dir string, n int, seed int64, extra ...[2]string) []byte {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	add := func(name, body string) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body)), ModTime: t0}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	for i := range n {
		b := make([]byte, 200+rng.Intn(3000))
		rng.Read(b)
		add(fmt.Sprintf("%s/f%04d", dir, i), string(b))
		if i == n/2 {
			for _, x := range extra {
				add(x[0], x[1])
			}
		}
	}
	tw.Close()
	return raw.Bytes()
}

// The workers that have no layer left help visit the files of the layers still being read:
// the last layer's files are visited on more than one goroutine at once; still, every file is
// visited once with its own bytes, a path the layer holds twice is visited in order (the
// last copy last, as the tree keeps it), and a Visit that panics on a helper is an anomaly of
// its layer, not a crash.
func TestHelpersVisitTheLastLayer(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const n = 300
	img := open(t, write(t, "oci-archive", imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{
		{Raw: layerOfFiles(t, "a", n, 1), Compression: imagebuild.Gzip, CreatedBy: "a"},
		{Raw: layerOfFiles(t, "b", n, 2), Compression: imagebuild.Gzip, CreatedBy: "b"},
		{Raw: layerOfFiles(t, "c", n/2, 3, [2]string{"c/dup", "first"}, [2]string{"c/boom", "x"}, [2]string{"c/dup", "second"}),
			Compression: imagebuild.Gzip, CreatedBy: "c"},
	}}))
	var (
		mu         sync.Mutex
		visits     = map[string]int{}
		dupOrder   []string
		inLayer    [3]atomic.Int32
		mostAtOnce [3]atomic.Int32
	)
	trees, err := img.ReadLayers(context.Background(), forensics.ReadOptions{ContentCap: 1 << 20,
		Visit: func(layer int, e *forensics.Entry, data []byte) {
			now := inLayer[layer].Add(1)
			defer inLayer[layer].Add(-1)
			for {
				most := mostAtOnce[layer].Load()
				if now <= most || mostAtOnce[layer].CompareAndSwap(most, now) {
					break
				}
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != e.SHA256() || int64(len(data)) != e.Size {
				t.Errorf("layer %d %s: visited with bytes that are not its own", layer, e.Path)
			}
			switch e.Path {
			case "/c/boom":
				panic("analyzer bug")
			case "/c/dup":
				if string(data) == "first" {
					time.Sleep(20 * time.Millisecond) // were the copies visited at once, the first would end last
				}
				mu.Lock()
				dupOrder = append(dupOrder, string(data))
				mu.Unlock()
			}
			// Every file of the last layers costs a little, so that the worker done first has
			// something to help with.
			time.Sleep(100 * time.Microsecond)
			mu.Lock()
			visits[fmt.Sprint(layer, e.Path)]++
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	// Every file of a and b, and of c once boom (it panics before it is counted) is left out
	// and dup counted once.
	if want := 2*n + n/2 + 1; len(visits) != want {
		t.Errorf("%d files visited, want %d", len(visits), want)
	}
	for k, c := range visits {
		if c != 1 && k != "2/c/dup" || k == "2/c/dup" && c != 2 {
			t.Errorf("%s visited %d times", k, c)
		}
	}
	if strings.Join(dupOrder, ",") != "first,second" {
		t.Errorf("the two copies of /c/dup were visited in the order %v", dupOrder)
	}
	helped := false
	for i := range 3 {
		helped = helped || mostAtOnce[i].Load() > 1
	}
	if !helped {
		t.Errorf("no layer's files were visited on two goroutines at once (most at once: %d %d %d)",
			mostAtOnce[0].Load(), mostAtOnce[1].Load(), mostAtOnce[2].Load())
	}
	var failed []string
	for _, tr := range trees {
		for _, a := range tr.Anomalies {
			if strings.Contains(a.Detail, "could not be analyzed") {
				failed = append(failed, a.Detail)
			}
		}
	}
	if len(failed) != 1 || !strings.Contains(failed[0], "/c/boom") || !strings.Contains(failed[0], "analyzer bug") {
		t.Errorf("the panic on /c/boom is not its layer's anomaly: %q", failed)
	}
	stacked := forensics.Stack(trees)
	if n := stacked.Node("/c/dup"); n == nil || n.Entry.Size != int64(len("second")) {
		t.Errorf("the tree keeps %+v for /c/dup, not the last copy", n)
	}
}

// Done is given each layer once, after every file of it was visited (helpers included), with
// the image's entry for the layer already final.
func TestDoneFollowsEveryVisitOfItsLayer(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const n = 120
	img := open(t, write(t, "oci-archive", imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{
		{Raw: layerOfFiles(t, "a", n, 4), Compression: imagebuild.Gzip, CreatedBy: "a"},
		{Raw: layerOfFiles(t, "b", n/3, 5), Compression: imagebuild.Gzip, CreatedBy: "b"},
		{Raw: layerOfFiles(t, "c", n/2, 6), Compression: imagebuild.Gzip, CreatedBy: "c"},
	}}))
	var visited [3]atomic.Int32
	var mu sync.Mutex
	done := map[int]int32{}
	_, err := img.ReadLayers(context.Background(), forensics.ReadOptions{ContentCap: 1 << 20,
		Visit: func(layer int, e *forensics.Entry, data []byte) {
			time.Sleep(50 * time.Microsecond)
			visited[layer].Add(1)
		},
		Done: func(lt *forensics.LayerTree) {
			mu.Lock()
			defer mu.Unlock()
			if _, twice := done[lt.Index]; twice {
				t.Errorf("layer %d done twice", lt.Index)
			}
			done[lt.Index] = visited[lt.Index].Load()
			if l := img.Layers[lt.Index]; l.Files != len(lt.Entries) || l.UncompressedSize != lt.UncompressedSize || l.UncompressedSize == 0 {
				t.Errorf("layer %d done before its entry is final: %+v", lt.Index, l)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int32{n, n / 3, n / 2} {
		if got, ok := done[i]; !ok || got != want {
			t.Errorf("layer %d: done after %d of its %d files were visited (done: %v)", i, got, want, ok)
		}
	}
}

// Entries hands over copies of a layer's entries a batch at a time, in order, each batch
// equal to what the final tree holds at its positions unless a later duplicate replaced the
// entry there.
func TestEntriesBatches(t *testing.T) {
	n := 2*forensics.EntryBatch + 300
	img := open(t, write(t, "oci-archive", imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{
		{Raw: layerOfFiles(t, "a", n, 7, [2]string{"a/f0005", "replaced"}), Compression: imagebuild.Gzip, CreatedBy: "a"},
		{Raw: layerOfFiles(t, "b", 10, 8), Compression: imagebuild.Gzip, CreatedBy: "b"},
	}}))
	var mu sync.Mutex
	got := map[int][]forensics.Entry{}
	trees, err := img.ReadLayers(context.Background(), forensics.ReadOptions{
		Entries: func(lt *forensics.LayerTree, from int, entries []forensics.Entry) bool {
			mu.Lock()
			defer mu.Unlock()
			if from != len(got[lt.Index]) || len(entries) != forensics.EntryBatch {
				t.Errorf("layer %d: a batch of %d at %d after %d entries", lt.Index, len(entries), from, len(got[lt.Index]))
			}
			got[lt.Index] = append(got[lt.Index], entries...)
			entries[0].Size = -1 // a copy: the tree must not see it
			got[lt.Index][from].Size = -1
			return true
		}})
	if err != nil {
		t.Fatal(err)
	}
	a := got[0]
	if len(a) != 2*forensics.EntryBatch || len(got[1]) != 0 {
		t.Fatalf("batches hold %d and %d entries, want %d and 0", len(a), len(got[1]), 2*forensics.EntryBatch)
	}
	final := trees[0].Entries
	if len(final) != n {
		t.Fatalf("the layer holds %d entries, want %d", len(final), n)
	}
	for i, e := range a {
		if i%forensics.EntryBatch == 0 {
			if final[i].Size == -1 {
				t.Fatalf("entry %d of the tree was changed through its batch", i)
			}
			continue
		}
		if same := e == final[i]; same == (e.Path == "/a/f0005") {
			t.Errorf("entry %d (%s): batch and tree equal: %v", i, e.Path, same)
		}
	}
}

// A layer whose batches Entries no longer wants gets no more.
func TestEntriesStopWhenUnwanted(t *testing.T) {
	img := open(t, write(t, "oci-archive", imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{
		{Raw: layerOfFiles(t, "a", 3*forensics.EntryBatch+1, 9), Compression: imagebuild.Gzip, CreatedBy: "a"},
	}}))
	var calls []int
	if _, err := img.ReadLayers(context.Background(), forensics.ReadOptions{
		Entries: func(lt *forensics.LayerTree, from int, entries []forensics.Entry) bool {
			calls = append(calls, from)
			return from == 0
		}}); err != nil {
		t.Fatal(err)
	}
	if want := []int{0, forensics.EntryBatch}; fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("batches from %v, want %v", calls, want)
	}
}

// A file over 4 MB is held whole while it is visited; with a reader per layer, the readers
// take turns so that no more such files are visited at once than there are cores (an image
// of many big files would otherwise hold a file's worth of memory per layer).
func TestBigFilesTakeTurns(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var layers []imagebuild.Layer
	for l := range 4 {
		var raw bytes.Buffer
		tw := tar.NewWriter(&raw)
		for f := range 3 {
			body := bytes.Repeat([]byte{byte('a' + l)}, 5<<20+f)
			if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("l%d/big%d", l, f), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body)), ModTime: t0}); err != nil {
				t.Fatal(err)
			}
			tw.Write(body)
		}
		tw.Close()
		layers = append(layers, imagebuild.Layer{Raw: raw.Bytes(), Compression: imagebuild.Gzip, CreatedBy: fmt.Sprint(l)})
	}
	img := open(t, write(t, "oci-archive", imagebuild.Image{Created: t0, Layers: layers}))
	var now, most, visited atomic.Int32
	_, err := img.ReadLayers(context.Background(), forensics.ReadOptions{ContentCap: 32 << 20,
		Visit: func(layer int, e *forensics.Entry, data []byte) {
			n := now.Add(1)
			defer now.Add(-1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			if int64(len(data)) != e.Size || data[len(data)-1] != byte('a'+layer) {
				t.Errorf("layer %d %s: visited with bytes that are not its own", layer, e.Path)
			}
			time.Sleep(30 * time.Millisecond) // long enough for the other readers to reach their big files
			visited.Add(1)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if visited.Load() != 12 {
		t.Errorf("%d big files visited, want 12", visited.Load())
	}
	if m := most.Load(); m > 2 {
		t.Errorf("%d big files visited at once, want at most 2 (the cores)", m)
	}
}

// Content chooses the files whose bytes Visit is given: the others are visited with nil, and
// every file's digest is the same as when all are held.
func TestContentChoosesWhatIsHeld(t *testing.T) {
	ref := write(t, "oci-archive", imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{
		{Raw: layerOfFiles(t, "a", 40, 4), Compression: imagebuild.Gzip, CreatedBy: "a"},
		{Raw: layerOfFiles(t, "b", 30, 5), Compression: imagebuild.Gzip, CreatedBy: "b"},
	}})
	read := func(content func(int, *forensics.Entry) bool) (map[string]string, map[string]bool) {
		img := open(t, ref)
		var mu sync.Mutex
		held := map[string]bool{}
		trees, err := img.ReadLayers(context.Background(), forensics.ReadOptions{ContentCap: 1 << 20, Content: content,
			Visit: func(layer int, e *forensics.Entry, data []byte) {
				mu.Lock()
				defer mu.Unlock()
				held[fmt.Sprint(layer, e.Path)] = data != nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		sums := map[string]string{}
		for _, lt := range trees {
			for i := range lt.Entries {
				sums[fmt.Sprint(lt.Index, lt.Entries[i].Path)] = lt.Entries[i].SHA256()
			}
		}
		return sums, held
	}
	all, heldAll := read(nil)
	// Layer 1 holds only its files whose names end in 7.
	some, heldSome := read(func(layer int, e *forensics.Entry) bool { return layer == 0 || strings.HasSuffix(e.Path, "7") })
	if len(heldAll) != 70 || len(heldSome) != 70 {
		t.Fatalf("visited %d and %d files, want 70 each", len(heldAll), len(heldSome))
	}
	nHeld := 0
	for k, h := range heldSome {
		want := strings.HasPrefix(k, "0") || strings.HasSuffix(k, "7")
		if h != want || !heldAll[k] {
			t.Errorf("%s: held %v (want %v; held %v when all are)", k, h, want, heldAll[k])
		}
		if h {
			nHeld++
		}
	}
	if nHeld == 70 || nHeld <= 40 {
		t.Errorf("%d files held: the choice did not split layer 1", nHeld)
	}
	if !maps.Equal(all, some) {
		t.Errorf("the digests differ when not every file is held")
	}
}
