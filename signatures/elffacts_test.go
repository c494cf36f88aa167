package signatures

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestELFFacts(t *testing.T) {
	rs := factsOfELF(readFixture(t, "pos/rs020_revshell.elf"))
	if rs.kind != "exec" || rs.dynsym <= 0 || rs.dynsym >= 64 || rs.sections == 0 {
		t.Errorf("reverse shell executable: %+v", rs)
	}
	for _, imp := range []string{"|connect|", "|dup2|"} {
		if !strings.Contains(rs.imports, imp) {
			t.Errorf("reverse shell imports %q, missing %s", rs.imports, imp)
		}
	}
	if strings.Contains(rs.funcs, "|connect|") {
		t.Errorf("connect is imported, not defined: funcs %q", rs.funcs)
	}

	ctor := factsOfELF(readFixture(t, "pos/lp002_constructor.so"))
	if ctor.kind != "lib" || !ctor.hasInitArray || !strings.Contains(ctor.imports, "|getenv|") {
		t.Errorf("constructor library: %+v", ctor)
	}
	hook := factsOfELF(readFixture(t, "pos/lp004_readdir.so"))
	if hook.kind != "lib" || !strings.Contains(hook.funcs, "|readdir|") || !strings.Contains(hook.imports, "|dlsym|") {
		t.Errorf("readdir hook: %+v", hook)
	}

	stager := factsOfELF(stagerELF())
	if stager.sections != 0 || stager.kind == "" || stager.dynsym != 0 {
		t.Errorf("section-less stager: %+v", stager)
	}

	if big := factsOfELF(append(readFixture(t, "pos/rs020_revshell.elf"), make([]byte, elfFactsMaxSize)...)); big != zeroELFFacts {
		t.Errorf("facts computed for a file over the limit: %+v", big)
	}
	if f := factsOfELF([]byte("not an ELF file at all, just some text that is long enough")); f != zeroELFFacts {
		t.Errorf("facts of a text file: %+v", f)
	}
}

// Truncations and thousands of random corruptions of the headers of real ELF files: facts
// come back, of a known kind, and no panic escapes.
func TestELFFactsOnBrokenFiles(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, name := range []string{"pos/rs020_revshell.elf", "pos/lp001_preload_shell.so", "neg/healthcheck.elf"} {
		data := readFixture(t, name)
		check := func(b []byte) {
			switch f := factsOfELF(b); f.kind {
			case "", "exec", "lib", "other":
			default:
				t.Fatalf("%s: kind %q", name, f.kind)
			}
		}
		for n := 0; n <= len(data); n += max(1, len(data)/997) {
			check(data[:n])
		}
		for range 5000 {
			bad := append([]byte(nil), data...)
			for range 1 + r.IntN(6) {
				bad[r.IntN(min(len(bad), 4096))] = byte(r.Uint32())
			}
			check(bad)
		}
	}
}
