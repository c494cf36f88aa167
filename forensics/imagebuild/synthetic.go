package imagebuild

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path"
	"strings"
)

// Synthetic returns a big, realistic-looking image for benchmarks: about totalBytes of file
// content over the given number of gzip layers, shaped like a Linux distribution plus an
// application (many small files, some big ones; text, executables and already-compressed
// data, for roughly 3:1 gzip overall). All content comes from a PRNG seeded by seed and is
// streamed through File.Open, so the image is never held in memory; build it with BuildTo.
func Synthetic(seed int64, totalBytes int64, layers int) Image {
	if layers < 1 {
		layers = 1
	}
	g := &synthGen{seed: uint64(seed), rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
	g.vocab = makeVocab(uint64(seed))

	// Lower layers are bigger, as a base distribution is bigger than what is built on it.
	weights := make([]float64, layers)
	var sum float64
	for i := range weights {
		weights[i] = 1 / (float64(i) + 1.5)
		sum += weights[i]
	}
	img := Image{Tags: []string{fmt.Sprintf("strata-bench/synthetic:%d", seed)}}
	for i := range layers {
		budget := int64(float64(totalBytes) * weights[i] / sum)
		role := synthRoles[min(i, len(synthRoles)-1)]
		img.Layers = append(img.Layers, Layer{
			Files:       g.layer(i, role, budget),
			Compression: Gzip,
			CreatedBy:   role.createdBy,
			Comment:     buildkitComment,
		})
	}
	img.Config = Config{
		Env:        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		Cmd:        []string{"/opt/app/bin/server"},
		WorkingDir: "/opt/app",
	}
	return img
}

type synthRole struct {
	createdBy string
	dirs      []string // where packages go
	text      []string // text file extensions
	bin       []string // executable-like extensions
	packed    []string // already-compressed extensions
}

var synthRoles = []synthRole{
	{"/bin/sh -c #(nop) ADD file:0d5c1b6a4e2f8b3c7a9d1e0f2b4c6d8e0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d in / ",
		[]string{"usr/bin", "usr/lib/x86_64-linux-gnu", "usr/share/doc", "usr/share/locale", "etc", "usr/share/zoneinfo"},
		[]string{"", ".conf", ".txt", ".h"}, []string{"", ".so", ".so.1"}, []string{".gz", ".mo"}},
	{"RUN /bin/sh -c apt-get update && apt-get install -y build-essential python3 # buildkit",
		[]string{"usr/lib/gcc/x86_64-linux-gnu/12", "usr/include", "usr/lib/python3.11", "usr/share/man/man1"},
		[]string{".h", ".py", ".html"}, []string{".so", ".a", ".o"}, []string{".gz", ".pyc"}},
	{"RUN /bin/sh -c pip install -r requirements.txt # buildkit",
		[]string{"usr/local/lib/python3.11/site-packages"},
		[]string{".py", ".txt", ".json"}, []string{".so"}, []string{".whl", ".pyc", ".zip"}},
	{"COPY . /opt/app # buildkit",
		[]string{"opt/app/src", "opt/app/static", "opt/app/node_modules"},
		[]string{".js", ".css", ".json", ".md"}, []string{".node", ""}, []string{".png", ".woff2", ".jar"}},
	{"COPY data /opt/app/data # buildkit",
		[]string{"opt/app/data", "opt/app/models"},
		[]string{".csv", ".json"}, []string{".bin", ".idx"}, []string{".parquet", ".gz"}},
}

type synthGen struct {
	seed  uint64
	rng   *rand.Rand
	vocab []string
	n     uint64 // files made so far, for per-file seeds
}

type contentKind int

const (
	kindText contentKind = iota
	kindBinary
	kindPacked
)

// fileSize draws from a distribution shaped like a distribution's files: mostly small, a
// tail of big ones.
func (g *synthGen) fileSize() int64 {
	logUniform := func(lo, hi float64) int64 {
		return int64(math.Exp(math.Log(lo) + g.rng.Float64()*(math.Log(hi)-math.Log(lo))))
	}
	switch p := g.rng.IntN(1000); {
	case p < 600:
		return logUniform(100, 8<<10)
	case p < 900:
		return logUniform(8<<10, 256<<10)
	case p < 990:
		return logUniform(256<<10, 4<<20)
	default:
		return logUniform(4<<20, 48<<20)
	}
}

func (g *synthGen) layer(idx int, role synthRole, budget int64) []File {
	var files []File
	seen := map[string]bool{}
	addDirs := func(p string) {
		var parents []string
		for d := path.Dir(p); d != "." && !seen[d]; d = path.Dir(d) {
			seen[d] = true
			parents = append(parents, d)
		}
		for i := len(parents) - 1; i >= 0; i-- {
			files = append(files, Dir(parents[i]))
		}
	}
	var pkgDir string
	for pkgFiles := 0; budget > 0; pkgFiles-- {
		if pkgFiles <= 0 {
			// A new "package": a directory that gets a run of files.
			pkgDir = role.dirs[g.rng.IntN(len(role.dirs))] + "/" + g.nameWord() + "-" + g.nameWord()
			pkgFiles = 5 + g.rng.IntN(40)
		}
		size := min(g.fileSize(), budget)
		budget -= size
		// Big files lean binary or packed, small ones text, as on a real system.
		var kind contentKind
		switch p := g.rng.IntN(100); {
		case size > 1<<20 && p < 50, size <= 1<<20 && p < 65:
			kind = kindText
		case p < 96:
			kind = kindBinary
		default:
			kind = kindPacked
		}
		exts := [...][]string{role.text, role.bin, role.packed}[kind]
		name := fmt.Sprintf("%s/%s%s", pkgDir, g.nameWord(), exts[g.rng.IntN(len(exts))])
		if seen[name] {
			name = fmt.Sprintf("%s/%s-%d%s", pkgDir, g.nameWord(), g.n, exts[g.rng.IntN(len(exts))])
		}
		seen[name] = true
		addDirs(name)
		f := File{Path: name, Size: size, Open: g.opener(kind)}
		if kind == kindBinary && strings.HasPrefix(name, "usr/bin") {
			f.Mode = 0o755
		}
		files = append(files, f)
	}
	return files
}

func (g *synthGen) word() string { return g.vocab[g.rng.IntN(len(g.vocab))] }

// nameWord is a word fit for a file name: the vocabulary also holds punctuation such as "//".
func (g *synthGen) nameWord() string {
	for {
		if w := g.word(); strings.Trim(w, "abcdefghijklmnopqrstuvwxyz_") == "" {
			return w
		}
	}
}

func (g *synthGen) opener(kind contentKind) func() io.Reader {
	g.n++
	s := splitmix(g.seed ^ g.n*0x9e3779b97f4a7c15)
	vocab := g.vocab
	return func() io.Reader {
		return &synthReader{kind: kind, rng: rand.New(rand.NewPCG(s, s>>17|1)), vocab: vocab}
	}
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// makeVocab builds the word list text files are made of.
func makeVocab(seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 0x70c4b))
	words := []string{"the", "of", "and", "to", "in", "is", "for", "return", "if", "else", "def", "self",
		"import", "from", "const", "int", "struct", "void", "static", "=", "==", "(", ")", "{", "}", ";", "#", "//", "*"}
	for len(words) < 4096 {
		n := 2 + r.IntN(9)
		b := make([]byte, n)
		for i := range b {
			b[i] = "etaoinshrdlcumwfgypbvkjxqz_"[min(r.IntN(27), r.IntN(27))]
		}
		words = append(words, string(b))
	}
	return words
}

