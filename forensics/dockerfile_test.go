package forensics

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// -update rewrites the golden files instead of comparing with them. The flag is registered here
// only when no other test file of the package has registered it first.
var dockerfileUpdate bool

func init() {
	if flag.Lookup("update") == nil {
		flag.BoolVar(&dockerfileUpdate, "update", false, "rewrite golden files")
	}
}

// updateGoldens reports whether -update was given, whichever test file registered it.
func updateGoldens() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func TestParseCreatedBy(t *testing.T) {
	tests := []struct {
		name      string
		createdBy string
		keyword   string
		args      string
		buildKit  bool
		buildArgs []string
	}{
		// Classic builder: metadata after "#(nop)".
		{"classic CMD", `/bin/sh -c #(nop)  CMD ["bash"]`, "CMD", `["bash"]`, false, nil},
		{"classic CMD sh -c", `/bin/sh -c #(nop)  CMD ["/bin/sh" "-c" "exec nginx -g 'daemon off;'"]`,
			"CMD", `["/bin/sh", "-c", "exec nginx -g 'daemon off;'"]`, false, nil},
		{"classic CMD unquoted (old docker)", `/bin/sh -c #(nop) CMD [/bin/bash]`, "CMD", `["/bin/bash"]`, false, nil},
		{"classic ADD rootfs", `/bin/sh -c #(nop) ADD file:0a1b2c3d4e5f in / `, "ADD", "file:0a1b2c3d4e5f /", false, nil},
		{"classic COPY dir", `/bin/sh -c #(nop) COPY dir:9f8e7d in /app `, "COPY", "dir:9f8e7d /app", false, nil},
		{"classic COPY multi", `/bin/sh -c #(nop) COPY multi:5a5a in /usr/src/ `, "COPY", "multi:5a5a /usr/src/", false, nil},
		{"classic COPY chown", `/bin/sh -c #(nop) COPY --chown=app:app file:ab12 in /home/app/ `,
			"COPY", "--chown=app:app file:ab12 /home/app/", false, nil},
		{"classic COPY chown glued to the source (Docker 20.10)", `/bin/sh -c #(nop) COPY --chown=1000:1000file:1a8fa571f8c3ee6645f53271cf0cb2013ae83fbae68cb8f1fee0c8e83d6d9e4e in /srv/notes.txt `,
			"COPY", "--chown=1000:1000 file:1a8fa571f8c3ee6645f53271cf0cb2013ae83fbae68cb8f1fee0c8e83d6d9e4e /srv/notes.txt", false, nil},
		{"classic COPY dest with in", `/bin/sh -c #(nop) COPY file:ab12 in /opt/log in here `,
			"COPY", "file:ab12 /opt/log in here", false, nil},
		{"classic EXPOSE map", `/bin/sh -c #(nop)  EXPOSE map[22/tcp:{} 8080/tcp:{}]`, "EXPOSE", "22/tcp 8080/tcp", false, nil},
		{"classic EXPOSE plain", `/bin/sh -c #(nop)  EXPOSE 5309/udp 867`, "EXPOSE", "5309/udp 867", false, nil},
		{"classic ENV", `/bin/sh -c #(nop)  ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin`,
			"ENV", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin", false, nil},
		{"classic ENV value with spaces", `/bin/sh -c #(nop)  ENV NOTVISIBLE=in users profile`,
			"ENV", `NOTVISIBLE="in users profile"`, false, nil},
		{"classic ENV two pairs", `/bin/sh -c #(nop)  ENV A=1 B=two words`, "ENV", `A=1 B="two words"`, false, nil},
		{"classic ENV legacy form", `/bin/sh -c #(nop)  ENV GOLANG_VERSION 1.12.4`, "ENV", "GOLANG_VERSION 1.12.4", false, nil},
		{"classic ENV dollar stays literal", `/bin/sh -c #(nop)  ENV PRICE=$5`, "ENV", `PRICE="\$5"`, false, nil},
		{"classic LABEL", `/bin/sh -c #(nop)  LABEL maintainer=a@b.c org.opencontainers.image.version=1.2`,
			"LABEL", "maintainer=a@b.c org.opencontainers.image.version=1.2", false, nil},
		{"classic WORKDIR", `/bin/sh -c #(nop) WORKDIR /app`, "WORKDIR", "/app", false, nil},
		{"classic USER", `/bin/sh -c #(nop)  USER app`, "USER", "app", false, nil},
		{"classic ENTRYPOINT", `/bin/sh -c #(nop)  ENTRYPOINT ["/x"]`, "ENTRYPOINT", `["/x"]`, false, nil},
		{"classic VOLUME", `/bin/sh -c #(nop)  VOLUME [/data]`, "VOLUME", "/data", false, nil},
		{"classic VOLUME several", `/bin/sh -c #(nop)  VOLUME [/var/cache/nginx /var/log/nginx /run]`,
			"VOLUME", "/var/cache/nginx /var/log/nginx /run", false, nil},
		{"classic HEALTHCHECK shell", `/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "curl -f http://localhost/"] "30s" "3s" "0s" '\x03'}`,
			"HEALTHCHECK", "--interval=30s --timeout=3s --retries=3 CMD curl -f http://localhost/", false, nil},
		{"classic HEALTHCHECK exec", `/bin/sh -c #(nop)  HEALTHCHECK &{["CMD" "/bin/true"] "1m0s" "5s" "0s" '\x00'}`,
			"HEALTHCHECK", `--interval=1m0s --timeout=5s CMD ["/bin/true"]`, false, nil},
		{"classic HEALTHCHECK NONE", `/bin/sh -c #(nop)  HEALTHCHECK &{["NONE"] "0s" "0s" "0s" '\x00'}`,
			"HEALTHCHECK", "NONE", false, nil},
		{"classic HEALTHCHECK not understood", `/bin/sh -c #(nop)  HEALTHCHECK &{garbage}`,
			"HEALTHCHECK", "&{garbage}", false, nil},
		{"classic STOPSIGNAL", `/bin/sh -c #(nop)  STOPSIGNAL SIGTERM`, "STOPSIGNAL", "SIGTERM", false, nil},
		{"classic ARG", `/bin/sh -c #(nop)  ARG VERSION=1`, "ARG", "VERSION=1", false, nil},
		{"classic SHELL", `/bin/sh -c #(nop)  SHELL [/bin/bash -o pipefail -c]`, "SHELL", `["/bin/bash", "-o", "pipefail", "-c"]`, false, nil},
		{"classic MAINTAINER", `/bin/sh -c #(nop)  MAINTAINER Jane <jane@example.com>`, "MAINTAINER", "Jane <jane@example.com>", false, nil},
		{"classic ONBUILD", `/bin/sh -c #(nop)  ONBUILD COPY . /app`, "ONBUILD", "COPY . /app", false, nil},
		{"classic unknown nop", `/bin/sh -c #(nop) FROBNICATE x`, "#", "#(nop) FROBNICATE x", false, nil},
		{"classic nop under SHELL bash", `/bin/bash -o pipefail -c #(nop) COPY file:4c4c in /x `, "COPY", "file:4c4c /x", false, nil},
		{"windows nop", `cmd /S /C #(nop)  CMD ["cmd"]`, "CMD", `["cmd"]`, false, nil},

		// Classic builder RUN.
		{"classic RUN", `/bin/sh -c apt-get update &&     apt-get install -y curl`,
			"RUN", "apt-get update &&     apt-get install -y curl", false, nil},
		{"classic RUN build args", `|2 VERSION=1.2 TOKEN=s3cr3t /bin/sh -c make install`,
			"RUN", "make install", false, []string{"VERSION=1.2", "TOKEN=s3cr3t"}},
		{"classic RUN under SHELL bash", `/bin/bash -o pipefail -c curl -fsSL x | sh`, "RUN", "curl -fsSL x | sh", false, nil},
		{"classic RUN sh -ec", `/bin/sh -ec set -x; make`, "RUN", "set -x; make", false, nil},
		{"windows RUN", `cmd /S /C powershell -Command Install-Thing`, "RUN", "powershell -Command Install-Thing", false, nil},
		{"exec form or other tool", `echo hello`, "RUN", "echo hello", false, nil},
		{"shell without -c", `/bin/bash`, "RUN", "/bin/bash", false, nil},

		// BuildKit.
		{"buildkit RUN", `RUN /bin/sh -c apt-get update # buildkit`, "RUN", "apt-get update", true, nil},
		{"buildkit RUN build args", `RUN |2 A=1 B=2 /bin/sh -c make # buildkit`, "RUN", "make", true, []string{"A=1", "B=2"}},
		{"buildkit RUN empty arg value", `RUN |2 REPO=https://x/y.git TAG= /bin/bash -c git clone -b $TAG $REPO # buildkit`,
			"RUN", "git clone -b $TAG $REPO", true, []string{"REPO=https://x/y.git", "TAG="}},
		{"buildkit RUN arg value with spaces", `RUN |1 CFLAGS=-O2 -g /bin/sh -c make # buildkit`,
			"RUN", "make", true, []string{"CFLAGS=-O2 -g"}},
		{"buildkit RUN count without pairs", `RUN |2 /bin/bash -c pip install . # buildkit`, "RUN", "pip install .", true, nil},
		{"buildkit RUN exec form", `RUN echo hi # buildkit`, "RUN", "echo hi", true, nil},
		{"buildkit RUN JSON", `RUN ["/bin/sh","-c","x"]`, "RUN", `["/bin/sh","-c","x"]`, false, nil},
		{"buildkit RUN flags", `RUN --mount=type=cache,target=/root/.cache /bin/sh -c go build # buildkit`,
			"RUN", "--mount=type=cache,target=/root/.cache go build", true, nil},
		{"buildkit simple heredoc", "RUN /bin/sh -c apt-get update\napt-get install -y curl\n # buildkit",
			"RUN", "<<EOF\napt-get update\napt-get install -y curl\nEOF", true, nil},
		{"buildkit heredoc the shell reads", "RUN /bin/sh -c cat <<EOF > /etc/motd\nhello\nEOF # buildkit",
			"RUN", "cat <<EOF > /etc/motd\nhello\nEOF", true, nil},
		{"buildkit heredoc holding EOF", "RUN /bin/sh -c echo a\nEOF\necho b\n # buildkit",
			"RUN", "<<EOF2\necho a\nEOF\necho b\nEOF2", true, nil},
		{"buildkit COPY", `COPY app /app # buildkit`, "COPY", "app /app", true, nil},
		{"buildkit COPY from stage", `COPY --from=builder /out /usr/bin/ # buildkit`, "COPY", "--from=builder /out /usr/bin/", true, nil},
		{"buildkit COPY chmod", `COPY --chmod=0755 policy-server /policy-server # buildkit`,
			"COPY", "--chmod=0755 policy-server /policy-server", true, nil},
		{"buildkit ADD rootfs", `ADD alpine-minirootfs-3.19.1-x86_64.tar.gz / # buildkit`,
			"ADD", "alpine-minirootfs-3.19.1-x86_64.tar.gz /", true, nil},
		{"buildkit ADD url", `ADD https://example.com/a.tgz /tmp/ # buildkit`, "ADD", "https://example.com/a.tgz /tmp/", true, nil},
		{"buildkit WORKDIR", `WORKDIR /app`, "WORKDIR", "/app", false, nil},
		{"buildkit ENV", `ENV A=b`, "ENV", "A=b", false, nil},
		{"buildkit LABEL", `LABEL org.opencontainers.image.source=https://example.com/app`,
			"LABEL", "org.opencontainers.image.source=https://example.com/app", false, nil},
		{"buildkit USER", `USER 65533:65533`, "USER", "65533:65533", false, nil},
		{"buildkit EXPOSE", `EXPOSE map[8080/tcp:{}]`, "EXPOSE", "8080/tcp", false, nil},
		{"buildkit CMD", `CMD ["gunicorn" "-w" "4" "app:app"]`, "CMD", `["gunicorn", "-w", "4", "app:app"]`, false, nil},
		{"buildkit CMD shell form", `CMD ["/bin/sh" "-c" "node server.js"]`, "CMD", `["/bin/sh", "-c", "node server.js"]`, false, nil},
		{"buildkit ENTRYPOINT", `ENTRYPOINT ["docker-entrypoint.sh"]`, "ENTRYPOINT", `["docker-entrypoint.sh"]`, false, nil},
		{"buildkit ARG default", `ARG DEBIAN_FRONTEND=noninteractive`, "ARG", "DEBIAN_FRONTEND=noninteractive", false, nil},
		{"buildkit ARG no default", `ARG TARGETARCH`, "ARG", "TARGETARCH", false, nil},
		{"buildkit ARG several", `ARG A=1 B`, "ARG", "A=1 B", false, nil},
		{"buildkit VOLUME", `VOLUME [/data]`, "VOLUME", "/data", false, nil},
		{"buildkit SHELL", `SHELL [/bin/bash -c]`, "SHELL", `["/bin/bash", "-c"]`, false, nil},
		{"buildkit STOPSIGNAL", `STOPSIGNAL SIGQUIT`, "STOPSIGNAL", "SIGQUIT", false, nil},
		{"buildkit ONBUILD", `ONBUILD RUN echo hi`, "ONBUILD", "RUN echo hi", false, nil},
		{"buildkit HEALTHCHECK start interval", `HEALTHCHECK &{["CMD-SHELL" "pg_isready"] "10s" "5s" "1m0s" "2s" '\x05'}`,
			"HEALTHCHECK", "--interval=10s --timeout=5s --start-period=1m0s --start-interval=2s --retries=5 CMD pg_isready", false, nil},

		// Neither.
		{"empty", ``, "", "", false, nil},
		{"blank", "  \t", "", "", false, nil},
		{"comment only", `# debian.sh --arch 'amd64' out/ 'bookworm' '@1704672000'`,
			"#", "debian.sh --arch 'amd64' out/ 'bookworm' '@1704672000'", false, nil},
		{"control characters", "/bin/sh -c echo \x1b[31mred", "RUN", `echo \x1b[31mred`, false, nil},
		{"line break in metadata", "LABEL a=b\nRUN evil", "LABEL", `a="b\nRUN evil"`, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseCreatedBy(tt.createdBy)
			if got.Keyword != tt.keyword || got.Args != tt.args {
				t.Errorf("ParseCreatedBy(%q) = %q %q, want %q %q", tt.createdBy, got.Keyword, got.Args, tt.keyword, tt.args)
			}
			if got.BuildKit != tt.buildKit {
				t.Errorf("ParseCreatedBy(%q).BuildKit = %v, want %v", tt.createdBy, got.BuildKit, tt.buildKit)
			}
			if !slices.Equal(got.BuildArgs, tt.buildArgs) {
				t.Errorf("ParseCreatedBy(%q).BuildArgs = %q, want %q", tt.createdBy, got.BuildArgs, tt.buildArgs)
			}
			if got.Raw != tt.createdBy || got.History != -1 || got.Layer != -1 {
				t.Errorf("ParseCreatedBy(%q): Raw %q History %d Layer %d", tt.createdBy, got.Raw, got.History, got.Layer)
			}
		})
	}
}

