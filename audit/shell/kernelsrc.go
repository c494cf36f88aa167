package shell

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/strata-forensics/strata/audit"
)

// The kernel rootkit rules: the binary analyzer reports the built module or eBPF object, this
// reading the source an intruder kept in the image to build it on the host (a container shares
// its host's kernel: a privileged one loads what it carries there).
const (
	RuleKernelSource = "STRATA-RK-001" // a kernel module that hides itself or hooks the kernel
	RuleBPFSource    = "STRATA-RK-002" // an eBPF program that writes into processes' memory
)

// kernelWords are what kernel rootkit source cannot do without; a C file holding none is not
// read further.
var kernelWords = [][]byte{[]byte("THIS_MODULE"), []byte("__this_module"), []byte("sys_call_table"), []byte("kallsyms_lookup_name"),
	[]byte("ftrace_set_filter"), []byte("bpf_probe_write_user"), []byte("bpf_override_return"), []byte("sys_exit_getdents"),
	[]byte("call_usermodehelper")}

var (
	// a module taking itself off the kernel's module list or out of sysfs
	moduleUnlink = regexp.MustCompile(`\b(?:list_del|list_del_init|list_del_rcu|__list_del_entry|kobject_del|kobject_put)\s*\(\s*&?\s*\(?\s*(?:THIS_MODULE\s*->|__this_module\s*\.)\s*(?:list|mkobj)`)
	// the system call table written, or the write protection that guards it turned off
	tableWrite = regexp.MustCompile(`\bsys_call_table\s*\[[^\]]*\]\s*=[^=]|\bwrite_cr0\s*\(|\bX86_CR0_WP\b|mov\s*%0\s*,\s*%%cr0|\bset_memory_rw\s*\(|\bupdate_mapping_prot\s*\(`)
	// a module's source
	moduleSource = regexp.MustCompile(`\bmodule_init\s*\(|\bMODULE_LICENSE\s*\(|#\s*include\s*<linux/module\.h>`)
	// eBPF program sections attached to system calls or the listing functions
	bpfHookSection = regexp.MustCompile(`\bSEC\s*\(\s*"([^"]*(?:sys_enter|sys_exit|syscalls/|__x64_sys_|__arm64_sys_|getdents|filldir|execve|tcp4_seq_show)[^"]*)"`)
	bpfSection     = regexp.MustCompile(`\bSEC\s*\(\s*"[^"]+"\s*\)`)
	bpfWriters     = regexp.MustCompile(`\b(bpf_probe_write_user|bpf_override_return)\s*\(`)
	// a variable given the module's own structure (struct module *mod = THIS_MODULE)
	moduleAlias  = regexp.MustCompile(`(\w+)\s*=\s*(?:THIS_MODULE|&\s*__this_module)\b`)
	getdentsExit = regexp.MustCompile(`\bSEC\s*\(\s*"[^"]*sys_exit_getdents[^"]*"`)
	// kallsyms_lookup_name called, or named for a kprobe that hands its address back
	symbolResolver = regexp.MustCompile(`kallsyms_lookup_name\s*\(|"kallsyms_lookup_name"`)
)

