package shell

import (
	"fmt"
	"testing"
)

// TestKernelRootkitSource: C sources of kernel modules that take themselves off the module
// list, write the system call table or resolve unexported symbols to hook the listing and
// signal system calls are STRATA-RK-001 critical; eBPF sources that write into processes'
// memory are STRATA-RK-002 (critical on a system call hook). Each seed is written in several
// spellings (headers, spacing, a helper function, the write-protection trick); ordinary
// modules, tracers and comments stay silent.
func TestKernelRootkitSource(t *testing.T) {
	head := []string{
		"#include <linux/module.h>\n#include <linux/kernel.h>\n",
		"#include <linux/init.h>\n#include <linux/module.h>\nMODULE_LICENSE(\"GPL\");\n",
		"#include <linux/kernel.h>\nMODULE_LICENSE(\"Dual BSD/GPL\");\nMODULE_AUTHOR(\"x\");\n",
	}
	tail := "\nmodule_init(start);\nmodule_exit(stop);\n"
	hiders := []string{
		"static int __init start(void) { list_del(&THIS_MODULE->list); return 0; }\nstatic void __exit stop(void) {}",
		"static struct list_head *prev;\nstatic void hide(void) { prev = THIS_MODULE->list.prev;\n\tlist_del_init( &THIS_MODULE->list );\n\tkobject_del(&THIS_MODULE->mkobj.kobj); }\nstatic int start(void) { hide(); return 0; }\nstatic void stop(void) {}",
		"static int start(void) { mutex_lock(&module_mutex); list_del_rcu(&__this_module.list); mutex_unlock(&module_mutex); return 0; }\nstatic void stop(void) {}",
		"static int start(void) {\n\tstruct module *self = THIS_MODULE;\n\tmutex_lock(&module_mutex);\n\tlist_del(&self->list);\n\tmutex_unlock(&module_mutex);\n\treturn 0; }\nstatic void stop(void) {}",
		"static struct module *me;\nstatic int start(void) { me = &__this_module; kobject_del(&me->mkobj.kobj); return 0; }\nstatic void stop(void) {}",
	}
	tables := []string{
		"unsigned long *table;\nstatic asmlinkage long fake_kill(const struct pt_regs *r) { return 0; }\nstatic int start(void) { table = (unsigned long *)kallsyms_lookup_name(\"sys_call_table\");\n\twrite_cr0(read_cr0() & ~0x10000);\n\ttable[__NR_kill] = (unsigned long)fake_kill;\n\twrite_cr0(read_cr0() | 0x10000); return 0; }\nstatic void stop(void) {}",
		"static unsigned long **sct;\nstatic inline void wp_off(void) { unsigned long v = read_cr0() & ~X86_CR0_WP; asm volatile(\"mov %0, %%cr0\" : \"+r\"(v)); }\nstatic int start(void) { sct = (unsigned long **)find_table(\"sys_call_table\"); wp_off(); sct[__NR_getdents64] = (unsigned long *)hook; return 0; }\nstatic void stop(void) {}",
	}
	ftraces := []string{
		"static struct kprobe kp = { .symbol_name = \"kallsyms_lookup_name\" };\ntypedef unsigned long (*lookup_t)(const char *);\nstruct hook { const char *name; void *fn; unsigned long addr; struct ftrace_ops ops; };\nstatic struct hook hooks[] = { { \"__x64_sys_getdents64\", h1 }, { \"__x64_sys_kill\", h2 } };\nstatic int start(void) { lookup_t f; register_kprobe(&kp); f = (lookup_t)kp.addr; unregister_kprobe(&kp);\n\thooks[0].addr = f(hooks[0].name); ftrace_set_filter_ip(&hooks[0].ops, hooks[0].addr, 0, 0); register_ftrace_function(&hooks[0].ops); return 0; }\nstatic void stop(void) {}",
		"static int start(void) { unsigned long a = kallsyms_lookup_name(\"tcp4_seq_show\"); ftrace_set_filter_ip(&ops, a, 0, 0); return register_ftrace_function(&ops); }\nstatic void stop(void) {}",
	}
	var n int
	check := func(t *testing.T, name, src, rule, sev string) {
		t.Helper()
		n++
		f, ok := kernelSourceFinding("/usr/src/.m/"+name+".c", []byte(src))
		got := ""
		if ok {
			got = f.Rule + "/" + f.Severity.String()
		}
		if want := rule + "/" + sev; rule == "" && got != "" || rule != "" && got != want {
			t.Errorf("%s: got %q, want %q\n%s", name, got, want, src)
		}
	}
	for i, h := range head {
		for j, body := range append(append(append([]string{}, hiders...), tables...), ftraces...) {
			check(t, fmt.Sprintf("module-%d-%d", i, j), h+body+tail, RuleKernelSource, "critical")
		}
	}
	bpfHead := "#include \"vmlinux.h\"\n#include <bpf/bpf_helpers.h>\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n"
	bpf := []struct{ name, src, sev string }{
		{"getdents", bpfHead + "SEC(\"tp/syscalls/sys_exit_getdents64\")\nint exit_getdents(struct trace_event_raw_sys_exit *ctx) { char z[8] = {}; bpf_probe_write_user((void *)buf, z, sizeof(z)); return 0; }", "critical"},
		{"sudoers", bpfHead + "SEC(\"tracepoint/syscalls/sys_exit_read\")\nint handle_read(void *ctx) {\n\tlong ret = bpf_probe_write_user(\n\t\t(void *)p, payload, sizeof(payload));\n\treturn 0; }", "critical"},
		{"override", bpfHead + "SEC(\"kprobe/__x64_sys_kill\")\nint BPF_KPROBE(k) { bpf_override_return(ctx, -1); return 0; }", "critical"},
		{"dirent-buffer", bpfHead + "SEC(\"tp/syscalls/sys_enter_getdents64\")\nint enter(struct trace_event_raw_sys_enter *ctx) { u64 b = ctx->args[1]; bpf_map_update_elem(&bufs, &pid, &b, BPF_ANY); return 0; }\nSEC(\"tp/syscalls/sys_exit_getdents64\")\nint leave(struct trace_event_raw_sys_exit *ctx) { bpf_loop(64, patch, &scan, 0); return 0; }", "high"},
		{"uprobe", bpfHead + "SEC(\"uprobe//bin/bash:readline\")\nint rl(struct pt_regs *ctx) { bpf_probe_write_user(p, s, 4); return 0; }", "high"},
	}
	for _, b := range bpf {
		check(t, "bpf-"+b.name, b.src, RuleBPFSource, b.sev)
	}
	silent := map[string]string{
		"hello-module": head[1] + "static int start(void) { pr_info(\"hello\\n\"); return 0; }\nstatic void stop(void) {}" + tail,
		"own-list":     head[0] + "static LIST_HEAD(items);\nstatic void drop(struct item *it) { list_del(&it->list); }\nstatic int start(void) { return 0; }\nstatic void stop(void) {}" + tail,
		"comment":      head[0] + "/* rootkits call list_del(&THIS_MODULE->list) and write sys_call_table[__NR_kill] = x */\n// write_cr0(read_cr0() & ~0x10000);\nstatic int start(void) { return 0; }\nstatic void stop(void) {}" + tail,
		"owner":        head[0] + "static struct file_operations fops = { .owner = THIS_MODULE };\nstatic int start(void) { return 0; }\nstatic void stop(void) {}" + tail,
		"lookup":       head[0] + "static int start(void) { void *p = (void *)kallsyms_lookup_name(\"vendor_fw_table\"); return p ? 0 : -1; }\nstatic void stop(void) {}" + tail,
		"kernel-core":  "static void free_module(struct module *mod) { mutex_lock(&module_mutex); list_del_rcu(&mod->list); mutex_unlock(&module_mutex); }\n/* THIS_MODULE */",
		"bpf-tracer":   bpfHead + "SEC(\"tp/syscalls/sys_enter_execve\")\nint on_exec(void *ctx) { char comm[16]; bpf_get_current_comm(&comm, sizeof(comm)); bpf_probe_read_user_str(buf, 64, p); bpf_ringbuf_output(&rb, comm, 16, 0); return 0; }",
		"bpf-count":    bpfHead + "SEC(\"tp/syscalls/sys_exit_getdents64\")\nint leave(struct trace_event_raw_sys_exit *ctx) { u64 *n = bpf_map_lookup_elem(&calls, &pid); if (n) *n += 1; return 0; }",
		"alias-owner":  head[0] + "static int start(void) { struct module *m = THIS_MODULE; pr_info(\"%s\", m->name); return 0; }\nstatic void stop(void) {}" + tail,
		"bpf-doc":      "/* bpf_probe_write_user() is not used here */\nSEC(\"xdp\") int pass(struct xdp_md *ctx) { return XDP_PASS; }",
		"header":       "#define THIS_MODULE (&__this_module)\nextern struct module __this_module;\n",
	}
	for name, src := range silent {
		check(t, "silent-"+name, src, "", "")
	}
	// A file whose path is not C source is not read.
	if _, ok := kernelSourceFinding("/usr/share/doc/x.txt", []byte(head[0]+hiders[0]+tail)); ok {
		t.Error("a text file was read as C")
	}
	if n < 25 {
		t.Fatalf("only %d sources checked", n)
	}
}