// testStep is one history line of a test image. layer is the layer it is aligned to, -1 none.
type testStep struct {
	createdBy string
	empty     bool
	layer     int
	comment   string
}

// testImage builds an Image whose layers carry the given sizes and file counts and whose
// history is steps; Layer.History is taken from the steps unless layerHistory overrides it.
func testImage(sizes []int64, steps []testStep, layerHistory map[int]int) *Image {
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	img := &Image{}
	for i, s := range sizes {
		img.Layers = append(img.Layers, Layer{Index: i, UncompressedSize: s, Files: int(min(s/1000, 1000)), History: -1})
	}
	for i, s := range steps {
		img.History = append(img.History, History{
			Created:    base.Add(time.Duration(i) * time.Minute),
			CreatedBy:  s.createdBy,
			Comment:    s.comment,
			EmptyLayer: s.empty,
			Layer:      s.layer,
		})
		if s.layer >= 0 && s.layer < len(img.Layers) && img.Layers[s.layer].History < 0 {
			img.Layers[s.layer].History = i
		}
	}
	for l, h := range layerHistory {
		img.Layers[l].History = h
	}
	return img
}

func TestReconstructDockerfileVerification(t *testing.T) {
	tests := []struct {
		name         string
		sizes        []int64
		steps        []testStep
		layerHistory map[int]int
		// want is the Unverified (or, prefixed "note: ", the Note) of each history step, in order.
		want []string
	}{
		{"agreeing", []int64{5e6, 2e3}, []testStep{
			{`/bin/sh -c #(nop) ADD file:aa in / `, false, 0, ""},
			{`/bin/sh -c #(nop)  CMD ["sh"]`, true, -1, ""},
			{`/bin/sh -c make`, false, 1, ""},
		}, nil, []string{"", "", ""}},
		{"step without its layer", []int64{5e6}, []testStep{
			{`/bin/sh -c #(nop) ADD file:aa in / `, false, 0, ""},
			{`/bin/sh -c make`, false, -1, ""},
		}, nil, []string{"", "step should have made a layer but none is aligned to it"}},
		{"empty step with a layer", []int64{5e6, 3e3}, []testStep{
			{`/bin/sh -c #(nop) ADD file:aa in / `, false, 0, ""},
			{`/bin/sh -c make`, true, 1, ""},
		}, nil, []string{"", "step is marked empty_layer but layer 1 is aligned to it"}},
		{"metadata with files", []int64{5e6, 3e3}, []testStep{
			{`/bin/sh -c #(nop) ADD file:aa in / `, false, 0, ""},
			{`/bin/sh -c #(nop)  ENV A=1`, false, 1, ""},
		}, nil, []string{"", "ENV never changes files, yet layer 1 is aligned to it"}},
		{"metadata with an empty layer", []int64{5e6, 999}, []testStep{
			{`/bin/sh -c #(nop) ADD file:aa in / `, false, 0, ""},
			{`/bin/sh -c #(nop)  ENV A=1`, false, 1, ""},
		}, nil, []string{"", "note: ENV made an empty layer, as old builders did"}},
		{"buildkit no-op RUN", []int64{5e6}, []testStep{
			{`ADD rootfs.tar.gz / # buildkit`, false, 0, "buildkit.dockerfile.v0"},
			{`RUN /bin/sh -c true # buildkit`, true, -1, "buildkit.dockerfile.v0"},
		}, nil, []string{"", "note: marked empty_layer: the step changed no files"}},
		{"buildkit WORKDIR with layer", []int64{5e6, 1024}, []testStep{
			{`ADD rootfs.tar.gz / # buildkit`, false, 0, "buildkit.dockerfile.v0"},
			{`WORKDIR /app`, false, 1, "buildkit.dockerfile.v0"},
		}, nil, []string{"", ""}},
		{"layer out of range", []int64{5e6}, []testStep{
			{`/bin/sh -c #(nop) ADD file:aa in / `, false, 0, ""},
			{`/bin/sh -c make`, false, 4, ""},
		}, nil, []string{"", "step names layer 4, but the image has 1 layers"}},
		{"layer claimed twice", []int64{5e6}, []testStep{
			{`/bin/sh -c #(nop) ADD file:aa in / `, false, 0, ""},
			{`/bin/sh -c make`, false, 0, ""},
		}, nil, []string{"", "layer 0 is already aligned to step 0"}},
		{"layer names another step", []int64{5e6, 2e3}, []testStep{
			{`/bin/sh -c #(nop) ADD file:aa in / `, false, 0, ""},
			{`/bin/sh -c make`, false, 1, ""},
		}, map[int]int{1: 0}, []string{"", "layer 1 names step 0 as its maker, not this one"}},
		{"out of order", []int64{5e6, 2e3}, []testStep{
			{`/bin/sh -c make`, false, 1, ""},
			{`/bin/sh -c #(nop) ADD file:aa in / `, false, 0, ""},
		}, nil, []string{"", "layer 0 comes before layer 1 of an earlier step: history and layers are out of order"}},
		{"empty created_by with layer", []int64{5e6}, []testStep{
			{``, false, 0, "Imported from -"},
		}, nil, []string{`note: the history line has no command; history comment: "Imported from -"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := testImage(tt.sizes, tt.steps, tt.layerHistory)
			d := ReconstructDockerfile(img, nil)
			var got []string
			for _, in := range d.Instructions {
				if in.History < 0 {
					continue
				}
				if in.Unverified == "" && in.Note != "" {
					got = append(got, "note: "+in.Note)
				} else {
					got = append(got, in.Unverified)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("verification:\ngot  %q\nwant %q\n%s", got, tt.want, d)
			}
		})
	}
}

func TestReconstructDockerfileOrphanLayerInPlace(t *testing.T) {
	img := testImage([]int64{5e6, 2e3, 3e3}, []testStep{
		{`/bin/sh -c #(nop) ADD file:aa in / `, false, 0, ""},
		{`/bin/sh -c make`, false, 2, ""},
	}, nil)
	d := ReconstructDockerfile(img, nil)
	var order []string
	for _, in := range d.Instructions {
		order = append(order, in.String())
	}
	want := []string{"FROM scratch", "ADD file:aa /", "# layer 1 (no history line)", "RUN make"}
	if !slices.Equal(order, want) {
		t.Errorf("order = %q, want %q", order, want)
	}
	if got := d.Instructions[2].Unverified; got != "layer 1 has no history line" {
		t.Errorf("orphan Unverified = %q", got)
	}
}

func TestReconstructDockerfileNil(t *testing.T) {
	if d := ReconstructDockerfile(nil, nil); len(d.Instructions) != 0 || d.String() != "" {
		t.Errorf("ReconstructDockerfile(nil) = %+v", d)
	}
	d := ReconstructDockerfile(&Image{}, nil)
	if !strings.Contains(d.String(), "the image has no history") {
		t.Errorf("empty image:\n%s", d)
	}
}

// goldenImages are whole images whose rendered Dockerfile is kept in testdata/dockerfile.
func goldenImages() map[string]struct {
	img   *Image
	paths map[int][]string
} {
	t0 := time.Date(2024, 1, 11, 0, 0, 0, 0, time.UTC)
	t1 := time.Date(2024, 5, 20, 7, 21, 0, 0, time.UTC)
	at := func(base time.Time, s int) time.Time { return base.Add(time.Duration(s) * time.Second) }

	// A classic-builder image: debian-like base (ADD rootfs, CMD), then the app with build args,
	// a custom SHELL and every metadata instruction.
	classic := &Image{
		Config: Config{Env: []string{"APP_HOME=/srv/app", "PATH=/srv/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Entrypoint: []string{"/usr/local/bin/entrypoint.sh"}, Cmd: []string{"serve", "--port", "8080"}, User: "app"},
		Layers: []Layer{
			{Index: 0, UncompressedSize: 77_800_000, Files: 8_000, History: 0},
			{Index: 1, UncompressedSize: 48_100_000, Files: 2_100, History: 4},
			{Index: 2, UncompressedSize: 0, History: 7},
			{Index: 3, UncompressedSize: 14_200_000, Files: 300, History: 8},
			{Index: 4, UncompressedSize: 2_048, Files: 1, History: 9},
		},
		History: []History{
			{Created: t0, CreatedBy: "/bin/sh -c #(nop) ADD file:5d6b639e8b6bcc01163b4ed5bd8ad4dd1c3a0a0a2d35f1ac1fdcc5a58f0bb9d2 in / ", Layer: 0},
			{Created: at(t0, 1), CreatedBy: `/bin/sh -c #(nop)  CMD ["bash"]`, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 0), CreatedBy: "/bin/sh -c #(nop)  MAINTAINER Jane Doe <jane@example.com>", EmptyLayer: true, Layer: -1},
			{Created: at(t1, 1), CreatedBy: "/bin/sh -c #(nop)  ARG VERSION=1.4.2", EmptyLayer: true, Layer: -1},
			{Created: at(t1, 30), CreatedBy: "|1 VERSION=1.4.2 /bin/sh -c apt-get update &&     apt-get install -y --no-install-recommends curl ca-certificates &&     rm -rf /var/lib/apt/lists/*", Layer: 1},
			{Created: at(t1, 31), CreatedBy: "/bin/sh -c #(nop)  SHELL [/bin/bash -o pipefail -c]", EmptyLayer: true, Layer: -1},
			{Created: at(t1, 32), CreatedBy: "/bin/bash -o pipefail -c #(nop)  ENV APP_HOME=/srv/app PATH=/srv/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", EmptyLayer: true, Layer: -1},
			{Created: at(t1, 33), CreatedBy: "/bin/bash -o pipefail -c #(nop) WORKDIR /srv/app", Layer: 2},
			{Created: at(t1, 40), CreatedBy: "/bin/bash -o pipefail -c #(nop) COPY dir:8abfedb4af4f697c8c1ae2a3e3a0e08a5ad6c2f3c6d1d6a9b6c5a4d3e2f1a0b9 in /srv/app ", Layer: 3},
			{Created: at(t1, 41), CreatedBy: "/bin/bash -o pipefail -c #(nop) COPY --chown=app:app file:137a2eccd9bdb2479c8b1f0ff5cbe1c1a5a8d2b8e2a7e5c1b0d3f4e5a6b7c8d9 in /usr/local/bin/entrypoint.sh ", Layer: 4},
			{Created: at(t1, 42), CreatedBy: "/bin/bash -o pipefail -c #(nop)  LABEL org.opencontainers.image.title=Shop API org.opencontainers.image.version=1.4.2", EmptyLayer: true, Layer: -1},
			{Created: at(t1, 43), CreatedBy: "/bin/bash -o pipefail -c #(nop)  EXPOSE map[8080/tcp:{} 9090/tcp:{}]", EmptyLayer: true, Layer: -1},
			{Created: at(t1, 44), CreatedBy: "/bin/bash -o pipefail -c #(nop)  VOLUME [/srv/app/data]", EmptyLayer: true, Layer: -1},
			{Created: at(t1, 45), CreatedBy: `/bin/bash -o pipefail -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "curl -f http://localhost:8080/health || exit 1"] "30s" "3s" "0s" '\x03'}`, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 46), CreatedBy: "/bin/bash -o pipefail -c #(nop)  USER app", EmptyLayer: true, Layer: -1},
			{Created: at(t1, 47), CreatedBy: "/bin/bash -o pipefail -c #(nop)  STOPSIGNAL SIGTERM", EmptyLayer: true, Layer: -1},
			{Created: at(t1, 48), CreatedBy: `/bin/bash -o pipefail -c #(nop)  ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]`, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 49), CreatedBy: `/bin/bash -o pipefail -c #(nop)  CMD ["serve" "--port" "8080"]`, EmptyLayer: true, Layer: -1},
		},
	}

	// The final stage of a BuildKit multi-stage build on an alpine-like base: only this stage is
	// recorded; the builder stage's steps are gone.
	bk := "buildkit.dockerfile.v0"
	buildkit := &Image{
		Config: Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GIN_MODE=release", "TZ=UTC"},
			Entrypoint: []string{"/app/server"}, User: "app"},
		Layers: []Layer{
			{Index: 0, UncompressedSize: 7_380_000, Files: 500, History: 0},
			{Index: 1, UncompressedSize: 3_100_000, Files: 40, History: 4},
			{Index: 2, UncompressedSize: 4_096, Files: 1, History: 5},
			{Index: 3, UncompressedSize: 21_400_000, Files: 1, History: 7},
			{Index: 4, UncompressedSize: 5_000, Files: 3, History: 8},
		},
		History: []History{
			{Created: t0, CreatedBy: "ADD alpine-minirootfs-3.19.1-x86_64.tar.gz / # buildkit", Comment: bk, Layer: 0},
			{Created: t0, CreatedBy: `CMD ["/bin/sh"]`, Comment: bk, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 0), CreatedBy: "ARG TARGETARCH", Comment: bk, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 0), CreatedBy: "ARG BUILD_TOKEN=ghp_exampleexampleexample", Comment: bk, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 5), CreatedBy: "RUN |2 TARGETARCH=amd64 BUILD_TOKEN=ghp_exampleexampleexample /bin/sh -c apk add --no-cache ca-certificates tzdata # buildkit", Comment: bk, Layer: 1},
			{Created: at(t1, 6), CreatedBy: "WORKDIR /app", Comment: bk, Layer: 2},
			{Created: at(t1, 6), CreatedBy: "RUN |2 TARGETARCH=amd64 BUILD_TOKEN=ghp_exampleexampleexample /bin/sh -c true # buildkit", Comment: bk, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 7), CreatedBy: "COPY --from=builder /out/server /app/server # buildkit", Comment: bk, Layer: 3},
			{Created: at(t1, 8), CreatedBy: "RUN /bin/sh -c addgroup -S app && adduser -S app -G app\nchown -R app:app /app\n # buildkit", Comment: bk, Layer: 4},
			{Created: at(t1, 8), CreatedBy: "ENV GIN_MODE=release TZ=UTC", Comment: bk, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 8), CreatedBy: "LABEL org.opencontainers.image.source=https://example.com/shop", Comment: bk, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 8), CreatedBy: "USER app", Comment: bk, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 8), CreatedBy: "EXPOSE map[8080/tcp:{}]", Comment: bk, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 8), CreatedBy: `ENTRYPOINT ["/app/server"]`, Comment: bk, EmptyLayer: true, Layer: -1},
		},
	}

	// A lying history: steps that claim layers they did not get, a layer with no history line, a
	// metadata step holding files, an empty history line, and more history layers than the image has.
	lying := &Image{
		Config: Config{Env: []string{"FLASK_APP=app.py"}, Cmd: []string{"flask", "run"}},
		Layers: []Layer{
			{Index: 0, UncompressedSize: 5_600_000, Files: 450, History: 0},
			{Index: 1, UncompressedSize: 12_000_000, Files: 90, History: 2},
			{Index: 2, UncompressedSize: 880_000, Files: 3, History: -1},
			{Index: 3, UncompressedSize: 64_000, Files: 2, History: 5},
		},
		History: []History{
			{Created: t0, CreatedBy: "/bin/sh -c #(nop) ADD file:c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00 in / ", Layer: 0},
			{Created: at(t0, 1), CreatedBy: `/bin/sh -c #(nop)  CMD ["/bin/sh"]`, EmptyLayer: true, Layer: -1},
			{Created: at(t1, 0), CreatedBy: "/bin/sh -c apk add --no-cache python3", Layer: 1},
			{Created: at(t1, 10), CreatedBy: "/bin/sh -c pip install flask", Layer: -1},
			{Created: at(t1, 11), CreatedBy: "", EmptyLayer: true, Layer: -1},
			{Created: at(t1, 12), CreatedBy: "/bin/sh -c #(nop)  ENV FLASK_APP=app.py", Layer: 3},
			{Created: at(t1, 13), CreatedBy: "/bin/sh -c rm -rf /root/.cache", Layer: -1},
			{Created: at(t1, 14), CreatedBy: `/bin/sh -c #(nop)  CMD ["flask" "run"]`, EmptyLayer: true, Layer: -1},
		},
	}

	return map[string]struct {
		img   *Image
		paths map[int][]string
	}{
		"classic": {classic, map[int][]string{
			0: {"/bin", "/etc", "/lib", "/usr", "/var"},
			1: {"/usr/bin/curl", "/etc/ssl/certs"},
			2: {"/srv/app"},
			3: {"/srv/app"},
			4: {"/usr/local/bin/entrypoint.sh"},
		}},
		"buildkit-multistage": {buildkit, map[int][]string{
			0: {"/bin", "/etc", "/lib", "/usr"},
			1: {"/etc/ssl/certs", "/usr/share/zoneinfo"},
			2: {"/app"},
			3: {"/app/server"},
			4: {"/etc/passwd", "/etc/group", "/home/app"},
		}},
		"lying": {lying, map[int][]string{
			0: {"/bin", "/etc", "/lib"},
			1: {"/usr/bin/python3", "/usr/lib/python3.11"},
			2: {"/root/.ssh/authorized_keys", "/usr/local/bin/.cache"},
			3: {"/app/app.py"},
		}},
	}
}

