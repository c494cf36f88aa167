package shell

import (
	"bytes"
	"path"
	"regexp"

	"github.com/strata-forensics/strata/audit"
)

// RuleBPFSpy is an eBPF program's source (C, or C held in a Python, Go or shell loader, or a
// bpftrace script) that reads what people type: the password a PAM or sshd function handles,
// or what a login program reads from its terminal.
const RuleBPFSpy = "STRATA-CT-009"

var (
	// the functions that hold a password in their arguments or results: PAM's token getters
	// and setters, sshd's password check, the terminal's password readers, crypt
	bpfCredTarget = regexp.MustCompile(`\b(pam_get_authtok(?:_noverify|_verify)?|pam_get_item|pam_set_item|pam_authenticate|pam_sm_authenticate|auth_password|sys_auth_passwd|mm_auth_password|getpass|readpassphrase|crypt_r|crypt_rn|crypt_ra|crypt|xcrypt)\b`)
	// a user-space probe, in a section name, a loader's call or a bpftrace probe
	bpfUprobe = regexp.MustCompile(`(?i)\bu(?:ret)?probe|\burprobe|\bUprobe|attach_u(?:ret)?probe|uprobe_multi`)
	// an eBPF program hooking read: a kprobe or fentry on the system call or vfs_read, its
	// tracepoints, the terminal's line discipline
	bpfReadHook = regexp.MustCompile(`(?:kprobe|kretprobe|fentry|fexit|ksyscall|kretsyscall)\s*[/:]\s*(?:__x64_sys_|__arm64_sys_|__ia32_sys_|__se_sys_|__do_sys_|ksys_|vfs_|sys_)?read\b|\bsys_(?:enter|exit)_read\b|"sys_(?:enter|exit)_read"|\bn_tty_read\b|\btty_read\b|\bn_tty_receive_buf\w*|get_syscall_fnname\(\s*["']read["']\s*\)|attach_k(?:ret)?probe\s*\([^)]{0,80}["'](?:(?:__x64_|__arm64_|ksys_|vfs_)?sys_)?read["']|Kprobe\(\s*"(?:__x64_sys_|sys_|ksys_|vfs_)?read"`)
	// bytes read out of the traced process's memory
	bpfUserRead = regexp.MustCompile(`\bbpf_probe_read(?:_user)?(?:_str)?\s*\(|\bBPF_CORE_READ_USER(?:_STR)?(?:_INTO)?\s*\(|\bbpf_core_read_user(?:_str)?\s*\(|\bstr\s*\(\s*(?:\*|arg|args|retval|\$|@)|\bbuf\s*\(\s*(?:arg|args|\$|@)`)
	// a loader's call attaching a user-space probe
	bpfLoaderAttach = regexp.MustCompile(`attach_u(?:ret)?probe|\.U(?:ret)?probe\s*\(|uprobe_opts|attach_uprobe_opts`)
	// PAM's password read out of its handle
	bpfAuthtokRead = regexp.MustCompile(`\b(?:bpf_probe_read(?:_user)?(?:_str)?|BPF_CORE_READ_USER(?:_INTO)?|bpf_core_read_user)\s*\([^;]{0,200}?\b(?:old)?authtok\b`)
	// a login program's name, as its comm is compared with
	bpfLoginComm = regexp.MustCompile(`["'](?:ssh|sshd|sudo|su|passwd|login|scp|sftp|ftp|telnet|mysql|psql|gpg|openssl|kinit|vault)["']`)
	// the program's name read or compared
	bpfComm = regexp.MustCompile(`\bbpf_get_current_comm\b|\bcomm\s*[=!]=|==\s*comm\b|\bstrcmp\s*\(\s*comm\b|\bstrncmp\s*\(\s*comm\b`)
	// the standard input (descriptor 0) singled out
	bpfStdin = regexp.MustCompile(`\bfd\s*[=!]=\s*0\b|\b0\s*==\s*fd\b|\barg0\s*==\s*0\b|args->fd\s*==\s*0\b|\bfd\s*==\s*STDIN_FILENO\b`)
)

