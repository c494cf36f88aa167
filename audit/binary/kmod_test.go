package binary

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// moduleSource is C for an object shaped like a loadable kernel module (gcc -c: an ELF
// relocatable with .modinfo and the module structure's section); body is its init code.
func moduleSource(name, decls, body string) string {
	return fmt.Sprintf(`
struct module { char pad[64]; };
struct module __this_module __attribute__((section(".gnu.linkonce.this_module"))) = {{0}};
static const char info_name[] __attribute__((section(".modinfo"), used)) = "name=%s";
static const char info_license[] __attribute__((section(".modinfo"), used)) = "license=GPL";
%s
int init_module(void) {
%s
	return 0;
}
`, name, decls, body)
}

// TestKernelModuleRootkit: objects shaped like kernel modules that reach unexported symbols
// (kallsyms_lookup_name imported, or its address taken through a kprobe) or hook by ftrace, and
// name what rootkits hook, are STRATA-RK-001 critical at every optimisation level; modules that
// use kprobes or kallsyms for other ends, and plain objects, stay silent.
func TestKernelModuleRootkit(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles samples")
	}
	kprobe := `struct kprobe { const char *symbol_name; void *addr; char pad[64]; };
extern int register_kprobe(struct kprobe *); extern void unregister_kprobe(struct kprobe *);
typedef unsigned long (*lookup_t)(const char *);
static lookup_t resolve(void) { struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" }; register_kprobe(&kp);
	lookup_t f = (lookup_t)kp.addr; unregister_kprobe(&kp); return f; }`
	ftrace := `struct ftrace_ops { void *func; unsigned long flags; char pad[64]; };
extern int ftrace_set_filter_ip(struct ftrace_ops *, unsigned long, int, int); extern int register_ftrace_function(struct ftrace_ops *);
static struct ftrace_ops ops; static void handler(void) {}`
	found := []struct{ name, decls, body string }{
		{"table", `extern unsigned long kallsyms_lookup_name(const char *); unsigned long *tbl; long hooked(void) { return 0; }`,
			`tbl = (unsigned long *)kallsyms_lookup_name("sys_call_table"); tbl[217] = (unsigned long)hooked;`},
		{"kprobe-table", kprobe + ` unsigned long *tbl; long hooked(void) { return 0; }`,
			`lookup_t f = resolve(); tbl = (unsigned long *)f("sys_call_table"); tbl[62] = (unsigned long)hooked;`},
		{"kprobe-ftrace", kprobe + ftrace,
			`lookup_t f = resolve(); ops.func = handler; ftrace_set_filter_ip(&ops, f("__x64_sys_getdents64"), 0, 0);
	ftrace_set_filter_ip(&ops, f("__x64_sys_kill"), 0, 0); register_ftrace_function(&ops);`},
		{"ftrace-net", ftrace + ` extern unsigned long kallsyms_lookup_name(const char *);`,
			`ops.func = handler; ftrace_set_filter_ip(&ops, kallsyms_lookup_name("tcp4_seq_show"), 0, 0); register_ftrace_function(&ops);`},
		{"ftrace-only", ftrace + ` extern unsigned long lookup_by_table(const char *);`,
			`ops.func = handler; ftrace_set_filter_ip(&ops, lookup_by_table("filldir64"), 0, 0); register_ftrace_function(&ops);`},
	}
	for _, tc := range found {
		for _, opt := range []string{"-O0", "-O2", "-Os"} {
			t.Run(tc.name+opt, func(t *testing.T) {
				data := build(t, "c", moduleSource("zz_"+strings.ReplaceAll(tc.name, "-", "_"), tc.decls, tc.body), "-c", opt)
				fs := content("/lib/modules/6.1.0/extra/"+tc.name+".ko", data)
				if len(fs) != 1 || fs[0].Rule != RuleKernelModule || fs[0].Severity.String() != "critical" {
					t.Fatalf("got %s", rulesOf(fs))
				}
				if !strings.Contains(fs[0].Evidence, "kernel module zz_") {
					t.Errorf("evidence %q does not name the module", fs[0].Evidence)
				}
			})
		}
	}
	silent := []struct{ name, src string }{
		// a tracing module: a kprobe on a function it names, no resolver, nothing hooked
		{"tracer", moduleSource("trace_open", `struct kprobe { const char *symbol_name; char pad[64]; }; extern int register_kprobe(struct kprobe *);`,
			`struct kprobe kp = { .symbol_name = "do_sys_openat2" }; register_kprobe(&kp);`)},
		// a driver looking up one of its own kernel's symbols: nothing a rootkit hooks named
		{"lookup", moduleSource("vendor_drv", `extern unsigned long kallsyms_lookup_name(const char *); unsigned long p;`,
			`p = kallsyms_lookup_name("vendor_firmware_table");`)},
		// an ordinary object file (not a module) naming the table in a string
		{"object", `const char *names[] = {"sys_call_table", "kallsyms_lookup_name"}; int f(void) { return 0; }`},
	}
	for _, tc := range silent {
		t.Run("silent-"+tc.name, func(t *testing.T) {
			data := build(t, "c", tc.src, "-c", "-O2")
			if fs := content("/lib/modules/6.1.0/extra/"+tc.name+".ko", data); len(fs) > 0 {
				t.Fatalf("got %s", rulesOf(fs))
			}
		})
	}
}

