// Package binary finds compiled implants by what they are built to do rather than by a
// sample's bytes:
//
//   - executables that carry no dynamic symbols to judge them by (Go programs, statically
//     linked C) and are built from the calls a reverse shell needs: dialling out (or
//     listening), starting a process, and a shell's path;
//   - shared libraries that define (hook) the libc functions preload rootkits and backdoors
//     replace (readdir, accept, pam_authenticate, fopen, stat ...) and look the real ones up
//     with dlsym, and those that keep their strings XOR-encoded;
//   - and, reviewing every finding, libraries that /etc/ld.so.preload or an LD_PRELOAD in the
//     image's Env names: whatever is found in them runs in every process.
//
// The ELF structure comes from signatures.ReadELFFacts (the same facts the ELF YARA rules
// read) and debug/elf, debug/buildinfo. The content analyzer is stateless, so the layer
// cache keeps working.
package binary

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics/packages"
	"github.com/strata-forensics/strata/signatures"
)

// Rule ids.
const (
	RuleStaticShell = "STRATA-RS-021" // a Go or statically linked executable that dials out and runs a shell
	RuleHook        = "STRATA-LP-005" // a library that hooks libc functions
	RuleXOR         = "STRATA-LP-006" // a hooking library that hides its strings with XOR
)

// Size limits: Go reverse shells are a few MB; libraries that hook libc are small.
const (
	maxGo     = 24 << 20
	maxStatic = 8 << 20
	maxLib    = 2 << 20
)

// Analyzer is the binary behaviour analyzer.
type Analyzer struct{}

// New returns the analyzer.
func New() *Analyzer { return &Analyzer{} }

// Name implements audit.Analyzer.
func (*Analyzer) Name() string { return "binary" }

// KeepFile implements audit.FileKeeper: the preload list, for Review.
func (*Analyzer) KeepFile(p string) bool { return p == "/etc/ld.so.preload" }

// Content implements audit.ContentAnalyzer.
func (a *Analyzer) Content(f audit.File, data []byte) []audit.Finding {
	if len(data) < 64 || string(data[:4]) != elf.ELFMAG {
		return nil
	}
	var out []audit.Finding
	if len(data) <= maxGo && packages.HasGoBuildInfo(data) {
		if x, ok := goShell(data); ok {
			out = append(out, x)
		} else if x, ok := goCallShell(data); ok {
			out = append(out, x)
		}
		return out
	}
	// Relocatable objects (kernel modules) and eBPF objects, told by the header's type and
	// machine fields (little-endian: x86-64, arm64 and BPF objects as clang writes them).
	if data[5] == byte(elf.ELFDATA2LSB) {
		if elf.Machine(binary.LittleEndian.Uint16(data[18:])) == elf.EM_BPF {
			if x, ok := bpfRootkit(data); ok {
				out = append(out, x)
			}
			return out
		}
		if elf.Type(binary.LittleEndian.Uint16(data[16:])) == elf.ET_REL {
			if x, ok := kernelModule(data); ok {
				return append(out, x)
			}
		}
	}
	facts := signatures.ReadELFFacts(data)
	if facts.Kind == "exec" && len(data) <= maxGo && (len(facts.Imports) == 0 || slices.Contains(facts.Imports, "connect") || slices.Contains(facts.Imports, "accept")) {
		if x, ok := rustShell(data); ok {
			return append(out, x)
		}
	}
	if (facts.Kind == "exec" || facts.Kind == "other") && len(data) <= maxStatic {
		if names := loginRecordNames(facts.Rodata); names != nil {
			out = append(out, loginEditorFinding(names))
		}
	}
	switch facts.Kind {
	case "lib":
		if len(data) <= maxLib {
			out = append(out, hooks(facts, data)...)
			if x, ok := pamBackdoor(facts, data); ok {
				out = append(out, x)
			}
		}
	case "other":
		if len(data) <= maxStatic {
			if x, ok := staticShell(data); ok {
				out = append(out, x)
			}
		}
	}
	return out
}