// bpfSpyFinding reports the source of an eBPF program that reads passwords or keystrokes
// (STRATA-CT-009, credential-theft, high, labelled malware): a user-space probe on a function
// that holds a password (PAM's pam_get_authtok, sshd's auth_password, getpass, crypt) whose
// program reads the traced process's memory; or a probe on read (the system call, vfs_read, the
// terminal's line discipline) that copies the buffer read and keeps to a login program's
// name (ssh, sudo, su, passwd ...) or to the standard input. Tracers that count or time calls,
// that read file names or that watch a shell's readline stay silent.
func bpfSpyFinding(p string, data []byte) (audit.Finding, bool) {
	ext := path.Ext(p)
	switch ext {
	case ".c", ".h", ".py", ".bt", ".go", ".sh", ".bash":
	case "":
		if !bytes.HasPrefix(data, []byte("#!")) {
			return audit.Finding{}, false
		}
	default:
		return audit.Finding{}, false
	}
	// Each carrier names eBPF its own way: libbpf C its bpf headers, BCC and pyroute2 their
	// BPF class, Go loaders cilium's ebpf package, scripts bpftrace.
	var mark string
	switch ext {
	case ".c", ".h":
		mark = "bpf"
	case ".py":
		mark = "BPF"
	case ".go":
		mark = "ebpf"
	case ".sh", ".bash":
		mark = "bpftrace"
	case "":
		// a script by its #! line: Python (BCC's tools are) or a shell
		mark = "bpftrace"
		if first, _, _ := bytes.Cut(data[:min(len(data), 128)], []byte("\n")); bytes.Contains(first, []byte("python")) {
			mark = "BPF"
		}
	}
	// The mark is looked for where includes and imports are: the file's first 16 KB.
	if len(data) > 1<<20 || mark != "" && !bytes.Contains(data[:min(len(data), 16<<10)], []byte(mark)) {
		return audit.Finding{}, false
	}
	code := data
	if ext == ".c" || ext == ".h" || ext == ".go" {
		code = stripCComments(data)
	}
	if why, ok := bpfCredHook(code); ok {
		return spyFinding("eBPF program source that reads the passwords people type: ", why, "T1056", "T1556"), true
	}
	if why, ok := bpfKeylog(code); ok {
		return spyFinding("eBPF keylogger source: ", why, "T1056.001"), true
	}
	return audit.Finding{}, false
}

// bpfCredHook says which password function a user-space probe of code is attached to, when
// its program reads the traced process's memory (or code is a loader attaching it).
func bpfCredHook(code []byte) (string, bool) {
	if !containsAny(code, "uprobe", "uretprobe", "Uprobe", "Uretprobe", "UPROBE", "URETPROBE") ||
		!containsAny(code, "pam_", "authtok", "auth_passw", "getpass", "readpassphrase", "crypt") {
		return "", false
	}
	reads := bpfUserRead.Match(code)
	for _, m := range bpfCredTarget.FindAllIndex(code, 64) {
		// the probe named on the same statement, before the function (SEC("uretprobe/f"),
		// attach_uretprobe(name=..., sym="f"), uprobe:/lib/libpam.so.0:f, ex.Uretprobe("f", ...))
		lo := max(0, m[0]-160)
		before := code[lo:m[0]]
		if i := bytes.LastIndexAny(before, ";{}"); i >= 0 {
			before = before[i+1:]
		}
		if !bpfUprobe.Match(before) {
			continue
		}
		// a program that reads the process's memory, or a loader attaching one kept elsewhere
		// (BCC's attach_uretprobe, Go's link.Uretprobe)
		if !reads && !bpfLoaderAttach.Match(before) {
			continue
		}
		name := string(code[m[0]:m[1]])
		if (name == "pam_get_item" || name == "pam_authenticate" || name == "pam_sm_authenticate" || name == "pam_set_item") &&
			!bytes.Contains(code, []byte("authtok")) && !bytes.Contains(code, []byte("AUTHTOK")) {
			continue // the call watched, not its password
		}
		return "a user-space probe on " + name + " that reads the process's memory (" + oneLine(string(bytes.TrimSpace(before))+name, 100) + ")", true
	}
	if reads {
		if m := bpfAuthtokRead.Find(code); m != nil {
			return "a user-space probe whose program reads PAM's password field (" + oneLine(string(m), 80) + ")", true
		}
	}
	return "", false
}

// bpfKeylog says how code's probe on read copies what a login program or the standard input
// reads.
func bpfKeylog(code []byte) (string, bool) {
	// the words each of the expressions below needs
	if !containsAny(code, "/read", ":read", "sys_read", "vfs_read", "enter_read", "exit_read", "tty_re", `read"`, "read'") ||
		!containsAny(code, "comm", "fd") || !containsAny(code, "probe_read", "READ_USER", "read_user", "str(", "buf(") {
		return "", false
	}
	hook := bpfReadHook.Find(code)
	if hook == nil || !bpfUserRead.Match(code) {
		return "", false
	}
	var filter string
	if bpfComm.Match(code) {
		if m := bpfLoginComm.Find(code); m != nil {
			filter = "the program's name compared with " + string(m)
		}
	}
	if filter == "" {
		if m := bpfStdin.Find(code); m != nil {
			filter = "the standard input singled out (" + string(m) + ")"
		}
	}
	if filter == "" {
		return "", false
	}
	return "it hooks read (" + oneLine(string(hook), 60) + "), copies the buffer read out of the process and keeps to " + filter, true
}

// containsAny reports whether b holds one of the words.
func containsAny(b []byte, words ...string) bool {
	for _, w := range words {
		if bytes.Contains(b, []byte(w)) {
			return true
		}
	}
	return false
}

// spyFinding is STRATA-CT-009's finding: the title's lead, why, and its techniques.
func spyFinding(lead, why string, techniques ...string) audit.Finding {
	f := audit.Finding{Rule: RuleBPFSpy, Category: audit.CategoryCredentialTheft, Severity: audit.High,
		Labels:      []audit.Category{audit.CategoryMalware},
		Title:       lead + why,
		Evidence:    why,
		Remediation: remediation(audit.CategoryCredentialTheft)}
	f.AddTechniques(techniques...)
	return f
}