// kernelSourceFinding also runs the source readings kept beside it: eBPF password sniffers
// and keyloggers (bpfSpyFinding, any eBPF carrier), assembly shells (asmShellFinding), Go and
// Rust backdoors (srcBackdoorFinding) and kernel modules running what is written to them
// (kernelShellFinding).
//
// kernelSourceFinding reports the C source of a kernel module that hides itself from the module
// list, writes the system call table, or resolves unexported symbols to hook what rootkits hook
// (STRATA-RK-001, critical); and of an eBPF program that writes into processes' memory or
// overrides kernel functions' results (STRATA-RK-002, high; critical when it hooks system
// calls).
func kernelSourceFinding(p string, data []byte) (audit.Finding, bool) {
	switch ext := path.Ext(p); ext {
	case ".asm", ".s", ".S", ".nasm", ".yasm":
		return asmShellFinding(p, data)
	case ".go", ".rs":
		if f, ok := srcBackdoorFinding(p, data); ok {
			return f, true
		}
		return bpfSpyFinding(p, data)
	case ".py", ".bt", ".sh", ".bash", "":
		return bpfSpyFinding(p, data)
	case ".c", ".h":
		if f, ok := bpfSpyFinding(p, data); ok {
			return f, true
		}
	default:
		return audit.Finding{}, false
	}
	hit := false
	for _, w := range kernelWords {
		if bytes.Contains(data, w) {
			hit = true
			break
		}
	}
	if !hit {
		return audit.Finding{}, false
	}
	code := stripCComments(data)
	if bpfSection.Match(code) && getdentsExit.Match(code) && bytes.Contains(code, []byte("args[1]")) && !bpfWriters.Match(code) {
		// the dirent buffer's address kept at getdents64's entry and the results met at its
		// exit: what a hider needs to patch entries out (its write may live in a helper file)
		f := audit.Finding{Rule: RuleBPFSource, Category: audit.CategoryMalware, Severity: audit.High,
			Title:       "eBPF program source that hooks getdents64's entry and exit and keeps the directory buffer's address: the shape of an eBPF rootkit hiding files or processes",
			Evidence:    "hooks " + oneLine(string(getdentsExit.Find(code)), 80) + " with the buffer from the call's arguments (args[1])",
			Remediation: remediation(audit.CategoryMalware)}
		f.AddTechniques("T1014", "T1564")
		return f, true
	}
	if m := bpfWriters.FindSubmatch(code); m != nil && bpfSection.Match(code) {
		f := audit.Finding{Rule: RuleBPFSource, Category: audit.CategoryMalware, Severity: audit.High,
			Title:       "eBPF program source that writes into processes' memory or overrides kernel functions' results: an eBPF rootkit's",
			Evidence:    "calls " + string(m[1]),
			Remediation: remediation(audit.CategoryMalware)}
		if h := bpfHookSection.FindSubmatch(code); h != nil {
			f.Severity = audit.Critical
			f.Title = "eBPF program source hooking system calls that writes into processes' memory or overrides kernel functions' results: an eBPF rootkit's; loaded from a container it runs in the host's kernel"
			f.Evidence += "; hooks " + oneLine(string(h[1]), 80)
		}
		f.AddTechniques("T1014")
		return f, true
	}
	if !moduleSource.Match(code) {
		return audit.Finding{}, false
	}
	var why []string
	if m := moduleUnlinked(code); m != "" {
		why = append(why, "takes itself off the module list ("+oneLine(m, 80)+")")
	}
	if bytes.Contains(code, []byte("sys_call_table")) {
		if m := tableWrite.Find(code); m != nil {
			why = append(why, "writes the system call table ("+oneLine(string(m), 60)+")")
		}
	}
	resolves := symbolResolver.Match(code)
	hooks := bytes.Contains(code, []byte("ftrace_set_filter")) || bytes.Contains(code, []byte("sys_call_table"))
	if resolves && hooks {
		if t := kernelTarget(code); t != "" {
			why = append(why, "resolves unexported kernel symbols and hooks "+t)
		}
	}
	if len(why) == 0 {
		return kernelShellFinding(code)
	}
	f := audit.Finding{Rule: RuleKernelSource, Category: audit.CategoryMalware, Severity: audit.Critical,
		Title:       "Kernel module source of a rootkit: it " + strings.Join(why, "; ") + "; loaded from a container it runs in the host's kernel",
		Evidence:    fmt.Sprintf("%d bytes of C; %s", len(data), strings.Join(why, "; ")),
		Remediation: remediation(audit.CategoryMalware)}
	f.AddTechniques("T1014", "T1547.006")
	return f, true
}

// moduleUnlinked returns the call that takes the module off the kernel's module list or out of
// sysfs, directly or through a variable holding THIS_MODULE; "" for none.
func moduleUnlinked(code []byte) string {
	if m := moduleUnlink.Find(code); m != nil {
		return string(m)
	}
	for _, a := range moduleAlias.FindAllSubmatch(code, 8) {
		v := regexp.QuoteMeta(string(a[1]))
		re, err := regexp.Compile(`\b(?:list_del|list_del_init|list_del_rcu|__list_del_entry|kobject_del|kobject_put)\s*\(\s*&?\s*\(?\s*` + v + `\s*->\s*(?:list|mkobj)`)
		if err != nil {
			continue
		}
		if m := re.Find(code); m != nil {
			return string(a[0]) + "; " + string(m)
		}
	}
	return ""
}

// kernelTarget returns the first function rootkits hook that code names as a string, "" for
// none: the system calls that list, signal and open, and the /proc/net listings.
func kernelTarget(code []byte) string {
	for _, t := range []string{"sys_getdents", "sys_kill", "sys_execve", "sys_openat", "sys_read", "sys_call_table", "tcp4_seq_show",
		"tcp6_seq_show", "udp4_seq_show", "filldir", "iterate_dir", "proc_root_readdir", "packet_rcv", "inet_ioctl"} {
		if bytes.Contains(code, []byte(t)) {
			return t
		}
	}
	return ""
}

// stripCComments returns C code with its comments blanked (strings and character constants
// kept), so that a comment describing a technique is not read as doing it.
func stripCComments(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			end := bytes.Index(data[i+2:], []byte("*/"))
			if end < 0 {
				return out
			}
			i += end + 3
			out = append(out, ' ')
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(data) && data[j] != c && data[j] != '\n' {
				if data[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j, len(data)-1)
			out = append(out, data[i:j+1]...)
			i = j
		default:
			out = append(out, c)
		}
	}
	return out
}
