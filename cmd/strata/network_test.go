package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// TestMain lets the test binary stand in for the strata binary: with STRATA_TEST_MAIN set it
// runs one command line and exits, so a test can run strata under strace without building it.
func TestMain(m *testing.M) {
	if os.Getenv("STRATA_TEST_MAIN") == "1" {
		os.Exit(mainCode())
	}
	// Hermetic: whatever the user's shell points Strata at (a data directory, a database) is
	// never read or written; every test names its own.
	for _, v := range []string{"STRATA_DB", "STRATA_DATA", "XDG_DATA_HOME"} {
		os.Unsetenv(v)
	}
	os.Exit(m.Run())
}

// foreignLayerImage writes an OCI layout whose only layer is missing locally and whose
// descriptor names a URL on a loopback listener: containers/image would fetch it over HTTP.
func foreignLayerImage(t *testing.T, url string) string {
	t.Helper()
	b, err := imagebuild.Build(imagebuild.Image{Layers: []imagebuild.Layer{{Files: []imagebuild.File{imagebuild.Reg("etc/x", "x")}, CreatedBy: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	m["layers"].([]any)[0].(map[string]any)["urls"] = []string{url}
	b.Manifest, _ = json.Marshal(m)
	sum := sha256.Sum256(b.Manifest)
	b.ManifestDigest = "sha256:" + hex.EncodeToString(sum[:])
	b.Layers[0].Omit = true
	dir := filepath.Join(t.TempDir(), "layout")
	if err := imagebuild.WriteOCILayout(dir, b); err != nil {
		t.Fatal(err)
	}
	return dir
}

var (
	inetSocket = regexp.MustCompile(`socket\((AF_INET6?|AF_PACKET|AF_NETLINK)`)
	// A unix socket is how glibc's NSS asks nscd who a user is (os/user built with cgo); Strata
	// has no other use for one.
	unixSocket = regexp.MustCompile(`socket\(AF_UNIX|connect\(.*nscd`)
	// A successful call that creates or changes a file (strace -y prints directory fds as
	// N</path>): the dirfd and the path are the first two arguments.
	fileWrite = regexp.MustCompile(`(?m)^(?:openat\((\S+), "([^"]*)", [^)\n]*O_(?:WRONLY|RDWR|CREAT)|(?:mkdirat|unlinkat|renameat2?|linkat|symlinkat|fchmodat|utimensat)\((\S+), "([^"]*)").* = \d+`)
	fdPath    = regexp.MustCompile(`^(?:\d+|AT_FDCWD)<(.*)>,?$`)
)

// readTraces joins the per-thread logs strace -ff wrote into dir.
func readTraces(dir string) ([]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "strace.*"))
	if err != nil {
		return nil, err
	}
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		all = append(all, b...)
	}
	return all, nil
}

// writesOutside lists the paths a trace shows written outside dir.
func writesOutside(trace []byte, dir string) []string {
	var out []string
	for _, m := range fileWrite.FindAllSubmatch(trace, -1) {
		fd, p := string(m[1]), string(m[2])
		if p == "" {
			fd, p = string(m[3]), string(m[4])
		}
		fd = strings.TrimSuffix(fd, ",")
		if !filepath.IsAbs(p) {
			if d := fdPath.FindStringSubmatch(fd); d != nil {
				p = filepath.Join(d[1], p)
			} else {
				wd, _ := os.Getwd()
				p = filepath.Join(wd, p)
			}
		}
		if strings.HasPrefix(p, dir+"/") || p == dir || strings.HasPrefix(p, "/dev/") {
			continue
		}
		out = append(out, p)
	}
	return out
}

// TestNoNetwork runs strata's commands under strace and fails on any internet socket, any unix
// socket (nscd) or any file written outside the data directory, and offers containers/image a
// foreign layer URL on a loopback listener that must never be hit.
func TestNoNetwork(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Fatal("strace is needed to prove Strata opens no network connection (make deps installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	hits := make(chan struct{}, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
			select {
			case hits <- struct{}{}:
			default:
			}
		}
	}()
	foreign := foreignLayerImage(t, "http://"+ln.Addr().String()+"/blob")

	data := t.TempDir()
	runs := [][]string{
		{"inspect", suspect},
		{"inspect", ociOrig},
		{"inspect", docker25},
		{"layers", "--hidden", suspect},
		{"dockerfile", suspect},
		{"cat", suspect, "/docker-entrypoint.sh"},
		{"scan", suspect},
		{"audit", filepath.Dir(suspect)},
		{"diff", original, suspect},
		{"sbom", suspect},
		{"family"},
		{"tags"},
		{"history"},
		{"trace", "--ip", "203.0.113.45"},
		{"report", "--format", "html", suspect},
		{"inspect", "oci:" + foreign},
		{"layers", "oci:" + foreign},
		{"cat", "oci:" + foreign, "/etc/x"},
	}
	for _, args := range runs {
		// -ff: one log per thread, so no call is split into "unfinished" and "resumed" halves
		// with another thread's calls between them.
		logs := t.TempDir()
		log := filepath.Join(logs, "strace")
		cmd := exec.Command(strace, append([]string{"-ff", "-y", "-e", "trace=socket,connect,openat,mkdirat,unlinkat,renameat,renameat2,linkat,symlinkat,fchmodat,utimensat", "-o", log, os.Args[0], "--data-dir", data}, args...)...)
		cmd.Env = append(os.Environ(), "STRATA_TEST_MAIN=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Stdout = &bytes.Buffer{}
		err := cmd.Run()
		// The foreign-layer image has no local copy of its layer: reading it must fail cleanly.
		wantFail := strings.Contains(strings.Join(args, " "), foreign)
		if (err != nil) != wantFail {
			t.Errorf("%v: exit error %v (want failure: %v): %s", args, err, wantFail, stderr.String())
		}
		trace, rerr := readTraces(logs)
		if rerr != nil || len(trace) == 0 {
			t.Fatalf("%v: strace wrote no log (%v, %v): %s", args, err, rerr, stderr.String())
		}
		if strings.Contains(stderr.String(), "PTRACE") || strings.Contains(stderr.String(), "ptrace") {
			t.Fatalf("strace cannot trace here: %s", stderr.String())
		}
		if m := inetSocket.FindAll(trace, -1); len(m) > 0 {
			t.Errorf("%v opened network sockets:\n%s", args, inetSocket.FindAll(trace, -1))
		}
		if m := unixSocket.FindAll(trace, -1); len(m) > 0 {
			t.Errorf("%v opened a unix socket (a user lookup through nscd? build with -tags osusergo, as the Makefile does):\n%s", args, m)
		}
		if w := writesOutside(trace, data); len(w) > 0 {
			t.Errorf("%v wrote outside its data directory %s: %v", args, data, w)
		}
		if !fileWrite.Match(trace) {
			t.Errorf("%v: the trace shows no file written at all, so the write check proves nothing:\n%s", args, trace)
		}
		if !bytes.Contains(trace, []byte("+++ exited with")) {
			t.Errorf("%v: strace did not see the process exit: %s", args, trace)
		}
	}
	select {
	case <-hits:
		t.Error("a connection reached the foreign layer's URL")
	case <-time.After(100 * time.Millisecond):
	}
}

// The write check reads strace -ff lines: a write outside the data directory is reported, a
// read-only open is not, even when the next line writes inside it.
func TestWritesOutside(t *testing.T) {
	trace := []byte(`openat(AT_FDCWD</work>, "/evidence/image.tar", O_RDONLY|O_CLOEXEC) = 5</evidence/image.tar>
openat(AT_FDCWD</work>, "/data/tmp/x", O_RDWR|O_CREAT|O_EXCL, 0600) = 6</data/tmp/x>
openat(AT_FDCWD</work>, "/etc/passwd", O_WRONLY|O_APPEND) = 7</etc/passwd>
mkdirat(3</data>, "cache", 0700) = 0
unlinkat(AT_FDCWD</work>, "/home/x/.cache/y", 0) = 0
openat(AT_FDCWD</work>, "/tmp/failed", O_WRONLY|O_CREAT, 0600) = -1 EACCES (Permission denied)
`)
	got := writesOutside(trace, "/data")
	want := []string{"/etc/passwd", "/home/x/.cache/y"}
	if !slices.Equal(got, want) {
		t.Errorf("writes outside /data: %v, want %v", got, want)
	}
}
