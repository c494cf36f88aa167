package binary

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// FuzzContent feeds the analyzer ELF files as an image may hold them: cut short, with headers,
// section tables and symbol tables that lie. It must not panic, whatever the bytes. The seeds are
// small programs and libraries of our own, built here when gcc is installed (a preload hider, a
// PAM module, a static reverse shell, a relocatable object as kernel modules are).
func FuzzContent(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x3e\x00\x01\x00\x00\x00" + string(make([]byte, 64))))
	if _, err := exec.LookPath("gcc"); err == nil {
		dir := f.TempDir()
		for i, s := range []struct {
			src  string
			args []string
		}{
			{cHider, []string{"-shared", "-fPIC", "-O0"}},
			{pamMaster, []string{"-shared", "-fPIC", "-O2", "-s"}},
			{cStaticShell, []string{"-O2", "-s"}},
			{cHider, []string{"-c", "-O2"}},
		} {
			src, out := filepath.Join(dir, "x.c"), filepath.Join(dir, "out")
			if err := os.WriteFile(src, []byte(s.src), 0o644); err != nil {
				f.Fatal(err)
			}
			if b, err := exec.Command("gcc", append(s.args, "-o", out, src)...).CombinedOutput(); err != nil {
				f.Logf("seed %d not built: %v\n%s", i, err, b)
				continue
			}
			if data, err := os.ReadFile(out); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []string{"/usr/lib/libx.so", "/lib/x86_64-linux-gnu/security/pam_x.so", "/usr/bin/x", "/lib/modules/6.1.0/extra/x.ko"} {
			content(p, data)
		}
	})
}