// bpfObject builds a little-endian ELF64 relocatable for the BPF machine (as clang -target bpf
// writes it) holding one executable section per program: name and instructions.
func bpfObject(progs map[string][]uint64) []byte {
	var names []string
	for n := range progs {
		names = append(names, n)
	}
	// section 0 null, 1 .shstrtab, then the programs
	shstr := []byte{0}
	nameOff := map[string]int{}
	add := func(s string) int {
		off := len(shstr)
		shstr = append(append(shstr, s...), 0)
		return off
	}
	shstrName := add(".shstrtab")
	for _, n := range names {
		nameOff[n] = add(n)
	}
	var body bytes.Buffer
	body.Write(make([]byte, 64))
	type sec struct {
		name, typ   uint32
		flags       uint64
		off, size   uint64
		align, ents uint64
	}
	secs := []sec{{}}
	secs = append(secs, sec{name: uint32(shstrName), typ: 3, off: uint64(body.Len()), size: uint64(len(shstr)), align: 1})
	body.Write(shstr)
	for _, n := range names {
		for body.Len()%8 != 0 {
			body.WriteByte(0)
		}
		off := body.Len()
		for _, insn := range progs[n] {
			binary.Write(&body, binary.LittleEndian, insn)
		}
		secs = append(secs, sec{name: uint32(nameOff[n]), typ: 1, flags: 0x6, off: uint64(off), size: uint64(body.Len() - off), align: 8})
	}
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	shoff := body.Len()
	for _, s := range secs {
		for _, v := range []any{s.name, s.typ, s.flags, uint64(0), s.off, s.size, uint32(0), uint32(0), s.align, s.ents} {
			binary.Write(&body, binary.LittleEndian, v)
		}
	}
	out := body.Bytes()
	copy(out, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0})
	le := binary.LittleEndian
	le.PutUint16(out[16:], 1)   // ET_REL
	le.PutUint16(out[18:], 247) // EM_BPF
	le.PutUint32(out[20:], 1)
	le.PutUint64(out[40:], uint64(shoff))
	le.PutUint16(out[52:], 64)
	le.PutUint16(out[58:], 64)
	le.PutUint16(out[60:], uint16(len(secs)))
	le.PutUint16(out[62:], 1)
	return out
}

// call is a BPF helper call instruction; mov and exit pad a program.
func call(id uint32) uint64 { return 0x85 | uint64(id)<<32 }

const (
	movR0 = 0xb7
	exit  = 0x95
)

