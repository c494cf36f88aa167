package binary

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/strata-forensics/strata/audit"
)

// Rule ids of the kernel readings.
const (
	RuleKernelModule = "STRATA-RK-001" // a kernel module that hooks system calls or kernel functions
	RuleBPFRootkit   = "STRATA-RK-002" // an eBPF program that writes into processes' memory
	RuleKernelShell  = "STRATA-ES-002" // a kernel module running what is written to it as root
)

// maxModule bounds the kernel objects read: modules are tens to hundreds of kilobytes, the
// biggest drivers a few megabytes.
const maxModule = 16 << 20

// A container shares its host's kernel: a module or an eBPF program an image carries is loaded
// into the host's (by a privileged container or whoever copies it out), where it sees and
// changes everything. Legitimate modules use the kernel's exported interfaces; a rootkit reaches
// what is not exported and puts its own code in front of the kernel's.
var (
	// symbol resolvers: the way to reach what the kernel does not export (kallsyms_lookup_name
	// has not been exported since 5.7; a kprobe on it gives its address back)
	kmodResolvers = []string{"kallsyms_lookup_name", "kallsyms_on_each_symbol"}
	// function hooking by ftrace or by patching code
	kmodHookers = []string{"register_ftrace_function", "ftrace_set_filter_ip", "ftrace_set_filter", "text_poke", "register_kretprobe"}
	// what rootkits hook or patch, named in their strings: the system call table and the
	// functions that list files, processes, connections and modules
	kmodTargets = []string{"sys_call_table", "ia32_sys_call_table", "__x64_sys_getdents", "__x64_sys_getdents64", "sys_getdents",
		"__x64_sys_kill", "__x64_sys_execve", "__x64_sys_openat", "__x64_sys_read", "tcp4_seq_show", "tcp6_seq_show", "udp4_seq_show",
		"filldir", "filldir64", "proc_root_readdir", "iterate_dir", "vfs_readdir", "packet_rcv", "tpacket_rcv", "inet_ioctl"}
)

