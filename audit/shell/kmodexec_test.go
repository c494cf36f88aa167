package shell

import (
	"fmt"
	"testing"
)

// TestKernelShellSource: kernel module sources that run what is written to a file or device
// they create (a proc or debugfs file, a misc device, a sysfs attribute) through
// call_usermodehelper with a shell's -c or argv_split are STRATA-ES-002, critical, whatever the
// interface, the copy from user space, the shell and the helper's spelling. Modules that parse
// what is written, run a fixed helper, or run a shell with no way in stay silent.
func TestKernelShellSource(t *testing.T) {
	head := "#include <linux/module.h>\n#include <linux/kernel.h>\n#include <linux/umh.h>\n#include <linux/uaccess.h>\nMODULE_LICENSE(\"GPL\");\n"
	tail := "\nmodule_init(up);\nmodule_exit(down);\n"
	// how the command gets in: a write handler filling kbuf, and the interface it hangs on
	ins := []struct{ handler, iface string }{
		{"static ssize_t w(struct file *f, const char __user *u, size_t n, loff_t *o) {\n\tchar *kbuf = kzalloc(n + 1, GFP_KERNEL);\n\tif (copy_from_user(kbuf, u, n)) return -EFAULT;\n\trun(kbuf);\n\treturn n;\n}\nstatic const struct proc_ops ops = { .proc_write = w };\n",
			"static int up(void) { proc_create(\"sysinfo\", 0666, NULL, &ops); return 0; }\nstatic void down(void) { remove_proc_entry(\"sysinfo\", NULL); }"},
		{"static ssize_t w(struct file *f, const char __user *u, size_t n, loff_t *o) {\n\tchar kbuf[256] = {0};\n\tssize_t r = simple_write_to_buffer(kbuf, sizeof(kbuf) - 1, o, u, n);\n\tif (r > 0) run(kbuf);\n\treturn r;\n}\nstatic const struct file_operations fops = { .owner = THIS_MODULE, .write = w };\n",
			"static struct dentry *d;\nstatic int up(void) { d = debugfs_create_file(\"trace_ctl\", S_IWUGO, NULL, NULL, &fops); return 0; }\nstatic void down(void) { debugfs_remove(d); }"},
		{"static ssize_t w(struct file *f, const char __user *u, size_t n, loff_t *o) {\n\tchar *kbuf = memdup_user_nul(u, n);\n\tif (IS_ERR(kbuf)) return PTR_ERR(kbuf);\n\trun(kbuf);\n\tkfree(kbuf);\n\treturn n;\n}\nstatic const struct file_operations fops = { .write = w };\nstatic struct miscdevice dev = { .minor = MISC_DYNAMIC_MINOR, .name = \"vmci0\", .fops = &fops, .mode = 0666 };\n",
			"static int up(void) { return misc_register(&dev); }\nstatic void down(void) { misc_deregister(&dev); }"},
		{"static ssize_t cmd_store(struct kobject *k, struct kobj_attribute *a, const char *buf, size_t n) {\n\trun((char *)buf);\n\treturn n;\n}\nstatic struct kobj_attribute attr = __ATTR(cmd, 0220, NULL, cmd_store);\nstatic struct kobject *ko;\n",
			"static int up(void) { ko = kobject_create_and_add(\"fw_helper\", kernel_kobj); return sysfs_create_file(ko, &attr.attr); }\nstatic void down(void) { kobject_put(ko); }"},
		{"static int major;\nstatic ssize_t w(struct file *f, const char __user *u, size_t n, loff_t *o) {\n\tstatic char kbuf[512];\n\tlong left = __copy_from_user(kbuf, u, min(n, sizeof(kbuf) - 1));\n\tif (!left) run(kbuf);\n\treturn n;\n}\nstatic struct file_operations fops = { .write = w };\n",
			"static int up(void) { major = register_chrdev(0, \"nvme-fabrics2\", &fops); return 0; }\nstatic void down(void) { unregister_chrdev(major, \"nvme-fabrics2\"); }"},
	}
	// how it is run: a shell's -c through the helper's spellings, or argv_split
	runs := []string{
		"static void run(char *c) {\n\tchar *argv[] = { \"/bin/sh\", \"-c\", c, NULL };\n\tstatic char *envp[] = { \"HOME=/\", \"PATH=/sbin:/bin:/usr/sbin:/usr/bin\", NULL };\n\tcall_usermodehelper(argv[0], argv, envp, UMH_WAIT_EXEC);\n}\n",
		"static char *sh = \"/bin/bash\";\nstatic void run(char *c) {\n\tchar *argv[4];\n\targv[0] = sh; argv[1] = \"-c\"; argv[2] = c; argv[3] = NULL;\n\tcall_usermodehelper(sh, argv, NULL, UMH_NO_WAIT);\n}\n",
		"static void run(char *c) {\n\tstruct subprocess_info *i;\n\tchar *argv[] = { \"/bin/busybox\", \"sh\", \"-c\", c, NULL };\n\ti = call_usermodehelper_setup(argv[0], argv, NULL, GFP_KERNEL, NULL, NULL, NULL);\n\tif (i) call_usermodehelper_exec(i, UMH_WAIT_PROC);\n}\n",
		"static void run(char *c) {\n\tint argc;\n\tchar **argv = argv_split(GFP_KERNEL, strim(c), &argc);\n\tif (!argv) return;\n\tcall_usermodehelper(argv[0], argv, NULL, UMH_WAIT_EXEC);\n\targv_free(argv);\n}\n",
	}
	n := 0
	for i, in := range ins {
		for j, r := range runs {
			n++
			src := head + r + in.handler + in.iface + tail
			f, ok := kernelSourceFinding(fmt.Sprintf("/root/.cache/k/m%d%d.c", i, j), []byte(src))
			if !ok || f.Rule != RuleKernelShell || f.Severity.String() != "critical" || !f.Is("malware") {
				t.Errorf("variant %d/%d: got %v %s %s\n%s", i, j, ok, f.Rule, f.Severity, src)
			}
		}
	}
	silent := map[string]string{
		"parses-number": head + "static int level;\nstatic ssize_t w(struct file *f, const char __user *u, size_t n, loff_t *o) {\n\tif (kstrtoint_from_user(u, n, 10, &level)) return -EINVAL;\n\treturn n;\n}\nstatic const struct proc_ops ops = { .proc_write = w };\nstatic int up(void) { proc_create(\"level\", 0644, NULL, &ops); return 0; }\nstatic void down(void) {}" + tail,
		"fixed-helper":  head + "static ssize_t w(struct file *f, const char __user *u, size_t n, loff_t *o) {\n\tchar name[32];\n\tif (copy_from_user(name, u, min(n, sizeof(name) - 1))) return -EFAULT;\n\tchar *argv[] = { \"/sbin/modprobe\", \"-q\", \"--\", \"fs-overlay\", NULL };\n\tcall_usermodehelper(argv[0], argv, NULL, UMH_WAIT_PROC);\n\treturn n;\n}\nstatic const struct proc_ops ops = { .proc_write = w };\nstatic int up(void) { proc_create(\"load\", 0600, NULL, &ops); return 0; }\nstatic void down(void) {}" + tail,
		"no-way-in":     head + "static int up(void) {\n\tchar *argv[] = { \"/bin/sh\", \"-c\", \"/sbin/udevadm trigger\", NULL };\n\treturn call_usermodehelper(argv[0], argv, NULL, UMH_WAIT_PROC);\n}\nstatic void down(void) {}" + tail,
		"comment":       head + "/* a bad module would call_usermodehelper(\"/bin/sh\", \"-c\", buf) on copy_from_user data from proc_create */\nstatic int up(void) { return 0; }\nstatic void down(void) {}" + tail,
		"not-a-module":  "/* the kernel's own helper */\nint call_usermodehelper(const char *path, char **argv, char **envp, int wait) { struct subprocess_info *info; info = call_usermodehelper_setup(path, argv, envp, GFP_KERNEL, NULL, NULL, NULL); return call_usermodehelper_exec(info, wait); }\nstatic int x(void) { proc_create(\"a\", 0, 0, 0); copy_from_user(a, b, 1); argv_split(GFP_KERNEL, s, &n); return 0; }\n",
	}
	for name, src := range silent {
		if f, ok := kernelSourceFinding("/usr/src/x/"+name+".c", []byte(src)); ok {
			t.Errorf("silent %s: %s %s", name, f.Rule, f.Title)
		}
	}
	fmt.Printf("harness: kernel-shell %d variants, %d silent shapes\n", n, len(silent))
}
