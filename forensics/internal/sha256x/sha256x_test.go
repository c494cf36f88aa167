package sha256x

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// writeInPieces writes p to w in pieces of random sizes.
func writeInPieces(r *rand.Rand, p []byte, write func([]byte)) {
	for len(p) > 0 {
		n := 1 + r.IntN(min(len(p), 300))
		if r.IntN(4) == 0 {
			n = min(len(p), r.IntN(5000))
		}
		write(p[:n])
		p = p[n:]
	}
}

func TestKnownAnswers(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	} {
		d := New()
		d.Write([]byte(c.in))
		if got := hexOf(d.Sum(nil)); got != c.want {
			t.Errorf("sha256(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// Every length around the block and padding boundaries, written whole and in pieces, on the
// accelerated path (where there is one) and on the generic one.
func TestMatchesCryptoSHA256(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := randomBytes(r, 1<<16)
	for _, generic := range []bool{false, true} {
		if generic {
			defer setAccelerated(accelerated)
			setAccelerated(false)
		}
		for n := 0; n < 300; n++ {
			checkLength(t, r, data[:n])
		}
		for _, n := range []int{1000, 4095, 4096, 4097, 1 << 16} {
			checkLength(t, r, data[:n])
		}
	}
}

func checkLength(t *testing.T, r *rand.Rand, p []byte) {
	t.Helper()
	want := sha256.Sum256(p)
	d := New()
	d.Write(p)
	if got := d.Sum(nil); !bytes.Equal(got, want[:]) {
		t.Fatalf("len %d whole: %x, want %x", len(p), got, want)
	}
	d.Reset()
	writeInPieces(r, p, func(b []byte) { d.Write(b) })
	if got := d.Sum(nil); !bytes.Equal(got, want[:]) {
		t.Fatalf("len %d in pieces: %x, want %x", len(p), got, want)
	}
	// Summing leaves the message as it was: more can be written after.
	d.Reset()
	half := len(p) / 2
	d.Write(p[:half])
	if got, want := d.Sum256(), sha256.Sum256(p[:half]); got != want {
		t.Fatalf("len %d, first half: %x, want %x", len(p), got, want)
	}
	d.Write(p[half:])
	if got := d.Sum256(); got != want {
		t.Fatalf("len %d, summed halfway: %x, want %x", len(p), got, want)
	}
}

// TestSum256Allocates checks that finishing a digest allocates nothing: a layer of a million
// small files finishes a million.
func TestSum256Allocates(t *testing.T) {
	d := New()
	d.Write([]byte("abc"))
	if n := testing.AllocsPerRun(100, func() { d.Sum256() }); n != 0 {
		t.Errorf("Sum256 allocates %v times a call", n)
	}
}

// WriteBoth gives each digest what Write would, whether the two start aligned (a file at a
// block boundary of its stream) or not, and whatever else was written to either before.
func TestWriteBoth(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 500; trial++ {
		prefix := randomBytes(r, r.IntN(3)*512+r.IntN(2)*r.IntN(130))
		content := randomBytes(r, r.IntN(20000))
		suffix := randomBytes(r, r.IntN(700))

		stream, file := New(), New()
		stream.Write(prefix)
		writeInPieces(r, content, func(b []byte) { WriteBoth(stream, file, b) })
		stream.Write(suffix)

		wantStream := sha256.Sum256(append(append(append([]byte{}, prefix...), content...), suffix...))
		wantFile := sha256.Sum256(content)
		if got := stream.Sum(nil); !bytes.Equal(got, wantStream[:]) {
			t.Fatalf("trial %d: stream digest %x, want %x", trial, got, wantStream)
		}
		if got := file.Sum(nil); !bytes.Equal(got, wantFile[:]) {
			t.Fatalf("trial %d: file digest %x, want %x", trial, got, wantFile)
		}
	}
}

func FuzzWriteBoth(f *testing.F) {
	f.Add([]byte("abc"), 0, 3)
	f.Fuzz(func(t *testing.T, data []byte, skip, cut int) {
		if skip < 0 || skip > len(data) || cut < 0 {
			return
		}
		a, b := New(), New()
		a.Write(data[:skip])
		rest := data[skip:]
		cut = min(cut, len(rest))
		WriteBoth(a, b, rest[:cut])
		WriteBoth(a, b, rest[cut:])
		if got, want := a.Sum(nil), sha256.Sum256(data); !bytes.Equal(got, want[:]) {
			t.Fatalf("a: %x, want %x", got, want)
		}
		if got, want := b.Sum(nil), sha256.Sum256(rest); !bytes.Equal(got, want[:]) {
			t.Fatalf("b: %x, want %x", got, want)
		}
	})
}

func BenchmarkSingle(b *testing.B) {
	p := make([]byte, 256<<10)
	d := New()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		d.Write(p)
	}
}

func BenchmarkCryptoSHA256(b *testing.B) {
	p := make([]byte, 256<<10)
	d := sha256.New()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		d.Write(p)
	}
}

// BenchmarkBoth hashes the same bytes into two digests: compare its MB/s with BenchmarkSingle's
// (each byte counted once here; two separate writes would run at half BenchmarkSingle's).
func BenchmarkBoth(b *testing.B) {
	p := make([]byte, 256<<10)
	x, y := New(), New()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		WriteBoth(x, y, p)
	}
}

func setAccelerated(v bool) { accelerated = v }