func TestDockerfileGolden(t *testing.T) {
	for name, g := range goldenImages() {
		t.Run(name, func(t *testing.T) {
			d := ReconstructDockerfile(g.img, func(layer int) []string { return g.paths[layer] })
			got := d.String()
			path := filepath.Join("testdata", "dockerfile", name+".golden")
			if updateGoldens() {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden file (run with -update to create it): %v", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from golden file %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
			}
		})
	}
}

func FuzzParseCreatedBy(f *testing.F) {
	for _, s := range []string{
		`/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "x"] "30s" "3s" "0s" '\x03'}`,
		`RUN |3 A=1 B= C=x y /bin/sh -c make # buildkit`,
		`/bin/sh -c #(nop)  ENV A=1 B=2`,
		`/bin/sh -c #(nop) COPY --chown=a:b file:ab in /x `,
		"RUN /bin/sh -c a\nb\n # buildkit",
		`CMD ["a" "b]`,
		`|x`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, createdBy string) {
		in := ParseCreatedBy(createdBy)
		if strings.IndexFunc(in.Args, isHostileControl) >= 0 {
			t.Errorf("ParseCreatedBy(%q).Args = %q holds control characters", createdBy, in.Args)
		}
		if in.Keyword != "RUN" && in.Keyword != KeywordComment && strings.Contains(in.Args, "\n") {
			t.Errorf("ParseCreatedBy(%q).Args = %q spans lines", createdBy, in.Args)
		}
	})
}