// Go function names a reverse shell is built from, as the function name table holds them
// (NUL-terminated). Dial and Listen may be inlined into their callers; the methods they call
// are not.
var (
	goNet = [][]byte{[]byte("\x00net.Dial\x00"), []byte("\x00net.(*Dialer).DialContext\x00"), []byte("\x00net.(*Dialer).Dial\x00"),
		[]byte("\x00net.DialTCP\x00"), []byte("\x00net.DialTimeout\x00"), []byte("\x00net.Listen\x00"), []byte("\x00net.(*ListenConfig).Listen\x00"),
		[]byte("\x00crypto/tls.Dial\x00"), []byte("\x00crypto/tls.DialWithDialer\x00")}
	goExec = [][]byte{[]byte("\x00os/exec.(*Cmd).Start\x00"), []byte("\x00os/exec.(*Cmd).Run\x00"), []byte("\x00os.StartProcess\x00"),
		[]byte("\x00syscall.ForkExec\x00"), []byte("\x00syscall.Exec\x00"), []byte("\x00syscall.StartProcess\x00")}
	shellPaths = [][]byte{[]byte("/bin/sh"), []byte("/bin/bash"), []byte("/bin/dash"), []byte("/bin/zsh"), []byte("/bin/ash"), []byte("cmd.exe"),
		[]byte("powershell")}
)

func containsAny(data []byte, needles [][]byte) []byte {
	for _, n := range needles {
		if bytes.Contains(data, n) {
			return n
		}
	}
	return nil
}

// goShell reports a small Go program (few modules, few functions of its own) that dials out
// or listens, starts a process and names a shell. Big Go programs that do all three (container
// tools, agents) have many modules and functions.
func goShell(data []byte) (audit.Finding, bool) {
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil || len(bi.Deps) > 3 {
		return audit.Finding{}, false
	}
	netFn, execFn, sh := containsAny(data, goNet), containsAny(data, goExec), containsAny(data, shellPaths)
	if netFn == nil || execFn == nil || sh == nil {
		return audit.Finding{}, false
	}
	own := bytes.Count(data, []byte("\x00main."))
	if own > 80 {
		return audit.Finding{}, false
	}
	mod := bi.Path
	if mod == "" {
		mod = "(unknown)"
	}
	return audit.Finding{Rule: RuleStaticShell, Category: audit.CategoryReverseShell, Severity: audit.High,
		Title: "Go program that connects (or listens), starts a process and names a shell: a compiled reverse or bind shell",
		Evidence: fmt.Sprintf("module %s, %s, %d modules; calls %s and %s; names %q; %d functions of its own",
			mod, bi.GoVersion, len(bi.Deps), strings.Trim(string(netFn), "\x00"), strings.Trim(string(execFn), "\x00"), sh, own),
		Remediation: remediation}, true
}

const remediation = "Treat the image as compromised: do not run it; rebuild from a trusted base and source, and find how the file got in."

// goCallShell reports a Go program of any size whose main package itself calls a dialer
// (or listener) and starts a process, and that names a shell, or that reads a message from a
// stream and keeps the output of the process it starts: what a compiled reverse shell or
// command agent does (read an order, run it, send back what it printed), told apart from
// agents and tools that merely link net and os/exec, and from a tool that waits for a port
// and then runs its arguments.
func goCallShell(data []byte) (audit.Finding, bool) {
	sh := containsAny(data, shellPaths)
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return audit.Finding{}, false
	}
	defer ef.Close()
	calls, ok := goMainCalls(ef, data)
	if !ok || sh == nil && (calls.read == "" || calls.capture == "") {
		return audit.Finding{}, false
	}
	mod := "(unknown)"
	if bi, err := buildinfo.Read(bytes.NewReader(data)); err == nil && bi.Path != "" {
		mod = bi.Path
	}
	if sh == nil {
		return audit.Finding{Rule: RuleStaticShell, Category: audit.CategoryReverseShell, Severity: audit.High,
			Title:       "Go program whose own code connects (or listens), reads what arrives and runs commands, keeping their output: a compiled reverse shell or command agent",
			Evidence:    fmt.Sprintf("module %s; package main calls %s, %s and %s", mod, calls.dial, calls.read, calls.capture),
			Remediation: remediation}, true
	}
	return audit.Finding{Rule: RuleStaticShell, Category: audit.CategoryReverseShell, Severity: audit.High,
		Title:       "Go program whose own code connects (or listens) and starts a process, and that names a shell: a compiled reverse or bind shell",
		Evidence:    fmt.Sprintf("module %s; package main calls %s and %s; names %q", mod, calls.dial, calls.start, sh),
		Remediation: remediation}, true
}

