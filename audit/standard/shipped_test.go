package standard_test

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/standard"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// iotrace is our own tracing interposer: it hooks readdir and calls the real one through
// dlsym, as a profiler's I/O tracer (and a rootkit) does.
const iotrace = `#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
static struct dirent *(*real_readdir)(DIR *);
static unsigned long calls;
struct dirent *readdir(DIR *d) {
	if (!real_readdir) real_readdir = dlsym(RTLD_NEXT, "readdir");
	calls++;
	return real_readdir(d);
}
__attribute__((destructor)) static void report(void) { fprintf(stderr, "iotrace: %lu readdir calls\n", calls); }
`

// TestShippedInterposer: a libc-hooking library a package of the image ships unchanged and
// nothing preloads is a tool's, reported low; the same library modified, or preloaded, is
// high.
func TestShippedInterposer(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "iotrace.c")
	if err := os.WriteFile(src, []byte(iotrace), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "libiotrace.so")
	if b, err := exec.Command("gcc", "-shared", "-fPIC", "-O2", "-o", out, src, "-ldl").CombinedOutput(); err != nil {
		t.Skipf("cannot build the sample: %v\n%s", err, b)
	}
	lib, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	const libPath = "usr/lib/x86_64-linux-gnu/iotrace/libiotrace.so"
	sum := md5.Sum(lib)
	image := func(recorded string, preload bool) imagebuild.Image {
		files := []imagebuild.File{
			imagebuild.Reg("var/lib/dpkg/status", "Package: iotrace\nStatus: install ok installed\nPriority: optional\nSection: devel\n"+
				"Maintainer: Strata Test <test@example.org>\nArchitecture: amd64\nVersion: 2.1-1\nDescription: I/O call tracer\n\n"),
			imagebuild.Reg("var/lib/dpkg/info/iotrace.list", "/usr/lib/x86_64-linux-gnu/iotrace\n/"+libPath+"\n"),
			imagebuild.Reg("var/lib/dpkg/info/iotrace.md5sums", recorded+"  "+libPath+"\n"),
			imagebuild.Reg(libPath, string(lib)).WithMode(0o644),
		}
		if preload {
			files = append(files, imagebuild.Reg("etc/ld.so.preload", "/"+libPath+"\n"))
		}
		return imagebuild.Image{Layers: []imagebuild.Layer{{Files: files, CreatedBy: "/bin/sh -c apt-get install -y iotrace"}}}
	}
	tests := []struct {
		name     string
		recorded string
		preload  bool
		want     audit.Severity
		title    string
	}{
		{"shipped unchanged", hex.EncodeToString(sum[:]), false, audit.Low, "shipped unchanged by package iotrace 2.1-1"},
		{"modified after install", strings.Repeat("0", 32), false, audit.High, "preload rootkit"},
		{"shipped and preloaded", hex.EncodeToString(sum[:]), true, audit.High, "preload rootkit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scanImageWith(t, image(tt.recorded, tt.preload), standard.Options{Packages: true, TempDir: t.TempDir()})
			var hook *audit.Finding
			for i, f := range res.Findings {
				if f.Rule == "STRATA-LP-005" && f.Path == "/"+libPath {
					hook = &res.Findings[i]
				}
			}
			if hook == nil {
				for _, f := range res.Findings {
					t.Logf("%s %s %s: %s", f.Rule, f.Severity, f.Path, f.Title)
				}
				t.Fatal("no STRATA-LP-005 finding on the library")
			}
			if hook.Severity != tt.want || !strings.Contains(hook.Title, tt.title) {
				t.Errorf("got %s %q, want %s with %q", hook.Severity, hook.Title, tt.want, tt.title)
			}
		})
	}
}

// TestShippedKey: a private key a package ships unchanged (a bundled development key) is
// public and reported low; the same path with bytes the package database does not vouch for
// is high.
func TestShippedKey(t *testing.T) {
	const keyPath = "usr/share/perl5/Webkit/resources/dev-server.key"
	key := "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Repeat("TUlJRXBR", 8) + "\n" + strings.Repeat("QmFzZTY0", 8) + "\n-----END RSA PRIVATE KEY-----\n"
	sum := md5.Sum([]byte(key))
	image := func(recorded string) imagebuild.Image {
		return imagebuild.Image{Layers: []imagebuild.Layer{{CreatedBy: "/bin/sh -c apt-get install -y libwebkit-perl", Files: []imagebuild.File{
			imagebuild.Reg("var/lib/dpkg/status", "Package: libwebkit-perl\nStatus: install ok installed\nPriority: optional\nSection: perl\n"+
				"Maintainer: Strata Test <test@example.org>\nArchitecture: all\nVersion: 9.3-1\nDescription: web toolkit\n\n"),
			imagebuild.Reg("var/lib/dpkg/info/libwebkit-perl.list", "/usr/share/perl5/Webkit/resources\n/"+keyPath+"\n"),
			imagebuild.Reg("var/lib/dpkg/info/libwebkit-perl.md5sums", recorded+"  "+keyPath+"\n"),
			imagebuild.Reg(keyPath, key).WithMode(0o644),
		}}}}
	}
	for _, tt := range []struct {
		name     string
		recorded string
		want     audit.Severity
		shipped  bool
	}{
		{"shipped unchanged", hex.EncodeToString(sum[:]), audit.Low, true},
		{"not what the package ships", strings.Repeat("0", 32), audit.High, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := scanImageWith(t, image(tt.recorded), standard.Options{Packages: true, TempDir: t.TempDir()})
			var got *audit.Finding
			for i, f := range res.Findings {
				if f.Rule == "STRATA-SE-010" && f.Path == "/"+keyPath {
					got = &res.Findings[i]
				}
			}
			if got == nil {
				t.Fatal("no STRATA-SE-010 finding on the key")
			}
			if got.Severity != tt.want || strings.Contains(got.Title, "shipped unchanged by package libwebkit-perl 9.3-1") != tt.shipped {
				t.Errorf("got %s %q, want %s (shipped %v)", got.Severity, got.Title, tt.want, tt.shipped)
			}
		})
	}
}
