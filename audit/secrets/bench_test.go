package secrets

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// benchCorpora are 16 MiB of word salad shaped like the synthetic benchmark image's text, and
// of real Go source with its identifiers, '_', ':' and '=' everywhere.
var benchCorpora = sync.OnceValue(func() map[string][]byte {
	const size = 16 << 20
	r := rand.New(rand.NewPCG(3, 4))
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
	for text.Len() < size {
		if r.IntN(8) == 0 {
			text.WriteString("\n    ")
		}
		text.WriteString(vocab[r.IntN(len(vocab))*r.IntN(len(vocab))/len(vocab)])
		text.WriteByte(' ')
	}
	var code bytes.Buffer
	goroot, _ := exec.Command("go", "env", "GOROOT").Output()
	filepath.WalkDir(filepath.Join(strings.TrimSpace(string(goroot)), "src"), func(p string, d os.DirEntry, err error) error {
		if err != nil || code.Len() >= size {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && strings.HasSuffix(p, ".go") {
			if b, err := os.ReadFile(p); err == nil {
				code.Write(b)
			}
		}
		return nil
	})
	return map[string][]byte{"text": text.Bytes()[:size], "code": code.Bytes()[:min(code.Len(), size)]}
})

// BenchmarkContent reports the file scan's throughput on text files (tokens, PEM keys, AWS
// secrets) and on config files (the same plus assignments), in 64 KiB files.
func BenchmarkContent(b *testing.B) {
	a := New()
	for _, corpus := range []string{"text", "code"} {
		for _, name := range []string{"/srv/f.txt", "/etc/f.conf"} {
			data := benchCorpora()[corpus]
			b.Run(corpus+"/"+strings.TrimPrefix(filepath.Ext(name), "."), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				e := &forensics.Entry{Path: name}
				for b.Loop() {
					for off := 0; off < len(data); off += 64 << 10 {
						a.Content(audit.File{Entry: e}, data[off:min(len(data), off+64<<10)])
					}
				}
			})
		}
	}
}