// rustShell reports a small Rust program (its standard library's source paths show which
// parts of it are linked; few crates beside it) that links std's networking and process
// spawning and names a shell: a compiled reverse or bind shell. Tools that do all three pull
// in many crates (an async runtime, an HTTP client, an argument parser).
func rustShell(data []byte) (audit.Finding, bool) {
	const std = "library/std/src/"
	if !bytes.Contains(data, []byte(std)) {
		return audit.Finding{}, false
	}
	sh := containsAny(data, shellPaths)
	if sh == nil {
		// Command::new("sh").arg("-c"): Rust packs its literals without terminators
		sh = containsAny(data, [][]byte{[]byte("sh-c"), []byte("sh-i"), []byte("bash-c"), []byte("bash-i")})
	}
	if sh == nil {
		return audit.Finding{}, false
	}
	var net, proc bool
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte(std))
		if i < 0 {
			break
		}
		off += i + len(std)
		p := data[off:min(len(data), off+120)]
		// A panic's location names a source file of the code linked in; debug information
		// lists every directory of std whatever the program uses.
		j := bytes.Index(p, []byte(".rs"))
		if j < 0 || bytes.ContainsAny(p[:j], "\x00\n") {
			continue
		}
		p = p[:j]
		net = net || bytes.Contains(p, []byte("net/")) || bytes.HasSuffix(p, []byte("/net")) || bytes.HasPrefix(p, []byte("net"))
		proc = proc || bytes.Contains(p, []byte("process"))
	}
	crates := rustCrates(data)
	if !net || !proc || len(crates) > 3 {
		return audit.Finding{}, false
	}
	return audit.Finding{Rule: RuleStaticShell, Category: audit.CategoryReverseShell, Severity: audit.High,
		Title:       "Rust program that links std's networking and process spawning and names a shell: a compiled reverse or bind shell",
		Evidence:    fmt.Sprintf("std::net and std::process are linked (their source paths are in the file); names %q; %d crates beside std", sh, len(crates)),
		Remediation: remediation}, true
}

// rustCrates returns the crates whose sources a Rust program's panic locations name: each
// is a directory holding src/ (<name>-<version> in cargo's registry and Debian's
// cargo_registry, <name> in a vendor directory); std's own and the crates std is built from
// (its backtrace symbolizer's) are not counted.
func rustCrates(data []byte) map[string]bool {
	crates := map[string]bool{}
	for off := 0; len(crates) <= 64; {
		i := bytes.Index(data[off:], []byte("/src/"))
		if i < 0 {
			break
		}
		i += off
		off = i + len("/src/")
		// a panic's location: a source file, not a directory of debug information
		if rest := data[off:min(len(data), off+120)]; !bytes.Contains(rest, []byte(".rs")) ||
			bytes.ContainsAny(rest[:bytes.Index(rest, []byte(".rs"))], "\x00\n") {
			continue
		}
		seg := data[max(0, i-64):i]
		if j := bytes.LastIndexAny(seg, "/\x00\n"); j >= 0 {
			seg = seg[j+1:]
		}
		// name-1.2.3: the version goes
		if dash := bytes.LastIndexByte(seg, '-'); dash > 0 && dash+1 < len(seg) && seg[dash+1] >= '0' && seg[dash+1] <= '9' && bytes.Contains(seg[dash:], []byte(".")) {
			seg = seg[:dash]
		}
		if name := string(seg); name != "" && !stdCrates[name] && validCrate(name) {
			crates[name] = true
		}
	}
	return crates
}