// kernelModule reports a loadable kernel module (an ELF relocatable object with .modinfo or the
// module structure's section) that resolves unexported kernel symbols or hooks kernel
// functions and names what rootkits hook: the system call table, getdents, kill, the
// /proc/net listings. Critical, labelled malware: T1014, T1547.006.
func kernelModule(data []byte) (audit.Finding, bool) {
	if len(data) > maxModule || len(data) < 64 || data[4] != byte(elf.ELFCLASS64) && data[4] != byte(elf.ELFCLASS32) {
		return audit.Finding{}, false
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil || ef.Type != elf.ET_REL {
		return audit.Finding{}, false
	}
	defer ef.Close()
	if ef.Section(".modinfo") == nil && ef.Section(".gnu.linkonce.this_module") == nil {
		return audit.Finding{}, false
	}
	syms, _ := ef.Symbols()
	var undef []string
	for _, s := range syms {
		if s.Section == elf.SHN_UNDEF && s.Name != "" {
			undef = append(undef, s.Name)
		}
	}
	var strs []byte
	for _, s := range ef.Sections {
		if s.Type == elf.SHT_PROGBITS && s.Flags&elf.SHF_EXECINSTR == 0 && s.Size <= maxModule &&
			(strings.HasPrefix(s.Name, ".rodata") || s.Name == ".data" || s.Name == ".modinfo") {
			if b, err := s.Data(); err == nil {
				strs = append(strs, b...)
				strs = append(strs, 0)
			}
		}
	}
	named := func(ws []string) []string {
		var out []string
		for _, w := range ws {
			if slices.Contains(undef, w) || nulString(strs, w) || bytes.Contains(strs, []byte("\x00"+w)) || bytes.HasPrefix(strs, []byte(w)) {
				out = append(out, w)
			}
		}
		return out
	}
	resolvers, hookers, targets := named(kmodResolvers), named(kmodHookers), named(kmodTargets)
	kprobeResolve := slices.Contains(undef, "register_kprobe") && bytes.Contains(strs, []byte("kallsyms_lookup_name"))
	if kprobeResolve && !slices.Contains(resolvers, "kallsyms_lookup_name") {
		resolvers = append(resolvers, "kallsyms_lookup_name")
	}
	if len(targets) == 0 || len(resolvers) == 0 && len(hookers) == 0 {
		return kernelShell(ef, undef, strs)
	}
	how := "resolves unexported kernel symbols (" + strings.Join(resolvers, ", ") + ")"
	if len(resolvers) == 0 {
		how = "hooks kernel functions (" + strings.Join(hookers, ", ") + ")"
	} else if len(hookers) > 0 {
		how += " and hooks kernel functions (" + strings.Join(hookers, ", ") + ")"
	}
	if kprobeResolve {
		how += ", finding kallsyms_lookup_name through a kprobe"
	}
	name := modinfo(ef, "name")
	ev := fmt.Sprintf("kernel module%s; %s; names %s", name, how, strings.Join(targets, ", "))
	f := audit.Finding{Rule: RuleKernelModule, Category: audit.CategoryMalware, Severity: audit.Critical,
		Title:       "Kernel module that reaches unexported kernel symbols or hooks kernel functions and names what rootkits hook (the system call table, directory listing, /proc/net): a kernel rootkit; loaded from a container it runs in the host's kernel",
		Evidence:    ev,
		Remediation: remediation}
	f.AddTechniques("T1014", "T1547.006")
	return f, true
}

// What a module that runs the commands written to it imports: the kernel's user-mode helper,
// a copy from user space, and a file or device to write to.
var (
	kmodUMH    = []string{"call_usermodehelper", "call_usermodehelper_setup", "call_usermodehelper_exec"}
	kmodUserIn = []string{"_copy_from_user", "copy_from_user", "__copy_from_user", "simple_write_to_buffer", "memdup_user", "memdup_user_nul",
		"strndup_user", "strncpy_from_user", "_copy_from_iter", "copy_from_iter"}
	kmodIface = []string{"proc_create", "proc_create_data", "proc_create_single_data", "debugfs_create_file", "debugfs_create_file_unsafe",
		"misc_register", "__register_chrdev", "register_chrdev_region", "alloc_chrdev_region", "cdev_add", "sysfs_create_file_ns",
		"sysfs_create_group", "device_create_file"}
	kmodShells = []string{"/bin/sh", "/bin/bash", "/bin/dash", "/bin/busybox", "/usr/bin/sh", "/usr/bin/bash"}
)

// kernelShell reports a kernel module that creates a file or device user space writes to,
// copies what is written and starts a user-mode process with a shell's -c (the shell and "-c"
// among its strings) or the line split into argv (argv_split): whatever writes the file runs
// commands as root on the host. Critical, escape, labelled malware.
func kernelShell(ef *elf.File, undef []string, strs []byte) (audit.Finding, bool) {
	if !hasAny(undef, kmodUMH) || !hasAny(undef, kmodUserIn) || !hasAny(undef, kmodIface) {
		return audit.Finding{}, false
	}
	how := ""
	for _, sh := range kmodShells {
		if (nulString(strs, sh) || bytes.HasPrefix(strs, []byte(sh+"\x00"))) && (nulString(strs, "-c") || bytes.Contains(strs, []byte(" -c\x00"))) {
			how = "a shell's -c (" + sh + " -c)"
			break
		}
	}
	if how == "" && slices.Contains(undef, "argv_split") {
		how = "the line split into a program's arguments (argv_split)"
	}
	if how == "" {
		return audit.Finding{}, false
	}
	pick := func(set []string) string {
		for _, u := range undef {
			if slices.Contains(set, u) {
				return u
			}
		}
		return ""
	}
	f := audit.Finding{Rule: RuleKernelShell, Category: audit.CategoryEscape, Severity: audit.Critical,
		Labels:      []audit.Category{audit.CategoryMalware},
		Title:       "Kernel module that runs the commands written to a file or device it creates as root on the host (call_usermodehelper): loaded from a container, it is a host shell",
		Evidence:    fmt.Sprintf("kernel module%s; creates %s, copies what is written (%s) and starts it with %s through %s", modinfo(ef, "name"), pick(kmodIface), pick(kmodUserIn), pick(kmodUMH), how),
		Remediation: remediation}
	f.AddTechniques("T1611", "T1547.006", "T1059.004")
	return f, true
}

// modinfo returns " NAME" from a module's .modinfo key=value list, "" when absent.
func modinfo(ef *elf.File, key string) string {
	s := ef.Section(".modinfo")
	if s == nil || s.Size > 1<<20 {
		return ""
	}
	b, err := s.Data()
	if err != nil {
		return ""
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if k, v, ok := bytes.Cut(kv, []byte("=")); ok && string(k) == key && len(v) > 0 && len(v) < 64 {
			return " " + inert(string(v))
		}
	}
	return ""
}

// eBPF helper ids (include/uapi/linux/bpf.h): bpf_probe_write_user writes into the memory of
// the process a hook interrupted (the kernel logs a warning when a program using it loads);
// bpf_override_return makes a kprobed kernel function return what the program says.
const (
	bpfProbeWriteUser = 36
	bpfOverrideReturn = 58
)

// bpfRootkit reports an eBPF object (ELF for the BPF machine) whose programs call
// bpf_probe_write_user or bpf_override_return: what eBPF rootkits use to hide files and
// processes (rewriting getdents64's results), change what sudo or sshd read, or make system
// calls fail. Observability and security tools read; they do not write into processes.
// Critical when its programs hook system calls or the functions that list files, high
// otherwise. T1014.
func bpfRootkit(data []byte) (audit.Finding, bool) {
	if len(data) > maxModule || len(data) < 64 {
		return audit.Finding{}, false
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil || ef.Machine != elf.EM_BPF {
		return audit.Finding{}, false
	}
	defer ef.Close()
	calls := map[int32][]string{}
	var hooks []string
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_EXECINSTR == 0 || s.Size > maxModule {
			continue
		}
		code, err := s.Data()
		if err != nil {
			continue
		}
		for i := 0; i+8 <= len(code); i += 8 {
			// BPF_JMP|BPF_CALL (0x85) with src_reg 0: a helper call, its id in imm
			if code[i] == 0x85 && code[i+1]>>4 == 0 {
				id := int32(binary.LittleEndian.Uint32(code[i+4:]))
				if id == bpfProbeWriteUser || id == bpfOverrideReturn {
					calls[id] = appendOnce(calls[id], s.Name)
				}
			}
		}
		if bpfHookName(s.Name) {
			hooks = appendOnce(hooks, s.Name)
		}
	}
	if len(calls) == 0 {
		return audit.Finding{}, false
	}
	var what []string
	if secs := calls[bpfProbeWriteUser]; secs != nil {
		what = append(what, "bpf_probe_write_user (in "+strings.Join(secs, ", ")+")")
	}
	if secs := calls[bpfOverrideReturn]; secs != nil {
		what = append(what, "bpf_override_return (in "+strings.Join(secs, ", ")+")")
	}
	f := audit.Finding{Rule: RuleBPFRootkit, Category: audit.CategoryMalware, Severity: audit.High,
		Title:       "eBPF program that writes into processes' memory or overrides kernel functions' results: the tool of an eBPF rootkit",
		Evidence:    inert("calls " + strings.Join(what, " and ")),
		Remediation: remediation}
	if len(hooks) > 0 {
		f.Severity = audit.Critical
		f.Title = "eBPF program hooking system calls that writes into processes' memory or overrides kernel functions' results: an eBPF rootkit; loaded from a container it runs in the host's kernel"
		f.Evidence += inert("; hooks " + strings.Join(hooks, ", "))
	}
	f.AddTechniques("T1014")
	return f, true
}

// bpfHookName reports an eBPF program section attached to a system call or to the kernel's
// file and process listing: tracepoints and kprobes of syscalls, fentry/fexit and LSM hooks.
func bpfHookName(name string) bool {
	for _, w := range []string{"sys_enter", "sys_exit", "syscalls/", "__x64_sys_", "__arm64_sys_", "getdents", "filldir", "iterate_dir",
		"execve", "kill", "tcp4_seq_show"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

func appendOnce(ss []string, s string) []string {
	if slices.Contains(ss, s) {
		return ss
	}
	return append(ss, s)
}
