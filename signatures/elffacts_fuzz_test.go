package signatures

import (
	"strings"
	"testing"
)

// FuzzELFFacts reads arbitrary bytes as an ELF file (the seeds: the test ELF files): facts come
// back for whatever is given, of a known kind, with symbol lists shaped as the rules read them.
func FuzzELFFacts(f *testing.F) {
	for _, name := range []string{"pos/rs020_revshell.elf", "pos/lp002_constructor.so", "pos/lp004_readdir.so", "neg/healthcheck.elf"} {
		f.Add(readFixture(f, name))
	}
	f.Add(stagerELF())
	f.Fuzz(func(t *testing.T, data []byte) {
		x := factsOfELF(data)
		switch x.kind {
		case "", "exec", "lib", "other":
		default:
			t.Fatalf("kind %q", x.kind)
		}
		if x.kind == "" && x != zeroELFFacts && x.sections == 0 {
			t.Fatalf("facts without a kind: %+v", x)
		}
		for _, list := range []string{x.imports, x.funcs} {
			if list != "" && (!strings.HasPrefix(list, "|") || !strings.HasSuffix(list, "|")) {
				t.Fatalf("symbol list %q", list)
			}
		}
		if x.dynsym < 0 || x.sections < 0 {
			t.Fatalf("counts %+v", x)
		}
	})
}