// validCrate reports a crate directory's name: letters, digits, - and _ (what precedes
// "/src/" in other strings is anything).
func validCrate(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// stdCrates are the crates Rust's standard library is built from.
var stdCrates = map[string]bool{"addr2line": true, "gimli": true, "miniz_oxide": true, "rustc-demangle": true, "object": true,
	"hashbrown": true, "memchr": true, "adler": true, "adler2": true, "cfg-if": true, "libc": true, "compiler_builtins": true,
	"std_detect": true, "unwinding": true, "dlmalloc": true, "backtrace": true, "std": true, "core": true, "alloc": true,
	"library": true, "proc_macro": true, "core_arch": true, "core_simd": true, "std_float": true, "stdarch": true, "panic_unwind": true, "panic_abort": true, "unwind": true, "test": true, "rustc-std-workspace-core": true}

// staticShell reports a statically linked executable whose symbol table (when it kept one)
// shows it connects, puts the socket on its standard streams and execs, and that names a
// shell; libc's thousands of functions make a full static program, not a small one.
func staticShell(data []byte) (audit.Finding, bool) {
	sh := containsAny(data, shellPaths)
	if sh == nil {
		return audit.Finding{}, false
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return audit.Finding{}, false
	}
	defer ef.Close()
	syms, err := ef.Symbols()
	if err != nil || len(syms) == 0 {
		// No symbol table (stripped): read what main's machine code calls.
		if calls, ok := strippedShell(ef, data); ok {
			return audit.Finding{Rule: RuleStaticShell, Category: audit.CategoryReverseShell, Severity: audit.High,
				Title:       "Stripped static program whose main function reaches connect (or accept), dup2 and execve: a compiled reverse or bind shell",
				Evidence:    fmt.Sprintf("main (from the entry point) makes the system calls %s through the functions it calls; names %q", calls, sh),
				Remediation: remediation}, true
		}
		return audit.Finding{}, false
	}
	if len(syms) > 6000 {
		return audit.Finding{}, false
	}
	fns := map[string]bool{}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Section != elf.SHN_UNDEF {
			fns[s.Name] = true
		}
	}
	has := func(names ...string) string {
		for _, n := range names {
			if fns[n] {
				return n
			}
		}
		return ""
	}
	conn, dup, exe := has("connect", "accept", "accept4"), has("dup2", "dup3", "dup"), has("execve", "execl", "execv", "execvp", "execlp", "system", "posix_spawn")
	if conn == "" || dup == "" || exe == "" {
		return audit.Finding{}, false
	}
	// A libc linked in whole defines these among thousands; a backdoor's own code is small.
	if !fns["main"] || len(fns) > 2500 {
		return audit.Finding{}, false
	}
	return audit.Finding{Rule: RuleStaticShell, Category: audit.CategoryReverseShell, Severity: audit.High,
		Title:       "Statically linked program that connects (or accepts), duplicates the socket onto its streams and execs a shell",
		Evidence:    fmt.Sprintf("defines %s, %s, %s among %d functions; names %q", conn, dup, exe, len(fns), sh),
		Remediation: remediation}, true
}

// hookSets are the libc functions preload implants define in their own library, by what a
// hook on them gives: hiding files and processes, a backdoor in network or login code, or
// control over every program started.
var (
	hideHooks = []string{"readdir", "readdir64", "readdir_r", "readdir64_r", "opendir", "fopen", "fopen64", "open", "open64", "openat",
		"stat", "stat64", "lstat", "lstat64", "__xstat", "__xstat64", "__lxstat", "__lxstat64", "fstatat", "__fxstatat", "access",
		"unlink", "unlinkat", "rmdir", "kill", "statx"}
	backdoorHooks = []string{"accept", "accept4", "pam_authenticate", "pam_acct_mgmt", "pam_open_session",
		"getpwnam", "getpwnam_r", "getspnam", "crypt", "write", "read", "recv", "SSL_read", "SSL_write", "pcap_loop", "audit_log_acct_message"}
	execHooks = []string{"execve", "execvp", "system", "popen", "fork", "__libc_start_main"}
	// strongHooks alone make a hooking library worth a high: hiding directory entries,
	// intercepting accepted connections or logins.
	strongHooks = []string{"readdir", "readdir64", "readdir_r", "readdir64_r", "accept", "accept4", "pam_authenticate", "pam_acct_mgmt",
		"getspnam", "pcap_loop", "audit_log_acct_message", "__libc_start_main"}
)

