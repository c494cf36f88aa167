package shell

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/strata-forensics/strata/audit"
)

// RuleKernelShell is the source of a kernel module that runs, as root in the host's
// namespaces, the commands written to a file or device it creates: a container that loads it
// (or hands it to the host) gets a host shell.
const RuleKernelShell = "STRATA-ES-002"

var (
	// the kernel starting a user-space process
	kmodUMH = regexp.MustCompile(`\bcall_usermodehelper(?:_exec|_setup)?\s*\(`)
	// bytes taken from user space (a write handler's buffer), or a sysfs store's buffer
	kmodUserIn = regexp.MustCompile(`\b(?:_?_?copy_from_user|simple_write_to_buffer|memdup_user(?:_nul)?|strndup_user|strncpy_from_user|copy_from_iter)\s*\(|\b\w+_store\s*\(\s*struct\s+(?:kobject|device)\b`)
	// an interface user space writes to: a proc, debugfs or sysfs file, a character device
	kmodIface = regexp.MustCompile(`\bproc_create(?:_data|_single_data)?\s*\(|\bdebugfs_create_file\w*\s*\(|\bsysfs_create_(?:file|group)s?\s*\(|\bmisc_register\s*\(|\b(?:__)?register_chrdev\w*\s*\(|\bcdev_add\s*\(|\bdevice_create_file\s*\(`)
	// a shell handed a command line (sh -c), or the written line split into a program's argv
	kmodShell   = regexp.MustCompile(`"(?:/usr)?/bin/(?:ba|da|z|k|a)?sh"|"/bin/busybox"`)
	kmodDashC   = regexp.MustCompile(`"-c"`)
	kmodSplit   = regexp.MustCompile(`\bargv_split\s*\(`)
	kmodAnyMode = regexp.MustCompile(`\b0?0?(?:666|777|662|622|222|766)\b|\bS_IWUGO\b|\bS_IRWXUGO\b|\bS_IWOTH\b`)
)

// kernelShellFinding reports kernel module source (already known to be one) that creates a
// file or device user space writes to, takes what is written (copy_from_user, a sysfs store's
// buffer) and starts a user-space process with call_usermodehelper through a shell's -c or
// the written line split into argv: whatever writes the file runs commands as root on the
// host. Critical, escape, labelled malware.
func kernelShellFinding(code []byte) (audit.Finding, bool) {
	if !kmodUMH.Match(code) || !kmodIface.Match(code) || !kmodUserIn.Match(code) {
		return audit.Finding{}, false
	}
	var how string
	switch {
	case kmodShell.Match(code) && kmodDashC.Match(code):
		how = "a shell's -c (" + string(kmodShell.Find(code)) + " -c)"
	case kmodSplit.Match(code):
		how = "the line split into a program's arguments (argv_split)"
	default:
		return audit.Finding{}, false
	}
	iface := strings.TrimRight(strings.TrimSpace(string(kmodIface.Find(code))), "( ")
	ev := fmt.Sprintf("creates an interface to write to (%s), takes what is written (%s) and starts it with %s through %s",
		iface, strings.TrimRight(strings.TrimSpace(string(kmodUserIn.Find(code))), "( "), strings.TrimRight(string(kmodUMH.Find(code)), "( "), how)
	if m := kmodAnyMode.Find(code); m != nil && bytes.Contains(code, []byte("proc_create")) || m != nil && bytes.Contains(code, []byte("debugfs_create")) {
		ev += "; writable by anyone (" + string(m) + ")"
	}
	f := audit.Finding{Rule: RuleKernelShell, Category: audit.CategoryEscape, Severity: audit.Critical,
		Labels:      []audit.Category{audit.CategoryMalware},
		Title:       "Kernel module source that runs the commands written to a file it creates as root on the host (call_usermodehelper): loaded from a container, it is a host shell",
		Evidence:    ev,
		Remediation: remediation(audit.CategoryEscape)}
	f.AddTechniques("T1611", "T1547.006", "T1059.004")
	return f, true
}
