package igzip_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/strata-forensics/strata/forensics/internal/igzip"
)

// sample is text-like data with repeats at every distance a deflate window holds, so that
// back-references reach across the reader's calls.
func sample(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	words := []string{"usr/lib/", "x86_64-linux-gnu", ".so.6", "\x00\x00\x00\x00", "ustar", "0000644", "python3", "\n"}
	var b bytes.Buffer
	for b.Len() < n {
		switch rng.IntN(4) {
		case 0:
			b.WriteString(words[rng.IntN(len(words))])
		case 1:
			if b.Len() > 0 {
				start := rng.IntN(b.Len())
				b.Write(b.Bytes()[start:min(b.Len(), start+rng.IntN(300))])
			}
		default:
			for range rng.IntN(64) {
				b.WriteByte(byte(rng.UintN(256)))
			}
		}
	}
	return b.Bytes()[:n]
}

func compress(t testing.TB, level int, parts ...[]byte) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, p := range parts {
		w, err := gzip.NewWriterLevel(&out, level)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p)
		w.Close()
	}
	return out.Bytes()
}

// readAll reads r with reads of the given size, each into a fresh buffer: the decoder may
// not count on its earlier output still being where it wrote it.
func readAll(r io.Reader, size int) ([]byte, error) {
	var out []byte
	for {
		p := make([]byte, size)
		n, err := r.Read(p)
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// oneByte hands its reader's bytes over one at a time.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), 1)]) }

func TestRoundTrip(t *testing.T) {
	for _, size := range []int{0, 1, 100, 70 << 10, 3 << 20} {
		data := sample(uint64(size), size)
		for _, level := range []int{gzip.NoCompression, gzip.BestSpeed, gzip.DefaultCompression, gzip.BestCompression, gzip.HuffmanOnly} {
			gz := compress(t, level, data)
			for _, read := range []int{1, 7, 512, 32 << 10, 1 << 20} {
				if size > 100<<10 && read < 512 {
					continue
				}
				for _, src := range []io.Reader{bytes.NewReader(gz), oneByte{bytes.NewReader(gz)}} {
					if _, slow := src.(oneByte); slow && size > 100<<10 {
						continue
					}
					z, err := igzip.NewReader(src)
					if err != nil {
						t.Fatalf("size %d level %d: %v", size, level, err)
					}
					got, err := readAll(z, read)
					z.Close()
					if err != nil || !bytes.Equal(got, data) {
						t.Fatalf("size %d level %d reads of %d (%T): %d bytes, %v; want %d bytes", size, level, read, src, len(got), err, len(data))
					}
				}
			}
		}
	}
}

func TestMembers(t *testing.T) {
	a, b, c := sample(1, 50000), sample(2, 0), sample(3, 200000)
	gz := compress(t, gzip.DefaultCompression, a, b, c)
	z, err := igzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	got, err := readAll(z, 4096)
	if want := append(append(append([]byte{}, a...), b...), c...); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%d bytes, %v; want the three members' %d bytes", len(got), err, len(want))
	}
}

func TestBadStreams(t *testing.T) {
	data := sample(9, 100000)
	gz := compress(t, gzip.DefaultCompression, data)
	crc := bytes.Clone(gz)
	crc[len(crc)-8] ^= 0xff
	size := bytes.Clone(gz)
	size[len(size)-1] ^= 0x01
	body := bytes.Clone(gz)
	for i := 20; i < 60; i++ {
		body[i] ^= 0x5a
	}
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty", nil, io.ErrUnexpectedEOF},
		{"not gzip", []byte("ustar\x00 plain tar"), igzip.ErrHeader},
		{"reserved flag", append([]byte{0x1f, 0x8b, 8, 0x40}, gz[4:]...), igzip.ErrHeader},
		{"not deflate", append([]byte{0x1f, 0x8b, 7, 0}, gz[4:]...), igzip.ErrHeader},
		{"second member with a reserved flag", append(bytes.Clone(gz), append([]byte{0x1f, 0x8b, 8, 0x20}, gz[4:]...)...), igzip.ErrHeader},
		{"truncated", gz[:len(gz)/2], io.ErrUnexpectedEOF},
		{"no trailer", gz[:len(gz)-8], io.ErrUnexpectedEOF},
		{"crc", crc, igzip.ErrChecksum},
		{"size", size, igzip.ErrChecksum},
		{"corrupt body", body, nil}, // some error: which one depends on where it breaks
		{"trailing garbage", append(bytes.Clone(gz), "garbage after the stream"...), igzip.ErrHeader},
		{"trailing zeros", append(bytes.Clone(gz), make([]byte, 1024)...), igzip.ErrHeader},
	}
	for _, tt := range tests {
		z, err := igzip.NewReader(bytes.NewReader(tt.input))
		if err == nil {
			_, err = readAll(z, 32<<10)
			z.Close()
		}
		if err == nil {
			t.Errorf("%s: no error", tt.name)
		} else if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// FuzzReader holds the reader to klauspost/compress/gzip's answers: where this reads a stream
// to its end, so does that, with the same bytes; where that does, this gives the same bytes,
// and may then refuse what follows them where that does not (Go's reader takes a member
// header cut short in its comment or name for the end of the stream).
func FuzzReader(f *testing.F) {
	f.Add(compress(f, gzip.DefaultCompression, sample(1, 5000)))
	f.Add(compress(f, gzip.BestSpeed, sample(2, 100), sample(3, 300)))
	f.Add(compress(f, gzip.HuffmanOnly, sample(4, 2000)))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		var want []byte
		var wantErr error
		if zr, err := gzip.NewReader(bytes.NewReader(in)); err != nil {
			wantErr = err
		} else {
			want, wantErr = io.ReadAll(io.LimitReader(zr, 64<<20))
		}
		var got []byte
		z, err := igzip.NewReader(bytes.NewReader(in))
		if err == nil {
			got, err = readAll(io.LimitReader(z, 64<<20), 4096)
			z.Close()
		}
		switch {
		case err == nil && wantErr != nil:
			t.Fatalf("igzip read the stream to its end (%d bytes); klauspost: %v", len(got), wantErr)
		case wantErr == nil && !bytes.Equal(got, want):
			t.Fatalf("igzip read %d bytes (%v), klauspost all %d, and they differ", len(got), err, len(want))
		}
	})
}