// synthReader generates endless content of one kind.
type synthReader struct {
	kind  contentKind
	rng   *rand.Rand
	vocab []string
	buf   []byte
	off   int
}

func (r *synthReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if r.off == len(r.buf) {
			r.fill()
		}
		c := copy(p[n:], r.buf[r.off:])
		r.off += c
		n += c
	}
	return n, nil
}

const synthChunk = 64 << 10

func (r *synthReader) fill() {
	if r.buf == nil {
		r.buf = make([]byte, 0, synthChunk+1024)
	}
	b := r.buf[:0]
	switch r.kind {
	case kindText:
		// Skewed word choice, indentation and repeated lines compress like source and docs do.
		for len(b) < synthChunk {
			x := r.rng.Uint64()
			if x&3 == 0 && len(b) > 256 {
				// Repeat a recent stretch, as boilerplate and log lines do.
				start := len(b) - 64 - int(x>>8&127)
				b = append(b, b[start:start+24+int(x>>16&31)]...)
				continue
			}
			if x>>2&7 == 0 {
				b = append(b, "\n    "...)
			}
			x >>= 5
			for range 3 {
				i := (x & 0xfff) * (x >> 12 & 0xfff) >> 12 * (x >> 24 & 0xfff) >> 12
				b = append(b, r.vocab[i]...)
				b = append(b, ' ')
				x >>= 19
			}
		}
	case kindBinary:
		// Executable-like: runs of zero padding, code drawn from a small skewed opcode set,
		// and some incompressible constants.
		for len(b) < synthChunk {
			x := r.rng.Uint64()
			switch x & 7 {
			case 0, 1:
				b = append(b, make([]byte, 64)...)
			case 2, 3:
				// Repeated instruction sequences: prologues, PLT stubs, tables.
				if len(b) > 8192 {
					start := len(b) - 64 - int(x>>3&4095)
					b = append(b, b[start:start+32+int(x>>16&31)]...)
					continue
				}
				fallthrough
			case 4, 5, 6:
				for range 8 {
					y := r.rng.Uint64()
					for range 8 {
						b = append(b, opcodes[(y&31)*(y>>5&31)>>5])
						y >>= 8
					}
				}
			default:
				for range 4 {
					b = appendUint64(b, r.rng.Uint64())
				}
			}
		}
	default:
		for len(b) < synthChunk {
			b = appendUint64(b, r.rng.Uint64())
		}
	}
	r.buf, r.off = b, 0
}

// opcodes are common x86-64 instruction bytes.
var opcodes = [32]byte{0x48, 0x89, 0x8b, 0xe8, 0x83, 0xc7, 0x0f, 0x85, 0x84, 0x74, 0x75, 0xeb, 0x31, 0xc0,
	0x5d, 0xc3, 0x55, 0x41, 0x54, 0x53, 0x24, 0x08, 0x10, 0x44, 0xff, 0x00, 0x01, 0x45, 0x39, 0x8d, 0x4c, 0xe5}

func appendUint64(b []byte, v uint64) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
}