// hooks reports a shared library that defines libc functions and imports dlsym (it calls the
// real ones after its own code), and, for those, strings hidden by a one-byte XOR.
func hooks(facts signatures.ELFFacts, data []byte) []audit.Finding {
	if !slices.Contains(facts.Imports, "dlsym") && !slices.Contains(facts.Imports, "dlvsym") {
		return nil
	}
	// Preload libraries of a libc's own (libc, libpthread, malloc replacements) define
	// hundreds of functions; interposers of one purpose define a handful.
	if facts.DynSym > 400 {
		return nil
	}
	var candidates []string
	for _, fn := range facts.Funcs {
		if slices.Contains(hideHooks, fn) || slices.Contains(backdoorHooks, fn) || slices.Contains(execHooks, fn) {
			candidates = append(candidates, fn)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	// An interposer looks the real function up by its name (dlsym(RTLD_NEXT, "readdir")):
	// the name is a string of its read-only data as well as a symbol it defines. A library
	// that implements the function itself (libpam defines pam_authenticate and loads modules
	// with dlsym) does not name it so.
	rodata := readOnlyStrings(data)
	var hooked, strong []string
	for _, fn := range candidates {
		if !nulString(rodata, fn) {
			continue
		}
		hooked = append(hooked, fn)
		if slices.Contains(strongHooks, fn) {
			strong = append(strong, fn)
		}
	}
	// A rootkit that XOR-encodes its strings encodes the names it looks up too: then the
	// functions it defines are its hooks.
	xor, xoredShell, xored := xorStrings(data)
	// A library that defines several of these, a strong one among them, and looks functions
	// up by name, yet names none of them anywhere in its data, keeps the names it looks up
	// encoded by some other scheme (a multi-byte or rolling key, a computed table): its
	// definitions are hooks all the same.
	hidden := !xored && len(hooked) == 0 && hiddenHooker(candidates) && !namesAnyOf(data, candidates)
	if len(hooked) == 0 && (xored || hidden) && hasAny(candidates, strongHooks) {
		hooked = candidates
		for _, fn := range candidates {
			if slices.Contains(strongHooks, fn) {
				strong = append(strong, fn)
			}
		}
	}
	if len(hooked) == 0 {
		return nil
	}
	var out []audit.Finding
	f := audit.Finding{Rule: RuleHook, Category: audit.CategoryLDPreload, Severity: audit.Low,
		Title:       "Shared library that defines libc functions and calls the real ones through dlsym: an interposer (LD_PRELOAD hook)",
		Evidence:    "defines " + strings.Join(hooked, ", ") + "; imports dlsym",
		Remediation: "Find what loads it (LD_PRELOAD, /etc/ld.so.preload) and what its hooks do; a tool like fakeroot or a profiler does this openly, an implant hides."}
	switch {
	case len(strong) > 0:
		f.Severity = audit.High
		f.Title = "Shared library that hooks " + strings.Join(strong, ", ") + " (and calls the real ones through dlsym)" + hookShape
		f.AddTechniques("T1014")
	case len(hooked) >= 4 && hasAny(hooked, hideHooks) && bytes.Contains(data, []byte("/proc")):
		f.Severity = audit.Medium
		f.Title = "Shared library that hooks file and directory functions (" + strings.Join(hooked, ", ") + ") and names /proc"
	}
	// A hook on accepted connections (or reads) that duplicates a descriptor onto the standard
	// streams and execs a shell is a backdoor shell waiting in every server that loads it.
	// The connection reaches the shell's streams by dup2, or through a pseudo-terminal the
	// library opens and relays (forkpty, openpty + login_tty); the shell's path may be one of
	// the strings it XOR-encodes.
	if hasAny(hooked, []string{"accept", "accept4", "read", "recv", "pam_authenticate"}) &&
		hasAny(facts.Imports, []string{"dup2", "dup", "dup3", "forkpty", "openpty", "login_tty"}) &&
		hasAny(facts.Imports, []string{"execve", "execl", "execlp", "execv", "execvp", "system", "popen", "posix_spawn"}) &&
		(containsAny(data, shellPaths) != nil || xoredShell) {
		f.Severity = audit.Critical
		f.Title = "Shared library that hooks " + strings.Join(hooked, ", ") + " and hands the connection to a shell: a preload backdoor shell"
		f.AddLabels(audit.CategoryReverseShell)
		f.AddTechniques("T1059.004")
	}
	// A hook on what programs read and write (a terminal's keys, a login's password) that
	// writes into a file of its own, kept hidden or in a temporary place, is an input logger:
	// every password typed into a program that loads it is in that file.
	if hasAny(hooked, inputHooks) && hasAny(facts.Imports, fileOpeners) && hasAny(facts.Imports, fileWriters) {
		if logPath := stagedLogPath(rodata); logPath != "" {
			if f.Severity < audit.High {
				f.Severity = audit.High
			}
			f.Title = "Shared library that hooks " + strings.Join(hooked, ", ") + " and writes what passes through them to " + logPath + ": an input logger (passwords typed or sent)"
			f.Evidence += "; opens " + logPath
			f.AddLabels(audit.CategoryCredentialTheft)
			f.AddTechniques("T1056")
		}
	}
	if hidden {
		f.Evidence += "; none of their names is in the library's data: the names it looks up are encoded"
		f.AddTechniques("T1027")
	}
	out = append(out, f)
	if x, ok := xor, xored; ok {
		out = append(out, audit.Finding{Rule: RuleXOR, Category: audit.CategoryLDPreload, Severity: audit.High,
			Labels:      []audit.Category{audit.CategoryMalware},
			Title:       "Libc-hooking library that keeps its strings XOR-encoded: " + x,
			Evidence:    "defines " + strings.Join(hooked, ", ") + "; " + x,
			Remediation: remediation})
	}
	return out
}

// inputHooks are the hooked functions the data a program reads or writes passes through:
// keys typed into a terminal, passwords a login reads, a session's traffic.
var (
	inputHooks   = []string{"read", "write", "recv", "SSL_read", "SSL_write", "pam_authenticate", "crypt"}
	fileOpeners  = []string{"fopen", "fopen64", "open", "open64", "openat", "creat", "creat64"}
	fileWriters  = []string{"fwrite", "fprintf", "fputs", "fputc", "write", "dprintf", "vfprintf", "writev", "pwrite"}
	logStagingAt = []string{"/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/"}
)

// stagedLogPath returns an absolute path among the library's read-only strings that a logger
// would write and an intruder would keep out of sight: a hidden file or directory, or a
// temporary place; "" for none.
func stagedLogPath(rodata []byte) string {
	for _, s := range bytes.Split(rodata, []byte{0}) {
		if len(s) < 3 || s[0] != '/' || len(s) > 256 || bytes.ContainsAny(s, " \t\n%*") {
			continue
		}
		p := string(s)
		if strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/sys/") || strings.HasSuffix(p, ".so") || strings.Contains(p, ".so.") {
			continue
		}
		hidden := strings.Contains(p, "/.") && !strings.Contains(p, "/./") && !strings.Contains(p, "/../")
		staged := false
		for _, d := range logStagingAt {
			staged = staged || strings.HasPrefix(p, d) && len(p) > len(d)
		}
		if hidden || staged {
			return p
		}
	}
	return ""
}

// hiddenHooker reports a set of defined functions that only a libc hooker has: three or more
// libc functions, readdir or accept among them. Libraries that implement an API of their own
// (libpam's pam_authenticate, libpcap's pcap_loop) define none of libc's.
func hiddenHooker(defined []string) bool {
	n, strong := 0, false
	for _, fn := range defined {
		if strings.HasPrefix(fn, "pam_") || strings.HasPrefix(fn, "pcap_") || strings.HasPrefix(fn, "audit_") || strings.HasPrefix(fn, "SSL_") {
			continue
		}
		n++
		strong = strong || strings.HasPrefix(fn, "readdir") || strings.HasPrefix(fn, "accept")
	}
	return n >= 3 && strong
}

// namesAnyOf reports one of names as a NUL-terminated string outside the dynamic symbol
// table's own strings: in the library's data.
func namesAnyOf(data []byte, names []string) bool {
	ro := readOnlyStrings(data)
	for _, n := range names {
		if nulString(ro, n) {
			return true
		}
	}
	return false
}

// readOnlyStrings returns the bytes of a library's read-only data sections.
func readOnlyStrings(data []byte) []byte {
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	defer ef.Close()
	var out []byte
	for _, name := range []string{".rodata", ".data.rel.ro", ".data"} {
		if s := ef.Section(name); s != nil && s.Type != elf.SHT_NOBITS && s.Size <= maxLib {
			if b, err := s.Data(); err == nil {
				out = append(out, 0)
				out = append(out, b...)
			}
		}
	}
	return out
}

// nulString reports s as a whole NUL-terminated string of b.
func nulString(b []byte, s string) bool {
	return bytes.Contains(b, []byte("\x00"+s+"\x00"))
}

func hasAny(got, set []string) bool {
	for _, g := range got {
		if slices.Contains(set, g) {
			return true
		}
	}
	return false
}

// xorNeedles are strings preload implants hide: what they hide from, and what they run.
var xorNeedles = []string{"ld.so.preload", "/proc/", "/bin/sh", "/bin/bash", "LD_PRELOAD", "HISTFILE", "/dev/tcp", "/etc/passwd"}

// xorStrings looks in a library's data sections for xorNeedles XOR-encoded with a one-byte
// key, when they are not there in the clear; it says which it found first and whether a
// shell's path is among them.
func xorStrings(data []byte) (string, bool, bool) {
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return "", false, false
	}
	defer ef.Close()
	var secs [][]byte
	for _, name := range []string{".rodata", ".data", ".data.rel.ro"} {
		s := ef.Section(name)
		if s == nil || s.Type == elf.SHT_NOBITS || s.Size > maxLib {
			continue
		}
		b, err := s.Data()
		if err == nil {
			secs = append(secs, b)
		}
	}
	first, shell := "", false
	for _, n := range xorNeedles {
		clear := false
		for _, b := range secs {
			if bytes.Contains(b, []byte(n)) {
				clear = true
			}
		}
		if clear {
			continue
		}
		if key := xorKey(secs, n); key != 0 {
			if first == "" {
				first = fmt.Sprintf("%q hidden with key 0x%02x", n, key)
			}
			if strings.HasPrefix(n, "/bin/") {
				shell = true
			}
		}
	}
	return first, shell, first != ""
}