// TestBPFRootkit: eBPF objects whose programs call bpf_probe_write_user or
// bpf_override_return are STRATA-RK-002, critical when a program hooks a system call or the
// directory listing; programs that only read and count (a map update, a ring buffer output)
// stay silent, as do the eBPF objects Debian's libxdp ships (the debian-kernel corpus).
func TestBPFRootkit(t *testing.T) {
	tests := []struct {
		name  string
		progs map[string][]uint64
		want  string
	}{
		{"getdents", map[string][]uint64{"tp/syscalls/sys_exit_getdents64": {movR0, call(1), call(bpfProbeWriteUser), exit}}, "critical"},
		{"sudoers", map[string][]uint64{"tracepoint/syscalls/sys_exit_read": {movR0, call(bpfProbeWriteUser), exit}, "license": nil}, "critical"},
		{"override", map[string][]uint64{"kprobe/__x64_sys_kill": {movR0, call(bpfOverrideReturn), exit}}, "critical"},
		{"unhooked", map[string][]uint64{"uprobe/bash_readline": {movR0, call(bpfProbeWriteUser), exit}}, "high"},
		{"counter", map[string][]uint64{"tp/syscalls/sys_enter_execve": {movR0, call(1), call(2), call(130), exit}}, ""},
		{"xdp", map[string][]uint64{"xdp": {movR0, call(51), exit}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := content("/opt/.cache/"+tc.name+".o", bpfObject(tc.progs))
			got := ""
			if len(fs) == 1 && fs[0].Rule == RuleBPFRootkit {
				got = fs[0].Severity.String()
			} else if len(fs) > 0 {
				got = rulesOf(fs)
			}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	// Bytes that are no ELF for the BPF machine, and a truncated object, are left alone.
	obj := bpfObject(map[string][]uint64{"tp/syscalls/sys_exit_getdents64": {call(bpfProbeWriteUser), exit}})
	for i := 0; i < len(obj); i += 7 {
		content("/x.o", obj[:i])
	}
}

// TestKernelModuleShell: objects shaped like kernel modules that create a proc or debugfs file,
// a misc or character device and run what is written to it through call_usermodehelper with a
// shell's -c or argv_split are STRATA-ES-002 critical at every optimisation level; a module
// that runs a fixed helper, or runs a shell with no way in, stays silent.
func TestKernelModuleShell(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles samples")
	}
	decls := `typedef unsigned long size_t; typedef long ssize_t;
extern int call_usermodehelper(const char *, char **, char **, int);
extern void *call_usermodehelper_setup(const char *, char **, char **, int, void *, void *, void *);
extern int call_usermodehelper_exec(void *, int);
extern unsigned long _copy_from_user(void *, const void *, unsigned long);
extern void *memdup_user_nul(const void *, size_t);
extern ssize_t simple_write_to_buffer(void *, size_t, long *, const void *, size_t);
extern void *proc_create(const char *, unsigned short, void *, const void *);
extern void *debugfs_create_file(const char *, unsigned short, void *, void *, const void *);
extern int misc_register(void *);
extern int __register_chrdev(unsigned, unsigned, unsigned, const char *, const void *);
extern char **argv_split(unsigned, const char *, int *);
struct fops { void *owner; ssize_t (*write)(void *, const char *, size_t, long *); };
static char kbuf[512];
`
	runs := map[string]string{
		"sh":      `static void run(char *c) { char *argv[] = { "/bin/sh", "-c", c, 0 }; call_usermodehelper(argv[0], argv, 0, 1); }`,
		"bash":    `static char *envp[] = { "PATH=/bin:/usr/bin", 0 }; static void run(char *c) { char *argv[4]; argv[0] = "/bin/bash"; argv[1] = "-c"; argv[2] = c; argv[3] = 0; void *i = call_usermodehelper_setup(argv[0], argv, envp, 0, 0, 0, 0); if (i) call_usermodehelper_exec(i, 2); }`,
		"split":   `static void run(char *c) { int n; char **argv = argv_split(0, c, &n); if (argv) call_usermodehelper(argv[0], argv, 0, 1); }`,
		"busybox": `static void run(char *c) { char *argv[] = { "/bin/busybox", "sh", "-c", c, 0 }; call_usermodehelper(argv[0], argv, 0, 2); }`,
	}
	ins := map[string][2]string{
		"proc":    {`static ssize_t w(void *f, const char *u, size_t n, long *o) { if (n >= sizeof kbuf) n = sizeof kbuf - 1; if (_copy_from_user(kbuf, u, n)) return -14; kbuf[n] = 0; run(kbuf); return n; } static struct fops ops = { 0, w };`, `proc_create("sysinfo", 0666, 0, &ops);`},
		"debugfs": {`static ssize_t w(void *f, const char *u, size_t n, long *o) { ssize_t r = simple_write_to_buffer(kbuf, sizeof kbuf - 1, o, u, n); if (r > 0) run(kbuf); return r; } static struct fops ops = { 0, w };`, `debugfs_create_file("ctl", 0222, 0, 0, &ops);`},
		"chrdev":  {`static ssize_t w(void *f, const char *u, size_t n, long *o) { char *k = memdup_user_nul(u, n); run(k); return n; } static struct fops ops = { 0, w };`, `__register_chrdev(0, 0, 256, "nvme-fab", &ops);`},
	}
	for rn, r := range runs {
		for in, iv := range ins {
			for _, opt := range []string{"-O0", "-O2", "-Os"} {
				t.Run(rn+"-"+in+opt, func(t *testing.T) {
					data := build(t, "c", moduleSource("zz_"+rn, decls+r+"\n"+iv[0], iv[1]), "-c", opt)
					fs := content("/root/.cache/k/"+rn+".ko", data)
					if len(fs) != 1 || fs[0].Rule != RuleKernelShell || fs[0].Severity.String() != "critical" || !fs[0].Is("malware") {
						t.Fatalf("got %s", rulesOf(fs))
					}
				})
			}
		}
	}
	silent := map[string]string{
		"fixed-helper": moduleSource("loader", decls+`static ssize_t w(void *f, const char *u, size_t n, long *o) { _copy_from_user(kbuf, u, 8); char *argv[] = { "/sbin/modprobe", "-q", "--", "fs-overlay", 0 }; call_usermodehelper(argv[0], argv, 0, 1); return n; } static struct fops ops = { 0, w };`, `proc_create("load", 0600, 0, &ops);`),
		"no-way-in":    moduleSource("trig", decls, `char *argv[] = { "/bin/sh", "-c", "/sbin/udevadm trigger", 0 }; call_usermodehelper(argv[0], argv, 0, 1);`),
	}
	for name, src := range silent {
		t.Run("silent-"+name, func(t *testing.T) {
			data := build(t, "c", src, "-c", "-O2")
			if fs := content("/lib/modules/6.1.0/extra/"+name+".ko", data); len(fs) > 0 {
				t.Fatalf("got %s", rulesOf(fs))
			}
		})
	}
}
