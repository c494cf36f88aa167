package imagebuild

import (
	"bytes"
	"io"
	"testing"
)

func TestSyntheticDeterministic(t *testing.T) {
	const total = 4 << 20
	a, b := Synthetic(7, total, 3), Synthetic(7, total, 3)
	var got int64
	for _, l := range a.Layers {
		for _, f := range l.Files {
			got += f.Size
		}
	}
	if got < total*9/10 || got > total {
		t.Errorf("content totals %d bytes, want about %d", got, total)
	}
	ba, err := BuildTo(a, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bb, err := BuildTo(b, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if ba.ManifestDigest != bb.ManifestDigest || ba.ConfigDigest != bb.ConfigDigest {
		t.Error("two builds of the same synthetic image differ")
	}
	var x, y bytes.Buffer
	if err := WriteDockerArchive(&x, OCI25, ba); err != nil {
		t.Fatal(err)
	}
	if err := WriteDockerArchive(&y, OCI25, bb); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Error("archives differ")
	}
	files, _ := archiveFiles(t, x.Bytes())
	checkOCIImage(t, files)
	first := func(img Image) []byte {
		for _, f := range img.Layers[0].Files {
			if f.Open != nil {
				data, _ := io.ReadAll(io.LimitReader(f.Open(), 256))
				return data
			}
		}
		return nil
	}
	if bytes.Equal(first(a), first(Synthetic(8, total, 3))) {
		t.Error("different seeds give the same content")
	}
	if !bytes.Equal(first(a), first(b)) {
		t.Error("same seed gives different content")
	}
}

// BenchmarkSynthetic builds and writes a 900 MB, 5-layer gzip image, the size `make bench`
// targets for loading.
func BenchmarkSynthetic(b *testing.B) {
	for b.Loop() {
		dir := b.TempDir()
		img := Synthetic(1, 900<<20, 5)
		built, err := BuildTo(img, dir)
		if err != nil {
			b.Fatal(err)
		}
		var stored, raw int64
		for _, l := range built.Layers {
			stored += l.Size
		}
		for _, l := range img.Layers {
			for _, f := range l.Files {
				raw += f.Size
			}
		}
		if err := WriteDockerArchive(io.Discard, OCI25, built); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(raw)/float64(stored), "ratio")
		b.SetBytes(raw)
	}
}