// xorKey returns the smallest one-byte key (1 to 255) with which n, XOR-encoded, is in one
// of secs, or 0. One pass over each section reads the key a match would need from its first
// byte and checks the rest against it, instead of a search for each of the 255 encodings.
func xorKey(secs [][]byte, n string) int {
	best := 256
	for _, b := range secs {
		for j := 0; j+len(n) <= len(b); j++ {
			key := b[j] ^ n[0]
			if key == 0 || int(key) >= best || b[j+1]^n[1] != key {
				continue
			}
			k := 2
			for k < len(n) && b[j+k]^n[k] == key {
				k++
			}
			if k == len(n) {
				best = int(key)
			}
		}
	}
	if best == 256 {
		return 0
	}
	return best
}

// hookShape ends the title of a library that hooks what rootkits hook.
const hookShape = ": the shape of a preload rootkit or backdoor"

// Review implements audit.Reviewer: a flagged library that /etc/ld.so.preload or the Env's
// LD_PRELOAD (or LD_AUDIT) names runs in every process: its findings are ld-preload too and at
// least high (critical for a shell), and an LD_PRELOAD library found to be a reverse shell is
// reported as both.
func (a *Analyzer) Review(s *audit.Subject, findings []audit.Finding) []audit.Finding {
	named := map[string]string{}
	if data, _ := s.FinalFile("/etc/ld.so.preload"); data != nil {
		for _, line := range strings.Split(string(data), "\n") {
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			for _, p := range strings.Fields(line) {
				for _, x := range expandLoaderTokens(p) {
					named[path.Clean(x)] = "/etc/ld.so.preload"
				}
			}
		}
	}
	if s.Image != nil {
		for _, kv := range s.Image.Config.Env {
			k, v, _ := strings.Cut(kv, "=")
			if k != "LD_PRELOAD" && k != "LD_AUDIT" {
				continue
			}
			for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ':' || r == ' ' }) {
				if path.IsAbs(p) {
					for _, x := range expandLoaderTokens(p) {
						named[path.Clean(x)] = k + " in the image's Env"
					}
				}
			}
		}
	}
	kept := findings[:0]
	for _, f := range findings {
		if f.Rule == RuleLoginEditor && f.Severity == audit.Info && f.Title == namesLoginRecords && !reviewLoginEditor(s, &f) {
			continue // a program of the system's packages, or nothing to tell
		}
		kept = append(kept, f)
	}
	findings = kept
	for i := range findings {
		f := &findings[i]
		by, ok := named[f.Path]
		if !ok && f.Rule == RuleHook && f.Severity == audit.High && !f.Is(audit.CategoryReverseShell) && s.Shipped != nil {
			// An interposer the distribution ships unchanged that nothing preloads is a
			// tool's (a profiler, a tracer, fakeroot); preloaded it is raised again above.
			if pkg := s.Shipped(f.Path); pkg != "" {
				f.Severity = audit.Low
				note := ", shipped unchanged by package " + pkg + " and preloaded by nothing: a tool's interposer unless something loads it"
				if t, ok := strings.CutSuffix(f.Title, hookShape); ok {
					f.Title = t + note
				} else {
					f.Title += note
				}
			}
		}
		if f.Rule == RulePAMBackdoor && s.Shipped != nil {
			// A module a distribution package ships unchanged compares what its package
			// meant it to; the reading is kept, at medium, for a responder to look at.
			if pkg := s.Shipped(f.Path); pkg != "" && f.Severity > audit.Medium {
				f.Severity = audit.Medium
				f.Title += ", shipped unchanged by package " + pkg
			}
		}
		if !ok || f.Layer < 0 || f.Severity < audit.Low || f.Rule == audit.RuleNotScanned {
			continue
		}
		n := s.Tree.Node(f.Path)
		if n == nil || n.Hidden || n.Layer() != f.Layer {
			continue
		}
		switch f.Category {
		case audit.CategoryReverseShell, audit.CategoryLDPreload, audit.CategoryMalware, audit.CategoryMiner:
		default:
			continue
		}
		f.AddLabels(audit.CategoryLDPreload)
		// What the library does runs in every process: at least high, critical when it is
		// a shell.
		want := audit.High
		if f.Is(audit.CategoryReverseShell) {
			want = audit.Critical
		}
		if f.Severity < want {
			f.Severity = want
			f.Title += " (loaded into every process by " + by + ")"
		}
		f.AddTechniques("T1574.006")
	}
	return findings
}

