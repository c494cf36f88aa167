package signatures

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hillu/go-yara/v4"
)

// Corpora for the per-rule-file throughput benchmarks: 32 MiB each, scanned in 64 KiB chunks as
// small files would be.
const (
	corpusSize = 32 << 20
	chunkSize  = 64 << 10
)

var corpora = sync.OnceValue(func() map[string][]byte {
	r := rand.New(rand.NewPCG(3, 4))
	// Word salad shaped like the synthetic benchmark image's text: a skewed pick from a
	// few thousand short lowercase words, punctuation and common keywords.
	vocab := []string{"the", "of", "and", "to", "in", "is", "for", "return", "if", "else", "def", "self",
		"import", "from", "const", "int", "struct", "void", "static", "=", "==", "(", ")", "{", "}", ";", "#", "//", "*"}
	for len(vocab) < 4096 {
		b := make([]byte, 2+r.IntN(9))
		for i := range b {
			b[i] = "etaoinshrdlcumwfgypbvkjxqz_"[min(r.IntN(27), r.IntN(27))]
		}
		vocab = append(vocab, string(b))
	}
	var text bytes.Buffer
	for text.Len() < corpusSize {
		if r.IntN(8) == 0 {
			text.WriteString("\n    ")
		}
		i := r.IntN(len(vocab)) * r.IntN(len(vocab)) / len(vocab)
		text.WriteString(vocab[i])
		text.WriteByte(' ')
	}
	// Real source: the Go tree's own files, in a fixed order, as plenty of "exec", "socket",
	// "connect" and shell snippets that ordinary code holds.
	var code bytes.Buffer
	goroot, _ := exec.Command("go", "env", "GOROOT").Output()
	root := filepath.Join(strings.TrimSpace(string(goroot)), "src")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || code.Len() >= corpusSize {
			return fs.SkipDir
		}
		if d.Type().IsRegular() && (strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".sh") || strings.HasSuffix(p, ".txt")) {
			if b, err := os.ReadFile(p); err == nil && !bytes.Contains(b, []byte{0}) {
				code.Write(b)
			}
		}
		return nil
	})
	bin := make([]byte, corpusSize)
	for i := 0; i < len(bin); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < len(bin); j++ {
			bin[i+j] = byte(v >> (8 * j))
		}
	}
	return map[string][]byte{"text": text.Bytes()[:corpusSize], "code": code.Bytes()[:min(code.Len(), corpusSize)], "binary": bin}
})

// scanChunks scans data in chunkSize pieces with filetype set to ft.
func scanChunks(b *testing.B, yr *yara.Rules, ft string, data []byte) {
	s, err := yara.NewScanner(yr)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Destroy()
	s.SetFlags(yara.ScanFlagsFastMode)
	for i, v := range [5]string{"f.txt", "/srv/f.txt", ".txt", ft, "root"} {
		if err := s.DefineVariable(externals[i], v); err != nil {
			b.Fatal(err)
		}
	}
	var ms yara.MatchRules
	for off := 0; off < len(data); off += chunkSize {
		ms = ms[:0]
		s.SetCallback(&ms)
		if err := s.ScanMem(data[off:min(len(data), off+chunkSize)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRuleFiles reports each built-in rule file's scan throughput (MB/s) on word salad,
// real source code and random bytes, and that of the built-in sets text files and other
// uncompressed data are scanned with (see Scanner.Scan). A rule file well
// below the others has strings with weak atoms: short or common literals that YARA must verify
// over and over.
func BenchmarkRuleFiles(b *testing.B) {
	srcs, err := builtinSources()
	if err != nil {
		b.Fatal(err)
	}
	var shared, text, binary []source
	for _, s := range srcs {
		switch s.group {
		case groupShared, groupAny:
			text = append(text, s)
			binary = append(binary, s)
		case groupText:
			text = append(text, s)
		}
		if s.group == groupShared {
			shared = append(shared, s)
		}
	}
	sets := map[string][]source{"builtin-text": text, "builtin-binary": binary}
	var names []string
	for _, s := range srcs {
		if s.group == groupShared {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(s.name, "builtin:"), ".yar")
		sets[name] = append(slices.Clone(shared), s)
		names = append(names, name)
	}
	names = append(names, "builtin-text", "builtin-binary")
	data := corpora()
	for _, name := range names {
		yr, _, err := compileGroup(sets[name])
		if err != nil {
			b.Fatal(err)
		}
		for _, corpus := range []string{"text", "code", "binary"} {
			ft := TypeText
			if corpus == "binary" {
				ft = TypeBinary
			}
			b.Run(name+"/"+corpus, func(b *testing.B) {
				b.SetBytes(int64(len(data[corpus])))
				for b.Loop() {
					scanChunks(b, yr, ft, data[corpus])
				}
			})
		}
		yr.Destroy()
	}
}

var stringDecl = regexp.MustCompile(`^\s*(\$\w*)\s*=\s*(.+)$`)

// BenchmarkRuleStrings compiles every string of the built-in rules as a rule of its own and
// reports its throughput on the text and code corpora: the quickest way to find the string
// that slows a rule file down.
func BenchmarkRuleStrings(b *testing.B) {
	srcs, err := builtinSources()
	if err != nil {
		b.Fatal(err)
	}
	data := corpora()
	for _, s := range srcs {
		rule := ""
		inStrings := false
		for _, line := range strings.Split(string(s.text), "\n") {
			if m := ruleDecl.FindStringSubmatch(line); m != nil {
				rule, inStrings = m[1], false
				continue
			}
			switch strings.TrimSpace(line) {
			case "strings:":
				inStrings = true
				continue
			case "condition:", "meta:":
				inStrings = false
				continue
			}
			m := stringDecl.FindStringSubmatch(line)
			if !inStrings || m == nil {
				continue
			}
			text := fmt.Sprintf("rule r {\n strings: %s = %s\n condition: %s\n}", m[1], m[2], m[1])
			yr, _, err := compileGroup([]source{{name: s.name, namespace: "x", text: []byte(text)}})
			if err != nil {
				b.Fatalf("%s %s: %v", rule, m[1], err)
			}
			for _, corpus := range []string{"text", "code"} {
				b.Run(strings.TrimSuffix(strings.TrimPrefix(s.name, "builtin:"), ".yar")+"/"+rule+m[1]+"/"+corpus, func(b *testing.B) {
					b.SetBytes(int64(len(data[corpus])))
					for b.Loop() {
						scanChunks(b, yr, TypeText, data[corpus])
					}
				})
			}
			yr.Destroy()
		}
	}
}