// expandLoaderTokens returns the paths the dynamic linker may read for a preload entry: it
// replaces $PLATFORM and $LIB (and ${PLATFORM}, ${LIB}) with the values they take on the
// platforms images run on, so that lib.so.$PLATFORM names lib.so.x86_64.
func expandLoaderTokens(p string) []string {
	if !strings.Contains(p, "$") {
		return []string{p}
	}
	out := []string{p}
	for _, tv := range []struct {
		token  string
		values []string
	}{
		{"PLATFORM", []string{"x86_64", "i686", "i386", "aarch64", "armv7l", "armv6l", "v6l", "haswell", "xeon_phi"}},
		{"LIB", []string{"lib", "lib64", "lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu", "lib/i386-linux-gnu", "lib32"}},
	} {
		var next []string
		for _, q := range out {
			if !strings.Contains(q, "$"+tv.token) && !strings.Contains(q, "${"+tv.token+"}") {
				next = append(next, q)
				continue
			}
			for _, v := range tv.values {
				next = append(next, strings.NewReplacer("${"+tv.token+"}", v, "$"+tv.token, v).Replace(q))
			}
		}
		out = next
	}
	return out
}

var (
	_ audit.ContentAnalyzer = (*Analyzer)(nil)
	_ audit.Reviewer        = (*Analyzer)(nil)
	_ audit.FileKeeper      = (*Analyzer)(nil)
)
